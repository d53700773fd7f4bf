/*
 * report.c — `peerlab report`: an HTML page of a results database.
 *
 * How it works.
 *
 * The page is built in memory and written once, as DIR/index.html, with
 * its CSS inline and no script: it opens from the file system anywhere.
 * Sections: the scenario (name, description, file, the text as run), the
 * runs (one row each: seed, parameters, status, size, events, times,
 * trace digest), the summary (one row per recorded metric: for a single
 * run its statistics; for several runs the mean and 95% CI across runs of
 * the mean, p50 and p99), the expectations (pass/fail marked; for several
 * runs, how many runs passed), and plots of the key metrics: a sweep plot
 * for a database whose runs vary a parameter, else time series, plus a
 * CDF for observations.  The key metrics are those the expectations name,
 * or --metric, or a few recorded ones.
 *
 * Every text from the database goes through g_markup_escape_text.  Plots
 * are made by sim_plot_make as plot-N-KIND.svg beside the page; a plot
 * that cannot be made (gnuplot missing) leaves a note on the page.
 */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "compare.h"
#include "options.h"
#include "plot.h"

enum { EXIT_OK = 0, EXIT_USAGE = 2, EXIT_RUNTIME = 3 };

#define MAX_AUTO_METRICS 6

static const char css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;"
    "max-width:1100px;padding:0 1em;color:#1a1a1a;background:#fff}"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd}"
    "table{border-collapse:collapse;margin:.5em 0;font-size:.9em}"
    "th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f4f4f4}"
    "pre{background:#f7f7f7;border:1px solid #e2e2e2;padding:.8em;overflow-x:auto;"
    "font-size:.85em}"
    ".pass{color:#0a7a2f;font-weight:600}.fail{color:#b3141b;font-weight:600}"
    ".muted{color:#666}figure{margin:1em 0}figure img{max-width:100%;border:1px solid #eee}"
    "code{font-size:.9em}td code{word-break:break-all}";

/* Append |text| HTML-escaped. */
static void
esc(GString *out, const char *text)
{
  char *e = g_markup_escape_text(text ? text : "", -1);
  g_string_append(out, e);
  g_free(e);
}

static void
cell(GString *out, const char *text)
{
  g_string_append(out, "<td>");
  esc(out, text);
  g_string_append(out, "</td>");
}

static void
num_cell(GString *out, double v)
{
  if (isfinite(v) && v == floor(v) && fabs(v) < 1e15)
    g_string_append_printf(out, "<td class=\"n\">%.0f</td>", v);
  else if (isfinite(v))
    g_string_append_printf(out, "<td class=\"n\">%.6g</td>", v);
  else
    g_string_append(out, "<td class=\"n\">–</td>");
}

static char *
col(sqlite3_stmt *st, int i)
{
  const unsigned char *t = sqlite3_column_text(st, i);
  return g_strdup(t ? (const char *)t : "");
}

/* ------------------------------------------------------------- sections */

