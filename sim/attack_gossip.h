/*
 * attack_gossip.h — the gossip attacks, one file each:
 *
 *   attack_censor.c     censoring relays (receive, never relay) and the
 *                       covert flash (relay honestly, then stop at a
 *                       scripted time);
 *   attack_spam.c       spam with invalid signatures, duplicate flooding;
 *   attack_meshsybil.c  Sybils that crowd a victim population's meshes.
 *
 * Cold boot is not a strategy but a scenario shape: the attackers'
 * population comes first (so its nodes are the bootstrap peers) and joins
 * before the honest nodes (docs/studies/gossip.md).
 *
 * Each attack fills a pl_strategy whose decision points (pl.h, "Gossip")
 * read the population's parameters from a sim_gossip_attack; the gossip
 * host module (gossip_host.c) keeps one per attacking population and
 * installs it on every node of it when the node starts.  Like every
 * strategy, an attack acts only through what its node sends.
 */
#ifndef SIM_ATTACK_GOSSIP_H
#define SIM_ATTACK_GOSSIP_H

#include <stdbool.h>
#include <stdint.h>

#include "pl.h"
#include "scenario.h"

/* One attacking population's strategy and parameters. */
typedef struct sim_gossip_attack {
  pl_strategy strategy;    /* installed on the nodes; strategy.state points here */
  sim_behaviour behaviour; /* which attack */
  uint64_t start_ns;       /* attack_at: the attack acts from this time on, ns */
  uint32_t copies;         /* duplicate-flood: extra copies per data item */
  uint32_t first;          /* handle of the population's first node */
  uint32_t count;          /* nodes of the population */
  uint32_t victim_first;   /* mesh-sybil: first handle of the victim population */
  uint32_t victim_count;   /* mesh-sybil: nodes of the victim population (0: none) */
  uint32_t links;          /* mesh-sybil: victims each node connects to */
} sim_gossip_attack;

/* Is |behaviour| one of the gossip attacks? */
bool sim_gossip_attack_is(sim_behaviour behaviour);

/*
 * Fill |a| for population |pop| of |sc| (behaviour one of the gossip
 * attacks, see sim_gossip_attack_is): its parameters, and a strategy
 * whose state is |a| (so |a| must not move while a node uses it).
 */
void sim_gossip_attack_init(sim_gossip_attack *a, const sim_scenario *sc,
                            const sim_population *pop);

/* attack_censor.c: set the censor / covert-flash decision points. */
void sim_attack_censor_setup(sim_gossip_attack *a);

/* attack_spam.c: set the spam-invalid / duplicate-flood decision points. */
void sim_attack_spam_setup(sim_gossip_attack *a);

/* attack_meshsybil.c: set the mesh-sybil decision points. */
void sim_attack_meshsybil_setup(sim_gossip_attack *a);

/*
 * mesh-sybil: the |j|-th victim (j < a->links) of the attacker with
 * handle |h|: victims are dealt round-robin, so the population's links
 * spread evenly over the victims.  Returns PL_PEER_NONE without victims.
 */
pl_peer sim_attack_meshsybil_victim(const sim_gossip_attack *a, uint32_t h, uint32_t j);

/* mesh-sybil: is |peer| one of the victims? */
bool sim_attack_meshsybil_is_victim(const sim_gossip_attack *a, pl_peer peer);

#endif
