/*
 * The descriptor of target_milvus: options, and making and freeing an
 * instance (the HTTP clients, the credentials, the endpoint list).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mv.h"
#include "url_redact.h"

static const char *const SOURCES[] = {"scrape", "prometheus", NULL};

#define R VMON_OPT_RANGE
const vmon_option mv_options[] = {
    {"uri", VMON_OPT_STRING, 0, "http://127.0.0.1:19530", 0, 0, NULL,
     "the proxy's REST address (REST v2 under /v2/vectordb)"},
    {"metrics_uri", VMON_OPT_LIST, 0, NULL, 0, 0, NULL,
     "9091 addresses, the proxy's first (one per component in a cluster); default: uri's host "
     "on port 9091"},
    {"metrics_source", VMON_OPT_ENUM, 0, "scrape", 0, 0, SOURCES,
     "scrape the 9091 /metrics, or ask a Prometheus server (prometheus_url)"},
    {"prometheus_url", VMON_OPT_STRING, 0, NULL, 0, 0, NULL,
     "with metrics_source = prometheus: the server's address (its /api/v1/query)"},
    {"rate_window", VMON_OPT_DURATION, R, "1m", 1000, 86400000, NULL,
     "with metrics_source = prometheus: the window of rate()"},
    {"max_age", VMON_OPT_DURATION, R, "5s", 0, 3600000, NULL,
     "a /metrics scrape is shared by every caller for this long"},
    {"database", VMON_OPT_STRING, 0, "default", 0, 0, NULL, "the Milvus database (dbName)"},
    {"collection", VMON_OPT_STRING, 0, NULL, 0, 0, NULL, "the default collection"},
    {"token", VMON_OPT_STRING, VMON_OPT_SECRET, NULL, 0, 0, NULL,
     "sent as `Authorization: Bearer TOKEN` (an API key, or user:password); use ${ENV_VAR}"},
    {"token_file", VMON_OPT_PATH, 0, NULL, 0, 0, NULL, "read the token from this file"},
    {"user", VMON_OPT_STRING, 0, NULL, 0, 0, NULL, "user name (with password or password_file)"},
    {"password", VMON_OPT_STRING, VMON_OPT_SECRET, NULL, 0, 0, NULL,
     "the user's password; use ${ENV_VAR} to keep it out of the file"},
    {"password_file", VMON_OPT_PATH, 0, NULL, 0, 0, NULL, "read the password from this file"},
    {"connect_timeout", VMON_OPT_DURATION, R, "3s", 1, 600000, NULL, "TCP and TLS connect"},
    {"timeout", VMON_OPT_DURATION, R, "10s", 1, 3600000, NULL, "a whole request"},
    {"tls_verify", VMON_OPT_BOOL, 0, "true", 0, 0, NULL,
     "verify the server's certificate and name (https)"},
    {"ca_file", VMON_OPT_PATH, 0, NULL, 0, 0, NULL, "CA bundle (PEM) to verify the server with"},
    {"max_body", VMON_OPT_SIZE, R, "16M", 4096, 1073741824, NULL,
     "largest answer read (a /metrics scrape of a big cluster)"},
    {NULL, 0, 0, NULL, 0, 0, NULL, NULL},
};
#undef R

/* A secret file's first line; the error never holds its content. */
static char *read_secret(const char *path, const char *key, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    if (!f || !fgets(line, sizeof line, f)) {
        snprintf(err, errlen, "%s: cannot read '%s' (it should hold the secret on its first line)",
                 key, path);
        if (f)
            fclose(f);
        return NULL;
    }
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    char *s = strdup(line);
    memset(line, 0, sizeof line);
    return s;
}

static char *strip_slash(const char *s)
{
    char *d = strdup(s);
    size_t n = d ? strlen(d) : 0;
    while (n && d[n - 1] == '/')
        d[--n] = '\0';
    return d;
}

