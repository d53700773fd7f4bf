/*
 * test-handshake.c — version negotiation and HELLO authentication.
 */
#include <string.h>

#include <glib.h>

#include "handshake.h"
#include "identity.h"
#include "sigcache.h"
#include "testutil.h"

/* ------------------------------------------------------ negotiation table */

typedef struct nego_case {
  const char *name;
  pl_offer a, b;
  int expect;            /* PL_OK or PL_ERR_VERSION */
  uint8_t minor;         /* negotiated minor when PL_OK */
  uint32_t features;     /* common features when PL_OK */
} nego_case;

static void
test_negotiate_table(void)
{
  static const nego_case cases[] = {
    {"same version", {1, 2, 0, 0x1}, {1, 2, 0, 0x1}, PL_OK, 2, 0x1},
    {"peer lower minor", {1, 2, 0, 0x1}, {1, 1, 0, 0x1}, PL_OK, 1, 0x1},
    {"peer higher minor", {1, 2, 0, 0x1}, {1, 5, 0, 0x1}, PL_OK, 2, 0x1},
    {"lower minor at our min", {1, 3, 1, 0x1}, {1, 1, 0, 0x1}, PL_OK, 1, 0x1},
    {"lower minor below our min", {1, 3, 2, 0x1}, {1, 1, 0, 0x1}, PL_ERR_VERSION, 0, 0},
    {"our minor below their min", {1, 1, 0, 0x1}, {1, 4, 2, 0x1}, PL_ERR_VERSION, 0, 0},
    {"both mins met", {1, 4, 2, 0x7}, {1, 3, 3, 0x5}, PL_OK, 3, 0x5},
    {"minor 0 both", {1, 0, 0, 0}, {1, 0, 0, 0}, PL_OK, 0, 0},
    {"major mismatch", {1, 2, 0, 0x1}, {2, 2, 0, 0x1}, PL_ERR_VERSION, 0, 0},
    {"major mismatch lower", {2, 0, 0, 0x1}, {1, 9, 0, 0x1}, PL_ERR_VERSION, 0, 0},
    {"disjoint features", {1, 2, 0, 0x3}, {1, 2, 0, 0xc}, PL_OK, 2, 0x0},
    {"overlapping features", {1, 2, 0, 0x7}, {1, 2, 0, 0x6}, PL_OK, 2, 0x6},
    {"unknown feature bits carried", {1, 2, 0, 0x80000001u}, {1, 2, 0, 0x80000003u}, PL_OK, 2,
     0x80000001u},
    {"no features", {1, 2, 0, 0x0}, {1, 2, 0, 0xffffffffu}, PL_OK, 2, 0x0},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    const nego_case *c = &cases[i];
    /* Symmetric: both ends reach the same answer. */
    for (int dir = 0; dir < 2; dir++) {
      pl_agreement ag = {0xee, 0xdeadbeef};
      int rc = dir == 0 ? pl_handshake_negotiate(&c->a, &c->b, &ag)
                        : pl_handshake_negotiate(&c->b, &c->a, &ag);
      if (rc != c->expect)
        g_error("case '%s' dir %d: got %d want %d", c->name, dir, rc, c->expect);
      if (rc == PL_OK) {
        g_assert_cmpuint(ag.minor, ==, c->minor);
        g_assert_cmphex(ag.features, ==, c->features);
      } else {
        g_assert_cmpuint(ag.minor, ==, 0xee); /* untouched */
      }
    }
  }
}

static void
test_feature_count(void)
{
  g_assert_cmpuint(pl_feature_count(0), ==, 0);
  g_assert_cmpuint(pl_feature_count(0x5), ==, 2);
  g_assert_cmpuint(pl_feature_count(0xffffffffu), ==, 32);
}

static void
test_timestamp_window(void)
{
  const pl_time_ns w = 60 * PL_NS_PER_S, now = 100 * PL_NS_PER_S;
  g_assert_cmpint(pl_timestamp_check(now, now, w), ==, PL_OK);
  g_assert_cmpint(pl_timestamp_check(now, now - w, w), ==, PL_OK);
  g_assert_cmpint(pl_timestamp_check(now, now + w, w), ==, PL_OK);
  g_assert_cmpint(pl_timestamp_check(now, now - w - 1, w), ==, PL_ERR_STALE);
  g_assert_cmpint(pl_timestamp_check(now, now + w + 1, w), ==, PL_ERR_STALE);
  g_assert_cmpint(pl_timestamp_check(0, UINT64_MAX, w), ==, PL_ERR_STALE);
  g_assert_cmpint(pl_timestamp_check(UINT64_MAX, 0, w), ==, PL_ERR_STALE);
}

