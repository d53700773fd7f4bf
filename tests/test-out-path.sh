#!/usr/bin/env bash
#
# test-out-path.sh — where peerlab writes, through the real binary
# ($PEERLAB_BUILD_ROOT/sim/peerlab), printed as TAP.
#
# --out of run and export (and of merge and plot: a FIFO): an empty path, a FIFO, a device node (made with
# mknod in the scratch directory; skipped when mknod is not permitted), a
# directory, a symbolic link to a FIFO, and FILE.tmp a FIFO are refused
# before anything runs or is written (exit 2, a message naming the path),
# and left as they were; an existing regular file is replaced as
# docs/results.md says.  stdout that cannot be written (/dev/full; skipped
# when missing) is exit 3 with a message, the database still complete.
# Last, the error message of an interrupted run in run.error.

. "$(dirname "${BASH_SOURCE[0]}")/tap.sh" out-path

cat > base.ini <<'EOF'
[run]
name = base
seed = 1
duration = 60s
sample_interval = 5s

[population.peers]
count = 100
join_at = uniform(0s, 10s)

[expect]
joined = peer.count.mean >= 1
EOF

# refused WHAT PATH TEST CMD...: CMD exits 2 naming PATH on stderr and
# `test TEST PATH` still holds afterwards.
refused() {
  local what=$1 path=$2 t=$3; shift 3
  local rc=0
  "$@" > out.txt 2> err.txt || rc=$?
  if [ $rc -eq 2 ] && grep -qF -- "$path" err.txt && test "$t" "$path"; then
    ok "$what: refused, exit 2, left as it was"
  else
    not_ok "$what: refused, exit 2, left as it was" "exit $rc" "$(cat err.txt)" \
      "$(ls -l "$path" 2>&1)"
  fi
}

can_mknod=0
mknod -m 666 nulldev c 1 3 2> /dev/null && can_mknod=1

# ---------------------------------------------------------------- run --out

mkfifo fifo
refused "run --out FIFO" fifo -p "$peerlab" run base.ini --out fifo --quiet

if [ $can_mknod -eq 1 ]; then
  refused "run --out device node" nulldev -c "$peerlab" run base.ini --out nulldev --quiet
else
  skip "run --out device node" "mknod not permitted"
fi

# An empty path used to run into a throwaway database, exit 0, after
# removing -wal, -shm and -journal in the current directory.
touch -- -wal -shm -journal
rc=0
"$peerlab" run base.ini --out '' --quiet > out.txt 2> err.txt || rc=$?
if [ $rc -eq 2 ] && grep -q "empty path" err.txt && [ -f -wal ] && [ -f -shm ] \
   && [ -f -journal ]; then
  ok "run --out '': refused, exit 2, nothing removed"
else
  not_ok "run --out '': refused, exit 2, nothing removed" "exit $rc" "$(cat err.txt)"
fi

mkdir adir
refused "run --out directory" adir -d "$peerlab" run base.ini --out adir --quiet

ln -s fifo link-to-fifo
rc=0
"$peerlab" run base.ini --out link-to-fifo --quiet > out.txt 2> err.txt || rc=$?
if [ $rc -eq 2 ] && grep -q "link-to-fifo" err.txt && [ -L link-to-fifo ] && [ -p fifo ]; then
  ok "run --out symbolic link to a FIFO: refused, exit 2, left as it was"
else
  not_ok "run --out symbolic link to a FIFO: refused, exit 2, left as it was" "exit $rc" \
    "$(cat err.txt)"
fi

# A regular file and its companions are replaced (docs/results.md, "Life
# of the file").
echo "not a database" > old.db
echo "stale" > old.db-journal
rc=0
"$peerlab" run base.ini --out old.db --quiet > out.txt 2> err.txt || rc=$?
if [ $rc -eq 0 ] && [ "$(sqlite3 old.db 'SELECT status FROM run')" = complete ] \
   && [ ! -e old.db-journal ]; then
  ok "run --out existing regular file: replaced by the database"
else
  not_ok "run --out existing regular file: replaced by the database" "exit $rc" \
    "$(cat err.txt)"
fi

# ------------------------------------------------------------- export --out

refused "export --out FIFO" fifo -p "$peerlab" export old.db --csv --out fifo

if [ $can_mknod -eq 1 ]; then
  refused "export --out device node" nulldev -c "$peerlab" export old.db --csv --out nulldev
else
  skip "export --out device node" "mknod not permitted"
fi

rc=0
"$peerlab" export old.db --csv --out '' > out.txt 2> err.txt || rc=$?
if [ $rc -eq 2 ] && grep -q "empty path" err.txt && [ ! -e .tmp ]; then
  ok "export --out '': refused, exit 2, no .tmp left"
