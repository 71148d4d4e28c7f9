#include "webhook_event_payload.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_json.h"
#include "fnv.h"
#include "webhook_payload.h"

void wh_event_idempotency_key(const vmon_event *events, uint32_t n, char *out, size_t cap)
{
    if (n == 1 && events[0].idempotency_key) {
        snprintf(out, cap, "%s", events[0].idempotency_key);
        return;
    }
    uint64_t h = VMON_FNV64_OFFSET;
    for (uint32_t i = 0; i < n; i++) {
        const char *k = events[i].idempotency_key ? events[i].idempotency_key : "";
        h = vmon_fnv1a64(h, k, strlen(k) + 1);
    }
    snprintf(out, cap, "events-%016llx", (unsigned long long)h);
}

static char *slack_body(const vmon_event *events, uint32_t n)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        return NULL;
    for (uint32_t i = 0; i < n; i++)
        fprintf(mem, "%s[%s] %s #%llu: %s", i ? "\n" : "", events[i].pipeline, events[i].type_name,
                (unsigned long long)events[i].sequence, events[i].message);
    fclose(mem);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "text", json_object_new_string(text ? text : ""));
    free(text);
    char *body = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return body;
}

char *wh_build_event_body(int format, const vmon_event *events, uint32_t n)
{
    if (format == WH_FORMAT_SLACK)
        return slack_body(events, n);
    if (n == 1)
        return vmon_event_to_json_string(&events[0]);
    json_object *arr = json_object_new_array();
    for (uint32_t i = 0; i < n; i++)
        json_object_array_add(arr, vmon_event_to_json(&events[i]));
    char *body = strdup(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
    json_object_put(arr);
    return body;
}
