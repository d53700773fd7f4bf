/*
 * gossip.c — the gossip layer: seen cache, message store, receiving and
 * checking published messages, publishing, subscriptions, batching,
 * heartbeats.  The dissemination modes live in gossip_epidemic.c and
 * gossip_mesh.c.
 *
 * How a DATA item is received (the cheap path first):
 *
 *   1. The item carries the id its sender claims.  If the seen cache holds
 *      that id's short form, the item is a duplicate: counted, dropped.
 *      This is safe without hashing: only ids this node computed itself,
 *      of messages whose signature it checked, enter the seen cache, so a
 *      forged item claiming a seen id only loses itself.
 *   2. Otherwise the node checks that the id is BLAKE2b-256 of the
 *      publisher's signed bytes (with the host's memo, together with the
 *      signature in one lookup: check_data) and refuses an item whose
 *      claimed id differs; decodes the envelope strictly (SIGNED, inner type
 *      GOSSIP_DATA, payload = u32 topic + at most max_payload_bytes);
 *      refuses a timestamp older than seen_ttl_ns (its seen entry may be
 *      gone, so it could be delivered twice) or further ahead than
 *      replay_window_ns; checks the signature through the host's memo
 *      (pl_node_note_verify charges verify_cost_ns).  Every refusal is
 *      counted (gossip.invalid_rejected), lowers the sender's score, and
 *      makes the batch count as rejected for that reason; the batch's
 *      other items are still taken.
 *   3. A valid new message enters the seen cache (until max(now,
 *      timestamp) + seen_ttl_ns) and, if the node relays it (strategy
 *      gossip_relay), the store; it is delivered if the node subscribes
 *      to its topic, and handed to the mode (flood and mesh forward at
 *      once, the round-based modes at their next round).
 *
 * Seen cache.  A ring of entries in insertion order (short id = first 8
 * bytes of the id, expiry) with an open-addressing set of the short ids
 * (linear probing, backward-shift deletion, load <= 1/2).  Entries leave from the head when they expire or, when
 * seen_max are held, to make room (gossip.seen cache too small for the
 * message rate: a later copy of an evicted message would be delivered
 * again; size seen_max to rate x seen_ttl).  The ring grows by doubling
 * from 16 entries and shrinks when a quarter full, so an idle node holds
 * almost nothing.
 *
 * Store.  A ring of message pointers in receipt order, absolute sequence
 * numbers, at most store_max; a message leaves when store_ttl_ns after
 * its publication has passed (checked at each heartbeat) or to make room.
 * With a pool (pl_gossip_set_pool) a stored message references the pool's
 * copy of its signed bytes instead of holding its own.
 *
 * Batching.  Items for a peer are appended to that peer's pending batch
 * (allocated when needed, freed when sent).  With batch_window_ns = 0 the
 * batches leave at the end of the event that filled them (so everything
 * one received batch causes for a peer shares one message); otherwise a
 * FLUSH timer sends them batch_window_ns after the first item was queued.
 * A full batch (PL_GOSSIP_BATCH_ITEMS_MAX items or
 * PL_GOSSIP_BATCH_MAX_BYTES) leaves at once.  A flush visits only the
 * peers noted as having a pending batch (up to GOSSIP_DIRTY_MAX of them,
 * in connection order; more and it walks every peer), and a first receipt
 * walks the peers for IWANT promises only while some are outstanding.
 */
#include "gossip_internal.h"
#include "wire.h"

#include <string.h>

#include <glib.h>

#include "identity.h"
#include "sigcache.h"

#define SEEN_MIN_CAP 16u
#define STORE_MIN_CAP 4u
#define OUT_MIN_CAP 512u

gossip_state *
gossip_of(const pl_node *node)
{
  return pl_node_layer_state(node, PL_LAYER_GOSSIP);
}

uint64_t
gossip_short_id(const uint8_t *id)
{
  G_STATIC_ASSERT(PL_GOSSIP_SHORT_ID_BYTES == 8);
  return pl_be_get64(id);
}

/* ------------------------------------------------------------- seen cache */

/* The key a short id is kept under in the seen set (0 marks empty slots). */
static uint64_t
seen_key(uint64_t short_id)
{
  return short_id != 0 ? short_id : 1;
}

static uint32_t
home_of(uint64_t key, uint32_t mask)
{
  /* Short ids are hash output: any bits are uniform. */
  return (uint32_t)(key ^ (key >> 32)) & mask;
}

/* True if |short_id| is in the seen set: one probe run over 8-byte slots. */
static bool
seen_has(const gossip_state *st, uint64_t short_id)
{
  if (st->seen_len == 0)
    return false;
  uint64_t key = seen_key(short_id);
  for (uint32_t s = home_of(key, st->seen_mask);; s = (s + 1) & st->seen_mask) {
    uint64_t v = st->seen_keys[s];
    if (v == key)
      return true;
    if (v == 0)
      return false;
  }
}

static void
seen_set_put(gossip_state *st, uint64_t key)
{
  uint32_t s = home_of(key, st->seen_mask);
  while (st->seen_keys[s] != 0)
    s = (s + 1) & st->seen_mask;
  st->seen_keys[s] = key;
}

/* Remove one copy of |key| from the set (backward-shift deletion). */
static void
seen_set_del(gossip_state *st, uint64_t key)
{
  uint32_t s = home_of(key, st->seen_mask);
  while (st->seen_keys[s] != key)
    s = (s + 1) & st->seen_mask;
  uint32_t hole = s;
  for (uint32_t j = (hole + 1) & st->seen_mask; st->seen_keys[j] != 0;
       j = (j + 1) & st->seen_mask) {
    uint32_t home = home_of(st->seen_keys[j], st->seen_mask);
    /* Move j into the hole unless its home lies cyclically in (hole, j]. */
    bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!stays) {
      st->seen_keys[hole] = st->seen_keys[j];
      hole = j;
    }
  }
  st->seen_keys[hole] = 0;
}

/* Slots of the seen set for a ring of |cap| entries: the smallest power
 * of two with |cap| <= 3/4 of it, so the set is never more than 3/4 full
 * (linear probing stays short: a miss reads a few 8-byte slots, about
 * one cache line). */
static uint32_t
seen_slots(uint32_t cap)
{
  uint32_t n = 4;
  while (n / 4 * 3 < cap)
    n *= 2;
  return n;
}

/* The ring's next capacity up from |cap| (half as much again, in steps
 * of 8, from SEEN_MIN_CAP) or down (half, not below SEEN_MIN_CAP).  Not
 * a power of two: 20 messages need 24 entries, not 32. */
static uint32_t
seen_grown(uint32_t cap)
{
  return cap == 0 ? SEEN_MIN_CAP : (cap + cap / 2 + 7) / 8 * 8;
}

static uint32_t
seen_shrunk(uint32_t cap)
{
  return MAX(SEEN_MIN_CAP, (cap / 2 + 7) / 8 * 8);
}

/* Re-lay the ring into |cap| entries (>= seen_len).  The set is rebuilt
 * only when its size changes (16 -> 24 entries keeps its 32 slots): every
 * node grows its ring at the same message, and a million nodes replacing
 * ring and set together left a million freed blocks that the new, larger
 * ones could not reuse (docs/studies/gossip.md, 6c). */
