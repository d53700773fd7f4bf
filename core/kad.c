/*
 * kad.c — the Kademlia DHT (see kad.h for the protocol summary).
 *
 * How the routing table is laid out: every contact is 4 bytes in one
 * array |peers|, bucket after bucket, least-recently-seen first inside a
 * bucket: its handle in the low 24 bits (handles are below PL_PEER_MAX)
 * and its consecutive timeouts in the top 8 (CONTACT_*; a parallel byte
 * array cost ~380 bytes per node at 1M nodes with k = 20).  The
 * array of per-bucket counts |counts| (and |touched_s|, last use of the
 * bucket, for refresh) grows to the deepest bucket in use, so a node of a
 * network of N nodes holds about log2(N) bucket headers.  All three arrays
 * share one heap block (counts first, then peers: a search of a shallow
 * bucket reads one cache line), sized once by pl_kad_reserve when the
 * host fills the table from the truth.  Ids are never
 * copied: env->peer_id_cb gives them.  Finding a contact costs one id
 * fetch (to compute its bucket) and a scan of at most bucket_size handles.
 *
 * The k closest known contacts to a target T (answering FIND_NODE, seeding
 * a lookup), with b = 1: let i = common prefix of T with our id.  Bucket i
 * shares more than i bits with T, deeper buckets exactly i, bucket j < i
 * exactly j; so take bucket i and all deeper ones, then whole buckets
 * i-1, i-2, ... until k are gathered, and sort only those by distance.
 * With b > 1 every contact is a candidate.  The sibling list is merged in.
 *
 * How a lookup works: a shortlist of entries sorted by XOR distance to the
 * target (a 64-bit distance prefix plus the id pointer for ties), each
 * NEW, INFLIGHT, ANSWERED or FAILED, with the path (0..d-1) that found it
 * and its hop depth.  Each path keeps alpha requests in flight to the
 * closest NEW entries among its own k closest entries not FAILED; a path
 * is done when none of those is NEW or INFLIGHT; the lookup ends when every
 * path is done (a value lookup also when |want| owners' values are in).
 * One timer per lookup, at the earliest deadline of its requests in flight
 * (requests share one timeout, so deadlines come in sending order); a fire
 * fails the expired requests, advances, and arms the next.  Timers of a
 * freed lookup slot are recognised by the slot's generation and ignored.
 *
 * Request ids: lookup requests carry (slot << 16 | generation), liveness
 * pings RPC_PING | (ping slot << 16 | generation), STOREs RPC_STORE.
 */
#include "kad.h"
#include "wire.h"

#include <string.h>

#include <glib.h>

#include "capability.h"
#include "idcost.h"
#include "rendezvous.h"

/* ------------------------------------------------------------ apps */

/*
 * The applications of the DHT (kad.h, pl_kad_app): one line each, NULL
 * last.
 */
static const pl_kad_app *const apps[] = {
  &pl_capability_app,
  NULL,
};
#define APP_SLOTS (G_N_ELEMENTS(apps) > 1 ? G_N_ELEMENTS(apps) - 1 : 1)
/* Apps in the table (a variable, so loops over none still compile cleanly). */
static const unsigned N_APPS = G_N_ELEMENTS(apps) - 1;

/* ------------------------------------------------------------ constants */

enum { T_LOOKUP = 1, T_PING = 2, T_REFRESH = 3, T_REPUBLISH = 4, T_EXPIRE = 5, T_APP = 8 };
#define TIMER_KIND_SHIFT 20

#define RPC_PING 0x80000000u
#define RPC_STORE 0x40000000u
#define PINGS_MAX 4
#define MAX_BUCKETS 1024        /* (256 / b) * (2^b - 1) <= 960 */
#define SHORTLIST_MAX 255
#define VALUES_COLLECT_MAX 64   /* distinct values a value lookup keeps */

enum { E_NEW = 0, E_INFLIGHT, E_ANSWERED, E_FAILED };
enum { LK_NODE = 0, LK_JOIN, LK_REFRESH, LK_STORE, LK_VALUE, LK_VALUE_AT };

/* ------------------------------------------------------------ state */

/* One shortlist entry of a lookup. */
typedef struct entry {
  uint64_t dist;          /* first 8 bytes of id XOR target, big-endian */
  const uint8_t *id;      /* node id (host-owned) */
  pl_peer peer;           /* handle */
  uint32_t sent_us;       /* when queried, us after the lookup started */
  uint8_t state;          /* E_* */
  uint8_t hop;            /* depth: 1 = from our own table */
  uint8_t path;           /* disjoint path 0..d-1 */
} entry;

/* A value gathered by a value lookup. */
typedef struct found_value {
  uint8_t owner[PL_ID_BYTES]; /* validator's owner (opaque: none, compared by bytes) */
  uint64_t seq;               /* validator's freshness */
  uint8_t *bytes;             /* heap copy */
  uint16_t len;               /* bytes */
  uint8_t has_owner;          /* 1 if |owner| is meaningful */
  pl_peer from;               /* node that returned it */
} found_value;

/* A lookup in flight (heap, freed when it ends). */
typedef struct lookup {
  uint8_t kind;              /* LK_* */
  uint8_t d;                 /* paths */
  uint8_t inflight[PL_KAD_D_MAX]; /* requests in flight per path */
  uint16_t slot;             /* index in kad_state.lookups */
  uint16_t gen;              /* generation of the slot when started */
  uint16_t n, cap;           /* entries used / allocated */
  uint32_t messages;         /* requests sent */
  pl_time_ns start_ns;       /* started at */
  pl_time_ns timer_at;       /* armed timer, 0 = none */
  uint8_t target[PL_ID_BYTES]; /* target or key */
  /* value lookups */
  uint32_t want;             /* owners wanted */
  pl_kad_values_cb cb;       /* completion */
  void *user_data;           /* for |cb| */
  found_value *vals;         /* gathered values */
  uint32_t n_vals, vals_cap;
  pl_peer *holders;          /* nodes whose answers carried a value */
  uint32_t n_holders;
  /* store lookups */
  uint8_t *value;            /* heap copy of the value to STORE */
  uint16_t value_len;        /* bytes */
  uint32_t ttl_s;            /* lifetime to ask, s */
  entry e[];                 /* shortlist, sorted by distance */
} lookup;

/* A liveness ping of a least-recently-seen contact (or a command ping). */
typedef struct ping_slot {
  pl_peer old;               /* pinged contact, PL_PEER_NONE = free slot */
  pl_peer newcomer;          /* waits for |old|'s bucket, or PL_PEER_NONE */
  uint16_t gen;              /* generation of the slot */
} ping_slot;

/* A value stored for others. */
typedef struct record {
  uint8_t key[PL_ID_BYTES];  /* key */
  uint8_t owner[PL_ID_BYTES]; /* validator's owner, or the storing node's id */
  uint64_t seq;              /* freshness */
  pl_time_ns expires_ns;     /* dropped then */
  uint8_t *value;            /* heap */
  uint16_t len;              /* bytes */
} record;

/* A value this node published itself and re-publishes. */
typedef struct own_record {
  uint8_t key[PL_ID_BYTES];  /* key */
  pl_time_ns expires_ns;     /* end of life */
  uint8_t *value;            /* heap */
  uint16_t len;              /* bytes */
} own_record;

/* A replacement-cache entry. */
typedef struct cached {
  pl_peer peer;              /* newcomer */
  uint16_t bucket;           /* its bucket (so a lookup needs no id) */
} cached;

typedef struct kad_state {
  /* The fields every message or timer reads come first, within 64 bytes. */
  const pl_kad_config *cfg;  /* node's config (shared) */
  const uint8_t *self_id;    /* own id (host-owned) */
  /* The table is one heap block (table_resize): |counts| (its start),
   * |peers|, |touched_s|. */
  uint8_t *counts;           /* contacts per bucket; the block's start */
  uint32_t *peers;           /* contacts, bucket after bucket: handle | timeouts << 24 */
  cached *cache;             /* replacement cache, latest first (heap on first use,
                                cfg->replacement_cache entries) */
  lookup **lookups;          /* max_lookups slots (heap, on first use) */
  uint16_t n_contacts;       /* contacts in the table */
  uint16_t n_buckets;        /* entries of |counts| / |touched_s| */
  uint16_t cap;              /* room in |peers| */
  uint8_t n_cache;           /* entries of |cache| */
  uint8_t running;           /* between start and stop */
  uint64_t self_nonce;       /* own id-puzzle nonce (env->peer_nonce_cb), read at start */
  uint32_t *touched_s;       /* per bucket: last lookup in its range / insertion, s */
  uint16_t bucket_cap;       /* room in |counts| / |touched_s| */
  uint8_t n_siblings;        /* entries of |siblings| */
  uint32_t cache_mask;       /* OR of cache_bit() of the cached peers: a peer whose bit is
                                clear is not cached, known without reading |cache| */
  pl_peer *siblings;         /* sibling list, closest to own id first (heap, sibling_size) */
  ping_slot pings[PINGS_MAX]; /* liveness pings in flight */
  uint16_t *slot_gen;        /* generation per lookup slot */
  uint16_t n_lookups;        /* lookups in flight */
  uint16_t n_records;        /* entries of |records| */
  uint16_t records_cap;      /* room in |records| */
  uint16_t n_own;            /* entries of |own| */
  record *records;           /* values stored for others */
  own_record *own;           /* own values to re-publish */
  pl_time_ns expire_at;      /* armed expiry timer, 0 = none */
  uint32_t rpc_store;        /* counter for STORE request ids */
  void *app_state[APP_SLOTS]; /* state of each app */
} kad_state;

static kad_state *
st_of(const pl_node *node)
{
  return pl_node_layer_state(node, PL_LAYER_DISCOVERY);
}

/* A table entry: handle (< PL_PEER_MAX) in the low 24 bits, consecutive
 * timeouts (saturating at 255) in the top 8. */
#define CONTACT_FAILS_SHIFT 24
G_STATIC_ASSERT(PL_PEER_MAX == UINT32_C(1) << CONTACT_FAILS_SHIFT);

static inline pl_peer
contact_peer(uint32_t c)
{
  return c & (PL_PEER_MAX - 1u);
}

static inline unsigned
contact_fails(uint32_t c)
{
  return c >> CONTACT_FAILS_SHIFT;
}

static inline uint32_t
contact_make(pl_peer peer, unsigned fails)
{
  return peer | (uint32_t)fails << CONTACT_FAILS_SHIFT;
}

/* ------------------------------------------------------------ ids */

unsigned
pl_kad_common_prefix(const uint8_t a[PL_ID_BYTES], const uint8_t b[PL_ID_BYTES])
{
  for (unsigned i = 0; i < PL_ID_BYTES; i++) {
    uint8_t x = a[i] ^ b[i];
    if (x != 0)
      return i * 8 + (unsigned)__builtin_clz((unsigned)x) - 24;
  }
  return 256;
}

int
pl_kad_distance_cmp(const uint8_t a[PL_ID_BYTES], const uint8_t b[PL_ID_BYTES],
                    const uint8_t target[PL_ID_BYTES])
{
  for (unsigned i = 0; i < PL_ID_BYTES; i++) {
    uint8_t x = a[i] ^ target[i], y = b[i] ^ target[i];
    if (x != y)
      return x < y ? -1 : 1;
  }
  return 0;
}

/* Bits |pos|..|pos|+|n|-1 (n <= 8, msb first) of |id| as an integer. */
static unsigned
bits_at(const uint8_t *id, unsigned pos, unsigned n)
{
  unsigned v = 0;
  for (unsigned i = 0; i < n; i++) {
    unsigned p = pos + i;
    unsigned bit = p < 256 ? (id[p / 8] >> (7 - p % 8)) & 1u : 0u;
    v = (v << 1) | bit;
  }
  return v;
}

unsigned
pl_kad_bucket_index(const uint8_t self[PL_ID_BYTES], const uint8_t id[PL_ID_BYTES], unsigned b)
{
  g_assert(b >= 1 && b <= PL_KAD_B_MAX);
  unsigned cpl = pl_kad_common_prefix(self, id);
  g_assert(cpl < 256);
  if (b == 1)
    return cpl;
  unsigned level = cpl / b;
  unsigned width = MIN(b, 256 - level * b);
  unsigned mine = bits_at(self, level * b, width);
  unsigned theirs = bits_at(id, level * b, width);
  unsigned rank = theirs < mine ? theirs : theirs - 1;
  return level * ((1u << b) - 1) + rank;
}

static uint64_t
dist_prefix(const uint8_t *id, const uint8_t *target)
{
  return pl_be_get64(id) ^ pl_be_get64(target);
}

/* Entries ordered by distance to |target|: <0 if |a| is closer. */
static int
entry_cmp(const entry *a, const entry *b, const uint8_t *target)
{
  if (a->dist != b->dist)
    return a->dist < b->dist ? -1 : 1;
  return pl_kad_distance_cmp(a->id, b->id, target);
}

static const uint8_t *
id_of(const pl_node *node, pl_peer peer)
{
  if (peer == PL_PEER_NONE || node->env->peer_id_cb == NULL)
    return NULL;
  return node->env->peer_id_cb(peer, node->env->user_data);
}

static uint64_t
nonce_of(const pl_node *node, pl_peer peer)
{
  return node->env->peer_nonce_cb ? node->env->peer_nonce_cb(peer, node->env->user_data) : 0;
}