else
  not_ok "export --out '': refused, exit 2, no .tmp left" "exit $rc" "$(cat err.txt)"
fi

# FILE.tmp a FIFO: opening it would wait for a reader for ever.
mkfifo e.csv.tmp
refused "export --out FILE with FILE.tmp a FIFO" e.csv.tmp -p \
  timeout 30 "$peerlab" export old.db --csv --out e.csv

check "export --out regular file: written" \
  bash -c "'$peerlab' export old.db --csv --out e2.csv && head -1 e2.csv | grep -q '^run_id,'"

# ------------------------------------------------------ merge and plot --out

refused "merge --out FIFO" fifo -p "$peerlab" merge old.db --out fifo
mkfifo m.db.tmp
refused "merge --out FILE with FILE.tmp a FIFO" m.db.tmp -p \
  timeout 30 "$peerlab" merge old.db --out m.db
mkfifo p.svg
refused "plot --out FIFO" p.svg -p "$peerlab" plot old.db -m msg.sent --out p.svg

# ---------------------------------------------------------- stdout failures

if [ -w /dev/full ]; then
  rc=0
  "$peerlab" run base.ini --out full.db > /dev/full 2> err.txt || rc=$?
  if [ $rc -eq 3 ] && grep -q "standard output" err.txt \
     && [ "$(sqlite3 full.db 'SELECT status FROM run')" = complete ]; then
    ok "run > /dev/full: exit 3, message, database complete"
  else
    not_ok "run > /dev/full: exit 3, message, database complete" "exit $rc" "$(cat err.txt)"
  fi
  rc=0
  "$peerlab" run base.ini --out full.db --quiet --json > /dev/full 2> err.txt || rc=$?
  if [ $rc -eq 3 ] && grep -q "standard output" err.txt; then
    ok "run --json > /dev/full: exit 3"
  else
    not_ok "run --json > /dev/full: exit 3" "exit $rc" "$(cat err.txt)"
  fi
  rc=0
  "$peerlab" check --ci base.ini > /dev/full 2> err.txt || rc=$?
  if [ $rc -eq 3 ] && grep -q "standard output" err.txt; then
    ok "check --ci > /dev/full: exit 3, message"
  else
    not_ok "check --ci > /dev/full: exit 3, message" "exit $rc" "$(cat err.txt)"
  fi
  rc=0
  "$peerlab" export old.db --csv > /dev/full 2> err.txt || rc=$?
  if [ $rc -eq 3 ]; then
    ok "export > /dev/full: exit 3"
  else
    not_ok "export > /dev/full: exit 3" "exit $rc" "$(cat err.txt)"
  fi
else
  for d in "run > /dev/full" "run --json > /dev/full" "check --ci > /dev/full" \
           "export > /dev/full"; do
    skip "$d" "no /dev/full"
  done
fi

# A reader that stops early is not a write failure of ours (SIGPIPE at its
# default, or ignored: EPIPE let go), and the database is complete.
rc=$( (trap '' PIPE; "$peerlab" run base.ini --out pipe.db 2> err.txt | true
       echo "${PIPESTATUS[0]}") )
if [ "$rc" -eq 0 ] && [ "$(sqlite3 pipe.db 'SELECT status FROM run')" = complete ]; then
  ok "run | (closed pipe, SIGPIPE ignored): exit 0, database complete"
else
  not_ok "run | (closed pipe, SIGPIPE ignored): exit 0, database complete" "exit $rc" \
    "$(cat err.txt)"
fi

# ------------------------------------------------------ interrupted run.error

# docs/results.md: run.error is the failure or interruption message (set
# by sim_world_run).
cat > long.ini <<'EOF'
[run]
name = long
duration = 10h
sample_interval = 1s

[population.peers]
count = 3000
EOF
"$peerlab" run long.ini --out long.db --quiet > /dev/null 2> err.txt &
pid=$!
for _ in $(seq 1 1200); do
  [ -f long.db ] && [ "$(sqlite3 long.db 'SELECT count(*) FROM series' 2> /dev/null)" -gt 0 ] \
    2> /dev/null && break
  sleep 0.05
done
kill -INT $pid
rc=0
wait $pid || rc=$?
status=$(sqlite3 long.db 'SELECT status FROM run')
error=$(sqlite3 long.db 'SELECT error FROM run WHERE error IS NOT NULL')
if [ $rc -eq 3 ] && [ "$status" = interrupted ] && [ -n "$error" ]; then
  ok "interrupted run: status interrupted, run.error says why"
else
  not_ok "interrupted run: status interrupted, run.error says why" \
    "exit $rc, status $status, error '$error'" "$(cat err.txt)"
fi

echo "1..$n"
tap_done
