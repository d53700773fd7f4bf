/*
 * pl.h — the public API of the peerlab protocol core.
 *
 * The core is sans-IO: it never reads a clock, opens a socket or a file,
 * draws randomness of its own, or keeps global state.  A host (the
 * simulator in sim/, or a real-socket daemon) owns the world and drives a
 * node through four entry points:
 *
 *   pl_node_new(config, env, self, seed)        create a node
 *   pl_node_receive(node, now, from, bytes, len) a message arrived
 *   pl_node_timer(node, now, timer_id)           a timer it asked for fired
 *   pl_node_command(node, now, command)          the scenario asks it to act
 *
 * and the node calls back through |pl_env|: send bytes, set a timer, draw a
 * random number, report a metric, charge virtual CPU time, and look up the
 * host's identity table.  Peers are 32-bit handles into that table.
 *
 * Errors are negative |pl_error| codes.  Hostile peer input (a malformed,
 * stale, replayed or forged message) is returned as an error and counted;
 * the core never asserts on it and never exits.
 */
#ifndef PL_H
#define PL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define PL_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define PL_WARN_UNUSED
#endif

/* ------------------------------------------------------------------ basics */

/* Virtual time in nanoseconds since the start of a run. */
typedef uint64_t pl_time_ns;

/* A peer: a handle into the host's interned identity table.  Hosts hand
 * out handles below PL_PEER_MAX (16,777,216 identities): the DHT's routing
 * table keeps each contact in 32 bits, its handle in the low 24 and its
 * count of consecutive timeouts in the top 8 (core/kad.c). */
typedef uint32_t pl_peer;
#define PL_PEER_NONE UINT32_MAX
#define PL_PEER_MAX (UINT32_C(1) << 24)

#define PL_KEY_BYTES 32     /* Ed25519 public key */
#define PL_SEED_BYTES 32    /* Ed25519 secret seed */
#define PL_SIG_BYTES 64     /* Ed25519 signature */
#define PL_ID_BYTES 32      /* node id / content id: BLAKE2b-256 */

#define PL_NS_PER_MS UINT64_C(1000000)
#define PL_NS_PER_S UINT64_C(1000000000)

/* Protocol version this build speaks by default (major.minor). */
#define PL_PROTO_MAJOR 1
#define PL_PROTO_MINOR 2

/* ------------------------------------------------------------------ errors */

/*
 * Error codes.  Every code from PL_ERR_TRUNCATED to PL_ERR_PEER_LIMIT is
 * also a *rejection reason*: when a received message is refused for that
 * reason, the node counts it (per node, see pl_node_rejected()) and reports
 * the metric "wire.rejected.<reason>".
 */
typedef enum pl_error {
  PL_OK = 0,
  PL_ERR_TRUNCATED = -1,      /* input ends before a field does */
  PL_ERR_TRAILING = -2,       /* bytes left after the last field */
  PL_ERR_UNKNOWN_TYPE = -3,   /* message type not in the registry */
  PL_ERR_WIRE_VERSION = -4,   /* framing version byte not understood */
  PL_ERR_OVERLONG = -5,       /* a field or the message exceeds its limit */
  PL_ERR_BAD_FIELD = -6,      /* a field value is out of range or not canonical */
  PL_ERR_BAD_SIGNATURE = -7,  /* Ed25519 signature does not verify */
  PL_ERR_BAD_IDENTITY = -8,   /* signer key is not the authenticated sender's */
  PL_ERR_REPLAY = -9,         /* sequence number already seen from this signer */
  PL_ERR_STALE = -10,         /* timestamp outside the accepted window */
  PL_ERR_UNEXPECTED = -11,    /* valid message, not allowed in this state */
  PL_ERR_VERSION = -12,       /* protocol major version mismatch */
  PL_ERR_PEER_LIMIT = -13,    /* connection refused: peer limits reached */
  PL_REJECT_REASONS = 13,     /* number of rejection reasons above */

  PL_ERR_NOMEM = -20,         /* allocation refused / fixed capacity full */
  PL_ERR_NOT_FOUND = -21,     /* no such item */
  PL_ERR_INTEGRITY = -22,     /* stored bytes do not hash to their content id */
  PL_ERR_INVALID = -23,       /* an argument from the host is not valid */
  PL_ERR_BUFFER = -24,        /* output buffer too small */
} pl_error;

/* Static English description of |err|, e.g. "truncated". Never NULL. */
const char *pl_strerror(int err);

/* Short snake_case name of a rejection reason, used in metric names
 * ("truncated", "bad_signature", ...).  |err| is a negative code in
 * [PL_ERR_PEER_LIMIT, PL_ERR_TRUNCATED]; returns NULL for anything else. */
const char *pl_reject_name(int err);

/* Index 0..PL_REJECT_REASONS-1 of a rejection reason (= -err - 1). */
#define PL_REJECT_INDEX(err) ((unsigned)(-(err)) - 1u)

