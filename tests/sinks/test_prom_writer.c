/*
 * The prometheus sink's exposition writer: names, escaping, values, types
 * (counters, histogram families), staleness by the source's interval, the
 * series limit with its counted and logged drops, firing alerts, and the
 * tuning loop's events as the vmon_tuning_* families.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "prom_name.h"
#include "prom_store.h"
#include "prom_text.h"

typedef struct logbook {
    int n;
    char last[1024];
} logbook;

static void note(void *arg, const char *msg)
{
    logbook *l = arg;
    l->n++;
    snprintf(l->last, sizeof l->last, "%s", msg);
}

static prom_store *store(uint32_t max_series, logbook *l)
{
    prom_store_cfg cfg = {
        .max_series = max_series, .stale_after_ms = 60000, .log = note, .log_arg = l};
    prom_store *s = prom_store_new(&cfg);
    assert_non_null(s);
    return s;
}

static char *render(prom_store *s, int64_t now)
{
    size_t len = 0;
    char *text = prom_store_render(s, now, &len);
    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    assert_true(len > 0 && text[len - 1] == '\n');
    return text;
}

static void has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p++)
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return;
    fail_msg("no line '%s' in:\n%s", line, text);
}

static void lacks(const char *text, const char *needle)
{
    if (strstr(text, needle))
        fail_msg("'%s' should not be in:\n%s", needle, text);
}

static char *put(void (*fn)(FILE *, const char *), const char *in)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fn(f, in);
    fclose(f);
    return buf;
}

static char *value_text(double v)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    prom_put_value(f, v);
    fclose(f);
    return buf;
}

static void test_names(void **state)
{
    (void)state;
    char *m = prom_metric_name("proxy.search_latency_p95_ms", 27);
    assert_string_equal(m, "vmon_proxy_search_latency_p95_ms");
    free(m);
    m = prom_metric_name("a.b-c:d\xc3\xa9", 9);
    assert_string_equal(m, "vmon_a_b_c_d__");
    free(m);
    static const char *const cases[][2] = {
        {"collection", "collection"},
        {"instance", "instance"},
        {"job", "job"},
        {"a-b", "a_b"},
        {"9lives", "_9lives"},
        {"", "_"},
        {"__name__", "x__name__"},
        {"_ok", "_ok"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *l = prom_label_name(cases[i][0]);
        assert_string_equal(l, cases[i][1]);
        free(l);
    }
}

static void test_escaping_and_values(void **state)
{
    (void)state;
    char *t = put(prom_put_label_value, "C:\\tmp \"q\"\nline");
    assert_string_equal(t, "C:\\\\tmp \\\"q\\\"\\nline");
    free(t);
    t = put(prom_put_help, "a \"b\" \\ c\nd");
    assert_string_equal(t, "a \"b\" \\\\ c\\nd");
    free(t);
    t = put(prom_put_label_value, "ok\xff\xc3\xa9");
    assert_string_equal(t, "ok\xef\xbf\xbd\xc3\xa9"); /* ill-formed byte -> U+FFFD */
    free(t);
    static const struct {
        double v;
        const char *want;
    } vals[] = {{NAN, "NaN"},   {INFINITY, "+Inf"}, {-INFINITY, "-Inf"}, {0, "0"},
                {1027, "1027"}, {0.1, "0.1"},       {-2.5, "-2.5"},      {1e21, "1e+21"}};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        t = value_text(vals[i].v);
        assert_string_equal(t, vals[i].want);
        free(t);
    }
    /* Shortest text that reads back exactly. */
    t = value_text(1.0 / 3);
    assert_true(strtod(t, NULL) == 1.0 / 3);
    free(t);
}

