/*
 * test-check.c — `peerlab check`: the [check] group of the scenario
 * schema, loading at CI scale, the digests file, and the command's TAP
 * output and exit statuses (through the real binary).
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "check.h"
#include "testutil.h"

/* A tiny network whose [check] halves it and shortens the run. */
static const char tiny_text[] =
    "[run]\n"
    "name = tiny\n"
    "seed = 3\n"
    "duration = 1min\n"
    "sample_interval = 5s\n"
    "[population.peers]\n"
    "count = 60\n"
    "join_at = uniform(0s, 5s)\n"
    "[event.ping]\n"
    "at = 10s\n"
    "action = command\n"
    "command = ping\n"
    "every = 5s\n"
    "[expect]\n"
    "joined = node.join >= 30\n"
    "connected = peer.count.mean >= 2\n"
    "[check]\n"
    "set = population.peers.count=30; run.duration=40s\n";

static char *
write_file(const char *dir, const char *name, const char *text)
{
  char *path = g_build_filename(dir, name, NULL);
  GError *error = NULL;
  g_file_set_contents(path, text, -1, &error);
  g_assert_no_error(error);
  return path;
}

static void
test_group_parsed(void)
{
  GError *error = NULL;
  sim_scenario *sc = sim_scenario_load_data(tiny_text, "tiny.ini", NULL, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(g_strv_length(sc->check_set), ==, 2);
  g_assert_cmpstr(sc->check_set[0], ==, "population.peers.count=30");
  g_assert_cmpstr(sc->check_set[1], ==, "run.duration=40s");
  /* a plain load ignores it */
  g_assert_cmpuint(sc->total_nodes, ==, 60);
  sim_scenario_free(sc);

  /* without [check]: an empty list */
  const char *plain = "[run]\nduration = 1min\n[population.a]\ncount = 3\n";
  sc = sim_scenario_load_data(plain, NULL, NULL, NULL, &error);
  g_assert_no_error(error);
  g_assert_nonnull(sc->check_set);
  g_assert_null(sc->check_set[0]);
  sim_scenario_free(sc);

  /* values with commas inside parentheses, separated by ';' */
  char *text = g_strconcat(plain, "[network]\nlatency = 10ms\n[check]\n"
                           "set = network.latency=lognormal(5ms, 0.2); run.duration=30s\n", NULL);
  sc = sim_scenario_load_data(text, NULL, NULL, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(sc->check_set[0], ==, "network.latency=lognormal(5ms, 0.2)");
  sim_scenario_free(sc);
  g_free(text);
}

static void
test_group_errors(void)
{
  static const struct {
    const char *set;
    const char *message;
  } cases[] = {
    { "population.peers.count", "[check] set: found 'population.peers.count', expected a "
      "';'-separated list of group.key=value overrides ('population.peers.count' is not "
      "group.key=value)" },
    { "count=3", "('count=3' is not group.key=value)" },
    { "population.peers.cont=3", "[check] set: 'population.peers.cont=3': unknown key "
      "'cont' in [population.peers], did you mean 'count'?" },
    { "population.other.count=3", "unknown group [population.other]: not in the file" },
    { "population.peers.count=many", "[check] set: 'population.peers.count=many': found "
      "'many', expected" },
    { "expect.joined=node.join >= 1", "[expect] keys cannot be overridden by [check]" },
    { "check.set=run.duration=1s", "[check] keys cannot be overridden by [check]" },
    { "bogus.key=1", "no known group in 'bogus.key'" },
    { "event.ping.fractions=0.5,0.5", "'fractions' is not a key of this event's action" },
    { "event.ping.topic=3", "'topic' is not a key of this event's command" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    const char *base = strstr(tiny_text, "[check]");
    char *text = g_strdup_printf("%.*s[check]\nset = %s\n", (int)(base - tiny_text), tiny_text,
                                 cases[i].set);
    GError *error = NULL;
    sim_scenario *sc = sim_scenario_load_data(text, "tiny.ini", NULL, NULL, &error);
    g_assert_null(sc);
    g_assert_nonnull(error);
    if (!strstr(error->message, cases[i].message))
      g_error("case %zu: '%s' lacks '%s'", i, error->message, cases[i].message);
    g_assert_true(g_str_has_prefix(error->message, "tiny.ini: "));
    g_error_free(error);
    g_free(text);
  }
}

static void
test_load_ci(void)
{
  char *dir = tu_tmpdir();
  char *path = write_file(dir, "tiny.ini", tiny_text);
  GError *error = NULL;

  sim_scenario *full = sim_check_load(path, false, NULL, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(full->total_nodes, ==, 60);
  g_assert_cmpuint(full->duration_ns, ==, 60 * G_GUINT64_CONSTANT(1000000000));
  sim_scenario_free(full);

  sim_scenario *ci = sim_check_load(path, true, NULL, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(ci->total_nodes, ==, 30);
  g_assert_cmpuint(ci->duration_ns, ==, 40 * G_GUINT64_CONSTANT(1000000000));
  g_assert_nonnull(strstr(ci->text, "count=30"));
  sim_scenario_free(ci);

  /* command-line overrides come after [check]'s, and the seed last */
  const char *sets[] = { "population.peers.count=12", NULL };
  uint64_t seed = 99;
  ci = sim_check_load(path, true, sets, &seed, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(ci->total_nodes, ==, 12);
  g_assert_cmpuint(ci->seed, ==, 99);
  sim_scenario_free(ci);

  /* a scale that breaks a check between keys is reported as such */
  char *bad_text = g_strconcat(tiny_text, "", NULL);
  char *p = strstr(bad_text, "run.duration=40s");
  memcpy(p, "run.duration=9s ", strlen("run.duration=9s "));
  char *bad = write_file(dir, "bad.ini", bad_text);
  sim_scenario *sc = sim_check_load(bad, false, NULL, NULL, &error);
  g_assert_no_error(error);
  sim_scenario_free(sc);
  sc = sim_check_load(bad, true, NULL, NULL, &error);
  g_assert_null(sc);
  g_assert_nonnull(error);
  g_assert_nonnull(strstr(error->message, "[event.ping] at"));
  g_assert_true(g_str_has_suffix(error->message, " (at CI scale, from [check] set)"));
  g_clear_error(&error);

  g_free(bad_text);
  g_free(bad);
  g_free(path);
  tu_rmtree(dir);
  g_free(dir);
}

static void
test_digests_parse(void)
{
  GError *error = NULL;
  const char *good =
      "# header\n"
      "\n"
      "scenarios/a.ini 1 "
      "7a9b43792630566c18d4db1e12af4b812e41f1f546a6368dc1bf520e9556575a\n"
      "  scenarios/b.ini\t18446744073709551615   "
      "0000000000000000000000000000000000000000000000000000000000000000  \n";
  GArray *d = sim_check_digests_parse(good, "d.txt", &error);
  g_assert_no_error(error);
  g_assert_cmpuint(d->len, ==, 2);
  sim_check_digest *e = &g_array_index(d, sim_check_digest, 1);
  g_assert_cmpstr(e->path, ==, "scenarios/b.ini");
  g_assert_cmpuint(e->seed, ==, G_MAXUINT64);
  g_assert_cmpuint(strlen(e->digest), ==, 64);
  sim_check_digests_free(d);

  static const struct {
    const char *text;
    const char *message;
  } bad[] = {
    { "a.ini 1\n", "d.txt: line 1: found 2 fields, expected SCENARIO SEED DIGEST" },
    { "#\na.ini x 00\n", "d.txt: line 2: seed: found 'x'" },
    { "a.ini -1 00\n", "seed: found '-1'" },
    { "a.ini 1 abc\n", "d.txt: line 1: digest: found 'abc', expected 64 lowercase hex digits" },
    { "a.ini 1 7A9B43792630566C18D4DB1E12AF4B812E41F1F546A6368DC1BF520E9556575A\n",
      "expected 64 lowercase hex digits" },
    { "a.ini 1 00 extra\n", "found 4 fields" },
  };
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    d = sim_check_digests_parse(bad[i].text, "d.txt", &error);
    g_assert_null(d);
    g_assert_nonnull(error);
    if (!strstr(error->message, bad[i].message))
      g_error("case %zu: '%s' lacks '%s'", i, error->message, bad[i].message);
    g_clear_error(&error);
  }
}

/* ------------------------------------------------------ the command */

static int
run_peerlab(const char *cwd, const char *const *args, char **out, char **err)
{
  const char *build = g_getenv("PEERLAB_BUILD_ROOT");
  char *exe = g_build_filename(build ? build : ".", "sim", "peerlab", NULL);
  if (!g_path_is_absolute(exe)) {
    char *abs = g_canonicalize_filename(exe, NULL);
    g_free(exe);
    exe = abs;
  }
  GPtrArray *argv = g_ptr_array_new();
  g_ptr_array_add(argv, exe);
  for (const char *const *a = args; *a; a++)
    g_ptr_array_add(argv, (char *)*a);
  g_ptr_array_add(argv, NULL);
  int wait_status = 0;
  GError *error = NULL;
  g_spawn_sync(cwd, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err,
               &wait_status, &error);
  g_assert_no_error(error);
  g_ptr_array_free(argv, TRUE);
  g_free(exe);
  g_assert_true(WIFEXITED(wait_status));
  return WEXITSTATUS(wait_status);
}

static unsigned
count_lines_starting(const char *text, const char *prefix)
{
  unsigned n = 0;
  char **lines = g_strsplit(text, "\n", -1);
  for (size_t i = 0; lines[i]; i++)
    n += g_str_has_prefix(lines[i], prefix);
  g_strfreev(lines);
  return n;
}

static void
test_command(void)
{
  char *dir = tu_tmpdir();
  char *tiny = write_file(dir, "tiny.ini", tiny_text);
  char *failing_text = g_strconcat(tiny_text, "", NULL);
  /* the same file, with an expectation that cannot hold */
  char *p = strstr(failing_text, "connected = peer.count.mean >= 2");
  memcpy(p, "connected = peer.count.mean > 99", strlen("connected = peer.count.mean >= 2"));
  char *broken_text = g_strdup("[run]\nduration = 1min\n");
  char *failing = write_file(dir, "failing.ini", failing_text);
  char *broken = write_file(dir, "broken.ini", broken_text);
  char *out = NULL, *err = NULL;

  /* all pass: plan first, one point per expectation, exit 0 */
  const char *a1[] = { "check", "--ci", "tiny.ini", "tiny.ini", NULL };
  g_assert_cmpint(run_peerlab(dir, a1, &out, &err), ==, 0);
  g_assert_true(g_str_has_prefix(out, "1..4\n"));
  g_assert_nonnull(strstr(out, "ok 1 - tiny: joined (node.join >= 30, observed 30)"));
  g_assert_nonnull(strstr(out, "ok 4 - tiny: connected"));
  g_assert_cmpuint(count_lines_starting(out, "not ok"), ==, 0);
  g_assert_nonnull(strstr(out, "# tiny: 30 nodes"));
  g_free(out);
  g_free(err);

  /* without --ci the file's full scale runs */
  const char *a2[] = { "check", "tiny.ini", NULL };
  g_assert_cmpint(run_peerlab(dir, a2, &out, &err), ==, 0);
  g_assert_nonnull(strstr(out, "observed 60"));
  g_free(out);
  g_free(err);

  /* a failing expectation and a file that does not load: not ok, exit 1,
   * and the plan still counts every point */
  const char *a3[] = { "check", "--ci", "failing.ini", "broken.ini", "tiny.ini", NULL };
  g_assert_cmpint(run_peerlab(dir, a3, &out, &err), ==, 1);
  g_assert_true(g_str_has_prefix(out, "1..5\n"));
  g_assert_nonnull(strstr(out, "not ok 2 - tiny: connected (peer.count.mean > 99"));
  g_assert_nonnull(strstr(out, "not ok 3 - broken.ini: loads\n# broken.ini: "));
  g_assert_nonnull(strstr(out, "ok 5 - tiny: connected"));
  g_assert_cmpuint(count_lines_starting(out, "not ok"), ==, 2);
  g_free(out);
  g_free(err);

  /* --seed and --set reach the run */
  const char *a4[] = { "check", "--ci", "--set", "population.peers.count=31", "tiny.ini", NULL };
  g_assert_cmpint(run_peerlab(dir, a4, &out, &err), ==, 0);
  g_assert_nonnull(strstr(out, "observed 31"));
  g_free(out);
  g_free(err);

  /* digests: print, then check them; a wrong one fails */
  const char *a5[] = { "check", "--ci", "--print-digests", "tiny.ini", NULL };
  g_assert_cmpint(run_peerlab(dir, a5, &out, &err), ==, 0);
  g_assert_true(g_str_has_prefix(out, "tiny.ini 3 "));
  g_assert_cmpuint(strlen(out), ==, strlen("tiny.ini 3 ") + 64 + 1);
  char *digests_text = g_strdup_printf("# pinned\n%s", out);
  char *digests = write_file(dir, "digests.txt", digests_text);
  g_free(out);
  g_free(err);
  const char *a6[] = { "check", "--ci", "--digests", "digests.txt", NULL };
  g_assert_cmpint(run_peerlab(dir, a6, &out, &err), ==, 0);
  g_assert_true(g_str_has_prefix(out, "1..1\nok 1 - tiny.ini seed 3: trace digest\n"));
  g_free(out);
  g_free(err);
  /* the same at full scale is another run: a mismatch */
  const char *a7[] = { "check", "--digests", "digests.txt", NULL };
  g_assert_cmpint(run_peerlab(dir, a7, &out, &err), ==, 1);
  g_assert_nonnull(strstr(out, "not ok 1 - tiny.ini seed 3: trace digest\n#   expected "));
  g_free(out);
  g_free(err);
  /* re-pinning prints the lines of the file, fresh */
  const char *a8[] = { "check", "--ci", "--digests", "digests.txt", "--print-digests", NULL };
  g_assert_cmpint(run_peerlab(dir, a8, &out, &err), ==, 0);
  g_assert_cmpstr(out, ==, digests_text + strlen("# pinned\n"));
  g_free(out);
  g_free(err);

  /* usage errors: exit 2 */
  const char *u1[] = { "check", NULL };
  const char *u2[] = { "check", "--seed", "x", "tiny.ini", NULL };
  const char *u6[] = { "check", "--seed", "1e3", "tiny.ini", NULL };
  const char *u7[] = { "check", "--seed", "10k", "tiny.ini", NULL };
  const char *u3[] = { "check", "--digests", "digests.txt", "tiny.ini", NULL };
  const char *u4[] = { "check", "--digests", "missing.txt", NULL };
  const char *u5[] = { "check", "--digests", "tiny.ini", NULL };
  /* --seed is read as bytes: UTF-8 reaches the seed's own check, another
   * byte is refused naming the option (both gave GOption's "Invalid byte
   * sequence in conversion input") */
  const char *u8[] = { "check", "--seed", "\xc3\xa9", "tiny.ini", NULL };
  const char *u9[] = { "check", "--seed", "\xe9", "tiny.ini", NULL };
  const char *const *usage[] = { u1, u2, u3, u4, u5, u6, u7, u8, u9 };
  for (size_t i = 0; i < G_N_ELEMENTS(usage); i++) {
    g_assert_cmpint(run_peerlab(dir, usage[i], &out, &err), ==, 2);
    g_assert_true(g_str_has_prefix(err, "peerlab check: "));
    if (usage[i] == u6 || usage[i] == u7)
      g_assert_true(g_str_has_prefix(err, "peerlab check: --seed: found '"));
    if (usage[i] == u8)
      g_assert_true(g_str_has_prefix(err, "peerlab check: --seed: found '\xc3\xa9', expected "));
    if (usage[i] == u9)
      g_assert_cmpstr(err, ==, "peerlab check: --seed '\xef\xbf\xbd': expected UTF-8 text, "
                               "found a byte that is not UTF-8 (0xe9, at byte 1; shown as "
                               "U+FFFD)\n");
    g_free(out);
    g_free(err);
  }

  g_free(digests_text);
  g_free(digests);
  g_free(failing_text);
  g_free(broken_text);
  g_free(failing);
  g_free(broken);
  g_free(tiny);
  tu_rmtree(dir);
  g_free(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/check/group-parsed", test_group_parsed);
  g_test_add_func("/check/group-errors", test_group_errors);
  g_test_add_func("/check/load-ci", test_load_ci);
  g_test_add_func("/check/digests-parse", test_digests_parse);
  g_test_add_func("/check/command", test_command);
  return g_test_run();
}
