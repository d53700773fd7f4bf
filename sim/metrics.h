/*
 * metrics.h — aggregation of metrics over a run.
 *
 * Every metric has an id (core metrics first, with ids equal to their
 * pl_metric value, then the simulator's own), a name, and a kind:
 *   counter      each record is an increment (value, usually 1)
 *   observation  each record is a sample of a distribution
 *   gauge        sampled by the engine at every interval over all live nodes
 * For each metric the module keeps, over the whole run, count, sum, min,
 * max, last, and a log-linear histogram (relative bucket width <= 1 %, so
 * p50/p90/p99 are within 1 % of the exact order statistic); and for the
 * current sampling window count, sum, min, max.  At each sample tick the
 * engine closes the window, which appends one series row per metric that
 * was recorded in it.  Recording is O(1): an array indexed by id, no
 * hashing, and at most one allocation in a metric's life (its histogram,
 * made when it first records a value different from its first one).
 *
 * Gauges: at each sample tick the engine records one value per live node
 * (e.g. peer.count), then closes the window.  A gauge's "last" is the mean
 * of the values recorded in the most recent closed window that held any
 * of its records; before such a window has closed, the mean of all its
 * records so far.  Counters and observations: "last" is the last value
 * recorded.
 *
 * Histogram (docs/metrics.md): values in [2^-20, 2^50) (about 9.5e-7 ..
 * 1.1e15) fall in 128 equal-width buckets per power of two (relative width
 * 1/128 .. 1/256); values <= 0, including negative values, fall in one
 * zero bucket; positive values below 2^-20 in one underflow bucket, values
 * >= 2^50 in one overflow bucket.  A percentile is the bucket holding the
 * order statistic of rank ceil(q * count), reported as the bucket's
 * midpoint (0 for the zero bucket, max for the overflow bucket) clamped to
 * [min, max]; so p99 <= max
 * exactly, and a metric that only ever recorded one value reports that
 * value exactly.  count, sum, mean, min and max are exact for every value,
 * negative ones included.
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

/* Parse a statistic name (exactly one of "count", "sum", "mean", "min",
 * "max", "p50", "p90", "p99", "last"; case-sensitive) into *|out|.
 * Returns false (and leaves *|out| alone) if |name| is none of them;
 * "default" is not accepted. */
bool sim_stat_parse(const char *name, sim_stat *out);

/* Name of |stat| ("p99", ...; "default" for SIM_STAT_DEFAULT).  Static
 * string, never NULL. */
const char *sim_stat_name(sim_stat stat);

/* The statistic SIM_STAT_DEFAULT stands for with a metric of |kind|:
 * SIM_STAT_SUM for counters, SIM_STAT_MEAN for observations, SIM_STAT_LAST
 * for gauges. */
sim_stat sim_stat_natural(pl_metric_kind kind);

/* Name of |kind|: "counter", "observation" or "gauge".  Static string. */
const char *sim_metric_kind_name(pl_metric_kind kind);

typedef struct sim_summary {
  uint64_t count;            /* records */
  double sum;                /* sum of the values recorded (metric's unit) */
  double mean;               /* sum / count (0 when count is 0) */
  double min, max;           /* smallest and largest value recorded */
  double p50, p90, p99;      /* from the histogram, within 1 %, clamped to [min, max] */
  double last;               /* last value recorded (gauges: mean of the last sample) */
} sim_summary;

/* One closed window of one metric. */
typedef struct sim_series_row {
  uint32_t metric;           /* metric id */
  uint64_t t0_ns;            /* start of the window: the previous close, or 0 (virtual ns) */
  uint64_t t_ns;             /* end of the window (virtual ns) */
  uint64_t count;            /* records in the window (>= 1) */
  double sum, min, max;      /* over the window's records (metric's unit) */
} sim_series_row;

typedef struct sim_metrics sim_metrics;

/* Create with the core metrics registered (ids 0..PL_METRIC_COUNT-1, names
 * and kinds from pl_metric_name / pl_metric_kind_of).  Free with
 * sim_metrics_free. */
sim_metrics *sim_metrics_new(void);

/* Free |m| and everything it owns.  NULL is ignored. */
void sim_metrics_free(sim_metrics *m);

/* Register a metric named |name| (copied) of |kind|; returns its id, the
 * next free one.  Registering an existing name returns the existing id
 * (the kind must match: programmer error, asserted). */
uint32_t sim_metrics_register(sim_metrics *m, const char *name, pl_metric_kind kind);

/* Id of |name|, or -1 if no metric of that name is registered. */
int sim_metrics_lookup(const sim_metrics *m, const char *name);

/* Record |value| (finite; asserted) for metric |id| (registered;
 * asserted).  O(1). */
void sim_metrics_record(sim_metrics *m, uint32_t id, double value);

/* Close the current window at virtual time |t_ns| (>= the previous close;
 * asserted): one series row per metric recorded since the last close is
 * appended to the pending rows, in id order, and every window is reset.
 * Gauges recorded in the window take its mean as their "last". */
void sim_metrics_close_window(sim_metrics *m, uint64_t t_ns);

/* Pending series rows (oldest first) and their number in *|n|; the pointer
 * is owned by |m| and valid until the next close or clear.  The results
 * writer takes them, then calls sim_metrics_clear_pending. */
const sim_series_row *sim_metrics_pending(const sim_metrics *m, size_t *n);
void sim_metrics_clear_pending(sim_metrics *m);

/* Number of registered metrics; name (owned by |m|) and kind of |id|
 * (registered; asserted). */
uint32_t sim_metrics_count(const sim_metrics *m);
const char *sim_metrics_name(const sim_metrics *m, uint32_t id);
pl_metric_kind sim_metrics_kind(const sim_metrics *m, uint32_t id);

/* Whole-run summary of |id| into *|out| (all zero when never recorded). */
void sim_metrics_summary(const sim_metrics *m, uint32_t id, sim_summary *out);

/* Value of |stat| for |name| (a never-recorded or unknown metric gives 0
 * and count 0).  SIM_STAT_DEFAULT means sim_stat_natural(kind). */
double sim_metrics_stat(const sim_metrics *m, const char *name, sim_stat stat);

/* Histogram of |id|: calls |cb| for each non-empty bucket in increasing
 * order with its bounds and count.  Ordinary buckets are [lo, hi); the
 * zero bucket is reported as [min(min, 0), 0] (values <= 0), the underflow
 * bucket as [0, 2^-20), the overflow bucket as [2^50, max].  Nothing is
 * called for a never-recorded metric. */
void sim_metrics_histogram(const sim_metrics *m, uint32_t id,
                           void (*cb)(double lo, double hi, uint64_t count, void *user_data),
                           void *user_data);

/* Bytes held by |m| (registry, histograms, pending rows), for memory
 * reports. */
size_t sim_metrics_memory(const sim_metrics *m);

#endif
