/*
 * A sliding window of request latencies for concurrent writers.
 *
 * The window (say 60 s) is cut into slices (say 1 s), and each writer (a
 * traffic worker thread, numbered 0..n_writers-1 at creation) owns one
 * log-linear histogram per slice (loghist.h). A writer records into its own
 * slices only, with relaxed atomic loads and stores and no lock; its slices
 * share no cache line with another writer's. A reader merges the slices that
 * lie in the window when it reads; nothing is ever sorted, and reading never
 * blocks a writer. A reader keeps the sum of the slices no writer can touch
 * any more, so a read costs a few slices per writer, not the whole window
 * (after a pause longer than a few slices, or a reset, it rebuilds the sum
 * once). Quantiles carry the histogram's error, VMON_LOGHIST_REL_ERROR.
 *
 * Timestamps are the caller's (CLOCK_MONOTONIC ns, or a fake clock in tests).
 * The window reads the slices of the last `window_ms`, the current (partial)
 * slice included, so `covered_ms` of a full window lies between window_ms -
 * slice_ms and window_ms. It starts at the first record after creation, or at
 * the time given to vmon_latency_window_reset.
 */
#ifndef VMON_LATENCY_WINDOW_H
#define VMON_LATENCY_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "loghist.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vmon_latency_window vmon_latency_window;

/** Most slices in one window and most writers. */
#define VMON_LATENCY_WINDOW_MAX_SLICES  3600u
#define VMON_LATENCY_WINDOW_MAX_WRITERS 1024u

/** What one read of the window found. */
typedef struct vmon_latency_summary {
    uint64_t count;  /**< requests, failed ones included */
    uint64_t errors; /**< failed requests */
    /** Of the successful requests; NaN when there was none. */
    double mean_ms, p50_ms, p95_ms, p99_ms;
    double qps;        /**< successful requests per second over covered_ms; NaN if 0 ms */
    double covered_ms; /**< time the window has data for (from its start to now) */
    bool full;         /**< the window started before its oldest slice: a whole window */
} vmon_latency_summary;

/**
 * A window of `window_ms` in slices of `slice_ms` (window_ms a multiple of
 * slice_ms is best; it is rounded up to whole slices) for `n_writers`
 * writers. NULL when an argument is out of range (0, slice_ms > window_ms,
 * more than VMON_LATENCY_WINDOW_MAX_SLICES slices or MAX_WRITERS writers)
 * or memory is short. Memory: n_writers x (slices + 4) x about 18 KiB.
 */
vmon_latency_window *vmon_latency_window_new(uint32_t window_ms, uint32_t slice_ms,
                                             uint32_t n_writers);
void vmon_latency_window_free(vmon_latency_window *w);

/**
 * Record one request of `latency_ns` that ended at `now_ns`; `ok` false for a
 * failed request (counted as an error; its latency is not kept). Called only
 * by the thread that owns `writer`; an out-of-range writer is ignored. No
 * lock, no allocation; the first request of a slice clears the writer's
 * oldest slice.
 */
void vmon_latency_window_record(vmon_latency_window *w, uint32_t writer, uint64_t now_ns,
                                uint64_t latency_ns, bool ok);

/**
 * Summary of the window as of `now_ns`. Any thread: readers share a lock of
 * their own that writers never take; writers go on meanwhile.
 */
void vmon_latency_window_read(const vmon_latency_window *w, uint64_t now_ns,
                              vmon_latency_summary *out);

/** The successful requests of the window as of `now_ns`, merged into `out` (initialised here). */
void vmon_latency_window_merged(const vmon_latency_window *w, uint64_t now_ns, vmon_loghist *out);

/**
 * Forget everything recorded so far; the window starts again at `now_ns`.
 * Writers may record meanwhile: each clears its own slices at its next
 * record, and until then a reader leaves them out.
 */
void vmon_latency_window_reset(vmon_latency_window *w, uint64_t now_ns);

#ifdef __cplusplus
}
#endif
#endif
