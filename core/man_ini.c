#include "man_ini.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "loader.h"
#include "options.h"
#include "schema.h"
#include "strutil.h"

/* One UTF-8 sequence at `s` as a code point; *len its length, 0 for an invalid one. */
static uint32_t utf8_decode(const unsigned char *s, size_t *len)
{
    size_t n = s[0] >= 0xf0 && s[0] < 0xf5 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    uint32_t cp = n == 4 ? s[0] & 0x07u : n == 3 ? s[0] & 0x0fu : s[0] & 0x1fu;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            n = 0;
            break;
        }
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    /* Overlong forms and surrogates are not characters. */
    if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        n = 0;
    *len = n;
    return cp;
}

void vmon_roff_text(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    /* A line that starts with a control character would be a request. */
    if (*p == '.' || *p == '\'')
        fputs("\\&", out);
    while (*p) {
        if (*p >= 0x80) {
            size_t len;
            uint32_t cp = utf8_decode(p, &len);
            if (len) {
                fprintf(out, "\\[u%04X]", (unsigned)cp);
                p += len;
            } else {
                fputs("\\[uFFFD]", out);
                p++;
            }
            continue;
        }
        switch (*p) {
        case '\\':
            fputs("\\e", out);
            break;
        case '-':
            fputs("\\-", out);
            break;
        case '\'':
            fputs("\\(aq", out);
            break;
        case '`':
            fputs("\\(ga", out);
            break;
        case '"':
            fputs("\\(dq", out);
            break;
        default:
            /* A newline or tab would end or shift the line: text is one line. */
            fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p, out);
        }
        p++;
    }
}

/* The page's fixed text: README's "Configuration", in short. Already roff. */
static const char *const head[] = {
    ".SH NAME",
    "vmon.ini \\- configuration file of vmond, the vector database monitor",
    ".SH SYNOPSIS",
    ".I /etc/vmon/vmon.ini",
    ".SH DESCRIPTION",
    "One INI file describes the sections vmond runs, each",
    ".BI [ kind : name ]",
    "followed by",
    ".IB key \" = \" value",
    "lines.",
    "Lines starting with",
    ".B ;",
    "or",
    ".B #",
    "are comments.",
    ".B include = PATTERN",
    "reads other files (globbing allowed, relative to the including file) where it stands;",
    "each file is read once per load and an include cycle is an error.",
    ".PP",
    "Plugin sections",
    "([target:NAME], [probe:NAME], [tuner:NAME], [router:NAME], [sink:NAME])",
    "name their plugin with",
    ".BR plugin\\ =\\ NAME ,",
    "which vmond loads from",
    ".IB kind _ NAME .so",
    "in its plugin folder.",
    "Such a section takes the core keys of its kind and the plugin's own keys, listed below;",
    "the two never share a name.",
    ".B vmond \\-\\-describe",
    ".I PLUGIN",
    "prints the same tables.",
    ".PP",
    "Unknown keys, duplicate sections and keys, missing references and bad values are errors,",
    "all reported together as",
    ".IR file : line .",
    "Check a file with",
    "\\fBvmond \\-t \\-c\\fR \\fIFILE\\fR;",
    "SIGHUP makes a running vmond read it again, keeping the old configuration when",
    "the new one has errors.",
    ".SS Values",
    ".TP",
    ".B durations",
    "\\fB250ms 5s 2m 1h 1d\\fR; a bare number is seconds; up to 36500d.",
    ".TP",
    ".B sizes",
    "\\fB512 64k 16M 2G\\fR, powers of 1024; below 8 EiB.",
    ".TP",
    ".B percentages",
    "\\fB10%\\fR or \\fB0.1\\fR, read as a fraction from 0 to 1.",
    ".TP",
    ".B booleans",
    "\\fBtrue\\fR/\\fBfalse\\fR, \\fByes\\fR/\\fBno\\fR,",
    "\\fBon\\fR/\\fBoff\\fR, \\fB1\\fR/\\fB0\\fR.",
    ".TP",
    ".B numbers",
    "Decimal: an optional sign, digits, an optional fraction and exponent",
    "(\\fB12 \\-0.5 .5 1e3\\fR); hex, \\fBinf\\fR and \\fBnan\\fR are errors.",
    ".TP",
    ".B lists",
    "Comma\\-separated words, whitespace trimmed: \\fBa, b, c\\fR.",
    ".TP",
    ".B enums",
    "One of the values the key lists.",
    ".TP",
    ".B paths",
    "Relative to the folder of the file that holds the key.",
    ".TP",
    ".B environment",
    "\\fB${NAME}\\fR takes a value from the environment, \\fB${NAME:\\-default}\\fR with a",
    "default; \\fB$$\\fR is a literal \\fB$\\fR.",
    "This keeps secrets out of files; keys marked secret are masked in",
    ".B vmond \\-t \\-\\-print",
    "and in the log.",
    ".PP",
    "Below, each key shows its type, then its default, \\fBrequired\\fR, or",
    "\\fBcomputed:\\fR and the rule that computes it from other keys; then its range,",
    "its values, and whether it is \\fBsecret\\fR or \\fBexclusive\\fR",
    "(two sections may not hold the same value).",
    NULL,
};