static void
test_nonce_ring(void)
{
  pl_nonce_entry e[3];
  pl_nonce_ring r;
  pl_nonce_ring_init(&r, e, 3);
  g_assert_false(pl_nonce_ring_seen(&r, 1, 0));
  pl_nonce_ring_add(&r, 1, 100);
  pl_nonce_ring_add(&r, 2, 100);
  g_assert_true(pl_nonce_ring_seen(&r, 1, 100));
  g_assert_true(pl_nonce_ring_seen(&r, 2, 100));
  g_assert_false(pl_nonce_ring_seen(&r, 3, 100)); /* per peer */
  g_assert_false(pl_nonce_ring_seen(&r, 1, 101));
  pl_nonce_ring_add(&r, 1, 101);
  pl_nonce_ring_add(&r, 1, 102); /* overwrites (1,100), the oldest */
  g_assert_false(pl_nonce_ring_seen(&r, 1, 100));
  g_assert_true(pl_nonce_ring_seen(&r, 2, 100));
  g_assert_true(pl_nonce_ring_seen(&r, 1, 102));
}

static void
test_seq_check(void)
{
  g_assert_cmpint(pl_seq_check(0, 1), ==, PL_OK);
  g_assert_cmpint(pl_seq_check(5, 6), ==, PL_OK);
  g_assert_cmpint(pl_seq_check(5, 5), ==, PL_ERR_REPLAY);
  g_assert_cmpint(pl_seq_check(5, 4), ==, PL_ERR_REPLAY);
}

/* --------------------------------------------------------- authentication */

/* A three-identity host: handles 0 (A), 1 (B), 2 (C). */
typedef struct host {
  uint8_t seeds[3][32];
  uint8_t keys[3][32];
} host;

static const uint8_t *
host_key(pl_peer peer, void *user_data)
{
  host *h = user_data;
  return peer < 3 ? h->keys[peer] : NULL;
}

static void
host_init(host *h, pl_env *env)
{
  for (int i = 0; i < 3; i++) {
    memset(h->seeds[i], 0x10 * (i + 1), 32);
    pl_identity_from_seed(h->seeds[i], h->keys[i], NULL);
  }
  memset(env, 0, sizeof *env);
  env->peer_key_cb = host_key;
  env->user_data = h;
}

static const pl_offer OFFER = {1, 2, 0, PL_FEATURE_PEER_EXCHANGE};
#define T0 (UINT64_C(1000) * PL_NS_PER_S)
#define WINDOW (60 * PL_NS_PER_S)

/* B builds a HELLO for |to| at |ts|. */
static void
hello_from_b(host *h, pl_peer to, pl_time_ns ts, uint64_t nonce, uint8_t buf[PL_WIRE_HELLO_BYTES],
             pl_msg *out)
{
  int n = pl_hello_build(buf, PL_WIRE_HELLO_BYTES, PL_MSG_HELLO, &OFFER, nonce, ts, h->seeds[1],
                         h->keys[1], h->keys[to]);
  g_assert_cmpint(n, ==, PL_WIRE_HELLO_BYTES);
  g_assert_cmpint(pl_wire_decode(buf, (size_t)n, out), ==, PL_OK);
}

