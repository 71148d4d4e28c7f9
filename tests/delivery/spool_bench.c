/*
 * vmon_spool_bench: what the spool costs per alert. Puts N payloads of
 * about the size of an alert's JSON, then peeks and acks them one by one,
 * as a sink's delivery thread does with batching off.
 *
 *   vmon_spool_bench DIR [N]
 */
#include "spool.h"

#include <vmon/abi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    int n = argc > 2 ? atoi(argv[2]) : 2000;
    char path[512], err[512], payload[600], key[32];
    snprintf(path, sizeof path, "%s/bench.spool", argv[1]);
    memset(payload, 'x', sizeof payload - 1);
    payload[sizeof payload - 1] = '\0';
    vmon_spool *sp = NULL;
    if (vmon_spool_open(path, "bench", 0, &sp, err, sizeof err) != VMON_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    double t0 = mono_s();
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof key, "k%d", i);
        if (vmon_spool_put(sp, key, payload, sizeof payload - 1) != VMON_OK)
            return 1;
    }
    double t1 = mono_s();
    vmon_spool_item it;
    int acked = 0;
    while (vmon_spool_peek(sp, &it, 1) == 1) {
        vmon_spool_ack(sp, it.id);
        vmon_spool_item_clear(&it);
        acked++;
    }
    double t2 = mono_s();
    printf("spool: %d puts %.0f/s (%.3f ms each), %d peek+ack %.0f/s (%.3f ms each)\n", n,
           n / (t1 - t0), (t1 - t0) * 1000 / n, acked, acked / (t2 - t1), (t2 - t1) * 1000 / acked);
    vmon_spool_close(sp);
    remove(path);
    return acked == n ? 0 : 1;
}
