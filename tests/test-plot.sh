#!/usr/bin/env bash
#
# test-plot.sh — `peerlab plot` through gnuplot, as TAP.
#
# Makes a single-run database and a sweep database of a tiny scenario and
# plots them every way: series (PNG and SVG), CDF, histogram, sweep with a
# numeric and with a categorical parameter.  Text from the database (a
# scenario name full of quotes and gnuplot syntax) must reach the plot as
# text and run nothing.  Errors: unknown metric, bad output name, not a
# database (exit 2), a damaged database (a table's page zeroed, a table
# dropped: exit 2 naming the file and the reason), gnuplot missing (exit 3,
# naming gnuplot-nox).
# Without gnuplot the plotting points are skipped (CI installs it).
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh" plot
is_png() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
is_svg() { [ -s "$1" ] && grep -q '<svg' "$1" && grep -q '</svg>' "$1"; }

# The name is text: quotes, a gnuplot command, a shell command, a format.
cat > tiny.ini <<'INI'
[run]
name = it's "tiny"'; system("touch PWNED") # $(touch PWNED2) 100%
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
[sweep]
seeds = 3
protocol.peer.target_peers = 4, 8
INI
cat > cat.ini <<'INI'
[run]
name = categorical
duration = 30s
[population.peers]
count = 40
join_at = uniform(0s, 5s)
[event.ping]
at = 10s
action = command
command = ping
every = 5s
[sweep]
seeds = 2
network.latency = lognormal(20ms, 0.3); lognormal(80ms, 0.3)
INI

echo "1..16"
"$peerlab" run tiny.ini --quiet --out one.db >/dev/null 2>err \
  && "$peerlab" sweep tiny.ini --jobs 2 --out sw >/dev/null 2>>err \
  && "$peerlab" sweep cat.ini --jobs 2 --out cat >/dev/null 2>>err
if [ $? -eq 0 ] && [ -f one.db ] && [ -f sw/sweep.db ] && [ -f cat/sweep.db ]; then
  ok "databases: one run, a 2x3 sweep, a sweep over a categorical parameter"
else
  not_ok "databases made" "$(cat err)"
fi

if ! command -v gnuplot >/dev/null 2>&1; then
  for d in "series PNG" "series SVG" cdf hist "sweep (numeric)" "sweep (categorical)" \
           "quoting" "stat" "UTF-8 title"; do
    skip "$d" "gnuplot not installed (apt-get install gnuplot-nox)"
  done
else
  "$peerlab" plot one.db --metric peer.count >out 2>err
  if [ $? -eq 0 ] && [ "$(cat out)" = "one-series.png" ] && is_png one-series.png; then
    ok "series PNG (default name DB-KIND.png)"
  else
    not_ok "series PNG" "$(cat out err)"
  fi
  "$peerlab" plot one.db -m peer.count -m msg.sent --out s.svg >out 2>err
  if [ $? -eq 0 ] && is_svg s.svg && grep -q 'msg.sent, run 1' s.svg; then
    ok "series SVG of two metrics, one line each"
  else
    not_ok "series SVG" "$(cat out err)"
  fi
  "$peerlab" plot sw/sweep.db -m ping.rtt_ms --kind cdf --out c.svg >out 2>err
  if [ $? -eq 0 ] && is_svg c.svg && [ "$(grep -c 'protocol.peer.target_peers=' c.svg)" -ge 6 ]; then
    ok "cdf from the histogram table, one line per run of the sweep"
  else
    not_ok "cdf" "$(cat out err)"
  fi
  "$peerlab" plot one.db -m ping.rtt_ms --kind hist --out h.png >out 2>err
  if [ $? -eq 0 ] && is_png h.png; then ok "hist"; else not_ok "hist" "$(cat out err)"; fi
  "$peerlab" plot sw/sweep.db -m peer.count --out w.svg >out 2>err
  if [ $? -eq 0 ] && is_svg w.svg && grep -q 'protocol.peer.target_peers' w.svg \
     && grep -q 'mean and 95% CI over seeds' w.svg; then
    ok "sweep (default kind of a sweep database): mean and 95% CI against the parameter"
  else
    not_ok "sweep numeric" "$(cat out err)"
  fi
  "$peerlab" plot cat/sweep.db -m ping.rtt_ms --kind sweep --x network.latency --out k.svg \
    >out 2>err
  if [ $? -eq 0 ] && is_svg k.svg && grep -q 'lognormal(20ms, 0.3)' k.svg \
     && grep -q 'lognormal(80ms, 0.3)' k.svg; then
    ok "sweep over a categorical parameter: its values label the x axis"
  else
    not_ok "sweep categorical" "$(cat out err)"
  fi
  # the title is the scenario name: shown as text, nothing run
  if [ ! -e PWNED ] && [ ! -e PWNED2 ] && grep -q 'system(' s.svg && grep -q '100%' s.svg; then
    ok "text from the database is quoted: shown in the plot, never executed"
  else
    not_ok "quoting" "$(grep -o '<title>[^<]*' s.svg | head -3)"
  fi
  "$peerlab" plot sw/sweep.db -m ping.rtt_ms --stat p99 --out p.png >out 2>err \
    && "$peerlab" plot sw/sweep.db -m ping.rtt_ms --stat p95 --out p.png >/dev/null 2>err2
  if [ $? -eq 2 ] && is_png p.png && grep -q "statistic 'p95'" err2; then
    ok "--stat p99 plots, --stat p95 is refused"
  else
    not_ok "stat" "$(cat out err err2 2>/dev/null)"
  fi
  # text options are read as bytes: a UTF-8 title is shown as written
  # (GOption's "Invalid byte sequence in conversion input" before)
  "$peerlab" plot one.db -m peer.count --title 'Débit ✓' --out u.svg >out 2>err
  if [ $? -eq 0 ] && is_svg u.svg && grep -q 'Débit ✓' u.svg; then
    ok "a UTF-8 --title is the plot's title"
  else
    not_ok "UTF-8 title" "$(cat out err)"
  fi
