/*
 * metrics.c — see metrics.h.
 *
 * How it works
 * ------------
 * Metrics live in one array indexed by id; sim_metrics_record touches only
 * that entry: whole-run count/sum/min/max/last, the open window's
 * count/sum/min/max, and one histogram bucket.  Names are interned in a
 * GHashTable used only by sim_metrics_lookup / sim_metrics_register, never
 * iterated.
 *
 * Histogram.  A positive double v = 1.m * 2^x (IEEE 754) lands in the
 * bucket chosen by its exponent and the top 7 bits of its mantissa: 128
 * equal-width sub-buckets per power of two, so a bucket [lo, hi) has
 * hi/lo <= 1 + 1/128 and its midpoint is within 0.4 % of any value in it.
 * The index is read straight from the bits (no log(), no rounding), so it
 * is exact and the same on every machine.  Exponents cover [2^-20, 2^50);
 * below and above are one underflow and one overflow bucket, and v <= 0 is
 * the zero bucket.  Layout of the count array:
 *
 *   [0] zero   [1] underflow   [2 .. 2+N) main   [2+N] overflow
 *
 * with N = OCTAVES * 128 = 8960 (70 KiB of uint64 counts).  A metric that
 * has only recorded one distinct value needs no array at all (most
 * counters record 1 every time): its percentiles are that value.  The array
 * is allocated on the first record that differs from the first value, and
 * the records so far are then put into the first value's bucket.
 *
 * Percentile q (per mille): the bucket holding the record of rank
 * ceil(q * count / 1000) (1-based, in increasing order), reported as the
 * bucket's midpoint clamped to [min, max] (the zero bucket: 0 clamped;
 * the overflow bucket: max).
 */
#include "metrics.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#define SUB_BITS 7
#define SUB_BUCKETS (1 << SUB_BITS)       /* per power of two */
#define EXP_MIN (-20)                     /* smallest value: 2^EXP_MIN */
#define EXP_MAX 50                        /* values >= 2^EXP_MAX overflow */
#define OCTAVES (EXP_MAX - EXP_MIN)
#define N_MAIN (OCTAVES * SUB_BUCKETS)
#define B_ZERO 0
#define B_UNDER 1
#define B_MAIN 2
#define B_OVER (B_MAIN + N_MAIN)
#define N_BUCKETS (B_OVER + 1)

typedef struct metric {
  char *name;              /* dotted name, owned */
  pl_metric_kind kind;     /* counter / observation / gauge */
  uint64_t count;          /* records over the run */
  double sum;              /* sum of records over the run (metric's unit) */
  double min, max;         /* extremes over the run */
  double first;            /* first value recorded */
  double last;             /* last value recorded (counters, observations) */
  double gauge_last;       /* gauges: mean of the last closed window holding records */
  bool gauge_closed;       /* gauges: has a window holding records closed? */
  uint64_t *hist;          /* N_BUCKETS counts, NULL while every record == first */
  uint64_t win_count;      /* records in the open window */
  double win_sum;          /* sum over the open window */
  double win_min, win_max; /* extremes over the open window */
} metric;

struct sim_metrics {
  metric *v;               /* registered metrics, indexed by id */
  uint32_t n;              /* registered */
  uint32_t cap;            /* allocated entries of |v| */
  GHashTable *by_name;     /* name (owned by v[i]) -> id + 1; lookup only */
  GArray *pending;         /* sim_series_row, oldest first */
  uint64_t last_close_ns;  /* end of the last closed window (0 at start) */
  uint32_t n_hist;         /* metrics holding a histogram array */
};

static const char *const stat_names[] = {
  [SIM_STAT_DEFAULT] = "default",
  [SIM_STAT_COUNT] = "count",
  [SIM_STAT_SUM] = "sum",
  [SIM_STAT_MEAN] = "mean",
  [SIM_STAT_MIN] = "min",
  [SIM_STAT_MAX] = "max",
  [SIM_STAT_P50] = "p50",
  [SIM_STAT_P90] = "p90",
  [SIM_STAT_P99] = "p99",
  [SIM_STAT_LAST] = "last",
};

