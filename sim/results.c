/*
 * results.c — see results.h; the schema is documented in docs/results.md.
 *
 * One connection, prepared statements made once at create, every write in
 * an explicit BEGIN IMMEDIATE .. COMMIT.  The rollback journal (not WAL)
 * keeps each committed state in the main file alone, which is what a
 * killed run leaves behind.
 */
#include "results.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

G_DEFINE_QUARK(sim-results-error-quark, sim_results_error)

/* How long a write waits for another connection's lock before the run
 * fails, ms (sim_results_set_busy_timeout changes it). */
#define BUSY_TIMEOUT_MS 30000

struct sim_results {
  sqlite3 *db;                /* the connection */
  int64_t run_id;             /* run.id of this run, bound into every row */
  char *path;                 /* database path, for messages */
  uint32_t metrics_written;   /* metric ids [0, this) have a metric row */
  sqlite3_stmt *ins_metric;   /* INSERT INTO metric */
  sqlite3_stmt *ins_series;   /* INSERT INTO series */
  sqlite3_stmt *ins_summary;  /* INSERT INTO summary */
  sqlite3_stmt *ins_hist;     /* INSERT INTO histogram */
  sqlite3_stmt *ins_expect;   /* INSERT INTO expectation */
  sqlite3_stmt *upd_run;      /* UPDATE run (final fields) */
};

static const char schema_sql[] =
  "CREATE TABLE meta(\n"
  "  key TEXT PRIMARY KEY,\n"
  "  value TEXT NOT NULL);\n"
  "CREATE TABLE run(\n"
  "  id INTEGER PRIMARY KEY,\n"
  "  name TEXT,\n"
  "  scenario_path TEXT,\n"
  "  scenario_text TEXT,\n"
  "  seed INTEGER,\n"
  "  version TEXT,\n"
  "  git_rev TEXT,\n"
  "  started_at TEXT,\n"
  "  nodes INTEGER,\n"
  "  duration_ns INTEGER,\n"
  "  status TEXT NOT NULL,\n"
  "  trace TEXT,\n"
  "  events INTEGER,\n"
  "  virtual_ns INTEGER,\n"
  "  wall_s REAL,\n"
  "  peak_rss_bytes INTEGER,\n"
  "  error TEXT);\n"
  "CREATE TABLE run_param(\n"
  "  run_id INTEGER NOT NULL REFERENCES run(id),\n"
  "  key TEXT NOT NULL,\n"
  "  value TEXT NOT NULL,\n"
  "  PRIMARY KEY(run_id, key));\n"
  "CREATE TABLE metric(\n"
  "  id INTEGER PRIMARY KEY,\n"
  "  name TEXT UNIQUE NOT NULL,\n"
  "  kind TEXT NOT NULL);\n"
  "CREATE TABLE series(\n"
  "  run_id INTEGER NOT NULL REFERENCES run(id),\n"
  "  metric_id INTEGER NOT NULL REFERENCES metric(id),\n"
  "  t0_ns INTEGER NOT NULL,\n"
  "  t_ns INTEGER NOT NULL,\n"
  "  count INTEGER NOT NULL,\n"
  "  sum REAL NOT NULL,\n"
  "  min REAL NOT NULL,\n"
  "  max REAL NOT NULL,\n"
  "  mean REAL GENERATED ALWAYS AS (sum / count) VIRTUAL);\n"
  "CREATE INDEX series_run_metric_t ON series(run_id, metric_id, t_ns);\n"
  "CREATE TABLE summary(\n"
  "  run_id INTEGER NOT NULL REFERENCES run(id),\n"
  "  metric_id INTEGER NOT NULL REFERENCES metric(id),\n"
  "  count INTEGER NOT NULL,\n"
  "  sum REAL NOT NULL,\n"
  "  mean REAL NOT NULL,\n"
  "  min REAL NOT NULL,\n"
  "  max REAL NOT NULL,\n"
  "  p50 REAL NOT NULL,\n"
  "  p90 REAL NOT NULL,\n"
  "  p99 REAL NOT NULL,\n"
  "  last REAL NOT NULL,\n"
  "  PRIMARY KEY(run_id, metric_id));\n"
  "CREATE TABLE histogram(\n"
  "  run_id INTEGER NOT NULL REFERENCES run(id),\n"
  "  metric_id INTEGER NOT NULL REFERENCES metric(id),\n"
  "  lo REAL NOT NULL,\n"
  "  hi REAL NOT NULL,\n"
  "  count INTEGER NOT NULL);\n"
  "CREATE INDEX histogram_run_metric_lo ON histogram(run_id, metric_id, lo);\n"
  "CREATE TABLE expectation(\n"
  "  run_id INTEGER NOT NULL REFERENCES run(id),\n"
  "  id INTEGER NOT NULL,\n"
  "  label TEXT,\n"
  "  expr TEXT NOT NULL,\n"
  "  metric TEXT NOT NULL,\n"
  "  stat TEXT NOT NULL,\n"
  "  op TEXT NOT NULL,\n"
  "  value REAL NOT NULL,\n"
  "  observed REAL NOT NULL,\n"
  "  pass INTEGER NOT NULL,\n"
  "  PRIMARY KEY(run_id, id));\n";

