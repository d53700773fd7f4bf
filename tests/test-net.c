/*
 * test-net.c — the simulated network model (sim/net.c).
 *
 * Statistical checks use fixed seeds and state their tolerance; the
 * expected values are computed by hand from the distributions' formulas,
 * not read back from dist.c.
 */
#include <glib.h>
#include <math.h>
#include <stdint.h>

#include "net.h"

#define US UINT64_C(1000)
#define MS UINT64_C(1000000)
#define S UINT64_C(1000000000)
#define N_MSG 100000

static sim_dist
dist(sim_dist_kind kind, double a, double b)
{
  sim_dist d = { kind, a, b };
  return d;
}

static sim_net_config
config_lat(sim_dist latency)
{
  sim_net_config c = { 0 };
  c.latency = latency;
  c.jitter = dist(SIM_DIST_CONSTANT, 0, 0);
  c.nat_timeout_ns = 30 * S;
  return c;
}

static void
set_bw(sim_net *net, uint32_t node, uint64_t up_bps, uint64_t down_bps)
{
  sim_net_node a = { up_bps, down_bps, 0, false };
  sim_net_get_node(net, node, &a);
  a.up_bps = up_bps;
  a.down_bps = down_bps;
  sim_net_set_node(net, node, &a);
}

static void
set_nat(sim_net *net, uint32_t node, bool nat)
{
  sim_net_node a;
  sim_net_get_node(net, node, &a);
  a.nat = nat;
  sim_net_set_node(net, node, &a);
}

/* Mean one-way delay (ns) of N_MSG messages on an unlimited network. */
static double
mean_delay(const sim_net_config *c, uint64_t seed)
{
  sim_net *net = sim_net_new(c, 100, seed);
  double sum = 0;
  for (uint32_t i = 0; i < N_MSG; i++) {
    uint64_t now = (uint64_t)i * MS, arrive = 0;
    g_assert_cmpint(sim_net_send(net, now, i % 100, (i * 7 + 1) % 100, 100, &arrive), ==, SIM_NET_OK);
    g_assert_cmpuint(arrive, >=, now);
    sum += (double)(arrive - now);
  }
  sim_net_free(net);
  return sum / N_MSG;
}

static void
check_mean(const char *what, double got, double want, double tol)
{
  double rel = fabs(got - want) / want;
  if (g_test_verbose())
    g_test_message("%s: mean %.0f ns, expected %.0f ns (%.3f %%)", what, got, want, 100 * rel);
  if (rel > tol)
    g_error("%s: mean %.0f ns, expected %.0f ns (off by %.2f %%, tolerance %.1f %%)",
            what, got, want, 100 * rel, 100 * tol);
}

/* Mean latency within 2 % of the configured distribution's mean, for each
 * family, without jitter and with two kinds of jitter. */
static void
test_latency_means(void)
{
  struct { const char *name; sim_dist d; double mean_ns; } lat[] = {
    { "constant(50ms)", dist(SIM_DIST_CONSTANT, 50e6, 0), 50e6 },
    { "uniform(10ms, 90ms)", dist(SIM_DIST_UNIFORM, 10e6, 90e6), 50e6 },
    { "normal(100ms, 20ms)", dist(SIM_DIST_NORMAL, 100e6, 20e6), 100e6 },
    /* median * exp(sigma^2 / 2) */
    { "lognormal(50ms, 0.4)", dist(SIM_DIST_LOGNORMAL, 50e6, 0.4), 50e6 * 1.0832870676749586 },
    /* alpha x_m / (alpha - 1) */
    { "pareto(20ms, 3)", dist(SIM_DIST_PARETO, 20e6, 3.0), 30e6 },
    { "pareto(20ms, 4)", dist(SIM_DIST_PARETO, 20e6, 4.0), 20e6 * 4.0 / 3.0 },
  };
  struct { const char *name; sim_dist d; double mean_ns; } jit[] = {
    { "no jitter", dist(SIM_DIST_CONSTANT, 0, 0), 0 },
    { "jitter uniform(0, 10ms)", dist(SIM_DIST_UNIFORM, 0, 10e6), 5e6 },
    { "jitter exponential(5ms)", dist(SIM_DIST_EXPONENTIAL, 5e6, 0), 5e6 },
  };
  for (size_t i = 0; i < G_N_ELEMENTS(lat); i++) {
    for (size_t j = 0; j < G_N_ELEMENTS(jit); j++) {
      sim_net_config c = config_lat(lat[i].d);
      c.jitter = jit[j].d;
      char *what = g_strdup_printf("%s, %s", lat[i].name, jit[j].name);
      check_mean(what, mean_delay(&c, 42), lat[i].mean_ns + jit[j].mean_ns, 0.02);
      g_free(what);
    }
  }
  /* constant without jitter is exact for every message */
  sim_net_config c = config_lat(dist(SIM_DIST_CONSTANT, 50e6, 0));
  g_assert_cmpfloat(mean_delay(&c, 1), ==, 50e6);
}

