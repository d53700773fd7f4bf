/*
 * test-scenario.c — the scenario loader: good files parsed to exact values,
 * a table of broken files with their exact error code and message, --set
 * overrides, and docs/scenarios.md kept equal to the generated reference.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "scenario.h"
#include "testutil.h"

#define MS UINT64_C(1000000)
#define S UINT64_C(1000000000)

static sim_scenario *
load_good(const char *name)
{
  char *rel = g_build_filename("tests", "data", "good", name, NULL);
  char *path = tu_source_path(rel);
  GError *error = NULL;
  sim_scenario *s = sim_scenario_load(path, NULL, NULL, &error);
  g_assert_no_error(error);
  g_assert_nonnull(s);
  g_assert_cmpstr(s->path, ==, path);
  g_free(rel);
  g_free(path);
  return s;
}

static void
assert_dist(const sim_dist *d, sim_dist_kind kind, double a, double b)
{
  g_assert_cmpint(d->kind, ==, kind);
  g_assert_cmpfloat_with_epsilon(d->a, a, 1e-9 * fabs(a) + 1e-12);
  g_assert_cmpfloat_with_epsilon(d->b, b, 1e-9 * fabs(b) + 1e-12);
}

/* ------------------------------------------------------------ good files */

static void
test_minimal_defaults(void)
{
  sim_scenario *s = load_good("minimal.ini");
  pl_config def;
  pl_config_defaults(&def);

  g_assert_cmpstr(s->name, ==, "minimal");
  g_assert_null(s->description);
  g_assert_cmpuint(s->seed, ==, 1);
  g_assert_cmpuint(s->duration_ns, ==, 30 * S);
  g_assert_cmpuint(s->sample_interval_ns, ==, 1 * S);

  assert_dist(&s->net.latency, SIM_DIST_LOGNORMAL, 40.0 * MS, 0.5);
  assert_dist(&s->net.jitter, SIM_DIST_CONSTANT, 0, 0);
  g_assert_cmpfloat(s->net.loss, ==, 0.0);
  g_assert_cmpuint(s->net.header_bytes, ==, 40);
  g_assert_cmpuint(s->net.nat_timeout_ns, ==, 120 * S);
  g_assert_cmpuint(s->net.n_regions, ==, 0);
  g_assert_null(s->net.region_latency);
  g_assert_nonnull(s->region_names);
  g_assert_null(s->region_names[0]);
  g_assert_null(s->region_weights);
  g_assert_cmpuint(s->net_defaults.up_bps, ==, 0);
  g_assert_cmpuint(s->net_defaults.down_bps, ==, 0);
  g_assert_cmpfloat(s->nat_share, ==, 0.0);

  /* protocol defaults come from the core */
  g_assert_cmpuint(s->protocol.version_major, ==, def.version_major);
  g_assert_cmpuint(s->protocol.version_minor, ==, def.version_minor);
  g_assert_cmpuint(s->protocol.version_minor_min, ==, def.version_minor_min);
  g_assert_cmpuint(s->protocol.features, ==, def.features);
  g_assert_cmpuint(s->protocol.target_peers, ==, def.target_peers);
  g_assert_cmpuint(s->protocol.max_peers, ==, def.max_peers);
  g_assert_cmpuint(s->protocol.max_inbound, ==, def.max_inbound);
  g_assert_cmpuint(s->protocol.max_outbound, ==, def.max_outbound);
  g_assert_cmpint(s->protocol.eviction, ==, def.eviction);
  g_assert_cmpuint(s->protocol.heartbeat_interval_ns, ==, def.heartbeat_interval_ns);
  g_assert_cmpuint(s->protocol.peer_timeout_ns, ==, def.peer_timeout_ns);
  g_assert_cmpuint(s->protocol.handshake_timeout_ns, ==, def.handshake_timeout_ns);
  g_assert_cmpuint(s->protocol.maintenance_interval_ns, ==, def.maintenance_interval_ns);
  g_assert_cmpuint(s->protocol.replay_window_ns, ==, def.replay_window_ns);
  g_assert_cmpuint(s->protocol.sign_cost_ns, ==, def.sign_cost_ns);
  g_assert_cmpuint(s->protocol.verify_cost_ns, ==, def.verify_cost_ns);
  g_assert_cmpuint(s->protocol.hash_cost_ns_per_kib, ==, def.hash_cost_ns_per_kib);
  g_assert_cmpuint(s->bootstrap_count, ==, 4);
  g_assert_cmpuint(s->sigcache_capacity, ==, 65536);

  g_assert_cmpuint(s->n_populations, ==, 1);
  g_assert_cmpuint(s->total_nodes, ==, 10);
  const sim_population *p = &s->populations[0];
  g_assert_cmpstr(p->name, ==, "nodes");
  g_assert_cmpuint(p->count, ==, 10);
  g_assert_cmpuint(p->first, ==, 0);
  g_assert_cmpuint(p->roles, ==, PL_ROLE_REQUESTER | PL_ROLE_WORKER | PL_ROLE_VERIFIER);
  g_assert_cmpuint(p->config.roles, ==, p->roles);
  g_assert_cmpint(p->behaviour, ==, SIM_BEHAVIOUR_HONEST);
  assert_dist(&p->join_at, SIM_DIST_CONSTANT, 0, 0);
  g_assert_cmpint(p->region, ==, -1);
  g_assert_cmpuint(p->config.max_peers, ==, def.max_peers);
  g_assert_null(p->config.bootstrap);

  g_assert_cmpuint(s->n_events, ==, 0);
  g_assert_nonnull(s->metrics_include);
  g_assert_cmpstr(s->metrics_include[0], ==, "*");
  g_assert_null(s->metrics_include[1]);
  g_assert_cmpuint(s->n_expects, ==, 0);
  g_assert_cmpuint(s->n_sweep, ==, 0);
  g_assert_cmpuint(s->sweep_seeds, ==, 1);
  g_assert_nonnull(strstr(s->text, "duration=30s"));
  sim_scenario_free(s);
}

