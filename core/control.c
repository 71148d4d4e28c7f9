#include "control.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "escape.h"
#include "io.h"
#include "log.h"
#include "strutil.h"

/* A client that connects and says nothing must not hold the channel. */
#define CONTROL_CLIENT_TIMEOUT_MS 2000
#define CONTROL_REPLY_MAX         4096

struct vmon_control {
    int fd;
    int wake[2]; /* written by stop: ends the poll */
    char *path;
    vmon_control_fn fn;
    void *arg;
    pthread_t thread;
};

static int address_of(const char *path, struct sockaddr_un *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a->sun_path) {
        snprintf(err, errlen, "control_socket %s: longer than %zu bytes; choose a shorter path",
                 path, sizeof a->sun_path - 1);
        return -1;
    }
    memcpy(a->sun_path, path, strlen(path) + 1);
    return 0;
}

static void set_timeouts(int fd, int ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (suseconds_t)(ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* A socket file at `path`: stale (removed, 0), live (-1) or not a socket (-1). */
static int clear_stale(const char *path, const struct sockaddr_un *a, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return 0;
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen,
                 "control_socket %s: exists and is not a socket; remove it or choose "
                 "another path",
                 path);
        return -1;
    }
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int live = probe >= 0 && connect(probe, (const struct sockaddr *)a, sizeof *a) == 0;
    if (probe >= 0)
        close(probe);
    if (live) {
        snprintf(err, errlen,
                 "control_socket %s: another vmond is listening there; stop it or "
                 "choose another path",
                 path);
        return -1;
    }
    unlink(path);
    return 0;
}

/* Like vmon_write_all, without SIGPIPE when the other side has gone (MSG_NOSIGNAL). */
static int send_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static int peer_allowed(int fd)
{
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        return 0;
    return cred.uid == geteuid() || cred.uid == 0;
}

/* One line from the client, without its newline; -1 when none arrived in time. */
static int read_line(int fd, char *line, size_t len)
{
    size_t n = 0;
    while (n + 1 < len) {
        ssize_t got = read(fd, line + n, len - 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        n += (size_t)got;
        if (memchr(line, '\n', n))
            break;
    }
    line[n] = '\0';
    char *nl = strchr(line, '\n');
    if (!nl)
        return -1;
    *nl = '\0';
    return 0;
}

static int known_verb(const char *verb)
{
    static const char *const verbs[] = {"status", "pause", "resume", "abort", "rollback"};
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (!strcmp(verb, verbs[i]))
            return 1;
    return 0;
}

char *vmon_control_answer(const char *line, vmon_control_fn fn, void *arg)
{
    for (const char *p = line; *p; p++)
        if (iscntrl((unsigned char)*p) && *p != '\t')
            return vmon_strdup("error: the command holds control characters; send one line "
                               "`VERB [PIPELINE]`\n");
    char buf[VMON_CONTROL_MAX_LINE];
    snprintf(buf, sizeof buf, "%s", line);
    char *save = NULL;
    char *verb = strtok_r(buf, " \t", &save);
    char *pipeline = strtok_r(NULL, " \t", &save);
    char *extra = strtok_r(NULL, " \t", &save);
    if (!verb || !known_verb(verb)) {
        char shown[64];
        vmon_escape_controls(verb ? verb : "", verb ? strlen(verb) : 0, shown, sizeof shown);
        return vmon_asprintf("error: unknown command '%s'; use status, pause, resume, abort or "
                             "rollback\n",
                             shown);
    }
    if (extra)
        return vmon_asprintf("error: %s takes one pipeline name\n", verb);
    if (!pipeline && strcmp(verb, "status") != 0)
        return vmon_asprintf("error: %s needs a pipeline: vmond ctl %s PIPELINE\n", verb, verb);
    char reply[CONTROL_REPLY_MAX] = "";
    if (fn(arg, verb, pipeline ? pipeline : "", reply, sizeof reply)) {
        char shown[CONTROL_REPLY_MAX];
        vmon_escape_controls(reply, strlen(reply), shown, sizeof shown);
        return vmon_asprintf("error: %s\n", shown);
    }
    size_t n = strlen(reply);
    return vmon_asprintf("ok\n%s%s", reply, n && reply[n - 1] != '\n' ? "\n" : "");
}

static void serve_one(vmon_control *c, int fd)
{
    set_timeouts(fd, CONTROL_CLIENT_TIMEOUT_MS);
    char *out;
    char line[VMON_CONTROL_MAX_LINE];
    if (!peer_allowed(fd))
        out = vmon_strdup("error: only vmond's own user (or root) may control it\n");
    else if (read_line(fd, line, sizeof line))
        out = vmon_strdup("error: send one line `VERB [PIPELINE]`\n");
    else
        out = vmon_control_answer(line, c->fn, c->arg);
    (void)send_all(fd, out, strlen(out)); /* a client gone early is not our problem */
    free(out);
    close(fd);
}

static void *control_thread(void *arg)
{
    vmon_control *c = arg;
    for (;;) {
        struct pollfd p[2] = {{.fd = c->fd, .events = POLLIN},
                              {.fd = c->wake[0], .events = POLLIN}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents)
            break;
        int fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0)
            serve_one(c, fd);
    }
    return NULL;
}

