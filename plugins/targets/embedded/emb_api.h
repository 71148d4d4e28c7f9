/*
 * The embedded engine's internal C interface: what the plugin descriptor,
 * the engine-level tests and the bench's helpers link against. The ABI
 * operations themselves have vmon_target_ops signatures (emb_target_ops).
 */
#ifndef VMON_EMB_API_H
#define VMON_EMB_API_H

#include <vmon/host.h>
#include <vmon/options.h>
#include <vmon/target.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Index types; the order is the `index` option's enum order. */
typedef enum emb_index_type {
    EMB_INDEX_FLAT = 0,
    EMB_INDEX_IVF_FLAT = 1,
    EMB_INDEX_IVF_SQ8 = 2,
    EMB_INDEX_HNSW = 3,
} emb_index_type;

/** Where preloaded rows come from; the `data` option's enum order. */
typedef enum emb_data_source {
    EMB_DATA_GENERATED = 0,
    EMB_DATA_FILES = 1,
} emb_data_source;

/** Generated data's shape; the `profile` option's enum order. */
typedef enum emb_profile {
    EMB_PROFILE_EASY = 0, /**< equal, well separated clusters: every setting finds everything */
    EMB_PROFILE_HARD = 1, /**< many uneven, overlapping clusters: recall depends on nprobe / ef */
} emb_profile;

/** Receives the engine's log lines (level: vmon_log_level). */
typedef void (*emb_log_fn)(void *arg, int level, const char *msg);

/** Everything the engine is configured with. Strings are copied by create. */
typedef struct emb_config {
    const char *collection; /**< default collection's name */
    uint32_t dim;
    uint32_t metric;     /**< vmon_metric */
    uint32_t index_type; /**< emb_index_type */
    uint32_t nlist;      /**< 0: 2*sqrt(rows per segment) */
    uint32_t hnsw_m;
    uint32_t ef_construction;
    uint32_t nprobe;         /**< default when a search gives none */
    uint32_t ef;             /**< default when a search gives none */
    uint32_t threads;        /**< FAISS + BLAS + build pool budget, >= 1 */
    uint64_t rows;           /**< rows to preload (0: none; files: 0 means all) */
    uint64_t segment_rows;   /**< growing segment seals at this size */
    uint64_t index_min_rows; /**< smaller sealed segments stay brute force */
    uint64_t memory_limit;   /**< bytes; 0: unlimited */
    uint64_t seed;
    uint32_t profile;       /**< emb_profile */
    uint32_t clusters;      /**< resolved: never 0 after emb_config_read */
    double spread;          /**< resolved: never 0 after emb_config_read */
    uint32_t data_source;   /**< emb_data_source */
    const char *base_file;  /**< .fvecs, with EMB_DATA_FILES */
    const char *query_file; /**< .fvecs queries for sample_queries, optional */
    const char *data_dir;   /**< persistence folder; NULL: memory only */
    emb_log_fn log;
    void *log_arg;
    void (*log_free)(void *arg); /**< frees log_arg when the engine goes; may be NULL */
} emb_config;

/** The option table (options.c): every key and default of [target:NAME] plugin = embedded. */
extern const vmon_option emb_options[];
/** Fill `cfg` from an instance's validated values (log fields left zero). */
void emb_config_read(const vmon_host *host, vmon_instance *inst, emb_config *cfg);
/** The option table's defaults (for the engine's tests, which run without a daemon). */
void emb_config_defaults(emb_config *cfg);

/** Make, start, stop and free an engine (the plugin lifecycle). */
int emb_engine_create(const emb_config *cfg, void **ctx, char *err, size_t errlen);
int emb_engine_start(void *ctx, char *err, size_t errlen);
void emb_engine_stop(void *ctx);
void emb_engine_destroy(void *ctx);

/** The target operations, as the descriptor publishes them. */
extern const vmon_target_ops emb_target_ops;

/** Index type names (`FLAT` ...) and parsing; -1 for an unknown name. */
const char *emb_index_type_name(uint32_t type);
int emb_index_type_parse(const char *name);

/**
 * The easy profile's clustered data, with `clusters` and `spread` as given
 * (0 clusters means 1). Reproducible: row i depends only on (seed, i), so any
 * range [first, first + n) can be generated on its own. Queries come from the
 * same clusters with a separate stream (`queries` non-zero).
 */
void emb_generate(uint64_t seed, uint32_t dim, uint32_t clusters, double spread, int queries,
                  uint64_t first, uint64_t n, float *out);

/**
 * Generated rows of a profile (emb_profile). `clusters` or `spread` 0 means
 * the profile's own (emb_profile_shape). The easy profile with both given is
 * exactly emb_generate.
 */
void emb_generate_profile(uint32_t profile, uint64_t seed, uint32_t dim, uint32_t clusters,
                          double spread, int queries, uint64_t first, uint64_t n, float *out);

/** Replace a 0 `clusters` / `spread` with the profile's default (easy: 100 / 0.5). */
void emb_profile_shape(uint32_t profile, uint32_t *clusters, double *spread);

/**
 * Read a .fvecs (or .ivecs: `ints` non-zero, values stored as int32) file:
 * at most `max_rows` rows (0: all). *out is malloc'd (free it).
 */
int emb_read_vecs(const char *path, int ints, uint64_t max_rows, uint32_t *dim, uint64_t *rows,
                  void **out, char *err, size_t errlen);

/**
 * Exact top-k of `nq` queries over `nb` base rows (batched brute force).
 * Metric L2 gives squared distances ascending, IP/COSINE similarities
 * descending (COSINE expects normalised inputs).
 */
int emb_exact_topk(const float *base, uint64_t nb, const float *queries, uint64_t nq, uint32_t dim,
                   uint32_t metric, uint32_t k, int64_t *ids, float *distances, char *err,
                   size_t errlen);

/** recall@k of `found` against `truth` (both nq * k; truth rows beyond k ignored). */
double emb_recall_at_k(const int64_t *found, const int64_t *truth, uint64_t nq, uint32_t k,
                       uint32_t truth_stride);

#ifdef __cplusplus
}
#endif
#endif
