/*
 * test-dist.c — distributions: the parse table (valid and invalid forms),
 * known first samples (computed independently in python3 from the same
 * stream), sample means against sim_dist_mean, non-negativity, and the
 * format/parse round trip.
 */
#include <math.h>
#include <string.h>
#include <glib.h>
#include <sodium.h>

#include "dist.h"

typedef struct valid_case {
  const char *text;
  sim_unit unit;
  sim_dist_kind kind;
  double a, b;
} valid_case;

static const valid_case valid[] = {
  { "50ms", SIM_UNIT_DURATION, SIM_DIST_CONSTANT, 50e6, 0 },
  { "  50 ms ", SIM_UNIT_DURATION, SIM_DIST_CONSTANT, 50e6, 0 },
  { "0", SIM_UNIT_DURATION, SIM_DIST_CONSTANT, 0, 0 },
  { "constant(50ms)", SIM_UNIT_DURATION, SIM_DIST_CONSTANT, 50e6, 0 },
  { "uniform(10ms, 90ms)", SIM_UNIT_DURATION, SIM_DIST_UNIFORM, 10e6, 90e6 },
  { " uniform ( 10 ms ,90ms ) ", SIM_UNIT_DURATION, SIM_DIST_UNIFORM, 10e6, 90e6 },
  { "uniform(5ms,5ms)", SIM_UNIT_DURATION, SIM_DIST_UNIFORM, 5e6, 5e6 },
  { "normal(100ms, 20ms)", SIM_UNIT_DURATION, SIM_DIST_NORMAL, 100e6, 20e6 },
  { "normal(1s, 0)", SIM_UNIT_DURATION, SIM_DIST_NORMAL, 1e9, 0 },
  { "lognormal(50ms, 0.4)", SIM_UNIT_DURATION, SIM_DIST_LOGNORMAL, 50e6, 0.4 },
  { "pareto(20ms, 2.5)", SIM_UNIT_DURATION, SIM_DIST_PARETO, 20e6, 2.5 },
  { "exponential(30s)", SIM_UNIT_DURATION, SIM_DIST_EXPONENTIAL, 30e9, 0 },
  { "exponential(2h)", SIM_UNIT_DURATION, SIM_DIST_EXPONENTIAL, 7200e9, 0 },
  { "uniform(1KiB, 64KiB)", SIM_UNIT_SIZE, SIM_DIST_UNIFORM, 1024, 65536 },
  { "pareto(1500B, 1.2)", SIM_UNIT_SIZE, SIM_DIST_PARETO, 1500, 1.2 },
  { "normal(10, 2)", SIM_UNIT_COUNT, SIM_DIST_NORMAL, 10, 2 },
  { "uniform(0.5, 2.5)", SIM_UNIT_NONE, SIM_DIST_UNIFORM, 0.5, 2.5 },
  { "3.25", SIM_UNIT_NONE, SIM_DIST_CONSTANT, 3.25, 0 },
};

typedef struct invalid_case {
  const char *text;
  sim_unit unit;
  const char *expected_has; /* a substring of error_expected */
} invalid_case;

static const invalid_case invalid[] = {
  { "", SIM_UNIT_DURATION, "duration" },
  { "50", SIM_UNIT_DURATION, "duration" },           /* unit required */
  { "-50ms", SIM_UNIT_DURATION, "duration" },
  { "uniform(90ms, 10ms)", SIM_UNIT_DURATION, "lower <= upper" },
  { "uniform(10, 90ms)", SIM_UNIT_DURATION, "duration" },
  { "uniform(10ms 90ms)", SIM_UNIT_DURATION, "duration" },
  { "uniform(10ms,)", SIM_UNIT_DURATION, "uniform(lower, upper)" },
  { "uniform(,10ms)", SIM_UNIT_DURATION, "uniform(lower, upper)" },
  { "uniform()", SIM_UNIT_DURATION, "uniform(lower, upper)" },
  { "uniform(10ms)", SIM_UNIT_DURATION, "uniform(lower, upper)" },
  { "normal(100ms)", SIM_UNIT_DURATION, "normal(mean, sd)" },
  { "normal(100ms, 20ms, 3ms)", SIM_UNIT_DURATION, "normal(mean, sd)" },
  { "normal(100ms, -20ms)", SIM_UNIT_DURATION, "with sd >= 0" },
  { "Normal(100ms, 20ms)", SIM_UNIT_DURATION, "a distribution" }, /* case-sensitive */
  { "gamma(1ms, 2)", SIM_UNIT_DURATION, "a distribution" },
  { "normal", SIM_UNIT_DURATION, "a distribution" },
  { "normal 100ms", SIM_UNIT_DURATION, "a distribution" },
  { "lognormal(0ms, 0.4)", SIM_UNIT_DURATION, "median > 0" },
  { "lognormal(50ms, 0.4ms)", SIM_UNIT_DURATION, "number" }, /* sigma is plain */
  { "pareto(20ms, 0)", SIM_UNIT_DURATION, "alpha > 0" },
  { "pareto(0, 2)", SIM_UNIT_DURATION, "scale > 0" },
  { "exponential(0)", SIM_UNIT_DURATION, "mean > 0" },
  { "exponential(30s", SIM_UNIT_DURATION, "exponential(mean)" },
  { "exponential(30s))", SIM_UNIT_DURATION, "exponential(mean)" },
  { "exponential(30s) x", SIM_UNIT_DURATION, "exponential(mean)" },
  { "exponential((30s))", SIM_UNIT_DURATION, "exponential(mean)" },
  { "constant(1ms, 2ms)", SIM_UNIT_DURATION, "constant(value)" },
  { "uniform(1KiB, 2ms)", SIM_UNIT_SIZE, "size" },
  { "normal(1.5, 2)", SIM_UNIT_COUNT, "integer" },
};

