/*
 * The webhook's HTTP exchange on common/http_client, which sets both
 * timeouts, verifies TLS, allows only http and https and never follows a
 * redirect (following would re-send the token to another host).
 */
#include "webhook_http.h"
#include "webhook_sign.h"

#include <openssl/crypto.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fixed header lines as the NULL-terminated array the client copies. */
static const char **header_array(struct curl_slist *list)
{
    size_t n = 0;
    for (struct curl_slist *p = list; p; p = p->next)
        n++;
    const char **lines = calloc(n + 1, sizeof *lines);
    n = 0;
    for (struct curl_slist *p = list; lines && p; p = p->next)
        lines[n++] = p->data;
    return lines;
}

int wh_http_init(wh_http *h, const wh_http_cfg *cfg, struct curl_slist *headers, char *err,
                 size_t errlen)
{
    memset(h, 0, sizeof *h);
    const char **lines = header_array(headers);
    h->url = cfg->url ? strdup(cfg->url) : NULL;
    if (cfg->signing_secret) {
        h->secret_len = strlen(cfg->signing_secret);
        h->secret = strdup(cfg->signing_secret);
        h->sig_header = strdup(cfg->signature_header ? cfg->signature_header : WH_SIG_DEFAULT_NAME);
    }
    if (!lines || !h->url || (cfg->signing_secret && (!h->secret || !h->sig_header))) {
        free(lines);
        curl_slist_free_all(headers);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    vmon_http_client_cfg cc = {
        .connect_timeout_ms = cfg->connect_timeout_ms,
        .timeout_ms = cfg->timeout_ms,
        .tls_insecure = !cfg->tls_verify,
        .ca_file = cfg->ca_file,
        .client_cert = cfg->client_cert,
        .client_key = cfg->client_key,
        .headers = lines,
        .body_max = WH_BODY_MAX,
        .user_agent = "vmon/0.1",
    };
    h->client = vmon_http_client_new(&cc, err, errlen);
    free(lines);
    curl_slist_free_all(headers);
    return h->client ? 0 : -1;
}

/* RFC 8941 sf-string, as the IETF draft on Idempotency-Key asks: printable
 * ASCII with `"` and `\` escaped; nothing else may reach a header line. */
static void key_header(const char *key, char *line, size_t cap)
{
    size_t len = (size_t)snprintf(line, cap, "Idempotency-Key: \"");
    for (; *key && len + 4 < cap; key++) {
        if (*key < 0x20 || *key > 0x7e)
            continue;
        if (*key == '"' || *key == '\\')
            line[len++] = '\\';
        line[len++] = *key;
    }
    line[len++] = '"';
    line[len] = '\0';
}

/* X-Vmon-Timestamp and the signature header over `T.BODY`; -1 if libcrypto failed. */
static int sign_headers(const wh_http *h, const char *body, size_t len, int64_t now_ms,
                        char *ts_line, size_t ts_cap, char *sig_line, size_t sig_cap)
{
    char ts[24];
    char sig[WH_SIG_VALUE_MAX];
    snprintf(ts, sizeof ts, "%lld", (long long)(now_ms / 1000));
    if (wh_sign_v1(h->secret, h->secret_len, ts, body, len, sig) != 0)
        return -1;
    snprintf(ts_line, ts_cap, "%s: %s", WH_SIG_TS_NAME, ts);
    snprintf(sig_line, sig_cap, "%s: %s", h->sig_header, sig);
    return 0;
}

void wh_http_post(wh_http *h, const char *body, const char *idem_key, int64_t now_ms,
                  wh_response *out)
{
    char line[320];
    char ts_line[64];
    char sig_line[320];
    const char *extra[4] = {NULL, NULL, NULL, NULL};
    size_t n = 0;
    size_t len = strlen(body);
    if (idem_key && *idem_key) {
        key_header(idem_key, line, sizeof line);
        extra[n++] = line;
    }
    if (h->secret) {
        if (sign_headers(h, body, len, now_ms, ts_line, sizeof ts_line, sig_line,
                         sizeof sig_line) != 0) {
            *out = (wh_response){.curl_rc = CURLE_OK, .body = "", .sign_failed = 1};
            return; /* never send an unsigned body to a receiver that expects a signature */
        }
        extra[n++] = ts_line;
        extra[n++] = sig_line;
    }
    vmon_http_request req = {
        .method = "POST", .url = h->url, .headers = extra, .body = body, .body_len = len};
    vmon_http_response r;
    vmon_http_client_send(h->client, &req, &r);
    *out = (wh_response){.curl_rc = (CURLcode)r.curl_code,
                         .status = r.status,
                         .retry_after_ms = r.retry_after_ms,
                         .body = r.body};
    /* A refused request (no exchange) still must not read as success. */
    if (r.status == 0 && r.curl_code == 0)
        out->curl_rc = r.retryable ? CURLE_SEND_ERROR : CURLE_BAD_FUNCTION_ARGUMENT;
}

void wh_http_free(wh_http *h)
{
    vmon_http_client_free(h->client);
    free(h->url);
    if (h->secret)
        OPENSSL_cleanse(h->secret, h->secret_len); /* a wipe the compiler cannot drop */
    free(h->secret);
    free(h->sig_header);
    memset(h, 0, sizeof *h);
}

int wh_curl_retryable(CURLcode rc)
{
    return vmon_http_curl_retryable((int)rc);
}
