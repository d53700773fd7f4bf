/*
 * sweep.h — run a scenario's [sweep] grid, locally or as job files.
 *
 *   peerlab sweep FILE [--jobs N] [--out DIR] [--set group.key=value]...
 *   peerlab sweep FILE --emit-jobs DIR [--set group.key=value]...
 *
 * The grid is every combination of the [sweep] values (parameters in file
 * order, values in order, the last parameter varying fastest) times
 * [sweep] seeds seeds (innermost: seed S, S+1, ... with S the [run] seed).
 * Run id = 1 + position in that order.  Each run is its own process,
 * `peerlab run FILE --set=k=v... --seed S --run-id ID --out DIR/runs/ID.db
 * --quiet`, with at most N at once; a run whose database already holds
 * that run complete (same id, seed and scenario text) is skipped, so an
 * interrupted sweep resumes.  At the end DIR/sweep.db holds every run
 * (sim/merge.h).  docs/sweeps.md describes it.
 */
#ifndef SIM_SWEEP_H
#define SIM_SWEEP_H

#include <glib.h>
#include <stdint.h>
#include "scenario.h"

/* One run of the grid. */
typedef struct sim_sweep_point {
  int64_t id;         /* run id: 1 + position in grid order */
  uint64_t seed;      /* run seed */
  char **sets;        /* NULL-terminated "group.key=value": the sweep's own --set
                         overrides, then this point's grid values in [sweep] order */
} sim_sweep_point;

/* The expanded grid. */
typedef struct sim_sweep_grid {
  sim_sweep_point *points;  /* n, in run id order */
  size_t n;
  uint32_t seeds;           /* seeds per grid point */
  char *json;               /* the varied keys and their values, JSON object in [sweep] order */
} sim_sweep_grid;

/* Expand the grid of |sc| (loaded with |sets| applied, may be NULL) as
 * described above.  A scenario without [sweep] gives one point per seed.
 * Free with sim_sweep_grid_free. */
sim_sweep_grid *sim_sweep_expand(const sim_scenario *sc, const char *const *sets);

void sim_sweep_grid_free(sim_sweep_grid *grid);

/* The argument vector of run |p| of the sweep of |file| writing into
 * |dir| (NULL-terminated, g_strfreev), starting with |exe| "run". */
char **sim_sweep_run_argv(const char *exe, const char *file, const char *dir,
                          const sim_sweep_point *p);

/* Whether |db_path| holds run |id| complete with seed |seed| and scenario
 * text |text| (a finished run of this point that needs no redoing). */
gboolean sim_sweep_run_done(const char *db_path, int64_t id, uint64_t seed, const char *text);

/* `peerlab sweep` (argv[0] is "sweep").  Exit status 0 every run complete
 * and every expectation held, 1 some expectation failed, 2 bad usage or
 * input (any grid point that does not load), 3 a run failed or the sweep
 * was interrupted (SIGINT/SIGTERM: runs in progress are stopped, finished
 * ones kept; the same command resumes). */
int sim_sweep_main(int argc, char **argv);

#endif
