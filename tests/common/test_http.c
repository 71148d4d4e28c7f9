/* common/http_client.c against common/http_server.c on loopback, port 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_client.h"
#include "http_server.h"

typedef struct fixture {
    vmon_http_server *server;
    vmon_http_client *client;
    char base[64];
} fixture;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* /echo: method, X-Test header, ?q= and the body back; /retry: 503 with
 * Retry-After; /hang: sleeps past the client's timeout; /moved: 302. */
static void handler(void *arg, const vmon_http_incoming *in, vmon_http_reply *out)
{
    (void)arg;
    char text[4096];
    if (strcmp(in->path, "/retry") == 0) {
        vmon_http_reply_status(out, 503);
        vmon_http_reply_header(out, "Retry-After", "7");
        return;
    }
    if (strcmp(in->path, "/hang") == 0) {
        struct timespec ts = {1, 0};
        nanosleep(&ts, NULL);
    }
    if (strcmp(in->path, "/moved") == 0) {
        vmon_http_reply_status(out, 302);
        vmon_http_reply_header(out, "Location", "/echo");
        return;
    }
    const char *x = vmon_http_incoming_header(in, "x-test");
    const char *q = vmon_http_incoming_query(in, "q");
    const char *mine = vmon_http_incoming_header(in, "X-Mine");
    int n = snprintf(text, sizeof text, "%s %s x=%s q=%s body=%.*s%s%s", in->method, in->path,
                     x ? x : "-", q ? q : "-", (int)in->body_len, in->body, mine ? " mine=" : "",
                     mine ? mine : "");
    vmon_http_reply_body(out, "text/plain", text, (size_t)n);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char err[256];
    vmon_http_server_cfg sc = {.handler = handler, .threads = 2, .body_max = 1000};
    f->server = vmon_http_server_start(&sc, err, sizeof err);
    assert_non_null(f->server);
    assert_true(vmon_http_server_port(f->server) > 0);
    snprintf(f->base, sizeof f->base, "http://127.0.0.1:%u", vmon_http_server_port(f->server));
    static const char *const fixed[] = {"X-Test: fixed-header", NULL};
    vmon_http_client_cfg cc = {.timeout_ms = 300, .headers = fixed, .body_max = 80};
    f->client = vmon_http_client_new(&cc, err, sizeof err);
    assert_non_null(f->client);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    vmon_http_client_free(f->client);
    vmon_http_server_stop(f->server);
    free(f);
    return 0;
}

static int send_to(fixture *f, const char *method, const char *path, const char *body,
                   const char *const *headers, vmon_http_response *r)
{
    char url[128];
    snprintf(url, sizeof url, "%s%s", f->base, path);
    vmon_http_request req = {.method = method,
                             .url = url,
                             .headers = headers,
                             .body = body,
                             .body_len = body ? strlen(body) : 0};
    return vmon_http_client_send(f->client, &req, r);
}

