/*
 * vmon_spool_dump: print the idempotency keys a sink's spool holds, oldest
 * first, one per line (tests check that each one is delivered after a
 * crash and restart).
 *
 *   vmon_spool_dump PATH SINK
 */
#include "spool.h"

#include <vmon/abi.h>

#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    vmon_spool *sp = NULL;
    char err[512];
    if (vmon_spool_open(argv[1], argv[2], 0, &sp, err, sizeof err) != VMON_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    vmon_spool_item items[256];
    size_t n = vmon_spool_peek(sp, items, 256);
    for (size_t i = 0; i < n; i++) {
        printf("%s\n", items[i].key);
        vmon_spool_item_clear(&items[i]);
    }
    vmon_spool_close(sp);
    return 0;
}
