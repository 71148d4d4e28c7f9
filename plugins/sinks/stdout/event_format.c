#include "event_format.h"

#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "severity.h"
#include "time_format.h"

/* Figures of an arm, not its search parameters. */
static const char *const figure_names[] = {"weight",     "mean_ms",      "p95_ms",       "p99_ms",
                                           "qps",        "recall",       "count",        "errors",
                                           "recall_low", "recall_exact", "recall_truth", NULL};

static const char *field(const vmon_event *e, const char *name)
{
    for (uint32_t i = 0; i < e->n_fields; i++)
        if (strcmp(e->fields[i].name, name) == 0)
            return e->fields[i].value;
    return NULL;
}

static int is_figure(const char *name)
{
    for (const char *const *f = figure_names; *f; f++)
        if (strcmp(name, *f) == 0)
            return 1;
    return 0;
}

static double number(const char *v)
{
    return v ? strtod(v, NULL) : 0.0;
}

static void header(FILE *out, const vmon_event *e)
{
    char when[VMON_RFC3339_SIZE];
    vmon_format_rfc3339(e->time_ms, when, sizeof when);
    fprintf(out, "==== event #%llu %s", (unsigned long long)e->sequence, e->type_name);
    for (uint32_t i = 0; i < e->n_labels; i++) {
        fprintf(out, "  %s=", e->labels[i].name);
        vmon_escape_fputs(e->labels[i].value, out);
    }
    fprintf(out, "  %s%s ====\n", when, e->severity ? "  WARNING" : "");
}

/* A figure to four significant digits (`5.466`, `133.9`, `0.9895`): the fields carry every
 * digit for machines, a reader needs these. Text that is not a number is printed as it is. */
static void figure(FILE *out, const char *v)
{
    char *end;
    double x = strtod(v, &end);
    if (end == v || *end)
        vmon_escape_fputs(v, out);
    else
        fprintf(out, "%.4g", x);
}

/* After a recall not measured against exact search: what stood in (`<prefix>.recall_truth`). */
static void recall_reference(FILE *out, const vmon_event *e, const char *prefix)
{
    char name[64];
    snprintf(name, sizeof name, "%srecall_exact", prefix);
    const char *exact = field(e, name);
    if (!exact || strcmp(exact, "0") != 0)
        return;
    snprintf(name, sizeof name, "%srecall_truth", prefix);
    const char *truth = field(e, name);
    fputs(" (against ", out);
    vmon_escape_fputs(truth ? truth : "an exhaustive setting", out);
    fputs(", not exact search)", out);
}

/* `  current:  mean 1.2 ms, P95 2.4 ms, P99 3.1 ms, QPS 850` from `<prefix>.*`; a recall
 * measured against a stand-in for exact search says so. */
static void figures(FILE *out, const vmon_event *e, const char *title, const char *prefix)
{
    static const struct {
        const char *suffix, *label, *unit;
    } parts[] = {{"mean_ms", "mean", " ms"}, {"p95_ms", "P95", " ms"}, {"p99_ms", "P99", " ms"},
                 {"qps", "QPS", ""},         {"recall", "recall", ""}, {"count", "n", ""}};
    int any = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s%s", prefix, parts[i].suffix);
        const char *v = field(e, name);
        if (!v)
            continue;
        fprintf(out, "%s%s ", any ? ", " : title, parts[i].label);
        figure(out, v);
        fputs(parts[i].unit, out);
        if (strcmp(parts[i].suffix, "recall") == 0)
            recall_reference(out, e, prefix);
        any = 1;
    }
    if (any)
        fputc('\n', out);
}

/* An arm's search parameters: `nprobe 16, ef 64`. Returns how many. */
static int params(FILE *out, const vmon_event *e, const char *prefix)
{
    size_t plen = strlen(prefix);
    int n = 0;
    for (uint32_t i = 0; i < e->n_fields; i++) {
        const char *name = e->fields[i].name;
        if (strncmp(name, prefix, plen) != 0 || is_figure(name + plen))
            continue;
        fprintf(out, "%s%s ", n++ ? ", " : "", name + plen);
        vmon_escape_fputs(e->fields[i].value, out);
    }
    return n;
}

