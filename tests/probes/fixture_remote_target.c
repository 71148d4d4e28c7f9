/*
 * Test fixture: target `remote`, a database reached over HTTP with a
 * timeout, standing in for a remote target (the milvus target's shape:
 * health on GET /healthz, the collection list from the server) so the probes'
 * behaviour when a server stops answering can be tested with any HTTP server.
 * Up: /healthz answers 200 and the server holds no collections. Every other
 * operation is VMON_ENOTSUP.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmon/plugin.h>

#include "http_client.h"

typedef struct remote {
    pthread_mutex_t lock; /* one HTTP client, many probe threads */
    vmon_http_client *http;
    char base[512];
} remote;

static const vmon_option options[] = {
    {.key = "url", .type = VMON_OPT_STRING, .flags = VMON_OPT_REQUIRED, .help = "http://host:port"},
    {.key = "timeout",
     .type = VMON_OPT_DURATION,
     .default_value = "300ms",
     .help = "connect and request timeout"},
    {0}};

static int remote_create(const vmon_host *host, vmon_instance *inst, void **ctx, char *err,
                         size_t errlen)
{
    remote *r = calloc(1, sizeof *r);
    if (!r)
        return VMON_ENOMEM;
    int64_t t = host->cfg_int(inst, "timeout");
    vmon_http_client_cfg cfg = {.connect_timeout_ms = t, .timeout_ms = t};
    r->http = vmon_http_client_new(&cfg, err, errlen);
    if (!r->http) {
        free(r);
        return VMON_ERROR;
    }
    snprintf(r->base, sizeof r->base, "%s", host->cfg_string(inst, "url"));
    pthread_mutex_init(&r->lock, NULL);
    *ctx = r;
    return VMON_OK;
}

static void remote_destroy(void *ctx)
{
    remote *r = ctx;
    vmon_http_client_free(r->http);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

static int get(remote *r, const char *path, char *err, size_t errlen)
{
    char url[640];
    snprintf(url, sizeof url, "%s%s", r->base, path);
    vmon_http_request req = {.method = "GET", .url = url};
    vmon_http_response resp;
    pthread_mutex_lock(&r->lock);
    int rc = vmon_http_client_send(r->http, &req, &resp);
    long status = resp.status;
    if (rc < 0)
        snprintf(err, errlen, "GET %s: %s", path, resp.error);
    pthread_mutex_unlock(&r->lock);
    if (rc < 0)
        return VMON_RETRY;
    if (status != 200) {
        snprintf(err, errlen, "GET %s: HTTP %ld", path, status);
        return VMON_RETRY;
    }
    return VMON_OK;
}

static int remote_health(void *ctx, char *err, size_t errlen)
{
    return get(ctx, "/healthz", err, errlen);
}

static int remote_list(void *ctx, vmon_name_fn fn, void *arg, char *err, size_t errlen)
{
    (void)fn;
    (void)arg;
    return get(ctx, "/collections", err, errlen);
}

static int remote_report(void *ctx, const char *component, vmon_emit_fn emit, void *arg, char *err,
                         size_t errlen)
{
    (void)ctx, (void)component, (void)emit, (void)arg, (void)err, (void)errlen;
    return VMON_ENOTSUP;
}

static int no_stats(void *ctx, const char *c, vmon_collection_stats *out, char *err, size_t len)
{
    (void)ctx, (void)c, (void)out, (void)err, (void)len;
    return VMON_ENOTSUP;
}

static int no_segments(void *ctx, const char *c, vmon_segment_fn fn, void *arg, char *err,
                       size_t len)
{
    (void)ctx, (void)c, (void)fn, (void)arg, (void)err, (void)len;
    return VMON_ENOTSUP;
}

static int no_index(void *ctx, const char *c, vmon_index_state *out, char *err, size_t len)
{
    (void)ctx, (void)c, (void)out, (void)err, (void)len;
    return VMON_ENOTSUP;
}

static int no_search(void *ctx, const char *c, const vmon_search_request *q, int64_t *ids, float *d,
                     char *err, size_t len)
{
    (void)ctx, (void)c, (void)q, (void)ids, (void)d, (void)err, (void)len;
    return VMON_ENOTSUP;
}

static int no_insert(void *ctx, const char *c, const float *v, uint64_t n, uint32_t dim,
                     const int64_t *ids, int64_t *out, char *err, size_t len)
{
    (void)ctx, (void)c, (void)v, (void)n, (void)dim, (void)ids, (void)out, (void)err, (void)len;
    return VMON_ENOTSUP;
}

static int no_delete(void *ctx, const char *c, const int64_t *ids, uint64_t n, uint64_t *nd,
                     char *err, size_t len)
{
    (void)ctx, (void)c, (void)ids, (void)n, (void)nd, (void)err, (void)len;
    return VMON_ENOTSUP;
}

static int no_coll(void *ctx, const char *c, char *err, size_t len)
{
    (void)ctx, (void)c, (void)err, (void)len;
    return VMON_ENOTSUP;
}

static int no_create(void *ctx, const vmon_collection_spec *s, char *err, size_t len)
{
    (void)ctx, (void)s, (void)err, (void)len;
    return VMON_ENOTSUP;
}

static const vmon_target_ops ops = {.struct_size = sizeof(vmon_target_ops),
                                    .kind = VMON_KIND_TARGET,
                                    .health = remote_health,
                                    .report = remote_report,
                                    .list_collections = remote_list,
                                    .collection_stats = no_stats,
                                    .segments = no_segments,
                                    .index_state = no_index,
                                    .search = no_search,
                                    .insert = no_insert,
                                    .delete_rows = no_delete,
                                    .flush = no_coll,
                                    .create_collection = no_create,
                                    .drop_collection = no_coll};

VMON_PLUGIN_DEFINE(.kind = VMON_KIND_TARGET, .name = "remote", .version = "test",
                   .description = "test fixture: a target behind an HTTP server, with a timeout",
                   .options = options, .create = remote_create, .destroy = remote_destroy,
                   .ops = &ops);
