/* target_milvus through the real loader against the Milvus-shaped server:
 * request shapes, envelopes of 2.3 and 2.4, error codes and HTTP statuses,
 * segments per node, and rates/quantiles from successive scrapes. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "milvus_fixture.h"

#define V2 "v2/vectordb/"

static int collect_name(void *arg, const char *name)
{
    snprintf(arg, 64, "%s", name);
    return 0;
}

static void requests_are_shaped_like_the_clients(void **state)
{
    (void)state;
    mv_fixture *f = mvf_new();
    const char *auth[] = {"user", "root", "password", "Milvus", "database", "prod", NULL};
    mvf_open(f, auth);
    char err[512] = "", name[64] = "";
    assert_int_equal(f->ops->list_collections(f->ctx, collect_name, name, err, sizeof err), 0);
    assert_string_equal(name, "c1");
    vmon_collection_stats st = {.struct_size = sizeof st};
    assert_int_equal(f->ops->collection_stats(f->ctx, NULL, &st, err, sizeof err), 0);
    assert_int_equal(st.row_count, 1000);
    assert_int_equal(st.dim, 4);
    assert_int_equal(st.metric, VMON_METRIC_IP);
    assert_string_equal(st.index_type, "HNSW");
    assert_int_equal(st.n_segments, 2);
    assert_int_equal(st.n_sealed, 1);
    assert_int_equal(st.memory_bytes, 5120);
    vmon_index_state ix = {.struct_size = sizeof ix};
    assert_int_equal(f->ops->index_state(f->ctx, "c1", &ix, err, sizeof err), 0);
    assert_int_equal(ix.state, VMON_INDEX_BUILDING);
    assert_int_equal(ix.pending_rows, 200);
    assert_true(fabs(ix.progress - 0.8) < 1e-9);

    int v2 = mvf_count(f, " /v2/vectordb/");
    assert_true(v2 >= 5);
    assert_int_equal(mvf_count(f, "POST /v2/vectordb/"), v2);
    /* REST carries the credentials; 9091 takes HTTP Basic only (from metrics_uri), never them */
    assert_int_equal(mvf_count(f, "auth=Bearer root:Milvus"), v2);
    assert_int_equal(mvf_count(f, "auth=-"), mvf_count(f, " /") - v2);
    assert_int_equal(mvf_count(f, "\"dbName\":\"prod\""), v2 + mvf_count(f, "query-segment-info"));
    assert_int_equal(mvf_count(f, "\"indexName\":\"emb_idx\""), mvf_count(f, "indexes/describe"));
    mvf_free(f);
}

static void both_envelopes_succeed(void **state)
{
    (void)state;
    mv_fixture *f = mvf_new();
    mvf_put(f, V2 "collections/list", "{\"code\":200,\"data\":[\"old\"]}");
    mvf_open(f, NULL);
    char err[512] = "", name[64] = "";
    assert_int_equal(f->ops->list_collections(f->ctx, collect_name, name, err, sizeof err), 0);
    assert_string_equal(name, "old");
    mvf_free(f);
}

static void milvus_codes_become_statuses(void **state)
{
    (void)state;
    mv_fixture *f = mvf_new();
    mvf_put(f, V2 "collections/describe@gone",
            "{\"code\":100,\"message\":\"collection not found[collection=gone]\"}");
    mvf_put(f, V2 "entities/search@cold", "{\"code\":101,\"message\":\"collection not loaded\"}");
    mvf_put(f, V2 "entities/search@busy",
            "{\"code\":1807,\"message\":\"request is rejected by limiter\"}");
    mvf_open(f, NULL);
    char err[512] = "";
    vmon_collection_stats st = {.struct_size = sizeof st};
    assert_int_equal(f->ops->collection_stats(f->ctx, "gone", &st, err, sizeof err), VMON_EINVAL);
    assert_non_null(strstr(err, "'gone'"));
    assert_non_null(strstr(err, "collection not found"));
    float q[4] = {1, 0, 0, 0};
    int64_t ids[2];
    float d[2];
    vmon_search_request r = {
        .struct_size = sizeof r, .n_queries = 1, .dim = 4, .top_k = 2, .queries = q};
    assert_int_equal(f->ops->search(f->ctx, "cold", &r, ids, d, err, sizeof err), VMON_RETRY);
    assert_non_null(strstr(err, "not loaded"));
    assert_int_equal(f->ops->search(f->ctx, "busy", &r, ids, d, err, sizeof err), VMON_RETRY);
    assert_non_null(strstr(err, "rate limited"));
    mvf_free(f);
}

