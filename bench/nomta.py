#!/usr/bin/env python3
"""bench/nomta.py - the "no-MTA" load of bench/run.sh: the MTA side of the
milter protocol (version 6), as Postfix speaks it, sending the same message
N times to a running milter over its socket, without Postfix's own work on
the machine. Like Postfix behind smtp-source -d, each session is one milter
connection carrying its messages (connect once; per message: macros, MAIL
FROM, RCPT TO, header fields, end of headers, the body in 64 KiB chunks,
end of message). It offers every protocol flag Postfix 3.7 offers and honours
what the milter asks for (steps it skips, replies it does not send, leading
spaces). Every end-of-message reply is checked: --want sign needs a body
replacement and a Content-Type multipart/signed; --want verify needs an
Authentication-Results field with smime=pass. Exit 0 only when every message
passed. (miltertest 1.0 cannot serve here: it overflows a stack buffer on a
body-replacement chunk or header field over ~1 KiB, e.g. X-Kyso-Verdict.)

  nomta.py --sock unix:PATH|inet:PORT@HOST --msg FILE --count N
           [--sessions S] [--ip ADDR] [--from ADDR] [--rcpt ADDR]
           --want sign|verify
"""
import argparse
import os
import socket
import struct
import sys

# SMFIP_* protocol flags (libmilter mfdef.h)
NOCONNECT, NOHELO, NOMAIL, NORCPT, NOBODY, NOHDRS, NOEOH = 0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40
NR_HDR, NOUNKNOWN, NODATA = 0x80, 0x100, 0x200
NR_CONN, NR_HELO, NR_MAIL, NR_RCPT, NR_DATA, NR_UNKN, NR_EOH, NR_BODY = (
    0x1000, 0x2000, 0x4000, 0x8000, 0x10000, 0x20000, 0x40000, 0x80000)
HDR_LEADSPC = 0x100000
OFFER_PROTO = 0x1FFFFF
OFFER_ACTIONS = 0x1FF
FINAL = b"acrtdy"  # accept continue reject tempfail discard replycode
CHUNK = 65535


class Fail(Exception):
    pass


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        got = s.recv(n - len(buf))
        if not got:
            raise Fail("milter closed the connection")
        buf += got
    return buf


def send(s, cmd, data=b""):
    s.sendall(struct.pack(">I", len(data) + 1) + cmd + data)


def recv(s):
    (n,) = struct.unpack(">I", recv_exact(s, 4))
    if n < 1 or n > 64 * 1024 * 1024:
        raise Fail("bad packet length %d" % n)
    pkt = recv_exact(s, n)
    return pkt[:1], pkt[1:]


def expect_continue(s, what):
    cmd, _ = recv(s)
    if cmd != b"c":
        raise Fail("%s: reply %r" % (what, cmd))


def parse_message(path):
    with open(path, "rb") as f:
        text = f.read().replace(b"\r\n", b"\n")
    end = text.find(b"\n\n")
    if end < 0:
        raise Fail("no end of header in " + path)
    headers = []
    for line in text[: end + 1].split(b"\n")[:-1]:
        if line[:1] in (b" ", b"\t") and headers:
            headers[-1][1] += b"\r\n" + line
        else:
            name, sep, value = line.partition(b":")
            if not sep:
                raise Fail("bad header line in " + path)
            headers.append([name, value])
    body = text[end + 2:].replace(b"\n", b"\r\n")
    return headers, [body[i:i + CHUNK] for i in range(0, len(body), CHUNK)]


