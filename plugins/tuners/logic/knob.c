/*
 * The knob a tuner turns, its allowed range, and output helpers.
 */
#include "knob.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *knob_name(tuner_knob knob)
{
    return knob == TUNER_KNOB_NPROBE ? "nprobe" : "ef";
}

uint32_t knob_get(tuner_knob knob, const vmon_search_params *p)
{
    return knob == TUNER_KNOB_NPROBE ? p->nprobe : p->ef;
}

vmon_search_params knob_params(tuner_knob knob, uint32_t top_k, uint32_t value)
{
    vmon_search_params p = {.struct_size = sizeof p, .top_k = top_k};
    if (knob == TUNER_KNOB_NPROBE)
        p.nprobe = value;
    else
        p.ef = value;
    return p;
}

static uint32_t top_k_of(const vmon_tuning_input *in)
{
    if (in->current.top_k)
        return in->current.top_k;
    if (in->n_history && in->history[in->n_history - 1].params.top_k)
        return in->history[in->n_history - 1].params.top_k;
    return TUNER_DEFAULT_TOP_K;
}

int knob_range_of(tuner_knob knob, const vmon_tuning_input *in, knob_range *r, char *err,
                  size_t errlen)
{
    r->top_k = top_k_of(in);
    uint32_t lower = knob_get(knob, &in->lower), upper = knob_get(knob, &in->upper);
    if (knob == TUNER_KNOB_NPROBE) {
        if (in->facts->nlist == 0) {
            snprintf(err, errlen,
                     "collection '%s': index %s reports nlist 0; an IVF index needs its list "
                     "count to bound nprobe",
                     in->collection ? in->collection : "(default)", in->facts->index_type);
            return -1;
        }
        r->lo = lower > 1 ? lower : 1;
        r->hi = upper && upper < in->facts->nlist ? upper : in->facts->nlist;
    } else {
        r->lo = lower > r->top_k ? lower : r->top_k;
        r->hi = upper ? upper : (TUNER_EF_DEFAULT_MAX > r->lo ? TUNER_EF_DEFAULT_MAX : r->lo);
    }
    if (r->lo > r->hi) {
        snprintf(err, errlen,
                 "collection '%s': no %s is allowed: the bounds and the index leave %u..%u "
                 "(%s); widen the tuner's %s bounds",
                 in->collection ? in->collection : "(default)", knob_name(knob), r->lo, r->hi,
                 knob == TUNER_KNOB_NPROBE ? "nprobe must be 1..nlist" : "ef must be >= top_k",
                 knob_name(knob));
        return -1;
    }
    return 0;
}

uint32_t knob_clamp(const knob_range *r, double value)
{
    if (!(value >= r->lo)) /* NaN too */
        return r->lo;
    if (value >= r->hi)
        return r->hi;
    return (uint32_t)value;
}

void out_candidate(vmon_tuning_output *out, tuner_knob knob, uint32_t top_k, uint32_t value,
                   const char *fmt, ...)
{
    if (out->n_candidates >= VMON_TUNE_MAX_CANDIDATES)
        return;
    vmon_tuning_candidate *c = &out->candidates[out->n_candidates++];
    c->params = knob_params(knob, top_k, value);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
    va_end(ap);
}

void out_recommend(vmon_tuning_output *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->recommendation, sizeof out->recommendation, fmt, ap);
    va_end(ap);
}

uint32_t advised_nlist(uint64_t rows)
{
    double n = 2.0 * sqrt((double)rows);
    return n >= 4294967295.0 ? UINT32_MAX : (uint32_t)n;
}
