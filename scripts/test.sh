#!/usr/bin/env bash
# README command (2): set up, build with -Werror, run every scenario's smoke preset (each case is
# checked against its float64 oracle), then the test suite. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-browser
cmake --preset ci >/dev/null
cmake --build --preset ci -j "$(nproc)"

moat=build/ci/apps/moat
export MOAT_CACHE_DIR="$PWD/build/ci/cache"   # calibrated profile of this machine
smoke=()
for f in scenarios/*.toml; do
  # Model scenarios have nothing to measure; the validation sweeps repeat every variant at larger
  # shapes for results/validation/run.sh, and the variants' own scenarios already cover them here;
  # gpu-* scenarios compare with GPU vendor libraries (CUDA builds only; tests load them).
  case "$(basename "$f")" in validation-* | gpu-*) continue ;; esac
  grep -qE '^kind *= *"model"' "$f" || smoke+=("$f")
done
echo "== smoke presets of ${#smoke[@]} kernel scenarios (oracle-checked)"
"$moat" run "${smoke[@]}" --preset smoke --repetitions 2 --min-time 0.001 --warmup 0 \
  -o build/ci/smoke-results.json 2> >(grep -vE '^\[[0-9]+/[0-9]+\] (ok|skipped) ' >&2)

echo "== test suite"
ctest --preset ci -j "$(nproc)" --timeout 900
