/*
 * results.h — the results database (SQLite), one per run.
 *
 * Schema (docs/results.md): run, metric, series, summary, histogram,
 * expectation.  Written in transactions: the run row first (status
 * 'running'), series rows at each sample tick, summaries and expectations
 * at the end with the final status.  A run stopped by a signal is finished
 * with status 'interrupted' and keeps everything sampled so far.
 */
#ifndef SIM_RESULTS_H
#define SIM_RESULTS_H

#include <glib.h>
#include <stdint.h>
#include "metrics.h"
#include "expect.h"

#define SIM_RESULTS_ERROR (sim_results_error_quark())
GQuark sim_results_error_quark(void);

typedef struct sim_run_info {
  const char *name;          /* scenario name */
  const char *scenario_path; /* file as given on the command line */
  const char *scenario_text; /* the scenario as run, after overrides */
  uint64_t seed;             /* run seed */
  const char *version;       /* peerlab version */
  const char *git_rev;       /* git revision of the build */
  const char *started_at;    /* ISO 8601 wall-clock start */
  uint32_t nodes;            /* population size */
  uint64_t duration_ns;      /* scripted virtual duration */
} sim_run_info;

typedef struct sim_run_final {
  const char *status;        /* "complete", "interrupted", "failed" */
  const char *trace;         /* hex trace digest */
  uint64_t events;           /* events processed */
  uint64_t virtual_ns;       /* virtual time reached */
  double wall_s;             /* wall-clock seconds */
  uint64_t peak_rss_bytes;   /* peak resident memory */
  const char *error;         /* failure message, or NULL */
} sim_run_final;

typedef struct sim_expect_outcome {
  const sim_expect *expect;  /* what was expected */
  double observed;           /* value observed */
  bool pass;                 /* held? */
} sim_expect_outcome;

typedef struct sim_results sim_results;

/* Create (replacing any file at |path|, creating parent directories) and
 * write the schema and the run row with status 'running'.  NULL + |error|
 * on failure. */
sim_results *sim_results_create(const char *path, const sim_run_info *info, GError **error);

/* Write the metric table rows for any metrics registered since the last
 * call, and all pending series rows, in one transaction; clears them from
 * |m|. */
gboolean sim_results_flush(sim_results *r, sim_metrics *m, GError **error);

/* Flush, then write summaries, histograms, the expectation outcomes and
 * the final run row, in one transaction. */
gboolean sim_results_finish(sim_results *r, sim_metrics *m, const sim_run_final *final,
                            const sim_expect_outcome *outcomes, size_t n_outcomes,
                            GError **error);

/* Close the database.  NULL is ignored. */
void sim_results_close(sim_results *r);

#endif
