/*
 * plot.c — `peerlab plot` and the results-database readers shared by the
 * report and compare commands.
 *
 * How it works.
 *
 * A plot is a gnuplot script of analysis/ (series.gp, cdf.gp, hist.gp,
 * sweep.gp, which load common.gp) fed by one data file that this file
 * writes into a fresh temporary directory: numbers only, one block per
 * line of the plot, blocks separated by two blank lines (gnuplot's
 * "index").  Everything textual (line titles, axis labels, categorical
 * tic labels, file names) is passed as gnuplot variables in the single -e
 * argument, each a single-quoted gnuplot string escaped by
 * sim_plot_gp_quote (quotes doubled, control characters blanked; in
 * single quotes gnuplot expands nothing else), and gnuplot is spawned
 * directly, never through a shell.  The terminals are set noenhanced, so
 * text is shown as is.
 *
 * Scripts are looked up in $PEERLAB_ANALYSIS_DIR, then the source tree's
 * analysis/ (compiled in), then the installed data directory.
 *
 * Kinds:
 *   series  per window: the mean (observations, gauges) or the rate per
 *           virtual second (counters), one line per (metric, run);
 *   cdf     from the histogram table: share of records <= each bucket's
 *           upper bound, one line per (metric, run);
 *   hist    the buckets themselves, as densities (share of the records
 *           per unit of the value, since buckets widen log-linearly);
 *   sweep   one summary statistic against a run_param key: for each value
 *           the mean across runs (seeds) with a 95% Student-t confidence
 *           interval, one line per (metric, combination of the other
 *           varied parameters).
 *
 * Output order never depends on hash tables: runs in id order, values in
 * numeric or first-seen (grid) order.
 */
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>

#include "compare.h"
#include "options.h"
#include "results.h"
#include "units.h"

G_DEFINE_QUARK(sim-plot-error-quark, sim_plot_error)

enum { EXIT_OK = 0, EXIT_USAGE = 2, EXIT_RUNTIME = 3 };

static const char *const kind_names[] = { "series", "cdf", "hist", "sweep" };

/* Summary columns a request may name (whitelist: they reach SQL text). */
static const char *const stat_names[] = {
  "count", "sum", "mean", "min", "max", "p50", "p90", "p99", "last", NULL,
};

const char *
sim_plot_kind_name(sim_plot_kind kind)
{
  g_assert((unsigned)kind < G_N_ELEMENTS(kind_names));
  return kind_names[kind];
}

static bool
is_stat(const char *s)
{
  for (size_t i = 0; stat_names[i]; i++)
    if (strcmp(s, stat_names[i]) == 0)
      return true;
  return false;
}

/* ------------------------------------------------------------ database */

/* The tables of schema version 2 (results.c).  A file without one of them
 * was cut down by hand or damaged; it is refused on open rather than read
 * as if the missing table were empty. */
static const char *const schema_tables[] = {
  "meta", "run", "run_param", "metric", "series", "summary", "histogram", "expectation", NULL,
};

static char *
col_text(sqlite3_stmt *st, int i)
{
  const unsigned char *t = sqlite3_column_text(st, i);
  return g_strdup(t ? (const char *)t : "");
}

/* |error| from the last failed call on |db|, naming its file (the full
 * path: the name as given is not at hand here). */
static void
db_fail(sqlite3 *db, GError **error)
{
  g_set_error(error, SIM_PLOT_ERROR, SIM_PLOT_ERROR_DATABASE,
              "%s: reading the results database: %s", sqlite3_db_filename(db, "main"),
              sqlite3_errmsg(db));
}

sqlite3_stmt *
sim_plot_prepare(sqlite3 *db, const char *sql, GError **error)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    db_fail(db, error); /* and st is NULL */
  return st;
}

bool
sim_plot_step(sqlite3_stmt *st, GError **error)
{
  g_assert(st != NULL);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    return true;
  /* anything but DONE (CORRUPT, IOERR, NOMEM, BUSY...) means rows are
   * missing: never let it pass as the end of the table */
  if (rc != SQLITE_DONE)
    db_fail(sqlite3_db_handle(st), error);
  return false;
}

