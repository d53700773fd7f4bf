/*
 * kad_host.c — the simulator's side of the discovery layer (a host module,
 * world_internal.h).
 *
 * What it does
 * ------------
 * Ground truth.  It keeps three sim_kad_truth indexes over the nodes that
 * run the discovery layer: every member, the honest ones, and the
 * colluders of an eclipse attack; each knows who is live (node_started /
 * node_stopped).  When a core reports a finished lookup
 * (PL_OBS_KAD_LOOKUP) the module finds the live node truly closest to the
 * target (the requester itself excluded) and records
 *
 *   dht.lookup.success         1 if the result holds it, else 0 (observation;
 *                              its mean is the success rate); a FIND_VALUE
 *                              (PL_OBS_KAD_VALUE) of a key some node stored
 *                              counts too: 1 if it found a value;
 *   dht.lookup.success_honest  the same against the closest honest live node
 *                              (what a victim of colluders really wants),
 *                              for every key but the first victim's id;
 *   dht.eclipse.victim_lookups a victim's lookup finished (counter);
 *   dht.eclipse.lookups_captured  ... and every node of its result is an
 *                              attacker (counter);
 *   dht.eclipse.target_success another node's lookup of the first victim's
 *                              own id (event key = victim): 1 if the result
 *                              holds the victim, else 0 (observation);
 *   cap.find.fake_share        share of the workers a find-workers returned
 *                              that are fake-ads nodes (observation);
 *   cap.find.top_fake          finds whose first-ranked worker is fake
 *                              (counter).
 *
 * Gauges, at every metrics window: dht.table.contacts (per live node), and
 * dht.eclipse.victim_table_attacker_share (per live victim: attackers
 * among its routing-table contacts).
 *
 * The ledger and the network, as the cores see them (pl_env callbacks it
 * installs when the world is built): a node's stake (population `stake`,
 * or the minimum for a stake-budgeted Sybil), its network prefix
 * (population `prefixes`), and its id-puzzle nonce, solved here for every
 * node with real hashing (pl_idcost_solve from the stream ("kad-nonce", h))
 * for the strictest `id_puzzle_bits` of the scenario; a key no node owns
 * has nonce 0 and fails any puzzle.
 *
 * Bootstrap.  With [protocol.kad] bootstrap = oracle a starting node's
 * routing table is filled from the truth through pl_kad_seed, the way
 * PeerSim builds a static network: for every common-prefix length with its
 * own id, a uniform sample (stream ("kad-oracle", h)) of the members in
 * that subtree, as many as the buckets hold; the core's own checks (id
 * cost, prefix limit, full buckets) apply.
 *
 * Attacks.  Sybil populations get only the ids their budget pays for and
 * ids ground near their target (node_exists / node_seed hooks,
 * attack_sybil.c).  Eclipse colluders get the shared strategy of
 * attack_eclipse.c, and every colluder KAD_PINGs every victim when it
 * starts and at every metrics window, which is how their ids get into the
 * victims' buckets.  Fake-ads workers announce inflated offers
 * (attack_fakeads.c).
 *
 * Commands.  [event] commands of the discovery layer get their data here:
 * lookup / find-value (a key: the event's, or random — for lookup the core
 * draws it from its own stream, for the others the module's stream
 * ("kad-cmd", 0)), store (key + a value of value_size bytes), announce (the
 * population's offer), find-workers (the event's need).  Nodes whose
 * population runs no discovery layer are skipped.
 */
#include "world_internal.h"

#include <sodium.h>
#include <string.h>

#include "attack_eclipse.h"
#include "attack_fakeads.h"
#include "attack_sybil.h"
#include "capability.h"
#include "idcost.h"
#include "identity.h"
#include "kad.h"
#include "kad_truth.h"

enum {
  F_KAD = 1u << 0,      /* runs the discovery layer */
  F_ATTACKER = 1u << 1, /* sybil or eclipse population */
  F_COLLUDER = 1u << 2, /* eclipse population */
  F_VICTIM = 1u << 3,   /* in a population some eclipse population attacks */
  F_FAKE = 1u << 4,     /* fake-ads population */
};

