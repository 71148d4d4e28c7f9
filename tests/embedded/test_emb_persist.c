#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf, mkdtemp */
#endif
/* data_dir persistence: a round trip keeps rows, deletes and indexes; a
 * corrupted byte or a truncated file is reported with its path and the
 * engine carries on (segment skipped, index rebuilt), without a crash or a
 * leak (the sanitizer build runs this too). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emb_test_util.h"

enum { DIM = 16, K = 10, N = 3000 };

static void config(emb_config *cfg, const char *dir)
{
    emb_test_config(cfg, DIM, N, EMB_INDEX_IVF_FLAT);
    cfg->nlist = 16;
    cfg->segment_rows = 2000; /* two sealed segments: 2000 + 1000 */
    cfg->index_min_rows = 500;
    cfg->data_dir = dir;
}

static void *open_indexed(const char *dir)
{
    emb_config cfg;
    config(&cfg, dir);
    void *e = emb_test_open(&cfg);
    assert_int_equal(emb_test_wait_index(e, NULL, 60), VMON_INDEX_FINISHED);
    return e;
}

static uint64_t live_rows(void *e)
{
    char err[256];
    vmon_collection_stats st = {.struct_size = sizeof st};
    assert_int_equal(emb_target_ops.collection_stats(e, NULL, &st, err, sizeof err), 0);
    return st.row_count;
}

static char *path_of(const char *dir, const char *file)
{
    char *p = NULL;
    assert_true(asprintf(&p, "%s/default/%s", dir, file) > 0);
    return p;
}

static void flip_byte(const char *path, long off)
{
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, off, SEEK_SET), 0);
    int c = fgetc(f);
    assert_int_equal(fseek(f, off, SEEK_SET), 0);
    fputc(c ^ 0x5a, f);
    fclose(f);
}

static void truncate_half(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(truncate(path, st.st_size / 2), 0);
}

static void round_trip(void **state)
{
    (void)state;
    char *dir = emb_test_tmpdir();
    void *e = open_indexed(dir);
    char err[256];
    int64_t del[] = {5, 2500};
    assert_int_equal(emb_target_ops.delete_rows(e, NULL, del, 2, NULL, err, sizeof err), 0);
    float extra[DIM] = {0};
    assert_int_equal(emb_target_ops.insert(e, NULL, extra, 1, DIM, NULL, NULL, err, sizeof err), 0);
    float *q = emb_test_queries(e, NULL, 50, DIM);
    double before = emb_test_recall(e, NULL, q, 50, DIM, K, VMON_SEARCH_NPROBE, 4, 0);
    emb_test_close(e);

    emb_test_log.len = 0;
    e = open_indexed(dir);
    assert_int_equal(live_rows(e), N - 2 + 1);
    vmon_index_state st = {.struct_size = sizeof st};
    assert_int_equal(emb_target_ops.index_state(e, NULL, &st, err, sizeof err), 0);
    assert_true(st.progress == 1.0);
    assert_true(emb_test_recall(e, NULL, q, 50, DIM, K, VMON_SEARCH_NPROBE, 4, 0) == before);
    /* Indexes came from disk, not from a rebuild. */
    assert_null(strstr(emb_test_log.text, "built in"));
    free(q);
    emb_test_close(e);
    emb_test_rmdir(dir);
}

static void corrupt_index_is_rebuilt(void **state)
{
    (void)state;
    char *dir = emb_test_tmpdir();
    emb_test_close(open_indexed(dir));
    char *p = path_of(dir, "seg_1.index.vmon");
    flip_byte(p, 4000);
    emb_test_log.len = 0;
    void *e = open_indexed(dir);
    assert_non_null(strstr(emb_test_log.text, p));
    assert_non_null(strstr(emb_test_log.text, "checksum"));
    assert_int_equal(live_rows(e), N);
    emb_test_close(e);
    free(p);
    emb_test_rmdir(dir);
}

static void truncated_index_is_rebuilt(void **state)
{
    (void)state;
    char *dir = emb_test_tmpdir();
    emb_test_close(open_indexed(dir));
    char *p = path_of(dir, "seg_2.index.vmon");
    truncate_half(p);
    emb_test_log.len = 0;
    void *e = open_indexed(dir);
    assert_non_null(strstr(emb_test_log.text, p));
    assert_non_null(strstr(emb_test_log.text, "truncated"));
    assert_int_equal(live_rows(e), N);
    emb_test_close(e);
    free(p);
    emb_test_rmdir(dir);
}

static void corrupt_segment_is_skipped(void **state)
{
    (void)state;
    char *dir = emb_test_tmpdir();
    emb_test_close(open_indexed(dir));
    char *seg1 = path_of(dir, "seg_1.vmon"), *seg2 = path_of(dir, "seg_2.vmon");
    flip_byte(seg1, 100);
    truncate_half(seg2);
    emb_test_log.len = 0;
    emb_config cfg;
    config(&cfg, dir);
    void *e = emb_test_open(&cfg);
    assert_non_null(strstr(emb_test_log.text, seg1));
    assert_non_null(strstr(emb_test_log.text, seg2));
    assert_int_equal(live_rows(e), 0);
    char err[256];
    int64_t ids[K];
    float d[K], q[DIM] = {0};
    vmon_search_request r = emb_test_request(q, 1, DIM, K);
    assert_int_equal(emb_target_ops.search(e, NULL, &r, ids, d, err, sizeof err), 0);
    assert_int_equal(ids[0], -1);
    emb_test_close(e);
    free(seg1);
    free(seg2);
    emb_test_rmdir(dir);
}

static void corrupt_header_byte(void **state)
{
    (void)state;
    char *dir = emb_test_tmpdir();
    emb_test_close(open_indexed(dir));
    char *p = path_of(dir, "seg_1.index.vmon");
    flip_byte(p, 17); /* inside the length field */
    emb_test_log.len = 0;
    void *e = open_indexed(dir);
    assert_non_null(strstr(emb_test_log.text, p));
    assert_int_equal(live_rows(e), N);
    emb_test_close(e);
    free(p);
    emb_test_rmdir(dir);
}

static void corrupt_deletes_file(void **state)
{
    (void)state;
    char *dir = emb_test_tmpdir();
    void *e = open_indexed(dir);
    char err[256];
    int64_t del[] = {7};
    assert_int_equal(emb_target_ops.delete_rows(e, NULL, del, 1, NULL, err, sizeof err), 0);
    emb_test_close(e);
    char *p = path_of(dir, "seg_1.deletes.vmon");
    flip_byte(p, 45);
    emb_test_log.len = 0;
    e = open_indexed(dir);
    assert_non_null(strstr(emb_test_log.text, p));
    assert_non_null(strstr(emb_test_log.text, "deleted after the segment was sealed are back"));
    assert_int_equal(live_rows(e), N);
    emb_test_close(e);
    free(p);
    emb_test_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(corrupt_index_is_rebuilt),
        cmocka_unit_test(truncated_index_is_rebuilt),
        cmocka_unit_test(corrupt_segment_is_skipped),
        cmocka_unit_test(corrupt_header_byte),
        cmocka_unit_test(corrupt_deletes_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
