/*
 * test-sigcache.c — the memo of verification verdicts (core/sigcache.c).
 *
 * The memo must give exactly the verdict of a direct verification, count
 * its hits and misses, hold at most |capacity| entries, evict the oldest
 * first, and make pl_verify_env answer the same with or without it.
 */
#include <glib.h>
#include <string.h>

#include "identity.h"
#include "pl.h"
#include "sigcache.h"
#include "testutil.h"

/* A signed message made from a small integer, so tests can make many. */
typedef struct signed_msg {
  uint8_t key[PL_KEY_BYTES];
  uint8_t msg[40];
  size_t len;
  uint8_t sig[PL_SIG_BYTES];
} signed_msg;

static void
seed_of(unsigned who, uint8_t seed[PL_SEED_BYTES])
{
  for (size_t i = 0; i < PL_SEED_BYTES; i++)
    seed[i] = (uint8_t)(who * 31u + i * 17u + 3u);
}

static void
make_signed(unsigned who, unsigned n, signed_msg *m)
{
  uint8_t seed[PL_SEED_BYTES];
  seed_of(who, seed);
  pl_identity_from_seed(seed, m->key, NULL);
  m->len = (size_t)g_snprintf((char *)m->msg, sizeof m->msg, "message %u from %u", n, who);
  pl_sign_raw(seed, m->key, m->msg, m->len, m->sig);
}

/* The four kinds of input: valid, tampered message, tampered signature,
 * wrong key.  Returns the verdict a direct verification gives. */
static int
variant(const signed_msg *base, int kind, signed_msg *out)
{
  *out = *base;
  switch (kind) {
  case 0:
    break;
  case 1:
    out->msg[0] ^= 0x20;
    break;
  case 2:
    out->sig[40] ^= 0x01;
    break;
  case 3: {
    signed_msg other;
    make_signed(999, 0, &other);
    memcpy(out->key, other.key, sizeof out->key);
    break;
  }
  default:
    g_assert_not_reached();
  }
  return pl_verify_raw(out->key, out->msg, out->len, out->sig);
}

static void
test_verdicts_match(void)
{
  pl_sigcache *c = pl_sigcache_new(64);
  g_assert_nonnull(c);
  signed_msg base;
  make_signed(1, 1, &base);

  for (int kind = 0; kind < 4; kind++) {
    signed_msg m;
    int direct = variant(&base, kind, &m);
    g_assert_cmpint(direct, ==, kind == 0 ? PL_OK : PL_ERR_BAD_SIGNATURE);
    /* First time a miss, second time a hit; both equal the direct verdict. */
    g_assert_cmpint(pl_sigcache_verify(c, m.key, m.msg, m.len, m.sig), ==, direct);
    g_assert_cmpuint(pl_sigcache_misses(c), ==, (guint64)kind + 1);
    g_assert_cmpint(pl_sigcache_verify(c, m.key, m.msg, m.len, m.sig), ==, direct);
    g_assert_cmpuint(pl_sigcache_hits(c), ==, (guint64)kind + 1);
  }
  g_assert_cmpuint(pl_sigcache_size(c), ==, 4);
  /* Asking again in reverse order: all hits, same verdicts. */
  for (int kind = 3; kind >= 0; kind--) {
    signed_msg m;
    int direct = variant(&base, kind, &m);
    g_assert_cmpint(pl_sigcache_verify(c, m.key, m.msg, m.len, m.sig), ==, direct);
  }
  g_assert_cmpuint(pl_sigcache_hits(c), ==, 8);
  g_assert_cmpuint(pl_sigcache_misses(c), ==, 4);
  pl_sigcache_free(c);
}

static void
test_empty_message(void)
{
  uint8_t seed[PL_SEED_BYTES], key[PL_KEY_BYTES], sig[PL_SIG_BYTES];
  pl_sigcache *c = pl_sigcache_new(2);
  seed_of(5, seed);
  pl_identity_from_seed(seed, key, NULL);
  pl_sign_raw(seed, key, NULL, 0, sig);
  g_assert_cmpint(pl_sigcache_verify(c, key, NULL, 0, sig), ==, PL_OK);
  g_assert_cmpint(pl_sigcache_verify(c, key, (const uint8_t *)"", 0, sig), ==, PL_OK);
  g_assert_cmpuint(pl_sigcache_hits(c), ==, 1);
  /* A different message with the same signature is a different entry. */
  g_assert_cmpint(pl_sigcache_verify(c, key, (const uint8_t *)"x", 1, sig), ==,
                  PL_ERR_BAD_SIGNATURE);
  g_assert_cmpuint(pl_sigcache_misses(c), ==, 2);
  pl_sigcache_free(c);
}

