/* The shadow measurement: paired recall@k with its interval, and latency. */
#include "shadow.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "loghist.h"

/* Queries per exact_search call: big enough to amortise a round trip. */
#define TRUTH_BATCH 64u
/* z of a two-sided 95% interval. */
#define Z95 1.959963984540054

struct vmon_shadow {
    const vmon_target_ops *ops;
    void *target;
    char *collection; /* NULL: the target's default */
    vmon_shadow_config cfg;
    float *queries;
    uint32_t n, dim;
    bool given; /* the caller's vectors: never resampled */
    /* Ground truth: per query, the true ids sorted (for membership), -1s dropped. */
    int64_t *truth;
    uint32_t *truth_len;
    uint32_t truth_k;
    uint64_t truth_rows;
    uint32_t truth_nlist;
    uint32_t truth_exact;
    bool truth_valid;
    uint32_t truth_runs;
    /* Scratch of one search: k ids and distances. */
    int64_t *ids;
    float *distances;
    uint32_t scratch_k;
    double *recalls;
};

static const char *name_of(const vmon_shadow *s)
{
    return s->collection ? s->collection : "(default collection)";
}

void vmon_shadow_config_default(vmon_shadow_config *cfg)
{
    *cfg = (vmon_shadow_config){.n_queries = 200, .top_k = 10, .seed = 1};
}

vmon_shadow *vmon_shadow_new(const vmon_target_ops *ops, void *target_ctx, const char *collection,
                             const vmon_shadow_config *cfg, char *err, size_t errlen)
{
    if (!VMON_HAS_FIELD(vmon_target_ops, ops, search) ||
        !VMON_HAS_FIELD(vmon_target_ops, ops, collection_stats)) {
        snprintf(err, errlen, "shadow: the target has no search or collection_stats (ABI 0.2+)");
        return NULL;
    }
    if (cfg->n_queries == 0 || cfg->n_queries > VMON_SHADOW_MAX_QUERIES || cfg->top_k == 0) {
        snprintf(err, errlen, "shadow: %u queries of top_k %u; use 1 to %u queries and top_k >= 1",
                 cfg->n_queries, cfg->top_k, VMON_SHADOW_MAX_QUERIES);
        return NULL;
    }
    vmon_shadow *s = calloc(1, sizeof *s);
    if (!s || (collection && !(s->collection = strdup(collection)))) {
        free(s);
        snprintf(err, errlen, "shadow: out of memory");
        return NULL;
    }
    s->ops = ops;
    s->target = target_ctx;
    s->cfg = *cfg;
    return s;
}

static void drop_truth(vmon_shadow *s)
{
    free(s->truth);
    free(s->truth_len);
    s->truth = NULL;
    s->truth_len = NULL;
    s->truth_valid = false;
}

void vmon_shadow_free(vmon_shadow *s)
{
    if (!s)
        return;
    drop_truth(s);
    free(s->queries);
    free(s->ids);
    free(s->distances);
    free(s->recalls);
    free(s->collection);
    free(s);
}

uint32_t vmon_shadow_truth_runs(const vmon_shadow *s)
{
    return s->truth_runs;
}

static int set_query_buffer(vmon_shadow *s, uint32_t n, uint32_t dim, char *err, size_t errlen)
{
    float *q = malloc((size_t)n * dim * sizeof *q);
    double *r = malloc((size_t)n * sizeof *r);
    if (!q || !r) {
        free(q);
        free(r);
        snprintf(err, errlen, "shadow: out of memory for %u queries of %u floats", n, dim);
        return VMON_ENOMEM;
    }
    free(s->queries);
    free(s->recalls);
    s->queries = q;
    s->recalls = r;
    s->n = n;
    s->dim = dim;
    drop_truth(s);
    return VMON_OK;
}

int vmon_shadow_set_queries(vmon_shadow *s, const float *vectors, uint32_t n, uint32_t dim,
                            char *err, size_t errlen)
{
    if (n == 0 || n > VMON_SHADOW_MAX_QUERIES || dim == 0 || !vectors) {
        snprintf(err, errlen,
                 "shadow: %u query vectors of dimension %u; give 1 to %u of dimension >= 1", n, dim,
                 VMON_SHADOW_MAX_QUERIES);
        return VMON_EINVAL;
    }
    int rc = set_query_buffer(s, n, dim, err, errlen);
    if (rc != VMON_OK)
        return rc;
    memcpy(s->queries, vectors, (size_t)n * dim * sizeof *vectors);
    s->given = true;
    return VMON_OK;
}

