#!/usr/bin/env bash
# A/A and A/B experiment for `moat compare` (issue 6): does compare stay quiet when nothing
# changed, and does it catch an injected slowdown in exactly one variant?
#
#   A1, A2: two runs of the same binary and scenario preset (nothing changed).
#   B:      a third run with MOAT_INJECT_SLOWDOWN=VARIANT:FRACTION, which makes the harness spin
#           FRACTION of the kernel's time extra inside that variant's timed region, and, under
#           --instructions, execute FRACTION more instructions there (bench/harness.cpp).
#   compare A1 A2 (A/A) and A1 B (A/B), then check:
#     A/A: at most 1 % of the compared cases flagged (SLOWER or FASTER);
#     A/B: at least 95 % of the injected variant's compared cases SLOWER, no other case flagged.
#
# usage: scripts/aa_ab_experiment.sh MOAT_BIN SCENARIO [VARIANT] [OUTDIR]
#   VARIANT  variant to slow down (default: the first `variant = "..."` in SCENARIO)
#   OUTDIR   default results/experiments/<scenario name>
# environment: PRESET (default ci), REPETITIONS (default 10: with 5 samples the smallest
#   two-sided Mann-Whitney p is 0.0079, too weak once Benjamini-Hochberg spreads it over many
#   cases), SLOWDOWN (default 0.10), RUN_FLAGS (extra flags for moat run, e.g. "--instructions"
#   for the deterministic experiment), COMPARE_FLAGS (extra flags for moat compare),
#   INTERLEAVE=1: one process per case and run, the three runs of each case back to back (order
#   rotated per case), merged into a1/a2/b.json afterwards; on a shared machine this keeps load
#   drift between the runs from looking like a change (sequential runs are minutes apart).
# Every command it runs is appended to OUTDIR/commands.txt.
# exit: 0 all acceptance checks pass, 1 a check fails, 2 usage or run error.
set -euo pipefail

if [ $# -lt 2 ]; then
  sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
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
: >"$out/commands.txt"
log() { echo "$*" | tee -a "$out/commands.txt"; }
log "# $(date -u +%FT%TZ) $0 $* (PRESET=$preset REPETITIONS=$repetitions SLOWDOWN=$slowdown" \
  "RUN_FLAGS='${RUN_FLAGS:-}' COMPARE_FLAGS='${COMPARE_FLAGS:-}'; load: $(cut -d' ' -f1-3 /proc/loadavg))"

run() {  # run OUTFILE [ENV=VALUE]
  local file=$1
  shift
  # shellcheck disable=SC2016  # the single quotes are literal text inside double quotes
  log "$* $moat run $scenario --preset $preset --repetitions $repetitions ${RUN_FLAGS:-}" \
    "${filter:+--filter '$filter' }--out $file"
  # shellcheck disable=SC2086
  env "$@" "$moat" run "$scenario" --preset "$preset" --repetitions "$repetitions" ${RUN_FLAGS:-} \
    ${filter:+--filter "$filter"} --out "$file" || { echo "error: moat run failed" >&2; exit 2; }
  log "#   done $(date -u +%FT%TZ), load: $(cut -d' ' -f1-3 /proc/loadavg)"
}
inject="MOAT_INJECT_SLOWDOWN=$variant:$slowdown"
if [ "${INTERLEAVE:-0}" = 1 ]; then
  rm -rf "$out/parts"
  mkdir -p "$out/parts"
  # shellcheck disable=SC2086
  mapfile -t names < <("$moat" run "$scenario" --preset "$preset" ${RUN_FLAGS:-} --list |
    cut -d' ' -f1 | uniq)
  for i in "${!names[@]}"; do
    n=$(printf '%03d' "$i")
    order=(a1 a2 b a1 a2)
    for which in "${order[@]:$((i % 3)):3}"; do
      env_=()
      [ "$which" = b ] && env_=("$inject")
      filter=${names[$i]} run "$out/parts/$which-$n.json" "${env_[@]}"
    done
  done
  python3 - "$out" <<'PY'
import glob, json, sys
out = sys.argv[1]
for which in ("a1", "a2", "b"):
    parts = [json.load(open(p)) for p in sorted(glob.glob(f"{out}/parts/{which}-*.json"))]
    doc = parts[0]
    doc["cases"] = [c for p in parts for c in p["cases"]]
    doc["run"]["finished_at"] = parts[-1]["run"].get("finished_at")
    doc["run"]["command"] += f" (interleaved: {len(parts)} processes, one per case, merged)"
    with open(f"{out}/{which}.json", "w") as f:
        json.dump(doc, f, indent=1)
PY
  rm -rf "$out/parts"  # every case is in the merged documents; commands.txt lists each process
else
  run "$out/a1.json"
  run "$out/a2.json"
  run "$out/b.json" "$inject"
fi

compare() {  # compare NAME BASE HEAD
  # --fail-on never: the acceptance checks below decide, not compare's own exit code.
  log "$moat compare $2 $3 --fail-on never --json $out/$1.json --markdown $out/$1.md ${COMPARE_FLAGS:-} > $out/$1.txt"
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
