/*
 * gossip_epidemic.c — flooding, the classic epidemic algorithms, digests.
 *
 * The round-based modes follow Demers et al., "Epidemic algorithms for
 * replicated database maintenance" (PODC 1987), per message:
 *
 *   PUSH       each round, every node pushes each message it received less
 *              than rounds_max rounds ago to |partners| random partners;
 *   PULL       each round, every node sends |partners| random partners a
 *              digest (short ids of what it holds); each answers with the
 *              messages the digest lacks;
 *   PUSH_PULL  both in the same round;
 *   RUMOR      a node that receives a new message becomes infective and,
 *              each round, pushes every message it is still infective for
 *              to |partners| random partners.  A contact is unnecessary
 *              when the partner already knew the message (feedback: the
 *              partner answers KNEW) or always (blind).  Counter: the node
 *              loses interest after rumor_k unnecessary contacts; coin:
 *              with probability 1/rumor_k after each.
 *
 * "Random partner" is a uniformly drawn *connected* peer, not a uniformly
 * drawn member of the whole population as in the paper: the overlay is a
 * random graph of degree ~target_peers, which approaches the paper's
 * model as target_peers grows (docs/gossip.md).  Rounds are each node's
 * own heartbeats, at a random phase, not a global clock.
 *
 * Every node running gossip in these modes relays every topic (the
 * replicated database of the paper); subscriptions decide delivery.
 *
 * FLOOD forwards a new message at once to |fanout| random peers other
 * than its sender, while its hop count is below ttl_hops.
 *
 * Digests (PULL, PUSH_PULL, and anti-entropy in any mode): the short ids
 * of the newest held messages, at most PL_GOSSIP_SHORT_IDS_MAX.  The
 * answer is every held message the digest lacks (in MESH mode only topics
 * the asker announced), at most GOSSIP_ANSWER_MAX, and, if the digest
 * asked for it (PL_GOSSIP_DIGEST_REPLY), the answerer's own digest, so the
 * asker sends back what the answerer lacks: a node that missed messages
 * while partitioned catches up with one exchange once it is reconnected.
 */
#include "gossip_internal.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

/* Connected peers other than |except| into |cand|; return how many. */
static uint32_t
candidates(gossip_state *st, pl_peer except, gpeer **cand)
{
  uint32_t n = 0;
  for (uint32_t i = 0; i < st->n_peers; i++)
    if (st->peers[i].peer != except)
      cand[n++] = &st->peers[i];
  return n;
}

static bool
ttl_left(pl_node *node, const gossip_state *st, const gmsg *m)
{
  if (m->hops < st->cfg->ttl_hops)
    return true;
  pl_node_metric(node, PL_METRIC_GOSSIP_TTL_EXPIRED, 1);
  return false;
}

void
gossip_forward_new(pl_node *node, gossip_state *st, pl_time_ns now, const gmsg *m,
                   pl_peer from)
{
  if (st->cfg->mode == PL_GOSSIP_MESH && from == PL_PEER_NONE) {
    gossip_mesh_publish(node, st, now, m);
    return;
  }
  if (!ttl_left(node, st, m))
    return;
  uint8_t hops = (uint8_t)(m->hops + 1);
  if (st->cfg->mode == PL_GOSSIP_FLOOD) {
    gpeer *cand[PL_PEER_SLOTS_MAX];
    uint32_t n = candidates(st, from, cand);
    uint32_t k = gossip_sample(node, cand, n, st->cfg->fanout);
    for (uint32_t i = 0; i < k; i++)
      gossip_queue_data(node, st, cand[i], now, m, hops, hops);
    return;
  }
  g_assert(st->cfg->mode == PL_GOSSIP_MESH);
  gtopic *t = gossip_topic(st, m->topic);
  if (t == NULL || !t->subscribed)
    return; /* gossipsub: only subscribers relay */
  gpeer *to[PL_PEER_SLOTS_MAX];
  uint32_t n = 0;
  g_assert(t->n_mesh <= G_N_ELEMENTS(to)); /* mesh peers are connected peers */
  for (uint32_t i = 0; i < t->n_mesh; i++) {
    gpeer *p = t->mesh[i] == from ? NULL : gossip_peer(st, t->mesh[i]);
    if (p != NULL)
      to[n++] = p;
  }
  /* With a batch window each mesh peer's entry and pending batch wait
   * between events, cold: load them all before writing into the first.
   * (Without one no batch outlives its event: the loads would be waste.) */
  if (st->cfg->batch_window_ns > 0) {
    for (uint32_t i = 0; i < n; i++)
      __builtin_prefetch(&to[i]->out);
    for (uint32_t i = 0; i < n; i++)
      if (to[i]->out != NULL)
        __builtin_prefetch(to[i]->out);
  }
  for (uint32_t i = 0; i < n; i++)
    gossip_queue_data(node, st, to[i], now, m, hops, hops);
}

void
gossip_rumor_contact(pl_node *node, gossip_state *st, gmsg *m, bool unnecessary)
{
  if (!unnecessary || !m->hot)
    return;
  if (st->cfg->rumor_stop == PL_GOSSIP_STOP_COIN) {
    if (pl_node_random_below(node, st->cfg->rumor_k) == 0)
      m->hot = 0;
  } else if (++m->contacts >= st->cfg->rumor_k) {
    m->hot = 0;
  }
}