/* `  nprobe 16 -> 11` for every parameter B changes. */
static void changes(FILE *out, const vmon_event *e, const char *verb)
{
    for (uint32_t i = 0; i < e->n_fields; i++) {
        const char *name = e->fields[i].name;
        if (strncmp(name, "b.", 2) != 0 || is_figure(name + 2))
            continue;
        char a_name[64];
        snprintf(a_name, sizeof a_name, "a.%s", name + 2);
        const char *from = field(e, a_name);
        if (from && strcmp(from, e->fields[i].value) == 0)
            continue; /* B keeps it (top_k): not a change */
        fprintf(out, "  %s%s ", verb, name + 2);
        vmon_escape_fputs(from ? from : "?", out);
        fputs(" -> ", out);
        vmon_escape_fputs(e->fields[i].value, out);
        fputc('\n', out);
    }
}

static void arms(FILE *out, const vmon_event *e)
{
    fputs("  A: ", out);
    if (!params(out, e, "a."))
        fputs("(defaults)", out);
    fputs("\n  B: ", out);
    if (!params(out, e, "b."))
        fputs("(defaults)", out);
    fputc('\n', out);
}

static void split(FILE *out, const vmon_event *e)
{
    const char *a = field(e, "a.weight"), *b = field(e, "b.weight");
    if (!a && !b)
        return;
    double bw = b ? number(b) : 1.0 - number(a);
    double aw = a ? number(a) : 1.0 - bw;
    fprintf(out, "  traffic: A %.0f%% / B %.0f%%", 100.0 * aw, 100.0 * bw);
    const char *step = field(e, "step"), *steps = field(e, "steps");
    if (step) {
        fputs(" (step ", out);
        vmon_escape_fputs(step, out);
        fputs(steps ? " of " : "", out);
        vmon_escape_fputs(steps ? steps : "", out);
        fputc(')', out);
    }
    fputc('\n', out);
}

static void degradation(FILE *out, const vmon_event *e)
{
    figures(out, e, "  current:  ", "current.");
    figures(out, e, "  baseline: ", "baseline.");
    const char *ratio = field(e, "p95_ratio"), *drop = field(e, "qps_drop");
    if (ratio)
        fprintf(out, "  degradation: P95 up %.1fx\n", number(ratio));
    if (drop)
        fprintf(out, "  degradation: QPS down %.1f%%\n", 100.0 * number(drop));
}

static void verdict(FILE *out, const vmon_event *e)
{
    figures(out, e, "  A: ", "a.");
    figures(out, e, "  B: ", "b.");
    const char *change = field(e, "change_pct");
    if (change)
        fprintf(out, "  change: %+.1f%%\n", number(change));
    const char *v = field(e, "verdict");
    fputs("  verdict: ", out);
    vmon_escape_fputs(v ? v : "?", out);
    fputc('\n', out);
}

static void infeasible(FILE *out, const vmon_event *e)
{
    const char *target = field(e, "latency_target_ms"), *floor = field(e, "recall_floor");
    fputs("  no configuration meets P95 <= ", out);
    vmon_escape_fputs(target ? target : "?", out);
    fputs(" ms with recall >= ", out);
    vmon_escape_fputs(floor ? floor : "?", out);
    fputc('\n', out);
}

static void body(FILE *out, const vmon_event *e)
{
    switch (e->type) {
    case VMON_EVENT_BASELINE:
        figures(out, e, "  baseline: ", "baseline.");
        break;
    case VMON_EVENT_DEGRADATION:
        degradation(out, e);
        break;
    case VMON_EVENT_EXPERIMENT_START:
        arms(out, e);
        changes(out, e, "");
        split(out, e);
        break;
    case VMON_EVENT_RAMP_STEP:
        split(out, e);
        break;
    case VMON_EVENT_VERDICT:
        verdict(out, e);
        break;
    case VMON_EVENT_PROMOTION:
    case VMON_EVENT_RECOMMENDATION:
        changes(out, e, e->type == VMON_EVENT_PROMOTION ? "now " : "would set ");
        break;
    case VMON_EVENT_ROLLBACK:
        changes(out, e, "back from B: ");
        split(out, e);
        break;
    case VMON_EVENT_INFEASIBLE:
        infeasible(out, e);
        break;
    default:
        break;
    }
}

void format_event(FILE *out, const vmon_event *e)
{
    header(out, e);
    if (e->message && *e->message) {
        fputs("  ", out);
        vmon_escape_fputs(e->message, out);
        fputc('\n', out);
    }
    body(out, e);
    static const char *const trailing[] = {"recommendation", "reason", NULL};
    for (const char *const *t = trailing; *t; t++) {
        const char *v = field(e, *t);
        if (v) {
            fprintf(out, "  %s: ", *t);
            vmon_escape_fputs(v, out);
            fputc('\n', out);
        }
    }
}
