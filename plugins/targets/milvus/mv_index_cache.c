/*
 * Index descriptions shared by the component reports for max_age, as the
 * /metrics scrape is: querynode, datanode and indexnode reports all need a
 * collection's index, and four probes at one interval would otherwise ask
 * for it three times per collection per interval. index_state() itself
 * always asks Milvus (a tuner watching a build wants it fresh).
 */
#include <stdlib.h>
#include <string.h>

#include "mv.h"

void mv_index_cache_init(mv_index_cache *ic)
{
    memset(ic, 0, sizeof *ic);
    pthread_mutex_init(&ic->lock, NULL);
}

void mv_index_cache_free(mv_index_cache *ic)
{
    for (size_t i = 0; i < ic->n; i++)
        free(ic->v[i].name);
    free(ic->v);
    pthread_mutex_destroy(&ic->lock);
}

static mv_index_entry *find(mv_index_cache *ic, const char *name)
{
    for (size_t i = 0; i < ic->n; i++)
        if (strcmp(ic->v[i].name, name) == 0)
            return &ic->v[i];
    return NULL;
}

static void store(mv_index_cache *ic, const char *name, const mv_index *ix, int64_t now)
{
    mv_index_entry *e = find(ic, name);
    if (!e && ic->n == ic->cap) {
        size_t cap = ic->cap ? ic->cap * 2 : 16;
        mv_index_entry *v = realloc(ic->v, cap * sizeof *v);
        if (!v)
            return; /* not cached: the next report asks again */
        ic->v = v;
        ic->cap = cap;
    }
    if (!e) {
        char *copy = strdup(name);
        if (!copy)
            return;
        e = &ic->v[ic->n++];
        e->name = copy;
    }
    e->ix = *ix;
    e->at_ns = now;
}

int mv_index_cached(mv_ctx *c, const char *name, mv_index *out, char *err, size_t errlen)
{
    mv_index_cache *ic = &c->icache;
    int64_t now = c->host->monotonic_ns();
    pthread_mutex_lock(&ic->lock);
    mv_index_entry *e = find(ic, name);
    int fresh = e && now - e->at_ns < c->max_age_ms * 1000000;
    if (fresh)
        *out = e->ix;
    pthread_mutex_unlock(&ic->lock);
    if (fresh)
        return VMON_OK;
    int rc = mv_index_describe(c, name, out, err, errlen);
    if (rc == VMON_OK)
        mv_index_build_params(c, name, out);
    if (rc == VMON_OK) {
        pthread_mutex_lock(&ic->lock);
        store(ic, name, out, now);
        pthread_mutex_unlock(&ic->lock);
    }
    return rc;
}
