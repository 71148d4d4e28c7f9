#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <vmon/alert.h>

#include "severity.h"

static void test_names_round_trip(void **state)
{
    (void)state;
    for (uint32_t s = VMON_SEV_INFO; s <= VMON_SEV_CRITICAL; s++) {
        uint32_t back = 99;
        assert_int_equal(vmon_severity_from_name(vmon_severity_name(s), &back), 0);
        assert_int_equal(back, s);
    }
    assert_string_equal(vmon_severity_name(VMON_SEV_WARNING), "warning");
    assert_string_equal(vmon_severity_enum[VMON_SEV_CRITICAL], "critical");
    assert_null(vmon_severity_enum[VMON_SEV_CRITICAL + 1]); /* usable as enum_values */
    assert_string_equal(vmon_state_name(VMON_ALERT_RESOLVED), "resolved");
    assert_string_equal(vmon_state_name(VMON_ALERT_FIRING), "firing");
}

static void test_unknown_values(void **state)
{
    (void)state;
    uint32_t out = 7;
    assert_string_equal(vmon_severity_name(3), "unknown");
    assert_int_equal(vmon_severity_from_name("Critical", &out), -1);
    assert_int_equal(vmon_severity_from_name(NULL, &out), -1);
    assert_int_equal(vmon_state_from_name("pending", &out), -1);
    assert_int_equal(out, 7); /* left alone on failure */
    assert_int_equal(vmon_state_from_name("resolved", &out), 0);
    assert_int_equal(out, VMON_ALERT_RESOLVED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_unknown_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
