/* The tuning loop's state machine with a scripted tuner, judge, shadow measurement and router. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "experiment.h"
#include "test_util.h"
#include "tuning_config.h"

#define MAX_EV 64

typedef struct fake {
    /* tuner: answers[i] for the i-th call (the last one repeats) */
    uint32_t decision[8];
    vmon_search_params proposal[8];
    int n_answers, n_asks;
    uint32_t asked_reason[16];
    uint32_t asked_history[16];
    vmon_search_params asked_current;
    vmon_search_params asked_lower, asked_upper;
    int asked_with_baseline;
    /* judge */
    int look;
    int n_looks;
    uint32_t last_step;
    int last_final;
    /* shadow measurement */
    int n_measured;
    /* router + arm table */
    vmon_search_params arms[2];
    double weights[2];
    uint32_t n_arms;
    int n_apply;
    /* out */
    vmon_exp_event ev[MAX_EV];
    int n_ev;
    char warned[320];
    int n_warn;
} fake;

static int fake_decide(void *ctx, const vmon_tuning_input *in, vmon_tuning_output *out, char *err,
                       size_t errlen)
{
    (void)err;
    (void)errlen;
    fake *f = ctx;
    int i = f->n_asks < f->n_answers ? f->n_asks : f->n_answers - 1;
    if (f->n_asks < 16) {
        f->asked_reason[f->n_asks] = in->reason;
        f->asked_history[f->n_asks] = in->n_history;
    }
    f->n_asks++;
    f->asked_current = in->current;
    f->asked_lower = in->lower;
    f->asked_upper = in->upper;
    f->asked_with_baseline = in->baseline != NULL;
    out->decision = f->decision[i];
    out->n_candidates = 1;
    out->candidates[0].params = f->proposal[i];
    snprintf(out->candidates[0].reason, sizeof out->candidates[0].reason, "scripted %d", i);
    if (out->decision == VMON_TUNE_INFEASIBLE)
        snprintf(out->recommendation, sizeof out->recommendation, "add query nodes");
    return VMON_OK;
}

static int fake_measure(void *ctx, const vmon_search_params *p, vmon_arm_figures *out, char *err,
                        size_t errlen)
{
    (void)err;
    (void)errlen;
    fake *f = ctx;
    f->n_measured++;
    out->samples = 100;
    out->p95_ms = p->nprobe * 0.1;
    out->recall = 0.9;
    return VMON_OK;
}

static void fake_look(void *ctx, const vmon_arm_figures *a, const vmon_arm_figures *b,
                      uint32_t step, int final, vmon_judge_result *out)
{
    (void)a;
    (void)b;
    fake *f = ctx;
    f->last_step = step;
    f->last_final = final;
    f->n_looks++;
    out->verdict = (vmon_judge_verdict)f->look;
    out->ratio = 0.9;
    snprintf(out->reason, sizeof out->reason, "scripted %d", f->look);
}

static int fake_apply(void *ctx, const vmon_search_params *arms, const double *weights,
                      uint32_t n_arms)
{
    fake *f = ctx;
    f->n_apply++;
    f->n_arms = n_arms;
    for (uint32_t i = 0; i < n_arms && i < 2; i++) {
        f->arms[i] = arms[i];
        f->weights[i] = weights[i];
    }
    return VMON_OK;
}

static void fake_emit(void *ctx, const vmon_exp_event *ev)
{
    fake *f = ctx;
    assert_true(f->n_ev < MAX_EV);
    f->ev[f->n_ev++] = *ev;
}

static void fake_warn(void *ctx, const char *message)
{
    fake *f = ctx;
    f->n_warn++;
    snprintf(f->warned, sizeof f->warned, "%s", message);
}

static vmon_search_params ivf(uint32_t nprobe)
{
    vmon_search_params p = {.struct_size = sizeof p, .top_k = 10, .nprobe = nprobe};
    return p;
}

static vmon_exp_observation window(double p95, double qps, int full)
{
    vmon_exp_observation o = {.full = full};
    for (int i = 0; i < 2; i++) {
        o.arm[i].struct_size = sizeof o.arm[i];
        o.arm[i].samples = 500;
        o.arm[i].mean_ms = p95 / 2;
        o.arm[i].p95_ms = p95;
        o.arm[i].p99_ms = p95 * 1.2;
        o.arm[i].qps = qps;
        o.arm[i].recall = o.arm[i].recall_low = o.arm[i].recall_high = NAN;
    }
    return o;
}

static vmon_experiment *make(fake *f, const vmon_exp_config *cfg)
{
    vmon_exp_deps d = {.ctx = f,
                       .decide = fake_decide,
                       .measure = fake_measure,
                       .look = fake_look,
                       .apply = fake_apply,
                       .emit = fake_emit,
                       .warn = fake_warn};
    char err[256];
    vmon_experiment *e = vmon_exp_new(cfg, &d, err, sizeof err);
    assert_non_null(e);
    return e;
}

