/*
 * The embedded target's option table and the one place that turns values
 * into an emb_config: from the daemon's validated values, or (for the
 * engine's own tests) from the table's defaults.
 */
#include <stdlib.h>
#include <string.h>

#include <vmon/plugin.h>

#include "emb_api.h"

static const char *const METRICS[] = {"L2", "IP", "COSINE", NULL};
static const char *const INDEXES[] = {"FLAT", "IVF_FLAT", "IVF_SQ8", "HNSW", NULL};
static const char *const SOURCES[] = {"generated", "files", NULL};
static const char *const PROFILES[] = {"easy", "hard", NULL};

#define R VMON_OPT_RANGE
const vmon_option emb_options[] = {
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
    {"profile", VMON_OPT_ENUM, 0, "hard", 0, 0, PROFILES,
     "generator: hard (uneven overlapping clusters: recall depends on nprobe / ef) or easy"},
    {"clusters", VMON_OPT_INT, R, "0", 0, 1e6, NULL,
     "generator: number of clusters; 0 = the profile's (hard 1000, easy 100)"},
    {"spread", VMON_OPT_DOUBLE, R, "0", 0, 1e6, NULL,
     "generator: per-coordinate standard deviation around a cluster centre; 0 = the "
     "profile's (hard 1.0, easy 0.5)"},
    {"base_file", VMON_OPT_PATH, 0, NULL, 0, 0, NULL, "base vectors (.fvecs) for data=files"},
    {"query_file", VMON_OPT_PATH, 0, NULL, 0, 0, NULL,
     "query vectors (.fvecs) served by sample_queries"},
    {"data_dir", VMON_OPT_PATH, VMON_OPT_EXCLUSIVE, NULL, 0, 0, NULL,
     "save sealed segments and indexes here and reload them on start"},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};
#undef R

/* Every field from the option table's values: the table holds every default. */
void emb_config_read(const vmon_host *h, vmon_instance *in, emb_config *c)
{
    memset(c, 0, sizeof *c);
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
    c->profile = (uint32_t)h->cfg_int(in, "profile");
    emb_profile_shape(c->profile, &c->clusters, &c->spread);
    c->base_file = h->cfg_string(in, "base_file");
    c->query_file = h->cfg_string(in, "query_file");
    c->data_dir = h->cfg_string(in, "data_dir");
}

/*
 * The engine's own tests build configs without a daemon: a host whose
 * values are the table's defaults, so the defaults are written only there.
 */
static const vmon_option *find_option(const char *key)
{
    for (const vmon_option *o = emb_options; o->key; o++)
        if (strcmp(o->key, key) == 0)
            return o;
    return NULL;
}

static const char *default_string(vmon_instance *in, const char *key)
{
    (void)in;
    const vmon_option *o = find_option(key);
    return o ? o->default_value : NULL;
}

/* Defaults in the table are plain numbers or enum names (no units). */
static int64_t default_int(vmon_instance *in, const char *key)
{
    const char *text = default_string(in, key);
    const vmon_option *o = find_option(key);
    if (!text)
        return 0;
    for (int64_t i = 0; o->type == VMON_OPT_ENUM && o->enum_values[i]; i++)
        if (strcmp(o->enum_values[i], text) == 0)
            return i;
    return strtoll(text, NULL, 10);
}

static double default_double(vmon_instance *in, const char *key)
{
    const char *text = default_string(in, key);
    return text ? strtod(text, NULL) : 0.0;
}

static uint32_t no_thread_budget(void)
{
    return 0;
}

static const vmon_host defaults_host = {.struct_size = sizeof(vmon_host),
                                        .abi_major = VMON_ABI_MAJOR,
                                        .abi_minor = VMON_ABI_MINOR,
                                        .cfg_string = default_string,
                                        .cfg_int = default_int,
                                        .cfg_double = default_double,
                                        .thread_budget = no_thread_budget};

void emb_config_defaults(emb_config *c)
{
    emb_config_read(&defaults_host, NULL, c);
}
