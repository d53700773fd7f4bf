/*
 * wire.h — the binary message format and the one registry of message types.
 *
 * Framing (docs/wire.md): every message is
 *
 *   [u8 wire_version = PL_WIRE_VERSION][u8 type][fields ...]
 *
 * with integers big-endian.  The transport is message-oriented, so there is
 * no length prefix: the message is exactly the bytes handed over.  Decoding
 * is canonical and strict, and every refusal has one exact reason:
 *
 *   wrong framing version            PL_ERR_WIRE_VERSION
 *   type not in the registry          PL_ERR_UNKNOWN_TYPE
 *   input ends inside a field         PL_ERR_TRUNCATED
 *   bytes left after the last field   PL_ERR_TRAILING
 *   count / length over its limit     PL_ERR_OVERLONG
 *   value out of range / not canonical PL_ERR_BAD_FIELD
 *
 * The checks run in that order: version, type, then the fields from left
 * to right (the first field that fails decides), then trailing bytes.
 *
 * Decoding never allocates: variable parts of a decoded pl_msg (keys,
 * signatures, payloads) point into the input buffer, which must outlive
 * the pl_msg.  Encoders write into a caller buffer and return the length
 * or PL_ERR_BUFFER.
 *
 * Every layer of the core (peer management here; discovery, gossip,
 * trust, market, channels, disputes later) owns a range of type numbers and
 * lists its types in the single registry table in wire.c.  The node
 * dispatches a received message to the layer the registry names.
 */
#ifndef PL_WIRE_H
#define PL_WIRE_H

#include "pl.h"

/* Framing version carried in byte 0 of every message. */
#define PL_WIRE_VERSION 1

/* Bytes of the frame header (version, type). */
#define PL_WIRE_HEADER_BYTES 2

/* Layers of the core.  Each owns one range of message types (16 numbers,
 * PL_WIRE_LAYER_RANGE) and one slot of the node's layer table; the value is
 * also the top 8 bits of the timer ids the layer asks for. */
typedef enum pl_layer_id {
  PL_LAYER_PEER = 0,       /* 0x01-0x0f: handshake, heartbeats, peer exchange, envelopes */
  PL_LAYER_DISCOVERY = 1,  /* 0x10-0x1f: Kademlia */
  PL_LAYER_GOSSIP = 2,     /* 0x20-0x2f: topic pub/sub */
  PL_LAYER_TRUST = 3,      /* 0x30-0x3f: local and transitive trust */
  PL_LAYER_MARKET = 4,     /* 0x40-0x4f: task lifecycle, bids */
  PL_LAYER_CHANNEL = 5,    /* 0x50-0x5f: payment channels */
  PL_LAYER_DISPUTE = 6,    /* 0x60-0x6f: disputes and verifier votes */
  PL_LAYER_SETTLEMENT = 7, /* 0x70-0x7f: ledger transactions */
  PL_LAYER_MAX = 8,        /* number of layer slots */
} pl_layer_id;

/* Width of each layer's type range: layer L owns [L*16, L*16+15]
 * (type 0x00 is never valid; 0x80-0xff are unassigned). */
#define PL_WIRE_LAYER_RANGE 16

/* Message types of the peer layer. */
enum {
  PL_MSG_HELLO = 0x01,     /* open a session: the sender's signed node record */
  PL_MSG_HELLO_ACK = 0x02, /* accept a session: same fields as HELLO */
  PL_MSG_PING = 0x03,      /* heartbeat */
  PL_MSG_PONG = 0x04,      /* heartbeat answer (echoes the PING) */
  PL_MSG_PEERS_REQ = 0x05, /* ask for up to |max| peers */
  PL_MSG_PEERS = 0x06,     /* answer: public keys of peers */
  PL_MSG_GOODBYE = 0x07,   /* closing the session, with a reason */
  PL_MSG_SIGNED = 0x08,    /* signed envelope around another layer's message */
};

/* Registry flags (pl_msg_spec.flags). */
enum {
  /* The message carries an Ed25519 signature (HELLO's node record, SIGNED). */
  PL_WIRE_F_SIGNED = 1u << 0,
  /* Only valid from a peer with a completed handshake. */
  PL_WIRE_F_SESSION = 1u << 1,
  /* Only valid inside a SIGNED envelope (as its inner type), never bare. */
  PL_WIRE_F_ENVELOPE = 1u << 2,
  /* The peer layer decodes the body into pl_msg (otherwise the owning layer
   * decodes pl_msg.u.raw itself). */
  PL_WIRE_F_CORE = 1u << 3,
};

