/*
 * The milvus target's state and the calls its files share. One instance
 * talks to one Milvus: REST v2 on the proxy (`uri`), and the 9091 ports
 * (`metrics_uri`, one per component in a cluster) or a Prometheus server
 * for the metrics. Every operation may run on several threads: each HTTP
 * client has its own lock, and the metrics cache another.
 */
#ifndef VMON_MILVUS_MV_H
#define VMON_MILVUS_MV_H

#include <pthread.h>
#include <stdint.h>

#include <vmon/plugin.h>

#include "figtab.h"
#include "http_client.h"
#include "mvjson.h"

#define MV_ENDPOINTS_MAX 64

enum { MV_SOURCE_SCRAPE = 0, MV_SOURCE_PROMETHEUS = 1 };

typedef struct mv_metrics_cache {
    pthread_mutex_t lock;
    fig_table raw_cur, ready; /* the last scrape's raw figures: the next one diffs against them */
    int64_t cur_ns;           /* when raw_cur was scraped; 0: never */
    int last_rc;              /* of the last refresh */
    int64_t failed_ns;        /* when it failed */
    char last_err[256];
    uint64_t scrapes; /* refreshes done (each one request per endpoint) */
} mv_metrics_cache;

/* Index descriptions kept for the reports (mv_index_cache.c). */
typedef struct mv_index_entry mv_index_entry;
typedef struct mv_index_cache {
    pthread_mutex_t lock;
    mv_index_entry *v;
    size_t n, cap;
} mv_index_cache;

typedef struct mv_ctx {
    const vmon_host *host;
    vmon_instance *inst;
    char *uri;                         /* REST base, no trailing '/' */
    char *endpoints[MV_ENDPOINTS_MAX]; /* 9091 bases, no trailing '/' */
    size_t n_endpoints;                /* endpoints[0] is the proxy's (healthz, /api/v1) */
    const char *database, *collection; /* collection: may be NULL */
    const char *prometheus_url;
    int source;
    int64_t max_age_ms, rate_window_ms, timeout_ms;

    pthread_mutex_t rest_lock;
    vmon_http_client *rest;
    pthread_mutex_t mgmt_lock;
    vmon_http_client *mgmt; /* 9091 and Prometheus: big bodies, no REST credentials */
    pthread_mutex_t conn_lock;
    vmon_http_client *conn; /* connection checks to the proxy: never waits behind a search */
    mv_metrics_cache cache;
    mv_index_cache icache;

    pthread_mutex_t auth_lock;
    int auth_failed; /* sticky: credentials are wrong until the config changes */
    char auth_err[256];
    uint64_t next_id; /* ids for inserts without ids (atomic) */

    /* sample_origin (mv_origin.c): never waits for a request, so a lock of its own */
    pthread_mutex_t origin_lock;
    char version[64];        /* build_version from system info ("v2.4.5"); "" while unknown */
    int version_tried;       /* a system-info read was made or is under way */
    int64_t version_read_ns; /* when */
    char origin_where[320];  /* "at http://host:9091" (redacted), fixed at create */
} mv_ctx;

/** A collection name: the argument, or the target's default; NULL with err when neither. */
const char *mv_collection(mv_ctx *c, const char *collection, char *err, size_t errlen);

/**
 * One REST v2 call: POST uri/v2/vectordb/<route> with `body` (consumed;
 * dbName added). Returns a vmon status; on success `out` holds the reply.
 */
int mv_rest(mv_ctx *c, const char *route, json_object *body, const char *what, mv_reply *out,
            char *err, size_t errlen);

/**
 * One request to a 9091 route (`url` complete). Calls `fn`
 * with the body while the client is locked. Returns a vmon status.
 */
typedef int (*mv_body_fn)(void *arg, long status, const char *body, size_t len, char *err,
                          size_t errlen);
int mv_get(mv_ctx *c, const char *url, const char *method, const char *body, mv_body_fn fn,
           void *arg, char *err, size_t errlen);
/**
 * One GET of the REST port's /healthz (`uri`) on a new connection, closed after it: the
 * connection set-up and one round trip to the proxy, in *ms (any HTTP answer counts: whether
 * the proxy is healthy is health()'s question). Returns a vmon status.
 */
int mv_connect_time(mv_ctx *c, double *ms, char *err, size_t errlen);
/** A GET to Prometheus: like mv_get, without Milvus's credentials or their refusal. */
int mv_prom_get(mv_ctx *c, const char *url, mv_body_fn fn, void *arg, char *err, size_t errlen);

