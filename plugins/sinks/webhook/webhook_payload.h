/*
 * Request bodies for the webhook formats. Pure functions (no I/O), so the
 * Alertmanager and Slack shapes are unit-tested without a server.
 */
#ifndef VMON_WEBHOOK_PAYLOAD_H
#define VMON_WEBHOOK_PAYLOAD_H

#include <vmon/alert.h>

#include <stddef.h>
#include <stdint.h>

enum { WH_FORMAT_JSON = 0, WH_FORMAT_ALERTMANAGER = 1, WH_FORMAT_SLACK = 2 };

typedef struct wh_payload_cfg {
    int format;                /* WH_FORMAT_* */
    int64_t firing_ttl_ms;     /* alertmanager: endsAt of a firing alert = now + this */
    const char *generator_url; /* alertmanager: generatorURL, NULL to omit */
} wh_payload_cfg;

/**
 * The body for `n` alerts at wall time `now_ms` (malloc'd, NUL-terminated;
 * NULL when out of memory). json: one object, or an array for n > 1;
 * alertmanager: always an array; slack: one {"text"} with a line per alert.
 */
char *wh_build_body(const wh_payload_cfg *cfg, const vmon_alert *alerts, uint32_t n,
                    int64_t now_ms);

/**
 * The idempotency key of a delivery: the alert's own key for one alert, and
 * for a batch "batch-" plus a 64-bit FNV-1a hash of the keys in order, so a
 * retried batch carries the same key. Writes at most cap - 1 chars.
 */
void wh_idempotency_key(const vmon_alert *alerts, uint32_t n, char *out, size_t cap);

/**
 * An Alertmanager label name from any string: bytes outside [a-zA-Z0-9_]
 * become `_`, and a leading digit gets a `_` prefix. Empty input gives "".
 */
void wh_label_name(const char *in, char *out, size_t cap);

/** The one-line text of an alert for chat formats. */
void wh_alert_text(const vmon_alert *a, char *out, size_t cap);

#endif
