/*
 * node.c — the node: configuration defaults, life cycle, dispatch to the
 * layers, rejection accounting, and the helpers layers use to reach the
 * host (node_internal.h).
 *
 * Receiving a message, in order:
 *   1. the node must be running                       else PL_ERR_UNEXPECTED
 *   2. pl_wire_decode                                 wire reasons
 *   3. the owning layer: the registry's, or for a SIGNED envelope the
 *      inner type's; it must be registered and present in this node
 *                                                     else PL_ERR_UNKNOWN_TYPE
 *      an envelope's inner type must be envelope-only else PL_ERR_BAD_FIELD
 *      an envelope-only type may not arrive bare      else PL_ERR_UNEXPECTED
 *   4. session types need a connected sender          else PL_ERR_UNEXPECTED
 *      (and the sender is told GOODBYE(not connected))
 *      (except a referral PEERS from a peer we dial, pl_peer_takes_referral)
 *   5. envelopes: freshness, replay, signature        (pl_node_open_envelope)
 *   6. the layer's receive                            its own reasons
 * A refusal at any step is counted once, per reason, and reported as
 * msg.rejected and wire.rejected.<reason>; an acceptance as msg.received.
 */
#include "pl.h"

#include <string.h>

#include <glib.h>
#include <sodium.h>

#include "handshake.h"
#include "identity.h"
#include "kad.h"
#include "node_internal.h"
#include "gossip.h"
#include "peer.h"

/*
 * The layer table, indexed by pl_layer_id.  A new layer adds one line
 * here (and its rows to the registry in wire.c).
 */
static const pl_layer *const layers[PL_LAYER_MAX] = {
  [PL_LAYER_PEER] = &pl_peer_layer,
  [PL_LAYER_DISCOVERY] = &pl_kad_layer,
  [PL_LAYER_GOSSIP] = &pl_gossip_layer,
};

/* The layer |l| if it runs under |config| (present in the table and
 * enabled by the config), else NULL. */
static const pl_layer *
layer_under(const pl_config *config, unsigned l)
{
  const pl_layer *layer = l < PL_LAYER_MAX ? layers[l] : NULL;
  if (layer == NULL || (layer->enabled != NULL && !layer->enabled(config)))
    return NULL;
  return layer;
}

/* The layer |l| if it runs in |node|, else NULL. */
static const pl_layer *
layer_of(const pl_node *node, unsigned l)
{
  return layer_under(node->config, l);
}

const char *
pl_command_layer_name(uint32_t kind)
{
  unsigned l = kind / PL_LAYER_CMD_RANGE;
  return l < PL_LAYER_MAX && layers[l] != NULL ? layers[l]->name : NULL;
}

bool
pl_config_runs_command(const pl_config *config, uint32_t kind)
{
  return layer_under(config, kind / PL_LAYER_CMD_RANGE) != NULL;
}

