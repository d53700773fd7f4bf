/*
 * bench-gossip.c — gossip at scale: N subscribers, M messages.  Prints,
 * per population size: wall time (whole run, and the dissemination phase
 * alone), deliveries, deliveries per wall second (whole run and phase),
 * events (whole run and phase), the host's, the cores' and the gossip
 * layer's bytes per node (accounted), resident bytes per node (measured),
 * peak RSS, the delivery ratio and latency as a check that the work was
 * done, and the kad lookups finished (--kad).
 *
 *   bench-gossip [--messages 200] [--mode mesh] [--size 256] [--peers 10]
 *                [--batch-window 0ms] [--join S] [--settle S] [--spread S]
 *                [--drain S] [--kad] [--idle] [--progress] N...
 *                (default N: 10000 100000)
 *
 * Workload: N honest nodes join through 32 bootstrap peers over a window
 * of --join seconds (default: 10 s plus 1 s per 20,000 nodes), keep
 * |peers| connections each (10 s heartbeats), and all subscribe to one
 * topic.  --settle (10) seconds after the last join, M messages of |size|
 * bytes are published by random nodes, spread evenly over --spread (20)
 * seconds; the run ends --drain (15) seconds after the last.  Every message is signed by its publisher and checked
 * by every receiver (through the host's verification memo: real Ed25519
 * once per distinct signature).  A delivery is the first receipt of a
 * message by a subscriber (gossip.deliveries, ground truth of the host).
 * Latency lognormal(40ms, 0.5), no loss, unlimited bandwidth.
 *
 * --idle runs the same scenario without the publications: what remains
 * (joins, peer-layer upkeep, heartbeats, and kad with --kad) is the
 * background, and phase_s / phase_ev of an idle run are the share of the
 * dissemination phase's wall time and events that the messages did not
 * cause.  Dissemination alone = the normal run's figures minus the idle
 * run's (docs/gossip.md "Scale").
 *
 * --kad adds discovery alongside (the issue-5 memory goal: 1M nodes with
 * kad and gossip together): [protocol.kad] mode kademlia, k = bucket_size =
 * 20 (the 1M-node figure of bench-kad), alpha 3, every routing table filled
 * from the true membership at start (bootstrap = oracle: a static network
 * as bench-kad's, without a join storm of lookups), the other kad keys at
 * their defaults, and a lookup load of the PeerSim workload's rate, one
 * lookup per node per simulated hour (N / 3600 random-key lookups a second,
 * at least 1), from t = 1 s to the end.  The figures then include both
 * layers (core_B/n adds the routing tables; lookups finished are printed).
 *
 * --progress prints a line on stderr every 30 s of wall time (virtual
 * time reached, events, resident and peak memory): a 1M-node run takes
 * the better part of an hour.
 *
 * The machine may be shared: cpu_s (user + system CPU of the run) and
 * deliveries per CPU second are the figures that do not depend on what
 * else runs.  Peak RSS is the process's: run one N per invocation for a
 * clean figure of each size.  A benchmark, not a test: it asserts nothing
 * about speed.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "gossip.h"
#include "scenario.h"
#include "wallclock.h"
#include "world.h"

typedef struct phase {
  uint64_t start_ns;  /* virtual time the dissemination phase starts */
  double wall_s;      /* wall seconds into the run when it did (-1: not yet) */
  uint64_t events;    /* events processed by then */
  bool progress;      /* --progress: a line on stderr every 30 s of wall time */
  double printed_s;   /* wall seconds of the last such line */
} phase;