static const vmon_exp_event *last(const fake *f, vmon_event_type type)
{
    for (int i = f->n_ev - 1; i >= 0; i--)
        if (f->ev[i].type == type)
            return &f->ev[i];
    return NULL;
}

static int count(const fake *f, vmon_event_type type)
{
    int n = 0;
    for (int i = 0; i < f->n_ev; i++)
        n += f->ev[i].type == type;
    return n;
}

static void script(fake *f, int i, uint32_t decision, uint32_t nprobe)
{
    f->decision[i] = decision;
    f->proposal[i] = ivf(nprobe);
    if (f->n_answers < i + 1)
        f->n_answers = i + 1;
}

/* A loop at nprobe 16 with a baseline of p95 1 ms at 1000 QPS. */
static vmon_experiment *watching(fake *f, const vmon_exp_config *cfg)
{
    vmon_experiment *e = make(f, cfg);
    vmon_search_params a = ivf(16);
    vmon_exp_set_current(e, &a);
    vmon_exp_observation o = window(1.0, 1000, 1);
    vmon_exp_tick(e, 1000, &o);
    assert_int_equal(vmon_exp_state_of(e), VMON_EXP_WATCHING);
    return e;
}

/* Watching, then p95 doubles and the tuner proposes nprobe 11. */
static vmon_experiment *running(fake *f, const vmon_exp_config *cfg)
{
    vmon_experiment *e = watching(f, cfg);
    script(f, 0, VMON_TUNE_PROPOSE, 11);
    vmon_exp_observation o = window(2.0, 1000, 1);
    vmon_exp_tick(e, 2000, &o);
    return e;
}

static void test_initial_parameters_come_from_the_tuner(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    script(&f, 0, VMON_TUNE_PROPOSE, 16);
    vmon_experiment *e = make(&f, &cfg);
    vmon_exp_observation o = window(1.0, 1000, 0);
    vmon_exp_tick(e, 0, &o);
    assert_int_equal(f.asked_reason[0], VMON_TUNE_INITIAL);
    assert_int_equal(f.asked_current.nprobe, 0);
    assert_int_equal(f.n_arms, 1);
    assert_int_equal(f.arms[0].nprobe, 16);
    assert_string_equal(vmon_exp_event_field(last(&f, VMON_EVENT_PROMOTION), "reason"), "initial");
    assert_int_equal(vmon_exp_state_of(e), VMON_EXP_NO_BASELINE);
    vmon_exp_free(e);
}

static void test_first_full_window_sets_the_baseline(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    vmon_experiment *e = make(&f, &cfg);
    vmon_search_params a = ivf(16);
    vmon_exp_set_current(e, &a);
    vmon_exp_observation partial = window(5.0, 10, 0);
    vmon_exp_tick(e, 0, &partial);
    assert_int_equal(f.n_ev, 0);
    vmon_exp_observation full = window(1.0, 1000, 1);
    vmon_exp_tick(e, 1, &full);
    const vmon_exp_event *b = last(&f, VMON_EVENT_BASELINE);
    assert_non_null(b);
    assert_string_equal(vmon_exp_event_field(b, "baseline.p95_ms"), "1");
    assert_string_equal(vmon_exp_event_field(b, "a.nprobe"), "16");
    assert_int_equal(f.n_asks, 0);
    vmon_exp_free(e);
}

static void test_latency_degradation_starts_an_experiment_with_independent_arms(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    vmon_experiment *e = running(&f, &cfg);
    const vmon_exp_event *d = last(&f, VMON_EVENT_DEGRADATION);
    assert_non_null(d);
    assert_string_equal(vmon_exp_event_field(d, "reason"), "latency_degraded");
    assert_string_equal(vmon_exp_event_field(d, "p95_ratio"), "2");
    assert_int_equal(f.asked_reason[0], VMON_TUNE_LATENCY_DEGRADED);
    assert_true(f.asked_with_baseline);
    assert_int_equal(f.asked_current.nprobe, 16);

    const vmon_exp_event *s = last(&f, VMON_EVENT_EXPERIMENT_START);
    assert_non_null(s);
    assert_string_equal(vmon_exp_event_field(s, "a.nprobe"), "16");
    assert_string_equal(vmon_exp_event_field(s, "b.nprobe"), "11");
    assert_string_equal(vmon_exp_event_field(s, "b.weight"), "0.1");
    assert_int_equal(s->experiment, 1);
    assert_int_equal(f.n_arms, 2);
    assert_int_equal(f.arms[0].nprobe, 16);
    assert_int_equal(f.arms[1].nprobe, 11);
    assert_true(fabs(f.weights[0] - 0.9) < 1e-12 && fabs(f.weights[1] - 0.1) < 1e-12);
    assert_int_equal(vmon_exp_current(e).nprobe, 16);
    assert_int_equal(vmon_exp_candidate(e).nprobe, 11);
    vmon_exp_free(e);
}

