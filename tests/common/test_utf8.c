#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "utf8.h"

static void expect_next(const char *s, int valid, size_t len)
{
    size_t got = 99;
    assert_int_equal(vmon_utf8_next(s, strlen(s), &got), valid);
    assert_int_equal(got, len);
}

static void test_well_formed(void **state)
{
    (void)state;
    expect_next("a", 1, 1);
    expect_next("\xc3\xa9", 1, 2);
    expect_next("\xe2\x82\xac", 1, 3);     /* U+20AC */
    expect_next("\xf0\x9f\x98\x80", 1, 4); /* U+1F600 */
    expect_next("\xf4\x8f\xbf\xbf", 1, 4); /* U+10FFFF */
    expect_next("\xed\x9f\xbf", 1, 3);     /* U+D7FF, just below surrogates */
    assert_true(vmon_utf8_valid("caf\xc3\xa9 \xe2\x82\xac", 9));
}

static void test_maximal_subparts(void **state)
{
    (void)state;
    expect_next("\x80", 0, 1);             /* stray continuation */
    expect_next("\xc0\xaf", 0, 1);         /* overlong lead is never valid */
    expect_next("\xe0\x80\x80", 0, 1);     /* overlong 3-byte */
    expect_next("\xed\xa0\x80", 0, 1);     /* surrogate */
    expect_next("\xf4\x90\x80\x80", 0, 1); /* above U+10FFFF */
    expect_next("\xf5\x80", 0, 1);
    expect_next("\xe2\x82x", 0, 2); /* cut 3-byte sequence: one subpart */
    expect_next("\xf0\x9f\x98", 0, 3);
    size_t len;
    assert_int_equal(vmon_utf8_next("\xe2\x82\xac", 2, &len), 0); /* cut by n */
    assert_int_equal(len, 2);
    assert_false(vmon_utf8_valid("ok\xff", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_well_formed),
        cmocka_unit_test(test_maximal_subparts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