static void test_get_and_post_round_trip(void **state)
{
    fixture *f = *state;
    vmon_http_response r;
    assert_int_equal(send_to(f, NULL, "/echo?q=1", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "GET /echo x=fixed-header q=1 body=");
    assert_int_equal(send_to(f, NULL, "/echo", "hello", NULL, &r), 0);
    assert_string_equal(r.body, "POST /echo x=fixed-header q=- body=hello");
    assert_int_equal(send_to(f, "PUT", "/echo", "b", NULL, &r), 0);
    assert_string_equal(r.body, "PUT /echo x=fixed-header q=- body=b");
    assert_int_equal(send_to(f, "DELETE", "/echo", NULL, NULL, &r), 0);
    assert_string_equal(r.body, "DELETE /echo x=fixed-header q=- body=");
}

static void test_request_headers_and_injection(void **state)
{
    fixture *f = *state;
    vmon_http_response r;
    const char *const mine[] = {"X-Mine: only this request", NULL};
    assert_int_equal(send_to(f, NULL, "/echo", NULL, mine, &r), 0);
    assert_string_equal(r.body, "GET /echo x=fixed-header q=- body= mine=only this request");
    assert_int_equal(send_to(f, NULL, "/echo", NULL, NULL, &r), 0);
    assert_null(strstr(r.body, "mine=")); /* not carried over to the next request */
    const char *const evil[] = {"X-Test: a\r\nX-Other: b", NULL};
    assert_int_equal(send_to(f, NULL, "/echo", NULL, evil, &r), -1);
    assert_false(r.retryable);
    assert_null(strstr(r.error, "X-Other")); /* the header's text is not echoed */
}

static void test_status_retry_after_and_no_redirects(void **state)
{
    fixture *f = *state;
    vmon_http_response r;
    assert_int_equal(send_to(f, NULL, "/retry", "x", NULL, &r), 0);
    assert_int_equal(r.status, 503);
    assert_int_equal(r.retry_after_ms, 7000);
    assert_int_equal(send_to(f, NULL, "/moved", NULL, NULL, &r), 0);
    assert_int_equal(r.status, 302);
}

static void test_bodies_are_bounded_both_ways(void **state)
{
    fixture *f = *state;
    vmon_http_response r;
    char big[2000];
    memset(big, 'b', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(send_to(f, NULL, "/echo", big, NULL, &r), 0);
    assert_int_equal(r.status, 413); /* server body_max is 1000 */
    char mid[500];
    memset(mid, 'm', sizeof mid - 1);
    mid[sizeof mid - 1] = '\0';
    assert_int_equal(send_to(f, NULL, "/echo", mid, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 80); /* client body_max */
    assert_true(r.body_truncated);
    assert_int_equal(strlen(r.body), 80);
}

static void test_total_timeout_bounds_a_hung_server(void **state)
{
    fixture *f = *state;
    vmon_http_response r;
    int64_t t0 = now_ms();
    assert_int_equal(send_to(f, NULL, "/hang", NULL, NULL, &r), -1);
    int64_t took = now_ms() - t0;
    assert_true(took >= 250 && took < 900);
    assert_true(r.retryable);
    assert_int_equal(r.status, 0);
    assert_true(r.error[0] != '\0');
}

static void test_connection_refused_is_retryable(void **state)
{
    (void)state;
    char err[256];
    /* A port that was just ours and is closed now: nothing listens there. */
    vmon_http_server_cfg sc = {.handler = handler};
    vmon_http_server *s = vmon_http_server_start(&sc, err, sizeof err);
    assert_non_null(s);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/", vmon_http_server_port(s));
    vmon_http_server_stop(s);
    vmon_http_client_cfg cc = {0};
    vmon_http_client *c = vmon_http_client_new(&cc, err, sizeof err);
    vmon_http_request req = {.url = url};
    vmon_http_response r;
    assert_int_equal(vmon_http_client_send(c, &req, &r), -1);
    assert_true(r.retryable);
    assert_null(strstr(r.error, "127.0.0.1")); /* no URL in errors */
    vmon_http_client_free(c);
}

static void test_bad_configuration_is_refused(void **state)
{
    (void)state;
    char err[256];
    static const char *const bad[] = {"Authorization: Bearer s3cret\nX: y", NULL};
    vmon_http_client_cfg cc = {.headers = bad};
    assert_null(vmon_http_client_new(&cc, err, sizeof err));
    assert_non_null(strstr(err, "header 1"));
    assert_null(strstr(err, "s3cret"));
    vmon_http_server_cfg sc = {.handler = handler, .bind_address = "localhost"};
    assert_null(vmon_http_server_start(&sc, err, sizeof err));
    assert_non_null(strstr(err, "'localhost'"));
    vmon_http_client *c = vmon_http_client_new(&(vmon_http_client_cfg){0}, err, sizeof err);
    vmon_http_request req = {.url = "ftp://127.0.0.1/"};
    vmon_http_response r;
    assert_int_equal(vmon_http_client_send(c, &req, &r), -1);
    assert_false(r.retryable); /* only http and https */
    vmon_http_client_free(c);
}

static void test_default_bind_is_loopback_and_ipv6_works(void **state)
{
    (void)state;
    char err[256];
    vmon_http_server_cfg sc = {.handler = handler, .bind_address = "::1"};
    vmon_http_server *s = vmon_http_server_start(&sc, err, sizeof err);
    if (!s) {
        print_message("no IPv6 loopback here (%s); IPv4 is covered by the other tests\n", err);
        return;
    }
    char url[64];
    snprintf(url, sizeof url, "http://[::1]:%u/echo", vmon_http_server_port(s));
    vmon_http_client *c = vmon_http_client_new(&(vmon_http_client_cfg){0}, err, sizeof err);
    vmon_http_request req = {.url = url};
    vmon_http_response r;
    assert_int_equal(vmon_http_client_send(c, &req, &r), 0);
    assert_int_equal(r.status, 200);
    vmon_http_client_free(c);
    vmon_http_server_stop(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_and_post_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_headers_and_injection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_retry_after_and_no_redirects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bodies_are_bounded_both_ways, setup, teardown),
        cmocka_unit_test_setup_teardown(test_total_timeout_bounds_a_hung_server, setup, teardown),
        cmocka_unit_test(test_connection_refused_is_retryable),
        cmocka_unit_test(test_bad_configuration_is_refused),
        cmocka_unit_test(test_default_bind_is_loopback_and_ipv6_works),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
