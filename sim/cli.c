/*
 * cli.c — the peerlab command line.
 *
 *   peerlab run FILE [--seed N] [--set group.key=value]... [--out PATH] [--quiet] [--json]
 *               [--run-id N]
 *   peerlab validate FILE...
 *   peerlab reference
 *   peerlab sweep FILE [--jobs N] [--out DIR] [--set ...] [--emit-jobs DIR]   (sweep.c)
 *   peerlab merge DIR|FILE.db... [--out FILE]                             (merge.c)
 *   peerlab export DB --csv|--json [--table T] [--metric NAME]... [--out FILE] (export.c)
 *   peerlab check [--ci] [--digests FILE] [--print-digests] FILE...   (check.c)
 *   peerlab plot DB [--metric NAME]... [--kind K] [--out FILE]          (plot.c)
 *   peerlab report DB [--out DIR]                                        (report.c)
 *   peerlab compare BASE.db NEW.db [--metric NAME]... [--threshold ...]  (compare.c)
 *   peerlab --help | --version
 *
 * Exit status: 0 ok, 1 an expectation failed, 2 bad input or usage,
 * 3 a runtime failure or an interrupted run.
 */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "compare.h"
#include "plot.h"
#include "report.h"
#include "export.h"
#include "merge.h"
#include "options.h"
#include "scenario.h"
#include "sweep.h"
#include "units.h"
#include "interrupt.h"
#include "world.h"
#include "peerlab-config.h"

enum { EXIT_OK = 0, EXIT_EXPECT = 1, EXIT_USAGE = 2, EXIT_RUNTIME = 3 };

static const char usage_text[] =
    "Usage: peerlab COMMAND [OPTIONS]\n"
    "\n"
    "A deterministic discrete-event simulator for a peer-to-peer compute marketplace.\n"
    "\n"
    "Commands:\n"
    "  run FILE        run a scenario and write its results database\n"
    "  validate FILE…  check scenario files without running them\n"
    "  reference       print the scenario file reference (docs/scenarios.md)\n"
    "  sweep FILE      run every combination of FILE's [sweep] (or --emit-jobs DIR)\n"
    "  merge DIR       merge a sweep's run databases (or FILE.db...) into one\n"
    "  export DB       write a results table as tidy CSV or JSON (--csv | --json)\n"
    "  check FILE…     run scenarios, print every expectation as one TAP stream\n"
    "  plot DB         plot metrics of a results database (gnuplot)\n"
    "  report DB       write an HTML report of a results database\n"
    "  compare A B     compare two results databases, flag regressions (TAP)\n"
    "\n"
    "Options:\n"
    "  -h, --help      show this help (peerlab run --help for run's options)\n"
    "  --version       print the version and git revision\n"
    "\n"
    "Exit status: 0 ok, 1 an expectation failed, 2 bad input or usage,\n"
    "3 a runtime failure or an interrupted run.\n";

/* ----------------------------------------------------------------- JSON */

static void
json_number(GString *out, double v)
{
  if (isfinite(v))
    g_string_append_printf(out, "%.17g", v);
  else
    g_string_append(out, "null");
}

