/* A mock Milvus in its own folder and a target_milvus instance pointed at it. */
#ifndef VMON_TEST_MILVUS_FIXTURE_H
#define VMON_TEST_MILVUS_FIXTURE_H

#include "mock_milvus.h"
#include "standalone.h"

typedef struct mv_fixture {
    char *dir;
    mock_milvus *server;
    char uri[64];
    vmon_standalone *target;
    const vmon_target_ops *ops;
    void *ctx;
} mv_fixture;

/** Write `text` to dir/path, making the folders. */
void mvf_put(const mv_fixture *f, const char *path, const char *text);
void mvf_remove(const mv_fixture *f, const char *path);
/** The requests the server logged so far (caller frees). */
char *mvf_log(const mv_fixture *f);
/** Lines of the log containing `needle`. */
int mvf_count(const mv_fixture *f, const char *needle);

/** Folder + server with a healthy standalone Milvus 2.4 holding collection "c1". */
mv_fixture *mvf_new(void);
/** Open the target with `extra` pairs after uri/metrics_uri; returns 0 or fails the test. */
void mvf_open(mv_fixture *f, const char *const *extra);
/** The same, returning the error instead of failing. */
int mvf_try_open(mv_fixture *f, const char *const *extra, char *err, size_t errlen);
void mvf_free(mv_fixture *f);

#endif
