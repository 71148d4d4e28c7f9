/* Typed values: durations, sizes, percentages, booleans, enums, lists, ranges. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations),   cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_percentages), cmocka_unit_test(test_bool_enum_list_path),
        cmocka_unit_test(test_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
