#!/usr/bin/env python3
"""Loopback receivers for tests/e2e/remind.sh.

    sink.py http DIR    answers every POST with 200 and keeps its body
    sink.py smtp DIR    a minimal SMTP server that accepts every mail

Listens on a free port of 127.0.0.1 and writes it to DIR/port once ready.
Each request or mail N goes to DIR/N.txt (the body, or the whole message as
received) and DIR/N.env (path and headers, or MAIL FROM and RCPT TO)."""
import os
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

kind, out = sys.argv[1], sys.argv[2]
lock = threading.Lock()
count = 0


def keep(body, env):
    global count
    with lock:
        count += 1
        n = count
    with open(os.path.join(out, f"{n}.env"), "w") as f:
        f.write(env)
    # .txt last: its presence means the request is complete
    with open(os.path.join(out, f"{n}.tmp"), "wb") as f:
        f.write(body)
    os.rename(os.path.join(out, f"{n}.tmp"), os.path.join(out, f"{n}.txt"))


class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        keep(body, f"POST {self.path}\n{self.headers}")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Smtp(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        env = []
        self.reply("220 sink ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("ascii", "replace").strip()
            verb = cmd.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink")
            elif verb in ("MAIL", "RCPT"):
                env.append(cmd)
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                data = b""
                while True:
                    l = self.rfile.readline()
                    if not l or l == b".\r\n":
                        break
                    data += l[1:] if l.startswith(b"..") else l
                keep(data, "\n".join(env) + "\n")
                env = []
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


class Threaded(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


if kind == "http":
    srv = HTTPServer(("127.0.0.1", 0), Hook)
else:
    srv = Threaded(("127.0.0.1", 0), Smtp)
with open(os.path.join(out, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(out, "port.tmp"), os.path.join(out, "port"))
srv.serve_forever()