/* A query set of the collection's dimension: sampled once, or the caller's. */
static int ensure_queries(vmon_shadow *s, const vmon_collection_stats *st, char *err, size_t errlen)
{
    if (s->given) {
        if (s->dim == st->dim)
            return VMON_OK;
        snprintf(err, errlen, "shadow: the query vectors have dimension %u, collection %s has %u",
                 s->dim, name_of(s), st->dim);
        return VMON_EINVAL;
    }
    if (s->queries && s->dim == st->dim)
        return VMON_OK;
    if (!VMON_HAS_FIELD(vmon_target_ops, s->ops, sample_queries)) {
        snprintf(err, errlen,
                 "shadow: the target cannot sample queries of collection %s; give query "
                 "vectors (a .fvecs file) instead",
                 name_of(s));
        return VMON_ENOTSUP;
    }
    int rc = set_query_buffer(s, s->cfg.n_queries, st->dim, err, errlen);
    if (rc != VMON_OK)
        return rc;
    char why[256] = "";
    rc = s->ops->sample_queries(s->target, s->collection, s->n, s->cfg.seed, s->dim, s->queries,
                                why, sizeof why);
    if (rc != VMON_OK) {
        free(s->queries);
        s->queries = NULL;
        snprintf(err, errlen, "shadow: sampling %u queries of collection %s: %s", s->n, name_of(s),
                 why);
    }
    return rc;
}

