/* Config: every error class with its exact file:line, values, ${ENV}, include, --print. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
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

/* Each pipeline starts its own stream: one [traffic:] for two would send twice its max_qps. */
static void test_traffic_drives_one_pipeline(void **state)
{
    (void)state;
    loaded *l = load("[target:local]\nplugin = journal\njournal = j.log\n"
                     "[sink:rec]\nplugin = record\npath = out.txt\n"
                     "[traffic:t]\nrate = 10\n"
                     "[pipeline:a]\ntarget = local\nsinks = rec\ntraffic = t\n"
                     "[pipeline:b]\ntarget = local\nsinks = rec\ntraffic = t\n");
    assert_int_equal(l->rc, -1);
    expect_error(l, 16, "[pipeline:b] traffic: [traffic:t] already drives [pipeline:a]");
    unload(l);
}

/* The INI layer alone (no plugins): one file read with its includes. */
typedef struct read_cfg {
    vmon_cfg cfg;
    vmon_errors errs;
    int rc;
} read_cfg;

static void read_config(const char *path, read_cfg *r)
{
    memset(r, 0, sizeof *r);
    r->rc = vmon_cfg_load(path, &r->cfg, &r->errs);
}

static void read_free(read_cfg *r)
{
    vmon_cfg_free(&r->cfg);
    vmon_errors_free(&r->errs);
}

/* Assert that some error line starts with `want`. */
static void expect_line(const vmon_errors *errs, const char *want)
{
    for (size_t i = 0; i < errs->count; i++)
        if (strncmp(errs->lines[i], want, strlen(want)) == 0)
            return;
    for (size_t i = 0; i < errs->count; i++)
        fprintf(stderr, "  got: %s\n", errs->lines[i]);
    fail_msg("no error starting with: %s", want);
}

static char *path_in(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static const char *value_of(const vmon_cfg *cfg, const char *kind, const char *id, const char *key)
{
    const vmon_cfg_entry *e = vmon_cfg_get(vmon_cfg_find(cfg, kind, id), key);
    return e ? e->value : NULL;
}

/* Issue 7 item 1: the include's sections grow the section array under the open one. */
static void test_include_inside_section_keeps_section(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    char other[4096] = "";
    for (int i = 0; i < 40; i++)
        snprintf(other + strlen(other), sizeof other - strlen(other),
                 "[sink:s%d]\nplugin = stdout\n", i);
    free(test_write_file(dir, "other.ini", other));
    char *main_path = test_write_file(dir, "main.ini",
                                      "[daemon]\nthreads = 2\ninclude = other.ini\n"
                                      "log_level = info\n[probe:after]\nplugin = counter\n");
    read_cfg r;
    read_config(main_path, &r);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.cfg.n_sections, 42);
    /* The section open before the include continues after it. */
    assert_string_equal(value_of(&r.cfg, "daemon", "", "log_level"), "info");
    assert_string_equal(value_of(&r.cfg, "daemon", "", "threads"), "2");
    assert_string_equal(value_of(&r.cfg, "sink", "s39", "plugin"), "stdout");
    assert_null(vmon_cfg_get(vmon_cfg_find(&r.cfg, "sink", "s39"), "log_level"));
    read_free(&r);
    free(main_path);
    test_rm_tree(dir);
    free(dir);
}

/* The included file starts outside any section: it cannot add keys to the includer's. */
static void test_included_file_starts_outside_sections(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    char *part = test_write_file(dir, "part.ini", "stray = 1\n[sink:x]\nplugin = stdout\n");
    char *main_path = test_write_file(dir, "main.ini", "[daemon]\ninclude = part.ini\n");
    read_cfg r;
    read_config(main_path, &r);
    assert_int_equal(r.rc, -1);
    char want[1200];
    snprintf(want, sizeof want, "%s:1: stray: key outside any section", part);
    expect_line(&r.errs, want);
    assert_null(value_of(&r.cfg, "daemon", "", "stray"));
    read_free(&r);
    free(part);
    free(main_path);
    test_rm_tree(dir);
    free(dir);
}

static void test_include_cycle_names_the_chain(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    char *a = test_write_file(dir, "a.ini", "[daemon]\ninclude = b.ini\n");
    char *b = test_write_file(dir, "b.ini", "[sink:b]\nplugin = stdout\n\ninclude = a.ini\n");
    read_cfg r;
    read_config(a, &r);
    assert_int_equal(r.rc, -1);
    assert_int_equal(r.errs.count, 1);
    char want[4096];
    snprintf(want, sizeof want, "%s:4: include: cycle %s -> %s -> %s;", b, a, b, a);
    expect_line(&r.errs, want);
    read_free(&r);
    free(a);
    free(b);
    test_rm_tree(dir);
    free(dir);
}

