/* Collection operations over REST v2: list, describe, stats, index state, create, drop, flush. */
#include <stdio.h>
#include <string.h>

#include "mv.h"

static json_object *body_for(const char *collection)
{
    json_object *b = json_object_new_object();
    if (collection)
        json_object_object_add(b, "collectionName", json_object_new_string(collection));
    return b;
}

static void what_of(char *what, size_t n, const char *route, const char *collection)
{
    snprintf(what, n, "%s of '%s'", route, collection);
}

int mv_list_collections(void *ctx, vmon_name_fn fn, void *arg, char *err, size_t errlen)
{
    mv_reply r;
    int rc = mv_rest(ctx, "collections/list", json_object_new_object(), "collections/list", &r, err,
                     errlen);
    if (rc != VMON_OK)
        return rc;
    size_t n = r.data && json_object_is_type(r.data, json_type_array)
                   ? json_object_array_length(r.data)
                   : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *name = json_object_array_get_idx(r.data, i);
        if (json_object_is_type(name, json_type_string) && fn(arg, json_object_get_string(name)))
            break;
    }
    mv_reply_free(&r);
    return VMON_OK;
}

static uint32_t metric_of(const char *name)
{
    if (name && strcmp(name, "IP") == 0)
        return VMON_METRIC_IP;
    if (name && strcmp(name, "COSINE") == 0)
        return VMON_METRIC_COSINE;
    return VMON_METRIC_L2;
}

/* The dimension from a field's params: [{"key":"dim","value":"4"}] or {"dim":4}. */
static uint32_t dim_of(json_object *field)
{
    json_object *params;
    if (!json_object_object_get_ex(field, "params", &params))
        return 0;
    if (json_object_is_type(params, json_type_object))
        return (uint32_t)mv_json_member_int64(params, "dim", 0);
    size_t n = json_object_is_type(params, json_type_array) ? json_object_array_length(params) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *kv = json_object_array_get_idx(params, i);
        const char *key = mv_json_member_string(kv, "key");
        if (key && strcmp(key, "dim") == 0)
            return (uint32_t)mv_json_member_int64(kv, "value", 0);
    }
    return 0;
}

static void read_fields(json_object *data, mv_schema *out)
{
    json_object *fields;
    if (!json_object_object_get_ex(data, "fields", &fields) ||
        !json_object_is_type(fields, json_type_array))
        return;
    for (size_t i = 0; i < json_object_array_length(fields); i++) {
        json_object *f = json_object_array_get_idx(fields, i);
        const char *name = mv_json_member_string(f, "name");
        const char *type = mv_json_member_string(f, "type");
        json_object *pk;
        if (!name)
            continue;
        if (json_object_object_get_ex(f, "primaryKey", &pk) && json_object_get_boolean(pk))
            snprintf(out->pk_field, sizeof out->pk_field, "%s", name);
        else if (type && strstr(type, "Vector") && !out->vector_field[0]) {
            snprintf(out->vector_field, sizeof out->vector_field, "%s", name);
            out->dim = dim_of(f);
        }
    }
}

int mv_describe(mv_ctx *c, const char *collection, mv_schema *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char what[200];
    what_of(what, sizeof what, "collections/describe", collection);
    mv_reply r;
    int rc = mv_rest(c, "collections/describe", body_for(collection), what, &r, err, errlen);
    if (rc != VMON_OK)
        return rc;
    read_fields(r.data, out);
    out->collection_id = mv_json_member_int64(r.data, "collectionID", 0);
    const char *load = mv_json_member_string(r.data, "load");
    snprintf(out->load_state, sizeof out->load_state, "%s", load ? load : "");
    json_object *indexes;
    if (json_object_object_get_ex(r.data, "indexes", &indexes) &&
        json_object_is_type(indexes, json_type_array) && json_object_array_length(indexes))
        out->metric =
            metric_of(mv_json_member_string(json_object_array_get_idx(indexes, 0), "metricType"));
    if (!out->pk_field[0])
        snprintf(out->pk_field, sizeof out->pk_field, "id");
    if (!out->vector_field[0])
        snprintf(out->vector_field, sizeof out->vector_field, "vector");
    mv_reply_free(&r);
    return VMON_OK;
}

static uint32_t build_state_of(const char *s)
{
    static const struct {
        const char *name;
        uint32_t state;
    } states[] = {{"IndexStateNone", VMON_INDEX_PENDING}, {"None", VMON_INDEX_PENDING},
                  {"Unissued", VMON_INDEX_PENDING},       {"Retry", VMON_INDEX_PENDING},
                  {"InProgress", VMON_INDEX_BUILDING},    {"Finished", VMON_INDEX_FINISHED},
                  {"Failed", VMON_INDEX_FAILED}};
    for (size_t i = 0; s && i < sizeof states / sizeof *states; i++)
        if (strcmp(s, states[i].name) == 0)
            return states[i].state;
    return VMON_INDEX_PENDING;
}