static void test_gauge_line_with_escaped_labels(void **state)
{
    (void)state;
    logbook l = {0};
    prom_store *s = store(0, &l);
    vmon_label labels[] = {{"collection", "x"}, {"instance", "p"}, {"note", "a\"b\\c\nd"}};
    vmon_sample x = {.struct_size = sizeof x,
                     .name = "proxy.search_latency_p95_ms",
                     .labels = labels,
                     .n_labels = 3,
                     .value = 12.5};
    prom_store_update(s, "probe:p", &x, 1, 1000);
    char *text = render(s, 1000);
    has_line(text,
             "# HELP vmon_proxy_search_latency_p95_ms vmon sample proxy.search_latency_p95_ms");
    has_line(text, "# TYPE vmon_proxy_search_latency_p95_ms gauge");
    has_line(text, "vmon_proxy_search_latency_p95_ms{collection=\"x\",instance=\"p\","
                   "note=\"a\\\"b\\\\c\\nd\"} 12.5");
    has_line(text, "vmon_prometheus_series 1");
    free(text);
    /* A later value replaces the earlier one: still one series. */
    x.value = NAN;
    prom_store_update(s, "probe:p", &x, 1, 2000);
    text = render(s, 2000);
    has_line(text, "vmon_proxy_search_latency_p95_ms{collection=\"x\",instance=\"p\","
                   "note=\"a\\\"b\\\\c\\nd\"} NaN");
    assert_int_equal(prom_store_series(s), 1);
    free(text);
    prom_store_free(s);
}

static void test_counter_and_histogram_families(void **state)
{
    (void)state;
    logbook l = {0};
    prom_store *s = store(0, &l);
    vmon_label c = {"collection", "c1"};
    vmon_label b1[] = {{"collection", "c1"}, {"le", "10"}};
    vmon_label b2[] = {{"collection", "c1"}, {"le", "+Inf"}};
    vmon_label b3[] = {{"collection", "c1"}, {"le", "0.5"}};
    vmon_sample x[] = {
        {.struct_size = sizeof x[0],
         .name = "proxy.search_requests_total",
         .labels = &c,
         .n_labels = 1,
         .value = 42,
         .type = VMON_SAMPLE_COUNTER},
        /* Parts out of order: the writer orders buckets by bound, then _sum, _count. */
        {.struct_size = sizeof x[0],
         .name = "proxy.lat_ms_count",
         .labels = &c,
         .n_labels = 1,
         .value = 9,
         .type = VMON_SAMPLE_HISTOGRAM_COUNT},
        {.struct_size = sizeof x[0],
         .name = "proxy.lat_ms_bucket",
         .labels = b2,
         .n_labels = 2,
         .value = 9,
         .type = VMON_SAMPLE_HISTOGRAM_BUCKET},
        {.struct_size = sizeof x[0],
         .name = "proxy.lat_ms_bucket",
         .labels = b1,
         .n_labels = 2,
         .value = 7,
         .type = VMON_SAMPLE_HISTOGRAM_BUCKET},
        {.struct_size = sizeof x[0],
         .name = "proxy.lat_ms_sum",
         .labels = &c,
         .n_labels = 1,
         .value = 33.5,
         .type = VMON_SAMPLE_HISTOGRAM_SUM},
        {.struct_size = sizeof x[0],
         .name = "proxy.lat_ms_bucket",
         .labels = b3,
         .n_labels = 2,
         .value = 1,
         .type = VMON_SAMPLE_HISTOGRAM_BUCKET},
    };
    prom_store_update(s, "probe:p", x, 6, 1000);
    char *text = render(s, 1000);
    has_line(text, "# TYPE vmon_proxy_search_requests_total counter");
    has_line(text, "vmon_proxy_search_requests_total{collection=\"c1\"} 42");
    const char *want = "# HELP vmon_proxy_lat_ms vmon sample proxy.lat_ms\n"
                       "# TYPE vmon_proxy_lat_ms histogram\n"
                       "vmon_proxy_lat_ms_bucket{collection=\"c1\",le=\"0.5\"} 1\n"
                       "vmon_proxy_lat_ms_bucket{collection=\"c1\",le=\"10\"} 7\n"
                       "vmon_proxy_lat_ms_bucket{collection=\"c1\",le=\"+Inf\"} 9\n"
                       "vmon_proxy_lat_ms_sum{collection=\"c1\"} 33.5\n"
                       "vmon_proxy_lat_ms_count{collection=\"c1\"} 9\n";
    if (!strstr(text, want))
        fail_msg("histogram family not as one group:\n%s", text);
    /* One TYPE line per family. */
    int types = 0;
    for (const char *p = text; (p = strstr(p, "# TYPE vmon_proxy_lat_ms")); p++)
        types++;
    assert_int_equal(types, 1);
    free(text);
    prom_store_free(s);
}

