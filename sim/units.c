/*
 * units.c — numbers with units in scenario files.
 *
 * How it works.  A value is `number [blanks] unit`, with blanks allowed
 * around it.  The number is strict decimal: digits, optionally a point and
 * more digits, optionally an exponent (`1e3`, `2.5E-1`); no sign, no
 * leading point, no hex, no inf/nan.  The unit must be one of the class's
 * table below, case-sensitive; durations, sizes and bandwidths need a unit
 * except for the bare number `0`.  Counts are written as integers: no
 * exponent, and a fraction only before a `k` or `M` (`1.5k`), so that
 * `1e2` or `100.0` for a number of nodes is refused as the slip it is.
 *
 * Each unit is an exact scale num * 10^shift (num an integer, shift <= 0
 * only for `%`).  The number is also read as an exact decimal mantissa and
 * power of ten, so integer-valued results ("0.3ms" = 300000 ns, "1.5KiB" =
 * 1536 B) are computed exactly in 64-bit integers, without binary rounding.
 * Values that are not integers after scaling ("0.1KiB", "0.25") are
 * computed in double precision from g_ascii_strtod (locale-independent).
 */
#include "units.h"

#include <math.h>
#include <string.h>
#include <glib.h>

typedef struct unit_scale {
  const char *name; /* unit text as written, "" for none */
  uint64_t num;     /* integer multiplier to the base unit */
  int shift;        /* then times 10^shift (only -2, for %) */
  bool canonical;   /* used by sim_units_format */
} unit_scale;

static const unit_scale duration_units[] = {
  { "d", UINT64_C(86400000000000), 0, true },
  { "h", UINT64_C(3600000000000), 0, true },
  { "min", UINT64_C(60000000000), 0, true },
  { "m", UINT64_C(60000000000), 0, false },
  { "s", UINT64_C(1000000000), 0, true },
  { "ms", UINT64_C(1000000), 0, true },
  { "us", UINT64_C(1000), 0, true },
  { "ns", 1, 0, true },
  { NULL, 0, 0, false },
};

static const unit_scale size_units[] = {
  { "TiB", UINT64_C(1) << 40, 0, true },
  { "TB", UINT64_C(1000000000000), 0, true },
  { "GiB", UINT64_C(1) << 30, 0, true },
  { "GB", UINT64_C(1000000000), 0, true },
  { "MiB", UINT64_C(1) << 20, 0, true },
  { "MB", UINT64_C(1000000), 0, true },
  { "KiB", UINT64_C(1) << 10, 0, true },
  { "KB", 1000, 0, true },
  { "kB", 1000, 0, false },
  { "B", 1, 0, true },
  { NULL, 0, 0, false },
};

static const unit_scale bandwidth_units[] = {
  { "Gbit", UINT64_C(1000000000), 0, true },
  { "Gbps", UINT64_C(1000000000), 0, false },
  { "Mbit", UINT64_C(1000000), 0, true },
  { "Mbps", UINT64_C(1000000), 0, false },
  { "Kbit", 1000, 0, true },
  { "Kbps", 1000, 0, false },
  { "kbit", 1000, 0, false },
  { "kbps", 1000, 0, false },
  { "bit", 1, 0, true },
  { "bps", 1, 0, false },
  { NULL, 0, 0, false },
};

static const unit_scale count_units[] = {
  { "", 1, 0, true },
  { "k", 1000, 0, true },
  { "M", 1000000, 0, true },
  { NULL, 0, 0, false },
};

static const unit_scale ratio_units[] = {
  { "", 1, 0, true },
  { "%", 1, -2, false },
  { NULL, 0, 0, false },
};

static const unit_scale none_units[] = {
  { "", 1, 0, true },
  { NULL, 0, 0, false },
};

/* 2^64 as a double: integer-valued classes must stay below it. */
#define TWO_POW_64 18446744073709551616.0

static const unit_scale *
unit_table(sim_unit unit)
{
  switch (unit) {
  case SIM_UNIT_NONE: return none_units;
  case SIM_UNIT_DURATION: return duration_units;
  case SIM_UNIT_SIZE: return size_units;
  case SIM_UNIT_BANDWIDTH: return bandwidth_units;
  case SIM_UNIT_COUNT: return count_units;
  case SIM_UNIT_RATIO: return ratio_units;
  }
  g_assert_not_reached();
  return NULL;
}

static bool
unit_required(sim_unit unit)
{
  return unit == SIM_UNIT_DURATION || unit == SIM_UNIT_SIZE || unit == SIM_UNIT_BANDWIDTH;
}

static bool
is_blank(char c)
{
  return c == ' ' || c == '\t';
}

/* A parsed value before it becomes a double or an integer. */
typedef struct parsed {
  double value;        /* the scaled value, double precision */
  bool is_integer;     /* |integer| holds the exact scaled value */
  uint64_t integer;    /* exact scaled value when |is_integer| */
} parsed;

