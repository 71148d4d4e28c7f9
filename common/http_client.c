#include "http_client.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vmon_http_client {
    CURL *curl;
    struct curl_slist *fixed; /* cfg->headers: may hold a token, never logged */
    char *body;
    size_t body_len, body_max;
    int body_truncated;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

/* Never undone: plugins stay loaded for the life of the process. */
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    vmon_http_client *c = arg;
    size_t n = size * nmemb;
    size_t keep = c->body_max - c->body_len;
    if (keep > n)
        keep = n;
    if (keep < n)
        c->body_truncated = 1;
    memcpy(c->body + c->body_len, data, keep);
    c->body_len += keep;
    c->body[c->body_len] = '\0';
    return n; /* consume all of it; only the start is kept */
}

/* A header line must not end the header block or start another line. */
static int header_line_ok(const char *line)
{
    return line && strchr(line, ':') && !strpbrk(line, "\r\n");
}

static struct curl_slist *append_lines(struct curl_slist *list, const char *const *lines, int *bad)
{
    for (size_t i = 0; lines && lines[i]; i++) {
        if (!header_line_ok(lines[i])) {
            *bad = (int)i + 1;
            return list;
        }
        struct curl_slist *next = curl_slist_append(list, lines[i]);
        if (!next) {
            *bad = -1;
            return list;
        }
        list = next;
    }
    return list;
}

static int set_timeouts_and_limits(CURL *h, const vmon_http_client_cfg *cfg)
{
    long connect_ms =
        cfg->connect_timeout_ms > 0 ? (long)cfg->connect_timeout_ms : VMON_HTTP_CONNECT_TIMEOUT_MS;
    long total_ms = cfg->timeout_ms > 0 ? (long)cfg->timeout_ms : VMON_HTTP_TIMEOUT_MS;
    int bad = 0;
    bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total_ms) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    return bad;
}

static int set_tls(CURL *h, const vmon_http_client_cfg *cfg, const char **what)
{
    long verify = cfg->tls_insecure ? 0L : 1L;
    if (curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, verify) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L) != CURLE_OK)
        return *what = "TLS verification", -1;
    if (cfg->ca_file && *cfg->ca_file &&
        curl_easy_setopt(h, CURLOPT_CAINFO, cfg->ca_file) != CURLE_OK)
        return *what = "ca_file", -1;
    if (cfg->client_cert && *cfg->client_cert &&
        curl_easy_setopt(h, CURLOPT_SSLCERT, cfg->client_cert) != CURLE_OK)
        return *what = "client_cert", -1;
    if (cfg->client_key && *cfg->client_key &&
        curl_easy_setopt(h, CURLOPT_SSLKEY, cfg->client_key) != CURLE_OK)
        return *what = "client_key", -1;
    return 0;
}

static int configure(vmon_http_client *c, const vmon_http_client_cfg *cfg, char *err, size_t errlen)
{
    const char *what = NULL;
    if (set_timeouts_and_limits(c->curl, cfg) != 0 || set_tls(c->curl, cfg, &what) != 0 ||
        curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
        curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c) != CURLE_OK ||
        curl_easy_setopt(c->curl, CURLOPT_USERAGENT, cfg->user_agent ? cfg->user_agent : "vmon") !=
            CURLE_OK) {
        snprintf(err, errlen, "libcurl refused the %s option", what ? what : "timeout or protocol");
        return -1;
    }
    int bad = 0;
    /* "Expect: 100-continue" costs a round trip on bodies over 1 KiB. */
    static const char *const no_expect[] = {"Expect:", NULL};
    c->fixed = append_lines(c->fixed, no_expect, &bad);
    c->fixed = append_lines(c->fixed, cfg->headers, &bad);
    if (bad) {
        if (bad > 0)
            snprintf(err, errlen, "header %d is not one \"Name: value\" line (CR, LF or no ':')",
                     bad);
        else
            snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

vmon_http_client *vmon_http_client_new(const vmon_http_client_cfg *cfg, char *err, size_t errlen)
{
    pthread_once(&curl_once, curl_init_once);
    vmon_http_client *c = calloc(1, sizeof *c);
    size_t body_max = cfg->body_max ? cfg->body_max : VMON_HTTP_BODY_MAX;
    if (c)
        c->body = malloc(body_max + 1);
    if (!c || !c->body || !(c->curl = curl_easy_init())) {
        snprintf(err, errlen, "out of memory (HTTP client)");
        vmon_http_client_free(c);
        return NULL;
    }
    c->body_max = body_max;
    c->body[0] = '\0';
    if (configure(c, cfg, err, errlen) != 0) {
        vmon_http_client_free(c);
        return NULL;
    }
    return c;
}

void vmon_http_client_free(vmon_http_client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    curl_slist_free_all(c->fixed);
    free(c->body);
    free(c);
}

static int64_t retry_after_ms(CURL *h)
{
    curl_off_t s = 0;
    if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &s) != CURLE_OK || s <= 0)
        return 0; /* absent, unparseable, or a date in the past */
    if (s > VMON_HTTP_RETRY_AFTER_MAX_MS / 1000)
        return VMON_HTTP_RETRY_AFTER_MAX_MS;
    return (int64_t)s * 1000;
}

