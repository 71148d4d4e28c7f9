/*
 * `vmon-bench router`: ns per pick of the hash_split router (through the
 * loader's ops, as the traffic workers call it) on 29-byte request ids
 * ("req_" + a uuid-like tail), beside XXH3 alone on the same ids in the same
 * run, so the ratio shows what the slot table costs over the hash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Inlined: for a 29-byte id the call and the secret's indirection cost more than the hash. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <vmon/router.h>

#include "bench.h"
#include "standalone.h"

#define N_IDS  4096
#define ID_LEN 29

static char ids[N_IDS][ID_LEN + 1];

static void make_ids(void)
{
    uint64_t x = 0x243f6a8885a308d3ull;
    for (int i = 0; i < N_IDS; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        snprintf(ids[i], sizeof ids[i], "req_%08x-%04x-%04x-%06x", (unsigned)(x >> 32),
                 (unsigned)(x >> 16) & 0xffff, (unsigned)x & 0xffff, (unsigned)(x >> 40));
    }
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

/* The sums keep the compiler from dropping the loops. */
static volatile uint64_t sink;

static double time_picks(const vmon_router_ops *ops, void *ctx, uint64_t n)
{
    uint64_t sum = 0;
    double t0 = bench_now();
    for (uint64_t i = 0; i < n; i++)
        sum += ops->pick(ctx, ids[i % N_IDS], ID_LEN);
    double t = bench_now() - t0;
    sink += sum;
    return t * 1e9 / (double)n;
}

static double time_hash(uint64_t n)
{
    uint64_t sum = 0;
    double t0 = bench_now();
    for (uint64_t i = 0; i < n; i++)
        sum += XXH3_64bits(ids[i % N_IDS], ID_LEN) >> 48;
    double t = bench_now() - t0;
    sink += sum;
    return t * 1e9 / (double)n;
}

int bench_router(const char *plugin_dir, int runs, uint64_t picks)
{
    char err[1024];
    vmon_standalone *s;
    if (vmon_standalone_open(plugin_dir, "router", "hash_split", "bench", NULL, NULL, NULL, &s, err,
                             sizeof err) != 0) {
        fprintf(stderr, "vmon-bench: %s\n", err);
        return -1;
    }
    const vmon_router_ops *ops = vmon_standalone_ops(s);
    void *ctx = vmon_standalone_ctx(s);
    const double weights[] = {0.9, 0.1};
    ops->set_weights(ctx, weights, 2);
    make_ids();
    double *pick_ns = calloc((size_t)runs, sizeof *pick_ns);
    double *hash_ns = calloc((size_t)runs, sizeof *hash_ns);
    if (!pick_ns || !hash_ns) {
        free(pick_ns);
        free(hash_ns);
        vmon_standalone_close(s);
        return -1;
    }
    /* Interleaved, so drift in the machine's speed hits both alike. */
    for (int r = 0; r < runs; r++) {
        pick_ns[r] = time_picks(ops, ctx, picks);
        hash_ns[r] = time_hash(picks);
    }
    double pick = median(pick_ns, runs), hash = median(hash_ns, runs);
    printf("router hash_split: %d runs x %llu picks, %d-byte ids, weights 90/10\n", runs,
           (unsigned long long)picks, ID_LEN);
    printf("  pick        median %6.2f ns  (min %.2f, max %.2f)  target <= 10 ns: %s\n", pick,
           pick_ns[0], pick_ns[runs - 1], pick <= 10 ? "met" : "MISSED");
    printf("  XXH3 alone  median %6.2f ns  (min %.2f, max %.2f)\n", hash, hash_ns[0],
           hash_ns[runs - 1]);
    printf("  pick / hash %6.2f\n", pick / hash);
    free(pick_ns);
    free(hash_ns);
    vmon_standalone_close(s);
    return 0;
}
