/*
 * content.h — a content-addressed blob store.
 *
 * Blobs are keyed by their content id, BLAKE2b-256(bytes).  Storing the
 * same bytes twice keeps one copy (deduplication, with a reference count);
 * every read re-hashes the bytes and refuses to return a blob that no
 * longer matches its id (integrity).  Keys are kept in a sorted array, so
 * iteration order is the order of ids, never a hash table's.
 */
#ifndef PL_CONTENT_H
#define PL_CONTENT_H

#include "pl.h"

typedef struct pl_content pl_content;

/* Create an empty store holding at most |max_bytes| of blob data (0: no
 * limit).  NULL only on allocation failure. */
pl_content *pl_content_new(size_t max_bytes);
void pl_content_free(pl_content *store);

/* Store |len| bytes, writing their content id to |id|.  Returns PL_OK (new
 * or deduplicated), PL_ERR_NOMEM when |max_bytes| would be exceeded. */
PL_WARN_UNUSED int pl_content_put(pl_content *store, const uint8_t *bytes, size_t len,
                                  uint8_t id[PL_ID_BYTES]);

/* Look up |id|.  On PL_OK, *|bytes| points into the store (valid until the
 * next put/remove) and *|len| is its length.  PL_ERR_NOT_FOUND if absent;
 * PL_ERR_INTEGRITY if the stored bytes no longer hash to |id|. */
PL_WARN_UNUSED int pl_content_get(const pl_content *store, const uint8_t id[PL_ID_BYTES],
                                  const uint8_t **bytes, size_t *len);

/* Drop one reference to |id|; the blob is freed with its last reference.
 * PL_ERR_NOT_FOUND if absent. */
int pl_content_remove(pl_content *store, const uint8_t id[PL_ID_BYTES]);

/* Number of distinct blobs, and total bytes of blob data held. */
size_t pl_content_count(const pl_content *store);
size_t pl_content_bytes(const pl_content *store);

/* Content id of the |i|-th blob in id order (0 <= i < count). */
const uint8_t *pl_content_id_at(const pl_content *store, size_t i);

/* Test hook: flip one bit of the stored copy of |id| (to exercise the
 * integrity check).  PL_ERR_NOT_FOUND if absent. */
int pl_content_corrupt_for_test(pl_content *store, const uint8_t id[PL_ID_BYTES]);

#endif
