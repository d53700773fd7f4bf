/*
 * test-wire.c — registry, strict decoder, encoders, signed envelopes.
 */
#include <string.h>

#include <glib.h>

#include "identity.h"
#include "testutil.h"
#include "wire.h"

static const uint8_t KEY_A[32] = {0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8,
                                  0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0,
                                  0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8,
                                  0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf, 0xc0};
static uint8_t SIG[64];
static uint8_t KEYS3[3 * 32];

static void
init_fixtures(void)
{
  for (int i = 0; i < 64; i++)
    SIG[i] = (uint8_t)(0x40 + i);
  /* Three keys that differ only in their first byte (1, 2, 3). */
  memset(KEYS3, 0x5a, sizeof KEYS3);
  for (int i = 0; i < 3; i++)
    KEYS3[32 * i] = (uint8_t)(i + 1);
}

/* One valid message of each registered type. */
static pl_msg
sample(uint8_t type)
{
  static uint8_t payload[5] = {1, 2, 3, 4, 5};
  pl_msg m;
  memset(&m, 0, sizeof m);
  m.type = type;
  switch (type) {
  case PL_MSG_HELLO:
  case PL_MSG_HELLO_ACK:
    m.u.hello.major = 1;
    m.u.hello.minor = 2;
    m.u.hello.minor_min = 1;
    m.u.hello.features = 0x80000001u;
    m.u.hello.record_seq = UINT64_C(0x0102030405060708);
    m.u.hello.key = KEY_A;
    m.u.hello.sig = SIG;
    break;
  case PL_MSG_PING:
  case PL_MSG_PONG:
    m.u.ping.nonce = 7;
    m.u.ping.sent_at_ns = UINT64_C(123456789);
    break;
  case PL_MSG_PEERS_REQ:
    m.u.peers_req.max = 16;
    break;
  case PL_MSG_PEERS:
    m.u.peers.count = 3;
    m.u.peers.keys = KEYS3;
    break;
  case PL_MSG_GOODBYE:
    m.u.goodbye.reason = PL_BYE_TIMEOUT;
    break;
  case PL_MSG_SIGNED:
    m.u.envelope.signer = KEY_A;
    m.u.envelope.seq = 42;
    m.u.envelope.timestamp_ns = UINT64_C(9000000000);
    m.u.envelope.inner_type = 0x21;
    m.u.envelope.payload_len = sizeof payload;
    m.u.envelope.payload = payload;
    m.u.envelope.sig = SIG;
    break;
  default:
    /* Another layer's message: an opaque body (its layer decodes it). */
    m.u.raw.body = payload;
    m.u.raw.len = sizeof payload;
    break;
  }
  return m;
}

static int
encode_sample(uint8_t type, uint8_t *buf, size_t cap)
{
  pl_msg m = sample(type);
  int n = pl_wire_encode(&m, buf, cap);
  g_assert_cmpint(n, >, 0);
  return n;
}

static void
assert_same(const pl_msg *a, const pl_msg *b)
{
  g_assert_cmpuint(a->type, ==, b->type);
  switch (a->type) {
  case PL_MSG_HELLO:
  case PL_MSG_HELLO_ACK:
    g_assert_cmpuint(a->u.hello.major, ==, b->u.hello.major);
    g_assert_cmpuint(a->u.hello.minor, ==, b->u.hello.minor);
    g_assert_cmpuint(a->u.hello.minor_min, ==, b->u.hello.minor_min);
    g_assert_cmphex(a->u.hello.features, ==, b->u.hello.features);
    g_assert_cmpuint(a->u.hello.record_seq, ==, b->u.hello.record_seq);
    g_assert_cmpmem(a->u.hello.key, 32, b->u.hello.key, 32);
    g_assert_cmpmem(a->u.hello.sig, 64, b->u.hello.sig, 64);
    break;
  case PL_MSG_PING:
  case PL_MSG_PONG:
    g_assert_cmpuint(a->u.ping.nonce, ==, b->u.ping.nonce);
    g_assert_cmpuint(a->u.ping.sent_at_ns, ==, b->u.ping.sent_at_ns);
    break;
  case PL_MSG_PEERS_REQ:
    g_assert_cmpuint(a->u.peers_req.max, ==, b->u.peers_req.max);
    break;
  case PL_MSG_PEERS:
    g_assert_cmpuint(a->u.peers.count, ==, b->u.peers.count);
    g_assert_cmpmem(a->u.peers.keys, 32u * a->u.peers.count, b->u.peers.keys,
                    32u * b->u.peers.count);
    break;
  case PL_MSG_GOODBYE:
    g_assert_cmpuint(a->u.goodbye.reason, ==, b->u.goodbye.reason);
    break;
  case PL_MSG_SIGNED:
    g_assert_cmpmem(a->u.envelope.signer, 32, b->u.envelope.signer, 32);
    g_assert_cmpuint(a->u.envelope.seq, ==, b->u.envelope.seq);
    g_assert_cmpuint(a->u.envelope.timestamp_ns, ==, b->u.envelope.timestamp_ns);
    g_assert_cmpuint(a->u.envelope.inner_type, ==, b->u.envelope.inner_type);
    g_assert_cmpmem(a->u.envelope.payload, a->u.envelope.payload_len, b->u.envelope.payload,
                    b->u.envelope.payload_len);
    g_assert_cmpmem(a->u.envelope.sig, 64, b->u.envelope.sig, 64);
    break;
  default:
    g_assert_cmpmem(a->u.raw.body, a->u.raw.len, b->u.raw.body, b->u.raw.len);
    break;
  }
}

