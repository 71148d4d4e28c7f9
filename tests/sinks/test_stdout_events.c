/*
 * The stdout sink's human form of events: the story of the seed's run
 * (figures against the baseline, P95 up 2.0x, nprobe 16 -> 11, the split,
 * both arms and the verdict), from the fields docs/architecture.md names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event_format.h"

static char *render(uint32_t type, const char *type_name, const vmon_label *fields, uint32_t n)
{
    vmon_label labels[] = {{"collection", "docs"}, {"pipeline", "autotune"}};
    vmon_event e = {.struct_size = sizeof e,
                    .type = type,
                    .n_labels = 2,
                    .n_fields = n,
                    .sequence = 7,
                    .time_ms = 1764620193000,
                    .type_name = type_name,
                    .pipeline = "autotune",
                    .labels = labels,
                    .fields = fields,
                    .message = "one human line",
                    .idempotency_key = "autotune-x-7"};
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    format_event(mem, &e);
    fclose(mem);
    return buf;
}

#define HAS(text, needle)                                                                          \
    do {                                                                                           \
        if (!strstr(text, needle))                                                                 \
            fail_msg("missing \"%s\" in:\n%s", needle, text);                                      \
    } while (0)

static void test_degradation_against_baseline(void **state)
{
    (void)state;
    vmon_label f[] = {{"current.mean_ms", "2.10378"}, {"current.p95_ms", "4.00"},
                      {"current.qps", "700.0"},       {"baseline.mean_ms", "1.05"},
                      {"baseline.p95_ms", "2.00"},    {"baseline.qps", "950.0"},
                      {"p95_ratio", "2.0"},           {"reason", "rows grew 200000 -> 400000"}};
    char *out = render(VMON_EVENT_DEGRADATION, "degradation", f, 8);
    HAS(out, "==== event #7 degradation  collection=docs  pipeline=autotune");
    HAS(out, "  one human line\n");
    HAS(out, "  current:  mean 2.104 ms, P95 4 ms, QPS 700\n"); /* 4 digits for a reader */
    HAS(out, "  baseline: mean 1.05 ms, P95 2 ms, QPS 950\n");
    HAS(out, "P95 up 2.0x");
    HAS(out, "  reason: rows grew 200000 -> 400000\n");
    free(out);
}

static void test_experiment_start_shows_change_and_split(void **state)
{
    (void)state;
    vmon_label f[] = {
        {"a.nprobe", "16"}, {"b.nprobe", "11"}, {"a.weight", "0.9"}, {"b.weight", "0.1"}};
    char *out = render(VMON_EVENT_EXPERIMENT_START, "experiment_start", f, 4);
    HAS(out, "  A: nprobe 16\n  B: nprobe 11\n");
    HAS(out, "nprobe 16 -> 11");
    HAS(out, "A 90% / B 10%");
    free(out);
}

static void test_ramp_step(void **state)
{
    (void)state;
    vmon_label f[] = {{"b.weight", "0.25"}, {"step", "2"}, {"steps", "4"}};
    char *out = render(VMON_EVENT_RAMP_STEP, "ramp_step", f, 3);
    HAS(out, "A 75% / B 25% (step 2 of 4)");
    free(out);
}

static void test_verdict_shows_both_arms(void **state)
{
    (void)state;
    vmon_label f[] = {{"a.mean_ms", "2.10"},   {"a.p95_ms", "4.00"},  {"a.recall", "0.962"},
                      {"b.mean_ms", "1.60"},   {"b.p95_ms", "2.90"},  {"b.recall", "0.951"},
                      {"change_pct", "-23.8"}, {"verdict", "promote"}};
    char *out = render(VMON_EVENT_VERDICT, "verdict", f, 8);
    HAS(out, "  A: mean 2.1 ms, P95 4 ms, recall 0.962\n");
    HAS(out, "  B: mean 1.6 ms, P95 2.9 ms, recall 0.951\n");
    HAS(out, "  change: -23.8%\n");
    HAS(out, "  verdict: promote\n");
    free(out);
}

/* A target without exact_search: the exhaustive setting stood in, and the output says so. */
static void test_recall_against_a_stand_in_says_so(void **state)
{
    (void)state;
    vmon_label f[] = {{"a.p95_ms", "4.00"},    {"a.recall", "0.93"},
                      {"a.recall_exact", "0"}, {"a.recall_truth", "nprobe = nlist"},
                      {"b.p95_ms", "2.90"},    {"b.recall", "0.951"},
                      {"b.recall_exact", "1"}, {"verdict", "keep"}};
    char *out = render(VMON_EVENT_VERDICT, "verdict", f, 8);
    HAS(out, "  A: P95 4 ms, recall 0.93 (against nprobe = nlist, not exact search)\n");
    HAS(out, "  B: P95 2.9 ms, recall 0.951\n");
    free(out);
    vmon_label g[] = {{"a.ef", "64"},
                      {"baseline.p95_ms", "2"},
                      {"baseline.recall", "0.9"},
                      {"baseline.recall_exact", "0"},
                      {"baseline.recall_truth", "ef = 4096"}};
    out = render(VMON_EVENT_BASELINE, "baseline", g, 5);
    HAS(out, "  baseline: P95 2 ms, recall 0.9 (against ef = 4096, not exact search)\n");
    free(out);
    /* no stand-in named: still not called exact */
    out = render(VMON_EVENT_BASELINE, "baseline", g, 4);
    HAS(out, "recall 0.9 (against an exhaustive setting, not exact search)\n");
    free(out);
}

static void test_promotion_rollback_infeasible(void **state)
{
    (void)state;
    vmon_label f[] = {{"a.nprobe", "16"},
                      {"b.nprobe", "11"},
                      {"b.weight", "0"},
                      {"a.top_k", "10"},
                      {"b.top_k", "10"}};
    char *out = render(VMON_EVENT_PROMOTION, "promotion", f, 5);
    HAS(out, "  now nprobe 16 -> 11\n");
    if (strstr(out, "top_k 10 -> 10"))
        fail_msg("a parameter B keeps is not a change:\n%s", out);
    free(out);
    out = render(VMON_EVENT_ROLLBACK, "rollback", f, 3);
    HAS(out, "nprobe 16 -> 11");
    HAS(out, "A 100% / B 0%");
    free(out);
    vmon_label g[] = {{"latency_target_ms", "1.5"},
                      {"recall_floor", "0.95"},
                      {"recommendation", "add a query node"}};
    out = render(VMON_EVENT_INFEASIBLE, "infeasible", g, 3);
    HAS(out, "no configuration meets P95 <= 1.5 ms with recall >= 0.95");
    HAS(out, "  recommendation: add a query node\n");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_degradation_against_baseline),
        cmocka_unit_test(test_experiment_start_shows_change_and_split),
        cmocka_unit_test(test_ramp_step),
        cmocka_unit_test(test_verdict_shows_both_arms),
        cmocka_unit_test(test_recall_against_a_stand_in_says_so),
        cmocka_unit_test(test_promotion_rollback_infeasible),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
