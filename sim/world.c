/*
 * world.c — the simulation host.  See world.h.
 *
 * How a run works
 * ---------------
 * Everything that happens is an event in one queue ordered by (virtual
 * time, scheduling sequence).  The loop pops the earliest event, sets the
 * clock to its time and dispatches on its kind:
 *
 *   JOIN     a node comes to life: its core is created from its seed and
 *            started (population join times, churn re-joins, restarts).
 *   TIMER    a timer a core asked for through pl_env.timer_cb fires.
 *   ARRIVE   a message reached its receiver's link; the network model
 *            computes the delivery time after the download queue.
 *   DELIVER  a message is handed to pl_node_receive.
 *   SCRIPT   a scripted [event.*] (partition, heal, crash, restart, churn,
 *            command) takes effect.
 *   REPEAT   a repeated command fires again.
 *   LEAVE    churn ends a node's session.
 *   REARM    churn: a node that re-joined gets its next session end.
 *   SAMPLE   the metrics window closes: gauges are sampled over live nodes
 *            and the window is written to the results database.
 *
 * Sends.  A core calls send_cb during one of its entry points; the world
 * copies the bytes into a message and asks the network model for its fate
 * and arrival time, scheduling ARRIVE (finite download bandwidth) or
 * DELIVER directly.
 *
 * Virtual CPU.  Cores charge CPU time (signing, verifying) through cpu_cb.
 * Each node has a busy-until time: a message that is delivered while its
 * receiver is busy waits (the DELIVER is re-queued at busy-until, keeping
 * arrival order), and what a node sends while busy departs when the work
 * charged so far is done.  Timers fire on time; their sends wait likewise.
 *
 * Crashes and epochs.  A crash frees the node's core; its pending timers
 * and churn events stay in the queue but carry the node's epoch, which the
 * crash increments, so they are ignored when they fire.  Messages in
 * flight to a crashed node are dropped on delivery (net.dropped.offline).
 *
 * Identities.  Every node's key pair comes from the stream ("key", i);
 * handles 0..N-1 are the scenario's nodes in population order.  Keys that
 * peers learn and intern (pl_env.peer_intern_cb) but that belong to no
 * node get handles >= N; messages to them are dropped as offline.  Key
 * records live in fixed chunks so pointers handed to cores stay valid.
 *
 * Trace.  Every delivered message (kind 1, payload = the bytes) and every
 * fired timer (kind 2, payload = the timer id, 4 bytes little-endian) is
 * folded into the trace digest with its time, source and destination.
 */
#include "world.h"
#include "world_internal.h"

#include <math.h>
#include <sodium.h>
#include <string.h>

#include "adversary.h"
#include "gossip_host.h"
#include "identity.h"
#include "node_internal.h" /* PL_LAYER_CMD_RANGE */
#include "net.h"
#include "queue.h"
#include "rng.h"
#include "sigcache.h"
#include "trace.h"
#include "wallclock.h"
#include "peerlab-config.h"

G_DEFINE_QUARK(sim-world-error-quark, sim_world_error)

/*
 * The host modules (world_internal.h), one per protocol layer that needs
 * the simulator's side: ground-truth metrics, gauges, node preparation.
 * A new module adds one line here.
 */
extern const sim_host_module sim_kad_host_module; /* kad_host.c */

static const sim_host_module *const host_modules[] = {
  &sim_kad_host_module,
  &sim_gossip_host,
  NULL, /* end of the list (not a module) */
};
#define N_HOST_MODULES (G_N_ELEMENTS(host_modules) - 1)

const char *
sim_run_status_name(sim_run_status status)
{
  switch (status) {
  case SIM_RUN_COMPLETE:
    return "complete";
  case SIM_RUN_INTERRUPTED:
    return "interrupted";
  case SIM_RUN_FAILED:
    return "failed";
  }
  return "unknown";
}

/* ------------------------------------------------------------ identities */

static identity *
ident(const sim_world *w, uint32_t h)
{
  return &w->id_chunks[h >> KEY_CHUNK_SHIFT][h & (KEY_CHUNK - 1)];
}

static uint32_t
key_hash(const uint8_t *key)
{
  /* Keys are uniformly distributed bytes: their first four make a hash. */
  uint32_t x;
  memcpy(&x, key, sizeof x);
  return x;
}

static void
slots_insert(sim_world *w, uint32_t h)
{
  uint32_t i = key_hash(ident(w, h)->key) & w->id_slot_mask;
  while (w->id_slots[i])
    i = (i + 1) & w->id_slot_mask;
  w->id_slots[i] = h + 1;
}

static void
slots_grow(sim_world *w, uint32_t want)
{
  uint32_t size = 1024;
  while (size < 2 * want)
    size *= 2;
  if (w->id_slots && size <= w->id_slot_mask + 1)
    return;
  g_free(w->id_slots);
  w->id_slots = g_new0(uint32_t, size);
  w->id_slot_mask = size - 1;
  for (uint32_t h = 0; h < w->id_count; h++)
    slots_insert(w, h);
}

static uint32_t
id_lookup(const sim_world *w, const uint8_t *key)
{
  uint32_t i = key_hash(key) & w->id_slot_mask;
  while (w->id_slots[i]) {
    uint32_t h = w->id_slots[i] - 1;
    if (memcmp(ident(w, h)->key, key, PL_KEY_BYTES) == 0)
      return h;
    i = (i + 1) & w->id_slot_mask;
  }
  return PL_PEER_NONE;
}

/* Append an identity (caller checked it is new); returns its handle. */
static uint32_t
id_append(sim_world *w, const uint8_t *key)
{
  uint32_t h = w->id_count;
  if (h >= PL_PEER_MAX)
    return PL_PEER_NONE; /* the table is full (pl.h) */
  uint32_t chunk = h >> KEY_CHUNK_SHIFT;
  if (chunk >= w->id_chunk_cap) {
    uint32_t cap = w->id_chunk_cap ? w->id_chunk_cap * 2 : 4;
    w->id_chunks = g_renew(identity *, w->id_chunks, cap);
    memset(w->id_chunks + w->id_chunk_cap, 0, (cap - w->id_chunk_cap) * sizeof(identity *));
    w->id_chunk_cap = cap;
  }
  if (!w->id_chunks[chunk])
    /* on a cache-line boundary: a 64-byte record then fills one line
     * instead of straddling two (one miss per contact interned, not two) */
    w->id_chunks[chunk] = g_aligned_alloc(KEY_CHUNK, sizeof(identity), 64);
  identity *rec = ident(w, h);
  memcpy(rec->key, key, PL_KEY_BYTES);
  pl_node_id_of(key, rec->id);
  w->id_count++;
  if (2 * w->id_count > w->id_slot_mask + 1)
    slots_grow(w, w->id_count);
  else
    slots_insert(w, h);
  return h;
}

void
sim_world_default_seed(const sim_world *w, uint32_t h, uint8_t seed[PL_SEED_BYTES])
{
  sim_rng r;
  sim_rng_init(&r, w->sc->seed, "key", h);
  for (int i = 0; i < 4; i++) {
    uint64_t x = sim_rng_next(&r);
    for (int b = 0; b < 8; b++)
      seed[8 * i + b] = (uint8_t)(x >> (8 * b));
  }
}

