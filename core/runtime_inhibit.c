/*
 * Inhibition: while a target is unreachable, the alerts that depend on it
 * (its probes' rules and their probe failures, and the target's own plugin
 * alerts) are held back, so one `target_unreachable` alert stands for the
 * outage instead of a storm. A target is down while any series of a rule
 * with `inhibits_target = true` fires for a reading of one of its probes.
 * When it is up again, held alerts that still fire are delivered, and those
 * that resolved meanwhile are never sent. Rules thread only. Held alerts do
 * not survive a reload (they are dropped with the old runtime).
 * docs/architecture.md ("Inhibition").
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "runtime_priv.h"
#include "strutil.h"

static int target_of(const vmon_runtime *rt, long source)
{
    if (source < 0 || (size_t)source >= rt->plan.n_instances)
        return -1;
    const vmon_plan_instance *pi = &rt->plan.instances[source];
    return pi->kind == VMON_KIND_TARGET ? (int)source : pi->target;
}

static int is_down(const vmon_runtime *rt, int target)
{
    for (size_t i = 0; i < rt->n_down; i++)
        if (rt->down[i].target == target)
            return 1;
    return 0;
}

static void release(vmon_runtime *rt, int target)
{
    size_t kept = 0, released = 0;
    for (size_t i = 0; i < rt->n_held; i++) {
        held_alert h = rt->held[i];
        if (h.target != target) {
            rt->held[kept++] = h;
            continue;
        }
        released++;
        if (h.pipeline >= 0) {
            rt->stats.alerts++;
            rt_push_to_sinks(rt, rt->pipelines[h.pipeline].plan, &h.ev->a, NULL);
            vmon_alert_event_free(h.ev);
        } else {
            rt_fan_out_alert(rt, h.source, h.ev);
        }
    }
    rt->n_held = kept;
    if (released)
        vmon_log(VMON_LOGL_INFO, "core",
                 "target %s is reachable again: %zu held alert(s) still firing, delivered now",
                 rt->plan.instances[target].name, released);
}

void rt_inhibit_mark(vmon_runtime *rt, long source, const vmon_alert_event *ev)
{
    int target = target_of(rt, source);
    if (target < 0)
        return;
    const char *fp = ev->a.fingerprint;
    size_t i = 0;
    while (i < rt->n_down &&
           !(rt->down[i].target == target && strcmp(rt->down[i].fingerprint, fp) == 0))
        i++;
    if (ev->a.state == VMON_ALERT_FIRING) {
        if (i < rt->n_down)
            return;
        rt->down = vmon_realloc(rt->down, (rt->n_down + 1) * sizeof *rt->down);
        rt->down[rt->n_down++] = (down_mark){target, vmon_strdup(fp)};
        return;
    }
    if (i == rt->n_down)
        return;
    free(rt->down[i].fingerprint);
    rt->down[i] = rt->down[--rt->n_down];
    if (!is_down(rt, target))
        release(rt, target);
}

static held_alert *find_held(vmon_runtime *rt, long pipeline, const char *fp)
{
    for (size_t i = 0; i < rt->n_held; i++)
        if (rt->held[i].pipeline == pipeline && strcmp(rt->held[i].ev->a.fingerprint, fp) == 0)
            return &rt->held[i];
    return NULL;
}

int rt_inhibit_hold(vmon_runtime *rt, long source, long pipeline, vmon_alert_event *ev)
{
    int target = target_of(rt, source);
    if (target < 0 || !is_down(rt, target))
        return 0;
    held_alert *h = find_held(rt, pipeline, ev->a.fingerprint);
    if (ev->a.state != VMON_ALERT_FIRING) {
        if (!h)
            return 0; /* it fired before the outage: its receivers want the resolution */
        vmon_alert_event_free(h->ev);
        *h = rt->held[--rt->n_held];
        vmon_alert_event_free(ev);
        return 1;
    }
    if (h) {
        vmon_alert_event_free(h->ev);
        h->ev = ev;
        return 1;
    }
    vmon_log(VMON_LOGL_INFO, "core", "holding alert %s from %s while target %s is unreachable",
             ev->a.rule, rt->plan.instances[source].section, rt->plan.instances[target].name);
    rt->held = vmon_realloc(rt->held, (rt->n_held + 1) * sizeof *rt->held);
    rt->held[rt->n_held++] = (held_alert){target, source, pipeline, ev};
    return 1;
}

void rt_free_inhibit(vmon_runtime *rt)
{
    for (size_t i = 0; i < rt->n_held; i++)
        vmon_alert_event_free(rt->held[i].ev);
    for (size_t i = 0; i < rt->n_down; i++)
        free(rt->down[i].fingerprint);
    free(rt->held);
    free(rt->down);
    rt->held = NULL;
    rt->down = NULL;
    rt->n_held = rt->n_down = 0;
}
