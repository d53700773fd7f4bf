/*
 * test-compare.c — the statistics of `peerlab compare` and `peerlab plot`
 * (Student t quantiles, mean and 95% CI, the Mann-Whitney U test, exact
 * and approximate) and the gnuplot string quoting.  The commands
 * themselves are tested by tests/test-compare.sh and tests/test-plot.sh.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "compare.h"
#include "plot.h"

static void
test_t975(void)
{
  /* standard table values */
  g_assert_cmpfloat_with_epsilon(sim_compare_t975(1), 12.7062, 1e-4);
  g_assert_cmpfloat_with_epsilon(sim_compare_t975(4), 2.7764, 1e-4);
  g_assert_cmpfloat_with_epsilon(sim_compare_t975(30), 2.0423, 1e-4);
  /* expansion above the table */
  g_assert_cmpfloat_with_epsilon(sim_compare_t975(31), 2.0395, 2e-4);
  g_assert_cmpfloat_with_epsilon(sim_compare_t975(40), 2.0211, 2e-4);
  g_assert_cmpfloat_with_epsilon(sim_compare_t975(60), 2.0003, 2e-4);
  g_assert_cmpfloat_with_epsilon(sim_compare_t975(120), 1.9799, 2e-4);
  g_assert_cmpfloat_with_epsilon(sim_compare_t975(100000), 1.96, 1e-3);
  g_assert_true(isnan(sim_compare_t975(0)));
  /* decreasing in df */
  for (unsigned df = 1; df < 200; df++)
    g_assert_cmpfloat(sim_compare_t975(df), >, sim_compare_t975(df + 1));
}

static void
test_mean_ci(void)
{
  double v[] = { 1, 2, 3, 4, 5 }, m, h;
  sim_compare_mean_ci(v, 5, &m, &h);
  g_assert_cmpfloat_with_epsilon(m, 3, 1e-12);
  /* t(4) * sd / sqrt(5) = 2.7764 * 1.58114 / 2.23607 */
  g_assert_cmpfloat_with_epsilon(h, 1.96324, 1e-4);
  sim_compare_mean_ci(v, 1, &m, &h);
  g_assert_cmpfloat(m, ==, 1);
  g_assert_cmpfloat(h, ==, 0);
  sim_compare_mean_ci(v, 0, &m, &h);
  g_assert_true(isnan(m) && isnan(h));
  double same[] = { 7, 7, 7 };
  sim_compare_mean_ci(same, 3, &m, &h);
  g_assert_cmpfloat(m, ==, 7);
  g_assert_cmpfloat(h, ==, 0);
}

/* Two-sided exact p by enumerating every split of the pooled values. */
static double
brute_p(const double *a, size_t na, const double *b, size_t nb)
{
  size_t n = na + nb;
  double pool[16];
  memcpy(pool, a, na * sizeof *a);
  memcpy(pool + na, b, nb * sizeof *b);
  double u_obs = 0;
  for (size_t i = 0; i < na; i++)
    for (size_t j = 0; j < nb; j++)
      u_obs += a[i] > b[j] ? 1 : a[i] == b[j] ? 0.5 : 0;
  unsigned total = 0, le = 0, ge = 0;
  for (unsigned mask = 0; mask < (1u << n); mask++) {
    if ((unsigned)__builtin_popcount(mask) != na)
      continue;
    double u = 0;
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < n; j++)
        if ((mask >> i & 1) && !(mask >> j & 1))
          u += pool[i] > pool[j] ? 1 : pool[i] == pool[j] ? 0.5 : 0;
    total++;
    le += u <= u_obs;
    ge += u >= u_obs;
  }
  double p = 2.0 * MIN(le, ge) / total;
  return MIN(p, 1.0);
}

