/*
 * metric.c — names of the core's error codes and metrics.
 *
 * All names live in static tables indexed by the enum value, written
 * positionally (one entry per enum member, in enum order, with the member
 * named in a comment).  Each table's length is checked at compile time
 * against the number of enum members, so adding a member anywhere without
 * adding its entry does not build; tests/test-identity.c checks at run time
 * that every name is the expected one.
 */
#include "pl.h"

#include <glib.h>

/* Descriptions of the rejection reasons, indexed by PL_REJECT_INDEX. */
static const char *const reject_desc[] = {
  /* PL_ERR_TRUNCATED */ "truncated",
  /* PL_ERR_TRAILING */ "trailing bytes after the last field",
  /* PL_ERR_UNKNOWN_TYPE */ "unknown message type",
  /* PL_ERR_WIRE_VERSION */ "wire framing version not understood",
  /* PL_ERR_OVERLONG */ "field or message too long",
  /* PL_ERR_BAD_FIELD */ "field value out of range or not canonical",
  /* PL_ERR_BAD_SIGNATURE */ "bad signature",
  /* PL_ERR_BAD_IDENTITY */ "signer is not the authenticated sender",
  /* PL_ERR_REPLAY */ "replayed sequence number",
  /* PL_ERR_STALE */ "timestamp outside the accepted window",
  /* PL_ERR_UNEXPECTED */ "message not allowed in this state",
  /* PL_ERR_VERSION */ "protocol major version mismatch",
  /* PL_ERR_PEER_LIMIT */ "peer limit reached",
};
G_STATIC_ASSERT(G_N_ELEMENTS(reject_desc) == PL_REJECT_REASONS);

/* snake_case names of the rejection reasons, indexed by PL_REJECT_INDEX. */
static const char *const reject_name[] = {
  /* PL_ERR_TRUNCATED */ "truncated",
  /* PL_ERR_TRAILING */ "trailing",
  /* PL_ERR_UNKNOWN_TYPE */ "unknown_type",
  /* PL_ERR_WIRE_VERSION */ "wire_version",
  /* PL_ERR_OVERLONG */ "overlong",
  /* PL_ERR_BAD_FIELD */ "bad_field",
  /* PL_ERR_BAD_SIGNATURE */ "bad_signature",
  /* PL_ERR_BAD_IDENTITY */ "bad_identity",
  /* PL_ERR_REPLAY */ "replay",
  /* PL_ERR_STALE */ "stale",
  /* PL_ERR_UNEXPECTED */ "unexpected",
  /* PL_ERR_VERSION */ "version",
  /* PL_ERR_PEER_LIMIT */ "peer_limit",
};
G_STATIC_ASSERT(G_N_ELEMENTS(reject_name) == PL_REJECT_REASONS);
G_STATIC_ASSERT(PL_REJECT_INDEX(PL_ERR_PEER_LIMIT) == PL_REJECT_REASONS - 1);

