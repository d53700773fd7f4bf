/*
 * content.c — a content-addressed blob store.
 *
 * How it works
 * ------------
 * Each distinct blob lives in one heap block: a small header (content id,
 * reference count, length) followed by the bytes.  The store keeps an array
 * of pointers to these blocks sorted by content id (memcmp order); lookups
 * are binary searches and insertions/removals shift the pointer array.
 * Iteration (pl_content_id_at) is therefore in id order, never in a hash
 * table's order.  A store belongs to one node and holds few blobs, so the
 * O(n) shift is cheaper in memory than any tree or hash table.
 *
 * put hashes the bytes; an id already present gains a reference and costs
 * no bytes (deduplication).  get re-hashes the stored bytes every time and
 * refuses them if they no longer match (integrity).  |max_bytes| bounds the
 * sum of the lengths of the distinct blobs held.
 */
#include "content.h"
#include "identity.h"

#include <glib.h>
#include <string.h>

typedef struct blob {
  uint8_t id[PL_ID_BYTES]; /* content id: BLAKE2b-256 of data */
  uint32_t refs;           /* references held (puts minus removes), >= 1 */
  size_t len;              /* bytes in data */
  uint8_t data[];          /* the blob itself */
} blob;

struct pl_content {
  size_t max_bytes;  /* bound on total blob bytes, 0 = none */
  size_t bytes;      /* total bytes of distinct blobs held */
  size_t count;      /* distinct blobs held */
  size_t cap;        /* allocated length of |blobs| */
  blob **blobs;      /* [count] owned blobs, sorted by id */
};

/* Index of |id| in the sorted array if present (*|found| = true), else the
 * index where it would be inserted. */
static size_t
search(const pl_content *s, const uint8_t id[PL_ID_BYTES], bool *found)
{
  size_t lo = 0, hi = s->count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = memcmp(s->blobs[mid]->id, id, PL_ID_BYTES);
    if (c == 0) {
      *found = true;
      return mid;
    }
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  *found = false;
  return lo;
}

pl_content *
pl_content_new(size_t max_bytes)
{
  pl_content *s = g_try_new0(pl_content, 1);
  if (s == NULL)
    return NULL;
  s->max_bytes = max_bytes;
  return s;
}

void
pl_content_free(pl_content *store)
{
  if (store == NULL)
    return;
  for (size_t i = 0; i < store->count; i++)
    g_free(store->blobs[i]);
  g_free(store->blobs);
  g_free(store);
}

int
pl_content_put(pl_content *store, const uint8_t *bytes, size_t len,
               uint8_t id[PL_ID_BYTES])
{
  bool found;

  g_assert(store != NULL && id != NULL);
  g_assert(bytes != NULL || len == 0);

  pl_hash(bytes, len, id);
  size_t at = search(store, id, &found);
  if (found) {
    blob *b = store->blobs[at];
    if (b->refs == UINT32_MAX)
      return PL_ERR_NOMEM;
    b->refs++;
    return PL_OK;
  }

  if (len > SIZE_MAX - sizeof(blob) - store->bytes)
    return PL_ERR_NOMEM;
  if (store->max_bytes != 0 && store->bytes + len > store->max_bytes)
    return PL_ERR_NOMEM;

  if (store->count == store->cap) {
    size_t cap = store->cap ? store->cap * 2 : 4;
    blob **grown = g_try_renew(blob *, store->blobs, cap);
    if (grown == NULL)
      return PL_ERR_NOMEM;
    store->blobs = grown;
    store->cap = cap;
  }
  blob *b = g_try_malloc(sizeof(blob) + len);
  if (b == NULL)
    return PL_ERR_NOMEM;
  memcpy(b->id, id, PL_ID_BYTES);
  b->refs = 1;
  b->len = len;
  if (len)
    memcpy(b->data, bytes, len);

  memmove(store->blobs + at + 1, store->blobs + at,
          (store->count - at) * sizeof(blob *));
  store->blobs[at] = b;
  store->count++;
  store->bytes += len;
  return PL_OK;
}

int
pl_content_get(const pl_content *store, const uint8_t id[PL_ID_BYTES],
               const uint8_t **bytes, size_t *len)
{
  bool found;
  uint8_t check[PL_ID_BYTES];

  g_assert(store != NULL && id != NULL && bytes != NULL && len != NULL);
  size_t at = search(store, id, &found);
  if (!found)
    return PL_ERR_NOT_FOUND;
  const blob *b = store->blobs[at];
  pl_hash(b->data, b->len, check);
  if (memcmp(check, id, PL_ID_BYTES) != 0)
    return PL_ERR_INTEGRITY;
  *bytes = b->data;
  *len = b->len;
  return PL_OK;
}

int
pl_content_remove(pl_content *store, const uint8_t id[PL_ID_BYTES])
{
  bool found;

  g_assert(store != NULL && id != NULL);
  size_t at = search(store, id, &found);
  if (!found)
    return PL_ERR_NOT_FOUND;
  blob *b = store->blobs[at];
  if (--b->refs > 0)
    return PL_OK;
  store->bytes -= b->len;
  g_free(b);
  memmove(store->blobs + at, store->blobs + at + 1,
          (store->count - at - 1) * sizeof(blob *));
  store->count--;
  return PL_OK;
}

size_t
pl_content_count(const pl_content *store)
{
  g_assert(store != NULL);
  return store->count;
}

size_t
pl_content_bytes(const pl_content *store)
{
  g_assert(store != NULL);
  return store->bytes;
}

const uint8_t *
pl_content_id_at(const pl_content *store, size_t i)
{
  g_assert(store != NULL && i < store->count);
  return store->blobs[i]->id;
}

int
pl_content_corrupt_for_test(pl_content *store, const uint8_t id[PL_ID_BYTES])
{
  bool found;

  g_assert(store != NULL && id != NULL);
  size_t at = search(store, id, &found);
  if (!found)
    return PL_ERR_NOT_FOUND;
  blob *b = store->blobs[at];
  if (b->len == 0)
    return PL_ERR_INVALID; /* no bit to flip in an empty blob */
  b->data[0] ^= 0x01;
  return PL_OK;
}