/* A file reached along two paths (no cycle) is read once: no duplicate sections. */
static void test_include_diamond_reads_once(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    free(test_write_file(dir, "left.ini", "[sink:l]\nplugin = stdout\ninclude = shared.ini\n"));
    free(test_write_file(dir, "right.ini", "[sink:r]\nplugin = stdout\ninclude = shared.ini\n"));
    free(test_write_file(dir, "shared.ini", "[sink:shared]\nplugin = stdout\n"));
    char *top = test_write_file(dir, "top.ini", "include = left.ini\ninclude = ./right.ini\n");
    read_cfg r;
    read_config(top, &r);
    assert_int_equal(r.errs.count, 0);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.cfg.n_sections, 3);
    read_free(&r);
    free(top);
    test_rm_tree(dir);
    free(dir);
}

/* Six files that each include `*.ini`: every file read once, one error per back edge. */
static void test_include_glob_fan_out_is_linear(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    char *first = NULL;
    for (int i = 1; i <= 6; i++) {
        char name[32], text[128];
        snprintf(name, sizeof name, "f%d.ini", i);
        snprintf(text, sizeof text, "[sink:s%d]\nplugin = stdout\ninclude = *.ini\n", i);
        char *p = test_write_file(dir, name, text);
        if (i == 1)
            first = p;
        else
            free(p);
    }
    read_cfg r;
    read_config(first, &r);
    assert_int_equal(r.rc, -1);
    assert_int_equal(r.cfg.n_sections, 6);
    /* Depth-first: the k-th file on the stack sees k files of the stack again. */
    assert_int_equal(r.errs.count, 1 + 2 + 3 + 4 + 5 + 6);
    for (size_t i = 0; i < r.errs.count; i++)
        assert_non_null(strstr(r.errs.lines[i], "include: cycle "));
    read_free(&r);
    free(first);
    test_rm_tree(dir);
    free(dir);
}

static void expect_include_refused(const char *target, const char *why)
{
    char *dir = test_tempdir();
    char text[1200];
    snprintf(text, sizeof text, "[daemon]\n\ninclude = %s\nlog_level = info\n", target);
    char *main_path = test_write_file(dir, "main.ini", text);
    read_cfg r;
    read_config(main_path, &r);
    assert_int_equal(r.rc, -1);
    char want[2400];
    snprintf(want, sizeof want, "%s:3: include: cannot include '%s': %s", main_path, target, why);
    expect_line(&r.errs, want);
    read_free(&r);
    free(main_path);
    test_rm_tree(dir);
    free(dir);
}

static void test_include_only_regular_files(void **state)
{
    (void)state;
    expect_include_refused("/dev/zero", "not a regular file (a character device)");
    char *dir = test_tempdir();
    char *fifo = path_in(dir, "fifo.ini");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    /* Nobody writes the FIFO: opening or reading it would block forever. */
    expect_include_refused(fifo, "not a regular file (a FIFO)");
    expect_include_refused(dir, "not a regular file (a directory)");
    char *big = path_in(dir, "big.ini");
    int fd = open(big, O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, VMON_CFG_MAX_FILE_BYTES + 1), 0);
    close(fd);
    expect_include_refused(big, "larger than the 16 MiB limit");
    char *missing = path_in(dir, "missing.ini");
    expect_include_refused(missing, "No such file or directory");
    free(fifo);
    free(big);
    free(missing);
    test_rm_tree(dir);
    free(dir);
}

/* Four files of the largest size take the whole budget of one load: the fourth is refused. */
static void test_include_total_size_is_capped(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    for (int i = 1; i <= 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "%s/big%d.ini", dir, i);
        int fd = open(name, O_WRONLY | O_CREAT, 0600);
        assert_true(fd >= 0);
        /* Sparse, so zeros: each is read whole, then stops at its first line (a NUL). */
        assert_int_equal(ftruncate(fd, VMON_CFG_MAX_FILE_BYTES), 0);
        close(fd);
    }
    char *main_path = test_write_file(dir, "main.ini", "include = big*.ini\n");
    read_cfg r;
    read_config(main_path, &r);
    assert_int_equal(r.rc, -1);
    assert_int_equal(r.errs.count, 4);
    char want[1200];
    snprintf(want, sizeof want, "%s/big3.ini:1: line contains a NUL byte", dir);
    expect_line(&r.errs, want);
    snprintf(want, sizeof want,
             "%s:1: include: cannot include '%s/big4.ini': all config files together would pass "
             "the 64 MiB limit",
             main_path, dir);
    expect_line(&r.errs, want);
    read_free(&r);
    free(main_path);
    test_rm_tree(dir);
    free(dir);
}

