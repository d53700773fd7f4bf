/*
 * check.c — `peerlab check`: scenarios as one TAP stream, CI scale, and
 * pinned trace digests.
 *
 * How it works.
 *
 * Every job (a scenario file, or a line of a digests file) is loaded
 * first, so that the TAP plan ("1..N") can be printed before anything
 * runs: a scenario contributes one test point per expectation (one point
 * "runs to completion" when it has none), a digests line one point, and a
 * file that does not load one failing point.  Then the jobs run one after
 * the other, without a results database, and each prints its points as
 * soon as it ends, with a "# NAME: ... s wall" diagnostic, so a slow
 * scenario shows in the log.
 *
 * With --ci each file is loaded with its [check] set overrides applied
 * before the command line's --set (sim_check_load), which is how the CI
 * suite runs every shipped scenario in seconds.
 *
 * Determinism: runs are independent worlds; output order is job order.
 */
#include "check.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "interrupt.h"
#include "options.h"
#include "world.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_RUNTIME = 3 };

#define CI_SUFFIX " (at CI scale, from [check] set)"

sim_scenario *
sim_check_load(const char *path, bool ci, const char *const *sets,
               const uint64_t *seed_override, GError **error)
{
  g_return_val_if_fail(path != NULL, NULL);
  sim_scenario *sc = sim_scenario_load(path, sets, seed_override, error);
  if (!sc || !ci || !sc->check_set[0])
    return sc;
  GPtrArray *all = g_ptr_array_new();
  for (size_t i = 0; sc->check_set[i]; i++)
    g_ptr_array_add(all, sc->check_set[i]);
  for (size_t i = 0; sets && sets[i]; i++)
    g_ptr_array_add(all, (gpointer)sets[i]);
  g_ptr_array_add(all, NULL);
  GError *e = NULL;
  sim_scenario *scaled =
      sim_scenario_load(path, (const char *const *)all->pdata, seed_override, &e);
  g_ptr_array_free(all, TRUE);
  sim_scenario_free(sc);
  if (!scaled) {
    g_set_error(error, e->domain, e->code, "%s%s", e->message, CI_SUFFIX);
    g_error_free(e);
  }
  return scaled;
}

/* ------------------------------------------------------------- digests */

static bool
is_hex64(const char *s)
{
  size_t n = 0;
  for (; s[n]; n++)
    if (!g_ascii_isxdigit(s[n]) || g_ascii_isupper(s[n]))
      return false;
  return n == 64;
}

GArray *
sim_check_digests_parse(const char *text, const char *name, GError **error)
{
  g_return_val_if_fail(text != NULL, NULL);
  GArray *out = g_array_new(FALSE, TRUE, sizeof(sim_check_digest));
  char **lines = g_strsplit(text, "\n", -1);
  bool ok = true;
  for (size_t i = 0; ok && lines[i]; i++) {
    char *line = g_strstrip(lines[i]);
    if (!line[0] || line[0] == '#')
      continue;
    char **f = g_strsplit_set(line, " \t", -1);
    GPtrArray *fields = g_ptr_array_new();
    for (size_t j = 0; f[j]; j++)
      if (f[j][0])
        g_ptr_array_add(fields, f[j]);
    guint64 seed = 0;
    if (fields->len != 3) {
      g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                  "%s: line %zu: found %u fields, expected SCENARIO SEED DIGEST", name, i + 1,
                  fields->len);
      ok = false;
    } else if (!g_ascii_string_to_unsigned(fields->pdata[1], 10, 0, G_MAXUINT64, &seed, NULL)) {
      g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                  "%s: line %zu: seed: found '%s', expected a non-negative integer", name,
                  i + 1, (const char *)fields->pdata[1]);
      ok = false;
    } else if (!is_hex64(fields->pdata[2])) {
      g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                  "%s: line %zu: digest: found '%s', expected 64 lowercase hex digits", name,
                  i + 1, (const char *)fields->pdata[2]);
      ok = false;
    } else {
      sim_check_digest d = { g_strdup(fields->pdata[0]), seed, g_strdup(fields->pdata[2]) };
      g_array_append_val(out, d);
    }
    g_ptr_array_free(fields, TRUE);
    g_strfreev(f);
  }
  g_strfreev(lines);
  if (!ok) {
    sim_check_digests_free(out);
    return NULL;
  }
  return out;
}

void
sim_check_digests_free(GArray *digests)
{
  if (!digests)
    return;
  for (guint i = 0; i < digests->len; i++) {
    sim_check_digest *d = &g_array_index(digests, sim_check_digest, i);
    g_free(d->path);
    g_free(d->digest);
  }
  g_array_free(digests, TRUE);
}

/* ---------------------------------------------------------------- jobs */