bool
sim_stat_parse(const char *name, sim_stat *out)
{
  g_assert(name != NULL && out != NULL);
  for (int s = SIM_STAT_COUNT; s <= SIM_STAT_LAST; s++) {
    if (strcmp(name, stat_names[s]) == 0) {
      *out = (sim_stat)s;
      return true;
    }
  }
  return false;
}

const char *
sim_stat_name(sim_stat stat)
{
  g_assert((unsigned)stat <= SIM_STAT_LAST);
  return stat_names[stat];
}

sim_stat
sim_stat_natural(pl_metric_kind kind)
{
  switch (kind) {
  case PL_METRIC_KIND_COUNTER: return SIM_STAT_SUM;
  case PL_METRIC_KIND_OBSERVATION: return SIM_STAT_MEAN;
  case PL_METRIC_KIND_GAUGE: return SIM_STAT_LAST;
  }
  g_assert_not_reached();
}

const char *
sim_metric_kind_name(pl_metric_kind kind)
{
  switch (kind) {
  case PL_METRIC_KIND_COUNTER: return "counter";
  case PL_METRIC_KIND_OBSERVATION: return "observation";
  case PL_METRIC_KIND_GAUGE: return "gauge";
  }
  g_assert_not_reached();
}

/* ------------------------------------------------------------ histogram */

/* Bucket index of |v| (see the layout above). */
static inline uint32_t
bucket_of(double v)
{
  if (!(v > 0))
    return B_ZERO;
  uint64_t bits;
  memcpy(&bits, &v, sizeof bits);
  int exp2 = (int)((bits >> 52) & 0x7ff) - 1023;      /* v in [2^exp2, 2^(exp2+1)) */
  if (exp2 < EXP_MIN)
    return B_UNDER;                                    /* includes subnormals */
  if (exp2 >= EXP_MAX)
    return B_OVER;
  uint32_t sub = (uint32_t)(bits >> (52 - SUB_BITS)) & (SUB_BUCKETS - 1);
  return B_MAIN + (uint32_t)(exp2 - EXP_MIN) * SUB_BUCKETS + sub;
}

/* Bounds of bucket |b| of metric |x| (see sim_metrics_histogram). */
static void
bucket_bounds(const metric *x, uint32_t b, double *lo, double *hi)
{
  if (b == B_ZERO) {
    *lo = x->min < 0 ? x->min : 0;
    *hi = 0;
  } else if (b == B_UNDER) {
    *lo = 0;
    *hi = ldexp(1, EXP_MIN);
  } else if (b == B_OVER) {
    *lo = ldexp(1, EXP_MAX);
    *hi = x->max;
  } else {
    uint32_t i = b - B_MAIN;
    int exp2 = (int)(i / SUB_BUCKETS) + EXP_MIN;
    double sub = (double)(i % SUB_BUCKETS);
    /* v = (1 + sub/128) * 2^exp2 = (128 + sub) * 2^(exp2 - 7): exact */
    *lo = ldexp(SUB_BUCKETS + sub, exp2 - SUB_BITS);
    *hi = ldexp(SUB_BUCKETS + sub + 1, exp2 - SUB_BITS);
  }
}