/* check_contact once a defence is on. */
static int
check_contact_costs(pl_node *node, kad_state *st, pl_peer peer, const uint8_t *id,
                    uint64_t nonce)
{
  const pl_kad_config *c = st->cfg;
  uint64_t stake = 0;
  if (c->id_min_stake > 0 && node->env->peer_stake_cb != NULL)
    stake = node->env->peer_stake_cb(peer, node->env->user_data);
  pl_idcost_policy pol = {c->id_puzzle_bits, c->id_min_stake};
  if (c->id_puzzle_bits > 0)
    pl_node_charge_cpu(node, (node->config->hash_cost_ns_per_kib * PL_IDCOST_INPUT_BYTES + 1023) / 1024);
  switch (pl_idcost_check(&pol, id, nonce, stake)) {
  case PL_IDCOST_OK:
    return PL_OK;
  case PL_IDCOST_PUZZLE:
    pl_node_metric(node, PL_METRIC_DHT_REJECTED_PUZZLE, 1);
    return PL_ERR_BAD_IDENTITY;
  default:
    pl_node_metric(node, PL_METRIC_DHT_REJECTED_STAKE, 1);
    return PL_ERR_BAD_IDENTITY;
  }
}

/* The id-cost checks on contact |peer| (id |id|) presenting |nonce|:
 * PL_OK or PL_ERR_BAD_IDENTITY (counted).  Inline: with both defences off
 * (the common case, once per message and per contact received) it is one
 * test, not a call. */
static inline int
check_contact(pl_node *node, kad_state *st, pl_peer peer, const uint8_t *id, uint64_t nonce)
{
  const pl_kad_config *c = st->cfg;
  if (c->id_puzzle_bits == 0 && c->id_min_stake == 0)
    return PL_OK;
  return check_contact_costs(node, st, peer, id, nonce);
}

/* ------------------------------------------------------------ wire */

/* True if the 32-byte keys at |a| and |b| are equal.  Compares the first
 * 8 bytes as one word first: keys are uniformly distributed, so almost
 * every pair is told apart there (the duplicate checks of a NODES message
 * compare all 28 pairs of 8 contacts three times per answer). */
static inline bool
key_eq(const uint8_t *a, const uint8_t *b)
{
  uint64_t x, y;
  memcpy(&x, a, sizeof x);
  memcpy(&y, b, sizeof y);
  return x == y && memcmp(a + 8, b + 8, PL_KEY_BYTES - 8) == 0;
}

/* True if the |n| contacts at |c| (PL_KAD_CONTACT_BYTES each) have
 * distinct keys. */
static bool
contacts_distinct(const uint8_t *c, unsigned n)
{
  for (unsigned i = 0; i < n; i++)
    for (unsigned j = i + 1; j < n; j++)
      if (key_eq(c + i * PL_KAD_CONTACT_BYTES, c + j * PL_KAD_CONTACT_BYTES))
        return false;
  return true;
}

int
pl_kad_decode(uint8_t type, const uint8_t *body, size_t len, pl_kad_msg *out)
{
  memset(out, 0, sizeof *out);
  if (type < PL_MSG_KAD_PING || type > PL_MSG_KAD_STORE_ACK)
    return PL_ERR_UNKNOWN_TYPE;
  out->type = type;
  pl_reader r = {body, len};
  const uint8_t *f;
  PL_TRY(pl_rd_take(&r, PL_KAD_RPC_HEADER, &f));
  out->rpc = pl_be_get32(f);
  out->nonce = pl_be_get64(f + 4);
  switch (type) {
  case PL_MSG_KAD_PING:
  case PL_MSG_KAD_PONG:
    break;
  case PL_MSG_KAD_FIND_NODE:
  case PL_MSG_KAD_FIND_VALUE:
    PL_TRY(pl_rd_take(&r, PL_ID_BYTES, &out->target));
    break;
  case PL_MSG_KAD_NODES: {
    PL_TRY(pl_rd_u8(&r, &out->count));
    if (out->count > PL_KAD_CONTACTS_MAX)
      return PL_ERR_OVERLONG;
    PL_TRY(pl_rd_take(&r, (size_t)out->count * PL_KAD_CONTACT_BYTES, &out->contacts));
    if (!contacts_distinct(out->contacts, out->count))
      return PL_ERR_BAD_FIELD;
    break;
  }
  case PL_MSG_KAD_VALUES: {
    PL_TRY(pl_rd_u8(&r, &out->count));
    if (out->count == 0)
      return PL_ERR_BAD_FIELD;
    if (out->count > PL_KAD_VALUES_MAX)
      return PL_ERR_OVERLONG;
    out->values = r.p;
    for (unsigned i = 0; i < out->count; i++) {
      uint16_t vl;
      PL_TRY(pl_rd_u16(&r, &vl));
      if (vl == 0)
        return PL_ERR_BAD_FIELD;
      if (vl > PL_KAD_VALUE_MAX)
        return PL_ERR_OVERLONG;
      PL_TRY(pl_rd_take(&r, vl, &f));
    }
    out->values_len = (size_t)(r.p - out->values);
    if (2u + len > PL_KAD_VALUES_MAX_BYTES)
      return PL_ERR_OVERLONG;
    break;
  }
  case PL_MSG_KAD_STORE: {
    /* key, ttl and value length are all there before any is checked */
    PL_TRY(pl_rd_take(&r, PL_ID_BYTES + 6, &f));
    out->target = f;
    out->ttl_s = pl_be_get32(f + PL_ID_BYTES);
    if (out->ttl_s == 0 || out->ttl_s > PL_KAD_TTL_MAX_S)
      return PL_ERR_BAD_FIELD;
    out->value_len = pl_be_get16(f + PL_ID_BYTES + 4);
    if (out->value_len == 0)
      return PL_ERR_BAD_FIELD;
    if (out->value_len > PL_KAD_VALUE_MAX)
      return PL_ERR_OVERLONG;
    PL_TRY(pl_rd_take(&r, out->value_len, &out->value));
    break;
  }
  case PL_MSG_KAD_STORE_ACK:
    PL_TRY(pl_rd_u8(&r, &out->status));
    if (out->status >= PL_KAD_STORE_STATUS_COUNT)
      return PL_ERR_BAD_FIELD;
    break;
  }
  if (r.left != 0)
    return PL_ERR_TRAILING;
  return PL_OK;
}

int
pl_kad_encode(const pl_kad_msg *m, uint8_t *buf, size_t cap)
{
  size_t n = 2 + PL_KAD_RPC_HEADER;
  switch (m->type) {
  case PL_MSG_KAD_PING:
  case PL_MSG_KAD_PONG:
    break;
  case PL_MSG_KAD_FIND_NODE:
  case PL_MSG_KAD_FIND_VALUE:
    if (m->target == NULL)
      return PL_ERR_INVALID;
    n += PL_ID_BYTES;
    break;
  case PL_MSG_KAD_NODES:
    if (m->count > PL_KAD_CONTACTS_MAX || (m->count > 0 && m->contacts == NULL))
      return PL_ERR_INVALID;
    if (!contacts_distinct(m->contacts, m->count))
      return PL_ERR_INVALID;
    n += 1 + (size_t)m->count * PL_KAD_CONTACT_BYTES;
    break;
  case PL_MSG_KAD_VALUES: {
    if (m->count == 0 || m->count > PL_KAD_VALUES_MAX || m->values == NULL)
      return PL_ERR_INVALID;
    /* Check the len-prefixed values cover values_len exactly. */
    size_t off = 0;
    for (unsigned i = 0; i < m->count; i++) {
      if (off + 2 > m->values_len)
        return PL_ERR_INVALID;
      uint16_t vl = pl_be_get16(m->values + off);
      if (vl == 0 || vl > PL_KAD_VALUE_MAX || off + 2 + vl > m->values_len)
        return PL_ERR_INVALID;
      off += 2u + vl;
    }
    if (off != m->values_len)
      return PL_ERR_INVALID;
    n += 1 + m->values_len;
    if (n > PL_KAD_VALUES_MAX_BYTES)
      return PL_ERR_INVALID;
    break;
  }
  case PL_MSG_KAD_STORE:
    if (m->target == NULL || m->ttl_s == 0 || m->ttl_s > PL_KAD_TTL_MAX_S || m->value_len == 0 ||
        m->value_len > PL_KAD_VALUE_MAX || m->value == NULL)
      return PL_ERR_INVALID;
    n += PL_ID_BYTES + 6 + m->value_len;
    break;
  case PL_MSG_KAD_STORE_ACK:
    if (m->status >= PL_KAD_STORE_STATUS_COUNT)
      return PL_ERR_INVALID;
    n += 1;
    break;
  default:
    return PL_ERR_INVALID;
  }
  if (n > cap)
    return PL_ERR_BUFFER;
  buf[0] = PL_WIRE_VERSION;
  buf[1] = m->type;
  pl_be_put32(buf + 2, m->rpc);
  pl_be_put64(buf + 6, m->nonce);
  uint8_t *p = buf + 2 + PL_KAD_RPC_HEADER;
  switch (m->type) {
  case PL_MSG_KAD_FIND_NODE:
  case PL_MSG_KAD_FIND_VALUE:
    memcpy(p, m->target, PL_ID_BYTES);
    break;
  case PL_MSG_KAD_NODES:
    p[0] = m->count;
    if (m->count > 0)
      memcpy(p + 1, m->contacts, (size_t)m->count * PL_KAD_CONTACT_BYTES);
    break;
  case PL_MSG_KAD_VALUES:
    p[0] = m->count;
    memcpy(p + 1, m->values, m->values_len);
    break;
  case PL_MSG_KAD_STORE:
    memcpy(p, m->target, PL_ID_BYTES);
    pl_be_put32(p + PL_ID_BYTES, m->ttl_s);
    pl_be_put16(p + PL_ID_BYTES + 4, m->value_len);
    memcpy(p + PL_ID_BYTES + 6, m->value, m->value_len);
    break;
  case PL_MSG_KAD_STORE_ACK:
    p[0] = m->status;
    break;
  default:
    break;
  }
  return (int)n;
}

/* Encode and send |m| to |to| with our own nonce. */
static void
send_msg(pl_node *node, pl_peer to, pl_kad_msg *m)
{
  uint8_t buf[PL_KAD_VALUES_MAX_BYTES];
  m->nonce = st_of(node)->self_nonce;
  int n = pl_kad_encode(m, buf, sizeof buf);
  g_assert(n > 0);
  pl_node_send(node, to, buf, (size_t)n);
}

/* ------------------------------------------------------------ table */

static unsigned
bucket_of_id(const kad_state *st, const uint8_t *id)
{
  return pl_kad_bucket_index(st->self_id, id, st->cfg->b);
}

static unsigned
bucket_start(const kad_state *st, unsigned bucket)
{
  unsigned off = 0;
  for (unsigned i = 0; i < bucket && i < st->n_buckets; i++)
    off += st->counts[i];
  return off;
}

/*
 * Move the table into one new block with room for |buckets| buckets and
 * |cap| contacts (neither below what is in use).  One block rather than
 * four: a contact search reads |counts| and then the bucket's handles,
 * which for the shallow buckets (most traffic) sit in the same cache line;
 * and one allocation header instead of three.  Layout: counts (padded to
 * 4 bytes), peers, touched_s.
 */
static bool
table_resize(kad_state *st, unsigned buckets, unsigned cap)
{
  g_assert(buckets >= st->n_buckets && cap >= st->n_contacts && cap <= UINT16_MAX &&
           buckets <= MAX_BUCKETS);
  size_t pad = (buckets + 3u) & ~3u;
  uint8_t *block = g_try_malloc(pad + cap * sizeof(uint32_t) + buckets * sizeof(uint32_t));
  if (block == NULL)
    return false;
  uint8_t *counts = block;
  uint32_t *peers = (uint32_t *)(block + pad);
  uint32_t *touched = peers + cap;
  if (st->n_buckets > 0) {
    memcpy(counts, st->counts, st->n_buckets);
    memcpy(touched, st->touched_s, st->n_buckets * sizeof *touched);
  }
  if (st->n_contacts > 0) {
    memcpy(peers, st->peers, st->n_contacts * sizeof *peers);
  }
  g_free(st->counts);
  st->counts = counts;
  st->peers = peers;
  st->touched_s = touched;
  st->cap = (uint16_t)cap;
  st->bucket_cap = (uint16_t)buckets;
  return true;
}

/* Make room for bucket |bucket|. */
static bool
ensure_bucket(kad_state *st, unsigned bucket)
{
  if (bucket < st->n_buckets)
    return true;
  g_assert(bucket < MAX_BUCKETS);
  unsigned n = bucket + 1;
  if (n > st->bucket_cap && !table_resize(st, n, st->cap))
    return false;
  for (unsigned i = st->n_buckets; i < n; i++) {
    st->counts[i] = 0;
    st->touched_s[i] = 0;
  }
  st->n_buckets = (uint16_t)n;
  return true;
}

/* Position of |peer| in bucket |bucket|, or -1; the bucket's first
 * position into |*start| (n_contacts for a bucket not in use yet: where
 * it begins once ensure_bucket adds it). */
