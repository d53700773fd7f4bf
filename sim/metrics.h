/*
 * metrics.h — aggregation of metrics over a run.
 *
 * Every metric has an id (core metrics first, with ids equal to their
 * pl_metric value, then the simulator's own), a name, and a kind:
 *   counter      each record is an increment (value, usually 1)
 *   observation  each record is a sample of a distribution
 *   gauge        sampled by the engine at every interval over all live nodes
 * For each metric the module keeps, over the whole run, count, sum, min,
 * max, last, and a log-linear histogram (relative bucket width 1 %, so
 * p50/p90/p99 are within 1 % of the exact order statistic); and for the
 * current sampling window count, sum, min, max.  At each sample tick the
 * engine closes the window, which appends one series row per metric that
 * was recorded in it.  Recording is O(1), no allocation after a metric's
 * first record.
 */
#ifndef SIM_METRICS_H
#define SIM_METRICS_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "pl.h"

typedef enum sim_stat {
  SIM_STAT_DEFAULT = 0, /* sum for counters, mean for observations, last for gauges */
  SIM_STAT_COUNT, SIM_STAT_SUM, SIM_STAT_MEAN, SIM_STAT_MIN, SIM_STAT_MAX,
  SIM_STAT_P50, SIM_STAT_P90, SIM_STAT_P99, SIM_STAT_LAST,
} sim_stat;

/* Parse a statistic name ("p99"); false if unknown. */
bool sim_stat_parse(const char *name, sim_stat *out);
const char *sim_stat_name(sim_stat stat);

typedef struct sim_summary {
  uint64_t count;            /* records */
  double sum, mean, min, max;
  double p50, p90, p99;      /* from the histogram, within 1 % */
  double last;               /* last value recorded (gauges: mean of the last sample) */
} sim_summary;

/* One closed window of one metric. */
typedef struct sim_series_row {
  uint32_t metric;           /* metric id */
  uint64_t t_ns;             /* end of the window (virtual time) */
  uint64_t count;            /* records in the window */
  double sum, min, max;      /* over the window's records */
} sim_series_row;

typedef struct sim_metrics sim_metrics;

/* Create with the core metrics registered (ids 0..PL_METRIC_COUNT-1). */
sim_metrics *sim_metrics_new(void);
void sim_metrics_free(sim_metrics *m);

/* Register a metric; returns its id.  Registering an existing name
 * returns the existing id (the kind must match: programmer error). */
uint32_t sim_metrics_register(sim_metrics *m, const char *name, pl_metric_kind kind);

/* Id of |name|, or -1. */
int sim_metrics_lookup(const sim_metrics *m, const char *name);

/* Record |value| for metric |id|. */
void sim_metrics_record(sim_metrics *m, uint32_t id, double value);

/* Close the current window at virtual time |t_ns|: one series row per
 * metric recorded since the last close is appended to the pending rows. */
void sim_metrics_close_window(sim_metrics *m, uint64_t t_ns);

/* Pending series rows (oldest first) and their number; the results writer
 * takes them, then calls sim_metrics_clear_pending. */
const sim_series_row *sim_metrics_pending(const sim_metrics *m, size_t *n);
void sim_metrics_clear_pending(sim_metrics *m);

/* Number of registered metrics; name and kind of |id|. */
uint32_t sim_metrics_count(const sim_metrics *m);
const char *sim_metrics_name(const sim_metrics *m, uint32_t id);
pl_metric_kind sim_metrics_kind(const sim_metrics *m, uint32_t id);

/* Whole-run summary of |id|. */
void sim_metrics_summary(const sim_metrics *m, uint32_t id, sim_summary *out);

/* Value of |stat| for |name| (a never-recorded or unknown metric gives 0
 * and count 0). */
double sim_metrics_stat(const sim_metrics *m, const char *name, sim_stat stat);

/* Histogram of |id|: calls |cb| for each non-empty bucket in increasing
 * order with [lo, hi) and its count. */
void sim_metrics_histogram(const sim_metrics *m, uint32_t id,
                           void (*cb)(double lo, double hi, uint64_t count, void *user_data),
                           void *user_data);

#endif
