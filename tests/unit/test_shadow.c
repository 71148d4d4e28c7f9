/* The shadow measurement against an in-process fake target whose recall at a
 * given nprobe / ef is known, and the recall interval by simulation. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shadow.h"

#define DIM   4
#define NLIST 16
#define K     10

/* Rows are the points (i, 0, 0, 0), i = 0..rows-1; the true neighbours of q
 * are the rows nearest q[0]. A search at nprobe p (ef e) loses the last
 * K * (NLIST - p) / NLIST of them (K * (4096 - e) / 4096), replaced by far ids. */
typedef struct fake {
    uint64_t rows;
    const char *index_type; /* IVF_FLAT, HNSW, FLAT */
    int fail_every;         /* every n-th search fails (0: never) */
    int fail_all;
    int exact_calls, searches, exhaustive_searches;
} fake;

static char err[512];

static int fake_stats(void *ctx, const char *coll, vmon_collection_stats *out, char *e, size_t el)
{
    fake *f = ctx;
    (void)coll, (void)e, (void)el;
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    out->dim = DIM;
    out->row_count = f->rows;
    out->nlist = strcmp(f->index_type, "IVF_FLAT") == 0 ? NLIST : 0;
    out->m = strcmp(f->index_type, "HNSW") == 0 ? 16 : 0;
    snprintf(out->index_type, sizeof out->index_type, "%s", f->index_type);
    return VMON_OK;
}

/* The `top_k` rows nearest x, nearest first, the first `lost` of the tail replaced. */
static void neighbours(const fake *f, float x, uint32_t top_k, uint32_t lost, int64_t *ids,
                       float *d)
{
    int64_t centre = (int64_t)lroundf(x);
    uint32_t n = 0;
    for (int64_t off = 0; n < top_k && off <= (int64_t)f->rows; off++) {
        int64_t cand[2] = {centre - off, centre + off};
        for (int c = 0; c < (off ? 2 : 1) && n < top_k; c++)
            if (cand[c] >= 0 && cand[c] < (int64_t)f->rows)
                ids[n] = cand[c], d[n] = (float)off, n++;
    }
    for (; n < top_k; n++)
        ids[n] = -1, d[n] = INFINITY;
    for (uint32_t j = 0; j < lost && j < top_k; j++)
        ids[top_k - 1 - j] = 1000000 + j; /* not a row: never a true neighbour */
}

static int fake_exact(void *ctx, const char *coll, const vmon_search_request *req, int64_t *ids,
                      float *d, char *e, size_t el)
{
    fake *f = ctx;
    (void)coll, (void)e, (void)el;
    f->exact_calls++;
    for (uint32_t q = 0; q < req->n_queries; q++)
        neighbours(f, req->queries[q * req->dim], req->top_k, 0, ids + q * req->top_k,
                   d + q * req->top_k);
    return VMON_OK;
}

static int fake_search(void *ctx, const char *coll, const vmon_search_request *req, int64_t *ids,
                       float *d, char *e, size_t el)
{
    fake *f = ctx;
    (void)coll;
    f->searches++;
    if (f->fail_all || (f->fail_every && f->searches % f->fail_every == 0)) {
        snprintf(e, el, "fake failure %d", f->searches);
        return VMON_RETRY;
    }
    uint32_t lost = 0;
    if (req->flags & VMON_SEARCH_NPROBE) {
        lost = req->top_k * (NLIST - req->nprobe) / NLIST;
        f->exhaustive_searches += req->nprobe == NLIST;
    } else if (req->flags & VMON_SEARCH_EF) {
        lost = req->ef >= 4096 ? 0 : req->top_k * (4096 - req->ef) / 4096;
        f->exhaustive_searches += req->ef >= VMON_SHADOW_EXHAUSTIVE_EF;
    }
    for (uint32_t q = 0; q < req->n_queries; q++)
        neighbours(f, req->queries[q * req->dim], req->top_k, lost, ids + q * req->top_k,
                   d + q * req->top_k);
    return VMON_OK;
}

