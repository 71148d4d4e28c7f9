#include "config.h"

#define INI_HANDLER_LINENO 1
#include <ini.h>

#include <ctype.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strutil.h"

#define MAX_INCLUDE_DEPTH 8

typedef struct parse_ctx {
    vmon_cfg *cfg;
    vmon_errors *errs;
    const char *file;
    char *dir;
    int depth;
    vmon_cfg_section *current; /* NULL before the first section */
    int skipping;              /* inside a rejected (duplicate, malformed) section */
    int line;                  /* the line handed to inih */
} parse_ctx;

static void parse_text(parse_ctx *pc, const char *text);

static char *read_whole_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    char buf[8192];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, got, mem);
    fclose(mem);
    fclose(f);
    return text;
}

static const char *intern_file(vmon_cfg *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_files; i++)
        if (strcmp(cfg->files[i], name) == 0)
            return cfg->files[i];
    cfg->files = vmon_realloc(cfg->files, (cfg->n_files + 1) * sizeof *cfg->files);
    cfg->files[cfg->n_files] = vmon_strdup(name);
    return cfg->files[cfg->n_files++];
}

const vmon_cfg_section *vmon_cfg_find(const vmon_cfg *cfg, const char *kind, const char *id)
{
    for (size_t i = 0; i < cfg->n_sections; i++) {
        const vmon_cfg_section *s = &cfg->sections[i];
        if (strcmp(s->kind, kind) == 0 && strcmp(s->id, id) == 0)
            return s;
    }
    return NULL;
}

const vmon_cfg_entry *vmon_cfg_get(const vmon_cfg_section *s, const char *key)
{
    for (size_t i = 0; s && i < s->n_entries; i++)
        if (strcmp(s->entries[i].key, key) == 0)
            return &s->entries[i];
    return NULL;
}

/* `${NAME}` and `${NAME:-default}` from the environment; `$$` is a literal `$`. */
static char *expand_env(parse_ctx *pc, int line, const char *key, const char *value)
{
    size_t cap = strlen(value) + 1, n = 0;
    char *out = vmon_calloc(cap, 1);
    for (const char *p = value; *p;) {
        const char *piece = p;
        size_t plen = 1;
        char *owned = NULL;
        if (p[0] == '$' && p[1] == '$') {
            plen = 1;
            p += 2;
        } else if (p[0] == '$' && p[1] == '{') {
            const char *end = strchr(p, '}');
            if (!end) {
                vmon_errors_add(pc->errs, pc->file, line, pc->current->name, key,
                                "unterminated '${' (write '$$' for a literal '$')");
                break;
            }
            char *name = vmon_strndup(p + 2, (size_t)(end - p - 2));
            char *dflt = strstr(name, ":-");
            if (dflt) {
                *dflt = 0;
                dflt += 2;
            }
            const char *v = getenv(name);
            if (!v || (!*v && dflt))
                v = dflt;
            if (!v)
                vmon_errors_add(pc->errs, pc->file, line, pc->current->name, key,
                                "environment variable '%s' is not set (export it, or write "
                                "${%s:-default})",
                                name, name);
            owned = vmon_strdup(v ? v : "");
            free(name);
            piece = owned;
            plen = strlen(owned);
            p = end + 1;
        } else {
            p++;
        }
        if (n + plen + 1 > cap) {
            cap = (n + plen + 1) * 2;
            out = vmon_realloc(out, cap);
        }
        memcpy(out + n, piece, plen);
        n += plen;
        out[n] = 0;
        free(owned);
    }
    return out;
}

static void include_files(parse_ctx *pc, int line, const char *pattern)
{
    if (pc->depth >= MAX_INCLUDE_DEPTH) {
        vmon_errors_add(pc->errs, pc->file, line, NULL, "include",
                        "includes nested more than %d deep (an include loop?)", MAX_INCLUDE_DEPTH);
        return;
    }
    char *path = vmon_path_join(pc->dir, pattern);
    glob_t g;
    int rc = glob(path, GLOB_NOCHECK, NULL, &g);
    for (size_t i = 0; rc == 0 && i < g.gl_pathc; i++) {
        parse_ctx child = {.cfg = pc->cfg, .errs = pc->errs, .depth = pc->depth + 1};
        child.file = intern_file(pc->cfg, g.gl_pathv[i]);
        char *text = read_whole_file(child.file);
        if (!text) {
            vmon_errors_add(pc->errs, pc->file, line, NULL, "include", "cannot read '%s': %m",
                            child.file);
            continue;
        }
        child.dir = vmon_dirname(child.file);
        parse_text(&child, text);
        free(child.dir);
        free(text);
    }
    globfree(&g);
    free(path);
}

static vmon_cfg_section *add_section(parse_ctx *pc, const char *name, int line)
{
    vmon_cfg *cfg = pc->cfg;
    const char *colon = strchr(name, ':');
    char *kind = colon ? vmon_strndup(name, (size_t)(colon - name)) : vmon_strdup(name);
    char *id = vmon_strdup(colon ? colon + 1 : "");
    const vmon_cfg_section *dup = vmon_cfg_find(cfg, kind, id);
    if (dup) {
        vmon_errors_add(pc->errs, pc->file, line, name, NULL,
                        "duplicate section (first defined at %s:%d); merge the two or rename one",
                        dup->file, dup->line);
        free(kind);
        free(id);
        return NULL;
    }
    if (cfg->n_sections == cfg->cap_sections) {
        cfg->cap_sections = cfg->cap_sections ? cfg->cap_sections * 2 : 16;
        cfg->sections = vmon_realloc(cfg->sections, cfg->cap_sections * sizeof *cfg->sections);
    }
    vmon_cfg_section *s = &cfg->sections[cfg->n_sections++];
    memset(s, 0, sizeof *s);
    s->name = vmon_strdup(name);
    s->kind = kind;
    s->id = id;
    s->file = pc->file;
    s->dir = vmon_strdup(pc->dir);
    s->line = line;
    return s;
}