static int
find_in_bucket(const kad_state *st, unsigned bucket, pl_peer peer, unsigned *start)
{
  if (bucket >= st->n_buckets) {
    *start = st->n_contacts;
    return -1;
  }
  unsigned s = bucket_start(st, bucket);
  *start = s;
  for (unsigned i = 0; i < st->counts[bucket]; i++)
    if (contact_peer(st->peers[s + i]) == peer)
      return (int)(s + i);
  return -1;
}

static void
remove_at(kad_state *st, unsigned bucket, unsigned pos)
{
  memmove(st->peers + pos, st->peers + pos + 1, (st->n_contacts - pos - 1) * sizeof *st->peers);
  st->n_contacts--;
  st->counts[bucket]--;
}

/* Make room for |need| contacts: the table grows by MAX(8, bucket_size / 2)
 * contacts at a time, so one that grows a contact at a time and one that
 * grows a level at a time (pl_kad_seed_level) end the same size. */
static bool
table_room(kad_state *st, unsigned need)
{
  unsigned cap = st->cap;
  while (cap < need) {
    unsigned next = MIN(cap + MAX(8u, st->cfg->bucket_size / 2u), (unsigned)UINT16_MAX);
    if (next == cap)
      return false;
    cap = next;
  }
  return cap == st->cap || table_resize(st, st->bucket_cap, cap);
}

/* Insert |peer| at the tail of |bucket| (which has room and begins at
 * |start|). */
static bool
insert_tail(kad_state *st, unsigned bucket, unsigned start, pl_peer peer)
{
  if (!table_room(st, st->n_contacts + 1u))
    return false;
  unsigned pos = start + st->counts[bucket];
  memmove(st->peers + pos + 1, st->peers + pos, (st->n_contacts - pos) * sizeof *st->peers);
  st->peers[pos] = peer; /* no timeouts yet */
  st->n_contacts++;
  st->counts[bucket]++;
  return true;
}

/* Sibling list: keep the sibling_size closest contacts to our own id. */
static void
sibling_add(pl_node *node, kad_state *st, pl_peer peer, const uint8_t *id)
{
  unsigned size = st->cfg->sibling_size;
  if (size == 0)
    return;
  unsigned pos = st->n_siblings;
  for (unsigned i = 0; i < st->n_siblings; i++) {
    if (st->siblings[i] == peer)
      return;
  }
  while (pos > 0) {
    const uint8_t *other = id_of(node, st->siblings[pos - 1]);
    if (other == NULL || pl_kad_distance_cmp(id, other, st->self_id) >= 0)
      break;
    pos--;
  }
  if (pos >= size)
    return;
  unsigned n = MIN(st->n_siblings + 1u, size);
  memmove(st->siblings + pos + 1, st->siblings + pos, (n - pos - 1) * sizeof *st->siblings);
  st->siblings[pos] = peer;
  st->n_siblings = (uint8_t)n;
}

static void
sibling_remove(kad_state *st, pl_peer peer)
{
  for (unsigned i = 0; i < st->n_siblings; i++) {
    if (st->siblings[i] == peer) {
      memmove(st->siblings + i, st->siblings + i + 1,
              (st->n_siblings - i - 1u) * sizeof *st->siblings);
      st->n_siblings--;
      return;
    }
  }
}

/* True if bucket |bucket| (in use, beginning at |start|) holds
 * prefix_limit contacts sharing |peer|'s network prefix already. */
static bool
prefix_full(pl_node *node, kad_state *st, unsigned bucket, unsigned start, pl_peer peer)
{
  unsigned limit = st->cfg->prefix_limit;
  if (limit == 0 || node->env->peer_prefix_cb == NULL)
    return false;
  void *ud = node->env->user_data;
  uint32_t mine = node->env->peer_prefix_cb(peer, ud);
  unsigned same = 0;
  for (unsigned i = 0; i < st->counts[bucket]; i++)
    if (node->env->peer_prefix_cb(contact_peer(st->peers[start + i]), ud) == mine)
      same++;
  return same >= limit;
}

static void send_ping(pl_node *node, kad_state *st, pl_peer to, pl_peer newcomer, pl_time_ns now);

/* |peer|'s bit in kad_state.cache_mask. */
static inline uint32_t
cache_bit(pl_peer peer)
{
  return UINT32_C(1) << (peer & 31u);
}

/* Recompute cache_mask after the cache changed. */
static void
cache_mask_update(kad_state *st)
{
  uint32_t m = 0;
  for (unsigned i = 0; i < st->n_cache; i++)
    m |= cache_bit(st->cache[i].peer);
  st->cache_mask = m;
}

/* Drop |peer| from the replacement cache if it is there.  Called for
 * every contact added to the table: the mask answers "not cached" for
 * most without touching the cache, a separate heap block. */
static void
cache_remove(kad_state *st, pl_peer peer)
{
  if (!(st->cache_mask & cache_bit(peer)))
    return;
  for (unsigned i = 0; i < st->n_cache; i++) {
    if (st->cache[i].peer == peer) {
      memmove(st->cache + i, st->cache + i + 1, (st->n_cache - i - 1u) * sizeof *st->cache);
      st->n_cache--;
      cache_mask_update(st);
      return;
    }
  }
}

/* |peer| (not in the table, its bucket |bucket| full) was seen: it goes
 * first in the replacement cache, the oldest entry falling out of a full
 * cache. */
static void
cache_add(kad_state *st, pl_peer peer, unsigned bucket)
{
  unsigned size = st->cfg->replacement_cache;
  if (st->cache == NULL) {
    st->cache = g_try_new(cached, size);
    if (st->cache == NULL)
      return;
  }
  cache_remove(st, peer);
  unsigned n = MIN(st->n_cache + 1u, size);
  memmove(st->cache + 1, st->cache, (n - 1u) * sizeof *st->cache);
  st->cache[0] = (cached){peer, (uint16_t)bucket};
  st->n_cache = (uint8_t)n;
  cache_mask_update(st);
}

/* The latest cached contact that belongs in bucket |bucket|, taken out of
 * the cache; PL_PEER_NONE if none. */
static pl_peer
cache_take(kad_state *st, unsigned bucket)
{
  for (unsigned i = 0; i < st->n_cache; i++) {
    if (st->cache[i].bucket != bucket)
      continue;
    pl_peer p = st->cache[i].peer;
    memmove(st->cache + i, st->cache + i + 1, (st->n_cache - i - 1u) * sizeof *st->cache);
    st->n_cache--;
    cache_mask_update(st);
    return p;
  }
  return PL_PEER_NONE;
}

/* Outcome of learning a contact. */
enum { LEARN_UPDATED, LEARN_ADDED, LEARN_FULL, LEARN_PREFIX, LEARN_IGNORED };

static int learn_at(pl_node *node, kad_state *st, pl_peer peer, const uint8_t *id,
                    unsigned bucket, pl_time_ns now, bool may_ping);

/*
 * |peer| (id |id|, id checks passed) was seen at |now|: move it to the tail
 * of its bucket, or insert it; a full bucket pings its least-recently-seen
 * contact if |may_ping| (the newcomer waits for the answer) — or, with a
 * replacement cache, puts the newcomer in the cache instead.
 */
static int
learn(pl_node *node, kad_state *st, pl_peer peer, const uint8_t *id, pl_time_ns now,
      bool may_ping)
{
  if (peer == node->self || id == NULL || memcmp(id, st->self_id, PL_ID_BYTES) == 0)
    return LEARN_IGNORED;
  return learn_at(node, st, peer, id, bucket_of_id(st, id), now, may_ping);
}

/* learn() once |peer|'s bucket is known (|peer| is not us).  |id| is read
 * only by the sibling list. */
static int
learn_at(pl_node *node, kad_state *st, pl_peer peer, const uint8_t *id, unsigned bucket,
         pl_time_ns now, bool may_ping)
{
  if (peer >= PL_PEER_MAX)
    return LEARN_IGNORED; /* no room for it in a table entry (pl.h) */
  unsigned start = 0;
  int pos = find_in_bucket(st, bucket, peer, &start);
  if (pos >= 0) {
    unsigned last = start + st->counts[bucket] - 1u;
    memmove(st->peers + pos, st->peers + pos + 1, (last - (unsigned)pos) * sizeof *st->peers);
    st->peers[last] = peer; /* its timeouts start again from 0 */
    return LEARN_UPDATED;
  }
  if (!ensure_bucket(st, bucket))
    return LEARN_IGNORED;
  if (prefix_full(node, st, bucket, start, peer)) {
    pl_node_metric(node, PL_METRIC_DHT_REJECTED_PREFIX, 1);
    return LEARN_PREFIX;
  }
  sibling_add(node, st, peer, id);
  if (st->counts[bucket] < st->cfg->bucket_size) {
    if (!insert_tail(st, bucket, start, peer))
      return LEARN_IGNORED;
    if (st->n_cache > 0)
      cache_remove(st, peer);
    st->touched_s[bucket] = (uint32_t)(now / PL_NS_PER_S);
    pl_node_metric(node, PL_METRIC_DHT_CONTACT_ADDED, 1);
    return LEARN_ADDED;
  }
  if (may_ping && st->cfg->replacement_cache > 0) {
    cache_add(st, peer, bucket);
  } else if (may_ping) {
    pl_peer lrs = contact_peer(st->peers[start]);
    bool busy = false;
    for (unsigned i = 0; i < PINGS_MAX; i++) {
      if (st->pings[i].old == lrs || st->pings[i].newcomer == peer)
        busy = true;
    }
    if (!busy)
      send_ping(node, st, lrs, peer, now);
  }
  return LEARN_FULL;
}

/* Remove |peer| from the table (and the sibling list). */
static bool
forget(pl_node *node, kad_state *st, pl_peer peer)
{
  const uint8_t *id = id_of(node, peer);
  sibling_remove(st, peer);
  if (id == NULL || memcmp(id, st->self_id, PL_ID_BYTES) == 0)
    return false;
  unsigned bucket = bucket_of_id(st, id), start = 0;
  int pos = find_in_bucket(st, bucket, peer, &start);
  if (pos < 0)
    return false;
  remove_at(st, bucket, (unsigned)pos);
  pl_node_metric(node, PL_METRIC_DHT_CONTACT_EVICTED, 1);
  return true;
}

/* A request to |peer| timed out. */
static void
failed(pl_node *node, kad_state *st, pl_peer peer)
{
  const uint8_t *id = id_of(node, peer);
  if (id == NULL || memcmp(id, st->self_id, PL_ID_BYTES) == 0)
    return;
  unsigned bucket = bucket_of_id(st, id), start = 0;
  int pos = find_in_bucket(st, bucket, peer, &start);
  if (pos < 0)
    return;
  unsigned fails = contact_fails(st->peers[pos]);
  if (fails < UINT8_MAX)
    st->peers[pos] = contact_make(peer, ++fails);
  /* Section 4.1: an unresponsive contact makes way at once for the latest
   * cached newcomer of its bucket; without one it stays until stale. */
  pl_peer r = st->n_cache > 0 ? cache_take(st, bucket) : PL_PEER_NONE;
  if (r != PL_PEER_NONE || fails >= st->cfg->stale_failures) {
    remove_at(st, bucket, (unsigned)pos);
    sibling_remove(st, peer);
    pl_node_metric(node, PL_METRIC_DHT_CONTACT_EVICTED, 1);
    if (r != PL_PEER_NONE && insert_tail(st, bucket, start, r)) {
      sibling_add(node, st, r, id_of(node, r));
      pl_node_metric(node, PL_METRIC_DHT_CONTACT_ADDED, 1);
    }
  }
}

/* A candidate for the closest set. */
typedef struct cand {
  uint64_t dist;          /* distance prefix */
  const uint8_t *id;      /* id */
  pl_peer peer;           /* handle */
} cand;

/* Offer |peer| (id |id|, not in |top| yet) for the |max| closest to
 * |target| in |top| (|*n| of them, closest first). */
static void
cand_offer(cand *top, unsigned *n, unsigned max, pl_peer peer, const uint8_t *id,
           const uint8_t *target)
{
  cand c = {dist_prefix(id, target), id, peer};
  unsigned pos = *n;
  while (pos > 0) {
    const cand *p = &top[pos - 1];
    if (p->dist < c.dist || (p->dist == c.dist && pl_kad_distance_cmp(p->id, id, target) <= 0))
      break;
    pos--;
  }
  if (pos >= max)
    return;
  unsigned keep = MIN(*n + 1, max);
  memmove(top + pos + 1, top + pos, (keep - pos - 1) * sizeof *top);
  top[pos] = c;
  *n = keep;
}

static void
offer_bucket(const pl_node *node, const kad_state *st, unsigned bucket, unsigned start,
             cand *top, unsigned *n, unsigned max, const uint8_t *target, pl_peer exclude)
{
  /* Each id is a cache miss in the host's memory: ask for them all before
   * reading any, so the misses overlap instead of following one another. */
  const uint8_t *ids[PL_KAD_K_MAX];
  unsigned count = MIN((unsigned)st->counts[bucket], PL_KAD_K_MAX);
  for (unsigned i = 0; i < count; i++) {
    pl_peer p = contact_peer(st->peers[start + i]);
    ids[i] = p == exclude ? NULL : id_of(node, p);
    if (ids[i] != NULL)
      __builtin_prefetch(ids[i]);
  }
  for (unsigned i = 0; i < count; i++)
    if (ids[i] != NULL)
      cand_offer(top, n, max, contact_peer(st->peers[start + i]), ids[i], target);
}

