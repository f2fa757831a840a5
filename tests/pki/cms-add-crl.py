#!/usr/bin/env python3
"""cms-add-crl.py IN.der CRL.pem OUT.der - put CRL into the crls field of a
CMS SignedData (what a sender may do; no signature covers that field)."""
import base64
import re
import sys


def tlv(b, i):
    """(tag, header length, content length) of the DER element at b[i]."""
    tag = b[i]
    n = b[i + 1]
    if n < 0x80:
        return tag, 2, n
    k = n & 0x7F
    return tag, 2 + k, int.from_bytes(b[i + 2:i + 2 + k], "big")


def enc(tag, content):
    n = len(content)
    if n < 0x80:
        ln = bytes([n])
    else:
        nb = n.to_bytes((n.bit_length() + 7) // 8, "big")
        ln = bytes([0x80 | len(nb)]) + nb
    return bytes([tag]) + ln + content


def children(b):
    out, i = [], 0
    while i < len(b):
        t, h, n = tlv(b, i)
        out.append(b[i:i + h + n])
        i += h + n
    return out


def content(e):
    _, h, n = tlv(e, 0)
    return e[h:h + n]


der = open(sys.argv[1], "rb").read()
pem = open(sys.argv[2]).read()
crl = base64.b64decode("".join(re.search(
    r"-----BEGIN X509 CRL-----(.*?)-----END X509 CRL-----", pem, re.S).group(1).split()))
ci = children(content(der))            # contentType, [0] EXPLICIT
sd = children(content(content(ci[1])))  # SignedData fields
sd = [e for e in sd if e[0] != 0xA1]
sd.insert(len(sd) - 1, enc(0xA1, crl))  # crls [1] IMPLICIT, before signerInfos
out = enc(0x30, ci[0] + enc(0xA0, enc(0x30, b"".join(sd))))
open(sys.argv[3], "wb").write(out)
