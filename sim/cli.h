/*
 * cli.h — the peerlab command line (see cli.c for the commands and exit
 * statuses).  Kept apart from main.c so tests can drive it in-process.
 */
#ifndef SIM_CLI_H
#define SIM_CLI_H

/* Run the command line |argv| (argv[0] is the program name).  Returns the
 * process exit status. */
int cli_main(int argc, char **argv);

#endif