static uint32_t param_u32(json_object *v)
{
    int64_t n;
    return mv_json_int64(v, &n) == 0 && n > 0 && n <= UINT32_MAX ? (uint32_t)n : 0;
}

static void read_params(json_object *params, mv_index *out, int depth);

/* One build parameter; "params" may hold the others as a JSON-encoded object (DescribeIndex). */
static void read_param(const char *key, json_object *v, mv_index *out, int depth)
{
    if (strcmp(key, "nlist") == 0)
        out->nlist = param_u32(v);
    else if (strcmp(key, "M") == 0 || strcmp(key, "m") == 0)
        out->m = param_u32(v);
    else if (strcmp(key, "efConstruction") == 0 || strcmp(key, "ef_construction") == 0)
        out->ef_construction = param_u32(v);
    else if (strcmp(key, "params") == 0 && json_object_is_type(v, json_type_string)) {
        json_object *inner = json_tokener_parse(json_object_get_string(v));
        read_params(inner, out, depth + 1);
        json_object_put(inner);
    } else if (strcmp(key, "params") == 0)
        read_params(v, out, depth + 1);
}

/* Build params as an object {"nlist":128} or a key/value list [{"key":"nlist","value":"128"}]. */
static void read_params(json_object *params, mv_index *out, int depth)
{
    if (!params || depth > 2)
        return;
    if (json_object_is_type(params, json_type_object)) {
        json_object_object_foreach(params, key, v) read_param(key, v, out, depth);
        return;
    }
    size_t n = json_object_is_type(params, json_type_array) ? json_object_array_length(params) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *kv = json_object_array_get_idx(params, i), *v;
        const char *key = mv_json_member_string(kv, "key");
        if (key && json_object_object_get_ex(kv, "value", &v))
            read_param(key, v, out, depth);
    }
}

static void read_index(json_object *d, mv_index *out)
{
    const char *s;
    if ((s = mv_json_member_string(d, "indexType")))
        snprintf(out->index_type, sizeof out->index_type, "%s", s);
    if ((s = mv_json_member_string(d, "metricType")))
        snprintf(out->metric, sizeof out->metric, "%s", s);
    if ((s = mv_json_member_string(d, "failReason")))
        snprintf(out->fail_reason, sizeof out->fail_reason, "%s", s);
    json_object *params;
    if (json_object_object_get_ex(d, "params", &params))
        read_params(params, out, 0); /* newer servers; 2.4/2.5 return none */
    vmon_index_state *st = &out->state;
    st->state = build_state_of(mv_json_member_string(d, "indexState"));
    int64_t total = mv_json_member_int64(d, "totalRows", 0);
    int64_t indexed = mv_json_member_int64(d, "indexedRows", 0);
    int64_t pending = mv_json_member_int64(d, "pendingRows", total - indexed);
    st->total_rows = total > 0 ? (uint64_t)total : 0;
    st->indexed_rows = indexed > 0 ? (uint64_t)indexed : 0;
    st->pending_rows = pending > 0 ? (uint64_t)pending : 0;
    st->progress = total > 0 ? (double)indexed / (double)total : 1.0;
    if (st->state == VMON_INDEX_FINISHED)
        st->progress = 1.0;
    snprintf(st->index_type, sizeof st->index_type, "%s", out->index_type);
}

int mv_index_describe(mv_ctx *c, const char *collection, mv_index *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->state.struct_size = sizeof out->state;
    snprintf(out->index_type, sizeof out->index_type, "FLAT");
    char what[200];
    what_of(what, sizeof what, "indexes/list", collection);
    mv_reply r;
    int rc = mv_rest(c, "indexes/list", body_for(collection), what, &r, err, errlen);
    if (rc != VMON_OK)
        return rc;
    json_object *first =
        r.data && json_object_is_type(r.data, json_type_array) && json_object_array_length(r.data)
            ? json_object_array_get_idx(r.data, 0)
            : NULL;
    if (!first || !json_object_is_type(first, json_type_string)) {
        mv_reply_free(&r);
        out->state.state = VMON_INDEX_NONE;
        out->state.progress = 1.0;
        snprintf(out->state.index_type, sizeof out->state.index_type, "FLAT");
        return VMON_OK;
    }
    snprintf(out->name, sizeof out->name, "%s", json_object_get_string(first));
    mv_reply_free(&r);
    json_object *b = body_for(collection);
    json_object_object_add(b, "indexName", json_object_new_string(out->name));
    what_of(what, sizeof what, "indexes/describe", collection);
    rc = mv_rest(c, "indexes/describe", b, what, &r, err, errlen);
    if (rc != VMON_OK)
        return rc;
    json_object *d = r.data;
    if (d && json_object_is_type(d, json_type_array))
        d = json_object_array_length(d) ? json_object_array_get_idx(d, 0) : NULL;
    if (d)
        read_index(d, out);
    mv_reply_free(&r);
    return VMON_OK;
}

