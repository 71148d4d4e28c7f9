/*
 * vmon_runtime_reload: unchanged instances carry over as they are while they
 * emit from their own threads; a changed one is made new; the returned
 * runtime is the one that runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "runtime.h"
#include "test_util.h"

static vmon_plan load(const char *dir, const char *text)
{
    char *path = test_write_file(dir, "vmon.ini", text);
    vmon_plan plan;
    vmon_errors errs = {0};
    int rc = vmon_plan_load(path, VMON_TEST_PLUGIN_DIR, &plan, &errs);
    vmon_errors_print(&errs, stderr);
    assert_int_equal(rc, 0);
    vmon_errors_free(&errs);
    free(path);
    return plan;
}

static vmon_runtime *start(const char *dir, const char *text)
{
    vmon_plan plan = load(dir, text);
    char err[1024];
    vmon_runtime *rt = vmon_runtime_new(&plan, err, sizeof err);
    assert_non_null(rt);
    assert_int_equal(vmon_runtime_start(rt, 0, err, sizeof err), 0);
    return rt;
}

static vmon_runtime *reload(vmon_runtime *old, const char *dir, const char *text)
{
    vmon_plan plan = load(dir, text);
    char err[1024] = "";
    vmon_runtime *rt = vmon_runtime_reload(old, &plan, err, sizeof err);
    if (rt == old || !rt)
        fprintf(stderr, "reload: %s\n", err);
    assert_non_null(rt);
    assert_ptr_not_equal(rt, old);
    return rt;
}

static int count_in(const char *dir, const char *file, const char *needle)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    char *text = test_read_file(path);
    int n = text ? test_count_lines(text, needle) : 0;
    free(text);
    return n;
}

/* Lines equal to `line` (the count's value must match whole: 1 is not 10). */
static int count_exact(const char *dir, const char *file, const char *line)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    char *text = test_read_file(path);
    int n = 0;
    for (char *save = NULL, *l = text ? strtok_r(text, "\n", &save) : NULL; l;
         l = strtok_r(NULL, "\n", &save))
        n += strcmp(l, line) == 0;
    free(text);
    return n;
}

static int wait_count(const char *dir, const char *file, const char *needle, int n, int64_t ms)
{
    int64_t end = vmon_mono_ms() + ms;
    while (count_in(dir, file, needle) < n && vmon_mono_ms() < end)
        test_sleep_ms(10);
    return count_in(dir, file, needle);
}

#define CONFIG                                                                                     \
    "[probe:c]\nplugin = counter\ninterval = 10ms\n"                                               \
    "[rule:hi]\nmetric = fixture.count_total\nabove = %d\n"                                        \
    "[sink:rec]\nplugin = record\npath = rec.txt\n"                                                \
    "[pipeline:p]\nprobes = c\nrules = hi\nsinks = rec\n"

/*
 * Forty reloads that change only a rule, with the probe emitting every 10 ms:
 * the probe is never re-created (its count never restarts at 1), its samples
 * keep flowing, and nothing races (this test also runs under ASan and valgrind).
 */
static void test_unchanged_probe_and_sink_carry_over(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    char text[1024];
    snprintf(text, sizeof text, CONFIG, 1000000);
    vmon_runtime *rt = start(dir, text);
    assert_int_equal(wait_count(dir, "rec.txt", "sample probe:c", 1, 5000) >= 1, 1);
    for (int i = 0; i < 40; i++) {
        snprintf(text, sizeof text, CONFIG, 1000000 + i % 2);
        rt = reload(rt, dir, text);
    }
    int before = count_in(dir, "rec.txt", "sample probe:c");
    assert_true(wait_count(dir, "rec.txt", "sample probe:c", before + 5, 5000) >= before + 5);
    vmon_runtime_stop(rt);
    assert_int_equal(count_exact(dir, "rec.txt", "sample probe:c fixture.count_total 1"), 1);
    test_rm_tree(dir);
    free(dir);
}

