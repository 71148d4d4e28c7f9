#include "notify.h"

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* Set once by vmon_notify_init, before any thread starts; read-only afterwards. */
static struct sockaddr_un addr;
static socklen_t addr_len; /* 0: notifications off */
static int64_t watchdog_ms;
static atomic_int warned;

/* The first failure only: a missing listener would otherwise log at every watchdog ping. */
static void warn_once(const char *what, const char *why)
{
    if (atomic_exchange(&warned, 1))
        return;
    vmon_log(VMON_LOGL_WARNING, "notify", "%s: %s (further notification errors not logged)", what,
             why);
}

/* NOTIFY_SOCKET as an address: "/path" or "@abstract"; 0 when it is neither. */
static socklen_t parse_socket(const char *name, struct sockaddr_un *sa)
{
    size_t n = strlen(name);
    if ((name[0] != '/' && name[0] != '@') || n < 2 || n >= sizeof sa->sun_path)
        return 0;
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    memcpy(sa->sun_path, name, n);
    if (name[0] == '@') {
        sa->sun_path[0] = 0; /* abstract: the name is exactly n bytes, no terminator */
        return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    }
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

static int64_t parse_watchdog(const char *usec, const char *pid)
{
    if (!usec || !*usec)
        return 0;
    if (pid && *pid) {
        char *end;
        long p = strtol(pid, &end, 10);
        if (*end || p != (long)getpid())
            return 0; /* meant for another process */
    }
    char *end;
    errno = 0;
    unsigned long long us = strtoull(usec, &end, 10);
    if (errno || *end || us == 0 || us > (unsigned long long)INT64_MAX / 2)
        return 0;
    int64_t half = (int64_t)(us / 2000);
    return half > 0 ? half : 1;
}

void vmon_notify_init(void)
{
    const char *name = getenv("NOTIFY_SOCKET");
    addr_len = 0;
    if (name && *name) {
        addr_len = parse_socket(name, &addr);
        if (!addr_len)
            warn_once(name, "NOTIFY_SOCKET is not a socket path or @abstract name; systemd "
                            "notifications are off");
    }
    watchdog_ms = addr_len ? parse_watchdog(getenv("WATCHDOG_USEC"), getenv("WATCHDOG_PID")) : 0;
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
}

int vmon_notify_send(const char *state)
{
    if (!addr_len)
        return 0;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        warn_once("systemd notification socket", strerror(errno));
        return -1;
    }
    ssize_t n =
        sendto(fd, state, strlen(state), MSG_NOSIGNAL, (const struct sockaddr *)&addr, addr_len);
    int err = errno;
    close(fd);
    if (n < 0) {
        warn_once(addr.sun_path[0] ? addr.sun_path : "systemd notification (abstract socket)",
                  strerror(err));
        return -1;
    }
    return 0;
}

/* `head` then STATUS=status (one line) as one datagram. */
static void send_with_status(const char *head, const char *status)
{
    if (!addr_len)
        return;
    char msg[1024];
    int n =
        snprintf(msg, sizeof msg, "%s%sSTATUS=%s", head, *head ? "\n" : "", status ? status : "");
    size_t end = n < 0 ? 0 : (size_t)n >= sizeof msg ? sizeof msg - 1 : (size_t)n;
    size_t from = strlen(head) + (*head ? 1 : 0) + strlen("STATUS=");
    for (size_t i = from; i < end; i++) /* STATUS is one line */
        if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
            msg[i] = ' ';
    vmon_notify_send(msg);
}

void vmon_notify_ready(const char *status)
{
    send_with_status("READY=1", status);
}

void vmon_notify_reloading(const char *status)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    char head[96];
    snprintf(head, sizeof head, "RELOADING=1\nMONOTONIC_USEC=%llu",
             (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
    send_with_status(head, status);
}

void vmon_notify_stopping(const char *status)
{
    send_with_status("STOPPING=1", status);
}

void vmon_notify_status(const char *status)
{
    send_with_status("", status);
}

int64_t vmon_notify_watchdog_ms(void)
{
    return watchdog_ms;
}

void vmon_notify_watchdog(void)
{
    if (watchdog_ms)
        vmon_notify_send("WATCHDOG=1");
}