void
pl_config_defaults(pl_config *config)
{
  memset(config, 0, sizeof *config);
  config->version_major = PL_PROTO_MAJOR;
  config->version_minor = PL_PROTO_MINOR;
  config->version_minor_min = 0;
  config->features = PL_FEATURE_PEER_EXCHANGE;
  config->roles = PL_ROLE_REQUESTER | PL_ROLE_WORKER | PL_ROLE_VERIFIER;
  config->target_peers = 8;
  config->max_peers = 16;
  config->max_inbound = 12;
  config->max_outbound = 8;
  config->eviction = PL_EVICT_OLDEST;
  config->heartbeat_interval_ns = 10 * PL_NS_PER_S;
  config->peer_timeout_ns = 30 * PL_NS_PER_S;
  config->handshake_timeout_ns = 5 * PL_NS_PER_S;
  config->maintenance_interval_ns = 5 * PL_NS_PER_S;
  config->replay_window_ns = 60 * PL_NS_PER_S;
  config->sign_cost_ns = 14000;    /* measured, docs/identity.md */
  config->verify_cost_ns = 36000;
  config->hash_cost_ns_per_kib = 900;
  config->bootstrap = NULL;
  config->n_bootstrap = 0;
  pl_kad_config *kad = &config->kad;
  kad->mode = PL_KAD_OFF;
  kad->k = 20;
  kad->bucket_size = 20;
  kad->alpha = 3;
  kad->b = 1;
  kad->d = 1;
  kad->stale_failures = 3;
  kad->join = 1;
  kad->max_lookups = 16;
  kad->max_records = 256;
  kad->max_values_per_key = 32;
  kad->rpc_timeout_ns = 1 * PL_NS_PER_S;
  kad->refresh_interval_ns = 3600 * PL_NS_PER_S;
  kad->record_ttl_ns = 86400 * PL_NS_PER_S;
  kad->republish_interval_ns = 3600 * PL_NS_PER_S;
  kad->cap_classes = 8;
  kad->cap_find_keys_max = 16;
  kad->cap_speed_base = 1000;
  kad->cap_price_base_mcc = 1000;
  kad->cap_ttl_ns = 3600 * PL_NS_PER_S;
  kad->cap_reannounce_ns = 2700 * PL_NS_PER_S;
  kad->cap_clock_skew_ns = 60 * PL_NS_PER_S;
  /* gossip: off; the rest as docs/gossip.md */
  pl_gossip_config *g = &config->gossip;
  g->mode = PL_GOSSIP_OFF;
  g->heartbeat_ns = PL_NS_PER_S;
  g->batch_window_ns = 0;
  g->seen_ttl_ns = 120 * PL_NS_PER_S;
  g->store_ttl_ns = 60 * PL_NS_PER_S;
  g->anti_entropy_ns = 0;
  g->seen_max = 8192;
  g->store_max = 1024;
  g->max_payload_bytes = 1024;
  g->ttl_hops = 16;
  g->fanout = 3;
  g->partners = 1;
  g->rounds_max = 20;
  g->rumor_k = 2;
  g->rumor_stop = PL_GOSSIP_STOP_COUNTER;
  g->rumor_blind = 0;
  g->mesh_d = 6;
  g->mesh_d_low = 4;
  g->mesh_d_high = 12;
  g->mesh_d_lazy = 6;
  g->mcache_len = 5;
  g->mcache_gossip = 3;
  g->prune_backoff_hb = 60;
  g->max_topics = 8;
  g->score_enabled = 1;
  g->score_mesh_share = 0;
  g->score_mesh_activation = 10;
  g->score_gossip_threshold = -50;
  g->score_graylist = -200;
}

/* ----------------------------------------------------------- life cycle */

pl_node *
pl_node_new(const pl_config *config, const pl_env *env, pl_peer self,
            const uint8_t seed[PL_SEED_BYTES])
{
  g_assert(config != NULL && env != NULL && seed != NULL);
  g_assert(env->send_cb != NULL && env->timer_cb != NULL && env->random_cb != NULL);
  g_assert(env->peer_key_cb != NULL);
  g_assert(config->max_peers >= 1 && config->max_peers <= PL_PEER_SLOTS_MAX);
  g_assert(config->version_major >= 1 &&
           config->version_minor_min <= config->version_minor);
  const uint8_t *key = env->peer_key_cb(self, env->user_data);
  g_assert(key != NULL); /* the host interns the node's key first */

  pl_node *node = g_try_new0(pl_node, 1);
  if (node == NULL)
    return NULL;
  node->config = config;
  node->env = env;
  node->key = key;
  node->self = self;
  memcpy(node->seed, seed, PL_SEED_BYTES);
  for (unsigned l = 0; l < PL_LAYER_MAX; l++) {
    const pl_layer *layer = layer_of(node, l);
    if (layer == NULL || layer->init == NULL)
      continue;
    node->layer_state[l] = layer->init(node);
    if (node->layer_state[l] == NULL) {
      pl_node_free(node);
      return NULL;
    }
  }
  return node;
}

void
pl_node_free(pl_node *node)
{
  if (node == NULL)
    return;
  for (unsigned l = PL_LAYER_MAX; l-- > 0;) {
    const pl_layer *layer = layer_of(node, l);
    if (layer != NULL && layer->clear != NULL && node->layer_state[l] != NULL)
      layer->clear(node, node->layer_state[l]);
  }
  sodium_memzero(node->seed, sizeof node->seed);
  g_free(node->alt_record);
  g_free(node);
}

