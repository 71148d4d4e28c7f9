/* Search correctness: FLAT is exact, IVF at nprobe = nlist is exact, and
 * recall does not fall when nprobe or ef doubles. */
#include <stdlib.h>
#include <string.h>

#include "emb_test_util.h"

enum { DIM = 32, K = 10, NQ = 100 };

static void flat_equals_brute_force(void **state)
{
    (void)state;
    for (uint32_t metric = VMON_METRIC_L2; metric <= VMON_METRIC_COSINE; metric++) {
        emb_config cfg;
        emb_test_config(&cfg, DIM, 5000, EMB_INDEX_FLAT);
        cfg.metric = metric;
        void *e = emb_test_open(&cfg);
        float *q = emb_test_queries(e, NULL, NQ, DIM);
        assert_true(emb_test_recall(e, NULL, q, NQ, DIM, K, 0, 0, 0) == 1.0);

        /* And against an independent brute force over the generated base. */
        float *base = malloc(sizeof(float) * 5000 * DIM);
        emb_generate(cfg.seed, DIM, cfg.clusters, cfg.spread, 0, 0, 5000, base);
        if (metric == VMON_METRIC_L2) {
            int64_t ids[K], truth[K];
            float d[K], td[K];
            char err[256];
            for (int i = 0; i < NQ; i++) {
                vmon_search_request r = emb_test_request(q + i * DIM, 1, DIM, K);
                assert_int_equal(emb_target_ops.search(e, NULL, &r, ids, d, err, sizeof err), 0);
                assert_int_equal(emb_exact_topk(base, 5000, q + i * DIM, 1, DIM, metric, K, truth,
                                                td, err, sizeof err),
                                 0);
                assert_memory_equal(ids, truth, sizeof ids);
            }
        }
        free(base);
        free(q);
        emb_test_close(e);
    }
}

static void ivf_full_probe_is_exact(void **state)
{
    (void)state;
    uint32_t types[] = {EMB_INDEX_IVF_FLAT};
    for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
        emb_config cfg;
        emb_test_config(&cfg, DIM, 10000, types[t]);
        cfg.nlist = 64;
        void *e = emb_test_open(&cfg);
        assert_int_equal(emb_test_wait_index(e, NULL, 60), VMON_INDEX_FINISHED);
        float *q = emb_test_queries(e, NULL, NQ, DIM);
        int64_t *truth = emb_test_generated_truth(&cfg, q, NQ, K);
        double r = emb_test_recall_vs(e, q, NQ, DIM, K, VMON_SEARCH_NPROBE, 64, 0, truth);
        assert_true(r == 1.0);
        /* Exact search still agrees once the raw vectors are released. */
        vmon_collection_stats st = {.struct_size = sizeof st};
        char err[256];
        assert_int_equal(emb_target_ops.collection_stats(e, NULL, &st, err, sizeof err), 0);
        assert_true(st.memory_bytes < 10000ull * DIM * 4 * 3 / 2);
        int64_t ids[NQ * K];
        float d[NQ * K];
        vmon_search_request req = emb_test_request(q, NQ, DIM, K);
        assert_int_equal(emb_target_ops.exact_search(e, NULL, &req, ids, d, err, sizeof err), 0);
        assert_true(emb_recall_at_k(ids, truth, NQ, K, K) == 1.0);
        free(truth);
        free(q);
        emb_test_close(e);
    }
}

static double batch_recall(void *e, const float *q, uint32_t flags, uint32_t nprobe, uint32_t ef)
{
    /* A batch of queries takes the exact path's BLAS route: independent of
     * the index's own distance code. */
    int64_t ids[NQ * K], truth[NQ * K];
    float d[NQ * K];
    char err[256];
    vmon_search_request r = emb_test_request(q, NQ, DIM, K);
    assert_int_equal(emb_target_ops.exact_search(e, NULL, &r, truth, d, err, sizeof err), 0);
    r.flags = flags;
    r.nprobe = nprobe;
    r.ef = ef;
    assert_int_equal(emb_target_ops.search(e, NULL, &r, ids, d, err, sizeof err), 0);
    return emb_recall_at_k(ids, truth, NQ, K, K);
}

