"""The sms plugin against real gateways on loopback: Kannel (bearerbox,
smsbox and the fake SMS centre from kannel-extras, configured as in
/work/shared/reference/kannel) and a loopback HTTP server standing in for
a Twilio-compatible API that checks each request's form and credentials.

Run by ctest from tests/integration with TURNOUTD and TURNOUT_BUILD_DIR.
Kannel listens on its usual ports (13000, 13001, 13013, 10000).
"""

import base64
import hashlib
import hmac
import http.server
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import unittest
import urllib.parse

from daemon import note_secret
from test_delivery import Clocked, sms_daemon, t, SECRET

KANNEL_CONF = os.path.join(os.path.dirname(__file__), "..", "fixtures", "kannel", "kannel.conf.in")
FAKESMSC = "/usr/lib/kannel/test/fakesmsc"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def gateway_daemon(prefix, sms_config):
    """A daemon on a known port (the gateway calls it back), public_url set."""
    port = free_port()
    d = sms_daemon(prefix, "")
    with open(d.config) as f:
        text = f.read()
    text = text.replace('listen = "127.0.0.1:0"',
                        f'listen = "127.0.0.1:{port}"\npublic_url = "http://127.0.0.1:{port}"')
    text = text.replace('transport = "file"\n', sms_config)
    text = text.replace('password = "twilio-auth-token-for-tests"\n', "")
    with open(d.config, "w") as f:
        f.write(text)
    d.fixed_port = port
    return d


class GatewayBase(Clocked):
    @classmethod
    def start_gateway_daemon(cls, prefix, sms_config):
        cls.d = gateway_daemon(prefix, sms_config)
        cls.set_clock(t("2026-03-05T12:00:00-08:00"))
        os.environ["TURNOUT_TEST_CLOCK_FILE"] = cls.d.clock_file
        try:
            cls.d.start()
        finally:
            del os.environ["TURNOUT_TEST_CLOCK_FILE"]
        slug = prefix.strip("-").replace("turnout-", "")
        cls.d.create_group("Valle Coalition", slug)
        _, cls.token = cls.d.user_with_token(f"coord-{slug}@example.org", "coordinator", slug, "a long password 12")
        cls.c = cls.d.client(cls.token)


