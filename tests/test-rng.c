/*
 * test-rng.c — seeded streams: the xoshiro256** step against its published
 * reference, the BLAKE2b seeding against values computed independently
 * (python3 hashlib.blake2b + a Python transcription of xoshiro256**),
 * stream independence, and the statistics of the derived draws.
 */
#include <math.h>
#include <string.h>
#include <glib.h>
#include <sodium.h>

#include "rng.h"

/* Reference xoshiro256** 1.0, transcribed from Blackman & Vigna,
 * https://prng.di.unimi.it/xoshiro256starstar.c, kept apart from rng.c. */
static uint64_t ref_s[4];

static inline uint64_t
ref_rotl(const uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

static uint64_t
ref_next(void)
{
  const uint64_t result = ref_rotl(ref_s[1] * 5, 7) * 9;
  const uint64_t t = ref_s[1] << 17;
  ref_s[2] ^= ref_s[0];
  ref_s[3] ^= ref_s[1];
  ref_s[1] ^= ref_s[2];
  ref_s[0] ^= ref_s[3];
  ref_s[2] ^= t;
  ref_s[3] = ref_rotl(ref_s[3], 45);
  return result;
}

static void
test_reference_step(void)
{
  /* Published first outputs of xoshiro256** from state {1, 2, 3, 4}. */
  static const uint64_t known[4] = { 11520u, 0u, 1509978240u, UINT64_C(1215971899390074240) };
  sim_rng r = { .s = { 1, 2, 3, 4 } };
  for (int i = 0; i < 4; i++)
    g_assert_cmpuint(sim_rng_next(&r), ==, known[i]);

  /* And against the transcribed reference from an arbitrary state. */
  const uint64_t start[4] = { UINT64_C(0x0123456789abcdef), UINT64_C(0xfedcba9876543210),
                              UINT64_C(0xdeadbeefcafef00d), 42 };
  memcpy(ref_s, start, sizeof ref_s);
  memcpy(r.s, start, sizeof r.s);
  for (int i = 0; i < 10; i++)
    g_assert_cmpuint(sim_rng_next(&r), ==, ref_next());
  g_assert_cmpmem(r.s, sizeof r.s, ref_s, sizeof ref_s);
}

static void
test_seeding_known(void)
{
  /* BLAKE2b-256(LE64(42) || "node" || 0 || LE64(1)) as four LE words, and
   * the first outputs, from python3 (see the file comment). */
  static const uint64_t state[4] = {
    UINT64_C(0xe05cffcac35c9837), UINT64_C(0xacd76f995c590355),
    UINT64_C(0x85dac45408388e56), UINT64_C(0xdf6823f09204087e),
  };
  static const uint64_t out[5] = {
    UINT64_C(0xef4efa9dd2cafa30), UINT64_C(0xa5e2aacade5d162f), UINT64_C(0x8fd5fbbad1ae6c30),
    UINT64_C(0x1feadd2f1903e592), UINT64_C(0x4ddbcaaba3fca8da),
  };
  sim_rng r;
  sim_rng_init(&r, 42, "node", 1);
  for (int i = 0; i < 4; i++)
    g_assert_cmpuint(r.s[i], ==, state[i]);
  for (int i = 0; i < 5; i++)
    g_assert_cmpuint(sim_rng_next(&r), ==, out[i]);

  /* below(10) and uniform on ("net", 0) with seed 7, also from python3. */
  static const uint64_t below10[8] = { 0, 8, 9, 3, 5, 5, 6, 2 };
  sim_rng_init(&r, 7, "net", 0);
  for (int i = 0; i < 8; i++)
    g_assert_cmpuint(sim_rng_below(&r, 10), ==, below10[i]);
  sim_rng_init(&r, 7, "net", 0);
  g_assert_cmpfloat(sim_rng_uniform(&r), ==, 0.02003469544126779);
  g_assert_cmpfloat(sim_rng_uniform(&r), ==, 0.8737481916817964);
  g_assert_cmpfloat(sim_rng_uniform(&r), ==, 0.98298117112452);
}

static void
test_independence(void)
{
  sim_rng a, b, other1, other2;
  uint64_t alone[100], mixed[100];

  sim_rng_init(&a, 99, "node", 1);
  for (int i = 0; i < 100; i++)
    alone[i] = sim_rng_next(&a);

  /* Same stream, with draws from other streams created and used between. */
  sim_rng_init(&other1, 99, "node", 2);
  sim_rng_init(&b, 99, "node", 1);
  sim_rng_init(&other2, 99, "net", 0);
  for (int i = 0; i < 100; i++) {
    for (int k = 0; k < i % 5; k++) {
      (void)sim_rng_next(&other1);
      (void)sim_rng_normal(&other2);
    }
    mixed[i] = sim_rng_next(&b);
  }
  g_assert_cmpmem(alone, sizeof alone, mixed, sizeof mixed);

  /* Different seed, name, index, or a name that only differs by where the
   * index bytes start: all different streams. */
  sim_rng v[6];
  sim_rng_init(&v[0], 99, "node", 1);
  sim_rng_init(&v[1], 98, "node", 1);
  sim_rng_init(&v[2], 99, "node", 2);
  sim_rng_init(&v[3], 99, "nodf", 1);
  sim_rng_init(&v[4], 99, "nod", 1);
  sim_rng_init(&v[5], 99, "node1", 0);
  uint64_t first[6];
  for (int i = 0; i < 6; i++)
    first[i] = sim_rng_next(&v[i]);
  for (int i = 0; i < 6; i++)
    for (int j = i + 1; j < 6; j++)
      g_assert_cmpuint(first[i], !=, first[j]);
}

static void
test_below(void)
{
  sim_rng r;
  sim_rng_init(&r, 1, "test-below", 0);

  /* Chi-square over 10 buckets, 1e6 draws: df = 9, p = 0.001 critical
   * value 27.877. */
  enum { BUCKETS = 10, DRAWS = 1000000 };
  uint64_t count[BUCKETS] = { 0 };
  for (int i = 0; i < DRAWS; i++) {
    uint64_t v = sim_rng_below(&r, BUCKETS);
    g_assert_cmpuint(v, <, BUCKETS);
    count[v]++;
  }
  double expect = (double)DRAWS / BUCKETS, chi2 = 0.0;
  for (int i = 0; i < BUCKETS; i++)
    chi2 += ((double)count[i] - expect) * ((double)count[i] - expect) / expect;
  g_test_message("chi2 = %.3f", chi2);
  g_assert_cmpfloat(chi2, <, 27.877);

  /* bound = 3 * 2^62: 2^64 mod bound = 2^62, so a quarter of the raw draws
   * are rejected.  Plain modulo would put half the mass below 2^62; the
   * unbiased answer is a third (sd of the count ~47 over 10000). */
  const uint64_t big = UINT64_C(3) << 62;
  int low = 0;
  for (int i = 0; i < 10000; i++) {
    uint64_t v = sim_rng_below(&r, big);
    g_assert_cmpuint(v, <, big);
    low += v < (UINT64_C(1) << 62);
  }
  g_assert_cmpint(low, >, 3100);
  g_assert_cmpint(low, <, 3600);

  /* Edge bounds. */
  for (int i = 0; i < 100; i++)
    g_assert_cmpuint(sim_rng_below(&r, 1), ==, 0);
  for (int i = 0; i < 100; i++)
    g_assert_cmpuint(sim_rng_below(&r, UINT64_MAX), <, UINT64_MAX);
  int seen[2] = { 0, 0 };
  for (int i = 0; i < 1000; i++)
    seen[sim_rng_below(&r, 2)]++;
  g_assert_cmpint(seen[0], >, 400);
  g_assert_cmpint(seen[1], >, 400);
}

static void
test_uniform_chance(void)
{
  sim_rng r;
  sim_rng_init(&r, 3, "test-uniform", 0);
  double sum = 0.0, lo = 1.0, hi = 0.0;
  for (int i = 0; i < 1000000; i++) {
    double u = sim_rng_uniform(&r);
    g_assert_cmpfloat(u, >=, 0.0);
    g_assert_cmpfloat(u, <, 1.0);
    sum += u;
    lo = MIN(lo, u);
    hi = MAX(hi, u);
  }
  /* sd of the mean = sqrt(1/12/1e6) ~ 0.00029: 0.0015 is > 5 sd. */
  g_assert_cmpfloat(fabs(sum / 1e6 - 0.5), <, 0.0015);
  g_assert_cmpfloat(lo, <, 1e-4);
  g_assert_cmpfloat(hi, >, 1.0 - 1e-4);

  /* chance(p <= 0) and chance(p >= 1) make no draw. */
  sim_rng before = r;
  g_assert_false(sim_rng_chance(&r, 0.0));
  g_assert_false(sim_rng_chance(&r, -1.0));
  g_assert_true(sim_rng_chance(&r, 1.0));
  g_assert_true(sim_rng_chance(&r, 2.0));
  g_assert_cmpmem(before.s, sizeof before.s, r.s, sizeof r.s);

  int hits = 0;
  for (int i = 0; i < 100000; i++)
    hits += sim_rng_chance(&r, 0.3);
  /* sd = sqrt(1e5 * 0.21) ~ 145: +-1000 is ~7 sd. */
  g_assert_cmpint(hits, >, 29000);
  g_assert_cmpint(hits, <, 31000);
}

static void
test_normal_exponential(void)
{
  sim_rng r;
  sim_rng_init(&r, 5, "test-normal", 0);
  const int n = 1000000;
  double sum = 0.0, sum2 = 0.0;
  for (int i = 0; i < n; i++) {
    double z = sim_rng_normal(&r);
    g_assert_true(isfinite(z));
    sum += z;
    sum2 += z * z;
  }
  double mean = sum / n, sd = sqrt(sum2 / n - mean * mean);
  g_test_message("normal mean %.5f sd %.5f", mean, sd);
  /* sd of the mean 0.001 and of the sd ~0.0007: tolerance 0.005. */
  g_assert_cmpfloat(fabs(mean), <, 0.005);
  g_assert_cmpfloat(fabs(sd - 1.0), <, 0.005);

  /* Exactly two raw draws per normal (no cached second deviate). */
  sim_rng a, b;
  sim_rng_init(&a, 5, "x", 0);
  sim_rng_init(&b, 5, "x", 0);
  (void)sim_rng_normal(&a);
  (void)sim_rng_next(&b);
  (void)sim_rng_next(&b);
  g_assert_cmpuint(sim_rng_next(&a), ==, sim_rng_next(&b));

  sum = 0.0;
  for (int i = 0; i < n; i++) {
    double e = sim_rng_exponential(&r, 30.0);
    g_assert_cmpfloat(e, >=, 0.0);
    g_assert_true(isfinite(e));
    sum += e;
  }
  /* sd of the mean = 30 / 1000 = 0.03: tolerance 0.15. */
  g_assert_cmpfloat(fabs(sum / n - 30.0), <, 0.15);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_assert(sodium_init() >= 0);
  g_test_add_func("/rng/reference-step", test_reference_step);
  g_test_add_func("/rng/seeding-known", test_seeding_known);
  g_test_add_func("/rng/independence", test_independence);
  g_test_add_func("/rng/below", test_below);
  g_test_add_func("/rng/uniform-chance", test_uniform_chance);
  g_test_add_func("/rng/normal-exponential", test_normal_exponential);
  return g_test_run();
}
