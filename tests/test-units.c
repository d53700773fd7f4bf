/*
 * test-units.c — numbers with units: tables of valid inputs with exact
 * expected values, tables of invalid inputs, and the format/parse round
 * trip.
 */
#include <math.h>
#include <string.h>
#include <glib.h>

#include "units.h"

typedef struct valid_case {
  sim_unit unit;
  const char *text;
  double value;
} valid_case;

static const valid_case valid[] = {
  /* durations */
  { SIM_UNIT_DURATION, "250ms", 250000000.0 },
  { SIM_UNIT_DURATION, "2h", 7200e9 },
  { SIM_UNIT_DURATION, "1.5s", 1.5e9 },
  { SIM_UNIT_DURATION, "0", 0.0 },
  { SIM_UNIT_DURATION, "0s", 0.0 },
  { SIM_UNIT_DURATION, "10 ms", 10e6 },
  { SIM_UNIT_DURATION, "  7us\t", 7000.0 },
  { SIM_UNIT_DURATION, "3ns", 3.0 },
  { SIM_UNIT_DURATION, "5m", 300e9 },
  { SIM_UNIT_DURATION, "5min", 300e9 },
  { SIM_UNIT_DURATION, "1d", 86400e9 },
  { SIM_UNIT_DURATION, "0.3ms", 300000.0 },
  { SIM_UNIT_DURATION, "1e3ms", 1e9 },
  { SIM_UNIT_DURATION, "2.5E-1s", 250e6 },
  { SIM_UNIT_DURATION, "0.5ns", 0.5 },
  { SIM_UNIT_DURATION, "18446744073709549568ns", 18446744073709549568.0 }, /* largest double below 2^64 */
  /* sizes */
  { SIM_UNIT_SIZE, "64KiB", 65536.0 },
  { SIM_UNIT_SIZE, "1500B", 1500.0 },
  { SIM_UNIT_SIZE, "10MB", 1e7 },
  { SIM_UNIT_SIZE, "1.5KiB", 1536.0 },
  { SIM_UNIT_SIZE, "2GiB", 2147483648.0 },
  { SIM_UNIT_SIZE, "3kB", 3000.0 },
  { SIM_UNIT_SIZE, "1TB", 1e12 },
  { SIM_UNIT_SIZE, "0.1KiB", 102.4 },
  { SIM_UNIT_SIZE, "0", 0.0 },
  /* bandwidth */
  { SIM_UNIT_BANDWIDTH, "10Mbit", 1e7 },
  { SIM_UNIT_BANDWIDTH, "1.5Gbps", 1.5e9 },
  { SIM_UNIT_BANDWIDTH, "56Kbit", 56000.0 },
  { SIM_UNIT_BANDWIDTH, "100 kbps", 100000.0 },
  { SIM_UNIT_BANDWIDTH, "9600bit", 9600.0 },
  { SIM_UNIT_BANDWIDTH, "300bps", 300.0 },
  { SIM_UNIT_BANDWIDTH, "1Gbit", 1e9 },
  /* counts */
  { SIM_UNIT_COUNT, "10k", 10000.0 },
  { SIM_UNIT_COUNT, "2M", 2e6 },
  { SIM_UNIT_COUNT, "1.5k", 1500.0 },
  { SIM_UNIT_COUNT, "500", 500.0 },
  { SIM_UNIT_COUNT, "0", 0.0 },
  { SIM_UNIT_COUNT, "1000000", 1e6 },
  { SIM_UNIT_COUNT, "0.5M", 5e5 },
  { SIM_UNIT_COUNT, "18446744073709551615", 18446744073709551615.0 },
  /* ratios */
  { SIM_UNIT_RATIO, "25%", 0.25 },
  { SIM_UNIT_RATIO, "0.25", 0.25 },
  { SIM_UNIT_RATIO, "1", 1.0 },
  { SIM_UNIT_RATIO, "100%", 1.0 },
  { SIM_UNIT_RATIO, "0", 0.0 },
  { SIM_UNIT_RATIO, "12.5 %", 0.125 },
  /* plain numbers */
  { SIM_UNIT_NONE, "0.4", 0.4 },
  { SIM_UNIT_NONE, "2.5", 2.5 },
  { SIM_UNIT_NONE, "3", 3.0 },
  { SIM_UNIT_NONE, "1e-3", 0.001 },
};

