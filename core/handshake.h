/*
 * handshake.h — version negotiation and HELLO authentication, as pure
 * functions.
 *
 * A node offers (major, minor, minor_min, features).  Two offers agree
 * when the majors are equal and the lower of the two minors is at least
 * both minor_mins; the session then speaks that minor and the intersection
 * of the feature masks.  The rule is symmetric, so both ends compute the
 * same agreement from the same two HELLOs.
 *
 * A HELLO (or HELLO_ACK) is signed over its first
 * PL_WIRE_HELLO_SIGNED_BYTES followed by the receiver's public key: a
 * HELLO addressed to one node does not verify at any other.  A receiver
 * checks, cheapest first: the key is the authenticated sender's
 * (PL_ERR_BAD_IDENTITY), the timestamp is within the replay window
 * (PL_ERR_STALE), the nonce was not accepted from that sender before
 * (PL_ERR_REPLAY), and the signature verifies (PL_ERR_BAD_SIGNATURE).
 */
#ifndef PL_HANDSHAKE_H
#define PL_HANDSHAKE_H

#include "pl.h"
#include "wire.h"

/* What one end offers. */
typedef struct pl_offer {
  uint8_t major;      /* protocol major version */
  uint8_t minor;      /* highest minor spoken */
  uint8_t minor_min;  /* lowest minor accepted */
  uint32_t features;  /* PL_FEATURE_* offered, bit mask */
} pl_offer;

/* What two ends agreed. */
typedef struct pl_agreement {
  uint8_t minor;      /* negotiated minor version */
  uint32_t features;  /* features common to both offers, bit mask */
} pl_agreement;

/*
 * Negotiate |ours| with |theirs| into |out|.  Returns PL_OK, or
 * PL_ERR_VERSION when the majors differ or the lower minor is below either
 * minor_min (|out| is then untouched).  Symmetric in its two offers.
 */
PL_WARN_UNUSED int pl_handshake_negotiate(const pl_offer *ours, const pl_offer *theirs,
                                          pl_agreement *out);

/* The offer carried by a decoded HELLO / HELLO_ACK. */
pl_offer pl_hello_offer(const pl_msg_hello *hello);

/* Bytes a HELLO signature covers: the signed prefix plus the receiver key. */
#define PL_HELLO_SIGNING_BYTES (PL_WIRE_HELLO_SIGNED_BYTES + PL_KEY_BYTES)

/*
 * Build a signed HELLO (|type| PL_MSG_HELLO or PL_MSG_HELLO_ACK) from
 * |offer|, |nonce| and |timestamp_ns|, signed by |seed| / |key| for the
 * receiver |receiver_key|, into |buf| of |cap| bytes.  Pure (the caller
 * charges the signing cost).  Returns the length (PL_WIRE_HELLO_BYTES),
 * PL_ERR_BUFFER, or PL_ERR_INVALID for a non-canonical offer.
 */
PL_WARN_UNUSED int pl_hello_build(uint8_t *buf, size_t cap, uint8_t type,
                                  const pl_offer *offer, uint64_t nonce,
                                  pl_time_ns timestamp_ns,
                                  const uint8_t seed[PL_SEED_BYTES],
                                  const uint8_t key[PL_KEY_BYTES],
                                  const uint8_t receiver_key[PL_KEY_BYTES]);

/* PL_OK if |timestamp_ns| is within |window_ns| of |now| (either side,
 * bounds included), else PL_ERR_STALE. */
PL_WARN_UNUSED int pl_timestamp_check(pl_time_ns now, pl_time_ns timestamp_ns,
                                      pl_time_ns window_ns);

/*
 * A small ring of HELLO nonces accepted recently, for replay detection.
 * Entries are (peer, nonce); when the ring is full the oldest entry is
 * overwritten, so it remembers the last |cap| accepted HELLOs.  A replay
 * older than that is still refused by the timestamp window.
 */
typedef struct pl_nonce_entry {
  uint64_t nonce;  /* accepted HELLO nonce */
  pl_peer peer;    /* its sender; PL_PEER_NONE for an empty entry */
} pl_nonce_entry;

typedef struct pl_nonce_ring {
  pl_nonce_entry *entries; /* |cap| entries, owned by whoever owns the ring */
  uint32_t cap;            /* entries */
  uint32_t next;           /* entry to overwrite next */
} pl_nonce_ring;

/* Make |ring| use |entries| (|cap| >= 1 entries, caller-owned) and empty
 * it. */
void pl_nonce_ring_init(pl_nonce_ring *ring, pl_nonce_entry *entries, uint32_t cap);
/* True if |nonce| from |peer| is in |ring|. */
bool pl_nonce_ring_seen(const pl_nonce_ring *ring, pl_peer peer, uint64_t nonce);
/* Remember |nonce| from |peer|, overwriting the oldest entry if full. */
void pl_nonce_ring_add(pl_nonce_ring *ring, pl_peer peer, uint64_t nonce);

/*
 * Authenticate a decoded HELLO / HELLO_ACK |msg| (from pl_wire_decode)
 * that arrived at |now| from the authenticated sender |from| at the node
 * whose public key is |self_key|.  Checks in order: identity (the HELLO's
 * key is env->peer_key_cb(from)), freshness (|window_ns|), replay (|ring|,
 * may be NULL to skip), signature (through |env|'s memo).  Returns PL_OK,
 * PL_ERR_BAD_IDENTITY, PL_ERR_STALE, PL_ERR_REPLAY or
 * PL_ERR_BAD_SIGNATURE; the signature was checked exactly when the result
 * is PL_OK or PL_ERR_BAD_SIGNATURE (so the caller knows when to charge the
 * verify cost).  Does not record the nonce: call pl_nonce_ring_add once
 * the HELLO is accepted.
 */
PL_WARN_UNUSED int pl_hello_check(const pl_env *env, const pl_msg *msg, pl_peer from,
                                  const uint8_t self_key[PL_KEY_BYTES], pl_time_ns now,
                                  pl_time_ns window_ns, const pl_nonce_ring *ring);

/* Replay check for a direct SIGNED envelope: PL_OK if |seq| is above
 * |highest| (the highest accepted so far from that signer), else
 * PL_ERR_REPLAY. */
PL_WARN_UNUSED int pl_seq_check(uint64_t highest, uint64_t seq);

/* Number of bits set in |features|. */
unsigned pl_feature_count(uint32_t features);

#endif /* PL_HANDSHAKE_H */
