/* Config: every error class with its exact file:line, values, ${ENV}, include, --print. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plan.h"
#include "test_util.h"

typedef struct loaded {
    char *dir, *path;
    vmon_plan plan;
    vmon_errors errs;
    int rc;
} loaded;

static loaded *load(const char *text)
{
    loaded *l = calloc(1, sizeof *l);
    l->dir = test_tempdir();
    l->path = test_write_file(l->dir, "vmon.ini", text);
    l->rc = vmon_plan_load(l->path, VMON_TEST_PLUGIN_DIR, &l->plan, &l->errs);
    return l;
}

static void unload(loaded *l)
{
    vmon_plan_free(&l->plan);
    vmon_errors_free(&l->errs);
    test_rm_tree(l->dir);
    free(l->dir);
    free(l->path);
    free(l);
}

/* Assert that some error is exactly `<path>:<line>: <rest...>` (rest is a prefix). */
static void expect_error(const loaded *l, int line, const char *rest)
{
    char want[2048];
    snprintf(want, sizeof want, "%s:%d: %s", l->path, line, rest);
    for (size_t i = 0; i < l->errs.count; i++)
        if (strncmp(l->errs.lines[i], want, strlen(want)) == 0)
            return;
    for (size_t i = 0; i < l->errs.count; i++)
        fprintf(stderr, "  got: %s\n", l->errs.lines[i]);
    fail_msg("no error starting with: %s", want);
}

#define GOOD_TAIL                                                                                  \
    "[sink:rec]\nplugin = record\npath = out.txt\n"                                                \
    "[pipeline:p]\nprobes = c\nsinks = rec\n"

static void test_valid_config_loads(void **state)
{
    (void)state;
    loaded *l = load("[probe:c]\nplugin = counter\ninterval = 250ms\n" GOOD_TAIL);
    assert_int_equal(l->rc, 0);
    assert_int_equal(l->errs.count, 0);
    assert_int_equal(l->plan.n_instances, 2);
    const vmon_value *iv = vmon_values_get(&l->plan.instances[0].values, "interval");
    assert_int_equal(iv->i, 250);
    /* Relative paths resolve against the config's folder. */
    const vmon_value *pv = vmon_values_get(&l->plan.instances[1].values, "path");
    char want[1024];
    snprintf(want, sizeof want, "%s/out.txt", l->dir);
    assert_string_equal(pv->text, want);
    unload(l);
}

static void test_every_error_reported_with_line(void **state)
{
    (void)state;
    loaded *l = load("[daemon]\n"                     /* 1 */
                     "log_levle = info\n"             /* 2 unknown key, suggestion */
                     "[probe:c]\n"                    /* 3 */
                     "plugin = counter\n"             /* 4 */
                     "interval = 5 parsecs\n"         /* 5 bad duration */
                     "interval = 5s\n"                /* 6 duplicate key */
                     "start = many\n"                 /* 7 bad int */
                     "this line has no equals sign\n" /* 8 syntax */
                     "[probe:c]\n"                    /* 9 duplicate section */
                     "plugin = counter\n"             /* 10 */
                     "[sink:rec]\n"                   /* 11 missing required path */
                     "plugin = record\n"              /* 12 */
                     "min_severity = loud\n"          /* 13 bad enum */
                     "[probe:other]\n"                /* 14 */
                     "plugin = counter\n"             /* 15 */
                     "target = nowhere\n"             /* 16 missing target */
                     "[pipline:x]\n"                  /* 17 unknown kind, suggestion */
                     "[pipeline:p]\n"                 /* 18 */
                     "probes = c\n"                   /* 19 */
                     "sinks = rec, ghost\n");         /* 20 missing sink */
    assert_int_equal(l->rc, -1);
    expect_error(l, 2, "[daemon] log_levle: unknown key; did you mean 'log_level'?");
    expect_error(l, 5, "[probe:c] interval: expected a duration");
    expect_error(l, 6, "[probe:c] interval: duplicate key (first set at");
    expect_error(l, 7, "[probe:c] start: expected a whole number, got 'many'");
    expect_error(l, 8, "[probe:c] cannot parse this line");
    expect_error(l, 9, "[probe:c] duplicate section (first defined at");
    expect_error(l, 11, "[sink:rec] path: required key is missing");
    expect_error(l, 13, "[sink:rec] min_severity: expected one of: info warning critical");
    expect_error(l, 16, "[probe:other] target: no section [target:nowhere]");
    expect_error(l, 17, "[pipline:x] unknown section kind 'pipline'; did you mean [pipeline:x]?");
    expect_error(l, 20, "[pipeline:p] sinks: no section [sink:ghost]");
    unload(l);
}

static void test_range_and_unknown_plugin(void **state)
{
    (void)state;
    loaded *l = load("[probe:c]\nplugin = counter\ninterval = 3d\n"
                     "[probe:d]\nplugin = nosuch\n" GOOD_TAIL);
    assert_int_equal(l->rc, -1);
    expect_error(l, 3, "[probe:c] interval: out of range");
    expect_error(l, 5, "[probe:d] plugin: no probe plugin 'nosuch'");
    unload(l);
}

