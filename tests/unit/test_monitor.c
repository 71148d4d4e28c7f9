/* The monitor on a fake clock: arms, baseline from the first full window,
 * degradation by p95 and by QPS, its guards, reset on promotion. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "loghist.h"
#include "monitor.h"

#define MS  UINT64_C(1000000)
#define SEC (1000 * MS)
#define T0  (UINT64_C(5000) * SEC)

static char err[256];

/* A 10 s window in 1 s slices, two writers, at least 50 requests to count. */
static vmon_monitor *new_monitor(void)
{
    vmon_monitor_config cfg;
    vmon_monitor_config_default(&cfg);
    cfg.window_ms = 10000;
    cfg.slice_ms = 1000;
    cfg.n_writers = 2;
    cfg.min_samples = 50;
    vmon_monitor *m = vmon_monitor_new(&cfg, err, sizeof err);
    assert_non_null(m);
    return m;
}

/* `qps` requests per second of `latency_ms` each from `from` to `to`, alternating writers. */
static void traffic(vmon_monitor_arm *a, uint64_t from, uint64_t to, double qps, double latency_ms)
{
    uint64_t step = (uint64_t)(1e9 / qps);
    uint32_t writer = 0;
    for (uint64_t t = from; t < to; t += step, writer ^= 1)
        vmon_monitor_record(a, writer, t, (uint64_t)(latency_ms * 1e6), true);
}

static void check(vmon_monitor *m, uint64_t now, vmon_monitor_status *st)
{
    assert_int_equal(vmon_monitor_check(m, "docs", now, st, err, sizeof err), VMON_OK);
}

static void test_bad_configs(void **state)
{
    (void)state;
    vmon_monitor_config base, c;
    vmon_monitor_config_default(&base);
    c = base;
    c.window_ms = 0;
    assert_null(vmon_monitor_new(&c, err, sizeof err));
    assert_non_null(strstr(err, "window"));
    c = base;
    c.slice_ms = 1;
    assert_null(vmon_monitor_new(&c, err, sizeof err)); /* 60000 slices */
    assert_non_null(strstr(err, "slices"));
    c = base;
    c.latency_factor = 1.0;
    assert_null(vmon_monitor_new(&c, err, sizeof err));
    assert_non_null(strstr(err, "latency_factor"));
    c = base;
    c.latency_factor = NAN;
    assert_null(vmon_monitor_new(&c, err, sizeof err));
    c = base;
    c.qps_drop = 1.0;
    assert_null(vmon_monitor_new(&c, err, sizeof err));
    assert_non_null(strstr(err, "qps_drop"));
    c = base;
    c.n_writers = 0;
    assert_null(vmon_monitor_new(&c, err, sizeof err));
    assert_non_null(strstr(err, "workers"));
    /* The default slices a 10 s window in 60. */
    c = base;
    c.window_ms = 10000;
    vmon_monitor *m = vmon_monitor_new(&c, err, sizeof err);
    assert_non_null(m);
    vmon_monitor_free(m);
}

static void test_arms_are_looked_up_once(void **state)
{
    (void)state;
    vmon_monitor *m = new_monitor();
    vmon_monitor_arm *a = vmon_monitor_arm_get(m, "docs", 0, err, sizeof err);
    assert_non_null(a);
    assert_ptr_equal(vmon_monitor_arm_get(m, "docs", 0, err, sizeof err), a);
    vmon_monitor_arm *b = vmon_monitor_arm_get(m, "docs", 1, err, sizeof err);
    vmon_monitor_arm *other = vmon_monitor_arm_get(m, "news", 0, err, sizeof err);
    assert_true(b != a && other != a && other != b);
    assert_null(vmon_monitor_arm_get(m, "docs", VMON_ROUTER_MAX_ARMS, err, sizeof err));
    assert_non_null(strstr(err, "arm"));
    vmon_monitor_status st;
    assert_int_equal(vmon_monitor_check(m, "none", T0, &st, err, sizeof err), VMON_EINVAL);
    assert_non_null(strstr(err, "'none'"));
    /* Arms keep apart: B's requests are not A's. */
    traffic(b, T0, T0 + SEC, 100, 3);
    vmon_arm_figures f;
    bool full = true;
    vmon_monitor_arm_figures(a, T0 + SEC, &f, &full);
    assert_int_equal(f.samples, 0);
    assert_false(full);
    vmon_monitor_arm_figures(b, T0 + SEC, &f, &full);
    assert_int_equal(f.samples, 100);
    assert_true(isnan(f.recall) && f.recall_queries == 0);
    assert_int_equal(f.struct_size, sizeof f);
    vmon_monitor_free(m);
}