static void
test_bounded_fifo(void)
{
  enum { CAP = 8, N = 20 };
  signed_msg msgs[N];
  pl_sigcache *c = pl_sigcache_new(CAP);
  g_assert_nonnull(c);
  size_t mem = pl_sigcache_memory(c);
  g_assert_cmpuint(mem, >=, CAP * 32);

  for (unsigned i = 0; i < N; i++) {
    make_signed(i % 3, i, &msgs[i]);
    if (i % 4 == 3)
      msgs[i].sig[7] ^= 0x40; /* some invalid ones too */
  }

  /* Fill past capacity: every insertion a miss, size capped. */
  for (unsigned i = 0; i < N; i++) {
    signed_msg *m = &msgs[i];
    int want = i % 4 == 3 ? PL_ERR_BAD_SIGNATURE : PL_OK;
    g_assert_cmpint(pl_sigcache_verify(c, m->key, m->msg, m->len, m->sig), ==, want);
    g_assert_cmpuint(pl_sigcache_size(c), ==, MIN(i + 1, (unsigned)CAP));
  }
  g_assert_cmpuint(pl_sigcache_misses(c), ==, N);
  g_assert_cmpuint(pl_sigcache_hits(c), ==, 0);
  /* Memory is allocated once: no growth with use. */
  g_assert_cmpuint(pl_sigcache_memory(c), ==, mem);

  /* The last CAP inserted are held: hits, in any order. */
  for (unsigned i = N; i-- > N - CAP;) {
    signed_msg *m = &msgs[i];
    int want = i % 4 == 3 ? PL_ERR_BAD_SIGNATURE : PL_OK;
    g_assert_cmpint(pl_sigcache_verify(c, m->key, m->msg, m->len, m->sig), ==, want);
  }
  g_assert_cmpuint(pl_sigcache_hits(c), ==, CAP);
  g_assert_cmpuint(pl_sigcache_misses(c), ==, N);

  /* Hits do not refresh an entry (FIFO, not LRU).  The oldest held entry
   * is N - CAP; re-verify an evicted one (index 0): a miss, which evicts
   * N - CAP.  Then N - CAP is a miss too, and evicts N - CAP + 1. */
  signed_msg *m0 = &msgs[0];
  g_assert_cmpint(pl_sigcache_verify(c, m0->key, m0->msg, m0->len, m0->sig), ==, PL_OK);
  g_assert_cmpuint(pl_sigcache_misses(c), ==, N + 1);
  signed_msg *mo = &msgs[N - CAP];
  g_assert_cmpint(pl_sigcache_verify(c, mo->key, mo->msg, mo->len, mo->sig), ==, PL_OK);
  g_assert_cmpuint(pl_sigcache_misses(c), ==, N + 2);
  signed_msg *mo1 = &msgs[N - CAP + 1];
  g_assert_cmpint(pl_sigcache_verify(c, mo1->key, mo1->msg, mo1->len, mo1->sig), ==,
                  PL_OK);
  g_assert_cmpuint(pl_sigcache_misses(c), ==, N + 3);
  /* ... while the newest ones are still hits. */
  signed_msg *ml = &msgs[N - 1];
  g_assert_cmpint(pl_sigcache_verify(c, ml->key, ml->msg, ml->len, ml->sig), ==,
                  PL_ERR_BAD_SIGNATURE);
  g_assert_cmpuint(pl_sigcache_hits(c), ==, CAP + 1);
  g_assert_cmpuint(pl_sigcache_size(c), ==, CAP);
  pl_sigcache_free(c);
}

static void
test_capacity_one(void)
{
  signed_msg a, b;
  make_signed(1, 1, &a);
  make_signed(2, 2, &b);
  pl_sigcache *c = pl_sigcache_new(1);
  g_assert_cmpint(pl_sigcache_verify(c, a.key, a.msg, a.len, a.sig), ==, PL_OK);
  g_assert_cmpint(pl_sigcache_verify(c, a.key, a.msg, a.len, a.sig), ==, PL_OK);
  g_assert_cmpint(pl_sigcache_verify(c, b.key, b.msg, b.len, b.sig), ==, PL_OK);
  g_assert_cmpint(pl_sigcache_verify(c, a.key, a.msg, a.len, a.sig), ==, PL_OK);
  g_assert_cmpuint(pl_sigcache_hits(c), ==, 1);
  g_assert_cmpuint(pl_sigcache_misses(c), ==, 3);
  g_assert_cmpuint(pl_sigcache_size(c), ==, 1);
  pl_sigcache_free(c);
}

