/*
 * node_internal.h — the node struct and the layer interface.
 *
 * A node is a stack of layers.  Each layer (peer management now;
 * discovery, gossip, trust, market, channels, disputes later) is one file
 * pair exporting one `const pl_layer pl_<name>_layer`, and owns:
 *
 *   - a range of message types (wire.h: PL_WIRE_LAYER_RANGE numbers from
 *     layer * 16), listed in the registry in wire.c;
 *   - the timer ids whose top 8 bits are its layer id (it sees the low 24);
 *   - a range of command kinds (PL_LAYER_CMD_RANGE numbers from
 *     layer * 16; the peer layer's are pl.h's PL_CMD_*);
 *   - its own state, allocated by its init and freed by its clear.
 *
 * The node dispatches a received message to the layer that the registry
 * names as the owner of its type (for a SIGNED envelope: of its inner
 * type, after the node has checked freshness, replay and signature), a
 * timer to the layer in the id's top byte, and a command to the layer
 * whose range holds the kind.  Layers talk to the world only through the
 * helpers below (send, timers, random, metrics, signing), which do the
 * bookkeeping (msg.sent, sig.signed, CPU charges) in one place.
 *
 * Adding a layer: write core/<name>.c/.h with its pl_layer, add its rows
 * to the registry in wire.c, add `[PL_LAYER_X] = &pl_<name>_layer` to the
 * layer table in node.c, and the .c to core/meson.build.  Nothing else
 * changes.  docs/core.md has the walk-through.
 */
#ifndef PL_NODE_INTERNAL_H
#define PL_NODE_INTERNAL_H

#include "handshake.h"
#include "pl.h"
#include "wire.h"

/* Command kinds per layer: layer L owns kinds [L*16, L*16+15] (the peer
 * layer's kinds 1..4 are pl.h's PL_CMD_*). */
#define PL_LAYER_CMD_RANGE 16

/* Bits of a timer id below the layer byte. */
#define PL_TIMER_LAYER_SHIFT 24
#define PL_TIMER_LOCAL_MASK 0x00ffffffu

/*
 * One layer of the node.  Every member except |name| may be NULL.  |state|
 * is the layer's own state as returned by |init|.
 */
typedef struct pl_layer {
  const char *name;  /* "peer", "kad", ... */
  /* Whether a node with |config| runs this layer (NULL: always).  A
   * disabled layer gets no state and no calls; its messages are refused
   * as PL_ERR_UNKNOWN_TYPE. */
  bool (*enabled)(const pl_config *config);
  /* Allocate the layer's state for |node| (config and env are available
   * through the node).  Return NULL only on allocation failure. */
  void *(*init)(pl_node *node);
  /* Free |state|. */
  void (*clear)(pl_node *node, void *state);
  /* The node starts / stops at |now| (in layer order; stop in reverse). */
  void (*start)(pl_node *node, void *state, pl_time_ns now);
  void (*stop)(pl_node *node, void *state, pl_time_ns now);
  /* A decoded message of one of this layer's types arrived from |from|.
   * For a SIGNED envelope |msg->type| is PL_MSG_SIGNED and the inner type
   * is msg->u.envelope.inner_type; the envelope is already verified.
   * Returns PL_OK or a rejection reason (the node counts it). */
  int (*receive)(pl_node *node, void *state, pl_time_ns now, pl_peer from,
                 const pl_msg *msg);
  /* A timer of this layer fired; |local_id| is the id's low 24 bits. */
  void (*timer)(pl_node *node, void *state, pl_time_ns now, uint32_t local_id);
  /* Carry out a command whose kind is in this layer's range. */
  int (*command)(pl_node *node, void *state, pl_time_ns now, const pl_command *command);
  /* A peer completed its handshake / was dropped. */
  void (*peer_up)(pl_node *node, void *state, pl_time_ns now, pl_peer peer);
  void (*peer_down)(pl_node *node, void *state, pl_time_ns now, pl_peer peer);
  /* Bytes of memory |state| holds (its struct included). */
  size_t (*memory)(const pl_node *node, const void *state);
  /* Optional: message |msg| (decoded, not yet checked) from |from| for
   * this layer is about to be checked (session, envelope) and then
   * received: start loading what |receive| reads first, so that those
   * misses overlap with the checks' instead of following them.  Reads
   * only what it bounds-checks itself; changes nothing. */
  void (*prefetch)(const pl_node *node, const void *state, pl_peer from, const pl_msg *msg);
  /* The fields every message reads are the state's first |hot_len| bytes
   * (0: 64); pl_node_prefetch_states loads them before the node's next
   * event. */
  uint16_t hot_len;
} pl_layer;

