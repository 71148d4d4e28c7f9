#include "search_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* splitmix64: reproducible vectors without touching the process's rand(). */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void search_random_vectors(float *out, size_t n, uint64_t seed)
{
    uint64_t state = seed;
    for (size_t i = 0; i < n; i++)
        out[i] = (float)((double)(next_random(&state) >> 11) / 9007199254740992.0);
}

int search_queries(const vmon_target_handle *t, const char *coll, uint32_t n, uint32_t dim,
                   uint64_t seed, float **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!n)
        return VMON_OK;
    float *q = malloc((size_t)n * dim * sizeof *q);
    if (!q) {
        snprintf(err, errlen, "out of memory for %u query vectors of dimension %u", n, dim);
        return VMON_ENOMEM;
    }
    int rc = VMON_ENOTSUP;
    if (VMON_HAS_FIELD(vmon_target_ops, t->ops, sample_queries))
        rc = t->ops->sample_queries(t->ctx, coll, n, seed, dim, q, err, errlen);
    if (rc == VMON_ENOTSUP) {
        search_random_vectors(q, (size_t)n * dim, seed);
        rc = VMON_OK;
        err[0] = 0;
    }
    if (rc != VMON_OK) {
        free(q);
        return rc;
    }
    *out = q;
    return VMON_OK;
}

static vmon_search_request request(const search_params *sp, uint32_t dim, uint32_t n,
                                   const float *queries)
{
    vmon_search_request r = {.struct_size = sizeof r,
                             .n_queries = n,
                             .dim = dim,
                             .top_k = sp->top_k,
                             .queries = queries};
    if (sp->nprobe) {
        r.flags |= VMON_SEARCH_NPROBE;
        r.nprobe = sp->nprobe;
    }
    if (sp->ef) {
        r.flags |= VMON_SEARCH_EF;
        r.ef = sp->ef > sp->top_k ? sp->ef : sp->top_k;
    }
    return r;
}

int search_one(const vmon_target_handle *t, const char *coll, const search_params *sp, uint32_t dim,
               const float *query, int64_t *ids, float *dist, char *err, size_t errlen)
{
    vmon_search_request r = request(sp, dim, 1, query);
    return t->ops->search(t->ctx, coll, &r, ids, dist, err, errlen);
}

static double overlap(const int64_t *a, const int64_t *b, uint32_t k)
{
    uint32_t valid = 0, hit = 0;
    for (uint32_t i = 0; i < k; i++) {
        if (b[i] < 0)
            continue;
        valid++;
        for (uint32_t j = 0; j < k; j++)
            if (a[j] == b[i]) {
                hit++;
                break;
            }
    }
    return valid ? (double)hit / valid : NAN;
}

int search_recall(const vmon_target_handle *t, const char *coll, const vmon_collection_stats *st,
                  const search_params *prod, const search_params *full, uint32_t n, uint64_t seed,
                  double *ratio, char *err, size_t errlen)
{
    if (!n || !prod->top_k || prod->top_k != full->top_k) {
        snprintf(err, errlen, "recall needs queries and one top_k for both settings");
        return VMON_EINVAL;
    }
    float *q = NULL;
    int rc = search_queries(t, coll, n, st->dim, seed, &q, err, errlen);
    size_t k = (size_t)n * prod->top_k;
    int64_t *ids_prod = calloc(k, sizeof *ids_prod), *ids_full = calloc(k, sizeof *ids_full);
    float *dist = calloc(k, sizeof *dist);
    if (rc == VMON_OK && (!ids_prod || !ids_full || !dist)) {
        snprintf(err, errlen, "out of memory");
        rc = VMON_ENOMEM;
    }
    vmon_search_request rp = request(prod, st->dim, n, q), rf = request(full, st->dim, n, q);
    if (rc == VMON_OK)
        rc = t->ops->search(t->ctx, coll, &rp, ids_prod, dist, err, errlen);
    if (rc == VMON_OK)
        rc = t->ops->search(t->ctx, coll, &rf, ids_full, dist, err, errlen);
    double sum = 0;
    uint32_t counted = 0;
    for (uint32_t i = 0; rc == VMON_OK && i < n; i++) {
        double r = overlap(ids_prod + (size_t)i * prod->top_k, ids_full + (size_t)i * prod->top_k,
                           prod->top_k);
        if (!isnan(r))
            sum += r, counted++;
    }
    *ratio = counted ? sum / counted : NAN;
    free(q);
    free(ids_prod);
    free(ids_full);
    free(dist);
    return rc;
}

double search_quantile(const double *sorted, uint32_t n, double q)
{
    if (!n)
        return NAN;
    double rank = ceil(q * n);
    uint32_t i = rank < 1 ? 0 : (uint32_t)rank - 1;
    return sorted[i < n ? i : n - 1];
}

int search_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
