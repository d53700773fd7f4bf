/*
 * test-gossip.c — the gossip layer driven through the node API.
 *
 * A small in-test host: up to MAXN nodes sharing one config, connected by
 * CONNECT commands into a fixed graph (node i dials i+1, i+2 and i+5 mod
 * n), a binary-heap event queue ordered by (time, scheduling order), a
 * fixed 10 ms one-way latency, per-node splitmix64 streams with fixed
 * seeds, links that can be blocked (partitions), per-node metric sums and
 * a log of the observations the cores report.
 */
#include <string.h>

#include <glib.h>

#include "gossip.h"
#include "identity.h"
#include "node_internal.h"
#include "sigcache.h"
#include "testutil.h"
#include "wire.h"

#define MAXN 64
#define LAT_NS (10 * PL_NS_PER_MS)
#define S PL_NS_PER_S

enum { EV_MSG, EV_TIMER };

typedef struct event {
  pl_time_ns at;
  guint64 seq;
  int kind;
  pl_peer from, to;
  uint32_t id;
  guint len;
  uint8_t *bytes;
} event;

typedef struct obs_rec {
  pl_peer node;
  uint32_t kind;
  uint8_t key[32];
  uint64_t a, b, c;
} obs_rec;

typedef struct host {
  pl_env env;
  pl_config cfg;
  uint8_t keys[MAXN][32];
  uint8_t seeds[MAXN][32];
  pl_node *nodes[MAXN];
  guint n;
  GArray *heap; /* event */
  guint64 seq;
  guint64 rng[MAXN];
  pl_time_ns now;
  gboolean blocked[MAXN];          /* node cut off from everyone */
  double counter[MAXN][PL_METRIC_COUNT];
  GArray *obs;                     /* obs_rec */
  GChecksum *digest;               /* of every message sent */
  pl_sigcache *memo;
  guint sends_to[MAXN];            /* network messages delivered to each node */
  uint8_t last_id[32];             /* copy of the last published id */
} host;

static gboolean
ev_less(const event *a, const event *b)
{
  return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void
heap_push(host *h, event ev)
{
  ev.seq = h->seq++;
  g_array_append_val(h->heap, ev);
  guint i = h->heap->len - 1;
  event *e = (event *)h->heap->data;
  while (i > 0) {
    guint p = (i - 1) / 2;
    if (!ev_less(&e[i], &e[p]))
      break;
    event t = e[i];
    e[i] = e[p];
    e[p] = t;
    i = p;
  }
}

static event
heap_pop(host *h)
{
  event *e = (event *)h->heap->data;
  event top = e[0];
  e[0] = e[h->heap->len - 1];
  g_array_set_size(h->heap, h->heap->len - 1);
  guint n = h->heap->len, i = 0;
  e = (event *)h->heap->data;
  for (;;) {
    guint l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && ev_less(&e[l], &e[m]))
      m = l;
    if (r < n && ev_less(&e[r], &e[m]))
      m = r;
    if (m == i)
      break;
    event t = e[i];
    e[i] = e[m];
    e[m] = t;
    i = m;
  }
  return top;
}

static void
cb_send(pl_peer self, pl_peer to, const uint8_t *bytes, size_t len, void *ud)
{
  host *h = ud;
  guint64 hdr[3] = {h->now, self, to};
  g_checksum_update(h->digest, (const guchar *)hdr, sizeof hdr);
  g_checksum_update(h->digest, bytes, len);
  if (h->blocked[self] || h->blocked[to])
    return;
  event ev = {h->now + LAT_NS, 0, EV_MSG, self, to, 0, (guint)len, g_memdup2(bytes, len)};
  heap_push(h, ev);
}

static void
cb_timer(pl_peer self, pl_time_ns at, uint32_t id, void *ud)
{
  host *h = ud;
  g_assert_cmpuint(at, >=, h->now);
  event ev = {at, 0, EV_TIMER, PL_PEER_NONE, self, id, 0, NULL};
  heap_push(h, ev);
}

