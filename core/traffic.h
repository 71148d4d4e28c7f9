/*
 * Traffic: a query stream against one target, as a `[traffic:NAME]`
 * section describes it. Each request: the router picks an arm for the
 * request id (arm 0 without a router), the arm table gives that arm's
 * search parameters, the target searches, and the recorder (the monitor)
 * gets the latency for that arm.
 *
 * Workers share no lock and allocate nothing per request: each owns its
 * buffers, paces itself against an absolute schedule (its share of the
 * rate), and takes request numbers from one atomic counter. An optional
 * inserter thread grows the collection at `insert_rate` rows/s.
 */
#ifndef VMON_CORE_TRAFFIC_H
#define VMON_CORE_TRAFFIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vmon/router.h>
#include <vmon/target.h>

#include "arm_table.h"

/** Longest request id, with its NUL (longer lines of an id file are cut). */
#define VMON_TRAFFIC_ID_MAX 64
/** The default `max_qps`: synthetic load on a production database must be bounded. */
#define VMON_TRAFFIC_DEFAULT_MAX_QPS "1000"

typedef struct vmon_traffic_cfg {
    const char *name;         /**< the section id, for logs */
    const char *collection;   /**< NULL: the target's default */
    double rate;              /**< queries/s in all; 0: as fast as the workers allow */
    double max_qps;           /**< > 0: the most queries/s ever sent (caps `rate`) */
    uint32_t workers;         /**< concurrent workers, >= 1 */
    uint64_t count;           /**< stop after this many queries; 0: no limit */
    int64_t duration_ms;      /**< stop after this long; 0: no limit */
    uint32_t top_k;           /**< >= 1 */
    const char *queries_path; /**< .fvecs file of queries; NULL: the target's sample_queries */
    uint32_t query_pool;      /**< queries drawn with sample_queries (cycled), >= 1 */
    uint64_t seed;            /**< for sample_queries */
    const char *ids_path;     /**< request ids, one per line (cycled); NULL: `req_N` */
    double insert_rate;       /**< rows/s inserted meanwhile; 0: none */
} vmon_traffic_cfg;

/** Called per request from worker `worker` (0..workers-1) only: no lock, no allocation. */
typedef void (*vmon_traffic_record_fn)(void *arg, uint32_t arm, uint32_t worker, uint64_t now_ns,
                                       uint64_t latency_ns, bool ok);

/** Where the figures go; set (or replaced) while traffic runs. Must outlive its use. */
typedef struct vmon_traffic_recorder {
    vmon_traffic_record_fn record;
    void *arg;
} vmon_traffic_recorder;

/** What a traffic stream is sent to. Pointers must outlive the stream. */
typedef struct vmon_traffic_wiring {
    const vmon_target_ops *target;
    void *target_ctx;
    const vmon_router_ops *router; /**< NULL: every request goes to arm 0 */
    void *router_ctx;
    vmon_arm_table *arms; /**< NULL: the target's default parameters */
} vmon_traffic_wiring;

typedef struct vmon_traffic_stats {
    uint64_t queries;       /**< searches sent */
    uint64_t errors;        /**< of those, failed */
    uint64_t rows_inserted; /**< by the inserter */
    uint64_t per_arm[VMON_ROUTER_MAX_ARMS];
    int64_t elapsed_ms; /**< since start, or start to end once ended */
    int64_t elapsed_ns; /**< the same in ns */
    bool ended;         /**< count or duration reached (or stopped) */
} vmon_traffic_stats;

typedef struct vmon_traffic vmon_traffic;

/**
 * Load the queries and ids, then start the workers (and the inserter).
 * NULL with `err` naming the section, the file or the target's answer.
 */
vmon_traffic *vmon_traffic_start(const vmon_traffic_cfg *cfg, const vmon_traffic_wiring *w,
                                 char *err, size_t errlen);
/** Point the workers at a recorder (NULL: none). Thread-safe; takes effect per request. */
void vmon_traffic_set_recorder(vmon_traffic *t, const vmon_traffic_recorder *r);
/** 1 once every worker ended by count or duration. */
int vmon_traffic_ended(vmon_traffic *t);
/** Wait until ended or `timeout_ms` passes. 0 when ended. */
int vmon_traffic_wait(vmon_traffic *t, int64_t timeout_ms);
void vmon_traffic_stats_get(vmon_traffic *t, vmon_traffic_stats *out);
/** Stop the workers and the inserter, and free. NULL is fine. */
void vmon_traffic_stop(vmon_traffic *t);

#endif
