#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_priv.h"
#include "strutil.h"

vmon_alert_event *rt_event_from_spec(const vmon_instance *inst, const vmon_alert_spec *spec,
                                     int resolve, int64_t now)
{
    uint32_t n = spec->n_labels + 1;
    vmon_label *labels = vmon_calloc(n, sizeof *labels);
    if (spec->n_labels)
        memcpy(labels, spec->labels, spec->n_labels * sizeof *labels);
    labels[spec->n_labels] = (vmon_label){"instance", inst->name};
    vmon_label reason = {"reason", spec->message ? spec->message : ""};
    const char *component = vmon_kind_name(inst->kind);
    char *msg = vmon_asprintf("%s: %s", inst->log_source, spec->message ? spec->message : "");
    vmon_alert_event *ev =
        vmon_alert_event_new(spec->name, component, (int)spec->severity,
                             resolve ? VMON_ALERT_RESOLVED : VMON_ALERT_FIRING, labels, n, &reason,
                             1, msg, spec->value, NAN, now, resolve ? now : 0, 0);
    free(msg);
    free(labels);
    return ev;
}

void rt_fan_out_alert(vmon_runtime *rt, long source, vmon_alert_event *ev)
{
    unsigned char *seen = vmon_calloc(rt->plan.n_instances, 1);
    rt->stats.alerts++;
    for (size_t p = 0; p < rt->plan.n_pipelines; p++)
        if (rt_in_pipeline(rt, source, p))
            rt_push_to_sinks(rt, rt->pipelines[p].plan, &ev->a, seen);
    free(seen);
    vmon_alert_event_free(ev);
}

static active_alert *find_active(vmon_runtime *rt, const char *fp)
{
    for (size_t i = 0; i < rt->n_active; i++)
        if (strcmp(rt->active[i].fingerprint, fp) == 0)
            return &rt->active[i];
    return NULL;
}

static void remember(vmon_runtime *rt, long source, const vmon_alert_event *ev)
{
    rt->active = vmon_realloc(rt->active, (rt->n_active + 1) * sizeof *rt->active);
    const char *section = source >= 0 ? rt->plan.instances[source].section : "vmon";
    rt->active[rt->n_active++] = (active_alert){
        vmon_strdup(ev->a.fingerprint), vmon_strdup(section), vmon_alert_event_copy(&ev->a)};
}

static void forget(vmon_runtime *rt, active_alert *a)
{
    free(a->fingerprint);
    free(a->section);
    vmon_alert_event_free(a->fired);
    *a = rt->active[--rt->n_active];
}

/* Same notification identity as when it fired: the firing's start time. */
static vmon_alert_event *resolution_of(const vmon_alert *fired, const vmon_alert *now, int64_t end)
{
    const vmon_alert *src = now ? now : fired;
    return vmon_alert_event_new(fired->rule, fired->component, (int)fired->severity,
                                VMON_ALERT_RESOLVED, fired->labels, fired->n_labels,
                                src->annotations, src->n_annotations, src->message, src->value,
                                src->threshold, fired->starts_at_ms, end, 0);
}

/* Plugin alerts are deduplicated: raised once while firing, resolved once. */
void rt_process_plugin_alert(vmon_runtime *rt, long source, vmon_alert_event *ev, int resolve)
{
    active_alert *a = find_active(rt, ev->a.fingerprint);
    if (!resolve && !a) {
        remember(rt, source, ev);
        if (!rt_inhibit_hold(rt, source, -1, ev))
            rt_fan_out_alert(rt, source, ev);
        return;
    }
    if (resolve && a) {
        vmon_alert_event *r = resolution_of(&a->fired->a, &ev->a, ev->a.ends_at_ms);
        forget(rt, a);
        vmon_alert_event_free(ev);
        if (!rt_inhibit_hold(rt, source, -1, r))
            rt_fan_out_alert(rt, source, r);
        return;
    }
    vmon_alert_event_free(ev);
}

void rt_free_active(vmon_runtime *rt)
{
    while (rt->n_active)
        forget(rt, &rt->active[rt->n_active - 1]);
    free(rt->active);
    rt->active = NULL;
}
