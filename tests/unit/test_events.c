/*
 * Events through the ABI to sinks: every type reaches a sink with
 * on_events, repeated events included, each with its own sequence number,
 * in order, across a reload (what SIGHUP runs) and a restart with a
 * state_dir; retried like alerts; spooled like alerts; a sink without
 * on_events never gets one, and never an event as an alert.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "event_publish.h"
#include "runtime.h"
#include "test_util.h"

#define N_TYPES 12

static vmon_plan load(const char *dir, const char *text)
{
    char *path = test_write_file(dir, "vmon.ini", text);
    vmon_plan plan;
    vmon_errors errs = {0};
    int rc = vmon_plan_load(path, VMON_TEST_PLUGIN_DIR, &plan, &errs);
    vmon_errors_print(&errs, stderr);
    assert_int_equal(rc, 0);
    vmon_errors_free(&errs);
    free(path);
    return plan;
}

static vmon_runtime *start(const char *dir, const char *text)
{
    vmon_plan plan = load(dir, text);
    char err[1024];
    vmon_runtime *rt = vmon_runtime_new(&plan, err, sizeof err);
    assert_non_null(rt);
    assert_int_equal(vmon_runtime_start(rt, 0, err, sizeof err), 0);
    return rt;
}

static vmon_runtime *reload(vmon_runtime *old, const char *dir, const char *text)
{
    vmon_plan plan = load(dir, text);
    char err[1024] = "";
    vmon_runtime *rt = vmon_runtime_reload(old, &plan, err, sizeof err);
    assert_non_null(rt);
    assert_ptr_not_equal(rt, old);
    return rt;
}

static char *read_in(const char *dir, const char *file)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    return test_read_file(path);
}

static int count_in(const char *dir, const char *file, const char *needle)
{
    char *text = read_in(dir, file);
    int n = text ? test_count_lines(text, needle) : 0;
    free(text);
    return n;
}

static int wait_count(const char *dir, const char *file, const char *needle, int n, int64_t ms)
{
    int64_t end = vmon_mono_ms() + ms;
    while (count_in(dir, file, needle) < n && vmon_mono_ms() < end)
        test_sleep_ms(10);
    return count_in(dir, file, needle);
}

static uint64_t publish(vmon_runtime *rt, uint32_t type, const char *step)
{
    vmon_label labels[] = {{"collection", "docs"}};
    vmon_label fields[] = {
        {VMON_EVF_A_NPROBE, "16"}, {VMON_EVF_B_NPROBE, "11"}, {VMON_EVF_REASON, step}};
    vmon_event_spec spec = {.type = type,
                            .severity = 0,
                            .n_labels = 1,
                            .n_fields = 3,
                            .labels = labels,
                            .fields = fields,
                            .message = step};
    return vmon_runtime_publish_event(rt, "p", &spec);
}

/*
 * Lines with `needle`, counted once per idempotency key: across a reload hand-over the batch in
 * flight is delivered at least once, maybe twice, with the same key (delivery.h).
 */
static int count_unique(const char *dir, const char *file, const char *needle)
{
    char *text = read_in(dir, file);
    char keys[256][64];
    int n = 0;
    for (char *save = NULL, *l = text ? strtok_r(text, "\n", &save) : NULL; l && n < 256;
         l = strtok_r(NULL, "\n", &save)) {
        const char *k = strstr(l, needle) ? strstr(l, "key=") : NULL;
        if (!k)
            continue;
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)strcspn(k, " "), k);
        int seen = 0;
        for (int i = 0; i < n && !seen; i++)
            seen = strcmp(keys[i], key) == 0;
        if (!seen)
            snprintf(keys[n++], sizeof keys[0], "%s", key);
    }
    free(text);
    return n;
}

/* The sequence numbers of the `event` lines, in file order. */
static size_t sequences(const char *dir, const char *file, uint64_t *out, size_t max)
{
    char *text = read_in(dir, file);
    size_t n = 0;
    for (char *save = NULL, *l = text ? strtok_r(text, "\n", &save) : NULL; l && n < max;
         l = strtok_r(NULL, "\n", &save)) {
        const char *s = strncmp(l, "event ", 6) == 0 ? strstr(l, " seq=") : NULL;
        if (s)
            out[n++] = strtoull(s + 5, NULL, 10);
    }
    free(text);
    return n;
}