static bool
seen_resize(gossip_state *st, uint32_t cap)
{
  uint32_t slots = seen_slots(cap);
  bool new_set = st->seen_keys == NULL || slots != st->seen_mask + 1u;
  seen_entry *ring = g_try_new(seen_entry, cap);
  uint64_t *keys = new_set ? g_try_new0(uint64_t, slots) : st->seen_keys;
  if (ring == NULL || keys == NULL) {
    g_free(ring);
    if (new_set)
      g_free(keys);
    return false;
  }
  for (uint32_t i = 0, pos = st->seen_head; i < st->seen_len; i++) {
    ring[i] = st->seen[pos];
    if (++pos == st->seen_cap)
      pos = 0;
  }
  g_free(st->seen);
  st->seen = ring;
  st->seen_cap = cap;
  st->seen_head = 0;
  if (new_set) {
    g_free(st->seen_keys);
    st->seen_keys = keys;
    st->seen_mask = slots - 1;
    for (uint32_t i = 0; i < st->seen_len; i++)
      seen_set_put(st, seen_key(st->seen[i].short_id));
  }
  return true;
}

static void
seen_pop(gossip_state *st)
{
  seen_set_del(st, seen_key(st->seen[st->seen_head].short_id));
  if (++st->seen_head == st->seen_cap)
    st->seen_head = 0;
  st->seen_len--;
}

static void
seen_insert(gossip_state *st, uint64_t short_id, pl_time_ns expire_ns)
{
  uint32_t max = MAX(st->cfg->seen_max, 1u);
  if (st->seen_len >= max)
    seen_pop(st); /* full: forget the oldest */
  if (st->seen_len == st->seen_cap) {
    if (!seen_resize(st, seen_grown(st->seen_cap))) {
      if (st->seen_len == 0)
        return; /* no memory: the message may be seen twice */
      seen_pop(st);
    }
  }
  uint32_t pos = st->seen_head + st->seen_len;
  if (pos >= st->seen_cap)
    pos -= st->seen_cap;
  st->seen[pos].short_id = short_id;
  st->seen[pos].expire_ns = expire_ns;
  st->seen_len++;
  seen_set_put(st, seen_key(short_id));
}

static void
seen_expire(gossip_state *st, pl_time_ns now)
{
  while (st->seen_len > 0 && st->seen[st->seen_head].expire_ns <= now)
    seen_pop(st);
  if (st->seen_len == 0 && st->seen_cap > 0) {
    /* Idle: hold nothing (seen_insert starts again from SEEN_MIN_CAP). */
    g_free(st->seen);
    g_free(st->seen_keys);
    st->seen = NULL;
    st->seen_keys = NULL;
    st->seen_cap = st->seen_head = st->seen_mask = 0;
  } else if (st->seen_cap > SEEN_MIN_CAP && st->seen_len < st->seen_cap / 4) {
    (void)seen_resize(st, seen_shrunk(st->seen_cap));
  }
}

/* ------------------------------------------------------------------ store */

/* Free |m|, returning its bytes to the pool if they came from there. */
static void
gmsg_free(gossip_state *st, gmsg *m)
{
  if (m->pooled)
    st->pool->release(m->id, st->pool->user_data);
  g_free(m);
}

uint32_t
gossip_store_len(const gossip_state *st)
{
  return (uint32_t)(st->store_next - st->store_first);
}

gmsg *
gossip_store_at(const gossip_state *st, uint32_t i)
{
  return st->store[(st->store_first + i) & (st->store_cap - 1)];
}

static uint32_t
store_mask(const gossip_state *st)
{
  return st->store_cap * 2 - 1;
}

/* Start loading the slots message |id| will be looked up in: its first
 * seen-set probe (a miss in a set of thousands of slots) and the store
 * index slot it takes if it is new. */
static void
prefetch_id_slots(const gossip_state *st, const uint8_t *id)
{
  if (st->seen_len == 0)
    return;
  uint64_t short_id = gossip_short_id(id);
  __builtin_prefetch(&st->seen_keys[home_of(seen_key(short_id), st->seen_mask)]);
  if (st->store_index != NULL)
    __builtin_prefetch(&st->store_index[home_of(short_id, store_mask(st))]);
}

static void
store_index_put(gossip_state *st, uint32_t ring_slot)
{
  uint32_t mask = store_mask(st);
  uint32_t s = home_of(gossip_short_id(st->store[ring_slot]->id), mask);
  while (st->store_index[s] != 0)
    s = (s + 1) & mask;
  st->store_index[s] = ring_slot + 1;
}

/* Remove ring slot |ring_slot| from the index (backward-shift deletion). */
static void
store_index_del(gossip_state *st, uint32_t ring_slot)
{
  uint32_t mask = store_mask(st);
  uint32_t s = home_of(gossip_short_id(st->store[ring_slot]->id), mask);
  while (st->store_index[s] != ring_slot + 1)
    s = (s + 1) & mask;
  uint32_t hole = s;
  for (uint32_t j = (hole + 1) & mask; st->store_index[j] != 0; j = (j + 1) & mask) {
    uint32_t home = home_of(gossip_short_id(st->store[st->store_index[j] - 1]->id), mask);
    bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!stays) {
      st->store_index[hole] = st->store_index[j];
      hole = j;
    }
  }
  st->store_index[hole] = 0;
}

static bool
store_resize(gossip_state *st, uint32_t cap)
{
  gmsg **ring = g_try_new(gmsg *, cap);
  uint32_t *index = g_try_new0(uint32_t, (gsize)cap * 2);
  if (ring == NULL || index == NULL) {
    g_free(ring);
    g_free(index);
    return false;
  }
  /* Keep absolute sequence numbers: slot = seq & (cap - 1). */
  for (uint64_t s = st->store_first; s < st->store_next; s++)
    ring[s & (cap - 1)] = st->store[s & (st->store_cap - 1)];
  g_free(st->store);
  g_free(st->store_index);
  st->store = ring;
  st->store_index = index;
  st->store_cap = cap;
  for (uint64_t s = st->store_first; s < st->store_next; s++)
    store_index_put(st, (uint32_t)(s & (cap - 1)));
  return true;
}

static void
store_pop(gossip_state *st)
{
  uint32_t slot = (uint32_t)(st->store_first & (st->store_cap - 1));
  store_index_del(st, slot);
  gmsg_free(st, st->store[slot]);
  st->store_first++;
}

/* Hold |m| (ownership passes); false if it could not be held (freed). */
static bool
store_add(gossip_state *st, gmsg *m)
{
  uint32_t max = MAX(st->cfg->store_max, 1u);
  if (gossip_store_len(st) >= max)
    store_pop(st);
  if (gossip_store_len(st) == st->store_cap) {
    uint32_t cap = st->store_cap == 0 ? STORE_MIN_CAP : st->store_cap * 2;
    if (!store_resize(st, cap)) {
      if (gossip_store_len(st) == 0) {
        gmsg_free(st, m);
        return false;
      }
      store_pop(st);
    }
  }
  uint64_t seq = st->store_next++;
  uint32_t slot = (uint32_t)(seq & (st->store_cap - 1));
  st->store[slot] = m;
  store_index_put(st, slot);
  return true;
}

