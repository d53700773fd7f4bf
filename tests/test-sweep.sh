#!/usr/bin/env bash
#
# test-sweep.sh — peerlab sweep, merge and export end to end, through the
# real binary ($PEERLAB_BUILD_ROOT/sim/peerlab), printed as TAP.
#
# A tiny scenario (30 nodes, 20 s, target_peers 3 and 6 x 2 seeds) is swept
# into A; the merged database is compared with others made differently:
# a sweep whose runs were damaged (one deleted, one marked 'running', one
# of another seed) and resumed; a larger sweep killed with SIGKILL after
# some runs and resumed, against the same sweep uninterrupted; a sweep
# stopped by SIGINT (exit 3, runs kept); the --emit-jobs output run
# through GNU parallel (skipped when parallel is not installed) and
# merged by peerlab merge.  Comparison: every table, every column except
# the wall-clock ones (wall_s, started_at, peak_rss_bytes).  Then merge's
# refusals and warnings, and export's CSV and JSON read back by python3.

. "$(dirname "${BASH_SOURCE[0]}")/tap.sh" sweep

# Every table, all columns but the wall-clock ones, in a fixed order.
tables_expected="expectation histogram meta metric run run_param series summary"
dump() {
  sqlite3 "$1" "
    SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master
      WHERE type = 'table' ORDER BY name);
    SELECT * FROM meta ORDER BY key;
    SELECT id, name, scenario_path, scenario_text, seed, version, git_rev, nodes, duration_ns,
           status, trace, events, virtual_ns, error FROM run ORDER BY id;
    SELECT * FROM run_param ORDER BY run_id, key;
    SELECT * FROM metric ORDER BY id;
    SELECT * FROM series ORDER BY run_id, metric_id, t_ns, t0_ns;
    SELECT * FROM summary ORDER BY run_id, metric_id;
    SELECT * FROM histogram ORDER BY run_id, metric_id, lo, hi;
    SELECT * FROM expectation ORDER BY run_id, id;"
}
same_db() { # same_db A B
  local a b
  a=$(dump "$1") || return 1
  b=$(dump "$2") || return 1
  [ "$(echo "$a" | head -1)" = "$tables_expected" ] || { echo "tables: $(echo "$a" | head -1)"; return 1; }
  [ "$(echo "$a" | wc -l)" -gt 100 ] || { echo "dump of $1 too short"; return 1; }
  if [ "$a" != "$b" ]; then diff <(echo "$a") <(echo "$b") | head -5; return 1; fi
}
q() { sqlite3 "$@"; }

cat > tiny.ini <<'EOF'
[run]
name = tiny
seed = 5
duration = 20s
sample_interval = 5s

[protocol.peer]
bootstrap = 2

[population.peers]
count = 30
join_at = uniform(0s, 5s)

[expect]
connected = peer.count.mean >= 2

[sweep]
protocol.peer.target_peers = 3, 6
seeds = 2
EOF