static void http_statuses_and_broken_bodies(void **state)
{
    (void)state;
    mv_fixture *f = mvf_new();
    mvf_open(f, NULL);
    char err[512] = "", name[64];
    static const struct {
        const char *status, *body, *says;
        int rc;
    } cases[] = {
        {"403", "{\"code\":1401,\"message\":\"denied\"}", "privilege", VMON_ERROR},
        {"408", "{\"code\":10001,\"message\":\"request timeout\"}", "timed out", VMON_RETRY},
        {"500", "{\"code\":500}", "code 500", VMON_RETRY},
        {"500", "panic", "HTTP 500", VMON_RETRY},
        {"200", "{\"code\":0,\"data\":[\"c1\"", "not a complete JSON", VMON_RETRY},
        {"200", "<html>", "not a complete JSON", VMON_RETRY},
        {"200", "{\"data\":[]}", "no numeric", VMON_ERROR},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mvf_put(f, V2 "collections/list.status", cases[i].status);
        mvf_put(f, V2 "collections/list", cases[i].body);
        int rc = f->ops->list_collections(f->ctx, collect_name, name, err, sizeof err);
        if (rc != cases[i].rc || !strstr(err, cases[i].says))
            fail_msg("case %zu: rc %d, err '%s'", i, rc, err);
    }
    mvf_free(f);
}

static void refused_credentials_are_not_retried(void **state)
{
    (void)state;
    mv_fixture *f = mvf_new();
    mvf_put(f, V2 "collections/list.status", "401");
    mvf_put(f, V2 "collections/list", "{\"code\":1800,\"message\":\"user hasn't authenticated\"}");
    const char *auth[] = {"token", "wrong-key", NULL};
    mvf_open(f, auth);
    char err[512] = "", name[64];
    assert_int_equal(f->ops->list_collections(f->ctx, collect_name, name, err, sizeof err),
                     VMON_ERROR);
    assert_non_null(strstr(err, "not authenticated"));
    assert_null(strstr(err, "wrong-key"));
    int sent = mvf_count(f, " /");
    assert_int_equal(f->ops->list_collections(f->ctx, collect_name, name, err, sizeof err),
                     VMON_ERROR);
    assert_int_equal(f->ops->health(f->ctx, err, sizeof err), VMON_ERROR);
    assert_int_equal(mvf_count(f, " /"), sent); /* nothing more was sent */
    assert_int_equal(mvf_count(f, "auth=Bearer wrong-key"), sent);
    mvf_free(f);
}

static void search_ids_as_strings_and_params_per_request(void **state)
{
    (void)state;
    mv_fixture *f = mvf_new();
    mvf_put(
        f, V2 "entities/search",
        "{\"code\":0,\"topks\":[2,1],\"data\":[{\"id\":\"9223372036854775807\",\"distance\":0.5},"
        "{\"id\":\"12\",\"distance\":0.25},{\"id\":7,\"distance\":0.75}],\"cost\":3}");
    mvf_open(f, NULL);
    char err[512] = "";
    float q[8] = {1, 0, 0, 0, 0, 1, 0, 0};
    int64_t ids[4];
    float d[4];
    vmon_search_request r = {.struct_size = sizeof r,
                             .flags = VMON_SEARCH_NPROBE,
                             .n_queries = 2,
                             .dim = 4,
                             .top_k = 2,
                             .nprobe = 8,
                             .queries = q};
    assert_int_equal(f->ops->search(f->ctx, NULL, &r, ids, d, err, sizeof err), 0);
    assert_true(ids[0] == INT64_MAX);
    assert_int_equal(ids[1], 12);
    assert_int_equal(ids[2], 7);
    assert_int_equal(ids[3], -1);
    assert_true(fabsf(d[2] - 0.75f) < 1e-6f);
    assert_int_equal(mvf_count(f, "\"searchParams\":{\"params\":{\"nprobe\":8}}"), 1);
    assert_int_equal(mvf_count(f, "\"limit\":2"), 1);
    r.flags = VMON_SEARCH_EF;
    r.ef = 1;
    assert_int_equal(f->ops->search(f->ctx, NULL, &r, ids, d, err, sizeof err), VMON_EINVAL);
    assert_non_null(strstr(err, "ef 1"));
    mvf_free(f);
}

typedef struct seg_seen {
    int n;
    int64_t id[4], node[4];
    uint32_t state[4];
} seg_seen;

