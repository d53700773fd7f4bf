/* kad_truth.c — see kad_truth.h. */
#include "kad_truth.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "kad.h"

struct sim_kad_truth {
  uint32_t n;            /* members */
  uint32_t *order;       /* handles sorted by id, n */
  uint32_t *top;         /* first 32 bits of the id at each position (big-endian), n:
                            the trie splits of the top levels read this compact
                            array instead of fetching ids */
  uint32_t *pos_of;      /* handle -> position + 1 (0: not a member), n_pos */
  uint32_t n_pos;        /* entries of pos_of: largest member handle + 1 */
  uint32_t *fenwick;     /* live counts, 1-based Fenwick tree over positions, n + 1 */
  uint32_t live;         /* live members */
  sim_kad_id_fn id_of;   /* ids of handles */
  void *user_data;       /* for id_of */
};

static inline const uint8_t *
id_at(const sim_kad_truth *t, uint32_t pos)
{
  return t->id_of(t->order[pos], t->user_data);
}

static inline unsigned
bit_of(const uint8_t *id, unsigned b)
{
  return (id[b >> 3] >> (7 - (b & 7))) & 1u;
}

/* qsort has no user data: the sort goes through a pair array. */
typedef struct sort_item {
  const uint8_t *id;
  uint32_t h;
} sort_item;

static int
cmp_item(const void *a, const void *b)
{
  const sort_item *x = a, *y = b;
  int c = memcmp(x->id, y->id, PL_ID_BYTES);
  if (c)
    return c;
  return x->h < y->h ? -1 : x->h > y->h;
}

sim_kad_truth *
sim_kad_truth_new(const uint32_t *handles, uint32_t n, sim_kad_id_fn id_of, void *user_data)
{
  g_assert(id_of != NULL);
  sim_kad_truth *t = g_new0(sim_kad_truth, 1);
  t->n = n;
  t->id_of = id_of;
  t->user_data = user_data;
  sort_item *items = g_new(sort_item, n ? n : 1);
  uint32_t max_h = 0;
  for (uint32_t i = 0; i < n; i++) {
    items[i].h = handles[i];
    items[i].id = id_of(handles[i], user_data);
    g_assert(items[i].id != NULL);
    if (handles[i] > max_h)
      max_h = handles[i];
  }
  qsort(items, n, sizeof *items, cmp_item);
  t->order = g_new(uint32_t, n ? n : 1);
  t->top = g_new(uint32_t, n ? n : 1);
  t->n_pos = n ? max_h + 1 : 0;
  t->pos_of = g_new0(uint32_t, t->n_pos ? t->n_pos : 1);
  for (uint32_t i = 0; i < n; i++) {
    t->order[i] = items[i].h;
    const uint8_t *id = items[i].id;
    t->top[i] = ((uint32_t)id[0] << 24) | ((uint32_t)id[1] << 16) | ((uint32_t)id[2] << 8) | id[3];
    g_assert(t->pos_of[items[i].h] == 0); /* distinct handles */
    t->pos_of[items[i].h] = i + 1;
  }
  g_free(items);
  t->fenwick = g_new0(uint32_t, (size_t)n + 1);
  return t;
}

void
sim_kad_truth_free(sim_kad_truth *t)
{
  if (!t)
    return;
  g_free(t->order);
  g_free(t->top);
  g_free(t->pos_of);
  g_free(t->fenwick);
  g_free(t);
}

uint32_t
sim_kad_truth_count(const sim_kad_truth *t)
{
  return t->n;
}

uint32_t
sim_kad_truth_live_count(const sim_kad_truth *t)
{
  return t->live;
}

static void
fenwick_add(sim_kad_truth *t, uint32_t pos, int delta)
{
  for (uint32_t i = pos + 1; i <= t->n; i += i & (~i + 1))
    t->fenwick[i] = (uint32_t)((int64_t)t->fenwick[i] + delta);
}

/* Live members at positions [0, pos). */
static uint32_t
fenwick_prefix(const sim_kad_truth *t, uint32_t pos)
{
  uint32_t s = 0;
  for (uint32_t i = pos; i > 0; i -= i & (~i + 1))
    s += t->fenwick[i];
  return s;
}

static uint32_t
live_in(const sim_kad_truth *t, uint32_t lo, uint32_t hi)
{
  if (hi <= lo)
    return 0;
  if (t->live == t->n) /* everyone is live (a static network): no tree walk */
    return hi - lo;
  return fenwick_prefix(t, hi) - fenwick_prefix(t, lo);
}

static uint32_t
position(const sim_kad_truth *t, uint32_t h)
{
  return h < t->n_pos ? t->pos_of[h] : 0;
}

