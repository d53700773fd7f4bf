/* test-expect.c — parsing and evaluating expectations. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "expect.h"
#include "testutil.h"

typedef struct valid_case {
  const char *expr;       /* input */
  const char *name;       /* dotted name as written */
  const char *metric;     /* metric part */
  sim_stat stat;          /* statistic part */
  sim_expect_op op;       /* comparison */
  double value;           /* right-hand side */
} valid_case;

static const valid_case valid[] = {
  { "ping.rtt_ms.p99 <= 400", "ping.rtt_ms.p99", "ping.rtt_ms", SIM_STAT_P99, SIM_OP_LE, 400 },
  { "wire.rejected <= 0", "wire.rejected", "wire.rejected", SIM_STAT_DEFAULT, SIM_OP_LE, 0 },
  { "a<1", "a", "a", SIM_STAT_DEFAULT, SIM_OP_LT, 1 },
  { "a>1", "a", "a", SIM_STAT_DEFAULT, SIM_OP_GT, 1 },
  { "a>=1", "a", "a", SIM_STAT_DEFAULT, SIM_OP_GE, 1 },
  { "a==1", "a", "a", SIM_STAT_DEFAULT, SIM_OP_EQ, 1 },
  { "a!=1", "a", "a", SIM_STAT_DEFAULT, SIM_OP_NE, 1 },
  { "a<=1", "a", "a", SIM_STAT_DEFAULT, SIM_OP_LE, 1 },
  { "  \tx.count   ==   0  \n", "x.count", "x", SIM_STAT_COUNT, SIM_OP_EQ, 0 },
  { "m.sum>-3", "m.sum", "m", SIM_STAT_SUM, SIM_OP_GT, -3 },
  { "m.mean < 1.5e3", "m.mean", "m", SIM_STAT_MEAN, SIM_OP_LT, 1500 },
  { "m.min >= 2E-6", "m.min", "m", SIM_STAT_MIN, SIM_OP_GE, 2e-6 },
  { "m.max != -0.25", "m.max", "m", SIM_STAT_MAX, SIM_OP_NE, -0.25 },
  { "m.p50 < +7", "m.p50", "m", SIM_STAT_P50, SIM_OP_LT, 7 },
  { "m.p90<=.5", "m.p90", "m", SIM_STAT_P90, SIM_OP_LE, 0.5 },
  { "peer.count.last >= 8", "peer.count.last", "peer.count", SIM_STAT_LAST, SIM_OP_GE, 8 },
  /* an unknown stat word is part of the metric name */
  { "ping.rtt_ms.p95 < 10", "ping.rtt_ms.p95", "ping.rtt_ms.p95", SIM_STAT_DEFAULT, SIM_OP_LT, 10 },
  { "wire.rejected.bad_signature == 0", "wire.rejected.bad_signature",
    "wire.rejected.bad_signature", SIM_STAT_DEFAULT, SIM_OP_EQ, 0 },
  { "my-metric.x_1.P99 > 1", "my-metric.x_1.P99", "my-metric.x_1.P99", SIM_STAT_DEFAULT,
    SIM_OP_GT, 1 },
  /* a lone stat word is a metric name */
  { "count > 1", "count", "count", SIM_STAT_DEFAULT, SIM_OP_GT, 1 },
};

static void
test_parse_valid(void)
{
  for (size_t i = 0; i < G_N_ELEMENTS(valid); i++) {
    const valid_case *c = &valid[i];
    sim_expect e;
    const char *why = NULL;
    g_test_message("valid: %s", c->expr);
    g_assert_true(sim_expect_parse("lbl", c->expr, &e, &why));
    g_assert_null(why);
    g_assert_cmpstr(e.label, ==, "lbl");
    g_assert_cmpstr(e.expr, ==, c->expr);
    g_assert_cmpstr(e.name, ==, c->name);
    g_assert_cmpstr(e.metric, ==, c->metric);
    g_assert_cmpint(e.stat, ==, c->stat);
    g_assert_cmpint(e.op, ==, c->op);
    g_assert_cmpfloat(e.value, ==, c->value);
    sim_expect_clear(&e);
    g_assert_null(e.metric);
  }
}

