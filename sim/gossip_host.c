/*
 * gossip_host.c — the gossip layer's host module.  See gossip_host.h.
 *
 * How it works
 * ------------
 * Subscriptions.  For every topic the module has seen (in a SUBSCRIBED or
 * PUBLISHED observation) it keeps, per scenario node, the virtual time
 * the node subscribed (+1; 0 = not subscribed), and the number of live
 * subscribers per population.  A node that stops (crash, churn) loses its
 * subscriptions with its state; when it starts again the module
 * subscribes it afresh, at the new time.
 *
 * Messages.  A PUBLISHED observation by an honest node opens a record
 * (attackers' publications, such as invalid spam, are not measured): topic, publisher,
 * time, and the number of honest live subscribers other than the
 * publisher (per population too) — the denominator of the delivery
 * ratio.  A DELIVERED observation counts once per node (a bitmap, so a
 * message delivered twice after a seen-cache expiry is not counted twice)
 * and only if the node is honest and subscribed at or before the
 * publication.  Records close, in publication order, when the
 * seen-cache TTL of the configuration has passed since publication (after
 * which every node refuses the message as stale, so dissemination is
 * over) or at the end of the run; closing records the per-message
 * figures and frees the record.  Observations about a closed or unknown
 * message are ignored.
 *
 * Determinism.  The id table is only for lookup; records are kept and
 * closed in a queue in publication order, and gauges walk nodes in handle
 * order.
 */
#include "gossip_host.h"

#include <string.h>

#include "attack_gossip.h"
#include "gossip.h"

/* Subscriptions to one topic. */
typedef struct topic_subs {
  uint32_t topic;      /* the topic */
  uint64_t *since;     /* per scenario node: subscription time + 1, ns; 0 = not subscribed */
  uint32_t *pop_live;  /* per population: live subscribers */
  uint32_t honest;     /* live subscribers in honest populations */
} topic_subs;

/* One published message being measured. */
typedef struct gmsg {
  uint8_t id[PL_ID_BYTES]; /* message id (content hash) */
  uint32_t topic;          /* topic */
  uint32_t publisher;      /* publisher handle */
  uint64_t published_ns;   /* publication time, ns */
  uint32_t eligible;       /* honest live subscribers at publication, publisher excluded */
  uint32_t reached;        /* of those, how many got it */
  uint64_t duplicates;     /* copies received by honest nodes after their first */
  uint32_t round_max;      /* largest round count of a counted delivery */
  uint32_t *pop_eligible;  /* per population: eligible subscribers */
  uint32_t *pop_reached;   /* per population: reached subscribers */
  uint64_t *bits;          /* per scenario node: counted already */
} gmsg;

/* One message's signed bytes in the shared pool (pl_gossip_pool). */
typedef struct pooled {
  uint32_t refs;           /* nodes' stores holding it */
  uint32_t len;            /* bytes in |bytes| */
  uint8_t id[PL_ID_BYTES]; /* message id (the hash of |bytes|), the table key; hold
                              returns it, |bytes| right after (gossip.h) */
  uint8_t bytes[];         /* the SIGNED envelope */
} pooled;
G_STATIC_ASSERT(offsetof(pooled, bytes) == offsetof(pooled, id) + PL_ID_BYTES);

typedef struct gossip_host {
  uint32_t n;              /* scenario nodes */
  uint32_t n_pop;          /* populations */
  bool *honest;            /* per population: behaviour honest */
  bool active;             /* some population runs the gossip layer */
  uint64_t horizon_ns;     /* records close this long after publication, ns */
  topic_subs *topics;      /* topics seen, in order of first sight */
  uint32_t n_topics;
  GHashTable *by_id;       /* id (32 bytes, in the record) -> gmsg*, lookup only */
  GQueue open;             /* open records, in publication order */
  uint64_t open_bytes;     /* bytes held by open records */
  sim_gossip_attack *attacks; /* per population (used where the behaviour is an attack) */
  GHashTable *pool_by_id;  /* id -> pooled*, the nodes' shared message bytes (lookup only) */
  pl_gossip_pool pool;     /* hooks handed to every gossip node (pl_gossip_set_pool) */
  uint64_t pool_bytes;     /* bytes held by |pool_by_id| entries */
  pl_peer *scratch;        /* room for any node's peers */
  uint32_t scratch_len;

  /* metric ids */
  uint32_t m_ratio, m_residue, m_latency, m_duplicates, m_rounds, m_rounds_last, m_hops;
  uint32_t m_deliveries, m_degree, m_traffic;
  uint32_t *m_pop_ratio;   /* per population: pop.NAME.gossip.delivery.ratio */
  uint32_t *m_pop_share;   /* per population: pop.NAME.gossip.mesh.attacker_share */
} gossip_host;

