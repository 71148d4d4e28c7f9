/*
 * The webhook sink loaded through the plugin loader, against an in-process
 * receiver: outcome per HTTP status, Retry-After, timeouts, headers, token,
 * every alert arriving exactly once (by key) through a flaky receiver, and
 * signed requests checked by a receiver that recomputes the HMAC.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hook_receiver.h"
#include "standalone.h"
#include "test_alerts.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *plugin_dir;

#define SIGNING_SECRET "whsec-s3cr3t-9f8e7d"

typedef struct fx {
    hook_receiver *rx;
    vmon_standalone *s;
    char url[128];
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    f->rx = hook_start();
    if (!f->rx) {
        free(f);
        return -1;
    }
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d/hook", hook_port(f->rx));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    if (f->s)
        vmon_standalone_close(f->s);
    hook_stop(f->rx);
    free(f);
    return 0;
}

/* Open the sink with url + the given extra pairs (NULL-terminated). */
static void open_sink(fx *f, const char *const *extra)
{
    const char *pairs[32] = {"url", f->url};
    size_t n = 2;
    for (size_t i = 0; extra && extra[i]; i++)
        pairs[n++] = extra[i];
    pairs[n] = NULL;
    char err[512] = "";
    if (vmon_standalone_open(plugin_dir, "sink", "webhook", "hook", pairs, NULL, NULL, &f->s, err,
                             sizeof err) != 0)
        fail_msg("open: %s", err);
}

static int deliver(fx *f, const vmon_alert *a, uint32_t n, vmon_delivery_result *res)
{
    const vmon_sink_ops *ops = vmon_standalone_descriptor(f->s)->ops;
    memset(res, 0, sizeof *res);
    res->struct_size = sizeof *res;
    return ops->deliver(vmon_standalone_ctx(f->s), a, n, res);
}

static void test_headers_token_key(void **state)
{
    fx *f = *state;
    const char *extra[] = {"token", "s3cr3t-token", "header", "X-Test: yes, X-Other: 1", NULL};
    open_sink(f, extra);
    test_alert t;
    test_alert_init(&t, 1, "p95", VMON_ALERT_FIRING);
    vmon_delivery_result res;
    assert_int_equal(deliver(f, &t.a, 1, &res), VMON_OK);
    hook_request q;
    assert_int_equal(hook_get(f->rx, 0, &q), 0);
    assert_string_equal(q.key, "\"k-1-f\"");
    assert_string_equal(q.auth, "Bearer s3cr3t-token");
    assert_string_equal(q.extra, "yes");
    assert_string_equal(q.content_type, "application/json");
    assert_string_equal(q.path, "/hook");
    json_object *body = json_tokener_parse(q.body);
    assert_non_null(body);
    assert_true(json_object_is_type(body, json_type_object));
    json_object *rule;
    assert_true(json_object_object_get_ex(body, "rule", &rule));
    assert_string_equal(json_object_get_string(rule), "p95");
    json_object_put(body);
    hook_request_free(&q);
}

static void test_status_classes(void **state)
{
    fx *f = *state;
    const char *extra[] = {"token", "s3cr3t-token", NULL};
    open_sink(f, extra);
    static const struct {
        int status, retry_after_s, want, disable;
        int64_t want_ra_ms;
    } cases[] = {
        {200, 0, VMON_OK, 0, 0},
        {204, 0, VMON_OK, 0, 0},
        {408, 0, VMON_RETRY, 0, 0},
        {429, 7, VMON_RETRY, 0, 7000},
        {500, 0, VMON_RETRY, 0, 0},
        {503, 2, VMON_RETRY, 0, 2000},
        {400, 0, VMON_ERROR, 0, 0},
        {404, 0, VMON_ERROR, 0, 0},
        {410, 0, VMON_ERROR, 1, 0},
        {302, 0, VMON_ERROR, 0, 0},
        {429, 99999, VMON_RETRY, 0, 3600000},
    };
    test_alert t;
    test_alert_init(&t, 1, "p95", VMON_ALERT_FIRING);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hook_behaviour b = {.status = cases[i].status, .retry_after_s = cases[i].retry_after_s};
        hook_set(f->rx, &b);
        vmon_delivery_result res;
        int rc = deliver(f, &t.a, 1, &res);
        if (rc != cases[i].want || (int)res.disable != cases[i].disable ||
            res.retry_after_ms != cases[i].want_ra_ms)
            fail_msg("status %d: rc %d disable %u retry_after %lld (%s)", cases[i].status, rc,
                     res.disable, (long long)res.retry_after_ms, res.detail);
        if (rc != VMON_OK) {
            char want[16];
            snprintf(want, sizeof want, "HTTP %d", cases[i].status);
            assert_non_null(strstr(res.detail, want));
        }
        assert_null(strstr(res.detail, "s3cr3t"));
    }
}