static const char *const invalid[] = {
  "",
  "   ",
  "x",                  /* missing op */
  "x 5",                /* missing op */
  "x = 5",              /* single = is not an op */
  "x =< 5",
  "x <",                /* missing number */
  "x <=   ",
  "x < abc",
  "x < 5 junk",         /* trailing junk */
  "x < 5 < 6",
  "x < 5,",
  "x < nan",            /* not finite */
  "x < inf",
  "x < 1e999",
  "< 5",                /* missing metric */
  ".x < 5",             /* empty segment */
  "x. < 5",
  "x..y < 5",
  "-x < 5",
  "x y < 5",
  "x.p99. < 5",
  "x < - 5",
};

static void
test_parse_invalid(void)
{
  for (size_t i = 0; i < G_N_ELEMENTS(invalid); i++) {
    sim_expect e;
    const char *why = NULL;
    g_test_message("invalid: '%s'", invalid[i]);
    g_assert_false(sim_expect_parse("bad", invalid[i], &e, &why));
    g_assert_nonnull(why);
    g_assert_nonnull(strstr(why, "METRIC[.STAT] OP NUMBER"));
    g_assert_null(e.metric);
    g_assert_null(e.label);
    sim_expect_clear(&e);
  }
  /* the reasons say what is missing */
  sim_expect e;
  const char *why;
  g_assert_false(sim_expect_parse(NULL, "x 5", &e, &why));
  g_assert_nonnull(strstr(why, "comparison"));
  g_assert_false(sim_expect_parse(NULL, "x <", &e, &why));
  g_assert_nonnull(strstr(why, "number"));
  g_assert_false(sim_expect_parse(NULL, "x < 5 junk", &e, &why));
  g_assert_nonnull(strstr(why, "nothing after"));
  g_assert_false(sim_expect_parse(NULL, "", &e, &why));
  g_assert_nonnull(strstr(why, "empty"));
}

static bool
check(const char *expr, const sim_metrics *m, double *observed)
{
  sim_expect e;
  const char *why;
  g_assert_true(sim_expect_parse(NULL, expr, &e, &why));
  bool ok = sim_expect_eval(&e, m, observed);
  sim_expect_clear(&e);
  return ok;
}

