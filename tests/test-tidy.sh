#!/usr/bin/env bash
#
# test-tidy.sh — source hygiene checks for determinism and a silent core,
# printed as TAP.
#
# Scans every .c and .h file under core/ and sim/ of the source tree
# ($PEERLAB_SOURCE_ROOT, else the parent of this script's directory), so it
# keeps working as the tree grows.  Comments are stripped first and string
# and character literals blanked, so words in prose or messages never count;
# line numbers are kept, so a failure points at the offending line.
#
#   1  the tree was found (there are sources to check)
#   2  no wall-clock calls in core/ or sim/ (sim/wallclock.c excepted)
#   3  no global random sources in core/ or sim/
#   4  no hash-table iteration in core/ or sim/, unless the line carries the
#      comment marker "tidy: order-free" followed by why order cannot leak
#      (e.g. /* tidy: order-free: only frees the values */)
#   5  core/ includes nothing from sim/
#   6  core/ does not use GError
#   7  core/ never exits or aborts (exit, _Exit, abort, g_abort, g_error)
#   8  core/ does no file or socket I/O
#   9  core/ is silent (no printf family, puts, perror, g_print, g_message)
#
# Each failure prints the file, line and code as a TAP diagnostic.

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=${PEERLAB_SOURCE_ROOT:-$here/..}
root=$(cd "$root" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/peerlab-tidy-XXXXXX")
trap 'rm -rf "$work"' EXIT

# ---------------------------------------------------------------- stripping
#
# For every core/ and sim/ source, write two copies with the same lines:
#   $work/code/<path>   comments removed, string/char literal contents blanked
#   $work/incl/<path>   comments removed, literals kept (for #include lines)
python3 - "$root" "$work" <<'EOF'
import os, sys

root, work = sys.argv[1], sys.argv[2]

def strip(text, blank_literals):
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        nxt = text[i + 1] if i + 1 < n else ''
        if c == '/' and nxt == '/':
            while i < n and text[i] != '\n':
                # a backslash-newline continues a // comment
                if text[i] == '\\' and i + 1 < n and text[i + 1] == '\n':
                    out.append('\n')
                    i += 2
                    continue
                i += 1
        elif c == '/' and nxt == '*':
            i += 2
            out.append('  ')
            while i < n and not (text[i] == '*' and i + 1 < n and text[i + 1] == '/'):
                out.append('\n' if text[i] == '\n' else ' ')
                i += 1
            i += 2
            out.append('  ')
        elif c in '"\'':
            quote = c
            out.append(c)
            i += 1
            while i < n and text[i] != quote and text[i] != '\n':
                if text[i] == '\\' and i + 1 < n:
                    if not blank_literals:
                        out.append(text[i:i + 2])
                    i += 2
                    continue
                if not blank_literals:
                    out.append(text[i])
                i += 1
            if i < n and text[i] == quote:
                out.append(quote)
                i += 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)

for top in ('core', 'sim'):
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(('.c', '.h')):
                continue
            src = os.path.join(dirpath, name)
            rel = os.path.relpath(src, root)
            with open(src, encoding='utf-8', errors='replace') as f:
                text = f.read()
            for sub, blank in (('code', True), ('incl', False)):
                dst = os.path.join(work, sub, rel)
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                with open(dst, 'w', encoding='utf-8') as f:
                    f.write(strip(text, blank))
EOF
if [ $? -ne 0 ]; then
  echo "1..1"
  echo "not ok 1 - strip comments from core/ and sim/ sources (python3 failed)"
  exit 1
fi

# ------------------------------------------------------------------ helpers

n_tests=9
echo "1..$n_tests"
test_no=0

# A name not preceded by an identifier character, '.' or '->' (so struct
# members and prefixed names like sim_time( do not match).
B='(^|[^[:alnum:]_.>])'

# report FINDINGS DESCRIPTION: print a TAP line, "ok" when FINDINGS is
# empty; otherwise each finding (one per line, "path:line:code") becomes a
# diagnostic.
failures=0
report() {
  local findings=$1 desc=$2
  test_no=$((test_no + 1))
  if [ -z "$findings" ]; then
    echo "ok $test_no - $desc"
  else
    echo "not ok $test_no - $desc"
    printf '%s\n' "$findings" | sed 's/^/#   /'
    failures=$((failures + 1))
  fi
}

