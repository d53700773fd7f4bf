/*
 * test-capability.c — capability ads (core/capability.c): encoding,
 * signatures, classes and keys, the receiver's checks, ranking.
 */
#include <glib.h>
#include <string.h>

#include "capability.h"
#include "identity.h"
#include "kad.h"
#include "rendezvous.h"
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

  /* A grid larger than the budget: min speed 100 -> speed classes 1-3,
   * max price 8000 -> price classes 0-3 (12 pairs), 6 keys.  The budget goes
   * to the pairs nearest (speed 1, price 0) in both classes, cheaper first
   * at equal distance, so a worker in price class 2 at the minimum speed is
   * looked up; price class then speed class order would have spent all six
   * keys on price classes 0 and 1. */
  pl_cap_need wide = {.task_type = 7, .min_speed = 100, .max_price_mcc = 8000, .want = 8};
  g_assert_cmpuint(pl_cap_need_keys(&wide, &classes, keys, 6), ==, 6);
  const uint8_t near[6][2] = {{1, 0}, {2, 0}, {1, 1}, {3, 0}, {2, 1}, {1, 2}};
  for (int i = 0; i < 6; i++) {
    pl_cap_key(7, near[i][0], near[i][1], k);
    g_assert_cmpmem(keys[i], 32, k, 32);
  }
  /* With room, all 12 pairs, each once, the dearest and fastest last. */
  g_assert_cmpuint(pl_cap_need_keys(&wide, &classes, keys, 16), ==, 12);
  for (uint32_t i = 0; i < 12; i++)
    for (uint32_t j = i + 1; j < 12; j++)
      g_assert_cmpint(memcmp(keys[i], keys[j], 32), !=, 0);
  pl_cap_key(7, 3, 3, k);
  g_assert_cmpmem(keys[11], 32, k, 32);

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


/* ============================================== the component, in a network */
/*
 * A tiny in-test host (as in test-peer.c): node i is handle i, more
 * handles are identities without a node ("ghosts"); messages have a fixed
 * one-way latency; events are ordered by (time, scheduling order);
 * splitmix64 streams per node; metric sums; observations of found workers
 * kept; a stake oracle.
 */
#define MAXN 16
#define MAXH 64

enum { EV_MSG, EV_TIMER };

typedef struct event {
  pl_time_ns at;
  guint64 seq;
  int kind;
  pl_peer from, to;
  uint32_t id;
  guint len;
  uint8_t *bytes;
} event;

typedef struct world {
  pl_env env;
  pl_config cfg;
  uint8_t keys[MAXH][32];
  uint8_t ids[MAXH][32];
  uint8_t seeds[MAXH][32];
  guint n_handles;
  pl_node *nodes[MAXN];
  guint n_nodes;
  GArray *events;
  guint64 seq;
  guint64 rng[MAXN];
  pl_time_ns now;
  double counter[MAXN][PL_METRIC_COUNT];
  guint obs_n[MAXN][PL_METRIC_COUNT];
  uint64_t stake[MAXH];
  /* last PL_OBS_KAD_WORKERS per node */
  guint workers_obs[MAXN];
  pl_peer workers_peers[MAXN][8];
  uint32_t workers_n[MAXN];
  uint64_t workers_a[MAXN];
} world;

static void
push_event(world *w, event ev)
{
  ev.seq = w->seq++;
  g_array_append_val(w->events, ev);
}

static void
cb_send(pl_peer self, pl_peer to, const uint8_t *bytes, size_t len, void *ud)
{
  world *w = ud;
  event ev = {w->now + 10 * PL_NS_PER_MS, 0, EV_MSG, self, to, 0, (guint)len,
              g_memdup2(bytes, len)};
  push_event(w, ev);
}

static void
cb_timer(pl_peer self, pl_time_ns at, uint32_t id, void *ud)
{
  world *w = ud;
  g_assert_cmpuint(at, >=, w->now);
  event ev = {at, 0, EV_TIMER, PL_PEER_NONE, self, id, 0, NULL};
  push_event(w, ev);
}

