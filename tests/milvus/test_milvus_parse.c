/* The Prometheus text parser, the quantile, the scrape folding and the JSON envelope decoder. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <vmon/abi.h>

#include "mvjson.h"
#include "mvrules.h"
#include "promtext.h"

typedef struct seen {
    int n;
    char name[8][64];
    double value[8];
    char label[8][64];
    int64_t ts[8];
} seen;

static int record(void *arg, const prom_sample *s)
{
    seen *w = arg;
    if (w->n < 8) {
        snprintf(w->name[w->n], 64, "%s", s->name);
        w->value[w->n] = s->value;
        const char *v = prom_label_value(s, "path");
        snprintf(w->label[w->n], 64, "%s", v ? v : "");
        w->ts[w->n] = s->has_timestamp ? s->timestamp_ms : -1;
    }
    w->n++;
    return 0;
}

static void samples_labels_and_special_values(void **state)
{
    (void)state;
    const char text[] = "# HELP m_total The \"help\" text, free \\ form\n"
                        "# TYPE m_total counter\n"
                        "m_total{path=\"a\\\"b\\\\c\\nd\",x=\"\"} 3 1700000000000\n"
                        "\n"
                        "  # a comment\n"
                        "m_nan NaN\r\n"
                        "m_inf{path=\"p\",} +Inf\n"
                        "m_ninf -Inf\n"
                        "m_exp 1.5e-3";
    seen w = {0};
    char err[200];
    assert_int_equal(prom_parse(text, strlen(text), record, &w, err, sizeof err), 0);
    assert_int_equal(w.n, 5);
    assert_string_equal(w.name[0], "m_total");
    assert_string_equal(w.label[0], "a\"b\\c\nd");
    assert_true(w.value[0] == 3);
    assert_true(w.ts[0] == 1700000000000LL);
    assert_true(isnan(w.value[1]));
    assert_true(isinf(w.value[2]) && w.value[2] > 0);
    assert_string_equal(w.label[2], "p");
    assert_true(isinf(w.value[3]) && w.value[3] < 0);
    assert_true(fabs(w.value[4] - 0.0015) < 1e-12);
}

static void malformed_lines_are_errors_naming_the_line(void **state)
{
    (void)state;
    static const struct {
        const char *text, *says;
    } bad[] = {
        {"ok 1\nm{a=\"x} 1\n", "line 2"},
        {"m{a=x} 1", "quoted"},
        {"m{a=\"\\q\"} 1", "quoted"},
        {"m 1 2 3", "after the timestamp"},
        {"m one", "not a sample value"},
        {"m inf", "not a sample value"},
        {"m 0x10", "not a sample value"},
        {"m 1 12.5", "timestamp"},
        {"m", "no value"},
        {"{a=\"b\"} 1", "metric name"},
        {"m{1a=\"b\"} 1", "label name"},
        {"m{a=\"b\" c=\"d\"} 1", "',' or '}'"},
        {"# TYPE m gauge extra", "text after"},
        {"# TYPE m histo", "no known type"},
        {"# TYPE", "without a metric name"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        seen w = {0};
        char err[200] = "";
        int rc = prom_parse(bad[i].text, strlen(bad[i].text), record, &w, err, sizeof err);
        if (rc != -1 || !strstr(err, bad[i].says))
            fail_msg("case %zu '%s': rc %d err '%s'", i, bad[i].text, rc, err);
    }
    /* a NUL inside the input, and input that is not NUL-terminated */
    char nul[] = "m 1\0 2";
    char err[200];
    assert_int_equal(prom_parse(nul, sizeof nul - 1, record, &(seen){0}, err, sizeof err), -1);
    char exact[3] = {'m', ' ', '7'};
    seen w = {0};
    assert_int_equal(prom_parse(exact, 3, record, &w, err, sizeof err), 0);
    assert_true(w.value[0] == 7);
}

