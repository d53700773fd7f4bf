/*
 * compare.c — `peerlab compare`: a baseline and a candidate, metric by
 * metric, across runs (seeds), as TAP.
 *
 * How it works.
 *
 * Each side is a results database (a sweep over seeds, or a single run).
 * The runs of a side are its complete runs, optionally narrowed by
 * --param KEY=VALUE (run_param).  For every metric (the --metric list, or
 * every metric recorded in both databases, by name) one summary statistic
 * per run is taken (--stat, default mean; NAME.STAT picks one per metric),
 * a metric a run never recorded counting as 0 as it does for expectations.
 * Each side gives a mean with a 95% Student-t confidence interval; the
 * difference is new - base, absolute and in % of |base|; a two-sided
 * Mann-Whitney U test (exact without ties for up to 50 runs a side,
 * otherwise normal with tie and continuity corrections) gives p.
 *
 * The regression rule: a metric regresses when its difference goes in the
 * bad direction by more than its threshold (in % of the base mean; default
 * 5, --threshold PATTERN=PCT, the last matching pattern wins) AND p <
 * alpha (default 0.05).  Lower is better unless the metric matches a
 * --higher-is-better PATTERN (globs over metric names).  A base mean of 0
 * makes any change in the bad direction infinitely large in %.
 *
 * Output is one TAP test point per metric, "not ok" for a regression;
 * the exit status is 1 when one regressed.  Order: metrics as given, or
 * by name.
 */
#include "compare.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "plot.h"

enum { EXIT_OK = 0, EXIT_REGRESSION = 1, EXIT_USAGE = 2 };

/* ---------------------------------------------------------- statistics */

double
sim_compare_t975(unsigned df)
{
  static const double table[] = {
    NAN,     12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
    2.2010,  2.1788,  2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
    2.0796,  2.0739,  2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
  };
  if (df < G_N_ELEMENTS(table))
    return table[df];
  /* Cornish-Fisher expansion of the t quantile around the normal one */
  const double z = 1.959963984540054, n = df;
  double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z, z9 = z7 * z * z;
  return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * n * n * n) +
         (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * n * n * n * n);
}

void
sim_compare_mean_ci(const double *v, size_t n, double *mean, double *half)
{
  if (n == 0) {
    *mean = *half = NAN;
    return;
  }
  double sum = 0;
  for (size_t i = 0; i < n; i++)
    sum += v[i];
  double m = sum / (double)n, ss = 0;
  for (size_t i = 0; i < n; i++)
    ss += (v[i] - m) * (v[i] - m);
  *mean = m;
  *half = n > 1 ? sim_compare_t975((unsigned)(n - 1)) * sqrt(ss / (double)(n - 1)) / sqrt((double)n)
                : 0;
}

typedef struct ranked {
  double v;   /* value */
  int side;   /* 0: a, 1: b */
} ranked;

static int
cmp_ranked(const void *x, const void *y)
{
  const ranked *a = x, *b = y;
  return a->v < b->v ? -1 : a->v > b->v ? 1 : a->side - b->side;
}

/* Counts of the null distribution of U for sizes m, n (m*n+1 entries):
 * the coefficients of the Gaussian binomial [m+n choose m]_q. */
static double *
u_distribution(size_t m, size_t n)
{
  size_t deg = m * n;
  double *c = g_new0(double, deg + m + n + 1); /* room for the intermediate products */
  c[0] = 1;
  size_t cur = 0; /* current degree */
  for (size_t i = 1; i <= m; i++) {
    /* multiply by (1 - q^(n+i)) */
    size_t sh = n + i;
    for (size_t k = cur + sh; k >= sh; k--) {
      if (k - sh <= cur)
        c[k] -= c[k - sh];
      if (k == sh)
        break;
    }
    cur += sh;
    /* divide by (1 - q^i): c[k] += c[k - i] ascending */
    for (size_t k = i; k <= cur; k++)
      c[k] += c[k - i];
    cur -= i;
  }
  g_assert(cur == deg);
  return c;
}

