/*
 * fuzz-wire.c — libFuzzer target for the wire decoder and the node's
 * receive path.
 *
 * Each input is used three ways:
 *   1. pl_wire_decode of the whole input; whatever decodes must re-encode
 *      to exactly the same bytes (the decoder accepts only canonical
 *      encodings);
 *   2. delivered whole to a fresh node from a peer that has completed a
 *      real handshake with it (so session messages reach their handlers);
 *      the node runs every layer: peer, discovery (Kademlia, with a
 *      joined lookup in flight so that answers find one) and gossip
 *      (mesh, subscribed to topic 0), so every handler and every
 *      pl_layer.prefetch hook meets the input;
 *   3. read as a stream of chunks [u8 sender 0..3][u8 len][len bytes],
 *      each delivered 1 ms after the last, sender 0 being the node itself,
 *      1 its peer, 2 a known stranger (also its bootstrap peer), 3 an
 *      unknown handle; then every timer the node asked for is fired 100 s
 *      later, and the node is stopped.
 * Invariants checked: no crash or sanitizer report, and every message the
 * node sends decodes.
 *
 * Seed corpus: tests/fuzz/corpus/wire/ (one valid encoding per message
 * type, signed by the identities below where a signature is needed: the
 * HELLO and HELLO_ACK carry peer 1's record, seq T0, so that they
 * authenticate from sender 1; plus one chunk stream).
 * Run: bash tests/fuzz/run-fuzz.sh
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handshake.h"
#include "identity.h"
#include "pl.h"
#include "sigcache.h"
#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 (UINT64_C(1000) * PL_NS_PER_S)
#define MAX_HANDLES 48
#define MAX_TIMERS 64

/* The fuzzing host: handles 0 (node), 1 (peer), 2 (stranger) have seeds
 * of 32 bytes of 0x31, 0x32, 0x33; more handles are interned from PEERS. */
typedef struct host {
  uint8_t seeds[3][PL_SEED_BYTES];
  uint8_t keys[MAX_HANDLES][PL_KEY_BYTES];
  uint8_t ids[MAX_HANDLES][PL_ID_BYTES];
  unsigned n_handles;
  uint64_t rng;
  uint32_t timers[MAX_TIMERS];
  unsigned n_timers;
  uint8_t hello[PL_WIRE_HELLO_BYTES]; /* peer 1's HELLO: its record signed at T0 */
  pl_sigcache *cache;
  pl_env env;
  int ready;
} host;

static host H;

static void
on_send(pl_peer self, pl_peer to, const uint8_t *bytes, size_t len, void *ud)
{
  pl_msg m;
  if (pl_wire_decode(bytes, len, &m) != PL_OK)
    abort(); /* the node sent something it would itself refuse */
}

static void
on_timer(pl_peer self, pl_time_ns at, uint32_t id, void *ud)
{
  if (H.n_timers < MAX_TIMERS)
    H.timers[H.n_timers++] = id;
}

static uint64_t
on_random(pl_peer self, void *ud)
{
  uint64_t z = (H.rng += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static const uint8_t *
on_key(pl_peer peer, void *ud)
{
  return peer < H.n_handles ? H.keys[peer] : NULL;
}

static const uint8_t *
on_id(pl_peer peer, void *ud)
{
  return peer < H.n_handles ? H.ids[peer] : NULL;
}

static pl_peer
on_intern(const uint8_t key[PL_KEY_BYTES], void *ud)
{
  for (unsigned i = 0; i < H.n_handles; i++)
    if (memcmp(H.keys[i], key, PL_KEY_BYTES) == 0)
      return i;
  if (H.n_handles == MAX_HANDLES)
    return PL_PEER_NONE;
  memcpy(H.keys[H.n_handles], key, PL_KEY_BYTES);
  pl_node_id_of(key, H.ids[H.n_handles]);
  return H.n_handles++;
}

static void
init_once(void)
{
  if (H.ready)
    return;
  for (unsigned i = 0; i < 3; i++) {
    memset(H.seeds[i], 0x31 + (int)i, PL_SEED_BYTES);
    pl_identity_from_seed(H.seeds[i], H.keys[i], NULL);
    pl_node_id_of(H.keys[i], H.ids[i]);
  }
  H.cache = pl_sigcache_new(256);
  H.env.send_cb = on_send;
  H.env.timer_cb = on_timer;
  H.env.random_cb = on_random;
  H.env.peer_key_cb = on_key;
  H.env.peer_intern_cb = on_intern;
  H.env.peer_id_cb = on_id;
  H.env.sigcache = H.cache;
  pl_offer offer = {PL_PROTO_MAJOR, PL_PROTO_MINOR, 0, PL_FEATURE_PEER_EXCHANGE};
  pl_record rec;
  if (pl_record_sign(&rec, &offer, T0, H.seeds[1], H.keys[1]) != PL_OK ||
      pl_hello_build(H.hello, sizeof H.hello, PL_MSG_HELLO, &rec, H.keys[1]) !=
          PL_WIRE_HELLO_BYTES)
    abort();
  H.ready = 1;
}

static void
check_canonical(const uint8_t *data, size_t size)
{
  pl_msg m;
  if (pl_wire_decode(data, size, &m) != PL_OK)
    return;
  static uint8_t out[PL_WIRE_MAX_BYTES];
  int n = pl_wire_encode(&m, out, sizeof out);
  if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
    abort(); /* accepted a non-canonical encoding */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  init_once();
  check_canonical(data, size);

  H.n_handles = 3;
  H.rng = 1;
  H.n_timers = 0;
  pl_config cfg;
  pl_config_defaults(&cfg);
  const pl_peer boot[1] = {2};
  cfg.bootstrap = boot;
  cfg.n_bootstrap = 1;
  cfg.max_peers = 4;
  cfg.max_inbound = 2;
  cfg.max_outbound = 2;
  cfg.kad.mode = PL_KAD_KADEMLIA;
  cfg.gossip.mode = PL_GOSSIP_MESH;
  cfg.gossip.batch_window_ns = 10 * PL_NS_PER_MS; /* pending batches for duplicates to meet */

  pl_node *node = pl_node_new(&cfg, &H.env, 0, H.seeds[0]);
  if (node == NULL)
    abort();
  pl_node_start(node, T0);
  if (pl_node_receive(node, T0, 1, H.hello, sizeof H.hello) != PL_OK)
    abort(); /* the session with peer 1 must come up */
  pl_command sub = {.kind = PL_CMD_GOSSIP_SUBSCRIBE, .peer = PL_PEER_NONE, .arg = 0};
  if (pl_node_command(node, T0, &sub) != PL_OK)
    abort();

  pl_time_ns now = T0 + 1;
  (void)pl_node_receive(node, now, 1, data, size);

  size_t off = 0;
  while (off + 2 <= size) {
    pl_peer from = data[off] & 3u;
    size_t len = data[off + 1];
    off += 2;
    if (len > size - off)
      len = size - off;
    now += PL_NS_PER_MS;
    (void)pl_node_receive(node, now, from, data + off, len);
    off += len;
  }

  uint32_t fire[MAX_TIMERS];
  unsigned n = H.n_timers;
  memcpy(fire, H.timers, n * sizeof fire[0]);
  for (unsigned i = 0; i < n; i++)
    pl_node_timer(node, now + 100 * PL_NS_PER_S, fire[i]);
  pl_node_stop(node, now + 101 * PL_NS_PER_S);
  pl_node_free(node);
  return 0;
}
