#include "promtext.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cursor {
    const char *p, *end;
    char *out; /* next free byte of the scratch buffer */
    size_t line;
    char *err;
    size_t errlen;
} cursor;

static int fail(cursor *c, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (c->errlen)
        snprintf(c->err, c->errlen, "line %zu: %s", c->line, what);
    return -1;
}

static int name_start(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || ch == ':';
}

static int name_char(char ch)
{
    return name_start(ch) || (ch >= '0' && ch <= '9');
}

static void skip_blanks(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
}

/* Copies a name into the scratch buffer; `colon` allows ':' (metric names). */
static const char *take_name(cursor *c, int colon)
{
    if (c->p >= c->end || !name_start(*c->p) || (!colon && *c->p == ':'))
        return NULL;
    char *start = c->out;
    while (c->p < c->end && name_char(*c->p) && (colon || *c->p != ':'))
        *c->out++ = *c->p++;
    *c->out++ = '\0';
    return start;
}

static const char *take_quoted(cursor *c)
{
    if (c->p >= c->end || *c->p != '"')
        return NULL;
    c->p++;
    char *start = c->out;
    while (c->p < c->end && *c->p != '"') {
        char ch = *c->p++;
        if (ch == '\\') {
            if (c->p >= c->end)
                return NULL;
            ch = *c->p++;
            if (ch == 'n')
                ch = '\n';
            else if (ch != '\\' && ch != '"')
                return NULL;
        }
        *c->out++ = ch;
    }
    if (c->p >= c->end)
        return NULL;
    c->p++;
    *c->out++ = '\0';
    return start;
}

static int parse_labels(cursor *c, prom_label *labels, uint32_t *n)
{
    c->p++; /* '{' */
    for (;;) {
        skip_blanks(c);
        if (c->p < c->end && *c->p == '}') {
            c->p++;
            return 0;
        }
        if (*n == PROM_LABELS_MAX)
            return fail(c, "more than %d labels", PROM_LABELS_MAX);
        const char *name = take_name(c, 0);
        if (!name)
            return fail(c, "a label name was expected");
        skip_blanks(c);
        if (c->p >= c->end || *c->p != '=')
            return fail(c, "'=' was expected after label '%s'", name);
        c->p++;
        skip_blanks(c);
        const char *value = take_quoted(c);
        if (!value)
            return fail(c, "label '%s' has no properly quoted value", name);
        labels[(*n)++] = (prom_label){name, value};
        skip_blanks(c);
        if (c->p < c->end && *c->p == ',')
            c->p++;
        else if (c->p >= c->end || *c->p != '}')
            return fail(c, "',' or '}' was expected after label '%s'", name);
    }
}

/* The next blank-separated word as a NUL-terminated copy. */
static const char *take_word(cursor *c)
{
    skip_blanks(c);
    char *start = c->out;
    while (c->p < c->end && *c->p != ' ' && *c->p != '\t')
        *c->out++ = *c->p++;
    if (c->out == start)
        return NULL;
    *c->out++ = '\0';
    return start;
}

static int parse_value(cursor *c, const char *word, double *out)
{
    if (strcmp(word, "+Inf") == 0 || strcmp(word, "Inf") == 0) {
        *out = INFINITY;
        return 0;
    }
    if (strcmp(word, "-Inf") == 0) {
        *out = -INFINITY;
        return 0;
    }
    if (strcmp(word, "NaN") == 0) {
        *out = NAN;
        return 0;
    }
    char *end;
    errno = 0;
    *out = strtod(word, &end);
    /* strtod also takes "inf", "nan(...)" and hex: the format has only the spellings above. */
    if (end == word || *end || strpbrk(word, "iInNxX"))
        return fail(c, "'%.40s' is not a sample value", word);
    return 0;
}

static int parse_timestamp(cursor *c, const char *word, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(word, &end, 10);
    if (end == word || *end || errno == ERANGE)
        return fail(c, "'%.40s' is not a timestamp in milliseconds", word);
    *out = (int64_t)v;
    return 0;
}

static int parse_comment(cursor *c)
{
    c->p++; /* '#' */
    skip_blanks(c);
    const char *word = take_word(c);
    if (!word || (strcmp(word, "HELP") != 0 && strcmp(word, "TYPE") != 0))
        return 0; /* a plain comment */
    int is_type = word[0] == 'T';
    skip_blanks(c);
    const char *name = take_name(c, 1);
    if (!name)
        return fail(c, "# %s without a metric name", is_type ? "TYPE" : "HELP");
    if (!is_type)
        return 0; /* the help text is free form */
    const char *type = take_word(c);
    static const char *const types[] = {"counter", "gauge", "histogram", "summary", "untyped"};
    for (size_t i = 0; type && i < sizeof types / sizeof *types; i++)
        if (strcmp(type, types[i]) == 0)
            return take_word(c) ? fail(c, "text after the type of '%s'", name) : 0;
    return fail(c, "'%s' has no known type (counter, gauge, histogram, summary, untyped)", name);
}

static int parse_sample(cursor *c, prom_sample_fn fn, void *arg)
{
    prom_label labels[PROM_LABELS_MAX];
    prom_sample s = {.labels = labels};
    s.name = take_name(c, 1);
    if (!s.name)
        return fail(c, "a metric name was expected");
    skip_blanks(c);
    if (c->p < c->end && *c->p == '{' && parse_labels(c, labels, &s.n_labels) != 0)
        return -1;
    const char *value = take_word(c);
    if (!value)
        return fail(c, "'%s' has no value", s.name);
    if (parse_value(c, value, &s.value) != 0)
        return -1;
    const char *ts = take_word(c);
    if (ts) {
        if (parse_timestamp(c, ts, &s.timestamp_ms) != 0)
            return -1;
        s.has_timestamp = 1;
        if (take_word(c))
            return fail(c, "text after the timestamp of '%s'", s.name);
    }
    return fn(arg, &s);
}

static size_t longest_line(const char *text, size_t len)
{
    size_t best = 0, start = 0;
    for (size_t i = 0; i <= len; i++)
        if (i == len || text[i] == '\n') {
            if (i - start > best)
                best = i - start;
            start = i + 1;
        }
    return best;
}

int prom_parse(const char *text, size_t len, prom_sample_fn fn, void *arg, char *err, size_t errlen)
{
    if (errlen)
        err[0] = '\0';
    /* Every copied byte comes from the line, plus one NUL per copied token. */
    char *scratch = malloc(2 * longest_line(text, len) + 2);
    if (!scratch) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    cursor c = {.err = err, .errlen = errlen};
    const char *p = text, *end = text + len;
    int rc = 0;
    while (rc == 0 && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        if (stop > p && stop[-1] == '\r')
            stop--;
        c.line++;
        c.p = p;
        c.end = stop;
        c.out = scratch;
        skip_blanks(&c);
        if (memchr(p, '\0', (size_t)(stop - p)))
            rc = fail(&c, "a NUL byte");
        else if (c.p < c.end)
            rc = *c.p == '#' ? parse_comment(&c) : parse_sample(&c, fn, arg);
        p = nl ? nl + 1 : end;
    }
    free(scratch);
    return rc;
}

const char *prom_label_value(const prom_sample *s, const char *name)
{
    for (uint32_t i = 0; i < s->n_labels; i++)
        if (strcmp(s->labels[i].name, name) == 0)
            return s->labels[i].value;
    return NULL;
}
