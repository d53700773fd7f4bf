/*
 * test-gossip-sim.c — the simulator's side of gossip: [protocol.gossip]
 * and the gossip keys of populations and events, the ground-truth
 * measurement of the gossip host module (driven with literal
 * observations), the attack strategies' decisions, whole runs of small
 * gossip networks (delivery, censorship, determinism), and that every
 * scenarios/gossip-*.ini loads.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "attack_gossip.h"
#include "gossip_host.h"
#include "scenario.h"
#include "testutil.h"
#include "world.h"
#include "world_internal.h"

static sim_scenario *
load(const char *text, const char *const *sets)
{
  GError *error = NULL;
  sim_scenario *sc = sim_scenario_load_data(text, "test.ini", sets, NULL, &error);
  g_assert_no_error(error);
  g_assert_nonnull(sc);
  return sc;
}

/* Loading |text| fails with |code| and a message containing |part|. */
static void
load_fails(const char *text, int code, const char *part)
{
  GError *error = NULL;
  sim_scenario *sc = sim_scenario_load_data(text, "test.ini", NULL, NULL, &error);
  g_assert_null(sc);
  g_assert_error(error, SIM_SCENARIO_ERROR, code);
  if (!strstr(error->message, part))
    g_error("'%s' does not contain '%s'", error->message, part);
  g_error_free(error);
}

/* --------------------------------------------------------- scenario keys */

static void
test_keys(void)
{
  sim_scenario *sc = load("[run]\nduration = 10s\n"
                          "[protocol.gossip]\nmode = rumor\nheartbeat = 200ms\nrumor_k = 3\n"
                          "rumor_stop = coin\nrumor_contact = blind\nseen_max = 100000\n"
                          "scoring = false\nscore_graylist = -1000\nsubscribe = 7, 9\n"
                          "mesh_d = 8\nmesh_d_high = 16\n"
                          "[population.a]\ncount = 3\n"
                          "[population.b]\ncount = 2\nsubscribe = none\n"
                          "[event.pub]\nat = 1s\naction = command\ncommand = publish\n"
                          "topic = 9\nsize = 1KiB\ncount = 1\n",
                          NULL);
  const pl_gossip_config *g = &sc->populations[0].config.gossip;
  g_assert_cmpint(g->mode, ==, PL_GOSSIP_RUMOR);
  g_assert_cmpuint(g->heartbeat_ns, ==, 200 * PL_NS_PER_MS);
  g_assert_cmpuint(g->rumor_k, ==, 3);
  g_assert_cmpuint(g->rumor_stop, ==, PL_GOSSIP_STOP_COIN);
  g_assert_cmpuint(g->rumor_blind, ==, 1);
  g_assert_cmpuint(g->seen_max, ==, 100000);
  g_assert_cmpuint(g->score_enabled, ==, 0);
  g_assert_cmpint(g->score_graylist, ==, -1000);
  g_assert_cmpuint(g->mesh_d, ==, 8);
  g_assert_cmpuint(g->mesh_d_high, ==, 16);
  g_assert_cmpuint(sc->populations[0].n_topics, ==, 2);
  g_assert_cmpuint(sc->populations[0].topics[0], ==, 7);
  g_assert_cmpuint(sc->populations[0].topics[1], ==, 9);
  g_assert_cmpuint(sc->populations[1].n_topics, ==, 0);
  g_assert_cmpint(sc->events[0].command, ==, PL_CMD_GOSSIP_PUBLISH);
  g_assert_cmpuint(sc->events[0].topic, ==, 9);
  g_assert_cmpuint(sc->events[0].size_bytes, ==, 1024);
  sim_scenario_free(sc);

  /* defaults: off, the core's numbers */
  sc = load("[run]\nduration = 1s\n[population.a]\ncount = 1\n", NULL);
  pl_config d;
  pl_config_defaults(&d);
  g_assert_cmpint(sc->populations[0].config.gossip.mode, ==, PL_GOSSIP_OFF);
  g_assert_cmpmem(&sc->populations[0].config.gossip, sizeof d.gossip, &d.gossip, sizeof d.gossip);
  g_assert_cmpuint(sc->populations[0].n_topics, ==, 0);
  sim_scenario_free(sc);

  /* --set and sweeps reach the new group */
  const char *sets[] = { "protocol.gossip.mode=push-pull", "protocol.gossip.partners=2", NULL };
  sc = load("[run]\nduration = 1s\n[population.a]\ncount = 1\n"
            "[sweep]\nprotocol.gossip.rumor_k = range(1, 5, 1)\n"
            "protocol.gossip.rumor_stop = counter, coin\n", sets);
  g_assert_cmpint(sc->populations[0].config.gossip.mode, ==, PL_GOSSIP_PUSH_PULL);
  g_assert_cmpuint(sc->populations[0].config.gossip.partners, ==, 2);
  g_assert_cmpuint(sc->n_sweep, ==, 2);
  g_assert_cmpuint(g_strv_length(sc->sweep[0].values), ==, 5);
  sim_scenario_free(sc);
}

