#include "event_copy.h"

#include <stdlib.h>

#include "strutil.h"

static vmon_label *copy_pairs(const vmon_label *src, uint32_t n)
{
    vmon_label *out = vmon_calloc(n ? n : 1, sizeof *out);
    for (uint32_t i = 0; i < n; i++) {
        out[i].name = vmon_strdup(src[i].name ? src[i].name : "");
        out[i].value = vmon_strdup(src[i].value ? src[i].value : "");
    }
    return out;
}

static void free_pairs(const vmon_label *l, uint32_t n)
{
    for (uint32_t i = 0; l && i < n; i++) {
        free((char *)l[i].name);
        free((char *)l[i].value);
    }
    free((vmon_label *)l);
}

static char *copy_text(const char *s)
{
    return vmon_strdup(s ? s : "");
}

vmon_event *vmon_event_dup(const vmon_event *src)
{
    vmon_event *e = vmon_calloc(1, sizeof *e);
    *e = *src;
    e->struct_size = sizeof *e;
    e->type_name = copy_text(src->type_name);
    e->pipeline = copy_text(src->pipeline);
    e->labels = copy_pairs(src->labels, src->n_labels);
    e->fields = copy_pairs(src->fields, src->n_fields);
    e->message = copy_text(src->message);
    e->idempotency_key = copy_text(src->idempotency_key);
    return e;
}

void vmon_event_free(vmon_event *e)
{
    if (!e)
        return;
    free((char *)e->type_name);
    free((char *)e->pipeline);
    free_pairs(e->labels, e->n_labels);
    free_pairs(e->fields, e->n_fields);
    free((char *)e->message);
    free((char *)e->idempotency_key);
    free(e);
}

vmon_alert_event *vmon_queued_event_new(const vmon_event *src)
{
    vmon_alert_event *q = vmon_alert_event_new(
        src->type_name ? src->type_name : "event", "event", (int)src->severity, VMON_ALERT_FIRING,
        NULL, 0, NULL, 0, src->message ? src->message : "", 0.0, 0.0, src->time_ms, 0, 0);
    free((char *)q->a.fingerprint);
    free((char *)q->a.idempotency_key);
    q->a.fingerprint = copy_text(src->idempotency_key);
    q->a.idempotency_key = copy_text(src->idempotency_key);
    q->event = vmon_event_dup(src);
    return q;
}
