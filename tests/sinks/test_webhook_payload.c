/* Webhook bodies: Alertmanager's shape and rules, json, slack, batch keys. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "test_alerts.h"
#include "webhook_payload.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NOW 1763701200000LL /* 2025-11-21T05:00:00Z */

static json_object *body_of(const wh_payload_cfg *c, const vmon_alert *a, uint32_t n)
{
    char *s = wh_build_body(c, a, n, NOW);
    assert_non_null(s);
    json_object *o = json_tokener_parse(s);
    free(s);
    assert_non_null(o);
    return o;
}

static const char *str_at(json_object *o, const char *k1, const char *k2)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k1, &v))
        return NULL;
    if (k2 && !json_object_object_get_ex(v, k2, &v))
        return NULL;
    return json_object_get_string(v);
}

static void test_label_names(void **state)
{
    (void)state;
    char out[64];
    wh_label_name("node-id", out, sizeof out);
    assert_string_equal(out, "node_id");
    wh_label_name("0day", out, sizeof out);
    assert_string_equal(out, "_0day");
    wh_label_name("ok_Name9", out, sizeof out);
    assert_string_equal(out, "ok_Name9");
    wh_label_name("é.x", out, sizeof out);
    assert_string_equal(out, "___x");
    wh_label_name("", out, sizeof out);
    assert_string_equal(out, "");
}

static void test_alertmanager_firing(void **state)
{
    (void)state;
    test_alert t;
    test_alert_init(&t, 3, "p95", VMON_ALERT_FIRING);
    t.a.starts_at_ms = NOW - 60000;
    vmon_label extra[4] = {t.labels[0], t.labels[1], t.labels[2], {"empty", ""}};
    t.a.labels = extra;
    t.a.n_labels = 4;
    wh_payload_cfg c = {.format = WH_FORMAT_ALERTMANAGER,
                        .firing_ttl_ms = 300000,
                        .generator_url = "http://vmon.example/rules"};
    json_object *arr = body_of(&c, &t.a, 1);
    assert_true(json_object_is_type(arr, json_type_array));
    json_object *o = json_object_array_get_idx(arr, 0);
    assert_string_equal(str_at(o, "labels", "alertname"), "p95");
    assert_string_equal(str_at(o, "labels", "instance"), "node3");
    assert_string_equal(str_at(o, "labels", "node_id"), "7");
    assert_string_equal(str_at(o, "labels", "severity"), "warning");
    assert_null(str_at(o, "labels", "node-id"));
    assert_null(str_at(o, "labels", "empty"));
    assert_string_equal(str_at(o, "annotations", "summary"), "search p95 above threshold");
    assert_string_equal(str_at(o, "annotations", "value"), "250");
    assert_string_equal(str_at(o, "annotations", "threshold"), "200");
    assert_string_equal(str_at(o, "startsAt", NULL), "2025-11-21T04:59:00.000Z");
    assert_string_equal(str_at(o, "endsAt", NULL), "2025-11-21T05:05:00.000Z");
    assert_string_equal(str_at(o, "generatorURL", NULL), "http://vmon.example/rules");
    json_object_put(arr);
}

static void test_alertmanager_resolved(void **state)
{
    (void)state;
    test_alert t;
    test_alert_init(&t, 3, "p95", VMON_ALERT_RESOLVED);
    t.a.starts_at_ms = NOW - 60000;
    t.a.ends_at_ms = NOW - 1000;
    wh_payload_cfg c = {.format = WH_FORMAT_ALERTMANAGER, .firing_ttl_ms = 300000};
    json_object *arr = body_of(&c, &t.a, 1);
    json_object *o = json_object_array_get_idx(arr, 0);
    assert_string_equal(str_at(o, "endsAt", NULL), "2025-11-21T04:59:59.000Z");
    assert_null(str_at(o, "generatorURL", NULL));
    json_object_put(arr);
    /* An end before the start (clock step) is clamped: Alertmanager refuses it. */
    t.a.ends_at_ms = NOW - 120000;
    arr = body_of(&c, &t.a, 1);
    o = json_object_array_get_idx(arr, 0);
    assert_string_equal(str_at(o, "endsAt", NULL), str_at(o, "startsAt", NULL));
    json_object_put(arr);
}

static void test_json_object_or_array(void **state)
{
    (void)state;
    test_alert t[2];
    test_alert_init(&t[0], 0, "p95", VMON_ALERT_FIRING);
    test_alert_init(&t[1], 1, "qps", VMON_ALERT_RESOLVED);
    vmon_alert a[2] = {t[0].a, t[1].a};
    wh_payload_cfg c = {.format = WH_FORMAT_JSON};
    json_object *one = body_of(&c, a, 1);
    assert_true(json_object_is_type(one, json_type_object));
    assert_string_equal(str_at(one, "idempotencyKey", NULL), "k-0-f");
    assert_string_equal(str_at(one, "labels", "node-id"), "7"); /* ours: names kept */
    json_object_put(one);
    json_object *two = body_of(&c, a, 2);
    assert_int_equal(json_object_array_length(two), 2);
    assert_string_equal(str_at(json_object_array_get_idx(two, 1), "state", NULL), "resolved");
    json_object_put(two);
}

static void test_slack_lines(void **state)
{
    (void)state;
    test_alert t[2];
    test_alert_init(&t[0], 0, "p95", VMON_ALERT_FIRING);
    test_alert_init(&t[1], 1, "qps", VMON_ALERT_RESOLVED);
    t[1].a.value = NAN;
    vmon_alert a[2] = {t[0].a, t[1].a};
    wh_payload_cfg c = {.format = WH_FORMAT_SLACK};
    json_object *o = body_of(&c, a, 2);
    assert_string_equal(str_at(o, "text", NULL),
                        "[FIRING] warning p95: search p95 above threshold (value 250, threshold "
                        "200)\n[RESOLVED] warning qps: search p95 above threshold");
    json_object_put(o);
}

static void test_batch_keys(void **state)
{
    (void)state;
    test_alert t[3];
    for (int i = 0; i < 3; i++)
        test_alert_init(&t[i], i, "p95", VMON_ALERT_FIRING);
    vmon_alert a[3] = {t[0].a, t[1].a, t[2].a};
    vmon_alert b[3] = {t[1].a, t[0].a, t[2].a};
    char k1[64], k2[64], k3[64], k4[64];
    wh_idempotency_key(a, 1, k1, sizeof k1);
    assert_string_equal(k1, "k-0-f");
    wh_idempotency_key(a, 3, k2, sizeof k2);
    wh_idempotency_key(a, 3, k3, sizeof k3);
    wh_idempotency_key(b, 3, k4, sizeof k4);
    assert_string_equal(k2, k3);
    assert_string_not_equal(k2, k4);
    assert_int_equal(strlen(k2), strlen("batch-") + 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_label_names),           cmocka_unit_test(test_alertmanager_firing),
        cmocka_unit_test(test_alertmanager_resolved), cmocka_unit_test(test_json_object_or_array),
        cmocka_unit_test(test_slack_lines),           cmocka_unit_test(test_batch_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
