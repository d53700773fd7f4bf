/*
 * trace.h — the run's trace digest.
 *
 * Every delivered message and fired timer is folded into a running
 * 256-bit state: its 24-byte record (time_ns u64, source u32, destination
 * u32, kind u32, length u32, little-endian) followed by its payload, read
 * as little-endian 64-bit words (the last one zero-padded) dealt round-robin
 * to four lanes.  Each lane is a chain of bijective steps,
 *
 *   lane = rotl64(lane + word * M2, 31) * M1
 *
 * so any change to any word, or to the order of words, changes the lane it
 * lands in from then on.  The digest is BLAKE2b-256 of the four lanes, the
 * record count and the word count.  It is a determinism check, not a
 * commitment: it need not resist someone crafting a collision, and it costs
 * about a nanosecond per 8 bytes where BLAKE2b over every byte cost half a
 * microsecond per copy of a gossip message (docs/architecture.md).
 * Same binary + scenario + seed => same digest, byte for byte, on any
 * platform.
 */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include <stdint.h>
#include <stddef.h>

typedef struct sim_trace {
  uint64_t lane[4]; /* the running state */
  uint64_t words;   /* 64-bit words folded in so far (selects the next lane) */
  uint64_t records; /* records folded in so far, count */
} sim_trace;

/* Start an empty trace in caller-owned |trace| (embedded, no free needed). */
void sim_trace_init(sim_trace *trace);

/* Fold one record into |trace|: at |time_ns|, from |src| to |dst| (node
 * handles, or owner-defined for timers), of |kind|, with |len| bytes of
 * |payload| (read, not retained).  |payload| may be NULL when |len| is 0;
 * |len| must fit in 32 bits (asserted). */
void sim_trace_add(sim_trace *trace, uint64_t time_ns, uint32_t src, uint32_t dst,
                   uint32_t kind, const uint8_t *payload, size_t len);

/* Write the lowercase hex digest (64 chars + NUL) of everything folded in
 * so far to |out|, without disturbing the running state, so records can
 * still be added afterwards. */
void sim_trace_hex(const sim_trace *trace, char out[65]);

#endif