typedef struct invalid_case {
  sim_unit unit;
  const char *text;
} invalid_case;

static const invalid_case invalid[] = {
  { SIM_UNIT_DURATION, "10" },          /* unit required */
  { SIM_UNIT_DURATION, "0.0" },         /* only exactly 0 may be bare */
  { SIM_UNIT_DURATION, "" },
  { SIM_UNIT_DURATION, "   " },
  { SIM_UNIT_DURATION, "ms" },
  { SIM_UNIT_DURATION, "10xs" },        /* unknown unit */
  { SIM_UNIT_DURATION, "10MS" },        /* case-sensitive */
  { SIM_UNIT_DURATION, "10ms x" },      /* trailing garbage */
  { SIM_UNIT_DURATION, "10ms5" },
  { SIM_UNIT_DURATION, "-5ms" },        /* negative */
  { SIM_UNIT_DURATION, "+5ms" },
  { SIM_UNIT_DURATION, ".5s" },
  { SIM_UNIT_DURATION, "5.s" },
  { SIM_UNIT_DURATION, "1e400s" },      /* overflow */
  { SIM_UNIT_DURATION, "18446744073709551616ns" }, /* 2^64 */
  { SIM_UNIT_DURATION, "300000000000d" }, /* beyond 2^64 ns */
  { SIM_UNIT_DURATION, "infs" },
  { SIM_UNIT_DURATION, "nan" },
  { SIM_UNIT_DURATION, "0x10ms" },
  { SIM_UNIT_DURATION, "1,5s" },
  { SIM_UNIT_DURATION, "1e ms" },
  { SIM_UNIT_DURATION, "10KiB" },       /* unit of another class */
  { SIM_UNIT_SIZE, "64" },
  { SIM_UNIT_SIZE, "64kib" },
  { SIM_UNIT_SIZE, "10ms" },
  { SIM_UNIT_SIZE, "-1B" },
  { SIM_UNIT_BANDWIDTH, "10" },
  { SIM_UNIT_BANDWIDTH, "10Mb" },
  { SIM_UNIT_BANDWIDTH, "10MB" },
  { SIM_UNIT_BANDWIDTH, "1e400bit" },
  { SIM_UNIT_COUNT, "1.5" },            /* not an integer */
  { SIM_UNIT_COUNT, "10K" },
  { SIM_UNIT_COUNT, "10 kk" },
  { SIM_UNIT_COUNT, "-3" },
  { SIM_UNIT_COUNT, "1e20" },           /* does not fit 64 bits */
  { SIM_UNIT_COUNT, "5ms" },
  /* integer values written as floats: counts take integer syntax */
  { SIM_UNIT_COUNT, "1e2" },
  { SIM_UNIT_COUNT, "1E2" },
  { SIM_UNIT_COUNT, "100.0" },
  { SIM_UNIT_COUNT, "1e1k" },
  { SIM_UNIT_COUNT, "0.1e2k" },
  { SIM_UNIT_RATIO, "1.5" },            /* above 1 */
  { SIM_UNIT_RATIO, "101%" },
  { SIM_UNIT_RATIO, "-0.1" },
  { SIM_UNIT_RATIO, "25%%" },
  { SIM_UNIT_RATIO, "0.25x" },
  { SIM_UNIT_NONE, "2.5ms" },
  { SIM_UNIT_NONE, "-1" },
  { SIM_UNIT_NONE, "abc" },
  { SIM_UNIT_NONE, "1e400" },
};

static void
test_valid(void)
{
  for (size_t i = 0; i < G_N_ELEMENTS(valid); i++) {
    double v = -1.0;
    if (!sim_units_parse(valid[i].text, valid[i].unit, &v))
      g_error("'%s' (unit %d) rejected", valid[i].text, valid[i].unit);
    if (v != valid[i].value)
      g_error("'%s' parsed as %.17g, expected %.17g", valid[i].text, v, valid[i].value);
  }
}

