/*
 * adversary.h — Byzantine strategies for populations.
 *
 * A strategy overrides named decision points of an unmodified core node
 * (pl_strategy in core/pl.h); whatever it does travels as messages through
 * the simulated network.  One strategy per behaviour; attacks with their
 * own machinery (Sybil, eclipse, ...) get a file of their own.
 */
#ifndef SIM_ADVERSARY_H
#define SIM_ADVERSARY_H

#include "pl.h"
#include "scenario.h"

/* The strategy for |behaviour|, or NULL for honest nodes.  Strategies are
 * static and stateless: one instance serves every node. */
const pl_strategy *sim_adversary_strategy(sim_behaviour behaviour);

#endif
