/*
 * handshake.c — version negotiation and node-record authentication (pure).
 */
#include "handshake.h"

#include <string.h>

#include <glib.h>

#include "identity.h"

int
pl_handshake_negotiate(const pl_offer *ours, const pl_offer *theirs, pl_agreement *out)
{
  if (ours->major != theirs->major)
    return PL_ERR_VERSION;
  uint8_t minor = MIN(ours->minor, theirs->minor);
  if (minor < ours->minor_min || minor < theirs->minor_min)
    return PL_ERR_VERSION;
  out->minor = minor;
  out->features = ours->features & theirs->features;
  return PL_OK;
}

pl_offer
pl_hello_offer(const pl_msg_hello *hello)
{
  pl_offer o = {hello->major, hello->minor, hello->minor_min, hello->features};
  return o;
}

bool
pl_offer_equal(const pl_offer *a, const pl_offer *b)
{
  return a->major == b->major && a->minor == b->minor && a->minor_min == b->minor_min &&
         a->features == b->features;
}

/* Encode the HELLO of |type| for |offer|, |seq|, |key| and |sig| (NULL:
 * zeros) into |buf| (PL_WIRE_HELLO_BYTES): the wire encoder is the one
 * definition of the record's bytes. */
static int
encode_hello(uint8_t *buf, size_t cap, uint8_t type, const pl_offer *offer, uint64_t seq,
             const uint8_t key[PL_KEY_BYTES], const uint8_t *sig)
{
  pl_msg m = {.type = type};
  m.u.hello.major = offer->major;
  m.u.hello.minor = offer->minor;
  m.u.hello.minor_min = offer->minor_min;
  m.u.hello.features = offer->features;
  m.u.hello.record_seq = seq;
  m.u.hello.key = key;
  m.u.hello.sig = sig;
  return pl_wire_encode(&m, buf, cap);
}

/* The signed bytes: the domain tag, then the record as a HELLO carries it
 * (|frame| is a HELLO or HELLO_ACK encoding). */
static void
signing_input(const uint8_t *frame, uint8_t out[PL_RECORD_SIGNING_BYTES])
{
  memcpy(out, PL_RECORD_DOMAIN, PL_RECORD_DOMAIN_BYTES);
  memcpy(out + PL_RECORD_DOMAIN_BYTES, frame + PL_WIRE_RECORD_OFFSET, PL_WIRE_RECORD_BYTES);
}

int
pl_record_sign(pl_record *rec, const pl_offer *offer, uint64_t seq,
               const uint8_t seed[PL_SEED_BYTES], const uint8_t key[PL_KEY_BYTES])
{
  uint8_t frame[PL_WIRE_HELLO_BYTES];
  int n = encode_hello(frame, sizeof frame, PL_MSG_HELLO, offer, seq, key, NULL);
  if (n < 0)
    return PL_ERR_INVALID;
  uint8_t input[PL_RECORD_SIGNING_BYTES];
  signing_input(frame, input);
  pl_sign_raw(seed, key, input, sizeof input, rec->sig);
  rec->seq = seq;
  rec->offer = *offer;
  return PL_OK;
}

int
pl_hello_build(uint8_t *buf, size_t cap, uint8_t type, const pl_record *rec,
               const uint8_t key[PL_KEY_BYTES])
{
  g_assert(type == PL_MSG_HELLO || type == PL_MSG_HELLO_ACK);
  return encode_hello(buf, cap, type, &rec->offer, rec->seq, key, rec->sig);
}

int
pl_timestamp_check(pl_time_ns now, pl_time_ns timestamp_ns, pl_time_ns window_ns)
{
  pl_time_ns skew = now >= timestamp_ns ? now - timestamp_ns : timestamp_ns - now;
  return skew <= window_ns ? PL_OK : PL_ERR_STALE;
}

int
pl_record_seq_check(uint64_t highest, uint64_t seq)
{
  return seq >= highest ? PL_OK : PL_ERR_REPLAY;
}

int
pl_hello_check(const pl_env *env, const pl_msg *msg, pl_peer from, uint64_t highest)
{
  g_assert(msg->type == PL_MSG_HELLO || msg->type == PL_MSG_HELLO_ACK);
  g_assert(msg->frame != NULL && msg->frame_len == PL_WIRE_HELLO_BYTES);
  const pl_msg_hello *h = &msg->u.hello;

  const uint8_t *sender_key = env->peer_key_cb(from, env->user_data);
  if (sender_key == NULL || !pl_key_equal(sender_key, h->key))
    return PL_ERR_BAD_IDENTITY;
  if (pl_record_seq_check(highest, h->record_seq) != PL_OK)
    return PL_ERR_REPLAY;
  uint8_t input[PL_RECORD_SIGNING_BYTES];
  signing_input(msg->frame, input);
  return pl_verify_env(env, h->key, input, sizeof input, h->sig);
}

int
pl_seq_check(uint64_t highest, uint64_t seq)
{
  return seq > highest ? PL_OK : PL_ERR_REPLAY;
}

unsigned
pl_feature_count(uint32_t features)
{
  unsigned n = 0;
  for (; features != 0; features &= features - 1)
    n++;
  return n;
}
