/*
 * gossip_internal.h — the gossip layer's state, shared by gossip.c (seen
 * cache, store, receiving, publishing, batching), gossip_epidemic.c
 * (rounds of push / pull / push-pull / rumour, flooding, digests) and
 * gossip_mesh.c (mesh, IHAVE / IWANT, scores).
 */
#ifndef PL_GOSSIP_INTERNAL_H
#define PL_GOSSIP_INTERNAL_H

#include "gossip.h"
#include "peer.h"

/* Timer ids (low 24 bits) of the gossip layer. */
enum {
  GOSSIP_TIMER_HEARTBEAT = 1, /* heartbeat / round */
  GOSSIP_TIMER_FLUSH = 2,     /* batch window closed */
  GOSSIP_TIMER_ENTROPY = 3,   /* anti-entropy digest exchange */
};

/* Peers with a pending batch remembered by index (gossip_state.dirty); more
 * and gossip_flush walks every peer. */
#define GOSSIP_DIRTY_MAX 8
#define GOSSIP_DIRTY_ALL 0xff

/* Heartbeats an IWANT promise may stay unanswered before it is broken. */
#define GOSSIP_PROMISE_HB 3
/* IWANT promises remembered per peer at most. */
#define GOSSIP_PROMISES_MAX 32
/* Heartbeats a fanout topic is kept after the last publication. */
#define GOSSIP_FANOUT_TTL_HB 60
/* DATA items sent in answer to one digest or IWANT at most. */
#define GOSSIP_ANSWER_MAX 256

/* A message held in the store (the publisher's signed bytes follow). */
typedef struct gmsg {
  const uint8_t *id;         /* the content id, followed by the SIGNED envelope (|len|
                              * bytes, gossip_data): the pool's copy or |own| */
  pl_time_ns published_ns;   /* signed timestamp, ns */
  uint32_t topic;            /* topic */
  uint32_t hb_received;      /* node heartbeat count at receipt */
  uint16_t round;            /* round carried at receipt (0: own publication) */
  uint16_t len;              /* bytes of the envelope */
  uint8_t hops;              /* hops at receipt (0: own publication) */
  uint8_t hot;               /* RUMOR: still infective */
  uint8_t contacts;          /* RUMOR: unnecessary contacts counted */
  uint8_t pooled;            /* 1: |id| points into the pool (gossip_state.pool) */
  uint8_t own[];             /* id and envelope when not pooled */
} gmsg;

/* The SIGNED envelope of |m| (|m->len| bytes), after its id. */
static inline const uint8_t *
gossip_data(const gmsg *m)
{
  return m->id + PL_ID_BYTES;
}

/* An IWANT promise: a short id asked of a peer, due by a heartbeat. */
typedef struct promise {
  uint64_t short_id;         /* first 8 bytes of the id */
  uint32_t due_hb;           /* broken if not received by this heartbeat */
} promise;

/* A pending batch to one peer (heap; exists only while items wait). */
typedef struct gout {
  pl_gossip_writer w;        /* writer over |bytes| */
  uint32_t cap;              /* bytes allocated at |bytes| */
  uint8_t bytes[];           /* the batch being written */
} gout;

/* Topics a gpeer holds without an allocation. */
#define GOSSIP_PEER_TOPICS_INLINE 2

/* One connected peer as the gossip layer sees it (kept small: a node has
 * up to max_peers of these for its whole life). */
typedef struct gpeer {
  pl_peer peer;              /* handle */
  uint8_t n_topics;          /* entries used in |topics| */
  uint8_t topics_cap;        /* entries allocated in |topics| */
  uint8_t n_promises;        /* entries used in |promises| */
  uint8_t n_data;            /* DATA items in the pending batch */
  uint32_t first;            /* first deliveries from it, milli-events (decaying) */
  uint32_t invalid;          /* invalid messages from it, milli-events (decaying) */
  uint32_t broken;           /* broken IWANT promises, milli-events (decaying) */
  uint32_t violations;       /* protocol violations, milli-events (decaying) */
  uint32_t await_until_hb;   /* DATA from it until this heartbeat answers our digest
                              * (counted as recovered); 0 = none */
  uint32_t data_bits;        /* bit (id[0] & 31) of every DATA item in the pending batch:
                              * a duplicate whose bit is clear has no copy to cancel
                              * there, known without reading the batch (fills what
                              * would be padding) */
  union {
    uint32_t in[GOSSIP_PEER_TOPICS_INLINE]; /* topics_cap <= GOSSIP_PEER_TOPICS_INLINE */
    uint32_t *heap;          /* topics_cap > GOSSIP_PEER_TOPICS_INLINE (heap) */
  } topics;                  /* topics it announced (gossip_peer_topics): inline while
                              * few, saving an allocation per connected peer */
  promise *promises;         /* outstanding IWANT promises (heap, NULL if none) */
  gout *out;                 /* pending batch (heap, NULL if none) */
} gpeer;