static const pl_record *node_record(pl_node *node, pl_time_ns now, bool owe);

void
pl_node_start(pl_node *node, pl_time_ns now)
{
  if (node->running)
    return;
  node->running = 1;
  (void)node_record(node, now, true); /* sign the node record once, now */
  for (unsigned l = 0; l < PL_LAYER_MAX; l++) {
    const pl_layer *layer = layer_of(node, l);
    if (layer != NULL && layer->start != NULL)
      layer->start(node, node->layer_state[l], now);
  }
}

void
pl_node_stop(pl_node *node, pl_time_ns now)
{
  if (!node->running)
    return;
  for (unsigned l = PL_LAYER_MAX; l-- > 0;) {
    const pl_layer *layer = layer_of(node, l);
    if (layer != NULL && layer->stop != NULL)
      layer->stop(node, node->layer_state[l], now);
  }
  node->running = 0;
}

/* ------------------------------------------------------------ receiving */

static int
reject(pl_node *node, int err)
{
  g_assert(err >= PL_ERR_PEER_LIMIT && err <= PL_ERR_TRUNCATED);
  unsigned idx = PL_REJECT_INDEX(err);
  node->rejected[idx]++;
  pl_node_metric(node, PL_METRIC_MSG_REJECTED, 1);
  pl_node_metric(node, (pl_metric)(PL_METRIC_REJECT_FIRST + idx), 1);
  return err;
}

int
pl_node_receive(pl_node *node, pl_time_ns now, pl_peer from, const uint8_t *bytes,
                size_t len)
{
  if (!node->running)
    return reject(node, PL_ERR_UNEXPECTED);
  pl_msg msg;
  int rc = pl_wire_decode(bytes, len, &msg);
  if (rc != PL_OK)
    return reject(node, rc);

  const pl_msg_spec *spec = pl_wire_spec(msg.type);
  g_assert(spec != NULL);
  const pl_msg_spec *owner = spec;
  if (msg.type == PL_MSG_SIGNED) {
    owner = pl_wire_spec(msg.u.envelope.inner_type);
    if (owner == NULL)
      return reject(node, PL_ERR_UNKNOWN_TYPE);
  } else if (spec->flags & PL_WIRE_F_ENVELOPE) {
    /* An envelope-only type must arrive sealed; check its owner exists
     * first so that an unknown layer still reads as unknown. */
    if (layer_of(node, spec->layer) == NULL)
      return reject(node, PL_ERR_UNKNOWN_TYPE);
    return reject(node, PL_ERR_UNEXPECTED);
  }
  const pl_layer *layer = layer_of(node, owner->layer);
  if (layer == NULL || layer->receive == NULL)
    return reject(node, PL_ERR_UNKNOWN_TYPE);
  if (msg.type == PL_MSG_SIGNED && !(owner->flags & PL_WIRE_F_ENVELOPE))
    return reject(node, PL_ERR_BAD_FIELD);
  /* The session check and the layer's first reads are each a miss on
   * state loaded long ago: ask for both before either waits. */
  if (owner->flags & PL_WIRE_F_SESSION)
    pl_peer_prefetch_sessions(node);
  if (layer->prefetch != NULL)
    layer->prefetch(node, node->layer_state[owner->layer], from, &msg);
  if ((owner->flags & PL_WIRE_F_SESSION) && !pl_peer_is_connected(node, from) &&
      !(msg.type == PL_MSG_PEERS && pl_peer_takes_referral(node, from))) {
    pl_peer_not_connected(node, now, from);
    return reject(node, PL_ERR_UNEXPECTED);
  }
  if (msg.type == PL_MSG_SIGNED) {
    rc = pl_node_open_envelope(node, now, from, &msg);
    if (rc != PL_OK)
      return reject(node, rc);
  }
  rc = layer->receive(node, node->layer_state[owner->layer], now, from, &msg);
  if (rc != PL_OK)
    return reject(node, rc);
  pl_node_metric(node, PL_METRIC_MSG_RECEIVED, 1);
  return PL_OK;
}

