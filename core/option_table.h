/*
 * A plugin's option table as the core keeps it: read with the plugin's own
 * stride into a core-owned, zero-extended array, and checked once at load
 * time (keys, types, flags, enums, ranges, defaults, collisions with the
 * core's keys), so a broken table is refused instead of failing per section.
 */
#ifndef VMON_CORE_OPTION_TABLE_H
#define VMON_CORE_OPTION_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <vmon/options.h>

/** sizeof(vmon_option) of ABI 0.1/0.2 plugins, whose descriptor has no option_size. */
#define VMON_OPTION_SIZE_V02 (offsetof(vmon_option, help) + sizeof(const char *))

/**
 * Copy the NULL-key-terminated table at `raw` (entries `stride` bytes apart)
 * and check it against `core_keys` (the core keys of the plugin's kind that
 * apply to it). Returns the copy (free with free()), or NULL with the reason,
 * naming `path` and the key, in `err`. A NULL `raw` gives an empty table.
 */
vmon_option *vmon_option_table_copy(const char *path, const void *raw, uint32_t stride,
                                    const vmon_option *core_keys, char *err, size_t errlen);

/** `[a-z][a-z0-9_]*` plus, when `dots`, `.` after the first character. */
int vmon_valid_plugin_word(const char *s, int dots);

#endif
