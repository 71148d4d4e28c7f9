/*
 * report(): the component figures as samples, named as the embedded target
 * names them (docs/milvus.md lists them). Per-collection figures come from
 * REST v2 and the segment route; per-node figures from the shared metrics
 * cache, each with its `node_id`.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mv.h"

static const char *const COMPONENTS[] = {"proxy",     "querynode", "datanode",
                                         "indexnode", "cluster",   NULL};
static const char *const SEGMENT_STATES[] = {"growing", "sealed", "indexing", "indexed", "failed"};

typedef struct emitter {
    vmon_emit_fn fn;
    void *arg;
    int rc;
} emitter;

static void emit(emitter *e, const char *name, double value, const vmon_label *l, uint32_t n)
{
    if (isnan(value))
        return;
    vmon_sample s = {
        .struct_size = sizeof s, .name = name, .n_labels = n, .labels = l, .value = value};
    int rc = e->fn(e->arg, &s);
    if (rc != VMON_OK && e->rc == VMON_OK)
        e->rc = rc;
}

static int wanted(const char *component, const char *name)
{
    size_t n = strlen(component);
    return strncmp(name, component, n) == 0 && name[n] == '.';
}

typedef struct fig_pass {
    emitter *e;
    const char *component;
} fig_pass;

static int emit_figures(void *arg, const fig_table *ready)
{
    fig_pass *p = arg;
    for (size_t i = 0; i < ready->n; i++) {
        const fig_entry *f = &ready->v[i];
        if (!p->component || wanted(p->component, f->name))
            emit(p->e, f->name, f->value, f->labels, f->n_labels);
    }
    return VMON_OK;
}

typedef struct seg_pass {
    emitter *e;
    const char *collection;
    uint64_t n;
} seg_pass;

static int emit_segment(void *arg, const vmon_segment_info *s)
{
    seg_pass *p = arg;
    char id[24], node[24];
    snprintf(id, sizeof id, "%lld", (long long)s->id);
    snprintf(node, sizeof node, "%lld", (long long)s->node_id);
    vmon_label l[] = {{"collection", p->collection},
                      {"segment_id", id},
                      {"state", SEGMENT_STATES[s->state % 5]},
                      {"index_type", s->index_type},
                      {"node_id", node}};
    uint32_t n = s->node_id >= 0 ? 5 : 4;
    emit(p->e, "querynode.segment_rows", (double)s->rows, l, n);
    emit(p->e, "querynode.segment_memory_bytes", (double)s->memory_bytes, l, n);
    p->n++;
    return 0;
}

static void querynode_of(mv_ctx *c, const char *name, emitter *e)
{
    seg_pass p = {e, name, 0};
    char err[256];
    vmon_label l[] = {{"collection", name}};
    if (mv_segments(c, name, emit_segment, &p, err, sizeof err) == VMON_OK)
        emit(e, "querynode.segments", (double)p.n, l, 1);
}

static void datanode_of(mv_ctx *c, const char *name, emitter *e)
{
    vmon_collection_stats st = {.struct_size = sizeof st};
    char err[256];
    if (mv_collection_stats(c, name, &st, err, sizeof err) != VMON_OK)
        return;
    vmon_label l[] = {{"collection", name}};
    emit(e, "datanode.rows_total", (double)st.row_count, l, 1);
    emit(e, "datanode.data_size_bytes", (double)st.row_count * st.dim * 4, l, 1);
    emit(e, "datanode.collection_sealed_segments", (double)st.n_sealed, l, 1);
}

static void indexnode_of(mv_ctx *c, const char *name, emitter *e)
{
    mv_index ix;
    char err[256];
    if (mv_index_describe(c, name, &ix, err, sizeof err) != VMON_OK)
        return;
    vmon_label info[] = {{"collection", name},
                         {"index_type", ix.state.index_type},
                         {"metric", ix.metric[0] ? ix.metric : "unknown"}};
    emit(e, "indexnode.index_info", 1, info, 3);
    vmon_label l[] = {{"collection", name}};
    const vmon_index_state *st = &ix.state;
    emit(e, "indexnode.build_state", st->state, l, 1);
    emit(e, "indexnode.build_progress_ratio", st->progress, l, 1);
    emit(e, "indexnode.indexed_rows", (double)st->indexed_rows, l, 1);
    emit(e, "indexnode.pending_rows", (double)st->pending_rows, l, 1);
    emit(e, "indexnode.total_rows", (double)st->total_rows, l, 1);
    if (st->state == VMON_INDEX_FAILED) {
        vmon_label f[] = {{"collection", name}, {"reason", ix.fail_reason}};
        emit(e, "indexnode.build_failed", 1, f, 2);
    }
}

typedef struct per_collection {
    mv_ctx *c;
    emitter *e;
    const char *component;
} per_collection;

static int each_collection(void *arg, const char *name)
{
    per_collection *p = arg;
    if (!p->component || strcmp(p->component, "querynode") == 0)
        querynode_of(p->c, name, p->e);
    if (!p->component || strcmp(p->component, "datanode") == 0)
        datanode_of(p->c, name, p->e);
    if (!p->component || strcmp(p->component, "indexnode") == 0)
        indexnode_of(p->c, name, p->e);
    return 0;
}

int mv_report(void *ctx, const char *component, vmon_emit_fn fn, void *arg, char *err,
              size_t errlen)
{
    mv_ctx *c = ctx;
    int known = component == NULL;
    for (size_t i = 0; COMPONENTS[i] && !known; i++)
        known = strcmp(component, COMPONENTS[i]) == 0;
    if (!known) {
        snprintf(err, errlen, "no component '%s' (proxy, querynode, datanode, indexnode, cluster)",
                 component);
        return VMON_ENOTSUP;
    }
    emitter e = {fn, arg, VMON_OK};
    fig_pass fp = {&e, component};
    int rc = mv_with_figures(c, emit_figures, &fp, err, errlen);
    if (rc != VMON_OK)
        return rc;
    if (!component || strcmp(component, "querynode") == 0) {
        char ignored[256]; /* optional: absent on servers without the legacy routes */
        mv_system_info(c, fn, arg, ignored, sizeof ignored);
    }
    if (!component || strcmp(component, "proxy") != 0) {
        per_collection pc = {c, &e, component};
        rc = mv_list_collections(c, each_collection, &pc, err, errlen);
        if (rc != VMON_OK)
            return rc;
    }
    return e.rc;
}
