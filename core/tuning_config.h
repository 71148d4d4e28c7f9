/*
 * The tuning loop's settings of one pipeline, read from its [pipeline:NAME]
 * keys (mode, judge, ramp, check_interval, window, thresholds, audit_log,
 * on_restart) and its [tuner:NAME] core keys (collection, latency_target,
 * recall_floor, top_k, bounds). Checked when the plan is made, so `vmond -t`
 * reports a bad ramp with its file:line.
 */
#ifndef VMON_CORE_TUNING_CONFIG_H
#define VMON_CORE_TUNING_CONFIG_H

#include <stdio.h>

#include "config.h"
#include "errors.h"
#include "experiment.h"
#include "options.h"

typedef struct vmon_tuning_settings {
    vmon_exp_config exp; /* exp.collection points at `collection` */
    char *collection;    /* NULL: the target's first */
    int judge;           /* index in vmon_judge_names: 0 sequential, 1 classic */
    int64_t check_interval_ms;
    int64_t window_ms;
    int resume;      /* on_restart: 1 resume, 0 abandon */
    int mode_auto;   /* exp.mode came from `mode = auto` */
    char *audit_log; /* NULL: events only */
} vmon_tuning_settings;

/**
 * Fill `out` from the pipeline section `s` (its values `pipeline`), the
 * tuner's section name (`tuner:t`, for errors) and values, and the target's plugin name (`auto`
 * mode: apply on `embedded`, recommend elsewhere). Problems go to `errs`; returns 0 when clean.
 * Free with vmon_tuning_settings_free either way.
 */
int vmon_tuning_settings_read(const vmon_cfg_section *s, const vmon_values *pipeline,
                              const char *tuner_section, const vmon_values *tuner,
                              const char *target_plugin, vmon_tuning_settings *out,
                              vmon_errors *errs);
void vmon_tuning_settings_free(vmon_tuning_settings *t);

/**
 * Would a loop with `a` behave as one with `b`? A reload keeps a running loop
 * (and its experiment) only when its settings are the same.
 */
int vmon_tuning_settings_same(const vmon_tuning_settings *a, const vmon_tuning_settings *b);

/** The loop's effective keys as INI lines (for `vmond -t --print`); `auto` shown resolved. */
void vmon_tuning_settings_print(const vmon_tuning_settings *t, FILE *out);

/** The ramp `items` (each `10%` or `0.1`) into cfg->ramp; -1 with `why` filled. */
int vmon_tuning_ramp_parse(char *const *items, uint32_t n, vmon_exp_config *cfg, char *why,
                           size_t whylen);

#endif
