#include "hook_receiver.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HOOK_BODY_MAX ((size_t)4 * 1024 * 1024)

struct hook_receiver {
    struct MHD_Daemon *d;
    int port;
    pthread_mutex_t mu;
    hook_behaviour b;
    unsigned rng;
    hook_request *reqs;
    size_t n, cap;
};

typedef struct conn_ctx {
    char *body;
    size_t len;
} conn_ctx;

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void record(hook_receiver *r, struct MHD_Connection *c, const char *url, conn_ctx *cc,
                   int status)
{
    pthread_mutex_lock(&r->mu);
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 256;
        r->reqs = realloc(r->reqs, r->cap * sizeof *r->reqs);
    }
    hook_request *q = &r->reqs[r->n++];
    q->status = status;
    q->key = dup_or_empty(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key"));
    q->auth = dup_or_empty(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"));
    q->extra = dup_or_empty(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Test"));
    q->content_type = dup_or_empty(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"));
    q->path = dup_or_empty(url);
    q->body = dup_or_empty(cc->body);
    pthread_mutex_unlock(&r->mu);
}

static int choose_status(hook_receiver *r, hook_behaviour *b)
{
    pthread_mutex_lock(&r->mu);
    *b = r->b;
    int fail = b->fail_percent > 0 && (int)(rand_r(&r->rng) % 100) < b->fail_percent;
    pthread_mutex_unlock(&r->mu);
    return fail ? 503 : (b->status ? b->status : 200);
}

static enum MHD_Result respond(hook_receiver *r, struct MHD_Connection *c, const char *url,
                               conn_ctx *cc)
{
    hook_behaviour b;
    int status = choose_status(r, &b);
    if (b.hang_ms > 0)
        sleep_ms(b.hang_ms);
    const char *body = status == 503 ? "unavailable" : (b.body ? b.body : "ok");
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (b.retry_after_s > 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", b.retry_after_s);
        MHD_add_response_header(resp, "Retry-After", ra);
    }
    record(r, c, url, cc, status);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    (void)method, (void)version;
    hook_receiver *r = cls;
    conn_ctx *cc = *con_cls;
    if (!cc) {
        *con_cls = cc = calloc(1, sizeof *cc);
        cc->body = calloc(1, 1);
        return MHD_YES;
    }
    if (*upload_size) {
        if (cc->len + *upload_size <= HOOK_BODY_MAX) {
            cc->body = realloc(cc->body, cc->len + *upload_size + 1);
            memcpy(cc->body + cc->len, upload_data, *upload_size);
            cc->len += *upload_size;
            cc->body[cc->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    return respond(r, c, url, cc);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode code)
{
    (void)cls, (void)c, (void)code;
    conn_ctx *cc = *con_cls;
    if (cc) {
        free(cc->body);
        free(cc);
    }
    *con_cls = NULL;
}

hook_receiver *hook_start(void)
{
    return hook_start_port(0);
}

hook_receiver *hook_start_port(int port)
{
    hook_receiver *r = calloc(1, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    r->rng = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    r->d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG, 0,
        NULL, NULL, on_request, r, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED, on_done,
        r, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10, MHD_OPTION_END);
    if (!r->d) {
        free(r);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(r->d, MHD_DAEMON_INFO_BIND_PORT);
    r->port = info ? info->port : 0;
    return r;
}

int hook_port(const hook_receiver *r)
{
    return r->port;
}

void hook_set(hook_receiver *r, const hook_behaviour *b)
{
    pthread_mutex_lock(&r->mu);
    r->b = *b;
    r->rng = b->seed ? b->seed : 1;
    pthread_mutex_unlock(&r->mu);
}

size_t hook_count(hook_receiver *r)
{
    pthread_mutex_lock(&r->mu);
    size_t n = r->n;
    pthread_mutex_unlock(&r->mu);
    return n;
}

int hook_get(hook_receiver *r, size_t i, hook_request *out)
{
    pthread_mutex_lock(&r->mu);
    int ok = i < r->n;
    if (ok) {
        hook_request *q = &r->reqs[i];
        *out = (hook_request){q->status,        strdup(q->key),          strdup(q->auth),
                              strdup(q->extra), strdup(q->content_type), strdup(q->path),
                              strdup(q->body)};
    }
    pthread_mutex_unlock(&r->mu);
    return ok ? 0 : -1;
}

void hook_request_free(hook_request *q)
{
    free(q->key);
    free(q->auth);
    free(q->extra);
    free(q->content_type);
    free(q->path);
    free(q->body);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t hook_unique_ok(hook_receiver *r, size_t *ok_requests)
{
    pthread_mutex_lock(&r->mu);
    char **keys = malloc((r->n + 1) * sizeof *keys);
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->reqs[i].status >= 200 && r->reqs[i].status < 300)
            keys[k++] = r->reqs[i].key;
    pthread_mutex_unlock(&r->mu);
    qsort(keys, k, sizeof *keys, cmp_str);
    size_t uniq = 0;
    for (size_t i = 0; i < k; i++)
        uniq += i == 0 || strcmp(keys[i], keys[i - 1]) != 0;
    free(keys);
    if (ok_requests)
        *ok_requests = k;
    return uniq;
}

void hook_stop(hook_receiver *r)
{
    if (!r)
        return;
    MHD_stop_daemon(r->d);
    for (size_t i = 0; i < r->n; i++)
        hook_request_free(&r->reqs[i]);
    free(r->reqs);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
