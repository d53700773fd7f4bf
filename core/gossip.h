/*
 * gossip.h — topic pub/sub by gossip, the third layer of the node.
 *
 * A node subscribes to topics (32-bit numbers) and publishes messages on
 * them.  A published message is the publisher's SIGNED envelope (wire.h)
 * of inner type PL_MSG_GOSSIP_DATA whose payload is [u32 topic][data];
 * its id is the content hash BLAKE2b-256 of those signed bytes, and relays
 * forward the bytes unchanged.  Everything travels between connected
 * peers (the peer layer's sessions) in batches: one GOSSIP_BATCH network
 * message carries up to PL_GOSSIP_BATCH_ITEMS_MAX items, data and control
 * alike, so small messages to the same peer share one network message.
 *
 * Modes (pl_gossip_config.mode): the classic epidemic algorithms (push,
 * pull and push-pull anti-entropy per round, rumour mongering with
 * counter / coin and feedback / blind), fanout flooding with a hop TTL,
 * and a gossipsub-like mesh (D, D_low, D_high, GRAFT / PRUNE, heartbeat,
 * IHAVE / IWANT, message cache, fanout peers, peer scores).  Any mode can
 * add periodic anti-entropy digest exchange (anti_entropy_ns), so a node
 * that missed messages while partitioned catches up.  docs/gossip.md has
 * the rules and their references.
 *
 * State per node: one allocation for the layer (peers, topics), plus a
 * seen cache and a message store that grow on demand up to seen_max and
 * store_max entries and shrink back as entries expire.
 *
 * Observations (pl.h PL_OBS_GOSSIP_*): PUBLISHED when this node publishes,
 * DELIVERED on the first receipt of a message of a topic it subscribes to,
 * DUPLICATE for every later copy, SUBSCRIBED / UNSUBSCRIBED on changes.
 */
#ifndef PL_GOSSIP_H
#define PL_GOSSIP_H

#include "node_internal.h"

/* The gossip layer (PL_LAYER_GOSSIP); enabled when config->gossip.mode is
 * not PL_GOSSIP_OFF. */
extern const pl_layer pl_gossip_layer;

/* Message types of the gossip layer. */
enum {
  PL_MSG_GOSSIP_BATCH = 0x20, /* session: a batch of data and control items */
  PL_MSG_GOSSIP_DATA = 0x21,  /* envelope-only: a published message's payload */
};

/* Item kinds inside a GOSSIP_BATCH. */
typedef enum pl_gossip_item_kind {
  PL_GOSSIP_ITEM_DATA = 1,   /* a published message: hops, round, id, signed bytes */
  PL_GOSSIP_ITEM_IHAVE = 2,  /* topic, ids the sender holds */
  PL_GOSSIP_ITEM_IWANT = 3,  /* ids the sender wants */
  PL_GOSSIP_ITEM_GRAFT = 4,  /* topic: add me to your mesh */
  PL_GOSSIP_ITEM_PRUNE = 5,  /* topic, backoff in heartbeats: I removed you from my mesh */
  PL_GOSSIP_ITEM_SUB = 6,    /* topic: I subscribe */
  PL_GOSSIP_ITEM_UNSUB = 7,  /* topic: I unsubscribe */
  PL_GOSSIP_ITEM_DIGEST = 8, /* flags, short ids the sender holds: send me what I lack */
  PL_GOSSIP_ITEM_KNEW = 9,   /* short ids the sender already knew (rumour feedback) */
  PL_GOSSIP_ITEM_KIND_MAX = 9,
} pl_gossip_item_kind;

/* DIGEST flags. */
enum {
  PL_GOSSIP_DIGEST_REPLY = 1u << 0, /* answer with my own digest too (push-pull, anti-entropy) */
  PL_GOSSIP_DIGEST_ALL = 0x01,      /* mask of defined flags */
};

/* ------------------------------------------------------------- limits */

