/*
 * The INI file as written: sections and key/value entries, each with the
 * file and line it came from, after `include =` and `${ENV}` expansion.
 * Knows nothing of plugins; validation against option tables is options.c.
 */
#ifndef VMON_CORE_CONFIG_H
#define VMON_CORE_CONFIG_H

#include "errors.h"

typedef struct vmon_cfg_entry {
    char *key;
    char *value; /* after ${ENV} expansion */
    const char *file;
    int line;
} vmon_cfg_entry;

typedef struct vmon_cfg_section {
    char *name; /* as written: `probe:sys`, `daemon` */
    char *kind; /* `probe`, `daemon` */
    char *id;   /* `sys`; "" for [daemon] */
    const char *file;
    char *dir; /* folder of the file, for relative paths */
    int line;
    vmon_cfg_entry *entries;
    size_t n_entries, cap_entries;
} vmon_cfg_section;

typedef struct vmon_cfg {
    vmon_cfg_section *sections;
    size_t n_sections, cap_sections;
    char **files; /* every file read; entries point into these names */
    size_t n_files;
} vmon_cfg;

/** The longest line accepted; longer lines are an error, never cut. */
#define VMON_CFG_MAX_LINE 65536

/** Read `path` (and its includes). Errors are added to `errs`; returns 0 if none. */
int vmon_cfg_load(const char *path, vmon_cfg *cfg, vmon_errors *errs);
/** Same, from a string (tests, standalone); `name` stands for the file name. */
int vmon_cfg_load_string(const char *text, const char *name, const char *dir, vmon_cfg *cfg,
                         vmon_errors *errs);
const vmon_cfg_section *vmon_cfg_find(const vmon_cfg *cfg, const char *kind, const char *id);
const vmon_cfg_entry *vmon_cfg_get(const vmon_cfg_section *s, const char *key);
void vmon_cfg_free(vmon_cfg *cfg);

#endif