/* The |max| (<= SHORTLIST_MAX) closest known contacts to |target| into
 * |top|, closest first (see the comment at the top); returns how many.
 *
 * With b = 1 whole buckets are ordered by distance to |target|: let
 * i = common prefix of |target| with our id and x = our id XOR |target|.
 * Bucket i is closest (its contacts agree with |target| on bits 0..i);
 * every deeper bucket j differs from |target| first at bit i, then agrees
 * with our id up to bit j-1 and differs from it at bit j, so at bit j
 * bucket j is closer than all deeper buckets iff bit j of x is 1; buckets
 * i-1, i-2, ... follow, each farther than the last.  So the buckets are
 * visited in that order and the walk stops once |max| are gathered:
 * about k offers per call instead of one per contact in the table. */
static unsigned
closest(const pl_node *node, const kad_state *st, const uint8_t *target, cand *top,
        unsigned max, pl_peer exclude)
{
  unsigned n = 0;
  if (st->cfg->b == 1 && st->n_buckets > 0) {
    unsigned nb = st->n_buckets;
    uint16_t start[MAX_BUCKETS + 1];
    start[0] = 0;
    for (unsigned j = 0; j < nb; j++)
      start[j + 1] = (uint16_t)(start[j] + st->counts[j]);
    unsigned i = pl_kad_common_prefix(st->self_id, target);
    uint16_t order[MAX_BUCKETS];
    unsigned n_order = 0;
    if (i < nb) {
      order[n_order++] = (uint16_t)i;
      /* deeper buckets: those whose bit j of x is 1 in increasing j, then
       * the others in decreasing j */
      uint16_t tail[MAX_BUCKETS];
      unsigned n_tail = 0;
      for (unsigned j = i + 1; j < nb; j++) {
        if ((st->self_id[j / 8] ^ target[j / 8]) & (0x80u >> (j % 8)))
          order[n_order++] = (uint16_t)j;
        else
          tail[n_tail++] = (uint16_t)j;
      }
      while (n_tail > 0)
        order[n_order++] = tail[--n_tail];
    }
    for (unsigned j = MIN(i, nb); j-- > 0;)
      order[n_order++] = (uint16_t)j;
    for (unsigned o = 0; o < n_order && n < max; o++)
      offer_bucket(node, st, order[o], start[order[o]], top, &n, max, target, exclude);
  } else {
    unsigned s = 0;
    for (unsigned j = 0; j < st->n_buckets; j++) {
      offer_bucket(node, st, j, s, top, &n, max, target, exclude);
      s += st->counts[j];
    }
  }
  /* A contact sits in one bucket only, so only a sibling (most are table
   * contacts too) can be in |top| already. */
  for (unsigned i = 0; i < st->n_siblings; i++) {
    pl_peer p = st->siblings[i];
    bool have = p == exclude;
    for (unsigned j = 0; j < n && !have; j++)
      have = top[j].peer == p;
    const uint8_t *id = have ? NULL : id_of(node, p);
    if (id != NULL)
      cand_offer(top, &n, max, p, id, target);
  }
  return n;
}

/* ------------------------------------------------------------ pings */

static void
send_ping(pl_node *node, kad_state *st, pl_peer to, pl_peer newcomer, pl_time_ns now)
{
  for (unsigned i = 0; i < PINGS_MAX; i++) {
    ping_slot *ps = &st->pings[i];
    if (ps->old != PL_PEER_NONE)
      continue;
    ps->old = to;
    ps->newcomer = newcomer;
    ps->gen++;
    pl_kad_msg m = {.type = PL_MSG_KAD_PING, .rpc = RPC_PING | (i << 16) | ps->gen};
    send_msg(node, to, &m);
    pl_node_set_timer(node, PL_LAYER_DISCOVERY, now + st->cfg->rpc_timeout_ns,
                      ((uint32_t)T_PING << TIMER_KIND_SHIFT) | (i << 16) | ps->gen);
    return;
  }
}

static void
ping_answered(pl_node *node, kad_state *st, pl_peer from, uint32_t rpc)
{
  unsigned i = (rpc >> 16) & 0x3fffu;
  if (i >= PINGS_MAX)
    return;
  ping_slot *ps = &st->pings[i];
  if (ps->old != from || ps->gen != (uint16_t)rpc)
    return;
  /* |from| is alive: learn() already moved it to the tail; drop the
   * newcomer. */
  ps->old = PL_PEER_NONE;
  ps->newcomer = PL_PEER_NONE;
}

static void
ping_timeout(pl_node *node, kad_state *st, pl_time_ns now, unsigned i, uint16_t gen)
{
  if (i >= PINGS_MAX)
    return;
  ping_slot *ps = &st->pings[i];
  if (ps->old == PL_PEER_NONE || ps->gen != gen)
    return;
  pl_peer old = ps->old, newcomer = ps->newcomer;
  ps->old = PL_PEER_NONE;
  ps->newcomer = PL_PEER_NONE;
  pl_node_metric(node, PL_METRIC_DHT_RPC_TIMEOUT, 1);
  if (newcomer == PL_PEER_NONE) {
    failed(node, st, old);
    return;
  }
  /* The least-recently-seen contact did not answer: it goes, the
   * newcomer takes its place. */
  forget(node, st, old);
  (void)learn(node, st, newcomer, id_of(node, newcomer), now, false);
}

/* ------------------------------------------------------------ records */

static void
record_free(record *r)
{
  g_free(r->value);
  r->value = NULL;
}

static void
expire_records(pl_node *node, kad_state *st, pl_time_ns now)
{
  unsigned w = 0;
  for (unsigned i = 0; i < st->n_records; i++) {
    if (st->records[i].expires_ns <= now) {
      record_free(&st->records[i]);
      pl_node_metric(node, PL_METRIC_DHT_RECORDS_EXPIRED, 1);
    } else {
      st->records[w++] = st->records[i];
    }
  }
  st->n_records = (uint16_t)w;
  w = 0;
  for (unsigned i = 0; i < st->n_own; i++) {
    if (st->own[i].expires_ns <= now)
      g_free(st->own[i].value);
    else
      st->own[w++] = st->own[i];
  }
  st->n_own = (uint16_t)w;
}

static void
arm_expiry(pl_node *node, kad_state *st, pl_time_ns now)
{
  pl_time_ns next = 0;
  for (unsigned i = 0; i < st->n_records; i++)
    if (next == 0 || st->records[i].expires_ns < next)
      next = st->records[i].expires_ns;
  if (next == 0 || (st->expire_at != 0 && st->expire_at <= next && st->expire_at > now))
    return;
  st->expire_at = MAX(next, now);
  pl_node_set_timer(node, PL_LAYER_DISCOVERY, st->expire_at, (uint32_t)T_EXPIRE << TIMER_KIND_SHIFT);
}

static const pl_kad_app *
app_for_value(const uint8_t *value, unsigned *index)
{
  for (unsigned i = 0; i < N_APPS; i++) {
    if (apps[i]->value_type != 0 && apps[i]->value_type == value[0] && apps[i]->validate != NULL) {
      *index = i;
      return apps[i];
    }
  }
  return NULL;
}

/*
 * Validate |value| under |key| from |from| at |now|.  On PL_OK fill
 * |info| (|has_owner| = 0 for opaque values).  Counts refusals.
 */
static int
validate(pl_node *node, kad_state *st, pl_time_ns now, const uint8_t *key, const uint8_t *value,
         size_t len, pl_peer from, pl_kad_value_info *info, bool *has_owner)
{
  memset(info, 0, sizeof *info);
  *has_owner = false;
  if (value[0] == PL_KAD_VALUE_OPAQUE) {
    const uint8_t *id = id_of(node, from);
    if (id != NULL)
      memcpy(info->owner, id, PL_ID_BYTES);
    info->seq = now;
    return PL_OK;
  }
  unsigned idx = 0;
  const pl_kad_app *app = app_for_value(value, &idx);
  int rc = app == NULL ? PL_ERR_BAD_FIELD
                       : app->validate(node, st->app_state[idx], now, key, value, len, info);
  if (rc == PL_ERR_STALE)
    pl_node_metric(node, PL_METRIC_DHT_RECORDS_STALE_REJECTED, 1);
  else if (rc != PL_OK)
    pl_node_metric(node, PL_METRIC_DHT_RECORDS_REJECTED, 1);
  else
    *has_owner = true;
  return rc;
}

/* Keep |value| under |key| for |from|; returns PL_KAD_STORE_*. */
static uint8_t
store_local(pl_node *node, kad_state *st, pl_time_ns now, const uint8_t *key,
            const uint8_t *value, uint16_t len, pl_time_ns ttl_ns, pl_peer from)
{
  pl_kad_value_info info;
  bool has_owner;
  if (validate(node, st, now, key, value, len, from, &info, &has_owner) != PL_OK)
    return PL_KAD_STORE_REFUSED;
  pl_time_ns expires = now + ttl_ns;
  if (info.expires_ns != 0 && info.expires_ns < expires)
    expires = info.expires_ns;
  if (expires <= now) {
    pl_node_metric(node, PL_METRIC_DHT_RECORDS_STALE_REJECTED, 1);
    return PL_KAD_STORE_REFUSED;
  }
  unsigned same_key = 0;
  for (unsigned i = 0; i < st->n_records; i++) {
    record *r = &st->records[i];
    if (memcmp(r->key, key, PL_ID_BYTES) != 0)
      continue;
    same_key++;
    if (memcmp(r->owner, info.owner, PL_ID_BYTES) != 0)
      continue;
    if (info.seq <= r->seq)
      return PL_KAD_STORE_OK; /* already hold this or a newer one */
    uint8_t *copy = g_try_malloc(len);
    if (copy == NULL)
      return PL_KAD_STORE_REFUSED;
    memcpy(copy, value, len);
    g_free(r->value);
    r->value = copy;
    r->len = len;
    r->seq = info.seq;
    r->expires_ns = expires;
    pl_node_metric(node, PL_METRIC_DHT_RECORDS_STORED, 1);
    arm_expiry(node, st, now);
    return PL_KAD_STORE_OK;
  }
  if (st->n_records >= st->cfg->max_records || same_key >= st->cfg->max_values_per_key)
    expire_records(node, st, now);
  if (st->n_records >= st->cfg->max_records || same_key >= st->cfg->max_values_per_key) {
    /* Full: the value expiring first (of the key if the key is full) goes,
     * if it expires before the newcomer. */
    bool key_full = same_key >= st->cfg->max_values_per_key;
    int victim = -1;
    for (unsigned i = 0; i < st->n_records; i++) {
      if (key_full && memcmp(st->records[i].key, key, PL_ID_BYTES) != 0)
        continue;
      if (victim < 0 || st->records[i].expires_ns < st->records[victim].expires_ns)
        victim = (int)i;
    }
    if (victim < 0 || st->records[victim].expires_ns >= expires)
      return PL_KAD_STORE_REFUSED;
    record_free(&st->records[victim]);
    st->records[victim] = st->records[st->n_records - 1];
    st->n_records--;
  }
  if (st->n_records == st->records_cap) {
    unsigned cap = MIN((unsigned)st->cfg->max_records, MAX(4u, st->records_cap * 2u));
    record *r = g_try_realloc(st->records, cap * sizeof *r);
    if (r == NULL)
      return PL_KAD_STORE_REFUSED;
    st->records = r;
    st->records_cap = (uint16_t)cap;
  }
  record *r = &st->records[st->n_records];
  r->value = g_try_malloc(len);
  if (r->value == NULL)
    return PL_KAD_STORE_REFUSED;
  memcpy(r->value, value, len);
  memcpy(r->key, key, PL_ID_BYTES);
  memcpy(r->owner, info.owner, PL_ID_BYTES);
  r->len = len;
  r->seq = info.seq;
  r->expires_ns = expires;
  st->n_records++;
  pl_node_metric(node, PL_METRIC_DHT_RECORDS_STORED, 1);
  arm_expiry(node, st, now);
  return PL_KAD_STORE_OK;
}

/* ------------------------------------------------------------ lookups */

static void lookup_advance(pl_node *node, kad_state *st, lookup *lk, pl_time_ns now);

static uint32_t
lookup_rpc(const lookup *lk)
{
  return ((uint32_t)lk->slot << 16) | lk->gen;
}

/* Add |peer| (id |id|) to the shortlist of |lk| on |path| at depth |hop|;
 * false if it was there already or did not fit. */
static bool
shortlist_add(lookup *lk, pl_peer peer, const uint8_t *id, uint8_t path, uint8_t hop)
{
  for (unsigned i = 0; i < lk->n; i++)
    if (lk->e[i].peer == peer)
      return false;
  entry e = {dist_prefix(id, lk->target), id, peer, 0, E_NEW, hop, path};
  unsigned pos = lk->n;
  while (pos > 0 && entry_cmp(&e, &lk->e[pos - 1], lk->target) < 0)
    pos--;
  if (lk->n == lk->cap) {
    /* Full: drop the farthest entry not in flight, if farther than |e|. */
    int drop = -1;
    for (unsigned i = lk->n; i-- > pos;) {
      if (lk->e[i].state != E_INFLIGHT) {
        drop = (int)i;
        break;
      }
    }
    if (drop < 0)
      return false;
    memmove(lk->e + drop, lk->e + drop + 1, (lk->n - (unsigned)drop - 1) * sizeof *lk->e);
    lk->n--;
  }
  memmove(lk->e + pos + 1, lk->e + pos, (lk->n - pos) * sizeof *lk->e);
  lk->e[pos] = e;
  lk->n++;
  return true;
}