static void test_ramp_advances_then_promotes_and_resets_the_baseline(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    vmon_experiment *e = running(&f, &cfg);
    vmon_exp_observation o = window(2.0, 1000, 1);
    f.look = VMON_VERDICT_CONTINUE;
    vmon_exp_tick(e, 3000, &o);
    assert_int_equal(count(&f, VMON_EVENT_RAMP_STEP), 0);
    f.look = VMON_VERDICT_ADVANCE;
    const double want[] = {0.25, 0.5};
    for (int i = 0; i < 2; i++) {
        vmon_exp_tick(e, 4000 + i, &o);
        assert_false(f.last_final);
        assert_int_equal(count(&f, VMON_EVENT_RAMP_STEP), i + 1);
        assert_true(fabs(vmon_exp_share(e) - want[i]) < 1e-12);
        assert_true(fabs(f.weights[1] - want[i]) < 1e-12);
    }
    /* 50% is the last step where A serves: passing it gives B all traffic as a promotion */
    vmon_exp_tick(e, 5000, &o);
    assert_int_equal(f.last_step, 2);
    assert_true(f.last_final);
    assert_int_equal(count(&f, VMON_EVENT_RAMP_STEP), 2);
    const vmon_exp_event *v = last(&f, VMON_EVENT_VERDICT);
    assert_string_equal(vmon_exp_event_field(v, "verdict"), "promote");
    assert_string_equal(vmon_exp_event_field(v, "judge.ratio"), "0.9");
    assert_string_equal(vmon_exp_event_field(v, "change_pct"), "-10");
    assert_null(vmon_exp_event_field(v, "judge.p_value")); /* NaN: not computed */
    assert_non_null(last(&f, VMON_EVENT_PROMOTION));
    assert_int_equal(vmon_exp_current(e).nprobe, 11);
    assert_int_equal(f.n_arms, 1);
    assert_int_equal(f.arms[0].nprobe, 11);
    assert_int_equal(vmon_exp_state_of(e), VMON_EXP_NO_BASELINE);
    vmon_exp_observation after = window(1.1, 1000, 1);
    vmon_exp_tick(e, 6000, &after);
    assert_int_equal(count(&f, VMON_EVENT_BASELINE), 2);
    assert_string_equal(vmon_exp_event_field(last(&f, VMON_EVENT_BASELINE), "baseline.p95_ms"),
                        "1.1");
    vmon_exp_free(e);
}

/* Both arms' recall measured as on a target without exact_search (nprobe = nlist stood in). */
static void stand_in_recall(vmon_exp_observation *o, double recall)
{
    for (int i = 0; i < 2; i++) {
        o->arm[i].recall = recall;
        o->arm[i].recall_low = recall - 0.01;
        o->arm[i].recall_high = recall + 0.01;
        o->arm[i].recall_queries = 200;
        o->arm[i].recall_exact = 0;
    }
}

static void test_events_say_what_recall_was_measured_against(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    vmon_experiment *e = make(&f, &cfg);
    vmon_search_params a = ivf(16);
    vmon_exp_set_current(e, &a);
    vmon_exp_observation o = window(1.0, 1000, 1);
    stand_in_recall(&o, 0.93);
    vmon_exp_tick(e, 1000, &o);
    const vmon_exp_event *b = last(&f, VMON_EVENT_BASELINE);
    assert_non_null(b);
    assert_string_equal(vmon_exp_event_field(b, "baseline.recall"), "0.93");
    assert_string_equal(vmon_exp_event_field(b, "baseline.recall_exact"), "0");
    assert_string_equal(vmon_exp_event_field(b, "baseline.recall_truth"), "nprobe = nlist");

    script(&f, 0, VMON_TUNE_PROPOSE, 11);
    o = window(2.0, 1000, 1);
    stand_in_recall(&o, 0.93);
    vmon_exp_tick(e, 2000, &o);
    const vmon_exp_event *s = last(&f, VMON_EVENT_EXPERIMENT_START);
    assert_non_null(s);
    assert_string_equal(vmon_exp_event_field(s, "current.recall_exact"), "0");
    assert_string_equal(vmon_exp_event_field(s, "current.recall_truth"), "nprobe = nlist");

    f.look = VMON_VERDICT_ADVANCE;
    o.arm[1].recall_exact = 1; /* only to tell the arms apart: exact carries no stand-in */
    vmon_exp_tick(e, 3000, &o);
    const vmon_exp_event *v = last(&f, VMON_EVENT_VERDICT);
    assert_non_null(v);
    assert_string_equal(vmon_exp_event_field(v, "a.recall_exact"), "0");
    assert_string_equal(vmon_exp_event_field(v, "a.recall_truth"), "nprobe = nlist");
    assert_string_equal(vmon_exp_event_field(v, "b.recall_exact"), "1");
    assert_null(vmon_exp_event_field(v, "b.recall_truth"));
    vmon_exp_free(e);

    /* HNSW: a large ef stands in; unmeasured recall says nothing about its reference. */
    fake g = {0};
    e = make(&g, &cfg);
    vmon_search_params h = {.struct_size = sizeof h, .top_k = 10, .ef = 64};
    vmon_exp_set_current(e, &h);
    o = window(1.0, 1000, 1);
    stand_in_recall(&o, 0.9);
    vmon_exp_tick(e, 1000, &o);
    b = last(&g, VMON_EVENT_BASELINE);
    assert_non_null(b);
    assert_string_equal(vmon_exp_event_field(b, "baseline.recall_truth"), "ef = 4096");
    vmon_exp_free(e);
    fake n = {0};
    e = make(&n, &cfg);
    vmon_exp_set_current(e, &a);
    o = window(1.0, 1000, 1);
    vmon_exp_tick(e, 1000, &o);
    assert_null(vmon_exp_event_field(last(&n, VMON_EVENT_BASELINE), "baseline.recall_exact"));
    vmon_exp_free(e);
}

