/* The host table: what plugins may call. Every slot is filled. */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "instance.h"
#include "log.h"
#include "sample_batch.h"
#include "sample_type.h"
#include "strutil.h"

static int64_t thread_budget;

void vmon_host_set_thread_budget(int64_t threads)
{
    thread_budget = threads;
}

static void host_log(vmon_instance *inst, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmon_logv(level, inst ? inst->log_source : "plugin", fmt, ap);
    va_end(ap);
}

static int64_t host_now_ms(void)
{
    return vmon_now_ms();
}

static int64_t host_monotonic_ns(void)
{
    return vmon_monotonic_ns();
}

/*
 * The smallest struct each call accepts: the layout of the first ABI minor
 * that had it. A caller's struct may be longer (a later minor appended
 * fields); the core reads its own prefix and zero-extends shorter ones.
 */
#define SAMPLE_SIZE_V01     (offsetof(vmon_sample, time_ms) + sizeof(int64_t))
#define ALERT_SPEC_SIZE_V01 (offsetof(vmon_alert_spec, value) + sizeof(double))
#define HANDLE_SIZE_V01     (offsetof(vmon_target_handle, ctx) + sizeof(void *))

/* Copy the caller's `size`-byte struct into `out` (core size, zeroed); -1 when too small. */
static int read_struct(vmon_instance *inst, const char *what, const void *in, uint32_t size,
                       size_t min, void *out, size_t core_size)
{
    if (size < min) {
        vmon_log(VMON_LOGL_WARNING, inst ? inst->log_source : "plugin",
                 "refused a %s of struct_size %u (smallest is %zu); set struct_size = sizeof "
                 "the struct",
                 what, size, min);
        return -1;
    }
    memset(out, 0, core_size);
    memcpy(out, in, size < core_size ? size : core_size);
    return 0;
}

static int host_emit(vmon_instance *inst, const vmon_sample *caller)
{
    vmon_sample copy;
    if (caller && read_struct(inst, "sample", caller, caller->struct_size, SAMPLE_SIZE_V01, &copy,
                              sizeof copy) < 0)
        return VMON_EINVAL;
    const vmon_sample *s = caller ? &copy : NULL;
    if (!inst || !s || !vmon_valid_sample_name(s->name)) {
        vmon_log(VMON_LOGL_WARNING, inst ? inst->log_source : "plugin",
                 "dropped a sample with invalid name '%s' (want component.metric_unit)",
                 s && s->name ? s->name : "(null)");
        return VMON_EINVAL;
    }
    for (uint32_t i = 0; i < s->n_labels; i++)
        if (!vmon_valid_label_name(s->labels[i].name)) {
            vmon_log(VMON_LOGL_WARNING, inst->log_source,
                     "dropped sample %s: invalid label name '%s'", s->name,
                     s->labels[i].name ? s->labels[i].name : "(null)");
            return VMON_EINVAL;
        }
    copy.struct_size = sizeof copy;
    /* `type` is 0 (gauge) unless the caller's struct_size covered it (ABI 0.5). */
    copy.type = vmon_sample_type_checked(copy.name, copy.labels, copy.n_labels, copy.type);
    copy.reserved = 0;
    if (inst->hooks.emit)
        inst->hooks.emit(inst->hooks.arg, inst, s);
    return VMON_OK;
}

static int host_alert(vmon_instance *inst, const vmon_alert_spec *caller, int resolve)
{
    vmon_alert_spec spec;
    if (!inst || !caller ||
        read_struct(inst, "alert", caller, caller->struct_size, ALERT_SPEC_SIZE_V01, &spec,
                    sizeof spec) < 0 ||
        !spec.name || !vmon_valid_label_name(spec.name))
        return VMON_EINVAL;
    spec.struct_size = sizeof spec;
    if (inst->hooks.alert)
        inst->hooks.alert(inst->hooks.arg, inst, &spec, resolve);
    return VMON_OK;
}

static int host_raise(vmon_instance *inst, const vmon_alert_spec *spec)
{
    return host_alert(inst, spec, 0);
}

static int host_resolve(vmon_instance *inst, const vmon_alert_spec *spec)
{
    return host_alert(inst, spec, 1);
}

static int in_table(const vmon_option *opts, const char *key)
{
    for (const vmon_option *o = opts; o && o->key; o++)
        if (strcmp(o->key, key) == 0)
            return 1;
    return 0;
}

