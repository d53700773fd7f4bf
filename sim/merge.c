/*
 * merge.c — see merge.h; docs/sweeps.md describes the command.
 *
 * One connection on the output (a temporary file renamed at the end);
 * each input is ATTACHed in turn as "src" and copied with INSERT ..
 * SELECT through two temporary id maps (run ids, metric ids), in rowid
 * order so that the same inputs always give the same file.
 */
#include "merge.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "options.h"
#include "results.h"

G_DEFINE_QUARK(sim-merge-error-quark, sim_merge_error)

enum { EXIT_OK = 0, EXIT_USAGE = 2, EXIT_RUNTIME = 3 };

#define PLAN_FILE "sweep-plan.ini"
#define PLAN_GROUP "sweep"

/* ------------------------------------------------------------------ plan */

void
sim_merge_plan_clear(sim_merge_plan *plan)
{
  g_free(plan->sweep_file);
  g_free(plan->sweep_grid);
  memset(plan, 0, sizeof *plan);
}

gboolean
sim_merge_plan_save(const sim_merge_plan *plan, const char *dir, GError **error)
{
  GKeyFile *kf = g_key_file_new();
  g_key_file_set_comment(kf, NULL, NULL,
                         " written by peerlab sweep; read by peerlab merge for the meta rows",
                         NULL);
  g_key_file_set_string(kf, PLAN_GROUP, "sweep_file", plan->sweep_file);
  g_key_file_set_string(kf, PLAN_GROUP, "sweep_grid", plan->sweep_grid);
  g_key_file_set_uint64(kf, PLAN_GROUP, "seeds", plan->seeds);
  g_key_file_set_uint64(kf, PLAN_GROUP, "runs", plan->runs);
  char *path = g_build_filename(dir, PLAN_FILE, NULL);
  gboolean ok = g_key_file_save_to_file(kf, path, error);
  g_free(path);
  g_key_file_free(kf);
  return ok;
}

gboolean
sim_merge_plan_load(sim_merge_plan *plan, const char *dir, GError **error)
{
  memset(plan, 0, sizeof *plan);
  char *path = g_build_filename(dir, PLAN_FILE, NULL);
  if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
    g_free(path);
    return FALSE;
  }
  GKeyFile *kf = g_key_file_new();
  GError *e = NULL;
  gboolean ok = g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &e);
  if (ok)
    plan->sweep_file = g_key_file_get_string(kf, PLAN_GROUP, "sweep_file", &e);
  if (!e)
    plan->sweep_grid = g_key_file_get_string(kf, PLAN_GROUP, "sweep_grid", &e);
  uint64_t seeds = 0, runs = 0;
  if (!e)
    seeds = g_key_file_get_uint64(kf, PLAN_GROUP, "seeds", &e);
  if (!e)
    runs = g_key_file_get_uint64(kf, PLAN_GROUP, "runs", &e);
  if (e) {
    g_set_error(error, SIM_MERGE_ERROR, SIM_MERGE_ERROR_INPUT, "%s: %s", path, e->message);
    g_error_free(e);
    sim_merge_plan_clear(plan);
    ok = FALSE;
  } else {
    plan->seeds = (uint32_t)MIN(seeds, UINT32_MAX);
    plan->runs = (uint32_t)MIN(runs, UINT32_MAX);
    ok = TRUE;
  }
  g_key_file_free(kf);
  g_free(path);
  return ok;
}

/* --------------------------------------------------------------- inputs */

/* A non-empty string of digits? */
static gboolean
all_digits(const char *s, size_t n)
{
  if (n == 0 || n > 18)
    return FALSE;
  for (size_t i = 0; i < n; i++)
    if (!g_ascii_isdigit(s[i]))
      return FALSE;
  return TRUE;
}

static int
cmp_numeric(const void *a, const void *b)
{
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  int64_t nx = g_ascii_strtoll(x, NULL, 10), ny = g_ascii_strtoll(y, NULL, 10);
  return nx < ny ? -1 : nx > ny ? 1 : strcmp(x, y);
}

