/*
 * `vmon-bench tuning`: how close the recall_aware tuner gets to the best
 * parameters, and with how many measurements, on the embedded target.
 *
 * For each index (IVF_FLAT: nprobe; HNSW: ef) an exhaustive sweep measures
 * recall@k and p95 of single-query searches at every value of a dense grid.
 * Targets are set at the sweep's own p95 of three values; the oracle for a
 * target is the sweep's highest recall whose p95 meets it. The tuners, loaded
 * through the real loader, are then driven as the core drives them: decide(),
 * measure what it asks for (fresh measurements, same queries), ask again.
 * Indexes are saved under --data-dir and reused by later runs.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <vmon/tuner.h>

#include "bench.h"
#include "io.h"
#include "standalone.h"

#define MAX_SWEEP  128
#define MAX_TRIALS 64

typedef struct engine {
    vmon_standalone *s;
    const vmon_target_ops *ops;
    void *ctx;
    vmon_collection_stats facts;
} engine;

typedef struct workload {
    const bench_opts *o;
    engine *e;
    uint32_t flag; /* VMON_SEARCH_NPROBE or VMON_SEARCH_EF */
    float *q;
    int64_t *gt;
    int64_t *ids;
} workload;

typedef struct sweep_point {
    uint32_t x;
    vmon_arm_figures f;
} sweep_point;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static double nearest_rank(const double *sorted, uint32_t n, double q)
{
    uint32_t i = (uint32_t)ceil(q * n);
    return sorted[i == 0 ? 0 : i - 1];
}

static double query_recall(const int64_t *found, const int64_t *truth, uint32_t k)
{
    uint32_t hit = 0;
    for (uint32_t i = 0; i < k; i++)
        for (uint32_t j = 0; j < k; j++)
            if (found[i] >= 0 && found[i] == truth[j]) {
                hit++;
                break;
            }
    return (double)hit / k;
}

/* Seconds on the clock latencies are taken with. Thread CPU time by default:
 * a single query on one thread runs entirely on the calling thread, and on a
 * shared machine wall time mostly measures the other processes (p95 of a
 * 0.3 ms search read 5-8 ms here under a load of 14). --wall-clock measures
 * what a user would wait. */
