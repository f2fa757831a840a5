#!/usr/bin/env python3
"""report-check.py WHAT EXPECTED.json INPUT - compare a report with the
tallies report-data.py wrote. Prints one line per check, "PASS desc" or
"FAIL desc: detail"; t-report-db.sh turns them into TAP.

  csv   INPUT is `kyso-report --format csv --no-certs` output
  dom   INPUT is report-dom.py's JSON of the rendered HTML page
"""
import csv
import json
import sys


def result(ok, desc, detail=""):
    print(("PASS %s" % desc) if ok else ("FAIL %s: %s" % (desc, detail)))


def check_csv(exp, path):
    got = {}
    with open(path, encoding="utf-8") as fp:
        rows = list(csv.reader(fp))
    for r in rows[1:]:
        if len(r) == 5 and r[0] != "month":
            got[",".join(r[:4])] = int(r[4])
    diff = {k: (exp["counts"].get(k), got.get(k))
            for k in set(exp["counts"]) | set(got)
            if exp["counts"].get(k) != got.get(k)}
    result(not diff, "csv: every (month, direction, agency, result) count "
           "matches the records (%d rows, %d records)" % (
               len(got), sum(got.values())), repr(sorted(diff.items())[:8]))


def check_dom(exp, path):
    with open(path, encoding="utf-8") as fp:
        d = json.load(fp)
    total = sum(exp["counts"].values())
    result(d["lang"] == "vi" and d["charset"] == "UTF-8",
           "html: lang=vi, UTF-8", "%s %s" % (d["lang"], d["charset"]))
    result("chứng thư số" in d["title"] and "chữ ký số" in d["h1"],
           "html: Vietnamese title and heading as rendered", d["h1"])
    result(d["from"] == "2026-01-01" and d["to"] == "2026-03-31",
           "html: the period in the heading (2026-01-01 .. 2026-03-31)",
           "%s .. %s" % (d["from"], d["to"]))
    servers = {s: int(n) for s, n in d["servers"]}
    result(servers == exp["hosts"], "html: the servers and their records "
           "in the heading %s" % servers, repr(exp["hosts"]))
    result(d["total"] == str(total), "html: %d messages shown" % total,
           d["total"])
    result(d["scripts"] == 0 and d["external"] == 0,
           "html: self-contained (no script, no external resource)",
           "%d %d" % (d["scripts"], d["external"]))
    months = sorted({k.split(",")[0] for k in exp["counts"]})
    agencies = sorted({k.split(",")[2] for k in exp["counts"]
                       if k.split(",")[1] == "out"})
    want = {(a, m): exp["signatures"].get("%s|%s" % (a, m), 0)
            for a in agencies for m in months}
    bars = {(b["agency"], b["month"]): b for b in d["bars"]}
    result(len(d["bars"]) == len(want) and set(bars) == set(want),
           "html: one bar per agency and month (%d)" % len(want),
           "%d bars: %s" % (len(d["bars"]), sorted(bars)))
    top = max(want.values())
    bad = []
    for k, n in want.items():
        b = bars.get(k)
        h = n * d["barMax"] / top
        if (b is None or int(b["count"]) != n or b["label"] != str(n) or
                abs(b["height"] - h) > 0.51):
            bad.append((k, n, b))
    result(not bad, "html: every bar's number and rendered height match "
           "the records (tallest %d = %d px)" % (top, d["barMax"]),
           repr(bad[:4]))
    rows = d["tables"].get("bang-gui", [])[1:]
    cols = ["signed", "sealed", "unsigned", "classified", "expired",
            "refused", "error"]
    bad = []
    for r in rows:
        m, a = r[0], r[1]
        for i, res in enumerate(cols):
            n = exp["counts"].get("%s,out,%s,%s" % (m, a, res), 0)
            if r[2 + i] != str(n):
                bad.append((m, a, res, r[2 + i], n))
    n_out = sum(v for k, v in exp["counts"].items() if ",out," in k)
    shown = sum(int(r[-1]) for r in rows)
    result(not bad and shown == n_out and len(rows) == len(want),
           "html: the outbound table's cells match the records "
           "(%d rows, %d messages)" % (len(rows), shown), repr(bad[:4]))
    rows = d["tables"].get("bang-den", [])[1:]
    n_in = sum(v for k, v in exp["counts"].items() if ",in," in k)
    pas = {r[0]: r[1] for r in rows}
    result(sum(int(r[-1]) for r in rows) == n_in and all(
        pas[m] == str(exp["counts"].get("%s,in,-,pass" % m, 0))
        for m in months),
        "html: the inbound table's totals and passes match (%d)" % n_in,
        repr(rows))
    kinds = {r[0]: (r[1], r[2]) for r in
             d["tables"].get("chu-ky-theo-loai", [])[1:]}
    want_k = {a: (str(sum(exp["counts"].get("%s,out,%s,%s" % (m, a, x), 0)
                          for m in months for x in ("signed", "sealed"))),
                  str(sum(exp["counts"].get("%s,out,%s,sealed" % (m, a), 0)
                          for m in months)))
              for a in agencies}
    result(kinds == want_k, "html: signatures by kind per agency (seals = "
           "signed + sealed, personal = sealed) %s" % kinds, repr(want_k))
    used = d["tables"].get("chung-thu-dung", [])[1:]
    result(sum(int(r[3]) for r in used) == sum(exp["signatures"].values())
           and sorted(r[0] for r in used) == agencies,
           "html: certificates used: one per agency, signatures add up",
           repr(used))


def main():
    what, expf, inp = sys.argv[1:4]
    with open(expf) as fp:
        exp = json.load(fp)
    if what == "csv":
        check_csv(exp, inp)
    else:
        check_dom(exp, inp)


main()
