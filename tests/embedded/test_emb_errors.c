/* Bad input comes back through the target's error path with a clear
 * message, never clamped and never a crash. */
#include <stdlib.h>
#include <string.h>

#include "emb_test_util.h"

enum { DIM = 16, K = 10 };

static void expect(int rc, int want, const char *err, const char *needle)
{
    if (rc != want || !strstr(err, needle))
        fail_msg("got %d '%s', wanted %d with '%s'", rc, err, want, needle);
}

static void *open_type(uint32_t type, uint64_t rows)
{
    emb_config cfg;
    emb_test_config(&cfg, DIM, rows, type);
    cfg.nlist = 16;
    void *e = emb_test_open(&cfg);
    emb_test_wait_index(e, NULL, 60);
    return e;
}

static void wrong_dimension(void **state)
{
    (void)state;
    void *e = open_type(EMB_INDEX_FLAT, 100);
    char err[256] = "";
    float x[DIM + 1] = {0};
    int64_t ids[K];
    float d[K];
    expect(emb_target_ops.insert(e, NULL, x, 1, DIM + 1, NULL, NULL, err, sizeof err), VMON_EINVAL,
           err, "dimension 17");
    vmon_search_request r = emb_test_request(x, 1, DIM - 1, K);
    expect(emb_target_ops.search(e, NULL, &r, ids, d, err, sizeof err), VMON_EINVAL, err,
           "dimension 15");
    r = emb_test_request(x, 1, DIM, 0);
    expect(emb_target_ops.search(e, NULL, &r, ids, d, err, sizeof err), VMON_EINVAL, err, "top_k");
    r = emb_test_request(x, 1, DIM, K);
    expect(emb_target_ops.search(e, "nosuch", &r, ids, d, err, sizeof err), VMON_EINVAL, err,
           "nosuch does not exist");
    emb_test_close(e);
}

static void unknown_index_type(void **state)
{
    (void)state;
    void *e = open_type(EMB_INDEX_FLAT, 0);
    char err[256] = "";
    vmon_collection_spec s = {
        .struct_size = sizeof s, .dim = 8, .name = "c2", .index_type = "IVF_PQ9"};
    expect(emb_target_ops.create_collection(e, &s, err, sizeof err), VMON_EINVAL, err,
           "unknown index type 'IVF_PQ9'");
    s.index_type = "HNSW";
    s.name = "bad name";
    expect(emb_target_ops.create_collection(e, &s, err, sizeof err), VMON_EINVAL, err, "bad name");
    s.name = "c2";
    assert_int_equal(emb_target_ops.create_collection(e, &s, err, sizeof err), VMON_OK);
    expect(emb_target_ops.create_collection(e, &s, err, sizeof err), VMON_EINVAL, err,
           "already exists");
    assert_int_equal(emb_target_ops.drop_collection(e, "c2", err, sizeof err), VMON_OK);
    expect(emb_target_ops.drop_collection(e, "c2", err, sizeof err), VMON_EINVAL, err,
           "does not exist");
    assert_int_equal(emb_index_type_parse("hnsw"), EMB_INDEX_HNSW);
    assert_int_equal(emb_index_type_parse("nope"), -1);
    emb_config cfg;
    emb_test_config(&cfg, DIM, 0, 7);
    void *bad = NULL;
    expect(emb_engine_create(&cfg, &bad, err, sizeof err), VMON_EINVAL, err, "unknown index");
    emb_test_close(e);
}

static void nprobe_out_of_range(void **state)
{
    (void)state;
    void *e = open_type(EMB_INDEX_IVF_FLAT, 2000);
    char err[256] = "";
    float q[DIM] = {0};
    int64_t ids[K];
    float d[K];
    vmon_search_request r = emb_test_request(q, 1, DIM, K);
    r.flags = VMON_SEARCH_NPROBE;
    r.nprobe = 0;
    expect(emb_target_ops.search(e, NULL, &r, ids, d, err, sizeof err), VMON_EINVAL, err,
           "nprobe 0 outside 1..nlist (16)");
    r.nprobe = 17;
    expect(emb_target_ops.search(e, NULL, &r, ids, d, err, sizeof err), VMON_EINVAL, err,
           "nprobe 17");
    r.nprobe = 16;
    assert_int_equal(emb_target_ops.search(e, NULL, &r, ids, d, err, sizeof err), VMON_OK);
    emb_test_close(e);
}

static void ef_below_k(void **state)
{
    (void)state;
    void *e = open_type(EMB_INDEX_HNSW, 1500);
    char err[256] = "";
    float q[DIM] = {0};
    int64_t ids[K];
    float d[K];
    vmon_search_request r = emb_test_request(q, 1, DIM, K);
    r.flags = VMON_SEARCH_EF;
    r.ef = K - 1;
    expect(emb_target_ops.search(e, NULL, &r, ids, d, err, sizeof err), VMON_EINVAL, err,
           "ef 9 outside top_k (10)");
    r.ef = K;
    assert_int_equal(emb_target_ops.search(e, NULL, &r, ids, d, err, sizeof err), VMON_OK);
    emb_test_close(e);
}

static void memory_limit(void **state)
{
    (void)state;
    emb_config cfg;
    emb_test_config(&cfg, DIM, 0, EMB_INDEX_FLAT);
    cfg.memory_limit = 100 * 1024;
    void *e = emb_test_open(&cfg);
    char err[256] = "";
    enum { N = 1000 };
    float *x = calloc(N * DIM, sizeof(float));
    /* 1000 rows * (64 + 9) bytes = 73 kB fits; the second batch does not. */
    assert_int_equal(emb_target_ops.insert(e, NULL, x, N, DIM, NULL, NULL, err, sizeof err), 0);
    expect(emb_target_ops.insert(e, NULL, x, N, DIM, NULL, NULL, err, sizeof err), VMON_ENOMEM, err,
           "memory limit reached");
    vmon_collection_stats st = {.struct_size = sizeof st};
    assert_int_equal(emb_target_ops.collection_stats(e, NULL, &st, err, sizeof err), 0);
    assert_int_equal(st.row_count, N);
    /* Dropping frees the budget again. */
    assert_int_equal(emb_target_ops.drop_collection(e, NULL, err, sizeof err), 0);
    vmon_collection_spec s = {.struct_size = sizeof s, .dim = DIM, .name = "again"};
    assert_int_equal(emb_target_ops.create_collection(e, &s, err, sizeof err), 0);
    assert_int_equal(emb_target_ops.insert(e, "again", x, N, DIM, NULL, NULL, err, sizeof err), 0);
    free(x);
    emb_test_close(e);
}

static void old_caller_struct_size(void **state)
{
    (void)state;
    void *e = open_type(EMB_INDEX_FLAT, 10);
    char err[256];
    /* A caller that knows only the first fields gets only those filled. */
    vmon_collection_stats st;
    memset(&st, 0xab, sizeof st);
    st.struct_size = 8;
    assert_int_equal(emb_target_ops.collection_stats(e, NULL, &st, err, sizeof err), 0);
    assert_int_equal(st.struct_size, 8);
    assert_int_equal(st.dim, DIM);
    assert_int_equal(st.metric, 0xabababab);
    emb_test_close(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wrong_dimension),     cmocka_unit_test(unknown_index_type),
        cmocka_unit_test(nprobe_out_of_range), cmocka_unit_test(ef_below_k),
        cmocka_unit_test(memory_limit),        cmocka_unit_test(old_caller_struct_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