static double query_clock(const bench_opts *o)
{
    if (o->wall_clock)
        return bench_now();
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One search of query i at x; its time (ms) in *ms. */
static int one_query(workload *w, uint32_t x, uint32_t i, double *ms)
{
    const bench_opts *o = w->o;
    char err[512];
    float dist[1024];
    vmon_search_request req = {.struct_size = sizeof req,
                               .flags = w->flag,
                               .n_queries = 1,
                               .dim = o->dim,
                               .top_k = o->k,
                               .nprobe = x,
                               .ef = x,
                               .queries = w->q + (size_t)i * o->dim};
    double t0 = query_clock(o);
    if (w->e->ops->search(w->e->ctx, NULL, &req, w->ids + (size_t)i * o->k, dist, err,
                          sizeof err) != 0) {
        fprintf(stderr, "vmon-bench: search at %u: %s\n", x, err);
        return -1;
    }
    *ms = (query_clock(o) - t0) * 1000;
    return 0;
}

/* Figures of one value from its per-query times `lat` (sorted here) and the
 * ids its search returned. */
static void figures_of(workload *w, double *lat, const double *recall, vmon_arm_figures *f)
{
    const bench_opts *o = w->o;
    double sum = 0, rsum = 0, rsq = 0;
    for (uint32_t i = 0; i < o->nq; i++) {
        sum += lat[i];
        rsum += recall[i];
        rsq += recall[i] * recall[i];
    }
    qsort(lat, o->nq, sizeof *lat, cmp_double);
    double mean_r = rsum / o->nq;
    double var = o->nq > 1 ? (rsq - o->nq * mean_r * mean_r) / (o->nq - 1) : 0;
    double half = 1.96 * sqrt(var > 0 ? var : 0) / sqrt((double)o->nq);
    *f = (vmon_arm_figures){.struct_size = sizeof *f,
                            .samples = o->nq,
                            .recall_exact = 1,
                            .recall_queries = o->nq,
                            .mean_ms = sum / o->nq,
                            .p50_ms = nearest_rank(lat, o->nq, 0.50),
                            .p95_ms = nearest_rank(lat, o->nq, 0.95),
                            .p99_ms = nearest_rank(lat, o->nq, 0.99),
                            .qps = 1000.0 * o->nq / sum,
                            .recall = mean_r,
                            .recall_low = mean_r - half,
                            .recall_high = mean_r + half > 1 ? 1 : mean_r + half};
}

/* The figures the core would hand a tuner for each of xs[0..n): p95 of
 * single queries, mean recall@k and its 95% interval over the queries. Each
 * query's time is the least of --repeats passes, and every pass goes over
 * all n values in turn, so interference from other processes (which comes
 * and goes over seconds) is filtered out and spread over the values alike
 * instead of bending the curve at a few of them. */
static int measure_all(workload *w, const uint32_t *xs, uint32_t n, vmon_arm_figures *f)
{
    const bench_opts *o = w->o;
    double *lat = malloc(sizeof(double) * n * o->nq);
    double *rec = malloc(sizeof(double) * n * o->nq);
    int rc = lat && rec ? 0 : -1;
    for (uint32_t pass = 0; pass < o->repeats && rc == 0; pass++)
        for (uint32_t j = 0; j < n && rc == 0; j++)
            for (uint32_t i = 0; i < o->nq && rc == 0; i++) {
                double ms = 0, *slot = &lat[(size_t)j * o->nq + i];
                rc = one_query(w, xs[j], i, &ms);
                *slot = pass == 0 || ms < *slot ? ms : *slot;
                if (pass == 0)
                    rec[(size_t)j * o->nq + i] =
                        query_recall(w->ids + (size_t)i * o->k, w->gt + (size_t)i * o->k, o->k);
            }
    for (uint32_t j = 0; j < n && rc == 0; j++)
        figures_of(w, lat + (size_t)j * o->nq, rec + (size_t)j * o->nq, &f[j]);
    free(lat);
    free(rec);
    return rc;
}

static int measure(workload *w, uint32_t x, vmon_arm_figures *f)
{
    return measure_all(w, &x, 1, f);
}

static int wait_built(engine *e)
{
    char err[512];
    for (;;) {
        vmon_index_state st = {.struct_size = sizeof st};
        if (e->ops->index_state(e->ctx, NULL, &st, err, sizeof err) != 0) {
            fprintf(stderr, "vmon-bench: index_state: %s\n", err);
            return -1;
        }
        if (st.state == VMON_INDEX_FAILED) {
            fprintf(stderr, "vmon-bench: the index build failed\n");
            return -1;
        }
        if (st.state == VMON_INDEX_FINISHED || st.state == VMON_INDEX_NONE)
            return 0;
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* The embedded target with one sealed segment of `rows`, its folder keyed by
 * everything that shapes the data and the index, so a rerun reloads it. */
static int open_engine(const bench_opts *o, const char *index, uint64_t rows, engine *e)
{
    char dir[1024] = "", r[32], d[32], t[32], m[32], efc[32], sd[32], cl[32], sp[32];
    snprintf(r, sizeof r, "%" PRIu64, rows);
    snprintf(d, sizeof d, "%u", o->dim);
    snprintf(t, sizeof t, "%u", o->threads);
    snprintf(m, sizeof m, "%u", o->m);
    snprintf(efc, sizeof efc, "%u", o->ef_construction);
    snprintf(sd, sizeof sd, "%" PRIu64, o->seed);
    snprintf(cl, sizeof cl, "%u", o->clusters);
    snprintf(sp, sizeof sp, "%g", o->spread);
    const char *pairs[40] = {"rows",
                             r,
                             "dim",
                             d,
                             "index",
                             index,
                             "threads",
                             t,
                             "m",
                             m,
                             "ef_construction",
                             efc,
                             "seed",
                             sd,
                             "clusters",
                             cl,
                             "spread",
                             sp,
                             "index_min_rows",
                             "1000",
                             "segment_rows",
                             r,
                             "profile",
                             o->profile};
    int n = 24;
    if (o->data_dir) {
        snprintf(dir, sizeof dir, "%s/%s-%s-%" PRIu64 "x%u-c%u-s%g-seed%" PRIu64 "-m%u-efc%u",
                 o->data_dir, index, o->profile, rows, o->dim, o->clusters, o->spread, o->seed,
                 o->m, o->ef_construction);
        if (vmon_mkdir_p(dir, 0755) != 0) {
            fprintf(stderr, "vmon-bench: cannot make %s: %s\n", dir, strerror(errno));
            return -1;
        }
        pairs[n++] = "data_dir";
        pairs[n++] = dir;
    }
    pairs[n] = NULL;
    char err[2048];
    double t0 = bench_now();
    if (vmon_standalone_open(o->plugin_dir, "target", "embedded", index, pairs, NULL, NULL, &e->s,
                             err, sizeof err) != 0) {
        fprintf(stderr, "vmon-bench: cannot open the embedded target: %s\n", err);
        return -1;
    }
    e->ops = vmon_standalone_ops(e->s);
    e->ctx = vmon_standalone_ctx(e->s);
    if (wait_built(e) != 0)
        return -1;
    e->facts.struct_size = sizeof e->facts;
    e->ops->collection_stats(e->ctx, NULL, &e->facts, err, sizeof err);
    printf("[%s] %" PRIu64 " x %u rows ready in %.1f s%s%s\n", index, e->facts.row_count, o->dim,
           bench_now() - t0, o->data_dir ? ", saved in " : "", dir);
    return 0;
}

static int ground_truth(workload *w)
{
    const bench_opts *o = w->o;
    engine *e = w->e;
    char err[512];
    if (!e->ops->sample_queries || !e->ops->exact_search) {
        fprintf(stderr, "vmon-bench: the target lacks sample_queries or exact_search\n");
        return -1;
    }
    if (e->ops->sample_queries(e->ctx, NULL, o->nq, 1, o->dim, w->q, err, sizeof err) != 0) {
        fprintf(stderr, "vmon-bench: sample_queries: %s\n", err);
        return -1;
    }
    vmon_search_request req = {.struct_size = sizeof req,
                               .n_queries = o->nq,
                               .dim = o->dim,
                               .top_k = o->k,
                               .queries = w->q};
    float *d = malloc(sizeof(float) * o->nq * o->k);
    int rc = e->ops->exact_search(e->ctx, NULL, &req, w->gt, d, err, sizeof err);
    free(d);
    if (rc != 0)
        fprintf(stderr, "vmon-bench: exact_search: %s\n", err);
    return rc;
}

/* The dense grid: every value up to `dense`, then coarser steps to `hi`. */
static uint32_t grid(uint32_t lo, uint32_t dense, uint32_t hi, uint32_t step, uint32_t *xs)
{
    uint32_t n = 0;
    for (uint32_t x = lo; x <= hi && n < MAX_SWEEP; x += x < dense ? step : x / 4)
        xs[n++] = x;
    if (n && xs[n - 1] != hi && n < MAX_SWEEP)
        xs[n++] = hi;
    return n;
}

static int sweep(workload *w, const uint32_t *xs, uint32_t n, sweep_point *pts)
{
    const char *name = w->flag == VMON_SEARCH_NPROBE ? "nprobe" : "ef";
    vmon_arm_figures *f = calloc(n, sizeof *f);
    int rc = f ? measure_all(w, xs, n, f) : -1;
    printf("  sweep (%u values): %s recall@%u p95_ms\n", n, name, w->o->k);
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        pts[i].x = xs[i];
        pts[i].f = f[i];
        printf("    %5u %.4f %.3f\n", xs[i], f[i].recall, f[i].p95_ms);
    }
    free(f);
    return rc;
}

static const sweep_point *find_point(const sweep_point *pts, uint32_t n, uint32_t x)
{
    for (uint32_t i = 0; i < n; i++)
        if (pts[i].x == x)
            return &pts[i];
    return NULL;
}

/* The sweep's highest recall with p95 within the target (cheapest on ties). */
static const sweep_point *oracle(const sweep_point *pts, uint32_t n, double target)
{
    const sweep_point *best = NULL;
    for (uint32_t i = 0; i < n; i++)
        if (pts[i].f.p95_ms <= target && (!best || pts[i].f.recall > best->f.recall))
            best = &pts[i];
    return best;
}

typedef struct drive_result {
    int decision;
    uint32_t x;
    uint32_t measured;
    vmon_arm_figures f; /* the tuner's own measurement of x */
    char why[256];
    char trace[512]; /* what it measured, in order: value:p95 */
} drive_result;

static uint32_t knob_of(const workload *w, const vmon_search_params *p)
{
    return w->flag == VMON_SEARCH_NPROBE ? p->nprobe : p->ef;
}

/* decide() in a loop, measuring what it asks for, as the core does. */
static int drive(workload *w, vmon_standalone *tuner, double target, drive_result *res)
{
    const vmon_tuner_ops *ops = vmon_standalone_ops(tuner);
    vmon_tuning_trial trials[MAX_TRIALS];
    vmon_tuning_input in = {.struct_size = sizeof in,
                            .reason = VMON_TUNE_INITIAL,
                            .collection = "default",
                            .facts = &w->e->facts,
                            .latency_target_ms = target,
                            .history = trials};
    in.current.top_k = w->o->k;
    memset(res, 0, sizeof *res);
    char err[512];
    for (int round = 0; round < 32; round++) {
        vmon_tuning_output out = {.struct_size = sizeof out};
        if (ops->decide(vmon_standalone_ctx(tuner), &in, &out, err, sizeof err) != VMON_OK) {
            fprintf(stderr, "vmon-bench: decide: %s\n", err);
            return -1;
        }
        res->decision = (int)out.decision;
        if (out.decision != VMON_TUNE_MEASURE) {
            snprintf(res->why, sizeof res->why, "%s",
                     out.n_candidates ? out.candidates[0].reason : out.recommendation);
            if (out.n_candidates)
                res->x = knob_of(w, &out.candidates[0].params);
            for (uint32_t i = in.n_history; i-- > 0;)
                if (knob_of(w, &trials[i].params) == res->x) {
                    res->f = trials[i].figures;
                    break;
                }
            return 0;
        }
        for (uint32_t i = 0; i < out.n_candidates && in.n_history < MAX_TRIALS; i++) {
            vmon_tuning_trial *t = &trials[in.n_history];
            memset(t, 0, sizeof *t);
            t->struct_size = sizeof *t;
            t->params = out.candidates[i].params;
            t->rows = w->e->facts.row_count;
            if (measure(w, knob_of(w, &t->params), &t->figures) != 0)
                return -1;
            in.n_history++;
            res->measured++;
            size_t used = strlen(res->trace);
            snprintf(res->trace + used, sizeof res->trace - used, " %u:%.3f",
                     knob_of(w, &t->params), t->figures.p95_ms);
        }
        in.reason = VMON_TUNE_MEASURED;
    }
    fprintf(stderr, "vmon-bench: the tuner did not settle in 32 rounds\n");
    return -1;
}

static vmon_standalone *open_tuner(const bench_opts *o, const char *plugin, const char *mode)
{
    const char *pairs[] = {"mode", mode, NULL};
    vmon_standalone *s = NULL;
    char err[1024];
    if (vmon_standalone_open(o->plugin_dir, "tuner", plugin, mode, pairs, NULL, NULL, &s, err,
                             sizeof err) != 0)
        fprintf(stderr, "vmon-bench: cannot open tuner %s: %s\n", plugin, err);
    return s;
}

/* The classic tuner's first choice for the target (what the seed would run). */
static uint32_t classic_choice(workload *w, vmon_standalone *tuner, double target)
{
    vmon_tuning_input in = {.struct_size = sizeof in,
                            .reason = VMON_TUNE_INITIAL,
                            .collection = "default",
                            .facts = &w->e->facts,
                            .latency_target_ms = target};
    in.current.top_k = w->o->k;
    vmon_tuning_output out = {.struct_size = sizeof out};
    char err[512];
    const vmon_tuner_ops *ops = vmon_standalone_ops(tuner);
    if (ops->decide(vmon_standalone_ctx(tuner), &in, &out, err, sizeof err) != VMON_OK ||
        !out.n_candidates)
        return 0;
    return knob_of(w, &out.candidates[0].params);
}

static int compare(workload *w, const sweep_point *pts, uint32_t n, const uint32_t *at,
                   const char *plugin, int *failures)
{
    const char *name = w->flag == VMON_SEARCH_NPROBE ? "nprobe" : "ef";
    vmon_standalone *ra = open_tuner(w->o, plugin, "recall_aware");
    vmon_standalone *cl = open_tuner(w->o, plugin, "classic");
    if (!ra || !cl)
        return -1;
    /* Row 0..2: the target is exactly the sweep's p95 of the anchor, so a fresh
     * measurement of the anchor itself misses it about half the time; rows
     * 3..5: 3% above, the noise of one p95 figure here. */
    printf("\n  target = sweep p95 of | oracle %s recall | recall_aware %s recall (sweep) "
           "gap  measured | classic %s recall p95<=target\n",
           name, name, name);
    for (int i = 0; i < 6; i++) {
        const sweep_point *anchor = find_point(pts, n, at[i % 3]);
        double target = anchor->f.p95_ms * (i < 3 ? 1.0 : 1.03);
        if (i == 3)
            printf("  target = 1.03 x sweep p95 of:\n");
        const sweep_point *best = oracle(pts, n, target);
        drive_result res;
        if (drive(w, ra, target, &res) != 0)
            return -1;
        const sweep_point *got = find_point(pts, n, res.x);
        vmon_arm_figures fresh = {0};
        if (!got && res.x) {
            measure(w, res.x, &fresh); /* off the grid: measure it once more */
        }
        double rec = got ? got->f.recall : res.x ? fresh.recall : NAN;
        double gap = best->f.recall - rec;
        uint32_t cx = classic_choice(w, cl, target);
        const sweep_point *cp = find_point(pts, n, cx);
        vmon_arm_figures cf = {0};
        if (!cp && cx)
            measure(w, cx, &cf);
        double crec = cp ? cp->f.recall : cf.recall, cp95 = cp ? cp->f.p95_ms : cf.p95_ms;
        int ok = res.decision == VMON_TUNE_PROPOSE && gap <= 0.005 && res.measured <= 8;
        *failures += !ok;
        printf("  %5s %-4u %7.3f ms | %6u %.4f | %6u %.4f %+.4f %4u%s | %6u %.4f %s\n", name,
               at[i % 3], target, best->x, best->f.recall, res.x, rec, -gap, res.measured,
               ok ? "" : " MISS", cx, crec, cp95 <= target ? "yes" : "no");
        printf("      measured%s -> %s\n", res.trace, res.why);
    }
    vmon_standalone_close(ra);
    vmon_standalone_close(cl);
    return 0;
}

static int run_index(const bench_opts *o, const char *index, uint64_t rows, int *failures)
{
    engine e = {0};
    if (open_engine(o, index, rows, &e) != 0) {
        if (e.s)
            vmon_standalone_close(e.s);
        return -1;
    }
    int ivf = strcmp(index, "HNSW") != 0;
    workload w = {.o = o,
                  .e = &e,
                  .flag = ivf ? VMON_SEARCH_NPROBE : VMON_SEARCH_EF,
                  .q = malloc(sizeof(float) * o->nq * o->dim),
                  .gt = malloc(sizeof(int64_t) * o->nq * o->k),
                  .ids = malloc(sizeof(int64_t) * o->nq * o->k)};
    uint32_t xs[MAX_SWEEP], n = 0;
    sweep_point *pts = calloc(MAX_SWEEP, sizeof *pts);
    int rc = ground_truth(&w);
    if (rc == 0) {
        uint32_t hi = ivf ? (e.facts.nlist < 96 ? e.facts.nlist : 96) : 384;
        n = ivf ? grid(1, 48, hi, 1, xs) : grid(o->k, 160, hi, 2, xs);
        vmon_arm_figures warm;
        rc = n ? measure(&w, xs[n / 2], &warm) : -1; /* caches and branch predictors, once */
        if (rc == 0)
            rc = sweep(&w, xs, n, pts);
    }
    static const uint32_t ivf_at[] = {8, 16, 32}, hnsw_at[] = {32, 64, 128};
    if (rc == 0)
        rc = compare(&w, pts, n, ivf ? ivf_at : hnsw_at, ivf ? "ivf" : "hnsw", failures);
    free(pts);
    free(w.q);
    free(w.gt);
    free(w.ids);
    vmon_standalone_close(e.s);
    return rc;
}

int bench_tuning(const bench_opts *o)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* a long run shows its progress through a pipe too */
    if (o->repeats == 0 || o->hnsw_rows < 1000) {
        fprintf(stderr, "vmon-bench: tuning needs --repeats >= 1 and --hnsw-rows >= 1000\n");
        return -1;
    }
    printf("vmon-bench tuning: IVF_FLAT %" PRIu64 " rows, HNSW %" PRIu64 " rows, x %u dim, "
           "%u queries, top-%u, clusters %u, spread %g (0: the profile's), seed %" PRIu64
           ", per query the least %s of %u passes\n",
           o->rows, o->hnsw_rows, o->dim, o->nq, o->k, o->clusters, o->spread, o->seed,
           o->wall_clock ? "wall time" : "thread CPU time", o->repeats);
    int failures = 0;
    if (!o->skip_ivf && run_index(o, "IVF_FLAT", o->rows, &failures) != 0)
        return -1;
    if (!o->skip_hnsw && run_index(o, "HNSW", o->hnsw_rows, &failures) != 0)
        return -1;
    printf("\nrecall_aware within 0.005 of the oracle after <= 8 measured configurations: "
           "%s\n",
           failures ? "NO" : "yes, every target");
    return 0;
}