const char *
sim_results_schema_sql(void)
{
  return schema_sql;
}

gboolean
sim_results_split_param(const char *param, char **key, char **value)
{
  g_assert(param != NULL && key != NULL && value != NULL);
  const char *eq = strchr(param, '=');
  if (!eq)
    return FALSE;
  char *k = g_strstrip(g_strndup(param, (gsize)(eq - param)));
  if (!*k) {
    g_free(k);
    return FALSE;
  }
  *key = k;
  *value = g_strstrip(g_strdup(eq + 1));
  return TRUE;
}

/* ---------------------------------------------------------------- errors */

static void
set_sqlite_error(sqlite3 *db, const char *path, GError **error, const char *what)
{
  g_set_error(error, SIM_RESULTS_ERROR, SIM_RESULTS_ERROR_SQLITE, "%s: %s: %s",
              path, what, db ? sqlite3_errmsg(db) : "out of memory");
}

static gboolean
fail(sim_results *r, GError **error, const char *what)
{
  set_sqlite_error(r->db, r->path, error, what);
  return FALSE;
}

static gboolean
exec(sim_results *r, const char *sql, GError **error, const char *what)
{
  if (sqlite3_exec(r->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return fail(r, error, what);
  return TRUE;
}

static void
rollback(sim_results *r)
{
  /* Errors here are not interesting: the transaction is abandoned either
   * way (SQLite may already have rolled it back). */
  if (!sqlite3_get_autocommit(r->db))
    sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Step a fully bound statement that returns no rows, then reset it. */
static gboolean
step(sim_results *r, sqlite3_stmt *st, GError **error, const char *what)
{
  int rc = sqlite3_step(st);
  gboolean ok = rc == SQLITE_DONE;
  if (!ok)
    fail(r, error, what);
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  return ok;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *text)
{
  if (text)
    sqlite3_bind_text(st, i, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(st, i);
}

static void
bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
  /* SQLite integers are signed 64-bit: values >= 2^63 wrap (documented) */
  sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

/* --------------------------------------------------------------- create */

/* What a file that is not a regular file is, for messages. */
static const char *
file_kind(mode_t mode)
{
  if (S_ISDIR(mode))
    return "a directory";
  if (S_ISCHR(mode))
    return "a character device";
  if (S_ISBLK(mode))
    return "a block device";
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISSOCK(mode))
    return "a socket";
  return "not a regular file";
}

/* sim_results_check_path for |file|: |path| itself or one of its
 * companions (the message then names both, starting with |path|). */
static gboolean
check_file(const char *path, const char *file, GError **error)
{
  char *subject = strcmp(path, file) == 0 ? g_strdup("")
                                          : g_strdup_printf(" its companion %s", file);
  GStatBuf st;
  gboolean ok = FALSE;
  if (g_lstat(file, &st) != 0) {
    int e = errno;
    if (e == ENOENT)
      ok = TRUE;
    else
      g_set_error(error, SIM_RESULTS_ERROR, SIM_RESULTS_ERROR_FILE, "%s:%s cannot be checked: %s",
                  path, subject, g_strerror(e));
  } else if (S_ISREG(st.st_mode)) {
    ok = TRUE;
  } else if (!S_ISLNK(st.st_mode)) {
    g_set_error(error, SIM_RESULTS_ERROR, SIM_RESULTS_ERROR_FILE,
                "%s:%s is %s, not a regular file; refusing to replace it", path,
                subject, file_kind(st.st_mode));
  } else if (g_stat(file, &st) != 0) {
    /* a dangling link is replaced like a file; a loop or an unreadable
     * target is not something to guess about */
    int e = errno;
    if (e == ENOENT)
      ok = TRUE;
    else
      g_set_error(error, SIM_RESULTS_ERROR, SIM_RESULTS_ERROR_FILE,
                  "%s:%s is a symbolic link that cannot be followed: %s", path, subject,
                  g_strerror(e));
  } else if (S_ISREG(st.st_mode)) {
    ok = TRUE;
  } else {
    g_set_error(error, SIM_RESULTS_ERROR, SIM_RESULTS_ERROR_FILE,
                "%s:%s is a symbolic link to %s, not a regular file; refusing to replace "
                "it", path, subject, file_kind(st.st_mode));
  }
  g_free(subject);
  return ok;
}

gboolean
sim_results_check_path(const char *path, GError **error)
{
  g_assert(path != NULL);
  g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
  if (!*path) {
    g_set_error(error, SIM_RESULTS_ERROR, SIM_RESULTS_ERROR_FILE,
                "'': empty path, expected a file path");
    return FALSE;
  }
  return check_file(path, path, error);
}

static gboolean
remove_old(const char *path, const char *suffix, GError **error)
{
  char *file = g_strconcat(path, suffix, NULL);
  gboolean ok = TRUE;
  if (g_unlink(file) != 0 && errno != ENOENT) {
    int e = errno;
    g_set_error(error, SIM_RESULTS_ERROR, SIM_RESULTS_ERROR_FILE,
                "%s: cannot remove the existing %s: %s", path, file, g_strerror(e));
    ok = FALSE;
  }
  g_free(file);
  return ok;
}

static gboolean
prepare(sim_results *r, sqlite3_stmt **st, const char *sql, GError **error)
{
  if (sqlite3_prepare_v2(r->db, sql, -1, st, NULL) != SQLITE_OK)
    return fail(r, error, "preparing a statement");
  return TRUE;
}

/* Inside the schema transaction: the run_param rows (INSERT OR REPLACE:
 * a later duplicate key wins, as a later --set does). */
static gboolean
write_params(sim_results *r, const char *const *params, GError **error)
{
  if (!params || !params[0])
    return TRUE;
  sqlite3_stmt *st = NULL;
  if (!prepare(r, &st, "INSERT OR REPLACE INTO run_param(run_id, key, value) VALUES (?, ?, ?)",
               error))
    return FALSE;
  gboolean ok = TRUE;
  for (size_t i = 0; ok && params[i]; i++) {
    char *key, *value;
    gboolean split = sim_results_split_param(params[i], &key, &value);
    g_assert(split);
    sqlite3_bind_int64(st, 1, r->run_id);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, value, -1, SQLITE_TRANSIENT);
    ok = step(r, st, error, "writing a run_param row");
    g_free(key);
    g_free(value);
  }
  sqlite3_finalize(st);
  return ok;
}

static gboolean
write_schema(sim_results *r, const sim_run_info *info, GError **error)
{
  char *sql;
  gboolean ok;
  if (!exec(r, "BEGIN IMMEDIATE", error, "beginning the schema transaction"))
    return FALSE;
  if (!exec(r, schema_sql, error, "creating the schema"))
    goto fail;
  sql = g_strdup_printf("INSERT INTO meta(key, value) VALUES"
                        " ('schema_version', '%d'), ('generator', 'peerlab'), ('kind', 'run');"
                        " PRAGMA user_version = %d;",
                        SIM_RESULTS_SCHEMA_VERSION, SIM_RESULTS_SCHEMA_VERSION);
  ok = exec(r, sql, error, "writing the schema version");
  g_free(sql);
  if (!ok)
    goto fail;

  sqlite3_stmt *st = NULL;
  if (!prepare(r, &st,
               "INSERT INTO run(id, name, scenario_path, scenario_text, seed, version,"
               " git_rev, started_at, nodes, duration_ns, status)"
               " VALUES (?10, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'running')", error))
    goto fail;
  sqlite3_bind_int64(st, 10, r->run_id);
  bind_text(st, 1, info->name);
  bind_text(st, 2, info->scenario_path);
  bind_text(st, 3, info->scenario_text);
  bind_u64(st, 4, info->seed);
  bind_text(st, 5, info->version);
  bind_text(st, 6, info->git_rev);
  bind_text(st, 7, info->started_at);
  sqlite3_bind_int64(st, 8, info->nodes);
  bind_u64(st, 9, info->duration_ns);
  ok = step(r, st, error, "writing the run row");
  sqlite3_finalize(st);
  if (!ok)
    goto fail;
  if (!write_params(r, info->params, error))
    goto fail;
  if (!exec(r, "COMMIT", error, "committing the schema"))
    goto fail;
  return TRUE;

fail:
  rollback(r);
  return FALSE;
}

sim_results *
sim_results_create(const char *path, const sim_run_info *info, GError **error)
{
  g_assert(path != NULL && info != NULL);
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);

  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
  if (!sim_results_check_path(path, error))
    return NULL;
  for (size_t i = 1; i < G_N_ELEMENTS(suffixes); i++) {
    char *file = g_strconcat(path, suffixes[i], NULL);
    gboolean ok = check_file(path, file, error);
    g_free(file);
    if (!ok)
      return NULL;
  }
  char *dir = g_path_get_dirname(path);
  if (g_mkdir_with_parents(dir, 0777) != 0) {
    int e = errno;
    g_set_error(error, SIM_RESULTS_ERROR, SIM_RESULTS_ERROR_FILE,
                "%s: cannot create the directory %s: %s", path, dir, g_strerror(e));
    g_free(dir);
    return NULL;
  }
  g_free(dir);
  for (size_t i = 0; i < G_N_ELEMENTS(suffixes); i++)
    if (!remove_old(path, suffixes[i], error))
      return NULL;

  sim_results *r = g_new0(sim_results, 1);
  r->path = g_strdup(path);
  r->run_id = info->id ? info->id : 1;
  if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
      != SQLITE_OK) {
    fail(r, error, "opening the database");
    sim_results_close(r);
    return NULL;
  }
  /* A reader may hold the file for a moment (a researcher's sqlite3 shell,
   * a plot of the run so far): the next flush waits for it rather than
   * failing the run with "database is locked". */
  sqlite3_busy_timeout(r->db, BUSY_TIMEOUT_MS);
  if (!exec(r, "PRAGMA journal_mode = DELETE; PRAGMA synchronous = NORMAL;"
               " PRAGMA foreign_keys = ON;", error, "setting the journal mode")
      || !write_schema(r, info, error)
      || !prepare(r, &r->ins_metric,
                  "INSERT INTO metric(id, name, kind) VALUES (?, ?, ?)", error)
      || !prepare(r, &r->ins_series,
                  "INSERT INTO series(run_id, metric_id, t0_ns, t_ns, count, sum, min, max)"
                  " VALUES (?8, ?1, ?2, ?3, ?4, ?5, ?6, ?7)", error)
      || !prepare(r, &r->ins_summary,
                  "INSERT INTO summary(run_id, metric_id, count, sum, mean, min, max,"
                  " p50, p90, p99, last) VALUES (?11, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", error)
      || !prepare(r, &r->ins_hist,
                  "INSERT INTO histogram(run_id, metric_id, lo, hi, count)"
                  " VALUES (?5, ?1, ?2, ?3, ?4)",
                  error)
      || !prepare(r, &r->ins_expect,
                  "INSERT INTO expectation(run_id, id, label, expr, metric, stat, op,"
                  " value, observed, pass) VALUES (?10, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", error)
      || !prepare(r, &r->upd_run,
                  "UPDATE run SET status = ?, trace = ?, events = ?, virtual_ns = ?,"
                  " wall_s = ?, peak_rss_bytes = ?, error = ? WHERE id = ?8", error)) {
    sim_results_close(r);
    return NULL;
  }
  return r;
}