static bool
section_scenario(GString *h, sqlite3 *db, GArray *runs, GError **error)
{
  GError *e = NULL;
  char *kind = sim_plot_meta(db, "kind", &e);
  if (e) {
    g_propagate_error(error, e);
    return false;
  }
  sqlite3_stmt *st = sim_plot_prepare(db, "SELECT scenario_path, scenario_text, version, "
                                          "git_rev, started_at FROM run ORDER BY id LIMIT 1",
                                      error);
  if (!st) {
    g_free(kind);
    return false;
  }
  char *path = NULL, *text = NULL, *version = NULL, *rev = NULL, *started = NULL;
  if (sim_plot_step(st, &e)) {
    path = col(st, 0);
    text = col(st, 1);
    version = col(st, 2);
    rev = col(st, 3);
    started = col(st, 4);
  }
  sqlite3_finalize(st);
  if (e) {
    g_propagate_error(error, e);
    g_free(kind);
    return false;
  }
  /* [run] description, from the text as run */
  char *description = NULL;
  GKeyFile *kf = g_key_file_new();
  if (text && g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_NONE, NULL))
    description = g_key_file_get_string(kf, "run", "description", NULL);
  g_key_file_free(kf);

  const sim_plot_run *r0 = &g_array_index(runs, sim_plot_run, 0);
  g_string_append(h, "<h1>");
  esc(h, r0->name);
  g_string_append(h, "</h1>\n");
  if (description) {
    g_string_append(h, "<p>");
    esc(h, description);
    g_string_append(h, "</p>\n");
  }
  g_string_append(h, "<p class=\"muted\">Scenario <code>");
  esc(h, path);
  g_string_append_printf(h, "</code>, %u run%s; peerlab ", runs->len, runs->len == 1 ? "" : "s");
  esc(h, version);
  g_string_append(h, " (git ");
  esc(h, rev);
  g_string_append(h, "), started ");
  esc(h, started);
  g_string_append(h, "; database kind ");
  esc(h, kind ? kind : "run");
  g_string_append(h, ".</p>\n<h2>Scenario as run</h2>\n<pre>");
  esc(h, text);
  g_string_append(h, "</pre>\n");
  g_free(kind);
  g_free(description);
  g_free(path);
  g_free(text);
  g_free(version);
  g_free(rev);
  g_free(started);
  return true;
}

static bool
section_runs(GString *h, sqlite3 *db, GArray *runs, GError **error)
{
  g_string_append(h, "<h2>Runs</h2>\n<table>\n<tr><th>run</th><th>seed</th><th>parameters</th>"
                     "<th>status</th><th>nodes</th><th>events</th><th>virtual s</th>"
                     "<th>wall s</th><th>peak MiB</th><th>trace digest</th></tr>\n");
  sqlite3_stmt *st = sim_plot_prepare(db, "SELECT nodes, events, virtual_ns, wall_s, "
                                          "peak_rss_bytes, trace, error FROM run WHERE id = ?",
                                      error);
  if (!st)
    return false;
  GError *e = NULL;
  for (guint i = 0; !e && i < runs->len; i++) {
    const sim_plot_run *r = &g_array_index(runs, sim_plot_run, i);
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, r->id);
    if (!sim_plot_step(st, &e))
      continue;
    g_string_append_printf(h, "<tr><td class=\"n\">%" G_GINT64_FORMAT "</td>"
                              "<td class=\"n\">%" G_GUINT64_FORMAT "</td>", r->id, r->seed);
    cell(h, r->params[0] ? r->params : "–");
    bool complete = strcmp(r->status, "complete") == 0;
    g_string_append_printf(h, "<td class=\"%s\">", complete ? "pass" : "fail");
    esc(h, r->status);
    char *err = col(st, 6);
    if (err[0]) {
      g_string_append(h, ": ");
      esc(h, err);
    }
    g_free(err);
    g_string_append(h, "</td>");
    num_cell(h, sqlite3_column_type(st, 0) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 0));
    num_cell(h, sqlite3_column_type(st, 1) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 1));
    num_cell(h, sqlite3_column_type(st, 2) == SQLITE_NULL ? NAN
                                                          : sqlite3_column_double(st, 2) / 1e9);
    num_cell(h, sqlite3_column_type(st, 3) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 3));
    num_cell(h, sqlite3_column_type(st, 4) == SQLITE_NULL
                    ? NAN : sqlite3_column_double(st, 4) / 1048576.0);
    char *trace = col(st, 5);
    g_string_append(h, "<td><code>");
    esc(h, trace);
    g_string_append(h, "</code></td></tr>\n");
    g_free(trace);
  }
  sqlite3_finalize(st);
  if (e) {
    g_propagate_error(error, e);
    return false;
  }
  g_string_append(h, "</table>\n");
  return true;
}

