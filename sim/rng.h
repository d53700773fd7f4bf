/*
 * rng.h — seeded random streams (vendored xoshiro256**).
 *
 * libc rand() is not the same sequence everywhere and GLib's g_random_*
 * is global, so peerlab carries its own generator.  Every stream is
 * derived from (scenario seed, stream name, index): its 256-bit state is
 * BLAKE2b-256(seed as 8 little-endian bytes || name || 0x00 || index as 8
 * little-endian bytes), read as four little-endian 64-bit words, so drawing
 * more from one stream never shifts any other.  One stream per node
 * ("node", i), per subsystem ("net", 0), ("churn", i), ...
 *
 * A stream is a plain 32-byte value: copy it to fork, embed it per node.
 * Every function is a pure function of the state; none allocates.
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdint.h>

typedef struct sim_rng {
  uint64_t s[4]; /* xoshiro256** state, 256 bits; never all zero */
} sim_rng;

/* Seed |rng| as the stream (|seed|, |name|, |index|) as described above.
 * |name| is a NUL-terminated string (not retained).  An all-zero hash
 * (probability 2^-256) is replaced by a fixed non-zero state. */
void sim_rng_init(sim_rng *rng, uint64_t seed, const char *name, uint64_t index);

/* Next 64 uniformly distributed bits (one xoshiro256** step). */
uint64_t sim_rng_next(sim_rng *rng);

/* Uniform double in [0, 1) with 53 random bits (one step). */
double sim_rng_uniform(sim_rng *rng);

/* Uniform integer in [0, |bound|) without modulo bias (Lemire's method:
 * one step, rarely more); |bound| >= 1 (asserted). */
uint64_t sim_rng_below(sim_rng *rng, uint64_t bound);

/* True (1) with probability |p|, else 0 (one step).  p <= 0 (or NaN):
 * never, p >= 1: always, and no draw is made in either case. */
int sim_rng_chance(sim_rng *rng, double p);

/* Standard normal deviate (Box-Muller, cosine branch: exactly two steps
 * per call, nothing cached). */
double sim_rng_normal(sim_rng *rng);

/* Exponential deviate with mean |mean| >= 0, by inversion (one step);
 * always finite. */
double sim_rng_exponential(sim_rng *rng, double mean);

#endif