typedef struct kad_host {
  sim_kad_truth *all;       /* every existing kad node */
  sim_kad_truth *honest;    /* ... of no attacking population; NULL when that is every
                               member (no attacker): |all| answers for it, so a lookup's
                               success is judged with one truth walk, not two */
  sim_kad_truth *colluders; /* ... of eclipse populations */
  sim_eclipse *eclipse;     /* colluders' shared strategy, NULL without colluders */
  uint64_t *nonce;          /* per scenario node: id-puzzle nonce; NULL without puzzles */
  uint8_t *flags;           /* per scenario node: F_* */
  uint32_t *victims;        /* handles of victim nodes, ascending */
  uint32_t n_victims;
  GHashTable *stored_keys;  /* 32-byte keys some node stored (lookup only) */
  sim_rng cmd_rng;          /* ("kad-cmd", 0): random keys and values of commands */
  pl_peer *scratch;         /* room for one node's contacts */
  uint32_t scratch_len;
  /* metric ids */
  uint32_t m_success, m_success_honest, m_contacts, m_share, m_captured, m_victim_lookups;
  uint32_t m_fake_share, m_top_fake, m_target_success;
} kad_host;

extern const sim_host_module sim_kad_host_module;

static const uint8_t *
id_of(uint32_t h, void *user_data)
{
  return sim_world_node_id(user_data, h);
}

static kad_host *
state_of(const sim_world *w)
{
  return sim_world_module_state(w, &sim_kad_host_module);
}

static bool
runs_kad(const sim_population *pop)
{
  return pop->config.kad.mode != PL_KAD_OFF;
}

/* ------------------------------------------------------------ env oracles */

static uint32_t
env_prefix(pl_peer peer, void *user_data)
{
  sim_world *w = user_data;
  if (peer >= w->n)
    return peer & 0x7fffffffu;
  const sim_population *pop = sim_world_population(w, peer);
  if (!pop->kad.prefixes)
    return peer & 0x7fffffffu;
  /* Shared prefixes live in the upper half, apart from every own prefix. */
  uint32_t p = (uint32_t)(pop - w->sc->populations);
  return 0x80000000u | (p << 20) | ((peer - pop->first) % pop->kad.prefixes & 0xfffffu);
}

static uint64_t
env_stake(pl_peer peer, void *user_data)
{
  sim_world *w = user_data;
  if (peer >= w->n)
    return 0;
  return sim_sybil_stake(sim_world_population(w, peer));
}

static uint64_t
env_nonce(pl_peer peer, void *user_data)
{
  sim_world *w = user_data;
  kad_host *k = state_of(w);
  return k && peer < w->n ? k->nonce[peer] : 0;
}

/* ------------------------------------------------------------ Sybil hooks */

static bool
kad_node_exists(const sim_world *w, uint32_t h)
{
  const sim_population *pop = sim_world_population(w, h);
  return h - pop->first < sim_sybil_minted(w->sc, pop);
}

static bool
kad_node_seed(const sim_world *w, uint32_t h, uint8_t seed[PL_SEED_BYTES])
{
  const sim_population *pop = sim_world_population(w, h);
  if (pop->kad.grind == SIM_GRIND_NONE || !pop->kad.grind_bits || !kad_node_exists(w, h))
    return false;
  uint8_t target[PL_ID_BYTES];
  if (pop->kad.grind == SIM_GRIND_KEY) {
    memcpy(target, pop->kad.grind_key, PL_ID_BYTES);
  } else {
    uint8_t vseed[PL_SEED_BYTES];
    sim_world_default_seed(w, w->sc->populations[pop->kad.victim].first, vseed);
    pl_identity_from_seed(vseed, NULL, target);
    sodium_memzero(vseed, sizeof vseed);
  }
  sim_sybil_grind(w->sc->seed, h, target, pop->kad.grind_bits, seed);
  return true;
}

