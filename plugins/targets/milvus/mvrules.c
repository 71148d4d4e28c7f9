#include "mvrules.h"

#include "fnv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CN "collection_name"
/* clang-format off */
const mv_rule mv_rules[] = {
    /* proxy */
    {"milvus_proxy_req_count", MV_COUNTER, "proxy.search_requests_total", "proxy.search_requests_per_second", NULL,
     {{"function_name", "Search"}, {"status", "total"}}, {CN}, 0, 0},
    {"milvus_proxy_req_count", MV_COUNTER, "proxy.search_failures_total", "proxy.search_failures_per_second", NULL,
     {{"function_name", "Search"}, {"status", "fail"}}, {CN}, 0, 0},
    {"milvus_proxy_req_count", MV_COUNTER, "proxy.query_requests_total", "proxy.query_requests_per_second", NULL,
     {{"function_name", "Query"}, {"status", "total"}}, {CN}, 0, 0},
    {"milvus_proxy_req_count", MV_COUNTER, "proxy.insert_requests_total", "proxy.insert_requests_per_second", NULL,
     {{"function_name", "Insert"}, {"status", "total"}}, {CN}, 0, 0},
    {"milvus_proxy_req_count", MV_COUNTER, "proxy.insert_failures_total", NULL, NULL,
     {{"function_name", "Insert"}, {"status", "fail"}}, {CN}, 0, 0},
    {"milvus_proxy_req_count", MV_COUNTER, "proxy.delete_requests_total", NULL, NULL,
     {{"function_name", "Delete"}, {"status", "total"}}, {CN}, 0, 0},
    {"milvus_proxy_req_count", MV_COUNTER, "proxy.request_failures_total", "proxy.request_failures_per_second", NULL,
     {{"status", "fail"}}, {"function_name"}, 0, 0},
    {"milvus_proxy_search_vectors_count", MV_COUNTER, "proxy.search_queries_total", "proxy.search_vectors_per_second", NULL,
     {{0}}, {CN}, 0, 0},
    {"milvus_proxy_insert_vectors_count", MV_COUNTER, "proxy.insert_vectors_total", "proxy.insert_vectors_per_second", NULL,
     {{0}}, {CN}, 0, 0},
    {"milvus_proxy_rate_limit_req_count", MV_COUNTER, "proxy.rate_limited_total", "proxy.rate_limited_per_second", NULL,
     {{"status", "fail"}}, {"msg_type"}, 0, 0},
    {"milvus_proxy_sq_latency", MV_HISTOGRAM, "proxy.search_latency", NULL, "proxy.search_latency_avg_ms",
     {{"query_type", "search"}}, {CN}, 1, 0},
    /* querynode */
    {"milvus_querynode_sq_req_count", MV_COUNTER, "querynode.search_requests_total", "querynode.search_requests_per_second", NULL,
     {{"query_type", "search"}, {"status", "total"}}, {0}, 0, 0},
    {"milvus_querynode_sq_req_count", MV_COUNTER, "querynode.query_requests_total", "querynode.query_requests_per_second", NULL,
     {{"query_type", "query"}, {"status", "total"}}, {0}, 0, 0},
    {"milvus_querynode_sq_req_latency", MV_HISTOGRAM, "querynode.search_latency", NULL, "querynode.search_latency_avg_ms",
     {{"query_type", "search"}}, {0}, 1, 0},
    {"milvus_querynode_segment_num", MV_GAUGE, "querynode.loaded_segments", NULL, NULL,
     {{0}}, {"collection_id", "segment_state"}, 0, 0},
    {"milvus_querynode_entity_num", MV_GAUGE, "querynode.loaded_rows", NULL, NULL,
     {{0}}, {"collection_id"}, 0, 0},
    {"milvus_querynode_entity_size", MV_GAUGE, "querynode.memory_used_bytes", NULL, NULL,
     {{0}}, {0}, 0, 0},
    {"milvus_querynode_disk_used_size", MV_GAUGE, "querynode.disk_used_mb", NULL, NULL,
     {{0}}, {0}, 0, 0},
    {"process_resident_memory_bytes", MV_GAUGE, "querynode.process_rss_bytes", NULL, NULL,
     {{0}}, {0}, 0, 1},
    /* datanode */
    {"milvus_datanode_msg_rows_count", MV_COUNTER, "datanode.inserted_rows_total", "datanode.insert_rows_per_second", NULL,
     {{"msg_type", "insert"}}, {0}, 0, 0},
    {"milvus_datanode_flushed_data_rows", MV_COUNTER, "datanode.flushed_rows_total", "datanode.flushed_rows_per_second", NULL,
     {{0}}, {0}, 0, 0},
    {"milvus_datanode_flushed_data_size", MV_COUNTER, "datanode.flushed_bytes_total", "datanode.flushed_bytes_per_second", NULL,
     {{0}}, {0}, 0, 0},
    {"milvus_datanode_flush_req_count", MV_COUNTER, "datanode.flushes_total", NULL, NULL,
     {{"status", "success"}}, {0}, 0, 0},
    {"milvus_datanode_save_latency", MV_HISTOGRAM, "datanode.flush_latency", NULL, "datanode.flush_duration_ms",
     {{0}}, {0}, 1, 0},
    {"milvus_datacoord_segment_num", MV_GAUGE, "datanode.sealed_segments", NULL, NULL,
     {{"segment_state", "Sealed|Flushed|Flushing"}}, {0}, 0, 0},
    /* index builds: indexnode (<= 2.5) */
    {"milvus_indexnode_index_task_count", MV_COUNTER, "indexnode.builds_total", NULL, NULL,
     {{"status", "success|finished"}}, {0}, 0, 0},
    {"milvus_indexnode_index_task_count", MV_COUNTER, "indexnode.build_failures_total", NULL, NULL,
     {{"status", "fail|failed"}}, {0}, 0, 0},
    {"milvus_indexnode_build_index_latency", MV_HISTOGRAM, "indexnode.build_latency", NULL, "indexnode.build_duration_ms",
     {{0}}, {0}, 1000, 0},
    /* the cluster */
    {"milvus_num_node", MV_GAUGE, "cluster.nodes", NULL, NULL, {{0}}, {"role_name"}, 0, 0},
};
/* clang-format on */
const size_t mv_n_rules = sizeof mv_rules / sizeof *mv_rules;

