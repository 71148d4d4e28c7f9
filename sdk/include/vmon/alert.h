/*
 * Alerts as sinks see them, and as plugins may raise them.
 */
#ifndef VMON_ALERT_H
#define VMON_ALERT_H

#include <vmon/sample.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Severity, ordered: a sink's min_severity keeps this and everything above. */
typedef enum vmon_severity {
    VMON_SEV_INFO = 0,
    VMON_SEV_WARNING = 1,
    VMON_SEV_CRITICAL = 2,
} vmon_severity;

/** Firing or resolved. */
typedef enum vmon_alert_state {
    VMON_ALERT_FIRING = 0,
    VMON_ALERT_RESOLVED = 1,
} vmon_alert_state;

/**
 * One alert notification, built by the core. Every pointer is owned by the
 * core and valid for the duration of the deliver call only.
 */
typedef struct vmon_alert {
    uint32_t struct_size;          /**< sizeof(vmon_alert) */
    uint32_t severity;             /**< vmon_severity */
    uint32_t state;                /**< vmon_alert_state */
    uint32_t n_labels;             /**< entries in `labels` */
    uint32_t n_annotations;        /**< entries in `annotations` */
    uint32_t repeat;               /**< 0 for a state change, N for the Nth re-notification */
    const char *rule;              /**< rule name (also the `alertname` label) */
    const char *component;         /**< `system`, `proxy`, `vmon`, ... */
    const vmon_label *labels;      /**< identity: sorted by name, include `alertname` */
    const vmon_label *annotations; /**< free text (runbook, summary, reason) */
    const char *message;           /**< one human line */
    const char *fingerprint;       /**< 16 hex digits, stable per rule + labels */
    const char *idempotency_key;   /**< stable per notification; same on every retry */
    double value;                  /**< the observed value (NaN when none) */
    double threshold;              /**< the threshold crossed (NaN when none) */
    int64_t starts_at_ms;          /**< Unix ms when it started firing */
    int64_t ends_at_ms;            /**< Unix ms when resolved; 0 while firing */
} vmon_alert;

/**
 * What a plugin passes to vmon_host.raise_alert / resolve_alert: an alert of
 * its own making (a target that lost its connection, a build that failed).
 * The core computes the fingerprint from `name` + labels and deduplicates.
 */
typedef struct vmon_alert_spec {
    uint32_t struct_size;     /**< sizeof(vmon_alert_spec) */
    uint32_t severity;        /**< vmon_severity */
    uint32_t n_labels;        /**< entries in `labels` */
    uint32_t reserved;        /**< zero */
    const char *name;         /**< becomes the alert's rule / alertname */
    const vmon_label *labels; /**< extra identity labels (the core adds `instance`) */
    const char *message;      /**< human line; also used as the `reason` annotation */
    double value;             /**< NaN when none */
} vmon_alert_spec;

#ifdef __cplusplus
}
#endif
#endif
