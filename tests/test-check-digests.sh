#!/usr/bin/env bash
#
# test-check-digests.sh — the pinned trace digests of tests/digests.txt, as
# TAP: each "SCENARIO SEED DIGEST" line is run at CI scale and its digest
# compared.  A behaviour change shows here; re-pin on purpose as described
# in docs/ci.md.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "${PEERLAB_SOURCE_ROOT:-$here/..}" && pwd)
peerlab=${PEERLAB_BUILD_ROOT:-$root/build}/sim/peerlab

cd "$root" || exit 1
exec "$peerlab" check --ci --digests tests/digests.txt
