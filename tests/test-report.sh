#!/usr/bin/env bash
#
# test-report.sh — `peerlab report`, as TAP.
#
# Writes the report of a single run and of a sweep of a tiny scenario
# whose name and description are full of HTML; checks the page escapes
# them, marks passed and failed expectations, and links plot files that
# exist.  When chromium is installed it loads the page headless, takes a
# screenshot and checks it is a non-blank PNG and that the console logged
# no error; without chromium that point is skipped (CI installs it).  A
# damaged database (a zeroed page, a dropped table) exits 2 and writes no
# page.
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh" report

cat > tiny.ini <<'INI'
[run]
name = <script>alert("x")</script>tiny
description = a & b <img src=x onerror=alert(1)> "quoted"
duration = 40s
sample_interval = 5s
[population.peers]
count = 60
join_at = uniform(0s, 5s)
[event.ping]
at = 10s
action = command
command = ping
every = 5s
[expect]
joined = node.join >= 60
impossible = ping.rtt_ms.p50 < 1
[sweep]
seeds = 2
protocol.peer.target_peers = 4, 8
INI

echo "1..11"
"$peerlab" run tiny.ini --quiet --out one.db >/dev/null 2>err
rc1=$?
"$peerlab" sweep tiny.ini --jobs 2 --out sw >/dev/null 2>>err
rc2=$?
# the scenario has an expectation that fails: exit 1 from both
if [ $rc1 -eq 1 ] && [ $rc2 -eq 1 ] && [ -f one.db ] && [ -f sw/sweep.db ]; then
  ok "databases of one run and of a sweep"
else
  not_ok "databases ($rc1, $rc2)" "$(cat err)"
fi

"$peerlab" report one.db >out 2>err
rc=$?
page=one-report/index.html
if [ $rc -eq 0 ] && [ "$(cat out)" = "$page" ] && [ -s "$page" ]; then
  ok "report written to DB-report/index.html"
else
  not_ok "report written (exit $rc)" "$(cat out err)"
fi

if ! grep -qi '<script' "$page" && ! grep -q '<img src=x' "$page" \
   && grep -q '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;tiny' "$page" \
   && grep -q 'a &amp; b &lt;img src=x onerror=alert(1)&gt;' "$page"; then
  ok "text from the database is HTML-escaped (no script, no injected element)"
else
  not_ok "escaping" "$(grep -n -i 'script\|img' "$page" | head -5)"
fi

if grep -q 'class="pass">✔ pass</td><td>joined</td>' "$page" \
   && grep -q 'class="fail">✘ FAIL</td><td>impossible</td>' "$page" \
   && grep -q '1 of 2 passed' "$page"; then
  ok "expectations marked pass and fail"
else
  not_ok "expectations" "$(grep -n 'pass\|FAIL' "$page" | head -5)"
fi

missing=0
imgs=0
for src in $(grep -o '<img src="[^"]*"' "$page" | sed 's/<img src="//; s/"$//'); do
  imgs=$((imgs + 1))
  [ -s "one-report/$src" ] || { missing=1; echo "# missing plot $src"; }
done
if ! command -v gnuplot >/dev/null 2>&1; then
  skip "plots beside the page" "gnuplot not installed"
elif [ $missing -eq 0 ] && [ $imgs -ge 3 ] && grep -q 'node.join' "$page" \
     && grep -q 'ping.rtt_ms' "$page"; then
  ok "plots of the expectation metrics ($imgs) exist beside the page"
else
  not_ok "plots ($imgs)" "$(ls one-report)"
fi

"$peerlab" report sw/sweep.db --out swrep >/dev/null 2>err
rc=$?
if [ $rc -eq 0 ] && grep -q 'runs passed' swrep/index.html \
   && grep -q '>4 / 4<' swrep/index.html && grep -q '>0 / 4<' swrep/index.html \
   && grep -q 'protocol.peer.target_peers=8' swrep/index.html \
   && { ! command -v gnuplot >/dev/null 2>&1 || ls swrep/plot-*-sweep.svg >/dev/null 2>&1; }; then
  ok "sweep report: per-expectation run counts, parameters, sweep plots"
else
  not_ok "sweep report (exit $rc)" "$(cat err)"
fi

bad=0
for args in "" "missing.db" "tiny.ini" "one.db --format pdf" "one.db --metric no.such"; do
  # shellcheck disable=SC2086
  "$peerlab" report $args >/dev/null 2>err
  rc=$?
  if [ $rc -ne 2 ] || ! grep -q '^peerlab report: ' err; then
    bad=1
    echo "# report $args: exit $rc: $(cat err)"
  fi