vmon_control *vmon_control_start(const char *path, vmon_control_fn fn, void *arg, char *err,
                                 size_t errlen)
{
    struct sockaddr_un a;
    if (address_of(path, &a, err, errlen) || clear_stale(path, &a, err, errlen))
        return NULL;
    vmon_control *c = vmon_calloc(1, sizeof *c);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    c->wake[0] = c->wake[1] = -1;
    c->path = vmon_strdup(path);
    c->fn = fn;
    c->arg = arg;
    const char *step = "socket";
    if (c->fd < 0)
        goto fail;
    step = "bind";
    if (bind(c->fd, (const struct sockaddr *)&a, sizeof a) != 0)
        goto fail;
    step = "chmod";
    if (chmod(path, 0600) != 0) /* peer credentials are checked as well */
        goto fail;
    step = "listen";
    if (listen(c->fd, 8) != 0 || pipe2(c->wake, O_CLOEXEC) != 0)
        goto fail;
    step = "thread";
    if (pthread_create(&c->thread, NULL, control_thread, c) != 0)
        goto fail;
    return c;
fail:
    snprintf(err, errlen, "control_socket %s: %s: %s", path, step, strerror(errno));
    if (c->fd >= 0)
        close(c->fd);
    if (strcmp(step, "socket") != 0 && strcmp(step, "bind") != 0)
        unlink(path);
    for (int i = 0; i < 2; i++)
        if (c->wake[i] >= 0)
            close(c->wake[i]);
    free(c->path);
    free(c);
    return NULL;
}

void vmon_control_stop(vmon_control *c)
{
    if (!c)
        return;
    (void)vmon_write_all(c->wake[1], "x", 1);
    pthread_join(c->thread, NULL);
    close(c->fd);
    close(c->wake[0]);
    close(c->wake[1]);
    unlink(c->path);
    free(c->path);
    free(c);
}

int vmon_control_call(const char *path, const char *verb, const char *pipeline, int timeout_ms,
                      char *reply, size_t replylen)
{
    struct sockaddr_un a;
    if (address_of(path, &a, reply, replylen))
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || (set_timeouts(fd, timeout_ms), connect(fd, (struct sockaddr *)&a, sizeof a))) {
        snprintf(reply, replylen,
                 "cannot reach vmond at %s: %s; is it running with this "
                 "control_socket?",
                 path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    char *line =
        vmon_asprintf("%s%s%s\n", verb, pipeline && *pipeline ? " " : "", pipeline ? pipeline : "");
    int rc = send_all(fd, line, strlen(line));
    free(line);
    size_t n = 0;
    while (rc == 0 && n + 1 < replylen) {
        ssize_t got = read(fd, reply + n, replylen - 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            rc = -1;
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    if (replylen)
        reply[n] = '\0';
    close(fd);
    if (rc || n == 0) {
        snprintf(reply, replylen, "vmond at %s did not answer in %d ms", path, timeout_ms);
        return -1;
    }
    return strncmp(reply, "ok\n", 3) == 0 ? 0 : 1;
}
