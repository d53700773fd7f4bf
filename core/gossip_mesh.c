/*
 * gossip_mesh.c — the mesh mode (after libp2p gossipsub v1.0 / v1.1) and
 * peer scores.
 *
 * How it works.  Peers announce their topics (SUB / UNSUB) to every
 * connected peer.  For each topic it subscribes to, a node keeps a mesh:
 * peers that get every message of the topic in full, at once.  At each
 * heartbeat, per topic:
 *
 *   - mesh peers that left, unsubscribed or score below 0 are dropped
 *     (the latter PRUNEd);
 *   - below mesh_d_low, it GRAFTs random peers of the topic (not in
 *     backoff, score >= 0) up to mesh_d;
 *   - above mesh_d_high, it keeps the mesh_d best-scoring (ties broken at
 *     random) and PRUNEs the rest, with a backoff of prune_backoff_hb
 *     heartbeats during which neither side regrafts;
 *   - lazy gossip: it sends IHAVE with the ids of the messages of the topic
 *     received in the last mcache_gossip heartbeats to mesh_d_lazy random
 *     peers of the topic outside the mesh (score >= score_gossip_threshold);
 *     a peer missing some answers IWANT, and the node sends those still in
 *     its message cache (received in the last mcache_len heartbeats).
 *     An IWANT'd id not received within GOSSIP_PROMISE_HB heartbeats is a
 *     broken promise of the peer that advertised it.
 *
 * A GRAFT is accepted from a peer of a topic the node subscribes to,
 * unless the peer is in backoff (a violation, answered by PRUNE) or its
 * score is negative; it is accepted above mesh_d_high too (the next
 * heartbeat trims).  Publishing to a topic the node does not subscribe to
 * goes to |fanout| random peers of the topic, kept as the topic's fanout
 * set for GOSSIP_FANOUT_TTL_HB heartbeats after the last publication;
 * subscribing turns the fanout set into the first mesh peers.
 *
 * Scores (score_enabled): the behaviour counters of gpeer, weighted as in
 * gossip.h, plus the score hook (pl_gossip_set_score_hook).  Below
 * score_gossip_threshold a peer's IHAVE / IWANT are ignored and it gets
 * none; below score_graylist its batches are refused whole (gossip.c).
 */
#include "gossip_internal.h"

#include <string.h>

#include <glib.h>

/* The mesh deficit term of |g|'s score, milli-points (<= 0; gossip.h): 0
 * until it has been in a mesh of ours for score_mesh_activation
 * heartbeats, or while it owes less than one delivery. */
static int64_t
mesh_deficit_penalty(const gossip_state *st, const gp3 *g)
{
  if (g->since_hb == 0 || st->hb - g->since_hb < st->cfg->score_mesh_activation)
    return 0;
  const int64_t owed = (int64_t)st->mesh_recv * st->cfg->score_mesh_share / 100;
  if (owed < 1000 || g->deliv >= owed)
    return 0;
  int64_t r = (owed - g->deliv) * 1000 / owed; /* deficit per mille of what is owed */
  return PL_GOSSIP_SCORE_MESH_DEFICIT * r * r / 1000;
}

int32_t
gossip_peer_score(pl_node *node, gossip_state *st, const gpeer *p)
{
  int64_t s = 0;
  if (st->cfg->score_enabled) {
    /* Counters are in milli-events; round toward zero. */
    s += (int64_t)MIN(p->first, PL_GOSSIP_SCORE_FIRST_CAP * 1000u) * PL_GOSSIP_SCORE_FIRST;
    s += (int64_t)p->invalid * PL_GOSSIP_SCORE_INVALID;
    s += (int64_t)p->broken * PL_GOSSIP_SCORE_BROKEN;
    s += (int64_t)p->violations * PL_GOSSIP_SCORE_VIOLATION;
    const gp3 *p3 = gossip_p3(st);
    if (p3 != NULL)
      s += mesh_deficit_penalty(st, &p3[p - st->peers]) - p3[p - st->peers].failure;
    s /= 1000;
  }
  if (st->score_fn != NULL)
    s += st->score_fn(node, p->peer, st->score_user_data);
  return (int32_t)CLAMP(s, (int64_t)INT32_MIN, (int64_t)INT32_MAX);
}

