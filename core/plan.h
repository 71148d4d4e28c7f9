/*
 * A validated configuration: every section checked against its option
 * tables, plugins loaded and checked, references between sections resolved.
 * Nothing runs yet; runtime.c brings a plan to life. `vmond -t` stops here.
 */
#ifndef VMON_CORE_PLAN_H
#define VMON_CORE_PLAN_H

#include <stdio.h>
#include <vmon/plugin.h>

#include "config.h"
#include "loader.h"
#include "options.h"

typedef struct vmon_plan_instance {
    uint32_t kind;
    char *name;    /* the section id: `sys` of [probe:sys] */
    char *section; /* `probe:sys` */
    const vmon_plugin *plugin;
    vmon_values values; /* core keys and plugin keys together */
    int target;         /* index of the target instance, -1 if none */
} vmon_plan_instance;

typedef struct vmon_kv {
    char *name;
    char *value;
} vmon_kv;

typedef struct vmon_plan_rule {
    char *name;
    char *metric;
    vmon_kv *match;
    size_t n_match;
    int has_above, has_below;
    double above, below, hysteresis;
    int severity;
    int64_t for_count;
    int64_t repeat_ms, absent_ms;
    char *message;       /* NULL: the default text */
    int inhibits_target; /* while firing, the target's other alerts are held (runtime_inhibit.c) */
    vmon_kv *labels, *annotations;
    size_t n_labels, n_annotations;
} vmon_plan_rule;

/* A [traffic:NAME] section, read into the driver's settings (traffic.h). */
typedef struct vmon_plan_traffic {
    char *name;
    char *collection, *queries, *request_ids; /* NULL when not set */
    double rate, max_qps, insert_rate;
    int64_t workers, count, duration_ms, top_k, query_pool, seed;
} vmon_plan_traffic;

typedef struct vmon_plan_pipeline {
    char *name;
    int target;  /* instance index or -1 */
    int traffic; /* index in plan->traffic or -1 */
    int *probes, *rules, *sinks;
    size_t n_probes, n_rules, n_sinks;
    int tuner, router;
    struct vmon_tuning_settings *tuning; /* with a tuner: the loop's settings; else NULL */
} vmon_plan_pipeline;

typedef struct vmon_plan {
    char *config_path;
    char *plugin_dir;
    int log_level;
    int log_format; /* VMON_LOG_TEXT or VMON_LOG_JSON (log.h) */
    int64_t threads;
    int64_t self_interval_ms;
    int64_t shutdown_timeout_ms;
    vmon_values daemon;
    vmon_plan_instance *instances;
    size_t n_instances;
    vmon_plan_rule *rules;
    size_t n_rules;
    vmon_plan_pipeline *pipelines;
    size_t n_pipelines;
    vmon_plan_traffic *traffic;
    size_t n_traffic;
    /* `probe:m` of sections whose plugin could not be had (already reported):
     * references to them are not reported again as missing. */
    char **unusable;
    size_t n_unusable;
} vmon_plan;

/**
 * Build a plan from a parsed config. `plugin_dir` (may be NULL) overrides
 * the [daemon] plugin_dir and the default. Returns 0, or -1 with every
 * error in `errs`.
 */
int vmon_plan_build(const vmon_cfg *cfg, const char *config_path, const char *plugin_dir,
                    vmon_plan *plan, vmon_errors *errs);
/** Read, parse and validate a config file in one go. */
int vmon_plan_load(const char *path, const char *plugin_dir, vmon_plan *plan, vmon_errors *errs);
/** Read a [traffic:NAME] section into plan->traffic (plan_traffic.c). */
void vmon_plan_add_traffic(vmon_plan *plan, const vmon_cfg_section *s, vmon_errors *errs);
/** Index of [traffic:NAME], or -1. */
int vmon_plan_find_traffic(const vmon_plan *plan, const char *name);
void vmon_plan_print_traffic(const vmon_plan_traffic *t, FILE *out);
void vmon_plan_free_traffic(vmon_plan *plan);

/** The effective configuration with defaults, secrets masked. */
void vmon_plan_print(const vmon_plan *plan, FILE *out);
void vmon_plan_free(vmon_plan *plan);

#endif
