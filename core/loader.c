#include "loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strutil.h"

#ifndef VMON_INSTALLED_PLUGIN_DIR
#define VMON_INSTALLED_PLUGIN_DIR "/usr/local/lib/vmon/plugins"
#endif

static const char *const kind_names[] = {NULL, "target", "probe", "tuner", "router", "sink"};

/* The oldest descriptor layout we accept: everything up to and including ops. */
#define MIN_DESC_SIZE (offsetof(vmon_plugin_descriptor, ops) + sizeof(void *))

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static vmon_plugin **registry;
static size_t registry_len;

const char *vmon_kind_name(uint32_t kind)
{
    return kind >= 1 && kind <= 5 ? kind_names[kind] : NULL;
}

uint32_t vmon_kind_from_name(const char *name)
{
    for (uint32_t k = 1; k <= 5; k++)
        if (strcmp(kind_names[k], name) == 0)
            return k;
    return 0;
}

static char default_dir[PATH_MAX + 32];
static pthread_once_t default_dir_once = PTHREAD_ONCE_INIT;

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void find_default_dir(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    snprintf(default_dir, sizeof default_dir, "%s", VMON_INSTALLED_PLUGIN_DIR);
    if (n <= 0)
        return;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash)
        return;
    *slash = 0;
    char candidate[PATH_MAX + 32];
    /* A build tree keeps plugins beside the binary; an install under the prefix. */
    snprintf(candidate, sizeof candidate, "%s/plugins", exe);
    if (is_dir(candidate)) {
        snprintf(default_dir, sizeof default_dir, "%s", candidate);
        return;
    }
    snprintf(candidate, sizeof candidate, "%s/../lib/vmon/plugins", exe);
    if (is_dir(candidate) && realpath(candidate, default_dir) == NULL)
        snprintf(default_dir, sizeof default_dir, "%s", candidate);
}

const char *vmon_default_plugin_dir(void)
{
    pthread_once(&default_dir_once, find_default_dir);
    return default_dir;
}

/* Ownership and permission checks before the file is mapped. */
static int check_file(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISLNK(st.st_mode)) {
        snprintf(err, errlen,
                 "%s: refusing a plugin that is a symbolic link; copy the real file into the "
                 "plugin directory",
                 path);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        return -1;
    }
    if (st.st_mode & S_IWOTH) {
        snprintf(err, errlen,
                 "%s: refusing a world-writable plugin (anyone could replace its code); run "
                 "'chmod o-w %s'",
                 path, path);
        return -1;
    }
    char *dir = vmon_dirname(path);
    int rc = 0;
    if (stat(dir, &st) == 0 && (st.st_mode & S_IWOTH)) {
        snprintf(err, errlen,
                 "%s: refusing a plugin in a world-writable directory %s; run 'chmod o-w %s'", path,
                 dir, dir);
        rc = -1;
    }
    free(dir);
    return rc;
}

/* `probe_system.so` -> kind and name; -1 when the file name does not follow the rule. */
static int split_file_name(const char *path, uint32_t *kind, char *name, size_t namelen)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *us = strchr(base, '_');
    size_t blen = strlen(base);
    if (!us || blen < 4 || strcmp(base + blen - 3, ".so") != 0)
        return -1;
    char kind_str[16];
    size_t klen = (size_t)(us - base);
    if (klen >= sizeof kind_str)
        return -1;
    memcpy(kind_str, base, klen);
    kind_str[klen] = 0;
    *kind = vmon_kind_from_name(kind_str);
    snprintf(name, namelen, "%.*s", (int)(blen - 3 - klen - 1), us + 1);
    return *kind && name[0] ? 0 : -1;
}

