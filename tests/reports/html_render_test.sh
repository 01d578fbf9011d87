#!/bin/sh
# Renders a synthetic HTML report in headless Chromium and checks that every chart was drawn
# (the page's own marker, via --dump-dom), that the screenshot is not blank, and that the
# console stayed free of errors. Exit 77 (ctest SKIP) only when Chromium is not installed.
# usage: html_render_test.sh RENDER_FIXTURE WORKDIR [CHARTJS]
set -eu
fixture=$1
work=$2
chartjs=${3:-}

chrome=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$chrome" ]; then
  echo "SKIP: chromium not installed (apt-get install -y chromium); HTML report not rendered"
  exit 77
fi
command -v python3 >/dev/null || { echo "FAIL: python3 is needed to inspect the screenshot"; exit 1; }

fail() { echo "FAIL: $*"; exit 1; }

rm -rf "$work"
mkdir -p "$work"
expected=$("$fixture" "$work" $chartjs) || fail "render fixture failed"
[ "$expected" -ge 5 ] || fail "fixture should produce at least 5 charts, says $expected"

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
run_chrome() {
  timeout 90 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --window-size=1400,3000 --virtual-time-budget=10000 \
    --enable-logging=stderr --v=0 "$@" "file://$work/report.html"
}
run_chrome --dump-dom > "$work/dom.html" 2> "$work/chromium-dom.log" || fail "chromium --dump-dom failed (see $work/chromium-dom.log)"
run_chrome --screenshot="$work/report.png" > /dev/null 2> "$work/chromium-screenshot.log" || fail "chromium --screenshot failed"

status=$(grep -o '<div id="moat-render-status"[^>]*>[^<]*' "$work/dom.html" || true)
echo "render status: $status"
echo "$status" | grep -q 'data-state="rendered"' || fail "page did not finish drawing: $status"
echo "$status" | grep -q "data-charts=\"$expected\"" || fail "expected $expected charts: $status"
echo "$status" | grep -q 'data-blank="0"' || fail "blank charts: $status"
echo "$status" | grep -q 'data-errors="0"' || fail "script errors: $status"
grep -q "<title>[^<]*\[rendered $expected charts\]</title>" "$work/dom.html" || fail "document.title not updated"
if grep -q "<title>pwned" "$work/dom.html"; then fail "hostile case name ran as script"; fi

# Any console message is an error here: the report's script logs nothing when it works.
if grep -E 'CONSOLE|Uncaught' "$work/chromium-dom.log" "$work/chromium-screenshot.log"; then
  fail "console messages while rendering"
fi

python3 - "$work/report.png" <<'PY' || fail "screenshot check failed"
# Decodes the PNG (8-bit RGB/RGBA, non-interlaced, as Chromium writes it) and requires ink:
# enough non-white pixels and colours to be charts, not an empty page.
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, header = 8, b'', None
while pos < len(data):
    length, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b'IHDR': header = struct.unpack('>IIBBBBB', body)
    elif kind == b'IDAT': idat += body
    pos += 12 + length
width, height, depth, colour, _, _, interlace = header
assert depth == 8 and colour in (2, 6) and interlace == 0, header
bpp = 3 if colour == 2 else 4
raw, stride = zlib.decompress(idat), width * bpp
prev, rows, i = bytearray(stride), [], 0
for _ in range(height):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b, c = prev[x], (prev[x - bpp] if x >= bpp else 0)
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line); prev = line
ink, colours = 0, set()
for line in rows[::4]:
    for x in range(0, stride, bpp * 4):
        px = tuple(line[x:x + 3]); colours.add(px)
        if px != (255, 255, 255): ink += 1
total = len(rows[::4]) * len(range(0, stride, bpp * 4))
print(f'screenshot {width}x{height}: {ink / total:.1%} non-white, {len(colours)} colours')
assert ink / total > 0.02 and len(colours) > 20, 'screenshot looks blank'
PY
echo "PASS: $expected charts drawn, screenshot not blank, no console errors"
