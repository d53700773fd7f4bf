/*
 * kad.h — the discovery layer: a Kademlia DHT (PL_LAYER_DISCOVERY).
 *
 * Kademlia as published (Maymounkov & Mazieres 2002), with the S/Kademlia
 * defences (Baumgart & Mies 2007) each switchable in pl_kad_config:
 *
 *   ids         256-bit node ids (BLAKE2b-256 of the public key, from
 *               env->peer_id_cb), XOR metric.
 *   table       k-buckets by common-prefix length with our id (with b bits
 *               per digit: 2^b - 1 buckets per digit, the accelerated
 *               lookups of the paper's section 4.2); least-recently-seen
 *               first; a newcomer meeting a full bucket makes the node PING
 *               the least-recently-seen contact, which stays if it answers
 *               (the newcomer is dropped) and is replaced if it does not.
 *               A contact whose requests time out stale_failures times in
 *               a row is dropped.  Buckets are allocated on demand; a
 *               contact is a 4-byte handle plus a 1-byte failure count.
 *   RPCs        PING/PONG, FIND_NODE/NODES, FIND_VALUE/VALUES (or NODES),
 *               STORE/STORE_ACK; sessionless (any node may send them to any
 *               peer handle), unsigned, matched by a 32-bit request id.
 *               Every message carries the sender's id-puzzle nonce.
 *   lookups     iterative, alpha requests in flight per path, each with a
 *               timeout of rpc_timeout_ns; ends when the k closest nodes
 *               not known to have failed have all answered.  d disjoint
 *               paths (S/Kademlia): the first contacts are dealt round
 *               robin to d paths, and a node belongs to the first path that
 *               learnt of it, so no node serves two paths.
 *   maintenance bucket refresh (a lookup of a random id in every bucket
 *               untouched for refresh_interval_ns), record expiry, and
 *               re-publication of the node's own values every
 *               republish_interval_ns; join = learn the bootstrap peers and
 *               look up one's own id.
 *   defences    id cost (puzzle nonce checked on every contact, stake via
 *               env->peer_stake_cb; core/idcost.h), per-bucket limit of
 *               contacts from one network prefix (env->peer_prefix_cb), a
 *               sibling list of the sibling_size nodes closest to our own
 *               id kept beside the buckets and used in answers.
 *   values      a value is opaque bytes whose first byte is its type
 *               (PL_KAD_VALUE_OPAQUE, or the type of a pl_kad_app that
 *               validates it); several values live under one key, one per
 *               owner (the newest wins); a node stores at most max_records.
 *
 * Byzantine decision points (pl_strategy): kad_find_node (answer FIND_NODE
 * with chosen contacts), kad_accept_store (drop STOREs), kad_find_value
 * (forge FIND_VALUE answers), answer_ping (stay silent).
 *
 * Strict decoding: every message is decoded by pl_kad_decode, which
 * refuses anything not in its one canonical form with an exact reason
 * (counted by the node like every rejection).
 */
#ifndef PL_KAD_H
#define PL_KAD_H

#include "node_internal.h"

/* The discovery layer (PL_LAYER_DISCOVERY). */
extern const pl_layer pl_kad_layer;

/* ------------------------------------------------------------ messages */

/* Message types of the discovery layer (0x10-0x1f). */
enum {
  PL_MSG_KAD_PING = 0x10,       /* liveness check */
  PL_MSG_KAD_PONG = 0x11,       /* answer to KAD_PING */
  PL_MSG_KAD_FIND_NODE = 0x12,  /* the k closest contacts to a target, please */
  PL_MSG_KAD_NODES = 0x13,      /* contacts (answer to FIND_NODE or to FIND_VALUE) */
  PL_MSG_KAD_FIND_VALUE = 0x14, /* the values under a key, or contacts */
  PL_MSG_KAD_VALUES = 0x15,     /* values (answer to FIND_VALUE) */
  PL_MSG_KAD_STORE = 0x16,      /* store a value under a key */
  PL_MSG_KAD_STORE_ACK = 0x17,  /* answer to STORE */
};

