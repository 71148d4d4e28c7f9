/*
 * The INI file as written: sections and key/value entries, each with the
 * file and line it came from, after `include =` and `${ENV}` expansion.
 * Knows nothing of plugins; validation against option tables is options.c.
 *
 * `include = PATTERN` (a glob, relative to the including file) reads each
 * matching file where it stands. An included file starts outside any
 * section, and its sections are its own: after the include, the section
 * that was open in the including file continues. Only regular files are
 * read (a directory, FIFO or device is an error at the include's line),
 * each at most VMON_CFG_MAX_FILE_BYTES and all together at most
 * VMON_CFG_MAX_TOTAL_BYTES. Each file is read once per load: a file reached
 * again along another path is skipped, one that includes itself (directly
 * or not) is an error naming the chain. A NUL byte is an error at its line.
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
    /*
     * Set before loading to keep includes inside the top file's folder: no
     * absolute pattern, no `..` in what it matches (the fuzzer's sandbox).
     */
    int includes_confined;
} vmon_cfg;

/** The longest line accepted; longer lines are an error, never cut. */
#define VMON_CFG_MAX_LINE 65536
/** The largest file read, top-level or included. */
#define VMON_CFG_MAX_FILE_BYTES ((size_t)16 * 1024 * 1024)
/** All files of one load together. */
#define VMON_CFG_MAX_TOTAL_BYTES ((size_t)64 * 1024 * 1024)

/** Read `path` (and its includes). Errors are added to `errs`; returns 0 if none. */
int vmon_cfg_load(const char *path, vmon_cfg *cfg, vmon_errors *errs);
/** Same, from a string (tests, standalone); `name` stands for the file name. */
int vmon_cfg_load_string(const char *text, const char *name, const char *dir, vmon_cfg *cfg,
                         vmon_errors *errs);
/** Same, from `len` bytes that may hold anything (a NUL byte is an error at its line). */
int vmon_cfg_load_bytes(const char *bytes, size_t len, const char *name, const char *dir,
                        vmon_cfg *cfg, vmon_errors *errs);
const vmon_cfg_section *vmon_cfg_find(const vmon_cfg *cfg, const char *kind, const char *id);
const vmon_cfg_entry *vmon_cfg_get(const vmon_cfg_section *s, const char *key);
void vmon_cfg_free(vmon_cfg *cfg);

#endif
