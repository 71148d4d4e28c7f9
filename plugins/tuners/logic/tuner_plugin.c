/*
 * What the `ivf` and `hnsw` plugins share: the option table, create/destroy,
 * and the dispatch to a mode. The plugins differ only in the knob they turn
 * and the index types they accept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classic.h"
#include "knob.h"
#include "recall_aware.h"

static const char *const MODES[] = {"recall_aware", "classic", NULL};

const vmon_option tuner_options[] = {
    {.key = "mode",
     .type = VMON_OPT_ENUM,
     .default_value = "recall_aware",
     .enum_values = MODES,
     .help = "recall_aware: best recall within the p95 target, never below the floor; classic: "
             "the fixed rules of the original optimizer"},
    {.key = "headroom",
     .type = VMON_OPT_PERCENT,
     .flags = VMON_OPT_RANGE,
     .default_value = "70%",
     .min = 0.05,
     .max = 1,
     .help = "recall_aware: a live p95 under this share of the target (and well under the "
             "measured one) starts a new search upward"},
    {.key = "stale_rows",
     .type = VMON_OPT_PERCENT,
     .flags = VMON_OPT_RANGE,
     .default_value = "20%",
     .min = 0.01,
     .max = 1,
     .help = "recall_aware: measurements taken when the row count differed by more are stale"},
    {.key = "recall_tolerance",
     .type = VMON_OPT_DOUBLE,
     .flags = VMON_OPT_RANGE,
     .default_value = "0.002",
     .min = 0,
     .max = 0.1,
     .help = "recall_aware: a recall gain this small is not worth more latency"},
    {.key = "max_measured",
     .type = VMON_OPT_INT,
     .flags = VMON_OPT_RANGE,
     .default_value = "8",
     .min = 2,
     .max = 32,
     .help = "recall_aware: configurations measured per search, at most"},
    {0}};

tuner_config tuner_config_default(tuner_knob knob)
{
    tuner_config c = {.knob = knob,
                      .mode = TUNER_MODE_RECALL_AWARE,
                      .headroom = 0.7,
                      .stale_rows = 0.2,
                      .recall_tolerance = 0.002,
                      .max_measured = 8};
    return c;
}

int tuner_plugin_create(tuner_knob knob, const vmon_host *host, vmon_instance *inst, void **ctx,
                        char *err, size_t errlen)
{
    tuner_config *c = malloc(sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return VMON_ENOMEM;
    }
    *c = tuner_config_default(knob);
    c->mode = (tuner_mode)host->cfg_int(inst, "mode");
    c->headroom = host->cfg_double(inst, "headroom");
    c->stale_rows = host->cfg_double(inst, "stale_rows");
    c->recall_tolerance = host->cfg_double(inst, "recall_tolerance");
    c->max_measured = (unsigned)host->cfg_int(inst, "max_measured");
    *ctx = c;
    return VMON_OK;
}

void tuner_plugin_destroy(void *ctx)
{
    free(ctx);
}

static int index_matches(tuner_knob knob, const char *type)
{
    if (knob == TUNER_KNOB_NPROBE)
        return strncmp(type, "IVF", 3) == 0;
    return strcmp(type, "HNSW") == 0;
}

int tuner_decide(const tuner_config *cfg, const vmon_tuning_input *in, vmon_tuning_output *out,
                 char *err, size_t errlen)
{
    if (!in->facts) {
        snprintf(err, errlen, "collection '%s': no index facts; the tuner needs the index type",
                 in->collection ? in->collection : "(default)");
        return VMON_EINVAL;
    }
    if (!index_matches(cfg->knob, in->facts->index_type)) {
        snprintf(err, errlen,
                 "collection '%s' has index type '%.*s'; this tuner tunes %s (use plugin = %s)",
                 in->collection ? in->collection : "(default)", VMON_INDEX_TYPE_LEN,
                 in->facts->index_type, cfg->knob == TUNER_KNOB_NPROBE ? "IVF_*" : "HNSW",
                 cfg->knob == TUNER_KNOB_NPROBE ? "hnsw for HNSW" : "ivf for IVF_*");
        return VMON_EINVAL;
    }
    knob_range r;
    if (knob_range_of(cfg->knob, in, &r, err, errlen) != 0)
        return VMON_EINVAL;
    if (cfg->knob == TUNER_KNOB_NPROBE)
        out->nlist = advised_nlist(in->facts->row_count);
    if (cfg->mode == TUNER_MODE_CLASSIC)
        return classic_decide(cfg, in, &r, out);
    return recall_aware_decide(cfg, in, &r, out);
}