const char *mv_label_rename(const char *l)
{
    if (strcmp(l, "collection_name") == 0)
        return "collection";
    if (strcmp(l, "segment_state") == 0)
        return "state";
    return l;
}

int mv_match_value(const char *pattern, const char *value)
{
    size_t n = strlen(value);
    for (const char *p = pattern; p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, value, n) == 0)
            return 1;
        p = bar ? bar + 1 : NULL;
    }
    return 0;
}

/* "_bucket", "_sum", "_count" of a histogram, or "" for the metric itself. */
static const char *suffix_after(const char *name, const char *metric)
{
    size_t n = strlen(metric);
    return strncmp(name, metric, n) == 0 ? name + n : NULL;
}

static int rule_matches(const mv_rule *r, const prom_sample *s)
{
    for (int i = 0; i < MV_MATCH_MAX && r->match[i][0]; i++) {
        const char *v = prom_label_value(s, r->match[i][0]);
        if (!v || !mv_match_value(r->match[i][1], v))
            return 0;
    }
    return 1;
}

static const char *normalise_le(const char *le, char *out, size_t outlen)
{
    if (strcmp(le, "+Inf") == 0 || (le[0] >= '1' && le[0] <= '9' && !le[strspn(le, "0123456789")]))
        return le; /* already canonical: the common case, and printf is costly */
    char *end;
    double v = strtod(le, &end);
    if (end == le || *end)
        snprintf(out, outlen, "%s", le);
    else
        snprintf(out, outlen, "%.17g", v); /* "1", "1.0" and "1e0" are one bucket */
    return out;
}

static int fold_one(mv_fold *f, const mv_rule *r, const prom_sample *s, const char *suffix)
{
    vmon_label l[FIG_LABELS_MAX];
    uint32_t n = 0;
    const char *node = prom_label_value(s, "node_id");
    if (!node && r->node_from_scrape && f->node_id[0])
        node = f->node_id;
    if (node)
        l[n++] = (vmon_label){"node_id", node};
    for (int i = 0; i < MV_KEEP_MAX && r->keep[i]; i++) {
        const char *v = prom_label_value(s, r->keep[i]);
        if (v)
            l[n++] = (vmon_label){mv_label_rename(r->keep[i]), v};
    }
    char le[40], name[96];
    if (strcmp(suffix, "_bucket") == 0) {
        const char *raw_le = prom_label_value(s, "le");
        if (!raw_le)
            return 0;
        l[n++] = (vmon_label){"le", normalise_le(raw_le, le, sizeof le)};
    }
    if (isnan(s->value))
        return 0;
    if (!suffix[0])
        return fig_add(f->raw, r->figure, l, n, s->value);
    snprintf(name, sizeof name, "%s%s", r->figure, suffix);
    return fig_add(f->raw, name, l, n, s->value);
}

