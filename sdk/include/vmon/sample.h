/*
 * Samples: one measured value with a name and labels.
 *
 * Names are `component.metric_unit` (`proxy.search_latency_p95_ms`,
 * `system.memory_used_bytes`). Label names match `[a-zA-Z_][a-zA-Z0-9_]*` so
 * they pass to Alertmanager and Prometheus unchanged. The core adds the label
 * `instance` (the emitting section's name) unless the sample already has it.
 */
#ifndef VMON_SAMPLE_H
#define VMON_SAMPLE_H

#include <vmon/abi.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A name/value pair. Both strings belong to the caller. */
typedef struct vmon_label {
    const char *name;
    const char *value;
} vmon_label;

/** One sample. All pointers belong to the caller and need only live for the call. */
typedef struct vmon_sample {
    uint32_t struct_size;     /**< sizeof(vmon_sample) */
    uint32_t n_labels;        /**< entries in `labels` */
    const char *name;         /**< `component.metric_unit` */
    const vmon_label *labels; /**< may be NULL when n_labels is 0 */
    double value;             /**< the measurement */
    int64_t time_ms;          /**< Unix time in ms; 0 means "now" */
} vmon_sample;

/**
 * A callback that receives samples, used where the core hands a plugin a place
 * to put samples (a target reporting its component figures to a probe).
 */
typedef int (*vmon_emit_fn)(void *arg, const vmon_sample *sample);

#ifdef __cplusplus
}
#endif
#endif
