#!/usr/bin/env bash
# README command (1): set up, build, run the quickstart scenario (measured + predicted) and write
# its report. Outputs: out/quickstart.json, out/quickstart.md, out/quickstart.html.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" --target moat
moat=build/default/apps/moat
mkdir -p out
"$moat" run scenarios/quickstart.toml -o out/quickstart.json
"$moat" report out/quickstart.json --markdown out/quickstart.md --html out/quickstart.html
echo "quickstart: results out/quickstart.json, report out/quickstart.md and out/quickstart.html"
