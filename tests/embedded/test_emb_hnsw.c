#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
/* The engine's HNSW search path gives exactly what FAISS gives with the
 * index's efSearch set to the request's ef: same ids, same distances, for
 * ef below, at and far above the efSearch the index was saved with, single
 * queries and batches, L2 and IP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emb_test_util.h"
#include "faiss_reference.h"

enum { DIM = 24, N = 6000, NQ = 40, K = 10 };

static void check_metric(uint32_t metric)
{
    char *dir = emb_test_tmpdir();
    emb_config cfg;
    emb_test_config(&cfg, DIM, N, EMB_INDEX_HNSW);
    cfg.profile = EMB_PROFILE_HARD; /* neighbourhoods where ef changes the answer */
    cfg.clusters = 0;
    cfg.spread = 0;
    emb_profile_shape(cfg.profile, &cfg.clusters, &cfg.spread);
    cfg.metric = metric;
    cfg.hnsw_m = 8;
    cfg.ef_construction = 40;
    cfg.data_dir = dir;
    void *e = emb_test_open(&cfg);
    assert_int_equal(emb_test_wait_index(e, NULL, 120), VMON_INDEX_FINISHED);
    char *path = NULL;
    assert_true(asprintf(&path, "%s/default/seg_1.index.vmon", dir) > 0);
    assert_int_equal(emb_ref_load(path), 0);

    float *q = emb_test_queries(e, NULL, NQ, DIM);
    int64_t *ids = malloc(sizeof(int64_t) * NQ * K), *ref = malloc(sizeof(int64_t) * NQ * K);
    float *d = malloc(sizeof(float) * NQ * K), *rd = malloc(sizeof(float) * NQ * K);
    char err[256];
    const uint32_t efs[] = {K, 16, 64, 300, 1500};
    int64_t *first = malloc(sizeof(int64_t) * NQ * K);
    uint64_t changed = 0;
    for (size_t i = 0; i < sizeof efs / sizeof *efs; i++) {
        emb_ref_search_hnsw(q, NQ, K, efs[i], ref, rd);
        for (uint32_t batch = 1; batch <= NQ; batch = batch == 1 ? NQ : NQ + 1) {
            for (uint32_t at = 0; at < NQ; at += batch) {
                vmon_search_request r = emb_test_request(q + (size_t)at * DIM, batch, DIM, K);
                r.flags = VMON_SEARCH_EF;
                r.ef = efs[i];
                assert_int_equal(emb_target_ops.search(e, NULL, &r, ids + (size_t)at * K,
                                                       d + (size_t)at * K, err, sizeof err),
                                 VMON_OK);
            }
            assert_memory_equal(ids, ref, sizeof(int64_t) * NQ * K);
            assert_memory_equal(d, rd, sizeof(float) * NQ * K);
        }
        if (i == 0)
            memcpy(first, ids, sizeof(int64_t) * NQ * K);
        for (uint32_t j = 0; i + 1 == sizeof efs / sizeof *efs && j < NQ * K; j++)
            changed += first[j] != ids[j];
    }
    /* Otherwise ef would not have been exercised at all. */
    print_message("  metric %u: %llu of %d results differ between ef %u and ef %u\n", metric,
                  (unsigned long long)changed, NQ * K, efs[0], efs[4]);
    assert_true(changed > 0);
    free(first);
    emb_ref_unload();
    free(path);
    free(q);
    free(ids);
    free(ref);
    free(d);
    free(rd);
    emb_test_close(e);
    emb_test_rmdir(dir);
}

static void l2_identical_to_faiss(void **state)
{
    (void)state;
    check_metric(VMON_METRIC_L2);
}

static void ip_identical_to_faiss(void **state)
{
    (void)state;
    check_metric(VMON_METRIC_IP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(l2_identical_to_faiss),
        cmocka_unit_test(ip_identical_to_faiss),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