static int fake_sample(void *ctx, const char *coll, uint32_t n, uint64_t seed, uint32_t dim,
                       float *out, char *e, size_t el)
{
    fake *f = ctx;
    (void)coll, (void)e, (void)el;
    for (uint32_t i = 0; i < n; i++) {
        memset(out + i * dim, 0, dim * sizeof *out);
        out[i * dim] = (float)((seed + i * 7) % f->rows) + 0.25f;
    }
    return VMON_OK;
}

/* A target table with or without the optional operations. */
static vmon_target_ops make_ops(int with_exact, int with_sample)
{
    vmon_target_ops ops = {.struct_size = sizeof ops, .kind = VMON_KIND_TARGET};
    ops.collection_stats = fake_stats;
    ops.search = fake_search;
    ops.exact_search = with_exact ? fake_exact : NULL;
    ops.sample_queries = with_sample ? fake_sample : NULL;
    return ops;
}

static vmon_shadow *new_shadow(const vmon_target_ops *ops, fake *f, uint32_t n)
{
    vmon_shadow_config cfg;
    vmon_shadow_config_default(&cfg);
    cfg.n_queries = n;
    vmon_shadow *s = vmon_shadow_new(ops, f, "docs", &cfg, err, sizeof err);
    assert_non_null(s);
    return s;
}

static vmon_search_params nprobe(uint32_t p)
{
    return (vmon_search_params){.struct_size = sizeof(vmon_search_params), .top_k = K, .nprobe = p};
}

static void test_recall_against_exact_search(void **state)
{
    (void)state;
    fake f = {.rows = 5000, .index_type = "IVF_FLAT"};
    vmon_target_ops ops = make_ops(1, 1);
    vmon_shadow *s = new_shadow(&ops, &f, 200);
    vmon_arm_figures fig;
    vmon_search_params p = nprobe(NLIST);
    assert_int_equal(vmon_shadow_measure(s, &p, &fig, err, sizeof err), VMON_OK);
    assert_true(fig.recall == 1.0 && fig.recall_high == 1.0);
    assert_true(fig.recall_low < 1.0 && fig.recall_low > 0.97);
    assert_int_equal(fig.recall_exact, 1);
    assert_int_equal(fig.recall_queries, 200);
    assert_int_equal(fig.samples, 200);
    assert_int_equal(fig.errors, 0);
    assert_true(fig.p95_ms >= fig.p50_ms && fig.p50_ms >= 0 && fig.qps > 0);
    p = nprobe(8); /* loses 5 of 10 */
    assert_int_equal(vmon_shadow_measure(s, &p, &fig, err, sizeof err), VMON_OK);
    assert_true(fabs(fig.recall - 0.5) < 1e-12);
    assert_true(fig.recall_low < 0.5 && fig.recall_high > 0.5);
    p = nprobe(12); /* loses 2 */
    assert_int_equal(vmon_shadow_measure(s, &p, &fig, err, sizeof err), VMON_OK);
    assert_true(fabs(fig.recall - 0.8) < 1e-12);
    /* Ground truth computed once: 200 queries in batches of 64. */
    assert_int_equal(vmon_shadow_truth_runs(s), 1);
    assert_int_equal(f.exact_calls, 4);
    vmon_shadow_free(s);
}

static void test_truth_recomputed_when_rows_change(void **state)
{
    (void)state;
    fake f = {.rows = 3000, .index_type = "IVF_FLAT"};
    vmon_target_ops ops = make_ops(1, 1);
    vmon_shadow *s = new_shadow(&ops, &f, 50);
    vmon_arm_figures fig;
    vmon_search_params p = nprobe(NLIST);
    assert_int_equal(vmon_shadow_measure(s, &p, &fig, err, sizeof err), VMON_OK);
    assert_int_equal(vmon_shadow_measure(s, &p, &fig, err, sizeof err), VMON_OK);
    assert_int_equal(vmon_shadow_truth_runs(s), 1);
    f.rows = 3500;
    assert_int_equal(vmon_shadow_measure(s, &p, &fig, err, sizeof err), VMON_OK);
    assert_int_equal(vmon_shadow_truth_runs(s), 2);
    p.top_k = 5; /* another k: another truth */
    assert_int_equal(vmon_shadow_measure(s, &p, &fig, err, sizeof err), VMON_OK);
    assert_int_equal(vmon_shadow_truth_runs(s), 3);
    assert_true(fig.recall == 1.0);
    vmon_shadow_free(s);
}