/* Messages between two regions get that pair's latency (row = src). */
static void
test_region_matrix(void)
{
  enum { R = 3 };
  sim_dist m[R * R];
  for (int r = 0; r < R; r++)
    for (int k = 0; k < R; k++)
      m[r * R + k] = dist(SIM_DIST_CONSTANT, (double)((10 * r + k + 1) * MS), 0);
  m[0 * R + 2] = dist(SIM_DIST_UNIFORM, 100e6, 200e6); /* 0 -> 2: mean 150 ms */
  sim_net_config c = config_lat(dist(SIM_DIST_CONSTANT, 999e6, 0)); /* ignored */
  c.n_regions = R;
  c.region_latency = m;
  sim_net *net = sim_net_new(&c, 3 * R, 9);
  for (uint32_t n = 0; n < 3 * R; n++) {
    sim_net_node a = { 0, 0, (uint8_t)(n % R), false };
    sim_net_set_node(net, n, &a);
  }
  for (uint32_t src = 0; src < 3 * R; src++) {
    for (uint32_t dst = 0; dst < 3 * R; dst++) {
      uint32_t rs = src % R, rd = dst % R;
      if (rs == 0 && rd == 2)
        continue;
      uint64_t arrive = 0, now = 7 * S;
      g_assert_cmpint(sim_net_send(net, now, src, dst, 10, &arrive), ==, SIM_NET_OK);
      g_assert_cmpuint(arrive - now, ==, (10 * rs + rd + 1) * MS);
    }
  }
  double sum = 0;
  for (int i = 0; i < 20000; i++) {
    uint64_t arrive = 0, now = (uint64_t)i * MS;
    g_assert_cmpint(sim_net_send(net, now, 3, 5, 10, &arrive), ==, SIM_NET_OK); /* region 0 -> 2 */
    g_assert_cmpuint(arrive - now, >=, 100 * MS);
    g_assert_cmpuint(arrive - now, <=, 200 * MS);
    sum += (double)(arrive - now);
  }
  check_mean("region 0 -> 2 uniform(100ms, 200ms)", sum / 20000, 150e6, 0.02);
  sim_net_free(net);
}

static double
loss_rate(double loss, uint64_t seed)
{
  sim_net_config c = config_lat(dist(SIM_DIST_CONSTANT, 10e6, 0));
  c.loss = loss;
  sim_net *net = sim_net_new(&c, 10, seed);
  uint64_t lost = 0;
  for (uint32_t i = 0; i < N_MSG; i++) {
    uint64_t arrive;
    sim_net_verdict v = sim_net_send(net, (uint64_t)i * US, i % 10, (i + 3) % 10, 100, &arrive);
    g_assert_true(v == SIM_NET_OK || v == SIM_NET_DROP_LOSS);
    lost += v == SIM_NET_DROP_LOSS;
  }
  const sim_net_stats *st = sim_net_get_stats(net);
  g_assert_cmpuint(st->dropped[SIM_NET_DROP_LOSS], ==, lost);
  g_assert_cmpuint(st->dropped_bytes[SIM_NET_DROP_LOSS], ==, lost * 100);
  g_assert_cmpuint(st->sent, ==, N_MSG);
  sim_net_free(net);
  return (double)lost / N_MSG;
}

/* Loss rate within 0.5 percentage points; 0 and 1 are exact. */
static void
test_loss(void)
{
  g_assert_cmpfloat(fabs(loss_rate(0.1, 3) - 0.1), <=, 0.005);
  g_assert_cmpfloat(fabs(loss_rate(0.3, 3) - 0.3), <=, 0.005);
  g_assert_cmpfloat(fabs(loss_rate(0.3, 4) - 0.3), <=, 0.005);
  g_assert_cmpfloat(loss_rate(0.0, 3), ==, 0.0);
  g_assert_cmpfloat(loss_rate(1.0, 3), ==, 1.0);
}

