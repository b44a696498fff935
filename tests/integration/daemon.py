"""Run turnoutd as an operator does, for the integration tests.

A Daemon owns a temporary folder with a config file and a real SQLite
database, starts `turnoutd serve` on a free loopback port, and stops it with
SIGTERM (or kills it with SIGKILL). Admin work goes through the real CLI.
A Client speaks JSON to the API with a bearer token or a session cookie and
its CSRF token.

Everything any daemon or CLI run writes to stderr is kept in LOGS, and every
secret the tests make up or receive (phones, emails, passwords, tokens) can
be noted in SECRETS, so a suite can prove at the end that no log line held
any of them.
"""

import http.client
import json
import os
import shutil
import re
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time

TURNOUTD = os.environ["TURNOUTD"]
FIXTURES = os.environ.get("TURNOUT_FIXTURES", "")

# stderr of every daemon and CLI run, in order
LOGS = []
# personal data and secrets of the test data, which no log may contain
SECRETS = set()
_lock = threading.Lock()


def note_secret(*values):
    with _lock:
        for v in values:
            if v:
                SECRETS.add(str(v))


def note_log(text):
    with _lock:
        LOGS.append(text)


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value) as sent
        self.body = body  # bytes
        self._json = None

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def header_names(self):
        return [k.lower() for k, _ in self.headers]

    @property
    def json(self):
        if self._json is None:
            self._json = json.loads(self.body.decode("utf-8"))
        return self._json

    @property
    def error(self):
        """The {"code", "message", "field"} of a JSON error answer."""
        return self.json["error"]

    def __repr__(self):
        text = self.body[:400].decode("utf-8", "replace")
        return f"<{self.status} {self.reason}: {text}>"


# (method, path, status) of every answer any Client got, for coverage checks
SEEN = []


