#!/usr/bin/env bash
# Builds moat's `cuda` preset against a CUDA-enabled Kokkos (Kokkos_ROOT), calibrates the GPU and
# runs the given scenarios on it. Results and logs go to $OUT (the device tool's output folder)
# or out/gpu. Usage: scripts/gpu_run.sh [SCENARIO[:PRESET]]...   (default: the quickstart)
# Headers/libraries that the GPU machine lacks can be given with CMAKE_PREFIX_PATH.
set -euo pipefail
: "${Kokkos_ROOT:?set Kokkos_ROOT to a CUDA-enabled Kokkos 4.x/5.x install}"
cd "$(dirname "$0")/.."
out=${OUT:-out/gpu}
mkdir -p "$out"
jobs=$(nproc)
{
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv || true
  nvcc --version | tail -1
  cmake --preset cuda -DMOAT_BUILD_TESTS=OFF -DMOAT_BUILD_REPORTS=OFF \
    -DCMAKE_PREFIX_PATH="${CMAKE_PREFIX_PATH:-}" >/dev/null
  cmake --build --preset cuda -j "$jobs" --target moat
} 2>&1 | tee "$out/build.log" | tail -5
moat=build/cuda/apps/moat
export LD_LIBRARY_PATH="${CMAKE_PREFIX_PATH:+${CMAKE_PREFIX_PATH}/lib:}${LD_LIBRARY_PATH:-}"
"$moat" calibrate -o "$out/gpu-calibrated.toml" 2>&1 | tee "$out/calibrate.log"
[ $# -gt 0 ] || set -- scenarios/quickstart.toml
for spec in "$@"; do
  file=${spec%%:*}
  preset=""
  [[ "$spec" == *:* ]] && preset=${spec##*:}
  name=$(basename "$file" .toml)${preset:+-$preset}
  "$moat" run "$file" ${preset:+--preset "$preset"} --hardware "$out/gpu-calibrated.toml" \
    -o "$out/$name.json" 2>"$out/$name.log" || echo "run $spec: exit $?" >&2
  tail -1 "$out/$name.log"
done
