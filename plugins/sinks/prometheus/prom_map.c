#include "prom_map.h"

#include <stdlib.h>
#include <string.h>

#include "fnv.h"

static uint64_t hash_of(const char *key)
{
    return vmon_fnv1a64(VMON_FNV64_OFFSET, key, strlen(key));
}

void *prom_map_get(const prom_map *m, const char *key)
{
    if (!m->n_buckets)
        return NULL;
    uint64_t h = hash_of(key);
    for (prom_map_entry *e = m->buckets[h % m->n_buckets]; e; e = e->next)
        if (e->hash == h && strcmp(e->key, key) == 0)
            return e->value;
    return NULL;
}

static int grow(prom_map *m)
{
    size_t nb = m->n_buckets ? m->n_buckets * 2 : 64;
    prom_map_entry **b = calloc(nb, sizeof *b);
    if (!b)
        return -1;
    for (size_t i = 0; i < m->n_buckets; i++)
        for (prom_map_entry *e = m->buckets[i], *next; e; e = next) {
            next = e->next;
            e->next = b[e->hash % nb];
            b[e->hash % nb] = e;
        }
    free(m->buckets);
    m->buckets = b;
    m->n_buckets = nb;
    return 0;
}

int prom_map_put(prom_map *m, const char *key, void *value)
{
    if (m->n >= m->n_buckets && grow(m) < 0)
        return -1;
    prom_map_entry *e = malloc(sizeof *e);
    char *k = strdup(key);
    if (!e || !k) {
        free(e);
        free(k);
        return -1;
    }
    *e = (prom_map_entry){.key = k, .hash = hash_of(key), .value = value};
    e->next = m->buckets[e->hash % m->n_buckets];
    m->buckets[e->hash % m->n_buckets] = e;
    m->n++;
    return 0;
}

void *prom_map_remove(prom_map *m, const char *key)
{
    if (!m->n_buckets)
        return NULL;
    uint64_t h = hash_of(key);
    for (prom_map_entry **p = &m->buckets[h % m->n_buckets]; *p; p = &(*p)->next) {
        prom_map_entry *e = *p;
        if (e->hash == h && strcmp(e->key, key) == 0) {
            void *value = e->value;
            *p = e->next;
            free(e->key);
            free(e);
            m->n--;
            return value;
        }
    }
    return NULL;
}

void prom_map_sweep(prom_map *m, int (*fn)(void *arg, void *value), void *arg)
{
    for (size_t i = 0; i < m->n_buckets; i++)
        for (prom_map_entry **p = &m->buckets[i]; *p;) {
            prom_map_entry *e = *p;
            if (fn(arg, e->value)) {
                *p = e->next;
                free(e->key);
                free(e);
                m->n--;
            } else {
                p = &e->next;
            }
        }
}

static int remove_all(void *arg, void *value)
{
    void (*free_value)(void *) = *(void (**)(void *))arg;
    if (free_value)
        free_value(value);
    return 1;
}

void prom_map_clear(prom_map *m, void (*free_value)(void *value))
{
    prom_map_sweep(m, remove_all, &free_value);
    free(m->buckets);
    *m = (prom_map){0};
}
