/* The syslog record writer: layout, severity, escaping, truncation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "syslog_event_format.h"
#include "syslog_format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define T0 1763701200123LL /* 2025-11-21T05:00:00.123Z */

static const vmon_label base_labels[] = {
    {"alertname", "p95"},
    {"instance", "proxy"},
};

static vmon_alert make_alert(void)
{
    vmon_alert a = {
        .struct_size = sizeof a,
        .severity = VMON_SEV_CRITICAL,
        .state = VMON_ALERT_FIRING,
        .n_labels = 2,
        .rule = "p95",
        .component = "proxy",
        .labels = base_labels,
        .message = "search p95 above 200 ms",
        .fingerprint = "0123456789abcdef",
        .idempotency_key = "0123456789abcdef-1",
        .value = 250,
        .threshold = 200,
        .starts_at_ms = T0,
    };
    return a;
}

static sl_format_cfg cfg5424(void)
{
    sl_format_cfg c = {
        .format = SL_RFC5424,
        .facility = 16,
        .hostname = "host1",
        .app_name = "vmond",
        .msgid = "alert",
        .sd_id = "vmon@32473",
        .procid = 42,
        .max_record = 2048,
    };
    return c;
}

static int valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 : 3;
        p++;
        for (int i = 0; i < n; i++, p++)
            if ((*p & 0xc0) != 0x80)
                return 0;
    }
    return 1;
}

static int has_ctl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

static void test_rfc5424_layout(void **state)
{
    (void)state;
    sl_format_cfg c = cfg5424();
    vmon_alert a = make_alert();
    char buf[4096];
    size_t n = sl_format_record(&c, &a, T0, buf, sizeof buf);
    assert_int_equal(n, strlen(buf));
    assert_string_equal(buf, "<130>1 2025-11-21T05:00:00.123Z host1 vmond 42 alert "
                             "[vmon@32473 alertname=\"p95\" instance=\"proxy\"]"
                             "[vmonAlert@32473 state=\"firing\" severity=\"critical\" "
                             "fingerprint=\"0123456789abcdef\" key=\"0123456789abcdef-1\" "
                             "value=\"250\" threshold=\"200\"] "
                             "FIRING p95: search p95 above 200 ms (value=250 threshold=200)");
}

static void test_severity_mapping(void **state)
{
    (void)state;
    vmon_alert a = make_alert();
    assert_int_equal(sl_severity(&a), 2);
    a.severity = VMON_SEV_WARNING;
    assert_int_equal(sl_severity(&a), 4);
    a.severity = VMON_SEV_INFO;
    assert_int_equal(sl_severity(&a), 6);
    a.severity = VMON_SEV_CRITICAL;
    a.state = VMON_ALERT_RESOLVED;
    assert_int_equal(sl_severity(&a), 5);

    sl_format_cfg c = cfg5424();
    c.facility = 3; /* daemon */
    char buf[4096];
    sl_format_record(&c, &a, T0, buf, sizeof buf);
    assert_memory_equal(buf, "<29>1 ", 6); /* 3 * 8 + 5 */
    assert_non_null(strstr(buf, "state=\"resolved\""));
    assert_non_null(strstr(buf, "] RESOLVED p95: "));
}

static void test_crlf_cannot_forge_a_record(void **state)
{
    (void)state;
    sl_format_cfg c = cfg5424();
    vmon_alert a = make_alert();
    a.message = "disk full\r\n<11>1 2025-11-21T05:00:00Z evil app - - - forged\x7f\t";
    vmon_label l[] = {{"alertname", "p95"}, {"note", "a\nb"}};
    a.labels = l;
    char buf[4096];
    sl_format_record(&c, &a, T0, buf, sizeof buf);
    assert_false(has_ctl(buf));
    assert_non_null(strstr(buf, "disk full#015#012<11>1 2025"));
    assert_non_null(strstr(buf, "forged#177#011"));
    assert_non_null(strstr(buf, "note=\"a#012b\""));
}