static void
test_hello_valid(void)
{
  host h;
  pl_env env;
  host_init(&h, &env);
  uint8_t buf[PL_WIRE_HELLO_BYTES];
  pl_msg m;
  hello_from_b(&h, 0, T0, 77, buf, &m);
  g_assert_cmpuint(m.u.hello.major, ==, 1);
  g_assert_cmpuint(m.u.hello.minor, ==, 2);
  g_assert_cmpuint(m.u.hello.nonce, ==, 77);
  g_assert_cmpmem(m.u.hello.key, 32, h.keys[1], 32);
  pl_offer o = pl_hello_offer(&m.u.hello);
  g_assert_cmpuint(o.features, ==, PL_FEATURE_PEER_EXCHANGE);
  /* A accepts it from B within the window, both sides of it. */
  g_assert_cmpint(pl_hello_check(&env, &m, 1, h.keys[0], T0, WINDOW, NULL), ==, PL_OK);
  g_assert_cmpint(pl_hello_check(&env, &m, 1, h.keys[0], T0 + WINDOW, WINDOW, NULL), ==, PL_OK);
  g_assert_cmpint(pl_hello_check(&env, &m, 1, h.keys[0], T0 - WINDOW, WINDOW, NULL), ==, PL_OK);
  /* Through a signature memo the verdict is the same. */
  env.sigcache = pl_sigcache_new(8);
  g_assert_cmpint(pl_hello_check(&env, &m, 1, h.keys[0], T0, WINDOW, NULL), ==, PL_OK);
  g_assert_cmpint(pl_hello_check(&env, &m, 1, h.keys[0], T0, WINDOW, NULL), ==, PL_OK);
  g_assert_cmpuint(pl_sigcache_hits(env.sigcache), ==, 1);
  pl_sigcache_free(env.sigcache);
}

static void
test_hello_replay(void)
{
  host h;
  pl_env env;
  host_init(&h, &env);
  pl_nonce_entry e[4];
  pl_nonce_ring ring;
  pl_nonce_ring_init(&ring, e, 4);
  uint8_t buf[PL_WIRE_HELLO_BYTES];
  pl_msg m;
  hello_from_b(&h, 0, T0, 5, buf, &m);
  g_assert_cmpint(pl_hello_check(&env, &m, 1, h.keys[0], T0, WINDOW, &ring), ==, PL_OK);
  pl_nonce_ring_add(&ring, 1, m.u.hello.nonce);
  /* The same HELLO again, a second later: a replay. */
  g_assert_cmpint(pl_hello_check(&env, &m, 1, h.keys[0], T0 + PL_NS_PER_S, WINDOW, &ring), ==,
                  PL_ERR_REPLAY);
  /* A fresh HELLO (new nonce) is fine. */
  uint8_t buf2[PL_WIRE_HELLO_BYTES];
  pl_msg m2;
  hello_from_b(&h, 0, T0 + PL_NS_PER_S, 6, buf2, &m2);
  g_assert_cmpint(pl_hello_check(&env, &m2, 1, h.keys[0], T0 + PL_NS_PER_S, WINDOW, &ring), ==,
                  PL_OK);
  /* After the window the old one is stale before it is a replay. */
  g_assert_cmpint(pl_hello_check(&env, &m, 1, h.keys[0], T0 + WINDOW + 1, WINDOW, &ring), ==,
                  PL_ERR_STALE);
}

static void
test_hello_stale(void)
{
  host h;
  pl_env env;
  host_init(&h, &env);
  uint8_t buf[PL_WIRE_HELLO_BYTES];
  pl_msg m;
  hello_from_b(&h, 0, T0, 9, buf, &m);
  g_assert_cmpint(pl_hello_check(&env, &m, 1, h.keys[0], T0 + WINDOW + 1, WINDOW, NULL), ==,
                  PL_ERR_STALE);
  g_assert_cmpint(pl_hello_check(&env, &m, 1, h.keys[0], T0 - WINDOW - 1, WINDOW, NULL), ==,
                  PL_ERR_STALE);
}

static void
test_hello_wrong_identity(void)
{
  host h;
  pl_env env;
  host_init(&h, &env);
  uint8_t buf[PL_WIRE_HELLO_BYTES];
  pl_msg m;
  /* B's valid HELLO, but delivered as coming from C. */
  hello_from_b(&h, 0, T0, 9, buf, &m);
  g_assert_cmpint(pl_hello_check(&env, &m, 2, h.keys[0], T0, WINDOW, NULL), ==,
                  PL_ERR_BAD_IDENTITY);
  /* From a sender the host does not know. */
  g_assert_cmpint(pl_hello_check(&env, &m, 7, h.keys[0], T0, WINDOW, NULL), ==,
                  PL_ERR_BAD_IDENTITY);
  /* Identity is checked before freshness. */
  g_assert_cmpint(pl_hello_check(&env, &m, 2, h.keys[0], T0 + 2 * WINDOW, WINDOW, NULL), ==,
                  PL_ERR_BAD_IDENTITY);
}

