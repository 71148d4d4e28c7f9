/*
 * mode = classic reproduces the seed's ParameterOptimizer: a table of
 * inputs and the numbers the seed's Python gives for them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tuner_logic.h"

typedef struct row {
    tuner_knob knob;
    uint64_t rows;
    uint32_t nlist; /* the index's own (IVF) */
    double target_ms;
    uint32_t current;
    uint32_t reason;
    uint32_t upper; /* bound on the knob; 0 none */
    uint32_t top_k;
    uint32_t decision;
    uint32_t want; /* the proposed value (PROPOSE) */
} row;

#define IVF     TUNER_KNOB_NPROBE
#define HNSW    TUNER_KNOB_EF
#define INIT    VMON_TUNE_INITIAL
#define LAT     VMON_TUNE_LATENCY_DEGRADED
#define QPS     VMON_TUNE_QPS_DEGRADED
#define PROPOSE VMON_TUNE_PROPOSE
#define KEEP    VMON_TUNE_NOTHING_BETTER

/* Expected values worked out with the seed's own expressions:
 * nlist = int(2*sqrt(N)); nprobe = max(8, nlist//50) | max(16, nlist//30) |
 * max(32, nlist//20); int(cur*0.7) / int(cur*0.8) with floors 8 and 64. */
static const row table[] = {
    /* initial, IVF: the three bands at nlist 2000 (N = 1e6) */
    {IVF, 1000000, 2000, 30, 0, INIT, 0, 10, PROPOSE, 40},
    {IVF, 1000000, 2000, 80, 0, INIT, 0, 10, PROPOSE, 66},
    {IVF, 1000000, 2000, 150, 0, INIT, 0, 10, PROPOSE, 100},
    /* band edges: 50 is not < 50, 100 is not < 100 */
    {IVF, 1000000, 2000, 50, 0, INIT, 0, 10, PROPOSE, 66},
    {IVF, 1000000, 2000, 100, 0, INIT, 0, 10, PROPOSE, 100},
    /* no target: the seed's default of 100 ms */
    {IVF, 1000000, 2000, 0, 0, INIT, 0, 10, PROPOSE, 100},
    /* small nlist: the floors 8 / 16 / 32 win (nlist 200 for N = 10000) */
    {IVF, 10000, 200, 30, 0, INIT, 0, 10, PROPOSE, 8},
    {IVF, 10000, 200, 80, 0, INIT, 0, 10, PROPOSE, 16},
    {IVF, 10000, 200, 150, 0, INIT, 0, 10, PROPOSE, 32},
    /* the index's own nlist, not 2*sqrt(N), sets the band: 1024//50 = 20 */
    {IVF, 1000000, 1024, 30, 0, INIT, 0, 10, PROPOSE, 20},
    /* clamped to the ABI range (nlist 20) and to the user's bound (24) */
    {IVF, 400, 20, 150, 0, INIT, 0, 10, PROPOSE, 20},
    {IVF, 1000000, 2000, 150, 0, INIT, 24, 10, PROPOSE, 24},
    /* latency growth: int(16*0.7) = 11, as the seed's "16 -> 11" */
    {IVF, 1000000, 2000, 100, 16, LAT, 0, 10, PROPOSE, 11},
    {IVF, 1000000, 2000, 100, 30, LAT, 0, 10, PROPOSE, 21},
    {IVF, 1000000, 2000, 100, 100, LAT, 0, 10, PROPOSE, 70},
    {IVF, 1000000, 2000, 100, 10, LAT, 0, 10, PROPOSE, 8}, /* int(7.0) -> floor 8 */
    {IVF, 1000000, 2000, 100, 8, LAT, 0, 10, KEEP, 0},     /* at the floor already */
    {IVF, 1000000, 2000, 100, 0, LAT, 0, 10, PROPOSE, 11}, /* the seed's default 16 */
    /* QPS drop: int(cur*0.8), floor 8 */
    {IVF, 1000000, 2000, 100, 16, QPS, 0, 10, PROPOSE, 12},
    {IVF, 1000000, 2000, 100, 100, QPS, 0, 10, PROPOSE, 80},
    {IVF, 1000000, 2000, 100, 9, QPS, 0, 10, PROPOSE, 8},
    {IVF, 1000000, 2000, 100, 8, QPS, 0, 10, KEEP, 0},
    /* HNSW: ef 64 / 128 / 256 by the same bands */
    {HNSW, 1000000, 0, 30, 0, INIT, 0, 10, PROPOSE, 64},
    {HNSW, 1000000, 0, 80, 0, INIT, 0, 10, PROPOSE, 128},
    {HNSW, 1000000, 0, 150, 0, INIT, 0, 10, PROPOSE, 256},
    {HNSW, 1000000, 0, 30, 0, INIT, 0, 100, PROPOSE, 100}, /* ef >= top_k */
    /* latency growth: int(ef*0.7), floor 64 */
    {HNSW, 1000000, 0, 100, 128, LAT, 0, 10, PROPOSE, 89},
    {HNSW, 1000000, 0, 100, 256, LAT, 0, 10, PROPOSE, 179},
    {HNSW, 1000000, 0, 100, 90, LAT, 0, 10, PROPOSE, 64},
    {HNSW, 1000000, 0, 100, 64, LAT, 0, 10, KEEP, 0},
    {HNSW, 1000000, 0, 100, 0, LAT, 0, 10, PROPOSE, 89}, /* the seed's default 128 */
    /* the seed leaves ef alone on a QPS drop */
    {HNSW, 1000000, 0, 100, 128, QPS, 0, 10, KEEP, 0},
};

