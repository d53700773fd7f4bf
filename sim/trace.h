/*
 * trace.h — the run's trace digest.
 *
 * A running BLAKE2b-256 over every delivered message and fired timer: for
 * each, the record (time_ns u64, source u32, destination u32, kind u32,
 * length u32) in little-endian, followed by the payload bytes.  Same
 * binary + scenario + seed => same digest, byte for byte.
 */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include <stdint.h>
#include <stddef.h>
#include <sodium.h>

typedef struct sim_trace {
  crypto_generichash_state state; /* running BLAKE2b-256 */
  uint64_t records;               /* records folded in so far */
} sim_trace;

void sim_trace_init(sim_trace *trace);
/* Fold one record in.  |payload| may be NULL when |len| is 0. */
void sim_trace_add(sim_trace *trace, uint64_t time_ns, uint32_t src, uint32_t dst,
                   uint32_t kind, const uint8_t *payload, size_t len);
/* Hex digest (64 chars + NUL) of everything so far, without disturbing the
 * running state. */
void sim_trace_hex(const sim_trace *trace, char out[65]);

#endif
