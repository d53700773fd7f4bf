/*
 * sigcache.c — a bounded memo of Ed25519 verification verdicts.
 *
 * How it works
 * ------------
 * A lookup key is the 32-byte digest
 *
 *     d = BLAKE2b-256(public key || BLAKE2b-256(message) || signature)
 *
 * which names the triple (key, message, signature) with collision
 * resistance far beyond anything a simulated adversary can reach.  The
 * verdict of Ed25519 verification is a pure function of that triple, so a
 * remembered verdict is exactly the verdict a fresh verification would give.
 *
 * Storage is two flat arrays allocated once, never resized:
 *
 *   entries[capacity]   digest of each remembered triple, plus a verdict
 *                       bitmap (1 = valid).  The array doubles as the FIFO
 *                       ring of insertion order: a new entry is written at
 *                       |next|, which advances by one modulo |capacity|;
 *                       once the memo is full, the entry at |next| is the
 *                       oldest and is evicted before being overwritten.
 *   slots[n_slots]      open-addressing index, linear probing; n_slots is
 *                       a power of two >= 2 * capacity (load factor <= 1/2).
 *                       A slot holds entry index + 1, 0 = empty.  The home
 *                       slot of a digest is its first 8 bytes (already
 *                       uniform) masked to the table size.
 *
 * Eviction deletes the victim's slot with backward-shift deletion (no
 * tombstones), so probe sequences stay short and the table never needs a
 * rebuild.  Everything is a function of the sequence of lookups: same
 * lookups, same hits, same evictions.
 *
 * Memory: 32 bytes of digest + 2 x 4 bytes of index + 1 bit per entry of
 * capacity, about 40 bytes per remembered verdict.
 *
 * Content-addressed frames (pl_sigcache_verify_frame)
 * ---------------------------------------------------
 * A message named by its content id (gossip: id = BLAKE2b-256 of the
 * whole signed frame, which contains the key and the signature) is
 * remembered under that id together with a copy of the frame's bytes and
 * the verdict.  A receiver that claims the id for byte-identical bytes
 * gets the verdict without any hashing or crypto: byte equality with a
 * frame whose hash was checked when it entered proves the id, and the id
 * names (key, message, signature).  So the hashing and the Ed25519 check
 * happen once per distinct message, not once per receiving node.  Bytes
 * that differ from the remembered frame, or an id not remembered, take
 * the full path (hash, compare, verify) and only a frame that hashes to
 * its id is remembered.  A separate ring of at most FRAMES_MAX entries and
 * FRAME_BYTES_MAX bytes of copies (oldest evicted first), allocated on
 * first use, so hosts that never use it pay nothing.
 */
#include "sigcache.h"
#include "identity.h"

#include <glib.h>
#include <sodium.h>
#include <string.h>

#define DIGEST_BYTES 32

typedef struct digest {
  uint8_t b[DIGEST_BYTES]; /* BLAKE2b-256(key || H(msg) || sig) */
} digest;

/* A remembered content-addressed frame. */
typedef struct frame_entry {
  uint8_t id[PL_ID_BYTES];  /* content id = BLAKE2b-256(bytes) */
  uint8_t *bytes;           /* copy of the frame (heap), NULL = free entry */
  uint32_t len;             /* bytes in |bytes| */
  uint8_t valid;            /* 1 = signature valid */
} frame_entry;

/* Frames remembered at most, and bytes of frame copies at most. */
#define FRAMES_MAX ((size_t)1 << 16)
#define FRAME_BYTES_MAX ((size_t)64 << 20)

struct pl_sigcache {
  size_t capacity;   /* maximum entries remembered */
  size_t size;       /* entries currently remembered (<= capacity) */
  size_t next;       /* ring position of the next insertion (0..capacity-1) */
  size_t slot_mask;  /* n_slots - 1; n_slots is a power of two */
  uint64_t hits;     /* lookups answered from the memo */
  uint64_t misses;   /* lookups answered by a real verification */
  digest *entries;   /* [capacity] digests in ring (insertion) order */
  uint8_t *valid;    /* [(capacity + 7) / 8] verdict bits: 1 = PL_OK */
  uint32_t *slots;   /* [slot_mask + 1] entry index + 1, 0 = empty */
  /* content-addressed frames: ring of FRAMES_MAX entries (oldest at
   * |fr_first|, |fr_size| used) and an open-addressing index of
   * 2 * FRAMES_MAX slots (entry index + 1, 0 = empty); NULL until used */
  frame_entry *fr;
  uint32_t *fr_slots;
  size_t fr_first, fr_size;
  size_t fr_bytes;   /* bytes of frame copies held */
};

#define MAX_CAPACITY PL_SIGCACHE_CAPACITY_MAX

static size_t
home_of(const pl_sigcache *c, const digest *d)
{
  uint64_t h;
  memcpy(&h, d->b, sizeof h);
  return (size_t)h & c->slot_mask;
}