static void test_sd_escaping_and_names(void **state)
{
    (void)state;
    sl_format_cfg c = cfg5424();
    vmon_alert a = make_alert();
    vmon_label l[] = {
        {"alertname", "p95"},
        {"path", "C:\\x \"q\" [a]"},
        {"bad name=]\"", "v"},
        {"a_label_name_that_is_longer_than_thirty_two_chars", "v"},
    };
    a.labels = l;
    a.n_labels = 4;
    char buf[4096];
    sl_format_record(&c, &a, T0, buf, sizeof buf);
    assert_non_null(strstr(buf, " path=\"C:\\\\x \\\"q\\\" [a\\]\""));
    assert_non_null(strstr(buf, " bad_name___=\"v\""));
    assert_non_null(strstr(buf, " a_label_name_that_is_longer_than=\"v\""));
}

static void test_header_fields_sanitised(void **state)
{
    (void)state;
    sl_format_cfg c = cfg5424();
    c.hostname = "my host";
    c.app_name = "";
    c.msgid = NULL;
    c.procid = 0;
    vmon_alert a = make_alert();
    char buf[4096];
    sl_format_record(&c, &a, T0, buf, sizeof buf);
    assert_memory_equal(buf, "<130>1 2025-11-21T05:00:00.123Z my_host - - - [", 47);
}

static void test_truncated_on_utf8_boundary(void **state)
{
    (void)state;
    sl_format_cfg c = cfg5424();
    c.max_record = 480;
    vmon_alert a = make_alert();
    char msg[3000] = "";
    for (int i = 0; i < 900; i++)
        strcat(msg, "é"); /* two bytes each */
    a.message = msg;
    for (int cut = 480; cut < 490; cut++) {
        c.max_record = (size_t)cut;
        char buf[4096];
        size_t n = sl_format_record(&c, &a, T0, buf, sizeof buf);
        assert_true(n <= (size_t)cut);
        assert_true(n >= (size_t)cut - 1);
        assert_true(valid_utf8(buf));
        assert_non_null(strstr(buf, "FIRING p95: éé"));
    }
}

static void test_many_labels_keep_message(void **state)
{
    (void)state;
    sl_format_cfg c = cfg5424();
    vmon_alert a = make_alert();
    enum { N = 200 };
    static vmon_label l[N];
    static char names[N][16];
    l[0] = (vmon_label){"alertname", "p95"};
    for (int i = 1; i < N; i++) {
        snprintf(names[i], sizeof names[i], "label%03d", i);
        l[i] = (vmon_label){names[i], "some longer label value"};
    }
    a.labels = l;
    a.n_labels = N;
    char buf[4096];
    size_t n = sl_format_record(&c, &a, T0, buf, sizeof buf);
    assert_true(n <= 2048);
    assert_non_null(strstr(buf, "[vmonAlert@32473 state=\"firing\""));
    assert_non_null(strstr(buf, "] FIRING p95: search p95 above 200 ms"));
    /* Whole params only: every opened quote is closed before the element ends. */
    char *sd_end = strstr(buf, "][vmonAlert");
    assert_non_null(sd_end);
    assert_memory_equal(sd_end - 1, "\"][", 3);
}

static void test_rfc3164_local_layout(void **state)
{
    (void)state;
    setenv("TZ", "UTC", 1);
    tzset();
    sl_format_cfg c = cfg5424();
    c.format = SL_RFC3164;
    c.facility = 3;
    c.with_hostname = 0;
    c.app_name = "vm ond";
    c.max_record = 1024;
    vmon_alert a = make_alert();
    a.severity = VMON_SEV_WARNING;
    a.message = "line1\nline2";
    char buf[4096];
    sl_format_record(&c, &a, T0, buf, sizeof buf);
    assert_string_equal(buf, "<28>Nov 21 05:00:00 vm_ond[42]: FIRING p95: line1#012line2 "
                             "(value=250 threshold=200) [alertname=p95 instance=proxy]");
    c.with_hostname = 1;
    a.starts_at_ms = 0;
    sl_format_record(&c, &a, 1762059600000LL, buf, sizeof buf); /* Nov  2 */
    assert_memory_equal(buf, "<28>Nov  2 05:00:00 host1 vm_ond[42]: ", 38);
}

