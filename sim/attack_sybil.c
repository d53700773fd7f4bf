/* attack_sybil.c — see attack_sybil.h. */
#include "attack_sybil.h"

#include <glib.h>
#include <string.h>

#include "identity.h"
#include "idcost.h"
#include "kad.h"
#include "rng.h"

static uint64_t
sat_mul(uint64_t a, uint64_t b)
{
  if (a && b > UINT64_MAX / a)
    return UINT64_MAX;
  return a * b;
}

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

unsigned
sim_sybil_puzzle_bits(const sim_scenario *sc)
{
  unsigned bits = sc->protocol.kad.id_puzzle_bits;
  for (uint32_t p = 0; p < sc->n_populations; p++)
    if (sc->populations[p].config.kad.id_puzzle_bits > bits)
      bits = sc->populations[p].config.kad.id_puzzle_bits;
  return bits;
}

uint64_t
sim_sybil_id_cost_ns(const sim_scenario *sc, const sim_population *pop)
{
  const pl_config *cfg = &pop->config;
  unsigned grind = pop->kad.grind != SIM_GRIND_NONE ? pop->kad.grind_bits : 0;
  uint64_t keygen = sat_mul(cfg->sign_cost_ns, UINT64_C(1) << grind);
  /* one puzzle hash: BLAKE2b of PL_IDCOST_INPUT_BYTES, rounded up */
  uint64_t hash_ns = (cfg->hash_cost_ns_per_kib * PL_IDCOST_INPUT_BYTES + 1023) / 1024;
  uint64_t puzzle = sat_mul(hash_ns, pl_idcost_expected_tries(sim_sybil_puzzle_bits(sc)));
  return sat_add(keygen, puzzle);
}

uint32_t
sim_sybil_minted(const sim_scenario *sc, const sim_population *pop)
{
  uint64_t n = pop->count;
  if (pop->kad.mint_budget_ns) {
    uint64_t cost = sim_sybil_id_cost_ns(sc, pop);
    uint64_t afford = cost ? pop->kad.mint_budget_ns / cost : n;
    n = MIN(n, afford);
  }
  uint64_t min_stake = pop->config.kad.id_min_stake;
  if (pop->kad.stake_budget_mcc && min_stake)
    n = MIN(n, pop->kad.stake_budget_mcc / min_stake);
  return (uint32_t)n;
}

uint64_t
sim_sybil_stake(const sim_population *pop)
{
  if (pop->kad.stake_budget_mcc && pop->config.kad.id_min_stake)
    return pop->config.kad.id_min_stake;
  return pop->kad.stake_mcc;
}

uint64_t
sim_sybil_grind(uint64_t seed, uint32_t h, const uint8_t target[PL_ID_BYTES], unsigned bits,
                uint8_t out[PL_SEED_BYTES])
{
  sim_rng r;
  sim_rng_init(&r, seed, "grind", h);
  for (uint64_t tries = 1;; tries++) {
    for (int i = 0; i < 4; i++) {
      uint64_t x = sim_rng_next(&r);
      for (int b = 0; b < 8; b++)
        out[8 * i + b] = (uint8_t)(x >> (8 * b));
    }
    uint8_t id[PL_ID_BYTES];
    pl_identity_from_seed(out, NULL, id);
    if (pl_kad_common_prefix(id, target) >= bits)
      return tries;
  }
}
