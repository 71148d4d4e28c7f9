/* The two HTTP paths of the target: REST v2 calls and 9091/Prometheus reads. */
#include <stdio.h>
#include <string.h>

#include "mv.h"

const char *mv_collection(mv_ctx *c, const char *collection, char *err, size_t errlen)
{
    const char *name = collection ? collection : c->collection;
    if (!name)
        snprintf(err, errlen, "no collection given and no `collection =` in the target's section");
    return name;
}

/* Credentials refused once stay refused: no more requests, one log line. */
static int auth_refused(mv_ctx *c, char *err, size_t errlen)
{
    pthread_mutex_lock(&c->auth_lock);
    int failed = c->auth_failed;
    if (failed)
        snprintf(err, errlen, "%s (not retried until the configuration changes)", c->auth_err);
    pthread_mutex_unlock(&c->auth_lock);
    return failed;
}

static void remember_auth_failure(mv_ctx *c, const char *err)
{
    pthread_mutex_lock(&c->auth_lock);
    int first = !c->auth_failed;
    c->auth_failed = 1;
    snprintf(c->auth_err, sizeof c->auth_err, "%s", err);
    pthread_mutex_unlock(&c->auth_lock);
    if (first)
        c->host->log(c->inst, VMON_LOG_ERROR, "%s", err);
}

static int transport_failure(const vmon_http_response *r, const char *what, char *err,
                             size_t errlen)
{
    snprintf(err, errlen, "%s: %s", what, r->error);
    return r->retryable ? VMON_RETRY : VMON_ERROR;
}

int mv_rest(mv_ctx *c, const char *route, json_object *body, const char *what, mv_reply *out,
            char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (auth_refused(c, err, errlen)) {
        json_object_put(body);
        return VMON_ERROR;
    }
    json_object_object_add(body, "dbName", json_object_new_string(c->database));
    const char *text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
    char url[1024];
    snprintf(url, sizeof url, "%s/v2/vectordb/%s", c->uri, route);
    char timeout[48];
    /* Milvus's own deadline a little past ours would be useless: say ours. */
    snprintf(timeout, sizeof timeout, "Request-Timeout: %lld",
             (long long)((c->timeout_ms + 999) / 1000));
    const char *headers[] = {"Content-Type: application/json", timeout, NULL};
    vmon_http_request req = {
        .method = "POST", .url = url, .headers = headers, .body = text, .body_len = strlen(text)};
    vmon_http_response r;
    pthread_mutex_lock(&c->rest_lock);
    int rc = vmon_http_client_send(c->rest, &req, &r);
    if (rc != 0)
        rc = transport_failure(&r, what, err, errlen);
    else if (r.body_truncated) {
        snprintf(err, errlen, "%s: the answer is larger than the target's `max_body`", what);
        rc = VMON_ERROR;
    } else
        rc = mv_reply_decode(r.status, r.body, r.body_len, what, out, err, errlen);
    pthread_mutex_unlock(&c->rest_lock);
    json_object_put(body);
    if (rc != 0 && out->auth_failed) {
        remember_auth_failure(c, err);
        auth_refused(c, err, errlen); /* the words of every later refusal: one reason, said once */
    }
    return rc;
}

/* One request on `client` (under mgmt_lock); *status gets the HTTP status. */
static int send_locked(mv_ctx *c, vmon_http_client *client, const vmon_http_request *req,
                       const char *what, mv_body_fn fn, void *arg, long *status, char *err,
                       size_t errlen)
{
    vmon_http_response r;
    pthread_mutex_lock(&c->mgmt_lock);
    int rc = vmon_http_client_send(client, req, &r);
    if (rc != 0)
        rc = transport_failure(&r, what, err, errlen);
    else if (r.body_truncated) {
        snprintf(err, errlen, "%s: an answer of more than the target's `max_body` bytes", what);
        rc = VMON_ERROR;
    } else
        rc = fn(arg, r.status, r.body, r.body_len, err, errlen);
    *status = r.status;
    pthread_mutex_unlock(&c->mgmt_lock);
    return rc;
}

int mv_prom_get(mv_ctx *c, const char *url, mv_body_fn fn, void *arg, char *err, size_t errlen)
{
    vmon_http_request req = {.method = "GET", .url = url};
    long status;
    return send_locked(c, c->mgmt, &req, "prometheus_url", fn, arg, &status, err, errlen);
}

int mv_get(mv_ctx *c, const char *url, const char *method, const char *body, mv_body_fn fn,
           void *arg, char *err, size_t errlen)
{
    if (auth_refused(c, err, errlen))
        return VMON_ERROR;
    const char *headers[] = {"Content-Type: application/json", NULL};
    vmon_http_request req = {.method = method,
                             .url = url,
                             .headers = body ? headers : NULL,
                             .body = body,
                             .body_len = body ? strlen(body) : 0};
    long status;
    int rc = send_locked(c, c->mgmt, &req, "9091", fn, arg, &status, err, errlen);
    if (status == 401) {
        /* adminAuthEnabled guards 9091 with HTTP Basic root only: not the REST credentials'
         * fault, so REST goes on. */
        snprintf(err, errlen,
                 "HTTP 401 from a 9091 route: it wants HTTP Basic root credentials "
                 "(adminAuthEnabled); give them in metrics_uri as http://root:PASSWORD@host:9091");
        rc = VMON_ERROR;
    }
    return rc;
}

int mv_connect_time(mv_ctx *c, double *ms, char *err, size_t errlen)
{
    if (auth_refused(c, err, errlen))
        return VMON_ERROR;
    char url[1100];
    snprintf(url, sizeof url, "%s/healthz", c->uri);
    vmon_http_request req = {.method = "GET", .url = url, .fresh_connection = 1};
    vmon_http_response r;
    pthread_mutex_lock(&c->conn_lock);
    int64_t t0 = c->host->monotonic_ns();
    int rc = vmon_http_client_send(c->conn, &req, &r);
    *ms = (double)(c->host->monotonic_ns() - t0) / 1e6;
    if (rc != 0)
        rc = transport_failure(&r, "connection to the proxy (uri)", err, errlen);
    pthread_mutex_unlock(&c->conn_lock);
    return rc;
}