void
sim_results_set_busy_timeout(sim_results *r, int ms)
{
  g_assert(r != NULL && ms >= 0);
  sqlite3_busy_timeout(r->db, ms);
}

void
sim_results_close(sim_results *r)
{
  if (!r)
    return;
  sqlite3_finalize(r->ins_metric);
  sqlite3_finalize(r->ins_series);
  sqlite3_finalize(r->ins_summary);
  sqlite3_finalize(r->ins_hist);
  sqlite3_finalize(r->ins_expect);
  sqlite3_finalize(r->upd_run);
  if (r->db) {
    rollback(r);
    sqlite3_close(r->db);
  }
  g_free(r->path);
  g_free(r);
}

/* ---------------------------------------------------------------- writes */

/* Inside a transaction: metric rows for ids >= metrics_written, then the
 * pending series rows. */
static gboolean
write_pending(sim_results *r, const sim_metrics *m, GError **error)
{
  uint32_t n = sim_metrics_count(m);
  for (uint32_t id = r->metrics_written; id < n; id++) {
    sqlite3_bind_int64(r->ins_metric, 1, id);
    bind_text(r->ins_metric, 2, sim_metrics_name(m, id));
    bind_text(r->ins_metric, 3, sim_metric_kind_name(sim_metrics_kind(m, id)));
    if (!step(r, r->ins_metric, error, "writing a metric row"))
      return FALSE;
  }
  size_t n_rows;
  const sim_series_row *rows = sim_metrics_pending(m, &n_rows);
  for (size_t i = 0; i < n_rows; i++) {
    const sim_series_row *row = &rows[i];
    sqlite3_bind_int64(r->ins_series, 1, row->metric);
    bind_u64(r->ins_series, 2, row->t0_ns);
    bind_u64(r->ins_series, 3, row->t_ns);
    bind_u64(r->ins_series, 4, row->count);
    sqlite3_bind_double(r->ins_series, 5, row->sum);
    sqlite3_bind_double(r->ins_series, 6, row->min);
    sqlite3_bind_double(r->ins_series, 7, row->max);
    sqlite3_bind_int64(r->ins_series, 8, r->run_id);
    if (!step(r, r->ins_series, error, "writing a series row"))
      return FALSE;
  }
  return TRUE;
}

