/*
 * test-world.c — whole runs: determinism, partitions, crashes and churn,
 * the results database of complete and interrupted runs, and the command
 * line's outputs and exit statuses.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "world.h"

/* A small network: 200 nodes, 2 minutes. */
static const char small_text[] =
    "[run]\n"
    "name = small\n"
    "seed = 5\n"
    "duration = 2min\n"
    "sample_interval = 5s\n"
    "[network]\n"
    "latency = lognormal(30ms, 0.4)\n"
    "loss = 0.2%\n"
    "[population.peers]\n"
    "count = 200\n"
    "join_at = uniform(0s, 10s)\n"
    "[event.ping]\n"
    "at = 20s\n"
    "action = command\n"
    "command = ping\n"
    "fraction = 20%\n"
    "every = 10s\n"
    "[expect]\n"
    "connected = peer.count.mean >= 4\n";

static sim_scenario *
load(const char *text, const char *const *sets, const uint64_t *seed)
{
  GError *error = NULL;
  sim_scenario *sc = sim_scenario_load_data(text, "test.ini", sets, seed, &error);
  g_assert_no_error(error);
  g_assert_nonnull(sc);
  return sc;
}

/* Run |sc| without a database; returns the trace digest (newly allocated)
 * and optionally the world (else freed). */
