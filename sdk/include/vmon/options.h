/*
 * Declarative option tables. A plugin lists its keys; the core parses and
 * validates the INI section against the table (types, ranges, enums, required
 * keys, unknown keys) and hands the plugin typed values through vmon_host.
 * The same table drives `vmond --describe PLUGIN`.
 */
#ifndef VMON_OPTIONS_H
#define VMON_OPTIONS_H

#include <vmon/abi.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Value types. Defaults are written as strings and parsed like user values. */
typedef enum vmon_opt_type {
    VMON_OPT_STRING = 1,   /**< any text */
    VMON_OPT_INT = 2,      /**< signed 64-bit integer */
    VMON_OPT_DOUBLE = 3,   /**< floating point number */
    VMON_OPT_BOOL = 4,     /**< true/false, yes/no, on/off, 1/0 */
    VMON_OPT_DURATION = 5, /**< `250ms`, `5s`, `2m`, `1h`, `1d`; a bare number is seconds */
    VMON_OPT_SIZE = 6,     /**< `512`, `64k`, `16M`, `2G` (powers of 1024; `kB`/`KiB` alike) */
    VMON_OPT_PERCENT = 7,  /**< `10%` or `0.1`; read as a fraction in [0, 1] */
    VMON_OPT_ENUM = 8,     /**< one of `enum_values`; read as the index */
    VMON_OPT_LIST = 9,     /**< comma-separated words, whitespace trimmed */
    VMON_OPT_PATH = 10,    /**< a file path; relative paths resolve against the config's folder */
} vmon_opt_type;

/** Option flags. */
#define VMON_OPT_REQUIRED 0x1u /**< the key must be present (no default) */
#define VMON_OPT_SECRET   0x2u /**< masked in `--print` output and in logs */
#define VMON_OPT_RANGE    0x4u /**< `min`/`max` apply (numbers, durations in ms, sizes) */
/**
 * The value names a resource one instance holds exclusively (a data folder, a
 * listening port): on reload an instance whose such value is taken over by a
 * changed instance is stopped before the new one starts.
 */
#define VMON_OPT_EXCLUSIVE 0x8u

/** One option. Tables end with an entry whose key is NULL. */
typedef struct vmon_option {
    const char *key;                /**< `[a-z][a-z0-9_.]*` */
    uint32_t type;                  /**< a vmon_opt_type */
    uint32_t flags;                 /**< VMON_OPT_* flags */
    const char *default_value;      /**< NULL: no default (unset unless REQUIRED) */
    double min;                     /**< with VMON_OPT_RANGE: lowest allowed value */
    double max;                     /**< with VMON_OPT_RANGE: highest allowed value */
    const char *const *enum_values; /**< VMON_OPT_ENUM: NULL-terminated list */
    const char *help;               /**< one line for --describe */
} vmon_option;

#ifdef __cplusplus
}
#endif
#endif
