/*
 * Sink `webhook`: alerts as an HTTP POST, in vmon's JSON, Alertmanager's
 * API v2 shape or a Slack incoming-webhook message. The sink tries once and
 * says what happened; the core retries, backs off and dead-letters.
 *
 * Events (the tuning loop's decisions) go to `events_url` when set, else to
 * `url`, in vmon's event JSON (or Slack text). Never to Alertmanager: with
 * format = alertmanager and no events_url they are not sent at all.
 */
#include "webhook_event_payload.h"
#include "webhook_http.h"
#include "webhook_payload.h"
#include "webhook_sign.h"

#include <vmon/plugin.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Big enough for a useful batch, small enough for one request body. */
#define WEBHOOK_MAX_BATCH 100

static const char *const format_values[] = {"json", "alertmanager", "slack", NULL};

static const vmon_option webhook_options[] = {
    {"url", VMON_OPT_STRING, VMON_OPT_REQUIRED | VMON_OPT_SECRET, NULL, 0, 0, NULL,
     "http(s) URL to POST to; secret because Slack-style URLs carry a credential"},
    {"format", VMON_OPT_ENUM, 0, "json", 0, 0, format_values,
     "json (vmon's alert object; an array for a batch), alertmanager (POST /api/v2/alerts) "
     "or slack ({\"text\"})"},
    {"events_url", VMON_OPT_STRING, VMON_OPT_SECRET, NULL, 0, 0, NULL,
     "http(s) URL that gets events (vmon's event JSON) instead of `url`; with format = "
     "alertmanager events are sent only here, never to Alertmanager"},
    {"header", VMON_OPT_LIST, 0, NULL, 0, 0, NULL,
     "extra request headers, `Name: value` items separated by commas"},
    {"token", VMON_OPT_STRING, VMON_OPT_SECRET, NULL, 0, 0, NULL,
     "sent as `Authorization: Bearer TOKEN`; use ${ENV_VAR} to keep it out of the file"},
    {"signing_secret", VMON_OPT_STRING, VMON_OPT_SECRET, NULL, 0, 0, NULL,
     "sign every request: X-Vmon-Timestamp: T and X-Vmon-Signature: v1=HMAC-SHA256(secret, "
     "\"T.BODY\") in hex; use ${ENV_VAR} to keep it out of the file"},
    {"signature_header", VMON_OPT_STRING, 0, WH_SIG_DEFAULT_NAME, 0, 0, NULL,
     "name of the header that carries the signature (with signing_secret)"},
    {"connect_timeout", VMON_OPT_DURATION, VMON_OPT_RANGE, "5s", 1, 60000, NULL,
     "how long connecting (TCP and TLS) may take"},
    {"timeout", VMON_OPT_DURATION, VMON_OPT_RANGE, "15s", 1, 300000, NULL,
     "how long the whole request may take; then it counts as a retryable failure"},
    {"tls_verify", VMON_OPT_BOOL, 0, "true", 0, 0, NULL,
     "verify the server certificate and name; turn off only for a test receiver"},
    {"ca_file", VMON_OPT_PATH, 0, NULL, 0, 0, NULL, "CA bundle (PEM) to verify the server with"},
    {"client_cert", VMON_OPT_PATH, 0, NULL, 0, 0, NULL, "client certificate (PEM) for mutual TLS"},
    {"client_key", VMON_OPT_PATH, 0, NULL, 0, 0, NULL, "client private key (PEM) for mutual TLS"},
    {"firing_ttl", VMON_OPT_DURATION, VMON_OPT_RANGE, "5m", 10000, 86400000, NULL,
     "alertmanager: endsAt of a firing alert is send time + this; keep the rule's repeat "
     "below it"},
    {"generator_url", VMON_OPT_STRING, 0, NULL, 0, 0, NULL,
     "alertmanager: generatorURL sent with every alert"},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};

typedef struct webhook_sink {
    const vmon_host *host;
    vmon_instance *inst;
    wh_payload_cfg payload;
    wh_http http;
    wh_http events_http; /* its own client when events_url is set */
    int events_to;       /* EVENTS_* */
} webhook_sink;