/* The signing seed of node |h|: a module's choice, else the default. */
static void
node_seed(const sim_world *w, uint32_t h, uint8_t seed[PL_SEED_BYTES])
{
  const uint8_t *over =
      w->seed_override ? g_hash_table_lookup(w->seed_override, GUINT_TO_POINTER(h)) : NULL;
  if (over)
    memcpy(seed, over, PL_SEED_BYTES);
  else
    sim_world_default_seed(w, h, seed);
}

/* ------------------------------------------------------------- callbacks */

static bool
recorded(const sim_world *w, uint32_t metric)
{
  return metric < w->record_mask_len && w->record_mask[metric];
}

static void
record(sim_world *w, uint32_t metric, double value)
{
  if (recorded(w, metric))
    sim_metrics_record(w->metrics, metric, value);
}

/* ------------------------------------------------------------- messages */

/* Size class of a message with |len| payload bytes, MSG_CLASSES if it is
 * too big for the free lists. */
static inline uint32_t
msg_class(size_t len)
{
  size_t bytes = sizeof(message) + len;
  return (uint32_t)MIN((bytes + MSG_CLASS_BYTES - 1) / MSG_CLASS_BYTES - 1, (size_t)MSG_CLASSES);
}

/* A buffer for a message of |len| payload bytes (header fields unset).
 * Buffers come back through msg_free and are reused last-in first-out, so
 * a send usually writes into memory a recent delivery left in cache, and
 * the allocator is out of the per-message path. */
static message *
msg_alloc(sim_world *w, size_t len)
{
  uint32_t c = msg_class(len);
  if (c == MSG_CLASSES)
    return g_malloc(sizeof(message) + len);
  void *b = w->msg_pool[c];
  if (b == NULL)
    return g_malloc((size_t)(c + 1) * MSG_CLASS_BYTES);
  memcpy(&w->msg_pool[c], b, sizeof(void *));
  w->msg_pool_bytes -= (size_t)(c + 1) * MSG_CLASS_BYTES;
  return b;
}

/* Give message |m| back (to its class's free list, or to g_free). */
static void
msg_free(sim_world *w, message *m)
{
  uint32_t c = msg_class(m->len);
  if (c == MSG_CLASSES) {
    g_free(m);
    return;
  }
  memcpy(m, &w->msg_pool[c], sizeof(void *));
  w->msg_pool[c] = m;
  w->msg_pool_bytes += (size_t)(c + 1) * MSG_CLASS_BYTES;
}

/* Free the buffers held in the free lists. */
static void
msg_pool_clear(sim_world *w)
{
  for (uint32_t c = 0; c < MSG_CLASSES; c++) {
    void *b = w->msg_pool[c];
    while (b != NULL) {
      void *next;
      memcpy(&next, b, sizeof next);
      g_free(b);
      b = next;
    }
    w->msg_pool[c] = NULL;
  }
  w->msg_pool_bytes = 0;
}

/* When node |node| (a scenario node, < n) can act: now, or when the CPU
 * work charged so far is done. */
static uint64_t
depart_time(const sim_world *w, uint32_t node)
{
  uint64_t busy = w->busy_ns[node];
  return busy > w->now_ns ? busy : w->now_ns;
}

static void
env_send(pl_peer self, pl_peer to, const uint8_t *bytes, size_t len, void *user_data)
{
  sim_world *w = user_data;
  record(w, w->hm.net_sent, 1);
  record(w, w->hm.net_bytes, (double)len);
  if (to >= w->n || len > UINT32_MAX) {
    record(w, w->hm.drop_offline, 1);
    return;
  }
  uint64_t t = depart_time(w, self), arrive;
  sim_net_verdict v = sim_net_send(w->net, t, self, to, (uint32_t)len, &arrive);
  if (v != SIM_NET_OK) {
    record(w, w->hm.drop[v], 1);
    return;
  }
  message *m = msg_alloc(w, len);
  m->sent_ns = t;
  m->src = self;
  m->dst = to;
  m->len = (uint32_t)len;
  memcpy(m->data, bytes, len);
  uint32_t kind = sim_net_has_download_stage(w->net) ? EV_ARRIVE : EV_DELIVER;
  sim_queue_push_ptr(w->queue, arrive, kind, to, m, m->len);
}

static void
env_timer(pl_peer self, pl_time_ns at_ns, uint32_t timer_id, void *user_data)
{
  sim_world *w = user_data;
  uint64_t at = at_ns > w->now_ns ? at_ns : w->now_ns;
  uint64_t arg = (uint64_t)w->epoch[self] << 32 | timer_id;
  sim_queue_push(w->queue, at, EV_TIMER, self, arg);
}

static uint64_t
env_random(pl_peer self, void *user_data)
{
  sim_world *w = user_data;
  return sim_rng_next(&w->rngs[self]);
}

static void
env_metric(pl_peer self, pl_metric metric, double value, void *user_data)
{
  (void)self;
  record(user_data, (uint32_t)metric, value);
}

static void
env_observe(pl_peer self, const pl_observation *obs, void *user_data)
{
  sim_world *w = user_data;
  if (obs->kind == PL_OBS_PEER_TIMEOUT) {
    /* counted against the population of the peer that went silent; a
     * learnt identity that is no node of this world is not counted */
    if (obs->n_peers == 1 && obs->peers[0] < w->n)
      record(w, w->pop_timed_out[w->pop_of[obs->peers[0]]], 1);
    return;
  }
  uint32_t layer = obs->kind / PL_OBS_LAYER_RANGE;
  int m = layer < PL_LAYER_MAX ? w->layer_module[layer] : -1;
  if (m >= 0 && host_modules[m]->observe)
    host_modules[m]->observe(w, w->module_state[m], self, obs);
}

static void
env_cpu(pl_peer self, pl_time_ns cost_ns, void *user_data)
{
  sim_world *w = user_data;
  w->busy_ns[self] = depart_time(w, self) + cost_ns;
  record(w, w->hm.cpu_ms, (double)cost_ns / 1e6);
}

static const uint8_t *
env_peer_key(pl_peer peer, void *user_data)
{
  sim_world *w = user_data;
  return peer < w->id_count ? ident(w, peer)->key : NULL;
}

static const uint8_t *
env_peer_id(pl_peer peer, void *user_data)
{
  sim_world *w = user_data;
  return peer < w->id_count ? ident(w, peer)->id : NULL;
}

static pl_peer
env_peer_intern(const uint8_t key[PL_KEY_BYTES], void *user_data)
{
  sim_world *w = user_data;
  uint32_t h = id_lookup(w, key);
  return h != PL_PEER_NONE ? h : id_append(w, key);
}

/* peer_intern_n_cb: the keys' slots are loaded first, then the records
 * the slots name, then each key is interned as env_peer_intern would, so
 * the misses of a NODES answer's contacts overlap instead of coming one
 * after another (two per contact: the slot, then the record). */
#define INTERN_BATCH 32

