/*
 * sweep.c — see sweep.h; docs/sweeps.md describes the command.
 *
 * The parent loads the scenario once per grid point (which validates every
 * combination before anything runs, and gives the scenario text a finished
 * run must have), then forks and execs /proc/self/exe for each run that is
 * not already done, with stdin from /dev/null and stdout/stderr into
 * DIR/runs/ID.log.  Children die with the parent (PR_SET_PDEATHSIG,
 * SIGTERM: they finish 'interrupted'), so a killed sweep leaves no
 * orphans; their databases are then not complete and are redone.
 */
#include "sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "export.h"
#include "interrupt.h"
#include "merge.h"
#include "options.h"
#include "results.h"
#include "units.h"
#include "wallclock.h"

enum { EXIT_OK = 0, EXIT_EXPECT = 1, EXIT_USAGE = 2, EXIT_RUNTIME = 3 };

/* ------------------------------------------------------------------ grid */

sim_sweep_grid *
sim_sweep_expand(const sim_scenario *sc, const char *const *sets)
{
  g_assert(sc != NULL);
  sim_sweep_grid *g = g_new0(sim_sweep_grid, 1);
  g->seeds = MAX(sc->sweep_seeds, 1);
  size_t points = 1;
  for (uint32_t i = 0; i < sc->n_sweep; i++)
    points *= g_strv_length(sc->sweep[i].values);
  g->n = points * g->seeds;
  g->points = g_new0(sim_sweep_point, g->n);
  size_t n_sets = sets ? g_strv_length((char **)sets) : 0;
  size_t *digit = g_new0(size_t, MAX(sc->n_sweep, 1));
  for (size_t pt = 0; pt < points; pt++) {
    /* digits of pt in the mixed radix of the value counts, last fastest */
    size_t rest = pt;
    for (uint32_t i = sc->n_sweep; i-- > 0;) {
      size_t nv = g_strv_length(sc->sweep[i].values);
      digit[i] = rest % nv;
      rest /= nv;
    }
    for (uint32_t s = 0; s < g->seeds; s++) {
      sim_sweep_point *p = &g->points[pt * g->seeds + s];
      p->id = (int64_t)(pt * g->seeds + s) + 1;
      p->seed = sc->seed + s;
      p->sets = g_new0(char *, n_sets + sc->n_sweep + 1);
      for (size_t k = 0; k < n_sets; k++)
        p->sets[k] = g_strdup(sets[k]);
      for (uint32_t i = 0; i < sc->n_sweep; i++)
        p->sets[n_sets + i] = g_strdup_printf("%s.%s=%s", sc->sweep[i].group, sc->sweep[i].key,
                                              sc->sweep[i].values[digit[i]]);
    }
  }
  g_free(digit);
  GString *j = g_string_new("{");
  for (uint32_t i = 0; i < sc->n_sweep; i++) {
    char *key = g_strdup_printf("%s.%s", sc->sweep[i].group, sc->sweep[i].key);
    if (i)
      g_string_append_c(j, ',');
    sim_export_json_string(j, key);
    g_string_append(j, ":[");
    for (size_t v = 0; sc->sweep[i].values[v]; v++) {
      if (v)
        g_string_append_c(j, ',');
      sim_export_json_string(j, sc->sweep[i].values[v]);
    }
    g_string_append_c(j, ']');
    g_free(key);
  }
  g_string_append_c(j, '}');
  g->json = g_string_free(j, FALSE);
  return g;
}

void
sim_sweep_grid_free(sim_sweep_grid *g)
{
  if (!g)
    return;
  for (size_t i = 0; i < g->n; i++)
    g_strfreev(g->points[i].sets);
  g_free(g->points);
  g_free(g->json);
  g_free(g);
}

static char *
run_db_path(const char *dir, int64_t id, const char *ext)
{
  char name[48];
  g_snprintf(name, sizeof name, "%" G_GINT64_FORMAT ".%s", id, ext);
  return g_build_filename(dir, "runs", name, NULL);
}

