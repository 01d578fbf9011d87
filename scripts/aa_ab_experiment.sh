#!/usr/bin/env bash
# A/A and A/B experiment for `moat compare` (issue 6): does compare stay quiet when nothing
# changed, and does it catch an injected slowdown in exactly one variant?
#
#   A1, A2: two runs of the same binary and scenario preset (nothing changed).
#   B:      a third run with MOAT_INJECT_SLOWDOWN=VARIANT:FRACTION, which makes the harness spin
#           FRACTION extra inside that variant's timed region (bench/harness.cpp).
#   compare A1 A2 (A/A) and A1 B (A/B), then check:
#     A/A: at most 1 % of the compared cases flagged (SLOWER or FASTER);
#     A/B: at least 95 % of the injected variant's compared cases SLOWER, no other case flagged.
#
# usage: scripts/aa_ab_experiment.sh MOAT_BIN SCENARIO [VARIANT] [OUTDIR]
#   VARIANT  variant to slow down (default: the first `variant = "..."` in SCENARIO)
#   OUTDIR   default results/experiments/<scenario name>
# environment: PRESET (default ci), REPETITIONS (default 10: with 5 samples the smallest
#   two-sided Mann-Whitney p is 0.0079, too weak once Benjamini-Hochberg spreads it over many
#   cases), SLOWDOWN (default 0.10), COMPARE_FLAGS (extra flags for moat compare).
# exit: 0 all acceptance checks pass, 1 a check fails, 2 usage or run error.
set -euo pipefail

if [ $# -lt 2 ]; then
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
moat=$1
scenario=$2
variant=${3:-}
preset=${PRESET:-ci}
repetitions=${REPETITIONS:-10}
slowdown=${SLOWDOWN:-0.10}
[ -x "$moat" ] || { echo "error: '$moat' is not an executable moat binary" >&2; exit 2; }
[ -f "$scenario" ] || { echo "error: scenario '$scenario' not found" >&2; exit 2; }
command -v python3 >/dev/null || { echo "error: python3 is needed for the acceptance checks" >&2; exit 2; }
if [ -z "$variant" ]; then
  variant=$(sed -n 's/^[[:space:]]*variant[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$scenario" | head -n 1)
  [ -n "$variant" ] || { echo "error: no variant found in $scenario; pass VARIANT" >&2; exit 2; }
fi
name=$(basename "$scenario" .toml)
out=${4:-results/experiments/$name}
mkdir -p "$out"

run() {  # run OUTFILE [ENV=VALUE]
  local file=$1
  shift
  echo "== $(date -u +%FT%TZ) moat run $scenario --preset $preset --repetitions $repetitions -> $file $*"
  env "$@" "$moat" run "$scenario" --preset "$preset" --repetitions "$repetitions" --out "$file" \
    || { echo "error: moat run failed" >&2; exit 2; }
}
run "$out/a1.json"
run "$out/a2.json"
run "$out/b.json" "MOAT_INJECT_SLOWDOWN=$variant:$slowdown"

compare() {  # compare NAME BASE HEAD
  # --fail-on never: the acceptance checks below decide, not compare's own exit code.
  # shellcheck disable=SC2086
  "$moat" compare "$2" "$3" --fail-on never --json "$out/$1.json" --markdown "$out/$1.md" \
    ${COMPARE_FLAGS:-} > "$out/$1.txt" || { echo "error: moat compare failed ($1)" >&2; exit 2; }
}
compare aa "$out/a1.json" "$out/a2.json"
compare ab "$out/a1.json" "$out/b.json"

python3 - "$out" "$variant" "$slowdown" <<'PY' | tee "$out/acceptance.txt"
import json, sys
out, variant, slowdown = sys.argv[1], sys.argv[2], float(sys.argv[3])
flag = {"SLOWER", "FASTER"}

def load(name):
    with open(f"{out}/{name}.json") as f:
        return json.load(f)

def compared(cases):  # cases that got a statistical (or instruction-count) verdict
    return [c for c in cases if c["mode"] in ("time", "instructions")]

aa, ab = load("aa"), load("ab")
ok = True

cases = compared(aa["cases"])
flagged = [c for c in cases if c["verdict"] in flag]
limit = 0.01 * len(cases)
passed = len(cases) > 0 and len(flagged) <= limit
ok &= passed
print(f"A/A: {len(flagged)} of {len(cases)} compared cases flagged (limit 1% = {limit:.1f}): "
      f"{'PASS' if passed else 'FAIL'}")
for c in flagged:
    print(f"  {c['verdict']} {c['id']}: {c['reason']}")

cases = compared(ab["cases"])
injected = [c for c in cases if c["variant"] == variant]
others = [c for c in cases if c["variant"] != variant]
caught = [c for c in injected if c["verdict"] == "SLOWER"]
false_flags = [c for c in others if c["verdict"] in flag]
passed = len(injected) > 0 and len(caught) >= 0.95 * len(injected)
ok &= passed
print(f"A/B: {len(caught)} of {len(injected)} cases of {variant} (+{slowdown:.0%}) SLOWER "
      f"(need 95%): {'PASS' if passed else 'FAIL'}")
for c in injected:
    if c["verdict"] != "SLOWER":
        print(f"  missed: {c['verdict']} {c['id']}: {c['reason']}")
passed = len(false_flags) == 0
ok &= passed
print(f"A/B: {len(false_flags)} of {len(others)} other cases flagged (need 0): {'PASS' if passed else 'FAIL'}")
for c in false_flags:
    print(f"  {c['verdict']} {c['id']}: {c['reason']}")
print("ACCEPTANCE:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