static void
test_invalid(void)
{
  for (size_t i = 0; i < G_N_ELEMENTS(invalid); i++) {
    double v = 123.0;
    uint64_t u = 123;
    if (sim_units_parse(invalid[i].text, invalid[i].unit, &v))
      g_error("'%s' (unit %d) accepted as %.17g", invalid[i].text, invalid[i].unit, v);
    if (sim_units_parse_u64(invalid[i].text, invalid[i].unit, &u))
      g_error("'%s' (unit %d) accepted as u64 %" G_GUINT64_FORMAT, invalid[i].text,
              invalid[i].unit, u);
    g_assert_cmpfloat(v, ==, 123.0); /* untouched on failure */
    g_assert_cmpuint(u, ==, 123);
  }
}

static void
test_u64(void)
{
  uint64_t v;
  g_assert_true(sim_units_parse_u64("250ms", SIM_UNIT_DURATION, &v));
  g_assert_cmpuint(v, ==, UINT64_C(250000000));
  g_assert_true(sim_units_parse_u64("0.3ms", SIM_UNIT_DURATION, &v));
  g_assert_cmpuint(v, ==, UINT64_C(300000));
  g_assert_true(sim_units_parse_u64("1.000000001s", SIM_UNIT_DURATION, &v));
  g_assert_cmpuint(v, ==, UINT64_C(1000000001));
  g_assert_true(sim_units_parse_u64("18446744073709551615ns", SIM_UNIT_DURATION, &v));
  g_assert_cmpuint(v, ==, UINT64_MAX);
  g_assert_true(sim_units_parse_u64("18446744073.709551615s", SIM_UNIT_DURATION, &v));
  g_assert_cmpuint(v, ==, UINT64_MAX);
  g_assert_true(sim_units_parse_u64("213503d", SIM_UNIT_DURATION, &v));
  g_assert_cmpuint(v, ==, UINT64_C(213503) * UINT64_C(86400000000000));
  g_assert_true(sim_units_parse_u64("1.5KiB", SIM_UNIT_SIZE, &v));
  g_assert_cmpuint(v, ==, 1536);
  g_assert_false(sim_units_parse_u64("16EiB", SIM_UNIT_SIZE, &v));
  g_assert_true(sim_units_parse_u64("1.5Gbps", SIM_UNIT_BANDWIDTH, &v));
  g_assert_cmpuint(v, ==, UINT64_C(1500000000));
  g_assert_true(sim_units_parse_u64("10k", SIM_UNIT_COUNT, &v));
  g_assert_cmpuint(v, ==, 10000);
  g_assert_true(sim_units_parse_u64("18446744073709551615", SIM_UNIT_COUNT, &v));
  g_assert_cmpuint(v, ==, UINT64_MAX);
  /* the exponent sizes and durations may use is no count syntax */
  g_assert_true(sim_units_parse_u64("1e3B", SIM_UNIT_SIZE, &v));
  g_assert_cmpuint(v, ==, 1000);
  g_assert_false(sim_units_parse_u64("1e3", SIM_UNIT_COUNT, &v));
  g_assert_true(sim_units_parse_u64("0", SIM_UNIT_DURATION, &v));
  g_assert_cmpuint(v, ==, 0);

  /* Not integers after scaling, or too large. */
  g_assert_false(sim_units_parse_u64("0.5ns", SIM_UNIT_DURATION, &v));
  g_assert_false(sim_units_parse_u64("0.1KiB", SIM_UNIT_SIZE, &v));
  g_assert_false(sim_units_parse_u64("1.0000000001s", SIM_UNIT_DURATION, &v));
  g_assert_false(sim_units_parse_u64("213504d", SIM_UNIT_DURATION, &v));
  g_assert_false(sim_units_parse_u64("18446744073709551616ns", SIM_UNIT_DURATION, &v));
}

