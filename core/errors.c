#include "errors.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void vmon_errors_add(vmon_errors *e, const char *file, int line, const char *section,
                     const char *key, const char *fmt, ...)
{
    char msg[1024], where[512] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t n = 0;
    if (file)
        n += (size_t)snprintf(where + n, sizeof where - n, line > 0 ? "%s:%d: " : "%s: ", file,
                              line);
    if (section && n < sizeof where)
        n += (size_t)snprintf(where + n, sizeof where - n, "[%s] ", section);
    if (key && n < sizeof where)
        snprintf(where + n, sizeof where - n, "%s: ", key);
    if (e->count == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 8;
        char **l = realloc(e->lines, cap * sizeof *l);
        if (!l)
            return;
        e->lines = l;
        e->cap = cap;
    }
    size_t len = strlen(where) + strlen(msg) + 1;
    char *s = malloc(len);
    if (!s)
        return;
    snprintf(s, len, "%s%s", where, msg);
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
