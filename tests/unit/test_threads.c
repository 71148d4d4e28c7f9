/* Threads: a sink that blocks for seconds, or a probe that hangs, stalls nothing else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "runtime.h"
#include "test_util.h"

static vmon_runtime *start(const char *dir, const char *text)
{
    char *path = test_write_file(dir, "vmon.ini", text);
    vmon_plan plan;
    vmon_errors errs = {0};
    int rc = vmon_plan_load(path, VMON_TEST_PLUGIN_DIR, &plan, &errs);
    vmon_errors_print(&errs, stderr);
    assert_int_equal(rc, 0);
    vmon_errors_free(&errs);
    free(path);
    char err[1024];
    vmon_runtime *rt = vmon_runtime_new(&plan, err, sizeof err);
    assert_non_null(rt);
    assert_int_equal(vmon_runtime_start(rt, 0, err, sizeof err), 0);
    return rt;
}

static int count_in(const char *dir, const char *file, const char *needle)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    char *text = test_read_file(path);
    int n = test_count_lines(text, needle);
    free(text);
    return n;
}

static void test_blocked_sink_stalls_nothing(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    vmon_runtime *rt = start(dir, "[daemon]\nshutdown_timeout = 200ms\n"
                                  "[probe:c]\nplugin = counter\ninterval = 50ms\n"
                                  "[rule:hi]\nmetric = fixture.count_total\nabove = 2\n"
                                  "[sink:slow]\nplugin = record\npath = slow.txt\ndelay = 3s\n"
                                  "[sink:fast]\nplugin = record\npath = fast.txt\n"
                                  "[pipeline:p]\nprobes = c\nrules = hi\nsinks = slow, fast\n");
    test_sleep_ms(1000);
    /* 1 s at 50 ms: about 20 readings reached the fast sink while slow sleeps. */
    int samples = count_in(dir, "fast.txt", "sample probe:c fixture.count_total");
    int alerts = count_in(dir, "fast.txt", "alert hi firing");
    assert_true(samples >= 5);
    assert_int_equal(alerts, 1);
    assert_int_equal(count_in(dir, "slow.txt", "sample"), 0);
    int64_t t0 = vmon_mono_ms();
    vmon_runtime_stop(rt);
    /* The blocked call is abandoned after shutdown_timeout, not waited out. */
    assert_true(vmon_mono_ms() - t0 < 1500);
    test_rm_tree(dir);
    free(dir);
}

/*
 * One reading goes to every sink that takes samples, and only there: sinks of
 * different pipelines get different readings, and no sink's queue may borrow
 * another's (a batch linked through one `next` field did).
 */
static void test_each_sink_gets_its_readings(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    char *path = test_write_file(dir, "vmon.ini",
                                 "[probe:one]\nplugin = counter\ninterval = 10ms\n"
                                 "[probe:two]\nplugin = counter\ninterval = 10ms\n"
                                 "[sink:a]\nplugin = record\npath = a.txt\ndelay = 5ms\n"
                                 "[sink:b]\nplugin = record\npath = b.txt\ndelay = 5ms\n"
                                 "[pipeline:p]\nprobes = one\nsinks = a, b\n"
                                 "[pipeline:q]\nprobes = two\nsinks = b\n");
    vmon_plan plan;
    vmon_errors errs = {0};
    assert_int_equal(vmon_plan_load(path, VMON_TEST_PLUGIN_DIR, &plan, &errs), 0);
    vmon_errors_free(&errs);
    free(path);
    char err[1024];
    vmon_runtime *rt = vmon_runtime_new(&plan, err, sizeof err);
    assert_non_null(rt);
    assert_int_equal(vmon_runtime_start(rt, 30, err, sizeof err), 0);
    vmon_runtime_finish_cycles(rt);
    vmon_runtime_stop(rt);
    assert_int_equal(count_in(dir, "a.txt", "sample probe:one fixture.count_total"), 30);
    assert_int_equal(count_in(dir, "a.txt", "sample probe:two"), 0);
    assert_int_equal(count_in(dir, "b.txt", "sample probe:one fixture.count_total"), 30);
    assert_int_equal(count_in(dir, "b.txt", "sample probe:two fixture.count_total"), 30);
    test_rm_tree(dir);
    free(dir);
}

static void test_hung_probe_stalls_nothing(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    vmon_runtime *rt = start(dir, "[probe:hung]\nplugin = counter\ndelay = 2s\ninterval = 50ms\n"
                                  "[probe:quick]\nplugin = counter\ninterval = 50ms\n"
                                  "[sink:rec]\nplugin = record\npath = rec.txt\n"
                                  "[pipeline:p]\nprobes = hung, quick\nsinks = rec\n");
    test_sleep_ms(800);
    assert_true(count_in(dir, "rec.txt", "sample probe:quick") >= 8);
    assert_int_equal(count_in(dir, "rec.txt", "sample probe:hung"), 0);
    vmon_runtime_stop(rt);
    test_rm_tree(dir);
    free(dir);
}