#define SINKS                                                                                      \
    "[sink:rec]\nplugin = record\npath = rec.txt\nfail_first = %d\n"                               \
    "[sink:plain]\nplugin = noevents\npath = plain.txt\n"                                          \
    "[pipeline:p]\nsinks = rec, plain\n"

static void test_every_type_in_order_across_reload(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    char text[1024];
    snprintf(text, sizeof text, "[daemon]\nstate_dir = .\n" SINKS, 2);
    vmon_runtime *rt = start(dir, text);
    uint64_t published[4 * N_TYPES];
    size_t n = 0;
    for (uint32_t t = 1; t <= N_TYPES; t++) /* each type twice: repeats are events too */
        for (int rep = 0; rep < 2; rep++)
            published[n++] = publish(rt, t, rep ? "again" : "first");
    /* A reload with a changed sink: what it has queued goes to the replacement. */
    snprintf(text, sizeof text, "[daemon]\nstate_dir = .\n" SINKS, 1);
    rt = reload(rt, dir, text);
    for (uint32_t t = 1; t <= N_TYPES; t++)
        published[n++] = publish(rt, t, "after reload");
    int64_t end = vmon_mono_ms() + 10000;
    while (count_unique(dir, "rec.txt", "event ") < (int)n && vmon_mono_ms() < end)
        test_sleep_ms(10);
    assert_int_equal(count_unique(dir, "rec.txt", "event "), (int)n);
    vmon_runtime_stop(rt);

    /* Every event, in order; the only repeat allowed is the batch in flight at the hand-over,
     * delivered again right after itself with the same key. */
    uint64_t got[4 * N_TYPES + 8];
    size_t m = sequences(dir, "rec.txt", got, 4 * N_TYPES + 8);
    assert_true(m >= n && m <= n + 1);
    for (size_t i = 0, j = 0; i < m; i++) {
        if (i > 0 && got[i] == got[i - 1])
            continue;
        assert_int_equal(published[j], j + 1);
        assert_int_equal(got[i], published[j]);
        j++;
    }
    assert_int_equal(count_unique(dir, "rec.txt", "event degradation "), 3);
    assert_int_equal(count_unique(dir, "rec.txt", "event recommendation "), 3);
    assert_int_equal(count_unique(dir, "rec.txt", "labels=collection=docs,pipeline=p "), (int)n);
    assert_int_equal(count_unique(dir, "rec.txt", "fields=a.nprobe=16,b.nprobe=11,reason=again"),
                     N_TYPES);
    assert_int_equal(count_unique(dir, "rec.txt", "key=p-verdict-"), 3);
    assert_int_equal(count_in(dir, "rec.txt", "alert "), 0);
    assert_int_equal(count_in(dir, "plain.txt", "event"), 0);
    assert_int_equal(count_in(dir, "plain.txt", "alert"), 0);

    /* A restart with the same state_dir goes on counting. */
    rt = start(dir, text);
    assert_int_equal(publish(rt, VMON_EVENT_BASELINE, "restart"), n + 1);
    assert_int_equal(wait_count(dir, "rec.txt", "reason=restart", 1, 10000), 1);
    vmon_runtime_stop(rt);
    test_rm_tree(dir);
    free(dir);
}

/* Spooled: events queued on disk while the receiver refuses them are delivered after a restart. */
#define SPOOLED                                                                                    \
    "[sink:rec]\nplugin = record\npath = rec.txt\nspool = spool.db\nretry_base = 10s\n"            \
    "fail_first = %d\n[pipeline:p]\nsinks = rec\n[daemon]\nshutdown_timeout = 100ms\n"

static void test_spooled_events_survive_restart(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    char text[1024];
    snprintf(text, sizeof text, SPOOLED, 1000000);
    vmon_runtime *rt = start(dir, text);
    publish(rt, VMON_EVENT_PROMOTION, "spooled one");
    publish(rt, VMON_EVENT_ROLLBACK, "spooled two");
    vmon_runtime_stop(rt); /* the committer writes what it holds before it ends */
    assert_int_equal(count_in(dir, "rec.txt", "event "), 0);
    snprintf(text, sizeof text, SPOOLED, 0);
    rt = start(dir, text);
    assert_int_equal(wait_count(dir, "rec.txt", "event ", 2, 10000), 2);
    vmon_runtime_stop(rt);
    uint64_t seq[2];
    assert_int_equal(sequences(dir, "rec.txt", seq, 2), 2);
    assert_int_equal(seq[1], seq[0] + 1);
    char want[128];
    snprintf(want, sizeof want, "event promotion seq=%" PRIu64 " key=p-promotion-%" PRIu64 " ",
             seq[0], seq[0]);
    assert_int_equal(count_in(dir, "rec.txt", want), 1);
    assert_int_equal(count_in(dir, "rec.txt", "event rollback "), 1);
    assert_int_equal(count_in(dir, "rec.txt", "fields=a.nprobe=16,b.nprobe=11,reason=spooled two"),
                     1);
    test_rm_tree(dir);
    free(dir);
}

