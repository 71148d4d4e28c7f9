#include "strutil.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *must(void *p)
{
    if (!p) {
        fputs("vmond: out of memory\n", stderr);
        abort();
    }
    return p;
}

char *vmon_strdup(const char *s)
{
    return must(strdup(s ? s : ""));
}

char *vmon_strndup(const char *s, size_t n)
{
    return must(strndup(s, n));
}

void *vmon_calloc(size_t n, size_t size)
{
    return must(calloc(n ? n : 1, size ? size : 1));
}

void *vmon_realloc(void *p, size_t size)
{
    return must(realloc(p, size ? size : 1));
}

char *vmon_asprintf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    return must(n < 0 ? NULL : s);
}

char *vmon_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    return s;
}

size_t vmon_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return (size_t)-1;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag + cost;
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

char *vmon_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return vmon_strdup(".");
    if (slash == path)
        return vmon_strdup("/");
    return vmon_strndup(path, (size_t)(slash - path));
}

char *vmon_path_join(const char *dir, const char *rel)
{
    if (rel[0] == '/' || !dir || !dir[0])
        return vmon_strdup(rel);
    return vmon_asprintf("%s/%s", dir, rel);
}
