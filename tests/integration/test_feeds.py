"""Calendar feeds as a volunteer's phone fetches them (docs/calendar.md).

The real turnoutd with the real ical plugin on loopback. What it serves is
parsed by python3-icalendar (Debian's, run with /usr/bin/python3) and by
Mozilla's ical.js (tests/ical, installed by scripts/test with npm ci), and
checked byte by byte. The 30-day cancellation rule needs a moved clock and
is checked in tests/unit/calendar_test.cpp.

Run by ctest from tests/integration with TURNOUTD (the binary; its
plugins are in ../plugins) and TURNOUT_SOURCE_DIR:
    python3 -m unittest -v test_feeds
"""

import datetime
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest
import urllib.parse

import daemon
from daemon import Daemon, note_secret

TURNOUTD = os.environ["TURNOUTD"]
SOURCE_DIR = os.environ.get("TURNOUT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
ICAL_PLUGIN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(TURNOUTD))), "plugins", "ical.so")
ICALJS_DIR = os.path.join(SOURCE_DIR, "tests", "ical")
DEBIAN_PYTHON = "/usr/bin/python3"  # python3-icalendar is Debian's
API = "/api/v1"
PUBLIC = "https://feeds.example.org"

# Every kind of text that has broken a calendar somewhere. (The API refuses
# line breaks in titles and places; the feed's own descriptions carry them.)
HOSTILE = [
    "Commas, semicolons; and a backslash \\ here",
    'Quotes "double" and \'single\'',
    "Slash / and percent %20 and <b>html</b> &amp;",
    "Accents: audiencia pública, niñez, Señora Peña",
    "Emoji 🗳️✊🏽📣 in the title",
    "CJK 移民权利 公听会 市议会",
    "A colon: and a \\n that is not a newline",
]


def octets(n, filler="x"):
    return filler * n


def title_of(n_octets, tail="é"):
    """A title of exactly n octets, ending in a two-octet character."""
    return octets(n_octets - len(tail.encode())) + tail


def when(days=0, hours=0):
    t = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
    return (t + datetime.timedelta(days=days, hours=hours)).isoformat()


def path_of(url):
    u = urllib.parse.urlparse(url)
    return u.path


