/*
 * test-peer.c — peer management driven through the node API.
 *
 * A tiny in-test host: a handle table interning keys (node i is handle i;
 * more handles can be identities without a node), an event list of
 * messages (with a fixed one-way latency) and timers ordered by (time,
 * scheduling order), per-node splitmix64 random streams with fixed seeds,
 * per-node metric sums, and a log of every message sent.  Links can be
 * blocked to model a partition.
 */
#include <stdarg.h>
#include <string.h>

#include <glib.h>

#include "handshake.h"
#include "identity.h"
#include "node_internal.h"
#include "peer.h"
#include "sigcache.h"
#include "scenario.h"
#include "world.h"
#include "testutil.h"
#include "wire.h"

#define MAXN 8   /* nodes */
#define MAXH 64  /* handles */

enum { EV_MSG, EV_TIMER };

typedef struct event {
  pl_time_ns at;     /* when it happens, ns */
  guint64 seq;       /* scheduling order */
  int kind;          /* EV_* */
  pl_peer from, to;  /* message ends; timer: |to| is the node */
  uint32_t id;       /* timer id */
  guint len;         /* message bytes */
  uint8_t *bytes;    /* message copy */
} event;

typedef struct sent {
  pl_time_ns at;
  pl_peer from, to;
  guint len;
  uint8_t *bytes;
} sent;

typedef struct world {
  pl_env env;
  pl_config cfg[MAXN];
  pl_peer boot[MAXN][MAXN];
  uint8_t keys[MAXH][32];
  guint n_handles;
  uint8_t seeds[MAXN][32];
  pl_node *nodes[MAXN];
  guint n_nodes;
  GArray *events;       /* event */
  GArray *log;          /* sent */
  guint64 seq;
  guint64 rng[MAXN];
  pl_time_ns now;
  pl_time_ns latency_ns;
  gboolean blocked[MAXN][MAXN];
  double counter[MAXN][PL_METRIC_COUNT];
  guint obs_n[MAXN][PL_METRIC_COUNT];
  double obs_last[MAXN][PL_METRIC_COUNT];
  pl_time_ns cpu_ns[MAXN];
  guint bad_timer_ids;
  GChecksum *digest;
} world;

/* ----------------------------------------------------------- host side */

static void
push_event(world *w, event ev)
{
  ev.seq = w->seq++;
  g_array_append_val(w->events, ev);
}

static void
cb_send(pl_peer self, pl_peer to, const uint8_t *bytes, size_t len, void *ud)
{
  world *w = ud;
  sent s = {w->now, self, to, (guint)len, g_memdup2(bytes, len)};
  g_array_append_val(w->log, s);
  guint64 hdr[3] = {w->now, self, to};
  g_checksum_update(w->digest, (const guchar *)hdr, sizeof hdr);
  g_checksum_update(w->digest, bytes, len);
  if (self < MAXN && to < MAXN && w->blocked[self][to])
    return;
  event ev = {w->now + w->latency_ns, 0, EV_MSG, self, to, 0, (guint)len, g_memdup2(bytes, len)};
  push_event(w, ev);
}

static void
cb_timer(pl_peer self, pl_time_ns at, uint32_t id, void *ud)
{
  world *w = ud;
  g_assert_cmpuint(at, >=, w->now);
  if ((id >> 24) != PL_LAYER_PEER)
    w->bad_timer_ids++;
  event ev = {at, 0, EV_TIMER, PL_PEER_NONE, self, id, 0, NULL};
  push_event(w, ev);
}

