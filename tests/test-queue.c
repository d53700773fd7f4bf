/*
 * test-queue.c — the event queue: order by time, ties strictly by push
 * order, cancellation (pending, popped, cancelled twice, never issued),
 * size/peek_time, memory, and 100k random operations (near, far and
 * earlier-than-popped times) against a simple reference model.
 */
#include <glib.h>
#include <sodium.h>

#include "queue.h"
#include "rng.h"

static void
test_order_by_time(void)
{
  sim_queue *q = sim_queue_new();
  static const uint64_t times[] = { 50, 10, 40, 30, 20, 0, 60, 5 };
  for (size_t i = 0; i < G_N_ELEMENTS(times); i++)
    g_assert_cmpuint(sim_queue_push(q, times[i], 7, (uint32_t)i, 100 + i), ==, i + 1);
  g_assert_cmpuint(sim_queue_size(q), ==, 8);
  g_assert_cmpuint(sim_queue_peek_time(q), ==, 0);

  static const uint64_t sorted[] = { 0, 5, 10, 20, 30, 40, 50, 60 };
  for (size_t i = 0; i < G_N_ELEMENTS(sorted); i++) {
    sim_event ev;
    g_assert_true(sim_queue_pop(q, &ev));
    g_assert_cmpuint(ev.time_ns, ==, sorted[i]);
    /* the payload travels with its event */
    g_assert_cmpuint(times[ev.node], ==, ev.time_ns);
    g_assert_cmpuint(ev.arg, ==, 100 + ev.node);
    g_assert_cmpuint(ev.seq, ==, ev.node + 1);
    g_assert_cmpuint(ev.kind, ==, 7);
  }
  sim_event ev;
  g_assert_false(sim_queue_pop(q, &ev));
  g_assert_cmpuint(sim_queue_size(q), ==, 0);
  g_assert_cmpuint(sim_queue_peek_time(q), ==, UINT64_MAX);
  sim_queue_free(q);
}

static void
test_ties_in_push_order(void)
{
  /* 3000 events on three times, pushed in a scrambled interleaving: each
   * time's events must pop in push order, whatever the heap does. */
  sim_queue *q = sim_queue_new();
  enum { N = 3000 };
  for (uint32_t i = 0; i < N; i++) {
    uint64_t t = ((i * 7919u) % 3u) * 1000u; /* 0, 1000, 2000 scrambled */
    sim_queue_push(q, t, 0, i, t);
  }
  uint64_t last_time = 0, last_seq = 0;
  uint32_t count = 0;
  sim_event ev;
  while (sim_queue_pop(q, &ev)) {
    g_assert_cmpuint(ev.time_ns, ==, ev.arg);
    g_assert_cmpuint(ev.seq, ==, ev.node + 1);
    if (ev.time_ns == last_time)
      g_assert_cmpuint(ev.seq, >, last_seq);
    else
      g_assert_cmpuint(ev.time_ns, >, last_time);
    last_time = ev.time_ns;
    last_seq = ev.seq;
    count++;
  }
  g_assert_cmpuint(count, ==, N);

  /* All at one time, pushed after the queue already holds later events. */
  for (uint32_t i = 0; i < 100; i++)
    sim_queue_push(q, 5000 + i % 2, 0, i, 0);
  for (uint32_t i = 0; i < 100; i++)
    sim_queue_push(q, 10, 0, 1000 + i, 0);
  for (uint32_t i = 0; i < 100; i++) {
    g_assert_true(sim_queue_pop(q, &ev));
    g_assert_cmpuint(ev.time_ns, ==, 10);
    g_assert_cmpuint(ev.node, ==, 1000 + i);
  }
  sim_queue_free(q);
}

