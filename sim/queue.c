/*
 * queue.c — the event queue.
 *
 * How it works.  A radix heap over the event times.  It relies on what a
 * discrete-event loop guarantees anyway: nothing is scheduled before the
 * last event popped.  The queue keeps |base|, the time of the last
 * refill (never above any queued time), and files each event by value in
 * bucket b = the bit length of (time_ns XOR base): bucket 0 holds the
 * events at exactly |base|, bucket b >= 1 those whose highest bit that
 * differs from |base| is bit b - 1.  Every time in bucket b is below every
 * time in bucket b + 1, so the earliest event is at the front of bucket 0
 * or, when bucket 0 is empty, somewhere in the lowest non-empty bucket.
 * A refill scans that bucket for its earliest time, makes it the new
 * |base| and re-files the bucket's events, which all land in lower buckets
 * (those at the new base in bucket 0).  An event is re-filed at most 64
 * times and usually a few; pushes and re-filing are appends and scans of
 * contiguous arrays, which suits the cache far better than a heap's
 * sift paths over a large array.
 *
 * Ties.  Events at equal times keep push order (= seq order) inside every
 * bucket: a push appends and has the largest seq so far, and re-filing a
 * bucket is a stable pass into buckets that are empty at that moment.
 * Equal times always share a bucket, so bucket 0, read from the front,
 * yields them by seq.  Hence the order is exactly (time_ns, seq).
 *
 * A push earlier than |base| (allowed by the API, never done by the
 * engine) re-files every queued event against the new, lower base, in
 * bucket order and stably, which keeps the tie order: O(n), once.
 *
 * The refill's scan is what sim_queue_next needs to name the next event
 * without changing |base|, so that scan is done there and remembered
 * (hint_bucket, hint_index) for the refill, until a push lands at or below
 * the hinted bucket or an event is cancelled.
 *
 * Every id (= seq, issued from 1 in push order) has one "done" bit, set
 * when the event is popped or cancelled.  The bits live in pages of 2^16
 * ids; a page is allocated when its first id is issued and freed as soon
 * as all of its ids are done, so memory follows the ids still pending, not
 * the ids ever issued (at worst one bit per id between the oldest pending
 * event and the newest).  With the bits:
 *   - cancel is O(1): an id is pending iff it was issued and its bit is
 *     clear; cancelling sets the bit and leaves the event in its bucket;
 *   - refills and pops skip (and discard) events whose bit is already
 *     set: they were cancelled;
 *   - cancelling a popped, cancelled or never-issued id returns false.
 * A counter of cancelled-but-still-queued events gives the live size.
 */
#include "queue.h"

#include <string.h>
#include <glib.h>

#define PAGE_SHIFT 16
#define PAGE_IDS (UINT64_C(1) << PAGE_SHIFT)
#define PAGE_WORDS (PAGE_IDS / 64)

typedef struct done_page {
  uint64_t bits[PAGE_WORDS]; /* bit (id % PAGE_IDS): popped or cancelled */
  uint32_t n_done;           /* bits set, ids; the page is freed at PAGE_IDS */
} done_page;

#define N_BUCKETS 65        /* bucket 0, and one per bit position of a 64-bit time */
#define BUCKET_MIN_CAP 64   /* events allocated when a bucket is first used */
#define BUCKET_KEEP 1024    /* an emptied bucket keeps at most this many events' room */
#define NO_HINT UINT32_MAX
#define AFTER_NEXT_SCAN 4  /* sim_queue_after_next scans buckets of at most this many events */

typedef struct bucket {
  sim_event *ev;           /* events by value, in push / re-file order; |len| used */
  size_t len;              /* events held (bucket 0: including the |head0| already popped) */
  size_t cap;              /* allocated events */
} bucket;

G_STATIC_ASSERT(sizeof(sim_event) == 32);

struct sim_queue {
  bucket b[N_BUCKETS];     /* b[i]: events whose time XOR base has bit length i */
  size_t head0;            /* events at the front of b[0] already popped or skipped */
  uint64_t base;           /* every queued time_ns is >= base; b[0] holds time == base, ns */
  uint64_t nonempty;       /* bit i - 1 set iff b[i] (i >= 1) holds events */
  uint32_t hint_bucket;    /* bucket whose earliest live event is known, NO_HINT if none */
  size_t hint_index;       /* that event's index in b[hint_bucket] */
  size_t len;              /* events queued, live or cancelled (b[0] counted from head0) */
  size_t n_cancelled;      /* cancelled events still queued */
  uint64_t next_seq;       /* id of the next push; ids start at 1 */
  done_page **pages;       /* page p covers ids [p * PAGE_IDS, (p+1) * PAGE_IDS); NULL once retired */
  size_t n_pages;          /* pages issued so far (entries of |pages| in use) */
  size_t pages_cap;        /* allocated entries of |pages| */
  size_t live_pages;       /* pages allocated and not yet retired */
};

