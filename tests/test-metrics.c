/* test-metrics.c — aggregation, percentiles, windows, gauges, lookup. */
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "testutil.h"

static void
assert_close(double got, double want, double rel)
{
  if (fabs(got - want) > rel * fabs(want)) {
    g_test_message("got %.17g want %.17g (rel %g)", got, want, rel);
    g_assert_cmpfloat(fabs(got - want), <=, rel * fabs(want));
  }
}

/* Core metrics are registered at their pl_metric ids with their names. */
static void
test_core_registered(void)
{
  sim_metrics *m = sim_metrics_new();
  g_assert_cmpuint(sim_metrics_count(m), ==, PL_METRIC_COUNT);
  for (int i = 0; i < PL_METRIC_COUNT; i++) {
    const char *name = pl_metric_name((pl_metric)i);
    g_assert_nonnull(name);
    g_assert_cmpstr(sim_metrics_name(m, (uint32_t)i), ==, name);
    g_assert_cmpint(sim_metrics_lookup(m, name), ==, i);
    g_assert_cmpint(sim_metrics_kind(m, (uint32_t)i), ==, pl_metric_kind_of((pl_metric)i));
  }
  g_assert_cmpint(sim_metrics_lookup(m, "ping.rtt_ms"), ==, PL_METRIC_PING_RTT_MS);
  g_assert_cmpint(sim_metrics_kind(m, PL_METRIC_PING_RTT_MS), ==,
                  PL_METRIC_KIND_OBSERVATION);
  sim_metrics_free(m);
}

/* Host metrics follow the core ones; registering twice gives the same id;
 * unknown names give -1. */
static void
test_register_lookup(void)
{
  sim_metrics *m = sim_metrics_new();
  uint32_t a = sim_metrics_register(m, "net.dropped", PL_METRIC_KIND_COUNTER);
  uint32_t b = sim_metrics_register(m, "peer.count", PL_METRIC_KIND_GAUGE);
  g_assert_cmpuint(a, ==, PL_METRIC_COUNT);
  g_assert_cmpuint(b, ==, PL_METRIC_COUNT + 1);
  g_assert_cmpuint(sim_metrics_register(m, "net.dropped", PL_METRIC_KIND_COUNTER), ==, a);
  g_assert_cmpuint(sim_metrics_count(m), ==, PL_METRIC_COUNT + 2);
  g_assert_cmpint(sim_metrics_lookup(m, "net.dropped"), ==, (int)a);
  g_assert_cmpint(sim_metrics_lookup(m, "peer.count"), ==, (int)b);
  g_assert_cmpint(sim_metrics_lookup(m, "net"), ==, -1);
  g_assert_cmpint(sim_metrics_lookup(m, "net.dropped.x"), ==, -1);
  g_assert_cmpint(sim_metrics_lookup(m, ""), ==, -1);
  g_assert_cmpstr(sim_metrics_name(m, b), ==, "peer.count");
  g_assert_cmpint(sim_metrics_kind(m, b), ==, PL_METRIC_KIND_GAUGE);
  /* many registrations (the array grows) keep ids and names */
  for (int i = 0; i < 500; i++) {
    char name[32];
    g_snprintf(name, sizeof name, "x.m%d", i);
    g_assert_cmpuint(sim_metrics_register(m, name, PL_METRIC_KIND_OBSERVATION), ==,
                     PL_METRIC_COUNT + 2 + (uint32_t)i);
  }
  g_assert_cmpint(sim_metrics_lookup(m, "x.m321"), ==, PL_METRIC_COUNT + 2 + 321);
  g_assert_cmpstr(sim_metrics_name(m, a), ==, "net.dropped");
  sim_metrics_free(m);
}

