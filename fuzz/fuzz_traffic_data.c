/*
 * The traffic driver's file readers (core/traffic_data.h): an .fvecs query
 * file and a request-id list. The first byte picks the dimension the
 * collection is said to have (1..8), the rest is the file. Any input is
 * refused with a message or read whole: every vector has that dimension
 * and the file is exactly n of them; every id is non-empty, shorter than
 * the limit, and holds no newline nor NUL.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "traffic_data.h"

#define MAX_ID 16

static char path[64];

/* One scratch file per process, rewritten per input (the readers take a path). */
static int write_input(const uint8_t *data, size_t size)
{
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/vmon-fuzz-traffic-%d", (int)getpid());
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(data, 1, size, f) == size;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static void check_fvecs(uint32_t dim, size_t size)
{
    vmon_query_pool pool;
    char err[512];
    if (vmon_query_pool_read_fvecs(path, dim, &pool, err, sizeof err) < 0) {
        if (!err[0] || pool.vectors || pool.n)
            abort(); /* a refusal says why and leaves nothing behind */
        return;
    }
    if (pool.n == 0 || pool.dim != dim || (size_t)pool.n * (4 + 4 * (size_t)dim) != size)
        abort();
    vmon_query_pool_free(&pool);
}

static void check_ids(void)
{
    vmon_id_list ids;
    char err[512];
    if (vmon_id_list_read(path, MAX_ID, &ids, err, sizeof err) < 0) {
        if (!err[0] || ids.text || ids.n)
            abort();
        return;
    }
    for (uint32_t i = 0; i < ids.n; i++) {
        const char *id = ids.text + ids.start[i];
        if (ids.len[i] == 0 || ids.len[i] >= MAX_ID || strlen(id) != ids.len[i] ||
            memchr(id, '\n', ids.len[i]))
            abort();
    }
    vmon_id_list_free(&ids);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    uint32_t dim = 1u + data[0] % 8u;
    if (write_input(data + 1, size - 1) < 0)
        return 0;
    check_fvecs(dim, size - 1);
    check_ids();
    unlink(path);
    return 0;
}