/* Exact m * num * 10^e as a u64, if it is an integer that fits.  Returns
 * false when it is not an integer, does not fit, or the intermediate
 * product overflows (only for inputs with ~19 significant digits). */
static bool
exact_scale(uint64_t m, int e, uint64_t num, uint64_t *out)
{
  if (m == 0 || num == 0) {
    *out = 0;
    return true;
  }
  while (e < 0 && m % 10 == 0) {
    m /= 10;
    e++;
  }
  while (e < 0 && num % 10 == 0) {
    num /= 10;
    e++;
  }
  uint64_t p;
  if (__builtin_mul_overflow(m, num, &p))
    return false;
  while (e > 0) {
    if (__builtin_mul_overflow(p, (uint64_t)10, &p))
      return false;
    e--;
  }
  while (e < 0) {
    if (p % 10 != 0)
      return false;
    p /= 10;
    e++;
  }
  *out = p;
  return true;
}

/* The whole parse; false on any malformed, out-of-range input. */
static bool
parse_value(const char *text, sim_unit unit, parsed *out)
{
  g_assert(text != NULL);
  const unit_scale *table = unit_table(unit);
  const char *p = text;

  while (is_blank(*p))
    p++;

  /* number: [0-9]+ ('.' [0-9]+)? ([eE] [+-]? [0-9]+)? */
  const char *num_start = p;
  uint64_t mant = 0;
  int exp10 = 0;
  bool mant_exact = true;
  int digits = 0;
  bool full = false; /* the mantissa took all the digits it can */
  bool has_frac = false, has_exp = false;
  while (g_ascii_isdigit(*p)) {
    int d = *p - '0';
    if (full || mant > (UINT64_MAX - (uint64_t)d) / 10) {
      full = true;
      mant_exact = false;
      if (exp10 < 100000)
        exp10++;
    } else {
      mant = mant * 10 + (uint64_t)d;
    }
    p++;
    digits++;
  }
  if (digits == 0)
    return false;
  if (*p == '.') {
    p++;
    has_frac = true;
    int frac = 0;
    while (g_ascii_isdigit(*p)) {
      int d = *p - '0';
      if (full || mant > (UINT64_MAX - (uint64_t)d) / 10) {
        full = true;
        if (d != 0)
          mant_exact = false;
      } else {
        mant = mant * 10 + (uint64_t)d;
        exp10--;
      }
      p++;
      frac++;
    }
    if (frac == 0)
      return false;
  }
  if (*p == 'e' || *p == 'E') {
    p++;
    has_exp = true;
    int sign = 1;
    if (*p == '+' || *p == '-') {
      sign = *p == '-' ? -1 : 1;
      p++;
    }
    int ed = 0;
    long e = 0;
    while (g_ascii_isdigit(*p)) {
      if (e < 100000)
        e = e * 10 + (*p - '0');
      p++;
      ed++;
    }
    if (ed == 0)
      return false;
    exp10 += (int)(sign * e);
  }
  size_t num_len = (size_t)(p - num_start);

  /* blanks, then the unit, then trailing blanks only */
  while (is_blank(*p))
    p++;
  const char *unit_start = p;
  while (*p && !is_blank(*p))
    p++;
  size_t unit_len = (size_t)(p - unit_start);
  while (is_blank(*p))
    p++;
  if (*p != '\0')
    return false;

  const unit_scale *scale = NULL;
  if (unit_len == 0 && unit_required(unit)) {
    if (!(num_len == 1 && num_start[0] == '0'))
      return false;
    out->value = 0.0;
    out->is_integer = true;
    out->integer = 0;
    return true;
  }
  for (const unit_scale *u = table; u->name; u++) {
    if (strlen(u->name) == unit_len && memcmp(u->name, unit_start, unit_len) == 0) {
      scale = u;
      break;
    }
  }
  if (!scale)
    return false;
  if (unit == SIM_UNIT_COUNT && (has_exp || (has_frac && scale->name[0] == '\0')))
    return false; /* integer syntax: 500, 10k, 1.5k; not 1e2 or 100.0 */

  /* exact integer path */
  uint64_t integer;
  if (mant_exact && exp10 > -400 && exp10 < 400 &&
      exact_scale(mant, exp10 + scale->shift, scale->num, &integer)) {
    out->value = (double)integer;
    out->is_integer = true;
    out->integer = integer;
    return true;
  }

  /* double path */
  char buf[64];
  if (num_len >= sizeof buf)
    return false;
  memcpy(buf, num_start, num_len);
  buf[num_len] = '\0';
  double v = g_ascii_strtod(buf, NULL);
  if (!isfinite(v))
    return false;
  v *= (double)scale->num;
  for (int i = 0; i > scale->shift; i--)
    v /= 10.0;
  if (!isfinite(v) || v < 0.0)
    return false;
  out->value = v;
  out->is_integer = false;
  out->integer = 0;
  return true;
}

