/* main.c — entry point of the peerlab command line. */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"

/* Exit status of a runtime failure (cli.c's EXIT_RUNTIME). */
#define EXIT_RUNTIME 3

/* Run at exit, however the program ends (a return from main, or GOption's
 * exit after --help): write what is left in stdout's buffer and, if any
 * of stdout could not be written (a full disk, /dev/full, an I/O error),
 * say so and end with status 3 instead of the command's own; the TAP or
 * JSON a caller reads is lost, whatever the command decided.  Everything
 * else is done by then: a run's database is finished before its summary
 * is printed.  A reader that closed the pipe early is not a failure: with
 * SIGPIPE at its default the process ends on the signal as it always
 * did, and with SIGPIPE ignored the EPIPE is let go and the status kept.
 * stdout closed from the start (EBADF on close with nothing written) is
 * not an error either. */
static void
close_stdout(void)
{
  errno = 0;
  gboolean flushed = fflush(stdout) == 0;
  int e = errno;
  if (!flushed && e == EPIPE)
    return;
  if (flushed && !ferror(stdout)) {
    errno = 0;
    if (fclose(stdout) == 0 || errno == EBADF)
      return;
    e = errno;
  }
  if (e)
    fprintf(stderr, "peerlab: writing standard output: %s\n", g_strerror(e));
  else
    fprintf(stderr, "peerlab: writing standard output failed\n");
  _exit(EXIT_RUNTIME);
}

int
main(int argc, char **argv)
{
  /* registered first, so it runs after every other exit handler */
  atexit(close_stdout);
  return cli_main(argc, argv);
}