static void
test_eval(void)
{
  sim_metrics *m = sim_metrics_new();
  for (int i = 1; i <= 100; i++)
    sim_metrics_record(m, PL_METRIC_PING_RTT_MS, i);   /* mean 50.5, max 100 */
  for (int i = 0; i < 7; i++)
    sim_metrics_record(m, PL_METRIC_MSG_SENT, 1);
  uint32_t g = sim_metrics_register(m, "peer.count", PL_METRIC_KIND_GAUGE);
  sim_metrics_record(m, g, 6);
  sim_metrics_record(m, g, 10);
  sim_metrics_close_window(m, 1000);
  const char *sent = pl_metric_name(PL_METRIC_MSG_SENT);
  const char *rtt = pl_metric_name(PL_METRIC_PING_RTT_MS);
  char buf[128];
  double obs;

  g_snprintf(buf, sizeof buf, "%s.p99 <= 100", rtt);
  g_assert_true(check(buf, m, &obs));
  g_assert_cmpfloat(obs, <=, 100);
  g_assert_cmpfloat(obs, >=, 98);
  g_snprintf(buf, sizeof buf, "%s.p99 < 90", rtt);
  g_assert_false(check(buf, m, &obs));
  g_snprintf(buf, sizeof buf, "%s == 50.5", rtt);        /* observation: mean */
  g_assert_true(check(buf, m, &obs));
  g_assert_cmpfloat(obs, ==, 50.5);
  g_snprintf(buf, sizeof buf, "%s.max == 100", rtt);
  g_assert_true(check(buf, m, &obs));
  g_snprintf(buf, sizeof buf, "%s.min > 1", rtt);
  g_assert_false(check(buf, m, &obs));
  g_assert_cmpfloat(obs, ==, 1);
  g_snprintf(buf, sizeof buf, "%s.count >= 100", rtt);
  g_assert_true(check(buf, m, NULL));
  g_snprintf(buf, sizeof buf, "%s == 7", sent);          /* counter: sum */
  g_assert_true(check(buf, m, &obs));
  g_assert_cmpfloat(obs, ==, 7);
  g_snprintf(buf, sizeof buf, "%s != 7", sent);
  g_assert_false(check(buf, m, NULL));
  g_snprintf(buf, sizeof buf, "%s > 7", sent);
  g_assert_false(check(buf, m, NULL));
  g_snprintf(buf, sizeof buf, "%s.last < 1", sent);
  g_assert_false(check(buf, m, &obs));
  g_assert_cmpfloat(obs, ==, 1);

  /* gauge "peer.count": the whole name is a registered metric, so it is
   * the gauge's natural statistic (last = window mean 8), not "peer"'s count */
  g_assert_true(check("peer.count == 8", m, &obs));
  g_assert_cmpfloat(obs, ==, 8);
  g_assert_true(check("peer.count.count == 2", m, &obs));
  g_assert_true(check("peer.count.max >= 10", m, &obs));

  /* unknown metrics: nothing to compare, whatever the comparison */
  g_assert_false(check("no.such <= 0", m, &obs));
  g_assert_true(isnan(obs));
  g_assert_false(check("no.such.count == 0", m, &obs));
  g_assert_false(check("no.such.count != 0", m, &obs));
  g_snprintf(buf, sizeof buf, "%s.p95 < 10", rtt);       /* p95: unknown metric */
  g_assert_false(check(buf, m, &obs));
  g_assert_true(isnan(obs));

  /* registered, never recorded: count and sum are 0, so a counter's
   * natural value is 0 ... */
  const char *rej = pl_metric_name(PL_METRIC_MSG_REJECTED);
  g_snprintf(buf, sizeof buf, "%s <= 0", rej);
  g_assert_true(check(buf, m, &obs));
  g_assert_cmpfloat(obs, ==, 0);
  const char *lat = pl_metric_name(PL_METRIC_DHT_LOOKUP_LATENCY_MS);
  g_snprintf(buf, sizeof buf, "%s.count == 0", lat);
  g_assert_true(check(buf, m, &obs));
  g_snprintf(buf, sizeof buf, "%s.sum <= 0", lat);
  g_assert_true(check(buf, m, &obs));
  /* ... but the mean, extremes, percentiles and last value of nothing are
   * undefined: "p99 <= 400" must not hold because nothing was measured */
  static const char *const undefined[] = {"", ".mean", ".min", ".max", ".p50", ".p90",
                                          ".p99", ".last"};
  static const char *const ops[] = {"<= 1e9", ">= -1e9", "== 0", "!= 0"};
  for (size_t i = 0; i < G_N_ELEMENTS(undefined); i++)
    for (size_t j = 0; j < G_N_ELEMENTS(ops); j++) {
      g_snprintf(buf, sizeof buf, "%s%s %s", lat, undefined[i], ops[j]);
      g_assert_false(check(buf, m, &obs));
      g_assert_true(isnan(obs));
    }
  uint32_t empty = sim_metrics_register(m, "empty.gauge", PL_METRIC_KIND_GAUGE);
  (void)empty;
  g_assert_false(check("empty.gauge >= 0", m, &obs)); /* gauge: last */
  g_assert_true(check("empty.gauge.count == 0", m, &obs));
  sim_metrics_free(m);
}

static sim_expect_status
status_of(const char *expr, const sim_metrics *m)
{
  sim_expect e;
  const char *why;
  g_assert_true(sim_expect_parse(NULL, expr, &e, &why));
  double obs;
  sim_expect_status st = sim_expect_check(&e, m, &obs);
  g_assert_true((st == SIM_EXPECT_HELD || st == SIM_EXPECT_FAILED) != isnan(obs));
  g_assert_true((sim_expect_status_why(st) == NULL) != isnan(obs));
  sim_expect_clear(&e);
  return st;
}

