/*
 * `vmon-bench traffic`: what the traffic driver costs per query.
 *
 *  1. Against a target whose search returns at once: the driver's own cost
 *     per request (request id, router-free arm pick, arm table read, the
 *     call, the monitor's record, counters), in ns.
 *  2. Against the embedded target: the driver (1 worker, no pacing) and a
 *     plain loop calling the target's search on the same queries, in
 *     interleaved rounds; medians and their ratio.
 *  3. Mallocs in vmon's code while traffic runs (bench/alloc_count.c: the
 *     binary is linked with --wrap for the allocation functions; the plugins
 *     are not, so only the core's and the bench's own calls are counted):
 *     must be 0 per request.
 */
#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arm_table.h"
#include "bench.h"
#include "standalone.h"
#include "traffic.h"
#include "traffic_monitor.h"

/* ---- a target that answers at once ---- */

static int null_search(void *ctx, const char *collection, const vmon_search_request *req,
                       int64_t *ids, float *distances, char *err, size_t errlen)
{
    (void)ctx, (void)collection, (void)err, (void)errlen;
    ids[0] = (int64_t)req->nprobe;
    distances[0] = req->queries[0];
    return VMON_OK;
}

static int null_stats(void *ctx, const char *collection, vmon_collection_stats *out, char *err,
                      size_t errlen)
{
    (void)ctx, (void)collection, (void)err, (void)errlen;
    out->dim = *(const uint32_t *)ctx;
    return VMON_OK;
}

static int null_sample(void *ctx, const char *collection, uint32_t n, uint64_t seed, uint32_t dim,
                       float *out, char *err, size_t errlen)
{
    (void)ctx, (void)collection, (void)seed, (void)err, (void)errlen;
    for (size_t i = 0; i < (size_t)n * dim; i++)
        out[i] = (float)(i % 97);
    return VMON_OK;
}

/* ---- the runs ---- */

typedef struct driver_run {
    double ns_per_query;
    unsigned long allocations; /* between start and end */
    unsigned long setup;       /* by the start itself: shows the counter counts */
    uint64_t queries;
} driver_run;

/* The monitor the tuning loop would record into: one writer per worker (here one). */
static vmon_monitor *new_monitor(vmon_traffic_monitor *tm)
{
    vmon_monitor_config mc;
    vmon_monitor_config_default(&mc);
    char err[256];
    vmon_monitor *m = vmon_monitor_new(&mc, err, sizeof err);
    if (!m || vmon_traffic_monitor_init(tm, m, "bench", 1, err, sizeof err) < 0) {
        fprintf(stderr, "vmon-bench: monitor: %s\n", err);
        vmon_monitor_free(m);
        return NULL;
    }
    return m;
}

static int run_driver(const vmon_traffic_wiring *w, uint32_t k, uint64_t requests, uint32_t pool,
                      driver_run *out)
{
    vmon_traffic_cfg cfg = {.name = "bench",
                            .max_qps = 1e7,
                            .workers = 1,
                            .count = requests,
                            .top_k = k,
                            .query_pool = pool,
                            .seed = 7};
    vmon_traffic_monitor tm;
    vmon_monitor *m = new_monitor(&tm);
    if (!m)
        return -1;
    char err[512];
    unsigned long s0 = bench_allocations();
    vmon_traffic *t = vmon_traffic_start(&cfg, w, err, sizeof err);
    out->setup = bench_allocations() - s0;
    if (!t) {
        fprintf(stderr, "vmon-bench: traffic: %s\n", err);
        vmon_monitor_free(m);
        return -1;
    }
    vmon_traffic_set_recorder(t, &tm.recorder);
    unsigned long a0 = bench_allocations();
    vmon_traffic_wait(t, 600000);
    unsigned long a1 = bench_allocations();
    vmon_traffic_stats st;
    vmon_traffic_stats_get(t, &st);
    vmon_traffic_stop(t);
    vmon_monitor_free(m);
    out->queries = st.queries;
    out->allocations = a1 - a0;
    out->ns_per_query = st.queries ? (double)st.elapsed_ns / (double)st.queries : NAN;
    return st.queries == requests ? 0 : -1;
}