static int
cmp_name(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char **
sim_merge_dir_inputs(const char *dir, GError **error)
{
  char *runs = g_build_filename(dir, "runs", NULL);
  GError *e = NULL;
  GDir *d = g_dir_open(runs, 0, &e);
  if (!d) {
    if (g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT) ||
        g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOTDIR))
      g_set_error(error, SIM_MERGE_ERROR, SIM_MERGE_ERROR_INPUT,
                  "%s: not a sweep directory: it has no runs/ directory (peerlab sweep "
                  "writes each run to DIR/runs/ID.db); give a sweep's directory, or "
                  "database files and --out FILE", dir);
    else
      g_set_error(error, SIM_MERGE_ERROR, SIM_MERGE_ERROR_INPUT,
                  "%s: the runs directory cannot be read (%s)", dir, e->message);
    g_error_free(e);
    g_free(runs);
    return NULL;
  }
  GPtrArray *names = g_ptr_array_new();
  gboolean numeric = TRUE;
  const char *name;
  while ((name = g_dir_read_name(d))) {
    size_t n = strlen(name);
    if (n <= 3 || strcmp(name + n - 3, ".db") != 0)
      continue;
    numeric = numeric && all_digits(name, n - 3);
    g_ptr_array_add(names, (gpointer)g_strdup(name));
  }
  g_dir_close(d);
  if (names->len > 1) /* an empty GPtrArray's pdata is NULL, which qsort may not take */
    qsort(names->pdata, names->len, sizeof(gpointer), numeric ? cmp_numeric : cmp_name);
  char **out = g_new0(char *, names->len + 1);
  for (guint i = 0; i < names->len; i++) {
    out[i] = g_build_filename(runs, g_ptr_array_index(names, i), NULL);
    g_free(g_ptr_array_index(names, i));
  }
  g_ptr_array_free(names, TRUE);
  g_free(runs);
  return out;
}

/* ---------------------------------------------------------------- merge */

typedef struct merger {
  sqlite3 *db;            /* connection on the temporary output */
  const char *out;        /* output path, for messages */
  GHashTable *metric_ids; /* name -> GINT_TO_POINTER(id + 1) */
  GHashTable *metric_kinds; /* name -> kind (owned strings) */
  GHashTable *used_ids;   /* metric ids taken, GINT_TO_POINTER(id + 1) */
  int64_t max_metric;     /* largest metric id taken, -1 for none */
} merger;

static gboolean
sql_fail(sqlite3 *db, const char *file, GError **error, int code, const char *what)
{
  g_set_error(error, SIM_MERGE_ERROR, code, "%s: %s: %s", file, what, sqlite3_errmsg(db));
  return FALSE;
}

