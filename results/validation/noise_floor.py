#!/usr/bin/env python3
"""Noise floor: the same cases measured twice. Prints median and p90 of |t2/t1 - 1| of the median
times (per family and overall), and of the within-case coefficient of variation. No model can be
judged more precisely than its measurements repeat.

usage: noise_floor.py RUN1.json RUN2.json
"""
import json
import sys


def pct(values, p):
    v = sorted(values)
    if not v:
        return float("nan")
    r = (len(v) - 1) * p / 100
    i = int(r)
    return v[i] if i + 1 >= len(v) else v[i] + (v[i + 1] - v[i]) * (r - i)


def ok(path):
    d = json.load(open(path))
    return {c["id"]: c for c in d["cases"] if c["status"] == "ok"}


a, b = ok(sys.argv[1]), ok(sys.argv[2])
fam, allv, cvs = {}, [], []
for k, c in a.items():
    if k not in b:
        continue
    e = abs(b[k]["summary"]["median_s"] / c["summary"]["median_s"] - 1)
    fam.setdefault(c["family"], []).append(e)
    allv.append(e)
    cvs += [c["summary"]["cv"], b[k]["summary"]["cv"]]
print(f"{'family':34s} {'cases':>6s} {'median |t2/t1-1|':>17s} {'p90':>7s}")
for f, v in sorted(fam.items()):
    print(f"{f:34s} {len(v):6d} {100 * pct(v, 50):16.1f}% {100 * pct(v, 90):6.1f}%")
print(f"{'overall':34s} {len(allv):6d} {100 * pct(allv, 50):16.1f}% {100 * pct(allv, 90):6.1f}%")
print(f"within-case cv of the samples: median {100 * pct(cvs, 50):.1f}%, p90 {100 * pct(cvs, 90):.1f}%")