/* Hook returning a trust score for |peer| (higher = more trusted), used by
 * PL_EVICT_LOWEST_TRUST.  Installed by the trust layer. */
typedef uint32_t (*pl_score_fn)(pl_node *node, pl_peer peer, void *user_data);

/* The node.  Layers read the public fields; only node.c writes them. */
struct pl_node {
  const pl_config *config;      /* shared population config (not owned) */
  const pl_env *env;            /* host callbacks (not owned) */
  const pl_strategy *strategy;  /* Byzantine strategy, NULL = honest (not owned) */
  const uint8_t *key;           /* own public key, from env->peer_key_cb (host-owned) */
  pl_score_fn score_fn;         /* eviction trust hook, NULL = equal scores */
  void *score_user_data;        /* handed to |score_fn| */
  void *layer_state[PL_LAYER_MAX]; /* each layer's state, NULL for absent layers */
  uint64_t seq_out;             /* last sequence number used to seal an envelope */
  pl_record record;             /* own signed node record for the config's offer (80 bytes) */
  pl_record *alt_record;        /* record for a strategy's differing offer (heap, NULL until
                                   needed; counted by pl_node_memory) */
  uint64_t record_seq_last;     /* record_seq of the newest record signed, ns */
  uint32_t rejected[PL_REJECT_REASONS]; /* messages rejected, per reason */
  pl_peer self;                 /* own handle */
  uint8_t running;              /* 1 between start and stop */
  uint8_t records_signed;       /* bit 0: |record| is signed, bit 1: |alt_record| is */
  uint8_t records_owed;         /* of those, signed at start but not computed yet (same bits) */
  uint8_t seed[PL_SEED_BYTES];  /* own signing seed */
};

/* ------------------------------------------------ helpers for the layers */

/* Send |len| bytes to |to| (counts msg.sent). */
void pl_node_send(pl_node *node, pl_peer to, const uint8_t *bytes, size_t len);

/* Ask for timer |local_id| (< 2^24) of |layer| at |at_ns|. */
void pl_node_set_timer(pl_node *node, pl_layer_id layer, pl_time_ns at_ns, uint32_t local_id);

/* Next 64 bits of the node's random stream. */
uint64_t pl_node_random(pl_node *node);

/* Uniform draw in [0, n) from the node's random stream (n >= 1). */
uint32_t pl_node_random_below(pl_node *node, uint32_t n);

/* Report |value| for |metric|. */
void pl_node_metric(pl_node *node, pl_metric metric, double value);

/* Report |obs| to the host (env->observe_cb; nothing if NULL). */
void pl_node_observe(pl_node *node, const pl_observation *obs);

/* Charge |cost_ns| of virtual CPU. */
void pl_node_charge_cpu(pl_node *node, pl_time_ns cost_ns);

/* Public key of |peer| (env->peer_key_cb), NULL if unknown. */
const uint8_t *pl_node_peer_key(const pl_node *node, pl_peer peer);

/* Sign |len| bytes with the node's key into |sig|: charges sign_cost_ns and
 * counts sig.signed. */
void pl_node_sign(pl_node *node, const uint8_t *msg, size_t len, uint8_t sig[PL_SIG_BYTES]);

/* Charge sign_cost_ns and count sig.signed, for a signature made by a
 * pure function (pl_record_sign, pl_envelope_seal). */
