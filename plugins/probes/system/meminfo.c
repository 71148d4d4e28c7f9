#include "meminfo.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int read_meminfo(const char *proc, memory_figures *out, char *err, size_t errlen)
{
    char path[512], line[256];
    snprintf(path, sizeof path, "%s/meminfo", proc);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    int have_total = 0, have_avail = 0;
    /* Both come in the first three lines; the other fifty are not worth parsing. */
    while ((!have_total || !have_avail) && fgets(line, sizeof line, f)) {
        unsigned long long kb;
        if (strncmp(line, "MemTotal:", 9) == 0 && sscanf(line + 9, "%llu", &kb) == 1)
            out->total = kb * 1024, have_total = 1;
        else if (strncmp(line, "MemAvailable:", 13) == 0 && sscanf(line + 13, "%llu", &kb) == 1)
            out->available = kb * 1024, have_avail = 1;
    }
    fclose(f);
    if (!have_total || !have_avail) {
        snprintf(err, errlen, "%s lacks MemTotal or MemAvailable (kernel older than 3.14?)", path);
        return -1;
    }
    return 0;
}

int read_loadavg(const char *proc, double load[3], char *err, size_t errlen)
{
    char path[512];
    snprintf(path, sizeof path, "%s/loadavg", proc);
    FILE *f = fopen(path, "r");
    int n = f ? fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) : 0;
    if (f)
        fclose(f);
    if (n != 3) {
        snprintf(err, errlen, "cannot read the load from %s", path);
        return -1;
    }
    return 0;
}

int read_self_rss(const char *proc, uint64_t *rss, char *err, size_t errlen)
{
    char path[512];
    unsigned long long size, resident;
    snprintf(path, sizeof path, "%s/self/statm", proc);
    FILE *f = fopen(path, "r");
    int n = f ? fscanf(f, "%llu %llu", &size, &resident) : 0;
    if (f)
        fclose(f);
    if (n != 2) {
        snprintf(err, errlen, "cannot read %s", path);
        return -1;
    }
    *rss = (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
    return 0;
}

static int read_u64_file(const char *path, uint64_t *v, int *is_max)
{
    char buf[64] = "";
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int ok = fgets(buf, sizeof buf, f) != NULL;
    fclose(f);
    if (!ok)
        return -1;
    *is_max = strncmp(buf, "max", 3) == 0;
    if (*is_max)
        return 0;
    char *end;
    *v = strtoull(buf, &end, 10);
    return end == buf ? -1 : 0;
}

void read_cgroup_memory(const char *proc, const char *cgroup_root, cgroup_figures *out)
{
    char path[1600], line[768], rel[768] = "";
    memset(out, 0, sizeof *out);
    snprintf(path, sizeof path, "%s/self/cgroup", proc);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    /* cgroup v2 has a single line "0::/path". */
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "0::", 3) == 0) {
            snprintf(rel, sizeof rel, "%s", line + 3);
            rel[strcspn(rel, "\n")] = 0;
        }
    fclose(f);
    if (!rel[0])
        return;
    int is_max = 0;
    snprintf(path, sizeof path, "%s%s/memory.max", cgroup_root, strcmp(rel, "/") ? rel : "");
    if (read_u64_file(path, &out->limit, &is_max) < 0 || is_max)
        return;
    snprintf(path, sizeof path, "%s%s/memory.current", cgroup_root, strcmp(rel, "/") ? rel : "");
    if (read_u64_file(path, &out->current, &is_max) < 0)
        return;
    out->present = 1;
}
