/*
 * vmon-bench: benchmarks run through the real plugin loader.
 *
 *   vmon-bench engine [--rows 200000] [--dim 128] [--queries 1000] [--k 10]
 *                     [--threads 2] [--nlist 0] [--m 16] [--ef-construction 200]
 *                     [--profile hard] [--clusters 0] [--spread 0] [--seed 42]
 *                     [--insert 20000] [--no-hnsw] [--no-ivf] [--plugin-dir DIR]
 *                     [--rounds 5] [--data-dir DIR] [--overhead-only] [--at V]
 *                     [--base FILE.fvecs [--query-file FILE.fvecs] [--gt FILE.ivecs]]
 *   vmon-bench traffic [--rows 50000] [--dim 128] [--queries 1000] [--k 10] [--threads 1]
 *                      [--requests 5000] [--rounds 5] [--plugin-dir DIR]
 *   vmon-bench tuning [--rows 200000] [--hnsw-rows 50000] [--profile hard] [--data-dir DIR]
 *                     [--threads 1] [--repeats 3] [--wall-clock] [engine options]
 *   vmon-bench hist [--runs 7] [--records 20000000] [--reads 201] [--qps 1000]
 *   vmon-bench router [--runs 7] [--picks 20000000] [--plugin-dir DIR]
 *   vmon-bench promparse FILE [--runs 21]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static void usage(FILE *f)
{
    fputs("usage: vmon-bench engine [--rows N] [--dim D] [--queries N] [--k K] [--threads T]\n"
          "         [--nlist N] [--m M] [--ef-construction N] [--profile hard|easy]\n"
          "         [--clusters N] [--spread S] [--seed S] [--insert N] [--no-hnsw] [--no-ivf]\n"
          "         [--rounds 5] [--data-dir DIR] [--overhead-only] [--at V] [--plugin-dir DIR]\n"
          "         [--base F.fvecs [--query-file F.fvecs] [--gt F.ivecs]]\n"
          "  --base loads the ANN benchmark files instead of generated data; --rows 0 loads\n"
          "  every base row (needed for --gt, whose ids are base row numbers).\n"
          "  --data-dir keeps the built indexes (DIR/ivf, DIR/hnsw) and reuses them next time;\n"
          "  --overhead-only runs only the engine-vs-FAISS rounds (bench/engine_instructions.sh);\n"
          "  --at V compares at nprobe / ef V only (default: nprobe 16, 64; ef 64, 128).\n"
          "       vmon-bench traffic [--rows N] [--dim D] [--queries N] [--k K] [--threads T]\n"
          "                          [--requests N] [--rounds R] [--plugin-dir DIR]\n"
          "  the traffic driver's cost per query against calling search directly, and the\n"
          "  mallocs per request in vmon's code (must be 0).\n"
          "       vmon-bench hist [--runs N] [--records N] [--reads N] [--qps N]\n"
          "       vmon-bench router [--runs N] [--picks N] [--plugin-dir DIR]\n"
          "       vmon-bench tuning [--rows N] [--hnsw-rows N] [--profile P] [--data-dir DIR]\n"
          "                         [--threads T] [--repeats 3] [--wall-clock] [--no-hnsw]\n"
          "                         [--no-ivf]\n"
          "  the tuners against an exhaustive nprobe / ef sweep; --data-dir keeps the built\n"
          "  indexes for the next run; latency is thread CPU time unless --wall-clock.\n"
          "       vmon-bench promparse FILE [--runs N]   (a /metrics body; beside promtool)\n",
          f);
}

static int parse(int argc, char **argv, bench_opts *o)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--no-hnsw")) {
            o->skip_hnsw = 1;
            continue;
        }
        if (!strcmp(a, "--overhead-only")) {
            o->overhead_only = 1;
            continue;
        }
        if (!strcmp(a, "--no-ivf")) {
            o->skip_ivf = 1;
            continue;
        }
        if (!strcmp(a, "--wall-clock")) {
            o->wall_clock = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "vmon-bench: %s needs a value\n", a);
            return -1;
        }
        i++;
        if (!strcmp(a, "--rows"))
            o->rows = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--dim"))
            o->dim = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--queries"))
            o->nq = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--k"))
            o->k = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--threads"))
            o->threads = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--nlist"))
            o->nlist = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--m"))
            o->m = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--ef-construction"))
            o->ef_construction = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--profile") && (!strcmp(v, "hard") || !strcmp(v, "easy")))
            o->profile = !strcmp(v, "hard") ? "hard" : "easy";
        else if (!strcmp(a, "--clusters"))
            o->clusters = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--spread"))
            o->spread = strtod(v, NULL);
        else if (!strcmp(a, "--seed"))
            o->seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--insert"))
            o->insert_rows = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--at"))
            o->at = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--rounds"))
            o->rounds = (uint32_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--data-dir"))
            o->data_dir = v;
        else if (!strcmp(a, "--plugin-dir"))
            o->plugin_dir = v;
        else if (!strcmp(a, "--base"))
            o->base_file = v;
        else if (!strcmp(a, "--query-file"))
            o->query_file = v;
        else if (!strcmp(a, "--gt"))
            o->gt_file = v;
        else if (!strcmp(a, "--requests"))
            o->traffic_requests = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--hnsw-rows"))
            o->hnsw_rows = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--repeats"))
            o->repeats = (uint32_t)strtoul(v, NULL, 10);
        else {
            fprintf(stderr, "vmon-bench: unknown option %s\n", a);
            return -1;
        }
    }
    if ((o->rows < 1000 && !o->base_file) || o->dim == 0 || o->nq == 0 || o->k == 0 ||
        o->threads == 0 || o->rounds == 0) {
        fprintf(stderr,
                "vmon-bench: need --rows >= 1000 and positive dim, queries, k, threads, rounds\n");
        return -1;
    }
    if ((o->query_file || o->gt_file) && !o->base_file) {
        fprintf(stderr, "vmon-bench: --query-file and --gt go with --base\n");
        return -1;
    }
    return 0;
}

/* `vmon-bench router`: its own few options. */
static int router_main(int argc, char **argv, const char *plugin_dir)
{
    int runs = 7;
    uint64_t picks = 20000000;
    for (int i = 2; i < argc; i += 2) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "vmon-bench: %s needs a value\n", argv[i]);
            return 2;
        }
        if (!strcmp(argv[i], "--runs"))
            runs = atoi(v);
        else if (!strcmp(argv[i], "--picks"))
            picks = strtoull(v, NULL, 10);
        else if (!strcmp(argv[i], "--plugin-dir"))
            plugin_dir = v;
        else {
            fprintf(stderr, "vmon-bench: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (runs < 1 || picks < 1) {
        fprintf(stderr, "vmon-bench: need positive --runs and --picks\n");
        return 2;
    }
    return bench_router(plugin_dir, runs, picks) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    bench_opts o = {.rows = 200000,
                    .dim = 128,
                    .nq = 1000,
                    .k = 10,
                    .threads = 2,
                    .m = 16,
                    .ef_construction = 200,
                    .profile = "hard",
                    .seed = 42,
                    .insert_rows = 20000,
                    .traffic_requests = 5000,
                    .rounds = 5,
                    .plugin_dir = VMON_BENCH_PLUGIN_DIR};
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "hist"))
        return bench_hist_main(argc, argv);
    if (!strcmp(argv[1], "router"))
        return router_main(argc, argv, o.plugin_dir);
    if (strcmp(argv[1], "promparse") == 0)
        return bench_promparse(argc, argv);
    int traffic = strcmp(argv[1], "traffic") == 0;
    if (traffic) { /* small enough to build in seconds; one thread for steady figures */
        o.rows = 50000;
        o.threads = 1;
    }
    int tuning = !strcmp(argv[1], "tuning");
    if (strcmp(argv[1], "engine") != 0 && !traffic && !tuning) {
        fprintf(stderr, "vmon-bench: unknown benchmark '%s'\n", argv[1]);
        usage(stderr);
        return 2;
    }
    if (tuning) {
        /* The hard profile (the default; nprobe 16 leaves recall@10 short of 1, see
         * docs/embedded.md). Single-query searches on one thread keep p95 about the search,
         * not about scheduling. */
        o.threads = 1;
        o.hnsw_rows = 50000;
        o.repeats = 3;
    }
    if (parse(argc, argv, &o) != 0) {
        usage(stderr);
        return 2;
    }
    if (traffic && o.traffic_requests == 0) {
        fprintf(stderr, "vmon-bench: --requests must be positive\n");
        return 2;
    }
    if (tuning)
        return bench_tuning(&o) == 0 ? 0 : 1;
    return (traffic ? bench_traffic(&o) : bench_engine(&o)) == 0 ? 0 : 1;
}