static lookup *
lookup_new(pl_node *node, kad_state *st, uint8_t kind, const uint8_t *target, pl_time_ns now,
           unsigned cap)
{
  const pl_kad_config *c = st->cfg;
  if (st->lookups == NULL) {
    st->lookups = g_try_new0(lookup *, c->max_lookups);
    st->slot_gen = g_try_new0(uint16_t, c->max_lookups);
    if (st->lookups == NULL || st->slot_gen == NULL)
      return NULL;
  }
  unsigned slot = 0;
  while (slot < c->max_lookups && st->lookups[slot] != NULL)
    slot++;
  if (slot == c->max_lookups) {
    pl_node_metric(node, PL_METRIC_DHT_LOOKUP_DROPPED, 1);
    return NULL;
  }
  lookup *lk = g_try_malloc0(sizeof *lk + cap * sizeof(entry));
  if (lk == NULL)
    return NULL;
  lk->kind = kind;
  lk->d = kind == LK_VALUE_AT ? 1 : c->d;
  lk->slot = (uint16_t)slot;
  lk->gen = ++st->slot_gen[slot];
  lk->cap = (uint16_t)cap;
  lk->start_ns = now;
  lk->want = 1;
  memcpy(lk->target, target, PL_ID_BYTES);
  st->lookups[slot] = lk;
  st->n_lookups++;
  return lk;
}

/* Seed |lk| from the table and start it. */
static void
lookup_begin(pl_node *node, kad_state *st, lookup *lk, pl_time_ns now)
{
  const pl_kad_config *c = st->cfg;
  cand top[PL_KAD_K_MAX * PL_KAD_D_MAX];
  unsigned want = MIN((unsigned)c->k * lk->d, G_N_ELEMENTS(top));
  unsigned n = closest(node, st, lk->target, top, want, PL_PEER_NONE);
  for (unsigned i = 0; i < n; i++)
    shortlist_add(lk, top[i].peer, top[i].id, (uint8_t)(i % lk->d), 1);
  if (c->b == 1 && st->n_buckets > 0) {
    unsigned bkt = MIN(pl_kad_common_prefix(st->self_id, lk->target), st->n_buckets - 1u);
    st->touched_s[bkt] = (uint32_t)(now / PL_NS_PER_S);
  } else if (st->n_buckets > 0 && memcmp(lk->target, st->self_id, PL_ID_BYTES) != 0) {
    unsigned bkt = bucket_of_id(st, lk->target);
    if (bkt < st->n_buckets)
      st->touched_s[bkt] = (uint32_t)(now / PL_NS_PER_S);
  }
  lookup_advance(node, st, lk, now);
}

/* Give |lk|'s slot back (|lk| itself stays alive). */
static void
lookup_release(kad_state *st, lookup *lk)
{
  if (st->lookups[lk->slot] == lk) {
    st->lookups[lk->slot] = NULL;
    st->n_lookups--;
  }
}

static void
lookup_free(kad_state *st, lookup *lk)
{
  lookup_release(st, lk);
  for (unsigned i = 0; i < lk->n_vals; i++)
    g_free(lk->vals[i].bytes);
  g_free(lk->vals);
  g_free(lk->holders);
  g_free(lk->value);
  g_free(lk);
}

static void
send_store(pl_node *node, kad_state *st, pl_peer to, const uint8_t *key, const uint8_t *value,
           uint16_t len, uint32_t ttl_s)
{
  pl_kad_msg m = {.type = PL_MSG_KAD_STORE, .rpc = RPC_STORE | (++st->rpc_store & 0xffffu),
                  .target = key, .ttl_s = ttl_s, .value = value, .value_len = len};
  send_msg(node, to, &m);
}

/* End |lk| at |now|: report, act (STORE), call back, free. */
static void
lookup_finish(pl_node *node, kad_state *st, lookup *lk, pl_time_ns now)
{
  const pl_kad_config *c = st->cfg;
  pl_peer result[PL_KAD_K_MAX];
  unsigned n = 0, hops = 0;
  for (unsigned i = 0; i < lk->n && n < c->k; i++) {
    if (lk->e[i].state != E_ANSWERED)
      continue;
    if (n == 0)
      hops = lk->e[i].hop;
    result[n++] = lk->e[i].peer;
  }
  uint32_t kind = 0;
  switch (lk->kind) {
  case LK_NODE:
    kind = PL_OBS_KAD_LOOKUP;
    break;
  case LK_JOIN:
    kind = PL_OBS_KAD_JOIN;
    break;
  case LK_REFRESH:
    kind = PL_OBS_KAD_REFRESH;
    break;
  case LK_STORE: {
    kind = PL_OBS_KAD_STORE;
    uint32_t ttl_s = lk->ttl_s;
    for (unsigned i = 0; i < n; i++) {
      send_store(node, st, result[i], lk->target, lk->value, lk->value_len, ttl_s);
      lk->messages++;
    }
    /* Keep a copy ourselves if we are among the k closest. */
    bool mine = n < c->k;
    if (!mine) {
      const uint8_t *far = id_of(node, result[n - 1]);
      mine = far != NULL && pl_kad_distance_cmp(st->self_id, far, lk->target) < 0;
    }
    if (mine)
      (void)store_local(node, st, now, lk->target, lk->value, lk->value_len,
                        (pl_time_ns)ttl_s * PL_NS_PER_S, node->self);
    break;
  }
  default:
    kind = PL_OBS_KAD_VALUE;
    break;
  }
  pl_node_metric(node, PL_METRIC_DHT_LOOKUP_DONE, 1);
  pl_node_metric(node, PL_METRIC_DHT_LOOKUP_MESSAGES, lk->messages);
  pl_node_metric(node, PL_METRIC_DHT_LOOKUP_LATENCY_MS, (double)(now - lk->start_ns) / 1e6);
  if (kind == PL_OBS_KAD_VALUE) {
    pl_node_metric(node, lk->n_vals > 0 ? PL_METRIC_DHT_VALUE_FOUND : PL_METRIC_DHT_VALUE_NOT_FOUND,
                   1);
    pl_observation obs = {kind, lk->target, lk->holders, lk->n_holders, lk->n_vals, lk->messages,
                          lk->start_ns};
    pl_node_observe(node, &obs);
    pl_kad_value vals[VALUES_COLLECT_MAX];
    for (unsigned i = 0; i < lk->n_vals; i++) {
      vals[i].bytes = lk->vals[i].bytes;
      vals[i].len = lk->vals[i].len;
      vals[i].from = lk->vals[i].from;
    }
    pl_kad_values_cb cb = lk->cb;
    void *ud = lk->user_data;
    uint8_t key[PL_ID_BYTES];
    memcpy(key, lk->target, PL_ID_BYTES);
    /* The callback may start new lookups: call it with the lookup's slot
     * already free, values still alive. */
    lookup_release(st, lk);
    if (cb != NULL)
      cb(node, now, key, vals, lk->n_vals, ud);
  } else {
    if (n > 0)
      pl_node_metric(node, PL_METRIC_DHT_LOOKUP_HOPS, hops);
    pl_observation obs = {kind, lk->target, result, n, hops, lk->messages, lk->start_ns};
    pl_node_observe(node, &obs);
  }
  lookup_free(st, lk);
}

static void
arm_lookup_timer(pl_node *node, kad_state *st, lookup *lk, pl_time_ns at)
{
  if (lk->timer_at != 0)
    return;
  lk->timer_at = at;
  pl_node_set_timer(node, PL_LAYER_DISCOVERY, at,
                    ((uint32_t)T_LOOKUP << TIMER_KIND_SHIFT) | ((uint32_t)lk->slot << 8) |
                        (lk->gen & 0xffu));
}

static void
query(pl_node *node, kad_state *st, lookup *lk, entry *e, pl_time_ns now)
{
  e->state = E_INFLIGHT;
  uint64_t us = (now - lk->start_ns) / 1000u;
  e->sent_us = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
  lk->inflight[e->path]++;
  lk->messages++;
  bool value = lk->kind == LK_VALUE || lk->kind == LK_VALUE_AT;
  pl_kad_msg m = {.type = value ? PL_MSG_KAD_FIND_VALUE : PL_MSG_KAD_FIND_NODE,
                  .rpc = lookup_rpc(lk), .target = lk->target};
  send_msg(node, e->peer, &m);
  arm_lookup_timer(node, st, lk, now + st->cfg->rpc_timeout_ns);
}

/* Send requests as alpha allows; finish if every path is done. */
static void
lookup_advance(pl_node *node, kad_state *st, lookup *lk, pl_time_ns now)
{
  const pl_kad_config *c = st->cfg;
  bool value = lk->kind == LK_VALUE || lk->kind == LK_VALUE_AT;
  if (value && lk->n_vals >= lk->want) {
    lookup_finish(node, st, lk, now);
    return;
  }
  unsigned alpha = lk->kind == LK_VALUE_AT ? SHORTLIST_MAX : c->alpha;
  unsigned horizon = lk->kind == LK_VALUE_AT ? SHORTLIST_MAX : c->k;
  bool busy = false;
  for (unsigned p = 0; p < lk->d; p++) {
    unsigned seen = 0;
    for (unsigned i = 0; i < lk->n && seen < horizon; i++) {
      entry *e = &lk->e[i];
      if (e->path != p || e->state == E_FAILED)
        continue;
      seen++;
      if (e->state == E_NEW && lk->inflight[p] < alpha)
        query(node, st, lk, e, now);
      if (e->state == E_NEW || e->state == E_INFLIGHT)
        busy = true;
    }
    if (lk->inflight[p] > 0)
      busy = true;
  }
  if (!busy)
    lookup_finish(node, st, lk, now);
}

static void
lookup_timeout(pl_node *node, kad_state *st, lookup *lk, pl_time_ns now)
{
  lk->timer_at = 0;
  pl_time_ns next = 0;
  for (unsigned i = 0; i < lk->n; i++) {
    entry *e = &lk->e[i];
    if (e->state != E_INFLIGHT)
      continue;
    pl_time_ns deadline = lk->start_ns + (pl_time_ns)e->sent_us * 1000u + st->cfg->rpc_timeout_ns;
    if (deadline <= now) {
      e->state = E_FAILED;
      lk->inflight[e->path]--;
      pl_node_metric(node, PL_METRIC_DHT_RPC_TIMEOUT, 1);
      failed(node, st, e->peer);
    } else if (next == 0 || deadline < next) {
      next = deadline;
    }
  }
  if (next != 0)
    arm_lookup_timer(node, st, lk, next);
  lookup_advance(node, st, lk, now);
}

static lookup *
lookup_of_rpc(const kad_state *st, uint32_t rpc)
{
  if (rpc & (RPC_PING | RPC_STORE) || st->lookups == NULL)
    return NULL;
  unsigned slot = rpc >> 16;
  if (slot >= st->cfg->max_lookups)
    return NULL;
  lookup *lk = st->lookups[slot];
  if (lk == NULL || lk->gen != (uint16_t)rpc)
    return NULL;
  return lk;
}

static entry *
entry_of(lookup *lk, pl_peer peer)
{
  for (unsigned i = 0; i < lk->n; i++)
    if (lk->e[i].peer == peer)
      return &lk->e[i];
  return NULL;
}

/* Mark |e| answered (a late answer after a timeout counts too). */
static void
answered(lookup *lk, entry *e)
{
  if (e->state == E_INFLIGHT)
    lk->inflight[e->path]--;
  e->state = E_ANSWERED;
}

/* Collect value |v| (|len|) from |from| into |lk| (validated). */
static void
collect_value(pl_node *node, kad_state *st, lookup *lk, pl_time_ns now, const uint8_t *v,
              uint16_t len, pl_peer from)
{
  pl_kad_value_info info;
  bool has_owner;
  if (validate(node, st, now, lk->target, v, len, from, &info, &has_owner) != PL_OK)
    return;
  if (info.expires_ns != 0 && info.expires_ns <= now) {
    pl_node_metric(node, PL_METRIC_DHT_RECORDS_STALE_REJECTED, 1);
    return;
  }
  for (unsigned i = 0; i < lk->n_vals; i++) {
    found_value *f = &lk->vals[i];
    bool same = has_owner ? (f->has_owner && memcmp(f->owner, info.owner, PL_ID_BYTES) == 0)
                          : (!f->has_owner && f->len == len && memcmp(f->bytes, v, len) == 0);
    if (!same)
      continue;
    if (has_owner && info.seq > f->seq) {
      uint8_t *copy = g_try_malloc(len);
      if (copy == NULL)
        return;
      memcpy(copy, v, len);
      g_free(f->bytes);
      f->bytes = copy;
      f->len = len;
      f->seq = info.seq;
      f->from = from;
    }
    return;
  }
  if (lk->n_vals >= VALUES_COLLECT_MAX)
    return;
  if (lk->n_vals == lk->vals_cap) {
    unsigned cap = MAX(4u, lk->vals_cap * 2u);
    found_value *nv = g_try_realloc(lk->vals, cap * sizeof *nv);
    if (nv == NULL)
      return;
    lk->vals = nv;
    lk->vals_cap = cap;
  }
  found_value *f = &lk->vals[lk->n_vals];
  f->bytes = g_try_malloc(len);
  if (f->bytes == NULL)
    return;
  memcpy(f->bytes, v, len);
  f->len = len;
  f->seq = info.seq;
  f->has_owner = has_owner;
  memcpy(f->owner, info.owner, PL_ID_BYTES);
  f->from = from;
  lk->n_vals++;
}

