/*
 * One plugin instance outside a daemon, loaded through the real loader and
 * ABI checks and configured through the real option validation. For tools
 * (vmon-bench) and tests; the daemon itself does not use it.
 */
#ifndef VMON_CORE_STANDALONE_H
#define VMON_CORE_STANDALONE_H

#include <vmon/plugin.h>

typedef struct vmon_standalone vmon_standalone;

/** Receives every sample the instance emits (may be called from any thread). */
typedef void (*vmon_standalone_sample_fn)(void *arg, const vmon_sample *sample);

/**
 * Load plugin `<kind>_<plugin>.so` from `plugin_dir` (NULL: the default
 * search, as vmond does), validate `pairs` (key, value, key, value, ..., NULL)
 * against its option table as section `[kind:name]`, create and start it.
 * On failure returns non-zero with every error in `err`.
 */
int vmon_standalone_open(const char *plugin_dir, const char *kind, const char *plugin,
                         const char *name, const char *const *pairs,
                         vmon_standalone_sample_fn on_sample, void *arg, vmon_standalone **out,
                         char *err, size_t errlen);

/** The loader's checked copy of the plugin's descriptor. */
const vmon_plugin_descriptor *vmon_standalone_descriptor(const vmon_standalone *s);
/**
 * The kind's operations (a vmon_target_ops, ...): the loader's copy,
 * zero-extended to the core's layout, so an optional trailing operation an
 * older plugin lacks reads NULL. Test it (or use VMON_HAS_FIELD) before a call.
 */
const void *vmon_standalone_ops(const vmon_standalone *s);
/** The instance context to pass to the kind's operations. */
void *vmon_standalone_ctx(const vmon_standalone *s);
/** Stop and destroy the instance (the .so stays loaded, as everywhere in vmon). */
void vmon_standalone_close(vmon_standalone *s);

#endif