class Feeds(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Daemon(extra_config=f'public_url = "{PUBLIC}"', prefix="turnout-feeds-")
        os.makedirs(os.path.join(cls.d.dir, "plugins"), exist_ok=True)
        shutil.copy(ICAL_PLUGIN, os.path.join(cls.d.dir, "plugins", "ical.so"))
        cls.d.start()
        cls.d.create_group("Valle, Verde; Coalición", "valle")
        _, token = cls.d.user_with_token(daemon_email("coord"), "coordinator", "valle", "pw-feeds-coordinator-1")
        cls.c = cls.d.client(token)
        cls.anon = cls.d.client()
        cls.tmp = tempfile.TemporaryDirectory(prefix="turnout-feeds-files-")

    @classmethod
    def tearDownClass(cls):
        code, took = cls.d.stop()
        cls.d.cleanup()
        cls.tmp.cleanup()
        if code != 0:
            raise AssertionError(f"turnoutd did not stop cleanly on SIGTERM: exit {code} after {took:.1f}s")

    # -- helpers ----------------------------------------------------------------

    def ok(self, res, status=200):
        self.assertEqual(res.status, status, res)
        return res.json if res.body and (res.header("Content-Type") or "").startswith("application/json") else res

    def body(self, **fields):
        b = {"name": "Valle County Board", "kind": "county_board", "timezone": "America/Los_Angeles"}
        b.update(fields)
        return self.ok(self.c.post(f"{API}/bodies", b), 201)

    def meeting(self, body_id, days=10, hours=0, length=3, **fields):
        m = {"body_id": body_id, "title": "Regular meeting", "starts_at": when(days, hours),
             "ends_at": when(days, hours + length), "location": "Board chambers, 70 W Hedding St"}
        m.update(fields)
        return self.ok(self.c.post(f"{API}/meetings", m), 201)

    def volunteer(self, **fields):
        v = {"name": f"Volunteer {next(daemon_counter)}", "phone": daemon_phone(), "email": daemon_email("v")}
        v.update(fields)
        return self.ok(self.c.post(f"{API}/volunteers", v), 201)

    def placed(self, meeting_id, volunteer_id, **slot):
        s = {"role": "speaker", "capacity": 5, "minutes": 2, "order": 3}
        s.update(slot)
        s = self.ok(self.c.post(f"{API}/meetings/{meeting_id}/slots", s), 201)
        return self.ok(self.c.post(f"{API}/slots/{s['id']}/assignments", {"volunteer_id": volunteer_id}), 201)

    def volunteer_feed(self, volunteer_id):
        links = self.ok(self.c.post(f"{API}/volunteers/{volunteer_id}/feed-token"), 201)
        note_secret(path_of(links["url"]).rsplit("/", 1)[-1].removesuffix(".ics"))
        return links

    def fetch(self, url, method="GET", **headers):
        return self.anon.request(method, path_of(url), headers=headers or None)

    def save(self, name, data):
        p = os.path.join(self.tmp.name, name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def parse_everywhere(self, files):
        """Both parsers read every file with no error; returns ical.js's reading."""
        script = ("import icalendar, sys\n"
                  "for p in sys.argv[1:]:\n"
                  "    c = icalendar.Calendar.from_ical(open(p, 'rb').read())\n"
                  "    errors = [(x.name, e) for x in c.walk() for e in x.errors]\n"
                  "    assert not errors, (p, errors)\n"
                  "    assert c.walk('VEVENT'), p\n")
        r = subprocess.run([DEBIAN_PYTHON, "-c", script, *files], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = subprocess.run(["node", os.path.join(ICALJS_DIR, "check.js"), *files], capture_output=True, text=True,
                           cwd=ICALJS_DIR)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def assertWellFormed(self, data):
        self.assertTrue(data.endswith(b"\r\n"))
        self.assertNotIn(b"\n", data.replace(b"\r\n", b""), "a bare LF")
        self.assertNotIn(b"\r", data.replace(b"\r\n", b""), "a bare CR")
        for line in data.split(b"\r\n")[:-1]:
            self.assertLessEqual(len(line), 75, line)
            line.decode("utf-8")  # no line ends inside a UTF-8 sequence
        logical = data.replace(b"\r\n ", b"").split(b"\r\n")
        # a fold never separates a backslash from what it escapes
        for line in data.split(b"\r\n")[:-1]:
            stripped = line.rstrip(b"\\")
            self.assertEqual((len(line) - len(stripped)) % 2, 0, f"a fold after a lone backslash: {line!r}")
        for name in (b"VERSION:2.0", b"PRODID:", b"METHOD:PUBLISH", b"X-WR-CALNAME", b"NAME:",
                     b"REFRESH-INTERVAL;VALUE=DURATION:", b"X-PUBLISHED-TTL:"):
            self.assertTrue(any(l.startswith(name) for l in logical), name)

    # -- what a feed holds --------------------------------------------------------

    def test_a_corpus_of_hostile_text_parses_in_python_icalendar_and_ical_js_and_reads_back_the_same(self):
        b = self.body(name="Consejo; de la ciudad, \\ niñez 🗳️")
        titles = HOSTILE + [title_of(74), title_of(75), title_of(76), octets(73) + "\\,", "é" * 150]
        v = self.volunteer(language="es")
        meetings = []
        for i, title in enumerate(titles):
            m = self.meeting(b["id"], days=5 + i, title=title, location=HOSTILE[i % len(HOSTILE)])
            item = self.ok(self.c.post(f"{API}/meetings/{m['id']}/agenda-items",
                                       {"number": f"PH-{i}", "title": HOSTILE[(i + 1) % len(HOSTILE)],
                                        "stance": "oppose"}), 201)
            self.placed(m["id"], v["id"], agenda_item_id=item["id"])
            meetings.append(m)
        # across the next end of daylight saving time in Los Angeles (the
        # first Sunday of November), so that the meeting is always ahead
        today = datetime.date.today()
        for year in (today.year, today.year + 1):
            nov1 = datetime.date(year, 11, 1)
            dst_end = nov1 + datetime.timedelta(days=(6 - nov1.weekday()) % 7)
            if dst_end > today + datetime.timedelta(days=2):
                break
        dst = self.meeting(b["id"], title="Across the DST change", starts_at=f"{dst_end}T00:30:00-07:00",
                           ends_at=f"{dst_end}T03:30:00-08:00")
        self.placed(dst["id"], v["id"])
        cancelled = self.meeting(b["id"], days=40, title="To be cancelled")
        self.placed(cancelled["id"], v["id"])
        self.ok(self.c.patch(f"{API}/meetings/{cancelled['id']}", {"status": "cancelled"}))
        moved = self.meeting(b["id"], days=41, title="To be moved")
        self.placed(moved["id"], v["id"])
        self.ok(self.c.patch(f"{API}/meetings/{moved['id']}", {"starts_at": when(42), "ends_at": when(42, 2)}))

        vres = self.fetch(self.volunteer_feed(v["id"])["url"])
        self.assertEqual(vres.status, 200, vres)
        glinks = self.ok(self.c.post(f"{API}/groups/current/feed-token"), 201)
        gres = self.fetch(glinks["url"])
        self.assertEqual(gres.status, 200, gres)
        for data in (vres.body, gres.body):
            self.assertWellFormed(data)
        read = self.parse_everywhere([self.save("volunteer.ics", vres.body), self.save("group.ics", gres.body)])
        vcal = read[os.path.join(self.tmp.name, "volunteer.ics")]
        self.assertEqual(vcal["method"], "PUBLISH")
        summaries = "\n".join(e["summary"] for e in vcal["events"])
        for title in titles:
            self.assertIn(title, summaries)
        by_title = {e["summary"]: e for e in vcal["events"]}
        c = next(e for s, e in by_title.items() if "To be cancelled" in s)
        self.assertEqual(c["status"], "CANCELLED")
        self.assertGreaterEqual(c["sequence"], 1)
        mv = next(e for s, e in by_title.items() if "To be moved" in s)
        self.assertGreaterEqual(mv["sequence"], 1)
        self.assertEqual(mv["start"], int(datetime.datetime.fromisoformat(when(42)).timestamp()))
        d = next(e for s, e in by_title.items() if "DST" in s)
        self.assertEqual(d["end"] - d["start"], 4 * 3600, "00:30 PDT to 03:30 PST is four hours")
        descriptions = "\n".join(e["description"] for e in vcal["events"])
        for text in HOSTILE:
            self.assertIn(text, descriptions)
        gcal = read[os.path.join(self.tmp.name, "group.ics")]
        self.assertIn("Valle, Verde; Coalición", gcal["name"])

    def test_a_volunteer_feed_names_role_item_order_minutes_and_stance_and_never_another_volunteers_place(self):
        b = self.body()
        m = self.meeting(b["id"], title="Budget hearing")
        item = self.ok(self.c.post(f"{API}/meetings/{m['id']}/agenda-items",
                                   {"number": "PH-2", "title": "Jail contract", "stance": "oppose"}), 201)
        ana, ben = self.volunteer(), self.volunteer()
        a1 = self.placed(m["id"], ana["id"], agenda_item_id=item["id"], minutes=3, order=4)
        other = self.meeting(b["id"], days=12, title="Only Ben speaks here")
        a2 = self.placed(other["id"], ben["id"])
        feed = self.fetch(self.volunteer_feed(ana["id"])["url"]).body.decode()
        logical = feed.replace("\r\n ", "")
        self.assertIn(f"UID:assignment-{a1['id']}@feeds.example.org", logical)
        self.assertNotIn(f"assignment-{a2['id']}@", logical)
        self.assertNotIn("Only Ben speaks here", logical)
        for words in ("Speaker", "PH-2 Jail contract", "3 minutes", "#4", "oppose", "Budget hearing"):
            self.assertIn(words, logical)
        for private in (ana["name"], ana["phone"], ana["email"], ben["name"]):
            self.assertNotIn(private, logical)
        self.assertIn("BEGIN:VALARM", logical)  # the default reminder

    def test_the_group_feed_names_no_person_and_a_body_feed_exists_only_when_published(self):
        hidden = self.body(name="Closed commission")
        public = self.body(name="Open council", feed_public=True)
        v = self.volunteer()
        m = self.meeting(public["id"], title="Open hearing")
        self.placed(m["id"], v["id"])
        self.meeting(hidden["id"], title="Closed hearing")
        glinks = self.ok(self.c.post(f"{API}/groups/current/feed-token"), 201)
        self.assertTrue(glinks["webcal_url"].startswith("webcal://feeds.example.org/feeds/groups/"))
        note_secret(path_of(glinks["url"]).rsplit("/", 1)[-1])
        group = self.fetch(glinks["url"]).body.decode().replace("\r\n ", "")
        self.assertIn("Open hearing", group)
        for private in (v["name"], v["phone"], v["email"], "assignment-"):
            self.assertNotIn(private, group)
        self.assertEqual(self.fetch(f"/feeds/bodies/{hidden['id']}.ics").status, 404)
        res = self.fetch(f"/feeds/bodies/{public['id']}.ics")
        self.assertEqual(res.status, 200, res)
        # publishing and withdrawing through the API, effective at once
        self.assertEqual(self.ok(self.c.patch(f"{API}/bodies/{hidden['id']}", {"feed_public": True}))["feed_public"], True)
        self.assertEqual(self.fetch(f"/feeds/bodies/{hidden['id']}.ics").status, 200)
        self.ok(self.c.patch(f"{API}/bodies/{hidden['id']}", {"feed_public": False}))
        self.assertEqual(self.fetch(f"/feeds/bodies/{hidden['id']}.ics").status, 404)
        self.assertEqual(self.c.patch(f"{API}/bodies/{hidden['id']}", {"feed_public": "yes"}).status, 422)
        self.assertEqual(self.c.patch(f"{API}/bodies/{hidden['id']}", {"color": "red"}).status, 422)
        text = res.body.decode().replace("\r\n ", "")
        self.assertIn("Open hearing", text)
        self.assertNotIn("Closed hearing", text)
        self.assertNotIn(v["name"], text)

    def test_renaming_a_body_or_the_group_shows_in_the_feeds_at_once(self):
        b = self.body(name="Harbor Commission", feed_public=True)
        self.meeting(b["id"], title="Harbor hearing")
        glinks = self.ok(self.c.post(f"{API}/groups/current/feed-token"), 201)
        note_secret(path_of(glinks["url"]).rsplit("/", 1)[-1])
        body_url = f"/feeds/bodies/{b['id']}.ics"
        first = self.fetch(body_url)
        self.assertEqual(first.status, 200)
        self.assertIn("Harbor Commission", first.body.decode().replace("\r\n ", ""))
        # a second fetch is the cached feed: 304 on its ETag
        self.assertEqual(self.fetch(body_url, **{"If-None-Match": first.header("ETag")}).status, 304)
        renamed = self.ok(self.c.patch(f"{API}/bodies/{b['id']}", {"name": "Port Authority Commission"}))
        self.assertEqual(renamed["name"], "Port Authority Commission")
        self.assertEqual(renamed["feed"]["url"], f"{PUBLIC}{body_url}")
        after = self.fetch(body_url, **{"If-None-Match": first.header("ETag")})
        self.assertEqual(after.status, 200, "the rename made the cached feed stale")
        text = after.body.decode().replace("\r\n ", "")
        self.assertIn("Port Authority Commission", text)
        self.assertNotIn("Harbor Commission", text)
        group_before = self.fetch(glinks["url"])
        self.assertEqual(group_before.status, 200)
        self.ok(self.c.patch(f"{API}/groups/current", {"name": "Valle Verde Coalición"}))
        group_after = self.fetch(glinks["url"], **{"If-None-Match": group_before.header("ETag")})
        self.assertEqual(group_after.status, 200, "the group's new name made its cached feed stale")
        self.assertIn("Valle Verde Coalición", group_after.body.decode().replace("\r\n ", ""))
        self.ok(self.c.patch(f"{API}/groups/current", {"name": "Valle, Verde; Coalición"}))

    # -- privacy ----------------------------------------------------------------

    def test_rotation_makes_the_old_link_404_at_once_like_an_unknown_one_and_the_log_never_shows_a_token(self):
        v = self.volunteer()
        old = self.volunteer_feed(v["id"])
        self.assertEqual(self.fetch(old["url"]).status, 200)
        new = self.volunteer_feed(v["id"])
        gone = self.fetch(old["url"])
        unknown = self.fetch(f"/feeds/volunteers/fd_{'A' * 43}.ics")
        garbage = self.fetch("/feeds/volunteers/..%2F..%2Fetc.ics")
        for res in (gone, unknown, garbage):
            self.assertEqual(res.status, 404)
            self.assertEqual(res.body, gone.body)
            self.assertEqual(sorted(k for k, _ in res.headers if k.lower() != "date"),
                             sorted(k for k, _ in gone.headers if k.lower() != "date"))
        self.assertEqual(self.fetch(new["url"]).status, 200)
        g1 = self.ok(self.c.post(f"{API}/groups/current/feed-token"), 201)
        g2 = self.ok(self.c.post(f"{API}/groups/current/feed-token"), 201)
        self.assertEqual(self.fetch(g1["url"]).status, 404)
        self.assertEqual(self.fetch(g2["url"]).status, 200)
        log = self.d.log()
        self.assertIn("GET /feeds/volunteers/{token}.ics 200", log)
        self.assertIsNone(re.search(r"\b(fd|gf)_[A-Za-z0-9_-]{16,}", log), "a feed token in the log")

    # -- HTTP ---------------------------------------------------------------------

    def test_conditional_requests_headers_and_head(self):
        v = self.volunteer()
        self.placed(self.meeting(self.body()["id"])["id"], v["id"])
        url = self.volunteer_feed(v["id"])["url"]
        first = self.fetch(url)
        self.assertEqual(first.status, 200)
        self.assertEqual(first.header("Content-Type"), "text/calendar; charset=utf-8")
        self.assertIn("private", first.header("Cache-Control"))
        self.assertEqual(first.header("Referrer-Policy"), "no-referrer")
        etag, lm = first.header("ETag"), first.header("Last-Modified")
        self.assertRegex(etag, r'^"[0-9a-f]{32}"$')
        self.assertEqual(self.fetch(url).body, first.body, "the same data gives the same bytes")
        older = "Mon, 01 Jan 2001 00:00:00 GMT"
        matrix = [
            ({"If-None-Match": etag}, 304),
            ({"If-None-Match": f'"nope", {etag}'}, 304),
            ({"If-None-Match": "W/" + etag}, 304),
            ({"If-None-Match": '"nope"'}, 200),
            ({"If-Modified-Since": lm}, 304),
            ({"If-Modified-Since": older}, 200),
            ({"If-Modified-Since": "yesterday-ish"}, 200),
            ({"If-None-Match": '"nope"', "If-Modified-Since": lm}, 200),  # If-None-Match wins
            ({"If-None-Match": etag, "If-Modified-Since": older}, 304),
        ]
        for headers, status in matrix:
            with self.subTest(headers=headers):
                res = self.fetch(url, **headers)
                self.assertEqual(res.status, status, res)
                self.assertEqual(res.header("ETag"), etag)
                if status == 304:
                    self.assertEqual(res.body, b"")
        head = self.fetch(url, method="HEAD")
        self.assertEqual(head.status, 200)
        self.assertEqual(head.body, b"")
        self.assertEqual(int(head.header("Content-Length")), len(first.body))
        self.assertEqual(head.header("ETag"), etag)
        self.assertEqual(self.fetch(url, method="HEAD", **{"If-None-Match": etag}).status, 304)
        res = self.anon.request("POST", path_of(url))
        self.assertEqual(res.status, 405)

    def test_a_change_shows_in_the_very_next_fetch_with_a_higher_sequence(self):
        v = self.volunteer()
        m = self.meeting(self.body()["id"], title="Before the change")
        a = self.placed(m["id"], v["id"])
        url = self.volunteer_feed(v["id"])["url"]
        seq = lambda text: int(re.search(r"SEQUENCE:(\d+)", text).group(1))
        before = self.fetch(url)
        etag = before.header("ETag")
        self.ok(self.c.patch(f"{API}/meetings/{m['id']}", {"title": "After the change", "starts_at": when(11),
                                                             "ends_at": when(11, 2)}))
        after = self.fetch(url, **{"If-None-Match": etag})
        self.assertEqual(after.status, 200)
        self.assertIn("After the change", after.body.decode().replace("\r\n ", ""))
        self.assertGreater(seq(after.body.decode()), seq(before.body.decode()))
        self.ok(self.c.patch(f"{API}/meetings/{m['id']}", {"status": "cancelled"}))
        cancelled = self.fetch(url).body.decode()
        self.assertIn("STATUS:CANCELLED", cancelled)
        self.assertGreater(seq(cancelled), seq(after.body.decode()))
        self.assertIn(f"UID:assignment-{a['id']}@feeds.example.org", cancelled)

    def test_uids_and_bytes_are_the_same_after_a_restart(self):
        v = self.volunteer()
        self.placed(self.meeting(self.body()["id"])["id"], v["id"])
        url = self.volunteer_feed(v["id"])["url"]
        before = self.fetch(url)
        self.d.stop()
        self.d.start()
        self.anon = self.d.client()
        type(self).anon = self.anon
        self.c.port = self.d.port
        after = self.fetch(url)
        self.assertEqual(after.body, before.body)
        self.assertEqual(after.header("ETag"), before.header("ETag"))


class WithoutACalendarPlugin(unittest.TestCase):
    def test_feeds_answer_404_saying_no_calendar_plugin_is_running(self):
        d = Daemon(prefix="turnout-feeds-none-").start()
        self.addCleanup(d.cleanup)
        self.addCleanup(d.stop)
        res = d.client().get(f"/feeds/volunteers/fd_{'A' * 43}.ics")
        self.assertEqual(res.status, 404)
        self.assertEqual(res.json["error"]["code"], "no_calendar_plugin")


_counter = iter(range(1, 1_000_000))
daemon_counter = _counter


def daemon_phone():
    from test_api import new_phone
    return new_phone()


def daemon_email(who):
    from test_api import new_email
    return new_email(who)


if __name__ == "__main__":
    unittest.main()