fi
# ... and a byte that is not UTF-8 is refused naming the option, gnuplot or not
"$peerlab" plot one.db -m peer.count --title $'D\xe9bit' --out v.svg >out 2>err
rc=$?
if [ $rc -eq 2 ] && [ ! -s out ] && [ ! -e v.svg ] \
   && grep -q "^peerlab plot: --title 'D.*bit': expected UTF-8 text, found a byte that is not UTF-8 (0xe9, at byte 2; shown as U+FFFD)$" err; then
  ok "a --title that is not UTF-8: exit 2 naming the option"
else
  not_ok "a --title that is not UTF-8 (exit $rc)" "$(cat out err)"
fi

bad=0
for args in "one.db" "one.db -m no.such" "one.db -m peer.count --out x.pdf" \
            "tiny.ini -m peer.count" "missing.db -m peer.count" "one.db -m peer.count --kind pie" \
            "one.db -m peer.count --kind sweep"; do
  # shellcheck disable=SC2086
  "$peerlab" plot $args >/dev/null 2>err
  rc=$?
  if [ $rc -ne 2 ] || ! grep -q '^peerlab plot: ' err; then
    bad=1
    echo "# plot $args: exit $rc: $(cat err)"
  fi
done
if [ $bad -eq 0 ]; then ok "bad input exits 2 with a message"; else not_ok "bad input exits 2"; fi

# A damaged database: a CDF of DB to SVG is refused with exit 2, no output
# on stdout, no file, and stderr matching PATTERN.
plot_refused() {
  local desc=$1 db=$2 pattern=$3
  "$peerlab" plot "$db" -m ping.rtt_ms --kind cdf --out refused.svg >out 2>err
  local rc=$?
  if [ $rc -eq 2 ] && [ ! -s out ] && [ ! -e refused.svg ] && grep -q "$pattern" err; then
    ok "$desc"
  else
    not_ok "$desc (exit $rc)" "$(cat out err)"
  fi
}

# a CDF does not read the summary table, and was once made without it
cp one.db dropped.db && sqlite3 dropped.db 'DROP TABLE summary'
plot_refused "a table dropped: exit 2, naming the table" dropped.db \
  '^peerlab plot: dropped.db: not a complete results database (no summary table)'

# the histogram table's root page zeroed: the CDF was once "nothing to plot"
if command -v gnuplot >/dev/null 2>&1; then
  cp one.db bad.db && corrupt bad.db histogram || echo "# could not damage the copy"
  plot_refused "a damaged page: exit 2 naming the file and SQLite's message" bad.db \
    '^peerlab plot: .*bad.db: reading the results database: database disk image is malformed'
else
  skip "a damaged page" "gnuplot not installed (the data is read after looking for it)"
fi

# gnuplot missing: PATH without it (peerlab itself is called by path)
mkdir -p emptybin
PATH="$work/emptybin" "$peerlab" plot one.db -m peer.count --out z.png >/dev/null 2>err
rc=$?
if [ $rc -eq 3 ] && grep -q 'gnuplot-nox' err; then
  ok "gnuplot missing: exit 3, the message names gnuplot-nox"
else
  not_ok "gnuplot missing (exit $rc)" "$(cat err)"
fi

# the scripts are found through PEERLAB_ANALYSIS_DIR first
if command -v gnuplot >/dev/null 2>&1; then
  PEERLAB_ANALYSIS_DIR="$work/emptybin" "$peerlab" plot one.db -m peer.count --out y.png \
    >/dev/null 2>err
  rc1=$?
  PEERLAB_ANALYSIS_DIR="$root/analysis" "$peerlab" plot one.db -m peer.count --out y.png \
    >/dev/null 2>>err
  rc2=$?
  # an empty directory falls through to the compiled-in source tree
  if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && is_png y.png; then
    ok "scripts found via PEERLAB_ANALYSIS_DIR or the source tree"
  else
    not_ok "script lookup ($rc1, $rc2)" "$(cat err)"
  fi
else
  skip "script lookup" "gnuplot not installed"
fi
tap_done
