/*
 * The traffic driver alone, against an in-process fake target (no FAISS, so
 * it runs under valgrind and the sanitizers): the request ids it sends, the
 * parameters each arm gets, the recorder's calls, the insert count, count
 * and stop, the queries of a .fvecs file, and the errors it names for bad
 * query and id files.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arm_table.h"
#include "clock.h"
#include "test_util.h"
#include "traffic.h"

#define DIM 4

typedef struct fake {
    atomic_ulong searches, bad_params, rows;
    atomic_ulong ids_seen_b; /* requests the router sent to arm 1 */
} fake;

static int fake_search(void *ctx, const char *collection, const vmon_search_request *req,
                       int64_t *ids, float *distances, char *err, size_t errlen)
{
    fake *f = ctx;
    (void)collection;
    atomic_fetch_add(&f->searches, 1);
    ids[req->top_k - 1] = 1;
    distances[0] = req->queries[DIM - 1];
    if ((req->flags & VMON_SEARCH_NPROBE) && req->nprobe > 100) {
        atomic_fetch_add(&f->bad_params, 1);
        snprintf(err, errlen, "nprobe %u > nlist 100", req->nprobe);
        return VMON_EINVAL;
    }
    return VMON_OK;
}

static int fake_stats(void *ctx, const char *collection, vmon_collection_stats *out, char *err,
                      size_t errlen)
{
    (void)ctx, (void)err, (void)errlen;
    if (collection && strcmp(collection, "nope") == 0) {
        snprintf(err, errlen, "no collection nope");
        return VMON_EINVAL;
    }
    out->dim = DIM;
    return VMON_OK;
}

static int fake_sample(void *ctx, const char *collection, uint32_t n, uint64_t seed, uint32_t dim,
                       float *out, char *err, size_t errlen)
{
    (void)ctx, (void)collection, (void)err, (void)errlen;
    for (size_t i = 0; i < (size_t)n * dim; i++)
        out[i] = (float)(seed + i);
    return VMON_OK;
}

static int fake_insert(void *ctx, const char *collection, const float *v, uint64_t n, uint32_t dim,
                       const int64_t *ids, int64_t *out_ids, char *err, size_t errlen)
{
    fake *f = ctx;
    (void)collection, (void)v, (void)ids, (void)out_ids, (void)err, (void)errlen;
    assert_int_equal(dim, DIM);
    atomic_fetch_add(&f->rows, n);
    return VMON_OK;
}

static uint32_t pick_by_prefix(void *ctx, const char *id, size_t len)
{
    fake *f = ctx;
    if (len >= 2 && id[0] == 'b' && id[1] == '_') {
        atomic_fetch_add(&f->ids_seen_b, 1);
        return 1;
    }
    return 0;
}

static const vmon_target_ops target = {.struct_size = sizeof target,
                                       .kind = VMON_KIND_TARGET,
                                       .search = fake_search,
                                       .collection_stats = fake_stats,
                                       .sample_queries = fake_sample,
                                       .insert = fake_insert};
static const vmon_router_ops router = {
    .struct_size = sizeof router, .kind = VMON_KIND_ROUTER, .pick = pick_by_prefix};

typedef struct tally {
    atomic_ulong calls[2], failed;
} tally;

static void tally_record(void *arg, uint32_t arm, uint32_t worker, uint64_t now_ns,
                         uint64_t latency_ns, bool ok)
{
    tally *t = arg;
    (void)worker, (void)latency_ns;
    assert_true(now_ns > 0);
    atomic_fetch_add(&t->calls[arm & 1], 1);
    if (!ok)
        atomic_fetch_add(&t->failed, 1);
}

static vmon_traffic_cfg base_cfg(void)
{
    return (vmon_traffic_cfg){
        .name = "t", .max_qps = 1e6, .workers = 3, .top_k = 5, .query_pool = 7, .seed = 3};
}

