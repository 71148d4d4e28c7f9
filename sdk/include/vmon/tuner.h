/*
 * Tuner operations: choose search parameters for one collection.
 *
 * A tuner is a pure decision function (ABI 0.4). The core does every
 * measurement, all I/O and all timing; it hands the tuner everything it may
 * need in one vmon_tuning_input and reads one vmon_tuning_output back. So a
 * tuner can be unit-tested with no daemon and no database: fill an input,
 * call `decide`, check the output.
 *
 * A tuner built for ABI 0.3 or older (`initial` + `adjust`) is refused with a
 * message asking for a rebuild: those operations were provisional.
 */
#ifndef VMON_TUNER_H
#define VMON_TUNER_H

#include <vmon/target.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Search parameters. Zero means "not applicable" (nprobe on HNSW, ef on IVF). */
typedef struct vmon_search_params {
    uint32_t struct_size; /**< sizeof(vmon_search_params) */
    uint32_t top_k;
    uint32_t nprobe; /**< IVF lists probed */
    uint32_t ef;     /**< HNSW search breadth */
} vmon_search_params;

/**
 * What was measured for one set of parameters (one arm of an experiment, a
 * baseline, or a shadow measurement). Quantities not measured are NaN.
 */
typedef struct vmon_arm_figures {
    uint32_t struct_size;  /**< sizeof(vmon_arm_figures) */
    uint32_t samples;      /**< requests in the window */
    uint32_t errors;       /**< failed requests in the window */
    uint32_t recall_exact; /**< 1: recall against exact_search; 0: against an exhaustive setting */
    uint32_t recall_queries; /**< queries behind the recall figures; 0: recall not measured */
    uint32_t reserved;       /**< zero */
    double mean_ms, p50_ms, p95_ms, p99_ms;
    double qps;
    double recall;      /**< mean recall@k */
    double recall_low;  /**< lower bound of its 95% interval */
    double recall_high; /**< upper bound of its 95% interval */
} vmon_arm_figures;

/** One configuration measured earlier for this collection, with its figures. */
typedef struct vmon_tuning_trial {
    uint32_t struct_size; /**< sizeof(vmon_tuning_trial) */
    uint32_t reserved;    /**< zero */
    vmon_search_params params;
    vmon_arm_figures figures;
    uint64_t rows;   /**< collection rows when it was measured */
    int64_t time_ms; /**< Unix ms of the measurement */
} vmon_tuning_trial;

/** Why the core asks. Numbers are part of the ABI. */
typedef enum vmon_tuning_reason {
    VMON_TUNE_INITIAL = 0,          /**< no parameters chosen yet for this collection */
    VMON_TUNE_LATENCY_DEGRADED = 1, /**< p95 rose past the degradation factor of the baseline */
    VMON_TUNE_QPS_DEGRADED = 2,     /**< QPS fell past the drop threshold of the baseline */
    VMON_TUNE_RECALL_LOW = 3,       /**< the current recall bound is below the floor */
    VMON_TUNE_MEASURED = 4,         /**< the candidates asked for were measured (see history) */
    VMON_TUNE_REVIEW = 5,           /**< periodic review: look for headroom or growth */
} vmon_tuning_reason;

/** Everything the core knows when it asks. Pointers are valid for the call only. */
typedef struct vmon_tuning_input {
    uint32_t struct_size; /**< sizeof(vmon_tuning_input) of the core */
    uint32_t reason;      /**< vmon_tuning_reason */
    uint32_t n_history;   /**< entries in `history` */
    uint32_t reserved;    /**< zero */
    const char *collection;
    const vmon_collection_stats *facts; /**< index type, nlist / M / efConstruction, rows, dim */
    vmon_search_params current;         /**< parameters in use (zeros at VMON_TUNE_INITIAL) */
    vmon_search_params lower;           /**< the user's bounds; a zero field means unbounded */
    vmon_search_params upper;
    double latency_target_ms;         /**< p95 the parameters must meet; 0: none */
    double recall_floor;              /**< recall@k lower bound that must hold; 0: none */
    const vmon_arm_figures *baseline; /**< NULL before the first baseline */
    const vmon_arm_figures *now;      /**< the current window of the parameters in use, or NULL */
    const vmon_tuning_trial *history; /**< oldest first; may be NULL when n_history is 0 */
} vmon_tuning_input;

/** What the tuner answers. Numbers are part of the ABI. */
typedef enum vmon_tuning_decision {
    VMON_TUNE_PROPOSE = 0,        /**< try the candidates (best first) as experiment arms */
    VMON_TUNE_MEASURE = 1,        /**< shadow-measure the candidates, then ask again */
    VMON_TUNE_NOTHING_BETTER = 2, /**< keep the current parameters */
    VMON_TUNE_INFEASIBLE = 3,     /**< nothing meets both target and floor; see recommendation */
} vmon_tuning_decision;

/** Most candidates in one answer. */
#define VMON_TUNE_MAX_CANDIDATES 8

/** One proposed configuration and why. */
typedef struct vmon_tuning_candidate {
    vmon_search_params params;
    char reason[160]; /**< one human line ("p95 2.0x baseline: nprobe 16 -> 11") */
} vmon_tuning_candidate;

/** Filled by decide; zeroed by the core beforehand, `struct_size` set. */
typedef struct vmon_tuning_output {
    uint32_t struct_size;  /**< set by the core */
    uint32_t decision;     /**< vmon_tuning_decision */
    uint32_t n_candidates; /**< 0..VMON_TUNE_MAX_CANDIDATES */
    uint32_t nlist; /**< for a new IVF index of facts->row_count rows: advised nlist; 0 none */
    vmon_tuning_candidate candidates[VMON_TUNE_MAX_CANDIDATES];
    char recommendation[256]; /**< with NOTHING_BETTER / INFEASIBLE: what an operator can do */
} vmon_tuning_output;

/** Operations of a tuner plugin (vmon_plugin_descriptor.ops for VMON_KIND_TUNER). */
typedef struct vmon_tuner_ops {
    uint32_t struct_size; /**< sizeof(vmon_tuner_ops) as the plugin was built */
    uint32_t kind;        /**< VMON_KIND_TUNER */
    /**
     * Required. Decide from `in` alone (and the instance's options): no I/O,
     * no clock, no blocking, deterministic for equal inputs. Returns VMON_OK
     * with `out` filled, or VMON_EINVAL (reason in `err`) for an input it
     * cannot work with (an index type it does not tune). Tuning thread.
     */
    int (*decide)(void *ctx, const vmon_tuning_input *in, vmon_tuning_output *out, char *err,
                  size_t errlen);
} vmon_tuner_ops;

#ifdef __cplusplus
}
#endif
#endif
