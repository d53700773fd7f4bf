/*
 * net.c — the simulated network (model in net.h and docs/network.md).
 *
 * How the state is laid out, for a million nodes:
 *
 *   hot[]       one 8-byte record per node, read at both ends of every
 *               send: the index of its attributes in the class table, and
 *               its NAT slot.  Apart from the link clocks so the array that
 *               every send misses in is a third the size.
 *   nodes[]     one 16-byte record per node: the times its upload and
 *               download links become free (ns), touched only where a
 *               bandwidth is finite.
 *   classes[]   the distinct sim_net_node values in use (bandwidths, region,
 *               NAT flag), interned through a hash table; a run has a
 *               handful (one per population and region), so 64-bit
 *               bandwidths cost nothing per node.
 *   nat[]       one open-path set per NAT'd node that has ever sent, found
 *               through the node's slot.  A set is one allocation holding
 *               last_ns[cap] then remote[cap] (12 bytes per path), sorted by
 *               remote handle, so the lookup at every inbound message is a
 *               binary search and a crashed node's paths go with one free.
 *               Expired paths are pruned lazily: when the set is full and a
 *               new path must go in, and when a lookup meets one.
 *   group_of[]  2 bytes per node, only while a partition is active.
 *
 * Nothing here is iterated in hash order: the class table is a lookup from
 * attributes to an index, and the index is a pure function of the order of
 * sim_net_set_node calls.
 */
#include "net.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#ifndef __SIZEOF_INT128__
#error "net.c needs a 128-bit integer type for exact serialisation delays"
#endif
__extension__ typedef unsigned __int128 u128;

#define NO_SLOT UINT32_MAX
#define TIME_MAX_NS UINT64_MAX
/* Delays drawn from a distribution are capped here (about 146 years) so
 * that a heavy Pareto tail cannot wrap a clock. */
#define DELAY_MAX_NS ((uint64_t)1 << 62)

/* A node's link state (16 bytes), touched only where bandwidth is finite. */
typedef struct node_rec {
  uint64_t up_free_ns;   /* upload link busy until this time, ns */
  uint64_t down_free_ns; /* download link busy until this time, ns */
} node_rec;

/* What every send reads of its two ends (8 bytes). */
typedef struct node_hot {
  uint32_t cls;      /* index into net->classes (attributes) */
  uint32_t nat_slot; /* index into net->nat, NO_SLOT if none yet */
} node_hot;

/* Open NAT paths of one NAT'd node: an open-addressing table (linear
 * probing, capacity a power of two, at most three quarters full) from
 * remote handle to the time of the node's last send to it.  A path is
 * looked up on every message to or from a NAT'd node, so one probe beats a
 * binary search over a sorted array (three dependent cache misses deep at
 * a few hundred paths).  Which paths are open never depends on the slot
 * order, so the table's layout cannot reach a result. */
typedef struct nat_set {
  uint64_t *mem;         /* last_ns[cap] (ns) then uint32 remote[cap] (PATH_EMPTY: free); NULL if cap 0 */
  uint32_t len;          /* paths held (open or not yet pruned) */
  uint32_t cap;          /* slots: 0 or a power of two >= 4 */
} nat_set;

/* A free slot's remote (no node has this handle: asserted on send). */
#define PATH_EMPTY UINT32_MAX

struct sim_net {
  sim_net_config config;   /* copy of the configuration (region matrix borrowed) */
  uint32_t n_nodes;        /* node handles 0..n_nodes-1 */
  node_rec *nodes;         /* n_nodes link records */
  node_hot *hot;           /* n_nodes: class and NAT slot */
  sim_net_node *classes;   /* distinct attributes, n_classes of them */
  uint32_t n_classes;      /* used entries of |classes| */
  uint32_t cap_classes;    /* allocated entries of |classes| */
  GHashTable *class_index; /* sim_net_node* (owned copy) -> index + 1 */
  nat_set *nat;            /* n_nat open-path sets */
  uint32_t n_nat;          /* used entries of |nat| */
  uint32_t cap_nat;        /* allocated entries of |nat| */
  size_t nat_paths_cap;    /* sum of nat[i].cap, paths (for sim_net_memory) */
  uint16_t *group_of;      /* partition group per node, NULL when none active */
  uint64_t finite_down;    /* nodes whose download bandwidth is finite */
  sim_rng delay_rng;       /* stream ("net", 0): latency and jitter */
  sim_rng loss_rng;        /* stream ("net", 1): loss */
  sim_net_stats stats;     /* counters */
};

