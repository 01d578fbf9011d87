#!/usr/bin/env python3
"""Derives the golden values in this folder without scipy (not installable here).

Every value comes from first principles, independently of the C++ code under test:
  * Mann-Whitney exact p-values: enumerate all C(nx+ny, nx) ways to assign the pooled ranks to x
    (itertools.combinations) and count, with exact fractions, how many give a U at least as
    extreme as the observed one.
  * Mann-Whitney normal approximation: the textbook formulas written out step by step
    (mean nx*ny/2; variance nx*ny/12 * ((n+1) - sum(t^3-t)/(n(n-1))); |U-mean|-0.5 continuity
    correction), with the normal tail from math.erfc.
  * Hodges-Lehmann: all pairwise differences sorted by hand; the cut c from the exact
    enumeration above (largest c with P(U <= c) <= (1-level)/2).
  * Benjamini-Hochberg: the step-up rule applied by hand (small enough to check on paper; the
    arithmetic is in the "derivation" strings).
  * Normal quantiles/CDF: Python's statistics.NormalDist (Wichura AS241), a different algorithm
    from the C++ code's Acklam + Halley step.
Run: python3 derive_golden.py  (rewrites the *.json files next to it).
"""
import itertools
import json
import math
import os
from fractions import Fraction
from statistics import NormalDist

HERE = os.path.dirname(os.path.abspath(__file__))


def u_statistic(x, y):
    return sum((xi > yj) + 0.5 * (xi == yj) for xi in x for yj in y)


def exact_u_distribution(nx, ny):
    """Counts of U over all rank assignments (no ties): U = rank_sum_x - nx(nx+1)/2."""
    counts = {}
    for ranks in itertools.combinations(range(1, nx + ny + 1), nx):
        u = sum(ranks) - nx * (nx + 1) // 2
        counts[u] = counts.get(u, 0) + 1
    return counts


def exact_two_sided_p(x, y):
    nx, ny = len(x), len(y)
    counts = exact_u_distribution(nx, ny)
    total = sum(counts.values())
    u = int(u_statistic(x, y))
    lower = Fraction(sum(c for k, c in counts.items() if k <= u), total)
    upper = Fraction(sum(c for k, c in counts.items() if k >= u), total)
    return u, min(Fraction(1), 2 * min(lower, upper)), total


def normal_approx_p(x, y):
    nx, ny = len(x), len(y)
    n = nx + ny
    pooled = sorted(x + y)
    ties = [pooled.count(v) for v in sorted(set(pooled))]
    tie_term = sum(t ** 3 - t for t in ties)
    u = u_statistic(x, y)
    mean = nx * ny / 2
    var = nx * ny / 12 * ((n + 1) - tie_term / (n * (n - 1)))
    z = max(0.0, abs(u - mean) - 0.5) / math.sqrt(var)
    p = min(1.0, math.erfc(z / math.sqrt(2)))
    steps = (f"U={u}, mean={mean}, tie groups {ties} -> sum(t^3-t)={tie_term}, "
             f"var={nx}*{ny}/12*(({n}+1)-{tie_term}/({n}*{n - 1}))={var!r}, "
             f"z=(|U-mean|-0.5)/sqrt(var)={z!r}, p=erfc(z/sqrt 2)")
    return u, p, steps


def mann_whitney_golden():
    exact_cases = [
        ("complete separation 3 vs 3", [1, 2, 3], [4, 5, 6]),
        ("interleaved 3 vs 3", [1, 3, 5], [2, 4, 6]),
        ("complete separation 5 vs 5 (smallest p for n=5)", [1.1, 1.2, 1.3, 1.4, 1.5], [2.1, 2.2, 2.3, 2.4, 2.5]),
        ("one overlap 4 vs 5", [0.95, 1.01, 1.02, 1.06], [1.00, 1.03, 1.04, 1.05, 1.07]),
        ("unequal sizes 2 vs 6", [10, 30], [5, 12, 18, 25, 33, 40]),
    ]
    out = []
    for name, x, y in exact_cases:
        u, p, total = exact_two_sided_p(x, y)
        out.append({"name": name, "x": x, "y": y, "exact": True, "u": u, "p_value": float(p),
                    "derivation": f"enumerated {total} rank assignments; p = 2 min(P(U<={u}), P(U>={u})) = {p}"})
    normal_cases = [
        ("ties 4 vs 5", [1, 2, 2, 3], [2, 3, 3, 4, 5]),
        ("all tied", [7, 7, 7], [7, 7, 7, 7]),
        ("no ties but large 21 vs 20", [float(i) for i in range(2, 44, 2)], [float(i) + 0.5 for i in range(0, 40, 2)]),
    ]
    for name, x, y in normal_cases:
        if len(set(x + y)) == 1:
            out.append({"name": name, "x": x, "y": y, "exact": False, "u": u_statistic(x, y), "p_value": 1.0,
                        "derivation": "every value tied: variance 0, no evidence of a shift, p = 1"})
            continue
        u, p, steps = normal_approx_p(x, y)
        out.append({"name": name, "x": x, "y": y, "exact": False, "u": u, "p_value": p, "derivation": steps})
    return {"about": "Mann-Whitney U of x against y, two-sided p; see derive_golden.py", "cases": out}