static void
env_peer_intern_n(const uint8_t *keys, size_t stride, unsigned n, pl_peer *out, void *user_data)
{
  sim_world *w = user_data;
  for (unsigned base = 0; base < n; base += INTERN_BATCH) {
    unsigned m = MIN(n - base, (unsigned)INTERN_BATCH);
    const uint8_t *k = keys + (size_t)base * stride;
    uint32_t at[INTERN_BATCH];
    for (unsigned i = 0; i < m; i++) {
      at[i] = key_hash(k + i * stride) & w->id_slot_mask;
      __builtin_prefetch(&w->id_slots[at[i]]);
    }
    for (unsigned i = 0; i < m; i++) {
      uint32_t s = w->id_slots[at[i]];
      if (s != 0)
        __builtin_prefetch(ident(w, s - 1));
    }
    for (unsigned i = 0; i < m; i++)
      out[base + i] = env_peer_intern(k + i * stride, w);
  }
}

/* ------------------------------------------------------------ node life */

static void
node_join(sim_world *w, uint32_t h)
{
  if (w->nodes[h] || (w->absent && w->absent[h]))
    return;
  uint8_t seed[PL_SEED_BYTES];
  node_seed(w, h, seed);
  const sim_population *pop = &w->sc->populations[w->pop_of[h]];
  pl_node *node = pl_node_new(&w->configs[w->pop_of[h]], &w->env, h, seed);
  sodium_memzero(seed, sizeof seed);
  g_assert(node);
  const pl_strategy *strategy = sim_adversary_strategy(pop->behaviour);
  for (size_t i = 0; host_modules[i] != NULL; i++) {
    const pl_strategy *s = host_modules[i]->node_strategy
                               ? host_modules[i]->node_strategy(w, w->module_state[i], h)
                               : NULL;
    if (s)
      strategy = s;
  }
  pl_node_set_strategy(node, strategy);
  w->nodes[h] = node;
  w->membership++;
  w->busy_ns[h] = w->now_ns;
  record(w, w->hm.node_join, 1);
  pl_node_start(node, w->now_ns);
  for (size_t i = 0; host_modules[i] != NULL; i++)
    if (host_modules[i]->node_started)
      host_modules[i]->node_started(w, w->module_state[i], h);
}

static void
node_crash(sim_world *w, uint32_t h)
{
  if (!w->nodes[h])
    return;
  pl_node_free(w->nodes[h]);
  w->nodes[h] = NULL;
  w->membership++;
  w->epoch[h]++;
  sim_net_reset_node(w->net, h);
  record(w, w->hm.node_crash, 1);
  for (size_t i = 0; host_modules[i] != NULL; i++)
    if (host_modules[i]->node_stopped)
      host_modules[i]->node_stopped(w, w->module_state[i], h);
}

static void
churn_schedule_leave(sim_world *w, uint32_t h, const sim_event_spec *ev, uint32_t ev_index)
{
  uint64_t session = (uint64_t)sim_dist_sample(&ev->session, &w->churn_rng);
  uint64_t at = w->now_ns + (session ? session : 1);
  uint64_t until = ev->until_ns ? ev->until_ns : w->sc->duration_ns;
  if (at >= until)
    return;
  sim_queue_push(w->queue, at, EV_LEAVE, h, (uint64_t)w->epoch[h] << 32 | ev_index);
}

/* --------------------------------------------------------- target nodes */

/* The handles of population |target| (all nodes if < 0) that satisfy
 * |want_live|, ascending; cached until a node joins or leaves. */
static const GArray *
candidates(sim_world *w, int target, int want_live)
{
  if (w->cand && w->cand_membership == w->membership && w->cand_target == target &&
      w->cand_live == want_live)
    return w->cand;
  uint32_t first = 0, count = w->n;
  if (target >= 0) {
    first = w->sc->populations[target].first;
    count = w->sc->populations[target].count;
  }
  if (w->cand)
    g_array_set_size(w->cand, 0);
  else
    w->cand = g_array_sized_new(FALSE, FALSE, sizeof(uint32_t), count);
  for (uint32_t h = first; h < first + count; h++) {
    bool live = w->nodes[h] != NULL;
    if (want_live < 0 || (want_live == 1) == live)
      g_array_append_val(w->cand, h);
  }
  w->cand_membership = w->membership;
  w->cand_target = target;
  w->cand_live = want_live;
  return w->cand;
}

/* Handles of the event's target population (all nodes if target < 0)
 * that satisfy |want_live|, shuffled by the event stream and cut to the
 * event's count or fraction.
 *
 * A partial Fisher-Yates over the candidate list: the first |want| are a
 * uniform sample.  For a small sample of a large list it runs on a
 * virtual copy (the positions already swapped live in a hash table), so a
 * command to 28 of 100,000 nodes costs 28 draws, not a 100,000-entry
 * copy; the draws and the result are the same either way. */
static GArray *
select_targets(sim_world *w, const sim_event_spec *ev, int want_live)
{
  const GArray *base = candidates(w, ev->target, want_live);
  const uint32_t *b = (const uint32_t *)base->data;
  uint32_t len = base->len;
  uint32_t want = ev->count ? ev->count : (uint32_t)llround(ev->fraction * len);
  if (want > len)
    want = len;
  GArray *a;
  if ((uint64_t)want * 16 >= len) {
    a = g_array_sized_new(FALSE, FALSE, sizeof(uint32_t), len);
    g_array_append_vals(a, b, len);
    uint32_t *v = (uint32_t *)a->data;
    for (uint32_t i = 0; i < want; i++) {
      uint32_t j = i + (uint32_t)sim_rng_below(&w->event_rng, len - i);
      uint32_t t = v[i];
      v[i] = v[j];
      v[j] = t;
    }
    g_array_set_size(a, want);
    return a;
  }
  /* position -> value for positions that no longer hold b[position] */
  GHashTable *moved = g_hash_table_new(g_direct_hash, g_direct_equal);
  a = g_array_sized_new(FALSE, FALSE, sizeof(uint32_t), want);
  for (uint32_t i = 0; i < want; i++) {
    uint32_t j = i + (uint32_t)sim_rng_below(&w->event_rng, len - i);
    gpointer vi, vj;
    uint32_t at_i = g_hash_table_lookup_extended(moved, GUINT_TO_POINTER(i), NULL, &vi)
                        ? GPOINTER_TO_UINT(vi) : b[i];
    uint32_t at_j = g_hash_table_lookup_extended(moved, GUINT_TO_POINTER(j), NULL, &vj)
                        ? GPOINTER_TO_UINT(vj) : b[j];
    g_hash_table_insert(moved, GUINT_TO_POINTER(j), GUINT_TO_POINTER(at_i));
    g_array_append_val(a, at_j);
  }
  g_hash_table_destroy(moved);
  return a;
}

