/*
 * probe `indexnode`: the collections' indexes, read from their own state.
 * It never drops or rebuilds an index to time it (the seed does, on the
 * user's collection): durations and rows/s are the target's figures of the
 * last finished build.
 *  - index type, metric and parameters, build state, progress, pending rows,
 *    last build duration and rows/s (the target's report);
 *  - while a build runs: the seconds since the probe first saw it pending or
 *    building, and an ETA from the progress rate between readings.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component.h"
#include "series.h"

typedef struct indexnode_probe {
    component_probe c;
    series_table rates;
    series_table started; /* per collection: when a build was first seen, 0 when none runs */
} indexnode_probe;

static const vmon_option options[] = {COMPONENT_COMMON_OPTIONS, {0}};

static int indexnode_create(const vmon_host *host, vmon_instance *inst, void **ctx, char *err,
                            size_t errlen)
{
    indexnode_probe *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return VMON_ENOMEM;
    }
    int rc = component_init(&p->c, host, inst, err, errlen);
    if (rc != VMON_OK) {
        free(p);
        return rc;
    }
    *ctx = p;
    return VMON_OK;
}

static void indexnode_destroy(void *ctx)
{
    indexnode_probe *p = ctx;
    component_free(&p->c);
    series_free(&p->rates);
    series_free(&p->started);
    free(p);
}

/* Seconds since the build was first seen; 0 (and the clock reset) once none runs. */
static double elapsed(indexnode_probe *p, const char *coll, int building, double now)
{
    double start = series_add(&p->started, coll, 0);
    if (!building) {
        series_add(&p->started, coll, -start);
        return 0;
    }
    if (start == 0)
        start = series_add(&p->started, coll, now);
    return now - start;
}

static int one_collection(component_probe *c, const char *coll, void *arg, char *err, size_t errlen)
{
    (void)arg;
    indexnode_probe *p = (indexnode_probe *)c;
    vmon_index_state st = {.struct_size = sizeof st};
    int rc = c->target.ops->index_state(c->target.ctx, coll, &st, err, errlen);
    if (rc != VMON_OK)
        return rc;
    int building = st.state == VMON_INDEX_PENDING || st.state == VMON_INDEX_BUILDING;
    double now = component_now_s(c);
    component_emit_coll(c, "indexnode.build_elapsed_seconds", elapsed(p, coll, building, now),
                        coll);
    double rate = series_rate(&p->rates, coll, (double)st.indexed_rows, now);
    if (building && rate > 0)
        component_emit_coll(c, "indexnode.build_eta_seconds", (double)st.pending_rows / rate, coll);
    return VMON_OK;
}

static int indexnode_collect(void *ctx, char *err, size_t errlen)
{
    indexnode_probe *p = ctx;
    err[0] = 0;
    component_begin(&p->c);
    int rc = component_forward(&p->c, "indexnode", NULL, NULL, err, errlen);
    if (rc == VMON_OK)
        rc = component_each_collection(&p->c, one_collection, NULL, err, errlen);
    return rc;
}

static const vmon_probe_ops ops = {
    .struct_size = sizeof(vmon_probe_ops),
    .kind = VMON_KIND_PROBE,
    .collect = indexnode_collect,
};

VMON_PLUGIN_DEFINE(.kind = VMON_KIND_PROBE, .name = "indexnode", .version = "0.1.0",
                   .description = "index type, parameters, build state, progress, rows/s, "
                                  "pending rows, build time and ETA (any target)",
                   .options = options, .create = indexnode_create, .destroy = indexnode_destroy,
                   .ops = &ops);