#define PL_GOSSIP_PAYLOAD_MAX 3900    /* data bytes of one message (after the topic) */
#define PL_GOSSIP_BATCH_ITEMS_MAX 64  /* items in one batch */
#define PL_GOSSIP_IDS_MAX 64          /* ids in one IHAVE or IWANT */
#define PL_GOSSIP_SHORT_IDS_MAX 448   /* short ids in one DIGEST or KNEW */
#define PL_GOSSIP_SHORT_ID_BYTES 8    /* a short id: the first 8 bytes of the id */
#define PL_GOSSIP_TOPICS_MAX 64       /* max_topics at most */
/* Largest GOSSIP_BATCH, header included (= PL_WIRE_MAX_BYTES, so every
 * registered message still fits the common buffer size). */
#define PL_GOSSIP_BATCH_MAX_BYTES PL_WIRE_MAX_BYTES
/* Encoded item sizes (kind byte included), bytes. */
#define PL_GOSSIP_DATA_HEADER_BYTES 38 /* kind, hops, u16 round, id, u16 length */
#define PL_GOSSIP_TOPIC_ITEM_BYTES 5   /* GRAFT, SUB, UNSUB: kind, u32 topic */
#define PL_GOSSIP_PRUNE_ITEM_BYTES 6   /* kind, u32 topic, u8 backoff */

/* ------------------------------------------------------------ scoring */

/* Behaviour score weights (gossipsub v1.1's P2, P4, P7, simplified to
 * integers).  A peer's behaviour score is
 *   min(first deliveries, PL_GOSSIP_SCORE_FIRST_CAP) * FIRST
 *   + invalid messages * INVALID + broken promises * BROKEN
 *   + protocol violations * VIOLATION
 * where every counter decays by 1/PL_GOSSIP_SCORE_DECAY_DIV at each
 * heartbeat (kept in milli-events; below a tenth of an event it is 0). */
#define PL_GOSSIP_SCORE_FIRST 1         /* per first delivery from the peer */
#define PL_GOSSIP_SCORE_FIRST_CAP 50    /* first deliveries counted at most */
#define PL_GOSSIP_SCORE_INVALID (-100)  /* per invalid message (signature, content) */
#define PL_GOSSIP_SCORE_BROKEN (-10)    /* per IWANT'd id the peer advertised but never sent */
#define PL_GOSSIP_SCORE_VIOLATION (-20) /* per GRAFT during backoff / same id twice in a batch */
#define PL_GOSSIP_SCORE_DECAY_DIV 10    /* counters lose a tenth per heartbeat */
/* Mesh delivery deficit (gossipsub v1.1's P3 and P3b; on when the config's
 * score_mesh_share S > 0).  Let M be the messages of subscribed topics this
 * node received (new ones, a decaying counter like the others) and d a
 * peer's mesh deliveries (DATA items it sent us while in a mesh of ours,
 * new or within a heartbeat of the first copy, decaying too).  A peer in
 * one of our meshes for at least score_mesh_activation heartbeats owes
 * T = M * S / 100 deliveries; when T is at least one delivery and d < T,
 * its score gains MESH_DEFICIT * ((T - d) / T)^2, and when it leaves our
 * meshes owing, that penalty is kept as a slowly decaying one (P3b), so a
 * pruned silent relay is not grafted back at once.  gossipsub squares the
 * deficit against an absolute threshold tuned per topic; measured as a
 * share of what the node itself received, the same setting serves any
 * message rate, and nothing is owed on an idle topic. */
#define PL_GOSSIP_SCORE_MESH_DEFICIT (-20) /* a mesh peer that delivers none of what it owes */
#define PL_GOSSIP_SCORE_MESH_FAILURE_DECAY_DIV 100 /* the failure penalty loses a hundredth
                                                  * per heartbeat: it outlasts the prune
                                                  * backoff, so a relay pruned for silence
                                                  * is not grafted back as soon as the
                                                  * backoff ends */

/*
 * An external score for |peer| (higher = more trusted), added to the
 * behaviour score (or used alone when score_enabled is 0).  Installed by
 * the trust layer with pl_gossip_set_score_hook.
 */
typedef int32_t (*pl_gossip_score_fn)(pl_node *node, pl_peer peer, void *user_data);

