#include "hook_receiver.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_server.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define HOOK_BODY_MAX ((size_t)4 * 1024 * 1024)
/* Enough pool threads that a hanging answer never delays the next request
 * a test sends. */
#define HOOK_THREADS 8

struct hook_receiver {
    vmon_http_server *server;
    int port;
    pthread_mutex_t mu;
    hook_behaviour b;
    char *secret, *sig_header; /* b's, owned */
    unsigned rng;
    hook_request *reqs;
    size_t n, cap;
};

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* What a receiver does (written from the docs, apart from the sink's code):
 * a fresh X-Vmon-Timestamp, then HMAC-SHA256(secret, T "." body) in hex after
 * "v1=", compared in constant time. */
static int verify(const hook_behaviour *b, const vmon_http_incoming *in)
{
    const char *ts = vmon_http_incoming_header(in, "X-Vmon-Timestamp");
    const char *sig =
        vmon_http_incoming_header(in, b->sig_header ? b->sig_header : "X-Vmon-Signature");
    if (!ts || !sig || strncmp(sig, "v1=", 3) != 0 || strlen(sig) != 3 + 64)
        return 0;
    char *end = NULL;
    long long t = strtoll(ts, &end, 10);
    long long now = (long long)time(NULL);
    if (end == ts || *end || t < now - 300 || t > now + 300)
        return 0;
    size_t ts_len = strlen(ts);
    size_t msg_len = ts_len + 1 + in->body_len;
    unsigned char *msg = malloc(msg_len + 1);
    if (!msg)
        return 0;
    snprintf((char *)msg, ts_len + 2, "%s.", ts);
    memcpy(msg + ts_len + 1, in->body, in->body_len);
    msg[msg_len] = '\0';
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = 0;
    int ok =
        HMAC(EVP_sha256(), b->secret, (int)strlen(b->secret), msg, msg_len, mac, &mac_len) != NULL;
    free(msg);
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (size_t i = 0; i < mac_len; i++)
        snprintf(hex + (2 * i), 3, "%02x", mac[i]);
    return ok && mac_len == 32 && CRYPTO_memcmp(hex, sig + 3, 64) == 0;
}

static void record(hook_receiver *r, const vmon_http_incoming *in, int status, int sig_ok)
{
    pthread_mutex_lock(&r->mu);
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 256;
        r->reqs = realloc(r->reqs, r->cap * sizeof *r->reqs);
    }
    hook_request *q = &r->reqs[r->n++];
    q->status = status;
    q->key = dup_or_empty(vmon_http_incoming_header(in, "Idempotency-Key"));
    q->auth = dup_or_empty(vmon_http_incoming_header(in, "Authorization"));
    q->extra = dup_or_empty(vmon_http_incoming_header(in, "X-Test"));
    q->content_type = dup_or_empty(vmon_http_incoming_header(in, "Content-Type"));
    q->path = dup_or_empty(in->path);
    q->body = dup_or_empty(in->body);
    q->timestamp = dup_or_empty(vmon_http_incoming_header(in, "X-Vmon-Timestamp"));
    const char *sh = r->b.sig_header ? r->b.sig_header : "X-Vmon-Signature";
    q->signature = dup_or_empty(vmon_http_incoming_header(in, sh));
    q->sig_ok = sig_ok;
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

static void on_request(void *arg, const vmon_http_incoming *in, vmon_http_reply *out)
{
    hook_receiver *r = arg;
    hook_behaviour b;
    int status = choose_status(r, &b);
    int sig_ok = b.secret && verify(&b, in);
    if (b.secret && !sig_ok)
        status = 401;
    if (b.hang_ms > 0)
        sleep_ms(b.hang_ms);
    const char *body = status == 503 ? "unavailable" : (b.body ? b.body : "ok");
    vmon_http_reply_status(out, (unsigned)status);
    vmon_http_reply_body(out, "text/plain", body, strlen(body));
    if (b.retry_after_s > 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", b.retry_after_s);
        vmon_http_reply_header(out, "Retry-After", ra);
    }
    record(r, in, status, sig_ok);
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
    char err[256];
    vmon_http_server_cfg cfg = {.port = (uint16_t)port,
                                .threads = HOOK_THREADS,
                                .body_max = HOOK_BODY_MAX,
                                .handler = on_request,
                                .arg = r};
    r->server = vmon_http_server_start(&cfg, err, sizeof err);
    if (!r->server) {
        fprintf(stderr, "hook_receiver: %s\n", err);
        pthread_mutex_destroy(&r->mu);
        free(r);
        return NULL;
    }
    r->port = vmon_http_server_port(r->server);
    return r;
}

int hook_port(const hook_receiver *r)
{
    return r->port;
}

void hook_set(hook_receiver *r, const hook_behaviour *b)
{
    pthread_mutex_lock(&r->mu);
    free(r->secret);
    free(r->sig_header);
    r->b = *b;
    r->secret = b->secret ? strdup(b->secret) : NULL;
    r->sig_header = b->sig_header ? strdup(b->sig_header) : NULL;
    r->b.secret = r->secret;
    r->b.sig_header = r->sig_header;
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
        *out = (hook_request){.status = q->status,
                              .key = strdup(q->key),
                              .auth = strdup(q->auth),
                              .extra = strdup(q->extra),
                              .content_type = strdup(q->content_type),
                              .path = strdup(q->path),
                              .body = strdup(q->body),
                              .timestamp = strdup(q->timestamp),
                              .signature = strdup(q->signature),
                              .sig_ok = q->sig_ok};
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
    free(q->timestamp);
    free(q->signature);
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
    vmon_http_server_stop(r->server);
    for (size_t i = 0; i < r->n; i++)
        hook_request_free(&r->reqs[i]);
    free(r->reqs);
    free(r->secret);
    free(r->sig_header);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