static void
do_partition(sim_world *w, const sim_event_spec *ev)
{
  uint32_t *order = g_new(uint32_t, w->n);
  for (uint32_t i = 0; i < w->n; i++)
    order[i] = i;
  for (uint32_t i = w->n; i > 1; i--) {
    uint32_t j = (uint32_t)sim_rng_below(&w->event_rng, i);
    uint32_t t = order[i - 1];
    order[i - 1] = order[j];
    order[j] = t;
  }
  uint16_t *group = g_new(uint16_t, w->n);
  uint32_t pos = 0;
  double acc = 0;
  for (uint32_t g = 0; g < ev->n_fractions; g++) {
    acc += ev->fractions[g];
    uint32_t end = g + 1 == ev->n_fractions ? w->n : (uint32_t)llround(acc * w->n);
    for (; pos < end && pos < w->n; pos++)
      group[order[pos]] = (uint16_t)g;
  }
  sim_net_partition(w->net, group);
  g_free(group);
  g_free(order);
}

static void
do_command(sim_world *w, const sim_event_spec *ev)
{
  GArray *t = select_targets(w, ev, 1);
  uint32_t layer = (uint32_t)ev->command / PL_LAYER_CMD_RANGE;
  int m = layer < PL_LAYER_MAX ? w->layer_module[layer] : -1;
  const sim_host_module *mod = m >= 0 && host_modules[m]->command ? host_modules[m] : NULL;
  void *mod_state = mod ? w->module_state[m] : NULL;
  uint8_t buf[2048];
  for (guint i = 0; i < t->len; i++) {
    uint32_t h = g_array_index(t, uint32_t, i);
    pl_command cmd = {.kind = ev->command, .peer = PL_PEER_NONE};
    if (mod && !mod->command(w, mod_state, h, ev, &cmd, buf, sizeof buf))
      continue;
    (void)pl_node_command(w->nodes[h], w->now_ns, &cmd);
  }
  g_array_free(t, TRUE);
}

static void
do_script(sim_world *w, uint32_t index)
{
  const sim_event_spec *ev = &w->sc->events[index];
  GArray *t;
  switch (ev->action) {
  case SIM_ACTION_PARTITION:
    do_partition(w, ev);
    break;
  case SIM_ACTION_HEAL:
    sim_net_partition(w->net, NULL);
    break;
  case SIM_ACTION_CRASH:
    t = select_targets(w, ev, 1);
    for (guint i = 0; i < t->len; i++)
      node_crash(w, g_array_index(t, uint32_t, i));
    g_array_free(t, TRUE);
    break;
  case SIM_ACTION_RESTART:
    t = select_targets(w, ev, 0);
    for (guint i = 0; i < t->len; i++)
      node_join(w, g_array_index(t, uint32_t, i));
    g_array_free(t, TRUE);
    break;
  case SIM_ACTION_CHURN:
    t = select_targets(w, ev, -1);
    for (guint i = 0; i < t->len; i++) {
      uint32_t h = g_array_index(t, uint32_t, i);
      churn_schedule_leave(w, h, ev, index);
    }
    g_array_free(t, TRUE);
    break;
  case SIM_ACTION_COMMAND:
    do_command(w, ev);
    if (ev->every_ns) {
      uint64_t until = ev->until_ns ? ev->until_ns : w->sc->duration_ns;
      if (w->now_ns + ev->every_ns < until)
        sim_queue_push(w->queue, w->now_ns + ev->every_ns, EV_REPEAT, UINT32_MAX, index);
    }
    break;
  }
}

/* --------------------------------------------------------------- events */

static void
deliver(sim_world *w, message *m)
{
  uint32_t h = m->dst;
  if (!w->nodes[h]) {
    record(w, w->hm.drop_offline, 1);
    msg_free(w, m);
    return;
  }
  if (sim_net_partitioned(w->net, m->src, h)) {
    record(w, w->hm.drop[SIM_NET_DROP_PARTITION], 1);
    msg_free(w, m);
    return;
  }
  if (w->busy_ns[h] > w->now_ns) {
    /* The receiver's CPU is busy: the message waits its turn. */
    sim_queue_push_ptr(w->queue, w->busy_ns[h], EV_DELIVER, h, m, m->len);
    return;
  }
  record(w, w->hm.net_delivered, 1);
  record(w, w->hm.net_latency_ms, (double)(w->now_ns - m->sent_ns) / 1e6);
  sim_trace_add(&w->trace, w->now_ns, m->src, h, TRACE_MESSAGE, m->data, m->len);
  (void)pl_node_receive(w->nodes[h], w->now_ns, m->src, m->data, m->len);
  msg_free(w, m);
}

/* Union-find root of |h| with path halving (sample_overlay). */
static uint32_t
overlay_root(uint32_t *parent, uint32_t h)
{
  while (parent[h] != h) {
    parent[h] = parent[parent[h]];
    h = parent[h];
  }
  return h;
}

/* The gauges overlay.components (connected components of the peer
 * overlay over live nodes, a link being a connected session at either
 * end; a live node without peers is a component of its own) and
 * overlay.largest_share (live nodes in the largest one / live nodes).
 * Union-find over every live node's peer list: O(links), computed only
 * when [metrics] include keeps one of them. */
static void
sample_overlay(sim_world *w)
{
  int comp_id = sim_metrics_lookup(w->metrics, "overlay.components");
  int share_id = sim_metrics_lookup(w->metrics, "overlay.largest_share");
  if (comp_id < 0 || share_id < 0 ||
      (!recorded(w, (uint32_t)comp_id) && !recorded(w, (uint32_t)share_id)))
    return;
  uint32_t *parent = g_new(uint32_t, w->n);
  for (uint32_t h = 0; h < w->n; h++)
    parent[h] = h;
  for (uint32_t h = 0; h < w->n; h++) {
    if (!w->nodes[h])
      continue;
    uint32_t k = pl_node_peers(w->nodes[h], w->peer_scratch, w->peer_scratch_len);
    for (uint32_t i = 0; i < k; i++) {
      pl_peer q = w->peer_scratch[i];
      if (q >= w->n || !w->nodes[q])
        continue;
      uint32_t a = overlay_root(parent, h), b = overlay_root(parent, q);
      if (a != b)
        parent[MAX(a, b)] = MIN(a, b);
    }
  }
  uint32_t *size = g_new0(uint32_t, w->n);
  uint32_t alive = 0, components = 0, largest = 0;
  for (uint32_t h = 0; h < w->n; h++) {
    if (!w->nodes[h])
      continue;
    alive++;
    uint32_t r = overlay_root(parent, h);
    components += size[r] == 0;
    size[r]++;
    largest = MAX(largest, size[r]);
  }
  g_free(size);
  g_free(parent);
  if (alive == 0)
    return;
  record(w, (uint32_t)comp_id, components);
  record(w, (uint32_t)share_id, (double)largest / alive);
}

