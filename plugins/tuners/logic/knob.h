/*
 * The one search parameter a tuner turns: its value in a vmon_search_params,
 * the range the ABI and the user's bounds allow, and the output helpers both
 * modes use.
 */
#ifndef VMON_TUNER_KNOB_H
#define VMON_TUNER_KNOB_H

#include <stdint.h>

#include "tuner_logic.h"

/** ef's upper end when the user gives no bound: far past where recall saturates. */
#define TUNER_EF_DEFAULT_MAX 1024u
/** top_k when neither the current parameters nor the bounds carry one. */
#define TUNER_DEFAULT_TOP_K 10u

/** Allowed values of the knob: lo..hi, both inclusive, lo >= 1. */
typedef struct knob_range {
    uint32_t lo, hi;
    uint32_t top_k;
} knob_range;

const char *knob_name(tuner_knob knob);
uint32_t knob_get(tuner_knob knob, const vmon_search_params *p);
/** Parameters with the knob at `value` and the other knob zero. */
vmon_search_params knob_params(tuner_knob knob, uint32_t top_k, uint32_t value);
/** Range from the facts, the ABI's limits and the bounds; non-zero (err set) when empty. */
int knob_range_of(tuner_knob knob, const vmon_tuning_input *in, knob_range *r, char *err,
                  size_t errlen);
uint32_t knob_clamp(const knob_range *r, double value);

/** Append one candidate (ignored past VMON_TUNE_MAX_CANDIDATES). printf-style reason. */
void out_candidate(vmon_tuning_output *out, tuner_knob knob, uint32_t top_k, uint32_t value,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void out_recommend(vmon_tuning_output *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** nlist advised for a new IVF index of `rows` rows: int(2 * sqrt(rows)), as the seed. */
uint32_t advised_nlist(uint64_t rows);

#endif
