#!/usr/bin/env python3
"""Pairs each moat case with the oneDNN case of the same parameters in one results file and prints
median times and oneDNN/moat speed ratios (> 1: moat faster), as a Markdown table.

usage: ratios.py RESULTS.json
"""
import json
import sys

doc = json.load(open(sys.argv[1]))
by_impl = {}
for c in doc["cases"]:
    if c.get("status") != "ok":
        continue
    key = (c["name"], c["dtype"])
    by_impl.setdefault(key, {})[c["implementation"]] = c
print("| case | moat median (ms) | oneDNN median (ms) | oneDNN / moat | moat GFLOP/s |")
print("|---|---:|---:|---:|---:|")
ratios = []
for (name, dtype), impls in sorted(by_impl.items()):
    if "moat" not in impls or "onednn" not in impls:
        continue
    m, o = impls["moat"]["summary"]["median_s"], impls["onednn"]["summary"]["median_s"]
    ratios.append(o / m)
    gf = impls["moat"].get("achieved", {}).get("gflops", float("nan"))
    print(f"| `{name}` {dtype} | {m * 1e3:.2f} | {o * 1e3:.2f} | {o / m:.2f} | {gf:.1f} |")
if ratios:
    print(f"\n{len(ratios)} pairs; oneDNN/moat ratio min {min(ratios):.2f}, max {max(ratios):.2f}")
