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

static int parse_double(const char *s, double *out, const char **rest)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (end == s || errno || !isfinite(d))
        return -1;
    *out = d;
    *rest = end;
    return 0;
}

static int parse_duration_ms(const char *s, double *ms)
{
    static const struct {
        const char *unit;
        double ms;
    } units[] = {{"ms", 1},      {"s", 1000},  {"", 1000},   {"m", 60000},
                 {"min", 60000}, {"h", 3.6e6}, {"d", 8.64e7}};
    double v;
    const char *rest;
    if (parse_double(s, &v, &rest) < 0 || v < 0)
        return -1;
    while (isspace((unsigned char)*rest))
        rest++;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(rest, units[i].unit) == 0) {
            *ms = v * units[i].ms;
            return 0;
        }
    return -1;
}

static int parse_size(const char *s, double *bytes)
{
    double v;
    const char *rest;
    if (parse_double(s, &v, &rest) < 0 || v < 0)
        return -1;
    while (isspace((unsigned char)*rest))
        rest++;
    static const char prefixes[] = "bkmgt";
    double mult = 1;
    if (*rest) {
        const char *p = strchr(prefixes, tolower((unsigned char)*rest));
        if (!p)
            return -1;
        for (const char *q = prefixes; q < p; q++)
            mult *= 1024;
        rest++;
        /* Accept k, kb, kib, K, KB, KiB alike: sizes are powers of 1024. */
        if (tolower((unsigned char)*rest) == 'i')
            rest++;
        if (tolower((unsigned char)*rest) == 'b' && p != prefixes)
            rest++;
        if (*rest)
            return -1;
    }
    *bytes = v * mult;
    return 0;
}

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
static int parse_measure(const vmon_option *opt, const char *text,
                         int (*parse)(const char *, double *), const char *expected,
                         vmon_value *out, char *why, size_t whylen)
{
    double d;
    if (parse(text, &d) < 0) {
        snprintf(why, whylen, "expected %s, got '%s'", expected, text);
        return -1;
    }
    out->d = d;
    out->i = (int64_t)(d + 0.5); /* d >= 0: durations and sizes are not negative */
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
    case VMON_OPT_INT: {
        char *end;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (end == text || *end || errno) {
            snprintf(why, whylen, "expected a whole number, got '%s'", text);
            return -1;
        }
        out->i = v;
        out->d = (double)v;
        return check_range(opt, out->d, why, whylen);
    }
    case VMON_OPT_DOUBLE:
        if (parse_double(text, &d, &rest) < 0 || *rest) {
            snprintf(why, whylen, "expected a number, got '%s'", text);
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
        return parse_measure(opt, text, parse_duration_ms, "a duration like 250ms, 5s, 2m, 1h", out,
                             why, whylen);
    case VMON_OPT_SIZE:
        return parse_measure(opt, text, parse_size, "a size like 512, 64k, 16M, 2G", out, why,
                             whylen);
    case VMON_OPT_PERCENT:
        if (parse_double(text, &d, &rest) < 0 || (*rest && strcmp(rest, "%") != 0)) {
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