static uint64_t
cb_random(pl_peer self, void *ud)
{
  world *w = ud;
  uint64_t z = (w->rng[self] += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static void
cb_metric(pl_peer self, pl_metric metric, double value, void *ud)
{
  world *w = ud;
  g_assert_cmpuint(self, <, MAXN);
  g_assert_cmpint(metric, <, PL_METRIC_COUNT);
  if (pl_metric_kind_of(metric) == PL_METRIC_KIND_OBSERVATION)
    w->obs_n[self][metric]++;
  else
    w->counter[self][metric] += value;
}

static const uint8_t *
cb_key(pl_peer peer, void *ud)
{
  world *w = ud;
  return peer < w->n_handles ? w->keys[peer] : NULL;
}

static const uint8_t *
cb_id(pl_peer peer, void *ud)
{
  world *w = ud;
  return peer < w->n_handles ? w->ids[peer] : NULL;
}

static pl_peer
cb_intern(const uint8_t key[PL_KEY_BYTES], void *ud)
{
  world *w = ud;
  for (guint i = 0; i < w->n_handles; i++)
    if (memcmp(w->keys[i], key, 32) == 0)
      return i;
  if (w->n_handles == MAXH)
    return PL_PEER_NONE;
  memcpy(w->keys[w->n_handles], key, 32);
  pl_node_id_of(key, w->ids[w->n_handles]);
  return w->n_handles++;
}

static uint64_t
cb_stake(pl_peer peer, void *ud)
{
  world *w = ud;
  return peer < MAXH ? w->stake[peer] : 0;
}

static void
cb_observe(pl_peer self, const pl_observation *obs, void *ud)
{
  world *w = ud;
  if (obs->kind != PL_OBS_KAD_WORKERS || self >= MAXN)
    return;
  w->workers_obs[self]++;
  w->workers_n[self] = MIN(obs->n_peers, 8u);
  memcpy(w->workers_peers[self], obs->peers, w->workers_n[self] * sizeof(pl_peer));
  w->workers_a[self] = obs->a;
}

/* |n| nodes running kad in |mode| (plus |ghosts| identities without a
 * node), every node seeded with every other (the oracle bootstrap), no
 * peer-layer sessions. */
static world *
world_new(guint n, guint ghosts, pl_kad_mode mode)
{
  world *w = g_new0(world, 1);
  w->env.send_cb = cb_send;
  w->env.timer_cb = cb_timer;
  w->env.random_cb = cb_random;
  w->env.metric_cb = cb_metric;
  w->env.peer_key_cb = cb_key;
  w->env.peer_id_cb = cb_id;
  w->env.peer_intern_cb = cb_intern;
  w->env.observe_cb = cb_observe;
  w->env.user_data = w;
  w->events = g_array_new(FALSE, FALSE, sizeof(event));
  pl_config_defaults(&w->cfg);
  w->cfg.target_peers = 0;
  w->cfg.kad.mode = mode;
  w->cfg.kad.join = 0;
  w->cfg.kad.k = 4;
  w->cfg.kad.bucket_size = 4;
  w->cfg.kad.alpha = 2;
  w->cfg.kad.cap_classes = 4;
  w->cfg.kad.cap_speed_base = 100;
  w->cfg.kad.cap_price_base_mcc = 1000;
  w->n_nodes = n;
  for (guint i = 0; i < n + ghosts; i++) {
    uint8_t seed[32], key[32];
    memset(seed, 0, 32);
    seed[0] = (uint8_t)(i + 1);
    seed[31] = 0xca;
    pl_identity_from_seed(seed, key, NULL);
    g_assert_cmpuint(cb_intern(key, w), ==, i);
    memcpy(w->seeds[i], seed, 32);
  }
  for (guint i = 0; i < n; i++)
    w->rng[i] = UINT64_C(77) + i;
  return w;
}

static void
world_start(world *w)
{
  for (guint i = 0; i < w->n_nodes; i++) {
    w->nodes[i] = pl_node_new(&w->cfg, &w->env, i, w->seeds[i]);
    g_assert_nonnull(w->nodes[i]);
  }
  for (guint i = 0; i < w->n_nodes; i++)
    for (guint j = 0; j < w->n_nodes; j++)
      if (i != j)
        (void)pl_kad_seed(w->nodes[i], j);
  for (guint i = 0; i < w->n_nodes; i++)
    pl_node_start(w->nodes[i], w->now);
}

static void
world_run(world *w, pl_time_ns t)
{
  for (guint steps = 0;; steps++) {
    g_assert_cmpuint(steps, <, 2000000);
    int best = -1;
    for (guint i = 0; i < w->events->len; i++) {
      event *e = &g_array_index(w->events, event, i);
      if (e->at > t)
        continue;
      event *b = best < 0 ? NULL : &g_array_index(w->events, event, best);
      if (b == NULL || e->at < b->at || (e->at == b->at && e->seq < b->seq))
        best = (int)i;
    }
    if (best < 0)
      break;
    event ev = g_array_index(w->events, event, best);
    g_array_remove_index(w->events, (guint)best);
    w->now = ev.at;
    if (ev.to < MAXN && w->nodes[ev.to] != NULL) {
      if (ev.kind == EV_MSG)
        (void)pl_node_receive(w->nodes[ev.to], w->now, ev.from, ev.bytes, ev.len);
      else
        pl_node_timer(w->nodes[ev.to], w->now, ev.id);
    }
    g_free(ev.bytes);
  }
  w->now = t;
}

static void
world_free(world *w)
{
  for (guint i = 0; i < MAXN; i++)
    pl_node_free(w->nodes[i]);
  for (guint i = 0; i < w->events->len; i++)
    g_free(g_array_index(w->events, event, i).bytes);
  g_array_free(w->events, TRUE);
  g_free(w);
}

#define S(x) ((pl_time_ns)(x) * PL_NS_PER_S)

static int
announce(world *w, guint i, uint32_t type, uint32_t speed, uint64_t price, uint64_t stake)
{
  pl_cap_spec spec = {type, speed, price, stake};
  uint8_t data[PL_CAP_SPEC_BYTES];
  pl_cap_spec_encode(&spec, data);
  pl_command cmd = {PL_CMD_KAD_ANNOUNCE, PL_PEER_NONE, type, data, sizeof data};
  return pl_node_command(w->nodes[i], w->now, &cmd);
}

static int
find_workers(world *w, guint i, const pl_cap_need *need)
{
  uint8_t data[PL_CAP_NEED_BYTES];
  pl_cap_need_encode(need, data);
  pl_command cmd = {PL_CMD_KAD_FIND_WORKERS, PL_PEER_NONE, need->task_type, data, sizeof data};
  return pl_node_command(w->nodes[i], w->now, &cmd);
}

typedef struct found {
  guint calls;
  uint32_t n;
  pl_cap_ranked workers[8];
} found;

static void
on_found(pl_node *node, pl_time_ns now, const pl_cap_need *need, const pl_cap_ranked *workers,
         uint32_t n, void *user_data)
{
  found *f = user_data;
  (void)node;
  (void)now;
  (void)need;
  f->calls++;
  f->n = MIN(n, 8u);
  memcpy(f->workers, workers, f->n * sizeof *workers);
}

/* Announce on three workers, find from a fourth node: the workers meeting
 * the need come back, ranked by price, as the callback, the observation
 * and the metric say; the slow and the dear worker do not. */
static void
test_announce_find(void)
{
  world *w = world_new(12, 0, PL_KAD_KADEMLIA);
  world_start(w);
  w->now = S(1);
  g_assert_cmpint(announce(w, 1, 7, 300, 1500, 0), ==, PL_OK);  /* meets, dearer */
  g_assert_cmpint(announce(w, 2, 7, 250, 900, 0), ==, PL_OK);   /* meets, cheapest */
  g_assert_cmpint(announce(w, 3, 7, 120, 500, 0), ==, PL_OK);   /* too slow */
  g_assert_cmpint(announce(w, 4, 7, 900, 9000, 0), ==, PL_OK);  /* too dear */
  g_assert_cmpint(announce(w, 5, 8, 900, 100, 0), ==, PL_OK);   /* another task type */
  world_run(w, S(5));
  g_assert_cmpuint(pl_cap_stats_of(w->nodes[1]).announced, ==, 1);
  g_assert_cmpfloat(w->counter[1][PL_METRIC_CAP_ANNOUNCED], ==, 1);

  pl_cap_need need = {.task_type = 7, .min_speed = 200, .max_price_mcc = 2000, .want = 5};
  found f = {0};
  g_assert_cmpint(pl_cap_find(w->nodes[9], w->now, &need, on_found, &f), ==, PL_OK);
  world_run(w, S(20));
  g_assert_cmpuint(f.calls, ==, 1);
  g_assert_cmpuint(f.n, ==, 2);
  g_assert_cmpmem(f.workers[0].ad.worker, 32, w->keys[2], 32);
  g_assert_cmpmem(f.workers[1].ad.worker, 32, w->keys[1], 32);
  g_assert_cmpuint(pl_cap_stats_of(w->nodes[9]).finds_done, ==, 1);

  /* The command form reports through the observation and the metric. */
  g_assert_cmpint(find_workers(w, 10, &need), ==, PL_OK);
  world_run(w, S(40));
  g_assert_cmpuint(w->workers_obs[10], ==, 1);
  g_assert_cmpuint(w->workers_a[10], ==, 2);
  g_assert_cmpuint(w->workers_n[10], ==, 2);
  g_assert_cmpuint(w->workers_peers[10][0], ==, 2);
  g_assert_cmpuint(w->workers_peers[10][1], ==, 1);
  g_assert_cmpuint(w->obs_n[10][PL_METRIC_CAP_FIND_WORKERS], ==, 1);

  /* Honest ads are never rejected. */
  for (guint i = 0; i < w->n_nodes; i++) {
    pl_cap_stats st = pl_cap_stats_of(w->nodes[i]);
    for (int k = 0; k < PL_CAP_REJECT_KINDS; k++)
      g_assert_cmpuint(st.rejected[k], ==, 0);
  }
  world_free(w);
}

/* Ads are re-announced before they expire, so a find long after the first
 * ad's lifetime still finds the worker; a worker that stops does not
 * re-announce and its ad expires. */
static void
test_reannounce(void)
{
  world *w = world_new(10, 0, PL_KAD_KADEMLIA);
  w->cfg.kad.cap_ttl_ns = S(100);
  w->cfg.kad.cap_reannounce_ns = S(60);
  world_start(w);
  w->now = S(1);
  g_assert_cmpint(announce(w, 1, 3, 500, 500, 0), ==, PL_OK);
  g_assert_cmpint(announce(w, 2, 3, 500, 600, 0), ==, PL_OK);
  world_run(w, S(2));
  pl_node_stop(w->nodes[2], w->now);
  world_run(w, S(250));
  /* 1 + floor(249 / 60) announcements by node 1, one by node 2. */
  g_assert_cmpuint(pl_cap_stats_of(w->nodes[1]).announced, ==, 5);
  g_assert_cmpuint(pl_cap_stats_of(w->nodes[2]).announced, ==, 1);

  pl_cap_need need = {.task_type = 3, .min_speed = 1, .max_price_mcc = 100000, .want = 4};
  found f = {0};
  g_assert_cmpint(pl_cap_find(w->nodes[7], w->now, &need, on_found, &f), ==, PL_OK);
  world_run(w, S(270));
  g_assert_cmpuint(f.calls, ==, 1);
  g_assert_cmpuint(f.n, ==, 1);
  g_assert_cmpmem(f.workers[0].ad.worker, 32, w->keys[1], 32);
  world_free(w);
}

/* Reputation comes first: with a trust hook that prefers worker 1, it
 * ranks above the cheaper worker 2. */
static uint32_t
prefer_one(pl_node *node, pl_peer peer, void *user_data)
{
  (void)node;
  (void)user_data;
  return peer == 1 ? 10 : 1;
}

static void
test_rank_by_reputation(void)
{
  world *w = world_new(10, 0, PL_KAD_KADEMLIA);
  world_start(w);
  w->now = S(1);
  g_assert_cmpint(announce(w, 1, 7, 300, 1500, 0), ==, PL_OK);
  g_assert_cmpint(announce(w, 2, 7, 300, 900, 0), ==, PL_OK);
  world_run(w, S(5));
  pl_node_set_score_hook(w->nodes[6], prefer_one, NULL);
  pl_cap_need need = {.task_type = 7, .min_speed = 1, .max_price_mcc = 5000, .want = 2};
  found f = {0};
  g_assert_cmpint(pl_cap_find(w->nodes[6], w->now, &need, on_found, &f), ==, PL_OK);
  world_run(w, S(20));
  g_assert_cmpuint(f.n, ==, 2);
  g_assert_cmpmem(f.workers[0].ad.worker, 32, w->keys[1], 32);
  g_assert_cmpuint(f.workers[0].reputation, ==, 10);
  world_free(w);
}

/* Send node |to| a STORE of |value| under |key| from handle |from|. */
static void
inject_store(world *w, pl_peer from, guint to, const uint8_t key[32], const uint8_t *value,
             size_t len)
{
  pl_kad_msg m;
  memset(&m, 0, sizeof m);
  m.type = PL_MSG_KAD_STORE;
  m.rpc = 99;
  m.target = key;
  m.ttl_s = 3600;
  m.value = value;
  m.value_len = (uint16_t)len;
  uint8_t buf[PL_KAD_STORE_MAX_BYTES];
  int n = pl_kad_encode(&m, buf, sizeof buf);
  g_assert_cmpint(n, >, 0);
  (void)pl_node_receive(w->nodes[to], w->now, from, buf, (size_t)n);
}

/* Forged, unsigned, stale, misfiled and malformed ads sent straight to a
 * node are refused, each counted under its kind and metric, and are never
 * found; a valid one sent the same way is kept. */
static void
test_rejections(void)
{
  world *w = world_new(6, 4, PL_KAD_KADEMLIA);
  world_start(w);
  w->now = S(1000);
  const pl_peer ghost = 6; /* an identity without a node */
  pl_cap_policy pol = pl_cap_policy_of(&w->cfg);
  pl_cap_ad ad;
  memset(&ad, 0, sizeof ad);
  memcpy(ad.worker, w->keys[ghost], 32);
  ad.task_type = 7;
  ad.speed = 300;
  ad.price_mcc = 1500;
  ad.last_seen_ns = w->now;
  ad.ttl_ns = pol.ttl_max_ns;
  pl_cap_ad_sign(&ad, w->seeds[ghost]);
  uint8_t key[32], buf[PL_CAP_AD_BYTES];
  pl_cap_ad_key(&ad, &pol.classes, key);

  /* forged: a field changed after signing */
  pl_cap_ad t = ad;
  t.price_mcc = 1001;
  g_assert_cmpint(pl_cap_ad_encode(&t, buf, sizeof buf), ==, PL_CAP_AD_BYTES);
  inject_store(w, ghost, 0, key, buf, sizeof buf);
  /* unsigned */
  t = ad;
  memset(t.sig, 0, sizeof t.sig);
  g_assert_cmpint(pl_cap_ad_encode(&t, buf, sizeof buf), ==, PL_CAP_AD_BYTES);
  inject_store(w, ghost, 0, key, buf, sizeof buf);
  /* stale: signed long ago */
  t = ad;
  t.last_seen_ns = w->now - pol.ttl_max_ns - 1;
  pl_cap_ad_sign(&t, w->seeds[ghost]);
  g_assert_cmpint(pl_cap_ad_encode(&t, buf, sizeof buf), ==, PL_CAP_AD_BYTES);
  inject_store(w, ghost, 0, key, buf, sizeof buf);
  /* misfiled: valid ad under another class's key */
  uint8_t other[32];
  pl_cap_key(7, 0, 0, other);
  g_assert_cmpint(pl_cap_ad_encode(&ad, buf, sizeof buf), ==, PL_CAP_AD_BYTES);
  inject_store(w, ghost, 0, other, buf, sizeof buf);
  /* malformed: truncated */
  inject_store(w, ghost, 0, key, buf, sizeof buf - 1);

  pl_cap_stats st = pl_cap_stats_of(w->nodes[0]);
  g_assert_cmpuint(st.rejected[PL_CAP_REJECT_FORGED], ==, 2);
  g_assert_cmpuint(st.rejected[PL_CAP_REJECT_STALE], ==, 1);
  g_assert_cmpuint(st.rejected[PL_CAP_REJECT_INVALID], ==, 2);
  g_assert_cmpuint(st.accepted, ==, 0);
  g_assert_cmpfloat(w->counter[0][PL_METRIC_DHT_RECORDS_FORGED_REJECTED], ==, 2);
  g_assert_cmpfloat(w->counter[0][PL_METRIC_DHT_RECORDS_STALE_REJECTED], ==, 1);
  g_assert_cmpfloat(w->counter[0][PL_METRIC_DHT_RECORDS_INVALID_REJECTED], ==, 2);
  pl_kad_value vals[4];
  g_assert_cmpuint(pl_kad_local_values(w->nodes[0], w->now, key, vals, 4), ==, 0);

  /* The genuine ad is kept. */
  inject_store(w, ghost, 0, key, buf, sizeof buf);
  g_assert_cmpuint(pl_cap_stats_of(w->nodes[0]).accepted, ==, 1);
  g_assert_cmpuint(pl_kad_local_values(w->nodes[0], w->now, key, vals, 4), ==, 1);
  g_assert_cmpmem(vals[0].bytes, vals[0].len, buf, sizeof buf);
  world_free(w);
}

/* With a stake oracle, an ad claiming more stake than the worker holds is
 * forged; a claim within the stake is fine. */
static void
test_stake_claims(void)
{
  world *w = world_new(8, 0, PL_KAD_KADEMLIA);
  w->env.peer_stake_cb = cb_stake;
  for (guint i = 0; i < MAXH; i++)
    w->stake[i] = 1000;
  world_start(w);
  w->now = S(1);
  g_assert_cmpint(announce(w, 1, 7, 300, 1500, 1000), ==, PL_OK); /* honest */
  g_assert_cmpint(announce(w, 2, 7, 300, 1400, 50000), ==, PL_OK); /* lies */
  world_run(w, S(5));
  uint64_t forged = 0;
  for (guint i = 0; i < w->n_nodes; i++)
    forged += pl_cap_stats_of(w->nodes[i]).rejected[PL_CAP_REJECT_FORGED];
  g_assert_cmpuint(forged, >, 0);
  pl_cap_need need = {.task_type = 7, .min_speed = 1, .max_price_mcc = 5000, .want = 4};
  found f = {0};
  g_assert_cmpint(pl_cap_find(w->nodes[6], w->now, &need, on_found, &f), ==, PL_OK);
  world_run(w, S(20));
  g_assert_cmpuint(f.n, ==, 1);
  g_assert_cmpmem(f.workers[0].ad.worker, 32, w->keys[1], 32);
  world_free(w);
}

/* Bad commands and limits give errors, not crashes. */
static void
test_commands(void)
{
  world *w = world_new(4, 0, PL_KAD_KADEMLIA);
  w->cfg.kad.max_lookups = 1000; /* so that finds, not lookups, run out */
  world_start(w);
  uint8_t data[PL_CAP_NEED_BYTES] = {0};
  pl_command cmd = {PL_CMD_KAD_ANNOUNCE, PL_PEER_NONE, 1, data, PL_CAP_SPEC_BYTES - 1};
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &cmd), ==, PL_ERR_INVALID);
  cmd.data = NULL;
  cmd.len = PL_CAP_SPEC_BYTES;
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &cmd), ==, PL_ERR_INVALID);
  cmd.kind = PL_CMD_KAD_FIND_WORKERS;
  cmd.data = data;
  cmd.len = PL_CAP_NEED_BYTES + 1;
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &cmd), ==, PL_ERR_INVALID);
  cmd.arg = UINT64_C(1) << 40;
  cmd.len = PL_CAP_NEED_BYTES;
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &cmd), ==, PL_ERR_INVALID);
  /* More task types than a worker may announce. */
  for (uint32_t t = 0; t < PL_CAP_SPECS_MAX; t++)
    g_assert_cmpint(announce(w, 0, t, 100, 100, 0), ==, PL_OK);
  g_assert_cmpint(announce(w, 0, 99, 100, 100, 0), ==, PL_ERR_NOMEM);
  /* Re-announcing a type replaces it. */
  g_assert_cmpint(announce(w, 0, 1, 200, 100, 0), ==, PL_OK);
  /* Finds in flight are bounded. */
  pl_cap_need need = {.task_type = 1, .min_speed = 0, .max_price_mcc = UINT64_MAX, .want = 50};
  guint ok = 0, refused = 0;
  for (guint i = 0; i < PL_CAP_FINDS_MAX + 2; i++) {
    int rc = pl_cap_find(w->nodes[1], w->now, &need, NULL, NULL);
    ok += rc == PL_OK;
    refused += rc == PL_ERR_NOMEM;
  }
  g_assert_cmpuint(ok + refused, ==, PL_CAP_FINDS_MAX + 2);
  g_assert_cmpuint(refused, >=, 2);
  g_assert_cmpuint(pl_cap_stats_of(w->nodes[1]).finds_refused, ==, refused);
  need.want = 0;
  g_assert_cmpint(pl_cap_find(w->nodes[1], w->now, &need, NULL, NULL), ==, PL_ERR_INVALID);
  world_run(w, S(60));
  g_assert_cmpuint(pl_cap_stats_of(w->nodes[1]).finds_done, ==, ok);
  g_assert_cmpuint(pl_node_memory(w->nodes[1]), >, 0);
  world_free(w);
}

