/*
 * peer.c — peer management: sessions, heartbeats, limits, eviction,
 * address book, maintenance and peer exchange.
 *
 * How it works.
 *
 * Slots.  Every peer the node is connecting to or connected with occupies
 * one slot of an inline array of max_peers slots, allocated once.  A slot
 * is FREE, HELLO_SENT (we dialled and await the HELLO_ACK) or CONNECTED
 * (handshake complete).  A slot keeps its index for its life, so a
 * handshake timer can name it; a generation byte, bumped whenever the
 * slot is reused, makes a stale timer harmless.  Connection order is a
 * node-wide counter stamped when the handshake completes.
 *
 * Handshake.  Dialling sends HELLO (the node record signed at start) and
 * arms a handshake timeout.  The receiver authenticates the record
 * (handshake.h: identity, record replay against the seq remembered in the
 * book, signature through the memo), negotiates, admits the peer (limits,
 * eviction of an inbound peer older than the grace period), answers
 * HELLO_ACK and is connected; the dialler completes on the HELLO_ACK.  If both dial each other at once, each
 * accepts the other's HELLO as above (the slot stays outbound) and takes
 * the late HELLO_ACK quietly.  A HELLO from an already connected peer is a
 * re-handshake (the peer restarted): it is answered, the session
 * renegotiated, and no second peer_up is raised.
 *
 * Liveness.  One heartbeat timer per node: every heartbeat_interval_ns it
 * drops each connected peer whose last PONG (or handshake) is
 * peer_timeout_ns old or more, then PINGs the rest.  A node with
 * target_peers = 0 (it never dials on its own, e.g. a pure-DHT network)
 * sleeps instead of waking for nothing: its heartbeat is armed only while
 * it has a connected peer, on the same grid (start + m x interval) as
 * always, so it fires exactly when it would have had something to do.  Only answers count as
 * life: a peer that talks but never answers a PING times out.  A PONG
 * must echo an outstanding PING nonce (per slot counters: nonces in
 * (acked, next) are outstanding); its round trip is now - sent_at.
 *
 * Address book and maintenance.  The book is a bounded array of handles:
 * bootstrap peers, every peer that completed a handshake, and keys learned
 * from PEERS; when full, a new address replaces the most-failed entry, or
 * else enters as a reservoir sample of every address offered.  Every
 * maintenance_interval_ns, while connected + connecting peers are below
 * target_peers, or outbound ones below PL_PEER_MIN_OUTBOUND, and outbound
 * slots remain, the node dials book entries whose retry time has come,
 * starting at a random offset, learned entries before bootstrap ones
 * (dial_round).  Bootstrap peers are a first contact: a joining node
 * dials PL_PEER_BOOTSTRAP_DIALS (two) of them, asks one for peers on the
 * handshake, dials what it learns at once, and lets the bootstrap
 * sessions go once it has its own links (release_bootstrap).  PEERS
 * answers and referrals draw from connected peers and good book entries
 * (sample_addresses).  Together these keep the overlay one connected
 * component (docs/core.md, "Overlay connectivity").  A
 * failed attempt (handshake timeout, refusal, GOODBYE) doubles the entry's
 * retry delay, from maintenance_interval_ns up to
 * maintenance_interval_ns << PL_PEER_BACKOFF_SHIFT_MAX; success resets it.
 * Peers dropped by a partition are retried this way until it heals.  When
 * the book has no candidate the node asks one connected peer for more
 * (PEERS_REQ), if peer exchange is a common feature.  With target_peers =
 * 0 a maintenance round can never do anything, so none is armed.
 *
 * Referrals.  A node refusing an authenticated HELLO for capacity sends,
 * if peer exchange is common, a PEERS with a random sample of its
 * connected peers before the GOODBYE(peer limit).  The dialler takes that
 * one PEERS without a session (pl_peer_takes_referral); if the GOODBYE
 * overtakes it, the dial's slot lingers as SLOT_REFUSED until the referral
 * or the handshake timeout.  The referral's keys are booked and one of
 * them is dialled at once.
 */
#include "peer.h"

#include <string.h>

#include <glib.h>

#include "handshake.h"
#include "identity.h"

/* SLOT_REFUSED: a dial refused for capacity (GOODBYE peer limit) before
 * its referral arrived — the network may reorder the two —; the slot
 * lingers until the handshake timeout only to take that referral.  It
 * counts for no limit and is reclaimed first when a slot is needed. */
enum { SLOT_FREE = 0, SLOT_HELLO_SENT = 1, SLOT_CONNECTED = 2, SLOT_REFUSED = 3 };

enum {
  SLOT_F_OUTBOUND = 1u << 0,      /* we dialled this peer */
  SLOT_F_HELLO_PENDING = 1u << 1, /* our HELLO awaits its HELLO_ACK */
  SLOT_F_REFERRED = 1u << 2,      /* took this dial's referral (PEERS) */
};

/* One connecting or connected peer (56 bytes). */
typedef struct slot {
  pl_time_ns last_pong_ns; /* last heartbeat answer or handshake, ns */
  pl_time_ns up_ns;        /* time the handshake completed (eviction grace), ns */
  uint64_t env_seq;        /* highest SIGNED sequence accepted directly from it */
  uint32_t conn_seq;       /* connection order stamp (0 while connecting) */
  uint32_t features;       /* negotiated common features, bit mask */
  uint32_t ping_next;      /* nonce of the next PING to send (from 1) */
  uint32_t ping_acked;     /* highest PING nonce answered */
  pl_peer peer;            /* handle, PL_PEER_NONE when free */
  uint8_t state;           /* SLOT_* */
  uint8_t flags;           /* SLOT_F_* */
  uint8_t minor;           /* negotiated minor version */
  uint8_t gen;             /* generation, bumped on reuse (handshake timers) */
  uint8_t px_max;          /* max of our outstanding PEERS_REQ, 0 = none */
} slot;

/* One known peer in the address book (24 bytes). */
typedef struct book_entry {
  pl_time_ns next_try_ns;  /* do not dial before this time, ns */
  uint64_t record_seq;     /* highest node-record seq accepted from it (0: none), ns */
  pl_peer peer;            /* handle */
  uint8_t fails;           /* consecutive failed attempts (saturating) */
  uint8_t bootstrap;       /* 1 if it came from config->bootstrap */
} book_entry;

/* The layer's state.  Both arrays are allocated on first use, so a node
 * that never connects (target_peers = 0, as in a pure-DHT network) holds
 * only this header and the book entries of its bootstrap list. */
typedef struct peer_state {
  slot *slots;             /* n_slots slots (heap), NULL before the first connection */
  uint64_t *keys;          /* n_slots keys, KEY(slots[i].peer, slots[i].state), in the same
                              allocation after the slots: find_slot scans 8 bytes per slot
                              and never touches the 56-byte slots */
  book_entry *book;        /* book_alloc entries (heap), book_len used */
  uint32_t n_slots;        /* slots allocated: 0, growing to config->max_peers (claim_slot) */
  uint32_t book_cap;       /* entries the book may grow to */
  uint32_t book_alloc;     /* entries allocated in |book| (doubling up to book_cap) */
  uint32_t book_len;       /* entries used */
  uint32_t conn_counter;   /* last connection order stamp given */
  uint32_t book_seen;      /* distinct addresses offered to the book (reservoir count) */
  pl_time_ns px_next_ns;   /* no maintenance PEERS_REQ before this time, ns */
  pl_time_ns hb_origin_ns; /* start time: heartbeats fire at origin + m x interval, ns */
  pl_time_ns hb_next_ns;   /* target_peers = 0: armed heartbeat, 0 = asleep, ns */
  uint8_t px_fails;        /* maintenance asks in a row that taught nothing */
} peer_state;