static void
sample(sim_world *w)
{
  uint32_t alive = 0;
  const uint32_t n_pop = w->sc->n_populations;
  for (uint32_t p = 0; p < n_pop; p++) {
    const sim_population *pop = &w->sc->populations[p];
    for (uint32_t h = pop->first; h < pop->first + pop->count; h++) {
      pl_node *node = w->nodes[h];
      if (!node)
        continue;
      alive++;
      uint32_t peers = pl_node_peer_count(node);
      record(w, w->hm.peer_count, peers);
      record(w, w->hm.pop_peers[p], peers);
      if (peers && recorded(w, w->hm.pop_minor[p])) {
        uint32_t k = pl_node_peers(node, w->peer_scratch, w->peer_scratch_len);
        double sum = 0;
        for (uint32_t i = 0; i < k; i++)
          sum += pl_node_peer_minor(node, w->peer_scratch[i]);
        if (k)
          record(w, w->hm.pop_minor[p], sum / k);
      }
    }
  }
  record(w, w->hm.nodes_alive, alive);
  uint64_t hits = pl_sigcache_hits(w->sigcache), misses = pl_sigcache_misses(w->sigcache);
  if (hits + misses)
    record(w, w->hm.sigcache_hit_rate, (double)hits / (double)(hits + misses));
  sample_overlay(w);
  for (size_t i = 0; host_modules[i] != NULL; i++)
    if (host_modules[i]->sample)
      host_modules[i]->sample(w, w->module_state[i]);
  sim_metrics_close_window(w->metrics, w->now_ns);
}

static bool
flush_results(sim_world *w, GError **error)
{
  if (!w->results) {
    sim_metrics_clear_pending(w->metrics);
    return true;
  }
  return sim_results_flush(w->results, w->metrics, error);
}

static void
dispatch(sim_world *w, const sim_event *e)
{
  switch (e->kind) {
  case EV_JOIN:
    node_join(w, e->node);
    break;
  case EV_TIMER: {
    uint32_t h = e->node;
    if (!w->nodes[h] || (uint16_t)(e->arg >> 32) != w->epoch[h])
      break;
    uint32_t id = (uint32_t)e->arg;
    uint8_t le[4] = {(uint8_t)id, (uint8_t)(id >> 8), (uint8_t)(id >> 16), (uint8_t)(id >> 24)};
    sim_trace_add(&w->trace, w->now_ns, h, h, TRACE_TIMER, le, sizeof le);
    pl_node_timer(w->nodes[h], w->now_ns, id);
    break;
  }
  case EV_ARRIVE: {
    message *m = e->ptr;
    uint64_t at = sim_net_arrive(w->net, w->now_ns, m->dst, m->len);
    sim_queue_push_ptr(w->queue, at, EV_DELIVER, m->dst, m, m->len);
    break;
  }
  case EV_DELIVER:
    deliver(w, e->ptr);
    break;
  case EV_SCRIPT:
    do_script(w, (uint32_t)e->arg);
    break;
  case EV_REPEAT: {
    const sim_event_spec *ev = &w->sc->events[e->arg];
    do_command(w, ev);
    uint64_t until = ev->until_ns ? ev->until_ns : w->sc->duration_ns;
    if (w->now_ns + ev->every_ns < until)
      sim_queue_push(w->queue, w->now_ns + ev->every_ns, EV_REPEAT, UINT32_MAX, e->arg);
    break;
  }
  case EV_LEAVE: {
    uint32_t h = e->node;
    if ((uint16_t)(e->arg >> 32) != w->epoch[h] || !w->nodes[h])
      break;
    const sim_event_spec *ev = &w->sc->events[(uint32_t)e->arg];
    node_crash(w, h);
    uint64_t down = (uint64_t)sim_dist_sample(&ev->downtime, &w->churn_rng);
    uint64_t back = w->now_ns + (down ? down : 1);
    uint64_t until = ev->until_ns ? ev->until_ns : w->sc->duration_ns;
    /* After |until| churn stops: the node comes back and stays. */
    sim_queue_push(w->queue, back, EV_JOIN, h, 0);
    if (back < until)
      sim_queue_push(w->queue, back, EV_REARM, h, (uint64_t)w->epoch[h] << 32 | (uint32_t)e->arg);
    break;
  }
  case EV_REARM: {
    /* Scheduled together with the JOIN above, so it runs right after it. */
    uint32_t h = e->node;
    if ((uint16_t)(e->arg >> 32) != w->epoch[h] || !w->nodes[h])
      break;
    churn_schedule_leave(w, h, &w->sc->events[(uint32_t)e->arg], (uint32_t)e->arg);
    break;
  }
  default:
    g_assert_not_reached();
  }
}

/* ----------------------------------------------------------- construction */

static bool
glob_any(char **patterns, const char *name)
{
  if (!patterns)
    return true;
  for (char **p = patterns; *p; p++)
    if (g_pattern_match_simple(*p, name))
      return true;
  return false;
}

static void
register_host_metrics(sim_world *w)
{
  sim_metrics *m = w->metrics;
  host_metrics *hm = &w->hm;
  hm->net_sent = sim_metrics_register(m, "net.sent", PL_METRIC_KIND_COUNTER);
  hm->net_bytes = sim_metrics_register(m, "net.bytes", PL_METRIC_KIND_COUNTER);
  hm->net_delivered = sim_metrics_register(m, "net.delivered", PL_METRIC_KIND_COUNTER);
  hm->net_latency_ms = sim_metrics_register(m, "net.latency_ms", PL_METRIC_KIND_OBSERVATION);
  hm->drop[SIM_NET_OK] = UINT32_MAX; /* not a drop: never recorded */
  hm->drop[SIM_NET_DROP_LOSS] = sim_metrics_register(m, "net.dropped.loss", PL_METRIC_KIND_COUNTER);
  hm->drop[SIM_NET_DROP_PARTITION] =
      sim_metrics_register(m, "net.dropped.partition", PL_METRIC_KIND_COUNTER);
  hm->drop[SIM_NET_DROP_NAT] = sim_metrics_register(m, "net.dropped.nat", PL_METRIC_KIND_COUNTER);
  hm->drop_offline = sim_metrics_register(m, "net.dropped.offline", PL_METRIC_KIND_COUNTER);
  hm->cpu_ms = sim_metrics_register(m, "cpu.charged_ms", PL_METRIC_KIND_COUNTER);
  hm->nodes_alive = sim_metrics_register(m, "nodes.alive", PL_METRIC_KIND_GAUGE);
  hm->peer_count = sim_metrics_register(m, "peer.count", PL_METRIC_KIND_GAUGE);
  hm->sigcache_hit_rate = sim_metrics_register(m, "sigcache.hit_rate", PL_METRIC_KIND_GAUGE);
  hm->node_join = sim_metrics_register(m, "node.join", PL_METRIC_KIND_COUNTER);
  hm->node_crash = sim_metrics_register(m, "node.crash", PL_METRIC_KIND_COUNTER);
  /* looked up by name in sample_overlay */
  (void)sim_metrics_register(m, "overlay.components", PL_METRIC_KIND_GAUGE);
  (void)sim_metrics_register(m, "overlay.largest_share", PL_METRIC_KIND_GAUGE);
  const uint32_t n_pop = w->sc->n_populations;
  hm->pop_peers = g_new(uint32_t, n_pop);
  hm->pop_minor = g_new(uint32_t, n_pop);
  w->pop_timed_out = g_new(uint32_t, n_pop);
  for (uint32_t p = 0; p < n_pop; p++) {
    char *name = g_strdup_printf("pop.%s.peer.count", w->sc->populations[p].name);
    hm->pop_peers[p] = sim_metrics_register(m, name, PL_METRIC_KIND_GAUGE);
    g_free(name);
    name = g_strdup_printf("pop.%s.negotiated_minor", w->sc->populations[p].name);
    hm->pop_minor[p] = sim_metrics_register(m, name, PL_METRIC_KIND_GAUGE);
    g_free(name);
    name = g_strdup_printf("pop.%s.peer.timed_out", w->sc->populations[p].name);
    w->pop_timed_out[p] = sim_metrics_register(m, name, PL_METRIC_KIND_COUNTER);
    g_free(name);
  }
}

