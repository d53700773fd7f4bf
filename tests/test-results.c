/* test-results.c — the SQLite results database. */
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "results.h"
#include "testutil.h"

static const sim_run_info info = {
  .name = "unit",
  .scenario_path = "scenarios/unit.ini",
  .scenario_text = "[run]\nname = unit\n",
  .seed = 42,
  .version = "0.1.0",
  .git_rev = "abcdef012345",
  .started_at = "2024-01-02T03:04:05Z",
  .nodes = 1000,
  .duration_ns = UINT64_C(60000000000),
};

/* ---------------------------------------------------------- sql helpers */

static sqlite3 *
db_open(const char *path)
{
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
  if (rc != SQLITE_OK)
    g_error("open %s: %s", path, sqlite3_errmsg(db));
  return db;
}

static sqlite3_stmt *
query(sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    g_error("prepare '%s': %s", sql, sqlite3_errmsg(db));
  if (sqlite3_step(st) != SQLITE_ROW)
    g_error("no row for '%s': %s", sql, sqlite3_errmsg(db));
  return st;
}

static int64_t
q_int(sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = query(db, sql);
  int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

static double
q_double(sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = query(db, sql);
  double v = sqlite3_column_double(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* Text of the first column, newly allocated; NULL for SQL NULL. */
static char *
q_text(sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = query(db, sql);
  const unsigned char *t = sqlite3_column_text(st, 0);
  char *v = t ? g_strdup((const char *)t) : NULL;
  sqlite3_finalize(st);
  return v;
}

static void
assert_text(sqlite3 *db, const char *sql, const char *want)
{
  char *got = q_text(db, sql);
  g_assert_cmpstr(got, ==, want);
  g_free(got);
}

/* ------------------------------------------------------------- fixtures */

/* Two windows of activity: msg.sent 3 then 2, rtt 10,20,30 then 40. */
static void
record_window(sim_metrics *m, int w)
{
  if (w == 0) {
    for (int i = 0; i < 3; i++)
      sim_metrics_record(m, PL_METRIC_MSG_SENT, 1);
    sim_metrics_record(m, PL_METRIC_PING_RTT_MS, 10);
    sim_metrics_record(m, PL_METRIC_PING_RTT_MS, 20);
    sim_metrics_record(m, PL_METRIC_PING_RTT_MS, 30);
    sim_metrics_close_window(m, UINT64_C(1000000000));
  } else {
    sim_metrics_record(m, PL_METRIC_MSG_SENT, 1);
    sim_metrics_record(m, PL_METRIC_MSG_SENT, 1);
    sim_metrics_record(m, PL_METRIC_PING_RTT_MS, 40);
    sim_metrics_close_window(m, UINT64_C(2000000000));
  }
}

static const sim_run_final final_complete = {
  .status = "complete",
  .trace = "00ff00ff",
  .events = 12345,
  .virtual_ns = UINT64_C(2000000000),
  .wall_s = 1.5,
  .peak_rss_bytes = UINT64_C(104857600),
  .error = NULL,
};

/* A run started at |path| (described by |ri|) with its first window
 * written: its results, and in |*m| its metrics. */
static sim_results *
start_run(const char *path, const sim_run_info *ri, sim_metrics **m)
{
  GError *error = NULL;
  *m = sim_metrics_new();
  sim_results *r = sim_results_create(path, ri, &error);
  g_assert_no_error(error);
  g_assert_nonnull(r);
  record_window(*m, 0);
  g_assert_true(sim_results_flush(r, *m, &error));
  g_assert_no_error(error);
  return r;
}

/* A finished database at |path|: two windows, one host gauge, two
 * expectations (one holds, one fails). */
static void
write_finished(const char *path, const sim_run_final *final)
{
  GError *error = NULL;
  sim_metrics *m;
  sim_results *r = start_run(path, &info, &m);
  size_t n;
  sim_metrics_pending(m, &n);
  g_assert_cmpuint(n, ==, 0);

  /* a host metric registered after the first flush */
  uint32_t g = sim_metrics_register(m, "peer.count", PL_METRIC_KIND_GAUGE);
  sim_metrics_record(m, g, 3);
  sim_metrics_record(m, g, 5);
  record_window(m, 1);

  sim_expect e[2];
  const char *why;
  g_assert_true(sim_expect_parse("rtt", "ping.rtt_ms.p99 <= 400", &e[0], &why));
  g_assert_true(sim_expect_parse("peers", "peer.count >= 8", &e[1], &why));
  sim_expect_outcome out[2];
  for (int i = 0; i < 2; i++) {
    out[i].expect = &e[i];
    out[i].pass = sim_expect_eval(&e[i], m, &out[i].observed);
  }
  g_assert_true(out[0].pass);
  g_assert_false(out[1].pass);
  g_assert_true(sim_results_finish(r, m, final, out, 2, &error));
  g_assert_no_error(error);
  sim_metrics_pending(m, &n);
  g_assert_cmpuint(n, ==, 0);
  sim_results_close(r);
  sim_expect_clear(&e[0]);
  sim_expect_clear(&e[1]);
  sim_metrics_free(m);
}

/* ---------------------------------------------------------------- tests */

static void
test_full(void)
{
  char *dir = tu_tmpdir();
  char *path = g_build_filename(dir, "deep", "er", "run.db", NULL);
  write_finished(path, &final_complete);
  g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
  char *journal = g_strconcat(path, "-journal", NULL);
  g_assert_false(g_file_test(journal, G_FILE_TEST_EXISTS));

  sqlite3 *db = db_open(path);
  /* meta */
  assert_text(db, "SELECT value FROM meta WHERE key = 'schema_version'", "2");
  assert_text(db, "SELECT value FROM meta WHERE key = 'kind'", "run");
  g_assert_cmpint(SIM_RESULTS_SCHEMA_VERSION, ==, 2);
  g_assert_cmpint(q_int(db, "PRAGMA user_version"), ==, SIM_RESULTS_SCHEMA_VERSION);
  assert_text(db, "PRAGMA journal_mode", "delete");

  /* run: id 1 by default, no parameters; every per-run row points at it */
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM run"), ==, 1);
  g_assert_cmpint(q_int(db, "SELECT id FROM run"), ==, 1);
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM run_param"), ==, 0);
  static const char *const per_run[] = { "series", "summary", "histogram", "expectation" };
  for (size_t i = 0; i < G_N_ELEMENTS(per_run); i++) {
    char *q = g_strdup_printf("SELECT count(*) FROM %s WHERE run_id IS NOT 1", per_run[i]);
    g_assert_cmpint(q_int(db, q), ==, 0);
    g_free(q);
  }
  assert_text(db, "SELECT name FROM run", "unit");
  assert_text(db, "SELECT scenario_path FROM run", "scenarios/unit.ini");
  assert_text(db, "SELECT scenario_text FROM run", "[run]\nname = unit\n");
  g_assert_cmpint(q_int(db, "SELECT seed FROM run"), ==, 42);
  assert_text(db, "SELECT version FROM run", "0.1.0");
  assert_text(db, "SELECT git_rev FROM run", "abcdef012345");
  assert_text(db, "SELECT started_at FROM run", "2024-01-02T03:04:05Z");
  g_assert_cmpint(q_int(db, "SELECT nodes FROM run"), ==, 1000);
  g_assert_cmpint(q_int(db, "SELECT duration_ns FROM run"), ==, INT64_C(60000000000));
  assert_text(db, "SELECT status FROM run", "complete");
  assert_text(db, "SELECT trace FROM run", "00ff00ff");
  g_assert_cmpint(q_int(db, "SELECT events FROM run"), ==, 12345);
  g_assert_cmpint(q_int(db, "SELECT virtual_ns FROM run"), ==, 2000000000);
  g_assert_cmpfloat(q_double(db, "SELECT wall_s FROM run"), ==, 1.5);
  g_assert_cmpint(q_int(db, "SELECT peak_rss_bytes FROM run"), ==, 104857600);
  g_assert_cmpint(q_int(db, "SELECT error IS NULL FROM run"), ==, 1);

  /* metric: every registered metric, core ones at their ids */
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM metric"), ==, PL_METRIC_COUNT + 1);
  for (int i = 0; i < PL_METRIC_COUNT; i++) {
    char *sql = g_strdup_printf("SELECT name FROM metric WHERE id = %d", i);
    assert_text(db, sql, pl_metric_name((pl_metric)i));
    g_free(sql);
  }
  assert_text(db, "SELECT kind FROM metric WHERE name = 'ping.rtt_ms'", "observation");
  assert_text(db, "SELECT kind FROM metric WHERE name = 'msg.sent'", "counter");
  g_assert_cmpint(q_int(db, "SELECT id FROM metric WHERE name = 'peer.count'"), ==,
                  PL_METRIC_COUNT);
  assert_text(db, "SELECT kind FROM metric WHERE name = 'peer.count'", "gauge");

  /* series: 2 windows x (sent, rtt) + 1 gauge row */
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM series"), ==, 5);
  char *sql = g_strdup_printf(
      "SELECT count || ' ' || sum || ' ' || min || ' ' || max || ' ' || mean || ' ' || t0_ns"
      " FROM series WHERE metric_id = %d AND t_ns = 1000000000", PL_METRIC_PING_RTT_MS);
  assert_text(db, sql, "3 60.0 10.0 30.0 20.0 0");
  g_free(sql);
  sql = g_strdup_printf(
      "SELECT count || ' ' || sum || ' ' || t0_ns FROM series"
      " WHERE metric_id = %d AND t_ns = 2000000000", PL_METRIC_MSG_SENT);
  assert_text(db, sql, "2 2.0 1000000000");
  g_free(sql);
  sql = g_strdup_printf("SELECT mean FROM series WHERE metric_id = %d", PL_METRIC_COUNT);
  g_assert_cmpfloat(q_double(db, sql), ==, 4);
  g_free(sql);

  /* summary: only recorded metrics */
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM summary"), ==, 3);
  sql = g_strdup_printf("SELECT count || ' ' || sum || ' ' || mean || ' ' || min || ' '"
                        " || max || ' ' || last FROM summary WHERE metric_id = %d",
                        PL_METRIC_PING_RTT_MS);
  assert_text(db, sql, "4 100.0 25.0 10.0 40.0 40.0");
  g_free(sql);
  sql = g_strdup_printf("SELECT p99 FROM summary WHERE metric_id = %d",
                        PL_METRIC_PING_RTT_MS);
  g_assert_cmpfloat(q_double(db, sql), ==, 40);          /* clamped to max */
  g_free(sql);
  sql = g_strdup_printf("SELECT p50 FROM summary WHERE metric_id = %d",
                        PL_METRIC_PING_RTT_MS);
  double p50 = q_double(db, sql);                         /* rank 2 -> 20 */
  g_assert_cmpfloat(p50, >=, 20);
  g_assert_cmpfloat(p50, <=, 20.2);
  g_free(sql);
  sql = g_strdup_printf("SELECT sum || ' ' || p50 FROM summary WHERE metric_id = %d",
                        PL_METRIC_MSG_SENT);
  assert_text(db, sql, "5.0 1.0");
  g_free(sql);
  sql = g_strdup_printf("SELECT last FROM summary WHERE metric_id = %d", PL_METRIC_COUNT);
  g_assert_cmpfloat(q_double(db, sql), ==, 4);           /* gauge: window mean */
  g_free(sql);

  /* histogram: counts add up to each summary count; buckets contain values */
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM (SELECT h.metric_id FROM histogram h"
                            " JOIN summary s USING (metric_id) GROUP BY h.metric_id"
                            " HAVING sum(h.count) = max(s.count))"), ==, 3);
  sql = g_strdup_printf("SELECT count(*) FROM histogram WHERE metric_id = %d",
                        PL_METRIC_PING_RTT_MS);
  g_assert_cmpint(q_int(db, sql), ==, 4);
  g_free(sql);
  sql = g_strdup_printf("SELECT count(*) FROM histogram WHERE metric_id = %d"
                        " AND lo <= 30 AND 30 < hi AND count = 1", PL_METRIC_PING_RTT_MS);
  g_assert_cmpint(q_int(db, sql), ==, 1);
  g_free(sql);
  sql = g_strdup_printf("SELECT count FROM histogram WHERE metric_id = %d",
                        PL_METRIC_MSG_SENT);
  g_assert_cmpint(q_int(db, sql), ==, 5);
  g_free(sql);

  /* expectation */
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM expectation"), ==, 2);
  assert_text(db, "SELECT label || '|' || expr || '|' || metric || '|' || stat || '|' || op"
                  " || '|' || value || '|' || observed || '|' || pass"
                  " FROM expectation WHERE id = 1",
              "rtt|ping.rtt_ms.p99 <= 400|ping.rtt_ms|p99|<=|400.0|40.0|1");
  assert_text(db, "SELECT label || '|' || metric || '|' || stat || '|' || op"
                  " || '|' || value || '|' || observed || '|' || pass"
                  " FROM expectation WHERE id = 2",
              "peers|peer.count|last|>=|8.0|4.0|0");

  assert_text(db, "PRAGMA integrity_check", "ok");
  sqlite3_close(db);
  g_free(journal);
  g_free(path);
  tu_rmtree(dir);
  g_free(dir);
}

static void
write_file(const char *path, const char *text)
{
  GError *error = NULL;
  g_assert_true(g_file_set_contents(path, text, -1, &error));
  g_assert_no_error(error);
}

/* An existing file (and its -wal/-shm/-journal companions) is replaced. */
static void
test_replace(void)
{
  char *dir = tu_tmpdir();
  char *path = g_build_filename(dir, "run.db", NULL);
  GError *error = NULL;

  /* an earlier results database with other contents */
  write_finished(path, &final_complete);
  sim_run_info other = info;
  other.name = "second";
  sim_results *r = sim_results_create(path, &other, &error);
  g_assert_no_error(error);
  sim_results_close(r);
  sqlite3 *db = db_open(path);
  assert_text(db, "SELECT name || ' ' || status FROM run", "second running");
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM run"), ==, 1);
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM series"), ==, 0);
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM summary"), ==, 0);
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM metric"), ==, 0);
  sqlite3_close(db);

  /* garbage in the file and in stale companions */
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
  for (size_t i = 0; i < G_N_ELEMENTS(suffixes); i++) {
    char *f = g_strconcat(path, suffixes[i], NULL);
    write_file(f, "this is not a database, just junk that must go away");
    g_free(f);
  }
  r = sim_results_create(path, &info, &error);
  g_assert_no_error(error);
  g_assert_nonnull(r);
  for (size_t i = 1; i < G_N_ELEMENTS(suffixes); i++) {
    char *f = g_strconcat(path, suffixes[i], NULL);
    g_assert_false(g_file_test(f, G_FILE_TEST_EXISTS));
    g_free(f);
  }
  sim_results_close(r);
  db = db_open(path);
  assert_text(db, "SELECT name || ' ' || status FROM run", "unit running");
  sqlite3_close(db);
  g_free(path);
  tu_rmtree(dir);
  g_free(dir);
}

/* The engine's path for SIGINT/SIGTERM: finish with status interrupted;
 * what was sampled is kept, the final window's pending rows too. */
static void
test_interrupted(void)
{
  char *dir = tu_tmpdir();
  char *path = g_build_filename(dir, "run.db", NULL);
  GError *error = NULL;
  sim_metrics *m;
  sim_results *r = start_run(path, &info, &m);
  record_window(m, 1);                 /* closed, not flushed */
  sim_run_final fin = {
    .status = "interrupted", .trace = "abcd", .events = 77,
    .virtual_ns = UINT64_C(1500000000), .wall_s = 0.25, .peak_rss_bytes = 4096,
    .error = "stopped by signal 2",
  };
  g_assert_true(sim_results_finish(r, m, &fin, NULL, 0, &error));
  g_assert_no_error(error);
  sim_results_close(r);
  sim_metrics_free(m);

  sqlite3 *db = db_open(path);
  assert_text(db, "SELECT status FROM run", "interrupted");
  assert_text(db, "SELECT error FROM run", "stopped by signal 2");
  g_assert_cmpint(q_int(db, "SELECT virtual_ns FROM run"), ==, 1500000000);
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM series"), ==, 4);
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM summary"), ==, 2);
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM expectation"), ==, 0);
  sqlite3_close(db);
  g_free(path);
  tu_rmtree(dir);
  g_free(dir);
}

/* A reader in another thread holding a read transaction on the database
 * for |ms| milliseconds (as a researcher's sqlite3 shell or a plotting
 * script may, mid-run). */
typedef struct reader {
  const char *path;
  gint holding;  /* set once the read lock is taken */
  guint ms;
} reader;

static gpointer
reader_thread(gpointer data)
{
  reader *rd = data;
  sqlite3 *db = db_open(rd->path);
  g_assert_cmpint(sqlite3_exec(db, "BEGIN; SELECT count(*) FROM series;", NULL, NULL, NULL), ==,
                  SQLITE_OK);
  g_atomic_int_set(&rd->holding, 1);
  g_usleep((gulong)rd->ms * 1000);
  g_assert_cmpint(sqlite3_exec(db, "COMMIT;", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close(db);
  return NULL;
}

/* A reader that holds the database for a moment makes the run's next
 * flush wait for it, not fail ("database is locked"): inspecting a run's
 * results while it runs must not end it. */
static void
test_reader_mid_run(void)
{
  char *dir = tu_tmpdir();
  char *path = g_build_filename(dir, "run.db", NULL);
  GError *error = NULL;
  sim_metrics *m;
  sim_results *r = start_run(path, &info, &m);
  reader rd = {path, 0, 300};
  GThread *t = g_thread_new("reader", reader_thread, &rd);
  while (!g_atomic_int_get(&rd.holding))
    g_usleep(1000);
  record_window(m, 1);
  gint64 t0 = g_get_monotonic_time();
  g_assert_true(sim_results_flush(r, m, &error));
  g_assert_no_error(error);
  gint64 waited_ms = (g_get_monotonic_time() - t0) / 1000;
  g_thread_join(t);
  g_test_message("the flush waited %" G_GINT64_FORMAT " ms for the reader", waited_ms);
  sim_results_close(r);
  sim_metrics_free(m);
  sqlite3 *db = db_open(path);
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM series"), ==, 4);
  sqlite3_close(db);
  g_free(path);
  tu_rmtree(dir);
  g_free(dir);
}

/* Child of test_sigkill: create, flush two windows, start a third write
 * from a second connection that is cut short, and die by SIGKILL. */
static void G_GNUC_NORETURN
sigkill_child(const char *path)
{
  GError *error = NULL;
  sim_metrics *m = sim_metrics_new();
  sim_results *r = sim_results_create(path, &info, &error);
  if (!r)
    _exit(2);
  record_window(m, 0);
  if (!sim_results_flush(r, m, &error))
    _exit(3);
  record_window(m, 1);
  if (!sim_results_flush(r, m, &error))
    _exit(4);
  /* a transaction in progress, large enough to spill into the file */
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK
      || sqlite3_exec(db, "PRAGMA cache_size = 8; BEGIN IMMEDIATE;"
                          " WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i"
                          " WHERE n < 50000)"
                          " INSERT INTO series(run_id, metric_id, t0_ns, t_ns, count, sum,"
                          " min, max)"
                          " SELECT 1, 0, 2000000000, 3000000000 + n, n, n, n, n FROM i;",
                      NULL, NULL, NULL) != SQLITE_OK)
    _exit(5);
  raise(SIGKILL);
  _exit(6);
}

static void
test_sigkill(void)
{
  char *dir = tu_tmpdir();
  char *path = g_build_filename(dir, "killed.db", NULL);
  pid_t pid = fork();
  g_assert_cmpint(pid, >=, 0);
  if (pid == 0)
    sigkill_child(path);
  int status = 0;
  g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
  if (WIFEXITED(status))
    g_test_message("child exited with %d", WEXITSTATUS(status));
  g_assert_true(WIFSIGNALED(status));
  g_assert_cmpint(WTERMSIG(status), ==, SIGKILL);

  /* the cut-short transaction left a hot journal behind */
  char *journal = g_strconcat(path, "-journal", NULL);
  g_assert_true(g_file_test(journal, G_FILE_TEST_EXISTS));

  sqlite3 *db = db_open(path);
  assert_text(db, "PRAGMA integrity_check", "ok");
  assert_text(db, "SELECT status FROM run", "running");
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM metric"), ==, PL_METRIC_COUNT);
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM series"), ==, 4);
  g_assert_cmpint(q_int(db, "SELECT count(DISTINCT t_ns) FROM series"), ==, 2);
  char *sql = g_strdup_printf("SELECT sum(count) FROM series WHERE metric_id = %d",
                              PL_METRIC_PING_RTT_MS);
  g_assert_cmpint(q_int(db, sql), ==, 4);
  g_free(sql);
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM summary"), ==, 0);
  sqlite3_close(db);
  g_assert_false(g_file_test(journal, G_FILE_TEST_EXISTS));   /* rolled back */
  g_free(journal);
  g_free(path);
  tu_rmtree(dir);
  g_free(dir);
}

/* Paths that cannot be written give a GError naming the path. */
static void
test_unwritable(void)
{
  char *dir = tu_tmpdir();
  char *file = g_build_filename(dir, "plain-file", NULL);
  write_file(file, "x");
  GError *error = NULL;

  /* parent is a regular file */
  char *path = g_build_filename(file, "sub", "run.db", NULL);
  sim_results *r = sim_results_create(path, &info, &error);
  g_assert_null(r);
  g_assert_error(error, SIM_RESULTS_ERROR, SIM_RESULTS_ERROR_FILE);
  g_assert_nonnull(strstr(error->message, path));
  g_clear_error(&error);
  g_free(path);

  /* path is a directory */
  r = sim_results_create(dir, &info, &error);
  g_assert_null(r);
  g_assert_error(error, SIM_RESULTS_ERROR, SIM_RESULTS_ERROR_FILE);
  g_assert_nonnull(strstr(error->message, "directory"));
  g_clear_error(&error);

  /* a stale companion that cannot be removed (a directory) */
  path = g_build_filename(dir, "run.db", NULL);
  char *wal = g_strconcat(path, "-wal", NULL);
  g_assert_cmpint(g_mkdir(wal, 0700), ==, 0);
  r = sim_results_create(path, &info, &error);
  g_assert_null(r);
  g_assert_error(error, SIM_RESULTS_ERROR, SIM_RESULTS_ERROR_FILE);
  g_assert_nonnull(strstr(error->message, wal));
  g_clear_error(&error);
  g_rmdir(wal);
  g_free(wal);

  /* SQLite errors: another connection holds the database locked (for
   * longer than the writer waits: 100 ms here, not the default 30 s) */
  sim_metrics *m = sim_metrics_new();
  r = sim_results_create(path, &info, &error);
  g_assert_no_error(error);
  sim_results_set_busy_timeout(r, 100);
  sqlite3 *db = db_open(path);
  g_assert_cmpint(sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL), ==, SQLITE_OK);
  record_window(m, 0);
  g_assert_false(sim_results_flush(r, m, &error));
  g_assert_error(error, SIM_RESULTS_ERROR, SIM_RESULTS_ERROR_SQLITE);
  g_assert_nonnull(strstr(error->message, path));
  g_assert_nonnull(strstr(error->message, "locked"));
  g_clear_error(&error);
  size_t n;
  sim_metrics_pending(m, &n);
  g_assert_cmpuint(n, ==, 2);                  /* kept for the next try */
  g_assert_false(sim_results_finish(r, m, &final_complete, NULL, 0, &error));
  g_assert_error(error, SIM_RESULTS_ERROR, SIM_RESULTS_ERROR_SQLITE);
  g_clear_error(&error);
  g_assert_cmpint(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_true(sim_results_flush(r, m, &error));
  g_assert_no_error(error);
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM series"), ==, 2);
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM metric"), ==, PL_METRIC_COUNT);
  sqlite3_close(db);
  sim_results_close(r);
  sim_metrics_free(m);
  g_free(path);
  g_free(file);
  tu_rmtree(dir);
  g_free(dir);
}

/* Paths that are not a file to replace are refused before anything is
 * created or removed, and left as they were: empty, a FIFO, a link to a
 * FIFO, a FIFO companion.  A dangling link is replaced like a file. */
static void
test_refused_paths(void)
{
  char *dir = tu_tmpdir();
  GError *error = NULL;

  g_assert_false(sim_results_check_path("", &error));
  g_assert_error(error, SIM_RESULTS_ERROR, SIM_RESULTS_ERROR_FILE);
  g_assert_nonnull(strstr(error->message, "empty path"));
  g_clear_error(&error);
  g_assert_null(sim_results_create("", &info, &error));
  g_assert_error(error, SIM_RESULTS_ERROR, SIM_RESULTS_ERROR_FILE);
  g_clear_error(&error);

  char *fifo = g_build_filename(dir, "fifo", NULL);
  g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
  g_assert_null(sim_results_create(fifo, &info, &error));
  g_assert_error(error, SIM_RESULTS_ERROR, SIM_RESULTS_ERROR_FILE);
  g_assert_true(g_str_has_prefix(error->message, fifo));
  g_assert_nonnull(strstr(error->message, "a FIFO"));
  g_clear_error(&error);
  GStatBuf st;
  g_assert_cmpint(g_lstat(fifo, &st), ==, 0);
  g_assert_true(S_ISFIFO(st.st_mode));

  char *link = g_build_filename(dir, "link", NULL);
  g_assert_cmpint(symlink(fifo, link), ==, 0);
  g_assert_null(sim_results_create(link, &info, &error));
  g_assert_error(error, SIM_RESULTS_ERROR, SIM_RESULTS_ERROR_FILE);
  g_assert_nonnull(strstr(error->message, "symbolic link to a FIFO"));
  g_clear_error(&error);
  g_assert_cmpint(g_lstat(link, &st), ==, 0);
  g_assert_true(S_ISLNK(st.st_mode));

  /* a FIFO companion: refused before the database itself is removed */
  char *path = g_build_filename(dir, "run.db", NULL);
  char *journal = g_strconcat(path, "-journal", NULL);
  write_file(path, "old");
  g_assert_cmpint(mkfifo(journal, 0600), ==, 0);
  g_assert_null(sim_results_create(path, &info, &error));
  g_assert_error(error, SIM_RESULTS_ERROR, SIM_RESULTS_ERROR_FILE);
  g_assert_true(g_str_has_prefix(error->message, path));
  g_assert_nonnull(strstr(error->message, journal));
  g_clear_error(&error);
  g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint(g_lstat(journal, &st), ==, 0);
  g_assert_true(S_ISFIFO(st.st_mode));

  /* a dangling link is replaced by the database */
  char *dangling = g_build_filename(dir, "dangling", NULL);
  g_assert_cmpint(symlink("nowhere", dangling), ==, 0);
  g_assert_true(sim_results_check_path(dangling, &error));
  sim_results *r = sim_results_create(dangling, &info, &error);
  g_assert_no_error(error);
  sim_results_close(r);
  g_assert_cmpint(g_lstat(dangling, &st), ==, 0);
  g_assert_true(S_ISREG(st.st_mode));

  g_free(dangling);
  g_free(journal);
  g_free(path);
  g_free(link);
  g_free(fifo);
  tu_rmtree(dir);
  g_free(dir);
}

/* analysis/views.sql loads into a finished database and its views answer. */
/* A run with an id and parameters (as `peerlab sweep` starts it): the run
 * row, run_param rows (a later duplicate key wins, blanks stripped) and
 * every per-run row carry that id; a second finish replaces only this
 * run's rows. */
static void
test_params(void)
{
  char *dir = tu_tmpdir();
  char *path = g_build_filename(dir, "run.db", NULL);
  const char *const params[] = {
    "protocol.peer.target_peers=8",
    " network.loss = 0.01 ",
    "run.duration=20s",
    "protocol.peer.target_peers=12",
    NULL,
  };
  sim_run_info with = info;
  with.id = 7;
  with.params = params;
  GError *error = NULL;
  sim_metrics *m;
  sim_results *r = start_run(path, &with, &m);
  record_window(m, 1);
  g_assert_true(sim_results_finish(r, m, &final_complete, NULL, 0, &error));
  g_assert_true(sim_results_finish(r, m, &final_complete, NULL, 0, &error));
  g_assert_no_error(error);
  sim_results_close(r);
  sim_metrics_free(m);

  sqlite3 *db = db_open(path);
  g_assert_cmpint(q_int(db, "SELECT id FROM run"), ==, 7);
  assert_text(db, "SELECT status FROM run WHERE id = 7", "complete");
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM run_param WHERE run_id = 7"), ==, 3);
  assert_text(db, "SELECT group_concat(key || '=' || value, ';') FROM"
                  " (SELECT key, value FROM run_param ORDER BY key)",
              "network.loss=0.01;protocol.peer.target_peers=12;run.duration=20s");
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM series WHERE run_id = 7"), ==, 4);
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM summary WHERE run_id = 7"), ==, 2);
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM summary WHERE run_id <> 7"), ==, 0);
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM histogram WHERE run_id <> 7"), ==, 0);
  /* foreign keys hold */
  sqlite3_stmt *st = NULL;
  g_assert_cmpint(sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st, NULL), ==,
                  SQLITE_OK);
  g_assert_cmpint(sqlite3_step(st), ==, SQLITE_DONE);
  sqlite3_finalize(st);
  /* the primary keys: one run_param per key, one summary per metric */
  g_assert_cmpint(sqlite3_exec(db, "INSERT INTO run_param VALUES (7, 'network.loss', '0')",
                               NULL, NULL, NULL), ==, SQLITE_CONSTRAINT);
  g_assert_cmpint(sqlite3_exec(db, "INSERT INTO summary SELECT * FROM summary LIMIT 1",
                               NULL, NULL, NULL), ==, SQLITE_CONSTRAINT);
  /* the views show the parameters */
  char *views_path = tu_source_path("analysis/views.sql");
  char *sql = NULL;
  g_assert_true(g_file_get_contents(views_path, &sql, NULL, &error));
  g_assert_no_error(error);
  g_assert_cmpint(sqlite3_exec(db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  assert_text(db, "SELECT params FROM run_overview WHERE run_id = 7",
              "network.loss=0.01, protocol.peer.target_peers=12, run.duration=20s");
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM summary_by_param"), ==, 6);
  assert_text(db, "SELECT value FROM summary_by_param WHERE name = 'ping.rtt_ms'"
                  " AND key = 'protocol.peer.target_peers'", "12");
  g_free(sql);
  g_free(views_path);
  sqlite3_close(db);
  g_free(path);
  tu_rmtree(dir);
  g_free(dir);
}

/* The parameter splitter used for run_param rows. */
static void
test_split_param(void)
{
  char *k = NULL, *v = NULL;
  g_assert_true(sim_results_split_param(" a.b = c=d ", &k, &v));
  g_assert_cmpstr(k, ==, "a.b");
  g_assert_cmpstr(v, ==, "c=d");
  g_free(k);
  g_free(v);
  g_assert_true(sim_results_split_param("a.b=", &k, &v));
  g_assert_cmpstr(v, ==, "");
  g_free(k);
  g_free(v);
  k = v = NULL;
  g_assert_false(sim_results_split_param("a.b", &k, &v));
  g_assert_false(sim_results_split_param(" =x", &k, &v));
  g_assert_null(k);
  g_assert_null(v);
}

static void
test_views(void)
{
  char *dir = tu_tmpdir();
  char *path = g_build_filename(dir, "run.db", NULL);
  write_finished(path, &final_complete);
  char *views_path = tu_source_path("analysis/views.sql");
  char *sql = NULL;
  GError *error = NULL;
  g_assert_true(g_file_get_contents(views_path, &sql, NULL, &error));
  g_assert_no_error(error);

  sqlite3 *db = db_open(path);
  char *err = NULL;
  for (int pass = 0; pass < 2; pass++) {      /* loading twice is fine */
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
      g_error("views.sql: %s", err);
  }
  static const char *const views[] = {
    "run_overview", "metric_summary", "series_named", "series_rate",
    "failed_expectations", "histogram_named",
  };
  /* summary_by_param is empty for a run without parameters */
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM summary_by_param"), ==, 0);
  assert_text(db, "SELECT coalesce(params, 'none') FROM run_overview WHERE run_id = 1", "none");
  for (size_t i = 0; i < G_N_ELEMENTS(views); i++) {
    char *q = g_strdup_printf("SELECT count(*) FROM %s", views[i]);
    g_test_message("view %s", views[i]);
    g_assert_cmpint(q_int(db, q), >, 0);
    g_free(q);
  }
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM metric_summary"), ==, 3);
  g_assert_cmpfloat(q_double(db, "SELECT p99 FROM metric_summary WHERE name = 'ping.rtt_ms'"),
                    ==, 40);
  g_assert_cmpfloat(q_double(db, "SELECT sum_per_s FROM series_rate"
                                 " WHERE name = 'msg.sent' AND t_s = 1"), ==, 3);
  g_assert_cmpfloat(q_double(db, "SELECT count_per_s FROM series_rate"
                                 " WHERE name = 'ping.rtt_ms' AND t_s = 2"), ==, 1);
  g_assert_cmpfloat(q_double(db, "SELECT mean FROM series_named"
                                 " WHERE name = 'ping.rtt_ms' AND t_s = 1"), ==, 20);
  assert_text(db, "SELECT label FROM failed_expectations", "peers");
  g_assert_cmpint(q_int(db, "SELECT count(*) FROM failed_expectations"), ==, 1);
  g_assert_cmpfloat(q_double(db, "SELECT speedup FROM run_overview"), ==, 2.0 / 1.5);
  g_assert_cmpfloat(q_double(db, "SELECT peak_rss_mib FROM run_overview"), ==, 100);
  g_assert_cmpfloat(q_double(db, "SELECT max(cumulative) FROM histogram_named"
                                 " WHERE name = 'ping.rtt_ms'"), ==, 1);
  g_assert_cmpfloat(q_double(db, "SELECT cumulative FROM histogram_named"
                                 " WHERE name = 'ping.rtt_ms' AND lo <= 20 AND 20 < hi"),
                    ==, 0.5);
  sqlite3_close(db);
  g_free(sql);
  g_free(views_path);
  g_free(path);
  tu_rmtree(dir);
  g_free(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/results/full", test_full);
  g_test_add_func("/results/replace", test_replace);
  g_test_add_func("/results/interrupted", test_interrupted);
  g_test_add_func("/results/sigkill", test_sigkill);
  g_test_add_func("/results/reader-mid-run", test_reader_mid_run);
  g_test_add_func("/results/unwritable", test_unwritable);
  g_test_add_func("/results/refused-paths", test_refused_paths);
  g_test_add_func("/results/views", test_views);
  g_test_add_func("/results/params", test_params);
  g_test_add_func("/results/split-param", test_split_param);
  return g_test_run();
}