static void
add_holder(lookup *lk, pl_peer peer)
{
  for (unsigned i = 0; i < lk->n_holders; i++)
    if (lk->holders[i] == peer)
      return;
  pl_peer *h = g_try_realloc(lk->holders, (lk->n_holders + 1u) * sizeof *h);
  if (h == NULL)
    return;
  lk->holders = h;
  lk->holders[lk->n_holders++] = peer;
}

static int
on_nodes(pl_node *node, kad_state *st, pl_time_ns now, pl_peer from, const pl_kad_msg *m)
{
  lookup *lk = lookup_of_rpc(st, m->rpc);
  if (lk == NULL)
    return PL_OK; /* a late or unsolicited answer: the sender was learnt, nothing more */
  entry *e = entry_of(lk, from);
  if (e == NULL || e->state == E_ANSWERED)
    return PL_OK;
  uint8_t path = e->path;
  uint8_t hop = (uint8_t)MIN(e->hop + 1u, UINT8_MAX);
  answered(lk, e);
  const pl_env *env = node->env;
  if (lk->kind != LK_VALUE_AT && env->peer_intern_cb != NULL) {
    /* All contacts interned at once when the host can (their table
     * lookups are cache misses that then overlap), else one by one. */
    pl_peer handles[PL_KAD_CONTACTS_MAX];
    bool batch = env->peer_intern_n_cb != NULL;
    if (batch)
      env->peer_intern_n_cb(m->contacts, PL_KAD_CONTACT_BYTES, m->count, handles,
                            env->user_data);
    for (unsigned i = 0; i < m->count; i++) {
      const uint8_t *c = m->contacts + i * PL_KAD_CONTACT_BYTES;
      pl_peer p = batch ? handles[i] : env->peer_intern_cb(c, env->user_data);
      if (p == PL_PEER_NONE || p == node->self)
        continue;
      const uint8_t *id = id_of(node, p);
      if (id == NULL || check_contact(node, st, p, id, pl_be_get64(c + PL_KEY_BYTES)) != PL_OK)
        continue;
      shortlist_add(lk, p, id, path, hop);
    }
  }
  lookup_advance(node, st, lk, now);
  return PL_OK;
}

static int
on_values(pl_node *node, kad_state *st, pl_time_ns now, pl_peer from, const pl_kad_msg *m)
{
  lookup *lk = lookup_of_rpc(st, m->rpc);
  if (lk == NULL || (lk->kind != LK_VALUE && lk->kind != LK_VALUE_AT))
    return PL_OK;
  entry *e = entry_of(lk, from);
  if (e == NULL || e->state == E_ANSWERED)
    return PL_OK;
  answered(lk, e);
  uint32_t before = lk->n_vals;
  const uint8_t *p = m->values;
  for (unsigned i = 0; i < m->count; i++) {
    uint16_t vl = pl_be_get16(p);
    collect_value(node, st, lk, now, p + 2, vl, from);
    p += 2u + vl;
  }
  if (lk->n_vals > before)
    add_holder(lk, from);
  lookup_advance(node, st, lk, now);
  return PL_OK;
}

/* ------------------------------------------------------------ answers */

static void
answer_nodes(pl_node *node, kad_state *st, pl_peer from, uint32_t rpc, const uint8_t *target)
{
  const pl_kad_config *c = st->cfg;
  pl_peer chosen[PL_KAD_CONTACTS_MAX];
  unsigned n = 0;
  unsigned max = MIN((unsigned)c->k, PL_KAD_CONTACTS_MAX);
  const pl_strategy *sg = node->strategy;
  int forged = -1;
  if (sg != NULL && sg->kad_find_node != NULL)
    forged = sg->kad_find_node(node, from, target, chosen, max, sg->state);
  if (forged >= 0) {
    n = MIN((unsigned)forged, max);
  } else {
    cand top[PL_KAD_CONTACTS_MAX];
    n = closest(node, st, target, top, max, from);
    for (unsigned i = 0; i < n; i++)
      chosen[i] = top[i].peer;
  }
  uint8_t contacts[PL_KAD_CONTACTS_MAX * PL_KAD_CONTACT_BYTES];
  unsigned w = 0;
  for (unsigned i = 0; i < n; i++) {
    const uint8_t *key = pl_node_peer_key(node, chosen[i]);
    if (key == NULL)
      continue;
    bool dup = false;
    for (unsigned j = 0; j < w && !dup; j++)
      dup = key_eq(contacts + j * PL_KAD_CONTACT_BYTES, key);
    if (dup)
      continue;
    memcpy(contacts + w * PL_KAD_CONTACT_BYTES, key, PL_KEY_BYTES);
    pl_be_put64(contacts + w * PL_KAD_CONTACT_BYTES + PL_KEY_BYTES, nonce_of(node, chosen[i]));
    w++;
  }
  pl_kad_msg m = {.type = PL_MSG_KAD_NODES, .rpc = rpc, .count = (uint8_t)w,
                  .contacts = contacts};
  send_msg(node, from, &m);
}

/* Append value |v| (|len|) len-prefixed to |buf| at |*off| if it fits. */
static bool
pack_value(uint8_t *buf, size_t cap, size_t *off, const uint8_t *v, uint16_t len)
{
  if (*off + 2u + len > cap)
    return false;
  pl_be_put16(buf + *off, len);
  memcpy(buf + *off + 2, v, len);
  *off += 2u + len;
  return true;
}

static void
answer_values(pl_node *node, kad_state *st, pl_time_ns now, pl_peer from, uint32_t rpc,
              const uint8_t *key)
{
  /* room for the values in one message after header, rpc header, count */
  uint8_t buf[PL_KAD_VALUES_MAX_BYTES - 3 - PL_KAD_RPC_HEADER];
  size_t off = 0;
  unsigned count = 0;
  const pl_strategy *sg = node->strategy;
  if (sg != NULL && sg->kad_find_value != NULL) {
    uint8_t forged[PL_KAD_VALUES_MAX_BYTES];
    uint16_t lens[PL_KAD_VALUES_MAX];
    int n = sg->kad_find_value(node, from, key, forged, sizeof forged, lens, PL_KAD_VALUES_MAX,
                               sg->state);
    if (n >= 0) {
      size_t at = 0;
      for (int i = 0; i < n && i < PL_KAD_VALUES_MAX; i++) {
        if (lens[i] == 0 || lens[i] > PL_KAD_VALUE_MAX || at + lens[i] > sizeof forged)
          break;
        if (!pack_value(buf, sizeof buf, &off, forged + at, lens[i]))
          break;
        at += lens[i];
        count++;
      }
      if (count == 0) {
        answer_nodes(node, st, from, rpc, key);
        return;
      }
      pl_kad_msg m = {.type = PL_MSG_KAD_VALUES, .rpc = rpc, .count = (uint8_t)count,
                      .values = buf, .values_len = off};
      send_msg(node, from, &m);
      return;
    }
  }
  for (unsigned i = 0; i < st->n_records && count < PL_KAD_VALUES_MAX; i++) {
    const record *r = &st->records[i];
    if (r->expires_ns <= now || memcmp(r->key, key, PL_ID_BYTES) != 0)
      continue;
    if (pack_value(buf, sizeof buf, &off, r->value, r->len))
      count++;
  }
  if (count == 0) {
    answer_nodes(node, st, from, rpc, key);
    return;
  }
  pl_kad_msg m = {.type = PL_MSG_KAD_VALUES, .rpc = rpc, .count = (uint8_t)count, .values = buf,
                  .values_len = off};
  send_msg(node, from, &m);
}

/* ------------------------------------------------------------ layer */

static int
kad_receive(pl_node *node, void *state, pl_time_ns now, pl_peer from, const pl_msg *msg)
{
  kad_state *st = state;
  pl_kad_msg m;
  int rc = pl_kad_decode(msg->type, msg->u.raw.body, msg->u.raw.len, &m);
  if (rc != PL_OK)
    return rc;
  const uint8_t *id = id_of(node, from);
  if (id == NULL || from == node->self)
    return PL_ERR_BAD_IDENTITY;
  rc = check_contact(node, st, from, id, m.nonce);
  if (rc != PL_OK)
    return rc;
  (void)learn(node, st, from, id, now, true);
  const pl_strategy *sg = node->strategy;
  switch (m.type) {
  case PL_MSG_KAD_PING: {
    if (sg != NULL && sg->answer_ping != NULL && !sg->answer_ping(node, from, sg->state))
      return PL_OK;
    pl_kad_msg pong = {.type = PL_MSG_KAD_PONG, .rpc = m.rpc};
    send_msg(node, from, &pong);
    return PL_OK;
  }
  case PL_MSG_KAD_PONG:
    ping_answered(node, st, from, m.rpc);
    return PL_OK;
  case PL_MSG_KAD_FIND_NODE:
    answer_nodes(node, st, from, m.rpc, m.target);
    return PL_OK;
  case PL_MSG_KAD_FIND_VALUE:
    answer_values(node, st, now, from, m.rpc, m.target);
    return PL_OK;
  case PL_MSG_KAD_NODES:
    return on_nodes(node, st, now, from, &m);
  case PL_MSG_KAD_VALUES:
    return on_values(node, st, now, from, &m);
  case PL_MSG_KAD_STORE: {
    uint8_t status = PL_KAD_STORE_OK;
    if (sg == NULL || sg->kad_accept_store == NULL || sg->kad_accept_store(node, from, m.target,
                                                                            sg->state))
      status = store_local(node, st, now, m.target, m.value, m.value_len,
                           (pl_time_ns)m.ttl_s * PL_NS_PER_S, from);
    pl_kad_msg ack = {.type = PL_MSG_KAD_STORE_ACK, .rpc = m.rpc, .status = status};
    send_msg(node, from, &ack);
    return PL_OK;
  }
  case PL_MSG_KAD_STORE_ACK:
  default:
    return PL_OK;
  }
}

/* A random id in bucket |bucket| of our table. */
static void
random_id_in_bucket(pl_node *node, kad_state *st, unsigned bucket, uint8_t out[PL_ID_BYTES])
{
  unsigned b = st->cfg->b;
  for (unsigned i = 0; i < PL_ID_BYTES; i += 8) {
    uint64_t r = pl_node_random(node);
    memcpy(out + i, &r, 8);
  }
  unsigned prefix, digit_bits, digit;
  if (b == 1) {
    prefix = bucket;
    digit_bits = 1;
    digit = bits_at(st->self_id, prefix, 1) ^ 1u;
  } else {
    unsigned per = (1u << b) - 1u;
    unsigned level = bucket / per, rank = bucket % per;
    prefix = level * b;
    digit_bits = MIN(b, 256 - prefix);
    unsigned mine = bits_at(st->self_id, prefix, digit_bits);
    digit = rank < mine ? rank : rank + 1;
  }
  for (unsigned p = 0; p < prefix + digit_bits && p < 256; p++) {
    unsigned bit = p < prefix ? (st->self_id[p / 8] >> (7 - p % 8)) & 1u
                              : (digit >> (digit_bits - 1 - (p - prefix))) & 1u;
    uint8_t mask = (uint8_t)(1u << (7 - p % 8));
    out[p / 8] = (uint8_t)(bit ? out[p / 8] | mask : out[p / 8] & ~mask);
  }
}

static void
refresh(pl_node *node, kad_state *st, pl_time_ns now, bool all)
{
  uint32_t now_s = (uint32_t)(now / PL_NS_PER_S);
  uint32_t age_s = (uint32_t)(st->cfg->refresh_interval_ns / PL_NS_PER_S);
  for (unsigned i = 0; i < st->n_buckets; i++) {
    if (!all && now_s - st->touched_s[i] < age_s)
      continue;
    uint8_t target[PL_ID_BYTES];
    random_id_in_bucket(node, st, i, target);
    lookup *lk = lookup_new(node, st, LK_REFRESH, target, now,
                            MIN(3u * st->cfg->k * st->cfg->d, SHORTLIST_MAX));
    if (lk == NULL)
      return;
    st->touched_s[i] = now_s;
    lookup_begin(node, st, lk, now);
  }
}

static int
start_store(pl_node *node, kad_state *st, pl_time_ns now, const uint8_t *key,
            const uint8_t *value, size_t len, pl_time_ns ttl_ns)
{
  lookup *lk = lookup_new(node, st, LK_STORE, key, now,
                          MIN(3u * st->cfg->k * st->cfg->d, SHORTLIST_MAX));
  if (lk == NULL)
    return PL_ERR_NOMEM;
  lk->value = g_try_malloc(len);
  if (lk->value == NULL) {
    lookup_free(st, lk);
    return PL_ERR_NOMEM;
  }
  memcpy(lk->value, value, len);
  lk->value_len = (uint16_t)len;
  uint64_t ttl_s = (ttl_ns + PL_NS_PER_S - 1) / PL_NS_PER_S;
  lk->ttl_s = (uint32_t)CLAMP(ttl_s, 1u, PL_KAD_TTL_MAX_S);
  lookup_begin(node, st, lk, now);
  return PL_OK;
}