/* ------------------------------------------------------------------ init */

/* Hashes per slice of an id puzzle search (a few milliseconds). */
#define SOLVE_SLICE (UINT64_C(1) << 14)

static uint64_t
world_now(void *user_data)
{
  return sim_world_now(user_data);
}

/* The colluders know which capability keys the scenario's workers announce
 * under and its requesters look up: the task types of the announce and
 * find-workers commands (an attacker watching the network learns them),
 * under the first colluder population's classes. */
static void
teach_ad_keys(sim_eclipse *e, const sim_scenario *sc)
{
  /* a task named twice only repeats its keys in the table: harmless */
  GArray *tasks = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  for (uint32_t i = 0; i < sc->n_events; i++) {
    const sim_event_spec *ev = &sc->events[i];
    if (ev->action != SIM_ACTION_COMMAND)
      continue;
    if (ev->command == PL_CMD_KAD_FIND_WORKERS)
      g_array_append_val(tasks, ev->task);
    else if (ev->command == PL_CMD_KAD_ANNOUNCE)
      for (uint32_t p = 0; p < sc->n_populations; p++)
        if (ev->target < 0 || (uint32_t)ev->target == p)
          g_array_append_val(tasks, sc->populations[p].kad.task);
  }
  const sim_population *coll = sc->populations;
  while (coll->behaviour != SIM_BEHAVIOUR_ECLIPSE)
    coll++; /* there is one: the caller has colluders */
  pl_cap_policy pol = pl_cap_policy_of(&coll->config);
  sim_eclipse_set_ad_keys(e, &pol.classes, (const uint32_t *)tasks->data, tasks->len,
                          world_now);
  g_array_free(tasks, TRUE);
}

