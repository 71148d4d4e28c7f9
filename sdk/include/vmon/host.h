/*
 * The host table: everything the core offers a plugin instance.
 *
 * The core passes it to create(); it stays valid for the life of the
 * instance. The table is append-only and every slot is filled. Unless noted,
 * each call is thread-safe and may be made from any thread the plugin runs on.
 */
#ifndef VMON_HOST_H
#define VMON_HOST_H

#include <vmon/alert.h>
#include <vmon/target.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A probe's or tuner's view of its target: the target's operations and context. */
typedef struct vmon_target_handle {
    uint32_t struct_size;
    uint32_t reserved;
    const char *name;           /**< the target section's name */
    const vmon_target_ops *ops; /**< never NULL when the call succeeds */
    void *ctx;                  /**< pass as the first argument of every op */
} vmon_target_handle;

typedef struct vmon_host {
    uint32_t struct_size; /**< sizeof(vmon_host) of the core */
    uint16_t abi_major;   /**< the core's VMON_ABI_MAJOR */
    uint16_t abi_minor;   /**< the core's VMON_ABI_MINOR */

    /** Log a line prefixed with the instance (`[probe:sys] ...`). Never log secrets. */
    void (*log)(vmon_instance *inst, int level, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 3, 4)))
#endif
        ;

    /** Wall clock: Unix time in milliseconds. */
    int64_t (*now_ms)(void);
    /** Monotonic clock in nanoseconds, for measuring durations. */
    int64_t (*monotonic_ns)(void);

    /**
     * Emit one sample into the instance's pipelines. The core copies it,
     * reading `sample->struct_size` bytes (fields it does not know are
     * ignored). Returns VMON_EINVAL for a malformed name or label, or a
     * struct_size smaller than the ABI 0.1 vmon_sample.
     */
    int (*emit)(vmon_instance *inst, const vmon_sample *sample);

    /**
     * Raise (or keep firing) a plugin-made alert; deduplicated by name + labels.
     * `spec->struct_size` is honoured as for emit.
     */
    int (*raise_alert)(vmon_instance *inst, const vmon_alert_spec *spec);
    /** Resolve the alert raised with the same name + labels (no-op if not firing). */
    int (*resolve_alert)(vmon_instance *inst, const vmon_alert_spec *spec);

    /*
     * Typed configuration values, already validated against the option table.
     * Keys unset without a default give the zero value: NULL, 0, 0.0. A key
     * in neither the plugin's table nor the core keys of its kind is a bug
     * in the plugin: the core logs it (once per key) and gives the zero
     * value; a debug build of vmond (no NDEBUG) aborts. For ENUM the index into enum_values; for
     * PERCENT a fraction; for DURATION milliseconds; for SIZE bytes; for PATH an absolute path.
     * Strings live as long as the instance.
     */
    const char *(*cfg_string)(vmon_instance *inst, const char *key);
    int64_t (*cfg_int)(vmon_instance *inst, const char *key);
    double (*cfg_double)(vmon_instance *inst, const char *key);
    int (*cfg_bool)(vmon_instance *inst, const char *key);
    /** Is the key set in the section (or by a default)? */
    int (*cfg_isset)(vmon_instance *inst, const char *key);
    /** LIST values: the number of items; `*items` points at them. */
    uint32_t (*cfg_list)(vmon_instance *inst, const char *key, const char *const **items);

    /** The instance's section name (`sys` for `[probe:sys]`). */
    const char *(*instance_name)(vmon_instance *inst);

    /**
     * The target named by the instance's `target =` key. VMON_ENOTSUP when the
     * instance has none. The handle is valid for the life of the instance.
     * Set `out->struct_size = sizeof *out` first: the core fills at most that
     * many bytes and writes back how many it filled (VMON_EINVAL when it is
     * smaller than the ABI 0.1 handle).
     */
    int (*target)(vmon_instance *inst, vmon_target_handle *out);

    /**
     * The daemon's thread budget (`[daemon] threads`): how many CPU-bound
     * threads all plugins together should use (FAISS, BLAS, build pools).
     */
    uint32_t (*thread_budget)(void);
} vmon_host;

#ifdef __cplusplus
}
#endif
#endif
