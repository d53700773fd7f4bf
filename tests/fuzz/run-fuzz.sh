#!/bin/bash
# run-fuzz.sh — build the libFuzzer targets with clang in their own build
# directory (build-fuzz, or $FUZZ_BUILD_DIR) and run the wire target
# briefly against its seed corpus.
#
#   bash tests/fuzz/run-fuzz.sh            # 60 s
#   FUZZ_SECONDS=600 bash tests/fuzz/run-fuzz.sh
#
# The whole core is compiled with coverage instrumentation
# (-fsanitize=fuzzer-no-link) and with address and undefined-behaviour
# sanitizers, so findings inside the core are both found and reported.
# New inputs go to a scratch corpus copy; the committed seed corpus is
# only read.  Exits 0 with a message when clang is not installed; exits
# non-zero when the fuzzer reports a finding (crash, leak, timeout).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-60}

if ! command -v clang >/dev/null 2>&1; then
  echo "run-fuzz: clang not found; skipping the fuzz run (install clang to fuzz)"
  exit 0
fi

san='-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined'
if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" "$root" -Dfuzz=true \
    -Dc_args="$san" -Dc_link_args='-fsanitize=address,undefined' >/dev/null
fi
ninja -C "$build" tests/fuzz/fuzz-wire

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
cp "$root"/tests/fuzz/corpus/wire/* "$work/corpus/"

echo "run-fuzz: fuzz-wire for ${seconds}s, seed corpus $(ls "$root"/tests/fuzz/corpus/wire | wc -l) files"
set +e
"$build/tests/fuzz/fuzz-wire" "$work/corpus" \
  -max_total_time="$seconds" -max_len=8192 -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" 2>"$work/log"
rc=$?
set -e
grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|stat::peak_rss_mb)' "$work/log" || true
findings=$(ls "$work/artifacts" | wc -l)
echo "run-fuzz: exit $rc, findings: $findings"
if [ "$findings" -gt 0 ] || [ "$rc" -ne 0 ]; then
  tail -n 60 "$work/log"
  mkdir -p "$build/fuzz-artifacts"
  cp "$work"/artifacts/* "$build/fuzz-artifacts/" 2>/dev/null || true
  echo "run-fuzz: artifacts kept in $build/fuzz-artifacts"
  exit 1
fi
