/* Entity operations over REST v2: search (nprobe/ef per request), insert, delete. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mv.h"

static json_object *vector_json(const float *v, uint32_t dim)
{
    json_object *a = json_object_new_array_ext((int)dim);
    for (uint32_t i = 0; i < dim; i++)
        json_object_array_add(a, json_object_new_double(v[i]));
    return a;
}

static int check_search(const vmon_search_request *req, char *err, size_t errlen)
{
    if (!req || req->n_queries == 0 || req->top_k == 0 || req->dim == 0 || !req->queries) {
        snprintf(err, errlen, "search: n_queries, top_k and dim must be >= 1, with queries");
        return VMON_EINVAL;
    }
    if ((req->flags & VMON_SEARCH_NPROBE) && req->nprobe == 0) {
        snprintf(err, errlen, "search: nprobe 0 is out of range (1..nlist)");
        return VMON_EINVAL;
    }
    if ((req->flags & VMON_SEARCH_EF) && req->ef < req->top_k) {
        snprintf(err, errlen, "search: ef %u is below top_k %u", req->ef, req->top_k);
        return VMON_EINVAL;
    }
    return VMON_OK;
}

static json_object *search_body(const char *name, const vmon_search_request *req)
{
    json_object *b = json_object_new_object();
    json_object_object_add(b, "collectionName", json_object_new_string(name));
    json_object *data = json_object_new_array();
    for (uint32_t q = 0; q < req->n_queries; q++)
        json_object_array_add(data, vector_json(req->queries + (size_t)q * req->dim, req->dim));
    json_object_object_add(b, "data", data);
    json_object_object_add(b, "limit", json_object_new_int64(req->top_k));
    /* Under "params": the spelling every version from 2.4 on reads. */
    json_object *params = json_object_new_object();
    if (req->flags & VMON_SEARCH_NPROBE)
        json_object_object_add(params, "nprobe", json_object_new_int64(req->nprobe));
    if (req->flags & VMON_SEARCH_EF)
        json_object_object_add(params, "ef", json_object_new_int64(req->ef));
    json_object *sp = json_object_new_object();
    json_object_object_add(sp, "params", params);
    json_object_object_add(b, "searchParams", sp);
    return b;
}

/* How many rows of the flat result belong to query q: "topks" when given, else an even split. */
static size_t rows_of_query(json_object *topks, size_t n_rows, uint32_t n_queries, uint32_t q)
{
    if (topks && json_object_is_type(topks, json_type_array) &&
        json_object_array_length(topks) == n_queries) {
        int64_t k;
        return mv_json_int64(json_object_array_get_idx(topks, q), &k) == 0 && k > 0 ? (size_t)k : 0;
    }
    return n_rows / n_queries;
}

static void fill_results(mv_reply *r, const vmon_search_request *req, int64_t *ids,
                         float *distances)
{
    size_t total = (size_t)req->n_queries * req->top_k;
    for (size_t i = 0; i < total; i++) {
        ids[i] = -1;
        distances[i] = NAN;
    }
    json_object *rows = r->data, *topks = NULL;
    json_object_object_get_ex(r->root, "topks", &topks);
    size_t n_rows =
        rows && json_object_is_type(rows, json_type_array) ? json_object_array_length(rows) : 0;
    size_t at = 0;
    for (uint32_t q = 0; q < req->n_queries && at < n_rows; q++) {
        size_t n = rows_of_query(topks, n_rows, req->n_queries, q);
        for (size_t k = 0; k < n && at < n_rows; k++, at++) {
            json_object *row = json_object_array_get_idx(rows, at), *d;
            if (k >= req->top_k)
                continue;
            size_t slot = (size_t)q * req->top_k + k;
            ids[slot] = mv_json_member_int64(row, "id", -1);
            if (json_object_object_get_ex(row, "distance", &d))
                distances[slot] = (float)json_object_get_double(d);
        }
    }
}

