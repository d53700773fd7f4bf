/* attack_eclipse.c — see attack_eclipse.h. */
#include "attack_eclipse.h"

#include <glib.h>
#include <string.h>

#include "capability.h"
#include "kad.h"

struct sim_eclipse {
  pl_strategy strategy;           /* state = this */
  const sim_kad_truth *colluders; /* who they are, who is live (borrowed) */
  sim_kad_id_fn id_of;            /* ids of handles */
  void *user_data;                /* for id_of */
};

uint32_t
sim_eclipse_closest(const sim_eclipse *e, const uint8_t target[PL_ID_BYTES], pl_peer self,
                    pl_peer *out, uint32_t max)
{
  /* Insertion into a sorted array of at most |max| (<= PL_KAD_CONTACTS_MAX)
   * over every live colluder: the colluder sets of the studies are small. */
  uint32_t n = 0, total = sim_kad_truth_count(e->colluders);
  for (uint32_t pos = 0; pos < total && max; pos++) {
    uint32_t h = sim_kad_truth_at(e->colluders, pos);
    if (h == self || !sim_kad_truth_is_live(e->colluders, h))
      continue;
    const uint8_t *id = e->id_of(h, e->user_data);
    uint32_t i = n;
    while (i > 0 && pl_kad_distance_cmp(id, e->id_of(out[i - 1], e->user_data), target) < 0)
      i--;
    if (i >= max)
      continue;
    uint32_t last = n < max ? n : max - 1;
    memmove(out + i + 1, out + i, (last - i) * sizeof *out);
    out[i] = h;
    if (n < max)
      n++;
  }
  return n;
}

static int
eclipse_find_node(pl_node *node, pl_peer from, const uint8_t target[PL_ID_BYTES], pl_peer *out,
                  uint32_t max, void *state)
{
  (void)from;
  return (int)sim_eclipse_closest(state, target, pl_node_self(node), out, max);
}

static bool
eclipse_accept_store(pl_node *node, pl_peer from, const uint8_t key[PL_ID_BYTES], void *state)
{
  (void)node;
  (void)from;
  (void)key;
  (void)state;
  return false;
}

/* A forged ad: the colluder's own key as the worker, a tempting offer, no
 * signature. */
static int
eclipse_find_value(pl_node *node, pl_peer from, const uint8_t key[PL_ID_BYTES], uint8_t *buf,
                   size_t cap, uint16_t *lens, uint32_t max, void *state)
{
  (void)from;
  (void)key;
  (void)state;
  if (max < 1 || cap < PL_CAP_AD_BYTES)
    return 0;
  pl_cap_ad ad;
  memset(&ad, 0, sizeof ad);
  const uint8_t *self_key = pl_node_peer_key(node, pl_node_self(node));
  if (self_key)
    memcpy(ad.worker, self_key, PL_KEY_BYTES);
  ad.task_type = 1;
  ad.speed = UINT32_MAX;
  ad.price_mcc = 1;
  ad.stake_mcc = UINT64_MAX;
  ad.ttl_ns = PL_NS_PER_S * 3600;
  int len = pl_cap_ad_encode(&ad, buf, cap); /* first byte: PL_CAP_AD_TYPE */
  if (len < 0)
    return 0;
  lens[0] = (uint16_t)len;
  return 1;
}

sim_eclipse *
sim_eclipse_new(const sim_kad_truth *colluders, sim_kad_id_fn id_of, void *user_data)
{
  sim_eclipse *e = g_new0(sim_eclipse, 1);
  e->colluders = colluders;
  e->id_of = id_of;
  e->user_data = user_data;
  e->strategy = (pl_strategy){
      .name = "eclipse",
      .kad_find_node = eclipse_find_node,
      .kad_accept_store = eclipse_accept_store,
      .kad_find_value = eclipse_find_value,
      .state = e,
  };
  return e;
}

void
sim_eclipse_free(sim_eclipse *e)
{
  g_free(e);
}

const pl_strategy *
sim_eclipse_strategy(const sim_eclipse *e)
{
  return &e->strategy;
}

size_t
sim_eclipse_memory(const sim_eclipse *e)
{
  return sizeof *e;
}
