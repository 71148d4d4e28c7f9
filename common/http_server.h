/*
 * A small HTTP server on libmicrohttpd for what serves HTTP (the
 * Prometheus sink, the gateway, test servers). What it promises:
 *
 * - It listens on `bind_address` (default 127.0.0.1, loopback only) and
 *   `port`; port 0 takes a free port, and vmon_http_server_port() reads
 *   back the one it got, so tests never race for a port.
 * - A bounded pool of `threads` threads calls the handler; a connection
 *   limit and an idle timeout bound what clients can hold.
 * - A request body is collected whole (up to body_max, else 413) before
 *   the handler runs, so the handler sees one complete request.
 * - vmon_http_server_stop() stops accepting, waits for running handlers
 *   to return, and frees everything.
 */
#ifndef VMON_COMMON_HTTP_SERVER_H
#define VMON_COMMON_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#define VMON_HTTP_SERVER_THREADS     2
#define VMON_HTTP_SERVER_THREADS_MAX 64
#define VMON_HTTP_SERVER_CONNECTIONS 64
#define VMON_HTTP_SERVER_BODY_MAX    ((size_t)1024 * 1024)
#define VMON_HTTP_SERVER_IDLE_S      10
#define VMON_HTTP_REPLY_HEADERS_MAX  16

typedef struct vmon_http_server vmon_http_server;

/** A request as the handler sees it; valid only during the handler call. */
typedef struct vmon_http_incoming {
    const char *method;
    const char *path; /* without the query string */
    const char *body; /* NUL-terminated, "" when none */
    size_t body_len;
    void *conn; /* the server's; for the lookups below */
} vmon_http_incoming;

/** A request header (case-insensitive name) or query argument, or NULL. */
const char *vmon_http_incoming_header(const vmon_http_incoming *in, const char *name);
const char *vmon_http_incoming_query(const vmon_http_incoming *in, const char *name);

/** What the handler answers; the server copies everything it is given. */
typedef struct vmon_http_reply vmon_http_reply;
void vmon_http_reply_status(vmon_http_reply *r, unsigned status);
/** The body, copied; content_type NULL: "text/plain; charset=utf-8". Returns 0 or -1 (memory). */
int vmon_http_reply_body(vmon_http_reply *r, const char *content_type, const char *body,
                         size_t len);
/** One more header, copied; at most VMON_HTTP_REPLY_HEADERS_MAX; CR/LF refused. Returns 0 or -1. */
int vmon_http_reply_header(vmon_http_reply *r, const char *name, const char *value);

/**
 * Called on a pool thread for every complete request; may block (that
 * thread's other connections wait). Without a status the reply is 200 if a
 * body was set, else 204.
 */
typedef void (*vmon_http_handler)(void *arg, const vmon_http_incoming *in, vmon_http_reply *out);

typedef struct vmon_http_server_cfg {
    const char *bind_address; /* IPv4 or IPv6 literal; NULL: 127.0.0.1 */
    uint16_t port;            /* 0: any free port */
    unsigned threads;         /* 0: VMON_HTTP_SERVER_THREADS; at most ..._THREADS_MAX */
    unsigned max_connections; /* 0: VMON_HTTP_SERVER_CONNECTIONS */
    unsigned idle_timeout_s;  /* 0: VMON_HTTP_SERVER_IDLE_S */
    size_t body_max;          /* 0: VMON_HTTP_SERVER_BODY_MAX */
    vmon_http_handler handler;
    void *arg;
} vmon_http_server_cfg;

/** Listening and serving, or NULL with the reason (naming the address and port) in `err`. */
vmon_http_server *vmon_http_server_start(const vmon_http_server_cfg *cfg, char *err, size_t errlen);
/** The port it listens on (the real one when cfg->port was 0). */
uint16_t vmon_http_server_port(const vmon_http_server *s);
void vmon_http_server_stop(vmon_http_server *s);

#endif
