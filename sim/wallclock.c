/* wallclock.c — see wallclock.h.  The one file allowed to read a clock. */
#include "wallclock.h"

#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static uint64_t
proc_status_kib(const char *field)
{
  FILE *f = fopen("/proc/self/status", "r");
  if (!f)
    return 0;
  char line[256];
  uint64_t kib = 0;
  size_t n = strlen(field);
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, field, n) == 0) {
      kib = strtoull(line + n, NULL, 10);
      break;
    }
  }
  fclose(f);
  return kib * 1024;
}

uint64_t
sim_peak_rss_bytes(void)
{
  return proc_status_kib("VmHWM:");
}

uint64_t
sim_rss_bytes(void)
{
  return proc_status_kib("VmRSS:");
}
