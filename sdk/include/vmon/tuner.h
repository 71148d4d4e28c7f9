/*
 * Tuner operations: turn observations into search parameters.
 * Provisional: the tuning-loop work settles these operations.
 */
#ifndef VMON_TUNER_H
#define VMON_TUNER_H

#include <vmon/abi.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Search parameters a tuner chooses. Zero means "not applicable". */
typedef struct vmon_search_params {
    uint32_t struct_size;
    uint32_t top_k;
    uint32_t nprobe; /**< IVF lists probed */
    uint32_t ef;     /**< HNSW search breadth */
} vmon_search_params;

/** What the monitor observed over one window for one variant. */
typedef struct vmon_observation {
    uint32_t struct_size;
    uint32_t samples;
    double mean_ms, p95_ms, p99_ms, qps;
    double recall; /**< NaN when no ground truth was sampled */
    uint64_t rows; /**< rows in the collection */
} vmon_observation;

/** Operations of a tuner plugin (vmon_plugin_descriptor.ops for VMON_KIND_TUNER). */
typedef struct vmon_tuner_ops {
    uint32_t struct_size;
    uint32_t kind; /**< VMON_KIND_TUNER (ABI 0.3; a reserved zero before) */
    /** Required. First parameters for a collection of `rows` rows. Tuning thread; no blocking. */
    int (*initial)(void *ctx, uint64_t rows, vmon_search_params *out);
    /**
     * Required. Propose new parameters from the current ones and what was
     * observed against the baseline. VMON_ENOTSUP: nothing to propose.
     * Tuning thread; no blocking.
     */
    int (*adjust)(void *ctx, const vmon_observation *baseline, const vmon_observation *now,
                  const vmon_search_params *current, vmon_search_params *out);
} vmon_tuner_ops;

#ifdef __cplusplus
}
#endif
#endif
