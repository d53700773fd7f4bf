/*
 * export.c — see export.h; docs/sweeps.md describes the command.
 *
 * The table's rows come from one SELECT; the parameter columns from
 * run_param, read first into a run_id -> (key -> value) map, with the
 * keys in order of first appearance (by run id, then insertion).
 */
#include "export.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "options.h"
#include "results.h"

G_DEFINE_QUARK(sim-export-error-quark, sim_export_error)

enum { EXIT_OK = 0, EXIT_USAGE = 2, EXIT_RUNTIME = 3 };

/* --------------------------------------------------------------- fields */

void
sim_export_json_string(GString *out, const char *s)
{
  g_string_append_c(out, '"');
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    switch (*p) {
    case '"':
      g_string_append(out, "\\\"");
      break;
    case '\\':
      g_string_append(out, "\\\\");
      break;
    case '\n':
      g_string_append(out, "\\n");
      break;
    case '\r':
      g_string_append(out, "\\r");
      break;
    case '\t':
      g_string_append(out, "\\t");
      break;
    default:
      if (*p < 0x20 || *p == 0x7f)
        g_string_append_printf(out, "\\u%04x", *p);
      else
        g_string_append_c(out, (char)*p);
    }
  }
  g_string_append_c(out, '"');
}

void
sim_export_csv_field(GString *out, const char *s)
{
  if (!s)
    return;
  size_t n = strlen(s);
  gboolean quote = n > 0 && (g_ascii_isspace(s[0]) || g_ascii_isspace(s[n - 1]));
  for (const char *p = s; *p && !quote; p++)
    quote = *p == ',' || *p == '"' || *p == '\r' || *p == '\n';
  if (!quote) {
    g_string_append(out, s);
    return;
  }
  g_string_append_c(out, '"');
  for (const char *p = s; *p; p++) {
    if (*p == '"')
      g_string_append_c(out, '"');
    g_string_append_c(out, *p);
  }
  g_string_append_c(out, '"');
}

/* The shortest of %.15g, %.16g, %.17g that reads back as |v| (locale
 * independent). */
static void
append_double(GString *out, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  static const char *const formats[] = { "%.15g", "%.16g", "%.17g" };
  for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
    g_ascii_formatd(buf, sizeof buf, formats[i], v);
    if (g_ascii_strtod(buf, NULL) == v)
      break;
  }
  g_string_append(out, buf);
}

/* Does |s| read as a JSON number as it is (so it may be written bare)? */
static gboolean
is_json_number(const char *s)
{
  const char *p = s;
  if (*p == '-')
    p++;
  if (*p == '0')
    p++;
  else if (*p >= '1' && *p <= '9')
    while (g_ascii_isdigit(*p))
      p++;
  else
    return FALSE;
  if (*p == '.') {
    p++;
    if (!g_ascii_isdigit(*p))
      return FALSE;
    while (g_ascii_isdigit(*p))
      p++;
  }
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-')
      p++;
    if (!g_ascii_isdigit(*p))
      return FALSE;
    while (g_ascii_isdigit(*p))
      p++;
  }
  return *p == '\0';
}

/* ------------------------------------------------------------- queries */

static const char *const table_names[] = { "summary", "series", "histogram", "expectation" };

/* Each query's first column is run_id, its second the seed, its third the
 * metric name (filtered by --metric); the rest follow as named. */
static const char *const table_sql[] = {
  [SIM_EXPORT_SUMMARY] =
    "SELECT s.run_id, r.seed, m.name AS metric, m.kind, s.count, s.sum, s.mean, s.min, s.max,"
    " s.p50, s.p90, s.p99, s.last"
    " FROM summary s JOIN metric m ON m.id = s.metric_id JOIN run r ON r.id = s.run_id"
    " ORDER BY s.run_id, m.name",
  [SIM_EXPORT_SERIES] =
    "SELECT s.run_id, r.seed, m.name AS metric, m.kind, s.t0_ns, s.t_ns, s.t_ns / 1e9 AS t_s,"
    " s.count, s.sum, s.mean, s.min, s.max"
    " FROM series s JOIN metric m ON m.id = s.metric_id JOIN run r ON r.id = s.run_id"
    " ORDER BY s.run_id, m.name, s.t_ns, s.rowid",
  [SIM_EXPORT_HISTOGRAM] =
    "SELECT h.run_id, r.seed, m.name AS metric, h.lo, h.hi, h.count"
    " FROM histogram h JOIN metric m ON m.id = h.metric_id JOIN run r ON r.id = h.run_id"
    " ORDER BY h.run_id, m.name, h.lo, h.hi",
  [SIM_EXPORT_EXPECTATION] =
    "SELECT e.run_id, r.seed, e.metric, e.id AS expectation, e.label, e.expr, e.stat, e.op,"
    " e.value, e.observed, e.pass"
    " FROM expectation e JOIN run r ON r.id = e.run_id ORDER BY e.run_id, e.id",
};