static void
compute_digest(const uint8_t key[PL_KEY_BYTES], const uint8_t *msg, size_t len,
               const uint8_t sig[PL_SIG_BYTES], digest *out)
{
  uint8_t msg_hash[PL_ID_BYTES];
  crypto_generichash_state st;

  pl_hash(msg, len, msg_hash); /* also initialises libsodium */
  crypto_generichash_init(&st, NULL, 0, DIGEST_BYTES);
  crypto_generichash_update(&st, key, PL_KEY_BYTES);
  crypto_generichash_update(&st, msg_hash, sizeof msg_hash);
  crypto_generichash_update(&st, sig, PL_SIG_BYTES);
  crypto_generichash_final(&st, out->b, DIGEST_BYTES);
}

/* Slot holding |d|, or the empty slot where the probe for it ended
 * (*|found| tells which). */
static size_t
probe(const pl_sigcache *c, const digest *d, bool *found)
{
  size_t i = home_of(c, d);
  for (;;) {
    uint32_t s = c->slots[i];
    if (s == 0) {
      *found = false;
      return i;
    }
    if (memcmp(c->entries[s - 1].b, d->b, DIGEST_BYTES) == 0) {
      *found = true;
      return i;
    }
    i = (i + 1) & c->slot_mask;
  }
}

/* Remove the slot pointing at entry |idx| (which must be present), then
 * shift later members of the probe run back so no lookup loses its way. */
static void
unlink_entry(pl_sigcache *c, size_t idx)
{
  bool found;
  size_t hole = probe(c, &c->entries[idx], &found);
  g_assert(found && c->slots[hole] == idx + 1);

  size_t j = hole;
  for (;;) {
    j = (j + 1) & c->slot_mask;
    uint32_t s = c->slots[j];
    if (s == 0)
      break;
    size_t home = home_of(c, &c->entries[s - 1]);
    /* Move slot j into the hole unless its home lies cyclically in
     * (hole, j], in which case it is still reachable where it is. */
    bool reachable = hole <= j ? (home > hole && home <= j)
                               : (home > hole || home <= j);
    if (!reachable) {
      c->slots[hole] = s;
      hole = j;
    }
  }
  c->slots[hole] = 0;
}

pl_sigcache *
pl_sigcache_new(size_t capacity)
{
  g_assert(capacity >= 1 && capacity <= MAX_CAPACITY);

  size_t n_slots = 2;
  while (n_slots < 2 * capacity)
    n_slots <<= 1;

  pl_sigcache *c = g_try_new0(pl_sigcache, 1);
  if (c == NULL)
    return NULL;
  c->capacity = capacity;
  c->slot_mask = n_slots - 1;
  c->entries = g_try_new(digest, capacity);
  c->valid = g_try_new0(uint8_t, (capacity + 7) / 8);
  c->slots = g_try_new0(uint32_t, n_slots);
  if (c->entries == NULL || c->valid == NULL || c->slots == NULL) {
    pl_sigcache_free(c);
    return NULL;
  }
  return c;
}

void
pl_sigcache_free(pl_sigcache *cache)
{
  if (cache == NULL)
    return;
  g_free(cache->entries);
  g_free(cache->valid);
  g_free(cache->slots);
  if (cache->fr != NULL)
    for (size_t i = 0; i < FRAMES_MAX; i++)
      g_free(cache->fr[i].bytes);
  g_free(cache->fr);
  g_free(cache->fr_slots);
  g_free(cache);
}

int
pl_sigcache_verify(pl_sigcache *cache, const uint8_t key[PL_KEY_BYTES],
                   const uint8_t *msg, size_t len, const uint8_t sig[PL_SIG_BYTES])
{
  digest d;
  bool found;

  g_assert(cache != NULL && key != NULL && sig != NULL);
  g_assert(msg != NULL || len == 0);

  compute_digest(key, msg, len, sig, &d);
  size_t slot = probe(cache, &d, &found);
  if (found) {
    size_t idx = cache->slots[slot] - 1;
    cache->hits++;
    return (cache->valid[idx / 8] >> (idx % 8)) & 1u ? PL_OK : PL_ERR_BAD_SIGNATURE;
  }

  cache->misses++;
  int verdict = pl_verify_raw(key, msg, len, sig);

  size_t idx = cache->next;
  if (cache->size == cache->capacity) {
    unlink_entry(cache, idx); /* the oldest entry */
    /* The shift may have moved the empty slot our probe ended on. */
    slot = probe(cache, &d, &found);
    g_assert(!found);
  } else {
    cache->size++;
  }
  cache->entries[idx] = d;
  if (verdict == PL_OK)
    cache->valid[idx / 8] |= (uint8_t)(1u << (idx % 8));
  else
    cache->valid[idx / 8] &= (uint8_t)~(1u << (idx % 8));
  cache->slots[slot] = (uint32_t)(idx + 1);
  cache->next = (idx + 1 == cache->capacity) ? 0 : idx + 1;
  return verdict;
}

