/* test-sweep.c — sweep grid expansion, merge and export, in-process.
 * (tests/test-sweep.sh drives the commands end to end.) */
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "export.h"
#include "merge.h"
#include "results.h"
#include "sweep.h"
#include "testutil.h"

static const char grid_ini[] =
  "[run]\nname = grid\nseed = 10\nduration = 10s\n"
  "[population.p]\ncount = 5\n"
  "[sweep]\n"
  "protocol.peer.target_peers = 2, 3, 4\n"
  "network.loss = 0; 0.01\n"
  "seeds = 2\n";

static sim_scenario *
load(const char *text, const char *const *sets)
{
  GError *error = NULL;
  sim_scenario *sc = sim_scenario_load_data(text, "grid.ini", sets, NULL, &error);
  g_assert_no_error(error);
  g_assert_nonnull(sc);
  return sc;
}

/* Parameters in file order, values in order, last parameter fastest, seeds
 * innermost; ids 1..n; the sweep's own --set first. */
static void
test_expand(void)
{
  const char *const sets[] = { "run.duration=5s", NULL };
  sim_scenario *sc = load(grid_ini, sets);
  sim_sweep_grid *g = sim_sweep_expand(sc, sets);
  g_assert_cmpuint(g->n, ==, 12);
  g_assert_cmpuint(g->seeds, ==, 2);
  for (size_t i = 0; i < g->n; i++) {
    g_assert_cmpint(g->points[i].id, ==, (int64_t)i + 1);
    g_assert_cmpuint(g->points[i].seed, ==, 10 + i % 2);
    g_assert_cmpuint(g_strv_length(g->points[i].sets), ==, 3);
    g_assert_cmpstr(g->points[i].sets[0], ==, "run.duration=5s");
  }
  /* id 6: point 2 = (target_peers index 1, loss index 0), seed 11 */
  g_assert_cmpstr(g->points[5].sets[1], ==, "protocol.peer.target_peers=3");
  g_assert_cmpstr(g->points[5].sets[2], ==, "network.loss=0");
  g_assert_cmpuint(g->points[5].seed, ==, 11);
  g_assert_cmpstr(g->points[11].sets[1], ==, "protocol.peer.target_peers=4");
  g_assert_cmpstr(g->points[11].sets[2], ==, "network.loss=0.01");
  g_assert_cmpstr(g->json, ==,
                  "{\"protocol.peer.target_peers\":[\"2\",\"3\",\"4\"],"
                  "\"network.loss\":[\"0\",\"0.01\"]}");
  sim_sweep_grid_free(g);
  sim_scenario_free(sc);
}

/* Without [sweep]: one point per seed, with only the sweep's --set. */
static void
test_expand_plain(void)
{
  sim_scenario *sc = load("[run]\nname = plain\nseed = 3\nduration = 10s\n"
                          "[population.p]\ncount = 5\n", NULL);
  sim_sweep_grid *g = sim_sweep_expand(sc, NULL);
  g_assert_cmpuint(g->n, ==, 1);
  g_assert_cmpint(g->points[0].id, ==, 1);
  g_assert_cmpuint(g->points[0].seed, ==, 3);
  g_assert_null(g->points[0].sets[0]);
  g_assert_cmpstr(g->json, ==, "{}");
  sim_sweep_grid_free(g);
  sim_scenario_free(sc);
}

static void
test_run_argv(void)
{
  char *sets[] = { "a.b=1", "c.d=-2", NULL };
  sim_sweep_point p = { .id = 7, .seed = 42, .sets = sets };
  char **argv = sim_sweep_run_argv("/bin/peerlab", "s.ini", "out", &p);
  char *joined = g_strjoinv(" ", argv);
  g_assert_cmpstr(joined, ==, "/bin/peerlab run s.ini --set=a.b=1 --set=c.d=-2 --seed 42"
                              " --run-id 7 --out out/runs/7.db --quiet");
  g_free(joined);
  g_strfreev(argv);
}

/* ------------------------------------------------------------ databases */

/* A finished one-run database: metrics registered in |names| order (host
 * metrics after the core ones), one window with value |v| for each. */
