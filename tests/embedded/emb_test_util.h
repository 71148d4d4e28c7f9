/*
 * Helpers for the embedded engine's tests: an engine from a config, a
 * private temp folder, captured log lines, and recall through the ops.
 */
#ifndef EMB_TEST_UTIL_H
#define EMB_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "emb_api.h"

/** Captured log lines (all instances of one test process). */
typedef struct emb_log_capture {
    char text[16384];
    size_t len;
} emb_log_capture;

extern emb_log_capture emb_test_log;

/** Defaults for tests: small dim, 2 threads, log captured. */
void emb_test_config(emb_config *cfg, uint32_t dim, uint64_t rows, uint32_t index_type);

/** Create and start; fails the test on error. */
void *emb_test_open(const emb_config *cfg);
void emb_test_close(void *engine);

/** A fresh folder under $TMPDIR (mkdtemp); free with emb_test_rmdir. */
char *emb_test_tmpdir(void);
void emb_test_rmdir(char *dir);

/** Poll index_state until FINISHED (or NONE); returns the state seen last. */
uint32_t emb_test_wait_index(void *engine, const char *collection, double timeout_s);

/** Queries from the collection's distribution. Caller frees. */
float *emb_test_queries(void *engine, const char *collection, uint32_t n, uint32_t dim);

/**
 * recall@k of search(params) against exact_search, queries sent one at a
 * time to the exact side so both sides compute distances the same way.
 */
double emb_test_recall(void *engine, const char *collection, const float *queries, uint32_t nq,
                       uint32_t dim, uint32_t k, uint32_t flags, uint32_t nprobe, uint32_t ef);

/**
 * Ground truth computed apart from the engine: exact top-k over the rows
 * the engine preloaded (regenerated from cfg), one query at a time. Caller
 * frees. Only for collections holding exactly their preload.
 */
int64_t *emb_test_generated_truth(const emb_config *cfg, const float *queries, uint32_t nq,
                                  uint32_t k);

/** recall@k of search(params) against `truth` (nq x k). */
double emb_test_recall_vs(void *engine, const float *queries, uint32_t nq, uint32_t dim, uint32_t k,
                          uint32_t flags, uint32_t nprobe, uint32_t ef, const int64_t *truth);

/** A search request with the given fields. */
vmon_search_request emb_test_request(const float *q, uint32_t nq, uint32_t dim, uint32_t k);

#endif