# --- 1. a small sweep runs and merges ------------------------------------
"$peerlab" sweep tiny.ini --out A --jobs 2 > A.out 2> A.err
rc=$?
if [ $rc -eq 0 ] && [ "$(q A/sweep.db 'SELECT count(*) FROM run WHERE status = "complete"')" = 4 ] \
   && [ "$(q A/sweep.db 'SELECT group_concat(id || ":" || seed || ":" || value, " ") FROM
          (SELECT r.id, r.seed, p.value FROM run r JOIN run_param p ON p.run_id = r.id
           WHERE p.key = "protocol.peer.target_peers" ORDER BY r.id)')" = "1:5:3 2:6:3 3:5:6 4:6:6" ] \
   && [ "$(q A/sweep.db 'SELECT count(*) FROM run_param')" = 4 ] \
   && [ "$(q A/sweep.db 'SELECT value FROM meta WHERE key = "kind"')" = sweep ] \
   && [ "$(q A/sweep.db 'SELECT value FROM meta WHERE key = "sweep_grid"')" = '{"protocol.peer.target_peers":["3","6"]}' ] \
   && [ "$(q A/sweep.db 'SELECT value FROM meta WHERE key = "seeds"')" = 2 ] \
   && [ "$(q A/sweep.db 'SELECT count(DISTINCT run_id) FROM summary')" = 4 ] \
   && [ "$(q A/sweep.db 'PRAGMA user_version')" = 2 ] \
   && grep -q "4/4 done" A.err; then
  ok "sweep: 2 values x 2 seeds run as ids 1-4 in grid order and merge into sweep.db"
else
  not_ok "sweep: 2 values x 2 seeds run as ids 1-4 in grid order and merge into sweep.db" \
    "exit $rc" "$(tail -3 A.err)"
fi

# each run's own database equals the plain `peerlab run` of that point
"$peerlab" run tiny.ini --quiet --set=protocol.peer.target_peers=6 --seed 6 --run-id 4 \
  --out plain4.db > /dev/null
check "run 4 of the sweep is the plain run of its point (same trace)" \
  test "$(q plain4.db 'SELECT trace FROM run')" = "$(q A/sweep.db 'SELECT trace FROM run WHERE id = 4')"

# the same sweep again: every run skipped, the same database
cp A/sweep.db A1.db
"$peerlab" sweep tiny.ini --out A --quiet > A2.out 2>&1
check "sweep again: all 4 runs skipped as complete" grep -q "4 skipped as complete" A2.out
check "sweep again: same merged database" same_db A1.db A/sweep.db

# --- 2. resume after damage: deleted, unfinished, foreign runs are redone -
cp -r A B
rm B/runs/2.db B/sweep.db
sqlite3 B/runs/3.db "UPDATE run SET status = 'running'"
cp A/runs/1.db B/runs/4.db        # a complete run, but of another point
"$peerlab" sweep tiny.ini --out B --quiet > B.out 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q "1 skipped as complete" B.out; then
  ok "resume: only the complete run of the right point is skipped"
else
  not_ok "resume: only the complete run of the right point is skipped" "exit $rc" "$(cat B.out)"
fi
check "resume: merged database equals the uninterrupted one" same_db A/sweep.db B/sweep.db

# --- 3. SIGKILL of the parent halfway, then resume ----------------------
sed -e 's/^count = 30$/count = 1500/' -e 's/^duration = 20s/duration = 60s/' \
    -e 's/^protocol.peer.target_peers = 3, 6/protocol.peer.target_peers = 3, 4, 6/' \
    tiny.ini > big.ini
"$peerlab" sweep big.ini --out C --jobs 1 --quiet > /dev/null 2>&1 &
pid=$!
for _ in $(seq 1 2400); do  # until run 3 has started: runs 1 and 2 are complete
  [ -f C/runs/3.db ] && break  # (up to 120 s: a loaded machine under the sanitizers is slow)
  sleep 0.05
done
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
# The orphaned child gets SIGTERM (PR_SET_PDEATHSIG) and stops; wait until
# no child of this directory's sweep is left, so the resume does not race it.
for _ in $(seq 1 600); do
  left=0
  for p in $(pgrep -f -- '--out C/runs/' 2>/dev/null); do
    [ "$(readlink /proc/$p/cwd 2>/dev/null)" = "$PWD" ] && left=1
  done
  [ $left -eq 0 ] && break
  sleep 0.05
done
started=$(ls C/runs/*.db 2>/dev/null | wc -l)
"$peerlab" sweep big.ini --out C --jobs 2 --quiet > C.out 2>&1
rc=$?
skipped=$(sed -n 's/.*(\([0-9]*\) skipped as complete.*/\1/p' C.out)
if [ $rc -eq 0 ] && [ "${skipped:-0}" -ge 1 ] && [ "${skipped:-0}" -lt 6 ] && [ ! -e C/sweep.db.tmp ]; then
  ok "SIGKILL halfway: the resumed sweep redoes only the unfinished runs ($skipped of 6 kept, $started started)"
else
  not_ok "SIGKILL halfway: the resumed sweep redoes only the unfinished runs" "exit $rc" \
    "skipped '$skipped', started $started" "$(cat C.out)"
fi
"$peerlab" sweep big.ini --out D --jobs 2 --quiet > /dev/null 2>&1
check "SIGKILL halfway: merged database equals the uninterrupted sweep's" same_db C/sweep.db D/sweep.db

# --- 4. SIGINT stops the sweep with exit 3, keeping finished runs --------
"$peerlab" sweep big.ini --out E --jobs 1 --quiet > E.out 2> E.err &
pid=$!
for _ in $(seq 1 2400); do
  [ -f E/runs/2.db ] && break
  sleep 0.05
done
kill -INT $pid
wait $pid
rc=$?
complete=0
for f in E/runs/*.db; do
  [ "$(q "$f" 'SELECT status FROM run')" = complete ] && complete=$((complete + 1))
done
if [ $rc -eq 3 ] && grep -q "interrupted" E.err && [ ! -e E/sweep.db ] && [ $complete -ge 1 ] \
   && [ $complete -lt 6 ]; then
  ok "SIGINT: exit 3, $complete finished runs kept, no merge"
else
  not_ok "SIGINT: exit 3, finished runs kept, no merge" "exit $rc, $complete complete" "$(cat E.err)"
fi
"$peerlab" sweep big.ini --out E --quiet > /dev/null 2>&1
check "SIGINT: resuming gives the uninterrupted database" same_db D/sweep.db E/sweep.db

# --- a run that fails: reported, the rest merged, exit 3 ------------------
mkdir -p F/runs/2.db             # a directory where run 2's database goes (refused: exit 2)
"$peerlab" sweep tiny.ini --out F --quiet > F.out 2> F.err
rc=$?
if [ $rc -eq 3 ] && grep -q "peerlab sweep: run 2 (seed 6, protocol.peer.target_peers=3) failed (exit 2); see F/runs/2.log" F.err \
   && grep -q "3 of the sweep's 4 runs merged" F.err \
   && [ "$(q F/sweep.db 'SELECT group_concat(id) FROM run')" = "1,3,4" ]; then
  ok "a failing run is reported with its log, the others merged, exit 3"
else
  not_ok "a failing run is reported with its log, the others merged, exit 3" "exit $rc" "$(cat F.err)"
fi

# --- 5. --emit-jobs, GNU parallel, peerlab merge -------------------------
"$peerlab" sweep tiny.ini --emit-jobs J > J.out 2>&1
if [ "$(wc -l < J/jobs.txt)" = 4 ] && grep -q -- "'--run-id' '3' " J/jobs.txt \
   && grep -q '^#SBATCH --array=0-3$' J/slurm.sbatch \
   && grep -q 'SLURM_ARRAY_TASK_ID + 1' J/slurm.sbatch \
   && grep -q -- '--sshloginfile' J/run-parallel.sh && grep -q 'peerlab merge' J/README \
   && [ -x J/run-parallel.sh ] && [ -f J/sweep-plan.ini ]; then
  ok "emit-jobs: jobs.txt (4 lines), run-parallel.sh, slurm.sbatch, README"
else
  not_ok "emit-jobs: jobs.txt (4 lines), run-parallel.sh, slurm.sbatch, README" "$(cat J.out)"
fi
# the Slurm script run as array task 2 (without Slurm: #SBATCH lines are comments) runs run 3
SLURM_ARRAY_TASK_ID=2 bash J/slurm.sbatch > /dev/null 2>&1
rc=$?
check "slurm.sbatch as array task 2 runs line 3 of jobs.txt (run 3)" \
  bash -c "[ $rc -eq 0 ] && [ \"\$(ls J/runs/*.db)\" = J/runs/3.db ] \
           && [ \"\$(sqlite3 J/runs/3.db 'SELECT id || status FROM run')\" = 3complete ]"
rm -f J/runs/3.db
if command -v parallel > /dev/null 2>&1; then
  JOBS=2 sh J/run-parallel.sh > J.parallel 2>&1
  rc=$?
  "$peerlab" merge J > J.merge 2>&1
  rc2=$?
  if [ $rc -eq 0 ] && [ $rc2 -eq 0 ] && same_db A/sweep.db J/sweep.db > J.diff 2>&1; then
    ok "emit-jobs through GNU parallel, then peerlab merge: the sweep's database"
  else
    not_ok "emit-jobs through GNU parallel, then peerlab merge: the sweep's database" \
      "parallel exit $rc, merge exit $rc2" "$(tail -3 J.parallel)" "$(cat J.merge J.diff)"
  fi
else
  skip "emit-jobs through GNU parallel" "GNU parallel is not installed (setup.sh installs it)"
fi
# the jobs also run one by one in any order (here: a plain shell, reversed)
tac J/jobs.txt > J/reversed.txt
rm -rf J/runs/*.db J/sweep.db
sh J/reversed.txt > /dev/null 2>&1
"$peerlab" merge J > /dev/null 2>&1
check "emit-jobs lines run by sh in reverse order merge to the same database" same_db A/sweep.db J/sweep.db

# --- 6. merge: files, refusals, warnings ---------------------------------
"$peerlab" merge A/runs/1.db A/runs/2.db A/runs/3.db A/runs/4.db --out M.db > M.out 2>&1
rc=$?
if [ $rc -eq 0 ] && [ "$(q M.db 'SELECT group_concat(id) FROM run')" = "1,2,3,4" ] \
   && [ "$(q M.db 'SELECT value FROM meta WHERE key = "sweep_grid"')" = '{"protocol.peer.target_peers":["3","6"]}' ] \
   && [ "$(q M.db 'SELECT value FROM meta WHERE key = "seeds"')" = 2 ]; then
  ok "merge of files: ids kept, grid and seeds read from the runs"
else
  not_ok "merge of files: ids kept, grid and seeds read from the runs" "exit $rc" "$(cat M.out)"
fi
"$peerlab" run tiny.ini --quiet --out p1.db > /dev/null
"$peerlab" run tiny.ini --quiet --seed 9 --out p2.db > /dev/null
"$peerlab" merge p1.db p2.db --out P.db > P.out 2>&1
if [ $? -eq 0 ] && [ "$(q P.db 'SELECT group_concat(id || ":" || seed) FROM run')" = "1:5,2:9" ] \
   && grep -q "renumbered" P.out; then
  ok "merge of plain runs (all id 1): renumbered 1..N in input order, with a warning"
else
  not_ok "merge of plain runs (all id 1): renumbered 1..N in input order, with a warning" "$(cat P.out)"
fi
sed 's/^name = tiny/name = other/' tiny.ini > other.ini
"$peerlab" run other.ini --quiet --out other.db > /dev/null
"$peerlab" merge A/runs/1.db other.db --out X.db > X.out 2>&1
rc=$?
if [ $rc -eq 2 ] && grep -q "scenario 'other'" X.out && [ ! -e X.db ] && [ ! -e X.db.tmp ]; then
  ok "merge refuses runs of another scenario (exit 2, clear message, no output)"
else
  not_ok "merge refuses runs of another scenario (exit 2, clear message, no output)" "exit $rc" "$(cat X.out)"
fi
cp A/runs/2.db v1.db
sqlite3 v1.db "PRAGMA user_version = 1; UPDATE meta SET value = '1' WHERE key = 'schema_version'"
"$peerlab" merge A/runs/1.db v1.db --out X.db > X.out 2>&1
rc=$?
if [ $rc -eq 2 ] && grep -q "v1.db: results schema version 1, expected 2" X.out && [ ! -e X.db ]; then
  ok "merge refuses another schema version (exit 2)"
else
  not_ok "merge refuses another schema version (exit 2)" "exit $rc" "$(cat X.out)"
fi
echo "not a database, just text" > junk.db
"$peerlab" merge A/runs/1.db junk.db --out X.db > X.out 2>&1
rc=$?
check "merge refuses a file that is not a database (exit 2)" \
  bash -c "[ $rc -eq 2 ] && grep -q 'junk.db' X.out && [ ! -e X.db ]"
cp A/runs/3.db running.db
sqlite3 running.db "UPDATE run SET status = 'running'"
"$peerlab" merge A/runs/1.db running.db --out W.db > W.out 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q "warning: running.db: run 3 has status 'running'" W.out \
   && [ "$(q W.db 'SELECT count(*) FROM run')" = 2 ]; then
  ok "merge keeps a run that is not complete, with a warning"
else
  not_ok "merge keeps a run that is not complete, with a warning" "exit $rc" "$(cat W.out)"
fi
"$peerlab" merge A/runs/1.db > X.out 2>&1
check "merge of files without --out is a usage error" bash -c "[ $? -eq 2 ]"
mkdir -p nosweep
"$peerlab" merge nosweep > X.out 2>&1
rc=$?
check "merge of a directory that is not a sweep's: exit 2, saying so (not GLib's message)" \
  bash -c "[ $rc -eq 2 ] && grep -q '^peerlab merge: nosweep: not a sweep directory: it has no runs/ directory' X.out && [ ! -e nosweep/sweep.db ]"
mkdir -p nosweep/runs
"$peerlab" merge nosweep > X.out 2>&1
rc=$?
check "merge of a sweep directory without runs: exit 2, saying so" \
  bash -c "[ $rc -eq 2 ] && grep -q '^peerlab merge: nosweep/runs holds no .db file' X.out"

# --- 7. export ------------------------------------------------------------
"$peerlab" export A/sweep.db --csv --out s.csv 2> s.err
rc1=$?
"$peerlab" export A/sweep.db --json --metric 'peer.count' --metric 'ping.*' > s.json 2>> s.err
rc2=$?
"$peerlab" export A/sweep.db --csv --table series --metric peer.count > se.csv 2>> s.err
rc3=$?
"$peerlab" export A/sweep.db --json --table expectation > e.json 2>> s.err
rc4=$?
"$peerlab" export A/sweep.db --csv --table histogram --metric peer.count > h.csv 2>> s.err
rc5=$?
summary_rows=$(q A/sweep.db 'SELECT count(*) FROM summary')
pc_mean_3=$(q A/sweep.db "SELECT s.mean FROM summary s JOIN metric m ON m.id = s.metric_id
                          WHERE m.name = 'peer.count' AND s.run_id = 3")
series_rows=$(q A/sweep.db "SELECT count(*) FROM series s JOIN metric m ON m.id = s.metric_id
                            WHERE m.name = 'peer.count'")
hist_rows=$(q A/sweep.db "SELECT count(*) FROM histogram s JOIN metric m ON m.id = s.metric_id
                          WHERE m.name = 'peer.count'")
if [ $rc1$rc2$rc3$rc4$rc5 = 00000 ] && python3 - s.csv s.json se.csv e.json h.csv \
     "$summary_rows" "$pc_mean_3" "$series_rows" "$hist_rows" <<'PY'
import csv, json, sys
scsv, sjson, secsv, ejson, hcsv, n_summary, mean3, n_series, n_hist = sys.argv[1:]
raw = open(scsv, newline='').read()
assert raw.endswith('\r\n') and '\r\n' in raw, 'CSV lines end with CRLF'
rows = list(csv.DictReader(open(scsv, newline='')))
head = list(rows[0].keys())
assert head[:3] == ['run_id', 'protocol.peer.target_peers', 'seed'], head
assert head[3:] == ['metric', 'kind', 'count', 'sum', 'mean', 'min', 'max', 'p50', 'p90',
                    'p99', 'last'], head
assert len(rows) == int(n_summary), (len(rows), n_summary)
pc = {(r['run_id'], r['metric']): r for r in rows}
r3 = pc[('3', 'peer.count')]
assert r3['protocol.peer.target_peers'] == '6' and r3['seed'] == '5', r3
assert float(r3['mean']) == float(mean3), (r3['mean'], mean3)
assert sorted({r['run_id'] for r in rows}) == ['1', '2', '3', '4']
js = json.load(open(sjson))
assert isinstance(js, list) and js, js
assert {o['metric'] for o in js} <= {'peer.count'} | {o['metric'] for o in js
                                                       if o['metric'].startswith('ping.')}
assert any(o['metric'] == 'peer.count' for o in js)
o3 = [o for o in js if o['run_id'] == 3 and o['metric'] == 'peer.count'][0]
assert o3['protocol.peer.target_peers'] == 6 and o3['seed'] == 5, o3
assert o3['mean'] == float(mean3), o3
se = list(csv.DictReader(open(secsv, newline='')))
assert len(se) == int(n_series) and {r['metric'] for r in se} == {'peer.count'}
assert list(se[0].keys())[3:] == ['metric', 'kind', 't0_ns', 't_ns', 't_s', 'count', 'sum',
                                  'mean', 'min', 'max']
ex = json.load(open(ejson))
assert len(ex) == 4 and all(o['label'] == 'connected' and o['pass'] in (0, 1) for o in ex), ex
h = list(csv.DictReader(open(hcsv, newline='')))
assert len(h) == int(n_hist) and list(h[0].keys())[3:] == ['metric', 'lo', 'hi', 'count']
PY
then
  ok "export: CSV (RFC 4180, CRLF) and JSON parse, with run_id, parameter and seed columns and the database's values"
else
  not_ok "export: CSV and JSON parse with the expected rows" "exits $rc1$rc2$rc3$rc4$rc5" "$(cat s.err)"
fi
# quoting: a parameter value with a comma and a quote
"$peerlab" run tiny.ini --quiet --set 'run.description=a "quoted", text' --out qd.db > /dev/null
"$peerlab" export qd.db --csv --metric peer.count > qd.csv
if python3 - qd.csv <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
assert len(rows) == 1 and rows[0]['run.description'] == 'a "quoted", text', rows
assert '"a ""quoted"", text"' in open(sys.argv[1]).read()
PY
then
  ok "export: CSV quotes a field with a comma and doubles its quotes"
else
  not_ok "export: CSV quotes a field with a comma and doubles its quotes" "$(cat qd.csv)"
fi
"$peerlab" export A/sweep.db --csv --json > /dev/null 2> X.out
check "export: --csv with --json is a usage error" bash -c "[ $? -eq 2 ]"
"$peerlab" export v1.db --csv > /dev/null 2> X.out
rc=$?
check "export refuses another schema version (exit 2)" \
  bash -c "[ $rc -eq 2 ] && grep -q 'schema version 1' X.out"
# the parameters are read through this index; a damaged page of it once
# ended the read early, and the export went on without the parameter columns
cp A/sweep.db damaged.db && corrupt damaged.db sqlite_autoindex_run_param_1
"$peerlab" export damaged.db --csv > X.csv 2> X.out
rc=$?
check "export of a damaged database: exit 2 naming the file and SQLite's message" \
  bash -c "[ $rc -eq 2 ] && grep -q '^peerlab export: damaged.db: reading run_param: database disk image is malformed' X.out"

# text options are read as bytes: UTF-8 is text like any other (GOption's
# "Invalid byte sequence in conversion input" before, peerlab not calling
# setlocale), another byte is refused naming the option
"$peerlab" export A/sweep.db --csv --metric 'débit*' --metric peer.count > u.csv 2> X.out
rc=$?
check "export: a UTF-8 --metric pattern is accepted (it matches nothing here)" \
  bash -c "[ $rc -eq 0 ] && [ ! -s X.out ] && ! grep -q ',ping\.' u.csv && grep -q ',peer\.count,' u.csv"
"$peerlab" export A/sweep.db --csv --table 'débit' > /dev/null 2> X.out
rc=$?
check "export: a UTF-8 --table reaches the table check (exit 2)" \
  bash -c "[ $rc -eq 2 ] && grep -q \"^peerlab export: --table: found 'débit', expected summary\" X.out"
"$peerlab" export A/sweep.db --csv --metric $'d\xe9bit' > /dev/null 2> X.out
rc=$?
check "export: a --metric that is not UTF-8 is refused naming the option (exit 2)" \
  bash -c "[ $rc -eq 2 ] && grep -q \"^peerlab export: --metric 'd.*bit': expected UTF-8 text, found a byte that is not UTF-8 (0xe9, at byte 2\" X.out"
# merge's only option is a path: its bytes are taken as they are
"$peerlab" merge A/runs/1.db --out $'m\xe9.db' > /dev/null 2> X.out
rc=$?
runs=$(q $'m\xe9.db' 'SELECT count(*) FROM run' 2>&1)
check "merge: an --out path that is not UTF-8 is a path like any other" \
  bash -c "[ $rc -eq 0 ] && [ '$runs' = 1 ]"

# --- 8. bad sweeps --------------------------------------------------------
"$peerlab" sweep tiny.ini --out Z --set protocol.peer.target_peers=4 > /dev/null 2> Z.err
rc=$?
check "sweep: a --set of a swept key is refused (exit 2)" \
  bash -c "[ $rc -eq 2 ] && grep -q 'varied by \[sweep\]' Z.err && [ ! -e Z ]"
sed 's/^protocol.peer.target_peers = 3, 6/protocol.peer.target_peers = 3, 6\nprotocol.peer.max_peers = 2, 20/' \
  tiny.ini > clash.ini
"$peerlab" sweep clash.ini --out Z > /dev/null 2> Z.err
rc=$?
check "sweep: a combination that does not load is reported before anything runs (exit 2)" \
  bash -c "[ $rc -eq 2 ] && grep -q '^peerlab sweep: run 1 (seed 5, ' Z.err && [ ! -e Z ]"
"$peerlab" sweep tiny.ini --out Z --set $'run.description=caf\xe9' > /dev/null 2> Z.err
rc=$?
check "sweep: a --set value that is not UTF-8 is refused naming it (exit 2)" \
  bash -c "[ $rc -eq 2 ] && grep -q \"^peerlab: tiny.ini: --set 'run.description=caf.*': expected UTF-8 text\" Z.err && [ ! -e Z ]"
"$peerlab" sweep tiny.ini --jobs 0 > /dev/null 2> Z.err
check "sweep: --jobs 0 is a usage error" bash -c "[ $? -eq 2 ]"
"$peerlab" sweep tiny.ini --jobs 'é' > /dev/null 2> Z.err
rc=$?
check "sweep: a UTF-8 --jobs reaches the count check, naming the option (exit 2)" \
  bash -c "[ $rc -eq 2 ] && grep -q \"^peerlab sweep: --jobs: found 'é', expected an integer\" Z.err"
"$peerlab" sweep tiny.ini --jobs $'\xe9' > /dev/null 2> Z.err
rc=$?
check "sweep: a --jobs that is not UTF-8 is refused naming the option (exit 2)" \
  bash -c "[ $rc -eq 2 ] && grep -q \"^peerlab sweep: --jobs '.*': expected UTF-8 text, found a byte that is not UTF-8 (0xe9, at byte 1\" Z.err"
"$peerlab" sweep tiny.ini --jobs 1e1 > /dev/null 2> Z.err
rc=$?
check "sweep: --jobs 1e1 (a count in float syntax) is a usage error naming the option" \
  bash -c "[ $rc -eq 2 ] && grep -q \"^peerlab sweep: --jobs: found '1e1', expected an integer\" Z.err"

echo "1..$n"
tap_done
