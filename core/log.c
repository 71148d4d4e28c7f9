#include "log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"

static atomic_int log_level = VMON_LOGL_INFO;
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

void vmon_logv(int level, const char *source, const char *fmt, va_list ap)
{
    if (level > atomic_load(&log_level))
        return;
    if (level < 0 || level > 3)
        level = VMON_LOGL_ERROR;
    char line[2048], msg[2048], src[256];
    /* Sources and messages carry user text: escaped, they cannot end this line early. */
    if (!source)
        source = "?";
    vmon_escape_controls(source, strlen(source), src, sizeof src);
    source = src;
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line,
                     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, level_names[level], source);
    if (n < 0 || (size_t)n >= sizeof line)
        n = 0;
    int m = vsnprintf(msg, sizeof msg, fmt, ap);
    size_t mlen = m < 0 ? 0 : (size_t)m < sizeof msg ? (size_t)m : sizeof msg - 1;
    size_t len = (size_t)n + vmon_escape_controls(msg, mlen, line + n, sizeof line - (size_t)n - 1);
    line[len++] = '\n';
    /* One write per line keeps lines from different threads whole. */
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

void vmon_log(int level, const char *source, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmon_logv(level, source, fmt, ap);
    va_end(ap);
}
