/*
 * report.h — `peerlab report`: one self-contained HTML page of a results
 * database (scenario, runs, summary, expectations, plots).
 *
 *   peerlab report DB [--out DIR] [--metric NAME]... [--format svg|png]
 *
 * DIR/index.html uses no script and no external resource; its plots are
 * files beside it (DIR/plot-*.svg by default), made by sim_plot_make.
 * See docs/plots.md.
 */
#ifndef SIM_REPORT_H
#define SIM_REPORT_H

#include <glib.h>
#include <sqlite3.h>
#include <stdbool.h>

/*
 * Write the report of |db| into the directory |dir| (created if needed):
 * index.html and the plots of |metrics| (NULL-terminated; NULL or empty:
 * the metrics the expectations name, else a few recorded ones) as
 * |format| ("svg" or "png") files.  When gnuplot is missing or a plot
 * fails the page says so in place of the plot and *|plot_problems| (may
 * be NULL) counts it; that is not an error.  Returns false with |error|
 * set (SIM_PLOT_ERROR) when the page cannot be written or a metric of
 * |metrics| is unknown.
 */
bool sim_report_write(sqlite3 *db, const char *db_path, const char *dir,
                      const char *const *metrics, const char *format, unsigned *plot_problems,
                      GError **error);

/*
 * The `peerlab report` command: |argv|[0] is "report".  Prints the path
 * of index.html.  Returns 0 on success (plots that could not be made are
 * reported on stderr), 2 on bad usage or input, 3 when the page cannot be
 * written.
 */
int sim_report_main(int argc, char **argv);

#endif