static bool
section_summary(GString *h, sqlite3 *db, GArray *runs, GError **error)
{
  g_string_append(h, "<h2>Summary</h2>\n");
  sqlite3_stmt *st = NULL;
  GError *e = NULL;
  if (runs->len == 1) {
    g_string_append(h, "<table>\n<tr><th>metric</th><th>kind</th><th>count</th><th>sum</th>"
                       "<th>mean</th><th>min</th><th>p50</th><th>p90</th><th>p99</th>"
                       "<th>max</th><th>last</th></tr>\n");
    st = sim_plot_prepare(db, "SELECT m.name, m.kind, s.count, s.sum, s.mean, s.min, s.p50, "
                              "s.p90, s.p99, s.max, s.last FROM summary AS s JOIN metric AS m "
                              "ON m.id = s.metric_id WHERE s.run_id = ? ORDER BY m.name", error);
    if (!st)
      return false;
    sqlite3_bind_int64(st, 1, g_array_index(runs, sim_plot_run, 0).id);
    while (sim_plot_step(st, &e)) {
      g_string_append(h, "<tr>");
      char *name = col(st, 0), *kind = col(st, 1);
      cell(h, name);
      cell(h, kind);
      for (int i = 2; i <= 10; i++)
        num_cell(h, sqlite3_column_double(st, i));
      g_string_append(h, "</tr>\n");
      g_free(name);
      g_free(kind);
    }
  } else {
    g_string_append(h, "<p class=\"muted\">Across all runs: mean ± half-width of the 95% "
                       "confidence interval (Student t) of each run's statistic.</p>\n"
                       "<table>\n<tr><th>metric</th><th>kind</th><th>runs</th><th>mean</th>"
                       "<th>p50</th><th>p99</th><th>sum</th></tr>\n");
    st = sim_plot_prepare(db, "SELECT m.name, m.kind, s.mean, s.p50, s.p99, s.sum "
                              "FROM summary AS s JOIN metric AS m ON m.id = s.metric_id "
                              "ORDER BY m.name, s.run_id", error);
    if (!st)
      return false;
    GArray *vals[4];
    for (int k = 0; k < 4; k++)
      vals[k] = g_array_new(FALSE, FALSE, sizeof(double));
    char *cur = NULL, *cur_kind = NULL;
    for (bool more = true; more;) {
      more = sim_plot_step(st, &e);
      const char *name = more ? (const char *)sqlite3_column_text(st, 0) : NULL;
      if (cur && (!more || strcmp(name, cur) != 0)) {
        g_string_append(h, "<tr>");
        cell(h, cur);
        cell(h, cur_kind);
        g_string_append_printf(h, "<td class=\"n\">%u</td>", vals[0]->len);
        for (int k = 0; k < 4; k++) {
          double m, half;
          sim_compare_mean_ci((const double *)vals[k]->data, vals[k]->len, &m, &half);
          g_string_append_printf(h, "<td class=\"n\">%.6g ± %.3g</td>", m, half);
          g_array_set_size(vals[k], 0);
        }
        g_string_append(h, "</tr>\n");
        g_clear_pointer(&cur, g_free);
        g_clear_pointer(&cur_kind, g_free);
      }
      if (!more)
        break;
      if (!cur) {
        cur = g_strdup(name);
        cur_kind = col(st, 1);
      }
      for (int k = 0; k < 4; k++) {
        double v = sqlite3_column_double(st, 2 + k);
        g_array_append_val(vals[k], v);
      }
    }
    for (int k = 0; k < 4; k++)
      g_array_free(vals[k], TRUE);
  }
  sqlite3_finalize(st);
  if (e) {
    g_propagate_error(error, e);
    return false;
  }
  g_string_append(h, "</table>\n");
  return true;
}

/* Expectations; returns the metric names they refer to (for plots), or
 * NULL with |error| set when reading fails. */
