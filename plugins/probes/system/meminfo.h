/* Readers for the kernel's memory and load figures (procfs, cgroup v2). */
#ifndef VMON_PROBE_SYSTEM_MEMINFO_H
#define VMON_PROBE_SYSTEM_MEMINFO_H

#include <stddef.h>
#include <stdint.h>

typedef struct memory_figures {
    uint64_t total, available; /* bytes; used = total - available */
} memory_figures;

typedef struct cgroup_figures {
    int present;             /* a cgroup v2 memory controller with a limit */
    uint64_t limit, current; /* bytes */
} cgroup_figures;

/** `<proc>/meminfo`. 0 or -1 with a reason. */
int read_meminfo(const char *proc, memory_figures *out, char *err, size_t errlen);
/** `<proc>/loadavg`: 1, 5, 15 minute load. */
int read_loadavg(const char *proc, double load[3], char *err, size_t errlen);
/** Resident set size of this process, from `<proc>/self/statm`. */
int read_self_rss(const char *proc, uint64_t *rss, char *err, size_t errlen);
/**
 * The memory limit and usage of this process's cgroup (v2): the path from
 * `<proc>/self/cgroup` under `cgroup_root`. present = 0 when there is no
 * limit ("max") or no cgroup v2.
 */
void read_cgroup_memory(const char *proc, const char *cgroup_root, cgroup_figures *out);

#endif
