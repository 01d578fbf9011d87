#!/usr/bin/env bash
# End-to-end checks of the moat binary: list --json, strict scenario errors with file:line:col,
# an implementation not in this build recorded as skipped, and a run killed mid-way leaving a
# readable results file with its finished cases.
set -euo pipefail
moat="$1"
src="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export MOAT_CACHE_DIR="$work/cache"
fail() { echo "FAIL: $*" >&2; exit 1; }

# list --json: both first variants with parameter schemas.
"$moat" list --json >"$work/list.json"
python3 - "$work/list.json" <<'PY'
import json, sys
v = {x["name"]: x for x in json.load(open(sys.argv[1]))}
for name in ("attention.dense", "moe.topk_softmax"):
    assert name in v, name
    assert v[name]["parameters"], name
    assert all("type" in p and "name" in p for p in v[name]["parameters"])
PY

# Strict scenarios: each mistake exits non-zero naming file:line:col.
expect_error() {  # file expected-location
  if "$moat" run "$1" -o "$work/never.json" 2>"$work/err"; then fail "$1 should fail"; fi
  grep -q "$2" "$work/err" || { cat "$work/err"; fail "$1: no '$2' in the message"; }
  [ ! -e "$work/never.json" ] || fail "$1: nothing may run before the scenario is valid"
}
printf '[[sweep]]\nvariant = "attention.dense"\n[sweep.axes]\nseq_q = [1]\ncasual = [true]\n' >"$work/typo.toml"
expect_error "$work/typo.toml" "typo.toml:5:1"
printf '[[sweep]]\nvariant = "attention.dense"\n[sweep.axes]\nseq_q = ["64"]\n' >"$work/type.toml"
expect_error "$work/type.toml" "type.toml:4:10"
printf '[[sweep]]\nvariant = "attention.dence"\n' >"$work/variant.toml"
expect_error "$work/variant.toml" "variant.toml:2:11"
if "$moat" run "$src/scenarios/quickstart.toml" --preset nightly 2>"$work/err"; then fail "bad preset"; fi
grep -q -- "--preset" "$work/err" || fail "bad preset message does not name the flag"

# An implementation this build lacks (a CPU-only vendor baseline on a CUDA build, ...) is
# recorded as skipped, naming it and the available ones; the run still exits 0.
cat >"$work/absent.toml" <<'TOML'
[[sweep]]
variant = "moe.topk_softmax"
implementations = ["moat", "not_compiled_in"]
[sweep.axes]
tokens = [8]
[sweep.fixed]
hidden = 32
ffn = 64
TOML
"$moat" run "$work/absent.toml" -o "$work/absent.json" --hardware none --repetitions 1 \
  --min-time 0.001 --warmup 0 2>"$work/err" || { cat "$work/err"; fail "absent implementation failed the run"; }
python3 - "$work/absent.json" <<'PY'
import json, sys
c = {x["implementation"]: x for x in json.load(open(sys.argv[1]))["cases"]}
assert c["moat"]["status"] == "ok", c["moat"]
r = c["not_compiled_in"]
assert r["status"] == "skipped", r
assert "'not_compiled_in' is not in this build (available: " in r["reason"], r["reason"]
assert "moat" in r["reason"].split("available: ")[1], r["reason"]
assert "samples_s" not in r and "check" not in r, r
PY

# A run killed mid-way keeps every finished case in a readable file.
cat >"$work/long.toml" <<'TOML'
[timing]
repetitions = 3
min_time_s = 0.05
[[sweep]]
variant = "moe.topk_softmax"
[sweep.axes]
tokens = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27]
[sweep.fixed]
hidden = 32
ffn = 64
TOML
"$moat" run "$work/long.toml" -o "$work/killed.json" --hardware none 2>"$work/run.log" &
pid=$!
for _ in $(seq 1 200); do
  if [ -e "$work/killed.json" ] && python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if len(d['cases'])>=2 else 1)" "$work/killed.json" 2>/dev/null; then
    break
  fi
  sleep 0.1
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
python3 - "$work/killed.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "moat.results"
assert d["status"] == "running", d["status"]
n = len(d["cases"])
assert 2 <= n < 20, n
assert all(c["status"] == "ok" and c["samples_s"] for c in d["cases"])
print(f"killed run kept {n} finished cases")
PY
echo "cli_test: all checks passed"