static GPtrArray *
section_expectations(GString *h, sqlite3 *db, GArray *runs, GError **error)
{
  sqlite3_stmt *st = sim_plot_prepare(db, "SELECT run_id, label, expr, metric, observed, pass "
                                          "FROM expectation ORDER BY id, run_id", error);
  if (!st)
    return NULL;
  GPtrArray *metrics = g_ptr_array_new_with_free_func(g_free);
  g_string_append(h, "<h2>Expectations</h2>\n");
  GError *e = NULL;
  GString *rows = g_string_new(NULL);
  unsigned total = 0, passed = 0;
  char *cur = NULL;
  unsigned cur_runs = 0, cur_pass = 0;
  double cur_min = INFINITY, cur_max = -INFINITY;
  char *cur_expr = NULL;
  bool multi = runs->len > 1;
  for (bool more = true; more;) {
    more = sim_plot_step(st, &e);
    const char *label = more ? (const char *)sqlite3_column_text(st, 1) : NULL;
    if (multi && cur && (!more || strcmp(label ? label : "", cur) != 0)) {
      bool all = cur_pass == cur_runs;
      g_string_append_printf(rows, "<tr><td class=\"%s\">%s</td>", all ? "pass" : "fail",
                             all ? "✔ pass" : "✘ FAIL");
      cell(rows, cur);
      g_string_append(rows, "<td><code>");
      esc(rows, cur_expr);
      g_string_append_printf(rows, "</code></td><td class=\"n\">%u / %u</td>"
                                   "<td class=\"n\">%.6g … %.6g</td></tr>\n",
                             cur_pass, cur_runs, cur_min, cur_max);
      g_clear_pointer(&cur, g_free);
      g_clear_pointer(&cur_expr, g_free);
      cur_runs = cur_pass = 0;
      cur_min = INFINITY;
      cur_max = -INFINITY;
    }
    if (!more)
      break;
    bool pass = sqlite3_column_int(st, 5) != 0;
    double observed = sqlite3_column_double(st, 4);
    char *expr = col(st, 2), *metric = col(st, 3);
    total++;
    passed += pass;
    if (!g_ptr_array_find_with_equal_func(metrics, metric, g_str_equal, NULL))
      g_ptr_array_add(metrics, g_strdup(metric));
    if (multi) {
      if (!cur) {
        cur = g_strdup(label ? label : "");
        cur_expr = g_strdup(expr);
      }
      cur_runs++;
      cur_pass += pass;
      cur_min = MIN(cur_min, observed);
      cur_max = MAX(cur_max, observed);
    } else {
      g_string_append_printf(rows, "<tr><td class=\"%s\">%s</td>", pass ? "pass" : "fail",
                             pass ? "✔ pass" : "✘ FAIL");
      cell(rows, label);
      g_string_append(rows, "<td><code>");
      esc(rows, expr);
      g_string_append(rows, "</code></td>");
      num_cell(rows, observed);
      g_string_append(rows, "</tr>\n");
    }
    g_free(expr);
    g_free(metric);
  }
  sqlite3_finalize(st);
  if (e) {
    g_propagate_error(error, e);
    g_clear_pointer(&metrics, g_ptr_array_unref);
  } else if (!total) {
    g_string_append(h, "<p class=\"muted\">The scenario has no expectations.</p>\n");
  } else {
    g_string_append_printf(h, "<p class=\"%s\">%u of %u passed.</p>\n<table>\n<tr><th>outcome"
                              "</th><th>label</th><th>expectation</th><th>%s</th></tr>\n",
                           passed == total ? "pass" : "fail", passed, total,
                           multi ? "runs passed</th><th>observed (min … max)" : "observed");
    g_string_append(h, rows->str);
    g_string_append(h, "</table>\n");
  }
  g_string_free(rows, TRUE);
  g_free(cur);
  g_free(cur_expr);
  return metrics;
}

/* Whether metric |name| has a summary row in some run; false with
 * |error| set when reading fails. */
static bool
recorded(sqlite3 *db, const char *name, GError **error)
{
  sqlite3_stmt *st = sim_plot_prepare(db, "SELECT 1 FROM summary AS s JOIN metric AS m "
                                          "ON m.id = s.metric_id WHERE m.name = ? LIMIT 1",
                                      error);
  if (!st)
    return false;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
  bool found = sim_plot_step(st, error);
  sqlite3_finalize(st);
  return found;
}

/* Metrics to plot when neither --metric nor expectations name any,
 * appended to |out|; false with |error| set when reading fails. */
