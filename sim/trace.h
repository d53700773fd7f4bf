/*
 * trace.h — the run's trace digest.
 *
 * A running BLAKE2b-256 over every delivered message and fired timer: for
 * each, the 24-byte record (time_ns u64, source u32, destination u32,
 * kind u32, length u32) in little-endian, followed by the payload bytes.
 * Same binary + scenario + seed => same digest, byte for byte.
 */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include <stdint.h>
#include <stddef.h>
#include <sodium.h>

typedef struct sim_trace {
  crypto_generichash_state state; /* running BLAKE2b-256 (unkeyed, 32-byte output) */
  uint64_t records;               /* records folded in so far, count */
} sim_trace;

/* Start an empty trace in caller-owned |trace| (embedded, no free needed). */
void sim_trace_init(sim_trace *trace);

/* Fold one record into |trace|: at |time_ns|, from |src| to |dst| (node
 * handles, or owner-defined for timers), of |kind|, with |len| bytes of
 * |payload| (copied into the hash, not retained).  |payload| may be NULL
 * when |len| is 0; |len| must fit in 32 bits (asserted). */
void sim_trace_add(sim_trace *trace, uint64_t time_ns, uint32_t src, uint32_t dst,
                   uint32_t kind, const uint8_t *payload, size_t len);

/* Write the lowercase hex digest (64 chars + NUL) of everything folded in
 * so far to |out|, without disturbing the running state (a copy is
 * finalised), so records can still be added afterwards. */
void sim_trace_hex(const sim_trace *trace, char out[65]);

#endif
