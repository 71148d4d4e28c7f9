/*
 * libcurl plumbing for the webhook sink. No redirects are followed (a 3xx
 * is a misconfigured URL, and following would re-send the token to another
 * host), only http and https are allowed, and both timeouts are always set
 * so a hung receiver cannot stall the delivery thread forever.
 */
#include "webhook_http.h"

#include <stdio.h>
#include <string.h>

#define WH_RETRY_AFTER_MAX_S 3600 /* a receiver cannot park us for more than an hour */

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    wh_http *h = arg;
    size_t n = size * nmemb;
    size_t keep = WH_BODY_MAX - h->body_len;
    if (keep > n)
        keep = n;
    memcpy(h->body + h->body_len, data, keep);
    h->body_len += keep;
    h->body[h->body_len] = '\0';
    return n; /* consume all of it; only the start is kept */
}

static int set_tls(wh_http *h, const wh_http_cfg *cfg)
{
    CURL *c = h->curl;
    int bad = 0;
    bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, cfg->tls_verify ? 1L : 0L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, cfg->tls_verify ? 2L : 0L) != CURLE_OK;
    if (cfg->ca_file && *cfg->ca_file)
        bad |= curl_easy_setopt(c, CURLOPT_CAINFO, cfg->ca_file) != CURLE_OK;
    if (cfg->client_cert && *cfg->client_cert)
        bad |= curl_easy_setopt(c, CURLOPT_SSLCERT, cfg->client_cert) != CURLE_OK;
    if (cfg->client_key && *cfg->client_key)
        bad |= curl_easy_setopt(c, CURLOPT_SSLKEY, cfg->client_key) != CURLE_OK;
    return bad ? -1 : 0;
}

static int set_common(wh_http *h, const wh_http_cfg *cfg)
{
    CURL *c = h->curl;
    int bad = 0;
    bad |= curl_easy_setopt(c, CURLOPT_URL, cfg->url) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)cfg->connect_timeout_ms) != 0;
    bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)cfg->timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, h) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, "vmon/0.1") != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK;
    return bad ? -1 : 0;
}

int wh_http_init(wh_http *h, const wh_http_cfg *cfg, struct curl_slist *headers, char *err,
                 size_t errlen)
{
    memset(h, 0, sizeof *h);
    h->headers = headers;
    h->curl = curl_easy_init();
    if (!h->curl) {
        snprintf(err, errlen, "curl_easy_init failed");
        return -1;
    }
    if (set_common(h, cfg) != 0 || set_tls(h, cfg) != 0) {
        /* The URL may carry a credential (Slack, Teams): never echo it. */
        snprintf(err, errlen, "libcurl refused an option (url scheme, TLS files?)");
        return -1;
    }
    return 0;
}

static struct curl_slist *with_key(struct curl_slist *fixed, const char *key, char *line,
                                   size_t cap, struct curl_slist *node)
{
    /* A stack node appended to the fixed list for this one request, so no
     * allocation and nothing to free; RFC 8941 sf-string, as the IETF draft
     * on Idempotency-Key asks. */
    size_t len = (size_t)snprintf(line, cap, "Idempotency-Key: \"");
    /* sf-string: printable ASCII with `"` and `\` escaped; nothing else may
     * reach a header line. */
    for (; *key && len + 4 < cap; key++) {
        if (*key < 0x20 || *key > 0x7e)
            continue;
        if (*key == '"' || *key == '\\')
            line[len++] = '\\';
        line[len++] = *key;
    }
    line[len++] = '"';
    line[len] = '\0';
    node->data = line;
    node->next = NULL;
    if (!fixed)
        return node;
    struct curl_slist *last = fixed;
    while (last->next)
        last = last->next;
    last->next = node;
    return fixed;
}

static void detach_key(struct curl_slist *fixed, struct curl_slist *node)
{
    for (struct curl_slist *p = fixed; p; p = p->next)
        if (p->next == node)
            p->next = NULL;
}

static int64_t retry_after_ms(CURL *c)
{
    curl_off_t ra = 0;
    if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &ra) != CURLE_OK || ra <= 0)
        return 0; /* absent, unparseable, or a date in the past */
    if (ra > WH_RETRY_AFTER_MAX_S)
        ra = WH_RETRY_AFTER_MAX_S;
    return (int64_t)ra * 1000;
}

void wh_http_post(wh_http *h, const char *body, const char *idem_key, wh_response *out)
{
    char line[320];
    struct curl_slist node;
    struct curl_slist *hdrs = h->headers;
    if (idem_key && *idem_key)
        hdrs = with_key(h->headers, idem_key, line, sizeof line, &node);
    h->body_len = 0;
    h->body[0] = '\0';
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    memset(out, 0, sizeof *out);
    out->curl_rc = curl_easy_perform(h->curl);
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &out->status);
    out->retry_after_ms = retry_after_ms(h->curl);
    out->body = h->body;
    if (idem_key && *idem_key)
        detach_key(hdrs, &node);
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->headers);
}

void wh_http_free(wh_http *h)
{
    if (h->curl)
        curl_easy_cleanup(h->curl);
    curl_slist_free_all(h->headers);
    memset(h, 0, sizeof *h);
}

int wh_curl_retryable(CURLcode rc)
{
    switch (rc) {
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
