/*
 * test-kad-sim.c — the simulator's side of the discovery layer: the
 * ground-truth index (sim/kad_truth.c) against brute force, [protocol.kad]
 * and the attack keys of the scenario loader, Sybil id budgets and
 * grinding, fake-ad claims, the colluders' answers, and whole runs of
 * small DHTs (oracle and join bootstrap, lookup success, eclipse metrics,
 * minted Sybil counts, prefix limits, determinism).
 */
#include <glib.h>
#include <string.h>

#include "attack_eclipse.h"
#include "attack_fakeads.h"
#include "attack_sybil.h"
#include "identity.h"
#include "kad.h"
#include "kad_truth.h"
#include "metrics.h"
#include "rng.h"
#include "scenario.h"
#include "testutil.h"
#include "world.h"

/* ------------------------------------------------------------ truth index */

typedef struct ids {
  uint8_t (*id)[PL_ID_BYTES];
  uint32_t n;
} ids;

static const uint8_t *
ids_of(uint32_t h, void *user_data)
{
  ids *x = user_data;
  g_assert(h < x->n);
  return x->id[h];
}

static void
random_ids(ids *x, uint32_t n, uint64_t seed)
{
  sim_rng r;
  sim_rng_init(&r, seed, "test-ids", 0);
  x->n = n;
  x->id = g_malloc((size_t)n * PL_ID_BYTES);
  for (uint32_t h = 0; h < n; h++)
    for (int i = 0; i < PL_ID_BYTES; i += 8) {
      uint64_t v = sim_rng_next(&r);
      memcpy(x->id[h] + i, &v, 8);
    }
}

/* Brute force: live handle closest to |key| (smallest XOR). */
static uint32_t
brute_closest(const ids *x, const bool *live, const uint8_t *key)
{
  uint32_t best = PL_PEER_NONE;
  for (uint32_t h = 0; h < x->n; h++) {
    if (!live[h])
      continue;
    if (best == PL_PEER_NONE || pl_kad_distance_cmp(x->id[h], x->id[best], key) < 0)
      best = h;
  }
  return best;
}

static void
test_truth_closest(void)
{
  ids x;
  random_ids(&x, 3000, 7);
  uint32_t *handles = g_new(uint32_t, x.n);
  for (uint32_t h = 0; h < x.n; h++)
    handles[h] = h;
  sim_kad_truth *t = sim_kad_truth_new(handles, x.n, ids_of, &x);
  g_assert_cmpuint(sim_kad_truth_count(t), ==, 3000);
  uint8_t key[PL_ID_BYTES] = {0};
  g_assert_cmpuint(sim_kad_truth_closest(t, key), ==, PL_PEER_NONE); /* nobody live */
  bool *live = g_new0(bool, x.n);
  sim_rng r;
  sim_rng_init(&r, 3, "test-live", 0);
  for (uint32_t h = 0; h < x.n; h++) {
    live[h] = sim_rng_chance(&r, 0.3);
    g_assert_true(sim_kad_truth_set_live(t, h, live[h]));
  }
  /* sorted by id */
  for (uint32_t p = 1; p < x.n; p++)
    g_assert_cmpint(memcmp(x.id[sim_kad_truth_at(t, p - 1)], x.id[sim_kad_truth_at(t, p)],
                           PL_ID_BYTES), <, 0);
  for (int q = 0; q < 2000; q++) {
    for (int i = 0; i < PL_ID_BYTES; i += 8) {
      uint64_t v = sim_rng_next(&r);
      memcpy(key + i, &v, 8);
    }
    if (q % 3 == 0) /* keys next to a member: shared long prefixes */
      memcpy(key, x.id[sim_rng_below(&r, x.n)], 4 + q % 20);
    uint32_t best = brute_closest(&x, live, key);
    g_assert_cmpuint(sim_kad_truth_closest(t, key), ==, best);
    /* the same with the closest one (or a non-live member) left out */
    uint32_t except = best != PL_PEER_NONE ? best : (uint32_t)q;
    bool was = live[except];
    live[except] = false;
    g_assert_cmpuint(sim_kad_truth_closest_except(t, key, except), ==,
                     brute_closest(&x, live, key));
    live[except] = was;
    g_assert_cmpuint(sim_kad_truth_is_live(t, except), ==, was); /* left unchanged */
    if (q % 50 == 0) { /* churn */
      uint32_t h = (uint32_t)sim_rng_below(&r, x.n);
      live[h] = !live[h];
      sim_kad_truth_set_live(t, h, live[h]);
    }
  }
  uint32_t count = 0;
  for (uint32_t h = 0; h < x.n; h++)
    count += live[h];
  g_assert_cmpuint(sim_kad_truth_live_count(t), ==, count);
  g_assert_false(sim_kad_truth_set_live(t, 5000, true)); /* not a member */
  g_assert_false(sim_kad_truth_is_live(t, 5000));
  /* everyone live (the static network's range counts): leaving one out */
  for (uint32_t h = 0; h < x.n; h++) {
    live[h] = true;
    sim_kad_truth_set_live(t, h, true);
  }
  for (int q = 0; q < 200; q++) {
    memcpy(key, x.id[sim_rng_below(&r, x.n)], PL_ID_BYTES);
    key[PL_ID_BYTES - 1 - q % 8] ^= (uint8_t)(1u + q);
    uint32_t best = brute_closest(&x, live, key);
    live[best] = false;
    g_assert_cmpuint(sim_kad_truth_closest_except(t, key, best), ==,
                     brute_closest(&x, live, key));
    live[best] = true;
    g_assert_cmpuint(sim_kad_truth_closest_except(t, key, 5000), ==, best); /* non-member */
  }
  sim_kad_truth_free(t);
  g_free(live);
  g_free(handles);
  g_free(x.id);
}

