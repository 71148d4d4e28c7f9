/*
 * The stdout sink's report lines as a user reads them: no exponent notation,
 * a rate with its unit, a sub-0.01 duration not shown as 0.00, and values in
 * one column even when a name is longer than the usual width.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report_format.h"

static void shown_as(const char *name, double v, const char *want)
{
    char buf[64];
    format_sample_value(name, v, buf, sizeof buf);
    assert_string_equal(buf, want);
}

static void test_large_numbers_without_exponent(void **state)
{
    (void)state;
    shown_as("datanode.rows_total", 3482790.0, "3482790");
    shown_as("datanode.rows_total", 20000.0, "20000");
    shown_as("proxy.ratio", 0.25, "0.25");
}

static void test_rates_have_a_unit(void **state)
{
    (void)state;
    shown_as("datanode.insert_throughput_rows_per_second", 3179640.4, "3179640 /s");
    shown_as("datanode.insert_rows_per_second", 12.5, "12.50 /s");
}

static void test_small_durations_are_not_zero(void **state)
{
    (void)state;
    shown_as("datanode.scratch_flush_duration_ms", 0.0042, "0.004 ms");
    shown_as("datanode.scratch_flush_duration_ms", 0.0000042, "< 0.001 ms");
    shown_as("datanode.scratch_flush_duration_ms", 0.0, "0.00 ms");
    shown_as("indexnode.build_elapsed_seconds", 0.0042, "0.004 s");
    shown_as("proxy.client_search_latency_p95_ms", 17.354, "17.35 ms");
}

/* The column where each line's value ends. */
static long value_end(const char *text, const char *name)
{
    const char *line = strstr(text, name);
    assert_non_null(line);
    const char *p = line + strlen(name);
    while (*p == ' ')
        p++;
    while (*p && *p != '\n' && !(p[0] == ' ' && p[1] == ' '))
        p++;
    const char *start = line;
    while (start > text && start[-1] != '\n')
        start--;
    return (long)(p - start);
}

static void test_values_in_one_column(void **state)
{
    (void)state;
    vmon_sample s[] = {
        {.struct_size = sizeof s[0], .name = "datanode.rows_total", .value = 20000},
        {.struct_size = sizeof s[0],
         .name = "datanode.insert_throughput_rows_per_second",
         .value = 3179640},
        {.struct_size = sizeof s[0], .name = "datanode.scratch_flush_duration_ms", .value = 1.5},
    };
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    format_report_lines(f, s, 3);
    fclose(f);
    long a = value_end(buf, "datanode.rows_total");
    if (a != value_end(buf, "datanode.insert_throughput_rows_per_second") ||
        a != value_end(buf, "datanode.scratch_flush_duration_ms"))
        fail_msg("values not in one column:\n%s", buf);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_large_numbers_without_exponent),
        cmocka_unit_test(test_rates_have_a_unit),
        cmocka_unit_test(test_small_durations_are_not_zero),
        cmocka_unit_test(test_values_in_one_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