static void test_type_conflict_dropped_and_counted(void **state)
{
    (void)state;
    logbook l = {0};
    prom_store *s = store(0, &l);
    vmon_sample g = {.struct_size = sizeof g, .name = "a.b_total", .value = 1};
    vmon_sample c = {
        .struct_size = sizeof c, .name = "a.b_total", .value = 2, .type = VMON_SAMPLE_COUNTER};
    /* `a.b-total` maps onto the same name as a.b_total. */
    vmon_sample d = {
        .struct_size = sizeof d, .name = "a.b-total", .value = 3, .type = VMON_SAMPLE_COUNTER};
    prom_store_update(s, "probe:p", &g, 1, 1000);
    prom_store_update(s, "probe:p", &c, 1, 1000);
    prom_store_update(s, "probe:p", &d, 1, 1000);
    assert_int_equal(prom_store_dropped(s, PROM_DROP_TYPE_CONFLICT), 2);
    assert_int_equal(l.n, 1); /* once for the family */
    assert_non_null(strstr(l.last, "vmon_a_b_total"));
    char *text = render(s, 1000);
    has_line(text, "# TYPE vmon_a_b_total gauge");
    has_line(text, "vmon_a_b_total 1");
    has_line(text, "vmon_prometheus_dropped_samples_total{reason=\"type_conflict\"} 2");
    free(text);
    prom_store_free(s);
}

static void test_series_go_after_two_source_intervals(void **state)
{
    (void)state;
    logbook l = {0};
    prom_store *s = store(0, &l);
    vmon_label one = {"k", "one"}, two = {"k", "two"};
    vmon_sample both[] = {
        {.struct_size = sizeof both[0], .name = "sys.x", .labels = &one, .n_labels = 1, .value = 1},
        {.struct_size = sizeof both[0],
         .name = "sys.x",
         .labels = &two,
         .n_labels = 1,
         .value = 2}};
    /* One reading only: the interval is unknown, stale_after (60 s) applies. */
    prom_store_update(s, "probe:s", both, 2, 0);
    char *text = render(s, 60000);
    has_line(text, "vmon_sys_x{k=\"two\"} 2");
    free(text);
    text = render(s, 60001);
    lacks(text, "vmon_sys_x");
    has_line(text, "vmon_prometheus_series 0");
    free(text);

    /* Readings 10 s apart; the second no longer has k=two. */
    prom_store_update(s, "probe:s", both, 2, 100000);
    prom_store_update(s, "probe:s", both, 1, 110000);
    text = render(s, 120000); /* k=two last seen 20 s ago: two intervals, still there */
    has_line(text, "vmon_sys_x{k=\"two\"} 2");
    free(text);
    text = render(s, 120001);
    lacks(text, "k=\"two\"");
    has_line(text, "vmon_sys_x{k=\"one\"} 1");
    free(text);
    /* The source stops: its last series goes two intervals after its last reading. */
    text = render(s, 130000);
    has_line(text, "vmon_sys_x{k=\"one\"} 1");
    free(text);
    text = render(s, 130001);
    lacks(text, "vmon_sys_x");
    free(text);

    /* Another source's interval does not shorten this one's. */
    prom_store_update(s, "vmon", both, 1, 200000);
    prom_store_update(s, "vmon", both, 1, 201000);
    prom_store_update(s, "probe:slow", &both[1], 1, 201000);
    prom_store_update(s, "probe:slow", &both[1], 1, 261000); /* 60 s interval */
    text = render(s, 380000);
    has_line(text, "vmon_sys_x{k=\"two\"} 2");
    lacks(text, "k=\"one\""); /* vmon's: 1 s interval, gone */
    free(text);
    prom_store_free(s);
}