/* Limits. */
#define PL_KAD_K_MAX 32             /* largest k and bucket_size */
#define PL_KAD_ALPHA_MAX 8          /* largest alpha */
#define PL_KAD_B_MAX 4              /* largest bits per digit */
#define PL_KAD_D_MAX 8              /* largest number of disjoint paths */
#define PL_KAD_SIBLINGS_MAX 64      /* largest sibling list */
#define PL_KAD_CONTACTS_MAX 32      /* contacts in one NODES message */
#define PL_KAD_VALUES_MAX 16        /* values in one VALUES message */
#define PL_KAD_VALUE_MAX 1024       /* bytes of one value */
#define PL_KAD_TTL_MAX_S (7u * 86400u) /* longest lifetime a STORE may ask, s */

/* Encoded sizes, bytes (header included). */
#define PL_KAD_RPC_HEADER 12        /* u32 request id + u64 sender's puzzle nonce */
#define PL_KAD_CONTACT_BYTES 40     /* public key (32) + puzzle nonce (8) */
#define PL_KAD_PING_BYTES (2 + PL_KAD_RPC_HEADER)
#define PL_KAD_FIND_BYTES (2 + PL_KAD_RPC_HEADER + PL_ID_BYTES)
#define PL_KAD_NODES_BYTES(n) (2u + PL_KAD_RPC_HEADER + 1u + PL_KAD_CONTACT_BYTES * (unsigned)(n))
#define PL_KAD_VALUES_MAX_BYTES 4096 /* a VALUES message at most */
#define PL_KAD_STORE_MAX_BYTES (2 + PL_KAD_RPC_HEADER + PL_ID_BYTES + 4 + 2 + PL_KAD_VALUE_MAX)
#define PL_KAD_STORE_ACK_BYTES (2 + PL_KAD_RPC_HEADER + 1)

/* Value types (first byte of a value). */
enum {
  PL_KAD_VALUE_OPAQUE = 0,      /* no validator; owner = the storing node */
  PL_KAD_VALUE_CAPABILITY = 1,  /* a signed capability ad (core/capability.h) */
};

/* STORE_ACK status. */
enum {
  PL_KAD_STORE_OK = 0,          /* stored (or already held, or dropped by a strategy) */
  PL_KAD_STORE_REFUSED = 1,     /* refused: invalid, stale or no room */
  PL_KAD_STORE_STATUS_COUNT = 2,
};

/*
 * A decoded discovery message.  Pointers point into the decoded buffer.
 *
 *   PING, PONG         rpc, nonce
 *   FIND_NODE          rpc, nonce, target
 *   FIND_VALUE         rpc, nonce, target (the key)
 *   NODES              rpc, nonce, count, contacts (count * 40 bytes: key,
 *                      u64 puzzle nonce; distinct keys)
 *   VALUES             rpc, nonce, count (1..PL_KAD_VALUES_MAX), values:
 *                      count times [u16 len (1..PL_KAD_VALUE_MAX)][bytes]
 *   STORE              rpc, nonce, target (the key), ttl_s (1..PL_KAD_TTL_MAX_S),
 *                      value (len 1..PL_KAD_VALUE_MAX)
 *   STORE_ACK          rpc, nonce, status (PL_KAD_STORE_*)
 */
typedef struct pl_kad_msg {
  uint8_t type;               /* PL_MSG_KAD_* */
  uint32_t rpc;               /* request id (an answer echoes the request's) */
  uint64_t nonce;             /* sender's id-puzzle nonce */
  const uint8_t *target;      /* FIND_*, STORE: 32-byte target or key */
  uint8_t count;              /* NODES: contacts; VALUES: values */
  const uint8_t *contacts;    /* NODES: count * PL_KAD_CONTACT_BYTES */
  const uint8_t *values;      /* VALUES: the encoded values (len-prefixed) */
  size_t values_len;          /* VALUES: bytes at |values| */
  uint32_t ttl_s;             /* STORE: lifetime asked, s */
  const uint8_t *value;       /* STORE: the value */
  uint16_t value_len;         /* STORE: bytes in |value| */
  uint8_t status;             /* STORE_ACK: PL_KAD_STORE_* */
} pl_kad_msg;

/*
 * Decode the body of a discovery message of type |type| (|body|, |len|:
 * the bytes after the 2-byte header) into |out|.  Returns PL_OK or the
 * exact reason: PL_ERR_TRUNCATED, PL_ERR_TRAILING, PL_ERR_OVERLONG (count
 * or length over its limit), PL_ERR_BAD_FIELD (zero count or length where
 * one is required, duplicate contact, ttl 0 or too long, unknown status),
 * PL_ERR_UNKNOWN_TYPE (not a discovery type).
 */
