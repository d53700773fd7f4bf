/*
 * test-rendezvous.c — highest-random-weight hashing (core/rendezvous.c).
 */
#include <glib.h>
#include <string.h>

#include "identity.h"
#include "pl.h"
#include "rendezvous.h"
#include "testutil.h"

#define N_PEERS 200

/* A host with N_PEERS ids: id(p) = BLAKE2b-256("peer" || p); handle
 * N_PEERS and above are unknown. */
static uint8_t ids[N_PEERS][PL_ID_BYTES];

static const uint8_t *
peer_id(pl_peer peer, void *user_data)
{
  (void)user_data;
  return peer < N_PEERS ? ids[peer] : NULL;
}

static pl_env env = {.peer_id_cb = peer_id};

static void
setup_ids(void)
{
  for (uint32_t p = 0; p < N_PEERS; p++) {
    uint8_t in[8] = {'p', 'e', 'e', 'r', (uint8_t)(p >> 24), (uint8_t)(p >> 16),
                     (uint8_t)(p >> 8), (uint8_t)p};
    pl_hash(in, sizeof in, ids[p]);
  }
}

static void
key_of(uint32_t i, uint8_t key[PL_ID_BYTES])
{
  uint8_t in[7] = {'k', 'e', 'y', (uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8),
                   (uint8_t)i};
  pl_hash(in, sizeof in, key);
}

static void
test_weight(void)
{
  uint8_t key[PL_ID_BYTES], in[15 + 64], h[PL_ID_BYTES];
  key_of(1, key);
  /* The weight is the first 8 bytes (big-endian) of the domain-tagged hash. */
  memcpy(in, "peerlab hrw v1", 15);
  memcpy(in + 15, key, 32);
  memcpy(in + 47, ids[3], 32);
  pl_hash(in, sizeof in, h);
  uint64_t want = 0;
  for (int i = 0; i < 8; i++)
    want = (want << 8) | h[i];
  g_assert_cmpuint(pl_rendezvous_weight(key, ids[3]), ==, want);
  /* Different key or id, different weight. */
  g_assert_cmpuint(pl_rendezvous_weight(key, ids[4]), !=, want);
  uint8_t key2[PL_ID_BYTES];
  key_of(2, key2);
  g_assert_cmpuint(pl_rendezvous_weight(key2, ids[3]), !=, want);
}

/* The top r is the r largest weights, best first, matching a brute-force
 * sort, and independent of the candidates' order. */
static void
test_top_matches_sort(void)
{
  pl_peer cands[N_PEERS], rev[N_PEERS], out[8], out2[8];
  for (uint32_t i = 0; i < N_PEERS; i++) {
    cands[i] = i;
    rev[i] = N_PEERS - 1 - i;
  }
  for (uint32_t k = 0; k < 50; k++) {
    uint8_t key[PL_ID_BYTES];
    key_of(k, key);
    g_assert_cmpuint(pl_rendezvous_top(&env, key, cands, N_PEERS, out, 8), ==, 8);
    g_assert_cmpuint(pl_rendezvous_top(&env, key, rev, N_PEERS, out2, 8), ==, 8);
    g_assert_cmpmem(out, sizeof out, out2, sizeof out2);
    /* Brute force: count peers heavier than each chosen one. */
    for (uint32_t i = 0; i < 8; i++) {
      uint64_t w = pl_rendezvous_weight(key, ids[out[i]]);
      uint32_t heavier = 0;
      for (uint32_t p = 0; p < N_PEERS; p++)
        heavier += pl_rendezvous_weight(key, ids[p]) > w;
      g_assert_cmpuint(heavier, ==, i);
    }
    g_assert_true(pl_rendezvous_is_holder(&env, key, cands, N_PEERS, out[7], 8));
    g_assert_false(pl_rendezvous_is_holder(&env, key, cands, N_PEERS, out[7], 7));
  }
}

/* Unknown handles, PL_PEER_NONE and repeats are skipped; fewer candidates
 * than r give all of them. */
static void
test_skips(void)
{
  uint8_t key[PL_ID_BYTES];
  key_of(7, key);
  pl_peer cands[] = {5, PL_PEER_NONE, 5, N_PEERS + 3, 9, 9, 12};
  pl_peer out[8];
  uint32_t n = pl_rendezvous_top(&env, key, cands, G_N_ELEMENTS(cands), out, 8);
  g_assert_cmpuint(n, ==, 3);
  bool seen5 = false, seen9 = false, seen12 = false;
  for (uint32_t i = 0; i < n; i++) {
    seen5 |= out[i] == 5;
    seen9 |= out[i] == 9;
    seen12 |= out[i] == 12;
  }
  g_assert_true(seen5 && seen9 && seen12);
  g_assert_cmpuint(pl_rendezvous_top(&env, key, cands, 0, out, 8), ==, 0);
  g_assert_cmpuint(pl_rendezvous_top(&env, key, cands, 3, out, 0), ==, 0);
}

/* Minimal disruption: removing one peer moves only the keys it held (their
 * new top-1 was their old top-2); every other key keeps its holder.  Two
 * views that differ only in peers outside a key's top r agree on it. */
static void
test_minimal_disruption(void)
{
  pl_peer all[N_PEERS], less[N_PEERS - 1];
  for (uint32_t i = 0; i < N_PEERS; i++)
    all[i] = i;
  const pl_peer gone = 17;
  uint32_t m = 0;
  for (uint32_t i = 0; i < N_PEERS; i++)
    if (i != gone)
      less[m++] = i;
  uint32_t moved = 0;
  for (uint32_t k = 0; k < 2000; k++) {
    uint8_t key[PL_ID_BYTES];
    key_of(k, key);
    pl_peer a[2], b[1];
    g_assert_cmpuint(pl_rendezvous_top(&env, key, all, N_PEERS, a, 2), ==, 2);
    g_assert_cmpuint(pl_rendezvous_top(&env, key, less, m, b, 1), ==, 1);
    if (a[0] == gone) {
      g_assert_cmpuint(b[0], ==, a[1]);
      moved++;
    } else {
      g_assert_cmpuint(b[0], ==, a[0]);
    }
  }
  /* 17 held about 2000 / 200 = 10 keys. */
  g_assert_cmpuint(moved, >=, 2);
  g_assert_cmpuint(moved, <=, 30);
}

/* Balance: over 20,000 keys each of 200 peers is top-1 for about 100; no
 * peer gets more than three times its share or none. */
static void
test_balance(void)
{
  pl_peer all[N_PEERS];
  uint32_t count[N_PEERS] = {0};
  for (uint32_t i = 0; i < N_PEERS; i++)
    all[i] = i;
  for (uint32_t k = 0; k < 20000; k++) {
    uint8_t key[PL_ID_BYTES];
    key_of(k, key);
    pl_peer top;
    g_assert_cmpuint(pl_rendezvous_top(&env, key, all, N_PEERS, &top, 1), ==, 1);
    count[top]++;
  }
  for (uint32_t p = 0; p < N_PEERS; p++) {
    g_assert_cmpuint(count[p], >, 0);
    g_assert_cmpuint(count[p], <, 300);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  setup_ids();
  g_test_add_func("/rendezvous/weight", test_weight);
  g_test_add_func("/rendezvous/top-matches-sort", test_top_matches_sort);
  g_test_add_func("/rendezvous/skips", test_skips);
  g_test_add_func("/rendezvous/minimal-disruption", test_minimal_disruption);
  g_test_add_func("/rendezvous/balance", test_balance);
  return g_test_run();
}
