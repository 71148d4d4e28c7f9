#include "instance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strutil.h"

static void copy_values(vmon_values *to, const vmon_values *from)
{
    to->n = from ? from->n : 0;
    to->v = vmon_calloc(to->n + 1, sizeof *to->v);
    for (size_t i = 0; i < to->n; i++) {
        vmon_value *v = &to->v[i];
        *v = from->v[i];
        v->text = from->v[i].text ? vmon_strdup(from->v[i].text) : NULL;
        v->items = v->n_items ? vmon_calloc(v->n_items, sizeof *v->items) : NULL;
        for (uint32_t k = 0; k < v->n_items; k++)
            v->items[k] = vmon_strdup(from->v[i].items[k]);
    }
}

vmon_instance *vmon_instance_new(uint32_t kind, const char *name, const vmon_plugin *plugin,
                                 const vmon_values *values, vmon_instance_hooks hooks)
{
    vmon_instance *inst = vmon_calloc(1, sizeof *inst);
    inst->kind = kind;
    inst->name = vmon_strdup(name);
    inst->section = vmon_asprintf("%s:%s", vmon_kind_name(kind), name);
    snprintf(inst->log_source, sizeof inst->log_source, "[%s]", inst->section);
    inst->plugin = plugin;
    copy_values(&inst->own_values, values);
    inst->values = &inst->own_values;
    inst->hooks = hooks;
    return inst;
}

const vmon_value *vmon_instance_value(const vmon_instance *inst, const char *key)
{
    return vmon_values_get(inst->values, key);
}

int vmon_instance_create(vmon_instance *inst, char *err, size_t errlen)
{
    char why[512] = "";
    int rc = inst->plugin->desc.create(vmon_host_table(), inst, &inst->ctx, why, sizeof why);
    if (rc != VMON_OK) {
        snprintf(err, errlen, "[%s] plugin %s: create failed (status %d): %s", inst->section,
                 inst->plugin->path, rc, why[0] ? why : "no reason given");
        return -1;
    }
    inst->created = 1;
    return 0;
}

int vmon_instance_start(vmon_instance *inst, char *err, size_t errlen)
{
    char why[512] = "";
    if (!inst->plugin->desc.start) {
        inst->started = 1;
        return 0;
    }
    int rc = inst->plugin->desc.start(inst->ctx, why, sizeof why);
    if (rc != VMON_OK) {
        snprintf(err, errlen, "[%s] plugin %s: start failed (status %d): %s", inst->section,
                 inst->plugin->path, rc, why[0] ? why : "no reason given");
        return -1;
    }
    inst->started = 1;
    return 0;
}

void vmon_instance_stop(vmon_instance *inst)
{
    if (inst->started && inst->plugin->desc.stop)
        inst->plugin->desc.stop(inst->ctx);
    inst->started = 0;
}

void vmon_instance_destroy(vmon_instance *inst)
{
    if (!inst)
        return;
    vmon_instance_stop(inst);
    if (inst->created)
        inst->plugin->desc.destroy(inst->ctx);
    if (inst->hooks.release)
        inst->hooks.release(inst->hooks.arg);
    vmon_values_free(&inst->own_values);
    free(inst->name);
    free(inst->section);
    free(inst);
}