void pl_node_note_sign(pl_node *node);

/* Charge verify_cost_ns and count sig.verified, for a verification done
 * by a pure function (pl_hello_check). */
void pl_node_note_verify(pl_node *node);

/*
 * Byzantine decision point "hello_version": the offer this node advertises
 * in its record and negotiates with.  Honest: the config's (version,
 * minor_min, features).  A strategy may change major, minor and features;
 * minor_min is lowered to minor if needed.
 */
pl_offer pl_node_offer(pl_node *node);

/*
 * The node's signed record for the offer it advertises now
 * (pl_node_offer).  Signed once at start and cached; signed again (charging
 * sign_cost_ns, counting sig.signed) only when the advertised offer
 * changes: a strategy's differing offer gets its own cached record, and a
 * record is re-signed if another one was signed after it, so the record
 * sent is always the newest (receivers refuse an older one as a replay).
 * record_seq = the virtual time of signing (max(now, last + 1)), so it
 * increases across restarts of the same identity.  Never NULL; the
 * pointer is valid until the next call.
 */
const pl_record *pl_node_record(pl_node *node, pl_time_ns now);

/* Verify through the memo: charges verify_cost_ns, counts sig.verified.
 * Returns PL_OK or PL_ERR_BAD_SIGNATURE. */
PL_WARN_UNUSED int pl_node_verify(pl_node *node, const uint8_t key[PL_KEY_BYTES],
                                  const uint8_t *msg, size_t len,
                                  const uint8_t sig[PL_SIG_BYTES]);

/*
 * Seal |len| bytes of |payload| as a SIGNED envelope with inner type
 * |inner_type| at |now| into |buf| (|cap| bytes), with the node's next
 * sequence number (max(last + 1, now): increasing across restarts of the
 * same identity because virtual time is).  Charges the signing cost.
 * Returns the length or the error of pl_envelope_seal.
 */
PL_WARN_UNUSED int pl_node_seal(pl_node *node, pl_time_ns now, uint8_t inner_type,
                                const uint8_t *payload, size_t len, uint8_t *buf,
                                size_t cap);

/*
 * Check a decoded SIGNED envelope |msg| that arrived at |now| from |from|:
 * timestamp within replay_window_ns (PL_ERR_STALE); if the signer is the
 * sender and it is a connected peer, a sequence number above the highest
 * accepted from it (PL_ERR_REPLAY); the signature (PL_ERR_BAD_SIGNATURE,
 * charging the verify cost).  On PL_OK the sequence number is recorded.
 * The node calls this before handing an envelope to its layer; envelopes
 * relayed by others (signer != sender) get their dedup from the layer.
 */
PL_WARN_UNUSED int pl_node_open_envelope(pl_node *node, pl_time_ns now, pl_peer from,
                                         const pl_msg *msg);

/* Performance hints for hosts, no effect on behaviour.  |node| is about
 * to receive a message or a timer: pl_node_prefetch starts loading its
 * struct into the cache; pl_node_prefetch_states its layers' states,
 * whose addresses are in the struct, so it waits for the struct's first
 * two lines if they are not cached yet: call it a while after
 * pl_node_prefetch (the host's event loop calls one before dispatching
 * the current event and the other after it). */
void pl_node_prefetch(const pl_node *node);
void pl_node_prefetch_states(const pl_node *node);

/* The state of |layer| in |node| (NULL if the layer is absent). */
void *pl_node_layer_state(const pl_node *node, pl_layer_id layer);

/* Install the eviction trust hook (NULL restores equal scores). */
void pl_node_set_score_hook(pl_node *node, pl_score_fn fn, void *user_data);

/* Tell every layer that |peer| is up / down (called by the peer layer). */
void pl_node_peer_up(pl_node *node, pl_time_ns now, pl_peer peer);
void pl_node_peer_down(pl_node *node, pl_time_ns now, pl_peer peer);

#endif /* PL_NODE_INTERNAL_H */
