/*
 * Text the monitored server chose (a collection name, a label value, a
 * message) cannot forge a line of the stdout sink's human output: every
 * formatter escapes control bytes, so one record stays the lines it draws.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "component_format.h"
#include "event_format.h"
#include "report_format.h"

#define FORGED "x\n[FIRING] 2026-01-01T00:00:00Z critical forged: owned\r"

typedef struct {
    char *buf;
    size_t len;
    FILE *f;
} capture;

static void open_capture(capture *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    assert_non_null(c->f);
}

/* The forged text never begins a line, and no raw CR is written. */
static void assert_not_forged(capture *c)
{
    fclose(c->f);
    if (strstr(c->buf, "\n[FIRING] 2026-01-01") || strchr(c->buf, '\r'))
        fail_msg("a forged line in:\n%s", c->buf);
    if (!strstr(c->buf, "x\\n[FIRING]"))
        fail_msg("the text is not shown escaped in:\n%s", c->buf);
    free(c->buf);
}

static void test_event_labels_fields_and_message(void **state)
{
    (void)state;
    vmon_label labels[] = {{"collection", FORGED}};
    vmon_label fields[] = {{"a.nprobe", FORGED}, {"b.nprobe", "11"}, {"reason", FORGED}};
    vmon_event e = {.struct_size = sizeof e,
                    .type = VMON_EVENT_EXPERIMENT_START,
                    .n_labels = 1,
                    .n_fields = 3,
                    .sequence = 1,
                    .time_ms = 1764620193000,
                    .type_name = "experiment_start",
                    .pipeline = "p",
                    .labels = labels,
                    .fields = fields,
                    .message = FORGED,
                    .idempotency_key = "k"};
    capture c;
    open_capture(&c);
    format_event(c.f, &e);
    assert_not_forged(&c);
}

static void test_report_line_labels(void **state)
{
    (void)state;
    vmon_label labels[] = {{"collection", FORGED}, {"instance", "mv"}};
    vmon_sample s = {.struct_size = sizeof s,
                     .n_labels = 2,
                     .name = "proxy.search_qps",
                     .labels = labels,
                     .value = 3.0,
                     .time_ms = 1764620193000};
    capture c;
    open_capture(&c);
    format_report(c.f, "probe:p", &s, 1);
    assert_not_forged(&c);
}

static void test_alert_line(void **state)
{
    (void)state;
    vmon_label labels[] = {{"alertname", "r"}, {"collection", FORGED}};
    vmon_label notes[] = {{"summary", FORGED}};
    vmon_alert a = {.struct_size = sizeof a,
                    .severity = 1,
                    .state = VMON_ALERT_FIRING,
                    .n_labels = 2,
                    .n_annotations = 1,
                    .rule = "r",
                    .component = "proxy",
                    .labels = labels,
                    .annotations = notes,
                    .message = FORGED,
                    .fingerprint = "0123456789abcdef",
                    .idempotency_key = "k",
                    .starts_at_ms = 1764620193000};
    capture c;
    open_capture(&c);
    format_alert_line(c.f, &a);
    assert_not_forged(&c);
}

static void test_component_table_cells(void **state)
{
    (void)state;
    vmon_label labels[] = {{"segment_id", "1"},
                           {"node_id", "7"},
                           {"state", "Sealed"},
                           {"index_type", "HNSW"},
                           {"collection", FORGED}};
    vmon_sample s = {.struct_size = sizeof s,
                     .n_labels = 5,
                     .name = "querynode.segment_rows",
                     .labels = labels,
                     .value = 1000,
                     .time_ms = 1764620193000};
    assert_true(component_report_wanted(&s, 1));
    capture c;
    open_capture(&c);
    component_report(c.f, "probe:q", &s, 1, 0);
    assert_not_forged(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_labels_fields_and_message),
        cmocka_unit_test(test_report_line_labels),
        cmocka_unit_test(test_alert_line),
        cmocka_unit_test(test_component_table_cells),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
