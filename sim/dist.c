/*
 * dist.c — probability distributions as written in scenario files.
 *
 * Grammar (blanks allowed around every token):
 *   dist  := value | name '(' value [',' value] ')'
 *   name  := constant | uniform | normal | lognormal | pareto | exponential
 * Names are lowercase and case-sensitive.  Values are parsed by units.h in
 * the distribution's unit class, except the dimensionless second parameter
 * of lognormal (sigma) and pareto (alpha), which is a plain number.
 *
 * Sampling draws from the caller's stream with a fixed number of
 * sim_rng_next calls per family (constant 0, uniform 1, exponential 1,
 * pareto 1, normal 2, lognormal 2), so a stream's sequence depends only on
 * how many samples were taken.  Results are clamped at 0: only the normal
 * can go below 0 with valid parameters, so the "normal" is a normal
 * censored at 0 (negative draws become exactly 0), and sim_dist_mean
 * reports the mean of that censored distribution.
 */
#include "dist.h"

#include <math.h>
#include <string.h>

typedef struct family {
  const char *name;     /* as written */
  sim_dist_kind kind;   /* which family */
  int n_args;           /* 1 or 2 */
  bool second_plain;    /* second argument is dimensionless (SIM_UNIT_NONE) */
  const char *expected; /* the accepted form, for error messages */
} family;

static const family families[] = {
  { "constant", SIM_DIST_CONSTANT, 1, false, "constant(value)" },
  { "uniform", SIM_DIST_UNIFORM, 2, false, "uniform(lower, upper) with lower <= upper" },
  { "normal", SIM_DIST_NORMAL, 2, false, "normal(mean, sd) with sd >= 0" },
  { "lognormal", SIM_DIST_LOGNORMAL, 2, true,
    "lognormal(median, sigma) with median > 0 and sigma >= 0 a plain number" },
  { "pareto", SIM_DIST_PARETO, 2, true,
    "pareto(scale, alpha) with scale > 0 and alpha > 0 a plain number" },
  { "exponential", SIM_DIST_EXPONENTIAL, 1, false, "exponential(mean) with mean > 0" },
};

static const char expected_general[] =
  "a distribution: a value, constant(v), uniform(lower, upper), normal(mean, sd), "
  "lognormal(median, sigma), pareto(scale, alpha) or exponential(mean)";

static bool
is_blank(char c)
{
  return c == ' ' || c == '\t';
}

static bool
fail(const char **error_expected, const char *what)
{
  if (error_expected)
    *error_expected = what;
  return false;
}

/* Parse the argument text [start, end) with units.h as |unit|. */
static bool
parse_arg(const char *start, const char *end, sim_unit unit, double *out)
{
  char buf[128];
  size_t len = (size_t)(end - start);
  if (len >= sizeof buf)
    return false;
  memcpy(buf, start, len);
  buf[len] = '\0';
  return sim_units_parse(buf, unit, out);
}

bool
sim_dist_parse(const char *text, sim_unit unit, sim_dist *out,
               const char **error_expected)
{
  g_assert(text != NULL);
  g_assert(out != NULL);
  const char *p = text;
  while (is_blank(*p))
    p++;

  const char *open = strchr(p, '(');
  if (!open) {
    /* a bare value: constant */
    double v;
    if (!sim_units_parse(p, unit, &v))
      return fail(error_expected, *p && g_ascii_islower(*p) ? expected_general
                                                            : sim_units_expected(unit));
    out->kind = SIM_DIST_CONSTANT;
    out->a = v;
    out->b = 0.0;
    return true;
  }

  /* name, then blanks up to '(' */
  const char *name_end = p;
  while (name_end < open && g_ascii_islower(*name_end))
    name_end++;
  size_t name_len = (size_t)(name_end - p);
  for (const char *q = name_end; q < open; q++)
    if (!is_blank(*q))
      return fail(error_expected, expected_general);
  const family *fam = NULL;
  for (size_t i = 0; i < G_N_ELEMENTS(families); i++) {
    if (strlen(families[i].name) == name_len && memcmp(families[i].name, p, name_len) == 0) {
      fam = &families[i];
      break;
    }
  }
  if (!fam)
    return fail(error_expected, expected_general);

  /* ')' closes, only blanks after it */
  const char *close = strchr(open + 1, ')');
  if (!close)
    return fail(error_expected, fam->expected);
  for (const char *q = close + 1; *q; q++)
    if (!is_blank(*q))
      return fail(error_expected, fam->expected);
  if (memchr(open + 1, '(', (size_t)(close - open - 1)))
    return fail(error_expected, fam->expected);

  /* split at commas */
  double args[2] = { 0.0, 0.0 };
  int n = 0;
  const char *arg = open + 1;
  for (;;) {
    const char *comma = memchr(arg, ',', (size_t)(close - arg));
    const char *arg_end = comma ? comma : close;
    if (n >= fam->n_args)
      return fail(error_expected, fam->expected);
    sim_unit arg_unit = (n == 1 && fam->second_plain) ? SIM_UNIT_NONE : unit;
    if (!parse_arg(arg, arg_end, arg_unit, &args[n])) {
      /* an empty or negative argument is the family's form that is
       * broken, not the unit: say what the family takes */
      const char *q = arg;
      while (q < arg_end && is_blank(*q))
        q++;
      return fail(error_expected,
                  q == arg_end || *q == '-' ? fam->expected : sim_units_expected(arg_unit));
    }
    n++;
    if (!comma)
      break;
    arg = comma + 1;
  }
  if (n != fam->n_args)
    return fail(error_expected, fam->expected);

  double a = args[0], b = args[1];
  bool ok = true;
  switch (fam->kind) {
  case SIM_DIST_CONSTANT: ok = a >= 0.0; break;
  case SIM_DIST_UNIFORM: ok = a >= 0.0 && a <= b; break;
  case SIM_DIST_NORMAL: ok = b >= 0.0; break;
  case SIM_DIST_LOGNORMAL: ok = a > 0.0 && b >= 0.0; break;
  case SIM_DIST_PARETO: ok = a > 0.0 && b > 0.0; break;
  case SIM_DIST_EXPONENTIAL: ok = a > 0.0; break;
  }
  if (!ok)
    return fail(error_expected, fam->expected);
  out->kind = fam->kind;
  out->a = a;
  out->b = fam->n_args == 2 ? b : 0.0;
  return true;
}

