#!/usr/bin/python3
"""A real SMTP server on loopback (aiosmtpd, Debian's python3-aiosmtpd) for
the email tests and the bench.

    smtp_sink.py --port-file F [--maildir DIR] [--port N]

Listens on 127.0.0.1 (port 0: any free one), writes the port to F once it
accepts connections, and keeps every message it receives as DIR/<n>.eml
with the envelope in DIR/<n>.json ({"mail_from", "rcpt_tos", "peer"}).
Without --maildir it only counts. Counts are served on the SMTP side too:
no files needed for the bench. Stops on SIGTERM or SIGINT.
"""

import argparse
import json
import os
import signal
import socket
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, maildir):
        self.maildir = maildir
        self.count = 0
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # A new EHLO is a new SMTP session; count them to see connection reuse.
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        if self.maildir:
            n = f"{self.count:06d}"
            tmp = os.path.join(self.maildir, f".{n}.eml")
            with open(tmp, "wb") as f:
                f.write(envelope.original_content or envelope.content)
            with open(os.path.join(self.maildir, f"{n}.json"), "w") as f:
                json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                           "peer": list(session.peer)[:2]}, f)
            os.rename(tmp, os.path.join(self.maildir, f"{n}.eml"))
        return "250 OK queued as " + str(self.count)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--maildir")
    a = ap.parse_args()
    if a.maildir:
        os.makedirs(a.maildir, exist_ok=True)
    sink = Sink(a.maildir)
    port = a.port or free_port()
    # No size limit beyond the default; SMTPUTF8 off: Turnout never needs it.
    controller = Controller(sink, hostname="127.0.0.1", port=port, ready_timeout=10,
                            server_kwargs={"data_size_limit": 10 * 1024 * 1024})
    controller.start()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{port}\n")
    os.rename(tmp, a.port_file)

    def stop(*_):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        signal.pause()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        controller.stop()
        sys.stderr.write(f"smtp_sink: {sink.count} messages over {sink.connections} sessions\n")


if __name__ == "__main__":
    main()
