/*
 * sample_origin (ABI 0.6): where a sample of this target comes from, for the
 * core's warning about a rule whose metric never appears. Answered from the
 * static tables (mvrules.c for the /metrics figures, SOURCES below for the
 * routes) and the Milvus version cached by the last system-info read; called
 * on vmond's rules thread, so it never does I/O and takes one short lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mv.h"
#include "mvrules.h"
#include "url_redact.h"

/* Seconds between version reads by reports that do not read system info anyway. */
#define VERSION_RETRY_NS (300 * 1000000000LL)

/* Samples that come from a route, not from /metrics. */
static const struct {
    const char *sample, *from;
} SOURCES[] = {
    {"querynode.memory_capacity_bytes",
     "Milvus system-info route GET /api/v1/metrics (hardware_infos.memory of each query node)"},
    {"querynode.node_memory_used_bytes",
     "Milvus system-info route GET /api/v1/metrics (hardware_infos.memory_usage of each query "
     "node)"},
    {"querynode.segments", "Milvus route GET /api/v1/query-segment-info"},
    {"querynode.segment_rows", "Milvus route GET /api/v1/query-segment-info (num_rows)"},
    {"querynode.segment_memory_bytes", "Milvus route GET /api/v1/query-segment-info (mem_size)"},
    {"datanode.collection_sealed_segments", "Milvus route GET /api/v1/query-segment-info"},
    {"querynode.load_state", "Milvus REST v2 collections/get_load_state (loadState)"},
    {"querynode.load_progress_ratio", "Milvus REST v2 collections/get_load_state (loadProgress)"},
    {"datanode.rows_total", "Milvus REST v2 collections/get_stats (rowCount)"},
    {"datanode.data_size_bytes",
     "Milvus REST v2 collections/get_stats (rowCount) and collections/describe (dim)"},
    {"indexnode.index_info", "Milvus REST v2 indexes/describe"},
    {"indexnode.build_state", "Milvus REST v2 indexes/describe (indexState)"},
    {"indexnode.build_progress_ratio", "Milvus REST v2 indexes/describe (indexedRows/totalRows)"},
    {"indexnode.indexed_rows", "Milvus REST v2 indexes/describe (indexedRows)"},
    {"indexnode.pending_rows", "Milvus REST v2 indexes/describe (pendingRows)"},
    {"indexnode.total_rows", "Milvus REST v2 indexes/describe (totalRows)"},
    {"indexnode.build_failed", "Milvus REST v2 indexes/describe (failReason)"},
};

void mv_origin_where(mv_ctx *c)
{
    char *shown =
        vmon_url_redacted(c->source == MV_SOURCE_PROMETHEUS ? c->prometheus_url : c->endpoints[0]);
    if (c->source == MV_SOURCE_PROMETHEUS)
        snprintf(c->origin_where, sizeof c->origin_where, "read through Prometheus at %.200s",
                 shown ? shown : "prometheus_url");
    else if (c->n_endpoints > 1)
        snprintf(c->origin_where, sizeof c->origin_where, "at %.200s and %zu more metrics_uri",
                 shown ? shown : "metrics_uri", c->n_endpoints - 1);
    else
        snprintf(c->origin_where, sizeof c->origin_where, "at %.200s",
                 shown ? shown : "metrics_uri");
    free(shown);
}

void mv_origin_version_read(mv_ctx *c, const char *version)
{
    pthread_mutex_lock(&c->origin_lock);
    c->version_read_ns = c->host->monotonic_ns();
    c->version_tried = 1;
    if (version && version[0])
        snprintf(c->version, sizeof c->version, "%s", version);
    pthread_mutex_unlock(&c->origin_lock);
}

int mv_origin_version_wanted(mv_ctx *c)
{
    pthread_mutex_lock(&c->origin_lock);
    int wanted =
        !c->version[0] &&
        (!c->version_tried || c->host->monotonic_ns() - c->version_read_ns >= VERSION_RETRY_NS);
    if (wanted) { /* one caller asks; the others do not wait for it */
        c->version_tried = 1;
        c->version_read_ns = c->host->monotonic_ns();
    }
    pthread_mutex_unlock(&c->origin_lock);
    return wanted;
}

static const char *kind_name(mv_kind k)
{
    return k == MV_HISTOGRAM ? "histogram" : k == MV_COUNTER ? "counter" : "gauge";
}

/* "proxy.search_latency" + "_p95_ms" */
static int is_quantile(const char *name, const char *figure)
{
    size_t n = strlen(figure);
    return strncmp(name, figure, n) == 0 &&
           (strcmp(name + n, "_p50_ms") == 0 || strcmp(name + n, "_p95_ms") == 0 ||
            strcmp(name + n, "_p99_ms") == 0);
}

/* "Milvus metric milvus_proxy_sq_latency (histogram, query_type=search)"; 0 if no rule has it */
static int describe_metric(const char *name, char *buf, size_t len)
{
    for (size_t i = 0; i < mv_n_rules; i++) {
        const mv_rule *r = &mv_rules[i];
        const char *how = NULL;
        if (strcmp(name, r->figure) == 0 && r->kind != MV_HISTOGRAM)
            how = "";
        else if (r->rate && strcmp(name, r->rate) == 0)
            how = "per second between two scrapes";
        else if (r->avg && strcmp(name, r->avg) == 0)
            how = "mean between two scrapes";
        else if (r->kind == MV_HISTOGRAM && is_quantile(name, r->figure))
            how = "quantile of its buckets";
        if (!how)
            continue;
        size_t used =
            (size_t)snprintf(buf, len, "Milvus metric %s (%s", r->metric, kind_name(r->kind));
        for (int m = 0; m < MV_MATCH_MAX && r->match[m][0] && used < len; m++)
            used +=
                (size_t)snprintf(buf + used, len - used, ", %s=%s", r->match[m][0], r->match[m][1]);
        if (how[0] && used < len)
            used += (size_t)snprintf(buf + used, len - used, "; %s", how);
        if (used < len)
            snprintf(buf + used, len - used, ")");
        return 1;
    }
    for (size_t i = 0; i < sizeof SOURCES / sizeof *SOURCES; i++)
        if (strcmp(name, SOURCES[i].sample) == 0) {
            snprintf(buf, len, "%s", SOURCES[i].from);
            return 1;
        }
    return 0;
}

int mv_sample_origin(void *ctx, const char *sample_name, char *buf, size_t len)
{
    mv_ctx *c = ctx;
    if (!buf || len == 0)
        return VMON_EINVAL;
    buf[0] = '\0';
    char what[256];
    if (!sample_name || !describe_metric(sample_name, what, sizeof what))
        return VMON_EINVAL;
    char version[sizeof c->version];
    pthread_mutex_lock(&c->origin_lock);
    memcpy(version, c->version, sizeof version);
    pthread_mutex_unlock(&c->origin_lock);
    if (version[0])
        snprintf(buf, len, "%s on Milvus %s %s", what, version, c->origin_where);
    else
        snprintf(buf, len, "%s on Milvus (version not known yet: no system-info answer) %s", what,
                 c->origin_where);
    return VMON_OK;
}
