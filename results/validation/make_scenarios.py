#!/usr/bin/env python3
"""Writes scenarios/validation-fit.toml and scenarios/validation-holdout.toml from `moat list --json`.

Every registered variant gets a sweep in both files, over DIFFERENT shapes: the fit file is what
`moat calibrate --fit` learns efficiency from, the holdout file is what the model is judged on.
Shapes are chosen by the variant's parameter schema (prefill attention: seq_q = seq_kv and head_dim;
decode: seq_kv and batch; 2-D neighborhood: the grid; MoE: tokens and hidden; anything else: the
sizes found among its parameters). Each candidate sweep is checked with `moat run --list`; a variant
whose shapes it rejects falls back to fewer changes, down to its defaults.

usage: results/validation/make_scenarios.py MOAT_BINARY
"""
import json
import os
import subprocess
import sys
import tempfile

MOAT = sys.argv[1] if len(sys.argv) > 1 else "build/val/apps/moat"

TIMING = """[timing]
repetitions = 9
min_time_s = 0.05
warmup_runs = 1
cache = "warm"
"""

# (fit, holdout) shapes per kind; each entry is a list of candidate {axes, fixed} dicts, most
# informative first. Holdout shapes interleave with and extend past the fit shapes.
def plans(kind, params):
    names = {p["name"] for p in params}
    d = {p["name"]: p.get("default") for p in params}
    if kind == "prefill":
        extra = {}
        if "seq_kv" in names and d.get("seq_kv") not in (None, d.get("seq_q")) and "seq_q" in names:
            pass  # cross attention: both follow the same axis value below (seq_kv = seq_q)
        hd_fit, hd_hold = [32, 128], [64]
        if d.get("head_dim") is not None and d["head_dim"] < 32:  # Taylor features grow as d^2
            hd_fit, hd_hold = [8, 16], [12]
        fit = [{"axes": {"seq_q": [64, 256], "head_dim": hd_fit}, "tie": "seq_kv"},
               {"axes": {"seq_q": [64, 256]}, "tie": "seq_kv"},
               {"axes": {"seq_q": [64, 256]}}]
        hold = [{"axes": {"seq_q": [128, 512], "head_dim": hd_hold}, "tie": "seq_kv"},
                {"axes": {"seq_q": [128, 512]}, "tie": "seq_kv"},
                {"axes": {"seq_q": [128, 512]}}]
        return fit, hold
    if kind == "decode":
        fit = [{"axes": {"seq_kv": [1024, 4096], "batch": [1, 4]}},
               {"axes": {"seq_kv": [1024, 4096]}}]
        hold = [{"axes": {"seq_kv": [2048, 8192], "batch": [2]}},
                {"axes": {"seq_kv": [2048, 8192]}}]
        return fit, hold
    if kind == "grid":
        fit = [{"axes": {"grid_h": [16, 32], "head_dim": [32, 128]}, "tie": "grid_w"},
               {"axes": {"grid_h": [16, 32]}, "tie": "grid_w"}]
        hold = [{"axes": {"grid_h": [24, 48], "head_dim": [64]}, "tie": "grid_w"},
                {"axes": {"grid_h": [24, 48]}, "tie": "grid_w"}]
        return fit, hold
    if kind == "moe":
        fit = [{"axes": {"tokens": [32, 256], "hidden": [128, 512]}},
               {"axes": {"tokens": [32, 256]}}]
        hold = [{"axes": {"tokens": [64, 1024], "hidden": [256]}},
                {"axes": {"tokens": [64, 1024]}}]
        return fit, hold
    if kind == "grouped":
        fit = [{"axes": {"rows_per_expert": [16, 128], "hidden": [256, 1024]}, "fixed": {"ffn": 1024}},
               {"axes": {"rows_per_expert": [16, 128]}}]
        hold = [{"axes": {"rows_per_expert": [32, 256], "hidden": [512]}, "fixed": {"ffn": 1024}},
                {"axes": {"rows_per_expert": [32, 256]}}]
        return fit, hold
    return [{}], [{}]


