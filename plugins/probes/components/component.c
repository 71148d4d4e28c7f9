#include "component.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int component_init(component_probe *p, const vmon_host *host, vmon_instance *inst, char *err,
                   size_t errlen)
{
    p->host = host;
    p->inst = inst;
    p->target.struct_size = sizeof p->target;
    if (host->target(inst, &p->target) != VMON_OK) {
        snprintf(err, errlen, "[probe:%s] needs `target =` (a [target:NAME] section)",
                 host->instance_name(inst));
        return VMON_EINVAL;
    }
    p->n_collections = host->cfg_list(inst, "collections", &p->collections);
    p->max_collections = (uint32_t)host->cfg_int(inst, "max_collections");
    return VMON_OK;
}

void component_emit(const component_probe *p, const char *name, double value,
                    const vmon_label *labels, uint32_t n_labels)
{
    if (isnan(value))
        return;
    vmon_sample s = {.struct_size = sizeof s,
                     .name = name,
                     .labels = labels,
                     .n_labels = n_labels,
                     .value = value};
    p->host->emit(p->inst, &s);
}

void component_emit_coll(const component_probe *p, const char *name, double value,
                         const char *collection)
{
    vmon_label l = {"collection", collection};
    component_emit(p, name, value, &l, 1);
}

int component_is_scratch(const char *collection)
{
    return strncmp(collection, COMPONENT_SCRATCH_PREFIX, strlen(COMPONENT_SCRATCH_PREFIX)) == 0;
}

typedef struct walk {
    component_probe *p;
    component_coll_fn fn;
    void *arg;
    char *err;
    size_t errlen;
    int rc;
    uint32_t seen;
} walk;

static int walk_one(void *arg, const char *name)
{
    walk *w = arg;
    if (component_is_scratch(name))
        return 0;
    if (w->seen++ >= w->p->max_collections)
        return 1;
    w->rc = w->fn(w->p, name, w->arg, w->err, w->errlen);
    return w->rc != VMON_OK;
}

int component_each_collection(component_probe *p, component_coll_fn fn, void *arg, char *err,
                              size_t errlen)
{
    if (p->n_collections) {
        for (uint32_t i = 0; i < p->n_collections; i++) {
            int rc = fn(p, p->collections[i], arg, err, errlen);
            if (rc != VMON_OK)
                return rc;
        }
        return VMON_OK;
    }
    walk w = {p, fn, arg, err, errlen, VMON_OK, 0};
    int rc = p->target.ops->list_collections(p->target.ctx, walk_one, &w, err, errlen);
    return rc != VMON_OK ? rc : w.rc;
}

typedef struct forward {
    const component_probe *p;
    component_filter_fn filter;
    void *arg;
} forward;

/* A sample of a collection the probe does not watch (or its own scratch one) stays out. */
static int watched(const component_probe *p, const vmon_sample *s)
{
    const char *coll = component_label(s, "collection");
    if (!coll)
        return 1;
    if (component_is_scratch(coll))
        return 0;
    if (!p->n_collections)
        return 1;
    for (uint32_t i = 0; i < p->n_collections; i++)
        if (strcmp(p->collections[i], coll) == 0)
            return 1;
    return 0;
}

static int forward_one(void *arg, const vmon_sample *s)
{
    forward *f = arg;
    if (!watched(f->p, s))
        return VMON_OK;
    if ((!f->filter || f->filter(f->arg, s)) && !isnan(s->value)) {
        /* As the target sent it, with its type (a counter, a histogram part) carried. */
        vmon_sample t = {.struct_size = sizeof t,
                         .name = s->name,
                         .labels = s->labels,
                         .n_labels = s->n_labels,
                         .value = s->value,
                         .type = vmon_sample_type_of(s)};
        f->p->host->emit(f->p->inst, &t);
    }
    return VMON_OK;
}

int component_forward(const component_probe *p, const char *component, component_filter_fn filter,
                      void *arg, char *err, size_t errlen)
{
    forward f = {p, filter, arg};
    int rc = p->target.ops->report(p->target.ctx, component, forward_one, &f, err, errlen);
    if (rc == VMON_ENOTSUP) {
        err[0] = 0;
        return VMON_OK;
    }
    return rc;
}

const char *component_label(const vmon_sample *s, const char *name)
{
    for (uint32_t i = 0; i < s->n_labels; i++)
        if (strcmp(s->labels[i].name, name) == 0)
            return s->labels[i].value;
    return NULL;
}

double component_now_s(const component_probe *p)
{
    return (double)p->host->monotonic_ns() / 1e9;
}