static void
test_status(void)
{
  sim_metrics *m = sim_metrics_new();
  sim_metrics_record(m, PL_METRIC_PING_RTT_MS, 40);
  char buf[128];
  const char *rtt = pl_metric_name(PL_METRIC_PING_RTT_MS);
  g_snprintf(buf, sizeof buf, "%s.p99 <= 50", rtt);
  g_assert_cmpint(status_of(buf, m), ==, SIM_EXPECT_HELD);
  g_snprintf(buf, sizeof buf, "%s.p99 <= 30", rtt);
  g_assert_cmpint(status_of(buf, m), ==, SIM_EXPECT_FAILED);
  g_assert_cmpint(status_of("no.such.p99 <= 30", m), ==, SIM_EXPECT_NO_METRIC);
  g_snprintf(buf, sizeof buf, "%s.p99 <= 30", pl_metric_name(PL_METRIC_DHT_LOOKUP_LATENCY_MS));
  g_assert_cmpint(status_of(buf, m), ==, SIM_EXPECT_NO_DATA);
  g_assert_cmpstr(sim_expect_status_why(SIM_EXPECT_NO_DATA), ==, "no observations");
  g_assert_cmpstr(sim_expect_status_why(SIM_EXPECT_NO_METRIC), ==, "no such metric");
  sim_metrics_free(m);
}

static void
test_resolve(void)
{
  sim_metrics *m = sim_metrics_new();
  sim_metrics_register(m, "peer.count", PL_METRIC_KIND_GAUGE);
  sim_metrics_register(m, "peer", PL_METRIC_KIND_COUNTER);
  sim_expect e;
  const char *why, *metric;
  sim_stat stat;

  g_assert_true(sim_expect_parse("a", "peer.count < 3", &e, &why));
  g_assert_cmpint(sim_expect_resolve(&e, m, &metric, &stat), ==,
                  sim_metrics_lookup(m, "peer.count"));
  g_assert_cmpstr(metric, ==, "peer.count");
  g_assert_cmpint(stat, ==, SIM_STAT_LAST);
  sim_expect_clear(&e);

  g_assert_true(sim_expect_parse("a", "peer.sum < 3", &e, &why));
  g_assert_cmpint(sim_expect_resolve(&e, m, &metric, &stat), ==, sim_metrics_lookup(m, "peer"));
  g_assert_cmpstr(metric, ==, "peer");
  g_assert_cmpint(stat, ==, SIM_STAT_SUM);
  sim_expect_clear(&e);

  g_assert_true(sim_expect_parse("a", "peer < 3", &e, &why));
  sim_expect_resolve(&e, m, &metric, &stat);
  g_assert_cmpint(stat, ==, SIM_STAT_SUM);                /* counter natural */
  sim_expect_clear(&e);

  g_assert_true(sim_expect_parse("a", "ping.rtt_ms.p95 < 3", &e, &why));
  g_assert_cmpint(sim_expect_resolve(&e, m, &metric, &stat), ==, -1);
  g_assert_cmpstr(metric, ==, "ping.rtt_ms.p95");
  g_assert_cmpint(stat, ==, SIM_STAT_DEFAULT);
  sim_expect_clear(&e);

  g_assert_true(sim_expect_parse("a", "ping.rtt_ms.p90 < 3", &e, &why));
  g_assert_cmpint(sim_expect_resolve(&e, m, &metric, &stat), ==, PL_METRIC_PING_RTT_MS);
  g_assert_cmpint(stat, ==, SIM_STAT_P90);
  sim_expect_clear(&e);

  g_assert_cmpstr(sim_expect_op_name(SIM_OP_LT), ==, "<");
  g_assert_cmpstr(sim_expect_op_name(SIM_OP_LE), ==, "<=");
  g_assert_cmpstr(sim_expect_op_name(SIM_OP_GT), ==, ">");
  g_assert_cmpstr(sim_expect_op_name(SIM_OP_GE), ==, ">=");
  g_assert_cmpstr(sim_expect_op_name(SIM_OP_EQ), ==, "==");
  g_assert_cmpstr(sim_expect_op_name(SIM_OP_NE), ==, "!=");
  sim_metrics_free(m);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/expect/parse-valid", test_parse_valid);
  g_test_add_func("/expect/parse-invalid", test_parse_invalid);
  g_test_add_func("/expect/eval", test_eval);
  g_test_add_func("/expect/status", test_status);
  g_test_add_func("/expect/resolve", test_resolve);
  return g_test_run();
}
