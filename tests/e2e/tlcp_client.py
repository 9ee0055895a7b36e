#!/usr/bin/python3
"""A TLCP (GB/T 38636-2020) client for the tests, written from the
standard, not from finca's server: ECC_SM4_CBC_SM3 (0xE013) over
python3-cryptography (SM3, HMAC-SM3, SM4-CBC) and the openssl command
(SM2 encryption of the pre-master secret, SM2 verification of the
ServerKeyExchange signature).

    tlcp_client.py HOST PORT [--get PATH] [--certs DIR] [--suite HEX]
                   [--bad-finished] [--version HEX] [--hold SECONDS]

Writes the server's certificates to DIR (sign.pem, enc.pem, chain.pem),
checks the ServerKeyExchange signature and the server's Finished, sends
GET PATH and prints the HTTP response's body; with --hold, asks for a
kept-alive connection, prints the body and keeps the connection open that
long (or until the server ends it).  An alert from the server
is printed as "alert N" and the exit status is 3; any other failure 1.
"""
import argparse
import os
import secrets
import socket
import struct
import subprocess
import sys
import tempfile

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

CCS, ALERT, HANDSHAKE, DATA = 20, 21, 22, 23
VERSION = 0x0101
SUITE = 0xE013
SM2_ID = "distid:1234567812345678"


class Alert(Exception):
    pass


def hmac_sm3(key, data):
    h = hmac.HMAC(key, hashes.SM3())
    h.update(data)
    return h.finalize()


def sm3(data):
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def prf(secret, label, seed, n):
    """P_SM3 (GB/T 38636 6.5, TLS 1.2's P_hash with HMAC-SM3)."""
    seed = label + seed
    a, out = hmac_sm3(secret, seed), b""
    while len(out) < n:
        out += hmac_sm3(secret, a + seed)
        a = hmac_sm3(secret, a)
    return out[:n]


def pem(der):
    import base64
    b = base64.encodebytes(der).decode().replace("\n", "")
    lines = [b[i:i + 64] for i in range(0, len(b), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def run(args, data=None):
    r = subprocess.run(args, input=data, capture_output=True)
    if r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(args), r.stderr.decode(errors="replace")))
    return r.stdout


class Conn:
    def __init__(self, sock):
        self.s = sock
        self.buf = b""
        self.wr = self.rd = None      # (mac key, sm4 key, seq)
        self.transcript = b""
        self.hs = b""

    def recv_exact(self, n):
        while len(self.buf) < n:
            d = self.s.recv(65536)
            if not d:
                raise EOFError("the server closed the connection")
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, ctype, data):
        if self.wr:
            mk, k, seq = self.wr
            mac = hmac_sm3(mk, struct.pack(">QBHH", seq, ctype, VERSION, len(data)) + data)
            body = data + mac
            pad = 15 - len(body) % 16
            body += bytes([pad]) * (pad + 1)
            iv = secrets.token_bytes(16)
            e = Cipher(algorithms.SM4(k), modes.CBC(iv)).encryptor()
            data = iv + e.update(body) + e.finalize()
            self.wr = (mk, k, seq + 1)
        self.s.sendall(struct.pack(">BHH", ctype, VERSION, len(data)) + data)

    def recv(self):
        t, v, n = struct.unpack(">BHH", self.recv_exact(5))
        data = self.recv_exact(n)
        if v != VERSION:
            raise RuntimeError("record version %04x, not TLCP's 0101" % v)
        if self.rd:
            mk, k, seq = self.rd
            d = Cipher(algorithms.SM4(k), modes.CBC(data[:16])).decryptor()
            pt = d.update(data[16:]) + d.finalize()
            pad = pt[-1]
            if pt[-pad - 1:] != bytes([pad]) * (pad + 1):
                raise RuntimeError("bad padding from the server")
            pt = pt[:-pad - 1]
            data, mac = pt[:-32], pt[-32:]
            want = hmac_sm3(mk, struct.pack(">QBHH", seq, t, VERSION, len(data)) + data)
            if mac != want:
                raise RuntimeError("bad record MAC from the server")
            self.rd = (mk, k, seq + 1)
        if t == ALERT:
            raise Alert("alert %d" % data[1])
        return t, data

    def send_hs(self, mtype, body):
        m = struct.pack(">B", mtype) + len(body).to_bytes(3, "big") + body
        self.transcript += m
        self.send(HANDSHAKE, m)

    def recv_hs(self, want):
        while len(self.hs) < 4 or len(self.hs) < 4 + int.from_bytes(self.hs[1:4], "big"):
            t, d = self.recv()
            if t != HANDSHAKE:
                raise RuntimeError("record type %d during the handshake" % t)
            self.hs += d
        n = int.from_bytes(self.hs[1:4], "big")
        m, self.hs = self.hs[:4 + n], self.hs[4 + n:]
        if m[0] != want:
            raise RuntimeError("handshake message %d, %d was due" % (m[0], want))
        self.transcript += m
        return m[4:]