static bool
score_ok(pl_node *node, gossip_state *st, const gpeer *p, int32_t threshold)
{
  if (!st->cfg->score_enabled && st->score_fn == NULL)
    return true;
  return gossip_peer_score(node, st, p) >= threshold;
}

/* ---------------------------------------------------------------- backoff */

static bool
in_backoff(const gossip_state *st, pl_peer peer, uint32_t topic)
{
  for (uint32_t i = 0; i < st->n_backoffs; i++)
    if (st->backoffs[i].peer == peer && st->backoffs[i].topic == topic &&
        st->backoffs[i].until_hb > st->hb)
      return true;
  return false;
}

static void
set_backoff(gossip_state *st, pl_peer peer, uint32_t topic, uint32_t hbs)
{
  uint32_t until = st->hb + MAX(hbs, 1u);
  for (uint32_t i = 0; i < st->n_backoffs; i++)
    if (st->backoffs[i].peer == peer && st->backoffs[i].topic == topic) {
      st->backoffs[i].until_hb = MAX(st->backoffs[i].until_hb, until);
      return;
    }
  if (st->n_backoffs == st->backoffs_cap) {
    uint32_t cap = MAX(st->backoffs_cap * 2, 4u);
    st->backoffs = g_realloc_n(st->backoffs, cap, sizeof *st->backoffs);
    st->backoffs_cap = cap;
  }
  backoff *b = &st->backoffs[st->n_backoffs++];
  b->peer = peer;
  b->topic = topic;
  b->until_hb = until;
}

static void
expire_backoffs(gossip_state *st)
{
  uint32_t k = 0;
  for (uint32_t i = 0; i < st->n_backoffs; i++)
    if (st->backoffs[i].until_hb > st->hb)
      st->backoffs[k++] = st->backoffs[i];
  st->n_backoffs = k;
  if (k == 0 && st->backoffs_cap > 0) {
    g_free(st->backoffs);
    st->backoffs = NULL;
    st->backoffs_cap = 0;
  }
}

/* ------------------------------------------------------------------- mesh */

static bool
in_mesh(const gtopic *t, pl_peer peer)
{
  for (uint32_t i = 0; i < t->n_mesh; i++)
    if (t->mesh[i] == peer)
      return true;
  return false;
}

/* The mesh delivery state's heartbeat, before the mesh is maintained: the
 * counters decay; a peer now in a mesh of ours is timed from here; one that
 * left keeps the deficit it left with as its failure penalty (P3b). */
static void
p3_heartbeat(gossip_state *st, gp3 *p3)
{
  gossip_decay(&st->mesh_recv, PL_GOSSIP_SCORE_DECAY_DIV);
  for (uint32_t i = 0; i < st->n_peers; i++) {
    gp3 *g = &p3[i];
    gossip_decay(&g->deliv, PL_GOSSIP_SCORE_DECAY_DIV);
    gossip_decay(&g->failure, PL_GOSSIP_SCORE_MESH_FAILURE_DECAY_DIV);
    bool meshed = false;
    for (uint32_t ti = 0; ti < st->n_topics && !meshed; ti++)
      meshed = st->topics[ti].subscribed && in_mesh(&st->topics[ti], st->peers[i].peer);
    if (meshed && g->since_hb == 0) {
      g->since_hb = st->hb; /* >= 1: the heartbeat counter was stepped first */
      g->deliv = 0;
    } else if (!meshed && g->since_hb != 0) {
      g->failure = (uint32_t)MIN((int64_t)g->failure - mesh_deficit_penalty(st, g),
                                 (int64_t)UINT32_MAX);
      g->since_hb = 0;
    }
  }
}

static void
mesh_remove_at(gtopic *t, uint32_t i)
{
  memmove(&t->mesh[i], &t->mesh[i + 1], (t->n_mesh - i - 1) * sizeof t->mesh[0]);
  t->n_mesh--;
}

static void
ensure_mesh(gossip_state *st, gtopic *t)
{
  if (t->mesh == NULL)
    t->mesh = g_new0(pl_peer, st->peers_cap);
}

static void
send_graft(pl_node *node, gossip_state *st, gpeer *p, pl_time_ns now, uint32_t topic)
{
  pl_gossip_item it = {.kind = PL_GOSSIP_ITEM_GRAFT, .topic = topic};
  gossip_queue(node, st, p, now, &it);
  pl_node_metric(node, PL_METRIC_GOSSIP_GRAFT, 1);
}

