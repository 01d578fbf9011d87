#!/usr/bin/env bash
# Installs every Debian package moat needs (bookworm). Idempotent and quiet when all are there.
# Usage: scripts/setup.sh [--with-browser]   (chromium is needed for the HTML render test)
set -euo pipefail
packages=(
  build-essential cmake ninja-build git python3
  valgrind                        # callgrind: deterministic instruction counts (--instructions)
  libtrilinos-kokkos-dev          # Kokkos 3.4.1, Serial backend
  libbenchmark-dev libgtest-dev   # Google Benchmark, GoogleTest
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libfmt-dev
  libdnnl-dev                     # oneDNN: CPU vendor baseline
  libjs-chart.js                  # inlined into the HTML report
)
if [[ "${1:-}" == "--with-browser" ]]; then packages+=(chromium); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