static void test_fixed_split_promotes_on_the_judges_word(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    cfg.ramp[0] = 0.10;
    cfg.n_ramp = 1;
    vmon_experiment *e = running(&f, &cfg);
    f.look = VMON_VERDICT_PROMOTE;
    vmon_exp_observation o = window(2.0, 1000, 1);
    vmon_exp_tick(e, 3000, &o);
    assert_true(f.last_final);
    assert_int_equal(count(&f, VMON_EVENT_RAMP_STEP), 0);
    assert_int_equal(vmon_exp_current(e).nprobe, 11);
    vmon_exp_free(e);
}

static void test_regression_rolls_back_to_zero(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    vmon_experiment *e = running(&f, &cfg);
    f.look = VMON_VERDICT_ROLLBACK;
    vmon_exp_observation o = window(2.0, 1000, 1);
    vmon_exp_tick(e, 3000, &o);
    const vmon_exp_event *r = last(&f, VMON_EVENT_ROLLBACK);
    assert_non_null(r);
    assert_int_equal(r->severity, VMON_SEV_WARNING);
    assert_string_equal(vmon_exp_event_field(r, "b.weight"), "0");
    assert_int_equal(f.n_arms, 1);
    assert_int_equal(f.arms[0].nprobe, 16);
    assert_int_equal(vmon_exp_current(e).nprobe, 16);
    assert_int_equal(vmon_exp_state_of(e), VMON_EXP_WATCHING);
    assert_true(vmon_exp_share(e) == 0);
    vmon_exp_free(e);
}

static void test_keep_ends_the_experiment_without_rollback(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    vmon_experiment *e = running(&f, &cfg);
    f.look = VMON_VERDICT_KEEP;
    vmon_exp_observation o = window(2.0, 1000, 1);
    vmon_exp_tick(e, 3000, &o);
    assert_string_equal(vmon_exp_event_field(last(&f, VMON_EVENT_VERDICT), "verdict"), "keep");
    assert_int_equal(count(&f, VMON_EVENT_ROLLBACK), 0);
    assert_int_equal(f.n_arms, 1);
    assert_int_equal(vmon_exp_current(e).nprobe, 16);
    /* the degradation was answered: the same episode asks the tuner no more */
    vmon_exp_tick(e, 4000, &o);
    assert_int_equal(f.n_asks, 1);
    vmon_exp_free(e);
}

static void test_one_degradation_event_per_episode(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    vmon_experiment *e = watching(&f, &cfg);
    script(&f, 0, VMON_TUNE_NOTHING_BETTER, 16);
    vmon_exp_observation bad = window(2.0, 1000, 1), good = window(1.0, 1000, 1);
    vmon_exp_tick(e, 2000, &bad);
    vmon_exp_tick(e, 3000, &bad);
    assert_int_equal(count(&f, VMON_EVENT_DEGRADATION), 1);
    vmon_exp_tick(e, 4000, &good);
    vmon_exp_tick(e, 5000, &bad);
    assert_int_equal(count(&f, VMON_EVENT_DEGRADATION), 2);
    assert_int_equal(f.n_asks, 2);
    assert_int_equal(count(&f, VMON_EVENT_EXPERIMENT_START), 0);
    vmon_exp_free(e);
}