static peer_state *
state_of(const pl_node *node)
{
  return pl_node_layer_state(node, PL_LAYER_PEER);
}

/* ------------------------------------------------------------- slots */

/* A slot's key: its peer handle and its SLOT_* state in one word. */
#define KEY(peer, state) ((uint64_t)(uint32_t)(peer) | (uint64_t)(state) << 32)

/* The first slot whose key is |a| or |b|, -1 if none.  Slot lookups run
 * on every received session message (pl_peer_is_connected), so they scan
 * the packed keys, never the slots. */
static int
find_key(const peer_state *st, uint64_t a, uint64_t b)
{
  const uint64_t *k = st->keys;
  for (uint32_t i = 0; i < st->n_slots; i++)
    if (k[i] == a || k[i] == b)
      return (int)i;
  return -1;
}

/* The slot of connecting or connected |peer| (lingering SLOT_REFUSED
 * slots are not looked at), -1 if none. */
static int
find_slot(const peer_state *st, pl_peer peer)
{
  return find_key(st, KEY(peer, SLOT_HELLO_SENT), KEY(peer, SLOT_CONNECTED));
}

/* The slot of connected |peer|, -1 if none. */
static int
find_connected(const peer_state *st, pl_peer peer)
{
  return find_key(st, KEY(peer, SLOT_CONNECTED), KEY(peer, SLOT_CONNECTED));
}

/* The lingering SLOT_REFUSED slot of |peer|, -1 if none. */
static int
find_refused(const peer_state *st, pl_peer peer)
{
  return find_key(st, KEY(peer, SLOT_REFUSED), KEY(peer, SLOT_REFUSED));
}

/* Bring slot |s|'s key up to date: after every change of its peer or
 * state. */
static inline void
slot_sync(peer_state *st, const slot *s)
{
  st->keys[s - st->slots] = KEY(s->peer, s->state);
}

static void slot_reset(peer_state *st, slot *s);

/* Steps in which the slot table grows (see claim_slot). */
#define SLOTS_STEP 4u

/* Add up to SLOTS_STEP FREE slots (not beyond max_peers) at the end of
 * the table; false on out-of-memory. */
static bool
grow_slots(const pl_node *node, peer_state *st)
{
  uint32_t old = st->n_slots, n = MIN(old + SLOTS_STEP, node->config->max_peers);
  G_STATIC_ASSERT(sizeof(slot) % sizeof(uint64_t) == 0);
  slot *slots = g_try_realloc(st->slots, (size_t)n * (sizeof(slot) + sizeof(uint64_t)));
  if (slots == NULL)
    return false;
  /* the keys follow the slots in the block: move them past the new slots */
  memmove(slots + n, slots + old, (size_t)old * sizeof(uint64_t));
  memset(slots + old, 0, (size_t)(n - old) * sizeof(slot));
  st->slots = slots;
  st->keys = (uint64_t *)(slots + n);
  st->n_slots = n;
  for (uint32_t i = old; i < n; i++) {
    st->slots[i].peer = PL_PEER_NONE;
    slot_sync(st, &st->slots[i]);
  }
  return true;
}

/*
 * The slot for a new connection: the lowest FREE slot; if none is FREE and
 * the table may still grow, the first of the slots it grows by; else a
 * lingering SLOT_REFUSED one, reset.  The slots are allocated on first
 * need and grown SLOTS_STEP at a time up to max_peers, so a node holds
 * slots for the connections it has had at once, not for max_peers (most
 * nodes of a large overlay stay well below it).  A slot keeps its index
 * for life, and the slot chosen is the one it would be if all max_peers
 * had been there from the start (the lowest FREE index; a SLOT_REFUSED one
 * only when all max_peers exist and none is FREE).  Callers hold no slot
 * pointer across it.  Returns the index, -1 if no slot is left, -2 on
 * out-of-memory.
 */
static int
claim_slot(const pl_node *node, peer_state *st)
{
  for (uint32_t i = 0; i < st->n_slots; i++)
    if (st->slots[i].state == SLOT_FREE)
      return (int)i;
  if (st->n_slots < node->config->max_peers) {
    uint32_t first = st->n_slots;
    return grow_slots(node, st) ? (int)first : -2;
  }
  for (uint32_t i = 0; i < st->n_slots; i++)
    if (st->slots[i].state == SLOT_REFUSED) {
      slot_reset(st, &st->slots[i]);
      return (int)i;
    }
  return -1;
}

typedef struct counts {
  uint32_t total;     /* slots in use */
  uint32_t inbound;   /* slots in use that the peer dialled */
  uint32_t outbound;  /* slots in use that we dialled */
  uint32_t connected; /* slots with a completed handshake */
} counts;

static counts
count_slots(const peer_state *st)
{
  counts c = {0, 0, 0, 0};
  for (uint32_t i = 0; i < st->n_slots; i++) {
    const slot *s = &st->slots[i];
    if (s->state == SLOT_FREE || s->state == SLOT_REFUSED)
      continue;
    c.total++;
    if (s->flags & SLOT_F_OUTBOUND)
      c.outbound++;
    else
      c.inbound++;
    if (s->state == SLOT_CONNECTED)
      c.connected++;
  }
  return c;
}

static void
slot_reset(peer_state *st, slot *s)
{
  uint8_t gen = s->gen;
  memset(s, 0, sizeof *s);
  s->peer = PL_PEER_NONE;
  s->gen = (uint8_t)(gen + 1);
  slot_sync(st, s);
}

/* -------------------------------------------------------- address book */

static int
book_find(const peer_state *st, pl_peer peer)
{
  for (uint32_t i = 0; i < st->book_len; i++)
    if (st->book[i].peer == peer)
      return (int)i;
  return -1;
}

/* Add |peer| to the book (no-op if present).  When full, it replaces the
 * non-bootstrap entry with the most failures, if any has failed. */
static void
book_add(pl_node *node, peer_state *st, pl_peer peer, bool bootstrap)
{
  if (peer == node->self || peer == PL_PEER_NONE)
    return;
  int i = book_find(st, peer);
  if (i >= 0) {
    if (bootstrap)
      st->book[i].bootstrap = 1;
    return;
  }
  if (st->book_len < st->book_cap) {
    if (st->book_len == st->book_alloc) {
      uint32_t n = MIN(MAX(2u * st->book_alloc, 8u), st->book_cap);
      book_entry *b = g_try_renew(book_entry, st->book, n);
      if (b == NULL)
        return;
      st->book = b;
      st->book_alloc = n;
    }
    i = (int)st->book_len++;
    st->book_seen = st->book_len;
  } else {
    int worst = -1;
    for (uint32_t j = 0; j < st->book_len; j++) {
      const book_entry *e = &st->book[j];
      if (!e->bootstrap && e->fails > 0 && (worst < 0 || e->fails > st->book[worst].fails))
        worst = (int)j;
    }
    if (worst < 0) {
      /* No failed entry: keep the book a uniform sample of every address
       * offered to it (reservoir), so that a node many others contact (a
       * bootstrap peer) holds addresses from its whole history, not the
       * first book_cap it met. */
      uint32_t r = pl_node_random_below(node, st->book_seen + 1u);
      if (st->book_seen < UINT32_MAX)
        st->book_seen++;
      if (r >= st->book_len || st->book[r].bootstrap || find_slot(st, st->book[r].peer) >= 0)
        return;
      worst = (int)r;
    }
    i = worst;
  }
  st->book[i].peer = peer;
  st->book[i].fails = 0;
  st->book[i].next_try_ns = 0;
  st->book[i].record_seq = 0;
  st->book[i].bootstrap = bootstrap ? 1 : 0;
}

