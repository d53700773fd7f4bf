/*
 * gossip.c — the gossip layer (first step: layer skeleton; the protocol
 * follows in the next commits).
 */
#include "gossip.h"

#include <string.h>

#include <glib.h>

typedef struct gossip_state {
  pl_gossip_stats stats;        /* per-node counters */
  pl_gossip_score_fn score_fn;  /* external score hook, NULL = none */
  void *score_user_data;        /* handed to |score_fn| */
} gossip_state;

static bool
gossip_enabled(const pl_config *config)
{
  return config->gossip.mode != PL_GOSSIP_OFF;
}

static void *
gossip_init(pl_node *node)
{
  (void)node;
  return g_try_new0(gossip_state, 1);
}

static void
gossip_clear(pl_node *node, void *state)
{
  (void)node;
  g_free(state);
}

static size_t
gossip_memory(const pl_node *node, const void *state)
{
  (void)node;
  (void)state;
  return sizeof(gossip_state);
}

const pl_layer pl_gossip_layer = {
  .name = "gossip",
  .enabled = gossip_enabled,
  .init = gossip_init,
  .clear = gossip_clear,
  .memory = gossip_memory,
};

void
pl_gossip_set_score_hook(pl_node *node, pl_gossip_score_fn fn, void *user_data)
{
  gossip_state *st = pl_node_layer_state(node, PL_LAYER_GOSSIP);
  if (st == NULL)
    return;
  st->score_fn = fn;
  st->score_user_data = user_data;
}

void
pl_gossip_get_stats(const pl_node *node, pl_gossip_stats *out)
{
  const gossip_state *st = pl_node_layer_state(node, PL_LAYER_GOSSIP);
  if (st == NULL)
    memset(out, 0, sizeof *out);
  else
    *out = st->stats;
}

bool
pl_gossip_subscribed(const pl_node *node, uint32_t topic)
{
  (void)node;
  (void)topic;
  return false;
}

bool
pl_gossip_seen(const pl_node *node, const uint8_t *id)
{
  (void)node;
  (void)id;
  return false;
}

uint32_t
pl_gossip_store_count(const pl_node *node)
{
  (void)node;
  return 0;
}

uint32_t
pl_gossip_seen_count(const pl_node *node)
{
  (void)node;
  return 0;
}

uint32_t
pl_gossip_mesh_peers(const pl_node *node, uint32_t topic, pl_peer *out, uint32_t max)
{
  (void)node;
  (void)topic;
  (void)out;
  (void)max;
  return 0;
}

int32_t
pl_gossip_score(const pl_node *node, pl_peer peer)
{
  (void)node;
  (void)peer;
  return 0;
}