static void test_qps_drop_is_a_degradation(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    vmon_experiment *e = watching(&f, &cfg);
    script(&f, 0, VMON_TUNE_NOTHING_BETTER, 16);
    vmon_exp_observation ok = window(1.0, 710, 1), drop = window(1.0, 690, 1);
    vmon_exp_tick(e, 2000, &ok);
    assert_int_equal(count(&f, VMON_EVENT_DEGRADATION), 0);
    vmon_exp_tick(e, 3000, &drop);
    assert_string_equal(vmon_exp_event_field(last(&f, VMON_EVENT_DEGRADATION), "reason"),
                        "qps_degraded");
    assert_int_equal(f.asked_reason[0], VMON_TUNE_QPS_DEGRADED);
    vmon_exp_free(e);
}

static void test_partial_window_never_degrades(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    vmon_experiment *e = watching(&f, &cfg);
    vmon_exp_observation o = window(9.0, 1, 0);
    vmon_exp_tick(e, 2000, &o);
    assert_int_equal(count(&f, VMON_EVENT_DEGRADATION), 0);
    vmon_exp_free(e);
}

static void test_measure_then_propose_passes_the_history(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    script(&f, 0, VMON_TUNE_MEASURE, 12);
    script(&f, 1, VMON_TUNE_MEASURE, 10);
    script(&f, 2, VMON_TUNE_PROPOSE, 10);
    vmon_experiment *e = watching(&f, &cfg);
    vmon_exp_observation o = window(2.0, 1000, 1);
    vmon_exp_tick(e, 2000, &o);
    assert_int_equal(f.n_measured, 2);
    assert_int_equal(f.n_asks, 3);
    assert_int_equal(f.asked_reason[1], VMON_TUNE_MEASURED);
    assert_int_equal(f.asked_history[1], 1);
    assert_int_equal(f.asked_history[2], 2);
    assert_int_equal(vmon_exp_candidate(e).nprobe, 10);
    vmon_exp_free(e);
}

static void test_measure_rounds_are_bounded(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    cfg.max_measure_rounds = 3;
    script(&f, 0, VMON_TUNE_MEASURE, 12);
    vmon_experiment *e = watching(&f, &cfg);
    vmon_exp_observation o = window(2.0, 1000, 1);
    vmon_exp_tick(e, 2000, &o);
    assert_int_equal(f.n_asks, 4);
    assert_int_equal(f.n_measured, 3);
    assert_int_equal(vmon_exp_state_of(e), VMON_EXP_WATCHING);
    vmon_exp_free(e);
}

static void test_recommend_mode_changes_nothing(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    cfg.mode = VMON_EXP_RECOMMEND;
    vmon_experiment *e = running(&f, &cfg);
    assert_int_equal(f.n_apply, 0);
    assert_int_equal(count(&f, VMON_EVENT_EXPERIMENT_START), 0);
    const vmon_exp_event *r = last(&f, VMON_EVENT_RECOMMENDATION);
    assert_non_null(r);
    assert_string_equal(vmon_exp_event_field(r, "a.nprobe"), "16");
    assert_string_equal(vmon_exp_event_field(r, "b.nprobe"), "11");
    assert_int_equal(vmon_exp_current(e).nprobe, 16);
    assert_int_equal(vmon_exp_state_of(e), VMON_EXP_WATCHING);
    vmon_exp_free(e);
}

static void test_bounds_hold_whatever_the_tuner_says(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    cfg.lower.nprobe = 12;
    cfg.upper.nprobe = 64;
    script(&f, 0, VMON_TUNE_PROPOSE, 2);
    vmon_experiment *e = watching(&f, &cfg);
    vmon_exp_observation o = window(2.0, 1000, 1);
    vmon_exp_tick(e, 2000, &o);
    assert_int_equal(f.asked_lower.nprobe, 12);
    assert_int_equal(f.asked_upper.nprobe, 64);
    assert_int_equal(vmon_exp_candidate(e).nprobe, 12);
    vmon_exp_free(e);

    /* clamped onto the current value: nothing to try */
    fake g = {0};
    cfg.lower.nprobe = 16;
    script(&g, 0, VMON_TUNE_PROPOSE, 4);
    e = watching(&g, &cfg);
    vmon_exp_tick(e, 2000, &o);
    assert_int_equal(count(&g, VMON_EVENT_EXPERIMENT_START), 0);
    assert_int_equal(vmon_exp_state_of(e), VMON_EXP_WATCHING);
    vmon_exp_free(e);
}

static void test_nprobe_never_exceeds_the_index_lists(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    script(&f, 0, VMON_TUNE_PROPOSE, 192);
    vmon_experiment *e = watching(&f, &cfg);
    vmon_collection_stats facts = {.struct_size = sizeof facts, .nlist = 141};
    vmon_exp_observation o = window(2.0, 1000, 1);
    o.facts = &facts;
    vmon_exp_tick(e, 2000, &o);
    assert_int_equal(vmon_exp_candidate(e).nprobe, 141);
    vmon_exp_free(e);
}

