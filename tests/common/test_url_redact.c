/* Passwords inside addresses masked for display; everything else kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "url_redact.h"

static void expect(const char *in, const char *want)
{
    char *got = vmon_url_redacted(in);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_password_masked_user_kept(void **state)
{
    (void)state;
    expect("http://root:Milvus@10.0.0.1:19530/v2", "http://root:********@10.0.0.1:19530/v2");
    /* a password may hold ':' and '@'; the host starts after the last '@' */
    expect("https://u:a:b@c@h:1", "https://u:********@h:1");
}

static void test_lone_token_masked(void **state)
{
    (void)state;
    expect("http://secrettoken@h:9091", "http://********@h:9091");
}

static void test_plain_text_and_addresses_unchanged(void **state)
{
    (void)state;
    expect("http://127.0.0.1:19530", "http://127.0.0.1:19530");
    expect("mail me@example.org", "mail me@example.org");
    expect("http://h/path@not-credentials", "http://h/path@not-credentials");
    expect("", "");
}

static void test_every_address_in_a_list(void **state)
{
    (void)state;
    expect("http://a:p1@h1:9091, http://h2:9091, http://b:p2@h3:9091",
           "http://a:********@h1:9091, http://h2:9091, http://b:********@h3:9091");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_masked_user_kept),
        cmocka_unit_test(test_lone_token_masked),
        cmocka_unit_test(test_plain_text_and_addresses_unchanged),
        cmocka_unit_test(test_every_address_in_a_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