/* A dial of |peer| failed at |now|: double its retry delay. */
static void
book_fail(pl_node *node, peer_state *st, pl_peer peer, pl_time_ns now)
{
  int i = book_find(st, peer);
  if (i < 0)
    return;
  book_entry *e = &st->book[i];
  if (e->fails < UINT8_MAX)
    e->fails++;
  unsigned shift = MIN((unsigned)e->fails - 1u, (unsigned)PL_PEER_BACKOFF_SHIFT_MAX);
  e->next_try_ns = now + (node->config->maintenance_interval_ns << shift);
}

/* Do not dial |peer| again before |at_ns|. */
static void
book_hold(peer_state *st, pl_peer peer, pl_time_ns at_ns)
{
  int i = book_find(st, peer);
  if (i >= 0)
    st->book[i].next_try_ns = at_ns;
}

static void
book_success(pl_node *node, peer_state *st, pl_peer peer)
{
  book_add(node, st, peer, false);
  int i = book_find(st, peer);
  if (i >= 0) {
    st->book[i].fails = 0;
    st->book[i].next_try_ns = 0;
  }
}

/* Highest record seq accepted from |peer| (0: not in the book, no
 * history). */
static uint64_t
book_record_seq(const peer_state *st, pl_peer peer)
{
  int i = book_find(st, peer);
  return i >= 0 ? st->book[i].record_seq : 0;
}

/* Remember that a record of |peer| with |seq| was accepted (if |peer| is
 * in the book). */
static void
book_note_record(peer_state *st, pl_peer peer, uint64_t seq)
{
  int i = book_find(st, peer);
  if (i >= 0 && st->book[i].record_seq < seq)
    st->book[i].record_seq = seq;
}

/* ----------------------------------------------------------- sending */

static void
send_msg(pl_node *node, pl_peer to, const pl_msg *m)
{
  uint8_t buf[PL_WIRE_PEERS_BYTES(PL_WIRE_PEERS_MAX)];
  int n = pl_wire_encode(m, buf, sizeof buf);
  g_assert(n > 0);
  pl_node_send(node, to, buf, (size_t)n);
}

static void
send_goodbye(pl_node *node, pl_peer to, pl_goodbye_reason reason)
{
  pl_msg m = {.type = PL_MSG_GOODBYE};
  m.u.goodbye.reason = (uint8_t)reason;
  send_msg(node, to, &m);
}

static void
send_ping(pl_node *node, slot *s, pl_time_ns now)
{
  pl_msg m = {.type = PL_MSG_PING};
  m.u.ping.nonce = s->ping_next++;
  m.u.ping.sent_at_ns = now;
  send_msg(node, s->peer, &m);
}

static void
send_peers_req(pl_node *node, slot *s, uint8_t max)
{
  pl_msg m = {.type = PL_MSG_PEERS_REQ};
  m.u.peers_req.max = max;
  s->px_max = max;
  send_msg(node, s->peer, &m);
}

/* Send our signed node record to |to| as |type| (HELLO / HELLO_ACK).  No
 * signing here: the record was signed at start (pl_node_record). */
static void
send_hello(pl_node *node, pl_peer to, uint8_t type, pl_time_ns now)
{
  uint8_t buf[PL_WIRE_HELLO_BYTES];
  int n = pl_hello_build(buf, sizeof buf, type, pl_node_record(node, now), node->key);
  g_assert(n == PL_WIRE_HELLO_BYTES);
  pl_node_send(node, to, buf, (size_t)n);
}

/* Ask the connected peer in |s| for more peers, if peer exchange is
 * common, no request is out to it, and the ask backoff has expired (it
 * doubles for every answer that teaches nothing new, like a dial
 * backoff).  True if asked. */
static bool
ask_peer(pl_node *node, peer_state *st, slot *s, pl_time_ns now)
{
  if (!(node->config->features & PL_FEATURE_PEER_EXCHANGE) ||
      !(s->features & PL_FEATURE_PEER_EXCHANGE) || s->px_max != 0 || now < st->px_next_ns)
    return false;
  send_peers_req(node, s, PL_WIRE_PEERS_MAX);
  unsigned shift = MIN((unsigned)st->px_fails, (unsigned)PL_PEER_BACKOFF_SHIFT_MAX);
  st->px_next_ns = now + (node->config->maintenance_interval_ns << shift);
  return true;
}

/* ------------------------------------------------------ session changes */

/* Free slot |i|; if it was connected, report the peer down.  |bye|:
 * GOODBYE reason to send first, or -1 for none. */
static void
drop_slot(pl_node *node, peer_state *st, int i, pl_time_ns now, int bye)
{
  slot *s = &st->slots[i];
  pl_peer peer = s->peer;
  bool was_connected = s->state == SLOT_CONNECTED;
  if (bye >= 0)
    send_goodbye(node, peer, (pl_goodbye_reason)bye);
  slot_reset(st, s);
  if (was_connected) {
    pl_node_metric(node, PL_METRIC_PEER_DISCONNECTED, 1);
    pl_node_peer_down(node, now, peer);
  }
}

static void
report_handshake(pl_node *node, const pl_agreement *ag)
{
  pl_node_metric(node, PL_METRIC_HANDSHAKE_OK, 1);
  pl_node_metric(node, PL_METRIC_HANDSHAKE_MINOR, ag->minor);
  pl_node_metric(node, PL_METRIC_HANDSHAKE_FEATURES, pl_feature_count(ag->features));
}

/* True if |peer| is a bootstrap entry of the book. */
static bool
is_bootstrap(const peer_state *st, pl_peer peer)
{
  int i = book_find(st, peer);
  return i >= 0 && st->book[i].bootstrap;
}

/*
 * Bootstrap peers are a first contact, not a home (like Bitcoin's seed
 * nodes): once this node holds PL_PEER_BOOTSTRAP_RELEASE connected
 * outbound peers outside the bootstrap set and its book knows
 * target_peers non-bootstrap candidates, it closes its outbound
 * sessions to bootstrap peers (GOODBYE normal), so that their few inbound
 * slots serve the next joining node instead of being held or evicted.
 * The bootstrap entries stay in the book, dialled again only when no
 * other entry is due.
 */
static void
release_bootstrap(pl_node *node, peer_state *st, pl_time_ns now)
{
  uint32_t own = 0, boot = 0;
  for (uint32_t i = 0; i < st->n_slots; i++) {
    const slot *s = &st->slots[i];
    if (s->state != SLOT_CONNECTED || !(s->flags & SLOT_F_OUTBOUND))
      continue;
    if (is_bootstrap(st, s->peer))
      boot++;
    else
      own++;
  }
  if (boot == 0 || own < PL_PEER_BOOTSTRAP_RELEASE)
    return;
  /* A node of a tiny network keeps its bootstrap peers: it lets go only
   * when its book knows target_peers other candidates. */
  uint32_t known = 0;
  for (uint32_t i = 0; i < st->book_len; i++)
    known += st->book[i].bootstrap ? 0u : 1u;
  if (known < node->config->target_peers)
    return;
  for (uint32_t i = 0; i < st->n_slots; i++) {
    const slot *s = &st->slots[i];
    if (s->state == SLOT_CONNECTED && (s->flags & SLOT_F_OUTBOUND) && is_bootstrap(st, s->peer))
      drop_slot(node, st, (int)i, now, PL_BYE_NORMAL);
  }
}