/* Loss draws come from their own stream: adding loss never changes the
 * delay of any message (documented in net.h and docs/network.md). */
static void
test_loss_keeps_delays(void)
{
  sim_net_config c0 = config_lat(dist(SIM_DIST_UNIFORM, 10e6, 90e6));
  c0.jitter = dist(SIM_DIST_EXPONENTIAL, 2e6, 0);
  sim_net_config c1 = c0;
  c1.loss = 0.3;
  sim_net *a = sim_net_new(&c0, 10, 77), *b = sim_net_new(&c1, 10, 77);
  int dropped = 0;
  for (uint32_t i = 0; i < 10000; i++) {
    uint64_t ta = 0, tb = 0;
    g_assert_cmpint(sim_net_send(a, i * MS, i % 10, (i + 1) % 10, 50, &ta), ==, SIM_NET_OK);
    dropped += sim_net_send(b, i * MS, i % 10, (i + 1) % 10, 50, &tb) != SIM_NET_OK;
    g_assert_cmpuint(ta, ==, tb);
  }
  g_assert_cmpint(dropped, >, 2500);
  sim_net_free(a);
  sim_net_free(b);
}

/* Serialisation delay exact to the nanosecond, rounded up. */
static void
test_serialisation_exact(void)
{
  g_assert_cmpuint(sim_net_serialisation_ns(1040, 8000000), ==, 1040000);  /* 1.04 ms */
  g_assert_cmpuint(sim_net_serialisation_ns(1500, 1000000000), ==, 12000);
  g_assert_cmpuint(sim_net_serialisation_ns(1, 3), ==, 2666666667);       /* 2666666666.67 */
  g_assert_cmpuint(sim_net_serialisation_ns(1, 8000000000), ==, 1);
  g_assert_cmpuint(sim_net_serialisation_ns(1, 9000000000), ==, 1);       /* 0.89 ns up to 1 */
  g_assert_cmpuint(sim_net_serialisation_ns(0, 1000), ==, 0);
  g_assert_cmpuint(sim_net_serialisation_ns(123456, 0), ==, 0);            /* unlimited */
  /* 2^32 bytes at 10 Gbit/s = 3435973836.8 ns: needs more than 64 bits inside */
  g_assert_cmpuint(sim_net_serialisation_ns(UINT64_C(1) << 32, 10000000000), ==, 3435973837);
  g_assert_cmpuint(sim_net_serialisation_ns(UINT64_MAX, 1), ==, UINT64_MAX); /* saturates */

  /* through a send: 1000 bytes + 40 header at 8 Mbit/s, latency 0 */
  sim_net_config c = config_lat(dist(SIM_DIST_CONSTANT, 0, 0));
  c.header_bytes = 40;
  sim_net *net = sim_net_new(&c, 2, 1);
  set_bw(net, 0, 8000000, 0);
  uint64_t arrive = 0;
  g_assert_cmpint(sim_net_send(net, 5 * S, 0, 1, 1000, &arrive), ==, SIM_NET_OK);
  g_assert_cmpuint(arrive, ==, 5 * S + 1040 * US);
  g_assert_false(sim_net_has_download_stage(net));
  g_assert_cmpuint(sim_net_arrive(net, arrive, 1, 1000), ==, arrive);
  sim_net_free(net);
}

/* Back-to-back sends queue on the upload link; a drained link does not
 * delay; unlimited bandwidth never delays. */
static void
test_upload_queue(void)
{
  sim_net_config c = config_lat(dist(SIM_DIST_CONSTANT, 30e6, 0));
  c.header_bytes = 40;
  sim_net *net = sim_net_new(&c, 3, 1);
  set_bw(net, 0, 8000000, 0);
  const uint64_t ser = 1040 * US, t0 = 2 * S;
  for (uint64_t k = 1; k <= 10; k++) {
    uint64_t arrive = 0;
    /* k-th message starts after k-1 serialisations, arrives after k */
    g_assert_cmpint(sim_net_send(net, t0, 0, 1 + (k & 1), 1000, &arrive), ==, SIM_NET_OK);
    g_assert_cmpuint(arrive, ==, t0 + k * ser + 30 * MS);
  }
  /* sent while the queue still holds 1.04 ms of work */
  uint64_t arrive = 0;
  sim_net_send(net, t0 + 9 * ser, 0, 1, 1000, &arrive);
  g_assert_cmpuint(arrive, ==, t0 + 11 * ser + 30 * MS);
  /* the queue has drained by then */
  sim_net_send(net, t0 + S, 0, 1, 1000, &arrive);
  g_assert_cmpuint(arrive, ==, t0 + S + ser + 30 * MS);
  /* node 1 is unlimited: no serialisation, no queue */
  for (int k = 0; k < 5; k++) {
    sim_net_send(net, t0, 1, 2, 1000000, &arrive);
    g_assert_cmpuint(arrive, ==, t0 + 30 * MS);
  }
  /* a crash empties the queue */
  for (int k = 0; k < 100; k++)
    sim_net_send(net, 10 * S, 0, 1, 1000, &arrive);
  sim_net_reset_node(net, 0);
  sim_net_send(net, 10 * S, 0, 1, 1000, &arrive);
  g_assert_cmpuint(arrive, ==, 10 * S + ser + 30 * MS);
  sim_net_free(net);
}