static void *
kad_init(sim_world *w)
{
  const sim_scenario *sc = w->sc;
  kad_host *k = g_new0(kad_host, 1);
  sim_metrics *m = w->metrics;
  k->m_success = sim_metrics_register(m, "dht.lookup.success", PL_METRIC_KIND_OBSERVATION);
  k->m_success_honest =
      sim_metrics_register(m, "dht.lookup.success_honest", PL_METRIC_KIND_OBSERVATION);
  k->m_contacts = sim_metrics_register(m, "dht.table.contacts", PL_METRIC_KIND_GAUGE);
  k->m_share = sim_metrics_register(m, "dht.eclipse.victim_table_attacker_share",
                                    PL_METRIC_KIND_GAUGE);
  k->m_captured =
      sim_metrics_register(m, "dht.eclipse.lookups_captured", PL_METRIC_KIND_COUNTER);
  k->m_victim_lookups =
      sim_metrics_register(m, "dht.eclipse.victim_lookups", PL_METRIC_KIND_COUNTER);
  k->m_target_success =
      sim_metrics_register(m, "dht.eclipse.target_success", PL_METRIC_KIND_OBSERVATION);
  k->m_fake_share = sim_metrics_register(m, "cap.find.fake_share", PL_METRIC_KIND_OBSERVATION);
  k->m_top_fake = sim_metrics_register(m, "cap.find.top_fake", PL_METRIC_KIND_COUNTER);
  if (w->names_only)
    return k;

  k->flags = g_new0(uint8_t, w->n);
  GArray *all = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  GArray *honest = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  GArray *coll = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  GArray *victims = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  unsigned bits = sim_sybil_puzzle_bits(sc);
  if (bits)
    k->nonce = g_new0(uint64_t, w->n);
  for (uint32_t p = 0; p < sc->n_populations; p++) {
    const sim_population *pop = &sc->populations[p];
    if (!runs_kad(pop))
      continue;
    uint32_t minted = sim_sybil_minted(sc, pop);
    uint8_t f = F_KAD;
    if (pop->behaviour == SIM_BEHAVIOUR_SYBIL || pop->behaviour == SIM_BEHAVIOUR_ECLIPSE)
      f |= F_ATTACKER;
    if (pop->behaviour == SIM_BEHAVIOUR_ECLIPSE)
      f |= F_COLLUDER;
    if (pop->behaviour == SIM_BEHAVIOUR_FAKE_ADS)
      f |= F_FAKE;
    for (uint32_t h = pop->first; h < pop->first + minted; h++) {
      k->flags[h] |= f;
      g_array_append_val(all, h);
      if (!(f & F_ATTACKER))
        g_array_append_val(honest, h);
      if (f & F_COLLUDER)
        g_array_append_val(coll, h);
      if (bits && !w->build_cut) {
        /* The same search as one unbounded call (start, start + 1, ...),
         * in slices, so that a run whose puzzle is too hard to solve for
         * every node can still be interrupted while the world is built;
         * once cut, the other nodes are not solved (sim_world_new gives
         * up). */
        sim_rng r;
        sim_rng_init(&r, sc->seed, "kad-nonce", h);
        uint64_t start = sim_rng_next(&r), tries;
        while (pl_idcost_solve(sim_world_node_id(w, h), bits, start, SOLVE_SLICE, &k->nonce[h],
                               &tries) != PL_OK) {
          if (sim_world_stop_requested(w)) {
            w->build_cut = true;
            break;
          }
          start += SOLVE_SLICE;
        }
      }
    }
    if (pop->behaviour == SIM_BEHAVIOUR_ECLIPSE && pop->kad.victim >= 0) {
      const sim_population *v = &sc->populations[pop->kad.victim];
      for (uint32_t h = v->first; h < v->first + v->count; h++)
        k->flags[h] |= F_VICTIM;
    }
  }
  for (uint32_t h = 0; h < w->n; h++)
    if ((k->flags[h] & F_VICTIM) && (k->flags[h] & F_KAD))
      g_array_append_val(victims, h);
  k->all = sim_kad_truth_new((uint32_t *)all->data, all->len, id_of, w);
  if (honest->len != all->len)
    k->honest = sim_kad_truth_new((uint32_t *)honest->data, honest->len, id_of, w);
  k->colluders = sim_kad_truth_new((uint32_t *)coll->data, coll->len, id_of, w);
  if (coll->len) {
    k->eclipse = sim_eclipse_new(k->colluders, id_of, w);
    teach_ad_keys(k->eclipse, sc);
  }
  k->n_victims = victims->len;
  k->victims = (uint32_t *)g_array_free(victims, FALSE);
  g_array_free(all, TRUE);
  g_array_free(honest, TRUE);
  g_array_free(coll, TRUE);
  k->stored_keys = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                         (GDestroyNotify)g_bytes_unref, NULL);
  sim_rng_init(&k->cmd_rng, sc->seed, "kad-cmd", 0);
  k->scratch_len = 4096;
  k->scratch = g_new(pl_peer, k->scratch_len);

  w->env.peer_prefix_cb = env_prefix;
  w->env.peer_stake_cb = env_stake;
  /* Without puzzles every nonce is 0: no callback (the core reads 0). */
  w->env.peer_nonce_cb = bits ? env_nonce : NULL;
  return k;
}

static void
kad_free(void *state)
{
  kad_host *k = state;
  if (!k)
    return;
  sim_eclipse_free(k->eclipse);
  sim_kad_truth_free(k->all);
  sim_kad_truth_free(k->honest);
  sim_kad_truth_free(k->colluders);
  g_free(k->nonce);
  g_free(k->flags);
  g_free(k->victims);
  if (k->stored_keys)
    g_hash_table_destroy(k->stored_keys);
  g_free(k->scratch);
  g_free(k);
}

static size_t
kad_memory(const sim_world *w, const void *state)
{
  const kad_host *k = state;
  return sizeof *k + (size_t)w->n * ((k->nonce ? sizeof(uint64_t) : 0) + 1) +
         sim_kad_truth_memory(k->all) +
         sim_kad_truth_memory(k->honest) + sim_kad_truth_memory(k->colluders) +
         (k->eclipse ? sim_eclipse_memory(k->eclipse) : 0) +
         (size_t)k->n_victims * sizeof(uint32_t) + (size_t)k->scratch_len * sizeof(pl_peer);
}