/* ------------------------------------------------------------------ tests */

static void
test_registry(void)
{
  size_t n;
  const pl_msg_spec *reg = pl_wire_registry(&n);
  size_t n_core = 0;
  for (size_t i = 0; i < n; i++)
    n_core += (reg[i].flags & PL_WIRE_F_CORE) != 0;
  g_assert_cmpuint(n_core, ==, 8); /* other layers' rows are tested with their layer */
  for (size_t i = 0; i < n; i++) {
    /* Sorted, inside the owning layer's range, findable, sized. */
    if (i > 0)
      g_assert_cmpuint(reg[i - 1].type, <, reg[i].type);
    g_assert_cmpuint(reg[i].type / PL_WIRE_LAYER_RANGE, ==, reg[i].layer);
    g_assert_cmpuint(reg[i].type, !=, 0);
    g_assert_true(pl_wire_spec(reg[i].type) == &reg[i]);
    g_assert_cmpuint(reg[i].max_bytes, >=, PL_WIRE_HEADER_BYTES);
    g_assert_nonnull(reg[i].name);
    /* Envelope-only types live outside the peer layer. */
    if (reg[i].flags & PL_WIRE_F_ENVELOPE)
      g_assert_cmpuint(reg[i].layer, !=, PL_LAYER_PEER);
  }
  g_assert_null(pl_wire_spec(0x00));
  g_assert_null(pl_wire_spec(0x09));
  g_assert_null(pl_wire_spec(0xff));
  g_assert_cmpstr(pl_wire_type_name(PL_MSG_PEERS_REQ), ==, "PEERS_REQ");
  g_assert_cmpstr(pl_wire_type_name(0x77), ==, "unknown");
  g_assert_cmpuint(pl_wire_spec(PL_MSG_PING)->flags & PL_WIRE_F_SESSION, !=, 0);
  g_assert_cmpuint(pl_wire_spec(PL_MSG_HELLO)->flags & PL_WIRE_F_SESSION, ==, 0);
  g_assert_cmpuint(pl_wire_spec(PL_MSG_HELLO)->flags & PL_WIRE_F_SIGNED, !=, 0);
  g_assert_cmpuint(pl_wire_spec(PL_MSG_PEERS)->max_bytes, ==, 3 + 32 * 32);
  g_assert_cmpuint(pl_wire_spec(PL_MSG_SIGNED)->max_bytes, ==, PL_WIRE_MAX_BYTES);
}

