/*
 * wire.c — message registry, strict decoder, encoders, signed envelopes.
 *
 * How decoding works: a cursor (pointer, remaining length) walks the input
 * field by field.  Each read either takes the bytes it needs or fails with
 * PL_ERR_TRUNCATED; value checks follow each read immediately, so the
 * first bad field from the left decides the reason.  Only after the last
 * field does the decoder look for leftover bytes (PL_ERR_TRAILING).  A
 * message is therefore accepted only in its one canonical encoding.
 */
#include "wire.h"

#include <string.h>

#include <glib.h>

#include "gossip.h"
#include "identity.h"
#include "kad.h"

/* ------------------------------------------------------------ registry */

#define CORE_F (PL_WIRE_F_CORE)

/*
 * THE registry: one row per message type of every layer, in increasing
 * type order.  A new layer adds its rows here, inside its own type range
 * (PL_WIRE_LAYER_RANGE numbers starting at layer * 16); a test checks the
 * order and the ranges.  docs/wire.md mirrors this table.
 */
static const pl_msg_spec registry[] = {
  {PL_MSG_HELLO, PL_LAYER_PEER, CORE_F | PL_WIRE_F_SIGNED, PL_WIRE_HELLO_BYTES, "HELLO"},
  {PL_MSG_HELLO_ACK, PL_LAYER_PEER, CORE_F | PL_WIRE_F_SIGNED, PL_WIRE_HELLO_BYTES,
   "HELLO_ACK"},
  {PL_MSG_PING, PL_LAYER_PEER, CORE_F | PL_WIRE_F_SESSION, PL_WIRE_PING_BYTES, "PING"},
  {PL_MSG_PONG, PL_LAYER_PEER, CORE_F | PL_WIRE_F_SESSION, PL_WIRE_PING_BYTES, "PONG"},
  {PL_MSG_PEERS_REQ, PL_LAYER_PEER, CORE_F | PL_WIRE_F_SESSION, PL_WIRE_PEERS_REQ_BYTES,
   "PEERS_REQ"},
  {PL_MSG_PEERS, PL_LAYER_PEER, CORE_F | PL_WIRE_F_SESSION,
   PL_WIRE_PEERS_BYTES(PL_WIRE_PEERS_MAX), "PEERS"},
  {PL_MSG_GOODBYE, PL_LAYER_PEER, CORE_F, PL_WIRE_GOODBYE_BYTES, "GOODBYE"},
  {PL_MSG_SIGNED, PL_LAYER_PEER, CORE_F | PL_WIRE_F_SIGNED, PL_WIRE_MAX_BYTES, "SIGNED"},
  /* discovery (kad.h): sessionless, decoded by kad.c */
  {PL_MSG_KAD_PING, PL_LAYER_DISCOVERY, 0, PL_KAD_PING_BYTES, "KAD_PING"},
  {PL_MSG_KAD_PONG, PL_LAYER_DISCOVERY, 0, PL_KAD_PING_BYTES, "KAD_PONG"},
  {PL_MSG_KAD_FIND_NODE, PL_LAYER_DISCOVERY, 0, PL_KAD_FIND_BYTES, "KAD_FIND_NODE"},
  {PL_MSG_KAD_NODES, PL_LAYER_DISCOVERY, 0, PL_KAD_NODES_BYTES(PL_KAD_CONTACTS_MAX), "KAD_NODES"},
  {PL_MSG_KAD_FIND_VALUE, PL_LAYER_DISCOVERY, 0, PL_KAD_FIND_BYTES, "KAD_FIND_VALUE"},
  {PL_MSG_KAD_VALUES, PL_LAYER_DISCOVERY, 0, PL_KAD_VALUES_MAX_BYTES, "KAD_VALUES"},
  {PL_MSG_KAD_STORE, PL_LAYER_DISCOVERY, 0, PL_KAD_STORE_MAX_BYTES, "KAD_STORE"},
  {PL_MSG_KAD_STORE_ACK, PL_LAYER_DISCOVERY, 0, PL_KAD_STORE_ACK_BYTES, "KAD_STORE_ACK"},
  {PL_MSG_GOSSIP_BATCH, PL_LAYER_GOSSIP, PL_WIRE_F_SESSION, PL_GOSSIP_BATCH_MAX_BYTES,
   "GOSSIP_BATCH"},
  {PL_MSG_GOSSIP_DATA, PL_LAYER_GOSSIP, PL_WIRE_F_ENVELOPE,
   PL_WIRE_HEADER_BYTES + 4 + PL_GOSSIP_PAYLOAD_MAX, "GOSSIP_DATA"},
};