_Static_assert(sizeof(gpeer) == 56, "one per connected peer for a node's whole life");

/* Mesh delivery state of one connected peer (gossipsub's P3 / P3b), kept
 * only when score_mesh_share > 0, in the same allocation as |peers|, after
 * its |peers_alloc| entries (gossip_p3), so that networks without it pay no
 * byte, per peer or per node. */
typedef struct gp3 {
  uint32_t deliv;            /* DATA items from it while in a mesh of ours, new or within
                              * a heartbeat of the first copy, milli-events (decaying) */
  uint32_t since_hb;         /* heartbeat it was first seen in a mesh of ours (0: in none) */
  uint32_t failure;          /* deficit penalty it left our meshes with, milli-points
                              * (decaying slowly: P3b) */
} gp3;

/* A topic the node subscribes to or publishes to (fanout). */
typedef struct gtopic {
  uint32_t topic;            /* topic number */
  uint8_t subscribed;        /* 1 = subscribed (mesh), 0 = fanout only */
  uint16_t n_mesh;           /* entries in |mesh| (subscribed) or fanout peers */
  uint32_t last_pub_hb;      /* heartbeat of the last publication (fanout expiry) */
  pl_peer *mesh;             /* mesh or fanout peers (heap, max_peers entries) */
} gtopic;

/* A mesh backoff: |peer| may not be grafted into |topic| before |until_hb|. */
typedef struct backoff {
  pl_peer peer;              /* handle */
  uint32_t topic;            /* topic */
  uint32_t until_hb;         /* heartbeat count */
} backoff;

/* One seen-cache entry (FIFO ring in insertion order). */
typedef struct seen_entry {
  uint64_t short_id;         /* first 8 bytes of the id */
  pl_time_ns expire_ns;      /* forget after this time, ns */
} seen_entry;

/* Handles kept inside gossip_state (max_peers at most this: one allocation
 * less, and the lookup reads the lines the receive path reads anyway). */
#define GOSSIP_HANDLES_INLINE 32

/* A node's gossip state.  The fields every received message reads come
 * last, next to the inline handles, so that a receipt touches few cache
 * lines of it (the simulator is bound by memory latency: a node's state is
 * cold when its next message arrives). */
