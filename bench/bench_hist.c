/*
 * `vmon-bench hist`: the monitor's hot path and its read.
 *
 *  - ns per record: loghist, latency window, monitor through an arm handle
 *    (median of --runs runs), side by side;
 *  - p99 read over a full 60 s window in 1 s slices (median of --reads
 *    reads), beside sorting the same window's samples as the old ring did;
 *  - times are this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so other
 *    load on a shared machine does not inflate them;
 *  - allocations per record in vmon's code, counted by wrapping malloc and
 *    friends at link time (bench/CMakeLists.txt: -Wl,--wrap), so only calls
 *    from statically linked code (vmon's) count, not FAISS's or libc's own.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "latency_window.h"
#include "loghist.h"
#include "monitor.h"

/* ---- allocation counter (bench/alloc_count.c, the --wrap side) ---- */

static unsigned long allocations_now(void)
{
    return bench_allocations();
}

/* ---- data ---- */

#define N_VALUES 65536u /* fits in L2 beside a histogram */
#define MS_NS    1000000ull
#define SEC_NS   (1000 * MS_NS)

static uint64_t values[N_VALUES];

/* Latencies shaped like search traffic: mostly 0.2..2 ms, a tail to 50 ms. */
static void make_values(void)
{
    uint64_t x = 0x2545f4914f6cdd1dULL;
    for (uint32_t i = 0; i < N_VALUES; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t u = x % 1000;
        values[i] = u < 950 ? 200000 + x % 1800000 : 2000000 + x % 48000000;
    }
}

/* Thread CPU seconds: on a shared machine, time this thread waited does not count. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- record ---- */

typedef enum { REC_LOGHIST, REC_WINDOW, REC_MONITOR } recorder;

typedef struct rec_ctx {
    vmon_loghist *h;
    vmon_latency_window *w;
    vmon_monitor_arm *arm;
} rec_ctx;

/* ns per record of `records` records; the clock moves 1 us per request (1M qps). */
static double time_records(recorder which, const rec_ctx *c, uint64_t records, uint64_t *now)
{
    double t0 = cpu_now();
    for (uint64_t i = 0; i < records; i++) {
        uint64_t v = values[i & (N_VALUES - 1)];
        *now += 1000;
        switch (which) {
        case REC_LOGHIST:
            vmon_loghist_record(c->h, v);
            break;
        case REC_WINDOW:
            vmon_latency_window_record(c->w, 0, *now, v, true);
            break;
        case REC_MONITOR:
            vmon_monitor_record(c->arm, 0, *now, v, true);
            break;
        }
    }
    return (cpu_now() - t0) * 1e9 / (double)records;
}

/* ---- read ---- */

/* `writers` writers at `qps` each from `from` to `to` (ns of the fake clock). */
static void traffic(vmon_latency_window *w, uint32_t writers, uint64_t qps, uint64_t from,
                    uint64_t to)
{
    uint64_t step = SEC_NS / qps, i = from / step;
    for (uint64_t t = from; t < to; t += step)
        for (uint32_t k = 0; k < writers; k++, i++)
            vmon_latency_window_record(w, k, t, values[i & (N_VALUES - 1)], true);
}

/* A 60 s window in 1 s slices, filled for 61 s; *now is its end. */
static vmon_latency_window *full_window(uint32_t writers, uint64_t qps, uint64_t *now)
{
    vmon_latency_window *w = vmon_latency_window_new(60000, 1000, writers);
    if (w) {
        *now = 1000 * SEC_NS;
        traffic(w, writers, qps, *now, *now + 61 * SEC_NS);
        *now += 61 * SEC_NS;
    }
    return w;
}

/*
 * Median us of a read as the tuning loop does it: once per check interval
 * (here one slice) while traffic goes on; the traffic between reads is not
 * timed. *cold_us: the first read of a freshly filled window (the sum built
 * from nothing), median of 7 windows.
 */
