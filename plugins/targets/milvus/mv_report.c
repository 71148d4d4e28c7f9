/*
 * report(): the component figures as samples, named as the embedded target
 * names them (docs/milvus.md lists them). Per-collection figures come from
 * REST v2 and the segment route; per-node figures from the shared metrics
 * cache, each with its `node_id`.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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
    emitter *e; /* NULL: count only */
    const char *collection;
    uint64_t n, sealed;
} seg_pass;

static int emit_segment(void *arg, const vmon_segment_info *s)
{
    seg_pass *p = arg;
    p->n++;
    if (s->state != VMON_SEGMENT_GROWING)
        p->sealed++;
    if (!p->e)
        return 0;
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
    return 0;
}

static void indexnode_of(const char *name, const mv_index *ix, emitter *e)
{
    /* Build params where Milvus gave them (indexes/describe, else the legacy route). */
    char nlist[16], m[16], efc[16];
    snprintf(nlist, sizeof nlist, "%u", ix->nlist);
    snprintf(m, sizeof m, "%u", ix->m);
    snprintf(efc, sizeof efc, "%u", ix->ef_construction);
    vmon_label info[6] = {{"collection", name},
                          {"index_type", ix->state.index_type},
                          {"metric", ix->metric[0] ? ix->metric : "unknown"}};
    uint32_t n = 3;
    if (ix->nlist)
        info[n++] = (vmon_label){"nlist", nlist};
    if (ix->m)
        info[n++] = (vmon_label){"m", m};
    if (ix->ef_construction)
        info[n++] = (vmon_label){"ef_construction", efc};
    emit(e, "indexnode.index_info", 1, info, n);
    vmon_label l[] = {{"collection", name}};
    const vmon_index_state *st = &ix->state;
    emit(e, "indexnode.build_state", st->state, l, 1);
    emit(e, "indexnode.build_progress_ratio", st->progress, l, 1);
    emit(e, "indexnode.indexed_rows", (double)st->indexed_rows, l, 1);
    emit(e, "indexnode.pending_rows", (double)st->pending_rows, l, 1);
    emit(e, "indexnode.total_rows", (double)st->total_rows, l, 1);
    if (st->state == VMON_INDEX_FAILED) {
        vmon_label f[] = {{"collection", name}, {"reason", ix->fail_reason}};
        emit(e, "indexnode.build_failed", 1, f, 2);
    }
}

static void datanode_of(mv_ctx *c, const char *name, const seg_pass *segs, emitter *e)
{
    mv_schema sc;
    mv_reply r;
    char err[256], what[200];
    snprintf(what, sizeof what, "collections/get_stats of '%s'", name);
    json_object *b = json_object_new_object();
    json_object_object_add(b, "collectionName", json_object_new_string(name));
    if (mv_describe(c, name, &sc, err, sizeof err) != VMON_OK ||
        mv_rest(c, "collections/get_stats", b, what, &r, err, sizeof err) != VMON_OK)
        return;
    int64_t rows = mv_json_member_int64(r.data, "rowCount", 0);
    mv_reply_free(&r);
    vmon_label l[] = {{"collection", name}};
    emit(e, "datanode.rows_total", (double)rows, l, 1);
    emit(e, "datanode.data_size_bytes", (double)rows * sc.dim * 4, l, 1);
    if (segs->n)
        emit(e, "datanode.collection_sealed_segments", (double)segs->sealed, l, 1);
}

/* LoadStateNotExist, NotLoad, Loading, Loaded as 0..3 (the proto enum's order). */
static double load_state_number(const char *s)
{
    static const char *const states[] = {"LoadStateNotExist", "LoadStateNotLoad",
                                         "LoadStateLoading", "LoadStateLoaded"};
    for (size_t i = 0; s && i < sizeof states / sizeof *states; i++)
        if (strcmp(s, states[i]) == 0)
            return (double)i;
    return NAN;
}

