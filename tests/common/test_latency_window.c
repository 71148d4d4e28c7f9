/* The sliding latency window, on a fake clock: what a read covers, sliding,
 * errors, reset, several writers, and writers racing a reader. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "latency_window.h"

#define MS  UINT64_C(1000000)
#define SEC (1000 * MS)

/* 10 s in 1 s slices; the fake clock starts well past 0, as a monotonic one does. */
#define T0 (UINT64_C(1000) * SEC)

static void near(double got, double want)
{
    if (fabs(got - want) > want * VMON_LOGHIST_REL_ERROR + 1e-9)
        fail_msg("got %g, want %g", got, want);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    assert_null(vmon_latency_window_new(0, 1000, 1));
    assert_null(vmon_latency_window_new(1000, 0, 1));
    assert_null(vmon_latency_window_new(1000, 2000, 1));
    assert_null(vmon_latency_window_new(1000, 1000, 0));
    assert_null(vmon_latency_window_new(1000, 1000, VMON_LATENCY_WINDOW_MAX_WRITERS + 1));
    assert_null(vmon_latency_window_new(3601000, 1000, 1));
    vmon_latency_window_free(NULL);
}

static void test_empty_window(void **state)
{
    (void)state;
    vmon_latency_window *w = vmon_latency_window_new(10000, 1000, 2);
    assert_non_null(w);
    vmon_latency_summary s;
    vmon_latency_window_read(w, T0, &s);
    assert_int_equal(s.count, 0);
    assert_false(s.full);
    assert_true(isnan(s.p95_ms) && isnan(s.qps) && isnan(s.mean_ms));
    assert_true(s.covered_ms == 0.0);
    vmon_latency_window_free(w);
}

/* 1..100 ms, one per 10 ms of clock: quantiles, mean and qps of the window. */
static void test_quantiles_and_qps(void **state)
{
    (void)state;
    vmon_latency_window *w = vmon_latency_window_new(10000, 1000, 1);
    for (uint64_t i = 1; i <= 100; i++)
        vmon_latency_window_record(w, 0, T0 + i * 10 * MS, i * MS, true);
    vmon_latency_summary s;
    uint64_t now = T0 + 1000 * MS; /* the last record is at 1 s */
    vmon_latency_window_read(w, now, &s);
    assert_int_equal(s.count, 100);
    assert_int_equal(s.errors, 0);
    near(s.p50_ms, 50);
    near(s.p95_ms, 95);
    near(s.p99_ms, 99);
    near(s.mean_ms, 50.5);
    /* The window started at the first record (T0 + 10 ms). */
    near(s.covered_ms, 990);
    near(s.qps, 100 / 0.990);
    assert_false(s.full);
    vmon_loghist h;
    vmon_latency_window_merged(w, now, &h);
    assert_int_equal(vmon_loghist_count(&h), 100);
    assert_int_equal(vmon_loghist_max_ns(&h), 100 * MS);
    vmon_latency_window_free(w);
}

/* One slice per second with its own latency: old slices leave the window. */
static void test_slides_and_fills(void **state)
{
    (void)state;
    vmon_latency_window *w = vmon_latency_window_new(10000, 1000, 1);
    for (uint64_t sec = 0; sec < 30; sec++)
        for (uint64_t k = 0; k < 10; k++)
            vmon_latency_window_record(w, 0, T0 + sec * SEC + k * 100 * MS, (sec + 1) * MS, true);
    vmon_latency_summary s;
    uint64_t now = T0 + 29 * SEC + 950 * MS;
    vmon_latency_window_read(w, now, &s);
    /* Slices 20..29 are in: latencies 21..30 ms, ten each. */
    assert_int_equal(s.count, 100);
    assert_true(s.full);
    near(s.p50_ms, 25);
    near(s.p99_ms, 30);
    vmon_loghist h;
    vmon_latency_window_merged(w, now, &h);
    assert_int_equal(vmon_loghist_min_ns(&h), 21 * MS);
    near(s.covered_ms, 9950);
    near(s.qps, 100 / 9.95);
    /* Twenty seconds later with no traffic, the window is still full and empty. */
    vmon_latency_window_read(w, now + 20 * SEC, &s);
    assert_int_equal(s.count, 0);
    assert_true(s.full);
    assert_true(s.qps == 0.0);
    assert_true(isnan(s.p95_ms));
    vmon_latency_window_free(w);
}