static void
send_prune(pl_node *node, gossip_state *st, gpeer *p, pl_time_ns now, uint32_t topic)
{
  pl_gossip_item it = {.kind = PL_GOSSIP_ITEM_PRUNE,
                       .topic = topic,
                       .backoff_hb = st->cfg->prune_backoff_hb};
  gossip_queue(node, st, p, now, &it);
  pl_node_metric(node, PL_METRIC_GOSSIP_PRUNE, 1);
  set_backoff(st, p->peer, topic, st->cfg->prune_backoff_hb);
}

/* The strategy's GRAFT decision for |p| (< 0: honest). */
static int
strategy_graft(pl_node *node, pl_time_ns now, uint32_t topic, pl_peer peer)
{
  const pl_strategy *sg = node->strategy;
  if (sg == NULL || sg->gossip_graft == NULL)
    return -1;
  return sg->gossip_graft(node, now, topic, peer, sg->state);
}

/* Honest graft candidates for |t|: peers of the topic outside the mesh,
 * not in backoff, score >= 0. */
static uint32_t
graft_candidates(pl_node *node, gossip_state *st, pl_time_ns now, const gtopic *t,
                 gpeer **cand)
{
  uint32_t n = 0;
  for (uint32_t i = 0; i < st->n_peers; i++) {
    gpeer *p = &st->peers[i];
    if (!gossip_peer_has_topic(p, t->topic) || in_mesh(t, p->peer) ||
        in_backoff(st, p->peer, t->topic) || !score_ok(node, st, p, 0))
      continue;
    if (strategy_graft(node, now, t->topic, p->peer) == 0)
      continue;
    cand[n++] = p;
  }
  return n;
}

static void
fill_mesh(pl_node *node, gossip_state *st, pl_time_ns now, gtopic *t, uint32_t want)
{
  if (t->n_mesh >= want)
    return;
  gpeer *cand[PL_PEER_SLOTS_MAX];
  uint32_t n = graft_candidates(node, st, now, t, cand);
  uint32_t k = gossip_sample(node, cand, n, want - t->n_mesh);
  for (uint32_t i = 0; i < k && t->n_mesh < st->peers_cap; i++) {
    t->mesh[t->n_mesh++] = cand[i]->peer;
    send_graft(node, st, cand[i], now, t->topic);
  }
}

/* Keep the mesh_d best-scoring mesh peers (random among equals). */
static void
trim_mesh(pl_node *node, gossip_state *st, pl_time_ns now, gtopic *t)
{
  uint32_t d = st->cfg->mesh_d;
  gpeer *m[PL_PEER_SLOTS_MAX];
  int32_t sc[PL_PEER_SLOTS_MAX];
  uint32_t n = 0;
  for (uint32_t i = 0; i < t->n_mesh; i++) {
    gpeer *p = gossip_peer(st, t->mesh[i]);
    if (p != NULL)
      m[n++] = p;
  }
  gossip_sample(node, m, n, n); /* shuffle */
  for (uint32_t i = 0; i < n; i++)
    sc[i] = gossip_peer_score(node, st, m[i]);
  /* Stable insertion sort by score, descending. */
  for (uint32_t i = 1; i < n; i++) {
    gpeer *p = m[i];
    int32_t s = sc[i];
    uint32_t j = i;
    while (j > 0 && sc[j - 1] < s) {
      m[j] = m[j - 1];
      sc[j] = sc[j - 1];
      j--;
    }
    m[j] = p;
    sc[j] = s;
  }
  t->n_mesh = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (i < d)
      t->mesh[t->n_mesh++] = m[i]->peer;
    else
      send_prune(node, st, m[i], now, t->topic);
  }
}

