/*
 * The plugin descriptor: the one exported symbol of every plugin.
 *
 * A plugin file is `<kind>_<name>.so` and exports the data symbol
 * `vmon_plugin` (use VMON_PLUGIN_DEFINE). Build plugins with
 * -fvisibility=hidden.
 *
 * What runs when: the core checks the file (name, not a symlink, not
 * world-writable, nor its folder) before it maps it, so a refused file runs
 * nothing. dlopen then runs the file's ELF constructors (and those of the
 * libraries it links): they run even when the plugin is refused next, so keep
 * them trivial. The descriptor is then read as data (versions, size, kind,
 * name, the ops table's size and kind, required operations, the option
 * table) before any descriptor function is called; a refused plugin never
 * has create or any other of its functions called.
 *
 * Lifecycle, all called from the core's control thread:
 *   create -> start -> (kind operations on their threads) -> stop -> destroy
 * create and start may block briefly (connect, load an index); stop must make
 * every in-flight kind operation return soon; destroy frees the context.
 * Several instances of one plugin may exist at once, each with its own ctx.
 */
#ifndef VMON_PLUGIN_H
#define VMON_PLUGIN_H

#include <vmon/abi.h>
#include <vmon/options.h>
#include <vmon/sample.h>
#include <vmon/alert.h>
#include <vmon/host.h>
#include <vmon/target.h>
#include <vmon/probe.h>
#include <vmon/tuner.h>
#include <vmon/router.h>
#include <vmon/sink.h>
#include <vmon/event.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The name of the exported descriptor symbol. */
#define VMON_PLUGIN_SYMBOL "vmon_plugin"

typedef struct vmon_plugin_descriptor {
    uint32_t struct_size; /**< sizeof(vmon_plugin_descriptor) as built */
    uint16_t abi_major;   /**< VMON_ABI_MAJOR the plugin was built against */
    uint16_t abi_minor;   /**< VMON_ABI_MINOR the plugin was built against */
    uint32_t kind;        /**< vmon_kind; must match the file name's prefix */
    /** sizeof(vmon_option) as built: the stride of `options` (ABI 0.3; 0 before) */
    uint32_t option_size;
    const char *name;           /**< must match the file name: `<kind>_<name>.so` */
    const char *version;        /**< the plugin's own version, free form */
    const char *description;    /**< one line */
    const vmon_option *options; /**< NULL-key terminated; may be NULL */

    /**
     * Required. Make an instance. Read configuration through host->cfg_*,
     * keep `host` and `inst` for later calls, and store your state in *ctx.
     * On failure return non-zero with a reason in `err` (no secrets).
     */
    int (*create)(const vmon_host *host, vmon_instance *inst, void **ctx, char *err, size_t errlen);
    /** Optional. Begin work (threads, connections) after every instance exists. */
    int (*start)(void *ctx, char *err, size_t errlen);
    /** Optional. Stop work; in-flight operations must return soon after. */
    void (*stop)(void *ctx);
    /** Required. Free the instance. No operation is in flight when it is called. */
    void (*destroy)(void *ctx);

    /** Required. The kind's operations: vmon_target_ops, vmon_probe_ops, ... */
    const void *ops;
} vmon_plugin_descriptor;

/** Defines the exported descriptor with the ABI version this header declares. */
#define VMON_PLUGIN_DEFINE(...)                                                                    \
    VMON_EXPORT const vmon_plugin_descriptor vmon_plugin = {.struct_size =                         \
                                                                sizeof(vmon_plugin_descriptor),    \
                                                            .abi_major = VMON_ABI_MAJOR,           \
                                                            .abi_minor = VMON_ABI_MINOR,           \
                                                            .option_size = sizeof(vmon_option),    \
                                                            __VA_ARGS__}

#ifdef __cplusplus
}
#endif
#endif