static void
republish(pl_node *node, kad_state *st, pl_time_ns now)
{
  expire_records(node, st, now);
  for (unsigned i = 0; i < st->n_own; i++) {
    own_record *o = &st->own[i];
    if (start_store(node, st, now, o->key, o->value, o->len, o->expires_ns - now) == PL_OK)
      pl_node_metric(node, PL_METRIC_DHT_RECORDS_REPUBLISHED, 1);
  }
}

static void
kad_timer(pl_node *node, void *state, pl_time_ns now, uint32_t local_id)
{
  kad_state *st = state;
  if (!st->running)
    return;
  unsigned kind = local_id >> TIMER_KIND_SHIFT;
  switch (kind) {
  case T_LOOKUP: {
    unsigned slot = (local_id >> 8) & 0xfffu;
    if (st->lookups == NULL || slot >= st->cfg->max_lookups)
      return;
    lookup *lk = st->lookups[slot];
    if (lk == NULL || (lk->gen & 0xffu) != (local_id & 0xffu) || lk->timer_at == 0 ||
        now < lk->timer_at)
      return; /* a fire left behind by an earlier lookup or an earlier arm */
    lookup_timeout(node, st, lk, now);
    return;
  }
  case T_PING:
    ping_timeout(node, st, now, (local_id >> 16) & 0xfu, (uint16_t)(local_id & 0xffffu));
    return;
  case T_REFRESH:
    refresh(node, st, now, false);
    pl_node_set_timer(node, PL_LAYER_DISCOVERY, now + st->cfg->refresh_interval_ns, local_id);
    return;
  case T_REPUBLISH:
    republish(node, st, now);
    pl_node_set_timer(node, PL_LAYER_DISCOVERY, now + st->cfg->republish_interval_ns, local_id);
    return;
  case T_EXPIRE:
    if (st->expire_at == 0 || now < st->expire_at)
      return;
    st->expire_at = 0;
    expire_records(node, st, now);
    arm_expiry(node, st, now);
    return;
  default:
    if (kind >= T_APP) {
      unsigned a = (local_id >> 16) & 0xfu;
      if (a < N_APPS && apps[a]->timer != NULL && st->app_state[a] != NULL)
        apps[a]->timer(node, st->app_state[a], now, local_id & 0xffffu);
    }
    return;
  }
}

static bool
kad_enabled(const pl_config *config)
{
  return config->kad.mode != PL_KAD_OFF;
}

static bool
app_on(const pl_node *node, unsigned a)
{
  return apps[a]->enabled == NULL || apps[a]->enabled(node->config);
}

static void *
kad_init(pl_node *node)
{
  const pl_kad_config *c = &node->config->kad;
  g_assert(c->k >= 1 && c->k <= PL_KAD_K_MAX);
  g_assert(c->bucket_size >= 1 && c->bucket_size <= PL_KAD_K_MAX);
  g_assert(c->alpha >= 1 && c->alpha <= PL_KAD_ALPHA_MAX);
  g_assert(c->b >= 1 && c->b <= PL_KAD_B_MAX);
  g_assert(c->d >= 1 && c->d <= PL_KAD_D_MAX);
  g_assert(c->sibling_size <= PL_KAD_SIBLINGS_MAX);
  g_assert(c->max_lookups >= 1 && c->max_lookups <= 4096);
  g_assert(c->stale_failures >= 1 && c->rpc_timeout_ns > 0);
  g_assert(node->env->peer_id_cb != NULL);
  kad_state *st = g_try_new0(kad_state, 1);
  if (st == NULL)
    return NULL;
  st->cfg = c;
  st->self_id = node->env->peer_id_cb(node->self, node->env->user_data);
  g_assert(st->self_id != NULL);
  for (unsigned i = 0; i < PINGS_MAX; i++) {
    st->pings[i].old = PL_PEER_NONE;
    st->pings[i].newcomer = PL_PEER_NONE;
  }
  if (c->sibling_size > 0) {
    st->siblings = g_try_new0(pl_peer, c->sibling_size);
    if (st->siblings == NULL) {
      g_free(st);
      return NULL;
    }
  }
  /* The layer state must be reachable by the apps' init. */
  return st;
}

static void
kad_clear(pl_node *node, void *state)
{
  kad_state *st = state;
  for (unsigned a = 0; a < N_APPS; a++)
    if (st->app_state[a] != NULL && apps[a]->clear != NULL)
      apps[a]->clear(node, st->app_state[a]);
  if (st->lookups != NULL) {
    for (unsigned i = 0; i < st->cfg->max_lookups; i++)
      if (st->lookups[i] != NULL)
        lookup_free(st, st->lookups[i]);
  }
  for (unsigned i = 0; i < st->n_records; i++)
    record_free(&st->records[i]);
  for (unsigned i = 0; i < st->n_own; i++)
    g_free(st->own[i].value);
  g_free(st->records);
  g_free(st->own);
  g_free(st->lookups);
  g_free(st->slot_gen);
  g_free(st->counts); /* the table block */
  g_free(st->siblings);
  g_free(st->cache);
  g_free(st);
}

static void
kad_start(pl_node *node, void *state, pl_time_ns now)
{
  kad_state *st = state;
  const pl_kad_config *c = st->cfg;
  st->running = 1;
  st->self_nonce = nonce_of(node, node->self);
  for (unsigned a = 0; a < N_APPS; a++) {
    if (!app_on(node, a))
      continue;
    if (st->app_state[a] == NULL && apps[a]->init != NULL)
      st->app_state[a] = apps[a]->init(node);
    if (apps[a]->start != NULL)
      apps[a]->start(node, st->app_state[a], now);
  }
  if (c->refresh_interval_ns > 0)
    pl_node_set_timer(node, PL_LAYER_DISCOVERY, now + c->refresh_interval_ns,
                      (uint32_t)T_REFRESH << TIMER_KIND_SHIFT);
  if (c->republish_interval_ns > 0)
    pl_node_set_timer(node, PL_LAYER_DISCOVERY, now + c->republish_interval_ns,
                      (uint32_t)T_REPUBLISH << TIMER_KIND_SHIFT);
  if (!c->join)
    return;
  for (unsigned i = 0; i < node->config->n_bootstrap; i++)
    (void)pl_kad_seed(node, node->config->bootstrap[i]);
  if (st->n_contacts > 0) {
    lookup *lk = lookup_new(node, st, LK_JOIN, st->self_id, now,
                            MIN(3u * c->k * c->d, SHORTLIST_MAX));
    if (lk != NULL)
      lookup_begin(node, st, lk, now);
  }
}

static void
kad_stop(pl_node *node, void *state, pl_time_ns now)
{
  kad_state *st = state;
  for (unsigned a = N_APPS; a-- > 0;)
    if (st->app_state[a] != NULL && apps[a]->stop != NULL)
      apps[a]->stop(node, st->app_state[a], now);
  st->running = 0;
  /* Lookups in flight end without callbacks. */
  if (st->lookups != NULL)
    for (unsigned i = 0; i < st->cfg->max_lookups; i++)
      if (st->lookups[i] != NULL)
        lookup_free(st, st->lookups[i]);
}

/* Completion of a FIND_VALUE command: the observation says it all. */
static void
noop_values(pl_node *node, pl_time_ns now, const uint8_t key[PL_ID_BYTES],
            const pl_kad_value *values, uint32_t n, void *user_data)
{
}

static int
kad_command(pl_node *node, void *state, pl_time_ns now, const pl_command *cmd)
{
  kad_state *st = state;
  switch ((int)cmd->kind) {
  case PL_CMD_KAD_LOOKUP: {
    uint8_t target[PL_ID_BYTES];
    if (cmd->len == PL_ID_BYTES && cmd->data != NULL) {
      memcpy(target, cmd->data, PL_ID_BYTES);
    } else if (cmd->len == 0) {
      for (unsigned i = 0; i < PL_ID_BYTES; i += 8) {
        uint64_t r = pl_node_random(node);
        memcpy(target + i, &r, 8);
      }
    } else {
      return PL_ERR_INVALID;
    }
    return pl_kad_lookup(node, now, target);
  }
  case PL_CMD_KAD_STORE:
    if (cmd->data == NULL || cmd->len <= PL_ID_BYTES)
      return PL_ERR_INVALID;
    return pl_kad_store(node, now, cmd->data, cmd->data + PL_ID_BYTES, cmd->len - PL_ID_BYTES,
                        cmd->arg, true);
  case PL_CMD_KAD_FIND_VALUE:
    if (cmd->data == NULL || cmd->len != PL_ID_BYTES)
      return PL_ERR_INVALID;
    return pl_kad_find_value(node, now, cmd->data, cmd->arg > 0 ? (uint32_t)cmd->arg : 1u,
                             noop_values, NULL);
  case PL_CMD_KAD_PING:
    if (cmd->peer == PL_PEER_NONE || cmd->peer == node->self || id_of(node, cmd->peer) == NULL)
      return PL_ERR_NOT_FOUND;
    send_ping(node, st, cmd->peer, PL_PEER_NONE, now);
    return PL_OK;
  case PL_CMD_KAD_REFRESH:
    refresh(node, st, now, true);
    return PL_OK;
  default:
    for (unsigned a = 0; a < N_APPS; a++) {
      if (apps[a]->command != NULL && st->app_state[a] != NULL &&
          (unsigned)cmd->kind >= apps[a]->cmd_first && (unsigned)cmd->kind <= apps[a]->cmd_last)
        return apps[a]->command(node, st->app_state[a], now, cmd);
    }
    return PL_ERR_INVALID;
  }
}

static size_t
kad_memory(const pl_node *node, const void *state)
{
  const kad_state *st = state;
  size_t bytes = sizeof *st;
  bytes += ((st->bucket_cap + 3u) & ~3u) + st->cap * sizeof *st->peers;
  bytes += st->bucket_cap * sizeof *st->touched_s;
  bytes += st->cfg->sibling_size * sizeof(pl_peer);
  if (st->cache != NULL)
    bytes += st->cfg->replacement_cache * sizeof(cached);
  if (st->lookups != NULL) {
    bytes += st->cfg->max_lookups * (sizeof(lookup *) + sizeof(uint16_t));
    for (unsigned i = 0; i < st->cfg->max_lookups; i++) {
      const lookup *lk = st->lookups[i];
      if (lk == NULL)
        continue;
      bytes += sizeof *lk + lk->cap * sizeof(entry) + lk->vals_cap * sizeof(found_value) +
               lk->n_holders * sizeof(pl_peer) + lk->value_len;
      for (unsigned v = 0; v < lk->n_vals; v++)
        bytes += lk->vals[v].len;
    }
  }
  bytes += st->records_cap * sizeof(record);
  for (unsigned i = 0; i < st->n_records; i++)
    bytes += st->records[i].len;
  for (unsigned i = 0; i < st->n_own; i++)
    bytes += sizeof(own_record) + st->own[i].len;
  for (unsigned a = 0; a < N_APPS; a++)
    if (st->app_state[a] != NULL && apps[a]->memory != NULL)
      bytes += apps[a]->memory(node, st->app_state[a]);
  return bytes;
}

/* pl_layer.prefetch: every message reads the sender's id and its bucket
 * (learn), a request the table, an answer its lookup's slot. */
static void
kad_prefetch(const pl_node *node, const void *state, pl_peer from, const pl_msg *msg)
{
  const kad_state *st = state;
  const uint8_t *id = id_of(node, from);
  if (id != NULL)
    __builtin_prefetch(id);
  if (st->counts != NULL) {
    /* the bucket sizes, and the first buckets' contacts: half of all
     * targets and senders fall in bucket 0, a quarter in bucket 1 */
    __builtin_prefetch(st->counts);
    __builtin_prefetch(st->peers);
    __builtin_prefetch((const char *)st->peers + 64);
  }
  if ((msg->type == PL_MSG_KAD_NODES || msg->type == PL_MSG_KAD_VALUES) &&
      msg->u.raw.len >= 4 && st->lookups != NULL) {
    unsigned slot = pl_be_get32(msg->u.raw.body) >> 16;
    if (slot < st->cfg->max_lookups)
      __builtin_prefetch(&st->lookups[slot]);
  }
}

const pl_layer pl_kad_layer = {
  .name = "kad",
  .enabled = kad_enabled,
  .init = kad_init,
  .clear = kad_clear,
  .start = kad_start,
  .stop = kad_stop,
  .receive = kad_receive,
  .timer = kad_timer,
  .command = kad_command,
  .memory = kad_memory,
  .prefetch = kad_prefetch,
};

/* ------------------------------------------------------------ public API */

static kad_state *
running_state(pl_node *node)
{
  kad_state *st = st_of(node);
  return st != NULL && st->running ? st : NULL;
}

void *
pl_kad_app_state(const pl_node *node, const char *name)
{
  const kad_state *st = st_of(node);
  if (st == NULL)
    return NULL;
  for (unsigned a = 0; a < N_APPS; a++)
    if (strcmp(apps[a]->name, name) == 0)
      return st->app_state[a];
  return NULL;
}

void
pl_kad_app_set_timer(pl_node *node, const char *name, pl_time_ns at_ns, uint32_t local_id)
{
  g_assert(local_id <= 0xffffu);
  for (unsigned a = 0; a < N_APPS; a++) {
    if (strcmp(apps[a]->name, name) == 0) {
      pl_node_set_timer(node, PL_LAYER_DISCOVERY, at_ns,
                        ((uint32_t)T_APP << TIMER_KIND_SHIFT) | (a << 16) | local_id);
      return;
    }
  }
  g_assert_not_reached();
}

