/*
 * One HTTP POST with libcurl, classified into the sink outcomes. The handle
 * is reused across calls (keep-alive) and only used from the sink's
 * delivery thread.
 */
#ifndef VMON_WEBHOOK_HTTP_H
#define VMON_WEBHOOK_HTTP_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#define WH_BODY_MAX 4096 /* response bytes kept; the rest is read and dropped */

typedef struct wh_http_cfg {
    const char *url;
    int64_t connect_timeout_ms;
    int64_t timeout_ms;
    int tls_verify;
    const char *ca_file;
    const char *client_cert;
    const char *client_key;
} wh_http_cfg;

typedef struct wh_http {
    CURL *curl;
    struct curl_slist *headers; /* fixed headers, token included: never logged */
    char body[WH_BODY_MAX + 1];
    size_t body_len;
} wh_http;

typedef struct wh_response {
    CURLcode curl_rc;
    long status;            /* 0 when no response */
    int64_t retry_after_ms; /* from Retry-After, clamped; 0 when absent */
    const char *body;       /* the kept start of the response body */
} wh_response;

/** Set up the handle. `headers` are "Name: value" lines (the token's included). */
int wh_http_init(wh_http *h, const wh_http_cfg *cfg, struct curl_slist *headers, char *err,
                 size_t errlen);

/** POST `body` with the fixed headers plus the idempotency key. */
void wh_http_post(wh_http *h, const char *body, const char *idem_key, wh_response *out);

void wh_http_free(wh_http *h);

/** Is a curl failure worth retrying (network, timeout) or a configuration error? */
int wh_curl_retryable(CURLcode rc);

#endif
