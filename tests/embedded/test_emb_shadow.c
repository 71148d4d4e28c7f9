/* The shadow measurement on the embedded engine (10k rows, IVF_FLAT): recall
 * at nprobe = nlist is 1, grows with nprobe, agrees with the engine tests'
 * own recall, and the exhaustive stand-in says it is one. */
#include <math.h>
#include <stdlib.h>

#include "emb_test_util.h"
#include "shadow.h"

enum { DIM = 32, K = 10, NQ = 200, NLIST = 64 };

static vmon_arm_figures measure(vmon_shadow *s, uint32_t nprobe)
{
    vmon_search_params p = {.struct_size = sizeof p, .top_k = K, .nprobe = nprobe};
    vmon_arm_figures f;
    char err[256];
    if (vmon_shadow_measure(s, &p, &f, err, sizeof err) != VMON_OK)
        fail_msg("%s", err);
    return f;
}

static void shadow_recall_on_ivf(void **state)
{
    (void)state;
    emb_config cfg;
    emb_test_config(&cfg, DIM, 10000, EMB_INDEX_IVF_FLAT);
    cfg.nlist = NLIST;
    void *e = emb_test_open(&cfg);
    assert_int_equal(emb_test_wait_index(e, NULL, 60), VMON_INDEX_FINISHED);
    vmon_shadow_config sc;
    vmon_shadow_config_default(&sc);
    sc.n_queries = NQ;
    sc.top_k = K;
    char err[256];
    vmon_shadow *s = vmon_shadow_new(&emb_target_ops, e, NULL, &sc, err, sizeof err);
    assert_non_null(s);

    vmon_arm_figures all = measure(s, NLIST);
    assert_true(all.recall == 1.0);
    assert_int_equal(all.recall_exact, 1);
    assert_int_equal(all.recall_queries, NQ);
    assert_true(all.p50_ms > 0 && all.p99_ms >= all.p50_ms && all.qps > 0);
    vmon_arm_figures one = measure(s, 1), eight = measure(s, 8);
    assert_true(one.recall < eight.recall && eight.recall <= all.recall);
    assert_true(eight.recall_low <= eight.recall && eight.recall <= eight.recall_high);
    assert_int_equal(vmon_shadow_truth_runs(s), 1);

    /* The same figure as the engine tests compute, on the same sampled queries. */
    float *q = malloc(sizeof(float) * NQ * DIM);
    assert_int_equal(emb_target_ops.sample_queries(e, NULL, NQ, sc.seed, DIM, q, err, sizeof err),
                     VMON_OK);
    double expect = emb_test_recall(e, NULL, q, NQ, DIM, K, VMON_SEARCH_NPROBE, 8, 0);
    assert_true(fabs(eight.recall - expect) < 1e-9);
    free(q);
    vmon_shadow_free(s);

    /* Without exact_search, nprobe = nlist stands in, and the figures say so. */
    vmon_target_ops no_exact = emb_target_ops;
    no_exact.exact_search = NULL;
    s = vmon_shadow_new(&no_exact, e, NULL, &sc, err, sizeof err);
    vmon_arm_figures stand_in = measure(s, 8);
    assert_int_equal(stand_in.recall_exact, 0);
    assert_true(fabs(stand_in.recall - eight.recall) < 0.02);
    vmon_shadow_free(s);
    emb_test_close(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(shadow_recall_on_ivf)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
