/*
 * milvus-report: report() of target_milvus through the real loader, printed
 * as `name{label="value",...} value` lines, for shell tests (the cluster
 * test reads figures back through Prometheus with it) and the scale bench.
 * Usage: milvus-report [--repeat N] [--every-ms MS] [--quiet] PLUGIN_DIR COMPONENTS KEY=VALUE...
 * COMPONENTS: `all` (one report of everything) or a comma list
 * (`proxy,querynode,datanode,indexnode`: one report each, as four probes of
 * one interval make). With --repeat it does that N times, MS apart, and
 * prints to stderr the wall time per round, the CPU time and the peak RSS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "standalone.h"

static int quiet;
static size_t n_samples;

static int print_sample(void *arg, const vmon_sample *s)
{
    (void)arg;
    n_samples++;
    if (quiet)
        return 0;
    printf("%s{", s->name);
    for (uint32_t i = 0; i < s->n_labels; i++)
        printf("%s%s=\"%s\"", i ? "," : "", s->labels[i].name, s->labels[i].value);
    printf("} %.17g\n", s->value);
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_usage_figures(int repeat, double wall, double started)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    fprintf(stderr,
            "milvus-report: %d rounds, %.1f ms each (mean wall), %zu samples each, "
            "CPU %.2f s over %.1f s, peak RSS %ld kB\n",
            repeat, wall / repeat * 1e3, n_samples / (size_t)repeat, cpu, now_s() - started,
            ru.ru_maxrss);
}

int main(int argc, char **argv)
{
    int repeat = 1, every_ms = 0, a = 1;
    double started = now_s();
    for (; a < argc && strncmp(argv[a], "--", 2) == 0; a++) {
        if (strcmp(argv[a], "--quiet") == 0)
            quiet = 1;
        else if (strcmp(argv[a], "--repeat") == 0 && a + 1 < argc)
            repeat = atoi(argv[++a]);
        else if (strcmp(argv[a], "--every-ms") == 0 && a + 1 < argc)
            every_ms = atoi(argv[++a]);
    }
    if (argc - a < 2 || repeat < 1 || every_ms < 0) {
        fprintf(stderr, "usage: milvus-report [--repeat N] [--every-ms MS] [--quiet] PLUGIN_DIR "
                        "COMPONENTS KEY=VALUE...\n");
        return 2;
    }
    const char **pairs = calloc((size_t)argc * 2, sizeof *pairs);
    size_t n = 0;
    for (int i = a + 2; pairs && i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "milvus-report: '%s' is not KEY=VALUE\n", argv[i]);
            return 2;
        }
        *eq = '\0';
        pairs[n++] = argv[i];
        pairs[n++] = eq + 1;
    }
    char err[2048];
    vmon_standalone *s = NULL;
    if (!pairs || vmon_standalone_open(argv[a], "target", "milvus", "report", pairs, NULL, NULL, &s,
                                       err, sizeof err) != 0) {
        fprintf(stderr, "milvus-report: %s\n", pairs ? err : "out of memory");
        return 1;
    }
    const vmon_target_ops *ops = vmon_standalone_ops(s);
    const char *components = argv[a + 1];
    int rc = 0;
    double wall = 0;
    for (int r = 0; r < repeat && rc == 0; r++) {
        double t0 = now_s();
        char list[256];
        snprintf(list, sizeof list, "%s", components);
        char *save = NULL;
        for (char *c = strtok_r(list, ",", &save); c && rc == 0; c = strtok_r(NULL, ",", &save))
            rc = ops->report(vmon_standalone_ctx(s), strcmp(c, "all") == 0 ? NULL : c, print_sample,
                             NULL, err, sizeof err);
        wall += now_s() - t0;
        if (r + 1 < repeat && every_ms) {
            struct timespec ts = {every_ms / 1000, (long)(every_ms % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    if (rc != 0)
        fprintf(stderr, "milvus-report: %s\n", err);
    else if (repeat > 1)
        print_usage_figures(repeat, wall, started);
    vmon_standalone_close(s);
    free(pairs);
    return rc == 0 ? 0 : 1;
}