/* Which registered metrics [metrics] include keeps: after every metric,
 * the host modules' too, is registered. */
static void
build_record_mask(sim_world *w)
{
  sim_metrics *m = w->metrics;
  w->record_mask_len = sim_metrics_count(m);
  w->record_mask = g_new(bool, w->record_mask_len);
  for (uint32_t id = 0; id < w->record_mask_len; id++)
    w->record_mask[id] = glob_any(w->sc->metrics_include, sim_metrics_name(m, id));
}

/* Every [expect] line must name a metric this world registers and
 * records: a misspelt name, a metric of a layer the scenario leaves off,
 * or one that [metrics] include leaves out would otherwise be found only
 * after the whole run, as an expectation that could never hold. */
static bool
check_expectations(const sim_world *w, GError **error)
{
  for (uint32_t i = 0; i < w->sc->n_expects; i++) {
    const sim_expect *e = &w->sc->expects[i];
    const char *metric;
    sim_stat stat;
    int id = sim_expect_resolve(e, w->metrics, &metric, &stat);
    if (id < 0) {
      g_set_error(error, SIM_WORLD_ERROR, SIM_WORLD_ERROR_INPUT,
                  "%s: [expect] %s: no metric '%s' in this scenario (is its layer on? "
                  "docs/metrics.md lists the names)",
                  w->sc->path, e->label, metric);
      return false;
    }
    if (!w->record_mask[id]) {
      g_set_error(error, SIM_WORLD_ERROR, SIM_WORLD_ERROR_INPUT,
                  "%s: [expect] %s: metric '%s' is not recorded: [metrics] include leaves it "
                  "out",
                  w->sc->path, e->label, metric);
      return false;
    }
  }
  return true;
}

static void
build_nodes(sim_world *w)
{
  const sim_scenario *sc = w->sc;
  w->nodes = g_new0(pl_node *, w->n);
  w->rngs = g_new(sim_rng, w->n);
  w->busy_ns = g_new0(uint64_t, w->n);
  w->epoch = g_new0(uint16_t, w->n);
  w->pop_of = g_new(uint16_t, w->n);
  slots_grow(w, w->n);

  sim_rng assign;
  sim_rng_init(&assign, sc->seed, "assign", 0);
  for (uint32_t p = 0; p < sc->n_populations; p++) {
    const sim_population *pop = &sc->populations[p];
    sim_rng join;
    sim_rng_init(&join, sc->seed, "join", p);
    for (uint32_t h = pop->first; h < pop->first + pop->count; h++) {
      uint8_t seed[PL_SEED_BYTES], key[PL_KEY_BYTES];
      w->pop_of[h] = (uint16_t)p; /* the modules' hooks below read it */
      bool exists = true;
      for (size_t i = 0; host_modules[i] != NULL; i++) {
        if (host_modules[i]->node_exists && !host_modules[i]->node_exists(w, h))
          exists = false;
        if (host_modules[i]->node_seed && host_modules[i]->node_seed(w, h, seed)) {
          if (!w->seed_override)
            w->seed_override = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
          g_hash_table_insert(w->seed_override, GUINT_TO_POINTER(h), g_memdup2(seed, sizeof seed));
        }
      }
      if (!exists) {
        if (!w->absent)
          w->absent = g_new0(uint8_t, w->n);
        w->absent[h] = 1;
      }
      node_seed(w, h, seed);
      pl_identity_from_seed(seed, key, NULL);
      sodium_memzero(seed, sizeof seed);
      uint32_t got = id_lookup(w, key);
      g_assert(got == PL_PEER_NONE);
      got = id_append(w, key);
      g_assert(got == h);
      sim_rng_init(&w->rngs[h], sc->seed, "node", h);

      sim_net_node attrs = pop->net;
      attrs.nat = sim_rng_chance(&assign, pop->nat_share);
      attrs.region = 0;
      if (sc->net.n_regions) {
        if (pop->region >= 0) {
          attrs.region = (uint8_t)pop->region;
        } else {
          double u = sim_rng_uniform(&assign), acc = 0;
          attrs.region = (uint8_t)(sc->net.n_regions - 1);
          for (uint32_t r = 0; r < sc->net.n_regions; r++) {
            acc += sc->region_weights[r];
            if (u < acc) {
              attrs.region = (uint8_t)r;
              break;
            }
          }
        }
      }
      sim_net_set_node(w->net, h, &attrs);
      uint64_t at = (uint64_t)sim_dist_sample(&pop->join_at, &join);
      if (at < sc->duration_ns && exists)
        sim_queue_push(w->queue, at, EV_JOIN, h, 0);
    }
  }
}

/* Each population's core config, with the shared bootstrap list. */
static void
build_configs(sim_world *w)
{
  const sim_scenario *sc = w->sc;
  w->configs = g_new(pl_config, sc->n_populations);
  for (uint32_t p = 0; p < sc->n_populations; p++) {
    w->configs[p] = sc->populations[p].config;
    w->configs[p].bootstrap = w->bootstrap;
    w->configs[p].n_bootstrap = w->n_bootstrap;
    w->peer_scratch_len = MAX(w->peer_scratch_len, w->configs[p].max_peers);
  }
}

/* Build every host module's state (which registers its metrics). */
static void
init_modules(sim_world *w)
{
  w->module_state = g_new0(void *, N_HOST_MODULES);
  memset(w->layer_module, -1, sizeof w->layer_module);
  for (size_t i = 0; host_modules[i] != NULL; i++) {
    g_assert((unsigned)host_modules[i]->layer < PL_LAYER_MAX &&
             w->layer_module[host_modules[i]->layer] < 0); /* one module per layer */
    w->layer_module[host_modules[i]->layer] = (int8_t)i;
    if (host_modules[i]->init)
      w->module_state[i] = host_modules[i]->init(w);
  }
}

bool
sim_world_check_expectations(const sim_scenario *sc, GError **error)
{
  sim_world *w = g_new0(sim_world, 1);
  w->sc = sc;
  w->n = sc->total_nodes;
  w->names_only = true;
  w->metrics = sim_metrics_new();
  register_host_metrics(w);
  build_configs(w);
  init_modules(w);
  build_record_mask(w);
  bool ok = check_expectations(w, error);
  sim_world_free(w);
  return ok;
}