/* ------------------------------------------------------------ attacks */

bool
sim_gossip_attack_is(sim_behaviour behaviour)
{
  switch (behaviour) {
  case SIM_BEHAVIOUR_GOSSIP_CENSOR:
  case SIM_BEHAVIOUR_GOSSIP_FLASH:
  case SIM_BEHAVIOUR_GOSSIP_SPAM:
  case SIM_BEHAVIOUR_GOSSIP_DUPFLOOD:
  case SIM_BEHAVIOUR_GOSSIP_MESH_SYBIL:
    return true;
  case SIM_BEHAVIOUR_HONEST:
  case SIM_BEHAVIOUR_SILENT:
  case SIM_BEHAVIOUR_VERSION_LIAR:
  case SIM_BEHAVIOUR_SYBIL:      /* discovery attacks (sim/kad_host.c) */
  case SIM_BEHAVIOUR_ECLIPSE:
  case SIM_BEHAVIOUR_FAKE_ADS:
    return false;
  }
  return false;
}

void
sim_gossip_attack_init(sim_gossip_attack *a, const sim_scenario *sc, const sim_population *pop)
{
  g_assert(sim_gossip_attack_is(pop->behaviour));
  memset(a, 0, sizeof *a);
  a->behaviour = pop->behaviour;
  a->start_ns = pop->attack_at_ns;
  a->copies = pop->attack_copies;
  a->first = pop->first;
  a->count = pop->count;
  a->links = pop->attack_links;
  if (pop->attack_victim >= 0) {
    a->victim_first = sc->populations[pop->attack_victim].first;
    a->victim_count = sc->populations[pop->attack_victim].count;
  }
  a->strategy.state = a;
  switch (pop->behaviour) {
  case SIM_BEHAVIOUR_GOSSIP_CENSOR:
  case SIM_BEHAVIOUR_GOSSIP_FLASH:
    sim_attack_censor_setup(a);
    break;
  case SIM_BEHAVIOUR_GOSSIP_SPAM:
  case SIM_BEHAVIOUR_GOSSIP_DUPFLOOD:
    sim_attack_spam_setup(a);
    break;
  case SIM_BEHAVIOUR_GOSSIP_MESH_SYBIL:
    sim_attack_meshsybil_setup(a);
    break;
  default:
    g_assert_not_reached();
  }
}

/* ------------------------------------------------------------ helpers */

static guint id_hash(gconstpointer key);
static gboolean id_equal(gconstpointer a, gconstpointer b);

/* pl_gossip_pool.hold: one more reference to the pool's copy of |bytes|. */
static const uint8_t *
pool_hold(const uint8_t *id, const uint8_t *bytes, size_t len, void *user_data)
{
  gossip_host *g = user_data;
  pooled *e = g_hash_table_lookup(g->pool_by_id, id);
  if (e != NULL) {
    /* The caller checked that |id| is the hash of |bytes| (gossip.h), and
     * so did whoever pooled them first: the bytes are the same, and are not
     * compared a second time on every node's first receipt. */
    g_assert(e->len == len);
    e->refs++;
    return e->id;
  }
  e = g_malloc(sizeof *e + len);
  memcpy(e->id, id, PL_ID_BYTES);
  e->refs = 1;
  e->len = (uint32_t)len;
  memcpy(e->bytes, bytes, len);
  g_hash_table_insert(g->pool_by_id, e->id, e);
  g->pool_bytes += sizeof *e + len;
  return e->id;
}

/* pl_gossip_pool.release: drop a reference; the last one frees the copy. */
static void
pool_release(const uint8_t *held, void *user_data)
{
  gossip_host *g = user_data;
  pooled *e = g_hash_table_lookup(g->pool_by_id, held); /* |held| is the key itself */
  g_assert(e != NULL && e->id == held && e->refs > 0);
  if (--e->refs > 0)
    return;
  g->pool_bytes -= sizeof *e + e->len;
  g_hash_table_remove(g->pool_by_id, e->id); /* frees |e| */
}