/* ----------------------------------------------------------------- metrics */

/*
 * The core's metric registry.  A node reports values through
 * pl_env.metric_cb(self, metric, value); the host aggregates them.
 * Kinds: COUNTER values are increments, OBSERVATION values are samples
 * of a distribution (e.g. a round-trip time).  The host adds its own
 * metrics after PL_METRIC_COUNT.
 */
typedef enum pl_metric {
  PL_METRIC_MSG_SENT = 0,          /* counter: messages handed to send_cb */
  PL_METRIC_MSG_RECEIVED,          /* counter: messages accepted */
  PL_METRIC_MSG_REJECTED,          /* counter: messages rejected (any reason) */
  PL_METRIC_REJECT_FIRST,          /* counter: first of PL_REJECT_REASONS per-reason counters */
  PL_METRIC_REJECT_LAST = PL_METRIC_REJECT_FIRST + PL_REJECT_REASONS - 1,
  PL_METRIC_HANDSHAKE_OK,          /* counter: handshakes completed */
  PL_METRIC_HANDSHAKE_REFUSED,     /* counter: refused for major version mismatch */
  PL_METRIC_HANDSHAKE_MINOR,       /* observation: negotiated minor version */
  PL_METRIC_HANDSHAKE_FEATURES,    /* observation: popcount of common features */
  PL_METRIC_PEER_CONNECTED,        /* counter: peers that became connected */
  PL_METRIC_PEER_DISCONNECTED,     /* counter: peers dropped (timeout, eviction, goodbye) */
  PL_METRIC_PEER_EVICTED,          /* counter: peers evicted to make room */
  PL_METRIC_PEER_TIMEOUT,          /* counter: peers dropped for missed heartbeats */
  PL_METRIC_PING_RTT_MS,           /* observation: heartbeat round trip, ms */
  PL_METRIC_SIG_SIGNED,            /* counter: signatures made */
  PL_METRIC_SIG_VERIFIED,          /* counter: signatures checked */
  PL_METRIC_CONTENT_STORED,        /* counter: new blobs stored (deduplicated) */
  /* discovery layer (kad.h) */
  PL_METRIC_DHT_LOOKUP_HOPS,       /* observation: hops of a finished lookup (closest result's depth) */
  PL_METRIC_DHT_LOOKUP_LATENCY_MS, /* observation: start to end of a lookup, ms */
  PL_METRIC_DHT_LOOKUP_MESSAGES,   /* observation: requests a finished lookup sent */
  PL_METRIC_DHT_LOOKUP_DONE,       /* counter: lookups finished (any purpose) */
  PL_METRIC_DHT_LOOKUP_DROPPED,    /* counter: lookups refused for max_lookups */
  PL_METRIC_DHT_RPC_TIMEOUT,       /* counter: requests unanswered within rpc_timeout_ns */
  PL_METRIC_DHT_CONTACT_ADDED,     /* counter: contacts inserted into the routing table */
  PL_METRIC_DHT_CONTACT_EVICTED,   /* counter: contacts removed (stale or lost the LRS ping) */
  PL_METRIC_DHT_REJECTED_PUZZLE,   /* counter: contacts refused: id puzzle not solved */
  PL_METRIC_DHT_REJECTED_STAKE,    /* counter: contacts refused: stake below id_min_stake */
  PL_METRIC_DHT_REJECTED_PREFIX,   /* counter: contacts refused: bucket's prefix limit reached */
  PL_METRIC_DHT_RECORDS_STORED,    /* counter: values accepted by STORE (new or newer) */
  PL_METRIC_DHT_RECORDS_EXPIRED,   /* counter: stored values dropped at expiry */
  PL_METRIC_DHT_RECORDS_REJECTED,  /* counter: values refused by a validator (not stale) */
  PL_METRIC_DHT_RECORDS_STALE_REJECTED, /* counter: values refused as stale / expired */
  PL_METRIC_DHT_RECORDS_REPUBLISHED, /* counter: own records re-published */
  PL_METRIC_DHT_RECORDS_FORGED_REJECTED, /* counter: ads refused: bad or missing signature, stake lie */
  PL_METRIC_DHT_RECORDS_INVALID_REJECTED, /* counter: ads refused: malformed or under the wrong key */
  PL_METRIC_DHT_VALUE_FOUND,       /* counter: FIND_VALUE lookups that found a value */
  PL_METRIC_DHT_VALUE_NOT_FOUND,   /* counter: FIND_VALUE lookups that found none */
  PL_METRIC_CAP_ANNOUNCED,         /* counter: capability ads signed and stored */
  PL_METRIC_CAP_FIND_WORKERS,      /* observation: workers a capability find returned */
  /* gossip layer (core/gossip.h); per-message ratios, latency, residue and
   * rounds are the host's (ground truth), from observations */
  PL_METRIC_GOSSIP_PUBLISHED,      /* counter: messages published by this node */
  PL_METRIC_GOSSIP_DELIVERED,      /* counter: first receipts of a message by a subscriber */
  PL_METRIC_GOSSIP_DUPLICATE,      /* counter: copies received of a message already seen */
  PL_METRIC_GOSSIP_MESSAGES_SENT,  /* counter: gossip network messages (batches) sent */
  PL_METRIC_GOSSIP_BYTES_SENT,     /* counter: bytes of gossip network messages sent */
  PL_METRIC_GOSSIP_INVALID_REJECTED, /* counter: published messages refused (bad signature,
                                      * bad content, oversize, stale) */
  PL_METRIC_GOSSIP_TTL_EXPIRED,    /* counter: messages not forwarded: hop TTL used up */
  PL_METRIC_GOSSIP_GRAFT,          /* counter: GRAFTs sent */
  PL_METRIC_GOSSIP_PRUNE,          /* counter: PRUNEs sent */
  PL_METRIC_GOSSIP_IHAVE,          /* counter: message ids advertised in IHAVE */
  PL_METRIC_GOSSIP_IWANT,          /* counter: message ids requested in IWANT */
  PL_METRIC_GOSSIP_BROKEN_PROMISE, /* counter: IWANTs a peer advertised but never answered */
  PL_METRIC_GOSSIP_RECOVERED,      /* counter: deliveries obtained by pull, IWANT or digest */
  PL_METRIC_GOSSIP_GRAYLISTED,     /* counter: batches ignored from a peer below the graylist score */
  PL_METRIC_GOSSIP_DATA_SENT,      /* counter: data items (message copies) sent */
  PL_METRIC_COUNT
} pl_metric;

