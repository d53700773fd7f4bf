/*
 * attack_meshsybil.c — Sybils that crowd a victim's mesh.
 *
 * A population of mesh-sybil nodes targets a victim population: each
 * Sybil keeps connections to |links| victims (dealt round-robin over the
 * victims; the gossip host module re-issues the CONNECT commands at every
 * metrics window, so connections lost to eviction or timeouts come back),
 * grafts itself into the victims' meshes at every heartbeat regardless
 * of degree bounds and backoff, ignores PRUNE by grafting again
 * (pl_strategy.gossip_graft > 0), and relays nothing
 * (pl_strategy.gossip_relay = false).  Towards other nodes it grafts and
 * prunes honestly, so it looks ordinary to them.
 *
 * Against a mesh without scoring, a victim whose mesh is mostly Sybils
 * receives late (through IHAVE/IWANT from its few honest non-mesh peers)
 * or not at all.  With scoring, a Sybil earns no first deliveries and a
 * violation for every GRAFT during backoff, so victims prune it first
 * and, once it sinks below the graylist, ignore it altogether.  The
 * study (docs/studies/gossip.md) measures both.
 */
#include "attack_gossip.h"

static bool
sybil_relay(pl_node *node, pl_time_ns now, const uint8_t *id, uint32_t topic, pl_peer from,
            void *state)
{
  (void)node;
  (void)id;
  (void)topic;
  (void)from;
  const sim_gossip_attack *a = state;
  return now < a->start_ns;
}

static int
sybil_graft(pl_node *node, pl_time_ns now, uint32_t topic, pl_peer peer, void *state)
{
  (void)node;
  (void)topic;
  const sim_gossip_attack *a = state;
  if (now < a->start_ns || !sim_attack_meshsybil_is_victim(a, peer))
    return -1;
  return 1;
}

void
sim_attack_meshsybil_setup(sim_gossip_attack *a)
{
  a->strategy.name = "mesh-sybil";
  a->strategy.gossip_relay = sybil_relay;
  a->strategy.gossip_graft = sybil_graft;
}

pl_peer
sim_attack_meshsybil_victim(const sim_gossip_attack *a, uint32_t h, uint32_t j)
{
  if (a->victim_count == 0 || h < a->first || h >= a->first + a->count)
    return PL_PEER_NONE;
  uint64_t slot = (uint64_t)(h - a->first) * a->links + j;
  return a->victim_first + (uint32_t)(slot % a->victim_count);
}

bool
sim_attack_meshsybil_is_victim(const sim_gossip_attack *a, pl_peer peer)
{
  return a->victim_count && peer >= a->victim_first &&
         peer - a->victim_first < a->victim_count;
}