static guint
id_hash(gconstpointer key)
{
  uint32_t x;
  memcpy(&x, key, sizeof x); /* ids are uniform hash output */
  return x;
}

static gboolean
id_equal(gconstpointer a, gconstpointer b)
{
  return memcmp(a, b, PL_ID_BYTES) == 0;
}

static topic_subs *
topic_find(gossip_host *g, uint32_t topic)
{
  for (uint32_t i = 0; i < g->n_topics; i++)
    if (g->topics[i].topic == topic)
      return &g->topics[i];
  return NULL;
}

static topic_subs *
topic_get(gossip_host *g, uint32_t topic)
{
  topic_subs *t = topic_find(g, topic);
  if (t)
    return t;
  g->topics = g_renew(topic_subs, g->topics, g->n_topics + 1);
  t = &g->topics[g->n_topics++];
  t->topic = topic;
  t->since = g_new0(uint64_t, g->n);
  t->pop_live = g_new0(uint32_t, g->n_pop);
  t->honest = 0;
  return t;
}

static void
unsubscribe(gossip_host *g, topic_subs *t, uint32_t p, uint32_t h)
{
  if (!t->since[h])
    return;
  t->since[h] = 0;
  t->pop_live[p]--;
  if (g->honest[p])
    t->honest--;
}

static size_t
record_bytes(const gossip_host *g)
{
  return sizeof(gmsg) + 2 * sizeof(uint32_t) * g->n_pop +
         sizeof(uint64_t) * ((g->n + 63) / 64);
}

static void
close_record(sim_world *w, gossip_host *g, gmsg *m)
{
  if (m->eligible) {
    double ratio = (double)m->reached / m->eligible;
    sim_world_record(w, g->m_ratio, ratio);
    sim_world_record(w, g->m_residue, 1.0 - ratio);
  }
  if (m->eligible)
    sim_world_record(w, g->m_traffic, (double)(m->reached + m->duplicates) / (m->eligible + 1));
  if (m->reached) {
    sim_world_record(w, g->m_duplicates, (double)m->duplicates / m->reached);
    sim_world_record(w, g->m_rounds_last, m->round_max);
  }
  for (uint32_t p = 0; p < g->n_pop; p++)
    if (g->honest[p] && m->pop_eligible[p])
      sim_world_record(w, g->m_pop_ratio[p], (double)m->pop_reached[p] / m->pop_eligible[p]);
  g_hash_table_remove(g->by_id, m->id);
  g->open_bytes -= record_bytes(g);
  g_free(m->pop_eligible);
  g_free(m->pop_reached);
  g_free(m->bits);
  g_free(m);
}

/* ------------------------------------------------------------- hooks */

