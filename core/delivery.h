/*
 * Per-sink delivery: each sink instance has its own thread and queue, so a
 * slow or hung receiver delays nothing but itself. The core retries with
 * full-jitter exponential backoff, honours Retry-After, dead-letters what
 * fails for good, and counts everything. Samples are best effort; alerts
 * are never dropped silently.
 */
#ifndef VMON_CORE_DELIVERY_H
#define VMON_CORE_DELIVERY_H

#include <stddef.h>
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
/**
 * Queue an event (a vmon_queued_event_new entry; ownership passes). A sink
 * without on_events drops it silently: it never receives events.
 * min_severity does not apply: it filters alerts.
 */
void vmon_delivery_push_event(vmon_delivery *d, vmon_alert_event *ev);
/** 1 when the sink receives events (its plugin has on_events). */
int vmon_delivery_wants_events(const vmon_delivery *d);
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
/**
 * Stop several deliveries at once. Every one gets the same deadline, so N hung sinks cost one
 * timeout, not N. abandoned[i] (when `abandoned` is not NULL) is set to 1 when ds[i]'s thread
 * was left blocked in deliver: that thread then owns its sink instance and destroys it when the
 * call returns, touching nothing it borrowed (no plan strings, no runtime: its events are
 * cleared first). Otherwise ds[i] is freed and its instance may be destroyed. NULL entries are
 * skipped.
 */
void vmon_delivery_stop_all(vmon_delivery *const *ds, size_t n, int64_t timeout_ms,
                            unsigned char *abandoned);
/**
 * Re-point where sink events (sink_disabled, delivery_backlog) go; thread-safe. NULL: none.
 * When it returns, no call of the old function is running or will start. Do not call it while
 * holding a lock the event function takes.
 */
void vmon_delivery_set_events(vmon_delivery *d, vmon_sink_event_fn fn, void *arg);
/**
 * Move every alert still queued in `from` into `to`, ahead of what `to` has, in order, with
 * their attempt counts and the resend state, so a replaced sink loses nothing. Call it after
 * the producers of `from` have stopped and before vmon_delivery_stop_all(from), which then
 * only waits for a call still in flight. From then on `from` delivers nothing more.
 *
 * The batch in flight in `from` (if any) is copied into `to` as well and the outcome of the
 * old call is ignored: it is delivered at least once, maybe twice, with the same idempotency
 * keys. A spooled `from` gives its rows (in flight or not) to `to`; when both use the same
 * spool file for the same sink section the rows stay where they are and `to` picks them up.
 * Into a spooled `to`, alerts are appended (a spool keeps its own order).
 */
void vmon_delivery_hand_over(vmon_delivery *from, vmon_delivery *to);
/**
 * Hand-over in two steps, for a replacement made only after `from` is gone (it wants an
 * exclusive resource `from` holds): park takes what vmon_delivery_hand_over would move (a
 * spool's rows stay in its file, for a replacement on the same spool or the next start) and
 * leaves `from` delivering nothing more; unpark gives it to `to`, or drops it (logged) when
 * `to` is NULL. Unpark frees what park returned.
 */
typedef struct vmon_delivery_parked vmon_delivery_parked;
vmon_delivery_parked *vmon_delivery_park(vmon_delivery *from);
void vmon_delivery_unpark(vmon_delivery_parked *p, vmon_delivery *to);
const char *vmon_delivery_name(const vmon_delivery *d);

#endif