int mv_search(void *ctx, const char *collection, const vmon_search_request *req, int64_t *ids,
              float *distances, char *err, size_t errlen)
{
    const char *name = mv_collection(ctx, collection, err, errlen);
    if (!name)
        return VMON_EINVAL;
    int rc = check_search(req, err, errlen);
    if (rc != VMON_OK)
        return rc;
    char what[200];
    snprintf(what, sizeof what, "entities/search of '%s'", name);
    mv_reply r;
    rc = mv_rest(ctx, "entities/search", search_body(name, req), what, &r, err, errlen);
    if (rc != VMON_OK)
        return rc;
    fill_results(&r, req, ids, distances);
    mv_reply_free(&r);
    return VMON_OK;
}

int mv_insert(void *ctx, const char *collection, const float *vectors, uint64_t n, uint32_t dim,
              const int64_t *ids, int64_t *out_ids, char *err, size_t errlen)
{
    mv_ctx *c = ctx;
    const char *name = mv_collection(c, collection, err, errlen);
    if (!name)
        return VMON_EINVAL;
    mv_schema sc;
    int rc = mv_describe(c, name, &sc, err, errlen);
    if (rc != VMON_OK)
        return rc;
    if (sc.dim && sc.dim != dim) {
        snprintf(err, errlen, "insert into '%s': dimension %u, the collection has %u", name, dim,
                 sc.dim);
        return VMON_EINVAL;
    }
    json_object *b = json_object_new_object();
    json_object_object_add(b, "collectionName", json_object_new_string(name));
    json_object *rows = json_object_new_array();
    for (uint64_t i = 0; i < n; i++) {
        int64_t id = ids ? ids[i] : (int64_t)__atomic_fetch_add(&c->next_id, 1, __ATOMIC_RELAXED);
        json_object *row = json_object_new_object();
        json_object_object_add(row, sc.pk_field, json_object_new_int64(id));
        json_object_object_add(row, sc.vector_field, vector_json(vectors + i * dim, dim));
        json_object_array_add(rows, row);
        if (out_ids && !ids)
            out_ids[i] = id;
    }
    json_object_object_add(b, "data", rows);
    char what[200];
    snprintf(what, sizeof what, "entities/insert into '%s'", name);
    mv_reply r;
    rc = mv_rest(c, "entities/insert", b, what, &r, err, errlen);
    if (rc == VMON_OK)
        mv_reply_free(&r);
    return rc;
}

int mv_delete_rows(void *ctx, const char *collection, const int64_t *ids, uint64_t n,
                   uint64_t *n_deleted, char *err, size_t errlen)
{
    mv_ctx *c = ctx;
    const char *name = mv_collection(c, collection, err, errlen);
    if (!name)
        return VMON_EINVAL;
    mv_schema sc;
    int rc = mv_describe(c, name, &sc, err, errlen);
    if (rc != VMON_OK)
        return rc;
    size_t cap = 32 + strlen(sc.pk_field) + (size_t)n * 21, len = 0;
    char *filter = malloc(cap);
    if (!filter)
        return VMON_ENOMEM;
    len += (size_t)snprintf(filter, cap, "%s in [", sc.pk_field);
    for (uint64_t i = 0; i < n; i++)
        len += (size_t)snprintf(filter + len, cap - len, "%s%lld", i ? "," : "", (long long)ids[i]);
    snprintf(filter + len, cap - len, "]");
    json_object *b = json_object_new_object();
    json_object_object_add(b, "collectionName", json_object_new_string(name));
    json_object_object_add(b, "filter", json_object_new_string(filter));
    free(filter);
    char what[200];
    snprintf(what, sizeof what, "entities/delete in '%s'", name);
    mv_reply r;
    rc = mv_rest(c, "entities/delete", b, what, &r, err, errlen);
    if (rc != VMON_OK)
        return rc;
    if (n_deleted) {
        int64_t d = mv_json_member_int64(r.data, "deleteCount", (int64_t)n);
        *n_deleted = d > 0 ? (uint64_t)d : 0;
    }
    mv_reply_free(&r);
    return VMON_OK;
}
