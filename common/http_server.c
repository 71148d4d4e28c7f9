#include "http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vmon_http_server {
    struct MHD_Daemon *d;
    uint16_t port;
    size_t body_max;
    vmon_http_handler handler;
    void *arg;
};

struct vmon_http_reply {
    unsigned status;
    char *content_type;
    char *body;
    size_t body_len;
    int has_body;
    char *names[VMON_HTTP_REPLY_HEADERS_MAX], *values[VMON_HTTP_REPLY_HEADERS_MAX];
    size_t n_headers;
};

/* One connection's request body while it arrives. */
typedef struct upload {
    char *body;
    size_t len;
    int too_large;
} upload;

const char *vmon_http_incoming_header(const vmon_http_incoming *in, const char *name)
{
    return MHD_lookup_connection_value(in->conn, MHD_HEADER_KIND, name);
}

const char *vmon_http_incoming_query(const vmon_http_incoming *in, const char *name)
{
    return MHD_lookup_connection_value(in->conn, MHD_GET_ARGUMENT_KIND, name);
}

void vmon_http_reply_status(vmon_http_reply *r, unsigned status)
{
    r->status = status;
}

static char *copy(const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (c) {
        memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

int vmon_http_reply_body(vmon_http_reply *r, const char *content_type, const char *body, size_t len)
{
    const char *ct = content_type ? content_type : "text/plain; charset=utf-8";
    char *b = copy(body ? body : "", body ? len : 0), *t = copy(ct, strlen(ct));
    if (!b || !t || strpbrk(ct, "\r\n")) {
        free(b);
        free(t);
        return -1;
    }
    free(r->body);
    free(r->content_type);
    r->body = b;
    r->body_len = body ? len : 0;
    r->content_type = t;
    r->has_body = 1;
    return 0;
}

int vmon_http_reply_header(vmon_http_reply *r, const char *name, const char *value)
{
    if (r->n_headers == VMON_HTTP_REPLY_HEADERS_MAX || !name || !value || strpbrk(name, "\r\n:") ||
        strpbrk(value, "\r\n"))
        return -1;
    char *n = copy(name, strlen(name)), *v = copy(value, strlen(value));
    if (!n || !v) {
        free(n);
        free(v);
        return -1;
    }
    r->names[r->n_headers] = n;
    r->values[r->n_headers++] = v;
    return 0;
}

static void reply_free(vmon_http_reply *r)
{
    free(r->body);
    free(r->content_type);
    for (size_t i = 0; i < r->n_headers; i++) {
        free(r->names[i]);
        free(r->values[i]);
    }
}

static enum MHD_Result send_reply(struct MHD_Connection *c, vmon_http_reply *r)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(r->body_len, r->body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    if (r->has_body)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    for (size_t i = 0; i < r->n_headers; i++)
        MHD_add_response_header(resp, r->names[i], r->values[i]);
    unsigned status = r->status ? r->status : r->has_body ? 200 : 204;
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static int collect(upload *u, const char *data, size_t n, size_t max)
{
    if (u->too_large || u->len + n > max) {
        u->too_large = 1;
        return 0;
    }
    char *grown = realloc(u->body, u->len + n + 1);
    if (!grown)
        return -1;
    u->body = grown;
    memcpy(u->body + u->len, data, n);
    u->len += n;
    u->body[u->len] = '\0';
    return 0;
}

static enum MHD_Result answer(vmon_http_server *s, struct MHD_Connection *c, const char *url,
                              const char *method, upload *u)
{
    vmon_http_reply r = {0};
    if (u->too_large) {
        static const char msg[] = "request body too large\n";
        vmon_http_reply_status(&r, 413);
        vmon_http_reply_body(&r, NULL, msg, sizeof msg - 1);
    } else {
        vmon_http_incoming in = {.method = method,
                                 .path = url,
                                 .body = u->body ? u->body : "",
                                 .body_len = u->len,
                                 .conn = c};
        s->handler(s->arg, &in, &r);
    }
    enum MHD_Result ret = send_reply(c, &r);
    reply_free(&r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *data_size, void **con_cls)
{
    (void)version;
    vmon_http_server *s = cls;
    upload *u = *con_cls;
    if (!u) {
        *con_cls = u = calloc(1, sizeof *u);
        return u ? MHD_YES : MHD_NO;
    }
    if (*data_size) {
        int rc = collect(u, data, *data_size, s->body_max);
        *data_size = 0;
        return rc == 0 ? MHD_YES : MHD_NO;
    }
    return answer(s, c, url, method, u);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    (void)cls, (void)c, (void)code;
    upload *u = *con_cls;
    if (u) {
        free(u->body);
        free(u);
    }
    *con_cls = NULL;
}

/* The address to bind, IPv4 or IPv6; 0 or -1 when it is not a literal. */
static int parse_address(const char *addr, uint16_t port, struct sockaddr_storage *ss,
                         unsigned *flags)
{
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    memset(ss, 0, sizeof *ss);
    if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        return 0;
    }
    if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        *flags |= MHD_USE_IPv6;
        return 0;
    }
    return -1;
}

static unsigned or_default(unsigned v, unsigned def)
{
    return v ? v : def;
}

vmon_http_server *vmon_http_server_start(const vmon_http_server_cfg *cfg, char *err, size_t errlen)
{
    const char *addr = cfg->bind_address && *cfg->bind_address ? cfg->bind_address : "127.0.0.1";
    struct sockaddr_storage ss;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;
    if (!cfg->handler) {
        snprintf(err, errlen, "HTTP server without a handler");
        return NULL;
    }
    if (parse_address(addr, cfg->port, &ss, &flags) != 0) {
        snprintf(err, errlen, "bind address '%s' is not an IPv4 or IPv6 address", addr);
        return NULL;
    }
    vmon_http_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory (HTTP server)");
        return NULL;
    }
    s->handler = cfg->handler;
    s->arg = cfg->arg;
    s->body_max = cfg->body_max ? cfg->body_max : VMON_HTTP_SERVER_BODY_MAX;
    unsigned threads = or_default(cfg->threads, VMON_HTTP_SERVER_THREADS);
    if (threads > VMON_HTTP_SERVER_THREADS_MAX)
        threads = VMON_HTTP_SERVER_THREADS_MAX;
    errno = 0;
    s->d = MHD_start_daemon(flags, cfg->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &ss,
                            MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT,
                            or_default(cfg->max_connections, VMON_HTTP_SERVER_CONNECTIONS),
                            MHD_OPTION_CONNECTION_TIMEOUT,
                            or_default(cfg->idle_timeout_s, VMON_HTTP_SERVER_IDLE_S),
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
    if (!s->d) {
        int e = errno;
        snprintf(err, errlen, "cannot listen on %s port %u: %s", addr, (unsigned)cfg->port,
                 e ? strerror(e) : "libmicrohttpd refused (address in use?)");
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : cfg->port;
    return s;
}

uint16_t vmon_http_server_port(const vmon_http_server *s)
{
    return s->port;
}

void vmon_http_server_stop(vmon_http_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->d);
    free(s);
}