/* After a commit that included write_pending. */
static void
pending_written(sim_results *r, sim_metrics *m)
{
  r->metrics_written = sim_metrics_count(m);
  sim_metrics_clear_pending(m);
}

gboolean
sim_results_flush(sim_results *r, sim_metrics *m, GError **error)
{
  g_assert(r != NULL && m != NULL);
  if (!exec(r, "BEGIN IMMEDIATE", error, "beginning a flush"))
    return FALSE;
  if (!write_pending(r, m, error) || !exec(r, "COMMIT", error, "committing a flush")) {
    rollback(r);
    return FALSE;
  }
  pending_written(r, m);
  return TRUE;
}

typedef struct hist_ctx {
  sim_results *r;    /* writer */
  uint32_t id;       /* metric id */
  GError **error;    /* where the first failure goes */
  gboolean ok;       /* no failure yet */
} hist_ctx;

static void
hist_cb(double lo, double hi, uint64_t count, void *user_data)
{
  hist_ctx *c = user_data;
  if (!c->ok)
    return;
  sqlite3_stmt *st = c->r->ins_hist;
  sqlite3_bind_int64(st, 1, c->id);
  sqlite3_bind_double(st, 2, lo);
  sqlite3_bind_double(st, 3, hi);
  bind_u64(st, 4, count);
  sqlite3_bind_int64(st, 5, c->r->run_id);
  c->ok = step(c->r, st, c->error, "writing a histogram row");
}

