#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf, mkdtemp */
#endif
#include "emb_test_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

emb_log_capture emb_test_log;

static void capture(void *arg, int level, const char *msg)
{
    (void)arg;
    (void)level;
    int n = snprintf(emb_test_log.text + emb_test_log.len,
                     sizeof emb_test_log.text - emb_test_log.len, "%s\n", msg);
    if (n > 0 && emb_test_log.len + (size_t)n < sizeof emb_test_log.text)
        emb_test_log.len += (size_t)n;
}

void emb_test_config(emb_config *cfg, uint32_t dim, uint64_t rows, uint32_t index_type)
{
    emb_config_defaults(cfg);
    cfg->dim = dim;
    cfg->rows = rows;
    cfg->index_type = index_type;
    cfg->threads = 2;
    cfg->profile = EMB_PROFILE_EASY; /* engine mechanics: data every setting finds */
    cfg->clusters = 20;
    cfg->spread = 0.6;
    cfg->index_min_rows = 1000;
    cfg->log = capture;
}

void *emb_test_open(const emb_config *cfg)
{
    void *e = NULL;
    char err[512] = "";
    int rc = emb_engine_create(cfg, &e, err, sizeof err);
    if (rc == VMON_OK)
        rc = emb_engine_start(e, err, sizeof err);
    if (rc != VMON_OK)
        fail_msg("engine: %s", err);
    return e;
}

void emb_test_close(void *engine)
{
    emb_engine_stop(engine);
    emb_engine_destroy(engine);
}

char *emb_test_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *dir = NULL;
    if (asprintf(&dir, "%s/vmon-emb-XXXXXX", base ? base : "/tmp") < 0 || !mkdtemp(dir))
        fail_msg("mkdtemp failed");
    return dir;
}

void emb_test_rmdir(char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        print_error("could not remove %s\n", dir);
    free(dir);
}

uint32_t emb_test_wait_index(void *engine, const char *collection, double timeout_s)
{
    char err[256];
    vmon_index_state st = {.struct_size = sizeof st};
    for (double waited = 0; waited < timeout_s; waited += 0.01) {
        st.struct_size = sizeof st;
        assert_int_equal(emb_target_ops.index_state(engine, collection, &st, err, sizeof err),
                         VMON_OK);
        if (st.state == VMON_INDEX_FINISHED || st.state == VMON_INDEX_NONE ||
            st.state == VMON_INDEX_FAILED)
            return st.state;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return st.state;
}

float *emb_test_queries(void *engine, const char *collection, uint32_t n, uint32_t dim)
{
    char err[256];
    float *q = malloc(sizeof(float) * n * dim);
    assert_non_null(q);
    assert_int_equal(
        emb_target_ops.sample_queries(engine, collection, n, 7, dim, q, err, sizeof err), VMON_OK);
    return q;
}

vmon_search_request emb_test_request(const float *q, uint32_t nq, uint32_t dim, uint32_t k)
{
    vmon_search_request r = {
        .struct_size = sizeof r, .n_queries = nq, .dim = dim, .top_k = k, .queries = q};
    return r;
}

double emb_test_recall(void *engine, const char *collection, const float *queries, uint32_t nq,
                       uint32_t dim, uint32_t k, uint32_t flags, uint32_t nprobe, uint32_t ef)
{
    char err[256];
    int64_t *ids = malloc(sizeof(int64_t) * nq * k), *truth = malloc(sizeof(int64_t) * nq * k);
    float *d = malloc(sizeof(float) * nq * k);
    vmon_search_request r = emb_test_request(queries, nq, dim, k);
    r.flags = flags;
    r.nprobe = nprobe;
    r.ef = ef;
    int rc = emb_target_ops.search(engine, collection, &r, ids, d, err, sizeof err);
    if (rc != VMON_OK)
        fail_msg("search: %s", err);
    for (uint32_t q = 0; q < nq; q++) {
        vmon_search_request one = emb_test_request(queries + (size_t)q * dim, 1, dim, k);
        assert_int_equal(emb_target_ops.exact_search(engine, collection, &one,
                                                     truth + (size_t)q * k, d, err, sizeof err),
                         VMON_OK);
    }
    double recall = emb_recall_at_k(ids, truth, nq, k, k);
    free(ids);
    free(truth);
    free(d);
    return recall;
}

int64_t *emb_test_generated_truth(const emb_config *cfg, const float *queries, uint32_t nq,
                                  uint32_t k)
{
    char err[256];
    float *base = malloc(sizeof(float) * cfg->rows * cfg->dim);
    int64_t *truth = malloc(sizeof(int64_t) * nq * k);
    float *d = malloc(sizeof(float) * k);
    emb_generate_profile(cfg->profile, cfg->seed, cfg->dim, cfg->clusters, cfg->spread, 0, 0,
                         cfg->rows, base);
    for (uint32_t q = 0; q < nq; q++)
        assert_int_equal(emb_exact_topk(base, cfg->rows, queries + (size_t)q * cfg->dim, 1,
                                        cfg->dim, cfg->metric, k, truth + (size_t)q * k, d, err,
                                        sizeof err),
                         VMON_OK);
    free(base);
    free(d);
    return truth;
}

double emb_test_recall_vs(void *engine, const float *queries, uint32_t nq, uint32_t dim, uint32_t k,
                          uint32_t flags, uint32_t nprobe, uint32_t ef, const int64_t *truth)
{
    char err[256];
    int64_t *ids = malloc(sizeof(int64_t) * nq * k);
    float *d = malloc(sizeof(float) * nq * k);
    vmon_search_request r = emb_test_request(queries, nq, dim, k);
    r.flags = flags;
    r.nprobe = nprobe;
    r.ef = ef;
    int rc = emb_target_ops.search(engine, NULL, &r, ids, d, err, sizeof err);
    if (rc != VMON_OK)
        fail_msg("search: %s", err);
    double recall = emb_recall_at_k(ids, truth, nq, k, k);
    free(ids);
    free(d);
    return recall;
}
