/*
 * Declarative option tables. A plugin lists its keys; the core parses and
 * validates the INI section against the table (types, ranges, enums, required
 * keys, unknown keys) and hands the plugin typed values through vmon_host.
 * The same table drives `vmond --describe PLUGIN`.
 *
 * Growing: the table is an array whose stride is the descriptor's
 * `option_size` (sizeof(vmon_option) as the plugin was built, filled by
 * VMON_PLUGIN_DEFINE). The loader copies each entry into a core-owned,
 * zero-extended array, so fields appended to vmon_option in a later minor
 * read as zero for older plugins. Plugins of ABI 0.1/0.2 (option_size 0)
 * have the 0.2 layout, which ends at `help`.
 *
 * Key namespaces: a plugin section holds the core's keys of its kind
 * (`plugin`, `interval`, `target`, the sink delivery keys ...; see
 * `vmond --describe`) and the plugin's own keys. Each core key carries the
 * ABI minor that introduced it. A plugin built for minor M may not declare a
 * core key its kind had at M: the loader refuses it. A core key introduced
 * after M does not apply to that plugin's sections at all, so a later core
 * key can never shadow a key an existing plugin already has.
 *
 * The loader also checks every entry once, at load time: the key is
 * `[a-z][a-z0-9_.]*`, the type and flags are known, an enum lists values,
 * a range has min <= max, and the default parses as a value of the type.
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
    VMON_OPT_PATH = 10,    /**< a file path, relative to the config's folder; read as absolute */
} vmon_opt_type;

/** Option flags. */
#define VMON_OPT_REQUIRED 0x1u /**< the key must be present (no default) */
#define VMON_OPT_SECRET   0x2u /**< masked in `--print` output and in logs */
#define VMON_OPT_RANGE    0x4u /**< `min`/`max` apply (numbers, durations in ms, sizes) */
/**
 * The value names a resource one instance holds exclusively (a data folder, a
 * listening port). Two sections with the same such value are a config error;
 * on reload a changed instance that wants a value an old instance holds is
 * created only after the old one is stopped and destroyed (and if it then
 * fails, the old one is created again).
 */
#define VMON_OPT_EXCLUSIVE 0x8u
/**
 * The default depends on other values (syslog's `max_message` on `format`):
 * `default_value` states the rule in words ("1024 for rfc3164, 2048 for
 * rfc5424") and is never parsed; `--describe` and `--print` show it as
 * computed. The key stays unset unless given, and the plugin computes the
 * value when cfg_isset says it was not.
 */
#define VMON_OPT_COMPUTED_DEFAULT 0x10u
/** Every flag a plugin may set; the loader refuses a table with others. */
#define VMON_OPT_KNOWN_FLAGS                                                                       \
    (VMON_OPT_REQUIRED | VMON_OPT_SECRET | VMON_OPT_RANGE | VMON_OPT_EXCLUSIVE |                   \
     VMON_OPT_COMPUTED_DEFAULT)

/**
 * One option. Tables end with an entry whose key is NULL. Fields are only
 * appended (see "Growing" above).
 */
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
