/*
 * mode = recall_aware on simulated collections (tuner_sim.h): the driver
 * measures what the tuner asks for, with noise, until it decides.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tuner_sim.h"

/* IVF_FLAT-like: nlist 1024, recall@10 0.887 / 0.934 / 0.962 at nprobe 8 / 16 / 32. */
static sim_curve ivf_curve(uint64_t seed)
{
    sim_curve c = {.base_ms = 0.2,
                   .per_step_ms = 0.03,
                   .miss = 0.6,
                   .power = 0.8,
                   .noise = 0.03,
                   .recall_queries = 1000,
                   .shift = 1,
                   .rng = seed * 2654435761u + 1};
    return c;
}

/* HNSW-like: recall@10 0.9375 / 0.969 / 0.984 at ef 32 / 64 / 128. */
static sim_curve hnsw_curve(uint64_t seed)
{
    sim_curve c = ivf_curve(seed);
    c.base_ms = 0.1;
    c.per_step_ms = 0.004;
    c.miss = 2.0;
    c.power = 1.0;
    return c;
}

typedef struct setup {
    vmon_collection_stats facts;
    vmon_tuning_input in;
    tuner_config cfg;
} setup;

static void make(setup *s, tuner_knob knob, double target, double floor_)
{
    memset(s, 0, sizeof *s);
    s->facts.struct_size = sizeof s->facts;
    s->facts.dim = 128;
    s->facts.row_count = 200000;
    if (knob == TUNER_KNOB_NPROBE) {
        s->facts.nlist = 1024;
        strcpy(s->facts.index_type, "IVF_FLAT");
    } else {
        s->facts.m = 16;
        strcpy(s->facts.index_type, "HNSW");
    }
    s->in.struct_size = sizeof s->in;
    s->in.reason = VMON_TUNE_INITIAL;
    s->in.collection = "sim";
    s->in.facts = &s->facts;
    s->in.current.top_k = 10;
    s->in.latency_target_ms = target;
    s->in.recall_floor = floor_;
    s->cfg = tuner_config_default(knob);
}

static uint32_t proposed(const sim_run *run, tuner_knob knob)
{
    const vmon_search_params *p = &run->last.candidates[0].params;
    return knob == TUNER_KNOB_NPROBE ? p->nprobe : p->ef;
}

static const vmon_tuning_trial *trial_of(const sim_run *run, tuner_knob knob, uint32_t x)
{
    for (uint32_t i = run->n_history; i-- > 0;)
        if ((knob == TUNER_KNOB_NPROBE ? run->history[i].params.nprobe
                                       : run->history[i].params.ef) == x)
            return &run->history[i];
    return NULL;
}

/* The decision is PROPOSE, or NOTHING_BETTER when the value in use is already best. */
static uint32_t chosen(const setup *s, const sim_run *run, int decision)
{
    if (decision == VMON_TUNE_NOTHING_BETTER)
        return s->cfg.knob == TUNER_KNOB_NPROBE ? s->in.current.nprobe : s->in.current.ef;
    assert_int_equal(decision, VMON_TUNE_PROPOSE);
    return proposed(run, s->cfg.knob);
}

/* For targets at and between the p95 of many values, the answer's true recall
 * is within 0.005 of the best the target allows (given the noise), after at
 * most 8 measurements. */
static void check_reaches_oracle(tuner_knob knob, const uint32_t *at, size_t n_at, double lo,
                                 double hi)
{
    unsigned worst_measured = 0;
    for (size_t i = 0; i < n_at; i++) {
        for (uint64_t seed = 1; seed <= 20; seed++) {
            sim_curve c = knob == TUNER_KNOB_NPROBE ? ivf_curve(seed) : hnsw_curve(seed);
            /* at the p95 of a value, and 40% of the way to the next one */
            double target = sim_p95(&c, at[i]) + (seed % 2) * 0.4 * c.per_step_ms;
            setup s;
            make(&s, knob, target, 0);
            sim_run run = {0};
            int d = sim_drive(&s.cfg, s.in, &c, &run);
            uint32_t x = chosen(&s, &run, d);
            /* The best value sure to be measured within the target: one whose
             * true p95 is right at it is measured above it half the time. */
            uint32_t oracle =
                sim_oracle_latency(&c, (uint32_t)lo, (uint32_t)hi, target / (1 + c.noise));
            double gap = sim_recall(&c, oracle) - sim_recall(&c, x);
            if (gap > 0.005 || run.measured > 8 || run.out_of_range)
                fail_msg("%s target %.4f ms seed %llu: chose %u (oracle %u), recall gap %.4f, "
                         "%u measured, %u out of range",
                         knob == TUNER_KNOB_NPROBE ? "nprobe" : "ef", target,
                         (unsigned long long)seed, x, oracle, gap, run.measured, run.out_of_range);
            /* what it proposes it measured within the target (noise aside) */
            const vmon_tuning_trial *t = trial_of(&run, knob, x);
            assert_non_null(t);
            assert_true(t->figures.p95_ms <= target);
            if (run.measured > worst_measured)
                worst_measured = run.measured;
        }
    }
    print_message("    %s: at most %u configurations measured\n",
                  knob == TUNER_KNOB_NPROBE ? "nprobe" : "ef", worst_measured);
}