/* User + system CPU seconds of this process so far. */
static double
cpu_seconds(void)
{
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

static void
on_progress(const sim_progress *p, void *user_data)
{
  phase *ph = user_data;
  if (ph->wall_s < 0 && p->now_ns >= ph->start_ns) {
    ph->wall_s = p->wall_s;
    ph->events = p->events;
  }
  if (ph->progress && p->wall_s - ph->printed_s >= 30) {
    ph->printed_s = p->wall_s;
    fprintf(stderr, "# %.0f s wall: virtual %.1f of %.1f s, %" G_GUINT64_FORMAT " events, rss %.0f MiB, peak %.0f MiB\n",
            p->wall_s, p->now_ns / 1e9, p->duration_ns / 1e9, p->events,
            sim_rss_bytes() / 1048576.0, sim_peak_rss_bytes() / 1048576.0);
  }
}

int
main(int argc, char **argv)
{
  unsigned messages = 200, size = 256, peers = 10;
  const char *mode = "mesh", *batch = "0ms";
  unsigned join_opt = 0, settle_s = 10, spread_s = 20, drain_s = 15;
  bool kad = false, idle = false, progress = false;
  GArray *sizes = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--messages") && i + 1 < argc) {
      messages = (unsigned)strtoul(argv[++i], NULL, 10);
    } else if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
      mode = argv[++i];
    } else if (!strcmp(argv[i], "--size") && i + 1 < argc) {
      size = (unsigned)strtoul(argv[++i], NULL, 10);
    } else if (!strcmp(argv[i], "--peers") && i + 1 < argc) {
      peers = (unsigned)strtoul(argv[++i], NULL, 10);
    } else if (!strcmp(argv[i], "--batch-window") && i + 1 < argc) {
      batch = argv[++i];
    } else if (!strcmp(argv[i], "--join") && i + 1 < argc) {
      join_opt = (unsigned)strtoul(argv[++i], NULL, 10);
    } else if (!strcmp(argv[i], "--settle") && i + 1 < argc) {
      settle_s = (unsigned)strtoul(argv[++i], NULL, 10);
    } else if (!strcmp(argv[i], "--spread") && i + 1 < argc) {
      spread_s = (unsigned)strtoul(argv[++i], NULL, 10);
    } else if (!strcmp(argv[i], "--drain") && i + 1 < argc) {
      drain_s = (unsigned)strtoul(argv[++i], NULL, 10);
    } else if (!strcmp(argv[i], "--kad")) {
      kad = true;
    } else if (!strcmp(argv[i], "--idle")) {
      idle = true;
    } else if (!strcmp(argv[i], "--progress")) {
      progress = true;
    } else {
      uint32_t n = (uint32_t)strtoul(argv[i], NULL, 10);
      if (!n) {
        fprintf(stderr, "usage: bench-gossip [--messages M] [--mode MODE] [--size BYTES] "
                        "[--peers P] [--batch-window D] [--join S] [--settle S] [--spread S] "
                        "[--drain S] [--kad] [--idle] [--progress] N...\n");
        return 2;
      }
      g_array_append_val(sizes, n);
    }
  }
  if (!messages || !peers || !spread_s) {
    fprintf(stderr, "bench-gossip: --messages, --peers and --spread must be at least 1\n");
    return 2;
  }
  if (!sizes->len) {
    uint32_t d[] = {10000, 100000};
    g_array_append_vals(sizes, d, G_N_ELEMENTS(d));
  }
  printf("# mode %s, %u messages of %u B, %u peers, batch window %s, settle %u s, spread %u s, "
         "drain %u s%s%s\n", mode, messages, size, peers, batch, settle_s, spread_s, drain_s,
         kad ? ", kad k=20 (oracle tables, N/3600 lookups/s)" : "",
         idle ? ", IDLE: nothing published (the background alone)" : "");
  printf("%9s %8s %8s %8s %11s %11s %11s %11s %11s %11s %8s %8s %8s %8s %8s %6s %7s %8s\n",
         "nodes",
         "wall_s", "phase_s", "cpu_s", "deliveries", "deliv/s", "phase_dl/s", "deliv/cpu_s",
         "events", "phase_ev", "host_B/n", "core_B/n", "goss_B/n", "rss_B/n", "peak_MiB", "ratio", "p99_ms",
         "lookups");
  for (guint i = 0; i < sizes->len; i++) {
    uint32_t n = g_array_index(sizes, uint32_t, i);
    unsigned join_s = join_opt ? join_opt : 10 + n / 20000;
    unsigned pub_s = join_s + settle_s, spread_ms = spread_s * 1000;
    unsigned every_ms = spread_ms / messages ? spread_ms / messages : 1;
    unsigned end_s = pub_s + spread_s + drain_s;
    char *kad_text =
        kad ? g_strdup_printf("[protocol.kad]\nmode = kademlia\nbootstrap = oracle\nk = 20\n"
                              "bucket_size = 20\nalpha = 3\n"
                              "[event.lookups]\nat = 1s\naction = command\ncommand = lookup\n"
                              "count = %u\nevery = 1s\n",
                              MAX(n / 3600, 1u))
            : g_strdup("");
    char *pub_text =
        idle ? g_strdup("")
             : g_strdup_printf("[event.publish]\nat = %us\naction = command\ncommand = publish\n"
                               "topic = 0\nsize = %uB\ncount = 1\nevery = %ums\nuntil = %ums\n",
                               pub_s, size, every_ms, pub_s * 1000 + every_ms * messages);
    char *text = g_strdup_printf(
        "[run]\nname = bench-gossip\nseed = 1\nduration = %us\nsample_interval = 10s\n"
        "[network]\nlatency = lognormal(40ms, 0.5)\n"
        "[protocol.peer]\nbootstrap = 32\ntarget_peers = %u\nmax_peers = %u\n"
        "max_inbound = %u\nmax_outbound = %u\n"
        "[protocol.gossip]\nmode = %s\nheartbeat = 1s\nseen_ttl = 60s\nstore_ttl = 30s\n"
        "batch_window = %s\nsubscribe = 0\n"
        "[population.subscribers]\ncount = %u\njoin_at = uniform(0s, %us)\n%s%s",
        end_s, peers, 2 * peers, peers + peers / 2, peers, mode, batch, n, join_s, pub_text,
        kad_text);
    g_free(kad_text);
    g_free(pub_text);
    GError *error = NULL;
    sim_scenario *sc = sim_scenario_load_data(text, "bench-gossip", NULL, NULL, &error);
    if (!sc) {
      fprintf(stderr, "bench-gossip: %s\n", error->message);
      return 1;
    }
    phase ph = {.start_ns = (uint64_t)pub_s * 1000000000u, .wall_s = -1, .progress = progress};
    sim_world_options opt = {.progress_cb = on_progress, .user_data = &ph};
    uint64_t rss0 = sim_rss_bytes();
    double cpu0 = cpu_seconds();
    sim_world *w = sim_world_new(sc, &opt, &error);
    if (!w || sim_world_run(w, &error) != SIM_RUN_COMPLETE) {
      fprintf(stderr, "bench-gossip: %s\n", error ? error->message : "run failed");
      return 1;
    }
    uint64_t rss1 = sim_rss_bytes();
    double cpu = cpu_seconds() - cpu0;
    const sim_metrics *m = sim_world_metrics(w);
    double wall = sim_world_wall_s(w);
    double phase_s = ph.wall_s >= 0 ? wall - ph.wall_s : wall;
    double deliveries = sim_metrics_stat(m, "gossip.deliveries", SIM_STAT_SUM);
    size_t gossip_bytes = 0;
    for (uint32_t h = 0; h < n; h++) {
      const pl_node *node = sim_world_node(w, h);
      if (node != NULL)
        gossip_bytes += pl_gossip_memory(node);
    }
    printf("%9u %8.2f %8.2f %8.2f %11.0f %11.0f %11.0f %11.0f %11" G_GUINT64_FORMAT
           " %11" G_GUINT64_FORMAT " %8.0f %8.0f %8.0f %8.0f %8.1f %6.4f %7.1f %8.0f\n",
           n, wall, phase_s, cpu, deliveries, deliveries / wall, deliveries / phase_s,
           deliveries / cpu, sim_world_events(w), sim_world_events(w) - ph.events, (double)sim_world_host_memory(w) / n,
           (double)sim_world_core_memory(w) / n, (double)gossip_bytes / n,
           (double)(rss1 - rss0) / n,
           (double)sim_peak_rss_bytes() / (1 << 20),
           sim_metrics_stat(m, "gossip.delivery.ratio", SIM_STAT_MEAN),
           sim_metrics_stat(m, "gossip.delivery.latency_ms", SIM_STAT_P99),
           sim_metrics_stat(m, "dht.lookup.done", SIM_STAT_SUM));
    fflush(stdout);
    sim_world_free(w);
    sim_scenario_free(sc);
    g_free(text);
  }
  g_array_free(sizes, TRUE);
  return 0;
}
