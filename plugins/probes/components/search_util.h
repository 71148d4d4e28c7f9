/*
 * Searches the probes make through the target ABI: query vectors of the
 * collection's dimension, one timed search, and recall of one parameter
 * setting against another.
 */
#ifndef VMON_PROBE_SEARCH_UTIL_H
#define VMON_PROBE_SEARCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <vmon/host.h>

/** Search parameters; 0 means "the target's default" for nprobe and ef. */
typedef struct search_params {
    uint32_t top_k, nprobe, ef;
} search_params;

/**
 * `n` query vectors of `dim` floats in a new array (*out, free() it): the
 * target's sample_queries (drawn from the collection's data) when it has
 * them, else uniform random in [0, 1) from `seed`.
 */
int search_queries(const vmon_target_handle *t, const char *coll, uint32_t n, uint32_t dim,
                   uint64_t seed, float **out, char *err, size_t errlen);

/** Fill `n` floats with uniform random values in [0, 1), reproducible from `seed`. */
void search_random_vectors(float *out, size_t n, uint64_t seed);

/** One single-query search; ids and dist hold top_k entries. */
int search_one(const vmon_target_handle *t, const char *coll, const search_params *sp, uint32_t dim,
               const float *query, int64_t *ids, float *dist, char *err, size_t errlen);

/**
 * Mean over `n` sampled queries of |top-k(prod) ∩ top-k(full)| / |top-k(full)|:
 * recall of the production setting relative to the exhaustive one (not
 * against true ground truth).
 */
int search_recall(const vmon_target_handle *t, const char *coll, const vmon_collection_stats *st,
                  const search_params *prod, const search_params *full, uint32_t n, uint64_t seed,
                  double *ratio, char *err, size_t errlen);

/** Nearest-rank quantile of `n` sorted values. */
double search_quantile(const double *sorted, uint32_t n, double q);
/** qsort comparator for doubles, ascending. */
int search_cmp_double(const void *a, const void *b);

#endif