static void test_infeasible_is_an_event_and_a_warning(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    cfg.latency_target_ms = 1;
    cfg.recall_floor = 0.95;
    script(&f, 0, VMON_TUNE_INFEASIBLE, 0);
    vmon_experiment *e = watching(&f, &cfg);
    vmon_exp_observation o = window(2.0, 1000, 1);
    vmon_exp_tick(e, 2000, &o);
    const vmon_exp_event *x = last(&f, VMON_EVENT_INFEASIBLE);
    assert_non_null(x);
    assert_int_equal(x->severity, VMON_SEV_WARNING);
    assert_string_equal(vmon_exp_event_field(x, "recommendation"), "add query nodes");
    assert_int_equal(f.n_warn, 1);
    assert_non_null(strstr(f.warned, "add query nodes"));
    assert_int_equal(count(&f, VMON_EVENT_EXPERIMENT_START), 0);
    vmon_exp_free(e);
}

static void test_pause_holds_the_step_and_resume_goes_on(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    char err[256];
    vmon_experiment *e = running(&f, &cfg);
    assert_int_equal(vmon_exp_pause(e, 3000, err, sizeof err), VMON_OK);
    assert_non_null(last(&f, VMON_EVENT_PAUSE));
    assert_int_equal(vmon_exp_pause(e, 3001, err, sizeof err), VMON_EINVAL);
    f.look = VMON_VERDICT_ADVANCE;
    vmon_exp_observation o = window(2.0, 1000, 1);
    vmon_exp_tick(e, 4000, &o);
    assert_int_equal(f.n_looks, 0);
    assert_true(fabs(vmon_exp_share(e) - 0.1) < 1e-12);
    assert_int_equal(vmon_exp_resume(e, 5000, err, sizeof err), VMON_OK);
    assert_non_null(last(&f, VMON_EVENT_RESUME));
    vmon_exp_tick(e, 6000, &o);
    assert_true(fabs(vmon_exp_share(e) - 0.25) < 1e-12);
    assert_int_equal(vmon_exp_resume(e, 7000, err, sizeof err), VMON_EINVAL);
    vmon_exp_free(e);
}

static void test_abort_keeps_a(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    char err[256];
    vmon_experiment *e = running(&f, &cfg);
    assert_int_equal(vmon_exp_abort(e, 3000, err, sizeof err), VMON_OK);
    assert_string_equal(vmon_exp_event_field(last(&f, VMON_EVENT_ABORT), "reason"), "operator");
    assert_int_equal(f.n_arms, 1);
    assert_int_equal(vmon_exp_current(e).nprobe, 16);
    assert_int_equal(vmon_exp_abort(e, 3001, err, sizeof err), VMON_EINVAL);
    assert_non_null(strstr(err, "no experiment"));
    vmon_exp_free(e);
}

static void test_rollback_after_promotion_restores_a(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    cfg.n_ramp = 1;
    char err[256];
    vmon_experiment *e = watching(&f, &cfg);
    assert_int_equal(vmon_exp_rollback(e, 1500, err, sizeof err), VMON_EINVAL);
    script(&f, 0, VMON_TUNE_PROPOSE, 11);
    vmon_exp_observation o = window(2.0, 1000, 1);
    vmon_exp_tick(e, 2000, &o);
    f.look = VMON_VERDICT_PROMOTE;
    vmon_exp_tick(e, 3000, &o);
    assert_int_equal(vmon_exp_current(e).nprobe, 11);
    assert_int_equal(vmon_exp_rollback(e, 4000, err, sizeof err), VMON_OK);
    assert_int_equal(vmon_exp_current(e).nprobe, 16);
    assert_int_equal(f.arms[0].nprobe, 16);
    assert_int_equal(f.n_arms, 1);
    const vmon_exp_event *r = last(&f, VMON_EVENT_ROLLBACK);
    assert_string_equal(vmon_exp_event_field(r, "a.nprobe"), "11");
    assert_string_equal(vmon_exp_event_field(r, "b.nprobe"), "16");
    assert_int_equal(vmon_exp_state_of(e), VMON_EXP_NO_BASELINE);
    vmon_exp_free(e);
}

