"""Delivery with the real daemon: the outbox, the planner, the dispatcher
and the sms plugin's file transport, with the clock moved by the test
through TURNOUT_TEST_CLOCK_FILE (across quiet hours and a DST change).

Run by ctest from tests/integration with TURNOUTD and TURNOUT_BUILD_DIR:
    python3 -m unittest -v test_delivery
"""

import base64
import datetime
import glob
import hashlib
import hmac
import os
import re
import time
import unittest
import urllib.parse
from zoneinfo import ZoneInfo

import daemon
from daemon import Daemon, note_secret

API = "/api/v1"
BUILD_DIR = os.environ["TURNOUT_BUILD_DIR"]
SECRET = "kannel-inbound-secret-0123456789"
TWILIO_TOKEN = "twilio-auth-token-for-tests"
LA = ZoneInfo("America/Los_Angeles")


def t(text):
    """Unix seconds of an ISO time with offset."""
    return int(datetime.datetime.fromisoformat(text).timestamp())


def iso(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).isoformat().replace("+00:00", "Z")


def sms_daemon(prefix, extra=""):
    d = Daemon(prefix=prefix, extra_config=(
        "[plugin.sms]\n"
        'transport = "file"\n'
        f'dir = "SMSDIR"\n'
        f'inbound_secret = "{SECRET}"\n'
        f'password = "{TWILIO_TOKEN}"\n' + extra))
    d.sms_dir = os.path.join(d.dir, "sms")
    with open(d.config) as f:
        text = f.read().replace("SMSDIR", d.sms_dir)
    with open(d.config, "w") as f:
        f.write(text)
    os.makedirs(os.path.join(d.dir, "plugins"), exist_ok=True)
    os.symlink(os.path.join(BUILD_DIR, "plugins", "sms.so"), os.path.join(d.dir, "plugins", "sms.so"))
    d.clock_file = os.path.join(d.dir, "clock")
    return d


class Clocked:
    """A daemon whose clock the test sets."""

    @classmethod
    def set_clock(cls, seconds):
        with open(cls.d.clock_file + ".tmp", "w") as f:
            f.write(f"{seconds}\n")
        os.replace(cls.d.clock_file + ".tmp", cls.d.clock_file)

    @classmethod
    def start_daemon(cls, prefix):
        cls.d = sms_daemon(prefix)
        cls.set_clock(t("2026-03-05T12:00:00-08:00"))
        os.environ["TURNOUT_TEST_CLOCK_FILE"] = cls.d.clock_file
        try:
            cls.d.start()
        finally:
            del os.environ["TURNOUT_TEST_CLOCK_FILE"]
        slug = prefix.strip("-").replace("turnout-", "")
        cls.d.create_group("Valle Coalition", slug)
        cls.coord_email = f"coord-{slug}@example.org"
        _, cls.token = cls.d.user_with_token(cls.coord_email, "coordinator", slug, "a long enough password 1")
        cls.c = cls.d.client(cls.token)

    @classmethod
    def restart(cls):
        os.environ["TURNOUT_TEST_CLOCK_FILE"] = cls.d.clock_file
        try:
            cls.d.start()
        finally:
            del os.environ["TURNOUT_TEST_CLOCK_FILE"]
        cls.c = cls.d.client(cls.token)

    def outbox(self, **params):
        items, cursor = [], None
        while True:
            q = "".join(f"&{k}={v}" for k, v in params.items()) + (f"&cursor={cursor}" if cursor else "")
            res = self.c.get(f"{API}/outbox?limit=500" + q)
            self.assertEqual(res.status, 200, res)
            items += res.json["items"]
            cursor = res.json["next"]
            if not cursor:
                return items

    def wait_for(self, predicate, what, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.05)
        self.fail(f"timed out waiting for {what}; outbox: {self.outbox()}")

    def message(self, **match):
        def find():
            for m in self.outbox():
                if all(m.get(k) == v for k, v in match.items()):
                    return m
            return None
        return find

    def files(self):
        out = {}
        for path in glob.glob(os.path.join(self.d.sms_dir, "*.sms")):
            with open(path, encoding="utf-8") as f:
                out[os.path.basename(path)] = f.read()
        return out

    def created(self, res):
        self.assertEqual(res.status, 201, res)
        return res.json

    def volunteer(self, name, phone, language="en"):
        note_secret(phone)
        return self.created(self.c.post(f"{API}/volunteers", {
            "name": name, "phone": phone, "language": language, "timezone": "America/Los_Angeles",
            "sms_opt_in": True}))

    def meeting(self, starts, ends, title="Board of Supervisors", location="70 W Hedding St, San José"):
        body = self.created(self.c.post(f"{API}/bodies", {
            "name": "Valle County Board", "kind": "county_board", "timezone": "America/Los_Angeles"}))
        return self.created(self.c.post(f"{API}/meetings", {
            "body_id": body["id"], "title": title, "starts_at": starts, "ends_at": ends, "location": location,
            "status": "confirmed"}))

    def slot(self, meeting_id, capacity=5, role="speaker"):
        return self.created(self.c.post(f"{API}/meetings/{meeting_id}/slots",
                                        {"role": role, "capacity": capacity, "minutes": 2, "order": 3}))

    def assign(self, slot_id, volunteer_id):
        return self.created(self.c.post(f"{API}/slots/{slot_id}/assignments", {"volunteer_id": volunteer_id}))


