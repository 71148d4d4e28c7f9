/* The pipeline monitor: windows per collection and arm, baseline, degradation. */
#include "monitor.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "latency_window.h"

struct vmon_monitor_arm {
    vmon_latency_window *window;
};

typedef struct collection {
    struct collection *next;
    char *name; /* "" for NULL: the target's default collection */
    vmon_monitor_arm *arms[VMON_ROUTER_MAX_ARMS];
    bool has_baseline;
    vmon_arm_figures baseline;
} collection;

struct vmon_monitor {
    vmon_monitor_config cfg;
    pthread_mutex_t mu; /* the collection list and baselines; never taken per request */
    collection *collections;
};

void vmon_monitor_config_default(vmon_monitor_config *cfg)
{
    *cfg = (vmon_monitor_config){.window_ms = 60000,
                                 .slice_ms = 0,
                                 .n_writers = 1,
                                 .min_samples = 100,
                                 .latency_factor = 1.5,
                                 .qps_drop = 0.30};
}

static bool valid_config(vmon_monitor_config *c, char *err, size_t errlen)
{
    if (c->window_ms == 0) {
        snprintf(err, errlen, "monitor: window must be at least 1 ms");
        return false;
    }
    if (c->slice_ms == 0)
        c->slice_ms = c->window_ms / 60 ? c->window_ms / 60 : 1;
    uint32_t slices = (c->window_ms + c->slice_ms - 1) / c->slice_ms;
    if (c->slice_ms > c->window_ms || slices > VMON_LATENCY_WINDOW_MAX_SLICES) {
        snprintf(err, errlen,
                 "monitor: a window of %u ms in slices of %u ms is %u slices; use 1 to %u "
                 "slices, each at most the window",
                 c->window_ms, c->slice_ms, slices, VMON_LATENCY_WINDOW_MAX_SLICES);
        return false;
    }
    if (c->n_writers == 0 || c->n_writers > VMON_LATENCY_WINDOW_MAX_WRITERS) {
        snprintf(err, errlen, "monitor: %u traffic workers; use 1 to %u", c->n_writers,
                 VMON_LATENCY_WINDOW_MAX_WRITERS);
        return false;
    }
    if (!(c->latency_factor > 1.0) || !isfinite(c->latency_factor)) {
        snprintf(err, errlen,
                 "monitor: latency_factor %g must be a number above 1 (1.5: p95 "
                 "up by half)",
                 c->latency_factor);
        return false;
    }
    if (!(c->qps_drop > 0.0 && c->qps_drop < 1.0)) {
        snprintf(err, errlen,
                 "monitor: qps_drop %g must lie strictly between 0 and 1 (0.30: "
                 "QPS down by 30%%)",
                 c->qps_drop);
        return false;
    }
    return true;
}

vmon_monitor *vmon_monitor_new(const vmon_monitor_config *cfg, char *err, size_t errlen)
{
    vmon_monitor_config c = *cfg;
    if (!valid_config(&c, err, errlen))
        return NULL;
    vmon_monitor *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "monitor: out of memory");
        return NULL;
    }
    m->cfg = c;
    pthread_mutex_init(&m->mu, NULL);
    return m;
}

void vmon_monitor_free(vmon_monitor *m)
{
    if (!m)
        return;
    for (collection *c = m->collections, *next; c; c = next) {
        next = c->next;
        for (uint32_t i = 0; i < VMON_ROUTER_MAX_ARMS; i++) {
            if (c->arms[i])
                vmon_latency_window_free(c->arms[i]->window);
            free(c->arms[i]);
        }
        free(c->name);
        free(c);
    }
    pthread_mutex_destroy(&m->mu);
    free(m);
}

static collection *find(const vmon_monitor *m, const char *name)
{
    for (collection *c = m->collections; c; c = c->next)
        if (strcmp(c->name, name ? name : "") == 0)
            return c;
    return NULL;
}

static collection *find_or_add(vmon_monitor *m, const char *name)
{
    collection *c = find(m, name);
    if (c)
        return c;
    c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->name = strdup(name ? name : "");
    if (!c->name) {
        free(c);
        return NULL;
    }
    c->next = m->collections;
    m->collections = c;
    return c;
}

static vmon_monitor_arm *new_arm(const vmon_monitor_config *cfg)
{
    vmon_monitor_arm *a = malloc(sizeof *a);
    if (!a)
        return NULL;
    a->window = vmon_latency_window_new(cfg->window_ms, cfg->slice_ms, cfg->n_writers);
    if (!a->window) {
        free(a);
        return NULL;
    }
    return a;
}

