#include "experiment.h"

#include "event_names.h"
#include "monitor.h"
#include "shadow.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vmon_experiment {
    vmon_exp_config cfg;
    vmon_exp_deps deps;
    vmon_exp_state state;
    uint32_t step;
    int has_baseline;
    int has_previous;
    int episode; /* a degradation was announced and has not cleared yet */
    uint64_t experiment;
    int64_t started_ms;
    int64_t last_consult_ms;
    vmon_search_params current;
    vmon_search_params previous;
    vmon_search_params candidate;
    vmon_arm_figures baseline;
    vmon_tuning_trial history[VMON_EXP_HISTORY];
    uint32_t n_history;
};

const char *vmon_exp_event_type_name(uint32_t type)
{
    const char *name = vmon_event_type_name(type);
    return name ? name : "unknown";
}

static const char *reason_name(uint32_t reason)
{
    static const char *const names[] = {"initial",    "latency_degraded", "qps_degraded",
                                        "recall_low", "measured",         "review"};
    return reason < sizeof names / sizeof names[0] ? names[reason] : "unknown";
}

void vmon_exp_config_default(vmon_exp_config *cfg)
{
    static const double ramp[] = {0.10, 0.25, 0.50, 1.00};
    memset(cfg, 0, sizeof *cfg);
    cfg->mode = VMON_EXP_APPLY;
    memcpy(cfg->ramp, ramp, sizeof ramp);
    cfg->n_ramp = 4;
    cfg->max_measure_rounds = 8; /* the recall-aware tuner finds its point in at most 8 */
    cfg->latency_factor = 1.5;
    cfg->qps_drop = 0.30;
    cfg->top_k = 10;
    cfg->min_samples = 100;
}

/* ---- events ---- */