static void test_failing_probe_backs_off_and_alerts(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    vmon_runtime *rt = start(dir, "[probe:bad]\nplugin = counter\nfail = true\ninterval = 50ms\n"
                                  "backoff_cap = 200ms\n"
                                  "[sink:rec]\nplugin = record\npath = rec.txt\n"
                                  "[pipeline:p]\nprobes = bad\nsinks = rec\n");
    test_sleep_ms(1000);
    vmon_runtime_stop(rt);
    /* One alert naming the reason, however many failures. */
    assert_int_equal(count_in(dir, "rec.txt", "alert probe_failed firing warning"), 1);
    assert_int_equal(count_in(dir, "rec.txt", "told to fail"), 1);
    test_rm_tree(dir);
    free(dir);
}

static void test_retry_then_deliver(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    vmon_runtime *rt = start(dir, "[probe:c]\nplugin = counter\ninterval = 50ms\n"
                                  "[rule:hi]\nmetric = fixture.count_total\nabove = 1\n"
                                  "[sink:flaky]\nplugin = record\npath = f.txt\nfail_first = 3\n"
                                  "retry_base = 20ms\nretry_cap = 50ms\nsamples = false\n"
                                  "[pipeline:p]\nprobes = c\nrules = hi\nsinks = flaky\n");
    test_sleep_ms(800);
    vmon_runtime_stop(rt);
    assert_int_equal(count_in(dir, "f.txt", "alert hi firing"), 1);
    assert_int_equal(count_in(dir, "f.txt", "sample"), 0);
    test_rm_tree(dir);
    free(dir);
}

static void test_min_severity_and_dead_letter(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    vmon_runtime *rt = start(dir, "[probe:c]\nplugin = counter\ninterval = 50ms\n"
                                  "[rule:hi]\nmetric = fixture.count_total\nabove = 1\n"
                                  "severity = warning\n"
                                  "[sink:pager]\nplugin = record\npath = pager.txt\n"
                                  "min_severity = critical\n"
                                  "[sink:down]\nplugin = record\npath = down.txt\n"
                                  "fail_first = 1000\nretry_limit = 2\nretry_base = 10ms\n"
                                  "dead_letter = dead.jsonl\nsamples = false\n"
                                  "[pipeline:p]\nprobes = c\nrules = hi\nsinks = pager, down\n");
    test_sleep_ms(800);
    vmon_runtime_stop(rt);
    /* A warning does not page; readings still arrive there. */
    assert_int_equal(count_in(dir, "pager.txt", "alert hi"), 0);
    assert_true(count_in(dir, "pager.txt", "sample probe:c") >= 3);
    /* After 1 try + 2 retries the alert is written to the dead-letter file, once. */
    assert_int_equal(count_in(dir, "dead.jsonl", "\"rule\":\"hi\""), 1);
    assert_int_equal(count_in(dir, "dead.jsonl", "retry limit reached: fixture says retry"), 1);
    assert_int_equal(count_in(dir, "down.txt", "alert"), 0);
    test_rm_tree(dir);
    free(dir);
}

static void test_resend_keeps_firing_alerts_alive(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    vmon_runtime *rt = start(dir, "[probe:c]\nplugin = counter\ninterval = 50ms\n"
                                  "[rule:hi]\nmetric = fixture.count_total\nabove = 0\n"
                                  "[sink:am]\nplugin = record\npath = am.txt\nresend = 200ms\n"
                                  "samples = false\n"
                                  "[sink:plain]\nplugin = record\npath = plain.txt\n"
                                  "samples = false\n"
                                  "[pipeline:p]\nprobes = c\nrules = hi\nsinks = am, plain\n");
    test_sleep_ms(1000);
    vmon_runtime_stop(rt);
    /* About 4 re-sends in 1 s at 200 ms, each with a key of its own; none to the other sink. */
    int firing = count_in(dir, "am.txt", "alert hi firing");
    assert_true(firing >= 3 && firing <= 7);
    assert_int_equal(count_in(dir, "am.txt", "-resend-1 "), 1);
    assert_int_equal(count_in(dir, "am.txt", "-resend-2 "), 1);
    assert_int_equal(count_in(dir, "plain.txt", "alert hi firing"), 1);
    test_rm_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocked_sink_stalls_nothing),
        cmocka_unit_test(test_each_sink_gets_its_readings),
        cmocka_unit_test(test_hung_probe_stalls_nothing),
        cmocka_unit_test(test_failing_probe_backs_off_and_alerts),
        cmocka_unit_test(test_retry_then_deliver),
        cmocka_unit_test(test_min_severity_and_dead_letter),
        cmocka_unit_test(test_resend_keeps_firing_alerts_alive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