static bool
auto_metrics(sqlite3 *db, GPtrArray *out, GError **error)
{
  static const char *const preferred[] = { "peer.count", "ping.rtt_ms", "msg.sent",
                                           "handshake.ok", NULL };
  GError *e = NULL;
  for (size_t i = 0; !e && preferred[i] && out->len < MAX_AUTO_METRICS; i++)
    if (recorded(db, preferred[i], &e))
      g_ptr_array_add(out, g_strdup(preferred[i]));
  sqlite3_stmt *st = e ? NULL : sim_plot_prepare(db, "SELECT DISTINCT m.name FROM metric AS m "
                                                     "JOIN summary AS s ON s.metric_id = m.id "
                                                     "ORDER BY m.name", &e);
  while (st && out->len < 3 && sim_plot_step(st, &e)) {
    const char *name = (const char *)sqlite3_column_text(st, 0);
    if (!g_ptr_array_find_with_equal_func(out, name, g_str_equal, NULL))
      g_ptr_array_add(out, g_strdup(name));
  }
  sqlite3_finalize(st);
  if (e) {
    g_propagate_error(error, e);
    return false;
  }
  return true;
}

/* Add the figure of one plot to |h|: the plot, or why it could not be
 * made (counted in *|problems| unless it is only missing data).  False
 * with |error| set when reading |db| fails: the report would be wrong. */
static bool
add_plot(GString *h, sqlite3 *db, const char *dir, const char *format, unsigned *n,
         sim_plot_kind kind, const char *metric, unsigned *problems, GError **error)
{
  char *file = g_strdup_printf("plot-%u-%s.%s", ++*n, sim_plot_kind_name(kind), format);
  char *path = g_build_filename(dir, file, NULL);
  const char *ms[] = { metric, NULL };
  sim_plot_request req = { .kind = kind, .metrics = ms, .out_path = path };
  GError *e = NULL;
  bool ok = sim_plot_make(db, &req, &e);
  if (!ok && e->code == SIM_PLOT_ERROR_DATABASE) {
    g_propagate_error(error, e);
    g_free(path);
    g_free(file);
    return false;
  }
  g_string_append(h, "<figure>");
  if (ok) {
    g_string_append_printf(h, "<img src=\"%s\" alt=\"", file);
    esc(h, sim_plot_kind_name(kind));
    g_string_append(h, " of ");
    esc(h, metric);
    g_string_append(h, "\">");
  } else {
    /* a metric without data for this kind is no problem of the report */
    bool problem = e->code != SIM_PLOT_ERROR_INPUT;
    g_string_append_printf(h, "<p class=\"%s\">No ", problem ? "fail" : "muted");
    esc(h, sim_plot_kind_name(kind));
    g_string_append(h, " plot of ");
    esc(h, metric);
    g_string_append(h, ": ");
    esc(h, e->message);
    g_string_append(h, "</p>");
    if (problem) {
      fprintf(stderr, "peerlab report: %s plot of %s: %s\n", sim_plot_kind_name(kind), metric,
              e->message);
      ++*problems;
    }
    g_error_free(e);
  }
  g_string_append(h, "<figcaption class=\"muted\">");
  esc(h, sim_plot_kind_name(kind));
  g_string_append(h, " of <code>");
  esc(h, metric);
  g_string_append(h, "</code></figcaption></figure>\n");
  g_free(path);
  g_free(file);
  return true;
}

/* The kind of metric |name| into *|kind| (newly allocated; may be NULL).
 * False with |error| set when there is no such metric (INPUT) or reading
 * fails (DATABASE). */
static bool
find_metric(sqlite3 *db, const char *name, char **kind, GError **error)
{
  int64_t id;
  GError *e = NULL;
  if (sim_plot_metric(db, name, &id, kind, &e))
    return true;
  if (e)
    g_propagate_error(error, e);
  else
    g_set_error(error, SIM_PLOT_ERROR, SIM_PLOT_ERROR_INPUT, "no metric '%s' in the database",
                name);
  return false;
}

