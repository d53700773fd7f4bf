/*
 * wallclock.h — the only wall clock in peerlab.  Used for the progress
 * line, the run's wall time and events/s, never in the simulated path.
 * The tidy test allows clock calls in this file and nowhere else.
 */
#ifndef SIM_WALLCLOCK_H
#define SIM_WALLCLOCK_H

/* Seconds on a monotonic clock (arbitrary origin). */
double sim_wallclock_now(void);
/* Wall-clock time of day as an ISO 8601 UTC string into |buf|. */
void sim_wallclock_iso8601(char *buf, unsigned cap);



#include <stdint.h>
/* Peak resident set size of this process in bytes (VmHWM), 0 if unknown. */
uint64_t sim_peak_rss_bytes(void);
/* Current resident set size in bytes (VmRSS), 0 if unknown. */
uint64_t sim_rss_bytes(void);
#endif
