#!/usr/bin/env python3
"""A volunteer's calendar feed over keep-alive HTTP, beside nginx serving
the very same bytes as a static file, measured in the same run (SPEC §6).

On the network data set: the volunteer with the most assignments gets a
feed link through the API; the daemon (with the ical plugin) and nginx
(from Debian, started here on loopback with its own temporary prefix and
config, no root paths) each serve it to wrk for the same time with the
same threads and connections. Then the daemon again with If-None-Match:
the 304 rate.

usage: http_feeds.py TURNOUTD DB WORK_DIR --plugins DIR [--seconds 10] [--connections 32]
Prints "name value" lines.
"""

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time


def cli(turnoutd, db, *args, stdin=None):
    out = subprocess.run([turnoutd, *args, "--db", db], input=stdin, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(path, pattern, proc, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if os.path.exists(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                m = re.search(pattern, f.read())
            if m:
                return m
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    raise SystemExit(f"not started: see {path}")


def wrk(url, seconds, connections, headers=()):
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s"]
    for h in headers:
        args += ["-H", h]
    out = subprocess.run(args + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non2xx:
        raise SystemExit(f"wrk saw errors against {url}:\n{out}")
    return rps


def get(port, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=headers or {})
    res = conn.getresponse()
    body = res.read()
    conn.close()
    return res.status, dict(res.getheaders()), body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("turnoutd")
    ap.add_argument("db")
    ap.add_argument("work")
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    a = ap.parse_args()
    # nginx reads paths in its config from its prefix: give it absolute ones.
    a.work, a.db, a.plugins = (os.path.abspath(p) for p in (a.work, a.db, a.plugins))
    os.makedirs(a.work, exist_ok=True)
    # A copy: the daemon's planner writes the week's reminders into the
    # database it serves, and the planning bench after this one must find
    # the data set as generated (else its first pass has nothing to write).
    copy = os.path.join(a.work, "network.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(copy + suffix):
            os.remove(copy + suffix)
    subprocess.run(["sqlite3", a.db, f".backup '{copy}'"], check=True)
    a.db = copy

    # The volunteer with the most assignments, and a coordinator of their group.
    import sqlite3
    con = sqlite3.connect(a.db)
    volunteer_id, group_id, _ = con.execute(
        "SELECT a.volunteer_id, v.group_id, count(*) FROM assignment a JOIN volunteer v ON v.id = a.volunteer_id "
        "GROUP BY a.volunteer_id ORDER BY count(*) DESC, a.volunteer_id LIMIT 1").fetchone()
    slug = con.execute('SELECT slug FROM "group" WHERE id = ?', (group_id,)).fetchone()[0]
    con.close()
    email = f"bench-feeds-{int(time.time())}@example.org"
    cli(a.turnoutd, a.db, "admin", "create-user", "--group", slug, "--email", email, "--role", "coordinator")
    token = cli(a.turnoutd, a.db, "token", "create", "--user", email)

    port = free_port()
    cfg = os.path.join(a.work, "turnoutd.toml")
    with open(cfg, "w") as f:
        f.write(f'[server]\nlisten = "127.0.0.1:{port}"\npublic_url = "http://127.0.0.1:{port}"\n'
                f'[plugins]\ndir = "{a.plugins}"\nenabled = ["ical"]\n')
    log_path = os.path.join(a.work, "turnoutd.log")
    with open(log_path, "wb") as log:
        daemon = subprocess.Popen([a.turnoutd, "serve", "--config", cfg, "--db", a.db], stderr=log)
    nginx = None
    try:
        wait_for(log_path, r"serving on", daemon)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", f"/api/v1/volunteers/{volunteer_id}/feed-token",
                     headers={"Authorization": "Bearer " + token})
        res = conn.getresponse()
        links = res.read().decode()
        conn.close()
        url = re.search(r'"url":"([^"]+)"', links).group(1)
        path = url.split(f"127.0.0.1:{port}", 1)[1]
        status, headers, feed = get(port, path)
        if status != 200:
            raise SystemExit(f"the feed answered {status}")
        etag = headers["ETag"]

        # nginx on loopback with its own prefix: the same bytes as a file.
        prefix = os.path.join(a.work, "nginx")
        shutil.rmtree(prefix, ignore_errors=True)
        os.makedirs(os.path.join(prefix, "www"))
        os.makedirs(os.path.join(prefix, "tmp"))
        with open(os.path.join(prefix, "www", "feed.ics"), "wb") as f:
            f.write(feed)
        nport = free_port()
        user = "user root;\n" if os.geteuid() == 0 else ""
        with open(os.path.join(prefix, "nginx.conf"), "w") as f:
            f.write(f"""{user}worker_processes 2;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log {prefix}/access.log;
  client_body_temp_path {prefix}/tmp/body;
  proxy_temp_path {prefix}/tmp/proxy;
  fastcgi_temp_path {prefix}/tmp/fastcgi;
  uwsgi_temp_path {prefix}/tmp/uwsgi;
  scgi_temp_path {prefix}/tmp/scgi;
  types {{ text/calendar ics; }}
  charset utf-8;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{nport};
    root {prefix}/www;
    location / {{ add_header Cache-Control private; add_header Referrer-Policy no-referrer; }}
  }}
}}
""")
        nginx = subprocess.Popen(["nginx", "-p", prefix, "-c", os.path.join(prefix, "nginx.conf"), "-e",
                                  os.path.join(prefix, "error.log")], stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while True:
            try:
                st, _, body = get(nport, "/feed.ics")
                if st == 200 and body == feed:
                    break
            except OSError:
                pass
            if time.time() > deadline or nginx.poll() is not None:
                raise SystemExit(f"nginx did not serve the file; see {prefix}/error.log")
            time.sleep(0.05)

        t = wrk(f"http://127.0.0.1:{port}{path}", a.seconds, a.connections)
        n = wrk(f"http://127.0.0.1:{nport}/feed.ics", a.seconds, a.connections)
        t304 = wrk(f"http://127.0.0.1:{port}{path}", a.seconds, a.connections, [f"If-None-Match: {etag}"])
        print(f"feeds.events {feed.count(b'BEGIN:VEVENT')}")
        print(f"feeds.bytes {len(feed)}")
        print(f"feeds.turnoutd.per_second {t:.0f}")
        print(f"feeds.nginx.per_second {n:.0f}")
        print(f"feeds.turnoutd_304.per_second {t304:.0f}")
    finally:
        for p in (nginx, daemon):
            if p and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()


if __name__ == "__main__":
    sys.exit(main())