static void
test_stat_names(void)
{
  static const char *const names[] = {
    "count", "sum", "mean", "min", "max", "p50", "p90", "p99", "last"
  };
  for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
    sim_stat s = SIM_STAT_DEFAULT;
    g_assert_true(sim_stat_parse(names[i], &s));
    g_assert_cmpint(s, ==, SIM_STAT_COUNT + (int)i);
    g_assert_cmpstr(sim_stat_name(s), ==, names[i]);
  }
  sim_stat s = SIM_STAT_MAX;
  g_assert_false(sim_stat_parse("p95", &s));
  g_assert_false(sim_stat_parse("default", &s));
  g_assert_false(sim_stat_parse("P99", &s));
  g_assert_false(sim_stat_parse("", &s));
  g_assert_cmpint(s, ==, SIM_STAT_MAX);
  g_assert_cmpstr(sim_stat_name(SIM_STAT_DEFAULT), ==, "default");
  g_assert_cmpint(sim_stat_natural(PL_METRIC_KIND_COUNTER), ==, SIM_STAT_SUM);
  g_assert_cmpint(sim_stat_natural(PL_METRIC_KIND_OBSERVATION), ==, SIM_STAT_MEAN);
  g_assert_cmpint(sim_stat_natural(PL_METRIC_KIND_GAUGE), ==, SIM_STAT_LAST);
  g_assert_cmpstr(sim_metric_kind_name(PL_METRIC_KIND_GAUGE), ==, "gauge");
}

/* count, sum, mean, min, max, last exact; a constant metric reports its
 * value exactly as every percentile. */
static void
test_exact_stats(void)
{
  sim_metrics *m = sim_metrics_new();
  uint32_t id = sim_metrics_register(m, "t.obs", PL_METRIC_KIND_OBSERVATION);
  static const double v[] = { 5, 3.5, 12.25, 0.5, 7 };
  for (size_t i = 0; i < G_N_ELEMENTS(v); i++)
    sim_metrics_record(m, id, v[i]);
  sim_summary s;
  sim_metrics_summary(m, id, &s);
  g_assert_cmpuint(s.count, ==, 5);
  g_assert_cmpfloat(s.sum, ==, 28.25);
  g_assert_cmpfloat(s.mean, ==, 28.25 / 5);
  g_assert_cmpfloat(s.min, ==, 0.5);
  g_assert_cmpfloat(s.max, ==, 12.25);
  g_assert_cmpfloat(s.last, ==, 7);
  /* ranks: p50 -> 3rd of (0.5 3.5 5 7 12.25) = 5; p90, p99 -> 5th = 12.25 */
  assert_close(s.p50, 5, 0.01);
  g_assert_cmpfloat(s.p90, ==, 12.25);   /* clamped to max */
  g_assert_cmpfloat(s.p99, ==, 12.25);

  g_assert_cmpfloat(sim_metrics_stat(m, "t.obs", SIM_STAT_COUNT), ==, 5);
  g_assert_cmpfloat(sim_metrics_stat(m, "t.obs", SIM_STAT_SUM), ==, 28.25);
  g_assert_cmpfloat(sim_metrics_stat(m, "t.obs", SIM_STAT_DEFAULT), ==, 28.25 / 5);
  g_assert_cmpfloat(sim_metrics_stat(m, "t.obs", SIM_STAT_MIN), ==, 0.5);
  g_assert_cmpfloat(sim_metrics_stat(m, "t.obs", SIM_STAT_MAX), ==, 12.25);
  g_assert_cmpfloat(sim_metrics_stat(m, "t.obs", SIM_STAT_LAST), ==, 7);

  /* a counter recording 1 each time: sum is the default */
  for (int i = 0; i < 1000; i++)
    sim_metrics_record(m, PL_METRIC_MSG_SENT, 1);
  const char *sent = pl_metric_name(PL_METRIC_MSG_SENT);
  g_assert_cmpfloat(sim_metrics_stat(m, sent, SIM_STAT_DEFAULT), ==, 1000);
  g_assert_cmpfloat(sim_metrics_stat(m, sent, SIM_STAT_COUNT), ==, 1000);
  g_assert_cmpfloat(sim_metrics_stat(m, sent, SIM_STAT_P50), ==, 1);
  g_assert_cmpfloat(sim_metrics_stat(m, sent, SIM_STAT_P99), ==, 1);

  /* a constant non-power-of-two value is reported exactly */
  uint32_t c = sim_metrics_register(m, "t.const", PL_METRIC_KIND_OBSERVATION);
  for (int i = 0; i < 10; i++)
    sim_metrics_record(m, c, 123.456);
  sim_metrics_summary(m, c, &s);
  g_assert_cmpfloat(s.p50, ==, 123.456);
  g_assert_cmpfloat(s.p99, ==, 123.456);
  sim_metrics_free(m);
}