bool
sim_units_parse(const char *text, sim_unit unit, double *out)
{
  parsed pv;
  if (!parse_value(text, unit, &pv))
    return false;
  switch (unit) {
  case SIM_UNIT_DURATION:
  case SIM_UNIT_SIZE:
    if (!(pv.value < TWO_POW_64))
      return false;
    break;
  case SIM_UNIT_COUNT:
    if (!pv.is_integer)
      return false;
    break;
  case SIM_UNIT_RATIO:
    if (!(pv.value <= 1.0))
      return false;
    break;
  case SIM_UNIT_NONE:
  case SIM_UNIT_BANDWIDTH:
    break;
  }
  *out = pv.value;
  return true;
}

bool
sim_units_parse_u64(const char *text, sim_unit unit, uint64_t *out)
{
  parsed pv;
  if (!parse_value(text, unit, &pv) || !pv.is_integer)
    return false;
  if (unit == SIM_UNIT_RATIO && pv.integer > 1)
    return false;
  *out = pv.integer;
  return true;
}

const char *
sim_units_expected(sim_unit unit)
{
  switch (unit) {
  case SIM_UNIT_NONE:
    return "a non-negative number like 0.4 or 2.5e3";
  case SIM_UNIT_DURATION:
    return "a duration like 250ms, 1.5s or 2h (units ns us ms s m min h d; "
           "a bare number only for 0)";
  case SIM_UNIT_SIZE:
    return "a size like 1500B, 64KiB or 10MB (units B KB MB GB TB KiB MiB GiB TiB; "
           "a bare number only for 0)";
  case SIM_UNIT_BANDWIDTH:
    return "a bandwidth like 10Mbit or 1.5Gbps (units bit Kbit Mbit Gbit, "
           "bps Kbps Mbps Gbps; a bare number only for 0)";
  case SIM_UNIT_COUNT:
    return "a non-negative integer like 500, 10k or 2M";
  case SIM_UNIT_RATIO:
    return "a ratio in [0, 1] like 0.25 or 25%";
  }
  g_assert_not_reached();
  return NULL;
}

/* Shortest "%.<p>g" text of |x| (over all precisions, fewest digits on a
 * tie) whose parse with |suffix| as |unit| gives back exactly |value|, into
 * |buf|.  False if none does. */
static bool
shortest_candidate(double x, const char *suffix, sim_unit unit, double value,
                   char *buf, size_t cap)
{
  size_t best_len = SIZE_MAX;
  for (int prec = 1; prec <= 17; prec++) {
    char fmt[8];
    char num[G_ASCII_DTOSTR_BUF_SIZE];
    char cand[64];
    g_snprintf(fmt, sizeof fmt, "%%.%dg", prec);
    g_ascii_formatd(num, sizeof num, fmt, x);
    g_snprintf(cand, sizeof cand, "%s%s", num, suffix);
    double back;
    if (strlen(cand) < best_len && sim_units_parse(cand, unit, &back) && back == value) {
      best_len = strlen(cand);
      g_strlcpy(buf, cand, cap);
    }
  }
  return best_len != SIZE_MAX;
}

void
sim_units_format(double value, sim_unit unit, char *buf, size_t cap)
{
  g_assert(buf != NULL && cap > 0);
  const unit_scale *table = unit_table(unit);
  char best[64] = "";
  size_t best_len = SIZE_MAX;

  if (value == 0.0) {
    g_strlcpy(buf, "0", cap);
    return;
  }
  for (const unit_scale *u = table; u->name; u++) {
    if (!u->canonical)
      continue;
    double x = value / (double)u->num;
    bool smallest = (u->num == 1 && u->shift == 0);
    /* below one of a unit, use a smaller one (the last unit takes all) */
    if (x < 1.0 && !smallest)
      continue;
    char cand[64];
    if (shortest_candidate(x, u->name, unit, value, cand, sizeof cand)) {
      size_t len = strlen(cand);
      if (len < best_len) {
        best_len = len;
        g_strlcpy(best, cand, sizeof best);
      }
    }
  }
  if (best_len == SIZE_MAX) {
    /* Outside the parseable domain (negative, non-finite, too large):
     * plain %.17g in the base unit, which will not parse back. */
    char num[G_ASCII_DTOSTR_BUF_SIZE];
    const char *base = "";
    for (const unit_scale *u = table; u->name; u++)
      if (u->canonical && u->num == 1 && u->shift == 0)
        base = u->name;
    g_ascii_formatd(num, sizeof num, "%.17g", value);
    g_snprintf(best, sizeof best, "%s%s", num, base);
  }
  g_strlcpy(buf, best, cap);
}