int mv_fold_sample(void *arg, const prom_sample *s)
{
    mv_fold *f = arg;
    if (!f->node_id[0] && strncmp(s->name, "milvus_querynode_", 17) == 0) {
        const char *node = prom_label_value(s, "node_id");
        if (node)
            snprintf(f->node_id, sizeof f->node_id, "%s", node);
    }
    for (size_t i = 0; i < mv_n_rules; i++) {
        const mv_rule *r = &mv_rules[i];
        const char *suffix = suffix_after(s->name, r->metric);
        if (!suffix)
            continue;
        int wanted = r->kind == MV_HISTOGRAM
                         ? strcmp(suffix, "_bucket") == 0 || strcmp(suffix, "_sum") == 0 ||
                               strcmp(suffix, "_count") == 0
                         : suffix[0] == '\0';
        if (wanted && rule_matches(r, s) && fold_one(f, r, s, suffix) != 0) {
            f->failed = 1;
            return -1;
        }
    }
    return 0;
}

double mv_quantile(double q, const double *le, const double *cum, size_t n)
{
    if (n == 0 || !(cum[n - 1] > 0))
        return NAN;
    double rank = q * cum[n - 1];
    size_t i = 0;
    while (i < n && cum[i] < rank)
        i++;
    if (i >= n)
        i = n - 1;
    if (isinf(le[i]))
        return i > 0 ? le[i - 1] : NAN;
    double lower = i > 0 ? le[i - 1] : (le[0] > 0 ? 0 : le[0]);
    double below = i > 0 ? cum[i - 1] : 0;
    double in_bucket = cum[i] - below;
    if (in_bucket <= 0)
        return le[i];
    return lower + (le[i] - lower) * (rank - below) / in_bucket;
}

static const mv_rule *rule_of_figure(const char *name, size_t *base_len)
{
    for (size_t i = 0; i < mv_n_rules; i++) {
        size_t n = strlen(mv_rules[i].figure);
        if (strncmp(name, mv_rules[i].figure, n) == 0 &&
            (name[n] == '\0' || mv_rules[i].kind == MV_HISTOGRAM)) {
            *base_len = n;
            return &mv_rules[i];
        }
    }
    return NULL;
}

/* The increase of a counter between two scrapes; a decrease means a restart. */
static double increase(double cur, const fig_entry *prev)
{
    if (!prev)
        return cur;
    return cur >= prev->value ? cur - prev->value : cur;
}

static int derive_counter(const mv_rule *r, const fig_entry *e, const fig_table *prev, double dt,
                          fig_table *ready)
{
    if (fig_set(ready, e->name, e->labels, e->n_labels, e->value) != 0)
        return -1;
    if (!r->rate || !prev || dt <= 0)
        return 0;
    double rate = increase(e->value, fig_find_entry(prev, e)) / dt;
    return fig_set(ready, r->rate, e->labels, e->n_labels, rate);
}

typedef struct bucket {
    uint64_t group;
    double le, count;
    size_t entry;
} bucket;

static int by_group_then_le(const void *a, const void *b)
{
    const bucket *x = a, *y = b;
    if (x->group != y->group)
        return x->group < y->group ? -1 : 1;
    return x->le < y->le ? -1 : x->le > y->le;
}

/* The labels of a bucket without `le`: the histogram's own series. */
static uint32_t series_labels(const fig_entry *e, vmon_label *out)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < e->n_labels; i++)
        if (strcmp(e->labels[i].name, "le") != 0)
            out[n++] = e->labels[i];
    return n;
}

static uint64_t group_hash(const char *name, const vmon_label *l, uint32_t n)
{
    uint64_t h = vmon_fnv1a64_field(VMON_FNV64_OFFSET, name);
    for (uint32_t i = 0; i < n; i++)
        h = vmon_fnv1a64_field(vmon_fnv1a64_field(h, l[i].name), l[i].value);
    return h;
}