/* The handle is reused: every per-request option is set every time. */
static int set_method_and_body(CURL *h, const vmon_http_request *req)
{
    const char *method = req->method ? req->method : req->body ? "POST" : "GET";
    int bad = 0;
    bad |= curl_easy_setopt(h, CURLOPT_NOBODY, strcmp(method, "HEAD") == 0 ? 1L : 0L) != CURLE_OK;
    if (req->body) {
        bad |= curl_easy_setopt(h, CURLOPT_POST, 1L) != CURLE_OK;
        bad |=
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len) != CURLE_OK;
        bad |= curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body) != CURLE_OK;
    } else {
        bad |= curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) != CURLE_OK;
    }
    int standard = strcmp(method, req->body ? "POST" : "GET") == 0 || strcmp(method, "HEAD") == 0;
    bad |= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, standard ? NULL : method) != CURLE_OK;
    long fresh = req->fresh_connection ? 1L : 0L;
    bad |= curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, fresh) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_FORBID_REUSE, fresh) != CURLE_OK;
    return bad;
}

static void fail(vmon_http_response *out, int retryable, const char *why)
{
    out->retryable = retryable;
    snprintf(out->error, sizeof out->error, "%s", why);
}

/* Fixed headers plus this request's: a copy, since curl keeps no ownership. */
static struct curl_slist *request_headers(vmon_http_client *c, const vmon_http_request *req,
                                          int *bad)
{
    struct curl_slist *list = NULL;
    for (struct curl_slist *p = c->fixed; p && !*bad; p = p->next) {
        struct curl_slist *next = curl_slist_append(list, p->data);
        *bad = next ? 0 : -1;
        list = next ? next : list;
    }
    if (!*bad)
        list = append_lines(list, req->headers, bad);
    return list;
}

int vmon_http_client_send(vmon_http_client *c, const vmon_http_request *req,
                          vmon_http_response *out)
{
    memset(out, 0, sizeof *out);
    c->body_len = 0;
    c->body_truncated = 0;
    c->body[0] = '\0';
    out->body = c->body;
    int bad = 0;
    struct curl_slist *hdrs = request_headers(c, req, &bad);
    if (bad) {
        curl_slist_free_all(hdrs);
        fail(out, bad < 0, bad < 0 ? "out of memory" : "a request header has CR, LF or no ':'");
        return -1;
    }
    if (!req->url || curl_easy_setopt(c->curl, CURLOPT_URL, req->url) != CURLE_OK ||
        set_method_and_body(c->curl, req) != 0 ||
        curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK) {
        curl_slist_free_all(hdrs);
        fail(out, 0, "libcurl refused the URL or method");
        return -1;
    }
    CURLcode rc = curl_easy_perform(c->curl);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdrs);
    out->curl_code = (int)rc;
    out->body_len = c->body_len;
    out->body_truncated = c->body_truncated;
    if (rc != CURLE_OK) {
        /* curl_easy_strerror names the failure class only, never the URL. */
        fail(out, vmon_http_curl_retryable((int)rc), curl_easy_strerror(rc));
        return -1;
    }
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &out->status);
    out->retry_after_ms = retry_after_ms(c->curl);
    return 0;
}

int vmon_http_curl_retryable(int curl_code)
{
    switch ((CURLcode)curl_code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_FILESIZE_EXCEEDED:
        return 0;
    default:
        return 1;
    }
}