/* ------------------------------------------------------------- node life */

/*
 * Fill |node|'s table from the truth (bootstrap = oracle).  Walks down the
 * implicit trie of ids along the node's own id: [lo, hi) is the range of
 * members sharing cp bits with it; split at bit cp, the half that differs
 * from the node at bit cp is exactly the subtree of its bucket(s) for
 * common prefix cp, the other half the next range.  One binary search per
 * level.  The walk runs first, so the table can be sized once
 * (pl_kad_reserve) before it is filled level by level; every member of a
 * level's subtree shares exactly cp bits with the node, which the core is
 * told (pl_kad_seed_cpl) so it need not fetch the member's id.
 */
/* Draws of one level at most: 2 * want, with want up to k << (b - 1). */
#define LEVEL_DRAWS_MAX (2 * PL_KAD_K_MAX << (PL_KAD_B_MAX - 1))

/*
 * A uniform sample of the |n| members at [olo, olo + n) for a level of
 * |want| contacts sharing |cp| bits with the node: draws without
 * replacement from |r| into |taken|, at most 2 * want tries so a refusing
 * core (prefix limit) cannot stall the fill.  With |node| each draw is
 * seeded as it comes and only those the core takes count towards |want|;
 * without, every draw counts (what the draws are when the core takes
 * all).  Returns the positions drawn.
 */
static uint32_t
sample_level(sim_rng *r, const kad_host *k, pl_node *node, uint32_t olo, uint32_t n,
             uint32_t want, unsigned cp, uint32_t taken[LEVEL_DRAWS_MAX])
{
  uint32_t n_taken = 0, accepted = 0;
  for (uint32_t t = 0; t < 2 * want && accepted < want && n_taken < LEVEL_DRAWS_MAX; t++) {
    uint32_t pos = olo + (uint32_t)sim_rng_below(r, n);
    bool dup = false;
    for (uint32_t i = 0; i < n_taken && !dup; i++)
      dup = taken[i] == pos;
    if (dup)
      continue;
    taken[n_taken++] = pos;
    if (node == NULL || pl_kad_seed_cpl(node, sim_kad_truth_at(k->all, pos), cp) == PL_OK)
      accepted++;
  }
  return n_taken;
}