typedef struct gossip_state {
  pl_gossip_stats stats;     /* per-node counters */
  pl_gossip_score_fn score_fn; /* external score hook, NULL = none */
  void *score_user_data;     /* handed to |score_fn| */
  const pl_gossip_pool *pool; /* shared message bytes (borrowed), NULL = own copies */
  uint8_t running;           /* 1 between start and stop */
  uint8_t flush_armed;       /* a FLUSH timer is pending */
  uint32_t peers_alloc;      /* entries allocated in |peers| (and |handles| on the heap) */
  uint32_t peers_cap;        /* = config max_peers */
  uint32_t topics_alloc;     /* entries allocated in |topics| */
  backoff *backoffs;         /* mesh backoffs (heap, grown) */
  uint32_t n_backoffs, backoffs_cap;

  /* store: ring of |store_cap| message pointers, absolute sequence numbers
   * [store_first, store_next); open-addressing index of 2 * store_cap
   * slots (ring slot + 1, 0 = empty) by short id */
  gmsg **store;
  uint32_t *store_index;
  uint32_t store_cap;
  uint32_t mesh_recv;        /* with gossip_p3: new messages of subscribed topics received,
                              * milli-events (decaying): what mesh peers' deliveries are
                              * measured against (fills what would be padding) */
  uint64_t store_first, store_next;

  /* seen cache: ring of |seen_cap| entries (any multiple of 8) from
   * |seen_head|, |seen_len| used (expiry order); open-addressing set of
   * |seen_mask + 1| slots (a power of two, at most 3/4 full) holding the
   * short ids themselves (0 = empty; a short id of 0 is kept as 1), so a
   * lookup reads one slot run and nothing else.  Ring and set are two
   * allocations: growing the ring often leaves the set as it is. */
  seen_entry *seen;
  uint32_t seen_cap, seen_head;

  /* ---- read by every received message ---- */
  const pl_gossip_config *cfg; /* the node's gossip config (shared) */
  uint64_t *seen_keys;       /* the seen set (above) */
  uint32_t seen_len, seen_mask;
  uint32_t hb;               /* heartbeats done (rounds) */
  uint32_t n_promised;       /* outstanding IWANT promises, all peers together */
  gtopic *topics;            /* subscribed and fanout topics (heap, grown by doubling
                              * up to max_topics; NULL before the first) */
  uint32_t n_topics;         /* entries used */
  uint8_t p3_on;             /* gossip_p3_on(cfg), kept where a receipt reads it (fills a
                              * padding byte) */
  uint8_t n_dirty;           /* entries in |dirty|; GOSSIP_DIRTY_ALL: more peers than
                              * it holds have pending batches; 0: none has one */
  uint16_t dirty[GOSSIP_DIRTY_MAX]; /* indices in |peers| of peers with a pending
                              * batch (unordered, maybe repeated), so a flush
                              * touches only those */
  gpeer *peers;              /* connected peers, in connection order (heap, grown on
                              * demand up to max_peers; NULL before the first) */
  uint32_t n_peers;          /* entries used */
  pl_peer *handles;          /* handles[i] = peers[i].peer (a compact copy for lookups):
                              * |handles_inline| if max_peers <= GOSSIP_HANDLES_INLINE,
                              * else heap, grown with |peers| */
  pl_peer handles_inline[];  /* max_peers entries when used, none otherwise */
} gossip_state;

/* Whether |cfg| keeps mesh delivery state (gossipsub's P3). */
static inline bool
gossip_p3_on(const pl_gossip_config *cfg)
{
  return cfg->mode == PL_GOSSIP_MESH && cfg->score_enabled && cfg->score_mesh_share > 0;
}

/* The mesh delivery state of |st|'s peers (entry i is peers[i]'s), after
 * the |peers_alloc| gpeers of the same allocation; NULL when off or before
 * the first peer. */
static inline gp3 *
gossip_p3(const gossip_state *st)
{
  if (!st->p3_on || st->peers == NULL)
    return NULL;
  return (gp3 *)(void *)(st->peers + st->peers_alloc);
}

/* ---------------------------------------------------------- gossip.c */

gossip_state *gossip_of(const pl_node *node);
/* Peer entry of |peer|, NULL if not connected. */
gpeer *gossip_peer(gossip_state *st, pl_peer peer);
/* Topic entry of |topic|, NULL if neither subscribed nor fanout. */
gtopic *gossip_topic(gossip_state *st, uint32_t topic);
/* A new zeroed topic entry for |topic| (n_topics < max_topics). */
gtopic *gossip_topic_add(gossip_state *st, uint32_t topic);
/* True if |p| announced |topic|. */
bool gossip_peer_has_topic(const gpeer *p, uint32_t topic);
/* The topics |p| announced (p->n_topics entries). */
uint32_t *gossip_peer_topics(gpeer *p);
/* Note that |p| announced |topic| (no-op if known or max_topics are held). */
void gossip_peer_add_topic(gossip_state *st, gpeer *p, uint32_t topic);
/* Stored message whose short id is |short_id| (and full id |id| if not
 * NULL), NULL if not held (store index lookup). */
gmsg *gossip_lookup(gossip_state *st, uint64_t short_id, const uint8_t *id);
uint64_t gossip_short_id(const uint8_t *id);
/* Stored messages, oldest first: |i| in [0, gossip_store_len). */
uint32_t gossip_store_len(const gossip_state *st);
gmsg *gossip_store_at(const gossip_state *st, uint32_t i);
/* Queue |item| to |p| (sends the pending batch first if it is full). */
void gossip_queue(pl_node *node, gossip_state *st, gpeer *p, pl_time_ns now,
                  const pl_gossip_item *item);