void
gossip_on_knew(pl_node *node, gossip_state *st, gpeer *p, const pl_gossip_item *it)
{
  (void)p;
  if (st->cfg->mode != PL_GOSSIP_RUMOR || st->cfg->rumor_blind)
    return;
  for (uint32_t i = 0; i < it->count; i++) {
    gmsg *m = gossip_lookup(st, gossip_short_id(it->ids + i * PL_GOSSIP_SHORT_ID_BYTES), NULL);
    if (m != NULL)
      gossip_rumor_contact(node, st, m, true);
  }
}

void
gossip_send_digest(pl_node *node, gossip_state *st, gpeer *p, pl_time_ns now, bool reply)
{
  uint32_t n = gossip_store_len(st);
  uint32_t count = MIN(n, (uint32_t)PL_GOSSIP_SHORT_IDS_MAX);
  uint8_t ids[PL_GOSSIP_SHORT_IDS_MAX * PL_GOSSIP_SHORT_ID_BYTES];
  /* The newest |count| messages. */
  for (uint32_t i = 0; i < count; i++)
    memcpy(ids + i * PL_GOSSIP_SHORT_ID_BYTES, gossip_store_at(st, n - 1 - i)->id,
           PL_GOSSIP_SHORT_ID_BYTES);
  pl_gossip_item it = {.kind = PL_GOSSIP_ITEM_DIGEST,
                       .flags = reply ? PL_GOSSIP_DIGEST_REPLY : 0,
                       .count = (uint16_t)count,
                       .ids = ids};
  gossip_queue(node, st, p, now, &it);
  p->await_until_hb = st->hb + 2;
}

static int
cmp_u64(const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

void
gossip_on_digest(pl_node *node, gossip_state *st, gpeer *p, pl_time_ns now,
                 const pl_gossip_item *it)
{
  uint64_t have[PL_GOSSIP_SHORT_IDS_MAX];
  for (uint32_t i = 0; i < it->count; i++)
    have[i] = gossip_short_id(it->ids + i * PL_GOSSIP_SHORT_ID_BYTES);
  qsort(have, it->count, sizeof have[0], cmp_u64);
  uint32_t sent = 0;
  bool mesh = st->cfg->mode == PL_GOSSIP_MESH;
  for (uint32_t i = 0; i < gossip_store_len(st) && sent < GOSSIP_ANSWER_MAX; i++) {
    const gmsg *m = gossip_store_at(st, i);
    uint64_t sid = gossip_short_id(m->id);
    if (bsearch(&sid, have, it->count, sizeof have[0], cmp_u64) != NULL)
      continue;
    if (mesh && !gossip_peer_has_topic(p, m->topic))
      continue;
    gossip_queue_data(node, st, p, now, m, (uint8_t)MIN(m->hops + 1, 255),
                      (uint16_t)MIN(gossip_age(st, m) + 1, UINT16_MAX));
    sent++;
  }
  if (it->flags & PL_GOSSIP_DIGEST_REPLY)
    gossip_send_digest(node, st, p, now, false);
}

/* Push every message still pushed this round to |p|. */
static void
push_to(pl_node *node, gossip_state *st, gpeer *p, pl_time_ns now)
{
  const pl_gossip_config *cfg = st->cfg;
  uint32_t n = gossip_store_len(st), i = 0;
  if (cfg->mode != PL_GOSSIP_RUMOR) {
    /* The store is in receipt order, so hb_received never decreases along
     * it: the messages received at most rounds_max rounds ago are a
     * suffix, found without walking the older ones. */
    i = n;
    while (i > 0 && st->hb - gossip_store_at(st, i - 1)->hb_received <= cfg->rounds_max)
      i--;
  }
  for (; i < gossip_store_len(st); i++) {
    gmsg *m = gossip_store_at(st, i);
    if (cfg->mode == PL_GOSSIP_RUMOR && !m->hot)
      continue;
    if (!ttl_left(node, st, m))
      continue;
    gossip_queue_data(node, st, p, now, m, (uint8_t)(m->hops + 1), gossip_age(st, m));
    if (cfg->mode == PL_GOSSIP_RUMOR && cfg->rumor_blind)
      gossip_rumor_contact(node, st, m, true);
  }
}

void
gossip_epidemic_round(pl_node *node, gossip_state *st, pl_time_ns now)
{
  const pl_gossip_config *cfg = st->cfg;
  if (cfg->mode == PL_GOSSIP_FLOOD || st->n_peers == 0)
    return;
  gpeer *cand[PL_PEER_SLOTS_MAX];
  uint32_t n = candidates(st, PL_PEER_NONE, cand);
  uint32_t k = gossip_sample(node, cand, n, cfg->partners);
  for (uint32_t i = 0; i < k; i++) {
    gpeer *p = cand[i];
    if (cfg->mode == PL_GOSSIP_PUSH || cfg->mode == PL_GOSSIP_PUSH_PULL ||
        cfg->mode == PL_GOSSIP_RUMOR)
      push_to(node, st, p, now);
    if (cfg->mode == PL_GOSSIP_PULL || cfg->mode == PL_GOSSIP_PUSH_PULL)
      gossip_send_digest(node, st, p, now, false);
  }
}