static vmon_collection_stats facts_of(const row *r)
{
    vmon_collection_stats f = {.struct_size = sizeof f, .dim = 128, .row_count = r->rows};
    if (r->knob == IVF) {
        f.nlist = r->nlist;
        strcpy(f.index_type, "IVF_FLAT");
    } else {
        f.m = 16;
        strcpy(f.index_type, "HNSW");
    }
    return f;
}

static int run_row(const row *r, vmon_tuning_output *out, const vmon_arm_figures *base,
                   const vmon_arm_figures *now)
{
    tuner_config cfg = tuner_config_default(r->knob);
    cfg.mode = TUNER_MODE_CLASSIC;
    vmon_collection_stats facts = facts_of(r);
    vmon_tuning_input in = {.struct_size = sizeof in,
                            .reason = r->reason,
                            .collection = "c",
                            .facts = &facts,
                            .latency_target_ms = r->target_ms,
                            .baseline = base,
                            .now = now};
    in.current.top_k = r->top_k;
    if (r->knob == IVF) {
        in.current.nprobe = r->current;
        in.upper.nprobe = r->upper;
    } else {
        in.current.ef = r->current;
        in.upper.ef = r->upper;
    }
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    char err[256];
    return tuner_decide(&cfg, &in, out, err, sizeof err);
}

static void test_seed_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        const row *r = &table[i];
        vmon_tuning_output out;
        assert_int_equal(run_row(r, &out, NULL, NULL), VMON_OK);
        if (out.decision != r->decision)
            fail_msg("row %zu: decision %u, want %u", i, out.decision, r->decision);
        if (r->decision != PROPOSE)
            continue;
        assert_int_equal(out.n_candidates, 1);
        const vmon_search_params *p = &out.candidates[0].params;
        uint32_t got = r->knob == IVF ? p->nprobe : p->ef;
        if (got != r->want)
            fail_msg("row %zu: %s %u, want %u", i, r->knob == IVF ? "nprobe" : "ef", got, r->want);
        assert_int_equal(r->knob == IVF ? p->ef : p->nprobe, 0);
        assert_int_equal(p->top_k, r->top_k);
    }
}