static double
clamp(double v, double lo, double hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

/* Value reported for percentile |per_mille| of |x|. */
static double
percentile(const metric *x, uint64_t per_mille)
{
  if (x->count == 0)
    return 0;
  if (!x->hist)
    return x->first;              /* every record equals the first */
  /* rank = ceil(count * q), in 1..count */
  uint64_t rank = (x->count / 1000) * per_mille
                  + ((x->count % 1000) * per_mille + 999) / 1000;
  if (rank < 1)
    rank = 1;
  if (rank > x->count)
    rank = x->count;
  uint64_t seen = 0;
  for (uint32_t b = 0; b < N_BUCKETS; b++) {
    seen += x->hist[b];
    if (seen >= rank) {
      double lo, hi;
      if (b == B_ZERO)
        return clamp(0, x->min, x->max);
      if (b == B_OVER)
        return x->max;            /* no better guess above 2^50 */
      bucket_bounds(x, b, &lo, &hi);
      return clamp(lo + (hi - lo) / 2, x->min, x->max);
    }
  }
  g_assert_not_reached();
}

/* --------------------------------------------------------------- registry */

sim_metrics *
sim_metrics_new(void)
{
  sim_metrics *m = g_new0(sim_metrics, 1);
  m->by_name = g_hash_table_new(g_str_hash, g_str_equal);
  m->pending = g_array_new(FALSE, FALSE, sizeof(sim_series_row));
  for (int i = 0; i < PL_METRIC_COUNT; i++) {
    const char *name = pl_metric_name((pl_metric)i);
    g_assert(name != NULL);
    uint32_t id = sim_metrics_register(m, name, pl_metric_kind_of((pl_metric)i));
    g_assert(id == (uint32_t)i);   /* core names are distinct */
  }
  return m;
}

void
sim_metrics_free(sim_metrics *m)
{
  if (!m)
    return;
  for (uint32_t i = 0; i < m->n; i++) {
    g_free(m->v[i].name);
    g_free(m->v[i].hist);
  }
  g_free(m->v);
  g_hash_table_destroy(m->by_name);
  g_array_free(m->pending, TRUE);
  g_free(m);
}

uint32_t
sim_metrics_register(sim_metrics *m, const char *name, pl_metric_kind kind)
{
  g_assert(m != NULL && name != NULL && name[0] != '\0');
  g_assert(kind == PL_METRIC_KIND_COUNTER || kind == PL_METRIC_KIND_OBSERVATION
           || kind == PL_METRIC_KIND_GAUGE);
  gpointer found = g_hash_table_lookup(m->by_name, name);
  if (found) {
    uint32_t id = GPOINTER_TO_UINT(found) - 1;
    g_assert(m->v[id].kind == kind);
    return id;
  }
  g_assert(m->n < UINT32_MAX - 1);
  if (m->n == m->cap) {
    m->cap = m->cap ? m->cap * 2 : 64;
    m->v = g_renew(metric, m->v, m->cap);
  }
  uint32_t id = m->n++;
  metric *x = &m->v[id];
  memset(x, 0, sizeof *x);
  x->name = g_strdup(name);
  x->kind = kind;
  g_hash_table_insert(m->by_name, x->name, GUINT_TO_POINTER(id + 1));
  return id;
}

int
sim_metrics_lookup(const sim_metrics *m, const char *name)
{
  g_assert(m != NULL && name != NULL);
  gpointer found = g_hash_table_lookup(m->by_name, name);
  return found ? (int)(GPOINTER_TO_UINT(found) - 1) : -1;
}

uint32_t
sim_metrics_count(const sim_metrics *m)
{
  return m->n;
}

const char *
sim_metrics_name(const sim_metrics *m, uint32_t id)
{
  g_assert(id < m->n);
  return m->v[id].name;
}

pl_metric_kind
sim_metrics_kind(const sim_metrics *m, uint32_t id)
{
  g_assert(id < m->n);
  return m->v[id].kind;
}

/* -------------------------------------------------------------- recording */

/* First record that differs from x->first: make the histogram and put the
 * x->count earlier records (all equal to x->first) into it. */
static void
make_histogram(sim_metrics *m, metric *x)
{
  x->hist = g_new0(uint64_t, N_BUCKETS);
  x->hist[bucket_of(x->first)] = x->count;
  m->n_hist++;
}

void
sim_metrics_record(sim_metrics *m, uint32_t id, double value)
{
  g_assert(id < m->n);
  metric *x = &m->v[id];
  if (G_LIKELY(x->hist == NULL && x->win_count > 0 && value == x->first)) {
    /* The value every earlier one had (most metrics are counters of 1s):
     * without a histogram all values so far equal |first|, so min, max
     * and the window's min and max stay as they are. */
    x->count++;
    x->sum += value;
    x->last = value;
    x->win_count++;
    x->win_sum += value;
    return;
  }
  g_assert(isfinite(value));
  if (x->count == 0) {
    x->first = x->min = x->max = value;
  } else {
    if (G_UNLIKELY(!x->hist) && value != x->first)
      make_histogram(m, x);
    if (value < x->min)
      x->min = value;
    if (value > x->max)
      x->max = value;
  }
  if (x->hist)
    x->hist[bucket_of(value)]++;
  x->count++;
  x->sum += value;
  x->last = value;

  if (x->win_count == 0) {
    x->win_min = x->win_max = value;
  } else {
    if (value < x->win_min)
      x->win_min = value;
    if (value > x->win_max)
      x->win_max = value;
  }
  x->win_count++;
  x->win_sum += value;
}

void
sim_metrics_close_window(sim_metrics *m, uint64_t t_ns)
{
  g_assert(t_ns >= m->last_close_ns);
  for (uint32_t id = 0; id < m->n; id++) {
    metric *x = &m->v[id];
    if (x->win_count == 0)
      continue;
    sim_series_row row = {
      .metric = id,
      .t0_ns = m->last_close_ns,
      .t_ns = t_ns,
      .count = x->win_count,
      .sum = x->win_sum,
      .min = x->win_min,
      .max = x->win_max,
    };
    g_array_append_val(m->pending, row);
    if (x->kind == PL_METRIC_KIND_GAUGE) {
      x->gauge_last = x->win_sum / (double)x->win_count;
      x->gauge_closed = true;
    }
    x->win_count = 0;
    x->win_sum = 0;
    x->win_min = x->win_max = 0;
  }
  m->last_close_ns = t_ns;
}

const sim_series_row *
sim_metrics_pending(const sim_metrics *m, size_t *n)
{
  g_assert(n != NULL);
  *n = m->pending->len;
  return (const sim_series_row *)(void *)m->pending->data;
}

void
sim_metrics_clear_pending(sim_metrics *m)
{
  g_array_set_size(m->pending, 0);
}

/* -------------------------------------------------------------- reading */

void
sim_metrics_summary(const sim_metrics *m, uint32_t id, sim_summary *out)
{
  g_assert(id < m->n && out != NULL);
  const metric *x = &m->v[id];
  memset(out, 0, sizeof *out);
  if (x->count == 0)
    return;
  out->count = x->count;
  out->sum = x->sum;
  out->mean = x->sum / (double)x->count;
  out->min = x->min;
  out->max = x->max;
  out->p50 = percentile(x, 500);
  out->p90 = percentile(x, 900);
  out->p99 = percentile(x, 990);
  if (x->kind == PL_METRIC_KIND_GAUGE)
    out->last = x->gauge_closed ? x->gauge_last : out->mean;
  else
    out->last = x->last;
}

double
sim_metrics_stat(const sim_metrics *m, const char *name, sim_stat stat)
{
  int id = sim_metrics_lookup(m, name);
  if (id < 0)
    return 0;
  sim_summary s;
  sim_metrics_summary(m, (uint32_t)id, &s);
  if (stat == SIM_STAT_DEFAULT)
    stat = sim_stat_natural(m->v[id].kind);
  switch (stat) {
  case SIM_STAT_COUNT: return (double)s.count;
  case SIM_STAT_SUM: return s.sum;
  case SIM_STAT_MEAN: return s.mean;
  case SIM_STAT_MIN: return s.min;
  case SIM_STAT_MAX: return s.max;
  case SIM_STAT_P50: return s.p50;
  case SIM_STAT_P90: return s.p90;
  case SIM_STAT_P99: return s.p99;
  case SIM_STAT_LAST: return s.last;
  case SIM_STAT_DEFAULT: break;
  }
  g_assert_not_reached();
}

void
sim_metrics_histogram(const sim_metrics *m, uint32_t id,
                      void (*cb)(double lo, double hi, uint64_t count, void *user_data),
                      void *user_data)
{
  g_assert(id < m->n && cb != NULL);
  const metric *x = &m->v[id];
  double lo, hi;
  if (x->count == 0)
    return;
  if (!x->hist) {
    uint32_t b = bucket_of(x->first);
    bucket_bounds(x, b, &lo, &hi);
    cb(lo, hi, x->count, user_data);
    return;
  }
  for (uint32_t b = 0; b < N_BUCKETS; b++) {
    if (x->hist[b] == 0)
      continue;
    bucket_bounds(x, b, &lo, &hi);
    cb(lo, hi, x->hist[b], user_data);
  }
}

size_t
sim_metrics_memory(const sim_metrics *m)
{
  size_t bytes = sizeof *m + (size_t)m->cap * sizeof(metric)
                 + (size_t)m->n_hist * N_BUCKETS * sizeof(uint64_t)
                 + (size_t)m->pending->len * sizeof(sim_series_row);
  for (uint32_t i = 0; i < m->n; i++)
    bytes += strlen(m->v[i].name) + 1;
  return bytes;
}
