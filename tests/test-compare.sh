#!/usr/bin/env bash
#
# test-compare.sh — `peerlab compare` on real sweeps, as TAP.
#
# Two sweeps of the same tiny scenario over 5 seeds compare clean; a sweep
# run with a different seed range stays within the thresholds; a planted
# regression (one-way latency doubled with --set) is flagged, and the
# --higher-is-better and --threshold rules decide as documented.  A
# damaged database (a zeroed page, a dropped table) is an error, never a
# comparison of whatever rows could be read.
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh" compare

cat > tiny.ini <<'INI'
[run]
name = tiny-compare
duration = 40s
sample_interval = 5s
[network]
latency = lognormal(30ms, 0.3)
[population.peers]
count = 60
join_at = uniform(0s, 5s)
[event.ping]
at = 10s
action = command
command = ping
every = 5s
[sweep]
seeds = 5
INI

echo "1..14"
sweep() { "$peerlab" sweep tiny.ini --jobs 2 --out "$@" >/dev/null 2>sweep.err; }
check "baseline sweep over 5 seeds" sweep base
check "the same sweep again" sweep same
check "a sweep with other seeds (51-55)" sweep other --set run.seed=51
check "a sweep with the one-way latency doubled" sweep slow --set 'network.latency=lognormal(60ms, 0.3)'

metrics=(--metric ping.rtt_ms --metric ping.rtt_ms.p99 --metric peer.count --higher-is-better peer.count)

"$peerlab" compare base/sweep.db same/sweep.db "${metrics[@]}" >out 2>err
rc=$?
if [ $rc -eq 0 ] && [ "$(head -1 out)" = "1..3" ] && [ "$(grep -c '^ok ' out)" = 3 ]; then
  ok "identical sweeps: no regression, one test point per metric (exit 0)"
else
  not_ok "identical sweeps: no regression (exit $rc)" "$(cat out err)"
fi

"$peerlab" compare base/sweep.db other/sweep.db "${metrics[@]}" >out 2>err
rc=$?
if [ $rc -eq 0 ] && ! grep -q '^not ok' out; then
  ok "other seeds: within the thresholds (exit 0)"
else
  not_ok "other seeds: within the thresholds (exit $rc)" "$(cat out err)"
fi

"$peerlab" compare base/sweep.db slow/sweep.db "${metrics[@]}" >out 2>err
rc=$?
if [ $rc -eq 1 ] && grep -q '^not ok 1 - ping.rtt_ms.mean: .*p=0.007937' out \
   && grep -q '^not ok 2 - ping.rtt_ms.p99' out && grep -q '^ok 3 - peer.count.mean' out \
   && grep -q 'REGRESSION' out; then
  ok "doubled latency: ping.rtt_ms flagged (exact p = 2/252), peer.count not (exit 1)"
else
  not_ok "doubled latency flagged (exit $rc)" "$(cat out err)"
fi

"$peerlab" compare base/sweep.db slow/sweep.db --metric ping.rtt_ms --higher-is-better 'ping.*' \
  >out 2>err
rc=$?
if [ $rc -eq 0 ] && grep -q 'improved significantly' out; then
  ok "--higher-is-better: the same change is an improvement (exit 0)"
else
  not_ok "--higher-is-better (exit $rc)" "$(cat out err)"
fi

"$peerlab" compare base/sweep.db slow/sweep.db --metric ping.rtt_ms --threshold '*=150' \
  --threshold 'peer.*=1' >out 2>err
rc=$?
if [ $rc -eq 0 ] && grep -q 'threshold 150%' out; then
  ok "--threshold 150%: a +100% change is allowed (exit 0)"
else
  not_ok "--threshold (exit $rc)" "$(cat out err)"
fi

"$peerlab" compare base/sweep.db slow/sweep.db --metric ping.rtt_ms --alpha 0.001 >out 2>err
rc=$?
if [ $rc -eq 0 ] && grep -q 'not significant' out; then
  ok "--alpha 0.001: 5 seeds cannot reach it (exact p >= 2/252), so no regression (exit 0)"
else
  not_ok "--alpha (exit $rc)" "$(cat out err)"
fi

# text options are read as bytes: UTF-8 patterns work (GOption's "Invalid
# byte sequence in conversion input" before), another byte is refused
# naming the option
"$peerlab" compare base/sweep.db same/sweep.db --metric ping.rtt_ms --higher-is-better 'débit*' \
  --threshold 'débit*=10' >out 2>err
rc1=$?
"$peerlab" compare base/sweep.db same/sweep.db --metric ping.rtt_ms \
  --param 'run.description=café' >>out 2>>err
rc2=$?
if [ $rc1 -eq 0 ] && grep -q '^ok 1 - ping.rtt_ms.mean' out && grep -q 'lower is better; threshold 5%' out \
   && [ $rc2 -eq 2 ] \
   && [ "$(cat err)" = 'peerlab compare: base/sweep.db: no complete run with the given --param values' ]; then
  ok "UTF-8 --higher-is-better, --threshold and --param are text like any other (no run matches them)"
else
  not_ok "UTF-8 options (exit $rc1, $rc2)" "$(cat out err)"
fi
"$peerlab" compare base/sweep.db same/sweep.db --metric ping.rtt_ms \
  --param $'run.description=caf\xe9' >out 2>err
rc=$?
if [ $rc -eq 2 ] && [ ! -s out ] && grep -q "^peerlab compare: --param 'run.description=caf.*': expected UTF-8 text, found a byte that is not UTF-8 (0xe9, at byte 20; shown as U+FFFD)$" err; then
  ok "a --param that is not UTF-8 is refused naming the option (exit 2)"
else
  not_ok "a --param that is not UTF-8 (exit $rc)" "$(cat out err)"
fi

bad=0
for args in "base/sweep.db" "base/sweep.db missing.db" "base/sweep.db same/sweep.db --threshold x" \
            "base/sweep.db same/sweep.db --metric no.such" "base/sweep.db same/sweep.db --stat p95" \
            "base/sweep.db same/sweep.db --alpha 2" "tiny.ini same/sweep.db"; do
  # shellcheck disable=SC2086
  "$peerlab" compare $args >/dev/null 2>err
  rc=$?
  if [ $rc -ne 2 ] || ! grep -q '^peerlab compare: ' err; then
    bad=1
    echo "# compare $args: exit $rc: $(cat err)"
  fi
done
check "usage and input errors exit 2 with a message" test $bad -eq 0

# the summary table's root page zeroed: the rows of the new side cannot be
# read, which once compared as 0 ("diff -100% ... within the threshold")
cp same/sweep.db bad.db && corrupt bad.db summary && cp same/sweep.db dropped.db \
  && sqlite3 dropped.db 'DROP TABLE summary' || echo "# could not damage the copies"
"$peerlab" compare base/sweep.db bad.db "${metrics[@]}" >out 2>err
rc1=$?
"$peerlab" compare bad.db base/sweep.db >>out 2>>err
rc2=$?
"$peerlab" compare base/sweep.db dropped.db >>out 2>>err
rc3=$?
if [ $rc1$rc2$rc3 = 222 ] && [ ! -s out ] \
   && [ "$(grep -c 'bad.db: reading the results database: database disk image is malformed' err)" = 2 ] \
   && grep -q 'dropped.db: not a complete results database (no summary table)' err; then
  ok "a damaged database: exit 2 naming the file and SQLite's message, no TAP"
else
  not_ok "a damaged database (exit $rc1, $rc2, $rc3)" "$(cat out err | head -8)"
fi
tap_done