def handshake(c, o, tmp):
    cr = secrets.token_bytes(32)
    suites = [int(x, 16) for x in o.suite.split(",")]
    hello = struct.pack(">H", int(o.version, 16)) + cr + b"\x00"
    hello += struct.pack(">H", 2 * len(suites)) + b"".join(struct.pack(">H", s) for s in suites)
    hello += b"\x01\x00"
    c.send_hs(1, hello)

    sh = c.recv_hs(2)
    if struct.unpack(">H", sh[:2])[0] != VERSION:
        raise RuntimeError("ServerHello version is not 0101")
    sr = sh[2:34]
    sid = sh[34]
    if struct.unpack(">H", sh[35 + sid:37 + sid])[0] != SUITE or sh[37 + sid] != 0:
        raise RuntimeError("ServerHello chose another suite or compression")

    body = c.recv_hs(11)
    total, p, certs = int.from_bytes(body[:3], "big"), 3, []
    if total != len(body) - 3:
        raise RuntimeError("Certificate: bad length")
    while p < len(body):
        n = int.from_bytes(body[p:p + 3], "big")
        certs.append(body[p + 3:p + 3 + n])
        p += 3 + n
    if len(certs) < 2:
        raise RuntimeError("Certificate: TLCP sends the signing and the encryption certificate")
    os.makedirs(o.certs, exist_ok=True)
    names = {"sign": certs[0], "enc": certs[1]}
    for k, der in names.items():
        with open(os.path.join(o.certs, k + ".pem"), "w") as f:
            f.write(pem(der))
    with open(os.path.join(o.certs, "chain.pem"), "w") as f:
        f.write("".join(pem(d) for d in certs[2:]))

    ske = c.recv_hs(12)
    n = struct.unpack(">H", ske[:2])[0]
    sig = ske[2:2 + n]
    if n + 2 != len(ske):
        raise RuntimeError("ServerKeyExchange: bad length")
    tbs = cr + sr + len(certs[1]).to_bytes(3, "big") + certs[1]
    sign_pub = os.path.join(tmp, "sign.pub")
    with open(sign_pub, "wb") as f:
        f.write(run(["openssl", "x509", "-in", os.path.join(o.certs, "sign.pem"),
                     "-pubkey", "-noout"]))
    for k, v in (("tbs", tbs), ("sig", sig)):
        with open(os.path.join(tmp, k), "wb") as f:
            f.write(v)
    r = subprocess.run(["openssl", "dgst", "-sm3", "-verify", sign_pub, "-sigopt", SM2_ID,
                        "-signature", os.path.join(tmp, "sig"), os.path.join(tmp, "tbs")],
                       capture_output=True)
    if r.returncode != 0:
        raise RuntimeError("ServerKeyExchange: the signature does not verify with the "
                           "signing certificate")
    c.recv_hs(14)

    pms = struct.pack(">H", VERSION) + secrets.token_bytes(46)
    enc_pub = os.path.join(tmp, "enc.pub")
    with open(enc_pub, "wb") as f:
        f.write(run(["openssl", "x509", "-in", os.path.join(o.certs, "enc.pem"),
                     "-pubkey", "-noout"]))
    ct = run(["openssl", "pkeyutl", "-encrypt", "-pubin", "-inkey", enc_pub], pms)
    c.send_hs(16, struct.pack(">H", len(ct)) + ct)

    master = prf(pms, b"master secret", cr + sr, 48)
    kb = prf(master, b"key expansion", sr + cr, 96)
    c.send(CCS, b"\x01")
    c.wr = (kb[0:32], kb[64:80], 0)
    vd = prf(master, b"client finished", sm3(c.transcript), 12)
    if o.bad_finished:
        vd = bytes([vd[0] ^ 1]) + vd[1:]
    c.send_hs(20, vd)

    t, d = c.recv()
    if t != CCS or d != b"\x01":
        raise RuntimeError("the server's ChangeCipherSpec was due")
    c.rd = (kb[32:64], kb[80:96], 0)
    want = prf(master, b"server finished", sm3(c.transcript), 12)
    if c.recv_hs(20) != want:
        raise RuntimeError("the server's Finished is wrong")


def complete(resp):
    """A whole response with Content-Length is in resp."""
    head, sep, body = resp.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return sep and len(body) >= int(line.split(b":")[1])
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--get", default="/healthz")
    ap.add_argument("--certs", default=".")
    ap.add_argument("--suite", default="e013")
    ap.add_argument("--version", default="0101")
    ap.add_argument("--bad-finished", action="store_true")
    ap.add_argument("--hold", type=float, default=0)
    o = ap.parse_args()
    try:
        with tempfile.TemporaryDirectory() as tmp, \
                socket.create_connection((o.host, o.port), timeout=20) as s:
            c = Conn(s)
            handshake(c, o, tmp)
            c.send(DATA, ("GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n"
                          % (o.get, o.host, "" if o.hold else "Connection: close\r\n")).encode())
            resp = b""
            while not (o.hold and complete(resp)):
                try:
                    t, d = c.recv()
                except (Alert, EOFError) as e:
                    if str(e) == "alert 0" or isinstance(e, EOFError):
                        break
                    raise
                if t == DATA:
                    resp += d
            if o.hold:
                sys.stdout.buffer.write(resp.partition(b"\r\n\r\n")[2])
                sys.stdout.flush()
                s.settimeout(o.hold)
                try:
                    while s.recv(4096):
                        pass
                    print("the server closed the connection", file=sys.stderr)
                except socket.timeout:
                    pass
                return 0
        head, _, body = resp.partition(b"\r\n\r\n")
        status = head.split(b"\r\n")[0].decode(errors="replace")
        print(status, file=sys.stderr)
        if b"transfer-encoding: chunked" in head.lower():
            out, rest = b"", body
            while rest:
                line, _, rest = rest.partition(b"\r\n")
                n = int(line.split(b";")[0], 16)
                if n == 0:
                    break
                out, rest = out + rest[:n], rest[n + 2:]
            body = out
        sys.stdout.buffer.write(body)
        return 0 if " 200 " in status + " " else 1
    except Alert as e:
        print(e, file=sys.stderr)
        return 3
    except Exception as e:  # noqa: BLE001 - the test reads the message
        print("tlcp_client: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
