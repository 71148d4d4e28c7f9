/*
 * Target operations: one vector database (the embedded engine, Milvus).
 *
 * Threads: a target instance is shared by every probe, tuner and traffic
 * driver that names it, so every operation here may be called from several
 * core threads at once; the plugin makes its operations thread-safe. All
 * operations may block, bounded by the target's own timeouts, unless the
 * operation says otherwise.
 *
 * Conventions for the collection operations (appended in ABI 0.2):
 *  - `collection` names a collection; NULL means the target's default
 *    collection (the `collection =` option of the target's section).
 *  - Every status is a vmon_status; on failure `err` holds one human line that
 *    names the collection and what was wrong (wrong dimension, unknown index
 *    type, nprobe out of range, memory limit ...). VMON_EINVAL marks bad
 *    input, VMON_ENOMEM a memory limit, VMON_RETRY a transient state (not yet
 *    loaded, unreachable), VMON_ENOTSUP an operation the target lacks.
 *  - Output structs: the caller sets `struct_size` to the size it was built
 *    with; the target fills at most that many bytes and writes back the size it
 *    filled, so callers built against an older minor keep working.
 *  - A caller built against a newer minor tests trailing operations with
 *    VMON_HAS_FIELD(vmon_target_ops, ops, op) before calling them.
 */
#ifndef VMON_TARGET_H
#define VMON_TARGET_H

#include <vmon/sample.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Distance metrics. Numbers are part of the ABI. */
typedef enum vmon_metric {
    VMON_METRIC_L2 = 0,     /**< squared Euclidean distance; smaller is closer */
    VMON_METRIC_IP = 1,     /**< inner product; larger is closer */
    VMON_METRIC_COSINE = 2, /**< cosine similarity (vectors normalised); larger is closer */
} vmon_metric;

/** Life of a segment, as Milvus names it. Numbers are part of the ABI. */
typedef enum vmon_segment_state {
    VMON_SEGMENT_GROWING = 0,  /**< accepting inserts; searched by brute force */
    VMON_SEGMENT_SEALED = 1,   /**< immutable; no index wanted (small or FLAT) */
    VMON_SEGMENT_INDEXING = 2, /**< immutable; index queued or building */
    VMON_SEGMENT_INDEXED = 3,  /**< immutable; searched through its index */
    VMON_SEGMENT_FAILED = 4,   /**< index build failed; searched by brute force */
} vmon_segment_state;

/** Index build state of a whole collection. Numbers are part of the ABI. */
typedef enum vmon_index_build_state {
    VMON_INDEX_NONE = 0,     /**< nothing to build (FLAT, or every segment small) */
    VMON_INDEX_PENDING = 1,  /**< segments wait for a build slot */
    VMON_INDEX_BUILDING = 2, /**< at least one build runs */
    VMON_INDEX_FINISHED = 3, /**< every segment that wants an index has one */
    VMON_INDEX_FAILED = 4,   /**< a build failed (see the target's log) */
} vmon_index_build_state;

/** Set in vmon_search_request.flags when the matching field is given. */
#define VMON_SEARCH_NPROBE 0x1u /**< `nprobe` is set (IVF indexes) */
#define VMON_SEARCH_EF     0x2u /**< `ef` is set (HNSW indexes) */

/** Longest index type name, with its terminating NUL. */
#define VMON_INDEX_TYPE_LEN 16

/** What create_collection makes. Pointers belong to the caller. */
typedef struct vmon_collection_spec {
    uint32_t struct_size;     /**< sizeof(vmon_collection_spec) */
    uint32_t dim;             /**< vector dimension, >= 1 */
    uint32_t metric;          /**< vmon_metric */
    uint32_t nlist;           /**< IVF lists; 0: the target's default */
    uint32_t m;               /**< HNSW links per node; 0: the target's default */
    uint32_t ef_construction; /**< HNSW build breadth; 0: the target's default */
    const char *name;         /**< `[A-Za-z_][A-Za-z0-9_]*` */
    const char *index_type;   /**< `FLAT`, `IVF_FLAT`, `IVF_SQ8`, `HNSW`; NULL: default */
} vmon_collection_spec;

/** One collection's figures, filled by collection_stats. */
typedef struct vmon_collection_stats {
    uint32_t struct_size; /**< in: caller's size; out: bytes filled */
    uint32_t dim;
    uint32_t metric;                      /**< vmon_metric */
    uint32_t n_segments;                  /**< growing + sealed */
    uint32_t n_sealed;                    /**< sealed segments (any index state) */
    uint32_t nlist;                       /**< IVF lists (0 for other index types) */
    uint32_t m;                           /**< HNSW links (0 for other index types) */
    uint32_t ef_construction;             /**< HNSW build breadth (0 for other index types) */
    uint64_t row_count;                   /**< live rows: inserted minus deleted */
    uint64_t deleted_rows;                /**< rows deleted but still held by segments */
    uint64_t memory_bytes;                /**< vectors + indexes held for this collection */
    char index_type[VMON_INDEX_TYPE_LEN]; /**< NUL-terminated */
} vmon_collection_stats;