static void test_no_values_no_numbers(void **state)
{
    (void)state;
    sl_format_cfg c = cfg5424();
    vmon_alert a = make_alert();
    a.value = NAN;
    a.threshold = NAN;
    a.n_labels = 0;
    char buf[4096];
    sl_format_record(&c, &a, T0, buf, sizeof buf);
    assert_null(strstr(buf, "value="));
    assert_non_null(strstr(buf, " [vmon@32473][vmonAlert@32473 "));
}

/* Strict UTF-8 (RFC 3629): no overlongs, no surrogates, nothing above U+10FFFF. */
static int strict_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned char c = *p;
        int n = c < 0x80                 ? 0
                : c >= 0xc2 && c <= 0xdf ? 1
                : c >= 0xe0 && c <= 0xef ? 2
                : c >= 0xf0 && c <= 0xf4 ? 3
                                         : -1;
        if (n < 0)
            return 0;
        unsigned lo = 0x80, hi = 0xbf;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
        else if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
        p++;
        for (int i = 0; i < n; i++, p++) {
            if (*p < (i == 0 ? lo : 0x80) || *p > (i == 0 ? hi : 0xbf))
                return 0;
        }
    }
    return 1;
}

#define FFFD "\xef\xbf\xbd"

static void test_invalid_utf8_label_replaced(void **state)
{
    (void)state;
    sl_format_cfg c = cfg5424();
    vmon_alert a = make_alert();
    /* A stray byte, a cut 2-byte lead, an overlong, a surrogate, a cut
     * 3-byte sequence, then valid text. */
    vmon_label l[] = {{"alertname", "p95"},
                      {"node", "a\xff"
                               "b\xc3("
                               "c\xc0\xaf"
                               "d\xed\xa0\x80"
                               "e\xe2\x82"
                               "f\xc3\xa9"}};
    a.labels = l;
    a.n_labels = 2;
    char buf[4096];
    sl_format_record(&c, &a, T0, buf, sizeof buf);
    assert_true(strict_utf8(buf));
    /* One U+FFFD per maximal ill-formed subpart (Unicode 3.9, W3C practice). */
    assert_non_null(strstr(buf, " node=\"a" FFFD "b" FFFD "(c" FFFD FFFD "d" FFFD FFFD FFFD "e" FFFD
                                "f\xc3\xa9\""));
}

static void test_invalid_utf8_message_replaced(void **state)
{
    (void)state;
    for (int f = SL_RFC3164; f <= SL_RFC5424; f++) {
        sl_format_cfg c = cfg5424();
        c.format = f;
        vmon_alert a = make_alert();
        a.message = "bad \xf5\x80 end";
        char buf[4096];
        sl_format_record(&c, &a, T0, buf, sizeof buf);
        assert_true(strict_utf8(buf));
        assert_non_null(strstr(buf, "bad " FFFD FFFD " end"));
    }
}

