/*
 * The traffic driver (traffic.h). Hot path per request, in the worker:
 * an atomic fetch-add for the request number, the id written into the
 * worker's own buffer, router pick, arm table read (seqlock), target
 * search into the worker's own result arrays, recorder call, and counters
 * on the worker's own cache line. Nothing is allocated and no lock taken.
 */
#include "traffic.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "strutil.h"
#include "traffic_data.h"

/* Sleeps are cut into slices this long so a stop is seen quickly. */
#define SLICE_NS 50000000LL
/* A worker that fell further behind than this drops the backlog instead of bursting. */
#define MAX_LAG_NS 100000000LL
/* The inserter sends a batch this often. */
#define INSERT_TICK_NS 100000000LL

/* Workers sit in an array, each starting on a cache line of its own. */
typedef struct worker {
    /* Written by this worker only, read by stats: relaxed atomics. */
    _Alignas(64) atomic_uint_fast64_t queries;
    atomic_uint_fast64_t errors;
    atomic_uint_fast64_t per_arm[VMON_ROUTER_MAX_ARMS];
    vmon_traffic *t;
    pthread_t thread;
    int64_t *ids;
    float *distances;
    uint32_t index;
} worker;

/* Every request takes a number here: a cache line that nothing else shares. */
typedef struct request_counter {
    _Alignas(64) atomic_uint_fast64_t next;
} request_counter;

struct vmon_traffic {
    request_counter *requests;
    pthread_mutex_t lock; /* waiters and the end time only, never per request */
    uint32_t running;     /* workers and the inserter */
    int64_t ended_ns;
    pthread_cond_t ended_cond;
    /* Read by every request, written at start (and `stopping` once). */
    atomic_int stopping;
    _Atomic(const vmon_traffic_recorder *) recorder;
    vmon_traffic_cfg cfg;
    char *name, *collection;
    vmon_traffic_wiring w;
    vmon_query_pool pool;
    vmon_id_list ids;
    worker *workers;
    pthread_t inserter;
    int has_inserter;
    int64_t period_ns; /* per worker; 0: no pacing */
    int64_t start_ns, end_ns;
    atomic_uint_fast64_t rows_inserted;
    atomic_uint workers_left; /* the inserter stops with the last worker */
};

static int stopping(vmon_traffic *t)
{
    return atomic_load_explicit(&t->stopping, memory_order_relaxed);
}

/* Every request number is taken: a worker waiting for its next one has nothing left to send. */
static int count_taken(vmon_traffic *t)
{
    return t->cfg.count &&
           atomic_load_explicit(&t->requests->next, memory_order_relaxed) >= t->cfg.count;
}

/*
 * Sleep until `until_ns` (monotonic) in slices; 0 when woken by a stop, or
 * (`worker`) once the count is taken: a paced worker must not wait a period for nothing.
 */
static int sleep_until(vmon_traffic *t, int64_t until_ns, int worker)
{
    for (;;) {
        if (stopping(t) || (worker && count_taken(t)))
            return 0;
        int64_t now = vmon_monotonic_ns();
        if (now >= until_ns)
            return 1;
        int64_t step = until_ns - now < SLICE_NS ? until_ns - now : SLICE_NS;
        struct timespec ts = {(time_t)(step / 1000000000LL), (long)(step % 1000000000LL)};
        nanosleep(&ts, NULL);
    }
}