typedef struct params {
  GPtrArray *keys;        /* column order */
  GHashTable *by_run;     /* run_id (int64 key, owned) -> GHashTable key -> value */
} params;

static void
params_free(params *p)
{
  g_ptr_array_free(p->keys, TRUE);
  g_hash_table_destroy(p->by_run);
}

static gboolean
load_params(sqlite3 *db, const char *path, params *p, GError **error)
{
  p->keys = g_ptr_array_new_with_free_func(g_free);
  p->by_run = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                    (GDestroyNotify)g_hash_table_destroy);
  GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, "SELECT run_id, key, value FROM run_param ORDER BY run_id, rowid",
                         -1, &st, NULL) != SQLITE_OK) {
    g_set_error(error, SIM_EXPORT_ERROR, SIM_EXPORT_ERROR_INPUT, "%s: reading run_param: %s",
                path, sqlite3_errmsg(db));
    g_hash_table_destroy(seen);
    return FALSE;
  }
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t run = sqlite3_column_int64(st, 0);
    const char *k = (const char *)sqlite3_column_text(st, 1);
    const char *v = (const char *)sqlite3_column_text(st, 2);
    GHashTable *kv = g_hash_table_lookup(p->by_run, &run);
    if (!kv) {
      kv = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert(p->by_run, g_memdup2(&run, sizeof run), kv);
    }
    g_hash_table_insert(kv, g_strdup(k), g_strdup(v ? v : ""));
    if (!g_hash_table_contains(seen, k)) {
      char *key = g_strdup(k);
      g_ptr_array_add(p->keys, key);
      g_hash_table_add(seen, key);
    }
  }
  /* a damaged page ends the loop like the last row would */
  gboolean ok = rc == SQLITE_DONE;
  if (!ok)
    g_set_error(error, SIM_EXPORT_ERROR, SIM_EXPORT_ERROR_INPUT, "%s: reading run_param: %s",
                path, sqlite3_errmsg(db));
  sqlite3_finalize(st);
  g_hash_table_destroy(seen);
  return ok;
}

static gboolean
metric_wanted(const char *name, const char *const *metrics)
{
  if (!metrics || !metrics[0])
    return TRUE;
  for (size_t i = 0; metrics[i]; i++)
    if (g_pattern_match_simple(metrics[i], name ? name : ""))
      return TRUE;
  return FALSE;
}

/* Append column |i| of |st| in |format|. */
static void
append_value(GString *row, sqlite3_stmt *st, int i, sim_export_format format)
{
  switch (sqlite3_column_type(st, i)) {
  case SQLITE_NULL:
    if (format == SIM_EXPORT_JSON)
      g_string_append(row, "null");
    break;
  case SQLITE_INTEGER:
    g_string_append_printf(row, "%" G_GINT64_FORMAT, (int64_t)sqlite3_column_int64(st, i));
    break;
  case SQLITE_FLOAT: {
    double v = sqlite3_column_double(st, i);
    if (isfinite(v))
      append_double(row, v);
    else if (format == SIM_EXPORT_JSON)
      g_string_append(row, "null");
    else
      g_string_append(row, isnan(v) ? "NaN" : v > 0 ? "Inf" : "-Inf");
    break;
  }
  default: {
    const char *t = (const char *)sqlite3_column_text(st, i);
    if (format == SIM_EXPORT_JSON)
      sim_export_json_string(row, t);
    else
      sim_export_csv_field(row, t);
  }
  }
}

static void
append_name(GString *row, const char *name, sim_export_format format)
{
  if (format == SIM_EXPORT_JSON) {   /* CSV names its columns in the header only */
    sim_export_json_string(row, name);
    g_string_append_c(row, ':');
  }
}

static gboolean
write_out(GString *s, FILE *out, const char *path, GError **error)
{
  if (s->len && fwrite(s->str, 1, s->len, out) != s->len) {
    int e = errno;
    g_set_error(error, SIM_EXPORT_ERROR, SIM_EXPORT_ERROR_OUTPUT, "%s: writing the export: %s",
                path, g_strerror(e));
    return FALSE;
  }
  g_string_truncate(s, 0);
  return TRUE;
}

