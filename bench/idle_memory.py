#!/usr/bin/env python3
"""turnoutd's memory at rest with the network data set (SPEC §6: under
64 MB idle), beside its peer from the same run: the same daemon, plugins
and settings on an empty database.

Each daemon is started with the bundled plugins, answers /healthz, serves
one request to each kind of page the UI uses, and is then left alone for
IDLE seconds (its planner and dispatcher run at start); then its resident
memory (VmRSS) and peak (VmHWM) are read from /proc.

usage: idle_memory.py TURNOUTD NETWORK_DB WORK_DIR --plugins DIR [--idle 10]
Prints "name value" lines (megabytes).
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request


def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        text = f.read()
    kb = lambda key: int(re.search(rf"^{key}:\s+(\d+) kB", text, re.M).group(1))
    return kb("VmRSS") / 1024, kb("VmHWM") / 1024


def measure(turnoutd, db, work, plugins, idle):
    os.makedirs(work, exist_ok=True)
    config = os.path.join(work, "turnout.toml")
    log = os.path.join(work, "turnoutd.log")
    with open(config, "w") as f:
        f.write('[server]\nlisten = "127.0.0.1:0"\n'
                f'[database]\npath = "{db}"\n'
                f'[plugins]\ndir = "{plugins}"\n'
                f'[plugin.sms]\ndir = "{work}/sms"\n'
                f'[plugin.email]\ndir = "{work}/email"\n')
    with open(log, "w") as out:
        proc = subprocess.Popen([turnoutd, "serve", "--config", config], stdout=out, stderr=subprocess.STDOUT)
    try:
        port = None
        deadline = time.time() + 120
        while time.time() < deadline and port is None:
            with open(log, encoding="utf-8", errors="replace") as f:
                m = re.search(r"serving on http://127\.0\.0\.1:(\d+)", f.read())
            port = m and int(m.group(1))
            if proc.poll() is not None:
                raise SystemExit(f"turnoutd stopped: see {log}")
            time.sleep(0.1)
        for path in ("/healthz", "/app/", "/api/v1/openapi.json", "/metrics"):
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30).read()
        time.sleep(idle)
        return rss(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("turnoutd")
    ap.add_argument("db")
    ap.add_argument("work")
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--idle", type=float, default=10)
    a = ap.parse_args()
    # A copy: the daemon's planner writes to the database it serves.
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    network = os.path.join(a.work, "network.db")
    subprocess.run(["sqlite3", a.db, f".backup '{network}'"], check=True)
    empty = os.path.join(a.work, "empty.db")
    subprocess.run([a.turnoutd, "init", "--db", empty], check=True, capture_output=True)
    net_rss, net_peak = measure(a.turnoutd, network, os.path.join(a.work, "network"), a.plugins, a.idle)
    empty_rss, empty_peak = measure(a.turnoutd, empty, os.path.join(a.work, "empty"), a.plugins, a.idle)
    print(f"memory.network.rss_mb {net_rss:.1f}")
    print(f"memory.network.peak_mb {net_peak:.1f}")
    print(f"memory.peer.empty.rss_mb {empty_rss:.1f}")
    print(f"memory.peer.empty.peak_mb {empty_peak:.1f}")


if __name__ == "__main__":
    main()