static void
test_format(void)
{
  static const struct {
    sim_unit unit;
    double value;
    const char *text;
  } cases[] = {
    { SIM_UNIT_DURATION, 250e6, "250ms" },
    { SIM_UNIT_DURATION, 7200e9, "2h" },
    { SIM_UNIT_DURATION, 1.5e9, "1.5s" },
    { SIM_UNIT_DURATION, 90e9, "90s" },
    { SIM_UNIT_DURATION, 0.0, "0" },
    { SIM_UNIT_DURATION, 3.0, "3ns" },
    { SIM_UNIT_DURATION, 86400e9, "1d" },
    { SIM_UNIT_SIZE, 65536.0, "64KiB" },
    { SIM_UNIT_SIZE, 1e6, "1MB" },
    { SIM_UNIT_SIZE, 1500.0, "1.5KB" },
    { SIM_UNIT_SIZE, 1.0, "1B" },
    { SIM_UNIT_BANDWIDTH, 1e7, "10Mbit" },
    { SIM_UNIT_BANDWIDTH, 1.5e9, "1.5Gbit" },
    { SIM_UNIT_COUNT, 10000.0, "10k" },
    { SIM_UNIT_COUNT, 7.0, "7" },
    { SIM_UNIT_RATIO, 0.25, "0.25" },
    { SIM_UNIT_NONE, 0.4, "0.4" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    char buf[64];
    sim_units_format(cases[i].value, cases[i].unit, buf, sizeof buf);
    g_assert_cmpstr(buf, ==, cases[i].text);
  }

  /* Round trip: every valid input formats to text that parses back to the
   * same value, and awkward values too. */
  for (size_t i = 0; i < G_N_ELEMENTS(valid); i++) {
    char buf[64];
    double back = -1.0;
    sim_units_format(valid[i].value, valid[i].unit, buf, sizeof buf);
    if (!sim_units_parse(buf, valid[i].unit, &back) || back != valid[i].value)
      g_error("'%s' -> %.17g -> '%s' did not round-trip", valid[i].text, valid[i].value, buf);
  }
  static const struct {
    sim_unit unit;
    double value;
  } awkward[] = {
    { SIM_UNIT_DURATION, 123456789.0 },
    { SIM_UNIT_DURATION, 1.0 / 3.0 },
    { SIM_UNIT_DURATION, 1e18 },
    { SIM_UNIT_DURATION, 12345.678 },
    { SIM_UNIT_SIZE, 1023.0 },
    { SIM_UNIT_BANDWIDTH, 0.125 },
    { SIM_UNIT_RATIO, 0.1 },
    { SIM_UNIT_RATIO, 1.0 / 3.0 },
    { SIM_UNIT_NONE, 1e300 },
    { SIM_UNIT_NONE, 5e-324 },
  };
  for (size_t i = 0; i < G_N_ELEMENTS(awkward); i++) {
    char buf[64];
    double back = -1.0;
    sim_units_format(awkward[i].value, awkward[i].unit, buf, sizeof buf);
    if (!sim_units_parse(buf, awkward[i].unit, &back) || back != awkward[i].value)
      g_error("%.17g -> '%s' did not round-trip", awkward[i].value, buf);
  }
}

static void
test_expected(void)
{
  for (int u = SIM_UNIT_NONE; u <= SIM_UNIT_RATIO; u++) {
    const char *e = sim_units_expected((sim_unit)u);
    g_assert_nonnull(e);
    g_assert_cmpuint(strlen(e), >, 10);
  }
  g_assert_nonnull(strstr(sim_units_expected(SIM_UNIT_DURATION), "250ms"));
  g_assert_nonnull(strstr(sim_units_expected(SIM_UNIT_RATIO), "%"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/units/valid", test_valid);
  g_test_add_func("/units/invalid", test_invalid);
  g_test_add_func("/units/u64", test_u64);
  g_test_add_func("/units/format", test_format);
  g_test_add_func("/units/expected", test_expected);
  return g_test_run();
}