bool
sim_kad_truth_set_live(sim_kad_truth *t, uint32_t h, bool live)
{
  uint32_t p = position(t, h);
  if (!p)
    return false;
  bool was = live_in(t, p - 1, p) != 0;
  if (was != live) {
    fenwick_add(t, p - 1, live ? 1 : -1);
    t->live = live ? t->live + 1 : t->live - 1;
  }
  return true;
}

bool
sim_kad_truth_is_live(const sim_kad_truth *t, uint32_t h)
{
  uint32_t p = position(t, h);
  return p && live_in(t, p - 1, p) != 0;
}

/* First position in [lo, hi) whose id has bit |b| set, given that every
 * id in the range shares bits 0..b-1 (so the range is sorted by bit b). */
static uint32_t
split_at_bit(const sim_kad_truth *t, uint32_t lo, uint32_t hi, unsigned b)
{
  if (b < 32) {
    uint32_t mask = 0x80000000u >> b;
    while (lo < hi) {
      uint32_t mid = lo + (hi - lo) / 2;
      if (t->top[mid] & mask)
        hi = mid;
      else
        lo = mid + 1;
    }
    return lo;
  }
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (bit_of(id_at(t, mid), b))
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

uint32_t
sim_kad_truth_closest(const sim_kad_truth *t, const uint8_t key[PL_ID_BYTES])
{
  return sim_kad_truth_closest_except(t, key, PL_PEER_NONE);
}

uint32_t
sim_kad_truth_closest_except(const sim_kad_truth *t, const uint8_t key[PL_ID_BYTES],
                             uint32_t except)
{
  /* |except| counts as not live: one less live member in any range
   * holding its position (none if it is not a live member) */
  uint32_t xp = position(t, except);
  uint32_t xpos = xp && live_in(t, xp - 1, xp) ? xp - 1 : UINT32_MAX;
  if (t->live == (xpos != UINT32_MAX ? 1u : 0u))
    return PL_PEER_NONE;
#define LIVE(lo_, hi_) (live_in(t, lo_, hi_) - (xpos >= (lo_) && xpos < (hi_) ? 1u : 0u))
  uint32_t lo = 0, hi = t->n;
  for (unsigned b = 0; b < 8 * PL_ID_BYTES && hi - lo > 1; b++) {
    uint32_t mid = split_at_bit(t, lo, hi, b);
    uint32_t want_lo = bit_of(key, b) ? mid : lo, want_hi = bit_of(key, b) ? hi : mid;
    if (LIVE(want_lo, want_hi)) {
      lo = want_lo;
      hi = want_hi;
    } else {
      lo = bit_of(key, b) ? lo : mid;
      hi = bit_of(key, b) ? mid : hi;
    }
  }
  /* One position left, or equal ids (impossible for distinct keys) : the
   * first live one. */
  for (uint32_t p = lo; p < hi; p++)
    if (LIVE(p, p + 1))
      return t->order[p];
#undef LIVE
  return PL_PEER_NONE;
}

/* First position whose id compares >= |key| on the first |bits| bits
 * (|upper|: > instead of >=). */
static uint32_t
bound(const sim_kad_truth *t, const uint8_t *key, unsigned bits, bool upper)
{
  uint32_t lo = 0, hi = t->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    unsigned common = pl_kad_common_prefix(id_at(t, mid), key);
    int c; /* id vs key on the first |bits| bits */
    if (common >= bits)
      c = 0;
    else
      c = bit_of(id_at(t, mid), common) ? 1 : -1;
    if (c < 0 || (upper && c == 0))
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

uint32_t
sim_kad_truth_prefix_range(const sim_kad_truth *t, const uint8_t key[PL_ID_BYTES],
                           unsigned bits, uint32_t *lo, uint32_t *hi)
{
  g_assert(bits <= 8 * PL_ID_BYTES);
  *lo = bound(t, key, bits, false);
  *hi = bound(t, key, bits, true);
  return *hi - *lo;
}

uint32_t
sim_kad_truth_split(const sim_kad_truth *t, uint32_t lo, uint32_t hi, unsigned bit)
{
  g_assert(lo <= hi && hi <= t->n && bit < 8 * PL_ID_BYTES);
  return split_at_bit(t, lo, hi, bit);
}

uint32_t
sim_kad_truth_at(const sim_kad_truth *t, uint32_t pos)
{
  g_assert(pos < t->n);
  return t->order[pos];
}

size_t
sim_kad_truth_memory(const sim_kad_truth *t)
{
  if (!t)
    return 0;
  return sizeof *t + (size_t)t->n * sizeof(uint32_t) * 3 + sizeof(uint32_t) +
         (size_t)t->n_pos * sizeof(uint32_t);
}