static void
test_cancel(void)
{
  sim_queue *q = sim_queue_new();
  uint64_t a = sim_queue_push(q, 10, 0, 0, 0);
  uint64_t b = sim_queue_push(q, 20, 0, 1, 0);
  uint64_t c = sim_queue_push(q, 30, 0, 2, 0);
  uint64_t d = sim_queue_push(q, 5, 0, 3, 0);
  g_assert_cmpuint(sim_queue_size(q), ==, 4);

  g_assert_false(sim_queue_cancel(q, 0));     /* never issued */
  g_assert_false(sim_queue_cancel(q, d + 1)); /* not yet issued */
  g_assert_false(sim_queue_cancel(q, UINT64_MAX));

  g_assert_true(sim_queue_cancel(q, b));      /* pending */
  g_assert_false(sim_queue_cancel(q, b));     /* already cancelled */
  g_assert_cmpuint(sim_queue_size(q), ==, 3);

  /* cancelling the top: peek_time moves past it */
  g_assert_true(sim_queue_cancel(q, d));
  g_assert_cmpuint(sim_queue_size(q), ==, 2);
  g_assert_cmpuint(sim_queue_peek_time(q), ==, 10);

  sim_event ev;
  g_assert_true(sim_queue_pop(q, &ev));
  g_assert_cmpuint(ev.seq, ==, a);
  g_assert_false(sim_queue_cancel(q, a));     /* already popped */
  g_assert_cmpuint(sim_queue_size(q), ==, 1);
  g_assert_cmpuint(sim_queue_peek_time(q), ==, 30);

  g_assert_true(sim_queue_pop(q, &ev));
  g_assert_cmpuint(ev.seq, ==, c);
  g_assert_false(sim_queue_pop(q, &ev));
  g_assert_false(sim_queue_cancel(q, c));
  g_assert_cmpuint(sim_queue_size(q), ==, 0);

  /* cancel everything pending: empty */
  uint64_t e = sim_queue_push(q, 1, 0, 0, 0);
  g_assert_cmpuint(e, ==, d + 1);
  g_assert_true(sim_queue_cancel(q, e));
  g_assert_cmpuint(sim_queue_size(q), ==, 0);
  g_assert_cmpuint(sim_queue_peek_time(q), ==, UINT64_MAX);
  g_assert_false(sim_queue_pop(q, &ev));
  g_assert_false(sim_queue_cancel(q, e));
  sim_queue_free(q);
}

static void
test_cancel_many_pages(void)
{
  /* More ids than one page of done bits: cancel every third, pop the rest
   * in order; cancelling anything afterwards fails. */
  sim_queue *q = sim_queue_new();
  enum { N = 200000 };
  for (uint32_t i = 0; i < N; i++)
    sim_queue_push(q, (uint64_t)(N - i) / 4, 0, i, 0);
  size_t cancelled = 0;
  for (uint64_t id = 1; id <= N; id += 3) {
    g_assert_true(sim_queue_cancel(q, id));
    cancelled++;
  }
  g_assert_cmpuint(sim_queue_size(q), ==, N - cancelled);
  size_t mem_full = sim_queue_memory(q);

  sim_event ev, prev = { 0 };
  size_t popped = 0;
  while (sim_queue_pop(q, &ev)) {
    g_assert_cmpuint((ev.seq - 1) % 3, !=, 0);
    if (popped > 0)
      g_assert_true(prev.time_ns < ev.time_ns ||
                    (prev.time_ns == ev.time_ns && prev.seq < ev.seq));
    prev = ev;
    popped++;
  }
  g_assert_cmpuint(popped, ==, N - cancelled);
  for (uint64_t id = 1; id <= N; id += 997)
    g_assert_false(sim_queue_cancel(q, id));
  /* the done-bit pages of fully settled ids are released */
  g_assert_cmpuint(sim_queue_memory(q), <, mem_full);
  g_assert_cmpuint(sim_queue_memory(q), >=, 1024 * sizeof(sim_event));
  sim_queue_free(q);
}

/* The reference model: every id's state and time; pending ids in a list. */
typedef struct model {
  GArray *time;    /* uint64 per id (index = id) */
  GArray *state;   /* uint8 per id: 0 pending, 1 popped, 2 cancelled */
  GArray *pending; /* uint64 ids pending, unordered */
} model;

