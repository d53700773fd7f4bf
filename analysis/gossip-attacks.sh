#!/bin/sh
# gossip-attacks.sh — the mesh-under-attack tables of docs/studies/gossip.md.
#
#   analysis/gossip-attacks.sh [PEERLAB] [SEEDS] [SCENARIO...]
#
# Runs each scenario (default: gossip-baseline is left out for its size;
# gossip-covert-flash and gossip-cold-boot) with peer scoring on and off,
# SEEDS seeds each (default 1), and prints a Markdown table of the honest
# subscribers' delivery ratio (mean and worst message), latency (p50, p99)
# and the attackers' share of honest meshes at the end.
set -eu
P=${1:-build/sim/peerlab}
SEEDS=${2:-1}
shift 2 2>/dev/null || shift $#
[ $# -gt 0 ] || set -- scenarios/gossip-covert-flash.ini scenarios/gossip-cold-boot.ini
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "| scenario | scoring | delivery ratio (mean) | worst message | latency p50 (ms) | latency p99 (ms) | attacker share of honest meshes (end) | seeds |"
echo "|---|---|---|---|---|---|---|---|"
for s in "$@"; do
  for scoring in true false; do
    : > "$TMP/rows"
    seed=1
    while [ "$seed" -le "$SEEDS" ]; do
      "$P" run "$s" --quiet --json --seed "$seed" -o "$TMP/run.db" \
        --set protocol.gossip.scoring="$scoring" |
        jq -r '.metrics as $m | [$m["gossip.delivery.ratio"].mean, $m["gossip.delivery.ratio"].min,
               $m["gossip.delivery.latency_ms"].p50, $m["gossip.delivery.latency_ms"].p99,
               ([$m | to_entries[] | select(.key | test("^pop\\.honest\\.gossip\\.mesh\\.attacker_share$"))
                 | .value.last] | first // "nan")] | @tsv' >> "$TMP/rows" || true
      rm -f "$TMP/run.db"
      seed=$((seed + 1))
    done
    awk -v sc="$(basename "$s" .ini)" -v scoring="$scoring" -F '\t' '
      { r += $1; if (n == 0 || $2 < w) w = $2; p50 += $3; p99 += $4; sh += $5; n++ }
      END { if (!n) { print "| " sc " | " scoring " | run failed | | | | | |"; exit }
            printf "| %s | %s | %.4f | %.4f | %.0f | %.0f | %.3f | %d |\n",
                   sc, scoring, r / n, w, p50 / n, p99 / n, sh / n, n }' "$TMP/rows"
  done
done