class KannelTests(GatewayBase, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for tool in ("bearerbox", "smsbox"):
            if not shutil.which(tool, path="/usr/sbin:/usr/bin:" + os.environ.get("PATH", "")):
                raise RuntimeError(f"{tool} is missing: install the kannel package (scripts/test does)")
        if not os.path.exists(FAKESMSC):
            raise RuntimeError("fakesmsc is missing: install kannel-extras (scripts/test does)")
        cls.start_gateway_daemon("turnout-kannel-", (
            'transport = "kannel"\n'
            'url = "http://127.0.0.1:13013/cgi-bin/sendsms"\n'
            'username = "turnout"\n'
            'password = "secret"\n'
            'from = "+15555550100"\n'))
        kdir = os.path.join(cls.d.dir, "kannel")
        os.makedirs(os.path.join(kdir, "store"))
        with open(KANNEL_CONF) as f:
            conf = f.read().replace("@DIR@", kdir).replace("@TURNOUT_PORT@", str(cls.d.fixed_port))
        conf = conf.replace("%a\"", f"%a&secret={SECRET}\"")
        cls.kconf = os.path.join(kdir, "kannel.conf")
        with open(cls.kconf, "w") as f:
            f.write(conf)
        cls.procs = []
        cls.bearer_log = open(os.path.join(kdir, "bearerbox.out"), "wb")
        cls.procs.append(subprocess.Popen(["/usr/sbin/bearerbox", cls.kconf], stdout=cls.bearer_log,
                                          stderr=subprocess.STDOUT, cwd=kdir))
        wait_port(13001)
        cls.procs.append(subprocess.Popen(["/usr/sbin/smsbox", cls.kconf], stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL, cwd=kdir))
        wait_port(13013)
        cls.smsc_out = os.path.join(kdir, "fakesmsc.out")
        cls.smsc_log = open(cls.smsc_out, "wb")
        cls.smsc = subprocess.Popen([FAKESMSC, "-H", "127.0.0.1", "-r", "10000"],
                                    stdin=subprocess.PIPE, stdout=cls.smsc_log, stderr=subprocess.STDOUT, cwd=kdir)
        cls.procs.append(cls.smsc)
        time.sleep(1.0)  # the fake centre connects to bearerbox

    @classmethod
    def tearDownClass(cls):
        for p in reversed(getattr(cls, "procs", [])):
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        cls.d.stop()
        cls.d.cleanup()

    def smsc_got(self):
        with open(self.smsc_out, "rb") as f:
            return [line for line in f.read().decode("utf-8", "replace").splitlines() if "Got message" in line]

    def test_a_spanish_request_goes_through_kannel_in_ucs2_and_a_stop_comes_back_and_is_answered(self):
        v = self.volunteer("Rosa Díaz", "+14155552671", "es")
        m = self.meeting("2026-03-12T18:00:00-07:00", "2026-03-12T20:00:00-07:00", title="Sesión del Consejo")
        a = self.assign(self.slot(m["id"])["id"], v["id"])
        # Sent, then delivered: the fake centre acknowledges, bearerbox calls
        # the dlr-url with status 1.
        ask = self.wait_for(self.message(kind="confirmation_request", assignment_id=a["id"], status="delivered"),
                            "the request through Kannel and its delivery report", timeout=45)
        self.assertEqual(ask["encoding"], "UCS-2")
        self.assertLessEqual(ask["segments"], 2, ask)  # the short form, as the full one takes three
        self.assertEqual(ask["provider_id"], str(ask["id"]))
        got = self.wait_for(lambda: len(self.smsc_got()) >= ask["segments"] and self.smsc_got(),
                            "the fake SMS centre to get it", timeout=45)
        self.assertEqual(len(got), ask["segments"], got)  # one part per segment counted
        self.assertIn("+14155552671", got[0])
        # UTF-16BE, URL-encoded: "Sesi\u00f3n".
        self.assertIn("%00S%00e%00s%00i%00%F3%00n", got[0])

        # The person answers STOP from their phone: the centre hands it to smsbox,
        # smsbox calls the webhook with the shared secret.
        self.smsc.stdin.write(b"+14155552671 +15555550100 text STOP\n")
        self.smsc.stdin.flush()
        self.wait_for(lambda: self.c.get(f"/api/v1/volunteers/{v['id']}").json.get("opted_out_at"),
                      "the opt-out", timeout=45)
        self.assertFalse([x for x in self.outbox(status="pending") if x["volunteer_id"] == v["id"]
                          and x["kind"] == "reminder"])
        self.wait_for(lambda: self.message(kind="opt_out_confirmation", volunteer_id=v["id"], status="sent")()
                      or self.message(kind="opt_out_confirmation", volunteer_id=v["id"], status="delivered")(),
                      "the confirmation", timeout=45)
        self.wait_for(lambda: len(self.smsc_got()) == ask["segments"] + 1, "the confirmation at the phone",
                      timeout=45)
        self.assertIn("START", self.smsc_got()[-1])

        # Words that are not a keyword are kept, as written, for the coordinator.
        self.smsc.stdin.write("+14155552671 +15555550100 text Llego 10 min tarde, ¿sí?\n".encode())
        self.smsc.stdin.flush()
        replies = self.wait_for(lambda: [r for r in self.c.get("/api/v1/replies").json["items"]
                                         if r["handled_as"] == "other"], "the kept reply", timeout=45)
        self.assertEqual(replies[0]["body"], "Llego 10 min tarde, ¿sí?")


class FakeTwilio(http.server.BaseHTTPRequestHandler):
    """Answers POST /2010-04-01/Accounts/ACtest/Messages.json like the real
    API, after checking the credentials and the form; `answers` scripts
    the statuses to give."""

    requests = []
    answers = []
    problems = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("utf-8"), keep_blank_values=True))
        auth = self.headers.get("Authorization", "")
        expected = "Basic " + base64.b64encode(b"ACtest:tw-token-123456").decode()
        if self.path != "/2010-04-01/Accounts/ACtest/Messages.json":
            FakeTwilio.problems.append(f"path {self.path}")
        if auth != expected:
            FakeTwilio.problems.append("credentials")
        if self.headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded":
            FakeTwilio.problems.append("content type")
        if set(form) != {"To", "From", "Body", "StatusCallback"}:
            FakeTwilio.problems.append(f"fields {sorted(form)}")
        FakeTwilio.requests.append(form)
        status = FakeTwilio.answers.pop(0) if FakeTwilio.answers else 201
        body = json.dumps({"sid": f"SM{len(FakeTwilio.requests):032d}", "status": "queued"} if status == 201
                          else {"code": 21211, "message": "nope"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class TwilioTests(GatewayBase, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeTwilio)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        note_secret("tw-token-123456")
        cls.start_gateway_daemon("turnout-twilio-", (
            'transport = "twilio"\n'
            f'url = "http://127.0.0.1:{cls.server.server_address[1]}"\n'
            'username = "ACtest"\n'
            'password = "tw-token-123456"\n'
            'from = "+15555550100"\n'))

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.d.stop()
        cls.d.cleanup()

    def signed_post(self, path, params):
        url = f"http://127.0.0.1:{self.d.fixed_port}{path}"
        data = url + "".join(k + params[k] for k in sorted(params))
        sig = base64.b64encode(hmac.new(b"tw-token-123456", data.encode(), hashlib.sha1).digest()).decode()
        return self.d.client().request("POST", path, raw=urllib.parse.urlencode(params),
                                       content_type="application/x-www-form-urlencoded",
                                       headers={"X-Twilio-Signature": sig})

    def test_a_failure_is_retried_with_backoff_then_sent_and_its_status_callback_marks_it_delivered(self):
        FakeTwilio.answers[:] = [503]
        v = self.volunteer("Beto", "+14155552672")
        m = self.meeting("2026-03-12T18:00:00-07:00", "2026-03-12T20:00:00-07:00")
        a = self.assign(self.slot(m["id"])["id"], v["id"])
        retry = self.wait_for(lambda: [x for x in self.outbox(status="pending") if x["assignment_id"] == a["id"]
                                       and x["kind"] == "confirmation_request" and x["attempts"] == 1],
                              "the first attempt to fail")[0]
        self.assertIn("503", retry["last_error"])
        wait = t(retry["next_attempt_at"].replace("Z", "+00:00")) - t("2026-03-05T12:00:00-08:00")
        self.assertTrue(24 <= wait <= 36, wait)  # 30 s, ±20 %
        time.sleep(0.5)
        self.assertEqual(len(FakeTwilio.requests), 1)  # not before its time
        self.set_clock(t("2026-03-05T12:01:00-08:00"))
        sent = self.wait_for(self.message(kind="confirmation_request", assignment_id=a["id"], status="sent"), "sent")
        self.assertEqual(sent["attempts"], 2)
        self.assertEqual(FakeTwilio.problems, [])
        form = FakeTwilio.requests[-1]
        self.assertEqual(form["To"], "+14155552672")
        self.assertEqual(form["From"], "+15555550100")
        self.assertEqual(form["Body"], sent["body"])
        self.assertEqual(form["StatusCallback"], f"http://127.0.0.1:{self.d.fixed_port}/plugins/sms/status/twilio")

        params = {"MessageSid": sent["provider_id"], "MessageStatus": "delivered"}
        bad = self.d.client().request("POST", "/plugins/sms/status/twilio", raw=urllib.parse.urlencode(params),
                                      content_type="application/x-www-form-urlencoded",
                                      headers={"X-Twilio-Signature": "forged"})
        self.assertEqual(bad.status, 403)
        self.assertEqual(self.signed_post("/plugins/sms/status/twilio", params).status, 200)
        done = self.message(kind="confirmation_request", assignment_id=a["id"])()
        self.assertEqual(done["status"], "delivered")

    def test_a_refusal_fails_for_good_with_its_reason(self):
        FakeTwilio.answers[:] = [400]
        v = self.volunteer("Cata", "+14155552673")
        m = self.meeting("2026-03-13T18:00:00-07:00", "2026-03-13T20:00:00-07:00")
        a = self.assign(self.slot(m["id"])["id"], v["id"])
        failed = self.wait_for(self.message(kind="confirmation_request", assignment_id=a["id"], status="failed"),
                               "the failure")
        self.assertIn("HTTP 400", failed["last_error"])
        self.assertEqual(failed["attempts"], 1)


if __name__ == "__main__":
    unittest.main()
