#include "component_format.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "report_format.h"
#include "time_format.h"

enum { MAX_COLS = 10, CELL = 64 };

typedef struct table {
    const char *title;
    int n_cols;
    const char *head[MAX_COLS];
    char (*cells)[MAX_COLS][CELL];
    size_t n_rows, cap_rows;
} table;

static char *add_row(table *t)
{
    if (t->n_rows == t->cap_rows) {
        size_t cap = t->cap_rows ? 2 * t->cap_rows : 16;
        void *c = realloc(t->cells, cap * sizeof *t->cells);
        if (!c)
            return NULL;
        t->cells = c;
        t->cap_rows = cap;
    }
    memset(t->cells[t->n_rows], 0, sizeof t->cells[0]);
    return t->cells[t->n_rows++][0];
}

static void set_cell(table *t, size_t row, int col, const char *text)
{
    const char *shown = text ? text : "-";
    vmon_escape_controls(shown, strlen(shown), t->cells[row][col], CELL);
}

static size_t find_row(table *t, int col, const char *key)
{
    char shown[CELL]; /* cells hold the escaped text */
    vmon_escape_controls(key, strlen(key), shown, sizeof shown);
    for (size_t r = 0; r < t->n_rows; r++)
        if (strcmp(t->cells[r][col], shown) == 0)
            return r;
    if (!add_row(t))
        return (size_t)-1;
    for (int c = 0; c < t->n_cols; c++)
        set_cell(t, t->n_rows - 1, c, "-");
    set_cell(t, t->n_rows - 1, col, key);
    return t->n_rows - 1;
}