sqlite3 *
sim_plot_db_open(const char *path, GError **error)
{
  g_return_val_if_fail(path != NULL, NULL);
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error(error, SIM_PLOT_ERROR, SIM_PLOT_ERROR_INPUT, "%s: no such file", path);
    return NULL;
  }
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    g_set_error(error, SIM_PLOT_ERROR, SIM_PLOT_ERROR_INPUT, "%s: cannot open: %s", path,
                db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return NULL;
  }
  sqlite3_busy_timeout(db, 5000);
  GHashTable *tables = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *st = NULL;
  GError *e = NULL;
  int version = -1;
  const char *missing = NULL;
  /* the first statement reads the schema: a file that is not a database
   * fails to prepare it */
  if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &st,
                         NULL) != SQLITE_OK) {
    g_set_error(error, SIM_PLOT_ERROR, SIM_PLOT_ERROR_INPUT,
                "%s: not a peerlab results database (%s)", path, sqlite3_errmsg(db));
    goto fail;
  }
  while (sim_plot_step(st, &e))
    g_hash_table_add(tables, col_text(st, 0));
  sqlite3_finalize(st);
  if (e)
    goto fail;
  if (!g_hash_table_contains(tables, "run")) {
    g_set_error(error, SIM_PLOT_ERROR, SIM_PLOT_ERROR_INPUT,
                "%s: not a peerlab results database (no run table)", path);
    goto fail;
  }
  if (!(st = sim_plot_prepare(db, "PRAGMA user_version", &e)))
    goto fail;
  if (sim_plot_step(st, &e))
    version = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (e)
    goto fail;
  if (version != 2) {
    g_set_error(error, SIM_PLOT_ERROR, SIM_PLOT_ERROR_INPUT,
                "%s: results schema version %d, expected 2 (re-run it with this peerlab)",
                path, version);
    goto fail;
  }
  for (size_t i = 0; !missing && schema_tables[i]; i++)
    if (!g_hash_table_contains(tables, schema_tables[i]))
      missing = schema_tables[i];
  if (missing) {
    g_set_error(error, SIM_PLOT_ERROR, SIM_PLOT_ERROR_INPUT,
                "%s: not a complete results database (no %s table)", path, missing);
    goto fail;
  }
  g_hash_table_destroy(tables);
  return db;

fail:
  if (e)
    g_propagate_error(error, e);
  g_hash_table_destroy(tables);
  sqlite3_close(db);
  return NULL;
}

/* First column of the first row of |st| (bound), newly allocated; NULL
 * when there is no row, or NULL with |error| set when reading fails.
 * Finalizes |st|. */
static char *
first_text(sqlite3_stmt *st, GError **error)
{
  char *v = sim_plot_step(st, error) ? col_text(st, 0) : NULL;
  sqlite3_finalize(st);
  return v;
}

char *
sim_plot_meta(sqlite3 *db, const char *key, GError **error)
{
  sqlite3_stmt *st = sim_plot_prepare(db, "SELECT value FROM meta WHERE key = ?", error);
  if (!st)
    return NULL;
  sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
  return first_text(st, error);
}

GArray *
sim_plot_runs(sqlite3 *db, GError **error)
{
  sqlite3_stmt *st = sim_plot_prepare(db, "SELECT id, name, seed, status FROM run ORDER BY id",
                                      error);
  if (!st)
    return NULL;
  sqlite3_stmt *pst = sim_plot_prepare(
      db, "SELECT key, value FROM run_param WHERE run_id = ? ORDER BY key", error);
  if (!pst) {
    sqlite3_finalize(st);
    return NULL;
  }
  GArray *runs = g_array_new(FALSE, TRUE, sizeof(sim_plot_run));
  GError *e = NULL;
  while (!e && sim_plot_step(st, &e)) {
    sim_plot_run r = {
      .id = sqlite3_column_int64(st, 0),
      .name = col_text(st, 1),
      .seed = (uint64_t)sqlite3_column_int64(st, 2),
      .status = col_text(st, 3),
    };
    GString *p = g_string_new(NULL);
    sqlite3_reset(pst);
    sqlite3_bind_int64(pst, 1, r.id);
    while (sim_plot_step(pst, &e))
      g_string_append_printf(p, "%s%s=%s", p->len ? ", " : "",
                             (const char *)sqlite3_column_text(pst, 0),
                             (const char *)sqlite3_column_text(pst, 1));
    r.params = g_string_free(p, FALSE);
    g_array_append_val(runs, r);
  }
  sqlite3_finalize(pst);
  sqlite3_finalize(st);
  if (e) {
    g_propagate_error(error, e);
    sim_plot_runs_free(runs);
    return NULL;
  }
  return runs;
}

void
sim_plot_runs_free(GArray *runs)
{
  if (!runs)
    return;
  for (guint i = 0; i < runs->len; i++) {
    sim_plot_run *r = &g_array_index(runs, sim_plot_run, i);
    g_free(r->name);
    g_free(r->status);
    g_free(r->params);
  }
  g_array_free(runs, TRUE);
}

bool
sim_plot_metric(sqlite3 *db, const char *name, int64_t *id, char **kind, GError **error)
{
  sqlite3_stmt *st = sim_plot_prepare(db, "SELECT id, kind FROM metric WHERE name = ?", error);
  if (!st)
    return false;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
  bool found = sim_plot_step(st, error);
  if (found) {
    *id = sqlite3_column_int64(st, 0);
    if (kind)
      *kind = col_text(st, 1);
  }
  sqlite3_finalize(st);
  return found;
}

/* Value of run_param |key| for run |run_id| (newly allocated) or NULL;
 * NULL with |error| set when reading fails. */
static char *
run_param(sqlite3 *db, int64_t run_id, const char *key, GError **error)
{
  sqlite3_stmt *st = sim_plot_prepare(
      db, "SELECT value FROM run_param WHERE run_id = ? AND key = ?", error);
  if (!st)
    return NULL;
  sqlite3_bind_int64(st, 1, run_id);
  sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
  return first_text(st, error);
}