static void
test_random_against_model(void)
{
  sim_queue *q = sim_queue_new();
  model m = {
    g_array_new(FALSE, TRUE, sizeof(uint64_t)),
    g_array_new(FALSE, TRUE, sizeof(uint8_t)),
    g_array_new(FALSE, FALSE, sizeof(uint64_t)),
  };
  uint64_t zero = 0;
  uint8_t none = 1;
  g_array_append_val(m.time, zero); /* id 0 */
  g_array_append_val(m.state, none);

  sim_rng rng;
  sim_rng_init(&rng, 12345, "test-queue", 0);
  uint64_t now = 0;
  uint64_t n_push = 0, n_pop = 0, n_cancel_ok = 0, n_cancel_fail = 0, n_hint = 0,
           n_early = 0, n_after = 0, n_after_none = 0;
  for (int op = 0; op < 100000; op++) {
    uint64_t r = sim_rng_below(&rng, 100);
    uint64_t push_pct = op < 30000 ? 70 : 45;
    if (r < push_pct) {
      /* mostly times shortly after the last pop, with many ties; some far
       * ahead (high radix buckets), a few before it (the queue re-files) */
      uint64_t kind = sim_rng_below(&rng, 100);
      uint64_t t = now + sim_rng_below(&rng, 64);
      if (kind < 20)
        t = now + sim_rng_below(&rng, UINT64_C(1) << 40);
      else if (kind < 22)
        t = now - MIN(now, sim_rng_below(&rng, 1000));
      n_early += t < now;
      uint64_t id = sim_queue_push(q, t, 1, 0, t);
      g_assert_cmpuint(id, ==, m.time->len);
      uint8_t pending = 0;
      g_array_append_val(m.time, t);
      g_array_append_val(m.state, pending);
      g_array_append_val(m.pending, id);
      n_push++;
    } else if (r < 90) {
      /* pop: the model's minimum (time, id) among pending; the hint
       * sim_queue_next names a live event whenever one is pending, and
       * it is that one */
      const sim_event *hint = sim_queue_next(q);
      uint64_t hint_id = hint ? hint->seq : 0;
      g_assert_cmpint(hint != NULL, ==, m.pending->len > 0);
      if (hint)
        g_assert_cmpuint(hint_id, <, m.state->len);
      bool hint_live = hint && g_array_index(m.state, uint8_t, hint_id) == 0;
      g_assert_cmpint(hint_live, ==, hint != NULL);
      /* and sim_queue_after_next the one after it (checked below) */
      const sim_event *after = sim_queue_after_next(q, hint);
      sim_event after_ev = after ? *after : (sim_event){0};
      sim_event ev;
      bool got = sim_queue_pop(q, &ev);
      if (hint_live) {
        g_assert_true(got);
        g_assert_cmpuint(ev.seq, ==, hint_id);
        n_hint++;
      }
      g_assert_cmpint(got, ==, m.pending->len > 0);
      if (!got)
        continue;
      guint best = 0;
      for (guint k = 1; k < m.pending->len; k++) {
        uint64_t ik = g_array_index(m.pending, uint64_t, k);
        uint64_t ib = g_array_index(m.pending, uint64_t, best);
        uint64_t tk = g_array_index(m.time, uint64_t, ik);
        uint64_t tb = g_array_index(m.time, uint64_t, ib);
        if (tk < tb || (tk == tb && ik < ib))
          best = k;
      }
      uint64_t id = g_array_index(m.pending, uint64_t, best);
      g_assert_cmpuint(ev.seq, ==, id);
      g_assert_cmpuint(ev.time_ns, ==, g_array_index(m.time, uint64_t, id));
      g_assert_cmpuint(ev.arg, ==, ev.time_ns);
      g_array_remove_index_fast(m.pending, best);
      g_array_index(m.state, uint8_t, id) = 1;
      now = ev.time_ns;
      n_pop++;
      /* the live event that pops next now, if any */
      guint second = G_MAXUINT;
      for (guint k = 0; k < m.pending->len; k++) {
        uint64_t ik = g_array_index(m.pending, uint64_t, k);
        uint64_t tk = g_array_index(m.time, uint64_t, ik);
        if (second == G_MAXUINT) {
          second = k;
          continue;
        }
        uint64_t ib = g_array_index(m.pending, uint64_t, second);
        uint64_t tb = g_array_index(m.time, uint64_t, ib);
        if (tk < tb || (tk == tb && ik < ib))
          second = k;
      }
      if (after != NULL) {
        g_assert_cmpuint(after_ev.seq, <, m.state->len);
        g_assert_cmpuint(after_ev.time_ns, ==, g_array_index(m.time, uint64_t, after_ev.seq));
        g_assert_cmpuint(after_ev.seq, !=, ev.seq);
        g_assert_true(after_ev.time_ns > ev.time_ns ||
                      (after_ev.time_ns == ev.time_ns && after_ev.seq > ev.seq));
        if (g_array_index(m.state, uint8_t, after_ev.seq) == 0) {
          /* live: exactly the one that pops next */
          g_assert_cmpuint(second, !=, G_MAXUINT);
          g_assert_cmpuint(after_ev.seq, ==, g_array_index(m.pending, uint64_t, second));
          n_after++;
        } else if (second != G_MAXUINT) {
          /* cancelled: not later than the live one that pops next */
          uint64_t is = g_array_index(m.pending, uint64_t, second);
          uint64_t ts = g_array_index(m.time, uint64_t, is);
          g_assert_true(after_ev.time_ns < ts || (after_ev.time_ns == ts && after_ev.seq < is));
        }
      } else {
        n_after_none++;
      }
    } else {
      /* cancel an id drawn from everything ever issued plus a few beyond */
      uint64_t id = sim_rng_below(&rng, m.time->len + 3);
      bool expect = id < m.state->len && g_array_index(m.state, uint8_t, id) == 0;
      g_assert_cmpint(sim_queue_cancel(q, id), ==, expect);
      if (expect) {
        g_array_index(m.state, uint8_t, id) = 2;
        for (guint k = 0; k < m.pending->len; k++)
          if (g_array_index(m.pending, uint64_t, k) == id) {
            g_array_remove_index_fast(m.pending, k);
            break;
          }
        n_cancel_ok++;
      } else {
        n_cancel_fail++;
      }
    }
    g_assert_cmpuint(sim_queue_size(q), ==, m.pending->len);
    if (op % 16 == 0) {
      uint64_t min_t = UINT64_MAX;
      for (guint k = 0; k < m.pending->len; k++)
        min_t = MIN(min_t, g_array_index(m.time, uint64_t,
                                         g_array_index(m.pending, uint64_t, k)));
      g_assert_cmpuint(sim_queue_peek_time(q), ==, min_t);
    }
  }
  g_test_message("push %" G_GUINT64_FORMAT " pop %" G_GUINT64_FORMAT
                 " cancel ok %" G_GUINT64_FORMAT " failed %" G_GUINT64_FORMAT
                 " after-next named %" G_GUINT64_FORMAT " none %" G_GUINT64_FORMAT,
                 n_push, n_pop, n_cancel_ok, n_cancel_fail, n_after, n_after_none);
  /* the mix really exercised every path */
  g_assert_cmpuint(n_cancel_ok, >, 1000);
  g_assert_cmpuint(n_cancel_fail, >, 1000);
  g_assert_cmpuint(n_pop, >, 30000);
  g_assert_cmpuint(n_hint, >, n_pop / 2);
  g_assert_cmpuint(n_after, >, n_pop / 2);
  g_assert_cmpuint(n_early, >, 100);

  /* drain: what is left comes out sorted and matches the model's count */
  sim_event ev;
  uint64_t left = 0, lt = 0, ls = 0;
  while (sim_queue_pop(q, &ev)) {
    g_assert_cmpuint(g_array_index(m.state, uint8_t, ev.seq), ==, 0);
    g_assert_true(left == 0 || lt < ev.time_ns || (lt == ev.time_ns && ls < ev.seq));
    lt = ev.time_ns;
    ls = ev.seq;
    left++;
  }
  g_assert_cmpuint(left, ==, m.pending->len);
  g_array_free(m.time, TRUE);
  g_array_free(m.state, TRUE);
  g_array_free(m.pending, TRUE);
  sim_queue_free(q);
}

