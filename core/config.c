#include "config.h"

#define INI_HANDLER_LINENO 1
#include <ini.h>

#include <ctype.h>
#include <glob.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_file.h"
#include "strutil.h"

#define MAX_INCLUDE_DEPTH 8
#define NO_SECTION        SIZE_MAX
#define MIB               ((size_t)1024 * 1024)

/* A file by device and inode; {0, 0} for text that is not a file. */
struct file_id {
    dev_t dev;
    ino_t ino;
};

/* What every file of one load shares: the files already read and the bytes spent. */
typedef struct load_state {
    struct file_id *read;
    size_t n_read;
    size_t total_bytes;
} load_state;

typedef struct parse_ctx {
    vmon_cfg *cfg;
    vmon_errors *errs;
    load_state *load;
    const struct parse_ctx *parent; /* the including file; NULL for the top-level one */
    const char *file;
    char *dir;
    struct file_id id;
    int depth;
    /* An index, not a pointer: an include adds sections, and the array moves. */
    size_t current; /* NO_SECTION before the first section */
    int skipping;   /* inside a rejected (duplicate, malformed) section */
    int line;       /* the line handed to inih */
} parse_ctx;

static void parse_text(parse_ctx *pc, const char *text, size_t len);

static vmon_cfg_section *current_section(const parse_ctx *pc)
{
    return pc->current == NO_SECTION ? NULL : &pc->cfg->sections[pc->current];
}