static gboolean
write_summaries(sim_results *r, const sim_metrics *m, GError **error)
{
  uint32_t n = sim_metrics_count(m);
  for (uint32_t id = 0; id < n; id++) {
    sim_summary s;
    sim_metrics_summary(m, id, &s);
    if (s.count == 0)
      continue;
    sqlite3_stmt *st = r->ins_summary;
    sqlite3_bind_int64(st, 1, id);
    bind_u64(st, 2, s.count);
    sqlite3_bind_double(st, 3, s.sum);
    sqlite3_bind_double(st, 4, s.mean);
    sqlite3_bind_double(st, 5, s.min);
    sqlite3_bind_double(st, 6, s.max);
    sqlite3_bind_double(st, 7, s.p50);
    sqlite3_bind_double(st, 8, s.p90);
    sqlite3_bind_double(st, 9, s.p99);
    sqlite3_bind_double(st, 10, s.last);
    sqlite3_bind_int64(st, 11, r->run_id);
    if (!step(r, st, error, "writing a summary row"))
      return FALSE;
    hist_ctx c = { r, id, error, TRUE };
    sim_metrics_histogram(m, id, hist_cb, &c);
    if (!c.ok)
      return FALSE;
  }
  return TRUE;
}

static gboolean
write_outcomes(sim_results *r, const sim_metrics *m, const sim_expect_outcome *outcomes,
               size_t n_outcomes, GError **error)
{
  for (size_t i = 0; i < n_outcomes; i++) {
    const sim_expect *e = outcomes[i].expect;
    g_assert(e != NULL);
    const char *metric;
    sim_stat stat;
    sim_expect_resolve(e, m, &metric, &stat);
    sqlite3_stmt *st = r->ins_expect;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)i + 1);
    bind_text(st, 2, e->label);
    bind_text(st, 3, e->expr);
    bind_text(st, 4, metric);
    bind_text(st, 5, sim_stat_name(stat));
    bind_text(st, 6, sim_expect_op_name(e->op));
    sqlite3_bind_double(st, 7, e->value);
    /* observed is NOT NULL: a statistic with no observations is stored as
     * 0, with pass 0 (docs/results.md) */
    sqlite3_bind_double(st, 8, isnan(outcomes[i].observed) ? 0.0 : outcomes[i].observed);
    sqlite3_bind_int(st, 9, outcomes[i].pass ? 1 : 0);
    sqlite3_bind_int64(st, 10, r->run_id);
    if (!step(r, st, error, "writing an expectation row"))
      return FALSE;
  }
  return TRUE;
}

