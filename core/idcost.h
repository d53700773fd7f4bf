/*
 * idcost.h — what it costs to mint a node id: crypto puzzles and stake.
 *
 * Kademlia lets anyone pick any id, so an attacker can mint thousands of
 * ids and place them next to a victim or a key (Sybil and eclipse attacks).
 * Two switchable defences raise the price of an id:
 *
 *   puzzle  (S/Kademlia's static puzzle, in the simple form) a contact
 *           carries a 64-bit nonce; it is valid iff
 *             BLAKE2b-256(node_id || nonce as 8 little-endian bytes)
 *           has at least c leading zero bits (c = [protocol.kad]
 *           id_puzzle_bits, 0 = off).  Finding a nonce takes 2^c hashes on
 *           average; checking one takes one hash.  Because the puzzle binds
 *           the node id (= BLAKE2b-256 of the public key), every new id costs
 *           a new search, and grinding an id close to a target costs the
 *           grinding times the puzzle.
 *   stake   a contact whose stake (as the ledger says, see pl_env's stake
 *           oracle) is below id_min_stake is refused (0 = off).
 *
 * Everything here is a pure function: no node, no clock, no randomness (the
 * solver's starting nonce comes from the caller's stream).  The caller
 * charges the virtual CPU (pl_idcost_solve reports the number of hashes it
 * made) and counts the refusals.
 */
#ifndef PL_IDCOST_H
#define PL_IDCOST_H

#include "pl.h"

/* Largest puzzle difficulty accepted, in leading zero bits (a BLAKE2b-256
 * digest has 256; beyond ~40 no run could ever solve one). */
#define PL_IDCOST_BITS_MAX 64

/* Bytes hashed per puzzle check: node id (32) + nonce (8). */
#define PL_IDCOST_INPUT_BYTES (PL_ID_BYTES + 8)

/* The id-cost policy of a node (both checks off when zero). */
typedef struct pl_idcost_policy {
  uint8_t puzzle_bits;   /* leading zero bits required of the puzzle hash, 0 = no puzzle */
  uint64_t min_stake;    /* minimum stake of a contact, milli-credits; 0 = no stake check */
} pl_idcost_policy;

/* Why a contact was refused (or PL_IDCOST_OK).  The caller counts each. */
typedef enum pl_idcost_verdict {
  PL_IDCOST_OK = 0,      /* the contact passes every enabled check */
  PL_IDCOST_PUZZLE = 1,  /* the nonce does not solve the puzzle for this id */
  PL_IDCOST_STAKE = 2,   /* the contact's stake is below the minimum */
} pl_idcost_verdict;

/* Number of leading zero bits of the 32-byte digest |digest| (0..256),
 * most significant bit of byte 0 first. */
unsigned pl_idcost_leading_zeros(const uint8_t digest[PL_ID_BYTES]);

/* The puzzle digest BLAKE2b-256(|id| || |nonce| little-endian) into
 * |out|. */
void pl_idcost_digest(const uint8_t id[PL_ID_BYTES], uint64_t nonce,
                      uint8_t out[PL_ID_BYTES]);

/* Whether |nonce| solves the puzzle of difficulty |bits| (<=
 * PL_IDCOST_BITS_MAX) for node id |id|.  |bits| = 0 always passes without
 * hashing.  Costs one BLAKE2b of PL_IDCOST_INPUT_BYTES otherwise. */
bool pl_idcost_puzzle_ok(const uint8_t id[PL_ID_BYTES], uint64_t nonce, unsigned bits);

/*
 * Search for a nonce solving the puzzle of difficulty |bits| (<=
 * PL_IDCOST_BITS_MAX) for |id|: try |start|, |start| + 1, ... (wrapping)
 * for at most |max_tries| hashes (0 = no limit).  On success writes the
 * nonce to |nonce| and returns PL_OK; returns PL_ERR_NOT_FOUND when the
 * budget runs out (|nonce| untouched).  |tries| (may be NULL) receives the
 * number of hashes made either way, so the caller can charge
 * tries x hash cost of virtual CPU.  |bits| = 0: |start| at no cost.
 */
PL_WARN_UNUSED int pl_idcost_solve(const uint8_t id[PL_ID_BYTES], unsigned bits,
                                   uint64_t start, uint64_t max_tries, uint64_t *nonce,
                                   uint64_t *tries);

/* Expected hashes to solve a puzzle of |bits| bits: 2^bits (saturating at
 * UINT64_MAX), for budgeting Sybil attackers. */
uint64_t pl_idcost_expected_tries(unsigned bits);

/* Whether |stake| (milli-credits) meets |min_stake| (0 = always). */
bool pl_idcost_stake_ok(uint64_t stake, uint64_t min_stake);

/*
 * Check a contact with node id |id|, puzzle nonce |nonce| and stake
 * |stake| (milli-credits; pass 0 when the host has no stake oracle, which
 * then fails any non-zero minimum) against |policy|.  The puzzle is
 * checked first.  Returns the first failing check, or PL_IDCOST_OK.
 */
pl_idcost_verdict pl_idcost_check(const pl_idcost_policy *policy,
                                  const uint8_t id[PL_ID_BYTES], uint64_t nonce,
                                  uint64_t stake);

#endif /* PL_IDCOST_H */
