/*
 * vmon's own JSON form of an alert, shared by the core (spool, dead letters,
 * stdout's json format) and sinks that send it (webhook `format = json`).
 *
 * {"rule":..,"state":"firing|resolved","severity":"info|warning|critical",
 *  "component":..,"labels":{..},"annotations":{..},"message":..,
 *  "value":N|null,"threshold":N|null,"startsAt":RFC3339,"endsAt":RFC3339|null,
 *  "fingerprint":..,"idempotencyKey":..,"repeat":N}
 */
#ifndef VMON_COMMON_ALERT_JSON_H
#define VMON_COMMON_ALERT_JSON_H

#include <json-c/json.h>
#include <vmon/alert.h>

#include "severity.h"
#include "time_format.h"

/** The alert as a new json-c object (caller puts it). */
json_object *vmon_alert_to_json(const vmon_alert *a);
/** The alert as a new compact JSON string (caller frees). */
char *vmon_alert_to_json_string(const vmon_alert *a);

/**
 * Parse vmon_alert_to_json output. Strings live in `*holder` (json_object_put
 * it when done with `out`); labels/annotations arrays are malloc'd into
 * `out` and freed by vmon_alert_json_release. Returns 0 or -1.
 */
int vmon_alert_from_json(const char *text, vmon_alert *out, json_object **holder);
void vmon_alert_json_release(vmon_alert *a, json_object *holder);

#endif
