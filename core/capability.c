/*
 * capability.c — signed capability ads: encoding, checks, classes, ranking,
 * and the per-node announce / find component of the discovery layer.
 *
 * The order of the receiver's checks is cheapest first: decode (length and
 * version), key (one hash), lifetime and freshness (integer compares), the
 * all-zero "unsigned" signature, and only then the Ed25519 verification
 * (through the host's memo, charged to the node).  So a flood of malformed
 * or stale ads costs the victim hashes, not signature checks.
 */
#include "capability.h"
#include "identity.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

G_STATIC_ASSERT(PL_CAP_AD_BYTES == 2 + PL_KEY_BYTES + 4 + 4 + 8 + 8 + 8 + 8 + PL_SIG_BYTES);

/* Domain tag of the signed bytes, so an ad signature can never be replayed
 * as another kind of signed message (18 bytes, NUL included). */
static const char sign_domain[18] = "peerlab cap ad v1";
G_STATIC_ASSERT(sizeof sign_domain == 18);

/* Domain tag of the DHT key (18 bytes, NUL included). */
static const char key_domain[19] = "peerlab cap key v1";

/* ------------------------------------------------------------ encoding */

static uint8_t *
put_u32(uint8_t *p, uint32_t v)
{
  for (int i = 3; i >= 0; i--)
    *p++ = (uint8_t)(v >> (8 * i));
  return p;
}

static uint8_t *
put_u64(uint8_t *p, uint64_t v)
{
  for (int i = 7; i >= 0; i--)
    *p++ = (uint8_t)(v >> (8 * i));
  return p;
}

static uint32_t
get_u32(const uint8_t *p)
{
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t
get_u64(const uint8_t *p)
{
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = (v << 8) | p[i];
  return v;
}

/* Write the body (everything but the signature) of |ad| at |p|; returns
 * the end. */
static uint8_t *
put_body(uint8_t *p, const pl_cap_ad *ad)
{
  *p++ = PL_CAP_AD_TYPE;
  *p++ = PL_CAP_AD_VERSION;
  memcpy(p, ad->worker, PL_KEY_BYTES);
  p += PL_KEY_BYTES;
  p = put_u32(p, ad->task_type);
  p = put_u32(p, ad->speed);
  p = put_u64(p, ad->price_mcc);
  p = put_u64(p, ad->stake_mcc);
  p = put_u64(p, ad->last_seen_ns);
  p = put_u64(p, ad->ttl_ns);
  return p;
}

int
pl_cap_ad_encode(const pl_cap_ad *ad, uint8_t *buf, size_t cap)
{
  g_assert(ad != NULL);
  if (ad->ttl_ns == 0)
    return PL_ERR_INVALID;
  if (buf == NULL || cap < PL_CAP_AD_BYTES)
    return PL_ERR_BUFFER;
  uint8_t *p = put_body(buf, ad);
  memcpy(p, ad->sig, PL_SIG_BYTES);
  return PL_CAP_AD_BYTES;
}

int
pl_cap_ad_decode(const uint8_t *bytes, size_t len, pl_cap_ad *out)
{
  g_assert(out != NULL);
  g_assert(bytes != NULL || len == 0);
  if (len < 1)
    return PL_ERR_TRUNCATED;
  if (bytes[0] != PL_CAP_AD_TYPE)
    return PL_ERR_UNKNOWN_TYPE;
  if (len < 2)
    return PL_ERR_TRUNCATED;
  if (bytes[1] != PL_CAP_AD_VERSION)
    return PL_ERR_WIRE_VERSION;
  if (len < PL_CAP_AD_BYTES)
    return PL_ERR_TRUNCATED;
  if (len > PL_CAP_AD_BYTES)
    return PL_ERR_TRAILING;
  const uint8_t *p = bytes + 2;
  memcpy(out->worker, p, PL_KEY_BYTES);
  p += PL_KEY_BYTES;
  out->task_type = get_u32(p);
  out->speed = get_u32(p + 4);
  out->price_mcc = get_u64(p + 8);
  out->stake_mcc = get_u64(p + 16);
  out->last_seen_ns = get_u64(p + 24);
  out->ttl_ns = get_u64(p + 32);
  memcpy(out->sig, p + 40, PL_SIG_BYTES);
  if (out->ttl_ns == 0)
    return PL_ERR_BAD_FIELD;
  return PL_OK;
}

size_t
pl_cap_ad_signed_bytes(const pl_cap_ad *ad, uint8_t msg[PL_CAP_SIGNED_BYTES])
{
  g_assert(ad != NULL && msg != NULL);
  memcpy(msg, sign_domain, sizeof sign_domain);
  uint8_t *end = put_body(msg + sizeof sign_domain, ad);
  g_assert((size_t)(end - msg) == PL_CAP_SIGNED_BYTES);
  return PL_CAP_SIGNED_BYTES;
}

void
pl_cap_ad_sign(pl_cap_ad *ad, const uint8_t seed[PL_SEED_BYTES])
{
  uint8_t msg[PL_CAP_SIGNED_BYTES];
  g_assert(ad != NULL && seed != NULL);
  size_t n = pl_cap_ad_signed_bytes(ad, msg);
  pl_sign_raw(seed, ad->worker, msg, n, ad->sig);
}

int
pl_cap_ad_verify(const pl_env *env, const pl_cap_ad *ad)
{
  uint8_t msg[PL_CAP_SIGNED_BYTES];
  g_assert(env != NULL && ad != NULL);
  size_t n = pl_cap_ad_signed_bytes(ad, msg);
  return pl_verify_env(env, ad->worker, msg, n, ad->sig);
}

/* ------------------------------------------------------ classes, keys */

uint8_t
pl_cap_class(uint64_t value, uint64_t base, uint8_t n_classes)
{
  g_assert(base >= 1 && n_classes >= 1);
  uint64_t q = value / base;
  unsigned c = q == 0 ? 0 : 64u - (unsigned)__builtin_clzll(q); /* floor(log2 q) + 1 */
  if (c > (unsigned)n_classes - 1)
    c = (unsigned)n_classes - 1;
  return (uint8_t)c;
}

bool
pl_cap_classes_valid(const pl_cap_classes *classes)
{
  return classes != NULL && classes->speed_base >= 1 && classes->price_base_mcc >= 1 &&
         classes->n_classes >= 1 && classes->n_classes <= PL_CAP_CLASSES_MAX;
}

void
pl_cap_key(uint32_t task_type, uint8_t speed_class, uint8_t price_class,
           uint8_t key[PL_ID_BYTES])
{
  uint8_t in[sizeof key_domain + 6];
  g_assert(key != NULL);
  memcpy(in, key_domain, sizeof key_domain);
  uint8_t *p = put_u32(in + sizeof key_domain, task_type);
  p[0] = speed_class;
  p[1] = price_class;
  pl_hash(in, sizeof in, key);
}

void
pl_cap_ad_key(const pl_cap_ad *ad, const pl_cap_classes *classes, uint8_t key[PL_ID_BYTES])
{
  g_assert(ad != NULL && pl_cap_classes_valid(classes));
  pl_cap_key(ad->task_type, pl_cap_class(ad->speed, classes->speed_base, classes->n_classes),
             pl_cap_class(ad->price_mcc, classes->price_base_mcc, classes->n_classes), key);
}

uint32_t
pl_cap_need_keys(const pl_cap_need *need, const pl_cap_classes *classes,
                 uint8_t (*keys)[PL_ID_BYTES], uint32_t max)
{
  g_assert(need != NULL && pl_cap_classes_valid(classes));
  g_assert(keys != NULL || max == 0);
  uint8_t n = classes->n_classes;
  uint8_t smin = pl_cap_class(need->min_speed, classes->speed_base, n);
  uint8_t pmax = pl_cap_class(need->max_price_mcc, classes->price_base_mcc, n);
  uint32_t k = 0;
  for (unsigned pc = 0; pc <= pmax; pc++)
    for (unsigned sc = smin; sc < n; sc++) {
      if (k == max)
        return k;
      pl_cap_key(need->task_type, (uint8_t)sc, (uint8_t)pc, keys[k++]);
    }
  return k;
}

bool
pl_cap_ad_meets(const pl_cap_ad *ad, const pl_cap_need *need)
{
  g_assert(ad != NULL && need != NULL);
  return ad->task_type == need->task_type && ad->speed >= need->min_speed &&
         ad->price_mcc <= need->max_price_mcc && ad->stake_mcc >= need->min_stake_mcc;
}

/* ------------------------------------------------------------- checks */

pl_cap_reject
pl_cap_reject_of(int err)
{
  switch (err) {
  case PL_ERR_STALE:
    return PL_CAP_REJECT_STALE;
  case PL_ERR_BAD_SIGNATURE:
  case PL_ERR_BAD_IDENTITY:
    return PL_CAP_REJECT_FORGED;
  default:
    return PL_CAP_REJECT_INVALID;
  }
}

static bool
all_zero(const uint8_t *p, size_t n)
{
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++)
    acc |= p[i];
  return acc == 0;
}