static void
test_round_trip(void)
{
  size_t n_reg;
  const pl_msg_spec *reg = pl_wire_registry(&n_reg);
  for (size_t i = 0; i < n_reg; i++) {
    if (!(reg[i].flags & PL_WIRE_F_CORE))
      continue; /* decoded by its layer (e.g. test-kad.c) */
    uint8_t buf[PL_WIRE_MAX_BYTES];
    pl_msg m = sample(reg[i].type), d;
    int n = pl_wire_encode(&m, buf, sizeof buf);
    g_assert_cmpint(n, >, 0);
    g_assert_cmpuint((unsigned)n, <=, reg[i].max_bytes);
    g_assert_cmpuint(buf[0], ==, PL_WIRE_VERSION);
    g_assert_cmpuint(buf[1], ==, reg[i].type);
    g_assert_cmpint(pl_wire_decode(buf, (size_t)n, &d), ==, PL_OK);
    assert_same(&m, &d);
    g_assert_true(d.frame == buf);
    g_assert_cmpuint(d.frame_len, ==, (size_t)n);
    /* Re-encoding the decoded message gives the same bytes. */
    uint8_t again[PL_WIRE_MAX_BYTES];
    g_assert_cmpint(pl_wire_encode(&d, again, sizeof again), ==, n);
    g_assert_cmpmem(buf, (size_t)n, again, (size_t)n);
  }
}

static void
test_known_bytes(void)
{
  uint8_t buf[64];
  pl_msg m = sample(PL_MSG_PING);
  int n = pl_wire_encode(&m, buf, sizeof buf);
  uint8_t want[18];
  tu_hex_decode("0103" "0000000000000007" "00000000075bcd15", want, sizeof want);
  g_assert_cmpint(n, ==, 18);
  g_assert_cmpmem(buf, 18, want, 18);

  m = sample(PL_MSG_HELLO);
  n = pl_wire_encode(&m, buf, sizeof buf);
  g_assert_cmpint(n, ==, PL_ERR_BUFFER); /* 113 > 64 */
  uint8_t hello[PL_WIRE_HELLO_BYTES];
  n = pl_wire_encode(&m, hello, sizeof hello);
  g_assert_cmpint(n, ==, 113);
  g_assert_cmpint(PL_WIRE_HELLO_BYTES, ==, 113);
  uint8_t head[17];
  tu_hex_decode("0101" "010201" "80000001" "0102030405060708", head, sizeof head);
  g_assert_cmpmem(hello, 17, head, 17);
  g_assert_cmpmem(hello + 17, 32, KEY_A, 32);
  /* The record is bytes 2..48; the signature follows it. */
  g_assert_cmpint(PL_WIRE_RECORD_OFFSET + PL_WIRE_RECORD_BYTES, ==, 49);
  g_assert_cmpmem(hello + PL_WIRE_RECORD_OFFSET + PL_WIRE_RECORD_BYTES, 64, SIG, 64);
  m = sample(PL_MSG_HELLO_ACK);
  uint8_t ack[PL_WIRE_HELLO_BYTES];
  g_assert_cmpint(pl_wire_encode(&m, ack, sizeof ack), ==, 113);
  g_assert_cmpuint(ack[1], ==, PL_MSG_HELLO_ACK);
  g_assert_cmpmem(ack + 2, 111, hello + 2, 111); /* same record, same signature */

  m = sample(PL_MSG_PEERS);
  uint8_t peers[200];
  g_assert_cmpint(pl_wire_encode(&m, peers, sizeof peers), ==, 3 + 96);
  g_assert_cmpuint(peers[2], ==, 3);
}