class Client:
    """JSON over HTTP/1.1; a fresh connection per request, so a stale
    keep-alive connection can never make a test flaky."""

    def __init__(self, port, token=None, host="127.0.0.1", source=None, timeout=30):
        self.port = port
        self.host = host
        self.token = token
        self.source = source  # a loopback address to connect from, e.g. 127.0.0.7
        self.timeout = timeout
        self.cookie = None
        self.csrf = None

    def request(self, method, path, body=None, headers=None, raw=None, content_type="application/json"):
        hdrs = {}
        if self.token:
            hdrs["Authorization"] = "Bearer " + self.token
        if self.cookie:
            hdrs["Cookie"] = self.cookie
            if self.csrf and method not in ("GET", "HEAD", "OPTIONS"):
                hdrs["X-CSRF-Token"] = self.csrf
        data = None
        if raw is not None:
            data = raw if isinstance(raw, bytes) else raw.encode()
        elif body is not None:
            data = json.dumps(body).encode()
        if data is not None and content_type:
            hdrs["Content-Type"] = content_type
        if headers:
            for k, v in headers.items():
                if v is None:
                    hdrs.pop(k, None)
                else:
                    hdrs[k] = v
        source = (self.source, 0) if self.source else None
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout, source_address=source)
        try:
            conn.request(method, path, body=data, headers=hdrs)
            res = conn.getresponse()
            out = Response(res.status, res.reason, res.getheaders(), res.read())
        finally:
            conn.close()
        with _lock:
            SEEN.append((method, path.split("?")[0], out.status))
        return out

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body if body is not None else {}, **kw)

    def patch(self, path, body, **kw):
        return self.request("PATCH", path, body=body, **kw)

    def put(self, path, body, **kw):
        return self.request("PUT", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def login(self, email, password):
        """Signs in with a session cookie; returns the answer. On success
        this client then sends the cookie and the CSRF token."""
        res = self.request("POST", "/api/v1/session", {"email": email, "password": password})
        if res.status == 201:
            set_cookie = res.header("Set-Cookie")
            self.cookie = set_cookie.split(";", 1)[0]
            self.csrf = res.json["csrf_token"]
            note_secret(self.cookie.split("=", 1)[1], self.csrf)
        return res


class Daemon:
    """One turnoutd serving a database in its own temporary folder."""

    def __init__(self, read_timeout_seconds=2, extra_config="", prefix="turnout-api-", plugins=()):
        self.tmp = tempfile.TemporaryDirectory(prefix=prefix)
        self.dir = self.tmp.name
        # Plugin libraries to load: copied into this daemon's plugin folder.
        os.makedirs(os.path.join(self.dir, "plugins"), exist_ok=True)
        for plugin in plugins:
            shutil.copy(plugin, os.path.join(self.dir, "plugins"))
        self.db = os.path.join(self.dir, "var", "turnout.db")
        self.config = os.path.join(self.dir, "turnout.toml")
        with open(self.config, "w") as f:
            f.write(
                "[server]\n"
                'listen = "127.0.0.1:0"\n'
                f"read_timeout_seconds = {read_timeout_seconds}\n"
                f"{extra_config}\n"
                "[database]\n"
                f'path = "{self.db}"\n'
                "[plugins]\n"
                f'dir = "{os.path.join(self.dir, "plugins")}"\n'
            )
        self.proc = None
        self.port = None
        self._log_file = None
        self._log_path = None
        self._runs = 0

    # -- the process --------------------------------------------------------

    def start(self, timeout=30):
        assert self.proc is None, "already running"
        self._runs += 1
        self._log_path = os.path.join(self.dir, f"serve-{self._runs}.log")
        self._log_file = open(self._log_path, "wb")
        self.proc = subprocess.Popen([TURNOUTD, "serve", "--config", self.config], stdout=subprocess.DEVNULL,
                                     stderr=self._log_file, cwd=self.dir)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log()
            m = re.search(r"serving on http://127\.0\.0\.1:(\d+)", text)
            if m:
                self.port = int(m.group(1))
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        code = self.proc.poll()
        self.kill()
        raise RuntimeError(f"turnoutd serve did not start (exit {code}): {self.log()}")

    def log(self):
        """What this run of the daemon has written to stderr so far."""
        if not self._log_path:
            return ""
        with open(self._log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def _collect(self):
        note_log(self.log())
        self._log_file.close()
        self.proc = None
        self.port = None

    def stop(self, timeout=10):
        """SIGTERM; returns (exit code, seconds it took). None: it hung and
        was killed."""
        if self.proc is None:
            return 0, 0.0
        start = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            code = None
        took = time.monotonic() - start
        self._collect()
        return code, took

    def kill(self):
        """kill -9: no chance to finish anything."""
        if self.proc is None:
            return
        self.proc.kill()
        self.proc.wait()
        self._collect()

    def cleanup(self):
        if self.proc is not None:
            self.kill()
        self.tmp.cleanup()

    def client(self, token=None, **kw):
        return Client(self.port, token, **kw)

    # -- the CLI ------------------------------------------------------------

    def cli(self, *args, stdin=None):
        proc = subprocess.run([TURNOUTD, *args, "--config", self.config], input=stdin, capture_output=True,
                              text=True, cwd=self.dir, timeout=60)
        note_log(proc.stderr)
        if proc.returncode != 0:
            raise RuntimeError(f"turnoutd {' '.join(args)} exited {proc.returncode}: {proc.stderr}")
        return proc.stdout

    def create_group(self, name, slug, timezone="America/Los_Angeles"):
        out = self.cli("admin", "create-group", "--name", name, "--slug", slug, "--timezone", timezone)
        return int(out.strip())

    def create_user(self, email, role, group=None, password=None):
        args = ["admin", "create-user", "--email", email, "--role", role]
        if group:
            args += ["--group", group]
        if password:
            args.append("--password-stdin")
        note_secret(email, password)
        return int(self.cli(*args, stdin=(password + "\n") if password else None).strip())

    def create_token(self, email):
        token = self.cli("token", "create", "--user", email).strip()
        note_secret(token)
        return token

    def user_with_token(self, email, role, group=None, password=None):
        """(account id, token) of a new account."""
        account = self.create_user(email, role, group, password)
        return account, self.create_token(email)

    # -- the database, read behind the daemon's back ---------------------------

    def sql(self, query, *args):
        conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
        try:
            return conn.execute(query, args).fetchall()
        finally:
            conn.close()

    def scalar(self, query, *args):
        return self.sql(query, *args)[0][0]

    def tables(self):
        return [r[0] for r in self.sql("SELECT name FROM sqlite_master WHERE type = 'table' "
                                       "AND name NOT LIKE 'sqlite_%' ORDER BY name")]

    def counts(self):
        """Rows per table."""
        return {t: self.scalar(f'SELECT count(*) FROM "{t}"') for t in self.tables()}

    def snapshot(self, skip=("api_token", "session")):
        """Every row of every table (but the ones that change on mere use)."""
        out = {}
        for t in self.tables():
            if t in skip:
                out[t] = self.scalar(f'SELECT count(*) FROM "{t}"')
            elif t == "plugin_kv":
                # The host's own bookkeeping (how far plugins heard events)
                # moves in the background; plugins' own values count.
                out[t] = sorted(map(repr, self.sql("SELECT * FROM plugin_kv WHERE plugin <> '_host'")))
            else:
                out[t] = sorted(map(repr, self.sql(f'SELECT * FROM "{t}"')))
        return out

    def integrity(self):
        return self.scalar("PRAGMA integrity_check")


def raw_socket(port, source=None, timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                 source_address=(source, 0) if source else None)
    return s


def read_until_closed(sock, limit=10):
    """Reads until the peer closes; returns (bytes, seconds waited)."""
    start = time.monotonic()
    data = b""
    sock.settimeout(limit)
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    return data, time.monotonic() - start
