/*
 * SQLite, loaded on first use. Only a vmond with a `spool =` sink needs it;
 * linking it outright costs every vmond about 0.75 MiB of RSS (libsqlite3
 * and the libm it pulls in), as much as the rest of the daemon's
 * libraries together. The same pattern systemd uses for optional libraries.
 */
#ifndef VMON_CORE_SQLITE_LIB_H
#define VMON_CORE_SQLITE_LIB_H

#include <sqlite3.h>
#include <stddef.h>

/* The functions the spool uses; each has exactly the header's type. */
typedef struct vmon_sqlite_api {
    __typeof__(sqlite3_open_v2) *open_v2;
    __typeof__(sqlite3_close) *close;
    __typeof__(sqlite3_errmsg) *errmsg;
    __typeof__(sqlite3_exec) *exec;
    __typeof__(sqlite3_busy_timeout) *busy_timeout;
    __typeof__(sqlite3_prepare_v3) *prepare_v3;
    __typeof__(sqlite3_finalize) *finalize;
    __typeof__(sqlite3_reset) *reset;
    __typeof__(sqlite3_clear_bindings) *clear_bindings;
    __typeof__(sqlite3_step) *step;
    __typeof__(sqlite3_changes) *changes;
    __typeof__(sqlite3_bind_text) *bind_text;
    __typeof__(sqlite3_bind_int64) *bind_int64;
    __typeof__(sqlite3_bind_blob64) *bind_blob64;
    __typeof__(sqlite3_column_int64) *column_int64;
    __typeof__(sqlite3_column_blob) *column_blob;
    __typeof__(sqlite3_column_bytes) *column_bytes;
} vmon_sqlite_api;

/**
 * The API, loading libsqlite3 the first time (thread-safe). NULL with the
 * reason and the fix in `err` when the library cannot be loaded.
 */
const vmon_sqlite_api *vmon_sqlite(char *err, size_t errlen);

#endif