static void
test_parse(void)
{
  for (size_t i = 0; i < G_N_ELEMENTS(valid); i++) {
    sim_dist d;
    const char *expected = NULL;
    if (!sim_dist_parse(valid[i].text, valid[i].unit, &d, &expected))
      g_error("'%s' rejected (expected %s)", valid[i].text, expected);
    g_assert_cmpint(d.kind, ==, valid[i].kind);
    g_assert_cmpfloat(d.a, ==, valid[i].a);
    g_assert_cmpfloat(d.b, ==, valid[i].b);
  }
  for (size_t i = 0; i < G_N_ELEMENTS(invalid); i++) {
    sim_dist d = { SIM_DIST_UNIFORM, 1, 2 };
    const char *expected = NULL;
    if (sim_dist_parse(invalid[i].text, invalid[i].unit, &d, &expected))
      g_error("'%s' accepted", invalid[i].text);
    g_assert_nonnull(expected);
    if (!strstr(expected, invalid[i].expected_has))
      g_error("'%s': expected text '%s' lacks '%s'", invalid[i].text, expected,
              invalid[i].expected_has);
    /* |*out| is untouched on failure */
    g_assert_cmpint(d.kind, ==, SIM_DIST_UNIFORM);
    g_assert_cmpfloat(d.a, ==, 1);
    g_assert_cmpfloat(d.b, ==, 2);
    /* a NULL error_expected is allowed */
    g_assert_false(sim_dist_parse(invalid[i].text, invalid[i].unit, &d, NULL));
  }
}

static void
test_known_samples(void)
{
  /* First draws from the stream (11, "dist", 0), one family after another
   * on the same stream, from python3 (xoshiro256** + the same formulas). */
  static const struct {
    const char *text;
    double value;
  } known[] = {
    { "uniform(10ms, 90ms)", 48056194.96434058 },
    { "normal(100ms, 20ms)", 89289452.12965792 },
    { "lognormal(50ms, 0.4)", 39203109.78168041 },
    { "pareto(20ms, 2.5)", 60827587.27404604 },
    { "exponential(30s)", 88000671928.59685 },
  };
  sim_rng rng;
  sim_rng_init(&rng, 11, "dist", 0);
  for (size_t i = 0; i < G_N_ELEMENTS(known); i++) {
    sim_dist d;
    g_assert_true(sim_dist_parse(known[i].text, SIM_UNIT_DURATION, &d, NULL));
    double v = sim_dist_sample(&d, &rng);
    g_test_message("%s -> %.17g", known[i].text, v);
    g_assert_cmpfloat(fabs(v - known[i].value), <=, 1e-9 * known[i].value);
  }
  /* A constant makes no draw. */
  sim_rng before = rng;
  sim_dist c = { SIM_DIST_CONSTANT, 5.0, 0.0 };
  g_assert_cmpfloat(sim_dist_sample(&c, &rng), ==, 5.0);
  g_assert_cmpmem(before.s, sizeof before.s, rng.s, sizeof rng.s);
}

