#!/bin/sh
# dht-fake-ads.sh — fake capability ads against the id cost
# (docs/studies/dht.md, table 5).  Prints one Markdown row per puzzle
# difficulty, and a first row without any fake worker.
#
#   docs/studies/dht-fake-ads.sh [PEERLAB] [BITS]   (defaults: build/sim/peerlab "0 8 12")
#
# Workload: scenarios/dht-sybil-ads.ini as it stands (600 requesters, 200
# honest workers, up to 200 fake-ads workers minting ids on a 1 ms budget,
# seed 1) with protocol.kad.id_puzzle_bits = BITS, the values of its
# [sweep].  Columns: puzzle bits, fake ids that joined (nodes.alive.max
# minus the 800 honest nodes), finds, workers per find, the share of fakes
# among them (cap.find.fake_share), finds whose first-ranked worker is a
# fake (cap.find.top_fake).
set -e
PEERLAB=${1:-build/sim/peerlab}
BITS=${2:-"0 8 12"}
db=/tmp/dht-fake-ads-$$.db
q() {
  sqlite3 "$db" "select printf('%.$3f', $1) from summary join metric on metric.id = summary.metric_id where metric.name = '$2'"
}
row() {
  alive=$(q max nodes.alive 0)
  finds=$(q count cap.find.workers 0)
  per=$(q mean cap.find.workers 1)
  share=$(q mean cap.find.fake_share 2)
  top=$(q sum cap.find.top_fake 0)
  echo "| $1 | $((alive - 800)) | $finds | $per | $share | ${top:-0} |"
}
"$PEERLAB" run scenarios/dht-sybil-ads.ini --quiet --out "$db" \
  --set population.fakes.count=0 >/dev/null || true
row "no fakes"
for b in $BITS; do
  "$PEERLAB" run scenarios/dht-sybil-ads.ini --quiet --out "$db" \
    --set protocol.kad.id_puzzle_bits="$b" >/dev/null || true
  row "$b"
done
rm -f "$db"