static void
test_encode_errors(void)
{
  uint8_t buf[PL_WIRE_MAX_BYTES];
  size_t n_reg;
  const pl_msg_spec *reg = pl_wire_registry(&n_reg);
  for (size_t i = 0; i < n_reg; i++) {
    if (!(reg[i].flags & PL_WIRE_F_CORE))
      continue;
    int n = encode_sample(reg[i].type, buf, sizeof buf);
    pl_msg m = sample(reg[i].type);
    for (int cap = 0; cap < n; cap++)
      g_assert_cmpint(pl_wire_encode(&m, buf, (size_t)cap), ==, PL_ERR_BUFFER);
  }
  pl_msg m = sample(PL_MSG_HELLO);
  m.u.hello.minor_min = 3;
  g_assert_cmpint(pl_wire_encode(&m, buf, sizeof buf), ==, PL_ERR_INVALID);
  m = sample(PL_MSG_PEERS_REQ);
  m.u.peers_req.max = 0;
  g_assert_cmpint(pl_wire_encode(&m, buf, sizeof buf), ==, PL_ERR_INVALID);
  m.u.peers_req.max = 33;
  g_assert_cmpint(pl_wire_encode(&m, buf, sizeof buf), ==, PL_ERR_INVALID);
  m = sample(PL_MSG_PEERS);
  m.u.peers.count = 33;
  g_assert_cmpint(pl_wire_encode(&m, buf, sizeof buf), ==, PL_ERR_INVALID);
  uint8_t dup[64];
  memset(dup, 7, sizeof dup);
  m.u.peers.count = 2;
  m.u.peers.keys = dup;
  g_assert_cmpint(pl_wire_encode(&m, buf, sizeof buf), ==, PL_ERR_INVALID);
  m = sample(PL_MSG_GOODBYE);
  m.u.goodbye.reason = PL_BYE_REASON_COUNT;
  g_assert_cmpint(pl_wire_encode(&m, buf, sizeof buf), ==, PL_ERR_INVALID);
  m = sample(PL_MSG_SIGNED);
  m.u.envelope.seq = 0;
  g_assert_cmpint(pl_wire_encode(&m, buf, sizeof buf), ==, PL_ERR_INVALID);
  m = sample(PL_MSG_SIGNED);
  m.u.envelope.inner_type = PL_MSG_PING;
  g_assert_cmpint(pl_wire_encode(&m, buf, sizeof buf), ==, PL_ERR_INVALID);
  m = sample(PL_MSG_SIGNED);
  m.u.envelope.payload_len = PL_WIRE_PAYLOAD_MAX + 1;
  g_assert_cmpint(pl_wire_encode(&m, buf, sizeof buf), ==, PL_ERR_INVALID);
  m.type = 0x99;
  g_assert_cmpint(pl_wire_encode(&m, buf, sizeof buf), ==, PL_ERR_INVALID);
}

/* A malformed input and the exact reason it must be refused for. */
typedef struct bad_case {
  const char *name;
  uint8_t base;      /* start from this type's sample encoding (0: none) */
  int offset;        /* byte to overwrite (-1: none) */
  uint8_t value;     /* value written there */
  int new_len;       /* >= 0: cut/extend to this length (extension is zeros) */
  int expect;        /* the reason */
} bad_case;

