/*
 * vmon_delivery_bench: N alerts through the core's real delivery thread
 * (retry, backoff, batching, spool) and the webhook sink into the
 * in-process receiver, which fails a share of requests with 503. Reports
 * wall time, the core's counters and what the receiver got, and fails
 * unless every alert arrived (counted by distinct idempotency key).
 *
 *   vmon_delivery_bench PLUGIN_DIR N FAIL_PERCENT [KEY=VALUE]...
 *
 * KEY=VALUE go into the [sink:bench] section: batch_max, batch_linger,
 * retry_base, retry_cap, spool, format, ...
 */
#include "hook_receiver.h"

#include "config.h"
#include "delivery.h"
#include "errors.h"
#include "instance.h"
#include "log.h"
#include "options.h"
#include "schema.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The sink section as INI text, validated exactly as vmond validates it. */
static vmon_instance *open_sink(const char *dir, int port, char **kv, int n_kv, vmon_values *vals)
{
    char *ini = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&ini, &len);
    fprintf(f, "[sink:bench]\nplugin = webhook\nurl = http://127.0.0.1:%d/bench\n", port);
    fprintf(f, "retry_limit = -1\nqueue_max = 10000000\n");
    for (int i = 0; i < n_kv; i++)
        fprintf(f, "%s\n", kv[i]);
    fclose(f);
    char err[2048] = "";
    const vmon_plugin *p = vmon_plugin_load(dir, VMON_KIND_SINK, "webhook", err, sizeof err);
    vmon_cfg cfg = {0};
    vmon_errors errs = {0};
    if (p)
        vmon_cfg_load_string(ini, "(bench)", ".", &cfg, &errs);
    free(ini);
    if (p && errs.count == 0) {
        const vmon_option *tables[2] = {vmon_schema_for_kind(VMON_KIND_SINK), p->desc.options};
        vmon_values_from_section(&cfg.sections[0], tables, 2, vals, &errs);
    }
    vmon_cfg_free(&cfg);
    if (!p || errs.count) {
        vmon_errors_join(&errs, err + strlen(err), sizeof err - strlen(err));
        fprintf(stderr, "bench: %s\n", err);
        return NULL;
    }
    vmon_instance_hooks hooks = {0};
    vmon_instance *inst = vmon_instance_new(VMON_KIND_SINK, "bench", p, vals, hooks);
    if (vmon_instance_create(inst, err, sizeof err) < 0 ||
        vmon_instance_start(inst, err, sizeof err) < 0) {
        fprintf(stderr, "bench: %s\n", err);
        return NULL;
    }
    return inst;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void collect_key(json_object *alert, char ***keys, size_t *n, size_t *cap)
{
    json_object *k;
    if (!json_object_object_get_ex(alert, "idempotencyKey", &k))
        return;
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 1024;
        *keys = realloc(*keys, *cap * sizeof **keys);
    }
    (*keys)[(*n)++] = strdup(json_object_get_string(k));
}

/* Distinct alert keys inside the bodies the receiver accepted: batches
 * carry one request key but many alerts, so loss is counted per alert. */
static size_t unique_alerts(hook_receiver *rx, size_t *accepted)
{
    char **keys = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0, total = hook_count(rx); i < total; i++) {
        hook_request q;
        if (hook_get(rx, i, &q) != 0)
            break;
        json_object *body = q.status / 100 == 2 ? json_tokener_parse(q.body) : NULL;
        if (body && json_object_is_type(body, json_type_array))
            for (size_t j = 0; j < json_object_array_length(body); j++)
                collect_key(json_object_array_get_idx(body, j), &keys, &n, &cap);
        else if (body)
            collect_key(body, &keys, &n, &cap);
        json_object_put(body);
        hook_request_free(&q);
    }
    if (n)
        qsort(keys, n, sizeof *keys, cmp_str);
    size_t uniq = 0;
    for (size_t i = 0; i < n; i++)
        uniq += i == 0 || strcmp(keys[i], keys[i - 1]) != 0;
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
    *accepted = n;
    return uniq;
}

static void push_alerts(vmon_delivery *d, int n)
{
    int64_t start = now_ms();
    for (int i = 0; i < n; i++) {
        char inst[32];
        snprintf(inst, sizeof inst, "node%d", i);
        vmon_label l[] = {{"instance", inst}};
        vmon_delivery_push_alert(d, vmon_alert_event_new("bench", "vmon", VMON_SEV_WARNING,
                                                         VMON_ALERT_FIRING, l, 1, NULL, 0,
                                                         "bench alert", 1, 0, start, 0, 0));
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s PLUGIN_DIR N FAIL_PERCENT [KEY=VALUE]...\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[2]);
    /* Every failed attempt logs a warning: thousands of lines measure the terminal. */
    vmon_log_set_level(VMON_LOGL_ERROR);
    hook_receiver *rx = hook_start();
    hook_behaviour b = {.fail_percent = atoi(argv[3]), .seed = 11};
    hook_set(rx, &b);
    vmon_values vals = {0};
    vmon_instance *inst = open_sink(argv[1], hook_port(rx), argv + 4, argc - 4, &vals);
    if (!inst)
        return 2;
    char err[512];
    vmon_delivery *d = vmon_delivery_start(inst, NULL, NULL, err, sizeof err);
    if (!d) {
        fprintf(stderr, "bench: %s\n", err);
        return 2;
    }
    double t0 = mono_s();
    push_alerts(d, n);
    int drained = vmon_delivery_drain(d, 600000);
    double secs = mono_s() - t0;
    vmon_delivery_stats st;
    vmon_delivery_stats_get(d, &st);
    if (vmon_delivery_stop(d, 5000) == 0)
        vmon_instance_destroy(inst);
    size_t ok = 0, accepted = 0, uniq = unique_alerts(rx, &accepted);
    hook_unique_ok(rx, &ok);
    size_t requests = hook_count(rx);
    printf("alerts=%d seconds=%.3f rate=%.0f/s requests=%zu ok_requests=%zu "
           "alerts_accepted=%zu unique_alerts=%zu lost=%zu delivered=%llu retries=%llu "
           "failed=%llu dropped=%llu drained=%s\n",
           n, secs, n / secs, requests, ok, accepted, uniq, (size_t)n - uniq,
           (unsigned long long)st.delivered, (unsigned long long)st.retries,
           (unsigned long long)st.failed, (unsigned long long)st.dropped,
           drained == 0 ? "yes" : "no");
    hook_stop(rx);
    vmon_values_free(&vals);
    return uniq == (size_t)n && drained == 0 ? 0 : 1;
}