static void ev_begin(vmon_exp_event *ev, const vmon_experiment *e, vmon_event_type type,
                     uint32_t severity, int64_t now_ms)
{
    memset(ev, 0, sizeof *ev);
    ev->type = type;
    ev->severity = severity;
    ev->time_ms = now_ms;
    ev->experiment =
        e->state == VMON_EXP_RUNNING || e->state == VMON_EXP_PAUSED ? e->experiment : 0;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
ev_field(vmon_exp_event *ev, const char *name, const char *fmt, ...)
{
    if (ev->n_fields >= VMON_EXP_MAX_FIELDS)
        return;
    snprintf(ev->name[ev->n_fields], sizeof ev->name[0], "%s", name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev->value[ev->n_fields], sizeof ev->value[0], fmt, ap);
    va_end(ap);
    ev->n_fields++;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
ev_message(vmon_exp_event *ev, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev->message, sizeof ev->message, fmt, ap);
    va_end(ap);
}

static void ev_params(vmon_exp_event *ev, const char *prefix, const vmon_search_params *p)
{
    char name[24];
    snprintf(name, sizeof name, "%s.top_k", prefix);
    ev_field(ev, name, "%u", p->top_k);
    if (p->nprobe) {
        snprintf(name, sizeof name, "%s.nprobe", prefix);
        ev_field(ev, name, "%u", p->nprobe);
    }
    if (p->ef) {
        snprintf(name, sizeof name, "%s.ef", prefix);
        ev_field(ev, name, "%u", p->ef);
    }
}

static void ev_number(vmon_exp_event *ev, const char *prefix, const char *what, double v)
{
    if (!isfinite(v))
        return; /* not measured */
    char name[24];
    snprintf(name, sizeof name, "%s.%s", prefix, what);
    ev_field(ev, name, "%.6g", v);
}

/*
 * What the recall was measured against: `<prefix>.recall_exact` 1 (the
 * target's exact_search) or 0, and then `<prefix>.recall_truth`, the
 * setting that stood in (core/shadow.c: IVF nprobe = nlist, HNSW a large
 * ef), so no reader takes it for recall against the true neighbours. The
 * stand-in is the index's, and `p` (parameters of that index) tells which.
 */
static void ev_recall_truth(vmon_exp_event *ev, const char *prefix, const vmon_arm_figures *f,
                            const vmon_search_params *p)
{
    char name[24];
    snprintf(name, sizeof name, "%s.recall_exact", prefix);
    ev_field(ev, name, "%u", f->recall_exact ? 1u : 0u);
    if (f->recall_exact)
        return;
    snprintf(name, sizeof name, "%s.recall_truth", prefix);
    if (p->nprobe)
        ev_field(ev, name, "nprobe = nlist");
    else if (p->ef)
        ev_field(ev, name, "ef = %u", VMON_SHADOW_EXHAUSTIVE_EF);
    else
        ev_field(ev, name, "the index's exhaustive setting");
}

/* An arm's figures under `prefix`; `p`: parameters of the arm's index (recall's reference). */
static void ev_figures(vmon_exp_event *ev, const char *prefix, const vmon_arm_figures *f,
                       const vmon_search_params *p)
{
    if (!f)
        return;
    char name[24];
    snprintf(name, sizeof name, "%s.count", prefix);
    ev_field(ev, name, "%u", f->samples);
    if (f->errors) {
        snprintf(name, sizeof name, "%s.errors", prefix);
        ev_field(ev, name, "%u", f->errors);
    }
    ev_number(ev, prefix, "mean_ms", f->mean_ms);
    ev_number(ev, prefix, "p95_ms", f->p95_ms);
    ev_number(ev, prefix, "p99_ms", f->p99_ms);
    ev_number(ev, prefix, "qps", f->qps);
    if (f->recall_queries) {
        ev_number(ev, prefix, "recall", f->recall);
        ev_number(ev, prefix, "recall_low", f->recall_low);
        ev_recall_truth(ev, prefix, f, p);
    }
}

static void ev_send(const vmon_experiment *e, const vmon_exp_event *ev)
{
    if (e->deps.emit)
        e->deps.emit(e->deps.ctx, ev);
}

uint32_t vmon_exp_event_labels(const vmon_exp_event *ev, vmon_label *out, uint32_t cap)
{
    uint32_t n = ev->n_fields < cap ? ev->n_fields : cap;
    for (uint32_t i = 0; i < n; i++) {
        out[i].name = ev->name[i];
        out[i].value = ev->value[i];
    }
    return n;
}

const char *vmon_exp_event_field(const vmon_exp_event *ev, const char *name)
{
    for (uint32_t i = 0; i < ev->n_fields; i++)
        if (!strcmp(ev->name[i], name))
            return ev->value[i];
    return NULL;
}

/* "nprobe 16" or "ef 64": the parameter a user reads first. */
static void params_text(char *buf, size_t len, const vmon_search_params *p)
{
    if (p->nprobe && p->ef)
        snprintf(buf, len, "nprobe %u ef %u", p->nprobe, p->ef);
    else if (p->ef)
        snprintf(buf, len, "ef %u", p->ef);
    else
        snprintf(buf, len, "nprobe %u", p->nprobe);
}

/* ---- construction ---- */

int vmon_exp_config_check(const vmon_exp_config *c, char *err, size_t errlen)
{
    if (c->n_ramp < 1 || c->n_ramp > VMON_EXP_MAX_STEPS) {
        snprintf(err, errlen,
                 "ramp: %u steps; give 1 to %d shares, e.g. `ramp = 10%%, 50%%, 100%%`", c->n_ramp,
                 VMON_EXP_MAX_STEPS);
        return -1;
    }
    for (uint32_t i = 0; i < c->n_ramp; i++) {
        double prev = i ? c->ramp[i - 1] : 0;
        if (!(c->ramp[i] > prev && c->ramp[i] <= 1)) {
            snprintf(err, errlen,
                     "ramp: step %u (%g%%) must be above the step before and at most 100%%", i + 1,
                     c->ramp[i] * 100);
            return -1;
        }
    }
    if (c->n_ramp == 1 && c->ramp[0] >= 1) {
        snprintf(err, errlen,
                 "ramp: a single step of 100%% leaves A nothing to compare with; "
                 "start lower, e.g. `ramp = 10%%`");
        return -1;
    }
    if (!(c->latency_factor > 1) || !(c->qps_drop > 0 && c->qps_drop < 1)) {
        snprintf(err, errlen, "latency_factor must be above 1 and qps_drop between 0%% and 100%%");
        return -1;
    }
    return 0;
}

vmon_experiment *vmon_exp_new(const vmon_exp_config *cfg, const vmon_exp_deps *deps, char *err,
                              size_t errlen)
{
    if (vmon_exp_config_check(cfg, err, errlen))
        return NULL;
    if (!deps->decide || !deps->look) {
        snprintf(err, errlen, "the tuning loop needs a tuner and a judge");
        return NULL;
    }
    vmon_experiment *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    e->cfg = *cfg;
    e->deps = *deps;
    e->state = VMON_EXP_NO_PARAMS;
    return e;
}

void vmon_exp_free(vmon_experiment *e)
{
    free(e);
}

vmon_exp_state vmon_exp_state_of(const vmon_experiment *e)
{
    return e->state;
}
vmon_search_params vmon_exp_current(const vmon_experiment *e)
{
    return e->current;
}

vmon_search_params vmon_exp_candidate(const vmon_experiment *e)
{
    vmon_search_params none = {.struct_size = sizeof none};
    return e->state == VMON_EXP_RUNNING || e->state == VMON_EXP_PAUSED ? e->candidate : none;
}

double vmon_exp_share(const vmon_experiment *e)
{
    return e->state == VMON_EXP_RUNNING || e->state == VMON_EXP_PAUSED ? e->cfg.ramp[e->step] : 0;
}

void vmon_exp_set_current(vmon_experiment *e, const vmon_search_params *params)
{
    if (e->state != VMON_EXP_NO_PARAMS)
        return;
    e->current = *params;
    e->state = VMON_EXP_NO_BASELINE;
}

/* ---- actuation ---- */

static int route(vmon_experiment *e, double share)
{
    if (e->cfg.mode == VMON_EXP_RECOMMEND || !e->deps.apply)
        return 0;
    vmon_search_params arms[2] = {e->current, e->candidate};
    double weights[2] = {1 - share, share};
    return e->deps.apply(e->deps.ctx, arms, weights, share > 0 ? 2 : 1);
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
note(const vmon_experiment *e, const char *fmt, ...)
{
    if (!e->deps.note)
        return;
    char line[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    e->deps.note(e->deps.ctx, line);
}

static void warn(const vmon_experiment *e, const char *message)
{
    if (e->deps.warn)
        e->deps.warn(e->deps.ctx, message);
}

/* ---- the tuner ---- */

static uint32_t clamp_u32(uint32_t v, uint32_t lo, uint32_t hi)
{
    if (!v)
        return 0; /* not applicable to this index type */
    if (lo && v < lo)
        v = lo;
    if (hi && v > hi)
        v = hi;
    return v;
}

/* The user's bounds hold whatever the tuner answers. */
/* ... and the index's own: no more lists probed than it has. */
static vmon_search_params bounded(const vmon_experiment *e, vmon_search_params p,
                                  const vmon_collection_stats *facts)
{
    p.struct_size = sizeof p;
    p.nprobe = clamp_u32(p.nprobe, e->cfg.lower.nprobe, e->cfg.upper.nprobe);
    if (facts && facts->nlist && p.nprobe > facts->nlist)
        p.nprobe = facts->nlist;
    p.ef = clamp_u32(p.ef, e->cfg.lower.ef, e->cfg.upper.ef);
    if (!p.top_k)
        p.top_k = e->cfg.top_k ? e->cfg.top_k : e->current.top_k;
    return p;
}

static int same_params(const vmon_search_params *a, const vmon_search_params *b)
{
    return a->top_k == b->top_k && a->nprobe == b->nprobe && a->ef == b->ef;
}

const vmon_tuning_trial *vmon_exp_last_trial(const vmon_experiment *e,
                                             const vmon_search_params *params)
{
    for (uint32_t i = e->n_history; i-- > 0;)
        if (same_params(&e->history[i].params, params))
            return &e->history[i];
    return NULL;
}

static void history_add(vmon_experiment *e, const vmon_search_params *p, const vmon_arm_figures *f,
                        const vmon_collection_stats *facts, int64_t now_ms)
{
    if (e->n_history == VMON_EXP_HISTORY) {
        memmove(e->history, e->history + 1, sizeof e->history[0] * (VMON_EXP_HISTORY - 1));
        e->n_history--;
    }
    vmon_tuning_trial *t = &e->history[e->n_history++];
    memset(t, 0, sizeof *t);
    t->struct_size = sizeof *t;
    t->params = *p;
    t->figures = *f;
    t->rows = facts ? facts->row_count : 0;
    t->time_ms = now_ms;
}

static int ask(vmon_experiment *e, uint32_t reason, const vmon_exp_observation *obs,
               vmon_tuning_output *out, char *err, size_t errlen)
{
    vmon_tuning_input in = {.struct_size = sizeof in,
                            .reason = reason,
                            .n_history = e->n_history,
                            .collection = e->cfg.collection,
                            .facts = obs->facts,
                            .current = e->current,
                            .lower = e->cfg.lower,
                            .upper = e->cfg.upper,
                            .latency_target_ms = e->cfg.latency_target_ms,
                            .recall_floor = e->cfg.recall_floor,
                            .baseline = e->has_baseline ? &e->baseline : NULL,
                            .now = obs->arm[0].samples ? &obs->arm[0] : NULL,
                            .history = e->n_history ? e->history : NULL};
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    int rc = e->deps.decide(e->deps.ctx, &in, out, err, errlen);
    if (rc == 0 && out->n_candidates > VMON_TUNE_MAX_CANDIDATES)
        out->n_candidates = VMON_TUNE_MAX_CANDIDATES;
    return rc;
}

/* Follow MEASURE answers (bounded) until the tuner decides. -1 when it failed. */
static int consult(vmon_experiment *e, uint32_t reason, const vmon_exp_observation *obs,
                   int64_t now_ms, vmon_tuning_output *out)
{
    char err[256] = "";
    e->last_consult_ms = now_ms;
    for (uint32_t round = 0;; round++) {
        if (ask(e, reason, obs, out, err, sizeof err)) {
            char msg[320];
            snprintf(msg, sizeof msg, "tuner refused the input: %s", err);
            warn(e, msg);
            return -1;
        }
        if (out->decision != VMON_TUNE_MEASURE)
            return 0;
        if (round >= e->cfg.max_measure_rounds || !e->deps.measure) {
            note(e, "tuner still asks for measurements after %u round(s); A stays", round);
            out->decision = VMON_TUNE_NOTHING_BETTER;
            return 0;
        }
        note(e, "tuner (%s): shadow-measuring %u candidate(s), round %u", reason_name(reason),
             out->n_candidates, round + 1);
        for (uint32_t i = 0; i < out->n_candidates; i++) {
            vmon_search_params p = bounded(e, out->candidates[i].params, obs->facts);
            vmon_arm_figures f = {.struct_size = sizeof f};
            if (e->deps.measure(e->deps.ctx, &p, &f, err, sizeof err) == 0)
                history_add(e, &p, &f, obs->facts, now_ms);
        }
        reason = VMON_TUNE_MEASURED;
    }
}

/* The first proposed candidate that, within the bounds, differs from A; -1 none. */
static int pick_candidate(const vmon_experiment *e, const vmon_tuning_output *out,
                          const vmon_collection_stats *facts, vmon_search_params *b)
{
    for (uint32_t i = 0; i < out->n_candidates; i++) {
        *b = bounded(e, out->candidates[i].params, facts);
        if (!same_params(b, &e->current))
            return (int)i;
    }
    return -1;
}

static void announce_infeasible(vmon_experiment *e, const vmon_tuning_output *out,
                                const vmon_exp_observation *obs, int64_t now_ms)
{
    vmon_exp_event ev;
    ev_begin(&ev, e, VMON_EVENT_INFEASIBLE, VMON_SEV_WARNING, now_ms);
    ev_params(&ev, "a", &e->current);
    ev_field(&ev, "latency_target_ms", "%.6g", e->cfg.latency_target_ms);
    ev_field(&ev, "recall_floor", "%.6g", e->cfg.recall_floor);
    ev_figures(&ev, "current", &obs->arm[0], &e->current);
    ev_field(&ev, "recommendation", "%.39s", out->recommendation);
    ev_message(&ev, "no configuration meets p95 <= %g ms with recall >= %g: %s",
               e->cfg.latency_target_ms, e->cfg.recall_floor,
               out->recommendation[0] ? out->recommendation : "no recommendation");
    ev_send(e, &ev);
    warn(e, ev.message);
}

static void recommend(vmon_experiment *e, const vmon_search_params *b, const char *why,
                      uint32_t reason, const vmon_exp_observation *obs, int64_t now_ms)
{
    char from[48], to[48];
    params_text(from, sizeof from, &e->current);
    params_text(to, sizeof to, b);
    vmon_exp_event ev;
    ev_begin(&ev, e, VMON_EVENT_RECOMMENDATION, VMON_SEV_INFO, now_ms);
    ev_field(&ev, "reason", "%s", reason_name(reason));
    ev_params(&ev, "a", &e->current);
    ev_params(&ev, "b", b);
    ev_figures(&ev, "baseline", e->has_baseline ? &e->baseline : NULL, &e->current);
    ev_figures(&ev, "current", &obs->arm[0], &e->current);
    ev_message(&ev, "recommend %s -> %s (%s); mode = recommend: nothing changed", from, to, why);
    ev_send(e, &ev);
}

static void set_initial(vmon_experiment *e, const vmon_search_params *b, const char *why,
                        int64_t now_ms)
{
    vmon_search_params none = {.struct_size = sizeof none};
    e->previous = e->current;
    e->current = *b;
    e->candidate = none;
    if (route(e, 0)) {
        warn(e, "could not apply the initial parameters; the target keeps its own");
        return;
    }
    char to[48];
    params_text(to, sizeof to, b);
    vmon_exp_event ev;
    ev_begin(&ev, e, VMON_EVENT_PROMOTION, VMON_SEV_INFO, now_ms);
    ev_field(&ev, "reason", "initial");
    ev_params(&ev, "b", b);
    ev_message(&ev, "initial parameters %s (%s)", to, why);
    ev_send(e, &ev);
}

static void start(vmon_experiment *e, const vmon_search_params *b, const char *why, uint32_t reason,
                  const vmon_exp_observation *obs, int64_t now_ms)
{
    e->candidate = *b; /* a copy: B never aliases A */
    e->step = 0;
    e->experiment++;
    e->started_ms = now_ms;
    e->state = VMON_EXP_RUNNING;
    if (route(e, e->cfg.ramp[0])) {
        e->state = VMON_EXP_WATCHING;
        warn(e, "could not route traffic to the candidate; experiment not started");
        return;
    }
    char from[48], to[48];
    params_text(from, sizeof from, &e->current);
    params_text(to, sizeof to, b);
    vmon_exp_event ev;
    ev_begin(&ev, e, VMON_EVENT_EXPERIMENT_START, VMON_SEV_INFO, now_ms);
    ev_field(&ev, "reason", "%s", reason_name(reason));
    ev_field(&ev, "why", "%.39s", why);
    ev_params(&ev, "a", &e->current);
    ev_params(&ev, "b", b);
    ev_field(&ev, "a.weight", "%.6g", 1 - e->cfg.ramp[0]);
    ev_field(&ev, "b.weight", "%.6g", e->cfg.ramp[0]);
    ev_figures(&ev, "baseline", e->has_baseline ? &e->baseline : NULL, &e->current);
    ev_figures(&ev, "current", &obs->arm[0], &e->current);
    ev_message(&ev, "experiment %llu: %s -> %s (%s), A %.0f%% / B %.0f%%",
               (unsigned long long)e->experiment, from, to, why, (1 - e->cfg.ramp[0]) * 100,
               e->cfg.ramp[0] * 100);
    ev_send(e, &ev);
}

static void decide_and_act(vmon_experiment *e, uint32_t reason, const vmon_exp_observation *obs,
                           int64_t now_ms)
{
    vmon_tuning_output out;
    if (consult(e, reason, obs, now_ms, &out))
        return;
    if (out.decision == VMON_TUNE_INFEASIBLE) {
        announce_infeasible(e, &out, obs, now_ms);
        return;
    }
    vmon_search_params b;
    int i = out.decision == VMON_TUNE_PROPOSE ? pick_candidate(e, &out, obs->facts, &b) : -1;
    if (i < 0) {
        note(e, "tuner (%s): nothing better than A%s%s", reason_name(reason),
             out.recommendation[0] ? "; " : "", out.recommendation);
        return;
    }
    const char *why = out.candidates[i].reason;
    if (e->cfg.mode == VMON_EXP_RECOMMEND)
        recommend(e, &b, why, reason, obs, now_ms);
    else if (reason == VMON_TUNE_INITIAL)
        set_initial(e, &b, why, now_ms);
    else
        start(e, &b, why, reason, obs, now_ms);
}

/* ---- watching ---- */

/* The tuning reason a full window of A shows against the baseline; -1 none. */
static int degradation_of(const vmon_experiment *e, const vmon_arm_figures *now)
{
    vmon_monitor_config m;
    vmon_monitor_config_default(&m);
    m.latency_factor = e->cfg.latency_factor;
    m.qps_drop = e->cfg.qps_drop;
    m.min_samples = e->cfg.min_samples;
    int reason = vmon_monitor_degradation(&m, &e->baseline, now, true);
    if (reason >= 0)
        return reason;
    if (e->cfg.recall_floor > 0 && now->recall_queries && now->recall_low < e->cfg.recall_floor)
        return VMON_TUNE_RECALL_LOW;
    return -1;
}

static void announce_degradation(vmon_experiment *e, int reason, const vmon_arm_figures *now,
                                 int64_t now_ms)
{
    vmon_exp_event ev;
    ev_begin(&ev, e, VMON_EVENT_DEGRADATION, VMON_SEV_INFO, now_ms);
    ev_field(&ev, "reason", "%s", reason_name((uint32_t)reason));
    ev_params(&ev, "a", &e->current);
    ev_figures(&ev, "baseline", &e->baseline, &e->current);
    ev_figures(&ev, "current", now, &e->current);
    if (reason == VMON_TUNE_LATENCY_DEGRADED) {
        double ratio = now->p95_ms / e->baseline.p95_ms;
        ev_field(&ev, "p95_ratio", "%.3g", ratio);
        ev_message(&ev, "P95 up %.1fx: %.3g ms against a baseline of %.3g ms", ratio, now->p95_ms,
                   e->baseline.p95_ms);
    } else if (reason == VMON_TUNE_QPS_DEGRADED) {
        ev_field(&ev, "qps_drop", "%.3g", 1 - now->qps / e->baseline.qps);
        ev_message(&ev, "QPS down %.0f%%: %.4g against a baseline of %.4g",
                   (1 - now->qps / e->baseline.qps) * 100, now->qps, e->baseline.qps);
    } else {
        ev_message(&ev, "recall@%u lower bound %.3f is below the floor %.3f", e->current.top_k,
                   now->recall_low, e->cfg.recall_floor);
    }
    ev_send(e, &ev);
}

static void set_baseline(vmon_experiment *e, const vmon_arm_figures *f, int64_t now_ms)
{
    e->baseline = *f;
    e->has_baseline = 1;
    e->episode = 0;
    e->state = VMON_EXP_WATCHING;
    char p[48];
    params_text(p, sizeof p, &e->current);
    vmon_exp_event ev;
    ev_begin(&ev, e, VMON_EVENT_BASELINE, VMON_SEV_INFO, now_ms);
    ev_params(&ev, "a", &e->current);
    ev_figures(&ev, "baseline", f, &e->current);
    ev_message(&ev, "baseline with %s: p95 %.3g ms, mean %.3g ms, %.4g QPS over %u requests", p,
               f->p95_ms, f->mean_ms, f->qps, f->samples);
    ev_send(e, &ev);
}

static void watch(vmon_experiment *e, const vmon_exp_observation *obs, int64_t now_ms)
{
    if (!obs->full)
        return;
    int reason = degradation_of(e, &obs->arm[0]);
    if (reason < 0) {
        e->episode = 0;
        if (e->cfg.review_ms > 0 && now_ms - e->last_consult_ms >= e->cfg.review_ms)
            decide_and_act(e, VMON_TUNE_REVIEW, obs, now_ms);
        return;
    }
    if (e->episode)
        return; /* announced and answered once; wait for it to clear or for a new baseline */
    e->episode = 1;
    announce_degradation(e, reason, &obs->arm[0], now_ms);
    decide_and_act(e, (uint32_t)reason, obs, now_ms);
}

/* ---- a running experiment ---- */

static void verdict_event(vmon_experiment *e, vmon_judge_verdict look, const vmon_judge_result *j,
                          const vmon_exp_observation *obs, int64_t now_ms)
{
    vmon_exp_event ev;
    ev_begin(&ev, e, VMON_EVENT_VERDICT, VMON_SEV_INFO, now_ms);
    ev_field(&ev, "verdict", "%s", vmon_judge_verdict_name(look));
    ev_field(&ev, "step", "%u", e->step + 1);
    ev_field(&ev, "b.weight", "%.6g", e->cfg.ramp[e->step]);
    ev_params(&ev, "a", &e->current);
    ev_params(&ev, "b", &e->candidate);
    ev_figures(&ev, "a", &obs->arm[0], &e->current);
    ev_figures(&ev, "b", &obs->arm[1], &e->candidate);
    ev_number(&ev, "judge", "ratio", j->ratio);
    ev_number(&ev, "judge", "ratio_low", j->ratio_low);
    ev_number(&ev, "judge", "ratio_high", j->ratio_high);
    ev_number(&ev, "judge", "p_value", j->p_value);
    if (isfinite(j->ratio))
        ev_field(&ev, "change_pct", "%.3g", (j->ratio - 1) * 100);
    if (j->reason[0])
        ev_field(&ev, "why", "%.39s", j->reason);
    ev_message(&ev, "verdict %s at step %u (B %.0f%%): %s", vmon_judge_verdict_name(look),
               e->step + 1, e->cfg.ramp[e->step] * 100, j->reason[0] ? j->reason : "-");
    ev_send(e, &ev);
}

/* B's share back to 0; A stays. `type` ROLLBACK or ABORT, or 0 for none (keep). */
static void end_experiment(vmon_experiment *e, vmon_event_type type, const char *why,
                           int64_t now_ms)
{
    vmon_exp_event ev;
    if (type) {
        ev_begin(&ev, e, type, type == VMON_EVENT_ROLLBACK ? VMON_SEV_WARNING : VMON_SEV_INFO,
                 now_ms);
        ev_field(&ev, "reason", "%s", why);
        ev_params(&ev, "a", &e->current);
        ev_params(&ev, "b", &e->candidate);
        ev_field(&ev, "b.weight", "0");
        ev_message(&ev, "experiment %llu %s (%s): B's share 0%%, A stays",
                   (unsigned long long)e->experiment,
                   type == VMON_EVENT_ROLLBACK ? "rolled back" : "aborted", why);
    }
    e->state = e->has_baseline ? VMON_EXP_WATCHING : VMON_EXP_NO_BASELINE;
    route(e, 0);
    if (type)
        ev_send(e, &ev);
}

static void promote(vmon_experiment *e, int64_t now_ms)
{
    char from[48], to[48];
    params_text(from, sizeof from, &e->current);
    params_text(to, sizeof to, &e->candidate);
    vmon_exp_event ev;
    ev_begin(&ev, e, VMON_EVENT_PROMOTION, VMON_SEV_INFO, now_ms);
    ev_params(&ev, "a", &e->current);
    ev_params(&ev, "b", &e->candidate);
    ev_figures(&ev, "baseline", e->has_baseline ? &e->baseline : NULL, &e->current);
    ev_message(&ev, "promoted %s -> %s; the baseline is measured again", from, to);
    e->previous = e->current;
    e->has_previous = 1;
    e->current = e->candidate;
    e->has_baseline = 0;
    e->episode = 0;
    e->state = VMON_EXP_NO_BASELINE;
    route(e, 0);
    ev_send(e, &ev);
}

static void advance(vmon_experiment *e, int64_t now_ms)
{
    e->step++;
    route(e, e->cfg.ramp[e->step]);
    vmon_exp_event ev;
    ev_begin(&ev, e, VMON_EVENT_RAMP_STEP, VMON_SEV_INFO, now_ms);
    ev_field(&ev, "step", "%u", e->step + 1);
    ev_field(&ev, "steps", "%u", e->cfg.n_ramp);
    ev_field(&ev, "a.weight", "%.6g", 1 - e->cfg.ramp[e->step]);
    ev_field(&ev, "b.weight", "%.6g", e->cfg.ramp[e->step]);
    ev_params(&ev, "a", &e->current);
    ev_params(&ev, "b", &e->candidate);
    ev_message(&ev, "step %u of %u: A %.0f%% / B %.0f%%", e->step + 1, e->cfg.n_ramp,
               (1 - e->cfg.ramp[e->step]) * 100, e->cfg.ramp[e->step] * 100);
    ev_send(e, &ev);
}

/* The last step where A still has traffic: passing it promotes. */
static uint32_t final_step(const vmon_exp_config *c)
{
    return c->ramp[c->n_ramp - 1] >= 1 ? c->n_ramp - 2 : c->n_ramp - 1;
}

static void run(vmon_experiment *e, const vmon_exp_observation *obs, int64_t now_ms)
{
    int final = e->step >= final_step(&e->cfg);
    vmon_judge_result j;
    memset(&j, 0, sizeof j);
    j.verdict = VMON_VERDICT_CONTINUE;
    j.ratio = j.ratio_low = j.ratio_high = j.p_value = NAN;
    e->deps.look(e->deps.ctx, &obs->arm[0], &obs->arm[1], e->step, final, &j);
    vmon_judge_verdict look = j.verdict;
    if (look == VMON_VERDICT_CONTINUE || look > VMON_VERDICT_ROLLBACK)
        return;
    if (look == VMON_VERDICT_ADVANCE && final)
        look = VMON_VERDICT_PROMOTE;
    verdict_event(e, look, &j, obs, now_ms);
    if (look == VMON_VERDICT_ADVANCE)
        advance(e, now_ms);
    else if (look == VMON_VERDICT_PROMOTE)
        promote(e, now_ms);
    else if (look == VMON_VERDICT_KEEP)
        end_experiment(e, 0, "keep", now_ms);
    else
        end_experiment(e, VMON_EVENT_ROLLBACK, "regression", now_ms);
}

void vmon_exp_tick(vmon_experiment *e, int64_t now_ms, const vmon_exp_observation *obs)
{
    switch (e->state) {
    case VMON_EXP_NO_PARAMS:
        e->state = VMON_EXP_NO_BASELINE; /* asked once; the target's own settings otherwise */
        decide_and_act(e, VMON_TUNE_INITIAL, obs, now_ms);
        break;
    case VMON_EXP_NO_BASELINE:
        if (obs->full && obs->arm[0].samples >= e->cfg.min_samples && obs->arm[0].samples)
            set_baseline(e, &obs->arm[0], now_ms);
        break;
    case VMON_EXP_WATCHING:
        watch(e, obs, now_ms);
        break;
    case VMON_EXP_RUNNING:
        run(e, obs, now_ms);
        break;
    case VMON_EXP_PAUSED:
        break;
    }
}

/* ---- operator controls ---- */

static int in_experiment(const vmon_experiment *e, const char *what, char *err, size_t errlen)
{
    if (e->state == VMON_EXP_RUNNING || e->state == VMON_EXP_PAUSED)
        return 1;
    snprintf(err, errlen, "no experiment is running to %s", what);
    return 0;
}

static void control_event(vmon_experiment *e, vmon_event_type type, const char *message,
                          int64_t now_ms)
{
    vmon_exp_event ev;
    ev_begin(&ev, e, type, VMON_SEV_INFO, now_ms);
    ev_field(&ev, "reason", "operator");
    ev_field(&ev, "step", "%u", e->step + 1);
    ev_field(&ev, "b.weight", "%.6g", e->cfg.ramp[e->step]);
    ev_params(&ev, "a", &e->current);
    ev_params(&ev, "b", &e->candidate);
    ev_message(&ev, "experiment %llu %s at step %u (B %.0f%%)", (unsigned long long)e->experiment,
               message, e->step + 1, e->cfg.ramp[e->step] * 100);
    ev_send(e, &ev);
}

int vmon_exp_pause(vmon_experiment *e, int64_t now_ms, char *err, size_t errlen)
{
    if (e->state == VMON_EXP_PAUSED) {
        snprintf(err, errlen, "the experiment is already paused");
        return VMON_EINVAL;
    }
    if (!in_experiment(e, "pause", err, errlen))
        return VMON_EINVAL;
    e->state = VMON_EXP_PAUSED;
    control_event(e, VMON_EVENT_PAUSE, "paused", now_ms);
    return VMON_OK;
}

int vmon_exp_resume(vmon_experiment *e, int64_t now_ms, char *err, size_t errlen)
{
    if (e->state != VMON_EXP_PAUSED) {
        snprintf(err, errlen, "no paused experiment to resume");
        return VMON_EINVAL;
    }
    e->state = VMON_EXP_RUNNING;
    control_event(e, VMON_EVENT_RESUME, "resumed", now_ms);
    return VMON_OK;
}

int vmon_exp_abort(vmon_experiment *e, int64_t now_ms, char *err, size_t errlen)
{
    if (!in_experiment(e, "abort", err, errlen))
        return VMON_EINVAL;
    end_experiment(e, VMON_EVENT_ABORT, "operator", now_ms);
    return VMON_OK;
}

int vmon_exp_rollback(vmon_experiment *e, int64_t now_ms, char *err, size_t errlen)
{
    if (e->state == VMON_EXP_RUNNING || e->state == VMON_EXP_PAUSED) {
        end_experiment(e, VMON_EVENT_ROLLBACK, "operator", now_ms);
        return VMON_OK;
    }
    if (!e->has_previous) {
        snprintf(err, errlen, "nothing to roll back to: no promotion since the start");
        return VMON_EINVAL;
    }
    char from[48], to[48];
    params_text(from, sizeof from, &e->current);
    params_text(to, sizeof to, &e->previous);
    vmon_exp_event ev;
    ev_begin(&ev, e, VMON_EVENT_ROLLBACK, VMON_SEV_WARNING, now_ms);
    ev_field(&ev, "reason", "operator");
    ev_params(&ev, "a", &e->current);
    ev_params(&ev, "b", &e->previous);
    ev_message(&ev, "rolled back %s -> %s (operator); the baseline is measured again", from, to);
    vmon_search_params undone = e->current;
    e->current = e->previous;
    e->previous = undone;
    e->has_previous = 0;
    e->has_baseline = 0;
    e->episode = 0;
    e->state = VMON_EXP_NO_BASELINE;
    route(e, 0);
    ev_send(e, &ev);
    return VMON_OK;
}

/* ---- restart ---- */

void vmon_exp_save(const vmon_experiment *e, vmon_exp_snapshot *out)
{
    memset(out, 0, sizeof *out);
    out->state = e->state;
    out->step = e->step;
    out->has_previous = (uint32_t)e->has_previous;
    out->has_baseline = (uint32_t)e->has_baseline;
    out->experiment = e->experiment;
    out->started_ms = e->started_ms;
    out->current = e->current;
    out->previous = e->previous;
    out->candidate = e->candidate;
    out->baseline = e->baseline;
}

static int snapshot_check(const vmon_experiment *e, const vmon_exp_snapshot *s, char *err,
                          size_t errlen)
{
    if (s->state > VMON_EXP_PAUSED) {
        snprintf(err, errlen, "state %u is not a tuning state; the file is from another version",
                 s->state);
        return -1;
    }
    int running = s->state == VMON_EXP_RUNNING || s->state == VMON_EXP_PAUSED;
    if (running && s->step >= e->cfg.n_ramp) {
        snprintf(err, errlen, "ramp step %u of the saved experiment is past this ramp (%u steps)",
                 s->step + 1, e->cfg.n_ramp);
        return -1;
    }
    if (s->state == VMON_EXP_WATCHING && !s->has_baseline) {
        snprintf(err, errlen, "saved state is watching without a baseline");
        return -1;
    }
    return 0;
}

int vmon_exp_restore(vmon_experiment *e, const vmon_exp_snapshot *s, int resume, const char *cause,
                     int64_t now_ms, char *err, size_t errlen)
{
    if (snapshot_check(e, s, err, errlen))
        return VMON_EINVAL;
    e->state = (vmon_exp_state)s->state;
    e->step = s->step;
    e->has_previous = (int)s->has_previous;
    e->has_baseline = (int)s->has_baseline;
    e->experiment = s->experiment;
    e->started_ms = s->started_ms;
    e->current = s->current;
    e->previous = s->previous;
    e->candidate = s->candidate;
    e->baseline = s->baseline;
    e->episode = 0;
    e->last_consult_ms = now_ms;
    if (e->state != VMON_EXP_RUNNING && e->state != VMON_EXP_PAUSED) {
        if (e->state != VMON_EXP_NO_PARAMS)
            route(e, 0);
        return VMON_OK;
    }
    if (!resume || e->cfg.mode == VMON_EXP_RECOMMEND) {
        /* recommend mode runs no experiment, whatever the file says */
        end_experiment(e, VMON_EVENT_ABORT, cause, now_ms);
        return VMON_OK;
    }
    route(e, e->cfg.ramp[e->step]);
    vmon_exp_event ev;
    ev_begin(&ev, e, VMON_EVENT_RESUME, VMON_SEV_INFO, now_ms);
    ev_field(&ev, "reason", "%s", cause);
    ev_field(&ev, "step", "%u", e->step + 1);
    ev_field(&ev, "b.weight", "%.6g", e->cfg.ramp[e->step]);
    ev_params(&ev, "a", &e->current);
    ev_params(&ev, "b", &e->candidate);
    ev_message(&ev, "experiment %llu resumed after a %s at step %u (B %.0f%%)%s",
               (unsigned long long)e->experiment, cause, e->step + 1, e->cfg.ramp[e->step] * 100,
               e->state == VMON_EXP_PAUSED ? ", still paused" : "");
    ev_send(e, &ev);
    return VMON_OK;
}