/* The download queue is served in arrival order: a message that arrives
 * first is not delayed behind one that was sent earlier but arrives later. */
static void
test_download_arrival_order(void)
{
  sim_dist m[9];
  for (int i = 0; i < 9; i++)
    m[i] = dist(SIM_DIST_CONSTANT, 1e6, 0);
  m[0 * 3 + 2] = dist(SIM_DIST_CONSTANT, 100e6, 0); /* region 0 -> 2: 100 ms */
  m[1 * 3 + 2] = dist(SIM_DIST_CONSTANT, 10e6, 0);  /* region 1 -> 2: 10 ms */
  sim_net_config c = config_lat(dist(SIM_DIST_CONSTANT, 0, 0));
  c.n_regions = 3;
  c.region_latency = m;
  c.header_bytes = 40;
  sim_net *net = sim_net_new(&c, 3, 1);
  for (uint32_t n = 0; n < 3; n++) {
    sim_net_node a = { 0, n == 2 ? 8000000 : 0, (uint8_t)n, false };
    sim_net_set_node(net, n, &a);
  }
  g_assert_true(sim_net_has_download_stage(net));
  const uint64_t ser = 1040 * US;
  uint64_t a_arr = 0, b_arr = 0;
  g_assert_cmpint(sim_net_send(net, 0, 0, 2, 1000, &a_arr), ==, SIM_NET_OK);       /* A: sent first */
  g_assert_cmpint(sim_net_send(net, 5 * MS, 1, 2, 1000, &b_arr), ==, SIM_NET_OK);  /* B: arrives first */
  g_assert_cmpuint(a_arr, ==, 100 * MS);
  g_assert_cmpuint(b_arr, ==, 15 * MS);
  /* the engine calls sim_net_arrive in arrival order: B, then A */
  g_assert_cmpuint(sim_net_arrive(net, b_arr, 2, 1000), ==, 15 * MS + ser);
  g_assert_cmpuint(sim_net_arrive(net, a_arr, 2, 1000), ==, 100 * MS + ser);
  /* three arriving together queue behind each other */
  for (uint64_t k = 1; k <= 3; k++)
    g_assert_cmpuint(sim_net_arrive(net, S, 2, 1000), ==, S + k * ser);
  /* ... and one arriving mid-queue waits for the rest */
  g_assert_cmpuint(sim_net_arrive(net, S + ser, 2, 1000), ==, S + 4 * ser);
  /* unlimited download: delivered on arrival */
  g_assert_cmpuint(sim_net_arrive(net, S, 1, 1000), ==, S);
  /* a crash empties the download queue */
  for (int k = 0; k < 50; k++)
    sim_net_arrive(net, 2 * S, 2, 1000);
  sim_net_reset_node(net, 2);
  g_assert_cmpuint(sim_net_arrive(net, 2 * S, 2, 1000), ==, 2 * S + ser);
  const sim_net_stats *st = sim_net_get_stats(net);
  g_assert_cmpuint(st->arrived, ==, 2 + 4 + 1 + 51);
  g_assert_cmpuint(st->arrived_bytes, ==, 1000 * (2 + 4 + 1 + 51));
  /* back to unlimited download everywhere: no download stage */
  sim_net_node a = { 0, 0, 2, false };
  sim_net_set_node(net, 2, &a);
  g_assert_false(sim_net_has_download_stage(net));
  sim_net_free(net);
}

