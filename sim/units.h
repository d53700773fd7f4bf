/*
 * units.h — numbers with units in scenario files.
 *
 *   durations  ns us ms s m min h d   ("250ms", "2h", "1.5s"; bare 0 allowed)
 *   sizes      B KB MB GB (10^3) KiB MiB GiB (2^10)          -> bytes
 *   bandwidth  bit Kbit Mbit Gbit (10^3), also bps/Kbps/Mbps/Gbps -> bit/s
 *   counts     plain integers, with optional k/M suffix ("10k" = 10000)
 *   ratios     0.25 or 25%
 */
#ifndef SIM_UNITS_H
#define SIM_UNITS_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum sim_unit {
  SIM_UNIT_NONE = 0,     /* a plain real number */
  SIM_UNIT_DURATION,     /* nanoseconds */
  SIM_UNIT_SIZE,         /* bytes */
  SIM_UNIT_BANDWIDTH,    /* bits per second */
  SIM_UNIT_COUNT,        /* non-negative integer */
  SIM_UNIT_RATIO,        /* real in [0, 1] */
} sim_unit;

/* Parse |text| (surrounding blanks allowed) as a value of |unit| into
 * |*out| (ns, bytes, bit/s, count, or ratio).  Returns false on anything
 * else: a missing or unknown unit, a negative value, overflow, trailing
 * text. */
bool sim_units_parse(const char *text, sim_unit unit, double *out);

/* Same, for values that must be exact non-negative integers (durations in
 * ns, sizes, counts): false if the value is not an integer after scaling
 * or does not fit in 64 bits. */
bool sim_units_parse_u64(const char *text, sim_unit unit, uint64_t *out);

/* Human description of the accepted form, e.g. "a duration like 250ms or
 * 2h" (static string). */
const char *sim_units_expected(sim_unit unit);

/* Format |value| of |unit| compactly ("250ms", "10Mbit", "64KiB"). */
void sim_units_format(double value, sim_unit unit, char *buf, size_t cap);

#endif
