#!/usr/bin/env bash
#
# test-scenarios.sh — every shipped scenario at CI scale, as TAP.
#
# Runs `peerlab check --ci` over scenarios/*.ini, globbed now (not at
# configure time), so a scenario file added later is checked without any
# edit here.  Each expectation of each scenario is one test point; a file
# that does not load or a run that fails is a failing point.  Each
# scenario's [check] set keeps it to a few seconds.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "${PEERLAB_SOURCE_ROOT:-$here/..}" && pwd)
peerlab=${PEERLAB_BUILD_ROOT:-$root/build}/sim/peerlab

cd "$root" || exit 1
shopt -s nullglob
files=(scenarios/*.ini)
if [ ${#files[@]} -eq 0 ]; then
  echo "1..1"
  echo "not ok 1 - scenario files found in $root/scenarios"
  exit 1
fi
exec "$peerlab" check --ci "${files[@]}"
