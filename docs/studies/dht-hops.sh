#!/bin/sh
# dht-hops.sh — mean lookup hop count against N and bits per digit b
# (docs/studies/dht.md, table 1).  Prints one Markdown row per (N, b).
#
#   docs/studies/dht-hops.sh [PEERLAB] [SIZES]   (default: build/sim/peerlab "1000 10000 100000")
#
# Workload: scenarios/dht-baseline.ini with routing tables filled from the
# truth (bootstrap = oracle, a static network), no NAT, k = 20, alpha = 3,
# about 20 random-key lookups per second for 50 s, seed 1.
set -e
PEERLAB=${1:-build/sim/peerlab}
SIZES=${2:-"1000 10000 100000"}
for n in $SIZES; do
  frac=$(awk -v n="$n" 'BEGIN { printf "%.6f", 20 / n }')
  for b in 1 2 4; do
    out=$("$PEERLAB" run scenarios/dht-baseline.ini --quiet \
      --set population.nodes.count="$n" --set population.nodes.join_at=0 \
      --set protocol.kad.bootstrap=oracle --set protocol.kad.b="$b" \
      --set event.lookups.at=10s --set event.lookups.fraction="$frac" \
      --set run.duration=60s --set 'metrics.include=dht.*' --out /tmp/dht-hops-$$.db || true)
    hops=$(sqlite3 /tmp/dht-hops-$$.db "select printf('%.2f', mean) from summary join metric on metric.id = summary.metric_id where metric.name = 'dht.lookup.hops'")
    p99=$(sqlite3 /tmp/dht-hops-$$.db "select printf('%.0f', p99) from summary join metric on metric.id = summary.metric_id where metric.name = 'dht.lookup.hops'")
    msgs=$(sqlite3 /tmp/dht-hops-$$.db "select printf('%.1f', mean) from summary join metric on metric.id = summary.metric_id where metric.name = 'dht.lookup.messages'")
    succ=$(sqlite3 /tmp/dht-hops-$$.db "select printf('%.3f', mean) from summary join metric on metric.id = summary.metric_id where metric.name = 'dht.lookup.success'")
    cnt=$(sqlite3 /tmp/dht-hops-$$.db "select count from summary join metric on metric.id = summary.metric_id where metric.name = 'dht.lookup.success'")
    awk -v n="$n" -v b="$b" -v h="$hops" -v p="$p99" -v m="$msgs" -v s="$succ" -v c="$cnt" 'BEGIN {
      l = log(n) / log(2);
      printf "| %d | %d | %d | %s | %s | %.2f | %.2f | %s | %s |\n", n, b, c, h, p, l, l / b, m, s }'
    rm -f /tmp/dht-hops-$$.db
  done
done