static void test_exhaustive_setting_stands_in(void **state)
{
    (void)state;
    fake f = {.rows = 2000, .index_type = "IVF_FLAT"};
    vmon_target_ops ops = make_ops(0, 1);
    vmon_shadow *s = new_shadow(&ops, &f, 100);
    vmon_arm_figures fig;
    vmon_search_params p = nprobe(8);
    assert_int_equal(vmon_shadow_measure(s, &p, &fig, err, sizeof err), VMON_OK);
    assert_int_equal(fig.recall_exact, 0);
    assert_true(fabs(fig.recall - 0.5) < 1e-12);
    assert_int_equal(f.exhaustive_searches, 2); /* 100 queries in batches of 64, nprobe = nlist */
    vmon_shadow_free(s);

    fake h = {.rows = 2000, .index_type = "HNSW"};
    s = new_shadow(&ops, &h, 100);
    p = (vmon_search_params){.struct_size = sizeof p, .top_k = K, .ef = 2048}; /* loses 5 */
    assert_int_equal(vmon_shadow_measure(s, &p, &fig, err, sizeof err), VMON_OK);
    assert_int_equal(fig.recall_exact, 0);
    assert_int_equal(h.exhaustive_searches, 2);
    assert_true(fabs(fig.recall - 0.5) < 1e-12);
    vmon_shadow_free(s);

    fake flat = {.rows = 2000, .index_type = "FLAT"};
    s = new_shadow(&ops, &flat, 10);
    p = (vmon_search_params){.struct_size = sizeof p, .top_k = K};
    assert_int_equal(vmon_shadow_measure(s, &p, &fig, err, sizeof err), VMON_OK);
    assert_int_equal(fig.recall_exact, 1); /* a FLAT search is exact */
    assert_true(fig.recall == 1.0);
    vmon_shadow_free(s);
}

static void test_queries_given_or_sampled(void **state)
{
    (void)state;
    fake f = {.rows = 1000, .index_type = "IVF_FLAT"};
    vmon_target_ops ops = make_ops(1, 0);
    vmon_shadow *s = new_shadow(&ops, &f, 100);
    vmon_arm_figures fig;
    vmon_search_params p = nprobe(NLIST);
    assert_int_equal(vmon_shadow_measure(s, &p, &fig, err, sizeof err), VMON_ENOTSUP);
    assert_non_null(strstr(err, "give query vectors"));
    assert_non_null(strstr(err, "docs"));
    float q[3 * DIM] = {10.2f, 0, 0, 0, 500.4f, 0, 0, 0, 999.0f, 0, 0, 0};
    assert_int_equal(vmon_shadow_set_queries(s, q, 3, DIM, err, sizeof err), VMON_OK);
    p = nprobe(4); /* loses 7 */
    assert_int_equal(vmon_shadow_measure(s, &p, &fig, err, sizeof err), VMON_OK);
    assert_int_equal(fig.recall_queries, 3);
    assert_true(fabs(fig.recall - 0.3) < 1e-12);
    assert_int_equal(vmon_shadow_set_queries(s, q, 3, DIM - 1, err, sizeof err), VMON_OK);
    assert_int_equal(vmon_shadow_measure(s, &p, &fig, err, sizeof err), VMON_EINVAL);
    assert_non_null(strstr(err, "dimension 3"));
    assert_int_equal(vmon_shadow_set_queries(s, q, 0, DIM, err, sizeof err), VMON_EINVAL);
    vmon_shadow_free(s);
}

