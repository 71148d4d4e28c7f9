/*
 * probe `system`: memory of the machine (and of vmond's cgroup when it has
 * a limit), load, and vmond's own RSS.
 *
 * "used" is total - available (MemAvailable): memory the kernel could not
 * hand to a new workload without swapping. Page cache it can reclaim does
 * not count as used, unlike `total - free`.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmon/plugin.h>

#include "meminfo.h"

typedef struct system_probe {
    const vmon_host *host;
    vmon_instance *inst;
    const char *proc;
    const char *cgroup_root;
} system_probe;

static const vmon_option options[] = {{.key = "proc_root",
                                       .type = VMON_OPT_PATH,
                                       .default_value = "/proc",
                                       .help = "where procfs is mounted (a copy of it in tests)"},
                                      {.key = "cgroup_root",
                                       .type = VMON_OPT_PATH,
                                       .default_value = "/sys/fs/cgroup",
                                       .help = "where the cgroup v2 hierarchy is mounted"},
                                      {0}};

static int system_create(const vmon_host *host, vmon_instance *inst, void **ctx, char *err,
                         size_t errlen)
{
    system_probe *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return VMON_ENOMEM;
    }
    p->host = host;
    p->inst = inst;
    p->proc = host->cfg_string(inst, "proc_root");
    p->cgroup_root = host->cfg_string(inst, "cgroup_root");
    *ctx = p;
    return VMON_OK;
}

static void system_destroy(void *ctx)
{
    free(ctx);
}

static void emit(system_probe *p, const char *name, double value)
{
    vmon_sample s = {.struct_size = sizeof s, .name = name, .value = value};
    p->host->emit(p->inst, &s);
}

static int system_collect(void *ctx, char *err, size_t errlen)
{
    system_probe *p = ctx;
    memory_figures mem = {0};
    if (read_meminfo(p->proc, &mem, err, errlen) < 0)
        return VMON_RETRY;
    uint64_t used = mem.total > mem.available ? mem.total - mem.available : 0;
    emit(p, "system.memory_total_bytes", (double)mem.total);
    emit(p, "system.memory_available_bytes", (double)mem.available);
    emit(p, "system.memory_used_bytes", (double)used);
    emit(p, "system.memory_used_percent",
         mem.total ? 100.0 * (double)used / (double)mem.total : NAN);
    cgroup_figures cg;
    read_cgroup_memory(p->proc, p->cgroup_root, &cg);
    if (cg.present) {
        emit(p, "system.cgroup_memory_limit_bytes", (double)cg.limit);
        emit(p, "system.cgroup_memory_usage_bytes", (double)cg.current);
        emit(p, "system.cgroup_memory_used_percent",
             cg.limit ? 100.0 * (double)cg.current / (double)cg.limit : NAN);
    }
    double load[3];
    if (read_loadavg(p->proc, load, err, errlen) == 0) {
        emit(p, "system.load_1m", load[0]);
        emit(p, "system.load_5m", load[1]);
        emit(p, "system.load_15m", load[2]);
    }
    uint64_t rss;
    if (read_self_rss(p->proc, &rss, err, errlen) == 0)
        emit(p, "system.vmond_rss_bytes", (double)rss);
    err[0] = 0;
    return VMON_OK;
}

static const vmon_probe_ops ops = {
    .struct_size = sizeof(vmon_probe_ops),
    .kind = VMON_KIND_PROBE,
    .collect = system_collect,
};

VMON_PLUGIN_DEFINE(.kind = VMON_KIND_PROBE, .name = "system", .version = "0.1.0",
                   .description = "memory (machine and cgroup), load and vmond's own RSS",
                   .options = options, .create = system_create, .destroy = system_destroy,
                   .ops = &ops);
