/*
 * Where a monotone measured quantity crosses a threshold, on the integer
 * values of the knob. Latency and recall both grow with nprobe and ef (the
 * monotonicity FAISS AutoTune's pruning relies on too), so the measured
 * points split into a "pass" side and a "fail" side, and the next value to
 * measure is interpolated between the nearest points of each side.
 */
#ifndef VMON_TUNER_BOUNDARY_H
#define VMON_TUNER_BOUNDARY_H

#include "history.h"

/** What is being located. */
typedef enum boundary_kind {
    BOUNDARY_LATENCY = 0, /**< pass: p95 <= threshold; the pass side is the low one */
    BOUNDARY_RECALL = 1,  /**< pass: recall_low >= threshold; the pass side is the high one */
} boundary_kind;

typedef struct boundary {
    const tune_point *pass; /**< the passing point nearest the fail side, or NULL */
    const tune_point *fail; /**< the failing point nearest the pass side, or NULL */
    int resolved;           /**< no unmeasured value lies between them (or the range ends) */
    uint32_t next[2];       /**< values to measure next when not resolved */
    unsigned n_next;
} boundary;

/**
 * Locate the boundary of `kind` at `threshold` among `pts` (sorted by x)
 * within [r->lo, r->hi]. A fail contradicting a pass (noise) wins: the
 * answer stays on the safe side.
 */
void boundary_locate(boundary_kind kind, double threshold, const tune_point *pts, unsigned n,
                     const knob_range *r, boundary *b);

#endif
