#include "log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "io.h"
#include "time_format.h"

static atomic_int log_level = VMON_LOGL_INFO;
static atomic_int log_format = VMON_LOG_TEXT;
static const char *const level_names[] = {"error", "warning", "info", "debug"};

void vmon_log_set_level(int level)
{
    atomic_store(&log_level, level);
}

int vmon_log_get_level(void)
{
    return atomic_load(&log_level);
}

int vmon_log_level_parse(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, level_names[i]) == 0)
            return i;
    return -1;
}

void vmon_log_set_format(int format)
{
    atomic_store(&log_format, format);
}

int vmon_log_get_format(void)
{
    return atomic_load(&log_format);
}

static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

static void write_line(const char *line, size_t len)
{
    /* A JSON line can pass PIPE_BUF (escapes grow it), where one write(2) is no longer whole
     * on a pipe: lines are written under a lock, short writes retried. */
    pthread_mutex_lock(&write_lock);
    int rc = vmon_write_all(STDERR_FILENO, line, len);
    (void)rc;
    pthread_mutex_unlock(&write_lock);
}

static void log_line(int level, const char *source, const vmon_log_field *fields, size_t nf,
                     const char *fmt, va_list ap)
{
    if (level > atomic_load(&log_level))
        return;
    if (level < 0 || level > 3)
        level = VMON_LOGL_ERROR;
    char line[2048], msg[2048], src[256];
    if (!source)
        source = "?";
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    int m = vsnprintf(msg, sizeof msg, fmt, ap);
    size_t mlen = m < 0 ? 0 : (size_t)m < sizeof msg ? (size_t)m : sizeof msg - 1;
    msg[mlen] = 0;
    if (atomic_load(&log_format) == VMON_LOG_JSON) {
        char *j = vmon_log_json_line(ms, level_names[level], source, msg, fields, nf);
        if (j) {
            write_line(j, strlen(j));
            free(j);
            return;
        }
    }
    /* Text: the message says what the fields say (they are for JSON readers).
     * Sources and messages carry user text: escaped, they cannot end this line early. */
    vmon_escape_controls(source, strlen(source), src, sizeof src);
    char stamp[VMON_RFC3339_SIZE];
    vmon_format_rfc3339(ms, stamp, sizeof stamp);
    int n = snprintf(line, sizeof line, "%s %s %s: ", stamp, level_names[level], src);
    if (n < 0 || (size_t)n >= sizeof line)
        n = 0;
    size_t len = (size_t)n + vmon_escape_controls(msg, mlen, line + n, sizeof line - (size_t)n - 1);
    line[len++] = '\n';
    write_line(line, len);
}

void vmon_logv(int level, const char *source, const char *fmt, va_list ap)
{
    log_line(level, source, NULL, 0, fmt, ap);
}

void vmon_log(int level, const char *source, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line(level, source, NULL, 0, fmt, ap);
    va_end(ap);
}

void vmon_log_fields(int level, const char *source, const vmon_log_field *fields, size_t n,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line(level, source, fields, n, fmt, ap);
    va_end(ap);
}