static char *
run_digest(const sim_scenario *sc, sim_world **keep)
{
  GError *error = NULL;
  sim_world *w = sim_world_new(sc, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpint(sim_world_run(w, &error), ==, SIM_RUN_COMPLETE);
  g_assert_no_error(error);
  char *digest = g_strdup(sim_world_trace(w));
  g_assert_cmpuint(strlen(digest), ==, 64);
  if (keep)
    *keep = w;
  else
    sim_world_free(w);
  return digest;
}

static double
stat_of(const sim_world *w, const char *name, sim_stat stat)
{
  return sim_metrics_stat(sim_world_metrics(w), name, stat);
}

static void
test_determinism(void)
{
  sim_scenario *a = load(small_text, NULL, NULL);
  char *d1 = run_digest(a, NULL);
  char *d2 = run_digest(a, NULL);
  g_assert_cmpstr(d1, ==, d2);

  uint64_t other = 6;
  sim_scenario *b = load(small_text, NULL, &other);
  char *d3 = run_digest(b, NULL);
  g_assert_cmpstr(d1, !=, d3);

  /* A scenario loaded again from the same text is the same run. */
  sim_scenario *c = load(small_text, NULL, NULL);
  char *d4 = run_digest(c, NULL);
  g_assert_cmpstr(d1, ==, d4);
  g_free(d1);
  g_free(d2);
  g_free(d3);
  g_free(d4);
  sim_scenario_free(a);
  sim_scenario_free(b);
  sim_scenario_free(c);
}

/* The digest of small_text, pinned: any change of behaviour — protocol,
 * network model, engine — changes it, so such a change is noticed and
 * re-pinned on purpose.  To re-pin: run
 *   build/sim/peerlab run FILE --json --quiet
 * on small_text saved as FILE and copy its "trace". */
static const char small_digest[] =
    "4060fea8ff33666c2ae76e8b186e1d81a98f9650366b3dbcb2ae3fbf413d2101";

static void
test_pinned_digest(void)
{
  sim_scenario *sc = load(small_text, NULL, NULL);
  char *digest = run_digest(sc, NULL);
  g_assert_cmpstr(digest, ==, small_digest);
  g_free(digest);
  sim_scenario_free(sc);
}

static void
test_overlay_forms(void)
{
  sim_scenario *sc = load(small_text, NULL, NULL);
  sim_world *w = NULL;
  g_free(run_digest(sc, &w));
  /* Everyone joined, built an overlay and measured round trips. */
  g_assert_cmpfloat(stat_of(w, "node.join", SIM_STAT_SUM), ==, 200);
  g_assert_cmpfloat(stat_of(w, "nodes.alive", SIM_STAT_LAST), ==, 200);
  g_assert_cmpfloat(stat_of(w, "peer.count", SIM_STAT_LAST), >=, 4);
  g_assert_cmpfloat(stat_of(w, "handshake.ok", SIM_STAT_SUM), >, 200);
  g_assert_cmpfloat(stat_of(w, "ping.rtt_ms", SIM_STAT_COUNT), >, 100);
  /* Round trip = two one-way lognormal(30ms) latencies plus CPU: the
   * median must be near 60 ms. */
  double p50 = stat_of(w, "ping.rtt_ms", SIM_STAT_P50);
  g_assert_cmpfloat(p50, >, 50);
  g_assert_cmpfloat(p50, <, 90);
  g_assert_cmpfloat(stat_of(w, "net.dropped.loss", SIM_STAT_SUM), >, 0);
  /* Honest nodes send nothing malformed or forged: the only rejections
   * are late messages from peers already dropped ("unexpected") and
   * connections refused for capacity ("peer_limit"). */
  g_assert_cmpfloat(stat_of(w, "msg.rejected", SIM_STAT_SUM), ==,
                    stat_of(w, "wire.rejected.unexpected", SIM_STAT_SUM) +
                        stat_of(w, "wire.rejected.peer_limit", SIM_STAT_SUM));
  g_assert_cmpfloat(stat_of(w, "wire.rejected.bad_signature", SIM_STAT_SUM), ==, 0);
  size_t n;
  const sim_expect_outcome *o = sim_world_outcomes(w, &n);
  g_assert_cmpuint(n, ==, 1);
  g_assert_true(o[0].pass);
  sim_world_free(w);
  sim_scenario_free(sc);
}

static sqlite3 *
open_db(const char *path)
{
  sqlite3 *db = NULL;
  g_assert_cmpint(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  return db;
}

static double
query_double(sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc != SQLITE_OK)
    g_error("%s: %s", sql, sqlite3_errmsg(db));
  double v = -1;
  if (sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_double(st, 0);
  sqlite3_finalize(st);
  return v;
}

static char *
query_text(sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = NULL;
  g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &st, NULL), ==, SQLITE_OK);
  char *v = NULL;
  if (sqlite3_step(st) == SQLITE_ROW)
    v = g_strdup((const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return v;
}

/* A partition stops cross-group traffic while it lasts; after it heals no
 * message is cut any more and the overlay recovers. */
static void
test_partition_heal(void)
{
  static const char text[] =
      "[run]\nname = split\nseed = 3\nduration = 4min\nsample_interval = 10s\n"
      "[network]\nlatency = constant(20ms)\n"
      "[population.peers]\ncount = 300\njoin_at = uniform(0s, 10s)\n"
      "[event.split]\nat = 60s\naction = partition\nfractions = 0.5, 0.5\n"
      "[event.heal]\nat = 120s\naction = heal\n";
  sim_scenario *sc = load(text, NULL, NULL);
  char *dir = tu_tmpdir();
  char *path = g_build_filename(dir, "split.db", NULL);
  sim_world_options opt = {.results_path = path};
  GError *error = NULL;
  sim_world *w = sim_world_new(sc, &opt, &error);
  g_assert_no_error(error);
  g_assert_cmpint(sim_world_run(w, &error), ==, SIM_RUN_COMPLETE);
  g_assert_no_error(error);
  g_assert_cmpfloat(stat_of(w, "peer.count", SIM_STAT_LAST), >=, 6);
  sim_world_free(w);

  sqlite3 *db = open_db(path);
  /* Nothing cut before the split or after the heal; plenty cut during. */
  double before = query_double(db,
      "SELECT coalesce(sum(s.sum),0) FROM series s JOIN metric m ON m.id = s.metric_id "
      "WHERE m.name = 'net.dropped.partition' AND s.t_ns <= 60000000000");
  double during = query_double(db,
      "SELECT coalesce(sum(s.sum),0) FROM series s JOIN metric m ON m.id = s.metric_id "
      "WHERE m.name = 'net.dropped.partition' AND s.t_ns > 60000000000 AND s.t_ns <= 120000000000");
  double after = query_double(db,
      "SELECT coalesce(sum(s.sum),0) FROM series s JOIN metric m ON m.id = s.metric_id "
      "WHERE m.name = 'net.dropped.partition' AND s.t_ns > 130000000000");
  g_assert_cmpfloat(before, ==, 0);
  g_assert_cmpfloat(during, >, 100);
  g_assert_cmpfloat(after, ==, 0);
  /* Peers across the cut timed out during the partition. */
  double timeouts = query_double(db,
      "SELECT coalesce(sum(s.sum),0) FROM series s JOIN metric m ON m.id = s.metric_id "
      "WHERE m.name = 'peer.timeout' AND s.t_ns > 60000000000 AND s.t_ns <= 130000000000");
  g_assert_cmpfloat(timeouts, >, 0);
  sqlite3_close(db);
  tu_rmtree(dir);
  g_free(path);
  g_free(dir);
  sim_scenario_free(sc);
}

/* Timeouts are counted against the population of the peer that went
 * silent: silent nodes (handshake, never a PONG) collect them, honest ones
 * next to them almost none, and the per-population counters add up to
 * peer.timeout. */
static void
test_timed_out_by_population(void)
{
  static const char text[] =
      "[run]\nname = silent\nseed = 3\nduration = 2min\nsample_interval = 10s\n"
      "[protocol.peer]\nheartbeat_interval = 5s\npeer_timeout = 15s\n"
      "[population.peers]\ncount = 150\njoin_at = uniform(0s, 5s)\n"
      "[population.silent]\ncount = 10\nbehaviour = silent\njoin_at = uniform(0s, 5s)\n";
  sim_scenario *sc = load(text, NULL, NULL);
  sim_world *w = NULL;
  g_free(run_digest(sc, &w));
  double all = stat_of(w, "peer.timeout", SIM_STAT_SUM);
  double silent = stat_of(w, "pop.silent.peer.timed_out", SIM_STAT_SUM);
  double honest = stat_of(w, "pop.peers.peer.timed_out", SIM_STAT_SUM);
  g_test_message("timed out: silent %.0f, honest %.0f, all %.0f", silent, honest, all);
  g_assert_cmpfloat(silent, >=, 10 * 5); /* each dropped again and again */
  g_assert_cmpfloat(honest, <, silent / 10);
  g_assert_cmpfloat(silent + honest, ==, all);
  sim_world_free(w);
  sim_scenario_free(sc);
}

static void
test_crash_restart_churn(void)
{
  static const char text[] =
      "[run]\nname = churn\nseed = 9\nduration = 3min\nsample_interval = 10s\n"
      "[population.stable]\ncount = 100\n"
      "[population.mobile]\ncount = 100\n"
      "[event.crash]\nat = 30s\naction = crash\ntarget = stable\ncount = 40\n"
      "[event.restart]\nat = 60s\naction = restart\ntarget = stable\nfraction = 50%\n"
      "[event.churn]\nat = 10s\naction = churn\ntarget = mobile\n"
      "session = exponential(30s)\ndowntime = uniform(5s, 30s)\nuntil = 120s\n";
  sim_scenario *sc = load(text, NULL, NULL);
  sim_world *w = NULL;
  char *d1 = run_digest(sc, &w);
  double crashes = stat_of(w, "node.crash", SIM_STAT_SUM);
  double joins = stat_of(w, "node.join", SIM_STAT_SUM);
  /* 40 scripted crashes plus churn sessions; 200 first joins, 20
   * restarts, and one re-join per churn departure. */
  g_assert_cmpfloat(crashes, >, 40 + 50);
  g_assert_cmpfloat(joins, ==, 200 + 20 + (crashes - 40));
  /* Churn stops at 120 s and downtimes end by 150 s: every mobile node is
   * back before the end; 20 stable nodes are still down. */
  uint32_t alive = 0;
  for (uint32_t h = 0; h < 200; h++)
    alive += sim_world_node(w, h) != NULL;
  g_assert_cmpuint(alive, ==, 180);
  sim_world_free(w);
  char *d2 = run_digest(sc, NULL);
  g_assert_cmpstr(d1, ==, d2);
  g_free(d1);
  g_free(d2);
  sim_scenario_free(sc);
}

static void
test_results_database(void)
{
  sim_scenario *sc = load(small_text, NULL, NULL);
  char *dir = tu_tmpdir();
  char *path = g_build_filename(dir, "sub", "small.db", NULL);
  sim_world_options opt = {.results_path = path};
  GError *error = NULL;
  sim_world *w = sim_world_new(sc, &opt, &error);
  g_assert_no_error(error);
  g_assert_cmpint(sim_world_run(w, &error), ==, SIM_RUN_COMPLETE);
  char *trace = g_strdup(sim_world_trace(w));
  uint64_t events = sim_world_events(w);
  sim_world_free(w);

  sqlite3 *db = open_db(path);
  char *status = query_text(db, "SELECT status FROM run");
  g_assert_cmpstr(status, ==, "complete");
  char *stored = query_text(db, "SELECT trace FROM run");
  g_assert_cmpstr(stored, ==, trace);
  g_assert_cmpfloat(query_double(db, "SELECT events FROM run"), ==, (double)events);
  g_assert_cmpfloat(query_double(db, "SELECT seed FROM run"), ==, 5);
  char *text = query_text(db, "SELECT scenario_text FROM run");
  g_assert_nonnull(strstr(text, "count=200"));
  /* 24 windows of 5 s over 2 min. */
  g_assert_cmpfloat(query_double(db, "SELECT count(DISTINCT t_ns) FROM series"), ==, 24);
  g_assert_cmpfloat(query_double(db,
      "SELECT s.p99 FROM summary s JOIN metric m ON m.id = s.metric_id WHERE m.name='ping.rtt_ms'"),
      >, 0);
  g_assert_cmpfloat(query_double(db, "SELECT count(*) FROM expectation WHERE pass = 1"), ==, 1);
  g_free(status);
  g_free(stored);
  g_free(text);
  g_free(trace);
  sqlite3_close(db);
  tu_rmtree(dir);
  g_free(path);
  g_free(dir);
  sim_scenario_free(sc);
}

static void
test_interrupted(void)
{
  static const char text[] =
      "[run]\nname = long\nduration = 1h\nsample_interval = 1s\n"
      "[population.peers]\ncount = 500\n";
  sim_scenario *sc = load(text, NULL, NULL);
  char *dir = tu_tmpdir();
  char *path = g_build_filename(dir, "long.db", NULL);
  /* The stop flag is already raised: the run stops at its first check,
   * as after a SIGINT. */
  volatile sig_atomic_t stop = 1;
  sim_world_options opt = {.results_path = path, .stop_flag = &stop};
  GError *error = NULL;
  sim_world *w = sim_world_new(sc, &opt, &error);
  g_assert_no_error(error);
  g_assert_cmpint(sim_world_run(w, &error), ==, SIM_RUN_INTERRUPTED);
  g_assert_no_error(error);
  g_assert_cmpuint(sim_world_now(w), <, 3600 * G_GUINT64_CONSTANT(1000000000));
  sim_world_free(w);
  sqlite3 *db = open_db(path);
  char *status = query_text(db, "SELECT status FROM run");
  g_assert_cmpstr(status, ==, "interrupted");
  g_assert_cmpfloat(query_double(db, "SELECT count(*) FROM series"), >, 0);
  g_free(status);
  sqlite3_close(db);
  tu_rmtree(dir);
  g_free(path);
  g_free(dir);
  sim_scenario_free(sc);
}

/* ------------------------------------------------------- command line */

static char *
peerlab_path(void)
{
  const char *build = g_getenv("PEERLAB_BUILD_ROOT");
  return g_build_filename(build ? build : ".", "sim", "peerlab", NULL);
}

static int
run_cli(const char *const *args, char **out, char **err)
{
  char *exe = peerlab_path();
  GPtrArray *argv = g_ptr_array_new();
  g_ptr_array_add(argv, exe);
  for (const char *const *a = args; *a; a++)
    g_ptr_array_add(argv, (char *)*a);
  g_ptr_array_add(argv, NULL);
  int wait_status = 0;
  GError *error = NULL;
  g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err,
               &wait_status, &error);
  g_assert_no_error(error);
  g_ptr_array_free(argv, TRUE);
  g_free(exe);
  g_assert_true(WIFEXITED(wait_status));
  return WEXITSTATUS(wait_status);
}

static char *
write_file(const char *dir, const char *name, const char *text)
{
  char *path = g_build_filename(dir, name, NULL);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  return path;
}

static void
test_cli(void)
{
  char *dir = tu_tmpdir();
  char *good = write_file(dir, "small.ini", small_text);
  char *db = g_build_filename(dir, "out.db", NULL);
  char *out = NULL, *err = NULL;

  /* A passing run: TAP lines on stdout, exit 0. */
  const char *run_args[] = {"run", good, "--out", db, "--quiet", NULL};
  g_assert_cmpint(run_cli(run_args, &out, &err), ==, 0);
  g_assert_nonnull(strstr(out, "1..1\nok 1 - connected"));
  g_free(out);
  g_free(err);

  /* --json: one object with the documented fields; the same seed gives the
   * same trace as the in-process run. */
  const char *json_args[] = {"run", good, "--out", db, "--quiet", "--json", NULL};
  g_assert_cmpint(run_cli(json_args, &out, &err), ==, 0);
  const char *fields[] = {"\"scenario\":\"small\"", "\"seed\":5", "\"trace\":\"", "\"events\":",
                          "\"wall_s\":", "\"status\":\"complete\"", "\"metrics\":{",
                          "\"ping.rtt_ms\":{\"count\":", "\"p99\":", "\"expectations\":[{"};
  for (size_t i = 0; i < G_N_ELEMENTS(fields); i++)
    g_assert_nonnull(strstr(out, fields[i]));
  g_assert_cmpint(out[0], ==, '{');
  sim_scenario *sc = load(small_text, NULL, NULL);
  char *digest = run_digest(sc, NULL);
  g_assert_nonnull(strstr(out, digest));
  g_free(digest);
  sim_scenario_free(sc);
  g_free(out);
  g_free(err);

  /* A failing expectation: exit 1, a "not ok" line. */
  const char *fail_args[] = {"run", good, "--out", db, "--quiet",
                             "--set", "expect.connected=peer.count.mean >= 100", NULL};
  g_assert_cmpint(run_cli(fail_args, &out, &err), ==, 1);
  g_assert_nonnull(strstr(out, "not ok 1 - connected"));
  g_free(out);
  g_free(err);

  /* A statistic of nothing fails as "no observations" (no DHT in this
   * scenario, so no lookup latency), exit 1; its row holds observed 0,
   * pass 0, where the NaN used to break the NOT NULL column. */
  const char *empty_args[] = {"run", good, "--out", db, "--quiet", "--set",
                              "expect.connected=dht.lookup.latency_ms.p99 <= 400", NULL};
  g_assert_cmpint(run_cli(empty_args, &out, &err), ==, 1);
  g_assert_nonnull(strstr(out, "not ok 1 - connected: dht.lookup.latency_ms.p99 <= 400 "
                                "(no observations)"));
  g_free(out);
  g_free(err);
  sqlite3 *sdb;
  g_assert_cmpint(sqlite3_open(db, &sdb), ==, SQLITE_OK);
  sqlite3_stmt *st;
  g_assert_cmpint(sqlite3_prepare_v2(sdb, "SELECT observed, pass FROM expectation", -1, &st, NULL),
                  ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
  g_assert_cmpfloat(sqlite3_column_double(st, 0), ==, 0);
  g_assert_cmpint(sqlite3_column_int(st, 1), ==, 0);
  sqlite3_finalize(st);
  sqlite3_close(sdb);

  /* Refused before anything runs (exit 2, the problem named, no
   * database): --set of an unknown key; an expectation on a metric the
   * world does not have, or does not record ([metrics] include). */
  char *db2 = g_build_filename(dir, "never.db", NULL);
  static const char *const refusals[][2] = {
      {"network.lossy=1%", "lossy"},
      {"expect.connected=peer.cuont.mean >= 4", "[expect] connected: no metric 'peer.cuont'"},
      {"metrics.include=ping.*", "metric 'peer.count' is not recorded"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(refusals); i++) {
    const char *args[] = {"run", good, "--out", db2, "--quiet", "--set", refusals[i][0], NULL};
    g_assert_cmpint(run_cli(args, &out, &err), ==, 2);
    g_assert_nonnull(strstr(err, refusals[i][1]));
    g_assert_false(g_file_test(db2, G_FILE_TEST_EXISTS));
    g_free(out);
    g_free(err);
  }

  /* --set values are UTF-8 bytes whatever the locale: a byte that is not
   * UTF-8 is refused naming the argument (GOption's "Invalid byte sequence
   * in conversion input" before), and UTF-8 text runs (it was refused the
   * same way, peerlab not calling setlocale). */
  const char *latin1[] = {"run", good, "--out", db2, "--quiet", "--set",
                          "run.description=caf\xe9", NULL};
  g_assert_cmpint(run_cli(latin1, &out, &err), ==, 2);
  g_assert_true(g_str_has_prefix(err, "peerlab: "));
  g_assert_true(g_str_has_suffix(err, "small.ini: --set 'run.description=caf\xef\xbf\xbd': "
                                      "expected UTF-8 text, found a byte that is not UTF-8 "
                                      "(0xe9, at byte 20; shown as U+FFFD)\n"));
  g_assert_false(g_file_test(db2, G_FILE_TEST_EXISTS));
  g_free(out);
  g_free(err);
  char *db3 = g_build_filename(dir, "utf8.db", NULL);
  const char *utf8[] = {"run", good, "--out", db3, "--quiet", "--set",
                        "run.description=caf\xc3\xa9", NULL};
  g_assert_cmpint(run_cli(utf8, &out, &err), ==, 0);
  g_assert_cmpstr(err, ==, "");
  g_assert_true(g_file_test(db3, G_FILE_TEST_EXISTS));
  g_free(out);
  g_free(err);
  g_free(db3);

  /* A broken file: exit 2 from run and from validate, naming the file. */
  char *bad = write_file(dir, "bad.ini", "[run]\nduration = soon\n[population.p]\ncount = 3\n");
  const char *bad_run[] = {"run", bad, "--out", db2, NULL};
  g_assert_cmpint(run_cli(bad_run, &out, &err), ==, 2);
  g_assert_nonnull(strstr(err, "bad.ini"));
  g_assert_nonnull(strstr(err, "duration"));
  g_free(out);
  g_free(err);
  const char *validate[] = {"validate", good, bad, NULL};
  g_assert_cmpint(run_cli(validate, &out, &err), ==, 2);
  g_assert_nonnull(strstr(out, "small.ini: ok"));
  g_assert_nonnull(strstr(err, "bad.ini"));
  g_free(out);
  g_free(err);
  const char *validate_ok[] = {"validate", good, NULL};
  g_assert_cmpint(run_cli(validate_ok, &out, &err), ==, 0);
  g_free(out);
  g_free(err);
  /* validate refuses what run would refuse before running: an expectation
   * on a metric the scenario does not have (a misspelt name, a layer that
   * is off) or does not record, without building the world. */
  static const char *const unnamed[][2] = {
      {"[expect]\nx = peer.cuont.mean >= 4\n", "[expect] x: no metric 'peer.cuont'"},
      {"[expect]\nx = gossip.delivery.ratio.mean >= 1\n",
       "[expect] x: no metric 'gossip.delivery.ratio'"},
      {"[metrics]\ninclude = net.*\n[expect]\nx = peer.count.mean >= 4\n",
       "[expect] x: metric 'peer.count' is not recorded"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(unnamed); i++) {
    char *text = g_strconcat("[run]\nduration = 10s\n[population.p]\ncount = 3\n", unnamed[i][0],
                             NULL);
    char *file = write_file(dir, "unnamed.ini", text);
    const char *args[] = {"validate", file, NULL};
    g_assert_cmpint(run_cli(args, &out, &err), ==, 2);
    g_assert_nonnull(strstr(err, "unnamed.ini"));
    g_assert_nonnull(strstr(err, unnamed[i][1]));
    g_assert_null(strstr(out, "ok"));
    g_free(out);
    g_free(err);
    g_free(file);
    g_free(text);
  }

  /* Usage errors and help. */
  const char *none[] = {NULL};
  g_assert_cmpint(run_cli(none, &out, &err), ==, 2);
  g_free(out);
  g_free(err);
  const char *help[] = {"--help", NULL};
  g_assert_cmpint(run_cli(help, &out, &err), ==, 0);
  g_assert_nonnull(strstr(out, "Usage: peerlab"));
  g_free(out);
  g_free(err);
  const char *run_help[] = {"run", "--help", NULL};
  g_assert_cmpint(run_cli(run_help, &out, &err), ==, 0);
  g_assert_nonnull(strstr(out, "--set"));
  g_free(out);
  g_free(err);
  const char *version[] = {"--version", NULL};
  g_assert_cmpint(run_cli(version, &out, &err), ==, 0);
  g_assert_true(g_str_has_prefix(out, "peerlab "));
  g_free(out);
  g_free(err);
  const char *bad_run_id[] = {"run", good, "--out", db2, "--run-id", "1e0", NULL};
  g_assert_cmpint(run_cli(bad_run_id, &out, &err), ==, 2);
  g_assert_cmpstr(err, ==, "peerlab run: --run-id: found '1e0', expected a positive integer\n");
  g_free(out);
  g_free(err);
  /* --seed is written as [run] seed is: digits only (1e3 and 10k once
   * ran with seeds 1000 and 10000); UTF-8 such as é reaches that check
   * (GOption's "Invalid byte sequence in conversion input" before) */
  static const char *const bad_seeds[] = {"x", "1e3", "10k", "1.5k", "+5", "\xc3\xa9"};
  for (size_t i = 0; i < G_N_ELEMENTS(bad_seeds); i++) {
    const char *bad_seed[] = {"run", good, "--out", db2, "--seed", bad_seeds[i], NULL};
    g_assert_cmpint(run_cli(bad_seed, &out, &err), ==, 2);
    char *want = g_strdup_printf("peerlab run: --seed: found '%s', expected an integer from 0 "
                                 "to 18446744073709551615 (digits only, as [run] seed)\n",
                                 bad_seeds[i]);
    g_assert_cmpstr(err, ==, want);
    g_assert_false(g_file_test(db2, G_FILE_TEST_EXISTS));
    g_free(want);
    g_free(out);
    g_free(err);
  }
  /* a byte that is not UTF-8 in --seed or --run-id is refused naming the
   * option (GOption's message named none) */
  static const char *const not_utf8[][2] = {
      {"--seed", "peerlab run: --seed '1\xef\xbf\xbd': expected UTF-8 text, found a byte that is "
                 "not UTF-8 (0xe9, at byte 2; shown as U+FFFD)\n"},
      {"--run-id", "peerlab run: --run-id '1\xef\xbf\xbd': expected UTF-8 text, found a byte that "
                   "is not UTF-8 (0xe9, at byte 2; shown as U+FFFD)\n"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(not_utf8); i++) {
    const char *args[] = {"run", good, "--out", db2, not_utf8[i][0], "1\xe9", NULL};
    g_assert_cmpint(run_cli(args, &out, &err), ==, 2);
    g_assert_cmpstr(err, ==, not_utf8[i][1]);
    g_assert_false(g_file_test(db2, G_FILE_TEST_EXISTS));
    g_free(out);
    g_free(err);
  }

  tu_rmtree(dir);
  g_free(good);
  g_free(bad);
  g_free(db);
  g_free(db2);
  g_free(dir);
}

/* SIGINT to a real run: exit 3, a valid database marked interrupted with
 * the windows sampled so far. */
static void
test_cli_sigint(void)
{
  static const char text[] = "[run]\nname = long\nduration = 10h\nsample_interval = 1s\n"
                             "[population.peers]\ncount = 3000\n";
  char *dir = tu_tmpdir();
  char *file = write_file(dir, "long.ini", text);
  char *db = g_build_filename(dir, "long.db", NULL);
  char *exe = peerlab_path();
  char *argv[] = {exe, "run", file, "--out", db, "--quiet", NULL};
  GPid pid;
  GError *error = NULL;
  g_spawn_async(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                NULL, &pid, &error);
  g_assert_no_error(error);
  /* Wait until a few windows are written (at most a minute, however
   * loaded the machine), then interrupt. */
  bool ready = false;
  for (int i = 0; i < 1200 && !ready; i++) {
    g_usleep(50000);
    if (!g_file_test(db, G_FILE_TEST_EXISTS))
      continue;
    sqlite3 *d = NULL;
    if (sqlite3_open_v2(db, &d, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
      sqlite3_busy_timeout(d, 1000);
      sqlite3_stmt *st = NULL;
      double n = 0;
      if (sqlite3_prepare_v2(d, "SELECT count(DISTINCT t_ns) FROM series", -1, &st, NULL) ==
              SQLITE_OK &&
          sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_double(st, 0);
      sqlite3_finalize(st);
      sqlite3_close(d);
      ready = n >= 3;
    }
  }
  if (!ready)
    kill(pid, SIGKILL);
  g_assert_true(ready);
  kill(pid, SIGINT);
  int st = 0;
  g_assert_cmpint(waitpid(pid, &st, 0), ==, pid);
  g_spawn_close_pid(pid);
  g_assert_true(WIFEXITED(st));
  g_assert_cmpint(WEXITSTATUS(st), ==, 3);
  sqlite3 *d = open_db(db);
  char *status = query_text(d, "SELECT status FROM run");
  g_assert_cmpstr(status, ==, "interrupted");
  g_assert_cmpfloat(query_double(d, "SELECT count(DISTINCT t_ns) FROM series"), >=, 3);
  g_free(status);
  sqlite3_close(d);
  tu_rmtree(dir);
  g_free(file);
  g_free(db);
  g_free(exe);
  g_free(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/world/determinism", test_determinism);
  g_test_add_func("/world/pinned-digest", test_pinned_digest);
  g_test_add_func("/world/overlay", test_overlay_forms);
  g_test_add_func("/world/partition-heal", test_partition_heal);
  g_test_add_func("/world/crash-restart-churn", test_crash_restart_churn);
  g_test_add_func("/world/timed-out-by-population", test_timed_out_by_population);
  g_test_add_func("/world/results", test_results_database);
  g_test_add_func("/world/interrupted", test_interrupted);
  g_test_add_func("/world/cli", test_cli);
  g_test_add_func("/world/cli-sigint", test_cli_sigint);
  return g_test_run();
}