vmon_monitor_arm *vmon_monitor_arm_get(vmon_monitor *m, const char *collection_name, uint32_t arm,
                                       char *err, size_t errlen)
{
    if (arm >= VMON_ROUTER_MAX_ARMS) {
        snprintf(err, errlen, "monitor: arm %u of a router with at most %u arms", arm,
                 VMON_ROUTER_MAX_ARMS);
        return NULL;
    }
    pthread_mutex_lock(&m->mu);
    collection *c = find_or_add(m, collection_name);
    vmon_monitor_arm *a = c ? c->arms[arm] : NULL;
    if (c && !a)
        a = c->arms[arm] = new_arm(&m->cfg);
    pthread_mutex_unlock(&m->mu);
    if (!a)
        snprintf(err, errlen, "monitor: out of memory for a latency window of %u writers",
                 m->cfg.n_writers);
    return a;
}

void vmon_monitor_record(vmon_monitor_arm *a, uint32_t writer, uint64_t now_ns, uint64_t latency_ns,
                         bool ok)
{
    vmon_latency_window_record(a->window, writer, now_ns, latency_ns, ok);
}

void vmon_monitor_arm_figures(const vmon_monitor_arm *a, uint64_t now_ns, vmon_arm_figures *out,
                              bool *full)
{
    vmon_latency_summary s;
    vmon_latency_window_read(a->window, now_ns, &s);
    *out = (vmon_arm_figures){.struct_size = sizeof *out,
                              .samples = s.count > UINT32_MAX ? UINT32_MAX : (uint32_t)s.count,
                              .errors = s.errors > UINT32_MAX ? UINT32_MAX : (uint32_t)s.errors,
                              .mean_ms = s.mean_ms,
                              .p50_ms = s.p50_ms,
                              .p95_ms = s.p95_ms,
                              .p99_ms = s.p99_ms,
                              .qps = s.qps,
                              .recall = NAN,
                              .recall_low = NAN,
                              .recall_high = NAN};
    if (full)
        *full = s.full;
}

void vmon_monitor_arm_latency(const vmon_monitor_arm *a, uint64_t now_ns, vmon_loghist *out)
{
    vmon_latency_window_merged(a->window, now_ns, out);
}

/* A window that may be compared: whole, and with enough successful requests. */
static bool usable(const vmon_monitor_config *cfg, const vmon_arm_figures *f, bool full)
{
    uint32_t ok = f->samples >= f->errors ? f->samples - f->errors : 0;
    return full && ok >= (cfg->min_samples ? cfg->min_samples : 1);
}

int vmon_monitor_degradation(const vmon_monitor_config *cfg, const vmon_arm_figures *baseline,
                             const vmon_arm_figures *now, bool full)
{
    if (!baseline || !usable(cfg, now, full))
        return -1;
    if (baseline->p95_ms > 0 && isfinite(baseline->p95_ms) &&
        now->p95_ms > cfg->latency_factor * baseline->p95_ms)
        return VMON_TUNE_LATENCY_DEGRADED;
    if (baseline->qps > 0 && isfinite(baseline->qps) &&
        now->qps < (1 - cfg->qps_drop) * baseline->qps)
        return VMON_TUNE_QPS_DEGRADED;
    return -1;
}

static double ratio(double now, double base)
{
    return base > 0 && isfinite(base) && isfinite(now) ? now / base : NAN;
}

int vmon_monitor_check(vmon_monitor *m, const char *collection_name, uint64_t now_ns,
                       vmon_monitor_status *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->reason = -1;
    out->p95_ratio = out->qps_ratio = NAN;
    pthread_mutex_lock(&m->mu);
    collection *c = find(m, collection_name);
    if (!c || !c->arms[0]) {
        pthread_mutex_unlock(&m->mu);
        snprintf(err, errlen, "monitor: collection '%s' has no arm 0 yet (no traffic recorded)",
                 collection_name ? collection_name : "(default)");
        return VMON_EINVAL;
    }
    vmon_monitor_arm_figures(c->arms[0], now_ns, &out->now, &out->full);
    if (!c->has_baseline && usable(&m->cfg, &out->now, out->full) && out->now.p95_ms > 0 &&
        out->now.qps > 0) {
        c->baseline = out->now;
        c->has_baseline = true;
        out->baseline_set = true;
    }
    out->has_baseline = c->has_baseline;
    if (c->has_baseline) {
        out->baseline = c->baseline;
        out->reason = vmon_monitor_degradation(&m->cfg, &c->baseline, &out->now, out->full);
        out->p95_ratio = ratio(out->now.p95_ms, c->baseline.p95_ms);
        out->qps_ratio = ratio(out->now.qps, c->baseline.qps);
    }
    pthread_mutex_unlock(&m->mu);
    return VMON_OK;
}

void vmon_monitor_reset(vmon_monitor *m, const char *collection_name, uint64_t now_ns)
{
    pthread_mutex_lock(&m->mu);
    collection *c = find(m, collection_name);
    if (c) {
        c->has_baseline = false;
        for (uint32_t i = 0; i < VMON_ROUTER_MAX_ARMS; i++)
            if (c->arms[i])
                vmon_latency_window_reset(c->arms[i]->window, now_ns);
    }
    pthread_mutex_unlock(&m->mu);
}