/*
 * Spooled events whose sink comes back as a plugin without on_events (the same section
 * and spool after a restart, or a replacement on reload) go to the dead letters: they
 * cannot be delivered there, and a call through the missing operation would crash.
 */
static void test_spooled_events_to_a_sink_without_events(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    vmon_runtime *rt =
        start(dir, "[sink:rec]\nplugin = record\npath = rec.txt\nspool = spool.db\n"
                   "retry_base = 10s\nfail_first = 1000000\n"
                   "[pipeline:p]\nsinks = rec\n[daemon]\nshutdown_timeout = 100ms\n");
    publish(rt, VMON_EVENT_PROMOTION, "spooled one");
    publish(rt, VMON_EVENT_ROLLBACK, "spooled two");
    vmon_runtime_stop(rt);
    rt = start(dir, "[sink:rec]\nplugin = noevents\npath = rec.txt\nspool = spool.db\n"
                    "dead_letter = dl.jsonl\n[pipeline:p]\nsinks = rec\n");
    assert_int_equal(wait_count(dir, "dl.jsonl", "\"kind\":\"event\"", 2, 10000), 2);
    vmon_runtime_stop(rt);
    assert_int_equal(count_in(dir, "dl.jsonl", "the sink takes no events"), 2);
    assert_int_equal(count_in(dir, "rec.txt", "event "), 0);
    test_rm_tree(dir);
    free(dir);
}

/* An event that keeps failing is dead-lettered as an event (kind = event), like an alert. */
static void test_failing_event_is_dead_lettered(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    vmon_runtime *rt = start(dir, "[sink:rec]\nplugin = record\npath = rec.txt\nfail_first = 1000\n"
                                  "retry_base = 10ms\nretry_limit = 1\ndead_letter = dl.jsonl\n"
                                  "[pipeline:p]\nsinks = rec\n");
    uint64_t seq = publish(rt, VMON_EVENT_INFEASIBLE, "nothing fits");
    char key[64];
    snprintf(key, sizeof key, "\"idempotencyKey\":\"p-infeasible-%" PRIu64 "\"", seq);
    assert_int_equal(wait_count(dir, "dl.jsonl", key, 1, 10000), 1);
    vmon_runtime_stop(rt);
    assert_int_equal(count_in(dir, "dl.jsonl", "\"kind\":\"event\""), 1);
    assert_int_equal(count_in(dir, "dl.jsonl", "\"reason\":\"retry limit reached"), 1);
    assert_int_equal(count_in(dir, "rec.txt", "event "), 0);
    test_rm_tree(dir);
    free(dir);
}

static void test_unknown_pipeline_or_type_is_refused(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    vmon_runtime *rt = start(dir, "[sink:rec]\nplugin = record\npath = rec.txt\n"
                                  "[pipeline:p]\nsinks = rec\n");
    vmon_event_spec spec = {.type = VMON_EVENT_BASELINE, .message = "x"};
    assert_int_equal(vmon_runtime_publish_event(rt, "nope", &spec), 0);
    spec.type = 99;
    assert_int_equal(vmon_runtime_publish_event(rt, "p", &spec), 0);
    assert_string_equal(vmon_event_type_name(VMON_EVENT_EXPERIMENT_START), "experiment_start");
    vmon_runtime_stop(rt);
    test_rm_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type_in_order_across_reload),
        cmocka_unit_test(test_spooled_events_survive_restart),
        cmocka_unit_test(test_spooled_events_to_a_sink_without_events),
        cmocka_unit_test(test_failing_event_is_dead_lettered),
        cmocka_unit_test(test_unknown_pipeline_or_type_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