static gboolean
exec(merger *m, const char *sql, const char *file, GError **error, int code, const char *what)
{
  if (sqlite3_exec(m->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return sql_fail(m->db, file, error, code, what);
  return TRUE;
}

/* Run |sql| (one statement) and return its first column of the first row
 * as an integer; |ok| FALSE on an SQLite error. */
static int64_t
query_int(sqlite3 *db, const char *sql, gboolean *ok)
{
  sqlite3_stmt *st = NULL;
  int64_t v = 0;
  *ok = FALSE;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    return 0;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    v = sqlite3_column_int64(st, 0);
    *ok = TRUE;
  } else if (rc == SQLITE_DONE) {
    *ok = TRUE;
  }
  sqlite3_finalize(st);
  return v;
}

static gboolean
attach(merger *m, const char *file, GError **error)
{
  if (!g_file_test(file, G_FILE_TEST_IS_REGULAR)) {
    g_set_error(error, SIM_MERGE_ERROR, SIM_MERGE_ERROR_INPUT, "%s: no such database file",
                file);
    return FALSE;
  }
  sqlite3_stmt *st = NULL;
  gboolean ok = sqlite3_prepare_v2(m->db, "ATTACH DATABASE ? AS src", -1, &st, NULL) == SQLITE_OK;
  if (ok) {
    sqlite3_bind_text(st, 1, file, -1, SQLITE_TRANSIENT);
    ok = sqlite3_step(st) == SQLITE_DONE;
  }
  if (!ok)
    sql_fail(m->db, file, error, SIM_MERGE_ERROR_INPUT, "cannot open");
  sqlite3_finalize(st);
  return ok;
}

static void
detach(merger *m)
{
  sqlite3_exec(m->db, "DETACH DATABASE src", NULL, NULL, NULL);
}

/* With src attached: a results database of this schema version with at
 * least one run, all of one scenario name (stored in *name, or compared
 * with it).  Appends its run ids to |ids|. */
static gboolean
check_input(merger *m, const char *file, char **name, const char **name_file, GArray *ids,
            GError **error)
{
  gboolean ok;
  /* reading the schema fails here for a file that is not a database */
  int64_t tables = query_int(m->db, "SELECT count(*) FROM src.sqlite_master", &ok);
  if (!ok)
    return sql_fail(m->db, file, error, SIM_MERGE_ERROR_INPUT, "not a results database");
  int64_t version = query_int(m->db, "PRAGMA src.user_version", &ok);
  if (!ok)
    return sql_fail(m->db, file, error, SIM_MERGE_ERROR_INPUT, "not a results database");
  if (tables == 0 || version != SIM_RESULTS_SCHEMA_VERSION) {
    g_set_error(error, SIM_MERGE_ERROR, SIM_MERGE_ERROR_INCOMPATIBLE,
                "%s: results schema version %" G_GINT64_FORMAT ", expected %d (written by "
                "another version of peerlab, or not a results database); not merged",
                file, version, SIM_RESULTS_SCHEMA_VERSION);
    return FALSE;
  }
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(m->db, "SELECT id, coalesce(name, '') FROM src.run ORDER BY id", -1,
                         &st, NULL) != SQLITE_OK)
    return sql_fail(m->db, file, error, SIM_MERGE_ERROR_INPUT, "reading its runs");
  guint before = ids->len;
  int rc;
  ok = TRUE;
  while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(st, 0);
    const char *n = (const char *)sqlite3_column_text(st, 1);
    g_array_append_val(ids, id);
    if (!*name) {
      *name = g_strdup(n);
      *name_file = file;
    } else if (strcmp(*name, n) != 0) {
      g_set_error(error, SIM_MERGE_ERROR, SIM_MERGE_ERROR_INCOMPATIBLE,
                  "%s: run %" G_GINT64_FORMAT " is of scenario '%s', but %s is of '%s'; "
                  "only runs of one scenario are merged",
                  file, id, n, *name_file, *name);
      ok = FALSE;
    }
  }
  /* a damaged page ends the loop like the last row would */
  if (ok && rc != SQLITE_DONE)
    ok = sql_fail(m->db, file, error, SIM_MERGE_ERROR_INPUT, "reading its runs");
  sqlite3_finalize(st);
  if (ok && ids->len == before) {
    g_set_error(error, SIM_MERGE_ERROR, SIM_MERGE_ERROR_INPUT, "%s: holds no run", file);
    ok = FALSE;
  }
  return ok;
}

/* With src attached: map src metric ids onto the output's, adding rows
 * for new names (keeping the source id when it is free). */