static void wake_heartbeat(pl_node *node, peer_state *st, pl_time_ns now);

/* Slot |i| just completed its handshake. */
static void
session_up(pl_node *node, peer_state *st, int i, const pl_agreement *ag, pl_time_ns now)
{
  slot *s = &st->slots[i];
  s->state = SLOT_CONNECTED;
  slot_sync(st, s);
  s->minor = ag->minor;
  s->features = ag->features;
  s->last_pong_ns = now;
  s->up_ns = now;
  s->conn_seq = ++st->conn_counter;
  if (s->ping_next == 0)
    s->ping_next = 1;
  report_handshake(node, ag);
  pl_node_metric(node, PL_METRIC_PEER_CONNECTED, 1);
  wake_heartbeat(node, st, now);
  book_success(node, st, s->peer);
  pl_peer peer = s->peer;
  /* A first contact teaches candidates: after every outbound handshake,
   * while the book holds fewer than 2 x target_peers entries, ask that
   * peer for more (subject to the ask backoff), so that a joining node
   * learns from its first contact instead of piling onto the bootstrap
   * set. */
  if ((s->flags & SLOT_F_OUTBOUND) && st->book_len < 2u * node->config->target_peers)
    (void)ask_peer(node, st, s, now);
  pl_node_peer_up(node, now, peer);
  release_bootstrap(node, st, now);
}

/* Dial |peer|.  PL_OK if dialled or already connecting/connected;
 * PL_ERR_INVALID for self or an unknown handle; PL_ERR_PEER_LIMIT when no
 * outbound slot is left. */
static int
dial(pl_node *node, peer_state *st, pl_peer peer, pl_time_ns now)
{
  if (peer == node->self || peer == PL_PEER_NONE || pl_node_peer_key(node, peer) == NULL)
    return PL_ERR_INVALID;
  if (find_slot(st, peer) >= 0)
    return PL_OK;
  int gone = find_refused(st, peer);
  if (gone >= 0)
    slot_reset(st, &st->slots[gone]); /* dialled again: a new attempt */
  counts c = count_slots(st);
  if (c.total >= node->config->max_peers || c.outbound >= node->config->max_outbound)
    return PL_ERR_PEER_LIMIT;
  int i = claim_slot(node, st);
  if (i == -2)
    return PL_ERR_NOMEM;
  g_assert(i >= 0);
  slot *s = &st->slots[i];
  s->peer = peer;
  s->state = SLOT_HELLO_SENT;
  slot_sync(st, s);
  s->flags = SLOT_F_OUTBOUND | SLOT_F_HELLO_PENDING;
  s->ping_next = 1;
  s->last_pong_ns = now;
  book_add(node, st, peer, false);
  send_hello(node, peer, PL_MSG_HELLO, now);
  uint32_t id = ((uint32_t)PL_PEER_TIMER_HANDSHAKE << 20) | ((uint32_t)i << 8) | s->gen;
  pl_node_set_timer(node, PL_LAYER_PEER, now + node->config->handshake_timeout_ns, id);
  return PL_OK;
}

/* True if the peer in |s| may be evicted at |now|: a connected inbound
 * peer whose session is at least the grace period (heartbeat_interval_ns)
 * old, so that a newcomer is never evicted by the next newcomer before it
 * had time to learn peers and settle. */
static bool
evictable(const pl_node *node, const slot *s, pl_time_ns now)
{
  return s->state == SLOT_CONNECTED && !(s->flags & SLOT_F_OUTBOUND) &&
         now - s->up_ns >= node->config->heartbeat_interval_ns;
}

/* Choose an evictable inbound peer per config->eviction; -1 if none may
 * be evicted (PL_EVICT_NONE, or no connected inbound peer), -2 if every
 * connected inbound peer is still within its grace period. */
static int
choose_victim(pl_node *node, peer_state *st, pl_time_ns now)
{
  pl_eviction how = node->config->eviction;
  if (how == PL_EVICT_NONE)
    return -1;
  uint32_t n = 0, inbound = 0;
  for (uint32_t i = 0; i < st->n_slots; i++) {
    const slot *s = &st->slots[i];
    inbound += s->state == SLOT_CONNECTED && !(s->flags & SLOT_F_OUTBOUND);
    if (evictable(node, s, now))
      n++;
  }
  if (n == 0)
    return inbound > 0 ? -2 : -1;
  uint32_t pick = how == PL_EVICT_RANDOM ? pl_node_random_below(node, n) : 0;
  int best = -1;
  uint32_t best_score = 0, k = 0;
  for (uint32_t i = 0; i < st->n_slots; i++) {
    const slot *s = &st->slots[i];
    if (!evictable(node, s, now))
      continue;
    if (how == PL_EVICT_RANDOM) {
      if (k++ == pick)
        return (int)i;
      continue;
    }
    uint32_t score = 0;
    if (how == PL_EVICT_LOWEST_TRUST && node->score_fn != NULL)
      score = node->score_fn(node, s->peer, node->score_user_data);
    /* Lowest score first; ties (and PL_EVICT_OLDEST) by oldest connection. */
    if (best < 0 || score < best_score ||
        (score == best_score && s->conn_seq < st->slots[best].conn_seq)) {
      best = (int)i;
      best_score = score;
    }
  }
  return best;
}

/* Find room for a new inbound peer |from|: a free slot within the limits,
 * or one freed by eviction.  Returns the slot; or, after answering
 * GOODBYE(peer limit), PL_ERR_PEER_LIMIT when no peer may be evicted
 * (PL_EVICT_NONE, no inbound peer, or every inbound peer still within its
 * grace period).  When peer exchange is common (|features|, the
 * negotiated set), the GOODBYE is preceded by a PEERS of up to
 * min(target_peers, PL_WIRE_PEERS_MAX) of our connected peers — what the
 * refused node needs to reach its target —, a random sample (referrals,
 * as Bitcoin seed nodes answer with addresses before disconnecting).  A
 * refusal is counted like any rejection
 * (wire.rejected.peer_limit): capacity refusals are part of the overlay's
 * dynamics and researchers want to see them. */

static void send_peers(pl_node *node, const peer_state *st, pl_peer to, uint32_t max);

static int
admit_inbound(pl_node *node, peer_state *st, pl_peer from, pl_time_ns now, uint32_t features)
{
  const pl_config *c = node->config;
  counts n = count_slots(st);
  if (n.inbound >= c->max_inbound || n.total >= c->max_peers) {
    int victim = choose_victim(node, st, now);
    if (victim < 0) {
      /* Refuse with referrals: a sample of our connected peers first, so
       * that the refused node has somewhere else to go. */
      if ((features & PL_FEATURE_PEER_EXCHANGE) && n.connected > 0)
        send_peers(node, st, from, MIN(c->target_peers, (uint32_t)PL_WIRE_PEERS_MAX));
      send_goodbye(node, from, PL_BYE_PEER_LIMIT);
      return PL_ERR_PEER_LIMIT;
    }
    pl_peer evicted = st->slots[victim].peer;
    pl_node_metric(node, PL_METRIC_PEER_EVICTED, 1);
    drop_slot(node, st, victim, now, PL_BYE_EVICTED);
    book_fail(node, st, evicted, now);
  }
  int i = claim_slot(node, st);
  if (i == -2) {
    send_goodbye(node, from, PL_BYE_PEER_LIMIT); /* out of memory: no room */
    return PL_ERR_PEER_LIMIT;
  }
  g_assert(i >= 0);
  return i;
}

/* ---------------------------------------------------------- receiving */