/* Unknown and never-recorded metrics give 0 for every statistic. */
static void
test_unknown_zero(void)
{
  sim_metrics *m = sim_metrics_new();
  for (int s = SIM_STAT_DEFAULT; s <= SIM_STAT_LAST; s++) {
    g_assert_cmpfloat(sim_metrics_stat(m, "no.such.metric", (sim_stat)s), ==, 0);
    g_assert_cmpfloat(sim_metrics_stat(m, "ping.rtt_ms", (sim_stat)s), ==, 0);
  }
  sim_summary sum;
  sim_metrics_summary(m, PL_METRIC_PING_RTT_MS, &sum);
  g_assert_cmpuint(sum.count, ==, 0);
  g_assert_cmpfloat(sum.max, ==, 0);
  sim_metrics_free(m);
}

static int
cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Exact order statistic of rank ceil(q * n) in sorted |v|. */
static double
order_stat(const double *v, size_t n, double q)
{
  size_t rank = (size_t)ceil(q * (double)n);
  if (rank < 1)
    rank = 1;
  return v[rank - 1];
}

/* Percentiles within 1 % of the exact order statistics over 100k values of
 * a fixed sequence spanning several decades. */
static void
test_percentiles(void)
{
  enum { N = 100000 };
  sim_metrics *m = sim_metrics_new();
  uint32_t id = sim_metrics_register(m, "t.lat", PL_METRIC_KIND_OBSERVATION);
  double *v = g_new(double, N);
  uint64_t x = 42;
  double sum = 0;
  for (size_t i = 0; i < N; i++) {
    x = x * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    double u = (double)(x >> 11) / 9007199254740992.0;  /* [0, 1) */
    v[i] = 0.01 * pow(1e6, u);                         /* 0.01 .. 1e4, log-uniform */
    sim_metrics_record(m, id, v[i]);
    sum += v[i];
  }
  qsort(v, N, sizeof *v, cmp_double);
  sim_summary s;
  sim_metrics_summary(m, id, &s);
  g_assert_cmpuint(s.count, ==, N);
  g_assert_cmpfloat(s.sum, ==, sum);
  g_assert_cmpfloat(s.min, ==, v[0]);
  g_assert_cmpfloat(s.max, ==, v[N - 1]);
  assert_close(s.p50, order_stat(v, N, 0.50), 0.01);
  assert_close(s.p90, order_stat(v, N, 0.90), 0.01);
  assert_close(s.p99, order_stat(v, N, 0.99), 0.01);
  g_assert_cmpfloat(s.p99, <=, s.max);
  g_assert_cmpfloat(s.p50, <=, s.p90);
  g_assert_cmpfloat(s.p90, <=, s.p99);

  /* values 1..N: the order statistic of rank r is r */
  uint32_t lin = sim_metrics_register(m, "t.lin", PL_METRIC_KIND_OBSERVATION);
  for (int i = N; i >= 1; i--)
    sim_metrics_record(m, lin, i);
  sim_metrics_summary(m, lin, &s);
  assert_close(s.p50, 50000, 0.01);
  assert_close(s.p90, 90000, 0.01);
  assert_close(s.p99, 99000, 0.01);
  g_assert_cmpfloat(s.max, ==, N);
  g_assert_cmpfloat(s.last, ==, 1);

  /* the top bucket is clamped: p99 of a few values equals max exactly */
  uint32_t few = sim_metrics_register(m, "t.few", PL_METRIC_KIND_OBSERVATION);
  sim_metrics_record(m, few, 10);
  sim_metrics_record(m, few, 1000.3);
  sim_metrics_summary(m, few, &s);
  g_assert_cmpfloat(s.p99, ==, 1000.3);
  assert_close(s.p50, 10, 0.01);
  g_free(v);
  sim_metrics_free(m);
}