static void
oracle_fill(sim_world *w, kad_host *k, uint32_t h, pl_node *node)
{
  const pl_kad_config *cfg = &sim_world_population(w, h)->config.kad;
  const uint8_t *self = sim_world_node_id(w, h);
  unsigned b = cfg->b ? cfg->b : 1;
  sim_rng r;
  sim_rng_init(&r, w->sc->seed, "kad-oracle", h);
  /* the walk: the other subtree [olo, ohi) of every level cp with one */
  struct {
    uint32_t lo, hi;
    uint16_t cp;
  } level[8 * PL_ID_BYTES];
  unsigned n_levels = 0;
  uint32_t reserve = 0;
  uint32_t lo = 0, hi = sim_kad_truth_count(k->all);
  /* nothing else shares cp bits with us: every deeper bucket is empty */
  for (unsigned cp = 0; cp < 8 * PL_ID_BYTES && hi - lo > 1; cp++) {
    uint32_t mid = sim_kad_truth_split(k->all, lo, hi, cp);
    bool one = (self[cp / 8] >> (7 - cp % 8)) & 1u;
    uint32_t olo = one ? lo : mid, ohi = one ? mid : hi; /* the other subtree */
    lo = one ? mid : lo;
    hi = one ? hi : mid;
    if (ohi == olo)
      continue;
    level[n_levels].lo = olo;
    level[n_levels].hi = ohi;
    level[n_levels].cp = (uint16_t)cp;
    n_levels++;
    /* contacts that share cp bits fill 2^(b-1-j) buckets (j = cp mod b) */
    uint32_t want = (uint32_t)cfg->bucket_size << (b - 1 - cp % b);
    reserve += MIN(ohi - olo, want);
  }
  if (n_levels > 0) {
    unsigned deepest = level[n_levels - 1].cp;
    /* buckets up to the deepest level's: cp with b = 1, its digit's last otherwise */
    unsigned buckets = b == 1 ? deepest + 1 : (deepest / b + 1) * ((1u << b) - 1);
    pl_kad_reserve(node, reserve, buckets);
  }
  uint32_t taken[LEVEL_DRAWS_MAX];
  pl_peer batch[LEVEL_DRAWS_MAX];
  for (unsigned l = 0; l < n_levels; l++) {
    uint32_t olo = level[l].lo, ohi = level[l].hi, n = ohi - olo;
    unsigned cp = level[l].cp;
    uint32_t want = (uint32_t)cfg->bucket_size << (b - 1 - cp % b);
    if (n <= want) {
      /* the whole subtree: in one call if the core takes them all */
      for (uint32_t i = 0; i < n; i++)
        batch[i] = sim_kad_truth_at(k->all, olo + i);
      if (pl_kad_seed_level(node, cp, batch, n) == PL_OK)
        continue;
      for (uint32_t i = 0; i < n; i++)
        (void)pl_kad_seed_cpl(node, batch[i], cp);
      continue;
    }
    /* First as if the core takes every one, which it does unless a
     * defence or the sibling list is on: then they go in one call.  Else
     * the same draws again, one contact at a time. */
    sim_rng again = r;
    uint32_t n_taken = sample_level(&r, k, NULL, olo, n, want, cp, taken);
    for (uint32_t i = 0; i < n_taken; i++)
      batch[i] = sim_kad_truth_at(k->all, taken[i]);
    if (pl_kad_seed_level(node, cp, batch, n_taken) == PL_OK)
      continue;
    r = again;
    (void)sample_level(&r, k, node, olo, n, want, cp, taken);
  }
}

static void
ping_victims(sim_world *w, kad_host *k, uint32_t colluder)
{
  pl_node *node = sim_world_node(w, colluder);
  if (!node)
    return;
  for (uint32_t i = 0; i < k->n_victims; i++) {
    if (!sim_kad_truth_is_live(k->all, k->victims[i]))
      continue;
    pl_command cmd = {.kind = PL_CMD_KAD_PING, .peer = k->victims[i]};
    (void)pl_node_command(node, w->now_ns, &cmd);
  }
}

static void
kad_node_started(sim_world *w, void *state, uint32_t h)
{
  kad_host *k = state;
  if (!(k->flags[h] & F_KAD))
    return;
  sim_kad_truth_set_live(k->all, h, true);
  if (k->honest)
    sim_kad_truth_set_live(k->honest, h, true);
  sim_kad_truth_set_live(k->colluders, h, true);
  pl_node *node = sim_world_node(w, h);
  if (!sim_world_population(w, h)->config.kad.join)
    oracle_fill(w, k, h, node);
  if (k->flags[h] & F_COLLUDER)
    ping_victims(w, k, h);
}

static void
kad_node_stopped(sim_world *w, void *state, uint32_t h)
{
  kad_host *k = state;
  (void)w;
  sim_kad_truth_set_live(k->all, h, false);
  if (k->honest)
    sim_kad_truth_set_live(k->honest, h, false);
  sim_kad_truth_set_live(k->colluders, h, false);
}

static const pl_strategy *
kad_node_strategy(sim_world *w, void *state, uint32_t h)
{
  kad_host *k = state;
  (void)w;
  return (k->flags[h] & F_COLLUDER) && k->eclipse ? sim_eclipse_strategy(k->eclipse) : NULL;
}

/* ----------------------------------------------------------- observations */

static bool
in_result(const pl_observation *obs, uint32_t h)
{
  for (uint32_t i = 0; i < obs->n_peers; i++)
    if (obs->peers[i] == h)
      return true;
  return false;
}

