/*
 * attack_spam.c — spam with invalid signatures, and duplicate flooding.
 *
 * spam-invalid: from attack_at on, every message the node publishes
 * (scenario `publish` commands aimed at its population) leaves with a
 * broken signature (pl_strategy.gossip_corrupt).  The bytes are otherwise
 * well formed, so each receiver pays a signature check before it can
 * refuse the message; it counts gossip.invalid_rejected and, with peer
 * scoring, marks the sender down heavily.  Nothing invalid is relayed by
 * an honest node, so the damage is the first hop's CPU and whatever
 * honest traffic the scoring then refuses from the spammer.
 *
 * duplicate-flood: from attack_at on, every data item the node sends goes
 * |copies| extra times (pl_strategy.gossip_copies).  Copies of a message
 * already seen cost the receiver bandwidth and a seen-cache lookup (not a
 * signature check: the id is checked first), count as gossip.duplicate
 * and, a copy repeated inside one batch, as a protocol violation in the
 * sender's score.
 */
#include "attack_gossip.h"

static bool
spam_corrupt(pl_node *node, pl_time_ns now, uint32_t topic, void *state)
{
  (void)node;
  (void)topic;
  const sim_gossip_attack *a = state;
  return now >= a->start_ns;
}

static uint32_t
flood_copies(pl_node *node, pl_time_ns now, pl_peer to, void *state)
{
  (void)node;
  (void)to;
  const sim_gossip_attack *a = state;
  return now >= a->start_ns ? a->copies : 0;
}

void
sim_attack_spam_setup(sim_gossip_attack *a)
{
  if (a->behaviour == SIM_BEHAVIOUR_GOSSIP_SPAM) {
    a->strategy.name = "spam-invalid";
    a->strategy.gossip_corrupt = spam_corrupt;
  } else {
    a->strategy.name = "duplicate-flood";
    a->strategy.gossip_copies = flood_copies;
  }
}