static void
test_malformed_table(void)
{
  /* Offsets: HELLO major 2, minor 3, minor_min 4; PEERS_REQ max 2; PEERS
   * count 2; GOODBYE reason 2; SIGNED seq 34..41, inner 50, len 51..52. */
  static const bad_case cases[] = {
    {"empty", 0, -1, 0, 0, PL_ERR_TRUNCATED},
    {"version only", PL_MSG_PING, -1, 0, 1, PL_ERR_TRUNCATED},
    {"wire version 0", PL_MSG_PING, 0, 0, -1, PL_ERR_WIRE_VERSION},
    {"wire version 2", PL_MSG_PING, 0, 2, -1, PL_ERR_WIRE_VERSION},
    {"wire version 2, short", PL_MSG_PING, 0, 2, 1, PL_ERR_WIRE_VERSION},
    {"type 0", PL_MSG_PING, 1, 0x00, -1, PL_ERR_UNKNOWN_TYPE},
    {"type 0x09", PL_MSG_PING, 1, 0x09, -1, PL_ERR_UNKNOWN_TYPE},
    {"type 0x2e unregistered", PL_MSG_PING, 1, 0x2e, -1, PL_ERR_UNKNOWN_TYPE},
    {"type 0xff", PL_MSG_PING, 1, 0xff, -1, PL_ERR_UNKNOWN_TYPE},
    {"ping trailing", PL_MSG_PING, -1, 0, 19, PL_ERR_TRAILING},
    {"hello trailing", PL_MSG_HELLO, -1, 0, 114, PL_ERR_TRAILING},
    {"hello short by one", PL_MSG_HELLO, -1, 0, 112, PL_ERR_TRUNCATED},
    {"hello cut in record_seq", PL_MSG_HELLO, -1, 0, 12, PL_ERR_TRUNCATED},
    {"hello cut in key", PL_MSG_HELLO, -1, 0, 40, PL_ERR_TRUNCATED},
    {"hello major 0, short", PL_MSG_HELLO, 2, 0, 3, PL_ERR_BAD_FIELD},
    {"hello_ack major 0", PL_MSG_HELLO_ACK, 2, 0, -1, PL_ERR_BAD_FIELD},
    {"hello_ack trailing", PL_MSG_HELLO_ACK, -1, 0, 114, PL_ERR_TRAILING},
    {"hello major 0", PL_MSG_HELLO, 2, 0, -1, PL_ERR_BAD_FIELD},
    {"hello minor_min > minor", PL_MSG_HELLO, 4, 3, -1, PL_ERR_BAD_FIELD},
    {"hello_ack minor_min > minor", PL_MSG_HELLO_ACK, 3, 0, -1, PL_ERR_BAD_FIELD},
    {"peers_req max 0", PL_MSG_PEERS_REQ, 2, 0, -1, PL_ERR_BAD_FIELD},
    {"peers_req max 33", PL_MSG_PEERS_REQ, 2, 33, -1, PL_ERR_OVERLONG},
    {"peers_req max 255", PL_MSG_PEERS_REQ, 2, 255, -1, PL_ERR_OVERLONG},
    {"peers_req trailing", PL_MSG_PEERS_REQ, -1, 0, 4, PL_ERR_TRAILING},
    {"peers count 33", PL_MSG_PEERS, 2, 33, -1, PL_ERR_OVERLONG},
    {"peers count 255", PL_MSG_PEERS, 2, 255, -1, PL_ERR_OVERLONG},
    {"peers count 4 of 3", PL_MSG_PEERS, 2, 4, -1, PL_ERR_TRUNCATED},
    {"peers count 2 of 3", PL_MSG_PEERS, 2, 2, -1, PL_ERR_TRAILING},
    {"peers duplicate key", PL_MSG_PEERS, 3 + 32, 0x01, -1, PL_ERR_BAD_FIELD},
    {"peers duplicate key 3", PL_MSG_PEERS, 3 + 64, 0x02, -1, PL_ERR_BAD_FIELD},
    {"goodbye reason 6", PL_MSG_GOODBYE, 2, PL_BYE_REASON_COUNT, -1, PL_ERR_BAD_FIELD},
    {"goodbye reason 255", PL_MSG_GOODBYE, 2, 255, -1, PL_ERR_BAD_FIELD},
    {"goodbye trailing", PL_MSG_GOODBYE, -1, 0, 4, PL_ERR_TRAILING},
    {"signed seq 0", PL_MSG_SIGNED, 41, 0, -1, PL_ERR_BAD_FIELD},
    {"signed inner 0", PL_MSG_SIGNED, 50, 0x00, -1, PL_ERR_BAD_FIELD},
    {"signed inner PING", PL_MSG_SIGNED, 50, PL_MSG_PING, -1, PL_ERR_BAD_FIELD},
    {"signed inner SIGNED", PL_MSG_SIGNED, 50, PL_MSG_SIGNED, -1, PL_ERR_BAD_FIELD},
    {"signed payload over limit", PL_MSG_SIGNED, 51, 0x10, -1, PL_ERR_OVERLONG},
    {"signed payload 0xffff", PL_MSG_SIGNED, 51, 0xff, -1, PL_ERR_OVERLONG},
    {"signed payload len +1", PL_MSG_SIGNED, 52, 6, -1, PL_ERR_TRUNCATED},
    {"signed payload len -1", PL_MSG_SIGNED, 52, 4, -1, PL_ERR_TRAILING},
    {"signed trailing", PL_MSG_SIGNED, -1, 0, 123, PL_ERR_TRAILING},
  };
  for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
    const bad_case *bc = &cases[c];
    uint8_t buf[PL_WIRE_MAX_BYTES + 8];
    memset(buf, 0, sizeof buf);
    size_t len = 0;
    if (bc->base != 0)
      len = (size_t)encode_sample(bc->base, buf, sizeof buf);
    if (bc->offset >= 0)
      buf[bc->offset] = bc->value;
    if (bc->new_len >= 0)
      len = (size_t)bc->new_len;
    pl_msg m;
    int rc = pl_wire_decode(buf, len, &m);
    if (rc != bc->expect)
      g_error("case '%s': got %s, want %s", bc->name, pl_strerror(rc), pl_strerror(bc->expect));
  }
}