static void
kad_observe(sim_world *w, void *state, pl_peer self, const pl_observation *obs)
{
  kad_host *k = state;
  switch (obs->kind) {
  case PL_OBS_KAD_LOOKUP: {
    if (!obs->key)
      break;
    uint32_t c = sim_kad_truth_closest_except(k->all, obs->key, self);
    if (c != PL_PEER_NONE)
      sim_world_record(w, k->m_success, in_result(obs, c) ? 1 : 0);
    if (k->n_victims && memcmp(obs->key, sim_world_node_id(w, k->victims[0]), PL_ID_BYTES) == 0) {
      /* a lookup of the first victim's id: the targeted case */
      if (self != k->victims[0] && sim_kad_truth_is_live(k->all, k->victims[0]))
        sim_world_record(w, k->m_target_success, in_result(obs, k->victims[0]) ? 1 : 0);
    } else {
      uint32_t ch = k->honest ? sim_kad_truth_closest_except(k->honest, obs->key, self) : c;
      if (ch != PL_PEER_NONE)
        sim_world_record(w, k->m_success_honest, in_result(obs, ch) ? 1 : 0);
    }
    if (self < w->n && (k->flags[self] & F_VICTIM)) {
      sim_world_record(w, k->m_victim_lookups, 1);
      bool all_att = obs->n_peers > 0;
      for (uint32_t i = 0; i < obs->n_peers && all_att; i++)
        all_att = obs->peers[i] < w->n && (k->flags[obs->peers[i]] & F_ATTACKER);
      if (all_att)
        sim_world_record(w, k->m_captured, 1);
    }
    break;
  }
  case PL_OBS_KAD_STORE:
    if (obs->key) {
      GBytes *key = g_bytes_new(obs->key, PL_ID_BYTES);
      g_hash_table_replace(k->stored_keys, key, GUINT_TO_POINTER(1));
    }
    break;
  case PL_OBS_KAD_VALUE:
    if (obs->key) {
      GBytes *key = g_bytes_new_static(obs->key, PL_ID_BYTES);
      if (g_hash_table_contains(k->stored_keys, key))
        sim_world_record(w, k->m_success, obs->a > 0 ? 1 : 0);
      g_bytes_unref(key);
    }
    break;
  case PL_OBS_KAD_WORKERS:
    if (obs->n_peers) {
      uint32_t fake = 0;
      for (uint32_t i = 0; i < obs->n_peers; i++)
        fake += obs->peers[i] < w->n && (k->flags[obs->peers[i]] & F_FAKE);
      sim_world_record(w, k->m_fake_share, (double)fake / obs->n_peers);
      if (obs->peers[0] < w->n && (k->flags[obs->peers[0]] & F_FAKE))
        sim_world_record(w, k->m_top_fake, 1);
    }
    break;
  default:
    break;
  }
}

/* ------------------------------------------------------------- sampling */

static void
kad_sample(sim_world *w, void *state)
{
  kad_host *k = state;
  for (uint32_t h = 0; h < w->n; h++) {
    if (!(k->flags[h] & F_KAD))
      continue;
    pl_node *node = sim_world_node(w, h);
    if (node)
      sim_world_record(w, k->m_contacts, pl_kad_contact_count(node));
  }
  for (uint32_t i = 0; i < k->n_victims; i++) {
    pl_node *node = sim_world_node(w, k->victims[i]);
    if (!node)
      continue;
    uint32_t want = pl_kad_contact_count(node);
    if (want > k->scratch_len) {
      k->scratch_len = want;
      k->scratch = g_renew(pl_peer, k->scratch, k->scratch_len);
    }
    uint32_t n = pl_kad_contacts(node, k->scratch, k->scratch_len), att = 0;
    for (uint32_t j = 0; j < n; j++)
      att += k->scratch[j] < w->n && (k->flags[k->scratch[j]] & F_ATTACKER);
    sim_world_record(w, k->m_share, n ? (double)att / n : 0.0);
  }
  if (k->n_victims)
    for (uint32_t pos = 0; pos < sim_kad_truth_count(k->colluders); pos++) {
      uint32_t h = sim_kad_truth_at(k->colluders, pos);
      if (sim_kad_truth_is_live(k->colluders, h))
        ping_victims(w, k, h);
    }
}

