#include "traffic_data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strutil.h"

/* A query file is read whole into memory: refuse what cannot be meant as one. */
#define MAX_QUERY_VECTORS (1u << 24)

static int fvecs_fail(FILE *f, vmon_query_pool *out, char *err, size_t errlen, const char *path,
                      uint32_t i, const char *why)
{
    snprintf(err, errlen, "%s: vector %u: %s; give an .fvecs file of the collection's dimension",
             path, i + 1, why);
    if (f)
        fclose(f);
    vmon_query_pool_free(out);
    return -1;
}

int vmon_query_pool_read_fvecs(const char *path, uint32_t dim, vmon_query_pool *out, char *err,
                               size_t errlen)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    uint32_t cap = 0;
    for (;;) {
        int32_t d;
        size_t got = fread(&d, 1, sizeof d, f); /* bytes: a cut header is an error, not the end */
        if (got == 0 && feof(f))
            break;
        if (got > 0 && got < sizeof d)
            return fvecs_fail(f, out, err, errlen, path, out->n, "truncated");
        if (got != sizeof d || d <= 0 || (uint32_t)d != dim) {
            char why[96];
            snprintf(why, sizeof why, "dimension %d, the collection has %u", got ? d : -1, dim);
            return fvecs_fail(f, out, err, errlen, path, out->n, why);
        }
        if (out->n == MAX_QUERY_VECTORS)
            return fvecs_fail(f, out, err, errlen, path, out->n, "more than 16M vectors");
        if (out->n == cap) {
            cap = cap ? cap * 2 : 256;
            out->vectors = vmon_realloc(out->vectors, (size_t)cap * dim * sizeof(float));
        }
        if (fread(out->vectors + (size_t)out->n * dim, sizeof(float), dim, f) != dim)
            return fvecs_fail(f, out, err, errlen, path, out->n, "truncated");
        out->n++;
    }
    fclose(f);
    out->dim = dim;
    if (out->n == 0)
        return fvecs_fail(NULL, out, err, errlen, path, 0, "the file holds no vector");
    return 0;
}

void vmon_query_pool_free(vmon_query_pool *p)
{
    free(p->vectors);
    memset(p, 0, sizeof *p);
}

static char *slurp(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = vmon_calloc(cap, 1);
    for (size_t got; (got = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        if (n + 1 == cap)
            buf = vmon_realloc(buf, cap *= 2);
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

int vmon_id_list_read(const char *path, size_t max_len, vmon_id_list *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t len = 0;
    if (!(out->text = slurp(path, &len, err, errlen)))
        return -1;
    uint32_t cap = 0, line = 0;
    for (char *p = out->text, *end = out->text + len; p < end; line++) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *stop = nl ? nl : end;
        *stop = '\0';
        size_t n = (size_t)(stop - p);
        if (n && p[n - 1] == '\r')
            p[--n] = '\0';
        if (n >= max_len || memchr(p, '\0', n)) {
            snprintf(err, errlen, "%s:%u: %s; one id per line, at most %zu bytes", path, line + 1,
                     n >= max_len ? "request id too long" : "NUL byte in the id", max_len - 1);
            vmon_id_list_free(out);
            return -1;
        }
        if (n) {
            if (out->n == cap) {
                cap = cap ? cap * 2 : 256;
                out->start = vmon_realloc(out->start, cap * sizeof *out->start);
                out->len = vmon_realloc(out->len, cap * sizeof *out->len);
            }
            out->start[out->n] = (uint32_t)(p - out->text);
            out->len[out->n++] = (uint32_t)n;
        }
        p = stop + 1;
    }
    if (out->n == 0) {
        snprintf(err, errlen, "%s: no request id in the file; one id per line", path);
        vmon_id_list_free(out);
        return -1;
    }
    return 0;
}

void vmon_id_list_free(vmon_id_list *l)
{
    free(l->text);
    free(l->start);
    free(l->len);
    memset(l, 0, sizeof *l);
}