static void
test_truth_prefix_range(void)
{
  ids x;
  random_ids(&x, 1000, 11);
  uint32_t handles[500];
  for (uint32_t i = 0; i < 500; i++)
    handles[i] = 2 * i; /* members: even handles only */
  sim_kad_truth *t = sim_kad_truth_new(handles, 500, ids_of, &x);
  sim_rng r;
  sim_rng_init(&r, 5, "test-prefix", 0);
  for (int q = 0; q < 300; q++) {
    const uint8_t *key = x.id[sim_rng_below(&r, x.n)];
    unsigned bits = (unsigned)sim_rng_below(&r, 14);
    uint32_t lo, hi, want = 0;
    uint32_t got = sim_kad_truth_prefix_range(t, key, bits, &lo, &hi);
    for (uint32_t i = 0; i < 500; i++)
      want += pl_kad_common_prefix(x.id[handles[i]], key) >= bits;
    g_assert_cmpuint(got, ==, want);
    for (uint32_t p = lo; p < hi; p++)
      g_assert_cmpuint(pl_kad_common_prefix(x.id[sim_kad_truth_at(t, p)], key), >=, bits);
  }
  /* walking down the trie by splits gives the prefix ranges */
  uint32_t slo = 0, shi = 500;
  for (unsigned bit = 0; bit < 12; bit++) {
    uint32_t plo, phi;
    sim_kad_truth_prefix_range(t, x.id[0], bit, &plo, &phi);
    g_assert_cmpuint(plo, ==, slo);
    g_assert_cmpuint(phi, ==, shi);
    uint32_t mid = sim_kad_truth_split(t, slo, shi, bit);
    for (uint32_t p = slo; p < shi; p++)
      g_assert_cmpuint((x.id[sim_kad_truth_at(t, p)][bit / 8] >> (7 - bit % 8)) & 1, ==,
                       p >= mid);
    if ((x.id[0][bit / 8] >> (7 - bit % 8)) & 1)
      slo = mid;
    else
      shi = mid;
  }
  uint32_t lo, hi;
  g_assert_cmpuint(sim_kad_truth_prefix_range(t, x.id[0], 0, &lo, &hi), ==, 500);
  g_assert_cmpuint(sim_kad_truth_prefix_range(t, x.id[0], 256, &lo, &hi), ==, 1);
  g_assert_cmpuint(sim_kad_truth_prefix_range(t, x.id[1], 256, &lo, &hi), ==, 0);
  uint8_t a[PL_ID_BYTES] = {0}, b[PL_ID_BYTES] = {0};
  g_assert_cmpuint(pl_kad_common_prefix(a, b), ==, 256);
  b[2] = 0x10;
  g_assert_cmpuint(pl_kad_common_prefix(a, b), ==, 19);
  sim_kad_truth_free(t);
  g_free(x.id);
}

/* ------------------------------------------------------------- scenarios */