static int
authenticate_hello(pl_node *node, peer_state *st, pl_time_ns now, pl_peer from,
                   const pl_msg *msg)
{
  if (from == node->self)
    return PL_ERR_BAD_IDENTITY;
  int rc = pl_hello_check(node->env, msg, from, book_record_seq(st, from));
  if (rc == PL_OK || rc == PL_ERR_BAD_SIGNATURE)
    pl_node_note_verify(node);
  if (rc == PL_OK)
    book_note_record(st, from, msg->u.hello.record_seq);
  return rc;
}

static int
on_hello(pl_node *node, peer_state *st, pl_time_ns now, pl_peer from, const pl_msg *msg)
{
  int rc = authenticate_hello(node, st, now, from, msg);
  if (rc != PL_OK)
    return rc;
  int gone = find_refused(st, from);
  if (gone >= 0)
    slot_reset(st, &st->slots[gone]); /* it dials us now: no referral to wait for */
  int i = find_slot(st, from);
  pl_offer mine = pl_node_offer(node);
  pl_offer theirs = pl_hello_offer(&msg->u.hello);
  pl_agreement ag;
  if (pl_handshake_negotiate(&mine, &theirs, &ag) != PL_OK) {
    pl_node_metric(node, PL_METRIC_HANDSHAKE_REFUSED, 1);
    if (i >= 0)
      drop_slot(node, st, i, now, -1);
    send_goodbye(node, from, PL_BYE_VERSION);
    return PL_ERR_VERSION;
  }
  bool fresh = i < 0 || st->slots[i].state != SLOT_CONNECTED;
  if (i < 0) {
    i = admit_inbound(node, st, from, now, ag.features);
    if (i < 0)
      return i;
    slot *s = &st->slots[i];
    s->peer = from;
    slot_sync(st, s);
    s->flags = 0;
    s->ping_next = 1;
  }
  send_hello(node, from, PL_MSG_HELLO_ACK, now);
  if (fresh) {
    session_up(node, st, i, &ag, now);
    book_note_record(st, from, msg->u.hello.record_seq); /* now in the book */
  } else {
    /* Re-handshake of a connected peer: renegotiate in place. */
    slot *s = &st->slots[i];
    s->minor = ag.minor;
    s->features = ag.features;
    s->last_pong_ns = now;
    report_handshake(node, &ag);
  }
  return PL_OK;
}

static int
on_hello_ack(pl_node *node, peer_state *st, pl_time_ns now, pl_peer from, const pl_msg *msg)
{
  int i = find_slot(st, from);
  if (i < 0) {
    pl_peer_not_connected(node, now, from);
    return PL_ERR_UNEXPECTED;
  }
  if (!(st->slots[i].flags & SLOT_F_HELLO_PENDING))
    return PL_ERR_UNEXPECTED;
  int rc = authenticate_hello(node, st, now, from, msg);
  if (rc != PL_OK)
    return rc;
  pl_offer mine = pl_node_offer(node);
  pl_offer theirs = pl_hello_offer(&msg->u.hello);
  pl_agreement ag;
  if (pl_handshake_negotiate(&mine, &theirs, &ag) != PL_OK) {
    pl_node_metric(node, PL_METRIC_HANDSHAKE_REFUSED, 1);
    drop_slot(node, st, i, now, PL_BYE_VERSION);
    book_fail(node, st, from, now);
    return PL_ERR_VERSION;
  }
  slot *s = &st->slots[i];
  s->flags &= (uint8_t)~SLOT_F_HELLO_PENDING;
  if (s->state == SLOT_HELLO_SENT)
    session_up(node, st, i, &ag, now);
  /* else: simultaneous open, already up from the peer's HELLO. */
  return PL_OK;
}

static int
on_goodbye(pl_node *node, peer_state *st, pl_time_ns now, pl_peer from, const pl_msg *msg)
{
  int i = find_slot(st, from);
  if (i < 0)
    return PL_ERR_UNEXPECTED; /* never answer a GOODBYE */
  slot *s = &st->slots[i];
  if (msg->u.goodbye.reason == PL_BYE_PEER_LIMIT && s->state == SLOT_HELLO_SENT &&
      (s->flags & SLOT_F_HELLO_PENDING) && !(s->flags & SLOT_F_REFERRED) &&
      (node->config->features & PL_FEATURE_PEER_EXCHANGE)) {
    /* Refused before its referral arrived: linger for it (the handshake
     * timer reclaims the slot). */
    s->state = SLOT_REFUSED;
    slot_sync(st, s);
    s->flags &= (uint8_t)~SLOT_F_HELLO_PENDING;
    book_fail(node, st, from, now);
    return PL_OK;
  }
  drop_slot(node, st, i, now, -1);
  if (msg->u.goodbye.reason == PL_BYE_NOT_CONNECTED)
    book_hold(st, from, now); /* it forgot us: redial at the next maintenance */
  else if (msg->u.goodbye.reason == PL_BYE_NORMAL)
    /* Closed by choice (a joiner letting its bootstrap session go): the
     * address stays good, to hand out in answers; no redial for an
     * interval. */
    book_hold(st, from, now + node->config->maintenance_interval_ns);
  else
    book_fail(node, st, from, now);
  return PL_OK;
}

static int
on_ping(pl_node *node, pl_peer from, const pl_msg *msg)
{
  /* Byzantine decision point "answer_ping". */
  const pl_strategy *sg = node->strategy;
  if (sg != NULL && sg->answer_ping != NULL && !sg->answer_ping(node, from, sg->state))
    return PL_OK;
  pl_msg pong = *msg;
  pong.type = PL_MSG_PONG;
  pong.frame = NULL;
  pong.frame_len = 0;
  send_msg(node, from, &pong);
  return PL_OK;
}

static int
on_pong(pl_node *node, slot *s, pl_time_ns now, const pl_msg *msg)
{
  const pl_msg_ping *p = &msg->u.ping;
  if (p->nonce <= s->ping_acked || p->nonce >= s->ping_next)
    return PL_ERR_UNEXPECTED; /* answers no outstanding PING */
  if (p->sent_at_ns > now)
    return PL_ERR_BAD_FIELD;  /* echo of a PING from the future: forged */
  s->ping_acked = (uint32_t)p->nonce;
  s->last_pong_ns = now;
  pl_node_metric(node, PL_METRIC_PING_RTT_MS, (double)(now - p->sent_at_ns) / 1e6);
  return PL_OK;
}

/* Up to |max| addresses other than |except| to hand out: connected peers
 * and good book entries (never failed since last success, not bootstrap,
 * no session), as Bitcoin's getaddr answers from its address manager
 * rather than from its current connections.  A uniform random sample
 * (reservoir over the slots, then the book; node random stream) when
 * there are more than |max|, else all of them, connected peers first in
 * connection order; written to |out|, returns how many.  Sampling spreads
 * referrals and answers over the whole neighbourhood, and the book adds
 * addresses the node met earlier, so that a joiner sent to a bootstrap
 * peer learns more than the handful of nodes that joined just before
 * it. */
