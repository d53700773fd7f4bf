/*
 * interrupt.c — see interrupt.h.
 */
#include "interrupt.h"

#include <string.h>

volatile sig_atomic_t sim_interrupt_requested;

static void
on_signal(int sig)
{
  (void)sig;
  sim_interrupt_requested = 1;
}

void
sim_interrupt_install(sim_interrupt_saved *saved)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sim_interrupt_requested = 0;
  sigaction(SIGINT, &sa, saved ? &saved->sigint : NULL);
  sigaction(SIGTERM, &sa, saved ? &saved->sigterm : NULL);
}

void
sim_interrupt_restore(const sim_interrupt_saved *saved)
{
  sigaction(SIGINT, &saved->sigint, NULL);
  sigaction(SIGTERM, &saved->sigterm, NULL);
}
