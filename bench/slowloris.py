#!/usr/bin/env python3
"""Slow and abusive HTTP clients for bench/slowloris and tests/e2e/abuse.sh.

  slowloris.py trickle HOST PORT --conns N --every S --seconds T
      N connections from --source (127.0.0.1), each sending one byte of a
      request that never ends (a header line that goes on for ever) every S
      seconds, spread evenly; a connection the server closes is opened again
      at its next turn (what a slowloris attacker does).  At the end, one JSON
      line: opened, closed_by_server, bytes, and the connections still open.
  slowloris.py probe HOST PORT --req REQ.DER --source 127.0.0.2 --every S --seconds T
      An OCSP client from another address: one POST /ocsp on a new connection
      every S seconds (or right after the previous one, if slower), 5 s
      timeout; a good answer is HTTP 200 with a DER body.  One JSON line:
      count, ok (good answers), within_1s (good and <= 1 s), share_1s
      (within_1s / count), p50, p95, p99, max (seconds, of the good answers),
      and the errors by kind.
  slowloris.py slowpost HOST PORT --size B --rate R
      POSTs B bytes to /ocsp at R bytes a second (a slow but honest upload);
      prints the HTTP status, or 0 when the server cut it off.

Traffic goes only where HOST says; the callers use 127.0.0.0/8 only.
"""
import argparse
import errno
import http.client
import json
import resource
import selectors
import socket
import sys
import time

# A request that never ends: after the request line and Host, one header
# whose value grows a byte at a time.
PREFIX = b"GET /healthz HTTP/1.1\r\nHost: finca\r\nX-Slow: "


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, n))
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


class Conn:
    __slots__ = ("sock", "pos", "connected")

    def __init__(self):
        self.sock = None
        self.pos = 0
        self.connected = False


def trickle(a):
    if raise_nofile(a.conns + 64) < a.conns + 16:
        sys.exit("slowloris: cannot open %d files (ulimit -Hn)" % a.conns)
    conns = [Conn() for _ in range(a.conns)]
    st = {"opened": 0, "closed_by_server": 0, "connect_failed": 0, "bytes": 0}
    sel = selectors.DefaultSelector()

    def close(c, by_server):
        if c.sock is not None:
            try:
                sel.unregister(c.sock)
            except (KeyError, ValueError):
                pass
            c.sock.close()
        c.sock, c.pos, c.connected = None, 0, False
        if by_server:
            st["closed_by_server"] += 1

    def open_(c):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind((a.source, 0))
        e = s.connect_ex((a.host, a.port))
        if e not in (0, errno.EINPROGRESS):
            s.close()
            st["connect_failed"] += 1
            return
        c.sock, c.pos, c.connected = s, 0, e == 0
        sel.register(s, selectors.EVENT_READ, c)
        st["opened"] += 1

    def turn(c):
        if c.sock is None:
            open_(c)
            return
        if not c.connected:
            e = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if e:
                close(c, False)
                st["connect_failed"] += 1
                return
            c.connected = True
        byte = PREFIX[c.pos:c.pos + 1] if c.pos < len(PREFIX) else b"a"
        try:
            if c.sock.send(byte) == 1:
                c.pos += 1
                st["bytes"] += 1
        except BlockingIOError:
            pass  # not connected yet, or the buffer is full: next turn
        except OSError:
            close(c, True)

    start = time.monotonic()
    end = start + a.seconds
    tick = 0.05
    per_tick = max(1, round(a.conns * tick / a.every))
    i = 0
    while True:
        now = time.monotonic()
        if now >= end:
            break
        # the server closes: readable with EOF (or a 4xx, then EOF)
        for key, _ in sel.select(timeout=0):
            c = key.data
            try:
                data = c.sock.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                close(c, True)
        for _ in range(per_tick):
            turn(conns[i])
            i = (i + 1) % a.conns
        nxt = now + tick
        time.sleep(max(0.0, nxt - time.monotonic()))
    st["open_at_end"] = sum(1 for c in conns if c.sock is not None)
    for c in conns:
        close(c, False)
    print(json.dumps(st), flush=True)


def pct(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(p * len(xs)))], 4)


def probe(a):
    body = open(a.req, "rb").read()
    lat, errors, n = [], {}, 0
    end = time.monotonic() + a.seconds
    nxt = time.monotonic()
    while time.monotonic() < end:
        time.sleep(max(0.0, nxt - time.monotonic()))
        nxt += a.every
        n += 1
        t0 = time.monotonic()
        h = http.client.HTTPConnection(a.host, a.port, timeout=5,
                                       source_address=(a.source, 0))
        try:
            h.request("POST", "/ocsp", body,
                      {"Content-Type": "application/ocsp-request",
                       "Connection": "close"})
            r = h.getresponse()
            data = r.read()
            dt = time.monotonic() - t0
            if r.status == 200 and data[:1] == b"\x30":
                lat.append(dt)
            else:
                k = "http %d" % r.status
                errors[k] = errors.get(k, 0) + 1
        except (OSError, http.client.HTTPException) as e:
            k = type(e).__name__
            errors[k] = errors.get(k, 0) + 1
        finally:
            h.close()
    within = sum(1 for x in lat if x <= 1.0)
    print(json.dumps({
        "count": n, "ok": len(lat), "within_1s": within,
        "share_1s": round(within / n, 4) if n else 0.0,
        "p50": pct(lat, 0.50), "p95": pct(lat, 0.95), "p99": pct(lat, 0.99),
        "max": round(max(lat), 4) if lat else None, "errors": errors,
    }), flush=True)


def slowpost(a):
    s = socket.create_connection((a.host, a.port), timeout=30,
                                 source_address=(a.source, 0))
    s.sendall(b"POST /ocsp HTTP/1.1\r\nHost: finca\r\n"
              b"Content-Type: application/ocsp-request\r\n"
              b"Content-Length: %d\r\nConnection: close\r\n\r\n" % a.size)
    chunk = max(1, a.rate // 10)
    sent = 0
    try:
        while sent < a.size:
            n = min(chunk, a.size - sent)
            s.sendall(b"\0" * n)
            sent += n
            time.sleep(0.1)
        reply = s.recv(64)
    except OSError:
        reply = b""
    s.close()
    parts = reply.split(b" ")
    print(int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("trickle", "probe", "slowpost"):
        s = sub.add_parser(name)
        s.add_argument("host")
        s.add_argument("port", type=int)
    t = sub.choices["trickle"]
    t.add_argument("--conns", type=int, default=1500)
    t.add_argument("--every", type=float, default=2.0)
    t.add_argument("--seconds", type=float, default=60)
    t.add_argument("--source", default="127.0.0.1")
    q = sub.choices["probe"]
    q.add_argument("--req", required=True)
    q.add_argument("--every", type=float, default=0.1)
    q.add_argument("--seconds", type=float, default=60)
    q.add_argument("--source", default="127.0.0.2")
    w = sub.choices["slowpost"]
    w.add_argument("--size", type=int, required=True)
    w.add_argument("--rate", type=int, required=True)
    w.add_argument("--source", default="127.0.0.3")
    a = p.parse_args()
    {"trickle": trickle, "probe": probe, "slowpost": slowpost}[a.cmd](a)


if __name__ == "__main__":
    main()
