/*
 * compare.h — `peerlab compare`: two sets of runs (e.g. a baseline sweep
 * over seeds and the same sweep of a new build), metric by metric, with
 * confidence intervals, a Mann-Whitney U test and a regression verdict
 * as TAP; and the small statistics it needs (shared with plot.c).
 *
 *   peerlab compare BASE.db NEW.db [--metric NAME[.STAT]]... [--stat STAT]
 *                   [--threshold PATTERN=PCT]... [--higher-is-better PATTERN]...
 *                   [--alpha P] [--param KEY=VALUE]...
 *
 * See docs/ci.md for the regression rule.
 */
#ifndef SIM_COMPARE_H
#define SIM_COMPARE_H

#include <stddef.h>

/*
 * The 0.975 quantile of Student's t distribution with |df| >= 1 degrees
 * of freedom (the multiplier of a two-sided 95% confidence interval):
 * tabulated to 4 decimals up to 30, a Cornish-Fisher expansion above
 * (error below 1e-4).  |df| 0 gives NAN.
 */
double sim_compare_t975(unsigned df);

/*
 * Mean of the |n| values |v| into *|mean|, and into *|half| the
 * half-width of its two-sided 95% confidence interval,
 * t975(n-1) * sd / sqrt(n) with the sample standard deviation (0 when
 * n == 1).  n == 0 gives NAN for both.
 */
void sim_compare_mean_ci(const double *v, size_t n, double *mean, double *half);

/*
 * Two-sided Mann-Whitney U test of samples |a| (|na| values) and |b|
 * (|nb| values), both non-empty.  Ties get mid-ranks.  Without ties and
 * with na, nb <= 50 the p-value is exact (the null distribution of U
 * counted by dynamic programming); otherwise the normal approximation
 * with tie correction and continuity correction is used.  *|u| (may be
 * NULL) gets U of |a| (the number of pairs with a > b, ties counting
 * one half).  Returns the p-value in [0, 1] (1 when every value is tied).
 * *|exact| (may be NULL) tells which method was used.
 */
double sim_compare_mann_whitney(const double *a, size_t na, const double *b, size_t nb,
                                double *u, int *exact);

/*
 * The `peerlab compare` command: |argv|[0] is "compare".  Prints TAP on
 * stdout, one test point per metric.  Returns 0 when no metric regressed,
 * 1 on a regression, 2 on bad usage or unreadable databases.
 */
int sim_compare_main(int argc, char **argv);

#endif
