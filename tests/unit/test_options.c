/* Typed values: durations, sizes, percentages, booleans, enums, lists, ranges. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"
#include "strutil.h"
#include "test_util.h"

static int parse(uint32_t type, const char *text, vmon_value *v)
{
    static const char *const colours[] = {"red", "green", NULL};
    vmon_option opt = {.key = "k", .type = type, .enum_values = colours};
    char why[256];
    return vmon_value_parse(&opt, text, "/etc/vmon", v, why, sizeof why);
}

static void test_durations(void **state)
{
    (void)state;
    const struct {
        const char *text;
        int64_t ms;
    } ok[] = {{"250ms", 250},   {"5s", 5000},   {"2m", 120000}, {"1h", 3600000},
              {"1d", 86400000}, {"1.5s", 1500}, {"7", 7000},    {"3 min", 180000}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        vmon_value v;
        assert_int_equal(parse(VMON_OPT_DURATION, ok[i].text, &v), 0);
        assert_int_equal(v.i, ok[i].ms);
        vmon_value_clear(&v);
    }
    const char *bad[] = {"5 parsecs", "-1s", "s", "", "1e400s"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vmon_value v;
        assert_int_equal(parse(VMON_OPT_DURATION, bad[i], &v), -1);
        vmon_value_clear(&v);
    }
}

static void test_sizes(void **state)
{
    (void)state;
    const struct {
        const char *text;
        int64_t bytes;
    } ok[] = {{"512", 512},   {"64k", 65536}, {"16M", 16777216}, {"2G", 2147483648LL},
              {"1KiB", 1024}, {"1kB", 1024},  {"1.5M", 1572864}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        vmon_value v;
        assert_int_equal(parse(VMON_OPT_SIZE, ok[i].text, &v), 0);
        assert_int_equal(v.i, ok[i].bytes);
        vmon_value_clear(&v);
    }
    vmon_value v;
    assert_int_equal(parse(VMON_OPT_SIZE, "12 parsecs", &v), -1);
    vmon_value_clear(&v);
}

static void test_percentages(void **state)
{
    (void)state;
    vmon_value v;
    assert_int_equal(parse(VMON_OPT_PERCENT, "10%", &v), 0);
    assert_true(fabs(v.d - 0.10) < 1e-12);
    vmon_value_clear(&v);
    assert_int_equal(parse(VMON_OPT_PERCENT, "0.25", &v), 0);
    assert_true(fabs(v.d - 0.25) < 1e-12);
    vmon_value_clear(&v);
    assert_int_equal(parse(VMON_OPT_PERCENT, "150%", &v), -1);
    vmon_value_clear(&v);
}

static void test_bool_enum_list_path(void **state)
{
    (void)state;
    vmon_value v;
    assert_int_equal(parse(VMON_OPT_BOOL, "Yes", &v), 0);
    assert_int_equal(v.i, 1);
    vmon_value_clear(&v);
    assert_int_equal(parse(VMON_OPT_BOOL, "off", &v), 0);
    assert_int_equal(v.i, 0);
    vmon_value_clear(&v);
    assert_int_equal(parse(VMON_OPT_BOOL, "maybe", &v), -1);
    vmon_value_clear(&v);
    assert_int_equal(parse(VMON_OPT_ENUM, "GREEN", &v), 0);
    assert_int_equal(v.i, 1);
    vmon_value_clear(&v);
    assert_int_equal(parse(VMON_OPT_LIST, " a, b ,,c ", &v), 0);
    assert_int_equal(v.n_items, 3);
    assert_string_equal(v.items[1], "b");
    vmon_value_clear(&v);
    assert_int_equal(parse(VMON_OPT_PATH, "spool.db", &v), 0);
    assert_string_equal(v.text, "/etc/vmon/spool.db");
    vmon_value_clear(&v);
    assert_int_equal(parse(VMON_OPT_PATH, "/var/x.db", &v), 0);
    assert_string_equal(v.text, "/var/x.db");
    vmon_value_clear(&v);
}

/* A path value names one file however it is written: absolute, without `.`, `..` or `//`. */
/* A positive duration or size that would round to 0 ("never", "none") is refused. */
static void test_tiny_measures_are_refused(void **state)
{
    (void)state;
    vmon_value v;
    const char *tiny[][2] = {{"1e-400s", "duration"},
                             {"0.0001ms", "duration"},
                             {"0.4ms", "duration"},
                             {"0.1", "size"},
                             {"1e-9k", "size"}};
    for (size_t i = 0; i < sizeof tiny / sizeof tiny[0]; i++) {
        uint32_t type = strcmp(tiny[i][1], "size") == 0 ? VMON_OPT_SIZE : VMON_OPT_DURATION;
        assert_int_equal(parse(type, tiny[i][0], &v), -1);
        vmon_value_clear(&v);
    }
    assert_int_equal(parse(VMON_OPT_DURATION, "0.5ms", &v), 0);
    assert_int_equal(v.i, 1);
    vmon_value_clear(&v);
    assert_int_equal(parse(VMON_OPT_DURATION, "0s", &v), 0);
    assert_int_equal(v.i, 0);
    vmon_value_clear(&v);
}

static void test_paths_are_absolute_and_normal(void **state)
{
    (void)state;
    vmon_option opt = {.key = "k", .type = VMON_OPT_PATH};
    char why[256], cwd[4096];
    vmon_value v;
    assert_int_equal(vmon_value_parse(&opt, "./a/../b//c.db", "/etc/vmon/", &v, why, sizeof why),
                     0);
    assert_string_equal(v.text, "/etc/vmon/b/c.db");
    vmon_value_clear(&v);
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(vmon_value_parse(&opt, "x.db", ".", &v, why, sizeof why), 0);
    char *want = vmon_asprintf("%s/x.db", strcmp(cwd, "/") == 0 ? "" : cwd);
    assert_string_equal(v.text, want);
    free(want);
    vmon_value_clear(&v);
    assert_int_equal(vmon_value_parse(&opt, "/../../x", "/etc", &v, why, sizeof why), 0);
    assert_string_equal(v.text, "/x");
    vmon_value_clear(&v);
}