static uint32_t
sample_addresses(pl_node *node, const peer_state *st, pl_peer except, pl_peer *out,
                 uint32_t max)
{
  uint32_t eligible = 0;
  for (uint32_t i = 0; i < st->n_slots; i++)
    eligible += st->slots[i].state == SLOT_CONNECTED && st->slots[i].peer != except;
  uint32_t book_ok = 0;
  for (uint32_t i = 0; i < st->book_len; i++) {
    const book_entry *e = &st->book[i];
    book_ok += !e->bootstrap && e->fails == 0 && e->peer != except && find_slot(st, e->peer) < 0;
  }
  if (eligible + book_ok <= max) {
    pl_peer all[PL_WIRE_PEERS_MAX + 1];
    uint32_t m = pl_peer_list(node, all, max + 1), n = 0;
    for (uint32_t k = 0; k < m && n < max; k++)
      if (all[k] != except)
        out[n++] = all[k];
    for (uint32_t i = 0; i < st->book_len && n < max; i++) {
      const book_entry *e = &st->book[i];
      if (!e->bootstrap && e->fails == 0 && e->peer != except && find_slot(st, e->peer) < 0)
        out[n++] = e->peer;
    }
    return n;
  }
  uint32_t seen = 0;
  for (uint32_t i = 0; i < st->n_slots + st->book_len; i++) {
    pl_peer p;
    if (i < st->n_slots) {
      const slot *s = &st->slots[i];
      if (s->state != SLOT_CONNECTED || s->peer == except)
        continue;
      p = s->peer;
    } else {
      const book_entry *e = &st->book[i - st->n_slots];
      if (e->bootstrap || e->fails != 0 || e->peer == except || find_slot(st, e->peer) >= 0)
        continue;
      p = e->peer;
    }
    if (seen < max) {
      out[seen] = p;
    } else {
      uint32_t r = pl_node_random_below(node, seen + 1);
      if (r < max)
        out[r] = p;
    }
    seen++;
  }
  return max;
}

/* Send |to| a PEERS of up to |max| (<= PL_WIRE_PEERS_MAX) of our connected
 * peers and book addresses: the strategy's choice if it has one, else
 * sample_addresses.
 * Unknown handles and duplicates are dropped. */
static void
send_peers(pl_node *node, const peer_state *st, pl_peer to, uint32_t max)
{
  g_assert(max <= PL_WIRE_PEERS_MAX);
  pl_peer chosen[PL_WIRE_PEERS_MAX];
  int n = -1;
  /* Byzantine decision point "peer_exchange". */
  const pl_strategy *sg = node->strategy;
  if (sg != NULL && sg->peer_exchange != NULL)
    n = sg->peer_exchange(node, to, chosen, max, sg->state);
  if (n < 0)
    n = (int)sample_addresses(node, st, to, chosen, max);
  if ((uint32_t)n > max)
    n = (int)max;
  uint8_t keys[PL_WIRE_PEERS_MAX * PL_KEY_BYTES];
  uint32_t count = 0;
  for (int k = 0; k < n; k++) {
    const uint8_t *key = pl_node_peer_key(node, chosen[k]);
    if (key == NULL)
      continue;
    bool dup = false;
    for (uint32_t j = 0; j < count && !dup; j++)
      dup = memcmp(keys + j * PL_KEY_BYTES, key, PL_KEY_BYTES) == 0;
    if (!dup)
      memcpy(keys + PL_KEY_BYTES * count++, key, PL_KEY_BYTES);
  }
  pl_msg reply = {.type = PL_MSG_PEERS};
  reply.u.peers.count = (uint8_t)count;
  reply.u.peers.keys = keys;
  send_msg(node, to, &reply);
}

static int
on_peers_req(pl_node *node, peer_state *st, slot *s, const pl_msg *msg)
{
  if (!(s->features & PL_FEATURE_PEER_EXCHANGE))
    return PL_ERR_UNEXPECTED;
  send_peers(node, st, s->peer, msg->u.peers_req.max);
  return PL_OK;
}

static uint32_t dial_round(pl_node *node, peer_state *st, pl_time_ns now, uint32_t want);

/* Add the keys of a PEERS |msg| to the book as learned entries and, if
 * any was new and we are below target, dial up to |max_dials| of the book
 * at once rather than at the next maintenance round.  True if any key was
 * new. */
static bool
learn_peers(pl_node *node, peer_state *st, pl_time_ns now, const pl_msg *msg,
            uint32_t max_dials)
{
  const pl_env *env = node->env;
  bool learned = false;
  for (unsigned k = 0; k < msg->u.peers.count && env->peer_intern_cb != NULL; k++) {
    pl_peer p = env->peer_intern_cb(msg->u.peers.keys + k * PL_KEY_BYTES, env->user_data);
    if (p == PL_PEER_NONE || p == node->self || book_find(st, p) >= 0)
      continue;
    book_add(node, st, p, false);
    learned = learned || book_find(st, p) >= 0;
  }
  if (learned) {
    counts c = count_slots(st);
    if (c.total < node->config->target_peers)
      (void)dial_round(node, st, now, MIN(node->config->target_peers - c.total, max_dials));
  }
  return learned;
}

static int
on_peers(pl_node *node, peer_state *st, slot *s, pl_time_ns now, const pl_msg *msg)
{
  if (s->px_max == 0)
    return PL_ERR_UNEXPECTED; /* we asked for nothing */
  if (msg->u.peers.count > s->px_max)
    return PL_ERR_OVERLONG;
  s->px_max = 0;
  if (learn_peers(node, st, now, msg, UINT32_MAX))
    st->px_fails = 0;
  else if (st->px_fails < UINT8_MAX)
    st->px_fails++;
  return PL_OK;
}

/* A referral: an unsolicited PEERS from a peer we are dialling, sent just
 * before it refuses us for capacity (see admit_inbound).  The node let it
 * through only because pl_peer_takes_referral said so; one per dial. */
static int
on_referral(pl_node *node, peer_state *st, slot *s, pl_time_ns now, const pl_msg *msg)
{
  if (s->state == SLOT_REFUSED)
    slot_reset(st, s); /* the refusal came first: nothing left to wait for */
  else
    s->flags |= SLOT_F_REFERRED;
  /* One dial per referral: a refusal answered by a burst of dials, each
   * refused in turn with more referrals, would multiply refusals; one
   * keeps it a walk that ends at the first node with room. */
  (void)learn_peers(node, st, now, msg, 1);
  return PL_OK;
}

static int
peer_receive(pl_node *node, void *state, pl_time_ns now, pl_peer from, const pl_msg *msg)
{
  peer_state *st = state;
  switch (msg->type) {
  case PL_MSG_HELLO:
    return on_hello(node, st, now, from, msg);
  case PL_MSG_HELLO_ACK:
    return on_hello_ack(node, st, now, from, msg);
  case PL_MSG_GOODBYE:
    return on_goodbye(node, st, now, from, msg);
  default:
    break;
  }
  /* Session messages: the node checked the session already (or, for a
   * PEERS, that it is a referral from a peer we are dialling). */
  int i = find_slot(st, from);
  if (i < 0)
    i = find_refused(st, from);
  g_assert(i >= 0);
  slot *s = &st->slots[i];
  if (s->state != SLOT_CONNECTED) {
    g_assert(msg->type == PL_MSG_PEERS && pl_peer_takes_referral(node, from));
    return on_referral(node, st, s, now, msg);
  }
  switch (msg->type) {
  case PL_MSG_PING:
    return on_ping(node, from, msg);
  case PL_MSG_PONG:
    return on_pong(node, s, now, msg);
  case PL_MSG_PEERS_REQ:
    return on_peers_req(node, st, s, msg);
  case PL_MSG_PEERS:
    return on_peers(node, st, s, now, msg);
  default:
    /* A SIGNED envelope is dispatched to its inner type's layer. */
    return PL_ERR_UNKNOWN_TYPE;
  }
}

/* ------------------------------------------------------------- timers */

static void
arm(pl_node *node, pl_time_ns at_ns, uint32_t kind)
{
  pl_node_set_timer(node, PL_LAYER_PEER, at_ns, kind << 20);
}

