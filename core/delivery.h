/*
 * Per-sink delivery: each sink instance has its own thread and queue, so a
 * slow or hung receiver delays nothing but itself. The core retries with
 * full-jitter exponential backoff, honours Retry-After, dead-letters what
 * fails for good, and counts everything. Samples are best effort; alerts
 * are never dropped silently.
 */
#ifndef VMON_CORE_DELIVERY_H
#define VMON_CORE_DELIVERY_H

#include <stdint.h>

#include "alert_event.h"
#include "sample_batch.h"

struct vmon_instance;
typedef struct vmon_delivery vmon_delivery;

typedef struct vmon_delivery_stats {
    uint64_t delivered, retries, failed, dead_lettered, dropped, samples_dropped;
    uint64_t queued;
    int disabled;
} vmon_delivery_stats;

/**
 * Called when a sink's own state needs an alert for the other sinks:
 * `sink_disabled` (the receiver said it is gone, e.g. HTTP 410) and
 * `delivery_backlog` (the spool is full; resolved when it has room again).
 * May be called from the delivery thread or the thread pushing an alert.
 */
typedef void (*vmon_sink_event_fn)(void *arg, const char *sink, const char *alert,
                                   const char *reason, int resolve);

/**
 * Start the delivery thread of a created sink instance; opens its spool when
 * the section has `spool =` (alerts left there by an earlier run go first).
 */
vmon_delivery *vmon_delivery_start(struct vmon_instance *sink, vmon_sink_event_fn on_event,
                                   void *arg, char *err, size_t errlen);
/** Queue a notification (ownership passes); honours min_severity. */
void vmon_delivery_push_alert(vmon_delivery *d, vmon_alert_event *ev);
/** Queue a reading for the sink's on_samples (shared reference taken). */
void vmon_delivery_push_samples(vmon_delivery *d, vmon_sample_batch *b);
/** Current counters. */
void vmon_delivery_stats_get(vmon_delivery *d, vmon_delivery_stats *out);
/** Wait until the queue is empty or `timeout_ms` passes. Returns 0 when empty. */
int vmon_delivery_drain(vmon_delivery *d, int64_t timeout_ms);
/**
 * Stop: deliver what is queued until `timeout_ms`, then stop the thread.
 * Returns 0 when the thread has ended (the instance may be destroyed), or
 * -1 when a deliver call is still blocked: the thread then destroys the
 * instance itself when that call returns.
 */
int vmon_delivery_stop(vmon_delivery *d, int64_t timeout_ms);
const char *vmon_delivery_name(const vmon_delivery *d);

#endif
