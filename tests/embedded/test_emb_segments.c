/* Growing and sealed segments: inserts are searchable at once, flush seals
 * and builds in the background with visible progress, searches stay exact
 * while a build runs, deletes disappear, the size threshold seals. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emb_test_util.h"

enum { DIM = 32, K = 10 };

static float *rows(uint64_t seed, uint64_t first, uint64_t n)
{
    float *x = malloc(sizeof(float) * n * DIM);
    emb_generate(seed, DIM, 20, 0.6, 0, first, n, x);
    return x;
}

static int64_t nearest(void *e, const float *q)
{
    int64_t ids[K];
    float d[K];
    char err[256];
    vmon_search_request r = emb_test_request(q, 1, DIM, K);
    assert_int_equal(emb_target_ops.search(e, NULL, &r, ids, d, err, sizeof err), VMON_OK);
    return ids[0];
}

static void inserts_searchable_before_flush(void **state)
{
    (void)state;
    emb_config cfg;
    emb_test_config(&cfg, DIM, 0, EMB_INDEX_IVF_FLAT);
    void *e = emb_test_open(&cfg);
    float *x = rows(1, 0, 500);
    int64_t ids[500];
    char err[256];
    assert_int_equal(emb_target_ops.insert(e, NULL, x, 500, DIM, NULL, ids, err, sizeof err), 0);
    for (int i = 0; i < 500; i += 50)
        assert_int_equal(nearest(e, x + i * DIM), ids[i]);
    vmon_collection_stats st = {.struct_size = sizeof st};
    assert_int_equal(emb_target_ops.collection_stats(e, NULL, &st, err, sizeof err), 0);
    assert_int_equal(st.row_count, 500);
    assert_int_equal(st.n_sealed, 0);
    free(x);
    emb_test_close(e);
}

static void build_progress_and_search_during_build(void **state)
{
    (void)state;
    emb_config cfg;
    emb_test_config(&cfg, DIM, 0, EMB_INDEX_HNSW);
    cfg.hnsw_m = 16;
    cfg.ef_construction = 200;
    void *e = emb_test_open(&cfg);
    enum { N = 20000, NQ = 20 };
    float *x = rows(cfg.seed, 0, N); /* the distribution sample_queries draws from */
    char err[256];
    assert_int_equal(emb_target_ops.insert(e, NULL, x, N, DIM, NULL, NULL, err, sizeof err), 0);
    float *q = emb_test_queries(e, NULL, NQ, DIM);
    assert_int_equal(emb_target_ops.flush(e, NULL, err, sizeof err), 0);

    double first = -1, last = -1;
    int during = 0, steps = 0;
    for (int i = 0; i < 60000; i++) {
        vmon_index_state st = {.struct_size = sizeof st};
        assert_int_equal(emb_target_ops.index_state(e, NULL, &st, err, sizeof err), 0);
        if (first < 0)
            first = st.progress;
        assert_true(st.progress >= last);
        steps += st.progress > last && last >= 0;
        last = st.progress;
        if (st.state == VMON_INDEX_FINISHED)
            break;
        assert_true(st.state == VMON_INDEX_BUILDING || st.state == VMON_INDEX_PENDING);
        if (during < 3 && st.progress > 0 && st.progress < 1) {
            /* Mid-build the segment is searched by brute force: exact. */
            assert_true(emb_test_recall(e, NULL, q, NQ, DIM, K, 0, 0, 0) == 1.0);
            during++;
        }
        struct timespec ts = {0, 2 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    print_message("  progress first %.3f, %d increases, searches during build %d\n", first, steps,
                  during);
    assert_true(first < 0.5);
    assert_true(last == 1.0);
    assert_true(steps >= 2);
    assert_true(during >= 1);
    assert_true(emb_test_recall(e, NULL, q, NQ, DIM, K, VMON_SEARCH_EF, 0, 128) > 0.9);
    free(q);
    free(x);
    emb_test_close(e);
}

static void deletes_disappear(void **state)
{
    (void)state;
    emb_config cfg;
    emb_test_config(&cfg, DIM, 5000, EMB_INDEX_IVF_FLAT);
    cfg.nlist = 32;
    void *e = emb_test_open(&cfg);
    assert_int_equal(emb_test_wait_index(e, NULL, 60), VMON_INDEX_FINISHED);
    char err[256];
    /* One row in the sealed, indexed segment and one in the growing one. */
    float *x = rows(cfg.seed, 0, 100);
    float *extra = rows(99, 0, 1);
    int64_t extra_id;
    assert_int_equal(
        emb_target_ops.insert(e, NULL, extra, 1, DIM, NULL, &extra_id, err, sizeof err), 0);
    assert_int_equal(nearest(e, x + 10 * DIM), 10);
    assert_int_equal(nearest(e, extra), extra_id);
    int64_t del[] = {10, extra_id, 123456789};
    uint64_t n = 0;
    assert_int_equal(emb_target_ops.delete_rows(e, NULL, del, 3, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    for (int round = 0; round < 2; round++) {
        int64_t ids[K];
        float d[K];
        vmon_search_request r = emb_test_request(x + 10 * DIM, 1, DIM, K);
        r.flags = VMON_SEARCH_NPROBE;
        r.nprobe = 32;
        assert_int_equal(emb_target_ops.search(e, NULL, &r, ids, d, err, sizeof err), 0);
        for (int j = 0; j < K; j++)
            assert_true(ids[j] != 10 && ids[j] != extra_id);
        r.queries = extra;
        assert_int_equal(emb_target_ops.search(e, NULL, &r, ids, d, err, sizeof err), 0);
        for (int j = 0; j < K; j++)
            assert_true(ids[j] != 10 && ids[j] != extra_id);
        /* Deletes also survive sealing the growing segment. */
        assert_int_equal(emb_target_ops.flush(e, NULL, err, sizeof err), 0);
    }
    vmon_collection_stats st = {.struct_size = sizeof st};
    assert_int_equal(emb_target_ops.collection_stats(e, NULL, &st, err, sizeof err), 0);
    assert_int_equal(st.row_count, 5000 + 1 - 2);
    free(x);
    free(extra);
    emb_test_close(e);
}

static int count_segment(void *arg, const vmon_segment_info *s)
{
    int *n = arg;
    if (s->state != VMON_SEGMENT_GROWING)
        (*n)++;
    return 0;
}

static void size_threshold_seals(void **state)
{
    (void)state;
    emb_config cfg;
    emb_test_config(&cfg, DIM, 0, EMB_INDEX_FLAT);
    cfg.segment_rows = 1000;
    void *e = emb_test_open(&cfg);
    float *x = rows(5, 0, 3500);
    char err[256];
    assert_int_equal(emb_target_ops.insert(e, NULL, x, 3500, DIM, NULL, NULL, err, sizeof err), 0);
    int sealed = 0;
    assert_int_equal(emb_target_ops.segments(e, NULL, count_segment, &sealed, err, sizeof err), 0);
    assert_int_equal(sealed, 3);
    float *q = emb_test_queries(e, NULL, 20, DIM);
    assert_true(emb_test_recall(e, NULL, q, 20, DIM, K, 0, 0, 0) == 1.0);
    free(q);
    free(x);
    emb_test_close(e);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void shutdown_cancels_builds(void **state)
{
    (void)state;
    /* An HNSW build of 20k rows takes seconds; IVF training of many lists
     * is one long FAISS call. Both must give up quickly on stop. */
    uint32_t types[] = {EMB_INDEX_HNSW, EMB_INDEX_IVF_FLAT};
    for (int t = 0; t < 2; t++) {
        emb_config cfg;
        emb_test_config(&cfg, 64, 20000, types[t]);
        cfg.ef_construction = 400;
        cfg.nlist = 1024;
        cfg.index_min_rows = 1000;
        void *e = emb_test_open(&cfg);
        char err[256];
        vmon_index_state st = {.struct_size = sizeof st};
        for (int i = 0; i < 500; i++) {
            assert_int_equal(emb_target_ops.index_state(e, NULL, &st, err, sizeof err), 0);
            if (st.state == VMON_INDEX_BUILDING)
                break;
            struct timespec ts = {0, 2 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        assert_int_equal(st.state, VMON_INDEX_BUILDING);
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
        double t0 = now_s();
        emb_engine_stop(e);
        double took = now_s() - t0;
        print_message("  %s: stop during build took %.3f s\n", emb_index_type_name(types[t]), took);
        /* Cancelled, not awaited: the build never finished. The bound is only a backstop
         * against a stop that waits for the whole build (tens of seconds under load). */
        assert_int_equal(emb_target_ops.index_state(e, NULL, &st, err, sizeof err), 0);
        assert_int_not_equal(st.state, VMON_INDEX_FINISHED);
        assert_true(st.indexed_rows < st.total_rows);
        assert_true(took < 10.0);
        emb_engine_destroy(e);
    }
}

typedef struct seen {
    int names;
    int progress;
    int memory;
    int segment_rows;
    int latency;
} seen;

static int on_sample(void *arg, const vmon_sample *s)
{
    seen *w = arg;
    w->names++;
    w->progress += strcmp(s->name, "indexnode.build_progress_ratio") == 0;
    w->memory += strcmp(s->name, "querynode.memory_used_bytes") == 0 && s->value > 0;
    w->segment_rows += strcmp(s->name, "querynode.segment_rows") == 0;
    w->latency += strcmp(s->name, "proxy.search_latency_p95_ms") == 0;
    return 0;
}

static void report_component_figures(void **state)
{
    (void)state;
    emb_config cfg;
    emb_test_config(&cfg, DIM, 2000, EMB_INDEX_IVF_FLAT);
    cfg.nlist = 16;
    void *e = emb_test_open(&cfg);
    float *q = emb_test_queries(e, NULL, 5, DIM);
    emb_test_recall(e, NULL, q, 5, DIM, K, 0, 0, 0);
    seen w = {0};
    char err[256];
    assert_int_equal(emb_target_ops.report(e, NULL, on_sample, &w, err, sizeof err), 0);
    assert_int_equal(w.progress, 1);
    assert_int_equal(w.memory, 1);
    assert_int_equal(w.segment_rows, 1);
    assert_int_equal(w.latency, 1);
    memset(&w, 0, sizeof w);
    assert_int_equal(emb_target_ops.report(e, "indexnode", on_sample, &w, err, sizeof err), 0);
    assert_int_equal(w.progress, 1);
    assert_int_equal(w.latency, 0);
    assert_int_equal(emb_target_ops.report(e, "rootcoord", on_sample, &w, err, sizeof err),
                     VMON_ENOTSUP);
    free(q);
    emb_test_close(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(inserts_searchable_before_flush),
        cmocka_unit_test(build_progress_and_search_during_build),
        cmocka_unit_test(deletes_disappear),
        cmocka_unit_test(size_threshold_seals),
        cmocka_unit_test(report_component_figures),
        cmocka_unit_test(shutdown_cancels_builds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