/* --------------------------------------------------------------- commands */

static void
random_bytes(sim_rng *r, uint8_t *out, size_t n)
{
  for (size_t i = 0; i < n; i += 8) {
    uint64_t x = sim_rng_next(r);
    for (size_t b = 0; b < 8 && i + b < n; b++)
      out[i + b] = (uint8_t)(x >> (8 * b));
  }
}

static bool
kad_command(sim_world *w, void *state, uint32_t h, const sim_event_spec *ev, pl_command *cmd,
            uint8_t *buf, size_t cap)
{
  kad_host *k = state;
  if (!(k->flags[h] & F_KAD))
    return false;
  const sim_population *pop = sim_world_population(w, h);
  switch (ev->command) {
  case PL_CMD_KAD_LOOKUP:
    if (ev->key_victim) {
      if (!k->n_victims)
        return false;
      memcpy(buf, sim_world_node_id(w, k->victims[0]), PL_ID_BYTES);
      cmd->data = buf;
      cmd->len = PL_ID_BYTES;
    } else if (!ev->key_random) {
      memcpy(buf, ev->key, PL_ID_BYTES);
      cmd->data = buf;
      cmd->len = PL_ID_BYTES;
    } /* else len 0: the core draws the target from its own stream */
    return true;
  case PL_CMD_KAD_STORE:
  case PL_CMD_KAD_FIND_VALUE: {
    g_assert(cap >= PL_ID_BYTES + 1 + 1024);
    if (ev->key_victim && !k->n_victims)
      return false;
    if (ev->key_victim)
      memcpy(buf, sim_world_node_id(w, k->victims[0]), PL_ID_BYTES);
    else if (ev->key_random)
      random_bytes(&k->cmd_rng, buf, PL_ID_BYTES);
    else
      memcpy(buf, ev->key, PL_ID_BYTES);
    cmd->data = buf;
    cmd->len = PL_ID_BYTES;
    if (ev->command == PL_CMD_KAD_FIND_VALUE) {
      cmd->arg = 1;
      return true;
    }
    uint32_t vlen = ev->value_size ? ev->value_size : 1;
    buf[PL_ID_BYTES] = PL_KAD_VALUE_OPAQUE;
    random_bytes(&k->cmd_rng, buf + PL_ID_BYTES + 1, vlen - 1);
    cmd->len = PL_ID_BYTES + vlen;
    return true;
  }
  case PL_CMD_KAD_ANNOUNCE: {
    pl_cap_spec spec = {.task_type = pop->kad.task, .stake_mcc = sim_sybil_stake(pop)};
    sim_fakeads_claim(pop, &spec.speed, &spec.price_mcc);
    pl_cap_spec_encode(&spec, buf);
    cmd->arg = spec.task_type;
    cmd->data = buf;
    cmd->len = PL_CAP_SPEC_BYTES;
    return true;
  }
  case PL_CMD_KAD_FIND_WORKERS: {
    pl_cap_need need = {.task_type = ev->task, .min_speed = ev->min_speed,
                        .max_price_mcc = ev->max_price_mcc, .want = ev->want};
    pl_cap_need_encode(&need, buf);
    cmd->arg = need.task_type;
    cmd->data = buf;
    cmd->len = PL_CAP_NEED_BYTES;
    return true;
  }
  default:
    return true;
  }
}

const sim_host_module sim_kad_host_module = {
  .name = "kad",
  .layer = PL_LAYER_DISCOVERY,
  .init = kad_init,
  .node_started = kad_node_started,
  .node_stopped = kad_node_stopped,
  .observe = kad_observe,
  .sample = kad_sample,
  .memory = kad_memory,
  .free = kad_free,
  .node_seed = kad_node_seed,
  .node_exists = kad_node_exists,
  .node_strategy = kad_node_strategy,
  .command = kad_command,
};