static const char *const tail[] = {
    ".SH FILES",
    ".TP",
    ".I /etc/vmon/vmon.ini",
    "The configuration the packaged systemd unit runs.",
    ".SH EXAMPLES",
    "This machine watched every 10 seconds, an alert when three readings in a row show",
    "more than 90% of its memory used:",
    ".PP",
    ".RS 4",
    ".EX",
    "[probe:host]",
    "plugin = system",
    "interval = 10s",
    "",
    "[sink:out]",
    "plugin = stdout",
    "",
    "[rule:memory]",
    "metric = system.memory_used_percent",
    "above = 90",
    "for = 3",
    "",
    "[pipeline:main]",
    "probes = host",
    "rules = memory",
    "sinks = out",
    ".EE",
    ".RE",
    ".SH SEE ALSO",
    ".BR vmond (8)",
    NULL,
};

static void put_lines(FILE *out, const char *const *lines)
{
    for (; *lines; lines++)
        fprintf(out, "%s\n", *lines);
}

/* One key: a tag line with its type, default and limits, then its help. */
static void put_option(FILE *out, const vmon_option *o, int core_kind)
{
    fputs(".TP\n\\fB", out);
    vmon_roff_text(out, o->key);
    fprintf(out, "\\fR (\\fI%s\\fR)", vmon_opt_type_name(o->type));
    if (o->flags & VMON_OPT_REQUIRED) {
        fputs(", required", out);
    } else if (o->default_value) {
        fputs((o->flags & VMON_OPT_COMPUTED_DEFAULT) ? ", default computed: " : ", default \\fB",
              out);
        vmon_roff_text(out, o->default_value);
        if (!(o->flags & VMON_OPT_COMPUTED_DEFAULT))
            fputs("\\fR", out);
    }
    if (o->flags & VMON_OPT_RANGE) {
        char range[128];
        vmon_value_format_range(o, range, sizeof range);
        fputs(", range ", out);
        vmon_roff_text(out, range);
    }
    if (o->type == VMON_OPT_ENUM && o->enum_values) {
        fputs(", one of", out);
        for (const char *const *e = o->enum_values; *e; e++) {
            fputs(e == o->enum_values ? " \\fB" : ", \\fB", out);
            vmon_roff_text(out, *e);
            fputs("\\fR", out);
        }
    }
    if (o->flags & VMON_OPT_SECRET)
        fputs(", secret", out);
    if (o->flags & VMON_OPT_EXCLUSIVE)
        fputs(", exclusive", out);
    fputc('\n', out);
    vmon_roff_text(out, o->help && o->help[0] ? o->help : "(no help)");
    if (core_kind && vmon_core_key_since(o) > 1)
        fprintf(out, " (Applies to plugins built for ABI %d.%u or later.)", VMON_ABI_MAJOR,
                (unsigned)vmon_core_key_since(o));
    fputc('\n', out);
}

static void put_options(FILE *out, const vmon_option *opts, int core_kind)
{
    if (!opts || !opts->key) {
        fputs(".PP\nNo keys of its own.\n", out);
        return;
    }
    for (const vmon_option *o = opts; o->key; o++)
        put_option(out, o, core_kind);
}

typedef struct scan_state {
    const vmon_plugin **plugins;
    size_t n;
    int refused;
    FILE *errs;
} scan_state;

