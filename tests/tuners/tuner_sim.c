/*
 * The simulated collection and the measure-and-ask-again driver.
 */
#include "tuner_sim.h"

#include <math.h>
#include <string.h>

static double uniform(sim_curve *c)
{
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    return (double)(c->rng >> 11) / 9007199254740992.0;
}

static double gauss(sim_curve *c)
{
    double u = uniform(c), v = uniform(c);
    return sqrt(-2 * log(u > 1e-300 ? u : 1e-300)) * cos(6.283185307179586 * v);
}

double sim_p95(const sim_curve *c, uint32_t x)
{
    return (c->base_ms + c->per_step_ms * x) * c->shift;
}

double sim_recall(const sim_curve *c, uint32_t x)
{
    double r = 1 - c->miss * pow((double)x, -c->power);
    return r < 0 ? 0 : r;
}

vmon_arm_figures sim_measure(sim_curve *c, uint32_t x)
{
    double hits = (double)c->recall_queries * 10;
    double r = sim_recall(c, x);
    double sd = sqrt(r * (1 - r) / hits);
    double m = r + sd * gauss(c);
    m = m < 0 ? 0 : m > 1 ? 1 : m;
    double half = 1.96 * sqrt(m * (1 - m) / hits);
    vmon_arm_figures f = {.struct_size = sizeof f,
                          .samples = c->recall_queries,
                          .recall_exact = 1,
                          .recall_queries = c->recall_queries,
                          .p95_ms = sim_p95(c, x) * (1 + c->noise * (2 * uniform(c) - 1)),
                          .recall = m,
                          .recall_low = m - half,
                          .recall_high = m + half < 1 ? m + half : 1};
    f.mean_ms = f.p50_ms = f.p95_ms * 0.7;
    f.p99_ms = f.p95_ms * 1.2;
    f.qps = 1000 / f.mean_ms;
    return f;
}

uint32_t sim_oracle_latency(const sim_curve *c, uint32_t lo, uint32_t hi, double target)
{
    uint32_t best = 0;
    for (uint32_t x = lo; x <= hi; x++)
        if (sim_p95(c, x) <= target)
            best = x;
    return best;
}

static int in_range(const vmon_tuning_input *in, const tuner_config *cfg,
                    const vmon_search_params *p)
{
    uint32_t v = cfg->knob == TUNER_KNOB_NPROBE ? p->nprobe : p->ef;
    uint32_t lo = cfg->knob == TUNER_KNOB_NPROBE ? in->lower.nprobe : in->lower.ef;
    uint32_t hi = cfg->knob == TUNER_KNOB_NPROBE ? in->upper.nprobe : in->upper.ef;
    if (v == 0 || (lo && v < lo) || (hi && v > hi))
        return 0;
    if (cfg->knob == TUNER_KNOB_NPROBE)
        return v <= in->facts->nlist && p->ef == 0;
    return v >= p->top_k && p->nprobe == 0;
}

int sim_drive(const tuner_config *cfg, vmon_tuning_input in, sim_curve *c, sim_run *run)
{
    char err[256];
    for (run->rounds = 0; run->rounds < 32; run->rounds++) {
        in.history = run->history;
        in.n_history = run->n_history;
        memset(&run->last, 0, sizeof run->last);
        run->last.struct_size = sizeof run->last;
        if (tuner_decide(cfg, &in, &run->last, err, sizeof err) != VMON_OK)
            return -1;
        for (uint32_t i = 0; i < run->last.n_candidates; i++)
            run->out_of_range += !in_range(&in, cfg, &run->last.candidates[i].params);
        if (run->last.decision != VMON_TUNE_MEASURE)
            return (int)run->last.decision;
        for (uint32_t i = 0; i < run->last.n_candidates && run->n_history < SIM_MAX_HISTORY; i++) {
            vmon_tuning_trial *t = &run->history[run->n_history++];
            const vmon_search_params *p = &run->last.candidates[i].params;
            memset(t, 0, sizeof *t);
            t->struct_size = sizeof *t;
            t->params = *p;
            t->figures = sim_measure(c, cfg->knob == TUNER_KNOB_NPROBE ? p->nprobe : p->ef);
            t->rows = in.facts->row_count;
            t->time_ms = 1000 * (int64_t)run->n_history;
            run->measured++;
        }
        in.reason = VMON_TUNE_MEASURED;
    }
    return -2; /* never settled */
}
