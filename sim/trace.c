/*
 * trace.c — the run's trace digest (the layout and the step are described
 * in trace.h).  The four lanes are independent chains, so the CPU works on
 * four words at once; the header costs three words, a 256-byte gossip
 * message 32 more.
 */
#include "trace.h"

#include <glib.h>
#include <sodium.h>
#include <string.h>

/* Two odd 64-bit constants (the first is the 64-bit golden ratio, the
 * second an arbitrary odd number with mixed bits): multiplying by an odd
 * number is a bijection mod 2^64. */
#define M1 UINT64_C(0x9e3779b97f4a7c15)
#define M2 UINT64_C(0xc2b2ae3d27d4eb4f)

/* Initial lanes: "peerlab trace v2" spread over four words (any fixed
 * values would do; these make an empty trace differ from a zero state). */
static const uint64_t LANE0[4] = {
  UINT64_C(0x7065657266616221), UINT64_C(0x7472616365207632),
  UINT64_C(0x0123456789abcdef), UINT64_C(0xfedcba9876543210),
};

static inline uint64_t
rotl(uint64_t x, int r)
{
  return (x << r) | (x >> (64 - r));
}

static inline void
step(sim_trace *t, uint64_t word)
{
  uint64_t *l = &t->lane[t->words++ & 3];
  *l = rotl(*l + word * M2, 31) * M1;
}

static inline uint64_t
load_le(const uint8_t *p)
{
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return GUINT64_FROM_LE(v);
}

void
sim_trace_init(sim_trace *trace)
{
  g_assert(trace != NULL);
  memcpy(trace->lane, LANE0, sizeof trace->lane);
  trace->words = 0;
  trace->records = 0;
}

void
sim_trace_add(sim_trace *trace, uint64_t time_ns, uint32_t src, uint32_t dst,
              uint32_t kind, const uint8_t *payload, size_t len)
{
  g_assert(trace != NULL);
  g_assert(len <= UINT32_MAX);
  g_assert(payload != NULL || len == 0);
  step(trace, time_ns);
  step(trace, (uint64_t)src | (uint64_t)dst << 32);
  step(trace, (uint64_t)kind | (uint64_t)len << 32);

  /* Whole words, four at a time into four lanes, starting at whichever
   * lane is next; the rest (under 4 words, then under 8 bytes) one by one. */
  size_t i = 0;
  if (len >= 32) {
    unsigned first = (unsigned)(trace->words & 3);
    uint64_t l[4];
    for (unsigned j = 0; j < 4; j++)
      l[j] = trace->lane[(first + j) & 3];
    for (; i + 32 <= len; i += 32)
      for (unsigned j = 0; j < 4; j++)
        l[j] = rotl(l[j] + load_le(payload + i + 8 * j) * M2, 31) * M1;
    for (unsigned j = 0; j < 4; j++)
      trace->lane[(first + j) & 3] = l[j];
    trace->words += i / 8;
  }
  for (; i + 8 <= len; i += 8)
    step(trace, load_le(payload + i));
  if (i < len) {
    uint8_t tail[8] = { 0 };
    memcpy(tail, payload + i, len - i);
    step(trace, load_le(tail));
  }
  trace->records++;
}

void
sim_trace_hex(const sim_trace *trace, char out[65])
{
  g_assert(trace != NULL && out != NULL);
  uint8_t in[6 * 8];
  for (unsigned j = 0; j < 4; j++)
    for (unsigned b = 0; b < 8; b++)
      in[8 * j + b] = (uint8_t)(trace->lane[j] >> (8 * b));
  for (unsigned b = 0; b < 8; b++) {
    in[32 + b] = (uint8_t)(trace->records >> (8 * b));
    in[40 + b] = (uint8_t)(trace->words >> (8 * b));
  }
  uint8_t digest[crypto_generichash_BYTES];
  crypto_generichash(digest, sizeof digest, in, sizeof in, NULL, 0);
  sodium_bin2hex(out, 65, digest, sizeof digest);
}