static void
test_means(void)
{
  /* 200k draws each; tolerances are >= 5 standard errors of the mean. */
  static const struct {
    const char *text;
    double mean;      /* closed form, checked against sim_dist_mean */
    double tolerance; /* relative */
  } cases[] = {
    { "constant(50ms)", 50e6, 0.0 },
    { "uniform(10ms, 90ms)", 50e6, 0.01 },
    { "normal(100ms, 20ms)", 100e6, 0.01 },
    /* censored at 0: 10 Phi(0.5) + 20 phi(0.5) ms */
    { "normal(10ms, 20ms)", 13.955931148e6, 0.02 },
    { "lognormal(50ms, 0.4)", 54.164353384e6, 0.01 },
    { "pareto(20ms, 5)", 25e6, 0.01 },
    { "exponential(30s)", 30e9, 0.015 },
  };
  const int n = 200000;
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    sim_dist d;
    g_assert_true(sim_dist_parse(cases[i].text, SIM_UNIT_DURATION, &d, NULL));
    double m = sim_dist_mean(&d);
    g_assert_cmpfloat(fabs(m - cases[i].mean), <=, 1e-6 * cases[i].mean);
    sim_rng rng;
    sim_rng_init(&rng, 2024, "test-dist", i);
    double sum = 0.0;
    for (int k = 0; k < n; k++) {
      double v = sim_dist_sample(&d, &rng);
      g_assert_cmpfloat(v, >=, 0.0);
      sum += v;
    }
    double mean = sum / n;
    g_test_message("%s: sample mean %.6g, mean %.6g", cases[i].text, mean, m);
    g_assert_cmpfloat(fabs(mean - m), <=, cases[i].tolerance * m + 1e-9);
  }

  sim_dist heavy = { SIM_DIST_PARETO, 1.0, 1.0 };
  g_assert_true(isinf(sim_dist_mean(&heavy)));
  sim_dist neg = { SIM_DIST_NORMAL, -5.0, 0.0 };
  g_assert_cmpfloat(sim_dist_mean(&neg), ==, 0.0);
}

static void
test_never_negative(void)
{
  /* Mostly-negative normal: clamped to exactly 0, never below. */
  sim_dist d;
  g_assert_true(sim_dist_parse("normal(1ms, 10ms)", SIM_UNIT_DURATION, &d, NULL));
  sim_rng rng;
  sim_rng_init(&rng, 1, "neg", 0);
  int zeros = 0;
  for (int k = 0; k < 100000; k++) {
    double v = sim_dist_sample(&d, &rng);
    g_assert_cmpfloat(v, >=, 0.0);
    zeros += v == 0.0;
  }
  /* P(X < 0) = Phi(-0.1) = 0.4602; sd of the count ~158 */
  g_assert_cmpint(zeros, >, 45000);
  g_assert_cmpint(zeros, <, 47000);

  /* Hand-built out-of-domain parameters are clamped as well. */
  sim_dist bad = { SIM_DIST_UNIFORM, -10.0, -5.0 };
  for (int k = 0; k < 100; k++)
    g_assert_cmpfloat(sim_dist_sample(&bad, &rng), ==, 0.0);
}

static void
test_format_round_trip(void)
{
  static const struct {
    const char *text;
    sim_unit unit;
    const char *canonical;
  } cases[] = {
    { "lognormal(50ms,0.4)", SIM_UNIT_DURATION, "lognormal(50ms, 0.4)" },
    { " 50 ms", SIM_UNIT_DURATION, "constant(50ms)" },
    { "uniform(10ms, 1.5s)", SIM_UNIT_DURATION, "uniform(10ms, 1.5s)" },
    { "exponential(7200s)", SIM_UNIT_DURATION, "exponential(2h)" },
    { "pareto(1500B, 1.2)", SIM_UNIT_SIZE, "pareto(1.5KB, 1.2)" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    sim_dist d;
    char buf[128];
    g_assert_true(sim_dist_parse(cases[i].text, cases[i].unit, &d, NULL));
    sim_dist_format(&d, cases[i].unit, buf, sizeof buf);
    g_assert_cmpstr(buf, ==, cases[i].canonical);
  }
  for (size_t i = 0; i < G_N_ELEMENTS(valid); i++) {
    sim_dist d, back;
    char buf[128];
    g_assert_true(sim_dist_parse(valid[i].text, valid[i].unit, &d, NULL));
    sim_dist_format(&d, valid[i].unit, buf, sizeof buf);
    if (!sim_dist_parse(buf, valid[i].unit, &back, NULL))
      g_error("'%s' formatted as '%s', which does not parse", valid[i].text, buf);
    g_assert_cmpint(back.kind, ==, d.kind);
    g_assert_cmpfloat(back.a, ==, d.a);
    g_assert_cmpfloat(back.b, ==, d.b);
  }
  /* Awkward parameters survive the round trip exactly. */
  sim_dist d = { SIM_DIST_LOGNORMAL, 123456789.0 / 7.0, 1.0 / 3.0 }, back;
  char buf[128];
  sim_dist_format(&d, SIM_UNIT_DURATION, buf, sizeof buf);
  g_assert_true(sim_dist_parse(buf, SIM_UNIT_DURATION, &back, NULL));
  g_assert_cmpfloat(back.a, ==, d.a);
  g_assert_cmpfloat(back.b, ==, d.b);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_assert(sodium_init() >= 0);
  g_test_add_func("/dist/parse", test_parse);
  g_test_add_func("/dist/known-samples", test_known_samples);
  g_test_add_func("/dist/means", test_means);
  g_test_add_func("/dist/never-negative", test_never_negative);
  g_test_add_func("/dist/format-round-trip", test_format_round_trip);
  return g_test_run();
}