static void test_hang_times_out_as_retry(void **state)
{
    fx *f = *state;
    const char *extra[] = {"timeout", "300ms", "connect_timeout", "200ms", NULL};
    open_sink(f, extra);
    hook_behaviour b = {.hang_ms = 1500};
    hook_set(f->rx, &b);
    test_alert t;
    test_alert_init(&t, 1, "p95", VMON_ALERT_FIRING);
    vmon_delivery_result res;
    int64_t t0 = test_now_ms();
    assert_int_equal(deliver(f, &t.a, 1, &res), VMON_RETRY);
    int64_t took = test_now_ms() - t0;
    assert_true(took >= 250 && took < 1200);
    assert_non_null(strstr(res.detail, "imeout"));
}

static void test_refused_is_retry(void **state)
{
    fx *f = *state;
    snprintf(f->url, sizeof f->url, "http://127.0.0.1:1/hook"); /* nothing listens on port 1 */
    open_sink(f, NULL);
    test_alert t;
    test_alert_init(&t, 1, "p95", VMON_ALERT_FIRING);
    vmon_delivery_result res;
    assert_int_equal(deliver(f, &t.a, 1, &res), VMON_RETRY);
    assert_true(res.detail[0] != '\0');
}

/* The core's job in miniature: retry each alert until it is accepted. */
static void test_flaky_receiver_every_alert_once(void **state)
{
    fx *f = *state;
    open_sink(f, NULL);
    hook_behaviour b = {.fail_percent = 30, .seed = 42};
    hook_set(f->rx, &b);
    enum { N = 300 };
    for (int i = 0; i < N; i++) {
        test_alert t;
        test_alert_init(&t, i, "p95", VMON_ALERT_FIRING);
        vmon_delivery_result res;
        int rc, tries = 0;
        while ((rc = deliver(f, &t.a, 1, &res)) == VMON_RETRY && ++tries < 50)
            ;
        assert_int_equal(rc, VMON_OK);
    }
    size_t ok_requests = 0;
    assert_int_equal(hook_unique_ok(f->rx, &ok_requests), N);
    assert_int_equal(ok_requests, N);
    size_t total = hook_count(f->rx);
    assert_true(total > N + N / 5 && total < N + N); /* about 30% failed first */
}

static void test_batch_is_array_with_stable_key(void **state)
{
    fx *f = *state;
    open_sink(f, NULL);
    test_alert t[3];
    vmon_alert a[3];
    for (int i = 0; i < 3; i++) {
        test_alert_init(&t[i], i, "p95", VMON_ALERT_FIRING);
        a[i] = t[i].a;
    }
    vmon_delivery_result res;
    assert_int_equal(deliver(f, a, 3, &res), VMON_OK);
    assert_int_equal(deliver(f, a, 3, &res), VMON_OK);
    hook_request q0, q1;
    assert_int_equal(hook_get(f->rx, 0, &q0), 0);
    assert_int_equal(hook_get(f->rx, 1, &q1), 0);
    assert_string_equal(q0.key, q1.key);
    assert_memory_equal(q0.key, "\"batch-", 7);
    json_object *body = json_tokener_parse(q0.body);
    assert_true(json_object_is_type(body, json_type_array));
    assert_int_equal(json_object_array_length(body), 3);
    json_object_put(body);
    hook_request_free(&q0);
    hook_request_free(&q1);
}

