/*
 * Getting syslog records to a receiver: a unix datagram socket (local
 * /dev/log or a collector's socket), UDP (RFC 5426, one record per
 * datagram) or TCP with octet-counting framing (RFC 6587), so a record
 * containing LF can never be split into two.
 *
 * Connections are opened lazily and re-opened after any failure; every
 * blocking step is bounded by the configured timeouts.
 */
#ifndef VMON_SYSLOG_TRANSPORT_H
#define VMON_SYSLOG_TRANSPORT_H

#include <stddef.h>

enum { SL_TR_UNIX = 0, SL_TR_UDP = 1, SL_TR_TCP = 2 };

typedef struct sl_transport {
    int kind;       /* SL_TR_* */
    int fd;         /* -1 when not connected */
    int stream;     /* connected socket is a byte stream: frame records */
    char path[108]; /* SL_TR_UNIX */
    char host[256]; /* SL_TR_UDP / SL_TR_TCP */
    char port[8];
    int connect_timeout_ms;
    int send_timeout_ms;
} sl_transport;

/** Set up (does not connect). Returns 0, or -1 with a reason in err. */
int sl_transport_init(sl_transport *t, int kind, const char *path_or_host, int port,
                      int connect_timeout_ms, int send_timeout_ms, char *err, size_t errlen);

/**
 * Send `n` records (connecting first if needed). Returns 0 when all were
 * handed to the kernel, 1 for a transient failure (not connected, refused,
 * timed out, reset: worth a retry), 2 for a permanent one (record too large
 * for the transport). `detail` says which step failed and why.
 */
int sl_transport_send(sl_transport *t, const char *const *recs, const size_t *lens, size_t n,
                      char *detail, size_t dlen);

void sl_transport_close(sl_transport *t);

#endif
