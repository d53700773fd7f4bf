#!/bin/sh
# dht-eclipse.sh — lookup success under an eclipse attack against the
# attacker fraction, the number of disjoint paths d and the prefix limit
# (docs/studies/dht.md, table 2).  Prints one Markdown row per grid point.
#
#   docs/studies/dht-eclipse.sh [PEERLAB] [GRIND] [PREFIX_LIMITS]
#   (defaults: build/sim/peerlab victim "0 2")
#
# Workload: scenarios/dht-eclipse.ini as it stands (2,000 honest nodes, one
# victim, oracle tables, colluders from 8 prefixes, seed 1) with
# population.attackers.grind = GRIND (victim: ids ground to share 8 bits
# with the victim's; none: uniform ids), over the grid of its [sweep].
# Columns: attacker fraction, d, prefix_limit, share of honest lookups of
# the victim's id that found it (dht.eclipse.target_success), of honest
# random-key lookups that found the closest honest node
# (dht.lookup.success_honest), of the victim's own lookups captured (all
# attackers), and the attackers' share of the victim's table.
set -e
PEERLAB=${1:-build/sim/peerlab}
GRIND=${2:-victim}
LIMITS=${3:-"0 2"}
db=/tmp/dht-eclipse-$$.db
q() {
  sqlite3 "$db" "select printf('%.3f', $1) from summary join metric on metric.id = summary.metric_id where metric.name = '$2'"
}
for a in 0 222 500 858 1334 2001; do
  for d in 1 2 4 8; do
    for pl in $LIMITS; do
      "$PEERLAB" run scenarios/dht-eclipse.ini --quiet --out "$db" \
        --set population.attackers.count="$a" --set population.attackers.grind="$GRIND" \
        --set protocol.kad.d="$d" --set protocol.kad.prefix_limit="$pl" >/dev/null || true
      ts=$(q mean dht.eclipse.target_success)
      rs=$(q mean dht.lookup.success_honest)
      cap=$(q sum dht.eclipse.lookups_captured)
      vl=$(q sum dht.eclipse.victim_lookups)
      sh=$(q mean dht.eclipse.victim_table_attacker_share)
      awk -v a="$a" -v d="$d" -v pl="$pl" -v ts="$ts" -v rs="$rs" -v cap="$cap" -v vl="$vl" \
          -v sh="$sh" 'BEGIN {
        printf "| %.0f %% | %d | %d | %s | %s | %.3f | %s |\n", 100 * a / (a + 2001), d, pl, ts, rs,
          (vl > 0 ? cap / vl : 0), (sh == "" ? "-" : sh) }'
      rm -f "$db"
    done
  done
done
