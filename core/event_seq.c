#include "event_seq.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "strutil.h"

#define SEQ_FILE "event_sequence"

static pthread_mutex_t seq_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t seq_last;
static char *seq_loaded_from; /* the state_dir seq_last was read from; NULL: none yet */
static int seq_warned;

static void warn_once(const char *what, const char *path)
{
    if (seq_warned)
        return;
    seq_warned = 1;
    vmon_log(VMON_LOGL_ERROR, "core",
             "event sequence: cannot %s %s: %s; numbering goes on in memory only (check "
             "[daemon] state_dir)",
             what, path, strerror(errno));
}

static uint64_t read_last(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno != ENOENT)
            warn_once("read", path);
        return 0;
    }
    uint64_t v = 0;
    if (fscanf(f, "%" SCNu64, &v) != 1)
        v = 0;
    fclose(f);
    return v;
}

static int write_last(const char *dir, const char *path, uint64_t v)
{
    char *tmp = vmon_asprintf("%s/.%s.tmp", dir, SEQ_FILE);
    char line[32];
    int n = snprintf(line, sizeof line, "%" PRIu64 "\n", v);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int ok = fd >= 0 && vmon_write_all(fd, line, (size_t)n) == 0 && fsync(fd) == 0;
    if (fd >= 0)
        close(fd);
    ok = ok && rename(tmp, path) == 0;
    if (!ok)
        unlink(tmp);
    int dfd = ok ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (dfd >= 0) { /* the rename itself must survive a power loss */
        fsync(dfd);
        close(dfd);
    }
    free(tmp);
    return ok ? 0 : -1;
}

uint64_t vmon_event_seq_next(const char *state_dir)
{
    pthread_mutex_lock(&seq_lock);
    char *path = state_dir ? vmon_asprintf("%s/%s", state_dir, SEQ_FILE) : NULL;
    if (path && (!seq_loaded_from || strcmp(seq_loaded_from, state_dir) != 0)) {
        uint64_t on_disk = read_last(path);
        if (on_disk > seq_last)
            seq_last = on_disk;
        free(seq_loaded_from);
        seq_loaded_from = vmon_strdup(state_dir);
    }
    uint64_t next = ++seq_last;
    if (path && write_last(state_dir, path, next) < 0)
        warn_once("write", path);
    free(path);
    pthread_mutex_unlock(&seq_lock);
    return next;
}