static gboolean
write_final(sim_results *r, const sim_run_final *final, GError **error)
{
  sqlite3_stmt *st = r->upd_run;
  bind_text(st, 1, final->status);
  bind_text(st, 2, final->trace);
  bind_u64(st, 3, final->events);
  bind_u64(st, 4, final->virtual_ns);
  sqlite3_bind_double(st, 5, final->wall_s);
  bind_u64(st, 6, final->peak_rss_bytes);
  bind_text(st, 7, final->error);
  sqlite3_bind_int64(st, 8, r->run_id);
  return step(r, st, error, "writing the final run fields");
}

/* Inside the final transaction: remove what an earlier finish of this run
 * wrote. */
static gboolean
clear_finish(sim_results *r, GError **error)
{
  char *sql = g_strdup_printf("DELETE FROM summary WHERE run_id = %" G_GINT64_FORMAT ";"
                              " DELETE FROM histogram WHERE run_id = %" G_GINT64_FORMAT ";"
                              " DELETE FROM expectation WHERE run_id = %" G_GINT64_FORMAT ";",
                              r->run_id, r->run_id, r->run_id);
  gboolean ok = exec(r, sql, error, "clearing an earlier finish");
  g_free(sql);
  return ok;
}

gboolean
sim_results_finish(sim_results *r, sim_metrics *m, const sim_run_final *final,
                   const sim_expect_outcome *outcomes, size_t n_outcomes,
                   GError **error)
{
  g_assert(r != NULL && m != NULL && final != NULL && final->status != NULL);
  g_assert(strcmp(final->status, "complete") == 0
           || strcmp(final->status, "interrupted") == 0
           || strcmp(final->status, "failed") == 0);
  g_assert(outcomes != NULL || n_outcomes == 0);
  if (!exec(r, "BEGIN IMMEDIATE", error, "beginning the final transaction"))
    return FALSE;
  if (!write_pending(r, m, error)
      || !clear_finish(r, error)
      || !write_summaries(r, m, error)
      || !write_outcomes(r, m, outcomes, n_outcomes, error)
      || !write_final(r, final, error)
      || !exec(r, "COMMIT", error, "committing the final transaction")) {
    rollback(r);
    return FALSE;
  }
  pending_written(r, m);
  return TRUE;
}
