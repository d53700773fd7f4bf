/*
 * rendezvous.c — highest-random-weight hashing.
 *
 * Top-r selection keeps a sorted array of the best r seen so far and
 * inserts each candidate that beats the worst of them: O(n r) compares and
 * n hashes, no allocation (r <= PL_RENDEZVOUS_R_MAX lives on the stack).
 */
#include "rendezvous.h"
#include "identity.h"
#include "peer.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

/* Domain tag of the weight hash (15 bytes, NUL included). */
static const char hrw_domain[15] = "peerlab hrw v1";

uint64_t
pl_rendezvous_weight(const uint8_t key[PL_ID_BYTES], const uint8_t peer_id[PL_ID_BYTES])
{
  uint8_t in[sizeof hrw_domain + 2 * PL_ID_BYTES], h[PL_ID_BYTES];
  g_assert(key != NULL && peer_id != NULL);
  memcpy(in, hrw_domain, sizeof hrw_domain);
  memcpy(in + sizeof hrw_domain, key, PL_ID_BYTES);
  memcpy(in + sizeof hrw_domain + PL_ID_BYTES, peer_id, PL_ID_BYTES);
  pl_hash(in, sizeof in, h);
  uint64_t w = 0;
  for (int i = 0; i < 8; i++)
    w = (w << 8) | h[i];
  return w;
}

/* A scored candidate. */
typedef struct scored {
  uint64_t weight;       /* pl_rendezvous_weight */
  const uint8_t *id;     /* node id (host-owned) */
  pl_peer peer;          /* handle */
} scored;

/* Whether |a| ranks before |b|: higher weight, then smaller id, then
 * smaller handle. */
static bool
before(const scored *a, const scored *b)
{
  if (a->weight != b->weight)
    return a->weight > b->weight;
  int c = memcmp(a->id, b->id, PL_ID_BYTES);
  if (c != 0)
    return c < 0;
  return a->peer < b->peer;
}

/* Fill |best| (room for |r|) with the top |r| of |cands|; return how many. */
static uint32_t
select_top(const pl_env *env, const uint8_t key[PL_ID_BYTES], const pl_peer *cands,
           uint32_t n, scored *best, uint32_t r)
{
  uint32_t have = 0;
  for (uint32_t i = 0; i < n; i++) {
    pl_peer p = cands[i];
    if (p == PL_PEER_NONE)
      continue;
    const uint8_t *id = env->peer_id_cb(p, env->user_data);
    if (id == NULL)
      continue;
    bool dup = false;
    for (uint32_t j = 0; j < have && !dup; j++)
      dup = best[j].peer == p;
    if (dup)
      continue;
    scored s = {pl_rendezvous_weight(key, id), id, p};
    if (have == r && !before(&s, &best[r - 1]))
      continue;
    uint32_t pos = have < r ? have++ : r - 1;
    while (pos > 0 && before(&s, &best[pos - 1])) {
      best[pos] = best[pos - 1];
      pos--;
    }
    best[pos] = s;
  }
  return have;
}

uint32_t
pl_rendezvous_top(const pl_env *env, const uint8_t key[PL_ID_BYTES], const pl_peer *cands,
                  uint32_t n, pl_peer *out, uint32_t r)
{
  scored best[PL_RENDEZVOUS_R_MAX];
  g_assert(env != NULL && env->peer_id_cb != NULL && key != NULL);
  g_assert(cands != NULL || n == 0);
  g_assert(r <= PL_RENDEZVOUS_R_MAX);
  g_assert(out != NULL || r == 0);
  if (r == 0)
    return 0;
  uint32_t have = select_top(env, key, cands, n, best, r);
  for (uint32_t i = 0; i < have; i++)
    out[i] = best[i].peer;
  return have;
}

