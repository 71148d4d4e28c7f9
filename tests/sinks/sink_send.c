/*
 * vmon_sink_send: deliver alerts through one sink plugin, loaded as vmond
 * loads it, and report each outcome. Drives the shell tests against real
 * receivers and the sink benchmarks.
 *
 *   vmon_sink_send PLUGIN_DIR PLUGIN [-n N] [-b BATCH] [-r RULE] [-m MSG]
 *                  [-s firing|resolved] [-v info|warning|critical]
 *                  [-l NAME=VALUE]... [-k KEYPREFIX] [-P MS] [-R] [-q] [KEY=VALUE]...
 *
 * -P pauses MS milliseconds between calls (a test restarts the receiver
 * meanwhile).
 * -R retries each call until it succeeds (at most 100 tries, honouring
 * retry_after up to 50 ms: a benchmark of the sink, not of backoff).
 */
#include "standalone.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_LABELS 16

typedef struct opts {
    int n, batch, retry, quiet, pause_ms;
    const char *rule, *msg, *key_prefix;
    uint32_t state, severity;
    vmon_label labels[MAX_LABELS];
    uint32_t n_labels;
} opts;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_args(int argc, char **argv, opts *o)
{
    *o = (opts){.n = 1,
                .batch = 1,
                .rule = "vmon_test",
                .msg = "test alert from vmon",
                .key_prefix = "send",
                .severity = VMON_SEV_WARNING};
    o->labels[o->n_labels++] = (vmon_label){"alertname", NULL};
    o->labels[o->n_labels++] = (vmon_label){"instance", "vmon-test"};
    int c;
    while ((c = getopt(argc, argv, "n:b:r:m:s:v:l:k:P:Rq")) != -1) {
        switch (c) {
        case 'n':
            o->n = atoi(optarg);
            break;
        case 'b':
            o->batch = atoi(optarg) > 0 ? atoi(optarg) : 1;
            break;
        case 'r':
            o->rule = optarg;
            break;
        case 'm':
            o->msg = optarg;
            break;
        case 'k':
            o->key_prefix = optarg;
            break;
        case 's':
            o->state = strcmp(optarg, "resolved") == 0;
            break;
        case 'v':
            o->severity = strcmp(optarg, "critical") == 0 ? VMON_SEV_CRITICAL
                          : strcmp(optarg, "info") == 0   ? VMON_SEV_INFO
                                                          : VMON_SEV_WARNING;
            break;
        case 'l': {
            char *eq = strchr(optarg, '=');
            if (!eq || o->n_labels == MAX_LABELS)
                return -1;
            *eq = '\0';
            o->labels[o->n_labels++] = (vmon_label){optarg, eq + 1};
            break;
        }
        case 'P':
            o->pause_ms = atoi(optarg);
            break;
        case 'R':
            o->retry = 1;
            break;
        case 'q':
            o->quiet = 1;
            break;
        default:
            return -1;
        }
    }
    o->labels[0].value = o->rule;
    return 0;
}

static vmon_alert make_alert(const opts *o, int i, char *key, size_t keylen, int64_t start)
{
    snprintf(key, keylen, "%s-%d-%s", o->key_prefix, i, o->state ? "resolved" : "firing");
    return (vmon_alert){
        .struct_size = sizeof(vmon_alert),
        .severity = o->severity,
        .state = o->state,
        .n_labels = o->n_labels,
        .rule = o->rule,
        .component = "vmon",
        .labels = o->labels,
        .message = o->msg,
        .fingerprint = "0123456789abcdef",
        .idempotency_key = key,
        .value = 97,
        .threshold = 90,
        .starts_at_ms = start,
        .ends_at_ms = o->state ? now_ms() : 0,
    };
}

typedef struct tally {
    long ok, retry, error, calls;
} tally;

static int deliver_once(const vmon_sink_ops *ops, void *ctx, const vmon_alert *a, uint32_t n,
                        const opts *o, tally *t)
{
    for (int tries = 0;; tries++) {
        vmon_delivery_result res = {.struct_size = sizeof res};
        int rc = ops->deliver(ctx, a, n, &res);
        t->calls++;
        if (!o->quiet || rc == VMON_ERROR)
            printf("%s retry_after_ms=%lld disable=%u detail=%s\n",
                   rc == VMON_OK      ? "OK"
                   : rc == VMON_RETRY ? "RETRY"
                                      : "ERROR",
                   (long long)res.retry_after_ms, res.disable, res.detail);
        if (rc == VMON_OK)
            t->ok += n;
        else if (rc == VMON_RETRY)
            t->retry++;
        else
            t->error += n;
        if (rc != VMON_RETRY || !o->retry || tries >= 100)
            return rc;
        int64_t wait = res.retry_after_ms < 50 ? res.retry_after_ms : 50;
        if (wait > 0)
            usleep((useconds_t)wait * 1000);
    }
}

int main(int argc, char **argv)
{
    opts o;
    if (argc < 3 || parse_args(argc - 2, argv + 2, &o) != 0) {
        fprintf(stderr, "usage: %s PLUGIN_DIR PLUGIN [options] [key=value]...\n", argv[0]);
        return 2;
    }
    const char *pairs[64];
    size_t np = 0;
    for (int i = 2 + optind; i < argc && np < 62; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq)
            return 2;
        *eq = '\0';
        pairs[np++] = argv[i];
        pairs[np++] = eq + 1;
    }
    pairs[np] = NULL;
    char err[1024] = "";
    vmon_standalone *s = NULL;
    if (vmon_standalone_open(argv[1], "sink", argv[2], "send", pairs, NULL, NULL, &s, err,
                             sizeof err) != 0) {
        fprintf(stderr, "open: %s\n", err);
        return 2;
    }
    const vmon_sink_ops *ops = vmon_standalone_descriptor(s)->ops;
    uint32_t max = ops->max_batch > 1 ? ops->max_batch : 1;
    uint32_t batch = (uint32_t)o.batch < max ? (uint32_t)o.batch : max;
    vmon_alert *alerts = calloc(batch, sizeof *alerts);
    char(*keys)[64] = calloc(batch, sizeof *keys);
    tally t = {0};
    int64_t start = now_ms() - 60000;
    double t0 = mono_s();
    for (int i = 0; i < o.n;) {
        uint32_t k = 0;
        for (; k < batch && i < o.n; k++, i++)
            alerts[k] = make_alert(&o, i, keys[k], sizeof keys[k], start);
        deliver_once(ops, vmon_standalone_ctx(s), alerts, k, &o, &t);
        if (o.pause_ms > 0 && i < o.n)
            usleep((useconds_t)o.pause_ms * 1000);
    }
    double secs = mono_s() - t0;
    fprintf(stderr, "alerts=%d ok=%ld errors=%ld retries=%ld calls=%ld seconds=%.3f rate=%.0f/s\n",
            o.n, t.ok, t.error, t.retry, t.calls, secs, secs > 0 ? o.n / secs : 0.0);
    free(alerts);
    free(keys);
    vmon_standalone_close(s);
    return t.ok == o.n ? 0 : 1;
}