# scan TREE REGEX DIR... : "path:line:code" for every match in the
# stripped copies (TREE is code or incl), paths relative to the root.
scan() {
  local tree=$1 regex=$2
  shift 2
  local d
  for d in "$@"; do
    [ -d "$work/$tree/$d" ] || continue
    (cd "$work/$tree" && grep -rnE --include='*.c' --include='*.h' -e "$regex" "$d" || true)
  done | LC_ALL=C sort
}

# ------------------------------------------------------------------- checks

# 1. Sources are there: an empty scan must not pass vacuously.
n_core=$(find "$root/core" -name '*.c' 2>/dev/null | wc -l)
n_sim=$(find "$root/sim" -name '*.c' 2>/dev/null | wc -l)
if [ "$n_core" -gt 0 ] && [ "$n_sim" -gt 0 ]; then
  report "" "source tree found at $root ($n_core core, $n_sim sim .c files)"
else
  report "no .c files under $root/core or $root/sim" "source tree found"
fi

# 2. Wall clock.
re="${B}(clock_gettime|gettimeofday|time|g_get_real_time|g_get_monotonic_time|g_date_time_new_now[[:alnum:]_]*)[[:space:]]*\(|${B}g_timer_[[:alnum:]_]*"
found=$(scan code "$re" core sim | grep -v '^sim/wallclock\.c:')
report "$found" "no wall-clock calls in core/ or sim/ (except sim/wallclock.c)"

# 3. Global random sources.
re="${B}(rand|random|rand_r|drand48|erand48|lrand48|nrand48|mrand48|jrand48)[[:space:]]*\(|${B}(srand|srandom|srand48|g_rand_new|g_random_[[:alnum:]_]*|randombytes_buf[[:alnum:]_]*|randombytes_random|randombytes_uniform|randombytes_stir|arc4random[[:alnum:]_]*|getrandom|getentropy)([^[:alnum:]_]|$)"
found=$(scan code "$re" core sim)
report "$found" "no global random sources in core/ or sim/"

# 4. Hash-table iteration, unless marked order-free on the same line.
re="${B}(g_hash_table_foreach[[:alnum:]_]*|g_hash_table_iter_init|g_hash_table_get_keys[[:alnum:]_]*|g_hash_table_get_values|g_hash_table_find)([^[:alnum:]_]|$)"
found=""
while IFS= read -r hit; do
  [ -n "$hit" ] || continue
  path=${hit%%:*}
  rest=${hit#*:}
  line=${rest%%:*}
  if ! sed -n "${line}p" "$root/$path" | grep -q 'tidy: order-free'; then
    found="$found$hit"$'\n'
  fi
done <<< "$(scan code "$re" core sim)"
found=${found%$'\n'}
report "$found" "no hash-table iteration in core/ or sim/ without a 'tidy: order-free' marker"

# 5. core/ includes nothing from sim/: no path through sim/, and no header
#    that exists only in sim/.
sim_only=""
for h in "$root"/sim/*.h; do
  [ -e "$h" ] || continue
  name=$(basename "$h")
  [ -e "$root/core/$name" ] || sim_only="$sim_only|$(printf '%s' "$name" | sed 's/\./\\./g')"
done
re='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^">]*/)?sim/'
if [ -n "$sim_only" ]; then
  re="$re|^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"](${sim_only#|})[\">]"
fi
found=$(scan incl "$re" core)
report "$found" "core/ includes nothing from sim/"

# 6. No GError in the core (errors are negative codes).
found=$(scan code "${B}GError([^[:alnum:]_]|$)" core)
report "$found" "core/ does not use GError"

# 7. The core never ends the process.
found=$(scan code "${B}(exit|_exit|_Exit|quick_exit|abort|g_abort|g_error)[[:space:]]*\(" core)
report "$found" "core/ never calls exit/abort/g_error"

# 8. No file or socket I/O in the core.
found=$(scan code "${B}(fopen|fdopen|freopen|g_fopen|open|openat|creat|socket|g_file_get_contents|g_file_set_contents)[[:space:]]*\(" core)
report "$found" "core/ does no file or socket I/O (fopen, open, socket, ...)"

# 9. The core is silent.
found=$(scan code "${B}(printf|fprintf|vprintf|vfprintf|dprintf|puts|fputs|putchar|perror|g_print|g_printerr|g_message)[[:space:]]*\(" core)
report "$found" "core/ is silent (no printf/fprintf/puts/perror/g_print/g_message)"

[ "$failures" -eq 0 ]