static void test_failed_searches(void **state)
{
    (void)state;
    fake f = {.rows = 1000, .index_type = "IVF_FLAT", .fail_every = 4};
    vmon_target_ops ops = make_ops(1, 1);
    vmon_shadow *s = new_shadow(&ops, &f, 100);
    vmon_arm_figures fig;
    vmon_search_params p = nprobe(NLIST);
    assert_int_equal(vmon_shadow_measure(s, &p, &fig, err, sizeof err), VMON_OK);
    assert_int_equal(fig.samples, 100);
    assert_int_equal(fig.errors, 25);
    assert_int_equal(fig.recall_queries, 75);
    f.fail_all = 1;
    assert_int_equal(vmon_shadow_measure(s, &p, &fig, err, sizeof err), VMON_RETRY);
    assert_non_null(strstr(err, "all 100 searches"));
    assert_non_null(strstr(err, "fake failure"));
    vmon_shadow_free(s);
    vmon_target_ops none = {.struct_size = sizeof none};
    vmon_shadow_config cfg;
    vmon_shadow_config_default(&cfg);
    assert_null(vmon_shadow_new(&none, &f, NULL, &cfg, err, sizeof err));
    cfg.n_queries = 0;
    assert_null(vmon_shadow_new(&ops, &f, NULL, &cfg, err, sizeof err));
}

static void test_interval_edges(void **state)
{
    (void)state;
    double r[200], mean, lo, hi;
    for (int i = 0; i < 200; i++)
        r[i] = 1.0;
    vmon_shadow_recall_interval(r, 200, 10, &mean, &lo, &hi);
    assert_true(mean == 1.0 && hi == 1.0);
    /* All perfect: the cautious end, n = 200 trials, lower bound n / (n + z^2). */
    assert_true(fabs(lo - 200.0 / (200.0 + 1.959963984540054 * 1.959963984540054)) < 1e-9);
    for (int i = 0; i < 200; i++)
        r[i] = 0.0;
    vmon_shadow_recall_interval(r, 200, 10, &mean, &lo, &hi);
    assert_true(mean == 0.0 && lo == 0.0 && hi > 0.0 && hi < 0.03);
    vmon_shadow_recall_interval(r, 0, 10, &mean, &lo, &hi);
    assert_true(isnan(mean) && isnan(lo) && isnan(hi));
    vmon_shadow_recall_interval(r, 1, 10, &mean, &lo, &hi);
    assert_true(lo == 0.0 && hi > 0.5);
}

/* Coverage by simulation: recalls that pile up at 1 with clustered misses. */
static uint64_t rng = 88172645463325252ULL;
static double uniform(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static void test_interval_coverage(void **state)
{
    (void)state;
    /* A query is perfect with probability 0.7, else misses 1..5 of 10 (uniform):
     * true mean recall 0.7 + 0.3 * (1 - 0.3) = 0.91. */
    const double truth = 0.91;
    const int trials = 2000, n = 100;
    double r[100];
    int covered = 0;
    for (int t = 0; t < trials; t++) {
        for (int i = 0; i < n; i++)
            r[i] = uniform() < 0.7 ? 1.0 : 1.0 - (double)(1 + (int)(uniform() * 5)) / 10.0;
        double mean, lo, hi;
        vmon_shadow_recall_interval(r, (uint32_t)n, 10, &mean, &lo, &hi);
        assert_true(lo <= mean && mean <= hi && lo >= 0 && hi <= 1);
        covered += lo <= truth && truth <= hi;
    }
    double coverage = (double)covered / trials;
    if (coverage < 0.93 || coverage > 0.99)
        fail_msg("coverage %.3f of a 95%% interval", coverage);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recall_against_exact_search),
        cmocka_unit_test(test_truth_recomputed_when_rows_change),
        cmocka_unit_test(test_exhaustive_setting_stands_in),
        cmocka_unit_test(test_queries_given_or_sampled),
        cmocka_unit_test(test_failed_searches),
        cmocka_unit_test(test_interval_edges),
        cmocka_unit_test(test_interval_coverage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