bool
sim_report_write(sqlite3 *db, const char *db_path, const char *dir,
                 const char *const *metrics, const char *format, unsigned *plot_problems,
                 GError **error)
{
  g_return_val_if_fail(db && dir, false);
  unsigned problems = 0;
  if (!format)
    format = "svg";
  for (size_t i = 0; metrics && metrics[i]; i++)
    if (!find_metric(db, metrics[i], NULL, error))
      return false;
  GArray *runs = sim_plot_runs(db, error);
  if (!runs)
    return false;
  if (runs->len == 0) {
    sim_plot_runs_free(runs);
    g_set_error(error, SIM_PLOT_ERROR, SIM_PLOT_ERROR_INPUT, "%s: no runs in the database",
                db_path);
    return false;
  }
  GString *h = g_string_new(NULL);
  const sim_plot_run *r0 = &g_array_index(runs, sim_plot_run, 0);
  g_string_append(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<title>peerlab report: ");
  esc(h, r0->name);
  g_string_append_printf(h, "</title>\n<style>%s</style>\n</head>\n<body>\n", css);
  /* every section is read before |dir| is touched: a database that fails
   * to read leaves an earlier report there as it was */
  GString *rest = g_string_new(NULL);
  GPtrArray *expect_metrics = NULL;
  bool ok = section_scenario(h, db, runs, error) && section_runs(h, db, runs, error)
            && (expect_metrics = section_expectations(rest, db, runs, error))
            && section_summary(h, db, runs, error);
  g_string_append(h, rest->str);
  g_string_free(rest, TRUE);

  GPtrArray *key = g_ptr_array_new_with_free_func(g_free);
  if (ok && metrics && metrics[0]) {
    for (size_t i = 0; metrics[i]; i++)
      g_ptr_array_add(key, g_strdup(metrics[i]));
  } else if (ok) {
    GError *e = NULL;
    for (guint i = 0; !e && i < expect_metrics->len && key->len < MAX_AUTO_METRICS; i++) {
      const char *m = g_ptr_array_index(expect_metrics, i);
      if (recorded(db, m, &e))
        g_ptr_array_add(key, g_strdup(m));
    }
    if (e) {
      g_propagate_error(error, e);
      ok = false;
    } else if (key->len == 0) {
      ok = auto_metrics(db, key, error);
    }
  }
  char **varied = ok ? sim_plot_varied_params(db, error) : NULL;
  ok = ok && varied;
  if (ok && g_mkdir_with_parents(dir, 0755) != 0) {
    int err = errno;
    g_set_error(error, SIM_PLOT_ERROR, SIM_PLOT_ERROR_FAILED, "%s: cannot create: %s", dir,
                g_strerror(err));
    ok = false;
  }
  /* plots of an earlier report in |dir| would linger under the same names */
  GDir *old = ok ? g_dir_open(dir, 0, NULL) : NULL;
  for (const char *f; old && (f = g_dir_read_name(old));) {
    if (g_str_has_prefix(f, "plot-") &&
        (g_str_has_suffix(f, ".svg") || g_str_has_suffix(f, ".png"))) {
      char *p = g_build_filename(dir, f, NULL);
      g_remove(p);
      g_free(p);
    }
  }
  if (old)
    g_dir_close(old);
  g_string_append(h, "<h2>Plots</h2>\n");
  unsigned n = 0;
  for (guint i = 0; ok && i < key->len; i++) {
    const char *m = g_ptr_array_index(key, i);
    char *kind = NULL;
    ok = find_metric(db, m, &kind, error)
         && add_plot(h, db, dir, format, &n, varied[0] ? SIM_PLOT_SWEEP : SIM_PLOT_SERIES, m,
                     &problems, error)
         && (strcmp(kind, "observation") != 0
             || add_plot(h, db, dir, format, &n, SIM_PLOT_CDF, m, &problems, error));
    g_free(kind);
  }
  if (!key->len)
    g_string_append(h, "<p class=\"muted\">No metric was recorded.</p>\n");
  g_string_append(h, "<p class=\"muted\">Made by <code>peerlab report</code> from <code>");
  esc(h, db_path);
  g_string_append(h, "</code>.</p>\n</body>\n</html>\n");

  char *index = g_build_filename(dir, "index.html", NULL);
  GError *e = NULL;
  if (ok && !g_file_set_contents(index, h->str, (gssize)h->len, &e)) {
    g_set_error(error, SIM_PLOT_ERROR, SIM_PLOT_ERROR_FAILED, "%s", e->message);
    g_error_free(e);
    ok = false;
  }
  if (plot_problems)
    *plot_problems = problems;
  g_free(index);
  g_strfreev(varied);
  g_ptr_array_free(key, TRUE);
  if (expect_metrics)
    g_ptr_array_free(expect_metrics, TRUE);
  g_string_free(h, TRUE);
  sim_plot_runs_free(runs);
  return ok;
}

int
sim_report_main(int argc, char **argv)
{
  char *out = NULL, *format = NULL;
  char **metrics = NULL;
  GOptionEntry entries[] = {
      {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out,
       "Directory of the report (default: DB without .db, plus -report)", "DIR"},
      {"metric", 'm', 0, G_OPTION_ARG_STRING_ARRAY, &metrics,
       "Metric to plot (repeatable; default: those the expectations name)", "NAME"},
      {"format", 0, 0, G_OPTION_ARG_STRING, &format, "Plot files: svg (default) or png",
       "FORMAT"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new("DB - write an HTML report of a results database");
  g_option_context_set_summary(ctx,
      "Writes DIR/index.html: the scenario, the runs, the summary of every metric, the\n"
      "expectation outcomes and plots of the key metrics (files beside the page; plots\n"
      "need gnuplot). See docs/plots.md.\n"
      "Exit status: 0 ok, 2 bad usage or input, 3 the report could not be written.");
  GError *error = NULL;
  int rc = EXIT_USAGE;
  sqlite3 *db = NULL;
  char *dir = NULL;
  if (!sim_options_parse(ctx, entries, &argc, &argv, &error)) {
    fprintf(stderr, "peerlab report: %s\n", error->message);
    goto done;
  }
  if (argc != 2) {
    fprintf(stderr, "peerlab report: expected exactly one results database DB "
                    "(see peerlab report --help)\n");
    goto done;
  }
  if (format && strcmp(format, "svg") != 0 && strcmp(format, "png") != 0) {
    fprintf(stderr, "peerlab report: --format: found '%s', expected svg or png\n", format);
    goto done;
  }
  db = sim_plot_db_open(argv[1], &error);
  if (!db) {
    fprintf(stderr, "peerlab report: %s\n", error->message);
    goto done;
  }
  if (out) {
    dir = g_strdup(out);
  } else {
    char *base = g_str_has_suffix(argv[1], ".db")
                     ? g_strndup(argv[1], strlen(argv[1]) - 3) : g_strdup(argv[1]);
    dir = g_strdup_printf("%s-report", base);
    g_free(base);
  }
  unsigned problems = 0;
  if (sim_report_write(db, argv[1], dir, (const char *const *)metrics, format, &problems,
                       &error)) {
    char *index = g_build_filename(dir, "index.html", NULL);
    printf("%s\n", index);
    g_free(index);
    if (problems)
      fprintf(stderr, "peerlab report: %u plot%s could not be made (see above)\n", problems,
              problems == 1 ? "" : "s");
    rc = EXIT_OK;
  } else {
    fprintf(stderr, "peerlab report: %s\n", error->message);
    rc = error->code == SIM_PLOT_ERROR_INPUT || error->code == SIM_PLOT_ERROR_DATABASE
             ? EXIT_USAGE : EXIT_RUNTIME;
  }
done:
  if (db)
    sqlite3_close(db);
  g_clear_error(&error);
  g_free(out);
  g_free(format);
  g_free(dir);
  g_strfreev(metrics);
  g_option_context_free(ctx);
  return rc;
}
