/*
 * results.h — the results database (SQLite), one per run.
 *
 * Schema version 2 (docs/results.md): meta, run, run_param, metric, series,
 * summary, histogram, expectation.  One schema serves a single run (one run
 * row) and a merged sweep (one run row per run; sim/merge.c): every
 * per-run table has run_id as its first column.  Written in transactions: the run row first (status
 * 'running'), series rows at each sample tick, summaries and expectations
 * at the end with the final status.  A run stopped by a signal is finished
 * with status 'interrupted' and keeps everything sampled so far.
 *
 * The database uses SQLite's rollback journal (journal_mode=DELETE,
 * synchronous=NORMAL): every committed transaction is in the main file
 * itself, so a process killed at any point (even by SIGKILL) leaves one
 * file that opens and holds every flushed window, with status 'running';
 * a transaction cut short is rolled back from its -journal file by the
 * next connection that opens it.
 */
#ifndef SIM_RESULTS_H
#define SIM_RESULTS_H

#include <glib.h>
#include <stdint.h>
#include "metrics.h"
#include "expect.h"

#define SIM_RESULTS_ERROR (sim_results_error_quark())
GQuark sim_results_error_quark(void);

/* Version of the schema written, also in meta('schema_version') and
 * PRAGMA user_version. */
#define SIM_RESULTS_SCHEMA_VERSION 2

/* Error codes in SIM_RESULTS_ERROR.  Every message starts with the
 * database path. */
typedef enum sim_results_error {
  SIM_RESULTS_ERROR_FILE,    /* the path is refused (sim_results_check_path), or creating
                                the parent directory or removing an old file failed */
  SIM_RESULTS_ERROR_SQLITE,  /* SQLite failed (message has sqlite3_errmsg) */
} sim_results_error;

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
  int64_t id;                /* run row id (run.id, every run_id); 0 means 1 */
  const char *const *params; /* run_param rows: NULL-terminated "group.key=value" strings
                                (split at the first '=', both sides stripped; a later
                                duplicate key wins); NULL for none */
} sim_run_info;

typedef struct sim_run_final {
  const char *status;        /* "complete", "interrupted" or "failed" (asserted) */
  const char *trace;         /* hex trace digest */
  uint64_t events;           /* events processed */
  uint64_t virtual_ns;       /* virtual time reached */
  double wall_s;             /* wall-clock seconds */
  uint64_t peak_rss_bytes;   /* peak resident memory */
  const char *error;         /* failure message, or NULL */
} sim_run_final;

typedef struct sim_expect_outcome {
  const sim_expect *expect;  /* what was expected */
  double observed;           /* value observed, NAN when |why| is set */
  bool pass;                 /* held? */
  const char *why;           /* why it could not be compared (sim_expect_status_why:
                              * "no observations", "no such metric"), or NULL */
} sim_expect_outcome;

typedef struct sim_results sim_results;

/* The CREATE statements of the whole schema (tables and indexes, no meta
 * rows), for writers of merged databases. */
const char *sim_results_schema_sql(void);

/* Split one "group.key=value" parameter at its first '=' into newly
 * allocated, blank-stripped |key| and |value|.  FALSE (outputs untouched)
 * when there is no '=' or the key is empty. */
gboolean sim_results_split_param(const char *param, char **key, char **value);

/* Check that |path| names a file an output may replace (remove, or rename
 * over): it is not empty, and what exists there, if anything, is a regular
 * file, a symbolic link to one or a dangling symbolic link.  A directory,
 * device, FIFO or socket there (or a link to one) is refused: removing it
 * would destroy something that is not an output, and writing to it would
 * not make a file.  Looks only (lstat, then stat through a link); creates
 * and removes nothing.  Returns TRUE, or FALSE + |error|
 * (SIM_RESULTS_ERROR_FILE; the message starts with |path|, or says the
 * path is empty).  For the CLI to refuse an --out before it runs anything;
 * sim_results_create checks again. */
gboolean sim_results_check_path(const char *path, GError **error);

/* Create the database at |path|: refuse a path sim_results_check_path
 * refuses, or a -wal, -shm or -journal companion that is not a regular
 * file (or a link to one); remove any file there and its companions, create
 * the parent directories, then write the schema, the run row from |info|
 * (strings copied; NULL strings are stored as NULL) with status 'running'
 * and its run_param rows, in one transaction.  A parameter without '=' is
 * a programmer error (asserted); the CLI checks them first.  Returns the writer (free with
 * sim_results_close), or NULL + |error| (SIM_RESULTS_ERROR) on failure. */
sim_results *sim_results_create(const char *path, const sim_run_info *info, GError **error);

/* How long a write waits for another connection's lock before it fails
 * (SIM_RESULTS_ERROR_SQLITE, "database is locked"), ms; 30,000 from
 * sim_results_create. */
void sim_results_set_busy_timeout(sim_results *r, int ms);

/* Write the metric table rows for any metrics registered since the last
 * call, and all pending series rows of |m|, in one transaction; on success
 * clears the pending rows from |m|.  On failure returns FALSE + |error|,
 * rolls the transaction back and leaves |m| as it was (a later flush or
 * finish writes the rows again). */
gboolean sim_results_flush(sim_results *r, sim_metrics *m, GError **error);

/* Flush, then write summaries (every metric with count > 0), histograms,
 * the |n_outcomes| expectation outcomes (borrowed; their metric and stat
 * columns as sim_expect_resolve decides against |m|) and the final run
 * fields from |final|, all in one transaction.  Returns FALSE + |error| on
 * failure (nothing of it is written; it may be called again). */
gboolean sim_results_finish(sim_results *r, sim_metrics *m, const sim_run_final *final,
                            const sim_expect_outcome *outcomes, size_t n_outcomes,
                            GError **error);

/* Close the database and free |r|.  Closing without a finish leaves the
 * run with status 'running'.  NULL is ignored. */
void sim_results_close(sim_results *r);

#endif