/* out->nlist is the seed's int(2*sqrt(N)) for a new index, whatever the index has. */
static void test_advised_nlist(void **state)
{
    (void)state;
    static const struct {
        uint64_t rows;
        uint32_t nlist;
    } cases[] = {{1000000, 2000}, {200000, 894}, {10000, 200}, {12345, 222}, {1, 2}, {0, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        row r = {IVF, cases[i].rows, 64, 100, 0, INIT, 0, 10, PROPOSE, 0};
        vmon_tuning_output out;
        assert_int_equal(run_row(&r, &out, NULL, NULL), VMON_OK);
        assert_int_equal(out.nlist, cases[i].nlist);
    }
    row h = {HNSW, 1000000, 0, 100, 0, INIT, 0, 10, PROPOSE, 0};
    vmon_tuning_output out;
    assert_int_equal(run_row(&h, &out, NULL, NULL), VMON_OK);
    assert_int_equal(out.nlist, 0);
}

/* The seed's report line: "P95 延迟增长 2.0x ... 调整 nprobe: 16 → 11". */
static void test_reason_line(void **state)
{
    (void)state;
    vmon_arm_figures base = {.struct_size = sizeof base, .p95_ms = 62.18, .qps = 22.11};
    vmon_arm_figures now = {.struct_size = sizeof now, .p95_ms = 125.32, .qps = 10.16};
    row r = {IVF, 1000000, 2000, 100, 16, LAT, 0, 10, PROPOSE, 11};
    vmon_tuning_output out;
    assert_int_equal(run_row(&r, &out, &base, &now), VMON_OK);
    assert_string_equal(out.candidates[0].reason, "p95 2.0x baseline: nprobe 16 -> 11");
    row q = {IVF, 1000000, 2000, 100, 16, QPS, 0, 10, PROPOSE, 12};
    assert_int_equal(run_row(&q, &out, &base, &now), VMON_OK);
    assert_string_equal(out.candidates[0].reason, "QPS 46% of baseline: nprobe 16 -> 12");
}

/* Reasons the seed has no rule for keep the parameters and say so. */
static void test_other_reasons_keep(void **state)
{
    (void)state;
    uint32_t reasons[] = {VMON_TUNE_RECALL_LOW, VMON_TUNE_MEASURED, VMON_TUNE_REVIEW};
    for (size_t i = 0; i < 3; i++) {
        row r = {IVF, 1000000, 2000, 100, 16, reasons[i], 0, 10, KEEP, 0};
        vmon_tuning_output out;
        assert_int_equal(run_row(&r, &out, NULL, NULL), VMON_OK);
        assert_int_equal(out.decision, KEEP);
        assert_int_equal(out.n_candidates, 0);
        assert_non_null(strstr(out.recommendation, "recall_aware"));
    }
}

/* An index the tuner does not tune, and an IVF index without lists, are errors naming it. */
static void test_wrong_index_refused(void **state)
{
    (void)state;
    tuner_config cfg = tuner_config_default(IVF);
    cfg.mode = TUNER_MODE_CLASSIC;
    vmon_collection_stats f = {.struct_size = sizeof f, .row_count = 1000};
    strcpy(f.index_type, "HNSW");
    vmon_tuning_input in = {.struct_size = sizeof in, .collection = "docs", .facts = &f};
    vmon_tuning_output out = {.struct_size = sizeof out};
    char err[256] = "";
    assert_int_equal(tuner_decide(&cfg, &in, &out, err, sizeof err), VMON_EINVAL);
    assert_non_null(strstr(err, "'docs'"));
    assert_non_null(strstr(err, "plugin = hnsw"));
    strcpy(f.index_type, "IVF_SQ8");
    assert_int_equal(tuner_decide(&cfg, &in, &out, err, sizeof err), VMON_EINVAL);
    assert_non_null(strstr(err, "nlist 0"));
    f.nlist = 100;
    in.lower.nprobe = 50;
    in.upper.nprobe = 30;
    assert_int_equal(tuner_decide(&cfg, &in, &out, err, sizeof err), VMON_EINVAL);
    assert_non_null(strstr(err, "50..30"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_table),          cmocka_unit_test(test_advised_nlist),
        cmocka_unit_test(test_reason_line),         cmocka_unit_test(test_other_reasons_keep),
        cmocka_unit_test(test_wrong_index_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