static void test_ivf_reaches_oracle(void **state)
{
    (void)state;
    static const uint32_t at[] = {3, 8, 11, 16, 23, 32, 50, 90, 200};
    check_reaches_oracle(TUNER_KNOB_NPROBE, at, sizeof at / sizeof *at, 1, 1024);
}

static void test_hnsw_reaches_oracle(void **state)
{
    (void)state;
    static const uint32_t at[] = {12, 32, 45, 64, 128, 300};
    check_reaches_oracle(TUNER_KNOB_EF, at, sizeof at / sizeof *at, 10, 1024);
}

/* With a loose target and no floor-breaking value allowed: what it proposes
 * always has a measured recall bound at or above the floor. */
static void test_never_below_floor(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        sim_curve c = ivf_curve(seed);
        setup s;
        make(&s, TUNER_KNOB_NPROBE, 0, 0.95); /* no latency target: cheapest holding 0.95 */
        sim_run run = {0};
        int d = sim_drive(&s.cfg, s.in, &c, &run);
        assert_int_equal(d, VMON_TUNE_PROPOSE);
        uint32_t x = proposed(&run, TUNER_KNOB_NPROBE);
        const vmon_tuning_trial *t = trial_of(&run, TUNER_KNOB_NPROBE, x);
        assert_non_null(t);
        assert_true(t->figures.recall_low >= 0.95);
        /* and it is not much dearer than the cheapest true value that holds it */
        uint32_t cheapest = 1;
        while (sim_recall(&c, cheapest) - 1.96 * sqrt(0.95 * 0.05 / 10000) < 0.95)
            cheapest++;
        if (x > cheapest * 1.2 + 1 || run.measured > 8)
            fail_msg("seed %llu: nprobe %u, cheapest %u, %u measured", (unsigned long long)seed, x,
                     cheapest, run.measured);
    }
}

/* A target that only values below the floor meet is INFEASIBLE, with advice. */
static void test_infeasible_floor(void **state)
{
    (void)state;
    sim_curve c = ivf_curve(3);
    setup s;
    make(&s, TUNER_KNOB_NPROBE, sim_p95(&c, 8), 0.96); /* 0.96 needs nprobe ~30 */
    sim_run run = {0};
    assert_int_equal(sim_drive(&s.cfg, s.in, &c, &run), VMON_TUNE_INFEASIBLE);
    assert_int_equal(run.last.n_candidates, 0);
    assert_non_null(strstr(run.last.recommendation, "raise latency_target_ms"));
    assert_non_null(strstr(run.last.recommendation, "lower recall_floor"));
    assert_true(run.measured <= 8);
}

/* A target even nprobe 1 misses is INFEASIBLE, naming capacity and index type. */
static void test_infeasible_latency(void **state)
{
    (void)state;
    sim_curve c = ivf_curve(4);
    setup s;
    make(&s, TUNER_KNOB_NPROBE, c.base_ms * 0.5, 0);
    s.in.current.nprobe = 64;
    sim_run run = {0};
    assert_int_equal(sim_drive(&s.cfg, s.in, &c, &run), VMON_TUNE_INFEASIBLE);
    assert_non_null(strstr(run.last.recommendation, "query nodes"));
    assert_non_null(strstr(run.last.recommendation, "nprobe 1 "));
    assert_true(run.measured <= 8);
}

