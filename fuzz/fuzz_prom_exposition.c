/*
 * The prometheus sink's writer (plugins/sinks/prometheus/prom_store.h):
 * arbitrary names, label names and values, types and values in; the
 * exposition out must parse line by line as text format 0.0.4: valid UTF-8,
 * every line `# HELP name text` (only \\ and \n escapes), `# TYPE name type`
 * (once per family, before its samples), or `name{l="v",...} value` with
 * valid names, only \\ \" \n escapes in values, unique label names, a Go
 * float value, and a sample name of the current family.
 *
 * Input: records split by 0x02, each a type byte (mod 6; 5 is no type), then
 * the name, the value as text (strtod: nan, inf too), label names and
 * values, split by 0x01. Every record is a sample of
 * source "s" and also a firing alert named like it.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom_store.h"
#include "utf8.h"

#define MAX_FIELDS 32

static int name_start(char c, int colon)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

static int name_char(char c, int colon)
{
    return name_start(c, colon) || (c >= '0' && c <= '9');
}

/* A name at *p (metric names may have ':'); advances *p; 0 when none. */
static size_t scan_name(const char **p, int colon)
{
    const char *s = *p;
    if (!name_start(*s, colon))
        return 0;
    while (name_char(*s, colon))
        s++;
    size_t n = (size_t)(s - *p);
    *p = s;
    return n;
}

static int value_ok(const char *s)
{
    if (!strcmp(s, "NaN") || !strcmp(s, "+Inf") || !strcmp(s, "-Inf"))
        return 1;
    /* Digits, sign, point and exponent only: no C spellings (inf, nan, hex). */
    if (!*s || strspn(s, "0123456789+-.e") != strlen(s))
        return 0;
    char *end;
    strtod(s, &end);
    return *end == 0;
}

static void check_line(const char *line, char *family, char *type)
{
    const char *p = line;
    if (!strncmp(p, "# HELP ", 7) || !strncmp(p, "# TYPE ", 7)) {
        int help = p[2] == 'H';
        p += 7;
        const char *name = p;
        size_t n = scan_name(&p, 1);
        if (!n || *p != ' ')
            abort();
        if (help) {
            for (p++; *p; p++)
                if (*p == '\\' && (*++p != '\\' && *p != 'n'))
                    abort();
            return;
        }
        if (n == strlen(family) && !strncmp(name, family, n))
            abort(); /* a second TYPE for one family */
        p++;
        if (strcmp(p, "counter") && strcmp(p, "gauge") && strcmp(p, "histogram"))
            abort();
        snprintf(family, 4096, "%.*s", (int)n, name);
        snprintf(type, 16, "%s", p);
        return;
    }
    const char *name = p;
    size_t n = scan_name(&p, 1);
    if (!n)
        abort();
    size_t f = strlen(family);
    int same = n == f && !strncmp(name, family, n);
    if (!strcmp(type, "histogram") && n > f && !strncmp(name, family, f)) {
        const char *suffix = name + f;
        size_t k = n - f;
        same = (k == 7 && !strncmp(suffix, "_bucket", 7)) ||
               (k == 4 && !strncmp(suffix, "_sum", 4)) || (k == 6 && !strncmp(suffix, "_count", 6));
    }
    if (!same)
        abort(); /* a sample outside its family's group */
    if (*p == '{') {
        char seen[MAX_FIELDS * 2 + 8][256];
        size_t n_seen = 0;
        p++;
        while (*p != '}') {
            const char *l = p;
            size_t ln = scan_name(&p, 0);
            if (!ln || p[0] != '=' || p[1] != '"')
                abort();
            for (size_t i = 0; i < n_seen; i++)
                if (strlen(seen[i]) == ln && !strncmp(seen[i], l, ln))
                    abort(); /* a label name twice */
            if (n_seen < sizeof seen / sizeof seen[0])
                snprintf(seen[n_seen++], sizeof seen[0], "%.*s", (int)ln, l);
            for (p += 2; *p != '"'; p++) {
                if (!*p)
                    abort();
                if (*p == '\\' && (*++p != '\\' && *p != '"' && *p != 'n'))
                    abort();
            }
            p++;
            if (*p == ',')
                p++;
            else if (*p != '}')
                abort();
        }
        p++;
    }
    if (*p != ' ' || !value_ok(p + 1))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    prom_store_cfg cfg = {.max_series = 64, .stale_after_ms = 1000};
    prom_store *s = prom_store_new(&cfg);
    char *end = text + size, *rec = text, *next;
    for (int64_t now = 0; rec < end && s; rec = next, now += 10) {
        next = memchr(rec, 0x02, (size_t)(end - rec));
        if (next)
            *next++ = 0;
        else
            next = end;
        if (!rec[0])
            continue;
        uint32_t type = (uint8_t)rec[0] % 6; /* 5: not a type */
        char *fields[MAX_FIELDS * 2 + 2];
        size_t n = 0;
        for (char *f = rec + 1; f && n < MAX_FIELDS * 2 + 2;) {
            fields[n++] = f;
            f = strchr(f, 0x01);
            if (f)
                *f++ = 0;
        }
        double v = n > 1 ? strtod(fields[1], NULL) : 0;
        vmon_label labels[MAX_FIELDS];
        uint32_t nl = 0;
        for (size_t i = 2; i + 1 < n; i += 2)
            labels[nl++] = (vmon_label){fields[i], fields[i + 1]};
        vmon_sample x = {.struct_size = sizeof x,
                         .name = fields[0],
                         .labels = labels,
                         .n_labels = nl,
                         .value = v,
                         .type = type};
        prom_store_update(s, "s", &x, 1, now);
        vmon_alert a = {.struct_size = sizeof a,
                        .severity = type % 3,
                        .state = type == 5 ? VMON_ALERT_RESOLVED : VMON_ALERT_FIRING,
                        .rule = fields[0],
                        .labels = labels,
                        .n_labels = nl,
                        .fingerprint = fields[nl ? 2 : 0]};
        prom_store_alert(s, &a);
    }
    size_t len = 0;
    char *out = s ? prom_store_render(s, 25, &len) : NULL;
    if (out) {
        if (!vmon_utf8_valid(out, len) || len == 0 || out[len - 1] != '\n' || strlen(out) != len)
            abort();
        char family[4096] = "", type[16] = "";
        for (char *line = out, *end; *line; line = end + 1) {
            end = strchr(line, '\n');
            *end = 0;
            check_line(line, family, type);
        }
    }
    free(out);
    prom_store_free(s);
    free(text);
    return 0;
}
