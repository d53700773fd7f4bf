# tap.sh — what every shell TAP test of peerlab starts with, sourced as
#
#   . "$(dirname "${BASH_SOURCE[0]}")/tap.sh" NAME
#
# It sets |root| (the source tree), |peerlab| (the binary under test, from
# PEERLAB_SOURCE_ROOT / PEERLAB_BUILD_ROOT that tests/meson.build sets),
# makes a scratch directory |work| (removed on exit) and enters it, and
# defines the TAP helpers:
#
#   ok DESC                  a passing point
#   not_ok DESC [LINE...]    a failing point, with diagnostic lines
#   skip DESC REASON         a skipped point
#   check DESC COMMAND...    ok if COMMAND succeeds, else not_ok with its last output
#   corrupt DB NAME          zero the root page of table or index NAME of the SQLite
#                            file DB: damage that reads of NAME meet every time (not
#                            random bytes), checked with PRAGMA integrity_check
#   tap_done                 exit 1 if any point failed (the caller prints the plan)
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "${PEERLAB_SOURCE_ROOT:-$here/..}" && pwd)
peerlab=${PEERLAB_BUILD_ROOT:-$root/build}/sim/peerlab
work=$(mktemp -d "${TMPDIR:-/tmp}/peerlab-$1-XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
  n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; shift
  for l in "$@"; do echo "# $l"; done
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check() {
  local d=$1; shift
  local out
  if out=$("$@" 2>&1); then ok "$d"; else not_ok "$d" "$(echo "$out" | tail -5)"; fi
}
corrupt() {
  local root size
  root=$(sqlite3 "$1" "SELECT rootpage FROM sqlite_master WHERE name = '$2'") && [ -n "$root" ] \
    && size=$(sqlite3 "$1" 'PRAGMA page_size') \
    && dd if=/dev/zero of="$1" bs="$size" seek=$((root - 1)) count=1 conv=notrunc status=none \
    && [ "$(sqlite3 "$1" 'PRAGMA integrity_check' 2>&1 | head -1)" != ok ]
}
tap_done() { exit $((fails > 0)); }