static void test_first_full_window_is_the_baseline(void **state)
{
    (void)state;
    vmon_monitor *m = new_monitor();
    vmon_monitor_arm *a = vmon_monitor_arm_get(m, "docs", 0, err, sizeof err);
    vmon_monitor_status st;
    traffic(a, T0, T0 + 5 * SEC, 200, 2);
    check(m, T0 + 5 * SEC, &st);
    assert_false(st.full);
    assert_false(st.has_baseline);
    assert_int_equal(st.reason, -1);
    assert_true(isnan(st.p95_ratio));
    traffic(a, T0 + 5 * SEC, T0 + 9 * SEC + 500 * MS, 200, 2);
    check(m, T0 + 9 * SEC + 500 * MS, &st);
    assert_true(st.full);
    assert_true(st.baseline_set && st.has_baseline);
    assert_true(fabs(st.baseline.p95_ms - 2.0) <= 2.0 * VMON_LOGHIST_REL_ERROR);
    assert_true(fabs(st.baseline.qps - 200) < 1);
    /* Set once: later windows do not move it. */
    traffic(a, T0 + 9 * SEC + 500 * MS, T0 + 12 * SEC, 200, 1.8);
    check(m, T0 + 12 * SEC, &st);
    assert_false(st.baseline_set);
    assert_true(fabs(st.baseline.p95_ms - 2.0) <= 2.0 * VMON_LOGHIST_REL_ERROR);
    assert_int_equal(st.reason, -1);
    vmon_monitor_free(m);
}

static void test_too_few_requests_set_no_baseline(void **state)
{
    (void)state;
    vmon_monitor *m = new_monitor();
    vmon_monitor_arm *a = vmon_monitor_arm_get(m, "docs", 0, err, sizeof err);
    vmon_monitor_status st;
    traffic(a, T0, T0 + 10 * SEC, 4, 2); /* 40 requests, 50 needed */
    check(m, T0 + 10 * SEC, &st);
    assert_true(st.full);
    assert_false(st.has_baseline);
    vmon_monitor_free(m);
}

/* Baseline at 200 qps and 2 ms; then the window after `qps` and `latency_ms` for 10 s. */
static int degradation_after(double qps, double latency_ms, vmon_monitor_status *st)
{
    vmon_monitor *m = new_monitor();
    vmon_monitor_arm *a = vmon_monitor_arm_get(m, "docs", 0, err, sizeof err);
    traffic(a, T0, T0 + 10 * SEC, 200, 2);
    check(m, T0 + 10 * SEC, st);
    assert_true(st->baseline_set);
    traffic(a, T0 + 10 * SEC, T0 + 20 * SEC, qps, latency_ms);
    check(m, T0 + 20 * SEC, st);
    vmon_monitor_free(m);
    return st->reason;
}

static void test_latency_degradation(void **state)
{
    (void)state;
    vmon_monitor_status st;
    assert_int_equal(degradation_after(200, 3.2, &st), VMON_TUNE_LATENCY_DEGRADED);
    assert_true(fabs(st.p95_ratio - 1.6) < 1.6 * 2 * VMON_LOGHIST_REL_ERROR);
    assert_int_equal(degradation_after(200, 2.8, &st), -1); /* 1.4x */
    /* Latency is tested first when both degrade. */
    assert_int_equal(degradation_after(100, 4, &st), VMON_TUNE_LATENCY_DEGRADED);
}

