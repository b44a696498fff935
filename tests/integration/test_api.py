"""The REST API through the real daemon on loopback, on a real SQLite file.

Each TestCase class starts one `turnoutd serve` (daemon.py) with its own
temporary folder, sets up its groups and accounts through the real CLI, and
stops the daemon with SIGTERM at the end, which must exit 0. The last class
reads the stderr of every daemon and CLI run of the suite and checks that no
phone number, email, password or token of the test data ever reached it.

Run by ctest with TURNOUTD (the binary) and TURNOUT_FIXTURES set:
    python3 -m unittest -v test_api
"""

import concurrent.futures
import datetime
import http.client
import itertools
import json
import os
import re
import secrets
import shutil
import threading
import time
import types
import unittest
import urllib.parse
from zoneinfo import ZoneInfo

import daemon
from daemon import Daemon, note_secret

API = "/api/v1"
UTC = datetime.timezone.utc

# The daemon's router (host/src/http/api_*.cpp): method, pattern, who may call.
ROUTES = [
    ("GET", "/healthz", "open"),
    ("GET", "/metrics", "open"),
    ("GET", "/api/v1/openapi.json", "open"),
    ("GET", "/api/v1/groups/current", "viewer"),
    ("PATCH", "/api/v1/groups/current", "coordinator"),
    ("PUT", "/api/v1/groups/current/reminders", "coordinator"),
    ("POST", "/api/v1/groups/current/feed-token", "coordinator"),
    ("PUT", "/api/v1/groups/current/reply-words", "coordinator"),
    ("GET", "/api/v1/outbox", "viewer"),
    ("GET", "/api/v1/replies", "viewer"),
    ("GET", "/api/v1/audit", "coordinator"),
    ("GET", "/api/v1/plugins", "viewer"),
    ("POST", "/api/v1/digests/run", "coordinator"),
    ("POST", "/api/v1/session", "open"),
    ("GET", "/api/v1/session", "account"),
    ("DELETE", "/api/v1/session", "account"),
    ("GET", "/api/v1/tokens", "account"),
    ("POST", "/api/v1/tokens", "account"),
    ("DELETE", "/api/v1/tokens/{id}", "account"),
    ("GET", "/api/v1/groups", "admin"),
    ("POST", "/api/v1/groups", "admin"),
    ("GET", "/api/v1/accounts", "viewer"),
    ("POST", "/api/v1/accounts", "account"),
    ("GET", "/api/v1/volunteers", "viewer"),
    ("POST", "/api/v1/volunteers", "coordinator"),
    ("GET", "/api/v1/volunteers/{id}", "viewer"),
    ("PATCH", "/api/v1/volunteers/{id}", "coordinator"),
    ("DELETE", "/api/v1/volunteers/{id}", "coordinator"),
    ("POST", "/api/v1/volunteers/{id}/feed-token", "coordinator"),
    ("GET", "/api/v1/volunteers/{id}/assignments", "viewer"),
    ("GET", "/api/v1/bodies", "viewer"),
    ("POST", "/api/v1/bodies", "coordinator"),
    ("GET", "/api/v1/bodies/{id}", "viewer"),
    ("PATCH", "/api/v1/bodies/{id}", "coordinator"),
    ("GET", "/api/v1/meetings", "viewer"),
    ("POST", "/api/v1/meetings", "coordinator"),
    ("GET", "/api/v1/meetings/{id}", "viewer"),
    ("PATCH", "/api/v1/meetings/{id}", "coordinator"),
    ("POST", "/api/v1/meetings/{id}/signup-link", "coordinator"),
    ("GET", "/api/v1/meetings/{id}/agenda-items", "viewer"),
    ("POST", "/api/v1/meetings/{id}/agenda-items", "coordinator"),
    ("GET", "/api/v1/meetings/{id}/slots", "viewer"),
    ("POST", "/api/v1/meetings/{id}/slots", "coordinator"),
    ("GET", "/api/v1/slots/{id}", "viewer"),
    ("GET", "/api/v1/slots/{id}/assignments", "viewer"),
    ("POST", "/api/v1/slots/{id}/assignments", "coordinator"),
    ("GET", "/api/v1/assignments/{id}", "viewer"),
    ("PATCH", "/api/v1/assignments/{id}", "coordinator"),
    ("GET", "/api/v1/public/signup/{token}", "open"),
    ("POST", "/api/v1/public/signup/{token}", "open"),
    # the web UI's calls (issue 8)
    ("GET", "/api/v1/volunteers/export.csv", "coordinator"),
    ("POST", "/api/v1/volunteers/import", "coordinator"),
    ("DELETE", "/api/v1/meetings/{id}/signup-link", "coordinator"),
    ("GET", "/api/v1/meetings/{id}/signup-qr.svg", "viewer"),
    ("PATCH", "/api/v1/slots/{id}", "coordinator"),
    ("GET", "/api/v1/public/me/{token}", "open"),
    ("POST", "/api/v1/public/me/{token}/assignments/{id}/confirm", "open"),
    ("POST", "/api/v1/public/me/{token}/assignments/{id}/cancel", "open"),
    ("POST", "/api/v1/public/me/{token}/feed-token", "open"),
    ("GET", "/api/v1/message-templates", "viewer"),
    ("PUT", "/api/v1/message-templates/{channel}/{kind}/{language}", "coordinator"),
    ("DELETE", "/api/v1/message-templates/{channel}/{kind}/{language}", "coordinator"),
    ("DELETE", "/api/v1/public/me/{token}", "open"),
    ("GET", "/feeds/volunteers/{token}.ics", "open"),
    ("GET", "/feeds/groups/{token}.ics", "open"),
    ("GET", "/feeds/bodies/{id}.ics", "open"),
]

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

# -- test data ---------------------------------------------------------------

# 555-0100..0199 is set aside for fiction in every North American area code.
_AREA_CODES = [213, 310, 323, 415, 510, 617, 212, 312, 206, 303, 201, 202, 203, 214, 215, 217, 305, 313, 314,
               404, 408, 410, 412, 503, 504, 505, 512, 602, 612, 702, 713, 718, 801, 808, 818, 916, 919, 971]
_phones = itertools.count()
_people = itertools.count(1)


def new_phone():
    n = next(_phones)
    phone = f"+1{_AREA_CODES[n // 100]}55501{n % 100:02d}"
    note_secret(phone, phone[2:])  # E.164 and the ten national digits
    return phone


def new_email(who="person"):
    email = f"{who}.{next(_people)}.{secrets.token_hex(3)}@example.org"
    note_secret(email)
    return email


def new_password():
    password = "pw-" + secrets.token_urlsafe(12)
    note_secret(password)
    return password


def when(days=0, hours=0, minutes=0, tz="America/Los_Angeles"):
    """An RFC 3339 time this far from now, in the zone's offset."""
    t = datetime.datetime.now(UTC).replace(second=0, microsecond=0) + datetime.timedelta(
        days=days, hours=hours, minutes=minutes)
    return t.astimezone(ZoneInfo(tz)).isoformat()


def instant(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def query(path, **params):
    return path + "?" + urllib.parse.urlencode(params)


def token_of(url):
    """The last path segment of a link: a sign-up or feed token."""
    return urllib.parse.urlparse(url).path.rstrip("/").rsplit("/", 1)[-1].removesuffix(".ics")


def parallel(fn, items, workers=16):
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items))


def pattern_regex(pattern):
    return re.compile("^" + re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(pattern)) + "$")


_started_classes = set()


class DaemonTest(unittest.TestCase):
    """One daemon for the whole class; helpers to make groups and objects."""

    daemon_options = {}

    @classmethod
    def setUpClass(cls):
        _started_classes.add(cls.__name__)
        cls.d = Daemon(**cls.daemon_options).start()
        cls._slugs = itertools.count(1)

    @classmethod
    def tearDownClass(cls):
        code, took = cls.d.stop()
        cls.d.cleanup()
        if code != 0:
            raise AssertionError(f"turnoutd did not stop cleanly on SIGTERM: exit {code} after {took:.1f}s")

    # -- setup through the CLI ------------------------------------------------

    @classmethod
    def make_group(cls, name="Valle Coalition", timezone="America/Los_Angeles"):
        """A group with a coordinator and a viewer, each with a password and a
        bearer token."""
        slug = f"{cls.__name__.lower()}-{next(cls._slugs)}"
        g = types.SimpleNamespace(slug=slug, name=name)
        g.id = cls.d.create_group(name, slug, timezone)
        g.coord_email, g.coord_password = new_email("coord"), new_password()
        g.coord_id, g.coord_token = cls.d.user_with_token(g.coord_email, "coordinator", slug, g.coord_password)
        g.viewer_email, g.viewer_password = new_email("viewer"), new_password()
        g.viewer_id, g.viewer_token = cls.d.user_with_token(g.viewer_email, "viewer", slug, g.viewer_password)
        g.coord = cls.d.client(g.coord_token)
        g.viewer = cls.d.client(g.viewer_token)
        return g

    # -- objects through the API ----------------------------------------------

    def created(self, res, what=""):
        self.assertEqual(res.status, 201, f"{what}: {res!r}")
        self.assertIsInstance(res.json.get("id"), int, res)
        return res.json

    def volunteer(self, client, **fields):
        body = {"name": f"Volunteer {next(_people)}", "phone": new_phone()}
        body.update(fields)
        return self.created(client.post(f"{API}/volunteers", body), "volunteer")

    def body(self, client, **fields):
        body = {"name": "Valle County Board of Supervisors", "kind": "county_board", "jurisdiction": "Valle County"}
        body.update(fields)
        return self.created(client.post(f"{API}/bodies", body), "body")

    def meeting(self, client, body_id, days=10, hours=0, length_hours=3, **fields):
        body = {"body_id": body_id, "title": "Regular meeting", "starts_at": when(days, hours),
                "ends_at": when(days, hours + length_hours), "location": "Board chambers, 70 W Hedding St"}
        body.update(fields)
        return self.created(client.post(f"{API}/meetings", body), "meeting")

    def slot(self, client, meeting_id, **fields):
        body = {"role": "speaker", "capacity": 5, "minutes": 2}
        body.update(fields)
        return self.created(client.post(f"{API}/meetings/{meeting_id}/slots", body), "slot")

    def assign(self, client, slot_id, volunteer_id, **fields):
        body = {"volunteer_id": volunteer_id}
        body.update(fields)
        return self.created(client.post(f"{API}/slots/{slot_id}/assignments", body), "assignment")

    # -- checks -----------------------------------------------------------------

    def assertStatus(self, res, status, msg=""):
        self.assertEqual(res.status, status, f"{msg} {res!r}")

    def assertError(self, res, status, code=None, field=None):
        """A JSON error {"error": {"code", "message", "field"}} with this status."""
        self.assertEqual(res.status, status, res)
        self.assertTrue((res.header("Content-Type") or "").startswith("application/json"), res.headers)
        err = res.error
        self.assertIsInstance(err.get("message"), str, res)
        self.assertTrue(err["message"], res)
        if code is not None:
            self.assertEqual(err.get("code"), code, res)
        if field is not None:
            self.assertEqual(err.get("field"), field, res)
        return err

    def assertList(self, res):
        self.assertEqual(res.status, 200, res)
        self.assertEqual(set(res.json), {"items", "next"}, res)
        self.assertIsInstance(res.json["items"], list)
        return res.json["items"]

    def assertTimeIn(self, text, tz):
        """RFC 3339 with the offset the zone has at that instant."""
        self.assertRegex(text, RFC3339)
        t = instant(text)
        self.assertIsNotNone(t.utcoffset(), text)
        self.assertEqual(t.utcoffset(), t.astimezone(ZoneInfo(tz)).utcoffset(), f"{text} is not in {tz}")

    def assertSameInstant(self, a, b):
        self.assertEqual(instant(a), instant(b), f"{a} != {b}")

    def all_pages(self, client, path, limit, **params):
        items, cursor, pages = [], None, 0
        while True:
            p = dict(params, limit=limit)
            if cursor is not None:
                p["cursor"] = cursor
            res = client.get(query(path, **p))
            page = self.assertList(res)
            self.assertLessEqual(len(page), limit)
            items += page
            pages += 1
            cursor = res.json["next"]
            if cursor is None:
                return items, pages
            self.assertIsInstance(cursor, str)
            self.assertLess(pages, 100, "paging does not end")


# =============================================================================
# 1. Every route, success path
# =============================================================================