static void
store_expire(gossip_state *st, pl_time_ns now)
{
  pl_time_ns ttl = MIN(st->cfg->store_ttl_ns, st->cfg->seen_ttl_ns);
  /* A mesh without anti-entropy needs a message only while it is in the
   * message cache (IWANT answers): mcache_len heartbeats. */
  bool mcache_only = st->cfg->mode == PL_GOSSIP_MESH && st->cfg->anti_entropy_ns == 0;
  while (gossip_store_len(st) > 0) {
    const gmsg *m = gossip_store_at(st, 0);
    bool keep = m->published_ns + ttl > now;
    if (mcache_only && st->hb - m->hb_received >= st->cfg->mcache_len)
      keep = false;
    if (keep)
      break;
    store_pop(st);
  }
  if (gossip_store_len(st) == 0 && st->store_cap > 0) {
    /* Idle: hold nothing (store_add starts again from STORE_MIN_CAP). */
    g_free(st->store);
    g_free(st->store_index);
    st->store = NULL;
    st->store_index = NULL;
    st->store_cap = 0;
  } else if (st->store_cap > STORE_MIN_CAP && gossip_store_len(st) < st->store_cap / 4) {
    (void)store_resize(st, st->store_cap / 2);
  }
}

gmsg *
gossip_lookup(gossip_state *st, uint64_t short_id, const uint8_t *id)
{
  if (gossip_store_len(st) == 0)
    return NULL;
  uint32_t mask = store_mask(st);
  for (uint32_t s = home_of(short_id, mask);; s = (s + 1) & mask) {
    uint32_t v = st->store_index[s];
    if (v == 0)
      return NULL;
    gmsg *m = st->store[v - 1];
    if (gossip_short_id(m->id) == short_id)
      return id == NULL || memcmp(m->id, id, PL_ID_BYTES) == 0 ? m : NULL;
  }
}

uint16_t
gossip_age(const gossip_state *st, const gmsg *m)
{
  uint32_t age = (uint32_t)m->round + (st->hb - m->hb_received);
  return (uint16_t)MIN(age, (uint32_t)UINT16_MAX);
}

/* ------------------------------------------------------------------ peers */

/* Index of |peer| in |st->peers|, -1 if not connected. */
static int
peer_index(const gossip_state *st, pl_peer peer)
{
  for (uint32_t i = 0; i < st->n_peers; i++)
    if (st->handles[i] == peer)
      return (int)i;
  return -1;
}

gpeer *
gossip_peer(gossip_state *st, pl_peer peer)
{
  int i = peer_index(st, peer);
  return i < 0 ? NULL : &st->peers[i];
}

gtopic *
gossip_topic(gossip_state *st, uint32_t topic)
{
  for (uint32_t i = 0; i < st->n_topics; i++)
    if (st->topics[i].topic == topic)
      return &st->topics[i];
  return NULL;
}

uint32_t *
gossip_peer_topics(gpeer *p)
{
  return p->topics_cap <= GOSSIP_PEER_TOPICS_INLINE ? p->topics.in : p->topics.heap;
}

gtopic *
gossip_topic_add(gossip_state *st, uint32_t topic)
{
  g_assert(st->n_topics < st->cfg->max_topics);
  if (st->n_topics == st->topics_alloc) {
    /* Most nodes hold one or two topics: grow from 1, not max_topics. */
    uint32_t cap = MIN(MAX(st->topics_alloc * 2, 1u), (uint32_t)st->cfg->max_topics);
    st->topics = g_renew(gtopic, st->topics, cap);
    st->topics_alloc = cap;
  }
  gtopic *t = &st->topics[st->n_topics++];
  memset(t, 0, sizeof *t);
  t->topic = topic;
  return t;
}

bool
gossip_peer_has_topic(const gpeer *p, uint32_t topic)
{
  const uint32_t *t = gossip_peer_topics((gpeer *)p);
  for (uint32_t i = 0; i < p->n_topics; i++)
    if (t[i] == topic)
      return true;
  return false;
}

void
gossip_peer_add_topic(gossip_state *st, gpeer *p, uint32_t topic)
{
  if (gossip_peer_has_topic(p, topic) || p->n_topics >= st->cfg->max_topics)
    return;
  if (p->n_topics == p->topics_cap) {
    uint8_t cap = (uint8_t)MIN(MAX(p->topics_cap * 2, GOSSIP_PEER_TOPICS_INLINE),
                               st->cfg->max_topics);
    if (cap > GOSSIP_PEER_TOPICS_INLINE) {
      uint32_t *heap = g_new(uint32_t, cap);
      memcpy(heap, gossip_peer_topics(p), p->n_topics * sizeof *heap);
      if (p->topics_cap > GOSSIP_PEER_TOPICS_INLINE)
        g_free(p->topics.heap);
      p->topics.heap = heap;
    }
    p->topics_cap = cap;
  }
  gossip_peer_topics(p)[p->n_topics++] = topic;
}

uint32_t
gossip_sample(pl_node *node, gpeer **cand, uint32_t n, uint32_t k)
{
  k = MIN(k, n);
  for (uint32_t i = 0; i < k; i++) {
    uint32_t j = i + pl_node_random_below(node, n - i);
    gpeer *t = cand[i];
    cand[i] = cand[j];
    cand[j] = t;
  }
  return k;
}

/* --------------------------------------------------------------- batching */

/* The bit of message |id| in gpeer.data_bits. */
static inline uint32_t
data_bit(const uint8_t *id)
{
  return UINT32_C(1) << (id[0] & 31);
}

static void
flush_peer(pl_node *node, gossip_state *st, gpeer *p)
{
  if (p->out == NULL)
    return;
  size_t len = pl_gossip_writer_finish(&p->out->w);
  if (len > 0) {
    pl_node_send(node, p->peer, p->out->bytes, len);
    st->stats.batches_sent++;
    st->stats.bytes_sent += len;
    st->stats.items_sent += p->out->w.n_items;
    if (p->n_data > 0)
      pl_node_metric(node, PL_METRIC_GOSSIP_DATA_SENT, p->n_data);
    pl_node_metric(node, PL_METRIC_GOSSIP_MESSAGES_SENT, 1);
    pl_node_metric(node, PL_METRIC_GOSSIP_BYTES_SENT, (double)len);
  }
  g_free(p->out);
  p->out = NULL;
  p->n_data = 0;
  p->data_bits = 0;
}

void
gossip_flush(pl_node *node, gossip_state *st)
{
  if (st->n_dirty == 0)
    return;
  if (st->n_dirty == GOSSIP_DIRTY_ALL) {
    for (uint32_t i = 0; i < st->n_peers; i++)
      flush_peer(node, st, &st->peers[i]);
  } else {
    /* Connection order, as the walk over every peer would send them. */
    uint16_t *d = st->dirty;
    uint32_t n = st->n_dirty;
    for (uint32_t i = 1; i < n; i++) {
      uint16_t v = d[i];
      uint32_t j = i;
      for (; j > 0 && d[j - 1] > v; j--)
        d[j] = d[j - 1];
      d[j] = v;
    }
    for (uint32_t i = 0; i < n; i++)
      if (d[i] < st->n_peers)
        flush_peer(node, st, &st->peers[d[i]]);
  }
  st->n_dirty = 0;
}

/* Remember that |p| has a pending batch. */
static void
mark_dirty(gossip_state *st, const gpeer *p)
{
  if (st->n_dirty == GOSSIP_DIRTY_ALL)
    return;
  if (st->n_dirty == GOSSIP_DIRTY_MAX) {
    st->n_dirty = GOSSIP_DIRTY_ALL;
    return;
  }
  st->dirty[st->n_dirty++] = (uint16_t)(p - st->peers);
}

