/*
 * tuner `ivf`: chooses nprobe for IVF_* collections (logic in ../logic).
 */
#include "tuner_logic.h"

static int ivf_create(const vmon_host *host, vmon_instance *inst, void **ctx, char *err,
                      size_t errlen)
{
    return tuner_plugin_create(TUNER_KNOB_NPROBE, host, inst, ctx, err, errlen);
}

static int ivf_decide(void *ctx, const vmon_tuning_input *in, vmon_tuning_output *out, char *err,
                      size_t errlen)
{
    return tuner_decide(ctx, in, out, err, errlen);
}

static const vmon_tuner_ops ops = {
    .struct_size = sizeof(vmon_tuner_ops),
    .kind = VMON_KIND_TUNER,
    .decide = ivf_decide,
};

VMON_PLUGIN_DEFINE(.kind = VMON_KIND_TUNER, .name = "ivf", .version = "0.4.0",
                   .description = "nprobe for IVF indexes: recall-aware search or the classic "
                                  "rules",
                   .options = tuner_options, .create = ivf_create, .destroy = tuner_plugin_destroy,
                   .ops = &ops);
