#!/bin/bash
# overlay-components.sh — overlay.components (largest_share) 30 s into
# scenarios/overlay.ini (2,000 nodes joining over 10 s, 8 bootstrap peers,
# target 10), for seeds 1-10.  Run from the source root:
#   docs/studies/overlay-components.sh [PEERLAB]   (default build/sim/peerlab)
bin=${1:-build/sim/peerlab}
for seed in 1 2 3 4 5 6 7 8 9 10; do
  db=${TMPDIR:-/tmp}/overlay-components-$$-$seed.db
  $bin run scenarios/overlay.ini --seed $seed --quiet --out $db >/dev/null 2>&1
  sqlite3 $db "select printf('%d(%.2f)',
    (select s.sum/s.count from series s join metric m on m.id=s.metric_id where m.name='overlay.components' and s.t_ns=30000000000),
    (select s.sum/s.count from series s join metric m on m.id=s.metric_id where m.name='overlay.largest_share' and s.t_ns=30000000000))"
  rm -f $db
done | tr '\n' ' '; echo
