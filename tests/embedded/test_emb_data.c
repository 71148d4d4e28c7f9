/* The data side: the generator is reproducible in any chunking, .fvecs and
 * .ivecs read back what was written, exact top-k and recall agree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emb_test_util.h"

enum { DIM = 8 };

static void generator_reproducible(void **state)
{
    (void)state;
    float *whole = malloc(sizeof(float) * 1000 * DIM), *parts = malloc(sizeof(float) * 1000 * DIM);
    emb_generate(9, DIM, 5, 0.1, 0, 0, 1000, whole);
    emb_generate(9, DIM, 5, 0.1, 0, 0, 300, parts);
    emb_generate(9, DIM, 5, 0.1, 0, 300, 700, parts + 300 * DIM);
    assert_memory_equal(whole, parts, sizeof(float) * 1000 * DIM);
    emb_generate(10, DIM, 5, 0.1, 0, 0, 1000, parts);
    assert_memory_not_equal(whole, parts, sizeof(float) * 1000 * DIM);
    emb_generate(9, DIM, 5, 0.1, 1, 0, 1000, parts);
    assert_memory_not_equal(whole, parts, sizeof(float) * 1000 * DIM);
    free(whole);
    free(parts);
}

static void write_vecs(const char *path, const void *x, uint32_t rows, uint32_t dim)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (uint32_t i = 0; i < rows; i++) {
        int32_t d = (int32_t)dim;
        fwrite(&d, 4, 1, f);
        fwrite((const char *)x + (size_t)i * dim * 4, 4, dim, f);
    }
    fclose(f);
}

static void vecs_files(void **state)
{
    (void)state;
    char *dir = emb_test_tmpdir();
    char path[512], ipath[512], err[512];
    snprintf(path, sizeof path, "%s/base.fvecs", dir);
    snprintf(ipath, sizeof ipath, "%s/gt.ivecs", dir);
    float x[20 * DIM];
    emb_generate(1, DIM, 3, 0.5, 0, 0, 20, x);
    write_vecs(path, x, 20, DIM);
    int32_t gt[20 * 4];
    for (int i = 0; i < 80; i++)
        gt[i] = i;
    write_vecs(ipath, gt, 20, 4);

    uint32_t dim;
    uint64_t rows;
    void *out;
    assert_int_equal(emb_read_vecs(path, 0, 0, &dim, &rows, &out, err, sizeof err), 0);
    assert_int_equal(dim, DIM);
    assert_int_equal(rows, 20);
    assert_memory_equal(out, x, sizeof x);
    free(out);
    assert_int_equal(emb_read_vecs(path, 0, 5, &dim, &rows, &out, err, sizeof err), 0);
    assert_int_equal(rows, 5);
    free(out);
    assert_int_equal(emb_read_vecs(ipath, 1, 0, &dim, &rows, &out, err, sizeof err), 0);
    assert_int_equal(dim, 4);
    assert_memory_equal(out, gt, sizeof gt);
    free(out);
    /* A short file names itself. */
    assert_int_equal(truncate(path, 4 + DIM * 4 + 10), 0);
    assert_int_equal(emb_read_vecs(path, 0, 0, &dim, &rows, &out, err, sizeof err), VMON_EINVAL);
    assert_non_null(strstr(err, path));
    assert_null(out);
    emb_test_rmdir(dir);
}

static void files_as_data_source(void **state)
{
    (void)state;
    char *dir = emb_test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/base.fvecs", dir);
    float *x = malloc(sizeof(float) * 3000 * DIM);
    emb_generate(4, DIM, 10, 0.3, 0, 0, 3000, x);
    write_vecs(path, x, 3000, DIM);
    emb_config cfg;
    emb_test_config(&cfg, DIM, 0, EMB_INDEX_FLAT);
    cfg.data_source = EMB_DATA_FILES;
    cfg.base_file = path;
    cfg.query_file = path;
    void *e = emb_test_open(&cfg);
    float q[DIM];
    char err[256];
    int64_t ids[1];
    float d[1];
    assert_int_equal(emb_target_ops.sample_queries(e, NULL, 1, 42, DIM, q, err, sizeof err), 0);
    assert_memory_equal(q, x + 42 * DIM, sizeof q);
    vmon_search_request r = emb_test_request(q, 1, DIM, 1);
    assert_int_equal(emb_target_ops.search(e, NULL, &r, ids, d, err, sizeof err), 0);
    assert_int_equal(ids[0], 42);
    emb_test_close(e);
    free(x);
    emb_test_rmdir(dir);
}

static void exact_and_recall(void **state)
{
    (void)state;
    float base[4 * 2] = {0, 0, 1, 0, 0, 2, 3, 3};
    float q[2] = {0.9f, 0.1f};
    int64_t ids[2];
    float d[2];
    char err[128];
    assert_int_equal(emb_exact_topk(base, 4, q, 1, 2, VMON_METRIC_L2, 2, ids, d, err, sizeof err),
                     0);
    assert_int_equal(ids[0], 1);
    assert_int_equal(ids[1], 0);
    int64_t truth[2] = {1, 0}, found[2] = {1, 3};
    assert_true(emb_recall_at_k(found, truth, 1, 2, 2) == 0.5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generator_reproducible),
        cmocka_unit_test(vecs_files),
        cmocka_unit_test(files_as_data_source),
        cmocka_unit_test(exact_and_recall),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
