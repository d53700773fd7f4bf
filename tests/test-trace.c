/*
 * test-trace.c — the trace digest against digests computed independently
 * with python3:
 *
 *   import hashlib, struct
 *   rec = lambda t, s, d, k, p: struct.pack('<QIIII', t, s, d, k, len(p)) + p
 *   r1 = rec(1000000, 1, 2, 3, b'hello'); r2 = rec(2000000, 2, 1, 4, b'')
 *   hashlib.blake2b(r1 + r2, digest_size=32).hexdigest()
 */
#include <string.h>
#include <glib.h>
#include <sodium.h>

#include "trace.h"

#define EMPTY_HEX "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
#define R1_HEX "3026fcf7dd7a5f3a01638404c16c95ab2472558f56175e38fe673fe7e2bc5fbb"
#define R1R2_HEX "68c110ff5dda126ac027a4b29c48c95a044409e313d4f8007476998023f40981"
#define R2R1_HEX "69688d4cd7cdab2bd2b417930ca14b1c4d8e965af44d0de673aadc0f89eb9e7b"

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

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_assert(sodium_init() >= 0);
  g_test_add_func("/trace/empty", test_empty);
  g_test_add_func("/trace/two-records", test_two_records);
  g_test_add_func("/trace/hex-does-not-disturb", test_hex_does_not_disturb);
  g_test_add_func("/trace/order-matters", test_order_matters);
  return g_test_run();
}
