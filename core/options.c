#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "strutil.h"

const char *vmon_opt_type_name(uint32_t type)
{
    static const char *const names[] = {"?",    "string",  "int",  "double", "bool", "duration",
                                        "size", "percent", "enum", "list",   "path"};
    return type < sizeof names / sizeof names[0] ? names[type] : "?";
}

/*
 * The number grammar, the same for every numeric type:
 *
 *     number   = [ "+" | "-" ] ( digits [ "." [ digits ] ] | "." digits ) [ exponent ]
 *     exponent = ( "e" | "E" ) [ "+" | "-" ] digits
 *
 * Decimal only: no hex (`0x10`), no `inf` or `nan`, no space inside. A
 * magnitude too small for a double (`1e-400`) reads as the nearest value
 * (0); one too large (`1e400`) is an error. Whole numbers (INT) are digits
 * with an optional sign, within int64. Durations and sizes may not be
 * negative and have their own ceilings (below), so that converting them to
 * int64 milliseconds or bytes, and adding them to a clock, cannot overflow.
 */
#define DECIMAL_EXAMPLE "a decimal number like 12, -0.5 or 1e3"

enum { NUMBER_OK = 0, NUMBER_SYNTAX = -1, NUMBER_TOO_LARGE = -2 };

static size_t scan_digits(const char *s)
{
    size_t n = 0;
    while (isdigit((unsigned char)s[n]))
        n++;
    return n;
}

/* The length of the number at the start of `s` under the grammar above; 0 if none. */
static size_t scan_number(const char *s)
{
    size_t n = (s[0] == '+' || s[0] == '-') ? 1 : 0;
    size_t whole = scan_digits(s + n);
    n += whole;
    size_t frac = 0;
    if (s[n] == '.') {
        frac = scan_digits(s + n + 1);
        if (whole == 0 && frac == 0)
            return 0;
        n += 1 + frac;
    }
    if (whole == 0 && frac == 0)
        return 0;
    if (s[n] == 'e' || s[n] == 'E') {
        size_t e = (s[n + 1] == '+' || s[n + 1] == '-') ? 2 : 1;
        size_t exp_digits = scan_digits(s + n + e);
        if (exp_digits == 0)
            return 0; /* `1e` is neither a number nor a number with unit `e` */
        n += e + exp_digits;
    }
    return n;
}

/*
 * The number at the start of `s` into `out`, the rest of the text into
 * `rest`. NUMBER_SYNTAX (no number: `rest` is `s`, `why` is not written) or
 * NUMBER_TOO_LARGE (with `why`).
 */
static int parse_number(const char *s, double *out, const char **rest, char *why, size_t whylen)
{
    *rest = s;
    size_t n = scan_number(s);
    if (n == 0)
        return NUMBER_SYNTAX;
    /* strtod on a copy: on `s` itself it would read `0x10` as hex. */
    char *copy = vmon_strndup(s, n);
    errno = 0;
    double d = strtod(copy, NULL);
    int overflow = errno == ERANGE && isinf(d);
    free(copy);
    if (overflow) {
        snprintf(why, whylen, "'%.*s' is too large for a number", (int)n, s);
        return NUMBER_TOO_LARGE;
    }
    *out = d; /* an underflow (ERANGE, tiny or 0) keeps the nearest value */
    *rest = s + n;
    return NUMBER_OK;
}

static int parse_int(const char *s, int64_t *out, char *why, size_t whylen)
{
    size_t sign = (s[0] == '+' || s[0] == '-') ? 1 : 0;
    size_t digits = scan_digits(s + sign);
    if (digits == 0 || s[sign + digits]) {
        snprintf(why, whylen, "expected a whole number, got '%s'", s);
        return -1;
    }
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno == ERANGE) {
        snprintf(why, whylen,
                 "'%s' is too large; whole numbers go from -9223372036854775808 to "
                 "9223372036854775807",
                 s);
        return -1;
    }
    *out = v;
    return 0;
}

/* A number with a unit. The ceiling keeps int64 arithmetic on the value safe. */
typedef struct measure {
    const char *expected; /* `a duration like ...` */
    const char *what;     /* `duration`, in "cannot be negative" */
    double max;           /* in base units */
    const char *too_large;
    const char *smallest; /* the base unit, `1ms`: a positive value that rounds to 0 is an error */
    int (*unit)(const char *rest, double *mult); /* base units per unit, or -1 */
} measure;

