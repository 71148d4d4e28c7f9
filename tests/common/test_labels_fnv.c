/* Label-name validation and FNV-1a: small pure functions, one file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fnv.h"
#include "labels.h"

static void test_label_names(void **state)
{
    (void)state;
    assert_true(vmon_valid_label_name("instance"));
    assert_true(vmon_valid_label_name("_x9"));
    assert_true(vmon_valid_label_name("A"));
    assert_false(vmon_valid_label_name(NULL));
    assert_false(vmon_valid_label_name(""));
    assert_false(vmon_valid_label_name("9lives"));
    assert_false(vmon_valid_label_name("node-id"));
    assert_false(vmon_valid_label_name("a b"));
    assert_false(vmon_valid_label_name("caf\xc3\xa9"));
}

static void test_fnv_reference_vectors(void **state)
{
    (void)state;
    /* The published FNV-1a 64 values for "" and "a". */
    assert_true(vmon_fnv1a64(VMON_FNV64_OFFSET, "", 0) == 0xcbf29ce484222325ULL);
    assert_true(vmon_fnv1a64(VMON_FNV64_OFFSET, "a", 1) == 0xaf63dc4c8601ec8cULL);
    assert_true(vmon_fnv1a64(VMON_FNV64_OFFSET, "foobar", 6) == 0x85944171f73967e8ULL);
}

static void test_fnv_fields_keep_boundaries(void **state)
{
    (void)state;
    uint64_t ab_c = vmon_fnv1a64_field(vmon_fnv1a64_field(VMON_FNV64_OFFSET, "ab"), "c");
    uint64_t a_bc = vmon_fnv1a64_field(vmon_fnv1a64_field(VMON_FNV64_OFFSET, "a"), "bc");
    assert_true(ab_c != a_bc);
    /* A field is its bytes and then 0xff. */
    assert_true(vmon_fnv1a64_field(VMON_FNV64_OFFSET, "ab") ==
                vmon_fnv1a64(VMON_FNV64_OFFSET, "ab\xff", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_label_names),
        cmocka_unit_test(test_fnv_reference_vectors),
        cmocka_unit_test(test_fnv_fields_keep_boundaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
