/*
 * sigcache.h — a bounded memo of Ed25519 verification verdicts.
 *
 * Verification is a pure function of (public key, message, signature), so a
 * host running many nodes verifies each unique triple once: a message seen
 * by a thousand nodes costs one real Ed25519 check.  Entries are keyed by
 * BLAKE2b-256(key || BLAKE2b-256(message) || signature) and hold the
 * verdict; the memo is bounded and evicts in insertion (FIFO/clock) order,
 * deterministically.  Every node is still charged its verify cost: the memo
 * saves the simulator's time, not the simulated node's.
 */
#ifndef PL_SIGCACHE_H
#define PL_SIGCACHE_H

#include "pl.h"

/* Largest capacity: an entry index + 1 fits a uint32_t slot, and the slot
 * count (2 * capacity rounded up to a power of two) a size_t. */
#define PL_SIGCACHE_CAPACITY_MAX ((size_t)1 << 30)

/* Create a memo holding at most |capacity| verdicts (1 to
 * PL_SIGCACHE_CAPACITY_MAX).  NULL only on allocation failure. */
pl_sigcache *pl_sigcache_new(size_t capacity);

/* Free |cache|.  NULL is ignored. */
void pl_sigcache_free(pl_sigcache *cache);

/* Verdict for (|key|, |msg|, |sig|): the cached one if present (a hit),
 * otherwise verify directly, remember, and return it (a miss).
 * Returns PL_OK or PL_ERR_BAD_SIGNATURE, exactly as pl_verify_raw. */
PL_WARN_UNUSED int pl_sigcache_verify(pl_sigcache *cache, const uint8_t key[PL_KEY_BYTES],
                                      const uint8_t *msg, size_t len,
                                      const uint8_t sig[PL_SIG_BYTES]);

/*
 * Verdict for a content-addressed signed frame: |frame| (|len| bytes) is
 * claimed to have content id |id| = BLAKE2b-256(frame), and carries the
 * signature |sig| by |key| over its first |covered| bytes.  Returns
 * PL_ERR_BAD_FIELD if the frame does not hash to |id| (nothing verified,
 * nothing remembered), else the signature verdict, PL_OK or
 * PL_ERR_BAD_SIGNATURE.  A frame byte-identical to one remembered under
 * |id| is answered without hashing or crypto (a hit); otherwise the frame
 * is hashed, verified (a miss) and remembered.  The caller must have
 * taken |key|, |covered| and |sig| from |frame| itself (pl_wire_decode of
 * a SIGNED envelope), so that the id names them.
 */
PL_WARN_UNUSED int pl_sigcache_verify_frame(pl_sigcache *cache, const uint8_t id[PL_ID_BYTES],
                                            const uint8_t *frame, size_t len,
                                            const uint8_t key[PL_KEY_BYTES], size_t covered,
                                            const uint8_t sig[PL_SIG_BYTES]);

/* Content-addressed frames currently remembered. */
size_t pl_sigcache_frames(const pl_sigcache *cache);

/* Lookups answered from the memo / by a real verification. */
uint64_t pl_sigcache_hits(const pl_sigcache *cache);
uint64_t pl_sigcache_misses(const pl_sigcache *cache);
/* Entries currently held, and bytes of memory used. */
size_t pl_sigcache_size(const pl_sigcache *cache);
size_t pl_sigcache_memory(const pl_sigcache *cache);

#endif