static void *
gossip_init(sim_world *w)
{
  const sim_scenario *sc = w->sc;
  gossip_host *g = g_new0(gossip_host, 1);
  g->n = w->n;
  g->n_pop = sc->n_populations;
  g->honest = g_new0(bool, g->n_pop);
  g->attacks = g_new0(sim_gossip_attack, g->n_pop);
  g->by_id = g_hash_table_new(id_hash, id_equal);
  g->pool_by_id = g_hash_table_new_full(id_hash, id_equal, NULL, g_free);
  g->pool = (pl_gossip_pool){.hold = pool_hold, .release = pool_release, .user_data = g};
  g_queue_init(&g->open);
  uint32_t max_peers = 1;
  for (uint32_t p = 0; p < g->n_pop; p++) {
    const sim_population *pop = &sc->populations[p];
    const pl_gossip_config *gc = &w->configs[p].gossip;
    g->honest[p] = pop->behaviour == SIM_BEHAVIOUR_HONEST;
    if (sim_gossip_attack_is(pop->behaviour))
      sim_gossip_attack_init(&g->attacks[p], sc, pop);
    if (gc->mode != PL_GOSSIP_OFF) {
      g->active = true;
      g->horizon_ns = MAX(g->horizon_ns, gc->seen_ttl_ns);
    }
    max_peers = MAX(max_peers, w->configs[p].max_peers);
  }
  g->scratch_len = max_peers;
  g->scratch = g_new(pl_peer, g->scratch_len);
  if (!g->active)
    return g; /* no gossip metrics in runs without gossip */

  sim_metrics *mt = w->metrics;
  g->m_ratio = sim_metrics_register(mt, "gossip.delivery.ratio", PL_METRIC_KIND_OBSERVATION);
  g->m_residue = sim_metrics_register(mt, "gossip.residue", PL_METRIC_KIND_OBSERVATION);
  g->m_latency = sim_metrics_register(mt, "gossip.delivery.latency_ms", PL_METRIC_KIND_OBSERVATION);
  g->m_duplicates = sim_metrics_register(mt, "gossip.duplicates", PL_METRIC_KIND_OBSERVATION);
  g->m_rounds = sim_metrics_register(mt, "gossip.rounds", PL_METRIC_KIND_OBSERVATION);
  g->m_rounds_last = sim_metrics_register(mt, "gossip.rounds.last", PL_METRIC_KIND_OBSERVATION);
  g->m_hops = sim_metrics_register(mt, "gossip.hops", PL_METRIC_KIND_OBSERVATION);
  g->m_deliveries = sim_metrics_register(mt, "gossip.deliveries", PL_METRIC_KIND_COUNTER);
  g->m_traffic = sim_metrics_register(mt, "gossip.traffic", PL_METRIC_KIND_OBSERVATION);
  g->m_degree = sim_metrics_register(mt, "gossip.mesh.degree", PL_METRIC_KIND_GAUGE);
  g->m_pop_ratio = g_new(uint32_t, g->n_pop);
  g->m_pop_share = g_new(uint32_t, g->n_pop);
  for (uint32_t p = 0; p < g->n_pop; p++) {
    char *name = g_strdup_printf("pop.%s.gossip.delivery.ratio", sc->populations[p].name);
    g->m_pop_ratio[p] = sim_metrics_register(mt, name, PL_METRIC_KIND_OBSERVATION);
    g_free(name);
    name = g_strdup_printf("pop.%s.gossip.mesh.attacker_share", sc->populations[p].name);
    g->m_pop_share[p] = sim_metrics_register(mt, name, PL_METRIC_KIND_GAUGE);
    g_free(name);
  }
  return g;
}

/* Is |peer| connected to |node|? */
static bool
connected(gossip_host *g, pl_node *node, pl_peer peer)
{
  uint32_t k = pl_node_peers(node, g->scratch, g->scratch_len);
  for (uint32_t i = 0; i < k; i++)
    if (g->scratch[i] == peer)
      return true;
  return false;
}

/* A mesh Sybil (re)connects to those of its victims that are live. */
static void
sybil_links(sim_world *w, gossip_host *g, const sim_gossip_attack *a, uint32_t h)
{
  pl_node *node = w->nodes[h];
  for (uint32_t j = 0; j < a->links; j++) {
    pl_peer v = sim_attack_meshsybil_victim(a, h, j);
    if (v == PL_PEER_NONE || !w->nodes[v] || connected(g, node, v))
      continue;
    pl_command cmd = {.kind = PL_CMD_CONNECT, .peer = v};
    (void)pl_node_command(node, w->now_ns, &cmd);
  }
}

static void
gossip_node_started(sim_world *w, void *state, uint32_t h)
{
  gossip_host *g = state;
  uint32_t p = w->pop_of[h];
  const sim_population *pop = &w->sc->populations[p];
  pl_node *node = w->nodes[h];
  if (sim_gossip_attack_is(pop->behaviour))
    pl_node_set_strategy(node, &g->attacks[p].strategy);
  if (w->configs[p].gossip.mode == PL_GOSSIP_OFF)
    return;
  pl_gossip_set_pool(node, &g->pool);
  for (uint32_t i = 0; i < pop->n_topics; i++) {
    pl_command cmd = {.kind = PL_CMD_GOSSIP_SUBSCRIBE, .peer = PL_PEER_NONE,
                      .arg = pop->topics[i]};
    (void)pl_node_command(node, w->now_ns, &cmd);
  }
  if (pop->behaviour == SIM_BEHAVIOUR_GOSSIP_MESH_SYBIL)
    sybil_links(w, g, &g->attacks[p], h);
}

static void
gossip_node_stopped(sim_world *w, void *state, uint32_t h)
{
  gossip_host *g = state;
  uint32_t p = w->pop_of[h];
  for (uint32_t i = 0; i < g->n_topics; i++)
    unsubscribe(g, &g->topics[i], p, h);
}