static sim_net_verdict
send_at(sim_net *net, uint64_t now, uint32_t src, uint32_t dst)
{
  uint64_t arrive;
  return sim_net_send(net, now, src, dst, 64, &arrive);
}

/* NAT: unsolicited inbound dropped, replies accepted while the path is
 * open, paths expire, NAT-to-NAT never works, a reset clears paths. */
static void
test_nat(void)
{
  sim_net_config c = config_lat(dist(SIM_DIST_CONSTANT, 10e6, 0));
  c.nat_timeout_ns = 30 * S;
  sim_net *net = sim_net_new(&c, 4, 1);
  set_nat(net, 0, true);
  set_nat(net, 2, true);
  /* 1, 3 public */
  g_assert_cmpint(send_at(net, 0, 1, 0), ==, SIM_NET_DROP_NAT);    /* unsolicited */
  g_assert_cmpint(send_at(net, 1 * S, 0, 1), ==, SIM_NET_OK);      /* NAT'd can send out */
  g_assert_cmpint(send_at(net, 2 * S, 1, 0), ==, SIM_NET_OK);      /* reply accepted */
  g_assert_cmpint(send_at(net, 2 * S, 3, 0), ==, SIM_NET_DROP_NAT); /* path is per remote */
  g_assert_cmpint(send_at(net, 2 * S, 1, 3), ==, SIM_NET_OK);      /* public to public */
  /* open until last send + timeout, exclusive */
  g_assert_cmpint(send_at(net, 31 * S - 1, 1, 0), ==, SIM_NET_OK);
  g_assert_cmpint(send_at(net, 31 * S, 1, 0), ==, SIM_NET_DROP_NAT);
  /* each send refreshes the path */
  g_assert_cmpint(send_at(net, 40 * S, 0, 1), ==, SIM_NET_OK);
  g_assert_cmpint(send_at(net, 60 * S, 0, 1), ==, SIM_NET_OK);
  g_assert_cmpint(send_at(net, 89 * S, 1, 0), ==, SIM_NET_OK);
  g_assert_cmpint(send_at(net, 90 * S, 1, 0), ==, SIM_NET_DROP_NAT);
  /* NAT to NAT: dropped both ways even after both sent */
  g_assert_cmpint(send_at(net, 100 * S, 0, 2), ==, SIM_NET_DROP_NAT);
  g_assert_cmpint(send_at(net, 100 * S, 2, 0), ==, SIM_NET_DROP_NAT);
  g_assert_cmpint(send_at(net, 101 * S, 0, 2), ==, SIM_NET_DROP_NAT);
  /* reset clears paths */
  g_assert_cmpint(send_at(net, 200 * S, 0, 1), ==, SIM_NET_OK);
  g_assert_cmpint(send_at(net, 201 * S, 1, 0), ==, SIM_NET_OK);
  sim_net_reset_node(net, 0);
  g_assert_cmpint(send_at(net, 202 * S, 1, 0), ==, SIM_NET_DROP_NAT);
  /* leaving NAT accepts everything; coming back starts with no paths */
  g_assert_cmpint(send_at(net, 210 * S, 0, 1), ==, SIM_NET_OK);
  set_nat(net, 0, false);
  g_assert_cmpint(send_at(net, 211 * S, 3, 0), ==, SIM_NET_OK);
  set_nat(net, 0, true);
  g_assert_cmpint(send_at(net, 212 * S, 1, 0), ==, SIM_NET_DROP_NAT);
  const sim_net_stats *st = sim_net_get_stats(net);
  g_assert_cmpuint(st->dropped[SIM_NET_DROP_NAT], ==, 9);
  g_assert_cmpuint(st->dropped[SIM_NET_DROP_LOSS], ==, 0);
  g_assert_cmpuint(st->sent, ==, 20);
  sim_net_free(net);
}

/* A NAT'd node with many open paths: each is found, expired ones go when
 * the table would pass three quarters full, and the memory follows. */
