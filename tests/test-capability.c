/*
 * test-capability.c — capability ads (core/capability.c): encoding,
 * signatures, classes and keys, the receiver's checks, ranking.
 */
#include <glib.h>
#include <string.h>

#include "capability.h"
#include "identity.h"
#include "pl.h"
#include "sigcache.h"
#include "testutil.h"

static const pl_cap_classes classes = {.speed_base = 100, .price_base_mcc = 1000, .n_classes = 4};

static const pl_env plain_env = {0};

/* A signed ad by the key of seed byte |s|. */
static pl_cap_ad
make_ad(uint8_t s, uint32_t speed, uint64_t price, pl_time_ns seen)
{
  uint8_t seed[PL_SEED_BYTES];
  memset(seed, s, sizeof seed);
  pl_cap_ad ad;
  memset(&ad, 0, sizeof ad);
  pl_identity_from_seed(seed, ad.worker, NULL);
  ad.task_type = 7;
  ad.speed = speed;
  ad.price_mcc = price;
  ad.stake_mcc = 5000;
  ad.last_seen_ns = seen;
  ad.ttl_ns = 3600 * PL_NS_PER_S;
  pl_cap_ad_sign(&ad, seed);
  return ad;
}

static void
test_encoding(void)
{
  pl_cap_ad ad = make_ad(1, 250, 1500, 10 * PL_NS_PER_S), back;
  uint8_t buf[PL_CAP_AD_BYTES + 8];
  g_assert_cmpint(pl_cap_ad_encode(&ad, buf, sizeof buf), ==, PL_CAP_AD_BYTES);
  /* Layout: version, key, then big-endian integers. */
  g_assert_cmpuint(buf[0], ==, PL_CAP_AD_TYPE);
  g_assert_cmpuint(buf[1], ==, PL_CAP_AD_VERSION);
  g_assert_cmpmem(buf + 2, 32, ad.worker, 32);
  const uint8_t ints[] = {0, 0, 0, 7, 0, 0, 0, 250, 0, 0, 0, 0, 0, 0, 0x05, 0xdc};
  g_assert_cmpmem(buf + 34, sizeof ints, ints, sizeof ints);
  g_assert_cmpmem(buf + PL_CAP_AD_BODY_BYTES, PL_SIG_BYTES, ad.sig, PL_SIG_BYTES);

  g_assert_cmpint(pl_cap_ad_decode(buf, PL_CAP_AD_BYTES, &back), ==, PL_OK);
  g_assert_cmpmem(&back, sizeof back, &ad, sizeof ad);

  /* Every truncation, trailing bytes, a wrong version, a zero ttl. */
  for (size_t n = 0; n < PL_CAP_AD_BYTES; n++)
    g_assert_cmpint(pl_cap_ad_decode(buf, n, &back), ==, PL_ERR_TRUNCATED);
  g_assert_cmpint(pl_cap_ad_decode(buf, PL_CAP_AD_BYTES + 1, &back), ==, PL_ERR_TRAILING);
  buf[0] = 0;
  g_assert_cmpint(pl_cap_ad_decode(buf, PL_CAP_AD_BYTES, &back), ==, PL_ERR_UNKNOWN_TYPE);
  buf[0] = PL_CAP_AD_TYPE;
  buf[1] = 2;
  g_assert_cmpint(pl_cap_ad_decode(buf, PL_CAP_AD_BYTES, &back), ==, PL_ERR_WIRE_VERSION);
  buf[1] = PL_CAP_AD_VERSION;
  memset(buf + 2 + 32 + 4 + 4 + 8 + 8 + 8, 0, 8);
  g_assert_cmpint(pl_cap_ad_decode(buf, PL_CAP_AD_BYTES, &back), ==, PL_ERR_BAD_FIELD);

  g_assert_cmpint(pl_cap_ad_encode(&ad, buf, PL_CAP_AD_BYTES - 1), ==, PL_ERR_BUFFER);
  ad.ttl_ns = 0;
  g_assert_cmpint(pl_cap_ad_encode(&ad, buf, sizeof buf), ==, PL_ERR_INVALID);
}

/* Decoding hostile bytes never crashes and never accepts garbage of the
 * wrong length. */
