/* wallclock.c — see wallclock.h.  The one file allowed to read a clock. */
#include "wallclock.h"

#include <time.h>
#include <stdio.h>

double
sim_wallclock_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
sim_wallclock_iso8601(char *buf, unsigned cap)
{
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
