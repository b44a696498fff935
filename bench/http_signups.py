#!/usr/bin/env python3
"""Public sign-ups per second through the real daemon, 64 keep-alive clients.

The figure (group commit: concurrent requests share one durable commit)
stands beside its peer from the same run: the same load with
write_batch_max = 1, one transaction per request. Both acknowledge a
sign-up only after it is on disk (synchronous=FULL).

Each sign-up is an existing volunteer (matched by phone) taking a place on
one of many non-overlapping meetings, so none is refused as an overlap.
After each run the database must hold exactly the acknowledged sign-ups
and no slot may be over capacity; otherwise this exits non-zero.

usage: http_signups.py TURNOUTD WORK_DIR [--seconds 10] [--connections 64]
Prints "name value" lines.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

VOLUNTEERS = 1000
MEETINGS = 80

LUA = r"""
-- Each connection walks its own share of (volunteer, meeting) pairs, so no
-- two requests ask for the same pair.
local tokens = {%(tokens)s}
local slots = {%(slots)s}
local volunteers = %(volunteers)d
local counter = 0
local threads = 0
-- thread_no is a global that setup() sets in each thread's own Lua state
-- (a local of the same name would hide it).
function setup(thread)
  thread:set("thread_no", threads)
  threads = threads + 1
end
function request()
  local k = counter * 2 + (thread_no or 0)
  counter = counter + 1
  local v = k %% volunteers
  local m = (k - v) / volunteers %% #tokens + 1
  local area = 201 + math.floor(v / 100)
  local phone = string.format("+1%%03d55501%%02d", area, v %% 100)
  local body = string.format('{"slot_id": %%d, "name": "Bench %%d", "phone": "%%s"}', slots[m], v, phone)
  return wrk.format("POST", "/api/v1/public/signup/" .. tokens[m], {["Content-Type"] = "application/json"}, body)
end
"""


def cli(turnoutd, db, *args, stdin=None):
    out = subprocess.run([turnoutd, *args, "--db", db], input=stdin, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def start(turnoutd, work, db, batch):
    cfg = os.path.join(work, f"bench-{batch}.toml")
    with open(cfg, "w") as f:
        # One address sends every sign-up here, so the per-address limit is off.
        f.write(f'[server]\nlisten = "127.0.0.1:0"\npublic_signups_per_minute = 0\n'
                f'[database]\nwrite_batch_max = {batch}\n')
    # The access log goes to a file, polled for the port: select() on a
    # buffered pipe can miss a line readline() already pulled in.
    path = os.path.join(work, f"daemon-{batch}.log")
    with open(path, "wb") as log:
        proc = subprocess.Popen([turnoutd, "serve", "--config", cfg, "--db", db], stderr=log)
    deadline = time.time() + 30
    while time.time() < deadline:
        with open(path, encoding="utf-8", errors="replace") as f:
            m = re.search(r"serving on http://127\.0\.0\.1:(\d+)", f.read())
        if m:
            return proc, int(m.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    proc.kill()
    sys.exit("turnoutd did not start")


def api(port, token, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    res = conn.getresponse()
    data = json.loads(res.read() or b"null")
    if res.status >= 300:
        sys.exit(f"setup failed: {method} {path} -> {res.status} {data}")
    return data


def prepare(turnoutd, work):
    """A database with volunteers and meetings; returns (db, tokens, slots)."""
    db = os.path.join(work, "signups.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    cli(turnoutd, db, "admin", "create-group", "--name", "Bench", "--slug", "bench", "--timezone", "UTC")
    cli(turnoutd, db, "admin", "create-user", "--group", "bench", "--email", "bench@example.org", "--role",
        "coordinator")
    token = cli(turnoutd, db, "token", "create", "--user", "bench@example.org")
    csv = os.path.join(work, "volunteers.csv")
    with open(csv, "w") as f:
        f.write("name,phone\n")
        for v in range(VOLUNTEERS):
            f.write(f"Bench {v},+1{201 + v // 100:03d}55501{v % 100:02d}\n")
    cli(turnoutd, db, "import", "volunteers", csv, "--group", "bench")
    proc, port = start(turnoutd, work, db, 512)
    try:
        body = api(port, token, "POST", "/api/v1/bodies", {"name": "Bench Council", "kind": "city_council",
                                                           "timezone": "UTC"})
        tokens, slots = [], []
        day = 86400
        first = int(time.time()) // day * day + 2 * day
        for m in range(MEETINGS):
            start_at = time.strftime("%Y-%m-%dT18:00:00Z", time.gmtime(first + m * day))
            meeting = api(port, token, "POST", "/api/v1/meetings", {"body_id": body["id"], "title": f"Meeting {m}",
                                                                    "starts_at": start_at})
            slot = api(port, token, "POST", f"/api/v1/meetings/{meeting['id']}/slots",
                       {"role": "turnout", "capacity": VOLUNTEERS})
            tokens.append(meeting["signup_url"].rsplit("/", 1)[1])
            slots.append(slot["id"])
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    return db, tokens, slots


def run_load(turnoutd, work, base_db, tokens, slots, batch, seconds, connections):
    db = os.path.join(work, f"run-{batch}.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    shutil.copy(base_db, db)
    script = os.path.join(work, "signup.lua")
    with open(script, "w") as f:
        f.write(LUA % {"tokens": ", ".join(f'"{t}"' for t in tokens), "slots": ", ".join(map(str, slots)),
                       "volunteers": VOLUNTEERS})
    proc, port = start(turnoutd, work, db, batch)
    try:
        out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script,
                              f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    if code != 0:
        sys.exit(f"turnoutd exited with {code}")
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    with sqlite3.connect(db) as c:
        stored = c.execute("SELECT count(*) FROM assignment").fetchone()[0]
        over = c.execute("SELECT count(*) FROM slot s WHERE (SELECT count(*) FROM assignment a WHERE a.slot_id = s.id "
                         "AND a.status IN ('invited','confirmed','attended','no_show')) > s.capacity").fetchone()[0]
        integrity = c.execute("PRAGMA integrity_check").fetchone()[0]
    return {"per_second": rate, "requests": total, "refused": non2xx, "acknowledged": total - non2xx,
            "stored": stored, "over_capacity": over, "integrity": integrity, "p99": p99}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("turnoutd")
    p.add_argument("work")
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--connections", type=int, default=64)
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    base, tokens, slots = prepare(a.turnoutd, a.work)
    ok = True
    for name, batch in (("group_commit", 512), ("peer.one_tx_per_request", 1)):
        r = run_load(a.turnoutd, a.work, base, tokens, slots, batch, a.seconds, a.connections)
        print(f"http_signups.{name}.per_second {r['per_second']:.0f}")
        print(f"http_signups.{name}.p99 {r['p99']}")
        print(f"http_signups.{name}.acknowledged {r['acknowledged']}  http_signups.{name}.stored {r['stored']}  "
              f"http_signups.{name}.refused {r['refused']}  http_signups.{name}.over_capacity {r['over_capacity']}")
        # wrk stops mid-flight: a request it gave up on may still have landed,
        # so stored may exceed acknowledged by at most the connection count.
        if r["stored"] < r["acknowledged"] or r["stored"] > r["acknowledged"] + a.connections \
                or r["over_capacity"] or r["integrity"] != "ok":
            print(f"http_signups.{name}.FAILED stored/acknowledged/integrity mismatch", file=sys.stderr)
            ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
