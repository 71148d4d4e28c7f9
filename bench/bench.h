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
    const char *profile; /* the embedded target's generator profile */
    uint32_t clusters;   /* 0: the profile's */
    double spread;       /* 0: the profile's */
    uint64_t seed;
    uint64_t insert_rows;
    int overhead_only;    /* skip ground truth, sweeps and inserts */
    uint32_t at;          /* non-zero: the overhead at this nprobe / ef only */
    const char *data_dir; /* keep built indexes here and reuse them */
    int skip_hnsw;
    int skip_ivf;
    const char *plugin_dir;
    const char *base_file;     /* .fvecs: replaces generated data */
    const char *query_file;    /* .fvecs queries (with base_file) */
    const char *gt_file;       /* .ivecs ground truth for the query file */
    uint64_t traffic_requests; /* traffic: requests per round */
    uint32_t rounds;           /* interleaved rounds: traffic (>= 5), engine vs FAISS */
    uint64_t hnsw_rows;        /* tuning: rows of the HNSW collection */
    int wall_clock;            /* tuning: latency in wall time, not thread CPU time */
    uint32_t repeats;          /* tuning: passes per measurement; each query keeps its least */
} bench_opts;

/** `vmon-bench traffic`: the traffic driver's per-query cost and mallocs per request. */
int bench_traffic(const bench_opts *o);

/** `vmon-bench engine`: the embedded target's figures. */
int bench_engine(const bench_opts *o);

/** `vmon-bench tuning`: the tuners against an exhaustive sweep. */
int bench_tuning(const bench_opts *o);

/** `vmon-bench hist`: record, read and allocations of the monitor's hot path. */
int bench_hist_main(int argc, char **argv);
/** `vmon-bench router`: ns per hash_split pick, median of `runs`. */
int bench_router(const char *plugin_dir, int runs, uint64_t picks);

/** Allocations made so far by the code linked into vmon-bench (bench/alloc_count.c). */
unsigned long bench_allocations(void);

/** `vmon-bench promparse FILE`: the milvus target's /metrics parser beside promtool. */
int bench_promparse(int argc, char **argv);

/** Monotonic time in seconds. */
double bench_now(void);

/**
 * Direct FAISS on an index the engine saved (blob at `path`), for the
 * overhead comparison. A pass searches the `nq` queries one at a time with
 * `value` as nprobe (IVF) or efSearch (HNSW, set on the index itself as a
 * plain FAISS user would) and returns the mean ms per query; ids gets the
 * results (nq * k).
 */
int bench_faiss_load(const char *path, char *err, size_t errlen);
double bench_faiss_pass(const float *queries, uint32_t nq, uint32_t k, uint32_t value,
                        int64_t *ids);
void bench_faiss_unload(void);
void bench_faiss_set_threads(uint32_t threads);

#endif