static gint
cmp_grid_pos(gconstpointer a, gconstpointer b, gpointer grid)
{
  const char *ka = *(const char *const *)a, *kb = *(const char *const *)b;
  char *qa = g_strdup_printf("\"%s\"", ka), *qb = g_strdup_printf("\"%s\"", kb);
  const char *pa = grid ? strstr(grid, qa) : NULL, *pb = grid ? strstr(grid, qb) : NULL;
  g_free(qa);
  g_free(qb);
  if (pa && pb)
    return pa < pb ? -1 : pa > pb;
  if (pa || pb)
    return pa ? -1 : 1;
  return strcmp(ka, kb);
}

char **
sim_plot_varied_params(sqlite3 *db, GError **error)
{
  sqlite3_stmt *st = sim_plot_prepare(db,
      "SELECT key FROM run_param GROUP BY key "
      "HAVING COUNT(DISTINCT value) > 1 OR COUNT(*) < (SELECT COUNT(*) FROM run) "
      "ORDER BY key", error);
  if (!st)
    return NULL;
  GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);
  GError *e = NULL;
  while (sim_plot_step(st, &e)) {
    /* a key present in some runs only varies too, unless there is one run */
    g_ptr_array_add(keys, col_text(st, 0));
  }
  sqlite3_finalize(st);
  char *grid = e ? NULL : sim_plot_meta(db, "sweep_grid", &e);
  if (e) {
    g_propagate_error(error, e);
    g_ptr_array_free(keys, TRUE);
    return NULL;
  }
  g_ptr_array_sort_with_data(keys, cmp_grid_pos, grid);
  g_free(grid);
  g_ptr_array_add(keys, NULL);
  return (char **)g_ptr_array_free(keys, FALSE);
}

/* ------------------------------------------------------------- gnuplot */

void
sim_plot_gp_quote(GString *out, const char *text, bool format)
{
  g_string_append_c(out, '\'');
  for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
    if (*p == '\'')
      g_string_append(out, "''");
    else if (*p == '%' && format)
      g_string_append(out, "%%");
    else if (*p < 0x20 || *p == 0x7f)
      g_string_append_c(out, ' ');
    else
      g_string_append_c(out, (char)*p);
  }
  g_string_append_c(out, '\'');
}

/* "name=" + quoted |value| + "; " */
static void
gp_var(GString *vars, const char *name, const char *value)
{
  g_string_append_printf(vars, "%s=", name);
  sim_plot_gp_quote(vars, value, false);
  g_string_append(vars, "; ");
}

static void
gp_array(GString *vars, const char *name, GPtrArray *values, bool format)
{
  g_string_append_printf(vars, "array %s[%u]; ", name, MAX(values->len, 1u));
  for (guint i = 0; i < values->len; i++) {
    g_string_append_printf(vars, "%s[%u]=", name, i + 1);
    sim_plot_gp_quote(vars, g_ptr_array_index(values, i), format);
    g_string_append(vars, "; ");
  }
}

static char *
find_scripts(void)
{
  const char *cands[] = {
    g_getenv("PEERLAB_ANALYSIS_DIR"),
#ifdef PEERLAB_ANALYSIS_SRC
    PEERLAB_ANALYSIS_SRC,
#endif
#ifdef PEERLAB_ANALYSIS_INSTALL
    PEERLAB_ANALYSIS_INSTALL,
#endif
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cands); i++) {
    if (!cands[i] || !cands[i][0])
      continue;
    char *probe = g_build_filename(cands[i], "common.gp", NULL);
    bool ok = g_file_test(probe, G_FILE_TEST_IS_REGULAR);
    g_free(probe);
    if (ok)
      return g_strdup(cands[i]);
  }
  return NULL;
}

/* Run gnuplot with |argv| (NULL-terminated); false with |error| on failure. */
static bool
spawn_gnuplot(char **argv, GError **error)
{
  char *err = NULL;
  int status = 0;
  GError *e = NULL;
  if (!g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                    &status, &e)) {
    g_set_error(error, SIM_PLOT_ERROR, SIM_PLOT_ERROR_FAILED, "cannot run gnuplot: %s",
                e->message);
    g_error_free(e);
    return false;
  }
  bool ok = g_spawn_check_wait_status(status, NULL);
  if (!ok)
    g_set_error(error, SIM_PLOT_ERROR, SIM_PLOT_ERROR_FAILED, "gnuplot failed: %s",
                err && err[0] ? g_strstrip(err) : "no message");
  g_free(err);
  return ok;
}

/* "pngcairo" when gnuplot has it, else "png". */
static const char *
png_terminal(const char *gnuplot)
{
  char *argv[] = { (char *)gnuplot, "-e", "set terminal pngcairo", NULL };
  return spawn_gnuplot(argv, NULL) ? "pngcairo" : "png";
}

/* ---------------------------------------------------------------- data */

/* What a kind's writer produced: the data text and the script variables. */
typedef struct plotdata {
  GString *data;          /* blocks of numbers */
  GPtrArray *titles;      /* one per block (owned strings) */
  GPtrArray *xticks;      /* categorical x labels, or empty (owned strings) */
  char *xlabel, *ylabel;  /* axis labels */
  bool logx;              /* logarithmic x axis */
} plotdata;

static void
end_block(plotdata *pd, char *title)
{
  g_string_append(pd->data, "\n\n");
  g_ptr_array_add(pd->titles, title);
}