static void
test_key_errors(void)
{
  const char *head = "[run]\nduration = 10s\n[population.a]\ncount = 2\n";
  char *t;
  t = g_strconcat(head, "[protocol.gossip]\nmode = gossipsub\n", NULL);
  load_fails(t, SIM_SCENARIO_ERROR_VALUE,
             "[protocol.gossip] mode: found 'gossipsub', expected one of off, push, pull, "
             "push-pull, rumor, flood or mesh");
  g_free(t);
  t = g_strconcat(head, "[protocol.gossip]\nrumor_stop = coins\n", NULL);
  load_fails(t, SIM_SCENARIO_ERROR_VALUE, "did you mean 'coin'?");
  g_free(t);
  t = g_strconcat(head, "[protocol.gossip]\nmesh_d = 6\nmesh_d_low = 7\n", NULL);
  load_fails(t, SIM_SCENARIO_ERROR_CONFLICT, "[protocol.gossip] mesh_d_low: found '7'");
  g_free(t);
  t = g_strconcat(head, "[protocol.gossip]\nscore_mesh_share = 101\n", NULL);
  load_fails(t, SIM_SCENARIO_ERROR_VALUE, "score_mesh_share: found '101', expected a percentage");
  g_free(t);
  t = g_strconcat(head, "[protocol.gossip]\nmesh_d_high = 5\n", NULL);
  load_fails(t, SIM_SCENARIO_ERROR_CONFLICT, "mesh_d_high: found '5', expected at least");
  g_free(t);
  t = g_strconcat(head, "[protocol.gossip]\nstore_ttl = 5min\n", NULL);
  load_fails(t, SIM_SCENARIO_ERROR_CONFLICT, "store_ttl: found 300.000s, expected at most");
  g_free(t);
  t = g_strconcat(head, "[protocol.gossip]\nmax_payload = 5000\n", NULL);
  load_fails(t, SIM_SCENARIO_ERROR_VALUE, "max_payload: found '5000', expected at most 3900");
  g_free(t);
  t = g_strconcat(head, "[protocol.gossip]\nsubscribe = 1, 2, 1\n", NULL);
  load_fails(t, SIM_SCENARIO_ERROR_VALUE, "distinct topics (1 appears twice)");
  g_free(t);
  t = g_strconcat(head, "[protocol.gossip]\nsubscribe = 1, x\n", NULL);
  load_fails(t, SIM_SCENARIO_ERROR_VALUE, "subscribe: found '1, x', expected a comma-separated");
  g_free(t);
  t = g_strconcat(head, "[protocol.gossip]\nscore_graylist = -3000000000\n", NULL);
  load_fails(t, SIM_SCENARIO_ERROR_VALUE, "expected an integer from -2147483648");
  g_free(t);
  t = g_strconcat(head, "[protocol.gossip]\nscoring = yes\n", NULL);
  load_fails(t, SIM_SCENARIO_ERROR_VALUE, "expected one of true or false");
  g_free(t);
  t = g_strconcat(head, "[protocol.gossip]\nttl_hops = 0\n", NULL);
  load_fails(t, SIM_SCENARIO_ERROR_VALUE, "ttl_hops: found '0'");
  g_free(t);
  t = g_strconcat(head, "[protocol.gosip]\nmode = push\n", NULL);
  load_fails(t, SIM_SCENARIO_ERROR_UNKNOWN, "did you mean [protocol.gossip]?");
  g_free(t);
  t = g_strconcat(head, "[event.p]\nat = 1s\naction = command\ncommand = publish\nsize = 4000B\n",
                  NULL);
  load_fails(t, SIM_SCENARIO_ERROR_VALUE, "[event.p] size: found 4000 bytes, expected at most 3900");
  g_free(t);
  t = g_strconcat(head, "[event.h]\nat = 1s\naction = heal\ntopic = 3\n", NULL);
  load_fails(t, SIM_SCENARIO_ERROR_UNKNOWN, "topic: not a key of action 'heal'");
  g_free(t);
  /* attack parameters */
  t = g_strconcat(head, "[population.s]\ncount = 1\nbehaviour = mesh-sybil\n", NULL);
  load_fails(t, SIM_SCENARIO_ERROR_MISSING, "[population.s] victim: missing");
  g_free(t);
  t = g_strconcat(head, "[population.s]\ncount = 1\nbehaviour = mesh-sybil\nvictim = b\n", NULL);
  load_fails(t, SIM_SCENARIO_ERROR_VALUE, "victim: found 'b', expected the name of another");
  g_free(t);
  t = g_strconcat(head, "[population.s]\ncount = 1\nbehaviour = mesh-sybil\nvictim = s\n", NULL);
  load_fails(t, SIM_SCENARIO_ERROR_VALUE, "victim: found 's'");
  g_free(t);
  t = g_strconcat(head, "[population.s]\ncount = 1\nbehaviour = censor\nvictim = a\n", NULL);
  load_fails(t, SIM_SCENARIO_ERROR_CONFLICT, "only behaviours eclipse, sybil and mesh-sybil, and grind = victim, have victims");
  g_free(t);
  t = g_strconcat(head, "[population.s]\ncount = 1\nbehaviour = covert-flash\nattack_at = 1min\n",
                  NULL);
  load_fails(t, SIM_SCENARIO_ERROR_CONFLICT, "attack_at: found 60.000s, expected a time within");
  g_free(t);
}

