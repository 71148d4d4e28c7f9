#include "alert_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_object *labels_object(const vmon_label *l, uint32_t n)
{
    json_object *o = json_object_new_object();
    for (uint32_t i = 0; i < n; i++)
        json_object_object_add(o, l[i].name, json_object_new_string(l[i].value));
    return o;
}

static json_object *number_or_null(double v)
{
    return isfinite(v) ? json_object_new_double(v) : NULL;
}

static json_object *time_or_null(int64_t ms)
{
    char buf[VMON_RFC3339_SIZE];
    if (!ms)
        return NULL;
    vmon_format_rfc3339(ms, buf, sizeof buf);
    return json_object_new_string(buf);
}

json_object *vmon_alert_to_json(const vmon_alert *a)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "rule", json_object_new_string(a->rule));
    json_object_object_add(o, "state", json_object_new_string(vmon_state_name(a->state)));
    json_object_object_add(o, "severity", json_object_new_string(vmon_severity_name(a->severity)));
    json_object_object_add(o, "component", json_object_new_string(a->component));
    json_object_object_add(o, "labels", labels_object(a->labels, a->n_labels));
    json_object_object_add(o, "annotations", labels_object(a->annotations, a->n_annotations));
    json_object_object_add(o, "message", json_object_new_string(a->message ? a->message : ""));
    json_object_object_add(o, "value", number_or_null(a->value));
    json_object_object_add(o, "threshold", number_or_null(a->threshold));
    json_object_object_add(o, "startsAt", time_or_null(a->starts_at_ms));
    json_object_object_add(o, "endsAt", time_or_null(a->ends_at_ms));
    json_object_object_add(o, "startsAtMs", json_object_new_int64(a->starts_at_ms));
    json_object_object_add(o, "endsAtMs", json_object_new_int64(a->ends_at_ms));
    json_object_object_add(o, "fingerprint", json_object_new_string(a->fingerprint));
    json_object_object_add(o, "idempotencyKey", json_object_new_string(a->idempotency_key));
    json_object_object_add(o, "repeat", json_object_new_int64(a->repeat));
    return o;
}

char *vmon_alert_to_json_string(const vmon_alert *a)
{
    json_object *o = vmon_alert_to_json(a);
    char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return s;
}

static const char *get_string(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : NULL;
}

static double get_number(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !v)
        return NAN;
    return json_object_get_double(v);
}

static int64_t get_int(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && v ? json_object_get_int64(v) : 0;
}

static vmon_label *labels_from(json_object *o, const char *key, uint32_t *n)
{
    json_object *obj;
    *n = 0;
    if (!json_object_object_get_ex(o, key, &obj) || !json_object_is_type(obj, json_type_object))
        return NULL;
    vmon_label *l = calloc((size_t)json_object_object_length(obj) + 1, sizeof *l);
    json_object_object_foreach(obj, k, v)
    {
        if (!v)
            continue; /* null: no label, as an empty value is none for Prometheus */
        l[*n].name = k;
        l[*n].value = json_object_get_string(v);
        (*n)++;
    }
    return l;
}

static uint32_t index_of(const char *s, const char *const *names, uint32_t n)
{
    for (uint32_t i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return 0;
}

int vmon_alert_from_json(const char *text, vmon_alert *out, json_object **holder)
{
    static const char *const sev[] = {"info", "warning", "critical"};
    static const char *const states[] = {"firing", "resolved"};
    json_object *o = json_tokener_parse(text);
    memset(out, 0, sizeof *out);
    *holder = NULL;
    if (!o || !json_object_is_type(o, json_type_object) || !get_string(o, "rule")) {
        json_object_put(o);
        return -1;
    }
    out->struct_size = sizeof *out;
    out->rule = get_string(o, "rule");
    out->component = get_string(o, "component") ? get_string(o, "component") : "";
    out->severity = index_of(get_string(o, "severity"), sev, 3);
    out->state = index_of(get_string(o, "state"), states, 2);
    out->labels = labels_from(o, "labels", &out->n_labels);
    out->annotations = labels_from(o, "annotations", &out->n_annotations);
    out->message = get_string(o, "message") ? get_string(o, "message") : "";
    out->value = get_number(o, "value");
    out->threshold = get_number(o, "threshold");
    out->starts_at_ms = get_int(o, "startsAtMs");
    out->ends_at_ms = get_int(o, "endsAtMs");
    out->fingerprint = get_string(o, "fingerprint") ? get_string(o, "fingerprint") : "";
    out->idempotency_key = get_string(o, "idempotencyKey") ? get_string(o, "idempotencyKey") : "";
    out->repeat = (uint32_t)get_int(o, "repeat");
    *holder = o;
    return 0;
}

void vmon_alert_json_release(vmon_alert *a, json_object *holder)
{
    free((void *)a->labels);
    free((void *)a->annotations);
    json_object_put(holder);
    memset(a, 0, sizeof *a);
}
