/*
 * test-handshake.c — version negotiation and node-record authentication.
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

/* |who| signs a record for OFFER with |seq| and builds a HELLO (|type|)
 * carrying it into |buf|, decoded into |out|. */
static void
hello_of(host *h, int who, uint8_t type, uint64_t seq, uint8_t buf[PL_WIRE_HELLO_BYTES],
         pl_msg *out)
{
  pl_record rec;
  g_assert_cmpint(pl_record_sign(&rec, &OFFER, seq, h->seeds[who], h->keys[who]), ==, PL_OK);
  int n = pl_hello_build(buf, PL_WIRE_HELLO_BYTES, type, &rec, h->keys[who]);
  g_assert_cmpint(n, ==, PL_WIRE_HELLO_BYTES);
  g_assert_cmpint(pl_wire_decode(buf, (size_t)n, out), ==, PL_OK);
}

static void
test_record_seq_check(void)
{
  g_assert_cmpint(pl_record_seq_check(0, 0), ==, PL_OK);   /* no history */
  g_assert_cmpint(pl_record_seq_check(0, 7), ==, PL_OK);
  g_assert_cmpint(pl_record_seq_check(5, 5), ==, PL_OK);   /* the same record again */
  g_assert_cmpint(pl_record_seq_check(5, 6), ==, PL_OK);   /* a newer one */
  g_assert_cmpint(pl_record_seq_check(5, 4), ==, PL_ERR_REPLAY);
  g_assert_cmpint(pl_record_seq_check(UINT64_MAX, 0), ==, PL_ERR_REPLAY);
}

static void
test_hello_round_trip(void)
{
  host h;
  pl_env env;
  host_init(&h, &env);
  uint8_t buf[PL_WIRE_HELLO_BYTES];
  pl_msg m;
  hello_of(&h, 1, PL_MSG_HELLO, T0, buf, &m);
  g_assert_cmpuint(m.type, ==, PL_MSG_HELLO);
  g_assert_cmpuint(m.u.hello.major, ==, 1);
  g_assert_cmpuint(m.u.hello.minor, ==, 2);
  g_assert_cmpuint(m.u.hello.minor_min, ==, 0);
  g_assert_cmpuint(m.u.hello.record_seq, ==, T0);
  g_assert_cmpmem(m.u.hello.key, 32, h.keys[1], 32);
  pl_offer o = pl_hello_offer(&m.u.hello);
  g_assert_true(pl_offer_equal(&o, &OFFER));
  /* Any receiver accepts it from B: no receiver is bound in. */
  g_assert_cmpint(pl_hello_check(&env, &m, 1, 0), ==, PL_OK);
  /* HELLO and HELLO_ACK carry the very same record bytes. */
  uint8_t ack[PL_WIRE_HELLO_BYTES];
  pl_msg am;
  hello_of(&h, 1, PL_MSG_HELLO_ACK, T0, ack, &am);
  g_assert_cmpuint(ack[1], ==, PL_MSG_HELLO_ACK);
  g_assert_cmpmem(ack + 2, sizeof ack - 2, buf + 2, sizeof buf - 2);
  g_assert_cmpint(pl_hello_check(&env, &am, 1, 0), ==, PL_OK);
  /* Signing is deterministic: the same record signs to the same bytes. */
  pl_record r1, r2;
  g_assert_cmpint(pl_record_sign(&r1, &OFFER, 9, h.seeds[0], h.keys[0]), ==, PL_OK);
  g_assert_cmpint(pl_record_sign(&r2, &OFFER, 9, h.seeds[0], h.keys[0]), ==, PL_OK);
  g_assert_cmpmem(r1.sig, 64, r2.sig, 64);
  g_assert_cmpuint(r1.seq, ==, 9);
  g_assert_true(pl_offer_equal(&r1.offer, &OFFER));
  /* A different seq is a different record. */
  g_assert_cmpint(pl_record_sign(&r2, &OFFER, 10, h.seeds[0], h.keys[0]), ==, PL_OK);
  g_assert_true(memcmp(r1.sig, r2.sig, 64) != 0);
}

