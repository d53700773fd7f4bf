/* expect.c — see expect.h. */
#include "expect.h"

#include <errno.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#define FORM "METRIC[.STAT] OP NUMBER, OP one of < <= > >= == !="

static bool
is_name_char(char c)
{
  return g_ascii_isalnum(c) || c == '_' || c == '-';
}

static const char *
skip_space(const char *p)
{
  while (g_ascii_isspace(*p))
    p++;
  return p;
}

bool
sim_expect_parse(const char *label, const char *expr, sim_expect *out,
                 const char **why)
{
  g_assert(expr != NULL && out != NULL && why != NULL);
  memset(out, 0, sizeof *out);

  const char *p = skip_space(expr);
  if (*p == '\0') {
    *why = "an expectation " FORM " (it is empty)";
    return false;
  }

  /* METRIC[.STAT]: segments of name characters separated by single dots */
  const char *name_start = p;
  for (;;) {
    if (!is_name_char(*p) || *p == '-') {
      *why = "a metric name made of [A-Za-z0-9_-] segments (each starting with "
             "[A-Za-z0-9_]) separated by single dots, "
             "in " FORM;
      return false;
    }
    while (is_name_char(*p))
      p++;
    if (*p != '.')
      break;
    p++;
  }
  const char *name_end = p;

  p = skip_space(p);
  sim_expect_op op;
  if (p[0] == '<' && p[1] == '=') { op = SIM_OP_LE; p += 2; }
  else if (p[0] == '>' && p[1] == '=') { op = SIM_OP_GE; p += 2; }
  else if (p[0] == '=' && p[1] == '=') { op = SIM_OP_EQ; p += 2; }
  else if (p[0] == '!' && p[1] == '=') { op = SIM_OP_NE; p += 2; }
  else if (p[0] == '<') { op = SIM_OP_LT; p += 1; }
  else if (p[0] == '>') { op = SIM_OP_GT; p += 1; }
  else {
    *why = "a comparison (< <= > >= == !=) after the metric, in " FORM;
    return false;
  }

  p = skip_space(p);
  if (*p == '\0') {
    *why = "a number after the comparison, in " FORM;
    return false;
  }
  char *end = NULL;
  errno = 0;
  double value = g_ascii_strtod(p, &end);
  if (end == p || !isfinite(value) || errno == ERANGE) {
    *why = "a finite number (e.g. 400, -1.5, 2e-3) after the comparison, in " FORM;
    return false;
  }
  p = skip_space(end);
  if (*p != '\0') {
    *why = "nothing after the number, in " FORM;
    return false;
  }

  out->label = g_strdup(label);
  out->expr = g_strdup(expr);
  out->name = g_strndup(name_start, (gsize)(name_end - name_start));
  out->op = op;
  out->value = value;
  out->stat = SIM_STAT_DEFAULT;
  char *dot = strrchr(out->name, '.');
  sim_stat stat;
  if (dot && sim_stat_parse(dot + 1, &stat)) {
    out->metric = g_strndup(out->name, (gsize)(dot - out->name));
    out->stat = stat;
  } else {
    out->metric = g_strdup(out->name);
  }
  return true;
}

void
sim_expect_clear(sim_expect *e)
{
  if (!e)
    return;
  g_free(e->label);
  g_free(e->expr);
  g_free(e->name);
  g_free(e->metric);
  memset(e, 0, sizeof *e);
}

const char *
sim_expect_op_name(sim_expect_op op)
{
  switch (op) {
  case SIM_OP_LT: return "<";
  case SIM_OP_LE: return "<=";
  case SIM_OP_GT: return ">";
  case SIM_OP_GE: return ">=";
  case SIM_OP_EQ: return "==";
  case SIM_OP_NE: return "!=";
  }
  g_assert_not_reached();
}

int
sim_expect_resolve(const sim_expect *e, const sim_metrics *metrics,
                   const char **metric, sim_stat *stat)
{
  g_assert(e != NULL && e->name != NULL && metrics != NULL);
  g_assert(metric != NULL && stat != NULL);
  const char *name = e->metric;
  sim_stat s = e->stat;
  int id = -1;
  if (s != SIM_STAT_DEFAULT) {
    /* an exact metric name wins over a stat suffix */
    id = sim_metrics_lookup(metrics, e->name);
    if (id >= 0) {
      name = e->name;
      s = SIM_STAT_DEFAULT;
    }
  }
  if (id < 0)
    id = sim_metrics_lookup(metrics, name);
  if (id >= 0 && s == SIM_STAT_DEFAULT)
    s = sim_stat_natural(sim_metrics_kind(metrics, (uint32_t)id));
  *metric = name;
  *stat = s;
  return id;
}

/* Statistics that exist over no observations: how many there were, and
 * their sum. */
static bool
defined_when_empty(sim_stat stat)
{
  return stat == SIM_STAT_COUNT || stat == SIM_STAT_SUM;
}

sim_expect_status
sim_expect_check(const sim_expect *e, const sim_metrics *metrics, double *observed)
{
  const char *name;
  sim_stat stat;
  int id = sim_expect_resolve(e, metrics, &name, &stat);
  if (observed)
    *observed = NAN;
  if (id < 0)
    return SIM_EXPECT_NO_METRIC;
  sim_summary sum;
  sim_metrics_summary(metrics, (uint32_t)id, &sum);
  if (sum.count == 0 && !defined_when_empty(stat))
    return SIM_EXPECT_NO_DATA;
  double v = sim_metrics_stat(metrics, name, stat);
  if (observed)
    *observed = v;
  bool held;
  switch (e->op) {
  case SIM_OP_LT: held = v < e->value; break;
  case SIM_OP_LE: held = v <= e->value; break;
  case SIM_OP_GT: held = v > e->value; break;
  case SIM_OP_GE: held = v >= e->value; break;
  case SIM_OP_EQ: held = v == e->value; break;
  case SIM_OP_NE: held = v != e->value; break;
  default: g_assert_not_reached();
  }
  return held ? SIM_EXPECT_HELD : SIM_EXPECT_FAILED;
}

const char *
sim_expect_status_why(sim_expect_status status)
{
  switch (status) {
  case SIM_EXPECT_NO_METRIC: return "no such metric";
  case SIM_EXPECT_NO_DATA: return "no observations";
  default: return NULL;
  }
}

bool
sim_expect_eval(const sim_expect *e, const sim_metrics *metrics, double *observed)
{
  return sim_expect_check(e, metrics, observed) == SIM_EXPECT_HELD;
}