/* Rendezvous mode: with every node knowing every other, ads land on the
 * top-HRW replicas and a requester finds them in one hop. */
static void
test_rendezvous_mode(void)
{
  world *w = world_new(12, 0, PL_KAD_RENDEZVOUS);
  w->cfg.kad.bucket_size = 16; /* every node knows every other: full views */
  world_start(w);
  w->now = S(1);
  g_assert_cmpint(announce(w, 1, 7, 300, 1500, 0), ==, PL_OK);
  g_assert_cmpint(announce(w, 2, 7, 250, 900, 0), ==, PL_OK);
  world_run(w, S(5));
  /* The ad's replicas (top k by HRW among all 12) hold it. */
  pl_cap_policy pol = pl_cap_policy_of(&w->cfg);
  pl_cap_ad probe;
  memset(&probe, 0, sizeof probe);
  probe.task_type = 7;
  probe.speed = 300;
  probe.price_mcc = 1500;
  uint8_t key[32];
  pl_cap_ad_key(&probe, &pol.classes, key);
  pl_peer all[12], reps[PL_RENDEZVOUS_R_MAX];
  for (guint i = 0; i < 12; i++)
    all[i] = i;
  uint32_t r = pl_rendezvous_top(&w->env, key, all, 12, reps, w->cfg.kad.k);
  g_assert_cmpuint(r, ==, w->cfg.kad.k);
  for (uint32_t i = 0; i < r; i++) {
    pl_kad_value vals[4];
    g_assert_cmpuint(pl_kad_local_values(w->nodes[reps[i]], w->now, key, vals, 4), ==, 1);
  }
  /* Every node agrees on the replicas. */
  pl_peer mine[PL_RENDEZVOUS_R_MAX];
  for (guint i = 0; i < 12; i++) {
    g_assert_cmpuint(pl_rendezvous_replicas(w->nodes[i], key, mine), ==, r);
    g_assert_cmpmem(mine, r * sizeof(pl_peer), reps, r * sizeof(pl_peer));
  }
  /* The known set: self first, then everyone else once, ascending. */
  pl_peer known[128];
  g_assert_cmpuint(pl_rendezvous_known_bound(w->nodes[5]), <=, 128);
  g_assert_cmpuint(pl_rendezvous_known(w->nodes[5], known, 128), ==, 12);
  g_assert_cmpuint(known[0], ==, 5);
  for (guint i = 1; i < 12; i++)
    g_assert_cmpuint(known[i], ==, i <= 5 ? i - 1 : i);
  pl_cap_need need = {.task_type = 7, .min_speed = 200, .max_price_mcc = 2000, .want = 5};
  found f = {0};
  g_assert_cmpint(pl_cap_find(w->nodes[9], w->now, &need, on_found, &f), ==, PL_OK);
  world_run(w, S(20));
  g_assert_cmpuint(f.calls, ==, 1);
  g_assert_cmpuint(f.n, ==, 2);
  g_assert_cmpmem(f.workers[0].ad.worker, 32, w->keys[2], 32);
  world_free(w);
}

