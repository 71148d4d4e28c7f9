/*
 * vmon-bench promparse FILE [--runs N]: the target's /metrics path on one
 * scrape (parse alone, and parse + fold into figures + derive), medians of
 * N runs in CPU time and the allocations of one run (bench/alloc_count.c's link-time counter),
 * beside `promtool check metrics` on the same file in the same run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "mvrules.h"
#include "promtext.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf)
        *len = (size_t)n;
    return buf;
}

/* CPU time of this thread: other load on a shared machine does not inflate it. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int count_sample(void *arg, const prom_sample *s)
{
    (void)s;
    (*(size_t *)arg)++;
    return 0;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, by_value);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One pass; returns seconds, or -1. */
static double parse_once(const char *text, size_t len, int fold, size_t *samples, size_t *figures)
{
    char err[200];
    fig_table raw, ready;
    fig_init(&raw);
    fig_init(&ready);
    mv_fold f = {.raw = &raw};
    *samples = 0;
    double t0 = cpu_now();
    int rc = fold ? prom_parse(text, len, mv_fold_sample, &f, err, sizeof err)
                  : prom_parse(text, len, count_sample, samples, err, sizeof err);
    if (rc == 0 && fold)
        rc = mv_derive(&raw, NULL, 0, &ready); /* quantiles over the whole scrape */
    double dt = cpu_now() - t0;
    *figures = ready.n;
    fig_free(&raw);
    fig_free(&ready);
    if (rc != 0) {
        fprintf(stderr, "vmon-bench promparse: %s\n", err);
        return -1;
    }
    return dt;
}

/* promtool's own CPU time (user + system), process start included. */
static double promtool_once(const char *path)
{
    pid_t pid = fork();
    if (pid == 0) {
        FILE *in = freopen(path, "r", stdin);
        FILE *out = freopen("/dev/null", "w", stdout);
        FILE *lint = freopen("/dev/null", "w", stderr); /* its lint findings, per metric */
        (void)in;
        (void)out;
        (void)lint;
        execlp("promtool", "promtool", "check", "metrics", (char *)NULL);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
        WEXITSTATUS(status) == 127)
        return -1;
    /* promtool exits 1 on lint findings: still a full parse */
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int bench_promparse(int argc, char **argv)
{
    const char *path = argc > 2 ? argv[2] : NULL;
    int runs = 21;
    for (int i = 3; i + 1 < argc; i += 2)
        if (strcmp(argv[i], "--runs") == 0)
            runs = atoi(argv[i + 1]);
    size_t len = 0;
    char *text = path ? slurp(path, &len) : NULL;
    if (!text || runs < 1 || runs > 1000) {
        fprintf(stderr, "usage: vmon-bench promparse FILE [--runs 1..1000]\n");
        free(text);
        return 2;
    }
    double *parse = calloc((size_t)runs, sizeof *parse), *fold = calloc((size_t)runs, sizeof *fold);
    double *tool = calloc((size_t)runs, sizeof *tool);
    size_t samples = 0, figures = 0;
    int have_tool = 1, failed = !parse || !fold || !tool;
    for (int r = 0; r < runs && !failed; r++) { /* interleaved: all three see the same machine */
        size_t ignored;
        fold[r] = parse_once(text, len, 1, &ignored, &figures);
        parse[r] = parse_once(text, len, 0, &samples, &ignored);
        tool[r] = have_tool ? promtool_once(path) : -1;
        failed = parse[r] < 0 || fold[r] < 0;
        have_tool = tool[r] >= 0;
    }
    if (failed) {
        free(parse);
        free(fold);
        free(tool);
        free(text);
        return 1;
    }
    size_t n_samples = samples;
    unsigned long a0 = bench_allocations();
    parse_once(text, len, 0, &samples, &figures);
    unsigned long allocs_parse = bench_allocations() - a0;
    a0 = bench_allocations();
    parse_once(text, len, 1, &samples, &figures);
    unsigned long allocs_fold = bench_allocations() - a0;
    printf("promparse: %s, %zu bytes, %zu samples, %d runs (medians)\n", path, len, n_samples,
           runs);
    double mp = median(parse, runs), mf = median(fold, runs);
    printf("  parse only             %8.2f ms  %6.0f MB/s  %lu allocations\n", mp * 1e3,
           (double)len / mp / 1e6, allocs_parse);
    printf("  parse + fold + derive  %8.2f ms  %6.0f MB/s  %lu allocations, %zu figures\n",
           mf * 1e3, (double)len / mf / 1e6, allocs_fold, figures);
    if (have_tool) {
        double mt = median(tool, runs);
        printf("  promtool check metrics %8.2f ms  CPU (process start included)\n", mt * 1e3);
        printf("  ratio promtool / parse %8.1fx, promtool / parse+fold %.1fx\n", mt / mp, mt / mf);
    } else
        printf("  promtool: not found (package prometheus)\n");
    free(parse);
    free(fold);
    free(tool);
    free(text);
    return 0;
}