/* full becomes true once the window started before its oldest slice. */
static void test_full_boundary(void **state)
{
    (void)state;
    vmon_latency_window *w = vmon_latency_window_new(10000, 1000, 1);
    vmon_latency_window_record(w, 0, T0, MS, true); /* T0 is a slice boundary */
    vmon_latency_summary s;
    vmon_latency_window_read(w, T0 + 9 * SEC - 1, &s);
    assert_false(s.full);
    vmon_latency_window_read(w, T0 + 9 * SEC, &s); /* slices T0 .. T0+9 s */
    assert_true(s.full);
    assert_int_equal(s.count, 1);
    vmon_latency_window_read(w, T0 + 10 * SEC, &s); /* slice T0 left */
    assert_true(s.full);
    assert_int_equal(s.count, 0);
    vmon_latency_window_free(w);
}

static void test_errors_are_counted_not_timed(void **state)
{
    (void)state;
    vmon_latency_window *w = vmon_latency_window_new(10000, 1000, 1);
    for (int i = 0; i < 10; i++)
        vmon_latency_window_record(w, 0, T0 + SEC, 5000 * MS, false);
    vmon_latency_summary s;
    vmon_latency_window_read(w, T0 + 2 * SEC, &s);
    assert_int_equal(s.count, 10);
    assert_int_equal(s.errors, 10);
    assert_true(isnan(s.p99_ms));
    assert_true(s.qps == 0.0);
    vmon_latency_window_record(w, 0, T0 + SEC, 2 * MS, true);
    vmon_latency_window_read(w, T0 + 2 * SEC, &s);
    assert_int_equal(s.count, 11);
    near(s.p99_ms, 2);
    /* A writer out of range is ignored, not a crash. */
    vmon_latency_window_record(w, 1, T0 + SEC, 2 * MS, true);
    vmon_latency_window_read(w, T0 + 2 * SEC, &s);
    assert_int_equal(s.count, 11);
    vmon_latency_window_free(w);
}

static void test_writers_merge(void **state)
{
    (void)state;
    vmon_latency_window *w = vmon_latency_window_new(10000, 1000, 3);
    for (uint64_t i = 0; i < 300; i++)
        vmon_latency_window_record(w, (uint32_t)(i % 3), T0 + i * 10 * MS, (i % 3 + 1) * MS, true);
    vmon_loghist h;
    vmon_latency_window_merged(w, T0 + 3 * SEC, &h);
    assert_int_equal(vmon_loghist_count(&h), 300);
    assert_int_equal(vmon_loghist_min_ns(&h), MS);
    assert_int_equal(vmon_loghist_max_ns(&h), 3 * MS);
    near(vmon_loghist_mean_ns(&h), 2.0 * MS);
    vmon_latency_window_free(w);
}

/* A reset forgets everything; a writer that has not recorded since stays out. */
static void test_reset(void **state)
{
    (void)state;
    vmon_latency_window *w = vmon_latency_window_new(10000, 1000, 2);
    for (int i = 0; i < 50; i++) {
        vmon_latency_window_record(w, 0, T0 + 20 * SEC, 9 * MS, true);
        vmon_latency_window_record(w, 1, T0 + 20 * SEC, 9 * MS, true);
    }
    vmon_latency_window_reset(w, T0 + 20 * SEC + 500 * MS);
    vmon_latency_summary s;
    vmon_latency_window_read(w, T0 + 21 * SEC, &s);
    assert_int_equal(s.count, 0);
    near(s.covered_ms, 500);
    assert_false(s.full);
    /* Writer 0 records in the same slice as before the reset: only the new sample counts. */
    vmon_latency_window_record(w, 0, T0 + 20 * SEC + 600 * MS, 1 * MS, true);
    vmon_latency_window_read(w, T0 + 21 * SEC, &s);
    assert_int_equal(s.count, 1);
    near(s.p99_ms, 1);
    vmon_latency_window_free(w);
}

/* Reads at a moving clock against a model of what the window holds: the
 * reader's running sum (slices added, subtracted, rebuilt after long gaps)
 * must equal a histogram built from scratch, bucket for bucket. */
#define MODEL_RECORDS 30000

typedef struct model_rec {
    uint64_t slice; /* the slice its writer stored it in */
    uint64_t value;
    bool ok;
} model_rec;

static model_rec recs[MODEL_RECORDS];

static uint64_t model_rng = 0x853c49e6748fea9bULL;
static uint64_t model_next(void)
{
    model_rng ^= model_rng << 13;
    model_rng ^= model_rng >> 7;
    model_rng ^= model_rng << 17;
    return model_rng;
}

