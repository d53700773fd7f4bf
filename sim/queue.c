/*
 * queue.c — the event queue.
 *
 * How it works.  Events live by value in one growable array arranged as a
 * 4-ary min-heap on the key (time_ns, seq): the children of slot i are
 * 4i+1 .. 4i+4.  A 4-ary heap is half as deep as a binary one and its four
 * children share a cache line or two, which suits a pop-heavy queue.  Sifts
 * move a hole instead of swapping.  No event is ever allocated on its own.
 *
 * Every id (= seq, issued from 1 in push order) has one "done" bit, set
 * when the event is popped or cancelled.  The bits live in pages of 2^16
 * ids; a page is allocated when its first id is issued and freed as soon
 * as all of its ids are done, so memory follows the ids still pending, not
 * the ids ever issued (at worst one bit per id between the oldest pending
 * event and the newest).  With the bits:
 *   - cancel is O(1): an id is pending iff it was issued and its bit is
 *     clear; cancelling sets the bit and leaves the event in the heap;
 *   - pop skips (and discards) heap tops whose bit is already set: they
 *     were cancelled;
 *   - cancelling a popped, cancelled or never-issued id returns false.
 * A counter of cancelled-but-still-in-heap events gives the live size.
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

struct sim_queue {
  sim_event *heap;         /* 4-ary min-heap on (time_ns, seq), |len| used */
  size_t len;              /* events in the heap, live or cancelled */
  size_t cap;              /* allocated slots in |heap| */
  size_t n_cancelled;      /* cancelled events still in the heap */
  uint64_t next_seq;       /* id of the next push; ids start at 1 */
  done_page **pages;       /* page p covers ids [p * PAGE_IDS, (p+1) * PAGE_IDS); NULL once retired */
  size_t n_pages;          /* pages issued so far (entries of |pages| in use) */
  size_t pages_cap;        /* allocated entries of |pages| */
  size_t live_pages;       /* pages allocated and not yet retired */
};

static inline bool
before(const sim_event *a, const sim_event *b)
{
  return a->time_ns < b->time_ns || (a->time_ns == b->time_ns && a->seq < b->seq);
}

sim_queue *
sim_queue_new(void)
{
  sim_queue *q = g_new0(sim_queue, 1);
  q->next_seq = 1;
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
  g_free(q->heap);
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

uint64_t
sim_queue_push(sim_queue *q, uint64_t time_ns, uint32_t kind, uint32_t node,
               uint64_t arg, void *ptr)
{
  g_assert(q != NULL);
  g_assert(q->next_seq < UINT64_MAX);
  uint64_t id = q->next_seq++;
  issue_page(q, id);

  if (q->len == q->cap) {
    q->cap = q->cap ? 2 * q->cap : 1024;
    q->heap = g_renew(sim_event, q->heap, q->cap);
  }
  sim_event ev = { .time_ns = time_ns, .seq = id, .kind = kind, .node = node,
                   .arg = arg, .ptr = ptr };
  /* sift up: move parents down into the hole until ev fits */
  size_t i = q->len++;
  while (i > 0) {
    size_t parent = (i - 1) / 4;
    if (!before(&ev, &q->heap[parent]))
      break;
    q->heap[i] = q->heap[parent];
    i = parent;
  }
  q->heap[i] = ev;
  return id;
}

/* Remove the heap top (len > 0) into |out|. */
static void
remove_top(sim_queue *q, sim_event *out)
{
  sim_event *h = q->heap;
  *out = h[0];
  size_t n = --q->len;
  if (n == 0)
    return;
  sim_event last = h[n];
  /* sift down: move the smallest child up into the hole until last fits */
  size_t i = 0;
  for (;;) {
    size_t c = 4 * i + 1;
    if (c >= n)
      break;
    size_t best = c;
    size_t end = c + 4 < n ? c + 4 : n;
    for (size_t k = c + 1; k < end; k++)
      if (before(&h[k], &h[best]))
        best = k;
    if (!before(&h[best], &last))
      break;
    h[i] = h[best];
    i = best;
  }
  h[i] = last;
}

/* Drop cancelled events from the heap top. */
static void
skip_cancelled(sim_queue *q)
{
  while (q->n_cancelled > 0 && q->len > 0 && is_done(q, q->heap[0].seq)) {
    sim_event dead;
    remove_top(q, &dead);
    q->n_cancelled--;
  }
}

bool
sim_queue_cancel(sim_queue *q, uint64_t id)
{
  g_assert(q != NULL);
  if (id == 0 || id >= q->next_seq || is_done(q, id))
    return false;
  mark_done(q, id);
  q->n_cancelled++;
  return true;
}

bool
sim_queue_pop(sim_queue *q, sim_event *out)
{
  g_assert(q != NULL && out != NULL);
  skip_cancelled(q);
  if (q->len == 0)
    return false;
  remove_top(q, out);
  mark_done(q, out->seq);
  return true;
}

const sim_event *
sim_queue_next(const sim_queue *q)
{
  g_assert(q != NULL);
  return q->len ? &q->heap[0] : NULL;
}

uint64_t
sim_queue_peek_time(sim_queue *q)
{
  g_assert(q != NULL);
  skip_cancelled(q);
  return q->len ? q->heap[0].time_ns : UINT64_MAX;
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
  return sizeof *q + q->cap * sizeof(sim_event) + q->pages_cap * sizeof(done_page *) +
         q->live_pages * sizeof(done_page);
}
