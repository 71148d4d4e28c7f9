/*
 * Events: decisions of the tuning loop, as sinks see them (ABI 0.4).
 *
 * An event is not an alert: it never fires or resolves, it has no
 * fingerprint, and a sink must not forward it to an alert receiver
 * (Alertmanager) as one. Events reach only sinks that set `on_events` in
 * their operations; they are queued, retried, spooled and dead-lettered as
 * alerts are, and every occurrence is delivered (two degradations are two
 * events, each with its own sequence number).
 */
#ifndef VMON_EVENT_H
#define VMON_EVENT_H

#include <vmon/alert.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What happened. Numbers are part of the ABI; new types are appended. */
typedef enum vmon_event_type {
    VMON_EVENT_BASELINE = 1,         /**< the first full window (or a promotion) set the baseline */
    VMON_EVENT_DEGRADATION = 2,      /**< p95 or QPS crossed its threshold against the baseline */
    VMON_EVENT_EXPERIMENT_START = 3, /**< a tuner's candidate gets a share of traffic */
    VMON_EVENT_RAMP_STEP = 4,        /**< the candidate's share moved to the next step */
    VMON_EVENT_VERDICT = 5,          /**< the judge decided (promote, keep, roll back, continue) */
    VMON_EVENT_PROMOTION = 6,        /**< the candidate's parameters became the current ones */
    VMON_EVENT_ROLLBACK = 7,         /**< the candidate's share went back to 0 */
    VMON_EVENT_PAUSE = 8,            /**< an operator paused an experiment */
    VMON_EVENT_RESUME = 9,           /**< an operator resumed it */
    VMON_EVENT_ABORT = 10,           /**< an operator aborted it (or a restart abandoned it) */
    VMON_EVENT_INFEASIBLE = 11,      /**< no configuration meets both latency target and floor */
    VMON_EVENT_RECOMMENDATION = 12,  /**< mode = recommend: what would have been applied */
} vmon_event_type;

/**
 * One event. Every pointer is owned by the core and valid for the call only.
 * `labels` identify it (`pipeline`, `collection`, `experiment` ...; sorted by
 * name); `fields` carry its figures as text, named as docs/architecture.md
 * lists per type (`baseline.p95_ms`, `a.nprobe`, `b.weight`, `verdict` ...),
 * numbers in C locale with a `.` decimal point.
 */
typedef struct vmon_event {
    uint32_t struct_size;        /**< sizeof(vmon_event) of the core */
    uint32_t type;               /**< vmon_event_type */
    uint32_t severity;           /**< vmon_severity: info, or warning (infeasible, rollback) */
    uint32_t n_labels;           /**< entries in `labels` */
    uint32_t n_fields;           /**< entries in `fields` */
    uint32_t reserved;           /**< zero */
    uint64_t sequence;           /**< increases by one per event of the daemon, across restarts */
    int64_t time_ms;             /**< Unix ms when it happened */
    const char *type_name;       /**< `baseline`, `degradation`, `experiment_start` ... */
    const char *pipeline;        /**< the [pipeline:NAME] */
    const vmon_label *labels;    /**< identity */
    const vmon_label *fields;    /**< figures */
    const char *message;         /**< one human line */
    const char *idempotency_key; /**< stable per event; same on every retry */
} vmon_event;

#ifdef __cplusplus
}
#endif
#endif