static int ensure_scratch(vmon_shadow *s, uint32_t k, char *err, size_t errlen)
{
    if (s->scratch_k >= k)
        return VMON_OK;
    size_t cells = (size_t)TRUTH_BATCH * k;
    int64_t *ids = malloc(cells * sizeof *ids);
    float *d = malloc(cells * sizeof *d);
    if (!ids || !d) {
        free(ids);
        free(d);
        snprintf(err, errlen, "shadow: out of memory for top_k %u", k);
        return VMON_ENOMEM;
    }
    free(s->ids);
    free(s->distances);
    s->ids = ids;
    s->distances = d;
    s->scratch_k = k;
    return VMON_OK;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Keep one query's true ids: -1 (fewer live rows than k) dropped, sorted. */
static void keep_truth_row(vmon_shadow *s, uint32_t q, const int64_t *ids, uint32_t k)
{
    int64_t *row = s->truth + (size_t)q * k;
    uint32_t len = 0;
    for (uint32_t j = 0; j < k; j++)
        if (ids[j] >= 0)
            row[len++] = ids[j];
    qsort(row, len, sizeof *row, cmp_id);
    s->truth_len[q] = len;
}

/* The setting that stands in for exact search on this index (no exact_search). */
static void exhaustive_request(const vmon_collection_stats *st, uint32_t k,
                               vmon_search_request *req, uint32_t *exact)
{
    *exact = 0;
    if (st->nlist > 0) {
        req->flags |= VMON_SEARCH_NPROBE;
        req->nprobe = st->nlist;
    } else if (st->m > 0 || strcmp(st->index_type, "HNSW") == 0) {
        req->flags |= VMON_SEARCH_EF;
        req->ef = k > VMON_SHADOW_EXHAUSTIVE_EF ? k : VMON_SHADOW_EXHAUSTIVE_EF;
    } else if (strcmp(st->index_type, "FLAT") == 0) {
        *exact = 1;
    }
}

/* Ground truth of every query, in batches: exact_search, else the exhaustive setting. */
static int compute_truth(vmon_shadow *s, const vmon_collection_stats *st, uint32_t k, char *err,
                         size_t errlen)
{
    drop_truth(s);
    s->truth = malloc((size_t)s->n * k * sizeof *s->truth);
    s->truth_len = malloc((size_t)s->n * sizeof *s->truth_len);
    if (!s->truth || !s->truth_len) {
        drop_truth(s);
        snprintf(err, errlen, "shadow: out of memory for the ground truth of %u queries", s->n);
        return VMON_ENOMEM;
    }
    bool use_exact = VMON_HAS_FIELD(vmon_target_ops, s->ops, exact_search);
    uint32_t exact = 1;
    char why[256] = "";
    for (uint32_t q = 0; q < s->n; q += TRUTH_BATCH) {
        uint32_t b = s->n - q < TRUTH_BATCH ? s->n - q : TRUTH_BATCH;
        vmon_search_request req = {.struct_size = sizeof req,
                                   .n_queries = b,
                                   .dim = s->dim,
                                   .top_k = k,
                                   .queries = s->queries + (size_t)q * s->dim};
        int rc = VMON_ENOTSUP;
        if (use_exact)
            rc = s->ops->exact_search(s->target, s->collection, &req, s->ids, s->distances, why,
                                      sizeof why);
        if (rc == VMON_ENOTSUP) {
            use_exact = false;
            exhaustive_request(st, k, &req, &exact);
            rc = s->ops->search(s->target, s->collection, &req, s->ids, s->distances, why,
                                sizeof why);
        }
        if (rc != VMON_OK) {
            drop_truth(s);
            snprintf(err, errlen, "shadow: ground truth of collection %s: %s", name_of(s), why);
            return rc;
        }
        for (uint32_t i = 0; i < b; i++)
            keep_truth_row(s, q + i, s->ids + (size_t)i * k, k);
    }
    s->truth_k = k;
    s->truth_rows = st->row_count;
    s->truth_nlist = st->nlist;
    s->truth_exact = exact;
    s->truth_valid = true;
    s->truth_runs++;
    return VMON_OK;
}

/* The cached truth holds while k, the row count and the index's lists are unchanged. */
static int ensure_truth(vmon_shadow *s, const vmon_collection_stats *st, uint32_t k, char *err,
                        size_t errlen)
{
    if (s->truth_valid && s->truth_k == k && s->truth_rows == st->row_count &&
        s->truth_nlist == st->nlist)
        return VMON_OK;
    return compute_truth(s, st, k, err, errlen);
}

/* Share of query q's true neighbours among `ids`; NaN when it has none. */
static double recall_of(const vmon_shadow *s, uint32_t q, const int64_t *ids, uint32_t k)
{
    uint32_t len = s->truth_len[q];
    if (len == 0)
        return NAN;
    const int64_t *row = s->truth + (size_t)q * s->truth_k;
    uint32_t hits = 0;
    for (uint32_t j = 0; j < k; j++)
        hits += ids[j] >= 0 && bsearch(&ids[j], row, len, sizeof *row, cmp_id) != NULL;
    return (double)(hits > len ? len : hits) / (double)len;
}

void vmon_shadow_recall_interval(const double *r, uint32_t n, uint32_t k, double *mean, double *low,
                                 double *high)
{
    *mean = *low = *high = NAN;
    if (n == 0)
        return;
    double sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum += r[i];
    double p = sum / n;
    double ss = 0;
    for (uint32_t i = 0; i < n; i++)
        ss += (r[i] - p) * (r[i] - p);
    double var_mean = n > 1 ? ss / (n - 1) / n : 0;
    /* Effective trials: Kish's design effect, between n queries and n x k neighbours. */
    double n_eff = var_mean > 0 ? p * (1 - p) / var_mean : n;
    double lo_eff = n, hi_eff = (double)n * (k ? k : 1);
    n_eff = n_eff < lo_eff ? lo_eff : n_eff > hi_eff ? hi_eff : n_eff;
    double z2 = Z95 * Z95;
    double denom = 1 + z2 / n_eff;
    double centre = (p + z2 / (2 * n_eff)) / denom;
    double half = Z95 / denom * sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff * n_eff));
    *mean = p;
    *low = centre - half < 0 ? 0 : centre - half;
    *high = centre + half > 1 ? 1 : centre + half;
}