static size_t ops_size(uint32_t kind)
{
    switch (kind) {
    case VMON_KIND_TARGET:
        return sizeof(vmon_target_ops);
    case VMON_KIND_PROBE:
        return sizeof(vmon_probe_ops);
    case VMON_KIND_TUNER:
        return sizeof(vmon_tuner_ops);
    case VMON_KIND_ROUTER:
        return sizeof(vmon_router_ops);
    default:
        return sizeof(vmon_sink_ops);
    }
}

/* The database operations a target built for ABI 0.2 or later must have. */
static const char *missing_target_op(const vmon_target_ops *o, uint16_t minor)
{
    if (!o->health)
        return "health";
    if (!o->report)
        return "report";
    if (minor < 2)
        return NULL;
    const struct {
        const char *name;
        int present;
    } ops02[] = {{"list_collections", o->list_collections != NULL},
                 {"collection_stats", o->collection_stats != NULL},
                 {"segments", o->segments != NULL},
                 {"index_state", o->index_state != NULL},
                 {"search", o->search != NULL},
                 {"insert", o->insert != NULL},
                 {"delete_rows", o->delete_rows != NULL},
                 {"flush", o->flush != NULL},
                 {"create_collection", o->create_collection != NULL},
                 {"drop_collection", o->drop_collection != NULL}};
    for (size_t i = 0; i < sizeof ops02 / sizeof ops02[0]; i++)
        if (!ops02[i].present)
            return ops02[i].name;
    return NULL;
}

/* The operations every plugin of a kind must have, checked on the copy. */
static const char *missing_op(uint32_t kind, const void *ops, uint16_t minor)
{
    switch (kind) {
    case VMON_KIND_TARGET:
        return missing_target_op(ops, minor);
    case VMON_KIND_PROBE:
        return ((const vmon_probe_ops *)ops)->collect ? NULL : "collect";
    case VMON_KIND_TUNER: {
        const vmon_tuner_ops *o = ops;
        return !o->initial ? "initial" : !o->adjust ? "adjust" : NULL;
    }
    case VMON_KIND_ROUTER: {
        const vmon_router_ops *o = ops;
        return !o->pick ? "pick" : !o->set_share ? "set_share" : NULL;
    }
    default:
        return ((const vmon_sink_ops *)ops)->deliver ? NULL : "deliver";
    }
}

static int check_options(const char *path, const vmon_option *opts, char *err, size_t errlen)
{
    for (const vmon_option *o = opts; o && o->key; o++) {
        if (o->type < VMON_OPT_STRING || o->type > VMON_OPT_PATH) {
            snprintf(err, errlen, "%s: option '%s' has unknown type %u; rebuild the plugin", path,
                     o->key, o->type);
            return -1;
        }
        if (o->type == VMON_OPT_ENUM && (!o->enum_values || !o->enum_values[0])) {
            snprintf(err, errlen, "%s: enum option '%s' lists no values (a plugin bug)", path,
                     o->key);
            return -1;
        }
    }
    return 0;
}

