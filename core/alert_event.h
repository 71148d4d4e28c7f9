/*
 * Owned alert notifications: what rules and plugins produce and the delivery
 * queues hold. `a` is the ABI view handed to sinks; every pointer in it
 * points into memory the event owns.
 */
#ifndef VMON_CORE_ALERT_EVENT_H
#define VMON_CORE_ALERT_EVENT_H

#include <stdint.h>
#include <vmon/alert.h>

typedef struct vmon_alert_event {
    vmon_alert a;
    struct vmon_alert_event *next; /* queue link */
    uint32_t attempts;             /* delivery attempts so far */
    int64_t spool_id;              /* row in the sink's spool, 0 when in memory only */
    int64_t queued_ms;             /* when it entered a sink's queue (for batch_linger) */
    struct vmon_event *event;      /* set: this entry is an event (event_copy.h), not an alert */
} vmon_alert_event;

/** Labels are copied and sorted by name; alertname is added first if missing. */
vmon_alert_event *vmon_alert_event_new(const char *rule, const char *component, int severity,
                                       int state, const vmon_label *labels, uint32_t n_labels,
                                       const vmon_label *annotations, uint32_t n_annotations,
                                       const char *message, double value, double threshold,
                                       int64_t starts_at_ms, int64_t ends_at_ms, uint32_t repeat);
/** A deep copy (each sink queue holds its own). */
vmon_alert_event *vmon_alert_event_copy(const vmon_alert *a);
void vmon_alert_event_free(vmon_alert_event *e);

/** 64-bit FNV-1a of the rule name and the sorted label set. */
uint64_t vmon_fingerprint(const char *rule, const vmon_label *sorted, uint32_t n);
/** Sort labels by name in place (fingerprints depend on order). */
void vmon_labels_sort(vmon_label *labels, uint32_t n);

#endif
