/*
 * The webhook sink's view of common/http_client: one POST with the sink's
 * fixed headers plus an Idempotency-Key (and, with a signing secret,
 * X-Vmon-Timestamp and the signature), classified into the sink outcomes. The client is reused
 * across calls (keep-alive) and only used from the sink's delivery thread.
 */
#ifndef VMON_WEBHOOK_HTTP_H
#define VMON_WEBHOOK_HTTP_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include "http_client.h"

#define WH_BODY_MAX 4096 /* response bytes kept; the rest is read and dropped */

typedef struct wh_http_cfg {
    const char *url;
    int64_t connect_timeout_ms;
    int64_t timeout_ms;
    int tls_verify;
    const char *ca_file;
    const char *client_cert;
    const char *client_key;
    const char *signing_secret;   /* NULL: requests are not signed */
    const char *signature_header; /* NULL: WH_SIG_DEFAULT_NAME */
} wh_http_cfg;

typedef struct wh_http {
    vmon_http_client *client;
    char *url;    /* may carry a credential (Slack, Teams): never logged */
    char *secret; /* signing secret or NULL; never logged, wiped on free */
    size_t secret_len;
    char *sig_header; /* the signature header's name */
} wh_http;

typedef struct wh_response {
    CURLcode curl_rc;
    long status;            /* 0 when no response */
    int64_t retry_after_ms; /* from Retry-After, clamped; 0 when absent */
    const char *body;       /* the kept start of the response body */
    int sign_failed;        /* libcrypto failed: nothing was sent */
} wh_response;

/**
 * Set up the client. `headers` are "Name: value" lines (the token's
 * included); they are copied into the client and the list is freed.
 */
int wh_http_init(wh_http *h, const wh_http_cfg *cfg, struct curl_slist *headers, char *err,
                 size_t errlen);

/**
 * POST `body` with the fixed headers plus the idempotency key. With a
 * signing secret, each call (each attempt, retries included) is signed
 * afresh: X-Vmon-Timestamp is `now_ms` in whole seconds, and the signature
 * covers that timestamp, `.` and exactly the bytes of `body` sent.
 */
void wh_http_post(wh_http *h, const char *body, const char *idem_key, int64_t now_ms,
                  wh_response *out);

void wh_http_free(wh_http *h);

/** Is a curl failure worth retrying (network, timeout) or a configuration error? */
int wh_curl_retryable(CURLcode rc);

#endif