/* uri's scheme, credentials and host with port 9091: where a standalone Milvus serves /metrics. */
static char *default_metrics_uri(const char *uri)
{
    const char *host = strstr(uri, "://");
    host = host ? host + 3 : uri;
    /* `user:password@` comes before the host and may itself hold a ':'. */
    for (const char *p = host; *p && !strchr("/?#", *p); p++)
        if (*p == '@')
            host = p + 1;
    const char *end = host[0] == '[' ? strchr(host, ']') : NULL;
    end = end ? end + 1 : host + strcspn(host, ":/");
    char buf[512];
    snprintf(buf, sizeof buf, "%.*s:9091", (int)(end - uri), uri);
    return strdup(buf);
}

static int check_url(const char *key, const char *url, char *err, size_t errlen)
{
    if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0)
        return 0;
    char *shown = vmon_url_redacted(url);
    snprintf(err, errlen, "%s: '%.200s' is not an http:// or https:// address", key,
             shown ? shown : "(address)");
    free(shown);
    return -1;
}

/* "Authorization: Bearer ..." from token, token_file or user + password. */
static char *auth_header(const vmon_host *h, vmon_instance *in, char *err, size_t errlen)
{
    char *token = NULL;
    if (h->cfg_string(in, "token"))
        token = strdup(h->cfg_string(in, "token"));
    else if (h->cfg_string(in, "token_file"))
        token = read_secret(h->cfg_string(in, "token_file"), "token_file", err, errlen);
    else if (h->cfg_string(in, "user")) {
        char *pw =
            h->cfg_string(in, "password") ? strdup(h->cfg_string(in, "password"))
            : h->cfg_string(in, "password_file")
                ? read_secret(h->cfg_string(in, "password_file"), "password_file", err, errlen)
                : NULL;
        if (!pw) {
            if (!err[0])
                snprintf(err, errlen, "user is set but neither password nor password_file");
            return NULL;
        }
        size_t n = strlen(h->cfg_string(in, "user")) + strlen(pw) + 2;
        token = malloc(n);
        if (token)
            snprintf(token, n, "%s:%s", h->cfg_string(in, "user"), pw);
        memset(pw, 0, strlen(pw));
        free(pw);
    } else
        return strdup(""); /* Milvus without authentication */
    if (!token)
        return NULL;
    size_t n = strlen(token) + 32;
    char *line = malloc(n);
    if (line)
        snprintf(line, n, "Authorization: Bearer %s", token);
    memset(token, 0, strlen(token));
    free(token);
    return line;
}

static int check_choices(const vmon_host *h, vmon_instance *in, char *err, size_t errlen)
{
    int n = !!h->cfg_string(in, "token") + !!h->cfg_string(in, "token_file") +
            !!h->cfg_string(in, "user");
    if (n > 1) {
        snprintf(err, errlen, "give one of token, token_file or user (+ password), not several");
        return -1;
    }
    if (h->cfg_int(in, "metrics_source") == MV_SOURCE_PROMETHEUS) {
        const char *p = h->cfg_string(in, "prometheus_url");
        if (!p) {
            snprintf(err, errlen,
                     "metrics_source = prometheus needs prometheus_url "
                     "(e.g. http://prometheus:9090)");
            return -1;
        }
        return check_url("prometheus_url", p, err, errlen);
    }
    return check_url("uri", h->cfg_string(in, "uri"), err, errlen);
}

static int make_clients(mv_ctx *c, const vmon_host *h, vmon_instance *in, const char *auth,
                        char *err, size_t errlen)
{
    const char *headers[] = {auth, NULL};
    vmon_http_client_cfg cfg = {.connect_timeout_ms = h->cfg_int(in, "connect_timeout"),
                                .timeout_ms = c->timeout_ms,
                                .tls_insecure = !h->cfg_bool(in, "tls_verify"),
                                .ca_file = h->cfg_string(in, "ca_file"),
                                .headers = auth[0] ? headers : NULL,
                                .body_max = (size_t)h->cfg_int(in, "max_body"),
                                .user_agent = "vmon-milvus"};
    c->rest = vmon_http_client_new(&cfg, err, errlen);
    /* 9091 takes HTTP Basic only (a user:password@ in metrics_uri, which a fixed
     * Authorization header would override), and Prometheus is another service:
     * neither gets the REST credentials. */
    cfg.headers = NULL;
    c->mgmt = c->rest ? vmon_http_client_new(&cfg, err, errlen) : NULL;
    /* Connection checks ask the REST port's /healthz: no credentials needed there either. */
    c->conn = c->mgmt ? vmon_http_client_new(&cfg, err, errlen) : NULL;
    return c->conn ? 0 : -1;
}