static void
test_record_memo(void)
{
  host h;
  pl_env env;
  host_init(&h, &env);
  env.sigcache = pl_sigcache_new(8);
  /* B's one record, sent to A as a HELLO and to C as a HELLO_ACK: two
   * receivers, one real verification. */
  uint8_t to_a[PL_WIRE_HELLO_BYTES], to_c[PL_WIRE_HELLO_BYTES];
  pl_msg ma, mc;
  hello_of(&h, 1, PL_MSG_HELLO, T0, to_a, &ma);
  hello_of(&h, 1, PL_MSG_HELLO_ACK, T0, to_c, &mc);
  g_assert_cmpint(pl_hello_check(&env, &ma, 1, 0), ==, PL_OK);
  g_assert_cmpint(pl_hello_check(&env, &mc, 1, 0), ==, PL_OK);
  g_assert_cmpuint(pl_sigcache_misses(env.sigcache), ==, 1);
  g_assert_cmpuint(pl_sigcache_hits(env.sigcache), ==, 1);
  g_assert_cmpint(pl_hello_check(&env, &ma, 1, T0), ==, PL_OK);
  g_assert_cmpuint(pl_sigcache_hits(env.sigcache), ==, 2);
  /* A newer record of B is a new verification. */
  uint8_t newer[PL_WIRE_HELLO_BYTES];
  pl_msg mn;
  hello_of(&h, 1, PL_MSG_HELLO, T0 + 1, newer, &mn);
  g_assert_cmpint(pl_hello_check(&env, &mn, 1, T0), ==, PL_OK);
  g_assert_cmpuint(pl_sigcache_misses(env.sigcache), ==, 2);
  pl_sigcache_free(env.sigcache);
}

static void
test_record_replay(void)
{
  host h;
  pl_env env;
  host_init(&h, &env);
  uint8_t old[PL_WIRE_HELLO_BYTES], cur[PL_WIRE_HELLO_BYTES], again[PL_WIRE_HELLO_BYTES];
  pl_msg mo, mcur, ma;
  hello_of(&h, 1, PL_MSG_HELLO, T0, old, &mo);
  /* B restarted later: its new record has a higher seq and is accepted
   * over the old one. */
  hello_of(&h, 1, PL_MSG_HELLO, T0 + 30 * PL_NS_PER_S, cur, &mcur);
  g_assert_cmpint(pl_hello_check(&env, &mo, 1, 0), ==, PL_OK);
  g_assert_cmpint(pl_hello_check(&env, &mcur, 1, T0), ==, PL_OK);
  /* Once the newer one was accepted, the old one is a replay ... */
  g_assert_cmpint(pl_hello_check(&env, &mo, 1, T0 + 30 * PL_NS_PER_S), ==, PL_ERR_REPLAY);
  /* ... while the current record, sent again, is fine (any time later:
   * there is no timestamp window any more). */
  hello_of(&h, 1, PL_MSG_HELLO_ACK, T0 + 30 * PL_NS_PER_S, again, &ma);
  g_assert_cmpint(pl_hello_check(&env, &ma, 1, T0 + 30 * PL_NS_PER_S), ==, PL_OK);
  /* Identity is checked before replay, replay before the signature. */
  g_assert_cmpint(pl_hello_check(&env, &mo, 2, UINT64_MAX), ==, PL_ERR_BAD_IDENTITY);
  old[100] ^= 1;
  g_assert_cmpint(pl_wire_decode(old, sizeof old, &mo), ==, PL_OK);
  g_assert_cmpint(pl_hello_check(&env, &mo, 1, UINT64_MAX), ==, PL_ERR_REPLAY);
  g_assert_cmpint(pl_hello_check(&env, &mo, 1, 0), ==, PL_ERR_BAD_SIGNATURE);
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
  hello_of(&h, 1, PL_MSG_HELLO, T0, buf, &m);
  g_assert_cmpint(pl_hello_check(&env, &m, 2, 0), ==, PL_ERR_BAD_IDENTITY);
  /* From a sender the host does not know. */
  g_assert_cmpint(pl_hello_check(&env, &m, 7, 0), ==, PL_ERR_BAD_IDENTITY);
  /* From B it is fine. */
  g_assert_cmpint(pl_hello_check(&env, &m, 1, 0), ==, PL_OK);
}

