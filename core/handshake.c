/*
 * handshake.c — version negotiation and HELLO authentication (pure).
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

/* The signed bytes: the HELLO's prefix, then the receiver's key. */
static void
signing_input(const uint8_t *frame, const uint8_t receiver_key[PL_KEY_BYTES],
              uint8_t out[PL_HELLO_SIGNING_BYTES])
{
  memcpy(out, frame, PL_WIRE_HELLO_SIGNED_BYTES);
  memcpy(out + PL_WIRE_HELLO_SIGNED_BYTES, receiver_key, PL_KEY_BYTES);
}

int
pl_hello_build(uint8_t *buf, size_t cap, uint8_t type, const pl_offer *offer, uint64_t nonce,
               pl_time_ns timestamp_ns, const uint8_t seed[PL_SEED_BYTES],
               const uint8_t key[PL_KEY_BYTES], const uint8_t receiver_key[PL_KEY_BYTES])
{
  g_assert(type == PL_MSG_HELLO || type == PL_MSG_HELLO_ACK);
  pl_msg m = {.type = type};
  m.u.hello.major = offer->major;
  m.u.hello.minor = offer->minor;
  m.u.hello.minor_min = offer->minor_min;
  m.u.hello.features = offer->features;
  m.u.hello.nonce = nonce;
  m.u.hello.timestamp_ns = timestamp_ns;
  m.u.hello.key = key;
  m.u.hello.sig = NULL;
  int n = pl_wire_encode(&m, buf, cap);
  if (n < 0)
    return n;
  uint8_t input[PL_HELLO_SIGNING_BYTES];
  signing_input(buf, receiver_key, input);
  pl_sign_raw(seed, key, input, sizeof input, buf + PL_WIRE_HELLO_SIGNED_BYTES);
  return n;
}

int
pl_timestamp_check(pl_time_ns now, pl_time_ns timestamp_ns, pl_time_ns window_ns)
{
  pl_time_ns skew = now >= timestamp_ns ? now - timestamp_ns : timestamp_ns - now;
  return skew <= window_ns ? PL_OK : PL_ERR_STALE;
}

void
pl_nonce_ring_init(pl_nonce_ring *ring, pl_nonce_entry *entries, uint32_t cap)
{
  g_assert(cap >= 1);
  ring->entries = entries;
  ring->cap = cap;
  ring->next = 0;
  for (uint32_t i = 0; i < cap; i++) {
    entries[i].nonce = 0;
    entries[i].peer = PL_PEER_NONE;
  }
}

bool
pl_nonce_ring_seen(const pl_nonce_ring *ring, pl_peer peer, uint64_t nonce)
{
  for (uint32_t i = 0; i < ring->cap; i++)
    if (ring->entries[i].peer == peer && ring->entries[i].nonce == nonce)
      return true;
  return false;
}

void
pl_nonce_ring_add(pl_nonce_ring *ring, pl_peer peer, uint64_t nonce)
{
  ring->entries[ring->next].peer = peer;
  ring->entries[ring->next].nonce = nonce;
  ring->next = (ring->next + 1) % ring->cap;
}

int
pl_hello_check(const pl_env *env, const pl_msg *msg, pl_peer from,
               const uint8_t self_key[PL_KEY_BYTES], pl_time_ns now, pl_time_ns window_ns,
               const pl_nonce_ring *ring)
{
  g_assert(msg->type == PL_MSG_HELLO || msg->type == PL_MSG_HELLO_ACK);
  g_assert(msg->frame != NULL && msg->frame_len == PL_WIRE_HELLO_BYTES);
  const pl_msg_hello *h = &msg->u.hello;

  const uint8_t *sender_key = env->peer_key_cb(from, env->user_data);
  if (sender_key == NULL || !pl_key_equal(sender_key, h->key))
    return PL_ERR_BAD_IDENTITY;
  if (pl_timestamp_check(now, h->timestamp_ns, window_ns) != PL_OK)
    return PL_ERR_STALE;
  if (ring != NULL && pl_nonce_ring_seen(ring, from, h->nonce))
    return PL_ERR_REPLAY;
  uint8_t input[PL_HELLO_SIGNING_BYTES];
  signing_input(msg->frame, self_key, input);
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