bool
pl_rendezvous_is_holder(const pl_env *env, const uint8_t key[PL_ID_BYTES],
                        const pl_peer *cands, uint32_t n, pl_peer peer, uint32_t r)
{
  pl_peer top[PL_RENDEZVOUS_R_MAX];
  uint32_t have = pl_rendezvous_top(env, key, cands, n, top, r);
  for (uint32_t i = 0; i < have; i++)
    if (top[i] == peer)
      return true;
  return false;
}

/* ------------------------------------------------ the node's discovery */

uint32_t
pl_rendezvous_known_bound(const pl_node *node)
{
  return 1 + pl_kad_contact_count(node) + PL_KAD_SIBLINGS_MAX + pl_peer_connected_count(node);
}

static int
cmp_peer(const void *a, const void *b)
{
  pl_peer x = *(const pl_peer *)a, y = *(const pl_peer *)b;
  return x < y ? -1 : x > y;
}

uint32_t
pl_rendezvous_known(pl_node *node, pl_peer *out, uint32_t max)
{
  g_assert(node != NULL && (out != NULL || max == 0));
  uint32_t cap = pl_rendezvous_known_bound(node);
  pl_peer *all = g_new(pl_peer, cap);
  uint32_t n = 0;
  n += pl_kad_contacts(node, all + n, cap - n);
  if (node->config->kad.sibling_size > 0) /* no list to copy otherwise */
    n += pl_kad_siblings(node, all + n, cap - n);
  n += pl_peer_list(node, all + n, cap - n);
  if (n > 1) /* g_new of 0 is NULL, which qsort may not take */
    qsort(all, n, sizeof *all, cmp_peer);
  uint32_t k = 0;
  if (k < max)
    out[k++] = node->self;
  for (uint32_t i = 0; i < n && k < max; i++) {
    if (all[i] == node->self || (i > 0 && all[i] == all[i - 1]))
      continue;
    out[k++] = all[i];
  }
  g_free(all);
  return k;
}

uint32_t
pl_rendezvous_replicas(pl_node *node, const uint8_t key[PL_ID_BYTES], pl_peer *out)
{
  uint32_t r = MIN((uint32_t)node->config->kad.k, PL_RENDEZVOUS_R_MAX);
  uint32_t cap = pl_rendezvous_known_bound(node);
  pl_peer *known = g_new(pl_peer, cap);
  uint32_t n = pl_rendezvous_known(node, known, cap);
  uint32_t got = pl_rendezvous_top(node->env, key, known, n, out, r);
  g_free(known);
  return got;
}

int
pl_rendezvous_store(pl_node *node, pl_time_ns now, const uint8_t key[PL_ID_BYTES],
                    const uint8_t *value, size_t len, pl_time_ns ttl_ns)
{
  pl_peer reps[PL_RENDEZVOUS_R_MAX];
  uint32_t n = pl_rendezvous_replicas(node, key, reps);
  int first_err = PL_ERR_NOT_FOUND;
  uint32_t sent = 0;
  for (uint32_t i = 0; i < n; i++) {
    int rc = pl_kad_store_at(node, now, reps[i], key, value, len, ttl_ns);
    if (rc == PL_OK)
      sent++;
    else if (first_err == PL_ERR_NOT_FOUND)
      first_err = rc;
  }
  if (sent == 0)
    return first_err;
  pl_observation obs = {
    .kind = PL_OBS_KAD_STORE, .key = key, .peers = reps, .n_peers = n,
    .a = 1, .b = sent, .c = now,
  };
  pl_node_observe(node, &obs);
  return PL_OK;
}

int
pl_rendezvous_find_value(pl_node *node, pl_time_ns now, const uint8_t key[PL_ID_BYTES],
                         uint32_t want, pl_kad_values_cb cb, void *user_data)
{
  pl_peer reps[PL_RENDEZVOUS_R_MAX];
  uint32_t n = pl_rendezvous_replicas(node, key, reps);
  if (n == 0)
    return PL_ERR_NOT_FOUND;
  return pl_kad_find_value_at(node, now, reps, n, key, want, cb, user_data);
}
