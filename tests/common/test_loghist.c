/* The log-linear histogram: quantiles within the stated error of the exact
 * sorted quantile, on random and adversarial data; merge, iterator, reset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loghist.h"

#define N_MAX 20000

static uint64_t values[N_MAX];
static uint64_t sorted[N_MAX];
static vmon_loghist hist;

/* A fixed-seed generator, so a failure is reproducible. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t next_random(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static uint64_t exact_quantile(size_t n, double q)
{
    double r = q * (double)n;
    size_t rank = (size_t)r;
    if ((double)rank < r)
        rank++;
    if (rank == 0)
        rank = 1;
    return sorted[rank - 1];
}

/* Records values[0..n), then checks every quantile of interest against the sorted copy. */
static void check_quantiles(size_t n)
{
    static const double qs[] = {0.0,  0.001, 0.01, 0.1,  0.25,  0.5,
                                0.75, 0.9,   0.95, 0.99, 0.999, 1.0};
    vmon_loghist_init(&hist);
    for (size_t i = 0; i < n; i++) {
        uint64_t v = values[i] > VMON_LOGHIST_MAX_NS ? VMON_LOGHIST_MAX_NS : values[i];
        sorted[i] = v;
        vmon_loghist_record(&hist, values[i]);
    }
    qsort(sorted, n, sizeof sorted[0], cmp_u64);
    assert_int_equal(vmon_loghist_count(&hist), n);
    assert_int_equal(vmon_loghist_min_ns(&hist), sorted[0]);
    assert_int_equal(vmon_loghist_max_ns(&hist), sorted[n - 1]);
    for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
        double exact = (double)exact_quantile(n, qs[k]);
        double got = (double)vmon_loghist_quantile_ns(&hist, qs[k]);
        double err = got > exact ? got - exact : exact - got;
        if (err > exact * VMON_LOGHIST_REL_ERROR)
            fail_msg("q=%g: got %.0f, exact %.0f (n=%zu)", qs[k], got, exact, n);
    }
}

static void test_uniform_random(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_MAX; i++)
        values[i] = 100000 + next_random() % 20000000; /* 0.1 .. 20 ms */
    check_quantiles(N_MAX);
}

static void test_log_uniform_over_whole_range(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_MAX; i++) {
        uint32_t bits = (uint32_t)(next_random() % VMON_LOGHIST_VALUE_BITS);
        values[i] = (UINT64_C(1) << bits) + next_random() % (UINT64_C(1) << bits);
    }
    check_quantiles(N_MAX);
}

static void test_small_counts(void **state)
{
    (void)state;
    for (size_t n = 1; n <= 7; n++) {
        for (size_t i = 0; i < n; i++)
            values[i] = 1000 + next_random() % 1000000;
        check_quantiles(n);
    }
}

/* Every value on a bucket edge: the first and last value of each bucket. */
static void test_bucket_edges(void **state)
{
    (void)state;
    size_t n = 0;
    for (uint32_t i = 0; i < VMON_LOGHIST_BUCKETS && n + 2 <= N_MAX; i += 3) {
        uint64_t lo, hi;
        vmon_loghist_bucket_bounds(i, &lo, &hi);
        values[n++] = lo;
        values[n++] = hi - 1;
    }
    check_quantiles(n);
}

/* Two far-apart modes: 1 ns and the top of the range, with a long tail between. */
static void test_bimodal_extremes(void **state)
{
    (void)state;
    size_t n = 0;
    for (; n < 9000; n++)
        values[n] = 1;
    for (; n < 9900; n++)
        values[n] = VMON_LOGHIST_MAX_NS;
    for (; n < 10000; n++)
        values[n] = 1 + next_random() % VMON_LOGHIST_MAX_NS;
    check_quantiles(n);
}

static void test_constant_zero_and_beyond_range(void **state)
{
    (void)state;
    for (size_t i = 0; i < 100; i++)
        values[i] = 0;
    check_quantiles(100);
    for (size_t i = 0; i < 100; i++)
        values[i] = UINT64_MAX - i; /* clamped to the top of the range */
    check_quantiles(100);
    assert_int_equal(vmon_loghist_max_ns(&hist), VMON_LOGHIST_MAX_NS);
}