/* Many entries through a small table: eviction with backward-shift
 * deletion must never lose an entry that is still held, nor keep one that
 * was evicted.  Model the FIFO in the test and compare every answer. */
static void
test_churn_against_model(void)
{
  enum { CAP = 37, DISTINCT = 150, STEPS = 3000 };
  signed_msg *msgs = g_new(signed_msg, DISTINCT);
  int *verdict = g_new(int, DISTINCT);
  for (unsigned i = 0; i < DISTINCT; i++) {
    make_signed(i % 7, i, &msgs[i]);
    if (i % 5 == 0)
      msgs[i].msg[1] ^= 1;
    verdict[i] = pl_verify_raw(msgs[i].key, msgs[i].msg, msgs[i].len, msgs[i].sig);
  }

  /* The model: a ring of the CAP most recently inserted ids. */
  int ring[CAP];
  unsigned ring_n = 0, ring_next = 0;
  guint64 hits = 0, misses = 0;
  pl_sigcache *c = pl_sigcache_new(CAP);
  uint32_t x = 12345; /* a fixed LCG picks the access sequence */

  for (unsigned step = 0; step < STEPS; step++) {
    x = x * 1103515245u + 12345u;
    /* Skewed: half the accesses go to a small hot set. */
    unsigned pick = (x >> 16) % DISTINCT;
    if (step % 2)
      pick %= 20;
    bool held = false;
    for (unsigned k = 0; k < ring_n; k++)
      held |= ring[k] == (int)pick;
    signed_msg *m = &msgs[pick];
    g_assert_cmpint(pl_sigcache_verify(c, m->key, m->msg, m->len, m->sig), ==,
                    verdict[pick]);
    if (held) {
      hits++;
    } else {
      misses++;
      ring[ring_next] = (int)pick;
      ring_next = (ring_next + 1) % CAP;
      ring_n = MIN(ring_n + 1, (unsigned)CAP);
    }
    g_assert_cmpuint(pl_sigcache_hits(c), ==, hits);
    g_assert_cmpuint(pl_sigcache_misses(c), ==, misses);
    g_assert_cmpuint(pl_sigcache_size(c), ==, ring_n);
  }
  g_assert_cmpuint(hits, >, 100); /* the test exercised both paths */
  g_assert_cmpuint(misses, >, 100);
  pl_sigcache_free(c);
  g_free(verdict);
  g_free(msgs);
}

static void
test_verify_env_same(void)
{
  pl_env plain, cached;
  memset(&plain, 0, sizeof plain);
  memset(&cached, 0, sizeof cached);
  cached.sigcache = pl_sigcache_new(16);
  signed_msg base;
  make_signed(4, 4, &base);

  for (int round = 0; round < 2; round++) {
    for (int kind = 0; kind < 4; kind++) {
      signed_msg m;
      int direct = variant(&base, kind, &m);
      int a = pl_verify_env(&plain, m.key, m.msg, m.len, m.sig);
      int b = pl_verify_env(&cached, m.key, m.msg, m.len, m.sig);
      g_assert_cmpint(a, ==, direct);
      g_assert_cmpint(b, ==, direct);
    }
  }
  g_assert_cmpuint(pl_sigcache_misses(cached.sigcache), ==, 4);
  g_assert_cmpuint(pl_sigcache_hits(cached.sigcache), ==, 4);
  pl_sigcache_free(cached.sigcache);
}

static void
test_memory(void)
{
  pl_sigcache *small = pl_sigcache_new(100);
  pl_sigcache *big = pl_sigcache_new(10000);
  /* About 40 bytes per entry: 32 digest + 2 slots of 4 bytes. */
  size_t per_entry = (pl_sigcache_memory(big) - pl_sigcache_memory(small)) / 9900;
  g_assert_cmpuint(per_entry, >=, 32);
  g_assert_cmpuint(per_entry, <=, 48);
  pl_sigcache_free(small);
  pl_sigcache_free(big);
  pl_sigcache_free(NULL);
}