static void
test_full(void)
{
  sim_scenario *s = load_good("full.ini");

  /* [run] */
  g_assert_cmpstr(s->name, ==, "full-study");
  g_assert_cmpstr(s->description, ==, "Every group and key of the schema");
  g_assert_cmpuint(s->seed, ==, 42);
  g_assert_cmpuint(s->duration_ns, ==, 600 * S);
  g_assert_cmpuint(s->sample_interval_ns, ==, 250 * MS);

  /* [network] */
  assert_dist(&s->net.latency, SIM_DIST_UNIFORM, 10.0 * MS, 30.0 * MS);
  assert_dist(&s->net.jitter, SIM_DIST_EXPONENTIAL, 2.0 * MS, 0);
  g_assert_cmpfloat_with_epsilon(s->net.loss, 0.015, 1e-12);
  g_assert_cmpuint(s->net_defaults.up_bps, ==, 20000000);
  g_assert_cmpuint(s->net_defaults.down_bps, ==, 1000000000);
  g_assert_cmpuint(s->net.header_bytes, ==, 1024);
  g_assert_cmpfloat(s->nat_share, ==, 0.25);
  g_assert_cmpuint(s->net.nat_timeout_ns, ==, 90 * S);
  g_assert_cmpuint(s->net.n_regions, ==, 3);
  g_assert_cmpstr(s->region_names[0], ==, "eu");
  g_assert_cmpstr(s->region_names[1], ==, "us");
  g_assert_cmpstr(s->region_names[2], ==, "asia");
  g_assert_null(s->region_names[3]);
  g_assert_cmpfloat_with_epsilon(s->region_weights[0], 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon(s->region_weights[1], 0.25, 1e-12);
  g_assert_cmpfloat_with_epsilon(s->region_weights[2], 0.25, 1e-12);
  g_assert_true(s->net.region_latency == s->region_latency);
  const sim_dist *m = s->region_latency;
  assert_dist(&m[0], SIM_DIST_CONSTANT, 10.0 * MS, 0);
  assert_dist(&m[1], SIM_DIST_LOGNORMAL, 80.0 * MS, 0.3);
  assert_dist(&m[2], SIM_DIST_CONSTANT, 150.0 * MS, 0);
  assert_dist(&m[3], SIM_DIST_LOGNORMAL, 80.0 * MS, 0.3);
  assert_dist(&m[4], SIM_DIST_CONSTANT, 15.0 * MS, 0);
  assert_dist(&m[5], SIM_DIST_UNIFORM, 100.0 * MS, 120.0 * MS);
  assert_dist(&m[6], SIM_DIST_CONSTANT, 150.0 * MS, 0);
  assert_dist(&m[7], SIM_DIST_UNIFORM, 100.0 * MS, 120.0 * MS);
  assert_dist(&m[8], SIM_DIST_CONSTANT, 20.0 * MS, 0);

  /* [protocol.*] */
  const pl_config *c = &s->protocol;
  g_assert_cmpuint(c->version_major, ==, 1);
  g_assert_cmpuint(c->version_minor, ==, 3);
  g_assert_cmpuint(c->version_minor_min, ==, 1);
  g_assert_cmpuint(c->features, ==, PL_FEATURE_PEER_EXCHANGE | PL_FEATURE_COMPRESSION);
  g_assert_cmpuint(c->target_peers, ==, 6);
  g_assert_cmpuint(c->max_peers, ==, 20);
  g_assert_cmpuint(c->max_inbound, ==, 14);
  g_assert_cmpuint(c->max_outbound, ==, 6);
  g_assert_cmpint(c->eviction, ==, PL_EVICT_LOWEST_TRUST);
  g_assert_cmpuint(c->heartbeat_interval_ns, ==, 15 * S);
  g_assert_cmpuint(c->peer_timeout_ns, ==, 45 * S);
  g_assert_cmpuint(c->handshake_timeout_ns, ==, 3 * S);
  g_assert_cmpuint(c->maintenance_interval_ns, ==, 2 * S);
  g_assert_cmpuint(c->replay_window_ns, ==, 120 * S);
  g_assert_cmpuint(c->sign_cost_ns, ==, 30000);
  g_assert_cmpuint(c->verify_cost_ns, ==, 70000);
  g_assert_cmpuint(c->hash_cost_ns_per_kib, ==, 1500);
  g_assert_cmpuint(s->bootstrap_count, ==, 3);
  g_assert_cmpuint(s->sigcache_capacity, ==, 1000);

  /* [population.*], file order and offsets */
  g_assert_cmpuint(s->n_populations, ==, 3);
  g_assert_cmpuint(s->total_nodes, ==, 125);
  const sim_population *w = &s->populations[0], *o = &s->populations[1],
                       *q = &s->populations[2];
  g_assert_cmpstr(w->name, ==, "workers");
  g_assert_cmpuint(w->first, ==, 0);
  g_assert_cmpuint(w->count, ==, 100);
  g_assert_cmpuint(w->roles, ==, PL_ROLE_WORKER | PL_ROLE_VERIFIER);
  g_assert_cmpuint(w->config.roles, ==, PL_ROLE_WORKER | PL_ROLE_VERIFIER);
  assert_dist(&w->join_at, SIM_DIST_UNIFORM, 0, 10.0 * S);
  g_assert_cmpint(w->region, ==, 1);
  g_assert_cmpint(w->behaviour, ==, SIM_BEHAVIOUR_HONEST);
  g_assert_cmpuint(w->net.up_bps, ==, 20000000);
  g_assert_cmpuint(w->net.down_bps, ==, 1000000000);
  g_assert_cmpfloat(w->nat_share, ==, 0.25);
  /* no overrides: the [protocol.*] values */
  g_assert_cmpuint(w->config.version_minor, ==, 3);
  g_assert_cmpuint(w->config.max_peers, ==, 20);
  g_assert_cmpuint(w->config.heartbeat_interval_ns, ==, 15 * S);
  g_assert_cmpuint(w->config.sign_cost_ns, ==, 30000);

  g_assert_cmpstr(o->name, ==, "old");
  g_assert_cmpuint(o->first, ==, 100);
  g_assert_cmpuint(o->count, ==, 20);
  g_assert_cmpint(o->behaviour, ==, SIM_BEHAVIOUR_VERSION_LIAR);
  g_assert_cmpuint(o->config.version_major, ==, 1);
  g_assert_cmpuint(o->config.version_minor, ==, 1);
  g_assert_cmpuint(o->config.version_minor_min, ==, 0);
  g_assert_cmpuint(o->config.features, ==, 0);
  g_assert_cmpuint(o->config.target_peers, ==, 4);
  g_assert_cmpuint(o->config.max_peers, ==, 8);
  g_assert_cmpuint(o->config.max_inbound, ==, 14);      /* not overridable: inherited */
  g_assert_cmpuint(o->config.heartbeat_interval_ns, ==, 15 * S);
  g_assert_cmpuint(o->config.verify_cost_ns, ==, 70000);
  g_assert_cmpuint(o->net.up_bps, ==, 1000000);
  g_assert_cmpuint(o->net.down_bps, ==, 2000000);
  g_assert_cmpfloat(o->nat_share, ==, 1.0);
  g_assert_cmpint(o->region, ==, -1);

  g_assert_cmpstr(q->name, ==, "quiet");
  g_assert_cmpuint(q->first, ==, 120);
  g_assert_cmpuint(q->count, ==, 5);
  g_assert_cmpuint(q->roles, ==, PL_ROLE_REQUESTER);
  g_assert_cmpint(q->behaviour, ==, SIM_BEHAVIOUR_SILENT);
  g_assert_cmpint(q->region, ==, 2);

  /* [event.*], sorted by (at, file order) */
  g_assert_cmpuint(s->n_events, ==, 6);
  static const char *const order[] = { "px", "churn", "split", "heal", "crash", "restart" };
  for (int i = 0; i < 6; i++)
    g_assert_cmpstr(s->events[i].name, ==, order[i]);
  const sim_event_spec *e = s->events;
  g_assert_cmpint(e[0].action, ==, SIM_ACTION_COMMAND);
  g_assert_cmpuint(e[0].at_ns, ==, 0);
  g_assert_cmpint(e[0].command, ==, PL_CMD_PEER_EXCHANGE);
  g_assert_cmpuint(e[0].every_ns, ==, 10 * S);
  g_assert_cmpuint(e[0].until_ns, ==, 300 * S);
  g_assert_cmpint(e[0].target, ==, -1);
  g_assert_cmpfloat(e[0].fraction, ==, 1.0);

  g_assert_cmpint(e[1].action, ==, SIM_ACTION_CHURN);
  g_assert_cmpuint(e[1].at_ns, ==, 60 * S);
  g_assert_cmpint(e[1].target, ==, 0);
  g_assert_cmpfloat(e[1].fraction, ==, 0.5);
  assert_dist(&e[1].session, SIM_DIST_EXPONENTIAL, 30.0 * S, 0);
  assert_dist(&e[1].downtime, SIM_DIST_UNIFORM, 5.0 * S, 10.0 * S);
  g_assert_cmpuint(e[1].until_ns, ==, 480 * S);

  g_assert_cmpint(e[2].action, ==, SIM_ACTION_PARTITION);
  g_assert_cmpuint(e[2].at_ns, ==, 120 * S);
  g_assert_cmpint(e[2].target, ==, -1);
  g_assert_cmpuint(e[2].n_fractions, ==, 2);
  g_assert_cmpfloat(e[2].fractions[0], ==, 0.25);
  g_assert_cmpfloat(e[2].fractions[1], ==, 0.75);

  g_assert_cmpint(e[3].action, ==, SIM_ACTION_HEAL);
  g_assert_cmpuint(e[3].at_ns, ==, 180 * S);
  g_assert_cmpint(e[4].action, ==, SIM_ACTION_CRASH);
  g_assert_cmpuint(e[4].at_ns, ==, 180 * S);
  g_assert_cmpint(e[4].target, ==, 1);
  g_assert_cmpuint(e[4].count, ==, 5);
  g_assert_cmpint(e[5].action, ==, SIM_ACTION_RESTART);
  g_assert_cmpuint(e[5].at_ns, ==, 240 * S);
  g_assert_cmpint(e[5].target, ==, 1);
  g_assert_cmpuint(e[5].count, ==, 0);
  g_assert_cmpuint(e[5].until_ns, ==, 0);

  /* [metrics], [expect] */
  g_assert_cmpstr(s->metrics_include[0], ==, "peer.*");
  g_assert_cmpstr(s->metrics_include[1], ==, "ping.rtt_ms");
  g_assert_null(s->metrics_include[2]);
  g_assert_cmpuint(s->n_expects, ==, 2);
  g_assert_cmpstr(s->expects[0].label, ==, "rtt");
  g_assert_cmpstr(s->expects[0].metric, ==, "ping.rtt_ms");
  g_assert_cmpint(s->expects[0].stat, ==, SIM_STAT_P99);
  g_assert_cmpint(s->expects[0].op, ==, SIM_OP_LE);
  g_assert_cmpfloat(s->expects[0].value, ==, 400.0);
  g_assert_cmpstr(s->expects[1].label, ==, "clean");

  /* [sweep] */
  g_assert_cmpuint(s->sweep_seeds, ==, 3);
  g_assert_cmpuint(s->n_sweep, ==, 7);
  static const struct {
    const char *group, *key;
    const char *values[5];
  } sweep[] = {
    { "network", "loss", { "0", "1%", "2%" } },
    { "protocol.peer", "max_peers", { "8", "16", "24", "32" } },
    { "population.workers", "count", { "10", "100" } },
    { "network", "latency", { "lognormal(40ms, 0.5)", "20ms" } },
    { "protocol.peer", "features", { "peer-exchange", "peer-exchange, batching" } },
    { "protocol.peer", "heartbeat_interval", { "5s", "10s", "15s" } },
    { "event.px", "every", { "1s", "2s" } },
  };
  for (guint i = 0; i < G_N_ELEMENTS(sweep); i++) {
    g_assert_cmpstr(s->sweep[i].group, ==, sweep[i].group);
    g_assert_cmpstr(s->sweep[i].key, ==, sweep[i].key);
    guint n = 0;
    while (sweep[i].values[n])
      n++;
    g_assert_cmpuint(g_strv_length(s->sweep[i].values), ==, n);
    for (guint j = 0; j < n; j++)
      g_assert_cmpstr(s->sweep[i].values[j], ==, sweep[i].values[j]);
  }
  sim_scenario_free(s);
}

static void
test_regions_defaults(void)
{
  sim_scenario *s = load_good("regions.ini");
  g_assert_cmpuint(s->net.n_regions, ==, 2);
  g_assert_cmpfloat(s->region_weights[0], ==, 0.5);
  g_assert_cmpfloat(s->region_weights[1], ==, 0.5);
  for (int i = 0; i < 4; i++)
    assert_dist(&s->region_latency[i], SIM_DIST_CONSTANT, 25.0 * MS, 0);
  g_assert_cmpint(s->populations[0].region, ==, 1);
  g_assert_cmpint(s->populations[1].region, ==, -1);
  g_assert_cmpuint(s->populations[1].first, ==, 2);
  g_assert_cmpuint(s->total_nodes, ==, 5);
  g_assert_cmpuint(s->duration_ns, ==, 3600 * S);
  sim_scenario_free(s);
}

/* Texts the loader refuses that GKeyFile alone would take, or that would
 * make a run that never ends. */
static void
test_bad_texts(void)
{
  static const char head[] = "[run]\nduration = 1min\n[population.p]\ncount = 10\n";
  static const struct {
    const char *tail;
    sim_scenario_error_code code;
    const char *message;
  } cases[] = {
    { "[population.p]\ncount = 20\n", SIM_SCENARIO_ERROR_CONFLICT,
      "t.ini: [population.p] appears twice (lines 3 and 5)" },
    { "[expect]\na = peer.count.mean >= 2\na = peer.count.mean >= 100\n",
      SIM_SCENARIO_ERROR_CONFLICT, "t.ini: [expect] a appears twice (lines 6 and 7)" },
    { "[run]\nseed = 2\n", SIM_SCENARIO_ERROR_CONFLICT, "t.ini: [run] appears twice" },
    { "[population.q]\ncount = 1\nname[fr] = x\n", SIM_SCENARIO_ERROR_UNKNOWN,
      "t.ini: [population.q] name[fr]: line 7: localised keys" },
    { "[event.c]\nat = 1s\naction = churn\nsession = 0\ndowntime = 1s\n",
      SIM_SCENARIO_ERROR_VALUE,
      "t.ini: [event.c] session: found '0', expected a distribution of durations with a mean "
      "of at least 1ms" },
    { "[event.c]\nat = 1s\naction = command\ncommand = ping\nevery = 1ns\n",
      SIM_SCENARIO_ERROR_VALUE, "t.ini: [event.c] every: found '1ns'" },
    { "[sweep]\nrun.seed = 1, 2\n", SIM_SCENARIO_ERROR_UNKNOWN,
      "t.ini: [sweep] run.seed: the seed cannot be swept" },
    { "[sweep]\nseeds = 4294967295\n", SIM_SCENARIO_ERROR_VALUE,
      "t.ini: [sweep] seeds: the grid holds 4294967295 runs" },
    { "[sweep]\nnetwork.loss = range(0, 0.9999, 0.0001)\nprotocol.peer.target_peers = "
      "range(1, 200, 1)\n",
      SIM_SCENARIO_ERROR_VALUE, "t.ini: [sweep] seeds: the grid holds 2000000 runs" },
    /* 'all' is the target word for every node: a population so named
     * could never be targeted alone */
    { "[population.all]\ncount = 2\n", SIM_SCENARIO_ERROR_CONFLICT,
      "t.ini: [population.all] the name 'all' is reserved: an event's target = all means every "
      "node, so it cannot also name a population; choose another name" },
    /* a partition group of no nodes */
    { "[event.s]\nat = 1s\naction = partition\nfractions = 0, 1\n", SIM_SCENARIO_ERROR_VALUE,
      "t.ini: [event.s] fractions: found '0, 1', expected at least 2 ratios above 0 summing to 1 "
      "(group 1 is '0', a group of no nodes)" },
    { "[event.s]\nat = 1s\naction = partition\nfractions = 50%, 50%, 0%\n",
      SIM_SCENARIO_ERROR_VALUE, "t.ini: [event.s] fractions: found '50%, 50%, 0%', expected at "
      "least 2 ratios above 0 summing to 1 (group 3 is '0%', a group of no nodes)" },
    /* commands that could do nothing: discovery or gossip with the layer
     * off, a victim's key without an eclipse population attacking one */
    { "[event.pub]\nat = 1s\naction = command\ncommand = publish\ntopic = 1\n",
      SIM_SCENARIO_ERROR_CONFLICT,
      "t.ini: [event.pub] command: found 'publish', a command of the gossip layer, but "
      "[protocol.gossip] mode is off, so no node it targets runs that layer" },
    { "[event.sub]\nat = 1s\naction = command\ncommand = subscribe\ntarget = p\n",
      SIM_SCENARIO_ERROR_CONFLICT,
      "t.ini: [event.sub] command: found 'subscribe', a command of the gossip layer, but "
      "[protocol.gossip] mode is off" },
    { "[event.l]\nat = 1s\naction = command\ncommand = lookup\n",
      SIM_SCENARIO_ERROR_CONFLICT,
      "t.ini: [event.l] command: found 'lookup', a command of the kad layer, but [protocol.kad] "
      "mode is off, so no node it targets runs that layer" },
    { "[event.a]\nat = 1s\naction = command\ncommand = announce\ntarget = p\n",
      SIM_SCENARIO_ERROR_CONFLICT,
      "t.ini: [event.a] command: found 'announce', a command of the kad layer, but "
      "[protocol.kad] mode is off" },
    { "[protocol.kad]\nmode = kademlia\n[event.l]\nat = 1s\naction = command\n"
      "command = lookup\nkey = victim\n",
      SIM_SCENARIO_ERROR_CONFLICT,
      "t.ini: [event.l] key: found 'victim', the first node an eclipse population attacks, but "
      "no population has behaviour = eclipse and a victim with nodes, so there is no such node; "
      "expected random or 64 hex digits" },
    { "[protocol.kad]\nmode = kademlia\n[population.v]\ncount = 0\n[population.e]\n"
      "count = 5\nbehaviour = eclipse\nvictim = v\n[event.l]\nat = 1s\naction = command\n"
      "command = store\nkey = victim\n",
      SIM_SCENARIO_ERROR_CONFLICT, "t.ini: [event.l] key: found 'victim', the first node" },
    { "[protocol.kad]\nmode = kademlia\n[population.s]\ncount = 5\nbehaviour = sybil\n"
      "victim = p\n[event.l]\nat = 1s\naction = command\ncommand = lookup\nkey = victim\n",
      SIM_SCENARIO_ERROR_CONFLICT, "t.ini: [event.l] key: found 'victim', the first node" },
    /* keys of other commands, which the command never read */
    { "[event.c]\nat = 1s\naction = command\ncommand = ping\ntopic = 3\n",
      SIM_SCENARIO_ERROR_UNKNOWN,
      "t.ini: [event.c] topic: not a key of command 'ping', only of subscribe, unsubscribe, "
      "publish (keys of ping: at, action, target, fraction, count, command, every, until)" },
    { "[event.c]\nat = 1s\naction = command\ntopic = 3\ncommand = ping\n",
      SIM_SCENARIO_ERROR_UNKNOWN, "t.ini: [event.c] topic: not a key of command 'ping'" },
    { "[event.c]\nat = 1s\naction = command\ncommand = ping\nkey = victim\n",
      SIM_SCENARIO_ERROR_UNKNOWN,
      "t.ini: [event.c] key: not a key of command 'ping', only of lookup, store, find-value" },
    { "[event.c]\nat = 1s\naction = command\ncommand = ping\nwant = 5\n",
      SIM_SCENARIO_ERROR_UNKNOWN,
      "t.ini: [event.c] want: not a key of command 'ping', only of find-workers" },
    { "[event.c]\nat = 1s\naction = command\ncommand = lookup\nsize = 100\n",
      SIM_SCENARIO_ERROR_UNKNOWN,
      "t.ini: [event.c] size: not a key of command 'lookup', only of publish (keys of lookup: "
      "at, action, target, fraction, count, command, every, until, key)" },
    { "[event.c]\nat = 1s\naction = command\ncommand = lookup\ntopic = 1\n",
      SIM_SCENARIO_ERROR_UNKNOWN, "t.ini: [event.c] topic: not a key of command 'lookup'" },
    { "[event.c]\nat = 1s\naction = command\ncommand = find-value\nvalue_size = 100B\n",
      SIM_SCENARIO_ERROR_UNKNOWN,
      "t.ini: [event.c] value_size: not a key of command 'find-value', only of store" },
    { "[event.c]\nat = 1s\naction = command\ncommand = refresh\nkey = random\n",
      SIM_SCENARIO_ERROR_UNKNOWN, "t.ini: [event.c] key: not a key of command 'refresh'" },
    { "[event.c]\nat = 1s\naction = command\ncommand = announce\ntask = 3\n",
      SIM_SCENARIO_ERROR_UNKNOWN,
      "t.ini: [event.c] task: not a key of command 'announce', only of find-workers" },
    { "[event.c]\nat = 1s\naction = command\ncommand = subscribe\nsize = 1KiB\n",
      SIM_SCENARIO_ERROR_UNKNOWN,
      "t.ini: [event.c] size: not a key of command 'subscribe', only of publish (keys of "
      "subscribe: at, action, target, fraction, count, command, every, until, topic)" },
    { "[event.c]\nat = 1s\naction = command\ncommand = publish\nmin_speed = 2\n",
      SIM_SCENARIO_ERROR_UNKNOWN, "t.ini: [event.c] min_speed: not a key of command 'publish'" },
    { "[event.c]\nat = 1s\naction = command\ncommand = ping\n[sweep]\n"
      "event.c.topic = 1, 2\n",
      SIM_SCENARIO_ERROR_UNKNOWN,
      "t.ini: [sweep] event.c.topic: 'topic' is not a key of this event's command" },
    /* integer keys written as floats (1e2 was 100 nodes): integer syntax only */
    { "[population.q]\ncount = 1e2\n", SIM_SCENARIO_ERROR_VALUE,
      "t.ini: [population.q] count: found '1e2', expected a non-negative integer like 500, "
      "10k or 2M, from 0 to 4294967295" },
    { "[population.q]\ncount = 100.0\n", SIM_SCENARIO_ERROR_VALUE,
      "t.ini: [population.q] count: found '100.0', expected a non-negative integer" },
    { "[protocol.peer]\ntarget_peers = 8e0\n", SIM_SCENARIO_ERROR_VALUE,
      "t.ini: [protocol.peer] target_peers: found '8e0', expected an integer from 0 to 65535" },
    { "[protocol.kad]\nk = 2e1\n", SIM_SCENARIO_ERROR_VALUE,
      "t.ini: [protocol.kad] k: found '2e1', expected an integer from 1 to 255" },
    { "[population.q]\ncount = 1\nstake = 1e6\n", SIM_SCENARIO_ERROR_VALUE,
      "t.ini: [population.q] stake: found '1e6', expected an integer from 0 to "
      "18446744073709551615" },
    { "[event.c]\nat = 1s\naction = crash\ncount = 1e0\n", SIM_SCENARIO_ERROR_VALUE,
      "t.ini: [event.c] count: found '1e0', expected a non-negative integer" },
    { "[sweep]\nseeds = 1e1\n", SIM_SCENARIO_ERROR_VALUE,
      "t.ini: [sweep] seeds: found '1e1', expected a non-negative integer" },
    { "[sweep]\npopulation.p.count = range(1e1, 2e1, 1e1)\n", SIM_SCENARIO_ERROR_VALUE,
      "t.ini: [sweep] population.p.count: found 'range(1e1, 2e1, 1e1)', expected range(lo, hi, "
      "step)" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *text = g_strconcat(head, cases[i].tail, NULL);
    GError *error = NULL;
    sim_scenario *s = sim_scenario_load_data(text, "t.ini", NULL, NULL, &error);
    g_assert_null(s);
    g_assert_error(error, SIM_SCENARIO_ERROR, (gint)cases[i].code);
    if (!g_str_has_prefix(error->message, cases[i].message))
      g_error("case %u: message\n  %s\ndoes not start with\n  %s", i, error->message,
              cases[i].message);
    g_error_free(error);
    g_free(text);
  }
  /* thirds written as percentages sum to 0.9999: accepted (the last group
   * takes the rest); a tenth off is not */
  static const char thirds[] = "[run]\nduration = 1min\n[population.p]\ncount = 10\n"
                               "[event.s]\nat = 1s\naction = partition\n"
                               "fractions = 33.33%, 33.33%, 33.33%\n";
  GError *terr = NULL;
  sim_scenario *ts = sim_scenario_load_data(thirds, "t.ini", NULL, NULL, &terr);
  g_assert_no_error(terr);
  sim_scenario_free(ts);
  /* the same commands where they act: gossip on, an eclipse population
   * attacking a population with nodes */
  static const char acting[] =
      "[run]\nduration = 1min\n[protocol.gossip]\nmode = mesh\n[protocol.kad]\n"
      "mode = kademlia\n[population.p]\ncount = 10\n[population.e]\ncount = 5\n"
      "behaviour = eclipse\nvictim = p\n[event.pub]\nat = 1s\naction = command\n"
      "command = publish\n[event.l]\nat = 1s\naction = command\ncommand = lookup\n"
      "key = victim\n";
  ts = sim_scenario_load_data(acting, "t.ini", NULL, NULL, &terr);
  g_assert_no_error(terr);
  g_assert_true(ts->events[1].key_victim);
  sim_scenario_free(ts);
  /* every command-specific key with a command that reads it */
  static const char reading[] =
      "[run]\nduration = 1min\n[protocol.gossip]\nmode = mesh\n[protocol.kad]\n"
      "mode = kademlia\n[population.p]\ncount = 10\n"
      "[event.s]\nat = 1s\naction = command\ncommand = store\nkey = random\n"
      "value_size = 100B\n"
      "[event.f]\nat = 2s\naction = command\ncommand = find-workers\ntask = 3\n"
      "min_speed = 2\nmax_price = 4000\nwant = 5\n"
      "[event.b]\nat = 3s\naction = command\ncommand = publish\ntopic = 7\nsize = 100B\n"
      "[event.u]\nat = 4s\naction = command\ncommand = unsubscribe\ntopic = 7\n";
  ts = sim_scenario_load_data(reading, "t.ini", NULL, NULL, &terr);
  g_assert_no_error(terr);
  g_assert_cmpuint(ts->events[0].value_size, ==, 100);
  g_assert_cmpuint(ts->events[1].want, ==, 5);
  g_assert_cmpuint(ts->events[2].size_bytes, ==, 100);
  g_assert_cmpuint(ts->events[3].topic, ==, 7);
  sim_scenario_free(ts);
  /* a count keeps its k and M units, with a fraction before them */
  static const char kilo[] = "[run]\nduration = 1min\n[population.p]\ncount = 1.5k\n";
  ts = sim_scenario_load_data(kilo, "t.ini", NULL, NULL, &terr);
  g_assert_no_error(terr);
  g_assert_cmpuint(ts->total_nodes, ==, 1500);
  sim_scenario_free(ts);

  /* the run's name as a file name stays inside results/ */
  static const char *const stems[][2] = {
    { "../../etc/x", "_._.._etc_x" }, { ".hidden", "_hidden" }, { "a\nb\\c", "a_b_c" },
    { "<script>alert(\"x\")</script>tiny", "<script>alert(\"x\")<_script>tiny" }, { "", "run" },
  };
  GError *error = NULL;
  for (guint i = 0; i < G_N_ELEMENTS(stems); i++) {
    char *set = g_strconcat("run.name=", stems[i][0], NULL);
    const char *sets[] = { set, NULL };
    sim_scenario *s = sim_scenario_load_data(head, "t.ini", sets, NULL, &error);
    g_assert_no_error(error);
    char *stem = sim_scenario_file_stem(s);
    g_assert_cmpstr(stem, ==, stems[i][1]);
    g_free(stem);
    sim_scenario_free(s);
    g_free(set);
  }
  /* a NUL byte, an endless file */
  char *dir = tu_tmpdir();
  char *nul = g_build_filename(dir, "nul.ini", NULL);
  g_assert_true(g_file_set_contents(nul, "[run]\nduration = 1min\0junk\n", 26, NULL));
  g_assert_null(sim_scenario_load(nul, NULL, NULL, &error));
  g_assert_nonnull(strstr(error->message, "a NUL byte at offset 21"));
  g_clear_error(&error);
  if (g_file_test("/dev/zero", G_FILE_TEST_EXISTS)) {
    g_assert_null(sim_scenario_load("/dev/zero", NULL, NULL, &error));
    g_assert_nonnull(strstr(error->message, "/dev/zero: larger than 16 MiB"));
    g_clear_error(&error);
  }
  tu_rmtree(dir);
  g_free(nul);
  g_free(dir);
}

/* The scenarios shipped in scenarios/ load. */
static void
test_shipped_scenarios(void)
{
  char *dir_path = tu_source_path("scenarios");
  GDir *dir = g_dir_open(dir_path, 0, NULL);
  g_assert_nonnull(dir);
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  const char *name;
  while ((name = g_dir_read_name(dir)))
    if (g_str_has_suffix(name, ".ini"))
      g_ptr_array_add(names, g_strdup(name));
  g_dir_close(dir);
  g_assert_cmpuint(names->len, >, 0);
  for (guint i = 0; i < names->len; i++) {
    char *path = g_build_filename(dir_path, g_ptr_array_index(names, i), NULL);
    GError *error = NULL;
    sim_scenario *s = sim_scenario_load(path, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(s->total_nodes, >, 0);
    sim_scenario_free(s);
    g_free(path);
  }
  g_ptr_array_free(names, TRUE);
  g_free(dir_path);
}

/* ------------------------------------------------------------- bad files */

static const struct {
  const char *file;            /* under tests/data/bad/ */
  sim_scenario_error_code code;
  const char *message;         /* substring after "PATH: " */
} bad[] = {
  { "unknown-group.ini", SIM_SCENARIO_ERROR_UNKNOWN,
    "[netwrok] unknown group, did you mean [network]?" },
  { "unknown-key.ini", SIM_SCENARIO_ERROR_UNKNOWN,
    "[run] unknown key 'durration', did you mean 'duration'?" },
  { "misspelled-population.ini", SIM_SCENARIO_ERROR_UNKNOWN,
    "[populaton.workers] unknown group, did you mean [population.workers]?" },
  { "unknown-group-no-hint.ini", SIM_SCENARIO_ERROR_UNKNOWN,
    "[attacks] unknown group (known groups: run, network" },
  { "missing-duration.ini", SIM_SCENARIO_ERROR_MISSING,
    "[run] duration: missing, expected a duration like 250ms" },
  { "empty.ini", SIM_SCENARIO_ERROR_MISSING, "[run] duration: missing, expected a duration" },
  { "bad-duration.ini", SIM_SCENARIO_ERROR_VALUE,
    "[run] duration: found '5 parsecs', expected a duration like" },
  { "bare-duration.ini", SIM_SCENARIO_ERROR_VALUE, "[run] duration: found '50', expected a duration" },
  { "bad-distribution.ini", SIM_SCENARIO_ERROR_VALUE,
    "[network] latency: found 'lognormal(40ms)', expected lognormal(median, sigma)" },
  { "bad-ratio.ini", SIM_SCENARIO_ERROR_VALUE, "[network] loss: found '1.5', expected a ratio" },
  { "negative-count.ini", SIM_SCENARIO_ERROR_VALUE,
    "[population.nodes] count: found '-3', expected a non-negative integer" },
  { "zero-count.ini", SIM_SCENARIO_ERROR_VALUE,
    "[population.nodes] count: found 0 nodes in every population, expected at least 1 node in all" },
  { "too-many-nodes.ini", SIM_SCENARIO_ERROR_VALUE,
    "[population.nodes] count: found 9000000 nodes in all populations, expected fewer than 8388608" },
  { "bad-version.ini", SIM_SCENARIO_ERROR_VALUE,
    "[protocol.peer] version: found '1.2.3', expected a version major.minor like 1.2" },
  { "unknown-eviction.ini", SIM_SCENARIO_ERROR_VALUE,
    "[protocol.peer] eviction: found 'oldst', expected one of oldest, lowest-trust, random or "
    "none; did you mean 'oldest'?" },
  { "unknown-behaviour.ini", SIM_SCENARIO_ERROR_VALUE,
    "[population.bad] behaviour: found 'byzantine', expected one of honest, silent, version-liar, "
    "sybil, eclipse, fake-ads, censor, covert-flash, spam-invalid, duplicate-flood or mesh-sybil" },
  { "unknown-feature.ini", SIM_SCENARIO_ERROR_VALUE,
    "[protocol.peer] features: found 'peer-exchange, gossip', expected a comma-separated list of "
    "peer-exchange, batching or compression, or none" },
  { "unknown-role.ini", SIM_SCENARIO_ERROR_VALUE,
    "[population.nodes] role: found 'miner', expected a comma-separated list of requester" },
  { "unknown-action.ini", SIM_SCENARIO_ERROR_VALUE,
    "[event.boom] action: found 'explode', expected one of partition, heal, crash, restart, "
    "churn or command" },
  { "event-key-wrong-action.ini", SIM_SCENARIO_ERROR_UNKNOWN,
    "[event.heal] session: not a key of action 'heal' (keys of heal: at, action)" },
  { "event-key-wrong-command.ini", SIM_SCENARIO_ERROR_UNKNOWN,
    "[event.ping] topic: not a key of command 'ping', only of subscribe, unsubscribe, publish "
    "(keys of ping: at, action, target, fraction, count, command, every, until)" },
  { "event-unknown-target.ini", SIM_SCENARIO_ERROR_VALUE,
    "[event.crash] target: found 'wrkers', expected a population name or all (one of: all, "
    "workers); did you mean 'workers'?" },
  { "event-missing-action.ini", SIM_SCENARIO_ERROR_MISSING,
    "[event.x] action: missing, expected one of partition" },
  { "event-after-end.ini", SIM_SCENARIO_ERROR_CONFLICT,
    "[event.late] at: found '2min', expected a time within the run ([run] duration = 1min)" },
  { "churn-missing-session.ini", SIM_SCENARIO_ERROR_MISSING,
    "[event.churn] session: missing, expected a distribution of durations" },
  { "until-before-at.ini", SIM_SCENARIO_ERROR_CONFLICT,
    "[event.ping] until: found '20s', expected a time after 'at' (30s)" },
  { "unknown-command.ini", SIM_SCENARIO_ERROR_VALUE,
    "[event.ping] command: found 'jump', expected one of ping, connect, peer-exchange, lookup, "
    "store, find-value, refresh, announce, find-workers, subscribe, unsubscribe or publish" },
  { "count-and-fraction.ini", SIM_SCENARIO_ERROR_CONFLICT,
    "[event.crash] count: found '3' together with 'fraction'" },
  { "fractions-sum.ini", SIM_SCENARIO_ERROR_VALUE,
    "[event.split] fractions: found '0.5, 0.4', expected at least 2 ratios summing to 1 "
    "(found 2 summing to 0.9)" },
  { "fractions-one.ini", SIM_SCENARIO_ERROR_VALUE,
    "[event.split] fractions: found '1', expected at least 2 ratios summing to 1" },
  { "region-matrix-size.ini", SIM_SCENARIO_ERROR_CONFLICT,
    "[network] region_latency: found a 2x2 matrix, expected 3x3" },
  { "region-matrix-ragged.ini", SIM_SCENARIO_ERROR_VALUE,
    "[network] region_latency: found '10ms, uniform(20ms, 30ms); 20ms', expected a square "
    "matrix of duration distributions, entries separated by ',', rows by ';' (row 2 has 1 "
    "entries, there are 2 rows)" },
  { "region-weights-count.ini", SIM_SCENARIO_ERROR_CONFLICT,
    "[network] region_weights: found 2 weights, expected 3" },
  { "unknown-region.ini", SIM_SCENARIO_ERROR_VALUE,
    "[population.nodes] region: found 'mars', expected one of the [network] regions: earth, moon" },
  { "min-minor-above.ini", SIM_SCENARIO_ERROR_CONFLICT,
    "[protocol.peer] min_minor: found '2', expected at most the minor version of 'version' (1.1)" },
  { "target-above-max.ini", SIM_SCENARIO_ERROR_CONFLICT,
    "[population.greedy] target_peers: found '20', expected at most 'max_peers'" },
  { "bad-expect.ini", SIM_SCENARIO_ERROR_VALUE,
    "[expect] rtt: found 'ping.rtt_ms.p99 <== 400', expected" },
  { "sweep-unknown-key.ini", SIM_SCENARIO_ERROR_UNKNOWN,
    "[sweep] network.latncy: unknown key 'latncy' in [network], did you mean 'latency'?" },
  { "sweep-unknown-population.ini", SIM_SCENARIO_ERROR_UNKNOWN,
    "[sweep] population.ghost.count: unknown group [population.ghost]: not in the file" },
  { "sweep-bad-value.ini", SIM_SCENARIO_ERROR_VALUE,
    "[sweep] network.loss: found '2', expected a ratio" },
  { "sweep-bad-range.ini", SIM_SCENARIO_ERROR_VALUE,
    "[sweep] population.nodes.count: found 'range(10, 5, 1)', expected range(lo, hi, step) "
    "with lo <= hi" },
  { "syntax-error.ini", SIM_SCENARIO_ERROR_READ, "line 3: not a valid key file" },
  { "key-before-group.ini", SIM_SCENARIO_ERROR_READ, "line 1: not a valid key file" },
  { "no-population.ini", SIM_SCENARIO_ERROR_MISSING,
    "[population.NAME] count: missing, expected at least one [population.NAME] group" },
  { "bad-group-name.ini", SIM_SCENARIO_ERROR_UNKNOWN,
    "[population.my workers] unknown group: the name after the dot must be one segment" },
  { "first-error-wins.ini", SIM_SCENARIO_ERROR_VALUE, "[network] loss: found '2'" },
};

static void
test_bad_files(void)
{
  g_assert_cmpuint(G_N_ELEMENTS(bad), >=, 25);
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    char *rel = g_build_filename("tests", "data", "bad", bad[i].file, NULL);
    char *path = tu_source_path(rel);
    GError *error = NULL;
    g_test_message("%s", bad[i].file);
    sim_scenario *s = sim_scenario_load(path, NULL, NULL, &error);
    g_assert_null(s);
    g_assert_error(error, SIM_SCENARIO_ERROR, (gint)bad[i].code);
    char *prefix = g_strdup_printf("%s: ", path);
    if (!g_str_has_prefix(error->message, prefix) || !strstr(error->message, bad[i].message))
      g_error("%s: message\n  %s\ndoes not start with\n  %s\nor lacks\n  %s", bad[i].file,
              error->message, prefix, bad[i].message);
    g_free(prefix);
    g_error_free(error);
    g_free(path);
    g_free(rel);
  }
}

/* Every fixture under tests/data/bad/ is in the table. */
static void
test_bad_table_complete(void)
{
  char *dir_path = tu_source_path("tests/data/bad");
  GDir *dir = g_dir_open(dir_path, 0, NULL);
  g_assert_nonnull(dir);
  const char *name;
  guint n = 0;
  while ((name = g_dir_read_name(dir))) {
    bool found = false;
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++)
      found = found || strcmp(bad[i].file, name) == 0;
    if (!found)
      g_error("tests/data/bad/%s is not in the table of test-scenario.c", name);
    n++;
  }
  g_dir_close(dir);
  g_assert_cmpuint(n, ==, G_N_ELEMENTS(bad));
  g_free(dir_path);
}

static void
test_missing_file(void)
{
  GError *error = NULL;
  sim_scenario *s = sim_scenario_load("/nonexistent/peerlab/x.ini", NULL, NULL, &error);
  g_assert_null(s);
  g_assert_error(error, SIM_SCENARIO_ERROR, SIM_SCENARIO_ERROR_READ);
  g_assert_true(g_str_has_prefix(error->message, "/nonexistent/peerlab/x.ini: cannot read"));
  g_error_free(error);
}

/* ------------------------------------------------------------- overrides */

static const char base_text[] =
  "[run]\n"
  "duration = 1min\n"
  "\n"
  "[network]\n"
  "loss = 1%\n"
  "\n"
  "[population.workers]\n"
  "count = 10\n"
  "\n"
  "[event.split]\n"
  "at = 10s\n"
  "action = partition\n"
  "fractions = 0.5, 0.5\n";

static sim_scenario *
load_with(const char *const *sets, const uint64_t *seed, GError **error)
{
  return sim_scenario_load_data(base_text, "base.ini", sets, seed, error);
}

static void
test_override_values(void)
{
  const char *sets[] = { "network.loss = 2%", "population.workers.behaviour= silent ", "protocol.peer.max_peers=32",
                         "population.workers.count=7", "run.description=from the CLI",
                         "sweep.protocol.peer.max_peers=16,32", NULL };
  uint64_t seed = 99;
  GError *error = NULL;
  sim_scenario *s = load_with(sets, &seed, &error);
  g_assert_no_error(error);
  g_assert_cmpfloat_with_epsilon(s->net.loss, 0.02, 1e-12);
  g_assert_cmpuint(s->protocol.max_peers, ==, 32);
  g_assert_cmpuint(s->populations[0].config.max_peers, ==, 32);
  g_assert_cmpuint(s->populations[0].count, ==, 7);
  g_assert_cmpint(s->populations[0].behaviour, ==, SIM_BEHAVIOUR_SILENT);
  g_assert_cmpuint(s->total_nodes, ==, 7);
  g_assert_cmpstr(s->description, ==, "from the CLI");
  g_assert_cmpuint(s->seed, ==, 99);
  g_assert_cmpstr(s->name, ==, "base");
  g_assert_cmpuint(s->n_sweep, ==, 1);
  g_assert_cmpstr(s->sweep[0].group, ==, "protocol.peer");
  g_assert_cmpstr(s->sweep[0].key, ==, "max_peers");
  g_assert_cmpstr(s->sweep[0].values[1], ==, "32");

  /* the text as run has the overrides and the seed, and loads to the same values */
  g_assert_nonnull(strstr(s->text, "loss=2%"));
  g_assert_nonnull(strstr(s->text, "max_peers=32"));
  g_assert_nonnull(strstr(s->text, "count=7"));
  g_assert_nonnull(strstr(s->text, "seed=99"));
  g_assert_null(strstr(s->text, "loss=1%"));
  sim_scenario *again = sim_scenario_load_data(s->text, "base.ini", NULL, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(again->text, ==, s->text);
  g_assert_cmpuint(again->seed, ==, 99);
  g_assert_cmpuint(again->populations[0].count, ==, 7);
  sim_scenario_free(again);
  sim_scenario_free(s);
}

static void
test_override_creates_population(void)
{
  const char *sets[] = { "population.extra.count=5", "population.extra.behaviour=silent",
                         "event.churn.target=extra", "event.churn.at=5s", "event.churn.action=churn",
                         "event.churn.session=10s", "event.churn.downtime=2s", NULL };
  GError *error = NULL;
  sim_scenario *s = load_with(sets, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(s->n_populations, ==, 2);
  g_assert_cmpstr(s->populations[1].name, ==, "extra");
  g_assert_cmpuint(s->populations[1].first, ==, 10);
  g_assert_cmpuint(s->populations[1].count, ==, 5);
  g_assert_cmpint(s->populations[1].behaviour, ==, SIM_BEHAVIOUR_SILENT);
  g_assert_cmpuint(s->total_nodes, ==, 15);
  g_assert_cmpstr(s->events[0].name, ==, "churn");
  g_assert_cmpint(s->events[0].target, ==, 1);
  g_assert_cmpint(s->events[1].target, ==, -1);
  g_assert_nonnull(strstr(s->text, "[population.extra]"));
  sim_scenario_free(s);
}

static void
test_override_rejected(void)
{
  static const struct {
    const char *set;
    sim_scenario_error_code code;
    const char *message;
  } cases[] = {
    { "network.loss", SIM_SCENARIO_ERROR_OVERRIDE,
      "base.ini: --set 'network.loss': expected group.key=value" },
    { "loss=1", SIM_SCENARIO_ERROR_OVERRIDE, "base.ini: --set 'loss=1': expected group.key=value" },
    { "=5", SIM_SCENARIO_ERROR_OVERRIDE, "base.ini: --set '=5': expected group.key=value" },
    { "run.=5", SIM_SCENARIO_ERROR_OVERRIDE, "base.ini: --set 'run.=5': expected group.key=value" },
    { "expect.a b=x > 1", SIM_SCENARIO_ERROR_OVERRIDE,
      "base.ini: --set 'expect.a b=x > 1': expected group.key=value" },
    { "netwrk.loss=1", SIM_SCENARIO_ERROR_OVERRIDE,
      "base.ini: --set 'netwrk.loss=1': no known group in 'netwrk.loss'" },
    { "population.a.b.count=1", SIM_SCENARIO_ERROR_UNKNOWN,
      "base.ini: [population.a] unknown key 'b.count'" },
    { "run.durration=5s", SIM_SCENARIO_ERROR_UNKNOWN,
      "base.ini: [run] unknown key 'durration', did you mean 'duration'? (in --set "
      "'run.durration=5s')" },
    { "network.loss=3", SIM_SCENARIO_ERROR_VALUE,
      "base.ini: [network] loss: found '3', expected a ratio in [0, 1] like 0.25 or 25% (set by "
      "--set 'network.loss=3')" },
    { "event.split.session=10s", SIM_SCENARIO_ERROR_UNKNOWN,
      "base.ini: [event.split] session: not a key of action 'partition' (keys of partition: at, "
      "action, fractions) (set by --set 'event.split.session=10s')" },
    { "event.split.target=workers", SIM_SCENARIO_ERROR_UNKNOWN,
      "base.ini: [event.split] target: not a key of action 'partition'" },
    { "population.extra.behaviour=silent", SIM_SCENARIO_ERROR_MISSING,
      "base.ini: [population.extra] count: missing" },
    /* values the loader accepted and the run then aborted on, or never
     * finished with */
    { "run.sample_interval=1ns", SIM_SCENARIO_ERROR_VALUE,
      "base.ini: [run] sample_interval: found '1ns', expected a duration like" },
    { "protocol.peer.heartbeat_interval=10us", SIM_SCENARIO_ERROR_VALUE,
      "base.ini: [protocol.peer] heartbeat_interval: found '10us'" },
    { "protocol.peer.version=0.2", SIM_SCENARIO_ERROR_VALUE,
      "base.ini: [protocol.peer] version: found '0.2', expected a version major.minor like "
      "1.2 (major 1 to 255" },
    { "protocol.peer.max_peers=65535", SIM_SCENARIO_ERROR_VALUE,
      "base.ini: [protocol.peer] max_peers: found '65535', expected 1 to 4096" },
    { "protocol.peer.max_peers=0", SIM_SCENARIO_ERROR_VALUE,
      "base.ini: [protocol.peer] max_peers: found '0', expected 1 to 4096" },
    { "protocol.crypto.sigcache_capacity=4294967295", SIM_SCENARIO_ERROR_VALUE,
      "base.ini: [protocol.crypto] sigcache_capacity: found '4294967295', expected at most" },
    { "protocol.kad.id_puzzle_bits=255", SIM_SCENARIO_ERROR_VALUE,
      "base.ini: [protocol.kad] id_puzzle_bits: found '255', expected at most 64" },
    { "run.description=caf\xe9", SIM_SCENARIO_ERROR_OVERRIDE,
      "base.ini: --set 'run.description=caf\xef\xbf\xbd': expected UTF-8 text, found a byte "
      "that is not UTF-8 (0xe9, at byte 20; shown as U+FFFD)" },
    { "run.name=\xff", SIM_SCENARIO_ERROR_OVERRIDE,
      "base.ini: --set 'run.name=\xef\xbf\xbd': expected UTF-8 text, found a byte that is not "
      "UTF-8 (0xff, at byte 10; shown as U+FFFD)" },
    { "population.workers.count=1e1", SIM_SCENARIO_ERROR_VALUE,
      "base.ini: [population.workers] count: found '1e1', expected a non-negative integer like "
      "500, 10k or 2M, from 0 to 4294967295 (set by --set 'population.workers.count=1e1')" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    const char *sets[] = { cases[i].set, NULL };
    GError *error = NULL;
    sim_scenario *s = load_with(sets, NULL, &error);
    g_assert_null(s);
    g_assert_error(error, SIM_SCENARIO_ERROR, (gint)cases[i].code);
    if (!g_str_has_prefix(error->message, cases[i].message))
      g_error("--set %s: message\n  %s\ndoes not start with\n  %s", cases[i].set,
              error->message, cases[i].message);
    g_error_free(error);
  }
}

/* Loading is deterministic: the same input gives the same text and error. */
static void
test_deterministic(void)
{
  GError *error = NULL;
  sim_scenario *a = load_good("full.ini");
  sim_scenario *b = load_good("full.ini");
  g_assert_cmpstr(a->text, ==, b->text);
  sim_scenario_free(a);
  sim_scenario_free(b);
  const char *text = "[run]\nduration=1s\nfoo=1\n[netwrk]\n";
  sim_scenario *s = sim_scenario_load_data(text, "x.ini", NULL, NULL, &error);
  g_assert_null(s);
  char *first = g_strdup(error->message);
  g_clear_error(&error);
  s = sim_scenario_load_data(text, "x.ini", NULL, NULL, &error);
  g_assert_null(s);
  g_assert_cmpstr(error->message, ==, first);
  g_assert_cmpstr(first, ==, "x.ini: [run] unknown key 'foo' (known keys: name, description, "
                             "seed, duration, sample_interval)");
  g_clear_error(&error);
  g_free(first);
}

/* ------------------------------------------------------------- reference */

static void
test_reference_up_to_date(void)
{
  GString *ref = g_string_new(NULL);
  sim_scenario_write_reference(ref);
  g_assert_nonnull(strstr(ref->str, "## [population.NAME]"));
  g_assert_nonnull(strstr(ref->str, "| `region_latency` |"));
  g_assert_nonnull(strstr(ref->str, "| `heartbeat_interval` |"));
  g_assert_nonnull(strstr(ref->str, "| `session` | churn |"));

  char *path = tu_source_path("docs/scenarios.md");
  char *doc = NULL;
  GError *error = NULL;
  bool read = g_file_get_contents(path, &doc, NULL, &error);
  if (!read || strcmp(doc, ref->str) != 0) {
    const char *build = g_getenv("PEERLAB_BUILD_ROOT");
    char *fresh = g_build_filename(build ? build : ".", "scenarios.md.generated", NULL);
    g_file_set_contents(fresh, ref->str, (gssize)ref->len, NULL);
    g_error("%s is out of date with the schema in sim/scenario.c: regenerate it with "
            "`peerlab reference > docs/scenarios.md` (the expected text was written to %s)",
            path, fresh);
  }
  g_free(doc);
  g_free(path);
  g_string_free(ref, TRUE);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/scenario/good/minimal-defaults", test_minimal_defaults);
  g_test_add_func("/scenario/good/full", test_full);
  g_test_add_func("/scenario/good/regions-defaults", test_regions_defaults);
  g_test_add_func("/scenario/good/shipped-scenarios", test_shipped_scenarios);
  g_test_add_func("/scenario/bad/files", test_bad_files);
  g_test_add_func("/scenario/bad/texts", test_bad_texts);
  g_test_add_func("/scenario/bad/table-complete", test_bad_table_complete);
  g_test_add_func("/scenario/bad/missing-file", test_missing_file);
  g_test_add_func("/scenario/set/values", test_override_values);
  g_test_add_func("/scenario/set/creates-population", test_override_creates_population);
  g_test_add_func("/scenario/set/rejected", test_override_rejected);
  g_test_add_func("/scenario/deterministic", test_deterministic);
  g_test_add_func("/scenario/reference-up-to-date", test_reference_up_to_date);
  return g_test_run();
}
