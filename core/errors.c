#include "errors.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

/* `file:line: [section] key: message`, raw as the parts came. */
static size_t format_line(char *buf, size_t len, const char *file, int line, const char *section,
                          const char *key, const char *msg)
{
    size_t n = 0;
    if (file)
        n += (size_t)snprintf(buf + n, len - n, line > 0 ? "%s:%d: " : "%s: ", file, line);
    if (section && n < len)
        n += (size_t)snprintf(buf + n, len - n, "[%s] ", section);
    if (key && n < len)
        n += (size_t)snprintf(buf + n, len - n, "%s: ", key);
    if (n < len)
        n += (size_t)snprintf(buf + n, len - n, "%s", msg);
    return n < len ? n : len - 1;
}

static int grow(vmon_errors *e)
{
    if (e->count < e->cap)
        return 0;
    size_t cap = e->cap ? e->cap * 2 : 8;
    char **l = realloc(e->lines, cap * sizeof *l);
    if (!l)
        return -1;
    e->lines = l;
    e->cap = cap;
    return 0;
}

void vmon_errors_add(vmon_errors *e, const char *file, int line, const char *section,
                     const char *key, const char *fmt, ...)
{
    char msg[1024], raw[1600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t len = format_line(raw, sizeof raw, file, line, section, key, msg);
    /* Every part may hold user text (a value, an ${ENV} value, a file name): one line each. */
    size_t cap = len * VMON_ESCAPE_MAX_GROWTH + 1;
    char *s = malloc(cap);
    if (!s || grow(e) < 0) {
        free(s);
        return;
    }
    vmon_escape_controls(raw, len, s, cap);
    e->lines[e->count++] = s;
}

void vmon_errors_print(const vmon_errors *e, FILE *out)
{
    for (size_t i = 0; i < e->count; i++)
        fprintf(out, "%s\n", e->lines[i]);
}

void vmon_errors_join(const vmon_errors *e, char *buf, size_t len)
{
    size_t n = 0;
    if (len)
        buf[0] = 0;
    for (size_t i = 0; i < e->count && n + 1 < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "\n" : "", e->lines[i]);
}

void vmon_errors_free(vmon_errors *e)
{
    for (size_t i = 0; i < e->count; i++)
        free(e->lines[i]);
    free(e->lines);
    memset(e, 0, sizeof *e);
}
