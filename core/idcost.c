/*
 * idcost.c — crypto-puzzle and stake checks on node ids.
 *
 * The puzzle digest is one BLAKE2b-256 over 40 bytes (id || nonce LE), a
 * single compression-function block, so a check costs about as much as a
 * node-id derivation.  The solver is a plain counter search: with a
 * uniformly random digest every try succeeds with probability 2^-c, so the
 * number of tries is geometric with mean 2^c whatever the starting nonce;
 * the caller passes a start drawn from its own stream so that two ids never
 * share a search pattern and the run stays reproducible.
 */
#include "idcost.h"

#include <glib.h>
#include <sodium.h>
#include <string.h>

G_STATIC_ASSERT(PL_IDCOST_INPUT_BYTES == 40);

unsigned
pl_idcost_leading_zeros(const uint8_t digest[PL_ID_BYTES])
{
  g_assert(digest != NULL);
  unsigned n = 0;
  for (unsigned i = 0; i < PL_ID_BYTES; i++) {
    uint8_t b = digest[i];
    if (b == 0) {
      n += 8;
      continue;
    }
    while ((b & 0x80u) == 0) {
      n++;
      b = (uint8_t)(b << 1);
    }
    return n;
  }
  return n;
}

void
pl_idcost_digest(const uint8_t id[PL_ID_BYTES], uint64_t nonce, uint8_t out[PL_ID_BYTES])
{
  uint8_t in[PL_IDCOST_INPUT_BYTES];

  g_assert(id != NULL && out != NULL);
  memcpy(in, id, PL_ID_BYTES);
  for (unsigned i = 0; i < 8; i++)
    in[PL_ID_BYTES + i] = (uint8_t)(nonce >> (8 * i));
  /* sodium_init is idempotent; identity.c's wrappers call it the same way. */
  if (sodium_init() < 0)
    g_assert_not_reached();
  crypto_generichash(out, PL_ID_BYTES, in, sizeof in, NULL, 0);
}

/* Whether |digest| has at least |bits| leading zero bits, without counting
 * past what is needed. */
static bool
enough_zeros(const uint8_t digest[PL_ID_BYTES], unsigned bits)
{
  unsigned full = bits / 8, rest = bits % 8;
  for (unsigned i = 0; i < full; i++)
    if (digest[i] != 0)
      return false;
  if (rest == 0)
    return true;
  return (digest[full] >> (8 - rest)) == 0;
}

bool
pl_idcost_puzzle_ok(const uint8_t id[PL_ID_BYTES], uint64_t nonce, unsigned bits)
{
  g_assert(id != NULL);
  g_assert(bits <= PL_IDCOST_BITS_MAX);
  if (bits == 0)
    return true;
  uint8_t d[PL_ID_BYTES];
  pl_idcost_digest(id, nonce, d);
  return enough_zeros(d, bits);
}

int
pl_idcost_solve(const uint8_t id[PL_ID_BYTES], unsigned bits, uint64_t start,
                uint64_t max_tries, uint64_t *nonce, uint64_t *tries)
{
  g_assert(id != NULL && nonce != NULL);
  g_assert(bits <= PL_IDCOST_BITS_MAX);
  if (bits == 0) {
    *nonce = start;
    if (tries)
      *tries = 0;
    return PL_OK;
  }
  uint8_t in[PL_IDCOST_INPUT_BYTES], d[PL_ID_BYTES];
  memcpy(in, id, PL_ID_BYTES);
  if (sodium_init() < 0)
    g_assert_not_reached();
  uint64_t n = 0, candidate = start;
  for (;;) {
    if (max_tries != 0 && n == max_tries)
      break;
    for (unsigned i = 0; i < 8; i++)
      in[PL_ID_BYTES + i] = (uint8_t)(candidate >> (8 * i));
    crypto_generichash(d, PL_ID_BYTES, in, sizeof in, NULL, 0);
    n++;
    if (enough_zeros(d, bits)) {
      *nonce = candidate;
      if (tries)
        *tries = n;
      return PL_OK;
    }
    candidate++;
    if (n == UINT64_MAX)
      break; /* every nonce tried: no solution exists */
  }
  if (tries)
    *tries = n;
  return PL_ERR_NOT_FOUND;
}

uint64_t
pl_idcost_expected_tries(unsigned bits)
{
  return bits >= 64 ? UINT64_MAX : UINT64_C(1) << bits;
}

bool
pl_idcost_stake_ok(uint64_t stake, uint64_t min_stake)
{
  return stake >= min_stake;
}

pl_idcost_verdict
pl_idcost_check(const pl_idcost_policy *policy, const uint8_t id[PL_ID_BYTES],
                uint64_t nonce, uint64_t stake)
{
  g_assert(policy != NULL && id != NULL);
  if (!pl_idcost_puzzle_ok(id, nonce, policy->puzzle_bits))
    return PL_IDCOST_PUZZLE;
  if (!pl_idcost_stake_ok(stake, policy->min_stake))
    return PL_IDCOST_STAKE;
  return PL_IDCOST_OK;
}
