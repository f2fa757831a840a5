#!/usr/bin/env python3
"""report-data.py DIR - two servers' journals with known tallies, for
t-report-db.sh.

DIR/mx1.journal (KJ2 lines of host mx1, preceded by KJ1 lines written
before the upgrade, one damaged line in between) and DIR/submit.journal
(KJ2, host submit), DIR/extra.journal (100 more mx1 lines, appended later)
and DIR/expected.json: every count the report must show (per month,
direction, agency and result; signatures per agency and month; records per
server). Deterministic: a fixed linear congruential generator.
"""
import json
import sys

MONTHS = [("2026-01", 1767225600), ("2026-02", 1769904000),
          ("2026-03", 1772323200)]
AGENCIES = ["sotttt", "ubnd", "sonv"]
OUT = ["signed", "signed", "signed", "sealed", "unsigned", "refused",
       "expired", "classified"]
IN = ["pass", "pass", "fail", "none", "policy"]
# a hostile From: escapes must keep it one field and one cell
HOSTILE = "x\\t<b>&amp;\\x1B\\xE2\\x80\\xAE@evil.test"


class Gen:
    def __init__(self, seed):
        self.s = seed

    def next(self):
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) % 2**64
        return self.s >> 33


def ts(t):
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def record(g, host, n, exp, version):
    m, start = MONTHS[g.next() % 3]
    t = start + g.next() % (27 * 86400)
    if g.next() % 4 != 0:
        a = AGENCIES[g.next() % 3]
        r = OUT[g.next() % len(OUT)]
        signers, kinds = {"signed": (1, "agency"),
                          "sealed": (2, "personal,agency")}.get(r, (0, "-"))
        frm = HOSTILE if n % 97 == 5 else "vanthu@%s.hagiang.gov.vn" % a
        f = [ts(t), "Q%s%d" % (host, n), "out", "auth", frm, a, "0A%02X" % (
            AGENCIES.index(a)), "CN=CA th\u1eed nghi\u1ec7m,C=VN", r,
            "ok", "an", "198.51.100.7"]
        key = (m, "out", a, r)
        if r in ("signed", "sealed"):
            sk = "%s|%s" % (a, m)
            exp["signatures"][sk] = exp["signatures"].get(sk, 0) + 1
    else:
        r = IN[g.next() % len(IN)]
        signers, kinds = (1, "agency") if r != "none" else (0, "-")
        f = [ts(t), "Q%s%d" % (host, n), "in", "external",
             "a@b.example", "-", "-", "-", r, "valid", "-", "203.0.113.9"]
        key = (m, "in", "-", r)
    k = ",".join(key)
    exp["counts"][k] = exp["counts"].get(k, 0) + 1
    if version == 1:
        return "KJ1\t" + "\t".join(f) + "\n"
    return "KJ2\t" + "\t".join(f + [host, "1772700000-%d-%d" % (
        len(host), n), str(signers), kinds]) + "\n"


def main():
    d = sys.argv[1]
    exp = {"counts": {}, "signatures": {}, "hosts": {}}
    g = Gen(13)
    with open(d + "/mx1.journal", "w", encoding="utf-8") as fp:
        for n in range(1, 51):
            fp.write(record(g, "mx1", n, exp, 1))
        fp.write("KJ2\t2026-01-01T00:00:00Z\tQcut\tou\n")  # damaged
        for n in range(51, 601):
            fp.write(record(g, "mx1", n, exp, 2))
    with open(d + "/extra.journal", "w", encoding="utf-8") as fp:
        for n in range(601, 701):
            fp.write(record(g, "mx1", n, exp, 2))
    exp["hosts"]["mx1"] = 700
    with open(d + "/submit.journal", "w", encoding="utf-8") as fp:
        for n in range(1, 401):
            fp.write(record(g, "submit", n, exp, 2))
    exp["hosts"]["submit"] = 400
    with open(d + "/expected.json", "w") as fp:
        json.dump(exp, fp, indent=1, sort_keys=True)


main()