static void
test_truncated_everywhere(void)
{
  size_t n_reg;
  const pl_msg_spec *reg = pl_wire_registry(&n_reg);
  for (size_t i = 0; i < n_reg; i++) {
    uint8_t buf[PL_WIRE_MAX_BYTES + 1];
    int n = encode_sample(reg[i].type, buf, sizeof buf);
    pl_msg m;
    /* Another layer's body is opaque here (its layer checks it): only
     * the header can be truncated, and no byte is trailing. */
    bool opaque = !(reg[i].flags & PL_WIRE_F_CORE);
    for (int cut = 0; cut < (opaque ? PL_WIRE_HEADER_BYTES : n); cut++)
      g_assert_cmpint(pl_wire_decode(buf, (size_t)cut, &m), ==, PL_ERR_TRUNCATED);
    g_assert_cmpint(pl_wire_decode(buf, (size_t)n, &m), ==, PL_OK);
    if (opaque)
      continue;
    /* One trailing byte of any value. */
    for (int v = 0; v < 256; v += 85) {
      buf[n] = (uint8_t)v;
      g_assert_cmpint(pl_wire_decode(buf, (size_t)n + 1, &m), ==, PL_ERR_TRAILING);
    }
  }
}

static void
test_peers_limits(void)
{
  uint8_t keys[32 * 32];
  for (int i = 0; i < 32; i++)
    memset(keys + 32 * i, i + 1, 32);
  pl_msg m = {.type = PL_MSG_PEERS};
  m.u.peers.count = 32;
  m.u.peers.keys = keys;
  uint8_t buf[PL_WIRE_PEERS_BYTES(32) + 32];
  int n = pl_wire_encode(&m, buf, sizeof buf);
  g_assert_cmpint(n, ==, 3 + 32 * 32);
  pl_msg d;
  g_assert_cmpint(pl_wire_decode(buf, (size_t)n, &d), ==, PL_OK);
  g_assert_cmpuint(d.u.peers.count, ==, 32);
  g_assert_true(d.u.peers.keys == buf + 3); /* points into the input */
  /* An empty answer is valid. */
  m.u.peers.count = 0;
  n = pl_wire_encode(&m, buf, sizeof buf);
  g_assert_cmpint(n, ==, 3);
  g_assert_cmpint(pl_wire_decode(buf, 3, &d), ==, PL_OK);
  g_assert_cmpuint(d.u.peers.count, ==, 0);
  /* Count 33 with 33 keys present is overlong, not trailing. */
  uint8_t big[3 + 33 * 32];
  big[0] = 1;
  big[1] = PL_MSG_PEERS;
  big[2] = 33;
  for (int i = 0; i < 33; i++)
    memset(big + 3 + 32 * i, i + 1, 32);
  g_assert_cmpint(pl_wire_decode(big, sizeof big, &d), ==, PL_ERR_OVERLONG);
}

static void
test_envelope_limits(void)
{
  static uint8_t seed[32] = {9};
  uint8_t key[32];
  pl_identity_from_seed(seed, key, NULL);
  static uint8_t payload[PL_WIRE_PAYLOAD_MAX + 1];
  static uint8_t buf[PL_WIRE_MAX_BYTES + 64];
  int n = pl_envelope_seal(buf, sizeof buf, seed, key, 1, 0, 0x30, payload, PL_WIRE_PAYLOAD_MAX);
  g_assert_cmpint(n, ==, PL_WIRE_MAX_BYTES);
  pl_msg m;
  g_assert_cmpint(pl_wire_decode(buf, (size_t)n, &m), ==, PL_OK);
  g_assert_cmpuint(m.u.envelope.payload_len, ==, PL_WIRE_PAYLOAD_MAX);
  g_assert_cmpint(pl_envelope_seal(buf, sizeof buf, seed, key, 1, 0, 0x30, payload,
                                   PL_WIRE_PAYLOAD_MAX + 1),
                  ==, PL_ERR_INVALID);
  g_assert_cmpint(pl_envelope_seal(buf, sizeof buf, seed, key, 0, 0, 0x30, payload, 1), ==,
                  PL_ERR_INVALID);
  g_assert_cmpint(pl_envelope_seal(buf, sizeof buf, seed, key, 1, 0, PL_MSG_GOODBYE, payload, 1),
                  ==, PL_ERR_INVALID);
  g_assert_cmpint(pl_envelope_seal(buf, 100, seed, key, 1, 0, 0x30, payload, 1), ==,
                  PL_ERR_BUFFER);
  /* Hand-built oversized envelope: length field 4097 with 4097 bytes. */
  buf[51] = (uint8_t)((PL_WIRE_PAYLOAD_MAX + 1) >> 8);
  buf[52] = (uint8_t)(PL_WIRE_PAYLOAD_MAX + 1);
  g_assert_cmpint(pl_wire_decode(buf, (size_t)n + 1, &m), ==, PL_ERR_OVERLONG);
}

