#include "loader.h"

#include <ctype.h>
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

#include "option_table.h"
#include "strutil.h"

#ifndef VMON_INSTALLED_PLUGIN_DIR
#define VMON_INSTALLED_PLUGIN_DIR "/usr/local/lib/vmon/plugins"
#endif

/* The oldest descriptor layout we accept: everything up to and including ops. */
#define MIN_DESC_SIZE (offsetof(vmon_plugin_descriptor, ops) + sizeof(void *))
/* Every ops table starts with struct_size, kind (reserved before 0.3) and one operation. */
#define MIN_OPS_SIZE (2 * sizeof(uint32_t) + sizeof(void *))

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static vmon_plugin **registry;
static size_t registry_len;

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
    if (!vmon_valid_plugin_word(d->name, 0)) {
        snprintf(err, errlen,
                 "%s: plugin name '%s' is not [a-z][a-z0-9_]*; rename the plugin (and its file)",
                 path, d->name ? d->name : "(none)");
        return -1;
    }
    if (strcmp(d->name, name) != 0) {
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

static void upper_case(const char *in, char *out, size_t len)
{
    size_t i = 0;
    for (; in[i] && i + 1 < len; i++)
        out[i] = (char)toupper((unsigned char)in[i]);
    out[i] = 0;
}

/* The kind word of an ops table built for ABI 0.3 or later must name the descriptor's kind. */
static int check_ops_kind(const char *path, const vmon_plugin_descriptor *raw, uint32_t kind,
                          char *err, size_t errlen)
{
    const uint32_t *words = raw->ops;
    if (raw->abi_minor < 3 || words[0] < MIN_OPS_SIZE || words[1] == kind)
        return 0;
    const char *said = vmon_kind_name(words[1]);
    char upper[16];
    upper_case(vmon_kind_name(kind), upper, sizeof upper);
    snprintf(err, errlen,
             "%s: declares kind '%s' but its operations table says kind '%s' (%u); point .ops at a "
             "vmon_%s_ops with .kind = VMON_KIND_%s, or rename the file to %s_%s.so",
             path, vmon_kind_name(kind), said ? said : "unknown", words[1], vmon_kind_name(kind),
             upper, said ? said : "<kind>", raw->name);
    return -1;
}

/* The kind's ops in the core's layout, zero-extended; NULL with the reason. */
static void *copy_ops(const char *path, const vmon_plugin_descriptor *raw, const vmon_kind_info *k,
                      char *err, size_t errlen)
{
    uint32_t ops_struct = *(const uint32_t *)raw->ops;
    void *ops = vmon_calloc(1, k->ops_size);
    if (ops_struct < MIN_OPS_SIZE || k->copy_ops(raw->ops, ops_struct, raw->abi_minor, ops) < 0) {
        snprintf(err, errlen,
                 "%s: %s operations table has impossible size %u for ABI %u.%u (expected %zu..%zu)",
                 path, k->name, ops_struct, raw->abi_major, raw->abi_minor, MIN_OPS_SIZE,
                 k->ops_size);
        free(ops);
        return NULL;
    }
    ((uint32_t *)ops)[1] = k->kind; /* 0.1/0.2 tables had a reserved zero there */
    const char *missing = k->missing_op(ops, raw->abi_minor);
    if (missing) {
        snprintf(err, errlen,
                 "%s: %s plugin lacks required operation '%s' (ABI %u.%u); fix the plugin", path,
                 k->name, missing, raw->abi_major, raw->abi_minor);
        free(ops);
        return NULL;
    }
    return ops;
}

/* The plugin's option table with the stride it was built with, copied and checked. */
static vmon_option *copy_options(const char *path, const vmon_plugin_descriptor *raw,
                                 const vmon_kind_info *k, char *err, size_t errlen)
{
    uint32_t stride = raw->abi_minor < 3 ? (uint32_t)VMON_OPTION_SIZE_V02 : raw->option_size;
    if (raw->options && stride < VMON_OPTION_SIZE_V02) {
        snprintf(err, errlen,
                 "%s: option_size %u is smaller than any vmon_option (%zu); define the plugin "
                 "with VMON_PLUGIN_DEFINE or set .option_size = sizeof(vmon_option)",
                 path, raw->option_size, (size_t)VMON_OPTION_SIZE_V02);
        return NULL;
    }
    return vmon_option_table_copy(path, raw->options, stride,
                                  vmon_kind_core_options(k->kind, raw->abi_minor), err, errlen);
}

static vmon_plugin *check_and_copy(const char *path, const vmon_plugin_descriptor *raw,
                                   uint32_t kind, const char *name, char *err, size_t errlen)
{
    const vmon_kind_info *k = vmon_kind_info_of(kind);
    if (check_descriptor(path, raw, kind, name, err, errlen) < 0 ||
        check_ops_kind(path, raw, kind, err, errlen) < 0)
        return NULL;
    void *ops = copy_ops(path, raw, k, err, errlen);
    if (!ops)
        return NULL;
    vmon_option *options = copy_options(path, raw, k, err, errlen);
    if (!options) {
        free(ops);
        return NULL;
    }
    vmon_plugin *p = vmon_calloc(1, sizeof *p);
    memcpy(&p->desc, raw, raw->struct_size);
    p->desc.option_size = sizeof(vmon_option);
    p->desc.options = options;
    p->desc.ops = ops;
    p->ops = ops;
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
        snprintf(err, errlen, "%s: plugin files are named <kind>_<name>.so with kind one of %s",
                 path, vmon_kind_names_joined());
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
        return NULL; /* stays mapped: never dlclose (see docs/architecture.md) */
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
