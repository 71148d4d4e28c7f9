/*
 * Sockets for the syslog sink. Every failure closes the socket, so the next
 * delivery starts from a fresh connection: a restarted rsyslog, a replaced
 * /dev/log or a collector that dropped the TCP session are all recovered
 * the same way, through the core's retry.
 */
#include "syslog_transport.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

enum { SEND_OK = 0, SEND_RETRY = 1, SEND_FATAL = 2 };

int sl_transport_init(sl_transport *t, int kind, const char *path_or_host, int port,
                      int connect_timeout_ms, int send_timeout_ms, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->fd = -1;
    t->kind = kind;
    t->connect_timeout_ms = connect_timeout_ms > 0 ? connect_timeout_ms : 1;
    t->send_timeout_ms = send_timeout_ms > 0 ? send_timeout_ms : 1;
    const char *what = kind == SL_TR_UNIX ? "socket path" : "host";
    if (!path_or_host || !*path_or_host) {
        snprintf(err, errlen, "no %s given", what);
        return -1;
    }
    if (kind == SL_TR_UNIX) {
        if (strlen(path_or_host) >= sizeof t->path) {
            snprintf(err, errlen, "socket path longer than %zu bytes", sizeof t->path - 1);
            return -1;
        }
        snprintf(t->path, sizeof t->path, "%s", path_or_host);
        return 0;
    }
    if (strlen(path_or_host) >= sizeof t->host || port < 1 || port > 65535) {
        snprintf(err, errlen, "bad host or port");
        return -1;
    }
    snprintf(t->host, sizeof t->host, "%s", path_or_host);
    snprintf(t->port, sizeof t->port, "%d", port);
    return 0;
}

void sl_transport_close(sl_transport *t)
{
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
    t->stream = 0;
}

static void set_send_timeout(int fd, int ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (suseconds_t)(ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static int connect_unix(sl_transport *t, char *detail, size_t dlen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, t->path, strlen(t->path) + 1);
    /* Datagram first (rsyslog, journald); a stream socket (syslog-ng's
     * unix-stream) answers EPROTOTYPE and is framed like TCP. */
    const int types[] = {SOCK_DGRAM, SOCK_STREAM};
    for (size_t i = 0; i < 2; i++) {
        int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
        if (fd < 0)
            break;
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
            set_send_timeout(fd, t->send_timeout_ms);
            t->fd = fd;
            t->stream = types[i] == SOCK_STREAM;
            return 0;
        }
        int e = errno;
        close(fd);
        errno = e;
        if (e != EPROTOTYPE)
            break;
    }
    snprintf(detail, dlen, "connect %s: %s", t->path, strerror(errno));
    return -1;
}

/* Non-blocking connect bounded by connect_timeout_ms. */
static int connect_bounded(int fd, const struct sockaddr *sa, socklen_t salen, int timeout_ms)
{
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int rc = connect(fd, sa, salen);
    if (rc != 0 && errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        rc = poll(&p, 1, timeout_ms);
        if (rc == 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        int soerr = 0;
        socklen_t l = sizeof soerr;
        if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &l) != 0)
            return -1;
        errno = soerr;
        rc = soerr ? -1 : 0;
    }
    fcntl(fd, F_SETFL, flags);
    return rc;
}

static int connect_inet(sl_transport *t, char *detail, size_t dlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = t->kind == SL_TR_TCP ? SOCK_STREAM : SOCK_DGRAM};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(t->host, t->port, &hints, &res);
    if (gai != 0) {
        snprintf(detail, dlen, "resolve %s: %s", t->host, gai_strerror(gai));
        return -1;
    }
    int e = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            e = errno;
            continue;
        }
        /* A connected UDP socket reports ICMP port-unreachable as ECONNREFUSED. */
        if (connect_bounded(fd, ai->ai_addr, ai->ai_addrlen, t->connect_timeout_ms) == 0) {
            set_send_timeout(fd, t->send_timeout_ms);
            t->fd = fd;
            t->stream = t->kind == SL_TR_TCP;
            freeaddrinfo(res);
            return 0;
        }
        e = errno;
        close(fd);
    }
    freeaddrinfo(res);
    snprintf(detail, dlen, "connect %s:%s/%s: %s", t->host, t->port,
             t->kind == SL_TR_TCP ? "tcp" : "udp", strerror(e));
    return -1;
}

/* A stream peer that closed (or sent anything: syslog receivers never do)
 * shows as readable; the connection is then dead for our purposes. */
static int stream_peer_gone(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR));
}

static int write_iov_full(int fd, struct iovec *iov, int cnt)
{
    while (cnt > 0) {
        struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)cnt};
        ssize_t w = sendmsg(fd, &mh, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        while (cnt > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            cnt--;
        }
        if (cnt > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

/* RFC 6587 octet counting: "MSG-LEN SP SYSLOG-MSG". */
static int send_framed(sl_transport *t, const char *rec, size_t len)
{
    char hdr[24];
    int hl = snprintf(hdr, sizeof hdr, "%zu ", len);
    struct iovec iov[2] = {{.iov_base = hdr, .iov_len = (size_t)hl},
                           {.iov_base = (void *)rec, .iov_len = len}};
    return write_iov_full(t->fd, iov, 2);
}

static int send_datagram(sl_transport *t, const char *rec, size_t len)
{
    for (;;) {
        ssize_t w = send(t->fd, rec, len, MSG_NOSIGNAL);
        if (w >= 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

static int ensure_connected(sl_transport *t, char *detail, size_t dlen)
{
    if (t->fd >= 0 && t->stream && stream_peer_gone(t->fd))
        sl_transport_close(t);
    if (t->fd >= 0)
        return 0;
    return t->kind == SL_TR_UNIX ? connect_unix(t, detail, dlen) : connect_inet(t, detail, dlen);
}

int sl_transport_send(sl_transport *t, const char *const *recs, const size_t *lens, size_t n,
                      char *detail, size_t dlen)
{
    if (ensure_connected(t, detail, dlen) != 0)
        return SEND_RETRY;
    for (size_t i = 0; i < n; i++) {
        int rc = t->stream ? send_framed(t, recs[i], lens[i]) : send_datagram(t, recs[i], lens[i]);
        if (rc == 0)
            continue;
        int e = errno;
        snprintf(detail, dlen, "send to %s: %s", t->kind == SL_TR_UNIX ? t->path : t->host,
                 e == EAGAIN || e == EWOULDBLOCK ? "timed out" : strerror(e));
        sl_transport_close(t);
        return e == EMSGSIZE ? SEND_FATAL : SEND_RETRY;
    }
    return SEND_OK;
}
