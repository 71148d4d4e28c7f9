/*
 * Segments per query node from the proxy's legacy 9091 route
 * /api/v1/query-segment-info (the GetQuerySegmentInfo RPC as JSON: proto
 * field names, enums as numbers), and /healthz.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mv.h"

/* SegmentState: 2 Growing, 3 Sealed, 4 Flushed, 5 Flushing (common.proto). */
static uint32_t state_of(int64_t milvus_state, int has_index)
{
    if (milvus_state == 2)
        return VMON_SEGMENT_GROWING;
    return has_index ? VMON_SEGMENT_INDEXED : VMON_SEGMENT_SEALED;
}

static int64_t node_of(json_object *info)
{
    json_object *ids;
    if (json_object_object_get_ex(info, "nodeIds", &ids) &&
        json_object_is_type(ids, json_type_array) && json_object_array_length(ids)) {
        int64_t id;
        if (mv_json_int64(json_object_array_get_idx(ids, 0), &id) == 0)
            return id;
    }
    return mv_json_member_int64(info, "nodeID", -1);
}

static void to_segment(json_object *info, const char *index_type, vmon_segment_info *s)
{
    memset(s, 0, sizeof *s);
    s->struct_size = sizeof *s;
    s->id = mv_json_member_int64(info, "segmentID", 0);
    int64_t rows = mv_json_member_int64(info, "num_rows", 0);
    int64_t mem = mv_json_member_int64(info, "mem_size", 0);
    s->rows = rows > 0 ? (uint64_t)rows : 0;
    s->memory_bytes = mem > 0 ? (uint64_t)mem : 0;
    const char *index_name = mv_json_member_string(info, "index_name");
    int has_index = index_name && index_name[0] && mv_json_member_int64(info, "indexID", 0) != 0;
    s->state = state_of(mv_json_member_int64(info, "state", 0), has_index);
    s->indexed_rows = s->state == VMON_SEGMENT_INDEXED ? s->rows : 0;
    snprintf(s->index_type, sizeof s->index_type, "%s", has_index ? index_type : "FLAT");
    s->node_id = node_of(info);
}

typedef struct seg_walk {
    vmon_segment_fn fn;
    void *arg;
    const char *index_type;
    const char *collection;
} seg_walk;

static int growing_first_then_id(const void *a, const void *b)
{
    const vmon_segment_info *x = a, *y = b;
    int gx = x->state == VMON_SEGMENT_GROWING, gy = y->state == VMON_SEGMENT_GROWING;
    if (gx != gy)
        return gy - gx;
    return (x->id > y->id) - (x->id < y->id);
}

static int on_segments(void *arg, long status, const char *body, size_t len, char *err,
                       size_t errlen)
{
    seg_walk *w = arg;
    char what[200];
    snprintf(what, sizeof what, "/api/v1/query-segment-info of '%s'", w->collection);
    if (status != 200) {
        snprintf(err, errlen, "%s: HTTP %ld", what, status);
        return status >= 500 ? VMON_RETRY : VMON_ERROR;
    }
    json_object *root = len ? json_tokener_parse(body) : NULL;
    json_object *infos;
    if (!root || !json_object_object_get_ex(root, "infos", &infos) ||
        !json_object_is_type(infos, json_type_array)) {
        /* an unloaded collection answers with a status and no infos */
        int empty = root && json_object_is_type(root, json_type_object) &&
                    !json_object_object_get_ex(root, "infos", NULL);
        json_object_put(root);
        if (empty)
            return VMON_OK;
        snprintf(err, errlen, "%s: not a JSON object with \"infos\"", what);
        return VMON_ERROR;
    }
    size_t n = json_object_array_length(infos);
    vmon_segment_info *segs = calloc(n ? n : 1, sizeof *segs);
    if (!segs) {
        json_object_put(root);
        return VMON_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        to_segment(json_object_array_get_idx(infos, i), w->index_type, &segs[i]);
    json_object_put(root);
    qsort(segs, n, sizeof *segs, growing_first_then_id);
    for (size_t i = 0; i < n && !w->fn(w->arg, &segs[i]); i++)
        ;
    free(segs);
    return VMON_OK;
}

int mv_segments_of(mv_ctx *c, const char *name, const char *index_type, vmon_segment_fn fn,
                   void *arg, char *err, size_t errlen)
{
    json_object *b = json_object_new_object();
    json_object_object_add(b, "collectionName", json_object_new_string(name));
    json_object_object_add(b, "dbName", json_object_new_string(c->database));
    char url[1100];
    snprintf(url, sizeof url, "%s/api/v1/query-segment-info", c->endpoints[0]);
    seg_walk w = {fn, arg, index_type, name};
    int rc = mv_get(c, url, "GET", json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN),
                    on_segments, &w, err, errlen);
    json_object_put(b);
    return rc;
}

int mv_segments(void *ctx, const char *collection, vmon_segment_fn fn, void *arg, char *err,
                size_t errlen)
{
    mv_ctx *c = ctx;
    const char *name = mv_collection(c, collection, err, errlen);
    if (!name)
        return VMON_EINVAL;
    mv_index ix;
    if (mv_index_describe(c, name, &ix, err, errlen) != VMON_OK)
        snprintf(ix.index_type, sizeof ix.index_type, "FLAT");
    return mv_segments_of(c, name, ix.index_type, fn, arg, err, errlen);
}

static int on_health(void *arg, long status, const char *body, size_t len, char *err, size_t errlen)
{
    (void)arg;
    if (status == 200)
        return VMON_OK;
    char text[160];
    size_t n = len < sizeof text - 1 ? len : sizeof text - 1;
    for (size_t i = 0; i < n; i++)
        text[i] = (unsigned char)body[i] < 0x20 ? ' ' : body[i];
    text[n] = '\0';
    snprintf(err, errlen, "/healthz: HTTP %ld%s%s", status, n ? ": " : "", text);
    return VMON_RETRY;
}

int mv_health(void *ctx, char *err, size_t errlen)
{
    mv_ctx *c = ctx;
    for (size_t i = 0; i < c->n_endpoints; i++) {
        char url[1100];
        snprintf(url, sizeof url, "%s/healthz", c->endpoints[i]);
        int rc = mv_get(c, url, "GET", NULL, on_health, NULL, err, errlen);
        if (rc != VMON_OK)
            return rc;
    }
    return VMON_OK;
}