/* True if this node's heartbeat sleeps while it has no connected peer:
 * it never dials on its own (target_peers = 0), so only a peer dialling
 * it can give the heartbeat work. */
static bool
heartbeat_sleeps(const pl_node *node)
{
  return node->config->target_peers == 0;
}

/* A session came up at |now|: a sleeping heartbeat is armed at the next
 * point of its grid (start + m x heartbeat_interval_ns) strictly after
 * |now| — a point at |now| itself has already passed with nothing to do,
 * unless the event being handled was scheduled more than one interval
 * ago, the one case where the wake-up is an interval later than the
 * always-on timer would have been. */
static void
wake_heartbeat(pl_node *node, peer_state *st, pl_time_ns now)
{
  pl_time_ns iv = node->config->heartbeat_interval_ns;
  if (!heartbeat_sleeps(node) || iv == 0 || st->hb_next_ns != 0)
    return;
  st->hb_next_ns = st->hb_origin_ns + ((now - st->hb_origin_ns) / iv + 1u) * iv;
  arm(node, st->hb_next_ns, PL_PEER_TIMER_HEARTBEAT);
}

static void
heartbeat(pl_node *node, peer_state *st, pl_time_ns now)
{
  const pl_config *c = node->config;
  bool connected = false;
  for (uint32_t i = 0; i < st->n_slots; i++) {
    slot *s = &st->slots[i];
    if (s->state != SLOT_CONNECTED)
      continue;
    if (now - s->last_pong_ns >= c->peer_timeout_ns) {
      pl_peer peer = s->peer;
      pl_node_metric(node, PL_METRIC_PEER_TIMEOUT, 1);
      pl_node_observe(node, &(pl_observation){.kind = PL_OBS_PEER_TIMEOUT, .peers = &peer,
                                              .n_peers = 1});
      drop_slot(node, st, (int)i, now, PL_BYE_TIMEOUT);
      book_fail(node, st, peer, now);
      continue;
    }
    send_ping(node, s, now);
    connected = true;
  }
  if (c->heartbeat_interval_ns == 0)
    return;
  if (heartbeat_sleeps(node)) {
    /* asleep until a session comes up (wake_heartbeat) */
    st->hb_next_ns = connected ? now + c->heartbeat_interval_ns : 0;
    if (!connected)
      return;
  }
  arm(node, now + c->heartbeat_interval_ns, PL_PEER_TIMER_HEARTBEAT);
}

/* Ask one random connected peer with peer exchange for more peers, unless
 * a request is already out or the ask backoff has not expired (it doubles
 * for every answer that teaches nothing new, like a dial backoff). */
static void
ask_for_peers(pl_node *node, peer_state *st, pl_time_ns now)
{
  if (!(node->config->features & PL_FEATURE_PEER_EXCHANGE) || now < st->px_next_ns)
    return;
  uint32_t n = 0;
  for (uint32_t i = 0; i < st->n_slots; i++) {
    const slot *s = &st->slots[i];
    if (s->state != SLOT_CONNECTED)
      continue;
    if (s->px_max != 0)
      return;
    if (s->features & PL_FEATURE_PEER_EXCHANGE)
      n++;
  }
  if (n == 0)
    return;
  uint32_t pick = pl_node_random_below(node, n), k = 0;
  for (uint32_t i = 0; i < st->n_slots; i++) {
    slot *s = &st->slots[i];
    if (s->state == SLOT_CONNECTED && (s->features & PL_FEATURE_PEER_EXCHANGE) && k++ == pick) {
      (void)ask_peer(node, st, s, now);
      return;
    }
  }
}

/*
 * Dial up to |want| book entries whose retry time has come, from a random
 * offset.  Entries learned from peers come first; bootstrap entries are
 * dialled only when no other entry is due, and then at most
 * PL_PEER_BOOTSTRAP_DIALS of them per round: the bootstrap set is a few
 * nodes shared by everyone, so a joining node takes two first contacts
 * there (two seeds, so that it does not only meet one bootstrap peer's
 * cluster) and learns the rest from them (see session_up).  Returns how many
 * were dialled.
 */
static uint32_t
dial_round(pl_node *node, peer_state *st, pl_time_ns now, uint32_t want)
{
  if (st->book_len == 0 || want == 0)
    return 0;
  uint32_t start = pl_node_random_below(node, st->book_len);
  uint32_t dialled = 0;
  bool other_due = false;
  for (int pass = 0; pass < 2; pass++) {
    bool boot = pass == 1;
    uint32_t limit = boot ? MIN(want, (uint32_t)PL_PEER_BOOTSTRAP_DIALS) : want;
    for (uint32_t k = 0; k < st->book_len && dialled < limit; k++) {
      const book_entry *e = &st->book[(start + k) % st->book_len];
      if ((e->bootstrap != 0) != boot || e->next_try_ns > now || find_slot(st, e->peer) >= 0)
        continue;
      int rc = dial(node, st, e->peer, now);
      if (rc == PL_ERR_PEER_LIMIT)
        return dialled;
      if (rc == PL_OK) {
        dialled++;
        other_due = other_due || !boot;
      }
    }
    if (other_due)
      break;
  }
  return dialled;
}

static void
maintenance(pl_node *node, peer_state *st, pl_time_ns now)
{
  const pl_config *c = node->config;
  counts n = count_slots(st);
  uint32_t min_out = MIN(MIN((uint32_t)PL_PEER_MIN_OUTBOUND, c->target_peers), c->max_outbound);
  if (n.total < c->target_peers || n.outbound < min_out) {
    uint32_t want = MAX(n.total < c->target_peers ? c->target_peers - n.total : 0u,
                        n.outbound < min_out ? min_out - n.outbound : 0u);
    uint32_t dialled = dial_round(node, st, now, want);
    if (dialled < want)
      ask_for_peers(node, st, now);
  }
  /* With target_peers = 0 no round can ever dial or ask: none is armed. */
  if (c->maintenance_interval_ns > 0 && c->target_peers > 0)
    arm(node, now + c->maintenance_interval_ns, PL_PEER_TIMER_MAINTENANCE);
}

static void
peer_timer(pl_node *node, void *state, pl_time_ns now, uint32_t local_id)
{
  peer_state *st = state;
  switch (local_id >> 20) {
  case PL_PEER_TIMER_HEARTBEAT:
    if (heartbeat_sleeps(node) && now != st->hb_next_ns)
      break; /* left behind by an earlier start */
    heartbeat(node, st, now);
    break;
  case PL_PEER_TIMER_MAINTENANCE:
    maintenance(node, st, now);
    break;
  case PL_PEER_TIMER_HANDSHAKE: {
    uint32_t i = (local_id >> 8) & 0xfffu;
    uint8_t gen = (uint8_t)(local_id & 0xffu);
    if (i >= st->n_slots)
      break;
    slot *s = &st->slots[i];
    if (s->gen != gen)
      break; /* the slot moved on */
    if (s->state == SLOT_HELLO_SENT) {
      pl_peer peer = s->peer;
      drop_slot(node, st, (int)i, now, -1);
      book_fail(node, st, peer, now);
    } else if (s->state == SLOT_REFUSED) {
      slot_reset(st, s); /* the referral never came (already backed off) */
    } else if (s->state == SLOT_CONNECTED) {
      s->flags &= (uint8_t)~SLOT_F_HELLO_PENDING;
    }
    break;
  }
  default:
    break;
  }
}

/* ----------------------------------------------------------- commands */

/* A connected peer: |want| if connected, or a random one for
 * PL_PEER_NONE (only among those with all |features|).  -1 if none. */