static char *
run_json(const sim_scenario *sc, const sim_world *w, sim_run_status status, const char *out_path)
{
  GString *j = g_string_new("{");
  g_string_append(j, "\"scenario\":");
  sim_export_json_string(j, sc->name);
  g_string_append(j, ",\"file\":");
  sim_export_json_string(j, sc->path);
  g_string_append_printf(j, ",\"seed\":%" G_GUINT64_FORMAT, sc->seed);
  g_string_append(j, ",\"trace\":");
  sim_export_json_string(j, sim_world_trace(w));
  g_string_append_printf(j, ",\"events\":%" G_GUINT64_FORMAT, sim_world_events(w));
  g_string_append_printf(j, ",\"virtual_ns\":%" G_GUINT64_FORMAT, sim_world_now(w));
  g_string_append(j, ",\"wall_s\":");
  json_number(j, sim_world_wall_s(w));
  g_string_append_printf(j, ",\"nodes\":%u", sc->total_nodes);
  g_string_append(j, ",\"status\":");
  sim_export_json_string(j, sim_run_status_name(status));
  g_string_append(j, ",\"results\":");
  if (out_path)
    sim_export_json_string(j, out_path);
  else
    g_string_append(j, "null");
  g_string_append(j, ",\"metrics\":{");
  const sim_metrics *m = sim_world_metrics(w);
  bool first = true;
  for (uint32_t id = 0; id < sim_metrics_count(m); id++) {
    sim_summary s;
    sim_metrics_summary(m, id, &s);
    if (!s.count)
      continue;
    if (!first)
      g_string_append_c(j, ',');
    first = false;
    sim_export_json_string(j, sim_metrics_name(m, id));
    g_string_append_printf(j, ":{\"count\":%" G_GUINT64_FORMAT, s.count);
    const struct {
      const char *k;
      double v;
    } f[] = {{"sum", s.sum}, {"mean", s.mean}, {"min", s.min}, {"p50", s.p50},
             {"p90", s.p90}, {"p99", s.p99},   {"max", s.max}, {"last", s.last}};
    for (size_t i = 0; i < G_N_ELEMENTS(f); i++) {
      g_string_append_printf(j, ",\"%s\":", f[i].k);
      json_number(j, f[i].v);
    }
    g_string_append_c(j, '}');
  }
  g_string_append(j, "},\"expectations\":[");
  size_t n;
  const sim_expect_outcome *o = sim_world_outcomes(w, &n);
  for (size_t i = 0; i < n; i++) {
    if (i)
      g_string_append_c(j, ',');
    g_string_append(j, "{\"label\":");
    sim_export_json_string(j, o[i].expect->label);
    g_string_append(j, ",\"expr\":");
    sim_export_json_string(j, o[i].expect->expr);
    g_string_append(j, ",\"observed\":");
    json_number(j, o[i].observed);
    if (o[i].why) {
      g_string_append(j, ",\"why\":");
      sim_export_json_string(j, o[i].why);
    }
    g_string_append_printf(j, ",\"pass\":%s}", o[i].pass ? "true" : "false");
  }
  g_string_append(j, "]}");
  return g_string_free(j, FALSE);
}

/* ------------------------------------------------------------- output */

static void
progress_cb(const sim_progress *p, void *user_data)
{
  (void)user_data;
  double frac = p->duration_ns ? (double)p->now_ns / (double)p->duration_ns : 1;
  double rate = p->wall_s > 0 ? (double)p->events / p->wall_s : 0;
  double eta = frac > 0 ? p->wall_s * (1 - frac) / frac : 0;
  char now[32], dur[32];
  sim_units_format((double)p->now_ns, SIM_UNIT_DURATION, now, sizeof now);
  sim_units_format((double)p->duration_ns, SIM_UNIT_DURATION, dur, sizeof dur);
  fprintf(stderr, "\r  %s / %s  %5.1f%%  %.2fM events/s  ETA %.0fs   ", now, dur, 100 * frac,
          rate / 1e6, eta);
  fflush(stderr);
}

static void
print_tap(FILE *out, const sim_world *w)
{
  size_t n;
  const sim_expect_outcome *o = sim_world_outcomes(w, &n);
  if (!n)
    return;
  fprintf(out, "1..%zu\n", n);
  for (size_t i = 0; i < n; i++) {
    if (o[i].why)
      fprintf(out, "not ok %zu - %s: %s (%s)\n", i + 1, o[i].expect->label,
              o[i].expect->expr, o[i].why);
    else
      fprintf(out, "%s %zu - %s: %s (observed %.6g)\n", o[i].pass ? "ok" : "not ok", i + 1,
              o[i].expect->label, o[i].expect->expr, o[i].observed);
  }
}

static void
print_summary(FILE *out, const sim_scenario *sc, const sim_world *w, sim_run_status status,
              const char *out_path)
{
  double wall = sim_world_wall_s(w);
  char vt[32];
  sim_units_format((double)sim_world_now(w), SIM_UNIT_DURATION, vt, sizeof vt);
  fprintf(out, "%s (seed %" G_GUINT64_FORMAT ", %u nodes): %s\n", sc->name, sc->seed,
          sc->total_nodes, sim_run_status_name(status));
  fprintf(out, "  virtual time  %s\n", vt);
  fprintf(out, "  events        %" G_GUINT64_FORMAT " in %.2f s wall (%.0f events/s)\n",
          sim_world_events(w), wall, wall > 0 ? (double)sim_world_events(w) / wall : 0.0);
  fprintf(out, "  peak memory   %.1f MiB\n", (double)sim_world_peak_rss(w) / (1 << 20));
  fprintf(out, "  trace         %s\n", sim_world_trace(w));
  if (out_path)
    fprintf(out, "  results       %s\n", out_path);
  fprintf(out, "\n  %-34s %10s %12s %12s %12s %12s\n", "metric", "count", "mean", "p50", "p99",
          "max");
  const sim_metrics *m = sim_world_metrics(w);
  for (uint32_t id = 0; id < sim_metrics_count(m); id++) {
    sim_summary s;
    sim_metrics_summary(m, id, &s);
    if (!s.count)
      continue;
    if (sim_metrics_kind(m, id) == PL_METRIC_KIND_COUNTER)
      fprintf(out, "  %-34s %10" G_GUINT64_FORMAT " %12s %12s %12s %12s  total %.6g\n",
              sim_metrics_name(m, id), s.count, "", "", "", "", s.sum);
    else
      fprintf(out, "  %-34s %10" G_GUINT64_FORMAT " %12.4g %12.4g %12.4g %12.4g\n",
              sim_metrics_name(m, id), s.count, s.mean, s.p50, s.p99, s.max);
  }
  fputc('\n', out);
}

