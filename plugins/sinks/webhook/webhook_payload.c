/*
 * Webhook bodies. json is common/alert_json's shape; alertmanager follows
 * POST /api/v2/alerts (labels identify, annotations describe, endsAt decides
 * firing or resolved); slack sends {"text"} for incoming webhooks.
 */
#include "webhook_payload.h"

#include "alert_json.h"
#include "fnv.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WH_NAME_MAX 256

void wh_label_name(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    if (!cap)
        return;
    if (in && in[0] >= '0' && in[0] <= '9' && o + 1 < cap)
        out[o++] = '_';
    for (size_t i = 0; in && in[i] && o + 1 < cap; i++) {
        char c = in[i];
        int ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        out[o++] = ok ? c : '_';
    }
    out[o] = '\0';
}

void wh_idempotency_key(const vmon_alert *alerts, uint32_t n, char *out, size_t cap)
{
    if (n == 1 && alerts[0].idempotency_key) {
        snprintf(out, cap, "%s", alerts[0].idempotency_key);
        return;
    }
    uint64_t h = VMON_FNV64_OFFSET;
    for (uint32_t i = 0; i < n; i++) {
        const char *k = alerts[i].idempotency_key ? alerts[i].idempotency_key : "";
        /* The NUL too, so ("ab","c") and ("a","bc") differ; keys already
         * handed to receivers keep their values. */
        h = vmon_fnv1a64(h, k, strlen(k) + 1);
    }
    snprintf(out, cap, "batch-%016llx", (unsigned long long)h);
}

static void put_sanitised(json_object *obj, const char *name, const char *value)
{
    char clean[WH_NAME_MAX];
    wh_label_name(name, clean, sizeof clean);
    /* Prometheus semantics: an empty value is the same as no label. */
    if (clean[0] && value && value[0])
        json_object_object_add(obj, clean, json_object_new_string(value));
}

static json_object *am_labels(const vmon_alert *a)
{
    json_object *l = json_object_new_object();
    for (uint32_t i = 0; i < a->n_labels; i++)
        put_sanitised(l, a->labels[i].name, a->labels[i].value);
    if (!json_object_object_get_ex(l, "alertname", NULL))
        put_sanitised(l, "alertname", a->rule ? a->rule : "vmon");
    if (!json_object_object_get_ex(l, "severity", NULL))
        put_sanitised(l, "severity", vmon_severity_name(a->severity));
    return l;
}

static void put_number(json_object *obj, const char *name, double v)
{
    char buf[64];
    if (isnan(v) || json_object_object_get_ex(obj, name, NULL))
        return;
    snprintf(buf, sizeof buf, "%.6g", v);
    json_object_object_add(obj, name, json_object_new_string(buf));
}

static json_object *am_annotations(const vmon_alert *a)
{
    json_object *an = json_object_new_object();
    for (uint32_t i = 0; i < a->n_annotations; i++)
        put_sanitised(an, a->annotations[i].name, a->annotations[i].value);
    if (!json_object_object_get_ex(an, "summary", NULL))
        put_sanitised(an, "summary", a->message);
    put_number(an, "value", a->value);
    put_number(an, "threshold", a->threshold);
    if (!json_object_object_get_ex(an, "component", NULL))
        put_sanitised(an, "component", a->component);
    return an;
}

static void add_time(json_object *o, const char *key, int64_t ms)
{
    char buf[VMON_RFC3339_SIZE];
    vmon_format_rfc3339(ms, buf, sizeof buf);
    json_object_object_add(o, key, json_object_new_string(buf));
}

/* Firing: endsAt a TTL ahead, refreshed by every repeat, so Alertmanager
 * resolves it by itself if vmond dies. Resolved: the real end time. */
static int64_t am_ends_at(const wh_payload_cfg *cfg, const vmon_alert *a, int64_t now_ms)
{
    int64_t end = a->state == VMON_ALERT_RESOLVED ? (a->ends_at_ms ? a->ends_at_ms : now_ms)
                                                  : now_ms + cfg->firing_ttl_ms;
    return end < a->starts_at_ms ? a->starts_at_ms : end;
}

static json_object *am_alert(const wh_payload_cfg *cfg, const vmon_alert *a, int64_t now_ms)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "labels", am_labels(a));
    json_object_object_add(o, "annotations", am_annotations(a));
    add_time(o, "startsAt", a->starts_at_ms ? a->starts_at_ms : now_ms);
    add_time(o, "endsAt", am_ends_at(cfg, a, now_ms));
    if (cfg->generator_url && cfg->generator_url[0])
        json_object_object_add(o, "generatorURL", json_object_new_string(cfg->generator_url));
    return o;
}

void wh_alert_text(const vmon_alert *a, char *out, size_t cap)
{
    char num[96] = "";
    if (!isnan(a->value) && !isnan(a->threshold))
        snprintf(num, sizeof num, " (value %.6g, threshold %.6g)", a->value, a->threshold);
    else if (!isnan(a->value))
        snprintf(num, sizeof num, " (value %.6g)", a->value);
    snprintf(out, cap, "[%s] %s %s: %s%s", a->state == VMON_ALERT_RESOLVED ? "RESOLVED" : "FIRING",
             vmon_severity_name(a->severity), a->rule ? a->rule : "alert",
             a->message ? a->message : "", num);
}

static json_object *slack_body(const vmon_alert *alerts, uint32_t n)
{
    size_t cap = (size_t)n * 1024 + 1, len = 0;
    char *text = malloc(cap);
    if (!text)
        return NULL;
    text[0] = '\0';
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            text[len++] = '\n';
        wh_alert_text(&alerts[i], text + len, cap - len);
        len += strlen(text + len);
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "text", json_object_new_string(text));
    free(text);
    return o;
}

static json_object *build_json(const wh_payload_cfg *cfg, const vmon_alert *alerts, uint32_t n,
                               int64_t now_ms)
{
    if (cfg->format == WH_FORMAT_SLACK)
        return slack_body(alerts, n);
    if (cfg->format == WH_FORMAT_JSON && n == 1)
        return vmon_alert_to_json(&alerts[0]);
    json_object *arr = json_object_new_array();
    for (uint32_t i = 0; i < n; i++)
        json_object_array_add(arr, cfg->format == WH_FORMAT_ALERTMANAGER
                                       ? am_alert(cfg, &alerts[i], now_ms)
                                       : vmon_alert_to_json(&alerts[i]));
    return arr;
}

char *wh_build_body(const wh_payload_cfg *cfg, const vmon_alert *alerts, uint32_t n, int64_t now_ms)
{
    json_object *o = build_json(cfg, alerts, n, now_ms);
    if (!o)
        return NULL;
    const char *s =
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    char *body = s ? strdup(s) : NULL;
    json_object_put(o);
    return body;
}
