/*
 * test-trace.c — the trace digest against digests computed independently
 * by a python3 model of the scheme in sim/trace.h:
 *
 *   import hashlib, struct
 *   M = (1 << 64) - 1; M1, M2 = 0x9e3779b97f4a7c15, 0xc2b2ae3d27d4eb4f
 *   LANE0 = [0x7065657266616221, 0x7472616365207632,
 *            0x0123456789abcdef, 0xfedcba9876543210]
 *   rotl = lambda x, r: ((x << r) | (x >> (64 - r))) & M
 *   class T:
 *     def __init__(s): s.l, s.w, s.r = list(LANE0), 0, 0
 *     def add(s, t, src, dst, k, p):
 *       b = struct.pack('<QIIII', t, src, dst, k, len(p)) + p
 *       b += b'\0' * (-len(b) % 8)
 *       for (w,) in struct.iter_unpack('<Q', b):
 *         j = s.w & 3; s.l[j] = (rotl((s.l[j] + w * M2) & M, 31) * M1) & M
 *         s.w += 1
 *       s.r += 1
 *     def hex(s): return hashlib.blake2b(struct.pack('<6Q', *s.l, s.r, s.w),
 *                                        digest_size=32).hexdigest()
 *
 * r1 = (1000000, 1, 2, 3, b'hello'), r2 = (2000000, 2, 1, 4, b''),
 * long = (7, 9, 11, 1, bytes(range(256)) * 2 + b'xyz').
 */
#include <string.h>
#include <glib.h>
#include <sodium.h>

#include "trace.h"

#define EMPTY_HEX "bb3c4d96d8ea005648d78ff11e62dcdbff78fb5a922044b0ef92db8aaa3affc1"
#define R1_HEX "a0f9299f523122796b7a0a93a2e56e744107c535f2b7b50c31bfd33c6942ada1"
#define R1R2_HEX "68374ec066095edc65ce69719a7b61a181dc8f40b54e6c0b5f612ee114934024"
#define R2R1_HEX "70aba7ad195e711286e547cc36a20a5d76fb3a804a4d71d6ba06d4f8cfc99bd6"
#define R1LONGR2_HEX "57ac0af42759fd8a5e8d9427da51abe556b9f49df54462704cc1a8c0a6d9b09e"

static const uint8_t hello[] = { 'h', 'e', 'l', 'l', 'o' };

static void
add_r1(sim_trace *t)
{
  sim_trace_add(t, 1000000, 1, 2, 3, hello, sizeof hello);
}

static void
add_r2(sim_trace *t)
{
  sim_trace_add(t, 2000000, 2, 1, 4, NULL, 0);
}

static void
test_empty(void)
{
  sim_trace t;
  char hex[65];
  sim_trace_init(&t);
  sim_trace_hex(&t, hex);
  g_assert_cmpstr(hex, ==, EMPTY_HEX);
  g_assert_cmpuint(t.records, ==, 0);
}

static void
test_two_records(void)
{
  sim_trace t;
  char hex[65];
  sim_trace_init(&t);
  add_r1(&t);
  add_r2(&t);
  sim_trace_hex(&t, hex);
  g_assert_cmpstr(hex, ==, R1R2_HEX);
  g_assert_cmpuint(t.records, ==, 2);
  g_assert_cmpuint(strlen(hex), ==, 64);
}

static void
test_hex_does_not_disturb(void)
{
  sim_trace t;
  char hex[65];
  sim_trace_init(&t);
  sim_trace_hex(&t, hex);
  g_assert_cmpstr(hex, ==, EMPTY_HEX);
  add_r1(&t);
  sim_trace_hex(&t, hex);
  g_assert_cmpstr(hex, ==, R1_HEX);
  sim_trace_hex(&t, hex); /* twice in a row: same answer */
  g_assert_cmpstr(hex, ==, R1_HEX);
  add_r2(&t);
  sim_trace_hex(&t, hex);
  g_assert_cmpstr(hex, ==, R1R2_HEX);
}

static void
test_order_matters(void)
{
  sim_trace t;
  char hex[65];
  sim_trace_init(&t);
  add_r2(&t);
  add_r1(&t);
  sim_trace_hex(&t, hex);
  g_assert_cmpstr(hex, ==, R2R1_HEX);
  g_assert_cmpstr(hex, !=, R1R2_HEX);

  /* Each field counts: changing any one changes the digest. */
  char base[65], other[65];
  sim_trace_init(&t);
  sim_trace_add(&t, 5, 6, 7, 8, hello, sizeof hello);
  sim_trace_hex(&t, base);
  for (int field = 0; field < 6; field++) {
    sim_trace_init(&t);
    sim_trace_add(&t, 5 + (field == 0), 6 + (field == 1), 7 + (field == 2),
                  8 + (field == 3), hello, sizeof hello - (field == 4));
    if (field == 5) {
      sim_trace_init(&t);
      sim_trace_add(&t, 5, 6, 7, 8, (const uint8_t *)"hellp", 5);
    }
    sim_trace_hex(&t, other);
    g_assert_cmpstr(base, !=, other);
  }
}

/* A payload of 515 bytes starting on the fourth lane: the four-lane fast
 * path, the word-at-a-time rest and the padded tail all agree with the
 * model; flipping any one byte of it changes the digest. */
static void
test_long_payload(void)
{
  uint8_t buf[515];
  for (int i = 0; i < 512; i++)
    buf[i] = (uint8_t)i;
  memcpy(buf + 512, "xyz", 3);
  sim_trace t;
  char hex[65], other[65];
  sim_trace_init(&t);
  add_r1(&t);
  sim_trace_add(&t, 7, 9, 11, 1, buf, sizeof buf);
  add_r2(&t);
  sim_trace_hex(&t, hex);
  g_assert_cmpstr(hex, ==, R1LONGR2_HEX);
  for (size_t i = 0; i < sizeof buf; i += 37) {
    buf[i] ^= 0x40;
    sim_trace_init(&t);
    add_r1(&t);
    sim_trace_add(&t, 7, 9, 11, 1, buf, sizeof buf);
    add_r2(&t);
    sim_trace_hex(&t, other);
    g_assert_cmpstr(hex, !=, other);
    buf[i] ^= 0x40;
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_assert(sodium_init() >= 0);
  g_test_add_func("/trace/empty", test_empty);
  g_test_add_func("/trace/two-records", test_two_records);
  g_test_add_func("/trace/hex-does-not-disturb", test_hex_does_not_disturb);
  g_test_add_func("/trace/order-matters", test_order_matters);
  g_test_add_func("/trace/long-payload", test_long_payload);
  return g_test_run();
}
