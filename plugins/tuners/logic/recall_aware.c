/*
 * `mode = recall_aware`. The objective: the highest recall whose p95 meets
 * the latency target, bought as cheaply as possible (a cheaper value when
 * the recall it gives up is surely below `recall_tolerance`), and only if
 * its recall lower bound holds the floor. With no latency target: the
 * cheapest value that holds the floor.
 *
 * Both p95 and recall grow with the knob, so the feasible values form one
 * interval and the answer is an end of it; the search brackets that end with
 * a few measured values (boundary.c) and answers VMON_TUNE_MEASURE until the
 * bracket closes, the recall left on the table is below the tolerance, or
 * `max_measured` values are spent. Degradation and recall alarms re-measure
 * the current value first: if the curve moved, history.c drops what came
 * before.
 */
#include "recall_aware.h"

#include <math.h>
#include <stdio.h>

#include "boundary.h"
#include "history.h"

typedef struct search {
    const tuner_config *cfg;
    const vmon_tuning_input *in;
    const knob_range *r;
    vmon_tuning_output *out;
    tune_point pts[TUNER_MAX_POINTS];
    unsigned n;
    uint32_t cur; /* knob value in use; 0 before the first choice */
} search;

static int holds_floor(const search *s, const tune_point *p)
{
    return !(s->in->recall_floor > 0) || p->recall_low >= s->in->recall_floor;
}

/* Measure `xs` (within what is left of the budget once points are known). */
static void ask(search *s, const uint32_t *xs, unsigned n, const char *why)
{
    unsigned room = s->n < s->cfg->max_measured ? s->cfg->max_measured - s->n : 1;
    if (n > room)
        n = room;
    s->out->decision = VMON_TUNE_MEASURE;
    for (unsigned i = 0; i < n; i++)
        out_candidate(s->out, s->cfg->knob, s->r->top_k, xs[i], "measure %s %u: %s",
                      knob_name(s->cfg->knob), xs[i], why);
}

/* Where to start with nothing measured: the value in use, else the middle of
 * the usual operating range (nlist/32 lists, ef 4 * top_k), which the first
 * extrapolation corrects in one step. */
static uint32_t first_guess(const search *s)
{
    if (s->cur)
        return knob_clamp(s->r, s->cur);
    if (s->cfg->knob == TUNER_KNOB_NPROBE)
        return knob_clamp(s->r, fmax(8.0, s->in->facts->nlist / 32.0));
    return knob_clamp(s->r, 4.0 * s->r->top_k);
}

static void describe(const tune_point *p, char *buf, size_t len)
{
    if (isnan(p->recall))
        snprintf(buf, len, "p95 %.3g ms, recall not measured", p->p95_ms);
    else
        snprintf(buf, len, "p95 %.3g ms, recall %.4f (low %.4f)", p->p95_ms, p->recall,
                 p->recall_low);
}

static int answer(search *s, const tune_point *best, const char *why)
{
    char fig[96];
    describe(best, fig, sizeof fig);
    const char *k = knob_name(s->cfg->knob);
    if (best->x == s->cur) {
        s->out->decision = VMON_TUNE_NOTHING_BETTER;
        out_recommend(s->out, "%s %u is already the best choice (%s; %s)", k, best->x, fig, why);
        return VMON_OK;
    }
    s->out->decision = VMON_TUNE_PROPOSE;
    if (s->cur)
        out_candidate(s->out, s->cfg->knob, s->r->top_k, best->x, "%s: %s %u -> %u (%s)", why, k,
                      s->cur, best->x, fig);
    else
        out_candidate(s->out, s->cfg->knob, s->r->top_k, best->x, "%s: %s %u (%s)", why, k, best->x,
                      fig);
    return VMON_OK;
}

static int infeasible(search *s, const char *fmt_why, const tune_point *p)
{
    s->out->decision = VMON_TUNE_INFEASIBLE;
    const char *k = knob_name(s->cfg->knob);
    const char *faster = s->cfg->knob == TUNER_KNOB_NPROBE
                             ? "an index with more lists or HNSW"
                             : "an HNSW index with larger M / efConstruction";
    if (p && !holds_floor(s, p) && isnan(p->recall_low))
        out_recommend(s->out,
                      "%s: recall was not measured for %s %u, so floor %.4f cannot be shown; "
                      "let the core sample ground truth (exact search) in its measurements",
                      fmt_why, k, p->x, s->in->recall_floor);
    else if (p && !holds_floor(s, p))
        out_recommend(s->out,
                      "%s: the most %s the p95 target %.3g ms allows is %u, with recall low "
                      "%.4f < floor %.4f; raise latency_target_ms, lower recall_floor, add "
                      "query nodes, or rebuild with %s",
                      fmt_why, k, s->in->latency_target_ms, p->x, p->recall_low,
                      s->in->recall_floor, faster);
    else if (p)
        out_recommend(s->out,
                      "%s: even %s %u has p95 %.3g ms > target %.3g ms; add query nodes or "
                      "replicas, use a faster index type (IVF_SQ8, HNSW), or raise "
                      "latency_target_ms",
                      fmt_why, k, p->x, p->p95_ms, s->in->latency_target_ms);
    else
        out_recommend(s->out,
                      "%s: no %s in %u..%u holds recall floor %.4f; lower recall_floor, widen "
                      "the %s bounds, or rebuild with %s",
                      fmt_why, k, s->r->lo, s->r->hi, s->in->recall_floor, k, faster);
    return VMON_OK;
}

/* Is hi's recall gain over lo below the tolerance, with confidence? The
 * upper end of the difference's interval must be: two noisy point figures
 * alone could trade away a real gain. */
