/*
 * attack_sybil.h — the Sybil attack: one attacker, many identities.
 *
 * A population whose ids cost something to mint (docs/kad.md, "Attacks and
 * defences in scenarios") gets only as many nodes as its budget pays for:
 *
 *   CPU budget    mint_budget (virtual CPU time).  One id costs one key
 *                 generation (sign_cost) per candidate key, 2^grind_bits
 *                 candidates when the ids are ground near a target, plus
 *                 2^id_puzzle_bits puzzle hashes (one BLAKE2b of 40 bytes
 *                 each, hash_cost_per_kib) once the key is chosen.
 *   stake budget  stake_budget (milli-credits) with [protocol.kad]
 *                 id_min_stake: each id must hold the minimum, so at most
 *                 stake_budget / id_min_stake ids; each holds exactly it.
 *
 * The population's first `minted` nodes exist; the rest never join.
 * Grinding is real: candidate keys come from the stream ("grind", h) until
 * the id shares grind_bits leading bits with the target (the first victim
 * node's id, or grind_key), so a run pays about 2^grind_bits Ed25519 key
 * generations of wall time per ground id.  Ids of behaviour `sybil` run
 * the honest protocol; `eclipse` colluders (attack_eclipse.h) are minted
 * the same way.
 */
#ifndef SIM_ATTACK_SYBIL_H
#define SIM_ATTACK_SYBIL_H

#include <stdbool.h>
#include <stdint.h>

#include "pl.h"
#include "scenario.h"

/* Virtual CPU, ns, to mint one id of population |pop| under its config:
 * key generations times grinding plus the expected puzzle hashes of the
 * strictest puzzle of |sc| (saturating). */
uint64_t sim_sybil_id_cost_ns(const sim_scenario *sc, const sim_population *pop);

/* Ids population |pop| can afford (<= pop->count): its count if it has no
 * budget, else what mint_budget and stake_budget pay for. */
uint32_t sim_sybil_minted(const sim_scenario *sc, const sim_population *pop);

/* Stake bound to each id of |pop|, milli-credits: the minimum
 * ([protocol.kad] id_min_stake) for a stake-budgeted population when the
 * minimum is set, else the population's `stake`. */
uint64_t sim_sybil_stake(const sim_population *pop);

/* Strictest puzzle (most bits) of any population of |sc|: what an id must
 * solve to be accepted everywhere. */
unsigned sim_sybil_puzzle_bits(const sim_scenario *sc);

/*
 * Grind a signing seed for node |h| whose id shares |bits| leading bits
 * with |target|: candidates from the stream (|seed|, "grind", |h|).
 * Writes the seed and returns the candidates tried.
 */
uint64_t sim_sybil_grind(uint64_t seed, uint32_t h, const uint8_t target[PL_ID_BYTES],
                         unsigned bits, uint8_t out[PL_SEED_BYTES]);

#endif