static int duration_unit(const char *rest, double *mult)
{
    static const struct {
        const char *unit;
        double ms;
    } units[] = {{"ms", 1},      {"s", 1000},  {"", 1000},   {"m", 60000},
                 {"min", 60000}, {"h", 3.6e6}, {"d", 8.64e7}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(rest, units[i].unit) == 0) {
            *mult = units[i].ms;
            return 0;
        }
    return -1;
}

static int size_unit(const char *rest, double *mult)
{
    static const char prefixes[] = "bkmgt";
    *mult = 1;
    if (!*rest)
        return 0;
    const char *p = strchr(prefixes, tolower((unsigned char)*rest));
    if (!p)
        return -1;
    for (const char *q = prefixes; q < p; q++)
        *mult *= 1024;
    rest++;
    /* Accept k, kb, kib, K, KB, KiB alike: sizes are powers of 1024. */
    if (tolower((unsigned char)*rest) == 'i')
        rest++;
    if (tolower((unsigned char)*rest) == 'b' && p != prefixes)
        rest++;
    return *rest ? -1 : 0;
}

/* 100 years of milliseconds: far beyond any interval, far below INT64_MAX ms or ns. */
static const measure duration_measure = {"a duration like 250ms, 5s, 2m, 1h",
                                         "duration",
                                         36500 * 8.64e7,
                                         "too long; durations go up to 36500d (100 years)",
                                         "1ms",
                                         duration_unit};
/* Below 2^63 bytes, so the value fits an int64 once rounded. */
static const measure size_measure = {"a size like 512, 64k, 16M, 2G",   "size",   0x1p63 - 1024,
                                     "too large; sizes go up to 8 EiB", "1 byte", size_unit};

static int parse_bool(const char *s, int64_t *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no",
                                                                                "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return (int)(*out = 1) - 1;
        if (strcasecmp(s, no[i]) == 0)
            return (int)(*out = 0);
    }
    return -1;
}

static void split_list(const char *text, vmon_value *out)
{
    char *copy = vmon_strdup(text);
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *t = vmon_trim(tok);
        if (!*t)
            continue;
        out->items = vmon_realloc(out->items, (out->n_items + 1) * sizeof *out->items);
        out->items[out->n_items++] = vmon_strdup(t);
    }
    free(copy);
}

static int check_range(const vmon_option *opt, double v, char *why, size_t whylen)
{
    if (!(opt->flags & VMON_OPT_RANGE) || (v >= opt->min && v <= opt->max))
        return 0;
    char range[128];
    vmon_value_format_range(opt, range, sizeof range);
    snprintf(why, whylen, "out of range; allowed %s", range);
    return -1;
}

static int parse_enum(const vmon_option *opt, const char *text, vmon_value *out, char *why,
                      size_t whylen)
{
    size_t n = 0;
    for (const char *const *e = opt->enum_values; e && *e; e++, n++)
        if (strcasecmp(*e, text) == 0) {
            out->i = (int64_t)n;
            out->d = (double)n;
            return 0;
        }
    size_t used = (size_t)snprintf(why, whylen, "expected one of:");
    for (const char *const *e = opt->enum_values; e && *e && used < whylen; e++)
        used += (size_t)snprintf(why + used, whylen - used, " %s", *e);
    return -1;
}

/* Durations (ms) and sizes (bytes): a number with a unit, kept as both d and i. */
/* Does a number's text before its exponent have a digit other than 0 (`1e-400`: yes)? */
static int written_nonzero(const char *text)
{
    for (const char *p = text; *p && *p != 'e' && *p != 'E'; p++)
        if (*p >= '1' && *p <= '9')
            return 1;
    return 0;
}

static int parse_measure(const vmon_option *opt, const char *text, const measure *m,
                         vmon_value *out, char *why, size_t whylen)
{
    double v, mult;
    const char *rest;
    int rc = parse_number(text, &v, &rest, why, whylen);
    if (rc == NUMBER_TOO_LARGE)
        return -1;
    while (isspace((unsigned char)*rest))
        rest++;
    if (rc == NUMBER_SYNTAX || m->unit(rest, &mult) < 0) {
        snprintf(why, whylen, "expected %s, got '%s'", m->expected, text);
        return -1;
    }
    if (v < 0) {
        snprintf(why, whylen, "'%s': a %s cannot be negative", text, m->what);
        return -1;
    }
    double d = v * mult;
    if (!(d <= m->max)) {
        snprintf(why, whylen, "'%s' is %s", text, m->too_large);
        return -1;
    }
    if (d < 0.5 && (d > 0 || written_nonzero(text))) {
        /* It would round to 0, which means "none" or "never" for most keys. */
        snprintf(why, whylen, "'%s' is below %s; write 0 for none, or at least %s", text,
                 m->smallest, m->smallest);
        return -1;
    }
    out->d = d;
    out->i = (int64_t)(d + 0.5); /* 0 <= d <= max: the cast is defined */
    return check_range(opt, d, why, whylen);
}

