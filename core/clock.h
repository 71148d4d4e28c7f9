/* Clocks and condition-variable deadlines (monotonic, so wall-clock jumps do not matter). */
#ifndef VMON_CORE_CLOCK_H
#define VMON_CORE_CLOCK_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/** Wall clock, Unix ms (for alert times). */
int64_t vmon_now_ms(void);
/** Monotonic ns. */
int64_t vmon_monotonic_ns(void);
/** Monotonic ms: use for every deadline and interval. */
int64_t vmon_mono_ms(void);
/** A condvar that times out on the monotonic clock. */
void vmon_cond_init_monotonic(pthread_cond_t *c);
/** Absolute deadline for pthread_cond_timedwait on such a condvar. */
struct timespec vmon_deadline_from_ms(int64_t mono_ms);

#endif