uint64_t
pl_sigcache_hits(const pl_sigcache *cache)
{
  g_assert(cache != NULL);
  return cache->hits;
}

uint64_t
pl_sigcache_misses(const pl_sigcache *cache)
{
  g_assert(cache != NULL);
  return cache->misses;
}

size_t
pl_sigcache_size(const pl_sigcache *cache)
{
  g_assert(cache != NULL);
  return cache->size;
}

size_t
pl_sigcache_memory(const pl_sigcache *cache)
{
  g_assert(cache != NULL);
  size_t frames = cache->fr == NULL ? 0
                                    : FRAMES_MAX * (sizeof(frame_entry) + 2 * sizeof(uint32_t)) +
                                          cache->fr_bytes;
  return sizeof *cache + cache->capacity * sizeof(digest) + (cache->capacity + 7) / 8 +
         (cache->slot_mask + 1) * sizeof(uint32_t) + frames;
}

/* ------------------------------------------------ content-addressed frames */

#define FR_MASK (2 * FRAMES_MAX - 1)

static size_t
fr_home(const uint8_t *id)
{
  uint64_t h;
  memcpy(&h, id, sizeof h);
  return (size_t)h & FR_MASK;
}

/* Slot holding |id|, or the empty slot where the probe ended. */
static size_t
fr_probe(const pl_sigcache *c, const uint8_t *id, bool *found)
{
  for (size_t i = fr_home(id);; i = (i + 1) & FR_MASK) {
    uint32_t s = c->fr_slots[i];
    if (s == 0) {
      *found = false;
      return i;
    }
    if (memcmp(c->fr[s - 1].id, id, PL_ID_BYTES) == 0) {
      *found = true;
      return i;
    }
  }
}

/* Forget the oldest frame. */
static void
fr_evict(pl_sigcache *c)
{
  g_assert(c->fr_size > 0);
  size_t idx = c->fr_first;
  bool found;
  size_t hole = fr_probe(c, c->fr[idx].id, &found);
  g_assert(found && c->fr_slots[hole] == idx + 1);
  for (size_t j = (hole + 1) & FR_MASK; c->fr_slots[j] != 0; j = (j + 1) & FR_MASK) {
    size_t home = fr_home(c->fr[c->fr_slots[j] - 1].id);
    bool reachable = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!reachable) {
      c->fr_slots[hole] = c->fr_slots[j];
      hole = j;
    }
  }
  c->fr_slots[hole] = 0;
  c->fr_bytes -= c->fr[idx].len;
  g_free(c->fr[idx].bytes);
  c->fr[idx].bytes = NULL;
  c->fr_first = (idx + 1) % FRAMES_MAX;
  c->fr_size--;
}

int
pl_sigcache_verify_frame(pl_sigcache *cache, const uint8_t id[PL_ID_BYTES],
                         const uint8_t *frame, size_t len, const uint8_t key[PL_KEY_BYTES],
                         size_t covered, const uint8_t sig[PL_SIG_BYTES])
{
  g_assert(cache != NULL && id != NULL && key != NULL && sig != NULL);
  g_assert(frame != NULL && covered <= len);
  if (cache->fr == NULL) {
    cache->fr = g_new0(frame_entry, FRAMES_MAX);
    cache->fr_slots = g_new0(uint32_t, FR_MASK + 1);
  }
  bool found;
  size_t slot = fr_probe(cache, id, &found);
  if (found) {
    const frame_entry *e = &cache->fr[cache->fr_slots[slot] - 1];
    if (e->len == len && memcmp(e->bytes, frame, len) == 0) {
      cache->hits++;
      return e->valid ? PL_OK : PL_ERR_BAD_SIGNATURE;
    }
  }
  uint8_t h[PL_ID_BYTES];
  pl_hash(frame, len, h);
  if (memcmp(h, id, PL_ID_BYTES) != 0)
    return PL_ERR_BAD_FIELD;
  cache->misses++;
  int verdict = pl_verify_raw(key, frame, covered, sig);
  if (found || len > FRAME_BYTES_MAX)
    return verdict; /* (a second frame with the same id: not remembered) */
  while (cache->fr_size > 0 &&
         (cache->fr_size == FRAMES_MAX || cache->fr_bytes + len > FRAME_BYTES_MAX)) {
    fr_evict(cache);
    slot = fr_probe(cache, id, &found); /* the shift may have moved our empty slot */
  }
  size_t idx = (cache->fr_first + cache->fr_size) % FRAMES_MAX;
  frame_entry *e = &cache->fr[idx];
  memcpy(e->id, id, PL_ID_BYTES);
  e->bytes = g_memdup2(frame, len);
  e->len = (uint32_t)len;
  e->valid = verdict == PL_OK;
  cache->fr_slots[slot] = (uint32_t)(idx + 1);
  cache->fr_size++;
  cache->fr_bytes += len;
  return verdict;
}

size_t
pl_sigcache_frames(const pl_sigcache *cache)
{
  g_assert(cache != NULL);
  return cache->fr_size;
}