static void expect_top_level_refused(const char *path, const char *why)
{
    read_cfg r;
    read_config(path, &r);
    assert_int_equal(r.rc, -1);
    char want[1200];
    snprintf(want, sizeof want, "%s: cannot read the config file: %s", path, why);
    expect_line(&r.errs, want);
    read_free(&r);
}

static void test_top_level_only_regular_file(void **state)
{
    (void)state;
    expect_top_level_refused("/dev/zero", "not a regular file (a character device)");
    char *dir = test_tempdir();
    char *fifo = path_in(dir, "fifo.ini");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    expect_top_level_refused(fifo, "not a regular file (a FIFO)");
    expect_top_level_refused(dir, "not a regular file (a directory)");
    free(fifo);
    test_rm_tree(dir);
    free(dir);
}

/* Issue 7 item 9: reading used to stop at a NUL and report nothing. */
static void test_nul_byte_is_an_error_at_its_line(void **state)
{
    (void)state;
    static const char text[] = "[daemon]\nthreads = 2\nlog_level = in\0fo\n[sink:x]\n";
    vmon_cfg cfg = {0};
    vmon_errors errs = {0};
    int rc = vmon_cfg_load_bytes(text, sizeof text - 1, "nul.ini", ".", &cfg, &errs);
    assert_int_equal(rc, -1);
    expect_line(&errs, "nul.ini:3: line contains a NUL byte");
    vmon_cfg_free(&cfg);
    vmon_errors_free(&errs);

    char *dir = test_tempdir();
    char *path = path_in(dir, "nul.ini");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(text, 1, sizeof text - 1, f);
    fclose(f);
    read_cfg r;
    read_config(path, &r);
    assert_int_equal(r.rc, -1);
    char want[1200];
    snprintf(want, sizeof want, "%s:3: line contains a NUL byte", path);
    expect_line(&r.errs, want);
    read_free(&r);
    free(path);
    test_rm_tree(dir);
    free(dir);
}

/* Issue 7 item 11: user text cannot forge a `file:line:` line in errors or the log. */
static void test_control_characters_are_escaped(void **state)
{
    (void)state;
    setenv("VMON_TEST_FORGE", "x\n/etc/vmon.ini:1: forged\r\x1b[31m", 1);
    loaded *l = load("[probe:c]\nplugin = counter\nstart = ${VMON_TEST_FORGE}\n" GOOD_TAIL);
    assert_int_equal(l->rc, -1);
    assert_int_equal(l->errs.count, 1);
    assert_null(strpbrk(l->errs.lines[0], "\n\r\x1b"));
    expect_error(l, 3,
                 "[probe:c] start: expected a whole number, got "
                 "'x\\n/etc/vmon.ini:1: forged\\r\\x1b[31m'");
    unload(l);

    /* The log escapes the same way; the line keeps its own newline. */
    char *dir = test_tempdir();
    char *log_path = path_in(dir, "log.txt");
    int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    vmon_log(VMON_LOGL_ERROR, "[probe:a\nb]", "value '%s'", getenv("VMON_TEST_FORGE"));
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fd);
    char *logged = test_read_file(log_path);
    assert_non_null(logged);
    assert_int_equal(test_count_lines(logged, ""), 1);
    assert_non_null(strstr(logged, " error [probe:a\\nb]: value 'x\\n/etc/vmon.ini:1: forged\\r"
                                   "\\x1b[31m'\n"));
    free(logged);
    free(log_path);
    test_rm_tree(dir);
    free(dir);
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
        cmocka_unit_test(test_traffic_drives_one_pipeline),
        cmocka_unit_test(test_include_inside_section_keeps_section),
        cmocka_unit_test(test_included_file_starts_outside_sections),
        cmocka_unit_test(test_include_cycle_names_the_chain),
        cmocka_unit_test(test_include_diamond_reads_once),
        cmocka_unit_test(test_include_glob_fan_out_is_linear),
        cmocka_unit_test(test_include_only_regular_files),
        cmocka_unit_test(test_include_total_size_is_capped),
        cmocka_unit_test(test_top_level_only_regular_file),
        cmocka_unit_test(test_nul_byte_is_an_error_at_its_line),
        cmocka_unit_test(test_control_characters_are_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