/* The version, size, kind and name rules; reads the descriptor as data only. */
static int check_descriptor(const char *path, const vmon_plugin_descriptor *d, uint32_t kind,
                            const char *name, char *err, size_t errlen)
{
    if (d->struct_size < offsetof(vmon_plugin_descriptor, kind)) {
        snprintf(err, errlen, "%s: descriptor too small (%u bytes); not a vmon plugin?", path,
                 d->struct_size);
        return -1;
    }
    if (d->abi_major != VMON_ABI_MAJOR) {
        snprintf(err, errlen,
                 "%s: built for plugin ABI %u.%u, but this vmond speaks ABI %d.%d (majors "
                 "differ); rebuild the plugin against the vmon %d.%d SDK",
                 path, d->abi_major, d->abi_minor, VMON_ABI_MAJOR, VMON_ABI_MINOR, VMON_ABI_MAJOR,
                 VMON_ABI_MINOR);
        return -1;
    }
    if (d->abi_minor > VMON_ABI_MINOR) {
        snprintf(err, errlen,
                 "%s: needs plugin ABI %u.%u, but this vmond provides only %d.%d; upgrade vmond "
                 "or rebuild the plugin against the older SDK",
                 path, d->abi_major, d->abi_minor, VMON_ABI_MAJOR, VMON_ABI_MINOR);
        return -1;
    }
    if (d->struct_size < MIN_DESC_SIZE || d->struct_size > sizeof(vmon_plugin_descriptor)) {
        snprintf(err, errlen,
                 "%s: descriptor size %u is impossible for ABI %u.%u (expected %zu..%zu); the "
                 "plugin is corrupt or was built with a mismatched header",
                 path, d->struct_size, d->abi_major, d->abi_minor, (size_t)MIN_DESC_SIZE,
                 sizeof(vmon_plugin_descriptor));
        return -1;
    }
    if (d->kind != kind) {
        snprintf(err, errlen,
                 "%s: the file name says kind '%s' but the plugin declares kind '%s'; rename "
                 "the file to %s_%s.so",
                 path, vmon_kind_name(kind),
                 vmon_kind_name(d->kind) ? vmon_kind_name(d->kind) : "unknown",
                 vmon_kind_name(d->kind) ? vmon_kind_name(d->kind) : "?", d->name ? d->name : "?");
        return -1;
    }
    if (!d->name || strcmp(d->name, name) != 0) {
        snprintf(err, errlen,
                 "%s: the file name says plugin '%s' but the plugin calls itself '%s'; rename "
                 "the file to %s_%s.so",
                 path, name, d->name ? d->name : "(none)", vmon_kind_name(kind),
                 d->name ? d->name : "?");
        return -1;
    }
    if (!d->create || !d->destroy || !d->ops) {
        snprintf(err, errlen, "%s: the descriptor lacks required operation '%s'; fix the plugin",
                 path,
                 !d->create    ? "create"
                 : !d->destroy ? "destroy"
                               : "ops");
        return -1;
    }
    return 0;
}

static vmon_plugin *check_and_copy(const char *path, const vmon_plugin_descriptor *raw,
                                   uint32_t kind, const char *name, char *err, size_t errlen)
{
    if (check_descriptor(path, raw, kind, name, err, errlen) < 0)
        return NULL;
    uint32_t ops_struct = *(const uint32_t *)raw->ops;
    if (ops_struct < 2 * sizeof(uint32_t) + sizeof(void *) || ops_struct > ops_size(kind)) {
        snprintf(err, errlen, "%s: %s operations table has impossible size %u (expected <= %zu)",
                 path, vmon_kind_name(kind), ops_struct, ops_size(kind));
        return NULL;
    }
    vmon_plugin *p = vmon_calloc(1, sizeof *p);
    memcpy(&p->desc, raw, raw->struct_size);
    void *ops = vmon_calloc(1, ops_size(kind));
    memcpy(ops, raw->ops, ops_struct);
    p->ops = ops;
    const char *missing = missing_op(kind, ops, raw->abi_minor);
    if (missing || check_options(path, p->desc.options, err, errlen) < 0) {
        if (missing)
            snprintf(err, errlen,
                     "%s: %s plugin lacks required operation '%s' (ABI %u.%u); fix the plugin",
                     path, vmon_kind_name(kind), missing, raw->abi_major, raw->abi_minor);
        free(ops);
        free(p);
        return NULL;
    }
    p->path = vmon_strdup(path);
    return p;
}

static const vmon_plugin *registry_find(const char *path)
{
    for (size_t i = 0; i < registry_len; i++)
        if (strcmp(registry[i]->path, path) == 0)
            return registry[i];
    return NULL;
}