void
pl_node_timer(pl_node *node, pl_time_ns now, uint32_t timer_id)
{
  if (!node->running)
    return; /* a stopped node ignores the timers it left behind */
  unsigned l = timer_id >> PL_TIMER_LAYER_SHIFT;
  const pl_layer *layer = l < PL_LAYER_MAX ? layer_of(node, l) : NULL;
  if (layer == NULL || layer->timer == NULL)
    return;
  layer->timer(node, node->layer_state[l], now, timer_id & PL_TIMER_LOCAL_MASK);
}

int
pl_node_command(pl_node *node, pl_time_ns now, const pl_command *command)
{
  g_assert(command != NULL);
  if (!node->running)
    return PL_ERR_INVALID;
  unsigned l = (unsigned)command->kind / PL_LAYER_CMD_RANGE;
  const pl_layer *layer = l < PL_LAYER_MAX ? layer_of(node, l) : NULL;
  if (layer == NULL || layer->command == NULL)
    return PL_ERR_INVALID;
  return layer->command(node, node->layer_state[l], now, command);
}

void
pl_node_set_strategy(pl_node *node, const pl_strategy *strategy)
{
  node->strategy = strategy;
}

/* ------------------------------------------------------------ accessors */

pl_peer
pl_node_self(const pl_node *node)
{
  return node->self;
}

uint32_t
pl_node_peer_count(const pl_node *node)
{
  return pl_peer_connected_count(node);
}

uint32_t
pl_node_peers(const pl_node *node, pl_peer *out, uint32_t max)
{
  return pl_peer_list(node, out, max);
}

int
pl_node_peer_minor(const pl_node *node, pl_peer peer)
{
  return pl_peer_minor(node, peer);
}

uint32_t
pl_node_rejected(const pl_node *node, int err)
{
  if (err < PL_ERR_PEER_LIMIT || err > PL_ERR_TRUNCATED)
    return 0;
  return node->rejected[PL_REJECT_INDEX(err)];
}

size_t
pl_node_memory(const pl_node *node)
{
  size_t bytes = sizeof *node;
  if (node->alt_record != NULL)
    bytes += sizeof *node->alt_record;
  for (unsigned l = 0; l < PL_LAYER_MAX; l++) {
    const pl_layer *layer = layer_of(node, l);
    if (layer != NULL && layer->memory != NULL && node->layer_state[l] != NULL)
      bytes += layer->memory(node, node->layer_state[l]);
  }
  return bytes;
}

/* -------------------------------------------------------------- helpers */

void
pl_node_send(pl_node *node, pl_peer to, const uint8_t *bytes, size_t len)
{
  node->env->send_cb(node->self, to, bytes, len, node->env->user_data);
  pl_node_metric(node, PL_METRIC_MSG_SENT, 1);
}

void
pl_node_set_timer(pl_node *node, pl_layer_id layer, pl_time_ns at_ns, uint32_t local_id)
{
  g_assert((unsigned)layer < PL_LAYER_MAX && local_id <= PL_TIMER_LOCAL_MASK);
  node->env->timer_cb(node->self, at_ns, ((uint32_t)layer << PL_TIMER_LAYER_SHIFT) | local_id,
                      node->env->user_data);
}

uint64_t
pl_node_random(pl_node *node)
{
  return node->env->random_cb(node->self, node->env->user_data);
}

uint32_t
pl_node_random_below(pl_node *node, uint32_t n)
{
  g_assert(n >= 1);
  /* Multiply-shift: unbiased enough for n << 2^32 and one draw exactly. */
  return (uint32_t)(((pl_node_random(node) >> 32) * (uint64_t)n) >> 32);
}

void
pl_node_metric(pl_node *node, pl_metric metric, double value)
{
  if (node->env->metric_cb != NULL)
    node->env->metric_cb(node->self, metric, value, node->env->user_data);
}