static void
test_record_tampering(void)
{
  host h;
  pl_env env;
  host_init(&h, &env);
  /* Any changed record field or signature byte breaks it: the record is
   * bytes 2..48 (major 2, minor 3, minor_min 4, features 5..8, seq
   * 9..16, key 17..48), the signature 49..112. */
  for (int off = 2; off < PL_WIRE_HELLO_BYTES; off++) {
    uint8_t t[PL_WIRE_HELLO_BYTES];
    pl_msg tm;
    hello_of(&h, 1, PL_MSG_HELLO, T0, t, &tm);
    t[off] ^= 0x01;
    int rc = pl_wire_decode(t, sizeof t, &tm);
    if (rc != PL_OK) {
      g_assert_cmpint(rc, ==, PL_ERR_BAD_FIELD); /* e.g. minor_min > minor */
      continue;
    }
    /* Bytes 17..48 are the key: no longer the sender's. */
    int want = off >= 17 && off < 49 ? PL_ERR_BAD_IDENTITY : PL_ERR_BAD_SIGNATURE;
    if (pl_hello_check(&env, &tm, 1, 0) != want)
      g_error("byte %d flipped: got %d want %d", off, pl_hello_check(&env, &tm, 1, 0), want);
  }
  /* A record signed with C's seed but carrying B's key. */
  pl_record rec;
  g_assert_cmpint(pl_record_sign(&rec, &OFFER, T0, h.seeds[2], h.keys[1]), ==, PL_OK);
  uint8_t f[PL_WIRE_HELLO_BYTES];
  g_assert_cmpint(pl_hello_build(f, sizeof f, PL_MSG_HELLO, &rec, h.keys[1]), ==,
                  PL_WIRE_HELLO_BYTES);
  pl_msg fm;
  g_assert_cmpint(pl_wire_decode(f, sizeof f, &fm), ==, PL_OK);
  g_assert_cmpint(pl_hello_check(&env, &fm, 1, 0), ==, PL_ERR_BAD_SIGNATURE);
  /* B's record with the offer raised after signing. */
  g_assert_cmpint(pl_record_sign(&rec, &OFFER, T0, h.seeds[1], h.keys[1]), ==, PL_OK);
  rec.offer.features |= PL_FEATURE_BATCHING;
  g_assert_cmpint(pl_hello_build(f, sizeof f, PL_MSG_HELLO, &rec, h.keys[1]), ==,
                  PL_WIRE_HELLO_BYTES);
  g_assert_cmpint(pl_wire_decode(f, sizeof f, &fm), ==, PL_OK);
  g_assert_cmpint(pl_hello_check(&env, &fm, 1, 0), ==, PL_ERR_BAD_SIGNATURE);
}

static void
test_hello_build_errors(void)
{
  host h;
  pl_env env;
  host_init(&h, &env);
  pl_record rec;
  memset(&rec, 0x5a, sizeof rec);
  pl_offer bad = {1, 1, 2, 0};
  g_assert_cmpint(pl_record_sign(&rec, &bad, 1, h.seeds[0], h.keys[0]), ==, PL_ERR_INVALID);
  pl_offer zero = {0, 1, 0, 0};
  g_assert_cmpint(pl_record_sign(&rec, &zero, 1, h.seeds[0], h.keys[0]), ==, PL_ERR_INVALID);
  g_assert_cmpuint(rec.seq, ==, UINT64_C(0x5a5a5a5a5a5a5a5a)); /* untouched */
  g_assert_cmpint(pl_record_sign(&rec, &OFFER, 1, h.seeds[0], h.keys[0]), ==, PL_OK);
  uint8_t buf[PL_WIRE_HELLO_BYTES];
  g_assert_cmpint(pl_hello_build(buf, sizeof buf - 1, PL_MSG_HELLO_ACK, &rec, h.keys[0]), ==,
                  PL_ERR_BUFFER);
  g_assert_cmpint(pl_hello_build(buf, sizeof buf, PL_MSG_HELLO_ACK, &rec, h.keys[0]), ==,
                  PL_WIRE_HELLO_BYTES);
  g_assert_cmpuint(buf[1], ==, PL_MSG_HELLO_ACK);
  rec.offer = bad;
  g_assert_cmpint(pl_hello_build(buf, sizeof buf, PL_MSG_HELLO, &rec, h.keys[0]), ==,
                  PL_ERR_INVALID);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/handshake/negotiate-table", test_negotiate_table);
  g_test_add_func("/handshake/feature-count", test_feature_count);
  g_test_add_func("/handshake/timestamp-window", test_timestamp_window);
  g_test_add_func("/handshake/seq-check", test_seq_check);
  g_test_add_func("/handshake/record-seq-check", test_record_seq_check);
  g_test_add_func("/handshake/hello-round-trip", test_hello_round_trip);
  g_test_add_func("/handshake/record-memo", test_record_memo);
  g_test_add_func("/handshake/record-replay", test_record_replay);
  g_test_add_func("/handshake/hello-wrong-identity", test_hello_wrong_identity);
  g_test_add_func("/handshake/record-tampering", test_record_tampering);
  g_test_add_func("/handshake/hello-build-errors", test_hello_build_errors);
  return g_test_run();
}