static int read_endpoints(mv_ctx *c, const vmon_host *h, vmon_instance *in, char *err,
                          size_t errlen)
{
    const char *const *items;
    uint32_t n = h->cfg_list(in, "metrics_uri", &items);
    if (n > MV_ENDPOINTS_MAX) {
        snprintf(err, errlen, "metrics_uri: %u addresses, at most %d", n, MV_ENDPOINTS_MAX);
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (check_url("metrics_uri", items[i], err, errlen) != 0)
            return -1;
        c->endpoints[c->n_endpoints++] = strip_slash(items[i]);
    }
    if (n == 0)
        c->endpoints[c->n_endpoints++] = default_metrics_uri(c->uri);
    return 0;
}

static void mv_destroy(void *ctx)
{
    mv_ctx *c = ctx;
    if (!c)
        return;
    vmon_http_client_free(c->rest);
    vmon_http_client_free(c->mgmt);
    vmon_http_client_free(c->conn);
    for (size_t i = 0; i < c->n_endpoints; i++)
        free(c->endpoints[i]);
    free(c->uri);
    mv_cache_free(&c->cache);
    mv_index_cache_free(&c->icache);
    pthread_mutex_destroy(&c->origin_lock);
    pthread_mutex_destroy(&c->rest_lock);
    pthread_mutex_destroy(&c->mgmt_lock);
    pthread_mutex_destroy(&c->conn_lock);
    pthread_mutex_destroy(&c->auth_lock);
    free(c);
}

static int mv_create(const vmon_host *h, vmon_instance *in, void **ctx, char *err, size_t errlen)
{
    err[0] = '\0';
    if (check_choices(h, in, err, errlen) != 0)
        return VMON_EINVAL;
    mv_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return VMON_ENOMEM;
    c->host = h;
    c->inst = in;
    pthread_mutex_init(&c->rest_lock, NULL);
    pthread_mutex_init(&c->mgmt_lock, NULL);
    pthread_mutex_init(&c->conn_lock, NULL);
    pthread_mutex_init(&c->auth_lock, NULL);
    pthread_mutex_init(&c->origin_lock, NULL);
    mv_cache_init(&c->cache);
    mv_index_cache_init(&c->icache);
    c->uri = strip_slash(h->cfg_string(in, "uri"));
    c->database = h->cfg_string(in, "database");
    c->collection = h->cfg_string(in, "collection");
    c->source = (int)h->cfg_int(in, "metrics_source");
    c->prometheus_url = h->cfg_string(in, "prometheus_url");
    c->max_age_ms = h->cfg_int(in, "max_age");
    c->rate_window_ms = h->cfg_int(in, "rate_window");
    c->timeout_ms = h->cfg_int(in, "timeout");
    c->next_id = (uint64_t)h->now_ms() << 16;
    char *auth = auth_header(h, in, err, errlen);
    int rc = auth && c->uri && read_endpoints(c, h, in, err, errlen) == 0 &&
                     make_clients(c, h, in, auth, err, errlen) == 0
                 ? VMON_OK
                 : VMON_EINVAL;
    if (auth) {
        memset(auth, 0, strlen(auth));
        free(auth);
    }
    if (rc != VMON_OK) {
        mv_destroy(c);
        return rc;
    }
    mv_origin_where(c);
    *ctx = c;
    return VMON_OK;
}

VMON_PLUGIN_DEFINE(.kind = VMON_KIND_TARGET, .name = "milvus", .version = "0.1.0",
                   .description = "Milvus 2.3-2.6 over HTTP: REST v2, 9091 /metrics, or Prometheus",
                   .options = mv_options, .create = mv_create, .destroy = mv_destroy,
                   .ops = &mv_target_ops);