/* Metric names, indexed by pl_metric. */
static const char *const metric_name[] = {
  /* PL_METRIC_MSG_SENT */ "msg.sent",
  /* PL_METRIC_MSG_RECEIVED */ "msg.received",
  /* PL_METRIC_MSG_REJECTED */ "msg.rejected",
  /* PL_METRIC_REJECT_FIRST + TRUNCATED */ "wire.rejected.truncated",
  /* PL_METRIC_REJECT_FIRST + TRAILING */ "wire.rejected.trailing",
  /* PL_METRIC_REJECT_FIRST + UNKNOWN_TYPE */ "wire.rejected.unknown_type",
  /* PL_METRIC_REJECT_FIRST + WIRE_VERSION */ "wire.rejected.wire_version",
  /* PL_METRIC_REJECT_FIRST + OVERLONG */ "wire.rejected.overlong",
  /* PL_METRIC_REJECT_FIRST + BAD_FIELD */ "wire.rejected.bad_field",
  /* PL_METRIC_REJECT_FIRST + BAD_SIGNATURE */ "wire.rejected.bad_signature",
  /* PL_METRIC_REJECT_FIRST + BAD_IDENTITY */ "wire.rejected.bad_identity",
  /* PL_METRIC_REJECT_FIRST + REPLAY */ "wire.rejected.replay",
  /* PL_METRIC_REJECT_FIRST + STALE */ "wire.rejected.stale",
  /* PL_METRIC_REJECT_FIRST + UNEXPECTED */ "wire.rejected.unexpected",
  /* PL_METRIC_REJECT_FIRST + VERSION */ "wire.rejected.version",
  /* PL_METRIC_REJECT_FIRST + PEER_LIMIT */ "wire.rejected.peer_limit",
  /* PL_METRIC_HANDSHAKE_OK */ "handshake.ok",
  /* PL_METRIC_HANDSHAKE_REFUSED */ "handshake.refused",
  /* PL_METRIC_HANDSHAKE_MINOR */ "handshake.minor",
  /* PL_METRIC_HANDSHAKE_FEATURES */ "handshake.features",
  /* PL_METRIC_PEER_CONNECTED */ "peer.connected",
  /* PL_METRIC_PEER_DISCONNECTED */ "peer.disconnected",
  /* PL_METRIC_PEER_EVICTED */ "peer.evicted",
  /* PL_METRIC_PEER_TIMEOUT */ "peer.timeout",
  /* PL_METRIC_PING_RTT_MS */ "ping.rtt_ms",
  /* PL_METRIC_SIG_SIGNED */ "sig.signed",
  /* PL_METRIC_SIG_VERIFIED */ "sig.verified",
  /* PL_METRIC_CONTENT_STORED */ "content.stored",
  /* PL_METRIC_DHT_LOOKUP_HOPS */ "dht.lookup.hops",
  /* PL_METRIC_DHT_LOOKUP_LATENCY_MS */ "dht.lookup.latency_ms",
  /* PL_METRIC_DHT_LOOKUP_MESSAGES */ "dht.lookup.messages",
  /* PL_METRIC_DHT_LOOKUP_DONE */ "dht.lookup.done",
  /* PL_METRIC_DHT_LOOKUP_DROPPED */ "dht.lookup.dropped",
  /* PL_METRIC_DHT_RPC_TIMEOUT */ "dht.rpc.timeout",
  /* PL_METRIC_DHT_CONTACT_ADDED */ "dht.contact.added",
  /* PL_METRIC_DHT_CONTACT_EVICTED */ "dht.contact.evicted",
  /* PL_METRIC_DHT_REJECTED_PUZZLE */ "dht.contact.rejected_puzzle",
  /* PL_METRIC_DHT_REJECTED_STAKE */ "dht.contact.rejected_stake",
  /* PL_METRIC_DHT_REJECTED_PREFIX */ "dht.contact.rejected_prefix",
  /* PL_METRIC_DHT_RECORDS_STORED */ "dht.records.stored",
  /* PL_METRIC_DHT_RECORDS_EXPIRED */ "dht.records.expired",
  /* PL_METRIC_DHT_RECORDS_REJECTED */ "dht.records.rejected",
  /* PL_METRIC_DHT_RECORDS_STALE_REJECTED */ "dht.records.stale_rejected",
  /* PL_METRIC_DHT_RECORDS_REPUBLISHED */ "dht.records.republished",
  /* PL_METRIC_DHT_RECORDS_FORGED_REJECTED */ "dht.records.forged_rejected",
  /* PL_METRIC_DHT_RECORDS_INVALID_REJECTED */ "dht.records.invalid_rejected",
  /* PL_METRIC_DHT_VALUE_FOUND */ "dht.value.found",
  /* PL_METRIC_DHT_VALUE_NOT_FOUND */ "dht.value.not_found",
  /* PL_METRIC_CAP_ANNOUNCED */ "cap.announced",
  /* PL_METRIC_CAP_FIND_WORKERS */ "cap.find.workers",
  /* PL_METRIC_GOSSIP_PUBLISHED */ "gossip.published",
  /* PL_METRIC_GOSSIP_DELIVERED */ "gossip.delivered",
  /* PL_METRIC_GOSSIP_DUPLICATE */ "gossip.duplicate",
  /* PL_METRIC_GOSSIP_MESSAGES_SENT */ "gossip.messages_sent",
  /* PL_METRIC_GOSSIP_BYTES_SENT */ "gossip.bytes_sent",
  /* PL_METRIC_GOSSIP_INVALID_REJECTED */ "gossip.invalid_rejected",
  /* PL_METRIC_GOSSIP_TTL_EXPIRED */ "gossip.ttl_expired",
  /* PL_METRIC_GOSSIP_GRAFT */ "gossip.graft",
  /* PL_METRIC_GOSSIP_PRUNE */ "gossip.prune",
  /* PL_METRIC_GOSSIP_IHAVE */ "gossip.ihave",
  /* PL_METRIC_GOSSIP_IWANT */ "gossip.iwant",
  /* PL_METRIC_GOSSIP_BROKEN_PROMISE */ "gossip.broken_promise",
  /* PL_METRIC_GOSSIP_RECOVERED */ "gossip.recovered",
  /* PL_METRIC_GOSSIP_GRAYLISTED */ "gossip.graylisted",
  /* PL_METRIC_GOSSIP_DATA_SENT */ "gossip.data_sent",
};
G_STATIC_ASSERT(G_N_ELEMENTS(metric_name) == PL_METRIC_COUNT);
G_STATIC_ASSERT(PL_METRIC_REJECT_LAST - PL_METRIC_REJECT_FIRST + 1 == PL_REJECT_REASONS);

