#include "alert_event.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_copy.h"
#include "fnv.h"
#include "strutil.h"

static int compare_labels(const void *a, const void *b)
{
    return strcmp(((const vmon_label *)a)->name, ((const vmon_label *)b)->name);
}

void vmon_labels_sort(vmon_label *labels, uint32_t n)
{
    if (n > 1)
        qsort(labels, n, sizeof *labels, compare_labels);
}

uint64_t vmon_fingerprint(const char *rule, const vmon_label *sorted, uint32_t n)
{
    uint64_t h = vmon_fnv1a64_field(VMON_FNV64_OFFSET, rule);
    for (uint32_t i = 0; i < n; i++) {
        if (strcmp(sorted[i].name, "alertname") == 0)
            continue;
        h = vmon_fnv1a64_field(vmon_fnv1a64_field(h, sorted[i].name), sorted[i].value);
    }
    return h;
}

static vmon_label *copy_labels(const vmon_label *src, uint32_t n, const char *alertname,
                               uint32_t *n_out)
{
    int add_name = alertname != NULL;
    for (uint32_t i = 0; add_name && i < n; i++)
        if (strcmp(src[i].name, "alertname") == 0)
            add_name = 0;
    uint32_t total = n + (add_name ? 1 : 0);
    vmon_label *out = vmon_calloc(total, sizeof *out);
    for (uint32_t i = 0; i < n; i++) {
        out[i].name = vmon_strdup(src[i].name);
        out[i].value = vmon_strdup(src[i].value);
    }
    if (add_name) {
        out[n].name = vmon_strdup("alertname");
        out[n].value = vmon_strdup(alertname);
    }
    vmon_labels_sort(out, total);
    *n_out = total;
    return out;
}

static void set_identity(vmon_alert_event *e)
{
    char buf[128];
    uint64_t fp = vmon_fingerprint(e->a.rule, e->a.labels, e->a.n_labels);
    snprintf(buf, sizeof buf, "%016" PRIx64, fp);
    e->a.fingerprint = vmon_strdup(buf);
    /* One key per notification: the same on every retry, new for each transition. */
    snprintf(buf, sizeof buf, "%016" PRIx64 "-%s-%" PRId64 "-%u", fp,
             e->a.state == VMON_ALERT_FIRING ? "firing" : "resolved", e->a.starts_at_ms,
             e->a.repeat);
    e->a.idempotency_key = vmon_strdup(buf);
}

vmon_alert_event *vmon_alert_event_new(const char *rule, const char *component, int severity,
                                       int state, const vmon_label *labels, uint32_t n_labels,
                                       const vmon_label *annotations, uint32_t n_annotations,
                                       const char *message, double value, double threshold,
                                       int64_t starts_at_ms, int64_t ends_at_ms, uint32_t repeat)
{
    vmon_alert_event *e = vmon_calloc(1, sizeof *e);
    vmon_alert *a = &e->a;
    a->struct_size = sizeof *a;
    a->severity = (uint32_t)severity;
    a->state = (uint32_t)state;
    a->repeat = repeat;
    a->rule = vmon_strdup(rule);
    a->component = vmon_strdup(component);
    a->labels = copy_labels(labels, n_labels, rule, &a->n_labels);
    a->annotations = copy_labels(annotations, n_annotations, NULL, &a->n_annotations);
    a->message = vmon_strdup(message);
    a->value = value;
    a->threshold = threshold;
    a->starts_at_ms = starts_at_ms;
    a->ends_at_ms = ends_at_ms;
    set_identity(e);
    return e;
}

vmon_alert_event *vmon_alert_event_copy(const vmon_alert *src)
{
    vmon_alert_event *e = vmon_alert_event_new(
        src->rule, src->component, (int)src->severity, (int)src->state, src->labels, src->n_labels,
        src->annotations, src->n_annotations, src->message, src->value, src->threshold,
        src->starts_at_ms, src->ends_at_ms, src->repeat);
    /* Keep the original identity even if the source computed it differently. */
    free((char *)e->a.fingerprint);
    free((char *)e->a.idempotency_key);
    e->a.fingerprint = vmon_strdup(src->fingerprint);
    e->a.idempotency_key = vmon_strdup(src->idempotency_key);
    return e;
}

static void free_labels(const vmon_label *l, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        free((char *)l[i].name);
        free((char *)l[i].value);
    }
    free((vmon_label *)l);
}

void vmon_alert_event_free(vmon_alert_event *e)
{
    if (!e)
        return;
    free((char *)e->a.rule);
    free((char *)e->a.component);
    free_labels(e->a.labels, e->a.n_labels);
    free_labels(e->a.annotations, e->a.n_annotations);
    free((char *)e->a.message);
    free((char *)e->a.fingerprint);
    free((char *)e->a.idempotency_key);
    vmon_event_free(e->event);
    free(e);
}
