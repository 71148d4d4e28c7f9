/*
 * A stand-in for core/standalone.c, used only while vmoncore does not
 * provide it, so the sink tests can run before the core lands. It loads
 * the real .so and parses values the way options.h documents (no ${ENV}
 * expansion, no range checks): the core's own loader supersedes it.
 */
#include "standalone.h"

#include <ctype.h>
#include <dlfcn.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct mini_value {
    const vmon_option *opt;
    const char *text;
    int64_t i;
    double d;
    const char *items[32];
    uint32_t n_items;
    char *list_buf;
} mini_value;

struct vmon_instance {
    char name[64];
    mini_value vals[64];
    size_t n;
};

struct vmon_standalone {
    const vmon_plugin_descriptor *d;
    struct vmon_instance inst;
    void *ctx;
};

static double unit_mult(const char *rest, int size)
{
    static const char *const dur[] = {"ms", "s", "", "m", "h", "d"};
    static const double dmul[] = {1, 1000, 1000, 60000, 3.6e6, 8.64e7};
    if (!size) {
        for (size_t i = 0; i < 6; i++)
            if (strcmp(rest, dur[i]) == 0)
                return dmul[i];
        return -1;
    }
    const char *p = *rest ? strchr("bkmgt", tolower((unsigned char)*rest)) : "b";
    return p ? pow(1024, (double)(p - "bkmgt")) : -1;
}

static int parse_value(mini_value *v, const char *text)
{
    char *end;
    v->text = text;
    v->d = strtod(text, &end);
    switch (v->opt->type) {
    case VMON_OPT_BOOL:
        v->i = !strcasecmp(text, "true") || !strcasecmp(text, "yes") || !strcasecmp(text, "on") ||
               !strcmp(text, "1");
        return 0;
    case VMON_OPT_DURATION:
    case VMON_OPT_SIZE: {
        double m = unit_mult(end, v->opt->type == VMON_OPT_SIZE);
        v->i = (int64_t)(v->d * m);
        return m < 0 || end == text ? -1 : 0;
    }
    case VMON_OPT_ENUM:
        for (v->i = 0; v->opt->enum_values[v->i]; v->i++)
            if (strcmp(v->opt->enum_values[v->i], text) == 0)
                return 0;
        return -1;
    case VMON_OPT_LIST: {
        v->list_buf = strdup(text);
        for (char *save, *t = strtok_r(v->list_buf, ",", &save); t && v->n_items < 32;
             t = strtok_r(NULL, ",", &save)) {
            while (isspace((unsigned char)*t))
                t++;
            for (char *e = t + strlen(t); e > t && isspace((unsigned char)e[-1]);)
                *--e = '\0';
            v->items[v->n_items++] = t;
        }
        return 0;
    }
    default:
        v->i = (int64_t)v->d;
        return 0;
    }
}

static mini_value *find(vmon_instance *inst, const char *key)
{
    for (size_t i = 0; i < inst->n; i++)
        if (strcmp(inst->vals[i].opt->key, key) == 0)
            return inst->vals[i].text ? &inst->vals[i] : NULL;
    return NULL;
}