static void similarity_metrics_with_indexes(void **state)
{
    (void)state;
    uint32_t types[] = {EMB_INDEX_IVF_FLAT, EMB_INDEX_HNSW};
    for (uint32_t metric = VMON_METRIC_IP; metric <= VMON_METRIC_COSINE; metric++) {
        for (int t = 0; t < 2; t++) {
            emb_config cfg;
            emb_test_config(&cfg, DIM, 5000, types[t]);
            cfg.metric = metric;
            cfg.nlist = 32;
            cfg.ef_construction = 64;
            void *e = emb_test_open(&cfg);
            assert_int_equal(emb_test_wait_index(e, NULL, 60), VMON_INDEX_FINISHED);
            float *q = emb_test_queries(e, NULL, NQ, DIM);
            double r = types[t] == EMB_INDEX_HNSW ? batch_recall(e, q, VMON_SEARCH_EF, 0, 256)
                                                  : batch_recall(e, q, VMON_SEARCH_NPROBE, 32, 0);
            print_message("  metric %u %s recall@10 %.4f\n", metric, emb_index_type_name(types[t]),
                          r);
            /* Inner product is not a metric, so HNSW's graph is weaker there. */
            assert_true(r >= (types[t] == EMB_INDEX_HNSW ? 0.95 : 0.99));
            free(q);
            emb_test_close(e);
        }
    }
}

static void check_monotone(void *e, const emb_config *cfg, const float *q, uint32_t flag,
                           uint32_t lo, uint32_t hi)
{
    int64_t *truth = emb_test_generated_truth(cfg, q, NQ, K);
    double prev = -1;
    for (uint32_t p = lo; p <= hi; p *= 2) {
        double r = emb_test_recall_vs(e, q, NQ, DIM, K, flag, p, p, truth);
        print_message("  %s=%u recall@10=%.4f\n", flag == VMON_SEARCH_EF ? "ef" : "nprobe", p, r);
        assert_true(r >= prev - 0.01);
        prev = r;
    }
    free(truth);
}

static void ivf_recall_monotone_in_nprobe(void **state)
{
    (void)state;
    emb_config cfg;
    emb_test_config(&cfg, DIM, 10000, EMB_INDEX_IVF_SQ8);
    cfg.nlist = 64;
    void *e = emb_test_open(&cfg);
    assert_int_equal(emb_test_wait_index(e, NULL, 60), VMON_INDEX_FINISHED);
    float *q = emb_test_queries(e, NULL, NQ, DIM);
    check_monotone(e, &cfg, q, VMON_SEARCH_NPROBE, 1, 64);
    free(q);
    emb_test_close(e);

    emb_test_config(&cfg, DIM, 10000, EMB_INDEX_IVF_FLAT);
    cfg.nlist = 64;
    e = emb_test_open(&cfg);
    assert_int_equal(emb_test_wait_index(e, NULL, 60), VMON_INDEX_FINISHED);
    q = emb_test_queries(e, NULL, NQ, DIM);
    check_monotone(e, &cfg, q, VMON_SEARCH_NPROBE, 1, 64);
    free(q);
    emb_test_close(e);
}

static void hnsw_recall_monotone_in_ef(void **state)
{
    (void)state;
    emb_config cfg;
    emb_test_config(&cfg, DIM, 8000, EMB_INDEX_HNSW);
    cfg.ef_construction = 64;
    cfg.hnsw_m = 8;
    void *e = emb_test_open(&cfg);
    assert_int_equal(emb_test_wait_index(e, NULL, 120), VMON_INDEX_FINISHED);
    float *q = emb_test_queries(e, NULL, NQ, DIM);
    check_monotone(e, &cfg, q, VMON_SEARCH_EF, 16, 512);
    free(q);
    emb_test_close(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flat_equals_brute_force),
        cmocka_unit_test(ivf_full_probe_is_exact),
        cmocka_unit_test(similarity_metrics_with_indexes),
        cmocka_unit_test(ivf_recall_monotone_in_nprobe),
        cmocka_unit_test(hnsw_recall_monotone_in_ef),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
