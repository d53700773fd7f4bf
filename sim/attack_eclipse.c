/* attack_eclipse.c — see attack_eclipse.h. */
#include "attack_eclipse.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "capability.h"
#include "kad.h"

/* A capability-ad key the colluders can forge an ad under. */
typedef struct ad_key {
  uint8_t key[PL_ID_BYTES];
  uint32_t task;
  uint8_t speed_class, price_class;
} ad_key;

struct sim_eclipse {
  pl_strategy strategy;           /* state = this */
  const sim_kad_truth *colluders; /* who they are, who is live (borrowed) */
  sim_kad_id_fn id_of;            /* ids of handles */
  void *user_data;                /* for id_of and now_of */
  pl_cap_classes classes;         /* the ads' classes (sim_eclipse_set_ad_keys) */
  ad_key *ad_keys;                /* sorted by key; NULL: none known */
  uint32_t n_ad_keys;
  uint64_t (*now_of)(void *user_data); /* virtual time, for the forged ads' date */
};

static int
cmp_ad_key(const void *a, const void *b)
{
  return memcmp(((const ad_key *)a)->key, ((const ad_key *)b)->key, PL_ID_BYTES);
}

void
sim_eclipse_set_ad_keys(sim_eclipse *e, const pl_cap_classes *classes, const uint32_t *tasks,
                        uint32_t n_tasks, uint64_t (*now_of)(void *user_data))
{
  g_assert(e != NULL && classes != NULL && pl_cap_classes_valid(classes));
  g_assert(now_of != NULL && (tasks != NULL || n_tasks == 0));
  g_free(e->ad_keys);
  e->classes = *classes;
  e->now_of = now_of;
  const uint32_t per_task = (uint32_t)classes->n_classes * classes->n_classes;
  e->ad_keys = g_new(ad_key, (size_t)n_tasks * per_task + 1);
  e->n_ad_keys = 0;
  for (uint32_t t = 0; t < n_tasks; t++)
    for (uint32_t sc = 0; sc < classes->n_classes; sc++)
      for (uint32_t pc = 0; pc < classes->n_classes; pc++) {
        ad_key *k = &e->ad_keys[e->n_ad_keys++];
        k->task = tasks[t];
        k->speed_class = (uint8_t)sc;
        k->price_class = (uint8_t)pc;
        pl_cap_key(tasks[t], (uint8_t)sc, (uint8_t)pc, k->key);
      }
  qsort(e->ad_keys, e->n_ad_keys, sizeof *e->ad_keys, cmp_ad_key);
}

/* The most tempting offer a class pair holds: the top speed of its speed
 * class, the bottom price of its price class. */
static void
tempting_offer(const pl_cap_classes *c, const ad_key *k, pl_cap_ad *ad)
{
  const uint8_t last = (uint8_t)(c->n_classes - 1);
  if (k->speed_class == last)
    ad->speed = UINT32_MAX;
  else
    ad->speed = (uint32_t)MIN((uint64_t)c->speed_base << k->speed_class, (uint64_t)UINT32_MAX) - 1;
  ad->price_mcc = k->price_class == 0 ? 0 : c->price_base_mcc << (k->price_class - 1);
}

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
 * signature.  Under a capability key the colluders know (set_ad_keys), the
 * ad is of that key's task and classes and dated now, so only its missing
 * signature gives it away; under any other key, one fixed ad (task 1, the
 * fastest and cheapest classes, dated 0). */
static int
eclipse_find_value(pl_node *node, pl_peer from, const uint8_t key[PL_ID_BYTES], uint8_t *buf,
                   size_t cap, uint16_t *lens, uint32_t max, void *state)
{
  (void)from;
  const sim_eclipse *e = state;
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
  ad_key probe;
  memcpy(probe.key, key, PL_ID_BYTES);
  const ad_key *k =
      e->n_ad_keys ? bsearch(&probe, e->ad_keys, e->n_ad_keys, sizeof probe, cmp_ad_key) : NULL;
  if (k != NULL) {
    ad.task_type = k->task;
    tempting_offer(&e->classes, k, &ad);
    ad.last_seen_ns = e->now_of(e->user_data);
  }
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
  if (e == NULL)
    return;
  g_free(e->ad_keys);
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
  return sizeof *e + (e->ad_keys != NULL ? (e->n_ad_keys + 1) * sizeof *e->ad_keys : 0);
}
