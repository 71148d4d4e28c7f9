/*
 * The judges on constructed looks: the classic rule exactly as the seed has
 * it, and the sequential judge's rules (recall, errors, tails, horizon).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "judge.h"
#include "judge_sim.h"
#include "loghist.h"
#include "test_util.h"

static vmon_loghist ha, hb;

static void fill_constant(vmon_loghist *h, uint64_t n, double ms)
{
    vmon_loghist_reset(h);
    vmon_loghist_record_n(h, (uint64_t)(ms * 1e6), n);
}

/* `n` draws of the simulation's latency model, scaled; the same seed, the same draws. */
static void fill_model(vmon_loghist *h, uint64_t n, double scale, uint64_t seed)
{
    vmon_loghist_reset(h);
    for (uint64_t i = 0; i < n; i++)
        vmon_loghist_record(h, (uint64_t)(sim_latency_ns(&seed) * scale));
}

static vmon_arm_figures figures(uint64_t samples, uint32_t errors, double recall)
{
    return (vmon_arm_figures){.struct_size = sizeof(vmon_arm_figures),
                              .samples = (uint32_t)samples,
                              .errors = errors,
                              .recall_queries = isnan(recall) ? 0 : 500,
                              .recall = recall,
                              .recall_low = recall - 0.005,
                              .recall_high = recall + 0.005};
}

static vmon_judge_result decide(const vmon_judge_config *cfg, const vmon_arm_figures *fa,
                                const vmon_arm_figures *fb, int final_step)
{
    vmon_judge_look look = {.a = {&ha, fa},
                            .b = {&hb, fb},
                            .final_step = (uint32_t)final_step,
                            .step_b_samples = vmon_loghist_count(&hb)};
    vmon_judge_result r;
    vmon_judge_decide(cfg, &look, &r);
    print_message("%s: %s\n", vmon_judge_verdict_name(r.verdict), r.reason);
    return r;
}

static void test_names_and_settings(void **state)
{
    (void)state;
    vmon_judge_kind k;
    char err[256];
    assert_int_equal(vmon_judge_kind_parse("classic", &k, err, sizeof err), 0);
    assert_int_equal(k, VMON_JUDGE_CLASSIC);
    assert_int_equal(vmon_judge_kind_parse("sequential", &k, err, sizeof err), 0);
    assert_int_equal(k, VMON_JUDGE_SEQUENTIAL);
    assert_int_equal(vmon_judge_kind_parse("bayes", &k, err, sizeof err), -1);
    assert_non_null(strstr(err, "sequential"));
    assert_string_equal(vmon_judge_kind_name(VMON_JUDGE_CLASSIC), "classic");
    assert_string_equal(vmon_judge_verdict_name(VMON_VERDICT_ROLLBACK), "rollback");

    vmon_judge_config cfg;
    vmon_judge_config_default(&cfg, VMON_JUDGE_SEQUENTIAL);
    assert_int_equal(vmon_judge_config_check(&cfg, err, sizeof err), 0);
    cfg.alpha = 0;
    assert_int_equal(vmon_judge_config_check(&cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "alpha"));
    vmon_judge_config_default(&cfg, VMON_JUDGE_SEQUENTIAL);
    cfg.max_samples = cfg.step_min_samples - 1;
    assert_int_equal(vmon_judge_config_check(&cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "max_samples"));
    cfg.max_samples = 50000;
    cfg.quantile = NAN;
    assert_int_equal(vmon_judge_config_check(&cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "quantile"));
}

/* The seed: < 10 per arm: wait; B's mean more than 5% lower: promote; else keep. */
static void test_classic_is_the_seed_rule(void **state)
{
    (void)state;
    vmon_judge_config cfg;
    vmon_judge_config_default(&cfg, VMON_JUDGE_CLASSIC);
    cfg.recall_floor = 0.95; /* the seed knows no recall: ignored */
    vmon_arm_figures fa = figures(10, 0, 0.97), fb = figures(10, 0, 0.80);
    const struct {
        uint64_t na, nb;
        double b_ms;
        int final_step;
        vmon_judge_verdict want;
    } rows[] = {
        {9, 10, 9.0, 1, VMON_VERDICT_CONTINUE}, {10, 9, 9.0, 1, VMON_VERDICT_CONTINUE},
        {10, 10, 9.4, 1, VMON_VERDICT_PROMOTE}, {10, 10, 9.4, 0, VMON_VERDICT_ADVANCE},
        {10, 10, 9.5, 1, VMON_VERDICT_KEEP},    {10, 10, 9.6, 1, VMON_VERDICT_KEEP},
        {1000, 10, 10.5, 1, VMON_VERDICT_KEEP}, {10, 1000, 5.0, 1, VMON_VERDICT_PROMOTE},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        fill_constant(&ha, rows[i].na, 10.0);
        fill_constant(&hb, rows[i].nb, rows[i].b_ms);
        vmon_judge_result r = decide(&cfg, &fa, &fb, rows[i].final_step);
        assert_int_equal(r.verdict, rows[i].want);
    }
}

static void test_no_data_continues(void **state)
{
    (void)state;
    vmon_judge_config cfg;
    vmon_judge_config_default(&cfg, VMON_JUDGE_SEQUENTIAL);
    vmon_judge_look look = {0};
    vmon_judge_result r;
    vmon_judge_decide(&cfg, &look, &r);
    assert_int_equal(r.verdict, VMON_VERDICT_CONTINUE);
    assert_true(isnan(r.ratio));
    fill_model(&ha, 100, 1, 1);
    fill_model(&hb, 15, 0.5, 2);
    r = decide(&cfg, NULL, NULL, 1);
    assert_int_equal(r.verdict, VMON_VERDICT_CONTINUE);
    assert_non_null(strstr(r.reason, "too few"));
}