static void
put_row(GString *d, int n, const double *v)
{
  for (int i = 0; i < n; i++)
    g_string_append_printf(d, "%s%.17g", i ? " " : "", v[i]);
  g_string_append_c(d, '\n');
}

static char *
run_title(const sim_plot_run *r, const char *metric, bool with_metric)
{
  GString *t = g_string_new(NULL);
  if (with_metric)
    g_string_append_printf(t, "%s, ", metric);
  g_string_append_printf(t, "run %" G_GINT64_FORMAT, r->id);
  if (r->params[0])
    g_string_append_printf(t, " (%s, seed %" G_GUINT64_FORMAT ")", r->params, r->seed);
  else
    g_string_append_printf(t, " (seed %" G_GUINT64_FORMAT ")", r->seed);
  return g_string_free(t, FALSE);
}

static bool
data_series(sqlite3 *db, const sim_plot_request *req, GArray *runs, plotdata *pd,
            GError **error)
{
  size_t nm = g_strv_length((char **)req->metrics);
  sqlite3_stmt *st = sim_plot_prepare(db, "SELECT t0_ns, t_ns, count, sum FROM series "
                                          "WHERE run_id = ? AND metric_id = ? ORDER BY t_ns",
                                      error);
  if (!st)
    return false;
  bool counters = true;
  GError *e = NULL;
  for (size_t m = 0; !e && m < nm; m++) {
    int64_t id;
    char *kind = NULL;
    /* check_request found every metric, so only a read error fails here */
    if (!sim_plot_metric(db, req->metrics[m], &id, &kind, &e))
      break;
    bool counter = strcmp(kind, "counter") == 0;
    counters = counters && counter;
    for (guint r = 0; !e && r < runs->len; r++) {
      const sim_plot_run *run = &g_array_index(runs, sim_plot_run, r);
      sqlite3_reset(st);
      sqlite3_bind_int64(st, 1, run->id);
      sqlite3_bind_int64(st, 2, id);
      size_t rows = 0;
      while (sim_plot_step(st, &e)) {
        double t0 = (double)sqlite3_column_int64(st, 0), t = (double)sqlite3_column_int64(st, 1);
        double count = (double)sqlite3_column_int64(st, 2), sum = sqlite3_column_double(st, 3);
        double y = counter ? (t > t0 ? sum * 1e9 / (t - t0) : NAN) : sum / count;
        if (!isfinite(y))
          continue;
        double row[2] = { t / 1e9, y };
        put_row(pd->data, 2, row);
        rows++;
      }
      if (rows)
        end_block(pd, run_title(run, req->metrics[m], nm > 1));
    }
    g_free(kind);
  }
  sqlite3_finalize(st);
  if (e) {
    g_propagate_error(error, e);
    return false;
  }
  pd->xlabel = g_strdup("virtual time (s)");
  if (nm == 1)
    pd->ylabel = g_strdup_printf(counters ? "%s per second" : "%s (window mean)",
                                 req->metrics[0]);
  else
    pd->ylabel = g_strdup(counters ? "per second" : "window mean");
  return true;
}

static bool
data_histogram(sqlite3 *db, const sim_plot_request *req, GArray *runs, plotdata *pd,
               GError **error)
{
  size_t nm = g_strv_length((char **)req->metrics);
  sqlite3_stmt *st = sim_plot_prepare(db, "SELECT lo, hi, count FROM histogram "
                                          "WHERE run_id = ? AND metric_id = ? ORDER BY lo",
                                      error);
  if (!st)
    return false;
  double min_lo = INFINITY, max_hi = -INFINITY;
  GError *e = NULL;
  for (size_t m = 0; !e && m < nm; m++) {
    int64_t id;
    if (!sim_plot_metric(db, req->metrics[m], &id, NULL, &e))
      break;
    for (guint r = 0; !e && r < runs->len; r++) {
      const sim_plot_run *run = &g_array_index(runs, sim_plot_run, r);
      GArray *b = g_array_new(FALSE, FALSE, sizeof(double));
      double total = 0;
      sqlite3_reset(st);
      sqlite3_bind_int64(st, 1, run->id);
      sqlite3_bind_int64(st, 2, id);
      while (sim_plot_step(st, &e)) {
        double v[3] = { sqlite3_column_double(st, 0), sqlite3_column_double(st, 1),
                        (double)sqlite3_column_int64(st, 2) };
        if (!isfinite(v[0]) || !isfinite(v[1]) || v[2] <= 0)
          continue;
        g_array_append_vals(b, v, 3);
        total += v[2];
      }
      if (!e && total > 0) {
        double cum = 0;
        const double *v = (const double *)b->data;
        if (req->kind == SIM_PLOT_CDF) {
          double first[2] = { v[0], 0 };
          put_row(pd->data, 2, first);
        }
        for (guint i = 0; i < b->len; i += 3) {
          cum += v[i + 2];
          min_lo = MIN(min_lo, v[i]);
          max_hi = MAX(max_hi, v[i + 1]);
          if (req->kind == SIM_PLOT_CDF) {
            double row[2] = { v[i + 1], cum / total };
            put_row(pd->data, 2, row);
          } else {
            /* density: buckets are log-linear, so per unit of the value */
            double row[3] = { v[i], v[i + 1], v[i + 2] / total / (v[i + 1] - v[i]) };
            put_row(pd->data, 3, row);
          }
        }
        end_block(pd, run_title(run, req->metrics[m], nm > 1));
      }
      g_array_free(b, TRUE);
    }
  }
  sqlite3_finalize(st);
  if (e) {
    g_propagate_error(error, e);
    return false;
  }
  pd->logx = min_lo > 0 && max_hi / min_lo > 100;
  pd->xlabel = g_strdup(nm == 1 ? req->metrics[0] : "value");
  pd->ylabel = g_strdup(req->kind == SIM_PLOT_CDF ? "share of records <= value"
                                                 : "density (share of records per unit)");
  return true;
}

