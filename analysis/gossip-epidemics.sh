#!/bin/sh
# gossip-epidemics.sh — the epidemic-algorithm table of docs/studies/gossip.md.
#
#   analysis/gossip-epidemics.sh [PEERLAB] [SEEDS]
#
# Runs scenarios/gossip-epidemics.ini over its [sweep] grid (rumour
# mongering: k = 1..5, counter / coin, feedback / blind) and the three
# anti-entropy modes, SEEDS seeds each (default 1), and prints a Markdown
# table with, over all rumours of all seeds:
#   died     share of rumours that reached under 10 % of the sites (the
#            stochastic early extinction the deterministic model ignores)
#   s        mean residue (gossip.residue) of the rumours that spread
#   m        mean traffic of those (gossip.traffic: copies received per
#            site), and e^-m to compare with s
#   t_ave    mean delivery latency / the 1 s round (time-based rounds)
#   t_last   mean over rumours of the last delivery's latency / round
#   path     mean of gossip.rounds (rounds as the core counts them along
#            each message's path)
# next to the closed form where the literature has one (Demers et al.
# 1987, section 1.4; solved by fixed-point iteration):
#   coin, feedback:  s = e^-(k+1)(1-s)      coin, blind:  s = e^-k(1-s)
# The scenario publishes one rumour per minute and the host closes each
# a minute after publication, so every metrics window (10 s) holds at
# most one rumour's per-message figures: the script reads them from the
# results database's series table.
set -eu
P=${1:-build/sim/peerlab}
SEEDS=${2:-1}
S=scenarios/gossip-epidemics.ini
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# One line per rumour: ratio traffic last_latency_ms (windows with one rumour)
per_message() {
  sqlite3 -separator ' ' "$TMP/run.db" "
    select r.sum, t.sum, l.max
    from series r
    join series t on t.t_ns = r.t_ns and t.metric_id = (select id from metric where name = 'gossip.traffic')
    join series l on l.t_ns = r.t_ns and l.metric_id = (select id from metric where name = 'gossip.rounds.last')
    where r.metric_id = (select id from metric where name = 'gossip.delivery.ratio') and r.count = 1
    order by r.t_ns"
}

run() {
  label=$1; theory=$2; shift 2
  : > "$TMP/msgs"
  : > "$TMP/runs"
  seed=1
  while [ "$seed" -le "$SEEDS" ]; do
    rm -f "$TMP/run.db"
    "$P" run "$S" --quiet --seed "$seed" -o "$TMP/run.db" "$@" > /dev/null || true
    per_message >> "$TMP/msgs"
    sqlite3 -separator ' ' "$TMP/run.db" "
      select (select sum / count from summary where metric_id = (select id from metric where name = 'gossip.delivery.latency_ms')),
             (select sum / count from summary where metric_id = (select id from metric where name = 'gossip.rounds'))" >> "$TMP/runs"
    seed=$((seed + 1))
  done
  # t_last: from the latency of each rumour's last delivery is not kept per
  # message; the largest gossip.rounds.last is the path-round figure, and
  # the time figure comes from the latency histogram's mean per run.
  awk -v label="$label" -v theory="$theory" -v runs="$TMP/runs" '
    BEGIN { while ((getline line < runs) > 0) { split(line, f, " "); lat += f[1]; path += f[2]; nr++ } }
    { n++; if ($1 < 0.1) { died++; next } s += 1 - $1; m += $2; tl += $3; ns++ }
    END { if (!n) { print "| " label " | " theory " | run failed | | | | | | | |"; exit }
          if (ns) { s /= ns; m /= ns; tl /= ns }
          printf "| %s | %s | %.2f | %s | %s | %s | %.1f | %.1f | %.1f | %d |\n", label, theory,
                 died / n, ns ? sprintf("%.4f", s) : "—", ns ? sprintf("%.2f", m) : "—",
                 ns ? sprintf("%.4f", exp(-m)) : "—", lat / nr / 1000, tl, path / nr, n }' "$TMP/msgs"
}

# closed form s = e^-c(1-s), smallest root in [0, 1)
theory() {
  awk -v c="$1" 'BEGIN { s = 0.001; for (i = 0; i < 100000; i++) s = exp(-c * (1 - s));
                         printf "%.4f", s }'
}

echo "| variant | theory s | died | residue s | traffic m | e^-m | t_ave (s = rounds) | t_last (path rounds) | t_ave (path rounds) | rumours |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for stop in counter coin; do
  for contact in feedback blind; do
    for k in 1 2 3 4 5; do
      t="—"
      if [ "$stop" = coin ]; then
        if [ "$contact" = feedback ]; then t=$(theory $((k + 1))); else t=$(theory "$k"); fi
      fi
      run "rumor $stop $contact k=$k" "$t" \
        --set protocol.gossip.rumor_stop="$stop" --set protocol.gossip.rumor_contact="$contact" \
        --set protocol.gossip.rumor_k="$k"
    done
  done
done
for mode in push pull push-pull; do
  run "anti-entropy $mode" "0" --set protocol.gossip.mode="$mode"
done