static void
test_decode_garbage(void)
{
  uint8_t buf[PL_CAP_AD_BYTES + 4];
  pl_cap_ad out;
  uint64_t x = 0x9e3779b97f4a7c15u;
  for (int round = 0; round < 2000; round++) {
    for (size_t i = 0; i < sizeof buf; i++) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      buf[i] = (uint8_t)x;
    }
    size_t len = (size_t)(x % sizeof buf);
    if (round % 3 == 0) {
      buf[0] = PL_CAP_AD_TYPE;
      buf[1] = PL_CAP_AD_VERSION;
    }
    int rc = pl_cap_ad_decode(buf, len, &out);
    if (len != PL_CAP_AD_BYTES)
      g_assert_cmpint(rc, <, 0);
    /* Garbage that decodes still fails its signature. */
    if (rc == PL_OK)
      g_assert_cmpint(pl_cap_ad_verify(&plain_env, &out), ==, PL_ERR_BAD_SIGNATURE);
  }
  g_assert_cmpint(pl_cap_ad_decode(NULL, 0, &out), ==, PL_ERR_TRUNCATED);
}

static void
test_signature(void)
{
  pl_cap_ad ad = make_ad(2, 400, 900, PL_NS_PER_S);
  g_assert_cmpint(pl_cap_ad_verify(&plain_env, &ad), ==, PL_OK);

  /* Any changed field breaks it: a worker cannot be made to claim more. */
  pl_cap_ad t = ad;
  t.speed++;
  g_assert_cmpint(pl_cap_ad_verify(&plain_env, &t), ==, PL_ERR_BAD_SIGNATURE);
  t = ad;
  t.price_mcc = 1;
  g_assert_cmpint(pl_cap_ad_verify(&plain_env, &t), ==, PL_ERR_BAD_SIGNATURE);
  t = ad;
  t.last_seen_ns += 1;
  g_assert_cmpint(pl_cap_ad_verify(&plain_env, &t), ==, PL_ERR_BAD_SIGNATURE);
  t = ad;
  t.stake_mcc *= 10;
  g_assert_cmpint(pl_cap_ad_verify(&plain_env, &t), ==, PL_ERR_BAD_SIGNATURE);

  /* Another key cannot sign for this worker. */
  pl_cap_ad other = make_ad(3, 400, 900, PL_NS_PER_S);
  t = ad;
  memcpy(t.sig, other.sig, PL_SIG_BYTES);
  g_assert_cmpint(pl_cap_ad_verify(&plain_env, &t), ==, PL_ERR_BAD_SIGNATURE);

  /* The signed bytes start with the domain tag. */
  uint8_t msg[PL_CAP_SIGNED_BYTES];
  g_assert_cmpuint(pl_cap_ad_signed_bytes(&ad, msg), ==, PL_CAP_SIGNED_BYTES);
  g_assert_cmpmem(msg, 18, "peerlab cap ad v1", 18);
  /* Through a memo the verdicts are the same. */
  pl_sigcache *memo = pl_sigcache_new(16);
  pl_env menv = {.sigcache = memo};
  g_assert_cmpint(pl_cap_ad_verify(&menv, &ad), ==, PL_OK);
  g_assert_cmpint(pl_cap_ad_verify(&menv, &ad), ==, PL_OK);
  t = ad;
  t.speed++;
  g_assert_cmpint(pl_cap_ad_verify(&menv, &t), ==, PL_ERR_BAD_SIGNATURE);
  pl_sigcache_free(memo);
}

static void
test_classes(void)
{
  /* base 100, 4 classes: [0,100) [100,200) [200,400) [400,inf). */
  g_assert_cmpuint(pl_cap_class(0, 100, 4), ==, 0);
  g_assert_cmpuint(pl_cap_class(99, 100, 4), ==, 0);
  g_assert_cmpuint(pl_cap_class(100, 100, 4), ==, 1);
  g_assert_cmpuint(pl_cap_class(199, 100, 4), ==, 1);
  g_assert_cmpuint(pl_cap_class(200, 100, 4), ==, 2);
  g_assert_cmpuint(pl_cap_class(399, 100, 4), ==, 2);
  g_assert_cmpuint(pl_cap_class(400, 100, 4), ==, 3);
  g_assert_cmpuint(pl_cap_class(UINT64_MAX, 100, 4), ==, 3);
  g_assert_cmpuint(pl_cap_class(UINT64_MAX, 1, 16), ==, 15);
  g_assert_cmpuint(pl_cap_class(5, 1, 1), ==, 0);
  /* Monotone. */
  for (uint64_t v = 1; v < 5000; v++)
    g_assert_cmpuint(pl_cap_class(v, 100, 8), >=, pl_cap_class(v - 1, 100, 8));

  g_assert_true(pl_cap_classes_valid(&classes));
  pl_cap_classes bad = classes;
  bad.n_classes = 0;
  g_assert_false(pl_cap_classes_valid(&bad));
  bad.n_classes = PL_CAP_CLASSES_MAX + 1;
  g_assert_false(pl_cap_classes_valid(&bad));
  bad = classes;
  bad.speed_base = 0;
  g_assert_false(pl_cap_classes_valid(&bad));
  g_assert_false(pl_cap_classes_valid(NULL));
}

