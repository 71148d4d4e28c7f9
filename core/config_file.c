#include "config_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strutil.h"

static const char *file_type_name(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a plain file";
}

#define MIB ((size_t)1024 * 1024)

static void size_limit_reason(size_t max_bytes, char *why, size_t whylen)
{
    if (max_bytes % MIB == 0)
        snprintf(why, whylen, "larger than the %zu MiB limit", max_bytes / MIB);
    else
        snprintf(why, whylen, "larger than the %zu-byte limit", max_bytes);
}

static int check_regular(const struct stat *st, size_t max_bytes, char *why, size_t whylen)
{
    if (!S_ISREG(st->st_mode)) {
        snprintf(why, whylen, "not a regular file (%s)", file_type_name(st->st_mode));
        return -1;
    }
    if ((unsigned long long)st->st_size > max_bytes) {
        size_limit_reason(max_bytes, why, whylen);
        return -1;
    }
    return 0;
}

int vmon_cfg_file_open(const char *path, size_t max_bytes, vmon_cfg_file *f, char *why,
                       size_t whylen)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    struct stat st;
    /* stat before open: opening a FIFO can block, and opening a device can act on it. */
    if (stat(path, &st) < 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        return -1;
    }
    if (check_regular(&st, max_bytes, why, whylen) < 0)
        return -1;
    /* The path may have been replaced since stat: O_NONBLOCK, then check what was opened. */
    f->fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (f->fd < 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        return -1;
    }
    if (fstat(f->fd, &st) < 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        vmon_cfg_file_close(f);
        return -1;
    }
    if (check_regular(&st, max_bytes, why, whylen) < 0) {
        vmon_cfg_file_close(f);
        return -1;
    }
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->size = (size_t)st.st_size;
    return 0;
}

int vmon_cfg_file_read(vmon_cfg_file *f, size_t max_bytes, char *why, size_t whylen)
{
    /* Room for one byte more than the size, so that the read that sees the end needs none. */
    size_t cap = (f->size < max_bytes ? f->size : max_bytes) + 1;
    if (cap < 4096)
        cap = 4096;
    f->bytes = vmon_realloc(f->bytes, cap);
    f->len = 0;
    for (;;) {
        if (f->len == cap) {
            cap *= 2;
            f->bytes = vmon_realloc(f->bytes, cap);
        }
        ssize_t got = read(f->fd, f->bytes + f->len, cap - f->len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(why, whylen, "%s", strerror(errno));
            return -1;
        }
        if (got == 0)
            return 0;
        f->len += (size_t)got;
        /* The file may grow while it is read: the limit holds for what is read, too. */
        if (f->len > max_bytes) {
            size_limit_reason(max_bytes, why, whylen);
            return -1;
        }
    }
}

void vmon_cfg_file_close(vmon_cfg_file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    free(f->bytes);
    memset(f, 0, sizeof *f);
    f->fd = -1;
}