void
pl_node_observe(pl_node *node, const pl_observation *obs)
{
  if (node->env->observe_cb != NULL)
    node->env->observe_cb(node->self, obs, node->env->user_data);
}

void
pl_node_charge_cpu(pl_node *node, pl_time_ns cost_ns)
{
  if (node->env->cpu_cb != NULL && cost_ns > 0)
    node->env->cpu_cb(node->self, cost_ns, node->env->user_data);
}

const uint8_t *
pl_node_peer_key(const pl_node *node, pl_peer peer)
{
  if (peer == PL_PEER_NONE)
    return NULL;
  return node->env->peer_key_cb(peer, node->env->user_data);
}

void
pl_node_note_sign(pl_node *node)
{
  pl_node_charge_cpu(node, node->config->sign_cost_ns);
  pl_node_metric(node, PL_METRIC_SIG_SIGNED, 1);
}

void
pl_node_note_verify(pl_node *node)
{
  pl_node_charge_cpu(node, node->config->verify_cost_ns);
  pl_node_metric(node, PL_METRIC_SIG_VERIFIED, 1);
}

void
pl_node_sign(pl_node *node, const uint8_t *msg, size_t len, uint8_t sig[PL_SIG_BYTES])
{
  pl_sign_raw(node->seed, node->key, msg, len, sig);
  pl_node_note_sign(node);
}

static pl_offer
config_offer(const pl_node *node)
{
  const pl_config *c = node->config;
  pl_offer o = {c->version_major, c->version_minor, c->version_minor_min, c->features};
  return o;
}

pl_offer
pl_node_offer(pl_node *node)
{
  pl_offer o = config_offer(node);
  const pl_strategy *sg = node->strategy;
  if (sg != NULL && sg->hello_version != NULL) {
    sg->hello_version(node, &o.major, &o.minor, &o.features, sg->state);
    if (o.minor_min > o.minor)
      o.minor_min = o.minor;
  }
  return o;
}

/*
 * The node's current record (see pl_node_record).  With |owe| the record
 * is signed at |now| in the simulation's terms — sequence, offer, CPU
 * charge and sig.signed metric — but the Ed25519 computation itself is
 * left for the first caller that needs the bytes: signatures are
 * deterministic, so the record is the same whenever it is computed, and a
 * node that never sends a HELLO (a pure-DHT node) never pays for it.
 */
static const pl_record *
node_record(pl_node *node, pl_time_ns now, bool owe)
{
  pl_offer offer = pl_node_offer(node);
  pl_offer mine = config_offer(node);
  pl_record *rec = &node->record;
  uint8_t bit = 1;
  if (!pl_offer_equal(&offer, &mine)) {
    /* A strategy's own offer: its own record, allocated on first use. */
    if (node->alt_record == NULL)
      node->alt_record = g_try_new0(pl_record, 1);
    if (node->alt_record != NULL) {
      rec = node->alt_record;
      bit = 2;
    }
  }
  if ((node->records_signed & bit) && pl_offer_equal(&rec->offer, &offer) &&
      rec->seq == node->record_seq_last) {
    /* the common case: the record signed at start */
    if ((node->records_owed & bit) && !owe) {
      int rc = pl_record_sign(rec, &rec->offer, rec->seq, node->seed, node->key);
      g_assert(rc == PL_OK);
      node->records_owed &= (uint8_t)~bit;
    }
    return rec;
  }
  uint64_t seq = node->records_signed ? MAX((uint64_t)now, node->record_seq_last + 1)
                                      : (uint64_t)now;
  if (owe) {
    rec->seq = seq;
    rec->offer = offer;
    memset(rec->sig, 0, sizeof rec->sig);
    uint8_t frame[PL_WIRE_HELLO_BYTES];
    /* the offer checks of pl_record_sign, without the signature */
    int n = pl_hello_build(frame, sizeof frame, PL_MSG_HELLO, rec, node->key);
    g_assert(n > 0);
    (void)n;
    node->records_owed |= bit;
  } else {
    int rc = pl_record_sign(rec, &offer, seq, node->seed, node->key);
    g_assert(rc == PL_OK); /* a strategy advertising major 0 is a bug */
    node->records_owed &= (uint8_t)~bit;
  }
  node->records_signed |= bit;
  node->record_seq_last = seq;
  pl_node_note_sign(node);
  return rec;
}

