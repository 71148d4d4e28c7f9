/* The kind table and what differs between kinds. The only place that branches on a kind. */
#include "kinds.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <vmon/plugin.h>

#include "schema.h"
#include "strutil.h"

/* Layouts from ABI 0.3 on: the core's struct, of which a plugin may fill a prefix. */
static int copy_prefix(const void *raw, uint32_t raw_size, size_t core_size, void *out)
{
    if (raw_size > core_size)
        return -1;
    memcpy(out, raw, raw_size);
    return 0;
}

#define PREFIX_COPIER(fn, type)                                                                    \
    static int fn(const void *raw, uint32_t raw_size, uint16_t minor, void *out)                   \
    {                                                                                              \
        (void)minor;                                                                               \
        return copy_prefix(raw, raw_size, sizeof(type), out);                                      \
    }
PREFIX_COPIER(copy_target_ops, vmon_target_ops)
PREFIX_COPIER(copy_probe_ops, vmon_probe_ops)

/*
 * The tuner and router operations of ABI 0.1-0.3 were provisional and have no
 * counterpart in 0.4: copy nothing, so missing_*_op names what to rebuild.
 */
#define REDESIGNED_IN_04_COPIER(fn, type)                                                          \
    static int fn(const void *raw, uint32_t raw_size, uint16_t minor, void *out)                   \
    {                                                                                              \
        return minor < 4 ? 0 : copy_prefix(raw, raw_size, sizeof(type), out);                      \
    }
REDESIGNED_IN_04_COPIER(copy_tuner_ops, vmon_tuner_ops)
REDESIGNED_IN_04_COPIER(copy_router_ops, vmon_router_ops)

/* The sink ops of ABI 0.1/0.2: max_batch sat in the word that is now the kind. */
typedef struct sink_ops_v02 {
    uint32_t struct_size;
    uint32_t max_batch;
    int (*deliver)(void *ctx, const vmon_alert *alerts, uint32_t n, vmon_delivery_result *result);
    int (*on_samples)(void *ctx, const char *source, const vmon_sample *samples, uint32_t n);
} sink_ops_v02;

static int copy_sink_ops(const void *raw, uint32_t raw_size, uint16_t minor, void *out)
{
    if (minor >= 3)
        return copy_prefix(raw, raw_size, sizeof(vmon_sink_ops), out);
    if (raw_size > sizeof(sink_ops_v02))
        return -1;
    sink_ops_v02 old = {0};
    memcpy(&old, raw, raw_size);
    vmon_sink_ops *ops = out;
    ops->struct_size = (uint32_t)sizeof *ops;
    ops->kind = VMON_KIND_SINK;
    ops->deliver = old.deliver;
    ops->on_samples = old.on_samples;
    ops->max_batch = old.max_batch;
    return 0;
}

/* The database operations a target built for ABI 0.2 or later must have. */
static const char *missing_target_op(const void *ops, uint16_t minor)
{
    const vmon_target_ops *o = ops;
    if (!o->health)
        return "health";
    if (!o->report)
        return "report";
    if (minor < 2)
        return NULL;
    const struct {
        const char *name;
        int present;
    } ops02[] = {{"list_collections", o->list_collections != NULL},
                 {"collection_stats", o->collection_stats != NULL},
                 {"segments", o->segments != NULL},
                 {"index_state", o->index_state != NULL},
                 {"search", o->search != NULL},
                 {"insert", o->insert != NULL},
                 {"delete_rows", o->delete_rows != NULL},
                 {"flush", o->flush != NULL},
                 {"create_collection", o->create_collection != NULL},
                 {"drop_collection", o->drop_collection != NULL}};
    for (size_t i = 0; i < sizeof ops02 / sizeof ops02[0]; i++)
        if (!ops02[i].present)
            return ops02[i].name;
    return NULL;
}

static const char *missing_probe_op(const void *ops, uint16_t minor)
{
    (void)minor;
    return ((const vmon_probe_ops *)ops)->collect ? NULL : "collect";
}

static const char *missing_tuner_op(const void *ops, uint16_t minor)
{
    if (minor < 4)
        return "decide (ABI 0.4 replaced the provisional initial/adjust: rebuild against the "
               "current SDK)";
    return ((const vmon_tuner_ops *)ops)->decide ? NULL : "decide";
}