typedef enum pl_metric_kind {
  PL_METRIC_KIND_COUNTER = 0,
  PL_METRIC_KIND_OBSERVATION = 1,
  PL_METRIC_KIND_GAUGE = 2,   /* sampled by the host at intervals (host metrics only) */
} pl_metric_kind;

/* Dotted name of |metric| ("msg.sent", "wire.rejected.truncated",
 * "ping.rtt_ms", ...).  NULL if out of range. */
const char *pl_metric_name(pl_metric metric);
/* Kind of |metric|. */
pl_metric_kind pl_metric_kind_of(pl_metric metric);

/* ------------------------------------------------------------- signatures */

typedef struct pl_sigcache pl_sigcache; /* core/sigcache.h */

/* ------------------------------------------------------------ observations */

/*
 * What a node tells its host about what it did, for measurement against
 * ground truth only the host has (a lookup's result against the true
 * closest nodes; a delivered message against every subscriber).  An
 * observation never changes the protocol: a host may ignore it.  Layer L
 * owns the kinds [L * PL_OBS_LAYER_RANGE, L * PL_OBS_LAYER_RANGE + 15]
 * (layer ids in wire.h); each layer's header lists its kinds and what
 * |key|, |peers| and |a|..|c| mean for each.
 */
#define PL_OBS_LAYER_RANGE 16

typedef struct pl_observation {
  uint32_t kind;          /* layer * PL_OBS_LAYER_RANGE + layer's own kind */
  const uint8_t *key;     /* 32 bytes (lookup target, message id), or NULL */
  const pl_peer *peers;   /* peers involved (e.g. a lookup's result), or NULL */
  uint32_t n_peers;       /* entries in |peers| */
  uint64_t a, b, c;       /* kind-specific integers (see the layer's header) */
} pl_observation;

/* Observation kinds of the peer layer (PL_LAYER_PEER = 0). */
enum {
  /* This node dropped a connected peer that had answered no PING for
   * peer_timeout (the same event as metric peer.timeout): peers = {that
   * peer}, n_peers = 1. */
  PL_OBS_PEER_TIMEOUT = 0 * PL_OBS_LAYER_RANGE,
};

/* Observation kinds of the gossip layer (PL_LAYER_GOSSIP = 2; see
 * core/gossip.h for when each is reported). */
enum {
  /* This node published: key = message id, a = topic, b = publish time
   * (the signed timestamp), ns, c = payload bytes. */
  PL_OBS_GOSSIP_PUBLISHED = 2 * PL_OBS_LAYER_RANGE,
  /* First receipt by a subscriber of the topic (the publisher itself is
   * not reported): key = id, a = hops travelled, b = publish time, ns,
   * c = gossip rounds since publication along the path (round-based modes;
   * = hops in flood and mesh modes). */
  PL_OBS_GOSSIP_DELIVERED,
  /* A copy of a message this node has already seen: key = id, a = hops. */
  PL_OBS_GOSSIP_DUPLICATE,
  /* This node subscribed to topic a / unsubscribed from topic a. */
  PL_OBS_GOSSIP_SUBSCRIBED,
  PL_OBS_GOSSIP_UNSUBSCRIBED,
};

/* ------------------------------------------------------------ environment */

