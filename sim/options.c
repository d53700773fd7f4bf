/* options.c — command-line options read as bytes, text checked as UTF-8 (options.h). */
#include "options.h"

#include <string.h>

char *
sim_options_not_utf8(const char *option, const char *value)
{
  const char *bad = NULL;
  if (g_utf8_validate(value, -1, &bad))
    return NULL;
  char *shown = g_utf8_make_valid(value, -1);
  char *msg = g_strdup_printf("%s '%s': expected UTF-8 text, found a byte that is not UTF-8 "
                              "(0x%02x, at byte %zu; shown as U+FFFD)", option, shown,
                              (unsigned)(unsigned char)*bad, (size_t)(bad - value) + 1);
  g_free(shown);
  return msg;
}

/* The first value of text option |e| (after parsing) that is not UTF-8,
 * as a new message, or NULL. */
static char *
text_problem(const GOptionEntry *e)
{
  char *option = g_strconcat("--", e->long_name, NULL);
  char *msg = NULL;
  if (e->arg == G_OPTION_ARG_STRING) {
    const char *value = *(char **)e->arg_data;
    if (value)
      msg = sim_options_not_utf8(option, value);
  } else {
    char **values = *(char ***)e->arg_data;
    for (size_t i = 0; !msg && values && values[i]; i++)
      msg = sim_options_not_utf8(option, values[i]);
  }
  g_free(option);
  return msg;
}

bool
sim_options_parse(GOptionContext *ctx, const GOptionEntry *entries, int *argc, char ***argv,
                  GError **error)
{
  size_t n = 0;
  while (entries[n].long_name)
    n++;
  /* GOption converts only STRING options; as FILENAME ones they are
   * stored as given (the group copies the entries) */
  GOptionEntry *raw = g_new(GOptionEntry, n + 1);
  memcpy(raw, entries, (n + 1) * sizeof *raw);
  for (size_t i = 0; i < n; i++) {
    if (raw[i].arg == G_OPTION_ARG_STRING)
      raw[i].arg = G_OPTION_ARG_FILENAME;
    else if (raw[i].arg == G_OPTION_ARG_STRING_ARRAY)
      raw[i].arg = G_OPTION_ARG_FILENAME_ARRAY;
  }
  g_option_context_add_main_entries(ctx, raw, NULL);
  g_free(raw);
  if (!g_option_context_parse(ctx, argc, argv, error))
    return false;
  for (size_t i = 0; i < n; i++) {
    if (entries[i].arg != G_OPTION_ARG_STRING && entries[i].arg != G_OPTION_ARG_STRING_ARRAY)
      continue;
    char *msg = text_problem(&entries[i]);
    if (msg) {
      g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, msg);
      g_free(msg);
      return false;
    }
  }
  return true;
}