static pthread_mutex_t undeclared_lock = PTHREAD_MUTEX_INITIALIZER;
static char **undeclared; /* "plugin path\tkey" already reported */
static size_t n_undeclared;

/* Once per plugin and key: it is a bug in the plugin, not in the config. */
static void report_undeclared(vmon_instance *inst, const char *key)
{
    char *id = vmon_asprintf("%s\t%s", inst->plugin->path, key);
    pthread_mutex_lock(&undeclared_lock);
    int seen = 0;
    for (size_t i = 0; i < n_undeclared && !seen; i++)
        seen = strcmp(undeclared[i], id) == 0;
    if (!seen) {
        undeclared = vmon_realloc(undeclared, (n_undeclared + 1) * sizeof *undeclared);
        undeclared[n_undeclared++] = id;
        vmon_log(VMON_LOGL_ERROR, inst->log_source,
                 "plugin bug: %s reads key '%s', which its option table does not declare; "
                 "declare it there (it reads as 0/NULL)",
                 inst->plugin->path, key);
    }
    pthread_mutex_unlock(&undeclared_lock);
    if (seen)
        free(id);
#ifndef NDEBUG
    abort(); /* debug builds: make the bug impossible to miss */
#endif
}

static const vmon_value *value(vmon_instance *inst, const char *key)
{
    if (!inst || !key)
        return NULL;
    const vmon_value *v = vmon_instance_value(inst, key);
    const vmon_plugin *p = inst->plugin;
    if (!v && !in_table(p->desc.options, key) &&
        !in_table(vmon_kind_core_options(inst->kind, p->desc.abi_minor), key))
        report_undeclared(inst, key);
    return v;
}

static const char *cfg_string(vmon_instance *inst, const char *key)
{
    const vmon_value *v = value(inst, key);
    return v ? v->text : NULL;
}

static int64_t cfg_int(vmon_instance *inst, const char *key)
{
    const vmon_value *v = value(inst, key);
    return v ? v->i : 0;
}

static double cfg_double(vmon_instance *inst, const char *key)
{
    const vmon_value *v = value(inst, key);
    return v ? v->d : 0.0;
}

static int cfg_bool(vmon_instance *inst, const char *key)
{
    const vmon_value *v = value(inst, key);
    return v ? (int)v->i : 0;
}

static int cfg_isset(vmon_instance *inst, const char *key)
{
    return value(inst, key) != NULL;
}

static uint32_t cfg_list(vmon_instance *inst, const char *key, const char *const **items)
{
    const vmon_value *v = value(inst, key);
    *items = v ? (const char *const *)v->items : NULL;
    return v ? v->n_items : 0;
}

static const char *instance_name(vmon_instance *inst)
{
    return inst ? inst->name : NULL;
}

/* Fills at most the caller's struct_size bytes and writes back how many it filled. */
static int host_target(vmon_instance *inst, vmon_target_handle *out)
{
    if (!out || out->struct_size < HANDLE_SIZE_V01)
        return VMON_EINVAL;
    if (!inst || !inst->target || !inst->target->created)
        return VMON_ENOTSUP;
    vmon_target_handle h = {
        .name = inst->target->name, .ops = inst->target->plugin->ops, .ctx = inst->target->ctx};
    h.struct_size = out->struct_size < sizeof h ? out->struct_size : (uint32_t)sizeof h;
    memcpy(out, &h, h.struct_size);
    return VMON_OK;
}

static uint32_t host_thread_budget(void)
{
    if (thread_budget > 0)
        return (uint32_t)thread_budget;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (uint32_t)n : 1;
}

static const vmon_host host_table = {
    .struct_size = sizeof(vmon_host),
    .abi_major = VMON_ABI_MAJOR,
    .abi_minor = VMON_ABI_MINOR,
    .log = host_log,
    .now_ms = host_now_ms,
    .monotonic_ns = host_monotonic_ns,
    .emit = host_emit,
    .raise_alert = host_raise,
    .resolve_alert = host_resolve,
    .cfg_string = cfg_string,
    .cfg_int = cfg_int,
    .cfg_double = cfg_double,
    .cfg_bool = cfg_bool,
    .cfg_isset = cfg_isset,
    .cfg_list = cfg_list,
    .instance_name = instance_name,
    .target = host_target,
    .thread_budget = host_thread_budget,
};

const vmon_host *vmon_host_table(void)
{
    return &host_table;
}