enum { EVENTS_NOWHERE, EVENTS_TO_URL, EVENTS_TO_EVENTS_URL };

static int is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int has_ctl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

/* "Name: value" with a token name and no control bytes (no header smuggling). */
static int header_ok(const char *h, int *is_content_type)
{
    const char *colon = strchr(h, ':');
    if (!colon || colon == h || has_ctl(h))
        return 0;
    for (const char *p = h; p < colon; p++)
        if (!is_tchar(*p))
            return 0;
    *is_content_type = (size_t)(colon - h) == 12 && strncasecmp(h, "content-type", 12) == 0;
    return 1;
}

static int add_user_headers(webhook_sink *s, struct curl_slist **list, int *has_ct, char *err,
                            size_t errlen)
{
    const char *const *items = NULL;
    uint32_t n = s->host->cfg_list(s->inst, "header", &items);
    for (uint32_t i = 0; i < n; i++) {
        int ct = 0;
        if (!header_ok(items[i], &ct)) {
            snprintf(err, errlen, "header item %u is not `Name: value`", i + 1);
            return -1;
        }
        *has_ct |= ct;
        *list = curl_slist_append(*list, items[i]);
    }
    return 0;
}

static int add_token(webhook_sink *s, struct curl_slist **list, char *err, size_t errlen)
{
    const char *token = s->host->cfg_string(s->inst, "token");
    if (!token || !*token)
        return 0;
    if (has_ctl(token)) {
        snprintf(err, errlen, "token contains control characters"); /* not the token itself */
        return -1;
    }
    size_t len = strlen(token) + 32;
    char *line = malloc(len);
    if (!line)
        return -1;
    snprintf(line, len, "Authorization: Bearer %s", token);
    *list = curl_slist_append(*list, line);
    memset(line, 0, len); /* the list holds its own copy; leave no stray one */
    free(line);
    return 0;
}

/* signing_secret: set means non-empty (an empty ${ENV} must not turn signing off
 * silently); signature_header: a token name other than the timestamp's. */
static int signing_cfg(webhook_sink *s, const char **secret, const char **name, char *err,
                       size_t errlen)
{
    *secret = s->host->cfg_string(s->inst, "signing_secret");
    *name = s->host->cfg_string(s->inst, "signature_header");
    if (!*name || !**name)
        *name = WH_SIG_DEFAULT_NAME;
    if (!*secret)
        return 0;
    if (!**secret) {
        snprintf(err, errlen, "signing_secret is empty (an unset ${ENV_VAR}?)");
        return -1;
    }
    int ct = 0;
    char line[160];
    snprintf(line, sizeof line, "%s: v1", *name);
    if (strlen(*name) > 100 || !header_ok(line, &ct) || ct ||
        strcasecmp(*name, WH_SIG_TS_NAME) == 0) {
        snprintf(err, errlen,
                 "signature_header must be a header name (letters, digits, -), "
                 "not Content-Type or " WH_SIG_TS_NAME);
        return -1;
    }
    return 0;
}

static struct curl_slist *build_headers(webhook_sink *s, char *err, size_t errlen)
{
    struct curl_slist *list = NULL;
    int has_ct = 0;
    /* "Expect: 100-continue" costs a round trip on bodies over 1 KiB. */
    list = curl_slist_append(list, "Expect:");
    if (add_user_headers(s, &list, &has_ct, err, errlen) != 0 ||
        add_token(s, &list, err, errlen) != 0) {
        curl_slist_free_all(list);
        return NULL;
    }
    if (!has_ct)
        list = curl_slist_append(list, "Content-Type: application/json");
    return list;
}

static void read_payload_cfg(webhook_sink *s)
{
    const vmon_host *h = s->host;
    s->payload.format = (int)h->cfg_int(s->inst, "format");
    s->payload.firing_ttl_ms = h->cfg_int(s->inst, "firing_ttl");
    s->payload.generator_url = h->cfg_string(s->inst, "generator_url");
    /* Alertmanager resolves a firing alert once endsAt passes unless it is re-sent. */
    int64_t resend = h->cfg_int(s->inst, "resend");
    if (s->payload.format == WH_FORMAT_ALERTMANAGER &&
        (resend <= 0 || resend >= s->payload.firing_ttl_ms))
        h->log(s->inst, VMON_LOG_WARNING,
               "format = alertmanager with resend %s firing_ttl: Alertmanager will resolve "
               "alerts that are still firing; set resend to a quarter or half of firing_ttl",
               resend <= 0 ? "off and" : ">=");
}