class Resources(DaemonTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.g = cls.make_group()

    def test_a_created_volunteer_is_returned_whole_with_its_id_and_reads_back_the_same(self):
        phone, email = new_phone(), new_email()
        sent = {"name": "Rosa Delgado", "phone": phone, "email": email, "language": "es",
                "timezone": "America/Los_Angeles", "sms_opt_in": True, "email_opt_in": True,
                "tags": ["speaker", "interpreter:es"], "notes": "Prefers evening meetings"}
        v = self.volunteer(self.g.coord, **sent)
        for key in ("name", "phone", "email", "language", "timezone", "sms_opt_in", "email_opt_in", "notes"):
            self.assertEqual(v[key], sent[key], key)
        self.assertEqual(sorted(v["tags"]), ["interpreter:es", "speaker"])
        self.assertTimeIn(v["created_at"], "America/Los_Angeles")
        self.assertIsNone(v["opted_out_at"])
        res = self.g.coord.get(f"{API}/volunteers/{v['id']}")
        self.assertStatus(res, 200)
        self.assertEqual(res.json, v)
        self.assertEqual(self.d.sql("SELECT name, phone, email FROM volunteer WHERE id = ?", v["id"]),
                         [("Rosa Delgado", phone, email)])

    def test_a_local_phone_number_is_stored_in_e164(self):
        phone = new_phone()
        local = f"({phone[2:5]}) {phone[5:8]}-{phone[8:]}"
        v = self.volunteer(self.g.coord, phone=local)
        self.assertEqual(v["phone"], phone)

    def test_patching_a_volunteer_changes_only_the_fields_it_names(self):
        v = self.volunteer(self.g.coord, email=new_email(), language="es", tags=["speaker"], notes="first",
                           sms_opt_in=True)
        res = self.g.coord.patch(f"{API}/volunteers/{v['id']}", {"name": "Renamed Person"})
        self.assertStatus(res, 200)
        after = res.json
        self.assertEqual(after["name"], "Renamed Person")
        for key in ("id", "phone", "email", "language", "timezone", "sms_opt_in", "email_opt_in", "tags", "notes",
                    "created_at"):
            self.assertEqual(after[key], v[key], key)
        res = self.g.coord.patch(f"{API}/volunteers/{v['id']}", {"tags": ["turnout"], "sms_opt_in": False})
        self.assertStatus(res, 200)
        self.assertEqual(res.json["tags"], ["turnout"])
        self.assertFalse(res.json["sms_opt_in"])
        self.assertEqual(res.json["name"], "Renamed Person")
        self.assertEqual(res.json["phone"], v["phone"])
        self.assertEqual(self.g.coord.get(f"{API}/volunteers/{v['id']}").json, res.json)

    def test_volunteer_lists_page_with_limit_and_cursor(self):
        made = [self.volunteer(self.g.coord, name=f"Pager {i}")["id"] for i in range(5)]
        everyone = self.assertList(self.g.coord.get(f"{API}/volunteers"))
        items, pages = self.all_pages(self.g.coord, f"{API}/volunteers", 2)
        self.assertGreaterEqual(pages, 3)
        ids = [v["id"] for v in items]
        self.assertEqual(len(ids), len(set(ids)), "a volunteer came twice")
        self.assertEqual(ids, [v["id"] for v in everyone])
        self.assertTrue(set(made) <= set(ids))
        first = self.g.coord.get(query(f"{API}/volunteers", limit=1))
        self.assertEqual(len(self.assertList(first)), 1)
        self.assertIsNotNone(first.json["next"])

    def test_volunteer_lists_filter_by_part_of_a_name_and_by_tag(self):
        a = self.volunteer(self.g.coord, name="Guadalupe Ortega", tags=["storyteller"])
        b = self.volunteer(self.g.coord, name="Lupe Ortiz", tags=["interpreter:es"])
        c = self.volunteer(self.g.coord, name="Kim Tran", tags=["storyteller", "speaker"])
        ids = lambda res: {v["id"] for v in self.assertList(res)}
        found = ids(self.g.coord.get(query(f"{API}/volunteers", q="lupe")))
        self.assertTrue({a["id"], b["id"]} <= found)
        self.assertNotIn(c["id"], found)
        found = ids(self.g.coord.get(query(f"{API}/volunteers", tag="storyteller")))
        self.assertTrue({a["id"], c["id"]} <= found)
        self.assertNotIn(b["id"], found)
        found = ids(self.g.coord.get(query(f"{API}/volunteers", q="ortega", tag="storyteller")))
        self.assertEqual(found, {a["id"]})
        # a phone in a query string is sought (and must never reach the log)
        self.assertList(self.g.coord.get(query(f"{API}/volunteers", q=a["phone"])))

    def test_erased_contact_data_leaves_the_database_files(self):
        phone, email = new_phone(), new_email()
        v = self.volunteer(self.g.coord, name="Gone For Good", phone=phone, email=email)
        self.assertStatus(self.g.coord.delete(f"{API}/volunteers/{v['id']}"), 204)
        needles = [phone.encode(), email.encode(), b"Gone For Good"]
        deadline = time.monotonic() + 3
        while True:
            found = []
            for path in (self.d.db, self.d.db + "-wal"):
                try:
                    with open(path, "rb") as f:
                        data = f.read()
                except FileNotFoundError:
                    continue
                found += [(path.rsplit("/", 1)[1], n) for n in needles if n in data]
            if not found or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(found, [])

    def test_deleting_a_volunteer_answers_204_and_erases_their_contact_data_but_keeps_counts(self):
        phone, email = new_phone(), new_email()
        v = self.volunteer(self.g.coord, name="Erased Person", phone=phone, email=email, tags=["speaker"])
        body = self.body(self.g.coord)
        m = self.meeting(self.g.coord, body["id"], days=12)
        s = self.slot(self.g.coord, m["id"])
        a = self.assign(self.g.coord, s["id"], v["id"])
        res = self.g.coord.delete(f"{API}/volunteers/{v['id']}")
        self.assertStatus(res, 204)
        self.assertEqual(res.body, b"")
        self.assertError(self.g.coord.get(f"{API}/volunteers/{v['id']}"), 404, "not_found")
        self.assertEqual(self.d.sql("SELECT id FROM volunteer WHERE phone = ? OR email = ? OR name = ?",
                                    phone, email, "Erased Person"), [])
        # the assignment stays, with no person behind it, and frees its place
        res = self.g.coord.get(f"{API}/assignments/{a['id']}")
        self.assertStatus(res, 200)
        self.assertIsNone(res.json["volunteer_id"])
        self.assertEqual(res.json["status"], "cancelled")
        self.assertEqual(self.g.coord.get(f"{API}/slots/{s['id']}").json["taken"], 0)
        self.assertError(self.g.coord.delete(f"{API}/volunteers/{v['id']}"), 404, "not_found")

    def test_a_new_feed_token_gives_a_https_and_a_webcal_link_and_replaces_the_old_one(self):
        v = self.volunteer(self.g.coord)
        res = self.g.coord.post(f"{API}/volunteers/{v['id']}/feed-token")
        self.assertStatus(res, 201)
        first = res.json
        note_secret(token_of(first["url"]))
        self.assertRegex(first["url"], r"^https?://[^/]+/feeds/volunteers/fd_[A-Za-z0-9_-]+\.ics$")
        self.assertTrue(first["webcal_url"].startswith("webcal://"))
        self.assertEqual(first["webcal_url"].split("://", 1)[1], first["url"].split("://", 1)[1])
        second = self.g.coord.post(f"{API}/volunteers/{v['id']}/feed-token").json
        note_secret(token_of(second["url"]))
        self.assertNotEqual(token_of(first["url"]), token_of(second["url"]))
        # only a hash is kept
        stored = repr(self.d.sql("SELECT * FROM volunteer WHERE id = ?", v["id"]))
        self.assertNotIn(token_of(second["url"]), stored)

    def test_a_body_is_created_whole_with_its_public_comment_rules_read_and_listed(self):
        sent = {"name": "Valle City Council", "kind": "city_council", "jurisdiction": "City of Valle",
                "timezone": "America/Chicago",
                "public_comment": {"minutes_per_speaker": 3, "signup_closes_minutes_before": 30,
                                   "remote_allowed": True, "interpretation_lead_hours": 72}}
        b = self.body(self.g.coord, **sent)
        for key in ("name", "kind", "jurisdiction", "timezone"):
            self.assertEqual(b[key], sent[key])
        for key, value in sent["public_comment"].items():
            self.assertEqual(b["public_comment"][key], value, key)
        res = self.g.coord.get(f"{API}/bodies/{b['id']}")
        self.assertStatus(res, 200)
        self.assertEqual(res.json, b)
        self.assertIn(b["id"], [x["id"] for x in self.assertList(self.g.coord.get(f"{API}/bodies"))])

    def test_a_meeting_is_created_whole_with_rfc3339_times_in_its_zone_and_its_timezone(self):
        b = self.body(self.g.coord, timezone="America/Los_Angeles")
        starts, ends = when(days=14, tz="UTC"), when(days=14, hours=2, tz="UTC")
        m = self.meeting(self.g.coord, b["id"], starts_at=starts, ends_at=ends, title="Budget hearing",
                         location="Room 1", status="tentative", agenda_url="https://example.org/agenda")
        self.assertEqual(m["timezone"], "America/Los_Angeles")
        self.assertTimeIn(m["starts_at"], "America/Los_Angeles")
        self.assertTimeIn(m["ends_at"], "America/Los_Angeles")
        self.assertSameInstant(m["starts_at"], starts)
        self.assertSameInstant(m["ends_at"], ends)
        self.assertEqual((m["title"], m["location"], m["status"], m["body_id"]),
                         ("Budget hearing", "Room 1", "tentative", b["id"]))
        self.assertIsInstance(m["sequence"], int)
        self.assertRegex(m["signup_url"], r"/signup/su_[A-Za-z0-9_-]+$")
        note_secret(token_of(m["signup_url"]))
        res = self.g.coord.get(f"{API}/meetings/{m['id']}")
        self.assertStatus(res, 200)
        self.assertEqual(res.json, m)
        # A summer meeting shows summer time, a meeting given its own zone shows that one.
        year = datetime.datetime.now(UTC).year + 1
        summer = self.meeting(self.g.coord, b["id"], starts_at=f"{year}-07-15T18:00:00Z",
                              ends_at=f"{year}-07-15T20:00:00Z")
        self.assertEqual(summer["starts_at"], f"{year}-07-15T11:00:00-07:00")
        east = self.meeting(self.g.coord, b["id"], timezone="America/New_York")
        self.assertEqual(east["timezone"], "America/New_York")
        self.assertTimeIn(east["starts_at"], "America/New_York")
        # without ends_at a meeting lasts three hours
        res = self.g.coord.post(f"{API}/meetings", {"body_id": b["id"], "title": "Short", "starts_at": starts})
        short = self.created(res)
        self.assertEqual(instant(short["ends_at"]) - instant(short["starts_at"]), datetime.timedelta(hours=3))

    def test_meeting_lists_filter_by_from_to_status_and_body_and_page(self):
        b1, b2 = self.body(self.g.coord, name="Filter body one"), self.body(self.g.coord, name="Filter body two")
        m1 = self.meeting(self.g.coord, b1["id"], days=100, status="confirmed")
        m2 = self.meeting(self.g.coord, b1["id"], days=101, status="tentative")
        m3 = self.meeting(self.g.coord, b2["id"], days=102, status="tentative")
        ids = lambda res: [m["id"] for m in self.assertList(res)]
        window = ids(self.g.coord.get(query(f"{API}/meetings", **{"from": when(days=100, hours=4),
                                                                  "to": when(days=102)})))
        self.assertEqual(window, [m2["id"]])
        later = ids(self.g.coord.get(query(f"{API}/meetings", **{"from": when(days=99)})))
        self.assertEqual(later[:3], [m1["id"], m2["id"], m3["id"]])
        tentative = ids(self.g.coord.get(query(f"{API}/meetings", status="tentative", **{"from": when(days=99)})))
        self.assertEqual(tentative[:2], [m2["id"], m3["id"]])
        self.assertNotIn(m1["id"], tentative)
        self.assertEqual(ids(self.g.coord.get(query(f"{API}/meetings", body_id=b2["id"]))), [m3["id"]])
        self.assertEqual(ids(self.g.coord.get(query(f"{API}/meetings", body_id=b1["id"], status="confirmed"))),
                         [m1["id"]])
        # a raw '+' in an offset means what it says (this API takes no HTML form queries)
        berlin = when(days=100, hours=4, tz="Europe/Berlin")
        self.assertIn("+01:00", berlin)
        raw = ids(self.g.coord.get(f"{API}/meetings?from={berlin}&to={urllib.parse.quote(when(days=102))}"))
        self.assertEqual(raw, [m2["id"]])
        everything = ids(self.g.coord.get(f"{API}/meetings"))
        items, pages = self.all_pages(self.g.coord, f"{API}/meetings", 2)
        self.assertEqual([m["id"] for m in items], everything)
        self.assertGreaterEqual(pages, 2)
        # listed meetings carry their zone and RFC 3339 times
        for m in items:
            self.assertTimeIn(m["starts_at"], m["timezone"])

    def test_patching_a_meeting_title_changes_nothing_else(self):
        b = self.body(self.g.coord)
        m = self.meeting(self.g.coord, b["id"], remote_url="https://example.org/join")
        res = self.g.coord.patch(f"{API}/meetings/{m['id']}", {"title": "Special meeting"})
        self.assertStatus(res, 200)
        after = res.json
        self.assertEqual(after["title"], "Special meeting")
        for key in ("id", "body_id", "starts_at", "ends_at", "timezone", "location", "remote_url", "agenda_url",
                    "status", "signup_url"):
            self.assertEqual(after[key], m[key], key)
        self.assertEqual(self.g.coord.get(f"{API}/meetings/{m['id']}").json, after)

    def test_moving_a_meeting_raises_its_sequence_and_keeps_the_rest(self):
        b = self.body(self.g.coord)
        m = self.meeting(self.g.coord, b["id"], days=20)
        new_start, new_end = when(days=21, hours=1), when(days=21, hours=3)
        res = self.g.coord.patch(f"{API}/meetings/{m['id']}", {"starts_at": new_start, "ends_at": new_end})
        self.assertStatus(res, 200)
        moved = res.json
        self.assertSameInstant(moved["starts_at"], new_start)
        self.assertSameInstant(moved["ends_at"], new_end)
        self.assertGreater(moved["sequence"], m["sequence"])
        for key in ("title", "location", "status", "timezone", "body_id"):
            self.assertEqual(moved[key], m[key], key)
        self.assertEqual(self.d.scalar("SELECT sequence FROM meeting WHERE id = ?", m["id"]), moved["sequence"])
        # the same change again changes nothing
        again = self.g.coord.patch(f"{API}/meetings/{m['id']}", {"starts_at": new_start}).json
        self.assertEqual(again["sequence"], moved["sequence"])

    def test_cancelling_a_meeting_sets_its_status_and_raises_its_sequence(self):
        b = self.body(self.g.coord)
        m = self.meeting(self.g.coord, b["id"], days=22)
        s = self.slot(self.g.coord, m["id"])
        v = self.volunteer(self.g.coord)
        res = self.g.coord.patch(f"{API}/meetings/{m['id']}", {"status": "cancelled"})
        self.assertStatus(res, 200)
        self.assertEqual(res.json["status"], "cancelled")
        self.assertGreater(res.json["sequence"], m["sequence"])
        self.assertEqual(res.json["starts_at"], m["starts_at"])
        listed = self.assertList(self.g.coord.get(query(f"{API}/meetings", status="cancelled")))
        self.assertIn(m["id"], [x["id"] for x in listed])
        # a cancelled meeting takes no new assignments
        self.assertError(self.g.coord.post(f"{API}/slots/{s['id']}/assignments", {"volunteer_id": v["id"]}),
                         409, "conflict")

    def test_changing_only_the_agenda_link_keeps_the_sequence(self):
        b = self.body(self.g.coord)
        m = self.meeting(self.g.coord, b["id"], days=23)
        res = self.g.coord.patch(f"{API}/meetings/{m['id']}", {"agenda_url": "https://example.org/agenda-v2"})
        self.assertStatus(res, 200)
        self.assertEqual(res.json["agenda_url"], "https://example.org/agenda-v2")
        self.assertEqual(res.json["sequence"], m["sequence"])

    def test_agenda_items_and_slots_are_created_whole_and_listed_with_places_taken(self):
        b = self.body(self.g.coord, public_comment={"minutes_per_speaker": 3, "remote_allowed": True})
        m = self.meeting(self.g.coord, b["id"], days=24)
        res = self.g.coord.post(f"{API}/meetings/{m['id']}/agenda-items",
                                {"number": "PH-2", "title": "Sheriff cooperation with ICE", "stance": "oppose",
                                 "matter": "RES-2025-114"})
        item = self.created(res)
        self.assertEqual((item["number"], item["title"], item["stance"], item["meeting_id"]),
                         ("PH-2", "Sheriff cooperation with ICE", "oppose", m["id"]))
        items = self.assertList(self.g.coord.get(f"{API}/meetings/{m['id']}/agenda-items"))
        self.assertEqual(items, [item])
        s = self.slot(self.g.coord, m["id"], role="interpreter", minutes=4, capacity=2, order=3, mode="remote",
                      language="es", agenda_item_id=item["id"])
        self.assertEqual({k: s[k] for k in ("role", "minutes", "capacity", "order", "mode", "language",
                                            "agenda_item_id", "meeting_id", "taken")},
                         {"role": "interpreter", "minutes": 4, "capacity": 2, "order": 3, "mode": "remote",
                          "language": "es", "agenda_item_id": item["id"], "meeting_id": m["id"], "taken": 0})
        speaker = self.created(self.g.coord.post(f"{API}/meetings/{m['id']}/slots", {"role": "speaker"}))
        self.assertEqual(speaker["minutes"], 3, "a speaker slot takes the body's minutes per speaker")
        self.assign(self.g.coord, s["id"], self.volunteer(self.g.coord)["id"])
        slots = {x["id"]: x for x in self.assertList(self.g.coord.get(f"{API}/meetings/{m['id']}/slots"))}
        self.assertEqual(set(slots), {s["id"], speaker["id"]})
        self.assertEqual(slots[s["id"]]["taken"], 1)
        res = self.g.coord.get(f"{API}/slots/{s['id']}")
        self.assertStatus(res, 200)
        self.assertEqual(res.json["taken"], 1)

    def test_an_assignment_is_created_read_listed_and_moves_through_its_statuses(self):
        b = self.body(self.g.coord)
        m = self.meeting(self.g.coord, b["id"], days=25)
        s = self.slot(self.g.coord, m["id"])
        v = self.volunteer(self.g.coord)
        a = self.assign(self.g.coord, s["id"], v["id"], stance="oppose", needs_interpreter="es",
                        join_url="https://example.org/join/abc")
        self.assertEqual((a["slot_id"], a["volunteer_id"], a["status"], a["stance"], a["needs_interpreter"],
                          a["forced"], a["outcome"]), (s["id"], v["id"], "invited", "oppose", "es", False, None))
        self.assertRegex(a["created_at"], RFC3339)
        res = self.g.coord.get(f"{API}/assignments/{a['id']}")
        self.assertStatus(res, 200)
        self.assertEqual(res.json, a)
        self.assertEqual([x["id"] for x in self.assertList(self.g.coord.get(f"{API}/slots/{s['id']}/assignments"))],
                         [a["id"]])
        self.assertEqual([x["id"] for x in self.assertList(
            self.g.coord.get(f"{API}/volunteers/{v['id']}/assignments"))], [a["id"]])
        res = self.g.coord.patch(f"{API}/assignments/{a['id']}", {"status": "confirmed"})
        self.assertStatus(res, 200)
        self.assertEqual((res.json["status"], res.json["stance"], res.json["needs_interpreter"]),
                         ("confirmed", "oppose", "es"))
        res = self.g.coord.patch(f"{API}/assignments/{a['id']}", {"status": "attended", "outcome": "spoke"})
        self.assertStatus(res, 200)
        self.assertEqual((res.json["status"], res.json["outcome"]), ("attended", "spoke"))
        self.assertEqual(self.d.sql("SELECT status, outcome FROM assignment WHERE id = ?", a["id"]),
                         [("attended", "spoke")])
        # a move the rules do not allow is refused and changes nothing
        self.assertError(self.g.coord.patch(f"{API}/assignments/{a['id']}", {"status": "invited"}), 422,
                         "invalid", "status")
        self.assertEqual(self.d.sql("SELECT status FROM assignment WHERE id = ?", a["id"]), [("attended",)])

    def test_reminder_rules_are_replaced_with_put_and_shown_on_the_group(self):
        res = self.g.coord.put(f"{API}/groups/current/reminders", {"offsets_minutes": [2880, 180],
                                                                   "channels": ["sms"]})
        self.assertStatus(res, 200)
        rules = sorted((r["offset_minutes"], r["channel"]) for r in res.json["reminders"])
        self.assertEqual(rules, [(180, "sms"), (2880, "sms")])
        res = self.g.coord.get(f"{API}/groups/current")
        self.assertStatus(res, 200)
        self.assertEqual((res.json["id"], res.json["slug"], res.json["name"]), (self.g.id, self.g.slug, self.g.name))
        self.assertEqual(sorted((r["offset_minutes"], r["channel"]) for r in res.json["reminders"]), rules)

    def test_the_outbox_lists_by_status_and_the_audit_log_pages_without_contact_data(self):
        self.assertList(self.g.coord.get(f"{API}/outbox"))
        self.assertList(self.g.viewer.get(f"{API}/replies"))
        res = self.g.coord.put(f"{API}/groups/current/reply-words", {"opt_out": ["Alto", "basta!"], "confirm": ["Claro"]})
        self.assertStatus(res, 200)
        self.assertEqual(res.json["reply_words"]["opt_out"], ["ALTO", "BASTA"])
        self.assertEqual(res.json["reply_words"]["confirm"], ["CLARO"])
        # the group shows them, to viewers too
        self.assertEqual(self.g.viewer.get(f"{API}/groups/current").json["reply_words"], res.json["reply_words"])
        before = self.d.snapshot()
        self.assertError(self.g.coord.put(f"{API}/groups/current/reply-words", {"opt_out": ["two words"]}),
                         422, "invalid", "opt_out")
        self.assertError(self.g.coord.put(f"{API}/groups/current/reply-words", {"stop": ["x"]}), 422)
        self.assertError(self.g.viewer.put(f"{API}/groups/current/reply-words", {"opt_out": ["x"]}), 403)
        self.assertEqual(self.d.snapshot(), before)
        self.assertList(self.g.coord.get(query(f"{API}/outbox", status="pending")))
        self.assertError(self.g.coord.get(query(f"{API}/outbox", status="lost")), 422, "invalid", "status")
        v = self.volunteer(self.g.coord, email=new_email())
        self.g.coord.patch(f"{API}/volunteers/{v['id']}", {"name": "Audited Person"})
        entries, pages = self.all_pages(self.g.coord, f"{API}/audit", 3)
        self.assertGreaterEqual(pages, 2)
        text = json.dumps(entries)
        self.assertIn("volunteer", text)
        for secret in (v["phone"], v["email"], v["name"], "Audited Person"):
            self.assertNotIn(secret, text)

    def test_a_coordinator_adds_an_account_to_their_group_and_lists_the_accounts(self):
        email = new_email("helper")
        res = self.g.coord.post(f"{API}/accounts", {"email": email, "name": "Helper", "role": "viewer",
                                                    "password": new_password()})
        a = self.created(res)
        self.assertEqual((a["email"], a["role"], a["group_id"]), (email, "viewer", self.g.id))
        self.assertNotIn("password", json.dumps(res.json))
        listed = self.assertList(self.g.coord.get(f"{API}/accounts"))
        self.assertTrue({a["id"], self.g.coord_id, self.g.viewer_id} <= {x["id"] for x in listed})
        self.assertNotIn("password_hash", json.dumps(listed))

    def test_the_plugin_list_answers_even_when_the_daemon_found_none(self):
        res = self.g.viewer.get(f"{API}/plugins")
        self.assertStatus(res, 200, "GET /plugins")
        self.assertEqual(res.json["next"], None)
        self.assertIsInstance(res.json["items"], list)

    def test_a_new_group_feed_token_gives_a_https_and_a_webcal_link_and_replaces_the_old_one(self):
        # SPEC §3: POST /groups/current/feed-token -> 201 {url, webcal_url}
        res = self.g.coord.post(f"{API}/groups/current/feed-token")
        self.assertStatus(res, 201, "POST /groups/current/feed-token")
        first = res.json
        note_secret(token_of(first["url"]))
        self.assertRegex(first["url"], r"^https?://[^/]+/feeds/groups/gf_[A-Za-z0-9_-]+\.ics$")
        self.assertEqual(first["webcal_url"], "webcal://" + first["url"].split("://", 1)[1])
        second = self.g.coord.post(f"{API}/groups/current/feed-token").json
        note_secret(token_of(second["url"]))
        self.assertNotEqual(token_of(first["url"]), token_of(second["url"]))
        stored = repr(self.d.sql('SELECT * FROM "group" WHERE slug = ?', self.g.slug))
        self.assertNotIn(token_of(second["url"]), stored)
        self.assertError(self.g.viewer.post(f"{API}/groups/current/feed-token"), 403)
        self.assertList(self.g.coord.get(f"{API}/plugins"))

    def test_digests_run_says_plainly_when_no_digest_plugin_is_running(self):
        # This daemon loads no plugins; tests/integration/test_email.py runs
        # the email plugin, where the same call answers 202.
        before = self.d.snapshot()
        res = self.g.coord.post(f"{API}/digests/run")
        self.assertError(res, 409, "conflict")
        self.assertIn("no plugin that sends digests", res.json["error"]["message"])
        self.assertStatus(self.g.viewer.post(f"{API}/digests/run"), 403, "a viewer may not run digests")
        self.assertEqual(self.d.snapshot(), before)


# =============================================================================
# 2. Isolation between groups
# =============================================================================

class Isolation(DaemonTest):
    """Group B's coordinator, aiming at group A's objects, finds nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a = cls.make_group("Group A")
        cls.b = cls.make_group("Group B")

    def setUp(self):
        if hasattr(type(self), "objs"):
            return
        o = types.SimpleNamespace()
        for g, name in ((self.a, "A"), (self.b, "B")):
            v = self.volunteer(g.coord, name=f"Secret {name} person", email=new_email(), tags=[f"group-{name}"])
            body = self.body(g.coord, name=f"Body of {name}")
            m = self.meeting(g.coord, body["id"], title=f"Meeting of {name}")
            item = self.created(g.coord.post(f"{API}/meetings/{m['id']}/agenda-items", {"title": f"Item of {name}"}))
            s = self.slot(g.coord, m["id"], capacity=10)
            a = self.assign(g.coord, s["id"], v["id"])
            tok = g.coord.post(f"{API}/tokens", {"label": f"script of {name}"}).json
            note_secret(tok["token"])
            for key, value in (("v", v), ("body", body), ("m", m), ("item", item), ("s", s), ("a", a), ("tok", tok)):
                setattr(o, key + name, value)
        type(self).objs = o

    def table(self):
        """Every route with an id in its path, aimed at group A's objects."""
        o = self.objs
        v, m, s, a, b, t = o.vA["id"], o.mA["id"], o.sA["id"], o.aA["id"], o.bodyA["id"], o.tokA["id"]
        return [
            ("GET", f"{API}/volunteers/{v}", None),
            ("PATCH", f"{API}/volunteers/{v}", {"name": "Taken over"}),
            ("DELETE", f"{API}/volunteers/{v}", None),
            ("POST", f"{API}/volunteers/{v}/feed-token", {}),
            ("GET", f"{API}/volunteers/{v}/assignments", None),
            ("GET", f"{API}/bodies/{b}", None),
            ("PATCH", f"{API}/bodies/{b}", {"feed_public": True}),
            ("GET", f"{API}/meetings/{m}", None),
            ("PATCH", f"{API}/meetings/{m}", {"title": "Taken over", "status": "cancelled"}),
            ("POST", f"{API}/meetings/{m}/signup-link", {}),
            ("DELETE", f"{API}/meetings/{m}/signup-link", None),
            ("GET", f"{API}/meetings/{m}/signup-qr.svg", None),
            ("GET", f"{API}/meetings/{m}/agenda-items", None),
            ("POST", f"{API}/meetings/{m}/agenda-items", {"title": "Planted item"}),
            ("GET", f"{API}/meetings/{m}/slots", None),
            ("POST", f"{API}/meetings/{m}/slots", {"role": "speaker", "capacity": 3}),
            ("GET", f"{API}/slots/{s}", None),
            ("PATCH", f"{API}/slots/{s}", {"order": 9}),
            ("GET", f"{API}/slots/{s}/assignments", None),
            ("POST", f"{API}/slots/{s}/assignments", {"volunteer_id": o.vB["id"], "force": True}),
            ("GET", f"{API}/assignments/{a}", None),
            ("PATCH", f"{API}/assignments/{a}", {"status": "cancelled"}),
            ("DELETE", f"{API}/tokens/{t}", None),
        ]

    def a_secrets(self):
        o = self.objs
        return [o.vA["name"], o.vA["phone"], o.vA["email"], o.mA["title"], o.bodyA["name"], o.tokA["label"],
                token_of(o.mA["signup_url"])]

    def test_the_same_person_may_be_in_two_groups_without_either_learning_of_the_other(self):
        phone, email = new_phone(), new_email()
        theirs = self.volunteer(self.a.coord, name="Person in A", phone=phone, email=email)
        # B adds the same phone and email: allowed, no conflict tells B that A has them
        twin = self.volunteer(self.b.coord, name="Person in B", phone=phone, email=email)
        self.assertEqual(self.a.coord.get(f"{API}/volunteers/{theirs['id']}").json, theirs)
        self.assertEqual(self.b.coord.get(f"{API}/volunteers/{twin['id']}").json, twin)
        # a sign-up through B's link with that phone is B's volunteer, never A's
        res = self.d.client().post(f"{API}/public/signup/{token_of(self.objs.mB['signup_url'])}",
                                   {"slot_id": self.objs.sB["id"], "name": "Signer", "phone": phone})
        self.assertStatus(res, 201)
        a = self.b.coord.get(f"{API}/assignments/{res.json['assignment']['id']}").json
        self.assertEqual(a["volunteer_id"], twin["id"])
        self.assertEqual(self.assertList(self.a.coord.get(f"{API}/volunteers/{theirs['id']}/assignments")), [])
        # and a slot of A cannot be reached through B's link
        res = self.d.client().post(f"{API}/public/signup/{token_of(self.objs.mB['signup_url'])}",
                                   {"slot_id": self.objs.sA["id"], "name": "Signer", "phone": new_phone()})
        self.assertError(res, 404, "not_found")

    def test_the_table_covers_every_route_with_an_id_in_its_path(self):
        covered = set()
        for method, path, _ in self.table():
            for m, pattern, _ in ROUTES:
                if m == method and pattern_regex(pattern).match(path):
                    covered.add((m, pattern))
        # the public sign-up link is a capability meant to be shared: no group owns its caller
        # (message templates are named by channel, kind and language, within
        # the caller's own group: MessageTemplates below checks that)
        wanted = {(m, p) for m, p, access in ROUTES if "{id}" in p and access != "open"}
        self.assertEqual(wanted - covered, set())

    def test_another_groups_coordinator_gets_404_on_every_route_with_an_id_and_changes_nothing(self):
        before = self.d.snapshot()
        for client, who in ((self.b.coord, "B's coordinator"), (self.b.viewer, "B's viewer")):
            for method, path, body in self.table():
                if who == "B's viewer" and method != "GET":
                    continue  # a viewer is refused every write by role, wherever it points
                with self.subTest(who=who, call=f"{method} {path}"):
                    res = client.request(method, path, body=body)
                    self.assertError(res, 404, "not_found")
                    for secret in self.a_secrets():
                        self.assertNotIn(secret, res.body.decode())
        self.assertEqual(self.d.snapshot(), before, "group A's data changed")
        # and A still sees all of it
        o = self.objs
        self.assertEqual(self.a.coord.get(f"{API}/volunteers/{o.vA['id']}").json, o.vA)
        self.assertEqual(self.a.coord.get(f"{API}/meetings/{o.mA['id']}").json["title"], o.mA["title"])
        self.assertEqual(self.a.coord.get(f"{API}/assignments/{o.aA['id']}").json["status"], "invited")
        self.assertIsNone([t for t in self.a.coord.get(f"{API}/tokens").json["items"]
                           if t["id"] == o.tokA["id"]][0]["revoked_at"])

    def test_another_groups_ids_inside_a_request_body_are_answered_as_unknown_ids(self):
        o = self.objs
        before = self.d.snapshot()
        unknown = 987654321
        cases = [
            ("POST", f"{API}/meetings",
             lambda x: {"body_id": x, "title": "Planted", "starts_at": when(days=30)}, o.bodyA["id"]),
            ("POST", f"{API}/slots/{o.sB['id']}/assignments", lambda x: {"volunteer_id": x}, o.vA["id"]),
            ("POST", f"{API}/meetings/{o.mB['id']}/slots", lambda x: {"role": "speaker", "agenda_item_id": x},
             o.itemA["id"]),
            ("POST", f"{API}/accounts", lambda x: {"email": new_email(), "role": "viewer", "group_id": x},
             self.a.id),
        ]
        for method, path, make, foreign in cases:
            with self.subTest(call=f"{method} {path}"):
                theirs = self.b.coord.request(method, path, body=make(foreign))
                nobodys = self.b.coord.request(method, path, body=make(unknown))
                self.assertIn(theirs.status, (404, 422), theirs)
                self.assertEqual((theirs.status, theirs.error.get("code"), theirs.error.get("field")),
                                 (nobodys.status, nobodys.error.get("code"), nobodys.error.get("field")))
        self.assertEqual(self.d.snapshot(), before)

    def test_lists_in_one_group_never_show_another_groups_objects(self):
        o = self.objs
        b = self.b.coord
        checks = [
            (f"{API}/volunteers", o.vA["id"]),
            (query(f"{API}/volunteers", q="Secret"), o.vA["id"]),
            (query(f"{API}/volunteers", tag="group-a"), o.vA["id"]),
            (f"{API}/bodies", o.bodyA["id"]),
            (f"{API}/meetings", o.mA["id"]),
            (query(f"{API}/meetings", body_id=o.bodyA["id"]), o.mA["id"]),
            (f"{API}/accounts", self.a.coord_id),
            (f"{API}/outbox", None),
            (f"{API}/audit", None),
            (f"{API}/tokens", o.tokA["id"]),
        ]
        for path, foreign_id in checks:
            with self.subTest(path=path):
                items = self.assertList(b.get(path))
                text = json.dumps(items)
                for secret in self.a_secrets() + [self.a.coord_email, self.a.viewer_email]:
                    self.assertNotIn(secret, text)
                if foreign_id is not None:
                    self.assertNotIn(foreign_id, [x.get("id") for x in items])
        # B's own objects are there, so the lists above were not simply empty
        self.assertIn(o.vB["id"], [x["id"] for x in self.assertList(b.get(f"{API}/volunteers"))])
        self.assertIn(o.mB["id"], [x["id"] for x in self.assertList(b.get(f"{API}/meetings"))])
        self.assertEqual(b.get(f"{API}/groups/current").json["id"], self.b.id)


# =============================================================================
# 3. Roles and tokens
# =============================================================================

class Roles(DaemonTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.g = cls.make_group()
        cls.admin_email, cls.admin_password = new_email("admin"), new_password()
        cls.admin_id, cls.admin_token = cls.d.user_with_token(cls.admin_email, "admin", None, cls.admin_password)
        cls.admin = cls.d.client(cls.admin_token)

    def test_a_viewer_reads_everything_of_the_group_but_every_write_is_403_and_changes_nothing(self):
        c = self.g.coord
        v = self.volunteer(c)
        b = self.body(c)
        m = self.meeting(c, b["id"])
        s = self.slot(c, m["id"])
        a = self.assign(c, s["id"], v["id"])
        viewer = self.g.viewer
        reads = [f"{API}/groups/current", f"{API}/volunteers", f"{API}/volunteers/{v['id']}",
                 f"{API}/volunteers/{v['id']}/assignments", f"{API}/bodies", f"{API}/bodies/{b['id']}",
                 f"{API}/meetings", f"{API}/meetings/{m['id']}", f"{API}/meetings/{m['id']}/agenda-items",
                 f"{API}/meetings/{m['id']}/slots", f"{API}/slots/{s['id']}", f"{API}/slots/{s['id']}/assignments",
                 f"{API}/assignments/{a['id']}", f"{API}/outbox", f"{API}/accounts", f"{API}/tokens",
                 f"{API}/meetings/{m['id']}/signup-qr.svg"]
        for path in reads:
            with self.subTest(read=path):
                self.assertStatus(viewer.get(path), 200)
        writes = [
            ("POST", f"{API}/volunteers", {"name": "X", "phone": new_phone()}),
            ("PATCH", f"{API}/volunteers/{v['id']}", {"name": "X"}),
            ("DELETE", f"{API}/volunteers/{v['id']}", None),
            ("POST", f"{API}/volunteers/{v['id']}/feed-token", {}),
            ("POST", f"{API}/bodies", {"name": "X"}),
            ("POST", f"{API}/meetings", {"body_id": b["id"], "title": "X", "starts_at": when(days=3)}),
            ("PATCH", f"{API}/meetings/{m['id']}", {"status": "cancelled"}),
            ("POST", f"{API}/meetings/{m['id']}/signup-link", {}),
            ("POST", f"{API}/meetings/{m['id']}/agenda-items", {"title": "X"}),
            ("POST", f"{API}/meetings/{m['id']}/slots", {"role": "speaker"}),
            ("POST", f"{API}/slots/{s['id']}/assignments", {"volunteer_id": v["id"]}),
            ("PATCH", f"{API}/assignments/{a['id']}", {"status": "cancelled"}),
            ("PUT", f"{API}/groups/current/reminders", {"offsets_minutes": [60]}),
            ("PATCH", f"{API}/groups/current", {"name": "Taken over"}),
            ("PATCH", f"{API}/bodies/{b['id']}", {"name": "X", "public_comment": {"minutes_per_speaker": 9}}),
            ("POST", f"{API}/accounts", {"email": new_email(), "role": "coordinator", "password": new_password()}),
            ("GET", f"{API}/audit", None),  # the audit log is for coordinators
            ("DELETE", f"{API}/meetings/{m['id']}/signup-link", None),
            ("PATCH", f"{API}/slots/{s['id']}", {"order": 9}),
            ("POST", f"{API}/volunteers/import", {"csv": "name\nX\n"}),
            ("GET", f"{API}/volunteers/export.csv", None),  # contact data in bulk: coordinators only
        ]
        before = self.d.snapshot()
        for method, path, body in writes:
            with self.subTest(write=f"{method} {path}"):
                self.assertError(viewer.request(method, path, body=body), 403, "forbidden")
        self.assertEqual(self.d.snapshot(), before)

    def test_an_admin_creates_and_lists_groups_and_creates_accounts(self):
        res = self.admin.post(f"{API}/groups", {"name": "Chapter North", "slug": "chapter-north",
                                                "timezone": "America/Denver", "language": "es", "country": "US"})
        group = self.created(res)
        self.assertEqual((group["name"], group["slug"], group["timezone"], group["language"]),
                         ("Chapter North", "chapter-north", "America/Denver", "es"))
        groups = self.assertList(self.admin.get(f"{API}/groups"))
        self.assertTrue({group["id"], self.g.id} <= {x["id"] for x in groups})
        self.assertError(self.admin.post(f"{API}/groups", {"name": "Again", "slug": "chapter-north"}), 409,
                         "conflict", "slug")
        email, password = new_email("north"), new_password()
        res = self.admin.post(f"{API}/accounts", {"email": email, "name": "North Lead", "role": "coordinator",
                                                  "group_id": group["id"], "password": password})
        account = self.created(res)
        self.assertEqual((account["group_id"], account["role"], account["email"]),
                         (group["id"], "coordinator", email))
        # the new coordinator can sign in and works in the new group only
        lead = self.d.client(source="127.0.0.21")
        self.assertStatus(lead.login(email, password), 201)
        self.assertEqual(lead.get(f"{API}/groups/current").json["id"], group["id"])
        self.assertEqual(self.assertList(lead.get(f"{API}/volunteers")), [])

    def test_an_admin_gets_403_on_group_resources(self):
        v = self.volunteer(self.g.coord)
        for method, path, body in [("GET", f"{API}/volunteers", None), ("GET", f"{API}/volunteers/{v['id']}", None),
                                   ("POST", f"{API}/volunteers", {"name": "X", "phone": new_phone()}),
                                   ("GET", f"{API}/meetings", None), ("GET", f"{API}/groups/current", None),
                                   ("GET", f"{API}/outbox", None), ("GET", f"{API}/accounts", None),
                                   ("POST", f"{API}/bodies", {"name": "X"})]:
            with self.subTest(call=f"{method} {path}"):
                self.assertError(self.admin.request(method, path, body=body), 403, "forbidden")

    def test_group_accounts_get_403_on_admin_routes_and_cannot_make_admins(self):
        for client in (self.g.coord, self.g.viewer):
            self.assertError(client.get(f"{API}/groups"), 403, "forbidden")
            self.assertError(client.post(f"{API}/groups", {"name": "Mine", "slug": "mine"}), 403, "forbidden")
        before = self.d.counts()
        self.assertError(self.g.coord.post(f"{API}/accounts", {"email": new_email(), "role": "admin",
                                                               "password": new_password()}), 403, "forbidden")
        self.assertEqual(self.d.counts(), before)

    def test_no_token_is_401_with_a_json_error(self):
        anon = self.d.client()
        for method, path in [("GET", f"{API}/volunteers"), ("POST", f"{API}/volunteers"), ("GET", f"{API}/groups"),
                             ("GET", f"{API}/tokens"), ("GET", f"{API}/session"), ("GET", f"{API}/meetings/1")]:
            with self.subTest(call=f"{method} {path}"):
                res = anon.request(method, path, body={} if method == "POST" else None)
                self.assertError(res, 401, "unauthorized")
                self.assertIn("Bearer", res.header("WWW-Authenticate", ""))

    def test_a_wrong_or_malformed_token_is_401(self):
        for header in ("Bearer tk_" + "A" * 43, "Bearer " + self.g.coord_token + "x", "Bearer ",
                       "Basic " + self.g.coord_token, self.g.coord_token, "Bearer " + self.g.coord_token[:-1]):
            with self.subTest(header=header[:12]):
                res = self.d.client().get(f"{API}/volunteers", headers={"Authorization": header})
                self.assertError(res, 401, "unauthorized")
        res = self.d.client().get(f"{API}/volunteers", headers={"Cookie": "turnout_session=ss_forged"})
        self.assertError(res, 401, "unauthorized")

    def test_a_token_made_through_the_api_is_shown_once_works_and_once_revoked_is_401(self):
        res = self.g.coord.post(f"{API}/tokens", {"label": "nightly export"})
        made = self.created(res)
        token = made["token"]
        note_secret(token)
        self.assertRegex(token, r"^tk_[A-Za-z0-9_-]{43}$")
        self.assertEqual(made["label"], "nightly export")
        listed = self.g.coord.get(f"{API}/tokens")
        items = self.assertList(listed)
        mine = [t for t in items if t["id"] == made["id"]]
        self.assertEqual(len(mine), 1)
        self.assertNotIn("token", mine[0])
        self.assertNotIn(token, listed.body.decode())
        self.assertNotIn(token.encode(), repr(self.d.sql("SELECT * FROM api_token")).encode())
        script = self.d.client(token)
        self.assertStatus(script.get(f"{API}/groups/current"), 200)
        self.assertStatus(script.post(f"{API}/volunteers", {"name": "By script", "phone": new_phone()}), 201)
        res = self.g.coord.delete(f"{API}/tokens/{made['id']}")
        self.assertStatus(res, 204)
        self.assertError(script.get(f"{API}/groups/current"), 401, "unauthorized")
        self.assertError(script.post(f"{API}/volunteers", {"name": "After revoke", "phone": new_phone()}), 401)
        revoked = [t for t in self.g.coord.get(f"{API}/tokens").json["items"] if t["id"] == made["id"]][0]
        self.assertIsNotNone(revoked["revoked_at"])
        # revoking the CLI's token of this account ends that one too
        other = self.d.create_token(self.g.coord_email)
        other_client = self.d.client(other)
        self.assertStatus(other_client.get(f"{API}/groups/current"), 200)
        newest = self.g.coord.get(f"{API}/tokens").json["items"][-1]
        self.assertStatus(self.g.coord.delete(f"{API}/tokens/{newest['id']}"), 204)
        self.assertError(other_client.get(f"{API}/groups/current"), 401, "unauthorized")

    def test_last_use_of_a_token_is_recorded(self):
        made = self.created(self.g.coord.post(f"{API}/tokens", {"label": "used"}))
        note_secret(made["token"])
        self.assertIsNone(made["last_used_at"])
        self.assertStatus(self.d.client(made["token"]).get(f"{API}/groups/current"), 200)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            t = [t for t in self.g.coord.get(f"{API}/tokens").json["items"] if t["id"] == made["id"]][0]
            if t["last_used_at"]:
                break
            time.sleep(0.05)
        self.assertRegex(t["last_used_at"] or "", RFC3339)

    def test_one_account_cannot_revoke_anothers_token(self):
        theirs = self.created(self.g.viewer.post(f"{API}/tokens", {"label": "viewer's"}))
        note_secret(theirs["token"])
        self.assertError(self.g.coord.delete(f"{API}/tokens/{theirs['id']}"), 404, "not_found")
        self.assertStatus(self.d.client(theirs["token"]).get(f"{API}/groups/current"), 200)


# =============================================================================
# 4. Browser sessions
# =============================================================================

class Sessions(DaemonTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.g = cls.make_group()
        cls._addresses = itertools.count(30)

    def browser(self):
        """A client on its own loopback address, so sign-in limits per address
        never leak from one test into another."""
        return self.d.client(source=f"127.0.0.{next(self._addresses)}")

    def test_signing_in_sets_an_httponly_samesite_strict_cookie_and_returns_a_csrf_token(self):
        web = self.browser()
        res = web.login(self.g.coord_email, self.g.coord_password)
        self.assertStatus(res, 201)
        cookie = res.header("Set-Cookie")
        attrs = [a.strip().lower() for a in cookie.split(";")]
        self.assertRegex(cookie, r"^turnout_session=ss_[A-Za-z0-9_-]+;")
        self.assertIn("httponly", attrs)
        self.assertIn("samesite=strict", attrs)
        self.assertIn("path=/", attrs)
        self.assertRegex(res.json["csrf_token"], r"^cs_[A-Za-z0-9_-]+$")
        self.assertEqual(res.json["account"]["email"], self.g.coord_email)
        self.assertEqual(res.json["group"]["id"], self.g.id)
        session_token = web.cookie.split("=", 1)[1]
        self.assertNotIn(session_token, res.body.decode())
        self.assertNotIn(session_token.encode(), repr(self.d.sql("SELECT * FROM session")).encode())
        who = web.get(f"{API}/session")
        self.assertStatus(who, 200)
        self.assertEqual(who.json["account"]["id"], self.g.coord_id)
        self.assertEqual(who.json["csrf_token"], web.csrf)
        self.assertStatus(web.get(f"{API}/volunteers"), 200)

    def test_unsafe_methods_with_the_cookie_need_the_right_csrf_token(self):
        web = self.browser()
        self.assertStatus(web.login(self.g.coord_email, self.g.coord_password), 201)
        v = self.volunteer(self.g.coord)
        right = web.csrf
        calls = [("POST", f"{API}/volunteers", {"name": "Via browser", "phone": new_phone()}),
                 ("PATCH", f"{API}/volunteers/{v['id']}", {"name": "Changed by a forged form"}),
                 ("DELETE", f"{API}/volunteers/{v['id']}", None),
                 ("PUT", f"{API}/groups/current/reminders", {"offsets_minutes": [1]}),
                 ("POST", f"{API}/tokens", {"label": "forged"})]
        before = self.d.snapshot()
        for csrf in (None, "", "cs_wrong", right + "x"):
            web.csrf = csrf
            for method, path, body in calls:
                with self.subTest(csrf=csrf, call=f"{method} {path}"):
                    headers = {"X-CSRF-Token": csrf} if csrf == "" else None
                    self.assertError(web.request(method, path, body=body, headers=headers), 403, "forbidden")
        self.assertEqual(self.d.snapshot(), before)
        # another session's CSRF token does not fit this cookie
        other = self.browser()
        self.assertStatus(other.login(self.g.viewer_email, self.g.viewer_password), 201)
        web.csrf = other.csrf
        self.assertError(web.post(f"{API}/volunteers", {"name": "Mixed", "phone": new_phone()}), 403, "forbidden")
        web.csrf = right
        self.assertStatus(web.get(f"{API}/volunteers/{v['id']}"), 200)  # reads need no CSRF token
        res = web.post(f"{API}/volunteers", {"name": "Via browser", "phone": new_phone()})
        self.created(res)
        self.assertStatus(web.patch(f"{API}/volunteers/{v['id']}", {"name": "Changed in the UI"}), 200)
        self.assertStatus(web.delete(f"{API}/volunteers/{v['id']}"), 204)

    def test_signing_out_ends_the_session(self):
        web = self.browser()
        self.assertStatus(web.login(self.g.viewer_email, self.g.viewer_password), 201)
        sessions = self.d.scalar("SELECT count(*) FROM session")
        res = web.delete(f"{API}/session")
        self.assertStatus(res, 204)
        cleared = res.header("Set-Cookie", "")
        self.assertIn("max-age=0", cleared.lower().replace(" ", ""))
        self.assertEqual(self.d.scalar("SELECT count(*) FROM session"), sessions - 1)
        self.assertError(web.get(f"{API}/session"), 401, "unauthorized")
        self.assertError(web.get(f"{API}/volunteers"), 401, "unauthorized")

    def test_a_wrong_password_is_401_and_makes_no_session(self):
        web = self.browser()
        sessions = self.d.scalar("SELECT count(*) FROM session")
        res = web.login(self.g.coord_email, "not-the-password-at-all")
        self.assertError(res, 401, "unauthorized")
        self.assertIsNone(res.header("Set-Cookie"))
        res = web.login("nobody-" + new_email(), "not-the-password-at-all")
        self.assertError(res, 401, "unauthorized")
        self.assertEqual(self.d.scalar("SELECT count(*) FROM session"), sessions)

    def test_the_sixth_failed_sign_in_in_a_row_is_429_with_retry_after(self):
        email, password = new_email("limited"), new_password()
        self.d.create_user(email, "coordinator", self.g.slug, password)
        web = self.browser()
        for i in range(5):
            self.assertError(web.login(email, f"wrong-password-{i}"), 401, "unauthorized")
        res = web.login(email, "wrong-password-6")
        self.assertError(res, 429, "rate_limited")
        retry = res.header("Retry-After")
        self.assertIsNotNone(retry, res.headers)
        self.assertTrue(retry.isdigit() and 0 < int(retry) <= 3600, retry)
        # guessing cannot go on in the background: the right password waits too,
        # from this address and for this account from any address
        self.assertError(web.login(email, password), 429, "rate_limited")
        self.assertError(self.browser().login(email, password), 429, "rate_limited")
        # others are not locked out
        self.assertStatus(self.browser().login(self.g.viewer_email, self.g.viewer_password), 201)


# =============================================================================
# 5. Bad input
# =============================================================================

class BadInput(DaemonTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.g = cls.make_group()

    def setUp(self):
        if not hasattr(type(self), "v"):
            c = self.g.coord
            type(self).v = self.volunteer(c, email=new_email())
            type(self).b = self.body(c)
            type(self).m = self.meeting(c, self.b["id"])
            type(self).s = self.slot(c, self.m["id"])
        self.before = self.d.snapshot()

    def tearDown(self):
        self.assertEqual(self.d.snapshot(), self.before, "a refused request changed the database")

    def refused(self, res, status, code=None, field=None):
        err = self.assertError(res, status, code, field)
        self.assertEqual(self.d.snapshot(), self.before, f"{res!r} changed the database")
        return err

    def test_malformed_json_is_400(self):
        c = self.g.coord
        for raw in ('{"name": "Ana"', "{name: 'Ana'}", "", "nul", '{"name": "Ana",}', "\xff\xfe"):
            with self.subTest(raw=raw):
                self.refused(c.request("POST", f"{API}/volunteers", raw=raw.encode("latin-1")), 400, "malformed")
        self.refused(c.request("PATCH", f"{API}/meetings/{self.m['id']}", raw=b'{"title": '), 400, "malformed")
        self.refused(c.request("POST", f"{API}/slots/{self.s['id']}/assignments", raw=b"[1"), 400, "malformed")

    def test_deeply_nested_json_is_refused_and_the_daemon_lives_on(self):
        c = self.g.coord
        for raw in ("[" * 300000 + "]" * 300000, '{"name": ' + "[" * 300000 + "]" * 300000 + "}", "{" * 300000):
            with self.subTest(raw=raw[:12]):
                res = c.request("POST", f"{API}/volunteers", raw=raw)
                self.assertIn(res.status, (400, 422), res)
                self.assertIsNone(self.d.proc.poll(), "the daemon died")
        self.assertStatus(self.d.client().get("/healthz"), 200)

    def test_a_json_body_that_is_not_an_object_is_400(self):
        for raw in ('[{"name": "Ana", "phone": "+12135550100"}]', '"Ana"', "42", "null", "true"):
            with self.subTest(raw=raw):
                self.refused(self.g.coord.request("POST", f"{API}/volunteers", raw=raw), 400, "malformed")

    def test_wrong_types_are_422_naming_the_field(self):
        c = self.g.coord
        cases = [
            (f"{API}/volunteers", {"name": 5, "phone": new_phone()}, "name"),
            (f"{API}/volunteers", {"name": "Ana", "sms_opt_in": "yes"}, "sms_opt_in"),
            (f"{API}/volunteers", {"name": "Ana", "tags": "speaker"}, "tags"),
            (f"{API}/volunteers", {"name": "Ana", "tags": [1, 2]}, "tags"),
            (f"{API}/volunteers", {"name": ["Ana"]}, "name"),
            (f"{API}/bodies", {"name": "B", "public_comment": {"minutes_per_speaker": "3"}}, "minutes_per_speaker"),
            (f"{API}/bodies", {"name": "B", "public_comment": {"minutes_per_speaker": 2.5}}, "minutes_per_speaker"),
            (f"{API}/bodies", {"name": "B", "public_comment": "lenient"}, "public_comment"),
            (f"{API}/meetings", {"body_id": str(self.b["id"]), "title": "M", "starts_at": when(days=5)}, "body_id"),
            (f"{API}/meetings", {"body_id": self.b["id"], "title": "M", "starts_at": 1767225600}, "starts_at"),
            (f"{API}/meetings/{self.m['id']}/slots", {"role": "speaker", "capacity": "5"}, "capacity"),
            (f"{API}/meetings/{self.m['id']}/slots", {"role": "speaker", "capacity": 1e12}, "capacity"),
            (f"{API}/slots/{self.s['id']}/assignments", {"volunteer_id": str(self.v["id"])}, "volunteer_id"),
            (f"{API}/slots/{self.s['id']}/assignments", {"volunteer_id": self.v["id"], "force": 1}, "force"),
        ]
        for path, body, field in cases:
            with self.subTest(path=path, field=field):
                self.refused(c.post(path, body), 422, "invalid", field)
        self.refused(c.patch(f"{API}/meetings/{self.m['id']}", {"title": None, "location": 7}), 422, "invalid")
        # a meeting does not move to another body
        other = self.created(c.post(f"{API}/bodies", {"name": "Another body"}))
        self.before = self.d.snapshot()
        self.refused(c.patch(f"{API}/meetings/{self.m['id']}", {"body_id": other["id"]}), 422, "invalid", "body_id")
        self.refused(c.put(f"{API}/groups/current/reminders", {"offsets_minutes": ["2880"]}), 422, "invalid",
                     "offsets_minutes")

    def test_unknown_fields_are_422_naming_them(self):
        c = self.g.coord
        cases = [
            ("POST", f"{API}/volunteers", {"name": "Ana", "phone": new_phone(), "immigration_status": "x"},
             "immigration_status"),
            ("PATCH", f"{API}/volunteers/{self.v['id']}", {"nmae": "Typo"}, "nmae"),
            ("POST", f"{API}/bodies", {"name": "B", "public_comment": {"minutes": 3}}, "minutes"),
            ("POST", f"{API}/meetings", {"body_id": self.b["id"], "title": "M", "starts_at": when(days=5),
                                         "colour": "red"}, "colour"),
            ("POST", f"{API}/meetings/{self.m['id']}/slots", {"role": "speaker", "size": 3}, "size"),
            ("POST", f"{API}/slots/{self.s['id']}/assignments", {"volunteer_id": self.v["id"], "vip": True}, "vip"),
            ("POST", f"{API}/tokens", {"label": "x", "scope": "all"}, "scope"),
        ]
        for method, path, body, field in cases:
            with self.subTest(call=f"{method} {path}", field=field):
                err = self.refused(c.request(method, path, body=body), 422, "invalid", field)
                self.assertIn(field, err["message"])

    def test_a_4_mb_body_is_413(self):
        big = json.dumps({"name": "Ana", "notes": "x" * (4 << 20)}).encode()
        for framing in ("length", "chunked"):
            with self.subTest(framing=framing):
                s = daemon.raw_socket(self.d.port)
                head = (f"POST {API}/volunteers HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        f"Authorization: Bearer {self.g.coord_token}\r\nContent-Type: application/json\r\n")
                if framing == "length":
                    head += f"Content-Length: {len(big)}\r\n\r\n"
                    payload = big
                else:
                    head += "Transfer-Encoding: chunked\r\n\r\n"
                    chunks = [big[i:i + 65536] for i in range(0, len(big), 65536)]
                    payload = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
                try:
                    s.sendall(head.encode())
                    s.sendall(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the server stopped reading: fine, the answer is waiting
                data, _ = daemon.read_until_closed(s, 10)
                s.close()
                self.assertRegex(data, rb"^HTTP/1\.1 413 ")
                body = data.split(b"\r\n\r\n", 1)[1]
                self.assertEqual(json.loads(body)["error"]["code"], "too_large")
        # a body under the default 1 MiB limit is read (and here refused for its own reasons)
        res = self.g.coord.post(f"{API}/volunteers", {"name": "Ana", "notes": "x" * (512 << 10)})
        self.refused(res, 422, "invalid", "notes")

    def test_headers_over_the_limit_are_431(self):
        s = daemon.raw_socket(self.d.port)
        s.sendall(f"GET {API}/volunteers HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                  f"{self.g.coord_token}\r\nX-Padding: {'a' * 65536}\r\n\r\n".encode())
        data, _ = daemon.read_until_closed(s, 10)
        s.close()
        self.assertRegex(data, rb"^HTTP/1\.1 431 ")
        self.assertEqual(json.loads(data.split(b"\r\n\r\n", 1)[1])["error"]["code"], "too_large")

    def test_an_invalid_phone_is_422_naming_phone(self):
        c = self.g.coord
        for phone in ("12", "+1 555 000 0000", "not a number", "+999999999999999", "2135550101x\n"):
            with self.subTest(phone=phone):
                self.refused(c.post(f"{API}/volunteers", {"name": "Ana", "phone": phone}), 422, "invalid", "phone")
        self.refused(c.patch(f"{API}/volunteers/{self.v['id']}", {"phone": "12"}), 422, "invalid", "phone")
        link = token_of(self.m["signup_url"])
        self.refused(self.d.client().post(f"{API}/public/signup/{link}",
                                          {"slot_id": self.s["id"], "name": "Ana", "phone": "12"}),
                     422, "invalid", "phone")

    def test_other_invalid_fields_are_422_naming_them(self):
        c = self.g.coord
        cases = [
            (f"{API}/volunteers", {"name": "Ana", "email": "ana@"}, "email"),
            (f"{API}/volunteers", {"name": "Ana", "email": "Ana <ana@example.org>"}, "email"),
            (f"{API}/volunteers", {"name": "Ana", "language": "español"}, "language"),
            (f"{API}/volunteers", {"name": ""}, "name"),
            (f"{API}/volunteers", {"phone": new_phone()}, "name"),
            (f"{API}/volunteers", {"name": "Ana", "sms_opt_in": True}, "sms_opt_in"),
            (f"{API}/bodies", {"name": "B", "kind": "star_chamber"}, "kind"),
            (f"{API}/bodies", {"name": "B", "public_comment": {"minutes_per_speaker": 0}}, "minutes_per_speaker"),
            (f"{API}/meetings", {"body_id": self.b["id"], "title": "M", "starts_at": "2026-02-30T10:00:00-08:00"},
             "starts_at"),
            (f"{API}/meetings", {"body_id": self.b["id"], "title": "M", "starts_at": "2026-12-01T10:00:00"},
             "starts_at"),
            (f"{API}/meetings", {"body_id": self.b["id"], "title": "M", "starts_at": "next tuesday"}, "starts_at"),
            (f"{API}/meetings", {"body_id": self.b["id"], "title": "M", "starts_at": when(days=5),
                                 "status": "maybe"}, "status"),
            (f"{API}/meetings", {"body_id": self.b["id"], "title": "M", "starts_at": when(days=5),
                                 "remote_url": "javascript:alert(1)"}, "remote_url"),
            (f"{API}/meetings/{self.m['id']}/slots", {"role": "speaker", "capacity": 0}, "capacity"),
            (f"{API}/meetings/{self.m['id']}/slots", {"role": "speaker", "mode": "telepathy"}, "mode"),
            (f"{API}/slots/{self.s['id']}/assignments", {"volunteer_id": self.v["id"], "status": "attended!"},
             "status"),
        ]
        for path, body, field in cases:
            with self.subTest(path=path, field=field):
                self.refused(c.post(path, body), 422, "invalid", field)

    def test_an_unknown_time_zone_is_422_naming_timezone(self):
        c = self.g.coord
        for path, body in [
            (f"{API}/volunteers", {"name": "Ana", "timezone": "Mars/Olympus_Mons"}),
            (f"{API}/bodies", {"name": "B", "timezone": "America/Springfield"}),
            (f"{API}/meetings", {"body_id": self.b["id"], "title": "M", "starts_at": when(days=5),
                                 "timezone": "PST8PDT/Nowhere"}),
        ]:
            with self.subTest(path=path):
                self.refused(c.post(path, body), 422, "invalid", "timezone")
        self.refused(c.patch(f"{API}/meetings/{self.m['id']}", {"timezone": "Europe/Atlantis"}), 422, "invalid",
                     "timezone")

    def test_ends_at_before_starts_at_is_422_naming_ends_at(self):
        c = self.g.coord
        body = {"body_id": self.b["id"], "title": "Backwards", "starts_at": when(days=6, hours=3),
                "ends_at": when(days=6, hours=1)}
        self.refused(c.post(f"{API}/meetings", body), 422, "invalid", "ends_at")
        body["ends_at"] = body["starts_at"]
        self.refused(c.post(f"{API}/meetings", body), 422, "invalid", "ends_at")
        self.refused(c.patch(f"{API}/meetings/{self.m['id']}", {"ends_at": when(days=1)}), 422, "invalid",
                     "ends_at")
        self.refused(c.patch(f"{API}/meetings/{self.m['id']}", {"starts_at": when(days=40)}), 422, "invalid",
                     "ends_at")

    def test_a_body_that_is_not_json_is_400(self):
        c = self.g.coord
        for ctype, raw in (("text/plain", json.dumps({"name": "Ana", "phone": new_phone()})),
                           ("application/x-www-form-urlencoded", "name=Ana&phone=%2B12135550100"),
                           ("multipart/form-data; boundary=x", "--x\r\n\r\nAna\r\n--x--")):
            with self.subTest(content_type=ctype):
                self.refused(c.request("POST", f"{API}/volunteers", raw=raw, content_type=ctype), 400, "malformed")

    def test_an_unknown_route_is_404_with_a_json_error(self):
        c = self.g.coord
        for path in ("/api/v1/nothing", "/api/v2/volunteers", f"{API}/volunteers/{self.v['id']}/nothing",
                     f"{API}/volunteers/abc", f"{API}/volunteers/-1", f"{API}/volunteers/0",
                     f"{API}/volunteers/99999999999999999999", "/nothing-here", "/api/v1/volunteers//"):  # "/" opens the web UI
            with self.subTest(path=path):
                self.refused(c.get(path), 404, "not_found")

    def test_a_wrong_method_is_405_with_allow(self):
        c = self.g.coord
        for method, path, allowed in (("PUT", f"{API}/volunteers", {"GET", "POST"}),
                                      ("DELETE", f"{API}/meetings", {"GET", "POST"}),
                                      ("POST", f"{API}/volunteers/{self.v['id']}", {"GET", "PATCH", "DELETE"}),
                                      ("PATCH", "/healthz", {"GET"}),
                                      ("DELETE", f"{API}/slots/{self.s['id']}", {"GET", "PATCH"})):
            with self.subTest(call=f"{method} {path}"):
                res = c.request(method, path, body={"name": "x"} if method != "DELETE" else None)
                self.refused(res, 405)
                allow = {m.strip() for m in (res.header("Allow") or "").split(",") if m.strip()}
                self.assertEqual(allow, allowed, res.headers)

    def test_bad_paging_parameters_are_422(self):
        c = self.g.coord
        for params, field in (({"limit": 0}, "limit"), ({"limit": "ten"}, "limit"), ({"limit": 100000}, "limit"),
                              ({"cursor": "not-a-cursor"}, "cursor")):
            with self.subTest(params=params):
                self.refused(c.get(query(f"{API}/volunteers", **params)), 422, "invalid", field)
        self.refused(c.get(query(f"{API}/meetings", cursor="garbage")), 422, "invalid", "cursor")
        self.refused(c.get(query(f"{API}/meetings", **{"from": "yesterday"})), 422, "invalid", "from")
        self.refused(c.get(query(f"{API}/meetings", status="happening")), 422, "invalid", "status")

    def test_line_breaks_in_text_are_refused_or_kept_as_data_and_never_become_headers(self):
        c = self.g.coord
        evil = "Ana\r\nX-Injected: 1\r\n\r\n<html>"
        admin_email, admin_pw = new_email("admin"), new_password()
        admin = self.d.client(self.d.user_with_token(admin_email, "admin", None, admin_pw)[1])
        self.before = self.d.snapshot()  # the admin account above is not under test
        link = token_of(self.m["signup_url"])
        calls = [
            (c, "POST", f"{API}/volunteers", {"name": evil, "phone": new_phone()}, "name"),
            (c, "POST", f"{API}/volunteers", {"name": "Ana", "phone": new_phone(), "notes": evil}, "notes"),
            (c, "PATCH", f"{API}/volunteers/{self.v['id']}", {"name": evil}, "name"),
            (c, "POST", f"{API}/bodies", {"name": evil}, "name"),
            (c, "POST", f"{API}/meetings", {"body_id": self.b["id"], "title": evil, "starts_at": when(days=9)},
             "title"),
            (c, "PATCH", f"{API}/meetings/{self.m['id']}", {"location": evil}, "location"),
            (c, "POST", f"{API}/meetings/{self.m['id']}/agenda-items", {"title": evil}, "title"),
            (c, "POST", f"{API}/meetings/{self.m['id']}/slots", {"role": evil}, "role"),
            (c, "POST", f"{API}/tokens", {"label": evil}, "label"),
            (c, "POST", f"{API}/accounts", {"email": new_email(), "name": evil, "role": "viewer"}, "name"),
            (admin, "POST", f"{API}/groups", {"name": evil, "slug": "evil-group"}, "name"),
            (self.d.client(), "POST", f"{API}/public/signup/{link}",
             {"slot_id": self.s["id"], "name": evil, "phone": new_phone()}, "name"),
        ]
        stored = []
        for client, method, path, body, field in calls:
            with self.subTest(call=f"{method} {path}", field=field):
                res = client.request(method, path, body=body)
                self.assertNotIn("x-injected", res.header_names(), res.headers)
                self.assertNotIn(b"X-Injected", b"".join(f"{k}: {v}".encode() for k, v in res.headers))
                if res.status in (200, 201):
                    stored.append((client, res))
                    self.assertIn("X-Injected: 1", res.body.decode(), "stored, but not as the data sent")
                else:
                    self.assertError(res, 422, "invalid", field)
        for client, res in stored:
            if "token" in res.json:
                note_secret(res.json["token"])
        # what was kept as data reads back as data too, never as a header
        for client, res in stored:
            if isinstance(res.json.get("id"), int) and "phone" in res.json:
                again = client.get(f"{API}/volunteers/{res.json['id']}")
                self.assertNotIn("x-injected", again.header_names())
        for path in (f"{API}/volunteers/1%0D%0AX-Injected:%201", f"{API}/volunteers?q=%0D%0AX-Injected:%201",
                     "/nothing%0D%0AX-Injected:%201"):
            res = c.get(path)
            self.assertNotIn("x-injected", res.header_names())
        self.before = self.d.snapshot()  # some of the above may be kept as data: that is allowed


# =============================================================================
# 6. Capacity and overlaps
# =============================================================================

class Capacity(DaemonTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.g = cls.make_group()

    def test_sixty_concurrent_claims_on_five_places_give_five_201_and_fifty_five_409_full(self):
        c = self.g.coord
        b = self.body(c)
        m = self.meeting(c, b["id"], days=30)
        s = self.slot(c, m["id"], capacity=5)
        people = parallel(lambda i: self.volunteer(c, name=f"Rush {i}")["id"], range(60), workers=12)
        barrier = threading.Barrier(60)

        def claim(volunteer_id):
            client = self.d.client(self.g.coord_token)
            barrier.wait(timeout=30)
            return client.post(f"{API}/slots/{s['id']}/assignments", {"volunteer_id": volunteer_id})

        results = parallel(claim, people, workers=60)
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses.count(201), 5, statuses)
        self.assertEqual(statuses.count(409), 55, statuses)
        for r in results:
            if r.status == 409:
                self.assertEqual(r.error["code"], "full", r)
        winners = sorted(r.json["volunteer_id"] for r in results if r.status == 201)
        self.assertEqual(self.d.scalar("SELECT count(*) FROM assignment WHERE slot_id = ?", s["id"]), 5)
        self.assertEqual(sorted(r[0] for r in self.d.sql(
            "SELECT volunteer_id FROM assignment WHERE slot_id = ?", s["id"])), winners)
        self.assertEqual(c.get(f"{API}/slots/{s['id']}").json["taken"], 5)

    def test_a_full_slot_refuses_the_next_claim_with_409_full_until_a_place_is_freed(self):
        c = self.g.coord
        m = self.meeting(c, self.body(c)["id"], days=31)
        s = self.slot(c, m["id"], capacity=1)
        first, second = self.volunteer(c), self.volunteer(c)
        a = self.assign(c, s["id"], first["id"])
        before = self.d.counts()
        self.assertError(c.post(f"{API}/slots/{s['id']}/assignments", {"volunteer_id": second["id"]}), 409, "full")
        self.assertError(c.post(f"{API}/slots/{s['id']}/assignments",
                                {"volunteer_id": second["id"], "force": True}), 409, "full")
        self.assertEqual(self.d.counts(), before)
        self.assertStatus(c.patch(f"{API}/assignments/{a['id']}", {"status": "declined"}), 200)
        self.assign(c, s["id"], second["id"])
        # taking the declined place back now finds it full
        self.assertError(c.patch(f"{API}/assignments/{a['id']}", {"status": "confirmed"}), 409, "full")

    def test_thirty_concurrent_public_sign_ups_for_five_places_give_exactly_five(self):
        c = self.g.coord
        m = self.meeting(c, self.body(c)["id"], days=33)
        s = self.slot(c, m["id"], role="speaker", capacity=5)
        link = token_of(m["signup_url"])
        note_secret(link)
        barrier = threading.Barrier(30)

        def sign_up(i):
            client = self.d.client(source=f"127.0.3.{i + 1}")
            body = {"slot_id": s["id"], "name": f"Rusher {i}", "phone": new_phone()}
            barrier.wait(timeout=30)
            return client.post(f"{API}/public/signup/{link}", body)

        results = parallel(sign_up, range(30), workers=30)
        codes = sorted((r.status, r.json.get("error", {}).get("code")) for r in results)
        self.assertEqual(codes, [(201, None)] * 5 + [(409, "full")] * 25)
        self.assertEqual(self.d.scalar("SELECT count(*) FROM assignment WHERE slot_id = ?", s["id"]), 5)

    def test_one_volunteer_claimed_on_twenty_overlapping_slots_at_once_holds_exactly_one(self):
        c = self.g.coord
        b = self.body(c)
        slots = [self.slot(c, self.meeting(c, b["id"], days=34, hours=i % 3)["id"])["id"] for i in range(20)]
        v = self.volunteer(c)
        barrier = threading.Barrier(20)

        def claim(slot_id):
            client = self.d.client(self.g.coord_token)
            barrier.wait(timeout=30)
            return client.post(f"{API}/slots/{slot_id}/assignments", {"volunteer_id": v["id"]})

        results = parallel(claim, slots, workers=20)
        codes = sorted((r.status, r.json.get("error", {}).get("code")) for r in results)
        self.assertEqual(codes, [(201, None)] + [(409, "conflict")] * 19)
        self.assertEqual(self.d.scalar("SELECT count(*) FROM assignment WHERE volunteer_id = ?", v["id"]), 1)

    def test_the_same_volunteer_twice_on_a_slot_is_409_conflict(self):
        c = self.g.coord
        m = self.meeting(c, self.body(c)["id"], days=32)
        s = self.slot(c, m["id"], capacity=5)
        v = self.volunteer(c)
        self.assign(c, s["id"], v["id"])
        self.assertError(c.post(f"{API}/slots/{s['id']}/assignments", {"volunteer_id": v["id"], "force": True}),
                         409, "conflict")
        self.assertEqual(self.d.scalar("SELECT count(*) FROM assignment WHERE slot_id = ?", s["id"]), 1)

    def test_overlapping_meetings_are_409_conflict_unless_forced_and_then_recorded_as_forced(self):
        c = self.g.coord
        b = self.body(c)
        m1 = self.meeting(c, b["id"], days=40, hours=0, length_hours=2, title="Morning session")
        m2 = self.meeting(c, b["id"], days=40, hours=1, length_hours=2, title="Overlapping session")
        m3 = self.meeting(c, b["id"], days=40, hours=2, length_hours=1, title="Right after the morning")
        s1, s2, s3 = (self.slot(c, m["id"]) for m in (m1, m2, m3))
        v = self.volunteer(c)
        self.assign(c, s1["id"], v["id"])
        before = self.d.counts()
        err = self.assertError(c.post(f"{API}/slots/{s2['id']}/assignments", {"volunteer_id": v["id"]}), 409,
                               "conflict")
        self.assertEqual(err.get("field"), "volunteer_id")
        self.assertEqual(self.d.counts(), before)
        forced = self.assign(c, s2["id"], v["id"], force=True)
        self.assertTrue(forced["forced"])
        self.assertTrue(c.get(f"{API}/assignments/{forced['id']}").json["forced"])
        self.assertEqual(self.d.scalar("SELECT forced FROM assignment WHERE id = ?", forced["id"]), 1)
        actions = [e["action"] for e in self.all_pages(c, f"{API}/audit", 500)[0]
                   if e["entity"] == {"kind": "assignment", "id": forced["id"]}]
        self.assertIn("assignment.created_forced", actions)
        # a meeting that starts as another ends does not overlap it
        w = self.volunteer(c)
        self.assign(c, s1["id"], w["id"])
        self.assertFalse(self.assign(c, s3["id"], w["id"])["forced"])
        # two slots of one meeting always overlap
        s1b = self.slot(c, m1["id"], role="notetaker")
        self.assertError(c.post(f"{API}/slots/{s1b['id']}/assignments", {"volunteer_id": w["id"]}), 409,
                         "conflict")


# =============================================================================
# 7. Public sign-up
# =============================================================================

class PublicSignup(DaemonTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.g = cls.make_group()
        cls._addresses = itertools.count(1)

    def setUp(self):
        # sign-ups are limited per address: each test comes from its own
        self.public = self.d.client(source=f"127.0.2.{next(self._addresses)}")

    def open_meeting(self, days=10, hours=0, **body_fields):
        c = self.g.coord
        b = self.body(c, **body_fields)
        m = self.meeting(c, b["id"], days=days, hours=hours)
        item = self.created(c.post(f"{API}/meetings/{m['id']}/agenda-items",
                                   {"number": "PH-2", "title": "Jail contract", "stance": "oppose"}))
        speak = self.slot(c, m["id"], role="speaker", capacity=3, agenda_item_id=item["id"])
        turnout = self.slot(c, m["id"], role="turnout", capacity=50)
        link = token_of(m["signup_url"])
        note_secret(link)
        return types.SimpleNamespace(body=b, m=m, item=item, speak=speak, turnout=turnout, link=link)

    def sign_up(self, link, slot_id, name=None, phone=None, **fields):
        body = {"slot_id": slot_id, "name": f"Neighbor {next(_people)}" if name is None else name,
                "phone": new_phone() if phone is None else phone}
        body.update(fields)
        return self.public.post(f"{API}/public/signup/{link}", body)

    def test_the_public_page_shows_places_left_and_no_names_or_phones(self):
        o = self.open_meeting()
        known = self.volunteer(self.g.coord, name="Rosa Privada", email=new_email())
        self.assign(self.g.coord, o.speak["id"], known["id"])
        res = self.public.get(f"{API}/public/signup/{o.link}")
        self.assertStatus(res, 200)
        page = res.json
        self.assertEqual(page["meeting"]["title"], o.m["title"])
        self.assertEqual(page["meeting"]["timezone"], "America/Los_Angeles")
        self.assertTimeIn(page["meeting"]["starts_at"], "America/Los_Angeles")
        self.assertEqual(page["signup"]["state"], "open")
        left = {s["id"]: s["places_left"] for s in page["slots"]}
        self.assertEqual(left, {o.speak["id"]: 2, o.turnout["id"]: 50})
        text = res.body.decode()
        for secret in ("Rosa Privada", known["phone"], known["phone"][2:], known["email"], "volunteer_id",
                       self.g.coord_email):
            self.assertNotIn(secret, text)

    def test_a_new_person_signs_up_with_201_and_becomes_a_volunteer_of_the_group(self):
        o = self.open_meeting()
        phone, email = new_phone(), new_email()
        res = self.sign_up(o.link, o.speak["id"], name="Nueva Persona", phone=phone, email=email, language="es",
                           sms_opt_in=True, needs_interpreter="es")
        self.assertStatus(res, 201)
        self.assertEqual(res.json["assignment"]["slot_id"], o.speak["id"])
        self.assertEqual(res.json["meeting"]["title"], o.m["title"])
        rows = self.d.sql("SELECT id, group_id, name, email, language, sms_opt_in FROM volunteer WHERE phone = ?",
                          phone)
        self.assertEqual(len(rows), 1)
        vid, gid, name, stored_email, language, sms = rows[0]
        self.assertEqual((gid, name, stored_email, language, sms), (self.g.id, "Nueva Persona", email, "es", 1))
        a = self.g.coord.get(f"{API}/assignments/{res.json['assignment']['id']}").json
        self.assertEqual((a["volunteer_id"], a["needs_interpreter"], a["forced"]), (vid, "es", False))
        left = {s["id"]: s["places_left"] for s in self.public.get(f"{API}/public/signup/{o.link}").json["slots"]}
        self.assertEqual(left[o.speak["id"]], 2)

    def test_the_same_phone_on_another_slot_of_the_meeting_is_the_same_volunteer_and_409_conflict(self):
        o = self.open_meeting()
        phone = new_phone()
        self.assertStatus(self.sign_up(o.link, o.speak["id"], name="Twice Tried", phone=phone), 201)
        before = self.d.counts()
        local = f"({phone[2:5]}) {phone[5:8]}-{phone[8:]}"
        self.assertError(self.sign_up(o.link, o.turnout["id"], name="Twice Tried", phone=local), 409, "conflict")
        self.assertEqual(self.d.counts(), before)
        self.assertEqual(self.d.scalar("SELECT count(*) FROM volunteer WHERE phone = ?", phone), 1)
        # and a public sign-up can never force its way past that
        res = self.sign_up(o.link, o.turnout["id"], phone=phone, force=True)
        self.assertIn(res.status, (403, 409, 422), res)
        self.assertEqual(self.d.counts(), before)

    def test_a_public_sign_up_never_tells_whether_an_email_belongs_to_a_volunteer(self):
        o = self.open_meeting()
        known = self.volunteer(self.g.coord, name="Quiet Person", email=new_email())
        fresh = self.sign_up(o.link, o.turnout["id"], email=new_email())
        self.assertStatus(fresh, 201)
        # a stranger with the link tries a new phone with a known volunteer's email
        probe = self.sign_up(o.link, o.turnout["id"], name="Prober", email=known["email"])
        self.assertEqual(probe.status, fresh.status, f"the answer differs for a known email: {probe!r}")
        self.assertNotIn(b"email", probe.body)
        after = self.g.coord.get(f"{API}/volunteers/{known['id']}").json
        self.assertEqual(after["name"], "Quiet Person")
        self.assertEqual(after["email"], known["email"])

    def test_a_sign_up_with_an_existing_volunteers_phone_does_not_rename_that_volunteer(self):
        o = self.open_meeting()
        known = self.volunteer(self.g.coord, name="Rosa Known", email=new_email(), language="en")
        res = self.sign_up(o.link, o.turnout["id"], name="Somebody Else", phone=known["phone"],
                           email=new_email(), language="es")
        self.assertStatus(res, 201)
        after = self.g.coord.get(f"{API}/volunteers/{known['id']}").json
        self.assertEqual({k: v for k, v in after.items() if k != "updated_at"},
                         {k: v for k, v in known.items() if k != "updated_at"})
        self.assertEqual(self.d.scalar("SELECT count(*) FROM volunteer WHERE phone = ?", known["phone"]), 1)
        self.assertEqual(self.d.scalar("SELECT count(*) FROM volunteer WHERE name = 'Somebody Else'"), 0)
        a = self.g.coord.get(f"{API}/assignments/{res.json['assignment']['id']}").json
        self.assertEqual(a["volunteer_id"], known["id"])

    def test_after_the_window_closes_the_public_gets_409_closed_and_a_coordinator_can_still_assign(self):
        o = self.open_meeting(days=0, hours=2, public_comment={"signup_closes_minutes_before": 1440})
        self.assertTrue(instant(o.m["starts_at"]) > datetime.datetime.now(UTC))
        page = self.public.get(f"{API}/public/signup/{o.link}").json
        self.assertEqual(page["signup"]["state"], "closed")
        before = self.d.counts()
        err = self.assertError(self.sign_up(o.link, o.turnout["id"]), 409, "closed")
        self.assertTrue(err["message"])
        self.assertEqual(self.d.counts(), before)
        self.assign(self.g.coord, o.turnout["id"], self.volunteer(self.g.coord)["id"])

    def test_before_the_window_opens_the_public_gets_409_closed(self):
        o = self.open_meeting(days=10, public_comment={"signup_opens_minutes_before": 2880,
                                                       "signup_closes_minutes_before": 60})
        self.assertEqual(self.public.get(f"{API}/public/signup/{o.link}").json["signup"]["state"], "not_yet_open")
        before = self.d.counts()
        self.assertError(self.sign_up(o.link, o.turnout["id"]), 409, "closed")
        self.assertEqual(self.d.counts(), before)

    def test_a_cancelled_or_postponed_meeting_refuses_public_sign_ups_with_409_closed(self):
        for status in ("postponed", "cancelled"):
            with self.subTest(status=status):
                o = self.open_meeting()
                self.assertStatus(self.g.coord.patch(f"{API}/meetings/{o.m['id']}", {"status": status}), 200)
                page = self.public.get(f"{API}/public/signup/{o.link}").json
                self.assertEqual(page["signup"]["state"], "meeting_not_on")
                before = self.d.counts()
                # data.md: outside the window the public gets `closed`, with a sentence saying why
                self.assertError(self.sign_up(o.link, o.turnout["id"]), 409, "closed")
                self.assertEqual(self.d.counts(), before)

    def test_too_many_sign_ups_from_one_address_are_429_with_retry_after(self):
        o = self.open_meeting()
        statuses = [self.sign_up(o.link, o.turnout["id"]).status for _ in range(30)]
        self.assertEqual(statuses, [201] * 30)
        before = self.d.counts()
        res = self.sign_up(o.link, o.turnout["id"])
        self.assertError(res, 429, "rate_limited")
        self.assertTrue((res.header("Retry-After") or "").isdigit(), res.headers)
        self.assertEqual(self.d.counts(), before)
        # another address is not held back
        other = self.d.client(source=f"127.0.2.{next(self._addresses)}")
        self.assertStatus(other.post(f"{API}/public/signup/{o.link}",
                                     {"slot_id": o.turnout["id"], "name": "Elsewhere", "phone": new_phone()}), 201)

    def test_a_full_slot_refuses_the_public_with_409_full(self):
        o = self.open_meeting()
        for _ in range(3):
            self.assertStatus(self.sign_up(o.link, o.speak["id"]), 201)
        before = self.d.counts()
        self.assertError(self.sign_up(o.link, o.speak["id"]), 409, "full")
        self.assertEqual(self.d.counts(), before)
        left = {s["id"]: s["places_left"] for s in self.public.get(f"{API}/public/signup/{o.link}").json["slots"]}
        self.assertEqual(left[o.speak["id"]], 0)

    def test_a_link_only_reaches_its_own_meetings_slots(self):
        o, other = self.open_meeting(), self.open_meeting(days=11)
        before = self.d.counts()
        self.assertError(self.sign_up(o.link, other.turnout["id"]), 404, "not_found")
        self.assertError(self.sign_up(o.link, 987654321), 404, "not_found")
        self.assertError(self.sign_up(o.link, o.turnout["id"], phone=""), 422, "invalid", "phone")
        self.assertError(self.sign_up(o.link, o.turnout["id"], name=""), 422, "invalid", "name")
        self.assertEqual(self.d.counts(), before)

    def test_rotating_the_link_makes_the_old_one_404(self):
        o = self.open_meeting()
        res = self.g.coord.post(f"{API}/meetings/{o.m['id']}/signup-link")
        self.assertStatus(res, 201)
        new_link = token_of(res.json["signup_url"])
        note_secret(new_link)
        self.assertNotEqual(new_link, o.link)
        self.assertEqual(res.json["id"], o.m["id"])
        before = self.d.counts()
        self.assertError(self.public.get(f"{API}/public/signup/{o.link}"), 404, "not_found")
        self.assertError(self.sign_up(o.link, o.turnout["id"]), 404, "not_found")
        self.assertEqual(self.d.counts(), before)
        self.assertStatus(self.public.get(f"{API}/public/signup/{new_link}"), 200)
        self.assertStatus(self.sign_up(new_link, o.turnout["id"]), 201)
        self.assertError(self.public.get(f"{API}/public/signup/su_made_up_token"), 404, "not_found")


# =============================================================================
# 7b. What the web UI adds: private volunteer pages, sign-up on/off and its QR
#     code, CSV over the API
# =============================================================================

class VolunteerPages(DaemonTest):
    """A volunteer's private page, /me/{token}, and its JSON routes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.g = cls.make_group()
        cls._addresses = itertools.count(1)

    def setUp(self):
        self.public = self.d.client(source=f"127.0.3.{next(self._addresses)}")

    def open_meeting(self, capacity=3):
        c = self.g.coord
        b = self.body(c)
        m = self.meeting(c, b["id"], title="Jail contract hearing")
        item = self.created(c.post(f"{API}/meetings/{m['id']}/agenda-items",
                                   {"number": "PH-2", "title": "Jail contract", "stance": "oppose"}))
        speak = self.slot(c, m["id"], role="speaker", capacity=capacity, agenda_item_id=item["id"])
        link = token_of(m["signup_url"])
        note_secret(link)
        return types.SimpleNamespace(m=m, speak=speak, link=link, item=item)

    def sign_up(self, o, **fields):
        body = {"slot_id": o.speak["id"], "name": f"Neighbor {next(_people)}", "phone": new_phone()}
        body.update(fields)
        res = self.public.post(f"{API}/public/signup/{o.link}", body)
        self.assertStatus(res, 201)
        links = res.json["links"]
        if links:
            note_secret(token_of(links["manage_url"]), token_of(links["feed"]["url"]))
        return res.json

    def test_a_new_person_gets_a_private_link_and_a_calendar_link_and_a_known_number_gets_neither(self):
        o = self.open_meeting()
        first = self.sign_up(o, email=new_email())
        links = first["links"]
        self.assertRegex(links["manage_url"], r"^https?://[^/]+/me/mg_[A-Za-z0-9_-]{43}$")
        self.assertRegex(links["feed"]["url"], r"^https?://[^/]+/feeds/volunteers/fd_[A-Za-z0-9_-]+\.ics$")
        self.assertEqual(links["feed"]["webcal_url"].split("://", 1), ["webcal", links["feed"]["url"].split("://", 1)[1]])
        # only hashes are kept
        stored = repr(self.d.sql("SELECT * FROM volunteer"))
        self.assertNotIn(token_of(links["manage_url"]), stored)
        self.assertNotIn(token_of(links["feed"]["url"]), stored)
        # someone typing a number already on the list gets no key to that person's page
        known = self.volunteer(self.g.coord, name="Already Known")
        before = self.d.sql("SELECT manage_token_hash, feed_token_hash FROM volunteer WHERE id = ?", known["id"])
        second = self.sign_up(o, phone=known["phone"], name="Someone Else")
        self.assertIsNone(second["links"])
        self.assertEqual(self.d.sql("SELECT manage_token_hash, feed_token_hash FROM volunteer WHERE id = ?", known["id"]),
                         before)

    def test_the_private_page_shows_upcoming_places_in_the_meetings_zone_and_no_contact_data(self):
        o = self.open_meeting()
        email = new_email()
        r = self.sign_up(o, name="Rosa Privada", email=email, language="es")
        res = self.public.get(f"{API}/public/me/{token_of(r['links']['manage_url'])}")
        self.assertStatus(res, 200)
        page = res.json
        self.assertEqual(page["volunteer"], {"name": "Rosa Privada", "language": "es"})
        [place] = page["assignments"]
        self.assertEqual((place["id"], place["status"]), (r["assignment"]["id"], "invited"))
        self.assertEqual(place["slot"]["role"], "speaker")
        self.assertEqual(place["agenda_item"], {"number": "PH-2", "title": "Jail contract"})
        self.assertEqual(place["meeting"]["title"], "Jail contract hearing")
        self.assertTimeIn(place["meeting"]["starts_at"], "America/Los_Angeles")
        text = res.body.decode()
        self.assertNotIn(email, text)
        phone = self.d.scalar("SELECT phone FROM volunteer WHERE name = 'Rosa Privada'")
        self.assertNotIn(phone, text)

    def test_a_volunteer_confirms_and_cancels_their_own_place_and_cancelling_frees_it(self):
        o = self.open_meeting(capacity=1)
        r = self.sign_up(o)
        me = f"{API}/public/me/{token_of(r['links']['manage_url'])}"
        aid = r["assignment"]["id"]
        res = self.public.post(f"{me}/assignments/{aid}/confirm")
        self.assertStatus(res, 200)
        self.assertEqual(res.json, {"id": aid, "status": "confirmed"})
        self.assertEqual(self.g.coord.get(f"{API}/assignments/{aid}").json["status"], "confirmed")
        left = lambda: self.public.get(f"{API}/public/signup/{o.link}").json["slots"][0]["places_left"]
        self.assertEqual(left(), 0)
        res = self.public.post(f"{me}/assignments/{aid}/cancel")
        self.assertStatus(res, 200)
        self.assertEqual(res.json["status"], "cancelled")
        self.assertEqual(left(), 1)
        # the place went to someone else meanwhile: taking it back is 409 full, and changes nothing
        self.sign_up(o)
        before = self.d.snapshot()
        self.assertError(self.public.post(f"{me}/assignments/{aid}/confirm"), 409, "full")
        self.assertEqual(self.d.snapshot(), before)

    def test_another_volunteers_place_is_404_through_my_link_and_changes_nothing(self):
        o = self.open_meeting()
        mine = self.sign_up(o)
        theirs = self.sign_up(o)
        me = f"{API}/public/me/{token_of(mine['links']['manage_url'])}"
        before = self.d.snapshot()
        for action in ("confirm", "cancel"):
            with self.subTest(action=action):
                self.assertError(self.public.post(f"{me}/assignments/{theirs['assignment']['id']}/{action}"), 404,
                                 "not_found")
                self.assertError(self.public.post(f"{me}/assignments/not-a-number/{action}"), 404, "not_found")
        self.assertEqual(self.d.snapshot(), before)

    def test_a_wrong_token_is_404_on_every_private_route_and_changes_nothing(self):
        o = self.open_meeting()
        r = self.sign_up(o)
        aid = r["assignment"]["id"]
        before = self.d.snapshot()
        for token in ("mg_" + "A" * 43, "su_" + "A" * 43, token_of(o.m["signup_url"]), "x", "mg_%00"):
            me = f"{API}/public/me/{token}"
            for method, path in (("GET", me), ("POST", f"{me}/assignments/{aid}/confirm"),
                                 ("POST", f"{me}/assignments/{aid}/cancel"), ("POST", f"{me}/feed-token"),
                                 ("DELETE", me)):
                with self.subTest(call=f"{method} {path}"):
                    self.assertError(self.public.request(method, path, body={} if method == "POST" else None), 404,
                                     "not_found")
        self.assertEqual(self.d.snapshot(), before)

    def test_a_new_calendar_link_from_the_private_page_replaces_the_old_one(self):
        o = self.open_meeting()
        r = self.sign_up(o)
        me = f"{API}/public/me/{token_of(r['links']['manage_url'])}"
        res = self.public.post(f"{me}/feed-token")
        self.assertStatus(res, 201)
        note_secret(token_of(res.json["url"]))
        self.assertRegex(res.json["url"], r"/feeds/volunteers/fd_[A-Za-z0-9_-]+\.ics$")
        self.assertTrue(res.json["webcal_url"].startswith("webcal://"))
        self.assertNotEqual(token_of(res.json["url"]), token_of(r["links"]["feed"]["url"]))

    def test_delete_my_data_erases_the_volunteer_and_the_link_stops_working(self):
        o = self.open_meeting()
        phone, email = new_phone(), new_email()
        r = self.sign_up(o, phone=phone, email=email, name="Gone Soon")
        me = f"{API}/public/me/{token_of(r['links']['manage_url'])}"
        res = self.public.delete(me)
        self.assertStatus(res, 204)
        self.assertEqual(self.d.sql("SELECT id FROM volunteer WHERE phone = ? OR email = ?", phone, email), [])
        a = self.g.coord.get(f"{API}/assignments/{r['assignment']['id']}").json
        self.assertEqual((a["volunteer_id"], a["status"]), (None, "cancelled"))
        self.assertError(self.public.get(me), 404, "not_found")
        self.assertError(self.public.delete(me), 404, "not_found")


class SignupLinkAndQr(DaemonTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.g = cls.make_group()

    def test_turning_sign_up_off_retires_the_link_and_turning_it_on_makes_a_new_one(self):
        c = self.g.coord
        m = self.meeting(c, self.body(c)["id"])
        old = token_of(m["signup_url"])
        res = c.delete(f"{API}/meetings/{m['id']}/signup-link")
        self.assertStatus(res, 200)
        self.assertIsNone(res.json["signup_url"])
        self.assertIsNone(c.get(f"{API}/meetings/{m['id']}").json["signup_url"])
        self.assertError(self.d.client().get(f"{API}/public/signup/{old}"), 404, "not_found")
        self.assertError(c.get(f"{API}/meetings/{m['id']}/signup-qr.svg"), 404, "not_found")
        on = c.post(f"{API}/meetings/{m['id']}/signup-link").json
        self.assertNotEqual(token_of(on["signup_url"]), old)
        self.assertStatus(self.d.client().get(f"{API}/public/signup/{token_of(on['signup_url'])}"), 200)
        # turning it off twice is fine; an unknown meeting is 404
        self.assertStatus(c.delete(f"{API}/meetings/{m['id']}/signup-link"), 200)
        self.assertError(c.delete(f"{API}/meetings/987654/signup-link"), 404, "not_found")

    def test_the_qr_code_is_an_svg_drawn_by_the_daemon_and_changes_with_the_link(self):
        c = self.g.coord
        m = self.meeting(c, self.body(c)["id"], title="Budget <hearing> & vote")
        res = self.g.viewer.get(f"{API}/meetings/{m['id']}/signup-qr.svg")
        self.assertStatus(res, 200)
        self.assertEqual(res.header("Content-Type"), "image/svg+xml")
        self.assertEqual(res.header("X-Content-Type-Options"), "nosniff")
        svg = res.body.decode()
        self.assertTrue(svg.startswith("<svg xmlns=\"http://www.w3.org/2000/svg\""), svg[:80])
        self.assertIn("<path", svg)
        self.assertIn("Budget &lt;hearing&gt; &amp; vote", svg)  # the title is escaped, never markup
        self.assertNotIn("<script", svg)
        self.assertNotIn(token_of(m["signup_url"]), svg)  # drawn as modules, not written out
        c.post(f"{API}/meetings/{m['id']}/signup-link")
        self.assertNotEqual(self.g.viewer.get(f"{API}/meetings/{m['id']}/signup-qr.svg").body.decode(), svg)


class SlotOrder(DaemonTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.g = cls.make_group()

    def test_a_slot_moves_in_the_speaking_order_and_nothing_else_changes(self):
        c = self.g.coord
        m = self.meeting(c, self.body(c)["id"])
        a = self.slot(c, m["id"], order=1, capacity=4)
        b = self.slot(c, m["id"], order=2)
        res = c.patch(f"{API}/slots/{a['id']}", {"order": 3})
        self.assertStatus(res, 200)
        self.assertEqual(res.json, dict(a, order=3))
        orders = {s["id"]: s["order"] for s in self.assertList(c.get(f"{API}/meetings/{m['id']}/slots"))}
        self.assertEqual(orders, {a["id"]: 3, b["id"]: 2})

    def test_a_bad_order_is_refused_naming_the_field_and_changes_nothing(self):
        c = self.g.coord
        m = self.meeting(c, self.body(c)["id"])
        s = self.slot(c, m["id"], order=1)
        before = self.d.snapshot()
        for body, field in (({}, "order"), ({"order": "first"}, "order"), ({"order": -1}, "order"),
                            ({"order": 2, "capacity": 9}, "capacity")):
            with self.subTest(body=body):
                self.assertError(c.patch(f"{API}/slots/{s['id']}", body), 422, "invalid", field)
        self.assertError(c.request("PATCH", f"{API}/slots/{s['id']}", raw="order=2", content_type="text/plain"), 400,
                         "malformed")
        self.assertError(c.patch(f"{API}/slots/987654", {"order": 2}), 404, "not_found")
        self.assertEqual(self.d.snapshot(), before)


class CsvOverTheApi(DaemonTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.g = cls.make_group()

    def csv(self, *rows):
        return "name,phone,email,tags\r\n" + "".join(",".join(r) + "\r\n" for r in rows)

    def test_a_dry_run_checks_every_row_and_imports_nothing(self):
        before = self.d.snapshot()
        text = self.csv(("Ana", new_phone(), new_email(), "speaker"), ("Beto", new_phone(), "", ""))
        res = self.g.coord.post(f"{API}/volunteers/import", {"csv": text, "dry_run": True})
        self.assertStatus(res, 200)
        self.assertEqual(res.json, {"imported": 0, "valid_rows": 2, "dry_run": True})
        self.assertEqual(self.d.snapshot(), before)
        res = self.g.coord.post(f"{API}/volunteers/import", {"csv": text})
        self.assertEqual(res.json, {"imported": 2, "valid_rows": 2, "dry_run": False})
        names = {v["name"] for v in self.assertList(self.g.coord.get(f"{API}/volunteers"))}
        self.assertLessEqual({"Ana", "Beto"}, names)

    def test_bad_lines_are_named_without_their_values_and_nothing_is_imported(self):
        bad_email = "not-an-email"
        text = self.csv(("Good Row", new_phone(), "", ""), ("", new_phone(), "", ""), ("Bad Mail", "", bad_email, ""))
        before = self.d.snapshot()
        for dry_run in (True, False):
            res = self.g.coord.post(f"{API}/volunteers/import", {"csv": text, "dry_run": dry_run})
            err = self.assertError(res, 422, "invalid", "csv")
            problems = err["problems"]
            self.assertTrue(any("line 3" in p for p in problems), problems)
            self.assertTrue(any("line 4" in p for p in problems), problems)
            self.assertNotIn(bad_email, " ".join(problems))
        self.assertEqual(self.d.snapshot(), before)

    def test_a_missing_or_wrong_body_is_refused_and_changes_nothing(self):
        before = self.d.snapshot()
        self.assertError(self.g.coord.post(f"{API}/volunteers/import", {}), 422, "invalid", "csv")
        self.assertError(self.g.coord.post(f"{API}/volunteers/import", {"csv": 5}), 422, "invalid", "csv")
        self.assertError(self.g.coord.post(f"{API}/volunteers/import", {"csv": "name\nA\n", "dryrun": True}), 422,
                         "invalid", "dryrun")
        self.assertError(self.g.coord.post(f"{API}/volunteers/import", raw="name\nA\n", content_type="text/csv"), 400,
                         "malformed")
        self.assertEqual(self.d.snapshot(), before)

    def test_the_export_is_csv_that_imports_back(self):
        g = self.make_group("Export Group")
        self.volunteer(g.coord, name="Export Me", email=new_email(), tags=["speaker", "interpreter:es"])
        res = g.coord.get(f"{API}/volunteers/export.csv")
        self.assertStatus(res, 200)
        self.assertTrue(res.header("Content-Type").startswith("text/csv"))
        self.assertIn("attachment", res.header("Content-Disposition"))
        text = res.body.decode()
        self.assertTrue(text.startswith('"name"') or text.startswith("name"), text[:60])
        self.assertIn("Export Me", text)
        other = self.make_group("Import Group")
        res = other.coord.post(f"{API}/volunteers/import", {"csv": text})
        self.assertStatus(res, 200)
        self.assertEqual(res.json["imported"], 1)


# =============================================================================
# 7c. Changing a body and the group's own settings
# =============================================================================

class Edits(DaemonTest):
    """PATCH /bodies/{id} and PATCH /groups/current: only what is named
    changes, every bad value is refused naming its field and changes
    nothing, other groups get 404, viewers 403, and the audit log says what
    changed (field names, never values)."""

    FULL_BODY = {"name": "Valle City Council", "kind": "city_council", "jurisdiction": "City of Valle",
                 "timezone": "America/Los_Angeles",
                 "public_comment": {"minutes_per_speaker": 2, "signup_closes_minutes_before": 30,
                                    "remote_allowed": False, "interpretation_lead_hours": 48}}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.g = cls.make_group("Edits Coalition")
        cls.other = cls.make_group("Edits Neighbors")
        cls.admin_email = new_email("admin")
        _, admin_token = cls.d.user_with_token(cls.admin_email, "admin", None, new_password())
        cls.admin = cls.d.client(admin_token)

    def audit_since(self, client, after_id):
        entries, _ = self.all_pages(client, f"{API}/audit", 500)
        return [e for e in entries if e["id"] > after_id]

    def last_audit_id(self, client):
        entries, _ = self.all_pages(client, f"{API}/audit", 500)
        return max([e["id"] for e in entries], default=0)

    # -- bodies ------------------------------------------------------------------

    def test_patching_a_body_changes_each_field_alone_and_nothing_else(self):
        c = self.g.coord
        b = self.body(c, **self.FULL_BODY)
        self.assertIsNone(b["feed"])
        changes = [
            ({"name": "Valle City Council (regular sessions)"}, lambda x: x.update(name="Valle City Council (regular sessions)")),
            ({"kind": "commission"}, lambda x: x.update(kind="commission")),
            ({"jurisdiction": "Valle"}, lambda x: x.update(jurisdiction="Valle")),
            ({"jurisdiction": None}, lambda x: x.update(jurisdiction="")),
            ({"timezone": "America/Chicago"}, lambda x: x.update(timezone="America/Chicago")),
            ({"public_comment": {"minutes_per_speaker": 3}}, lambda x: x["public_comment"].update(minutes_per_speaker=3)),
            ({"public_comment": {"signup_closes_minutes_before": -15}},
             lambda x: x["public_comment"].update(signup_closes_minutes_before=-15)),
            ({"public_comment": {"remote_allowed": True}}, lambda x: x["public_comment"].update(remote_allowed=True)),
            ({"public_comment": {"interpretation_lead_hours": 72}},
             lambda x: x["public_comment"].update(interpretation_lead_hours=72)),
            ({"public_comment": {"signup_opens_minutes_before": 10080, "written_limit_words": 500}},
             lambda x: x["public_comment"].update(signup_opens_minutes_before=10080, written_limit_words=500)),
            ({"public_comment": {"written_limit_words": None}}, lambda x: x["public_comment"].update(written_limit_words=None)),
        ]
        expected = json.loads(json.dumps(b))
        for sent, change in changes:
            with self.subTest(sent=sent):
                change(expected)
                res = c.patch(f"{API}/bodies/{b['id']}", sent)
                self.assertStatus(res, 200)
                self.assertEqual(res.json, expected)
                self.assertEqual(c.get(f"{API}/bodies/{b['id']}").json, expected)
        # publishing gives the feed's links, withdrawing takes them away
        res = c.patch(f"{API}/bodies/{b['id']}", {"feed_public": True})
        self.assertStatus(res, 200)
        self.assertEqual({**res.json, "feed": None}, {**expected, "feed_public": True})
        self.assertRegex(res.json["feed"]["url"], rf"^https?://[^/]+/feeds/bodies/{b['id']}\.ics$")
        self.assertEqual(res.json["feed"]["webcal_url"], "webcal://" + res.json["feed"]["url"].split("://", 1)[1])
        self.assertEqual(c.patch(f"{API}/bodies/{b['id']}", {"feed_public": False}).json, expected)
        # several at once, and a change to nothing at all
        both = {"name": "Valle Council", "public_comment": {"minutes_per_speaker": 1, "remote_allowed": False}}
        res = c.patch(f"{API}/bodies/{b['id']}", both)
        self.assertStatus(res, 200)
        expected.update(name="Valle Council")
        expected["public_comment"].update(minutes_per_speaker=1, remote_allowed=False)
        self.assertEqual(res.json, expected)
        before = self.d.snapshot()
        for same in ({}, {"public_comment": {}}, {"name": "Valle Council", "kind": "commission"}):
            with self.subTest(unchanged=same):
                self.assertEqual(c.patch(f"{API}/bodies/{b['id']}", same).json, expected)
        self.assertEqual(self.d.snapshot(), before, "a change to nothing writes nothing")

    def test_every_bad_value_is_422_naming_its_field_and_changes_nothing(self):
        c = self.g.coord
        b = self.body(c, **self.FULL_BODY)
        self.assertStatus(c.patch(f"{API}/bodies/{b['id']}", {"public_comment": {"signup_opens_minutes_before": 600}}), 200)
        b = c.get(f"{API}/bodies/{b['id']}").json
        cases = [
            ({"name": ""}, "name"),
            ({"name": None}, "name"),
            ({"name": "x" * 201}, "name"),
            ({"name": "two\nlines"}, "name"),
            ({"name": 7}, "name"),
            ({"kind": "star_chamber"}, "kind"),
            ({"kind": None}, "kind"),
            ({"jurisdiction": "j" * 201}, "jurisdiction"),
            ({"timezone": "America/Springfield"}, "timezone"),
            ({"timezone": ""}, "timezone"),
            ({"timezone": None}, "timezone"),
            ({"feed_public": "yes"}, "feed_public"),
            ({"feed_public": None}, "feed_public"),
            ({"public_comment": "lenient"}, "public_comment"),
            ({"public_comment": {"minutes_per_speaker": 0}}, "minutes_per_speaker"),
            ({"public_comment": {"minutes_per_speaker": 121}}, "minutes_per_speaker"),
            ({"public_comment": {"minutes_per_speaker": "3"}}, "minutes_per_speaker"),
            ({"public_comment": {"minutes_per_speaker": 2.5}}, "minutes_per_speaker"),
            ({"public_comment": {"signup_closes_minutes_before": -1441}}, "signup_closes_minutes_before"),
            # sign-up must still open (600 minutes before) before it closes
            ({"public_comment": {"signup_closes_minutes_before": 600}}, "signup_closes_minutes_before"),
            ({"public_comment": {"signup_opens_minutes_before": 30}}, "signup_opens_minutes_before"),
            ({"public_comment": {"remote_allowed": "yes"}}, "remote_allowed"),
            ({"public_comment": {"interpretation_lead_hours": -1}}, "interpretation_lead_hours"),
            ({"public_comment": {"interpretation_lead_hours": 721}}, "interpretation_lead_hours"),
            ({"public_comment": {"minutes": 3}}, "minutes"),
            ({"color": "blue"}, "color"),
            ({"id": 5}, "id"),
            # all or nothing: the good field does not go in beside the bad one
            ({"name": "Renamed", "kind": "star_chamber"}, "kind"),
            ({"name": "Renamed", "public_comment": {"minutes_per_speaker": 3, "interpretation_lead_hours": 9999}},
             "interpretation_lead_hours"),
        ]
        before = self.d.snapshot()
        for sent, field in cases:
            with self.subTest(sent=sent):
                self.assertError(c.patch(f"{API}/bodies/{b['id']}", sent), 422, "invalid", field)
        self.assertError(c.request("PATCH", f"{API}/bodies/{b['id']}", raw=b"{not json"), 400, "malformed")
        self.assertError(c.request("PATCH", f"{API}/bodies/{b['id']}", raw=b"[1]"), 400, "malformed")
        self.assertEqual(self.d.snapshot(), before)
        self.assertEqual(c.get(f"{API}/bodies/{b['id']}").json, b)

    def test_another_groups_body_is_404_a_viewer_403_and_neither_changes_it(self):
        b = self.body(self.g.coord, **self.FULL_BODY)
        before = self.d.snapshot()
        for sent in ({"name": "Taken over"}, {"public_comment": {"minutes_per_speaker": 9}}, {"feed_public": True}, {}):
            with self.subTest(sent=sent):
                res = self.other.coord.patch(f"{API}/bodies/{b['id']}", sent)
                self.assertError(res, 404, "not_found")
                self.assertNotIn(b["name"], res.body.decode())
                self.assertError(self.other.coord.patch(f"{API}/bodies/987654321", sent), 404, "not_found")
                self.assertError(self.g.viewer.patch(f"{API}/bodies/{b['id']}", sent), 403, "forbidden")
                self.assertError(self.admin.patch(f"{API}/bodies/{b['id']}", sent), 403, "forbidden")
        self.assertEqual(self.d.snapshot(), before)

    def test_each_change_is_audited_with_the_names_of_the_fields_it_changed(self):
        c = self.g.coord
        b = self.body(c, **self.FULL_BODY)
        after = self.last_audit_id(c)
        c.patch(f"{API}/bodies/{b['id']}", {"name": "A secret-looking name", "public_comment": {"minutes_per_speaker": 4}})
        c.patch(f"{API}/bodies/{b['id']}", {"name": "A secret-looking name"})  # no change: no entry
        c.patch(f"{API}/bodies/{b['id']}", {"feed_public": True})
        entries = self.audit_since(c, after)
        self.assertEqual([(e["action"], e["entity"], e["actor"]["id"]) for e in entries],
                         [("body.updated", {"kind": "body", "id": b["id"]}, self.g.coord_id)] * 2)
        self.assertEqual([sorted(e["detail"]["changed"]) for e in entries],
                         [["minutes_per_speaker", "name"], ["feed_public"]])
        self.assertEqual([e["detail"]["feed_public"] for e in entries], [False, True])
        self.assertNotIn("secret-looking", json.dumps(entries))
        events = self.d.sql("SELECT type, entity_kind, entity_id FROM domain_event WHERE type = 'body.updated' "
                            "AND entity_id = ?", b["id"])
        self.assertEqual(events, [("body.updated", "body", b["id"])] * 2)

    def test_a_new_zone_is_for_new_meetings_and_new_rules_apply_at_once_to_public_sign_up(self):
        c = self.g.coord
        b = self.body(c, **self.FULL_BODY)
        m = self.meeting(c, b["id"], days=10)
        self.assertStatus(c.patch(f"{API}/bodies/{b['id']}", {"timezone": "America/New_York"}), 200)
        kept = c.get(f"{API}/meetings/{m['id']}").json
        self.assertEqual((kept["timezone"], kept["starts_at"], kept["sequence"]), (m["timezone"], m["starts_at"], m["sequence"]))
        later = self.meeting(c, b["id"], days=12)
        self.assertEqual(later["timezone"], "America/New_York")
        self.assertTimeIn(later["starts_at"], "America/New_York")
        public = self.d.client(source="127.0.3.1")
        link = token_of(m["signup_url"])
        note_secret(link)
        self.assertEqual(public.get(f"{API}/public/signup/{link}").json["signup"]["state"], "open")
        # sign-up now closes 11 days before: the meeting, 10 days away, is closed to the public at once
        self.assertStatus(c.patch(f"{API}/bodies/{b['id']}", {"public_comment": {"signup_closes_minutes_before": 11 * 1440}}), 200)
        page = public.get(f"{API}/public/signup/{link}").json
        self.assertEqual(page["signup"]["state"], "closed")
        self.assertSameInstant(page["signup"]["closes_at"],
                               (instant(m["starts_at"]) - datetime.timedelta(days=11)).isoformat())

    # -- the group -----------------------------------------------------------------

    def test_patching_the_group_changes_each_setting_alone_and_answers_as_get_does(self):
        g = self.make_group("Settings Coalition")
        c = g.coord
        start = c.get(f"{API}/groups/current").json
        self.assertEqual((start["name"], start["language"]), ("Settings Coalition", "en"))
        expected = dict(start)
        for sent in ({"name": "Settings Coalition of Valle"}, {"timezone": "America/Denver"}, {"language": "es"},
                     {"language": "EN"}, {"name": "Coalición de Valle", "language": "es", "timezone": "America/Chicago"}):
            with self.subTest(sent=sent):
                expected.update({k: v.lower() if k == "language" else v for k, v in sent.items()})
                res = c.patch(f"{API}/groups/current", sent)
                self.assertStatus(res, 200)
                self.assertEqual(res.json, expected)
                self.assertEqual(c.get(f"{API}/groups/current").json, expected)
                self.assertEqual(g.viewer.get(f"{API}/groups/current").json, expected)
        # the slug, the country and the reminder rules are not touched
        self.assertEqual((expected["slug"], expected["country"], expected["reminders"]),
                         (start["slug"], start["country"], start["reminders"]))
        # the group's zone is where new bodies start; its language where new volunteers do
        self.assertEqual(self.body(c, name="New body")["timezone"], "America/Chicago")
        v = self.volunteer(c)
        self.assertEqual((v["language"], v["timezone"]), ("es", "America/Chicago"))
        before = self.d.snapshot()
        self.assertEqual(c.patch(f"{API}/groups/current", {}).json, expected)
        self.assertEqual(c.patch(f"{API}/groups/current", {"language": "es"}).json, expected)
        self.assertEqual(self.d.snapshot(), before, "a change to nothing writes nothing")

    def test_bad_group_settings_are_422_naming_the_field_and_change_nothing(self):
        g = self.make_group("Strict Coalition")
        start = g.coord.get(f"{API}/groups/current").json
        cases = [
            ({"name": ""}, "name"), ({"name": None}, "name"), ({"name": "n" * 201}, "name"),
            ({"name": "a\r\nb"}, "name"), ({"name": ["x"]}, "name"),
            ({"timezone": "Mars/Olympus_Mons"}, "timezone"), ({"timezone": None}, "timezone"),
            ({"language": "fr"}, "language"), ({"language": "es-MX"}, "language"), ({"language": ""}, "language"),
            ({"language": "e"}, "language"), ({"language": 1}, "language"),
            ({"slug": "taken-over"}, "slug"), ({"country": "MX"}, "country"), ({"reminders": []}, "reminders"),
            ({"name": "Good name", "timezone": "Nowhere/Special"}, "timezone"),
        ]
        before = self.d.snapshot()
        for sent, field in cases:
            with self.subTest(sent=sent):
                self.assertError(g.coord.patch(f"{API}/groups/current", sent), 422, "invalid", field)
        self.assertError(g.coord.request("PATCH", f"{API}/groups/current", raw=b"nope"), 400, "malformed")
        self.assertEqual(self.d.snapshot(), before)
        self.assertEqual(g.coord.get(f"{API}/groups/current").json, start)

    def test_viewers_and_admins_may_not_change_the_group_and_each_group_changes_only_itself(self):
        g = self.make_group("Guarded Coalition")
        before = self.d.snapshot()
        self.assertError(g.viewer.patch(f"{API}/groups/current", {"name": "Viewer was here"}), 403, "forbidden")
        self.assertError(self.admin.patch(f"{API}/groups/current", {"name": "Admin was here"}), 403, "forbidden")
        self.assertError(self.d.client().patch(f"{API}/groups/current", {"name": "Anyone"}), 401, "unauthorized")
        self.assertEqual(self.d.snapshot(), before)
        other_before = self.other.coord.get(f"{API}/groups/current").json
        self.assertStatus(g.coord.patch(f"{API}/groups/current", {"name": "Guarded Coalition II", "language": "es"}), 200)
        self.assertEqual(self.other.coord.get(f"{API}/groups/current").json, other_before)

    def test_a_group_change_is_audited_with_the_names_of_the_fields_it_changed(self):
        g = self.make_group("Audited Coalition")
        after = self.last_audit_id(g.coord)
        g.coord.patch(f"{API}/groups/current", {"name": "Audited Coalition (renamed)", "timezone": "America/Denver"})
        g.coord.patch(f"{API}/groups/current", {"timezone": "America/Denver", "language": "es"})
        entries = self.audit_since(g.coord, after)
        self.assertEqual([(e["action"], e["entity"], e["actor"]["id"], e["detail"]) for e in entries],
                         [("group.updated", {"kind": "group", "id": g.id}, g.coord_id, {"changed": ["name", "timezone"]}),
                          ("group.updated", {"kind": "group", "id": g.id}, g.coord_id, {"changed": ["language"]})])
        self.assertNotIn("renamed", json.dumps(entries))


# =============================================================================
# 8. Durability
# =============================================================================

class Durability(unittest.TestCase):
    def test_kill_9_during_a_burst_of_sign_ups_loses_no_acknowledged_write(self):
        _started_classes.add(type(self).__name__)
        # a viral text brings sign-ups from many addresses; here they share one
        d = Daemon(extra_config="public_signups_per_minute = 0")
        self.addCleanup(d.cleanup)
        d.start()
        d.create_group("Burst", "burst")
        email = new_email("coord")
        _, token = d.user_with_token(email, "coordinator", "burst", new_password())
        coord = d.client(token)
        b = coord.post(f"{API}/bodies", {"name": "Burst body"}).json
        m = coord.post(f"{API}/meetings", {"body_id": b["id"], "title": "Packed hearing",
                                           "starts_at": when(days=5)}).json
        s = coord.post(f"{API}/meetings/{m['id']}/slots", {"role": "turnout", "capacity": 10000}).json
        link = token_of(m["signup_url"])
        note_secret(link)
        port = d.port
        acked_signups, acked_volunteers, unanswered = [], [], []
        stop = threading.Event()
        lock = threading.Lock()

        def worker(kind):
            while not stop.is_set():
                phone = new_phone()
                try:
                    if kind == "signup":
                        res = daemon.Client(port).post(f"{API}/public/signup/{link}",
                                                       {"slot_id": s["id"], "name": "Burst signer", "phone": phone})
                    else:
                        res = daemon.Client(port, token).post(f"{API}/volunteers",
                                                              {"name": "Burst volunteer", "phone": phone})
                except (OSError, http.client.HTTPException):
                    unanswered.append(phone)
                    return  # the daemon is gone
                if res.status == 201:
                    with lock:
                        if kind == "signup":
                            acked_signups.append((res.json["assignment"]["id"], phone))
                        else:
                            acked_volunteers.append((res.json["id"], phone))

        threads = [threading.Thread(target=worker, args=("signup" if i % 4 else "volunteer",)) for i in range(16)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 20
        while len(acked_signups) + len(acked_volunteers) < 200 and time.monotonic() < deadline:
            time.sleep(0.005)
        d.kill()  # mid-burst: the workers are still sending
        stop.set()
        for t in threads:
            t.join(30)
        self.assertTrue(unanswered, "the kill did not land in the middle of the burst")
        self.assertGreater(len(acked_signups), 50)
        self.assertGreater(len(acked_volunteers), 10)

        d.start()  # restart on the same file
        try:
            self.assertEqual(d.integrity(), "ok")
            rows = dict(((a, p) for a, p in d.sql(
                "SELECT a.id, v.phone FROM assignment a JOIN volunteer v ON v.id = a.volunteer_id "
                "WHERE a.slot_id = ?", s["id"])))
            lost = [(a, p) for a, p in acked_signups if rows.get(a) != p]
            self.assertEqual(lost, [], f"{len(lost)} of {len(acked_signups)} acknowledged sign-ups are missing")
            volunteers = dict(d.sql("SELECT id, phone FROM volunteer"))
            lost = [(v, p) for v, p in acked_volunteers if volunteers.get(v) != p]
            self.assertEqual(lost, [], f"{len(lost)} of {len(acked_volunteers)} acknowledged volunteers are missing")
            # and the daemon serves them after the restart
            a_id = acked_signups[-1][0]
            self.assertEqual(daemon.Client(d.port, token).get(f"{API}/assignments/{a_id}").status, 200)
        finally:
            code, took = d.stop()
        self.assertEqual(code, 0)
        self.assertEqual(d.integrity(), "ok")


# =============================================================================
# 9, 10, 12. The server: deadlines, stopping, health, metrics, OpenAPI
# =============================================================================

class Server(DaemonTest):
    daemon_options = {"read_timeout_seconds": 2}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.g = cls.make_group()

    def test_a_client_that_stalls_halfway_through_its_headers_is_cut_off_at_the_read_deadline(self):
        stalled = []
        for partial in (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n", b"GET /heal", b"",
                        b"POST /api/v1/volunteers HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"name\":"):
            s = daemon.raw_socket(self.d.port)
            if partial:
                s.sendall(partial)
            stalled.append((s, time.monotonic()))
        # others keep being served meanwhile
        for _ in range(5):
            t = time.monotonic()
            self.assertStatus(self.d.client().get("/healthz"), 200)
            self.assertLess(time.monotonic() - t, 1.0)
        for s, since in stalled:
            data, _ = daemon.read_until_closed(s, 10)
            waited = time.monotonic() - since
            s.close()
            self.assertGreaterEqual(waited, 1.5, "cut off before the deadline")
            self.assertLess(waited, 5.0, "not cut off at the deadline")
            self.assertNotIn(b"200 OK", data)

    def test_a_client_that_trickles_its_headers_is_cut_off_at_the_deadline(self):
        s = daemon.raw_socket(self.d.port)
        start = time.monotonic()
        request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100
        closed_after = None
        try:
            for byte in request:
                s.sendall(bytes([byte]))
                time.sleep(0.25)
                if time.monotonic() - start > 8:
                    break
        except (BrokenPipeError, ConnectionResetError):
            closed_after = time.monotonic() - start
        if closed_after is None:
            data, _ = daemon.read_until_closed(s, 5)
            closed_after = time.monotonic() - start
        s.close()
        self.assertLess(closed_after, 5.0, "a trickling client kept its connection past the deadline")
        self.assertStatus(self.d.client().get("/healthz"), 200)

    def test_keep_alive_answers_several_requests_on_one_connection(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.d.port, timeout=10)
        for path in ("/healthz", f"{API}/volunteers", "/healthz"):
            conn.request("GET", path, headers={"Authorization": "Bearer " + self.g.coord_token})
            res = conn.getresponse()
            res.read()
            self.assertEqual(res.status, 200)
        sock = conn.sock
        self.assertIsNotNone(sock, "the server closed a keep-alive connection")
        conn.close()

    def test_pipelined_requests_on_one_connection_are_answered_in_order(self):
        s = daemon.raw_socket(self.d.port)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"GET /api/v1/volunteers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data, _ = daemon.read_until_closed(s, 10)
        s.close()
        self.assertEqual(re.findall(rb"HTTP/1\.1 (\d{3})", data), [b"200", b"404", b"401"])

    def test_connections_past_the_cap_are_closed_at_once_and_the_daemon_recovers(self):
        d = Daemon(extra_config="max_connections = 4")
        self.addCleanup(d.cleanup)
        d.start()
        held = [daemon.raw_socket(d.port) for _ in range(4)]
        held[0].sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertIn(b"200 OK", held[0].recv(4096))  # the held connections are being served
        extra = daemon.raw_socket(d.port)
        try:
            extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        data, waited = daemon.read_until_closed(extra, 5)
        extra.close()
        self.assertEqual(data, b"")
        self.assertLess(waited, 1.0)
        for s in held:
            s.close()
        deadline = time.monotonic() + 5
        while True:
            try:
                if d.client(timeout=2).get("/healthz").status == 200:
                    break
            except OSError:
                pass
            self.assertLess(time.monotonic(), deadline, "the daemon did not recover")
            time.sleep(0.05)
        code, took = d.stop()
        self.assertEqual(code, 0)

    def test_healthz_answers_200_without_a_token(self):
        res = self.d.client().get("/healthz")
        self.assertStatus(res, 200)
        self.assertEqual(res.json["status"], "ok")

    def test_metrics_are_prometheus_text_with_request_counts_and_no_personal_data(self):
        c = self.g.coord
        v = self.volunteer(c, name="Metric Person", email=new_email())
        c.get(f"{API}/volunteers/{v['id']}")
        c.get(query(f"{API}/volunteers", q=v["phone"]))
        res = self.d.client().get("/metrics")
        self.assertStatus(res, 200)
        self.assertTrue(res.header("Content-Type", "").startswith("text/plain"), res.headers)
        text = res.body.decode()
        self.assertIn("# TYPE turnout_http_requests_total counter", text)
        self.assertRegex(text, r'turnout_http_requests_total\{[^}]*route="/api/v1/volunteers/\{id\}"[^}]*\} \d+')
        self.assertRegex(text, r'turnout_http_requests_total\{[^}]*status="201"[^}]*\} \d+')
        self.assertIn("turnout_http_request_duration_seconds", text)
        sample = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? '
                            r'([-+]?[0-9.]+([eE][-+]?[0-9]+)?|[-+]?Inf|NaN)$')
        for line in text.splitlines():
            if line and not line.startswith("#"):
                self.assertRegex(line, sample)
        for secret in (v["phone"], v["phone"][2:], v["email"], "Metric Person", self.g.coord_token,
                       self.g.coord_email, f"/volunteers/{v['id']}"):
            self.assertNotIn(secret, text)

    def test_the_openapi_document_is_json_with_its_version(self):
        res = self.d.client().get(f"{API}/openapi.json")
        self.assertStatus(res, 200)
        self.assertTrue(res.header("Content-Type", "").startswith("application/json"))
        self.assertRegex(res.json["openapi"], r"^3\.1\.")
        self.assertIn("paths", res.json)

    def test_the_openapi_document_describes_every_route(self):
        paths = self.d.client().get(f"{API}/openapi.json").json.get("paths", {})
        routes = {(m.lower(), p) for m, p, _ in ROUTES}
        documented = {(m.lower(), p) for p, ops in paths.items() for m in ops
                      if m.lower() in ("get", "post", "put", "patch", "delete")}
        self.assertEqual(sorted(routes - documented), [], "routes the OpenAPI document leaves out")
        self.assertEqual(sorted(documented - routes), [], "documented routes this suite does not know")

    def test_sigterm_stops_the_daemon_with_exit_0_within_a_few_seconds(self):
        d = Daemon()
        self.addCleanup(d.cleanup)
        d.start()
        d.create_group("Stop", "stop")
        email = new_email("coord")
        _, token = d.user_with_token(email, "coordinator", "stop", new_password())
        # an idle keep-alive connection and a half-sent request stay open
        idle = daemon.raw_socket(d.port)
        idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        idle.recv(4096)
        half = daemon.raw_socket(d.port)
        half.sendall(b"GET /healthz HTTP/1.1\r\n")
        # and writes are in flight
        acked = []
        stop = threading.Event()

        def writer():
            client = daemon.Client(d.port, token)
            while not stop.is_set():
                phone = new_phone()
                try:
                    res = client.post(f"{API}/volunteers", {"name": "Stopping", "phone": phone})
                except (OSError, http.client.HTTPException):
                    return
                if res.status == 201:
                    acked.append(res.json["id"])
                elif res.status >= 500:
                    return

        threads = [threading.Thread(target=writer) for _ in range(4)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 20
        while len(acked) < 20 and time.monotonic() < deadline:
            time.sleep(0.005)
        self.assertGreaterEqual(len(acked), 20, "no writes went through before the stop")
        code, took = d.stop(timeout=10)
        stop.set()
        for t in threads:
            t.join(10)
        idle.close()
        half.close()
        self.assertEqual(code, 0)
        self.assertLess(took, 5.0)
        self.assertEqual(d.integrity(), "ok")
        stored = {r[0] for r in d.sql("SELECT id FROM volunteer")}
        self.assertEqual([i for i in acked if i not in stored], [])


# =============================================================================
# 11. The logs, after everything above
# =============================================================================

class Digests(DaemonTest):
    """POST /digests/run with a digest plugin loaded (the listener fixture
    counts its runs per group; the email plugin's own test checks the mail)."""

    daemon_options = {"plugins": [os.path.join(os.environ.get("TURNOUT_PLUGIN_FIXTURES", "."), "listener.so")]}

    def runs(self, g):
        res = g.viewer.get("/plugins/listener/digests")
        self.assertStatus(res, 200, "the fixture's count")
        return int(res.body)

    def test_a_coordinator_runs_the_groups_digests_now_and_only_that_groups(self):
        a, b = self.make_group("Group A"), self.make_group("Group B")
        self.assertEqual((self.runs(a), self.runs(b)), (0, 0))
        res = a.coord.post(f"{API}/digests/run")
        self.assertStatus(res, 202, "POST /digests/run")
        self.assertEqual(res.json["plugins"], ["listener"])
        deadline = time.monotonic() + 10
        while self.runs(a) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual((self.runs(a), self.runs(b)), (1, 0))
        self.assertStatus(a.viewer.post(f"{API}/digests/run"), 403, "a viewer may not")
        audit = a.coord.get(f"{API}/audit")
        self.assertIn("digests.run", [e["action"] for e in audit.json["items"]])


class AfterTheWholeSuite(unittest.TestCase):
    """Runs last (see load_tests): reads what the whole suite left behind."""

    def full_suite(self):
        wanted = {c.__name__ for c in SUITE_ORDER if c is not AfterTheWholeSuite}
        if not wanted <= _started_classes:
            self.skipTest("only meaningful after the whole suite has run")

    def test_no_log_holds_a_phone_email_token_or_password_of_the_test_data(self):
        self.full_suite()
        logs = "\n".join(daemon.LOGS)
        self.assertIn("serving on", logs)
        self.assertRegex(logs, r"(GET|POST) /api/v1/\S+ \d{3}", "no access log was written at all")
        self.assertGreater(len(daemon.SECRETS), 100)
        leaked = sorted(s for s in daemon.SECRETS if s in logs)
        self.assertEqual(leaked, [], "personal data or secrets in the log")
        for pattern in (r"\b(tk|ss|su|cs|fd|mg|gf)_[A-Za-z0-9_-]{16,}", r"\+1\d{10}", r"[\w.+-]+@example\.org",
                        r"Bearer \S+", r"\?\S*="):
            self.assertIsNone(re.search(pattern, logs), f"the log holds {pattern}")

    def test_the_suite_called_every_route_with_success(self):
        self.full_suite()
        missing = []
        for method, pattern, _ in ROUTES:
            rx = pattern_regex(pattern)
            if not any(m == method and rx.match(p) and 200 <= st < 300 for m, p, st in daemon.SEEN):
                missing.append(f"{method} {pattern}")
        self.assertEqual(missing, [])


def start_with_plugin(cls, name, config=""):
    """Starts the class's daemon with one bundled plugin (build/plugins/NAME.so);
    DIR in `config` is the daemon's own folder."""
    _started_classes.add(cls.__name__)
    cls.d = Daemon(extra_config=config)
    with open(cls.d.config) as f:
        text = f.read().replace('"DIR/', f'"{cls.d.dir}/')
    with open(cls.d.config, "w") as f:
        f.write(text)
    plugin = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(daemon.TURNOUTD))), "plugins", f"{name}.so")
    os.makedirs(os.path.join(cls.d.dir, "plugins"), exist_ok=True)
    shutil.copy(plugin, os.path.join(cls.d.dir, "plugins", f"{name}.so"))
    cls.d.start()
    cls._slugs = itertools.count(1)


class CalendarFeeds(DaemonTest):
    """The /feeds/... routes with the bundled ical plugin; test_feeds.py
    checks what they serve in depth."""

    @classmethod
    def setUpClass(cls):
        start_with_plugin(cls, "ical")
        cls.g = cls.make_group()

    def test_each_feed_answers_a_calendar_to_a_client_without_credentials(self):
        b = self.body(self.g.coord)
        self.assertFalse(b["feed_public"])
        self.assertIsNone(b["feed"])
        res = self.g.coord.patch(f"{API}/bodies/{b['id']}", {"feed_public": True})
        self.assertStatus(res, 200)
        self.assertEqual({**res.json, "feed": None}, {**b, "feed_public": True})
        self.assertEqual(urllib.parse.urlparse(res.json["feed"]["url"]).path, f"/feeds/bodies/{b['id']}.ics")
        m = self.meeting(self.g.coord, b["id"])
        v = self.volunteer(self.g.coord)
        self.assign(self.g.coord, self.slot(self.g.coord, m["id"])["id"], v["id"])
        vurl = self.g.coord.post(f"{API}/volunteers/{v['id']}/feed-token").json["url"]
        gurl = self.g.coord.post(f"{API}/groups/current/feed-token").json["url"]
        note_secret(token_of(vurl), token_of(gurl))
        anon = self.d.client()
        for path in (urllib.parse.urlparse(vurl).path, urllib.parse.urlparse(gurl).path, f"/feeds/bodies/{b['id']}.ics"):
            res = anon.get(path)
            self.assertStatus(res, 200, path)
            self.assertEqual(res.header("Content-Type"), "text/calendar; charset=utf-8")
            self.assertTrue(res.body.startswith(b"BEGIN:VCALENDAR\r\n"))


class MessageTemplates(DaemonTest):
    """/message-templates with the bundled sms plugin; test_delivery.py
    checks the wording is used and every refusal."""

    @classmethod
    def setUpClass(cls):
        start_with_plugin(cls, "sms", '[plugin.sms]\ntransport = "file"\ndir = "DIR/sms"\n')
        cls.a = cls.make_group()
        cls.b = cls.make_group("Other Coalition")

    def mine(self, client, key):
        res = client.get(f"{API}/message-templates")
        self.assertStatus(res, 200)
        return {(e["channel"], e["kind"], e["language"]): e for e in res.json["items"]}[key]

    def test_a_group_words_a_message_for_itself_alone_and_goes_back(self):
        path = f"{API}/message-templates/sms/reminder/es"
        key = ("sms", "reminder", "es")
        res = self.a.coord.put(path, {"body": "{{group}}: {{name}}, nos vemos {{when}} en {{where}}."})
        self.assertStatus(res, 200)
        self.assertEqual(res.json["body"], "{{group}}: {{name}}, nos vemos {{when}} en {{where}}.")
        self.assertEqual(self.mine(self.a.viewer, key), res.json)
        # The other group still has the plugin's wording, and cannot remove A's.
        self.assertIsNone(self.mine(self.b.coord, key)["body"])
        self.assertStatus(self.b.coord.delete(path), 204)
        self.assertEqual(self.mine(self.a.coord, key)["body"], res.json["body"])
        self.assertStatus(self.a.coord.delete(path), 204)
        self.assertIsNone(self.mine(self.a.coord, key)["body"])


SUITE_ORDER = [Resources, Isolation, Roles, Sessions, BadInput, Capacity, PublicSignup, VolunteerPages, SignupLinkAndQr,
               SlotOrder, CsvOverTheApi, Edits, Durability, Server, Digests, CalendarFeeds, MessageTemplates,
               AfterTheWholeSuite]


def load_tests(loader, tests, pattern):
    suite = unittest.TestSuite()
    for case in SUITE_ORDER:
        suite.addTests(loader.loadTestsFromTestCase(case))
    return suite


if __name__ == "__main__":
    unittest.main()