def hodges_lehmann_golden():
    cases = []
    for name, x, y, level in [
        ("5 vs 5 at 95%", [2.0, 2.4, 2.9, 3.1, 3.8], [1.0, 1.3, 1.5, 2.2, 2.6], 0.95),
        ("4 vs 4 at 90%", [5.0, 6.0, 7.5, 9.0], [4.0, 4.5, 6.5, 8.0], 0.90),
    ]:
        diffs = sorted(round(xi - yj, 12) for xi in x for yj in y)
        m = len(diffs)
        est = (diffs[m // 2] + diffs[(m - 1) // 2]) / 2
        counts = exact_u_distribution(len(x), len(y))
        total = sum(counts.values())
        tail = Fraction(1) - Fraction(level).limit_denominator(1000)
        tail /= 2
        c, running, tail_prob = -1, 0, Fraction(0)
        for u in range(0, len(x) * len(y) + 1):
            running += counts.get(u, 0)
            if Fraction(running, total) <= tail:
                c, tail_prob = u, Fraction(running, total)
        cases.append({"name": name, "x": x, "y": y, "level": level, "estimate": est,
                      "ci_low": diffs[c], "ci_high": diffs[m - 1 - c],
                      "achieved_level": float(1 - 2 * tail_prob),
                      "derivation": f"sorted differences {diffs}; c={c} (P(U<=c)={tail_prob} <= {tail}); "
                                    f"CI = [d({c + 1}), d({m - c})]"})
    return {"about": "Hodges-Lehmann shift x - y with exact-U confidence interval", "cases": cases}


def benjamini_hochberg_golden():
    return {"about": "Benjamini-Hochberg q-values, input order, worked by hand", "cases": [
        {"p": [0.01, 0.04, 0.03, 0.005], "q": [0.02, 0.04, 0.04, 0.02],
         "derivation": "sorted 0.005,0.01,0.03,0.04 (m=4): p*m/rank = 0.02,0.02,0.04,0.04; "
                       "running min from the top leaves them unchanged"},
        {"p": [0.04, 0.01, 0.5], "q": [0.06, 0.03, 0.5],
         "derivation": "sorted 0.01,0.04,0.5 (m=3): 0.03, 0.06, 0.5"},
        {"p": [0.02, 0.021, 0.5, 0.9], "q": [0.042, 0.042, 0.6666666666666666, 0.9],
         "derivation": "sorted (m=4): 0.08, 0.042, 0.6667, 0.9; running min from the top: "
                       "0.042 for ranks 1 and 2 (monotone step-up)"},
        {"p": [0.3, None, 0.01], "q": [0.3, None, 0.02],
         "derivation": "null = no test, excluded from m=2: 0.01*2/1=0.02, 0.3*2/2=0.3"},
    ]}


def normal_golden():
    nd = NormalDist()
    return {"about": "standard normal, from Python statistics.NormalDist (Wichura AS241)",
            "quantiles": [{"p": p, "z": nd.inv_cdf(p)} for p in (0.001, 0.025, 0.5, 0.8, 0.975, 0.999999)],
            "cdf": [{"z": z, "p": nd.cdf(z)} for z in (-3.0, -1.0, 0.0, 1.959963984540054, 2.5)]}


def descriptive_golden():
    return {"about": "order statistics worked by hand", "cases": [
        {"values": [3, 1, 2], "median": 2},
        {"values": [4, 1, 3, 2], "median": 2.5},
        {"values": [10, 20, 30, 40, 50], "quantile_0.25": 20, "quantile_0.1": 14,
         "derivation": "type 7: h=(n-1)p; p=0.1 -> h=0.4 -> 10+0.4*(20-10)=14"},
        {"values": [1.0, 1.0, 1.0, 2.0, 100.0], "robust_cv": 0.0,
         "derivation": "median 1, deviations 0,0,0,1,99 -> MAD 0"},
        {"values": [9, 10, 11, 12, 8], "robust_cv": 0.14826,
         "derivation": "median 10, deviations 1,0,1,2,2 -> MAD 1; 1.4826*1/10"},
    ]}


def main():
    for name, data in [("mann_whitney", mann_whitney_golden()), ("hodges_lehmann", hodges_lehmann_golden()),
                       ("benjamini_hochberg", benjamini_hochberg_golden()), ("normal", normal_golden()),
                       ("descriptive", descriptive_golden())]:
        with open(os.path.join(HERE, name + ".json"), "w") as f:
            json.dump(data, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