/* ------------------------------------------------- host module, by hand */

/* 10 honest nodes (0..9), 2 censors (10, 11); flood; seen_ttl 20 s. */
static const char host_text[] =
    "[run]\nduration = 60s\n"
    "[protocol.gossip]\nmode = flood\nseen_ttl = 20s\nstore_ttl = 10s\nsubscribe = 7\n"
    "[population.honest]\ncount = 10\n"
    "[population.bad]\ncount = 2\nbehaviour = censor\n";

static void
observe(sim_world *w, uint32_t self, uint32_t kind, const uint8_t *key, uint64_t a,
        uint64_t b, uint64_t c)
{
  pl_observation obs = {.kind = kind, .key = key, .a = a, .b = b, .c = c};
  w->env.observe_cb(self, &obs, w);
}

static void
sample_at(sim_world *w, uint64_t t_ns)
{
  w->now_ns = t_ns;
  sim_gossip_host.sample(w, sim_world_module_state(w, &sim_gossip_host));
}

static double
stat(sim_world *w, const char *name, sim_stat s)
{
  return sim_metrics_stat(sim_world_metrics(w), name, s);
}

static void
test_host_ground_truth(void)
{
  sim_scenario *sc = load(host_text, NULL);
  GError *error = NULL;
  sim_world *w = sim_world_new(sc, NULL, &error);
  g_assert_no_error(error);
  uint8_t id[PL_ID_BYTES], other[PL_ID_BYTES];
  memset(id, 0xab, sizeof id);
  memset(other, 0xcd, sizeof other);

  /* every node but 9 subscribes at 0 s; 9 only after the publication */
  for (uint32_t h = 0; h < 12; h++)
    if (h != 9)
      observe(w, h, PL_OBS_GOSSIP_SUBSCRIBED, NULL, 7, 0, 0);
  w->now_ns = 1 * PL_NS_PER_S;
  observe(w, 0, PL_OBS_GOSSIP_PUBLISHED, id, 7, w->now_ns, 256);
  observe(w, 0, PL_OBS_GOSSIP_PUBLISHED, id, 7, w->now_ns, 256); /* repeated: ignored */
  w->now_ns = 2 * PL_NS_PER_S;
  observe(w, 9, PL_OBS_GOSSIP_SUBSCRIBED, NULL, 7, 0, 0);
  /* eligible: honest 1..8 = 8 nodes */
  for (uint32_t h = 1; h <= 6; h++) {
    w->now_ns = (1000 + 100 * h) * PL_NS_PER_MS;
    observe(w, h, PL_OBS_GOSSIP_DELIVERED, id, h, PL_NS_PER_S, h + 1);
  }
  observe(w, 6, PL_OBS_GOSSIP_DELIVERED, id, 9, PL_NS_PER_S, 50); /* again: not counted */
  observe(w, 9, PL_OBS_GOSSIP_DELIVERED, id, 1, PL_NS_PER_S, 1);  /* subscribed too late */
  observe(w, 10, PL_OBS_GOSSIP_DELIVERED, id, 1, PL_NS_PER_S, 1); /* attacker */
  observe(w, 0, PL_OBS_GOSSIP_DELIVERED, id, 1, PL_NS_PER_S, 1);  /* publisher */
  observe(w, 3, PL_OBS_GOSSIP_DELIVERED, other, 1, PL_NS_PER_S, 1); /* unknown id */
  uint8_t spam[PL_ID_BYTES];
  memset(spam, 0x11, sizeof spam);
  observe(w, 11, PL_OBS_GOSSIP_PUBLISHED, spam, 7, w->now_ns, 10); /* attacker: not measured */
  observe(w, 3, PL_OBS_GOSSIP_DELIVERED, spam, 1, PL_NS_PER_S, 1);
  observe(w, 5, PL_OBS_GOSSIP_DUPLICATE, id, 2, 0, 0);
  observe(w, 5, PL_OBS_GOSSIP_DUPLICATE, id, 3, 0, 0);
  observe(w, 11, PL_OBS_GOSSIP_DUPLICATE, id, 3, 0, 0); /* attacker: not counted */
  g_assert_cmpfloat(stat(w, "gossip.deliveries", SIM_STAT_SUM), ==, 6);
  g_assert_cmpfloat(stat(w, "gossip.delivery.latency_ms", SIM_STAT_MEAN), ==, 350);
  g_assert_cmpfloat(stat(w, "gossip.rounds", SIM_STAT_MEAN), ==, 4.5);
  g_assert_cmpfloat(stat(w, "gossip.hops", SIM_STAT_MAX), ==, 6);

  /* not closed before the seen TTL */
  sample_at(w, 20 * PL_NS_PER_S);
  g_assert_cmpfloat(stat(w, "gossip.delivery.ratio", SIM_STAT_COUNT), ==, 0);
  sample_at(w, 21 * PL_NS_PER_S);
  g_assert_cmpfloat(stat(w, "gossip.delivery.ratio", SIM_STAT_COUNT), ==, 1);
  g_assert_cmpfloat(stat(w, "gossip.delivery.ratio", SIM_STAT_MEAN), ==, 0.75);
  g_assert_cmpfloat(stat(w, "gossip.residue", SIM_STAT_MEAN), ==, 0.25);
  g_assert_cmpfloat(stat(w, "gossip.duplicates", SIM_STAT_MEAN), ==, 2.0 / 6);
  g_assert_cmpfloat(stat(w, "gossip.traffic", SIM_STAT_MEAN), ==, 8.0 / 9);
  g_assert_cmpfloat(stat(w, "gossip.rounds.last", SIM_STAT_MAX), ==, 7);
  g_assert_cmpfloat(stat(w, "pop.honest.gossip.delivery.ratio", SIM_STAT_MEAN), ==, 0.75);
  g_assert_cmpfloat(stat(w, "pop.bad.gossip.delivery.ratio", SIM_STAT_COUNT), ==, 0);
  /* closed: later deliveries of it are ignored */
  observe(w, 7, PL_OBS_GOSSIP_DELIVERED, id, 1, PL_NS_PER_S, 1);
  g_assert_cmpfloat(stat(w, "gossip.deliveries", SIM_STAT_SUM), ==, 6);

  /* a stopped node loses its subscription; unsubscribing counts too */
  sim_gossip_host.node_stopped(w, sim_world_module_state(w, &sim_gossip_host), 1);
  observe(w, 2, PL_OBS_GOSSIP_UNSUBSCRIBED, NULL, 7, 0, 0);
  w->now_ns = 30 * PL_NS_PER_S;
  observe(w, 5, PL_OBS_GOSSIP_PUBLISHED, other, 7, w->now_ns, 10);
  observe(w, 3, PL_OBS_GOSSIP_DELIVERED, other, 1, w->now_ns, 1);
  /* eligible: honest subscribers 0, 3, 4, 6, 7, 8, 9 = 7; reached 1; closed at the end */
  sample_at(w, 40 * PL_NS_PER_S);
  g_assert_cmpfloat(stat(w, "gossip.delivery.ratio", SIM_STAT_COUNT), ==, 1);
  sample_at(w, sc->duration_ns);
  g_assert_cmpfloat(stat(w, "gossip.delivery.ratio", SIM_STAT_COUNT), ==, 2);
  g_assert_cmpfloat(stat(w, "gossip.delivery.ratio", SIM_STAT_MIN), ==, 1.0 / 7);
  g_assert_cmpfloat(stat(w, "gossip.duplicates", SIM_STAT_COUNT), ==, 2);
  sim_world_free(w);
  sim_scenario_free(sc);
}