static int emit_quantiles(const mv_rule *r, const fig_table *cur, const bucket *b, size_t n,
                          fig_table *ready)
{
    double *le = malloc(n * sizeof *le), *cum = malloc(n * sizeof *cum);
    int rc = le && cum ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        le[i] = b[i].le * r->to_ms;
        cum[i] = b[i].count;
    }
    vmon_label l[FIG_LABELS_MAX];
    uint32_t nl = series_labels(&cur->v[b[0].entry], l);
    static const struct {
        double q;
        const char *suffix;
    } qs[] = {{0.5, "_p50_ms"}, {0.95, "_p95_ms"}, {0.99, "_p99_ms"}};
    for (size_t i = 0; rc == 0 && i < sizeof qs / sizeof *qs; i++) {
        double v = mv_quantile(qs[i].q, le, cum, n);
        char name[96];
        snprintf(name, sizeof name, "%s%s", r->figure, qs[i].suffix);
        if (!isnan(v))
            rc = fig_set(ready, name, l, nl, v);
    }
    free(le);
    free(cum);
    return rc;
}

static int emit_average(const mv_rule *r, const fig_table *cur, const fig_table *prev,
                        const fig_entry *count, fig_table *ready)
{
    char name[96];
    snprintf(name, sizeof name, "%s_sum", r->figure);
    const fig_entry *sum = fig_find(cur, name, count->labels, count->n_labels);
    if (!sum || !r->avg)
        return 0;
    const fig_entry *psum = prev ? fig_find_entry(prev, sum) : NULL;
    double dc = increase(count->value, prev ? fig_find_entry(prev, count) : NULL);
    double ds = increase(sum->value, psum);
    if (dc <= 0)
        return 0;
    return fig_set(ready, r->avg, count->labels, count->n_labels, ds / dc * r->to_ms);
}

static int derive_histograms(const fig_table *cur, const fig_table *prev, fig_table *ready)
{
    bucket *b = malloc((cur->n ? cur->n : 1) * sizeof *b);
    if (!b)
        return -1;
    size_t nb = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < cur->n; i++) {
        const fig_entry *e = &cur->v[i];
        size_t base;
        const mv_rule *r = rule_of_figure(e->name, &base);
        if (!r || r->kind != MV_HISTOGRAM)
            continue;
        if (strcmp(e->name + base, "_count") == 0) {
            rc = emit_average(r, cur, prev, e, ready);
            continue;
        }
        if (strcmp(e->name + base, "_bucket") != 0)
            continue;
        const char *le = NULL;
        for (uint32_t k = 0; k < e->n_labels; k++)
            if (strcmp(e->labels[k].name, "le") == 0)
                le = e->labels[k].value;
        vmon_label l[FIG_LABELS_MAX];
        uint32_t nl = series_labels(e, l);
        b[nb++] = (bucket){group_hash(e->name, l, nl), le ? strtod(le, NULL) : INFINITY,
                           increase(e->value, prev ? fig_find_entry(prev, e) : NULL), i};
    }
    qsort(b, nb, sizeof *b, by_group_then_le);
    for (size_t start = 0; rc == 0 && start < nb;) {
        size_t end = start;
        while (end < nb && b[end].group == b[start].group)
            end++;
        size_t base;
        const mv_rule *r = rule_of_figure(cur->v[b[start].entry].name, &base);
        /* a reset bucket reads lower than the one below it: use the whole new counts */
        for (size_t i = start + 1; i < end; i++)
            if (b[i].count < b[i - 1].count)
                b[i].count = b[i - 1].count;
        rc = emit_quantiles(r, cur, b + start, end - start, ready);
        start = end;
    }
    free(b);
    return rc;
}

int mv_derive(const fig_table *cur, const fig_table *prev, double dt_s, fig_table *ready)
{
    for (size_t i = 0; i < cur->n; i++) {
        const fig_entry *e = &cur->v[i];
        size_t base;
        const mv_rule *r = rule_of_figure(e->name, &base);
        if (!r || r->kind == MV_HISTOGRAM)
            continue;
        int rc = r->kind == MV_COUNTER ? derive_counter(r, e, prev, dt_s, ready)
                                       : fig_set(ready, e->name, e->labels, e->n_labels, e->value);
        if (rc != 0)
            return -1;
    }
    return derive_histograms(cur, prev, ready);
}
