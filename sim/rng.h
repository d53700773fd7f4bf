/*
 * rng.h — seeded random streams (vendored xoshiro256**).
 *
 * libc rand() is not the same sequence everywhere and GLib's g_random_*
 * is global, so peerlab carries its own generator.  Every stream is
 * derived from (scenario seed, stream name, index): its 256-bit state is
 * BLAKE2b-256(seed as 8 little-endian bytes || name || 0x00 || index as 8
 * little-endian bytes), so drawing more from one stream never shifts any
 * other.  One stream per node ("node", i), per subsystem ("net", 0),
 * ("churn", i), ...
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdint.h>

typedef struct sim_rng {
  uint64_t s[4]; /* xoshiro256** state; never all zero */
} sim_rng;

/* Seed |rng| as the stream (|seed|, |name|, |index|). */
void sim_rng_init(sim_rng *rng, uint64_t seed, const char *name, uint64_t index);

/* Next 64 uniformly distributed bits. */
uint64_t sim_rng_next(sim_rng *rng);

/* Uniform double in [0, 1) with 53 random bits. */
double sim_rng_uniform(sim_rng *rng);

/* Uniform integer in [0, |bound|) without modulo bias; |bound| >= 1. */
uint64_t sim_rng_below(sim_rng *rng, uint64_t bound);

/* True with probability |p| (p <= 0: never, p >= 1: always, no draw is
 * made in either case). */
int sim_rng_chance(sim_rng *rng, double p);

/* Standard normal deviate (Box-Muller, one draw pair per call). */
double sim_rng_normal(sim_rng *rng);

/* Exponential deviate with mean |mean|. */
double sim_rng_exponential(sim_rng *rng, double mean);

#endif