static uint64_t
cb_random(pl_peer self, void *ud)
{
  world *w = ud;
  uint64_t z = (w->rng[self] += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static void
cb_metric(pl_peer self, pl_metric metric, double value, void *ud)
{
  world *w = ud;
  g_assert_cmpuint(self, <, MAXN);
  g_assert_cmpint(metric, <, PL_METRIC_COUNT);
  if (pl_metric_kind_of(metric) == PL_METRIC_KIND_OBSERVATION) {
    w->obs_n[self][metric]++;
    w->obs_last[self][metric] = value;
  } else {
    w->counter[self][metric] += value;
  }
}

static void
cb_cpu(pl_peer self, pl_time_ns cost_ns, void *ud)
{
  world *w = ud;
  w->cpu_ns[self] += cost_ns;
}

static const uint8_t *
cb_key(pl_peer peer, void *ud)
{
  world *w = ud;
  return peer < w->n_handles ? w->keys[peer] : NULL;
}

static pl_peer
cb_intern(const uint8_t key[PL_KEY_BYTES], void *ud)
{
  world *w = ud;
  for (guint i = 0; i < w->n_handles; i++)
    if (memcmp(w->keys[i], key, 32) == 0)
      return i;
  if (w->n_handles == MAXH)
    return PL_PEER_NONE;
  memcpy(w->keys[w->n_handles], key, 32);
  return w->n_handles++;
}

/* A world of |n| identities that will be nodes, plus |ghosts| identities
 * without a node (handles n .. n+ghosts-1).  Configs are the defaults. */
static world *
world_new(guint n, guint ghosts)
{
  world *w = g_new0(world, 1);
  w->env.send_cb = cb_send;
  w->env.timer_cb = cb_timer;
  w->env.random_cb = cb_random;
  w->env.metric_cb = cb_metric;
  w->env.cpu_cb = cb_cpu;
  w->env.peer_key_cb = cb_key;
  w->env.peer_intern_cb = cb_intern;
  w->env.user_data = w;
  w->events = g_array_new(FALSE, FALSE, sizeof(event));
  w->log = g_array_new(FALSE, FALSE, sizeof(sent));
  w->digest = g_checksum_new(G_CHECKSUM_SHA256);
  w->latency_ns = PL_NS_PER_MS;
  w->n_nodes = n;
  for (guint i = 0; i < n + ghosts; i++) {
    uint8_t seed[32];
    memset(seed, 0, 32);
    seed[0] = (uint8_t)(i + 1);
    seed[31] = 0x77;
    uint8_t key[32];
    pl_identity_from_seed(seed, key, NULL);
    g_assert_cmpuint(cb_intern(key, w), ==, i);
    if (i < n)
      memcpy(w->seeds[i], seed, 32);
  }
  for (guint i = 0; i < n; i++) {
    pl_config_defaults(&w->cfg[i]);
    w->rng[i] = UINT64_C(1000) + i;
  }
  return w;
}

/* Node |i| bootstraps from the |k| handles that follow. */
static void
world_boot(world *w, guint i, guint k, ...)
{
  va_list ap;
  va_start(ap, k);
  for (guint j = 0; j < k; j++)
    w->boot[i][j] = va_arg(ap, pl_peer);
  va_end(ap);
  w->cfg[i].bootstrap = w->boot[i];
  w->cfg[i].n_bootstrap = k;
}

static void
world_create(world *w, guint i)
{
  g_assert_null(w->nodes[i]);
  w->nodes[i] = pl_node_new(&w->cfg[i], &w->env, i, w->seeds[i]);
  g_assert_nonnull(w->nodes[i]);
}

static void
world_start(world *w, guint i)
{
  if (w->nodes[i] == NULL)
    world_create(w, i);
  pl_node_start(w->nodes[i], w->now);
}

static void
world_start_all(world *w)
{
  for (guint i = 0; i < w->n_nodes; i++)
    world_start(w, i);
}

static void
world_kill(world *w, guint i)
{
  pl_node_free(w->nodes[i]);
  w->nodes[i] = NULL;
}

/* Run every event up to and including |t|, then set the clock to |t|. */
static void
world_run(world *w, pl_time_ns t)
{
  for (guint steps = 0;; steps++) {
    g_assert_cmpuint(steps, <, 1000000);
    int best = -1;
    for (guint i = 0; i < w->events->len; i++) {
      event *e = &g_array_index(w->events, event, i);
      if (e->at > t)
        continue;
      event *b = best < 0 ? NULL : &g_array_index(w->events, event, best);
      if (b == NULL || e->at < b->at || (e->at == b->at && e->seq < b->seq))
        best = (int)i;
    }
    if (best < 0)
      break;
    event ev = g_array_index(w->events, event, best);
    g_array_remove_index(w->events, (guint)best);
    w->now = ev.at;
    if (ev.to < MAXN && w->nodes[ev.to] != NULL) {
      if (ev.kind == EV_MSG)
        (void)pl_node_receive(w->nodes[ev.to], w->now, ev.from, ev.bytes, ev.len);
      else
        pl_node_timer(w->nodes[ev.to], w->now, ev.id);
    }
    g_free(ev.bytes);
  }
  w->now = t;
}

static void
world_free(world *w)
{
  for (guint i = 0; i < MAXN; i++)
    pl_node_free(w->nodes[i]);
  for (guint i = 0; i < w->events->len; i++)
    g_free(g_array_index(w->events, event, i).bytes);
  for (guint i = 0; i < w->log->len; i++)
    g_free(g_array_index(w->log, sent, i).bytes);
  g_array_free(w->events, TRUE);
  g_array_free(w->log, TRUE);
  g_checksum_free(w->digest);
  g_free(w);
}

/* Messages of |type| sent from |from| to |to| (PL_PEER_NONE: anyone) at or
 * after |since|; the last one's bytes in *|last| if non-NULL. */
static guint
count_sent(world *w, pl_peer from, pl_peer to, uint8_t type, pl_time_ns since,
           const sent **last)
{
  guint n = 0;
  for (guint i = 0; i < w->log->len; i++) {
    const sent *s = &g_array_index(w->log, sent, i);
    if (s->at < since || s->len < 2 || s->bytes[1] != type)
      continue;
    if ((from != PL_PEER_NONE && s->from != from) || (to != PL_PEER_NONE && s->to != to))
      continue;
    n++;
    if (last)
      *last = s;
  }
  return n;
}

/* Whether |from| sent |to| a GOODBYE with |reason|. */
static gboolean
sent_goodbye(world *w, pl_peer from, pl_peer to, uint8_t reason)
{
  for (guint i = 0; i < w->log->len; i++) {
    const sent *s = &g_array_index(w->log, sent, i);
    if (s->from == from && s->to == to && s->len == 3 && s->bytes[1] == PL_MSG_GOODBYE &&
        s->bytes[2] == reason)
      return TRUE;
  }
  return FALSE;
}

static gboolean
connected(world *w, guint a, guint b)
{
  /* the prefetch hint runs on every state the tests build (no slots yet,
   * slots growing, peers gone): it must only read */
  pl_peer_prefetch_sessions(w->nodes[a]);
  return pl_peer_is_connected(w->nodes[a], b);
}

static uint32_t
total_rejected(world *w, guint i)
{
  uint32_t n = 0;
  for (int e = PL_ERR_TRUNCATED; e >= PL_ERR_PEER_LIMIT; e--)
    n += pl_node_rejected(w->nodes[i], e);
  return n;
}

#define S(x) ((pl_time_ns)(x) * PL_NS_PER_S)
#define MS(x) ((pl_time_ns)(x) * PL_NS_PER_MS)

/* ------------------------------------------------------------------ tests */

static void
test_bootstrap_three(void)
{
  world *w = world_new(3, 0);
  world_boot(w, 1, 1, 0);
  world_boot(w, 2, 1, 0);
  world_start_all(w);
  world_run(w, MS(100));
  /* Both dialled node 0 at t=0; node 1's HELLO was scheduled first. */
  g_assert_cmpuint(pl_node_peer_count(w->nodes[0]), ==, 2);
  pl_peer peers[4];
  g_assert_cmpuint(pl_node_peers(w->nodes[0], peers, 4), ==, 2);
  g_assert_cmpuint(peers[0], ==, 1);
  g_assert_cmpuint(peers[1], ==, 2);
  g_assert_cmpuint(pl_node_peers(w->nodes[0], peers, 1), ==, 1);
  g_assert_cmpint(pl_node_peer_minor(w->nodes[0], 1), ==, PL_PROTO_MINOR);
  g_assert_cmpint(pl_node_peer_minor(w->nodes[1], 0), ==, PL_PROTO_MINOR);
  g_assert_cmpuint(pl_peer_features(w->nodes[1], 0), ==, PL_FEATURE_PEER_EXCHANGE);
  g_assert_cmpfloat(w->counter[0][PL_METRIC_HANDSHAKE_OK], ==, 2);
  g_assert_cmpfloat(w->counter[1][PL_METRIC_HANDSHAKE_OK], ==, 2); /* node 0, then node 2 */
  g_assert_cmpfloat(w->obs_last[1][PL_METRIC_HANDSHAKE_MINOR], ==, PL_PROTO_MINOR);
  g_assert_cmpfloat(w->obs_last[1][PL_METRIC_HANDSHAKE_FEATURES], ==, 1);
  /* Node 1 asked node 0 for peers, learned node 2 and dialled it at
   * once, without waiting for maintenance. */
  pl_peer book[16];
  guint nb = pl_peer_book(w->nodes[1], book, 16);
  g_assert_cmpuint(nb, ==, 2);
  g_assert_cmpuint(book[0], ==, 0);
  g_assert_cmpuint(book[1], ==, 2);
  g_assert_cmpuint(count_sent(w, 1, 0, PL_MSG_PEERS_REQ, 0, NULL), ==, 1);
  g_assert_true(connected(w, 1, 2));
  g_assert_cmpint(pl_node_peer_minor(w->nodes[1], 2), ==, PL_PROTO_MINOR);
  /* A tiny network keeps its bootstrap peer (no release). */
  g_assert_true(connected(w, 1, 0));
  world_run(w, S(6));
  for (guint i = 0; i < 3; i++) {
    g_assert_cmpuint(pl_node_peer_count(w->nodes[i]), ==, 2);
    g_assert_cmpuint(total_rejected(w, i), ==, 0);
  }
  g_assert_true(connected(w, 1, 2));
  g_assert_true(connected(w, 2, 1));
  /* Signing and verifying were charged and counted: each node signed its
   * record once, at start, however many handshakes it made. */
  for (guint i = 0; i < 3; i++)
    g_assert_cmpfloat(w->counter[i][PL_METRIC_SIG_SIGNED], ==, 1);
  g_assert_cmpfloat(w->counter[0][PL_METRIC_HANDSHAKE_OK], ==, 2);
  g_assert_cmpfloat(w->counter[0][PL_METRIC_SIG_VERIFIED], ==, 2); /* one per HELLO */
  g_assert_cmpuint(w->cpu_ns[1], ==,
                   (pl_time_ns)w->counter[1][PL_METRIC_SIG_SIGNED] * w->cfg[1].sign_cost_ns +
                       (pl_time_ns)w->counter[1][PL_METRIC_SIG_VERIFIED] *
                           w->cfg[1].verify_cost_ns);
  g_assert_cmpuint(w->bad_timer_ids, ==, 0);
  world_free(w);
}

static void
test_heartbeat_rtt(void)
{
  world *w = world_new(2, 0);
  w->latency_ns = MS(5);
  world_boot(w, 1, 1, 0);
  world_start_all(w);
  world_run(w, S(24));
  /* Heartbeats at 10 s and 20 s from each side: 10 ms round trips. */
  for (guint i = 0; i < 2; i++) {
    g_assert_cmpuint(w->obs_n[i][PL_METRIC_PING_RTT_MS], ==, 2);
    g_assert_cmpfloat(w->obs_last[i][PL_METRIC_PING_RTT_MS], ==, 10.0);
    g_assert_cmpuint(count_sent(w, i, 1 - i, PL_MSG_PING, 0, NULL), ==, 2);
  }
  /* Every send was counted as msg.sent, every delivery as received. */
  g_assert_cmpfloat(w->counter[0][PL_METRIC_MSG_SENT] + w->counter[1][PL_METRIC_MSG_SENT], ==,
                    w->log->len);
  g_assert_cmpfloat(w->counter[0][PL_METRIC_MSG_RECEIVED] +
                        w->counter[1][PL_METRIC_MSG_RECEIVED],
                    ==, w->log->len);
  world_free(w);
}

static bool
never_answer(pl_node *node, pl_peer from, void *state)
{
  (*(guint *)state)++;
  return false;
}

static void
test_silent_peer_times_out(void)
{
  world *w = world_new(2, 0);
  world_boot(w, 1, 1, 0);
  guint asked = 0;
  pl_strategy silent = {.name = "silent", .answer_ping = never_answer, .state = &asked};
  world_create(w, 1);
  pl_node_set_strategy(w->nodes[1], &silent);
  world_start_all(w);
  /* Node 0 accepted node 1 at 1 ms; heartbeats at 10, 20, 30, 40 s. */
  world_run(w, S(40) - 1);
  g_assert_true(connected(w, 0, 1));
  g_assert_cmpuint(asked, ==, 3);
  g_assert_cmpfloat(w->counter[0][PL_METRIC_PEER_TIMEOUT], ==, 0);
  world_run(w, S(40) + MS(2));
  g_assert_cmpfloat(w->counter[0][PL_METRIC_PEER_TIMEOUT], ==, 1);
  g_assert_cmpfloat(w->counter[0][PL_METRIC_PEER_DISCONNECTED], ==, 1);
  g_assert_false(connected(w, 0, 1));
  /* Node 1 was told (GOODBYE timeout) and dropped node 0 too. */
  g_assert_true(sent_goodbye(w, 0, 1, PL_BYE_TIMEOUT));
  g_assert_false(connected(w, 1, 0));
  /* The silent node still got answers: it never times node 0 out. */
  g_assert_cmpuint(w->obs_n[0][PL_METRIC_PING_RTT_MS], ==, 0);
  g_assert_cmpuint(w->obs_n[1][PL_METRIC_PING_RTT_MS], ==, 3); /* its 40 s PING came too late */
  g_assert_cmpfloat(w->counter[1][PL_METRIC_PEER_TIMEOUT], ==, 0);
  /* Honest again: after the backoff the two reconnect and stay. */
  pl_node_set_strategy(w->nodes[1], NULL);
  world_run(w, S(120));
  g_assert_true(connected(w, 0, 1));
  g_assert_true(connected(w, 1, 0));
  g_assert_cmpfloat(w->counter[0][PL_METRIC_PEER_TIMEOUT], ==, 1);
  world_free(w);
}

static uint32_t
score_hook(pl_node *node, pl_peer peer, void *user_data)
{
  const uint32_t *scores = user_data;
  return scores[peer];
}

/* Nodes 1, 2, 3 dial node 0 (max_inbound 2) at 0 s, 1 s and |third|;
 * returns the world 0.5 s after |third|.  The eviction grace period is the
 * heartbeat interval, 10 s: with |third| >= 11 s both earlier peers may be
 * evicted. */
static world *
eviction_run_at(pl_eviction how, const uint32_t *scores, pl_time_ns third)
{
  world *w = world_new(4, 0);
  w->cfg[0].max_inbound = 2;
  w->cfg[0].eviction = how;
  for (guint i = 1; i < 4; i++) {
    world_boot(w, i, 1, 0);
    w->cfg[i].features = 0; /* no peer exchange: only node 0's links */
  }
  world_start(w, 0);
  if (scores)
    pl_node_set_score_hook(w->nodes[0], score_hook, (void *)scores);
  for (guint i = 1; i < 4; i++) {
    world_run(w, i < 3 ? S(i - 1) : third);
    world_start(w, i);
  }
  world_run(w, third + MS(500));
  return w;
}

static world *
eviction_run(pl_eviction how, const uint32_t *scores)
{
  return eviction_run_at(how, scores, S(12));
}

static void
test_eviction(void)
{
  pl_peer peers[4];
  /* Oldest: node 1 goes. */
  world *w = eviction_run(PL_EVICT_OLDEST, NULL);
  g_assert_cmpuint(pl_node_peers(w->nodes[0], peers, 4), ==, 2);
  g_assert_cmpuint(peers[0], ==, 2);
  g_assert_cmpuint(peers[1], ==, 3);
  g_assert_cmpfloat(w->counter[0][PL_METRIC_PEER_EVICTED], ==, 1);
  g_assert_false(connected(w, 1, 0));
  const sent *bye = NULL;
  g_assert_cmpuint(count_sent(w, 0, 1, PL_MSG_GOODBYE, 0, &bye), ==, 1);
  g_assert_cmpuint(bye->bytes[2], ==, PL_BYE_EVICTED);
  g_assert_cmpuint(total_rejected(w, 0), ==, 0);
  world_free(w);

  /* None: the newcomer is refused. */
  w = eviction_run(PL_EVICT_NONE, NULL);
  g_assert_cmpuint(pl_node_peers(w->nodes[0], peers, 4), ==, 2);
  g_assert_cmpuint(peers[0], ==, 1);
  g_assert_cmpuint(peers[1], ==, 2);
  g_assert_cmpuint(pl_node_rejected(w->nodes[0], PL_ERR_PEER_LIMIT), ==, 1);
  g_assert_cmpfloat(w->counter[0][PL_METRIC_REJECT_FIRST + PL_REJECT_INDEX(PL_ERR_PEER_LIMIT)],
                    ==, 1);
  g_assert_cmpuint(count_sent(w, 0, 3, PL_MSG_GOODBYE, 0, &bye), ==, 1);
  g_assert_cmpuint(bye->bytes[2], ==, PL_BYE_PEER_LIMIT);
  g_assert_cmpuint(pl_node_peer_count(w->nodes[3]), ==, 0);
  g_assert_cmpfloat(w->counter[0][PL_METRIC_PEER_EVICTED], ==, 0);
  world_free(w);

  /* Lowest trust: node 2 scores lowest. */
  static const uint32_t scores[4] = {0, 10, 5, 7};
  w = eviction_run(PL_EVICT_LOWEST_TRUST, scores);
  g_assert_cmpuint(pl_node_peers(w->nodes[0], peers, 4), ==, 2);
  g_assert_cmpuint(peers[0], ==, 1);
  g_assert_cmpuint(peers[1], ==, 3);
  world_free(w);

  /* Lowest trust without a hook: equal scores, the oldest goes. */
  w = eviction_run(PL_EVICT_LOWEST_TRUST, NULL);
  g_assert_cmpuint(pl_node_peers(w->nodes[0], peers, 4), ==, 2);
  g_assert_cmpuint(peers[0], ==, 2);
  world_free(w);

  /* Random: one of the two, the same one on every run. */
  w = eviction_run(PL_EVICT_RANDOM, NULL);
  g_assert_cmpuint(pl_node_peers(w->nodes[0], peers, 4), ==, 2);
  g_assert_cmpuint(peers[1], ==, 3);
  pl_peer kept = peers[0];
  g_assert_true(kept == 1 || kept == 2);
  g_assert_cmpfloat(w->counter[0][PL_METRIC_PEER_EVICTED], ==, 1);
  world_free(w);
  w = eviction_run(PL_EVICT_RANDOM, NULL);
  g_assert_cmpuint(pl_node_peers(w->nodes[0], peers, 4), ==, 2);
  g_assert_cmpuint(peers[0], ==, kept);
  world_free(w);
}

/* A new inbound peer is protected for heartbeat_interval_ns: a newcomer
 * that finds only young inbound peers is refused as with eviction none,
 * whatever the policy; once the grace period is over it evicts. */
static void
test_eviction_grace(void)
{
  static const pl_eviction policies[] = {PL_EVICT_OLDEST, PL_EVICT_LOWEST_TRUST,
                                         PL_EVICT_RANDOM};
  static const uint32_t scores[4] = {0, 10, 5, 7};
  pl_peer peers[4];
  for (size_t k = 0; k < G_N_ELEMENTS(policies); k++) {
    /* Node 1 is 5 s old, node 2 4 s: both protected. */
    world *w = eviction_run_at(policies[k], scores, S(5));
    g_assert_cmpuint(pl_node_peers(w->nodes[0], peers, 4), ==, 2);
    g_assert_cmpuint(peers[0], ==, 1);
    g_assert_cmpuint(peers[1], ==, 2);
    g_assert_cmpfloat(w->counter[0][PL_METRIC_PEER_EVICTED], ==, 0);
    g_assert_true(sent_goodbye(w, 0, 3, PL_BYE_PEER_LIMIT));
    /* Refused for capacity, counted like every refusal. */
    g_assert_cmpuint(pl_node_rejected(w->nodes[0], PL_ERR_PEER_LIMIT), ==, 1);
    g_assert_cmpuint(total_rejected(w, 0), ==, 1);
    g_assert_false(sent_goodbye(w, 0, 1, PL_BYE_EVICTED));
    g_assert_cmpuint(pl_node_peer_count(w->nodes[3]), ==, 0);
    world_free(w);
  }
  /* Node 1 is 10.5 s old (past the grace period), node 2 9.5 s: only
   * node 1 may go, even for lowest trust, where node 2 scores lower. */
  world *w = eviction_run_at(PL_EVICT_LOWEST_TRUST, scores, S(10) + MS(500));
  g_assert_cmpuint(pl_node_peers(w->nodes[0], peers, 4), ==, 2);
  g_assert_cmpuint(peers[0], ==, 2);
  g_assert_cmpuint(peers[1], ==, 3);
  g_assert_true(sent_goodbye(w, 0, 1, PL_BYE_EVICTED));
  g_assert_cmpfloat(w->counter[0][PL_METRIC_PEER_EVICTED], ==, 1);
  world_free(w);
}

static void
test_outbound_limit_and_handshake_timeout(void)
{
  /* Handle 3 is an identity with no node behind it. */
  world *w = world_new(3, 1);
  w->cfg[0].max_outbound = 1;
  w->cfg[0].target_peers = 0; /* no maintenance dialling */
  world_start_all(w);
  pl_command c = {PL_CMD_CONNECT, 3, 0, NULL, 0};
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &c), ==, PL_OK);
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &c), ==, PL_OK); /* already dialling */
  c.peer = 1;
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &c), ==, PL_ERR_PEER_LIMIT);
  c.peer = 0;
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &c), ==, PL_ERR_INVALID);
  c.peer = PL_PEER_NONE;
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &c), ==, PL_ERR_INVALID);
  c.peer = 40;
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &c), ==, PL_ERR_INVALID);
  /* The unanswered HELLO times out after handshake_timeout_ns (5 s). */
  world_run(w, S(5) - 1);
  c.peer = 1;
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &c), ==, PL_ERR_PEER_LIMIT);
  world_run(w, S(5));
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &c), ==, PL_OK);
  world_run(w, S(6));
  g_assert_true(connected(w, 0, 1));
  g_assert_true(connected(w, 1, 0));
  g_assert_cmpuint(pl_node_peer_count(w->nodes[0]), ==, 1);
  g_assert_cmpuint(count_sent(w, 0, 3, PL_MSG_HELLO, 0, NULL), ==, 1);
  world_free(w);
}