static uint64_t
cb_random(pl_peer self, void *ud)
{
  host *h = ud;
  uint64_t z = (h->rng[self] += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static void
cb_metric(pl_peer self, pl_metric metric, double value, void *ud)
{
  host *h = ud;
  g_assert_cmpint(metric, <, PL_METRIC_COUNT);
  h->counter[self][metric] += value;
}

static const uint8_t *
cb_key(pl_peer peer, void *ud)
{
  host *h = ud;
  return peer < h->n ? h->keys[peer] : NULL;
}

static pl_peer
cb_intern(const uint8_t key[PL_KEY_BYTES], void *ud)
{
  host *h = ud;
  for (guint i = 0; i < h->n; i++)
    if (memcmp(h->keys[i], key, 32) == 0)
      return i;
  return PL_PEER_NONE;
}

static void
cb_observe(pl_peer self, const pl_observation *o, void *ud)
{
  host *h = ud;
  obs_rec r = {self, o->kind, {0}, o->a, o->b, o->c};
  if (o->key != NULL)
    memcpy(r.key, o->key, 32);
  g_array_append_val(h->obs, r);
}

/* A host of |n| identities with default config in gossip |mode|. */
static host *
host_new(guint n, pl_gossip_mode mode)
{
  g_assert_cmpuint(n, <=, MAXN);
  host *h = g_new0(host, 1);
  h->env.send_cb = cb_send;
  h->env.timer_cb = cb_timer;
  h->env.random_cb = cb_random;
  h->env.metric_cb = cb_metric;
  h->env.peer_key_cb = cb_key;
  h->env.peer_intern_cb = cb_intern;
  h->env.observe_cb = cb_observe;
  h->memo = pl_sigcache_new(4096);
  h->env.sigcache = h->memo;
  h->env.user_data = h;
  h->heap = g_array_new(FALSE, FALSE, sizeof(event));
  h->obs = g_array_new(FALSE, FALSE, sizeof(obs_rec));
  h->digest = g_checksum_new(G_CHECKSUM_SHA256);
  h->n = n;
  pl_config_defaults(&h->cfg);
  h->cfg.gossip.mode = mode;
  h->cfg.target_peers = 6;
  h->cfg.features = 0; /* no peer exchange: the graph stays the one we dial */
  for (guint i = 0; i < n; i++) {
    h->seeds[i][0] = (uint8_t)(i + 1);
    h->seeds[i][31] = 0x5a;
    pl_identity_from_seed(h->seeds[i], h->keys[i], NULL);
    h->rng[i] = UINT64_C(4242) + i;
  }
  return h;
}

static void
host_free(host *h)
{
  for (guint i = 0; i < h->n; i++)
    pl_node_free(h->nodes[i]);
  for (guint i = 0; i < h->heap->len; i++)
    g_free(g_array_index(h->heap, event, i).bytes);
  g_array_free(h->heap, TRUE);
  g_array_free(h->obs, TRUE);
  g_checksum_free(h->digest);
  pl_sigcache_free(h->memo);
  g_free(h);
}

static void
host_run(host *h, pl_time_ns t)
{
  while (h->heap->len > 0 && g_array_index(h->heap, event, 0).at <= t) {
    event ev = heap_pop(h);
    h->now = ev.at;
    if (ev.to < h->n && h->nodes[ev.to] != NULL) {
      if (ev.kind == EV_MSG) {
        h->sends_to[ev.to]++;
        (void)pl_node_receive(h->nodes[ev.to], h->now, ev.from, ev.bytes, ev.len);
      } else {
        pl_node_timer(h->nodes[ev.to], h->now, ev.id);
      }
    }
    g_free(ev.bytes);
  }
  h->now = t;
}

static int
host_cmd(host *h, guint i, pl_command_kind kind, pl_peer peer, uint64_t arg,
         const uint8_t *data, size_t len)
{
  pl_command c = {kind, peer, arg, data, len};
  return pl_node_command(h->nodes[i], h->now, &c);
}

/* Create and start every node, dial the fixed graph, let it settle 5 s. */
static void
host_start(host *h)
{
  for (guint i = 0; i < h->n; i++) {
    h->nodes[i] = pl_node_new(&h->cfg, &h->env, i, h->seeds[i]);
    g_assert_nonnull(h->nodes[i]);
    pl_node_start(h->nodes[i], h->now);
  }
  static const guint step[] = {1, 2, 5};
  for (guint i = 0; i < h->n; i++)
    for (guint s = 0; s < G_N_ELEMENTS(step); s++) {
      guint j = (i + step[s]) % h->n;
      if (j != i)
        (void)host_cmd(h, i, PL_CMD_CONNECT, j, 0, NULL, 0);
    }
  host_run(h, h->now + 5 * S);
  for (guint i = 0; i < h->n; i++)
    g_assert_cmpuint(pl_node_peer_count(h->nodes[i]), >=, MIN(h->n - 1, 2u));
}

static void
subscribe_all(host *h, uint32_t topic)
{
  for (guint i = 0; i < h->n; i++)
    g_assert_cmpint(host_cmd(h, i, PL_CMD_GOSSIP_SUBSCRIBE, PL_PEER_NONE, topic, NULL, 0), ==,
                    PL_OK);
}

/* The id of the last message published (from the observation log). */
static const uint8_t *
last_published(host *h)
{
  for (guint i = h->obs->len; i-- > 0;) {
    obs_rec *r = &g_array_index(h->obs, obs_rec, i);
    if (r->kind == PL_OBS_GOSSIP_PUBLISHED) {
      memcpy(h->last_id, r->key, 32); /* the log may move */
      return h->last_id;
    }
  }
  g_assert_not_reached();
  return NULL;
}

/* Nodes that reported DELIVERED for |id|. */
static guint
delivered_count(host *h, const uint8_t *id)
{
  guint n = 0;
  for (guint i = 0; i < h->obs->len; i++) {
    obs_rec *r = &g_array_index(h->obs, obs_rec, i);
    if (r->kind == PL_OBS_GOSSIP_DELIVERED && memcmp(r->key, id, 32) == 0)
      n++;
  }
  return n;
}

static double
total(host *h, pl_metric m)
{
  double s = 0;
  for (guint i = 0; i < h->n; i++)
    s += h->counter[i][m];
  return s;
}

static int
publish(host *h, guint i, uint32_t topic, size_t len)
{
  return host_cmd(h, i, PL_CMD_GOSSIP_PUBLISH, PL_PEER_NONE, topic, NULL, len);
}

/* ------------------------------------------------------------------ codec */

static void
test_codec_round_trip(void)
{
  uint8_t seed[32] = {7}, key[32], id[32], msg[512];
  pl_identity_from_seed(seed, key, NULL);
  int mlen = pl_gossip_message_build(msg, sizeof msg, seed, key, 5, 9 * S, 77,
                                     (const uint8_t *)"hello", 5, id);
  g_assert_cmpint(mlen, ==, PL_WIRE_ENVELOPE_OVERHEAD + 4 + 5);
  uint8_t want[32];
  pl_hash(msg, (size_t)mlen, want);
  g_assert_cmpmem(id, 32, want, 32); /* id = content hash of the signed bytes */
  pl_msg env;
  g_assert_cmpint(pl_envelope_open(&(pl_env){0}, msg, (size_t)mlen, &env), ==, PL_OK);
  g_assert_cmpuint(env.u.envelope.inner_type, ==, PL_MSG_GOSSIP_DATA);

  uint8_t ids[3 * 32], sids[2 * 8];
  for (guint i = 0; i < sizeof ids; i++)
    ids[i] = (uint8_t)i;
  memset(sids, 0xab, sizeof sids);
  pl_gossip_item in[] = {
    {.kind = PL_GOSSIP_ITEM_DATA, .hops = 3, .round = 513, .id = id, .data = msg,
     .len = (uint16_t)mlen},
    {.kind = PL_GOSSIP_ITEM_IHAVE, .topic = 0xdeadbeef, .count = 3, .ids = ids},
    {.kind = PL_GOSSIP_ITEM_IWANT, .count = 2, .ids = ids},
    {.kind = PL_GOSSIP_ITEM_GRAFT, .topic = 1},
    {.kind = PL_GOSSIP_ITEM_PRUNE, .topic = 2, .backoff_hb = 60},
    {.kind = PL_GOSSIP_ITEM_SUB, .topic = 3},
    {.kind = PL_GOSSIP_ITEM_UNSUB, .topic = 4},
    {.kind = PL_GOSSIP_ITEM_DIGEST, .flags = PL_GOSSIP_DIGEST_REPLY, .count = 2, .ids = sids},
    {.kind = PL_GOSSIP_ITEM_DIGEST, .count = 0},
    {.kind = PL_GOSSIP_ITEM_KNEW, .count = 1, .ids = sids},
  };
  uint8_t buf[PL_GOSSIP_BATCH_MAX_BYTES];
  pl_gossip_writer w;
  pl_gossip_writer_init(&w, buf, sizeof buf);
  for (guint i = 0; i < G_N_ELEMENTS(in); i++)
    g_assert_cmpint(pl_gossip_writer_add(&w, &in[i]), ==, PL_OK);
  size_t n = pl_gossip_writer_finish(&w);
  pl_msg m;
  g_assert_cmpint(pl_wire_decode(buf, n, &m), ==, PL_OK);
  g_assert_cmpuint(m.type, ==, PL_MSG_GOSSIP_BATCH);
  pl_gossip_item out[PL_GOSSIP_BATCH_ITEMS_MAX];
  uint32_t cnt;
  g_assert_cmpint(pl_gossip_decode(m.u.raw.body, m.u.raw.len, out, &cnt), ==, PL_OK);
  g_assert_cmpuint(cnt, ==, G_N_ELEMENTS(in));
  for (guint i = 0; i < cnt; i++) {
    g_assert_cmpuint(out[i].kind, ==, in[i].kind);
    g_assert_cmpuint(out[i].topic, ==, in[i].topic);
    g_assert_cmpuint(out[i].count, ==, in[i].count);
    g_assert_cmpuint(out[i].hops, ==, in[i].hops);
    g_assert_cmpuint(out[i].round, ==, in[i].round);
    g_assert_cmpuint(out[i].flags, ==, in[i].flags);
    g_assert_cmpuint(out[i].backoff_hb, ==, in[i].backoff_hb);
    g_assert_cmpuint((guint)pl_gossip_item_bytes(&out[i]), ==,
                     (guint)pl_gossip_item_bytes(&in[i]));
  }
  g_assert_cmpmem(out[0].data, out[0].len, msg, (size_t)mlen);
  g_assert_cmpmem(out[1].ids, 96, ids, 96);
  /* Re-encoding the decoded items gives the same bytes. */
  uint8_t again[PL_GOSSIP_BATCH_MAX_BYTES];
  pl_gossip_writer_init(&w, again, sizeof again);
  for (guint i = 0; i < cnt; i++)
    g_assert_cmpint(pl_gossip_writer_add(&w, &out[i]), ==, PL_OK);
  g_assert_cmpuint(pl_gossip_writer_finish(&w), ==, n);
  g_assert_cmpmem(again, n, buf, n);

  /* Truncated anywhere: TRUNCATED; one byte more: TRAILING. */
  for (size_t cut = 0; cut < n - 2; cut++)
    g_assert_cmpint(pl_gossip_decode(buf + 2, cut, out, &cnt), ==, PL_ERR_TRUNCATED);
  buf[n] = 0;
  g_assert_cmpint(pl_gossip_decode(buf + 2, n - 1, out, &cnt), ==, PL_ERR_TRAILING);
}

static void
test_codec_strict(void)
{
  pl_gossip_item out[PL_GOSSIP_BATCH_ITEMS_MAX];
  uint32_t n;
  static const struct {
    const char *hex;
    int want;
  } cases[] = {
    {"00", PL_ERR_BAD_FIELD},                       /* no items */
    {"41", PL_ERR_OVERLONG},                        /* 65 items */
    {"010a", PL_ERR_BAD_FIELD},                     /* unknown kind 10 */
    {"0100", PL_ERR_BAD_FIELD},                     /* kind 0 */
    {"010100", PL_ERR_BAD_FIELD},                   /* DATA hops 0 */
    {"0103" "00000001" "00", PL_ERR_BAD_FIELD},     /* IWANT count 0 */
    {"0103" "41", PL_ERR_OVERLONG},                 /* IWANT 65 ids */
    {"0102" "00000001" "00", PL_ERR_BAD_FIELD},     /* IHAVE count 0 */
    {"0108" "02" "0000", PL_ERR_BAD_FIELD},         /* DIGEST unknown flag */
    {"0108" "00" "01c1", PL_ERR_OVERLONG},          /* DIGEST 449 ids */
    {"0109" "0000", PL_ERR_BAD_FIELD},              /* KNEW count 0 */
    {"0104" "00000001" "ff", PL_ERR_TRAILING},      /* GRAFT + junk */
    {"0205" "0000000101", PL_ERR_TRUNCATED},        /* 2 items, 1 present */
  };
  for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
    uint8_t b[64];
    size_t len = strlen(cases[c].hex) / 2;
    tu_hex_decode(cases[c].hex, b, len);
    int rc = pl_gossip_decode(b, len, out, &n);
    if (rc != cases[c].want)
      g_error("case %u (%s): got %s want %s", c, cases[c].hex, pl_strerror(rc),
              pl_strerror(cases[c].want));
  }
  /* DATA lengths below the envelope overhead or over the limit. */
  uint8_t d[64] = {1, 1, 1, 0, 0};
  d[37] = 0;
  d[38] = 10; /* len 10 */
  g_assert_cmpint(pl_gossip_decode(d, 39, out, &n), ==, PL_ERR_BAD_FIELD);
  d[37] = 0xff;
  d[38] = 0xff;
  g_assert_cmpint(pl_gossip_decode(d, 39, out, &n), ==, PL_ERR_OVERLONG);
  /* The writer refuses non-canonical items and stops at 64 items. */
  uint8_t buf[PL_GOSSIP_BATCH_MAX_BYTES];
  pl_gossip_writer w;
  pl_gossip_writer_init(&w, buf, sizeof buf);
  pl_gossip_item bad = {.kind = PL_GOSSIP_ITEM_IWANT, .count = 0};
  g_assert_cmpint(pl_gossip_writer_add(&w, &bad), ==, PL_ERR_INVALID);
  bad.kind = 42;
  g_assert_cmpint(pl_gossip_writer_add(&w, &bad), ==, PL_ERR_INVALID);
  g_assert_cmpuint(pl_gossip_writer_finish(&w), ==, 0);
  pl_gossip_item g = {.kind = PL_GOSSIP_ITEM_GRAFT, .topic = 9};
  for (int i = 0; i < PL_GOSSIP_BATCH_ITEMS_MAX; i++)
    g_assert_cmpint(pl_gossip_writer_add(&w, &g), ==, PL_OK);
  g_assert_cmpint(pl_gossip_writer_add(&w, &g), ==, PL_ERR_BUFFER);
  g_assert_cmpuint(pl_gossip_writer_finish(&w), ==, 3 + 64 * 5);
  /* A small buffer: BUFFER, batch unchanged. */
  pl_gossip_writer_init(&w, buf, 8);
  g_assert_cmpint(pl_gossip_writer_add(&w, &g), ==, PL_OK);
  g_assert_cmpint(pl_gossip_writer_add(&w, &g), ==, PL_ERR_BUFFER);
  g_assert_cmpuint(pl_gossip_writer_finish(&w), ==, 8);
}

/* ---------------------------------------------------------- dissemination */

static void
test_off_by_default(void)
{
  pl_config c;
  pl_config_defaults(&c);
  g_assert_cmpint(c.gossip.mode, ==, PL_GOSSIP_OFF);
  host *h = host_new(4, PL_GOSSIP_OFF);
  host_start(h);
  g_assert_cmpint(host_cmd(h, 0, PL_CMD_GOSSIP_SUBSCRIBE, PL_PEER_NONE, 1, NULL, 0), ==,
                  PL_ERR_INVALID);
  g_assert_null(pl_node_layer_state(h->nodes[0], PL_LAYER_GOSSIP));
  host_free(h);
}

static void
test_flood_ttl(void)
{
  host *h = host_new(40, PL_GOSSIP_FLOOD);
  h->cfg.gossip.fanout = 3;
  host_start(h);
  subscribe_all(h, 7);
  g_assert_cmpint(publish(h, 0, 7, 100), ==, PL_OK);
  const uint8_t *id = last_published(h);
  host_run(h, h->now + 5 * S);
  guint reached = delivered_count(h, id);
  g_assert_cmpuint(reached, >=, 36); /* fanout 3 of ~6 peers reaches (almost) everyone */
  for (guint i = 0; i < h->n; i++)
    g_assert_true(i == 0 || !pl_gossip_subscribed(h->nodes[i], 8));
  /* Hops are at most the TTL; with TTL 1 only direct peers receive it. */
  host_free(h);
  h = host_new(40, PL_GOSSIP_FLOOD);
  h->cfg.gossip.fanout = 40;
  h->cfg.gossip.ttl_hops = 1;
  host_start(h);
  subscribe_all(h, 7);
  g_assert_cmpint(publish(h, 0, 7, 10), ==, PL_OK);
  id = last_published(h);
  host_run(h, h->now + 5 * S);
  g_assert_cmpuint(delivered_count(h, id), ==, pl_node_peer_count(h->nodes[0]));
  g_assert_cmpfloat(total(h, PL_METRIC_GOSSIP_TTL_EXPIRED), >, 0);
  for (guint i = 0; i < h->obs->len; i++) {
    obs_rec *r = &g_array_index(h->obs, obs_rec, i);
    if (r->kind == PL_OBS_GOSSIP_DELIVERED)
      g_assert_cmpuint(r->a, ==, 1);
  }
  host_free(h);
}

/* Publish one message in |mode| on a 48-node network; return nodes reached
 * after |secs| seconds, and the data items sent in *|items|. */
static guint
epidemic_run(pl_gossip_mode mode, guint k, gboolean coin, gboolean blind, guint secs,
             double *items, guint *max_round)
{
  host *h = host_new(48, mode);
  h->cfg.gossip.rumor_k = (uint8_t)k;
  h->cfg.gossip.rumor_stop = coin ? PL_GOSSIP_STOP_COIN : PL_GOSSIP_STOP_COUNTER;
  h->cfg.gossip.rumor_blind = blind;
  host_start(h);
  subscribe_all(h, 1);
  g_assert_cmpint(publish(h, 3, 1, 64), ==, PL_OK);
  uint8_t id[32];
  memcpy(id, last_published(h), 32);
  host_run(h, h->now + secs * S);
  guint reached = delivered_count(h, id);
  *items = total(h, PL_METRIC_GOSSIP_DATA_SENT);
  *max_round = 0;
  for (guint i = 0; i < h->obs->len; i++) {
    obs_rec *r = &g_array_index(h->obs, obs_rec, i);
    if (r->kind == PL_OBS_GOSSIP_DELIVERED)
      *max_round = MAX(*max_round, (guint)r->c);
  }
  host_free(h);
  return reached;
}

static void
test_epidemics(void)
{
  double items;
  guint rounds;
  /* Anti-entropy push, pull, push-pull reach everyone (47 others). */
  g_assert_cmpuint(epidemic_run(PL_GOSSIP_PUSH, 1, 0, 0, 30, &items, &rounds), ==, 47);
  g_assert_cmpuint(rounds, >=, 3);
  g_assert_cmpuint(epidemic_run(PL_GOSSIP_PULL, 1, 0, 0, 30, &items, &rounds), ==, 47);
  g_assert_cmpuint(epidemic_run(PL_GOSSIP_PUSH_PULL, 1, 0, 0, 30, &items, &rounds), ==, 47);
  double pp_items = items;
  /* Rumour mongering stops: traffic is bounded, and larger k spreads
   * further for more traffic. */
  double it1, it4;
  guint r1 = epidemic_run(PL_GOSSIP_RUMOR, 1, 0, 0, 60, &it1, &rounds);
  guint r4 = epidemic_run(PL_GOSSIP_RUMOR, 4, 0, 0, 60, &it4, &rounds);
  g_assert_cmpuint(r1, >, 10);
  g_assert_cmpuint(r4, >=, r1);
  g_assert_cmpfloat(it4, >, it1);
  g_assert_cmpfloat(it4, <, pp_items * 4);
  double ib, ic;
  guint rb = epidemic_run(PL_GOSSIP_RUMOR, 2, 0, 1, 60, &ib, &rounds); /* counter, blind */
  guint rc = epidemic_run(PL_GOSSIP_RUMOR, 2, 1, 0, 60, &ic, &rounds); /* coin, feedback */
  g_assert_cmpuint(rb, >, 5);
  g_assert_cmpuint(rc, >, 5);
  /* Blind counter k: every node pushes exactly k times (at most). */
  g_assert_cmpfloat(ib, <=, 2.0 * 48);
}

static void
test_rumor_stops(void)
{
  host *h = host_new(24, PL_GOSSIP_RUMOR);
  h->cfg.gossip.rumor_k = 2;
  host_start(h);
  subscribe_all(h, 1);
  g_assert_cmpint(publish(h, 0, 1, 8), ==, PL_OK);
  host_run(h, h->now + 40 * S);
  double a = total(h, PL_METRIC_GOSSIP_DATA_SENT);
  g_assert_cmpfloat(a, >, 0); /* the rumor was spread: the stop below is not vacuous */
  host_run(h, h->now + 20 * S);
  g_assert_cmpfloat(total(h, PL_METRIC_GOSSIP_DATA_SENT), ==, a); /* everyone lost interest */
  host_free(h);
}

/* --------------------------------------------------------------------- mesh */

static void
test_mesh_degree_and_delivery(void)
{
  host *h = host_new(40, PL_GOSSIP_MESH);
  h->cfg.target_peers = 12;
  h->cfg.gossip.mesh_d = 4;
  h->cfg.gossip.mesh_d_low = 3;
  h->cfg.gossip.mesh_d_high = 6;
  host_start(h);
  /* More links: each node also dials i+7, i+11, i+13. */
  for (guint i = 0; i < h->n; i++)
    for (guint s = 7; s <= 13; s += (s == 7 ? 4 : 2))
      (void)host_cmd(h, i, PL_CMD_CONNECT, (i + s) % h->n, 0, NULL, 0);
  host_run(h, h->now + 2 * S);
  for (guint i = 0; i < 30; i++) /* nodes 30..39 do not subscribe */
    g_assert_cmpint(host_cmd(h, i, PL_CMD_GOSSIP_SUBSCRIBE, PL_PEER_NONE, 5, NULL, 0), ==,
                    PL_OK);
  host_run(h, h->now + 5 * S);
  for (guint i = 0; i < 30; i++) {
    pl_peer mesh[64];
    uint32_t d = pl_gossip_mesh_peers(h->nodes[i], 5, mesh, 64);
    g_assert_cmpuint(d, <=, 6);
    g_assert_cmpuint(d, >=, 1);
    for (uint32_t j = 0; j < d; j++)
      g_assert_cmpuint(mesh[j], <, 30); /* only subscribers */
  }
  g_assert_cmpuint(pl_gossip_mesh_peers(h->nodes[35], 5, NULL, 0), ==, 0);
  /* A subscriber publishes: every other subscriber gets it once, no
   * non-subscriber does. */
  g_assert_cmpint(publish(h, 2, 5, 200), ==, PL_OK);
  uint8_t id[32];
  memcpy(id, last_published(h), 32);
  host_run(h, h->now + 3 * S);
  g_assert_cmpuint(delivered_count(h, id), ==, 29);
  for (guint i = 30; i < 40; i++)
    g_assert_false(pl_gossip_seen(h->nodes[i], id));
  /* A non-subscriber publishes through fanout peers. */
  g_assert_cmpint(publish(h, 35, 5, 20), ==, PL_OK);
  memcpy(id, last_published(h), 32);
  host_run(h, h->now + 3 * S);
  g_assert_cmpuint(delivered_count(h, id), ==, 30);
  g_assert_cmpfloat(total(h, PL_METRIC_GOSSIP_GRAFT), >, 0);
  /* Unsubscribe: no longer in anyone's mesh after a heartbeat. */
  g_assert_cmpint(host_cmd(h, 0, PL_CMD_GOSSIP_UNSUBSCRIBE, PL_PEER_NONE, 5, NULL, 0), ==,
                  PL_OK);
  g_assert_cmpint(host_cmd(h, 0, PL_CMD_GOSSIP_UNSUBSCRIBE, PL_PEER_NONE, 5, NULL, 0), ==,
                  PL_ERR_NOT_FOUND);
  host_run(h, h->now + 2 * S);
  for (guint i = 1; i < 30; i++) {
    pl_peer mesh[64];
    uint32_t d = pl_gossip_mesh_peers(h->nodes[i], 5, mesh, 64);
    for (uint32_t j = 0; j < d; j++)
      g_assert_cmpuint(mesh[j], !=, 0);
  }
  host_free(h);
}

/* Strategy: never relay anything. */
static bool
never_relay(pl_node *node, pl_time_ns now, const uint8_t *id, uint32_t topic, pl_peer from,
            void *state)
{
  (void)node, (void)now, (void)id, (void)topic, (void)from;
  (*(guint *)state)++;
  return false;
}

static void
test_mesh_ihave_iwant(void)
{
  /* The lazy path alone: D = 0 keeps meshes empty, so a message reaches
   * peers only through IHAVE -> IWANT (after the publisher's fanout). */
  host *h = host_new(20, PL_GOSSIP_MESH);
  h->cfg.gossip.mesh_d = 0;
  h->cfg.gossip.mesh_d_low = 0;
  h->cfg.gossip.mesh_d_high = 0;
  h->cfg.gossip.fanout = 1;
  h->cfg.gossip.mesh_d_lazy = 20;
  host_start(h);
  subscribe_all(h, 9);
  host_run(h, h->now + 2 * S);
  g_assert_cmpint(publish(h, 0, 9, 50), ==, PL_OK);
  uint8_t id[32];
  memcpy(id, last_published(h), 32);
  host_run(h, h->now + 10 * S);
  g_assert_cmpuint(delivered_count(h, id), ==, 19);
  g_assert_cmpfloat(total(h, PL_METRIC_GOSSIP_IHAVE), >, 0);
  g_assert_cmpfloat(total(h, PL_METRIC_GOSSIP_IWANT), >, 0);
  g_assert_cmpfloat(total(h, PL_METRIC_GOSSIP_RECOVERED), >, 0);
  g_assert_cmpfloat(total(h, PL_METRIC_GOSSIP_BROKEN_PROMISE), ==, 0);
  host_free(h);
}

/* Strategy: advertise but never serve (a relay that IHAVEs then censors). */
static void
test_broken_promise_scores(void)
{
  host *h = host_new(3, PL_GOSSIP_MESH);
  host_start(h);
  subscribe_all(h, 1);
  host_run(h, h->now + 2 * S);
  /* Node 1 hears an IHAVE from node 2 for an id nobody will send. */
  uint8_t ids[32];
  memset(ids, 0x33, 32);
  uint8_t buf[128];
  pl_gossip_writer w;
  pl_gossip_writer_init(&w, buf, sizeof buf);
  pl_gossip_item it = {.kind = PL_GOSSIP_ITEM_IHAVE, .topic = 1, .count = 1, .ids = ids};
  g_assert_cmpint(pl_gossip_writer_add(&w, &it), ==, PL_OK);
  size_t n = pl_gossip_writer_finish(&w);
  g_assert_cmpint(pl_node_receive(h->nodes[1], h->now, 2, buf, n), ==, PL_OK);
  int32_t before = pl_gossip_score(h->nodes[1], 2);
  host_run(h, h->now + 5 * S);
  g_assert_cmpfloat(h->counter[1][PL_METRIC_GOSSIP_BROKEN_PROMISE], ==, 1);
  g_assert_cmpint(pl_gossip_score(h->nodes[1], 2), <, before);
  /* With scoring off the score ignores behaviour. */
  host_free(h);
  h = host_new(3, PL_GOSSIP_MESH);
  h->cfg.gossip.score_enabled = 0;
  host_start(h);
  subscribe_all(h, 1);
  host_run(h, h->now + 2 * S);
  g_assert_cmpint(pl_node_receive(h->nodes[1], h->now, 2, buf, n), ==, PL_OK);
  host_run(h, h->now + 5 * S);
  g_assert_cmpint(pl_gossip_score(h->nodes[1], 2), ==, 0);
  host_free(h);
}

static int32_t
hook_score(pl_node *node, pl_peer peer, void *ud)
{
  (void)node;
  return peer == *(pl_peer *)ud ? -1000 : 0;
}

static void
test_score_hook_prunes(void)
{
  host *h = host_new(8, PL_GOSSIP_MESH);
  h->cfg.gossip.score_enabled = 0;
  host_start(h);
  subscribe_all(h, 1);
  host_run(h, h->now + 3 * S);
  pl_peer mesh[16];
  uint32_t d = pl_gossip_mesh_peers(h->nodes[0], 1, mesh, 16);
  g_assert_cmpuint(d, >, 0);
  pl_peer bad = mesh[0];
  pl_gossip_set_score_hook(h->nodes[0], hook_score, &bad);
  g_assert_cmpint(pl_gossip_score(h->nodes[0], bad), ==, -1000);
  host_run(h, h->now + 3 * S);
  d = pl_gossip_mesh_peers(h->nodes[0], 1, mesh, 16);
  for (uint32_t j = 0; j < d; j++)
    g_assert_cmpuint(mesh[j], !=, bad);
  host_free(h);
}

static int
sybil_graft(pl_node *node, pl_time_ns now, uint32_t topic, pl_peer peer, void *state)
{
  (void)node, (void)now, (void)topic;
  return peer == *(pl_peer *)state ? 1 : 0;
}

static size_t
control_batch(uint8_t *buf, size_t cap, uint8_t kind, uint32_t topic)
{
  pl_gossip_writer w;
  pl_gossip_writer_init(&w, buf, cap);
  pl_gossip_item it = {.kind = kind, .topic = topic, .backoff_hb = 5};
  g_assert_cmpint(pl_gossip_writer_add(&w, &it), ==, PL_OK);
  return pl_gossip_writer_finish(&w);
}

static void
test_graft_backoff_violation(void)
{
  host *h = host_new(6, PL_GOSSIP_MESH);
  h->cfg.gossip.mesh_d = 1;
  h->cfg.gossip.mesh_d_low = 1;
  h->cfg.gossip.mesh_d_high = 1;
  host_start(h);
  uint8_t buf[64];
  /* A GRAFT for a topic node 0 does not subscribe: PRUNE and backoff. */
  size_t n = control_batch(buf, sizeof buf, PL_GOSSIP_ITEM_GRAFT, 9);
  g_assert_cmpint(pl_node_receive(h->nodes[0], h->now, 1, buf, n), ==, PL_OK);
  g_assert_cmpfloat(h->counter[0][PL_METRIC_GOSSIP_PRUNE], ==, 1);
  g_assert_cmpint(host_cmd(h, 0, PL_CMD_GOSSIP_SUBSCRIBE, PL_PEER_NONE, 9, NULL, 0), ==, PL_OK);
  /* Grafting again during the backoff is a violation. */
  g_assert_cmpint(pl_node_receive(h->nodes[0], h->now, 1, buf, n), ==, PL_OK);
  g_assert_cmpint(pl_gossip_score(h->nodes[0], 1), ==, PL_GOSSIP_SCORE_VIOLATION);
  pl_peer mesh[16];
  uint32_t d = pl_gossip_mesh_peers(h->nodes[0], 9, mesh, 16);
  for (uint32_t j = 0; j < d; j++)
    g_assert_cmpuint(mesh[j], !=, 1);
  /* A PRUNE from a mesh peer removes it and backs off. */
  host_free(h);

  /* A mesh Sybil (gossip_graft > 0 for the victim) grafts at every
   * heartbeat and ignores PRUNE: it keeps the victim in its own mesh
   * whatever the victim answers. */
  h = host_new(6, PL_GOSSIP_MESH);
  h->cfg.gossip.mesh_d = 1;
  h->cfg.gossip.mesh_d_low = 1;
  h->cfg.gossip.mesh_d_high = 1;
  host_start(h);
  subscribe_all(h, 1);
  pl_peer victim = 0;
  pl_strategy sybil = {.name = "sybil", .gossip_graft = sybil_graft, .state = &victim};
  pl_node_set_strategy(h->nodes[1], &sybil);
  host_run(h, h->now + 20 * S);
  d = pl_gossip_mesh_peers(h->nodes[1], 1, mesh, 16);
  gboolean has_victim = FALSE;
  for (uint32_t j = 0; j < d; j++)
    has_victim |= mesh[j] == 0;
  g_assert_true(has_victim);
  g_assert_cmpfloat(h->counter[1][PL_METRIC_GOSSIP_GRAFT], >=, 1);
  host_free(h);
}

/* ------------------------------------------------------------ hostile input */

static bool
corrupt_all(pl_node *node, pl_time_ns now, uint32_t topic, void *state)
{
  (void)node, (void)now, (void)topic, (void)state;
  return true;
}

static void
test_invalid_signature_rejected(void)
{
  host *h = host_new(10, PL_GOSSIP_FLOOD);
  h->cfg.gossip.fanout = 10;
  host_start(h);
  subscribe_all(h, 1);
  pl_strategy spam = {.name = "spam", .gossip_corrupt = corrupt_all};
  pl_node_set_strategy(h->nodes[4], &spam);
  for (int i = 0; i < 3; i++)
    g_assert_cmpint(publish(h, 4, 1, 30), ==, PL_OK);
  host_run(h, h->now + 3 * S);
  guint peers = pl_node_peer_count(h->nodes[4]);
  g_assert_cmpfloat(total(h, PL_METRIC_GOSSIP_INVALID_REJECTED), ==, 3.0 * peers);
  g_assert_cmpfloat(total(h, PL_METRIC_GOSSIP_DELIVERED), ==, 0);
  pl_peer list[16];
  uint32_t np = pl_node_peers(h->nodes[4], list, 16);
  for (uint32_t j = 0; j < np; j++) {
    g_assert_cmpuint(pl_node_rejected(h->nodes[list[j]], PL_ERR_BAD_SIGNATURE), >=, 1);
    g_assert_cmpint(pl_gossip_score(h->nodes[list[j]], 4), <, PL_GOSSIP_SCORE_INVALID); /* decayed */
  }
  host_free(h);
}

/* A batch with one DATA item carrying |msg| claimed as |id|, hops 1. */
static size_t
data_batch(uint8_t *buf, size_t cap, const uint8_t *id, const uint8_t *msg, size_t len,
           guint copies)
{
  pl_gossip_writer w;
  pl_gossip_writer_init(&w, buf, cap);
  pl_gossip_item it = {.kind = PL_GOSSIP_ITEM_DATA, .hops = 1, .id = id, .data = msg,
                       .len = (uint16_t)len};
  for (guint c = 0; c < copies; c++)
    g_assert_cmpint(pl_gossip_writer_add(&w, &it), ==, PL_OK);
  return pl_gossip_writer_finish(&w);
}

static void
test_hostile_data(void)
{
  host *h = host_new(3, PL_GOSSIP_FLOOD);
  host_start(h);
  subscribe_all(h, 1);
  pl_node *a = h->nodes[0];
  uint8_t msg[PL_WIRE_MAX_BYTES], id[32], buf[PL_WIRE_MAX_BYTES];
  /* Published by node 2, relayed by node 1. */
  int len = pl_gossip_message_build(msg, sizeof msg, h->seeds[2], h->keys[2], h->now, h->now, 1,
                                    NULL, 16, id);
  g_assert_cmpint(len, >, 0);
  /* Wrong claimed id: refused, counted. */
  uint8_t wrong[32];
  memcpy(wrong, id, 32);
  wrong[31] ^= 1;
  size_t n = data_batch(buf, sizeof buf, wrong, msg, (size_t)len, 1);
  g_assert_cmpint(pl_node_receive(a, h->now, 1, buf, n), ==, PL_ERR_BAD_FIELD);
  g_assert_false(pl_gossip_seen(a, id));
  /* Right id: delivered; the same again: a duplicate, not a rejection. */
  n = data_batch(buf, sizeof buf, id, msg, (size_t)len, 1);
  g_assert_cmpint(pl_node_receive(a, h->now, 1, buf, n), ==, PL_OK);
  g_assert_true(pl_gossip_seen(a, id));
  g_assert_cmpint(pl_node_receive(a, h->now, 1, buf, n), ==, PL_OK);
  g_assert_cmpfloat(h->counter[0][PL_METRIC_GOSSIP_DELIVERED], ==, 1);
  g_assert_cmpfloat(h->counter[0][PL_METRIC_GOSSIP_DUPLICATE], ==, 1);
  /* Stale: older than seen_ttl. */
  host_run(h, h->now + 200 * S);
  uint8_t id2[32];
  len = pl_gossip_message_build(msg, sizeof msg, h->seeds[2], h->keys[2], 1, 1, 1, NULL, 16,
                                id2);
  n = data_batch(buf, sizeof buf, id2, msg, (size_t)len, 1);
  g_assert_cmpint(pl_node_receive(a, h->now, 1, buf, n), ==, PL_ERR_STALE);
  /* The first message after its seen entry expired: stale, not delivered twice. */
  g_assert_false(pl_gossip_seen(a, id));
  /* Oversize payload (over max_payload_bytes). */
  len = pl_gossip_message_build(msg, sizeof msg, h->seeds[2], h->keys[2], h->now, h->now, 1,
                                NULL, 2000, id2);
  n = data_batch(buf, sizeof buf, id2, msg, (size_t)len, 1);
  g_assert_cmpint(pl_node_receive(a, h->now, 1, buf, n), ==, PL_ERR_OVERLONG);
  /* Not a gossip envelope inside: a SIGNED of another inner type. */
  uint8_t payload[8] = {0};
  len = pl_envelope_seal(msg, sizeof msg, h->seeds[2], h->keys[2], 1, h->now, 0x30, payload, 8);
  pl_hash(msg, (size_t)len, id2);
  n = data_batch(buf, sizeof buf, id2, msg, (size_t)len, 1);
  g_assert_cmpint(pl_node_receive(a, h->now, 1, buf, n), ==, PL_ERR_BAD_FIELD);
  g_assert_cmpfloat(h->counter[0][PL_METRIC_GOSSIP_INVALID_REJECTED], ==, 4);
  /* The same id twice in one batch: a violation (score drops). */
  int32_t before = pl_gossip_score(a, 1);
  len = pl_gossip_message_build(msg, sizeof msg, h->seeds[2], h->keys[2], h->now + 1, h->now, 1,
                                NULL, 4, id2);
  n = data_batch(buf, sizeof buf, id2, msg, (size_t)len, 3);
  g_assert_cmpint(pl_node_receive(a, h->now, 1, buf, n), ==, PL_OK);
  g_assert_cmpint(pl_gossip_score(a, 1), <, before);
  /* Malformed batch: counted by reason; from a non-peer: unexpected. */
  buf[2] = 0;
  g_assert_cmpint(pl_node_receive(a, h->now, 1, buf, 3), ==, PL_ERR_BAD_FIELD);
  n = data_batch(buf, sizeof buf, id2, msg, (size_t)len, 1);
  host_free(h);
}

static void
test_graylist(void)
{
  host *h = host_new(3, PL_GOSSIP_MESH);
  host_start(h);
  subscribe_all(h, 1);
  pl_strategy spam = {.name = "spam", .gossip_corrupt = corrupt_all};
  pl_node_set_strategy(h->nodes[1], &spam);
  /* Five invalid messages: about -500 < graylist -200; later batches are
   * refused. */
  for (int i = 0; i < 5; i++) {
    g_assert_cmpint(publish(h, 1, 1, 8), ==, PL_OK);
    host_run(h, h->now + 100 * PL_NS_PER_MS);
  }
  g_assert_cmpint(pl_gossip_score(h->nodes[0], 1), <, h->cfg.gossip.score_graylist);
  /* Node 0 pruned node 1 from its mesh; anything node 1 sends is refused. */
  uint8_t buf[64];
  size_t n = control_batch(buf, sizeof buf, PL_GOSSIP_ITEM_SUB, 3);
  g_assert_cmpint(pl_node_receive(h->nodes[0], h->now, 1, buf, n), ==, PL_ERR_UNEXPECTED);
  g_assert_cmpfloat(h->counter[0][PL_METRIC_GOSSIP_GRAYLISTED], ==, 1);
  pl_peer mesh[16];
  uint32_t d = pl_gossip_mesh_peers(h->nodes[0], 1, mesh, 16);
  for (uint32_t j = 0; j < d; j++)
    g_assert_cmpuint(mesh[j], !=, 1);
  host_free(h);
}

static uint32_t
three_copies(pl_node *node, pl_time_ns now, pl_peer to, void *state)
{
  (void)node, (void)now, (void)to, (void)state;
  return 3;
}

static void
test_duplicate_flood(void)
{
  host *h = host_new(6, PL_GOSSIP_FLOOD);
  h->cfg.gossip.fanout = 6;
  host_start(h);
  subscribe_all(h, 1);
  pl_strategy dup = {.name = "dup", .gossip_copies = three_copies};
  pl_node_set_strategy(h->nodes[0], &dup);
  g_assert_cmpint(publish(h, 0, 1, 8), ==, PL_OK);
  const uint8_t *id = last_published(h);
  host_run(h, h->now + 2 * S);
  g_assert_cmpuint(delivered_count(h, id), ==, 5); /* still delivered once each */
  pl_peer list[16];
  uint32_t np = pl_node_peers(h->nodes[0], list, 16);
  for (uint32_t j = 0; j < np; j++) {
    g_assert_cmpfloat(h->counter[list[j]][PL_METRIC_GOSSIP_DUPLICATE], >=, 3);
    g_assert_cmpint(pl_gossip_score(h->nodes[list[j]], 0), <, 0);
  }
  host_free(h);
}

static void
test_censor_relay(void)
{
  /* A line 0 - 1 - 2 (flood, fanout everyone): a censoring node 1 delivers
   * but never forwards, so node 2 never hears. */
  host *h = host_new(3, PL_GOSSIP_FLOOD);
  h->cfg.gossip.fanout = 8;
  for (guint i = 0; i < 3; i++) {
    h->nodes[i] = pl_node_new(&h->cfg, &h->env, i, h->seeds[i]);
    pl_node_start(h->nodes[i], 0);
  }
  (void)host_cmd(h, 0, PL_CMD_CONNECT, 1, 0, NULL, 0);
  (void)host_cmd(h, 1, PL_CMD_CONNECT, 2, 0, NULL, 0);
  host_run(h, 2 * S);
  subscribe_all(h, 1);
  guint relay_calls = 0;
  pl_strategy censor = {.name = "censor", .gossip_relay = never_relay, .state = &relay_calls};
  pl_node_set_strategy(h->nodes[1], &censor);
  g_assert_cmpint(publish(h, 0, 1, 8), ==, PL_OK);
  const uint8_t *id = last_published(h);
  host_run(h, h->now + 2 * S);
  g_assert_true(pl_gossip_seen(h->nodes[1], id));
  g_assert_false(pl_gossip_seen(h->nodes[2], id));
  g_assert_cmpuint(relay_calls, ==, 1);
  pl_node_set_strategy(h->nodes[1], NULL);
  g_assert_cmpint(publish(h, 0, 1, 8), ==, PL_OK);
  id = last_published(h);
  host_run(h, h->now + 2 * S);
  g_assert_true(pl_gossip_seen(h->nodes[2], id));
  host_free(h);
}

/* ------------------------------------------------------------ anti-entropy */

static void
test_partition_catch_up(void)
{
  host *h = host_new(12, PL_GOSSIP_MESH);
  h->cfg.gossip.anti_entropy_ns = 5 * S;
  h->cfg.peer_timeout_ns = 300 * S; /* keep the sessions through the cut */
  host_start(h);
  subscribe_all(h, 1);
  host_run(h, h->now + 3 * S);
  h->blocked[7] = TRUE;
  uint8_t ids[3][32];
  for (int i = 0; i < 3; i++) {
    g_assert_cmpint(publish(h, (guint)i, 1, 40), ==, PL_OK);
    memcpy(ids[i], last_published(h), 32);
  }
  host_run(h, h->now + 10 * S);
  for (int i = 0; i < 3; i++) {
    g_assert_false(pl_gossip_seen(h->nodes[7], ids[i]));
    g_assert_cmpuint(delivered_count(h, ids[i]), ==, 10);
  }
  h->blocked[7] = FALSE; /* heal: the next digest exchange catches up */
  host_run(h, h->now + 12 * S);
  for (int i = 0; i < 3; i++)
    g_assert_true(pl_gossip_seen(h->nodes[7], ids[i]));
  g_assert_cmpfloat(h->counter[7][PL_METRIC_GOSSIP_RECOVERED], >=, 3);
  host_free(h);
}

/* ---------------------------------------------------------------- batching */


/* pl_gossip_writer_drop_data removes the first DATA item of an id and
 * keeps the rest, in order, decodable. */
static void
test_codec_drop_data(void)
{
  uint8_t seed[32] = {7}, key[32], msg[2][512], id[2][32], buf[PL_WIRE_MAX_BYTES];
  pl_identity_from_seed(seed, key, NULL);
  int len[2];
  for (int i = 0; i < 2; i++) {
    len[i] = pl_gossip_message_build(msg[i], sizeof msg[i], seed, key, (uint64_t)i + 1, 5, 3,
                                     NULL, 20 + (size_t)i, id[i]);
    g_assert_cmpint(len[i], >, 0);
  }
  pl_gossip_writer w;
  pl_gossip_writer_init(&w, buf, sizeof buf);
  pl_gossip_item sub = {.kind = PL_GOSSIP_ITEM_SUB, .topic = 3};
  pl_gossip_item ihave = {.kind = PL_GOSSIP_ITEM_IHAVE, .topic = 3, .count = 2, .ids = id[0]};
  pl_gossip_item d0 = {.kind = PL_GOSSIP_ITEM_DATA, .hops = 1, .id = id[0], .data = msg[0],
                       .len = (uint16_t)len[0]};
  pl_gossip_item d1 = {.kind = PL_GOSSIP_ITEM_DATA, .hops = 2, .id = id[1], .data = msg[1],
                       .len = (uint16_t)len[1]};
  const pl_gossip_item *seq[] = {&sub, &d0, &ihave, &d1, &d0};
  for (guint i = 0; i < G_N_ELEMENTS(seq); i++)
    g_assert_cmpint(pl_gossip_writer_add(&w, seq[i]), ==, PL_OK);
  uint8_t absent[32] = {1};
  g_assert_false(pl_gossip_writer_drop_data(&w, absent));
  g_assert_true(pl_gossip_writer_drop_data(&w, id[0]));
  g_assert_cmpuint(w.n_items, ==, 4);
  size_t n = pl_gossip_writer_finish(&w);
  pl_gossip_item items[PL_GOSSIP_BATCH_ITEMS_MAX];
  uint32_t k;
  g_assert_cmpint(pl_gossip_decode(buf + PL_WIRE_HEADER_BYTES, n - PL_WIRE_HEADER_BYTES, items,
                                   &k), ==, PL_OK);
  g_assert_cmpuint(k, ==, 4);
  g_assert_cmpuint(items[0].kind, ==, PL_GOSSIP_ITEM_SUB);
  g_assert_cmpuint(items[1].kind, ==, PL_GOSSIP_ITEM_IHAVE);
  g_assert_cmpuint(items[2].kind, ==, PL_GOSSIP_ITEM_DATA);
  g_assert_cmpmem(items[2].id, 32, id[1], 32);
  g_assert_cmpuint(items[3].kind, ==, PL_GOSSIP_ITEM_DATA);
  g_assert_cmpmem(items[3].id, 32, id[0], 32);
  g_assert_cmpmem(items[3].data, items[3].len, msg[0], (size_t)len[0]);
  /* Both DATA items of id[1] and id[0] go; then nothing is left to drop. */
  g_assert_true(pl_gossip_writer_drop_data(&w, id[1]));
  g_assert_true(pl_gossip_writer_drop_data(&w, id[0]));
  g_assert_false(pl_gossip_writer_drop_data(&w, id[0]));
  g_assert_cmpuint(w.n_items, ==, 2);
  n = pl_gossip_writer_finish(&w);
  g_assert_cmpint(pl_gossip_decode(buf + PL_WIRE_HEADER_BYTES, n - PL_WIRE_HEADER_BYTES, items,
                                   &k), ==, PL_OK);
  g_assert_cmpuint(k, ==, 2);
}

/* With a batch window, a copy queued for a peer that sends us the same
 * message before the batch leaves is dropped (flood and mesh), so that
 * peer is not sent a duplicate; data_sent counts only copies that left. */
static void
test_cancel_pending_copy(void)
{
  for (int mode = 0; mode < 2; mode++) {
    host *h = host_new(8, mode == 0 ? PL_GOSSIP_FLOOD : PL_GOSSIP_PUSH);
    h->cfg.gossip.fanout = 16;
    h->cfg.gossip.batch_window_ns = 100 * PL_NS_PER_MS;
    host_start(h);
    subscribe_all(h, 1);
    pl_node *a = h->nodes[0];
    pl_peer list[16];
    uint32_t np = pl_node_peers(a, list, 16);
    g_assert_cmpuint(np, >=, 3);
    uint8_t msg[PL_WIRE_MAX_BYTES], id[32], buf[PL_WIRE_MAX_BYTES];
    int len = pl_gossip_message_build(msg, sizeof msg, h->seeds[5], h->keys[5], h->now, h->now, 1,
                                      NULL, 16, id);
    g_assert_cmpint(len, >, 0);
    size_t n = data_batch(buf, sizeof buf, id, msg, (size_t)len, 1);
    double sent0 = h->counter[0][PL_METRIC_GOSSIP_DATA_SENT];
    /* From list[0]: new; flood queues it to the others (window open). */
    g_assert_cmpint(pl_node_receive(a, h->now, list[0], buf, n), ==, PL_OK);
    /* From list[1] before the window closes: its pending copy goes. */
    g_assert_cmpint(pl_node_receive(a, h->now + PL_NS_PER_MS, list[1], buf, n), ==, PL_OK);
    pl_gossip_stats st;
    pl_gossip_get_stats(a, &st);
    host_run(h, h->now + S);
    if (mode == 0) {
      g_assert_cmpuint(st.data_cancelled, ==, 1);
      g_assert_cmpfloat(h->counter[0][PL_METRIC_GOSSIP_DATA_SENT] - sent0, ==, np - 2);
    } else {
      g_assert_cmpuint(st.data_cancelled, ==, 0); /* round-based modes count every contact */
    }
    g_assert_cmpuint(st.duplicates, ==, 1);
    host_free(h);
  }
}

static void
test_batching(void)
{
  for (int windowed = 0; windowed < 2; windowed++) {
    host *h = host_new(2, PL_GOSSIP_FLOOD);
    h->cfg.gossip.batch_window_ns = windowed ? 50 * PL_NS_PER_MS : 0;
    host_start(h);
    subscribe_all(h, 1);
    double before = h->counter[0][PL_METRIC_GOSSIP_MESSAGES_SENT];
    for (int i = 0; i < 10; i++)
      g_assert_cmpint(publish(h, 0, 1, 100), ==, PL_OK);
    host_run(h, h->now + S);
    double batches = h->counter[0][PL_METRIC_GOSSIP_MESSAGES_SENT] - before;
    g_assert_cmpfloat(batches, ==, windowed ? 1 : 10);
    g_assert_cmpfloat(h->counter[1][PL_METRIC_GOSSIP_DELIVERED], ==, 10);
    /* A batch that fills leaves at once: items of 38 + 117 + 4 + 120 =
     * 279 bytes, 15 per batch of at most 4,213 bytes: 30 items, 2 batches. */
    before = h->counter[0][PL_METRIC_GOSSIP_MESSAGES_SENT];
    for (int i = 0; i < 30; i++)
      g_assert_cmpint(publish(h, 0, 1, 120), ==, PL_OK);
    host_run(h, h->now + S);
    batches = h->counter[0][PL_METRIC_GOSSIP_MESSAGES_SENT] - before;
    g_assert_cmpfloat(batches, ==, windowed ? 2 : 30);
    g_assert_cmpfloat(h->counter[1][PL_METRIC_GOSSIP_DELIVERED], ==, 40);
    host_free(h);
  }
}

/* ------------------------------------------------------------------ memory */

static void
test_memory_bounded(void)
{
  host *h = host_new(2, PL_GOSSIP_PUSH);
  h->cfg.gossip.seen_max = 64;
  h->cfg.gossip.store_max = 32;
  host_start(h);
  size_t idle = pl_node_memory(h->nodes[0]);
  g_assert_cmpuint(idle, <, 4096);
  subscribe_all(h, 1);
  host_run(h, h->now + 2 * S);
  size_t before = pl_gossip_memory(h->nodes[0]);
  for (int i = 0; i < 200; i++) {
    g_assert_cmpint(publish(h, 0, 1, 100), ==, PL_OK);
    host_run(h, h->now + 10 * PL_NS_PER_MS);
  }
  g_assert_cmpuint(pl_gossip_seen_count(h->nodes[0]), <=, 64);
  g_assert_cmpuint(pl_gossip_store_count(h->nodes[0]), <=, 32);
  g_assert_cmpuint(pl_node_memory(h->nodes[0]), <, idle + 64 * 40 + 32 * 320 + 2048);
  /* Everything expires: after store_ttl and seen_ttl the caches shrink. */
  host_run(h, h->now + 200 * S);
  g_assert_cmpuint(pl_gossip_seen_count(h->nodes[0]), ==, 0);
  g_assert_cmpuint(pl_gossip_store_count(h->nodes[0]), ==, 0);
  g_assert_cmpuint(pl_node_memory(h->nodes[0]), <, idle + 1024);
  /* An idle node holds no seen ring, set, store ring or index. */
  g_assert_cmpuint(pl_gossip_memory(h->nodes[0]), ==, before);
  g_print("# idle gossip node: %zu bytes (pl_node_memory)\n", idle);
  host_free(h);
}

/* The seen cache against a model through growth, wrap-around and
 * shrinking of its ring (capacities 16, 24, 40, ... are not powers of
 * two): bursts of publications of varying size, each remembered for
 * seen_ttl and forgotten at the first heartbeat after. */
static void
test_seen_ring(void)
{
  host *h = host_new(2, PL_GOSSIP_PUSH);
  h->cfg.gossip.seen_ttl_ns = 2 * S;
  h->cfg.gossip.store_ttl_ns = 2 * S;
  h->cfg.gossip.heartbeat_ns = 200 * PL_NS_PER_MS;
  pl_time_ns hb = h->cfg.gossip.heartbeat_ns;
  host_start(h);
  subscribe_all(h, 1);
  host_run(h, h->now + 2 * S);
  GArray *ids = g_array_new(FALSE, FALSE, 32);
  GArray *at = g_array_new(FALSE, FALSE, sizeof(pl_time_ns));
  size_t peak = 0;
  for (guint round = 0; round < 40; round++) {
    guint burst = (round * 7) % 23 + (round % 9 == 0 ? 40 : 1); /* 1..23, sometimes 41+ */
    for (guint k = 0; k < burst; k++) {
      g_assert_cmpint(publish(h, 0, 1, 40), ==, PL_OK);
      g_array_append_vals(ids, last_published(h), 1);
      g_array_append_val(at, h->now);
      host_run(h, h->now + PL_NS_PER_MS);
    }
    host_run(h, h->now + (round % 4 + 1) * 300 * PL_NS_PER_MS);
    peak = MAX(peak, pl_gossip_memory(h->nodes[0]));
    guint live = 0, sure_live = 0;
    for (guint i = 0; i < ids->len; i++) {
      pl_time_ns t = g_array_index(at, pl_time_ns, i) + 2 * S;
      bool seen = pl_gossip_seen(h->nodes[0], (const uint8_t *)ids->data + 32 * i);
      if (t > h->now) /* not expired yet: still there */
        g_assert_true(seen);
      if (t + hb < h->now) /* a heartbeat has passed since it expired */
        g_assert_false(seen);
      live += seen;
      sure_live += t > h->now;
    }
    g_assert_cmpuint(pl_gossip_seen_count(h->nodes[0]), ==, live);
    g_assert_cmpuint(live, >=, sure_live);
  }
  host_run(h, h->now + 4 * S);
  g_assert_cmpuint(pl_gossip_seen_count(h->nodes[0]), ==, 0);
  for (guint i = 0; i < ids->len; i++)
    g_assert_false(pl_gossip_seen(h->nodes[0], (const uint8_t *)ids->data + 32 * i));
  g_test_message("%u messages, peak gossip memory %zu bytes", ids->len, peak);
  g_array_free(ids, TRUE);
  g_array_free(at, TRUE);
  host_free(h);
}

/* ------------------------------------------------------------------- pool */

/* A test pool: one refcounted copy per id; |refuse| makes hold say no. */
typedef struct tpool {
  pl_gossip_pool hooks;
  GHashTable *by_id;  /* id (in the entry) -> pool_entry */
  guint refs;         /* references held, all ids together */
  guint holds;        /* hold calls */
  gboolean refuse;    /* hold returns NULL */
} tpool;

typedef struct pool_entry {
  guint refs;
  size_t len;
  uint8_t id[32];   /* returned by hold, the bytes right after (gossip.h) */
  uint8_t bytes[];
} pool_entry;

static const uint8_t *
tp_hold(const uint8_t *id, const uint8_t *bytes, size_t len, void *ud)
{
  tpool *tp = ud;
  tp->holds++;
  if (tp->refuse)
    return NULL;
  pool_entry *e = g_hash_table_lookup(tp->by_id, id);
  if (e == NULL) {
    e = g_malloc(sizeof *e + len);
    memcpy(e->id, id, 32);
    e->refs = 0;
    e->len = len;
    memcpy(e->bytes, bytes, len);
    g_hash_table_insert(tp->by_id, e->id, e);
  }
  g_assert_cmpuint(e->len, ==, len);
  g_assert_true(memcmp(e->bytes, bytes, len) == 0);
  e->refs++;
  tp->refs++;
  return e->id;
}

static void
tp_release(const uint8_t *held, void *ud)
{
  tpool *tp = ud;
  pool_entry *e = g_hash_table_lookup(tp->by_id, held);
  g_assert_nonnull(e);
  g_assert_true(e->id == held);
  g_assert_cmpuint(e->refs, >, 0);
  tp->refs--;
  if (--e->refs == 0)
    g_hash_table_remove(tp->by_id, held);
}

static guint
id32_hash(gconstpointer k)
{
  guint x;
  memcpy(&x, k, sizeof x);
  return x;
}

static gboolean
id32_equal(gconstpointer a, gconstpointer b)
{
  return memcmp(a, b, 32) == 0;
}

/* Run a workload of |mode| with no pool (0), the test pool (1) or a pool
 * that refuses (2); return the digest of every message sent. */
static char *
pool_run(pl_gossip_mode mode, int variant, tpool *tp)
{
  host *h = host_new(12, mode);
  h->cfg.gossip.mesh_d_lazy = 4;
  host_start(h);
  tp->refuse = variant == 2;
  for (guint i = 0; i < h->n && variant > 0; i++)
    pl_gossip_set_pool(h->nodes[i], &tp->hooks);
  subscribe_all(h, 3);
  host_run(h, h->now + 2 * S);
  for (int i = 0; i < 8; i++) {
    g_assert_cmpint(publish(h, (guint)i % h->n, 3, 64 + 16 * (size_t)i), ==, PL_OK);
    host_run(h, h->now + 300 * PL_NS_PER_MS);
    /* Every stored message of every node is one reference. */
    guint stored = 0;
    for (guint k = 0; k < h->n; k++)
      stored += pl_gossip_store_count(h->nodes[k]);
    g_assert_cmpuint(stored, >, 0);
    g_assert_cmpuint(tp->refs, ==, variant == 1 ? stored : 0);
  }
  host_run(h, h->now + 5 * S);
  char *d = g_strdup(g_checksum_get_string(h->digest));
  host_free(h); /* releases whatever is still stored */
  g_assert_cmpuint(tp->refs, ==, 0);
  g_assert_cmpuint(g_hash_table_size(tp->by_id), ==, 0);
  return d;
}

static void
test_pool(void)
{
  static const pl_gossip_mode modes[] = {PL_GOSSIP_MESH, PL_GOSSIP_PUSH_PULL, PL_GOSSIP_RUMOR};
  for (guint m = 0; m < G_N_ELEMENTS(modes); m++) {
    tpool tp = {.hooks = {.hold = tp_hold, .release = tp_release}};
    tp.hooks.user_data = &tp;
    tp.by_id = g_hash_table_new_full(id32_hash, id32_equal, NULL, g_free);
    char *own = pool_run(modes[m], 0, &tp);
    g_assert_cmpuint(tp.holds, ==, 0);
    char *pooled = pool_run(modes[m], 1, &tp);
    g_assert_cmpuint(tp.holds, >, 0);
    guint holds = tp.holds;
    char *refused = pool_run(modes[m], 2, &tp);
    g_assert_cmpuint(tp.holds, >, holds);
    /* The same messages leave either way. */
    g_assert_cmpstr(own, ==, pooled);
    g_assert_cmpstr(own, ==, refused);
    g_free(own);
    g_free(pooled);
    g_free(refused);
    g_hash_table_destroy(tp.by_id);
  }
}

/* More than GOSSIP_HANDLES_INLINE (32) peers allowed: the peer handles
 * live on the heap instead of inside the state; delivery is the same. */
static void
test_many_peers(void)
{
  char *d[2];
  for (int r = 0; r < 2; r++) {
    host *h = host_new(40, PL_GOSSIP_MESH);
    h->cfg.max_peers = r == 0 ? 16 : 48;
    h->cfg.max_inbound = 12;
    h->cfg.max_outbound = 12;
    host_start(h);
    subscribe_all(h, 4);
    host_run(h, h->now + 2 * S);
    g_assert_cmpint(publish(h, 7, 4, 100), ==, PL_OK);
    uint8_t id[32];
    memcpy(id, last_published(h), 32);
    host_run(h, h->now + 3 * S);
    g_assert_cmpuint(delivered_count(h, id), ==, 39);
    g_assert_cmpfloat(total(h, PL_METRIC_GOSSIP_DUPLICATE), >, 0); /* meshes overlap */
    d[r] = g_strdup(g_checksum_get_string(h->digest));
    host_free(h);
  }
  /* max_peers is only a bound here (12 + 12 connections): same run. */
  g_assert_cmpstr(d[0], ==, d[1]);
  g_free(d[0]);
  g_free(d[1]);
}

/* ------------------------------------------------------------- determinism */

static void
test_deterministic(void)
{
  char *d[2];
  for (int r = 0; r < 2; r++) {
    host *h = host_new(16, PL_GOSSIP_MESH);
    host_start(h);
    subscribe_all(h, 1);
    for (int i = 0; i < 5; i++)
      g_assert_cmpint(publish(h, (guint)i, 1, 32), ==, PL_OK);
    host_run(h, h->now + 10 * S);
    d[r] = g_strdup(g_checksum_get_string(h->digest));
    host_free(h);
  }
  g_assert_cmpstr(d[0], ==, d[1]);
  g_free(d[0]);
  g_free(d[1]);
}

static void
test_commands_invalid(void)
{
  host *h = host_new(2, PL_GOSSIP_MESH);
  h->cfg.gossip.max_topics = 2;
  host_start(h);
  g_assert_cmpint(publish(h, 0, 1, 1025), ==, PL_ERR_INVALID); /* > max_payload_bytes */
  g_assert_cmpint(host_cmd(h, 0, PL_CMD_GOSSIP_SUBSCRIBE, PL_PEER_NONE, UINT64_C(1) << 32, NULL,
                           0),
                  ==, PL_ERR_INVALID);
  g_assert_cmpint(host_cmd(h, 0, PL_CMD_GOSSIP_SUBSCRIBE, PL_PEER_NONE, 1, NULL, 0), ==, PL_OK);
  g_assert_cmpint(host_cmd(h, 0, PL_CMD_GOSSIP_SUBSCRIBE, PL_PEER_NONE, 2, NULL, 0), ==, PL_OK);
  g_assert_cmpint(host_cmd(h, 0, PL_CMD_GOSSIP_SUBSCRIBE, PL_PEER_NONE, 3, NULL, 0), ==,
                  PL_ERR_NOMEM);
  g_assert_true(pl_gossip_subscribed(h->nodes[0], 2));
  g_assert_cmpint(host_cmd(h, 0, 47, PL_PEER_NONE, 1, NULL, 0), ==, PL_ERR_INVALID);
  host_free(h);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/gossip/codec/round-trip", test_codec_round_trip);
  g_test_add_func("/gossip/codec/strict", test_codec_strict);
  g_test_add_func("/gossip/codec/drop-data", test_codec_drop_data);
  g_test_add_func("/gossip/off-by-default", test_off_by_default);
  g_test_add_func("/gossip/commands-invalid", test_commands_invalid);
  g_test_add_func("/gossip/pool", test_pool);
  g_test_add_func("/gossip/many-peers", test_many_peers);
  g_test_add_func("/gossip/flood-ttl", test_flood_ttl);
  g_test_add_func("/gossip/epidemics", test_epidemics);
  g_test_add_func("/gossip/rumor-stops", test_rumor_stops);
  g_test_add_func("/gossip/mesh/degree-delivery", test_mesh_degree_and_delivery);
  g_test_add_func("/gossip/mesh/ihave-iwant", test_mesh_ihave_iwant);
  g_test_add_func("/gossip/mesh/broken-promise", test_broken_promise_scores);
  g_test_add_func("/gossip/mesh/score-hook", test_score_hook_prunes);
  g_test_add_func("/gossip/mesh/graft-backoff", test_graft_backoff_violation);
  g_test_add_func("/gossip/hostile/invalid-signature", test_invalid_signature_rejected);
  g_test_add_func("/gossip/hostile/data", test_hostile_data);
  g_test_add_func("/gossip/hostile/graylist", test_graylist);
  g_test_add_func("/gossip/hostile/duplicate-flood", test_duplicate_flood);
  g_test_add_func("/gossip/hostile/censor", test_censor_relay);
  g_test_add_func("/gossip/anti-entropy/partition", test_partition_catch_up);
  g_test_add_func("/gossip/batching", test_batching);
  g_test_add_func("/gossip/cancel-pending-copy", test_cancel_pending_copy);
  g_test_add_func("/gossip/memory", test_memory_bounded);
  g_test_add_func("/gossip/seen-ring", test_seen_ring);
  g_test_add_func("/gossip/deterministic", test_deterministic);
  return g_test_run();
}