typedef struct pl_node pl_node;

/*
 * What a host gives every node.  One pl_env is shared by all nodes of a
 * host; the node passes its own handle |self| to each callback, and
 * |user_data| is the host's pointer, passed last.
 *
 * Ownership: send_cb must copy |bytes| before returning.  Pointers returned
 * by peer_key_cb / peer_id_cb stay valid for the life of the host.
 */
typedef struct pl_env {
  /* Hand |len| bytes to the transport, addressed to |to|. */
  void (*send_cb)(pl_peer self, pl_peer to, const uint8_t *bytes, size_t len,
                  void *user_data);
  /* Ask for pl_node_timer(node, t, timer_id) at virtual time |at_ns|
   * (>= now).  Timers are one-shot and never cancel each other; a node
   * ignores a fire it no longer wants. */
  void (*timer_cb)(pl_peer self, pl_time_ns at_ns, uint32_t timer_id,
                   void *user_data);
  /* Next 64 random bits from this node's own stream. */
  uint64_t (*random_cb)(pl_peer self, void *user_data);
  /* Report |value| for |metric| (see pl_metric). */
  void (*metric_cb)(pl_peer self, pl_metric metric, double value,
                    void *user_data);
  /* Charge |cost_ns| of virtual CPU time to this node (signing, verifying,
   * hashing, work).  NULL: CPU is free. */
  void (*cpu_cb)(pl_peer self, pl_time_ns cost_ns, void *user_data);
  /* 32-byte Ed25519 public key of |peer|, or NULL if |peer| is unknown. */
  const uint8_t *(*peer_key_cb)(pl_peer peer, void *user_data);
  /* 32-byte node id (BLAKE2b-256 of the key) of |peer|, or NULL. */
  const uint8_t *(*peer_id_cb)(pl_peer peer, void *user_data);
  /* Handle for the public key |key|, interning it if new; PL_PEER_NONE if
   * the table is full. */
  pl_peer (*peer_intern_cb)(const uint8_t key[PL_KEY_BYTES], void *user_data);
  /* Optional batch of peer_intern_cb: handles for the |n| public keys at
   * |keys|, |keys| + |stride|, ... into |out|, exactly as |n| calls of
   * peer_intern_cb in that order would give them (new keys are interned
   * in order).  A host whose table is cold in cache can start every key's
   * memory access before waiting for the first.  NULL: the core calls
   * peer_intern_cb once per key. */
  void (*peer_intern_n_cb)(const uint8_t *keys, size_t stride, unsigned n, pl_peer *out,
                           void *user_data);
  /* Report |obs| (borrowed for the call) for measurement; NULL: nobody
   * listens (see pl_observation). */
  void (*observe_cb)(pl_peer self, const pl_observation *obs, void *user_data);
  /* Network prefix of |peer| (e.g. its /24), for the DHT's per-bucket
   * prefix limit; NULL: every peer has its own prefix. */
  uint32_t (*peer_prefix_cb)(pl_peer peer, void *user_data);
  /* Stake bound to |peer|'s id, milli-credits (the host's ledger oracle
   * until the settlement layer exists), for the DHT's id_min_stake; NULL:
   * every stake is 0. */
  uint64_t (*peer_stake_cb)(pl_peer peer, void *user_data);
  /* Id-puzzle nonce of |peer| (core/idcost.h) that the host's identity
   * table holds for it: a node sends its own in every DHT message and
   * forwards it with each contact (the host's table stands in for the
   * nonce a real node would keep per contact).  NULL: every nonce is 0. */
  uint64_t (*peer_nonce_cb)(pl_peer peer, void *user_data);
  /* Optional memo of signature verdicts, owned by the host; NULL to
   * verify every signature directly. */
  pl_sigcache *sigcache;
  /* Host pointer handed back to every callback. */
  void *user_data;
} pl_env;

/* ------------------------------------------------------------------ config */

/* Discovery mode of the discovery layer (PL_LAYER_DISCOVERY). */
typedef enum pl_kad_mode {
  PL_KAD_OFF = 0,          /* no discovery layer (the default) */
  PL_KAD_KADEMLIA,         /* Kademlia DHT (core/kad.h) */
  PL_KAD_RENDEZVOUS,       /* rendezvous (HRW) hashing over known peers (core/rendezvous.h);
                              the kad messages and value store still run */
} pl_kad_mode;

/*
 * Parameters of the discovery layer (docs/kad.md).  Zero in a field that
 * the defences use switches that defence off.
 */
