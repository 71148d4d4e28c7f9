/*
 * A running configuration: instances created, one thread per probe, one
 * rules thread, one delivery thread per sink. SIGHUP builds a new runtime
 * that takes over what did not change (vmon_runtime_reload); the old one is
 * stopped.
 *
 * Threads: probe threads call collect and publish readings to the rules
 * thread's queue; the rules thread evaluates rules and pushes readings and
 * notifications to the sinks' queues; each sink's thread delivers. No
 * thread waits on another's plugin call.
 */
#ifndef VMON_CORE_RUNTIME_H
#define VMON_CORE_RUNTIME_H

#include "plan.h"

typedef struct vmon_runtime vmon_runtime;

/**
 * Create and start every instance of `plan` (ownership passes, even on
 * failure) and the delivery threads. NULL with the reason in err.
 */
vmon_runtime *vmon_runtime_new(vmon_plan *plan, char *err, size_t errlen);
/** Start probes and rules. `cycles` > 0: every probe runs that many times, then stops. */
int vmon_runtime_start(vmon_runtime *rt, int64_t cycles, char *err, size_t errlen);
/** With cycles: wait for the probes to finish and the readings to reach the sinks. */
void vmon_runtime_finish_cycles(vmon_runtime *rt);
/**
 * Replace the running `old` with a running runtime for `plan` (ownership
 * passes, even on failure). Instances that did not change (same section,
 * plugin file, effective values, and target) carry over as they are, with
 * their threads and queues; rules whose condition did not change keep their
 * state; what nobody will resolve any more is resolved. Returns the new
 * runtime (`old` is gone), or `old` still running with the reason in err, or
 * NULL when nothing could be left running.
 */
vmon_runtime *vmon_runtime_reload(vmon_runtime *old, vmon_plan *plan, char *err, size_t errlen);
/** Stop everything (bounded by the plan's shutdown_timeout) and free. */
void vmon_runtime_stop(vmon_runtime *rt);
const vmon_plan *vmon_runtime_plan(const vmon_runtime *rt);

struct vmon_traffic;
struct vmon_arm_table;
/** 1 when some pipeline has traffic and every one that has ends (by count or duration). */
int vmon_runtime_traffic_bounded(const vmon_runtime *rt);
/** 1 when no pipeline's traffic is still sending. */
int vmon_runtime_traffic_ended(vmon_runtime *rt);
/** The running traffic of [pipeline:NAME] (to set its recorder), or NULL. */
struct vmon_traffic *vmon_runtime_traffic(vmon_runtime *rt, const char *pipeline);
/** The arm table [pipeline:NAME]'s traffic reads: the tuning loop publishes into it. */
struct vmon_arm_table *vmon_runtime_arm_table(vmon_runtime *rt, const char *pipeline);
/** Process-wide count of successful reloads, reported as vmon.reloads_total. */
void vmon_runtime_count_reload(void);
uint64_t vmon_runtime_reloads(void);

#endif