static void
test_host_inactive(void)
{
  /* without gossip, no gossip metrics: an expectation on them is a typo */
  sim_scenario *sc = load("[run]\nduration = 5s\n[population.a]\ncount = 3\n", NULL);
  sim_world *w = sim_world_new(sc, NULL, NULL);
  g_assert_cmpint(sim_metrics_lookup(sim_world_metrics(w), "gossip.delivery.ratio"), <, 0);
  sim_world_free(w);
  sim_scenario_free(sc);
}

/* ------------------------------------------------------------- attacks */

static void
test_attacks(void)
{
  sim_scenario *sc = load("[run]\nduration = 60s\n[protocol.gossip]\nmode = mesh\n"
                          "[population.honest]\ncount = 10\n"
                          "[population.flash]\ncount = 2\nbehaviour = covert-flash\nattack_at = 30s\n"
                          "[population.censor]\ncount = 2\nbehaviour = censor\n"
                          "[population.spam]\ncount = 2\nbehaviour = spam-invalid\nattack_at = 5s\n"
                          "[population.dup]\ncount = 2\nbehaviour = duplicate-flood\ncopies = 3\n"
                          "[population.sybil]\ncount = 4\nbehaviour = mesh-sybil\nvictim = honest\n"
                          "links = 5\n",
                          NULL);
  g_assert_false(sim_gossip_attack_is(SIM_BEHAVIOUR_HONEST));
  g_assert_false(sim_gossip_attack_is(SIM_BEHAVIOUR_SILENT));
  sim_gossip_attack a[6];
  for (uint32_t p = 1; p < 6; p++) {
    g_assert_true(sim_gossip_attack_is(sc->populations[p].behaviour));
    sim_gossip_attack_init(&a[p], sc, &sc->populations[p]);
    g_assert_true(a[p].strategy.state == &a[p]);
    g_assert_null(a[p].strategy.answer_ping);
  }
  uint8_t id[PL_ID_BYTES] = {0};
  const pl_strategy *flash = &a[1].strategy, *censor = &a[2].strategy;
  g_assert_cmpstr(flash->name, ==, "covert-flash");
  g_assert_true(flash->gossip_relay(NULL, 29 * PL_NS_PER_S, id, 0, 3, flash->state));
  g_assert_false(flash->gossip_relay(NULL, 30 * PL_NS_PER_S, id, 0, 3, flash->state));
  g_assert_false(censor->gossip_relay(NULL, 0, id, 0, PL_PEER_NONE, censor->state));
  g_assert_null(censor->gossip_graft);

  const pl_strategy *spam = &a[3].strategy, *dup = &a[4].strategy;
  g_assert_null(spam->gossip_relay);
  g_assert_false(spam->gossip_corrupt(NULL, 4 * PL_NS_PER_S, 0, spam->state));
  g_assert_true(spam->gossip_corrupt(NULL, 5 * PL_NS_PER_S, 0, spam->state));
  g_assert_cmpuint(dup->gossip_copies(NULL, 0, 1, dup->state), ==, 3);
  g_assert_null(dup->gossip_corrupt);

  /* Sybils (handles 18..21) deal 5 links each over the 10 victims (0..9) */
  const sim_gossip_attack *s = &a[5];
  g_assert_cmpuint(s->victim_first, ==, 0);
  g_assert_cmpuint(s->victim_count, ==, 10);
  uint32_t hits[10] = {0};
  for (uint32_t h = 18; h < 22; h++)
    for (uint32_t j = 0; j < 5; j++) {
      pl_peer v = sim_attack_meshsybil_victim(s, h, j);
      g_assert_cmpuint(v, <, 10);
      hits[v]++;
    }
  for (uint32_t v = 0; v < 10; v++)
    g_assert_cmpuint(hits[v], ==, 2);
  g_assert_cmpuint(sim_attack_meshsybil_victim(s, 3, 0), ==, PL_PEER_NONE);
  g_assert_cmpint(s->strategy.gossip_graft(NULL, 0, 0, 4, s->strategy.state), >, 0);
  g_assert_cmpint(s->strategy.gossip_graft(NULL, 0, 0, 12, s->strategy.state), <, 0);
  g_assert_false(s->strategy.gossip_relay(NULL, 0, id, 0, 4, s->strategy.state));
  sim_scenario_free(sc);
}


