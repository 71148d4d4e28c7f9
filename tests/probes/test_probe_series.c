/*
 * The arithmetic the component probes stand on: counter rates (restarts
 * included), the least-squares trend of the memory forecast, nearest-rank
 * quantiles and the seeded query vectors (recall is tested against the
 * embedded engine in components_embedded.sh).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "search_util.h"
#include "series.h"

static void rate_first_call_is_unknown_then_per_second(void **state)
{
    (void)state;
    series_table t = {0};
    assert_true(isnan(series_rate(&t, "a", 100, 10.0)));
    assert_float_equal(series_rate(&t, "a", 130, 13.0), 10.0, 1e-9);
    assert_float_equal(series_rate(&t, "a", 130, 14.0), 0.0, 1e-9);
    series_free(&t);
}

static void rate_keys_are_separate_and_restarts_count_from_zero(void **state)
{
    (void)state;
    series_table t = {0};
    series_rate(&t, "a", 1000, 0.0);
    series_rate(&t, "b", 5, 0.0);
    /* a restarted counter: 20 since the restart, not -980 */
    assert_float_equal(series_rate(&t, "a", 20, 2.0), 10.0, 1e-9);
    assert_float_equal(series_rate(&t, "b", 9, 2.0), 2.0, 1e-9);
    assert_true(isnan(series_rate(&t, "b", 11, 2.0))); /* no time passed */
    series_free(&t);
}

static void trend_needs_points_spread_over_the_window(void **state)
{
    (void)state;
    series_table t = {0};
    assert_true(isnan(series_trend(&t, "m", 100, 0.0, 100.0)));
    assert_true(isnan(series_trend(&t, "m", 110, 1.0, 100.0)));
    /* three points, but over 2 s of a 100 s window: not yet a trend */
    assert_true(isnan(series_trend(&t, "m", 120, 2.0, 100.0)));
    assert_float_equal(series_trend(&t, "m", 200, 10.0, 100.0), 10.0, 1e-9);
    series_free(&t);
}

static void trend_forgets_points_older_than_the_window(void **state)
{
    (void)state;
    series_table t = {0};
    /* rising for a while, then flat: once the rise is out of the window the slope is 0 */
    for (int i = 0; i <= 10; i++)
        series_trend(&t, "m", 10.0 * i, i, 5.0);
    double slope = 0;
    for (int i = 11; i <= 20; i++)
        slope = series_trend(&t, "m", 100, i, 5.0);
    assert_float_equal(slope, 0.0, 1e-9);
    /* a falling series has a negative slope */
    for (int i = 21; i <= 30; i++)
        slope = series_trend(&t, "m", 100 - 3.0 * (i - 20), i, 5.0);
    assert_float_equal(slope, -3.0, 1e-9);
    series_free(&t);
}

static void add_keeps_running_totals(void **state)
{
    (void)state;
    series_table t = {0};
    assert_float_equal(series_add(&t, "x", 0), 0, 0);
    assert_float_equal(series_add(&t, "x", 5), 5, 0);
    assert_float_equal(series_add(&t, "y", 2), 2, 0);
    assert_float_equal(series_add(&t, "x", -5), 0, 0);
    series_free(&t);
}

static void quantile_is_nearest_rank(void **state)
{
    (void)state;
    double v[20];
    for (int i = 0; i < 20; i++)
        v[i] = i + 1;
    assert_float_equal(search_quantile(v, 20, 0.95), 19, 0);
    assert_float_equal(search_quantile(v, 20, 0.99), 20, 0);
    assert_float_equal(search_quantile(v, 20, 0.5), 10, 0);
    assert_float_equal(search_quantile(v, 1, 0.99), 1, 0);
    assert_true(isnan(search_quantile(v, 0, 0.5)));
}

static void random_vectors_are_reproducible_and_in_range(void **state)
{
    (void)state;
    float a[64], b[64], c[64];
    search_random_vectors(a, 64, 7);
    search_random_vectors(b, 64, 7);
    search_random_vectors(c, 64, 8);
    int differ = 0;
    for (int i = 0; i < 64; i++) {
        assert_true(a[i] >= 0 && a[i] < 1);
        assert_true(a[i] == b[i]);
        differ |= a[i] != c[i];
    }
    assert_true(differ);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rate_first_call_is_unknown_then_per_second),
        cmocka_unit_test(rate_keys_are_separate_and_restarts_count_from_zero),
        cmocka_unit_test(trend_needs_points_spread_over_the_window),
        cmocka_unit_test(trend_forgets_points_older_than_the_window),
        cmocka_unit_test(add_keeps_running_totals),
        cmocka_unit_test(quantile_is_nearest_rank),
        cmocka_unit_test(random_vectors_are_reproducible_and_in_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