static void
test_commands(void)
{
  world *w = world_new(3, 0);
  world_boot(w, 1, 1, 0);
  world_start(w, 0);
  pl_command c = {PL_CMD_PING, PL_PEER_NONE, 0, NULL, 0};
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &c), ==, PL_ERR_NOT_FOUND);
  c.kind = PL_CMD_PEER_EXCHANGE;
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &c), ==, PL_ERR_NOT_FOUND);
  world_start(w, 1);
  world_start(w, 2);
  world_run(w, MS(10));
  g_assert_true(connected(w, 0, 1));
  /* PING: a random connected peer answers; RTT 2 ms. */
  c.kind = PL_CMD_PING;
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &c), ==, PL_OK);
  c.peer = 2;
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &c), ==, PL_ERR_NOT_FOUND);
  world_run(w, MS(20));
  g_assert_cmpuint(w->obs_n[0][PL_METRIC_PING_RTT_MS], ==, 1);
  g_assert_cmpfloat(w->obs_last[0][PL_METRIC_PING_RTT_MS], ==, 2.0);
  /* PEER_EXCHANGE with arg 1: node 1 answers with at most one key. */
  c.kind = PL_CMD_PEER_EXCHANGE;
  c.peer = 1;
  c.arg = 1;
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &c), ==, PL_OK);
  world_run(w, MS(30));
  const sent *req = NULL, *ans = NULL;
  g_assert_cmpuint(count_sent(w, 0, 1, PL_MSG_PEERS_REQ, MS(20), &req), ==, 1);
  g_assert_cmpuint(req->bytes[2], ==, 1);
  g_assert_cmpuint(count_sent(w, 1, 0, PL_MSG_PEERS, MS(20), &ans), ==, 1);
  g_assert_cmpuint(ans->bytes[2], ==, 0); /* node 1's only peer is the asker */
  /* DISCONNECT: both ends drop; again: nothing to disconnect. */
  c.kind = PL_CMD_DISCONNECT;
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &c), ==, PL_OK);
  g_assert_false(connected(w, 0, 1));
  world_run(w, MS(40));
  g_assert_false(connected(w, 1, 0));
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &c), ==, PL_ERR_NOT_FOUND);
  /* Kinds no layer owns, or the peer layer does not know. */
  c.kind = (pl_command_kind)15;
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &c), ==, PL_ERR_INVALID);
  c.kind = (pl_command_kind)0x61;
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &c), ==, PL_ERR_INVALID);
  g_assert_cmpuint(total_rejected(w, 0) + total_rejected(w, 1), ==, 0);
  world_free(w);
}

static void
test_peer_exchange_book(void)
{
  world *w = world_new(5, 0);
  for (guint i = 1; i < 5; i++)
    world_boot(w, i, 1, 0);
  world_start(w, 0);
  for (guint i = 1; i < 4; i++)
    world_start(w, i);
  world_run(w, S(1));
  world_start(w, 4);
  world_run(w, S(1) + MS(3));
  /* Node 4 connected to 0 (2 ms) and asked it at once. */
  g_assert_cmpuint(pl_node_peer_count(w->nodes[4]), ==, 1);
  g_assert_cmpuint(count_sent(w, 4, 0, PL_MSG_PEERS_REQ, S(1), NULL), ==, 1);
  world_run(w, S(1) + MS(4));
  /* The answer (4 ms) taught it 1, 2, 3, which it dialled right away,
   * below target, without waiting for a maintenance round. */
  pl_peer book[16];
  g_assert_cmpuint(pl_peer_book(w->nodes[4], book, 16), ==, 4);
  g_assert_cmpuint(book[0], ==, 0);
  g_assert_cmpuint(book[1], ==, 1);
  g_assert_cmpuint(book[2], ==, 2);
  g_assert_cmpuint(book[3], ==, 3);
  for (guint i = 1; i < 4; i++)
    g_assert_cmpuint(count_sent(w, 4, i, PL_MSG_HELLO, S(1) + MS(4), NULL), ==, 1);
  world_run(w, S(1) + MS(10));
  g_assert_cmpuint(pl_node_peer_count(w->nodes[4]), ==, 4);
  /* Only its first outbound handshake asked: the ask backoff (5 s) held
   * the others. */
  g_assert_cmpuint(count_sent(w, 4, PL_PEER_NONE, PL_MSG_PEERS_REQ, 0, NULL), ==, 1);
  world_free(w);
}

static int
fake_exchange(pl_node *node, pl_peer from, pl_peer *out, uint32_t max, void *state)
{
  out[0] = *(pl_peer *)state; /* always the same (nonexistent) node */
  out[1] = *(pl_peer *)state; /* twice: duplicates are sent once */
  return 2;
}

static void
test_strategy_peer_exchange(void)
{
  world *w = world_new(3, 1); /* handle 3: no node */
  world_boot(w, 1, 1, 0);
  world_boot(w, 2, 1, 0);
  pl_peer fake = 3;
  pl_strategy liar = {.name = "px-liar", .peer_exchange = fake_exchange, .state = &fake};
  world_create(w, 0);
  pl_node_set_strategy(w->nodes[0], &liar);
  world_start_all(w);
  world_run(w, MS(50));
  pl_peer book[16];
  g_assert_cmpuint(pl_peer_book(w->nodes[2], book, 16), ==, 2);
  g_assert_cmpuint(book[0], ==, 0);
  g_assert_cmpuint(book[1], ==, 3); /* the lie, not node 1 */
  const sent *ans = NULL;
  g_assert_cmpuint(count_sent(w, 0, 2, PL_MSG_PEERS, 0, &ans), ==, 1);
  g_assert_cmpuint(ans->bytes[2], ==, 1);
  world_free(w);
}

static void
test_reconnect_after_partition(void)
{
  world *w = world_new(2, 0);
  world_boot(w, 1, 1, 0);
  world_start_all(w);
  world_run(w, S(1));
  g_assert_true(connected(w, 1, 0));
  w->blocked[0][1] = w->blocked[1][0] = TRUE;
  world_run(w, S(100));
  g_assert_false(connected(w, 0, 1));
  g_assert_false(connected(w, 1, 0));
  g_assert_cmpfloat(w->counter[0][PL_METRIC_PEER_TIMEOUT], ==, 1);
  g_assert_cmpfloat(w->counter[1][PL_METRIC_PEER_TIMEOUT], ==, 1);
  /* Redials during the partition back off: 5, 10, 20, 40 s ... */
  guint hellos = count_sent(w, 1, 0, PL_MSG_HELLO, S(31), NULL);
  g_assert_cmpuint(hellos, >=, 2);
  g_assert_cmpuint(hellos, <=, 4);
  w->blocked[0][1] = w->blocked[1][0] = FALSE;
  /* Backoff is capped at 5 s << 5 = 160 s. */
  world_run(w, S(100 + 160 + 10));
  g_assert_true(connected(w, 0, 1));
  g_assert_true(connected(w, 1, 0));
  g_assert_cmpfloat(w->counter[1][PL_METRIC_PEER_CONNECTED], ==, 2);
  world_free(w);
}

static void
inject_expect(world *w, guint to, pl_peer from, const uint8_t *b, size_t len, int expect)
{
  int rc = pl_node_receive(w->nodes[to], w->now, from, b, len);
  if (rc != expect)
    g_error("injected %s: got %s want %s", len >= 2 ? pl_wire_type_name(b[1]) : "short",
            pl_strerror(rc), pl_strerror(expect));
}