static void test_sequential_promotes_only_with_recall(void **state)
{
    (void)state;
    vmon_judge_config cfg;
    vmon_judge_config_default(&cfg, VMON_JUDGE_SEQUENTIAL);
    cfg.recall_floor = 0.95;
    fill_model(&ha, 10000, 1.0, 11);
    fill_model(&hb, 10000, 0.8, 12);
    vmon_arm_figures fa = figures(10000, 0, 0.97);
    vmon_arm_figures ok = figures(10000, 0, 0.96), unmeasured = figures(10000, 0, NAN),
                     unsure = figures(10000, 0, 0.952);
    vmon_judge_result r = decide(&cfg, &fa, &ok, 1);
    assert_int_equal(r.verdict, VMON_VERDICT_PROMOTE);
    assert_true(r.ratio > 0.75 && r.ratio < 0.85 && r.ratio_high < 1 && r.p_value < 0.05);
    assert_int_equal(decide(&cfg, &fa, &ok, 0).verdict, VMON_VERDICT_ADVANCE);
    r = decide(&cfg, &fa, &unmeasured, 1);
    assert_int_equal(r.verdict, VMON_VERDICT_CONTINUE);
    assert_non_null(strstr(r.reason, "not measured"));
    /* An unsure bound with the step's requests in: B is kept (more traffic would not change
     * a shadow-measured recall), at any step. */
    r = decide(&cfg, &fa, &unsure, 1);
    assert_int_equal(r.verdict, VMON_VERDICT_KEEP);
    assert_non_null(strstr(r.reason, "does not hold the floor"));
    assert_int_equal(decide(&cfg, &fa, &unsure, 0).verdict, VMON_VERDICT_KEEP);
    /* Before the step has its requests: neither a step further nor a verdict yet. */
    cfg.step_min_samples = 15000;
    r = decide(&cfg, &fa, &unsure, 0);
    assert_int_equal(r.verdict, VMON_VERDICT_CONTINUE);
    assert_non_null(strstr(r.reason, "below the floor"));
    cfg.step_min_samples = 500;
    vmon_arm_figures below = figures(10000, 0, 0.93);
    r = decide(&cfg, &fa, &below, 0);
    assert_int_equal(r.verdict, VMON_VERDICT_ROLLBACK);
    assert_non_null(strstr(r.reason, "recall"));
}

static void test_sequential_rolls_back_more_errors(void **state)
{
    (void)state;
    vmon_judge_config cfg;
    vmon_judge_config_default(&cfg, VMON_JUDGE_SEQUENTIAL);
    fill_model(&ha, 20000, 1.0, 21);
    fill_model(&hb, 5000, 1.0, 22);
    vmon_arm_figures fa = figures(20000, 20, NAN), fb = figures(5000, 250, NAN);
    vmon_judge_result r = decide(&cfg, &fa, &fb, 0);
    assert_int_equal(r.verdict, VMON_VERDICT_ROLLBACK);
    assert_non_null(strstr(r.reason, "error rate"));
    /* The same errors on both sides: the step passes. */
    fb = figures(5000, 5, NAN);
    assert_int_equal(decide(&cfg, &fa, &fb, 0).verdict, VMON_VERDICT_ADVANCE);
}

/* 3% of B's requests 4x slower, the median untouched: a tail regression. */
static void test_sequential_sees_a_tail_only_regression(void **state)
{
    (void)state;
    vmon_judge_config cfg;
    vmon_judge_config_default(&cfg, VMON_JUDGE_SEQUENTIAL);
    fill_model(&ha, 40000, 1.0, 31);
    vmon_loghist_reset(&hb);
    uint64_t seed = 32;
    for (int i = 0; i < 10000; i++) {
        double ns = sim_latency_ns(&seed);
        vmon_loghist_record(&hb, (uint64_t)(i % 100 < 3 ? 4 * ns : ns));
    }
    vmon_judge_result r = decide(&cfg, NULL, NULL, 0);
    assert_int_equal(r.verdict, VMON_VERDICT_ROLLBACK);
    assert_true(strstr(r.reason, "p95") || strstr(r.reason, "p99"));
}

static void test_sequential_keeps_at_the_horizon(void **state)
{
    (void)state;
    vmon_judge_config cfg;
    vmon_judge_config_default(&cfg, VMON_JUDGE_SEQUENTIAL);
    cfg.max_samples = 3000;
    fill_model(&ha, 3000, 1.0, 41);
    fill_model(&hb, 3000, 1.0, 42);
    vmon_judge_result r = decide(&cfg, NULL, NULL, 1);
    assert_int_equal(r.verdict, VMON_VERDICT_KEEP);
    assert_non_null(strstr(r.reason, "undecided"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_settings),
        cmocka_unit_test(test_classic_is_the_seed_rule),
        cmocka_unit_test(test_no_data_continues),
        cmocka_unit_test(test_sequential_promotes_only_with_recall),
        cmocka_unit_test(test_sequential_rolls_back_more_errors),
        cmocka_unit_test(test_sequential_sees_a_tail_only_regression),
        cmocka_unit_test(test_sequential_keeps_at_the_horizon),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
