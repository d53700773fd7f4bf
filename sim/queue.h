/*
 * queue.h — the event queue: a binary heap totally ordered by
 * (time, sequence).  The sequence number is the order of scheduling, so two
 * events at the same virtual time always pop in the order they were pushed,
 * whatever the heap's internals.  Cancellation is lazy: a cancelled event
 * stays in the heap and is skipped when it reaches the top.
 */
#ifndef SIM_QUEUE_H
#define SIM_QUEUE_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct sim_event {
  uint64_t time_ns;  /* virtual time at which it fires */
  uint64_t seq;      /* scheduling order; unique; also the event's id */
  uint32_t kind;     /* what it is (owner-defined) */
  uint32_t node;     /* node handle it concerns, or UINT32_MAX */
  uint64_t arg;      /* owner-defined integer (timer id, event index) */
  void *ptr;         /* owner-defined pointer (a message), owned by the owner */
} sim_event;

typedef struct sim_queue sim_queue;

sim_queue *sim_queue_new(void);
/* Free the queue.  Pointers in events still queued are not freed: drain
 * with sim_queue_pop first if they own memory. */
void sim_queue_free(sim_queue *q);

/* Schedule an event; returns its id (its sequence number, from 1). */
uint64_t sim_queue_push(sim_queue *q, uint64_t time_ns, uint32_t kind,
                        uint32_t node, uint64_t arg, void *ptr);

/* Cancel event |id| if still pending.  Returns true if it was pending.
 * Its |ptr| is handed back by sim_queue_pop_cancelled-free semantics: the
 * owner must free what it owns before or after cancelling (the queue never
 * dereferences ptr). */
bool sim_queue_cancel(sim_queue *q, uint64_t id);

/* Pop the earliest live event into |out|.  Returns false when empty. */
bool sim_queue_pop(sim_queue *q, sim_event *out);

/* Time of the earliest live event, or UINT64_MAX when empty. */
uint64_t sim_queue_peek_time(sim_queue *q);

/* Live events pending, and bytes of memory held. */
size_t sim_queue_size(const sim_queue *q);
size_t sim_queue_memory(const sim_queue *q);

#endif