/* Queue message |m| as DATA to |p| with |hops| and |round|. */
void gossip_queue_data(pl_node *node, gossip_state *st, gpeer *p, pl_time_ns now,
                       const gmsg *m, uint8_t hops, uint16_t round);
/* Send every pending batch now. */
void gossip_flush(pl_node *node, gossip_state *st);
/* Draw up to |k| distinct peers from |cand| (|n| entries, reordered). */
uint32_t gossip_sample(pl_node *node, gpeer **cand, uint32_t n, uint32_t k);
/* Round age of |m| now (round carried + heartbeats held). */
uint16_t gossip_age(const gossip_state *st, const gmsg *m);

/* -------------------------------------------------- gossip_epidemic.c */

/* Forward |m| on first receipt from |from| (NULL for own) in FLOOD / MESH. */
void gossip_forward_new(pl_node *node, gossip_state *st, pl_time_ns now, const gmsg *m,
                        pl_peer from);
/* A round of PUSH / PULL / PUSH_PULL / RUMOR. */
void gossip_epidemic_round(pl_node *node, gossip_state *st, pl_time_ns now);
/* Send a digest of held messages to |p|, asking for a reply if |reply|. */
void gossip_send_digest(pl_node *node, gossip_state *st, gpeer *p, pl_time_ns now, bool reply);
/* Answer a DIGEST item from |p|. */
void gossip_on_digest(pl_node *node, gossip_state *st, gpeer *p, pl_time_ns now,
                      const pl_gossip_item *it);
/* RUMOR: |p| knew the messages in KNEW item |it|; also called with the
 * outcome of each push (feedback). */
void gossip_on_knew(pl_node *node, gossip_state *st, gpeer *p, const pl_gossip_item *it);
/* RUMOR, blind: a push of |m| was a contact. */
void gossip_rumor_contact(pl_node *node, gossip_state *st, gmsg *m, bool unnecessary);

/* ------------------------------------------------------ gossip_mesh.c */

/* One more event in a decaying score counter (milli-events, saturating). */
void gossip_bump(uint32_t *counter);
/* A heartbeat's decay of such a counter: it loses 1/|div| (below 100
 * milli-events, a tenth of an event, it drops to 0). */
void gossip_decay(uint32_t *v, uint32_t div);

/* Score of |p|: behaviour (if enabled) + hook. */
int32_t gossip_peer_score(pl_node *node, gossip_state *st, const gpeer *p);
void gossip_mesh_heartbeat(pl_node *node, gossip_state *st, pl_time_ns now);
void gossip_on_ihave(pl_node *node, gossip_state *st, gpeer *p, pl_time_ns now,
                     const pl_gossip_item *it);
void gossip_on_iwant(pl_node *node, gossip_state *st, gpeer *p, pl_time_ns now,
                     const pl_gossip_item *it);
void gossip_on_graft(pl_node *node, gossip_state *st, gpeer *p, pl_time_ns now, uint32_t topic);
void gossip_on_prune(pl_node *node, gossip_state *st, gpeer *p, pl_time_ns now, uint32_t topic,
                     uint8_t backoff_hb);
/* |p| left: drop it from meshes and fanouts. */
void gossip_mesh_peer_gone(gossip_state *st, pl_peer peer);
/* |p| no longer subscribes to |topic|: drop it from that mesh. */
void gossip_mesh_drop(gossip_state *st, uint32_t topic, pl_peer peer);
/* Publish |m| in MESH mode: to the mesh, or to fanout peers. */
void gossip_mesh_publish(pl_node *node, gossip_state *st, pl_time_ns now, const gmsg *m);
/* Join / leave the mesh of |t| (subscribe / unsubscribe). */
void gossip_mesh_join(pl_node *node, gossip_state *st, pl_time_ns now, gtopic *t);
void gossip_mesh_leave(pl_node *node, gossip_state *st, pl_time_ns now, gtopic *t);
/* A promised message arrived: clear promises of |short_id| for every peer. */
bool gossip_promise_kept(gossip_state *st, uint64_t short_id);

#endif /* PL_GOSSIP_INTERNAL_H */