static void h_log(vmon_instance *inst, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[sink:%s] L%d ", inst->name, level);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
static int64_t h_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
static int64_t h_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
static int h_emit(vmon_instance *i, const vmon_sample *s)
{
    (void)i, (void)s;
    return 0;
}
static int h_alert(vmon_instance *i, const vmon_alert_spec *s)
{
    (void)i, (void)s;
    return 0;
}
static const char *h_string(vmon_instance *i, const char *k)
{
    mini_value *v = find(i, k);
    return v ? v->text : NULL;
}
static int64_t h_int(vmon_instance *i, const char *k)
{
    mini_value *v = find(i, k);
    return v ? v->i : 0;
}
static double h_double(vmon_instance *i, const char *k)
{
    mini_value *v = find(i, k);
    return v ? v->d : 0;
}
static int h_bool(vmon_instance *i, const char *k)
{
    return (int)h_int(i, k);
}
static int h_isset(vmon_instance *i, const char *k)
{
    return find(i, k) != NULL;
}
static uint32_t h_list(vmon_instance *i, const char *k, const char *const **items)
{
    mini_value *v = find(i, k);
    *items = v ? v->items : NULL;
    return v ? v->n_items : 0;
}
static const char *h_name(vmon_instance *i)
{
    return i->name;
}
static int h_target(vmon_instance *i, vmon_target_handle *out)
{
    (void)i, (void)out;
    return VMON_ENOTSUP;
}
static uint32_t h_budget(void)
{
    return 1;
}

static const vmon_host mini_host = {
    .struct_size = sizeof(vmon_host),
    .abi_major = VMON_ABI_MAJOR,
    .abi_minor = VMON_ABI_MINOR,
    .log = h_log,
    .now_ms = h_now_ms,
    .monotonic_ns = h_mono_ns,
    .emit = h_emit,
    .raise_alert = h_alert,
    .resolve_alert = h_alert,
    .cfg_string = h_string,
    .cfg_int = h_int,
    .cfg_double = h_double,
    .cfg_bool = h_bool,
    .cfg_isset = h_isset,
    .cfg_list = h_list,
    .instance_name = h_name,
    .target = h_target,
    .thread_budget = h_budget,
};

static int configure(vmon_instance *inst, const vmon_option *opts, const char *const *pairs,
                     char *err, size_t errlen)
{
    for (const vmon_option *o = opts; o && o->key && inst->n < 64; o++) {
        mini_value *v = &inst->vals[inst->n++];
        v->opt = o;
        const char *text = o->default_value;
        for (size_t p = 0; pairs && pairs[p]; p += 2)
            if (strcmp(pairs[p], o->key) == 0)
                text = pairs[p + 1];
        if (text && parse_value(v, text) != 0) {
            snprintf(err, errlen, "bad value for %s: %s", o->key, text);
            return -1;
        }
    }
    for (size_t p = 0; pairs && pairs[p]; p += 2) {
        int known = 0;
        for (const vmon_option *o = opts; o && o->key; o++)
            known |= strcmp(o->key, pairs[p]) == 0;
        if (!known) {
            snprintf(err, errlen, "unknown key %s", pairs[p]);
            return -1;
        }
    }
    return 0;
}

int vmon_standalone_open(const char *plugin_dir, const char *kind, const char *plugin,
                         const char *name, const char *const *pairs,
                         vmon_standalone_sample_fn on_sample, void *arg, vmon_standalone **out,
                         char *err, size_t errlen)
{
    (void)on_sample, (void)arg;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s_%s.so", plugin_dir ? plugin_dir : ".", kind, plugin);
    void *so = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    const vmon_plugin_descriptor *d = so ? dlsym(so, VMON_PLUGIN_SYMBOL) : NULL;
    if (!d) {
        snprintf(err, errlen, "%s: %s", path, dlerror());
        return VMON_ERROR;
    }
    vmon_standalone *s = calloc(1, sizeof *s);
    s->d = d;
    snprintf(s->inst.name, sizeof s->inst.name, "%s", name);
    if (configure(&s->inst, d->options, pairs, err, errlen) != 0 ||
        d->create(&mini_host, &s->inst, &s->ctx, err, errlen) != 0 ||
        (d->start && d->start(s->ctx, err, errlen) != 0)) {
        for (size_t i = 0; i < s->inst.n; i++)
            free(s->inst.vals[i].list_buf);
        free(s);
        return VMON_ERROR;
    }
    *out = s;
    return VMON_OK;
}

const vmon_plugin_descriptor *vmon_standalone_descriptor(const vmon_standalone *s)
{
    return s->d;
}

void *vmon_standalone_ctx(const vmon_standalone *s)
{
    return s->ctx;
}

void vmon_standalone_close(vmon_standalone *s)
{
    if (s->d->stop)
        s->d->stop(s->ctx);
    s->d->destroy(s->ctx);
    for (size_t i = 0; i < s->inst.n; i++)
        free(s->inst.vals[i].list_buf);
    free(s);
}
