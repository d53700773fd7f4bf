/*
 * units.h — numbers with units in scenario files.
 *
 *   durations  ns us ms s m min h d   ("250ms", "2h", "1.5s")    -> ns
 *   sizes      B KB MB GB TB (10^3), KiB MiB GiB TiB (2^10); kB = KB -> bytes
 *   bandwidth  bit Kbit Mbit Gbit (10^3), also bps Kbps Mbps Gbps,
 *              kbit kbps                                      -> bit/s
 *   counts     plain integers, with optional k/M suffix ("10k" = 10000,
 *              "1.5k" = 1500); no exponent, no fraction without k or M
 *   ratios     0.25 or 25%, within [0, 1]
 *   none       a plain number ("0.4")
 *
 * Strict form: blanks, a decimal number (digits, optional fraction
 * ".digits", optional exponent "e[+-]digits"; no sign, no leading ".", no
 * hex, inf or nan), optional blanks, the unit, blanks.  Units are
 * case-sensitive.  Durations, sizes and bandwidths need a unit, except the
 * bare number "0".  Counts take integer syntax only ("1e2" and "100.0" are
 * refused).  Negative values are rejected in every class.
 * Integer-valued results are computed exactly ("0.3ms" = 300000 ns,
 * "1.5KiB" = 1536 B), others in double precision; parsing never depends
 * on the locale.
 */
#ifndef SIM_UNITS_H
#define SIM_UNITS_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum sim_unit {
  SIM_UNIT_NONE = 0,     /* a plain non-negative real number */
  SIM_UNIT_DURATION,     /* nanoseconds */
  SIM_UNIT_SIZE,         /* bytes */
  SIM_UNIT_BANDWIDTH,    /* bits per second */
  SIM_UNIT_COUNT,        /* non-negative integer */
  SIM_UNIT_RATIO,        /* real in [0, 1] */
} sim_unit;

/* Parse |text| (NUL-terminated, surrounding blanks allowed) as a value of
 * |unit| into |*out| (ns, bytes, bit/s, count, or ratio).  Returns false,
 * leaving |*out| untouched, on anything else: a missing or unknown unit, a
 * malformed or negative number, trailing text, a count that is not an
 * integer or not written as one (an exponent, a fraction without k or M),
 * a ratio above 1, a duration or size not below 2^64, or any
 * overflow to infinity.  A duration may be fractional ("0.5ns" = 0.5). */
bool sim_units_parse(const char *text, sim_unit unit, double *out);

/* Same, for values that must be exact non-negative integers (durations in
 * ns, sizes, bandwidths, counts): false if the value is not an integer
 * after scaling ("0.5ns", "0.1KiB") or does not fit in 64 bits.  Exact up
 * to UINT64_MAX ("18446744073709551615ns"). */
bool sim_units_parse_u64(const char *text, sim_unit unit, uint64_t *out);

/* Human description of the accepted form of |unit|, e.g. "a duration like
 * 250ms, 1.5s or 2h (...)".  Returns a static string. */
const char *sim_units_expected(sim_unit unit);

/* Format |value| of |unit| into |buf| (|cap| bytes, truncated, always
 * NUL-terminated): the shortest text, over the class's units, that
 * sim_units_parse reads back to exactly |value| ("250ms", "1.5s", "2h",
 * "10Mbit", "64KiB", "10k", "0.25"); 0 is "0".  Values that cannot parse
 * back (negative, non-finite, too large) are written as %.17g in the base
 * unit.  32 bytes are always enough. */
void sim_units_format(double value, sim_unit unit, char *buf, size_t cap);

#endif