double
sim_compare_mann_whitney(const double *a, size_t na, const double *b, size_t nb, double *u,
                         int *exact)
{
  g_assert(na > 0 && nb > 0);
  size_t n = na + nb;
  ranked *all = g_new(ranked, n);
  for (size_t i = 0; i < na; i++)
    all[i] = (ranked){ a[i], 0 };
  for (size_t i = 0; i < nb; i++)
    all[na + i] = (ranked){ b[i], 1 };
  qsort(all, n, sizeof *all, cmp_ranked);
  double r1 = 0, ties = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && all[j + 1].v == all[i].v)
      j++;
    double t = (double)(j - i + 1), rank = (double)(i + j) / 2 + 1;
    ties += t * t * t - t;
    for (size_t k = i; k <= j; k++)
      if (all[k].side == 0)
        r1 += rank;
    i = j + 1;
  }
  g_free(all);
  double u1 = r1 - (double)na * (double)(na + 1) / 2;
  if (u)
    *u = u1;
  double p;
  if (ties == 0 && na <= 50 && nb <= 50) {
    double *c = u_distribution(na, nb);
    size_t deg = na * nb, uu = (size_t)llround(u1);
    double total = 0, le = 0, ge = 0;
    for (size_t k = 0; k <= deg; k++) {
      total += c[k];
      if (k <= uu)
        le += c[k];
      if (k >= uu)
        ge += c[k];
    }
    g_free(c);
    p = 2 * MIN(le, ge) / total;
    if (exact)
      *exact = 1;
  } else {
    double mu = (double)na * (double)nb / 2;
    double var = (double)na * (double)nb / 12 *
                 ((double)(n + 1) - ties / ((double)n * (double)(n - 1)));
    if (var <= 0) {
      p = 1;
    } else {
      double z = (fabs(u1 - mu) - 0.5) / sqrt(var);
      p = z <= 0 ? 1 : erfc(z / G_SQRT2);
    }
    if (exact)
      *exact = 0;
  }
  return MIN(p, 1.0);
}

/* ------------------------------------------------------------- command */

typedef struct side {
  const char *path;     /* database */
  sqlite3 *db;          /* open */
  GArray *run_ids;      /* int64 ids of the selected runs */
} side;

static const char *const stat_names[] = {
  "count", "sum", "mean", "min", "max", "p50", "p90", "p99", "last", NULL,
};

static bool
is_stat(const char *s)
{
  for (size_t i = 0; stat_names[i]; i++)
    if (strcmp(s, stat_names[i]) == 0)
      return true;
  return false;
}

/* Select into s->run_ids the complete runs of |s| matching every
 * KEY=VALUE of |params| (possibly none).  False with |error| set when
 * reading fails. */
static bool
select_runs(side *s, char **params, GError **error)
{
  s->run_ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
  sqlite3_stmt *st = sim_plot_prepare(
      s->db, "SELECT id FROM run WHERE status = 'complete' ORDER BY id", error);
  if (!st)
    return false;
  sqlite3_stmt *pst = sim_plot_prepare(
      s->db, "SELECT value FROM run_param WHERE run_id = ? AND key = ?", error);
  if (!pst) {
    sqlite3_finalize(st);
    return false;
  }
  GError *e = NULL;
  while (!e && sim_plot_step(st, &e)) {
    int64_t id = sqlite3_column_int64(st, 0);
    bool keep = true;
    for (size_t i = 0; keep && params && params[i]; i++) {
      const char *eq = strchr(params[i], '=');
      char *key = g_strndup(params[i], (size_t)(eq - params[i]));
      sqlite3_reset(pst);
      sqlite3_bind_int64(pst, 1, id);
      sqlite3_bind_text(pst, 2, key, -1, SQLITE_TRANSIENT);
      keep = sim_plot_step(pst, &e) &&
             strcmp((const char *)sqlite3_column_text(pst, 0), eq + 1) == 0;
      g_free(key);
    }
    if (keep)
      g_array_append_val(s->run_ids, id);
  }
  sqlite3_finalize(pst);
  sqlite3_finalize(st);
  if (e) {
    g_propagate_error(error, e);
    return false;
  }
  return true;
}

/* Values of metric |name| statistic |stat| over the runs of |s| (missing:
 * 0), or NULL with |error| set when reading fails. */