int mv_index_state(void *ctx, const char *collection, vmon_index_state *out, char *err,
                   size_t errlen)
{
    const char *name = mv_collection(ctx, collection, err, errlen);
    if (!name)
        return VMON_EINVAL;
    mv_index ix;
    int rc = mv_index_describe(ctx, name, &ix, err, errlen);
    if (rc != VMON_OK)
        return rc;
    uint32_t size = out->struct_size < sizeof ix.state ? out->struct_size : sizeof ix.state;
    ix.state.struct_size = size;
    memcpy(out, &ix.state, size);
    return VMON_OK;
}

static int on_legacy_index(void *arg, long status, const char *body, size_t len, char *err,
                           size_t errlen)
{
    mv_index *ix = arg;
    if (status != 200) {
        snprintf(err, errlen, "/api/v1/index: HTTP %ld", status);
        return VMON_ERROR;
    }
    json_object *root = len ? json_tokener_parse(body) : NULL, *descs;
    if (root && json_object_object_get_ex(root, "index_descriptions", &descs) &&
        json_object_is_type(descs, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(descs); i++) {
            json_object *d = json_object_array_get_idx(descs, i), *params;
            const char *name = mv_json_member_string(d, "index_name");
            if ((!name || strcmp(name, ix->name) == 0) &&
                json_object_object_get_ex(d, "params", &params)) {
                read_params(params, ix, 0);
                break;
            }
        }
    }
    json_object_put(root);
    return VMON_OK;
}

/* IVF needs nlist and HNSW M for an exhaustive search setting; REST v2 of 2.4/2.5 gives neither. */
static int lacks_build_params(const mv_index *ix)
{
    if (strncmp(ix->index_type, "IVF", 3) == 0)
        return ix->nlist == 0;
    if (strcmp(ix->index_type, "HNSW") == 0)
        return ix->m == 0;
    return 0;
}

void mv_index_build_params(mv_ctx *c, const char *name, mv_index *ix)
{
    if (!ix->name[0] || !lacks_build_params(ix))
        return;
    json_object *b = json_object_new_object();
    json_object_object_add(b, "collection_name", json_object_new_string(name));
    json_object_object_add(b, "index_name", json_object_new_string(ix->name));
    json_object_object_add(b, "db_name", json_object_new_string(c->database));
    char url[1100], ignored[256];
    snprintf(url, sizeof url, "%s/api/v1/index", c->endpoints[0]);
    mv_get(c, url, "GET", json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN),
           on_legacy_index, ix, ignored, sizeof ignored);
    json_object_put(b);
}

static int count_segment(void *arg, const vmon_segment_info *s)
{
    vmon_collection_stats *st = arg;
    st->n_segments++;
    if (s->state != VMON_SEGMENT_GROWING)
        st->n_sealed++;
    st->memory_bytes += s->memory_bytes;
    return 0;
}

int mv_collection_stats(void *ctx, const char *collection, vmon_collection_stats *out, char *err,
                        size_t errlen)
{
    const char *name = mv_collection(ctx, collection, err, errlen);
    if (!name)
        return VMON_EINVAL;
    vmon_collection_stats st = {.struct_size = sizeof st};
    mv_schema sc;
    int rc = mv_describe(ctx, name, &sc, err, errlen);
    mv_reply r = {0};
    char what[200];
    what_of(what, sizeof what, "collections/get_stats", name);
    if (rc == VMON_OK)
        rc = mv_rest(ctx, "collections/get_stats", body_for(name), what, &r, err, errlen);
    if (rc != VMON_OK)
        return rc;
    int64_t rows = mv_json_member_int64(r.data, "rowCount", 0);
    mv_reply_free(&r);
    st.row_count = rows > 0 ? (uint64_t)rows : 0;
    st.dim = sc.dim;
    st.metric = sc.metric;
    mv_index ix;
    if (mv_index_describe(ctx, name, &ix, err, errlen) != VMON_OK)
        snprintf(ix.index_type, sizeof ix.index_type, "FLAT");
    else
        mv_index_build_params(ctx, name, &ix);
    snprintf(st.index_type, sizeof st.index_type, "%s", ix.index_type);
    st.nlist = ix.nlist;
    st.m = ix.m;
    st.ef_construction = ix.ef_construction;
    /* Segments come from the proxy's 9091; without it the counts stay 0. */
    char ignored[256];
    mv_segments_of(ctx, name, ix.index_type, count_segment, &st, ignored, sizeof ignored);
    err[0] = '\0';
    uint32_t size = out->struct_size < sizeof st ? out->struct_size : sizeof st;
    st.struct_size = size;
    memcpy(out, &st, size);
    return VMON_OK;
}

