/*
 * Typed option values: parsing (durations, sizes, percentages, enums, lists)
 * and validation of one INI section against the option tables that apply to
 * it (the core's table for the section kind merged with the plugin's).
 */
#ifndef VMON_CORE_OPTIONS_H
#define VMON_CORE_OPTIONS_H

#include <stdint.h>
#include <vmon/options.h>

#include "config.h"

typedef struct vmon_value {
    const vmon_option *opt;
    int set;       /* given in the section or by a default */
    int from_user; /* given in the section */
    char *text;    /* as written (after ${ENV}); for PATH the resolved path */
    int64_t i;     /* INT, DURATION (ms), SIZE (bytes), BOOL, ENUM index */
    double d;      /* DOUBLE, PERCENT (fraction); also set for INT/DURATION/SIZE */
    char **items;  /* LIST */
    uint32_t n_items;
} vmon_value;

typedef struct vmon_values {
    vmon_value *v;
    size_t n;
} vmon_values;

/**
 * Parse one value of type `opt->type` from `text` into `out`. On error
 * returns -1 and writes what was expected into `why`.
 */
int vmon_value_parse(const vmon_option *opt, const char *text, const char *dir, vmon_value *out,
                     char *why, size_t whylen);

/**
 * Validate section `s` against the NULL-key-terminated tables in `tables`
 * (n_tables of them; a key is looked up in each in order) and fill `out`.
 * Every problem goes to `errs` with file:line. Returns 0 when clean.
 */
int vmon_values_from_section(const vmon_cfg_section *s, const vmon_option *const *tables,
                             size_t n_tables, vmon_values *out, vmon_errors *errs);

/**
 * Do `a` and `b` hold one exclusive resource (values flagged VMON_OPT_EXCLUSIVE, of one
 * type, equal after ${ENV} and path resolution)? Returns b's value, and a's in *in_a
 * (may be NULL); NULL when they share none.
 */
const vmon_value *vmon_values_shared_exclusive(const vmon_values *a, const vmon_values *b,
                                               const vmon_value **in_a);

/** Free what a parsed value owns. */
void vmon_value_clear(vmon_value *v);
const vmon_value *vmon_values_get(const vmon_values *vals, const char *key);
void vmon_values_free(vmon_values *vals);

/** Human name of an option type (`duration`, `size`, ...). */
const char *vmon_opt_type_name(uint32_t type);
/** Format a number the way --describe and --print show it. */
void vmon_value_format_range(const vmon_option *opt, char *buf, size_t len);

#endif