/* A changed probe is made new (its count starts again); the unchanged sink is kept. */
static void test_changed_probe_is_replaced(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    char text[1024];
    snprintf(text, sizeof text, CONFIG, 1000000);
    vmon_runtime *rt = start(dir, text);
    assert_true(wait_count(dir, "rec.txt", "sample probe:c fixture.count_total 3", 1, 5000) >= 1);
    assert_int_equal(count_exact(dir, "rec.txt", "sample probe:c fixture.count_total 1"), 1);
    char *changed = strstr(text, "interval = 10ms");
    memcpy(changed, "interval = 11ms", strlen("interval = 11ms"));
    rt = reload(rt, dir, text);
    int64_t end = vmon_mono_ms() + 5000;
    while (count_exact(dir, "rec.txt", "sample probe:c fixture.count_total 1") < 2 &&
           vmon_mono_ms() < end)
        test_sleep_ms(10);
    vmon_runtime_stop(rt);
    assert_int_equal(count_exact(dir, "rec.txt", "sample probe:c fixture.count_total 1"), 2);
    test_rm_tree(dir);
    free(dir);
}

static int exists_in(const char *dir, const char *file)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "r");
    if (f)
        fclose(f);
    return f != NULL;
}

static int wait_exists(const char *dir, const char *file, int64_t ms)
{
    int64_t end = vmon_mono_ms() + ms;
    while (!exists_in(dir, file) && vmon_mono_ms() < end)
        test_sleep_ms(10);
    return exists_in(dir, file);
}

#define ABANDON_CONFIG                                                                             \
    "[daemon]\nshutdown_timeout = 20ms\n"                                                          \
    "[probe:c]\nplugin = counter\ninterval = 10ms\n"                                               \
    "[rule:any]\nmetric = fixture.count_total\nabove = 0\n"                                        \
    "[sink:rec]\nplugin = record\npath = rec.txt\n"

/*
 * A sink removed on reload while its deliver call hangs is abandoned to its
 * thread; when the call returns, the plugin raises an alert through the host.
 * Its instance's hooks lead to its runtime slot: the slot must still be there
 * (and lead nowhere) although the old runtime is gone. Under ASan this was a
 * heap-use-after-free in slot_alert.
 */
static void test_abandoned_sink_raises_after_reload(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    vmon_runtime *rt = start(dir, ABANDON_CONFIG "[sink:g]\nplugin = gate\ndelay = 400ms\n"
                                                 "raise_late = yes\nentered = entered\n"
                                                 "destroyed = destroyed\n"
                                                 "[pipeline:p]\nprobes = c\nrules = any\n"
                                                 "sinks = rec, g\n");
    assert_true(wait_exists(dir, "entered", 5000));
    rt = reload(rt, dir, ABANDON_CONFIG "[pipeline:p]\nprobes = c\nrules = any\nsinks = rec\n");
    /* The abandoned call returns, raises, and its thread destroys the instance. */
    assert_true(wait_exists(dir, "destroyed", 5000));
    int before = count_in(dir, "rec.txt", "sample probe:c");
    assert_true(wait_count(dir, "rec.txt", "sample probe:c", before + 3, 5000) >= before + 3);
    vmon_runtime_stop(rt);
    test_rm_tree(dir);
    free(dir);
}

#define EXCLUSIVE_CONFIG                                                                           \
    "[daemon]\nshutdown_timeout = 50ms\n"                                                          \
    "[probe:c]\nplugin = counter\ninterval = 10ms\n"                                               \
    "[rule:r1]\nmetric = fixture.count_total\nabove = 0\n"                                         \
    "[rule:r2]\nmetric = fixture.count_total\nabove = 1\n"                                         \
    "[rule:r3]\nmetric = fixture.count_total\nabove = 2\n"                                         \
    "[rule:r4]\nmetric = fixture.count_total\nabove = 3\n"                                         \
    "[sink:rec]\nplugin = record\npath = rec.txt\n"                                                \
    "[sink:g]\nplugin = gate\nlock = L\npath = g.txt\nentered = entered\ndelay = %s\n"             \
    "[pipeline:p]\nprobes = c\nrules = r1, r2, r3, r4\nsinks = rec, g\n"

