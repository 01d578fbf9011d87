#!/usr/bin/env bash
# Issue 3 and 4 baselines on this machine, one core: moat's kernels against oneDNN on the same
# cases, run side by side in one process (moat and oneDNN cases interleave per shape).
# Usage (repo root): results/cpu-baselines/run.sh [MOAT]   (default build/ci/apps/moat)
set -euo pipefail
moat=${1:-build/ci/apps/moat}
out=results/cpu-baselines
export OMP_NUM_THREADS=1   # Debian's libdnnl is OpenMP-threaded; Kokkos here is Serial
prio=""
if nice -n -19 true 2>/dev/null; then prio="nice -n -19"; fi
for s in attention-dense-vs-onednn moe-ffn-vs-onednn; do
  echo "$(date -u +%FT%TZ) $s: load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $out/load.log
  $prio $moat run scenarios/$s.toml -o $out/$s.json
  python3 $out/ratios.py $out/$s.json | tee $out/$s.md
done