/* One search per query, timed; recalls into s->recalls (NaN for a failed query). */
static uint32_t run_queries(vmon_shadow *s, const vmon_search_params *params, uint32_t k,
                            vmon_loghist *lat, uint64_t *elapsed_ns, int *last_rc, char *why,
                            size_t whylen)
{
    uint32_t errors = 0;
    vmon_search_request req = {
        .struct_size = sizeof req, .n_queries = 1, .dim = s->dim, .top_k = k};
    if (params->nprobe) {
        req.flags |= VMON_SEARCH_NPROBE;
        req.nprobe = params->nprobe;
    }
    if (params->ef) {
        req.flags |= VMON_SEARCH_EF;
        req.ef = params->ef;
    }
    *elapsed_ns = 0;
    for (uint32_t q = 0; q < s->n; q++) {
        req.queries = s->queries + (size_t)q * s->dim;
        int64_t t0 = vmon_monotonic_ns();
        int rc = s->ops->search(s->target, s->collection, &req, s->ids, s->distances, why, whylen);
        int64_t t1 = vmon_monotonic_ns();
        *elapsed_ns += (uint64_t)(t1 - t0);
        if (rc != VMON_OK) {
            errors++;
            *last_rc = rc;
            s->recalls[q] = NAN;
            continue;
        }
        vmon_loghist_record(lat, (uint64_t)(t1 - t0));
        s->recalls[q] = recall_of(s, q, s->ids, k);
    }
    return errors;
}

static void fill_figures(vmon_shadow *s, const vmon_loghist *lat, uint64_t elapsed_ns,
                         uint32_t errors, uint32_t k, vmon_arm_figures *out)
{
    /* Compact the measured recalls to the front (NaN: failed or no true neighbour). */
    uint32_t m = 0;
    for (uint32_t q = 0; q < s->n; q++)
        if (!isnan(s->recalls[q]))
            s->recalls[m++] = s->recalls[q];
    *out =
        (vmon_arm_figures){.struct_size = sizeof *out,
                           .samples = s->n,
                           .errors = errors,
                           .recall_exact = s->truth_exact,
                           .recall_queries = m,
                           .mean_ms = vmon_loghist_mean_ns(lat) / 1e6,
                           .p50_ms = (double)vmon_loghist_quantile_ns(lat, 0.50) / 1e6,
                           .p95_ms = (double)vmon_loghist_quantile_ns(lat, 0.95) / 1e6,
                           .p99_ms = (double)vmon_loghist_quantile_ns(lat, 0.99) / 1e6,
                           .qps = elapsed_ns ? (double)lat->count * 1e9 / (double)elapsed_ns : NAN};
    vmon_shadow_recall_interval(s->recalls, m, k, &out->recall, &out->recall_low,
                                &out->recall_high);
}

int vmon_shadow_measure(vmon_shadow *s, const vmon_search_params *params, vmon_arm_figures *out,
                        char *err, size_t errlen)
{
    vmon_collection_stats st = {.struct_size = sizeof st};
    char why[256] = "";
    int rc = s->ops->collection_stats(s->target, s->collection, &st, why, sizeof why);
    if (rc != VMON_OK) {
        snprintf(err, errlen, "shadow: statistics of collection %s: %s", name_of(s), why);
        return rc;
    }
    uint32_t k = params->top_k ? params->top_k : s->cfg.top_k;
    if ((rc = ensure_queries(s, &st, err, errlen)) != VMON_OK ||
        (rc = ensure_scratch(s, k, err, errlen)) != VMON_OK ||
        (rc = ensure_truth(s, &st, k, err, errlen)) != VMON_OK)
        return rc;
    vmon_loghist *lat = malloc(sizeof *lat);
    if (!lat) {
        snprintf(err, errlen, "shadow: out of memory");
        return VMON_ENOMEM;
    }
    vmon_loghist_init(lat);
    uint64_t elapsed = 0;
    int last_rc = VMON_OK;
    uint32_t errors = run_queries(s, params, k, lat, &elapsed, &last_rc, why, sizeof why);
    if (errors == s->n) {
        free(lat);
        snprintf(err, errlen, "shadow: all %u searches of collection %s failed: %s", s->n,
                 name_of(s), why);
        return last_rc;
    }
    fill_figures(s, lat, elapsed, errors, k, out);
    free(lat);
    return VMON_OK;
}
