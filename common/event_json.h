/*
 * vmon's own JSON form of an event (vmon/event.h), shared by the core
 * (spool, dead letters) and sinks that send it (webhook `format = json`).
 *
 * {"kind":"event","type":"degradation","sequence":N,"severity":"info",
 *  "time":RFC3339,"timeMs":N,"pipeline":..,"labels":{..},"fields":{..},
 *  "message":..,"idempotencyKey":..}
 *
 * `kind` tells it apart from an alert (common/alert_json.h) in a spool or a
 * dead-letter file; `fields` keep the order the event gave them.
 */
#ifndef VMON_COMMON_EVENT_JSON_H
#define VMON_COMMON_EVENT_JSON_H

#include <json-c/json.h>
#include <vmon/event.h>

/** The event as a new json-c object (caller puts it). */
json_object *vmon_event_to_json(const vmon_event *e);
/** The event as a new compact JSON string (caller frees). */
char *vmon_event_to_json_string(const vmon_event *e);
/** 1 when `text` is a JSON object with "kind":"event". */
int vmon_json_is_event(const char *text);
/**
 * Parse vmon_event_to_json output. Strings live in `*holder` (json_object_put
 * it when done with `out`); the labels/fields arrays are malloc'd into `out`
 * and freed by vmon_event_json_release. Returns 0 or -1.
 */
int vmon_event_from_json(const char *text, vmon_event *out, json_object **holder);
void vmon_event_json_release(vmon_event *e, json_object *holder);

#endif
