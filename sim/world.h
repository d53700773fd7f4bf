/*
 * world.h — the simulation host: one run of one scenario.
 *
 * The world owns everything a run needs: the event queue and virtual
 * clock, the interned identity table, one protocol core per live node,
 * every node's random stream, the network model, the scripted timeline
 * (joins, partitions, crashes, churn, commands), metrics, the trace digest
 * and the results database.  It is the one host of the core's sans-IO API
 * in sim/: nodes talk only through pl_env callbacks, so every effect of one
 * node on another travels as a message through the network model.
 *
 * A run is single-threaded and deterministic: same binary + scenario + seed
 * gives the same trace digest.  See docs/architecture.md.
 */
#ifndef SIM_WORLD_H
#define SIM_WORLD_H

#include <glib.h>
#include <signal.h>
#include <stdint.h>
#include "scenario.h"
#include "metrics.h"
#include "results.h"

#define SIM_WORLD_ERROR (sim_world_error_quark())
GQuark sim_world_error_quark(void);

/* Codes of SIM_WORLD_ERROR. */
typedef enum sim_world_error_code {
  SIM_WORLD_ERROR_FAILED = 1, /* the run could not go on (libsodium, results file, ...) */
  SIM_WORLD_ERROR_INPUT = 2,  /* the scenario cannot be run as written (sim_world_new) */
} sim_world_error_code;

typedef enum sim_run_status {
  SIM_RUN_COMPLETE = 0,     /* ran to the scenario's duration */
  SIM_RUN_INTERRUPTED,      /* stopped by *stop_flag (SIGINT/SIGTERM) */
  SIM_RUN_FAILED,           /* a runtime failure (results database) */
} sim_run_status;

/* Name of |status| as stored in the results ("complete", ...). */
const char *sim_run_status_name(sim_run_status status);

/* Progress report, handed to the progress callback about every 1<<16
 * events. */
typedef struct sim_progress {
  uint64_t now_ns;          /* virtual time reached */
  uint64_t duration_ns;     /* virtual time to reach */
  uint64_t events;          /* events processed */
  double wall_s;            /* wall-clock seconds since the run started */
} sim_progress;

typedef struct sim_world_options {
  /* Results database path, or NULL for none (tests, benchmarks). */
  const char *results_path;
  /* Row id of the run in the results database (0: 1) and its run_param
   * rows (NULL-terminated "group.key=value", e.g. the --set overrides;
   * NULL for none); see sim_run_info. */
  int64_t run_id;
  const char *const *run_params;
  /* Stop early (status interrupted) once this becomes non-zero. */
  volatile sig_atomic_t *stop_flag;
  /* Called with progress now and then; NULL for none. */
  void (*progress_cb)(const sim_progress *progress, void *user_data);
  void *user_data;
} sim_world_options;

typedef struct sim_world sim_world;

/* Build the world for |scenario| (borrowed; must outlive the world):
 * identities, populations, network, timeline.  Opens the results database
 * if asked.  NULL + |error| on failure. */
sim_world *sim_world_new(const sim_scenario *scenario, const sim_world_options *options,
                         GError **error);

/* Check, without building the world (no identities, nodes or module
 * state), that every [expect] line of |scenario| names a metric a run of
 * it registers and records: what sim_world_new checks before a run, for
 * `peerlab validate`.  False + |error| (SIM_WORLD_ERROR_INPUT) naming the
 * first line that does not. */
bool sim_world_check_expectations(const sim_scenario *scenario, GError **error);

/* Run to the scenario's duration (or until *stop_flag).  Evaluates the
 * expectations and finishes the results database.  Returns the status;
 * SIM_RUN_FAILED sets |error|. */
sim_run_status sim_world_run(sim_world *world, GError **error);

void sim_world_free(sim_world *world);

/* After a run: the trace digest (64 hex chars), events processed, virtual
 * time reached, wall seconds, peak RSS, the metrics, and the expectation
 * outcomes (one per scenario expectation, in file order). */
const char *sim_world_trace(const sim_world *world);
uint64_t sim_world_events(const sim_world *world);
uint64_t sim_world_now(const sim_world *world);
double sim_world_wall_s(const sim_world *world);
uint64_t sim_world_peak_rss(const sim_world *world);
const sim_metrics *sim_world_metrics(const sim_world *world);
const sim_expect_outcome *sim_world_outcomes(const sim_world *world, size_t *n);

/* Memory accounting for the benchmark: bytes held by the host per node
 * (identity table, streams, network, host arrays) and by all cores. */
size_t sim_world_host_memory(const sim_world *world);
size_t sim_world_core_memory(const sim_world *world);

/* Test hooks: the handle of node |i| of population |pop|, whether node
 * |handle| is live, and its core (NULL when crashed or not yet joined). */
pl_node *sim_world_node(const sim_world *world, uint32_t handle);

#endif