int vmon_value_parse(const vmon_option *opt, const char *text, const char *dir, vmon_value *out,
                     char *why, size_t whylen)
{
    const char *rest = "";
    double d = 0;
    memset(out, 0, sizeof *out);
    out->opt = opt;
    out->text = vmon_strdup(text);
    switch (opt->type) {
    case VMON_OPT_STRING:
        break;
    case VMON_OPT_PATH:
        free(out->text);
        out->text = vmon_path_join(dir, text);
        break;
    case VMON_OPT_INT:
        if (parse_int(text, &out->i, why, whylen) < 0)
            return -1;
        out->d = (double)out->i;
        return check_range(opt, out->d, why, whylen);
    case VMON_OPT_DOUBLE:
        if (parse_number(text, &d, &rest, why, whylen) == NUMBER_TOO_LARGE)
            return -1;
        if (rest == text || *rest) {
            snprintf(why, whylen, "expected " DECIMAL_EXAMPLE ", got '%s'", text);
            return -1;
        }
        out->d = d;
        return check_range(opt, d, why, whylen);
    case VMON_OPT_BOOL:
        if (parse_bool(text, &out->i) < 0) {
            snprintf(why, whylen, "expected true/false (yes/no, on/off, 1/0), got '%s'", text);
            return -1;
        }
        out->d = (double)out->i;
        break;
    case VMON_OPT_DURATION:
        return parse_measure(opt, text, &duration_measure, out, why, whylen);
    case VMON_OPT_SIZE:
        return parse_measure(opt, text, &size_measure, out, why, whylen);
    case VMON_OPT_PERCENT:
        if (parse_number(text, &d, &rest, why, whylen) == NUMBER_TOO_LARGE)
            return -1;
        if (rest == text || (*rest && strcmp(rest, "%") != 0)) {
            snprintf(why, whylen,
                     "expected a percentage like 10%% or a fraction like 0.1, got '%s'", text);
            return -1;
        }
        if (*rest)
            d /= 100.0;
        if (d < 0 || d > 1) {
            snprintf(why, whylen, "expected 0%%..100%% (or 0..1), got '%s'", text);
            return -1;
        }
        out->d = d;
        return check_range(opt, d, why, whylen);
    case VMON_OPT_ENUM:
        return parse_enum(opt, text, out, why, whylen);
    case VMON_OPT_LIST:
        split_list(text, out);
        break;
    default:
        snprintf(why, whylen, "option has an unknown type %u (a plugin bug)", opt->type);
        return -1;
    }
    return 0;
}

static const vmon_option *find_option(const vmon_option *const *tables, size_t n_tables,
                                      const char *key)
{
    for (size_t t = 0; t < n_tables; t++)
        for (const vmon_option *o = tables[t]; o && o->key; o++)
            if (strcmp(o->key, key) == 0)
                return o;
    return NULL;
}

static const char *nearest_key(const vmon_option *const *tables, size_t n_tables, const char *key)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t t = 0; t < n_tables; t++)
        for (const vmon_option *o = tables[t]; o && o->key; o++) {
            size_t d = vmon_edit_distance(key, o->key);
            if (d < best_d) {
                best_d = d;
                best = o->key;
            }
        }
    /* A suggestion far from what was typed only confuses. */
    return best && best_d <= 1 + strlen(key) / 3 ? best : NULL;
}

static void add_value(vmon_values *out, const vmon_value *v)
{
    out->v = vmon_realloc(out->v, (out->n + 1) * sizeof *out->v);
    out->v[out->n++] = *v;
}

static void unknown_key(const vmon_cfg_section *s, const vmon_cfg_entry *e,
                        const vmon_option *const *tables, size_t n_tables, vmon_errors *errs)
{
    const char *near = nearest_key(tables, n_tables, e->key);
    if (near) {
        vmon_errors_add(errs, e->file, e->line, s->name, e->key, "unknown key; did you mean '%s'?",
                        near);
        return;
    }
    char keys[512];
    size_t used = 0;
    keys[0] = 0;
    for (size_t t = 0; t < n_tables; t++)
        for (const vmon_option *o = tables[t]; o && o->key && used < sizeof keys; o++)
            used +=
                (size_t)snprintf(keys + used, sizeof keys - used, "%s%s", used ? ", " : "", o->key);
    vmon_errors_add(errs, e->file, e->line, s->name, e->key, "unknown key; valid keys: %s", keys);
}

