#include "component.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

void component_free(component_probe *p)
{
    for (uint32_t i = 0; i < p->n_watch; i++)
        free(p->watch[i]);
    free(p->watch);
    free(p->sorted);
    p->watch = p->sorted = NULL;
    p->n_watch = p->cap_watch = 0;
}

void component_begin(component_probe *p)
{
    p->watch_ready = 0;
}

static int add_watched(component_probe *p, const char *name)
{
    if (p->n_watch == p->cap_watch) {
        uint32_t cap = p->cap_watch ? 2 * p->cap_watch : 16;
        char **v = realloc(p->watch, cap * sizeof *v);
        if (v)
            p->watch = v;
        char **s = v ? realloc(p->sorted, cap * sizeof *s) : NULL;
        if (!s)
            return VMON_ENOMEM;
        p->sorted = s;
        p->cap_watch = cap;
    }
    if (!(p->watch[p->n_watch] = strdup(name)))
        return VMON_ENOMEM;
    p->n_watch++;
    return VMON_OK;
}

typedef struct walk {
    component_probe *p;
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
    w->rc = add_watched(w->p, name);
    return w->rc != VMON_OK;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int component_watched(component_probe *p, char *err, size_t errlen)
{
    if (p->watch_ready)
        return VMON_OK;
    for (uint32_t i = 0; i < p->n_watch; i++)
        free(p->watch[i]);
    p->n_watch = 0;
    int rc = VMON_OK;
    if (p->n_collections) {
        for (uint32_t i = 0; rc == VMON_OK && i < p->n_collections; i++)
            rc = add_watched(p, p->collections[i]);
    } else if (!p->target.ops->list_collections) { /* a 0.1 target may have none */
        snprintf(err, errlen, "target '%s' cannot list its collections", p->target.name);
        rc = VMON_ENOTSUP;
    } else {
        walk w = {p, VMON_OK, 0};
        rc = p->target.ops->list_collections(p->target.ctx, walk_one, &w, err, errlen);
        if (rc == VMON_OK)
            rc = w.rc;
    }
    if (rc == VMON_ENOMEM)
        snprintf(err, errlen, "out of memory for the watched collections");
    if (rc != VMON_OK)
        return rc;
    /* The walk keeps the configured (or listed) order; watched() bsearches the sorted one. */
    if (p->n_watch) {
        memcpy(p->sorted, p->watch, p->n_watch * sizeof *p->sorted);
        qsort(p->sorted, p->n_watch, sizeof *p->sorted, cmp_name);
    }
    p->watch_ready = 1;
    return VMON_OK;
}

int component_each_collection(component_probe *p, component_coll_fn fn, void *arg, char *err,
                              size_t errlen)
{
    int rc = component_watched(p, err, errlen);
    for (uint32_t i = 0; rc == VMON_OK && i < p->n_watch; i++)
        rc = fn(p, p->watch[i], arg, err, errlen);
    return rc;
}

typedef struct forward {
    const component_probe *p;
    component_filter_fn filter;
    void *arg;
    int every; /* the watched collections are unknown: every one but the scratch ones */
} forward;

/* A sample of a collection the probe does not watch (or its own scratch one) stays out. */
static int watched(const forward *f, const vmon_sample *s)
{
    const component_probe *p = f->p;
    const char *coll = component_label(s, "collection");
    if (!coll)
        return 1;
    if (component_is_scratch(coll))
        return 0;
    if (f->every)
        return 1;
    return p->n_watch && bsearch(&coll, p->sorted, p->n_watch, sizeof *p->sorted, cmp_name) != NULL;
}

static int forward_one(void *arg, const vmon_sample *s)
{
    forward *f = arg;
    if (!watched(f, s))
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

/* "COMPONENT?collections=A,B" of the watched collections, or NULL (out of memory). */
static char *selection(const component_probe *p, const char *component)
{
    size_t len = strlen(component) + sizeof "?collections=";
    for (uint32_t i = 0; i < p->n_watch; i++)
        len += strlen(p->watch[i]) + 1;
    char *s = malloc(len);
    if (!s)
        return NULL;
    char *end = s + sprintf(s, "%s?collections=", component);
    for (uint32_t i = 0; i < p->n_watch; i++)
        end += sprintf(end, "%s%s", i ? "," : "", p->watch[i]);
    return s;
}

int component_forward(component_probe *p, const char *component, component_filter_fn filter,
                      void *arg, char *err, size_t errlen)
{
    forward f = {p, filter, arg, 0};
    int rc = component_watched(p, err, errlen);
    if (rc != VMON_OK && (p->n_collections || rc == VMON_ENOMEM))
        return rc;
    if (rc != VMON_OK) {
        /* Listing failed (REST down, credentials refused) or cannot be done: the target's
         * own figures (its /metrics) still come, of every collection. */
        p->host->log(p->inst, VMON_LOG_DEBUG, "collections not listed (%s): reporting all", err);
        f.every = 1;
        err[0] = 0;
    }
    rc = VMON_ENOTSUP;
    if (!p->no_select && !f.every) {
        /* The target's per-collection calls stop at the watched collections too. */
        char *sel = selection(p, component);
        if (!sel) {
            snprintf(err, errlen, "out of memory");
            return VMON_ENOMEM;
        }
        rc = p->target.ops->report(p->target.ctx, sel, forward_one, &f, err, errlen);
        free(sel);
    }
    if (rc == VMON_ENOTSUP) {
        /* A target without selections (or without this component) answers the plain call. */
        rc = p->target.ops->report(p->target.ctx, component, forward_one, &f, err, errlen);
        if (rc != VMON_ENOTSUP && !p->no_select) {
            p->no_select = 1;
            p->host->log(p->inst, VMON_LOG_DEBUG,
                         "target '%s' reports every collection (no ?collections= selection)",
                         p->target.name);
        }
    }
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