typedef struct pl_kad_config {
  pl_kad_mode mode;                 /* PL_KAD_OFF disables the layer */
  uint8_t k;                        /* lookup result size and replication factor */
  uint8_t bucket_size;              /* contacts per k-bucket (usually k) */
  uint8_t alpha;                    /* parallel requests per lookup path */
  uint8_t b;                        /* bits per digit (1 = plain Kademlia; accelerated 2..4) */
  uint8_t d;                        /* disjoint lookup paths (1 = plain; S/Kademlia >= 2) */
  uint8_t stale_failures;           /* consecutive timeouts after which a contact is dropped */
  uint8_t prefix_limit;             /* contacts per bucket from one network prefix, 0 = no limit */
  uint8_t sibling_size;             /* sibling list length (closest to own id), 0 = none */
  uint8_t replacement_cache;        /* 0: a full bucket pings its least-recently-seen contact
                                       for a newcomer (paper section 2.2); N > 0: no ping, the
                                       newcomer waits in a cache of the N latest, and replaces a
                                       contact that goes stale (section 4.1) */
  uint8_t id_puzzle_bits;           /* id puzzle difficulty, leading zero bits, 0 = off */
  uint8_t join;                     /* 1: at start, learn the bootstrap peers and look up own id */
  uint16_t max_lookups;             /* lookups in flight per node; more are refused */
  uint16_t max_records;             /* values a node stores for others at most */
  uint64_t id_min_stake;            /* minimum stake of a contact, milli-credits, 0 = off */
  pl_time_ns rpc_timeout_ns;        /* a request unanswered this long has failed */
  pl_time_ns refresh_interval_ns;   /* refresh a bucket untouched this long (0 = never) */
  pl_time_ns record_ttl_ns;         /* default lifetime of a stored value */
  pl_time_ns republish_interval_ns; /* re-publish own values this often (0 = never) */
  uint8_t max_values_per_key;       /* values stored under one key at most (one per owner) */
  /* capability ads (core/capability.h) */
  uint8_t cap_classes;              /* classes per dimension (speed, price) */
  uint8_t cap_find_keys_max;        /* FIND_VALUE keys per find at most */
  uint32_t cap_speed_base;          /* upper bound of speed class 0 (classes double above) */
  uint64_t cap_price_base_mcc;      /* upper bound of price class 0, milli-credits */
  pl_time_ns cap_ttl_ns;            /* lifetime of an ad */
  pl_time_ns cap_reannounce_ns;     /* re-announce period (< cap_ttl_ns) */
  pl_time_ns cap_clock_skew_ns;     /* future last_seen tolerated in an ad */
} pl_kad_config;

/* How to choose a peer to drop when a new one must be admitted. */
typedef enum pl_eviction {
  PL_EVICT_NONE = 0,        /* refuse the newcomer instead */
  PL_EVICT_OLDEST,          /* drop the longest-connected peer */
  PL_EVICT_LOWEST_TRUST,    /* drop the peer with the lowest trust score */
  PL_EVICT_RANDOM,          /* drop a uniformly drawn peer */
} pl_eviction;

/* Roles a node plays in the marketplace (bit mask). */
enum {
  PL_ROLE_REQUESTER = 1u << 0,
  PL_ROLE_WORKER = 1u << 1,
  PL_ROLE_VERIFIER = 1u << 2,
};

/* Feature flags negotiated in the handshake (bit mask).  Bits a node does
 * not know are carried and intersected like any other. */
enum {
  PL_FEATURE_PEER_EXCHANGE = 1u << 0, /* answers PEERS_REQ */
  PL_FEATURE_BATCHING = 1u << 1,      /* reserved: gossip batching */
  PL_FEATURE_COMPRESSION = 1u << 2,   /* reserved: payload compression */
};

/* Dissemination modes of the gossip layer (docs/gossip.md). */
typedef enum pl_gossip_mode {
  PL_GOSSIP_OFF = 0,        /* no gossip layer (its messages are unknown types) */
  PL_GOSSIP_PUSH,           /* anti-entropy push: each round push held messages to partners */
  PL_GOSSIP_PULL,           /* anti-entropy pull: each round send a digest, get what is missing */
  PL_GOSSIP_PUSH_PULL,      /* both, in one exchange per partner per round */
  PL_GOSSIP_RUMOR,          /* rumour mongering: push hot rumours until they lose interest */
  PL_GOSSIP_FLOOD,          /* forward on first receipt to |fanout| random peers, TTL in hops */
  PL_GOSSIP_MESH,           /* gossipsub-like mesh: D, GRAFT/PRUNE, IHAVE/IWANT, scores */
  PL_GOSSIP_MODE_COUNT
} pl_gossip_mode;

/* When a rumour monger loses interest (PL_GOSSIP_RUMOR). */
typedef enum pl_gossip_rumor_stop {
  PL_GOSSIP_STOP_COUNTER = 0, /* after |rumor_k| unnecessary contacts */
  PL_GOSSIP_STOP_COIN = 1,    /* with probability 1/|rumor_k| per unnecessary contact */
} pl_gossip_rumor_stop;

/*
 * Gossip configuration (embedded in pl_config; defaults in
 * pl_config_defaults, documented in docs/gossip.md).  Round-based modes
 * use |heartbeat_ns| as the round length.
 */
