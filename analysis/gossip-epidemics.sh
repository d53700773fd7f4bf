#!/bin/sh
# gossip-epidemics.sh — the epidemic-algorithm table of docs/studies/gossip.md.
#
#   analysis/gossip-epidemics.sh [PEERLAB] [SEEDS]
#
# Runs scenarios/gossip-epidemics.ini over its [sweep] grid (rumour
# mongering: k = 1..5, counter / coin, feedback / blind) and the three
# anti-entropy modes, SEEDS seeds each (default 1), and prints a Markdown
# table: measured residue s (gossip.residue), traffic m (gossip.traffic:
# copies received per site), e^-m, rounds until the average and the last
# site got the rumour as the core counts them along each path
# (gossip.rounds mean, gossip.rounds.last mean) and as time (mean and
# largest delivery latency divided by the 1 s round), each averaged over
# the run's rumours and the seeds, next to the closed form
# where the literature has one:
#   coin, feedback:  s = e^-(k+1)(1-s)      coin, blind:  s = e^-k(1-s)
# (Demers et al. 1987, section 1.4; solved here by fixed-point iteration).
set -eu
P=${1:-build/sim/peerlab}
SEEDS=${2:-1}
S=scenarios/gossip-epidemics.ini
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# run LABEL THEORY --set ...: one table row, averaged over the seeds
run() {
  label=$1; theory=$2; shift 2
  : > "$TMP/rows"
  seed=1
  while [ "$seed" -le "$SEEDS" ]; do
    "$P" run "$S" --quiet --json --seed "$seed" -o "$TMP/run.db" "$@" |
      jq -r '.metrics as $m | [$m["gossip.residue"].mean, $m["gossip.traffic"].mean,
             $m["gossip.rounds"].mean, $m["gossip.rounds.last"].mean,
             $m["gossip.delivery.ratio"].count, $m["gossip.delivery.latency_ms"].mean,
             $m["gossip.delivery.latency_ms"].max] | @tsv' >> "$TMP/rows" || true
    rm -f "$TMP/run.db"
    seed=$((seed + 1))
  done
  awk -v label="$label" -v theory="$theory" -F '\t' '
    { s += $1; m += $2; ta += $3; tl += $4; n++; msgs += $5; lm += $6; if ($7 > lx) lx = $7 }
    END { if (!n) { print "| " label " | " theory " | run failed | | | | | | | |"; exit }
          s /= n; m /= n
          printf "| %s | %s | %.4f | %.2f | %.4f | %.1f | %.1f | %.1f | %.1f | %d |\n",
                 label, theory, s, m, exp(-m), ta / n, tl / n, lm / n / 1000, lx / 1000, msgs }' "$TMP/rows"
}

# closed form s = e^-c(1-s), smallest root in (0, 1) (0.9999 if none)
theory() {
  awk -v c="$1" 'BEGIN { s = 0.001; for (i = 0; i < 100000; i++) s = exp(-c * (1 - s));
                         printf "%.4f", s }'
}

echo "| variant | theory s | residue s | traffic m | e^-m | t_ave (path rounds) | t_last (path rounds) | t_ave (s) | t_last max (s) | messages |"
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
