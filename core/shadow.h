/*
 * The shadow measurement: recall@k and latency of given search parameters,
 * measured on a fixed set of queries, off the users' latency path (the
 * tuning thread runs it; the users' traffic never waits for it).
 *
 * Queries: `n_queries` vectors drawn once through the target's
 * `sample_queries` (with a fixed seed), or given by the caller. The same set
 * answers every parameter set measured, so two arms' recalls are paired.
 *
 * Ground truth: the target's `exact_search`, computed once per query set and
 * kept until the collection's row count changes. A target without it: the
 * exhaustive setting of its index stands in (IVF: nprobe = nlist; HNSW: ef =
 * VMON_SHADOW_EXHAUSTIVE_EF; FLAT: any search is exact), and the figures say
 * so with recall_exact = 0 (FLAT: 1).
 *
 * Recall@k of one query: the share of its true neighbours (k, or fewer when
 * the collection holds fewer live rows) found among the k returned.
 *
 * The 95% interval of the mean recall: a Wilson score interval on an
 * effective number of neighbour trials. Per-query recalls are bounded (0..1)
 * and pile up at 1, where the normal interval (mean +- 1.96 s / sqrt(n))
 * spills past 1 and collapses to zero width when every query is perfect.
 * Wilson stays inside [0, 1] and keeps a width at 0 and 1. The n x k
 * neighbours are not independent trials (a query's neighbours are found or
 * missed together), so the trials are discounted by Kish's design effect,
 * the observed variance of the mean over the binomial one: n_eff =
 * p(1 - p) / var(mean), kept between n (all of a query's neighbours move
 * together) and n x k (independent); with no variance (every query alike) n
 * is used, the cautious end. Deterministic, no resampling.
 *
 * Latency: each query is one search call, timed on CLOCK_MONOTONIC into a
 * loghist; qps is the sequential rate of those calls (one caller).
 *
 * Not thread-safe: one caller (the tuning loop of one pipeline).
 */
#ifndef VMON_SHADOW_H
#define VMON_SHADOW_H

#include <stddef.h>
#include <stdint.h>

#include <vmon/target.h>
#include <vmon/tuner.h>

/** ef standing in for exact search on an HNSW index without exact_search. */
#define VMON_SHADOW_EXHAUSTIVE_EF 4096u
/** Most queries in one shadow set. */
#define VMON_SHADOW_MAX_QUERIES 100000u

typedef struct vmon_shadow_config {
    uint32_t n_queries; /**< queries sampled (ignored when the caller gives them); default 200 */
    uint32_t top_k;     /**< k of recall@k; default 10 */
    uint64_t seed;      /**< for sample_queries; default 1 */
} vmon_shadow_config;

void vmon_shadow_config_default(vmon_shadow_config *cfg);

typedef struct vmon_shadow vmon_shadow;

/**
 * A shadow measurement of `collection` (NULL: the target's default) through
 * `ops` / `target_ctx` (both must outlive it). Nothing is sampled yet. NULL
 * with `err` filled for a bad config or a target without search.
 */
vmon_shadow *vmon_shadow_new(const vmon_target_ops *ops, void *target_ctx, const char *collection,
                             const vmon_shadow_config *cfg, char *err, size_t errlen);
void vmon_shadow_free(vmon_shadow *s);

/**
 * Use these `n` vectors of `dim` floats (copied) as the query set instead of
 * sampling; the ground truth is computed afresh. VMON_EINVAL for n = 0,
 * n > VMON_SHADOW_MAX_QUERIES or dim = 0; VMON_ENOMEM.
 */
int vmon_shadow_set_queries(vmon_shadow *s, const float *vectors, uint32_t n, uint32_t dim,
                            char *err, size_t errlen);

/**
 * Answer the query set with `params` (top_k 0: the configured k; a zero
 * nprobe / ef: the target's default) and fill `out`: latency figures, qps,
 * recall with its interval, recall_exact and recall_queries. Queries whose
 * search failed count in `errors` and not in the recall. VMON_OK, or the
 * target's status with `err` naming the collection and the step (sampling,
 * ground truth, every search failed).
 */
int vmon_shadow_measure(vmon_shadow *s, const vmon_search_params *params, vmon_arm_figures *out,
                        char *err, size_t errlen);

/** How many times the ground truth was computed (a cache hit adds nothing). */
uint32_t vmon_shadow_truth_runs(const vmon_shadow *s);

/**
 * The interval of the header for per-query recalls `r[0..n)` of k neighbours
 * each: mean into *mean, bounds into *low / *high (all NaN when n = 0).
 */
void vmon_shadow_recall_interval(const double *r, uint32_t n, uint32_t k, double *mean, double *low,
                                 double *high);

#endif