typedef struct pl_gossip_config {
  pl_gossip_mode mode;          /* PL_GOSSIP_OFF disables the layer */
  pl_time_ns heartbeat_ns;      /* mesh heartbeat / epidemic round length, ns */
  pl_time_ns batch_window_ns;   /* queued items to a peer leave at most this long after
                                 * the first was queued, ns; 0 = at the end of the event
                                 * that queued them */
  pl_time_ns seen_ttl_ns;       /* seen-cache expiry; older messages are refused as stale, ns */
  pl_time_ns store_ttl_ns;      /* messages are held (for pull, IWANT, anti-entropy) this
                                 * long after publication (<= seen_ttl_ns), ns */
  pl_time_ns anti_entropy_ns;   /* digest exchange with one random peer this often, ns;
                                 * 0 = off (PULL and PUSH_PULL exchange digests every round) */
  uint32_t seen_max;            /* seen-cache capacity, entries (oldest evicted first) */
  uint32_t store_max;           /* messages held at most (oldest dropped first) */
  uint16_t max_payload_bytes;   /* largest payload a node publishes or accepts, bytes
                                 * (<= PL_GOSSIP_PAYLOAD_MAX) */
  uint8_t ttl_hops;             /* hops a message travels at most (1..255) */
  uint8_t fanout;               /* FLOOD: peers per forward; MESH: fanout peers per
                                 * unsubscribed topic published to */
  uint8_t partners;             /* epidemic modes: partners contacted per round */
  uint8_t rounds_max;           /* PUSH / PUSH_PULL: rounds a node pushes a message after
                                 * receiving it (then only serves it to pulls) */
  uint8_t rumor_k;              /* RUMOR: the k of counter / coin (>= 1) */
  uint8_t rumor_stop;           /* RUMOR: pl_gossip_rumor_stop */
  uint8_t rumor_blind;          /* RUMOR: 1 = every contact counts as unnecessary (blind),
                                 * 0 = only contacts with a partner that knew (feedback) */
  uint8_t mesh_d;               /* MESH: target mesh degree D */
  uint8_t mesh_d_low;           /* MESH: graft up to D when the mesh is below this */
  uint8_t mesh_d_high;          /* MESH: prune down to D when the mesh is above this */
  uint8_t mesh_d_lazy;          /* MESH: non-mesh peers sent IHAVE per heartbeat */
  uint8_t mcache_len;           /* MESH: heartbeats a message stays in the message cache */
  uint8_t mcache_gossip;        /* MESH: newest heartbeats of the cache advertised in IHAVE */
  uint8_t prune_backoff_hb;     /* MESH: heartbeats a pruned peer may not be regrafted */
  uint8_t max_topics;           /* topics a node subscribes to / tracks per peer at most */
  uint8_t score_enabled;        /* MESH: 1 = peer scores from delivery behaviour */
  uint8_t score_mesh_share;     /* MESH: percent (0-100) of the messages this node received
                                 * that a mesh peer owes as mesh deliveries; below it the
                                 * squared deficit is a penalty (gossipsub's P3 and P3b,
                                 * docs/gossip.md); 0 = off */
  uint8_t score_mesh_activation; /* MESH: heartbeats in our mesh before that applies */
  int32_t score_gossip_threshold; /* MESH: no IHAVE / IWANT with peers below this score */
  int32_t score_graylist;       /* MESH: ignore every batch from peers below this score */
} pl_gossip_config;

/*
 * Node configuration.  One pl_config is shared by every node of a
 * population, so a node keeps a pointer to it, never a copy; the host keeps
 * it alive and unchanged while any node uses it.
 */
typedef struct pl_config {
  uint8_t version_major;            /* protocol major version spoken */
  uint8_t version_minor;            /* highest minor version spoken */
  uint8_t version_minor_min;        /* lowest minor version still accepted */
  uint32_t features;                /* PL_FEATURE_* offered */
  uint32_t roles;                   /* PL_ROLE_* played */

  uint16_t target_peers;            /* connections the node tries to keep */
  uint16_t max_peers;               /* hard cap on connected + connecting peers */
  uint16_t max_inbound;             /* cap on peers that connected to us */
  uint16_t max_outbound;            /* cap on peers we connected to */
  pl_eviction eviction;             /* who makes room for a new inbound peer */

  pl_time_ns heartbeat_interval_ns; /* PING to each peer this often */
  pl_time_ns peer_timeout_ns;       /* drop a peer silent this long */
  pl_time_ns handshake_timeout_ns;  /* give up on an unanswered HELLO */
  pl_time_ns maintenance_interval_ns; /* refill below target / reconnect this often */
  pl_time_ns replay_window_ns;      /* accept signed timestamps within +- this */

  pl_time_ns sign_cost_ns;          /* virtual CPU charged per signature made */
  pl_time_ns verify_cost_ns;        /* virtual CPU charged per signature checked */
  pl_time_ns hash_cost_ns_per_kib;  /* virtual CPU charged per KiB hashed */

  const pl_peer *bootstrap;         /* bootstrap peers (not owned, shared) */
  uint32_t n_bootstrap;             /* entries in |bootstrap| */

  pl_kad_config kad;                /* discovery layer (off by default) */
  pl_gossip_config gossip;          /* gossip layer; mode PL_GOSSIP_OFF = absent */
} pl_config;