/** One segment, as passed to a vmon_segment_fn. Valid for the callback only. */
typedef struct vmon_segment_info {
    uint32_t struct_size;  /**< sizeof(vmon_segment_info) of the target */
    uint32_t state;        /**< vmon_segment_state */
    int64_t id;            /**< unique within the collection */
    uint64_t rows;         /**< rows held, deleted ones included */
    uint64_t indexed_rows; /**< rows already in the index (== rows when indexed) */
    uint64_t deleted_rows;
    uint64_t memory_bytes;                /**< vectors + index */
    char index_type[VMON_INDEX_TYPE_LEN]; /**< `FLAT` while brute force */
    /* ---- appended in ABI 0.4 ---- */
    int64_t node_id; /**< the query node serving it; -1 when unknown or loaded nowhere */
} vmon_segment_info;

/** Index build state of one collection, filled by index_state. */
typedef struct vmon_index_state {
    uint32_t struct_size;        /**< in: caller's size; out: bytes filled */
    uint32_t state;              /**< vmon_index_build_state */
    uint32_t pending_segments;   /**< waiting for a build slot */
    uint32_t building_segments;  /**< building now */
    uint64_t total_rows;         /**< rows in segments that want an index */
    uint64_t indexed_rows;       /**< of those, rows already indexed */
    uint64_t pending_rows;       /**< total_rows - indexed_rows */
    double progress;             /**< indexed_rows / total_rows; 1 when nothing to build */
    double last_build_ms;        /**< duration of the last finished build; 0: none yet */
    double last_rows_per_second; /**< rows/s of the last finished build; 0: none yet */
    char index_type[VMON_INDEX_TYPE_LEN];
} vmon_index_state;

/** A search. Pointers belong to the caller. */
typedef struct vmon_search_request {
    uint32_t struct_size; /**< sizeof(vmon_search_request) */
    uint32_t flags;       /**< VMON_SEARCH_* bits saying which optional fields are set */
    uint32_t n_queries;   /**< rows in `queries`, >= 1 */
    uint32_t dim;         /**< must equal the collection's dimension */
    uint32_t top_k;       /**< neighbours per query, >= 1 */
    uint32_t nprobe;      /**< with VMON_SEARCH_NPROBE: 1..nlist, never clamped */
    uint32_t ef;          /**< with VMON_SEARCH_EF: >= top_k, never clamped */
    uint32_t reserved;    /**< zero */
    const float *queries; /**< n_queries * dim floats, row-major */
} vmon_search_request;

/** Called once per collection name; return non-zero to stop the walk. */
typedef int (*vmon_name_fn)(void *arg, const char *name);
/** Called once per segment; return non-zero to stop the walk. */
typedef int (*vmon_segment_fn)(void *arg, const vmon_segment_info *segment);