#define N_REGISTRY (sizeof registry / sizeof registry[0])

const pl_msg_spec *
pl_wire_spec(uint8_t type)
{
  /* Binary search: the table is sorted by type (checked by test-wire). */
  size_t lo = 0, hi = N_REGISTRY;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (registry[mid].type == type)
      return &registry[mid];
    if (registry[mid].type < type)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

const pl_msg_spec *
pl_wire_registry(size_t *n)
{
  *n = N_REGISTRY;
  return registry;
}

const char *
pl_wire_type_name(uint8_t type)
{
  const pl_msg_spec *spec = pl_wire_spec(type);
  return spec ? spec->name : "unknown";
}

/* ------------------------------------------------------------ decoders */

/* The cursor, its reads and PL_TRY are wire.h's (pl_reader). */

static int
decode_hello(pl_reader *r, pl_msg_hello *h)
{
  PL_TRY(pl_rd_u8(r, &h->major));
  if (h->major == 0)
    return PL_ERR_BAD_FIELD;
  PL_TRY(pl_rd_u8(r, &h->minor));
  PL_TRY(pl_rd_u8(r, &h->minor_min));
  if (h->minor_min > h->minor)
    return PL_ERR_BAD_FIELD;
  PL_TRY(pl_rd_u32(r, &h->features));
  PL_TRY(pl_rd_u64(r, &h->record_seq));
  PL_TRY(pl_rd_take(r, PL_KEY_BYTES, &h->key));
  PL_TRY(pl_rd_take(r, PL_SIG_BYTES, &h->sig));
  return PL_OK;
}

static int
decode_peers(pl_reader *r, pl_msg_peers *m)
{
  PL_TRY(pl_rd_u8(r, &m->count));
  if (m->count > PL_WIRE_PEERS_MAX)
    return PL_ERR_OVERLONG;
  PL_TRY(pl_rd_take(r, (size_t)m->count * PL_KEY_BYTES, &m->keys));
  /* Canonical: no key twice (at most 32 keys: 496 comparisons). */
  for (unsigned i = 0; i < m->count; i++)
    for (unsigned j = i + 1; j < m->count; j++)
      if (memcmp(m->keys + i * PL_KEY_BYTES, m->keys + j * PL_KEY_BYTES, PL_KEY_BYTES) == 0)
        return PL_ERR_BAD_FIELD;
  return PL_OK;
}

static int
check_inner_type(uint8_t inner)
{
  /* Peer-layer messages (and type 0) never travel inside an envelope. */
  return inner < PL_WIRE_LAYER_RANGE ? PL_ERR_BAD_FIELD : PL_OK;
}

static int
decode_envelope(pl_reader *r, pl_msg_envelope *e)
{
  PL_TRY(pl_rd_take(r, PL_KEY_BYTES, &e->signer));
  PL_TRY(pl_rd_u64(r, &e->seq));
  if (e->seq == 0)
    return PL_ERR_BAD_FIELD;
  PL_TRY(pl_rd_u64(r, &e->timestamp_ns));
  PL_TRY(pl_rd_u8(r, &e->inner_type));
  PL_TRY(check_inner_type(e->inner_type));
  PL_TRY(pl_rd_u16(r, &e->payload_len));
  if (e->payload_len > PL_WIRE_PAYLOAD_MAX)
    return PL_ERR_OVERLONG;
  PL_TRY(pl_rd_take(r, e->payload_len, &e->payload));
  PL_TRY(pl_rd_take(r, PL_SIG_BYTES, &e->sig));
  return PL_OK;
}

int
pl_wire_decode(const uint8_t *bytes, size_t len, pl_msg *out)
{
  pl_reader r = {bytes, len};
  uint8_t version, type;

  memset(out, 0, sizeof *out);
  PL_TRY(pl_rd_u8(&r, &version));
  if (version != PL_WIRE_VERSION)
    return PL_ERR_WIRE_VERSION;
  PL_TRY(pl_rd_u8(&r, &type));
  const pl_msg_spec *spec = pl_wire_spec(type);
  if (spec == NULL)
    return PL_ERR_UNKNOWN_TYPE;
  out->type = type;
  out->frame = bytes;
  out->frame_len = len;

  switch (type) {
  case PL_MSG_HELLO:
  case PL_MSG_HELLO_ACK:
    PL_TRY(decode_hello(&r, &out->u.hello));
    break;
  case PL_MSG_PING:
  case PL_MSG_PONG:
    PL_TRY(pl_rd_u64(&r, &out->u.ping.nonce));
    PL_TRY(pl_rd_u64(&r, &out->u.ping.sent_at_ns));
    break;
  case PL_MSG_PEERS_REQ:
    PL_TRY(pl_rd_u8(&r, &out->u.peers_req.max));
    if (out->u.peers_req.max == 0)
      return PL_ERR_BAD_FIELD;
    if (out->u.peers_req.max > PL_WIRE_PEERS_MAX)
      return PL_ERR_OVERLONG;
    break;
  case PL_MSG_PEERS:
    PL_TRY(decode_peers(&r, &out->u.peers));
    break;
  case PL_MSG_GOODBYE:
    PL_TRY(pl_rd_u8(&r, &out->u.goodbye.reason));
    if (out->u.goodbye.reason >= PL_BYE_REASON_COUNT)
      return PL_ERR_BAD_FIELD;
    break;
  case PL_MSG_SIGNED:
    PL_TRY(decode_envelope(&r, &out->u.envelope));
    break;
  default:
    /* Another layer's message: it decodes the body itself; the frame is
     * bounded by the registry's size limit. */
    if (len > spec->max_bytes)
      return PL_ERR_OVERLONG;
    out->u.raw.body = r.p;
    out->u.raw.len = r.left;
    r.p += r.left;
    r.left = 0;
    break;
  }
  if (r.left != 0)
    return PL_ERR_TRAILING;
  return PL_OK;
}

/* -------------------------------------------------------------- writer */

static void
put_bytes(uint8_t *p, const uint8_t *src, size_t n)
{
  if (src)
    memcpy(p, src, n);
  else
    memset(p, 0, n);
}

/* Length |msg| encodes to, or PL_ERR_INVALID if it is not canonical. */
static int
encoded_len(const pl_msg *msg)
{
  const pl_msg_spec *spec = pl_wire_spec(msg->type);
  if (spec == NULL)
    return PL_ERR_INVALID;
  switch (msg->type) {
  case PL_MSG_HELLO:
  case PL_MSG_HELLO_ACK: {
    const pl_msg_hello *h = &msg->u.hello;
    if (h->major == 0 || h->minor_min > h->minor || h->key == NULL)
      return PL_ERR_INVALID;
    return PL_WIRE_HELLO_BYTES;
  }
  case PL_MSG_PING:
  case PL_MSG_PONG:
    return PL_WIRE_PING_BYTES;
  case PL_MSG_PEERS_REQ:
    if (msg->u.peers_req.max == 0 || msg->u.peers_req.max > PL_WIRE_PEERS_MAX)
      return PL_ERR_INVALID;
    return PL_WIRE_PEERS_REQ_BYTES;
  case PL_MSG_PEERS: {
    const pl_msg_peers *m = &msg->u.peers;
    if (m->count > PL_WIRE_PEERS_MAX || (m->count > 0 && m->keys == NULL))
      return PL_ERR_INVALID;
    for (unsigned i = 0; i < m->count; i++)
      for (unsigned j = i + 1; j < m->count; j++)
        if (memcmp(m->keys + i * PL_KEY_BYTES, m->keys + j * PL_KEY_BYTES, PL_KEY_BYTES) == 0)
          return PL_ERR_INVALID;
    return (int)PL_WIRE_PEERS_BYTES(m->count);
  }
  case PL_MSG_GOODBYE:
    if (msg->u.goodbye.reason >= PL_BYE_REASON_COUNT)
      return PL_ERR_INVALID;
    return PL_WIRE_GOODBYE_BYTES;
  case PL_MSG_SIGNED: {
    const pl_msg_envelope *e = &msg->u.envelope;
    if (e->signer == NULL || e->seq == 0 || check_inner_type(e->inner_type) != PL_OK ||
        e->payload_len > PL_WIRE_PAYLOAD_MAX || (e->payload_len > 0 && e->payload == NULL))
      return PL_ERR_INVALID;
    return PL_WIRE_ENVELOPE_OVERHEAD + e->payload_len;
  }
  default:
    if (msg->u.raw.len > spec->max_bytes - PL_WIRE_HEADER_BYTES ||
        (msg->u.raw.len > 0 && msg->u.raw.body == NULL))
      return PL_ERR_INVALID;
    return (int)(PL_WIRE_HEADER_BYTES + msg->u.raw.len);
  }
}

int
pl_wire_encode(const pl_msg *msg, uint8_t *buf, size_t cap)
{
  int n = encoded_len(msg);
  if (n < 0)
    return n;
  if ((size_t)n > cap)
    return PL_ERR_BUFFER;

  uint8_t *p = buf;
  p[0] = PL_WIRE_VERSION;
  p[1] = msg->type;
  p += PL_WIRE_HEADER_BYTES;
  switch (msg->type) {
  case PL_MSG_HELLO:
  case PL_MSG_HELLO_ACK: {
    const pl_msg_hello *h = &msg->u.hello;
    p[0] = h->major;
    p[1] = h->minor;
    p[2] = h->minor_min;
    pl_be_put32(p + 3, h->features);
    pl_be_put64(p + 7, h->record_seq);
    put_bytes(p + 15, h->key, PL_KEY_BYTES);
    put_bytes(p + 47, h->sig, PL_SIG_BYTES);
    break;
  }
  case PL_MSG_PING:
  case PL_MSG_PONG:
    pl_be_put64(p, msg->u.ping.nonce);
    pl_be_put64(p + 8, msg->u.ping.sent_at_ns);
    break;
  case PL_MSG_PEERS_REQ:
    p[0] = msg->u.peers_req.max;
    break;
  case PL_MSG_PEERS:
    p[0] = msg->u.peers.count;
    if (msg->u.peers.count > 0)
      memcpy(p + 1, msg->u.peers.keys, (size_t)msg->u.peers.count * PL_KEY_BYTES);
    break;
  case PL_MSG_GOODBYE:
    p[0] = msg->u.goodbye.reason;
    break;
  case PL_MSG_SIGNED: {
    const pl_msg_envelope *e = &msg->u.envelope;
    memcpy(p, e->signer, PL_KEY_BYTES);
    pl_be_put64(p + 32, e->seq);
    pl_be_put64(p + 40, e->timestamp_ns);
    p[48] = e->inner_type;
    pl_be_put16(p + 49, e->payload_len);
    if (e->payload_len > 0)
      memcpy(p + 51, e->payload, e->payload_len);
    put_bytes(p + 51 + e->payload_len, e->sig, PL_SIG_BYTES);
    break;
  }
  default:
    if (msg->u.raw.len > 0)
      memcpy(p, msg->u.raw.body, msg->u.raw.len);
    break;
  }
  return n;
}

/* ----------------------------------------------------------- envelopes */

int
pl_envelope_seal(uint8_t *buf, size_t cap, const uint8_t seed[PL_SEED_BYTES],
                 const uint8_t key[PL_KEY_BYTES], uint64_t seq, pl_time_ns timestamp_ns,
                 uint8_t inner_type, const uint8_t *payload, size_t payload_len)
{
  if (payload_len > PL_WIRE_PAYLOAD_MAX)
    return PL_ERR_INVALID;
  pl_msg m = {.type = PL_MSG_SIGNED};
  m.u.envelope.signer = key;
  m.u.envelope.seq = seq;
  m.u.envelope.timestamp_ns = timestamp_ns;
  m.u.envelope.inner_type = inner_type;
  m.u.envelope.payload_len = (uint16_t)payload_len;
  m.u.envelope.payload = payload;
  m.u.envelope.sig = NULL;
  int n = pl_wire_encode(&m, buf, cap);
  if (n < 0)
    return n;
  size_t covered = (size_t)n - PL_SIG_BYTES;
  pl_sign_raw(seed, key, buf, covered, buf + covered);
  return n;
}

int
pl_envelope_verify(const pl_env *env, const pl_msg *msg)
{
  g_assert(msg->type == PL_MSG_SIGNED && msg->frame != NULL);
  g_assert(msg->frame_len >= PL_WIRE_ENVELOPE_OVERHEAD);
  size_t covered = msg->frame_len - PL_SIG_BYTES;
  return pl_verify_env(env, msg->u.envelope.signer, msg->frame, covered,
                       msg->u.envelope.sig);
}

int
pl_envelope_open(const pl_env *env, const uint8_t *bytes, size_t len, pl_msg *out)
{
  PL_TRY(pl_wire_decode(bytes, len, out));
  if (out->type != PL_MSG_SIGNED)
    return PL_ERR_UNEXPECTED;
  return pl_envelope_verify(env, out);
}
