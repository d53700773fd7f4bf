/*
 * check.h — `peerlab check`: run scenarios and report every expectation
 * as one TAP stream, optionally at CI scale, and pinned trace digests.
 *
 *   peerlab check [--ci] [--seed N] [--set group.key=value]... FILE...
 *   peerlab check [--ci] --print-digests FILE...
 *   peerlab check [--ci] --digests DIGESTS [--print-digests]
 *
 * See docs/ci.md.
 */
#ifndef SIM_CHECK_H
#define SIM_CHECK_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include "scenario.h"

/*
 * Load the scenario at |path| as `peerlab check` runs it: with |ci|, the
 * file's [check] set overrides are applied first, then |sets| (a
 * NULL-terminated array of "group.key=value", may be NULL), then
 * |seed_override| if non-NULL.  Without |ci| it is sim_scenario_load.
 * Returns the scenario (free with sim_scenario_free), or NULL with |error|
 * set (domain SIM_SCENARIO_ERROR); a problem caused by a [check] override
 * names it as "(set by --set '...')" and the message ends with
 * " (at CI scale, from [check] set)".
 */
sim_scenario *sim_check_load(const char *path, bool ci, const char *const *sets,
                             const uint64_t *seed_override, GError **error);

/*
 * One line of a digests file: "SCENARIO SEED DIGEST", SCENARIO a scenario
 * path (relative to the directory check runs in), SEED a decimal seed,
 * DIGEST the 64-hex-digit trace digest.  Blank lines and lines starting
 * with '#' are comments.
 */
typedef struct sim_check_digest {
  char *path;       /* scenario file */
  uint64_t seed;    /* run seed */
  char *digest;     /* expected trace digest, 64 lowercase hex digits */
} sim_check_digest;

/*
 * Parse the digests file text |text| (|name| for errors) into a new
 * array of sim_check_digest (free with sim_check_digests_free).  Returns
 * NULL with |error| set (G_FILE_ERROR_INVAL, "NAME: line N: ...") on a
 * malformed line.
 */
GArray *sim_check_digests_parse(const char *text, const char *name, GError **error);

/* Free an array from sim_check_digests_parse.  NULL is ignored. */
void sim_check_digests_free(GArray *digests);

/*
 * The `peerlab check` command: |argv|[0] is "check".  Prints TAP on
 * stdout (or digest lines with --print-digests).  Returns 0 when every
 * test point passed, 1 when one failed (an expectation, a run that failed
 * or did not load, a digest mismatch), 2 on usage errors or an unreadable
 * digests file, 3 when interrupted or when stdout could not be written
 * (a message on stderr; a reader that closed the pipe is not counted).
 */
int sim_check_main(int argc, char **argv);

#endif
