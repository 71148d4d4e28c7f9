/*
 * Request bodies for events (vmon/event.h). Pure functions, like
 * webhook_payload.h. Events are never shaped as Alertmanager alerts: an
 * event is not a condition that fires and resolves.
 */
#ifndef VMON_WEBHOOK_EVENT_PAYLOAD_H
#define VMON_WEBHOOK_EVENT_PAYLOAD_H

#include <stddef.h>
#include <vmon/event.h>

/**
 * The body for `n` events (malloc'd; NULL when out of memory). WH_FORMAT_JSON
 * and WH_FORMAT_ALERTMANAGER (sent to `events_url`): common/event_json's
 * object, or an array of them for n > 1. WH_FORMAT_SLACK: one {"text"}, a
 * line per event.
 */
char *wh_build_event_body(int format, const vmon_event *events, uint32_t n);

/** As wh_idempotency_key: the event's own key for one, "events-" + a hash of the keys for more. */
void wh_event_idempotency_key(const vmon_event *events, uint32_t n, char *out, size_t cap);

#endif
