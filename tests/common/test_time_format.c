#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "time_format.h"

static void expect_time(int64_t ms, const char *want)
{
    char buf[VMON_RFC3339_SIZE];
    vmon_format_rfc3339(ms, buf, sizeof buf);
    assert_string_equal(buf, want);
}

static void test_epoch_and_now(void **state)
{
    (void)state;
    expect_time(0, "1970-01-01T00:00:00.000Z");
    expect_time(1795237785123LL, "2026-11-21T05:09:45.123Z");
}

static void test_before_epoch_floors(void **state)
{
    (void)state;
    expect_time(-1, "1969-12-31T23:59:59.999Z");
    expect_time(-1000, "1969-12-31T23:59:59.000Z");
}

static void test_out_of_range_clamps(void **state)
{
    (void)state;
    expect_time(INT64_MAX, "9999-12-31T23:59:59.999Z");
    expect_time(INT64_MIN, "0000-01-01T00:00:00.000Z");
}

static void test_short_buffer_is_cut_and_terminated(void **state)
{
    (void)state;
    char buf[8];
    memset(buf, 'x', sizeof buf);
    vmon_format_rfc3339(0, buf, sizeof buf);
    assert_string_equal(buf, "1970-01");
    vmon_format_rfc3339(0, buf, 0); /* writes nothing, does not crash */
    assert_string_equal(buf, "1970-01");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epoch_and_now),
        cmocka_unit_test(test_before_epoch_floors),
        cmocka_unit_test(test_out_of_range_clamps),
        cmocka_unit_test(test_short_buffer_is_cut_and_terminated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