static void test_restart_resumes_a_running_experiment(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    char err[256];
    vmon_experiment *e = running(&f, &cfg);
    f.look = VMON_VERDICT_ADVANCE;
    vmon_exp_observation o = window(2.0, 1000, 1);
    vmon_exp_tick(e, 3000, &o);
    vmon_exp_snapshot snap;
    vmon_exp_save(e, &snap);
    vmon_exp_free(e);

    fake g = {0};
    e = make(&g, &cfg);
    assert_int_equal(vmon_exp_restore(e, &snap, 1, "restart", 9000, err, sizeof err), VMON_OK);
    assert_int_equal(vmon_exp_state_of(e), VMON_EXP_RUNNING);
    assert_int_equal(vmon_exp_current(e).nprobe, 16);
    assert_int_equal(vmon_exp_candidate(e).nprobe, 11);
    assert_true(fabs(vmon_exp_share(e) - 0.25) < 1e-12);
    assert_int_equal(g.n_arms, 2);
    assert_true(fabs(g.weights[1] - 0.25) < 1e-12);
    const vmon_exp_event *r = last(&g, VMON_EVENT_RESUME);
    assert_string_equal(vmon_exp_event_field(r, "reason"), "restart");
    assert_int_equal(r->experiment, 1);
    /* and it goes on where it was */
    g.look = VMON_VERDICT_ADVANCE;
    vmon_exp_tick(e, 10000, &o);
    assert_true(fabs(vmon_exp_share(e) - 0.5) < 1e-12);
    vmon_exp_free(e);
}

static void test_restart_abandons_cleanly(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    char err[256];
    vmon_experiment *e = running(&f, &cfg);
    vmon_exp_snapshot snap;
    vmon_exp_save(e, &snap);
    vmon_exp_free(e);

    fake g = {0};
    e = make(&g, &cfg);
    assert_int_equal(vmon_exp_restore(e, &snap, 0, "restart", 9000, err, sizeof err), VMON_OK);
    assert_string_equal(vmon_exp_event_field(last(&g, VMON_EVENT_ABORT), "reason"), "restart");
    assert_int_equal(vmon_exp_state_of(e), VMON_EXP_WATCHING);
    assert_int_equal(g.n_arms, 1);
    assert_int_equal(g.arms[0].nprobe, 16);
    assert_true(vmon_exp_share(e) == 0);
    vmon_exp_free(e);
}

static void test_restart_in_recommend_mode_runs_no_experiment(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    char err[256];
    vmon_experiment *e = running(&f, &cfg);
    vmon_exp_snapshot snap;
    vmon_exp_save(e, &snap);
    vmon_exp_free(e);
    fake g = {0};
    cfg.mode = VMON_EXP_RECOMMEND;
    e = make(&g, &cfg);
    assert_int_equal(vmon_exp_restore(e, &snap, 1, "restart", 9000, err, sizeof err), VMON_OK);
    assert_int_equal(vmon_exp_state_of(e), VMON_EXP_WATCHING);
    assert_non_null(last(&g, VMON_EVENT_ABORT));
    assert_int_equal(g.n_apply, 0);
    vmon_exp_free(e);
}

static void test_restore_refuses_a_snapshot_past_the_ramp(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    char err[256];
    vmon_exp_snapshot snap = {.state = VMON_EXP_RUNNING, .step = 6, .has_baseline = 1};
    vmon_experiment *e = make(&f, &cfg);
    assert_int_equal(vmon_exp_restore(e, &snap, 1, "restart", 0, err, sizeof err), VMON_EINVAL);
    assert_non_null(strstr(err, "ramp step 7"));
    assert_int_equal(vmon_exp_state_of(e), VMON_EXP_NO_PARAMS);
    assert_int_equal(f.n_apply, 0);
    snap.state = 42;
    assert_int_equal(vmon_exp_restore(e, &snap, 1, "restart", 0, err, sizeof err), VMON_EINVAL);
    vmon_exp_free(e);
}

static void test_bad_ramp_is_refused(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    cfg.ramp[1] = 0.05; /* below the step before */
    vmon_exp_deps d = {.ctx = &f, .decide = fake_decide, .look = fake_look};
    char err[256];
    assert_null(vmon_exp_new(&cfg, &d, err, sizeof err));
    assert_non_null(strstr(err, "ramp: step 2"));
    vmon_exp_config_default(&cfg);
    cfg.ramp[0] = 1.0;
    cfg.n_ramp = 1;
    assert_null(vmon_exp_new(&cfg, &d, err, sizeof err));
    assert_non_null(strstr(err, "nothing to compare"));
}

