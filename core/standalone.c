#include "standalone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instance.h"
#include "plan.h"
#include "strutil.h"

struct vmon_standalone {
    vmon_instance *inst;
    vmon_values values;
    vmon_standalone_sample_fn on_sample;
    void *arg;
};

static void standalone_emit(void *arg, vmon_instance *inst, const vmon_sample *s)
{
    (void)inst;
    vmon_standalone *sa = arg;
    if (sa->on_sample)
        sa->on_sample(sa->arg, s);
}

/* Build an INI text so the pairs go through exactly the daemon's validation. */
static char *pairs_to_ini(const char *kind, const char *plugin, const char *name,
                          const char *const *pairs)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    fprintf(f, "[%s:%s]\nplugin = %s\n", kind, name, plugin);
    for (size_t i = 0; pairs && pairs[i] && pairs[i + 1]; i += 2)
        fprintf(f, "%s = %s\n", pairs[i], pairs[i + 1]);
    fclose(f);
    return text;
}

int vmon_standalone_open(const char *plugin_dir, const char *kind, const char *plugin,
                         const char *name, const char *const *pairs,
                         vmon_standalone_sample_fn on_sample, void *arg, vmon_standalone **out,
                         char *err, size_t errlen)
{
    uint32_t k = vmon_kind_from_name(kind);
    *out = NULL;
    if (!k) {
        snprintf(err, errlen, "unknown plugin kind '%s'", kind);
        return -1;
    }
    const vmon_plugin *p = vmon_plugin_load(plugin_dir, k, plugin, err, errlen);
    if (!p)
        return -1;
    char *ini = pairs_to_ini(kind, plugin, name, pairs);
    vmon_cfg cfg = {0};
    vmon_errors errs = {0};
    vmon_standalone *sa = vmon_calloc(1, sizeof *sa);
    vmon_cfg_load_string(ini, "(standalone)", ".", &cfg, &errs);
    free(ini);
    if (errs.count == 0) {
        const vmon_option *tables[2] = {vmon_kind_core_options(k, p->desc.abi_minor),
                                        p->desc.options};
        vmon_values_from_section(&cfg.sections[0], tables, 2, &sa->values, &errs);
    }
    vmon_cfg_free(&cfg);
    if (errs.count) {
        vmon_errors_join(&errs, err, errlen);
        vmon_errors_free(&errs);
        vmon_values_free(&sa->values);
        free(sa);
        return -1;
    }
    sa->on_sample = on_sample;
    sa->arg = arg;
    vmon_instance_hooks hooks = {.emit = standalone_emit, .arg = sa};
    sa->inst = vmon_instance_new(k, name, p, &sa->values, hooks);
    if (vmon_instance_create(sa->inst, err, errlen) < 0 ||
        vmon_instance_start(sa->inst, err, errlen) < 0) {
        vmon_standalone_close(sa);
        return -1;
    }
    *out = sa;
    return 0;
}

const vmon_plugin_descriptor *vmon_standalone_descriptor(const vmon_standalone *s)
{
    return &s->inst->plugin->desc;
}

const void *vmon_standalone_ops(const vmon_standalone *s)
{
    return s->inst->plugin->ops;
}

void *vmon_standalone_ctx(const vmon_standalone *s)
{
    return s->inst->ctx;
}

void vmon_standalone_close(vmon_standalone *s)
{
    if (!s)
        return;
    vmon_instance_destroy(s->inst);
    vmon_values_free(&s->values);
    free(s);
}
