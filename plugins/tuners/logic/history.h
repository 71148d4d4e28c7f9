/*
 * The trials of the history that still describe the collection, one point per
 * knob value: trials of the other index kind, another top_k, a value outside
 * today's range (the index was rebuilt, the bounds changed), a row count far
 * from today's, or from before the curve shifted are left out.
 */
#ifndef VMON_TUNER_HISTORY_H
#define VMON_TUNER_HISTORY_H

#include "knob.h"

/** A re-measurement off by this factor in p95 means the curve moved. */
#define TUNER_SHIFT_FACTOR 1.3

/** One measured configuration. */
typedef struct tune_point {
    uint32_t x; /**< the knob's value */
    double p95_ms;
    double recall, recall_low; /**< NaN when recall was not measured */
} tune_point;

/** Most points kept; a search never measures this many. */
#define TUNER_MAX_POINTS 64

/** The fresh points inside `r`, sorted by x; returns how many. */
unsigned history_points(const tuner_config *cfg, const vmon_tuning_input *in, const knob_range *r,
                        tune_point *pts);

/** The point at x, or NULL. */
const tune_point *history_find(const tune_point *pts, unsigned n, uint32_t x);

#endif