/** Operations of a target plugin (vmon_plugin_descriptor.ops for VMON_KIND_TARGET). */
typedef struct vmon_target_ops {
    uint32_t struct_size; /**< sizeof(vmon_target_ops) as the plugin was built */
    uint32_t kind;        /**< VMON_KIND_TARGET (ABI 0.3; a reserved zero before) */

    /**
     * Required. Is the database reachable and serving? VMON_OK, VMON_RETRY
     * (unreachable now) or VMON_ERROR, with a reason in `err`.
     * Called from probe threads; may block up to the target's timeout.
     */
    int (*health)(void *ctx, char *err, size_t errlen);

    /**
     * Required. Report the figures of one component (`proxy`, `querynode`,
     * `datanode`, `indexnode`, or NULL for all) as samples through `emit`,
     * named as docs/architecture.md says (`querynode.memory_used_bytes` ...). Returns
     * VMON_ENOTSUP for a component the target does not have.
     * Called from probe threads; may block up to the target's timeout.
     *
     * Two spellings of `component` a target may understand (no new minor: a target
     * that does not answers VMON_ENOTSUP, as for any unknown component, and the caller
     * falls back to the plain name or to health()):
     *  - `COMPONENT?collections=A,B` (COMPONENT may be empty: all): the per-collection
     *    figures of those collections only, so a probe's `collections =` /
     *    `max_collections` also bound the target's per-collection calls; a name the
     *    target lacks is left out; `?collections=` alone: no per-collection figures.
     *  - `connect`: one request to the database's front door on a new connection;
     *    emits `proxy.connect_latency_ms` (no labels), the time it took.
     */
    int (*report)(void *ctx, const char *component, vmon_emit_fn emit, void *emit_arg, char *err,
                  size_t errlen);

    /* ---- appended in ABI 0.2 ---- */

    /**
     * Required. Call `fn` once per collection name (names valid for the call).
     * Any thread; blocks only for a round trip (remote) or a short lock.
     */
    int (*list_collections)(void *ctx, vmon_name_fn fn, void *arg, char *err, size_t errlen);

    /**
     * Required. Fill `out` with one collection's figures. VMON_EINVAL for an
     * unknown collection. Any thread; blocks only for a round trip or a short lock.
     */
    int (*collection_stats)(void *ctx, const char *collection, vmon_collection_stats *out,
                            char *err, size_t errlen);

    /**
     * Required. Call `fn` once per segment (growing first, then sealed by id).
     * Any thread; blocks only for a round trip or a short lock; `fn` must not
     * call back into the target.
     */
    int (*segments)(void *ctx, const char *collection, vmon_segment_fn fn, void *arg, char *err,
                    size_t errlen);

    /**
     * Required. Fill `out` with the collection's index build state and
     * progress. Never waits for a build. Any thread.
     */
    int (*index_state)(void *ctx, const char *collection, vmon_index_state *out, char *err,
                       size_t errlen);

    /**
     * Required. Top-k search over every segment of the collection, merged.
     * `ids` and `distances` hold n_queries * top_k entries each (caller-owned);
     * a query with fewer than top_k live rows gets id -1 in the remaining
     * slots. Distances are the metric's (L2: squared distance, ascending; IP
     * and COSINE: similarity, descending). Out-of-range parameters (nprobe 0
     * or > nlist, ef < top_k) and a wrong dimension are VMON_EINVAL, never
     * clamped; parameters that do not apply to the index type are ignored.
     * Traffic threads, many at once; blocks for the search itself only (a
     * running index build never blocks a search).
     */
    int (*search)(void *ctx, const char *collection, const vmon_search_request *req, int64_t *ids,
                  float *distances, char *err, size_t errlen);

    /**
     * Required. Insert `n` rows of `dim` floats into the growing segment.
     * `ids` NULL: the target assigns ids and writes them to `out_ids` (when not
     * NULL). Rows are searchable when the call returns. VMON_EINVAL for a
     * wrong dimension, VMON_ENOMEM past the target's memory limit (nothing
     * is inserted then). Any thread; may block while a full growing segment
     * is sealed.
     */
    int (*insert)(void *ctx, const char *collection, const float *vectors, uint64_t n, uint32_t dim,
                  const int64_t *ids, int64_t *out_ids, char *err, size_t errlen);

    /**
     * Required. Delete rows by id; `*n_deleted` (may be NULL) gets how many
     * existed. Deleted rows never appear in later search results.
     * Any thread; blocks for a short lock per segment.
     */
    int (*delete_rows)(void *ctx, const char *collection, const int64_t *ids, uint64_t n,
                       uint64_t *n_deleted, char *err, size_t errlen);

    /**
     * Required. Seal the growing segment (persist it where the target
     * persists) and queue its index build; returns without waiting for the
     * build (watch index_state). Any thread; blocks while the segment is saved.
     */
    int (*flush)(void *ctx, const char *collection, char *err, size_t errlen);

    /**
     * Required. Create an empty collection. VMON_EINVAL for a bad spec or an
     * existing name. Any thread; blocks for a round trip or a short lock.
     */
    int (*create_collection)(void *ctx, const vmon_collection_spec *spec, char *err, size_t errlen);

    /**
     * Required. Drop a collection and its data, cancelling its builds.
     * Any thread; blocks until the collection's builds have stopped.
     */
    int (*drop_collection)(void *ctx, const char *collection, char *err, size_t errlen);

    /**
     * Optional (NULL or VMON_ENOTSUP: the target has no data model). Write
     * `n` query vectors of `dim` floats drawn from the collection's own data
     * distribution (reproducible for a given `seed`) into `out`, for traffic
     * and recall measurement. Any thread; CPU-bound, proportional to n * dim.
     */
    int (*sample_queries)(void *ctx, const char *collection, uint32_t n, uint64_t seed,
                          uint32_t dim, float *out, char *err, size_t errlen);

    /**
     * Optional (NULL or VMON_ENOTSUP). Exact top-k over the collection's live
     * rows (brute force; ignores nprobe/ef), laid out as search's: the ground
     * truth for recall@k. Any thread; CPU-bound and slow on big collections.
     */
    int (*exact_search)(void *ctx, const char *collection, const vmon_search_request *req,
                        int64_t *ids, float *distances, char *err, size_t errlen);

    /* ---- appended in ABI 0.6 ---- */

    /**
     * Optional (NULL or VMON_ENOTSUP: the target does not say). Where sample
     * `sample_name` (as report() names it: `proxy.search_latency_p95_ms`)
     * comes from: one line in `buf` (`len` bytes, NUL-terminated when len > 0)
     * naming the database's metric(s) behind it, and the database's version
     * and address when known, e.g. "Milvus metric milvus_proxy_sq_latency
     * (histogram, query_type=search) on Milvus v2.4.5 at http://db:9091".
     * The core quotes it when a rule's metric never appears. VMON_OK, or
     * VMON_EINVAL for a name the target does not report (`buf` left empty).
     * Called from the rules thread, which never waits: answer from memory
     * (static tables, what earlier operations cached) under at most a short
     * lock; no I/O, and never wait for a request in flight.
     */
    int (*sample_origin)(void *ctx, const char *sample_name, char *buf, size_t len);
} vmon_target_ops;

#ifdef __cplusplus
}
#endif
#endif