gboolean
sim_export(const char *db_path, sim_export_format format, sim_export_table table,
           const char *const *metrics, FILE *out, GError **error)
{
  g_assert(db_path != NULL && out != NULL);
  g_assert((unsigned)table < G_N_ELEMENTS(table_sql));
  if (!g_file_test(db_path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error(error, SIM_EXPORT_ERROR, SIM_EXPORT_ERROR_INPUT, "%s: no such database file",
                db_path);
    return FALSE;
  }
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  params p = {0};
  gboolean ok = TRUE;
  if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    g_set_error(error, SIM_EXPORT_ERROR, SIM_EXPORT_ERROR_INPUT, "%s: cannot open: %s", db_path,
                sqlite3_errmsg(db));
    sqlite3_close(db);
    return FALSE;
  }
  sqlite3_stmt *v = NULL;
  int version = -1;
  if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &v, NULL) == SQLITE_OK
      && sqlite3_step(v) == SQLITE_ROW)
    version = sqlite3_column_int(v, 0);
  sqlite3_finalize(v);
  if (version < 0) {
    g_set_error(error, SIM_EXPORT_ERROR, SIM_EXPORT_ERROR_INPUT,
                "%s: not a results database: %s", db_path, sqlite3_errmsg(db));
    sqlite3_close(db);
    return FALSE;
  }
  if (version != SIM_RESULTS_SCHEMA_VERSION) {
    g_set_error(error, SIM_EXPORT_ERROR, SIM_EXPORT_ERROR_INPUT,
                "%s: results schema version %d, expected %d", db_path, version,
                SIM_RESULTS_SCHEMA_VERSION);
    sqlite3_close(db);
    return FALSE;
  }
  if (!load_params(db, db_path, &p, error)) {
    sqlite3_close(db);
    params_free(&p);
    return FALSE;
  }
  if (sqlite3_prepare_v2(db, table_sql[table], -1, &st, NULL) != SQLITE_OK) {
    g_set_error(error, SIM_EXPORT_ERROR, SIM_EXPORT_ERROR_INPUT, "%s: reading %s: %s", db_path,
                table_names[table], sqlite3_errmsg(db));
    sqlite3_close(db);
    params_free(&p);
    return FALSE;
  }
  int ncol = sqlite3_column_count(st);
  GString *row = g_string_new(NULL);
  /* header (CSV) or the array's start (JSON) */
  if (format == SIM_EXPORT_CSV) {
    g_string_append(row, "run_id");
    for (guint k = 0; k < p.keys->len; k++) {
      g_string_append_c(row, ',');
      sim_export_csv_field(row, g_ptr_array_index(p.keys, k));
    }
    for (int c = 1; c < ncol; c++) {
      g_string_append_c(row, ',');
      sim_export_csv_field(row, sqlite3_column_name(st, c));
    }
    g_string_append(row, "\r\n");
  } else {
    g_string_append_c(row, '[');
  }
  size_t n_rows = 0;
  int rc;
  while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!metric_wanted((const char *)sqlite3_column_text(st, 2), metrics))
      continue;
    int64_t run = sqlite3_column_int64(st, 0);
    GHashTable *kv = g_hash_table_lookup(p.by_run, &run);
    const char *sep = ",";
    if (format == SIM_EXPORT_JSON)
      g_string_append(row, n_rows ? ",\n{" : "\n{");
    append_name(row, "run_id", format);
    append_value(row, st, 0, format);
    for (guint k = 0; k < p.keys->len; k++) {
      const char *key = g_ptr_array_index(p.keys, k);
      const char *val = kv ? g_hash_table_lookup(kv, key) : NULL;
      g_string_append(row, sep);
      append_name(row, key, format);
      if (format == SIM_EXPORT_CSV)
        sim_export_csv_field(row, val);
      else if (!val)
        g_string_append(row, "null");
      else if (is_json_number(val))
        g_string_append(row, val);
      else
        sim_export_json_string(row, val);
    }
    for (int c = 1; c < ncol; c++) {
      g_string_append(row, sep);
      append_name(row, sqlite3_column_name(st, c), format);
      append_value(row, st, c, format);
    }
    g_string_append(row, format == SIM_EXPORT_JSON ? "}" : "\r\n");
    n_rows++;
    if (row->len > 1 << 16)
      ok = write_out(row, out, db_path, error);
  }
  if (ok && rc != SQLITE_DONE) {
    g_set_error(error, SIM_EXPORT_ERROR, SIM_EXPORT_ERROR_INPUT, "%s: reading %s: %s", db_path,
                table_names[table], sqlite3_errmsg(db));
    ok = FALSE;
  }
  if (ok && format == SIM_EXPORT_JSON)
    g_string_append(row, n_rows ? "\n]\n" : "]\n");
  ok = ok && write_out(row, out, db_path, error);
  if (ok && fflush(out) != 0) {
    int e = errno;
    g_set_error(error, SIM_EXPORT_ERROR, SIM_EXPORT_ERROR_OUTPUT, "%s: writing the export: %s",
                db_path, g_strerror(e));
    ok = FALSE;
  }
  g_string_free(row, TRUE);
  sqlite3_finalize(st);
  sqlite3_close(db);
  params_free(&p);
  return ok;
}