/* Install |fn| (NULL removes it) as |node|'s gossip score hook;
 * |user_data| is handed back to it.  No effect without the gossip layer. */
void pl_gossip_set_score_hook(pl_node *node, pl_gossip_score_fn fn, void *user_data);

/*
 * A pool of message bytes shared by nodes (a host's memory saving, like the
 * verification memo: off unless installed).  A node holds every message it
 * stores for IWANT answers, rounds and digests; in a simulator those are
 * the same signed bytes at every node, so instead of its own copy a node's
 * store may reference the pool's single copy.  hold: the pool's copy of
 * the 32-byte |id| immediately followed by its copy of the |len| bytes
 * |bytes| (|id| is their hash, checked by the caller), with one more
 * reference (the stored message then points there and copies neither id
 * nor bytes), or NULL (the node keeps its own copy of both); release: drop
 * the reference taken by the hold that returned |held|.  Nothing else
 * changes: the bytes a node sends are the same either way.
 */
typedef struct pl_gossip_pool {
  const uint8_t *(*hold)(const uint8_t *id, const uint8_t *bytes, size_t len, void *user_data);
  void (*release)(const uint8_t *held, void *user_data);
  void *user_data;           /* handed to both */
} pl_gossip_pool;

/* Make |node| keep stored message bytes in |pool| (borrowed: it must
 * outlive the node's gossip state; NULL: own copies).  Set it before the
 * node stores anything (at start); no effect without the gossip layer. */
void pl_gossip_set_pool(pl_node *node, const pl_gossip_pool *pool);

/* ------------------------------------------------------------- queries */

/* Per-node counters (monotonic over the node's life). */
typedef struct pl_gossip_stats {
  uint64_t published;       /* messages published */
  uint64_t delivered;       /* first receipts of subscribed topics */
  uint64_t received_new;    /* first receipts, subscribed or not */
  uint64_t duplicates;      /* copies of messages already seen */
  uint64_t invalid;         /* published messages refused */
  uint64_t batches_sent;    /* GOSSIP_BATCH network messages sent */
  uint64_t bytes_sent;      /* bytes of those, bytes */
  uint64_t items_sent;      /* items in those */
  uint64_t data_cancelled;  /* queued copies dropped before leaving because the
                             * peer sent us the message meanwhile */
} pl_gossip_stats;

/* Copy |node|'s counters into |out|; all zero without the gossip layer. */
void pl_gossip_get_stats(const pl_node *node, pl_gossip_stats *out);

/* True if |node| subscribes to |topic|. */
bool pl_gossip_subscribed(const pl_node *node, uint32_t topic);

/* True if |node| has seen message |id| (32 bytes) and still remembers it. */
bool pl_gossip_seen(const pl_node *node, const uint8_t *id);

/* Messages held in the store, and entries in the seen cache. */
uint32_t pl_gossip_store_count(const pl_node *node);
uint32_t pl_gossip_seen_count(const pl_node *node);

/* Bytes the gossip layer of |node| holds (its share of pl_node_memory: the
 * accounted allocations, without allocator overhead); 0 without it. */
size_t pl_gossip_memory(const pl_node *node);

/* Copy up to |max| mesh peers of |topic| (in mesh order) into |out|;
 * return how many.  0 if not subscribed or not in mesh mode. */
uint32_t pl_gossip_mesh_peers(const pl_node *node, uint32_t topic, pl_peer *out,
                              uint32_t max);

/* Current score of connected |peer| as the mesh sees it (behaviour +
 * hook); 0 for an unknown peer. */
int32_t pl_gossip_score(const pl_node *node, pl_peer peer);

/* --------------------------------------------------------------- wire */