static void test_running_sum_matches_model(void **state)
{
    (void)state;
    enum { WRITERS3 = 3 };
    vmon_latency_window *w = vmon_latency_window_new(10000, 1000, WRITERS3);
    uint64_t writer_slice[WRITERS3] = {0, 0, 0};
    static vmon_loghist got, want;
    uint64_t now = T0;
    size_t n = 0, reads = 0;
    while (n < MODEL_RECORDS) {
        uint64_t r = model_next();
        /* Mostly small steps, now and then a pause longer than the window. */
        now += r % 500 == 0 ? 25 * SEC : r % (300 * MS);
        uint32_t k = (uint32_t)(model_next() % WRITERS3);
        uint64_t v = 1000 + model_next() % (50 * MS);
        bool ok = model_next() % 20 != 0;
        vmon_latency_window_record(w, k, now, v, ok);
        uint64_t slice = now / SEC > writer_slice[k] ? now / SEC : writer_slice[k];
        writer_slice[k] = slice;
        recs[n++] = (model_rec){slice, v, ok};
        if (model_next() % 7 != 0)
            continue;
        uint64_t at = now + model_next() % (2 * SEC);
        uint64_t newest = at / SEC, oldest = newest - 9;
        vmon_loghist_init(&want);
        uint64_t want_errors = 0;
        for (size_t i = 0; i < n; i++) {
            if (recs[i].slice < oldest || recs[i].slice > newest)
                continue;
            if (recs[i].ok)
                vmon_loghist_record(&want, recs[i].value);
            else
                want_errors++;
        }
        vmon_latency_window_merged(w, at, &got);
        vmon_latency_summary s;
        vmon_latency_window_read(w, at, &s);
        assert_int_equal(vmon_loghist_count(&got), vmon_loghist_count(&want));
        assert_int_equal(got.sum_ns, want.sum_ns);
        assert_memory_equal(got.buckets, want.buckets, sizeof got.buckets);
        assert_int_equal(s.errors, want_errors);
        if (vmon_loghist_count(&want)) {
            assert_int_equal(vmon_loghist_min_ns(&got), vmon_loghist_min_ns(&want));
            assert_int_equal(vmon_loghist_max_ns(&got), vmon_loghist_max_ns(&want));
        }
        reads++;
    }
    assert_true(reads > 1000);
    vmon_latency_window_free(w);
}

/* Writers race a reader: reads never go backwards or exceed what was written,
 * and the final read sees every sample. Run under TSan to check the races. */
#define WRITERS    4
#define PER_WRITER 200000
#define READS      1000 /* the writers' clock advances 1 ms per 200 records: 100 slice changes */

typedef struct race {
    vmon_latency_window *w;
    uint32_t index;
} race;

static void *write_many(void *arg)
{
    race *r = arg;
    for (uint64_t i = 0; i < PER_WRITER; i++)
        vmon_latency_window_record(r->w, r->index, T0 + i / 200 * MS, 1000 + i % 5000,
                                   i % 100 != 0);
    return NULL;
}

static void test_concurrent_writers_and_reader(void **state)
{
    (void)state;
    /* 2 s window in 10 ms slices: every record lands inside it. */
    vmon_latency_window *w = vmon_latency_window_new(2000, 10, WRITERS);
    pthread_t th[WRITERS];
    race rs[WRITERS];
    for (uint32_t i = 0; i < WRITERS; i++) {
        rs[i] = (race){w, i};
        assert_int_equal(pthread_create(&th[i], NULL, write_many, &rs[i]), 0);
    }
    uint64_t total = (uint64_t)WRITERS * PER_WRITER;
    vmon_latency_summary s;
    uint64_t before = 0;
    for (int k = 0; k < READS; k++) {
        vmon_latency_window_read(w, T0 + SEC, &s);
        assert_true(s.count >= before); /* no slot is recycled here: counts only grow */
        before = s.count;
        assert_true(s.count <= total);
        assert_true(s.errors <= s.count);
        if (s.count > s.errors) {
            assert_true(s.p99_ms >= 0.001 * (1 - VMON_LOGHIST_REL_ERROR));
            assert_true(s.p99_ms <= 0.006 * (1 + VMON_LOGHIST_REL_ERROR));
        }
    }
    for (uint32_t i = 0; i < WRITERS; i++)
        pthread_join(th[i], NULL);
    vmon_latency_window_read(w, T0 + SEC, &s);
    assert_int_equal(s.count, total);
    assert_int_equal(s.errors, total / 100);
    vmon_latency_window_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_empty_window),
        cmocka_unit_test(test_quantiles_and_qps),
        cmocka_unit_test(test_slides_and_fills),
        cmocka_unit_test(test_full_boundary),
        cmocka_unit_test(test_errors_are_counted_not_timed),
        cmocka_unit_test(test_writers_merge),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_running_sum_matches_model),
        cmocka_unit_test(test_concurrent_writers_and_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