/* Metric kinds, indexed by pl_metric. */
static const pl_metric_kind metric_kind[] = {
  /* PL_METRIC_MSG_SENT */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_MSG_RECEIVED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_MSG_REJECTED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_REJECT_FIRST + 0 */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_REJECT_FIRST + 1 */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_REJECT_FIRST + 2 */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_REJECT_FIRST + 3 */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_REJECT_FIRST + 4 */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_REJECT_FIRST + 5 */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_REJECT_FIRST + 6 */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_REJECT_FIRST + 7 */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_REJECT_FIRST + 8 */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_REJECT_FIRST + 9 */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_REJECT_FIRST + 10 */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_REJECT_FIRST + 11 */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_REJECT_FIRST + 12 */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_HANDSHAKE_OK */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_HANDSHAKE_REFUSED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_HANDSHAKE_MINOR */ PL_METRIC_KIND_OBSERVATION,
  /* PL_METRIC_HANDSHAKE_FEATURES */ PL_METRIC_KIND_OBSERVATION,
  /* PL_METRIC_PEER_CONNECTED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_PEER_DISCONNECTED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_PEER_EVICTED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_PEER_TIMEOUT */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_PING_RTT_MS */ PL_METRIC_KIND_OBSERVATION,
  /* PL_METRIC_SIG_SIGNED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_SIG_VERIFIED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_CONTENT_STORED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_DHT_LOOKUP_HOPS */ PL_METRIC_KIND_OBSERVATION,
  /* PL_METRIC_DHT_LOOKUP_LATENCY_MS */ PL_METRIC_KIND_OBSERVATION,
  /* PL_METRIC_DHT_LOOKUP_MESSAGES */ PL_METRIC_KIND_OBSERVATION,
  /* PL_METRIC_DHT_LOOKUP_DONE */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_DHT_LOOKUP_DROPPED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_DHT_RPC_TIMEOUT */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_DHT_CONTACT_ADDED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_DHT_CONTACT_EVICTED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_DHT_REJECTED_PUZZLE */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_DHT_REJECTED_STAKE */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_DHT_REJECTED_PREFIX */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_DHT_RECORDS_STORED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_DHT_RECORDS_EXPIRED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_DHT_RECORDS_REJECTED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_DHT_RECORDS_STALE_REJECTED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_DHT_RECORDS_REPUBLISHED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_DHT_RECORDS_FORGED_REJECTED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_DHT_RECORDS_INVALID_REJECTED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_DHT_VALUE_FOUND */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_DHT_VALUE_NOT_FOUND */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_CAP_ANNOUNCED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_CAP_FIND_WORKERS */ PL_METRIC_KIND_OBSERVATION,
  /* PL_METRIC_GOSSIP_PUBLISHED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_GOSSIP_DELIVERED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_GOSSIP_DUPLICATE */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_GOSSIP_MESSAGES_SENT */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_GOSSIP_BYTES_SENT */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_GOSSIP_INVALID_REJECTED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_GOSSIP_TTL_EXPIRED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_GOSSIP_GRAFT */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_GOSSIP_PRUNE */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_GOSSIP_IHAVE */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_GOSSIP_IWANT */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_GOSSIP_BROKEN_PROMISE */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_GOSSIP_RECOVERED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_GOSSIP_GRAYLISTED */ PL_METRIC_KIND_COUNTER,
  /* PL_METRIC_GOSSIP_DATA_SENT */ PL_METRIC_KIND_COUNTER,
};
G_STATIC_ASSERT(G_N_ELEMENTS(metric_kind) == PL_METRIC_COUNT);

const char *
pl_strerror(int err)
{
  if (err == PL_OK)
    return "ok";
  if (err < 0 && err >= PL_ERR_PEER_LIMIT)
    return reject_desc[PL_REJECT_INDEX(err)];
  switch (err) {
  case PL_ERR_NOMEM:
    return "out of memory or capacity";
  case PL_ERR_NOT_FOUND:
    return "not found";
  case PL_ERR_INTEGRITY:
    return "stored bytes do not match their content id";
  case PL_ERR_INVALID:
    return "invalid argument";
  case PL_ERR_BUFFER:
    return "output buffer too small";
  default:
    return "unknown error";
  }
}

const char *
pl_reject_name(int err)
{
  if (err < 0 && err >= PL_ERR_PEER_LIMIT)
    return reject_name[PL_REJECT_INDEX(err)];
  return NULL;
}

const char *
pl_metric_name(pl_metric metric)
{
  if ((unsigned)metric >= PL_METRIC_COUNT)
    return NULL;
  return metric_name[metric];
}

pl_metric_kind
pl_metric_kind_of(pl_metric metric)
{
  /* Host metrics (>= PL_METRIC_COUNT) have their kinds in the host's
   * registry; asking the core is a programmer error. */
  g_assert((unsigned)metric < PL_METRIC_COUNT);
  return metric_kind[metric];
}