sim_queue *
sim_queue_new(void)
{
  sim_queue *q = g_new0(sim_queue, 1);
  q->next_seq = 1;
  q->hint_bucket = NO_HINT;
  return q;
}

void
sim_queue_free(sim_queue *q)
{
  if (!q)
    return;
  for (size_t i = 0; i < q->n_pages; i++)
    g_free(q->pages[i]);
  g_free(q->pages);
  for (int i = 0; i < N_BUCKETS; i++)
    g_free(q->b[i].ev);
  g_free(q);
}

/* Make sure the page holding |id| exists (called as ids are issued). */
static void
issue_page(sim_queue *q, uint64_t id)
{
  size_t p = (size_t)(id >> PAGE_SHIFT);
  if (p < q->n_pages)
    return;
  g_assert(p == q->n_pages);
  if (q->n_pages == q->pages_cap) {
    q->pages_cap = q->pages_cap ? 2 * q->pages_cap : 16;
    q->pages = g_renew(done_page *, q->pages, q->pages_cap);
  }
  done_page *page = g_new0(done_page, 1);
  q->pages[q->n_pages++] = page;
  q->live_pages++;
  if (p == 0) {
    /* id 0 is never issued: count it as done so the page can retire */
    page->bits[0] = 1;
    page->n_done = 1;
  }
}

/* Is |id| (issued) done?  Retired pages are all done. */
static inline bool
is_done(const sim_queue *q, uint64_t id)
{
  const done_page *page = q->pages[id >> PAGE_SHIFT];
  if (!page)
    return true;
  uint64_t bit = id & (PAGE_IDS - 1);
  return (page->bits[bit / 64] >> (bit % 64)) & 1;
}

/* Mark issued, not-done |id| as done; retire its page when full. */
static inline void
mark_done(sim_queue *q, uint64_t id)
{
  size_t p = (size_t)(id >> PAGE_SHIFT);
  done_page *page = q->pages[p];
  uint64_t bit = id & (PAGE_IDS - 1);
  g_assert(page != NULL);
  page->bits[bit / 64] |= UINT64_C(1) << (bit % 64);
  if (++page->n_done == PAGE_IDS) {
    g_free(page);
    q->pages[p] = NULL;
    q->live_pages--;
  }
}

/* The bucket of time |t| (>= base) against |base|. */
static inline unsigned
bucket_of(uint64_t base, uint64_t t)
{
  uint64_t x = t ^ base;
  return x ? 64u - (unsigned)__builtin_clzll(x) : 0u;
}

/* Append |ev| to bucket |i|. */
static inline void
bucket_append(sim_queue *q, unsigned i, const sim_event *ev)
{
  bucket *bk = &q->b[i];
  if (bk->len == bk->cap) {
    bk->cap = bk->cap ? 2 * bk->cap : BUCKET_MIN_CAP;
    bk->ev = g_renew(sim_event, bk->ev, bk->cap);
  }
  bk->ev[bk->len++] = *ev;
  if (i > 0)
    q->nonempty |= UINT64_C(1) << (i - 1);
}

/* A push earlier than |base|: re-file everything against |t|.  Buckets
 * are drained in order into a scratch list and filed back stably, so
 * equal times (which share a bucket) keep their order. */
static void
rebase(sim_queue *q, uint64_t t)
{
  g_assert(t < q->base);
  sim_event *all = g_new(sim_event, q->len ? q->len : 1);
  size_t n = 0;
  for (unsigned i = 0; i < N_BUCKETS; i++) {
    bucket *bk = &q->b[i];
    size_t from = i == 0 ? q->head0 : 0;
    for (size_t k = from; k < bk->len; k++)
      all[n++] = bk->ev[k];
    bk->len = 0;
  }
  g_assert(n == q->len);
  q->head0 = 0;
  q->nonempty = 0;
  q->hint_bucket = NO_HINT;
  q->base = t;
  for (size_t k = 0; k < n; k++)
    bucket_append(q, bucket_of(t, all[k].time_ns), &all[k]);
  g_free(all);
}