typedef struct job {
  const char *path;          /* scenario file (borrowed) */
  bool has_seed;             /* run with |seed| instead of the file's */
  uint64_t seed;             /* seed override */
  const char *want_digest;   /* digests mode: expected digest (borrowed), else NULL */
  sim_scenario *sc;          /* loaded, or NULL */
  char *load_error;          /* why it did not load */
} job;

/* Test points |j| contributes in the given mode. */
static unsigned
job_points(const job *j, bool digests_mode)
{
  if (!j->sc || digests_mode)
    return 1;
  return j->sc->n_expects ? j->sc->n_expects : 1;
}

/* Name of |j| in test points: the scenario's [run] name, or the path. */
static const char *
job_name(const job *j)
{
  return j->sc ? j->sc->name : j->path;
}

static void
print_diag(const char *prefix, const char *text)
{
  char **lines = g_strsplit(text, "\n", -1);
  for (size_t i = 0; lines[i]; i++)
    printf("# %s%s\n", prefix, lines[i]);
  g_strfreev(lines);
}

/*
 * Run |j| and print its test points from number *|next| on (or, with
 * |print_digests|, one digest line).  Returns whether all passed; sets
 * *|interrupted| when stopped by a signal.
 */
static bool
run_job(job *j, bool digests_mode, bool print_digests, unsigned *next, bool *interrupted)
{
  const char *name = job_name(j);
  if (!j->sc) {
    if (print_digests) {
      fprintf(stderr, "peerlab check: %s\n", j->load_error);
    } else {
      printf("not ok %u - %s: loads\n", (*next)++, name);
      print_diag("", j->load_error);
    }
    return false;
  }
  GError *error = NULL;
  sim_world_options opt = { .results_path = NULL, .stop_flag = &sim_interrupt_requested };
  sim_world *w = sim_world_new(j->sc, &opt, &error);
  sim_run_status status = SIM_RUN_FAILED;
  if (w)
    status = sim_world_run(w, &error);
  bool ok = status == SIM_RUN_COMPLETE;
  const char *trace = w ? sim_world_trace(w) : "";
  char *why = NULL;
  if (status == SIM_RUN_INTERRUPTED) {
    why = g_strdup("interrupted");
    *interrupted = true;
  } else if (!ok) {
    why = g_strdup_printf("run failed: %s", error ? error->message : "unknown error");
  }

  if (print_digests) {
    if (ok)
      printf("%s %" G_GUINT64_FORMAT " %s\n", j->path, j->sc->seed, trace);
    else
      fprintf(stderr, "peerlab check: %s: %s\n", j->path, why);
  } else if (digests_mode) {
    bool match = ok && strcmp(trace, j->want_digest) == 0;
    printf("%s %u - %s seed %" G_GUINT64_FORMAT ": trace digest\n", match ? "ok" : "not ok",
           (*next)++, j->path, j->sc->seed);
    if (!ok)
      print_diag("", why);
    else if (!match)
      printf("#   expected %s\n#   got      %s\n", j->want_digest, trace);
    ok = match;
  } else if (!ok) {
    unsigned n = job_points(j, false);
    for (unsigned i = 0; i < n; i++)
      printf("not ok %u - %s: %s\n", (*next)++, name,
             j->sc->n_expects ? j->sc->expects[i].label : "runs to completion");
    print_diag("", why);
  } else if (!j->sc->n_expects) {
    printf("ok %u - %s: runs to completion\n", (*next)++, name);
  } else {
    size_t n;
    const sim_expect_outcome *o = sim_world_outcomes(w, &n);
    g_assert(n == j->sc->n_expects);
    for (size_t i = 0; i < n; i++) {
      if (o[i].why)
        printf("not ok %u - %s: %s (%s: %s)\n", (*next)++, name, o[i].expect->label,
               o[i].expect->expr, o[i].why);
      else
        printf("%s %u - %s: %s (%s, observed %.6g)\n", o[i].pass ? "ok" : "not ok", (*next)++,
               name, o[i].expect->label, o[i].expect->expr, o[i].observed);
      ok = ok && o[i].pass;
    }
  }
  if (w && !print_digests)
    printf("# %s: %u nodes, %" G_GUINT64_FORMAT " events, %.2f s wall\n", name,
           j->sc->total_nodes, sim_world_events(w), sim_world_wall_s(w));
  fflush(stdout); /* each scenario's points as soon as they are known */
  g_free(why);
  g_clear_error(&error);
  sim_world_free(w);
  return ok;
}

