/*
 * Publishing events (vmon/event.h): the tuning loop's decisions, on their
 * way to every sink of a pipeline that receives events (`on_events`).
 *
 * The core numbers each event (the sequence goes on across restarts when
 * the daemon has a `state_dir`), gives it an idempotency key, and queues it
 * like an alert: retried with backoff, spooled when the sink has a spool,
 * dead-lettered when it fails for good, handed over on a reload. A batch
 * never mixes alerts and events. Sinks without on_events never see one.
 */
#ifndef VMON_CORE_EVENT_PUBLISH_H
#define VMON_CORE_EVENT_PUBLISH_H

#include <stdint.h>
#include <vmon/event.h>

#include "event_fields.h"
#include "event_names.h" /* vmon_event_type_name */

typedef struct vmon_runtime vmon_runtime;

/** What the caller says happened. Every pointer is the caller's; it is copied. */
typedef struct vmon_event_spec {
    uint32_t type;            /**< vmon_event_type */
    uint32_t severity;        /**< vmon_severity */
    uint32_t n_labels;        /**< entries in `labels` */
    uint32_t n_fields;        /**< entries in `fields` */
    const vmon_label *labels; /**< identity (`collection`, `experiment` ...); `pipeline` is added */
    const vmon_label *fields; /**< figures, named by event_fields.h */
    const char *message;      /**< one human line */
    int64_t time_ms;          /**< Unix ms; 0: now */
} vmon_event_spec;

/**
 * Publish an event of [pipeline:NAME] `pipeline`. Thread-safe, never blocks
 * on a sink (it only writes the sequence file when state_dir is set). Call it
 * while `rt` runs: a tuning thread of `rt` is stopped before `rt` is
 * replaced or freed. Returns the sequence number given to it, or 0 (logged)
 * when the pipeline is unknown or the type is out of range.
 */
uint64_t vmon_runtime_publish_event(vmon_runtime *rt, const char *pipeline,
                                    const vmon_event_spec *spec);

#endif