int
pl_kad_lookup(pl_node *node, pl_time_ns now, const uint8_t target[PL_ID_BYTES])
{
  kad_state *st = running_state(node);
  if (st == NULL)
    return PL_ERR_INVALID;
  lookup *lk = lookup_new(node, st, LK_NODE, target, now,
                          MIN(3u * st->cfg->k * st->cfg->d, SHORTLIST_MAX));
  if (lk == NULL)
    return PL_ERR_NOMEM;
  lookup_begin(node, st, lk, now);
  return PL_OK;
}

int
pl_kad_store(pl_node *node, pl_time_ns now, const uint8_t key[PL_ID_BYTES], const uint8_t *value,
             size_t len, pl_time_ns ttl_ns, bool republish_it)
{
  kad_state *st = running_state(node);
  if (st == NULL || value == NULL || len == 0 || len > PL_KAD_VALUE_MAX)
    return PL_ERR_INVALID;
  if (node->config->kad.mode == PL_KAD_RENDEZVOUS)
    return pl_rendezvous_store(node, now, key, value, len, ttl_ns);
  if (ttl_ns == 0)
    ttl_ns = st->cfg->record_ttl_ns;
  ttl_ns = MIN(ttl_ns, (pl_time_ns)PL_KAD_TTL_MAX_S * PL_NS_PER_S);
  int rc = start_store(node, st, now, key, value, len, ttl_ns);
  if (rc != PL_OK || !republish_it)
    return rc;
  for (unsigned i = 0; i < st->n_own; i++) {
    own_record *o = &st->own[i];
    if (memcmp(o->key, key, PL_ID_BYTES) == 0) {
      uint8_t *copy = g_try_malloc(len);
      if (copy == NULL)
        return PL_OK;
      memcpy(copy, value, len);
      g_free(o->value);
      o->value = copy;
      o->len = (uint16_t)len;
      o->expires_ns = now + ttl_ns;
      return PL_OK;
    }
  }
  own_record *grown = g_try_realloc(st->own, (st->n_own + 1u) * sizeof *grown);
  if (grown == NULL)
    return PL_OK;
  st->own = grown;
  own_record *o = &st->own[st->n_own];
  o->value = g_try_malloc(len);
  if (o->value == NULL)
    return PL_OK;
  memcpy(o->key, key, PL_ID_BYTES);
  memcpy(o->value, value, len);
  o->len = (uint16_t)len;
  o->expires_ns = now + ttl_ns;
  st->n_own++;
  return PL_OK;
}

static void
add_local_values(pl_node *node, kad_state *st, lookup *lk, pl_time_ns now)
{
  for (unsigned i = 0; i < st->n_records; i++) {
    const record *r = &st->records[i];
    if (r->expires_ns > now && memcmp(r->key, lk->target, PL_ID_BYTES) == 0)
      collect_value(node, st, lk, now, r->value, r->len, node->self);
  }
}

int
pl_kad_find_value(pl_node *node, pl_time_ns now, const uint8_t key[PL_ID_BYTES], uint32_t want,
                  pl_kad_values_cb cb, void *user_data)
{
  kad_state *st = running_state(node);
  if (st == NULL || want == 0)
    return PL_ERR_INVALID;
  if (node->config->kad.mode == PL_KAD_RENDEZVOUS)
    return pl_rendezvous_find_value(node, now, key, want, cb, user_data);
  lookup *lk = lookup_new(node, st, LK_VALUE, key, now,
                          MIN(3u * st->cfg->k * st->cfg->d, SHORTLIST_MAX));
  if (lk == NULL)
    return PL_ERR_NOMEM;
  lk->want = want;
  lk->cb = cb;
  lk->user_data = user_data;
  add_local_values(node, st, lk, now);
  lookup_begin(node, st, lk, now);
  return PL_OK;
}

int
pl_kad_store_at(pl_node *node, pl_time_ns now, pl_peer peer, const uint8_t key[PL_ID_BYTES],
                const uint8_t *value, size_t len, pl_time_ns ttl_ns)
{
  kad_state *st = running_state(node);
  if (st == NULL || value == NULL || len == 0 || len > PL_KAD_VALUE_MAX)
    return PL_ERR_INVALID;
  if (ttl_ns == 0)
    ttl_ns = st->cfg->record_ttl_ns;
  uint64_t ttl_s = CLAMP((ttl_ns + PL_NS_PER_S - 1) / PL_NS_PER_S, 1u, PL_KAD_TTL_MAX_S);
  if (peer == node->self) {
    uint8_t status = store_local(node, st, now, key, value, (uint16_t)len,
                                 ttl_s * PL_NS_PER_S, node->self);
    return status == PL_KAD_STORE_OK ? PL_OK : PL_ERR_INVALID;
  }
  if (id_of(node, peer) == NULL)
    return PL_ERR_NOT_FOUND;
  send_store(node, st, peer, key, value, (uint16_t)len, (uint32_t)ttl_s);
  return PL_OK;
}

int
pl_kad_find_value_at(pl_node *node, pl_time_ns now, const pl_peer *peers, uint32_t n,
                     const uint8_t key[PL_ID_BYTES], uint32_t want, pl_kad_values_cb cb,
                     void *user_data)
{
  kad_state *st = running_state(node);
  if (st == NULL || want == 0 || (n > 0 && peers == NULL))
    return PL_ERR_INVALID;
  lookup *lk = lookup_new(node, st, LK_VALUE_AT, key, now, MIN(n, SHORTLIST_MAX) + 1u);
  if (lk == NULL)
    return PL_ERR_NOMEM;
  lk->want = want;
  lk->cb = cb;
  lk->user_data = user_data;
  add_local_values(node, st, lk, now);
  for (unsigned i = 0; i < n && i < SHORTLIST_MAX; i++) {
    const uint8_t *id = peers[i] == node->self ? NULL : id_of(node, peers[i]);
    if (id != NULL)
      shortlist_add(lk, peers[i], id, 0, 1);
  }
  lookup_advance(node, st, lk, now);
  return PL_OK;
}

uint32_t
pl_kad_local_values(pl_node *node, pl_time_ns now, const uint8_t key[PL_ID_BYTES],
                    pl_kad_value *out, uint32_t max)
{
  kad_state *st = st_of(node);
  uint32_t n = 0;
  if (st == NULL)
    return 0;
  for (unsigned i = 0; i < st->n_records && n < max; i++) {
    const record *r = &st->records[i];
    if (r->expires_ns > now && memcmp(r->key, key, PL_ID_BYTES) == 0) {
      out[n].bytes = r->value;
      out[n].len = r->len;
      out[n].from = node->self;
      n++;
    }
  }
  return n;
}

uint32_t
pl_kad_record_count(const pl_node *node)
{
  const kad_state *st = st_of(node);
  return st ? st->n_records : 0;
}

/* pl_kad_seed's answer for a learn() outcome. */
static int
seed_result(int learnt)
{
  switch (learnt) {
  case LEARN_UPDATED:
  case LEARN_ADDED:
    return PL_OK;
  case LEARN_IGNORED:
    return PL_ERR_INVALID;
  default:
    return PL_ERR_PEER_LIMIT;
  }
}

int
pl_kad_seed(pl_node *node, pl_peer peer)
{
  kad_state *st = st_of(node);
  if (st == NULL || peer == node->self)
    return PL_ERR_INVALID;
  const uint8_t *id = id_of(node, peer);
  if (id == NULL)
    return PL_ERR_INVALID;
  /* the nonce matters only to the id puzzle: fetch it only then */
  uint64_t nonce = st->cfg->id_puzzle_bits > 0 ? nonce_of(node, peer) : 0;
  if (check_contact(node, st, peer, id, nonce) != PL_OK)
    return PL_ERR_BAD_IDENTITY;
  return seed_result(learn(node, st, peer, id, 0, false));
}

int
pl_kad_seed_cpl(pl_node *node, pl_peer peer, unsigned cpl)
{
  kad_state *st = st_of(node);
  /* the bucket follows from |cpl| alone with b = 1; the sibling list
   * compares ids: take the general path otherwise */
  if (st == NULL || st->cfg->b != 1 || st->cfg->sibling_size > 0 || cpl >= 256)
    return pl_kad_seed(node, peer);
  if (peer == node->self)
    return PL_ERR_INVALID;
  const uint8_t *id = id_of(node, peer); /* a pointer: not read unless a check needs it */
  if (id == NULL)
    return PL_ERR_INVALID;
  uint64_t nonce = st->cfg->id_puzzle_bits > 0 ? nonce_of(node, peer) : 0;
  if (check_contact(node, st, peer, id, nonce) != PL_OK)
    return PL_ERR_BAD_IDENTITY;
  return seed_result(learn_at(node, st, peer, id, cpl, 0, false));
}

int
pl_kad_seed_level(pl_node *node, unsigned cpl, const pl_peer *peers, unsigned n)
{
  kad_state *st = st_of(node);
  if (st == NULL || n == 0 || cpl >= 256)
    return PL_ERR_INVALID;
  const pl_kad_config *c = st->cfg;
  /* Only where pl_kad_seed_cpl would take every peer without reading an
   * id: b = 1, no sibling list, no prefix limit, no id cost, an empty
   * bucket with room for all of them. */
  if (c->b != 1 || c->sibling_size > 0 || c->prefix_limit > 0 || c->id_puzzle_bits > 0 ||
      c->id_min_stake > 0 || n > c->bucket_size || (cpl < st->n_buckets && st->counts[cpl] > 0))
    return PL_ERR_INVALID;
  for (unsigned i = 0; i < n; i++) {
    pl_peer p = peers[i];
    if (p == node->self || p >= PL_PEER_MAX || id_of(node, p) == NULL)
      return PL_ERR_INVALID;
    for (unsigned j = 0; j < i; j++)
      if (peers[j] == p)
        return PL_ERR_INVALID;
  }
  if (!ensure_bucket(st, cpl) || !table_room(st, st->n_contacts + n))
    return PL_ERR_INVALID;
  unsigned start = bucket_start(st, cpl);
  memmove(st->peers + start + n, st->peers + start, (st->n_contacts - start) * sizeof *st->peers);
  for (unsigned i = 0; i < n; i++) {
    st->peers[start + i] = contact_make(peers[i], 0);
    if (st->n_cache > 0)
      cache_remove(st, peers[i]);
  }
  st->n_contacts = (uint16_t)(st->n_contacts + n);
  st->counts[cpl] = (uint8_t)n;
  st->touched_s[cpl] = 0; /* seeded at time 0, as pl_kad_seed does */
  for (unsigned i = 0; i < n; i++)
    pl_node_metric(node, PL_METRIC_DHT_CONTACT_ADDED, 1);
  return PL_OK;
}

void
pl_kad_reserve(pl_node *node, uint32_t contacts, uint32_t buckets)
{
  kad_state *st = st_of(node);
  if (st == NULL)
    return;
  contacts = MIN(contacts, (uint32_t)UINT16_MAX);
  buckets = MIN(buckets, (uint32_t)MAX_BUCKETS);
  if (contacts <= st->cap && buckets <= st->bucket_cap)
    return;
  (void)table_resize(st, MAX(buckets, (uint32_t)st->bucket_cap), MAX(contacts, (uint32_t)st->cap));
}

uint32_t
pl_kad_contact_count(const pl_node *node)
{
  const kad_state *st = st_of(node);
  return st ? st->n_contacts : 0;
}

uint32_t
pl_kad_contacts(const pl_node *node, pl_peer *out, uint32_t max)
{
  const kad_state *st = st_of(node);
  if (st == NULL)
    return 0;
  uint32_t n = MIN(max, (uint32_t)st->n_contacts);
  for (uint32_t i = 0; i < n; i++)
    out[i] = contact_peer(st->peers[i]);
  return n;
}

uint32_t
pl_kad_closest(pl_node *node, const uint8_t target[PL_ID_BYTES], pl_peer *out, uint32_t max)
{
  kad_state *st = st_of(node);
  if (st == NULL)
    return 0;
  cand top[SHORTLIST_MAX];
  unsigned n = closest(node, st, target, top, MIN(max, (uint32_t)SHORTLIST_MAX), PL_PEER_NONE);
  for (unsigned i = 0; i < n; i++)
    out[i] = top[i].peer;
  return n;
}

uint32_t
pl_kad_siblings(const pl_node *node, pl_peer *out, uint32_t max)
{
  const kad_state *st = st_of(node);
  if (st == NULL)
    return 0;
  uint32_t n = MIN(max, (uint32_t)st->n_siblings);
  if (n > 0) /* |siblings| is NULL while the list is empty */
    memcpy(out, st->siblings, n * sizeof *out);
  return n;
}

uint32_t
pl_kad_lookups_active(const pl_node *node)
{
  const kad_state *st = st_of(node);
  return st ? st->n_lookups : 0;
}

bool
pl_kad_has_contact(const pl_node *node, pl_peer peer)
{
  const kad_state *st = st_of(node);
  const uint8_t *id = st ? id_of(node, peer) : NULL;
  if (id == NULL || memcmp(id, st->self_id, PL_ID_BYTES) == 0)
    return false;
  unsigned start = 0;
  return find_in_bucket(st, bucket_of_id(st, id), peer, &start) >= 0;
}