static double run_direct(const vmon_traffic_wiring *w, const float *q, uint32_t nq, uint32_t dim,
                         uint32_t k, uint64_t requests)
{
    int64_t ids[1024];
    float dist[1024];
    char err[256];
    double t0 = bench_now();
    for (uint64_t n = 0; n < requests; n++) {
        vmon_search_request req = {.struct_size = sizeof req,
                                   .n_queries = 1,
                                   .dim = dim,
                                   .top_k = k,
                                   .queries = q + (size_t)(n % nq) * dim};
        w->target->search(w->target_ctx, NULL, &req, ids, dist, err, sizeof err);
    }
    return (bench_now() - t0) * 1e9 / (double)requests;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int null_part(const bench_opts *o, int rounds)
{
    uint32_t dim = o->dim;
    vmon_target_ops ops = {.struct_size = sizeof ops,
                           .kind = VMON_KIND_TARGET,
                           .search = null_search,
                           .collection_stats = null_stats,
                           .sample_queries = null_sample};
    vmon_arm_table arms;
    vmon_arm_table_init(&arms);
    vmon_arm_params p = {VMON_SEARCH_NPROBE, 16, 0};
    vmon_arm_table_publish(&arms, &p, 1);
    vmon_traffic_wiring w = {.target = &ops, .target_ctx = &dim, .arms = &arms};
    double ns[64];
    unsigned long allocs = 0, setup = 0;
    uint64_t requests = o->traffic_requests * 20, total = 0;
    for (int r = 0; r < rounds; r++) {
        driver_run d;
        if (run_driver(&w, o->k, requests, o->nq, &d) < 0)
            return -1;
        ns[r] = d.ns_per_query;
        allocs += d.allocations;
        setup = d.setup;
        total += d.queries;
    }
    printf("[traffic] no-op target: driver cost %.0f ns per request (median of %d runs of "
           "%" PRIu64 ")\n",
           median(ns, rounds), rounds, requests);
    printf("[traffic] mallocs in vmon's code while traffic ran: %lu over %" PRIu64
           " requests = %.4f per request (starting one run allocated %lu times)\n",
           allocs, total, (double)allocs / (double)total, setup);
    vmon_arm_table_destroy(&arms);
    return allocs == 0 ? 0 : -1;
}

static int open_target(const bench_opts *o, vmon_standalone **s)
{
    char rows[32], dim[32], threads[32];
    snprintf(rows, sizeof rows, "%" PRIu64, o->rows);
    snprintf(dim, sizeof dim, "%u", o->dim);
    snprintf(threads, sizeof threads, "%u", o->threads);
    const char *pairs[] = {"rows",           rows,   "dim",          dim,  "threads", threads,
                           "index_min_rows", "1000", "segment_rows", rows, NULL};
    char err[1024];
    if (vmon_standalone_open(o->plugin_dir, "target", "embedded", "local", pairs, NULL, NULL, s,
                             err, sizeof err) != 0) {
        fprintf(stderr, "vmon-bench: cannot open the embedded target: %s\n", err);
        return -1;
    }
    const vmon_target_ops *ops = vmon_standalone_ops(*s);
    void *ctx = vmon_standalone_ctx(*s);
    for (;;) { /* the overhead is measured on the index, not on a growing segment */
        vmon_index_state st = {.struct_size = sizeof st};
        if (ops->index_state(ctx, NULL, &st, err, sizeof err) != VMON_OK)
            return -1;
        if (st.state != VMON_INDEX_PENDING && st.state != VMON_INDEX_BUILDING)
            return 0;
        struct timespec ts = {0, 100000000L};
        nanosleep(&ts, NULL);
    }
}

static int engine_part(const bench_opts *o, int rounds)
{
    vmon_standalone *s = NULL;
    if (open_target(o, &s) < 0)
        return -1;
    vmon_traffic_wiring w = {.target = vmon_standalone_ops(s),
                             .target_ctx = vmon_standalone_ctx(s)};
    float *q = malloc((size_t)o->nq * o->dim * sizeof *q);
    char err[256];
    w.target->sample_queries(w.target_ctx, NULL, o->nq, 7, o->dim, q, err, sizeof err);
    double direct[64], driver[64], ratio[64];
    uint64_t requests = o->traffic_requests;
    run_direct(&w, q, o->nq, o->dim, o->k, requests / 4); /* warm caches */
    printf("[traffic] per round (direct us, traffic us, ratio):");
    for (int r = 0; r < rounds; r++) {
        driver_run d;
        /* Which goes first alternates, so neither always runs on the other's warm caches. */
        if (r % 2)
            direct[r] = run_direct(&w, q, o->nq, o->dim, o->k, requests);
        if (run_driver(&w, o->k, requests, o->nq, &d) < 0)
            return -1;
        if (r % 2 == 0)
            direct[r] = run_direct(&w, q, o->nq, o->dim, o->k, requests);
        driver[r] = d.ns_per_query;
        ratio[r] = driver[r] / direct[r];
        printf(" (%.1f, %.1f, %.3f)", direct[r] / 1e3, driver[r] / 1e3, ratio[r]);
    }
    printf("\n");
    double md = median(direct, rounds), mt = median(driver, rounds), mr = median(ratio, rounds);
    printf("[traffic] embedded %" PRIu64 " x %u, nprobe default, k %u: direct search %.1f us, "
           "through traffic %.1f us per query (medians of %d interleaved rounds of %" PRIu64 ")\n",
           o->rows, o->dim, o->k, md / 1e3, mt / 1e3, rounds, requests);
    printf("[traffic] driver overhead: %+.2f%% (median of the per-round ratios %.4f)\n",
           (mr - 1) * 100, mr);
    free(q);
    vmon_standalone_close(s);
    return 0;
}

int bench_traffic(const bench_opts *o)
{
    int rounds = o->rounds < 5 ? 5 : o->rounds > 64 ? 64 : (int)o->rounds;
    int rc = null_part(o, rounds);
    if (rc < 0)
        fprintf(stderr, "vmon-bench: vmon's code allocated while traffic ran\n");
    return engine_part(o, rounds) < 0 ? -1 : rc;
}
