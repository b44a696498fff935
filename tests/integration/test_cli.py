"""turnoutd as an operator runs it: a real process on a real database file.

Run by ctest with TURNOUTD (the binary) and TURNOUT_FIXTURES set.
"""

import http.client
import json
import os
import re
import signal
import sqlite3
import subprocess
import tempfile
import time
import unittest

TURNOUTD = os.environ["TURNOUTD"]
FIXTURES = os.environ["TURNOUT_FIXTURES"]

COMMANDS = [
    ["serve"], ["init"], ["demo"], ["admin", "create-group"], ["admin", "create-user"],
    ["token", "create"], ["import", "volunteers"], ["export", "volunteers"], ["backup"], ["version"],
]


class Turnoutd(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="turnout-cli-")
        self.dir = self.tmp.name
        self.db = os.path.join(self.dir, "var", "turnout.db")
        self.stderr_seen = []

    def tearDown(self):
        self.tmp.cleanup()

    def run_cli(self, *args, stdin=None, expect=0):
        proc = subprocess.run([TURNOUTD, *args, "--db", self.db], input=stdin, capture_output=True,
                              text=True, cwd=self.dir, timeout=120)
        self.stderr_seen.append(proc.stderr)
        if expect is not None:
            self.assertEqual(proc.returncode, expect, f"{args}: {proc.stderr}")
        return proc

    def make_group(self, slug="valle"):
        out = self.run_cli("admin", "create-group", "--name", "Valle Coalition", "--slug", slug,
                           "--timezone", "America/Los_Angeles").stdout
        self.assertRegex(out, r"^\d+\n$")
        return int(out)

    # -- every command ------------------------------------------------------

    def test_every_command_has_help(self):
        for words in COMMANDS:
            proc = subprocess.run([TURNOUTD, *words, "--help"], capture_output=True, text=True, timeout=30)
            self.assertEqual(proc.returncode, 0, words)
            self.assertIn("usage: turnoutd " + " ".join(words), proc.stdout)
            self.assertIn("--config", proc.stdout)
            self.assertIn("--db", proc.stdout)

    def test_unknown_command_and_missing_option_exit_2(self):
        proc = subprocess.run([TURNOUTD, "frobnicate"], capture_output=True, text=True)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("unknown command", proc.stderr)
        proc = self.run_cli("admin", "create-group", "--name", "X", expect=2)
        self.assertIn("slug", proc.stderr)

    def test_version(self):
        out = subprocess.run([TURNOUTD, "version"], capture_output=True, text=True).stdout
        self.assertRegex(out, r"^turnoutd \d+\.\d+\.\d+ \(schema \d+\)\n$")

    # -- init and the schema ------------------------------------------------

    def test_init_creates_then_changes_nothing(self):
        self.run_cli("init")
        with sqlite3.connect(self.db) as c:
            version = c.execute("PRAGMA user_version").fetchone()[0]
            schema = c.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
            self.assertEqual(c.execute("PRAGMA journal_mode").fetchone()[0], "wal")
        self.assertGreaterEqual(version, 1)
        self.run_cli("init")
        with sqlite3.connect(self.db) as c:
            self.assertEqual(c.execute("PRAGMA user_version").fetchone()[0], version)
            self.assertEqual(c.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall(), schema)

    def test_config_file_is_read_and_typos_refused(self):
        cfg = os.path.join(self.dir, "turnout.toml")
        with open(cfg, "w") as f:
            f.write('[database]\npath = "elsewhere/t.db"\n')
        proc = subprocess.run([TURNOUTD, "init", "--config", cfg], capture_output=True, text=True, cwd=self.dir)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertTrue(os.path.exists(os.path.join(self.dir, "elsewhere", "t.db")))
        with open(cfg, "w") as f:
            f.write('[database]\npth = "x.db"\n')
        proc = subprocess.run([TURNOUTD, "init", "--config", cfg], capture_output=True, text=True, cwd=self.dir)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("pth", proc.stderr)

    # -- admin and tokens ---------------------------------------------------

    def test_admin_commands_print_ids_and_token_alone(self):
        gid = self.make_group()
        proc = self.run_cli("admin", "create-user", "--group", "valle", "--email", "coord@example.org",
                            "--role", "coordinator", "--password-stdin", stdin="correct horse battery\n")
        self.assertRegex(proc.stdout, r"^\d+\n$")
        token = self.run_cli("token", "create", "--user", "coord@example.org").stdout
        self.assertRegex(token, r"^tk_[A-Za-z0-9_-]{43}\n$")
        with sqlite3.connect(self.db) as c:
            self.assertEqual(c.execute("SELECT group_id FROM account").fetchone()[0], gid)
            hashed = c.execute("SELECT password_hash FROM account").fetchone()[0]
            self.assertTrue(hashed.startswith("$argon2id$"))
            self.assertNotIn(token.strip().encode(), b"".join(r[0] for r in c.execute("SELECT token_hash FROM api_token")))
        self.run_cli("admin", "create-user", "--email", "root@example.org", "--role", "admin")

    def test_admin_refusals_are_clear_and_change_nothing(self):
        self.make_group()
        proc = self.run_cli("admin", "create-group", "--name", "Again", "--slug", "valle", expect=1)
        self.assertIn("exists already", proc.stderr)
        proc = self.run_cli("admin", "create-group", "--name", "Bad", "--slug", "Bad Slug!", expect=1)
        self.assertIn("slug", proc.stderr)
        proc = self.run_cli("admin", "create-group", "--name", "Bad", "--slug", "bad", "--timezone", "Mars/Base",
                            expect=1)
        self.assertIn("timezone", proc.stderr)
        proc = self.run_cli("admin", "create-user", "--group", "nope", "--email", "a@example.org", "--role",
                            "coordinator", expect=1)
        proc = self.run_cli("token", "create", "--user", "nobody@example.org", expect=1)
        self.assertEqual(proc.stdout, "")
        with sqlite3.connect(self.db) as c:
            self.assertEqual(c.execute('SELECT count(*) FROM "group"').fetchone()[0], 1)
            self.assertEqual(c.execute("SELECT count(*) FROM account").fetchone()[0], 0)

    # -- volunteers in and out ----------------------------------------------

    def test_import_export_round_trip(self):
        self.make_group()
        proc = self.run_cli("import", "volunteers", os.path.join(FIXTURES, "csv", "good.csv"), "--group", "valle")
        self.assertEqual(proc.stdout, "3\n")
        first = self.run_cli("export", "volunteers", "--group", "valle").stdout
        self.assertTrue(first.startswith("name,phone,email,language,timezone,tags,sms_opt_in,email_opt_in,notes"))
        self.assertIn("+12135550101", first)
        path = os.path.join(self.dir, "out.csv")
        self.run_cli("export", "volunteers", "--out", path)  # one group: --group may be left out
        with open(path, "rb") as f:
            raw = f.read()
        self.assertIn(b"\r\n", raw)  # RFC 4180 line ends
        self.assertEqual(raw.decode().replace("\r\n", "\n"), first)
        self.make_group("copy")
        self.run_cli("import", "volunteers", path, "--group", "copy")
        self.assertEqual(self.run_cli("export", "volunteers", "--group", "copy").stdout, first)

    def test_a_bad_file_is_refused_whole_with_lines_named(self):
        self.make_group()
        proc = self.run_cli("import", "volunteers", os.path.join(FIXTURES, "csv", "bad_rows.csv"), expect=1)
        self.assertIn("nothing was imported", proc.stderr)
        for line in ("line 3", "line 4", "line 5", "line 6"):
            self.assertIn(line, proc.stderr)
        self.assertEqual(proc.stdout, "")
        out = self.run_cli("export", "volunteers").stdout
        self.assertEqual(out.count("\n"), 1)  # the header alone
        self.run_cli("import", "volunteers", os.path.join(self.dir, "missing.csv"), expect=2)

    # -- demo, backup, serve ------------------------------------------------

    def test_demo_is_idempotent_and_prints_the_login(self):
        proc = self.run_cli("demo")
        self.assertIn("coordinator login: coordinator@example.org", proc.stderr)
        with sqlite3.connect(self.db) as c:
            before = c.execute("SELECT count(*) FROM assignment").fetchone()[0]
        self.run_cli("demo")
        with sqlite3.connect(self.db) as c:
            self.assertEqual(c.execute("SELECT count(*) FROM assignment").fetchone()[0], before)
            self.assertGreater(before, 20)

    def test_backup_is_consistent_and_never_overwrites(self):
        self.run_cli("demo")
        out = os.path.join(self.dir, "backup.db")
        self.run_cli("backup", out)
        with sqlite3.connect(out) as c:
            self.assertEqual(c.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            self.assertGreater(c.execute("SELECT count(*) FROM volunteer").fetchone()[0], 20)
        proc = self.run_cli("backup", out, expect=1)
        self.assertIn("exists already", proc.stderr)

    def start_server(self):
        cfg = os.path.join(self.dir, "serve.toml")
        with open(cfg, "w") as f:
            f.write('[server]\nlisten = "127.0.0.1:0"\nmax_body_bytes = 4096\nread_timeout_seconds = 2\n')
        # stderr goes to a file that is polled: select() on a buffered pipe
        # misses lines readline() has already pulled into Python's buffer.
        self.serve_log = os.path.join(self.dir, "serve.log")
        with open(self.serve_log, "wb") as log:
            proc = subprocess.Popen([TURNOUTD, "serve", "--config", cfg, "--db", self.db], stderr=log, cwd=self.dir)
        deadline = time.time() + 30
        while time.time() < deadline:
            with open(self.serve_log, encoding="utf-8", errors="replace") as f:
                m = re.search(r"serving on http://127\.0\.0\.1:(\d+)", f.read())
            if m:
                return proc, int(m.group(1))
            if proc.poll() is not None:
                break
            time.sleep(0.02)
        proc.kill()
        with open(self.serve_log, encoding="utf-8", errors="replace") as f:
            self.fail("serve did not start: " + f.read())

    def test_serve_answers_health_and_stops_cleanly_on_sigterm(self):
        self.run_cli("demo")
        proc, port = self.start_server()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/healthz")
            res = conn.getresponse()
            self.assertEqual(res.status, 200)
            self.assertEqual(json.loads(res.read())["status"], "ok")
            # keep-alive: the same connection answers again
            conn.request("GET", "/nowhere")
            res = conn.getresponse()
            self.assertEqual(res.status, 404)
            self.assertEqual(json.loads(res.read())["error"]["code"], "not_found")
            conn.close()
            # A body over the limit is refused with 413.
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("POST", "/healthz", body=b"x" * 10000)
            self.assertEqual(conn.getresponse().status, 413)
            conn.close()
        finally:
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(timeout=15), 0)
            with open(self.serve_log, encoding="utf-8", errors="replace") as f:
                self.stderr_seen.append(f.read())

    def test_logs_hold_no_contact_data(self):
        self.make_group()
        self.run_cli("import", "volunteers", os.path.join(FIXTURES, "csv", "good.csv"))
        self.run_cli("import", "volunteers", os.path.join(FIXTURES, "csv", "bad_rows.csv"), expect=1)
        self.run_cli("demo")
        self.run_cli("export", "volunteers", "--group", "valle")
        logs = "".join(self.stderr_seen)
        for secret in ("5550101", "5550104", "maria.h@", "daniel.kim@", "ana@example.org", "2135550113"):
            self.assertNotIn(secret, logs)


if __name__ == "__main__":
    unittest.main()