static gboolean
map_metrics(merger *m, const char *file, GError **error)
{
  sqlite3_stmt *st = NULL, *ins = NULL, *map = NULL;
  gboolean ok = sqlite3_prepare_v2(m->db, "SELECT id, name, kind FROM src.metric ORDER BY id",
                                   -1, &st, NULL) == SQLITE_OK
             && sqlite3_prepare_v2(m->db, "INSERT INTO main.metric(id, name, kind)"
                                   " VALUES (?, ?, ?)", -1, &ins, NULL) == SQLITE_OK
             && sqlite3_prepare_v2(m->db, "INSERT INTO temp.mmap(src, dst) VALUES (?, ?)",
                                   -1, &map, NULL) == SQLITE_OK;
  if (!ok)
    sql_fail(m->db, file, error, SIM_MERGE_ERROR_OUTPUT, "mapping metrics");
  int rc;
  while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(st, 0);
    const char *name = (const char *)sqlite3_column_text(st, 1);
    const char *kind = (const char *)sqlite3_column_text(st, 2);
    name = name ? name : "";
    kind = kind ? kind : "";
    gpointer have = g_hash_table_lookup(m->metric_ids, name);
    int64_t dst;
    if (have) {
      dst = GPOINTER_TO_INT(have) - 1;
      const char *k = g_hash_table_lookup(m->metric_kinds, name);
      if (strcmp(k, kind) != 0) {
        g_set_error(error, SIM_MERGE_ERROR, SIM_MERGE_ERROR_INCOMPATIBLE,
                    "%s: metric '%s' is a %s here but a %s in an earlier input", file, name,
                    kind, k);
        ok = FALSE;
        break;
      }
    } else {
      dst = id >= 0 && id < G_MAXINT - 1
                    && !g_hash_table_contains(m->used_ids, GINT_TO_POINTER((int)id + 1))
                ? id
                : m->max_metric + 1;
      g_hash_table_insert(m->metric_ids, g_strdup(name), GINT_TO_POINTER((int)dst + 1));
      g_hash_table_insert(m->metric_kinds, g_strdup(name), g_strdup(kind));
      g_hash_table_add(m->used_ids, GINT_TO_POINTER((int)dst + 1));
      m->max_metric = MAX(m->max_metric, dst);
      sqlite3_bind_int64(ins, 1, dst);
      sqlite3_bind_text(ins, 2, name, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(ins, 3, kind, -1, SQLITE_TRANSIENT);
      ok = sqlite3_step(ins) == SQLITE_DONE;
      sqlite3_reset(ins);
      if (!ok)
        sql_fail(m->db, file, error, SIM_MERGE_ERROR_OUTPUT, "writing a metric row");
    }
    if (ok) {
      sqlite3_bind_int64(map, 1, id);
      sqlite3_bind_int64(map, 2, dst);
      ok = sqlite3_step(map) == SQLITE_DONE;
      sqlite3_reset(map);
      if (!ok)
        sql_fail(m->db, file, error, SIM_MERGE_ERROR_OUTPUT, "mapping a metric");
    }
  }
  if (ok && rc != SQLITE_DONE)
    ok = sql_fail(m->db, file, error, SIM_MERGE_ERROR_INPUT, "reading its metrics");
  sqlite3_finalize(st);
  sqlite3_finalize(ins);
  sqlite3_finalize(map);
  return ok;
}

static const char copy_sql[] =
  "INSERT INTO main.run(id, name, scenario_path, scenario_text, seed, version, git_rev,"
  "  started_at, nodes, duration_ns, status, trace, events, virtual_ns, wall_s,"
  "  peak_rss_bytes, error)"
  " SELECT r.dst, s.name, s.scenario_path, s.scenario_text, s.seed, s.version, s.git_rev,"
  "  s.started_at, s.nodes, s.duration_ns, s.status, s.trace, s.events, s.virtual_ns,"
  "  s.wall_s, s.peak_rss_bytes, s.error"
  " FROM src.run s JOIN temp.rmap r ON r.src = s.id ORDER BY s.id;"
  "INSERT INTO main.run_param(run_id, key, value)"
  " SELECT r.dst, s.key, s.value FROM src.run_param s JOIN temp.rmap r ON r.src = s.run_id"
  " ORDER BY s.rowid;"
  "INSERT INTO main.series(run_id, metric_id, t0_ns, t_ns, count, sum, min, max)"
  " SELECT r.dst, m.dst, s.t0_ns, s.t_ns, s.count, s.sum, s.min, s.max"
  " FROM src.series s JOIN temp.rmap r ON r.src = s.run_id"
  " JOIN temp.mmap m ON m.src = s.metric_id ORDER BY s.rowid;"
  "INSERT INTO main.summary(run_id, metric_id, count, sum, mean, min, max, p50, p90, p99, last)"
  " SELECT r.dst, m.dst, s.count, s.sum, s.mean, s.min, s.max, s.p50, s.p90, s.p99, s.last"
  " FROM src.summary s JOIN temp.rmap r ON r.src = s.run_id"
  " JOIN temp.mmap m ON m.src = s.metric_id ORDER BY s.rowid;"
  "INSERT INTO main.histogram(run_id, metric_id, lo, hi, count)"
  " SELECT r.dst, m.dst, s.lo, s.hi, s.count"
  " FROM src.histogram s JOIN temp.rmap r ON r.src = s.run_id"
  " JOIN temp.mmap m ON m.src = s.metric_id ORDER BY s.rowid;"
  "INSERT INTO main.expectation(run_id, id, label, expr, metric, stat, op, value, observed,"
  "  pass)"
  " SELECT r.dst, s.id, s.label, s.expr, s.metric, s.stat, s.op, s.value, s.observed, s.pass"
  " FROM src.expectation s JOIN temp.rmap r ON r.src = s.run_id ORDER BY s.rowid;";

/* With src attached: copy its runs under the ids |dst[i]| for its runs in
 * id order, and warn about the runs that are not complete. */