static void load_state_of(mv_ctx *c, const char *name, emitter *e)
{
    mv_reply r;
    char err[256], what[200];
    snprintf(what, sizeof what, "collections/get_load_state of '%s'", name);
    json_object *b = json_object_new_object();
    json_object_object_add(b, "collectionName", json_object_new_string(name));
    if (mv_rest(c, "collections/get_load_state", b, what, &r, err, sizeof err) != VMON_OK)
        return;
    vmon_label l[] = {{"collection", name}};
    double state = load_state_number(mv_json_member_string(r.data, "loadState"));
    int64_t progress = mv_json_member_int64(r.data, "loadProgress", -1);
    emit(e, "querynode.load_state", state, l, 1);
    if (progress >= 0) /* -1: Milvus could not read the progress */
        emit(e, "querynode.load_progress_ratio", (double)progress / 100.0, l, 1);
    else if (state == 3)
        emit(e, "querynode.load_progress_ratio", 1, l, 1);
    mv_reply_free(&r);
}

typedef struct per_collection {
    mv_ctx *c;
    emitter *e;
    int querynode, datanode, indexnode;
} per_collection;

/* One round of calls per collection, whichever components are asked for. */
static int each_collection(void *arg, const char *name)
{
    per_collection *p = arg;
    mv_index ix;
    char err[256];
    if (mv_index_cached(p->c, name, &ix, err, sizeof err) != VMON_OK)
        return 0; /* dropped meanwhile, or not readable: the next reading tries again */
    if (p->indexnode)
        indexnode_of(name, &ix, p->e);
    seg_pass segs = {p->querynode ? p->e : NULL, name, 0, 0};
    if ((p->querynode || p->datanode) &&
        mv_segments_of(p->c, name, ix.index_type, emit_segment, &segs, err, sizeof err) ==
            VMON_OK &&
        p->querynode) {
        vmon_label l[] = {{"collection", name}};
        emit(p->e, "querynode.segments", (double)segs.n, l, 1);
    }
    if (p->querynode)
        load_state_of(p->c, name, p->e);
    if (p->datanode)
        datanode_of(p->c, name, &segs, p->e);
    return 0;
}

/* The collections of a `?collections=A,B` selection, one call each (names the server lacks
 * are skipped by each_collection, as a collection dropped between list and read is). */
static int each_selected(const char *names, per_collection *pc, char *err, size_t errlen)
{
    char *copy = strdup(names), *save = NULL;
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return VMON_ENOMEM;
    }
    for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save))
        each_collection(pc, name);
    free(copy);
    return VMON_OK;
}

/* The pseudo-component `connect`: one timed request to the proxy on a new connection. */
static int report_connect(mv_ctx *c, vmon_emit_fn fn, void *arg, char *err, size_t errlen)
{
    double ms = 0;
    int rc = mv_connect_time(c, &ms, err, errlen);
    if (rc != VMON_OK)
        return rc;
    emitter e = {fn, arg, VMON_OK};
    emit(&e, "proxy.connect_latency_ms", ms, NULL, 0);
    return e.rc;
}

int mv_report(void *ctx, const char *component, vmon_emit_fn fn, void *arg, char *err,
              size_t errlen)
{
    mv_ctx *c = ctx;
    /* COMPONENT?collections=A,B (target.h): the per-collection calls for those only. */
    char base[32];
    const char *selected = NULL, *q = component ? strchr(component, '?') : NULL;
    if (q) {
        size_t n = (size_t)(q - component);
        if (n >= sizeof base || strncmp(q + 1, "collections=", 12) != 0) {
            snprintf(err, errlen, "report: unknown selection (only ?collections=A,B)");
            return VMON_ENOTSUP;
        }
        memcpy(base, component, n);
        base[n] = '\0';
        component = n ? base : NULL;
        selected = q + 13;
    }
    if (component && strcmp(component, "connect") == 0)
        return report_connect(c, fn, arg, err, errlen);
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
    } else if (mv_origin_version_wanted(c)) {
        /* no query node reading here: system info read now and then for the version alone */
        char ignored[256];
        mv_system_info(c, NULL, NULL, ignored, sizeof ignored);
    }
    if (!component || strcmp(component, "proxy") != 0) {
        per_collection pc = {c, &e, !component || strcmp(component, "querynode") == 0,
                             !component || strcmp(component, "datanode") == 0,
                             !component || strcmp(component, "indexnode") == 0};
        rc = selected ? each_selected(selected, &pc, err, errlen)
                      : mv_list_collections(c, each_collection, &pc, err, errlen);
        if (rc != VMON_OK)
            return rc;
    }
    return e.rc;
}