PL_WARN_UNUSED int pl_kad_decode(uint8_t type, const uint8_t *body, size_t len,
                                 pl_kad_msg *out);

/*
 * Encode |m| into |buf| (|cap| bytes).  For VALUES, |m->values| holds the
 * already len-prefixed values (see pl_kad_msg).  Returns the length,
 * PL_ERR_BUFFER, or PL_ERR_INVALID when |m| would not decode.
 */
PL_WARN_UNUSED int pl_kad_encode(const pl_kad_msg *m, uint8_t *buf, size_t cap);

/* --------------------------------------------------------- observations */

/*
 * Observation kinds of the discovery layer (pl_observation).  For the
 * lookups: key = target, peers = the result (up to k closest nodes that
 * answered, closest first), a = hops (depth of the closest result: 1 =
 * it was in our own table), b = requests sent, c = start time, ns.
 */
enum {
  PL_OBS_KAD_LOOKUP = PL_LAYER_DISCOVERY * PL_OBS_LAYER_RANGE + 0, /* PL_CMD_KAD_LOOKUP done */
  PL_OBS_KAD_JOIN,    /* the join's own-id lookup done */
  PL_OBS_KAD_REFRESH, /* a bucket refresh lookup done */
  /* FIND_VALUE done: key = key, peers = the nodes whose answers carried a
   * value that passed validation, a = distinct values collected, b =
   * requests sent, c = start time, ns. */
  PL_OBS_KAD_VALUE,
  /* STORE done: key = key, peers = the nodes the value was sent to (the
   * lookup's result), a = hops, b = requests sent (lookup and STOREs), c =
   * start time, ns. */
  PL_OBS_KAD_STORE,
  /* A capability find done (reported by core/capability.c): key = first
   * class key, peers = ranked workers, a = workers returned, b = keys
   * queried, c = start time, ns. */
  PL_OBS_KAD_WORKERS,
};

/* ------------------------------------------------------ value store API */

/* What a validator says about a value it accepts. */
typedef struct pl_kad_value_info {
  uint8_t owner[PL_ID_BYTES]; /* whose value this is: one value per (key, owner) is kept */
  uint64_t seq;               /* freshness: a value replaces one of the same owner only if larger */
  pl_time_ns expires_ns;      /* the value's own end of life (0: the STORE's ttl decides) */
} pl_kad_value_info;

/* A value handed to a completion callback (borrowed for the call). */
typedef struct pl_kad_value {
  const uint8_t *bytes;       /* the value, first byte its type */
  uint16_t len;               /* bytes */
  pl_peer from;               /* the node that returned it (self for a local value) */
} pl_kad_value;

/*
 * Completion of pl_kad_find_value / pl_kad_find_value_at: |n| values
 * (validated, one per owner, newest; n = 0: none found) for |key|.  Called
 * exactly once per successful start, from inside a pl_node_* entry point
 * (possibly the one that started it, when the answer is local); never
 * called if the start returned an error, nor after the node stopped.
 * |values| is borrowed.
 */
typedef void (*pl_kad_values_cb)(pl_node *node, pl_time_ns now, const uint8_t key[PL_ID_BYTES],
                                 const pl_kad_value *values, uint32_t n, void *user_data);

/*
 * An application of the DHT (capability ads, rendezvous): it validates its
 * own value type, handles a range of command kinds, and may ask for timers.
 * Listed in the apps[] table of kad.c.  Every member but |name| may be
 * NULL / 0.
 */