static int init_http(webhook_sink *s, wh_http *http, const char *key, char *err, size_t errlen)
{
    const vmon_host *h = s->host;
    vmon_instance *in = s->inst;
    wh_http_cfg hc = {
        .url = h->cfg_string(in, key),
        .connect_timeout_ms = h->cfg_int(in, "connect_timeout"),
        .timeout_ms = h->cfg_int(in, "timeout"),
        .tls_verify = h->cfg_bool(in, "tls_verify"),
        .ca_file = h->cfg_string(in, "ca_file"),
        .client_cert = h->cfg_string(in, "client_cert"),
        .client_key = h->cfg_string(in, "client_key"),
    };
    if (signing_cfg(s, &hc.signing_secret, &hc.signature_header, err, errlen) != 0)
        return -1;
    if (!hc.url || (strncmp(hc.url, "http://", 7) != 0 && strncmp(hc.url, "https://", 8) != 0)) {
        snprintf(err, errlen, "%s must start with http:// or https://", key);
        return -1;
    }
    if (!hc.tls_verify && http == &s->http)
        h->log(in, VMON_LOG_WARNING, "tls_verify = false: server certificates are not checked");
    struct curl_slist *hdrs = build_headers(s, err, errlen);
    if (!hdrs)
        return -1;
    return wh_http_init(http, &hc, hdrs, err, errlen);
}

/* Where events go: events_url, else url unless that is Alertmanager, which takes alerts only. */
static int init_events(webhook_sink *s, char *err, size_t errlen)
{
    const char *events_url = s->host->cfg_string(s->inst, "events_url");
    if (events_url && *events_url) {
        s->events_to = EVENTS_TO_EVENTS_URL;
        return init_http(s, &s->events_http, "events_url", err, errlen);
    }
    s->events_to = s->payload.format == WH_FORMAT_ALERTMANAGER ? EVENTS_NOWHERE : EVENTS_TO_URL;
    if (s->events_to == EVENTS_NOWHERE)
        s->host->log(s->inst, VMON_LOG_INFO,
                     "format = alertmanager: events (tuning decisions) are not sent; set "
                     "events_url to post them as JSON to another receiver");
    return 0;
}

static int webhook_create(const vmon_host *host, vmon_instance *inst, void **ctx, char *err,
                          size_t errlen)
{
    /* Idempotent and, since libcurl 7.84, thread-safe; never undone because
     * plugins stay loaded for the life of the process. */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    webhook_sink *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return VMON_ENOMEM;
    }
    s->host = host;
    s->inst = inst;
    read_payload_cfg(s);
    if (init_http(s, &s->http, "url", err, errlen) != 0 || init_events(s, err, errlen) != 0) {
        wh_http_free(&s->http);
        wh_http_free(&s->events_http);
        free(s);
        return VMON_EINVAL;
    }
    *ctx = s;
    return VMON_OK;
}

static void webhook_destroy(void *ctx)
{
    webhook_sink *s = ctx;
    wh_http_free(&s->http);
    wh_http_free(&s->events_http);
    free(s);
}

/* The start of a response body, printable ASCII only, for `detail`. */
static void snippet(const char *body, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; body && body[i] && o + 1 < cap && o < 96; i++)
        out[o++] = (body[i] >= 0x20 && body[i] < 0x7f) ? body[i] : ' ';
    out[o] = '\0';
}

/* Slack answers 200 with the plain body `ok` (or JSON {"ok":true}). */
static int slack_ok(const char *body)
{
    while (*body == ' ' || *body == '\n' || *body == '\r')
        body++;
    return strncmp(body, "ok", 2) == 0 || strstr(body, "\"ok\":true") != NULL;
}

