/*
 * Events from the tuning loop: numbered, keyed, and queued through the
 * rules thread (so they keep their order with the alerts around them) to
 * every sink of the pipeline whose plugin takes events.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "event_copy.h"
#include "event_publish.h"
#include "event_seq.h"
#include "log.h"
#include "runtime_priv.h"
#include "strutil.h"

static long pipeline_index(const vmon_runtime *rt, const char *name)
{
    for (size_t p = 0; name && p < rt->plan.n_pipelines; p++)
        if (strcmp(rt->plan.pipelines[p].name, name) == 0)
            return (long)p;
    return -1;
}

/* The caller's labels plus `pipeline`, sorted by name (the ABI promises it). */
static vmon_label *identity(const char *pipeline, const vmon_event_spec *spec, uint32_t *n)
{
    vmon_label *l = vmon_calloc(spec->n_labels + 1, sizeof *l);
    *n = 0;
    for (uint32_t i = 0; i < spec->n_labels; i++)
        if (strcmp(spec->labels[i].name, "pipeline") != 0)
            l[(*n)++] = spec->labels[i];
    l[(*n)++] = (vmon_label){"pipeline", pipeline};
    vmon_labels_sort(l, *n);
    return l;
}

static const char *state_dir(const vmon_runtime *rt)
{
    const vmon_value *v = vmon_values_get(&rt->plan.daemon, "state_dir");
    return v && v->text ? v->text : NULL;
}

uint64_t vmon_runtime_publish_event(vmon_runtime *rt, const char *pipeline,
                                    const vmon_event_spec *spec)
{
    long p = pipeline_index(rt, pipeline);
    const char *type_name = vmon_event_type_name(spec->type);
    if (p < 0 || !type_name) {
        vmon_log(VMON_LOGL_ERROR, "core", "event %u for [pipeline:%s] not published: %s",
                 spec->type, pipeline ? pipeline : "(null)",
                 p < 0 ? "no such pipeline" : "unknown event type");
        return 0;
    }
    uint32_t n_labels = 0;
    vmon_label *labels = identity(rt->plan.pipelines[p].name, spec, &n_labels);
    uint64_t seq = vmon_event_seq_next(state_dir(rt));
    char key[192];
    snprintf(key, sizeof key, "%s-%s-%" PRIu64, rt->plan.pipelines[p].name, type_name, seq);
    vmon_event e = {
        .struct_size = sizeof e,
        .type = spec->type,
        .severity = spec->severity,
        .n_labels = n_labels,
        .n_fields = spec->n_fields,
        .sequence = seq,
        .time_ms = spec->time_ms ? spec->time_ms : vmon_now_ms(),
        .type_name = type_name,
        .pipeline = rt->plan.pipelines[p].name,
        .labels = labels,
        .fields = spec->fields,
        .message = spec->message ? spec->message : "",
        .idempotency_key = key,
    };
    work_item *w = vmon_calloc(1, sizeof *w);
    w->source = -1;
    w->pipeline = p;
    w->alert = vmon_queued_event_new(&e);
    free(labels);
    rt_enqueue(rt, w);
    return seq;
}

void rt_fan_out_event(vmon_runtime *rt, size_t pipeline, vmon_alert_event *ev)
{
    const vmon_plan_pipeline *pp = rt->pipelines[pipeline].plan;
    rt->stats.events++;
    for (size_t s = 0; s < pp->n_sinks; s++) {
        vmon_delivery *d = rt_delivery(rt, (size_t)pp->sinks[s]);
        if (d && vmon_delivery_wants_events(d))
            vmon_delivery_push_event(d, vmon_queued_event_new(ev->event));
    }
    vmon_alert_event_free(ev);
}
