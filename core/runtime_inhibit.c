/*
 * Inhibition: while a target is unreachable, the alerts that depend on it
 * (its probes' rules and their probe failures, and the target's own plugin
 * alerts) are held back, so one `target_unreachable` alert stands for the
 * outage instead of a storm. A target is down while any series of a rule
 * with `inhibits_target = true` fires for a reading of one of its probes.
 * When it is up again, held alerts that still fire are delivered, and those
 * that resolved meanwhile are never sent. Rules thread only. A reload keeps
 * what is held when the target and the inhibiting rule carry over, and
 * delivers the rest at once: no held alert is lost.
 * docs/architecture.md ("Inhibition").
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rules.h"
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

void rt_inhibit_mark(vmon_runtime *rt, long source, long pipeline, const vmon_plan_rule *rule,
                     const vmon_alert_event *ev)
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
        rt->down[rt->n_down++] = (down_mark){target, pipeline, rule, vmon_strdup(fp)};
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

static long fresh_index(const vmon_runtime *fresh, const long *carry, long old_index)
{
    for (size_t i = 0; old_index >= 0 && i < fresh->plan.n_instances; i++)
        if (carry[i] == old_index)
            return (long)i;
    return -1;
}

/* The fresh pipeline of old pipeline `p`'s name, or -1. */
static long fresh_pipeline(const vmon_runtime *old, const vmon_runtime *fresh, long p)
{
    const rt_pipeline *np = p >= 0 ? rt_find_pipeline(fresh, old->pipelines[p].plan->name) : NULL;
    return np ? (long)(np - fresh->pipelines) : -1;
}

/* The rule of fresh pipeline `p` that adopts `rule` (the same condition, as the reload matches). */
static const vmon_plan_rule *successor(const vmon_runtime *fresh, long p,
                                       const vmon_plan_rule *rule)
{
    const rt_pipeline *np = &fresh->pipelines[p];
    for (size_t k = 0; rule && k < np->plan->n_rules; k++)
        if (vmon_rule_same_condition(np->rules[k].rule, rule) &&
            np->rules[k].rule->inhibits_target == rule->inhibits_target)
            return np->rules[k].rule;
    return NULL;
}

static const vmon_plan_rule *rule_named(const vmon_runtime *rt, long p, const char *name)
{
    const rt_pipeline *rp = &rt->pipelines[p];
    for (size_t k = 0; k < rp->plan->n_rules; k++)
        if (strcmp(rp->rules[k].rule->name, name) == 0)
            return rp->rules[k].rule;
    return NULL;
}

static void adopt_down_marks(vmon_runtime *old, vmon_runtime *fresh, const long *carry)
{
    for (size_t i = 0; i < old->n_down; i++) {
        down_mark d = old->down[i];
        long target = fresh_index(fresh, carry, d.target);
        long p = fresh_pipeline(old, fresh, d.pipeline);
        const vmon_plan_rule *rule = p >= 0 ? successor(fresh, p, d.rule) : NULL;
        if (target < 0 || !rule) {
            free(d.fingerprint);
            continue;
        }
        fresh->down = vmon_realloc(fresh->down, (fresh->n_down + 1) * sizeof *fresh->down);
        fresh->down[fresh->n_down++] = (down_mark){(int)target, p, rule, d.fingerprint};
    }
    free(old->down);
    old->down = NULL;
    old->n_down = 0;
}

/* Can `h` stay held in `fresh`? Then `moved` gets it with fresh indexes. */
static int carry_held(const vmon_runtime *old, const vmon_runtime *fresh, const long *carry,
                      const held_alert *h, held_alert *moved)
{
    long target = fresh_index(fresh, carry, h->target);
    long source = fresh_index(fresh, carry, h->source);
    if (target < 0 || source < 0 || !is_down(fresh, (int)target))
        return 0;
    long p = -1;
    if (h->pipeline >= 0) {
        p = fresh_pipeline(old, fresh, h->pipeline);
        if (p < 0 || !successor(fresh, p, rule_named(old, h->pipeline, h->ev->a.rule)))
            return 0;
    }
    *moved = (held_alert){(int)target, source, p, h->ev};
    return 1;
}

void rt_inhibit_adopt(vmon_runtime *old, vmon_runtime *fresh, const long *carry)
{
    adopt_down_marks(old, fresh, carry);
    size_t delivered = 0;
    for (size_t i = 0; i < old->n_held; i++) {
        held_alert h = old->held[i], moved;
        if (carry_held(old, fresh, carry, &h, &moved)) {
            fresh->held = vmon_realloc(fresh->held, (fresh->n_held + 1) * sizeof *fresh->held);
            fresh->held[fresh->n_held++] = moved;
            continue;
        }
        delivered++;
        if (h.pipeline >= 0) {
            old->stats.alerts++;
            rt_push_to_sinks(old, old->pipelines[h.pipeline].plan, &h.ev->a, NULL);
            vmon_alert_event_free(h.ev);
        } else {
            rt_fan_out_alert(old, h.source, h.ev);
        }
    }
    old->n_held = 0;
    if (delivered)
        vmon_log(VMON_LOGL_INFO, "core",
                 "reload: %zu held alert(s) delivered now (their target or rule changed)",
                 delivered);
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
