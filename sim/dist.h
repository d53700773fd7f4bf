/*
 * dist.h — probability distributions as written in scenario files.
 *
 *   constant(50ms)  or a bare value  50ms
 *   uniform(10ms, 90ms)              lower, upper bound
 *   normal(100ms, 20ms)              mean, standard deviation (truncated at 0)
 *   lognormal(50ms, 0.4)             median, sigma of the underlying normal
 *   pareto(20ms, 2.5)                scale x_m (minimum), shape alpha
 *   exponential(30s)                 mean
 *
 * Values carry a unit class: durations (ns) or plain numbers.  Parsing uses
 * units.h; sampling uses a sim_rng stream given by the caller.
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
  double b;           /* second parameter (unit of |a|, or dimensionless sigma/alpha) */
} sim_dist;

/* Parse |text| as a distribution whose values are of |unit| class.  On
 * failure returns false and sets |error_expected| (static string) to a
 * description of the accepted form, for the caller's error message. */
bool sim_dist_parse(const char *text, sim_unit unit, sim_dist *out,
                    const char **error_expected);

/* Draw one value (never negative). */
double sim_dist_sample(const sim_dist *dist, sim_rng *rng);

/* Mean of the distribution (infinity for Pareto with alpha <= 1). */
double sim_dist_mean(const sim_dist *dist);

/* Write a canonical text form ("lognormal(50ms, 0.4)") to |buf|. */
void sim_dist_format(const sim_dist *dist, sim_unit unit, char *buf, size_t cap);

#endif