static int on_segment(void *arg, const vmon_segment_info *s)
{
    seg_seen *w = arg;
    if (w->n < 4) {
        w->id[w->n] = s->id;
        w->node[w->n] = s->node_id;
        w->state[w->n] = s->state;
    }
    w->n++;
    return 0;
}

static void segments_carry_their_node(void **state)
{
    (void)state;
    mv_fixture *f = mvf_new();
    mvf_open(f, NULL);
    char err[512] = "";
    seg_seen w = {0};
    assert_int_equal(f->ops->segments(f->ctx, NULL, on_segment, &w, err, sizeof err), 0);
    assert_int_equal(w.n, 2);
    assert_int_equal(w.id[0], 451); /* growing first */
    assert_int_equal(w.state[0], VMON_SEGMENT_GROWING);
    assert_int_equal(w.node[0], 8);
    assert_int_equal(w.id[1], 452);
    assert_int_equal(w.state[1], VMON_SEGMENT_INDEXED);
    assert_int_equal(w.node[1], 7);
    mvf_free(f);
}

/* Every sample of one report() call, so figures of one scrape are read together. */
typedef struct snapshot {
    int n;
    char name[256][64], labels[256][256];
    double value[256];
} snapshot;

static int on_sample(void *arg, const vmon_sample *s)
{
    snapshot *w = arg;
    if (w->n == 256)
        return 0;
    snprintf(w->name[w->n], 64, "%s", s->name);
    size_t len = 0;
    for (uint32_t i = 0; i < s->n_labels; i++)
        len += (size_t)snprintf(w->labels[w->n] + len, 256 - len, ",%s=%s", s->labels[i].name,
                                s->labels[i].value);
    w->value[w->n++] = s->value;
    return 0;
}

static void take(mv_fixture *f, const char *component, snapshot *w)
{
    char err[512] = "";
    w->n = 0;
    if (f->ops->report(f->ctx, component, on_sample, w, err, sizeof err) != 0)
        fail_msg("report: %s", err);
}

/* The value of `name` whose labels contain `label` (",k=v"; NULL: any); NaN when absent. */
static double value_of(const snapshot *w, const char *name, const char *label)
{
    for (int i = 0; i < w->n; i++)
        if (strcmp(w->name[i], name) == 0 && (!label || strstr(w->labels[i], label)))
            return w->value[i];
    return NAN;
}

static double reported(mv_fixture *f, const char *component, const char *name, const char *label)
{
    static snapshot w;
    take(f, component, &w);
    return value_of(&w, name, label);
}

static void put_scrape(mv_fixture *f, int searches, int b10, int b100)
{
    char text[2048];
    snprintf(text, sizeof text,
             "# HELP milvus_proxy_req_count count of operation executed\n"
             "# TYPE milvus_proxy_req_count counter\n"
             "milvus_proxy_req_count{collection_name=\"c1\",db_name=\"default\",function_name="
             "\"Search\",node_id=\"5\",status=\"total\"} %d\n"
             "milvus_proxy_req_count{status=\"fail\",node_id=\"5\",function_name=\"Search\","
             "collection_name=\"c1\",db_name=\"default\"} 1\n"
             "# TYPE milvus_proxy_sq_latency histogram\n"
             "milvus_proxy_sq_latency_bucket{collection_name=\"c1\",node_id=\"5\",query_type="
             "\"search\",le=\"1\"} 0\n"
             "milvus_proxy_sq_latency_bucket{collection_name=\"c1\",node_id=\"5\",query_type="
             "\"search\",le=\"10\"} %d\n"
             "milvus_proxy_sq_latency_bucket{collection_name=\"c1\",node_id=\"5\",query_type="
             "\"search\",le=\"100\"} %d\n"
             "milvus_proxy_sq_latency_bucket{collection_name=\"c1\",node_id=\"5\",query_type="
             "\"search\",le=\"+Inf\"} %d\n"
             "milvus_proxy_sq_latency_sum{collection_name=\"c1\",node_id=\"5\",query_type="
             "\"search\"} %d\n"
             "milvus_proxy_sq_latency_count{collection_name=\"c1\",node_id=\"5\",query_type="
             "\"search\"} %d\n"
             "milvus_querynode_entity_size{node_id=\"7\",collection_id=\"1\",segment_state="
             "\"Sealed\"} 4096\n"
             "milvus_querynode_entity_size{node_id=\"7\",collection_id=\"2\",segment_state="
             "\"Growing\"} 1024\n"
             "process_resident_memory_bytes 2.5e+07\n",
             searches, b10, b100, b100, b100 * 20, b100);
    mvf_put(f, "metrics", text);
}