static void
write_db(const char *path, int64_t id, uint64_t seed, const char *name, const char *text,
         const char *const *names, const char *const *params, const char *status)
{
  sim_run_info info = { .name = name, .scenario_path = "s.ini", .scenario_text = text,
                        .seed = seed, .version = "t", .git_rev = "t", .started_at = "t",
                        .nodes = 5, .duration_ns = 1000000000, .id = id, .params = params };
  GError *error = NULL;
  sim_metrics *m = sim_metrics_new();
  sim_results *r = sim_results_create(path, &info, &error);
  g_assert_no_error(error);
  for (size_t i = 0; names[i]; i++) {
    uint32_t mid = sim_metrics_register(m, names[i], PL_METRIC_KIND_OBSERVATION);
    sim_metrics_record(m, mid, 10.0 * (double)(i + 1) + (double)id);
  }
  sim_metrics_close_window(m, 1000000000);
  sim_run_final final = { .status = status, .trace = "ab", .events = 1, .virtual_ns = 1,
                          .wall_s = 0.5, .peak_rss_bytes = 1 };
  if (strcmp(status, "running") == 0)
    g_assert_true(sim_results_flush(r, m, &error));
  else
    g_assert_true(sim_results_finish(r, m, &final, NULL, 0, &error));
  g_assert_no_error(error);
  sim_results_close(r);
  sim_metrics_free(m);
}

