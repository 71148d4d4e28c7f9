#include "series.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static series_entry *find_or_add(series_table *t, const char *key)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->e[i].key, key) == 0)
            return &t->e[i];
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        series_entry *e = realloc(t->e, cap * sizeof *e);
        if (!e)
            return NULL;
        t->e = e;
        t->cap = cap;
    }
    char *k = strdup(key);
    if (!k)
        return NULL;
    t->e[t->n] = (series_entry){.key = k};
    return &t->e[t->n++];
}

static int push(series_entry *e, double t, double v)
{
    if (e->n == e->cap) {
        size_t cap = e->cap ? 2 * e->cap : 8;
        double *nt = realloc(e->t, cap * sizeof *nt);
        if (!nt)
            return -1;
        e->t = nt;
        double *nv = realloc(e->v, cap * sizeof *nv);
        if (!nv)
            return -1;
        e->v = nv;
        e->cap = cap;
    }
    e->t[e->n] = t;
    e->v[e->n] = v;
    e->n++;
    return 0;
}

double series_rate(series_table *t, const char *key, double total, double now_s)
{
    series_entry *e = find_or_add(t, key);
    if (!e)
        return NAN;
    double rate = NAN;
    if (e->n && now_s > e->t[0]) {
        double inc = total >= e->v[0] ? total - e->v[0] : total;
        rate = inc / (now_s - e->t[0]);
    }
    e->n = 0;
    return push(e, now_s, total) == 0 ? rate : NAN;
}

static void drop_older(series_entry *e, double cutoff)
{
    size_t k = 0;
    while (k < e->n && e->t[k] < cutoff)
        k++;
    if (!k)
        return;
    memmove(e->t, e->t + k, (e->n - k) * sizeof *e->t);
    memmove(e->v, e->v + k, (e->n - k) * sizeof *e->v);
    e->n -= k;
}

double series_trend(series_table *t, const char *key, double value, double now_s, double window_s)
{
    series_entry *e = find_or_add(t, key);
    if (!e || push(e, now_s, value) < 0)
        return NAN;
    drop_older(e, now_s - window_s);
    if (e->n < 3 || e->t[e->n - 1] - e->t[0] < window_s / 10)
        return NAN;
    double mt = 0, mv = 0;
    for (size_t i = 0; i < e->n; i++)
        mt += e->t[i], mv += e->v[i];
    mt /= (double)e->n;
    mv /= (double)e->n;
    double num = 0, den = 0;
    for (size_t i = 0; i < e->n; i++) {
        num += (e->t[i] - mt) * (e->v[i] - mv);
        den += (e->t[i] - mt) * (e->t[i] - mt);
    }
    return den > 0 ? num / den : NAN;
}

double series_add(series_table *t, const char *key, double delta)
{
    series_entry *e = find_or_add(t, key);
    if (!e)
        return 0;
    double total = (e->n ? e->v[0] : 0) + delta;
    e->n = 0;
    push(e, 0, total);
    return total;
}

void series_free(series_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->e[i].key);
        free(t->e[i].t);
        free(t->e[i].v);
    }
    free(t->e);
    t->e = NULL;
    t->n = t->cap = 0;
}
