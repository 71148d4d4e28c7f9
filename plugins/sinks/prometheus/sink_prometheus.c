/*
 * sink `prometheus`: serves GET /metrics (text exposition 0.0.4) on the
 * shared HTTP server: every sample its pipelines hand it, vmond's own
 * `vmon.*` figures, its firing alerts as vmon_alerts_firing, the tuning
 * loop's state from its events (vmon_tuning_*) and its own counts
 * (prom_store.h says how; docs/sinks.md has the options).
 *
 * The store is built and read under one lock, so a scrape sees whole
 * readings only. A reload whose [sink:] section did not change carries the
 * instance over with its server and store, so a scrape during a SIGHUP
 * neither fails nor sees half a reload.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmon/plugin.h>

#include "http_server.h"
#include "prom_store.h"

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef struct prom_sink {
    const vmon_host *host;
    vmon_instance *inst;
    prom_store *store;
    vmon_http_server *server;
} prom_sink;

static const vmon_option options[] = {
    {.key = "listen",
     .type = VMON_OPT_STRING,
     .default_value = "127.0.0.1",
     .help = "address to serve /metrics on (IPv4 or IPv6 literal; 0.0.0.0 for every interface)"},
    {.key = "port",
     .type = VMON_OPT_INT,
     .flags = VMON_OPT_RANGE,
     .default_value = "9464",
     .min = 0,
     .max = 65535,
     .help = "TCP port of /metrics; 0 picks a free port and logs it"},
    {.key = "max_series",
     .type = VMON_OPT_INT,
     .flags = VMON_OPT_RANGE,
     .default_value = "10000",
     .min = 1,
     .max = 10000000,
     .help = "most sample series exported; samples of new series past it are dropped, "
             "counted and logged once per family"},
    {.key = "stale_after",
     .type = VMON_OPT_DURATION,
     .flags = VMON_OPT_RANGE,
     .default_value = "2m",
     .min = 1000,
     .max = 86400000,
     .help = "a series goes after two of its source's intervals; this long while the "
             "interval is unknown (before the source's second reading)"},
    {0}};

static int64_t now_ms(const prom_sink *s)
{
    return s->host->monotonic_ns() / 1000000;
}

static void store_log(void *arg, const char *message)
{
    prom_sink *s = arg;
    s->host->log(s->inst, VMON_LOG_WARNING, "%s", message);
}

static void serve(void *arg, const vmon_http_incoming *in, vmon_http_reply *out)
{
    prom_sink *s = arg;
    if (strcmp(in->path, "/metrics") != 0) {
        vmon_http_reply_status(out, 404);
        vmon_http_reply_body(out, NULL, "not found: try /metrics\n", 24);
        return;
    }
    if (strcmp(in->method, "GET") != 0 && strcmp(in->method, "HEAD") != 0) {
        vmon_http_reply_status(out, 405);
        vmon_http_reply_header(out, "Allow", "GET, HEAD");
        return;
    }
    size_t len = 0;
    char *text = prom_store_render(s->store, now_ms(s), &len);
    if (!text || vmon_http_reply_body(out, PROM_CONTENT_TYPE, text, len) < 0) {
        vmon_http_reply_status(out, 503);
        vmon_http_reply_body(out, NULL, "out of memory\n", 14);
    }
    free(text);
}

static void prom_destroy(void *ctx)
{
    prom_sink *s = ctx;
    if (!s)
        return;
    vmon_http_server_stop(s->server); /* waits for running scrapes */
    prom_store_free(s->store);
    free(s);
}

static int prom_create(const vmon_host *host, vmon_instance *inst, void **ctx, char *err,
                       size_t errlen)
{
    prom_sink *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return VMON_ENOMEM;
    }
    s->host = host;
    s->inst = inst;
    prom_store_cfg cfg = {.max_series = (uint32_t)host->cfg_int(inst, "max_series"),
                          .stale_after_ms = host->cfg_int(inst, "stale_after"),
                          .log = store_log,
                          .log_arg = s};
    s->store = prom_store_new(&cfg);
    if (!s->store) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return VMON_ENOMEM;
    }
    const char *listen = host->cfg_string(inst, "listen");
    int64_t port = host->cfg_int(inst, "port");
    vmon_http_server_cfg sc = {
        .bind_address = listen, .port = (uint16_t)port, .handler = serve, .arg = s};
    s->server = vmon_http_server_start(&sc, err, errlen);
    if (!s->server) {
        prom_store_free(s->store);
        free(s);
        return VMON_ERROR;
    }
    unsigned got = vmon_http_server_port(s->server);
    int v6 = strchr(listen, ':') != NULL;
    host->log(inst, VMON_LOG_INFO, "serving Prometheus metrics on http://%s%s%s:%u/metrics%s",
              v6 ? "[" : "", listen, v6 ? "]" : "", got, port ? "" : " (port 0: a free port)");
    *ctx = s;
    return VMON_OK;
}

static int prom_deliver(void *ctx, const vmon_alert *alerts, uint32_t n,
                        vmon_delivery_result *result)
{
    (void)result;
    prom_sink *s = ctx;
    for (uint32_t i = 0; i < n; i++)
        prom_store_alert(s->store, &alerts[i]);
    return VMON_OK;
}

static int prom_samples(void *ctx, const char *source, const vmon_sample *samples, uint32_t n)
{
    prom_sink *s = ctx;
    prom_store_update(s->store, source, samples, n, now_ms(s));
    return VMON_OK;
}

static int prom_events(void *ctx, const vmon_event *events, uint32_t n,
                       vmon_delivery_result *result)
{
    (void)result;
    prom_sink *s = ctx;
    for (uint32_t i = 0; i < n; i++)
        prom_store_event(s->store, &events[i], now_ms(s));
    return VMON_OK;
}

static const vmon_sink_ops ops = {
    .struct_size = sizeof(vmon_sink_ops),
    .kind = VMON_KIND_SINK,
    .max_batch = 256,
    .deliver = prom_deliver,
    .on_samples = prom_samples,
    .on_events = prom_events,
};

VMON_PLUGIN_DEFINE(.kind = VMON_KIND_SINK, .name = "prometheus", .version = "0.2.0",
                   .description = "serves samples, vmond's figures, firing alerts and the "
                                  "tuning loop's state on GET /metrics (Prometheus text "
                                  "format 0.0.4)",
                   .options = options, .create = prom_create, .destroy = prom_destroy, .ops = &ops);
