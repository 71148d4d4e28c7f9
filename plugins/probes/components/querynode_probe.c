/*
 * probe `querynode`: where the data is served from.
 *  - every segment (id, node, state, rows, index) and the distribution per
 *    query node (segments, rows);
 *  - memory per query node as the target reports it, against the node's
 *    capacity: the target's figure, else the `memory_limit` option. Never
 *    the memory of the machine vmond runs on: that is not the query node's;
 *  - a headroom forecast: the memory trend over `forecast_window` (least
 *    squares) turned into seconds until the node is full, so a rule warns
 *    before it runs out, not only past a threshold;
 *  - query rate (per node when the target counts per node, else the
 *    proxy's queries).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component.h"
#include "series.h"

/* A forecast further out than this (or one without enough history yet) says
 * "not soon"; rules compare below it. */
#define FORECAST_CAP_S (7.0 * 86400)

typedef struct node_figures {
    char id[32];
    uint64_t segments, rows;
    double used, node_used, capacity, queries;
} node_figures;

typedef struct querynode_probe {
    component_probe c;
    double memory_limit, window_s;
    series_table trends, rates;
    node_figures *nodes;
    size_t n_nodes, cap_nodes;
    int per_node_queries;
} querynode_probe;

static const char *const states[] = {"growing", "sealed", "indexing", "indexed", "failed"};

static const vmon_option options[] = {
    COMPONENT_COMMON_OPTIONS,
    {.key = "memory_limit",
     .type = VMON_OPT_SIZE,
     .default_value = "0",
     .help = "a query node's memory capacity when the target does not report one (0: none; "
             "then no percentage)"},
    {.key = "forecast_window",
     .type = VMON_OPT_DURATION,
     .flags = VMON_OPT_RANGE,
     .default_value = "30m",
     .min = 1000,
     .max = 7.0 * 86400000,
     .help = "how far back the memory trend of the headroom forecast looks"},
    {0}};

static int querynode_create(const vmon_host *host, vmon_instance *inst, void **ctx, char *err,
                            size_t errlen)
{
    querynode_probe *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return VMON_ENOMEM;
    }
    int rc = component_init(&p->c, host, inst, err, errlen);
    if (rc != VMON_OK) {
        free(p);
        return rc;
    }
    p->memory_limit = (double)host->cfg_int(inst, "memory_limit");
    p->window_s = (double)host->cfg_int(inst, "forecast_window") / 1000.0;
    *ctx = p;
    return VMON_OK;
}

static void querynode_destroy(void *ctx)
{
    querynode_probe *p = ctx;
    component_free(&p->c);
    series_free(&p->trends);
    series_free(&p->rates);
    free(p->nodes);
    free(p);
}

static node_figures *node(querynode_probe *p, const char *id)
{
    for (size_t i = 0; i < p->n_nodes; i++)
        if (strcmp(p->nodes[i].id, id) == 0)
            return &p->nodes[i];
    if (p->n_nodes == p->cap_nodes) {
        size_t cap = p->cap_nodes ? 2 * p->cap_nodes : 8;
        node_figures *n = realloc(p->nodes, cap * sizeof *n);
        if (!n)
            return NULL;
        p->nodes = n;
        p->cap_nodes = cap;
    }
    node_figures *n = &p->nodes[p->n_nodes++];
    *n = (node_figures){.used = NAN, .node_used = NAN, .capacity = NAN, .queries = NAN};
    snprintf(n->id, sizeof n->id, "%s", id);
    return n;
}

/* A figure without a node_id belongs to the only node there is, when there is one. */
static const char *node_of(querynode_probe *p, const vmon_sample *s)
{
    const char *id = component_label(s, "node_id");
    if (id)
        return id;
    return p->n_nodes == 1 ? p->nodes[0].id : "standalone";
}

typedef struct seg_walk {
    querynode_probe *p;
    const char *coll;
    uint64_t n;
} seg_walk;

static int one_segment(void *arg, const vmon_segment_info *s)
{
    seg_walk *w = arg;
    if (s->rows == 0 && s->state == VMON_SEGMENT_GROWING)
        return 0;
    char id[32], nid[32];
    snprintf(id, sizeof id, "%lld", (long long)s->id);
    int64_t node_id = s->struct_size >= offsetof(vmon_segment_info, node_id) + sizeof s->node_id
                          ? s->node_id
                          : -1;
    snprintf(nid, sizeof nid, "%lld", (long long)node_id);
    vmon_label l[] = {{"collection", w->coll},
                      {"segment_id", id},
                      {"node_id", nid},
                      {"state", states[s->state < 5 ? s->state : 4]},
                      {"index_type", s->index_type}};
    component_emit(&w->p->c, "querynode.segment_rows", (double)s->rows, l, 5);
    node_figures *n = node(w->p, nid);
    if (n) {
        n->segments++;
        n->rows += s->rows;
    }
    w->n++;
    return 0;
}