static void
test_nat_many_paths(void)
{
  enum { N = 3001 };
  sim_net_config c = config_lat(dist(SIM_DIST_CONSTANT, 1e6, 0));
  c.nat_timeout_ns = 10 * S;
  sim_net *net = sim_net_new(&c, N, 1);
  set_nat(net, 0, true);
  size_t m0 = sim_net_memory(net);
  /* open paths to 1..2000 in a scrambled order */
  for (uint32_t i = 0; i < 2000; i++)
    g_assert_cmpint(send_at(net, S, 0, 1 + (i * 7919) % 2000), ==, SIM_NET_OK);
  size_t m1 = sim_net_memory(net);
  g_assert_cmpuint(m1, >=, m0 + 2000 * 12);
  for (uint32_t r = 1; r <= 2000; r++)
    g_assert_cmpint(send_at(net, 2 * S, r, 0), ==, SIM_NET_OK);
  for (uint32_t r = 2001; r < N; r++)
    g_assert_cmpint(send_at(net, 2 * S, r, 0), ==, SIM_NET_DROP_NAT);
  /* later, paths to 2001..3100 only: the 2000 expired ones are pruned when
   * the table would pass three quarters full (at the 1073rd new path), so
   * the 3100 paths ever opened never need a larger table */
  for (uint32_t r = 2001; r <= 3100; r++)
    g_assert_cmpint(send_at(net, 20 * S, 0, r % N), ==, SIM_NET_OK);
  g_assert_cmpuint(sim_net_memory(net), <=, m1);
  for (uint32_t r = 0; r < N; r++)
    g_assert_cmpint(send_at(net, 21 * S, r, 0), ==,
                    r > 2000 || r < 100 ? SIM_NET_OK : SIM_NET_DROP_NAT);
  sim_net_reset_node(net, 0);
  g_assert_cmpuint(sim_net_memory(net), <=, m0 + 64 * 16); /* the slot array stays */
  sim_net_free(net);
}

/* Partitions: cross-group dropped, same-group passes, heal restores,
 * sim_net_partitioned follows the current state. */
static void
test_partition(void)
{
  sim_net_config c = config_lat(dist(SIM_DIST_CONSTANT, 10e6, 0));
  sim_net *net = sim_net_new(&c, 4, 1);
  size_t m0 = sim_net_memory(net);
  uint64_t inflight = 0;
  g_assert_cmpint(sim_net_send(net, 0, 0, 2, 10, &inflight), ==, SIM_NET_OK);
  g_assert_false(sim_net_partitioned(net, 0, 2));
  const uint16_t groups[4] = { 0, 0, 1, 1 };
  sim_net_partition(net, groups);
  g_assert_cmpuint(sim_net_memory(net), ==, m0 + 4 * sizeof(uint16_t));
  /* the message in flight now crosses the partition: the engine drops it */
  g_assert_true(sim_net_partitioned(net, 0, 2));
  sim_net_drop_in_flight(net, SIM_NET_DROP_PARTITION, 10);
  g_assert_cmpint(send_at(net, S, 0, 2), ==, SIM_NET_DROP_PARTITION);
  g_assert_cmpint(send_at(net, S, 3, 1), ==, SIM_NET_DROP_PARTITION);
  g_assert_cmpint(send_at(net, S, 0, 1), ==, SIM_NET_OK);
  g_assert_cmpint(send_at(net, S, 3, 2), ==, SIM_NET_OK);
  g_assert_false(sim_net_partitioned(net, 2, 3));
  g_assert_true(sim_net_partitioned(net, 2, 1));
  /* regroup */
  const uint16_t groups2[4] = { 7, 3, 7, 3 };
  sim_net_partition(net, groups2);
  g_assert_false(sim_net_partitioned(net, 0, 2));
  g_assert_true(sim_net_partitioned(net, 0, 1));
  g_assert_cmpint(send_at(net, 2 * S, 0, 2), ==, SIM_NET_OK);
  g_assert_cmpint(send_at(net, 2 * S, 0, 1), ==, SIM_NET_DROP_PARTITION);
  /* heal */
  sim_net_partition(net, NULL);
  g_assert_cmpuint(sim_net_memory(net), ==, m0);
  for (uint32_t s = 0; s < 4; s++)
    for (uint32_t d = 0; d < 4; d++) {
      g_assert_false(sim_net_partitioned(net, s, d));
      g_assert_cmpint(send_at(net, 3 * S, s, d), ==, SIM_NET_OK);
    }
  const sim_net_stats *st = sim_net_get_stats(net);
  g_assert_cmpuint(st->dropped[SIM_NET_DROP_PARTITION], ==, 4);
  g_assert_cmpuint(st->dropped_bytes[SIM_NET_DROP_PARTITION], ==, 10 + 3 * 64);
  g_assert_cmpuint(st->sent, ==, 1 + 4 + 2 + 16);
  g_assert_cmpuint(st->sent_bytes, ==, 10 + 64 * (4 + 2 + 16));
  sim_net_free(net);
}