static void test_ramp_list_reads_percents_and_fractions(void **state)
{
    (void)state;
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    char why[256];
    char *seed[] = {"10%"};
    assert_int_equal(vmon_tuning_ramp_parse(seed, 1, &cfg, why, sizeof why), 0);
    assert_int_equal(cfg.n_ramp, 1);
    assert_true(fabs(cfg.ramp[0] - 0.1) < 1e-12);
    assert_int_equal(vmon_exp_config_check(&cfg, why, sizeof why), 0);
    char *mixed[] = {"0.05", "20%", "1"};
    assert_int_equal(vmon_tuning_ramp_parse(mixed, 3, &cfg, why, sizeof why), 0);
    assert_true(fabs(cfg.ramp[1] - 0.2) < 1e-12 && cfg.ramp[2] == 1);
    char *bad[] = {"10%", "lots"};
    assert_int_equal(vmon_tuning_ramp_parse(bad, 2, &cfg, why, sizeof why), -1);
    assert_non_null(strstr(why, "step 2"));
    char *many[] = {"1%", "2%", "3%", "4%", "5%", "6%", "7%", "8%", "9%"};
    assert_int_equal(vmon_tuning_ramp_parse(many, 9, &cfg, why, sizeof why), -1);
    assert_non_null(strstr(why, "9 steps"));
}

static void test_settings_sameness_for_reload(void **state)
{
    (void)state;
    vmon_tuning_settings a = {0}, b;
    vmon_exp_config_default(&a.exp);
    a.check_interval_ms = 1000;
    a.window_ms = 10000;
    a.collection = "docs";
    b = a;
    assert_true(vmon_tuning_settings_same(&a, &b));
    char other[] = "docs"; /* equal text, another pointer */
    b.collection = other;
    assert_true(vmon_tuning_settings_same(&a, &b));
    b.exp.ramp[2] = 0.6;
    assert_false(vmon_tuning_settings_same(&a, &b));
    b = a;
    b.exp.mode = VMON_EXP_RECOMMEND;
    assert_false(vmon_tuning_settings_same(&a, &b));
    b = a;
    b.exp.upper.nprobe = 64;
    assert_false(vmon_tuning_settings_same(&a, &b));
    b = a;
    b.audit_log = "audit.jsonl";
    assert_false(vmon_tuning_settings_same(&a, &b));
}

static void test_event_fields_as_labels(void **state)
{
    (void)state;
    fake f = {0};
    vmon_exp_config cfg;
    vmon_exp_config_default(&cfg);
    vmon_experiment *e = running(&f, &cfg);
    const vmon_exp_event *s = last(&f, VMON_EVENT_EXPERIMENT_START);
    vmon_label l[VMON_EXP_MAX_FIELDS];
    uint32_t n = vmon_exp_event_labels(s, l, VMON_EXP_MAX_FIELDS);
    assert_int_equal(n, s->n_fields);
    int found = 0;
    for (uint32_t i = 0; i < n; i++)
        found += !strcmp(l[i].name, "b.nprobe") && !strcmp(l[i].value, "11");
    assert_int_equal(found, 1);
    assert_int_equal(vmon_exp_event_labels(s, l, 2), 2);
    vmon_exp_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initial_parameters_come_from_the_tuner),
        cmocka_unit_test(test_first_full_window_sets_the_baseline),
        cmocka_unit_test(test_latency_degradation_starts_an_experiment_with_independent_arms),
        cmocka_unit_test(test_ramp_advances_then_promotes_and_resets_the_baseline),
        cmocka_unit_test(test_events_say_what_recall_was_measured_against),
        cmocka_unit_test(test_fixed_split_promotes_on_the_judges_word),
        cmocka_unit_test(test_regression_rolls_back_to_zero),
        cmocka_unit_test(test_keep_ends_the_experiment_without_rollback),
        cmocka_unit_test(test_one_degradation_event_per_episode),
        cmocka_unit_test(test_qps_drop_is_a_degradation),
        cmocka_unit_test(test_partial_window_never_degrades),
        cmocka_unit_test(test_measure_then_propose_passes_the_history),
        cmocka_unit_test(test_measure_rounds_are_bounded),
        cmocka_unit_test(test_recommend_mode_changes_nothing),
        cmocka_unit_test(test_bounds_hold_whatever_the_tuner_says),
        cmocka_unit_test(test_nprobe_never_exceeds_the_index_lists),
        cmocka_unit_test(test_infeasible_is_an_event_and_a_warning),
        cmocka_unit_test(test_pause_holds_the_step_and_resume_goes_on),
        cmocka_unit_test(test_abort_keeps_a),
        cmocka_unit_test(test_rollback_after_promotion_restores_a),
        cmocka_unit_test(test_restart_resumes_a_running_experiment),
        cmocka_unit_test(test_restart_abandons_cleanly),
        cmocka_unit_test(test_restart_in_recommend_mode_runs_no_experiment),
        cmocka_unit_test(test_restore_refuses_a_snapshot_past_the_ramp),
        cmocka_unit_test(test_bad_ramp_is_refused),
        cmocka_unit_test(test_ramp_list_reads_percents_and_fractions),
        cmocka_unit_test(test_settings_sameness_for_reload),
        cmocka_unit_test(test_event_fields_as_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