static uint64_t
push(sim_queue *q, sim_event *ev)
{
  g_assert(q != NULL);
  g_assert(q->next_seq < SIM_EVENT_IDS);
  uint64_t id = q->next_seq++;
  issue_page(q, id);
  ev->seq = id;
  uint64_t time_ns = ev->time_ns;
  if (G_UNLIKELY(time_ns < q->base))
    rebase(q, time_ns);
  unsigned i = bucket_of(q->base, time_ns);
  if (q->hint_bucket != NO_HINT && i <= q->hint_bucket) {
    if (i < q->hint_bucket)
      q->hint_bucket = NO_HINT; /* the new event comes first */
    else if (time_ns < q->b[i].ev[q->hint_index].time_ns)
      q->hint_index = q->b[i].len; /* equal time: the hinted one, pushed first, stays */
  }
  bucket_append(q, i, ev);
  q->len++;
  return id;
}

uint64_t
sim_queue_push(sim_queue *q, uint64_t time_ns, uint32_t kind, uint32_t node, uint64_t arg)
{
  g_assert(kind < SIM_EVENT_KINDS);
  sim_event ev = {.time_ns = time_ns, .kind = kind, .node = node, .size = 0, .arg = arg};
  return push(q, &ev);
}

uint64_t
sim_queue_push_ptr(sim_queue *q, uint64_t time_ns, uint32_t kind, uint32_t node, void *ptr,
                   uint32_t size)
{
  g_assert(kind < SIM_EVENT_KINDS);
  sim_event ev = {.time_ns = time_ns, .kind = kind, .node = node, .size = size, .ptr = ptr};
  return push(q, &ev);
}

/* Bucket |i| was just emptied: give back room beyond BUCKET_KEEP.  Each
 * bucket would otherwise keep the room of its own peak, and the peaks of
 * the buckets add up to several times the events ever queued at once. */
static inline void
bucket_emptied(sim_queue *q, unsigned i)
{
  bucket *bk = &q->b[i];
  bk->len = 0;
  if (bk->cap > BUCKET_KEEP) {
    bk->cap = BUCKET_KEEP;
    bk->ev = g_renew(sim_event, bk->ev, bk->cap);
  }
}

/* Drop cancelled events from the front of bucket 0. */
static inline void
skip_front_cancelled(sim_queue *q)
{
  bucket *b0 = &q->b[0];
  while (q->n_cancelled > 0 && q->head0 < b0->len && is_done(q, b0->ev[q->head0].seq)) {
    q->head0++;
    q->len--;
    q->n_cancelled--;
  }
}

/* Find the earliest live event of the lowest non-empty bucket above 0,
 * discarding that bucket's cancelled events, and remember it as the hint.
 * Returns false (no hint) when no live event is left above bucket 0. */
/* Index of the earliest event of bucket |bk| other than |skip|
 * (SIZE_MAX: none), the first of equal times. */
static inline size_t
earliest_except(const bucket *bk, size_t skip)
{
  size_t best = skip == 0 ? 1 : 0;
  if (best >= bk->len)
    return SIZE_MAX;
  for (size_t k = best + 1; k < bk->len; k++)
    if (bk->ev[k].time_ns < bk->ev[best].time_ns && k != skip)
      best = k;
  return best;
}

static bool
find_hint(sim_queue *q)
{
  if (q->hint_bucket != NO_HINT)
    return true;
  while (q->nonempty) {
    unsigned i = (unsigned)__builtin_ctzll(q->nonempty) + 1;
    bucket *bk = &q->b[i];
    size_t keep = bk->len;
    if (q->n_cancelled > 0) {
      /* compact out the cancelled events, stably */
      keep = 0;
      for (size_t k = 0; k < bk->len; k++) {
        if (is_done(q, bk->ev[k].seq)) {
          q->len--;
          q->n_cancelled--;
          continue;
        }
        if (keep != k)
          bk->ev[keep] = bk->ev[k];
        keep++;
      }
      bk->len = keep;
    }
    if (keep == 0) {
      q->nonempty &= ~(UINT64_C(1) << (i - 1));
      bucket_emptied(q, i);
      continue;
    }
    q->hint_bucket = i;
    q->hint_index = earliest_except(bk, SIZE_MAX);
    return true;
  }
  return false;
}