static void test_slack_body_and_ok_check(void **state)
{
    fx *f = *state;
    const char *extra[] = {"format", "slack", NULL};
    open_sink(f, extra);
    test_alert t;
    test_alert_init(&t, 1, "p95", VMON_ALERT_FIRING);
    vmon_delivery_result res;
    assert_int_equal(deliver(f, &t.a, 1, &res), VMON_OK);
    hook_behaviour b = {.status = 200, .body = "invalid_payload"};
    hook_set(f->rx, &b);
    assert_int_equal(deliver(f, &t.a, 1, &res), VMON_ERROR);
    assert_non_null(strstr(res.detail, "invalid_payload"));
    b = (hook_behaviour){.status = 429, .retry_after_s = 1, .body = "rate_limited"};
    hook_set(f->rx, &b);
    assert_int_equal(deliver(f, &t.a, 1, &res), VMON_RETRY);
    assert_int_equal(res.retry_after_ms, 1000);
    hook_request q;
    assert_int_equal(hook_get(f->rx, 0, &q), 0);
    assert_string_equal(q.body, "{\"text\":\"[FIRING] warning p95: search p95 above threshold "
                                "(value 250, threshold 200)\"}");
    hook_request_free(&q);
}

static void test_bad_config_refused_without_secrets(void **state)
{
    fx *f = *state;
    const char *const bad[][8] = {
        {"url", "ftp://127.0.0.1/x", "token", "s3cr3t-token", NULL},
        {"url", f->url, "header", "Bad Header", "token", "s3cr3t-token", NULL},
        {"url", f->url, "header", "X-Ok: 1", "token", "s3cr3t\ntoken", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[512] = "";
        vmon_standalone *s = NULL;
        assert_int_not_equal(vmon_standalone_open(plugin_dir, "sink", "webhook", "hook", bad[i],
                                                  NULL, NULL, &s, err, sizeof err),
                             0);
        assert_true(err[0] != '\0');
        assert_null(strstr(err, "s3cr3t"));
    }
}

static int send_events(fx *f, const vmon_event *e, uint32_t n, vmon_delivery_result *res)
{
    const vmon_sink_ops *ops = vmon_standalone_descriptor(f->s)->ops;
    memset(res, 0, sizeof *res);
    res->struct_size = sizeof *res;
    return ops->on_events(vmon_standalone_ctx(f->s), e, n, res);
}

static vmon_event sample_event(uint64_t seq, const char *key)
{
    static const vmon_label labels[] = {{"pipeline", "autotune"}};
    static const vmon_label fields[] = {{"a.nprobe", "16"}, {"b.nprobe", "11"}};
    return (vmon_event){.struct_size = sizeof(vmon_event),
                        .type = VMON_EVENT_PROMOTION,
                        .n_labels = 1,
                        .n_fields = 2,
                        .sequence = seq,
                        .time_ms = 1764620193000,
                        .type_name = "promotion",
                        .pipeline = "autotune",
                        .labels = labels,
                        .fields = fields,
                        .message = "B promoted",
                        .idempotency_key = key};
}

/* format = json: an event is posted as vmon's event JSON (kind = event), never as an alert. */
static void test_events_posted_as_event_json(void **state)
{
    fx *f = *state;
    open_sink(f, NULL);
    vmon_event e = sample_event(5, "autotune-promotion-5");
    vmon_delivery_result res;
    assert_int_equal(send_events(f, &e, 1, &res), VMON_OK);
    hook_request q;
    assert_int_equal(hook_get(f->rx, 0, &q), 0);
    assert_string_equal(q.key, "\"autotune-promotion-5\"");
    json_object *body = json_tokener_parse(q.body), *v;
    assert_non_null(body);
    assert_true(json_object_object_get_ex(body, "kind", &v));
    assert_string_equal(json_object_get_string(v), "event");
    assert_true(json_object_object_get_ex(body, "sequence", &v));
    assert_int_equal(json_object_get_int64(v), 5);
    assert_false(json_object_object_get_ex(body, "rule", &v));
    json_object *fields;
    assert_true(json_object_object_get_ex(body, "fields", &fields));
    assert_true(json_object_object_get_ex(fields, "b.nprobe", &v));
    assert_string_equal(json_object_get_string(v), "11");
    json_object_put(body);
    hook_request_free(&q);
}

/* format = alertmanager: events never reach Alertmanager; with events_url they go there as JSON. */
static void test_alertmanager_never_gets_events(void **state)
{
    fx *f = *state;
    const char *extra[] = {"format", "alertmanager", "resend", "1m", NULL};
    open_sink(f, extra);
    vmon_event e = sample_event(6, "autotune-promotion-6");
    vmon_delivery_result res;
    assert_int_equal(send_events(f, &e, 1, &res), VMON_OK);
    assert_int_equal(hook_count(f->rx), 0);
    vmon_standalone_close(f->s);
    f->s = NULL;
    char events_url[160];
    snprintf(events_url, sizeof events_url, "http://127.0.0.1:%d/events", hook_port(f->rx));
    const char *with_url[] = {"format",     "alertmanager", "resend", "1m",
                              "events_url", events_url,     NULL};
    open_sink(f, with_url);
    vmon_event two[2] = {sample_event(7, "k7"), sample_event(8, "k8")};
    assert_int_equal(send_events(f, two, 2, &res), VMON_OK);
    assert_int_equal(hook_count(f->rx), 1);
    hook_request q;
    assert_int_equal(hook_get(f->rx, 0, &q), 0);
    assert_string_equal(q.path, "/events");
    json_object *body = json_tokener_parse(q.body);
    assert_true(json_object_is_type(body, json_type_array));
    assert_int_equal(json_object_array_length(body), 2);
    json_object_put(body);
    assert_non_null(strstr(q.key, "events-"));
    hook_request_free(&q);
}

/* The receiver recomputes HMAC-SHA256(secret, T.BODY) over what it received. */
static void check_signed(fx *f, size_t i)
{
    hook_request q;
    assert_int_equal(hook_get(f->rx, i, &q), 0);
    if (!q.sig_ok || q.status != 200)
        fail_msg("request %zu: status %d, signature %s, timestamp %s", i, q.status, q.signature,
                 q.timestamp);
    long long ts = strtoll(q.timestamp, NULL, 10);
    long long now = (long long)time(NULL);
    if (ts < now - 5 || ts > now + 1)
        fail_msg("request %zu: timestamp %s, now %lld", i, q.timestamp, now);
    assert_int_equal(strlen(q.signature), 3 + 64);
    assert_null(strstr(q.body, SIGNING_SECRET));
    hook_request_free(&q);
}

static void test_signed_json_and_alertmanager(void **state)
{
    fx *f = *state;
    hook_behaviour b = {.secret = SIGNING_SECRET};
    hook_set(f->rx, &b);
    static const char *const formats[] = {"json", "alertmanager"};
    test_alert t[2];
    vmon_alert a[2];
    for (int i = 0; i < 2; i++) {
        test_alert_init(&t[i], i, "p95", VMON_ALERT_FIRING);
        a[i] = t[i].a;
    }
    size_t sent = 0;
    for (size_t k = 0; k < 2; k++) {
        const char *extra[] = {"format",         formats[k],     "resend", "1m",
                               "signing_secret", SIGNING_SECRET, NULL};
        open_sink(f, extra);
        vmon_delivery_result res;
        assert_int_equal(deliver(f, &t[0].a, 1, &res), VMON_OK);
        assert_int_equal(deliver(f, a, 2, &res), VMON_OK);
        vmon_standalone_close(f->s);
        f->s = NULL;
        for (; sent < 2 * (k + 1); sent++)
            check_signed(f, sent);
    }
    /* Events are signed too (json: to url). */
    const char *extra[] = {"signing_secret", SIGNING_SECRET, NULL};
    open_sink(f, extra);
    vmon_event e = sample_event(9, "autotune-promotion-9");
    vmon_delivery_result res;
    assert_int_equal(send_events(f, &e, 1, &res), VMON_OK);
    check_signed(f, sent);
}

/* A retry is a new attempt: same body and key, freshly signed, and it verifies. */
static void test_signed_retry_and_custom_header(void **state)
{
    fx *f = *state;
    const char *extra[] = {"signing_secret", SIGNING_SECRET, "signature_header", "X-Hub-Sig", NULL};
    open_sink(f, extra);
    hook_behaviour b = {.secret = SIGNING_SECRET, .sig_header = "X-Hub-Sig", .status = 503};
    hook_set(f->rx, &b);
    test_alert t;
    test_alert_init(&t, 1, "p95", VMON_ALERT_FIRING);
    vmon_delivery_result res;
    assert_int_equal(deliver(f, &t.a, 1, &res), VMON_RETRY);
    b.status = 200;
    hook_set(f->rx, &b);
    assert_int_equal(deliver(f, &t.a, 1, &res), VMON_OK);
    hook_request q0, q1;
    assert_int_equal(hook_get(f->rx, 0, &q0), 0);
    assert_int_equal(hook_get(f->rx, 1, &q1), 0);
    assert_true(q0.sig_ok && q1.sig_ok);
    assert_string_equal(q0.key, q1.key);
    assert_string_equal(q0.body, q1.body);
    hook_request_free(&q0);
    hook_request_free(&q1);
}

/* A receiver with another secret answers 401: a permanent error that names no secret. */
static void test_wrong_secret_rejected(void **state)
{
    fx *f = *state;
    const char *extra[] = {"signing_secret", SIGNING_SECRET, NULL};
    open_sink(f, extra);
    hook_behaviour b = {.secret = "another-secret"};
    hook_set(f->rx, &b);
    test_alert t;
    test_alert_init(&t, 1, "p95", VMON_ALERT_FIRING);
    vmon_delivery_result res;
    assert_int_equal(deliver(f, &t.a, 1, &res), VMON_ERROR);
    assert_non_null(strstr(res.detail, "HTTP 401"));
    assert_null(strstr(res.detail, SIGNING_SECRET));
    hook_request q;
    assert_int_equal(hook_get(f->rx, 0, &q), 0);
    assert_false(q.sig_ok);
    assert_string_not_equal(q.signature, "");
    hook_request_free(&q);
    /* And an unsigned sink is refused by a verifying receiver, and sends no signature. */
    vmon_standalone_close(f->s);
    f->s = NULL;
    open_sink(f, NULL);
    b.secret = SIGNING_SECRET;
    hook_set(f->rx, &b);
    assert_int_equal(deliver(f, &t.a, 1, &res), VMON_ERROR);
    assert_int_equal(hook_get(f->rx, 1, &q), 0);
    assert_string_equal(q.signature, "");
    assert_string_equal(q.timestamp, "");
    hook_request_free(&q);
}

static void test_bad_signing_config_refused(void **state)
{
    fx *f = *state;
    const char *const bad[][8] = {
        {"url", f->url, "signing_secret", "", NULL},
        {"url", f->url, "signing_secret", SIGNING_SECRET, "signature_header", "Bad Name", NULL},
        {"url", f->url, "signing_secret", SIGNING_SECRET, "signature_header", "X-Vmon-Timestamp",
         NULL},
        {"url", f->url, "signing_secret", SIGNING_SECRET, "signature_header", "Content-Type", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[512] = "";
        vmon_standalone *s = NULL;
        assert_int_not_equal(vmon_standalone_open(plugin_dir, "sink", "webhook", "hook", bad[i],
                                                  NULL, NULL, &s, err, sizeof err),
                             0);
        assert_true(err[0] != '\0');
        assert_null(strstr(err, SIGNING_SECRET));
    }
}

int main(int argc, char **argv)
{
    plugin_dir = argc > 1 ? argv[1] : "plugins";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_headers_token_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_classes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hang_times_out_as_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_is_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flaky_receiver_every_alert_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_is_array_with_stable_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slack_body_and_ok_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_config_refused_without_secrets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events_posted_as_event_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alertmanager_never_gets_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signed_json_and_alertmanager, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signed_retry_and_custom_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_secret_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_signing_config_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