static void
test_mann_whitney_exact(void)
{
  double a[] = { 1, 2, 3, 4, 5 }, b[] = { 6, 7, 8, 9, 10 }, u;
  int exact = -1;
  double p = sim_compare_mann_whitney(a, 5, b, 5, &u, &exact);
  g_assert_cmpint(exact, ==, 1);
  g_assert_cmpfloat(u, ==, 0);
  g_assert_cmpfloat_with_epsilon(p, 2.0 / 252, 1e-12);
  /* symmetric */
  g_assert_cmpfloat_with_epsilon(sim_compare_mann_whitney(b, 5, a, 5, &u, NULL), 2.0 / 252,
                                 1e-12);
  g_assert_cmpfloat(u, ==, 25);
  double c[] = { 1, 2, 3 }, d[] = { 4, 5, 6 };
  g_assert_cmpfloat_with_epsilon(sim_compare_mann_whitney(c, 3, d, 3, NULL, NULL), 0.1, 1e-12);
  /* interleaved: no evidence */
  double e[] = { 1, 3, 5, 7, 9 }, f[] = { 2, 4, 6, 8, 10 };
  g_assert_cmpfloat(sim_compare_mann_whitney(e, 5, f, 5, NULL, NULL), >, 0.5);

  /* against enumeration, random tie-free samples of unequal sizes */
  GRand *rng = g_rand_new_with_seed(11);
  for (int round = 0; round < 200; round++) {
    size_t na = (size_t)g_rand_int_range(rng, 1, 7), nb = (size_t)g_rand_int_range(rng, 1, 7);
    double x[8], y[8];
    for (size_t i = 0; i < na; i++)
      x[i] = g_rand_double(rng) + (double)round * 0; /* distinct with probability 1 */
    for (size_t i = 0; i < nb; i++)
      y[i] = g_rand_double(rng) + 0.3;
    double want = brute_p(x, na, y, nb);
    double got = sim_compare_mann_whitney(x, na, y, nb, NULL, &exact);
    g_assert_cmpint(exact, ==, 1);
    g_assert_cmpfloat_with_epsilon(got, want, 1e-12);
  }
  g_rand_free(rng);

  /* large tie-free samples stay exact and finite (50 a side) */
  double big_a[50], big_b[50];
  for (int i = 0; i < 50; i++) {
    big_a[i] = i;
    big_b[i] = i + 0.5;
  }
  p = sim_compare_mann_whitney(big_a, 50, big_b, 50, NULL, &exact);
  g_assert_cmpint(exact, ==, 1);
  g_assert_cmpfloat(p, >, 0.8);
  g_assert_cmpfloat(p, <=, 1);
}

static void
test_mann_whitney_approx(void)
{
  /* ties: mid-ranks, tie-corrected variance, continuity correction.
   * a = {1,1,2}, b = {2,3,3}: R1 = 6.5, U = 0.5, mean 4.5, variance
   * 9/12 * (7 - 18/30) = 4.8, z = 3.5 / sqrt(4.8) = 1.5975, p = 0.1101
   * (as scipy.stats.mannwhitneyu(..., method='asymptotic')). */
  double a[] = { 1, 1, 2 }, b[] = { 2, 3, 3 }, u;
  int exact = -1;
  double p = sim_compare_mann_whitney(a, 3, b, 3, &u, &exact);
  g_assert_cmpint(exact, ==, 0);
  g_assert_cmpfloat(u, ==, 0.5);
  g_assert_cmpfloat_with_epsilon(p, 0.11014, 2e-4);
  /* every value tied: no evidence at all */
  double t1[] = { 4, 4, 4 }, t2[] = { 4, 4 };
  g_assert_cmpfloat(sim_compare_mann_whitney(t1, 3, t2, 2, NULL, NULL), ==, 1);
  /* above 50 a side without ties: the normal approximation */
  double x[60], y[60];
  for (int i = 0; i < 60; i++) {
    x[i] = i;
    y[i] = i + 100;
  }
  p = sim_compare_mann_whitney(x, 60, y, 60, NULL, &exact);
  g_assert_cmpint(exact, ==, 0);
  g_assert_cmpfloat(p, <, 1e-15);
  g_assert_cmpfloat(p, >=, 0);
}

static void
test_gp_quote(void)
{
  GString *s = g_string_new(NULL);
  sim_plot_gp_quote(s, "it's\n50% `rm -rf` $HOME; \"x\"", false);
  g_assert_cmpstr(s->str, ==, "'it''s 50% `rm -rf` $HOME; \"x\"'");
  g_string_truncate(s, 0);
  sim_plot_gp_quote(s, "5%", true);
  g_assert_cmpstr(s->str, ==, "'5%%'");
  g_string_truncate(s, 0);
  sim_plot_gp_quote(s, NULL, false);
  g_assert_cmpstr(s->str, ==, "''");
  g_string_free(s, TRUE);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/compare/t975", test_t975);
  g_test_add_func("/compare/mean-ci", test_mean_ci);
  g_test_add_func("/compare/mann-whitney-exact", test_mann_whitney_exact);
  g_test_add_func("/compare/mann-whitney-approx", test_mann_whitney_approx);
  g_test_add_func("/compare/gp-quote", test_gp_quote);
  return g_test_run();
}