/*
 * A changed sink holding an exclusive resource is stopped before its
 * replacement is made; what it had queued (its call hung) goes to the
 * replacement as a hand-over would, not lost with the old one.
 */
static void test_exclusive_sink_replaced_keeps_queue(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    char text[2048];
    snprintf(text, sizeof text, EXCLUSIVE_CONFIG, "2s");
    vmon_runtime *rt = start(dir, text);
    assert_true(wait_exists(dir, "entered", 5000));
    /* All four fired (rec has them): g's call holds r1, its queue the rest. */
    assert_true(wait_count(dir, "rec.txt", "alert r4", 1, 5000) >= 1);
    snprintf(text, sizeof text, EXCLUSIVE_CONFIG, "0ms");
    rt = reload(rt, dir, text);
    const char *rules[] = {"alert r1 ", "alert r2 ", "alert r3 ", "alert r4 "};
    for (size_t k = 0; k < 4; k++)
        assert_true(wait_count(dir, "g.txt", rules[k], 1, 5000) >= 1);
    vmon_runtime_stop(rt);
    test_rm_tree(dir);
    free(dir);
}

/* The replacement fails: the old sink is made again and gets its own queue back. */
static void test_exclusive_sink_failed_replacement_keeps_queue(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    char text[2048];
    snprintf(text, sizeof text, EXCLUSIVE_CONFIG, "300ms");
    vmon_runtime *rt = start(dir, text);
    assert_true(wait_exists(dir, "entered", 5000));
    assert_true(wait_count(dir, "rec.txt", "alert r4", 1, 5000) >= 1);
    snprintf(text, sizeof text, EXCLUSIVE_CONFIG, "0ms\nrefuse = yes");
    vmon_plan plan = load(dir, text);
    char err[1024] = "";
    vmon_runtime *same = vmon_runtime_reload(rt, &plan, err, sizeof err);
    assert_ptr_equal(same, rt);
    assert_non_null(strstr(err, "gate told to refuse"));
    const char *rules[] = {"alert r1 ", "alert r2 ", "alert r3 ", "alert r4 "};
    for (size_t k = 0; k < 4; k++)
        assert_true(wait_count(dir, "g.txt", rules[k], 1, 5000) >= 1);
    vmon_runtime_stop(rt);
    test_rm_tree(dir);
    free(dir);
}

#define PLUGIN_ALERT_CONFIG                                                                        \
    "[daemon]\nshutdown_timeout = 50ms\n"                                                          \
    "[probe:f]\nplugin = counter\ninterval = 10ms\nfail = %s\n"                                    \
    "[sink:g]\nplugin = gate\nlock = L\npath = g.txt\ndelay = %s\n"                                \
    "[pipeline:p]\nprobes = f\nsinks = g\n"

/*
 * A replaced probe's plugin alert is resolved on reload; when the sink that
 * heard it is itself replaced through the exclusive path (gone before the
 * reload adopts), the resolution goes to its replacement, not nowhere.
 */
static void test_plugin_alert_resolved_to_exclusive_replacement(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    char text[2048];
    snprintf(text, sizeof text, PLUGIN_ALERT_CONFIG, "true", "0ms");
    vmon_runtime *rt = start(dir, text);
    assert_int_equal(wait_count(dir, "g.txt", "alert probe_failed ", 1, 5000), 1);
    snprintf(text, sizeof text, PLUGIN_ALERT_CONFIG, "false", "1ms");
    rt = reload(rt, dir, text);
    assert_int_equal(wait_count(dir, "g.txt", "alert probe_failed ", 2, 5000), 2);
    vmon_runtime_stop(rt);
    test_rm_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unchanged_probe_and_sink_carry_over),
        cmocka_unit_test(test_changed_probe_is_replaced),
        cmocka_unit_test(test_abandoned_sink_raises_after_reload),
        cmocka_unit_test(test_exclusive_sink_replaced_keeps_queue),
        cmocka_unit_test(test_exclusive_sink_failed_replacement_keeps_queue),
        cmocka_unit_test(test_plugin_alert_resolved_to_exclusive_replacement),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