typedef struct hist_acc {
  uint64_t total;     /* counts seen */
  double prev_hi;     /* previous bucket's hi */
  int buckets;        /* calls */
  double lo[8], hi[8];
  uint64_t count[8];
} hist_acc;

static void
hist_cb(double lo, double hi, uint64_t count, void *user_data)
{
  hist_acc *a = user_data;
  g_assert_cmpfloat(lo, >=, a->prev_hi);
  g_assert_cmpfloat(lo, <=, hi);
  g_assert_cmpuint(count, >, 0);
  if (a->buckets < 8) {
    a->lo[a->buckets] = lo;
    a->hi[a->buckets] = hi;
    a->count[a->buckets] = count;
  }
  a->buckets++;
  a->total += count;
  a->prev_hi = hi;
}

/* Histogram buckets: increasing, ~1 % wide, counts add up; zero bucket
 * for values <= 0 (negative values included); under- and overflow. */
static void
test_histogram(void)
{
  sim_metrics *m = sim_metrics_new();
  uint32_t id = sim_metrics_register(m, "t.h", PL_METRIC_KIND_OBSERVATION);
  sim_metrics_record(m, id, 100);
  sim_metrics_record(m, id, 100);
  sim_metrics_record(m, id, 100.5);
  sim_metrics_record(m, id, 250);
  hist_acc a = { .prev_hi = -1e300 };
  sim_metrics_histogram(m, id, hist_cb, &a);
  g_assert_cmpint(a.buckets, ==, 3);
  g_assert_cmpuint(a.total, ==, 4);
  g_assert_cmpuint(a.count[0], ==, 2);
  /* 100 = 1.5625 * 2^6: bucket [100, 100.5) */
  g_assert_cmpfloat(a.lo[0], ==, 100);
  g_assert_cmpfloat(a.hi[0], ==, 100.5);
  g_assert_cmpfloat(a.lo[1], ==, 100.5);
  g_assert_true(a.lo[2] <= 250 && 250 < a.hi[2]);
  g_assert_cmpfloat((a.hi[2] - a.lo[2]) / a.lo[2], <=, 0.01);

  /* a constant metric still has one bucket */
  uint32_t k = sim_metrics_register(m, "t.k", PL_METRIC_KIND_COUNTER);
  for (int i = 0; i < 7; i++)
    sim_metrics_record(m, k, 1);
  hist_acc b = { .prev_hi = -1e300 };
  sim_metrics_histogram(m, k, hist_cb, &b);
  g_assert_cmpint(b.buckets, ==, 1);
  g_assert_cmpuint(b.count[0], ==, 7);
  g_assert_true(b.lo[0] <= 1 && 1 < b.hi[0]);

  /* zero, negative, underflow and overflow */
  uint32_t z = sim_metrics_register(m, "t.z", PL_METRIC_KIND_OBSERVATION);
  sim_metrics_record(m, z, 0);
  sim_metrics_record(m, z, -4);
  sim_metrics_record(m, z, 1e-9);
  sim_metrics_record(m, z, 1e18);
  sim_metrics_record(m, z, 2);
  hist_acc c = { .prev_hi = -1e300 };
  sim_metrics_histogram(m, z, hist_cb, &c);
  g_assert_cmpint(c.buckets, ==, 4);
  g_assert_cmpfloat(c.lo[0], ==, -4);     /* zero bucket: [min, 0] */
  g_assert_cmpfloat(c.hi[0], ==, 0);
  g_assert_cmpuint(c.count[0], ==, 2);
  g_assert_cmpfloat(c.lo[1], ==, 0);      /* underflow [0, 2^-20) */
  g_assert_cmpfloat(c.hi[1], ==, ldexp(1, -20));
  g_assert_true(c.lo[2] <= 2 && 2 < c.hi[2]);
  g_assert_cmpfloat(c.lo[3], ==, ldexp(1, 50));   /* overflow [2^50, max] */
  g_assert_cmpfloat(c.hi[3], ==, 1e18);
  sim_summary s;
  sim_metrics_summary(m, z, &s);
  g_assert_cmpfloat(s.min, ==, -4);
  g_assert_cmpfloat(s.sum, ==, -4 + 1e-9 + 1e18 + 2);
  g_assert_cmpfloat(s.p50, ==, ldexp(1, -21));    /* rank 3: underflow midpoint */
  g_assert_cmpfloat(s.p99, ==, 1e18);             /* overflow, clamped to max */

  /* only negative values: percentiles are 0 clamped to [min, max] = max */
  uint32_t neg = sim_metrics_register(m, "t.neg", PL_METRIC_KIND_OBSERVATION);
  sim_metrics_record(m, neg, -3);
  sim_metrics_record(m, neg, -1);
  sim_metrics_summary(m, neg, &s);
  g_assert_cmpfloat(s.p50, ==, -1);
  g_assert_cmpfloat(s.mean, ==, -2);

  /* never recorded: no calls */
  hist_acc d = { .prev_hi = -1e300 };
  sim_metrics_histogram(m, PL_METRIC_PING_RTT_MS, hist_cb, &d);
  g_assert_cmpint(d.buckets, ==, 0);
  sim_metrics_free(m);
}