/* The user's bounds hold for every measurement and answer. */
static void test_bounds(void **state)
{
    (void)state;
    sim_curve c = ivf_curve(5);
    setup s;
    make(&s, TUNER_KNOB_NPROBE, sim_p95(&c, 40), 0);
    s.in.upper.nprobe = 12;
    sim_run run = {0};
    int d = sim_drive(&s.cfg, s.in, &c, &run);
    assert_int_equal(d, VMON_TUNE_PROPOSE);
    assert_int_equal(proposed(&run, TUNER_KNOB_NPROBE), 12);
    assert_int_equal(run.out_of_range, 0);

    /* a lower bound the target cannot afford */
    make(&s, TUNER_KNOB_NPROBE, sim_p95(&c, 10), 0);
    s.in.lower.nprobe = 20;
    memset(&run, 0, sizeof run);
    assert_int_equal(sim_drive(&s.cfg, s.in, &c, &run), VMON_TUNE_INFEASIBLE);
    assert_int_equal(run.out_of_range, 0);

    /* ef never below top_k */
    sim_curve h = hnsw_curve(6);
    make(&s, TUNER_KNOB_EF, sim_p95(&h, 5), 0);
    s.in.current.top_k = 50;
    memset(&run, 0, sizeof run);
    int e = sim_drive(&s.cfg, s.in, &h, &run);
    assert_int_equal(e, VMON_TUNE_INFEASIBLE);
    assert_int_equal(run.out_of_range, 0);
}

/* After convergence, everything gets twice as slow: the degradation alarm
 * re-measures, sees the curve moved, drops the old history and settles on
 * the new best value. */
static void test_degradation_researches(void **state)
{
    (void)state;
    sim_curve c = ivf_curve(7);
    double target = sim_p95(&c, 32);
    setup s;
    make(&s, TUNER_KNOB_NPROBE, target, 0);
    sim_run run = {0};
    assert_int_equal(sim_drive(&s.cfg, s.in, &c, &run), VMON_TUNE_PROPOSE);
    uint32_t first = proposed(&run, TUNER_KNOB_NPROBE);
    assert_true(abs((int)first - 32) <= 1);

    c.shift = 2;
    s.in.current.nprobe = first;
    s.in.reason = VMON_TUNE_LATENCY_DEGRADED;
    vmon_arm_figures now = sim_measure(&c, first);
    s.in.now = &now;
    uint32_t before = run.measured;
    int d = sim_drive(&s.cfg, s.in, &c, &run);
    assert_int_equal(d, VMON_TUNE_PROPOSE);
    uint32_t x = proposed(&run, TUNER_KNOB_NPROBE);
    uint32_t oracle = sim_oracle_latency(&c, 1, 1024, target);
    assert_true(sim_recall(&c, oracle) - sim_recall(&c, x) <= 0.005);
    assert_true(x < first);
    assert_true(run.measured - before <= 8);
}

/* Measurements from a collection half today's size are stale: measured again. */
static void test_growth_makes_history_stale(void **state)
{
    (void)state;
    sim_curve c = ivf_curve(8);
    setup s;
    make(&s, TUNER_KNOB_NPROBE, sim_p95(&c, 16), 0);
    sim_run run = {0};
    assert_int_equal(sim_drive(&s.cfg, s.in, &c, &run), VMON_TUNE_PROPOSE);
    s.in.current.nprobe = proposed(&run, TUNER_KNOB_NPROBE);

    s.facts.row_count = 400000;
    s.in.reason = VMON_TUNE_REVIEW;
    s.in.history = run.history;
    s.in.n_history = run.n_history;
    vmon_tuning_output out = {.struct_size = sizeof out};
    char err[256];
    assert_int_equal(tuner_decide(&s.cfg, &s.in, &out, err, sizeof err), VMON_OK);
    assert_int_equal(out.decision, VMON_TUNE_MEASURE);
    assert_int_equal(out.candidates[0].params.nprobe, s.in.current.nprobe);

    /* and with the same row count, a review finds nothing better */
    s.facts.row_count = 200000;
    memset(&out, 0, sizeof out);
    assert_int_equal(tuner_decide(&s.cfg, &s.in, &out, err, sizeof err), VMON_OK);
    assert_int_equal(out.decision, VMON_TUNE_NOTHING_BETTER);
}

/* A review whose live p95 is far under the target and under what was measured:
 * the curve moved down, so it measures again and moves up. */