static void
on_published(sim_world *w, gossip_host *g, uint32_t self, const pl_observation *obs)
{
  if (!obs->key || obs->a > UINT32_MAX || g_hash_table_contains(g->by_id, obs->key))
    return;
  if (self >= g->n || !g->honest[w->pop_of[self]])
    return; /* only honest publications are measured (an attacker's spam is meant to fail) */
  topic_subs *t = topic_get(g, (uint32_t)obs->a);
  gmsg *m = g_new0(gmsg, 1);
  memcpy(m->id, obs->key, PL_ID_BYTES);
  m->topic = t->topic;
  m->publisher = self;
  m->published_ns = w->now_ns;
  m->pop_eligible = g_new(uint32_t, g->n_pop);
  m->pop_reached = g_new0(uint32_t, g->n_pop);
  m->bits = g_new0(uint64_t, (g->n + 63) / 64);
  memcpy(m->pop_eligible, t->pop_live, sizeof(uint32_t) * g->n_pop);
  m->eligible = t->honest;
  if (self < g->n && t->since[self]) {
    uint32_t p = w->pop_of[self];
    m->pop_eligible[p]--;
    if (g->honest[p])
      m->eligible--;
  }
  g_hash_table_insert(g->by_id, m->id, m);
  g_queue_push_tail(&g->open, m);
  g->open_bytes += record_bytes(g);
}

static void
on_delivered(sim_world *w, gossip_host *g, uint32_t self, const pl_observation *obs)
{
  gmsg *m = obs->key ? g_hash_table_lookup(g->by_id, obs->key) : NULL;
  if (!m || self >= g->n || self == m->publisher)
    return;
  uint32_t p = w->pop_of[self];
  if (!g->honest[p])
    return;
  topic_subs *t = topic_find(g, m->topic);
  uint64_t since = t ? t->since[self] : 0;
  if (!since || since - 1 > m->published_ns)
    return; /* not a subscriber when it was published */
  uint64_t bit = UINT64_C(1) << (self & 63);
  if (m->bits[self >> 6] & bit)
    return;
  m->bits[self >> 6] |= bit;
  m->reached++;
  m->pop_reached[p]++;
  uint32_t rounds = obs->c > UINT32_MAX ? UINT32_MAX : (uint32_t)obs->c;
  m->round_max = MAX(m->round_max, rounds);
  sim_world_record(w, g->m_deliveries, 1);
  sim_world_record(w, g->m_latency, (double)(w->now_ns - m->published_ns) / 1e6);
  sim_world_record(w, g->m_rounds, rounds);
  sim_world_record(w, g->m_hops, (double)obs->a);
}

static void
gossip_observe(sim_world *w, void *state, pl_peer self, const pl_observation *obs)
{
  gossip_host *g = state;
  if (!g->active)
    return;
  switch (obs->kind) {
  case PL_OBS_GOSSIP_PUBLISHED:
    on_published(w, g, self, obs);
    break;
  case PL_OBS_GOSSIP_DELIVERED:
    on_delivered(w, g, self, obs);
    break;
  case PL_OBS_GOSSIP_DUPLICATE: {
    gmsg *m = obs->key ? g_hash_table_lookup(g->by_id, obs->key) : NULL;
    if (m && self < g->n && g->honest[w->pop_of[self]])
      m->duplicates++;
    break;
  }
  case PL_OBS_GOSSIP_SUBSCRIBED:
  case PL_OBS_GOSSIP_UNSUBSCRIBED: {
    if (self >= g->n || obs->a > UINT32_MAX)
      break;
    uint32_t p = w->pop_of[self];
    topic_subs *t = topic_get(g, (uint32_t)obs->a);
    if (obs->kind == PL_OBS_GOSSIP_UNSUBSCRIBED) {
      unsubscribe(g, t, p, self);
    } else if (!t->since[self]) {
      t->since[self] = w->now_ns + 1;
      t->pop_live[p]++;
      if (g->honest[p])
        t->honest++;
    }
    break;
  }
  default:
    break;
  }
}

/* Mesh gauges: degree of every honest node's mesh per subscribed topic,
 * and the share of attackers in it, per population. */