static double *
side_values(const side *s, const char *name, const char *stat, GError **error)
{
  int64_t id;
  GError *e = NULL;
  if (!sim_plot_metric(s->db, name, &id, NULL, &e)) {
    if (e) {
      g_propagate_error(error, e);
      return NULL;
    }
    return g_new0(double, s->run_ids->len + 1);
  }
  char *sql = g_strdup_printf("SELECT %s FROM summary WHERE run_id = ? AND metric_id = ?", stat);
  sqlite3_stmt *st = sim_plot_prepare(s->db, sql, error);
  g_free(sql);
  if (!st)
    return NULL;
  double *v = g_new0(double, s->run_ids->len + 1);
  for (guint i = 0; !e && i < s->run_ids->len; i++) {
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, g_array_index(s->run_ids, int64_t, i));
    sqlite3_bind_int64(st, 2, id);
    if (sim_plot_step(st, &e))
      v[i] = sqlite3_column_double(st, 0);
  }
  sqlite3_finalize(st);
  if (e) {
    g_propagate_error(error, e);
    g_free(v);
    return NULL;
  }
  return v;
}

/* Names of metrics recorded (a summary row) in both databases, sorted;
 * NULL with |error| set when reading either fails. */
static GPtrArray *
common_metrics(const side *a, const side *b, GError **error)
{
  sqlite3_stmt *st = sim_plot_prepare(a->db, "SELECT DISTINCT m.name FROM metric AS m "
                                             "JOIN summary AS s ON s.metric_id = m.id "
                                             "ORDER BY m.name", error);
  if (!st)
    return NULL;
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  GError *e = NULL;
  while (!e && sim_plot_step(st, &e)) {
    const char *name = (const char *)sqlite3_column_text(st, 0);
    int64_t id;
    if (sim_plot_metric(b->db, name, &id, NULL, &e))
      g_ptr_array_add(names, g_strdup(name));
  }
  sqlite3_finalize(st);
  if (e) {
    g_propagate_error(error, e);
    g_ptr_array_free(names, TRUE);
    return NULL;
  }
  return names;
}

/* Whether metric |name| is in either database; false with |error| set
 * when reading fails. */
static bool
known_metric(const side *sides, const char *name, GError **error)
{
  int64_t id;
  GError *e = NULL;
  for (int s = 0; !e && s < 2; s++)
    if (sim_plot_metric(sides[s].db, name, &id, NULL, &e))
      return true;
  if (e)
    g_propagate_error(error, e);
  return false;
}

static bool
parse_pct(const char *text, double *out)
{
  char *end = NULL;
  double d = g_ascii_strtod(text, &end);
  if (end == text)
    return false;
  if (*end == '%')
    end++;
  *out = d;
  return *end == '\0' && isfinite(d) && d >= 0;
}

