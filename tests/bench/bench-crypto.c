/*
 * bench-crypto.c — what the core's cryptography costs on this machine.
 *
 * Prints nanoseconds per Ed25519 signature (pl_sign_raw), per verification
 * (pl_verify_raw), per BLAKE2b-256 of 1 KiB (pl_hash), and per memo hit
 * and miss (pl_sigcache_verify).  The core's default virtual CPU costs
 * (pl_config.sign_cost_ns, verify_cost_ns, hash_cost_ns_per_kib) are set
 * from these figures; see docs/identity.md.
 *
 * Usage: bench-crypto [ROUNDS]   (default 5; each figure is the median of
 * ROUNDS timed runs).  The wall clock is read here, outside core/ and sim/.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "identity.h"
#include "pl.h"
#include "sigcache.h"

#define MSG_BYTES 128     /* a typical signed envelope */
#define HASH_BYTES 1024   /* the unit of hash_cost_ns_per_kib */

static volatile uint64_t sink; /* keeps results observable */

static uint64_t
now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

typedef struct bench_ctx {
  uint8_t seed[PL_SEED_BYTES];   /* signer's seed */
  uint8_t key[PL_KEY_BYTES];     /* signer's public key */
  uint8_t msg[MSG_BYTES];        /* message signed and verified */
  uint8_t sig[PL_SIG_BYTES];     /* signature over msg */
  uint8_t blob[HASH_BYTES];      /* bytes hashed */
  pl_sigcache *cache;            /* memo for the hit/miss figures */
  uint64_t counter;              /* varies the message per miss */
} bench_ctx;

typedef void (*op_fn)(bench_ctx *ctx, uint64_t n);

static void
op_sign(bench_ctx *ctx, uint64_t n)
{
  for (uint64_t i = 0; i < n; i++) {
    ctx->msg[0] = (uint8_t)i;
    pl_sign_raw(ctx->seed, ctx->key, ctx->msg, sizeof ctx->msg, ctx->sig);
    sink += ctx->sig[0];
  }
  ctx->msg[0] = 0;
  pl_sign_raw(ctx->seed, ctx->key, ctx->msg, sizeof ctx->msg, ctx->sig);
}

static void
op_verify(bench_ctx *ctx, uint64_t n)
{
  for (uint64_t i = 0; i < n; i++)
    sink += (uint64_t)(pl_verify_raw(ctx->key, ctx->msg, sizeof ctx->msg, ctx->sig) == PL_OK);
}

static void
op_hash(bench_ctx *ctx, uint64_t n)
{
  uint8_t out[PL_ID_BYTES];
  for (uint64_t i = 0; i < n; i++) {
    ctx->blob[0] = (uint8_t)i;
    pl_hash(ctx->blob, sizeof ctx->blob, out);
    sink += out[0];
  }
}

static void
op_cache_hit(bench_ctx *ctx, uint64_t n)
{
  for (uint64_t i = 0; i < n; i++)
    sink += (uint64_t)(pl_sigcache_verify(ctx->cache, ctx->key, ctx->msg, sizeof ctx->msg,
                                          ctx->sig) == PL_OK);
}

static void
op_cache_miss(bench_ctx *ctx, uint64_t n)
{
  /* A fresh (invalid) signature each time: never in the memo. */
  uint8_t sig[PL_SIG_BYTES];
  memcpy(sig, ctx->sig, sizeof sig);
  for (uint64_t i = 0; i < n; i++) {
    uint64_t c = ++ctx->counter;
    memcpy(sig + 40, &c, sizeof c);
    sink += (uint64_t)(pl_sigcache_verify(ctx->cache, ctx->key, ctx->msg, sizeof ctx->msg,
                                          sig) == PL_OK);
  }
}

static int
cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median over |rounds| runs of ns per operation; each run lasts about
 * 0.2 s (iteration count calibrated once). */
static double
measure(bench_ctx *ctx, op_fn op, unsigned rounds)
{
  uint64_t n = 1;
  for (;;) {
    uint64_t t0 = now_ns();
    op(ctx, n);
    uint64_t dt = now_ns() - t0;
    if (dt > UINT64_C(20000000) || n > (UINT64_C(1) << 32))
      break;
    n *= 2;
  }
  n *= 10;

  double *per = g_new(double, rounds);
  for (unsigned r = 0; r < rounds; r++) {
    uint64_t t0 = now_ns();
    op(ctx, n);
    per[r] = (double)(now_ns() - t0) / (double)n;
  }
  qsort(per, rounds, sizeof *per, cmp_double);
  double median = per[rounds / 2];
  g_free(per);
  return median;
}

int
main(int argc, char **argv)
{
  unsigned rounds = 5;
  if (argc > 1) {
    rounds = (unsigned)strtoul(argv[1], NULL, 10);
    if (rounds == 0) {
      fprintf(stderr, "usage: %s [ROUNDS>=1]\n", argv[0]);
      return 2;
    }
  }

  bench_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  for (size_t i = 0; i < sizeof ctx.seed; i++)
    ctx.seed[i] = (uint8_t)(i * 11 + 7);
  for (size_t i = 0; i < sizeof ctx.msg; i++)
    ctx.msg[i] = (uint8_t)(i * 3);
  for (size_t i = 0; i < sizeof ctx.blob; i++)
    ctx.blob[i] = (uint8_t)(i ^ 0x5a);
  pl_identity_from_seed(ctx.seed, ctx.key, NULL);
  pl_sign_raw(ctx.seed, ctx.key, ctx.msg, sizeof ctx.msg, ctx.sig);
  ctx.cache = pl_sigcache_new(1 << 16);
  if (pl_sigcache_verify(ctx.cache, ctx.key, ctx.msg, sizeof ctx.msg, ctx.sig) != PL_OK) {
    fprintf(stderr, "bench-crypto: self-check failed\n");
    return 1;
  }

  double sign = measure(&ctx, op_sign, rounds);
  double verify = measure(&ctx, op_verify, rounds);
  double hash = measure(&ctx, op_hash, rounds);
  double hit = measure(&ctx, op_cache_hit, rounds);
  double miss = measure(&ctx, op_cache_miss, rounds);

  printf("# bench-crypto: median of %u runs, ns per operation\n", rounds);
  printf("ed25519_sign_%ub_ns            %10.0f\n", MSG_BYTES, sign);
  printf("ed25519_verify_%ub_ns          %10.0f\n", MSG_BYTES, verify);
  printf("blake2b256_1kib_ns              %10.0f\n", hash);
  printf("sigcache_hit_%ub_ns            %10.0f\n", MSG_BYTES, hit);
  printf("sigcache_miss_%ub_ns           %10.0f\n", MSG_BYTES, miss);
  printf("sigcache_bytes_per_entry        %10.1f\n",
         (double)pl_sigcache_memory(ctx.cache) / (double)(1 << 16));
  printf("# verify / hit = %.0fx\n", verify / hit);
  pl_sigcache_free(ctx.cache);
  return sink == UINT64_C(0x7fffffffffffffff) ? 3 : 0;
}