/* One row of the message registry. */
typedef struct pl_msg_spec {
  uint8_t type;        /* type byte on the wire */
  uint8_t layer;       /* owning pl_layer_id */
  uint16_t flags;      /* PL_WIRE_F_* */
  uint32_t max_bytes;  /* largest valid encoding, header included, bytes */
  const char *name;    /* "HELLO", "PING", ... */
} pl_msg_spec;

/* The registry row for |type|, or NULL if no such type is registered. */
const pl_msg_spec *pl_wire_spec(uint8_t type);

/* The whole registry: *|n| rows in increasing type order.  Static. */
const pl_msg_spec *pl_wire_registry(size_t *n);

/* Name of |type| ("PING"), or "unknown".  Static, never NULL. */
const char *pl_wire_type_name(uint8_t type);

/* ------------------------------------------------------------- limits */

#define PL_WIRE_PEERS_MAX 32            /* keys in one PEERS message */
#define PL_WIRE_PAYLOAD_MAX 4096        /* payload bytes in one SIGNED envelope */

/* Encoded sizes of the fixed-size messages, bytes. */
#define PL_WIRE_HELLO_BYTES 113         /* 2 + 3 + 4 + 8 + 32 + 64 */
#define PL_WIRE_RECORD_OFFSET 2         /* a HELLO's node record starts after the header */
#define PL_WIRE_RECORD_BYTES 47         /* 3 + 4 + 8 + 32: the record's fields, signature excluded */
#define PL_WIRE_PING_BYTES 18           /* 2 + 8 + 8 */
#define PL_WIRE_PEERS_REQ_BYTES 3
#define PL_WIRE_GOODBYE_BYTES 3
#define PL_WIRE_ENVELOPE_OVERHEAD 117   /* 2 + 32 + 8 + 8 + 1 + 2 + 64: SIGNED without payload */
#define PL_WIRE_PEERS_BYTES(count) (3u + 32u * (unsigned)(count))

/* Largest encoding of any registered message, bytes (size of a buffer that
 * holds every message). */
#define PL_WIRE_MAX_BYTES (PL_WIRE_ENVELOPE_OVERHEAD + PL_WIRE_PAYLOAD_MAX)

/* GOODBYE reasons. */
typedef enum pl_goodbye_reason {
  PL_BYE_NORMAL = 0,        /* closing by choice (command, shutdown) */
  PL_BYE_VERSION = 1,       /* no common protocol version */
  PL_BYE_PEER_LIMIT = 2,    /* no room for another peer */
  PL_BYE_EVICTED = 3,       /* dropped to make room for another peer */
  PL_BYE_TIMEOUT = 4,       /* heartbeats went unanswered */
  PL_BYE_NOT_CONNECTED = 5, /* you sent a session message without a session */
  PL_BYE_REASON_COUNT = 6,  /* reasons above; larger values are BAD_FIELD */
} pl_goodbye_reason;

/* ------------------------------------------------------------ messages */

/* HELLO and HELLO_ACK: the sender's signed node record, nothing else.
 * The record is the PL_WIRE_RECORD_BYTES from PL_WIRE_RECORD_OFFSET (offer,
 * record_seq, key); the signature covers a domain tag followed by those
 * bytes, so the same record verifies identically in any HELLO or HELLO_ACK
 * to any receiver (see handshake.h). */
typedef struct pl_msg_hello {
  uint8_t major;            /* protocol major version (>= 1) */
  uint8_t minor;            /* highest minor version spoken */
  uint8_t minor_min;        /* lowest minor accepted (<= minor) */
  uint32_t features;        /* PL_FEATURE_* offered, bit mask */
  uint64_t record_seq;      /* record sequence: the virtual time it was signed, ns */
  const uint8_t *key;       /* sender's public key, PL_KEY_BYTES */
  const uint8_t *sig;       /* record signature, PL_SIG_BYTES (encode: NULL writes zeros) */
} pl_msg_hello;

/* PING and PONG (a PONG echoes the PING's fields). */
typedef struct pl_msg_ping {
  uint64_t nonce;           /* sender's ping sequence number */
  pl_time_ns sent_at_ns;    /* time the PING was sent, ns */
} pl_msg_ping;