int
sim_compare_main(int argc, char **argv)
{
  char **metrics = NULL, **thresholds = NULL, **higher = NULL, **params = NULL;
  char *stat = NULL, *alpha_text = NULL;
  GOptionEntry entries[] = {
      {"metric", 'm', 0, G_OPTION_ARG_STRING_ARRAY, &metrics,
       "Metric to compare, NAME or NAME.STAT (repeatable; default: every metric recorded in "
       "both)", "NAME"},
      {"stat", 0, 0, G_OPTION_ARG_STRING, &stat,
       "Summary statistic per run: count, sum, mean, min, max, p50, p90, p99, last "
       "(default mean)", "STAT"},
      {"threshold", 't', 0, G_OPTION_ARG_STRING_ARRAY, &thresholds,
       "Allowed change in the bad direction, in % of the base mean, for metrics matching "
       "the glob PATTERN (repeatable, last match wins; default 5)", "PATTERN=PCT"},
      {"higher-is-better", 0, 0, G_OPTION_ARG_STRING_ARRAY, &higher,
       "Metrics matching the glob PATTERN get better as they grow (default: lower is better)",
       "PATTERN"},
      {"alpha", 0, 0, G_OPTION_ARG_STRING, &alpha_text,
       "Significance level of the Mann-Whitney test (default 0.05)", "P"},
      {"param", 0, 0, G_OPTION_ARG_STRING_ARRAY, &params,
       "Only runs whose run_param KEY has VALUE, on both sides (repeatable)", "KEY=VALUE"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx =
      g_option_context_new("BASE.db NEW.db - compare two sets of runs, metric by metric");
  g_option_context_set_summary(ctx,
      "Compares the runs (seeds) of two results databases metric by metric: mean and 95%\n"
      "confidence interval per side, the difference, and a two-sided Mann-Whitney U test.\n"
      "A metric regresses when it moves in the bad direction by more than its threshold\n"
      "and p < alpha. Prints TAP, one test point per metric (docs/ci.md).\n"
      "Exit status: 0 no regression, 1 a regression, 2 bad usage or input.");
  GError *error = NULL;
  int rc = EXIT_USAGE;
  side sides[2] = { { 0 }, { 0 } };
  GPtrArray *names = NULL;
  double alpha = 0.05;
  double *pcts = NULL;

  if (!sim_options_parse(ctx, entries, &argc, &argv, &error)) {
    fprintf(stderr, "peerlab compare: %s\n", error->message);
    goto done;
  }
  if (argc != 3) {
    fprintf(stderr, "peerlab compare: expected BASE.db and NEW.db (see peerlab compare "
                    "--help)\n");
    goto done;
  }
  if (stat && !is_stat(stat)) {
    fprintf(stderr, "peerlab compare: --stat: found '%s', expected one of count, sum, mean, "
                    "min, max, p50, p90, p99, last\n", stat);
    goto done;
  }
  if (alpha_text) {
    char *end = NULL;
    alpha = g_ascii_strtod(alpha_text, &end);
    if (end == alpha_text || *end || !(alpha > 0 && alpha < 1)) {
      fprintf(stderr, "peerlab compare: --alpha: found '%s', expected a number between 0 "
                      "and 1\n", alpha_text);
      goto done;
    }
  }
  size_t nt = thresholds ? g_strv_length(thresholds) : 0;
  pcts = g_new0(double, nt + 1);
  for (size_t i = 0; i < nt; i++) {
    char *eq = strrchr(thresholds[i], '=');
    if (!eq || eq == thresholds[i] || !parse_pct(eq + 1, &pcts[i])) {
      fprintf(stderr, "peerlab compare: --threshold: found '%s', expected PATTERN=PCT, "
                      "e.g. ping.rtt_ms=10 or '*=5'\n", thresholds[i]);
      goto done;
    }
    *eq = '\0';
  }
  for (size_t i = 0; params && params[i]; i++)
    if (!strchr(params[i], '=') || params[i][0] == '=') {
      fprintf(stderr, "peerlab compare: --param: found '%s', expected KEY=VALUE\n", params[i]);
      goto done;
    }
  for (int s = 0; s < 2; s++) {
    sides[s].path = argv[1 + s];
    sides[s].db = sim_plot_db_open(sides[s].path, &error);
    if (!sides[s].db) {
      fprintf(stderr, "peerlab compare: %s\n", error->message);
      goto done;
    }
    if (!select_runs(&sides[s], params, &error)) {
      fprintf(stderr, "peerlab compare: %s\n", error->message);
      goto done;
    }
    if (sides[s].run_ids->len == 0) {
      fprintf(stderr, "peerlab compare: %s: no complete run%s\n", sides[s].path,
                      params ? " with the given --param values" : "");
      goto done;
    }
  }

  if (metrics && metrics[0]) {
    names = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; metrics[i]; i++)
      g_ptr_array_add(names, g_strdup(metrics[i]));
  } else if (!(names = common_metrics(&sides[0], &sides[1], &error))) {
    fprintf(stderr, "peerlab compare: %s\n", error->message);
    goto done;
  }
  /* resolve every NAME[.STAT] and read every value before printing the
   * plan: a database that fails to read gives an error, not half a TAP
   * stream */
  char **mnames = g_new0(char *, names->len + 1), **mstats = g_new0(char *, names->len + 1);
  double **values = g_new0(double *, 2 * names->len + 1); /* base, new for each metric */
  bool ok = true;
  for (guint i = 0; ok && i < names->len; i++) {
    const char *spec = g_ptr_array_index(names, i);
    const char *dot = strrchr(spec, '.');
    bool known = known_metric(sides, spec, &error);
    if (!known && !error && dot && is_stat(dot + 1)) {
      char *base = g_strndup(spec, (size_t)(dot - spec));
      if (known_metric(sides, base, &error)) {
        mnames[i] = base;
        mstats[i] = g_strdup(dot + 1);
      } else {
        g_free(base);
      }
    }
    if (error) {
      fprintf(stderr, "peerlab compare: %s\n", error->message);
      ok = false;
    } else if (!known && !mnames[i]) {
      fprintf(stderr, "peerlab compare: no metric '%s' in %s or %s\n", spec, sides[0].path,
              sides[1].path);
      ok = false;
    } else if (!mnames[i]) {
      mnames[i] = g_strdup(spec);
      mstats[i] = g_strdup(stat ? stat : "mean");
    }
    for (int s = 0; ok && s < 2; s++)
      if (!(values[2 * i + s] = side_values(&sides[s], mnames[i], mstats[i], &error))) {
        fprintf(stderr, "peerlab compare: %s\n", error->message);
        ok = false;
      }
  }
  if (!ok) {
    for (guint i = 0; i < 2 * names->len; i++)
      g_free(values[i]);
    g_free(values);
    g_strfreev(mnames);
    g_strfreev(mstats);
    goto done;
  }

  printf("1..%u\n", names->len);
  printf("# base %s: %u runs; new %s: %u runs; alpha %g\n", sides[0].path,
         sides[0].run_ids->len, sides[1].path, sides[1].run_ids->len, alpha);
  bool regressed = false;
  for (guint i = 0; i < names->len; i++) {
    const char *name = mnames[i], *st = mstats[i];
    double *va = values[2 * i], *vb = values[2 * i + 1];
    size_t na = sides[0].run_ids->len, nb = sides[1].run_ids->len;
    double ma, ha, mb, hb, u;
    int exact = 0;
    sim_compare_mean_ci(va, na, &ma, &ha);
    sim_compare_mean_ci(vb, nb, &mb, &hb);
    double p = sim_compare_mann_whitney(va, na, vb, nb, &u, &exact);
    double diff = mb - ma;
    double pct = ma != 0 ? 100 * diff / fabs(ma) : diff == 0 ? 0 : copysign(INFINITY, diff);
    bool hib = false;
    for (size_t k = 0; higher && higher[k]; k++)
      hib = hib || g_pattern_match_simple(higher[k], name);
    double threshold = 5;
    for (size_t k = 0; k < nt; k++)
      if (g_pattern_match_simple(thresholds[k], name))
        threshold = pcts[k];
    double bad_pct = hib ? -pct : pct; /* > 0: worse */
    bool worse = bad_pct > threshold;
    bool is_reg = worse && p < alpha;
    regressed = regressed || is_reg;
    printf("%s %u - %s.%s: base %.6g ± %.3g, new %.6g ± %.3g, diff %+.6g (%+.2f%%), p=%.4g\n",
           is_reg ? "not ok" : "ok", i + 1, name, st, ma, ha, mb, hb, diff, pct, p);
    printf("#   %s is better; threshold %g%%; Mann-Whitney U=%g (%s); %s\n",
           hib ? "higher" : "lower", threshold, u, exact ? "exact" : "normal approximation",
           is_reg ? "REGRESSION: worse beyond the threshold and significant"
           : worse ? "worse beyond the threshold but not significant"
           : bad_pct < -threshold && p < alpha ? "improved significantly"
                                               : "within the threshold");
    g_free(va);
    g_free(vb);
  }
  fflush(stdout);
  g_free(values);
  g_strfreev(mnames);
  g_strfreev(mstats);
  rc = regressed ? EXIT_REGRESSION : EXIT_OK;

done:
  for (int s = 0; s < 2; s++) {
    if (sides[s].db)
      sqlite3_close(sides[s].db);
    if (sides[s].run_ids)
      g_array_free(sides[s].run_ids, TRUE);
  }
  if (names)
    g_ptr_array_free(names, TRUE);
  g_clear_error(&error);
  g_free(pcts);
  g_strfreev(metrics);
  g_strfreev(thresholds);
  g_strfreev(higher);
  g_strfreev(params);
  g_free(stat);
  g_free(alpha_text);
  g_option_context_free(ctx);
  return rc;
}
