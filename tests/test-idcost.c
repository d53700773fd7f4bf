/*
 * test-idcost.c — id-cost defences: crypto puzzle and stake (core/idcost.c).
 */
#include <glib.h>
#include <string.h>

#include "idcost.h"
#include "pl.h"
#include "testutil.h"

/* id = bytes 0..31, the id used for the reference vectors below (computed
 * with Python: hashlib.blake2b(id + nonce.to_bytes(8, 'little'),
 * digest_size=32)). */
static void
test_id(uint8_t id[PL_ID_BYTES])
{
  for (unsigned i = 0; i < PL_ID_BYTES; i++)
    id[i] = (uint8_t)i;
}

static void
test_digest_vectors(void)
{
  uint8_t id[PL_ID_BYTES], d[PL_ID_BYTES], want[PL_ID_BYTES];
  test_id(id);
  pl_idcost_digest(id, 0, d);
  tu_hex_decode("7b3ae1c3390f6fc59dc82ec6c925c97d5096d2b41bdac0673c2fcebb2a591829", want,
                sizeof want);
  g_assert_cmpmem(d, sizeof d, want, sizeof want);
  pl_idcost_digest(id, 1, d);
  tu_hex_decode("ad07060c3d2e3a0ddda555630d74da67e0589e955d2b2f654fd05666c3025990", want,
                sizeof want);
  g_assert_cmpmem(d, sizeof d, want, sizeof want);
  /* The nonce is little-endian. */
  pl_idcost_digest(id, UINT64_C(0x0102030405060708), d);
  tu_hex_decode("b65f55e8410a73fec472317e35d20aaac0bbe50554a44e8d378ef3227803d61b", want,
                sizeof want);
  g_assert_cmpmem(d, sizeof d, want, sizeof want);
}

static void
test_leading_zeros(void)
{
  uint8_t d[PL_ID_BYTES];
  memset(d, 0, sizeof d);
  g_assert_cmpuint(pl_idcost_leading_zeros(d), ==, 256);
  d[31] = 1;
  g_assert_cmpuint(pl_idcost_leading_zeros(d), ==, 255);
  d[0] = 0x80;
  g_assert_cmpuint(pl_idcost_leading_zeros(d), ==, 0);
  d[0] = 0x01;
  g_assert_cmpuint(pl_idcost_leading_zeros(d), ==, 7);
  d[0] = 0;
  d[1] = 0x10;
  g_assert_cmpuint(pl_idcost_leading_zeros(d), ==, 11);
}

static void
test_check_known(void)
{
  uint8_t id[PL_ID_BYTES];
  test_id(id);
  /* Smallest nonces from 0 with >= 8 and >= 12 leading zero bits. */
  g_assert_true(pl_idcost_puzzle_ok(id, 117, 8));
  g_assert_true(pl_idcost_puzzle_ok(id, 232, 12));
  g_assert_true(pl_idcost_puzzle_ok(id, 232, 8));
  g_assert_false(pl_idcost_puzzle_ok(id, 116, 8));
  g_assert_true(pl_idcost_puzzle_ok(id, 0, 1));  /* 0x7b.. has one zero bit */
  g_assert_false(pl_idcost_puzzle_ok(id, 0, 2));
  g_assert_false(pl_idcost_puzzle_ok(id, 1, 1)); /* 0xad.. has none */
  /* 0 bits: everything passes. */
  g_assert_true(pl_idcost_puzzle_ok(id, 1, 0));

  uint64_t nonce = 0, tries = 0;
  g_assert_cmpint(pl_idcost_solve(id, 8, 0, 0, &nonce, &tries), ==, PL_OK);
  g_assert_cmpuint(nonce, ==, 117);
  g_assert_cmpuint(tries, ==, 118);
  g_assert_cmpint(pl_idcost_solve(id, 12, 0, 0, &nonce, &tries), ==, PL_OK);
  g_assert_cmpuint(nonce, ==, 232);
  g_assert_cmpuint(tries, ==, 233);
  /* A puzzle solution does not carry over to another id. */
  uint8_t other[PL_ID_BYTES];
  memcpy(other, id, sizeof other);
  other[31] ^= 1;
  g_assert_false(pl_idcost_puzzle_ok(other, 232, 12));
  g_assert_false(pl_idcost_puzzle_ok(other, 117, 8));
}

