#include "event_json.h"

#include <stdlib.h>
#include <string.h>

#include "severity.h"
#include "time_format.h"

static json_object *labels_object(const vmon_label *l, uint32_t n)
{
    json_object *o = json_object_new_object();
    for (uint32_t i = 0; i < n; i++)
        json_object_object_add(o, l[i].name, json_object_new_string(l[i].value ? l[i].value : ""));
    return o;
}

static json_object *text(const char *s)
{
    return json_object_new_string(s ? s : "");
}

json_object *vmon_event_to_json(const vmon_event *e)
{
    char when[VMON_RFC3339_SIZE];
    vmon_format_rfc3339(e->time_ms, when, sizeof when);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "kind", json_object_new_string("event"));
    json_object_object_add(o, "type", text(e->type_name));
    json_object_object_add(o, "typeId", json_object_new_int64(e->type));
    json_object_object_add(o, "sequence", json_object_new_uint64(e->sequence));
    json_object_object_add(o, "severity", text(vmon_severity_name(e->severity)));
    json_object_object_add(o, "time", json_object_new_string(when));
    json_object_object_add(o, "timeMs", json_object_new_int64(e->time_ms));
    json_object_object_add(o, "pipeline", text(e->pipeline));
    json_object_object_add(o, "labels", labels_object(e->labels, e->n_labels));
    json_object_object_add(o, "fields", labels_object(e->fields, e->n_fields));
    json_object_object_add(o, "message", text(e->message));
    json_object_object_add(o, "idempotencyKey", text(e->idempotency_key));
    return o;
}

char *vmon_event_to_json_string(const vmon_event *e)
{
    json_object *o = vmon_event_to_json(e);
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

static const char *get_text(json_object *o, const char *key)
{
    const char *s = get_string(o, key);
    return s ? s : "";
}

static int64_t get_int(json_object *o, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(o, key, &v) && v ? json_object_get_int64(v) : 0;
}

static int is_event_object(json_object *o)
{
    const char *kind = o && json_object_is_type(o, json_type_object) ? get_string(o, "kind") : NULL;
    return kind && strcmp(kind, "event") == 0;
}

int vmon_json_is_event(const char *text_in)
{
    json_object *o = json_tokener_parse(text_in);
    int yes = is_event_object(o);
    json_object_put(o);
    return yes;
}

static vmon_label *labels_from(json_object *o, const char *key, uint32_t *n)
{
    json_object *obj;
    *n = 0;
    if (!json_object_object_get_ex(o, key, &obj) || !json_object_is_type(obj, json_type_object))
        return calloc(1, sizeof(vmon_label));
    vmon_label *l = calloc((size_t)json_object_object_length(obj) + 1, sizeof *l);
    json_object_object_foreach(obj, k, v)
    {
        if (!v || !json_object_is_type(v, json_type_string))
            continue;
        l[*n].name = k;
        l[*n].value = json_object_get_string(v);
        (*n)++;
    }
    return l;
}

int vmon_event_from_json(const char *text_in, vmon_event *out, json_object **holder)
{
    json_object *o = json_tokener_parse(text_in);
    memset(out, 0, sizeof *out);
    *holder = NULL;
    if (!is_event_object(o) || !get_string(o, "type")) {
        json_object_put(o);
        return -1;
    }
    out->struct_size = sizeof *out;
    out->type = (uint32_t)get_int(o, "typeId");
    out->type_name = get_string(o, "type");
    json_object *seq;
    out->sequence =
        json_object_object_get_ex(o, "sequence", &seq) && seq ? json_object_get_uint64(seq) : 0;
    if (vmon_severity_from_name(get_string(o, "severity"), &out->severity) < 0)
        out->severity = VMON_SEV_INFO;
    out->time_ms = get_int(o, "timeMs");
    out->pipeline = get_text(o, "pipeline");
    out->labels = labels_from(o, "labels", &out->n_labels);
    out->fields = labels_from(o, "fields", &out->n_fields);
    out->message = get_text(o, "message");
    out->idempotency_key = get_text(o, "idempotencyKey");
    *holder = o;
    return 0;
}

void vmon_event_json_release(vmon_event *e, json_object *holder)
{
    free((void *)e->labels);
    free((void *)e->fields);
    json_object_put(holder);
    memset(e, 0, sizeof *e);
}
