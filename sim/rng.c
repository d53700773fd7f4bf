/*
 * rng.c — seeded random streams: vendored xoshiro256**.
 *
 * The generator is xoshiro256** 1.0 by David Blackman and Sebastiano Vigna,
 * "Scrambled Linear Pseudorandom Number Generators", ACM Transactions on
 * Mathematical Software 47(4), 2021; reference code
 * https://prng.di.unimi.it/xoshiro256starstar.c (public domain, CC0).
 * sim_rng_next below is that reference step, unchanged: the output is
 * rotl(s1 * 5, 7) * 9, then the linear engine updates the 256-bit state.
 *
 * Seeding does not use the reference's splitmix64 seeder: a stream's state
 * is BLAKE2b-256(seed LE64 || name || 0x00 || index LE64), read as four
 * little-endian 64-bit words, so that streams are independent by name and
 * index and any number of them can be created in any order.  An all-zero
 * state (the generator's only fixed point, probability 2^-256) is replaced
 * by a fixed non-zero constant.
 *
 * Every derived draw (uniform, below, normal, exponential) uses a fixed,
 * documented number of sim_rng_next calls or a rejection loop with a fixed
 * rule, so the sequence is a pure function of the stream.
 */
#include "rng.h"

#include <math.h>
#include <string.h>
#include <glib.h>
#include <sodium.h>

static inline uint64_t
rotl(uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

static void
store_le64(uint8_t *p, uint64_t v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
load_le64(const uint8_t *p)
{
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

void
sim_rng_init(sim_rng *rng, uint64_t seed, const char *name, uint64_t index)
{
  g_assert(rng != NULL);
  g_assert(name != NULL);
  uint8_t le[8];
  uint8_t zero = 0;
  uint8_t out[32];
  crypto_generichash_state st;

  crypto_generichash_init(&st, NULL, 0, sizeof out);
  store_le64(le, seed);
  crypto_generichash_update(&st, le, sizeof le);
  crypto_generichash_update(&st, (const uint8_t *)name, strlen(name));
  crypto_generichash_update(&st, &zero, 1);
  store_le64(le, index);
  crypto_generichash_update(&st, le, sizeof le);
  crypto_generichash_final(&st, out, sizeof out);

  for (int i = 0; i < 4; i++)
    rng->s[i] = load_le64(out + 8 * i);
  if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0)
    rng->s[0] = UINT64_C(0x9e3779b97f4a7c15); /* all-zero guard */
}

uint64_t
sim_rng_next(sim_rng *rng)
{
  uint64_t *s = rng->s;
  const uint64_t result = rotl(s[1] * 5, 7) * 9;
  const uint64_t t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double
sim_rng_uniform(sim_rng *rng)
{
  /* The top 53 bits, scaled by 2^-53: every value is k * 2^-53 in [0, 1). */
  return (double)(sim_rng_next(rng) >> 11) * 0x1.0p-53;
}

/* Full 64x64 -> 128-bit product, high and low halves.  The portable branch
 * gives bit-identical results to the __int128 one. */
static inline void
mul128(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
#ifdef __SIZEOF_INT128__
  unsigned __int128 p = (unsigned __int128)a * b;
  *hi = (uint64_t)(p >> 64);
  *lo = (uint64_t)p;
#else
  uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32;
  uint64_t b_lo = b & 0xffffffffu, b_hi = b >> 32;
  uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi, hl = a_hi * b_lo, hh = a_hi * b_hi;
  uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
  *lo = (mid << 32) | (ll & 0xffffffffu);
  *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
#endif
}

/*
 * Lemire's nearly divisionless method (D. Lemire, "Fast Random Integer
 * Generation in an Interval", ACM TOMACS 29(1), 2019): the high half of
 * x * bound is uniform on [0, bound) once the draws whose low half falls in
 * the short first 2^64 mod bound values are rejected.  The division that
 * computes that threshold is only needed when the low half is small.
 */
uint64_t
sim_rng_below(sim_rng *rng, uint64_t bound)
{
  g_assert(bound >= 1);
  uint64_t hi, lo;
  mul128(sim_rng_next(rng), bound, &hi, &lo);
  if (lo < bound) {
    const uint64_t threshold = (0 - bound) % bound; /* 2^64 mod bound */
    while (lo < threshold)
      mul128(sim_rng_next(rng), bound, &hi, &lo);
  }
  return hi;
}

int
sim_rng_chance(sim_rng *rng, double p)
{
  if (p <= 0.0)
    return 0;
  if (p >= 1.0)
    return 1;
  if (isnan(p))
    return 0;
  return sim_rng_uniform(rng) < p;
}

double
sim_rng_normal(sim_rng *rng)
{
  /* Box-Muller, cosine branch only: two uniforms per call, no cached
   * second deviate (the state stays 32 bytes and draws stay a function of
   * the call count).  u1 is in (0, 1] so the logarithm is finite. */
  double u1 = 1.0 - sim_rng_uniform(rng);
  double u2 = sim_rng_uniform(rng);
  return sqrt(-2.0 * log(u1)) * cos(2.0 * G_PI * u2);
}

double
sim_rng_exponential(sim_rng *rng, double mean)
{
  /* Inversion with 1 - U in (0, 1]: one draw, finite result. */
  return -mean * log(1.0 - sim_rng_uniform(rng));
}