static const char kad_base[] =
    "[run]\nduration = 1min\nsample_interval = 10s\n"
    "[protocol.peer]\ntarget_peers = 0\nbootstrap = 4\n"
    "[protocol.kad]\nmode = kademlia\nbootstrap = oracle\nk = 8\nbucket_size = 8\nalpha = 2\n"
    "d = 2\nprefix_limit = 3\nid_puzzle_bits = 4\nid_min_stake = 500\n"
    "[population.nodes]\ncount = 300\n";

static sim_scenario *
load(const char *text, const char *const *sets, GError **error)
{
  return sim_scenario_load_data(text, "kad.ini", sets, NULL, error);
}

static void
test_scenario_keys(void)
{
  GError *error = NULL;
  sim_scenario *sc = load(kad_base, NULL, &error);
  g_assert_no_error(error);
  const pl_kad_config *k = &sc->populations[0].config.kad;
  g_assert_cmpint(k->mode, ==, PL_KAD_KADEMLIA);
  g_assert_cmpuint(k->join, ==, 0);
  g_assert_cmpuint(k->k, ==, 8);
  g_assert_cmpuint(k->bucket_size, ==, 8);
  g_assert_cmpuint(k->alpha, ==, 2);
  g_assert_cmpuint(k->d, ==, 2);
  g_assert_cmpuint(k->prefix_limit, ==, 3);
  g_assert_cmpuint(k->id_puzzle_bits, ==, 4);
  g_assert_cmpuint(k->id_min_stake, ==, 500);
  g_assert_cmpuint(sc->populations[0].kad.stake_mcc, ==, 1000000);
  g_assert_cmpint(sc->populations[0].kad.victim, ==, -1);
  sim_scenario_free(sc);

  /* defaults: off, join */
  sc = load("[run]\nduration = 1s\n[population.a]\ncount = 1\n", NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpint(sc->populations[0].config.kad.mode, ==, PL_KAD_OFF);
  g_assert_cmpuint(sc->populations[0].config.kad.join, ==, 1);
  sim_scenario_free(sc);

  static const struct {
    const char *set;
    const char *message;
  } bad[] = {
    {"protocol.kad.mode=chord", "[protocol.kad] mode: found 'chord', expected one of off, "
                                "kademlia or rendezvous"},
    {"protocol.kad.k=40", "[protocol.kad] k: found '40', expected at most 32"},
    {"protocol.kad.d=0", "[protocol.kad] d: found '0', expected an integer from 1 to 255"},
    {"protocol.kad.bootstrap=magic", "[protocol.kad] bootstrap: found 'magic', expected one "
                                     "of join or oracle"},
    {"protocol.kad.cap_reannounce=2h", "[protocol.kad] cap_reannounce: found a period of at "
                                       "least 'cap_ttl'"},
    {"population.nodes.grind=key", "[population.nodes] grind_key: missing"},
    {"population.nodes.grind_key=abc", "[population.nodes] grind_key: found 'abc', expected "
                                       "random, victim, or a 32-byte key as 64 hex digits"},
    {"population.nodes.grind_key=victim", "[population.nodes] grind_key: found 'victim', "
                                          "expected 64 hex digits"},
    {"population.nodes.victim=ghosts", "[population.nodes] victim: found 'ghosts', expected "
                                       "the name of another population"},
    {"population.nodes.victim=nodes", "expected the name of another population"},
    {"population.nodes.grind_bits=30", "[population.nodes] grind_bits: found '30', expected "
                                       "at most 24"},
    {"population.nodes.behaviour=eclipce", "did you mean 'eclipse'?"},
    {"population.nodes.count=0", "[population.nodes] count: found 0 nodes in every "
                                 "population"},
    {"protocol.kad.alhpa=3", "unknown key 'alhpa', did you mean 'alpha'?"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    const char *sets[] = {bad[i].set, NULL};
    sc = load(kad_base, sets, &error);
    g_assert_null(sc);
    g_assert_nonnull(error);
    if (!strstr(error->message, bad[i].message))
      g_error("--set %s: got \"%s\", want \"%s\"", bad[i].set, error->message, bad[i].message);
    g_clear_error(&error);
  }

  /* an empty population is allowed when another has nodes */
  const char *sets[] = {"population.none.count=0", NULL};
  sc = load(kad_base, sets, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(sc->total_nodes, ==, 300);
  sim_scenario_free(sc);

  /* event keys */
  const char *ev[] = {"event.l.at=1s", "event.l.action=command", "event.l.command=lookup",
                      "event.l.key=00000000000000000000000000000000000000000000000000000000000000ff",
                      NULL};
  sc = load(kad_base, ev, &error);
  g_assert_no_error(error);
  g_assert_cmpint(sc->events[0].command, ==, PL_CMD_KAD_LOOKUP);
  g_assert_false(sc->events[0].key_random);
  g_assert_cmpuint(sc->events[0].key[31], ==, 0xff);
  sim_scenario_free(sc);
  const char *ev2[] = {"event.l.at=1s", "event.l.action=crash", "event.l.key=random", NULL};
  sc = load(kad_base, ev2, &error);
  g_assert_null(sc);
  g_assert_nonnull(strstr(error->message, "not a key of action 'crash'"));
  g_clear_error(&error);
}

/* Every shipped dht-*.ini loads. */
static void
test_scenario_files(void)
{
  const char *files[] = {"dht-baseline.ini", "dht-churn.ini", "dht-eclipse.ini",
                         "dht-sybil-ads.ini", "dht-peersim.ini"};
  for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
    char *rel = g_strconcat("scenarios/", files[i], NULL);
    char *path = tu_source_path(rel);
    GError *error = NULL;
    sim_scenario *sc = sim_scenario_load(path, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpint(sc->populations[0].config.kad.mode, ==, PL_KAD_KADEMLIA);
    sim_scenario_free(sc);
    g_free(path);
    g_free(rel);
  }
}

/* ------------------------------------------------------------------ Sybil */

static void
test_sybil_budget(void)
{
  GError *error = NULL;
  /* sign 14 us per key, hash 900 ns/KiB -> 36 ns per 40-byte puzzle hash */
  const char *sets[] = {"population.syb.count=1000", "population.syb.behaviour=sybil",
                        "population.syb.mint_budget=1ms", NULL};
  sim_scenario *sc = load(kad_base, sets, &error);
  g_assert_no_error(error);
  const sim_population *syb = &sc->populations[1];
  g_assert_cmpuint(sim_sybil_puzzle_bits(sc), ==, 4);
  uint64_t cost = sc->protocol.sign_cost_ns + 16 * ((sc->protocol.hash_cost_ns_per_kib * 40 + 1023) / 1024);
  g_assert_cmpuint(sim_sybil_id_cost_ns(sc, syb), ==, cost);
  g_assert_cmpuint(sim_sybil_minted(sc, syb), ==, 1000000 / cost);
  g_assert_cmpuint(sim_sybil_minted(sc, &sc->populations[0]), ==, 300); /* no budget */
  g_assert_cmpuint(sim_sybil_stake(syb), ==, 1000000);
  sim_scenario_free(sc);

  /* grinding multiplies the key generations */
  const char *sets2[] = {"population.syb.count=1000", "population.syb.mint_budget=1ms",
                         "population.syb.grind=victim", "population.syb.victim=nodes",
                         "population.syb.grind_bits=3", NULL};
  sc = load(kad_base, sets2, &error);
  g_assert_no_error(error);
  uint64_t cost2 = 8 * sc->protocol.sign_cost_ns + 16 * ((sc->protocol.hash_cost_ns_per_kib * 40 + 1023) / 1024);
  g_assert_cmpuint(sim_sybil_id_cost_ns(sc, &sc->populations[1]), ==, cost2);
  g_assert_cmpuint(sim_sybil_minted(sc, &sc->populations[1]), ==, 1000000 / cost2);
  sim_scenario_free(sc);

  /* stake: each id holds the minimum */
  const char *sets3[] = {"population.syb.count=1000", "population.syb.stake_budget=5000", NULL};
  sc = load(kad_base, sets3, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(sim_sybil_minted(sc, &sc->populations[1]), ==, 10); /* 5000 / 500 */
  g_assert_cmpuint(sim_sybil_stake(&sc->populations[1]), ==, 500);
  sim_scenario_free(sc);
}

static void
test_sybil_grind(void)
{
  uint8_t target[PL_ID_BYTES];
  memset(target, 0xa5, sizeof target);
  uint64_t total = 0;
  for (uint32_t h = 0; h < 20; h++) {
    uint8_t seed[PL_SEED_BYTES], seed2[PL_SEED_BYTES], id[PL_ID_BYTES];
    total += sim_sybil_grind(9, h, target, 6, seed);
    pl_identity_from_seed(seed, NULL, id);
    g_assert_cmpuint(pl_kad_common_prefix(id, target), >=, 6);
    sim_sybil_grind(9, h, target, 6, seed2); /* deterministic */
    g_assert_cmpmem(seed, sizeof seed, seed2, sizeof seed2);
  }
  /* about 2^6 candidates each: far more than 1, far fewer than 2^12 */
  g_assert_cmpuint(total, >, 20 * 8);
  g_assert_cmpuint(total, <, 20 * 512);
}

static void
test_fakeads_claim(void)
{
  sim_population pop;
  memset(&pop, 0, sizeof pop);
  pop.kad.speed = 2000;
  pop.kad.price_mcc = 4000;
  pop.kad.claim_factor = 4;
  uint32_t s;
  uint64_t p;
  sim_fakeads_claim(&pop, &s, &p);
  g_assert_cmpuint(s, ==, 2000); /* honest: the truth */
  g_assert_cmpuint(p, ==, 4000);
  pop.behaviour = SIM_BEHAVIOUR_FAKE_ADS;
  sim_fakeads_claim(&pop, &s, &p);
  g_assert_cmpuint(s, ==, 8000);
  g_assert_cmpuint(p, ==, 1000);
  pop.kad.speed = UINT32_MAX;
  pop.kad.price_mcc = 1;
  sim_fakeads_claim(&pop, &s, &p);
  g_assert_cmpuint(s, ==, UINT32_MAX); /* saturates */
  g_assert_cmpuint(p, ==, 1);          /* never free */
}

static void
test_eclipse_closest(void)
{
  ids x;
  random_ids(&x, 200, 13);
  uint32_t handles[50];
  for (uint32_t i = 0; i < 50; i++)
    handles[i] = 100 + i;
  sim_kad_truth *t = sim_kad_truth_new(handles, 50, ids_of, &x);
  for (uint32_t i = 0; i < 50; i++)
    sim_kad_truth_set_live(t, handles[i], i % 5 != 0); /* 40 live */
  sim_eclipse *e = sim_eclipse_new(t, ids_of, &x);
  const pl_strategy *s = sim_eclipse_strategy(e);
  g_assert_nonnull(s->kad_find_node);
  g_assert_nonnull(s->kad_accept_store);
  g_assert_false(s->kad_accept_store(NULL, 0, x.id[0], s->state));
  pl_peer out[20];
  uint32_t n = sim_eclipse_closest(e, x.id[0], 101, out, 20);
  g_assert_cmpuint(n, ==, 20);
  for (uint32_t i = 0; i < n; i++) {
    g_assert_cmpuint(out[i], >=, 100);
    g_assert_cmpuint((out[i] - 100) % 5, !=, 0); /* live only */
    g_assert_cmpuint(out[i], !=, 101);           /* never self */
    if (i)
      g_assert_cmpint(pl_kad_distance_cmp(x.id[out[i - 1]], x.id[out[i]], x.id[0]), <, 0);
  }
  /* every live colluder not returned is farther than the last returned */
  for (uint32_t i = 0; i < 50; i++) {
    uint32_t h = handles[i];
    bool in = false;
    for (uint32_t j = 0; j < n; j++)
      in |= out[j] == h;
    if (!in && i % 5 != 0 && h != 101)
      g_assert_cmpint(pl_kad_distance_cmp(x.id[out[n - 1]], x.id[h], x.id[0]), <, 0);
  }
  pl_peer all[100]; /* room for every colluder: the cap is |max|, not the array above */
  g_assert_cmpuint(sim_eclipse_closest(e, x.id[0], 101, all, G_N_ELEMENTS(all)), ==, 39);
  sim_eclipse_free(e);
  sim_kad_truth_free(t);
  g_free(x.id);
}

/* ------------------------------------------------------------ whole runs */

typedef struct run {
  sim_world *w;
  sim_scenario *sc;
} run;

static run
run_text(const char *text, const char *const *sets)
{
  GError *error = NULL;
  run r;
  r.sc = load(text, sets, &error);
  g_assert_no_error(error);
  r.w = sim_world_new(r.sc, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpint(sim_world_run(r.w, &error), ==, SIM_RUN_COMPLETE);
  g_assert_no_error(error);
  return r;
}

static void
run_free(run *r)
{
  sim_world_free(r->w);
  sim_scenario_free(r->sc);
}

static double
stat(const run *r, const char *name, sim_stat s)
{
  return sim_metrics_stat(sim_world_metrics(r->w), name, s);
}

static const char small_dht[] =
    "[run]\nseed = 3\nduration = 40s\nsample_interval = 10s\n"
    "[network]\nlatency = lognormal(30ms, 0.4)\n"
    "[protocol.peer]\ntarget_peers = 0\nbootstrap = 4\n"
    "[protocol.kad]\nmode = kademlia\nbootstrap = oracle\nk = 8\nbucket_size = 8\nalpha = 3\n"
    "[population.nodes]\ncount = 400\n"
    "[event.lookups]\nat = 5s\naction = command\ncommand = lookup\nfraction = 5%\nevery = 1s\n";

static void
test_run_oracle(void)
{
  run r = run_text(small_dht, NULL);
  double done = stat(&r, "dht.lookup.done", SIM_STAT_SUM);
  g_assert_cmpfloat(done, >=, 20 * 35 * 0.9);
  /* static network, no loss: every lookup finds the true closest node */
  g_assert_cmpfloat(stat(&r, "dht.lookup.success", SIM_STAT_COUNT), >=, done * 0.9);
  g_assert_cmpfloat(stat(&r, "dht.lookup.success", SIM_STAT_MEAN), >=, 0.99);
  g_assert_cmpfloat(stat(&r, "dht.lookup.success_honest", SIM_STAT_MEAN), >=, 0.99);
  /* 400 nodes, k = 8: about log2(400/8) + 8 full-ish buckets */
  g_assert_cmpfloat(stat(&r, "dht.table.contacts", SIM_STAT_MEAN), >=, 30);
  g_assert_cmpfloat(stat(&r, "dht.table.contacts", SIM_STAT_MAX), <=, 8 * 20);
  g_assert_cmpfloat(stat(&r, "dht.lookup.hops", SIM_STAT_MEAN), <=, 4);
  /* no victims, no eclipse */
  g_assert_cmpfloat(stat(&r, "dht.eclipse.victim_lookups", SIM_STAT_SUM), ==, 0);
  char *trace = g_strdup(sim_world_trace(r.w));
  run_free(&r);
  /* determinism: same scenario and seed, same trace */
  run r2 = run_text(small_dht, NULL);
  g_assert_cmpstr(trace, ==, sim_world_trace(r2.w));
  run_free(&r2);
  const char *seed[] = {"run.seed=4", NULL};
  run r3 = run_text(small_dht, seed);
  g_assert_cmpstr(trace, !=, sim_world_trace(r3.w));
  run_free(&r3);
  g_free(trace);
}

static void
test_run_join(void)
{
  const char *sets[] = {"protocol.kad.bootstrap=join", "population.nodes.join_at=uniform(0s, 4s)",
                        NULL};
  run r = run_text(small_dht, sets);
  g_assert_cmpfloat(stat(&r, "dht.lookup.done", SIM_STAT_SUM), >=, 500);
  g_assert_cmpfloat(stat(&r, "dht.lookup.success", SIM_STAT_MEAN), >=, 0.9);
  g_assert_cmpfloat(stat(&r, "dht.table.contacts", SIM_STAT_MEAN), >=, 20);
  run_free(&r);
}

static void
test_run_eclipse(void)
{
  const char *sets[] = {"population.att.count=300", "population.att.behaviour=eclipse",
                        "population.att.victim=vic", "population.vic.count=10",
                        "event.vl.at=5s", "event.vl.action=command", "event.vl.command=lookup",
                        "event.vl.target=vic", "event.vl.every=1s",
                        "event.lookups.target=nodes", NULL};
  run r = run_text(small_dht, sets);
  /* 300 of 710 nodes collude: victims' tables fill with them and many
   * lookups end among colluders only */
  g_assert_cmpfloat(stat(&r, "dht.eclipse.victim_lookups", SIM_STAT_SUM), >=, 200);
  g_assert_cmpfloat(stat(&r, "dht.eclipse.lookups_captured", SIM_STAT_SUM), >=, 1);
  g_assert_cmpfloat(stat(&r, "dht.eclipse.victim_table_attacker_share", SIM_STAT_MEAN), >=,
                    0.3);
  double honest = stat(&r, "dht.lookup.success_honest", SIM_STAT_MEAN);
  g_assert_cmpfloat(honest, <, 0.95);
  run_free(&r);

  /* S/Kademlia: more disjoint paths, more lookups reach the honest closest */
  const char *sets_d[] = {"population.att.count=300", "population.att.behaviour=eclipse",
                          "population.att.victim=vic", "population.vic.count=10",
                          "protocol.kad.d=4", NULL};
  run r2 = run_text(small_dht, sets_d);
  g_assert_cmpfloat(stat(&r2, "dht.lookup.success_honest", SIM_STAT_MEAN), >, honest);
  run_free(&r2);

  /* Colluders answer a find's FIND_VALUE with an unsigned ad filed under
   * the very key asked (they know the scenario's task types): honest
   * requesters refuse it for its signature, never for its key, and none is
   * ranked. */
  const char *sets_ads[] = {"population.att.count=100", "population.att.behaviour=eclipse",
                            "population.att.victim=vic", "population.vic.count=1",
                            "population.w.count=30", "population.w.speed=2000",
                            "population.w.price=4000", "event.a.at=2s", "event.a.action=command",
                            "event.a.command=announce", "event.a.target=w", "event.f.at=10s",
                            "event.f.action=command", "event.f.command=find-workers",
                            "event.f.target=nodes", "event.f.fraction=5%", "event.f.every=2s",
                            "event.f.min_speed=1000", "event.f.max_price=5000",
                            "event.f.want=8", NULL};
  run r3 = run_text(small_dht, sets_ads);
  double forged = stat(&r3, "dht.records.forged_rejected", SIM_STAT_SUM);
  double invalid = stat(&r3, "dht.records.invalid_rejected", SIM_STAT_SUM);
  g_test_message("forged ads refused: %.0f for their signature, %.0f for their key", forged,
                 invalid);
  g_assert_cmpfloat(forged, >=, 100);
  g_assert_cmpfloat(invalid, ==, 0);
  g_assert_cmpfloat(stat(&r3, "cap.find.workers", SIM_STAT_MEAN), >=, 7);
  run_free(&r3);
}

static void
test_run_sybil_minted(void)
{
  /* puzzle 4 bits, 1 ms of CPU: only the ids it pays for exist */
  const char *sets[] = {"protocol.kad.id_puzzle_bits=4", "population.syb.count=200",
                        "population.syb.behaviour=sybil", "population.syb.mint_budget=1ms",
                        "population.syb.grind=victim", "population.syb.victim=nodes",
                        "population.syb.grind_bits=4", NULL};
  GError *error = NULL;
  sim_scenario *sc = load(small_dht, sets, &error);
  g_assert_no_error(error);
  uint32_t minted = sim_sybil_minted(sc, &sc->populations[1]);
  g_assert_cmpuint(minted, >, 0);
  g_assert_cmpuint(minted, <, 200);
  sim_scenario_free(sc);
  run r = run_text(small_dht, sets);
  g_assert_cmpfloat(stat(&r, "nodes.alive", SIM_STAT_MAX), ==, 400 + minted);
  /* every node solved the puzzle: no contact was refused for it */
  g_assert_cmpfloat(stat(&r, "dht.contact.rejected_puzzle", SIM_STAT_SUM), ==, 0);
  /* ground ids share 4 bits with node 0's */
  pl_node *v = sim_world_node(r.w, 0);
  g_assert_nonnull(v);
  uint8_t vid[PL_ID_BYTES];
  pl_node_id_of(pl_node_peer_key(v, 0), vid);
  for (uint32_t h = 400; h < 400 + minted; h++) {
    pl_node *s = sim_world_node(r.w, h);
    g_assert_nonnull(s);
    uint8_t id[PL_ID_BYTES];
    pl_node_id_of(pl_node_peer_key(s, h), id);
    g_assert_cmpuint(pl_kad_common_prefix(id, vid), >=, 4);
  }
  g_assert_null(sim_world_node(r.w, 400 + minted)); /* never joined */
  run_free(&r);
}

static void
test_run_prefix_limit(void)
{
  /* 200 colluders from 2 prefixes; a limit of 1 per bucket keeps at most
   * 2 of them per bucket in every honest table */
  const char *sets[] = {"protocol.kad.prefix_limit=1", "population.att.count=200",
                        "population.att.behaviour=sybil", "population.att.prefixes=2", NULL};
  run r = run_text(small_dht, sets);
  g_assert_cmpfloat(stat(&r, "dht.contact.rejected_prefix", SIM_STAT_SUM), >, 0);
  for (uint32_t h = 0; h < 400; h += 37) {
    pl_node *node = sim_world_node(r.w, h);
    pl_peer c[1024];
    uint32_t n = pl_kad_contacts(node, c, G_N_ELEMENTS(c)), att = 0;
    for (uint32_t i = 0; i < n; i++)
      att += c[i] >= 400 && c[i] < 600;
    g_assert_cmpuint(att, <=, 2 * 40); /* at most 2 per bucket */
    g_assert_cmpuint(att, <, n / 2);
  }
  run_free(&r);
}

static void
test_run_fake_ads(void)
{
  /* honest workers and fake ones announce; requesters find; the host
   * knows who lies */
  const char *sets[] = {"population.nodes.count=200", "population.w.count=30",
                        "population.w.price=4000", "population.f.count=10",
                        "population.f.behaviour=fake-ads", "population.f.price=4000",
                        "population.f.claim_factor=4", "event.a.at=2s", "event.a.action=command",
                        "event.a.command=announce", "event.a.target=w", "event.b.at=2s",
                        "event.b.action=command", "event.b.command=announce",
                        "event.b.target=f", "event.f.at=10s", "event.f.action=command",
                        "event.f.command=find-workers", "event.f.target=nodes",
                        "event.f.fraction=5%", "event.f.every=2s", "event.f.max_price=5000",
                        "event.f.want=4", "event.lookups.target=nodes", NULL};
  run r = run_text(small_dht, sets);
  g_assert_cmpfloat(stat(&r, "cap.announced", SIM_STAT_SUM), ==, 40);
  g_assert_cmpfloat(stat(&r, "cap.find.fake_share", SIM_STAT_COUNT), >=, 100);
  /* fakes claim a quarter of the price: they rank first */
  g_assert_cmpfloat(stat(&r, "cap.find.fake_share", SIM_STAT_MEAN), >, 0.5);
  g_assert_cmpfloat(stat(&r, "cap.find.top_fake", SIM_STAT_SUM), >=, 100);
  g_assert_cmpfloat(stat(&r, "dht.records.forged_rejected", SIM_STAT_SUM), ==, 0);
  run_free(&r);

  /* without fakes, nothing is counted as fake, and the honest workers are
   * found: dht-sybil-ads.ini's offer (speed 2,000, price 4,000) and need
   * (speed >= 1,000, price <= 5,000) span 7 x 4 class pairs, more than the
   * 16 keys a find looks up, and the workers' pair must be among them */
  const char *honest[] = {"population.w.count=30", "population.w.speed=2000",
                          "population.w.price=4000", "event.a.at=2s", "event.a.action=command",
                          "event.a.command=announce", "event.a.target=w", "event.f.at=10s",
                          "event.f.action=command", "event.f.command=find-workers",
                          "event.f.target=nodes", "event.f.fraction=5%", "event.f.every=2s",
                          "event.f.min_speed=1000", "event.f.max_price=5000", "event.f.want=8",
                          NULL};
  run r2 = run_text(small_dht, honest);
  g_assert_cmpfloat(stat(&r2, "cap.find.fake_share", SIM_STAT_COUNT), >=, 100);
  g_assert_cmpfloat(stat(&r2, "cap.find.fake_share", SIM_STAT_MAX), ==, 0);
  g_assert_cmpfloat(stat(&r2, "cap.find.top_fake", SIM_STAT_SUM), ==, 0);
  g_assert_cmpfloat(stat(&r2, "cap.find.workers", SIM_STAT_MEAN), >=, 7);
  run_free(&r2);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/kad-sim/truth/closest", test_truth_closest);
  g_test_add_func("/kad-sim/truth/prefix-range", test_truth_prefix_range);
  g_test_add_func("/kad-sim/scenario/keys", test_scenario_keys);
  g_test_add_func("/kad-sim/scenario/files", test_scenario_files);
  g_test_add_func("/kad-sim/sybil/budget", test_sybil_budget);
  g_test_add_func("/kad-sim/sybil/grind", test_sybil_grind);
  g_test_add_func("/kad-sim/fakeads/claim", test_fakeads_claim);
  g_test_add_func("/kad-sim/eclipse/closest", test_eclipse_closest);
  g_test_add_func("/kad-sim/run/oracle", test_run_oracle);
  g_test_add_func("/kad-sim/run/join", test_run_join);
  g_test_add_func("/kad-sim/run/eclipse", test_run_eclipse);
  g_test_add_func("/kad-sim/run/sybil-minted", test_run_sybil_minted);
  g_test_add_func("/kad-sim/run/prefix-limit", test_run_prefix_limit);
  g_test_add_func("/kad-sim/run/fake-ads", test_run_fake_ads);
  return g_test_run();
}