static double time_read_us(uint32_t writers, uint64_t qps, int reads, double *p99_ms,
                           double *cold_us)
{
    double *t = malloc(sizeof(double) * (size_t)reads), cold[7];
    vmon_latency_summary s = {0};
    uint64_t now = 0;
    for (int c = 0; c < 7; c++) {
        vmon_latency_window *w = full_window(writers, qps, &now);
        if (!w) {
            free(t);
            return NAN;
        }
        double t0 = cpu_now();
        vmon_latency_window_read(w, now, &s);
        cold[c] = (cpu_now() - t0) * 1e6;
        if (c < 6) {
            vmon_latency_window_free(w);
            continue;
        }
        for (int r = 0; r < reads; r++) {
            traffic(w, writers, qps, now, now + SEC_NS);
            now += SEC_NS;
            t0 = cpu_now();
            vmon_latency_window_read(w, now, &s);
            t[r] = (cpu_now() - t0) * 1e6;
        }
        vmon_latency_window_free(w);
    }
    *p99_ms = s.p99_ms;
    *cold_us = median(cold, 7);
    double m = median(t, reads);
    free(t);
    return m;
}

/* What the old ring did per read: copy the window's samples and sort them. */
static double time_sort_us(uint64_t samples, int reads, double *p99_ms)
{
    double *ring = malloc(sizeof(double) * samples), *copy = malloc(sizeof(double) * samples);
    double *t = malloc(sizeof(double) * (size_t)reads);
    for (uint64_t i = 0; i < samples; i++)
        ring[i] = (double)values[i & (N_VALUES - 1)] / 1e6;
    for (int r = 0; r < reads; r++) {
        double t0 = cpu_now();
        memcpy(copy, ring, sizeof(double) * samples);
        qsort(copy, samples, sizeof *copy, cmp_double);
        *p99_ms = copy[(size_t)((double)samples * 0.99) - 1];
        t[r] = (cpu_now() - t0) * 1e6;
    }
    double m = median(t, reads);
    free(ring);
    free(copy);
    free(t);
    return m;
}

/* ---- main ---- */

typedef struct hist_opts {
    int runs;
    int reads;
    uint64_t records;
    uint64_t qps;
} hist_opts;

static int parse_hist(int argc, char **argv, hist_opts *o)
{
    for (int i = 2; i < argc; i += 2) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "vmon-bench hist: %s needs a value\n", argv[i]);
            return -1;
        }
        if (!strcmp(argv[i], "--runs"))
            o->runs = atoi(v);
        else if (!strcmp(argv[i], "--reads"))
            o->reads = atoi(v);
        else if (!strcmp(argv[i], "--records"))
            o->records = strtoull(v, NULL, 10);
        else if (!strcmp(argv[i], "--qps"))
            o->qps = strtoull(v, NULL, 10);
        else {
            fprintf(stderr, "vmon-bench hist: unknown option %s\n", argv[i]);
            return -1;
        }
    }
    if (o->runs < 5 || o->reads < 5 || o->records < 1000 || o->qps == 0 || o->qps > 1000000) {
        fprintf(stderr, "vmon-bench hist: need --runs >= 5, --reads >= 5, --records >= 1000, "
                        "--qps 1..1000000\n");
        return -1;
    }
    return 0;
}

static const char *verdict(bool ok)
{
    return ok ? "ok" : "MISSED";
}