static void test_mean_and_empty(void **state)
{
    (void)state;
    vmon_loghist_init(&hist);
    assert_int_equal(vmon_loghist_count(&hist), 0);
    assert_int_equal(vmon_loghist_quantile_ns(&hist, 0.5), 0);
    assert_int_equal(vmon_loghist_min_ns(&hist), 0);
    assert_true(vmon_loghist_mean_ns(&hist) == 0.0);
    vmon_loghist_record(&hist, 1000);
    vmon_loghist_record_n(&hist, 4000, 3);
    assert_int_equal(vmon_loghist_count(&hist), 4);
    assert_true(vmon_loghist_mean_ns(&hist) == 3250.0);
    vmon_loghist_reset(&hist);
    assert_int_equal(vmon_loghist_count(&hist), 0);
    vmon_loghist_iter it;
    vmon_loghist_bucket b;
    vmon_loghist_iter_init(&it, &hist);
    assert_false(vmon_loghist_iter_next(&it, &b));
}

/* Merging two halves gives the same histogram as recording everything in one. */
static void test_merge_equals_single(void **state)
{
    (void)state;
    static vmon_loghist a, b, all;
    vmon_loghist_init(&a);
    vmon_loghist_init(&b);
    vmon_loghist_init(&all);
    for (int i = 0; i < 5000; i++) {
        uint64_t v = next_random() % 50000000;
        vmon_loghist_record(i % 3 ? &a : &b, v);
        vmon_loghist_record(&all, v);
    }
    vmon_loghist_merge(&a, &b);
    assert_memory_equal(&a, &all, sizeof a);
    vmon_loghist_init(&b); /* merging an empty one changes nothing */
    vmon_loghist_merge(&a, &b);
    assert_memory_equal(&a, &all, sizeof a);
}

/* The iterator visits non-empty buckets in order; each value lies in its bucket. */
static void test_iterator(void **state)
{
    (void)state;
    vmon_loghist_init(&hist);
    static const uint64_t vs[] = {0, 5, 127, 128, 130, 1000, 1000, 123456789, VMON_LOGHIST_MAX_NS};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
        vmon_loghist_record(&hist, vs[i]);
    vmon_loghist_iter it;
    vmon_loghist_bucket bk;
    vmon_loghist_iter_init(&it, &hist);
    uint64_t total = 0, prev_upper = 0;
    size_t k = 0, buckets = 0;
    while (vmon_loghist_iter_next(&it, &bk)) {
        assert_true(bk.count > 0);
        assert_true(bk.lower_ns >= prev_upper);
        assert_true(bk.upper_ns > bk.lower_ns);
        /* The widths keep the stated error: at most 1/64 of the lower bound, or 1. */
        assert_true(bk.upper_ns - bk.lower_ns == 1 ||
                    (bk.upper_ns - bk.lower_ns) * 64 <= bk.lower_ns);
        for (uint64_t c = 0; c < bk.count; c++, k++)
            assert_true(vs[k] >= bk.lower_ns && vs[k] < bk.upper_ns);
        total += bk.count;
        prev_upper = bk.upper_ns;
        buckets++;
    }
    assert_int_equal(total, sizeof vs / sizeof vs[0]);
    assert_int_equal(buckets, 8); /* the two 1000s share a bucket */
}

/* Bounds and index agree over the whole range: buckets tile it without gaps. */
static void test_bounds_tile_range(void **state)
{
    (void)state;
    uint64_t expect_lower = 0;
    for (uint32_t i = 0; i < VMON_LOGHIST_BUCKETS; i++) {
        uint64_t lo, hi;
        vmon_loghist_bucket_bounds(i, &lo, &hi);
        assert_int_equal(lo, expect_lower);
        assert_int_equal(vmon_loghist_index(lo), i);
        assert_int_equal(vmon_loghist_index(hi - 1), i);
        expect_lower = hi;
    }
    assert_int_equal(expect_lower, VMON_LOGHIST_MAX_NS + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uniform_random),
        cmocka_unit_test(test_log_uniform_over_whole_range),
        cmocka_unit_test(test_small_counts),
        cmocka_unit_test(test_bucket_edges),
        cmocka_unit_test(test_bimodal_extremes),
        cmocka_unit_test(test_constant_zero_and_beyond_range),
        cmocka_unit_test(test_mean_and_empty),
        cmocka_unit_test(test_merge_equals_single),
        cmocka_unit_test(test_iterator),
        cmocka_unit_test(test_bounds_tile_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