static void
test_keys(void)
{
  uint8_t a[PL_ID_BYTES], b[PL_ID_BYTES], in[18 + 1 + 6], want[PL_ID_BYTES];
  pl_cap_key(7, 2, 1, a);
  /* key = BLAKE2b-256("peerlab cap key v1\0" || type BE || sc || pc). */
  memcpy(in, "peerlab cap key v1", 19);
  const uint8_t tail[6] = {0, 0, 0, 7, 2, 1};
  memcpy(in + 19, tail, 6);
  pl_hash(in, sizeof in, want);
  g_assert_cmpmem(a, sizeof a, want, sizeof want);
  pl_cap_key(7, 1, 2, b);
  g_assert_false(memcmp(a, b, 32) == 0);
  pl_cap_key(8, 2, 1, b);
  g_assert_false(memcmp(a, b, 32) == 0);

  /* An ad lands under the key of its classes. */
  pl_cap_ad ad = make_ad(1, 250, 1500, 0); /* speed class 2, price class 1 */
  pl_cap_ad_key(&ad, &classes, b);
  g_assert_cmpmem(a, 32, b, 32);
}

static void
test_need_keys(void)
{
  uint8_t keys[16][PL_ID_BYTES], k[PL_ID_BYTES];
  /* min speed 250 -> speed classes 2, 3; max price 1500 -> price classes 0, 1:
   * four keys, cheapest price class first. */
  pl_cap_need need = {.task_type = 7, .min_speed = 250, .max_price_mcc = 1500, .want = 3};
  g_assert_cmpuint(pl_cap_need_keys(&need, &classes, keys, 16), ==, 4);
  const uint8_t order[4][2] = {{2, 0}, {3, 0}, {2, 1}, {3, 1}};
  for (int i = 0; i < 4; i++) {
    pl_cap_key(7, order[i][0], order[i][1], k);
    g_assert_cmpmem(keys[i], 32, k, 32);
  }
  /* Capped. */
  g_assert_cmpuint(pl_cap_need_keys(&need, &classes, keys, 3), ==, 3);
  /* Anything goes: all 16 class pairs. */
  pl_cap_need any = {.task_type = 7, .min_speed = 0, .max_price_mcc = UINT64_MAX, .want = 1};
  g_assert_cmpuint(pl_cap_need_keys(&any, &classes, keys, 16), ==, 16);

  /* Every ad meeting a need lies under one of the need's keys. */
  for (uint32_t speed = 0; speed < 1000; speed += 37)
    for (uint64_t price = 0; price < 10000; price += 311) {
      pl_cap_ad ad;
      memset(&ad, 0, sizeof ad);
      ad.task_type = 7;
      ad.speed = speed;
      ad.price_mcc = price;
      if (!pl_cap_ad_meets(&ad, &need))
        continue;
      pl_cap_ad_key(&ad, &classes, k);
      uint32_t n = pl_cap_need_keys(&need, &classes, keys, 16);
      bool found = false;
      for (uint32_t i = 0; i < n; i++)
        found |= memcmp(keys[i], k, 32) == 0;
      g_assert_true(found);
    }
}

static void
test_meets(void)
{
  pl_cap_ad ad = make_ad(1, 250, 1500, 0);
  pl_cap_need need = {.task_type = 7, .min_speed = 250, .max_price_mcc = 1500,
                      .min_stake_mcc = 5000, .want = 1};
  g_assert_true(pl_cap_ad_meets(&ad, &need));
  need.min_speed = 251;
  g_assert_false(pl_cap_ad_meets(&ad, &need));
  need.min_speed = 250;
  need.max_price_mcc = 1499;
  g_assert_false(pl_cap_ad_meets(&ad, &need));
  need.max_price_mcc = 1500;
  need.min_stake_mcc = 5001;
  g_assert_false(pl_cap_ad_meets(&ad, &need));
  need.min_stake_mcc = 0;
  need.task_type = 8;
  g_assert_false(pl_cap_ad_meets(&ad, &need));
}

