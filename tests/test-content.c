/*
 * test-content.c — the content-addressed blob store (core/content.c).
 */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"
#include "identity.h"
#include "pl.h"
#include "testutil.h"

static const uint8_t *
u8(const char *s)
{
  return (const uint8_t *)s;
}

static void
test_roundtrip(void)
{
  pl_content *s = pl_content_new(0);
  uint8_t id[PL_ID_BYTES], want[PL_ID_BYTES];
  const uint8_t *bytes = NULL;
  size_t len = 0;

  g_assert_cmpint(pl_content_put(s, u8("abc"), 3, id), ==, PL_OK);
  /* The id is BLAKE2b-256 of the bytes (hashlib.blake2b(b'abc', digest_size=32)). */
  tu_hex_decode("bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319",
                want, sizeof want);
  g_assert_cmpmem(id, sizeof id, want, sizeof want);
  g_assert_cmpint(pl_content_get(s, id, &bytes, &len), ==, PL_OK);
  g_assert_cmpmem(bytes, len, "abc", 3);
  g_assert_cmpuint(pl_content_count(s), ==, 1);
  g_assert_cmpuint(pl_content_bytes(s), ==, 3);

  /* A larger blob and the empty blob. */
  uint8_t big[5000];
  for (size_t i = 0; i < sizeof big; i++)
    big[i] = (uint8_t)(i * 13 + 5);
  uint8_t big_id[PL_ID_BYTES], empty_id[PL_ID_BYTES];
  g_assert_cmpint(pl_content_put(s, big, sizeof big, big_id), ==, PL_OK);
  g_assert_cmpint(pl_content_put(s, NULL, 0, empty_id), ==, PL_OK);
  tu_hex_decode("0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8",
                want, sizeof want);
  g_assert_cmpmem(empty_id, sizeof empty_id, want, sizeof want);
  g_assert_cmpint(pl_content_get(s, big_id, &bytes, &len), ==, PL_OK);
  g_assert_cmpmem(bytes, len, big, sizeof big);
  g_assert_cmpint(pl_content_get(s, empty_id, &bytes, &len), ==, PL_OK);
  g_assert_cmpuint(len, ==, 0);
  g_assert_cmpuint(pl_content_count(s), ==, 3);
  g_assert_cmpuint(pl_content_bytes(s), ==, 3 + sizeof big);

  /* The store keeps its own copy. */
  big[0] ^= 0xff;
  g_assert_cmpint(pl_content_get(s, big_id, &bytes, &len), ==, PL_OK);
  g_assert_cmpuint(bytes[0], ==, (uint8_t)(big[0] ^ 0xff));
  pl_content_free(s);
  pl_content_free(NULL);
}

static void
test_dedup_refcount(void)
{
  pl_content *s = pl_content_new(0);
  uint8_t id1[PL_ID_BYTES], id2[PL_ID_BYTES], id3[PL_ID_BYTES], other[PL_ID_BYTES];
  const uint8_t *bytes;
  size_t len;

  g_assert_cmpint(pl_content_put(s, u8("hello"), 5, id1), ==, PL_OK);
  g_assert_cmpint(pl_content_put(s, u8("hello"), 5, id2), ==, PL_OK);
  g_assert_cmpint(pl_content_put(s, u8("hello"), 5, id3), ==, PL_OK);
  g_assert_cmpmem(id1, sizeof id1, id2, sizeof id2);
  g_assert_cmpmem(id1, sizeof id1, id3, sizeof id3);
  g_assert_cmpint(pl_content_put(s, u8("world"), 5, other), ==, PL_OK);
  /* Three puts of the same bytes keep one copy. */
  g_assert_cmpuint(pl_content_count(s), ==, 2);
  g_assert_cmpuint(pl_content_bytes(s), ==, 10);

  /* Removing drops one reference at a time. */
  g_assert_cmpint(pl_content_remove(s, id1), ==, PL_OK);
  g_assert_cmpint(pl_content_get(s, id1, &bytes, &len), ==, PL_OK);
  g_assert_cmpint(pl_content_remove(s, id1), ==, PL_OK);
  g_assert_cmpint(pl_content_get(s, id1, &bytes, &len), ==, PL_OK);
  g_assert_cmpuint(pl_content_count(s), ==, 2);
  g_assert_cmpint(pl_content_remove(s, id1), ==, PL_OK);
  g_assert_cmpint(pl_content_get(s, id1, &bytes, &len), ==, PL_ERR_NOT_FOUND);
  g_assert_cmpint(pl_content_remove(s, id1), ==, PL_ERR_NOT_FOUND);
  g_assert_cmpuint(pl_content_count(s), ==, 1);
  g_assert_cmpuint(pl_content_bytes(s), ==, 5);
  /* The other blob is untouched. */
  g_assert_cmpint(pl_content_get(s, other, &bytes, &len), ==, PL_OK);
  g_assert_cmpmem(bytes, len, "world", 5);
  pl_content_free(s);
}