done
if [ $bad -eq 0 ]; then ok "bad input exits 2 with a message"; else not_ok "bad input exits 2"; fi

# text options are read as bytes: UTF-8 reaches the option's own check
# (GOption's "Invalid byte sequence in conversion input" before), another
# byte is refused naming the option
"$peerlab" report one.db --metric 'débit' >out 2>err
rc1=$?
"$peerlab" report one.db --format 'své' >>out 2>>err
rc2=$?
if [ $rc1$rc2 = 22 ] && [ ! -s out ] \
   && [ "$(cat err)" = "peerlab report: no metric 'débit' in the database
peerlab report: --format: found 'své', expected svg or png" ]; then
  ok "UTF-8 --metric and --format are text: refused by their own checks, as written"
else
  not_ok "UTF-8 options (exit $rc1, $rc2)" "$(cat out err)"
fi
"$peerlab" report one.db --metric $'d\xe9bit' --out nonutf8 >out 2>err
rc=$?
if [ $rc -eq 2 ] && [ ! -s out ] && [ ! -e nonutf8 ] \
   && grep -q "^peerlab report: --metric 'd.*bit': expected UTF-8 text, found a byte that is not UTF-8 (0xe9, at byte 2; shown as U+FFFD)$" err; then
  ok "a --metric that is not UTF-8: exit 2 naming the option"
else
  not_ok "a --metric that is not UTF-8 (exit $rc)" "$(cat out err)"
fi

# the summary table's root page zeroed: the page once came out with an
# empty summary and exit 0
cp one.db bad.db && corrupt bad.db summary && cp one.db dropped.db \
  && sqlite3 dropped.db 'DROP TABLE expectation' || echo "# could not damage the copies"
"$peerlab" report bad.db >out 2>err
rc1=$?
"$peerlab" report dropped.db >>out 2>>err
rc2=$?
if [ $rc1$rc2 = 22 ] && [ ! -s out ] && [ ! -e bad-report ] && [ ! -e dropped-report ] \
   && grep -q '^peerlab report: .*bad.db: reading the results database: database disk image is malformed' err \
   && grep -q 'dropped.db: not a complete results database (no expectation table)' err; then
  ok "a damaged database: exit 2 naming the file and SQLite's message, no page"
else
  not_ok "a damaged database (exit $rc1, $rc2)" "$(cat out err | head -5)"
fi

browser=""
for b in chromium chromium-browser google-chrome; do
  command -v "$b" >/dev/null 2>&1 && { browser=$b; break; }
done
if [ -z "$browser" ]; then
  skip "headless chromium renders the page" "chromium not installed"
else
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --hide-scrollbars --window-size=1200,1600 --screenshot="$work/shot.png" \
    --enable-logging=stderr --v=0 "file://$work/$page" >browser.out 2>browser.err
  rc=$?
  console_errors=$(grep 'CONSOLE' browser.err | grep -ci 'error')
  verdict=$(python3 - "$work/shot.png" <<'PY'
import struct, sys, zlib
# Decode the PNG (8-bit RGB/RGBA, non-interlaced, as chromium writes) and
# count distinct colours: a blank page has one or two.
data = open(sys.argv[1], 'rb').read()
if len(data) < 100 or data[:8] != b'\x89PNG\r\n\x1a\n':
    print('not a PNG'); sys.exit()
pos, idat, w = 8, b'', 0
while pos < len(data):
    ln, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + ln]
    if kind == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
    elif kind == b'IDAT':
        idat += body
    pos += 12 + ln
bpp = {2: 3, 6: 4}.get(ctype)
if depth != 8 or not bpp:
    print('unexpected PNG format'); sys.exit()
raw, stride, prev, colours = zlib.decompress(idat), w * bpp, None, set()
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i] if prev else 0
        c = prev[i - bpp] if prev and i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 4 == 0:
        for x in range(0, stride, bpp * 4):
            colours.add(bytes(line[x:x + 3]))
    prev = line
print('ok' if len(colours) > 20 else 'blank (%d colours)' % len(colours))
PY
)
  if [ $rc -eq 0 ] && [ "$verdict" = ok ] && [ "$console_errors" = 0 ]; then
    ok "headless $browser renders the page: non-blank screenshot, no console error"
  else
    not_ok "headless $browser (exit $rc, screenshot: $verdict, console errors: $console_errors)" \
      "$(grep -i 'console\|error' browser.err | head -5)"
  fi
fi
tap_done
