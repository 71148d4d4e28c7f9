/* The alert JSON codec (the spool's row format): round trip and bad rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alert_json.h"

static void test_round_trip_keeps_every_field(void **state)
{
    (void)state;
    const vmon_label labels[] = {{"alertname", "p95"}, {"instance", "caf\xc3\xa9"}};
    const vmon_label notes[] = {{"runbook", "https://x/y"}};
    vmon_alert a = {.struct_size = sizeof a,
                    .rule = "p95",
                    .severity = VMON_SEV_CRITICAL,
                    .state = VMON_ALERT_RESOLVED,
                    .component = "proxy",
                    .labels = labels,
                    .n_labels = 2,
                    .annotations = notes,
                    .n_annotations = 1,
                    .message = "line\n\"quoted\"",
                    .value = 250.5,
                    .threshold = NAN,
                    .starts_at_ms = 1795237785123LL,
                    .ends_at_ms = 1795237790000LL,
                    .fingerprint = "0123456789abcdef",
                    .idempotency_key = "0123456789abcdef-3",
                    .repeat = 3};
    char *text = vmon_alert_to_json_string(&a);
    assert_non_null(strstr(text, "\"startsAt\":\"2026-11-21T05:09:45.123Z\""));
    vmon_alert b;
    json_object *holder;
    assert_int_equal(vmon_alert_from_json(text, &b, &holder), 0);
    assert_string_equal(b.rule, "p95");
    assert_int_equal(b.severity, VMON_SEV_CRITICAL);
    assert_int_equal(b.state, VMON_ALERT_RESOLVED);
    assert_int_equal(b.n_labels, 2);
    assert_string_equal(b.labels[1].value, "caf\xc3\xa9");
    assert_string_equal(b.annotations[0].name, "runbook");
    assert_string_equal(b.message, a.message);
    assert_true(b.value == 250.5);
    assert_true(isnan(b.threshold));
    assert_true(b.starts_at_ms == a.starts_at_ms && b.ends_at_ms == a.ends_at_ms);
    assert_string_equal(b.idempotency_key, a.idempotency_key);
    assert_int_equal(b.repeat, 3);
    char *again = vmon_alert_to_json_string(&b);
    assert_string_equal(again, text);
    vmon_alert_json_release(&b, holder);
    free(text);
    free(again);
}

/* Found by fuzz_alert_json: a null label value crashed the writer. */
static void test_null_label_value_is_no_label(void **state)
{
    (void)state;
    vmon_alert a;
    json_object *holder;
    assert_int_equal(vmon_alert_from_json("{\"rule\":\"r\",\"labels\":{\"a\":null,\"b\":\"x\"},"
                                          "\"annotations\":{\"n\":null}}",
                                          &a, &holder),
                     0);
    assert_int_equal(a.n_labels, 1);
    assert_string_equal(a.labels[0].name, "b");
    assert_int_equal(a.n_annotations, 0);
    char *text = vmon_alert_to_json_string(&a);
    assert_non_null(strstr(text, "\"labels\":{\"b\":\"x\"}"));
    free(text);
    vmon_alert_json_release(&a, holder);
}

static void test_rows_that_are_not_alerts_fail(void **state)
{
    (void)state;
    const char *bad[] = {"", "[]", "{}", "{\"rule\":5}", "{\"rule\":\"r\"", "null"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vmon_alert a;
        json_object *holder = (json_object *)&a;
        assert_int_equal(vmon_alert_from_json(bad[i], &a, &holder), -1);
        assert_null(holder);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_keeps_every_field),
        cmocka_unit_test(test_null_label_value_is_no_label),
        cmocka_unit_test(test_rows_that_are_not_alerts_fail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