static void test_qps_degradation(void **state)
{
    (void)state;
    vmon_monitor_status st;
    assert_int_equal(degradation_after(120, 2, &st), VMON_TUNE_QPS_DEGRADED); /* down 40% */
    assert_true(fabs(st.qps_ratio - 0.6) < 0.01);
    assert_int_equal(degradation_after(160, 2, &st), -1); /* down 20% */
}

/* A window with too few requests is no evidence; nor is a zero baseline. */
static void test_guards(void **state)
{
    (void)state;
    vmon_monitor_status st;
    assert_int_equal(degradation_after(4, 50, &st), -1); /* 40 slow requests: too few */
    vmon_monitor_config cfg;
    vmon_monitor_config_default(&cfg);
    vmon_arm_figures base = {.samples = 1000, .p95_ms = 0, .qps = 0};
    vmon_arm_figures now = {.samples = 1000, .p95_ms = 5, .qps = 1};
    assert_int_equal(vmon_monitor_degradation(&cfg, &base, &now, true), -1);
    base.p95_ms = NAN;
    base.qps = NAN;
    assert_int_equal(vmon_monitor_degradation(&cfg, &base, &now, true), -1);
    assert_int_equal(vmon_monitor_degradation(&cfg, NULL, &now, true), -1);
    base.p95_ms = 2;
    base.qps = 100;
    assert_int_equal(vmon_monitor_degradation(&cfg, &base, &now, false), -1); /* not full */
    assert_int_equal(vmon_monitor_degradation(&cfg, &base, &now, true), VMON_TUNE_LATENCY_DEGRADED);
    now.errors = 950; /* 50 successful of 1000: below min_samples 100 */
    assert_int_equal(vmon_monitor_degradation(&cfg, &base, &now, true), -1);
}

/* Promotion: the caller resets; windows start afresh and the next full one is the baseline. */
static void test_reset_measures_the_baseline_again(void **state)
{
    (void)state;
    vmon_monitor *m = new_monitor();
    vmon_monitor_arm *a = vmon_monitor_arm_get(m, "docs", 0, err, sizeof err);
    vmon_monitor_arm *b = vmon_monitor_arm_get(m, "docs", 1, err, sizeof err);
    vmon_monitor_status st;
    traffic(a, T0, T0 + 10 * SEC, 200, 2);
    traffic(b, T0, T0 + 10 * SEC, 20, 1);
    check(m, T0 + 10 * SEC, &st);
    assert_true(st.has_baseline);
    vmon_monitor_reset(m, "docs", T0 + 10 * SEC);
    check(m, T0 + 10 * SEC + 1, &st);
    assert_false(st.has_baseline);
    assert_int_equal(st.now.samples, 0);
    vmon_arm_figures f;
    vmon_monitor_arm_figures(b, T0 + 10 * SEC + 1, &f, NULL);
    assert_int_equal(f.samples, 0);
    traffic(a, T0 + 10 * SEC, T0 + 20 * SEC, 300, 1);
    check(m, T0 + 15 * SEC, &st);
    assert_false(st.full);
    assert_false(st.has_baseline);
    check(m, T0 + 20 * SEC, &st);
    assert_true(st.baseline_set);
    assert_true(fabs(st.baseline.p95_ms - 1.0) <= VMON_LOGHIST_REL_ERROR);
    assert_true(fabs(st.baseline.qps - 300) < 2);
    vmon_monitor_reset(m, "unknown", T0); /* nothing to reset: no effect */
    vmon_monitor_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_configs),
        cmocka_unit_test(test_arms_are_looked_up_once),
        cmocka_unit_test(test_first_full_window_is_the_baseline),
        cmocka_unit_test(test_too_few_requests_set_no_baseline),
        cmocka_unit_test(test_latency_degradation),
        cmocka_unit_test(test_qps_degradation),
        cmocka_unit_test(test_guards),
        cmocka_unit_test(test_reset_measures_the_baseline_again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
