/*
 * expect.h — expectations: comparisons on summary metrics.
 *
 *   [expect]
 *   rtt = ping.rtt_ms.p99 <= 400
 *   clean = wire.rejected <= 0
 *
 * Form: METRIC[.STAT] OP NUMBER, OP one of < <= > >= == !=.
 * STAT one of count sum mean min max p50 p90 p99 last; without STAT the
 * metric's natural value is used: sum for counters, mean for observations,
 * last for gauges.  A metric that was never recorded has count 0 and every
 * other statistic 0, so "x.count == 0" and "x <= 0" hold for it.
 */
#ifndef SIM_EXPECT_H
#define SIM_EXPECT_H

#include <stdbool.h>
#include "metrics.h"

typedef enum sim_expect_op {
  SIM_OP_LT, SIM_OP_LE, SIM_OP_GT, SIM_OP_GE, SIM_OP_EQ, SIM_OP_NE
} sim_expect_op;

typedef struct sim_expect {
  char *label;       /* key in [expect] */
  char *expr;        /* the text as written */
  char *metric;      /* metric name */
  sim_stat stat;     /* statistic, SIM_STAT_DEFAULT if none was written */
  sim_expect_op op;  /* comparison */
  double value;      /* right-hand side */
} sim_expect;

/* Parse |expr| into |out| (strings newly allocated; free with
 * sim_expect_clear).  On failure returns false and sets *|why| to a static
 * description of what was expected. */
bool sim_expect_parse(const char *label, const char *expr, sim_expect *out,
                      const char **why);
void sim_expect_clear(sim_expect *e);

/* Evaluate against |metrics|: *|observed| gets the statistic's value. */
bool sim_expect_eval(const sim_expect *e, const sim_metrics *metrics, double *observed);

#endif
