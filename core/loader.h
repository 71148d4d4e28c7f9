/*
 * Finding, checking and loading plugin files. A plugin is refused, with a
 * message naming the file, the versions and the fix, before any of its
 * descriptor's functions is called (file checks before dlopen; dlopen runs
 * only the file's ELF constructors; the descriptor is read as data).
 * Loaded plugins stay resident (never dlclose).
 */
#ifndef VMON_CORE_LOADER_H
#define VMON_CORE_LOADER_H

#include <vmon/plugin.h>

#include "kinds.h"

/*
 * Everything in a loaded plugin is the core's checked copy, never the
 * plugin's own memory: desc is zero-extended to the core's size, and its
 * `options` and `ops` point at the core-layout, zero-extended copies.
 */
typedef struct vmon_plugin {
    char *path;                  /* the .so file */
    vmon_plugin_descriptor desc; /* checked copy, zero-extended to the core's size */
    const void *ops;             /* checked copy of the kind's ops, zero-extended (= desc.ops) */
} vmon_plugin;

/**
 * The directory vmond loads plugins from when nothing overrides it: beside
 * the binary in a build tree (`<exe dir>/plugins`), else the installed
 * `<prefix>/lib/vmon/plugins`. Returns a static string.
 */
const char *vmon_default_plugin_dir(void);

/**
 * Load `<dir>/<kind>_<name>.so` (once per process; later calls return the
 * same plugin). On refusal returns NULL with the reason in `err`.
 */
const vmon_plugin *vmon_plugin_load(const char *dir, uint32_t kind, const char *name, char *err,
                                    size_t errlen);

/** Load a plugin by file path (the file name must still be <kind>_<name>.so). */
const vmon_plugin *vmon_plugin_load_path(const char *path, char *err, size_t errlen);

/**
 * Call `fn` for every `*.so` in `dir`, with the loaded plugin or NULL and the
 * refusal. Returns the number of files seen.
 */
size_t vmon_plugin_scan(const char *dir,
                        void (*fn)(void *arg, const char *file, const vmon_plugin *p,
                                   const char *err),
                        void *arg);

#endif
