/*
 * bench-ping.c — the ping workload at scale.  Prints, per population size:
 * wall time, events, events/s, the host's and the cores' bytes per node
 * (accounted), resident bytes per node (measured) and peak RSS.
 *
 *   bench-ping [--duration 60s] [--peers 8] N...      (default N: 10000 100000)
 *
 * Workload: N honest nodes join over the first 10 s through 8 bootstrap
 * peers, keep |peers| connections each with 10 s heartbeats (PING/PONG),
 * and 10 % of them issue an extra ping every 5 s; lognormal(40ms, 0.5)
 * latency, no loss, unlimited bandwidth.  A benchmark, not a test: it
 * asserts nothing about speed.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "wallclock.h"
#include "world.h"

static char *
workload(uint32_t n, const char *duration, unsigned peers)
{
  return g_strdup_printf("[run]\nname = bench-ping\nseed = 1\nduration = %s\nsample_interval = 10s\n"
                         "[network]\nlatency = lognormal(40ms, 0.5)\n"
                         "[protocol.peer]\nbootstrap = 8\ntarget_peers = %u\nmax_peers = %u\n"
                         "max_inbound = %u\nmax_outbound = %u\n"
                         "[population.peers]\ncount = %u\njoin_at = uniform(0s, 10s)\n"
                         "[event.ping]\nat = 15s\naction = command\ncommand = ping\n"
                         "fraction = 10%%\nevery = 5s\n",
                         duration, peers, 2 * peers, peers + peers / 2, peers, n);
}

int
main(int argc, char **argv)
{
  const char *duration = "60s";
  unsigned peers = 8;
  GArray *sizes = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--duration") && i + 1 < argc) {
      duration = argv[++i];
    } else if (!strcmp(argv[i], "--peers") && i + 1 < argc) {
      peers = (unsigned)strtoul(argv[++i], NULL, 10);
    } else {
      uint32_t n = (uint32_t)strtoul(argv[i], NULL, 10);
      if (!n) {
        fprintf(stderr, "usage: bench-ping [--duration 60s] [--peers 8] N...\n");
        return 2;
      }
      g_array_append_val(sizes, n);
    }
  }
  if (!sizes->len) {
    uint32_t d[] = {10000, 100000};
    g_array_append_vals(sizes, d, G_N_ELEMENTS(d));
  }
  printf("%10s %9s %12s %12s %11s %11s %11s %11s %10s\n", "nodes", "wall_s", "events",
         "events/s", "host_B/node", "core_B/node", "rss_B/node", "peak_MiB", "rtt_p50_ms");
  for (guint i = 0; i < sizes->len; i++) {
    uint32_t n = g_array_index(sizes, uint32_t, i);
    char *text = workload(n, duration, peers);
    GError *error = NULL;
    sim_scenario *sc = sim_scenario_load_data(text, "bench-ping", NULL, NULL, &error);
    if (!sc) {
      fprintf(stderr, "bench-ping: %s\n", error->message);
      return 1;
    }
    uint64_t rss0 = sim_rss_bytes();
    sim_world *w = sim_world_new(sc, NULL, &error);
    if (!w || sim_world_run(w, &error) != SIM_RUN_COMPLETE) {
      fprintf(stderr, "bench-ping: %s\n", error ? error->message : "run failed");
      return 1;
    }
    uint64_t rss1 = sim_rss_bytes();
    double wall = sim_world_wall_s(w);
    uint64_t events = sim_world_events(w);
    printf("%10u %9.2f %12" G_GUINT64_FORMAT " %12.0f %11.0f %11.0f %11.0f %11.1f %10.1f\n", n,
           wall, events, events / wall, (double)sim_world_host_memory(w) / n,
           (double)sim_world_core_memory(w) / n, (double)(rss1 - rss0) / n,
           (double)sim_peak_rss_bytes() / (1 << 20),
           sim_metrics_stat(sim_world_metrics(w), "ping.rtt_ms", SIM_STAT_P50));
    fflush(stdout);
    sim_world_free(w);
    sim_scenario_free(sc);
    g_free(text);
  }
  g_array_free(sizes, TRUE);
  return 0;
}