/* Parse every value of |values| as one unit; the numbers (seconds for
 * durations) into |out|.  Returns the axis suffix ("" or " (s)") or NULL
 * when they are not all numbers of one unit. */
static const char *
numeric_values(GPtrArray *values, double *out)
{
  static const struct {
    sim_unit unit;
    double scale;
    const char *suffix;
  } units[] = {
    { SIM_UNIT_NONE, 1, "" }, { SIM_UNIT_RATIO, 1, "" }, { SIM_UNIT_DURATION, 1e-9, " (s)" },
    { SIM_UNIT_SIZE, 1, " (bytes)" }, { SIM_UNIT_BANDWIDTH, 1, " (bit/s)" },
  };
  for (size_t u = 0; u < G_N_ELEMENTS(units); u++) {
    bool ok = true;
    for (guint i = 0; ok && i < values->len; i++) {
      const char *text = g_ptr_array_index(values, i);
      char *end = NULL;
      double d = g_ascii_strtod(text, &end);
      if (units[u].unit == SIM_UNIT_NONE)
        ok = end != text && *end == '\0' && isfinite(d);
      else
        ok = sim_units_parse(text, units[u].unit, &d);
      out[i] = d * units[u].scale;
    }
    if (ok)
      return units[u].suffix;
  }
  return NULL;
}

