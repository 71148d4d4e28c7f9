#include "time_format.h"

#include <stdio.h>
#include <time.h>

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z in Unix ms. */
#define RFC3339_MIN_MS (-62167219200000LL)
#define RFC3339_MAX_MS (253402300799999LL)

void vmon_format_rfc3339(int64_t ms, char *buf, size_t len)
{
    if (!buf || !len)
        return;
    if (ms < RFC3339_MIN_MS)
        ms = RFC3339_MIN_MS;
    if (ms > RFC3339_MAX_MS)
        ms = RFC3339_MAX_MS;
    /* Floor division: -1 ms is 1969-12-31T23:59:59.999Z, not .-01. */
    int64_t secs = ms / 1000, millis = ms % 1000;
    if (millis < 0) {
        millis += 1000;
        secs -= 1;
    }
    time_t t = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        buf[0] = '\0';
        return;
    }
    /* The clamp keeps every field in range, so the output is always 24
     * characters; the return value is checked for the compiler's sake. */
    int n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)millis);
    if (n < 0)
        buf[0] = '\0';
}