static int classify(webhook_sink *s, const wh_response *r, uint32_t n, vmon_delivery_result *res)
{
    char snip[100];
    snippet(r->body, snip, sizeof snip);
    if (r->sign_failed) {
        snprintf(res->detail, sizeof res->detail, "signing the body failed (libcrypto)");
        return VMON_RETRY;
    }
    if (r->curl_rc != CURLE_OK) {
        snprintf(res->detail, sizeof res->detail, "%s", curl_easy_strerror(r->curl_rc));
        return wh_curl_retryable(r->curl_rc) ? VMON_RETRY : VMON_ERROR;
    }
    long st = r->status;
    if (st >= 200 && st < 300) {
        if (s->payload.format != WH_FORMAT_SLACK || slack_ok(r->body))
            return VMON_OK;
        snprintf(res->detail, sizeof res->detail, "HTTP %ld but not ok: %s", st, snip);
        return VMON_ERROR;
    }
    snprintf(res->detail, sizeof res->detail, "HTTP %ld%s%s", st, snip[0] ? ": " : "", snip);
    if (st == 408 || st == 429 || st >= 500) {
        res->retry_after_ms = r->retry_after_ms;
        return VMON_RETRY;
    }
    if (st == 410) {
        res->disable = 1;
        s->host->log(s->inst, VMON_LOG_ERROR, "receiver answered 410 Gone: disabling this sink");
    } else if (st == 400 && n > 1 && s->payload.format == WH_FORMAT_ALERTMANAGER) {
        s->host->log(s->inst, VMON_LOG_WARNING,
                     "Alertmanager rejected a batch of %u (it keeps the valid alerts of a "
                     "rejected batch); %s",
                     n, res->detail);
    }
    return VMON_ERROR;
}

static int webhook_deliver(void *ctx, const vmon_alert *alerts, uint32_t n,
                           vmon_delivery_result *res)
{
    webhook_sink *s = ctx;
    if (n > WEBHOOK_MAX_BATCH)
        n = WEBHOOK_MAX_BATCH;
    char *body = wh_build_body(&s->payload, alerts, n, s->host->now_ms());
    if (!body) {
        snprintf(res->detail, sizeof res->detail, "out of memory building the body");
        return VMON_RETRY;
    }
    char key[128];
    wh_idempotency_key(alerts, n, key, sizeof key);
    wh_response r;
    wh_http_post(&s->http, body, key, s->host->now_ms(), &r);
    free(body);
    return classify(s, &r, n, res);
}

static int webhook_events(void *ctx, const vmon_event *events, uint32_t n,
                          vmon_delivery_result *res)
{
    webhook_sink *s = ctx;
    if (s->events_to == EVENTS_NOWHERE)
        return VMON_OK; /* decided at create and logged: Alertmanager takes no events */
    if (n > WEBHOOK_MAX_BATCH)
        n = WEBHOOK_MAX_BATCH;
    int format = s->events_to == EVENTS_TO_EVENTS_URL && s->payload.format != WH_FORMAT_SLACK
                     ? WH_FORMAT_JSON
                     : s->payload.format;
    char *body = wh_build_event_body(format, events, n);
    if (!body) {
        snprintf(res->detail, sizeof res->detail, "out of memory building the body");
        return VMON_RETRY;
    }
    char key[128];
    wh_event_idempotency_key(events, n, key, sizeof key);
    wh_response r;
    wh_http_post(s->events_to == EVENTS_TO_EVENTS_URL ? &s->events_http : &s->http, body, key,
                 s->host->now_ms(), &r);
    free(body);
    return classify(s, &r, n, res);
}

static const vmon_sink_ops webhook_ops = {
    .struct_size = sizeof(vmon_sink_ops),
    .kind = VMON_KIND_SINK,
    .max_batch = WEBHOOK_MAX_BATCH,
    .deliver = webhook_deliver,
    .on_events = webhook_events,
};

VMON_PLUGIN_DEFINE(.kind = VMON_KIND_SINK, .name = "webhook", .version = "0.1.0",
                   .description = "alerts as HTTP POST: vmon JSON, Alertmanager API v2 or Slack",
                   .options = webhook_options, .create = webhook_create, .destroy = webhook_destroy,
                   .ops = &webhook_ops);