static gboolean
copy_input(merger *m, const char *file, const int64_t *dst, guint n, GPtrArray *warnings,
           GError **error)
{
  if (!exec(m, "BEGIN; DELETE FROM temp.rmap; DELETE FROM temp.mmap;", file, error,
            SIM_MERGE_ERROR_OUTPUT, "starting"))
    return FALSE;
  sqlite3_stmt *st = NULL, *ins = NULL;
  gboolean ok = sqlite3_prepare_v2(m->db, "SELECT id FROM src.run ORDER BY id", -1, &st, NULL)
                    == SQLITE_OK
             && sqlite3_prepare_v2(m->db, "INSERT INTO temp.rmap(src, dst) VALUES (?, ?)", -1,
                                   &ins, NULL) == SQLITE_OK;
  guint i = 0;
  for (; ok && i < n && sqlite3_step(st) == SQLITE_ROW; i++) {
    sqlite3_bind_int64(ins, 1, sqlite3_column_int64(st, 0));
    sqlite3_bind_int64(ins, 2, dst[i]);
    ok = sqlite3_step(ins) == SQLITE_DONE;
    sqlite3_reset(ins);
  }
  if (!ok)
    sql_fail(m->db, file, error, SIM_MERGE_ERROR_OUTPUT, "mapping run ids");
  else if (i < n) /* check_input counted n runs: stepping failed */
    ok = sql_fail(m->db, file, error, SIM_MERGE_ERROR_INPUT, "reading its runs");
  sqlite3_finalize(st);
  sqlite3_finalize(ins);
  ok = ok && map_metrics(m, file, error)
       && exec(m, copy_sql, file, error, SIM_MERGE_ERROR_INPUT, "copying its rows");
  if (ok && warnings) {
    st = NULL;
    int rc = SQLITE_DONE;
    ok = sqlite3_prepare_v2(m->db, "SELECT r.dst, s.status FROM src.run s"
                            " JOIN temp.rmap r ON r.src = s.id"
                            " WHERE s.status <> 'complete' ORDER BY s.id", -1, &st, NULL)
         == SQLITE_OK;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW)
      g_ptr_array_add(warnings,
                      g_strdup_printf("%s: run %" G_GINT64_FORMAT " has status '%s', not "
                                      "'complete' (merged anyway)", file,
                                      (int64_t)sqlite3_column_int64(st, 0),
                                      (const char *)sqlite3_column_text(st, 1)));
    if (!ok || rc != SQLITE_DONE)
      ok = sql_fail(m->db, file, error, SIM_MERGE_ERROR_INPUT, "reading its runs");
    sqlite3_finalize(st);
  }
  if (ok)
    ok = exec(m, "COMMIT", file, error, SIM_MERGE_ERROR_OUTPUT, "committing");
  if (!ok)
    sqlite3_exec(m->db, "ROLLBACK", NULL, NULL, NULL);
  return ok;
}

/* The grid of the merged runs' parameters, as sim_merge documents; NULL
 * with |error| set when reading them back fails. */
static char *
reconstruct_grid(merger *m, GError **error)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(m->db, "SELECT key, value FROM run_param ORDER BY run_id, rowid", -1,
                         &st, NULL) != SQLITE_OK) {
    sql_fail(m->db, m->out, error, SIM_MERGE_ERROR_OUTPUT, "reading the merged parameters");
    return NULL;
  }
  GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
  GHashTable *values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify)g_ptr_array_unref);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *k = (const char *)sqlite3_column_text(st, 0);
    const char *v = (const char *)sqlite3_column_text(st, 1);
    GPtrArray *vals = g_hash_table_lookup(values, k);
    if (!vals) {
      vals = g_ptr_array_new_with_free_func(g_free);
      g_hash_table_insert(values, g_strdup(k), vals);
      g_ptr_array_add(keys, g_strdup(k));
    }
    gboolean seen = FALSE;
    for (guint i = 0; i < vals->len && !seen; i++)
      seen = strcmp(g_ptr_array_index(vals, i), v) == 0;
    if (!seen)
      g_ptr_array_add(vals, g_strdup(v));
  }
  if (rc != SQLITE_DONE) {
    sql_fail(m->db, m->out, error, SIM_MERGE_ERROR_OUTPUT, "reading the merged parameters");
    sqlite3_finalize(st);
    g_hash_table_destroy(values);
    g_ptr_array_free(keys, TRUE);
    return NULL;
  }
  sqlite3_finalize(st);
  GString *j = g_string_new("{");
  for (guint i = 0; i < keys->len; i++) {
    const char *k = g_ptr_array_index(keys, i);
    GPtrArray *vals = g_hash_table_lookup(values, k);
    if (i)
      g_string_append_c(j, ',');
    sim_export_json_string(j, k);
    g_string_append(j, ":[");
    for (guint v = 0; v < vals->len; v++) {
      if (v)
        g_string_append_c(j, ',');
      sim_export_json_string(j, g_ptr_array_index(vals, v));
    }
    g_string_append_c(j, ']');
  }
  g_string_append_c(j, '}');
  g_hash_table_destroy(values);
  g_ptr_array_free(keys, TRUE);
  return g_string_free(j, FALSE);
}