void
gossip_queue(pl_node *node, gossip_state *st, gpeer *p, pl_time_ns now,
             const pl_gossip_item *item)
{
  int need = pl_gossip_item_bytes(item);
  g_assert(need > 0); /* our own items are canonical */
  for (int attempt = 0; attempt < 3; attempt++) {
    if (p->out == NULL) {
      /* Sized to what is queued and grown by doubling: pending batches of
       * every node of a large network wait out the batch window at the
       * same time, so slack here is resident memory (full-size buffers
       * cost 15% more peak memory at 100k nodes and saved no time). */
      uint32_t cap = MAX(OUT_MIN_CAP, (uint32_t)need + PL_WIRE_HEADER_BYTES + 1);
      cap = MIN(cap, (uint32_t)PL_GOSSIP_BATCH_MAX_BYTES);
      p->out = g_malloc(sizeof(gout) + cap);
      p->out->cap = cap;
      pl_gossip_writer_init(&p->out->w, p->out->bytes, cap);
      mark_dirty(st, p);
    }
    int rc = pl_gossip_writer_add(&p->out->w, item);
    if (rc == PL_OK) {
      if (st->cfg->batch_window_ns > 0 && !st->flush_armed) {
        st->flush_armed = 1;
        pl_node_set_timer(node, PL_LAYER_GOSSIP, now + st->cfg->batch_window_ns,
                          GOSSIP_TIMER_FLUSH);
      }
      return;
    }
    g_assert(rc == PL_ERR_BUFFER);
    if (p->out->w.n_items < PL_GOSSIP_BATCH_ITEMS_MAX &&
        p->out->cap < PL_GOSSIP_BATCH_MAX_BYTES) {
      /* Grow the pending batch. */
      uint32_t cap = MIN(p->out->cap * 2 + (uint32_t)need, (uint32_t)PL_GOSSIP_BATCH_MAX_BYTES);
      p->out = g_realloc(p->out, sizeof(gout) + cap);
      p->out->cap = cap;
      p->out->w.buf = p->out->bytes;
      p->out->w.cap = cap;
    } else {
      flush_peer(node, st, p); /* full: send it, start another */
    }
  }
  g_assert_not_reached();
}

void
gossip_queue_data(pl_node *node, gossip_state *st, gpeer *p, pl_time_ns now, const gmsg *m,
                  uint8_t hops, uint16_t round)
{
  pl_gossip_item it = {.kind = PL_GOSSIP_ITEM_DATA,
                       .hops = MAX(hops, 1),
                       .round = round,
                       .id = m->id,
                       .data = gossip_data(m),
                       .len = m->len};
  uint32_t copies = 1;
  const pl_strategy *sg = node->strategy;
  if (sg != NULL && sg->gossip_copies != NULL)
    copies += MIN(sg->gossip_copies(node, now, p->peer, sg->state), 1000u);
  for (uint32_t c = 0; c < copies; c++) {
    gossip_queue(node, st, p, now, &it);
    p->n_data++; /* the metric is counted when the batch leaves */
    p->data_bits |= data_bit(m->id);
  }
}

/* The end of an event: send what it queued (batch window 0). */
static void
end_event(pl_node *node, gossip_state *st)
{
  if (st->cfg->batch_window_ns == 0)
    gossip_flush(node, st);
}

/* ------------------------------------------------------------- delivering */

static bool
relay_allowed(pl_node *node, pl_time_ns now, const uint8_t *id, uint32_t topic, pl_peer from)
{
  const pl_strategy *sg = node->strategy;
  if (sg == NULL || sg->gossip_relay == NULL)
    return true;
  return sg->gossip_relay(node, now, id, topic, from, sg->state);
}

/* 32 bytes: a node's message cache holds one per stored message (about
 * mcache_len heartbeats' worth), a million nodes a few million. */
G_STATIC_ASSERT(sizeof(gmsg) == 32);

static gmsg *
gmsg_new(gossip_state *st, const uint8_t *id, const uint8_t *bytes, uint16_t len,
         pl_time_ns published_ns, uint32_t topic)
{
  /* Pooled only if it may be stored (not for flooding's transient copies). */
  const uint8_t *held = NULL;
  if (st->pool != NULL && (st->cfg->mode != PL_GOSSIP_FLOOD || st->cfg->anti_entropy_ns > 0))
    held = st->pool->hold(id, bytes, len, st->pool->user_data);
  gmsg *m = g_malloc(sizeof *m + (held != NULL ? 0 : PL_ID_BYTES + (size_t)len));
  m->published_ns = published_ns;
  m->topic = topic;
  m->hb_received = 0;
  m->round = 0;
  m->len = len;
  m->hops = 0;
  m->hot = 0;
  m->contacts = 0;
  m->pooled = held != NULL;
  if (held != NULL) {
    m->id = held;
  } else {
    memcpy(m->own, id, PL_ID_BYTES);
    memcpy(m->own + PL_ID_BYTES, bytes, len);
    m->id = m->own;
  }
  return m;
}

/* Whether a node keeps messages (for rounds, pulls, IWANT, digests). */
static bool
keeps_messages(const gossip_state *st)
{
  return st->cfg->mode != PL_GOSSIP_FLOOD || st->cfg->anti_entropy_ns > 0;
}

/* Take a valid new message |m| (owned, short id |short_id|) that arrived
 * from |from| (NULL: own publication). */
static void
accept_new(pl_node *node, gossip_state *st, pl_time_ns now, gmsg *m, uint64_t short_id,
           gpeer *from)
{
  pl_time_ns expire = MAX(now, m->published_ns) + st->cfg->seen_ttl_ns;
  pl_peer from_peer = from ? from->peer : PL_PEER_NONE;
  bool relay = relay_allowed(node, now, m->id, m->topic, from_peer);
  m->hb_received = st->hb;
  if (st->cfg->mode == PL_GOSSIP_RUMOR)
    m->hot = 1;
  if (relay && (st->cfg->mode == PL_GOSSIP_FLOOD || st->cfg->mode == PL_GOSSIP_MESH))
    gossip_forward_new(node, st, now, m, from_peer);
  seen_insert(st, short_id, expire);
  if (relay && keeps_messages(st))
    (void)store_add(st, m);
  else
    gmsg_free(st, m);
}

/* True if |data| (|len| bytes) hashes to |id|. */
static bool
id_matches(const uint8_t *data, size_t len, const uint8_t *id)
{
  uint8_t h[PL_ID_BYTES];
  pl_hash(data, len, h);
  return memcmp(h, id, PL_ID_BYTES) == 0;
}

/* Check a new DATA item: PL_OK with |msg| decoded, or the refusal.  The
 * checks and their order of precedence: claimed id = hash of the bytes
 * (PL_ERR_BAD_FIELD), a strict SIGNED GOSSIP_DATA envelope
 * (PL_ERR_BAD_FIELD), payload size (PL_ERR_OVERLONG), freshness
 * (PL_ERR_STALE), signature (PL_ERR_BAD_SIGNATURE; verify cost charged).
 * With the host's memo, the id check and the signature check are one
 * lookup keyed by the id (pl_sigcache_verify_frame), so the hashing and
 * the crypto happen once per distinct message in the whole simulation;
 * the bytes are then hashed here only when a cheaper check fails first,
 * to keep the precedence above. */