static void test_long_value_arrives_whole(void **state)
{
    (void)state;
    char value[301];
    memset(value, 'x', 300);
    value[300] = 0;
    char text[2048];
    snprintf(text, sizeof text, "[probe:c]\nplugin = counter\npassword = %s\nstart = 7\n" GOOD_TAIL,
             value);
    loaded *l = load(text);
    assert_int_equal(l->rc, 0);
    const vmon_value *v = vmon_values_get(&l->plan.instances[0].values, "password");
    assert_int_equal(strlen(v->text), 300);
    /* The line after the long one keeps its own meaning (no cut-off remainder). */
    assert_int_equal(vmon_values_get(&l->plan.instances[0].values, "start")->i, 7);
    unload(l);
}

static void test_env_expansion(void **state)
{
    (void)state;
    setenv("VMON_TEST_SECRET", "s3cr3t", 1);
    unsetenv("VMON_TEST_MISSING");
    loaded *l = load("[probe:c]\nplugin = counter\npassword = ${VMON_TEST_SECRET}\n"
                     "start = ${VMON_TEST_MISSING:-12}\n" GOOD_TAIL);
    assert_int_equal(l->rc, 0);
    assert_string_equal(vmon_values_get(&l->plan.instances[0].values, "password")->text, "s3cr3t");
    assert_int_equal(vmon_values_get(&l->plan.instances[0].values, "start")->i, 12);
    unload(l);
    l = load("[probe:c]\nplugin = counter\npassword = ${VMON_TEST_MISSING}\n" GOOD_TAIL);
    expect_error(l, 3, "[probe:c] password: environment variable 'VMON_TEST_MISSING' is not set");
    unload(l);
}

static void test_include_relative_to_including_file(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    char sub[1024];
    snprintf(sub, sizeof sub, "%s/parts", dir);
    mkdir(sub, 0755);
    free(test_write_file(sub, "sinks.ini",
                         "[sink:rec]\nplugin = record\npath = rec.txt\n"
                         "bogus = 1\n"));
    free(test_write_file(sub, "main.ini",
                         "[probe:c]\nplugin = counter\ninclude = sinks.ini\n"
                         "[pipeline:p]\nprobes = c\nsinks = rec\n"));
    char main_path[1100], sinks_path[1100];
    snprintf(main_path, sizeof main_path, "%s/main.ini", sub);
    snprintf(sinks_path, sizeof sinks_path, "%s/sinks.ini", sub);
    vmon_plan plan;
    vmon_errors errs = {0};
    int rc = vmon_plan_load(main_path, VMON_TEST_PLUGIN_DIR, &plan, &errs);
    assert_int_equal(rc, -1);
    /* The error inside the included file names that file and its line. */
    char want[1200];
    snprintf(want, sizeof want, "%s:4: [sink:rec] bogus: unknown key", sinks_path);
    assert_int_equal(errs.count, 1);
    assert_memory_equal(errs.lines[0], want, strlen(want));
    vmon_errors_free(&errs);
    vmon_plan_free(&plan);
    test_rm_tree(dir);
    free(dir);
}

static void test_print_masks_secrets(void **state)
{
    (void)state;
    loaded *l = load("[probe:c]\nplugin = counter\npassword = hunter2\n" GOOD_TAIL);
    assert_int_equal(l->rc, 0);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    vmon_plan_print(&l->plan, f);
    fclose(f);
    assert_null(strstr(out, "hunter2"));
    assert_non_null(strstr(out, "password = ********"));
    assert_non_null(strstr(out, "interval = 10s    ; default"));
    free(out);
    unload(l);
}

static void test_rule_sections(void **state)
{
    (void)state;
    loaded *l = load("[probe:c]\nplugin = counter\n"
                     "[rule:r]\nmetric = fixture.count_total\nabove = 3\nfor = 2\nrepeat = 1m\n"
                     "label.team = db\nannotation.runbook = see wiki\nlabel.bad-name = x\n"
                     "[rule:empty]\nmetric = fixture.count_total\n"
                     "[pipeline:q]\nprobes = c\nrules = r, nope\n" GOOD_TAIL);
    assert_int_equal(l->rc, -1);
    expect_error(l, 10, "[rule:r] label.bad-name: 'bad-name' is not a valid label name");
    expect_error(l, 11, "[rule:empty] the rule has no condition");
    expect_error(l, 15, "[pipeline:q] rules: no section [rule:nope]");
    unload(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_config_loads),
        cmocka_unit_test(test_every_error_reported_with_line),
        cmocka_unit_test(test_range_and_unknown_plugin),
        cmocka_unit_test(test_long_value_arrives_whole),
        cmocka_unit_test(test_env_expansion),
        cmocka_unit_test(test_include_relative_to_including_file),
        cmocka_unit_test(test_print_masks_secrets),
        cmocka_unit_test(test_rule_sections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
