/*
 * merge.h — merge results databases (schema version 2) into one.
 *
 *   peerlab merge DIR|FILE.db... [--out FILE]
 *
 * The runs of every input (usually DIR/runs/<id>.db of a sweep, one run
 * each) become rows of one database with the same schema: run ids are
 * kept when they are distinct across the inputs (a sweep's are: its grid
 * positions) and renumbered 1..N in input order otherwise; metric ids are
 * mapped by name onto one metric table.  Inputs of another schema version
 * or of another scenario name are refused; runs whose status is not
 * 'complete' are merged and reported as warnings.  The output is written
 * to FILE.tmp and renamed over FILE at the end, so a failed merge leaves
 * any earlier FILE as it was.  docs/sweeps.md describes it.
 */
#ifndef SIM_MERGE_H
#define SIM_MERGE_H

#include <glib.h>
#include <stdint.h>

#define SIM_MERGE_ERROR (sim_merge_error_quark())
GQuark sim_merge_error_quark(void);

/* Error codes in SIM_MERGE_ERROR; every message names the file. */
typedef enum sim_merge_error {
  SIM_MERGE_ERROR_INPUT,        /* an input is missing, not a database, or empty */
  SIM_MERGE_ERROR_INCOMPATIBLE, /* another schema version, scenario name or metric kind */
  SIM_MERGE_ERROR_OUTPUT,       /* writing the output failed */
} sim_merge_error;

/* What a sweep knows about itself, for the merged database's meta rows
 * (kind 'sweep', sweep_file, sweep_grid, seeds).  `peerlab sweep` and
 * `--emit-jobs` save it as DIR/sweep-plan.ini so that `peerlab merge DIR`
 * writes the same meta as the sweep itself. */
typedef struct sim_merge_plan {
  char *sweep_file;   /* scenario file as given to peerlab sweep */
  char *sweep_grid;   /* JSON object: varied key -> array of values (strings), in grid order */
  uint32_t seeds;     /* seeds per grid point */
  uint32_t runs;      /* runs in the grid (grid points x seeds) */
} sim_merge_plan;

/* Free the strings of |plan| (not |plan| itself) and zero it. */
void sim_merge_plan_clear(sim_merge_plan *plan);

/* Write |plan| to DIR/sweep-plan.ini.  FALSE + |error| (G_FILE_ERROR) on
 * failure. */
gboolean sim_merge_plan_save(const sim_merge_plan *plan, const char *dir, GError **error);

/* Read DIR/sweep-plan.ini into |plan|.  FALSE when the file does not
 * exist (|error| untouched); FALSE + |error| when it is unreadable or
 * broken. */
gboolean sim_merge_plan_load(sim_merge_plan *plan, const char *dir, GError **error);

/* The inputs of DIR: every DIR/runs/NAME.db, ordered by number when every name is
 * a number (1.db, 2.db, 10.db), by name otherwise.  Returns a
 * NULL-terminated array (g_strfreev), empty when there is none; NULL +
 * |error| (SIM_MERGE_ERROR_INPUT, naming DIR) when DIR has no runs/
 * directory or it cannot be read. */
char **sim_merge_dir_inputs(const char *dir, GError **error);

/* Merge the |n_inputs| databases |inputs| into |out_path| (replaced).
 * With |plan| its fields go into meta; without, sweep_file is the first
 * run's scenario_path, sweep_grid lists every run_param key (in order of
 * first appearance by run id) with its distinct values (same order), and
 * seeds is the number of distinct seeds.  Warnings (runs not complete,
 * renumbered ids, a plan whose run count differs) are appended to
 * |warnings| as newly allocated strings when it is not NULL.  Returns
 * FALSE + |error| (SIM_MERGE_ERROR) on failure, leaving no output. */
gboolean sim_merge(const char *out_path, const char *const *inputs, size_t n_inputs,
                   const sim_merge_plan *plan, GPtrArray *warnings, GError **error);

/* `peerlab merge` (argv[0] is "merge").  Exit status 0 merged, 2 bad
 * usage or incompatible inputs, 3 a runtime failure. */
int sim_merge_main(int argc, char **argv);

#endif