/* With partial views (buckets of 2 among 12 nodes) the known sets
 * differ, and so do the replicas two nodes pick for many keys: the price of
 * rendezvous hashing without full membership. */
static void
test_rendezvous_partial(void)
{
  world *w = world_new(12, 0, PL_KAD_RENDEZVOUS);
  w->cfg.kad.k = 2;
  w->cfg.kad.bucket_size = 2;
  world_start(w);
  g_assert_cmpuint(pl_kad_contact_count(w->nodes[0]), <, 11);
  guint differ = 0;
  for (uint32_t k = 0; k < 64; k++) {
    uint8_t key[32];
    pl_cap_key(k, 0, 0, key);
    pl_peer a[PL_RENDEZVOUS_R_MAX], b[PL_RENDEZVOUS_R_MAX];
    uint32_t na = pl_rendezvous_replicas(w->nodes[0], key, a);
    uint32_t nb = pl_rendezvous_replicas(w->nodes[7], key, b);
    g_assert_cmpuint(na, ==, 2);
    g_assert_cmpuint(nb, ==, 2);
    differ += memcmp(a, b, 2 * sizeof(pl_peer)) != 0;
  }
  g_assert_cmpuint(differ, >, 0);
  world_free(w);
}

/* A node that answers every FIND_VALUE with a doctored copy of a real ad
 * (price cut after signing) and an unsigned ad: the requester refuses both,
 * counts them as forged, and ranks only the genuine ad. */
