/*
 * The plugin kinds: the one table that says, per kind, its name, the size
 * and required operations of its ops table, how an older minor's layout is
 * read, which core keys its sections take and how an instance runs. Adding
 * a kind means a new ABI minor, a new ops header and one row here.
 */
#ifndef VMON_CORE_KINDS_H
#define VMON_CORE_KINDS_H

#include <stddef.h>
#include <stdint.h>
#include <vmon/options.h>

typedef struct vmon_kind_info {
    uint32_t kind;    /* a vmon_kind */
    const char *name; /* section kind and file prefix: `probe` */
    const char *runs; /* how an instance runs, for --describe */
    size_t ops_size;  /* sizeof the core's ops struct of this kind */
    /*
     * Copy a plugin's ops (`raw_size` bytes, laid out as ABI 0.`minor`
     * says) into `out` (ops_size bytes, zeroed) in the core's layout.
     * Returns -1 when raw_size is impossible for that layout.
     */
    int (*copy_ops)(const void *raw, uint32_t raw_size, uint16_t minor, void *out);
    /* The first required operation missing from the core-layout copy, or NULL. */
    const char *(*missing_op)(const void *ops, uint16_t minor);
    const vmon_option *core_options; /* core keys of its sections (schema.c) */
    const char *example_plugin;      /* for "name the plugin (e.g. plugin = ...)" */
} vmon_kind_info;

/** Number of kinds; vmon_kind_at(0 .. count-1) walks them in ABI order. */
size_t vmon_kind_count(void);
const vmon_kind_info *vmon_kind_at(size_t i);
/** The row of a vmon_kind, or NULL when the number is no kind. */
const vmon_kind_info *vmon_kind_info_of(uint32_t kind);

/** `target`, `probe`, ... for a kind; NULL for an unknown kind. */
const char *vmon_kind_name(uint32_t kind);
/** The kind for a section name (`probe`); 0 when it is not a plugin kind. */
uint32_t vmon_kind_from_name(const char *name);
/** "target, probe, tuner, router, sink": the kinds for messages. */
const char *vmon_kind_names_joined(void);

/**
 * The core keys of `kind` that apply to a plugin built for ABI minor
 * `minor`: those the core had at that minor (see VMON_CORE_SINCE). A
 * NULL-key-terminated table owned by the core.
 */
const vmon_option *vmon_kind_core_options(uint32_t kind, uint16_t minor);
/** The entries of core table `core` introduced at or before `minor` (the caller frees it). */
vmon_option *vmon_core_keys_known_at(const vmon_option *core, uint16_t minor);

#endif