/* -------------------------------------------------------- whole runs */

/* 150 nodes on one topic, 12 messages; %s is extra scenario text. */
static char *
net_text(const char *mode, const char *extra)
{
  return g_strdup_printf("[run]\nduration = 70s\nseed = 3\nsample_interval = 5s\n"
                         "[network]\nlatency = lognormal(30ms, 0.3)\n"
                         "[protocol.peer]\ntarget_peers = 10\nmax_peers = 20\nbootstrap = 2\n"
                         "heartbeat_interval = 5s\n"
                         "[protocol.gossip]\nmode = %s\nseen_ttl = 20s\nstore_ttl = 15s\n"
                         "ttl_hops = 16\nsubscribe = 4\n"
                         "[population.honest]\ncount = 150\njoin_at = uniform(0s, 5s)\n"
                         "%s"
                         "[event.pub]\nat = 15s\naction = command\ncommand = publish\n"
                         "target = honest\ntopic = 4\nsize = 100B\ncount = 1\nevery = 2s\n"
                         "until = 38s\n",
                         mode, extra);
}

/* Run |text| (with |sets|); returns the world (free it) and the digest. */
static sim_world *
run_text(const char *text, const char *const *sets, sim_scenario **sc_out)
{
  sim_scenario *sc = load(text, sets);
  GError *error = NULL;
  sim_world *w = sim_world_new(sc, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpint(sim_world_run(w, &error), ==, SIM_RUN_COMPLETE);
  g_assert_no_error(error);
  *sc_out = sc;
  return w;
}

static void
test_run_modes(void)
{
  static const char *const modes[] = { "flood", "mesh", "push-pull", "rumor" };
  for (size_t i = 0; i < G_N_ELEMENTS(modes); i++) {
    char *text = net_text(modes[i], "");
    sim_scenario *sc;
    sim_world *w = run_text(text, NULL, &sc);
    /* 12 messages, each measured against the 149 other subscribers */
    g_assert_cmpfloat(stat(w, "gossip.delivery.ratio", SIM_STAT_COUNT), ==, 12);
    double ratio = stat(w, "gossip.delivery.ratio", SIM_STAT_MEAN);
    g_test_message("%s: delivery ratio %.4f, latency p50 %.0f ms", modes[i], ratio,
                   stat(w, "gossip.delivery.latency_ms", SIM_STAT_P50));
    /* flood: fanout 3 of ~10 peers misses a few; rumour mongering leaves a residue */
    double want = strcmp(modes[i], "rumor") == 0 ? 0.8 : strcmp(modes[i], "flood") == 0 ? 0.93
                                                                                       : 0.99;
    g_assert_cmpfloat(ratio, >=, want);
    g_assert_cmpfloat(stat(w, "gossip.deliveries", SIM_STAT_SUM), ==,
                      llround(ratio * 12 * 149));
    g_assert_cmpfloat(stat(w, "gossip.delivery.latency_ms", SIM_STAT_MIN), >, 0);
    g_assert_cmpfloat(fabs(stat(w, "gossip.residue", SIM_STAT_MEAN) - (1 - ratio)), <, 1e-9);
    if (strcmp(modes[i], "mesh") == 0)
      g_assert_cmpfloat(stat(w, "gossip.mesh.degree", SIM_STAT_LAST), >=, 4);
    /* same scenario, same seed: same trace */
    char *digest = g_strdup(sim_world_trace(w));
    sim_world_free(w);
    sim_scenario *sc2;
    w = run_text(text, NULL, &sc2);
    g_assert_cmpstr(digest, ==, sim_world_trace(w));
    sim_world_free(w);
    sim_scenario_free(sc2);
    sim_scenario_free(sc);
    g_free(digest);
    g_free(text);
  }
}

/* Ratio of a flood (fanout 3) with the extra population |extra|. */
static double
flood_ratio(const char *extra, const char *metric, double *metric_out)
{
  char *text = net_text("flood", extra);
  sim_scenario *sc;
  sim_world *w = run_text(text, NULL, &sc);
  double r = stat(w, "gossip.delivery.ratio", SIM_STAT_MEAN);
  if (metric)
    *metric_out = stat(w, metric, SIM_STAT_DEFAULT);
  sim_world_free(w);
  sim_scenario_free(sc);
  g_free(text);
  return r;
}

static void
test_run_attacks(void)
{
  double dup_honest, dup_flood, invalid;
  /* 150 more relays: honest, or censors */
  double honest = flood_ratio("[population.relays]\ncount = 150\njoin_at = uniform(0s, 5s)\n",
                              "gossip.duplicate", &dup_honest);
  double censored = flood_ratio("[population.relays]\ncount = 150\njoin_at = uniform(0s, 5s)\n"
                                "behaviour = censor\n", NULL, NULL);
  /* relaying until 25 s (half the messages), then censoring */
  double flashed = flood_ratio("[population.relays]\ncount = 150\njoin_at = uniform(0s, 5s)\n"
                               "behaviour = covert-flash\nattack_at = 25s\n", NULL, NULL);
  g_test_message("flood fanout 3: honest relays %.4f, censors %.4f, covert flash %.4f", honest,
                 censored, flashed);
  /* (flooding with fanout 3 over this overlay reaches ~60 %: the referral-built
   * overlay expands poorly; what matters here is the comparison) */
  g_assert_cmpfloat(honest, >=, 0.5);
  g_assert_cmpfloat(censored, <, honest - 0.1);
  g_assert_cmpfloat(flashed, <, honest);
  g_assert_cmpfloat(flashed, >, censored);

  /* duplicate flooders: more copies received */
  double dupped = flood_ratio("[population.relays]\ncount = 150\njoin_at = uniform(0s, 5s)\n"
                              "behaviour = duplicate-flood\ncopies = 3\n",
                              "gossip.duplicate", &dup_flood);
  g_assert_cmpfloat(dupped, >=, honest - 0.15);
  g_assert_cmpfloat(dup_flood, >, dup_honest * 1.5);

  /* invalid spam: refused and counted, honest delivery unharmed */
  double spammed = flood_ratio("[population.relays]\ncount = 150\njoin_at = uniform(0s, 5s)\n"
                               "[population.spam]\ncount = 10\njoin_at = uniform(0s, 5s)\n"
                               "behaviour = spam-invalid\n"
                               "[event.spam]\nat = 20s\naction = command\ncommand = publish\n"
                               "target = spam\ntopic = 4\nevery = 1s\nuntil = 40s\n",
                               "gossip.invalid_rejected", &invalid);
  g_assert_cmpfloat(spammed, >=, honest - 0.15);
  g_assert_cmpfloat(invalid, >=, 10 * 20);
}

/* Every live Sybil is connected to its live victims. */
static void
gossip_host_check_links(sim_world *w, const sim_scenario *sc)
{
  const sim_population *pop = &sc->populations[2];
  sim_gossip_attack a;
  sim_gossip_attack_init(&a, sc, pop);
  pl_peer peers[64];
  uint32_t held = 0, want = 0;
  for (uint32_t h = pop->first; h < pop->first + pop->count; h++) {
    pl_node *node = sim_world_node(w, h);
    g_assert_nonnull(node);
    uint32_t k = pl_node_peers(node, peers, G_N_ELEMENTS(peers));
    for (uint32_t j = 0; j < a.links; j++) {
      pl_peer v = sim_attack_meshsybil_victim(&a, h, j);
      want++;
      for (uint32_t i = 0; i < k; i++)
        if (peers[i] == v) {
          held++;
          break;
        }
    }
  }
  g_assert_cmpuint(held, >=, want * 9 / 10);
}

static void
test_run_mesh_sybils(void)
{
  /* 30 Sybils crowd the meshes of 20 victims, without scoring */
  char *text = net_text("mesh", "[population.victims]\ncount = 20\njoin_at = uniform(0s, 5s)\n"
                                "[population.sybils]\ncount = 30\njoin_at = 0s\n"
                                "behaviour = mesh-sybil\nvictim = victims\nlinks = 4\n");
  const char *sets[] = { "protocol.gossip.scoring=false", "protocol.peer.max_peers=40", NULL };
  sim_scenario *sc;
  sim_world *w = run_text(text, sets, &sc);
  double victims = stat(w, "pop.victims.gossip.mesh.attacker_share", SIM_STAT_MEAN);
  double others = stat(w, "pop.honest.gossip.mesh.attacker_share", SIM_STAT_MEAN);
  g_test_message("attacker share of meshes: victims %.3f, others %.3f", victims, others);
  g_assert_cmpfloat(victims, >, 0.3);
  g_assert_cmpfloat(victims, >, 2 * others);
  /* the Sybils hold their links to the victims */
  gossip_host_check_links(w, sc);
  sim_world_free(w);
  sim_scenario_free(sc);
  g_free(text);
}

static void
test_run_mesh_deficit(void)
{
  /* 60 of 210 relays go silent at 30 s (covert flash); messages every
   * second until the end.  The mesh delivery deficit (score_mesh_share)
   * prunes them from honest meshes; the first-delivery score alone does
   * not (a silent relay breaks no rule it punishes). */
  static const char text[] =
      "[run]\nduration = 110s\nseed = 4\nsample_interval = 5s\n"
      "[network]\nlatency = lognormal(30ms, 0.3)\n"
      "[protocol.peer]\ntarget_peers = 10\nmax_peers = 20\nbootstrap = 8\n"
      "[protocol.gossip]\nmode = mesh\nsubscribe = 4\nseen_ttl = 20s\nstore_ttl = 15s\n"
      "[population.honest]\ncount = 150\njoin_at = uniform(0s, 5s)\n"
      "[population.flash]\ncount = 60\njoin_at = uniform(0s, 5s)\n"
      "behaviour = covert-flash\nattack_at = 30s\n"
      "[event.pub]\nat = 10s\naction = command\ncommand = publish\ntarget = honest\n"
      "topic = 4\nsize = 100B\ncount = 1\nevery = 500ms\n";
  double last[2], ratio[2];
  for (int on = 0; on < 2; on++) {
    const char *sets[] = { on ? "protocol.gossip.score_mesh_share=10"
                              : "protocol.gossip.score_mesh_share=0", NULL };
    sim_scenario *sc;
    sim_world *w = run_text(text, sets, &sc);
    last[on] = stat(w, "pop.honest.gossip.mesh.attacker_share", SIM_STAT_LAST);
    ratio[on] = stat(w, "gossip.delivery.ratio", SIM_STAT_MEAN);
    sim_world_free(w);
    sim_scenario_free(sc);
  }
  g_test_message("silent relays' share of honest meshes at the end: %.3f without the "
                 "deficit, %.3f with it (delivery %.4f, %.4f)",
                 last[0], last[1], ratio[0], ratio[1]);
  g_assert_cmpfloat(last[0], >, 0.2);
  g_assert_cmpfloat(last[1], <, 0.05);
  g_assert_cmpfloat(ratio[1], >=, ratio[0] - 0.01);
}

/* ------------------------------------------------------------ scenarios */

static void
test_scenario_files(void)
{
  char *dir = tu_source_path("scenarios");
  GDir *d = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(d);
  const char *name;
  unsigned n = 0;
  while ((name = g_dir_read_name(d))) {
    if (!g_str_has_prefix(name, "gossip-") || !g_str_has_suffix(name, ".ini"))
      continue;
    char *path = g_build_filename(dir, name, NULL);
    GError *error = NULL;
    sim_scenario *sc = sim_scenario_load(path, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpint(sc->populations[0].config.gossip.mode, !=, PL_GOSSIP_OFF);
    g_assert_cmpuint(sc->n_expects, >, 0);
    sim_scenario_free(sc);
    g_free(path);
    n++;
  }
  g_dir_close(d);
  g_free(dir);
  g_assert_cmpuint(n, >=, 5);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/gossip-sim/keys", test_keys);
  g_test_add_func("/gossip-sim/key-errors", test_key_errors);
  g_test_add_func("/gossip-sim/host-ground-truth", test_host_ground_truth);
  g_test_add_func("/gossip-sim/host-inactive", test_host_inactive);
  g_test_add_func("/gossip-sim/attacks", test_attacks);
  g_test_add_func("/gossip-sim/run-modes", test_run_modes);
  g_test_add_func("/gossip-sim/run-attacks", test_run_attacks);
  g_test_add_func("/gossip-sim/run-mesh-sybils", test_run_mesh_sybils);
  g_test_add_func("/gossip-sim/run-mesh-deficit", test_run_mesh_deficit);
  g_test_add_func("/gossip-sim/scenario-files", test_scenario_files);
  return g_test_run();
}
