/*
 * trace.c — the run's trace digest: a running BLAKE2b-256 (libsodium's
 * crypto_generichash, unkeyed, 32-byte output) over a 24-byte little-endian
 * record per delivered message or fired timer, each followed by its
 * payload.  Reading the digest finalises a copy of the state, so the run
 * can keep folding records in afterwards.
 */
#include "trace.h"

#include <glib.h>

/* Size of one record header in bytes: time u64, src, dst, kind, len u32. */
#define RECORD_BYTES 24

static void
put_le(uint8_t *p, uint64_t v, int n)
{
  for (int i = 0; i < n; i++)
    p[i] = (uint8_t)(v >> (8 * i));
}

void
sim_trace_init(sim_trace *trace)
{
  g_assert(trace != NULL);
  int rc = crypto_generichash_init(&trace->state, NULL, 0, crypto_generichash_BYTES);
  g_assert(rc == 0);
  trace->records = 0;
}

void
sim_trace_add(sim_trace *trace, uint64_t time_ns, uint32_t src, uint32_t dst,
              uint32_t kind, const uint8_t *payload, size_t len)
{
  g_assert(trace != NULL);
  g_assert(len <= UINT32_MAX);
  g_assert(payload != NULL || len == 0);
  uint8_t rec[RECORD_BYTES];
  put_le(rec, time_ns, 8);
  put_le(rec + 8, src, 4);
  put_le(rec + 12, dst, 4);
  put_le(rec + 16, kind, 4);
  put_le(rec + 20, (uint64_t)len, 4);
  crypto_generichash_update(&trace->state, rec, sizeof rec);
  if (len > 0)
    crypto_generichash_update(&trace->state, payload, len);
  trace->records++;
}

void
sim_trace_hex(const sim_trace *trace, char out[65])
{
  g_assert(trace != NULL && out != NULL);
  crypto_generichash_state copy = trace->state;
  uint8_t digest[crypto_generichash_BYTES];
  crypto_generichash_final(&copy, digest, sizeof digest);
  sodium_bin2hex(out, 65, digest, sizeof digest);
}