/* Numbers right-aligned, words left-aligned; two spaces between columns. */
static int numeric(const char *s)
{
    return (*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' && s[1] <= '9');
}

static void print_table(FILE *out, const table *t)
{
    if (!t->n_rows)
        return;
    size_t w[MAX_COLS];
    for (int c = 0; c < t->n_cols; c++) {
        w[c] = strlen(t->head[c]);
        for (size_t r = 0; r < t->n_rows; r++)
            w[c] = strlen(t->cells[r][c]) > w[c] ? strlen(t->cells[r][c]) : w[c];
    }
    fprintf(out, "\n  [%s]\n", t->title);
    fputs("  ", out);
    for (int c = 0; c + 1 < t->n_cols; c++)
        fprintf(out, "%-*s  ", (int)w[c], t->head[c]);
    fprintf(out, "%s\n", t->head[t->n_cols - 1]);
    fputs("  ", out);
    for (int c = 0; c < t->n_cols; c++) {
        for (size_t i = 0; i < w[c]; i++)
            fputc('-', out);
        fputs(c + 1 < t->n_cols ? "  " : "\n", out);
    }
    for (size_t r = 0; r < t->n_rows; r++) {
        fputs("  ", out);
        for (int c = 0; c < t->n_cols; c++) {
            const char *v = t->cells[r][c];
            int last = c + 1 == t->n_cols;
            if (numeric(v))
                fprintf(out, "%*s%s", (int)w[c], v, last ? "\n" : "  ");
            else if (last)
                fprintf(out, "%s\n", v);
            else
                fprintf(out, "%-*s  ", (int)w[c], v);
        }
    }
}

static const char *label(const vmon_sample *s, const char *name)
{
    for (uint32_t i = 0; i < s->n_labels; i++)
        if (strcmp(s->labels[i].name, name) == 0)
            return s->labels[i].value;
    return NULL;
}

static void progress_text(double ratio, int tty, char *buf, size_t len)
{
    if (!isfinite(ratio)) {
        snprintf(buf, len, "-");
        return;
    }
    double r = ratio < 0 ? 0 : ratio > 1 ? 1 : ratio;
    if (!tty) {
        snprintf(buf, len, "%.1f %%", 100 * r);
        return;
    }
    char bar[21];
    int filled = (int)(20 * r + 0.5);
    for (int i = 0; i < 20; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[20] = 0;
    snprintf(buf, len, "[%s] %5.1f %%", bar, 100 * r);
}

static const char *const build_states[] = {"none", "pending", "building", "finished", "failed"};

typedef struct report_tables {
    table seg, dist, mem, build;
    unsigned char *used; /* per sample: shown in a table */
} report_tables;

static void init_tables(report_tables *rt)
{
    rt->seg = (table){.title = "Segments",
                      .n_cols = 6,
                      .head = {"Segment ID", "Node ID", "State", "Rows", "Index", "Collection"}};
    rt->dist = (table){
        .title = "Distribution per node", .n_cols = 3, .head = {"Node ID", "Segments", "Rows"}};
    rt->mem = (table){.title = "Memory per query node",
                      .n_cols = 5,
                      .head = {"Node ID", "Used", "Capacity", "Used %", "Full in"}};
    rt->build = (table){.title = "Index build progress",
                        .n_cols = 9,
                        .head = {"Collection", "Index", "Metric", "Params", "State", "Progress",
                                 "Pending rows", "Elapsed", "ETA"}};
}

static int segment_row(report_tables *rt, const vmon_sample *s)
{
    char *row = add_row(&rt->seg);
    if (!row)
        return 0;
    size_t r = rt->seg.n_rows - 1;
    char rows[32];
    snprintf(rows, sizeof rows, "%.0f", s->value);
    set_cell(&rt->seg, r, 0, label(s, "segment_id"));
    set_cell(&rt->seg, r, 1, label(s, "node_id"));
    set_cell(&rt->seg, r, 2, label(s, "state"));
    set_cell(&rt->seg, r, 3, rows);
    set_cell(&rt->seg, r, 4, label(s, "index_type"));
    set_cell(&rt->seg, r, 5, label(s, "collection"));
    return 1;
}

static int node_cell(table *t, const vmon_sample *s, int col, const char *unit)
{
    const char *node = label(s, "node_id");
    if (!node)
        return 0;
    size_t r = find_row(t, 0, node);
    if (r == (size_t)-1)
        return 0;
    char v[64];
    if (unit)
        format_sample_value(unit, s->value, v, sizeof v);
    else
        snprintf(v, sizeof v, "%.0f", s->value);
    set_cell(t, r, col, v);
    return 1;
}

/* The probe caps its forecast at 7 days: "not soon", not a number of seconds. */
static int forecast_cell(table *t, const vmon_sample *s)
{
    const char *node = label(s, "node_id");
    size_t r = node ? find_row(t, 0, node) : (size_t)-1;
    if (r == (size_t)-1)
        return 0;
    char v[64];
    if (s->value >= 7 * 86400)
        snprintf(v, sizeof v, "> 7 days");
    else if (s->value >= 3600)
        snprintf(v, sizeof v, "%.1f h", s->value / 3600);
    else
        format_sample_value("_seconds", s->value, v, sizeof v);
    set_cell(t, r, 4, v);
    return 1;
}

static int index_info(table *t, const vmon_sample *s)
{
    size_t r = find_row(t, 0, label(s, "collection") ? label(s, "collection") : "-");
    if (r == (size_t)-1)
        return 0;
    const char *type = label(s, "index_type");
    char params[CELL] = "-";
    if (type && strncmp(type, "IVF", 3) == 0 && label(s, "nlist"))
        snprintf(params, sizeof params, "nlist=%s", label(s, "nlist"));
    else if (type && strcmp(type, "HNSW") == 0 && label(s, "m") && label(s, "ef_construction"))
        snprintf(params, sizeof params, "M=%s efConstruction=%s", label(s, "m"),
                 label(s, "ef_construction"));
    set_cell(t, r, 1, type);
    set_cell(t, r, 2, label(s, "metric"));
    set_cell(t, r, 3, params);
    return 1;
}

static int build_cell(table *t, const vmon_sample *s, int tty)
{
    const char *coll = label(s, "collection");
    if (!coll)
        return 0;
    if (strcmp(s->name, "indexnode.index_info") == 0)
        return index_info(t, s);
    static const struct {
        const char *name;
        int col;
    } cols[] = {{"indexnode.build_state", 4},
                {"indexnode.build_progress_ratio", 5},
                {"indexnode.pending_rows", 6},
                {"indexnode.build_elapsed_seconds", 7},
                {"indexnode.build_eta_seconds", 8}};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        if (strcmp(s->name, cols[i].name) != 0)
            continue;
        size_t r = find_row(t, 0, coll);
        if (r == (size_t)-1)
            return 0;
        char v[64];
        if (cols[i].col == 4)
            snprintf(v, sizeof v, "%s",
                     s->value >= 0 && s->value < 5 ? build_states[(int)s->value] : "?");
        else if (cols[i].col == 5)
            progress_text(s->value, tty, v, sizeof v);
        else if (cols[i].col == 6)
            snprintf(v, sizeof v, "%.0f", s->value);
        else
            format_sample_value(s->name, s->value, v, sizeof v);
        set_cell(t, r, cols[i].col, v);
        return 1;
    }
    return 0;
}

static int place(report_tables *rt, const vmon_sample *s, int tty)
{
    const char *n = s->name;
    if (strcmp(n, "querynode.segment_rows") == 0)
        return segment_row(rt, s);
    if (strcmp(n, "querynode.node_segments") == 0)
        return node_cell(&rt->dist, s, 1, NULL);
    if (strcmp(n, "querynode.node_rows") == 0)
        return node_cell(&rt->dist, s, 2, NULL);
    if (strcmp(n, "querynode.memory_used_bytes") == 0)
        return node_cell(&rt->mem, s, 1, n);
    if (strcmp(n, "querynode.memory_capacity_bytes") == 0)
        return node_cell(&rt->mem, s, 2, n);
    if (strcmp(n, "querynode.memory_used_percent") == 0)
        return node_cell(&rt->mem, s, 3, n);
    if (strcmp(n, "querynode.memory_full_in_seconds") == 0)
        return forecast_cell(&rt->mem, s);
    if (strncmp(n, "indexnode.", 10) == 0)
        return build_cell(&rt->build, s, tty);
    return 0;
}

int component_report_wanted(const vmon_sample *s, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(s[i].name, "querynode.segment_rows") == 0 ||
            strcmp(s[i].name, "querynode.node_rows") == 0 ||
            strcmp(s[i].name, "indexnode.build_state") == 0)
            return 1;
    return 0;
}

void component_report(FILE *out, const char *source, const vmon_sample *s, uint32_t n, int tty)
{
    report_tables rt;
    init_tables(&rt);
    rt.used = calloc(n ? n : 1, 1);
    if (!rt.used) {
        format_report(out, source, s, n);
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        rt.used[i] = (unsigned char)place(&rt, &s[i], tty);
    char when[VMON_RFC3339_SIZE];
    vmon_format_rfc3339(n ? s[0].time_ms : 0, when, sizeof when);
    fprintf(out, "==== %s  %s ====\n", source, when);
    table *all[] = {&rt.seg, &rt.dist, &rt.mem, &rt.build};
    for (size_t i = 0; i < 4; i++) {
        print_table(out, all[i]);
        free(all[i]->cells);
    }
    vmon_sample *rest = malloc((n ? n : 1) * sizeof *rest);
    uint32_t k = 0;
    for (uint32_t i = 0; rest && i < n; i++)
        if (!rt.used[i])
            rest[k++] = s[i];
    if (k) {
        fputc('\n', out);
        format_report_lines(out, rest, k);
    }
    free(rest);
    free(rt.used);
}