/* `req_N` without printf: the seed's ids, written into the worker's buffer. */
static size_t format_request_id(char *buf, uint64_t n)
{
    char digits[24];
    size_t k = 0;
    do {
        digits[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    memcpy(buf, "req_", 4);
    for (size_t i = 0; i < k; i++)
        buf[4 + i] = digits[k - 1 - i];
    buf[4 + k] = '\0';
    return 4 + k;
}

static const char *request_id(const vmon_traffic *t, uint64_t n, char *buf, size_t *len)
{
    if (t->ids.n) {
        uint32_t i = (uint32_t)(n % t->ids.n);
        *len = t->ids.len[i];
        return t->ids.text + t->ids.start[i];
    }
    *len = format_request_id(buf, n);
    return buf;
}

static uint32_t pick_arm(const vmon_traffic *t, const char *id, size_t len)
{
    if (!t->w.router)
        return 0;
    uint32_t arm = t->w.router->pick(t->w.router_ctx, id, len);
    return arm < VMON_ROUTER_MAX_ARMS ? arm : 0;
}

/* Returns when the search ended (monotonic ns), so the caller needs no clock read of its own. */
static int64_t one_request(vmon_traffic *t, worker *wk, uint64_t n)
{
    char idbuf[VMON_TRAFFIC_ID_MAX];
    size_t idlen;
    const char *id = request_id(t, n, idbuf, &idlen);
    uint32_t arm = pick_arm(t, id, idlen);
    vmon_arm_params p = {0};
    if (t->w.arms)
        vmon_arm_table_read(t->w.arms, arm, &p);
    vmon_search_request req = {.struct_size = sizeof req,
                               .flags = p.flags,
                               .n_queries = 1,
                               .dim = t->pool.dim,
                               .top_k = t->cfg.top_k,
                               .nprobe = p.nprobe,
                               .ef = p.ef,
                               .queries = t->pool.vectors + (size_t)(n % t->pool.n) * t->pool.dim};
    char err[256];
    err[0] = '\0'; /* a target may fail without a reason: one byte, not a memset per request */
    int64_t t0 = vmon_monotonic_ns();
    int rc = t->w.target->search(t->w.target_ctx, t->collection, &req, wk->ids, wk->distances, err,
                                 sizeof err);
    int64_t t1 = vmon_monotonic_ns();
    const vmon_traffic_recorder *r = atomic_load_explicit(&t->recorder, memory_order_acquire);
    if (r && r->record)
        r->record(r->arg, arm, wk->index, (uint64_t)t1, (uint64_t)(t1 - t0), rc == VMON_OK);
    atomic_fetch_add_explicit(&wk->queries, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&wk->per_arm[arm], 1, memory_order_relaxed);
    if (rc != VMON_OK && atomic_fetch_add_explicit(&wk->errors, 1, memory_order_relaxed) == 0)
        vmon_log(VMON_LOGL_WARNING, "core", "[traffic:%s] search failed: %s (counted; logged once)",
                 t->name, err[0] ? err : "the target gave no reason");
    return t1;
}

static void thread_ended(vmon_traffic *t)
{
    pthread_mutex_lock(&t->lock);
    if (--t->running == 0) {
        t->ended_ns = vmon_monotonic_ns();
        pthread_cond_broadcast(&t->ended_cond);
    }
    pthread_mutex_unlock(&t->lock);
}

static void *worker_main(void *arg)
{
    worker *wk = arg;
    vmon_traffic *t = wk->t;
    /* Staggered so the workers' requests interleave evenly. */
    int64_t next = t->start_ns + (t->period_ns * wk->index) / (int64_t)t->cfg.workers;
    for (;;) {
        /* A slow rate's next request may be due after the end: wake at the end then. */
        int64_t wake = t->end_ns && t->end_ns < next ? t->end_ns : next;
        if (t->period_ns && !sleep_until(t, wake, 1))
            break;
        if (stopping(t) || (t->end_ns && vmon_monotonic_ns() >= t->end_ns))
            break;
        uint64_t n = atomic_fetch_add_explicit(&t->requests->next, 1, memory_order_relaxed);
        if (t->cfg.count && n >= t->cfg.count)
            break;
        int64_t now = one_request(t, wk, n);
        if (t->period_ns) {
            next += t->period_ns;
            if (now - next > MAX_LAG_NS)
                next = now;
        }
    }
    atomic_fetch_sub(&t->workers_left, 1);
    thread_ended(t);
    return NULL;
}

/* Seeds of inserted batches start this far from the queries' seed, so a drawn batch is never
 * the query pool again. */
#define INSERT_SEED_OFFSET (UINT64_C(1) << 31)

/* Fill `rows` with `n` new rows: fresh draws from the collection's distribution when the target
 * draws them (batch `batch` has a seed of its own), else the query pool cycled from `*cursor`.
 * Inserting copies of the queries would make each query's nearest neighbours its own copies,
 * all at distance 0: ties that any search breaks differently from the exact one, so recall
 * measured on a growing collection collapsed (0.40 at nprobe 64 on 30k x 128, 0.9995 without
 * inserts). */
static void next_rows(vmon_traffic *t, float *rows, uint32_t n, uint64_t batch, uint64_t *cursor)
{
    char why[256];
    if (!t->cfg.queries_path && t->w.target->sample_queries &&
        t->w.target->sample_queries(t->w.target_ctx, t->collection, n,
                                    t->cfg.seed + INSERT_SEED_OFFSET + batch, t->pool.dim, rows,
                                    why, sizeof why) == VMON_OK)
        return;
    for (uint32_t i = 0; i < n; i++, (*cursor)++)
        memcpy(rows + (size_t)i * t->pool.dim,
               t->pool.vectors + (size_t)(*cursor % t->pool.n) * t->pool.dim,
               t->pool.dim * sizeof *rows);
}

static void *inserter_main(void *arg)
{
    vmon_traffic *t = arg;
    double per_tick = t->cfg.insert_rate * (double)INSERT_TICK_NS / 1e9, owed = 0;
    uint32_t max_batch = (uint32_t)(per_tick + 1.0);
    float *rows = vmon_calloc((size_t)max_batch * t->pool.dim, sizeof *rows);
    uint64_t cursor = 0, batch = 0;
    char err[256] = "";
    int warned = 0;
    for (int64_t next = t->start_ns + INSERT_TICK_NS; sleep_until(t, next, 0);
         next += INSERT_TICK_NS) {
        if (t->end_ns && vmon_monotonic_ns() >= t->end_ns)
            break;
        owed += per_tick;
        uint32_t n = (uint32_t)owed;
        owed -= n;
        if (n)
            next_rows(t, rows, n, batch++, &cursor);
        if (n && t->w.target->insert(t->w.target_ctx, t->collection, rows, n, t->pool.dim, NULL,
                                     NULL, err, sizeof err) == VMON_OK)
            atomic_fetch_add_explicit(&t->rows_inserted, n, memory_order_relaxed);
        else if (n && !warned++)
            vmon_log(VMON_LOGL_WARNING, "core", "[traffic:%s] insert failed: %s (logged once)",
                     t->name, err[0] ? err : "the target gave no reason");
        if (atomic_load(&t->workers_left) == 0)
            break;
    }
    free(rows);
    thread_ended(t);
    return NULL;
}

static int collection_dim(vmon_traffic *t, uint32_t *dim, char *err, size_t errlen)
{
    vmon_collection_stats st = {.struct_size = sizeof st};
    char why[256] = "";
    if (t->w.target->collection_stats(t->w.target_ctx, t->collection, &st, why, sizeof why) !=
        VMON_OK) {
        snprintf(err, errlen, "[traffic:%s] collection %s: %s", t->name,
                 t->collection ? t->collection : "(the target's default)", why);
        return -1;
    }
    *dim = st.dim;
    return 0;
}

static int sample_pool(vmon_traffic *t, uint32_t dim, char *err, size_t errlen)
{
    char why[256] = "";
    uint32_t n = t->cfg.query_pool;
    t->pool.vectors = vmon_calloc((size_t)n * dim, sizeof(float));
    t->pool.n = n;
    t->pool.dim = dim;
    int rc = t->w.target->sample_queries
                 ? t->w.target->sample_queries(t->w.target_ctx, t->collection, n, t->cfg.seed, dim,
                                               t->pool.vectors, why, sizeof why)
                 : VMON_ENOTSUP;
    if (rc == VMON_OK)
        return 0;
    snprintf(err, errlen,
             "[traffic:%s] the target cannot draw queries (%s); set queries = FILE.fvecs", t->name,
             rc == VMON_ENOTSUP ? "no sample_queries" : why);
    return -1;
}

static int load_data(vmon_traffic *t, char *err, size_t errlen)
{
    uint32_t dim = 0;
    if (collection_dim(t, &dim, err, errlen) < 0)
        return -1;
    char why[512];
    if (t->cfg.queries_path) {
        if (vmon_query_pool_read_fvecs(t->cfg.queries_path, dim, &t->pool, why, sizeof why) < 0) {
            snprintf(err, errlen, "[traffic:%s] queries: %s", t->name, why);
            return -1;
        }
    } else if (sample_pool(t, dim, err, errlen) < 0) {
        return -1;
    }
    if (t->cfg.ids_path &&
        vmon_id_list_read(t->cfg.ids_path, VMON_TRAFFIC_ID_MAX, &t->ids, why, sizeof why) < 0) {
        snprintf(err, errlen, "[traffic:%s] request_ids: %s", t->name, why);
        return -1;
    }
    return 0;
}

static vmon_traffic *traffic_new(const vmon_traffic_cfg *cfg, const vmon_traffic_wiring *w)
{
    vmon_traffic *t = vmon_calloc(1, sizeof *t);
    t->cfg = *cfg;
    t->name = vmon_strdup(cfg->name ? cfg->name : "traffic");
    t->collection = cfg->collection ? vmon_strdup(cfg->collection) : NULL;
    t->cfg.name = t->name;
    t->cfg.collection = t->collection;
    t->cfg.queries_path = t->cfg.ids_path = NULL; /* read at start; not kept */
    t->w = *w;
    if (t->cfg.workers == 0)
        t->cfg.workers = 1;
    if (t->cfg.query_pool == 0)
        t->cfg.query_pool = 1;
    double rate =
        cfg->rate > 0 && (cfg->max_qps <= 0 || cfg->rate < cfg->max_qps) ? cfg->rate : cfg->max_qps;
    t->period_ns = rate > 0 ? (int64_t)(1e9 * t->cfg.workers / rate) : 0;
    pthread_mutex_init(&t->lock, NULL);
    vmon_cond_init_monotonic(&t->ended_cond);
    t->requests = aligned_alloc(sizeof *t->requests, sizeof *t->requests);
    if (!t->requests)
        abort(); /* as vmon_calloc: the core cannot go on without memory */
    atomic_init(&t->requests->next, 0);
    atomic_init(&t->stopping, 0);
    atomic_init(&t->recorder, NULL);
    atomic_init(&t->rows_inserted, 0);
    return t;
}

static void traffic_free(vmon_traffic *t)
{
    for (uint32_t i = 0; t->workers && i < t->cfg.workers; i++) {
        free(t->workers[i].ids);
        free(t->workers[i].distances);
    }
    free(t->workers);
    free(t->requests);
    vmon_query_pool_free(&t->pool);
    vmon_id_list_free(&t->ids);
    pthread_cond_destroy(&t->ended_cond);
    pthread_mutex_destroy(&t->lock);
    free(t->name);
    free(t->collection);
    free(t);
}

static int start_threads(vmon_traffic *t, char *err, size_t errlen)
{
    /* calloc aligns to 16 bytes only; workers are cache-line aligned. */
    t->workers = aligned_alloc(_Alignof(worker), t->cfg.workers * sizeof *t->workers);
    if (!t->workers)
        abort(); /* as vmon_calloc: the core cannot go on without memory */
    memset(t->workers, 0, t->cfg.workers * sizeof *t->workers);
    t->start_ns = vmon_monotonic_ns();
    t->end_ns = t->cfg.duration_ms ? t->start_ns + t->cfg.duration_ms * 1000000LL : 0;
    /* Counted before any thread runs, so the count cannot reach 0 while threads start. */
    t->running = t->cfg.workers + (t->cfg.insert_rate > 0 ? 1 : 0);
    atomic_store(&t->workers_left, t->cfg.workers);
    for (uint32_t i = 0; i < t->cfg.workers; i++) {
        worker *wk = &t->workers[i];
        wk->t = t;
        wk->index = i;
        atomic_init(&wk->queries, 0);
        atomic_init(&wk->errors, 0);
        for (uint32_t a = 0; a < VMON_ROUTER_MAX_ARMS; a++)
            atomic_init(&wk->per_arm[a], 0);
        wk->ids = vmon_calloc(t->cfg.top_k, sizeof *wk->ids);
        wk->distances = vmon_calloc(t->cfg.top_k, sizeof *wk->distances);
    }
    for (uint32_t i = 0; i < t->cfg.workers; i++) {
        int rc = pthread_create(&t->workers[i].thread, NULL, worker_main, &t->workers[i]);
        if (rc != 0) {
            snprintf(err, errlen, "[traffic:%s] cannot start worker %u: %s", t->name, i,
                     strerror(rc));
            atomic_store(&t->stopping, 1);
            pthread_mutex_lock(&t->lock);
            t->running -= t->cfg.workers - i + (t->cfg.insert_rate > 0 ? 1 : 0);
            pthread_mutex_unlock(&t->lock);
            for (uint32_t j = 0; j < i; j++)
                pthread_join(t->workers[j].thread, NULL);
            return -1;
        }
    }
    if (t->cfg.insert_rate > 0) {
        t->has_inserter = pthread_create(&t->inserter, NULL, inserter_main, t) == 0;
        if (!t->has_inserter) {
            vmon_log(VMON_LOGL_ERROR, "core", "[traffic:%s] cannot start the inserter: no inserts",
                     t->name);
            thread_ended(t);
        }
    }
    return 0;
}

vmon_traffic *vmon_traffic_start(const vmon_traffic_cfg *cfg, const vmon_traffic_wiring *w,
                                 char *err, size_t errlen)
{
    vmon_traffic *t = traffic_new(cfg, w);
    if (!w->target || !w->target->search) {
        snprintf(err, errlen, "[traffic:%s] the pipeline has no target to send queries to",
                 t->name);
        traffic_free(t);
        return NULL;
    }
    vmon_traffic_cfg files = *cfg;
    t->cfg.queries_path = files.queries_path;
    t->cfg.ids_path = files.ids_path;
    int rc = load_data(t, err, errlen);
    t->cfg.queries_path = t->cfg.ids_path = NULL;
    if (rc < 0 || start_threads(t, err, errlen) < 0) {
        traffic_free(t);
        return NULL;
    }
    return t;
}

void vmon_traffic_set_recorder(vmon_traffic *t, const vmon_traffic_recorder *r)
{
    atomic_store_explicit(&t->recorder, r, memory_order_release);
}

int vmon_traffic_ended(vmon_traffic *t)
{
    pthread_mutex_lock(&t->lock);
    int ended = t->running == 0;
    pthread_mutex_unlock(&t->lock);
    return ended;
}

int vmon_traffic_wait(vmon_traffic *t, int64_t timeout_ms)
{
    int64_t deadline = vmon_mono_ms() + timeout_ms;
    pthread_mutex_lock(&t->lock);
    while (t->running && vmon_mono_ms() < deadline) {
        struct timespec ts = vmon_deadline_from_ms(deadline);
        pthread_cond_timedwait(&t->ended_cond, &t->lock, &ts);
    }
    int ended = t->running == 0;
    pthread_mutex_unlock(&t->lock);
    return ended ? 0 : -1;
}

void vmon_traffic_stats_get(vmon_traffic *t, vmon_traffic_stats *out)
{
    memset(out, 0, sizeof *out);
    for (uint32_t i = 0; i < t->cfg.workers; i++) {
        worker *wk = &t->workers[i];
        out->queries += atomic_load_explicit(&wk->queries, memory_order_relaxed);
        out->errors += atomic_load_explicit(&wk->errors, memory_order_relaxed);
        for (uint32_t a = 0; a < VMON_ROUTER_MAX_ARMS; a++)
            out->per_arm[a] += atomic_load_explicit(&wk->per_arm[a], memory_order_relaxed);
    }
    out->rows_inserted = atomic_load_explicit(&t->rows_inserted, memory_order_relaxed);
    pthread_mutex_lock(&t->lock);
    out->ended = t->running == 0;
    int64_t until = out->ended ? t->ended_ns : vmon_monotonic_ns();
    pthread_mutex_unlock(&t->lock);
    out->elapsed_ns = until - t->start_ns;
    out->elapsed_ms = out->elapsed_ns / 1000000;
}

void vmon_traffic_stop(vmon_traffic *t)
{
    if (!t)
        return;
    atomic_store(&t->stopping, 1);
    for (uint32_t i = 0; i < t->cfg.workers; i++)
        pthread_join(t->workers[i].thread, NULL);
    if (t->has_inserter)
        pthread_join(t->inserter, NULL);
    traffic_free(t);
}