static void add_entry(parse_ctx *pc, const char *key, const char *value, int line)
{
    vmon_cfg_section *s = pc->current;
    const vmon_cfg_entry *dup = vmon_cfg_get(s, key);
    if (dup) {
        vmon_errors_add(pc->errs, pc->file, line, s->name, key,
                        "duplicate key (first set at %s:%d); keep one", dup->file, dup->line);
        return;
    }
    if (s->n_entries == s->cap_entries) {
        s->cap_entries = s->cap_entries ? s->cap_entries * 2 : 8;
        s->entries = vmon_realloc(s->entries, s->cap_entries * sizeof *s->entries);
    }
    vmon_cfg_entry *e = &s->entries[s->n_entries++];
    e->key = vmon_strdup(key);
    e->value = expand_env(pc, line, key, value);
    e->file = pc->file;
    e->line = line;
}

static int on_ini_entry(void *user, const char *section, const char *name, const char *value,
                        int line)
{
    parse_ctx *pc = user;
    (void)section; /* sections are tracked by parse_line, which also sees empty ones */
    line = pc->line + line - 1;
    if (strcmp(name, "include") == 0) {
        include_files(pc, line, value);
        return 1;
    }
    if (!pc->current) {
        vmon_errors_add(pc->errs, pc->file, line, NULL, name,
                        "key outside any section; put it under [daemon] or another section");
        return 1;
    }
    add_entry(pc, name, value, line);
    return 1;
}

/*
 * inih is given one line at a time: it cannot report empty sections, it
 * reports only the first syntax error of a text, and we want every error
 * with its line. Section headers are recognised here; inih parses the
 * key/value lines (comments, quoting rules, inline `;` comments).
 */
static void parse_line(parse_ctx *pc, const char *start, size_t len, int line)
{
    const char *q = start;
    while (q < start + len && isspace((unsigned char)*q))
        q++;
    if (q == start + len)
        return;
    if (*q == '[') {
        const char *close = memchr(q, ']', (size_t)(start + len - q));
        char *name = close ? vmon_strndup(q + 1, (size_t)(close - q - 1)) : NULL;
        pc->current = NULL;
        pc->skipping = 1;
        if (!name || !*vmon_trim(name)) {
            vmon_errors_add(pc->errs, pc->file, line, NULL, NULL,
                            "malformed section header; write [kind:name]");
        } else {
            pc->current = add_section(pc, vmon_trim(name), line);
            pc->skipping = pc->current == NULL;
        }
        free(name);
        return;
    }
    if (pc->skipping)
        return;
    char *text = vmon_strndup(start, len);
    pc->line = line;
    if (ini_parse_string(text, on_ini_entry, pc) > 0)
        vmon_errors_add(pc->errs, pc->file, line, pc->current ? pc->current->name : NULL, NULL,
                        "cannot parse this line; expected 'key = value', '[kind:name]' or a "
                        "comment starting with ';' or '#'");
    free(text);
}

static void parse_text(parse_ctx *pc, const char *text)
{
    int line = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        line++;
        if (len >= VMON_CFG_MAX_LINE)
            vmon_errors_add(pc->errs, pc->file, line, NULL, NULL,
                            "line is %zu bytes long; the limit is %d", len, VMON_CFG_MAX_LINE - 1);
        else
            parse_line(pc, p, len, line);
        if (!nl)
            break;
        p = nl + 1;
    }
}

static int load_text(const char *text, const char *name, const char *dir, vmon_cfg *cfg,
                     vmon_errors *errs)
{
    /* Debian's inih keeps these options as process-wide variables. */
    ini_use_stack = false;
    ini_allow_realloc = true;
    ini_max_line = VMON_CFG_MAX_LINE;
    ini_allow_multiline = false;
    ini_stop_on_first_error = false;
    size_t before = errs->count;
    parse_ctx pc = {.cfg = cfg, .errs = errs, .file = intern_file(cfg, name)};
    pc.dir = vmon_strdup(dir);
    parse_text(&pc, text);
    free(pc.dir);
    return errs->count > before ? -1 : 0;
}

int vmon_cfg_load_string(const char *text, const char *name, const char *dir, vmon_cfg *cfg,
                         vmon_errors *errs)
{
    return load_text(text, name, dir, cfg, errs);
}

int vmon_cfg_load(const char *path, vmon_cfg *cfg, vmon_errors *errs)
{
    char *text = read_whole_file(path);
    if (!text) {
        vmon_errors_add(errs, path, 0, NULL, NULL, "cannot read the config file: %m");
        return -1;
    }
    char *dir = vmon_dirname(path);
    int rc = load_text(text, path, dir, cfg, errs);
    free(dir);
    free(text);
    return rc;
}

void vmon_cfg_free(vmon_cfg *cfg)
{
    for (size_t i = 0; i < cfg->n_sections; i++) {
        vmon_cfg_section *s = &cfg->sections[i];
        for (size_t j = 0; j < s->n_entries; j++) {
            free(s->entries[j].key);
            free(s->entries[j].value);
        }
        free(s->entries);
        free(s->name);
        free(s->kind);
        free(s->id);
        free(s->dir);
    }
    free(cfg->sections);
    for (size_t i = 0; i < cfg->n_files; i++)
        free(cfg->files[i]);
    free(cfg->files);
    memset(cfg, 0, sizeof *cfg);
}
