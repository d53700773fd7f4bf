/*
 * test-identity.c — Ed25519 identities, hashing, node ids, and the core's
 * error and metric names (core/identity.c, core/metric.c).
 *
 * Known answers: RFC 8032 section 7.1 (Ed25519 TEST 1-3) and BLAKE2b-256 of
 * "" and "abc" (checked against Python's hashlib.blake2b(digest_size=32)).
 */
#include <glib.h>
#include <string.h>

#include "identity.h"
#include "pl.h"
#include "sigcache.h"
#include "testutil.h"

typedef struct rfc8032_vector {
  const char *name;   /* RFC 8032 test name */
  const char *seed;   /* SECRET KEY, hex */
  const char *key;    /* PUBLIC KEY, hex */
  const char *msg;    /* MESSAGE, hex */
  const char *sig;    /* SIGNATURE, hex */
} rfc8032_vector;

static const rfc8032_vector vectors[] = {
  { "TEST 1",
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    "",
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
  { "TEST 2",
    "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    "72",
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
  { "TEST 3",
    "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
    "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
    "af82",
    "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
    "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a" },
};

typedef struct decoded {
  uint8_t seed[PL_SEED_BYTES];
  uint8_t key[PL_KEY_BYTES];
  uint8_t msg[8];
  size_t len;
  uint8_t sig[PL_SIG_BYTES];
} decoded;

static void
decode(const rfc8032_vector *v, decoded *d)
{
  tu_hex_decode(v->seed, d->seed, sizeof d->seed);
  tu_hex_decode(v->key, d->key, sizeof d->key);
  d->len = strlen(v->msg) / 2;
  g_assert_cmpuint(d->len, <=, sizeof d->msg);
  tu_hex_decode(v->msg, d->msg, d->len);
  tu_hex_decode(v->sig, d->sig, sizeof d->sig);
}

static void
test_rfc8032_keys(void)
{
  for (size_t i = 0; i < G_N_ELEMENTS(vectors); i++) {
    decoded d;
    uint8_t key[PL_KEY_BYTES], id[PL_ID_BYTES], want_id[PL_ID_BYTES];
    decode(&vectors[i], &d);
    pl_identity_from_seed(d.seed, key, id);
    g_assert_cmpmem(key, sizeof key, d.key, sizeof d.key);
    pl_hash(d.key, sizeof d.key, want_id);
    g_assert_cmpmem(id, sizeof id, want_id, sizeof want_id);
    /* Either output may be NULL. */
    memset(key, 0, sizeof key);
    pl_identity_from_seed(d.seed, key, NULL);
    g_assert_cmpmem(key, sizeof key, d.key, sizeof d.key);
    memset(id, 0, sizeof id);
    pl_identity_from_seed(d.seed, NULL, id);
    g_assert_cmpmem(id, sizeof id, want_id, sizeof want_id);
  }
}

static void
test_rfc8032_sign(void)
{
  for (size_t i = 0; i < G_N_ELEMENTS(vectors); i++) {
    decoded d;
    uint8_t sig[PL_SIG_BYTES];
    decode(&vectors[i], &d);
    /* TEST 1 signs the empty message; pass NULL to exercise that path. */
    pl_sign_raw(d.seed, d.key, d.len ? d.msg : NULL, d.len, sig);
    g_assert_cmpmem(sig, sizeof sig, d.sig, sizeof d.sig);
  }
}

static void
test_rfc8032_verify(void)
{
  for (size_t i = 0; i < G_N_ELEMENTS(vectors); i++) {
    decoded d;
    decode(&vectors[i], &d);
    g_assert_cmpint(pl_verify_raw(d.key, d.msg, d.len, d.sig), ==, PL_OK);
    g_assert_cmpint(pl_verify_env(NULL, d.key, d.msg, d.len, d.sig), ==, PL_OK);
  }
}

static void
test_reject_tampered(void)
{
  for (size_t i = 0; i < G_N_ELEMENTS(vectors); i++) {
    decoded d, other;
    decode(&vectors[i], &d);
    decode(&vectors[(i + 1) % G_N_ELEMENTS(vectors)], &other);

    /* Every single-bit flip of the signature is rejected (spot check
     * first, middle and last byte, both halves R and S). */
    static const size_t at[] = { 0, 31, 32, 63 };
    for (size_t j = 0; j < G_N_ELEMENTS(at); j++) {
      uint8_t sig[PL_SIG_BYTES];
      memcpy(sig, d.sig, sizeof sig);
      sig[at[j]] ^= 0x01;
      g_assert_cmpint(pl_verify_raw(d.key, d.msg, d.len, sig), ==,
                      PL_ERR_BAD_SIGNATURE);
    }
    /* Wrong key. */
    g_assert_cmpint(pl_verify_raw(other.key, d.msg, d.len, d.sig), ==,
                    PL_ERR_BAD_SIGNATURE);
    /* Message one byte longer. */
    uint8_t longer[9] = { 0 };
    memcpy(longer, d.msg, d.len);
    g_assert_cmpint(pl_verify_raw(d.key, longer, d.len + 1, d.sig), ==,
                    PL_ERR_BAD_SIGNATURE);
    /* Message bit flipped (not for the empty message). */
    if (d.len) {
      uint8_t msg[8];
      memcpy(msg, d.msg, d.len);
      msg[d.len - 1] ^= 0x80;
      g_assert_cmpint(pl_verify_raw(d.key, msg, d.len, d.sig), ==,
                      PL_ERR_BAD_SIGNATURE);
    }
  }

  /* A key that is not a valid curve point: y = 2^255 - 10 is not
   * canonical (>= p).  Must be a clean rejection, never a crash. */
  uint8_t bad_key[PL_KEY_BYTES];
  memset(bad_key, 0xff, sizeof bad_key);
  bad_key[0] = 0xf6;
  bad_key[31] = 0x7f;
  decoded d;
  decode(&vectors[0], &d);
  g_assert_cmpint(pl_verify_raw(bad_key, d.msg, d.len, d.sig), ==, PL_ERR_BAD_SIGNATURE);
  /* All-zero signature and key. */
  uint8_t zero_sig[PL_SIG_BYTES] = { 0 }, zero_key[PL_KEY_BYTES] = { 0 };
  g_assert_cmpint(pl_verify_raw(d.key, d.msg, d.len, zero_sig), ==, PL_ERR_BAD_SIGNATURE);
  g_assert_cmpint(pl_verify_raw(zero_key, d.msg, d.len, zero_sig), ==,
                  PL_ERR_BAD_SIGNATURE);
}

static void
test_sign_roundtrip(void)
{
  /* A seed of our own, a longer message: sign, verify, and determinism
   * (Ed25519 signatures are deterministic). */
  uint8_t seed[PL_SEED_BYTES], key[PL_KEY_BYTES];
  uint8_t msg[1000], sig1[PL_SIG_BYTES], sig2[PL_SIG_BYTES];
  for (size_t i = 0; i < sizeof seed; i++)
    seed[i] = (uint8_t)(i * 7 + 1);
  for (size_t i = 0; i < sizeof msg; i++)
    msg[i] = (uint8_t)(i ^ (i >> 3));
  pl_identity_from_seed(seed, key, NULL);
  pl_sign_raw(seed, key, msg, sizeof msg, sig1);
  pl_sign_raw(seed, key, msg, sizeof msg, sig2);
  g_assert_cmpmem(sig1, sizeof sig1, sig2, sizeof sig2);
  g_assert_cmpint(pl_verify_raw(key, msg, sizeof msg, sig1), ==, PL_OK);
  msg[500] ^= 0x10;
  g_assert_cmpint(pl_verify_raw(key, msg, sizeof msg, sig1), ==, PL_ERR_BAD_SIGNATURE);
}

static void
test_blake2b(void)
{
  uint8_t out[PL_ID_BYTES], want[PL_ID_BYTES];

  /* hashlib.blake2b(b'', digest_size=32) */
  tu_hex_decode("0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8",
                want, sizeof want);
  pl_hash(NULL, 0, out);
  g_assert_cmpmem(out, sizeof out, want, sizeof want);
  pl_hash((const uint8_t *)"", 0, out);
  g_assert_cmpmem(out, sizeof out, want, sizeof want);

  /* hashlib.blake2b(b'abc', digest_size=32) */
  tu_hex_decode("bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319",
                want, sizeof want);
  pl_hash((const uint8_t *)"abc", 3, out);
  g_assert_cmpmem(out, sizeof out, want, sizeof want);
}

static void
test_node_id(void)
{
  uint8_t key[PL_KEY_BYTES], id[PL_ID_BYTES], want[PL_ID_BYTES], id2[PL_ID_BYTES];

  /* Node id of the RFC 8032 TEST 1 public key, computed independently with
   * hashlib.blake2b(bytes.fromhex(key), digest_size=32). */
  tu_hex_decode(vectors[0].key, key, sizeof key);
  tu_hex_decode("7849ac3049680be1ef762efe0d36e01733c3464eb0c7c558138acf24bb263bd3",
                want, sizeof want);
  pl_node_id_of(key, id);
  g_assert_cmpmem(id, sizeof id, want, sizeof want);
  pl_hash(key, sizeof key, id2);
  g_assert_cmpmem(id, sizeof id, id2, sizeof id2);
}

static void
test_key_equal(void)
{
  uint8_t a[PL_KEY_BYTES], b[PL_KEY_BYTES];
  tu_hex_decode(vectors[0].key, a, sizeof a);
  memcpy(b, a, sizeof b);
  g_assert_true(pl_key_equal(a, b));
  b[31] ^= 0x80;
  g_assert_false(pl_key_equal(a, b));
  b[31] ^= 0x80;
  b[0] ^= 0x01;
  g_assert_false(pl_key_equal(a, b));
}

static void
test_verify_env_cache(void)
{
  decoded d;
  pl_env env;
  memset(&env, 0, sizeof env);
  env.sigcache = pl_sigcache_new(4);
  g_assert_nonnull(env.sigcache);
  decode(&vectors[2], &d);

  g_assert_cmpint(pl_verify_env(&env, d.key, d.msg, d.len, d.sig), ==, PL_OK);
  g_assert_cmpint(pl_verify_env(&env, d.key, d.msg, d.len, d.sig), ==, PL_OK);
  d.sig[10] ^= 4;
  g_assert_cmpint(pl_verify_env(&env, d.key, d.msg, d.len, d.sig), ==,
                  PL_ERR_BAD_SIGNATURE);
  /* The memo was used: one hit, two misses. */
  g_assert_cmpuint(pl_sigcache_hits(env.sigcache), ==, 1);
  g_assert_cmpuint(pl_sigcache_misses(env.sigcache), ==, 2);
  pl_sigcache_free(env.sigcache);
}

/* ------------------------------------------------------------ metric.c */

static void
test_reject_names(void)
{
  static const char *const want[PL_REJECT_REASONS] = {
    "truncated", "trailing", "unknown_type", "wire_version", "overlong",
    "bad_field", "bad_signature", "bad_identity", "replay", "stale",
    "unexpected", "version", "peer_limit",
  };
  for (int i = 0; i < PL_REJECT_REASONS; i++) {
    int err = -(i + 1);
    g_assert_cmpuint(PL_REJECT_INDEX(err), ==, (unsigned)i);
    g_assert_cmpstr(pl_reject_name(err), ==, want[i]);
  }
  g_assert_cmpstr(pl_reject_name(PL_ERR_BAD_SIGNATURE), ==, "bad_signature");
  g_assert_null(pl_reject_name(PL_OK));
  g_assert_null(pl_reject_name(PL_ERR_PEER_LIMIT - 1));
  g_assert_null(pl_reject_name(PL_ERR_NOMEM));
  g_assert_null(pl_reject_name(1));
}

static void
test_strerror(void)
{
  static const int codes[] = {
    PL_OK, PL_ERR_TRUNCATED, PL_ERR_TRAILING, PL_ERR_UNKNOWN_TYPE, PL_ERR_WIRE_VERSION,
    PL_ERR_OVERLONG, PL_ERR_BAD_FIELD, PL_ERR_BAD_SIGNATURE, PL_ERR_BAD_IDENTITY,
    PL_ERR_REPLAY, PL_ERR_STALE, PL_ERR_UNEXPECTED, PL_ERR_VERSION, PL_ERR_PEER_LIMIT,
    PL_ERR_NOMEM, PL_ERR_NOT_FOUND, PL_ERR_INTEGRITY, PL_ERR_INVALID, PL_ERR_BUFFER,
  };
  const char *unknown = pl_strerror(-999);
  g_assert_nonnull(unknown);
  g_assert_nonnull(pl_strerror(7));
  g_assert_cmpstr(pl_strerror(PL_ERR_TRUNCATED), ==, "truncated");
  /* Every known code has its own description, distinct from the others
   * and from the fallback. */
  for (size_t i = 0; i < G_N_ELEMENTS(codes); i++) {
    const char *s = pl_strerror(codes[i]);
    g_assert_nonnull(s);
    g_assert_cmpstr(s, !=, unknown);
    for (size_t j = 0; j < i; j++)
      g_assert_cmpstr(s, !=, pl_strerror(codes[j]));
  }
}

static void
test_metric_names(void)
{
  static const struct {
    pl_metric metric;
    const char *name;
    pl_metric_kind kind;
  } want[] = {
    { PL_METRIC_MSG_SENT, "msg.sent", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_MSG_RECEIVED, "msg.received", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_MSG_REJECTED, "msg.rejected", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_HANDSHAKE_OK, "handshake.ok", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_HANDSHAKE_REFUSED, "handshake.refused", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_HANDSHAKE_MINOR, "handshake.minor", PL_METRIC_KIND_OBSERVATION },
    { PL_METRIC_HANDSHAKE_FEATURES, "handshake.features", PL_METRIC_KIND_OBSERVATION },
    { PL_METRIC_PEER_CONNECTED, "peer.connected", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_PEER_DISCONNECTED, "peer.disconnected", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_PEER_EVICTED, "peer.evicted", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_PEER_TIMEOUT, "peer.timeout", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_PING_RTT_MS, "ping.rtt_ms", PL_METRIC_KIND_OBSERVATION },
    { PL_METRIC_SIG_SIGNED, "sig.signed", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_SIG_VERIFIED, "sig.verified", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_CONTENT_STORED, "content.stored", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_DHT_LOOKUP_HOPS, "dht.lookup.hops", PL_METRIC_KIND_OBSERVATION },
    { PL_METRIC_DHT_LOOKUP_LATENCY_MS, "dht.lookup.latency_ms", PL_METRIC_KIND_OBSERVATION },
    { PL_METRIC_DHT_LOOKUP_MESSAGES, "dht.lookup.messages", PL_METRIC_KIND_OBSERVATION },
    { PL_METRIC_DHT_LOOKUP_DONE, "dht.lookup.done", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_DHT_LOOKUP_DROPPED, "dht.lookup.dropped", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_DHT_RPC_TIMEOUT, "dht.rpc.timeout", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_DHT_CONTACT_ADDED, "dht.contact.added", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_DHT_CONTACT_EVICTED, "dht.contact.evicted", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_DHT_REJECTED_PUZZLE, "dht.contact.rejected_puzzle", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_DHT_REJECTED_STAKE, "dht.contact.rejected_stake", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_DHT_REJECTED_PREFIX, "dht.contact.rejected_prefix", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_DHT_RECORDS_STORED, "dht.records.stored", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_DHT_RECORDS_EXPIRED, "dht.records.expired", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_DHT_RECORDS_REJECTED, "dht.records.rejected", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_DHT_RECORDS_STALE_REJECTED, "dht.records.stale_rejected", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_DHT_RECORDS_REPUBLISHED, "dht.records.republished", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_DHT_RECORDS_FORGED_REJECTED, "dht.records.forged_rejected", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_DHT_RECORDS_INVALID_REJECTED, "dht.records.invalid_rejected", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_DHT_VALUE_FOUND, "dht.value.found", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_DHT_VALUE_NOT_FOUND, "dht.value.not_found", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_CAP_ANNOUNCED, "cap.announced", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_CAP_FIND_WORKERS, "cap.find.workers", PL_METRIC_KIND_OBSERVATION },
    { PL_METRIC_GOSSIP_PUBLISHED, "gossip.published", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_GOSSIP_DELIVERED, "gossip.delivered", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_GOSSIP_DUPLICATE, "gossip.duplicate", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_GOSSIP_MESSAGES_SENT, "gossip.messages_sent", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_GOSSIP_BYTES_SENT, "gossip.bytes_sent", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_GOSSIP_INVALID_REJECTED, "gossip.invalid_rejected", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_GOSSIP_TTL_EXPIRED, "gossip.ttl_expired", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_GOSSIP_GRAFT, "gossip.graft", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_GOSSIP_PRUNE, "gossip.prune", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_GOSSIP_IHAVE, "gossip.ihave", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_GOSSIP_IWANT, "gossip.iwant", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_GOSSIP_BROKEN_PROMISE, "gossip.broken_promise", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_GOSSIP_RECOVERED, "gossip.recovered", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_GOSSIP_GRAYLISTED, "gossip.graylisted", PL_METRIC_KIND_COUNTER },
    { PL_METRIC_GOSSIP_DATA_SENT, "gossip.data_sent", PL_METRIC_KIND_COUNTER },
  };
  unsigned checked = 0;

  for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
    g_assert_cmpstr(pl_metric_name(want[i].metric), ==, want[i].name);
    g_assert_cmpint(pl_metric_kind_of(want[i].metric), ==, want[i].kind);
    checked++;
  }
  /* Per-reason rejection counters: "wire.rejected." + reject name. */
  for (int i = 0; i < PL_REJECT_REASONS; i++) {
    pl_metric m = (pl_metric)(PL_METRIC_REJECT_FIRST + i);
    char *name = g_strconcat("wire.rejected.", pl_reject_name(-(i + 1)), NULL);
    g_assert_cmpstr(pl_metric_name(m), ==, name);
    g_assert_cmpint(pl_metric_kind_of(m), ==, PL_METRIC_KIND_COUNTER);
    g_free(name);
    checked++;
  }
  /* Every metric was checked above, and all names are distinct. */
  g_assert_cmpuint(checked, ==, PL_METRIC_COUNT);
  for (unsigned i = 0; i < PL_METRIC_COUNT; i++) {
    g_assert_nonnull(pl_metric_name((pl_metric)i));
    for (unsigned j = 0; j < i; j++)
      g_assert_cmpstr(pl_metric_name((pl_metric)i), !=, pl_metric_name((pl_metric)j));
  }
  g_assert_null(pl_metric_name(PL_METRIC_COUNT));
  g_assert_null(pl_metric_name((pl_metric)(PL_METRIC_COUNT + 100)));
}

/* docs/metrics.md has one row "| ID | `NAME` | KIND |" per core metric, in
 * registry order, so the table cannot fall behind pl.h again. */
static void
test_metric_docs(void)
{
  char *path = tu_source_path("docs/metrics.md");
  char *text = NULL;
  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  static const char *const kinds[] = {"counter", "observation", "gauge"};
  for (int m = 0; m < PL_METRIC_COUNT; m++) {
    char *row = g_strdup_printf("| %d | `%s` | %s |", m, pl_metric_name((pl_metric)m),
                                kinds[pl_metric_kind_of((pl_metric)m)]);
    if (strstr(text, row) == NULL)
      g_error("docs/metrics.md has no row '%s ...'", row);
    g_free(row);
  }
  g_free(text);
  g_free(path);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/identity/rfc8032/keys", test_rfc8032_keys);
  g_test_add_func("/identity/rfc8032/sign", test_rfc8032_sign);
  g_test_add_func("/identity/rfc8032/verify", test_rfc8032_verify);
  g_test_add_func("/identity/reject-tampered", test_reject_tampered);
  g_test_add_func("/identity/sign-roundtrip", test_sign_roundtrip);
  g_test_add_func("/identity/blake2b-256", test_blake2b);
  g_test_add_func("/identity/node-id", test_node_id);
  g_test_add_func("/identity/key-equal", test_key_equal);
  g_test_add_func("/identity/verify-env-cache", test_verify_env_cache);
  g_test_add_func("/metric/reject-names", test_reject_names);
  g_test_add_func("/metric/strerror", test_strerror);
  g_test_add_func("/metric/names", test_metric_names);
  g_test_add_func("/metric/documented", test_metric_docs);
  return g_test_run();
}