/* A content-addressed frame: [key][message][signature], id = its hash. */
static size_t
make_frame(unsigned who, unsigned n, uint8_t *frame, uint8_t id[PL_ID_BYTES])
{
  signed_msg m;
  make_signed(who, n, &m);
  memcpy(frame, m.key, PL_KEY_BYTES);
  memcpy(frame + PL_KEY_BYTES, m.msg, m.len);
  size_t covered = PL_KEY_BYTES + m.len;
  uint8_t seed[PL_SEED_BYTES];
  seed_of(who, seed);
  pl_sign_raw(seed, m.key, frame, covered, frame + covered);
  pl_hash(frame, covered + PL_SIG_BYTES, id);
  return covered + PL_SIG_BYTES;
}

static int
verify_frame(pl_sigcache *c, const uint8_t *id, const uint8_t *frame, size_t len)
{
  return pl_sigcache_verify_frame(c, id, frame, len, frame, len - PL_SIG_BYTES,
                                  frame + len - PL_SIG_BYTES);
}

static void
test_frames(void)
{
  pl_sigcache *c = pl_sigcache_new(4);
  uint8_t frame[256], id[PL_ID_BYTES];
  size_t len = make_frame(1, 1, frame, id);

  /* First sight: hashed and verified (a miss), then remembered. */
  g_assert_cmpint(verify_frame(c, id, frame, len), ==, PL_OK);
  g_assert_cmpuint(pl_sigcache_misses(c), ==, 1);
  g_assert_cmpuint(pl_sigcache_frames(c), ==, 1);
  /* Same id, same bytes: a hit. */
  g_assert_cmpint(verify_frame(c, id, frame, len), ==, PL_OK);
  g_assert_cmpuint(pl_sigcache_hits(c), ==, 1);
  g_assert_cmpuint(pl_sigcache_misses(c), ==, 1);

  /* Same id, one byte changed (message, signature) or shorter: not the
   * claimed id, refused without verification, not remembered. */
  for (size_t at = 0; at < len; at += 37) {
    uint8_t bad[256];
    memcpy(bad, frame, len);
    bad[at] ^= 0x01;
    g_assert_cmpint(verify_frame(c, id, bad, len), ==, PL_ERR_BAD_FIELD);
  }
  g_assert_cmpint(verify_frame(c, id, frame, len - 1), ==, PL_ERR_BAD_FIELD);
  g_assert_cmpuint(pl_sigcache_misses(c), ==, 1);
  g_assert_cmpuint(pl_sigcache_frames(c), ==, 1);
  /* A wrong id for good bytes. */
  uint8_t wrong[PL_ID_BYTES];
  memcpy(wrong, id, sizeof wrong);
  wrong[5] ^= 0x80;
  g_assert_cmpint(verify_frame(c, wrong, frame, len), ==, PL_ERR_BAD_FIELD);

  /* A frame with a bad signature under its own (correct) id: the verdict
   * is remembered too. */
  uint8_t forged[256], fid[PL_ID_BYTES];
  size_t flen = make_frame(2, 7, forged, fid);
  forged[flen - 3] ^= 0x04;
  pl_hash(forged, flen, fid);
  g_assert_cmpint(verify_frame(c, fid, forged, flen), ==, PL_ERR_BAD_SIGNATURE);
  g_assert_cmpint(verify_frame(c, fid, forged, flen), ==, PL_ERR_BAD_SIGNATURE);
  g_assert_cmpuint(pl_sigcache_hits(c), ==, 2);
  g_assert_cmpuint(pl_sigcache_misses(c), ==, 2);
  /* The signature-verdict side is independent. */
  g_assert_cmpuint(pl_sigcache_size(c), ==, 0);
  g_assert_cmpuint(pl_sigcache_memory(c), >, 2 * 256);
  pl_sigcache_free(c);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sigcache/verdicts-match", test_verdicts_match);
  g_test_add_func("/sigcache/empty-message", test_empty_message);
  g_test_add_func("/sigcache/bounded-fifo", test_bounded_fifo);
  g_test_add_func("/sigcache/capacity-one", test_capacity_one);
  g_test_add_func("/sigcache/churn-against-model", test_churn_against_model);
  g_test_add_func("/sigcache/verify-env-same", test_verify_env_same);
  g_test_add_func("/sigcache/memory", test_memory);
  g_test_add_func("/sigcache/frames", test_frames);
  return g_test_run();
}
