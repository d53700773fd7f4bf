/*
 * expect.h — expectations: comparisons on summary metrics.
 *
 *   [expect]
 *   rtt = ping.rtt_ms.p99 <= 400
 *   clean = wire.rejected <= 0
 *
 * Form: METRIC[.STAT] OP NUMBER, OP one of < <= > >= == !=, with any
 * whitespace (or none) around the parts and nothing after the number.
 * METRIC is a dotted name: segments of [A-Za-z0-9_-], each starting with
 * [A-Za-z0-9_], separated by single dots.  STAT one of count sum mean min
 * max p50 p90 p99 last; without STAT the metric's natural value is used:
 * sum for counters, mean for observations, last for gauges.  NUMBER is
 * read by g_ascii_strtod (so "-3", "1.5e3", "2E-6" are fine) and must be
 * finite.
 *
 * Which part is the statistic: when the last segment of the dotted name is
 * a statistic name it is taken as the statistic at parse time.  At
 * evaluation (sim_expect_resolve) an exact metric name wins: if a metric
 * registered under the whole dotted name exists (e.g. a gauge named
 * "peer.count"), the expectation is about that metric with its natural
 * statistic.  A last segment that is not a statistic name (e.g. "p95") is
 * part of the metric name; such a metric is usually not registered, which
 * sim_expect_resolve reports (-1) so the caller can warn.
 *
 * A registered metric that was never recorded has count 0 and sum 0, so
 * "x.count == 0" holds for it, and so does "x <= 0" for a counter (whose
 * natural statistic is the sum).  Its mean, min, max, percentiles and last
 * value are undefined: an expectation on one of them fails as "no
 * observations", whatever the comparison, so that "latency p99 <= 400"
 * cannot hold because nothing was delivered.  An expectation on a metric
 * that is not registered fails as "no such metric" (the world refuses
 * such a scenario before running it).  "==" and "!=" compare doubles
 * exactly.
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
  char *name;        /* the dotted name as written, stat segment included */
  char *metric;      /* metric name (|name| less a trailing stat segment) */
  sim_stat stat;     /* statistic, SIM_STAT_DEFAULT if none was written */
  sim_expect_op op;  /* comparison */
  double value;      /* right-hand side (metric's unit) */
} sim_expect;

/* Parse |expr| (expectation |label|, copied; may be NULL) into |out|
 * (strings newly allocated; free with sim_expect_clear).  On failure
 * returns false, leaves |out| zeroed, and sets *|why| to a static
 * description of what was expected. */
bool sim_expect_parse(const char *label, const char *expr, sim_expect *out,
                      const char **why);

/* Free the strings of |e| and zero it.  NULL is ignored. */
void sim_expect_clear(sim_expect *e);

/* Symbol of |op|: "<", "<=", ">", ">=", "==" or "!=".  Static string. */
const char *sim_expect_op_name(sim_expect_op op);

/* Decide which metric and statistic |e| is about, against the registry
 * |metrics| (see "Which part is the statistic" above).  *|metric| gets the
 * metric name (a string owned by |e|); *|stat| the statistic, with
 * SIM_STAT_DEFAULT replaced by the metric's natural statistic when the
 * metric is registered (left SIM_STAT_DEFAULT when it is not).  Returns
 * the metric's id, or -1 if no such metric is registered. */
int sim_expect_resolve(const sim_expect *e, const sim_metrics *metrics,
                       const char **metric, sim_stat *stat);

/* How an expectation came out. */
typedef enum sim_expect_status {
  SIM_EXPECT_HELD,      /* compared, and the comparison holds */
  SIM_EXPECT_FAILED,    /* compared, and it does not */
  SIM_EXPECT_NO_METRIC, /* no metric of that name is registered */
  SIM_EXPECT_NO_DATA,   /* the statistic is undefined: no observations */
} sim_expect_status;

/* Evaluate against |metrics|: *|observed| (may be NULL) gets the
 * statistic's value, NAN when there is none (NO_METRIC, NO_DATA). */
sim_expect_status sim_expect_check(const sim_expect *e, const sim_metrics *metrics,
                                   double *observed);

/* Why |status| could not be compared ("no such metric", "no
 * observations"), or NULL for HELD and FAILED.  Static string. */
const char *sim_expect_status_why(sim_expect_status status);

/* sim_expect_check(...) == SIM_EXPECT_HELD. */
bool sim_expect_eval(const sim_expect *e, const sim_metrics *metrics, double *observed);

#endif