/* Run |sql| (one statement) and return its first column of the first row
 * as a new string (NULL for no row or a NULL value); |ok| FALSE on an
 * SQLite error. */
static char *
query_text(sqlite3 *db, const char *sql, gboolean *ok)
{
  sqlite3_stmt *st = NULL;
  char *v = NULL;
  *ok = FALSE;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    return NULL;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
    v = g_strdup((const char *)sqlite3_column_text(st, 0));
  *ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
  sqlite3_finalize(st);
  return v;
}

static gboolean
write_meta(merger *m, const sim_merge_plan *plan, guint n_runs, GPtrArray *warnings,
           GError **error)
{
  char *file, *grid;
  uint64_t seeds;
  if (plan) {
    file = g_strdup(plan->sweep_file);
    grid = g_strdup(plan->sweep_grid);
    seeds = plan->seeds;
    if (warnings && plan->runs != n_runs)
      g_ptr_array_add(warnings,
                      g_strdup_printf("%s: %u of the sweep's %u runs merged", m->out, n_runs,
                                      plan->runs));
  } else {
    gboolean ok;
    file = query_text(m->db, "SELECT scenario_path FROM run ORDER BY id LIMIT 1", &ok);
    seeds = ok ? (uint64_t)query_int(m->db, "SELECT count(DISTINCT seed) FROM run", &ok) : 0;
    if (!ok) {
      g_free(file);
      return sql_fail(m->db, m->out, error, SIM_MERGE_ERROR_OUTPUT, "reading the merged runs");
    }
    if (!(grid = reconstruct_grid(m, error))) {
      g_free(file);
      return FALSE;
    }
  }
  sqlite3_stmt *st = NULL;
  gboolean ok = sqlite3_prepare_v2(m->db, "INSERT INTO meta(key, value) VALUES"
                                   " ('schema_version', ?1), ('generator', 'peerlab'),"
                                   " ('kind', 'sweep'), ('sweep_file', ?2),"
                                   " ('sweep_grid', ?3), ('seeds', ?4)", -1, &st, NULL)
                == SQLITE_OK;
  if (ok) {
    char version[16], nseeds[24];
    g_snprintf(version, sizeof version, "%d", SIM_RESULTS_SCHEMA_VERSION);
    g_snprintf(nseeds, sizeof nseeds, "%" G_GUINT64_FORMAT, seeds);
    sqlite3_bind_text(st, 1, version, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, file ? file : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, grid ? grid : "{}", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, nseeds, -1, SQLITE_TRANSIENT);
    ok = sqlite3_step(st) == SQLITE_DONE;
  }
  if (!ok)
    sql_fail(m->db, m->out, error, SIM_MERGE_ERROR_OUTPUT, "writing meta");
  sqlite3_finalize(st);
  g_free(file);
  g_free(grid);
  return ok;
}

static void
remove_with_companions(const char *path)
{
  static const char *const suffixes[] = { "", "-journal", "-wal", "-shm" };
  for (size_t i = 0; i < G_N_ELEMENTS(suffixes); i++) {
    char *f = g_strconcat(path, suffixes[i], NULL);
    g_unlink(f);
    g_free(f);
  }
}

