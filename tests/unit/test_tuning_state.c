/* What the tuning loop leaves on disk: the state file (restart) and the audit log. */
#include <json-c/json.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit_log.h"
#include "test_util.h"
#include "tuning_state.h"

static vmon_exp_snapshot running_snapshot(void)
{
    vmon_exp_snapshot s = {.state = VMON_EXP_RUNNING,
                           .step = 2,
                           .has_baseline = 1,
                           .has_previous = 1,
                           .experiment = 7,
                           .started_ms = 1764619200123};
    s.current = (vmon_search_params){.struct_size = sizeof s.current, .top_k = 10, .nprobe = 16};
    s.previous = (vmon_search_params){.struct_size = sizeof s.current, .top_k = 10, .nprobe = 24};
    s.candidate = (vmon_search_params){.struct_size = sizeof s.current, .top_k = 10, .nprobe = 11};
    s.baseline = (vmon_arm_figures){.struct_size = sizeof s.baseline,
                                    .samples = 5000,
                                    .mean_ms = 0.5,
                                    .p50_ms = 0.4,
                                    .p95_ms = 1.25,
                                    .p99_ms = 2,
                                    .qps = 812.5,
                                    .recall = NAN,
                                    .recall_low = NAN,
                                    .recall_high = NAN};
    return s;
}

static void assert_same_snapshot(const vmon_exp_snapshot *a, const vmon_exp_snapshot *b)
{
    assert_int_equal(a->state, b->state);
    assert_int_equal(a->step, b->step);
    assert_int_equal(a->experiment, b->experiment);
    assert_int_equal(a->started_ms, b->started_ms);
    assert_int_equal(a->has_previous, b->has_previous);
    assert_int_equal(a->has_baseline, b->has_baseline);
    assert_int_equal(a->current.nprobe, b->current.nprobe);
    assert_int_equal(a->previous.nprobe, b->previous.nprobe);
    assert_int_equal(a->candidate.nprobe, b->candidate.nprobe);
    assert_int_equal(a->candidate.top_k, b->candidate.top_k);
    assert_int_equal(a->baseline.samples, b->baseline.samples);
    assert_true(a->baseline.p95_ms == b->baseline.p95_ms);
    assert_true(a->baseline.qps == b->baseline.qps);
    assert_true(isnan(b->baseline.recall));
}

static void test_snapshot_json_round_trip(void **state)
{
    (void)state;
    vmon_exp_snapshot s = running_snapshot(), back;
    char *text = vmon_exp_snapshot_to_json(&s);
    assert_non_null(strstr(text, "\"state\":\"running\""));
    char err[256];
    assert_int_equal(vmon_exp_snapshot_from_json(text, &back, err, sizeof err), 0);
    assert_same_snapshot(&s, &back);
    free(text);
}

static void test_snapshot_json_refuses_what_it_cannot_read(void **state)
{
    (void)state;
    vmon_exp_snapshot back;
    char err[256];
    assert_int_equal(vmon_exp_snapshot_from_json("[1]", &back, err, sizeof err), -1);
    assert_int_equal(vmon_exp_snapshot_from_json("{\"format\":99}", &back, err, sizeof err), -1);
    assert_non_null(strstr(err, "format 99"));
    assert_int_equal(
        vmon_exp_snapshot_from_json("{\"format\":1,\"state\":\"dancing\"}", &back, err, sizeof err),
        -1);
    assert_int_equal(vmon_exp_snapshot_from_json(
                         "{\"format\":1,\"state\":\"running\",\"step\":-1,\"experiment\":1,"
                         "\"current\":{\"top_k\":10,\"nprobe\":1,\"ef\":0},"
                         "\"candidate\":{\"top_k\":10,\"nprobe\":1,\"ef\":0}}",
                         &back, err, sizeof err),
                     -1);
}

