/*
 * gossip_host.h — the simulator's side of the gossip layer (a host
 * module, world_internal.h).
 *
 * What it does:
 *
 *   - prepares nodes: when a node starts it subscribes to its
 *     population's topics (scenario `subscribe`) and, for an attacking
 *     population, gets its attack strategy (attack_gossip.h); Sybils are
 *     kept connected to their victims;
 *   - measures against ground truth: it learns of every publication,
 *     delivery, duplicate and subscription from the cores' observations
 *     (pl.h PL_OBS_GOSSIP_*), knows which honest nodes were live
 *     subscribers when each message was published, and when the
 *     message's dissemination is over (the seen-cache TTL after
 *     publication, or the end of the run) records per message
 *       gossip.delivery.ratio   fraction of those subscribers reached
 *       gossip.residue          1 - ratio (fraction never reached)
 *       gossip.duplicates       copies received at honest nodes per delivery
 *       gossip.traffic          copies received per site: (deliveries +
 *                               duplicates) / (subscribers + publisher), the m
 *                               of the epidemic literature when every node is
 *                               an honest subscriber
 *       gossip.rounds.last      rounds until the last subscriber got it
 *       pop.NAME.gossip.delivery.ratio   the same, per honest population
 *     and per delivery gossip.delivery.latency_ms, gossip.rounds (its
 *     mean is the rounds until the average subscriber got it) and
 *     gossip.hops; gauges gossip.mesh.degree and
 *     pop.NAME.gossip.mesh.attacker_share (mesh mode).
 *
 * "Honest" means a population with behaviour honest: attackers are
 * neither counted as subscribers nor as receivers, and only messages
 * published by honest nodes are measured.  The publisher is not
 * a receiver of its own message.  docs/metrics.md lists the metrics.
 */
#ifndef SIM_GOSSIP_HOST_H
#define SIM_GOSSIP_HOST_H

#include "world_internal.h"

/* The module, listed in host_modules[] in world.c. */
extern const sim_host_module sim_gossip_host;

#endif