static int walk_segments(component_probe *c, const char *coll, void *arg, char *err, size_t errlen)
{
    (void)arg;
    seg_walk w = {(querynode_probe *)c, coll, 0};
    int rc = c->target.ops->segments(c->target.ctx, coll, one_segment, &w, err, errlen);
    if (rc == VMON_OK)
        component_emit_coll(c, "querynode.segments", (double)w.n, coll);
    return rc;
}

/* The segment figures are emitted above with their node; memory is kept for the node table. */
static int querynode_filter(void *arg, const vmon_sample *s)
{
    querynode_probe *p = arg;
    if (strncmp(s->name, "querynode.segment", 17) == 0)
        return 0;
    node_figures *n = NULL;
    if (strcmp(s->name, "querynode.memory_used_bytes") == 0 && (n = node(p, node_of(p, s))))
        n->used = s->value;
    else if (strcmp(s->name, "querynode.node_memory_used_bytes") == 0 &&
             (n = node(p, node_of(p, s))))
        n->node_used = s->value;
    else if ((strcmp(s->name, "querynode.memory_limit_bytes") == 0 ||
              strcmp(s->name, "querynode.memory_capacity_bytes") == 0) &&
             (n = node(p, node_of(p, s))))
        n->capacity = s->value;
    else if (strcmp(s->name, "querynode.search_requests_total") == 0 &&
             (n = node(p, node_of(p, s)))) {
        n->queries = (isnan(n->queries) ? 0 : n->queries) + s->value;
        p->per_node_queries = 1;
    }
    /* Memory figures go out per node with their capacity (emit_node). */
    return !n || strcmp(s->name, "querynode.search_requests_total") == 0;
}

static int proxy_queries(void *arg, const vmon_sample *s)
{
    double *sum = arg;
    if (strcmp(s->name, "proxy.search_queries_total") == 0)
        *sum += s->value;
    return 0;
}

static void emit_node(querynode_probe *p, node_figures *n, double now)
{
    /* The node's whole memory, where the target has it, is what its capacity bounds. */
    if (!isnan(n->node_used))
        n->used = n->node_used;
    vmon_label l = {"node_id", n->id};
    char key[64];
    component_emit(&p->c, "querynode.node_segments", (double)n->segments, &l, 1);
    component_emit(&p->c, "querynode.node_rows", (double)n->rows, &l, 1);
    if (!isnan(n->queries)) {
        snprintf(key, sizeof key, "q/%s", n->id);
        component_emit(&p->c, "querynode.search_qps", series_rate(&p->rates, key, n->queries, now),
                       &l, 1);
    }
    double cap = !isnan(n->capacity) && n->capacity > 0 ? n->capacity
                 : p->memory_limit > 0                  ? p->memory_limit
                                                        : NAN;
    if (isnan(n->used))
        return;
    if (isnan(cap)) {
        component_emit(&p->c, "querynode.memory_used_bytes", n->used, &l, 1);
        return;
    }
    component_emit(&p->c, "querynode.memory_used_bytes", n->used, &l, 1);
    component_emit(&p->c, "querynode.memory_capacity_bytes", cap, &l, 1);
    component_emit(&p->c, "querynode.memory_used_percent", 100.0 * n->used / cap, &l, 1);
    snprintf(key, sizeof key, "m/%s", n->id);
    double slope = series_trend(&p->trends, key, n->used, now, p->window_s);
    /* Too little history yet reads as "not within the cap", so a rule sees the metric. */
    double left = slope > 0 ? fmax(0, cap - n->used) / slope : FORECAST_CAP_S;
    component_emit(&p->c, "querynode.memory_full_in_seconds", fmin(left, FORECAST_CAP_S), &l, 1);
}

static int querynode_collect(void *ctx, char *err, size_t errlen)
{
    querynode_probe *p = ctx;
    err[0] = 0;
    component_begin(&p->c);
    p->n_nodes = 0;
    p->per_node_queries = 0;
    int rc = component_each_collection(&p->c, walk_segments, NULL, err, errlen);
    if (rc == VMON_OK)
        rc = component_forward(&p->c, "querynode", querynode_filter, p, err, errlen);
    if (rc == VMON_OK && !p->per_node_queries && p->n_nodes == 1) {
        double sum = 0;
        rc = component_forward(&p->c, "proxy", proxy_queries, &sum, err, errlen);
        p->nodes[0].queries = sum;
    }
    double now = component_now_s(&p->c);
    for (size_t i = 0; rc == VMON_OK && i < p->n_nodes; i++)
        emit_node(p, &p->nodes[i], now);
    return rc;
}

static const vmon_probe_ops ops = {
    .struct_size = sizeof(vmon_probe_ops),
    .kind = VMON_KIND_PROBE,
    .collect = querynode_collect,
};

VMON_PLUGIN_DEFINE(.kind = VMON_KIND_PROBE, .name = "querynode", .version = "0.1.0",
                   .description = "segments, distribution and memory per query node, headroom "
                                  "forecast, query rate (any target)",
                   .options = options, .create = querynode_create, .destroy = querynode_destroy,
                   .ops = &ops);