static void test_store_survives_reopening(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    char *sub = NULL;
    assert_true(asprintf(&sub, "%s/state", dir) > 0);
    char err[512];
    vmon_tuning_store *st = vmon_tuning_store_open(sub, err, sizeof err);
    assert_non_null(st);
    vmon_exp_snapshot s = running_snapshot(), back;
    assert_int_equal(vmon_tuning_store_load(st, "p", "c", &back, err, sizeof err), 0);
    assert_int_equal(vmon_tuning_store_save(st, "p", "c", &s, err, sizeof err), 0);
    s.step = 1; /* a save replaces the row */
    assert_int_equal(vmon_tuning_store_save(st, "p", "c", &s, err, sizeof err), 0);
    vmon_tuning_store_close(st);

    struct stat sb;
    assert_int_equal(stat(sub, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    char *file = NULL;
    assert_true(asprintf(&file, "%s/tuning.db", sub) > 0);
    assert_int_equal(stat(file, &sb), 0);
    assert_int_equal(sb.st_mode & 0077, 0);

    st = vmon_tuning_store_open(sub, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(vmon_tuning_store_load(st, "p", "c", &back, err, sizeof err), 1);
    assert_same_snapshot(&s, &back);
    assert_int_equal(vmon_tuning_store_load(st, "p", "other", &back, err, sizeof err), 0);
    assert_int_equal(vmon_tuning_store_load(st, "q", "c", &back, err, sizeof err), 0);
    vmon_tuning_store_close(st);
    free(file);
    free(sub);
    test_rm_tree(dir);
    free(dir);
}

typedef struct saver {
    vmon_tuning_store *st;
    const char *pipeline;
    int failures;
} saver;

static void *save_many(void *arg)
{
    saver *sv = arg;
    vmon_exp_snapshot s = running_snapshot();
    char err[512];
    for (uint32_t i = 0; i < 100; i++) {
        s.experiment = i;
        sv->failures += vmon_tuning_store_save(sv->st, sv->pipeline, "c", &s, err, sizeof err) != 0;
    }
    return NULL;
}

/* Every pipeline's tuning thread saves through one store. */
static void test_store_serves_threads_at_once(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    char err[512];
    vmon_tuning_store *st = vmon_tuning_store_open(dir, err, sizeof err);
    assert_non_null(st);
    saver a = {st, "p1", 0}, b = {st, "p2", 0};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, save_many, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, save_many, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(a.failures + b.failures, 0);
    vmon_exp_snapshot back;
    assert_int_equal(vmon_tuning_store_load(st, "p1", "c", &back, err, sizeof err), 1);
    assert_int_equal(back.experiment, 99);
    assert_int_equal(vmon_tuning_store_load(st, "p2", "c", &back, err, sizeof err), 1);
    assert_int_equal(back.experiment, 99);
    vmon_tuning_store_close(st);
    test_rm_tree(dir);
    free(dir);
}

static void test_store_reports_an_unusable_dir(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    char *file = test_write_file(dir, "plain", "x");
    char err[512];
    assert_null(vmon_tuning_store_open(file, err, sizeof err));
    assert_non_null(strstr(err, "state_dir"));
    free(file);
    test_rm_tree(dir);
    free(dir);
}

static vmon_exp_event promotion_event(void)
{
    vmon_exp_event ev = {.type = VMON_EVENT_PROMOTION,
                         .severity = 0,
                         .time_ms = 1764619200123,
                         .experiment = 3,
                         .n_fields = 2};
    strcpy(ev.name[0], "a.nprobe");
    strcpy(ev.value[0], "16");
    strcpy(ev.name[1], "b.nprobe");
    strcpy(ev.value[1], "11");
    strcpy(ev.message, "promoted nprobe 16 -> 11 \"quoted\"\n");
    return ev;
}

static void test_audit_line_is_json_with_evidence(void **state)
{
    (void)state;
    vmon_exp_event ev = promotion_event();
    char *line = vmon_audit_line("autotune", "vectors", "loop", &ev);
    assert_null(strchr(line, '\n'));
    json_object *o = json_tokener_parse(line);
    assert_non_null(o);
    json_object *v, *fields;
    assert_true(json_object_object_get_ex(o, "event", &v));
    assert_string_equal(json_object_get_string(v), "promotion");
    assert_true(json_object_object_get_ex(o, "time", &v));
    assert_string_equal(json_object_get_string(v), "2025-12-01T20:00:00.123Z");
    assert_true(json_object_object_get_ex(o, "experiment", &v));
    assert_int_equal(json_object_get_int64(v), 3);
    assert_true(json_object_object_get_ex(o, "message", &v));
    assert_non_null(strstr(json_object_get_string(v), "\"quoted\""));
    assert_true(json_object_object_get_ex(o, "fields", &fields));
    assert_true(json_object_object_get_ex(fields, "b.nprobe", &v));
    assert_string_equal(json_object_get_string(v), "11");
    assert_true(json_object_object_get_ex(o, "origin", &v));
    assert_string_equal(json_object_get_string(v), "loop");
    json_object_put(o);
    free(line);
}

static void test_audit_log_appends_lines(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    char *path = NULL;
    assert_true(asprintf(&path, "%s/audit.jsonl", dir) > 0);
    char err[512];
    vmon_exp_event ev = promotion_event();
    for (int round = 0; round < 2; round++) { /* reopened: appends, never truncates */
        vmon_audit_log *log = vmon_audit_open(path, err, sizeof err);
        assert_non_null(log);
        assert_int_equal(vmon_audit_write(log, "p", "c", "operator", &ev, err, sizeof err), 0);
        vmon_audit_close(log);
    }
    char *text = test_read_file(path);
    int lines = 0;
    for (char *p = text; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 2);
    free(text);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0077, 0);
    char *bad = NULL;
    assert_true(asprintf(&bad, "%s/missing/audit.jsonl", dir) > 0);
    assert_null(vmon_audit_open(bad, err, sizeof err));
    assert_non_null(strstr(err, "audit_log"));
    free(bad);
    free(path);
    test_rm_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshot_json_round_trip),
        cmocka_unit_test(test_snapshot_json_refuses_what_it_cannot_read),
        cmocka_unit_test(test_store_survives_reopening),
        cmocka_unit_test(test_store_serves_threads_at_once),
        cmocka_unit_test(test_store_reports_an_unusable_dir),
        cmocka_unit_test(test_audit_line_is_json_with_evidence),
        cmocka_unit_test(test_audit_log_appends_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
