/* adversary.c — see adversary.h. */
#include "adversary.h"

/* silent: completes handshakes but never answers a PING, so honest peers
 * see it time out and drop it (peer.timeout). */
static bool
silent_answer_ping(pl_node *node, pl_peer from, void *state)
{
  (void)node;
  (void)from;
  (void)state;
  return false;
}

static const pl_strategy silent_strategy = {
  .name = "silent",
  .answer_ping = silent_answer_ping,
};

/* version-liar: advertises the highest minor version and every feature
 * bit, whatever it really speaks; honest peers negotiate down to their
 * own minor and the intersection of features, which is what the
 * handshake is for. */
static void
liar_hello_version(pl_node *node, uint8_t *major, uint8_t *minor, uint32_t *features,
                   void *state)
{
  (void)node;
  (void)major;
  (void)state;
  *minor = UINT8_MAX;
  *features = UINT32_MAX;
}

static const pl_strategy liar_strategy = {
  .name = "version-liar",
  .hello_version = liar_hello_version,
};

const pl_strategy *
sim_adversary_strategy(sim_behaviour behaviour)
{
  switch (behaviour) {
  case SIM_BEHAVIOUR_HONEST:
    return NULL;
  case SIM_BEHAVIOUR_SILENT:
    return &silent_strategy;
  case SIM_BEHAVIOUR_VERSION_LIAR:
    return &liar_strategy;
  case SIM_BEHAVIOUR_SYBIL:
    return NULL; /* minted ids that run the honest protocol (sim/attack_sybil.c) */
  case SIM_BEHAVIOUR_ECLIPSE:
  case SIM_BEHAVIOUR_FAKE_ADS:
    return NULL; /* strategies with state, installed by the kad host module
                    (sim/attack_eclipse.c, sim/attack_fakeads.c) */
  case SIM_BEHAVIOUR_GOSSIP_CENSOR:
  case SIM_BEHAVIOUR_GOSSIP_FLASH:
  case SIM_BEHAVIOUR_GOSSIP_SPAM:
  case SIM_BEHAVIOUR_GOSSIP_DUPFLOOD:
  case SIM_BEHAVIOUR_GOSSIP_MESH_SYBIL:
    /* Gossip attacks carry per-population parameters: the gossip host
     * module (sim/gossip_host.c) installs them when the node starts. */
    return NULL;
  }
  return NULL;
}