char **
sim_sweep_run_argv(const char *exe, const char *file, const char *dir, const sim_sweep_point *p)
{
  GPtrArray *a = g_ptr_array_new();
  g_ptr_array_add(a, g_strdup(exe));
  g_ptr_array_add(a, g_strdup("run"));
  g_ptr_array_add(a, g_strdup(file));
  for (size_t i = 0; p->sets[i]; i++)
    g_ptr_array_add(a, g_strconcat("--set=", p->sets[i], NULL));
  g_ptr_array_add(a, g_strdup("--seed"));
  g_ptr_array_add(a, g_strdup_printf("%" G_GUINT64_FORMAT, p->seed));
  g_ptr_array_add(a, g_strdup("--run-id"));
  g_ptr_array_add(a, g_strdup_printf("%" G_GINT64_FORMAT, p->id));
  g_ptr_array_add(a, g_strdup("--out"));
  g_ptr_array_add(a, run_db_path(dir, p->id, "db"));
  g_ptr_array_add(a, g_strdup("--quiet"));
  g_ptr_array_add(a, NULL);
  return (char **)g_ptr_array_free(a, FALSE);
}

gboolean
sim_sweep_run_done(const char *db_path, int64_t id, uint64_t seed, const char *text)
{
  if (!g_file_test(db_path, G_FILE_TEST_IS_REGULAR))
    return FALSE;
  sqlite3 *db = NULL;
  gboolean done = FALSE;
  if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT (SELECT user_version FROM pragma_user_version),"
                           " (SELECT count(*) FROM run), id, seed, status, scenario_text"
                           " FROM run", -1, &st, NULL) == SQLITE_OK
        && sqlite3_step(st) == SQLITE_ROW) {
      const char *status = (const char *)sqlite3_column_text(st, 4);
      const char *stored = (const char *)sqlite3_column_text(st, 5);
      done = sqlite3_column_int(st, 0) == SIM_RESULTS_SCHEMA_VERSION
             && sqlite3_column_int64(st, 1) == 1 && sqlite3_column_int64(st, 2) == id
             && (uint64_t)sqlite3_column_int64(st, 3) == seed && status
             && strcmp(status, "complete") == 0 && stored && text && strcmp(stored, text) == 0;
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return done;
}

/* ------------------------------------------------------------- helpers */

static double
now_s(void)
{
  return sim_wallclock_now();
}

static void
format_secs(double s, char *buf, size_t cap)
{
  uint64_t t = s > 0 ? (uint64_t)(s + 0.5) : 0;
  if (t >= 3600)
    g_snprintf(buf, cap, "%" G_GUINT64_FORMAT "h%02um", t / 3600, (unsigned)(t % 3600 / 60));
  else if (t >= 60)
    g_snprintf(buf, cap, "%um%02us", (unsigned)(t / 60), (unsigned)(t % 60));
  else
    g_snprintf(buf, cap, "%us", (unsigned)t);
}

/* " (k=v, k=v)" for messages. */
static char *
describe_point(const sim_sweep_point *p)
{
  char *sets = g_strjoinv(", ", p->sets);
  char *d = g_strdup_printf("run %" G_GINT64_FORMAT " (seed %" G_GUINT64_FORMAT "%s%s)", p->id,
                            p->seed, *sets ? ", " : "", sets);
  g_free(sets);
  return d;
}

static char *
self_exe(void)
{
  char *exe = g_file_read_link("/proc/self/exe", NULL);
  return exe ? exe : g_strdup("peerlab");
}

/* ----------------------------------------------------------- emit-jobs */

static char *
quote_argv(char **argv)
{
  GString *s = g_string_new(NULL);
  for (size_t i = 0; argv[i]; i++) {
    char *q = g_shell_quote(argv[i]);
    if (i)
      g_string_append_c(s, ' ');
    g_string_append(s, q);
    g_free(q);
  }
  return g_string_free(s, FALSE);
}