/* ----------------------------------------------------------------- run */

static int
cmd_run(int argc, char **argv)
{
  char *seed_text = NULL, *out_path = NULL, *run_id_text = NULL;
  char **sets = NULL;
  gboolean quiet = FALSE, json = FALSE;
  GOptionEntry entries[] = {
      {"seed", 0, 0, G_OPTION_ARG_STRING, &seed_text, "Run seed (overrides [run] seed)", "N"},
      {"set", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &sets, "Override a scenario key (repeatable)",
       "GROUP.KEY=VALUE"},
      {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out_path,
       "Results database (default results/NAME-seedSEED.db)", "PATH"},
      {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress line and no summary", NULL},
      {"json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object on stdout", NULL},
      {"run-id", 0, 0, G_OPTION_ARG_STRING, &run_id_text,
       "Row id of the run in the results database (default 1; peerlab sweep sets it)", "N"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new("FILE - run a scenario");
  g_option_context_set_summary(ctx,
      "Runs the scenario FILE and writes a results database. Expectations in [expect]\n"
      "are printed as TAP lines (inside the JSON object with --json).\n"
      "Exit status: 0 ok, 1 an expectation failed, 2 bad input, 3 runtime failure or interrupted.");
  GError *error = NULL;
  int rc = EXIT_USAGE;
  sim_scenario *sc = NULL;
  sim_world *w = NULL;
  char *path = NULL;
  if (!sim_options_parse(ctx, entries, &argc, &argv, &error)) {
    fprintf(stderr, "peerlab run: %s\n", error->message);
    goto out;
  }
  if (argc != 2) {
    fprintf(stderr, "peerlab run: expected exactly one scenario FILE (see peerlab run --help)\n");
    goto out;
  }
  uint64_t seed = 0;
  if (seed_text && !sim_scenario_parse_seed(seed_text, &seed, &error)) {
    fprintf(stderr, "peerlab run: %s\n", error->message);
    goto out;
  }
  uint64_t run_id = 1;
  if (run_id_text && (!sim_units_parse_u64(run_id_text, SIM_UNIT_COUNT, &run_id) || run_id == 0
                      || run_id > INT64_MAX)) {
    fprintf(stderr, "peerlab run: --run-id: found '%s', expected a positive integer\n",
            run_id_text);
    goto out;
  }
  sc = sim_scenario_load(argv[1], (const char *const *)sets, seed_text ? &seed : NULL, &error);
  if (!sc) {
    fprintf(stderr, "peerlab: %s\n", error->message);
    goto out;
  }
  if (out_path) {
    path = g_strdup(out_path);
  } else {
    char *stem = sim_scenario_file_stem(sc);
    path = g_strdup_printf("results/%s-seed%" G_GUINT64_FORMAT ".db", stem, sc->seed);
    g_free(stem);
  }
  if (!sim_results_check_path(path, &error)) {
    /* refused before anything runs or is created: bad input */
    fprintf(stderr, "peerlab run: %s\n", error->message);
    goto out;
  }
  bool show_progress = !quiet && !json && isatty(STDERR_FILENO);
  sim_interrupt_install(NULL);
  sim_world_options opt = {
      .results_path = path,
      .run_id = (int64_t)run_id,
      .run_params = (const char *const *)sets,
      .stop_flag = &sim_interrupt_requested,
      .progress_cb = show_progress ? progress_cb : NULL,
  };
  w = sim_world_new(sc, &opt, &error);
  if (!w) {
    fprintf(stderr, "peerlab: %s\n", error->message);
    rc = g_error_matches(error, SIM_WORLD_ERROR, SIM_WORLD_ERROR_INPUT) ? EXIT_USAGE : EXIT_RUNTIME;
    goto out;
  }
  sim_run_status status = sim_world_run(w, &error);
  if (show_progress)
    fputs("\r\033[K", stderr);
  if (json) {
    char *text = run_json(sc, w, status, path);
    puts(text);
    g_free(text);
  } else {
    if (!quiet)
      print_summary(stdout, sc, w, status, path);
    print_tap(stdout, w);
  }
  if (status == SIM_RUN_FAILED) {
    fprintf(stderr, "peerlab: run failed: %s\n", error ? error->message : "unknown error");
    rc = EXIT_RUNTIME;
  } else if (status == SIM_RUN_INTERRUPTED) {
    fprintf(stderr, "peerlab: interrupted; partial results in %s (status 'interrupted')\n", path);
    rc = EXIT_RUNTIME;
  } else {
    size_t n;
    const sim_expect_outcome *o = sim_world_outcomes(w, &n);
    rc = EXIT_OK;
    for (size_t i = 0; i < n; i++)
      if (!o[i].pass)
        rc = EXIT_EXPECT;
  }
out:
  g_clear_error(&error);
  sim_world_free(w);
  sim_scenario_free(sc);
  g_free(path);
  g_free(seed_text);
  g_free(run_id_text);
  g_free(out_path);
  g_strfreev(sets);
  g_option_context_free(ctx);
  return rc;
}

/* ------------------------------------------------------------ validate */

static int
cmd_validate(int argc, char **argv)
{
  GOptionContext *ctx = g_option_context_new("FILE... - check scenario files without running them");
  GError *error = NULL;
  int rc = EXIT_OK;
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    fprintf(stderr, "peerlab validate: %s\n", error->message);
    g_error_free(error);
    g_option_context_free(ctx);
    return EXIT_USAGE;
  }
  if (argc < 2) {
    fprintf(stderr, "peerlab validate: expected at least one scenario FILE\n");
    rc = EXIT_USAGE;
  }
  for (int i = 1; i < argc; i++) {
    sim_scenario *sc = sim_scenario_load(argv[i], NULL, NULL, &error);
    if (sc && !sim_world_check_expectations(sc, &error)) {
      sim_scenario_free(sc);
      sc = NULL;
    }
    if (sc) {
      printf("%s: ok (%u nodes, %u events, %u expectations)\n", argv[i], sc->total_nodes,
             sc->n_events, sc->n_expects);
      sim_scenario_free(sc);
    } else {
      fprintf(stderr, "%s\n", error->message);
      g_clear_error(&error);
      rc = EXIT_USAGE;
    }
  }
  g_option_context_free(ctx);
  return rc;
}

static int
cmd_reference(void)
{
  GString *s = g_string_new(NULL);
  sim_scenario_write_reference(s);
  fputs(s->str, stdout);
  g_string_free(s, TRUE);
  return EXIT_OK;
}

int
cli_main(int argc, char **argv)
{
  if (argc < 2) {
    fputs(usage_text, stderr);
    return EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
    fputs(usage_text, stdout);
    return EXIT_OK;
  }
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
    printf("peerlab %s (git %s)\n", PEERLAB_VERSION, PEERLAB_GIT_REV);
    return EXIT_OK;
  }
  if (!strcmp(cmd, "run"))
    return cmd_run(argc - 1, argv + 1);
  if (!strcmp(cmd, "validate"))
    return cmd_validate(argc - 1, argv + 1);
  if (!strcmp(cmd, "reference"))
    return cmd_reference();
  if (!strcmp(cmd, "sweep"))
    return sim_sweep_main(argc - 1, argv + 1);
  if (!strcmp(cmd, "merge"))
    return sim_merge_main(argc - 1, argv + 1);
  if (!strcmp(cmd, "export"))
    return sim_export_main(argc - 1, argv + 1);
  if (!strcmp(cmd, "check"))
    return sim_check_main(argc - 1, argv + 1);
  if (!strcmp(cmd, "plot"))
    return sim_plot_main(argc - 1, argv + 1);
  if (!strcmp(cmd, "report"))
    return sim_report_main(argc - 1, argv + 1);
  if (!strcmp(cmd, "compare"))
    return sim_compare_main(argc - 1, argv + 1);
  fprintf(stderr, "peerlab: unknown command '%s'\n\n%s", cmd, usage_text);
  return EXIT_USAGE;
}