static void
test_memory(void)
{
  sim_queue *q = sim_queue_new();
  size_t empty = sim_queue_memory(q);
  g_assert_cmpuint(empty, >, 0);
  for (int i = 0; i < 5000; i++)
    sim_queue_push(q, (uint64_t)i, 0, 0, 0);
  /* at least the events themselves */
  g_assert_cmpuint(sim_queue_memory(q), >=, 5000 * sizeof(sim_event));
  g_assert_cmpuint(sim_queue_memory(q), <, 5000 * sizeof(sim_event) * 3);
  sim_queue_free(q);
  sim_queue_free(NULL);
}

/* An event carries an integer (sim_queue_push) or a pointer and a size
 * (sim_queue_push_ptr), and a 16-bit kind, in 32 bytes. */
static void
test_payloads(void)
{
  g_assert_cmpuint(sizeof(sim_event), ==, 32);
  sim_queue *q = sim_queue_new();
  static int cell[3];
  for (uint32_t i = 0; i < 3; i++) {
    sim_queue_push_ptr(q, 100 - i, SIM_EVENT_KINDS - 1, i, &cell[i], 1000000u + i);
    sim_queue_push(q, 100 - i, 2, i, UINT64_MAX - i);
  }
  for (uint32_t k = 0; k < 6; k++) {
    sim_event ev;
    g_assert_true(sim_queue_pop(q, &ev));
    uint32_t i = 2 - k / 2;
    g_assert_cmpuint(ev.node, ==, i);
    g_assert_cmpuint(ev.time_ns, ==, 100 - i);
    if (k % 2 == 0) { /* the pointer event was pushed first at each time */
      g_assert_cmpuint(ev.kind, ==, SIM_EVENT_KINDS - 1);
      g_assert_true(ev.ptr == &cell[i]);
      g_assert_cmpuint(ev.size, ==, 1000000u + i);
    } else {
      g_assert_cmpuint(ev.kind, ==, 2);
      g_assert_cmpuint(ev.arg, ==, UINT64_MAX - i);
      g_assert_cmpuint(ev.size, ==, 0);
    }
  }
  sim_queue_free(q);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_assert(sodium_init() >= 0);
  g_test_add_func("/queue/order-by-time", test_order_by_time);
  g_test_add_func("/queue/ties-in-push-order", test_ties_in_push_order);
  g_test_add_func("/queue/cancel", test_cancel);
  g_test_add_func("/queue/cancel-many-pages", test_cancel_many_pages);
  g_test_add_func("/queue/random-against-model", test_random_against_model);
  g_test_add_func("/queue/memory", test_memory);
  g_test_add_func("/queue/payloads", test_payloads);
  return g_test_run();
}
