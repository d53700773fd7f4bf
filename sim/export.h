/*
 * export.h — a results database (single run or merged sweep) as tidy
 * CSV or JSON.
 *
 *   peerlab export DB --csv|--json [--table summary|series|histogram|expectation]
 *                  [--metric NAME]... [--out FILE]
 *
 * Long ("tidy") format: one row per observation of the chosen table
 * (a run's summary of one metric, one window, one histogram bucket, one
 * expectation), with run_id, then one column per run_param key of the
 * database (empty / null for a run without it), then seed, then the
 * table's own columns with the metric by name.  pandas or R pivot it by
 * any parameter.  docs/sweeps.md lists the columns.
 */
#ifndef SIM_EXPORT_H
#define SIM_EXPORT_H

#include <glib.h>
#include <stdio.h>

#define SIM_EXPORT_ERROR (sim_export_error_quark())
GQuark sim_export_error_quark(void);

/* Error codes in SIM_EXPORT_ERROR; every message names the database. */
typedef enum sim_export_error {
  SIM_EXPORT_ERROR_INPUT,   /* not a readable results database of this schema version */
  SIM_EXPORT_ERROR_OUTPUT,  /* writing the output failed */
} sim_export_error;

typedef enum sim_export_format {
  SIM_EXPORT_CSV = 0,       /* RFC 4180: header row, CRLF line ends, quoted when needed */
  SIM_EXPORT_JSON,          /* one JSON array of objects, one object per row */
} sim_export_format;

typedef enum sim_export_table {
  SIM_EXPORT_SUMMARY = 0,   /* summary: a row per run x recorded metric */
  SIM_EXPORT_SERIES,        /* series: a row per run x metric x window */
  SIM_EXPORT_HISTOGRAM,     /* histogram: a row per run x metric x bucket */
  SIM_EXPORT_EXPECTATION,   /* expectation: a row per run x [expect] line */
} sim_export_table;

/* Write the rows of |table| of the database |db_path| to |out| in
 * |format|, keeping only metrics whose name matches one of the
 * NULL-terminated glob patterns |metrics| (`*`, `?`; NULL or empty: all).
 * Rows are ordered by run_id, metric name, then time / bucket / position.
 * Returns FALSE + |error| (SIM_EXPORT_ERROR) on failure; |out| may then
 * hold part of the output. */
gboolean sim_export(const char *db_path, sim_export_format format, sim_export_table table,
                    const char *const *metrics, FILE *out, GError **error);

/* Append |s| as a JSON string (quotes, escapes; NULL as ""). */
void sim_export_json_string(GString *out, const char *s);

/* Append |s| as one CSV field per RFC 4180: as is, or in double quotes
 * (inner quotes doubled) when it holds a comma, a quote, CR or LF, or
 * starts or ends with a blank.  NULL appends nothing (an empty field). */
void sim_export_csv_field(GString *out, const char *s);

/* `peerlab export` (argv[0] is "export").  Exit status 0 ok, 2 bad usage
 * or input, 3 a write failure. */
int sim_export_main(int argc, char **argv);

#endif