static int
check_data(pl_node *node, gossip_state *st, pl_time_ns now, const pl_gossip_item *it,
           pl_msg *msg)
{
  const pl_gossip_config *cfg = st->cfg;
  pl_sigcache *memo = node->env->sigcache;
  if (memo == NULL && !id_matches(it->data, it->len, it->id))
    return PL_ERR_BAD_FIELD;
  int rc = PL_OK;
  if (pl_wire_decode(it->data, it->len, msg) != PL_OK || msg->type != PL_MSG_SIGNED ||
      msg->u.envelope.inner_type != PL_MSG_GOSSIP_DATA || msg->u.envelope.payload_len < 4 ||
      msg->frame != it->data || msg->frame_len != it->len)
    rc = PL_ERR_BAD_FIELD;
  else if (msg->u.envelope.payload_len - 4u > cfg->max_payload_bytes)
    rc = PL_ERR_OVERLONG;
  else if (msg->u.envelope.timestamp_ns > now + node->config->replay_window_ns ||
           (now > msg->u.envelope.timestamp_ns &&
            now - msg->u.envelope.timestamp_ns >= cfg->seen_ttl_ns))
    rc = PL_ERR_STALE;
  if (rc != PL_OK) {
    if (memo != NULL && !id_matches(it->data, it->len, it->id))
      return PL_ERR_BAD_FIELD;
    return rc;
  }
  if (memo != NULL) {
    rc = pl_sigcache_verify_frame(memo, it->id, it->data, it->len, msg->u.envelope.signer,
                                  it->len - PL_SIG_BYTES, msg->u.envelope.sig);
    if (rc == PL_ERR_BAD_FIELD)
      return rc; /* not the claimed id: nothing verified */
    pl_node_note_verify(node);
    return rc;
  }
  pl_node_note_verify(node);
  if (pl_envelope_verify(node->env, msg) != PL_OK)
    return PL_ERR_BAD_SIGNATURE;
  return PL_OK;
}

/* Heartbeats after the first copy within which a duplicate from a mesh
 * peer still counts as a mesh delivery: this one and the one before.
 * (gossipsub counts duplicates within a few milliseconds of the first;
 * the node keeps a stored message's receipt heartbeat, not its time.)
 * Without a window a silent relay could keep its count up by echoing old
 * messages back. */
#define GOSSIP_MESH_DELIVERY_WINDOW_HB 1

/* A DATA item from |p|, new or (|duplicate|) a copy of message |id|: a mesh
 * delivery if |p| is in a mesh of ours (gossipsub's P3) and the item is new
 * or a timely copy. */
static inline void
mesh_delivery(gossip_state *st, const gpeer *p, bool duplicate, uint64_t short_id,
              const uint8_t *id)
{
  gp3 *p3 = gossip_p3(st);
  if (p3 == NULL || p3[p - st->peers].since_hb == 0)
    return;
  if (duplicate) {
    const gmsg *m = gossip_lookup(st, short_id, id);
    if (m == NULL || st->hb - m->hb_received > GOSSIP_MESH_DELIVERY_WINDOW_HB)
      return;
  }
  gossip_bump(&p3[p - st->peers].deliv);
}

/* Check and take a DATA item from |p|.  Returns PL_OK (new or duplicate)
 * or the reason it was refused (already counted). */
static int
on_data(pl_node *node, gossip_state *st, gpeer *p, pl_time_ns now, const pl_gossip_item *it,
        const pl_gossip_item *items, uint32_t index)
{
  const pl_gossip_config *cfg = st->cfg;
  uint64_t short_id = gossip_short_id(it->id);
  if (seen_has(st, short_id)) {
    /* A copy still waiting in our batch to |p| would only be a duplicate
     * there: drop it (forward-on-receipt modes; the round-based modes
     * count their contacts). */
    if (p->n_data > 0 && (p->data_bits & data_bit(it->id)) &&
        (cfg->mode == PL_GOSSIP_FLOOD || cfg->mode == PL_GOSSIP_MESH) &&
        pl_gossip_writer_drop_data(&p->out->w, it->id)) {
      p->n_data--;
      st->stats.data_cancelled++;
    }
    st->stats.duplicates++;
    mesh_delivery(st, p, true, short_id, it->id);
    pl_node_metric(node, PL_METRIC_GOSSIP_DUPLICATE, 1);
    pl_observation obs = {.kind = PL_OBS_GOSSIP_DUPLICATE, .key = it->id, .a = it->hops};
    pl_node_observe(node, &obs);
    /* The same id twice in one batch is never honest. */
    for (uint32_t j = 0; j < index; j++)
      if (items[j].kind == PL_GOSSIP_ITEM_DATA && memcmp(items[j].id, it->id, PL_ID_BYTES) == 0) {
        gossip_bump(&p->violations);
        break;
      }
    if (cfg->mode == PL_GOSSIP_RUMOR && !cfg->rumor_blind) {
      uint8_t sid[PL_GOSSIP_SHORT_ID_BYTES];
      memcpy(sid, it->id, sizeof sid);
      pl_gossip_item knew = {.kind = PL_GOSSIP_ITEM_KNEW, .count = 1, .ids = sid};
      gossip_queue(node, st, p, now, &knew);
    }
    return PL_OK;
  }

  pl_msg msg;
  int rc = check_data(node, st, now, it, &msg);
  if (rc != PL_OK) {
    st->stats.invalid++;
    pl_node_metric(node, PL_METRIC_GOSSIP_INVALID_REJECTED, 1);
    gossip_bump(&p->invalid);
    return rc;
  }

  uint32_t topic = pl_be_get32(msg.u.envelope.payload);
  const uint8_t *id = it->id; /* checked: the hash of the bytes */
  gmsg *m = gmsg_new(st, id, it->data, it->len, msg.u.envelope.timestamp_ns, topic);
  m->hops = it->hops;
  m->round = it->round;
  st->stats.received_new++;
  gossip_bump(&p->first);
  mesh_delivery(st, p, false, 0, NULL);
  bool recovered =
      gossip_promise_kept(st, short_id) || (p->await_until_hb != 0 && st->hb <= p->await_until_hb);
  if (recovered)
    pl_node_metric(node, PL_METRIC_GOSSIP_RECOVERED, 1);
  gtopic *t = gossip_topic(st, topic);
  if (t != NULL && t->subscribed) {
    if (st->p3_on)
      gossip_bump(&st->mesh_recv);
    st->stats.delivered++;
    pl_node_metric(node, PL_METRIC_GOSSIP_DELIVERED, 1);
    pl_observation obs = {.kind = PL_OBS_GOSSIP_DELIVERED,
                          .key = id,
                          .a = it->hops,
                          .b = m->published_ns,
                          .c = it->round};
    pl_node_observe(node, &obs);
  }
  accept_new(node, st, now, m, short_id, p);
  return PL_OK;
}

/* ---------------------------------------------------------------- receive */