static void test_ids_arms_recorder_and_count(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    char *ids = test_write_file(dir, "ids.txt", "a_1\nb_1\na_2\nb_2\n");
    fake f = {0};
    vmon_arm_table arms;
    vmon_arm_table_init(&arms);
    vmon_arm_params two[2] = {{VMON_SEARCH_NPROBE, 8, 0}, {VMON_SEARCH_NPROBE, 500, 0}};
    vmon_arm_table_publish(&arms, two, 2); /* arm 1's nprobe is refused by the target */
    vmon_traffic_wiring w = {&target, &f, &router, &f, &arms};
    vmon_traffic_cfg cfg = base_cfg();
    cfg.count = 1000;
    cfg.ids_path = ids;
    char err[512] = "";
    vmon_traffic *t = vmon_traffic_start(&cfg, &w, err, sizeof err);
    assert_non_null(t);
    tally tl = {0};
    vmon_traffic_recorder rec = {tally_record, &tl};
    vmon_traffic_set_recorder(t, &rec);
    assert_int_equal(vmon_traffic_wait(t, 30000), 0);
    vmon_traffic_stats st;
    vmon_traffic_stats_get(t, &st);
    assert_true(st.ended);
    assert_int_equal(st.queries, 1000);
    assert_int_equal(atomic_load(&f.searches), 1000);
    assert_int_equal(st.per_arm[0], 500);
    assert_int_equal(st.per_arm[1], 500);
    assert_int_equal(st.errors, 500); /* every arm-1 request carried nprobe 500 */
    assert_int_equal(atomic_load(&f.bad_params), 500);
    /* the recorder was set after start: it saw the rest, with arm 1's failures */
    assert_true(atomic_load(&tl.calls[1]) <= 500);
    assert_int_equal(atomic_load(&tl.failed), atomic_load(&tl.calls[1]));
    vmon_traffic_stop(t);
    vmon_arm_table_destroy(&arms);
    free(ids);
    test_rm_tree(dir);
    free(dir);
}

static void test_inserts_and_stop(void **state)
{
    (void)state;
    fake f = {0};
    vmon_traffic_wiring w = {&target, &f, NULL, NULL, NULL};
    vmon_traffic_cfg cfg = base_cfg();
    cfg.rate = 200;
    cfg.max_qps = 1000;
    cfg.insert_rate = 2000;
    char err[512] = "";
    vmon_traffic *t = vmon_traffic_start(&cfg, &w, err, sizeof err);
    assert_non_null(t);
    int64_t end = vmon_mono_ms() + 10000;
    while (atomic_load(&f.rows) < 400 && vmon_mono_ms() < end)
        test_sleep_ms(10);
    assert_true(atomic_load(&f.rows) >= 400);
    assert_int_equal(vmon_traffic_ended(t), 0); /* no count, no duration: it runs on */
    vmon_traffic_stats st;
    vmon_traffic_stats_get(t, &st);
    assert_int_equal(st.rows_inserted, atomic_load(&f.rows));
    vmon_traffic_stop(t); /* stops without count or duration */
}

/* A duration ends the stream on time even when the next paced request is due much later. */
static void test_duration_ends_before_a_slow_request(void **state)
{
    (void)state;
    fake f = {0};
    vmon_traffic_wiring w = {&target, &f, NULL, NULL, NULL};
    vmon_traffic_cfg cfg = base_cfg();
    cfg.workers = 1;
    cfg.rate = 0.2; /* one request every 5 s */
    cfg.duration_ms = 200;
    char err[512] = "";
    vmon_traffic *t = vmon_traffic_start(&cfg, &w, err, sizeof err);
    assert_non_null(t);
    /* Far short of the 5 s the second request is due at, far beyond the 200 ms duration. */
    assert_int_equal(vmon_traffic_wait(t, 2500), 0);
    vmon_traffic_stats st;
    vmon_traffic_stats_get(t, &st);
    assert_true(st.ended);
    assert_int_equal(st.queries, 1);
    assert_true(st.elapsed_ms >= 200 && st.elapsed_ms < 2500);
    vmon_traffic_stop(t);
}

