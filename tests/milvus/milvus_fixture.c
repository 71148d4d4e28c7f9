#include "milvus_fixture.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_util.h"

static void make_parents(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0700) != 0 && errno != EEXIST)
                fail_msg("mkdir %s", buf);
            *p = '/';
        }
}

void mvf_put(const mv_fixture *f, const char *path, const char *text)
{
    char full[4096], tmp[4200];
    snprintf(full, sizeof full, "%s/%s", f->dir, path);
    snprintf(tmp, sizeof tmp, "%s.tmp", full);
    make_parents(full);
    FILE *out = fopen(tmp, "w");
    assert_non_null(out);
    fputs(text, out);
    fclose(out);
    assert_int_equal(rename(tmp, full), 0); /* the server never reads half a file */
}

void mvf_remove(const mv_fixture *f, const char *path)
{
    char full[4096];
    snprintf(full, sizeof full, "%s/%s", f->dir, path);
    unlink(full);
}

char *mvf_log(const mv_fixture *f)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/requests.log", f->dir);
    char *text = test_read_file(path);
    return text ? text : strdup("");
}

int mvf_count(const mv_fixture *f, const char *needle)
{
    char *log = mvf_log(f);
    int n = test_count_lines(log, needle);
    free(log);
    return n;
}

#define V2 "v2/vectordb/"
static const char DESCRIBE[] =
    "{\"code\":0,\"data\":{\"collectionName\":\"c1\",\"collectionID\":450000000000000001,"
    "\"fields\":[{\"name\":\"pk\",\"type\":\"Int64\",\"primaryKey\":true},"
    "{\"name\":\"emb\",\"type\":\"FloatVector\",\"params\":[{\"key\":\"dim\",\"value\":\"4\"}]}],"
    "\"indexes\":[{\"indexName\":\"emb_idx\",\"fieldName\":\"emb\",\"metricType\":\"IP\"}],"
    "\"load\":\"LoadStateLoaded\",\"shardsNum\":1}}";
static const char INDEX[] =
    "{\"code\":0,\"data\":[{\"indexName\":\"emb_idx\",\"fieldName\":\"emb\",\"indexType\":\"HNSW\","
    "\"metricType\":\"IP\",\"totalRows\":1000,\"indexedRows\":800,\"pendingRows\":200,"
    "\"indexState\":\"InProgress\",\"failReason\":\"\"}]}";
static const char SEGMENTS[] =
    "{\"status\":{},\"infos\":["
    "{\"segmentID\":452,\"collectionID\":1,\"mem_size\":4096,\"num_rows\":700,"
    "\"index_name\":\"emb_idx\",\"indexID\":9,\"state\":3,\"nodeIds\":[7]},"
    "{\"segmentID\":451,\"collectionID\":1,\"mem_size\":1024,\"num_rows\":300,\"state\":2,"
    "\"nodeID\":8}]}";

mv_fixture *mvf_new(void)
{
    mv_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = test_tempdir();
    mvf_put(f, "healthz", "OK");
    mvf_put(f, "metrics",
            "# TYPE milvus_num_node gauge\nmilvus_num_node{node_id=\"1\",role_name=\"proxy\"} 1\n");
    mvf_put(f, V2 "collections/list", "{\"code\":0,\"data\":[\"c1\"]}");
    mvf_put(f, V2 "collections/describe", DESCRIBE);
    mvf_put(f, V2 "collections/get_stats", "{\"code\":0,\"data\":{\"rowCount\":1000}}");
    mvf_put(f, V2 "collections/get_load_state",
            "{\"code\":0,\"data\":{\"loadState\":\"LoadStateLoading\",\"loadProgress\":42}}");
    mvf_put(f, V2 "indexes/list", "{\"code\":0,\"data\":[\"emb_idx\"]}");
    mvf_put(f, V2 "indexes/describe", INDEX);
    mvf_put(f, "api/v1/query-segment-info", SEGMENTS);
    char err[256];
    f->server = mock_milvus_start(f->dir, 0, err, sizeof err);
    if (!f->server)
        fail_msg("mock: %s", err);
    snprintf(f->uri, sizeof f->uri, "http://127.0.0.1:%u", mock_milvus_port(f->server));
    return f;
}

int mvf_try_open(mv_fixture *f, const char *const *extra, char *err, size_t errlen)
{
    const char *pairs[64];
    size_t n = 0;
    pairs[n++] = "uri";
    pairs[n++] = f->uri;
    pairs[n++] = "metrics_uri";
    pairs[n++] = f->uri;
    pairs[n++] = "collection";
    pairs[n++] = "c1";
    for (size_t i = 0; extra && extra[i] && n < 62; i++)
        pairs[n++] = extra[i];
    pairs[n] = NULL;
    int rc = vmon_standalone_open(VMON_BUILD_PLUGIN_DIR, "target", "milvus", "mv", pairs, NULL,
                                  NULL, &f->target, err, errlen);
    if (rc == 0) {
        f->ops = vmon_standalone_ops(f->target);
        f->ctx = vmon_standalone_ctx(f->target);
    }
    return rc;
}

void mvf_open(mv_fixture *f, const char *const *extra)
{
    char err[2048] = "";
    if (mvf_try_open(f, extra, err, sizeof err) != 0)
        fail_msg("open target_milvus: %s", err);
}

void mvf_free(mv_fixture *f)
{
    if (f->target)
        vmon_standalone_close(f->target);
    mock_milvus_stop(f->server);
    test_rm_tree(f->dir);
    free(f->dir);
    free(f);
}
