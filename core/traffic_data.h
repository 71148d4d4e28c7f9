/*
 * What traffic sends: a pool of query vectors (an .fvecs file, or drawn
 * from the target's own distribution) and optionally a list of request ids
 * (a file, one per line). Loaded once, before the workers start; read-only
 * afterwards, so workers share them without a lock.
 */
#ifndef VMON_CORE_TRAFFIC_DATA_H
#define VMON_CORE_TRAFFIC_DATA_H

#include <stddef.h>
#include <stdint.h>

typedef struct vmon_query_pool {
    float *vectors; /* n * dim */
    uint32_t n, dim;
} vmon_query_pool;

typedef struct vmon_id_list {
    char *text;      /* the file, each line NUL-terminated in place */
    uint32_t *start; /* offset of id i in text */
    uint32_t *len;
    uint32_t n;
} vmon_id_list;

/**
 * Read an .fvecs file (per vector: int32 little-endian dim, then dim floats)
 * whose vectors all have `dim` floats. -1 with the path, the vector number
 * and what was wrong in `err`.
 */
int vmon_query_pool_read_fvecs(const char *path, uint32_t dim, vmon_query_pool *out, char *err,
                               size_t errlen);
void vmon_query_pool_free(vmon_query_pool *p);

/**
 * Read request ids, one per line (empty lines skipped, `\r` dropped, ids
 * longer than max_len - 1 bytes refused). -1 with path:line in `err`.
 */
int vmon_id_list_read(const char *path, size_t max_len, vmon_id_list *out, char *err,
                      size_t errlen);
void vmon_id_list_free(vmon_id_list *l);

#endif