static void
mesh_gauges(sim_world *w, gossip_host *g)
{
  bool degree = sim_world_recorded(w, g->m_degree);
  for (uint32_t p = 0; p < g->n_pop; p++) {
    const sim_population *pop = &w->sc->populations[p];
    bool share = sim_world_recorded(w, g->m_pop_share[p]);
    if (!g->honest[p] || w->configs[p].gossip.mode != PL_GOSSIP_MESH || !(degree || share))
      continue;
    for (uint32_t h = pop->first; h < pop->first + pop->count; h++) {
      pl_node *node = w->nodes[h];
      for (uint32_t i = 0; node && i < pop->n_topics; i++) {
        uint32_t k = pl_gossip_mesh_peers(node, pop->topics[i], g->scratch, g->scratch_len);
        sim_world_record(w, g->m_degree, k);
        if (!k)
          continue;
        uint32_t bad = 0;
        for (uint32_t j = 0; j < k; j++)
          if (g->scratch[j] >= g->n || !g->honest[w->pop_of[g->scratch[j]]])
            bad++;
        sim_world_record(w, g->m_pop_share[p], (double)bad / k);
      }
    }
  }
}

static void
gossip_sample(sim_world *w, void *state)
{
  gossip_host *g = state;
  if (!g->active)
    return;
  bool end = w->now_ns >= w->sc->duration_ns;
  gmsg *m;
  while ((m = g_queue_peek_head(&g->open)) &&
         (end || m->published_ns + g->horizon_ns <= w->now_ns)) {
    g_queue_pop_head(&g->open);
    close_record(w, g, m);
  }
  for (uint32_t p = 0; p < g->n_pop; p++) {
    const sim_population *pop = &w->sc->populations[p];
    if (pop->behaviour != SIM_BEHAVIOUR_GOSSIP_MESH_SYBIL)
      continue;
    for (uint32_t h = pop->first; h < pop->first + pop->count; h++)
      if (w->nodes[h])
        sybil_links(w, g, &g->attacks[p], h);
  }
  mesh_gauges(w, g);
}

static size_t
gossip_memory(const sim_world *w, const void *state)
{
  (void)w;
  const gossip_host *g = state;
  size_t per_topic = sizeof(topic_subs) + sizeof(uint64_t) * g->n + sizeof(uint32_t) * g->n_pop;
  return sizeof *g + g->n_pop * (sizeof(bool) + sizeof(sim_gossip_attack) + 2 * sizeof(uint32_t)) +
         g->scratch_len * sizeof(pl_peer) + g->n_topics * per_topic + g->open_bytes +
         g_hash_table_size(g->by_id) * 4 * sizeof(void *) + g->pool_bytes +
         g_hash_table_size(g->pool_by_id) * 4 * sizeof(void *);
}

static void
gossip_free(void *state)
{
  gossip_host *g = state;
  if (!g)
    return;
  gmsg *m;
  while ((m = g_queue_pop_head(&g->open))) {
    g_free(m->pop_eligible);
    g_free(m->pop_reached);
    g_free(m->bits);
    g_free(m);
  }
  g_hash_table_destroy(g->by_id);
  g_hash_table_destroy(g->pool_by_id); /* empty: the nodes, freed first, released all */
  for (uint32_t i = 0; i < g->n_topics; i++) {
    g_free(g->topics[i].since);
    g_free(g->topics[i].pop_live);
  }
  g_free(g->topics);
  g_free(g->honest);
  g_free(g->attacks);
  g_free(g->scratch);
  g_free(g->m_pop_ratio);
  g_free(g->m_pop_share);
  g_free(g);
}

/* An [event] gossip command for node |h|: the topic and, for publish,
 * the payload size (the core publishes that many zero bytes). */
static bool
gossip_command(sim_world *w, void *state, uint32_t h, const sim_event_spec *ev, pl_command *cmd,
               uint8_t *buf, size_t cap)
{
  (void)w, (void)state, (void)h, (void)buf, (void)cap;
  cmd->arg = ev->topic;
  cmd->len = ev->command == PL_CMD_GOSSIP_PUBLISH ? ev->size_bytes : 0;
  return true;
}

const sim_host_module sim_gossip_host = {
  .name = "gossip",
  .layer = PL_LAYER_GOSSIP,
  .init = gossip_init,
  .node_started = gossip_node_started,
  .node_stopped = gossip_node_stopped,
  .observe = gossip_observe,
  .command = gossip_command,
  .sample = gossip_sample,
  .memory = gossip_memory,
  .free = gossip_free,
};
