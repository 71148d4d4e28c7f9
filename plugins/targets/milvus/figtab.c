#include "figtab.h"

#include <stdlib.h>
#include <string.h>

#include "fnv.h"

static uint64_t hash_of(const char *name, const vmon_label *labels, uint32_t n)
{
    uint64_t h = vmon_fnv1a64_field(VMON_FNV64_OFFSET, name);
    for (uint32_t i = 0; i < n; i++) {
        h = vmon_fnv1a64_field(h, labels[i].name);
        h = vmon_fnv1a64_field(h, labels[i].value);
    }
    return h;
}

static int same(const fig_entry *e, const char *name, const vmon_label *labels, uint32_t n)
{
    if (e->n_labels != n || strcmp(e->name, name) != 0)
        return 0;
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(e->labels[i].name, labels[i].name) != 0 ||
            strcmp(e->labels[i].value, labels[i].value) != 0)
            return 0;
    return 1;
}

void fig_init(fig_table *t)
{
    memset(t, 0, sizeof *t);
}

void fig_free(fig_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].name);
    free(t->v);
    free(t->slots);
    fig_init(t);
}

void fig_move(fig_table *to, fig_table *from)
{
    fig_free(to);
    *to = *from;
    fig_init(from);
}

static size_t slot_of(const fig_table *t, uint64_t hash, const char *name, const vmon_label *labels,
                      uint32_t n, int *found)
{
    size_t mask = t->n_slots - 1, i = (size_t)hash & mask;
    for (;; i = (i + 1) & mask) {
        size_t at = t->slots[i];
        if (at == 0) {
            *found = 0;
            return i;
        }
        const fig_entry *e = &t->v[at - 1];
        if (e->hash == hash && same(e, name, labels, n)) {
            *found = 1;
            return i;
        }
    }
}

static int grow_index(fig_table *t)
{
    size_t n_slots = t->n_slots ? t->n_slots * 2 : 64;
    size_t *slots = calloc(n_slots, sizeof *slots);
    if (!slots)
        return -1;
    free(t->slots);
    t->slots = slots;
    t->n_slots = n_slots;
    for (size_t k = 0; k < t->n; k++) {
        size_t i = (size_t)t->v[k].hash & (n_slots - 1);
        while (slots[i])
            i = (i + 1) & (n_slots - 1);
        slots[i] = k + 1;
    }
    return 0;
}

static fig_entry *new_entry(fig_table *t, uint64_t hash, const char *name, const vmon_label *labels,
                            uint32_t n)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 32;
        fig_entry *v = realloc(t->v, cap * sizeof *v);
        if (!v)
            return NULL;
        t->v = v;
        t->cap = cap;
    }
    size_t bytes = strlen(name) + 1;
    for (uint32_t i = 0; i < n; i++)
        bytes += strlen(labels[i].name) + strlen(labels[i].value) + 2;
    char *block = malloc(bytes), *p = block;
    if (!block)
        return NULL;
    fig_entry *e = &t->v[t->n];
    memset(e, 0, sizeof *e);
    e->hash = hash;
    e->n_labels = n;
    e->name = p;
    p = stpcpy(p, name) + 1;
    for (uint32_t i = 0; i < n; i++) {
        e->labels[i].name = p;
        p = stpcpy(p, labels[i].name) + 1;
        e->labels[i].value = p;
        p = stpcpy(p, labels[i].value) + 1;
    }
    t->n++;
    return e;
}

static fig_entry *lookup_or_add(fig_table *t, const char *name, const vmon_label *labels,
                                uint32_t n)
{
    if (n > FIG_LABELS_MAX)
        return NULL;
    if ((t->n + 1) * 2 > t->n_slots && grow_index(t) != 0)
        return NULL;
    uint64_t hash = hash_of(name, labels, n);
    int found;
    size_t slot = slot_of(t, hash, name, labels, n, &found);
    if (found)
        return &t->v[t->slots[slot] - 1];
    fig_entry *e = new_entry(t, hash, name, labels, n);
    if (e)
        t->slots[slot] = t->n;
    return e;
}

int fig_add(fig_table *t, const char *name, const vmon_label *labels, uint32_t n, double value)
{
    fig_entry *e = lookup_or_add(t, name, labels, n);
    if (!e)
        return -1;
    e->value += value;
    return 0;
}

int fig_set(fig_table *t, const char *name, const vmon_label *labels, uint32_t n, double value)
{
    fig_entry *e = lookup_or_add(t, name, labels, n);
    if (!e)
        return -1;
    e->value = value;
    return 0;
}

const fig_entry *fig_find(const fig_table *t, const char *name, const vmon_label *labels,
                          uint32_t n)
{
    if (!t->n_slots)
        return NULL;
    int found;
    size_t slot = slot_of(t, hash_of(name, labels, n), name, labels, n, &found);
    return found ? &t->v[t->slots[slot] - 1] : NULL;
}

const fig_entry *fig_find_entry(const fig_table *t, const fig_entry *like)
{
    return fig_find(t, like->name, like->labels, like->n_labels);
}
