/*
 * The descriptor of target_embedded: its option table and lifecycle. The
 * engine itself is C++ behind emb_api.h; this file is C for the designated
 * initializers of VMON_PLUGIN_DEFINE.
 */
#include <stdlib.h>

#include <vmon/plugin.h>

#include "emb_api.h"

static const char *const METRICS[] = {"L2", "IP", "COSINE", NULL};
static const char *const INDEXES[] = {"FLAT", "IVF_FLAT", "IVF_SQ8", "HNSW", NULL};
static const char *const SOURCES[] = {"generated", "files", NULL};

#define R VMON_OPT_RANGE
static const vmon_option OPTIONS[] = {
    {"collection", VMON_OPT_STRING, 0, "default", 0, 0, NULL, "name of the default collection"},
    {"dim", VMON_OPT_INT, R, "128", 1, 32768, NULL, "vector dimension"},
    {"rows", VMON_OPT_INT, R, "0", 0, 1e9, NULL,
     "rows to preload (generated; with data=files: at most this many, 0 = all)"},
    {"metric", VMON_OPT_ENUM, 0, "L2", 0, 0, METRICS, "distance metric"},
    {"index", VMON_OPT_ENUM, 0, "IVF_FLAT", 0, 0, INDEXES, "index built on sealed segments"},
    {"nlist", VMON_OPT_INT, R, "0", 0, 65536, NULL, "IVF lists; 0 = 2*sqrt(rows per segment)"},
    {"m", VMON_OPT_INT, R, "16", 2, 256, NULL, "HNSW links per node"},
    {"ef_construction", VMON_OPT_INT, R, "200", 8, 4096, NULL, "HNSW build breadth"},
    {"nprobe", VMON_OPT_INT, R, "16", 1, 65536, NULL,
     "IVF lists probed when a search gives none (capped at nlist)"},
    {"ef", VMON_OPT_INT, R, "64", 1, 4096, NULL, "HNSW breadth when a search gives none"},
    {"segment_rows", VMON_OPT_INT, R, "262144", 1, 1e9, NULL,
     "the growing segment is sealed at this many rows"},
    {"index_min_rows", VMON_OPT_INT, R, "4096", 0, 1e9, NULL,
     "sealed segments with fewer rows stay brute force"},
    {"threads", VMON_OPT_INT, R, "0", 0, 1024, NULL,
     "threads for FAISS, BLAS and index builds together; 0 = the daemon's budget"},
    {"memory_limit", VMON_OPT_SIZE, 0, "0", 0, 0, NULL,
     "refuse inserts past this many bytes of vectors and indexes; 0 = no limit"},
    {"data", VMON_OPT_ENUM, 0, "generated", 0, 0, SOURCES, "where preloaded rows come from"},
    {"seed", VMON_OPT_INT, R, "42", 0, 9.2e18, NULL, "generator seed"},
    {"clusters", VMON_OPT_INT, R, "100", 1, 1e6, NULL, "generator: number of clusters"},
    {"spread", VMON_OPT_DOUBLE, R, "0.5", 0, 1e6, NULL,
     "generator: per-coordinate standard deviation around a cluster centre"},
    {"base_file", VMON_OPT_PATH, 0, NULL, 0, 0, NULL, "base vectors (.fvecs) for data=files"},
    {"query_file", VMON_OPT_PATH, 0, NULL, 0, 0, NULL,
     "query vectors (.fvecs) served by sample_queries"},
    {"data_dir", VMON_OPT_PATH, VMON_OPT_EXCLUSIVE, NULL, 0, 0, NULL,
     "save sealed segments and indexes here and reload them on start"},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};
#undef R

typedef struct host_log {
    const vmon_host *host;
    vmon_instance *inst;
} host_log;

static void log_to_host(void *arg, int level, const char *msg)
{
    host_log *h = arg;
    h->host->log(h->inst, level, "%s", msg);
}

static void read_config(const vmon_host *h, vmon_instance *in, emb_config *c)
{
    emb_config_defaults(c);
    c->collection = h->cfg_string(in, "collection");
    c->dim = (uint32_t)h->cfg_int(in, "dim");
    c->rows = (uint64_t)h->cfg_int(in, "rows");
    c->metric = (uint32_t)h->cfg_int(in, "metric");
    c->index_type = (uint32_t)h->cfg_int(in, "index");
    c->nlist = (uint32_t)h->cfg_int(in, "nlist");
    c->hnsw_m = (uint32_t)h->cfg_int(in, "m");
    c->ef_construction = (uint32_t)h->cfg_int(in, "ef_construction");
    c->nprobe = (uint32_t)h->cfg_int(in, "nprobe");
    c->ef = (uint32_t)h->cfg_int(in, "ef");
    c->segment_rows = (uint64_t)h->cfg_int(in, "segment_rows");
    c->index_min_rows = (uint64_t)h->cfg_int(in, "index_min_rows");
    c->threads = (uint32_t)h->cfg_int(in, "threads");
    if (c->threads == 0)
        c->threads = h->thread_budget();
    if (c->threads == 0)
        c->threads = 1;
    c->memory_limit = (uint64_t)h->cfg_int(in, "memory_limit");
    c->data_source = (uint32_t)h->cfg_int(in, "data");
    c->seed = (uint64_t)h->cfg_int(in, "seed");
    c->clusters = (uint32_t)h->cfg_int(in, "clusters");
    c->spread = h->cfg_double(in, "spread");
    c->base_file = h->cfg_string(in, "base_file");
    c->query_file = h->cfg_string(in, "query_file");
    c->data_dir = h->cfg_string(in, "data_dir");
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
    read_config(host, inst, &cfg);
    cfg.log = log_to_host;
    cfg.log_arg = log;
    cfg.log_free = free; /* the engine owns `log` from here, even on failure */
    return emb_engine_create(&cfg, ctx, err, errlen);
}

VMON_PLUGIN_DEFINE(.kind = VMON_KIND_TARGET, .name = "embedded", .version = "0.1.0",
                   .description = "in-process FAISS vector engine shaped like a small Milvus",
                   .options = OPTIONS, .create = emb_create, .start = emb_engine_start,
                   .stop = emb_engine_stop, .destroy = emb_engine_destroy, .ops = &emb_target_ops);
