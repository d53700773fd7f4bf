#!/bin/sh
# gossip-attacks.sh — the mesh-under-attack table of docs/studies/gossip.md.
#
#   analysis/gossip-attacks.sh [PEERLAB] [SEEDS] [SCENARIO:AFTER_S[:GROUP.KEY=VALUE,...] ...]
#
# Runs each scenario with peer scoring on and off, SEEDS seeds each
# (default 1), and prints one Markdown row per (scenario, scoring): the
# honest subscribers' delivery ratio over the whole run (mean, worst
# message), then over the messages published from AFTER_S seconds on (the
# attack time; ratios are recorded when a message closes, seen_ttl after
# publication, so those are the windows that start at AFTER_S + seen_ttl),
# the mean and largest delivery latency from AFTER_S on, and the
# attackers' share of honest meshes at the end.  Overrides after a second
# colon are passed as --set (and shown in the row).  Default scenarios:
# gossip-covert-flash.ini:120 and gossip-cold-boot.ini:60.
set -eu
P=${1:-build/sim/peerlab}
SEEDS=${2:-1}
shift 2 2>/dev/null || shift $#
[ $# -gt 0 ] || set -- scenarios/gossip-covert-flash.ini:120 scenarios/gossip-cold-boot.ini:60
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

q() { sqlite3 -separator ' ' "$TMP/run.db" "$1"; }

echo "| scenario | scoring | ratio (all) | worst message | ratio (after) | latency mean after (ms) | latency max after (ms) | attacker share of meshes (end) | seeds |"
echo "|---|---|---|---|---|---|---|---|---|"
for arg in "$@"; do
  s=${arg%%:*}
  rest=${arg#*:}
  after=${rest%%:*}
  sets=""
  [ "$rest" = "$after" ] || sets=${rest#*:}
  setargs=""
  for kv in $(echo "$sets" | tr ',' ' '); do setargs="$setargs --set $kv"; done
  label=$(basename "$s" .ini)
  [ -z "$sets" ] || label="$label ($sets)"
  ttl=$(sed -n 's/^seen_ttl *= *\([0-9]*\)s *$/\1/p' "$s" | head -n 1)
  close=$((after + ${ttl:-120}))
  for scoring in true false; do
    : > "$TMP/rows"
    seed=1
    while [ "$seed" -le "$SEEDS" ]; do
      rm -f "$TMP/run.db"
      # shellcheck disable=SC2086
      "$P" run "$s" --quiet --seed "$seed" -o "$TMP/run.db" $setargs \
        --set protocol.gossip.scoring="$scoring" > /dev/null || true
      ratio="(select id from metric where name = 'gossip.delivery.ratio')"
      lat="(select id from metric where name = 'gossip.delivery.latency_ms')"
      share="(select id from metric where name = 'pop.honest.gossip.mesh.attacker_share')"
      q "select
           (select sum / count from summary where metric_id = $ratio),
           (select min from summary where metric_id = $ratio),
           (select sum(sum) / sum(count) from series where metric_id = $ratio and t0_ns >= $close * 1000000000),
           (select sum(sum) / sum(count) from series where metric_id = $lat and t0_ns >= $after * 1000000000),
           (select max(max) from series where metric_id = $lat and t0_ns >= $after * 1000000000),
           coalesce((select sum / count from series where metric_id = $share order by t_ns desc limit 1), 'nan')" \
        >> "$TMP/rows"
      seed=$((seed + 1))
    done
    awk -v sc="$label" -v scoring="$scoring" '
      NF >= 6 { r += $1; if (n == 0 || $2 < w) w = $2; ra += $3; lm += $4; if ($5 > lx) lx = $5; sh += $6; n++ }
      END { if (!n) { print "| " sc " | " scoring " | run failed | | | | | | |"; exit }
            printf "| %s | %s | %.4f | %.4f | %.4f | %.0f | %.0f | %.3f | %d |\n",
                   sc, scoring, r / n, w, ra / n, lm / n, lx, sh / n, n }' "$TMP/rows"
  done
done