static void test_headroom_moves_up(void **state)
{
    (void)state;
    sim_curve c = ivf_curve(9);
    double target = sim_p95(&c, 16);
    setup s;
    make(&s, TUNER_KNOB_NPROBE, target, 0);
    sim_run run = {0};
    assert_int_equal(sim_drive(&s.cfg, s.in, &c, &run), VMON_TUNE_PROPOSE);
    uint32_t first = proposed(&run, TUNER_KNOB_NPROBE);
    c.shift = 0.5;
    s.in.current.nprobe = first;
    s.in.reason = VMON_TUNE_REVIEW;
    vmon_arm_figures now = sim_measure(&c, first);
    s.in.now = &now;
    assert_int_equal(sim_drive(&s.cfg, s.in, &c, &run), VMON_TUNE_PROPOSE);
    uint32_t x = proposed(&run, TUNER_KNOB_NPROBE);
    assert_true(x > first);
    uint32_t oracle = sim_oracle_latency(&c, 1, 1024, target);
    assert_true(sim_recall(&c, oracle) - sim_recall(&c, x) <= 0.005);
}

/* Trials outside today's range (an index rebuilt with fewer lists) never come back. */
static void test_out_of_range_history_ignored(void **state)
{
    (void)state;
    sim_curve c = ivf_curve(10);
    setup s;
    make(&s, TUNER_KNOB_NPROBE, sim_p95(&c, 1024) * 2, 0);
    sim_run run = {0};
    vmon_tuning_trial *old = &run.history[run.n_history++];
    old->struct_size = sizeof *old;
    old->params.top_k = 10;
    old->params.nprobe = 3000; /* from when nlist was 4096 */
    old->figures = sim_measure(&c, 1024);
    old->rows = s.facts.row_count;
    assert_int_equal(sim_drive(&s.cfg, s.in, &c, &run), VMON_TUNE_PROPOSE);
    assert_int_equal(proposed(&run, TUNER_KNOB_NPROBE), 1024);
    assert_int_equal(run.out_of_range, 0);
}

/* A floor with no recall figures cannot be shown to hold: INFEASIBLE, saying why. */
static void test_floor_without_recall(void **state)
{
    (void)state;
    sim_curve c = ivf_curve(11);
    setup s;
    make(&s, TUNER_KNOB_NPROBE, sim_p95(&c, 16), 0);
    sim_run run = {0};
    assert_int_equal(sim_drive(&s.cfg, s.in, &c, &run), VMON_TUNE_PROPOSE);
    for (uint32_t i = 0; i < run.n_history; i++)
        run.history[i].figures.recall_queries = 0; /* measured without ground truth */
    s.in.recall_floor = 0.9;
    s.in.reason = VMON_TUNE_MEASURED;
    s.in.history = run.history;
    s.in.n_history = run.n_history;
    vmon_tuning_output out = {.struct_size = sizeof out};
    char err[256];
    assert_int_equal(tuner_decide(&s.cfg, &s.in, &out, err, sizeof err), VMON_OK);
    assert_int_equal(out.decision, VMON_TUNE_INFEASIBLE);
    assert_int_equal(out.n_candidates, 0);
    assert_non_null(strstr(out.recommendation, "not measured"));
}

/* Without a target or a floor there is nothing to optimise: it says so. */
static void test_no_objective(void **state)
{
    (void)state;
    setup s;
    make(&s, TUNER_KNOB_NPROBE, 0, 0);
    vmon_tuning_output out = {.struct_size = sizeof out};
    char err[256];
    assert_int_equal(tuner_decide(&s.cfg, &s.in, &out, err, sizeof err), VMON_OK);
    assert_int_equal(out.decision, VMON_TUNE_NOTHING_BETTER);
    assert_non_null(strstr(out.recommendation, "latency_target_ms"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ivf_reaches_oracle),
        cmocka_unit_test(test_hnsw_reaches_oracle),
        cmocka_unit_test(test_never_below_floor),
        cmocka_unit_test(test_infeasible_floor),
        cmocka_unit_test(test_infeasible_latency),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_degradation_researches),
        cmocka_unit_test(test_growth_makes_history_stale),
        cmocka_unit_test(test_headroom_moves_up),
        cmocka_unit_test(test_out_of_range_history_ignored),
        cmocka_unit_test(test_floor_without_recall),
        cmocka_unit_test(test_no_objective),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