static void test_ranges(void **state)
{
    (void)state;
    vmon_option opt = {
        .key = "n", .type = VMON_OPT_INT, .flags = VMON_OPT_RANGE, .min = 1, .max = 10};
    char why[256];
    vmon_value v;
    assert_int_equal(vmon_value_parse(&opt, "10", ".", &v, why, sizeof why), 0);
    vmon_value_clear(&v);
    assert_int_equal(vmon_value_parse(&opt, "11", ".", &v, why, sizeof why), -1);
    assert_string_equal(why, "out of range; allowed 1..10");
    vmon_value_clear(&v);
}

static int parse_why(uint32_t type, const char *text, vmon_value *v, char *why, size_t whylen)
{
    vmon_option opt = {.key = "k", .type = type};
    return vmon_value_parse(&opt, text, "/etc/vmon", v, why, whylen);
}

/* Assert that `text` is refused as `type` with a message containing `want`. */
static void expect_refused(uint32_t type, const char *text, const char *want)
{
    char why[256] = "";
    vmon_value v;
    int rc = parse_why(type, text, &v, why, sizeof why);
    vmon_value_clear(&v);
    if (rc != -1 || !strstr(why, want))
        fail_msg("%s '%s': rc %d, why '%s'; wanted '%s'", vmon_opt_type_name(type), text, rc, why,
                 want);
}

/* Issue 7 item 10: 1e12d and 1e305d wrapped to INT64_MIN ms and passed. */
static void test_huge_measures_are_refused(void **state)
{
    (void)state;
    expect_refused(VMON_OPT_DURATION, "1e12d", "too long; durations go up to 36500d");
    expect_refused(VMON_OPT_DURATION, "1e305d", "too long");
    expect_refused(VMON_OPT_DURATION, "1e400s", "too large");
    expect_refused(VMON_OPT_DURATION, "36501d", "too long");
    expect_refused(VMON_OPT_SIZE, "1e30", "too large; sizes go up to 8 EiB");
    expect_refused(VMON_OPT_SIZE, "8388608t", "too large");
    expect_refused(VMON_OPT_INT, "9223372036854775808", "too large");
    expect_refused(VMON_OPT_INT, "-9223372036854775809", "too large");
    expect_refused(VMON_OPT_DOUBLE, "1e400", "too large");
    expect_refused(VMON_OPT_PERCENT, "1e400%", "too large");
    vmon_value v;
    assert_int_equal(parse(VMON_OPT_DURATION, "36500d", &v), 0);
    assert_int_equal(v.i, 36500LL * 86400000LL);
    vmon_value_clear(&v);
    assert_int_equal(parse(VMON_OPT_SIZE, "8388607t", &v), 0);
    assert_int_equal(v.i, 8388607LL << 40);
    vmon_value_clear(&v);
    assert_int_equal(parse(VMON_OPT_INT, "-9223372036854775808", &v), 0);
    assert_true(v.i == INT64_MIN);
    vmon_value_clear(&v);
}

/* The number grammar: decimal only, with an optional sign, fraction and exponent. */
static void test_number_grammar(void **state)
{
    (void)state;
    const struct {
        const char *text;
        double d;
    } ok[] = {{"12", 12}, {"-0.5", -0.5}, {"+3", 3},     {".5", 0.5},
              {"5.", 5},  {"1e3", 1000},  {"2E-2", .02}, {"1e-400", 0}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        vmon_value v;
        assert_int_equal(parse(VMON_OPT_DOUBLE, ok[i].text, &v), 0);
        assert_true(fabs(v.d - ok[i].d) < 1e-12);
        vmon_value_clear(&v);
    }
    const uint32_t numeric[] = {VMON_OPT_DOUBLE, VMON_OPT_DURATION, VMON_OPT_SIZE, VMON_OPT_PERCENT,
                                VMON_OPT_INT};
    const char *bad[] = {"0x10", "inf", "nan",  "-inf", "infinity", "1e",    "1e+",
                         ".",    "-",   "1..2", "1,5",  "--1",      "0x1p3", ""};
    for (size_t t = 0; t < sizeof numeric / sizeof numeric[0]; t++)
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
            expect_refused(numeric[t], bad[i], "expected");
    expect_refused(VMON_OPT_DOUBLE, "0x10", "expected a decimal number like 12, -0.5 or 1e3");
    /* Underflow reads as 0 (the nearest value), stated in the README; a duration or size
     * written as a positive number that would round to 0 is refused (test_tiny_...). */
    vmon_value v;
    assert_int_equal(parse(VMON_OPT_DOUBLE, "1e-400", &v), 0);
    assert_true(v.d == 0);
    vmon_value_clear(&v);
    assert_int_equal(parse(VMON_OPT_DURATION, "1e3ms", &v), 0);
    assert_int_equal(v.i, 1000);
    vmon_value_clear(&v);
    /* Measures cannot be negative, and say so. */
    expect_refused(VMON_OPT_DURATION, "-1s", "cannot be negative");
    expect_refused(VMON_OPT_SIZE, "-1k", "cannot be negative");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_percentages),
        cmocka_unit_test(test_bool_enum_list_path),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_paths_are_absolute_and_normal),
        cmocka_unit_test(test_tiny_measures_are_refused),
        cmocka_unit_test(test_huge_measures_are_refused),
        cmocka_unit_test(test_number_grammar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