static gboolean
write_text(const char *dir, const char *name, const char *text, int mode, GError **error)
{
  char *path = g_build_filename(dir, name, NULL);
  gboolean ok = g_file_set_contents(path, text, -1, error);
  if (ok && mode && g_chmod(path, mode) != 0) {
    int e = errno;
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", path, g_strerror(e));
    ok = FALSE;
  }
  g_free(path);
  return ok;
}

/* Create DIR/runs (and DIR); false, with a message, if it cannot be. */
static gboolean
make_runs_dir(const char *dir)
{
  char *runs = g_build_filename(dir, "runs", NULL);
  gboolean ok = g_mkdir_with_parents(runs, 0777) == 0;
  if (!ok) {
    int e = errno;
    fprintf(stderr, "peerlab sweep: %s: %s\n", runs, g_strerror(e));
  }
  g_free(runs);
  return ok;
}

static int
emit_jobs(const char *file, const char *dir, const sim_scenario *sc, const sim_sweep_grid *g,
          const sim_merge_plan *plan)
{
  GError *error = NULL;
  if (!make_runs_dir(dir))
    return EXIT_RUNTIME;
  char *exe = self_exe();
  char *cwd = g_get_current_dir();
  char *qcwd = g_shell_quote(cwd);
  char *absdir = g_path_is_absolute(dir) ? g_strdup(dir) : g_build_filename(cwd, dir, NULL);
  char *qabsdir = g_shell_quote(absdir);
  GString *jobs = g_string_new(NULL);
  for (size_t i = 0; i < g->n; i++) {
    char **argv = sim_sweep_run_argv(exe, file, dir, &g->points[i]);
    char *cmd = quote_argv(argv);
    char *log = run_db_path(dir, g->points[i].id, "log");
    char *qlog = g_shell_quote(log);
    /* exit 1 (an expectation failed) is a finished run, not a failed job */
    g_string_append_printf(jobs, "cd %s && { %s > %s 2>&1 || [ $? -eq 1 ]; }\n", qcwd, cmd,
                           qlog);
    g_free(qlog);
    g_free(log);
    g_free(cmd);
    g_strfreev(argv);
  }
  char *name = g_strdup(sc->name);
  for (char *p = name; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
      *p = '_';
  char *parallel = g_strdup_printf(
      "#!/bin/sh\n"
      "# run-parallel.sh — runs every line of jobs.txt (%zu runs of %s) with GNU parallel.\n"
      "# Written by peerlab sweep --emit-jobs.  JOBS=N sets how many run at once (default: one\n"
      "# per core).  Running it again resumes: the job log skips the runs that finished.\n"
      "# Then merge:  peerlab merge %s\n"
      "set -eu\n"
      "cd %s\n"
      "parallel --jobs \"${JOBS:-100%%}\" --joblog joblog.txt --resume-failed --bar < jobs.txt\n"
      "\n"
      "# Several hosts: list them in hosts.txt, one per line as [N/]user@host (N: jobs on that\n"
      "# host; ':' is this machine).  Every host must see this directory, the scenario and the\n"
      "# peerlab binary at the same paths (a shared file system such as NFS):\n"
      "#   parallel --sshloginfile hosts.txt --joblog joblog.txt --resume-failed < jobs.txt\n",
      g->n, file, qabsdir, qabsdir);
  char *jobs_path = g_build_filename(absdir, "jobs.txt", NULL);
  char *qjobs = g_shell_quote(jobs_path);
  char *slurm = g_strdup_printf(
      "#!/bin/bash\n"
      "# slurm.sbatch — one Slurm array task per line of jobs.txt (%zu runs of %s).\n"
      "# Written by peerlab sweep --emit-jobs.  Submit with:  sbatch %s/slurm.sbatch\n"
      "# (append %%N to --array, e.g. 0-%zu%%50, to run at most N at once).\n"
      "# When every task is done, merge:  peerlab merge %s\n"
      "#SBATCH --job-name=peerlab-%s\n"
      "#SBATCH --array=0-%zu\n"
      "#SBATCH --ntasks=1\n"
      "#SBATCH --cpus-per-task=1\n"
      "#SBATCH --output=%s/runs/slurm-%%A_%%a.out\n"
      "set -euo pipefail\n"
      "line=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" %s)\n"
      "exec bash -c \"$line\"\n",
      g->n, file, absdir, g->n - 1, qabsdir, name, g->n - 1, absdir, qjobs);
  char *readme = g_strdup_printf(
      "Sweep of %s: %zu runs (grid %s x %u seeds), written by peerlab sweep --emit-jobs.\n"
      "\n"
      "jobs.txt         one shell command line per run (line K writes runs/K.db)\n"
      "run-parallel.sh  runs them with GNU parallel (here or over ssh, see inside)\n"
      "slurm.sbatch     runs them as a Slurm job array: sbatch slurm.sbatch\n"
      "sweep-plan.ini   the grid, for the merged database's meta rows\n"
      "\n"
      "When the runs are done, merge them into %s/sweep.db with:\n"
      "  peerlab merge %s\n"
      "then e.g. peerlab export %s/sweep.db --csv > summary.csv (docs/sweeps.md).\n",
      file, g->n, g->json, g->seeds, dir, dir, dir);
  int rc = EXIT_OK;
  if (!write_text(dir, "jobs.txt", jobs->str, 0, &error)
      || !write_text(dir, "run-parallel.sh", parallel, 0755, &error)
      || !write_text(dir, "slurm.sbatch", slurm, 0755, &error)
      || !write_text(dir, "README", readme, 0, &error)
      || !sim_merge_plan_save(plan, dir, &error)) {
    fprintf(stderr, "peerlab sweep: %s\n", error->message);
    g_error_free(error);
    rc = EXIT_RUNTIME;
  } else {
    printf("wrote %zu jobs to %s/jobs.txt (with run-parallel.sh, slurm.sbatch, README);\n"
           "merge with: peerlab merge %s\n", g->n, dir, dir);
  }
  g_free(readme);
  g_free(slurm);
  g_free(qjobs);
  g_free(jobs_path);
  g_free(parallel);
  g_free(name);
  g_string_free(jobs, TRUE);
  g_free(qabsdir);
  g_free(absdir);
  g_free(qcwd);
  g_free(cwd);
  g_free(exe);
  return rc;
}