static void test_max_series_drops_are_counted_and_logged_once(void **state)
{
    (void)state;
    logbook l = {0};
    prom_store *s = store(3, &l);
    char v[8][8];
    vmon_label lab[8];
    vmon_sample x[8];
    for (int i = 0; i < 8; i++) {
        snprintf(v[i], sizeof v[i], "%d", i);
        lab[i] = (vmon_label){"i", v[i]};
        x[i] = (vmon_sample){.struct_size = sizeof x[i],
                             .name = i < 5 ? "a.b" : "a.c",
                             .labels = &lab[i],
                             .n_labels = 1,
                             .value = i};
    }
    prom_store_update(s, "probe:p", x, 5, 1000);
    assert_int_equal(prom_store_series(s), 3);
    assert_int_equal(prom_store_dropped(s, PROM_DROP_MAX_SERIES), 2);
    assert_int_equal(l.n, 1);
    assert_non_null(strstr(l.last, "vmon_a_b"));
    assert_non_null(strstr(l.last, "max_series (3)"));
    /* Known series still update; a new family's drop is logged once more. */
    x[0].value = 100;
    prom_store_update(s, "probe:p", x, 8, 2000);
    assert_int_equal(prom_store_dropped(s, PROM_DROP_MAX_SERIES), 2 + 5);
    assert_int_equal(l.n, 2);
    assert_non_null(strstr(l.last, "vmon_a_c"));
    char *text = render(s, 2000);
    has_line(text, "vmon_a_b{i=\"0\"} 100");
    lacks(text, "i=\"3\"");
    lacks(text, "vmon_a_c"); /* a family with no series has no HELP/TYPE either */
    has_line(text, "# TYPE vmon_prometheus_dropped_samples_total counter");
    has_line(text, "vmon_prometheus_dropped_samples_total{reason=\"max_series\"} 7");
    has_line(text, "vmon_prometheus_series 3");
    free(text);
    /* When series go stale (two 1 s intervals after 2000), new ones fit again. */
    text = render(s, 4001);
    has_line(text, "vmon_prometheus_series 0");
    free(text);
    prom_store_update(s, "probe:p", &x[5], 3, 4001);
    assert_int_equal(prom_store_series(s), 3);
    text = render(s, 4001);
    has_line(text, "vmon_a_c{i=\"7\"} 7");
    free(text);
    prom_store_free(s);
}

static void test_firing_alerts_exported_until_resolved(void **state)
{
    (void)state;
    logbook l = {0};
    prom_store *s = store(0, &l);
    vmon_label labels[] = {{"alertname", "mem_high"}, {"instance", "sys"}, {"severity", "x"}};
    vmon_alert a = {.struct_size = sizeof a,
                    .severity = VMON_SEV_WARNING,
                    .state = VMON_ALERT_FIRING,
                    .rule = "mem_high",
                    .labels = labels,
                    .n_labels = 3,
                    .fingerprint = "0123456789abcdef"};
    prom_store_alert(s, &a);
    prom_store_alert(s, &a); /* a repeat: still one series */
    char *text = render(s, 1000);
    has_line(text, "# TYPE vmon_alerts_firing gauge");
    has_line(text, "vmon_alerts_firing{instance=\"sys\",rule=\"mem_high\",severity=\"warning\"} 1");
    free(text);
    a.state = VMON_ALERT_RESOLVED;
    prom_store_alert(s, &a);
    text = render(s, 1000);
    lacks(text, "vmon_alerts_firing");
    free(text);
    prom_store_free(s);
}

