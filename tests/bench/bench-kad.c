/*
 * bench-kad.c — the discovery layer at scale: the PeerSim-Kademlia
 * comparison workload (scenarios/dht-peersim.ini) for several network
 * sizes.  Prints, per size: the world's build time, the run's wall time,
 * events and events/s, lookups finished and lookups/s (over the run's wall
 * time, which includes filling every routing table at t = 0), the run's
 * CPU seconds (process CPU time, so a figure that a busy shared machine
 * disturbs less than wall time) and lookups per CPU second, the share
 * of lookups that found the true closest node, the mean hop count, the
 * host's and the cores' accounted bytes per node, the resident bytes per
 * node (RSS growth over the run) and the process's peak RSS.
 *
 *   bench-kad [--k K] [--alpha A] [--duration D] [--set group.key=value]... N...
 *             (default N: 10000 100000; sizes run in the order given)
 *
 * --k sets both k and bucket_size (the file's 8 by default); the 1M-node
 * target is `bench-kad --k 20 1000000`.  Peak RSS is the process's, so
 * give sizes in increasing order.  A benchmark, not a test: it asserts
 * nothing about speed.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"
#include "scenario.h"
#include "wallclock.h"
#include "world.h"

#ifndef PEERLAB_SCENARIO_DIR
#error "PEERLAB_SCENARIO_DIR must name the scenarios directory"
#endif

/* CPU seconds used by the process so far. */
static double
cpu_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
  GPtrArray *sets = g_ptr_array_new_with_free_func(g_free);
  GArray *sizes = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--k") && i + 1 < argc) {
      g_ptr_array_add(sets, g_strdup_printf("protocol.kad.k=%s", argv[i + 1]));
      g_ptr_array_add(sets, g_strdup_printf("protocol.kad.bucket_size=%s", argv[++i]));
    } else if (!strcmp(argv[i], "--alpha") && i + 1 < argc) {
      g_ptr_array_add(sets, g_strdup_printf("protocol.kad.alpha=%s", argv[++i]));
    } else if (!strcmp(argv[i], "--duration") && i + 1 < argc) {
      g_ptr_array_add(sets, g_strdup_printf("run.duration=%s", argv[++i]));
    } else if (!strcmp(argv[i], "--set") && i + 1 < argc) {
      g_ptr_array_add(sets, g_strdup(argv[++i]));
    } else {
      uint32_t n = (uint32_t)strtoul(argv[i], NULL, 10);
      if (!n) {
        fprintf(stderr, "usage: bench-kad [--k K] [--alpha A] [--duration D] "
                        "[--set group.key=value]... N...\n");
        return 2;
      }
      g_array_append_val(sizes, n);
    }
  }
  if (!sizes->len) {
    uint32_t d[] = {10000, 100000};
    g_array_append_vals(sizes, d, G_N_ELEMENTS(d));
  }
  const char *path = PEERLAB_SCENARIO_DIR "/dht-peersim.ini";
  printf("workload: %s", path);
  for (guint i = 0; i < sets->len; i++)
    printf(" --set %s", (const char *)g_ptr_array_index(sets, i));
  printf("\n%9s %8s %8s %8s %12s %10s %9s %10s %11s %7s %6s %10s %10s %10s %9s\n", "nodes",
         "build_s", "run_s", "cpu_s", "events", "events/s", "lookups", "lookups/s", "lookups/cpu",
         "succ", "hops", "host_B/n", "core_B/n", "rss_B/n", "peak_MiB");
  for (guint i = 0; i < sizes->len; i++) {
    uint32_t n = g_array_index(sizes, uint32_t, i);
    GPtrArray *ov = g_ptr_array_new_with_free_func(g_free);
    for (guint j = 0; j < sets->len; j++)
      g_ptr_array_add(ov, g_strdup(g_ptr_array_index(sets, j)));
    g_ptr_array_add(ov, g_strdup_printf("population.nodes.count=%u", n));
    g_ptr_array_add(ov, NULL);
    GError *error = NULL;
    sim_scenario *sc = sim_scenario_load(path, (const char *const *)ov->pdata, NULL, &error);
    if (!sc) {
      fprintf(stderr, "bench-kad: %s\n", error->message);
      return 1;
    }
    uint64_t rss0 = sim_rss_bytes();
    double t0 = sim_wallclock_now();
    sim_world *w = sim_world_new(sc, NULL, &error);
    double build = sim_wallclock_now() - t0;
    double cpu0 = cpu_now();
    if (!w || sim_world_run(w, &error) != SIM_RUN_COMPLETE) {
      fprintf(stderr, "bench-kad: %s\n", error ? error->message : "run failed");
      return 1;
    }
    double cpu = cpu_now() - cpu0;
    uint64_t rss1 = sim_rss_bytes();
    double wall = sim_world_wall_s(w);
    uint64_t events = sim_world_events(w);
    const sim_metrics *m = sim_world_metrics(w);
    double lookups = sim_metrics_stat(m, "dht.lookup.done", SIM_STAT_SUM);
    printf("%9u %8.2f %8.2f %8.2f %12" G_GUINT64_FORMAT " %10.0f %9.0f %10.0f %11.0f %7.4f "
           "%6.2f %10.0f %10.0f %10.0f %9.1f\n",
           n, build, wall, cpu, events, events / wall, lookups, lookups / wall, lookups / cpu,
           sim_metrics_stat(m, "dht.lookup.success", SIM_STAT_MEAN),
           sim_metrics_stat(m, "dht.lookup.hops", SIM_STAT_MEAN),
           (double)sim_world_host_memory(w) / n, (double)sim_world_core_memory(w) / n,
           (double)(rss1 - rss0) / n, (double)sim_peak_rss_bytes() / (1 << 20));
    fflush(stdout);
    sim_world_free(w);
    sim_scenario_free(sc);
    g_ptr_array_free(ov, TRUE);
  }
  g_array_free(sizes, TRUE);
  g_ptr_array_free(sets, TRUE);
  return 0;
}