static void collect(void *arg, const char *file, const vmon_plugin *p, const char *err)
{
    scan_state *st = arg;
    if (!p) {
        fprintf(st->errs, "vmond: %s refused: %s\n", file, err);
        st->refused = 1;
        return;
    }
    st->plugins = vmon_realloc(st->plugins, (st->n + 1) * sizeof *st->plugins);
    st->plugins[st->n++] = p;
}

static int by_kind_then_name(const void *a, const void *b)
{
    const vmon_plugin *pa = *(const vmon_plugin *const *)a;
    const vmon_plugin *pb = *(const vmon_plugin *const *)b;
    if (pa->desc.kind != pb->desc.kind)
        return pa->desc.kind < pb->desc.kind ? -1 : 1;
    return strcmp(pa->desc.name, pb->desc.name);
}

static void put_section_head(FILE *out, const char *kind, const char *what)
{
    fprintf(out, ".SH \"[%s%s]\"\n", kind, strcmp(kind, "daemon") == 0 ? "" : ":NAME");
    vmon_roff_text(out, what);
    fputc('\n', out);
}

static void put_plugin_kind(FILE *out, const vmon_kind_info *k, const vmon_plugin *const *plugins,
                            size_t n)
{
    static const char *const what[] = {
        NULL,
        "A database to monitor and tune.",
        "Reads a component of the target, the host or vmond itself once per interval.",
        "Chooses the search parameters of a pipeline's tuning loop.",
        "Splits a pipeline's traffic between the current and the candidate parameters.",
        "Delivers alerts (and, for some, samples).",
    };
    put_section_head(out, k->name, k->kind < sizeof what / sizeof what[0] ? what[k->kind] : "");
    fprintf(out, ".PP\nKeys every [%s:NAME] section takes:\n", k->name);
    put_options(out, vmon_schema_for_kind(k->kind), 1);
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        const vmon_plugin *p = plugins[i];
        if (p->desc.kind != k->kind)
            continue;
        shown++;
        fputs(".SS \"plugin = ", out);
        vmon_roff_text(out, p->desc.name);
        fputs("\"\n", out);
        vmon_roff_text(out, p->desc.description && p->desc.description[0] ? p->desc.description
                                                                          : "(no description)");
        fputs("\n(", out);
        vmon_roff_text(out, p->desc.version ? p->desc.version : "");
        fprintf(out, ", ABI %u.%u.)\n", (unsigned)p->desc.abi_major, (unsigned)p->desc.abi_minor);
        put_options(out, p->desc.options, 0);
    }
    if (!shown)
        fputs(".PP\nNo plugin of this kind was found.\n", out);
}

int vmon_man_ini_write(FILE *out, FILE *errs, const char *plugin_dir, const char *version)
{
    scan_state st = {.errs = errs};
    vmon_plugin_scan(plugin_dir, collect, &st);
    if (st.refused) {
        free(st.plugins);
        return -1;
    }
    if (st.n > 1)
        qsort(st.plugins, st.n, sizeof *st.plugins, by_kind_then_name);

    fputs(".\\\" Written by vmond \\-\\-man\\-ini from the option tables; do not edit.\n", out);
    fputs(".TH VMON.INI 5 \"\" \"vmon ", out);
    vmon_roff_text(out, version);
    fputs("\" \"File Formats Manual\"\n.nh\n.ad l\n", out);
    put_lines(out, head);

    put_section_head(out, "daemon", "The process: logging, threads, plugins, state.");
    put_options(out, vmon_schema_daemon, 0);
    for (size_t i = 0; i < vmon_kind_count(); i++)
        put_plugin_kind(out, vmon_kind_at(i), st.plugins, st.n);
    put_section_head(out, "traffic",
                     "Queries (and, with insert_rate, inserts) sent to a pipeline's target.");
    put_options(out, vmon_schema_traffic, 0);
    put_section_head(out, "rule",
                     "An alert rule over one sample name; also label.X and annotation.X keys.");
    put_options(out, vmon_schema_rule, 0);
    put_section_head(out, "pipeline",
                     "Wiring: a target, its probes, rules and sinks, and the tuning loop.");
    put_options(out, vmon_schema_pipeline, 0);
    put_lines(out, tail);
    free(st.plugins);
    return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