gboolean
sim_merge(const char *out_path, const char *const *inputs, size_t n_inputs,
          const sim_merge_plan *plan, GPtrArray *warnings, GError **error)
{
  g_assert(out_path != NULL && (inputs != NULL || n_inputs == 0));
  if (n_inputs == 0) {
    g_set_error(error, SIM_MERGE_ERROR, SIM_MERGE_ERROR_INPUT, "%s: nothing to merge (no input)",
                out_path);
    return FALSE;
  }
  char *dir = g_path_get_dirname(out_path);
  if (g_mkdir_with_parents(dir, 0777) != 0) {
    int e = errno;
    g_set_error(error, SIM_MERGE_ERROR, SIM_MERGE_ERROR_OUTPUT, "%s: cannot create %s: %s",
                out_path, dir, g_strerror(e));
    g_free(dir);
    return FALSE;
  }
  g_free(dir);
  char *tmp = g_strconcat(out_path, ".tmp", NULL);
  /* Both are removed or replaced below: refuse a device, FIFO, directory
   * or the like there (bad input, as for peerlab run --out). */
  GError *refused = NULL;
  if (!sim_results_check_path(out_path, &refused) || !sim_results_check_path(tmp, &refused)) {
    g_set_error(error, SIM_MERGE_ERROR, SIM_MERGE_ERROR_INPUT, "%s", refused->message);
    g_error_free(refused);
    g_free(tmp);
    return FALSE;
  }
  remove_with_companions(tmp);
  merger m = {
    .out = out_path,
    .metric_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
    .metric_kinds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
    .used_ids = g_hash_table_new(g_direct_hash, g_direct_equal),
    .max_metric = -1,
  };
  GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
  guint *per_input = g_new0(guint, n_inputs);
  char *name = NULL;
  const char *name_file = NULL;
  gboolean ok = sqlite3_open_v2(tmp, &m.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)
                == SQLITE_OK;
  if (!ok)
    sql_fail(m.db, tmp, error, SIM_MERGE_ERROR_OUTPUT, "cannot create");
  if (ok) {
    char *schema = g_strdup_printf("PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF;"
                                   " BEGIN; %s PRAGMA user_version = %d; COMMIT;"
                                   " CREATE TEMP TABLE rmap(src INTEGER PRIMARY KEY,"
                                   " dst INTEGER NOT NULL);"
                                   " CREATE TEMP TABLE mmap(src INTEGER PRIMARY KEY,"
                                   " dst INTEGER NOT NULL);",
                                   sim_results_schema_sql(), SIM_RESULTS_SCHEMA_VERSION);
    ok = exec(&m, schema, tmp, error, SIM_MERGE_ERROR_OUTPUT, "writing the schema");
    g_free(schema);
  }
  /* pass 1: check every input, collect run ids */
  for (size_t i = 0; ok && i < n_inputs; i++) {
    guint before = ids->len;
    ok = attach(&m, inputs[i], error);
    if (ok) {
      ok = check_input(&m, inputs[i], &name, &name_file, ids, error);
      detach(&m);
    }
    per_input[i] = ids->len - before;
  }
  /* keep the ids when they are distinct, else renumber in input order */
  gboolean renumber = FALSE;
  if (ok) {
    GHashTable *seen = g_hash_table_new(g_int64_hash, g_int64_equal);
    for (guint i = 0; i < ids->len && !renumber; i++) {
      int64_t *id = &g_array_index(ids, int64_t, i);
      renumber = !g_hash_table_add(seen, id);
    }
    g_hash_table_destroy(seen);
    if (renumber) {
      for (guint i = 0; i < ids->len; i++)
        g_array_index(ids, int64_t, i) = (int64_t)i + 1;
      if (warnings)
        g_ptr_array_add(warnings, g_strdup_printf("%s: run ids repeat across the inputs; "
                                                  "runs renumbered 1..%u in input order",
                                                  out_path, ids->len));
    }
  }
  /* pass 2: copy */
  guint at = 0;
  for (size_t i = 0; ok && i < n_inputs; i++) {
    ok = attach(&m, inputs[i], error);
    if (ok) {
      ok = copy_input(&m, inputs[i], &g_array_index(ids, int64_t, at), per_input[i], warnings,
                      error);
      detach(&m);
    }
    at += per_input[i];
  }
  ok = ok && write_meta(&m, plan, ids->len, warnings, error);
  if (m.db)
    sqlite3_close(m.db);
  if (ok) {
    remove_with_companions(out_path);
    if (g_rename(tmp, out_path) != 0) {
      int e = errno;
      g_set_error(error, SIM_MERGE_ERROR, SIM_MERGE_ERROR_OUTPUT, "%s: cannot rename %s: %s",
                  out_path, tmp, g_strerror(e));
      ok = FALSE;
    }
  }
  if (!ok)
    remove_with_companions(tmp);
  g_free(name);
  g_free(per_input);
  g_array_free(ids, TRUE);
  g_hash_table_destroy(m.metric_ids);
  g_hash_table_destroy(m.metric_kinds);
  g_hash_table_destroy(m.used_ids);
  g_free(tmp);
  return ok;
}

