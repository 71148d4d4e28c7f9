#include "sqlite_lib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#define SQLITE_SONAME "libsqlite3.so.0"

static vmon_sqlite_api api;
static char load_error[512];
static int loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void *need(void *lib, const char *name)
{
    void *fn = dlsym(lib, name);
    if (!fn && !load_error[0])
        snprintf(load_error, sizeof load_error, "%s lacks %s (SQLite too old? 3.35+ needed)",
                 SQLITE_SONAME, name);
    return fn;
}

static void load(void)
{
    void *lib = dlopen(SQLITE_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(load_error, sizeof load_error,
                 "cannot load %s (%s); install Debian's libsqlite3-0", SQLITE_SONAME, dlerror());
        return;
    }
    /* Never closed: like plugins, it stays for the life of the process. */
    api.open_v2 = (__typeof__(api.open_v2))need(lib, "sqlite3_open_v2");
    api.close = (__typeof__(api.close))need(lib, "sqlite3_close");
    api.errmsg = (__typeof__(api.errmsg))need(lib, "sqlite3_errmsg");
    api.exec = (__typeof__(api.exec))need(lib, "sqlite3_exec");
    api.busy_timeout = (__typeof__(api.busy_timeout))need(lib, "sqlite3_busy_timeout");
    api.prepare_v3 = (__typeof__(api.prepare_v3))need(lib, "sqlite3_prepare_v3");
    api.finalize = (__typeof__(api.finalize))need(lib, "sqlite3_finalize");
    api.reset = (__typeof__(api.reset))need(lib, "sqlite3_reset");
    api.clear_bindings = (__typeof__(api.clear_bindings))need(lib, "sqlite3_clear_bindings");
    api.step = (__typeof__(api.step))need(lib, "sqlite3_step");
    api.changes = (__typeof__(api.changes))need(lib, "sqlite3_changes");
    api.bind_text = (__typeof__(api.bind_text))need(lib, "sqlite3_bind_text");
    api.bind_int64 = (__typeof__(api.bind_int64))need(lib, "sqlite3_bind_int64");
    api.bind_blob64 = (__typeof__(api.bind_blob64))need(lib, "sqlite3_bind_blob64");
    api.column_int64 = (__typeof__(api.column_int64))need(lib, "sqlite3_column_int64");
    api.column_blob = (__typeof__(api.column_blob))need(lib, "sqlite3_column_blob");
    api.column_bytes = (__typeof__(api.column_bytes))need(lib, "sqlite3_column_bytes");
    loaded = !load_error[0];
}

const vmon_sqlite_api *vmon_sqlite(char *err, size_t errlen)
{
    pthread_once(&once, load);
    if (loaded)
        return &api;
    if (err && errlen)
        snprintf(err, errlen, "%s", load_error);
    return NULL;
}