/* Median ns per record of each kind, runs interleaved; allocations during all of them. */
static int bench_records(const hist_opts *o, double ns[3], unsigned long *allocs,
                         unsigned long *setup_allocs)
{
    char err[256];
    unsigned long setup = allocations_now();
    vmon_monitor_config mc;
    vmon_monitor_config_default(&mc);
    vmon_monitor *m = vmon_monitor_new(&mc, err, sizeof err);
    rec_ctx c = {.h = malloc(sizeof(vmon_loghist)),
                 .w = vmon_latency_window_new(60000, 1000, 1),
                 .arm = m ? vmon_monitor_arm_get(m, "bench", 0, err, sizeof err) : NULL};
    if (!c.h || !c.w || !c.arm) {
        fprintf(stderr, "vmon-bench hist: setup failed: %s\n", m ? err : "out of memory");
        free(c.h);
        vmon_latency_window_free(c.w);
        vmon_monitor_free(m);
        return -1;
    }
    vmon_loghist_init(c.h);
    *setup_allocs = allocations_now() - setup; /* nonzero: the counter does count */
    double *t[3];
    for (int k = 0; k < 3; k++)
        t[k] = malloc(sizeof(double) * (size_t)o->runs);
    uint64_t now[3] = {SEC_NS, SEC_NS, SEC_NS};
    for (int k = 0; k < 3; k++) /* warm up: pages touched, branch history */
        time_records((recorder)k, &c, o->records / 10, &now[k]);
    unsigned long before = allocations_now();
    for (int r = 0; r < o->runs; r++)
        for (int k = 0; k < 3; k++)
            t[k][r] = time_records((recorder)k, &c, o->records, &now[k]);
    *allocs = allocations_now() - before;
    for (int k = 0; k < 3; k++) {
        ns[k] = median(t[k], o->runs);
        free(t[k]);
    }
    free(c.h);
    vmon_latency_window_free(c.w);
    vmon_monitor_free(m);
    return 0;
}

int bench_hist_main(int argc, char **argv)
{
    hist_opts o = {.runs = 7, .reads = 201, .records = 20000000, .qps = 1000};
    if (parse_hist(argc, argv, &o) != 0)
        return 2;
    make_values();
    double ns[3];
    unsigned long allocs, setup_allocs;
    if (bench_records(&o, ns, &allocs, &setup_allocs) != 0)
        return 1;
    uint64_t total = (uint64_t)o.runs * 3 * o.records;
    printf("vmon-bench hist: %d runs of %llu records, median ns per record (1M requests/s clock)\n",
           o.runs, (unsigned long long)o.records);
    printf("  loghist_record              %6.2f ns\n", ns[0]);
    printf("  latency_window_record       %6.2f ns  (%.2fx loghist)\n", ns[1], ns[1] / ns[0]);
    printf("  monitor_record (arm handle) %6.2f ns  (%.2fx loghist)   target <= 10 ns: %s\n", ns[2],
           ns[2] / ns[0], verdict(ns[2] <= 10));
    printf("  allocations in %llu records: %lu (%.3g per record)   target 0: %s   (setup: %lu, "
           "so the counter counts)\n",
           (unsigned long long)total, allocs, (double)allocs / (double)total, verdict(allocs == 0),
           setup_allocs);

    printf("p99 read over a full 60 s window in 1 s slices, %llu requests/s per writer, one read "
           "per slice, median of %d reads\n",
           (unsigned long long)o.qps, o.reads);
    uint32_t writer_counts[] = {1, 4};
    for (size_t i = 0; i < sizeof writer_counts / sizeof *writer_counts; i++) {
        uint32_t n = writer_counts[i];
        double p99_hist = NAN, p99_sort = NAN, cold_us = NAN;
        double us = time_read_us(n, o.qps, o.reads, &p99_hist, &cold_us);
        uint64_t samples = 60 * o.qps * n;
        double sort_us = time_sort_us(samples, o.reads < 21 ? o.reads : 21, &p99_sort);
        printf("  %u writer%s: read %6.2f us (p99 %.3f ms), first read %7.2f us;   sorting its "
               "%llu samples %9.1f us (p99 %.3f ms, %.0fx)   target <= 50 us: %s\n",
               n, n > 1 ? "s" : " ", us, p99_hist, cold_us, (unsigned long long)samples, sort_us,
               p99_sort, sort_us / us, verdict(us <= 50));
    }
    return 0;
}
