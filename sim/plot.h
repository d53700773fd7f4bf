/*
 * plot.h — `peerlab plot`: plots of a results database through gnuplot,
 * and the database-reading helpers shared by report.c and compare.c.
 *
 *   peerlab plot DB [--metric NAME]... [--kind series|cdf|hist|sweep]
 *                [--out FILE.png|FILE.svg] [--x group.key] [--stat STAT]
 *
 * peerlab writes the data (numbers only) to temporary files and runs one
 * of the scripts analysis/{series,cdf,hist,sweep}.gp with gnuplot; every
 * text from the database reaches gnuplot as a single-quoted string
 * variable on its -e argument, escaped, and gnuplot is started without a
 * shell.  See docs/plots.md.
 */
#ifndef SIM_PLOT_H
#define SIM_PLOT_H

#include <glib.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#define SIM_PLOT_ERROR (sim_plot_error_quark())
GQuark sim_plot_error_quark(void);

typedef enum sim_plot_error_code {
  SIM_PLOT_ERROR_INPUT,     /* not a results database, unknown metric/parameter, bad option */
  SIM_PLOT_ERROR_NO_GNUPLOT, /* gnuplot is not on PATH */
  SIM_PLOT_ERROR_FAILED,    /* gnuplot failed, a file could not be written */
  SIM_PLOT_ERROR_DATABASE,  /* reading the database failed (a damaged file, an I/O error):
                               "PATH: reading the results database: " + sqlite3_errmsg */
} sim_plot_error_code;

typedef enum sim_plot_kind {
  SIM_PLOT_SERIES = 0,  /* per-window values against virtual time, one line per run */
  SIM_PLOT_CDF,         /* cumulative distribution from the histogram table */
  SIM_PLOT_HIST,        /* the histogram itself */
  SIM_PLOT_SWEEP,       /* summary statistic against a swept parameter, mean and 95% CI */
} sim_plot_kind;

/* Name of |kind| ("series", ...), static. */
const char *sim_plot_kind_name(sim_plot_kind kind);

/*
 * Open the results database at |path| read-only and check it is a
 * peerlab results database of schema version 2 with every table of the
 * schema.  Returns the handle (close with sqlite3_close), or NULL with
 * |error| set (SIM_PLOT_ERROR, INPUT or DATABASE: "PATH: ...").
 */
sqlite3 *sim_plot_db_open(const char *path, GError **error);

/*
 * Prepare |sql| on |db| (opened by sim_plot_db_open).  Returns the
 * statement (free with sqlite3_finalize), or NULL with |error| set
 * (SIM_PLOT_ERROR_DATABASE).
 */
sqlite3_stmt *sim_plot_prepare(sqlite3 *db, const char *sql, GError **error);

/*
 * Step |st|.  Returns true when it has a row, false when its rows are
 * done, and false with |error| set (SIM_PLOT_ERROR_DATABASE) when
 * stepping failed: a damaged page shows up here, after any number of
 * rows, and must not pass for the end of the table.  A loop over the
 * rows is `while (sim_plot_step(st, &e)) ...` with a check of e after it.
 */
bool sim_plot_step(sqlite3_stmt *st, GError **error);

/* One run of a database, as shown in plots and reports. */
typedef struct sim_plot_run {
  int64_t id;           /* run.id */
  char *name;           /* run.name */
  uint64_t seed;        /* run.seed */
  char *status;         /* run.status */
  char *params;         /* "key=value, ..." sorted by key ("" without parameters) */
} sim_plot_run;

/* Every run of |db| in id order, as a new array of sim_plot_run (free
 * with sim_plot_runs_free), or NULL with |error| set
 * (SIM_PLOT_ERROR_DATABASE) when reading fails. */
GArray *sim_plot_runs(sqlite3 *db, GError **error);
void sim_plot_runs_free(GArray *runs);

/*
 * The metric |name| of |db|: its id into *|id| and its kind ("counter",
 * "observation", "gauge"; newly allocated) into *|kind| (may be NULL).
 * Returns false if there is no such metric, and false with |error| set
 * (SIM_PLOT_ERROR_DATABASE) when reading fails.
 */
bool sim_plot_metric(sqlite3 *db, const char *name, int64_t *id, char **kind, GError **error);

/* Value of meta |key| in |db| (newly allocated), or NULL when there is
 * none, or NULL with |error| set (SIM_PLOT_ERROR_DATABASE) when reading
 * fails. */
char *sim_plot_meta(sqlite3 *db, const char *key, GError **error);

/*
 * The swept parameters of |db|: run_param keys whose value differs
 * between runs, in the order of meta sweep_grid when present, else by
 * name.  A NULL-terminated array (g_strfreev); empty for a single run.
 * NULL with |error| set (SIM_PLOT_ERROR_DATABASE) when reading fails.
 */
char **sim_plot_varied_params(sqlite3 *db, GError **error);

/* What to plot. */
typedef struct sim_plot_request {
  sim_plot_kind kind;          /* which plot */
  const char *const *metrics;  /* metric names, NULL-terminated, at least one */
  const char *out_path;        /* output file: .png or .svg */
  const char *x_key;           /* sweep: the parameter on the x axis (NULL: the first varied) */
  const char *stat;            /* sweep: summary statistic (NULL: "mean") */
  const char *title;           /* plot title (NULL: made from the database) */
} sim_plot_request;

/*
 * Make the plot |req| of |db|: writes |req|->out_path (terminal pngcairo,
 * or png without cairo, for .png; svg for .svg).  Returns false with
 * |error| set: SIM_PLOT_ERROR_INPUT for a bad request (unknown metric or
 * parameter, wrong extension, nothing to plot), SIM_PLOT_ERROR_DATABASE
 * when reading |db| fails, SIM_PLOT_ERROR_NO_GNUPLOT
 * when gnuplot is not on PATH (the message names the Debian package
 * gnuplot-nox), SIM_PLOT_ERROR_FAILED when gnuplot fails (its stderr is
 * in the message) or a file cannot be written.
 */
bool sim_plot_make(sqlite3 *db, const sim_plot_request *req, GError **error);

/* Append |text| to |out| as a gnuplot single-quoted string: quotes
 * doubled, control characters replaced by spaces.  With |format|, '%'
 * is doubled too (for tic labels, which gnuplot reads as formats). */
void sim_plot_gp_quote(GString *out, const char *text, bool format);

/*
 * The `peerlab plot` command: |argv|[0] is "plot".  Returns 0 on
 * success, 2 on bad usage or input (a damaged database included), 3 when
 * gnuplot is missing or fails.
 */
int sim_plot_main(int argc, char **argv);

#endif
