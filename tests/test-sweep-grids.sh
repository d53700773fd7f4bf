#!/usr/bin/env bash
#
# test-sweep-grids.sh — every shipped scenario's [sweep] grid loads, as TAP.
#
# `peerlab check` runs a scenario at its own values only, so a grid value
# that breaks a check between keys (a mesh_d below mesh_d_low, say) would
# surface only when a researcher runs the sweep.  `peerlab sweep
# --emit-jobs` loads the file once per grid point with that point's values
# (the same load a real sweep does before its first run) and writes one job
# line per run without running any.  Per scenario with a [sweep] group: one
# point that every combination loads, one that the job list has as many
# runs as the grid (the product of the value counts times `seeds`).
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh" sweep-grids

# Runs in FILE's grid from its [sweep] group: the product of each key's
# value count (`range(lo, hi, step)`: lo, lo + step, ... up to hi), times
# seeds.
grid_size() {
  awk '
    /^\[/ { in_sweep = ($0 == "[sweep]"); next }
    !in_sweep || /^[ \t]*(#|$)/ { next }
    {
      key = $0; sub(/[ \t]*=.*/, "", key)
      val = $0; sub(/^[^=]*=[ \t]*/, "", val)
      if (key == "seeds") { seeds = val + 0; next }
      if (val ~ /^range\(/) {
        gsub(/^range\(|\)[ \t]*$/, "", val)
        split(val, r, ",")
        size *= int((r[2] - r[1]) / r[3] + 1e-9) + 1
        next
      }
      sep = (val ~ /;/) ? ";" : ","
      size *= split(val, parts, sep)
    }
    BEGIN { size = 1; seeds = 1 }
    END { print size * seeds }
  ' "$1"
}

files=()
for f in "$root"/scenarios/*.ini; do
  grep -q '^\[sweep\]' "$f" && files+=("$f")
done
echo "1..$((2 * ${#files[@]}))"
for f in "${files[@]}"; do
  name=$(basename "$f" .ini)
  rm -rf "$work/jobs"
  if out=$("$peerlab" sweep "$f" --emit-jobs "$work/jobs" 2>&1); then
    ok "$name: every grid point loads"
  else
    not_ok "$name: every grid point loads" "$(echo "$out" | tail -3)"
    not_ok "$name: the job list has the whole grid" "no job list"
    continue
  fi
  want=$(grid_size "$f")
  got=$(wc -l < "$work/jobs/jobs.txt")
  if [ "$got" -eq "$want" ]; then
    ok "$name: the job list has the whole grid ($got runs)"
  else
    not_ok "$name: the job list has the whole grid" "$got job lines, grid of $want"
  fi
done
tap_done