def kind_of(v):
    names = {p["name"] for p in v["parameters"]}
    d = {p["name"]: p.get("default") for p in v["parameters"]}
    if "grid_h" in names and "grid_w" in names:
        return "grid"
    if "seq_kv" in names and d.get("seq_q") == 1:
        return "decode"
    if "seq_q" in names:
        return "prefill"
    if "tokens" in names:
        return "moe"
    if "rows_per_expert" in names:
        return "grouped"
    return "other"


def sweep_text(variant, plan):
    lines = ["[[sweep]]", f'variant = "{variant}"']
    axes = dict(plan.get("axes", {}))
    tie = plan.get("tie")
    fixed = dict(plan.get("fixed", {}))
    # A tied parameter (seq_kv = seq_q, grid_w = grid_h) cannot be an independent axis: expand it
    # into one sweep per value instead.
    blocks = []
    if tie and axes:
        lead = next(iter(axes))
        for val in axes[lead]:
            a = {k: v for k, v in axes.items() if k != lead}
            f = dict(fixed)
            f[lead] = val
            f[tie] = val
            blocks.append((a, f))
    else:
        blocks.append((axes, fixed))
    out = []
    for a, f in blocks:
        b = ["[[sweep]]", f'variant = "{variant}"']
        if a:
            b.append("[sweep.axes]")
            b += [f"{k} = [{', '.join(str(x) for x in v)}]" for k, v in a.items()]
        if f:
            b.append("[sweep.fixed]")
            b += [f"{k} = {v}" for k, v in f.items()]
        out.append("\n".join(b))
    return out


def accepted(sweeps):
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False, dir=".") as t:
        t.write('kind = "kernels"\n[scenario]\nname = "probe"\ndescription = "probe"\n\n' +
                "\n\n".join(sweeps) + "\n")
        path = t.name
    try:
        r = subprocess.run([MOAT, "run", path, "--list"], capture_output=True, text=True)
        return r.returncode == 0 and r.stdout.strip() != "" and "skipped" not in r.stdout
    finally:
        os.unlink(path)


def main():
    variants = json.loads(subprocess.check_output([MOAT, "list", "--json"]))
    fit_out, hold_out, notes = [], [], []
    for v in variants:
        if "fp32" not in v.get("dtypes", ["fp32"]):
            notes.append(f"{v['name']}: no fp32")
            continue
        fits, holds = plans(kind_of(v), v["parameters"])
        for which, cands, out in (("fit", fits, fit_out), ("holdout", holds, hold_out)):
            # Defaults only in the fit file: a holdout case at the same defaults would be judged
            # on a shape it was fitted on, so such a variant is left out of the holdout.
            for plan in [c for c in cands if c or which == "fit"] + ([{}] if which == "fit" else []):
                s = sweep_text(v["name"], plan)
                if accepted(s):
                    out += s
                    if not plan:
                        notes.append(f"{v['name']}: {which} at defaults only")
                    break
            else:
                notes.append(f"{v['name']}: no {which} shape accepted")
    header = """# Model validation, {which} half ({role}). Generated by results/validation/make_scenarios.py from
# `moat list --json`: every registered variant (fp32) over shapes chosen from its schema; the fit
# and holdout files use DIFFERENT shapes, so the model is judged on cases it was not fitted on.
# Regenerate after adding variants; see results/validation/README.md.
kind = "kernels"

[scenario]
name = "validation-{which}"
description = "{desc}"

""" + TIMING
    with open("scenarios/validation-fit.toml", "w") as f:
        f.write(header.format(which="fit", role="what `moat calibrate --fit` learns efficiency from",
                              desc="Every variant at the shapes the efficiency curves are fitted on")
                + "\n" + "\n\n".join(fit_out) + "\n")
    with open("scenarios/validation-holdout.toml", "w") as f:
        f.write(header.format(which="holdout", role="what the model is judged on; never fitted",
                              desc="Every variant at held-out shapes the fit never saw")
                + "\n" + "\n\n".join(hold_out) + "\n")
    for n in notes:
        print(n, file=sys.stderr)
    print(f"{len(variants)} variants; fit sweeps {len(fit_out)}, holdout sweeps {len(hold_out)}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
