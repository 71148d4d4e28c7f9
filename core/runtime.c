#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "runtime_priv.h"
#include "strutil.h"

static atomic_uint_fast64_t reloads;

void vmon_runtime_count_reload(void)
{
    atomic_fetch_add(&reloads, 1);
}

uint64_t vmon_runtime_reloads(void)
{
    return atomic_load(&reloads);
}

const vmon_plan *vmon_runtime_plan(const vmon_runtime *rt)
{
    return &rt->plan;
}

vmon_runtime *rt_alloc(vmon_plan *plan)
{
    vmon_runtime *rt = vmon_calloc(1, sizeof *rt);
    rt->plan = *plan;
    memset(plan, 0, sizeof *plan);
    pthread_mutex_init(&rt->lock, NULL);
    vmon_cond_init_monotonic(&rt->wake);
    rt->stats.started_ms = vmon_now_ms();
    rt_compute_membership(rt);
    rt_init_pipelines(rt);
    rt->slots = vmon_calloc(rt->plan.n_instances + 1, sizeof *rt->slots);
    return rt;
}

/* A sink's own trouble (disabled, spool full) becomes an alert for the other sinks. */
static void on_sink_event(void *arg, const char *sink, const char *alert, const char *reason,
                          int resolve)
{
    (void)sink;
    vmon_alert_spec spec = {.struct_size = sizeof spec,
                            .severity = VMON_SEV_CRITICAL,
                            .name = alert,
                            .message = reason,
                            .value = NAN};
    rt_slot_alert(arg, &spec, resolve);
}

int rt_bring_up(vmon_runtime *rt, size_t i, char *err, size_t errlen)
{
    int t = rt->plan.instances[i].target;
    if (t >= 0 && !rt->slots[t]) {
        snprintf(err, errlen, "[%s] its target [%s] is not running", rt->plan.instances[i].section,
                 rt->plan.instances[t].section);
        return -1;
    }
    rt_slot *s = rt->slots[i] = rt_slot_new(rt, i);
    if (t >= 0)
        s->inst->target = rt->slots[t]->inst;
    if (vmon_instance_create(s->inst, err, errlen) < 0 ||
        vmon_instance_start(s->inst, err, errlen) < 0)
        return -1;
    if (s->inst->kind != VMON_KIND_SINK)
        return 0;
    s->delivery = vmon_delivery_start(s->inst, on_sink_event, s, err, errlen);
    return s->delivery ? 0 : -1;
}

/* Targets first: probes and tuners reach them from their create(). */
int rt_targets_first(const vmon_runtime *rt, size_t i, int pass)
{
    return (rt->plan.instances[i].kind == VMON_KIND_TARGET) == (pass == 0);
}

vmon_runtime *vmon_runtime_new(vmon_plan *plan, char *err, size_t errlen)
{
    vmon_runtime *rt = rt_alloc(plan);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < rt->plan.n_instances; i++)
            if (rt_targets_first(rt, i, pass) && rt_bring_up(rt, i, err, errlen) < 0) {
                vmon_runtime_stop(rt);
                return NULL;
            }
    return rt;
}

/* Probes without a running thread get one (carried probes keep theirs). */
int rt_start_probes(vmon_runtime *rt, char *err, size_t errlen)
{
    for (size_t i = 0; i < rt->plan.n_instances; i++) {
        rt_slot *s = rt->slots[i];
        if (s && s->inst && s->inst->kind == VMON_KIND_PROBE && !s->probe &&
            !rt_probe_start(s, rt->cycles, err, errlen))
            return -1;
    }
    return 0;
}

int vmon_runtime_start(vmon_runtime *rt, int64_t cycles, char *err, size_t errlen)
{
    rt->cycles = cycles;
    if (rt_start_rules(rt, err, errlen) < 0 || rt_start_probes(rt, err, errlen) < 0)
        return -1;
    if (rt_start_traffic(rt, err, errlen) < 0)
        return -1;
    return rt_start_tuning(rt, err, errlen);
}

/* Every probe thread is told first, then joined, so N slow probes cost one wait. */
void rt_stop_probes(vmon_runtime *rt, const unsigned char *keep)
{
    for (size_t i = 0; i < rt->plan.n_instances; i++)
        if (rt->slots[i] && rt->slots[i]->probe && !(keep && keep[i]))
            rt_probe_signal_stop(rt->slots[i]->probe);
    for (size_t i = 0; i < rt->plan.n_instances; i++)
        if (rt->slots[i] && rt->slots[i]->probe && !(keep && keep[i]))
            rt_probe_join(rt->slots[i]->probe);
}

void vmon_runtime_finish_cycles(vmon_runtime *rt)
{
    for (size_t i = 0; i < rt->plan.n_instances; i++)
        if (rt->slots[i] && rt->slots[i]->probe)
            rt_probe_join(rt->slots[i]->probe);
    /* The rules thread drains its queue before it stops; then vmond reports itself. */
    rt_stop_rules(rt);
    rt_report_self(rt);
}

/* Probes and rules stop; sinks keep delivering what is queued. */
static void quiesce(vmon_runtime *rt)
{
    rt_stop_tuning(rt);
    rt_stop_traffic(rt);
    rt_free_tuning(rt);
    rt_stop_probes(rt, NULL);
    rt_stop_rules(rt);
}

/* Every sink gets the same deadline, so N hung sinks cost one shutdown_timeout. */
void rt_stop_deliveries(vmon_runtime *rt, const unsigned char *keep)
{
    size_t n = rt->plan.n_instances;
    vmon_delivery **ds = vmon_calloc(n + 1, sizeof *ds);
    unsigned char *abandoned = vmon_calloc(n + 1, 1);
    for (size_t i = 0; i < n; i++)
        if (rt->slots[i] && !(keep && keep[i]))
            ds[i] = rt->slots[i]->delivery;
    vmon_delivery_stop_all(ds, n, rt->plan.shutdown_timeout_ms, abandoned);
    for (size_t i = 0; i < n; i++)
        if (ds[i])
            rt_slot_delivery_stopped(rt->slots[i], abandoned[i]);
    free(abandoned);
    free(ds);
}

/* Sinks and other users first (they may hold target handles), targets last. */
void rt_free_slots(vmon_runtime *rt, const unsigned char *keep)
{
    for (int pass = 1; pass >= 0; pass--)
        for (size_t i = 0; i < rt->plan.n_instances; i++)
            if (rt->slots[i] && !(keep && keep[i]) && rt_targets_first(rt, i, pass)) {
                rt_slot_free(rt->slots[i]);
                rt->slots[i] = NULL;
            }
}

void rt_free(vmon_runtime *rt)
{
    rt_free_pipelines(rt);
    rt_free_queue(rt);
    rt_free_active(rt);
    rt_free_inhibit(rt);
    free(rt->slots);
    free(rt->member);
    pthread_cond_destroy(&rt->wake);
    pthread_mutex_destroy(&rt->lock);
    vmon_plan_free(&rt->plan);
    free(rt);
}

void vmon_runtime_stop(vmon_runtime *rt)
{
    if (!rt)
        return;
    quiesce(rt);
    rt_stop_deliveries(rt, NULL);
    rt_free_slots(rt, NULL);
    rt_free(rt);
}