/* ---- small arithmetic -------------------------------------------------- */

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
  return a > TIME_MAX_NS - b ? TIME_MAX_NS : a + b;
}

uint64_t
sim_net_serialisation_ns(uint64_t bytes, uint64_t bps)
{
  if (bps == 0)
    return 0;
  u128 num = (u128)bytes * 8u * 1000000000u;
  u128 q = (num + bps - 1) / bps;
  return q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
}

/* Draw one value of |d|; negative or NaN reads as 0. */
static double
draw(const sim_dist *d, sim_rng *rng)
{
  double x = sim_dist_sample(d, rng);
  if (!(x > 0.0)) /* also catches NaN */
    return 0.0;
  return x;
}

/* Round a delay |x| (ns) to whole ns, half up, capped at DELAY_MAX_NS. */
static uint64_t
to_ns(double x)
{
  double r = floor(x + 0.5);
  if (r >= (double)DELAY_MAX_NS)
    return DELAY_MAX_NS;
  return (uint64_t)r;
}

/* ---- attribute classes ------------------------------------------------- */

static guint
class_hash(gconstpointer p)
{
  const sim_net_node *c = p;
  uint64_t h = c->up_bps * UINT64_C(0x9e3779b97f4a7c15);
  h ^= c->down_bps + UINT64_C(0x632be59bd9b4e019) + (h << 6) + (h >> 2);
  h ^= ((uint64_t)c->region << 1 | (c->nat ? 1u : 0u)) * UINT64_C(0xff51afd7ed558ccd);
  return (guint)(h ^ (h >> 32));
}

static gboolean
class_equal(gconstpointer a, gconstpointer b)
{
  const sim_net_node *x = a, *y = b;
  return x->up_bps == y->up_bps && x->down_bps == y->down_bps &&
         x->region == y->region && x->nat == y->nat;
}

/* Index of the class equal to |attrs|, added if new. */
static uint32_t
intern_class(sim_net *net, const sim_net_node *attrs)
{
  sim_net_node key = { attrs->up_bps, attrs->down_bps, attrs->region, attrs->nat };
  gpointer v = g_hash_table_lookup(net->class_index, &key);
  if (v != NULL)
    return (uint32_t)(GPOINTER_TO_SIZE(v) - 1);
  g_assert(net->n_classes < UINT32_MAX - 1);
  if (net->n_classes == net->cap_classes) {
    net->cap_classes = net->cap_classes ? net->cap_classes * 2 : 8;
    net->classes = g_renew(sim_net_node, net->classes, net->cap_classes);
  }
  uint32_t idx = net->n_classes++;
  net->classes[idx] = key;
  sim_net_node *owned = g_new(sim_net_node, 1);
  *owned = key;
  g_hash_table_insert(net->class_index, owned, GSIZE_TO_POINTER((gsize)idx + 1));
  return idx;
}

/* ---- NAT paths ----------------------------------------------------------- */

static uint32_t *
set_remotes(const nat_set *s)
{
  return s->mem != NULL ? (uint32_t *)(s->mem + s->cap) : NULL;
}