static int gain_negligible(const search *s, const tune_point *lo, const tune_point *hi)
{
    if (isnan(lo->recall) || isnan(hi->recall))
        return 0;
    double h_lo = lo->recall - lo->recall_low, h_hi = hi->recall - hi->recall_low;
    double upper = hi->recall - lo->recall + sqrt(h_lo * h_lo + h_hi * h_hi);
    return upper <= s->cfg->recall_tolerance;
}

/* Among passing values up to `top`, the cheapest whose recall gain up to
 * top's is negligible: saturated recall is not worth the latency. */
static const tune_point *cheapest_equivalent(const search *s, const tune_point *top)
{
    for (unsigned i = 0; i < s->n; i++) {
        const tune_point *p = &s->pts[i];
        if (p->x > top->x)
            break;
        if (gain_negligible(s, p, top) && p->p95_ms <= s->in->latency_target_ms &&
            holds_floor(s, p))
            return p;
    }
    return top;
}

static int budget_spent(const search *s)
{
    return s->n >= s->cfg->max_measured;
}

/* With a latency target: the largest value meeting it. */
static int by_latency(search *s)
{
    boundary b;
    double target = s->in->latency_target_ms;
    boundary_locate(BOUNDARY_LATENCY, target, s->pts, s->n, s->r, &b);
    /* A failing value below the floor proves every value infeasible: cheaper
     * ones have less recall, dearer ones more latency. */
    if (b.fail && s->in->recall_floor > 0 && b.fail->recall_low < s->in->recall_floor &&
        (!b.pass || !holds_floor(s, b.pass)))
        return infeasible(s, "nothing meets both", b.pass ? b.pass : b.fail);
    /* Saturated recall: whatever lies inside the bracket gains less. */
    int close_enough = b.pass && b.fail && gain_negligible(s, b.pass, b.fail);
    if (!b.resolved && !close_enough && !budget_spent(s)) {
        ask(s, b.next, b.n_next, "bracketing the p95 target");
        return VMON_OK;
    }
    if (!b.pass)
        return infeasible(s, "nothing meets the latency target", b.fail);
    if (!holds_floor(s, b.pass))
        return infeasible(s, "nothing meets both", b.pass);
    return answer(s, cheapest_equivalent(s, b.pass), "best recall within the p95 target");
}

/* Without a latency target: the smallest value holding the floor. */
static int by_recall(search *s)
{
    boundary b;
    boundary_locate(BOUNDARY_RECALL, s->in->recall_floor, s->pts, s->n, s->r, &b);
    int close_enough =
        b.pass && b.fail && b.pass->p95_ms <= b.fail->p95_ms * 1.05; /* no cost left to save */
    if (!b.resolved && !close_enough && !budget_spent(s)) {
        ask(s, b.next, b.n_next, "bracketing the recall floor");
        return VMON_OK;
    }
    if (!b.pass)
        return infeasible(s, "the recall floor is out of reach", NULL);
    return answer(s, b.pass, "cheapest holding the recall floor");
}

/* An alarm about the value in use: measure it again (and where it should
 * move), so a moved curve shows in the history before the search runs. */
static int remeasure(search *s)
{
    const vmon_arm_figures *now = s->in->now;
    double target = s->in->latency_target_ms;
    double guess;
    if (s->in->reason == VMON_TUNE_RECALL_LOW)
        guess = s->cur * 1.5 + 1;
    else if (now && now->p95_ms > 0 && target > 0)
        guess = s->cur * target / now->p95_ms;
    else
        guess = s->cur * 0.7;
    /* A value in use outside today's range (bounds changed, index rebuilt)
     * is measured at the nearest allowed value instead. */
    uint32_t xs[2] = {knob_clamp(s->r, s->cur), knob_clamp(s->r, guess)};
    ask(s, xs, xs[1] == xs[0] ? 1 : 2, "the value in use raised an alarm; re-measuring");
    return VMON_OK;
}

/* A review whose live p95 sits far under both the target and what the
 * history says for the value in use: the curve moved down; look again. */
static int headroom_moved(const search *s)
{
    const vmon_arm_figures *now = s->in->now;
    double target = s->in->latency_target_ms;
    if (s->in->reason != VMON_TUNE_REVIEW || !now || !(now->p95_ms > 0) || target <= 0 ||
        s->cur == 0 || s->cur >= s->r->hi)
        return 0;
    const tune_point *p = history_find(s->pts, s->n, s->cur);
    return p && now->p95_ms < s->cfg->headroom * target &&
           now->p95_ms * TUNER_SHIFT_FACTOR < p->p95_ms;
}

int recall_aware_decide(const tuner_config *cfg, const vmon_tuning_input *in, const knob_range *r,
                        vmon_tuning_output *out)
{
    search s = {.cfg = cfg, .in = in, .r = r, .out = out, .cur = knob_get(cfg->knob, &in->current)};
    if (!(in->latency_target_ms > 0) && !(in->recall_floor > 0)) {
        out->decision = VMON_TUNE_NOTHING_BETTER;
        out_recommend(out, "no objective: set latency_target_ms and/or recall_floor in the "
                           "[tuner:...] section");
        return VMON_OK;
    }
    int alarm = in->reason == VMON_TUNE_LATENCY_DEGRADED || in->reason == VMON_TUNE_QPS_DEGRADED ||
                in->reason == VMON_TUNE_RECALL_LOW;
    if (alarm && s.cur)
        return remeasure(&s);
    s.n = history_points(cfg, in, r, s.pts);
    if (headroom_moved(&s))
        return remeasure(&s);
    if (s.n == 0) {
        uint32_t x = first_guess(&s);
        ask(&s, &x, 1, "no fresh measurement at this row count");
        return VMON_OK;
    }
    return in->latency_target_ms > 0 ? by_latency(&s) : by_recall(&s);
}