static void
test_rejection_counters(void)
{
  world *w = world_new(3, 0);
  world_boot(w, 1, 1, 0);
  world_start(w, 0);
  world_start(w, 1);
  world_run(w, MS(10));
  g_assert_true(connected(w, 0, 1));
  const sent *hello = NULL;
  g_assert_cmpuint(count_sent(w, 1, 0, PL_MSG_HELLO, 0, &hello), ==, 1);
  uint8_t replay[PL_WIRE_HELLO_BYTES];
  memcpy(replay, hello->bytes, sizeof replay);
  g_assert_cmpuint(hello->len, ==, PL_WIRE_HELLO_BYTES);

  const uint8_t bad_version[] = {2, PL_MSG_PING};
  const uint8_t unknown[] = {1, 0x09};
  const uint8_t ping_trailing[19] = {1, PL_MSG_PING, 0, 0, 0, 0, 0, 0, 0, 1};
  uint8_t peers_overlong[3 + 40 * 32] = {1, PL_MSG_PEERS, 40};
  const uint8_t bye_bad[] = {1, PL_MSG_GOODBYE, 9};
  const uint8_t peers_unasked[] = {1, PL_MSG_PEERS, 0};
  const uint8_t pong_unknown[18] = {1, PL_MSG_PONG, 0, 0, 0, 0, 0, 0, 0, 99};
  inject_expect(w, 0, 1, bad_version, 0, PL_ERR_TRUNCATED);
  inject_expect(w, 0, 1, bad_version, sizeof bad_version, PL_ERR_WIRE_VERSION);
  inject_expect(w, 0, 1, unknown, sizeof unknown, PL_ERR_UNKNOWN_TYPE);
  inject_expect(w, 0, 1, ping_trailing, sizeof ping_trailing, PL_ERR_TRAILING);
  inject_expect(w, 0, 1, peers_overlong, sizeof peers_overlong, PL_ERR_OVERLONG);
  inject_expect(w, 0, 1, bye_bad, sizeof bye_bad, PL_ERR_BAD_FIELD);
  inject_expect(w, 0, 1, peers_unasked, sizeof peers_unasked, PL_ERR_UNEXPECTED);
  inject_expect(w, 0, 1, pong_unknown, sizeof pong_unknown, PL_ERR_UNEXPECTED);
  /* The same HELLO again is a re-handshake, not a replay: the record is
   * the one node 1 sends everywhere. */
  inject_expect(w, 0, 1, replay, sizeof replay, PL_OK);
  /* Node 1 signs a newer record (as after a restart): accepted; from then
   * on its older record is a replay. */
  pl_offer offer = {1, 2, 0, PL_FEATURE_PEER_EXCHANGE};
  pl_record rec;
  uint8_t h[PL_WIRE_HELLO_BYTES];
  g_assert_cmpint(pl_record_sign(&rec, &offer, S(5), w->seeds[1], w->keys[1]), ==, PL_OK);
  g_assert_cmpint(pl_hello_build(h, sizeof h, PL_MSG_HELLO, &rec, w->keys[1]), ==,
                  PL_WIRE_HELLO_BYTES);
  inject_expect(w, 0, 1, h, sizeof h, PL_OK);
  inject_expect(w, 0, 1, replay, sizeof replay, PL_ERR_REPLAY);
  /* Node 1's HELLO delivered as node 2's: wrong identity. */
  inject_expect(w, 0, 2, replay, sizeof replay, PL_ERR_BAD_IDENTITY);
  /* Node 2's record with a broken signature, or an old major. */
  g_assert_cmpint(pl_record_sign(&rec, &offer, 1, w->seeds[2], w->keys[2]), ==, PL_OK);
  rec.sig[7] ^= 0x20;
  g_assert_cmpint(pl_hello_build(h, sizeof h, PL_MSG_HELLO, &rec, w->keys[2]), ==,
                  PL_WIRE_HELLO_BYTES);
  inject_expect(w, 0, 2, h, sizeof h, PL_ERR_BAD_SIGNATURE);
  pl_offer v2 = {2, 0, 0, 0};
  g_assert_cmpint(pl_record_sign(&rec, &v2, 3, w->seeds[2], w->keys[2]), ==, PL_OK);
  g_assert_cmpint(pl_hello_build(h, sizeof h, PL_MSG_HELLO, &rec, w->keys[2]), ==,
                  PL_WIRE_HELLO_BYTES);
  inject_expect(w, 0, 2, h, sizeof h, PL_ERR_VERSION);
  g_assert_cmpfloat(w->counter[0][PL_METRIC_HANDSHAKE_REFUSED], ==, 1);
  const sent *bye = NULL;
  g_assert_cmpuint(count_sent(w, 0, 2, PL_MSG_GOODBYE, 0, &bye), ==, 1);
  g_assert_cmpuint(bye->bytes[2], ==, PL_BYE_VERSION);
  /* A session message from a stranger: refused, and told so. */
  uint8_t ping[18] = {1, PL_MSG_PING};
  inject_expect(w, 0, 2, ping, sizeof ping, PL_ERR_UNEXPECTED);
  g_assert_cmpuint(count_sent(w, 0, 2, PL_MSG_GOODBYE, 0, &bye), ==, 2);
  g_assert_cmpuint(bye->bytes[2], ==, PL_BYE_NOT_CONNECTED);
  /* A GOODBYE from a stranger is refused silently. */
  const uint8_t bye_ok[] = {1, PL_MSG_GOODBYE, 0};
  inject_expect(w, 0, 2, bye_ok, sizeof bye_ok, PL_ERR_UNEXPECTED);
  g_assert_cmpuint(count_sent(w, 0, 2, PL_MSG_GOODBYE, 0, NULL), ==, 2);
  /* A well-signed envelope for a layer this node does not have. */
  uint8_t env[256];
  int n = pl_envelope_seal(env, sizeof env, w->seeds[1], w->keys[1], 1, w->now, 0x21,
                           (const uint8_t *)"x", 1);
  g_assert_cmpint(n, >, 0);
  inject_expect(w, 0, 1, env, (size_t)n, PL_ERR_UNKNOWN_TYPE);

  /* Counters per reason, and the metrics that mirror them. */
  static const struct { int err; uint32_t n; } want[] = {
    {PL_ERR_TRUNCATED, 1},    {PL_ERR_TRAILING, 1},      {PL_ERR_UNKNOWN_TYPE, 2},
    {PL_ERR_WIRE_VERSION, 1}, {PL_ERR_OVERLONG, 1},      {PL_ERR_BAD_FIELD, 1},
    {PL_ERR_BAD_SIGNATURE, 1}, {PL_ERR_BAD_IDENTITY, 1}, {PL_ERR_REPLAY, 1},
    {PL_ERR_STALE, 0},        {PL_ERR_UNEXPECTED, 4},    {PL_ERR_VERSION, 1},
    {PL_ERR_PEER_LIMIT, 0},
  };
  uint32_t sum = 0;
  for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
    uint32_t got = pl_node_rejected(w->nodes[0], want[i].err);
    if (got != want[i].n)
      g_error("%s: %u rejected, want %u", pl_reject_name(want[i].err), got, want[i].n);
    g_assert_cmpfloat(w->counter[0][PL_METRIC_REJECT_FIRST + PL_REJECT_INDEX(want[i].err)], ==,
                      want[i].n);
    sum += want[i].n;
  }
  g_assert_cmpfloat(w->counter[0][PL_METRIC_MSG_REJECTED], ==, sum);
  g_assert_cmpuint(pl_node_rejected(w->nodes[0], PL_OK), ==, 0);
  g_assert_cmpuint(pl_node_rejected(w->nodes[0], PL_ERR_NOMEM), ==, 0);
  /* None of it broke the session. */
  g_assert_true(connected(w, 0, 1));
  world_free(w);
}

static void
test_envelopes(void)
{
  world *w = world_new(3, 0);
  world_boot(w, 1, 1, 0);
  world_start(w, 0);
  world_start(w, 1);
  world_run(w, S(2));
  uint8_t buf[128], buf2[128];
  const uint8_t payload[] = {0xde, 0xad};
  int n = pl_node_seal(w->nodes[1], w->now, 0x41, payload, sizeof payload, buf, sizeof buf);
  g_assert_cmpint(n, ==, PL_WIRE_ENVELOPE_OVERHEAD + 2);
  pl_msg m;
  g_assert_cmpint(pl_wire_decode(buf, (size_t)n, &m), ==, PL_OK);
  g_assert_cmpuint(m.u.envelope.seq, ==, S(2)); /* max(last + 1, now) */
  double verified = w->counter[0][PL_METRIC_SIG_VERIFIED];
  g_assert_cmpint(pl_node_open_envelope(w->nodes[0], w->now, 1, &m), ==, PL_OK);
  g_assert_cmpfloat(w->counter[0][PL_METRIC_SIG_VERIFIED], ==, verified + 1);
  /* Replayed from the same connected sender. */
  g_assert_cmpint(pl_node_open_envelope(w->nodes[0], w->now, 1, &m), ==, PL_ERR_REPLAY);
  /* The next one, sealed at the same time, has the next sequence. */
  int n2 = pl_node_seal(w->nodes[1], w->now, 0x41, payload, sizeof payload, buf2, sizeof buf2);
  pl_msg m2;
  g_assert_cmpint(pl_wire_decode(buf2, (size_t)n2, &m2), ==, PL_OK);
  g_assert_cmpuint(m2.u.envelope.seq, ==, S(2) + 1);
  /* Too late: stale before anything else. */
  g_assert_cmpint(pl_node_open_envelope(w->nodes[0], w->now + S(61), 1, &m2), ==,
                  PL_ERR_STALE);
  /* Tampered payload. */
  buf2[2 + 51] ^= 1;
  g_assert_cmpint(pl_node_open_envelope(w->nodes[0], w->now, 1, &m2), ==,
                  PL_ERR_BAD_SIGNATURE);
  buf2[2 + 51] ^= 1;
  g_assert_cmpint(pl_node_open_envelope(w->nodes[0], w->now, 1, &m2), ==, PL_OK);
  /* Relayed (signer is not the sender): no per-sender sequence. */
  g_assert_cmpint(pl_node_open_envelope(w->nodes[0], w->now, 2, &m), ==, PL_OK);
  g_assert_cmpint(pl_node_open_envelope(w->nodes[0], w->now, 2, &m), ==, PL_OK);
  /* Through pl_node_receive: no layer owns 0x41 yet. */
  g_assert_cmpint(pl_node_receive(w->nodes[0], w->now, 1, buf, (size_t)n), ==,
                  PL_ERR_UNKNOWN_TYPE);
  world_free(w);
}

static void
test_versions(void)
{
  world *w = world_new(3, 0);
  w->cfg[1].version_minor = 1;
  w->cfg[2].version_major = 2;
  world_boot(w, 1, 1, 0);
  world_boot(w, 2, 1, 0);
  world_start_all(w);
  world_run(w, MS(100));
  g_assert_cmpint(pl_node_peer_minor(w->nodes[0], 1), ==, 1);
  g_assert_cmpint(pl_node_peer_minor(w->nodes[1], 0), ==, 1);
  g_assert_cmpfloat(w->obs_last[1][PL_METRIC_HANDSHAKE_MINOR], ==, 1);
  g_assert_false(connected(w, 0, 2));
  g_assert_cmpuint(pl_node_peer_count(w->nodes[2]), ==, 0);
  g_assert_cmpfloat(w->counter[0][PL_METRIC_HANDSHAKE_REFUSED], ==, 1);
  g_assert_cmpuint(pl_node_rejected(w->nodes[0], PL_ERR_VERSION), ==, 1);
  world_free(w);
}

static void
claim_minor_zero(pl_node *node, uint8_t *major, uint8_t *minor, uint32_t *features, void *state)
{
  *minor = 0;
  *features = 0;
}

