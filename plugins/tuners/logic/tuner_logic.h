/*
 * Decision logic shared by the `ivf` and `hnsw` tuner plugins. Pure: the
 * answer depends on the configuration and the vmon_tuning_input alone.
 */
#ifndef VMON_TUNER_LOGIC_H
#define VMON_TUNER_LOGIC_H

#include <stddef.h>

#include <vmon/plugin.h>
#include <vmon/tuner.h>

/** Which search parameter a tuner turns. */
typedef enum tuner_knob {
    TUNER_KNOB_NPROBE = 0, /**< IVF: lists probed, 1..nlist */
    TUNER_KNOB_EF = 1,     /**< HNSW: search breadth, >= top_k */
} tuner_knob;

/** The `mode =` option. Order is the option's enum order. */
typedef enum tuner_mode {
    TUNER_MODE_RECALL_AWARE = 0,
    TUNER_MODE_CLASSIC = 1,
} tuner_mode;

/** One tuner instance's settings (its options, and the knob its plugin turns). */
typedef struct tuner_config {
    tuner_knob knob;
    tuner_mode mode;
    double headroom;         /**< p95 under headroom * target leaves room to move up */
    double stale_rows;       /**< a trial whose row count differs by more is stale (fraction) */
    double recall_tolerance; /**< recall gains smaller than this are not worth the cost */
    unsigned max_measured;   /**< configurations measured per search, at most */
} tuner_config;

/** The defaults of the option table, for callers without a daemon (tests, bench). */
tuner_config tuner_config_default(tuner_knob knob);

/** Decide for `in` as vmon_tuner_ops.decide does; `out` zeroed by the caller. */
int tuner_decide(const tuner_config *cfg, const vmon_tuning_input *in, vmon_tuning_output *out,
                 char *err, size_t errlen);

/** The option table both plugins declare. */
extern const vmon_option tuner_options[];

/** create/destroy of both plugins: read the options into a tuner_config. */
int tuner_plugin_create(tuner_knob knob, const vmon_host *host, vmon_instance *inst, void **ctx,
                        char *err, size_t errlen);
void tuner_plugin_destroy(void *ctx);

#endif