/* An event of the tuning loop as the core hands it over (fields "name=value" ...). */
static vmon_event tuning_event(uint32_t type, const char *pipeline, vmon_label *labels,
                               uint32_t n_labels, vmon_label *fields, const char *const *kv)
{
    uint32_t n = 0;
    static char names[32][32];
    for (; kv && kv[n]; n++) {
        const char *eq = strchr(kv[n], '=');
        snprintf(names[n], sizeof names[n], "%.*s", (int)(eq - kv[n]), kv[n]);
        fields[n] = (vmon_label){names[n], eq + 1};
    }
    return (vmon_event){.struct_size = sizeof(vmon_event),
                        .type = type,
                        .pipeline = pipeline,
                        .labels = labels,
                        .n_labels = n_labels,
                        .fields = fields,
                        .n_fields = n};
}

static void event(prom_store *s, uint32_t type, const char *const *kv, int64_t now)
{
    vmon_label labels[] = {{"collection", "docs"}, {"experiment", "7"}, {"pipeline", "tune"}};
    vmon_label fields[32];
    vmon_event e = tuning_event(type, "tune", labels, 3, fields, kv);
    prom_store_event(s, &e, now);
}

#define ID "collection=\"docs\",pipeline=\"tune\""

static void test_tuning_events_become_the_loops_state(void **state)
{
    (void)state;
    logbook l = {0};
    prom_store *s = store(0, &l);
    static const char *const baseline[] = {"a.top_k=10",
                                           "a.nprobe=64",
                                           "baseline.count=900",
                                           "baseline.p95_ms=2.5",
                                           "baseline.qps=250",
                                           "baseline.recall=0.98",
                                           "baseline.recall_exact=0",
                                           NULL};
    event(s, VMON_EVENT_BASELINE, baseline, 1000);
    char *text = render(s, 1000);
    has_line(text, "# TYPE vmon_tuning_param gauge");
    has_line(
        text,
        "vmon_tuning_param{arm=\"a\",collection=\"docs\",param=\"nprobe\",pipeline=\"tune\"} 64");
    has_line(
        text,
        "vmon_tuning_param{arm=\"a\",collection=\"docs\",param=\"top_k\",pipeline=\"tune\"} 10");
    lacks(text, "arm=\"b\",collection=\"docs\",param="); /* no B outside an experiment */
    lacks(text, "param=\"count\"");                      /* figures are not parameters */
    has_line(text, "vmon_tuning_arm_weight{arm=\"a\"," ID "} 1");
    has_line(text, "vmon_tuning_arm_weight{arm=\"b\"," ID "} 0");
    has_line(text, "vmon_tuning_experiment_running{" ID "} 0");
    has_line(text, "vmon_tuning_ramp_step{" ID "} 0");
    has_line(text, "vmon_tuning_baseline_p95_ms{" ID "} 2.5");
    has_line(text, "vmon_tuning_baseline_qps{" ID "} 250");
    has_line(text, "# TYPE vmon_tuning_verdicts_total counter");
    has_line(text, "vmon_tuning_verdicts_total{" ID ",verdict=\"promote\"} 0");
    has_line(text, "vmon_tuning_events_total{" ID ",type=\"baseline\"} 1");
    lacks(text, "experiment=\""); /* the experiment number would grow without bound */
    free(text);

    static const char *const start[] = {"reason=latency_degraded",
                                        "a.top_k=10",
                                        "a.nprobe=64",
                                        "b.top_k=10",
                                        "b.nprobe=16",
                                        "a.weight=0.9",
                                        "b.weight=0.1",
                                        "current.p95_ms=4",
                                        NULL};
    event(s, VMON_EVENT_EXPERIMENT_START, start, 2000);
    text = render(s, 2000);
    has_line(
        text,
        "vmon_tuning_param{arm=\"b\",collection=\"docs\",param=\"nprobe\",pipeline=\"tune\"} 16");
    has_line(
        text,
        "vmon_tuning_param{arm=\"a\",collection=\"docs\",param=\"nprobe\",pipeline=\"tune\"} 64");
    has_line(text, "vmon_tuning_arm_weight{arm=\"a\"," ID "} 0.9");
    has_line(text, "vmon_tuning_arm_weight{arm=\"b\"," ID "} 0.1");
    has_line(text, "vmon_tuning_experiment_running{" ID "} 1");
    has_line(text, "vmon_tuning_experiment_paused{" ID "} 0");
    has_line(text, "vmon_tuning_ramp_step{" ID "} 1");
    free(text);

    /* A verdict with only B's weight: A has the rest. Then the step it allows. */
    static const char *const advance[] = {"verdict=advance", "step=1",      "b.weight=0.1",
                                          "a.nprobe=64",     "b.nprobe=16", "a.count=900",
                                          "b.count=100",     "b.p95_ms=2",  NULL};
    event(s, VMON_EVENT_VERDICT, advance, 3000);
    static const char *const ramp[] = {
        "step=2", "steps=4", "a.weight=0.75", "b.weight=0.25", "a.nprobe=64", "b.nprobe=16", NULL};
    event(s, VMON_EVENT_RAMP_STEP, ramp, 3000);
    static const char *const pause[] = {"reason=operator", "step=2",      "b.weight=0.25",
                                        "a.nprobe=64",     "b.nprobe=16", NULL};
    event(s, VMON_EVENT_PAUSE, pause, 3500);
    text = render(s, 3500);
    has_line(text, "vmon_tuning_verdicts_total{" ID ",verdict=\"advance\"} 1");
    has_line(text, "vmon_tuning_ramp_step{" ID "} 2");
    has_line(text, "vmon_tuning_arm_weight{arm=\"a\"," ID "} 0.75");
    has_line(text, "vmon_tuning_experiment_paused{" ID "} 1");
    free(text);
    static const char *const resume_restart[] = {"reason=restart", "step=2", "b.weight=0.25", NULL};
    event(s, VMON_EVENT_RESUME, resume_restart, 3600);
    text = render(s, 3600);
    has_line(text, "vmon_tuning_experiment_paused{" ID "} 1"); /* only the operator's resumes */
    free(text);
    static const char *const resume[] = {"reason=operator", "step=2", "b.weight=0.25", NULL};
    event(s, VMON_EVENT_RESUME, resume, 3700);

    /* Promotion: B's parameters are A's, B's series go, all traffic on A. */
    static const char *const promote[] = {"verdict=promote", "step=3",      "b.weight=0.5",
                                          "a.nprobe=64",     "b.nprobe=16", NULL};
    event(s, VMON_EVENT_VERDICT, promote, 4000);
    static const char *const promotion[] = {"a.top_k=10",  "a.nprobe=64",         "b.top_k=10",
                                            "b.nprobe=16", "baseline.p95_ms=2.5", NULL};
    event(s, VMON_EVENT_PROMOTION, promotion, 4000);
    /* Long after: the loop's state never goes stale (no source interval applies). */
    text = render(s, 4000 + 86400000);
    has_line(
        text,
        "vmon_tuning_param{arm=\"a\",collection=\"docs\",param=\"nprobe\",pipeline=\"tune\"} 16");
    lacks(text, "arm=\"b\",collection=\"docs\",param=");
    has_line(text, "vmon_tuning_arm_weight{arm=\"b\"," ID "} 0");
    has_line(text, "vmon_tuning_experiment_running{" ID "} 0");
    has_line(text, "vmon_tuning_experiment_paused{" ID "} 0");
    has_line(text, "vmon_tuning_verdicts_total{" ID ",verdict=\"promote\"} 1");
    has_line(text, "vmon_tuning_verdicts_total{" ID ",verdict=\"advance\"} 1");
    has_line(text, "vmon_tuning_events_total{" ID ",type=\"verdict\"} 2");
    has_line(text, "vmon_tuning_events_total{" ID ",type=\"promotion\"} 1");
    has_line(text, "vmon_tuning_baseline_p95_ms{" ID "} 2.5"); /* until the next baseline */
    free(text);

    /* An operator's rollback of that promotion (no b.weight): B, the previous, is A again. */
    static const char *const undo[] = {"reason=operator", "a.nprobe=16", "b.nprobe=64", NULL};
    event(s, VMON_EVENT_ROLLBACK, undo, 5000);
    text = render(s, 5000);
    has_line(
        text,
        "vmon_tuning_param{arm=\"a\",collection=\"docs\",param=\"nprobe\",pipeline=\"tune\"} 64");
    free(text);
    /* A kept experiment ends at its verdict; an unknown verdict counts as "other". */
    static const char *const start2[] = {"a.nprobe=64", "b.ef=40", "a.weight=0.9", "b.weight=0.1",
                                         NULL};
    event(s, VMON_EVENT_EXPERIMENT_START, start2, 6000);
    static const char *const keep[] = {"verdict=keep", "step=1",  "b.weight=0.1",
                                       "a.nprobe=64",  "b.ef=40", NULL};
    event(s, VMON_EVENT_VERDICT, keep, 6500);
    static const char *const odd[] = {"verdict=maybe", "step=1", NULL};
    event(s, VMON_EVENT_VERDICT, odd, 6600);
    text = render(s, 6600);
    lacks(text, "param=\"ef\"");
    has_line(text, "vmon_tuning_verdicts_total{" ID ",verdict=\"keep\"} 1");
    has_line(text, "vmon_tuning_verdicts_total{" ID ",verdict=\"other\"} 1");
    lacks(text, "maybe");
    free(text);
    prom_store_free(s);
}