/* PEERS_REQ. */
typedef struct pl_msg_peers_req {
  uint8_t max;              /* keys wanted, 1..PL_WIRE_PEERS_MAX */
} pl_msg_peers_req;

/* PEERS: |count| distinct public keys, contiguous. */
typedef struct pl_msg_peers {
  uint8_t count;            /* keys, 0..PL_WIRE_PEERS_MAX */
  const uint8_t *keys;      /* count * PL_KEY_BYTES bytes */
} pl_msg_peers;

/* GOODBYE. */
typedef struct pl_msg_goodbye {
  uint8_t reason;           /* pl_goodbye_reason */
} pl_msg_goodbye;

/* SIGNED: an envelope around a message of another layer.  The signature
 * covers every byte of the encoding before it (header included). */
typedef struct pl_msg_envelope {
  const uint8_t *signer;    /* signer's public key, PL_KEY_BYTES */
  uint64_t seq;             /* signer's sequence number, >= 1, increasing */
  pl_time_ns timestamp_ns;  /* signer's time at signing, ns */
  uint8_t inner_type;       /* registered type of the payload, >= 0x10 */
  uint16_t payload_len;     /* payload bytes, <= PL_WIRE_PAYLOAD_MAX */
  const uint8_t *payload;   /* the inner message body */
  const uint8_t *sig;       /* signature, PL_SIG_BYTES (encode: NULL writes zeros) */
} pl_msg_envelope;

/* Body of a registered message whose owning layer decodes it. */
typedef struct pl_msg_raw {
  const uint8_t *body;      /* bytes after the 2-byte header */
  size_t len;               /* bytes in |body| */
} pl_msg_raw;

/* A decoded message: a tagged union on |type|. */
typedef struct pl_msg {
  uint8_t type;             /* PL_MSG_* or another layer's registered type */
  const uint8_t *frame;     /* the whole encoding (decode only; NULL when built) */
  size_t frame_len;         /* bytes in |frame| */
  union {
    pl_msg_hello hello;         /* HELLO, HELLO_ACK */
    pl_msg_ping ping;           /* PING, PONG */
    pl_msg_peers_req peers_req; /* PEERS_REQ */
    pl_msg_peers peers;         /* PEERS */
    pl_msg_goodbye goodbye;     /* GOODBYE */
    pl_msg_envelope envelope;   /* SIGNED */
    pl_msg_raw raw;             /* any type without PL_WIRE_F_CORE */
  } u;
} pl_msg;

/*
 * Decode |len| bytes at |bytes| into |out|.  |out|'s pointers point into
 * |bytes|.  Returns PL_OK or the exact rejection reason: PL_ERR_TRUNCATED,
 * PL_ERR_TRAILING, PL_ERR_UNKNOWN_TYPE, PL_ERR_WIRE_VERSION,
 * PL_ERR_OVERLONG, PL_ERR_BAD_FIELD.  On error |out| is unspecified.
 * Messages owned by other layers are checked for framing and registry
 * size only and returned as |u.raw|.
 */
PL_WARN_UNUSED int pl_wire_decode(const uint8_t *bytes, size_t len, pl_msg *out);

/*
 * Encode |msg| (its |type| and the matching union member) into |buf| of
 * |cap| bytes.  Returns the length written, PL_ERR_BUFFER if |cap| is too
 * small, or PL_ERR_INVALID if |msg| is not canonical (a value the decoder
 * would refuse: unregistered type, count or length over its limit, bad
 * field).  A message that encodes always decodes back to the same fields.
 */
PL_WARN_UNUSED int pl_wire_encode(const pl_msg *msg, uint8_t *buf, size_t cap);

/* ----------------------------------------------------------- envelopes */

/*
 * Seal |payload_len| bytes of |payload| as a SIGNED envelope of inner type
 * |inner_type| into |buf| (|cap| bytes): the signer is the key pair of
 * |seed| / |key|, with sequence |seq| (>= 1) and timestamp |timestamp_ns|.
 * Pure (the caller charges the signing cost).  Returns the length,
 * PL_ERR_BUFFER, or PL_ERR_INVALID (seq 0, inner type below 0x10, payload
 * over PL_WIRE_PAYLOAD_MAX).
 */