static void
test_hello_bad_signature(void)
{
  host h;
  pl_env env;
  host_init(&h, &env);
  uint8_t buf[PL_WIRE_HELLO_BYTES];
  pl_msg m;
  /* Addressed to C, presented to A: does not verify at A. */
  hello_from_b(&h, 2, T0, 9, buf, &m);
  g_assert_cmpint(pl_hello_check(&env, &m, 1, h.keys[0], T0, WINDOW, NULL), ==,
                  PL_ERR_BAD_SIGNATURE);
  g_assert_cmpint(pl_hello_check(&env, &m, 1, h.keys[2], T0, WINDOW, NULL), ==, PL_OK);
  /* Any changed signed field or signature byte breaks it. */
  const int offsets[] = {2, 3, 5, 8, 12, 20, 56, 57, 100, 120};
  for (size_t i = 0; i < G_N_ELEMENTS(offsets); i++) {
    uint8_t t[PL_WIRE_HELLO_BYTES];
    pl_msg tm;
    hello_from_b(&h, 0, T0, 9, t, &tm);
    t[offsets[i]] ^= 0x01;
    int rc = pl_wire_decode(t, sizeof t, &tm);
    if (rc != PL_OK)
      continue; /* e.g. minor_min > minor: refused earlier */
    /* Bytes 25..56 are the key: no longer the sender's. */
    int want = offsets[i] >= 25 && offsets[i] < 57 ? PL_ERR_BAD_IDENTITY : PL_ERR_BAD_SIGNATURE;
    g_assert_cmpint(pl_hello_check(&env, &tm, 1, h.keys[0], T0, WINDOW, NULL), ==, want);
  }
  /* A HELLO signed with C's seed but carrying B's key. */
  uint8_t f[PL_WIRE_HELLO_BYTES];
  int n = pl_hello_build(f, sizeof f, PL_MSG_HELLO, &OFFER, 1, T0, h.seeds[2], h.keys[1],
                         h.keys[0]);
  g_assert_cmpint(n, ==, PL_WIRE_HELLO_BYTES);
  pl_msg fm;
  g_assert_cmpint(pl_wire_decode(f, sizeof f, &fm), ==, PL_OK);
  g_assert_cmpint(pl_hello_check(&env, &fm, 1, h.keys[0], T0, WINDOW, NULL), ==,
                  PL_ERR_BAD_SIGNATURE);
}

static void
test_hello_build_errors(void)
{
  host h;
  pl_env env;
  host_init(&h, &env);
  uint8_t buf[PL_WIRE_HELLO_BYTES];
  pl_offer bad = {1, 1, 2, 0};
  g_assert_cmpint(pl_hello_build(buf, sizeof buf, PL_MSG_HELLO, &bad, 1, T0, h.seeds[0],
                                 h.keys[0], h.keys[1]),
                  ==, PL_ERR_INVALID);
  g_assert_cmpint(pl_hello_build(buf, sizeof buf - 1, PL_MSG_HELLO_ACK, &OFFER, 1, T0,
                                 h.seeds[0], h.keys[0], h.keys[1]),
                  ==, PL_ERR_BUFFER);
  g_assert_cmpint(pl_hello_build(buf, sizeof buf, PL_MSG_HELLO_ACK, &OFFER, 1, T0, h.seeds[0],
                                 h.keys[0], h.keys[1]),
                  ==, PL_WIRE_HELLO_BYTES);
  g_assert_cmpuint(buf[1], ==, PL_MSG_HELLO_ACK);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/handshake/negotiate-table", test_negotiate_table);
  g_test_add_func("/handshake/feature-count", test_feature_count);
  g_test_add_func("/handshake/timestamp-window", test_timestamp_window);
  g_test_add_func("/handshake/nonce-ring", test_nonce_ring);
  g_test_add_func("/handshake/seq-check", test_seq_check);
  g_test_add_func("/handshake/hello-valid", test_hello_valid);
  g_test_add_func("/handshake/hello-replay", test_hello_replay);
  g_test_add_func("/handshake/hello-stale", test_hello_stale);
  g_test_add_func("/handshake/hello-wrong-identity", test_hello_wrong_identity);
  g_test_add_func("/handshake/hello-bad-signature", test_hello_bad_signature);
  g_test_add_func("/handshake/hello-build-errors", test_hello_build_errors);
  return g_test_run();
}