/* Windows: one row per metric recorded, in id order, with the window's
 * count/sum/min/max; nothing for idle metrics; pending accumulates until
 * cleared. */
static void
test_windows(void)
{
  sim_metrics *m = sim_metrics_new();
  uint32_t obs = sim_metrics_register(m, "t.obs", PL_METRIC_KIND_OBSERVATION);
  size_t n;
  sim_metrics_close_window(m, 1000);        /* nothing recorded */
  sim_metrics_pending(m, &n);
  g_assert_cmpuint(n, ==, 0);

  sim_metrics_record(m, obs, 4);
  sim_metrics_record(m, PL_METRIC_MSG_SENT, 1);
  sim_metrics_record(m, obs, 2);
  sim_metrics_record(m, PL_METRIC_MSG_SENT, 1);
  sim_metrics_record(m, obs, 9);
  sim_metrics_close_window(m, 2000);
  sim_metrics_record(m, obs, 5);
  sim_metrics_close_window(m, 3000);
  sim_metrics_close_window(m, 4000);

  const sim_series_row *rows = sim_metrics_pending(m, &n);
  g_assert_cmpuint(n, ==, 3);
  g_assert_cmpuint(rows[0].metric, ==, PL_METRIC_MSG_SENT);   /* id order */
  g_assert_cmpuint(rows[0].t0_ns, ==, 1000);
  g_assert_cmpuint(rows[0].t_ns, ==, 2000);
  g_assert_cmpuint(rows[0].count, ==, 2);
  g_assert_cmpfloat(rows[0].sum, ==, 2);
  g_assert_cmpuint(rows[1].metric, ==, obs);
  g_assert_cmpuint(rows[1].t_ns, ==, 2000);
  g_assert_cmpuint(rows[1].count, ==, 3);
  g_assert_cmpfloat(rows[1].sum, ==, 15);
  g_assert_cmpfloat(rows[1].min, ==, 2);
  g_assert_cmpfloat(rows[1].max, ==, 9);
  g_assert_cmpuint(rows[2].metric, ==, obs);
  g_assert_cmpuint(rows[2].t0_ns, ==, 2000);
  g_assert_cmpuint(rows[2].t_ns, ==, 3000);
  g_assert_cmpuint(rows[2].count, ==, 1);
  g_assert_cmpfloat(rows[2].min, ==, 5);
  g_assert_cmpfloat(rows[2].max, ==, 5);

  sim_metrics_clear_pending(m);
  sim_metrics_pending(m, &n);
  g_assert_cmpuint(n, ==, 0);
  sim_metrics_record(m, obs, -1);
  sim_metrics_close_window(m, 5000);
  rows = sim_metrics_pending(m, &n);
  g_assert_cmpuint(n, ==, 1);
  g_assert_cmpuint(rows[0].t0_ns, ==, 4000);
  g_assert_cmpfloat(rows[0].min, ==, -1);
  g_assert_cmpfloat(rows[0].max, ==, -1);

  /* whole-run figures are unaffected by windows */
  sim_summary s;
  sim_metrics_summary(m, obs, &s);
  g_assert_cmpuint(s.count, ==, 5);
  g_assert_cmpfloat(s.sum, ==, 19);
  g_assert_cmpfloat(s.min, ==, -1);
  g_assert_cmpfloat(s.max, ==, 9);
  g_assert_cmpfloat(s.last, ==, -1);
  g_assert_cmpuint(sim_metrics_memory(m), >, 0);
  sim_metrics_free(m);
}

