/*
 * Samples: one measured value with a name and labels.
 *
 * Names are `component.metric_unit` (`proxy.search_latency_p95_ms`,
 * `system.memory_used_bytes`). Label names match `[a-zA-Z_][a-zA-Z0-9_]*` so
 * they pass to Alertmanager and Prometheus unchanged. The core adds the label
 * `instance` (the emitting section's name) unless the sample already has it.
 *
 * Types (ABI 0.5). A sample is a gauge unless it says otherwise, so every
 * sample of an older plugin, and every zero-initialised one, is a gauge. A
 * counter is a total that only goes up (it restarts at 0 when its source
 * restarts); its name ends in `_total`. A histogram is sent flattened as
 * Prometheus does, one sample per part, all with the same labels but `le`:
 *
 *   NAME_bucket {le="B"}  VMON_SAMPLE_HISTOGRAM_BUCKET  observations <= B
 *                                                       (cumulative; B is
 *                                                       a number or "+Inf")
 *   NAME_sum              VMON_SAMPLE_HISTOGRAM_SUM     sum of observations
 *   NAME_count            VMON_SAMPLE_HISTOGRAM_COUNT   observations (= the
 *                                                       "+Inf" bucket)
 *
 * The part's suffix belongs to its name, so the names are the ones an older
 * reader saw; a reader groups the parts into one histogram family NAME by
 * stripping the suffix its type implies. A part whose name lacks that suffix
 * (or a bucket without `le`) is read as a gauge.
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

/** What a sample measures (vmon_sample.type, ABI 0.5). */
typedef enum vmon_sample_type {
    VMON_SAMPLE_GAUGE = 0,            /**< a value that goes up and down (the default) */
    VMON_SAMPLE_COUNTER = 1,          /**< a total that only goes up; name ends in `_total` */
    VMON_SAMPLE_HISTOGRAM_BUCKET = 2, /**< `NAME_bucket` with label `le`, cumulative */
    VMON_SAMPLE_HISTOGRAM_SUM = 3,    /**< `NAME_sum` */
    VMON_SAMPLE_HISTOGRAM_COUNT = 4,  /**< `NAME_count` */
} vmon_sample_type;

/** One sample. All pointers belong to the caller and need only live for the call. */
typedef struct vmon_sample {
    uint32_t struct_size;     /**< sizeof(vmon_sample) */
    uint32_t n_labels;        /**< entries in `labels` */
    const char *name;         /**< `component.metric_unit` */
    const vmon_label *labels; /**< may be NULL when n_labels is 0 */
    double value;             /**< the measurement */
    int64_t time_ms;          /**< Unix time in ms; 0 means "now" */

    /* ---- appended in ABI 0.5 ---- */

    uint32_t type;     /**< a vmon_sample_type; 0 (gauge) when unset */
    uint32_t reserved; /**< 0 */
} vmon_sample;

/**
 * The type of a sample as its sender filled it: VMON_SAMPLE_GAUGE when its
 * struct_size does not cover `type` (a plugin built before ABI 0.5). Use it
 * on samples a plugin receives from another plugin. A sink's on_samples gets
 * an array laid out at the sizeof(vmon_sample) of the ABI the sink was built
 * for (a 0.4 sink: the 0.4 stride), so indexing it as usual is always right.
 */
static inline uint32_t vmon_sample_type_of(const vmon_sample *s)
{
    return s->struct_size >= offsetof(vmon_sample, type) + sizeof s->type ? s->type : (uint32_t)0;
}

/**
 * A callback that receives samples, used where the core hands a plugin a place
 * to put samples (a target reporting its component figures to a probe).
 */
typedef int (*vmon_emit_fn)(void *arg, const vmon_sample *sample);

#ifdef __cplusplus
}
#endif
#endif
