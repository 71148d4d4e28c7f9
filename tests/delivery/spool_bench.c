/*
 * vmon_spool_bench: what the spool costs per alert, and what the thread
 * raising alerts waits for when a sink has a spool.
 *
 *   vmon_spool_bench DIR [N]
 *
 * 1. N puts, then peek+ack one by one, as a delivery thread with batching off.
 * 2. Push latency seen by the rules thread while another thread keeps the disk
 *    busy with large synchronous writes: first the old path (the pushing thread
 *    puts into the spool itself, one fsync per alert), then the delivery's
 *    (`vmon_delivery_push_alert`: a memory append; a committer writes groups).
 *    Both print p50, p99 and the worst push in microseconds.
 */
#include "delivery.h"
#include "instance.h"
#include "plan.h"
#include "spool.h"

#include <vmon/abi.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert_event.h"
#include "alert_json.h"
#include "clock.h"

#define LOAD_CHUNK (4 << 20)

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int throughput(const char *dir, int n)
{
    char path[512], err[512], payload[600], key[32];
    snprintf(path, sizeof path, "%s/bench.spool", dir);
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

/* ---- a busy disk ---- */

typedef struct disk_load {
    char path[512];
    atomic_int stop;
    pthread_t thread;
} disk_load;

static void *load_main(void *arg)
{
    disk_load *l = arg;
    char *chunk = calloc(1, LOAD_CHUNK);
    int fd = open(l->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    while (fd >= 0 && !atomic_load(&l->stop)) {
        if (pwrite(fd, chunk, LOAD_CHUNK, 0) != LOAD_CHUNK)
            break;
        fsync(fd);
    }
    if (fd >= 0)
        close(fd);
    free(chunk);
    return NULL;
}

static void load_start(disk_load *l, const char *dir)
{
    snprintf(l->path, sizeof l->path, "%s/load.bin", dir);
    atomic_store(&l->stop, 0);
    pthread_create(&l->thread, NULL, load_main, l);
}

static void load_stop(disk_load *l)
{
    atomic_store(&l->stop, 1);
    pthread_join(l->thread, NULL);
    remove(l->path);
}

/* ---- latency ---- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, int64_t *ns, int n)
{
    qsort(ns, (size_t)n, sizeof *ns, cmp_i64);
    printf("%-44s p50 %8.1f us  p99 %9.1f us  max %9.1f us\n", what, ns[n / 2] / 1e3,
           ns[(n * 99) / 100] / 1e3, ns[n - 1] / 1e3);
}

static vmon_alert_event *bench_alert(int i)
{
    char rule[32];
    snprintf(rule, sizeof rule, "bench%d", i);
    return vmon_alert_event_new(rule, "bench", VMON_SEV_CRITICAL, VMON_ALERT_FIRING, NULL, 0, NULL,
                                0, "bench alert", 1.0, 0.0, vmon_now_ms(), 0, 0);
}

/* What the rules thread did before: put into the spool itself, one fsync each. */
static int latency_put(const char *dir, int n, int64_t *ns)
{
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/put.spool", dir);
    vmon_spool *sp = NULL;
    if (vmon_spool_open(path, "bench", 0, &sp, err, sizeof err) != VMON_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        vmon_alert_event *ev = bench_alert(i);
        int64_t t0 = vmon_monotonic_ns();
        char *payload = vmon_alert_to_json_string(&ev->a);
        vmon_spool_put(sp, ev->a.idempotency_key, payload, strlen(payload));
        ns[i] = vmon_monotonic_ns() - t0;
        free(payload);
        vmon_alert_event_free(ev);
    }
    vmon_spool_close(sp);
    remove(path);
    return 0;
}

/* What it does now: push to a spooled delivery (the `gate` test sink, answering at once). */
static int latency_push(const char *dir, int n, int64_t *ns)
{
    char ini[512], cfg[512];
    snprintf(cfg, sizeof cfg, "%s/bench.ini", dir);
    snprintf(ini, sizeof ini,
             "[sink:s]\nplugin = gate\nspool = %s/push.spool\n[pipeline:p]\nsinks = s\n", dir);
    FILE *f = fopen(cfg, "w");
    if (!f)
        return 1;
    fputs(ini, f);
    fclose(f);
    vmon_plan plan;
    vmon_errors errs = {0};
    int rc = vmon_plan_load(cfg, VMON_TEST_PLUGIN_DIR, &plan, &errs);
    vmon_errors_print(&errs, stderr);
    vmon_errors_free(&errs);
    if (rc != 0)
        return 1;
    vmon_plan_instance *pi = &plan.instances[0];
    vmon_instance_hooks none = {0};
    vmon_instance *inst = vmon_instance_new(pi->kind, pi->name, pi->plugin, &pi->values, none);
    char err[512];
    vmon_delivery *d = NULL;
    if (vmon_instance_create(inst, err, sizeof err) == 0 &&
        vmon_instance_start(inst, err, sizeof err) == 0)
        d = vmon_delivery_start(inst, NULL, NULL, err, sizeof err);
    if (!d) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        vmon_alert_event *ev = bench_alert(i);
        int64_t t0 = vmon_monotonic_ns();
        vmon_delivery_push_alert(d, ev);
        ns[i] = vmon_monotonic_ns() - t0;
    }
    rc = vmon_delivery_drain(d, 60000);
    vmon_delivery_stats st;
    vmon_delivery_stats_get(d, &st);
    if (st.delivered != (uint64_t)n)
        fprintf(stderr, "delivered %llu of %d\n", (unsigned long long)st.delivered, n);
    if (vmon_delivery_stop(d, 5000) == 0)
        vmon_instance_destroy(inst);
    vmon_plan_free(&plan);
    snprintf(cfg, sizeof cfg, "%s/push.spool", dir);
    remove(cfg);
    return rc == 0 && st.delivered == (uint64_t)n ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    int n = argc > 2 ? atoi(argv[2]) : 2000;
    if (n <= 0 || throughput(argv[1], n) != 0)
        return 1;
    int64_t *ns = calloc((size_t)n, sizeof *ns);
    disk_load load;
    load_start(&load, argv[1]);
    int rc = latency_put(argv[1], n, ns);
    if (rc == 0)
        report("push, busy disk, before (put in the pusher):", ns, n);
    if (rc == 0 && (rc = latency_push(argv[1], n, ns)) == 0)
        report("push, busy disk, after (committer thread):", ns, n);
    load_stop(&load);
    free(ns);
    return rc;
}