static int
forge_values(pl_node *node, pl_peer from, const uint8_t key[PL_ID_BYTES], uint8_t *buf,
             size_t cap, uint16_t *lens, uint32_t max, void *state)
{
  const pl_cap_ad *real = state;
  (void)node;
  (void)from;
  (void)key;
  if (max < 2 || cap < 2 * PL_CAP_AD_BYTES)
    return -1;
  pl_cap_ad t = *real;
  t.price_mcc = 1;
  g_assert_cmpint(pl_cap_ad_encode(&t, buf, cap), ==, PL_CAP_AD_BYTES);
  memcpy(t.worker, real->worker, 32);
  t.worker[0] ^= 1;
  memset(t.sig, 0, sizeof t.sig);
  g_assert_cmpint(pl_cap_ad_encode(&t, buf + PL_CAP_AD_BYTES, cap - PL_CAP_AD_BYTES), ==,
                  PL_CAP_AD_BYTES);
  lens[0] = lens[1] = PL_CAP_AD_BYTES;
  return 2;
}

static void
test_forged_answers(void)
{
  world *w = world_new(3, 0, PL_KAD_KADEMLIA);
  world_start(w);
  w->now = S(1);
  g_assert_cmpint(announce(w, 1, 7, 300, 1500, 0), ==, PL_OK);
  world_run(w, S(5));
  /* The forger serves a doctored copy of worker 1's real ad. */
  pl_cap_policy pol = pl_cap_policy_of(&w->cfg);
  pl_cap_ad probe;
  memset(&probe, 0, sizeof probe);
  probe.task_type = 7;
  probe.speed = 300;
  probe.price_mcc = 1500;
  uint8_t key[32];
  pl_cap_ad_key(&probe, &pol.classes, key);
  pl_kad_value vals[4];
  g_assert_cmpuint(pl_kad_local_values(w->nodes[2], w->now, key, vals, 4), ==, 1);
  pl_cap_ad real;
  g_assert_cmpint(pl_cap_ad_decode(vals[0].bytes, vals[0].len, &real), ==, PL_OK);
  pl_strategy forger = {.name = "forger", .kad_find_value = forge_values, .state = &real};
  pl_node_set_strategy(w->nodes[2], &forger);

  pl_cap_need need = {.task_type = 7, .min_speed = 200, .max_price_mcc = 2000, .want = 5};
  found f = {0};
  g_assert_cmpint(pl_cap_find(w->nodes[0], w->now, &need, on_found, &f), ==, PL_OK);
  world_run(w, S(30));
  g_assert_cmpuint(f.calls, ==, 1);
  g_assert_cmpuint(f.n, ==, 1);
  g_assert_cmpmem(f.workers[0].ad.worker, 32, w->keys[1], 32);
  g_assert_cmpuint(f.workers[0].ad.price_mcc, ==, 1500);
  g_assert_cmpuint(pl_cap_stats_of(w->nodes[0]).rejected[PL_CAP_REJECT_FORGED], >=, 2);
  g_assert_cmpfloat(w->counter[0][PL_METRIC_DHT_RECORDS_FORGED_REJECTED], >=, 2);
  world_free(w);
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
  g_test_add_func("/capability/announce-find", test_announce_find);
  g_test_add_func("/capability/reannounce", test_reannounce);
  g_test_add_func("/capability/rank-by-reputation", test_rank_by_reputation);
  g_test_add_func("/capability/rejections", test_rejections);
  g_test_add_func("/capability/stake-claims", test_stake_claims);
  g_test_add_func("/capability/commands", test_commands);
  g_test_add_func("/capability/rendezvous-mode", test_rendezvous_mode);
  g_test_add_func("/capability/rendezvous-partial", test_rendezvous_partial);
  g_test_add_func("/capability/forged-answers", test_forged_answers);
  return g_test_run();
}