sim_world *
sim_world_new(const sim_scenario *sc, const sim_world_options *options, GError **error)
{
  if (sodium_init() < 0) {
    g_set_error(error, SIM_WORLD_ERROR, SIM_WORLD_ERROR_FAILED, "libsodium failed to initialise");
    return NULL;
  }
  if (sc->total_nodes == 0 || sc->total_nodes >= PL_PEER_MAX / 2) {
    g_set_error(error, SIM_WORLD_ERROR, SIM_WORLD_ERROR_INPUT,
                "%s: population size %u is out of range", sc->path, sc->total_nodes);
    return NULL;
  }
  /* before the identities and the modules' state, which take seconds at a
   * million nodes */
  if (!sim_world_check_expectations(sc, error))
    return NULL;
  sim_world *w = g_new0(sim_world, 1);
  w->sc = sc;
  if (options)
    w->opt = *options;
  w->n = sc->total_nodes;
  w->queue = sim_queue_new();
  w->net = sim_net_new(&sc->net, w->n, sc->seed);
  /* Room for every node's record and then some: a memo smaller than the
   * set of distinct signatures in use thrashes.  Verdicts are identical
   * whatever the size; only the run time changes. */
  size_t memo = MIN(MAX((size_t)sc->sigcache_capacity, 2 * (size_t)w->n),
                    PL_SIGCACHE_CAPACITY_MAX);
  w->sigcache = pl_sigcache_new(memo);
  if (w->sigcache == NULL) {
    g_set_error(error, SIM_WORLD_ERROR, SIM_WORLD_ERROR_FAILED,
                "out of memory for a signature memo of %zu entries "
                "([protocol.crypto] sigcache_capacity)",
                memo);
    sim_world_free(w);
    return NULL;
  }
  w->metrics = sim_metrics_new();
  sim_trace_init(&w->trace);
  sim_rng_init(&w->event_rng, sc->seed, "event", 0);
  sim_rng_init(&w->churn_rng, sc->seed, "churn", 0);
  register_host_metrics(w);

  w->env = (pl_env){
      .send_cb = env_send,
      .timer_cb = env_timer,
      .random_cb = env_random,
      .metric_cb = env_metric,
      .cpu_cb = env_cpu,
      .observe_cb = env_observe,
      .peer_key_cb = env_peer_key,
      .peer_id_cb = env_peer_id,
      .peer_intern_cb = env_peer_intern,
      .peer_intern_n_cb = env_peer_intern_n,
      .sigcache = w->sigcache,
      .user_data = w,
  };

  w->n_bootstrap = MIN(sc->bootstrap_count, w->n);
  w->bootstrap = g_new(pl_peer, w->n_bootstrap ? w->n_bootstrap : 1);
  for (uint32_t i = 0; i < w->n_bootstrap; i++)
    w->bootstrap[i] = i;
  build_configs(w);
  w->peer_scratch = g_new(pl_peer, MAX(w->peer_scratch_len, 1));

  build_nodes(w);
  init_modules(w);
  build_record_mask(w);
  if (w->build_cut) {
    /* asked to stop while a module built its state (id puzzles): that
     * state is incomplete */
    g_set_error(error, SIM_WORLD_ERROR, SIM_WORLD_ERROR_FAILED,
                "interrupted while the world was being built; nothing was run or written");
    sim_world_free(w);
    return NULL;
  }
  for (uint32_t i = 0; i < sc->n_events; i++)
    if (sc->events[i].at_ns < sc->duration_ns)
      sim_queue_push(w->queue, sc->events[i].at_ns, EV_SCRIPT, UINT32_MAX, i);
  if (sc->sample_interval_ns)
    sim_queue_push(w->queue, MIN(sc->sample_interval_ns, sc->duration_ns), EV_SAMPLE,
                   UINT32_MAX, 0);

  if (w->opt.results_path) {
    char started[32];
    sim_wallclock_iso8601(started, sizeof started);
    sim_run_info info = {
        .name = sc->name,
        .scenario_path = sc->path,
        .scenario_text = sc->text,
        .seed = sc->seed,
        .version = PEERLAB_VERSION,
        .git_rev = PEERLAB_GIT_REV,
        .started_at = started,
        .nodes = w->n,
        .duration_ns = sc->duration_ns,
        .id = w->opt.run_id,
        .params = w->opt.run_params,
    };
    w->results = sim_results_create(w->opt.results_path, &info, error);
    if (!w->results) {
      sim_world_free(w);
      return NULL;
    }
  }
  return w;
}

/* ------------------------------------------------------------------ run */

static void
evaluate(sim_world *w)
{
  w->outcomes = g_new0(sim_expect_outcome, w->sc->n_expects ? w->sc->n_expects : 1);
  for (uint32_t i = 0; i < w->sc->n_expects; i++) {
    sim_expect_outcome *o = &w->outcomes[i];
    o->expect = &w->sc->expects[i];
    /* An unknown metric was refused before the world was built
     * (sim_world_check_expectations); a statistic of nothing fails as "no
     * observations" rather than comparing against 0. */
    sim_expect_status st = sim_expect_check(o->expect, w->metrics, &o->observed);
    o->pass = st == SIM_EXPECT_HELD;
    o->why = sim_expect_status_why(st);
  }
}

/* Start loading what the next event will touch (its message, its node's
 * entries) while this one is dispatched: a message was written long ago
 * in virtual time and a node's state is anywhere in memory, so both are
 * usually cold. */
#define PREFETCH_MAX 2048 /* bytes of a message prefetched at most */

static inline void
prefetch_next(const sim_world *w)
{
  const sim_event *nx = sim_queue_next(w->queue);
  if (nx == NULL)
    return;
  if (nx->ptr != NULL && (nx->kind == EV_DELIVER || nx->kind == EV_ARRIVE)) {
    /* the whole message (size = payload bytes), up to PREFETCH_MAX */
    size_t bytes = MIN(sizeof(message) + (size_t)nx->size, (size_t)PREFETCH_MAX);
    for (size_t off = 0; off < bytes; off += 64)
      __builtin_prefetch((const char *)nx->ptr + off);
  }
  if (nx->node < w->n) {
    __builtin_prefetch(&w->busy_ns[nx->node]);
    if (w->nodes[nx->node] != NULL)
      pl_node_prefetch(w->nodes[nx->node]);
  }
  /* one event further: the slot of its node, so that next time round the
   * load of the node's address above does not wait for memory */
  const sim_event *n2 = sim_queue_after_next(w->queue, nx);
  if (n2 != NULL && n2->node < w->n)
    __builtin_prefetch(&w->nodes[n2->node]);
}

/* Second stage, after the current event: the next event's node struct
 * has arrived meanwhile, so its layer states' addresses can be read
 * without a wait and those states loaded in turn.  (The next event may
 * have changed with the current one's pushes; then this is wasted.) */
static inline void
prefetch_next_states(const sim_world *w)
{
  const sim_event *nx = sim_queue_next(w->queue);
  if (nx != NULL && nx->node < w->n && w->nodes[nx->node] != NULL)
    pl_node_prefetch_states(w->nodes[nx->node]);
}