static int
gossip_receive(pl_node *node, void *state, pl_time_ns now, pl_peer from, const pl_msg *msg)
{
  gossip_state *st = state;
  if (msg->type != PL_MSG_GOSSIP_BATCH)
    return PL_ERR_UNEXPECTED; /* a bare SIGNED GOSSIP_DATA: data travels in batches */
  gpeer *p = gossip_peer(st, from);
  if (p == NULL)
    return PL_ERR_UNEXPECTED;
  pl_gossip_item items[PL_GOSSIP_BATCH_ITEMS_MAX];
  uint32_t n;
  int rc = pl_gossip_decode(msg->u.raw.body, msg->u.raw.len, items, &n);
  if (rc != PL_OK) {
    gossip_bump(&p->violations);
    return rc;
  }
  if (st->cfg->mode == PL_GOSSIP_MESH && st->cfg->score_enabled &&
      gossip_peer_score(node, st, p) < st->cfg->score_graylist) {
    pl_node_metric(node, PL_METRIC_GOSSIP_GRAYLISTED, 1);
    return PL_ERR_UNEXPECTED;
  }
  /* The other DATA items' slots, as gossip_prefetch asked for the first
   * item's: their misses overlap instead of following one another. */
  for (uint32_t i = 1; i < n; i++)
    if (items[i].kind == PL_GOSSIP_ITEM_DATA)
      prefetch_id_slots(st, items[i].id);
  int result = PL_OK;
  for (uint32_t i = 0; i < n; i++) {
    const pl_gossip_item *it = &items[i];
    int r = PL_OK;
    switch (it->kind) {
    case PL_GOSSIP_ITEM_DATA:
      r = on_data(node, st, p, now, it, items, i);
      break;
    case PL_GOSSIP_ITEM_SUB:
      gossip_peer_add_topic(st, p, it->topic);
      break;
    case PL_GOSSIP_ITEM_UNSUB: {
      uint32_t *pt = gossip_peer_topics(p);
      for (uint32_t k = 0; k < p->n_topics; k++)
        if (pt[k] == it->topic) {
          pt[k] = pt[--p->n_topics];
          break;
        }
      gossip_mesh_drop(st, it->topic, p->peer);
      break;
    }
    case PL_GOSSIP_ITEM_IHAVE:
      gossip_on_ihave(node, st, p, now, it);
      break;
    case PL_GOSSIP_ITEM_IWANT:
      gossip_on_iwant(node, st, p, now, it);
      break;
    case PL_GOSSIP_ITEM_GRAFT:
      gossip_on_graft(node, st, p, now, it->topic);
      break;
    case PL_GOSSIP_ITEM_PRUNE:
      gossip_on_prune(node, st, p, now, it->topic, it->backoff_hb);
      break;
    case PL_GOSSIP_ITEM_DIGEST:
      gossip_on_digest(node, st, p, now, it);
      break;
    case PL_GOSSIP_ITEM_KNEW:
      gossip_on_knew(node, st, p, it);
      break;
    default:
      g_assert_not_reached(); /* the decoder refuses other kinds */
    }
    if (r != PL_OK && result == PL_OK)
      result = r;
  }
  end_event(node, st);
  return result;
}

/* --------------------------------------------------------------- commands */

static int
publish(pl_node *node, gossip_state *st, pl_time_ns now, uint32_t topic, const uint8_t *data,
        size_t len)
{
  if (len > st->cfg->max_payload_bytes || len > PL_GOSSIP_PAYLOAD_MAX)
    return PL_ERR_INVALID;
  uint8_t payload[4 + PL_GOSSIP_PAYLOAD_MAX];
  pl_be_put32(payload, topic);
  if (len > 0) {
    if (data != NULL)
      memcpy(payload + 4, data, len);
    else
      memset(payload + 4, 0, len);
  }
  uint8_t buf[PL_WIRE_ENVELOPE_OVERHEAD + 4 + PL_GOSSIP_PAYLOAD_MAX];
  int n = pl_node_seal(node, now, PL_MSG_GOSSIP_DATA, payload, 4 + len, buf, sizeof buf);
  if (n < 0)
    return n;
  const pl_strategy *sg = node->strategy;
  if (sg != NULL && sg->gossip_corrupt != NULL && sg->gossip_corrupt(node, now, topic, sg->state))
    buf[n - 1] ^= 0x01; /* spam: a signature that does not verify */
  uint8_t id[PL_ID_BYTES];
  pl_hash(buf, (size_t)n, id);
  gmsg *m = gmsg_new(st, id, buf, (uint16_t)n, now, topic);
  st->stats.published++;
  pl_node_metric(node, PL_METRIC_GOSSIP_PUBLISHED, 1);
  pl_observation obs = {.kind = PL_OBS_GOSSIP_PUBLISHED, .key = id, .a = topic, .b = now,
                        .c = len};
  pl_node_observe(node, &obs);
  accept_new(node, st, now, m, gossip_short_id(id), NULL);
  return PL_OK;
}

static int
subscribe(pl_node *node, gossip_state *st, pl_time_ns now, uint32_t topic)
{
  gtopic *t = gossip_topic(st, topic);
  if (t != NULL && t->subscribed)
    return PL_OK;
  if (t == NULL) {
    if (st->n_topics >= st->cfg->max_topics)
      return PL_ERR_NOMEM;
    t = gossip_topic_add(st, topic);
  }
  t->subscribed = 1;
  pl_observation obs = {.kind = PL_OBS_GOSSIP_SUBSCRIBED, .a = topic};
  pl_node_observe(node, &obs);
  if (st->cfg->mode == PL_GOSSIP_MESH) {
    pl_gossip_item sub = {.kind = PL_GOSSIP_ITEM_SUB, .topic = topic};
    for (uint32_t i = 0; i < st->n_peers; i++)
      gossip_queue(node, st, &st->peers[i], now, &sub);
    gossip_mesh_join(node, st, now, t);
  }
  return PL_OK;
}

static void
remove_topic(gossip_state *st, gtopic *t)
{
  g_free(t->mesh);
  *t = st->topics[--st->n_topics];
}

static int
unsubscribe(pl_node *node, gossip_state *st, pl_time_ns now, uint32_t topic)
{
  gtopic *t = gossip_topic(st, topic);
  if (t == NULL || !t->subscribed)
    return PL_ERR_NOT_FOUND;
  pl_observation obs = {.kind = PL_OBS_GOSSIP_UNSUBSCRIBED, .a = topic};
  pl_node_observe(node, &obs);
  if (st->cfg->mode == PL_GOSSIP_MESH) {
    gossip_mesh_leave(node, st, now, t);
    pl_gossip_item unsub = {.kind = PL_GOSSIP_ITEM_UNSUB, .topic = topic};
    for (uint32_t i = 0; i < st->n_peers; i++)
      gossip_queue(node, st, &st->peers[i], now, &unsub);
  }
  remove_topic(st, t);
  return PL_OK;
}

static int
gossip_command(pl_node *node, void *state, pl_time_ns now, const pl_command *cmd)
{
  gossip_state *st = state;
  int rc;
  if (cmd->arg > UINT32_MAX)
    return PL_ERR_INVALID;
  uint32_t topic = (uint32_t)cmd->arg;
  switch (cmd->kind) {
  case PL_CMD_GOSSIP_SUBSCRIBE:
    rc = subscribe(node, st, now, topic);
    break;
  case PL_CMD_GOSSIP_UNSUBSCRIBE:
    rc = unsubscribe(node, st, now, topic);
    break;
  case PL_CMD_GOSSIP_PUBLISH:
    rc = publish(node, st, now, topic, cmd->data, cmd->len);
    break;
  default:
    return PL_ERR_INVALID;
  }
  end_event(node, st);
  return rc;
}

/* ------------------------------------------------------------ life cycle */

static bool
gossip_enabled(const pl_config *config)
{
  return config->gossip.mode != PL_GOSSIP_OFF;
}