static void writes_use_the_collection_fields_and_fall_back_on_2_4(void **state)
{
    (void)state;
    mv_fixture *f = mvf_new();
    mvf_put(f, V2 "collections/create", "{\"code\":0,\"data\":{}}");
    mvf_put(f, V2 "collections/drop", "{\"code\":0,\"data\":{}}");
    mvf_put(f, V2 "entities/insert",
            "{\"code\":0,\"data\":{\"insertCount\":2,\"insertIds\":[\"5\",\"6\"]}}");
    mvf_put(f, V2 "entities/delete", "{\"code\":0,\"data\":{\"deleteCount\":1}}");
    mvf_put(f, "api/v1/persist", "{\"status\":{}}"); /* 2.4: no collections/flush route */
    mvf_open(f, NULL);
    char err[512] = "";
    vmon_collection_spec spec = {.struct_size = sizeof spec,
                                 .dim = 8,
                                 .metric = VMON_METRIC_L2,
                                 .nlist = 64,
                                 .name = "scratch",
                                 .index_type = "IVF_FLAT"};
    assert_int_equal(f->ops->create_collection(f->ctx, &spec, err, sizeof err), 0);
    assert_int_equal(mvf_count(f, "\"dimension\":8"), 1);
    assert_int_equal(mvf_count(f, "\"indexType\":\"IVF_FLAT\",\"params\":{\"nlist\":64}"), 1);
    float v[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    int64_t ids[2] = {5, 6}, got[2];
    assert_int_equal(f->ops->insert(f->ctx, NULL, v, 2, 4, ids, got, err, sizeof err), 0);
    assert_int_equal(mvf_count(f, "{\"pk\":5,\"emb\":[1.0,2.0,3.0,4.0]}"), 1);
    assert_int_equal(f->ops->insert(f->ctx, NULL, v, 1, 8, NULL, got, err, sizeof err),
                     VMON_EINVAL);
    assert_non_null(strstr(err, "dimension 8"));
    uint64_t deleted = 0;
    assert_int_equal(f->ops->delete_rows(f->ctx, NULL, ids, 2, &deleted, err, sizeof err), 0);
    assert_int_equal(deleted, 1);
    assert_int_equal(mvf_count(f, "\"filter\":\"pk in [5,6]\""), 1);
    assert_int_equal(f->ops->flush(f->ctx, NULL, err, sizeof err), 0);
    assert_int_equal(mvf_count(f, "POST /api/v1/persist"), 1);
    assert_int_equal(mvf_count(f, "\"collection_names\":[\"c1\"]"), 1);
    assert_int_equal(f->ops->drop_collection(f->ctx, "scratch", err, sizeof err), 0);
    mvf_free(f);
}

static void rates_and_quantiles_from_two_scrapes(void **state)
{
    (void)state;
    mv_fixture *f = mvf_new();
    const char *every_call[] = {"max_age", "0", NULL};
    put_scrape(f, 100, 0, 0);
    mvf_open(f, every_call);
    static snapshot w;
    take(f, "proxy", &w);
    assert_true(isnan(value_of(&w, "proxy.search_latency_p95_ms", NULL)));
    assert_true(isnan(value_of(&w, "proxy.search_requests_per_second", NULL))); /* one scrape */
    put_scrape(f, 200, 50, 100);
    take(f, "proxy", &w);
    assert_true(fabs(value_of(&w, "proxy.search_latency_p95_ms", ",node_id=5") - 91) < 1e-9);
    assert_true(value_of(&w, "proxy.search_requests_per_second", NULL) > 0);
    put_scrape(f, 300, 150, 300); /* another 200 searches: 100 under 10 ms */
    take(f, "proxy", &w);
    assert_true(fabs(value_of(&w, "proxy.search_latency_p50_ms", ",collection=c1") - 10) < 1e-9);
    assert_true(fabs(value_of(&w, "proxy.search_latency_avg_ms", NULL) - 20) < 1e-9);
    assert_int_equal(value_of(&w, "proxy.search_requests_total", NULL), 300);
    assert_int_equal(value_of(&w, "proxy.search_failures_total", NULL), 1);
    put_scrape(f, 40, 150, 300); /* the proxy restarted: the counter starts again */
    take(f, "proxy", &w);
    assert_true(value_of(&w, "proxy.search_requests_per_second", NULL) > 0);
    take(f, NULL, &w);
    assert_int_equal(value_of(&w, "querynode.memory_used_bytes", ",node_id=7"), 5120);
    assert_int_equal(value_of(&w, "querynode.process_rss_bytes", ",node_id=7"), 25000000);
    assert_int_equal(value_of(&w, "querynode.segment_rows", ",segment_id=452"), 700);
    assert_int_equal(value_of(&w, "querynode.segments", ",collection=c1"), 2);
    assert_int_equal(value_of(&w, "querynode.load_state", ",collection=c1"), 2); /* loading */
    assert_true(fabs(value_of(&w, "querynode.load_progress_ratio", NULL) - 0.42) < 1e-9);
    assert_int_equal(value_of(&w, "indexnode.pending_rows", ",collection=c1"), 200);
    assert_true(fabs(value_of(&w, "indexnode.build_progress_ratio", NULL) - 0.8) < 1e-9);
    assert_int_equal(value_of(&w, "datanode.rows_total", ",collection=c1"), 1000);
    assert_true(isnan(value_of(&w, "querynode.memory_capacity_bytes", NULL))); /* no route */
    mvf_put(f, "api/v1/metrics",
            "{\"status\":{},\"component_name\":\"proxy1\",\"response\":\"{\\\"nodes_info\\\":["
            "{\\\"identifier\\\":7,\\\"infos\\\":{\\\"type\\\":\\\"querynode\\\","
            "\\\"hardware_infos\\\":{\\\"memory\\\":8000000000,\\\"memory_usage\\\":6800000000}}},"
            "{\\\"identifier\\\":1,\\\"infos\\\":{\\\"type\\\":\\\"proxy\\\","
            "\\\"hardware_infos\\\":{\\\"memory\\\":1}}}]}\"}");
    take(f, "querynode", &w);
    assert_true(value_of(&w, "querynode.memory_capacity_bytes", ",node_id=7") == 8e9);
    assert_true(value_of(&w, "querynode.node_memory_used_bytes", ",node_id=7") == 6.8e9);
    assert_true(isnan(value_of(&w, "querynode.memory_capacity_bytes", ",node_id=1")));
    /* the first proxy report's read for the version (no route then), and the two above */
    assert_int_equal(mvf_count(f, "metric_type"), 3);
    mvf_free(f);
}

/* sample_origin (ABI 0.6): the mapping table and the version system info gave, without I/O. */
static void sample_origin_names_the_milvus_metric_and_version(void **state)
{
    (void)state;
    mv_fixture *f = mvf_new();
    /* the query node lists first with another build: the proxy's version is the one named */
    mvf_put(f, "api/v1/metrics",
            "{\"status\":{},\"component_name\":\"proxy1\",\"response\":\"{\\\"nodes_info\\\":["
            "{\\\"identifier\\\":7,\\\"infos\\\":{\\\"type\\\":\\\"querynode\\\","
            "\\\"hardware_infos\\\":{\\\"memory\\\":8000000000},"
            "\\\"system_info\\\":{\\\"build_version\\\":\\\"v2.4.4\\\"}}},"
            "{\\\"identifier\\\":1,\\\"infos\\\":{\\\"type\\\":\\\"proxy\\\","
            "\\\"system_info\\\":{\\\"deploy_mode\\\":\\\"STANDALONE\\\","
            "\\\"build_version\\\":\\\"v2.4.5\\\"}}}]}\"}");
    mvf_open(f, NULL);
    assert_true(VMON_HAS_FIELD(vmon_target_ops, f->ops, sample_origin));
    char buf[512], want[256];
    int before = mvf_count(f, " /");

    /* Before any report: the metric from the table, the version not known yet. */
    assert_int_equal(f->ops->sample_origin(f->ctx, "proxy.search_latency_p95_ms", buf, sizeof buf),
                     VMON_OK);
    assert_non_null(strstr(buf, "Milvus metric milvus_proxy_sq_latency (histogram, "
                                "query_type=search; quantile of its buckets)"));
    assert_non_null(strstr(buf, "version not known yet"));
    snprintf(want, sizeof want, "at %s", f->uri);
    assert_non_null(strstr(buf, want));
    /* Names the target does not report (a typo, a probe's own figure): EINVAL, nothing written. */
    buf[0] = 'x';
    assert_int_equal(f->ops->sample_origin(f->ctx, "proxy.search_latency_p96_ms", buf, sizeof buf),
                     VMON_EINVAL);
    assert_string_equal(buf, "");
    assert_int_equal(
        f->ops->sample_origin(f->ctx, "querynode.memory_used_percent", buf, sizeof buf),
        VMON_EINVAL);
    assert_int_equal(mvf_count(f, " /") - before, 0); /* answered without asking the server */

    /* A proxy report reads system info once for the version; later ones do not. */
    static snapshot w;
    take(f, "proxy", &w);
    take(f, "proxy", &w);
    assert_int_equal(mvf_count(f, "metric_type"), 1);
    assert_true(isnan(value_of(&w, "querynode.memory_capacity_bytes", NULL))); /* not a proxy's */
    before = mvf_count(f, " /");
    assert_int_equal(f->ops->sample_origin(f->ctx, "proxy.search_latency_p95_ms", buf, sizeof buf),
                     VMON_OK);
    snprintf(want, sizeof want,
             "query_type=search; quantile of its buckets) on Milvus v2.4.5 at %s", f->uri);
    assert_non_null(strstr(buf, want));
    assert_int_equal(
        f->ops->sample_origin(f->ctx, "proxy.search_requests_per_second", buf, sizeof buf),
        VMON_OK);
    assert_non_null(strstr(buf, "Milvus metric milvus_proxy_req_count (counter, "
                                "function_name=Search, status=total; per second between two "
                                "scrapes) on Milvus v2.4.5"));
    assert_int_equal(f->ops->sample_origin(f->ctx, "cluster.nodes", buf, sizeof buf), VMON_OK);
    assert_non_null(strstr(buf, "Milvus metric milvus_num_node (gauge) on Milvus v2.4.5"));
    /* Figures from routes name the route. */
    assert_int_equal(
        f->ops->sample_origin(f->ctx, "querynode.memory_capacity_bytes", buf, sizeof buf), VMON_OK);
    assert_non_null(strstr(buf, "system-info route GET /api/v1/metrics"));
    assert_non_null(strstr(buf, "on Milvus v2.4.5"));
    assert_int_equal(f->ops->sample_origin(f->ctx, "indexnode.pending_rows", buf, sizeof buf),
                     VMON_OK);
    assert_non_null(strstr(buf, "indexes/describe (pendingRows) on Milvus v2.4.5"));
    /* A short buffer: cut, terminated. */
    char small[12];
    assert_int_equal(f->ops->sample_origin(f->ctx, "cluster.nodes", small, sizeof small), VMON_OK);
    assert_string_equal(small, "Milvus metr");
    assert_int_equal(mvf_count(f, " /") - before, 0);
    vmon_standalone_close(f->target);
    f->target = NULL;

    /* Through Prometheus: its address, with the password masked. */
    const char *prom[] = {"metrics_source", "prometheus", "prometheus_url",
                          "http://u:hunter2@127.0.0.1:1", NULL};
    mvf_open(f, prom);
    assert_int_equal(f->ops->sample_origin(f->ctx, "querynode.loaded_rows", buf, sizeof buf),
                     VMON_OK);
    assert_non_null(strstr(buf, "milvus_querynode_entity_num (gauge) on Milvus (version not "
                                "known yet: no system-info answer) read through Prometheus at "
                                "http://u:********@127.0.0.1:1"));
    assert_null(strstr(buf, "hunter2"));
    mvf_free(f);
}

static void one_scrape_serves_every_caller(void **state)
{
    (void)state;
    mv_fixture *f = mvf_new();
    const char *long_age[] = {"max_age", "1h", NULL};
    put_scrape(f, 100, 0, 0);
    mvf_open(f, long_age);
    for (int i = 0; i < 3; i++) {
        reported(f, "proxy", "proxy.search_requests_total", NULL);
        reported(f, "querynode", "querynode.memory_used_bytes", NULL);
    }
    assert_int_equal(mvf_count(f, "GET /metrics "), 1);
    /* a whole report of one collection: list, segments, load state, describe, stats, system
     * info; the metrics and the index description (read by the querynode reports) cached */
    int before = mvf_count(f, " /");
    reported(f, NULL, "proxy.search_requests_total", NULL);
    assert_int_equal(mvf_count(f, " /") - before, 6);
    assert_int_equal(mvf_count(f, "indexes/describe"), 1);
    char err[512];
    static snapshot w;
    assert_int_equal(f->ops->report(f->ctx, "coordinator", on_sample, &w, err, sizeof err),
                     VMON_ENOTSUP);
    mvf_free(f);
}

static void a_server_that_never_answers_times_out(void **state)
{
    (void)state;
    mv_fixture *f = mvf_new();
    const char *quick[] = {"timeout", "300ms", NULL};
    mvf_open(f, quick);
    char err[512] = "";
    mvf_put(f, "_delay_ms", "100"); /* slow, but within the timeout */
    assert_int_equal(f->ops->health(f->ctx, err, sizeof err), VMON_OK);
    mvf_remove(f, "_delay_ms");
    mvf_put(f, "_hang", "");
    assert_int_equal(f->ops->health(f->ctx, err, sizeof err), VMON_RETRY);
    assert_non_null(strstr(err, "9091"));
    mvf_remove(f, "_hang");
    mvf_put(f, "healthz.status", "500");
    mvf_put(f, "healthz", "Not all components are healthy, 2/3");
    assert_int_equal(f->ops->health(f->ctx, err, sizeof err), VMON_RETRY);
    assert_non_null(strstr(err, "2/3"));
    mvf_remove(f, "healthz.status");
    assert_int_equal(f->ops->health(f->ctx, err, sizeof err), VMON_OK);
    mock_milvus_stop(f->server); /* nothing listens any more: unreachable, worth a retry */
    f->server = NULL;
    assert_int_equal(f->ops->health(f->ctx, err, sizeof err), VMON_RETRY);
    char name[64];
    assert_int_equal(f->ops->list_collections(f->ctx, collect_name, name, err, sizeof err),
                     VMON_RETRY);
    mvf_free(f);
}

static int ignore_segment(void *arg, const vmon_segment_info *seg)
{
    (void)arg;
    (void)seg;
    return 0;
}

/* A 9091 route behind adminAuthEnabled (HTTP Basic root only) refusing the Bearer token
 * says how to give it credentials, and does not mark the REST credentials refused. */
static void a_refused_9091_route_leaves_rest_alone(void **state)
{
    (void)state;
    mv_fixture *f = mvf_new();
    mvf_put(f, "api/v1/query-segment-info.status", "401");
    mvf_put(f, "api/v1/query-segment-info", "{\"msg\":\"unauthorized\"}");
    const char *auth[] = {"token", "root:Milvus", NULL};
    mvf_open(f, auth);
    char err[512] = "", name[64];
    assert_int_not_equal(f->ops->segments(f->ctx, "c1", ignore_segment, NULL, err, sizeof err),
                         VMON_OK);
    if (!strstr(err, "401"))
        fail_msg("%s", err);
    assert_non_null(strstr(err, "metrics_uri"));
    assert_null(strstr(err, "root:Milvus"));
    assert_int_equal(f->ops->list_collections(f->ctx, collect_name, name, err, sizeof err), 0);
    mvf_free(f);
}

/* user:password@ in metrics_uri reaches the 9091 routes as HTTP Basic, what adminAuthEnabled
 * asks for, even when REST has a token of its own. */
static void metrics_uri_credentials_go_to_9091_as_basic(void **state)
{
    (void)state;
    mv_fixture *f = mvf_new();
    char metrics[128];
    snprintf(metrics, sizeof metrics, "http://root:Milvus@%s", f->uri + strlen("http://"));
    const char *pairs[] = {"uri", f->uri,  "metrics_uri", metrics, "collection",
                           "c1",  "token", "rest-key",    NULL};
    char err[512] = "";
    assert_int_equal(vmon_standalone_open(VMON_BUILD_PLUGIN_DIR, "target", "milvus", "mv", pairs,
                                          NULL, NULL, &f->target, err, sizeof err),
                     0);
    f->ops = vmon_standalone_ops(f->target);
    f->ctx = vmon_standalone_ctx(f->target);
    assert_int_equal(f->ops->segments(f->ctx, "c1", ignore_segment, NULL, err, sizeof err),
                     VMON_OK);
    assert_int_equal(mvf_count(f, "/api/v1/query-segment-info auth=Basic cm9vdDpNaWx2dXM= "), 1);
    assert_int_equal(mvf_count(f, "auth=Bearer rest-key"), mvf_count(f, " /v2/vectordb/"));
    mvf_free(f);
}

/* A metrics_uri written with user:password@ keeps the password out of every error. */
static void a_password_in_metrics_uri_stays_out_of_errors(void **state)
{
    (void)state;
    mv_fixture *f = mvf_new();
    mvf_put(f, "metrics.status", "500");
    char metrics[128];
    snprintf(metrics, sizeof metrics, "http://root:uri-secret@%s", f->uri + strlen("http://"));
    const char *pairs[] = {"uri", f->uri, "metrics_uri", metrics, "collection", "c1", NULL};
    char err[512] = "";
    assert_int_equal(vmon_standalone_open(VMON_BUILD_PLUGIN_DIR, "target", "milvus", "mv", pairs,
                                          NULL, NULL, &f->target, err, sizeof err),
                     0);
    f->ops = vmon_standalone_ops(f->target);
    f->ctx = vmon_standalone_ctx(f->target);
    static snapshot w;
    assert_int_not_equal(f->ops->report(f->ctx, "proxy", on_sample, &w, err, sizeof err), 0);
    if (!strstr(err, "/metrics") || !strstr(err, "root:********@") || strstr(err, "uri-secret"))
        fail_msg("the error should name the address without its password: %s", err);
    mvf_free(f);
}

/* Prometheus is another service: Milvus's credentials are never sent there, and a
 * Prometheus that refuses vmon does not stop the REST calls to Milvus. */
static void prometheus_gets_no_milvus_credentials(void **state)
{
    (void)state;
    mv_fixture *f = mvf_new();
    mvf_put(f, "api/v1/query",
            "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
            "\"result\":[]}}");
    const char *prom[] = {"metrics_source", "prometheus", "prometheus_url",
                          f->uri,           "token",      "root:Milvus",
                          "max_age",        "0",          NULL};
    mvf_open(f, prom);
    static snapshot w;
    take(f, "proxy", &w);
    int queries = mvf_count(f, "GET /api/v1/query ");
    assert_true(queries > 0);
    assert_int_equal(mvf_count(f, "GET /api/v1/query auth=- "), queries);
    mvf_put(f, "api/v1/query.status", "401");
    mvf_put(f, "api/v1/query", "{\"status\":\"error\",\"error\":\"unauthorized\"}");
    char err[512] = "", name[64] = "";
    assert_int_not_equal(f->ops->report(f->ctx, "proxy", on_sample, &w, err, sizeof err), 0);
    assert_non_null(strstr(err, "prometheus_url"));
    assert_int_equal(f->ops->list_collections(f->ctx, collect_name, name, err, sizeof err), 0);
    mvf_free(f);
}

static void options_are_checked(void **state)
{
    (void)state;
    mv_fixture *f = mvf_new();
    char err[2048] = "";
    const char *both[] = {"token", "t", "user", "u", "password", "p", NULL};
    assert_int_not_equal(mvf_try_open(f, both, err, sizeof err), 0);
    assert_non_null(strstr(err, "one of token"));
    const char *no_url[] = {"metrics_source", "prometheus", NULL};
    assert_int_not_equal(mvf_try_open(f, no_url, err, sizeof err), 0);
    assert_non_null(strstr(err, "prometheus_url"));
    const char *no_pw[] = {"user", "u", NULL};
    assert_int_not_equal(mvf_try_open(f, no_pw, err, sizeof err), 0);
    assert_non_null(strstr(err, "password"));
    mvf_put(f, "secret", "key-from-file\n");
    char path[4096];
    snprintf(path, sizeof path, "%s/secret", f->dir);
    const char *file[] = {"token_file", path, NULL};
    mvf_open(f, file);
    char name[64];
    assert_int_equal(f->ops->list_collections(f->ctx, collect_name, name, err, sizeof err), 0);
    assert_int_equal(mvf_count(f, "auth=Bearer key-from-file body"), 1);
    mvf_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(requests_are_shaped_like_the_clients),
        cmocka_unit_test(both_envelopes_succeed),
        cmocka_unit_test(a_password_in_metrics_uri_stays_out_of_errors),
        cmocka_unit_test(prometheus_gets_no_milvus_credentials),
        cmocka_unit_test(milvus_codes_become_statuses),
        cmocka_unit_test(http_statuses_and_broken_bodies),
        cmocka_unit_test(refused_credentials_are_not_retried),
        cmocka_unit_test(a_refused_9091_route_leaves_rest_alone),
        cmocka_unit_test(metrics_uri_credentials_go_to_9091_as_basic),
        cmocka_unit_test(search_ids_as_strings_and_params_per_request),
        cmocka_unit_test(segments_carry_their_node),
        cmocka_unit_test(writes_use_the_collection_fields_and_fall_back_on_2_4),
        cmocka_unit_test(rates_and_quantiles_from_two_scrapes),
        cmocka_unit_test(sample_origin_names_the_milvus_metric_and_version),
        cmocka_unit_test(one_scrape_serves_every_caller),
        cmocka_unit_test(a_server_that_never_answers_times_out),
        cmocka_unit_test(options_are_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