/* ----------------------------------------------------------------- run */

typedef struct child {
  pid_t pid;       /* process */
  size_t point;    /* index in the grid */
} child;

static pid_t
spawn(char **argv, const char *log_path)
{
  pid_t parent = getpid();
  fflush(NULL);
  pid_t pid = fork();
  if (pid != 0)
    return pid;
#ifdef __linux__
  prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
  if (getppid() != parent)
    _exit(EXIT_RUNTIME);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  int in = open("/dev/null", O_RDONLY);
  int out = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
  if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
    _exit(127);
  close(in);
  close(out);
  execv(argv[0], argv);
  dprintf(2, "peerlab sweep: cannot run %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

typedef struct progress {
  size_t total, done, running, failed, skipped, ran;
  double start;      /* monotonic seconds */
  gboolean tty;      /* stderr is a terminal: one rewritten line */
  gboolean quiet;    /* no progress */
} progress;

static void
show(const progress *p, gboolean final)
{
  if (p->quiet)
    return;
  double el = now_s() - p->start;
  char els[32], etas[32] = "?";
  size_t left = p->total - p->done;
  if (p->ran > 0)
    format_secs(el / (double)p->ran * (double)left, etas, sizeof etas);
  else if (left == 0)
    g_strlcpy(etas, "0s", sizeof etas);
  format_secs(el, els, sizeof els);
  fprintf(stderr, "%ssweep: %zu/%zu done, %zu running, %zu failed, elapsed %s, ETA %s%s",
          p->tty ? "\r\033[K" : "", p->done, p->total, p->running, p->failed, els, etas,
          p->tty && !final ? "" : "\n");
  fflush(stderr);
}

static int
run_sweep(const char *file, const char *dir, const sim_sweep_grid *g, char **texts,
          unsigned jobs, gboolean quiet, const sim_merge_plan *plan)
{
  if (!make_runs_dir(dir))
    return EXIT_RUNTIME;
  GError *error = NULL;
  if (!sim_merge_plan_save(plan, dir, &error)) {
    fprintf(stderr, "peerlab sweep: %s\n", error->message);
    g_error_free(error);
    return EXIT_RUNTIME;
  }
  char *exe = self_exe();
  progress pr = { .total = g->n, .start = now_s(), .tty = isatty(STDERR_FILENO),
                  .quiet = quiet };
  gboolean *ok_run = g_new0(gboolean, g->n);
  GArray *todo = g_array_new(FALSE, FALSE, sizeof(size_t));
  for (size_t i = 0; i < g->n; i++) {
    char *db = run_db_path(dir, g->points[i].id, "db");
    if (sim_sweep_run_done(db, g->points[i].id, g->points[i].seed, texts[i])) {
      ok_run[i] = TRUE;
      pr.done++;
      pr.skipped++;
    } else {
      g_array_append_val(todo, i);
    }
    g_free(db);
  }
  if (pr.skipped && !quiet)
    fprintf(stderr, "sweep: %zu of %zu runs already complete in %s/runs, skipped\n",
            pr.skipped, g->n, dir);
  sim_interrupt_install(NULL);
  child *kids = g_new0(child, MAX(jobs, 1));
  size_t next = 0;
  gboolean stopping = FALSE, need_show = TRUE;   /* the first line once runs started */
  double last_show = 0;
  GPtrArray *failures = g_ptr_array_new_with_free_func(g_free);
  while (next < todo->len || pr.running > 0) {
    if (sim_interrupt_requested && !stopping) {
      stopping = TRUE;
      for (size_t k = 0; k < jobs; k++)
        if (kids[k].pid > 0)
          kill(kids[k].pid, SIGINT);
    }
    while (!stopping && next < todo->len && pr.running < jobs) {
      size_t slot = 0;
      while (kids[slot].pid > 0)
        slot++;
      size_t i = g_array_index(todo, size_t, next++);
      char **argv = sim_sweep_run_argv(exe, file, dir, &g->points[i]);
      char *log = run_db_path(dir, g->points[i].id, "log");
      pid_t pid = spawn(argv, log);
      g_free(log);
      g_strfreev(argv);
      if (pid < 0) {
        int e = errno;
        fprintf(stderr, "\npeerlab sweep: fork: %s\n", g_strerror(e));
        sim_interrupt_requested = 1;
        break;
      }
      kids[slot].pid = pid;
      kids[slot].point = i;
      pr.running++;
    }
    if (need_show) {
      show(&pr, FALSE);
      last_show = now_s();
      need_show = FALSE;
    }
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      size_t slot = 0;
      while (slot < jobs && kids[slot].pid != pid)
        slot++;
      if (slot == jobs)
        continue;
      size_t i = kids[slot].point;
      kids[slot].pid = 0;
      pr.running--;
      char *db = run_db_path(dir, g->points[i].id, "db");
      ok_run[i] = sim_sweep_run_done(db, g->points[i].id, g->points[i].seed, texts[i]);
      g_free(db);
      pr.done += ok_run[i];
      pr.ran += ok_run[i];
      if (!ok_run[i] && !stopping) {
        pr.failed++;
        char *what = describe_point(&g->points[i]);
        char *log = run_db_path(dir, g->points[i].id, "log");
        g_ptr_array_add(failures, g_strdup_printf(
            "%s failed (exit %d%s); see %s", what,
            WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
            WIFSIGNALED(status) ? ", killed by a signal" : "", log));
        g_free(log);
        g_free(what);
      }
      need_show = TRUE;     /* after the next launch, so "running" is current */
      continue;
    }
    if (pid < 0 && errno != EINTR)
      break;
    g_usleep(50000);
    if (pr.tty && now_s() - last_show >= 1) {
      show(&pr, FALSE);
      last_show = now_s();
    }
  }
  if (need_show || pr.tty)   /* the last state, unless it is already out */
    show(&pr, TRUE);
  for (guint i = 0; i < failures->len; i++)
    fprintf(stderr, "peerlab sweep: %s\n", (const char *)g_ptr_array_index(failures, i));
  int rc = EXIT_OK;
  if (stopping || sim_interrupt_requested) {
    fprintf(stderr, "peerlab sweep: interrupted; %zu of %zu runs complete in %s/runs. "
                    "Run the same command again to resume.\n", pr.done, g->n, dir);
    rc = EXIT_RUNTIME;
  } else {
    /* merge every run that has a database, complete or not */
    GPtrArray *inputs = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; i < g->n; i++) {
      char *db = run_db_path(dir, g->points[i].id, "db");
      if (g_file_test(db, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add(inputs, db);
      else
        g_free(db);
    }
    char *out = g_build_filename(dir, "sweep.db", NULL);
    GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
    if (!sim_merge(out, (const char *const *)inputs->pdata, inputs->len, plan, warnings,
                   &error)) {
      fprintf(stderr, "peerlab sweep: merging: %s\n", error->message);
      g_clear_error(&error);
      rc = EXIT_RUNTIME;
    } else {
      for (guint i = 0; i < warnings->len; i++)
        fprintf(stderr, "peerlab sweep: warning: %s\n",
                (const char *)g_ptr_array_index(warnings, i));
      /* The runs with a failed expectation decide the exit status: a read
       * error must not pass for "none". */
      size_t failed_expect = 0;
      bool counted = false;
      sqlite3 *db = NULL;
      if (sqlite3_open_v2(out, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, "SELECT count(DISTINCT run_id) FROM expectation"
                               " WHERE pass = 0", -1, &st, NULL) == SQLITE_OK
            && sqlite3_step(st) == SQLITE_ROW) {
          failed_expect = (size_t)sqlite3_column_int64(st, 0);
          counted = true;
        }
        if (!counted)
          fprintf(stderr, "peerlab sweep: %s: reading the expectations: %s\n", out,
                  sqlite3_errmsg(db));
        sqlite3_finalize(st);
      } else {
        fprintf(stderr, "peerlab sweep: %s: cannot open the merged database\n", out);
      }
      sqlite3_close(db);
      printf("sweep %s: %zu runs (%zu skipped as complete, %zu failed, %zu with a failed "
             "expectation); merged into %s\n", file, g->n, pr.skipped, g->n - pr.done,
             failed_expect, out);
      rc = pr.done < g->n || !counted ? EXIT_RUNTIME : failed_expect ? EXIT_EXPECT : EXIT_OK;
    }
    g_ptr_array_free(warnings, TRUE);
    g_free(out);
    g_ptr_array_free(inputs, TRUE);
  }
  g_ptr_array_free(failures, TRUE);
  g_free(kids);
  g_array_free(todo, TRUE);
  g_free(ok_run);
  g_free(exe);
  return rc;
}

/* ------------------------------------------------------------------ CLI */

int
sim_sweep_main(int argc, char **argv)
{
  char *jobs_text = NULL, *out_dir = NULL, *emit_dir = NULL;
  char **sets = NULL;
  gboolean quiet = FALSE;
  GOptionEntry entries[] = {
      {"jobs", 'j', 0, G_OPTION_ARG_STRING, &jobs_text,
       "Runs at once (default: the number of cores)", "N"},
      {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir,
       "Sweep directory (default results/NAME-sweep)", "DIR"},
      {"set", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &sets,
       "Override a scenario key in every run (repeatable)", "GROUP.KEY=VALUE"},
      {"emit-jobs", 0, 0, G_OPTION_ARG_FILENAME, &emit_dir,
       "Do not run: write DIR/jobs.txt, run-parallel.sh, slurm.sbatch and README", "DIR"},
      {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress line", NULL},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new("FILE - run every combination of [sweep]");
  g_option_context_set_summary(ctx,
      "Runs the grid of FILE's [sweep] (every combination of values x seeds), each run\n"
      "its own process, N at once, into DIR/runs/ID.db, then merges them into DIR/sweep.db.\n"
      "Runs already complete are skipped, so the same command resumes a sweep.\n"
      "Exit status: 0 ok, 1 an expectation failed, 2 bad input, 3 a run failed or interrupted.");
  GError *error = NULL;
  int rc = EXIT_USAGE;
  sim_scenario *sc = NULL;
  sim_sweep_grid *g = NULL;
  char **texts = NULL;
  sim_merge_plan plan = {0};
  char *dir = NULL;
  if (!sim_options_parse(ctx, entries, &argc, &argv, &error)) {
    fprintf(stderr, "peerlab sweep: %s\n", error->message);
    goto out;
  }
  if (argc != 2) {
    fprintf(stderr, "peerlab sweep: expected exactly one scenario FILE (see peerlab sweep "
                    "--help)\n");
    goto out;
  }
  uint64_t jobs = (uint64_t)g_get_num_processors();
  if (jobs_text && (!sim_units_parse_u64(jobs_text, SIM_UNIT_COUNT, &jobs) || jobs == 0
                    || jobs > 4096)) {
    fprintf(stderr, "peerlab sweep: --jobs: found '%s', expected an integer from 1 to 4096\n",
            jobs_text);
    goto out;
  }
  if (emit_dir && out_dir) {
    fprintf(stderr, "peerlab sweep: --emit-jobs DIR already names the directory; "
                    "drop --out\n");
    goto out;
  }
  const char *file = argv[1];
  sc = sim_scenario_load(file, (const char *const *)sets, NULL, &error);
  if (!sc) {
    fprintf(stderr, "peerlab: %s\n", error->message);
    goto out;
  }
  for (size_t i = 0; sets && sets[i]; i++) {
    char *k = NULL, *v = NULL;
    if (!sim_results_split_param(sets[i], &k, &v))
      continue;
    for (uint32_t s = 0; s < sc->n_sweep; s++) {
      char *swept = g_strdup_printf("%s.%s", sc->sweep[s].group, sc->sweep[s].key);
      gboolean same = strcmp(swept, k) == 0;
      g_free(swept);
      if (same) {
        fprintf(stderr, "peerlab sweep: --set '%s': %s is varied by [sweep]; remove it from "
                        "[sweep] or drop the --set\n", sets[i], k);
        g_free(k);
        g_free(v);
        goto out;
      }
    }
    g_free(k);
    g_free(v);
  }
  g = sim_sweep_expand(sc, (const char *const *)sets);
  /* every grid point must load: check them all before running any */
  texts = g_new0(char *, g->n + 1);
  for (size_t i = 0; i < g->n; i++) {
    const sim_sweep_point *p = &g->points[i];
    sim_scenario *one = sim_scenario_load(file, (const char *const *)p->sets, &p->seed, &error);
    if (!one) {
      char *what = describe_point(p);
      fprintf(stderr, "peerlab sweep: %s: %s\n", what, error->message);
      g_free(what);
      goto out;
    }
    texts[i] = g_strdup(one->text);
    sim_scenario_free(one);
  }
  plan.sweep_file = g_strdup(file);
  plan.sweep_grid = g_strdup(g->json);
  plan.seeds = g->seeds;
  plan.runs = (uint32_t)MIN(g->n, UINT32_MAX);
  if (emit_dir) {
    rc = emit_jobs(file, emit_dir, sc, g, &plan);
    goto out;
  }
  if (out_dir) {
    dir = g_strdup(out_dir);
  } else {
    char *stem = sim_scenario_file_stem(sc);
    dir = g_strdup_printf("results/%s-sweep", stem);
    g_free(stem);
  }
  rc = run_sweep(file, dir, g, texts, (unsigned)jobs, quiet, &plan);
out:
  g_clear_error(&error);
  sim_merge_plan_clear(&plan);
  g_strfreev(texts);
  sim_sweep_grid_free(g);
  sim_scenario_free(sc);
  g_free(dir);
  g_free(jobs_text);
  g_free(out_dir);
  g_free(emit_dir);
  g_strfreev(sets);
  g_option_context_free(ctx);
  return rc;
}