static void *
gossip_init(pl_node *node)
{
  const pl_gossip_config *cfg = &node->config->gossip;
  g_assert(cfg->mode < PL_GOSSIP_MODE_COUNT);
  g_assert(cfg->heartbeat_ns > 0 && cfg->ttl_hops >= 1 && cfg->rumor_k >= 1);
  g_assert(cfg->max_topics >= 1 && cfg->max_topics <= PL_GOSSIP_TOPICS_MAX);
  g_assert(cfg->mesh_d_low <= cfg->mesh_d && cfg->mesh_d <= cfg->mesh_d_high);
  g_assert(cfg->mcache_gossip <= cfg->mcache_len);
  uint32_t max_peers = node->config->max_peers;
  bool inline_handles = max_peers <= GOSSIP_HANDLES_INLINE;
  gossip_state *st =
      g_try_malloc0(sizeof *st + (inline_handles ? max_peers * sizeof(pl_peer) : 0));
  if (st == NULL)
    return NULL;
  st->cfg = cfg;
  st->p3_on = gossip_p3_on(cfg);
  st->peers_cap = max_peers;
  if (inline_handles)
    st->handles = st->handles_inline;
  return st;
}

static void
free_peer(gossip_state *st, gpeer *p)
{
  st->n_promised -= p->n_promises;
  if (p->topics_cap > GOSSIP_PEER_TOPICS_INLINE)
    g_free(p->topics.heap);
  g_free(p->promises);
  g_free(p->out);
}

static void
gossip_clear(pl_node *node, void *state)
{
  (void)node;
  gossip_state *st = state;
  for (uint32_t i = 0; i < st->n_peers; i++)
    free_peer(st, &st->peers[i]);
  g_free(st->peers); /* and the mesh delivery state after it */
  if (st->handles != st->handles_inline)
    g_free(st->handles);
  for (uint32_t i = 0; i < st->n_topics; i++)
    g_free(st->topics[i].mesh);
  g_free(st->topics);
  g_free(st->backoffs);
  while (gossip_store_len(st) > 0)
    store_pop(st);
  g_free(st->store);
  g_free(st->store_index);
  g_free(st->seen);
  g_free(st->seen_keys);
  g_free(st);
}

static void
gossip_start(pl_node *node, void *state, pl_time_ns now)
{
  gossip_state *st = state;
  st->running = 1;
  /* Rounds start at a random phase, so nodes are not in lock step. */
  pl_time_ns hb = st->cfg->heartbeat_ns;
  pl_node_set_timer(node, PL_LAYER_GOSSIP, now + 1 + pl_node_random(node) % hb,
                    GOSSIP_TIMER_HEARTBEAT);
  if (st->cfg->anti_entropy_ns > 0)
    pl_node_set_timer(node, PL_LAYER_GOSSIP,
                      now + 1 + pl_node_random(node) % st->cfg->anti_entropy_ns,
                      GOSSIP_TIMER_ENTROPY);
}

static void
gossip_stop(pl_node *node, void *state, pl_time_ns now)
{
  (void)now;
  gossip_state *st = state;
  gossip_flush(node, st);
  st->running = 0;
}

void
gossip_bump(uint32_t *counter)
{
  if (*counter <= UINT32_MAX - 1000)
    *counter += 1000;
}

void
gossip_decay(uint32_t *v, uint32_t div)
{
  *v -= *v / div;
  if (*v < 100)
    *v = 0;
}

static void
decay(uint32_t *v)
{
  gossip_decay(v, PL_GOSSIP_SCORE_DECAY_DIV);
}

static void
heartbeat(pl_node *node, gossip_state *st, pl_time_ns now)
{
  st->hb++;
  seen_expire(st, now);
  store_expire(st, now);
  for (uint32_t i = 0; i < st->n_peers; i++) {
    gpeer *p = &st->peers[i];
    decay(&p->first);
    decay(&p->invalid);
    decay(&p->broken);
    decay(&p->violations);
  }
  if (st->cfg->mode == PL_GOSSIP_MESH)
    gossip_mesh_heartbeat(node, st, now);
  else
    gossip_epidemic_round(node, st, now);
}

static void
gossip_timer(pl_node *node, void *state, pl_time_ns now, uint32_t local_id)
{
  gossip_state *st = state;
  if (!st->running)
    return;
  switch (local_id) {
  case GOSSIP_TIMER_HEARTBEAT:
    heartbeat(node, st, now);
    pl_node_set_timer(node, PL_LAYER_GOSSIP, now + st->cfg->heartbeat_ns,
                      GOSSIP_TIMER_HEARTBEAT);
    break;
  case GOSSIP_TIMER_FLUSH:
    st->flush_armed = 0;
    gossip_flush(node, st);
    return;
  case GOSSIP_TIMER_ENTROPY:
    if (st->n_peers > 0) {
      gpeer *p = &st->peers[pl_node_random_below(node, st->n_peers)];
      gossip_send_digest(node, st, p, now, true);
    }
    pl_node_set_timer(node, PL_LAYER_GOSSIP, now + st->cfg->anti_entropy_ns,
                      GOSSIP_TIMER_ENTROPY);
    break;
  default:
    return;
  }
  end_event(node, st);
}

static void
gossip_peer_up(pl_node *node, void *state, pl_time_ns now, pl_peer peer)
{
  gossip_state *st = state;
  if (gossip_peer(st, peer) != NULL || st->n_peers >= st->peers_cap)
    return;
  if (st->n_peers == st->peers_alloc) {
    /* Grow 4 at a time up to max_peers (a node holds room for the peers
     * it has had at once, within 4): no gpeer pointer is held across
     * peer_up. */
    uint32_t cap = MIN(st->peers_alloc + 4u, st->peers_cap);
    const bool p3_on = st->p3_on;
    size_t entry = sizeof(gpeer) + (p3_on ? sizeof(gp3) : 0);
    gpeer *peers = g_try_realloc(st->peers, cap * entry);
    if (peers == NULL)
      return;
    /* the mesh delivery state follows the gpeers: move it past the new ones */
    if (p3_on && st->peers_alloc > 0)
      memmove(peers + cap, peers + st->peers_alloc, st->peers_alloc * sizeof(gp3));
    st->peers = peers;
    if (st->handles != st->handles_inline) {
      pl_peer *handles = g_try_renew(pl_peer, st->handles, cap);
      if (handles == NULL)
        return;
      st->handles = handles;
    }
    st->peers_alloc = cap;
  }
  gp3 *p3 = gossip_p3(st);
  if (p3 != NULL)
    memset(&p3[st->n_peers], 0, sizeof *p3);
  st->handles[st->n_peers] = peer;
  gpeer *p = &st->peers[st->n_peers++];
  memset(p, 0, sizeof *p);
  p->peer = peer;
  if (st->cfg->mode == PL_GOSSIP_MESH) {
    for (uint32_t i = 0; i < st->n_topics; i++)
      if (st->topics[i].subscribed) {
        pl_gossip_item sub = {.kind = PL_GOSSIP_ITEM_SUB, .topic = st->topics[i].topic};
        gossip_queue(node, st, p, now, &sub);
      }
  }
  end_event(node, st);
}