def connect(spec):
    kind, _, rest = spec.partition(":")
    if kind in ("unix", "local"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(rest)
    elif kind == "inet":
        port, _, host = rest.partition("@")
        s = socket.create_connection((host or "127.0.0.1", int(port)))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    else:
        raise Fail("socket must be unix:PATH or inet:PORT@HOST")
    return s


def session(a, headers, chunks, count, tag):
    s = connect(a.sock)
    send(s, b"O", struct.pack(">III", 6, OFFER_ACTIONS, OFFER_PROTO))
    cmd, data = recv(s)
    if cmd != b"O" or len(data) < 12:
        raise Fail("option negotiation: reply %r" % cmd)
    _, _, proto = struct.unpack(">III", data[:12])
    lead = proto & HDR_LEADSPC
    if not proto & NOCONNECT:
        send(s, b"D", b"C" + b"j\0mx.bench.test\0{daemon_name}\0bench\0")
        send(s, b"C", b"client.test\0" + b"4" + struct.pack(">H", 25000) + a.ip.encode() + b"\0")
        if not proto & NR_CONN:
            expect_continue(s, "connect")
    if not proto & NOHELO:
        send(s, b"H", b"client.test\0")
        if not proto & NR_HELO:
            expect_continue(s, "helo")
    for i in range(count):
        qid = ("B%s%06d" % (tag, i)).encode()
        if not proto & NOMAIL:
            send(s, b"D", b"M" + b"i\0" + qid + b"\0")
            send(s, b"M", b"<" + a.sender.encode() + b">\0")
            if not proto & NR_MAIL:
                expect_continue(s, "MAIL FROM")
        if not proto & NORCPT:
            send(s, b"R", b"<" + a.rcpt.encode() + b">\0")
            if not proto & NR_RCPT:
                expect_continue(s, "RCPT TO")
        if not proto & NODATA:
            send(s, b"T")
            if not proto & NR_DATA:
                expect_continue(s, "DATA")
        if not proto & NOHDRS:
            for name, value in headers:
                v = value if lead else value.lstrip(b" ")
                send(s, b"L", name + b"\0" + v + b"\0")
                if not proto & NR_HDR:
                    expect_continue(s, "header")
        if not proto & NOEOH:
            send(s, b"N")
            if not proto & NR_EOH:
                expect_continue(s, "end of headers")
        if not proto & NOBODY:
            for c in chunks:
                send(s, b"B", c)
                if not proto & NR_BODY:
                    cmd, _ = recv(s)
                    if cmd == b"s":  # skip the rest of the body
                        break
                    if cmd != b"c":
                        raise Fail("body: reply %r" % cmd)
        send(s, b"E")
        replaced, fields = False, []
        while True:
            cmd, data = recv(s)
            if cmd == b"b":
                replaced = True
            elif cmd in (b"h", b"i", b"m"):
                parts = (data[4:] if cmd != b"h" else data).split(b"\0")
                fields.append((parts[0].lower(), parts[1] if len(parts) > 1 else b""))
            elif cmd in FINAL:
                break
        if cmd not in (b"a", b"c"):
            raise Fail("message %d: end of message reply %r %r" % (i + 1, cmd, data[:80]))
        if a.want == "sign":
            ct = [v for n, v in fields if n == b"content-type"]
            if not replaced or not any(b"multipart/signed" in v for v in ct):
                raise Fail("message %d not signed" % (i + 1))
        else:
            ar = [v for n, v in fields if n == b"authentication-results"]
            if not any(b"smime=pass" in v for v in ar):
                raise Fail("message %d: no smime=pass (%r)" % (i + 1, ar[:1]))
    send(s, b"Q")
    s.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sock", required=True)
    p.add_argument("--msg", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--sessions", type=int, default=1)
    p.add_argument("--ip", default="127.0.0.1")
    p.add_argument("--from", dest="sender", default="vanthu@sotttt.hagiang.gov.vn")
    p.add_argument("--rcpt", default="bench@sink.test")
    p.add_argument("--want", choices=("sign", "verify"), required=True)
    a = p.parse_args()
    headers, chunks = parse_message(a.msg)
    per = [a.count // a.sessions + (1 if k < a.count % a.sessions else 0) for k in range(a.sessions)]
    pids = []
    for k, n in enumerate(per):
        pid = os.fork()
        if pid == 0:
            try:
                session(a, headers, chunks, n, str(k))
            except (Fail, OSError) as e:
                print("nomta: session %d: %s" % (k, e), file=sys.stderr)
                os._exit(1)
            os._exit(0)
        pids.append(pid)
    rc = 0
    for pid in pids:
        _, st = os.waitpid(pid, 0)
        if st != 0:
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