static void test_tuning_series_count_in_max_series(void **state)
{
    (void)state;
    logbook l = {0};
    prom_store *s = store(12, &l);
    static const char *const baseline[] = {"a.nprobe=64", "baseline.p95_ms=2", NULL};
    event(s, VMON_EVENT_BASELINE, baseline, 1000);
    /* events_total 1, verdicts 4, param 1, p95 1, running, paused, step, 2 weights: 12 */
    assert_int_equal(prom_store_series(s), 12);
    assert_int_equal(prom_store_dropped(s, PROM_DROP_MAX_SERIES), 0);
    static const char *const start[] = {"a.nprobe=64", "b.nprobe=16", "a.weight=0.9",
                                        "b.weight=0.1", NULL};
    event(s, VMON_EVENT_EXPERIMENT_START, start, 2000);
    assert_int_equal(prom_store_series(s), 12);
    assert_true(prom_store_dropped(s, PROM_DROP_MAX_SERIES) >= 2); /* its events_total, B */
    assert_non_null(strstr(l.last, "max_series (12)"));
    char *text = render(s, 2000);
    has_line(text, "vmon_tuning_experiment_running{" ID "} 1"); /* known series still update */
    lacks(text, "arm=\"b\",collection=\"docs\",param=");
    free(text);
    /* A second loop has no room; a sample series neither. */
    vmon_label lab = {"k", "v"};
    vmon_sample x = {.struct_size = sizeof x, .name = "sys.x", .labels = &lab, .n_labels = 1};
    prom_store_update(s, "probe:p", &x, 1, 2000);
    assert_int_equal(prom_store_series(s), 12);
    prom_store_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_escaping_and_values),
        cmocka_unit_test(test_gauge_line_with_escaped_labels),
        cmocka_unit_test(test_counter_and_histogram_families),
        cmocka_unit_test(test_type_conflict_dropped_and_counted),
        cmocka_unit_test(test_series_go_after_two_source_intervals),
        cmocka_unit_test(test_max_series_drops_are_counted_and_logged_once),
        cmocka_unit_test(test_firing_alerts_exported_until_resolved),
        cmocka_unit_test(test_tuning_events_become_the_loops_state),
        cmocka_unit_test(test_tuning_series_count_in_max_series),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