static void
test_check(void)
{
  const pl_cap_policy pol = {.classes = classes, .ttl_max_ns = 3600 * PL_NS_PER_S,
                             .skew_ns = 60 * PL_NS_PER_S};
  const pl_time_ns t0 = 1000 * PL_NS_PER_S;
  pl_cap_ad ad = make_ad(1, 250, 1500, t0);
  uint8_t key[PL_ID_BYTES], wrong[PL_ID_BYTES];
  pl_cap_ad_key(&ad, &classes, key);
  pl_cap_key(7, 3, 1, wrong);

  g_assert_cmpint(pl_cap_ad_check(&ad, key, t0, &pol), ==, PL_OK);
  /* Within its lifetime, up to the last nanosecond. */
  g_assert_cmpint(pl_cap_ad_check(&ad, key, t0 + ad.ttl_ns - 1, &pol), ==, PL_OK);
  /* Expired. */
  g_assert_cmpint(pl_cap_ad_check(&ad, key, t0 + ad.ttl_ns, &pol), ==, PL_ERR_STALE);
  /* From the future: within the skew is fine, beyond is stale. */
  g_assert_cmpint(pl_cap_ad_check(&ad, key, t0 - 60 * PL_NS_PER_S, &pol), ==, PL_OK);
  g_assert_cmpint(pl_cap_ad_check(&ad, key, t0 - 60 * PL_NS_PER_S - 1, &pol), ==,
                  PL_ERR_STALE);
  /* Misfiled (a worker claiming a class it is not in, or a forger moving
   * ads to another key). */
  g_assert_cmpint(pl_cap_ad_check(&ad, wrong, t0, &pol), ==, PL_ERR_BAD_FIELD);
  /* Lifetime over the cap. */
  pl_cap_ad longlived = ad;
  longlived.ttl_ns = pol.ttl_max_ns + 1;
  g_assert_cmpint(pl_cap_ad_check(&longlived, key, t0, &pol), ==, PL_ERR_BAD_FIELD);
  /* Unsigned. */
  pl_cap_ad unsig = ad;
  memset(unsig.sig, 0, sizeof unsig.sig);
  g_assert_cmpint(pl_cap_ad_check(&unsig, key, t0, &pol), ==, PL_ERR_BAD_SIGNATURE);
  /* Huge times do not overflow. */
  pl_cap_ad late = ad;
  late.last_seen_ns = UINT64_MAX - 5;
  late.ttl_ns = pol.ttl_max_ns;
  g_assert_cmpint(pl_cap_ad_check(&late, key, UINT64_MAX - 1, &pol), ==, PL_OK);
  g_assert_cmpint(pl_cap_ad_check(&late, key, 0, &pol), ==, PL_ERR_STALE);

  g_assert_cmpint(pl_cap_reject_of(PL_ERR_STALE), ==, PL_CAP_REJECT_STALE);
  g_assert_cmpint(pl_cap_reject_of(PL_ERR_BAD_SIGNATURE), ==, PL_CAP_REJECT_FORGED);
  g_assert_cmpint(pl_cap_reject_of(PL_ERR_BAD_FIELD), ==, PL_CAP_REJECT_INVALID);
  g_assert_cmpint(pl_cap_reject_of(PL_ERR_TRUNCATED), ==, PL_CAP_REJECT_INVALID);
}

static void
test_rank(void)
{
  pl_cap_ranked c[6];
  memset(c, 0, sizeof c);
  c[0].ad = make_ad(1, 100, 900, 0);
  c[1].ad = make_ad(2, 300, 500, 0);
  c[2].ad = make_ad(3, 200, 500, 0);
  c[3].ad = make_ad(4, 200, 500, 0);
  c[4].ad = make_ad(5, 100, 2000, 0);
  c[4].reputation = 10; /* trusted: first despite its price */
  c[5].ad = make_ad(6, 999, 100, 0);
  c[5].reputation = 0;
  pl_cap_ranked shuffled[6];
  const int perm[6] = {3, 5, 0, 4, 2, 1};
  for (int i = 0; i < 6; i++)
    shuffled[i] = c[perm[i]];
  pl_cap_rank(c, 6);
  pl_cap_rank(shuffled, 6);
  g_assert_cmpmem(c, sizeof c, shuffled, sizeof shuffled);
  /* reputation 10, then price 100, then 500 (speed 300 first), then the two
   * 500/200 by key, then 900. */
  g_assert_cmpuint(c[0].reputation, ==, 10);
  g_assert_cmpuint(c[1].ad.price_mcc, ==, 100);
  g_assert_cmpuint(c[2].ad.price_mcc, ==, 500);
  g_assert_cmpuint(c[2].ad.speed, ==, 300);
  g_assert_cmpint(memcmp(c[3].ad.worker, c[4].ad.worker, 32), <, 0);
  g_assert_cmpuint(c[5].ad.price_mcc, ==, 900);
  pl_cap_rank(NULL, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/capability/encoding", test_encoding);
  g_test_add_func("/capability/decode-garbage", test_decode_garbage);
  g_test_add_func("/capability/signature", test_signature);
  g_test_add_func("/capability/classes", test_classes);
  g_test_add_func("/capability/keys", test_keys);
  g_test_add_func("/capability/need-keys", test_need_keys);
  g_test_add_func("/capability/meets", test_meets);
  g_test_add_func("/capability/check", test_check);
  g_test_add_func("/capability/rank", test_rank);
  return g_test_run();
}