static void
test_strategy_hello_version(void)
{
  world *w = world_new(2, 0);
  world_boot(w, 1, 1, 0);
  pl_strategy liar = {.name = "version-liar", .hello_version = claim_minor_zero};
  world_create(w, 1);
  pl_node_set_strategy(w->nodes[1], &liar);
  world_start_all(w);
  world_run(w, MS(100));
  g_assert_cmpint(pl_node_peer_minor(w->nodes[0], 1), ==, 0);
  g_assert_cmpuint(pl_peer_features(w->nodes[0], 1), ==, 0);
  g_assert_cmpfloat(w->obs_last[0][PL_METRIC_HANDSHAKE_FEATURES], ==, 0);
  /* No common peer exchange: no PEERS_REQ either way. */
  g_assert_cmpuint(count_sent(w, PL_PEER_NONE, PL_PEER_NONE, PL_MSG_PEERS_REQ, 0, NULL), ==, 0);
  /* The liar signed one record, for the offer it advertised, at start. */
  g_assert_cmpfloat(w->counter[1][PL_METRIC_SIG_SIGNED], ==, 1);
  const sent *h = NULL;
  g_assert_cmpuint(count_sent(w, 1, 0, PL_MSG_HELLO, 0, &h), ==, 1);
  pl_msg m;
  g_assert_cmpint(pl_wire_decode(h->bytes, h->len, &m), ==, PL_OK);
  g_assert_cmpuint(m.u.hello.minor, ==, 0);
  g_assert_cmpuint(m.u.hello.features, ==, 0);
  size_t mem_liar = pl_node_memory(w->nodes[1]);
  g_assert_cmpuint(mem_liar, ==, pl_node_memory(w->nodes[0]) + sizeof(pl_record));
  /* Honest again: its next HELLO needs the config's record, signed now
   * (1 s) with a higher seq, which node 0 accepts over the liar's. */
  world_run(w, S(1));
  pl_node_set_strategy(w->nodes[1], NULL);
  pl_command c = {PL_CMD_DISCONNECT, 0, 0, NULL, 0};
  g_assert_cmpint(pl_node_command(w->nodes[1], w->now, &c), ==, PL_OK);
  c.kind = PL_CMD_CONNECT;
  g_assert_cmpint(pl_node_command(w->nodes[1], w->now, &c), ==, PL_OK);
  world_run(w, S(1) + MS(100));
  g_assert_cmpfloat(w->counter[1][PL_METRIC_SIG_SIGNED], ==, 2);
  g_assert_cmpint(pl_node_peer_minor(w->nodes[0], 1), ==, PL_PROTO_MINOR);
  g_assert_cmpuint(count_sent(w, 1, 0, PL_MSG_HELLO, S(1), &h), ==, 1);
  g_assert_cmpint(pl_wire_decode(h->bytes, h->len, &m), ==, PL_OK);
  g_assert_cmpuint(m.u.hello.record_seq, ==, S(1));
  /* Lying again: its cached record is older than the honest one, so it
   * is signed anew (seq 2 s) rather than refused as a replay. */
  world_run(w, S(2));
  pl_node_set_strategy(w->nodes[1], &liar);
  c.kind = PL_CMD_DISCONNECT;
  g_assert_cmpint(pl_node_command(w->nodes[1], w->now, &c), ==, PL_OK);
  c.kind = PL_CMD_CONNECT;
  g_assert_cmpint(pl_node_command(w->nodes[1], w->now, &c), ==, PL_OK);
  world_run(w, S(2) + MS(100));
  g_assert_cmpfloat(w->counter[1][PL_METRIC_SIG_SIGNED], ==, 3);
  g_assert_cmpint(pl_node_peer_minor(w->nodes[0], 1), ==, 0);
  g_assert_cmpuint(pl_node_rejected(w->nodes[0], PL_ERR_REPLAY), ==, 0);
  /* Further handshakes with the same offer sign nothing. */
  c.kind = PL_CMD_DISCONNECT;
  g_assert_cmpint(pl_node_command(w->nodes[1], w->now, &c), ==, PL_OK);
  c.kind = PL_CMD_CONNECT;
  g_assert_cmpint(pl_node_command(w->nodes[1], w->now, &c), ==, PL_OK);
  world_run(w, S(3));
  g_assert_true(connected(w, 0, 1));
  g_assert_cmpfloat(w->counter[1][PL_METRIC_SIG_SIGNED], ==, 3);
  world_free(w);
}

static void
test_stop_and_restart(void)
{
  world *w = world_new(3, 0);
  world_boot(w, 1, 1, 0);
  world_boot(w, 2, 1, 0);
  world_start_all(w);
  world_run(w, MS(100));
  g_assert_cmpuint(pl_node_peer_count(w->nodes[0]), ==, 2);
  pl_node_stop(w->nodes[0], w->now);
  g_assert_cmpuint(pl_node_peer_count(w->nodes[0]), ==, 0);
  g_assert_cmpuint(count_sent(w, 0, PL_PEER_NONE, PL_MSG_GOODBYE, 0, NULL), ==, 2);
  world_run(w, MS(200));
  g_assert_false(connected(w, 1, 0));
  g_assert_false(connected(w, 2, 0));
  /* A stopped node refuses input and ignores its timers. */
  const uint8_t bye[] = {1, PL_MSG_GOODBYE, 0};
  g_assert_cmpint(pl_node_receive(w->nodes[0], w->now, 1, bye, sizeof bye), ==,
                  PL_ERR_UNEXPECTED);
  guint before = w->log->len;
  world_run(w, S(6)); /* meanwhile 1 and 2 connect (peer exchange) */
  for (guint i = before; i < w->log->len; i++)
    g_assert_cmpuint(g_array_index(w->log, sent, i).from, !=, 0);

  /* Crash-restart of node 1 while node 2 still holds its session: the
   * new HELLO is a re-handshake, answered, with no second peer_up. */
  g_assert_true(connected(w, 2, 1));
  double ups = w->counter[2][PL_METRIC_PEER_CONNECTED];
  world_kill(w, 1);
  w->cfg[1].bootstrap = NULL;
  w->cfg[1].n_bootstrap = 0;
  world_start(w, 1);
  pl_command c = {PL_CMD_CONNECT, 2, 0, NULL, 0};
  g_assert_cmpint(pl_node_command(w->nodes[1], w->now, &c), ==, PL_OK);
  world_run(w, S(6) + MS(10));
  g_assert_true(connected(w, 1, 2));
  g_assert_true(connected(w, 2, 1));
  g_assert_cmpfloat(w->counter[2][PL_METRIC_PEER_CONNECTED], ==, ups);
  g_assert_cmpuint(total_rejected(w, 2), ==, 0);
  world_free(w);
}

/* Times at or after |since| at which |from| sent |to| a message of
 * |type|, into |out| (room for |max|); returns how many. */
static guint
sent_times(world *w, pl_peer from, pl_peer to, uint8_t type, pl_time_ns *out, guint max)
{
  guint n = 0;
  for (guint i = 0; i < w->log->len && n < max; i++) {
    const sent *s = &g_array_index(w->log, sent, i);
    if (s->from == from && s->to == to && s->len >= 2 && s->bytes[1] == type)
      out[n++] = s->at;
  }
  return n;
}

/* (a) and (b): a joining node dials one bootstrap peer, asks it for peers
 * on the handshake, and dials what it learns before any other bootstrap
 * peer; bootstrap peers are dialled again only when nothing else is due. */
static void
test_bootstrap_preference(void)
{
  world *w = world_new(5, 0);
  /* Nodes 0, 1, 2, 4 run no maintenance rounds: only node 3 dials. */
  for (guint i = 0; i < 5; i++)
    if (i != 3)
      w->cfg[i].maintenance_interval_ns = 0;
  world_start(w, 0);
  world_start(w, 1);
  world_start(w, 2);
  world_start(w, 4);
  /* Node 4 (no bootstrap) connects to 0, 1 and 2 by command. */
  for (pl_peer p = 0; p < 3; p++) {
    pl_command c = {PL_CMD_CONNECT, p, 0, NULL, 0};
    g_assert_cmpint(pl_node_command(w->nodes[4], w->now, &c), ==, PL_OK);
  }
  world_run(w, S(1));
  g_assert_cmpuint(pl_node_peer_count(w->nodes[4]), ==, 3);
  /* Node 3 joins with bootstrap peers 0, 1, 2 (all due). */
  world_boot(w, 3, 3, 0, 1, 2);
  world_start(w, 3);
  guint hellos = 0;
  pl_peer contact[3];
  for (pl_peer p = 0; p < 3; p++)
    if (count_sent(w, 3, p, PL_MSG_HELLO, S(1), NULL) == 1)
      contact[hellos++] = p;
  /* PL_PEER_BOOTSTRAP_DIALS first contacts (two, as a node queries
   * several seeds), not all three. */
  g_assert_cmpuint(hellos, ==, PL_PEER_BOOTSTRAP_DIALS);
  world_run(w, S(1) + MS(10));
  /* It asked one contact at the handshake (book 3 < 2 x target; the ask
   * backoff holds the second) and learned node 4, which it dialled at
   * once; the third bootstrap peer, though due and below target, was not
   * dialled. */
  guint asks = 0;
  for (guint k = 0; k < hellos; k++)
    asks += count_sent(w, 3, contact[k], PL_MSG_PEERS_REQ, S(1), NULL);
  g_assert_cmpuint(asks, ==, 1);
  g_assert_true(connected(w, 3, 4));
  hellos = 0;
  for (pl_peer p = 0; p < 3; p++)
    hellos += count_sent(w, 3, p, PL_MSG_HELLO, S(1), NULL);
  g_assert_cmpuint(hellos, ==, 2);
  pl_peer first = contact[0];
  /* Its handshake with 4 did not ask again (ask backoff). */
  g_assert_cmpuint(count_sent(w, 3, 4, PL_MSG_PEERS_REQ, S(1), NULL), ==, 0);
  /* A tiny network: node 3 keeps its bootstrap contact. */
  g_assert_true(connected(w, 3, first));
  /* Maintenance (6 s): nothing else is due, so the last bootstrap peer. */
  world_run(w, S(6) + MS(10));
  hellos = 0;
  for (pl_peer p = 0; p < 3; p++)
    hellos += count_sent(w, 3, p, PL_MSG_HELLO, S(1), NULL);
  g_assert_cmpuint(hellos, ==, 3);
  world_free(w);

  /* (b) A book already holding 2 x target_peers entries: no ask. */
  w = world_new(4, 0);
  w->cfg[3].target_peers = 1;
  world_boot(w, 3, 3, 0, 1, 2);
  world_start_all(w);
  world_run(w, MS(100));
  g_assert_cmpuint(pl_node_peer_count(w->nodes[3]), ==, 1);
  g_assert_cmpuint(count_sent(w, 3, PL_PEER_NONE, PL_MSG_PEERS_REQ, 0, NULL), ==, 0);
  world_free(w);
}

/* A node that has its own outbound peers and knows target_peers other
 * candidates lets go of its bootstrap session (GOODBYE normal). */
static void
test_bootstrap_release(void)
{
  world *w = world_new(4, 0);
  world_boot(w, 1, 1, 0);
  world_boot(w, 2, 1, 0);
  world_start(w, 0);
  world_start(w, 1);
  world_start(w, 2);
  world_run(w, S(1));
  g_assert_true(connected(w, 0, 1));
  g_assert_true(connected(w, 0, 2));
  /* Node 3 wants 2 peers: it learns 1 and 2 from node 0 and dials one. */
  w->cfg[3].target_peers = 2;
  world_boot(w, 3, 1, 0);
  world_start(w, 3);
  world_run(w, S(1) + MS(10));
  g_assert_true(sent_goodbye(w, 3, 0, PL_BYE_NORMAL));
  g_assert_false(connected(w, 3, 0));
  g_assert_false(connected(w, 0, 3));
  g_assert_cmpuint(pl_node_peer_count(w->nodes[3]), ==, 1);
  /* The next round fills up from the book, not from the bootstrap. */
  world_run(w, S(7));
  g_assert_true(connected(w, 3, 1));
  g_assert_true(connected(w, 3, 2));
  g_assert_false(connected(w, 3, 0));
  g_assert_cmpuint(count_sent(w, 3, 0, PL_MSG_HELLO, 0, NULL), ==, 1);
  /* Nodes 1 and 2 (small books) keep theirs. */
  g_assert_true(connected(w, 1, 0));
  g_assert_true(connected(w, 2, 0));
  world_free(w);
}

/* (c) A refusal (GOODBYE peer limit; evicted alike) puts the entry on a
 * backoff of one maintenance interval that doubles per refusal. */
static void
test_refusal_backoff(void)
{
  world *w = world_new(2, 0);
  w->cfg[0].max_inbound = 0; /* refuses everyone */
  world_boot(w, 1, 1, 0);
  world_start_all(w);
  world_run(w, S(200));
  pl_time_ns at[16];
  guint n = sent_times(w, 1, 0, PL_MSG_HELLO, at, 16);
  g_assert_cmpuint(n, >=, 5);
  g_assert_cmpuint(pl_node_rejected(w->nodes[0], PL_ERR_PEER_LIMIT), ==, n); /* no inbound at all */
  pl_time_ns wait = w->cfg[1].maintenance_interval_ns;
  for (guint i = 1; i < n; i++) {
    pl_time_ns gap = at[i] - at[i - 1];
    /* At least the backoff (refused 2 ms after the dial), at most one
     * maintenance round later. */
    g_assert_cmpuint(gap, >=, wait);
    g_assert_cmpuint(gap, <=, wait + w->cfg[1].maintenance_interval_ns + MS(2));
    if (wait < (w->cfg[1].maintenance_interval_ns << PL_PEER_BACKOFF_SHIFT_MAX))
      wait *= 2;
  }
  world_free(w);
}