int
sim_check_main(int argc, char **argv)
{
  gboolean ci = FALSE, print_digests = FALSE;
  char *seed_text = NULL, *digests_path = NULL;
  char **sets = NULL;
  GOptionEntry entries[] = {
      {"ci", 0, 0, G_OPTION_ARG_NONE, &ci,
       "CI scale: apply each file's [check] set overrides first", NULL},
      {"seed", 0, 0, G_OPTION_ARG_STRING, &seed_text, "Run seed (overrides [run] seed)", "N"},
      {"set", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &sets, "Override a scenario key (repeatable)",
       "GROUP.KEY=VALUE"},
      {"digests", 0, 0, G_OPTION_ARG_FILENAME, &digests_path,
       "Check the pinned trace digests in FILE (lines SCENARIO SEED DIGEST) instead of "
       "expectations",
       "FILE"},
      {"print-digests", 0, 0, G_OPTION_ARG_NONE, &print_digests,
       "Print SCENARIO SEED DIGEST lines instead of TAP (to pin digests)", NULL},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new("FILE... - run scenarios and check expectations");
  g_option_context_set_summary(ctx,
      "Runs each scenario FILE (without a results database) and prints every expectation\n"
      "as one TAP stream, test points named \"SCENARIO: LABEL\". With --ci each file's\n"
      "[check] set overrides scale it down first. With --digests FILE the pinned trace\n"
      "digests listed there are checked instead (one test point per line).\n"
      "Exit status: 0 all passed, 1 a test point failed, 2 bad usage, 3 interrupted or\n"
      "stdout could not be written.");
  GError *error = NULL;
  int rc = EXIT_USAGE;
  GArray *digests = NULL;
  job *jobs = NULL;
  size_t n_jobs = 0;
  uint64_t seed = 0;

  if (!sim_options_parse(ctx, entries, &argc, &argv, &error)) {
    fprintf(stderr, "peerlab check: %s\n", error->message);
    goto out;
  }
  if (seed_text && !sim_scenario_parse_seed(seed_text, &seed, &error)) {
    fprintf(stderr, "peerlab check: %s\n", error->message);
    goto out;
  }
  if (digests_path) {
    if (argc > 1 || seed_text) {
      fprintf(stderr, "peerlab check: --digests takes its scenarios and seeds from FILE; "
                      "give no FILE arguments and no --seed\n");
      goto out;
    }
    char *text = NULL;
    if (!g_file_get_contents(digests_path, &text, NULL, &error)) {
      fprintf(stderr, "peerlab check: %s\n", error->message);
      goto out;
    }
    digests = sim_check_digests_parse(text, digests_path, &error);
    g_free(text);
    if (!digests) {
      fprintf(stderr, "peerlab check: %s\n", error->message);
      goto out;
    }
    n_jobs = digests->len;
    jobs = g_new0(job, n_jobs ? n_jobs : 1);
    for (size_t i = 0; i < n_jobs; i++) {
      const sim_check_digest *d = &g_array_index(digests, sim_check_digest, i);
      jobs[i] = (job){ .path = d->path, .has_seed = true, .seed = d->seed,
                       .want_digest = d->digest };
    }
  } else {
    if (argc < 2) {
      fprintf(stderr, "peerlab check: expected at least one scenario FILE "
                      "(see peerlab check --help)\n");
      goto out;
    }
    n_jobs = (size_t)argc - 1;
    jobs = g_new0(job, n_jobs);
    for (size_t i = 0; i < n_jobs; i++)
      jobs[i] = (job){ .path = argv[i + 1], .has_seed = seed_text != NULL, .seed = seed };
  }

  unsigned plan = 0;
  for (size_t i = 0; i < n_jobs; i++) {
    job *j = &jobs[i];
    j->sc = sim_check_load(j->path, ci, (const char *const *)sets,
                           j->has_seed ? &j->seed : NULL, &error);
    if (!j->sc) {
      j->load_error = g_strdup(error->message);
      g_clear_error(&error);
    }
    plan += job_points(j, digests != NULL);
  }

  sim_interrupt_saved saved;
  sim_interrupt_install(&saved);

  if (!print_digests)
    printf("1..%u\n", plan);
  unsigned next = 1;
  bool all_ok = true, interrupted = false;
  for (size_t i = 0; i < n_jobs; i++) {
    if (interrupted) {
      /* keep the plan honest: the rest fail without running */
      for (unsigned k = job_points(&jobs[i], digests != NULL); !print_digests && k > 0; k--)
        printf("not ok %u - %s: not run (interrupted)\n", next++, job_name(&jobs[i]));
      continue;
    }
    if (!run_job(&jobs[i], digests != NULL, print_digests, &next, &interrupted))
      all_ok = false;
  }
  sim_interrupt_restore(&saved);
  /* A TAP stream that could not be written (a full disk, /dev/full) is
   * reported at exit, for every command alike (main.c): status 3. */
  rc = interrupted ? EXIT_RUNTIME : all_ok ? EXIT_OK : EXIT_FAIL;

out:
  for (size_t i = 0; jobs && i < n_jobs; i++) {
    sim_scenario_free(jobs[i].sc);
    g_free(jobs[i].load_error);
  }
  g_free(jobs);
  sim_check_digests_free(digests);
  g_clear_error(&error);
  g_free(seed_text);
  g_free(digests_path);
  g_strfreev(sets);
  g_option_context_free(ctx);
  return rc;
}
