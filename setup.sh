#!/bin/sh
# setup.sh — install what peerlab needs (Debian/Ubuntu, via apt) and build it
# into ./build.  Idempotent: installs only missing packages, configures only
# once, and rebuilds only what changed.  Set PEERLAB_WERROR=1 (CI does) to
# build with -Werror.
set -eu
cd "$(dirname "$0")"

packages="meson ninja-build pkg-config gcc libglib2.0-dev libsodium-dev libsqlite3-dev sqlite3 python3"
packages="$packages parallel"  # GNU parallel: tests/test-sweep.sh runs `peerlab sweep --emit-jobs` output
packages="$packages gnuplot-nox"  # peerlab plot and report draw with gnuplot
packages="$packages procps"  # pgrep: tests/test-sweep.sh waits for a killed sweep's orphaned run to stop
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing$missing" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >&2
fi

werror=false
[ "${PEERLAB_WERROR:-0}" = 1 ] && werror=true
if [ ! -f build/build.ninja ]; then
  meson setup build -Dwerror=$werror >&2
else
  meson configure build -Dwerror=$werror >/dev/null
fi
ninja -C build >&2
