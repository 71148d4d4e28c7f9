/* Loader: good and broken fixture plugins, file hygiene, separate instance state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader.h"
#include "standalone.h"
#include "test_util.h"

static void expect_refused(const char *dir, uint32_t kind, const char *name, const char *needle)
{
    char err[1024] = "";
    const vmon_plugin *p = vmon_plugin_load(dir, kind, name, err, sizeof err);
    if (p || !strstr(err, needle))
        fail_msg("%s: expected refusal containing '%s', got %s", name, needle,
                 p ? "accepted" : err);
    /* Every refusal names the file. */
    char file[1024];
    snprintf(file, sizeof file, "%s/%s_%s.so", dir, vmon_kind_name(kind), name);
    assert_non_null(strstr(err, file));
}

static void test_good_plugin_accepted(void **state)
{
    (void)state;
    char err[1024] = "";
    const vmon_plugin *p =
        vmon_plugin_load(VMON_TEST_PLUGIN_DIR, VMON_KIND_PROBE, "counter", err, sizeof err);
    assert_non_null(p);
    assert_string_equal(p->desc.name, "counter");
    assert_int_equal(p->desc.abi_major, VMON_ABI_MAJOR);
    /* Loading again returns the same resident plugin. */
    assert_ptr_equal(
        p, vmon_plugin_load(VMON_TEST_PLUGIN_DIR, VMON_KIND_PROBE, "counter", err, sizeof err));
}

static void test_version_mismatches_refused(void **state)
{
    (void)state;
    char newer[128], other[128];
    snprintf(newer, sizeof newer, "needs plugin ABI %d.%d, but this vmond provides only %d.%d",
             VMON_ABI_MAJOR, VMON_ABI_MINOR + 1, VMON_ABI_MAJOR, VMON_ABI_MINOR);
    snprintf(other, sizeof other, "built for plugin ABI %d.%d, but this vmond speaks ABI %d.%d",
             VMON_ABI_MAJOR + 1, VMON_ABI_MINOR, VMON_ABI_MAJOR, VMON_ABI_MINOR);
    expect_refused(VMON_TEST_PLUGIN_DIR, VMON_KIND_PROBE, "highminor", newer);
    expect_refused(VMON_TEST_PLUGIN_DIR, VMON_KIND_PROBE, "othermajor", other);
    expect_refused(VMON_TEST_PLUGIN_DIR, VMON_KIND_PROBE, "othermajor", "rebuild the plugin");
}

static void test_structural_problems_refused(void **state)
{
    (void)state;
    expect_refused(VMON_TEST_PLUGIN_DIR, VMON_KIND_PROBE, "noop",
                   "lacks required operation 'collect'");
    expect_refused(VMON_TEST_PLUGIN_DIR, VMON_KIND_PROBE, "wrongname",
                   "the plugin calls itself 'other'; rename the file to probe_other.so");
    expect_refused(VMON_TEST_PLUGIN_DIR, VMON_KIND_PROBE, "wrongkind",
                   "the file name says kind 'probe' but the plugin declares kind 'sink'");
    char err[1024];
    assert_null(vmon_plugin_load(VMON_TEST_PLUGIN_DIR, VMON_KIND_PROBE, "absent", err, sizeof err));
    assert_non_null(strstr(err, "no probe plugin 'absent'"));
    assert_non_null(strstr(err, "available: "));
}

static void test_old_minor_loads_and_new_minor_needs_new_ops(void **state)
{
    (void)state;
    char err[1024] = "";
    const vmon_plugin *p =
        vmon_plugin_load(VMON_TEST_PLUGIN_DIR, VMON_KIND_TARGET, "old", err, sizeof err);
    if (!p)
        fail_msg("an ABI 0.1 target was refused: %s", err);
    /* The core reads the 0.2 operations of an old plugin as absent, not as garbage. */
    const vmon_target_ops *ops = p->ops;
    assert_non_null(ops->report);
    assert_null(ops->search);
    expect_refused(VMON_TEST_PLUGIN_DIR, VMON_KIND_TARGET, "halfnew",
                   "lacks required operation 'list_collections'");
}

static void test_file_hygiene(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    char good[1024], path[1100];
    snprintf(good, sizeof good, "%s/probe_counter.so", VMON_TEST_PLUGIN_DIR);

    snprintf(path, sizeof path, "%s/probe_counter.so", dir);
    test_copy_file(good, path);
    chmod(path, 0777);
    expect_refused(dir, VMON_KIND_PROBE, "counter", "world-writable");
    chmod(path, 0755);

    char link[1100];
    snprintf(link, sizeof link, "%s/probe_linked.so", dir);
    assert_int_equal(symlink(path, link), 0);
    expect_refused(dir, VMON_KIND_PROBE, "linked", "symbolic link");

    char sub[1100], sub_path[1200];
    snprintf(sub, sizeof sub, "%s/open", dir);
    mkdir(sub, 0755);
    chmod(sub, 0777);
    snprintf(sub_path, sizeof sub_path, "%s/probe_counter.so", sub);
    test_copy_file(good, sub_path);
    expect_refused(sub, VMON_KIND_PROBE, "counter", "world-writable directory");
    test_rm_tree(dir);
    free(dir);
}

typedef struct seen {
    double values[8];
    int n;
} seen;

static void record_sample(void *arg, const vmon_sample *s)
{
    seen *sn = arg;
    if (sn->n < 8)
        sn->values[sn->n++] = s->value;
}

static void test_two_instances_hold_separate_state(void **state)
{
    (void)state;
    const char *a_pairs[] = {"start", "0", NULL};
    const char *b_pairs[] = {"start", "100", NULL};
    seen sa = {0}, sb = {0};
    vmon_standalone *a, *b;
    char err[1024];
    assert_int_equal(vmon_standalone_open(VMON_TEST_PLUGIN_DIR, "probe", "counter", "a", a_pairs,
                                          record_sample, &sa, &a, err, sizeof err),
                     0);
    assert_int_equal(vmon_standalone_open(VMON_TEST_PLUGIN_DIR, "probe", "counter", "b", b_pairs,
                                          record_sample, &sb, &b, err, sizeof err),
                     0);
    const vmon_probe_ops *ops = vmon_standalone_descriptor(a)->ops;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(ops->collect(vmon_standalone_ctx(a), err, sizeof err), VMON_OK);
        assert_int_equal(ops->collect(vmon_standalone_ctx(b), err, sizeof err), VMON_OK);
    }
    assert_int_equal(sa.n, 2);
    assert_int_equal(sb.n, 2);
    assert_true(sa.values[0] == 1 && sa.values[1] == 2);
    assert_true(sb.values[0] == 101 && sb.values[1] == 102);
    vmon_standalone_close(a);
    vmon_standalone_close(b);
}

static void test_standalone_validates_options(void **state)
{
    (void)state;
    const char *pairs[] = {"strat", "1", NULL};
    vmon_standalone *s;
    char err[1024];
    assert_int_equal(vmon_standalone_open(VMON_TEST_PLUGIN_DIR, "probe", "counter", "x", pairs,
                                          NULL, NULL, &s, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "strat: unknown key; did you mean 'start'?"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_plugin_accepted),
        cmocka_unit_test(test_version_mismatches_refused),
        cmocka_unit_test(test_structural_problems_refused),
        cmocka_unit_test(test_old_minor_loads_and_new_minor_needs_new_ops),
        cmocka_unit_test(test_file_hygiene),
        cmocka_unit_test(test_two_instances_hold_separate_state),
        cmocka_unit_test(test_standalone_validates_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