static const char *missing_router_op(const void *ops, uint16_t minor)
{
    if (minor < 4)
        return "set_weights (ABI 0.4 replaced the provisional set_share: rebuild against the "
               "current SDK)";
    const vmon_router_ops *o = ops;
    return !o->pick ? "pick" : !o->set_weights ? "set_weights" : NULL;
}

static const char *missing_sink_op(const void *ops, uint16_t minor)
{
    (void)minor;
    return ((const vmon_sink_ops *)ops)->deliver ? NULL : "deliver";
}

/* In vmon_kind order: row i is kind i + 1. */
static const vmon_kind_info kinds[] = {
    {VMON_KIND_TARGET, "target",
     "created first; its operations are called by the probes and tuners that name it",
     sizeof(vmon_target_ops), copy_target_ops, missing_target_op, vmon_schema_target, "embedded"},
    {VMON_KIND_PROBE, "probe", "collect runs on the instance's own thread once per interval",
     sizeof(vmon_probe_ops), copy_probe_ops, missing_probe_op, vmon_schema_probe, "system"},
    {VMON_KIND_TUNER, "tuner", "called from the tuning thread of its pipeline",
     sizeof(vmon_tuner_ops), copy_tuner_ops, missing_tuner_op, vmon_schema_tuner, "..."},
    {VMON_KIND_ROUTER, "router", "pick is called from traffic threads, set_weights from tuning",
     sizeof(vmon_router_ops), copy_router_ops, missing_router_op, vmon_schema_router, "..."},
    {VMON_KIND_SINK, "sink", "deliver runs on the instance's own delivery thread",
     sizeof(vmon_sink_ops), copy_sink_ops, missing_sink_op, vmon_schema_sink, "stdout"},
};
#define N_KINDS (sizeof kinds / sizeof kinds[0])

size_t vmon_kind_count(void)
{
    return N_KINDS;
}

const vmon_kind_info *vmon_kind_at(size_t i)
{
    return i < N_KINDS ? &kinds[i] : NULL;
}

const vmon_kind_info *vmon_kind_info_of(uint32_t kind)
{
    return kind >= 1 && kind <= N_KINDS ? &kinds[kind - 1] : NULL;
}

const char *vmon_kind_name(uint32_t kind)
{
    const vmon_kind_info *k = vmon_kind_info_of(kind);
    return k ? k->name : NULL;
}

uint32_t vmon_kind_from_name(const char *name)
{
    for (size_t i = 0; i < N_KINDS; i++)
        if (strcmp(kinds[i].name, name) == 0)
            return kinds[i].kind;
    return 0;
}

static char names_joined[128];
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

static void join_names(void)
{
    size_t used = 0;
    for (size_t i = 0; i < N_KINDS && used < sizeof names_joined; i++)
        used += (size_t)snprintf(names_joined + used, sizeof names_joined - used, "%s%s",
                                 i ? ", " : "", kinds[i].name);
}

const char *vmon_kind_names_joined(void)
{
    pthread_once(&names_once, join_names);
    return names_joined;
}

/* Per kind and plugin minor, the core keys that minor knew: built once, kept for the process. */
static vmon_option *by_minor[N_KINDS][VMON_ABI_MINOR + 1];
static pthread_once_t by_minor_once = PTHREAD_ONCE_INIT;

vmon_option *vmon_core_keys_known_at(const vmon_option *core, uint16_t minor)
{
    size_t n = 0;
    for (const vmon_option *o = core; o->key; o++)
        n++;
    vmon_option *out = vmon_calloc(n + 1, sizeof *out);
    size_t used = 0;
    for (const vmon_option *o = core; o->key; o++)
        if (vmon_core_key_since(o) <= minor)
            out[used++] = *o;
    return out;
}

static void build_by_minor(void)
{
    for (size_t k = 0; k < N_KINDS; k++)
        for (uint16_t m = 0; m <= VMON_ABI_MINOR; m++)
            by_minor[k][m] = vmon_core_keys_known_at(kinds[k].core_options, m < 1 ? 1 : m);
}

const vmon_option *vmon_kind_core_options(uint32_t kind, uint16_t minor)
{
    const vmon_kind_info *k = vmon_kind_info_of(kind);
    if (!k)
        return NULL;
    pthread_once(&by_minor_once, build_by_minor);
    return by_minor[kind - 1][minor > VMON_ABI_MINOR ? VMON_ABI_MINOR : minor];
}
