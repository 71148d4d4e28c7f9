/*
 * `vmon-bench engine`: the embedded target through the real loader. Preload,
 * watch the index build, sweep nprobe / ef for recall@k and per-query
 * latency, compare with FAISS called directly on the same saved index,
 * insert and flush, and print the component figures.
 */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <malloc.h>
#include <sys/stat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "io.h"
#include "emb_api.h"
#include "standalone.h"

typedef struct run {
    vmon_standalone *s;
    const vmon_target_ops *ops;
    void *ctx;
} run;

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resident bytes of this process, after giving freed heap back. */
static double rss_bytes(void)
{
    malloc_trim(0);
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return NAN;
    int n = fscanf(f, "%ld %ld", &pages, &resident);
    fclose(f);
    return n == 2 ? (double)resident * (double)sysconf(_SC_PAGESIZE) : NAN;
}

static double file_bytes(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (double)st.st_size : NAN;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int open_engine(const bench_opts *o, const char *index, const char *data_dir, run *r)
{
    char rows[32], dim[32], threads[32], nlist[32], m[32], efc[32], seed[32], cl[32], sp[32];
    snprintf(rows, sizeof rows, "%" PRIu64, o->rows);
    snprintf(dim, sizeof dim, "%u", o->dim);
    snprintf(threads, sizeof threads, "%u", o->threads);
    snprintf(nlist, sizeof nlist, "%u", o->nlist);
    snprintf(m, sizeof m, "%u", o->m);
    snprintf(efc, sizeof efc, "%u", o->ef_construction);
    snprintf(seed, sizeof seed, "%" PRIu64, o->seed);
    snprintf(cl, sizeof cl, "%u", o->clusters);
    snprintf(sp, sizeof sp, "%g", o->spread);
    /* segment_rows = rows (files: whatever they hold): the preload becomes
     * exactly one sealed segment, as the overhead comparison needs. */
    const char *pairs[48] = {"rows", rows, "dim", dim, "index", index, "threads", threads};
    int n = 8;
    const char *more[] = {"nlist",
                          nlist,
                          "m",
                          m,
                          "ef_construction",
                          efc,
                          "seed",
                          seed,
                          "profile",
                          o->profile,
                          "clusters",
                          cl,
                          "spread",
                          sp,
                          "index_min_rows",
                          "1000",
                          "segment_rows",
                          o->base_file ? "1000000000" : rows};
    for (size_t i = 0; i < sizeof more / sizeof *more; i++)
        pairs[n++] = more[i];
    if (o->base_file) {
        pairs[n++] = "data";
        pairs[n++] = "files";
        pairs[n++] = "base_file";
        pairs[n++] = o->base_file;
    }
    if (o->query_file) {
        pairs[n++] = "query_file";
        pairs[n++] = o->query_file;
    }
    if (data_dir) {
        pairs[n++] = "data_dir";
        pairs[n++] = data_dir;
    }
    pairs[n] = NULL;
    char err[2048];
    double t0 = bench_now();
    if (vmon_standalone_open(o->plugin_dir, "target", "embedded", index, pairs, NULL, NULL, &r->s,
                             err, sizeof err) != 0) {
        fprintf(stderr, "vmon-bench: cannot open the embedded target: %s\n", err);
        return -1;
    }
    r->ops = vmon_standalone_ops(r->s);
    r->ctx = vmon_standalone_ctx(r->s);
    char err2[256];
    vmon_collection_stats cs = {.struct_size = sizeof cs};
    r->ops->collection_stats(r->ctx, NULL, &cs, err2, sizeof err2);
    printf("[%s] loaded through the ABI: %" PRIu64
           " x %u %s rows preloaded and flushed in %.2f s\n",
           index, cs.row_count, o->dim, o->base_file ? "file" : "generated", bench_now() - t0);
    return 0;
}

/* The same engine linked into vmon-bench, on a folder the loaded engine
 * saved: it loads the saved index, and runs the very FAISS code the bench's
 * direct calls run. The plugin carries its own copy of FAISS, whose hot
 * scalar loops land at other addresses, and that alone moves per-query
 * times by several percent either way (docs/embedded.md). */
static int open_in_process(const bench_opts *o, const char *index, const char *data_dir, run *r)
{
    emb_config cfg;
    emb_config_defaults(&cfg);
    cfg.dim = o->dim;
    cfg.index_type = (uint32_t)emb_index_type_parse(index);
    cfg.threads = o->threads;
    cfg.nlist = o->nlist;
    cfg.hnsw_m = o->m;
    cfg.ef_construction = o->ef_construction;
    cfg.index_min_rows = 1000;
    cfg.data_dir = data_dir;
    char err[1024];
    r->s = NULL;
    r->ops = &emb_target_ops;
    if (emb_engine_create(&cfg, &r->ctx, err, sizeof err) != 0 ||
        emb_engine_start(r->ctx, err, sizeof err) != 0) {
        fprintf(stderr, "vmon-bench: in-process engine on %s: %s\n", data_dir, err);
        return -1;
    }
    return 0;
}

static void close_engine(run *r)
{
    if (r->s) {
        vmon_standalone_close(r->s);
    } else {
        emb_engine_stop(r->ctx);
        emb_engine_destroy(r->ctx);
    }
}

/* Prints progress while the index builds; returns the engine's build time (s). */
static double watch_build(run *r, const char *label)
{
    char err[512];
    vmon_index_state st = {.struct_size = sizeof st};
    double last_print = 0, t0 = bench_now();
    for (;;) {
        st.struct_size = sizeof st;
        if (r->ops->index_state(r->ctx, NULL, &st, err, sizeof err) != 0) {
            fprintf(stderr, "vmon-bench: index_state: %s\n", err);
            return NAN;
        }
        int done = st.state == VMON_INDEX_FINISHED || st.state == VMON_INDEX_NONE ||
                   st.state == VMON_INDEX_FAILED;
        if (done || bench_now() - last_print >= 1.0) {
            printf("[%s] build %-8s progress %5.1f%%  (%" PRIu64 " / %" PRIu64 " rows, %u "
                   "building, %u pending)  t=%.1fs\n",
                   label,
                   st.state == VMON_INDEX_FINISHED  ? "finished"
                   : st.state == VMON_INDEX_FAILED  ? "FAILED"
                   : st.state == VMON_INDEX_PENDING ? "pending"
                   : st.state == VMON_INDEX_NONE    ? "none"
                                                    : "building",
                   st.progress * 100, st.indexed_rows, st.total_rows, st.building_segments,
                   st.pending_segments, bench_now() - t0);
            fflush(stdout);
            last_print = bench_now();
        }
        if (done)
            return st.last_build_ms / 1000.0;
        sleep_ms(100);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *sorted, uint32_t n, double q)
{
    uint32_t i = (uint32_t)ceil(q * n);
    return sorted[i == 0 ? 0 : i - 1];
}

/* One query at a time: recall@k against `gt`, p50 / p95 latency. */
static int measure(run *r, const bench_opts *o, const float *q, const int64_t *gt, uint32_t flag,
                   uint32_t value, double *recall, double *p50, double *p95, double *mean)
{
    int64_t *ids = malloc(sizeof(int64_t) * o->nq * o->k);
    float *dist = malloc(sizeof(float) * o->k);
    double *lat = malloc(sizeof(double) * o->nq);
    char err[512];
    int rc = 0;
    double sum = 0;
    for (uint32_t i = 0; i < o->nq && rc == 0; i++) {
        vmon_search_request req = {.struct_size = sizeof req,
                                   .flags = flag,
                                   .n_queries = 1,
                                   .dim = o->dim,
                                   .top_k = o->k,
                                   .nprobe = value,
                                   .ef = value,
                                   .queries = q + (size_t)i * o->dim};
        double t0 = bench_now();
        rc = r->ops->search(r->ctx, NULL, &req, ids + (size_t)i * o->k, dist, err, sizeof err);
        lat[i] = (bench_now() - t0) * 1000;
        sum += lat[i];
    }
    if (rc != 0) {
        fprintf(stderr, "vmon-bench: search: %s\n", err);
    } else {
        qsort(lat, o->nq, sizeof *lat, cmp_double);
        *recall = emb_recall_at_k(ids, gt, o->nq, o->k, o->k);
        *p50 = pct(lat, o->nq, 0.5);
        *p95 = pct(lat, o->nq, 0.95);
        *mean = sum / o->nq;
    }
    free(ids);
    free(dist);
    free(lat);
    return rc;
}

static void sweep(run *r, const bench_opts *o, const float *q, const int64_t *gt, uint32_t flag,
                  uint32_t lo, uint32_t hi)
{
    const char *name = flag == VMON_SEARCH_NPROBE ? "nprobe" : "ef";
    printf("\n%8s  recall@%-3u  p50_ms  p95_ms  qps(1 thread)\n", name, o->k);
    for (uint32_t v = lo;; v = v * 2 > hi && v < hi ? hi : v * 2) {
        double rec, p50, p95, mean;
        if (measure(r, o, q, gt, flag, v, &rec, &p50, &p95, &mean) != 0)
            return;
        printf("%8u  %9.4f  %6.3f  %6.3f  %8.0f\n", v, rec, p50, p95, 1000.0 / mean);
        fflush(stdout);
        if (v >= hi)
            break;
    }
}

static int print_sample(void *arg, const vmon_sample *s)
{
    (void)arg;
    if (strstr(s->name, "_bucket"))
        return 0; /* the histogram is for Prometheus; p50/p95/p99 say it here */
    printf("  %s{", s->name);
    for (uint32_t i = 0; i < s->n_labels; i++)
        printf("%s%s=\"%s\"", i ? "," : "", s->labels[i].name, s->labels[i].value);
    printf("} %.6g\n", s->value);
    return 0;
}

static int grab_memory(void *arg, const vmon_sample *s)
{
    if (!strcmp(s->name, "querynode.memory_used_bytes"))
        *(double *)arg = s->value;
    return 0;
}

/* The engine's RSS (growth of this process since before it was opened)
 * against the raw FAISS index (its serialised size) and the raw vectors. */
static void print_memory(run *r, const char *label, double rss, double index, double vectors)
{
    double used = NAN;
    char err[256];
    r->ops->report(r->ctx, "querynode", grab_memory, &used, err, sizeof err);
    printf("[%s] memory: engine RSS %.1f MB, engine accounting %.1f MB, raw vectors %.1f MB", label,
           rss / 1048576, used / 1048576, vectors / 1048576);
    if (!isnan(index))
        printf(", serialised FAISS index %.1f MB, RSS / index %.2f", index / 1048576, rss / index);
    printf("\n");
}

/* One pass of single queries through the engine: mean ms per query. A
 * function of its own so callgrind can count its instructions
 * (bench/engine_instructions.sh). */
__attribute__((noinline)) double bench_engine_pass(run *r, const bench_opts *o, const float *q,
                                                   uint32_t flag, uint32_t value, int64_t *ids)
{
    float *dist = malloc(sizeof(float) * o->k);
    char err[512];
    double t0 = bench_now();
    for (uint32_t i = 0; i < o->nq; i++) {
        vmon_search_request req = {.struct_size = sizeof req,
                                   .flags = flag,
                                   .n_queries = 1,
                                   .dim = o->dim,
                                   .top_k = o->k,
                                   .nprobe = value,
                                   .ef = value,
                                   .queries = q + (size_t)i * o->dim};
        if (r->ops->search(r->ctx, NULL, &req, ids + (size_t)i * o->k, dist, err, sizeof err) !=
            0) {
            fprintf(stderr, "vmon-bench: search: %s\n", err);
            free(dist);
            return NAN;
        }
    }
    double ms = (bench_now() - t0) * 1000 / o->nq;
    free(dist);
    return ms;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Engine and direct FAISS, alternating (which side goes first alternates
 * too), on the same index, queries and parameter: per-round means, their
 * medians and the ratio of the medians. Both sides' results must agree. */
static void compare(run *r, const bench_opts *o, const float *q, uint32_t flag, uint32_t value)
{
    const int rounds = (int)o->rounds;
    double *eng = calloc((size_t)rounds, sizeof *eng), *raw = calloc((size_t)rounds, sizeof *raw);
    double *ratio = calloc((size_t)rounds, sizeof *ratio);
    int64_t *ids_e = malloc(sizeof(int64_t) * o->nq * o->k);
    int64_t *ids_f = malloc(sizeof(int64_t) * o->nq * o->k);
    const char *name = flag == VMON_SEARCH_NPROBE ? "nprobe" : "ef";
    /* Warm both sides once: page cache, branch predictors, OpenMP teams. */
    bench_engine_pass(r, o, q, flag, value, ids_e);
    bench_faiss_pass(q, o->nq, o->k, value, ids_f);
    for (int i = 0; i < rounds; i++) {
        if (i % 2 == 0) {
            eng[i] = bench_engine_pass(r, o, q, flag, value, ids_e);
            raw[i] = bench_faiss_pass(q, o->nq, o->k, value, ids_f);
        } else {
            raw[i] = bench_faiss_pass(q, o->nq, o->k, value, ids_f);
            eng[i] = bench_engine_pass(r, o, q, flag, value, ids_e);
        }
        ratio[i] = (eng[i] - raw[i]) / raw[i] * 100;
    }
    uint64_t same = 0;
    for (size_t i = 0; i < (size_t)o->nq * o->k; i++)
        same += ids_e[i] == ids_f[i];
    printf("  %-6s %4u: engine", name, value);
    for (int i = 0; i < rounds; i++)
        printf(" %.4f", eng[i]);
    printf("\n  %11s  FAISS ", "");
    for (int i = 0; i < rounds; i++)
        printf(" %.4f", raw[i]);
    double me = median(eng, rounds), mf = median(raw, rounds), mr = median(ratio, rounds);
    printf("\n  %11s  median engine %.4f ms, FAISS %.4f ms: overhead %+.2f%% (median of the "
           "per-round overheads %+.2f%%, range %+.2f%%..%+.2f%%); identical ids %.4f\n",
           "", me, mf, (me - mf) / mf * 100, mr, ratio[0], ratio[rounds - 1],
           (double)same / ((double)o->nq * o->k));
    free(eng);
    free(raw);
    free(ratio);
    free(ids_e);
    free(ids_f);
}

static void overhead_of(run *r, const bench_opts *o, const float *q, uint32_t flag,
                        const uint32_t *values, int n_values, const char *how)
{
    printf("\nengine (%s) vs direct FAISS, same saved index, %u single queries, %u "
           "interleaved rounds (ms/query per round):\n",
           how, o->nq, o->rounds);
    for (int i = 0; i < n_values; i++)
        compare(r, o, q, flag, values[i]);
    if (o->at)
        compare(r, o, q, flag, o->at);
}

/* The overhead twice: the engine as vmond loads it (the plugin, with its own
 * FAISS copy), then the same engine linked in (one FAISS copy for both
 * sides: the engine's own cost alone). Closes `r`, which the in-process
 * engine replaces on the same folder; returns non-zero if that fails. */
static int overhead(run *r, const bench_opts *o, const float *q, const char *dir, const char *index,
                    uint32_t flag, const uint32_t *values, int n_values)
{
    char err[512], index_path[1100];
    snprintf(index_path, sizeof index_path, "%s/default/seg_1.index.vmon", dir);
    if (bench_faiss_load(index_path, err, sizeof err) != 0) {
        fprintf(stderr, "vmon-bench: direct FAISS: %s\n", err);
        close_engine(r);
        return -1;
    }
    bench_faiss_set_threads(o->threads);
    overhead_of(r, o, q, flag, values, n_values, "through the loader");
    close_engine(r);
    int rc = open_in_process(o, index, dir, r);
    if (rc == 0) {
        overhead_of(r, o, q, flag, values, n_values, "linked in, loaded from the folder");
        close_engine(r);
    }
    bench_faiss_unload();
    return rc;
}

static void insert_and_flush(run *r, const bench_opts *o, const char *label)
{
    if (o->insert_rows == 0)
        return;
    const uint64_t batch = 1000;
    float *x = malloc(sizeof(float) * batch * o->dim);
    char err[512];
    double t0 = bench_now();
    for (uint64_t done = 0; done < o->insert_rows; done += batch) {
        uint64_t n = o->insert_rows - done < batch ? o->insert_rows - done : batch;
        emb_generate_profile(o->profile[0] == 'h' ? EMB_PROFILE_HARD : EMB_PROFILE_EASY, o->seed,
                             o->dim, o->clusters, o->spread, 0, o->rows + done, n, x);
        if (r->ops->insert(r->ctx, NULL, x, n, o->dim, NULL, NULL, err, sizeof err) != 0) {
            fprintf(stderr, "vmon-bench: insert: %s\n", err);
            break;
        }
    }
    double ins = bench_now() - t0;
    free(x);
    t0 = bench_now();
    if (r->ops->flush(r->ctx, NULL, err, sizeof err) != 0)
        fprintf(stderr, "vmon-bench: flush: %s\n", err);
    printf("\n[%s] inserted %" PRIu64 " rows in %.2f s (%.0f rows/s), flush took %.3f s\n", label,
           o->insert_rows, ins, o->insert_rows / ins, bench_now() - t0);
    watch_build(r, label);
}

static uint64_t live_rows(run *r)
{
    char err[256];
    vmon_collection_stats cs = {.struct_size = sizeof cs};
    r->ops->collection_stats(r->ctx, NULL, &cs, err, sizeof err);
    return cs.row_count;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Queries (the query file in order, or generated) and their exact top-k:
 * from the .ivecs file when given, else the engine's exact search. */
static int ground_truth(run *r, const bench_opts *o, float *q, int64_t *gt)
{
    char err[512];
    double t0 = bench_now();
    uint64_t seed = o->query_file ? 0 : 1;
    /* Both are optional trailing operations; the zero-extended copy reads NULL when absent. */
    if (!r->ops->sample_queries || (!o->gt_file && !r->ops->exact_search)) {
        fprintf(stderr, "vmon-bench: the target lacks %s (optional operations the bench needs)\n",
                !r->ops->sample_queries ? "sample_queries" : "exact_search");
        return -1;
    }
    if (r->ops->sample_queries(r->ctx, NULL, o->nq, seed, o->dim, q, err, sizeof err) != 0) {
        fprintf(stderr, "vmon-bench: sample_queries: %s\n", err);
        return -1;
    }
    if (o->gt_file) {
        uint32_t gdim = 0;
        uint64_t grows = 0;
        void *p = NULL;
        if (emb_read_vecs(o->gt_file, 1, o->nq, &gdim, &grows, &p, err, sizeof err) != 0 ||
            grows < o->nq || gdim < o->k) {
            fprintf(stderr, "vmon-bench: %s: %s\n", o->gt_file,
                    p ? "fewer queries or neighbours than asked" : err);
            free(p);
            return -1;
        }
        const int32_t *g = p;
        for (uint32_t i = 0; i < o->nq; i++)
            for (uint32_t j = 0; j < o->k; j++)
                gt[(size_t)i * o->k + j] = g[(size_t)i * gdim + j];
        free(p);
        printf("ground truth: %s\n", o->gt_file);
        return 0;
    }
    vmon_search_request req = {
        .struct_size = sizeof req, .n_queries = o->nq, .dim = o->dim, .top_k = o->k, .queries = q};
    float *d = malloc(sizeof(float) * o->nq * o->k);
    int rc = r->ops->exact_search(r->ctx, NULL, &req, gt, d, err, sizeof err);
    free(d);
    if (rc != 0) {
        fprintf(stderr, "vmon-bench: exact_search: %s\n", err);
        return -1;
    }
    printf("ground truth: exact top-%u of %u queries (batched brute force) in %.2f s\n", o->k,
           o->nq, bench_now() - t0);
    return 0;
}

/* The folder an index type's engine keeps its collection in: under
 * --data-dir it stays (a rerun loads instead of building); else a temporary
 * one, removed afterwards. */
static int open_dir(const bench_opts *o, const char *sub, char *dir, size_t len)
{
    if (!o->data_dir) {
        snprintf(dir, len, "/tmp/vmon-bench-XXXXXX");
        if (mkdtemp(dir))
            return 0;
        perror("vmon-bench: mkdtemp");
        return -1;
    }
    snprintf(dir, len, "%s/%s", o->data_dir, sub);
    if (vmon_mkdir_p(dir, 0755) == 0)
        return 0;
    fprintf(stderr, "vmon-bench: cannot make %s: %s\n", dir, strerror(errno));
    return -1;
}

static void close_dir(const bench_opts *o, const char *dir)
{
    if (!o->data_dir)
        nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Queries only (the overhead needs no ground truth). */
static int queries_only(run *r, const bench_opts *o, float *q)
{
    char err[512];
    if (r->ops->sample_queries && r->ops->sample_queries(r->ctx, NULL, o->nq, o->query_file ? 0 : 1,
                                                         o->dim, q, err, sizeof err) == 0)
        return 0;
    fprintf(stderr, "vmon-bench: sample_queries: %s\n", r->ops->sample_queries ? err : "missing");
    return -1;
}

static int ivf_part(const bench_opts *o, float *q, int64_t *gt, int *have_gt)
{
    char dir[1024];
    if (open_dir(o, "ivf", dir, sizeof dir) != 0)
        return -1;
    run r;
    double rss0 = rss_bytes();
    if (open_engine(o, "IVF_FLAT", dir, &r) != 0) {
        close_dir(o, dir);
        return -1;
    }
    double build_s = watch_build(&r, "IVF_FLAT");
    char err[512];
    vmon_collection_stats cs = {.struct_size = sizeof cs};
    r.ops->collection_stats(r.ctx, NULL, &cs, err, sizeof err);
    uint64_t rows = cs.row_count;
    printf("[IVF_FLAT] nlist %u; build %.2f s = %.2f s per 100k rows\n", cs.nlist, build_s,
           build_s * 100000.0 / rows);
    char index_path[1100];
    snprintf(index_path, sizeof index_path, "%s/default/seg_1.index.vmon", dir);
    print_memory(&r, "IVF_FLAT", rss_bytes() - rss0, file_bytes(index_path) - 40,
                 (double)rows * o->dim * 4);

    int rc = o->overhead_only ? queries_only(&r, o, q) : ground_truth(&r, o, q, gt);
    if (rc == 0 && !o->overhead_only) {
        *have_gt = 1;
        sweep(&r, o, q, gt, VMON_SEARCH_NPROBE, 1, cs.nlist);
    }
    const uint32_t nprobes[] = {16, 64};
    if (rc != 0 ||
        overhead(&r, o, q, dir, "IVF_FLAT", VMON_SEARCH_NPROBE, nprobes, o->at ? 0 : 2) != 0) {
        if (rc != 0)
            close_engine(&r);
        close_dir(o, dir);
        return -1;
    }
    /* The engines above closed; the inserts go to the loaded plugin again. */
    if (!o->overhead_only && o->insert_rows) {
        if (open_engine(o, "IVF_FLAT", dir, &r) != 0) {
            close_dir(o, dir);
            return -1;
        }
        insert_and_flush(&r, o, "IVF_FLAT");
        printf("\ncomponent figures (samples, histogram buckets omitted):\n");
        r.ops->report(r.ctx, NULL, print_sample, NULL, err, sizeof err);
        close_engine(&r);
    }
    close_dir(o, dir);
    return 0;
}

static int hnsw_part(const bench_opts *o, float *q, int64_t *gt, int have_gt)
{
    char dir[1024];
    if (open_dir(o, "hnsw", dir, sizeof dir) != 0)
        return -1;
    run r;
    double rss0 = rss_bytes();
    if (open_engine(o, "HNSW", dir, &r) != 0) {
        close_dir(o, dir);
        return -1;
    }
    double build_s = watch_build(&r, "HNSW");
    uint64_t rows = live_rows(&r);
    printf("[HNSW] M %u, efConstruction %u; build %.2f s = %.2f s per 100k rows\n", o->m,
           o->ef_construction, build_s, build_s * 100000.0 / rows);
    print_memory(&r, "HNSW", rss_bytes() - rss0, NAN, (double)rows * o->dim * 4);
    int rc = 0;
    if (o->overhead_only)
        rc = queries_only(&r, o, q);
    else if (!have_gt)
        rc = ground_truth(&r, o, q, gt);
    if (rc == 0 && !o->overhead_only)
        sweep(&r, o, q, gt, VMON_SEARCH_EF, 16, 512);
    const uint32_t efs[] = {64, 128};
    if (rc == 0)
        rc = overhead(&r, o, q, dir, "HNSW", VMON_SEARCH_EF, efs, o->at ? 0 : 2);
    else
        close_engine(&r);
    close_dir(o, dir);
    return rc;
}

int bench_engine(const bench_opts *o)
{
    printf("vmon-bench engine: %" PRIu64 " rows x %u dim, %u queries, top-%u, threads %u, "
           "profile %s, clusters %u, spread %g (0: the profile's), seed %" PRIu64 "\n",
           o->rows, o->dim, o->nq, o->k, o->threads, o->profile, o->clusters, o->spread, o->seed);
    float *q = malloc(sizeof(float) * o->nq * o->dim);
    int64_t *gt = malloc(sizeof(int64_t) * o->nq * o->k);
    int have_gt = 0, rc = 0;
    if (!o->skip_ivf)
        rc = ivf_part(o, q, gt, &have_gt);
    if (rc == 0 && !o->skip_hnsw)
        rc = hnsw_part(o, q, gt, have_gt);
    free(q);
    free(gt);
    return rc;
}
