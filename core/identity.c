/*
 * identity.c — Ed25519 identities, node ids, content ids, signatures.
 *
 * Thin, pure wrappers over libsodium:
 *
 *   key pair   crypto_sign_seed_keypair(seed)     (deterministic from the seed)
 *   sign       crypto_sign_detached, secret key = seed || public key
 *   verify     crypto_sign_verify_detached
 *   hash       crypto_generichash, 32-byte output = BLAKE2b-256, no key
 *
 * libsodium is initialised lazily: every entry point that reaches a
 * libsodium primitive calls sodium_init() first.  sodium_init() is
 * idempotent and thread-safe (after the first call it only takes a lock
 * and returns 1), so the core keeps no "initialised" flag of its own and no
 * global state at all.  Nothing here draws randomness: keys come from
 * seeds the host derives from its seeded streams.
 */
#include "identity.h"
#include "sigcache.h"

#include <glib.h>
#include <sodium.h>
#include <string.h>

G_STATIC_ASSERT(PL_KEY_BYTES == crypto_sign_PUBLICKEYBYTES);
G_STATIC_ASSERT(PL_SEED_BYTES == crypto_sign_SEEDBYTES);
G_STATIC_ASSERT(PL_SIG_BYTES == crypto_sign_BYTES);
G_STATIC_ASSERT(PL_SEED_BYTES + PL_KEY_BYTES == crypto_sign_SECRETKEYBYTES);
G_STATIC_ASSERT(PL_ID_BYTES >= crypto_generichash_BYTES_MIN &&
                PL_ID_BYTES <= crypto_generichash_BYTES_MAX);

/* Make sure libsodium is initialised.  Idempotent; aborts only if the
 * library cannot initialise at all (no usable CPU features / entropy
 * source), which is an environment failure, not peer input. */
static void
ensure_sodium(void)
{
  int rc = sodium_init();
  g_assert(rc >= 0);
}

/* libsodium wants a valid pointer even for an empty message. */
static const uint8_t *
nonnull(const uint8_t *msg, size_t len)
{
  static const uint8_t empty[1] = { 0 };
  g_assert(msg != NULL || len == 0);
  return msg ? msg : empty;
}

void
pl_identity_from_seed(const uint8_t seed[PL_SEED_BYTES], uint8_t key[PL_KEY_BYTES],
                      uint8_t id[PL_ID_BYTES])
{
  uint8_t pk[crypto_sign_PUBLICKEYBYTES];
  uint8_t sk[crypto_sign_SECRETKEYBYTES];

  g_assert(seed != NULL);
  ensure_sodium();
  crypto_sign_seed_keypair(pk, sk, seed);
  sodium_memzero(sk, sizeof sk);
  if (key)
    memcpy(key, pk, PL_KEY_BYTES);
  if (id)
    pl_node_id_of(pk, id);
}

void
pl_hash(const uint8_t *data, size_t len, uint8_t out[PL_ID_BYTES])
{
  g_assert(out != NULL);
  ensure_sodium();
  crypto_generichash(out, PL_ID_BYTES, nonnull(data, len), (unsigned long long)len,
                     NULL, 0);
}

void
pl_node_id_of(const uint8_t key[PL_KEY_BYTES], uint8_t id[PL_ID_BYTES])
{
  g_assert(key != NULL);
  pl_hash(key, PL_KEY_BYTES, id);
}

void
pl_sign_raw(const uint8_t seed[PL_SEED_BYTES], const uint8_t key[PL_KEY_BYTES],
            const uint8_t *msg, size_t len, uint8_t sig[PL_SIG_BYTES])
{
  uint8_t sk[crypto_sign_SECRETKEYBYTES];

  g_assert(seed != NULL && key != NULL && sig != NULL);
  ensure_sodium();
  memcpy(sk, seed, PL_SEED_BYTES);
  memcpy(sk + PL_SEED_BYTES, key, PL_KEY_BYTES);
  crypto_sign_detached(sig, NULL, nonnull(msg, len), (unsigned long long)len, sk);
  sodium_memzero(sk, sizeof sk);
}

int
pl_verify_raw(const uint8_t key[PL_KEY_BYTES], const uint8_t *msg, size_t len,
              const uint8_t sig[PL_SIG_BYTES])
{
  g_assert(key != NULL && sig != NULL);
  ensure_sodium();
  if (crypto_sign_verify_detached(sig, nonnull(msg, len), (unsigned long long)len,
                                  key) != 0)
    return PL_ERR_BAD_SIGNATURE;
  return PL_OK;
}

int
pl_verify_env(const pl_env *env, const uint8_t key[PL_KEY_BYTES], const uint8_t *msg,
              size_t len, const uint8_t sig[PL_SIG_BYTES])
{
  if (env != NULL && env->sigcache != NULL)
    return pl_sigcache_verify(env->sigcache, key, msg, len, sig);
  return pl_verify_raw(key, msg, len, sig);
}

bool
pl_key_equal(const uint8_t a[PL_KEY_BYTES], const uint8_t b[PL_KEY_BYTES])
{
  g_assert(a != NULL && b != NULL);
  ensure_sodium();
  return sodium_memcmp(a, b, PL_KEY_BYTES) == 0;
}