class ReminderTests(Clocked, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.start_daemon("turnout-remind-")

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        cls.d.cleanup()

    def test_1_a_place_asks_for_confirmation_then_reminders_come_at_their_moments_outside_quiet_hours(self):
        v = self.volunteer("Rosa Díaz", "+14155552671", "es")
        # Tuesday 10 March 09:00 PDT: DST began on Sunday the 8th.
        m = self.meeting("2026-03-10T09:00:00-07:00", "2026-03-10T12:00:00-07:00")
        s = self.slot(m["id"])
        a = self.assign(s["id"], v["id"])
        ask = self.wait_for(self.message(kind="confirmation_request", assignment_id=a["id"], status="sent"),
                            "the confirmation request")
        self.assertEqual(ask["channel"], "sms")
        self.assertEqual(ask["plugin"], "")
        self.assertEqual(ask["to_name"], "Rosa Díaz")
        self.assertIn("Responde SI o NO", ask["body"])
        self.assertLessEqual(ask["segments"], 2)
        files = self.files()
        self.assertEqual(len(files), 1, files)
        (name, content), = files.items()
        self.assertTrue(name.startswith(f"{ask['id']}-1"), name)
        self.assertIn("To: +14155552671", content)
        self.assertIn(ask["body"], content)

        pending = [x for x in self.outbox(status="pending") if x["assignment_id"] == a["id"]]
        kinds = sorted(x["kind"] for x in pending)
        self.assertEqual(kinds, ["reminder", "reminder"], pending)

        # 48 h before, elapsed time: Sunday 09:00 PDT, after the DST jump.
        self.set_clock(t("2026-03-08T09:00:00-07:00"))
        r48 = self.wait_for(self.message(kind="reminder", assignment_id=a["id"], status="sent"), "the 48 h reminder")
        self.assertIn("recordatorio", r48["body"])
        self.assertIn("San José", r48["body"])
        self.assertIn("10/3, 09:00", r48["body"])  # on the recipient's clock, in PDT
        self.assertLessEqual(r48["segments"], 2, r48)

        # 3 h before is 06:00: quiet hours. It waits for 08:00, it is not dropped.
        self.set_clock(t("2026-03-10T06:00:00-07:00"))
        held = self.wait_for(lambda: [x for x in self.outbox(status="pending")
                                      if x["kind"] == "reminder" and x["assignment_id"] == a["id"]
                                      and "quiet hours" in x["last_error"]], "the 3 h reminder to wait")
        self.assertEqual(held[0]["next_attempt_at"], "2026-03-10T15:00:00Z")
        time.sleep(0.5)
        self.assertEqual(len([x for x in self.outbox(status="sent") if x["assignment_id"] == a["id"]]), 2)
        self.set_clock(t("2026-03-10T08:00:00-07:00"))
        self.wait_for(lambda: len([x for x in self.outbox(status="sent") if x["kind"] == "reminder"
                                   and x["assignment_id"] == a["id"]]) == 2, "the 3 h reminder at 08:00")

        self.set_clock(t("2026-03-10T09:30:00-07:00"))
        sent_keys = [x for x in self.outbox() if x["assignment_id"] == a["id"] and x["status"] == "sent"]
        self.assertEqual(len(sent_keys), 3)
        self.assertEqual(len(self.files()), 3)

    def test_2_cancelling_a_meeting_notifies_everyone_on_it_and_cancels_their_reminders(self):
        self.set_clock(t("2026-03-11T12:00:00-07:00"))
        # Five days ahead: both reminders are within the planner's horizon (a week), so written already.
        m = self.meeting("2026-03-16T18:00:00-07:00", "2026-03-16T20:00:00-07:00", title="City Council")
        s = self.slot(m["id"])
        people = [self.volunteer(f"Speaker {i}", f"+1415555268{i}") for i in range(3)]
        assignments = [self.assign(s["id"], p["id"]) for p in people]
        ids = {a["id"] for a in assignments}
        self.wait_for(lambda: len([x for x in self.outbox(status="sent") if x["kind"] == "confirmation_request"
                                   and x["assignment_id"] in ids]) == 3, "three confirmation requests")
        self.assertEqual(len([x for x in self.outbox(status="pending") if x["kind"] == "reminder"
                              and x["assignment_id"] in ids]), 6)
        res = self.c.patch(f"{API}/meetings/{m['id']}", {"status": "cancelled"})
        self.assertEqual(res.status, 200, res)
        notices = self.wait_for(lambda: [x for x in self.outbox(status="sent") if x["kind"] == "meeting_cancelled"
                                         and x["meeting_id"] == m["id"]] if len(
            [x for x in self.outbox(status="sent") if x["kind"] == "meeting_cancelled"
             and x["meeting_id"] == m["id"]]) == 3 else None, "three cancellation notices")
        self.assertTrue(all("CANCELLED" in x["body"] for x in notices), notices)
        left = [x for x in self.outbox() if x["kind"] == "reminder" and x["assignment_id"] in ids]
        self.assertEqual({x["status"] for x in left}, {"cancelled"}, left)

    def test_2b_postponing_a_meeting_tells_everyone_on_it_once_and_holds_their_reminders(self):
        self.set_clock(t("2026-03-11T12:30:00-07:00"))
        m = self.meeting("2026-03-16T18:00:00-07:00", "2026-03-16T20:00:00-07:00", title="Police budget")
        s = self.slot(m["id"])
        people = [self.volunteer("Eva", "+14155552711", "es"), self.volunteer("Finn", "+14155552712")]
        ids = {self.assign(s["id"], p["id"])["id"] for p in people}
        self.wait_for(lambda: len([x for x in self.outbox(status="sent") if x["kind"] == "confirmation_request"
                                   and x["assignment_id"] in ids]) == 2, "two confirmation requests")
        res = self.c.patch(f"{API}/meetings/{m['id']}", {"status": "postponed"})
        self.assertEqual(res.status, 200, res)

        def postponed():
            sent = [x for x in self.outbox(status="sent") if x["kind"] == "meeting_postponed"
                    and x["meeting_id"] == m["id"]]
            return sent if len(sent) == 2 else None
        notices = sorted(self.wait_for(postponed, "two postponement notices"), key=lambda x: x["to_name"])
        self.assertIn("se POSTERGO", notices[0]["body"])
        self.assertIn("is POSTPONED", notices[1]["body"])
        left = [x for x in self.outbox() if x["kind"] == "reminder" and x["assignment_id"] in ids]
        self.assertEqual({x["status"] for x in left}, {"cancelled"}, left)
        # Another change while it is postponed tells nobody again.
        self.assertEqual(self.c.patch(f"{API}/meetings/{m['id']}", {"location": "Room 2"}).status, 200)
        time.sleep(0.5)
        self.assertEqual(len([x for x in self.outbox() if x["kind"] == "meeting_postponed"
                              and x["meeting_id"] == m["id"]]), 2)

    def test_3_stop_by_kannel_opts_out_at_once_and_answers_once_and_a_wrong_secret_changes_nothing(self):
        self.set_clock(t("2026-03-12T12:00:00-07:00"))
        v = self.volunteer("Ana", "+14155552690")
        # Five days ahead: both reminders are written already (the horizon is a week), so STOP suppresses them.
        m = self.meeting("2026-03-17T18:00:00-07:00", "2026-03-17T20:00:00-07:00")
        a = self.assign(self.slot(m["id"])["id"], v["id"])
        self.wait_for(self.message(kind="confirmation_request", assignment_id=a["id"], status="sent"), "the ask")
        q = urllib.parse.urlencode({"from": "+14155552690", "to": "+15555550100", "text": "STOP"})
        before = self.d.snapshot()
        res = self.c.get(f"/plugins/sms/inbound/kannel?{q}&secret=wrong")
        self.assertEqual(res.status, 403)
        self.assertEqual(self.d.snapshot(), before)
        res = self.d.client().get(f"/plugins/sms/inbound/kannel?{q}&secret={SECRET}")
        self.assertEqual(res.status, 200, res)
        rows = [x for x in self.outbox() if x["volunteer_id"] == v["id"]]
        self.assertFalse([x for x in rows if x["status"] == "pending" and x["kind"] != "opt_out_confirmation"], rows)
        self.assertEqual(len([x for x in rows if x["status"] == "suppressed"]), 2, rows)
        self.wait_for(self.message(kind="opt_out_confirmation", volunteer_id=v["id"], status="sent"), "the answer")
        vol = self.c.get(f"{API}/volunteers/{v['id']}").json
        self.assertTrue(vol.get("opted_out_at"), vol)

    def test_4_yes_by_twilio_confirms_once_and_a_replay_or_a_bad_signature_is_dropped(self):
        self.set_clock(t("2026-03-13T12:00:00-07:00"))
        v = self.volunteer("Beto", "+14155552691")
        m = self.meeting("2026-03-26T18:00:00-07:00", "2026-03-26T20:00:00-07:00")
        a = self.assign(self.slot(m["id"])["id"], v["id"])
        self.wait_for(self.message(kind="confirmation_request", assignment_id=a["id"], status="sent"), "the ask")
        params = {"From": "+14155552691", "To": "+15555550100", "Body": "Sí", "MessageSid": "SM0001"}
        url = "http://127.0.0.1:8080/plugins/sms/inbound/twilio"
        data = url + "".join(k + params[k] for k in sorted(params))
        sig = base64.b64encode(hmac.new(TWILIO_TOKEN.encode(), data.encode(), hashlib.sha1).digest()).decode()
        form = urllib.parse.urlencode(params)
        bad = self.d.client().request("POST", "/plugins/sms/inbound/twilio", raw=form,
                                      content_type="application/x-www-form-urlencoded",
                                      headers={"X-Twilio-Signature": "AAAA" + sig[4:]})
        self.assertEqual(bad.status, 403)
        self.assertEqual(self.c.get(f"{API}/assignments/{a['id']}").json["status"], "invited")
        for _ in range(2):  # the second is a replay of the same MessageSid
            res = self.d.client().request("POST", "/plugins/sms/inbound/twilio", raw=form,
                                          content_type="application/x-www-form-urlencoded",
                                          headers={"X-Twilio-Signature": sig})
            self.assertEqual(res.status, 200, res)
        self.assertEqual(self.c.get(f"{API}/assignments/{a['id']}").json["status"], "confirmed")
        thanks = self.wait_for(self.message(kind="reply_received", volunteer_id=v["id"], status="sent"), "thanks")
        self.assertIn("confirmed", thanks["body"])
        self.assertEqual(len([x for x in self.outbox() if x["kind"] == "reply_received"
                              and x["volunteer_id"] == v["id"]]), 1)

    def test_5_anything_else_is_kept_for_the_coordinator(self):
        q = urllib.parse.urlencode({"from": "+14155552691", "to": "+15555550100", "text": "Llego 10 min tarde"},
                                   quote_via=urllib.parse.quote)
        self.assertEqual(self.d.client().get(f"/plugins/sms/inbound/kannel?{q}&secret={SECRET}").status, 200)
        replies = self.c.get(f"{API}/replies?limit=100").json["items"]
        self.assertEqual([r["handled_as"] for r in replies if r["body"] == "Llego 10 min tarde"], ["other"])
        self.assertIn("confirm", [r["handled_as"] for r in replies])

    def test_6_a_word_the_group_adds_stops_like_stop(self):
        res = self.c.put(f"{API}/groups/current/reply-words", {"opt_out": ["alto"]})
        self.assertEqual(res.status, 200, res)
        v = self.volunteer("Dora", "+14155552692", "es")
        q = urllib.parse.urlencode({"from": "+14155552692", "to": "+15555550100", "text": "¡Alto!"},
                                   quote_via=urllib.parse.quote)
        self.assertEqual(self.d.client().get(f"/plugins/sms/inbound/kannel?{q}&secret={SECRET}").status, 200)
        self.assertTrue(self.c.get(f"{API}/volunteers/{v['id']}").json.get("opted_out_at"))

    def test_9_no_log_line_holds_a_number_or_a_text(self):
        log = self.d.log()
        for secret in ("+14155552671", "+14155552690", "recordatorio", TWILIO_TOKEN, SECRET):
            self.assertNotIn(secret, log)


class GroupTemplateTests(Clocked, unittest.TestCase):
    """A group words its own messages (Settings > Message templates)."""

    KINDS = ["reminder", "confirmation_request", "meeting_cancelled", "meeting_postponed", "meeting_moved", "deadline",
             "opt_out_confirmation", "opt_in_confirmation", "help", "reply_received", "coordinator_notice"]

    @classmethod
    def setUpClass(cls):
        cls.start_daemon("turnout-words-")

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        cls.d.cleanup()

    def path(self, channel, kind, language):
        return f"{API}/message-templates/{channel}/{kind}/{language}"

    def entries(self, client=None):
        res = (client or self.c).get(f"{API}/message-templates")
        self.assertEqual(res.status, 200, res)
        return {(e["channel"], e["kind"], e["language"]): e for e in res.json["items"]}

    def test_1_every_sms_message_is_offered_in_both_languages_and_each_default_can_be_saved_back(self):
        entries = self.entries()
        self.assertEqual(set(entries), {("sms", k, lang) for k in self.KINDS for lang in ("en", "es")})
        for key, e in entries.items():
            self.assertTrue(e["available"], e)
            self.assertTrue(e["default"], e)
            self.assertIsNone(e["body"])
            self.assertIn("name", e["variables"])
            res = self.c.put(self.path(*key), {"body": e["default"]})
            self.assertEqual(res.status, 200, (key, res))
            self.assertEqual(res.json["body"], e["default"])
            self.assertTrue(res.json["updated_at"].endswith("Z"))
        self.assertTrue(all(e["body"] == e["default"] for e in self.entries().values()))
        for key in entries:
            self.assertEqual(self.c.delete(self.path(*key)).status, 204)
        self.assertTrue(all(e["body"] is None for e in self.entries().values()))
        # A viewer reads them but cannot change them.
        slug = self.d.sql('SELECT slug FROM "group"')[0][0]
        _, viewer = self.d.user_with_token(f"viewer-{slug}@example.org", "viewer", slug)
        v = self.d.client(viewer)
        self.assertEqual(len(self.entries(v)), 2 * len(self.KINDS))
        self.assertEqual(v.put(self.path("sms", "reminder", "en"), {"body": "Hi {{name}}"}).status, 403)
        self.assertEqual(v.delete(self.path("sms", "reminder", "en")).status, 403)

    def test_2_bad_wording_is_refused_with_the_reason_and_changes_nothing(self):
        before = self.d.snapshot()
        p = self.path("sms", "reminder", "es")
        for body, words in [
            ({"body": "Hola {{nmae}}"}, "{{nmae}} is not a name"),
            ({"body": "{{#item}} sin cerrar"}, "not valid Mustache"),
            ({"body": "{{> pie}}"}, "partials"),
            ({"body": ""}, "empty"),
            ({"body": "x" * 2001}, "at most 2000 characters"),
            ({"body": "dos\r\nlineas"}, "only letters"),
            ({"body": 5}, "must be a string"),
            ({}, "send body"),
            ({"body": "Hola", "extra": 1}, "extra"),
        ]:
            res = self.c.put(p, body)
            self.assertEqual(res.status, 422, (body, res))
            self.assertIn(words, res.json["error"]["message"] + res.json["error"].get("field", ""), res)
        for path in [self.path("fax", "reminder", "es"), self.path("sms", "birthday", "es"),
                     self.path("sms", "reminder", "fr"), self.path("sms", "reminder_short", "en")]:
            self.assertEqual(self.c.put(path, {"body": "Hola"}).status, 404, path)
            self.assertEqual(self.c.delete(path).status, 404, path)
        self.assertEqual(self.c.put(p, "not json").status, 400)
        self.assertEqual(self.d.snapshot(), before)

    def test_3_the_next_message_uses_the_group_wording_and_deleting_it_goes_back(self):
        own = "{{group}} pregunta: {{name}}, vienes a {{what}} el {{when}}? {{replies}}"
        res = self.c.put(self.path("sms", "confirmation_request", "es"), {"body": own})
        self.assertEqual(res.status, 200, res)
        m = self.meeting("2026-03-20T18:00:00-07:00", "2026-03-20T20:00:00-07:00", title="Presupuesto")
        s = self.slot(m["id"])
        first = self.assign(s["id"], self.volunteer("Lupe", "+14155552701", "es")["id"])
        ask = self.wait_for(self.message(kind="confirmation_request", assignment_id=first["id"], status="sent"),
                            "the request in the group's wording")
        self.assertEqual(ask["body"], "Valle Coalition pregunta: Lupe, vienes a Presupuesto el 20/3, 18:00? SI/NO/AYUDA/STOP")
        # English speakers keep Turnout's wording: the group wrote only the Spanish one.
        second = self.assign(s["id"], self.volunteer("Lee", "+14155552702", "en")["id"])
        ask = self.wait_for(self.message(kind="confirmation_request", assignment_id=second["id"], status="sent"),
                            "the English request")
        self.assertNotIn("pregunta", ask["body"])
        self.assertEqual(self.c.delete(self.path("sms", "confirmation_request", "es")).status, 204)
        third = self.assign(s["id"], self.volunteer("Mía", "+14155552703", "es")["id"])
        ask = self.wait_for(self.message(kind="confirmation_request", assignment_id=third["id"], status="sent"),
                            "the request in Turnout's wording again")
        self.assertNotIn("pregunta", ask["body"])
        self.assertIn("Responde SI o NO", ask["body"])
        # The audit log says who changed which message, never the text.
        audit = self.c.get(f"{API}/audit?limit=500").json["items"]
        rows = [a for a in audit if a["action"].startswith("message_template.")
                and a["detail"].get("kind") == "confirmation_request" and a["detail"].get("language") == "es"]
        self.assertEqual([a["action"] for a in rows][-2:], ["message_template.set", "message_template.removed"])
        self.assertNotIn("pregunta", str(audit))


class CrashTests(Clocked, unittest.TestCase):
    """kill -9 in the middle of a burst of 500 due messages."""

    def test_after_kill_9_mid_burst_every_message_is_sent_exactly_once(self):
        self.__class__.start_daemon("turnout-crash-")
        try:
            # 23:00: quiet hours, so the 500 confirmation requests wait.
            self.set_clock(t("2026-03-05T23:00:00-08:00"))
            csv = os.path.join(self.d.dir, "people.csv")
            with open(csv, "w") as f:
                f.write("name,phone,sms_opt_in\n")
                for i in range(500):
                    f.write(f"Person {i},+1415555{3000 + i:04d},true\n")
            self.d.stop()
            self.d.cli("import", "volunteers", csv, "--group", self.d.sql("SELECT slug FROM \"group\"")[0][0])
            self.restart()
            m = self.meeting("2026-03-20T18:00:00-07:00", "2026-03-20T20:00:00-07:00")
            s = self.slot(m["id"], capacity=500, role="turnout")
            for (vid,) in self.d.sql("SELECT id FROM volunteer ORDER BY id"):
                self.assign(s["id"], vid)
            self.wait_for(lambda: len(self.outbox(status="pending")) >= 500 and all(
                "quiet hours" in x["last_error"] for x in self.outbox(status="pending")
                if x["kind"] == "confirmation_request"), "500 held requests", timeout=30)
            self.set_clock(t("2026-03-06T08:00:00-08:00"))
            self.wait_for(lambda: len(self.files()) >= 60, "the burst to start", timeout=30)
            self.d.kill()
            at_kill = len(self.files())
            self.assertLess(at_kill, 500, "the kill came after the burst: the test proves nothing")
            self.assertEqual(self.d.integrity(), "ok")
            self.restart()

            def done():
                rows = self.d.sql("SELECT status, count(*) FROM outbox_message WHERE kind = 'confirmation_request' "
                                  "GROUP BY status")
                return dict(rows).get("sent") == 500
            self.wait_for(done, "all 500 sent", timeout=60)
            names = list(self.files())
            ids = [n.split("-")[0] for n in names]
            self.assertEqual(len(ids), 500, "one file per message")
            self.assertEqual(len(set(ids)), 500, "no message sent twice")
            sent = {str(r[0]) for r in self.d.sql("SELECT id FROM outbox_message WHERE status = 'sent'")}
            self.assertEqual(set(ids), sent)
            self.d.stop()
            self.assertEqual(self.d.integrity(), "ok")
        finally:
            self.d.cleanup()


if __name__ == "__main__":
    unittest.main()
