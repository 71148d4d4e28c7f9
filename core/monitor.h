/*
 * The monitor of one pipeline: a sliding latency window per collection and
 * per arm (arm 0 is A, the parameters in use), the baseline, and the
 * degradation test against it.
 *
 * Hot path: a traffic worker looks its arm up once (vmon_monitor_arm_get,
 * outside its request loop) and then calls vmon_monitor_record per request:
 * no allocation and no lock there, and no cache line shared with another
 * worker (common/latency_window.h). Everything else takes the monitor's
 * lock and may run on any thread.
 *
 * Baseline: the first full window of arm 0 with at least min_samples
 * successful requests (vmon_monitor_check sets it). Degradation: a full
 * window of arm 0 with at least min_samples successful requests whose p95
 * exceeds latency_factor x the baseline's, or whose QPS is below
 * (1 - qps_drop) x the baseline's. A window with too few requests is no
 * evidence either way (traffic may have paused), and a baseline figure of
 * zero or NaN is never compared against. The caller resets the baseline when
 * it promotes new parameters (vmon_monitor_reset).
 */
#ifndef VMON_MONITOR_H
#define VMON_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vmon/router.h>
#include <vmon/tuner.h>

struct vmon_loghist;

typedef struct vmon_monitor_config {
    uint32_t window_ms;    /**< sliding window; default 60 s */
    uint32_t slice_ms;     /**< its slices; 0: window_ms / 60 (at least 1 ms) */
    uint32_t n_writers;    /**< traffic workers that record (writer 0..n-1); default 1 */
    uint32_t min_samples;  /**< successful requests a window needs to count; default 100 */
    double latency_factor; /**< degraded when p95 > factor x baseline p95; default 1.5 */
    double qps_drop;       /**< degraded when qps < (1 - drop) x baseline qps; default 0.30 */
} vmon_monitor_config;

/** The defaults above. */
void vmon_monitor_config_default(vmon_monitor_config *cfg);

typedef struct vmon_monitor vmon_monitor;
/** One arm of one collection: what a traffic worker records into. */
typedef struct vmon_monitor_arm vmon_monitor_arm;

/** NULL with `err` filled (naming the key and its allowed range) for a bad config. */
vmon_monitor *vmon_monitor_new(const vmon_monitor_config *cfg, char *err, size_t errlen);
void vmon_monitor_free(vmon_monitor *m);

/**
 * The arm `arm` (0..VMON_ROUTER_MAX_ARMS-1) of `collection`, created on first
 * use; the handle lives as long as the monitor. NULL with `err` filled for an
 * arm out of range or memory short. Call it once, outside the request loop.
 */
vmon_monitor_arm *vmon_monitor_arm_get(vmon_monitor *m, const char *collection, uint32_t arm,
                                       char *err, size_t errlen);

/**
 * One request that ended at `now_ns` (`ok` false: failed). Only `writer`'s
 * thread calls this for that writer; no lock, no allocation.
 */
void vmon_monitor_record(vmon_monitor_arm *a, uint32_t writer, uint64_t now_ns, uint64_t latency_ns,
                         bool ok);

/**
 * The arm's window as of `now_ns` as figures (recall not measured: NaN,
 * recall_queries 0); `*full` (may be NULL) says whether it covers a whole window.
 */
void vmon_monitor_arm_figures(const vmon_monitor_arm *a, uint64_t now_ns, vmon_arm_figures *out,
                              bool *full);

/**
 * The arm's successful requests in its window as of `now_ns`, merged into
 * `out` (initialised here): what the judge compares arms by.
 */
void vmon_monitor_arm_latency(const vmon_monitor_arm *a, uint64_t now_ns, struct vmon_loghist *out);

/** Outcome of one check of a collection. */
typedef struct vmon_monitor_status {
    vmon_arm_figures now;      /**< arm 0's window */
    vmon_arm_figures baseline; /**< valid when has_baseline */
    bool full;                 /**< arm 0's window covers a whole window */
    bool has_baseline;
    bool baseline_set; /**< this check set the baseline */
    int reason;        /**< VMON_TUNE_LATENCY_DEGRADED, VMON_TUNE_QPS_DEGRADED, or -1 */
    double p95_ratio;  /**< now / baseline p95; NaN without a baseline or samples */
    double qps_ratio;  /**< now / baseline qps; NaN likewise */
} vmon_monitor_status;

/**
 * Read arm 0 of `collection` as of `now_ns`, set the baseline from the first
 * full window, and test for degradation. VMON_EINVAL with `err` filled for a
 * collection with no arm yet.
 */
int vmon_monitor_check(vmon_monitor *m, const char *collection, uint64_t now_ns,
                       vmon_monitor_status *out, char *err, size_t errlen);

/**
 * Degradation of `now` against `baseline` under `cfg`, with every guard of
 * vmon_monitor_check (a pure function, for callers that keep their own
 * baseline): VMON_TUNE_LATENCY_DEGRADED (tested first), VMON_TUNE_QPS_DEGRADED, or -1.
 * `full` says whether `now` covers a whole window.
 */
int vmon_monitor_degradation(const vmon_monitor_config *cfg, const vmon_arm_figures *baseline,
                             const vmon_arm_figures *now, bool full);

/**
 * New parameters on `collection` (a promotion, a rollback, new arms): forget
 * its baseline and start every arm's window afresh at `now_ns`.
 */
void vmon_monitor_reset(vmon_monitor *m, const char *collection, uint64_t now_ns);

#endif