static void
gossip_peer_down(pl_node *node, void *state, pl_time_ns now, pl_peer peer)
{
  (void)node;
  (void)now;
  gossip_state *st = state;
  gpeer *p = gossip_peer(st, peer);
  if (p == NULL)
    return;
  free_peer(st, p);
  /* Keep connection order: shift the rest down. */
  size_t idx = (size_t)(p - st->peers);
  if (st->n_dirty != GOSSIP_DIRTY_ALL) {
    uint32_t k = 0;
    for (uint32_t i = 0; i < st->n_dirty; i++)
      if (st->dirty[i] != idx)
        st->dirty[k++] = (uint16_t)(st->dirty[i] > idx ? st->dirty[i] - 1 : st->dirty[i]);
    st->n_dirty = (uint8_t)k;
  }
  memmove(p, p + 1, (st->n_peers - idx - 1) * sizeof *p);
  memmove(st->handles + idx, st->handles + idx + 1, (st->n_peers - idx - 1) * sizeof(pl_peer));
  gp3 *p3 = gossip_p3(st);
  if (p3 != NULL)
    memmove(p3 + idx, p3 + idx + 1, (st->n_peers - idx - 1) * sizeof *p3);
  st->n_peers--;
  /* The writers of the moved peers point at their own heap buffers: fine. */
  gossip_mesh_peer_gone(st, peer);
}

static size_t
gossip_memory(const pl_node *node, const void *state)
{
  (void)node;
  const gossip_state *st = state;
  size_t bytes = sizeof *st + st->peers_alloc * sizeof(gpeer) +
                 (gossip_p3(st) != NULL ? st->peers_alloc * sizeof(gp3) : 0) +
                 (st->handles == st->handles_inline ? st->peers_cap : st->peers_alloc) *
                     sizeof(pl_peer);
  for (uint32_t i = 0; i < st->n_peers; i++) {
    const gpeer *p = &st->peers[i];
    if (p->topics_cap > GOSSIP_PEER_TOPICS_INLINE)
      bytes += p->topics_cap * sizeof(uint32_t);
    if (p->out != NULL)
      bytes += sizeof(gout) + p->out->cap;
    if (p->promises != NULL)
      bytes += GOSSIP_PROMISES_MAX * sizeof(promise);
  }
  bytes += st->topics_alloc * sizeof(gtopic);
  for (uint32_t i = 0; i < st->n_topics; i++)
    if (st->topics[i].mesh != NULL)
      bytes += st->peers_cap * sizeof(pl_peer);
  bytes += st->backoffs_cap * sizeof(backoff);
  if (st->seen_cap > 0)
    bytes += st->seen_cap * sizeof(seen_entry) + (st->seen_mask + 1u) * sizeof(uint64_t);
  bytes += st->store_cap * (sizeof(gmsg *) + 2 * sizeof(uint32_t));
  for (uint32_t i = 0; i < gossip_store_len(st); i++) {
    const gmsg *m = gossip_store_at(st, i);
    bytes += sizeof(gmsg) + (m->pooled ? 0 : PL_ID_BYTES + m->len); /* pooled: the host's */
  }
  return bytes;
}

/* pl_layer.prefetch: a batch starts with the sender's entry (its score,
 * its pending batch) and, when its first item is DATA, that id's slots
 * (gossip_receive asks for the other items' once the batch is decoded). */
static void
gossip_prefetch(const pl_node *node, const void *state, pl_peer from, const pl_msg *msg)
{
  (void)node;
  const gossip_state *st = state;
  int i = peer_index(st, from);
  if (i >= 0) {
    const char *p = (const char *)&st->peers[i];
    __builtin_prefetch(p);
    __builtin_prefetch(p + sizeof(gpeer) - 1);
  }
  /* body: item count, then the first item (a DATA item's id after kind,
   * hops and round); the decoder checks all of it later */
  const uint8_t *body = msg->u.raw.body;
  if (msg->type == PL_MSG_GOSSIP_BATCH && msg->u.raw.len >= 1 + PL_GOSSIP_DATA_HEADER_BYTES &&
      body[1] == PL_GOSSIP_ITEM_DATA)
    prefetch_id_slots(st, body + 5);
}

const pl_layer pl_gossip_layer = {
  .name = "gossip",
  .enabled = gossip_enabled,
  .init = gossip_init,
  .clear = gossip_clear,
  .start = gossip_start,
  .stop = gossip_stop,
  .receive = gossip_receive,
  .timer = gossip_timer,
  .command = gossip_command,
  .peer_up = gossip_peer_up,
  .peer_down = gossip_peer_down,
  .memory = gossip_memory,
  .prefetch = gossip_prefetch,
  /* a receipt reads or writes nearly all of the struct (counters, score
   * hook, store, seen ring, then the fields every receipt reads) and the
   * first 16 inline handles after it (the sender is looked up there) */
  .hot_len = offsetof(gossip_state, handles_inline) + 16 * sizeof(pl_peer),
};

/* ---------------------------------------------------------------- queries */

void
pl_gossip_set_score_hook(pl_node *node, pl_gossip_score_fn fn, void *user_data)
{
  gossip_state *st = gossip_of(node);
  if (st == NULL)
    return;
  st->score_fn = fn;
  st->score_user_data = user_data;
}

void
pl_gossip_set_pool(pl_node *node, const pl_gossip_pool *pool)
{
  gossip_state *st = gossip_of(node);
  if (st == NULL)
    return;
  g_assert(gossip_store_len(st) == 0 || pool == st->pool); /* before anything is stored */
  st->pool = pool;
}

void
pl_gossip_get_stats(const pl_node *node, pl_gossip_stats *out)
{
  const gossip_state *st = gossip_of(node);
  if (st == NULL)
    memset(out, 0, sizeof *out);
  else
    *out = st->stats;
}

bool
pl_gossip_subscribed(const pl_node *node, uint32_t topic)
{
  gossip_state *st = gossip_of(node);
  if (st == NULL)
    return false;
  const gtopic *t = gossip_topic(st, topic);
  return t != NULL && t->subscribed;
}

bool
pl_gossip_seen(const pl_node *node, const uint8_t *id)
{
  const gossip_state *st = gossip_of(node);
  return st != NULL && seen_has(st, gossip_short_id(id));
}

uint32_t
pl_gossip_store_count(const pl_node *node)
{
  const gossip_state *st = gossip_of(node);
  return st == NULL ? 0 : gossip_store_len(st);
}

uint32_t
pl_gossip_seen_count(const pl_node *node)
{
  const gossip_state *st = gossip_of(node);
  return st == NULL ? 0 : st->seen_len;
}

size_t
pl_gossip_memory(const pl_node *node)
{
  const gossip_state *st = gossip_of(node);
  return st == NULL ? 0 : gossip_memory(node, st);
}

uint32_t
pl_gossip_mesh_peers(const pl_node *node, uint32_t topic, pl_peer *out, uint32_t max)
{
  gossip_state *st = gossip_of(node);
  if (st == NULL || st->cfg->mode != PL_GOSSIP_MESH)
    return 0;
  const gtopic *t = gossip_topic(st, topic);
  if (t == NULL || !t->subscribed)
    return 0;
  uint32_t n = MIN((uint32_t)t->n_mesh, max);
  memcpy(out, t->mesh, n * sizeof *out);
  return n;
}

int32_t
pl_gossip_score(const pl_node *node, pl_peer peer)
{
  gossip_state *st = gossip_of(node);
  if (st == NULL)
    return 0;
  const gpeer *p = gossip_peer(st, peer);
  return p == NULL ? 0 : gossip_peer_score((pl_node *)node, st, p);
}