/* Node records: signed once at start, verified once per unique record by
 * the host's memo, and a restarted node's newer record wins. */
static void
test_node_records(void)
{
  world *w = world_new(3, 0);
  w->env.sigcache = pl_sigcache_new(64);
  world_boot(w, 1, 1, 0);
  world_boot(w, 2, 1, 0);
  world_start_all(w);
  world_run(w, S(30));
  for (guint i = 0; i < 3; i++) {
    g_assert_cmpfloat(w->counter[i][PL_METRIC_SIG_SIGNED], ==, 1);
    g_assert_cmpuint(pl_node_peer_count(w->nodes[i]), ==, 2);
    /* Every node is still charged for every check. */
    g_assert_cmpfloat(w->counter[i][PL_METRIC_SIG_VERIFIED], >=, 2);
  }
  /* Node 0's one record went to nodes 1 and 2: the second check of it
   * (and of every other repeated record) was a memo hit. */
  g_assert_cmpuint(pl_sigcache_misses(w->env.sigcache), ==, 3);
  g_assert_cmpuint(pl_sigcache_hits(w->env.sigcache), >, 0);
  double verified = 0;
  for (guint i = 0; i < 3; i++)
    verified += w->counter[i][PL_METRIC_SIG_VERIFIED];
  g_assert_cmpfloat(verified, ==,
                    (double)(pl_sigcache_hits(w->env.sigcache) +
                             pl_sigcache_misses(w->env.sigcache)));
  /* Every HELLO node 1 sent carried the record signed at 0 s. */
  const sent *old = NULL;
  g_assert_cmpuint(count_sent(w, 1, 0, PL_MSG_HELLO, 0, &old), >=, 1);
  pl_msg m;
  g_assert_cmpint(pl_wire_decode(old->bytes, old->len, &m), ==, PL_OK);
  g_assert_cmpuint(m.u.hello.record_seq, ==, 0);
  uint8_t replay[PL_WIRE_HELLO_BYTES];
  memcpy(replay, old->bytes, sizeof replay);

  /* Node 1 crashes and restarts at 30.5 s (between heartbeats): a new
   * record, seq 30.5 s. */
  const pl_time_ns t1 = S(30) + MS(500);
  world_run(w, t1);
  world_kill(w, 1);
  world_start(w, 1);
  g_assert_cmpfloat(w->counter[1][PL_METRIC_SIG_SIGNED], ==, 2);
  pl_command c = {PL_CMD_CONNECT, 2, 0, NULL, 0};
  g_assert_cmpint(pl_node_command(w->nodes[1], w->now, &c), ==, PL_OK);
  world_run(w, S(31));
  g_assert_true(connected(w, 2, 1));
  const sent *fresh = NULL;
  g_assert_cmpuint(count_sent(w, 1, 2, PL_MSG_HELLO, t1, &fresh), ==, 1);
  g_assert_cmpint(pl_wire_decode(fresh->bytes, fresh->len, &m), ==, PL_OK);
  g_assert_cmpuint(m.u.hello.record_seq, ==, t1);
  g_assert_cmpuint(pl_node_rejected(w->nodes[2], PL_ERR_REPLAY), ==, 0);
  /* The old record, replayed to node 2 over node 1's link: refused. */
  g_assert_cmpint(pl_node_receive(w->nodes[2], w->now, 1, replay, sizeof replay), ==,
                  PL_ERR_REPLAY);
  g_assert_cmpuint(pl_node_rejected(w->nodes[2], PL_ERR_REPLAY), ==, 1);
  g_assert_true(connected(w, 2, 1));
  /* Node records cost memory in the node, and nothing grows. */
  size_t mem = pl_node_memory(w->nodes[1]);
  g_assert_cmpuint(mem, >=, sizeof(pl_node));
  world_run(w, S(60));
  g_assert_cmpuint(pl_node_memory(w->nodes[1]), ==, mem);
  g_assert_cmpfloat(w->counter[1][PL_METRIC_SIG_SIGNED], ==, 2);
  pl_sigcache_free(w->env.sigcache);
  world_free(w);
}

static void
test_memory(void)
{
  world *w = world_new(2, 0);
  w->cfg[1].max_peers = 32;
  world_boot(w, 1, 1, 0);
  world_start_all(w);
  /* Before any connection a node holds no slots; node 1 holds one
   * allocated book entry block for its bootstrap peer. */
  size_t idle = pl_node_memory(w->nodes[0]);
  g_assert_cmpuint(idle, >, sizeof(pl_node));
  g_assert_cmpuint(idle, <=, 512);
  world_run(w, S(1));
  g_assert_true(connected(w, 0, 1));
  size_t m0 = pl_node_memory(w->nodes[0]), m1 = pl_node_memory(w->nodes[1]);
  g_test_message("pl_node_memory, default config: %zu bytes idle, %zu connected", idle, m0);
  g_assert_cmpuint(m0, >, idle);
  g_assert_cmpuint(m0, <=, 2048); /* default config: compact */
  /* Slots follow the connections a node has had at once, not max_peers:
   * node 1 (max_peers 32) holds what node 0 (the default) holds. */
  g_assert_cmpuint(m1, ==, m0);
  /* Once connected, memory does not grow with traffic. */
  world_run(w, S(60));
  g_assert_cmpuint(pl_node_memory(w->nodes[0]), ==, m0);
  g_assert_cmpuint(pl_node_memory(w->nodes[1]), ==, m1);
  world_free(w);
}

/* The slot table grows with the connections held at once (4 slots at a
 * time, at the first and the fifth peer), up to max_peers, and every
 * dialler gets a slot on the way. */
static void
test_slots_grow(void)
{
  world *w = world_new(MAXN, 0);
  w->cfg[0].max_peers = 16;
  w->cfg[0].max_inbound = 16;
  for (guint i = 1; i < MAXN; i++)
    world_boot(w, i, 1, 0);
  world_start(w, 0);
  world_run(w, S(1));
  size_t alone = pl_node_memory(w->nodes[0]);
  size_t prev = alone;
  for (guint i = 1; i < MAXN; i++) {
    world_start(w, i);
    world_run(w, S(1 + i));
    g_assert_true(connected(w, 0, i));
    g_assert_true(connected(w, i, 0));
    size_t m = pl_node_memory(w->nodes[0]);
    g_assert_cmpuint(m, >=, prev);
    if (i == 1) /* one peer: 4 slots of 64 bytes and a book block of 8 entries of 24, not 16 slots */
      g_assert_cmpuint(m - alone, <=, 4 * 64 + 8 * 24);
    else if (i == 5) /* the fifth peer: four more slots of 64 bytes (the book still has room) */
      g_assert_cmpuint(m - prev, ==, 4 * 64);
    else /* the peers in between fit the slots there are */
      g_assert_cmpuint(m, ==, prev);
    prev = m;
  }
  g_assert_cmpuint(pl_peer_connected_count(w->nodes[0]), ==, MAXN - 1);
  world_free(w);
}

static void
test_timers_disabled(void)
{
  world *w = world_new(2, 0);
  for (guint i = 0; i < 2; i++) {
    w->cfg[i].heartbeat_interval_ns = 0;
    w->cfg[i].maintenance_interval_ns = 0;
  }
  world_boot(w, 1, 1, 0);
  world_start_all(w);
  world_run(w, S(300));
  /* The dial at start still happens; nothing periodic does. */
  g_assert_true(connected(w, 0, 1));
  g_assert_true(connected(w, 1, 0));
  g_assert_cmpuint(count_sent(w, PL_PEER_NONE, PL_PEER_NONE, PL_MSG_PING, 0, NULL), ==, 0);
  g_assert_cmpuint(w->events->len, ==, 0); /* only the spent handshake timer was ever armed */
  world_free(w);
}

/* Pending timers of node |i|; the earliest's time in *|first|. */
static guint
pending_timers(world *w, guint i, pl_time_ns *first)
{
  guint n = 0;
  pl_time_ns t = 0;
  for (guint k = 0; k < w->events->len; k++) {
    const event *e = &g_array_index(w->events, event, k);
    if (e->kind != EV_TIMER || e->to != i)
      continue;
    if (n == 0 || e->at < t)
      t = e->at;
    n++;
  }
  if (first)
    *first = t;
  return n;
}

/* PINGs from |from| sent exactly at |at|. */
static guint
pings_at(world *w, pl_peer from, pl_time_ns at)
{
  guint n = 0;
  for (guint k = 0; k < w->log->len; k++) {
    const sent *s = &g_array_index(w->log, sent, k);
    n += s->at == at && s->from == from && s->len >= 2 && s->bytes[1] == PL_MSG_PING;
  }
  return n;
}

/*
 * A node with target_peers = 0 and no peer arms no timer at all (its
 * bootstrap list notwithstanding: it never dials on its own); a session
 * wakes its heartbeat on the grid start + m x interval that an always-on
 * heartbeat would have used, and the heartbeat goes back to sleep when the
 * last peer is gone.  A node with a target keeps both timers as before.
 */
static void
test_idle_node_sleeps(void)
{
  world *w = world_new(3, 0);
  w->cfg[0].target_peers = 0;
  w->cfg[1].target_peers = 0;
  world_boot(w, 0, 1, 1); /* a bootstrap peer it will not dial */
  world_start(w, 0);
  world_run(w, S(3));
  world_start(w, 1); /* node 1's grid: 13 s, 23 s, ... */
  g_assert_cmpuint(pending_timers(w, 0, NULL), ==, 0);
  g_assert_cmpuint(pending_timers(w, 1, NULL), ==, 0);
  world_run(w, S(100));
  g_assert_cmpuint(w->log->len, ==, 0);
  g_assert_cmpuint(w->events->len, ==, 0);

  /* Node 0 dials node 1 at 123.5 s: both are up at 123.502 s. */
  world_run(w, MS(123500));
  pl_command c = {PL_CMD_CONNECT, 1, 0, NULL, 0};
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &c), ==, PL_OK);
  world_run(w, MS(123600));
  g_assert_true(connected(w, 0, 1));
  g_assert_true(connected(w, 1, 0));
  pl_time_ns at = 0;
  g_assert_cmpuint(pending_timers(w, 1, &at), ==, 1); /* the heartbeat */
  g_assert_cmpuint(at, ==, S(133));
  /* node 0 also holds its handshake timer (128.5 s) */
  g_assert_cmpuint(pending_timers(w, 0, &at), ==, 2);
  world_run(w, S(129));
  g_assert_cmpuint(pending_timers(w, 0, &at), ==, 1);
  g_assert_cmpuint(at, ==, S(130));
  world_run(w, S(145));
  g_assert_cmpuint(pings_at(w, 0, S(130)), ==, 1);
  g_assert_cmpuint(pings_at(w, 0, S(140)), ==, 1);
  g_assert_cmpuint(pings_at(w, 1, S(133)), ==, 1);
  g_assert_cmpuint(pings_at(w, 1, S(143)), ==, 1);
  g_assert_cmpuint(w->counter[0][PL_METRIC_PEER_TIMEOUT], ==, 0);

  /* The session ends at 145 s; each heartbeat fires once more, finds no
   * peer and sleeps. */
  c.kind = PL_CMD_DISCONNECT;
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &c), ==, PL_OK);
  world_run(w, S(154));
  g_assert_false(connected(w, 1, 0));
  guint sent_before = w->log->len;
  world_run(w, S(1000));
  g_assert_cmpuint(w->events->len, ==, 0);
  g_assert_cmpuint(w->log->len, ==, sent_before);

  /* Node 1 dials back at 1001 s: heartbeats at 1010 s (node 0, from 0 s)
   * and 1003 s (node 1, from 3 s). */
  world_run(w, S(1001));
  c.kind = PL_CMD_CONNECT;
  c.peer = 0;
  g_assert_cmpint(pl_node_command(w->nodes[1], w->now, &c), ==, PL_OK);
  world_run(w, S(1011));
  g_assert_cmpuint(pings_at(w, 0, S(1010)), ==, 1);
  g_assert_cmpuint(pings_at(w, 1, S(1003)), ==, 1);
  g_assert_cmpuint(pings_at(w, 1, S(1013)), ==, 0);
  world_run(w, S(1013));
  g_assert_cmpuint(pings_at(w, 1, S(1013)), ==, 1);

  /* Node 2 has the default target: heartbeat and maintenance, always. */
  world_start(w, 2);
  g_assert_cmpuint(pending_timers(w, 2, &at), ==, 2);
  g_assert_cmpuint(at, ==, w->now + w->cfg[2].maintenance_interval_ns);
  world_free(w);
}