static int64_t
q_int(const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  g_assert_cmpint(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    g_error("%s: %s", sql, sqlite3_errmsg(db));
  g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
  int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

static char *
q_text(const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  g_assert_cmpint(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    g_error("%s: %s", sql, sqlite3_errmsg(db));
  g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
  char *v = g_strdup((const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

static void
test_run_done(void)
{
  char *dir = tu_tmpdir();
  char *path = g_build_filename(dir, "3.db", NULL);
  const char *const names[] = { "x.a", NULL };
  write_db(path, 3, 7, "s", "TEXT", names, NULL, "complete");
  g_assert_true(sim_sweep_run_done(path, 3, 7, "TEXT"));
  g_assert_false(sim_sweep_run_done(path, 4, 7, "TEXT"));
  g_assert_false(sim_sweep_run_done(path, 3, 8, "TEXT"));
  g_assert_false(sim_sweep_run_done(path, 3, 7, "OTHER"));
  write_db(path, 3, 7, "s", "TEXT", names, NULL, "running");
  g_assert_false(sim_sweep_run_done(path, 3, 7, "TEXT"));
  write_db(path, 3, 7, "s", "TEXT", names, NULL, "interrupted");
  g_assert_false(sim_sweep_run_done(path, 3, 7, "TEXT"));
  char *missing = g_build_filename(dir, "none.db", NULL);
  g_assert_false(sim_sweep_run_done(missing, 3, 7, "TEXT"));
  g_free(missing);
  g_free(path);
  tu_rmtree(dir);
  g_free(dir);
}

/* Metric ids are mapped by name (a name new to the output keeps its id when
 * free, else takes the next); run ids kept; meta rebuilt from run_param. */
static void
test_merge_remap(void)
{
  char *dir = tu_tmpdir();
  char *a = g_build_filename(dir, "a.db", NULL), *b = g_build_filename(dir, "b.db", NULL);
  char *out = g_build_filename(dir, "m.db", NULL);
  const char *const na[] = { "x.a", "x.b", NULL }, *const nb[] = { "x.b", "x.c", NULL };
  const char *const pa[] = { "k.v=1", NULL }, *const pb[] = { "k.v=2", "z.w=q", NULL };
  write_db(a, 5, 1, "s", "T", na, pa, "complete");
  write_db(b, 9, 2, "s", "T", nb, pb, "running");
  const char *const inputs[] = { a, b };
  GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
  GError *error = NULL;
  g_assert_true(sim_merge(out, inputs, 2, NULL, warnings, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(warnings->len, ==, 1);
  g_assert_nonnull(strstr(g_ptr_array_index(warnings, 0), "run 9 has status 'running'"));
  int n = PL_METRIC_COUNT;
  char *sql = g_strdup_printf("SELECT id FROM metric WHERE name = 'x.a'");
  g_assert_cmpint(q_int(out, sql), ==, n);
  g_free(sql);
  g_assert_cmpint(q_int(out, "SELECT id FROM metric WHERE name = 'x.b'"), ==, n + 1);
  g_assert_cmpint(q_int(out, "SELECT id FROM metric WHERE name = 'x.c'"), ==, n + 2);
  /* b's x.b (its id n) landed on n + 1 with its own value 10 + 9 */
  sql = g_strdup_printf("SELECT sum FROM series WHERE run_id = 9 AND metric_id = %d", n + 1);
  g_assert_cmpint(q_int(out, sql), ==, 19);
  g_free(sql);
  sql = g_strdup_printf("SELECT sum FROM series WHERE run_id = 9 AND metric_id = %d", n + 2);
  g_assert_cmpint(q_int(out, sql), ==, 29);
  g_free(sql);
  g_assert_cmpint(q_int(out, "SELECT count(*) FROM summary WHERE run_id = 5"), ==, 2);
  g_assert_cmpint(q_int(out, "SELECT count(*) FROM summary WHERE run_id = 9"), ==, 0);
  g_assert_cmpint(q_int(out, "SELECT group_concat(id) = '5,9' FROM run"), ==, 1);
  char *grid = q_text(out, "SELECT value FROM meta WHERE key = 'sweep_grid'");
  g_assert_cmpstr(grid, ==, "{\"k.v\":[\"1\",\"2\"],\"z.w\":[\"q\"]}");
  g_free(grid);
  char *seeds = q_text(out, "SELECT value FROM meta WHERE key = 'seeds'");
  g_assert_cmpstr(seeds, ==, "2");
  g_free(seeds);
  g_assert_cmpint(q_int(out, "PRAGMA user_version"), ==, SIM_RESULTS_SCHEMA_VERSION);

  /* with a plan: its meta, and a warning for the missing runs */
  sim_merge_plan plan = { .sweep_file = g_strdup("sw.ini"), .sweep_grid = g_strdup("{\"k\":[]}"),
                          .seeds = 3, .runs = 4 };
  g_ptr_array_set_size(warnings, 0);
  g_assert_true(sim_merge(out, inputs, 1, &plan, warnings, &error));
  g_assert_cmpuint(warnings->len, ==, 1);
  g_assert_nonnull(strstr(g_ptr_array_index(warnings, 0), "1 of the sweep's 4 runs merged"));
  char *file = q_text(out, "SELECT value FROM meta WHERE key = 'sweep_file'");
  g_assert_cmpstr(file, ==, "sw.ini");
  g_free(file);
  /* the plan file round-trips */
  g_assert_true(sim_merge_plan_save(&plan, dir, &error));
  sim_merge_plan back;
  g_assert_true(sim_merge_plan_load(&back, dir, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(back.sweep_grid, ==, plan.sweep_grid);
  g_assert_cmpuint(back.seeds, ==, 3);
  g_assert_cmpuint(back.runs, ==, 4);
  sim_merge_plan_clear(&back);
  sim_merge_plan_clear(&plan);
  g_ptr_array_free(warnings, TRUE);
  g_free(a);
  g_free(b);
  g_free(out);
  tu_rmtree(dir);
  g_free(dir);
}

static void
test_merge_refuse(void)
{
  char *dir = tu_tmpdir();
  char *a = g_build_filename(dir, "a.db", NULL), *b = g_build_filename(dir, "b.db", NULL);
  char *out = g_build_filename(dir, "m.db", NULL);
  const char *const na[] = { "x.a", NULL };
  write_db(a, 1, 1, "s", "T", na, NULL, "complete");
  write_db(b, 2, 1, "s", "T", na, NULL, "complete");
  /* another kind for the same name */
  sqlite3 *db = NULL;
  g_assert_cmpint(sqlite3_open(b, &db), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(db, "UPDATE metric SET kind = 'gauge' WHERE name = 'x.a'", NULL,
                               NULL, NULL), ==, SQLITE_OK);
  sqlite3_close(db);
  const char *const inputs[] = { a, b };
  GError *error = NULL;
  g_assert_false(sim_merge(out, inputs, 2, NULL, NULL, &error));
  g_assert_error(error, SIM_MERGE_ERROR, SIM_MERGE_ERROR_INCOMPATIBLE);
  g_assert_nonnull(strstr(error->message, "metric 'x.a' is a gauge here"));
  g_clear_error(&error);
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
  g_assert_false(sim_merge(out, inputs, 0, NULL, NULL, &error));
  g_assert_error(error, SIM_MERGE_ERROR, SIM_MERGE_ERROR_INPUT);
  g_clear_error(&error);
  char *none = g_build_filename(dir, "none.db", NULL);
  const char *const missing[] = { a, none };
  g_assert_false(sim_merge(out, missing, 2, NULL, NULL, &error));
  g_assert_error(error, SIM_MERGE_ERROR, SIM_MERGE_ERROR_INPUT);
  g_assert_nonnull(strstr(error->message, "none.db: no such database file"));
  g_clear_error(&error);
  /* an earlier output survives a failed merge */
  g_assert_true(sim_merge(out, inputs, 1, NULL, NULL, &error));
  g_assert_false(sim_merge(out, missing, 2, NULL, NULL, &error));
  g_clear_error(&error);
  g_assert_cmpint(q_int(out, "SELECT count(*) FROM run"), ==, 1);
  g_free(none);
  g_free(a);
  g_free(b);
  g_free(out);
  tu_rmtree(dir);
  g_free(dir);
}

static void
test_dir_inputs(void)
{
  char *dir = tu_tmpdir();
  char *runs = g_build_filename(dir, "runs", NULL);
  g_assert_cmpint(g_mkdir_with_parents(runs, 0777), ==, 0);
  static const char *const names[] = { "10.db", "2.db", "1.db", "2.log", "1.db-journal" };
  for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
    char *p = g_build_filename(runs, names[i], NULL);
    g_assert_true(g_file_set_contents(p, "", 0, NULL));
    g_free(p);
  }
  GError *error = NULL;
  char **in = sim_merge_dir_inputs(dir, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(g_strv_length(in), ==, 3);
  g_assert_true(g_str_has_suffix(in[0], "/1.db"));
  g_assert_true(g_str_has_suffix(in[1], "/2.db"));
  g_assert_true(g_str_has_suffix(in[2], "/10.db"));
  g_strfreev(in);
  /* a directory without runs/ is not a sweep's: said so, naming it */
  char *bare = g_build_filename(dir, "bare", NULL);
  g_assert_cmpint(g_mkdir(bare, 0777), ==, 0);
  g_assert_null(sim_merge_dir_inputs(bare, &error));
  g_assert_error(error, SIM_MERGE_ERROR, SIM_MERGE_ERROR_INPUT);
  char *want = g_strdup_printf("%s: not a sweep directory: it has no runs/ directory", bare);
  g_assert_true(g_str_has_prefix(error->message, want));
  g_clear_error(&error);
  g_free(want);
  g_free(bare);
  g_free(runs);
  tu_rmtree(dir);
  g_free(dir);
}

/* ---------------------------------------------------------------- export */

static void
test_fields(void)
{
  GString *s = g_string_new(NULL);
  sim_export_csv_field(s, "plain");
  g_string_append_c(s, '|');
  sim_export_csv_field(s, "a,b");
  g_string_append_c(s, '|');
  sim_export_csv_field(s, "say \"hi\"");
  g_string_append_c(s, '|');
  sim_export_csv_field(s, "two\r\nlines");
  g_string_append_c(s, '|');
  sim_export_csv_field(s, " padded");
  g_string_append_c(s, '|');
  sim_export_csv_field(s, NULL);
  g_string_append_c(s, '|');
  sim_export_csv_field(s, "");
  g_assert_cmpstr(s->str, ==, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\r\nlines\"|\" padded\"||");
  g_string_truncate(s, 0);
  sim_export_json_string(s, "q\"b\\n\n\x01");
  g_assert_cmpstr(s->str, ==, "\"q\\\"b\\\\n\\n\\u0001\"");
  g_string_free(s, TRUE);
}

static char *
export_text(const char *db, sim_export_format f, sim_export_table t, const char *const *metrics)
{
  char *path = NULL;
  int fd = g_file_open_tmp("export-XXXXXX", &path, NULL);
  g_assert_cmpint(fd, >=, 0);
  FILE *out = fdopen(fd, "w+");
  GError *error = NULL;
  g_assert_true(sim_export(db, f, t, metrics, out, &error));
  g_assert_no_error(error);
  fclose(out);
  char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  g_unlink(path);
  g_free(path);
  return text;
}

/* Exact output for a two-run database: parameter columns in order of first
 * appearance, a run without a parameter has an empty cell / null. */
static void
test_export(void)
{
  char *dir = tu_tmpdir();
  char *a = g_build_filename(dir, "a.db", NULL), *b = g_build_filename(dir, "b.db", NULL);
  char *m = g_build_filename(dir, "m.db", NULL);
  const char *const names[] = { "x.a", NULL };
  const char *const pa[] = { "k.v=1.5", NULL }, *const pb[] = { "k.v=20s", "z.w=a,b", NULL };
  write_db(a, 1, 4, "s", "T", names, pa, "complete");
  write_db(b, 2, 5, "s", "T", names, pb, "complete");
  const char *const inputs[] = { a, b };
  GError *error = NULL;
  g_assert_true(sim_merge(m, inputs, 2, NULL, NULL, &error));
  const char *const only[] = { "x.*", NULL };
  char *csv = export_text(m, SIM_EXPORT_CSV, SIM_EXPORT_HISTOGRAM, only);
  g_assert_cmpstr(csv, ==,
                  "run_id,k.v,z.w,seed,metric,lo,hi,count\r\n"
                  "1,1.5,,4,x.a,11,11.0625,1\r\n"
                  "2,20s,\"a,b\",5,x.a,12,12.0625,1\r\n");
  g_free(csv);
  char *json = export_text(m, SIM_EXPORT_JSON, SIM_EXPORT_SERIES, only);
  g_assert_cmpstr(json, ==,
                  "[\n{\"run_id\":1,\"k.v\":1.5,\"z.w\":null,\"seed\":4,\"metric\":\"x.a\","
                  "\"kind\":\"observation\",\"t0_ns\":0,\"t_ns\":1000000000,\"t_s\":1,"
                  "\"count\":1,\"sum\":11,\"mean\":11,\"min\":11,\"max\":11},\n"
                  "{\"run_id\":2,\"k.v\":\"20s\",\"z.w\":\"a,b\",\"seed\":5,\"metric\":\"x.a\","
                  "\"kind\":\"observation\",\"t0_ns\":0,\"t_ns\":1000000000,\"t_s\":1,"
                  "\"count\":1,\"sum\":12,\"mean\":12,\"min\":12,\"max\":12}\n]\n");
  g_free(json);
  const char *const nothing[] = { "no.such", NULL };
  json = export_text(m, SIM_EXPORT_JSON, SIM_EXPORT_SUMMARY, nothing);
  g_assert_cmpstr(json, ==, "[]\n");
  g_free(json);
  /* a file that is not a results database */
  g_assert_true(g_file_set_contents(b, "junk", -1, NULL));
  g_assert_false(sim_export(b, SIM_EXPORT_CSV, SIM_EXPORT_SUMMARY, NULL, stdout, &error));
  g_assert_error(error, SIM_EXPORT_ERROR, SIM_EXPORT_ERROR_INPUT);
  g_clear_error(&error);
  g_free(a);
  g_free(b);
  g_free(m);
  tu_rmtree(dir);
  g_free(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sweep/expand", test_expand);
  g_test_add_func("/sweep/expand-plain", test_expand_plain);
  g_test_add_func("/sweep/run-argv", test_run_argv);
  g_test_add_func("/sweep/run-done", test_run_done);
  g_test_add_func("/merge/remap", test_merge_remap);
  g_test_add_func("/merge/refuse", test_merge_refuse);
  g_test_add_func("/merge/dir-inputs", test_dir_inputs);
  g_test_add_func("/export/fields", test_fields);
  g_test_add_func("/export/exact", test_export);
  return g_test_run();
}