static const vmon_plugin *load_locked(const char *path, char *err, size_t errlen)
{
    const vmon_plugin *known = registry_find(path);
    if (known)
        return known;
    uint32_t kind;
    char name[256];
    if (split_file_name(path, &kind, name, sizeof name) < 0) {
        snprintf(err, errlen,
                 "%s: plugin files are named <kind>_<name>.so with kind one of "
                 "target, probe, tuner, router, sink",
                 path);
        return NULL;
    }
    if (check_file(path, err, errlen) < 0)
        return NULL;
    /* RTLD_LOCAL: plugins cannot see each other's symbols (FAISS in one, curl in another). */
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(err, errlen, "%s: cannot load: %s (check its libraries with 'ldd %s')", path,
                 dlerror(), path);
        return NULL;
    }
    const vmon_plugin_descriptor *raw = dlsym(h, VMON_PLUGIN_SYMBOL);
    if (!raw) {
        snprintf(err, errlen,
                 "%s: not a vmon plugin (no exported '%s'; define it with VMON_PLUGIN_DEFINE)",
                 path, VMON_PLUGIN_SYMBOL);
        return NULL; /* stays mapped: never dlclose (see DESIGN.md) */
    }
    vmon_plugin *p = check_and_copy(path, raw, kind, name, err, errlen);
    if (!p)
        return NULL;
    registry = vmon_realloc(registry, (registry_len + 1) * sizeof *registry);
    registry[registry_len++] = p;
    return p;
}

const vmon_plugin *vmon_plugin_load_path(const char *path, char *err, size_t errlen)
{
    pthread_mutex_lock(&registry_lock);
    const vmon_plugin *p = load_locked(path, err, errlen);
    pthread_mutex_unlock(&registry_lock);
    return p;
}

static void list_available(const char *dir, uint32_t kind, char *buf, size_t len)
{
    DIR *d = opendir(dir);
    size_t used = 0;
    buf[0] = 0;
    if (!d)
        return;
    size_t plen = strlen(vmon_kind_name(kind));
    for (struct dirent *e; (e = readdir(d)) != NULL && used < len;) {
        size_t n = strlen(e->d_name);
        if (strncmp(e->d_name, vmon_kind_name(kind), plen) != 0 || e->d_name[plen] != '_' ||
            n < plen + 5 || strcmp(e->d_name + n - 3, ".so") != 0)
            continue;
        used += (size_t)snprintf(buf + used, len - used, "%s%.*s", used ? ", " : "",
                                 (int)(n - plen - 4), e->d_name + plen + 1);
    }
    closedir(d);
}

const vmon_plugin *vmon_plugin_load(const char *dir, uint32_t kind, const char *name, char *err,
                                    size_t errlen)
{
    if (!dir)
        dir = vmon_default_plugin_dir();
    if (!vmon_kind_name(kind) || strchr(name, '/') || strchr(name, '.')) {
        snprintf(err, errlen, "invalid plugin name '%s'", name);
        return NULL;
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s_%s.so", dir, vmon_kind_name(kind), name);
    struct stat st;
    if (lstat(path, &st) != 0 && errno == ENOENT) {
        char avail[512];
        list_available(dir, kind, avail, sizeof avail);
        snprintf(err, errlen, "no %s plugin '%s': %s does not exist (available: %s)",
                 vmon_kind_name(kind), name, path, avail[0] ? avail : "none");
        return NULL;
    }
    return vmon_plugin_load_path(path, err, errlen);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t vmon_plugin_scan(const char *dir,
                        void (*fn)(void *arg, const char *file, const vmon_plugin *p,
                                   const char *err),
                        void *arg)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    char **names = NULL;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (len > 3 && strcmp(e->d_name + len - 3, ".so") == 0) {
            names = vmon_realloc(names, (n + 1) * sizeof *names);
            names[n++] = vmon_asprintf("%s/%s", dir, e->d_name);
        }
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, compare_names);
    for (size_t i = 0; i < n; i++) {
        char err[1024] = "";
        const vmon_plugin *p = vmon_plugin_load_path(names[i], err, sizeof err);
        fn(arg, names[i], p, err);
        free(names[i]);
    }
    free(names);
    return n;
}
