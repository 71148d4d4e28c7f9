/*
 * The descriptor of target_embedded: its lifecycle (options.c has its options). The
 * engine itself is C++ behind emb_api.h; this file is C for the designated
 * initializers of VMON_PLUGIN_DEFINE.
 */
#include <stdlib.h>

#include <vmon/plugin.h>

#include "emb_api.h"

typedef struct host_log {
    const vmon_host *host;
    vmon_instance *inst;
} host_log;

static void log_to_host(void *arg, int level, const char *msg)
{
    host_log *h = arg;
    h->host->log(h->inst, level, "%s", msg);
}

static int emb_create(const vmon_host *host, vmon_instance *inst, void **ctx, char *err,
                      size_t errlen)
{
    host_log *log = malloc(sizeof *log);
    if (!log)
        return VMON_ENOMEM;
    log->host = host;
    log->inst = inst;
    emb_config cfg;
    emb_config_read(host, inst, &cfg);
    cfg.log = log_to_host;
    cfg.log_arg = log;
    cfg.log_free = free; /* the engine owns `log` from here, even on failure */
    return emb_engine_create(&cfg, ctx, err, errlen);
}

VMON_PLUGIN_DEFINE(.kind = VMON_KIND_TARGET, .name = "embedded", .version = "0.1.0",
                   .description = "in-process FAISS vector engine shaped like a small Milvus",
                   .options = emb_options, .create = emb_create, .start = emb_engine_start,
                   .stop = emb_engine_stop, .destroy = emb_engine_destroy, .ops = &emb_target_ops);