static bool
data_sweep(sqlite3 *db, const sim_plot_request *req, GArray *runs, plotdata *pd,
           GError **error)
{
  const char *stat = req->stat ? req->stat : "mean";
  char **varied = sim_plot_varied_params(db, error);
  if (!varied)
    return false;
  char *x_key = g_strdup(req->x_key ? req->x_key : varied[0]);
  bool ok = true;
  GError *e = NULL;
  if (!x_key) {
    g_set_error(error, SIM_PLOT_ERROR, SIM_PLOT_ERROR_INPUT,
                "a sweep plot needs a parameter that varies between runs, and this database "
                "has none (use --kind series, cdf or hist)");
    ok = false;
  }
  /* per run: its x value and the signature of the other varied parameters */
  GPtrArray *xs = g_ptr_array_new_with_free_func(g_free);      /* distinct x, first seen */
  GPtrArray *groups = g_ptr_array_new_with_free_func(g_free);  /* distinct signatures */
  int *run_x = g_new0(int, runs->len + 1), *run_g = g_new0(int, runs->len + 1);
  for (guint r = 0; ok && !e && r < runs->len; r++) {
    const sim_plot_run *run = &g_array_index(runs, sim_plot_run, r);
    char *x = run_param(db, run->id, x_key, &e);
    run_x[r] = -1;
    if (!x)
      continue;
    GString *sig = g_string_new(NULL);
    for (size_t k = 0; !e && varied[k]; k++) {
      if (strcmp(varied[k], x_key) == 0)
        continue;
      char *v = run_param(db, run->id, varied[k], &e);
      g_string_append_printf(sig, "%s%s=%s", sig->len ? ", " : "", varied[k], v ? v : "-");
      g_free(v);
    }
    guint xi, gi;
    if (!g_ptr_array_find_with_equal_func(xs, x, g_str_equal, &xi)) {
      xi = xs->len;
      g_ptr_array_add(xs, g_strdup(x));
    }
    if (!g_ptr_array_find_with_equal_func(groups, sig->str, g_str_equal, &gi)) {
      gi = groups->len;
      g_ptr_array_add(groups, g_strdup(sig->str));
    }
    run_x[r] = (int)xi;
    run_g[r] = (int)gi;
    g_string_free(sig, TRUE);
    g_free(x);
  }
  if (e) {
    g_propagate_error(error, e);
    ok = false;
  }
  if (ok && xs->len == 0) {
    char *all = g_strjoinv(", ", varied);
    g_set_error(error, SIM_PLOT_ERROR, SIM_PLOT_ERROR_INPUT,
                "no run has the parameter '%s' (parameters that vary: %s)", x_key,
                all[0] ? all : "none");
    g_free(all);
    ok = false;
  }
  double *xnum = g_new0(double, xs->len + 1);
  const char *suffix = ok ? numeric_values(xs, xnum) : NULL;
  /* x positions in plotting order: numeric ascending, else first seen */
  guint *order = g_new0(guint, xs->len + 1);
  for (guint i = 0; i < xs->len; i++)
    order[i] = i;
  if (suffix) {
    for (guint i = 1; i < xs->len; i++)
      for (guint j = i; j > 0 && xnum[order[j - 1]] > xnum[order[j]]; j--) {
        guint t = order[j];
        order[j] = order[j - 1];
        order[j - 1] = t;
      }
  } else {
    for (guint i = 0; i < xs->len; i++)
      g_ptr_array_add(pd->xticks, g_strdup(g_ptr_array_index(xs, i)));
  }

  size_t nm = g_strv_length((char **)req->metrics);
  char *sql = g_strdup_printf("SELECT %s FROM summary WHERE run_id = ? AND metric_id = ?", stat);
  sqlite3_stmt *st = NULL;
  if (ok && !(st = sim_plot_prepare(db, sql, error)))
    ok = false;
  g_free(sql);
  double *vals = g_new0(double, runs->len + 1);
  for (size_t m = 0; ok && !e && m < nm; m++) {
    int64_t id;
    if (!sim_plot_metric(db, req->metrics[m], &id, NULL, &e))
      break;
    for (guint g = 0; !e && g < groups->len; g++) {
      size_t rows = 0;
      for (guint oi = 0; !e && oi < xs->len; oi++) {
        guint xi = order[oi];
        size_t n = 0;
        for (guint r = 0; !e && r < runs->len; r++) {
          if (run_x[r] != (int)xi || run_g[r] != (int)g)
            continue;
          sqlite3_reset(st);
          sqlite3_bind_int64(st, 1, g_array_index(runs, sim_plot_run, r).id);
          sqlite3_bind_int64(st, 2, id);
          if (sim_plot_step(st, &e) && isfinite(sqlite3_column_double(st, 0)))
            vals[n++] = sqlite3_column_double(st, 0);
        }
        if (e || !n)
          continue;
        double mean, half;
        sim_compare_mean_ci(vals, n, &mean, &half);
        double row[4] = { suffix ? xnum[xi] : (double)(xi + 1), mean, half, (double)n };
        put_row(pd->data, 4, row);
        rows++;
      }
      if (!rows)
        continue;
      const char *sig = g_ptr_array_index(groups, g);
      char *title;
      if (nm > 1 && sig[0])
        title = g_strdup_printf("%s, %s", req->metrics[m], sig);
      else if (nm > 1 || !sig[0])
        title = g_strdup(req->metrics[m]);
      else
        title = g_strdup(sig);
      end_block(pd, title);
    }
  }
  sqlite3_finalize(st);
  if (e) {
    g_propagate_error(error, e);
    ok = false;
  }
  if (ok) {
    pd->xlabel = g_strdup_printf("%s%s", x_key, suffix ? suffix : "");
    pd->ylabel = nm == 1 ? g_strdup_printf("%s %s (mean and 95%% CI over seeds)",
                                           req->metrics[0], stat)
                         : g_strdup_printf("%s (mean and 95%% CI over seeds)", stat);
  }
  g_free(vals);
  g_free(order);
  g_free(xnum);
  g_free(run_x);
  g_free(run_g);
  g_ptr_array_free(xs, TRUE);
  g_ptr_array_free(groups, TRUE);
  g_free(x_key);
  g_strfreev(varied);
  return ok;
}

/* ---------------------------------------------------------------- make */

G_GNUC_PRINTF(2, 3) static bool
fail_input(GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error_literal(error, SIM_PLOT_ERROR, SIM_PLOT_ERROR_INPUT, msg);
  g_free(msg);
  return false;
}