static const char *current_name(const parse_ctx *pc)
{
    const vmon_cfg_section *s = current_section(pc);
    return s ? s->name : NULL;
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
                vmon_errors_add(pc->errs, pc->file, line, current_name(pc), key,
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
                vmon_errors_add(pc->errs, pc->file, line, current_name(pc), key,
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

static int same_file(struct file_id a, struct file_id b)
{
    return (a.dev != 0 || a.ino != 0) && a.dev == b.dev && a.ino == b.ino;
}

/* An include of a file still being read: report the chain that leads back to it. */
static int report_cycle(const parse_ctx *pc, int line, const char *path, struct file_id id)
{
    const parse_ctx *back = pc;
    while (back && !same_file(back->id, id))
        back = back->parent;
    if (!back)
        return 0;
    const parse_ctx *chain[MAX_INCLUDE_DEPTH + 1];
    size_t n = 0;
    for (const parse_ctx *c = pc; n < MAX_INCLUDE_DEPTH + 1; c = c->parent) {
        chain[n++] = c;
        if (c == back)
            break;
    }
    char text[4096];
    size_t used = 0;
    text[0] = 0;
    for (size_t i = n; i-- > 0 && used < sizeof text;)
        used += (size_t)snprintf(text + used, sizeof text - used, "%s -> ", chain[i]->file);
    vmon_errors_add(pc->errs, pc->file, line, NULL, "include",
                    "cycle %s%s; remove one of these includes", text, path);
    return 1;
}

static int already_read(const load_state *load, struct file_id id)
{
    for (size_t i = 0; i < load->n_read; i++)
        if (same_file(load->read[i], id))
            return 1;
    return 0;
}

/* Parse `len` bytes as the file `name`; `parent` includes it (NULL: the top-level text). */
static void parse_file(parse_ctx *parent, const parse_ctx *shared, const char *name,
                       const char *dir, struct file_id id, const char *bytes, size_t len)
{
    parse_ctx pc = {.cfg = shared->cfg,
                    .errs = shared->errs,
                    .load = shared->load,
                    .parent = parent,
                    .file = intern_file(shared->cfg, name),
                    .id = id,
                    .depth = parent ? parent->depth + 1 : 0,
                    .current = NO_SECTION};
    pc.dir = dir ? vmon_strdup(dir) : vmon_dirname(pc.file);
    load_state *load = pc.load;
    if (id.dev != 0 || id.ino != 0) {
        load->read = vmon_realloc(load->read, (load->n_read + 1) * sizeof *load->read);
        load->read[load->n_read++] = id;
    }
    load->total_bytes += len;
    parse_text(&pc, bytes, len);
    free(pc.dir);
}

static const char *regular_file_hint(const char *why, const char *hint)
{
    return strncmp(why, "not a regular file", 18) == 0 ? hint : "";
}

static void include_file(parse_ctx *pc, int line, const char *path)
{
    vmon_cfg_file f;
    char why[256];
    if (vmon_cfg_file_open(path, VMON_CFG_MAX_FILE_BYTES, &f, why, sizeof why) < 0) {
        vmon_errors_add(pc->errs, pc->file, line, NULL, "include", "cannot include '%s': %s%s",
                        path, why, regular_file_hint(why, "; include only regular files"));
        return;
    }
    struct file_id id = {f.dev, f.ino};
    if (report_cycle(pc, line, path, id) || already_read(pc->load, id)) {
        vmon_cfg_file_close(&f);
        return;
    }
    if (vmon_cfg_file_read(&f, VMON_CFG_MAX_FILE_BYTES, why, sizeof why) < 0)
        vmon_errors_add(pc->errs, pc->file, line, NULL, "include", "cannot include '%s': %s", path,
                        why);
    else if (pc->load->total_bytes + f.len > VMON_CFG_MAX_TOTAL_BYTES)
        vmon_errors_add(pc->errs, pc->file, line, NULL, "include",
                        "cannot include '%s': all config files together would pass the %zu MiB "
                        "limit",
                        path, VMON_CFG_MAX_TOTAL_BYTES / MIB);
    else
        parse_file(pc, pc, path, NULL, id, f.bytes, f.len);
    vmon_cfg_file_close(&f);
}

/*
 * Whether a pattern stays inside the including folder whatever it matches:
 * glob matches a name starting with `.` (`..` among them) only where the
 * pattern spells that dot, plainly or as `\\.`.
 */
static int pattern_confined(const char *pattern)
{
    return pattern[0] != '/' && pattern[0] != '.' && !strstr(pattern, "/.") &&
           !strchr(pattern, '\\');
}

static void include_files(parse_ctx *pc, int line, const char *pattern)
{
    if (pc->cfg->includes_confined && !pattern_confined(pattern)) {
        vmon_errors_add(pc->errs, pc->file, line, NULL, "include",
                        "'%s': includes are confined to the config's folder here (no leading '/', "
                        "no name starting with '.', no '\\')",
                        pattern);
        return;
    }
    if (pc->depth >= MAX_INCLUDE_DEPTH) {
        vmon_errors_add(pc->errs, pc->file, line, NULL, "include",
                        "includes nested more than %d deep; flatten them", MAX_INCLUDE_DEPTH);
        return;
    }
    char *path = vmon_path_concat(pc->dir, pattern);
    glob_t g;
    int rc = glob(path, GLOB_NOCHECK, NULL, &g);
    if (rc != 0)
        vmon_errors_add(pc->errs, pc->file, line, NULL, "include",
                        "cannot expand '%s' (out of memory, or a folder cannot be read)", path);
    for (size_t i = 0; rc == 0 && i < g.gl_pathc; i++)
        include_file(pc, line, g.gl_pathv[i]);
    globfree(&g);
    free(path);
}

/* The index of the new section, or NO_SECTION for a duplicate (reported). */
static size_t add_section(parse_ctx *pc, const char *name, int line)
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
        return NO_SECTION;
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
    return cfg->n_sections - 1;
}

static void add_entry(parse_ctx *pc, const char *key, const char *value, int line)
{
    vmon_cfg_section *s = current_section(pc);
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
    if (pc->current == NO_SECTION) {
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
        pc->current = NO_SECTION;
        pc->skipping = 1;
        if (!name || !*vmon_trim(name)) {
            vmon_errors_add(pc->errs, pc->file, line, NULL, NULL,
                            "malformed section header; write [kind:name]");
        } else {
            pc->current = add_section(pc, vmon_trim(name), line);
            pc->skipping = pc->current == NO_SECTION;
        }
        free(name);
        return;
    }
    if (pc->skipping)
        return;
    char *text = vmon_strndup(start, len);
    pc->line = line;
    if (ini_parse_string(text, on_ini_entry, pc) > 0)
        vmon_errors_add(pc->errs, pc->file, line, current_name(pc), NULL,
                        "cannot parse this line; expected 'key = value', '[kind:name]' or a "
                        "comment starting with ';' or '#'");
    free(text);
}

static void parse_text(parse_ctx *pc, const char *text, size_t len)
{
    int line = 0;
    for (const char *p = text, *end = text + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        line++;
        if (memchr(p, 0, n)) {
            vmon_errors_add(pc->errs, pc->file, line, NULL, NULL,
                            "line contains a NUL byte (a binary or damaged file?); the rest of "
                            "this file is not read");
            return;
        }
        if (n >= VMON_CFG_MAX_LINE)
            vmon_errors_add(pc->errs, pc->file, line, NULL, NULL,
                            "line is %zu bytes long; the limit is %d", n, VMON_CFG_MAX_LINE - 1);
        else
            parse_line(pc, p, n, line);
        if (!nl)
            break;
        p = nl + 1;
    }
}

static void set_inih_options(void)
{
    /* Debian's inih keeps these options as process-wide variables. */
    ini_use_stack = false;
    ini_allow_realloc = true;
    ini_max_line = VMON_CFG_MAX_LINE;
    ini_allow_multiline = false;
    ini_stop_on_first_error = false;
}

static int load_top(const char *bytes, size_t len, const char *name, const char *dir,
                    struct file_id id, vmon_cfg *cfg, vmon_errors *errs)
{
    set_inih_options();
    size_t before = errs->count;
    load_state load = {0};
    parse_ctx shared = {.cfg = cfg, .errs = errs, .load = &load};
    parse_file(NULL, &shared, name, dir, id, bytes, len);
    free(load.read);
    return errs->count > before ? -1 : 0;
}

int vmon_cfg_load_bytes(const char *bytes, size_t len, const char *name, const char *dir,
                        vmon_cfg *cfg, vmon_errors *errs)
{
    struct file_id none = {0, 0};
    return load_top(bytes, len, name, dir, none, cfg, errs);
}

int vmon_cfg_load_string(const char *text, const char *name, const char *dir, vmon_cfg *cfg,
                         vmon_errors *errs)
{
    return vmon_cfg_load_bytes(text, strlen(text), name, dir, cfg, errs);
}

int vmon_cfg_load(const char *path, vmon_cfg *cfg, vmon_errors *errs)
{
    vmon_cfg_file f;
    char why[256];
    if (vmon_cfg_file_open(path, VMON_CFG_MAX_FILE_BYTES, &f, why, sizeof why) < 0 ||
        vmon_cfg_file_read(&f, VMON_CFG_MAX_FILE_BYTES, why, sizeof why) < 0) {
        vmon_errors_add(errs, path, 0, NULL, NULL, "cannot read the config file: %s%s", why,
                        regular_file_hint(why, "; give the path of an INI file"));
        vmon_cfg_file_close(&f);
        return -1;
    }
    struct file_id id = {f.dev, f.ino};
    char *dir = vmon_dirname(path);
    int rc = load_top(f.bytes, f.len, path, dir, id, cfg, errs);
    free(dir);
    vmon_cfg_file_close(&f);
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
