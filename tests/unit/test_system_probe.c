/* probe `system` on a fake /proc and cgroup tree: used = total - available, cgroup limits. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "standalone.h"
#include "test_util.h"

typedef struct readings {
    char names[32][64];
    double values[32];
    int n;
} readings;

static void on_sample(void *arg, const vmon_sample *s)
{
    readings *r = arg;
    if (r->n < 32) {
        snprintf(r->names[r->n], sizeof r->names[0], "%s", s->name);
        r->values[r->n++] = s->value;
    }
}

static double value_of(const readings *r, const char *name)
{
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->names[i], name) == 0)
            return r->values[i];
    return NAN;
}

static char *fake_tree(int with_limit)
{
    char *dir = test_tempdir();
    char p[1024];
    snprintf(p, sizeof p, "%s/proc", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/proc/self", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/proc", dir);
    free(test_write_file(p, "meminfo",
                         "MemTotal:       16000000 kB\nMemFree:          100000 kB\n"
                         "MemAvailable:    4000000 kB\nBuffers: 1 kB\n"));
    free(test_write_file(p, "loadavg", "0.50 0.25 0.10 1/100 4242\n"));
    free(test_write_file(p, "self/statm", "1000 256 10 1 0 100 0\n"));
    free(test_write_file(p, "self/cgroup", "0::/vmon.slice\n"));
    snprintf(p, sizeof p, "%s/cg", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/cg/vmon.slice", dir);
    mkdir(p, 0755);
    free(test_write_file(p, "memory.max", with_limit ? "1073741824\n" : "max\n"));
    free(test_write_file(p, "memory.current", "268435456\n"));
    return dir;
}

static void run(const char *dir, readings *r)
{
    char proc[1024], cg[1024];
    snprintf(proc, sizeof proc, "%s/proc", dir);
    snprintf(cg, sizeof cg, "%s/cg", dir);
    const char *pairs[] = {"proc_root", proc, "cgroup_root", cg, NULL};
    vmon_standalone *s;
    char err[1024];
    assert_int_equal(vmon_standalone_open(VMON_BUILD_PLUGIN_DIR, "probe", "system", "sys", pairs,
                                          on_sample, r, &s, err, sizeof err),
                     0);
    const vmon_probe_ops *ops = vmon_standalone_descriptor(s)->ops;
    assert_int_equal(ops->collect(vmon_standalone_ctx(s), err, sizeof err), VMON_OK);
    vmon_standalone_close(s);
}

static void test_memory_and_cgroup(void **state)
{
    (void)state;
    char *dir = fake_tree(1);
    readings r = {0};
    run(dir, &r);
    assert_true(value_of(&r, "system.memory_total_bytes") == 16000000.0 * 1024);
    assert_true(value_of(&r, "system.memory_available_bytes") == 4000000.0 * 1024);
    assert_true(value_of(&r, "system.memory_used_bytes") == 12000000.0 * 1024);
    assert_true(fabs(value_of(&r, "system.memory_used_percent") - 75.0) < 1e-9);
    assert_true(value_of(&r, "system.cgroup_memory_limit_bytes") == 1073741824.0);
    assert_true(fabs(value_of(&r, "system.cgroup_memory_used_percent") - 25.0) < 1e-9);
    assert_true(value_of(&r, "system.load_1m") == 0.5);
    assert_true(value_of(&r, "system.vmond_rss_bytes") == 256.0 * (double)sysconf(_SC_PAGESIZE));
    test_rm_tree(dir);
    free(dir);
}

static void test_no_cgroup_limit_no_cgroup_samples(void **state)
{
    (void)state;
    char *dir = fake_tree(0);
    readings r = {0};
    run(dir, &r);
    assert_true(isnan(value_of(&r, "system.cgroup_memory_limit_bytes")));
    assert_false(isnan(value_of(&r, "system.memory_used_percent")));
    test_rm_tree(dir);
    free(dir);
}

static void test_unreadable_proc_fails_with_reason(void **state)
{
    (void)state;
    const char *pairs[] = {"proc_root", "/nonexistent-proc", NULL};
    vmon_standalone *s;
    char err[1024] = "";
    assert_int_equal(vmon_standalone_open(VMON_BUILD_PLUGIN_DIR, "probe", "system", "sys", pairs,
                                          NULL, NULL, &s, err, sizeof err),
                     0);
    const vmon_probe_ops *ops = vmon_standalone_descriptor(s)->ops;
    assert_int_equal(ops->collect(vmon_standalone_ctx(s), err, sizeof err), VMON_RETRY);
    assert_non_null(strstr(err, "/nonexistent-proc/meminfo"));
    vmon_standalone_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_and_cgroup),
        cmocka_unit_test(test_no_cgroup_limit_no_cgroup_samples),
        cmocka_unit_test(test_unreadable_proc_fails_with_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