double
sim_dist_sample(const sim_dist *dist, sim_rng *rng)
{
  g_assert(dist != NULL);
  double v = 0.0;
  switch (dist->kind) {
  case SIM_DIST_CONSTANT:
    v = dist->a;
    break;
  case SIM_DIST_UNIFORM:
    v = dist->a + (dist->b - dist->a) * sim_rng_uniform(rng);
    break;
  case SIM_DIST_NORMAL:
    v = dist->a + dist->b * sim_rng_normal(rng);
    break;
  case SIM_DIST_LOGNORMAL:
    v = dist->a * exp(dist->b * sim_rng_normal(rng));
    break;
  case SIM_DIST_PARETO: {
    double u = 1.0 - sim_rng_uniform(rng); /* (0, 1] */
    v = dist->a / pow(u, 1.0 / dist->b);
    break;
  }
  case SIM_DIST_EXPONENTIAL:
    v = sim_rng_exponential(rng, dist->a);
    break;
  default:
    g_assert_not_reached();
  }
  return v >= 0.0 ? v : 0.0; /* also maps a NaN to 0 */
}

double
sim_dist_mean(const sim_dist *dist)
{
  g_assert(dist != NULL);
  double a = dist->a, b = dist->b;
  switch (dist->kind) {
  case SIM_DIST_CONSTANT:
    return a;
  case SIM_DIST_UNIFORM:
    return (a + b) / 2.0;
  case SIM_DIST_NORMAL: {
    /* E[max(0, X)], X ~ N(a, b^2): a * Phi(a/b) + b * phi(a/b). */
    if (b <= 0.0)
      return a > 0.0 ? a : 0.0;
    double z = a / b;
    double cdf = 0.5 * erfc(-z / G_SQRT2);
    double pdf = exp(-0.5 * z * z) / sqrt(2.0 * G_PI);
    return a * cdf + b * pdf;
  }
  case SIM_DIST_LOGNORMAL:
    return a * exp(0.5 * b * b);
  case SIM_DIST_PARETO:
    return b <= 1.0 ? INFINITY : a * b / (b - 1.0);
  case SIM_DIST_EXPONENTIAL:
    return a;
  }
  g_assert_not_reached();
  return 0.0;
}

void
sim_dist_format(const sim_dist *dist, sim_unit unit, char *buf, size_t cap)
{
  g_assert(dist != NULL);
  g_assert(buf != NULL && cap > 0);
  const family *fam = NULL;
  for (size_t i = 0; i < G_N_ELEMENTS(families); i++)
    if (families[i].kind == dist->kind)
      fam = &families[i];
  g_assert(fam != NULL);

  char a[64], b[64];
  sim_units_format(dist->a, unit, a, sizeof a);
  if (fam->n_args == 1) {
    g_snprintf(buf, cap, "%s(%s)", fam->name, a);
    return;
  }
  sim_units_format(dist->b, fam->second_plain ? SIM_UNIT_NONE : unit, b, sizeof b);
  g_snprintf(buf, cap, "%s(%s, %s)", fam->name, a, b);
}