typedef struct pl_kad_app {
  const char *name;            /* "capability", ... */
  uint8_t value_type;          /* the value type it validates (>= 1), 0 = none */
  uint8_t cmd_first, cmd_last; /* command kinds it carries out (inclusive), 0 = none */
  /* Whether a node with |config| runs the app (NULL: always, when kad runs). */
  bool (*enabled)(const pl_config *config);
  /* Allocate the app's state (NULL only on allocation failure). */
  void *(*init)(pl_node *node);
  void (*clear)(pl_node *node, void *state);
  void (*start)(pl_node *node, void *state, pl_time_ns now);
  void (*stop)(pl_node *node, void *state, pl_time_ns now);
  /* A timer asked with pl_kad_app_set_timer fired; |local_id| < 2^16. */
  void (*timer)(pl_node *node, void *state, pl_time_ns now, uint32_t local_id);
  int (*command)(pl_node *node, void *state, pl_time_ns now, const pl_command *command);
  /*
   * Validate |value| (|len| bytes, first byte = value_type) under |key| at
   * |now|, arriving in a STORE or a VALUES answer.  On PL_OK fill |info|.
   * Errors: PL_ERR_STALE (counted by kad as dht.records.stale_rejected),
   * any other negative code (dht.records.rejected).  The app counts finer
   * reasons itself.
   */
  int (*validate)(pl_node *node, void *state, pl_time_ns now, const uint8_t key[PL_ID_BYTES],
                  const uint8_t *value, size_t len, pl_kad_value_info *info);
  size_t (*memory)(const pl_node *node, const void *state);
} pl_kad_app;

/* State of the app called |name| in |node|, NULL if absent. */
void *pl_kad_app_state(const pl_node *node, const char *name);

/* Ask for the timer |local_id| (< 2^16) of the app called |name| at |at_ns|. */
void pl_kad_app_set_timer(pl_node *node, const char *name, pl_time_ns at_ns, uint32_t local_id);

/*
 * Publish |len| bytes of |value| under |key| at |now|: look up the k
 * closest nodes to |key| and STORE it at each (and locally if we are among
 * them), with lifetime |ttl_ns| (0: record_ttl_ns; capped at
 * PL_KAD_TTL_MAX_S).  If |republish|, the node keeps the value and
 * publishes it again every republish_interval_ns until it expires.
 * Returns PL_OK, PL_ERR_INVALID (len 0 or over PL_KAD_VALUE_MAX, or kad
 * not running), PL_ERR_NOMEM (max_lookups in flight).
 */
PL_WARN_UNUSED int pl_kad_store(pl_node *node, pl_time_ns now, const uint8_t key[PL_ID_BYTES],
                                const uint8_t *value, size_t len, pl_time_ns ttl_ns,
                                bool republish);

/*
 * Find the values under |key|: an iterative FIND_VALUE lookup that stops
 * once |want| (>= 1) distinct owners' values are collected or the lookup
 * ends.  Values pass their app's validator.  |cb| is called once at the
 * end.  Returns PL_OK, PL_ERR_INVALID, PL_ERR_NOMEM (max_lookups).
 */
PL_WARN_UNUSED int pl_kad_find_value(pl_node *node, pl_time_ns now, const uint8_t key[PL_ID_BYTES],
                                     uint32_t want, pl_kad_values_cb cb, void *user_data);

/* STORE |value| under |key| at |peer| directly (no lookup; rendezvous). */
PL_WARN_UNUSED int pl_kad_store_at(pl_node *node, pl_time_ns now, pl_peer peer,
                                   const uint8_t key[PL_ID_BYTES], const uint8_t *value,
                                   size_t len, pl_time_ns ttl_ns);

/* FIND_VALUE |key| at the |n| given |peers| only (no iteration;
 * rendezvous); |cb| as for pl_kad_find_value, once every peer answered or
 * timed out, or |want| owners' values arrived. */
PL_WARN_UNUSED int pl_kad_find_value_at(pl_node *node, pl_time_ns now, const pl_peer *peers,
                                        uint32_t n, const uint8_t key[PL_ID_BYTES], uint32_t want,
                                        pl_kad_values_cb cb, void *user_data);

/* Copy up to |max| values this node stores under |key| (live at |now|)
 * into |out| (pointers into the store, valid until the next call into the
 * node); return how many. */
uint32_t pl_kad_local_values(pl_node *node, pl_time_ns now, const uint8_t key[PL_ID_BYTES],
                             pl_kad_value *out, uint32_t max);

/* Values stored for others. */
uint32_t pl_kad_record_count(const pl_node *node);

/* --------------------------------------------------------- routing table */

/*
 * Start a node lookup of |target| (PL_CMD_KAD_LOOKUP); reports
 * PL_OBS_KAD_LOOKUP at the end.  Returns PL_OK, PL_ERR_INVALID,
 * PL_ERR_NOMEM (max_lookups in flight).
 */
PL_WARN_UNUSED int pl_kad_lookup(pl_node *node, pl_time_ns now, const uint8_t target[PL_ID_BYTES]);