/* Check the request against |db|. */
static bool
check_request(sqlite3 *db, const sim_plot_request *req, GError **error)
{
  if (!req->metrics || !req->metrics[0])
    return fail_input(error, "no metric to plot");
  if (!g_str_has_suffix(req->out_path, ".png") && !g_str_has_suffix(req->out_path, ".svg"))
    return fail_input(error, "output '%s': expected a file name ending in .png or .svg",
                      req->out_path);
  /* gnuplot writes it and a failure removes it: not a device or a FIFO */
  GError *refused = NULL;
  if (!sim_results_check_path(req->out_path, &refused)) {
    bool r = fail_input(error, "%s", refused->message);
    g_error_free(refused);
    return r;
  }
  if (req->stat && !is_stat(req->stat))
    return fail_input(error, "statistic '%s': expected one of count, sum, mean, min, max, "
                      "p50, p90, p99, last", req->stat);
  for (size_t i = 0; req->metrics[i]; i++) {
    int64_t id;
    GError *e = NULL;
    if (sim_plot_metric(db, req->metrics[i], &id, NULL, &e))
      continue;
    if (e) {
      g_propagate_error(error, e);
      return false;
    }
    sqlite3_stmt *st = sim_plot_prepare(db, "SELECT m.name FROM metric AS m WHERE EXISTS "
                                            "(SELECT 1 FROM summary AS s "
                                            "WHERE s.metric_id = m.id) ORDER BY m.name", error);
    if (!st)
      return false;
    GString *names = g_string_new(NULL);
    while (sim_plot_step(st, &e))
      g_string_append_printf(names, "%s%s", names->len ? ", " : "",
                             (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (e)
      g_propagate_error(error, e);
    else
      fail_input(error, "no metric '%s' in the database (recorded: %s)", req->metrics[i],
                 names->str);
    g_string_free(names, TRUE);
    return false;
  }
  return true;
}

bool
sim_plot_make(sqlite3 *db, const sim_plot_request *req, GError **error)
{
  g_return_val_if_fail(db && req && req->out_path, false);
  if (!check_request(db, req, error))
    return false;
  char *gnuplot = g_find_program_in_path("gnuplot");
  if (!gnuplot) {
    g_set_error(error, SIM_PLOT_ERROR, SIM_PLOT_ERROR_NO_GNUPLOT,
                "gnuplot is not on PATH; install it (Debian/Ubuntu: apt-get install "
                "gnuplot-nox) or run ./setup.sh");
    return false;
  }
  char *scripts = find_scripts();
  if (!scripts) {
    g_set_error(error, SIM_PLOT_ERROR, SIM_PLOT_ERROR_FAILED,
                "cannot find the plot scripts (analysis/*.gp); set PEERLAB_ANALYSIS_DIR to "
                "the analysis directory of the peerlab source tree");
    g_free(gnuplot);
    return false;
  }

  GArray *runs = sim_plot_runs(db, error);
  if (!runs) {
    g_free(scripts);
    g_free(gnuplot);
    return false;
  }
  plotdata pd = { .data = g_string_new(NULL),
                  .titles = g_ptr_array_new_with_free_func(g_free),
                  .xticks = g_ptr_array_new_with_free_func(g_free) };
  bool ok;
  switch (req->kind) {
  case SIM_PLOT_SERIES: ok = data_series(db, req, runs, &pd, error); break;
  case SIM_PLOT_CDF:
  case SIM_PLOT_HIST: ok = data_histogram(db, req, runs, &pd, error); break;
  case SIM_PLOT_SWEEP: ok = data_sweep(db, req, runs, &pd, error); break;
  default: g_assert_not_reached();
  }
  if (ok && pd.titles->len == 0) {
    char *all = g_strjoinv(", ", (char **)req->metrics);
    g_set_error(error, SIM_PLOT_ERROR, SIM_PLOT_ERROR_INPUT,
                "nothing to plot: %s has no %s data in this database%s", all,
                req->kind == SIM_PLOT_SERIES ? "series"
                : req->kind == SIM_PLOT_SWEEP ? "summary"
                                               : "histogram",
                req->kind == SIM_PLOT_CDF || req->kind == SIM_PLOT_HIST
                    ? " (only observations have histograms)" : "");
    g_free(all);
    ok = false;
  }

  char *dir = NULL;
  GError *e = NULL;
  if (ok && !(dir = g_dir_make_tmp("peerlab-plot-XXXXXX", &e))) {
    g_set_error(error, SIM_PLOT_ERROR, SIM_PLOT_ERROR_FAILED, "temporary directory: %s",
                e->message);
    g_error_free(e);
    ok = false;
  }
  char *datafile = dir ? g_build_filename(dir, "plot.dat", NULL) : NULL;
  if (ok && !g_file_set_contents(datafile, pd.data->str, (gssize)pd.data->len, &e)) {
    g_set_error(error, SIM_PLOT_ERROR, SIM_PLOT_ERROR_FAILED, "%s", e->message);
    g_error_free(e);
    ok = false;
  }
  if (ok) {
    char *title = NULL;
    if (req->title) {
      title = g_strdup(req->title);
    } else {
      const sim_plot_run *r0 = &g_array_index(runs, sim_plot_run, 0);
      title = runs->len == 1 ? g_strdup_printf("%s (seed %" G_GUINT64_FORMAT ")", r0->name,
                                               r0->seed)
                             : g_strdup_printf("%s (%u runs)", r0->name, runs->len);
    }
    const char *term = g_str_has_suffix(req->out_path, ".svg") ? "svg" : png_terminal(gnuplot);
    GString *vars = g_string_new(NULL);
    gp_var(vars, "datafile", datafile);
    gp_var(vars, "outfile", req->out_path);
    gp_var(vars, "term", term);
    gp_var(vars, "scriptdir", scripts);
    gp_var(vars, "plottitle", title);
    gp_var(vars, "xlabel_text", pd.xlabel);
    gp_var(vars, "ylabel_text", pd.ylabel);
    g_string_append_printf(vars, "nblocks=%u; logx=%d; nx=%u; ", pd.titles->len, pd.logx ? 1 : 0,
                           pd.xticks->len);
    gp_array(vars, "titles", pd.titles, false);
    gp_array(vars, "xticklabels", pd.xticks, true);
    char *script = g_strdup_printf("%s/%s.gp", scripts, sim_plot_kind_name(req->kind));
    char *argv[] = { gnuplot, "-e", vars->str, script, NULL };
    g_remove(req->out_path);
    ok = spawn_gnuplot(argv, error);
    if (ok && !g_file_test(req->out_path, G_FILE_TEST_IS_REGULAR)) {
      g_set_error(error, SIM_PLOT_ERROR, SIM_PLOT_ERROR_FAILED,
                  "gnuplot wrote no file %s", req->out_path);
      ok = false;
    }
    g_free(script);
    g_string_free(vars, TRUE);
    g_free(title);
  }
  if (datafile)
    g_remove(datafile);
  if (dir)
    g_rmdir(dir);
  g_free(datafile);
  g_free(dir);
  g_string_free(pd.data, TRUE);
  g_ptr_array_free(pd.titles, TRUE);
  g_ptr_array_free(pd.xticks, TRUE);
  g_free(pd.xlabel);
  g_free(pd.ylabel);
  sim_plot_runs_free(runs);
  g_free(scripts);
  g_free(gnuplot);
  return ok;
}

/* ------------------------------------------------------------- command */

int
sim_plot_main(int argc, char **argv)
{
  char **metrics = NULL;
  char *kind_text = NULL, *out = NULL, *x_key = NULL, *stat = NULL, *title = NULL;
  GOptionEntry entries[] = {
      {"metric", 'm', 0, G_OPTION_ARG_STRING_ARRAY, &metrics, "Metric to plot (repeatable)",
       "NAME"},
      {"kind", 'k', 0, G_OPTION_ARG_STRING, &kind_text,
       "series, cdf, hist or sweep (default: sweep for a sweep database, else series)", "KIND"},
      {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
       "Output file, .png or .svg (default: DB-KIND.png beside DB)", "FILE"},
      {"x", 'x', 0, G_OPTION_ARG_STRING, &x_key,
       "sweep: parameter on the x axis (default: the first swept one)", "GROUP.KEY"},
      {"stat", 0, 0, G_OPTION_ARG_STRING, &stat,
       "sweep: summary statistic (count, sum, mean, min, max, p50, p90, p99, last; "
       "default mean)", "STAT"},
      {"title", 0, 0, G_OPTION_ARG_STRING, &title, "Plot title", "TEXT"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new("DB - plot a results database with gnuplot");
  g_option_context_set_summary(ctx,
      "Plots metrics of the results database DB: time series (one line per run),\n"
      "CDF or histogram (from the histogram table), or for a sweep a summary statistic\n"
      "against a swept parameter with the mean and 95% confidence interval over seeds.\n"
      "Needs gnuplot (Debian: gnuplot-nox). See docs/plots.md.\n"
      "Exit status: 0 ok, 2 bad usage or input, 3 gnuplot missing or failed.");
  GError *error = NULL;
  int rc = EXIT_USAGE;
  sqlite3 *db = NULL;
  char *out_path = NULL;
  if (!sim_options_parse(ctx, entries, &argc, &argv, &error)) {
    fprintf(stderr, "peerlab plot: %s\n", error->message);
    goto done;
  }
  if (argc != 2) {
    fprintf(stderr, "peerlab plot: expected exactly one results database DB "
                    "(see peerlab plot --help)\n");
    goto done;
  }
  int kind = -1;
  for (size_t i = 0; kind_text && i < G_N_ELEMENTS(kind_names); i++)
    if (strcmp(kind_text, kind_names[i]) == 0)
      kind = (int)i;
  if (kind_text && kind < 0) {
    fprintf(stderr, "peerlab plot: --kind: found '%s', expected series, cdf, hist or sweep\n",
            kind_text);
    goto done;
  }
  if (!metrics || !metrics[0]) {
    fprintf(stderr, "peerlab plot: give at least one --metric NAME (see the metric_summary "
                    "view, or docs/metrics.md)\n");
    goto done;
  }
  db = sim_plot_db_open(argv[1], &error);
  if (!db) {
    fprintf(stderr, "peerlab plot: %s\n", error->message);
    goto done;
  }
  if (kind < 0) {
    char **varied = sim_plot_varied_params(db, &error);
    if (!varied) {
      fprintf(stderr, "peerlab plot: %s\n", error->message);
      goto done;
    }
    kind = varied[0] ? SIM_PLOT_SWEEP : SIM_PLOT_SERIES;
    g_strfreev(varied);
  }
  if (out) {
    out_path = g_strdup(out);
  } else {
    char *base = g_str_has_suffix(argv[1], ".db")
                     ? g_strndup(argv[1], strlen(argv[1]) - 3) : g_strdup(argv[1]);
    out_path = g_strdup_printf("%s-%s.png", base, kind_names[kind]);
    g_free(base);
  }
  sim_plot_request req = {
    .kind = (sim_plot_kind)kind,
    .metrics = (const char *const *)metrics,
    .out_path = out_path,
    .x_key = x_key,
    .stat = stat,
    .title = title,
  };
  if (sim_plot_make(db, &req, &error)) {
    printf("%s\n", out_path);
    rc = EXIT_OK;
  } else {
    fprintf(stderr, "peerlab plot: %s\n", error->message);
    rc = error->code == SIM_PLOT_ERROR_INPUT || error->code == SIM_PLOT_ERROR_DATABASE
             ? EXIT_USAGE : EXIT_RUNTIME;
  }
done:
  if (db)
    sqlite3_close(db);
  g_clear_error(&error);
  g_strfreev(metrics);
  g_free(kind_text);
  g_free(out);
  g_free(out_path);
  g_free(x_key);
  g_free(stat);
  g_free(title);
  g_option_context_free(ctx);
  return rc;
}
