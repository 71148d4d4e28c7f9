/* A string-keyed hash map with chaining (the series and families of the store). */
#ifndef VMON_PROM_MAP_H
#define VMON_PROM_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct prom_map_entry {
    char *key;
    uint64_t hash;
    void *value;
    struct prom_map_entry *next;
} prom_map_entry;

typedef struct prom_map {
    prom_map_entry **buckets;
    size_t n_buckets, n;
} prom_map;

/** The value stored under `key`, or NULL. */
void *prom_map_get(const prom_map *m, const char *key);
/** Store `value` under `key` (copied; not present yet). Returns 0, or -1 without memory. */
int prom_map_put(prom_map *m, const char *key, void *value);
/** Remove `key`; returns its value, or NULL when it was not there. */
void *prom_map_remove(prom_map *m, const char *key);
/** Call `fn` for every entry; where it returns nonzero the entry is removed. */
void prom_map_sweep(prom_map *m, int (*fn)(void *arg, void *value), void *arg);
/** Remove every entry, passing each value to `free_value` (may be NULL). */
void prom_map_clear(prom_map *m, void (*free_value)(void *value));

#endif