sim_run_status
sim_world_run(sim_world *w, GError **error)
{
  const uint64_t end = w->sc->duration_ns;
  sim_run_status status = SIM_RUN_COMPLETE;
  GError *err = NULL;
  w->wall_start = sim_wallclock_now();
  sim_event e;
  while (sim_queue_peek_time(w->queue) <= end) {
    if ((w->events & (PROGRESS_EVERY - 1)) == 0 && w->events) {
      if (sim_world_stop_requested(w)) {
        status = SIM_RUN_INTERRUPTED;
        break;
      }
      if (w->opt.progress_cb) {
        sim_progress p = {w->now_ns, end, w->events, sim_wallclock_now() - w->wall_start};
        w->opt.progress_cb(&p, w->opt.user_data);
      }
    }
    if (!sim_queue_pop(w->queue, &e))
      break;
    w->now_ns = e.time_ns;
    w->events++;
    prefetch_next(w);
    if (e.kind == EV_SAMPLE) {
      sample(w);
      if (!flush_results(w, &err)) {
        status = SIM_RUN_FAILED;
        break;
      }
      /* also here, not only every PROGRESS_EVERY events: a run with small
       * windows spends its time writing them (this one is kept) */
      if (sim_world_stop_requested(w)) {
        status = SIM_RUN_INTERRUPTED;
        break;
      }
      if (w->now_ns < end) {
        uint64_t next = w->now_ns + w->sc->sample_interval_ns;
        sim_queue_push(w->queue, MIN(next, end), EV_SAMPLE, UINT32_MAX, 0);
      }
      continue;
    }
    dispatch(w, &e);
    prefetch_next_states(w);
  }
  if (status == SIM_RUN_COMPLETE)
    w->now_ns = end;
  else if (status == SIM_RUN_INTERRUPTED)
    sample(w); /* keep the partial window */
  w->wall_s = sim_wallclock_now() - w->wall_start;
  w->peak_rss = sim_peak_rss_bytes();
  sim_trace_hex(&w->trace, w->trace_hex);
  evaluate(w);

  if (w->results) {
    sim_run_final final = {
        .status = sim_run_status_name(status),
        .trace = w->trace_hex,
        .events = w->events,
        .virtual_ns = w->now_ns,
        .wall_s = w->wall_s,
        .peak_rss_bytes = w->peak_rss,
        .error = err                          ? err->message
                 : status == SIM_RUN_INTERRUPTED ? "interrupted by a signal (SIGINT or SIGTERM)"
                                                 : NULL,
    };
    GError *ferr = NULL;
    if (!sim_results_finish(w->results, w->metrics, &final, w->outcomes, w->sc->n_expects,
                            &ferr)) {
      status = SIM_RUN_FAILED;
      if (!err)
        err = ferr;
      else
        g_error_free(ferr);
    }
  }
  if (err)
    g_propagate_error(error, err);
  return status;
}

void
sim_world_free(sim_world *w)
{
  if (!w)
    return;
  sim_event e;
  while (w->queue && sim_queue_pop(w->queue, &e))
    if (e.kind == EV_ARRIVE || e.kind == EV_DELIVER)
      msg_free(w, e.ptr);
  msg_pool_clear(w);
  sim_queue_free(w->queue);
  for (uint32_t h = 0; w->nodes && h < w->n; h++)
    pl_node_free(w->nodes[h]);
  g_free(w->nodes);
  if (w->cand)
    g_array_free(w->cand, TRUE);
  g_free(w->rngs);
  g_free(w->busy_ns);
  g_free(w->epoch);
  g_free(w->pop_of);
  for (uint32_t c = 0; c < w->id_chunk_cap; c++)
    g_aligned_free(w->id_chunks[c]);
  g_free(w->id_chunks);
  g_free(w->id_slots);
  g_free(w->configs);
  g_free(w->bootstrap);
  g_free(w->peer_scratch);
  g_free(w->hm.pop_peers);
  g_free(w->hm.pop_minor);
  g_free(w->pop_timed_out);
  for (size_t i = 0; w->module_state && host_modules[i] != NULL; i++)
    if (host_modules[i]->free)
      host_modules[i]->free(w->module_state[i]);
  g_free(w->module_state);
  if (w->seed_override)
    g_hash_table_destroy(w->seed_override);
  g_free(w->absent);
  g_free(w->record_mask);
  g_free(w->outcomes);
  sim_results_close(w->results);
  sim_metrics_free(w->metrics);
  pl_sigcache_free(w->sigcache);
  sim_net_free(w->net);
  g_free(w);
}

const char *
sim_world_trace(const sim_world *w)
{
  return w->trace_hex;
}

uint64_t
sim_world_events(const sim_world *w)
{
  return w->events;
}

uint64_t
sim_world_now(const sim_world *w)
{
  return w->now_ns;
}

double
sim_world_wall_s(const sim_world *w)
{
  return w->wall_s;
}

uint64_t
sim_world_peak_rss(const sim_world *w)
{
  return w->peak_rss;
}

const sim_metrics *
sim_world_metrics(const sim_world *w)
{
  return w->metrics;
}

const sim_expect_outcome *
sim_world_outcomes(const sim_world *w, size_t *n)
{
  *n = w->sc->n_expects;
  return w->outcomes;
}

size_t
sim_world_host_memory(const sim_world *w)
{
  size_t per_node = sizeof(pl_node *) + sizeof(sim_rng) + sizeof(uint64_t) + 2 * sizeof(uint16_t);
  size_t ids = (size_t)w->id_chunk_cap * sizeof(identity *) +
               (size_t)((w->id_count + KEY_CHUNK - 1) / KEY_CHUNK) * KEY_CHUNK * sizeof(identity) +
               (size_t)(w->id_slot_mask + 1) * sizeof(uint32_t);
  size_t modules = 0;
  for (size_t i = 0; w->module_state && host_modules[i] != NULL; i++)
    if (host_modules[i]->memory)
      modules += host_modules[i]->memory(w, w->module_state[i]);
  size_t cand = w->cand ? (size_t)w->cand->len * sizeof(uint32_t) : 0;
  return per_node * w->n + ids + sim_net_memory(w->net) + sim_queue_memory(w->queue) +
         pl_sigcache_memory(w->sigcache) + modules + cand + w->msg_pool_bytes;
}

size_t
sim_world_core_memory(const sim_world *w)
{
  size_t total = 0;
  for (uint32_t h = 0; h < w->n; h++)
    if (w->nodes[h])
      total += pl_node_memory(w->nodes[h]);
  return total;
}

pl_node *
sim_world_node(const sim_world *w, uint32_t handle)
{
  return handle < w->n ? w->nodes[handle] : NULL;
}

/* --------------------------------------------- for host modules (world_internal.h) */

void
sim_world_record(sim_world *w, uint32_t metric, double value)
{
  record(w, metric, value);
}

bool
sim_world_recorded(const sim_world *w, uint32_t metric)
{
  return recorded(w, metric);
}

const uint8_t *
sim_world_key(const sim_world *w, uint32_t h)
{
  g_assert(h < w->id_count);
  return ident(w, h)->key;
}

const uint8_t *
sim_world_node_id(const sim_world *w, uint32_t h)
{
  g_assert(h < w->id_count);
  return ident(w, h)->id;
}

void *
sim_world_module_state(const sim_world *w, const sim_host_module *module)
{
  for (size_t i = 0; host_modules[i] != NULL; i++)
    if (host_modules[i] == module)
      return w->module_state ? w->module_state[i] : NULL;
  return NULL;
}

const sim_population *
sim_world_population(const sim_world *w, uint32_t h)
{
  g_assert(h < w->n);
  return &w->sc->populations[w->pop_of[h]];
}
