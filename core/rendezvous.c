/*
 * rendezvous.c — highest-random-weight hashing.
 *
 * Top-r selection keeps a sorted array of the best r seen so far and
 * inserts each candidate that beats the worst of them: O(n r) compares and
 * n hashes, no allocation (r <= PL_RENDEZVOUS_R_MAX lives on the stack).
 */
#include "rendezvous.h"
#include "identity.h"

#include <glib.h>
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