/* The record signed at start is charged then (CPU, sig.signed) but
 * computed on first use: it is the record an eager signature at start
 * would have given, and using it charges nothing more. */
static void
test_record_owed_at_start(void)
{
  world *w = world_new(1, 0);
  w->cfg[0].target_peers = 0;
  world_run(w, S(7));
  world_start(w, 0);
  g_assert_cmpfloat(w->counter[0][PL_METRIC_SIG_SIGNED], ==, 1);
  pl_time_ns cpu = w->cpu_ns[0];
  g_assert_cmpuint(cpu, ==, w->cfg[0].sign_cost_ns);
  world_run(w, S(50));
  const pl_record *rec = pl_node_record(w->nodes[0], w->now);
  g_assert_cmpuint(rec->seq, ==, S(7));
  pl_record eager;
  pl_offer offer = {w->cfg[0].version_major, w->cfg[0].version_minor,
                    w->cfg[0].version_minor_min, w->cfg[0].features};
  g_assert_cmpint(pl_record_sign(&eager, &offer, S(7), w->seeds[0], w->keys[0]), ==, PL_OK);
  g_assert_cmpmem(rec->sig, PL_SIG_BYTES, eager.sig, PL_SIG_BYTES);
  g_assert_true(pl_offer_equal(&rec->offer, &offer));
  g_assert_cmpfloat(w->counter[0][PL_METRIC_SIG_SIGNED], ==, 1);
  g_assert_cmpuint(w->cpu_ns[0], ==, cpu);
  world_free(w);
}

/* The keys of the PEERS |m| as handles (interned), in order; returns the
 * count. */
static guint
peers_handles(world *w, const sent *m, pl_peer *out)
{
  g_assert_cmpuint(m->len, >=, 3);
  guint n = m->bytes[2];
  g_assert_cmpuint(m->len, ==, 3 + 32u * n);
  for (guint k = 0; k < n; k++)
    out[k] = cb_intern(m->bytes + 3 + 32 * k, w);
  return n;
}

/* Nodes 1-4 dial node 0 (max_inbound 4, no eviction, target_peers 2) at
 * 0 s; nodes 5, 6 and 7 dial it at 1 s and are refused with referrals. */
static world *
referral_run(uint32_t refuser_features, uint32_t dialler_features)
{
  world *w = world_new(8, 0);
  w->cfg[0].max_inbound = 4;
  w->cfg[0].eviction = PL_EVICT_NONE;
  w->cfg[0].target_peers = 2;
  w->cfg[0].features = refuser_features;
  for (guint i = 1; i < 8; i++)
    world_boot(w, i, 1, 0);
  for (guint i = 5; i < 8; i++)
    w->cfg[i].features = dialler_features;
  for (guint i = 0; i < 5; i++)
    world_start(w, i);
  world_run(w, S(1));
  for (guint i = 5; i < 8; i++)
    world_start(w, i);
  world_run(w, S(1) + MS(3));
  return w;
}

/* A node refused for capacity learns where to go: node 0 answers the
 * HELLO with a PEERS of target_peers (2) of its 4 connected peers, a
 * random sample, then GOODBYE(peer limit); the refused dialler takes it
 * although it has no session, adds the keys to its book and dials one at
 * once. */
static void
test_referral(void)
{
  world *w = referral_run(PL_FEATURE_PEER_EXCHANGE, PL_FEATURE_PEER_EXCHANGE);
  g_assert_cmpuint(pl_node_peer_count(w->nodes[0]), ==, 4);
  pl_peer order[8];
  g_assert_cmpuint(pl_node_peers(w->nodes[0], order, 8), ==, 4);
  gboolean differs = FALSE; /* some referral is not the first two peers */
  pl_peer seen[3][2];
  for (guint i = 5; i < 8; i++) {
    g_assert_true(sent_goodbye(w, 0, i, PL_BYE_PEER_LIMIT));
    const sent *ref = NULL, *bye = NULL;
    g_assert_cmpuint(count_sent(w, 0, i, PL_MSG_PEERS, 0, &ref), ==, 1);
    g_assert_cmpuint(count_sent(w, 0, i, PL_MSG_GOODBYE, 0, &bye), ==, 1);
    g_assert_true(ref < bye); /* the referral comes first */
    pl_peer got[32];
    g_assert_cmpuint(peers_handles(w, ref, got), ==, 2);
    g_assert_cmpuint(got[0], !=, got[1]);
    for (guint k = 0; k < 2; k++) {
      g_assert_cmpuint(got[k], >=, 1);
      g_assert_cmpuint(got[k], <=, 4);
      seen[i - 5][k] = got[k];
      differs = differs || (got[k] != order[0] && got[k] != order[1]);
    }
    /* Taken (no rejection), booked, and dialled on arrival (1 s + 2 ms). */
    g_assert_cmpuint(total_rejected(w, i), ==, 0);
    pl_peer book[16];
    guint n = pl_peer_book(w->nodes[i], book, 16);
    g_assert_cmpuint(n, ==, 3);
    g_assert_cmpuint(book[0], ==, 0);
    g_assert_true((book[1] == got[0] && book[2] == got[1]) ||
                  (book[1] == got[1] && book[2] == got[0]));
    guint dialled = 0;
    for (guint k = 0; k < 2; k++)
      dialled += count_sent(w, i, got[k], PL_MSG_HELLO, S(1) + MS(2), NULL);
    g_assert_cmpuint(dialled, >=, 1);
  }
  /* Different refused nodes get different samples (fixed seeds). */
  g_assert_true(differs);
  gboolean same = TRUE;
  for (guint k = 0; k < 2; k++)
    same = same && seen[0][k] == seen[1][k] && seen[1][k] == seen[2][k];
  g_assert_false(same);
  world_run(w, S(2));
  for (guint i = 5; i < 8; i++) {
    g_assert_cmpuint(pl_node_peer_count(w->nodes[i]), >=, 1);
    g_assert_false(connected(w, i, 0));
  }
  g_assert_cmpuint(pl_node_rejected(w->nodes[0], PL_ERR_PEER_LIMIT), ==, 3);
  world_free(w);
}

/* No referral unless peer exchange is common: the refusal is a bare
 * GOODBYE, and the dialler has nowhere else to go. */
static void
test_referral_needs_peer_exchange(void)
{
  for (int side = 0; side < 2; side++) {
    world *w = side == 0 ? referral_run(0, PL_FEATURE_PEER_EXCHANGE)
                         : referral_run(PL_FEATURE_PEER_EXCHANGE, 0);
    for (guint i = 5; i < 8; i++) {
      g_assert_true(sent_goodbye(w, 0, i, PL_BYE_PEER_LIMIT));
      g_assert_cmpuint(count_sent(w, 0, i, PL_MSG_PEERS, 0, NULL), ==, 0);
      pl_peer book[16];
      g_assert_cmpuint(pl_peer_book(w->nodes[i], book, 16), ==, 1);
      g_assert_cmpuint(count_sent(w, i, PL_PEER_NONE, PL_MSG_HELLO, 0, NULL), ==, 1);
      g_assert_cmpuint(pl_node_peer_count(w->nodes[i]), ==, 0);
    }
    world_free(w);
  }
}

/* Encode a PEERS carrying the keys of |handles|. */
static guint
encode_peers(world *w, const pl_peer *handles, guint n, uint8_t *buf, size_t cap)
{
  uint8_t keys[4 * 32];
  g_assert_cmpuint(n, <=, 4);
  for (guint k = 0; k < n; k++)
    memcpy(keys + 32 * k, w->keys[handles[k]], 32);
  pl_msg m = {.type = PL_MSG_PEERS};
  m.u.peers.count = (uint8_t)n;
  m.u.peers.keys = keys;
  int len = pl_wire_encode(&m, buf, cap);
  g_assert_cmpint(len, >, 0);
  return (guint)len;
}

/* Referrals are taken narrowly: one PEERS per dial, from the peer we are
 * dialling; an unsolicited PEERS from anyone else stays unexpected (and
 * is told GOODBYE(not connected)), as does a PEERS without peer exchange
 * of our own. */
static void
test_referral_only_from_dialled(void)
{
  world *w = world_new(1, 7); /* handles 1-7: no node */
  world_start(w, 0);
  pl_command c = {.kind = PL_CMD_CONNECT, .peer = 1};
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &c), ==, PL_OK);
  uint8_t buf[512];
  pl_peer two[2] = {2, 3};
  guint len = encode_peers(w, two, 2, buf, sizeof buf);
  /* From a peer we do not dial: unexpected, nothing learned. */
  g_assert_cmpint(pl_node_receive(w->nodes[0], w->now, 4, buf, len), ==, PL_ERR_UNEXPECTED);
  g_assert_true(sent_goodbye(w, 0, 4, PL_BYE_NOT_CONNECTED));
  pl_peer book[16];
  g_assert_cmpuint(pl_peer_book(w->nodes[0], book, 16), ==, 1);
  /* From the peer we dial: taken, booked, one of them dialled at once
   * (one dial per referral). */
  g_assert_cmpint(pl_node_receive(w->nodes[0], w->now, 1, buf, len), ==, PL_OK);
  g_assert_cmpuint(pl_peer_book(w->nodes[0], book, 16), ==, 3);
  g_assert_cmpuint(book[1], ==, 2);
  g_assert_cmpuint(book[2], ==, 3);
  guint d2 = count_sent(w, 0, 2, PL_MSG_HELLO, 0, NULL);
  guint d3 = count_sent(w, 0, 3, PL_MSG_HELLO, 0, NULL);
  g_assert_cmpuint(d2 + d3, ==, 1);
  pl_peer dialled = d2 ? 2 : 3;
  g_assert_false(pl_peer_takes_referral(w->nodes[0], 1));
  g_assert_true(pl_peer_takes_referral(w->nodes[0], dialled));
  /* Refused by |dialled| before its referral arrives (the network may
   * reorder them): the referral is still taken, once. */
  pl_msg bye = {.type = PL_MSG_GOODBYE};
  bye.u.goodbye.reason = PL_BYE_PEER_LIMIT;
  uint8_t byebuf[8];
  int bl = pl_wire_encode(&bye, byebuf, sizeof byebuf);
  g_assert_cmpint(bl, >, 0);
  g_assert_cmpint(pl_node_receive(w->nodes[0], w->now, dialled, byebuf, (size_t)bl), ==, PL_OK);
  g_assert_true(pl_peer_takes_referral(w->nodes[0], dialled));
  pl_peer six[1] = {6};
  guint len6 = encode_peers(w, six, 1, buf, sizeof buf);
  g_assert_cmpint(pl_node_receive(w->nodes[0], w->now, dialled, buf, len6), ==, PL_OK);
  g_assert_cmpuint(pl_peer_book(w->nodes[0], book, 16), ==, 4);
  g_assert_cmpuint(book[3], ==, 6);
  g_assert_false(pl_peer_takes_referral(w->nodes[0], dialled));
  g_assert_cmpint(pl_node_receive(w->nodes[0], w->now, dialled, buf, len6), ==,
                  PL_ERR_UNEXPECTED);
  /* A second one from the same dial: unexpected. */
  pl_peer one[1] = {5};
  len = encode_peers(w, one, 1, buf, sizeof buf);
  g_assert_cmpint(pl_node_receive(w->nodes[0], w->now, 1, buf, len), ==, PL_ERR_UNEXPECTED);
  g_assert_cmpuint(pl_peer_book(w->nodes[0], book, 16), ==, 4);
  g_assert_cmpuint(pl_node_rejected(w->nodes[0], PL_ERR_UNEXPECTED), ==, 3);
  g_assert_cmpuint(total_rejected(w, 0), ==, 3);
  world_free(w);

  /* Without peer exchange of our own, not even from the peer we dial. */
  w = world_new(1, 3);
  w->cfg[0].features = 0;
  world_start(w, 0);
  g_assert_cmpint(pl_node_command(w->nodes[0], w->now, &c), ==, PL_OK);
  len = encode_peers(w, two, 2, buf, sizeof buf);
  g_assert_false(pl_peer_takes_referral(w->nodes[0], 1));
  g_assert_cmpint(pl_node_receive(w->nodes[0], w->now, 1, buf, len), ==, PL_ERR_UNEXPECTED);
  g_assert_cmpuint(pl_peer_book(w->nodes[0], book, 16), ==, 1);
  world_free(w);
}