/* Make the front of bucket 0 the earliest live event, if any is left:
 * skip cancelled ones; when bucket 0 runs dry, move the base to the
 * earliest time of the lowest non-empty bucket and re-file that bucket.
 * Returns false when no live event is left. */
static bool
refill(sim_queue *q)
{
  skip_front_cancelled(q);
  bucket *b0 = &q->b[0];
  if (q->head0 < b0->len)
    return true;
  bucket_emptied(q, 0);
  q->head0 = 0;
  if (!find_hint(q))
    return false;
  unsigned i = q->hint_bucket;
  bucket *bk = &q->b[i];
  uint64_t base = bk->ev[q->hint_index].time_ns;
  q->base = base;
  q->hint_bucket = NO_HINT;
  q->nonempty &= ~(UINT64_C(1) << (i - 1));
  for (size_t k = 0; k < bk->len; k++) {
    const sim_event *ev = &bk->ev[k];
    unsigned j = bucket_of(base, ev->time_ns);
    g_assert(j < i);
    bucket_append(q, j, ev);
  }
  bucket_emptied(q, i);
  return true;
}

bool
sim_queue_cancel(sim_queue *q, uint64_t id)
{
  g_assert(q != NULL);
  if (id == 0 || id >= q->next_seq || is_done(q, id))
    return false;
  mark_done(q, id);
  q->n_cancelled++;
  q->hint_bucket = NO_HINT; /* it may have been the hinted event */
  return true;
}

bool
sim_queue_pop(sim_queue *q, sim_event *out)
{
  g_assert(q != NULL && out != NULL);
  if (!refill(q))
    return false;
  *out = q->b[0].ev[q->head0++];
  q->len--;
  mark_done(q, out->seq);
  return true;
}

const sim_event *
sim_queue_next(sim_queue *q)
{
  g_assert(q != NULL);
  skip_front_cancelled(q);
  const bucket *b0 = &q->b[0];
  if (q->head0 < b0->len)
    return &b0->ev[q->head0];
  if (!find_hint(q))
    return NULL;
  return &q->b[q->hint_bucket].ev[q->hint_index];
}

const sim_event *
sim_queue_after_next(sim_queue *q, const sim_event *next)
{
  g_assert(q != NULL);
  if (next == NULL)
    return NULL;
  const bucket *b0 = &q->b[0];
  if (q->head0 < b0->len) {
    g_assert(next == &b0->ev[q->head0]);
    /* the next event is bucket 0's front: then its neighbour, else the
     * earliest above bucket 0 */
    if (q->head0 + 1 < b0->len)
      return &b0->ev[q->head0 + 1];
    return find_hint(q) ? &q->b[q->hint_bucket].ev[q->hint_index] : NULL;
  }
  /* the next event is the hinted one: the earliest other event of its
   * bucket, else of the lowest non-empty bucket above it (every time
   * there is later than every time in the hinted bucket) */
  unsigned i = q->hint_bucket;
  g_assert(i != NO_HINT && next == &q->b[i].ev[q->hint_index]);
  if (q->b[i].len > AFTER_NEXT_SCAN)
    return NULL; /* not worth a long scan for a prefetch */
  size_t k = earliest_except(&q->b[i], q->hint_index);
  if (k != SIZE_MAX)
    return &q->b[i].ev[k];
  uint64_t above = q->nonempty & ~((UINT64_C(2) << (i - 1)) - 1); /* buckets > i */
  if (above == 0)
    return NULL;
  unsigned j = (unsigned)__builtin_ctzll(above) + 1;
  if (q->b[j].len > AFTER_NEXT_SCAN)
    return NULL;
  k = earliest_except(&q->b[j], SIZE_MAX);
  return k != SIZE_MAX ? &q->b[j].ev[k] : NULL;
}

uint64_t
sim_queue_peek_time(sim_queue *q)
{
  g_assert(q != NULL);
  return refill(q) ? q->base : UINT64_MAX;
}

size_t
sim_queue_size(const sim_queue *q)
{
  g_assert(q != NULL);
  return q->len - q->n_cancelled;
}

size_t
sim_queue_memory(const sim_queue *q)
{
  g_assert(q != NULL);
  size_t events = 0;
  for (int i = 0; i < N_BUCKETS; i++)
    events += q->b[i].cap;
  return sizeof *q + events * sizeof(sim_event) + q->pages_cap * sizeof(done_page *) +
         q->live_pages * sizeof(done_page);
}