static void
test_budget(void)
{
  uint8_t id[PL_ID_BYTES];
  test_id(id);
  uint64_t nonce = 42, tries = 0;
  /* 117 is the first solution from 0: a budget of 117 tries stops short. */
  g_assert_cmpint(pl_idcost_solve(id, 8, 0, 117, &nonce, &tries), ==, PL_ERR_NOT_FOUND);
  g_assert_cmpuint(nonce, ==, 42);
  g_assert_cmpuint(tries, ==, 117);
  g_assert_cmpint(pl_idcost_solve(id, 8, 0, 118, &nonce, &tries), ==, PL_OK);
  g_assert_cmpuint(nonce, ==, 117);
  /* Zero bits: the start itself, free. */
  g_assert_cmpint(pl_idcost_solve(id, 0, 99, 1, &nonce, &tries), ==, PL_OK);
  g_assert_cmpuint(nonce, ==, 99);
  g_assert_cmpuint(tries, ==, 0);
  /* The search wraps around UINT64_MAX. */
  g_assert_cmpint(pl_idcost_solve(id, 8, UINT64_MAX - 2, 0, &nonce, &tries), ==, PL_OK);
  g_assert_true(pl_idcost_puzzle_ok(id, nonce, 8));
  g_assert_cmpuint(tries, ==, (nonce - (UINT64_MAX - 2)) + 1); /* modular */
}

/* Solved puzzles of difficulty c take ~2^c tries on average: over 64 ids
 * at c = 6 the mean must land well inside [2^c / 2, 2 * 2^c]. */
static void
test_mean_work(void)
{
  const unsigned bits = 6;
  uint64_t total = 0;
  for (unsigned k = 0; k < 64; k++) {
    uint8_t id[PL_ID_BYTES];
    memset(id, (int)k, sizeof id);
    id[0] = (uint8_t)(k * 7 + 1);
    uint64_t nonce = 0, tries = 0;
    g_assert_cmpint(pl_idcost_solve(id, bits, (uint64_t)k << 32, 0, &nonce, &tries), ==,
                    PL_OK);
    g_assert_true(pl_idcost_puzzle_ok(id, nonce, bits));
    uint8_t d[PL_ID_BYTES];
    pl_idcost_digest(id, nonce, d);
    g_assert_cmpuint(pl_idcost_leading_zeros(d), >=, bits);
    total += tries;
  }
  double mean = (double)total / 64.0;
  g_assert_cmpfloat(mean, >, 32.0);
  g_assert_cmpfloat(mean, <, 128.0);
  g_assert_cmpuint(pl_idcost_expected_tries(bits), ==, 64);
  g_assert_cmpuint(pl_idcost_expected_tries(0), ==, 1);
  g_assert_cmpuint(pl_idcost_expected_tries(64), ==, UINT64_MAX);
}

static void
test_policy(void)
{
  uint8_t id[PL_ID_BYTES];
  test_id(id);
  pl_idcost_policy off = {0, 0};
  g_assert_cmpint(pl_idcost_check(&off, id, 0, 0), ==, PL_IDCOST_OK);

  pl_idcost_policy puzzle = {8, 0};
  g_assert_cmpint(pl_idcost_check(&puzzle, id, 117, 0), ==, PL_IDCOST_OK);
  g_assert_cmpint(pl_idcost_check(&puzzle, id, 116, 0), ==, PL_IDCOST_PUZZLE);

  pl_idcost_policy stake = {0, 1000};
  g_assert_true(pl_idcost_stake_ok(1000, 1000));
  g_assert_false(pl_idcost_stake_ok(999, 1000));
  g_assert_true(pl_idcost_stake_ok(0, 0));
  g_assert_cmpint(pl_idcost_check(&stake, id, 0, 999), ==, PL_IDCOST_STAKE);
  g_assert_cmpint(pl_idcost_check(&stake, id, 0, 1000), ==, PL_IDCOST_OK);

  /* Both: the puzzle is reported first. */
  pl_idcost_policy both = {8, 1000};
  g_assert_cmpint(pl_idcost_check(&both, id, 116, 0), ==, PL_IDCOST_PUZZLE);
  g_assert_cmpint(pl_idcost_check(&both, id, 117, 0), ==, PL_IDCOST_STAKE);
  g_assert_cmpint(pl_idcost_check(&both, id, 117, 5000), ==, PL_IDCOST_OK);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/idcost/digest-vectors", test_digest_vectors);
  g_test_add_func("/idcost/leading-zeros", test_leading_zeros);
  g_test_add_func("/idcost/check-known", test_check_known);
  g_test_add_func("/idcost/budget", test_budget);
  g_test_add_func("/idcost/mean-work", test_mean_work);
  g_test_add_func("/idcost/policy", test_policy);
  return g_test_run();
}