int
pl_cap_ad_check(const pl_cap_ad *ad, const uint8_t key[PL_ID_BYTES], pl_time_ns now,
                const pl_cap_policy *policy)
{
  g_assert(ad != NULL && key != NULL && policy != NULL);
  uint8_t want[PL_ID_BYTES];
  pl_cap_ad_key(ad, &policy->classes, want);
  if (memcmp(want, key, PL_ID_BYTES) != 0)
    return PL_ERR_BAD_FIELD;
  if (ad->ttl_ns == 0 || ad->ttl_ns > policy->ttl_max_ns)
    return PL_ERR_BAD_FIELD;
  if (ad->last_seen_ns > now && ad->last_seen_ns - now > policy->skew_ns)
    return PL_ERR_STALE;
  /* now >= last_seen + ttl, without overflow. */
  if (now >= ad->last_seen_ns && now - ad->last_seen_ns >= ad->ttl_ns)
    return PL_ERR_STALE;
  if (all_zero(ad->sig, PL_SIG_BYTES))
    return PL_ERR_BAD_SIGNATURE;
  return PL_OK;
}

/* ------------------------------------------------------------ ranking */

static int
cmp_ranked(const void *pa, const void *pb)
{
  const pl_cap_ranked *a = pa, *b = pb;
  if (a->reputation != b->reputation)
    return a->reputation > b->reputation ? -1 : 1;
  if (a->ad.price_mcc != b->ad.price_mcc)
    return a->ad.price_mcc < b->ad.price_mcc ? -1 : 1;
  if (a->ad.speed != b->ad.speed)
    return a->ad.speed > b->ad.speed ? -1 : 1;
  return memcmp(a->ad.worker, b->ad.worker, PL_KEY_BYTES);
}

void
pl_cap_rank(pl_cap_ranked *cands, size_t n)
{
  g_assert(cands != NULL || n == 0);
  if (n > 1)
    qsort(cands, n, sizeof *cands, cmp_ranked);
}
