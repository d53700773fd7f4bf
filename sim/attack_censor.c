/*
 * attack_censor.c — censoring relays and the covert flash.
 *
 * A censoring relay takes part in the overlay like anyone (it connects,
 * answers heartbeats, subscribes, grafts into meshes) and receives every
 * message, but from its start time on it relays nothing: no forwarding,
 * no IHAVE or digest advertising, no answers to IWANT or pulls
 * (pl_strategy.gossip_relay returns false).  Its peers lose whatever
 * would have reached them through it; in the mesh, a peer that scores
 * first deliveries sees it deliver nothing first and, with scoring on,
 * prefers others when it prunes.
 *
 * The covert flash is the same node with a delay: it relays honestly
 * until attack_at — long enough to be well placed and well scored in
 * every mesh it joined — and then stops all at once, which is the worst
 * case for a protocol that trusts what it has seen so far.  Both are
 * one decision: relay iff now < start, with start = 0 for the censor.
 */
#include "attack_gossip.h"

static bool
censor_relay(pl_node *node, pl_time_ns now, const uint8_t *id, uint32_t topic, pl_peer from,
             void *state)
{
  (void)node;
  (void)id;
  (void)topic;
  (void)from;
  const sim_gossip_attack *a = state;
  return now < a->start_ns;
}

void
sim_attack_censor_setup(sim_gossip_attack *a)
{
  a->strategy.name = a->behaviour == SIM_BEHAVIOUR_GOSSIP_FLASH ? "covert-flash" : "censor";
  a->strategy.gossip_relay = censor_relay;
}