static void
test_envelope_seal_open(void)
{
  static const uint8_t seed_a[32] = {1, 2, 3};
  static const uint8_t seed_b[32] = {4, 5, 6};
  uint8_t key_a[32], key_b[32];
  pl_identity_from_seed(seed_a, key_a, NULL);
  pl_identity_from_seed(seed_b, key_b, NULL);
  pl_env env;
  memset(&env, 0, sizeof env);
  const uint8_t payload[] = "compute offer #1";
  uint8_t buf[512];
  int n = pl_envelope_seal(buf, sizeof buf, seed_a, key_a, 77, UINT64_C(1000000000), 0x41,
                           payload, sizeof payload);
  g_assert_cmpint(n, ==, PL_WIRE_ENVELOPE_OVERHEAD + (int)sizeof payload);
  pl_msg m;
  g_assert_cmpint(pl_envelope_open(&env, buf, (size_t)n, &m), ==, PL_OK);
  g_assert_cmpmem(m.u.envelope.signer, 32, key_a, 32);
  g_assert_cmpuint(m.u.envelope.seq, ==, 77);
  g_assert_cmpuint(m.u.envelope.timestamp_ns, ==, UINT64_C(1000000000));
  g_assert_cmpuint(m.u.envelope.inner_type, ==, 0x41);
  g_assert_cmpmem(m.u.envelope.payload, m.u.envelope.payload_len, payload, sizeof payload);

  /* Flipping any single bit of the signed part or the signature is caught:
   * either the decoder refuses the bytes or the signature fails. */
  for (int i = 0; i < n; i++) {
    for (int bit = 0; bit < 8; bit += 3) {
      uint8_t t[512];
      memcpy(t, buf, (size_t)n);
      t[i] ^= (uint8_t)(1u << bit);
      int rc = pl_envelope_open(&env, t, (size_t)n, &m);
      g_assert_cmpint(rc, !=, PL_OK);
      if (i >= 2 && i < 2 + 48) /* signer, seq (77: never 0), timestamp */
        g_assert_cmpint(rc, ==, PL_ERR_BAD_SIGNATURE);
      if (i >= 2 + 51) /* payload, signature */
        g_assert_cmpint(rc, ==, PL_ERR_BAD_SIGNATURE);
    }
  }
  /* Re-signed by another key but claiming A as signer. */
  uint8_t forged[512];
  memcpy(forged, buf, (size_t)n);
  int m2 = pl_envelope_seal(forged, sizeof forged, seed_b, key_b, 77, UINT64_C(1000000000), 0x41,
                            payload, sizeof payload);
  g_assert_cmpint(m2, ==, n);
  memcpy(forged + 2, key_a, 32);
  g_assert_cmpint(pl_envelope_open(&env, forged, (size_t)n, &m), ==, PL_ERR_BAD_SIGNATURE);
  /* A valid non-envelope is not an envelope. */
  uint8_t ping[32];
  int pn = encode_sample(PL_MSG_PING, ping, sizeof ping);
  g_assert_cmpint(pl_envelope_open(&env, ping, (size_t)pn, &m), ==, PL_ERR_UNEXPECTED);
  g_assert_cmpint(pl_envelope_open(&env, ping, 3, &m), ==, PL_ERR_TRUNCATED);
  /* Empty payload is fine. */
  n = pl_envelope_seal(buf, sizeof buf, seed_b, key_b, 1, 0, 0x10, NULL, 0);
  g_assert_cmpint(n, ==, PL_WIRE_ENVELOPE_OVERHEAD);
  g_assert_cmpint(pl_envelope_open(&env, buf, (size_t)n, &m), ==, PL_OK);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  init_fixtures();
  g_test_add_func("/wire/registry", test_registry);
  g_test_add_func("/wire/round-trip", test_round_trip);
  g_test_add_func("/wire/known-bytes", test_known_bytes);
  g_test_add_func("/wire/encode-errors", test_encode_errors);
  g_test_add_func("/wire/malformed-table", test_malformed_table);
  g_test_add_func("/wire/truncated-everywhere", test_truncated_everywhere);
  g_test_add_func("/wire/peers-limits", test_peers_limits);
  g_test_add_func("/wire/envelope-limits", test_envelope_limits);
  g_test_add_func("/wire/envelope-seal-open", test_envelope_seal_open);
  return g_test_run();
}
