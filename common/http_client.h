/*
 * An HTTP client on libcurl for plugins that talk HTTP (the webhook sink,
 * the Milvus target). What it promises:
 *
 * - Both timeouts are always set (connect, and the whole exchange), so a
 *   hung server can never stall the calling thread for longer.
 * - TLS certificates and host names are verified unless `tls_insecure` is
 *   set; `ca_file` adds a CA bundle, `client_cert`/`client_key` do mTLS.
 * - Only http:// and https://; redirects are never followed (a 3xx is a
 *   misconfigured URL, and following it would send credentials elsewhere).
 * - Nothing it writes into errors contains the URL, a header or a body, so
 *   a token in a header or a credential in a URL is never logged through it.
 * - One client holds one reusable connection (keep-alive); use it from one
 *   thread at a time (one client per plugin instance).
 */
#ifndef VMON_COMMON_HTTP_CLIENT_H
#define VMON_COMMON_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#define VMON_HTTP_CONNECT_TIMEOUT_MS 5000 /* when the config says <= 0 */
#define VMON_HTTP_TIMEOUT_MS         30000
#define VMON_HTTP_BODY_MAX           ((size_t)64 * 1024)
#define VMON_HTTP_RETRY_AFTER_MAX_MS ((int64_t)3600 * 1000) /* a server cannot park us longer */

typedef struct vmon_http_client vmon_http_client;

typedef struct vmon_http_client_cfg {
    int64_t connect_timeout_ms; /* <= 0: VMON_HTTP_CONNECT_TIMEOUT_MS */
    int64_t timeout_ms;         /* the whole exchange; <= 0: VMON_HTTP_TIMEOUT_MS */
    int tls_insecure;           /* 1: skip certificate and host checks (default: verify) */
    const char *ca_file;        /* NULL: the system's CA store */
    const char *client_cert;    /* PEM; NULL: none */
    const char *client_key;
    /* "Name: value" lines sent with every request, NULL-terminated; copied.
     * They may carry secrets (Authorization). */
    const char *const *headers;
    size_t body_max;        /* response bytes kept (the rest is read and dropped); 0: default */
    const char *user_agent; /* NULL: "vmon" */
} vmon_http_client_cfg;

typedef struct vmon_http_request {
    const char *method;         /* NULL: POST with a body, GET without */
    const char *url;            /* http:// or https:// */
    const char *const *headers; /* this request only, NULL-terminated; NULL: none */
    const char *body;           /* NULL: no body */
    size_t body_len;
    int fresh_connection; /* 1: a new connection for this request, closed after it (the
                           * client's kept connection stays for the next ones) */
} vmon_http_request;

typedef struct vmon_http_response {
    long status;            /* the HTTP status; 0 when no response arrived */
    int curl_code;          /* the CURLcode of the exchange, 0 when it completed */
    int retryable;          /* a transport failure worth retrying (network, timeout) */
    int64_t retry_after_ms; /* Retry-After (seconds or date), clamped; 0 when absent */
    const char *body;       /* start of the body, NUL-terminated; valid until the next request */
    size_t body_len;
    int body_truncated; /* the body was longer than body_max */
    char error[128];    /* why no response arrived; never the URL, a header or the body */
} vmon_http_response;

/**
 * A client, or NULL with the reason in `err` (a bad header line or TLS
 * file option; the reason names which, never its value).
 */
vmon_http_client *vmon_http_client_new(const vmon_http_client_cfg *cfg, char *err, size_t errlen);
void vmon_http_client_free(vmon_http_client *c);

/**
 * One exchange. Returns 0 when a response arrived (whatever its status),
 * -1 when none did: out->error says why and out->retryable whether to try
 * again. A request header with CR or LF is refused (-1, not retryable).
 */
int vmon_http_client_send(vmon_http_client *c, const vmon_http_request *req,
                          vmon_http_response *out);

/** 1 if a libcurl result is worth retrying (network, timeout), 0 for configuration errors. */
int vmon_http_curl_retryable(int curl_code);

#endif