static int simple_call(mv_ctx *c, const char *route, json_object *body, const char *collection,
                       char *err, size_t errlen)
{
    char what[200];
    what_of(what, sizeof what, route, collection);
    mv_reply r;
    int rc = mv_rest(c, route, body, what, &r, err, errlen);
    if (rc == VMON_OK)
        mv_reply_free(&r);
    return rc;
}

static int flush_legacy(void *arg, long status, const char *body, size_t len, char *err,
                        size_t errlen)
{
    (void)arg;
    (void)body;
    (void)len;
    if (status == 200)
        return VMON_OK;
    snprintf(err, errlen, "flush: HTTP %ld from the legacy /api/v1/persist route", status);
    return VMON_ERROR;
}

int mv_flush(void *ctx, const char *collection, char *err, size_t errlen)
{
    mv_ctx *c = ctx;
    const char *name = mv_collection(c, collection, err, errlen);
    if (!name)
        return VMON_EINVAL;
    int rc = simple_call(c, "collections/flush", body_for(name), name, err, errlen);
    if (rc != VMON_ERROR || !strstr(err, "HTTP 404"))
        return rc;
    /* 2.4 has no REST flush: the proxy's legacy route does the same. */
    json_object *b = json_object_new_object();
    json_object *names = json_object_new_array();
    json_object_array_add(names, json_object_new_string(name));
    json_object_object_add(b, "collection_names", names);
    json_object_object_add(b, "db_name", json_object_new_string(c->database));
    char url[1100];
    snprintf(url, sizeof url, "%s/api/v1/persist", c->endpoints[0]);
    rc = mv_get(c, url, "POST", json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN),
                flush_legacy, NULL, err, errlen);
    json_object_put(b);
    return rc;
}

static const char *const METRIC_NAMES[] = {"L2", "IP", "COSINE"};

static json_object *index_params(const vmon_collection_spec *s)
{
    json_object *p = json_object_new_object();
    const char *type = s->index_type ? s->index_type : "HNSW";
    if (strncmp(type, "IVF", 3) == 0)
        json_object_object_add(p, "nlist", json_object_new_int64(s->nlist ? s->nlist : 128));
    if (strcmp(type, "HNSW") == 0) {
        json_object_object_add(p, "M", json_object_new_int64(s->m ? s->m : 16));
        json_object_object_add(
            p, "efConstruction",
            json_object_new_int64(s->ef_construction ? s->ef_construction : 200));
    }
    json_object *ix = json_object_new_object();
    json_object_object_add(ix, "fieldName", json_object_new_string("vector"));
    json_object_object_add(ix, "indexName", json_object_new_string("vector"));
    json_object_object_add(ix, "metricType", json_object_new_string(METRIC_NAMES[s->metric % 3]));
    json_object_object_add(ix, "indexType", json_object_new_string(type));
    json_object_object_add(ix, "params", p);
    json_object *list = json_object_new_array();
    json_object_array_add(list, ix);
    return list;
}

int mv_create_collection(void *ctx, const vmon_collection_spec *s, char *err, size_t errlen)
{
    if (!s || !s->name || s->dim == 0 || s->metric > VMON_METRIC_COSINE) {
        snprintf(err, errlen,
                 "create_collection: a name, a dimension >= 1 and a known metric are "
                 "needed");
        return VMON_EINVAL;
    }
    /* The quick-setup shape: Milvus makes the id and vector fields, the index, and loads it. */
    json_object *b = body_for(s->name);
    json_object_object_add(b, "dimension", json_object_new_int64(s->dim));
    json_object_object_add(b, "metricType", json_object_new_string(METRIC_NAMES[s->metric]));
    json_object_object_add(b, "idType", json_object_new_string("Int64"));
    json_object_object_add(b, "autoID", json_object_new_boolean(0));
    json_object_object_add(b, "primaryFieldName", json_object_new_string("id"));
    json_object_object_add(b, "vectorFieldName", json_object_new_string("vector"));
    if (s->index_type && strcmp(s->index_type, "FLAT") != 0)
        json_object_object_add(b, "indexParams", index_params(s));
    return simple_call(ctx, "collections/create", b, s->name, err, errlen);
}

int mv_drop_collection(void *ctx, const char *collection, char *err, size_t errlen)
{
    const char *name = mv_collection(ctx, collection, err, errlen);
    if (!name)
        return VMON_EINVAL;
    return simple_call(ctx, "collections/drop", body_for(name), name, err, errlen);
}
