/*
 * identity.h — Ed25519 identities, node ids, content ids, signatures.
 *
 * A node's key pair comes from a 32-byte seed (crypto_sign_seed_keypair),
 * so runs are reproducible.  Node id = BLAKE2b-256(public key); content id
 * = BLAKE2b-256(bytes).  Signing and verifying charge virtual CPU time to
 * the node through pl_env.cpu_cb; verification goes through the host's
 * memo (pl_sigcache) when one is present.
 */
#ifndef PL_IDENTITY_H
#define PL_IDENTITY_H

#include "pl.h"

/* Derive the public key and node id from |seed|.  Either output may be
 * NULL.  Pure; never fails. */
void pl_identity_from_seed(const uint8_t seed[PL_SEED_BYTES],
                           uint8_t key[PL_KEY_BYTES], uint8_t id[PL_ID_BYTES]);

/* BLAKE2b-256 of |len| bytes at |data| into |out|. */
void pl_hash(const uint8_t *data, size_t len, uint8_t out[PL_ID_BYTES]);

/* Node id of public key |key| (= pl_hash of the 32 key bytes). */
void pl_node_id_of(const uint8_t key[PL_KEY_BYTES], uint8_t id[PL_ID_BYTES]);

/* Sign |len| bytes at |msg| with the key pair of |seed| (public key
 * |key|, as derived from the seed) into |sig|.  Pure; never fails. */
void pl_sign_raw(const uint8_t seed[PL_SEED_BYTES], const uint8_t key[PL_KEY_BYTES],
                 const uint8_t *msg, size_t len, uint8_t sig[PL_SIG_BYTES]);

/* Verify |sig| over |msg| by |key| directly (no memo).  Returns PL_OK or
 * PL_ERR_BAD_SIGNATURE (also for a key that is not a valid point). */
PL_WARN_UNUSED int pl_verify_raw(const uint8_t key[PL_KEY_BYTES], const uint8_t *msg,
                                 size_t len, const uint8_t sig[PL_SIG_BYTES]);

/* Verify through |env|'s memo if it has one, else directly.  The verdict
 * is identical either way.  Does not charge CPU (the caller does, see
 * pl_node_verify in node internals). */
PL_WARN_UNUSED int pl_verify_env(const pl_env *env, const uint8_t key[PL_KEY_BYTES],
                                 const uint8_t *msg, size_t len,
                                 const uint8_t sig[PL_SIG_BYTES]);

/* Constant-time equality of two 32-byte values. */
bool pl_key_equal(const uint8_t a[PL_KEY_BYTES], const uint8_t b[PL_KEY_BYTES]);

#endif
