#include "mock_milvus.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http_server.h"

struct mock_milvus {
    vmon_http_server *server;
    char *dir;
    pthread_mutex_t log_lock;
    uint64_t requests;
    int stopping;
};

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

static int exists(const char *dir, const char *name)
{
    char path[8704];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

static long number_in(const char *dir, const char *name, long fallback)
{
    char path[8704];
    size_t len;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = read_all(path, &len);
    long v = text ? strtol(text, NULL, 10) : fallback;
    free(text);
    return v;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void log_request(mock_milvus *m, const vmon_http_incoming *in)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/requests.log", m->dir);
    const char *auth = vmon_http_incoming_header(in, "Authorization");
    pthread_mutex_lock(&m->log_lock);
    m->requests++;
    FILE *f = fopen(path, "a");
    if (f) {
        fprintf(f, "%s %s auth=%s body=", in->method, in->path, auth ? auth : "-");
        for (size_t i = 0; i < in->body_len; i++)
            fputc(in->body[i] == '\n' ? ' ' : in->body[i], f);
        fputc('\n', f);
        fclose(f);
    }
    pthread_mutex_unlock(&m->log_lock);
}

/* "collectionName" of a JSON body, copied into out ("" when none). */
static void collection_of(const vmon_http_incoming *in, char *out, size_t n)
{
    out[0] = '\0';
    json_object *o = in->body_len ? json_tokener_parse(in->body) : NULL, *name;
    if (o && json_object_object_get_ex(o, "collectionName", &name) &&
        json_object_is_type(name, json_type_string))
        snprintf(out, n, "%s", json_object_get_string(name));
    json_object_put(o);
}

static int safe_path(const char *p)
{
    return p[0] == '/' && !strstr(p, "..") && !strchr(p, '@');
}

static void handle(void *arg, const vmon_http_incoming *in, vmon_http_reply *out)
{
    mock_milvus *m = arg;
    log_request(m, in);
    for (int waited = 0; exists(m->dir, "_hang") && !m->stopping && waited < 60000; waited += 10)
        sleep_ms(10);
    long delay = number_in(m->dir, "_delay_ms", 0);
    if (delay > 0)
        sleep_ms(delay);
    if (!safe_path(in->path)) {
        vmon_http_reply_status(out, 400);
        return;
    }
    char coll[256], path[8704], status_path[4200];
    collection_of(in, coll, sizeof coll);
    size_t len = 0;
    char *body = NULL;
    if (coll[0] && !strchr(coll, '/') && !strstr(coll, "..")) {
        snprintf(path, sizeof path, "%s%s@%s", m->dir, in->path, coll);
        body = read_all(path, &len);
    }
    if (!body) {
        snprintf(path, sizeof path, "%s%s", m->dir, in->path);
        body = read_all(path, &len);
    }
    if (!body) {
        vmon_http_reply_status(out, 404);
        vmon_http_reply_body(out, NULL, "404 page not found", 18);
        return;
    }
    snprintf(status_path, sizeof status_path, "%s.status", in->path + 1);
    vmon_http_reply_status(out, (unsigned)number_in(m->dir, status_path, 200));
    int text = strcmp(in->path, "/metrics") == 0 || strcmp(in->path, "/healthz") == 0;
    vmon_http_reply_body(out, text ? "text/plain; version=0.0.4" : "application/json", body, len);
    free(body);
}

mock_milvus *mock_milvus_start(const char *dir, uint16_t port, char *err, size_t errlen)
{
    mock_milvus *m = calloc(1, sizeof *m);
    if (!m || !(m->dir = strdup(dir))) {
        free(m);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&m->log_lock, NULL);
    vmon_http_server_cfg cfg = {
        .port = port, .threads = 8, .handler = handle, .arg = m, .idle_timeout_s = 120};
    m->server = vmon_http_server_start(&cfg, err, errlen);
    if (!m->server) {
        free(m->dir);
        free(m);
        return NULL;
    }
    return m;
}

uint16_t mock_milvus_port(const mock_milvus *m)
{
    return vmon_http_server_port(m->server);
}

uint64_t mock_milvus_requests(const mock_milvus *m)
{
    return __atomic_load_n(&m->requests, __ATOMIC_RELAXED);
}

void mock_milvus_stop(mock_milvus *m)
{
    if (!m)
        return;
    __atomic_store_n(&m->stopping, 1, __ATOMIC_RELAXED);
    vmon_http_server_stop(m->server);
    pthread_mutex_destroy(&m->log_lock);
    free(m->dir);
    free(m);
}