static void
send_ihave(pl_node *node, gossip_state *st, pl_time_ns now, const gtopic *t)
{
  const pl_gossip_config *cfg = st->cfg;
  uint8_t ids[PL_GOSSIP_IDS_MAX * PL_ID_BYTES];
  uint32_t count = 0;
  uint32_t n = gossip_store_len(st);
  for (uint32_t i = n; i-- > 0 && count < PL_GOSSIP_IDS_MAX;) {
    const gmsg *m = gossip_store_at(st, i);
    if (st->hb - m->hb_received >= cfg->mcache_gossip)
      break; /* the store is in receipt order */
    if (m->topic == t->topic)
      memcpy(ids + PL_ID_BYTES * count++, m->id, PL_ID_BYTES);
  }
  if (count == 0)
    return;
  gpeer *cand[PL_PEER_SLOTS_MAX];
  uint32_t c = 0;
  for (uint32_t i = 0; i < st->n_peers; i++) {
    gpeer *p = &st->peers[i];
    if (gossip_peer_has_topic(p, t->topic) && !in_mesh(t, p->peer) &&
        score_ok(node, st, p, cfg->score_gossip_threshold))
      cand[c++] = p;
  }
  uint32_t k = gossip_sample(node, cand, c, cfg->mesh_d_lazy);
  pl_gossip_item it = {.kind = PL_GOSSIP_ITEM_IHAVE,
                       .topic = t->topic,
                       .count = (uint16_t)count,
                       .ids = ids};
  for (uint32_t i = 0; i < k; i++) {
    gossip_queue(node, st, cand[i], now, &it);
    pl_node_metric(node, PL_METRIC_GOSSIP_IHAVE, count);
  }
}

static void
check_promises(pl_node *node, gossip_state *st)
{
  if (st->n_promised == 0)
    return; /* gossip_promise_kept freed every emptied list */
  for (uint32_t i = 0; i < st->n_peers; i++) {
    gpeer *p = &st->peers[i];
    uint32_t k = 0;
    for (uint32_t j = 0; j < p->n_promises; j++) {
      if (p->promises[j].due_hb <= st->hb) {
        gossip_bump(&p->broken);
        st->n_promised--;
        pl_node_metric(node, PL_METRIC_GOSSIP_BROKEN_PROMISE, 1);
      } else {
        p->promises[k++] = p->promises[j];
      }
    }
    p->n_promises = (uint8_t)k;
    if (k == 0 && p->promises != NULL) {
      g_free(p->promises);
      p->promises = NULL;
    }
  }
}

void
gossip_mesh_heartbeat(pl_node *node, gossip_state *st, pl_time_ns now)
{
  const pl_gossip_config *cfg = st->cfg;
  gp3 *p3 = gossip_p3(st);
  if (p3 != NULL)
    p3_heartbeat(st, p3);
  check_promises(node, st);
  expire_backoffs(st);
  for (uint32_t ti = 0; ti < st->n_topics;) {
    gtopic *t = &st->topics[ti];
    if (!t->subscribed) {
      /* Fanout: expire, or refill to |fanout| peers of the topic. */
      if (st->hb - t->last_pub_hb > GOSSIP_FANOUT_TTL_HB) {
        g_free(t->mesh);
        *t = st->topics[--st->n_topics];
        continue;
      }
      for (uint32_t i = 0; i < t->n_mesh;) {
        gpeer *p = gossip_peer(st, t->mesh[i]);
        if (p == NULL || !gossip_peer_has_topic(p, t->topic))
          mesh_remove_at(t, i);
        else
          i++;
      }
      send_ihave(node, st, now, t);
      ti++;
      continue;
    }
    ensure_mesh(st, t);
    /* Drop peers gone or below score 0. */
    for (uint32_t i = 0; i < t->n_mesh;) {
      gpeer *p = gossip_peer(st, t->mesh[i]);
      if (p == NULL || !gossip_peer_has_topic(p, t->topic)) {
        mesh_remove_at(t, i);
      } else if (!score_ok(node, st, p, 0)) {
        mesh_remove_at(t, i);
        send_prune(node, st, p, now, t->topic);
      } else {
        i++;
      }
    }
    /* Strategy grafts (mesh Sybils): ignore bounds and backoff. */
    if (node->strategy != NULL && node->strategy->gossip_graft != NULL)
      for (uint32_t i = 0; i < st->n_peers && t->n_mesh < st->peers_cap; i++) {
        gpeer *p = &st->peers[i];
        if (!in_mesh(t, p->peer) && strategy_graft(node, now, t->topic, p->peer) > 0) {
          t->mesh[t->n_mesh++] = p->peer;
          send_graft(node, st, p, now, t->topic);
        }
      }
    if (t->n_mesh < cfg->mesh_d_low)
      fill_mesh(node, st, now, t, cfg->mesh_d);
    if (t->n_mesh > cfg->mesh_d_high)
      trim_mesh(node, st, now, t);
    send_ihave(node, st, now, t);
    ti++;
  }
}

