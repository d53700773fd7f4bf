/*
 * options.h — command-line options of every peerlab command, read as the
 * bytes given.
 *
 * GOption converts G_OPTION_ARG_STRING values from the locale's charset to
 * UTF-8.  peerlab never calls setlocale (it would change how numbers are
 * printed), so that charset is ASCII and any other byte, even of valid
 * UTF-8 such as `--title Débit`, failed with GOption's "Invalid byte
 * sequence in conversion input", which names no option.  Here every
 * option is read as bytes, as G_OPTION_ARG_FILENAME options always are:
 * options declared G_OPTION_ARG_FILENAME(_ARRAY) are paths (or, for
 * --set, text the scenario loader checks) and stay bytes; options declared
 * G_OPTION_ARG_STRING(_ARRAY) are text (names, patterns, titles, numbers)
 * and must be UTF-8, whatever the locale.
 */
#ifndef SIM_OPTIONS_H
#define SIM_OPTIONS_H

#include <glib.h>
#include <stdbool.h>

/* Add |entries| (terminated by an entry with a NULL long_name, as for
 * g_option_context_add_main_entries) to |ctx| as its main options, then
 * parse |*argc| and |*argv| as g_option_context_parse does.  Text options
 * (G_OPTION_ARG_STRING, G_OPTION_ARG_STRING_ARRAY) are read as bytes and
 * then checked: each value must be UTF-8.  Returns false with |error| set
 * in G_OPTION_ERROR: GOption's own errors (an unknown option, a missing
 * value, ...), or G_OPTION_ERROR_BAD_VALUE with the message of
 * sim_options_not_utf8 for the first text value that is not UTF-8.  The
 * values are stored through the entries' arg_data as GOption stores them,
 * owned by the caller, also after an error. */
bool sim_options_parse(GOptionContext *ctx, const GOptionEntry *entries, int *argc,
                       char ***argv, GError **error);

/* NULL if |value| is UTF-8; else a new string (g_free) saying that the
 * value of |option| (as written on the command line, e.g. "--title") is
 * not: "--title 'D�bit': expected UTF-8 text, found a byte that is
 * not UTF-8 (0xe9, at byte 2; shown as U+FFFD)". */
char *sim_options_not_utf8(const char *option, const char *value);

#endif
