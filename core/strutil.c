#include "strutil.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

char *vmon_path_concat(const char *dir, const char *rel)
{
    if (rel[0] == '/' || !dir || !dir[0])
        return vmon_strdup(rel);
    return vmon_asprintf("%s/%s", dir, rel);
}

/* Drop `.` segments, empty segments and `x/..` pairs of an absolute path, in place. */
static void normalize_absolute(char *path)
{
    char *out = path;
    for (const char *p = path; *p;) {
        while (*p == '/')
            p++;
        const char *end = strchrnul(p, '/');
        size_t len = (size_t)(end - p);
        if (len == 0 || (len == 1 && p[0] == '.')) {
            /* nothing to keep */
        } else if (len == 2 && p[0] == '.' && p[1] == '.') {
            while (out > path && *--out != '/')
                ;
        } else {
            *out++ = '/';
            memmove(out, p, len);
            out += len;
        }
        p = end;
    }
    if (out == path)
        *out++ = '/';
    *out = 0;
}

char *vmon_path_join(const char *dir, const char *rel)
{
    char *joined;
    if (rel[0] == '/')
        joined = vmon_strdup(rel);
    else if (dir && dir[0] == '/')
        joined = vmon_asprintf("%s/%s", dir, rel);
    else {
        /* Relative to a relative folder: anchor at the working directory, so a path
         * value means one file however it was written (reload compares them). */
        char cwd[4096];
        const char *base = getcwd(cwd, sizeof cwd) ? cwd : "/";
        joined = dir && dir[0] ? vmon_asprintf("%s/%s/%s", base, dir, rel)
                               : vmon_asprintf("%s/%s", base, rel);
    }
    normalize_absolute(joined);
    return joined;
}