void
gossip_mesh_join(pl_node *node, gossip_state *st, pl_time_ns now, gtopic *t)
{
  ensure_mesh(st, t);
  /* A former fanout set becomes the first mesh peers. */
  uint32_t keep = MIN((uint32_t)t->n_mesh, (uint32_t)st->cfg->mesh_d);
  uint32_t n = t->n_mesh;
  t->n_mesh = 0;
  for (uint32_t i = 0; i < n && t->n_mesh < keep; i++) {
    gpeer *p = gossip_peer(st, t->mesh[i]);
    if (p != NULL && !in_backoff(st, p->peer, t->topic)) {
      t->mesh[t->n_mesh++] = p->peer;
      send_graft(node, st, p, now, t->topic);
    }
  }
  fill_mesh(node, st, now, t, st->cfg->mesh_d);
}

void
gossip_mesh_leave(pl_node *node, gossip_state *st, pl_time_ns now, gtopic *t)
{
  for (uint32_t i = 0; i < t->n_mesh; i++) {
    gpeer *p = gossip_peer(st, t->mesh[i]);
    if (p != NULL)
      send_prune(node, st, p, now, t->topic);
  }
  t->n_mesh = 0;
}

void
gossip_mesh_publish(pl_node *node, gossip_state *st, pl_time_ns now, const gmsg *m)
{
  const pl_gossip_config *cfg = st->cfg;
  gtopic *t = gossip_topic(st, m->topic);
  if (t == NULL && st->n_topics < cfg->max_topics)
    t = gossip_topic_add(st, m->topic);
  gpeer *targets[PL_PEER_SLOTS_MAX];
  uint32_t n = 0;
  if (t != NULL) {
    ensure_mesh(st, t);
    t->last_pub_hb = st->hb;
    for (uint32_t i = 0; i < t->n_mesh; i++) {
      gpeer *p = gossip_peer(st, t->mesh[i]);
      if (p != NULL)
        targets[n++] = p;
    }
  }
  if (n == 0) {
    /* No mesh (or no room for the topic): |fanout| random peers of the
     * topic, remembered as the fanout set of an unsubscribed topic. */
    gpeer *cand[PL_PEER_SLOTS_MAX];
    uint32_t c = 0;
    for (uint32_t i = 0; i < st->n_peers; i++)
      if (gossip_peer_has_topic(&st->peers[i], m->topic) &&
          score_ok(node, st, &st->peers[i], 0))
        cand[c++] = &st->peers[i];
    n = gossip_sample(node, cand, c, cfg->fanout);
    for (uint32_t i = 0; i < n; i++)
      targets[i] = cand[i];
    if (t != NULL && !t->subscribed) {
      for (uint32_t i = 0; i < n; i++)
        t->mesh[i] = targets[i]->peer;
      t->n_mesh = (uint16_t)n;
    }
  }
  for (uint32_t i = 0; i < n; i++)
    gossip_queue_data(node, st, targets[i], now, m, 1, 1);
}

void
gossip_mesh_peer_gone(gossip_state *st, pl_peer peer)
{
  for (uint32_t ti = 0; ti < st->n_topics; ti++)
    gossip_mesh_drop(st, st->topics[ti].topic, peer);
}

void
gossip_mesh_drop(gossip_state *st, uint32_t topic, pl_peer peer)
{
  gtopic *t = gossip_topic(st, topic);
  if (t == NULL)
    return;
  for (uint32_t i = 0; i < t->n_mesh; i++)
    if (t->mesh[i] == peer) {
      mesh_remove_at(t, i);
      return;
    }
}

/* ---------------------------------------------------------------- control */

void
gossip_on_graft(pl_node *node, gossip_state *st, gpeer *p, pl_time_ns now, uint32_t topic)
{
  if (st->cfg->mode != PL_GOSSIP_MESH)
    return;
  gtopic *t = gossip_topic(st, topic);
  if (t == NULL || !t->subscribed) {
    send_prune(node, st, p, now, topic);
    return;
  }
  if (in_mesh(t, p->peer))
    return;
  if (in_backoff(st, p->peer, topic)) {
    gossip_bump(&p->violations);
    send_prune(node, st, p, now, topic);
    return;
  }
  ensure_mesh(st, t);
  if (!score_ok(node, st, p, 0) || t->n_mesh >= st->peers_cap) {
    send_prune(node, st, p, now, topic);
    return;
  }
  /* A GRAFT says the peer subscribes. */
  gossip_peer_add_topic(st, p, topic);
  t->mesh[t->n_mesh++] = p->peer;
}