/* Run a fixed mixed workload; return the verdicts and arrival times. */
static void
workload(uint64_t seed, uint64_t *arrive, sim_net_verdict *verdict, int n)
{
  sim_net_config c = config_lat(dist(SIM_DIST_LOGNORMAL, 40e6, 0.5));
  c.jitter = dist(SIM_DIST_UNIFORM, 0, 5e6);
  c.loss = 0.05;
  c.header_bytes = 28;
  sim_net *net = sim_net_new(&c, 50, seed);
  for (uint32_t i = 0; i < 50; i++) {
    sim_net_node a = { i % 3 ? 10000000 : 0, i % 2 ? 20000000 : 0, 0, i % 7 == 0 };
    sim_net_set_node(net, i, &a);
  }
  for (int i = 0; i < n; i++) {
    uint32_t src = (uint32_t)(i * 13) % 50, dst = (uint32_t)(i * 29 + 1) % 50;
    verdict[i] = sim_net_send(net, (uint64_t)i * 100 * US, src, dst, 100 + (uint32_t)i % 1400, &arrive[i]);
  }
  sim_net_free(net);
}

/* Same seed and sends: identical; another seed: different. */
static void
test_determinism(void)
{
  enum { N = 5000 };
  uint64_t *a1 = g_new(uint64_t, N), *a2 = g_new(uint64_t, N), *a3 = g_new(uint64_t, N);
  sim_net_verdict *v1 = g_new(sim_net_verdict, N), *v2 = g_new(sim_net_verdict, N),
                  *v3 = g_new(sim_net_verdict, N);
  workload(11, a1, v1, N);
  workload(11, a2, v2, N);
  workload(12, a3, v3, N);
  int differ_arrive = 0, differ_verdict = 0, ok = 0;
  for (int i = 0; i < N; i++) {
    g_assert_cmpuint(a1[i], ==, a2[i]);
    g_assert_cmpint(v1[i], ==, v2[i]);
    ok += v1[i] == SIM_NET_OK;
    differ_arrive += a1[i] != a3[i];
    differ_verdict += v1[i] != v3[i];
  }
  g_assert_cmpint(ok, >, N / 2);
  g_assert_cmpint(differ_arrive, >, N * 9 / 10);
  g_assert_cmpint(differ_verdict, >, 0);
  g_free(a1); g_free(a2); g_free(a3);
  g_free(v1); g_free(v2); g_free(v3);
}

/* A million nodes fit in 24 bytes each, however many bandwidth tiers. */
static void
test_memory(void)
{
  enum { N = 1000000 };
  sim_net_config c = config_lat(dist(SIM_DIST_CONSTANT, 10e6, 0));
  sim_net *net = sim_net_new(&c, N, 1);
  for (uint32_t i = 0; i < N; i++) {
    sim_net_node a = { 1000000 * (1 + i % 10), 5000000 * (1 + i % 4), 0, i % 2 == 0 };
    sim_net_set_node(net, i, &a);
  }
  sim_net_node got;
  sim_net_get_node(net, 123457, &got);
  g_assert_cmpuint(got.up_bps, ==, 8000000);
  g_assert_cmpuint(got.down_bps, ==, 10000000);
  g_assert_false(got.nat);
  size_t m = sim_net_memory(net);
  if (g_test_verbose())
    g_test_message("%u nodes: %zu bytes (%.2f per node)", N, m, (double)m / N);
  g_assert_cmpuint(m, >=, (size_t)N * 24);
  g_assert_cmpuint(m, <, (size_t)N * 24 + 16384);
  sim_net_free(net);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/net/latency-means", test_latency_means);
  g_test_add_func("/net/region-matrix", test_region_matrix);
  g_test_add_func("/net/loss", test_loss);
  g_test_add_func("/net/loss-keeps-delays", test_loss_keeps_delays);
  g_test_add_func("/net/serialisation-exact", test_serialisation_exact);
  g_test_add_func("/net/upload-queue", test_upload_queue);
  g_test_add_func("/net/download-arrival-order", test_download_arrival_order);
  g_test_add_func("/net/nat", test_nat);
  g_test_add_func("/net/nat-many-paths", test_nat_many_paths);
  g_test_add_func("/net/partition", test_partition);
  g_test_add_func("/net/determinism", test_determinism);
  g_test_add_func("/net/memory", test_memory);
  return g_test_run();
}