static void quantiles_interpolate_like_prometheus(void **state)
{
    (void)state;
    double le[] = {1, 10, 100, INFINITY}, cum[] = {0, 50, 100, 100};
    assert_true(fabs(mv_quantile(0.5, le, cum, 4) - 10) < 1e-9);
    assert_true(fabs(mv_quantile(0.95, le, cum, 4) - 91) < 1e-9);
    double top[] = {0, 0, 10, 20}; /* half above the last finite bound */
    assert_true(mv_quantile(0.99, le, top, 4) == 100);
    double none[] = {0, 0, 0, 0};
    assert_true(isnan(mv_quantile(0.5, le, none, 4)));
}

static void labels_are_matched_by_name_whatever_their_order(void **state)
{
    (void)state;
    /* 2.3 label set and order, then the 2.5 one with two more labels */
    const char text[] =
        "milvus_proxy_req_count{node_id=\"1\",function_name=\"Search\",status=\"total\"} 5\n"
        "milvus_proxy_req_count{status=\"total\",db_name=\"d\",collection_name=\"c\","
        "function_name=\"Search\",node_id=\"2\"} 7\n"
        "milvus_proxy_req_count{status=\"success\",function_name=\"Search\",node_id=\"2\"} 7\n";
    fig_table raw, ready;
    fig_init(&raw);
    fig_init(&ready);
    mv_fold fold = {.raw = &raw};
    char err[200];
    assert_int_equal(prom_parse(text, strlen(text), mv_fold_sample, &fold, err, sizeof err), 0);
    assert_int_equal(mv_derive(&raw, NULL, 0, &ready), 0);
    vmon_label n1[] = {{"node_id", "1"}};
    vmon_label n2[] = {{"node_id", "2"}, {"collection", "c"}};
    const fig_entry *a = fig_find(&ready, "proxy.search_requests_total", n1, 1);
    const fig_entry *b = fig_find(&ready, "proxy.search_requests_total", n2, 2);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a->value == 5 && b->value == 7);
    fig_free(&raw);
    fig_free(&ready);
}

static void envelopes_and_codes(void **state)
{
    (void)state;
    mv_reply r;
    char err[300];
    const char ok[] = "{\"code\":0,\"data\":{\"rowCount\":\"12\"}}";
    assert_int_equal(mv_reply_decode(200, ok, strlen(ok), "w", &r, err, sizeof err), 0);
    assert_int_equal(mv_json_member_int64(r.data, "rowCount", -1), 12);
    mv_reply_free(&r);
    const char old[] = "{\"code\":200,\"data\":{}}";
    assert_int_equal(mv_reply_decode(200, old, strlen(old), "w", &r, err, sizeof err), 0);
    mv_reply_free(&r);
    const char denied[] = "{\"code\":1800,\"message\":\"user hasn't\\nauthenticated\"}";
    assert_int_equal(mv_reply_decode(401, denied, strlen(denied), "w", &r, err, sizeof err),
                     VMON_ERROR);
    assert_true(r.auth_failed);
    assert_null(strchr(err, '\n'));
    mv_reply_free(&r);
    const char trailing[] = "{\"code\":0} {";
    assert_int_equal(mv_reply_decode(200, trailing, strlen(trailing), "w", &r, err, sizeof err),
                     VMON_RETRY);
    assert_int_equal(mv_code_status(8), VMON_RETRY);
    assert_int_equal(mv_code_status(3), VMON_ENOMEM);
    assert_int_equal(mv_code_status(100), VMON_EINVAL);
    assert_int_equal(mv_code_status(3000), VMON_ENOTSUP);
    assert_int_equal(mv_code_status(4242), VMON_ERROR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(samples_labels_and_special_values),
        cmocka_unit_test(malformed_lines_are_errors_naming_the_line),
        cmocka_unit_test(quantiles_interpolate_like_prometheus),
        cmocka_unit_test(labels_are_matched_by_name_whatever_their_order),
        cmocka_unit_test(envelopes_and_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
