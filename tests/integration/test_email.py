"""The email plugin with the real daemon and a real SMTP server.

The daemon loads build/plugins/email.so and sends through libcurl to an
aiosmtpd server on loopback (tests/tools/smtp_sink.py, Debian's
python3-aiosmtpd), which keeps every message as an .eml file. The tests read
them with Python's standard MIME parser: structure, headers, language, the
one-click unsubscribe, idempotency across runs and restarts, and that no
CR or LF from the data reaches a header.

Run by ctest with TURNOUTD, TURNOUT_BUILD_DIR and TURNOUT_SOURCE_DIR.
"""

import datetime
import email
import email.policy
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

import daemon
from daemon import Daemon, note_secret

BUILD_DIR = os.environ["TURNOUT_BUILD_DIR"]
SOURCE_DIR = os.environ["TURNOUT_SOURCE_DIR"]
EMAIL_SO = os.path.join(BUILD_DIR, "plugins", "email.so")
ICAL_SO = os.path.join(BUILD_DIR, "plugins", "ical.so")  # makes the .ics a confirmation carries
SINK = os.path.join(SOURCE_DIR, "tests", "tools", "smtp_sink.py")
API = "/api/v1"
PUBLIC_URL = "https://turnout.example.org"


class SmtpSink:
    """aiosmtpd on a free loopback port, keeping mail in a folder."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="turnout-smtp-")
        self.maildir = os.path.join(self.tmp.name, "mail")
        port_file = os.path.join(self.tmp.name, "port")
        self.proc = subprocess.Popen([sys.executable, SINK, "--port-file", port_file, "--maildir", self.maildir],
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the SMTP sink did not start: " + self.proc.stderr.read().decode())
            time.sleep(0.05)
        with open(port_file) as f:
            self.port = int(f.read())

    def messages(self):
        """[(envelope, parsed message, raw bytes)] in arrival order."""
        out = []
        for path in sorted(glob.glob(os.path.join(self.maildir, "*.eml"))):
            with open(path, "rb") as f:
                raw = f.read()
            with open(path[:-4] + ".json") as f:
                envelope = json.load(f)
            out.append((envelope, email.message_from_bytes(raw, policy=email.policy.default), raw))
        return out

    def wait_for(self, count, timeout=20):
        deadline = time.monotonic() + timeout
        while len(self.messages()) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.messages()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)
        self.tmp.cleanup()


def iso(dt):
    return dt.isoformat(timespec="seconds")


class Email(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = SmtpSink()
        cls.d = Daemon(prefix="turnout-email-", plugins=[EMAIL_SO, ICAL_SO], extra_config=(
            f'public_url = "{PUBLIC_URL}"\n'
            "[plugin.email]\n"
            'transport = "smtp"\n'
            f'url = "smtp://127.0.0.1:{cls.sink.port}"\n'
            'from = "Valle Verde <turnout@example.org>"\n'))
        cls.d.start()
        cls.g = cls.make_world()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        cls.d.cleanup()
        cls.sink.stop()

    @classmethod
    def make_world(cls):
        d = cls.d
        group_id = d.create_group("Coalición Valle Verde", "valle", "America/Los_Angeles")
        d.create_user("rosa.coord@example.org", "coordinator", "valle", "pw-rosa-12345")
        coord = d.client(d.create_token("rosa.coord@example.org"))
        now = datetime.datetime.now(datetime.timezone.utc)
        body = coord.post(f"{API}/bodies", {"name": "Board of Supervisors", "kind": "county_board",
                                            "timezone": "America/Los_Angeles",
                                            "public_comment": {"minutes_per_speaker": 2}}).json
        meeting = coord.post(f"{API}/meetings", {
            "body_id": body["id"], "title": "Sheriff & ICE <cooperation>",
            "starts_at": iso(now + datetime.timedelta(days=3)),
            "ends_at": iso(now + datetime.timedelta(days=3, hours=3)),
            "location": "1 Civic Plaza", "status": "confirmed"}).json
        item = coord.post(f"{API}/meetings/{meeting['id']}/agenda-items",
                          {"number": "PH-2", "title": "Sheriff contract", "stance": "oppose"}).json
        speak = coord.post(f"{API}/meetings/{meeting['id']}/slots",
                           {"role": "speaker", "minutes": 2, "capacity": 3, "order": 1,
                            "agenda_item_id": item["id"]}).json
        coord.post(f"{API}/meetings/{meeting['id']}/slots", {"role": "turnout", "capacity": 30, "order": 9})

        def volunteer(name, language, address, opt_in, tags=()):
            body = {"name": name, "language": language, "email_opt_in": opt_in, "tags": list(tags)}
            if address:
                body["email"] = address
                note_secret(address)
            res = coord.post(f"{API}/volunteers", body)
            assert res.status == 201, res
            return res.json

        ana = volunteer("Ana María Ñúñez", "es", "ana@example.net", True, ["speaker"])
        ben = volunteer('Ben "Benny" O\'Neil', "en", "ben@example.net", True)
        volunteer("Cara", "en", "cara@example.net", False)  # did not agree to email
        volunteer("Dan", "en", None, False)                 # no address
        res = coord.post(f"{API}/slots/{speak['id']}/assignments", {"volunteer_id": ana["id"]})
        assert res.status == 201, res
        return type("G", (), {"id": group_id, "coord": coord, "ana": ana, "ben": ben, "meeting": meeting})

    def by_recipient(self, messages):
        return {env["rcpt_tos"][0]: (msg, raw) for env, msg, raw in messages}

    def test_1_a_digest_run_mails_each_person_once_in_their_language_with_every_header(self):
        res = self.g.coord.post(f"{API}/digests/run")
        self.assertEqual(res.status, 202, res)
        self.assertEqual(res.json["plugins"], ["email"])
        got = self.sink.wait_for(3)
        time.sleep(1.0)  # anything more would arrive now
        got = self.sink.messages()
        mail = self.by_recipient(got)
        self.assertEqual(sorted(mail), ["ana@example.net", "ben@example.net", "rosa.coord@example.org"])
        self.assertEqual(len(got), 3)

        ana, raw = mail["ana@example.net"]
        for name in ("Date", "Message-ID", "From", "To", "Subject", "List-Id", "List-Unsubscribe",
                     "List-Unsubscribe-Post", "MIME-Version"):
            self.assertIsNotNone(ana[name], name)
        self.assertEqual(ana["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        unsubscribe = ana["List-Unsubscribe"]
        self.assertIn(f"<{PUBLIC_URL}/plugins/email/unsubscribe?t=", unsubscribe)
        self.assertIn("<mailto:turnout@example.org?subject=unsubscribe>", unsubscribe)
        self.assertEqual(ana["To"].addresses[0].display_name, "Ana María Ñúñez")
        self.assertEqual(ana["From"].addresses[0].addr_spec, "turnout@example.org")
        self.assertIn("tus reuniones", ana["Subject"])
        self.assertEqual(ana.get_content_type(), "multipart/alternative")
        parts = {p.get_content_type(): p for p in ana.iter_parts()}
        self.assertEqual(sorted(parts), ["text/html", "text/plain"])
        text, html = parts["text/plain"].get_content(), parts["text/html"].get_content()
        self.assertIn("Hola Ana María Ñúñez", text)
        self.assertIn("PH-2 Sheriff contract", text)
        self.assertIn("Sheriff & ICE <cooperation>", text)
        self.assertIn("Sheriff &amp; ICE &lt;cooperation&gt;", html)
        self.assertIn('<html lang="es">', html)
        self.assertNotIn("<script", html)
        self.assertNotIn("<img", html)
        # Bytes on the wire: CRLF only; no line over 998 octets (RFC 5322's
        # MUST), none over 78 but a header holding an unbreakable link.
        for line in raw.split(b"\r\n"):
            self.assertNotIn(b"\n", line)
            self.assertNotIn(b"\r", line)
            self.assertLessEqual(len(line), 998)
            if b"<https://" not in line:
                self.assertLessEqual(len(line), 78, line[:80])

        ben, _ = mail["ben@example.net"]
        self.assertIn("your meetings", ben["Subject"])
        self.assertEqual(ben["To"].addresses[0].display_name, 'Ben "Benny" O\'Neil')
        rosa, _ = mail["rosa.coord@example.org"]
        self.assertIn("unfilled", rosa["Subject"])

        # Again, and after a restart: this week's digests are out already.
        self.assertEqual(self.g.coord.post(f"{API}/digests/run").status, 202)
        self.d.stop()
        self.d.start()
        self.g.coord.port = self.d.port  # a restart listens on a new port
        self.assertEqual(self.g.coord.post(f"{API}/digests/run").status, 202)
        time.sleep(2.0)
        self.assertEqual(len(self.sink.messages()), 3)
        sent = self.d.sql("SELECT count(*) FROM outbox_message WHERE channel = 'email' AND status IN ('sent', 'delivered')")
        self.assertEqual(sent[0][0], 3)

    def test_2_unsubscribe_asks_on_get_and_acts_on_post_and_forgeries_get_nothing(self):
        mail = self.by_recipient(self.sink.wait_for(3))
        url = mail["ana@example.net"][0]["List-Unsubscribe"].split(",")[0].strip()[1:-1]
        anon, target, page = self.open_signed_page(url)
        self.assertIn(b'lang="es"', page.body)
        self.assertTrue(self.volunteer(self.g.ana["id"])["email_opt_in"], "a GET must change nothing")

        token = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["t"][0]
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        for bad in (forged, "", "x.y", token.split(".")[0]):
            res = anon.request("POST", "/plugins/email/unsubscribe?t=" + urllib.parse.quote(bad),
                               raw="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
            self.assertEqual(res.status, 404, bad)
        self.assertTrue(self.volunteer(self.g.ana["id"])["email_opt_in"])

        res = anon.request("POST", target, raw="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
        self.assertEqual(res.status, 200, res)
        self.assertFalse(self.volunteer(self.g.ana["id"])["email_opt_in"])
        audit = self.g.coord.get(f"{API}/audit").json["items"]
        self.assertIn("volunteer.unsubscribed", [e["action"] for e in audit])
        # Once more: still fine, nothing new.
        self.assertEqual(anon.request("POST", target, raw="List-Unsubscribe=One-Click",
                                      content_type="application/x-www-form-urlencoded").status, 200)

    def test_3_the_calendar_link_in_a_digest_asks_first_and_then_gives_a_working_feed(self):
        mail = self.by_recipient(self.sink.wait_for(3))
        text = [p for p in mail["ben@example.net"][0].iter_parts() if p.get_content_type() == "text/plain"][0].get_content()
        url = [w for w in text.split() if "/plugins/email/calendar?t=" in w][0]
        anon, target, page = self.open_signed_page(url)
        res = anon.request("POST", target, raw="confirm=1", content_type="application/x-www-form-urlencoded")
        self.assertEqual(res.status, 200, res)
        links = [l for l in res.body.decode().split('"') if "/feeds/volunteers/" in l]
        self.assertTrue(any(l.startswith("webcal://") for l in links), res)
        feed = [l for l in links if l.startswith(PUBLIC_URL)][0]
        note_secret(feed)
        # The ical plugin is not loaded here: the feed route answers, and the
        # token is the one the API knows (a second link replaces it).
        self.assertEqual(anon.post("/plugins/email/calendar?t=forged.x").status, 404)
        self.assertNotIn("@", urllib.parse.unquote(feed))

    def wait_for_subject(self, before, start, timeout=20):
        """Mail that arrived after the first `before`, whose subject starts so."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [(env, msg) for env, msg, _ in self.sink.messages()[before:] if msg["Subject"].startswith(start)]
            if found:
                return found
            time.sleep(0.2)
        self.fail(f"no mail with a subject starting {start!r} arrived")

    def test_4_a_confirmed_place_gets_a_notice_with_its_event_to_add(self):
        # Ana unsubscribed in test 2; Ben takes a place and still wants email.
        slots = self.g.coord.get(f"{API}/meetings/{self.g.meeting['id']}/slots").json["items"]
        turnout = [s for s in slots if s["role"] == "turnout"][0]
        res = self.g.coord.post(f"{API}/slots/{turnout['id']}/assignments", {"volunteer_id": self.g.ben["id"]})
        self.assertEqual(res.status, 201, res)
        assignment = res.json
        before = len(self.sink.messages())
        res = self.g.coord.patch(f"{API}/assignments/{assignment['id']}", {"status": "confirmed"})
        self.assertEqual(res.status, 200, res)
        (env, msg), = self.wait_for_subject(before, "Confirmed: Board of Supervisors")
        self.assertEqual(env["rcpt_tos"], ["ben@example.net"])
        self.assertEqual(msg.get_content_type(), "multipart/mixed")
        attachments = [p for p in msg.iter_attachments()]
        self.assertEqual([a.get_filename() for a in attachments], ["meeting.ics"])
        ics = attachments[0].get_content()
        if isinstance(ics, bytes):
            ics = ics.decode()
        import icalendar  # Debian's python3-icalendar
        cal = icalendar.Calendar.from_ical(ics)
        events = [c for c in cal.walk("VEVENT")]
        self.assertEqual([str(e["UID"]) for e in events], [f"assignment-{assignment['id']}@turnout.example.org"])
        self.assertIn("Sheriff & ICE <cooperation>", str(events[0]["SUMMARY"]))
        # Once per place, however many times the event is heard.
        time.sleep(1.0)
        self.assertEqual(len([m for _, m, _ in self.sink.messages() if m["Subject"].startswith("Confirmed:")]), 1)

    def test_5_a_cancelled_meeting_is_told_by_email_to_whoever_wants_email(self):
        before = len(self.sink.messages())
        res = self.g.coord.patch(f"{API}/meetings/{self.g.meeting['id']}", {"status": "cancelled"})
        self.assertEqual(res.status, 200, res)
        notices = self.wait_for_subject(before, "Cancelled: ")
        env, msg = notices[0]
        self.assertEqual([env["rcpt_tos"] for env, _ in notices], [["ben@example.net"]])  # not Ana: she left
        self.assertTrue(msg["Subject"].startswith("Cancelled: Board of Supervisors"), msg["Subject"])
        self.assertEqual(msg["To"].addresses[0].addr_spec, "ben@example.net")
        self.assertEqual(msg["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        text = [p for p in msg.iter_parts() if p.get_content_type() == "text/plain"][0].get_content()
        self.assertIn("is cancelled", text)

    def test_6_no_line_break_reaches_a_header(self):
        for name in ("Eve\r\nBcc: victim@example.com", "Eve\nBcc: victim@example.com"):
            res = self.g.coord.post(f"{API}/volunteers", {"name": name, "email": "eve@example.net",
                                                          "email_opt_in": True})
            self.assertIn(res.status, (400, 422), res)
        res = self.g.coord.post(f"{API}/volunteers", {"name": "Eve", "email": "eve@example.net\r\nBcc: x@example.com",
                                                      "email_opt_in": True})
        self.assertEqual(res.status, 422, res)
        for _, msg, raw in self.sink.messages():
            self.assertNotIn(b"victim", raw)
            self.assertIsNone(msg["Bcc"])

    def open_signed_page(self, url):
        """GETs a signed link from a mail as anyone would: a page with a
        form that POSTs back, and nothing done yet. (client, target, page)"""
        path = urllib.parse.urlsplit(url)
        target = path.path + "?" + path.query
        anon = self.d.client()
        page = anon.get(target)
        self.assertEqual(page.status, 200, page)
        self.assertIn(b'method="post"', page.body)
        self.assertIn("no-referrer", page.header("Referrer-Policy"))
        return anon, target, page

    def volunteer(self, vid):
        res = self.g.coord.get(f"{API}/volunteers/{vid}")
        self.assertEqual(res.status, 200, res)
        return res.json


if __name__ == "__main__":
    unittest.main()
