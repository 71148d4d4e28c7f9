/*
 * vmon-bench: drives plugins through the real loader and prints figures.
 */
#ifndef VMON_BENCH_H
#define VMON_BENCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct bench_opts {
    uint64_t rows;
    uint32_t dim;
    uint32_t nq;
    uint32_t k;
    uint32_t threads;
    uint32_t nlist; /* 0: the engine's default, 2*sqrt(rows) */
    uint32_t m;
    uint32_t ef_construction;
    uint32_t clusters;
    double spread;
    uint64_t seed;
    uint64_t insert_rows;
    int skip_hnsw;
    int skip_ivf;
    const char *plugin_dir;
    const char *base_file;     /* .fvecs: replaces generated data */
    const char *query_file;    /* .fvecs queries (with base_file) */
    const char *gt_file;       /* .ivecs ground truth for the query file */
    uint64_t traffic_requests; /* traffic: requests per round */
    uint32_t rounds;           /* traffic: interleaved rounds (>= 5) */
} bench_opts;

/** `vmon-bench traffic`: the traffic driver's per-query cost and mallocs per request. */
int bench_traffic(const bench_opts *o);

/** `vmon-bench engine`: the embedded target's figures. */
int bench_engine(const bench_opts *o);

/** `vmon-bench hist`: record, read and allocations of the monitor's hot path. */
int bench_hist_main(int argc, char **argv);
/** `vmon-bench router`: ns per hash_split pick, median of `runs`. */
int bench_router(const char *plugin_dir, int runs, uint64_t picks);

/** Allocations made so far by the code linked into vmon-bench (bench/alloc_count.c). */
unsigned long bench_allocations(void);

/** Monotonic time in seconds. */
double bench_now(void);

/**
 * Direct FAISS on the index the engine saved (blob at `path`): mean ms per
 * single-query search at `nprobe`, over `rounds` passes of the queries.
 * Also the index's serialised size. Returns non-zero on failure.
 */
int bench_faiss_load(const char *path, char *err, size_t errlen);
double bench_faiss_search_ms(const float *queries, uint32_t nq, uint32_t k, uint32_t nprobe);
void bench_faiss_unload(void);
void bench_faiss_set_threads(uint32_t threads);

#endif
