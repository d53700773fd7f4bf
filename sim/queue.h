/*
 * queue.h — the event queue, totally ordered by (time, sequence).  The
 * sequence number is the order of scheduling, so two events at the same
 * virtual time always pop in the order they were pushed, whatever the
 * queue's internals.  Cancellation is lazy: a cancelled event stays queued
 * and is skipped when it comes up.
 *
 * Events are stored by value in growable arrays (no allocation per event).
 * It is a radix heap (queue.c): push is O(1), pop amortised O(bits of the
 * time span) and in practice a few appends per event; cancel is O(1).  It
 * is fastest when, as in an event loop, nothing is pushed earlier than the
 * last event popped; an earlier push is still correct but costs O(n).
 */
#ifndef SIM_QUEUE_H
#define SIM_QUEUE_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

/* 32 bytes, two to a cache line: the queue moves events by value, and at
 * a million nodes it holds tens of millions of them. */
typedef struct sim_event {
  uint64_t time_ns;      /* virtual time at which it fires, ns */
  uint64_t seq : 48;     /* scheduling order, from 1; unique; also the event's id */
  uint64_t kind : 16;    /* what it is (owner-defined, < SIM_EVENT_KINDS) */
  uint32_t node;         /* node handle it concerns, or UINT32_MAX */
  uint32_t size;         /* owner-defined, with |ptr| (sim_queue_push_ptr), else 0 */
  union {
    uint64_t arg;        /* owner-defined integer (sim_queue_push: timer id, event index) */
    void *ptr;           /* owner-defined pointer (sim_queue_push_ptr: a message) */
  };
} sim_event;

#define SIM_EVENT_KINDS 65536u          /* kinds fit in 16 bits */
#define SIM_EVENT_IDS (UINT64_C(1) << 48) /* ids (seq) stay below */

typedef struct sim_queue sim_queue;

/* A new, empty queue.  Returns: the queue, owned by the caller (free with
 * sim_queue_free).  Never NULL (aborts on out-of-memory like GLib). */
sim_queue *sim_queue_new(void);

/* Free |q| (NULL is a no-op).  Pointers in events still queued, live or
 * cancelled, are not freed: drain with sim_queue_pop first if they own
 * memory, and free what cancelled events own when cancelling them. */
void sim_queue_free(sim_queue *q);

/* Schedule an event at |time_ns| carrying |kind|, |node| and the integer
 * |arg| (size 0).  Returns its id: its sequence number, 1 for the first
 * push, then 2, 3, ... in push order (at most SIM_EVENT_IDS - 1 pushes per
 * queue).  Any time is accepted, including one earlier than events
 * already popped (the caller keeps time monotone). */
uint64_t sim_queue_push(sim_queue *q, uint64_t time_ns, uint32_t kind,
                        uint32_t node, uint64_t arg);

/* The same, carrying the pointer |ptr| (stored as is, never dereferenced)
 * and |size| instead of an integer; which of the two an event carries is
 * the owner's to know from its kind. */
uint64_t sim_queue_push_ptr(sim_queue *q, uint64_t time_ns, uint32_t kind,
                            uint32_t node, void *ptr, uint32_t size);

/* Cancel event |id| if it is still pending.  Returns true if it was
 * pending (it will never pop and no longer counts in sim_queue_size);
 * false if |id| was already popped, already cancelled, or never issued
 * (0 or beyond the last push).  The queue never dereferences the event's
 * ptr: whatever it owns is the caller's to free, before or after
 * cancelling. */
bool sim_queue_cancel(sim_queue *q, uint64_t id);

/* Pop the earliest live event (smallest (time_ns, seq)) into |*out|.
 * Returns false, leaving |*out| untouched, when no live event is left. */
bool sim_queue_pop(sim_queue *q, sim_event *out);

/* The event that sim_queue_pop would return next (a live one: cancelled
 * events it meets are dropped), or NULL when none is left.  For
 * prefetching: the pointer is valid until the next push, pop or cancel.
 * It may do part of the next pop's work (finding the earliest event), but
 * never changes what pops when. */
const sim_event *sim_queue_next(sim_queue *q);

/* The event that would pop after |next| (what sim_queue_next just
 * returned, with no push, pop or cancel since) if nothing were pushed or
 * cancelled meanwhile (it may itself be a cancelled one), or NULL when
 * there is none or finding it would take a scan of more than 4 events.
 * For prefetching one event further ahead: same validity and guarantees
 * as sim_queue_next. */
const sim_event *sim_queue_after_next(sim_queue *q, const sim_event *next);

/* Time of the earliest live event, or UINT64_MAX when there is none.
 * Not const: it discards cancelled events that reached the top. */
uint64_t sim_queue_peek_time(sim_queue *q);

/* Live events pending (pushed, neither popped nor cancelled). */
size_t sim_queue_size(const sim_queue *q);

/* Bytes of memory held by |q|: the event array (by capacity), the
 * bookkeeping of pending ids, and the struct itself. */
size_t sim_queue_memory(const sim_queue *q);

#endif