static int
pick_connected(pl_node *node, peer_state *st, pl_peer want, uint32_t features)
{
  if (want != PL_PEER_NONE) {
    int i = find_connected(st, want);
    return i >= 0 ? i : -1;
  }
  uint32_t n = 0;
  for (uint32_t i = 0; i < st->n_slots; i++)
    if (st->slots[i].state == SLOT_CONNECTED &&
        (st->slots[i].features & features) == features)
      n++;
  if (n == 0)
    return -1;
  uint32_t pick = pl_node_random_below(node, n), k = 0;
  for (uint32_t i = 0; i < st->n_slots; i++)
    if (st->slots[i].state == SLOT_CONNECTED &&
        (st->slots[i].features & features) == features && k++ == pick)
      return (int)i;
  return -1;
}

static int
peer_command(pl_node *node, void *state, pl_time_ns now, const pl_command *cmd)
{
  peer_state *st = state;
  switch (cmd->kind) {
  case PL_CMD_PING: {
    int i = pick_connected(node, st, cmd->peer, 0);
    if (i < 0)
      return PL_ERR_NOT_FOUND;
    send_ping(node, &st->slots[i], now);
    return PL_OK;
  }
  case PL_CMD_CONNECT:
    if (cmd->peer == PL_PEER_NONE)
      return PL_ERR_INVALID;
    return dial(node, st, cmd->peer, now);
  case PL_CMD_DISCONNECT: {
    int i = find_slot(st, cmd->peer);
    if (i < 0)
      return PL_ERR_NOT_FOUND;
    drop_slot(node, st, i, now, PL_BYE_NORMAL);
    book_hold(st, cmd->peer, now + node->config->peer_timeout_ns);
    return PL_OK;
  }
  case PL_CMD_PEER_EXCHANGE: {
    int i = pick_connected(node, st, cmd->peer, PL_FEATURE_PEER_EXCHANGE);
    if (i < 0)
      return PL_ERR_NOT_FOUND;
    if (!(st->slots[i].features & PL_FEATURE_PEER_EXCHANGE))
      return PL_ERR_INVALID;
    uint8_t max = cmd->arg >= 1 && cmd->arg <= PL_WIRE_PEERS_MAX ? (uint8_t)cmd->arg
                                                                  : PL_WIRE_PEERS_MAX;
    send_peers_req(node, &st->slots[i], max);
    return PL_OK;
  }
  default:
    return PL_ERR_INVALID;
  }
}

/* ---------------------------------------------------------- lifecycle */

static void *
peer_init(pl_node *node)
{
  peer_state *st = g_try_new0(peer_state, 1);
  if (st == NULL)
    return NULL;
  st->book_cap = MAX(2u * node->config->max_peers, 8u);
  return st;
}

static void
peer_clear(pl_node *node, void *state)
{
  peer_state *st = state;
  g_free(st->slots);
  g_free(st->book);
  g_free(st);
}

static void
peer_start(pl_node *node, void *state, pl_time_ns now)
{
  peer_state *st = state;
  const pl_config *c = node->config;
  for (uint32_t k = 0; k < c->n_bootstrap; k++)
    book_add(node, st, c->bootstrap[k], true);
  st->hb_origin_ns = now;
  st->hb_next_ns = 0;
  if (c->heartbeat_interval_ns > 0 && !heartbeat_sleeps(node))
    arm(node, now + c->heartbeat_interval_ns, PL_PEER_TIMER_HEARTBEAT);
  maintenance(node, st, now);
}

static void
peer_stop(pl_node *node, void *state, pl_time_ns now)
{
  peer_state *st = state;
  for (uint32_t i = 0; i < st->n_slots; i++)
    if (st->slots[i].state == SLOT_REFUSED)
      slot_reset(st, &st->slots[i]);
    else if (st->slots[i].state != SLOT_FREE)
      drop_slot(node, st, (int)i, now, PL_BYE_NORMAL);
}

static size_t
peer_memory(const pl_node *node, const void *state)
{
  const peer_state *st = state;
  return sizeof *st + st->n_slots * (sizeof(slot) + sizeof(uint64_t)) + st->book_alloc * sizeof(book_entry);
}

const pl_layer pl_peer_layer = {
  .name = "peer",
  .init = peer_init,
  .clear = peer_clear,
  .start = peer_start,
  .stop = peer_stop,
  .receive = peer_receive,
  .timer = peer_timer,
  .command = peer_command,
  .memory = peer_memory,
};

/* ------------------------------------------------------------ queries */

bool
pl_peer_is_connected(const pl_node *node, pl_peer peer)
{
  const peer_state *st = state_of(node);
  int i = find_connected(st, peer);
  return i >= 0;
}

void
pl_peer_prefetch_sessions(const pl_node *node)
{
  const peer_state *st = state_of(node);
  if (st == NULL || st->keys == NULL)
    return;
  const char *k = (const char *)st->keys;
  __builtin_prefetch(k);
  __builtin_prefetch(k + st->n_slots * sizeof *st->keys - 1);
}

uint32_t
pl_peer_connected_count(const pl_node *node)
{
  return count_slots(state_of(node)).connected;
}

uint32_t
pl_peer_list(const pl_node *node, pl_peer *out, uint32_t max)
{
  const peer_state *st = state_of(node);
  /* Selection by connection stamp: repeatedly take the smallest stamp
   * above the last one taken (n <= max_peers, small). */
  uint32_t n = 0, last = 0;
  while (n < max) {
    int best = -1;
    for (uint32_t i = 0; i < st->n_slots; i++) {
      const slot *s = &st->slots[i];
      if (s->state == SLOT_CONNECTED && s->conn_seq > last &&
          (best < 0 || s->conn_seq < st->slots[best].conn_seq))
        best = (int)i;
    }
    if (best < 0)
      break;
    out[n++] = st->slots[best].peer;
    last = st->slots[best].conn_seq;
  }
  return n;
}

int
pl_peer_minor(const pl_node *node, pl_peer peer)
{
  const peer_state *st = state_of(node);
  int i = find_connected(st, peer);
  return i >= 0 ? st->slots[i].minor : -1;
}

uint32_t
pl_peer_features(const pl_node *node, pl_peer peer)
{
  const peer_state *st = state_of(node);
  int i = find_connected(st, peer);
  return i >= 0 ? st->slots[i].features : 0;
}

uint64_t *
pl_peer_seq_slot(pl_node *node, pl_peer peer)
{
  peer_state *st = state_of(node);
  int i = find_connected(st, peer);
  return i >= 0 ? &st->slots[i].env_seq : NULL;
}

void
pl_peer_not_connected(pl_node *node, pl_time_ns now, pl_peer from)
{
  if (from != node->self && pl_node_peer_key(node, from) != NULL)
    send_goodbye(node, from, PL_BYE_NOT_CONNECTED);
}

uint32_t
pl_peer_book(const pl_node *node, pl_peer *out, uint32_t max)
{
  const peer_state *st = state_of(node);
  for (uint32_t i = 0; i < st->book_len && i < max; i++)
    out[i] = st->book[i].peer;
  return st->book_len;
}

bool
pl_peer_takes_referral(const pl_node *node, pl_peer from)
{
  const peer_state *st = state_of(node);
  if (!(node->config->features & PL_FEATURE_PEER_EXCHANGE))
    return false;
  if (find_refused(st, from) >= 0)
    return true;
  int i = find_slot(st, from);
  if (i < 0)
    return false;
  const slot *s = &st->slots[i];
  return s->state == SLOT_HELLO_SENT && (s->flags & SLOT_F_HELLO_PENDING) &&
         !(s->flags & SLOT_F_REFERRED);
}