static void
digest_run(char **out)
{
  world *w = world_new(4, 0);
  w->latency_ns = MS(3);
  for (guint i = 1; i < 4; i++)
    world_boot(w, i, 1, 0);
  world_start_all(w);
  world_run(w, S(60));
  *out = g_strdup(g_checksum_get_string(w->digest));
  g_assert_cmpuint(pl_node_peer_count(w->nodes[3]), ==, 3);
  world_free(w);
}

static void
test_determinism(void)
{
  char *a, *b;
  digest_run(&a);
  digest_run(&b);
  g_assert_cmpstr(a, ==, b);
  g_free(a);
  g_free(b);
}

/* A node brought to target_peers by inbound peers alone still keeps
 * PL_PEER_MIN_OUTBOUND outbound sessions: maintenance asks for addresses
 * and dials one (as Bitcoin fills its outbound slots whatever its inbound
 * count).  Before, such a node never dialled again, and a cluster of
 * nodes at target stayed cut off. */
static void
test_min_outbound(void)
{
  world *w = world_new(4, 0);
  w->cfg[0].target_peers = 2;
  w->cfg[3].maintenance_interval_ns = 0; /* node 3 stays passive */
  world_boot(w, 1, 2, 0, 3);
  world_boot(w, 2, 2, 0, 3);
  world_start_all(w);
  world_run(w, S(1));
  g_assert_true(connected(w, 0, 1));
  g_assert_true(connected(w, 0, 2));
  g_assert_cmpuint(count_sent(w, 0, PL_PEER_NONE, PL_MSG_HELLO, 0, NULL), ==, 0);
  /* At target with no outbound peer: the 5 s round asks, the 10 s round
   * dials node 3, learned from the answer. */
  world_run(w, S(11));
  g_assert_cmpuint(count_sent(w, 0, 3, PL_MSG_HELLO, 0, NULL), ==, 1);
  g_assert_true(connected(w, 0, 3));
  g_assert_cmpuint(pl_node_peer_count(w->nodes[0]), ==, 3);
  world_free(w);

  /* (b) With target_peers 1 the minimum is 1: a node at target through
   * one outbound session dials nobody else, though it knows node 2. */
  w = world_new(3, 0);
  w->cfg[0].target_peers = 1;
  w->cfg[2].maintenance_interval_ns = 0;
  world_boot(w, 0, 1, 1);
  world_boot(w, 1, 1, 2);
  world_start_all(w);
  world_run(w, S(30));
  g_assert_true(connected(w, 0, 1));
  g_assert_cmpuint(count_sent(w, 0, 2, PL_MSG_HELLO, 0, NULL), ==, 0);
  world_free(w);
}

/* A PEERS answer draws from connected peers and from good (never failed,
 * not bootstrap) book entries, as Bitcoin's getaddr answers from addrman:
 * a node closed by choice (GOODBYE normal) stays good and is handed out. */
static void
test_answers_from_book(void)
{
  world *w = world_new(4, 0);
  w->cfg[1].maintenance_interval_ns = 0;
  world_boot(w, 1, 1, 0);
  world_start(w, 0);
  world_start(w, 1);
  world_run(w, S(1));
  g_assert_true(connected(w, 0, 1));
  pl_command c = {PL_CMD_DISCONNECT, 0, 0, NULL, 0};
  g_assert_cmpint(pl_node_command(w->nodes[1], w->now, &c), ==, PL_OK);
  world_run(w, S(2));
  g_assert_true(sent_goodbye(w, 1, 0, PL_BYE_NORMAL));
  g_assert_false(connected(w, 0, 1));
  /* Node 3 joins through node 0, which has no connected peer left: its
   * answer names node 1 from its book. */
  world_boot(w, 3, 1, 0);
  world_start(w, 3);
  world_run(w, S(2) + MS(10));
  const sent *ans = NULL;
  g_assert_cmpuint(count_sent(w, 0, 3, PL_MSG_PEERS, 0, &ans), ==, 1);
  g_assert_cmpuint(ans->bytes[2], ==, 1);
  pl_peer book[16];
  uint32_t n = pl_peer_book(w->nodes[3], book, 16);
  gboolean knows = FALSE;
  for (uint32_t i = 0; i < n; i++)
    knows = knows || book[i] == 1;
  g_assert_true(knows);
  world_free(w);
}

static int
many_exchange(pl_node *node, pl_peer from, pl_peer *out, uint32_t max, void *state)
{
  guint first = *(guint *)state;
  for (uint32_t i = 0; i < max && i < 24; i++)
    out[i] = first + i;
  return (int)MIN(max, 24u);
}

/* A full book keeps a uniform sample of the addresses offered to it
 * (reservoir), not the first book_cap: of 24 addresses offered to a book
 * of 8 holding a bootstrap entry, some of the last 17 get in, and the
 * bootstrap entry stays. */
static void
test_book_reservoir(void)
{
  world *w = world_new(2, 24); /* handles 2..25: no node */
  guint first = 2;
  pl_strategy many = {.name = "px-many", .peer_exchange = many_exchange, .state = &first};
  w->cfg[1].max_peers = 4; /* book of 8 */
  w->cfg[1].target_peers = 1;
  world_boot(w, 1, 1, 0);
  world_create(w, 0);
  pl_node_set_strategy(w->nodes[0], &many);
  world_start_all(w);
  world_run(w, MS(50));
  g_assert_true(connected(w, 1, 0));
  pl_peer book[16];
  g_assert_cmpuint(pl_peer_book(w->nodes[1], book, 16), ==, 8);
  gboolean boot = FALSE;
  guint late = 0;
  for (guint i = 0; i < 8; i++) {
    boot = boot || book[i] == 0;
    late += book[i] >= first + 7;
  }
  g_assert_true(boot);
  g_assert_cmpuint(late, >, 0);
  world_free(w);
}

/* The overlay a 2,000-node join builds is one connected component (it
 * was 2-5 components, the largest 60-70% of the nodes, before outbound
 * minimum, book-drawn peer exchange and redial of lost peers), checked by
 * a union-find over sim_world_node peer lists and by the host gauges
 * overlay.components and overlay.largest_share, for three seeds. */
static void
test_overlay_connected(void)
{
  for (uint64_t seed = 1; seed <= 3; seed++) {
    GError *error = NULL;
    const uint32_t n = 2000;
    char *text = g_strdup_printf(
        "[run]\nname = cc\nseed = %" G_GUINT64_FORMAT "\nduration = 30s\nsample_interval = 10s\n"
        "[network]\nlatency = lognormal(40ms, 0.5)\n"
        "[protocol.peer]\nbootstrap = 8\ntarget_peers = 10\nmax_peers = 20\n"
        "[population.s]\ncount = %u\njoin_at = uniform(0s, 10s)\n",
        seed, n);
    sim_scenario *sc = sim_scenario_load_data(text, "cc.ini", NULL, NULL, &error);
    g_assert_no_error(error);
    sim_world *w = sim_world_new(sc, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpint(sim_world_run(w, &error), ==, SIM_RUN_COMPLETE);
    uint32_t *parent = g_new(uint32_t, n);
    for (uint32_t h = 0; h < n; h++)
      parent[h] = h;
    pl_peer peers[64];
    for (uint32_t h = 0; h < n; h++) {
      pl_node *node = sim_world_node(w, h);
      g_assert_nonnull(node);
      uint32_t k = pl_node_peers(node, peers, 64);
      for (uint32_t i = 0; i < k; i++) {
        uint32_t a = h, b = peers[i];
        while (parent[a] != a)
          a = parent[a];
        while (parent[b] != b)
          b = parent[b];
        parent[MAX(a, b)] = MIN(a, b);
      }
    }
    uint32_t components = 0;
    for (uint32_t h = 0; h < n; h++)
      components += parent[h] == h;
    g_test_message("seed %" G_GUINT64_FORMAT ": %u components, gauge %g", seed, components, sim_metrics_stat(sim_world_metrics(w), "overlay.components", SIM_STAT_LAST));
    g_assert_cmpuint(components, ==, 1);
    const sim_metrics *m = sim_world_metrics(w);
    g_assert_cmpfloat(sim_metrics_stat(m, "overlay.components", SIM_STAT_LAST), ==, 1.0);
    g_assert_cmpfloat(sim_metrics_stat(m, "overlay.largest_share", SIM_STAT_LAST), ==, 1.0);
    g_free(parent);
    sim_world_free(w);
    sim_scenario_free(sc);
    g_free(text);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/peer/bootstrap-three", test_bootstrap_three);
  g_test_add_func("/peer/heartbeat-rtt", test_heartbeat_rtt);
  g_test_add_func("/peer/silent-peer-times-out", test_silent_peer_times_out);
  g_test_add_func("/peer/eviction", test_eviction);
  g_test_add_func("/peer/eviction-grace", test_eviction_grace);
  g_test_add_func("/peer/outbound-limit-handshake-timeout",
                  test_outbound_limit_and_handshake_timeout);
  g_test_add_func("/peer/commands", test_commands);
  g_test_add_func("/peer/peer-exchange-book", test_peer_exchange_book);
  g_test_add_func("/peer/strategy-peer-exchange", test_strategy_peer_exchange);
  g_test_add_func("/peer/reconnect-after-partition", test_reconnect_after_partition);
  g_test_add_func("/peer/rejection-counters", test_rejection_counters);
  g_test_add_func("/peer/envelopes", test_envelopes);
  g_test_add_func("/peer/versions", test_versions);
  g_test_add_func("/peer/strategy-hello-version", test_strategy_hello_version);
  g_test_add_func("/peer/stop-and-restart", test_stop_and_restart);
  g_test_add_func("/peer/bootstrap-preference", test_bootstrap_preference);
  g_test_add_func("/peer/bootstrap-release", test_bootstrap_release);
  g_test_add_func("/peer/refusal-backoff", test_refusal_backoff);
  g_test_add_func("/peer/node-records", test_node_records);
  g_test_add_func("/peer/referral", test_referral);
  g_test_add_func("/peer/referral-needs-peer-exchange", test_referral_needs_peer_exchange);
  g_test_add_func("/peer/referral-only-from-dialled", test_referral_only_from_dialled);
  g_test_add_func("/peer/memory", test_memory);
  g_test_add_func("/peer/slots-grow", test_slots_grow);
  g_test_add_func("/peer/timers-disabled", test_timers_disabled);
  g_test_add_func("/peer/idle-node-sleeps", test_idle_node_sleeps);
  g_test_add_func("/peer/record-owed-at-start", test_record_owed_at_start);
  g_test_add_func("/peer/determinism", test_determinism);
  g_test_add_func("/peer/min-outbound", test_min_outbound);
  g_test_add_func("/peer/answers-from-book", test_answers_from_book);
  g_test_add_func("/peer/book-reservoir", test_book_reservoir);
  g_test_add_func("/peer/overlay-connected", test_overlay_connected);
  return g_test_run();
}
