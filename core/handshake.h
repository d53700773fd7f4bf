/*
 * handshake.h — version negotiation and node-record authentication, as
 * pure functions.
 *
 * A node offers (major, minor, minor_min, features).  Two offers agree
 * when the majors are equal and the lower of the two minors is at least
 * both minor_mins; the session then speaks that minor and the intersection
 * of the feature masks.  The rule is symmetric, so both ends compute the
 * same agreement from the same two HELLOs.
 *
 * Node records (in the manner of libp2p's signed peer records).  Links
 * are authenticated by the transport: the receiver learns the true sender
 * handle, so a HELLO needs no per-receiver signature to bind identity.  A
 * node instead signs its *record* once -- (offer, record_seq, public key),
 * record_seq being the virtual time of signing -- and sends that same
 * record in every HELLO / HELLO_ACK.  The signature covers
 * PL_RECORD_DOMAIN followed by the record's PL_WIRE_RECORD_BYTES, so it is
 * identical for every receiver and the host's verification memo
 * (pl_sigcache) answers all but the first check of a record.  A receiver
 * checks, cheapest first: the key is the authenticated sender's
 * (PL_ERR_BAD_IDENTITY), the record is not older than the newest record it
 * accepted from that key (PL_ERR_REPLAY), and the signature verifies
 * (PL_ERR_BAD_SIGNATURE).  docs/core.md has the threat model.
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

/* Domain tag prefixed to a record's bytes when signing, so that a record
 * signature can never be taken for an envelope's (whose signed bytes start
 * with the wire version byte 0x01). */
#define PL_RECORD_DOMAIN "peerlab-node-record-v1"
#define PL_RECORD_DOMAIN_BYTES (sizeof PL_RECORD_DOMAIN - 1)

/* Bytes a record signature covers: the domain tag, then the record. */
#define PL_RECORD_SIGNING_BYTES (PL_RECORD_DOMAIN_BYTES + PL_WIRE_RECORD_BYTES)

/* A node's own signed record (the public key is the node's). */
typedef struct pl_record {
  uint64_t seq;               /* record_seq: virtual time it was signed, ns */
  pl_offer offer;             /* the offer it advertises */
  uint8_t sig[PL_SIG_BYTES];  /* Ed25519 signature over the signing bytes */
} pl_record;

/* True if the two offers are field for field equal. */
bool pl_offer_equal(const pl_offer *a, const pl_offer *b);

/*
 * Sign a record advertising |offer| with sequence |seq| by |seed| / |key|
 * into |rec|.  Pure (the caller charges the signing cost).  Returns PL_OK,
 * or PL_ERR_INVALID for a non-canonical offer (major 0, minor_min above
 * minor), leaving |rec| untouched.
 */
PL_WARN_UNUSED int pl_record_sign(pl_record *rec, const pl_offer *offer, uint64_t seq,
                                  const uint8_t seed[PL_SEED_BYTES],
                                  const uint8_t key[PL_KEY_BYTES]);

/*
 * Build a HELLO (|type| PL_MSG_HELLO or PL_MSG_HELLO_ACK) carrying the
 * signed record |rec| of the node whose public key is |key| into |buf| of
 * |cap| bytes.  Pure; no signing.  Returns the length
 * (PL_WIRE_HELLO_BYTES), PL_ERR_BUFFER, or PL_ERR_INVALID for a
 * non-canonical offer.
 */
PL_WARN_UNUSED int pl_hello_build(uint8_t *buf, size_t cap, uint8_t type,
                                  const pl_record *rec, const uint8_t key[PL_KEY_BYTES]);

/* PL_OK if |timestamp_ns| is within |window_ns| of |now| (either side,
 * bounds included), else PL_ERR_STALE.  (Used for SIGNED envelopes.) */
PL_WARN_UNUSED int pl_timestamp_check(pl_time_ns now, pl_time_ns timestamp_ns,
                                      pl_time_ns window_ns);

/* Replay check for a node record: PL_OK if |seq| is not below |highest|
 * (the highest record_seq accepted so far from that key; 0 when there is
 * no history), else PL_ERR_REPLAY.  The same record again is fine: it is
 * sent in every handshake. */
PL_WARN_UNUSED int pl_record_seq_check(uint64_t highest, uint64_t seq);

/*
 * Authenticate a decoded HELLO / HELLO_ACK |msg| (from pl_wire_decode)
 * that arrived from the authenticated sender |from|, given |highest|, the
 * highest record_seq this node has accepted from that sender (0: none).
 * Checks in order: identity (the record's key is env->peer_key_cb(from)),
 * replay (pl_record_seq_check), signature (through |env|'s memo).  Returns
 * PL_OK, PL_ERR_BAD_IDENTITY, PL_ERR_REPLAY or PL_ERR_BAD_SIGNATURE; the
 * signature was checked exactly when the result is PL_OK or
 * PL_ERR_BAD_SIGNATURE (so the caller knows when to charge the verify
 * cost).  Records nothing: the caller remembers the accepted seq.
 */
PL_WARN_UNUSED int pl_hello_check(const pl_env *env, const pl_msg *msg, pl_peer from,
                                  uint64_t highest);

/* Replay check for a direct SIGNED envelope: PL_OK if |seq| is above
 * |highest| (the highest accepted so far from that signer), else
 * PL_ERR_REPLAY. */
PL_WARN_UNUSED int pl_seq_check(uint64_t highest, uint64_t seq);

/* Number of bits set in |features|. */
unsigned pl_feature_count(uint32_t features);

#endif /* PL_HANDSHAKE_H */