int vmon_values_from_section(const vmon_cfg_section *s, const vmon_option *const *tables,
                             size_t n_tables, vmon_values *out, vmon_errors *errs)
{
    size_t before = errs->count;
    char why[512];
    for (size_t i = 0; i < s->n_entries; i++) {
        const vmon_cfg_entry *e = &s->entries[i];
        const vmon_option *opt = find_option(tables, n_tables, e->key);
        if (!opt) {
            unknown_key(s, e, tables, n_tables, errs);
            continue;
        }
        vmon_value v;
        if (vmon_value_parse(opt, e->value, s->dir, &v, why, sizeof why) < 0) {
            vmon_errors_add(errs, e->file, e->line, s->name, e->key, "%s", why);
            vmon_value_clear(&v);
            continue;
        }
        v.set = v.from_user = 1;
        add_value(out, &v);
    }
    for (size_t t = 0; t < n_tables; t++)
        for (const vmon_option *o = tables[t]; o && o->key; o++) {
            if (vmon_values_get(out, o->key) || find_option(tables, t, o->key) != NULL)
                continue;
            if (o->flags & VMON_OPT_REQUIRED) {
                vmon_errors_add(errs, s->file, s->line, s->name, o->key,
                                "required key is missing (%s: %s)", vmon_opt_type_name(o->type),
                                o->help ? o->help : "");
                continue;
            }
            /* A computed default is a rule in words; the plugin applies it. */
            if (!o->default_value || (o->flags & VMON_OPT_COMPUTED_DEFAULT))
                continue;
            vmon_value v;
            if (vmon_value_parse(o, o->default_value, s->dir, &v, why, sizeof why) < 0) {
                vmon_errors_add(errs, s->file, s->line, s->name, o->key,
                                "the plugin's default '%s' is invalid: %s", o->default_value, why);
                vmon_value_clear(&v);
                continue;
            }
            v.set = 1;
            add_value(out, &v);
        }
    return errs->count > before ? -1 : 0;
}

const vmon_value *vmon_values_get(const vmon_values *vals, const char *key)
{
    for (size_t i = 0; i < vals->n; i++)
        if (strcmp(vals->v[i].opt->key, key) == 0)
            return &vals->v[i];
    return NULL;
}

void vmon_value_clear(vmon_value *v)
{
    free(v->text);
    for (uint32_t j = 0; j < v->n_items; j++)
        free(v->items[j]);
    free(v->items);
    memset(v, 0, sizeof *v);
}

void vmon_values_free(vmon_values *vals)
{
    for (size_t i = 0; i < vals->n; i++)
        vmon_value_clear(&vals->v[i]);
    free(vals->v);
    memset(vals, 0, sizeof *vals);
}

void vmon_value_format_range(const vmon_option *opt, char *buf, size_t len)
{
    if (!(opt->flags & VMON_OPT_RANGE)) {
        snprintf(buf, len, "any");
        return;
    }
    switch (opt->type) {
    case VMON_OPT_DURATION:
        snprintf(buf, len, "%gms..%gms", opt->min, opt->max);
        break;
    case VMON_OPT_PERCENT:
        snprintf(buf, len, "%g%%..%g%%", opt->min * 100, opt->max * 100);
        break;
    default:
        snprintf(buf, len, "%g..%g", opt->min, opt->max);
    }
}

static int holds_exclusive(const vmon_value *v)
{
    return v->set && v->text && (v->opt->flags & VMON_OPT_EXCLUSIVE);
}

const vmon_value *vmon_values_shared_exclusive(const vmon_values *a, const vmon_values *b,
                                               const vmon_value **in_a)
{
    for (size_t i = 0; i < a->n; i++)
        for (size_t j = 0; holds_exclusive(&a->v[i]) && j < b->n; j++)
            if (holds_exclusive(&b->v[j]) && a->v[i].opt->type == b->v[j].opt->type &&
                strcmp(a->v[i].text, b->v[j].text) == 0) {
                if (in_a)
                    *in_a = &a->v[i];
                return &b->v[j];
            }
    return NULL;
}
