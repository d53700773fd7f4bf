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
#include "wire.h"
#include "identity.h"
#include "kad.h"

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
  out->task_type = pl_be_get32(p);
  out->speed = pl_be_get32(p + 4);
  out->price_mcc = pl_be_get64(p + 8);
  out->stake_mcc = pl_be_get64(p + 16);
  out->last_seen_ns = pl_be_get64(p + 24);
  out->ttl_ns = pl_be_get64(p + 32);
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
  /* The suitable class pairs form a grid: price classes 0..pmax, speed
   * classes smin..n-1.  Walk it by anti-diagonals from the corner (price
   * class 0, speed class smin), a step up in either class being one step
   * away, cheaper first within a diagonal: a key budget smaller than the
   * grid then covers the classes nearest the need in both dimensions,
   * instead of every speed class of the cheapest prices and none of the
   * dearer ones a worker within the need may be in. */
  unsigned rows = (unsigned)pmax + 1, cols = (unsigned)n - smin;
  uint32_t k = 0;
  for (unsigned d = 0; d + 1 < rows + cols; d++)
    for (unsigned pc = 0; pc < rows && pc <= d; pc++) {
      unsigned off = d - pc;
      if (off >= cols)
        continue;
      if (k == max)
        return k;
      pl_cap_key(need->task_type, (uint8_t)(smin + off), (uint8_t)pc, keys[k++]);
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

/* ------------------------------------------------- the node's component */
/*
 * State per node: the announced specs (a worker re-signs and re-publishes
 * them on one periodic timer) and the finds in flight.  A find holds its
 * class keys and the workers collected so far; it issues FIND_VALUE
 * lookups through kad, PL_CAP_FIND_PARALLEL at a time, and ends when the
 * keys run out or enough workers meeting the need were found and no lookup
 * is in flight.  kad may complete a lookup from inside pl_kad_find_value
 * (a local answer), so issuing is guarded against re-entry: a completion
 * that arrives while the find is issuing only records its values.
 */

/* Local timer id of the re-announcement. */
#define TIMER_REANNOUNCE 1u

typedef struct cap_find cap_find;
typedef struct pl_cap pl_cap;

/* One node's capability state (the app's state in kad). */
struct pl_cap {
  pl_cap_spec *specs;           /* announced specs, in announce order (heap, room for
                                   PL_CAP_SPECS_MAX; NULL until the first announce) */
  cap_find **finds;             /* finds in flight, PL_CAP_FINDS_MAX slots, NULL = free
                                   (heap; NULL until the first find) */
  uint8_t n_specs;              /* entries in |specs| */
  bool timer_armed;             /* a re-announce timer is pending */
  bool stopped;                 /* the node stopped: ignore timers */
  pl_cap_stats stats;           /* counters */
};

struct cap_find {
  pl_cap *cap;                  /* owner */
  uint32_t slot;                /* index in cap->finds */
  pl_cap_need need;             /* what is wanted */
  pl_cap_found_cb cb;           /* completion, may be NULL */
  void *user_data;              /* for |cb| */
  pl_time_ns started_ns;        /* when the find began, ns */
  uint32_t n_keys;              /* keys to query */
  uint32_t next;                /* next key to query */
  uint32_t outstanding;         /* lookups in flight */
  uint32_t queried;             /* lookups started */
  bool issuing;                 /* inside pump(): completions only record */
  uint32_t n_found;             /* entries in |found| */
  pl_cap_ranked found[PL_CAP_FIND_RESULTS_MAX]; /* distinct workers meeting the need */
  uint8_t keys[][PL_ID_BYTES];  /* the class keys, query order */
};

G_STATIC_ASSERT(PL_CAP_AD_TYPE == PL_KAD_VALUE_CAPABILITY);
G_STATIC_ASSERT(PL_CAP_AD_BYTES <= PL_KAD_VALUE_MAX);

static pl_cap *
cap_of(const pl_node *node)
{
  return pl_kad_app_state(node, PL_CAP_APP_NAME);
}

pl_cap_policy
pl_cap_policy_of(const pl_config *config)
{
  const pl_kad_config *k = &config->kad;
  pl_cap_policy p = {
    .classes = {.speed_base = k->cap_speed_base, .price_base_mcc = k->cap_price_base_mcc,
                .n_classes = k->cap_classes},
    .ttl_max_ns = k->cap_ttl_ns,
    .skew_ns = k->cap_clock_skew_ns,
  };
  return p;
}

void
pl_cap_spec_encode(const pl_cap_spec *spec, uint8_t out[PL_CAP_SPEC_BYTES])
{
  uint8_t *p = put_u32(out, spec->speed);
  p = put_u64(p, spec->price_mcc);
  put_u64(p, spec->stake_mcc);
}

void
pl_cap_need_encode(const pl_cap_need *need, uint8_t out[PL_CAP_NEED_BYTES])
{
  uint8_t *p = put_u32(out, need->min_speed);
  p = put_u64(p, need->max_price_mcc);
  p = put_u64(p, need->min_stake_mcc);
  put_u32(p, need->want);
}

pl_cap_stats
pl_cap_stats_of(const pl_node *node)
{
  pl_cap_stats zero;
  memset(&zero, 0, sizeof zero);
  const pl_cap *cap = node ? cap_of(node) : NULL;
  return cap ? cap->stats : zero;
}

/* ----------------------------------------------------------- validate */

static int
cap_validate(pl_node *node, void *state, pl_time_ns now, const uint8_t key[PL_ID_BYTES],
             const uint8_t *value, size_t len, pl_kad_value_info *info)
{
  pl_cap *cap = state;
  pl_cap_policy pol = pl_cap_policy_of(node->config);
  pl_cap_ad ad;
  int rc = pl_cap_ad_decode(value, len, &ad);
  if (rc == PL_OK)
    rc = pl_cap_classes_valid(&pol.classes) ? pl_cap_ad_check(&ad, key, now, &pol)
                                             : PL_ERR_BAD_FIELD;
  if (rc == PL_OK) {
    uint8_t msg[PL_CAP_SIGNED_BYTES];
    size_t n = pl_cap_ad_signed_bytes(&ad, msg);
    rc = pl_node_verify(node, ad.worker, msg, n, ad.sig);
  }
  /* A stake claim above what the ledger holds for the worker is a lie. */
  if (rc == PL_OK && node->env->peer_stake_cb != NULL && ad.stake_mcc > 0) {
    pl_peer w = node->env->peer_intern_cb(ad.worker, node->env->user_data);
    if (w == PL_PEER_NONE || node->env->peer_stake_cb(w, node->env->user_data) < ad.stake_mcc)
      rc = PL_ERR_BAD_IDENTITY;
  }
  if (rc != PL_OK) {
    pl_cap_reject kind = pl_cap_reject_of(rc);
    cap->stats.rejected[kind]++;
    if (kind == PL_CAP_REJECT_FORGED)
      pl_node_metric(node, PL_METRIC_DHT_RECORDS_FORGED_REJECTED, 1);
    else if (kind == PL_CAP_REJECT_INVALID)
      pl_node_metric(node, PL_METRIC_DHT_RECORDS_INVALID_REJECTED, 1);
    /* stale: kad counts dht.records.stale_rejected from the return code */
    return rc;
  }
  cap->stats.accepted++;
  memcpy(info->owner, ad.worker, PL_ID_BYTES);
  info->seq = ad.last_seen_ns;
  info->expires_ns =
    ad.last_seen_ns > UINT64_MAX - ad.ttl_ns ? UINT64_MAX : ad.last_seen_ns + ad.ttl_ns;
  return PL_OK;
}

/* ----------------------------------------------------------- announce */

/* Sign and publish one ad for |spec| at |now|. */
static void
publish(pl_node *node, pl_cap *cap, pl_time_ns now, const pl_cap_spec *spec)
{
  pl_cap_policy pol = pl_cap_policy_of(node->config);
  pl_cap_ad ad;
  memset(&ad, 0, sizeof ad);
  memcpy(ad.worker, node->key, PL_KEY_BYTES);
  ad.task_type = spec->task_type;
  ad.speed = spec->speed;
  ad.price_mcc = spec->price_mcc;
  ad.stake_mcc = spec->stake_mcc;
  ad.last_seen_ns = now;
  ad.ttl_ns = pol.ttl_max_ns;
  uint8_t msg[PL_CAP_SIGNED_BYTES];
  size_t n = pl_cap_ad_signed_bytes(&ad, msg);
  pl_node_sign(node, msg, n, ad.sig);
  uint8_t buf[PL_CAP_AD_BYTES], key[PL_ID_BYTES];
  int len = pl_cap_ad_encode(&ad, buf, sizeof buf);
  g_assert(len == PL_CAP_AD_BYTES);
  pl_cap_ad_key(&ad, &pol.classes, key);
  cap->stats.announced++;
  pl_node_metric(node, PL_METRIC_CAP_ANNOUNCED, 1);
  /* Refused (max_lookups): counted; the next re-announcement tries again. */
  if (pl_kad_store(node, now, key, buf, (size_t)len, ad.ttl_ns, false) != PL_OK)
    cap->stats.publish_failed++;
}

static void
arm(pl_node *node, pl_cap *cap, pl_time_ns now)
{
  pl_time_ns period = node->config->kad.cap_reannounce_ns;
  if (cap->timer_armed || period == 0 || cap->n_specs == 0)
    return;
  cap->timer_armed = true;
  pl_kad_app_set_timer(node, PL_CAP_APP_NAME, now + period, TIMER_REANNOUNCE);
}

int
pl_cap_announce(pl_node *node, pl_time_ns now, const pl_cap_spec *spec)
{
  g_assert(node != NULL && spec != NULL);
  pl_cap *cap = cap_of(node);
  pl_cap_policy pol = pl_cap_policy_of(node->config);
  if (cap == NULL || cap->stopped || !pl_cap_classes_valid(&pol.classes) || pol.ttl_max_ns == 0)
    return PL_ERR_INVALID;
  uint32_t i = 0;
  while (i < cap->n_specs && cap->specs[i].task_type != spec->task_type)
    i++;
  if (i == cap->n_specs) {
    if (cap->n_specs == PL_CAP_SPECS_MAX)
      return PL_ERR_NOMEM;
    if (cap->specs == NULL)
      cap->specs = g_new0(pl_cap_spec, PL_CAP_SPECS_MAX);
    cap->n_specs++;
  }
  cap->specs[i] = *spec;
  publish(node, cap, now, &cap->specs[i]);
  arm(node, cap, now);
  return PL_OK;
}

/* --------------------------------------------------------------- find */

static void pump(pl_node *node, cap_find *f, pl_time_ns now);

/* Reputation of |worker| from the node's trust hook (0 for all without
 * one); |peer| is its interned handle or PL_PEER_NONE. */
static uint32_t
reputation(pl_node *node, pl_peer peer)
{
  if (node->score_fn == NULL || peer == PL_PEER_NONE)
    return 0;
  return node->score_fn(node, peer, node->score_user_data);
}

/* Record the ads among |values| that meet the need (newest per worker). */
static void
collect(pl_node *node, cap_find *f, const pl_kad_value *values, uint32_t n)
{
  for (uint32_t i = 0; i < n; i++) {
    pl_cap_ad ad;
    if (pl_cap_ad_decode(values[i].bytes, values[i].len, &ad) != PL_OK)
      continue; /* kad validated it; not one of ours */
    if (!pl_cap_ad_meets(&ad, &f->need))
      continue;
    uint32_t j = 0;
    while (j < f->n_found && memcmp(f->found[j].ad.worker, ad.worker, PL_KEY_BYTES) != 0)
      j++;
    if (j < f->n_found) {
      if (ad.last_seen_ns > f->found[j].ad.last_seen_ns)
        f->found[j].ad = ad;
      continue;
    }
    if (f->n_found == PL_CAP_FIND_RESULTS_MAX)
      continue;
    f->found[f->n_found].ad = ad;
    f->found[f->n_found].reputation = 0;
    f->n_found++;
  }
  (void)node;
}

static void
find_done(pl_node *node, cap_find *f, pl_time_ns now)
{
  pl_cap *cap = f->cap;
  const pl_env *env = node->env;
  pl_peer peers[PL_CAP_FIND_RESULTS_MAX];
  for (uint32_t i = 0; i < f->n_found; i++) {
    pl_peer p = env->peer_intern_cb ? env->peer_intern_cb(f->found[i].ad.worker, env->user_data)
                                    : PL_PEER_NONE;
    f->found[i].reputation = reputation(node, p);
  }
  pl_cap_rank(f->found, f->n_found);
  uint32_t n = MIN(f->n_found, f->need.want);
  uint32_t np = 0;
  for (uint32_t i = 0; i < n; i++) {
    pl_peer p = env->peer_intern_cb ? env->peer_intern_cb(f->found[i].ad.worker, env->user_data)
                                    : PL_PEER_NONE;
    if (p != PL_PEER_NONE)
      peers[np++] = p;
  }
  pl_observation obs = {
    .kind = PL_OBS_KAD_WORKERS,
    .key = f->n_keys > 0 ? f->keys[0] : NULL,
    .peers = peers,
    .n_peers = np,
    .a = n,
    .b = f->queried,
    .c = f->started_ns,
  };
  pl_node_observe(node, &obs);
  pl_node_metric(node, PL_METRIC_CAP_FIND_WORKERS, (double)n);
  cap->stats.finds_done++;
  cap->finds[f->slot] = NULL;
  if (f->cb != NULL)
    f->cb(node, now, &f->need, f->found, n, f->user_data);
  g_free(f);
}

static void
values_cb(pl_node *node, pl_time_ns now, const uint8_t key[PL_ID_BYTES],
          const pl_kad_value *values, uint32_t n, void *user_data)
{
  cap_find *f = user_data;
  (void)key;
  collect(node, f, values, n);
  g_assert(f->outstanding > 0);
  f->outstanding--;
  pump(node, f, now);
}

/* Issue lookups while there is room and need; finish when none is left in
 * flight and nothing more will be issued. */
static void
pump(pl_node *node, cap_find *f, pl_time_ns now)
{
  if (f->issuing)
    return;
  f->issuing = true;
  uint32_t want = MIN(f->need.want, (uint32_t)PL_KAD_VALUES_MAX);
  while (f->outstanding < PL_CAP_FIND_PARALLEL && f->next < f->n_keys &&
         f->n_found < f->need.want) {
    uint32_t i = f->next++;
    f->outstanding++;
    f->queried++;
    if (pl_kad_find_value(node, now, f->keys[i], want, values_cb, f) != PL_OK) {
      f->outstanding--;
      f->cap->stats.lookups_failed++;
    }
  }
  f->issuing = false;
  if (f->outstanding == 0)
    find_done(node, f, now);
}

int
pl_cap_find(pl_node *node, pl_time_ns now, const pl_cap_need *need, pl_cap_found_cb cb,
            void *user_data)
{
  g_assert(node != NULL && need != NULL);
  pl_cap *cap = cap_of(node);
  pl_cap_policy pol = pl_cap_policy_of(node->config);
  if (cap == NULL || cap->stopped || need->want == 0 || !pl_cap_classes_valid(&pol.classes))
    return PL_ERR_INVALID;
  if (cap->finds == NULL)
    cap->finds = g_new0(cap_find *, PL_CAP_FINDS_MAX);
  uint32_t slot = 0;
  while (slot < PL_CAP_FINDS_MAX && cap->finds[slot] != NULL)
    slot++;
  if (slot == PL_CAP_FINDS_MAX) {
    cap->stats.finds_refused++;
    return PL_ERR_NOMEM;
  }
  uint32_t max_keys = MIN((uint32_t)node->config->kad.cap_find_keys_max, PL_CAP_FIND_KEYS_MAX);
  cap_find *f = g_malloc0(sizeof *f + (size_t)max_keys * PL_ID_BYTES);
  f->cap = cap;
  f->slot = slot;
  f->need = *need;
  f->cb = cb;
  f->user_data = user_data;
  f->started_ns = now;
  f->n_keys = pl_cap_need_keys(need, &pol.classes, f->keys, max_keys);
  cap->finds[slot] = f;
  cap->stats.finds_started++;
  pump(node, f, now);
  return PL_OK;
}

/* ---------------------------------------------------------- app hooks */

static bool
cap_enabled(const pl_config *config)
{
  return config->kad.mode != PL_KAD_OFF;
}

static void *
cap_init(pl_node *node)
{
  (void)node;
  return g_new0(pl_cap, 1);
}

static void
cap_clear(pl_node *node, void *state)
{
  pl_cap *cap = state;
  (void)node;
  for (uint32_t i = 0; cap->finds != NULL && i < PL_CAP_FINDS_MAX; i++)
    g_free(cap->finds[i]);
  g_free(cap->finds);
  g_free(cap->specs);
  g_free(cap);
}

static void
cap_start(pl_node *node, void *state, pl_time_ns now)
{
  pl_cap *cap = state;
  (void)node;
  (void)now;
  cap->stopped = false;
}

static void
cap_stop(pl_node *node, void *state, pl_time_ns now)
{
  pl_cap *cap = state;
  (void)node;
  (void)now;
  cap->stopped = true;
}

static void
cap_timer(pl_node *node, void *state, pl_time_ns now, uint32_t local_id)
{
  pl_cap *cap = state;
  if (local_id != TIMER_REANNOUNCE)
    return;
  cap->timer_armed = false;
  if (cap->stopped)
    return;
  for (uint32_t i = 0; i < cap->n_specs; i++)
    publish(node, cap, now, &cap->specs[i]);
  arm(node, cap, now);
}

static int
cap_command(pl_node *node, void *state, pl_time_ns now, const pl_command *cmd)
{
  (void)state;
  if (cmd->arg > UINT32_MAX)
    return PL_ERR_INVALID;
  if (cmd->kind == PL_CMD_KAD_ANNOUNCE) {
    if (cmd->data == NULL || cmd->len != PL_CAP_SPEC_BYTES)
      return PL_ERR_INVALID;
    pl_cap_spec spec = {
      .task_type = (uint32_t)cmd->arg,
      .speed = pl_be_get32(cmd->data),
      .price_mcc = pl_be_get64(cmd->data + 4),
      .stake_mcc = pl_be_get64(cmd->data + 12),
    };
    return pl_cap_announce(node, now, &spec);
  }
  if (cmd->kind == PL_CMD_KAD_FIND_WORKERS) {
    if (cmd->data == NULL || cmd->len != PL_CAP_NEED_BYTES)
      return PL_ERR_INVALID;
    pl_cap_need need = {
      .task_type = (uint32_t)cmd->arg,
      .min_speed = pl_be_get32(cmd->data),
      .max_price_mcc = pl_be_get64(cmd->data + 4),
      .min_stake_mcc = pl_be_get64(cmd->data + 12),
      .want = pl_be_get32(cmd->data + 20),
    };
    if (need.want == 0)
      need.want = 1;
    return pl_cap_find(node, now, &need, NULL, NULL);
  }
  return PL_ERR_INVALID;
}

static size_t
cap_memory(const pl_node *node, const void *state)
{
  const pl_cap *cap = state;
  size_t bytes = sizeof *cap;
  if (cap->specs != NULL)
    bytes += PL_CAP_SPECS_MAX * sizeof(pl_cap_spec);
  if (cap->finds == NULL)
    return bytes;
  bytes += PL_CAP_FINDS_MAX * sizeof(cap_find *);
  uint32_t max_keys = MIN((uint32_t)node->config->kad.cap_find_keys_max, PL_CAP_FIND_KEYS_MAX);
  for (uint32_t i = 0; i < PL_CAP_FINDS_MAX; i++)
    if (cap->finds[i] != NULL)
      bytes += sizeof(cap_find) + (size_t)max_keys * PL_ID_BYTES;
  return bytes;
}

const pl_kad_app pl_capability_app = {
  .name = PL_CAP_APP_NAME,
  .value_type = PL_CAP_AD_TYPE,
  .cmd_first = PL_CMD_KAD_ANNOUNCE,
  .cmd_last = PL_CMD_KAD_FIND_WORKERS,
  .enabled = cap_enabled,
  .init = cap_init,
  .clear = cap_clear,
  .start = cap_start,
  .stop = cap_stop,
  .timer = cap_timer,
  .command = cap_command,
  .validate = cap_validate,
  .memory = cap_memory,
};