/** Ready metric figures, refreshed when older than max_age; fn runs under the cache lock. */
typedef int (*mv_figures_fn)(void *arg, const fig_table *ready);
int mv_with_figures(mv_ctx *c, mv_figures_fn fn, void *arg, char *err, size_t errlen);
void mv_cache_init(mv_metrics_cache *m);
void mv_cache_free(mv_metrics_cache *m);

/** Cluster mode through Prometheus: every rule as PromQL into `ready`. */
int mv_prom_refresh(mv_ctx *c, fig_table *ready, char *err, size_t errlen);

/** Fields of a collection the REST calls need (from collections/describe). */
typedef struct mv_schema {
    char vector_field[64];
    char pk_field[64];
    uint32_t dim;
    uint32_t metric;
    int64_t collection_id;
    char load_state[32];
} mv_schema;
int mv_describe(mv_ctx *c, const char *collection, mv_schema *out, char *err, size_t errlen);

/** The first index of a collection; state VMON_INDEX_NONE when it has none. */
typedef struct mv_index {
    char name[64];
    char index_type[VMON_INDEX_TYPE_LEN];
    char metric[16];
    char fail_reason[160];
    uint32_t nlist, m, ef_construction; /* build params; 0 when Milvus did not say */
    vmon_index_state state;
} mv_index;
int mv_index_describe(mv_ctx *c, const char *collection, mv_index *out, char *err, size_t errlen);
/**
 * Fill the build params REST v2 left out (IVF without nlist, HNSW without M) from the proxy's
 * legacy DescribeIndex route (GET :9091/api/v1/index); unchanged when it has none.
 */
void mv_index_build_params(mv_ctx *c, const char *collection, mv_index *ix);

struct mv_index_entry {
    char *name;
    mv_index ix;
    int64_t at_ns;
};
/** mv_index_describe, answered from the cache while younger than max_age (reports only). */
int mv_index_cached(mv_ctx *c, const char *name, mv_index *out, char *err, size_t errlen);
void mv_index_cache_init(mv_index_cache *ic);
void mv_index_cache_free(mv_index_cache *ic);

/** Segments of a collection whose index type is already known (saves a round trip). */
int mv_segments_of(mv_ctx *c, const char *name, const char *index_type, vmon_segment_fn fn,
                   void *arg, char *err, size_t errlen);
/**
 * Query nodes' memory capacity and use from the legacy system_info route, as samples
 * (`fn` NULL: none), and the Milvus version, cached for sample_origin.
 */
int mv_system_info(mv_ctx *c, vmon_emit_fn fn, void *arg, char *err, size_t errlen);
int mv_report(void *ctx, const char *component, vmon_emit_fn emit, void *arg, char *err,
              size_t errlen);
int mv_segments(void *ctx, const char *collection, vmon_segment_fn fn, void *arg, char *err,
                size_t errlen);

/** Fill origin_where from the endpoints (once they are read). */
void mv_origin_where(mv_ctx *c);
/** A system-info answer was read; `version` its build_version (NULL or "": none given). */
void mv_origin_version_read(mv_ctx *c, const char *version);
/** Should a report that does not read system info read it for the version? (claims the read) */
int mv_origin_version_wanted(mv_ctx *c);

/* The operations, one file per concern (mv_ops.c gathers them). */
int mv_health(void *ctx, char *err, size_t errlen);
int mv_list_collections(void *ctx, vmon_name_fn fn, void *arg, char *err, size_t errlen);
int mv_collection_stats(void *ctx, const char *collection, vmon_collection_stats *out, char *err,
                        size_t errlen);
int mv_index_state(void *ctx, const char *collection, vmon_index_state *out, char *err,
                   size_t errlen);
int mv_search(void *ctx, const char *collection, const vmon_search_request *req, int64_t *ids,
              float *distances, char *err, size_t errlen);
int mv_insert(void *ctx, const char *collection, const float *vectors, uint64_t n, uint32_t dim,
              const int64_t *ids, int64_t *out_ids, char *err, size_t errlen);
int mv_delete_rows(void *ctx, const char *collection, const int64_t *ids, uint64_t n,
                   uint64_t *n_deleted, char *err, size_t errlen);
int mv_flush(void *ctx, const char *collection, char *err, size_t errlen);
int mv_create_collection(void *ctx, const vmon_collection_spec *s, char *err, size_t errlen);
int mv_drop_collection(void *ctx, const char *collection, char *err, size_t errlen);
int mv_sample_origin(void *ctx, const char *sample_name, char *buf, size_t len);

extern const vmon_target_ops mv_target_ops;
extern const vmon_option mv_options[];

#endif