/* Fill |config| with the documented defaults (docs/core.md). */
void pl_config_defaults(pl_config *config);

/* --------------------------------------------------------------- commands */

/* What the scenario can ask a node to do. */
typedef enum pl_command_kind {
  PL_CMD_PING = 1,        /* ping |peer|, or a random connected peer if PL_PEER_NONE */
  PL_CMD_CONNECT,         /* open a connection to |peer| */
  PL_CMD_DISCONNECT,      /* close the connection to |peer| (GOODBYE) */
  PL_CMD_PEER_EXCHANGE,   /* ask |peer| (or a random peer) for more peers */
  /* discovery layer (PL_LAYER_DISCOVERY, kinds 16..31; see core/kad.h) */
  PL_CMD_KAD_LOOKUP = 16, /* node lookup of |data| (32-byte target; len 0: a random target) */
  PL_CMD_KAD_STORE,       /* publish |data| = 32-byte key + value, lifetime |arg| ns (0: record_ttl_ns) */
  PL_CMD_KAD_FIND_VALUE,  /* find the values under |data| (32-byte key); |arg| values wanted (0: 1) */
  PL_CMD_KAD_PING,        /* KAD_PING |peer| */
  PL_CMD_KAD_REFRESH,     /* refresh every bucket now */
  /* kinds 24..31: capability ads (core/capability.h, a pl_kad_app) */
  PL_CMD_KAD_ANNOUNCE = 24, /* announce a capability ad and keep re-announcing (capability.h) */
  PL_CMD_KAD_FIND_WORKERS,  /* find workers meeting a need (capability.h) */
  /* gossip layer (kinds 32..47): |arg| is the topic (< 2^32) */
  PL_CMD_GOSSIP_SUBSCRIBE = 32,   /* subscribe to topic |arg| */
  PL_CMD_GOSSIP_UNSUBSCRIBE = 33, /* unsubscribe from topic |arg| */
  PL_CMD_GOSSIP_PUBLISH = 34,     /* publish |len| payload bytes (|data|, or zeros if
                                   * NULL) on topic |arg| */
} pl_command_kind;

typedef struct pl_command {
  pl_command_kind kind;   /* what to do */
  pl_peer peer;           /* target, or PL_PEER_NONE for "choose one" */
  uint64_t arg;           /* command-specific integer argument */
  const uint8_t *data;    /* command-specific bytes (borrowed for the call) */
  size_t len;             /* bytes in |data| */
} pl_command;

/* ------------------------------------------------------------- strategies */

/*
 * A Byzantine strategy overrides named decision points of an otherwise
 * unmodified node.  Every member may be NULL, which means "decide
 * honestly".  The strategy never touches another node's memory: whatever it
 * does travels as messages.  |state| is the strategy's own pointer.
 * Decision points are listed in docs/core.md.
 */