PL_WARN_UNUSED int pl_envelope_seal(uint8_t *buf, size_t cap,
                                    const uint8_t seed[PL_SEED_BYTES],
                                    const uint8_t key[PL_KEY_BYTES], uint64_t seq,
                                    pl_time_ns timestamp_ns, uint8_t inner_type,
                                    const uint8_t *payload, size_t payload_len);

/*
 * Check the signature of a decoded SIGNED message |msg| (which must come
 * from pl_wire_decode, so that |msg->frame| is set) through |env|'s memo.
 * Returns PL_OK or PL_ERR_BAD_SIGNATURE.  Does not charge CPU time.
 */
PL_WARN_UNUSED int pl_envelope_verify(const pl_env *env, const pl_msg *msg);

/*
 * Decode |len| bytes as a SIGNED envelope and verify it: pl_wire_decode,
 * then PL_ERR_UNEXPECTED if the message is valid but not SIGNED, then
 * pl_envelope_verify.  On PL_OK |out->u.envelope| points into |bytes|.
 * Freshness and replay are the caller's (see pl_node_open_envelope).
 */
PL_WARN_UNUSED int pl_envelope_open(const pl_env *env, const uint8_t *bytes,
                                    size_t len, pl_msg *out);

/* ------------------------------------------------- big-endian integers */

/* Write |v| big-endian at |p| (2, 4 or 8 bytes); every layer's codec uses
 * these. */
static inline void
pl_be_put16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static inline void
pl_be_put32(uint8_t *p, uint32_t v)
{
  /* spelled out, so the compiler merges the stores into one byte-swapped
   * store (a loop here was 1.6 % of a kad profile's instructions) */
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static inline void
pl_be_put64(uint8_t *p, uint64_t v)
{
  pl_be_put32(p, (uint32_t)(v >> 32));
  pl_be_put32(p + 4, (uint32_t)v);
}

/* Read a big-endian integer at |p| (the caller checked the length). */
static inline uint16_t
pl_be_get16(const uint8_t *p)
{
  return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
pl_be_get32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t
pl_be_get64(const uint8_t *p)
{
  return (uint64_t)pl_be_get32(p) << 32 | pl_be_get32(p + 4);
}

/* ------------------------------------------------------- strict reader */

/* A cursor over bytes being decoded, shared by every layer's codec: each
 * read takes the bytes it needs or fails with PL_ERR_TRUNCATED (leaving
 * the cursor unchanged); the decoder checks each value right after
 * reading it and looks for PL_ERR_TRAILING (left != 0) after the last
 * field. */
typedef struct pl_reader {
  const uint8_t *p; /* next unread byte */
  size_t left;      /* bytes not yet read */
} pl_reader;

/* Take |n| bytes: *|out| points at them. */
static inline int
pl_rd_take(pl_reader *r, size_t n, const uint8_t **out)
{
  if (r->left < n)
    return PL_ERR_TRUNCATED;
  *out = r->p;
  r->p += n;
  r->left -= n;
  return PL_OK;
}

static inline int
pl_rd_u8(pl_reader *r, uint8_t *v)
{
  const uint8_t *p;
  int rc = pl_rd_take(r, 1, &p);
  if (rc == PL_OK)
    *v = p[0];
  return rc;
}

static inline int
pl_rd_u16(pl_reader *r, uint16_t *v)
{
  const uint8_t *p;
  int rc = pl_rd_take(r, 2, &p);
  if (rc == PL_OK)
    *v = pl_be_get16(p);
  return rc;
}

static inline int
pl_rd_u32(pl_reader *r, uint32_t *v)
{
  const uint8_t *p;
  int rc = pl_rd_take(r, 4, &p);
  if (rc == PL_OK)
    *v = pl_be_get32(p);
  return rc;
}

static inline int
pl_rd_u64(pl_reader *r, uint64_t *v)
{
  const uint8_t *p;
  int rc = pl_rd_take(r, 8, &p);
  if (rc == PL_OK)
    *v = pl_be_get64(p);
  return rc;
}

/* In a decoder: return the error of |expr| (a pl_rd_* read or a check)
 * unless it is PL_OK. */
#define PL_TRY(expr)    \
  do {                  \
    int rc_ = (expr);   \
    if (rc_ != PL_OK)   \
      return rc_;       \
  } while (0)

#endif /* PL_WIRE_H */