/* Gauges: "last" is the mean of the last closed window holding records;
 * before any such window closed, the mean of the records so far. */
static void
test_gauge_last(void)
{
  sim_metrics *m = sim_metrics_new();
  uint32_t g = sim_metrics_register(m, "peer.count", PL_METRIC_KIND_GAUGE);
  /* tick 1: three live nodes, not closed yet */
  sim_metrics_record(m, g, 2);
  sim_metrics_record(m, g, 4);
  sim_metrics_record(m, g, 9);
  g_assert_cmpfloat(sim_metrics_stat(m, "peer.count", SIM_STAT_LAST), ==, 5);
  sim_metrics_close_window(m, 1000);
  g_assert_cmpfloat(sim_metrics_stat(m, "peer.count", SIM_STAT_LAST), ==, 5);
  /* tick 2: two nodes, 10 and 20 */
  sim_metrics_record(m, g, 10);
  sim_metrics_record(m, g, 20);
  /* still the last closed window until this one closes */
  g_assert_cmpfloat(sim_metrics_stat(m, "peer.count", SIM_STAT_LAST), ==, 5);
  sim_metrics_close_window(m, 2000);
  g_assert_cmpfloat(sim_metrics_stat(m, "peer.count", SIM_STAT_LAST), ==, 15);
  g_assert_cmpfloat(sim_metrics_stat(m, "peer.count", SIM_STAT_DEFAULT), ==, 15);
  /* a window without records keeps the previous value */
  sim_metrics_close_window(m, 3000);
  g_assert_cmpfloat(sim_metrics_stat(m, "peer.count", SIM_STAT_LAST), ==, 15);
  /* the whole-run statistics cover every record */
  g_assert_cmpfloat(sim_metrics_stat(m, "peer.count", SIM_STAT_COUNT), ==, 5);
  g_assert_cmpfloat(sim_metrics_stat(m, "peer.count", SIM_STAT_MEAN), ==, 9);
  g_assert_cmpfloat(sim_metrics_stat(m, "peer.count", SIM_STAT_MAX), ==, 20);
  /* an observation's last is the last record, not a window mean */
  uint32_t o = sim_metrics_register(m, "t.obs", PL_METRIC_KIND_OBSERVATION);
  sim_metrics_record(m, o, 1);
  sim_metrics_record(m, o, 3);
  sim_metrics_close_window(m, 4000);
  g_assert_cmpfloat(sim_metrics_stat(m, "t.obs", SIM_STAT_LAST), ==, 3);
  sim_metrics_free(m);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/metrics/core-registered", test_core_registered);
  g_test_add_func("/metrics/register-lookup", test_register_lookup);
  g_test_add_func("/metrics/stat-names", test_stat_names);
  g_test_add_func("/metrics/exact-stats", test_exact_stats);
  g_test_add_func("/metrics/unknown-zero", test_unknown_zero);
  g_test_add_func("/metrics/percentiles", test_percentiles);
  g_test_add_func("/metrics/histogram", test_histogram);
  g_test_add_func("/metrics/windows", test_windows);
  g_test_add_func("/metrics/gauge-last", test_gauge_last);
  return g_test_run();
}
