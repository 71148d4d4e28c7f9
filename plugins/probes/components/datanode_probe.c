/*
 * probe `datanode`: what is stored and how fast it gets there.
 *  - rows, data size, last flush duration and sealed segments, as the
 *    target reports them per collection;
 *  - insert throughput, only with `insert_test = on` (it writes): the probe
 *    creates a scratch collection of its own, inserts `insert_rows` rows,
 *    flushes, times both and drops the collection again. The user's
 *    collections are never written to.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component.h"
#include "search_util.h"

typedef struct datanode_probe {
    component_probe c;
    int insert_test;
    uint32_t insert_rows, insert_dim;
    uint64_t reading;
    char scratch[96];
} datanode_probe;

static const vmon_option options[] = {
    COMPONENT_COMMON_OPTIONS,
    {.key = "insert_test",
     .type = VMON_OPT_BOOL,
     .default_value = "false",
     .help = "measure insert throughput into a scratch collection the probe creates and drops "
             "(writes to the database; off by default)"},
    {.key = "insert_rows",
     .type = VMON_OPT_INT,
     .flags = VMON_OPT_RANGE,
     .default_value = "1000",
     .min = 1,
     .max = 1000000,
     .help = "rows inserted per throughput measurement (the seed's batch of 1000)"},
    {.key = "insert_dim",
     .type = VMON_OPT_INT,
     .flags = VMON_OPT_RANGE,
     .default_value = "128",
     .min = 1,
     .max = 32768,
     .help = "vector dimension of the scratch collection"},
    {0}};

static int datanode_create(const vmon_host *host, vmon_instance *inst, void **ctx, char *err,
                           size_t errlen)
{
    datanode_probe *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return VMON_ENOMEM;
    }
    int rc = component_init(&p->c, host, inst, err, errlen);
    if (rc != VMON_OK) {
        free(p);
        return rc;
    }
    p->insert_test = host->cfg_bool(inst, "insert_test");
    p->insert_rows = (uint32_t)host->cfg_int(inst, "insert_rows");
    p->insert_dim = (uint32_t)host->cfg_int(inst, "insert_dim");
    /* Collection names allow [A-Za-z0-9_]; a section name may hold other characters. */
    snprintf(p->scratch, sizeof p->scratch, COMPONENT_SCRATCH_PREFIX "%s",
             host->instance_name(inst));
    for (char *q = p->scratch; *q; q++)
        if (!(*q == '_' || (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
              (*q >= '0' && *q <= '9')))
            *q = '_';
    *ctx = p;
    return VMON_OK;
}

static void datanode_destroy(void *ctx)
{
    datanode_probe *p = ctx;
    component_free(&p->c);
    free(p);
}

static int insert_and_flush(datanode_probe *p, const float *rows, double *insert_s, double *flush_s,
                            char *err, size_t errlen)
{
    const vmon_target_handle *t = &p->c.target;
    double t0 = component_now_s(&p->c);
    int rc = t->ops->insert(t->ctx, p->scratch, rows, p->insert_rows, p->insert_dim, NULL, NULL,
                            err, errlen);
    double t1 = component_now_s(&p->c);
    if (rc == VMON_OK)
        rc = t->ops->flush(t->ctx, p->scratch, err, errlen);
    *insert_s = t1 - t0;
    *flush_s = component_now_s(&p->c) - t1;
    return rc;
}

static int insert_throughput(datanode_probe *p, char *err, size_t errlen)
{
    const vmon_target_handle *t = &p->c.target;
    char ignored[256];
    /* A scratch collection left over by a crash is ours to drop. */
    t->ops->drop_collection(t->ctx, p->scratch, ignored, sizeof ignored);
    vmon_collection_spec spec = {.struct_size = sizeof spec,
                                 .dim = p->insert_dim,
                                 .metric = VMON_METRIC_L2,
                                 .name = p->scratch,
                                 .index_type = "FLAT"};
    int rc = t->ops->create_collection(t->ctx, &spec, err, errlen);
    if (rc != VMON_OK)
        return rc;
    float *rows = NULL;
    double insert_s = 0, flush_s = 0;
    uint64_t seed = ++p->reading;
    rows = malloc((size_t)p->insert_rows * p->insert_dim * sizeof *rows);
    if (!rows) {
        snprintf(err, errlen, "out of memory for %u scratch rows", p->insert_rows);
        rc = VMON_ENOMEM;
    } else {
        search_random_vectors(rows, (size_t)p->insert_rows * p->insert_dim, seed);
        rc = insert_and_flush(p, rows, &insert_s, &flush_s, err, errlen);
    }
    free(rows);
    int drop = t->ops->drop_collection(t->ctx, p->scratch, ignored, sizeof ignored);
    if (drop != VMON_OK)
        p->c.host->log(p->c.inst, VMON_LOG_WARNING, "could not drop scratch collection '%s': %s",
                       p->scratch, ignored);
    if (rc != VMON_OK)
        return rc;
    double total = insert_s + flush_s;
    component_emit(&p->c, "datanode.insert_throughput_rows_per_second",
                   total > 0 ? p->insert_rows / total : NAN, NULL, 0);
    component_emit(&p->c, "datanode.scratch_flush_duration_ms", flush_s * 1000.0, NULL, 0);
    return VMON_OK;
}

static int datanode_collect(void *ctx, char *err, size_t errlen)
{
    datanode_probe *p = ctx;
    err[0] = 0;
    component_begin(&p->c);
    int rc = component_forward(&p->c, "datanode", NULL, NULL, err, errlen);
    if (rc == VMON_OK && p->insert_test)
        rc = insert_throughput(p, err, errlen);
    return rc;
}

static const vmon_probe_ops ops = {
    .struct_size = sizeof(vmon_probe_ops),
    .kind = VMON_KIND_PROBE,
    .collect = datanode_collect,
};

VMON_PLUGIN_DEFINE(.kind = VMON_KIND_PROBE, .name = "datanode", .version = "0.1.0",
                   .description = "rows, data size, flushes, sealed segments; opt-in insert "
                                  "throughput into a scratch collection (any target)",
                   .options = options, .create = datanode_create, .destroy = datanode_destroy,
                   .ops = &ops);
