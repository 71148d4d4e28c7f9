/*
 * `mode = classic`: the rules of the seed's ParameterOptimizer, number for
 * number (docs/architecture.md, "Tuners", lists them), with three changes
 * forced by the ABI: the answer is clamped to the allowed range (nprobe
 * 1..nlist, ef >= top_k, the user's bounds), the bands use the index's own
 * nlist when the facts carry one, and an adjustment that changes nothing is
 * NOTHING_BETTER instead of an experiment between two equal arms.
 */
#include "classic.h"

#include <math.h>
#include <stdio.h>

#include "knob.h"

/* The seed's AutoTuningSystem default when no latency target is given. */
#define SEED_DEFAULT_TARGET_MS 100.0

static uint32_t band_nprobe(double target_ms, uint32_t nlist)
{
    if (target_ms < 50)
        return nlist / 50 > 8 ? nlist / 50 : 8;
    if (target_ms < 100)
        return nlist / 30 > 16 ? nlist / 30 : 16;
    return nlist / 20 > 32 ? nlist / 20 : 32;
}

static uint32_t band_ef(double target_ms)
{
    return target_ms < 50 ? 64 : target_ms < 100 ? 128 : 256;
}

/* The seed's int(current * factor) and max(floor, ...). */
static uint32_t scaled(uint32_t current, double factor, uint32_t floor_value)
{
    uint32_t v = (uint32_t)((double)current * factor);
    return v > floor_value ? v : floor_value;
}

static double ratio(const vmon_arm_figures *now, const vmon_arm_figures *base, int qps)
{
    if (!now || !base)
        return NAN;
    double a = qps ? now->qps : now->p95_ms, b = qps ? base->qps : base->p95_ms;
    return b > 0 ? a / b : NAN;
}

static int initial(const tuner_config *cfg, const vmon_tuning_input *in, const knob_range *r,
                   vmon_tuning_output *out)
{
    double target = in->latency_target_ms > 0 ? in->latency_target_ms : SEED_DEFAULT_TARGET_MS;
    uint32_t want;
    if (cfg->knob == TUNER_KNOB_NPROBE) {
        uint32_t nlist = in->facts->nlist ? in->facts->nlist : out->nlist;
        want = band_nprobe(target, nlist);
    } else {
        want = band_ef(target);
    }
    uint32_t v = knob_clamp(r, want);
    out->decision = VMON_TUNE_PROPOSE;
    out_candidate(out, cfg->knob, r->top_k, v, "classic: p95 target %.0f ms band: %s %u%s", target,
                  knob_name(cfg->knob), v, v != want ? " (clamped to the bounds)" : "");
    return VMON_OK;
}

static int adjust(const tuner_config *cfg, const vmon_tuning_input *in, const knob_range *r,
                  vmon_tuning_output *out)
{
    int latency = in->reason == VMON_TUNE_LATENCY_DEGRADED;
    uint32_t cur = knob_get(cfg->knob, &in->current);
    uint32_t want;
    if (cfg->knob == TUNER_KNOB_NPROBE)
        want = scaled(cur ? cur : 16, latency ? 0.7 : 0.8, 8);
    else if (latency)
        want = scaled(cur ? cur : 128, 0.7, 64);
    else
        want = cur; /* the seed leaves ef alone when QPS drops */
    uint32_t v = knob_clamp(r, want);
    if (v == cur) {
        out->decision = VMON_TUNE_NOTHING_BETTER;
        out_recommend(out, "classic: %s %u is already at the rule's floor for a %s",
                      knob_name(cfg->knob), cur, latency ? "latency rise" : "QPS drop");
        return VMON_OK;
    }
    out->decision = VMON_TUNE_PROPOSE;
    if (latency)
        out_candidate(out, cfg->knob, r->top_k, v, "p95 %.1fx baseline: %s %u -> %u",
                      ratio(in->now, in->baseline, 0), knob_name(cfg->knob), cur, v);
    else
        out_candidate(out, cfg->knob, r->top_k, v, "QPS %.0f%% of baseline: %s %u -> %u",
                      ratio(in->now, in->baseline, 1) * 100, knob_name(cfg->knob), cur, v);
    return VMON_OK;
}

int classic_decide(const tuner_config *cfg, const vmon_tuning_input *in, const knob_range *r,
                   vmon_tuning_output *out)
{
    switch (in->reason) {
    case VMON_TUNE_INITIAL:
        return initial(cfg, in, r, out);
    case VMON_TUNE_LATENCY_DEGRADED:
    case VMON_TUNE_QPS_DEGRADED:
        return adjust(cfg, in, r, out);
    default:
        out->decision = VMON_TUNE_NOTHING_BETTER;
        out_recommend(out, "classic mode acts only on the first choice and on latency or QPS "
                           "degradation; mode = recall_aware also watches recall and headroom");
        return VMON_OK;
    }
}