/* ------------------------------------------------------------------ CLI */

int
sim_merge_main(int argc, char **argv)
{
  char *out_path = NULL;
  GOptionEntry entries[] = {
      {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out_path,
       "Merged database (default DIR/sweep.db; required when merging files)", "FILE"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new("DIR | FILE.db... - merge results databases");
  g_option_context_set_summary(ctx,
      "Merges the runs of DIR/runs/*.db (a sweep's directory, e.g. after running its\n"
      "--emit-jobs output elsewhere) or of the given databases into one database.\n"
      "Inputs of another schema version or scenario are refused; runs that are not\n"
      "complete are merged with a warning.\n"
      "Exit status: 0 merged, 2 bad usage or incompatible inputs, 3 runtime failure.");
  GError *error = NULL;
  int rc = EXIT_USAGE;
  char **inputs = NULL;
  sim_merge_plan plan = {0};
  gboolean have_plan = FALSE;
  GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
  if (!sim_options_parse(ctx, entries, &argc, &argv, &error)) {
    fprintf(stderr, "peerlab merge: %s\n", error->message);
    goto out;
  }
  if (argc < 2) {
    fprintf(stderr, "peerlab merge: expected a sweep directory or database files "
                    "(see peerlab merge --help)\n");
    goto out;
  }
  if (argc == 2 && g_file_test(argv[1], G_FILE_TEST_IS_DIR)) {
    inputs = sim_merge_dir_inputs(argv[1], &error);
    if (!inputs) {
      fprintf(stderr, "peerlab merge: %s\n", error->message);
      goto out;
    }
    if (!inputs[0]) {
      fprintf(stderr, "peerlab merge: %s/runs holds no .db file\n", argv[1]);
      goto out;
    }
    have_plan = sim_merge_plan_load(&plan, argv[1], &error);
    if (error) {
      fprintf(stderr, "peerlab merge: %s\n", error->message);
      goto out;
    }
    if (!out_path)
      out_path = g_build_filename(argv[1], "sweep.db", NULL);
  } else {
    if (!out_path) {
      fprintf(stderr, "peerlab merge: --out FILE is required when merging database files\n");
      goto out;
    }
    inputs = g_new0(char *, argc);
    for (int i = 1; i < argc; i++) {
      if (g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
        fprintf(stderr, "peerlab merge: %s: a directory; give one sweep directory alone, "
                        "or database files\n", argv[i]);
        goto out;
      }
      inputs[i - 1] = g_strdup(argv[i]);
    }
  }
  for (size_t i = 0; inputs[i]; i++) {
    if (strcmp(inputs[i], out_path) == 0) {
      fprintf(stderr, "peerlab merge: %s is both an input and the output\n", out_path);
      goto out;
    }
  }
  size_t n = g_strv_length(inputs);
  if (!sim_merge(out_path, (const char *const *)inputs, n, have_plan ? &plan : NULL, warnings,
                 &error)) {
    fprintf(stderr, "peerlab merge: %s\n", error->message);
    rc = error->code == SIM_MERGE_ERROR_OUTPUT ? EXIT_RUNTIME : EXIT_USAGE;
    goto out;
  }
  for (guint i = 0; i < warnings->len; i++)
    fprintf(stderr, "peerlab merge: warning: %s\n", (const char *)g_ptr_array_index(warnings, i));
  printf("merged %zu database%s into %s\n", n, n == 1 ? "" : "s", out_path);
  rc = EXIT_OK;
out:
  g_clear_error(&error);
  g_ptr_array_free(warnings, TRUE);
  sim_merge_plan_clear(&plan);
  g_strfreev(inputs);
  g_free(out_path);
  g_option_context_free(ctx);
  return rc;
}
