/*
 * interrupt.h — SIGINT and SIGTERM as a stop request, for the command line
 * (peerlab run, sweep and check).  The handler only sets a flag; the world
 * polls it between events (sim_world_options.stop_flag) and the sweep
 * between child processes, so a stopped run still writes its results.
 */
#ifndef SIM_INTERRUPT_H
#define SIM_INTERRUPT_H

#include <signal.h>

/* Set to 1 by SIGINT or SIGTERM once sim_interrupt_install has run; may
 * also be set by the program itself to stop the same way. */
extern volatile sig_atomic_t sim_interrupt_requested;

/* The handlers replaced by sim_interrupt_install, for
 * sim_interrupt_restore. */
typedef struct sim_interrupt_saved {
  struct sigaction sigint, sigterm;
} sim_interrupt_saved;

/* Clear the flag and route SIGINT and SIGTERM to it.  |saved| (may be
 * NULL) receives the previous handlers. */
void sim_interrupt_install(sim_interrupt_saved *saved);

/* Put back the handlers saved by sim_interrupt_install. */
void sim_interrupt_restore(const sim_interrupt_saved *saved);

#endif
