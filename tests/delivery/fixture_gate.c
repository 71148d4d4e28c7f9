/*
 * Test fixture: sink `gate` is a receiver that is slow and then answers as told.
 * Each deliver call sleeps `delay`, then answers `answer` (ok, retry, fail or
 * gone, the last as HTTP 410 would: a permanent failure that disables the sink).
 * Delivered alerts are appended to `path` (their rule and idempotency key);
 * `entered`, when set, is created as a call starts (the test knows a call is
 * in flight); `destroyed` is created by destroy, so a test can see that an
 * abandoned delivery thread has finished with its instance. With `raise_late`,
 * each call raises a plugin alert through the host once its delay is over (as
 * a sink that reports its own trouble would, possibly long after a reload
 * abandoned it). `lock` names a resource only one instance holds at a time
 * (flagged exclusive): a changed gate with the same lock is replaced on reload
 * only once the old one is gone. With `refuse`, create fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vmon/plugin.h>

typedef struct gate {
    char path[1024], entered[1024], destroyed[1024], answer[16];
    int64_t delay_ms;
    int raise_late;
    const vmon_host *host;
    vmon_instance *inst;
} gate;

static const vmon_option options[] = {
    {.key = "path", .type = VMON_OPT_PATH, .help = "delivered alerts go here, one per line"},
    {.key = "delay",
     .type = VMON_OPT_DURATION,
     .default_value = "0ms",
     .help = "each call blocks this long"},
    {.key = "answer",
     .type = VMON_OPT_STRING,
     .default_value = "ok",
     .help = "ok, retry, fail or gone"},
    {.key = "entered", .type = VMON_OPT_PATH, .help = "created as each call starts"},
    {.key = "destroyed", .type = VMON_OPT_PATH, .help = "created when the instance is destroyed"},
    {.key = "lock",
     .type = VMON_OPT_STRING,
     .flags = VMON_OPT_EXCLUSIVE,
     .help = "a resource only one gate may hold (as a listening port)"},
    {.key = "refuse",
     .type = VMON_OPT_BOOL,
     .default_value = "no",
     .help = "create fails (a replacement that cannot start)"},
    {.key = "raise_late",
     .type = VMON_OPT_BOOL,
     .default_value = "no",
     .help = "each call raises an alert through the host after its delay"},
    {0}};

static void copy_option(const vmon_host *host, vmon_instance *inst, const char *key, char *out,
                        size_t len)
{
    const char *v = host->cfg_string(inst, key);
    snprintf(out, len, "%s", v ? v : "");
}

static int gate_create(const vmon_host *host, vmon_instance *inst, void **ctx, char *err,
                       size_t errlen)
{
    if (host->cfg_bool(inst, "refuse")) {
        snprintf(err, errlen, "gate told to refuse");
        return VMON_ERROR;
    }
    gate *g = calloc(1, sizeof *g);
    copy_option(host, inst, "path", g->path, sizeof g->path);
    copy_option(host, inst, "entered", g->entered, sizeof g->entered);
    copy_option(host, inst, "destroyed", g->destroyed, sizeof g->destroyed);
    copy_option(host, inst, "answer", g->answer, sizeof g->answer);
    g->delay_ms = host->cfg_int(inst, "delay");
    g->raise_late = host->cfg_bool(inst, "raise_late");
    g->host = host;
    g->inst = inst;
    *ctx = g;
    return VMON_OK;
}

static void touch(const char *path)
{
    FILE *f = path[0] ? fopen(path, "a") : NULL;
    if (f)
        fclose(f);
}

static void gate_destroy(void *ctx)
{
    gate *g = ctx;
    touch(g->destroyed);
    free(g);
}

static void record(const gate *g, const vmon_alert *a, uint32_t n)
{
    FILE *f = g->path[0] ? fopen(g->path, "a") : NULL;
    for (uint32_t i = 0; f && i < n; i++)
        fprintf(f, "alert %s key=%s\n", a[i].rule, a[i].idempotency_key);
    if (f)
        fclose(f);
}

static int gate_deliver(void *ctx, const vmon_alert *a, uint32_t n, vmon_delivery_result *res)
{
    gate *g = ctx;
    touch(g->entered);
    struct timespec ts = {g->delay_ms / 1000, (g->delay_ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
    if (g->raise_late) {
        vmon_alert_spec spec = {.struct_size = sizeof spec,
                                .severity = VMON_SEV_WARNING,
                                .name = "gate_late",
                                .message = "raised after the delay"};
        g->host->raise_alert(g->inst, &spec);
    }
    if (strcmp(g->answer, "retry") == 0) {
        snprintf(res->detail, sizeof res->detail, "gate says retry");
        return VMON_RETRY;
    }
    if (strcmp(g->answer, "fail") == 0 || strcmp(g->answer, "gone") == 0) {
        res->disable = strcmp(g->answer, "gone") == 0;
        snprintf(res->detail, sizeof res->detail, "gate says %s", g->answer);
        return VMON_ERROR;
    }
    record(g, a, n);
    return VMON_OK;
}

static const vmon_sink_ops ops = {
    .struct_size = sizeof(vmon_sink_ops),
    .kind = VMON_KIND_SINK,
    .max_batch = 16,
    .deliver = gate_deliver,
};

VMON_PLUGIN_DEFINE(.kind = VMON_KIND_SINK, .name = "gate", .version = "test",
                   .description = "test fixture: a slow receiver that answers as told",
                   .options = options, .create = gate_create, .destroy = gate_destroy, .ops = &ops);
