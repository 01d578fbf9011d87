#!/usr/bin/env bash
# `moat run --instructions`: two runs of the same small cases give identical instruction counts,
# a different shape gives a different count, `moat compare` of the two runs says SAME by count,
# an injected slowdown shows as +10 % instructions, and without valgrind the error names the flag.
set -euo pipefail
moat="$1"
# A catalog profile: compare needs one in both runs, and `auto` would calibrate this machine.
hardware="$2/model/hardware/epyc-9654.toml"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export MOAT_CACHE_DIR="$work/cache"
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "SKIP: valgrind is not installed"; exit 77; }

cat >"$work/tiny.toml" <<'TOML'
[timing]
repetitions = 2
min_time_s = 0.001
[[sweep]]
variant = "moe.topk_softmax"
[sweep.axes]
tokens = [8, 16]
[sweep.fixed]
hidden = 32
ffn = 64
TOML
run() {  # run OUT [ENV=VALUE...]
  local out=$1
  shift
  env "$@" "$moat" run "$work/tiny.toml" --instructions --hardware "$hardware" -o "$out" 2>"$out.log" \
    || { cat "$out.log"; fail "moat run --instructions failed"; }
}
run "$work/a.json"
run "$work/b.json"
run "$work/slow.json" MOAT_INJECT_SLOWDOWN=moe.topk_softmax:0.10
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
def counts(name):
    d = json.load(open(f"{w}/{name}.json"))
    assert d["run"]["instructions"]["tool"] == "callgrind", d["run"]["instructions"]
    assert d["run"]["command"].endswith("--instructions"), d["run"]["command"]
    out = {}
    for c in d["cases"]:
        assert c["status"] == "ok", (name, c["status"], c["reason"])
        assert isinstance(c["instructions"], int) and c["instructions"] > 0, c.get("instructions")
        assert c["samples_s"], "timings are still recorded beside the count"
        out[c["params"]["tokens"]] = c["instructions"]
    return out
a, b, slow = counts("a"), counts("b"), counts("slow")
assert sorted(a) == [8, 16], a
assert a == b, f"two runs must count the same instructions: {a} vs {b}"
assert a[8] != a[16], f"a different shape must count differently: {a}"
assert a[16] > a[8], f"twice the tokens must execute more instructions: {a}"
for t in a:
    ratio = slow[t] / a[t]
    assert 1.09 < ratio < 1.11, f"tokens={t}: injected +10% gave x{ratio:.4f}"
print("counts", a, "injected", slow)
PY

# compare: both runs counted -> deterministic verdicts, all SAME; the injected run is SLOWER.
"$moat" compare "$work/a.json" "$work/b.json" --json "$work/aa.json" -q || fail "compare a b"
"$moat" compare "$work/a.json" "$work/slow.json" --json "$work/ab.json" -q --fail-on never \
  || fail "compare a slow"
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
for name, want in (("aa", "SAME"), ("ab", "SLOWER")):
    cases = json.load(open(f"{w}/{name}.json"))["cases"]
    assert len(cases) == 2 and all(c["mode"] == "instructions" and c["verdict"] == want
                                   for c in cases), (name, cases)
PY

# No valgrind on PATH: one clear error naming the flag, exit 2, no results file.
if env PATH=/nonexistent "$moat" run "$work/tiny.toml" --instructions --hardware none \
     -o "$work/never.json" 2>"$work/err"; then
  fail "--instructions without valgrind must fail"
else
  rc=$?
fi
[ "$rc" = 2 ] || fail "exit code $rc, want 2"
grep -q -- "--instructions needs valgrind" "$work/err" || { cat "$work/err"; fail "message"; }
[ ! -e "$work/never.json" ] || fail "nothing may be written when valgrind is missing"

# The hidden child flag refuses to run outside valgrind.
if "$moat" run "$work/tiny.toml" --instructions-child "$work" --hardware none 2>"$work/err"; then
  fail "--instructions-child outside valgrind must fail"
fi
grep -q "only runs under valgrind" "$work/err" || { cat "$work/err"; fail "child message"; }
echo "PASS"