static void test_long_label_left_out_whole(void **state)
{
    (void)state;
    static char big[3601];
    memset(big, 'v', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    vmon_label l[] = {{"alertname", "p95"}, {"big", big}, {"zone", "eu"}};
    vmon_alert a = make_alert();
    a.labels = l;
    a.n_labels = 3;
    sl_format_cfg c = cfg5424();
    static char buf[65536];

    c.max_record = 2048; /* too small for it: left out, the others stay */
    size_t n = sl_format_record(&c, &a, T0, buf, sizeof buf);
    assert_true(n <= 2048);
    assert_null(strstr(buf, " big="));
    assert_non_null(strstr(buf, " zone=\"eu\""));
    assert_non_null(strstr(buf, "FIRING p95: search p95 above 200 ms"));

    c.max_record = 8192; /* room for it: there whole, not cut */
    n = sl_format_record(&c, &a, T0, buf, sizeof buf);
    assert_true(n <= 8192);
    const char *at = strstr(buf, " big=\"");
    assert_non_null(at);
    assert_int_equal(strspn(at + 6, "v"), 3600);
    assert_int_equal(at[6 + 3600], '"');
    assert_non_null(strstr(buf, " zone=\"eu\""));
}

static void test_long_message_uses_the_whole_record(void **state)
{
    (void)state;
    static char msg[20001];
    memset(msg, 'm', sizeof msg - 1);
    msg[sizeof msg - 1] = '\0';
    vmon_alert a = make_alert();
    a.message = msg;
    for (int f = SL_RFC3164; f <= SL_RFC5424; f++) {
        sl_format_cfg c = cfg5424();
        c.format = f;
        c.max_record = 16384;
        static char buf[65536];
        size_t n = sl_format_record(&c, &a, T0, buf, sizeof buf);
        assert_int_equal(n, 16384);
        assert_int_equal(strlen(buf), n);
    }
}

static vmon_event make_event(void)
{
    static const vmon_label labels[] = {{"collection", "docs"}, {"pipeline", "autotune"}};
    static const vmon_label fields[] = {{"a.nprobe", "16"}, {"b.nprobe", "11"}};
    vmon_event e = {.struct_size = sizeof e,
                    .type = VMON_EVENT_PROMOTION,
                    .n_labels = 2,
                    .n_fields = 2,
                    .sequence = 7,
                    .time_ms = T0,
                    .type_name = "promotion",
                    .pipeline = "autotune",
                    .labels = labels,
                    .fields = fields,
                    .message = "B promoted",
                    .idempotency_key = "autotune-promotion-7"};
    return e;
}

/* Events have their own MSGID and SD elements, and info severity: never taken for an alert. */
static void test_event_rfc5424(void **state)
{
    (void)state;
    sl_format_cfg c = cfg5424();
    c.event_msgid = "event";
    vmon_event e = make_event();
    char buf[4096];
    size_t n = sl_format_event_record(&c, &e, T0, buf, sizeof buf);
    assert_int_equal(n, strlen(buf));
    /* PRI = 16 * 8 + info (6) = 134 */
    assert_non_null(strstr(buf, "<134>1 2025-11-21T05:00:00.123Z host1 vmond 42 event "));
    assert_non_null(strstr(buf, "[vmonEvent@32473 type=\"promotion\" sequence=\"7\" "
                                "key=\"autotune-promotion-7\" pipeline=\"autotune\""));
    assert_non_null(strstr(buf, "[vmon@32473 collection=\"docs\" pipeline=\"autotune\"]"));
    assert_non_null(strstr(buf, "[vmonFields@32473 a.nprobe=\"16\" b.nprobe=\"11\"]"));
    assert_non_null(strstr(buf, "] EVENT promotion #7: B promoted (a.nprobe=16 b.nprobe=11)"));
    assert_null(strstr(buf, "FIRING"));
    e.severity = VMON_SEV_WARNING;
    sl_format_event_record(&c, &e, T0, buf, sizeof buf);
    assert_non_null(strstr(buf, "<132>1 "));
}

static void test_event_rfc3164_and_small_record(void **state)
{
    (void)state;
    sl_format_cfg c = cfg5424();
    c.format = SL_RFC3164;
    vmon_event e = make_event();
    char buf[4096];
    sl_format_event_record(&c, &e, T0, buf, sizeof buf);
    assert_non_null(strstr(
        buf, "vmond[42]: EVENT promotion #7 [collection=docs pipeline=autotune]: B promoted"));
    c.format = SL_RFC5424;
    c.max_record = 120; /* the elements give way; the record stays in bounds */
    size_t n = sl_format_event_record(&c, &e, T0, buf, sizeof buf);
    assert_true(n <= 120);
    assert_int_equal(n, strlen(buf));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc5424_layout),
        cmocka_unit_test(test_severity_mapping),
        cmocka_unit_test(test_crlf_cannot_forge_a_record),
        cmocka_unit_test(test_sd_escaping_and_names),
        cmocka_unit_test(test_header_fields_sanitised),
        cmocka_unit_test(test_truncated_on_utf8_boundary),
        cmocka_unit_test(test_many_labels_keep_message),
        cmocka_unit_test(test_rfc3164_local_layout),
        cmocka_unit_test(test_no_values_no_numbers),
        cmocka_unit_test(test_invalid_utf8_label_replaced),
        cmocka_unit_test(test_invalid_utf8_message_replaced),
        cmocka_unit_test(test_long_label_left_out_whole),
        cmocka_unit_test(test_long_message_uses_the_whole_record),
        cmocka_unit_test(test_event_rfc5424),
        cmocka_unit_test(test_event_rfc3164_and_small_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