/* Home slot of |remote| in a table of |cap| slots (Fibonacci hashing). */
static inline uint32_t
set_home(uint32_t remote, uint32_t cap)
{
  return (uint32_t)((remote * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & (cap - 1);
}

/* Slot of |remote| in |s| (found: *found = true) or the free slot where it
 * would go (when cap > len; an empty table, even of no slots, finds
 * nothing). */
static uint32_t
set_find(const nat_set *s, uint32_t remote, bool *found)
{
  *found = false;
  if (s->len == 0)
    return s->cap ? set_home(remote, s->cap) : 0;
  const uint32_t *r = set_remotes(s);
  uint32_t i = set_home(remote, s->cap);
  while (r[i] != PATH_EMPTY) {
    if (r[i] == remote) {
      *found = true;
      return i;
    }
    i = (i + 1) & (s->cap - 1);
  }
  return i;
}

static bool
path_open(const sim_net *net, uint64_t last_ns, uint64_t now_ns)
{
  return now_ns < sat_add(last_ns, net->config.nat_timeout_ns);
}

/* Rebuild |s| with |cap| slots (0 or a power of two above the paths kept),
 * keeping the paths still open at |now_ns|. */
static void
set_rebuild(sim_net *net, nat_set *s, uint32_t cap, uint64_t now_ns)
{
  uint64_t *old = s->mem;
  const uint32_t *old_r = set_remotes(s);
  uint32_t old_cap = s->cap;
  uint64_t *mem = NULL;
  uint32_t *r = NULL;
  if (cap > 0) {
    mem = g_malloc((size_t)cap * (sizeof(uint64_t) + sizeof(uint32_t)));
    r = (uint32_t *)(mem + cap);
    for (uint32_t i = 0; i < cap; i++)
      r[i] = PATH_EMPTY;
  }
  uint32_t len = 0;
  for (uint32_t i = 0; i < old_cap; i++) {
    if (old_r[i] == PATH_EMPTY || !path_open(net, old[i], now_ns))
      continue;
    g_assert(len + 1 < cap);
    uint32_t j = set_home(old_r[i], cap);
    while (r[j] != PATH_EMPTY)
      j = (j + 1) & (cap - 1);
    r[j] = old_r[i];
    mem[j] = old[i];
    len++;
  }
  g_free(old);
  net->nat_paths_cap = net->nat_paths_cap - s->cap + cap;
  s->mem = mem;
  s->cap = cap;
  s->len = len;
}

/* Open paths of |s| at |now_ns|, counted. */
static uint32_t
set_count_open(const sim_net *net, const nat_set *s, uint64_t now_ns)
{
  const uint32_t *r = set_remotes(s);
  uint32_t n = 0;
  for (uint32_t i = 0; i < s->cap; i++)
    n += r[i] != PATH_EMPTY && path_open(net, s->mem[i], now_ns);
  return n;
}

/* Remove slot |i| of |s|, shifting back the entries of its probe run that
 * would no longer be reachable (deletion without tombstones). */
static void
set_remove_at(nat_set *s, uint32_t i)
{
  uint32_t *r = set_remotes(s);
  uint32_t mask = s->cap - 1;
  uint32_t hole = i;
  for (uint32_t j = (i + 1) & mask; r[j] != PATH_EMPTY; j = (j + 1) & mask) {
    uint32_t home = set_home(r[j], s->cap);
    /* j may fill the hole unless its home lies cyclically in (hole, j] */
    bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!stays) {
      r[hole] = r[j];
      s->mem[hole] = s->mem[j];
      hole = j;
    }
  }
  r[hole] = PATH_EMPTY;
  s->len--;
}

static void
set_clear(sim_net *net, nat_set *s)
{
  g_free(s->mem);
  net->nat_paths_cap -= s->cap;
  *s = (nat_set){ NULL, 0, 0 };
}

/* NAT'd |node| sent to |remote| at |now_ns|: open or refresh the path. */
static void
nat_open(sim_net *net, uint32_t node, uint32_t remote, uint64_t now_ns)
{
  uint32_t *slot = &net->hot[node].nat_slot;
  if (*slot == NO_SLOT) {
    g_assert(net->n_nat < NO_SLOT);
    if (net->n_nat == net->cap_nat) {
      net->cap_nat = net->cap_nat ? net->cap_nat * 2 : 64;
      net->nat = g_renew(nat_set, net->nat, net->cap_nat);
    }
    *slot = net->n_nat++;
    net->nat[*slot] = (nat_set){ NULL, 0, 0 };
  }
  nat_set *s = &net->nat[*slot];
  bool found;
  uint32_t i = set_find(s, remote, &found);
  if (found) {
    if (now_ns > s->mem[i])
      s->mem[i] = now_ns;
    return;
  }
  if ((uint64_t)(s->len + 1) * 4 > (uint64_t)s->cap * 3) {
    /* would be over three quarters full: drop the closed paths and size
     * the table to at least twice what is left (a power of two, at least
     * 4), shrinking or doubling */
    uint32_t keep = set_count_open(net, s, now_ns) + 1;
    uint32_t want = 4;
    while (want < 2 * (uint64_t)keep && want < UINT32_MAX / 2)
      want *= 2;
    set_rebuild(net, s, want, now_ns);
    i = set_find(s, remote, &found);
  }
  set_remotes(s)[i] = remote;
  s->mem[i] = now_ns;
  s->len++;
}

/* True if NAT'd |node| has an open path to |remote| at |now_ns|; an expired
 * path met on the way is removed. */
static bool
nat_accepts(sim_net *net, uint32_t node, uint32_t remote, uint64_t now_ns)
{
  uint32_t slot = net->hot[node].nat_slot;
  if (slot == NO_SLOT)
    return false;
  nat_set *s = &net->nat[slot];
  bool found;
  uint32_t i = set_find(s, remote, &found);
  if (!found)
    return false;
  if (path_open(net, s->mem[i], now_ns))
    return true;
  set_remove_at(s, i);   /* closed for good: time only moves forward */
  return false;
}

static void
nat_forget(sim_net *net, uint32_t node)
{
  if (net->hot[node].nat_slot != NO_SLOT)
    set_clear(net, &net->nat[net->hot[node].nat_slot]);
}

/* ---- public API -------------------------------------------------------- */

sim_net *
sim_net_new(const sim_net_config *config, uint32_t n_nodes, uint64_t seed)
{
  g_assert(config != NULL);
  g_assert(config->loss >= 0.0 && config->loss <= 1.0);
  g_assert(config->n_regions <= 256);
  g_assert(config->n_regions == 0 || config->region_latency != NULL);

  sim_net *net = g_new0(sim_net, 1);
  net->config = *config;
  net->n_nodes = n_nodes;
  net->nodes = g_new0(node_rec, n_nodes ? n_nodes : 1);
  net->hot = g_new(node_hot, n_nodes ? n_nodes : 1);
  net->class_index = g_hash_table_new_full(class_hash, class_equal, g_free, NULL);
  sim_net_node dflt = { 0, 0, 0, false };
  uint32_t c0 = intern_class(net, &dflt);
  for (uint32_t i = 0; i < n_nodes; i++)
    net->hot[i] = (node_hot){ c0, NO_SLOT };
  sim_rng_init(&net->delay_rng, seed, "net", 0);
  sim_rng_init(&net->loss_rng, seed, "net", 1);
  return net;
}

void
sim_net_free(sim_net *net)
{
  if (net == NULL)
    return;
  for (uint32_t i = 0; i < net->n_nat; i++)
    g_free(net->nat[i].mem);
  g_free(net->nat);
  g_hash_table_destroy(net->class_index);
  g_free(net->classes);
  g_free(net->nodes);
  g_free(net->hot);
  g_free(net->group_of);
  g_free(net);
}

void
sim_net_set_node(sim_net *net, uint32_t node, const sim_net_node *attrs)
{
  g_assert(node < net->n_nodes);
  g_assert(attrs != NULL);
  g_assert(attrs->region < (net->config.n_regions ? net->config.n_regions : 1));
  const sim_net_node *old = &net->classes[net->hot[node].cls];
  if (old->down_bps != 0)
    net->finite_down--;
  if (attrs->down_bps != 0)
    net->finite_down++;
  if (old->nat && !attrs->nat)
    nat_forget(net, node);
  net->hot[node].cls = intern_class(net, attrs);
}

void
sim_net_get_node(const sim_net *net, uint32_t node, sim_net_node *out)
{
  g_assert(node < net->n_nodes);
  *out = net->classes[net->hot[node].cls];
}

sim_net_verdict
sim_net_send(sim_net *net, uint64_t now_ns, uint32_t src, uint32_t dst,
             uint32_t size, uint64_t *arrive_ns)
{
  g_assert(src < net->n_nodes && dst < net->n_nodes);
  g_assert(arrive_ns != NULL);
  const sim_net_node *sa = &net->classes[net->hot[src].cls];
  const sim_net_node *da = &net->classes[net->hot[dst].cls];

  /* 1. upload queue, and the NAT path this send opens */
  uint64_t sent_ns = now_ns; /* last bit on the wire */
  if (sa->up_bps != 0) {
    node_rec *s = &net->nodes[src];
    uint64_t bytes = (uint64_t)size + net->config.header_bytes;
    uint64_t start = now_ns > s->up_free_ns ? now_ns : s->up_free_ns;
    s->up_free_ns = sat_add(start, sim_net_serialisation_ns(bytes, sa->up_bps));
    sent_ns = s->up_free_ns;
  }
  if (sa->nat && src != dst)
    nat_open(net, src, dst, now_ns);

  /* 2. draws, made for every send whatever its verdict */
  const sim_dist *lat = net->config.n_regions
    ? &net->config.region_latency[(size_t)sa->region * net->config.n_regions + da->region]
    : &net->config.latency;
  double delay = draw(lat, &net->delay_rng) + draw(&net->config.jitter, &net->delay_rng);
  bool lost = sim_rng_chance(&net->loss_rng, net->config.loss) != 0;

  /* 4. arrival at dst's link */
  *arrive_ns = sat_add(sent_ns, to_ns(delay));

  /* 3. verdict */
  sim_net_verdict v = SIM_NET_OK;
  if (sim_net_partitioned(net, src, dst))
    v = SIM_NET_DROP_PARTITION;
  else if (da->nat && src != dst && (sa->nat || !nat_accepts(net, dst, src, now_ns)))
    v = SIM_NET_DROP_NAT;
  else if (lost)
    v = SIM_NET_DROP_LOSS;

  net->stats.sent++;
  net->stats.sent_bytes += size;
  if (v != SIM_NET_OK) {
    net->stats.dropped[v]++;
    net->stats.dropped_bytes[v] += size;
  }
  return v;
}

uint64_t
sim_net_arrive(sim_net *net, uint64_t now_ns, uint32_t dst, uint32_t size)
{
  g_assert(dst < net->n_nodes);
  uint64_t bps = net->classes[net->hot[dst].cls].down_bps;
  net->stats.arrived++;
  net->stats.arrived_bytes += size;
  if (bps == 0)
    return now_ns;
  node_rec *d = &net->nodes[dst];
  uint64_t bytes = (uint64_t)size + net->config.header_bytes;
  uint64_t start = now_ns > d->down_free_ns ? now_ns : d->down_free_ns;
  d->down_free_ns = sat_add(start, sim_net_serialisation_ns(bytes, bps));
  return d->down_free_ns;
}

void
sim_net_drop_in_flight(sim_net *net, sim_net_verdict why, uint32_t size)
{
  g_assert(why > SIM_NET_OK && why < SIM_NET_VERDICTS);
  net->stats.dropped[why]++;
  net->stats.dropped_bytes[why] += size;
}

bool
sim_net_partitioned(const sim_net *net, uint32_t src, uint32_t dst)
{
  g_assert(src < net->n_nodes && dst < net->n_nodes);
  return net->group_of != NULL && net->group_of[src] != net->group_of[dst];
}

void
sim_net_partition(sim_net *net, const uint16_t *group_of)
{
  if (group_of == NULL) {
    g_clear_pointer(&net->group_of, g_free);
    return;
  }
  if (net->group_of == NULL)
    net->group_of = g_new(uint16_t, net->n_nodes ? net->n_nodes : 1);
  memcpy(net->group_of, group_of, (size_t)net->n_nodes * sizeof(uint16_t));
}

void
sim_net_reset_node(sim_net *net, uint32_t node)
{
  g_assert(node < net->n_nodes);
  net->nodes[node].up_free_ns = 0;
  net->nodes[node].down_free_ns = 0;
  nat_forget(net, node);
}

bool
sim_net_has_download_stage(const sim_net *net)
{
  return net->finite_down > 0;
}

size_t
sim_net_memory(const sim_net *net)
{
  size_t m = sizeof(sim_net);
  m += (size_t)net->n_nodes * (sizeof(node_rec) + sizeof(node_hot));
  m += (size_t)net->cap_classes * sizeof(sim_net_node);
  /* hash table: an owned key plus about three words of table per entry */
  m += (size_t)g_hash_table_size(net->class_index) * (sizeof(sim_net_node) + 3 * sizeof(void *));
  m += (size_t)net->cap_nat * sizeof(nat_set);
  m += net->nat_paths_cap * (sizeof(uint64_t) + sizeof(uint32_t));
  if (net->group_of != NULL)
    m += (size_t)net->n_nodes * sizeof(uint16_t);
  return m;
}

const sim_net_stats *
sim_net_get_stats(const sim_net *net)
{
  return &net->stats;
}