/* Once the count is taken, workers still waiting for their next paced request end too. */
static void test_count_ends_the_waiting_workers(void **state)
{
    (void)state;
    fake f = {0};
    vmon_traffic_wiring w = {&target, &f, NULL, NULL, NULL};
    vmon_traffic_cfg cfg = base_cfg();
    cfg.workers = 3;
    cfg.rate = 1.5; /* each worker every 2 s, staggered by 0.67 s */
    cfg.count = 2;  /* taken by 0.67 s; worker 0 is next due at 2 s */
    char err[512] = "";
    vmon_traffic *t = vmon_traffic_start(&cfg, &w, err, sizeof err);
    assert_non_null(t);
    assert_int_equal(vmon_traffic_wait(t, 10000), 0);
    vmon_traffic_stats st;
    vmon_traffic_stats_get(t, &st);
    assert_int_equal(st.queries, 2);
    assert_true(st.elapsed_ms < 1600);
    vmon_traffic_stop(t);
}

/* A target that fails without a reason (err untouched): the driver's log must not read garbage. */
static int silent_search(void *ctx, const char *collection, const vmon_search_request *req,
                         int64_t *ids, float *distances, char *err, size_t errlen)
{
    (void)ctx, (void)collection, (void)req, (void)ids, (void)distances, (void)err, (void)errlen;
    return VMON_ERROR;
}

static int silent_insert(void *ctx, const char *collection, const float *v, uint64_t n,
                         uint32_t dim, const int64_t *ids, int64_t *out_ids, char *err,
                         size_t errlen)
{
    fake *f = ctx;
    (void)collection, (void)v, (void)n, (void)dim, (void)ids, (void)out_ids, (void)err,
        (void)errlen;
    atomic_fetch_add(&f->rows, 1); /* counts calls here */
    return VMON_ERROR;
}

/* Under valgrind (scripts/test.sh) this fails if the failure's log line reads uninitialised err. */
static void test_failure_without_reason(void **state)
{
    (void)state;
    vmon_target_ops silent = target;
    silent.search = silent_search;
    silent.insert = silent_insert;
    fake f = {0};
    vmon_traffic_wiring w = {&silent, &f, NULL, NULL, NULL};
    vmon_traffic_cfg cfg = base_cfg();
    cfg.count = 20;
    cfg.insert_rate = 1000;
    char err[512] = "";
    vmon_traffic *t = vmon_traffic_start(&cfg, &w, err, sizeof err);
    assert_non_null(t);
    assert_int_equal(vmon_traffic_wait(t, 10000), 0);
    assert_true(atomic_load(&f.rows) >= 1); /* the inserter's first tick failed too */
    vmon_traffic_stats st;
    vmon_traffic_stats_get(t, &st);
    assert_int_equal(st.queries, 20);
    assert_int_equal(st.errors, 20);
    assert_int_equal(st.rows_inserted, 0);
    vmon_traffic_stop(t);
}

static void expect_refused(vmon_traffic_cfg cfg, const char *needle)
{
    fake f = {0};
    vmon_traffic_wiring w = {&target, &f, NULL, NULL, NULL};
    char err[512] = "";
    assert_null(vmon_traffic_start(&cfg, &w, err, sizeof err));
    if (!strstr(err, needle))
        fail_msg("error \"%s\" does not say \"%s\"", err, needle);
}

/* The vectors of the query file the next test writes, and which of them the target was sent. */
#define FILE_QUERIES 3
static const float file_queries[FILE_QUERIES][DIM] = {
    {0.5f, -1.0f, 2.25f, 3.0f}, {10.0f, 20.0f, 30.0f, 40.0f}, {-7.5f, 0.0f, 1e-3f, 6.0f}};
static atomic_ulong file_query_seen[FILE_QUERIES], file_query_other;