/* One decoded batch item.  Pointers point into the decoded bytes. */
typedef struct pl_gossip_item {
  uint8_t kind;            /* pl_gossip_item_kind */
  uint8_t hops;            /* DATA: hops travelled so far (>= 1 on the wire) */
  uint8_t flags;           /* DIGEST: PL_GOSSIP_DIGEST_* */
  uint8_t backoff_hb;      /* PRUNE: heartbeats before the receiver may regraft */
  uint16_t round;          /* DATA: gossip rounds since publication */
  uint16_t count;          /* IHAVE / IWANT / DIGEST / KNEW: ids in |ids| */
  uint32_t topic;          /* IHAVE, GRAFT, PRUNE, SUB, UNSUB: topic */
  const uint8_t *id;       /* DATA: message id claimed by the sender, 32 bytes */
  const uint8_t *data;     /* DATA: the publisher's signed envelope */
  uint16_t len;            /* DATA: bytes in |data| */
  const uint8_t *ids;      /* IHAVE / IWANT: count * 32 bytes; DIGEST / KNEW:
                            * count * PL_GOSSIP_SHORT_ID_BYTES */
} pl_gossip_item;

/*
 * Decode the body of a GOSSIP_BATCH (|len| bytes after the 2-byte header)
 * into |items| (room for PL_GOSSIP_BATCH_ITEMS_MAX); *|n| is set to the
 * count.  Strict, all or nothing: PL_ERR_TRUNCATED, PL_ERR_TRAILING,
 * PL_ERR_OVERLONG (item count, id count or data length over its limit),
 * PL_ERR_BAD_FIELD (count 0, unknown item kind, hops 0, unknown DIGEST
 * flags, a DATA length below the envelope overhead).  Whether a DATA
 * item's bytes are a valid signed message is the receiver's check.
 */
PL_WARN_UNUSED int pl_gossip_decode(const uint8_t *body, size_t len, pl_gossip_item *items,
                                    uint32_t *n);

/* A batch being written into a caller buffer. */
typedef struct pl_gossip_writer {
  uint8_t *buf;            /* output, at least PL_WIRE_HEADER_BYTES + 1 bytes */
  size_t cap;              /* bytes in |buf| */
  size_t len;              /* bytes written so far (header and count included) */
  uint32_t n_items;        /* items written */
} pl_gossip_writer;

/* Start a batch in |buf| (|cap| bytes, at most PL_GOSSIP_BATCH_MAX_BYTES
 * are used). */
void pl_gossip_writer_init(pl_gossip_writer *w, uint8_t *buf, size_t cap);

/* Append |item|.  Returns PL_OK, PL_ERR_BUFFER if it does not fit (the
 * batch is unchanged: send it and start another), or PL_ERR_INVALID if
 * the item is not canonical (what pl_gossip_decode would refuse). */
PL_WARN_UNUSED int pl_gossip_writer_add(pl_gossip_writer *w, const pl_gossip_item *item);

/* Bytes |item| encodes to, or PL_ERR_INVALID. */
int pl_gossip_item_bytes(const pl_gossip_item *item);

/* Remove the first DATA item of message |id| from the batch, keeping the
 * other items in order.  Returns true if one was removed. */
bool pl_gossip_writer_drop_data(pl_gossip_writer *w, const uint8_t id[PL_ID_BYTES]);

/* Finish the batch: returns its length (header included); 0 if empty. */
size_t pl_gossip_writer_finish(pl_gossip_writer *w);

/*
 * Build a published message: seal [u32 topic][data] as a SIGNED envelope
 * of inner type PL_MSG_GOSSIP_DATA with |seed| / |key|, |seq| and
 * |timestamp_ns| into |buf| (|cap| bytes) and write its id to |id|.  Pure
 * (for tests and hosts; a node publishes with PL_CMD_GOSSIP_PUBLISH).
 * Returns the length or the error of pl_envelope_seal (PL_ERR_INVALID
 * also for |len| > PL_GOSSIP_PAYLOAD_MAX).
 */
PL_WARN_UNUSED int pl_gossip_message_build(uint8_t *buf, size_t cap,
                                           const uint8_t seed[PL_SEED_BYTES],
                                           const uint8_t key[PL_KEY_BYTES], uint64_t seq,
                                           pl_time_ns timestamp_ns, uint32_t topic,
                                           const uint8_t *data, size_t len,
                                           uint8_t id[PL_ID_BYTES]);

#endif /* PL_GOSSIP_H */
