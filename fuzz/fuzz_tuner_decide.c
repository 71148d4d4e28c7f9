/*
 * The tuners' decide() on arbitrary inputs: the core hands it figures from
 * measurements, which can hold anything a double can (NaN, infinities,
 * negative times) and histories from older indexes. Whatever the input, an
 * answer must be: a known decision, at most VMON_TUNE_MAX_CANDIDATES
 * candidates, every candidate inside the ABI's range and the bounds, and
 * candidates only with PROPOSE or MEASURE.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tuner_logic.h"

enum { MAX_TRIALS = 40 };

typedef struct reader {
    const uint8_t *p;
    size_t left;
} reader;

static uint64_t take(reader *r, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++) {
        v = v << 8 | (r->left ? *r->p : 0);
        if (r->left) {
            r->p++;
            r->left--;
        }
    }
    return v;
}

/* A figure: one byte picks a special value or a scale for the next two. */
static double take_figure(reader *r, double scale)
{
    static const double special[] = {NAN, INFINITY, -INFINITY, -1.0, 0.0, 1e300};
    unsigned kind = (unsigned)take(r, 1);
    if (kind < 6)
        return special[kind];
    return (double)take(r, 2) * scale;
}

static int in_range(const vmon_tuning_input *in, tuner_knob knob, const vmon_search_params *p)
{
    uint32_t v = knob == TUNER_KNOB_NPROBE ? p->nprobe : p->ef;
    uint32_t lo = knob == TUNER_KNOB_NPROBE ? in->lower.nprobe : in->lower.ef;
    uint32_t hi = knob == TUNER_KNOB_NPROBE ? in->upper.nprobe : in->upper.ef;
    if (v == 0 || (lo && v < lo) || (hi && v > hi))
        return 0;
    if (knob == TUNER_KNOB_NPROBE)
        return v <= in->facts->nlist && p->ef == 0;
    return v >= p->top_k && p->nprobe == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    reader r = {data, size};
    unsigned flags = (unsigned)take(&r, 1);
    tuner_knob knob = flags & 1 ? TUNER_KNOB_EF : TUNER_KNOB_NPROBE;
    tuner_config cfg = tuner_config_default(knob);
    cfg.mode = flags & 2 ? TUNER_MODE_CLASSIC : TUNER_MODE_RECALL_AWARE;
    cfg.max_measured = 2 + (flags >> 2) % 31;

    vmon_collection_stats facts = {.struct_size = sizeof facts};
    strcpy(facts.index_type, knob == TUNER_KNOB_NPROBE ? "IVF_FLAT" : "HNSW");
    facts.nlist = knob == TUNER_KNOB_NPROBE ? (uint32_t)take(&r, 2) : 0;
    facts.row_count = take(&r, 4);

    vmon_tuning_input in = {.struct_size = sizeof in, .collection = "f", .facts = &facts};
    in.reason = (uint32_t)take(&r, 1) % 6;
    in.current.top_k = (uint32_t)take(&r, 1);
    in.current.nprobe = (uint32_t)take(&r, 2);
    in.current.ef = (uint32_t)take(&r, 2);
    in.lower.nprobe = in.lower.ef = (uint32_t)take(&r, 1);
    in.upper.nprobe = in.upper.ef = (uint32_t)take(&r, 2);
    in.latency_target_ms = take_figure(&r, 0.01);
    in.recall_floor = take_figure(&r, 1.0 / 65535);
    vmon_arm_figures now = {.struct_size = sizeof now, .samples = 100};
    now.p95_ms = take_figure(&r, 0.01);
    now.qps = take_figure(&r, 1);
    if (flags & 0x80) {
        in.now = &now;
        in.baseline = &now;
    }

    vmon_tuning_trial trials[MAX_TRIALS];
    while (r.left && in.n_history < MAX_TRIALS) {
        vmon_tuning_trial *t = &trials[in.n_history++];
        memset(t, 0, sizeof *t);
        t->struct_size = sizeof *t;
        t->params.top_k = (uint32_t)take(&r, 1);
        uint32_t x = (uint32_t)take(&r, 2);
        t->params.nprobe = knob == TUNER_KNOB_NPROBE ? x : 0;
        t->params.ef = knob == TUNER_KNOB_EF ? x : 0;
        t->figures.samples = (uint32_t)take(&r, 1);
        t->figures.recall_queries = (uint32_t)take(&r, 1);
        t->figures.p95_ms = take_figure(&r, 0.01);
        t->figures.recall = take_figure(&r, 1.0 / 65535);
        t->figures.recall_low = t->figures.recall - take_figure(&r, 1.0 / 65535);
        t->rows = take(&r, 4);
    }
    in.history = in.n_history ? trials : NULL;

    vmon_tuning_output out;
    memset(&out, 0, sizeof out);
    out.struct_size = sizeof out;
    char err[256];
    if (tuner_decide(&cfg, &in, &out, err, sizeof err) != VMON_OK) {
        if (!memchr(err, 0, sizeof err) || !err[0])
            abort(); /* an error always says why */
        return 0;
    }
    if (out.decision > VMON_TUNE_INFEASIBLE || out.n_candidates > VMON_TUNE_MAX_CANDIDATES)
        abort();
    if (out.n_candidates && out.decision != VMON_TUNE_PROPOSE && out.decision != VMON_TUNE_MEASURE)
        abort();
    if ((out.decision == VMON_TUNE_PROPOSE || out.decision == VMON_TUNE_MEASURE) &&
        !out.n_candidates)
        abort();
    for (uint32_t i = 0; i < out.n_candidates; i++)
        if (!in_range(&in, knob, &out.candidates[i].params) ||
            !memchr(out.candidates[i].reason, 0, sizeof out.candidates[i].reason))
            abort();
    if (!memchr(out.recommendation, 0, sizeof out.recommendation))
        abort();
    return 0;
}