static void
test_integrity(void)
{
  pl_content *s = pl_content_new(0);
  uint8_t id[PL_ID_BYTES], ok_id[PL_ID_BYTES], empty_id[PL_ID_BYTES];
  const uint8_t *bytes = NULL;
  size_t len = 12345;

  g_assert_cmpint(pl_content_put(s, u8("precious"), 8, id), ==, PL_OK);
  g_assert_cmpint(pl_content_put(s, u8("intact"), 6, ok_id), ==, PL_OK);
  g_assert_cmpint(pl_content_corrupt_for_test(s, id), ==, PL_OK);
  g_assert_cmpint(pl_content_get(s, id, &bytes, &len), ==, PL_ERR_INTEGRITY);
  /* Outputs untouched on error. */
  g_assert_null(bytes);
  g_assert_cmpuint(len, ==, 12345);
  /* Other blobs are still served. */
  g_assert_cmpint(pl_content_get(s, ok_id, &bytes, &len), ==, PL_OK);
  g_assert_cmpmem(bytes, len, "intact", 6);
  /* Flipping the bit back restores it (the hook flips one bit). */
  g_assert_cmpint(pl_content_corrupt_for_test(s, id), ==, PL_OK);
  g_assert_cmpint(pl_content_get(s, id, &bytes, &len), ==, PL_OK);
  g_assert_cmpmem(bytes, len, "precious", 8);

  /* Corrupting what is not there. */
  uint8_t absent[PL_ID_BYTES] = { 0 };
  g_assert_cmpint(pl_content_corrupt_for_test(s, absent), ==, PL_ERR_NOT_FOUND);
  /* The empty blob has no bit to flip. */
  g_assert_cmpint(pl_content_put(s, NULL, 0, empty_id), ==, PL_OK);
  g_assert_cmpint(pl_content_corrupt_for_test(s, empty_id), ==, PL_ERR_INVALID);
  pl_content_free(s);
}

static void
test_not_found(void)
{
  pl_content *s = pl_content_new(0);
  uint8_t id[PL_ID_BYTES];
  const uint8_t *bytes;
  size_t len;

  pl_hash(u8("never stored"), 12, id);
  g_assert_cmpint(pl_content_get(s, id, &bytes, &len), ==, PL_ERR_NOT_FOUND);
  g_assert_cmpint(pl_content_remove(s, id), ==, PL_ERR_NOT_FOUND);
  uint8_t stored[PL_ID_BYTES];
  g_assert_cmpint(pl_content_put(s, u8("stored"), 6, stored), ==, PL_OK);
  g_assert_cmpint(pl_content_get(s, id, &bytes, &len), ==, PL_ERR_NOT_FOUND);
  g_assert_cmpuint(pl_content_count(s), ==, 1);
  pl_content_free(s);
}

static void
test_max_bytes(void)
{
  pl_content *s = pl_content_new(10);
  uint8_t a[PL_ID_BYTES], b[PL_ID_BYTES], c[PL_ID_BYTES], d[PL_ID_BYTES];
  const uint8_t *bytes;
  size_t len;

  g_assert_cmpint(pl_content_put(s, u8("123456"), 6, a), ==, PL_OK);
  g_assert_cmpint(pl_content_put(s, u8("12345"), 5, b), ==, PL_ERR_NOMEM);
  g_assert_cmpint(pl_content_get(s, b, &bytes, &len), ==, PL_ERR_NOT_FOUND);
  g_assert_cmpuint(pl_content_bytes(s), ==, 6);
  /* Exactly filling the bound is allowed. */
  g_assert_cmpint(pl_content_put(s, u8("abcd"), 4, c), ==, PL_OK);
  g_assert_cmpuint(pl_content_bytes(s), ==, 10);
  /* A duplicate costs no bytes, so it is accepted even when full. */
  g_assert_cmpint(pl_content_put(s, u8("abcd"), 4, d), ==, PL_OK);
  g_assert_cmpuint(pl_content_bytes(s), ==, 10);
  /* The empty blob fits even when full. */
  g_assert_cmpint(pl_content_put(s, NULL, 0, d), ==, PL_OK);
  g_assert_cmpint(pl_content_put(s, u8("x"), 1, d), ==, PL_ERR_NOMEM);
  /* Freeing room lets the refused blob in. */
  g_assert_cmpint(pl_content_remove(s, a), ==, PL_OK);
  g_assert_cmpint(pl_content_put(s, u8("12345"), 5, b), ==, PL_OK);
  g_assert_cmpuint(pl_content_bytes(s), ==, 9);
  pl_content_free(s);
}

static int
cmp_id(gconstpointer a, gconstpointer b)
{
  return memcmp(a, b, PL_ID_BYTES);
}

static void
test_id_order(void)
{
  enum { N = 50 };
  pl_content *s = pl_content_new(0);
  uint8_t ids[N][PL_ID_BYTES];

  /* Insert in an order unrelated to the ids, then remove some. */
  for (unsigned i = 0; i < N; i++) {
    char buf[32];
    int n = g_snprintf(buf, sizeof buf, "blob number %u", (i * 17) % N);
    g_assert_cmpint(pl_content_put(s, u8(buf), (size_t)n, ids[i]), ==, PL_OK);
  }
  for (unsigned i = 0; i < N; i += 5)
    g_assert_cmpint(pl_content_remove(s, ids[i]), ==, PL_OK);

  /* Expected: the remaining ids, sorted bytewise. */
  uint8_t want[N][PL_ID_BYTES];
  unsigned n_want = 0;
  for (unsigned i = 0; i < N; i++)
    if (i % 5 != 0)
      memcpy(want[n_want++], ids[i], PL_ID_BYTES);
  qsort(want, n_want, PL_ID_BYTES, cmp_id);

  g_assert_cmpuint(pl_content_count(s), ==, n_want);
  for (unsigned i = 0; i < n_want; i++)
    g_assert_cmpmem(pl_content_id_at(s, i), PL_ID_BYTES, want[i], PL_ID_BYTES);
  pl_content_free(s);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/content/roundtrip", test_roundtrip);
  g_test_add_func("/content/dedup-refcount", test_dedup_refcount);
  g_test_add_func("/content/integrity", test_integrity);
  g_test_add_func("/content/not-found", test_not_found);
  g_test_add_func("/content/max-bytes", test_max_bytes);
  g_test_add_func("/content/id-order", test_id_order);
  return g_test_run();
}