/* ------------------------------------------------------------------ CLI */

int
sim_export_main(int argc, char **argv)
{
  gboolean csv = FALSE, json = FALSE;
  char *table_text = NULL, *out_path = NULL;
  char **metrics = NULL;
  GOptionEntry entries[] = {
      {"csv", 0, 0, G_OPTION_ARG_NONE, &csv, "CSV (RFC 4180, header row)", NULL},
      {"json", 0, 0, G_OPTION_ARG_NONE, &json, "JSON (an array of objects)", NULL},
      {"table", 't', 0, G_OPTION_ARG_STRING, &table_text,
       "summary (default), series, histogram or expectation", "TABLE"},
      {"metric", 'm', 0, G_OPTION_ARG_STRING_ARRAY, &metrics,
       "Only this metric (repeatable; * and ? wildcards)", "NAME"},
      {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out_path, "Write to FILE (default stdout)",
       "FILE"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new("DB - export a results database as CSV or JSON");
  g_option_context_set_summary(ctx,
      "Writes one table of the results database DB (a run or a merged sweep) in long\n"
      "format: run_id, one column per run parameter, seed, then the table's columns.\n"
      "Exit status: 0 ok, 2 bad usage or input, 3 a write failure.");
  GError *error = NULL;
  int rc = EXIT_USAGE;
  FILE *out = NULL;
  char *tmp = NULL;
  if (!sim_options_parse(ctx, entries, &argc, &argv, &error)) {
    fprintf(stderr, "peerlab export: %s\n", error->message);
    goto done;
  }
  if (argc != 2) {
    fprintf(stderr, "peerlab export: expected exactly one database DB (see peerlab export "
                    "--help)\n");
    goto done;
  }
  if (csv == json) {
    fprintf(stderr, "peerlab export: give exactly one of --csv and --json\n");
    goto done;
  }
  sim_export_table table = SIM_EXPORT_SUMMARY;
  if (table_text) {
    gboolean found = FALSE;
    for (size_t i = 0; i < G_N_ELEMENTS(table_names) && !found; i++)
      if (strcmp(table_text, table_names[i]) == 0) {
        table = (sim_export_table)i;
        found = TRUE;
      }
    if (!found) {
      fprintf(stderr, "peerlab export: --table: found '%s', expected summary, series, "
                      "histogram or expectation\n", table_text);
      goto done;
    }
  }
  if (out_path) {
    /* FILE.tmp is renamed over FILE: both must be files it may replace
     * (not a device, FIFO, socket or directory, nor a link to one) */
    tmp = g_strconcat(out_path, ".tmp", NULL);
    if (!sim_results_check_path(out_path, &error) || !sim_results_check_path(tmp, &error)) {
      fprintf(stderr, "peerlab export: %s\n", error->message);
      goto done;
    }
    out = fopen(tmp, "wb");
    if (!out) {
      int e = errno;
      fprintf(stderr, "peerlab export: %s: %s\n", tmp, g_strerror(e));
      rc = EXIT_RUNTIME;
      goto done;
    }
  }
  if (!sim_export(argv[1], csv ? SIM_EXPORT_CSV : SIM_EXPORT_JSON, table,
                  (const char *const *)metrics, out ? out : stdout, &error)) {
    fprintf(stderr, "peerlab export: %s\n", error->message);
    rc = error->code == SIM_EXPORT_ERROR_OUTPUT ? EXIT_RUNTIME : EXIT_USAGE;
    goto done;
  }
  if (out) {
    int closed = fclose(out);
    out = NULL;
    if (closed != 0 || rename(tmp, out_path) != 0) {
      int e = errno;
      fprintf(stderr, "peerlab export: %s: %s\n", out_path, g_strerror(e));
      rc = EXIT_RUNTIME;
      goto done;
    }
  }
  rc = EXIT_OK;
done:
  if (out) {
    fclose(out);
    remove(tmp);
  }
  g_clear_error(&error);
  g_free(tmp);
  g_free(table_text);
  g_free(out_path);
  g_strfreev(metrics);
  g_option_context_free(ctx);
  return rc;
}