static int recording_search(void *ctx, const char *collection, const vmon_search_request *req,
                            int64_t *ids, float *distances, char *err, size_t errlen)
{
    (void)ctx, (void)collection, (void)ids, (void)distances, (void)err, (void)errlen;
    for (uint32_t i = 0; req->n_queries == 1 && req->dim == DIM && i < FILE_QUERIES; i++)
        if (memcmp(req->queries, file_queries[i], sizeof file_queries[i]) == 0) {
            atomic_fetch_add(&file_query_seen[i], 1);
            return VMON_OK;
        }
    atomic_fetch_add(&file_query_other, 1);
    return VMON_OK;
}

/* A valid .fvecs query file: its vectors, and only they, are sent, each in turn. */
static void test_queries_come_from_the_fvecs_file(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    char *path = test_write_file(dir, "q.fvecs", "");
    FILE *q = fopen(path, "wb");
    assert_non_null(q);
    for (int i = 0; i < FILE_QUERIES; i++) {
        int32_t d = DIM;
        assert_int_equal(fwrite(&d, sizeof d, 1, q), 1);
        assert_int_equal(fwrite(file_queries[i], sizeof(float), DIM, q), DIM);
    }
    fclose(q);
    const vmon_target_ops recording = {.struct_size = sizeof recording,
                                       .kind = VMON_KIND_TARGET,
                                       .search = recording_search,
                                       .collection_stats = fake_stats,
                                       .sample_queries = fake_sample};
    for (int i = 0; i < FILE_QUERIES; i++)
        atomic_store(&file_query_seen[i], 0);
    atomic_store(&file_query_other, 0);
    fake f = {0};
    vmon_traffic_wiring w = {&recording, &f, NULL, NULL, NULL};
    vmon_traffic_cfg cfg = base_cfg();
    cfg.count = 300;
    cfg.queries_path = path;
    char err[512] = "";
    vmon_traffic *t = vmon_traffic_start(&cfg, &w, err, sizeof err);
    if (!t)
        fail_msg("start: %s", err);
    assert_int_equal(vmon_traffic_wait(t, 30000), 0);
    vmon_traffic_stats st;
    vmon_traffic_stats_get(t, &st);
    assert_int_equal(st.queries, 300);
    assert_int_equal(st.errors, 0);
    vmon_traffic_stop(t);
    /* not the target's sample_queries (the pool of 7 is ignored): the file's three, cycled */
    assert_int_equal(atomic_load(&file_query_other), 0);
    for (int i = 0; i < FILE_QUERIES; i++)
        assert_int_equal(atomic_load(&file_query_seen[i]), 100);
    free(path);
    test_rm_tree(dir);
    free(dir);
}

static void test_bad_inputs_are_named(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    vmon_traffic_cfg cfg = base_cfg();
    char *wrong_dim = test_write_file(dir, "q.fvecs", "");
    FILE *q = fopen(wrong_dim, "wb");
    int32_t d = 3;
    float v[3] = {1, 2, 3};
    fwrite(&d, sizeof d, 1, q);
    fwrite(v, sizeof *v, 3, q);
    fclose(q);
    cfg.queries_path = wrong_dim;
    expect_refused(cfg, "q.fvecs: vector 1: dimension 3, the collection has 4");
    cfg = base_cfg();
    char *long_id =
        test_write_file(dir, "ids.txt",
                        "ok\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                        "xxxxxxxx\n");
    cfg.ids_path = long_id;
    expect_refused(cfg, "ids.txt:2: request id too long");
    cfg = base_cfg();
    cfg.collection = "nope";
    expect_refused(cfg, "[traffic:t] collection nope: no collection nope");
    free(wrong_dim);
    free(long_id);
    test_rm_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_arms_recorder_and_count),
        cmocka_unit_test(test_inserts_and_stop),
        cmocka_unit_test(test_duration_ends_before_a_slow_request),
        cmocka_unit_test(test_failure_without_reason),
        cmocka_unit_test(test_count_ends_the_waiting_workers),
        cmocka_unit_test(test_queries_come_from_the_fvecs_file),
        cmocka_unit_test(test_bad_inputs_are_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
