/*
 * dist.h — probability distributions as written in scenario files.
 *
 *   constant(50ms)  or a bare value  50ms
 *   uniform(10ms, 90ms)              lower, upper bound (lower <= upper)
 *   normal(100ms, 20ms)              mean, standard deviation >= 0
 *                                    (censored at 0, see sim_dist_sample)
 *   lognormal(50ms, 0.4)             median > 0, sigma >= 0 of the underlying normal
 *   pareto(20ms, 2.5)                scale x_m > 0 (minimum), shape alpha > 0
 *   exponential(30s)                 mean > 0
 *
 * Names are lowercase (case-sensitive); arguments are separated by a
 * comma; blanks are allowed around every token.  Values carry a unit class
 * (durations in ns, sizes, plain numbers ...) and are parsed by units.h;
 * sigma and alpha are plain numbers.  Sampling uses a sim_rng stream given
 * by the caller.
 */
#ifndef SIM_DIST_H
#define SIM_DIST_H

#include <stdint.h>
#include <stdbool.h>
#include <glib.h>
#include "rng.h"
#include "units.h"

typedef enum sim_dist_kind {
  SIM_DIST_CONSTANT = 0,
  SIM_DIST_UNIFORM,
  SIM_DIST_NORMAL,
  SIM_DIST_LOGNORMAL,
  SIM_DIST_PARETO,
  SIM_DIST_EXPONENTIAL,
} sim_dist_kind;

typedef struct sim_dist {
  sim_dist_kind kind; /* which family */
  double a;           /* first parameter, in the value's unit (ns for durations) */
  double b;           /* second parameter (unit of |a|, or dimensionless sigma/alpha; 0 if unused) */
} sim_dist;

/* Parse |text| as a distribution whose values are of |unit| class into
 * |*out|.  Returns true on success.  On failure returns false, leaves
 * |*out| untouched and, if |error_expected| is not NULL, sets it to a
 * static description of what was expected (the family's form and
 * parameter rule, a units.h description for a bad value, or the list of
 * forms), for the caller's error message. */
bool sim_dist_parse(const char *text, sim_unit unit, sim_dist *out,
                    const char **error_expected);

/* Draw one value of |dist| from |rng|; never negative: any result below 0
 * is returned as exactly 0 (with valid parameters only the normal can go
 * there, so "normal" is a normal censored at 0).  Draws per call are fixed
 * by family: constant 0, uniform/pareto/exponential 1, normal/lognormal 2
 * sim_rng_next steps.  Lognormal is median * exp(sigma * N(0,1)), pareto
 * is scale / U^(1/alpha) with U in (0, 1]. */
double sim_dist_sample(const sim_dist *dist, sim_rng *rng);

/* Mean of the values sim_dist_sample returns: for the normal, the mean of
 * the censored distribution, mu Phi(mu/sd) + sd phi(mu/sd); infinity for
 * Pareto with alpha <= 1. */
double sim_dist_mean(const sim_dist *dist);

/* Write a canonical text form ("lognormal(50ms, 0.4)", "constant(50ms)")
 * of |dist| with values of |unit| to |buf| (|cap| bytes, truncated, always
 * NUL-terminated); sim_dist_parse reads it back to the same parameters.
 * 80 bytes are always enough. */
void sim_dist_format(const sim_dist *dist, sim_unit unit, char *buf, size_t cap);

#endif
