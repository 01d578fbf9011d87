#!/usr/bin/env python3
"""Writes a synthetic routing trace (scenarios/traces/*.txt) for `routing = "trace"`.

Not recorded from a real model (none is available offline): it imitates two properties reported
for trained top-k routers (e.g. Mixtral's routing analysis, Jiang et al. 2024, sec. 5): skewed
expert popularity and consecutive tokens often sharing an expert. Each token keeps the previous
token's first expert with probability `stay`, otherwise draws it from Zipf(s) popularity; the
remaining k-1 experts are Zipf draws without replacement. Deterministic for a given seed.

usage: make_synthetic_trace.py EXPERTS TOP_K TOKENS SEED > file.txt
"""
import random
import sys


def main():
    experts, k, tokens, seed = (int(a) for a in sys.argv[1:5])
    s, stay = 1.0, 0.4
    rng = random.Random(seed)
    order = list(range(experts))
    rng.shuffle(order)
    popularity = {e: (rank + 1) ** -s for rank, e in enumerate(order)}
    print(f"# synthetic routing trace: experts={experts} top_k={k} tokens={tokens} seed={seed}")
    print(f"# generator: scenarios/traces/make_synthetic_trace.py (zipf s={s}, stay={stay})")
    print("# one line per token: its routed expert ids, first choice first")
    prev = None
    for _ in range(tokens):
        chosen = []
        if prev is not None and rng.random() < stay:
            chosen.append(prev)
        while len(chosen) < k:
            pool = [e for e in range(experts) if e not in chosen]
            chosen.append(rng.choices(pool, weights=[popularity[e] for e in pool])[0])
        prev = chosen[0]
        print(" ".join(str(e) for e in chosen))


if __name__ == "__main__":
    main()