void
gossip_on_prune(pl_node *node, gossip_state *st, gpeer *p, pl_time_ns now, uint32_t topic,
                uint8_t backoff_hb)
{
  if (st->cfg->mode != PL_GOSSIP_MESH)
    return;
  if (strategy_graft(node, now, topic, p->peer) > 0)
    return; /* a Sybil ignores PRUNE and stays */
  gossip_mesh_drop(st, topic, p->peer);
  set_backoff(st, p->peer, topic, backoff_hb);
}

void
gossip_on_ihave(pl_node *node, gossip_state *st, gpeer *p, pl_time_ns now,
                const pl_gossip_item *it)
{
  if (st->cfg->mode != PL_GOSSIP_MESH ||
      !score_ok(node, st, p, st->cfg->score_gossip_threshold))
    return;
  gtopic *t = gossip_topic(st, it->topic);
  if (t == NULL || !t->subscribed)
    return;
  uint8_t want[PL_GOSSIP_IDS_MAX * PL_ID_BYTES];
  uint32_t n = 0;
  for (uint32_t i = 0; i < it->count && p->n_promises < GOSSIP_PROMISES_MAX; i++) {
    const uint8_t *id = it->ids + i * PL_ID_BYTES;
    if (pl_gossip_seen(node, id))
      continue;
    uint64_t sid = gossip_short_id(id);
    bool asked = false;
    for (uint32_t j = 0; j < p->n_promises && !asked; j++)
      asked = p->promises[j].short_id == sid;
    if (asked)
      continue;
    if (p->promises == NULL)
      p->promises = g_new(promise, GOSSIP_PROMISES_MAX);
    p->promises[p->n_promises].short_id = sid;
    p->promises[p->n_promises].due_hb = st->hb + GOSSIP_PROMISE_HB;
    p->n_promises++;
    st->n_promised++;
    memcpy(want + PL_ID_BYTES * n++, id, PL_ID_BYTES);
  }
  if (n == 0)
    return;
  pl_gossip_item w = {.kind = PL_GOSSIP_ITEM_IWANT, .count = (uint16_t)n, .ids = want};
  gossip_queue(node, st, p, now, &w);
  pl_node_metric(node, PL_METRIC_GOSSIP_IWANT, n);
}

void
gossip_on_iwant(pl_node *node, gossip_state *st, gpeer *p, pl_time_ns now,
                const pl_gossip_item *it)
{
  if (st->cfg->mode != PL_GOSSIP_MESH ||
      !score_ok(node, st, p, st->cfg->score_gossip_threshold))
    return;
  for (uint32_t i = 0; i < it->count; i++) {
    const uint8_t *id = it->ids + i * PL_ID_BYTES;
    const gmsg *m = gossip_lookup(st, gossip_short_id(id), id);
    if (m == NULL || st->hb - m->hb_received >= st->cfg->mcache_len)
      continue;
    gossip_queue_data(node, st, p, now, m, (uint8_t)MIN(m->hops + 1, 255),
                      (uint16_t)MIN(m->hops + 1, 255));
  }
}

bool
gossip_promise_kept(gossip_state *st, uint64_t short_id)
{
  /* Only mesh mode makes promises (gossip_on_ihave): the other modes skip
   * the walk over every peer that each first receipt would cost. */
  if (st->cfg->mode != PL_GOSSIP_MESH || st->n_promised == 0)
    return false; /* and no walk over every peer (a first receipt's cost) */
  bool kept = false;
  for (uint32_t i = 0; i < st->n_peers; i++) {
    gpeer *p = &st->peers[i];
    for (uint32_t j = 0; j < p->n_promises;) {
      if (p->promises[j].short_id == short_id) {
        p->promises[j] = p->promises[--p->n_promises];
        st->n_promised--;
        kept = true;
      } else {
        j++;
      }
    }
    if (p->n_promises == 0 && p->promises != NULL) {
      g_free(p->promises);
      p->promises = NULL;
    }
  }
  return kept;
}