const pl_record *
pl_node_record(pl_node *node, pl_time_ns now)
{
  return node_record(node, now, false);
}

int
pl_node_verify(pl_node *node, const uint8_t key[PL_KEY_BYTES], const uint8_t *msg,
               size_t len, const uint8_t sig[PL_SIG_BYTES])
{
  pl_node_note_verify(node);
  return pl_verify_env(node->env, key, msg, len, sig);
}

int
pl_node_seal(pl_node *node, pl_time_ns now, uint8_t inner_type, const uint8_t *payload,
             size_t len, uint8_t *buf, size_t cap)
{
  uint64_t seq = MAX(node->seq_out + 1, (uint64_t)now);
  int n = pl_envelope_seal(buf, cap, node->seed, node->key, seq, now, inner_type, payload, len);
  if (n < 0)
    return n;
  node->seq_out = seq;
  pl_node_note_sign(node);
  return n;
}

int
pl_node_open_envelope(pl_node *node, pl_time_ns now, pl_peer from, const pl_msg *msg)
{
  g_assert(msg->type == PL_MSG_SIGNED);
  const pl_msg_envelope *e = &msg->u.envelope;
  if (pl_timestamp_check(now, e->timestamp_ns, node->config->replay_window_ns) != PL_OK)
    return PL_ERR_STALE;
  uint64_t *highest = NULL;
  const uint8_t *sender = pl_node_peer_key(node, from);
  if (sender != NULL && pl_key_equal(sender, e->signer))
    highest = pl_peer_seq_slot(node, from);
  if (highest != NULL && pl_seq_check(*highest, e->seq) != PL_OK)
    return PL_ERR_REPLAY;
  pl_node_note_verify(node);
  if (pl_envelope_verify(node->env, msg) != PL_OK)
    return PL_ERR_BAD_SIGNATURE;
  if (highest != NULL)
    *highest = e->seq;
  return PL_OK;
}

void
pl_node_prefetch(const pl_node *node)
{
  for (size_t off = 0; off < sizeof *node; off += 64)
    __builtin_prefetch((const char *)node + off);
}

void
pl_node_prefetch_states(const pl_node *node)
{
  /* Each layer says how many of its state's first bytes every message
   * reads (64 unless it says otherwise); the allocator aligns a state to
   * 16 bytes only, so they straddle one line more than their size: load
   * every line they touch. */
  for (unsigned l = 0; l < PL_LAYER_MAX; l++) {
    const char *s = node->layer_state[l];
    if (s == NULL || layers[l] == NULL)
      continue;
    unsigned len = layers[l]->hot_len ? layers[l]->hot_len : 64;
    for (unsigned off = 0; off < len; off += 64)
      __builtin_prefetch(s + off);
    __builtin_prefetch(s + len - 1);
  }
}

void *
pl_node_layer_state(const pl_node *node, pl_layer_id layer)
{
  g_assert((unsigned)layer < PL_LAYER_MAX);
  return node->layer_state[layer];
}

void
pl_node_set_score_hook(pl_node *node, pl_score_fn fn, void *user_data)
{
  node->score_fn = fn;
  node->score_user_data = user_data;
}

void
pl_node_peer_up(pl_node *node, pl_time_ns now, pl_peer peer)
{
  for (unsigned l = 0; l < PL_LAYER_MAX; l++) {
    const pl_layer *layer = layer_of(node, l);
    if (layer != NULL && layer->peer_up != NULL)
      layer->peer_up(node, node->layer_state[l], now, peer);
  }
}

void
pl_node_peer_down(pl_node *node, pl_time_ns now, pl_peer peer)
{
  for (unsigned l = 0; l < PL_LAYER_MAX; l++) {
    const pl_layer *layer = layer_of(node, l);
    if (layer != NULL && layer->peer_down != NULL)
      layer->peer_down(node, node->layer_state[l], now, peer);
  }
}