/*
 * Learn |peer| as if it had just been seen (the static-network "oracle"
 * bootstrap): the id checks, the prefix limit and the sibling list apply;
 * a full bucket refuses it (no ping).  Returns PL_OK, PL_ERR_INVALID (self,
 * unknown peer, kad not running in this node), PL_ERR_BAD_IDENTITY (id
 * cost checks), PL_ERR_PEER_LIMIT (bucket full or prefix limit).
 */
int pl_kad_seed(pl_node *node, pl_peer peer);

/*
 * pl_kad_seed(|node|, |peer|) for a host that knows |cpl|, the number of
 * leading bits |peer|'s id shares with this node's id (< 256; the oracle
 * bootstrap walks the id trie, so it does): with b = 1 and no sibling list
 * the bucket follows from |cpl| and the core never reads |peer|'s id, the
 * cache miss that dominates filling 100k tables.  Same checks, outcome
 * and return codes as pl_kad_seed; other configurations take pl_kad_seed's
 * path.  A wrong |cpl| files the contact in the wrong bucket (a host bug).
 */
int pl_kad_seed_cpl(pl_node *node, pl_peer peer, unsigned cpl);

/*
 * pl_kad_seed_cpl for |n| distinct peers that all share |cpl| leading bits
 * with this node (one level of the oracle walk), in one call, where that is
 * sure to take every one of them without reading an id: b = 1, no sibling
 * list, no prefix limit, no id cost, the bucket empty, n <= bucket_size.
 * Then the table, the metrics and the return are exactly those of the n
 * single calls, and it returns PL_OK.  Otherwise it changes nothing and
 * returns PL_ERR_INVALID: the host seeds them one by one (whose outcomes,
 * each peer's own, may steer what it offers next).
 */
PL_WARN_UNUSED int pl_kad_seed_level(pl_node *node, unsigned cpl, const pl_peer *peers,
                                     unsigned n);

/*
 * Room for |contacts| routing-table contacts and |buckets| buckets (a hint
 * before seeding a table, so it is allocated once at its final size
 * instead of growing; it changes no behaviour).  Allocation failure is
 * ignored: the table then grows as it fills.
 */
void pl_kad_reserve(pl_node *node, uint32_t contacts, uint32_t buckets);

/* Contacts in the routing table. */
uint32_t pl_kad_contact_count(const pl_node *node);

/* Copy up to |max| routing-table contacts into |out|, bucket by bucket
 * (least-recently-seen first in each); return how many were copied. */
uint32_t pl_kad_contacts(const pl_node *node, pl_peer *out, uint32_t max);

/* Copy up to |max| known contacts (table and siblings) closest to |target|
 * into |out|, closest first; return how many. */
uint32_t pl_kad_closest(pl_node *node, const uint8_t target[PL_ID_BYTES], pl_peer *out,
                        uint32_t max);

/* Copy the sibling list (closest to own id first) into |out|; return how
 * many. */
uint32_t pl_kad_siblings(const pl_node *node, pl_peer *out, uint32_t max);

/* Lookups in flight. */
uint32_t pl_kad_lookups_active(const pl_node *node);

/* True if |peer| is in the routing table. */
bool pl_kad_has_contact(const pl_node *node, pl_peer peer);

/* ----------------------------------------------------- pure id functions */

/* Common prefix length of two 32-byte ids, in bits (256 if equal). */
unsigned pl_kad_common_prefix(const uint8_t a[PL_ID_BYTES], const uint8_t b[PL_ID_BYTES]);

/* Compare the XOR distances of |a| and |b| to |target|: negative if |a| is
 * closer, 0 if equal, positive if |b| is closer. */
int pl_kad_distance_cmp(const uint8_t a[PL_ID_BYTES], const uint8_t b[PL_ID_BYTES],
                        const uint8_t target[PL_ID_BYTES]);

/* Bucket index of |id| in the table of |self| with |b| bits per digit:
 * digit level (common prefix / b) times (2^b - 1) plus the rank of |id|'s
 * digit among the 2^b - 1 digits that differ from |self|'s.  With b = 1 it
 * is the common prefix length.  |id| must differ from |self|. */
unsigned pl_kad_bucket_index(const uint8_t self[PL_ID_BYTES], const uint8_t id[PL_ID_BYTES],
                             unsigned b);

#endif /* PL_KAD_H */