typedef struct pl_strategy {
  const char *name;                /* e.g. "silent", "version-liar" */
  /* Answer a PING (or a DHT KAD_PING) from |from|?  Return false to stay
   * silent. */
  bool (*answer_ping)(pl_node *node, pl_peer from, void *state);
  /* Version to advertise in HELLO (default: the config's). */
  void (*hello_version)(pl_node *node, uint8_t *major, uint8_t *minor,
                        uint32_t *features, void *state);
  /* Fill |out| (room for |max|) with the peers to return to a
   * PEERS_REQ from |from|; return how many.  Negative: answer honestly. */
  int (*peer_exchange)(pl_node *node, pl_peer from, pl_peer *out,
                       uint32_t max, void *state);
  /* DHT: fill |out| (room for |max|) with the contacts to answer a
   * FIND_NODE (or a FIND_VALUE without values) for |target| from |from|;
   * return how many.  Negative: answer honestly. */
  int (*kad_find_node)(pl_node *node, pl_peer from, const uint8_t target[PL_ID_BYTES],
                       pl_peer *out, uint32_t max, void *state);
  /* DHT: keep the value a STORE from |from| brings under |key|?  Return
   * false to drop it (the STORE is still acknowledged as stored). */
  bool (*kad_accept_store)(pl_node *node, pl_peer from, const uint8_t key[PL_ID_BYTES],
                           void *state);
  /* DHT: forge the answer to a FIND_VALUE for |key| from |from|: write up
   * to |max| values into |buf| (|cap| bytes), back to back, their lengths
   * into |lens|, and return how many (>= 1: sent as the values; 0: answer
   * with contacts, through kad_find_node).  Negative: answer honestly. */
  int (*kad_find_value)(pl_node *node, pl_peer from, const uint8_t key[PL_ID_BYTES],
                        uint8_t *buf, size_t cap, uint16_t *lens, uint32_t max,
                        void *state);
  /* Gossip: relay message |id| of |topic|, first received at |now| from
   * |from| (PL_PEER_NONE for the node's own publication)?  false: deliver
   * it locally but never forward, advertise (IHAVE, digests) or serve it
   * (IWANT, pulls) — a censoring relay, or a covert flash after its time. */
  bool (*gossip_relay)(pl_node *node, pl_time_ns now, const uint8_t *id, uint32_t topic,
                       pl_peer from, void *state);
  /* Gossip: publish the message being published now on |topic| with a
   * broken signature?  (spam with invalid signatures) */
  bool (*gossip_corrupt)(pl_node *node, pl_time_ns now, uint32_t topic, void *state);
  /* Gossip: extra copies of every data item sent to |to| (duplicate
   * flooding); 0 = honest. */
  uint32_t (*gossip_copies)(pl_node *node, pl_time_ns now, pl_peer to, void *state);
  /* Gossip mesh: GRAFT |peer| into the mesh of |topic| now?  Asked at each
   * heartbeat for every connected peer outside the mesh, and when |peer|
   * PRUNEs us.  > 0: graft now, ignoring degree bounds and backoff (and a
   * PRUNE is ignored); 0: do not; < 0: decide honestly (mesh Sybils). */
  int (*gossip_graft)(pl_node *node, pl_time_ns now, uint32_t topic, pl_peer peer,
                      void *state);
  void *state;                     /* strategy's own data, owned by the host */
} pl_strategy;

/* --------------------------------------------------------------- node API */

/*
 * Create a node.  |config| and |env| must outlive the node (they are
 * shared, not copied).  |self| is the node's own handle, which the host
 * interned from the public key derived from |seed| (see
 * pl_identity_from_seed).  The node keeps its 32-byte |seed| to sign.
 * Returns NULL only on allocation failure.  Free with pl_node_free().
 */
pl_node *pl_node_new(const pl_config *config, const pl_env *env, pl_peer self,
                     const uint8_t seed[PL_SEED_BYTES]);

/* Free |node| and everything it owns.  NULL is ignored. */
void pl_node_free(pl_node *node);

/* Begin life at |now|: connect to bootstrap peers, arm timers. */
void pl_node_start(pl_node *node, pl_time_ns now);

/* Stop at |now| politely: say GOODBYE to every peer.  (A crash is the host
 * simply freeing the node.) */
void pl_node_stop(pl_node *node, pl_time_ns now);

/*
 * A message of |len| bytes arrived at |now| from the authenticated sender
 * |from|.  Returns PL_OK, or the negative rejection reason (already counted
 * and reported).  |bytes| is borrowed for the call.
 */
int pl_node_receive(pl_node *node, pl_time_ns now, pl_peer from,
                    const uint8_t *bytes, size_t len);

/* The timer |timer_id| the node asked for fired at |now|. */
void pl_node_timer(pl_node *node, pl_time_ns now, uint32_t timer_id);

/* Carry out |command| at |now|.  Returns PL_OK or a negative error
 * (PL_ERR_NOT_FOUND when there is no peer to act on, PL_ERR_INVALID for a
 * command this node cannot do). */
int pl_node_command(pl_node *node, pl_time_ns now, const pl_command *command);

/* Whether a node configured by |config| runs the layer that takes command
 * |kind| (each layer owns a range of kinds; a layer that is off, such as
 * discovery with kad.mode off, takes none). */
bool pl_config_runs_command(const pl_config *config, uint32_t kind);

/* The name of the layer that takes command |kind| ("peer", "kad",
 * "gossip"), or NULL if no layer does. */
const char *pl_command_layer_name(uint32_t kind);

/* Install a Byzantine strategy (NULL restores honest behaviour). */
void pl_node_set_strategy(pl_node *node, const pl_strategy *strategy);

/* This node's handle. */
pl_peer pl_node_self(const pl_node *node);

/* Number of peers with a completed handshake. */
uint32_t pl_node_peer_count(const pl_node *node);

/* Copy up to |max| connected peer handles, in connection order, into
 * |out|; return how many. */
uint32_t pl_node_peers(const pl_node *node, pl_peer *out, uint32_t max);

/* Minor version negotiated with connected |peer|, or -1 if not connected. */
int pl_node_peer_minor(const pl_node *node, pl_peer peer);

/* Messages this node rejected for reason |err| (a PL_ERR_* rejection). */
uint32_t pl_node_rejected(const pl_node *node, int err);

/* Bytes of memory this node holds (struct, tables, caches), for the
 * per-node memory figure. */
size_t pl_node_memory(const pl_node *node);

#ifdef __cplusplus
}
#endif
#endif /* PL_H */
