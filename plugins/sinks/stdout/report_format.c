#include "report_format.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "alert_json.h"
#include "escape.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Two decimals, except that a short time is not shown as 0.00. */
static void format_duration(double v, const char *unit, char *buf, size_t len)
{
    if (v == 0 || fabs(v) >= 0.01)
        snprintf(buf, len, "%.2f %s", v, unit);
    else if (fabs(v) >= 0.001)
        snprintf(buf, len, "%.3f %s", v, unit);
    else
        snprintf(buf, len, "< 0.001 %s", unit);
}

void format_sample_value(const char *name, double v, char *buf, size_t len)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    if (!isfinite(v)) {
        snprintf(buf, len, "n/a");
    } else if (ends_with(name, "_bytes")) {
        int u = 0;
        while (fabs(v) >= 1024 && u < 4)
            v /= 1024, u++;
        snprintf(buf, len, u ? "%.2f %s" : "%.0f %s", v, units[u]);
    } else if (ends_with(name, "_percent")) {
        snprintf(buf, len, "%.1f %%", v);
    } else if (ends_with(name, "_per_second")) {
        snprintf(buf, len, fabs(v) >= 100 ? "%.0f /s" : "%.2f /s", v);
    } else if (ends_with(name, "_ms")) {
        format_duration(v, "ms", buf, len);
    } else if (ends_with(name, "_seconds")) {
        format_duration(v, "s", buf, len);
    } else {
        /* %g turns a million rows into 1e+06: whole digits up to where doubles stay exact. */
        snprintf(buf, len, fabs(v) >= 1e6 && fabs(v) < 1e15 ? "%.0f" : "%.6g", v);
    }
}

static void format_labels(FILE *out, const vmon_label *l, uint32_t n, const char *skip)
{
    int first = 1;
    for (uint32_t i = 0; i < n; i++) {
        if (skip && strcmp(l[i].name, skip) == 0)
            continue;
        fprintf(out, "%s%s=\"", first ? "{" : ",", l[i].name);
        vmon_escape_fputs(l[i].value, out);
        fputc('"', out);
        first = 0;
    }
    if (!first)
        fputc('}', out);
}

void format_report(FILE *out, const char *source, const vmon_sample *s, uint32_t n)
{
    char when[VMON_RFC3339_SIZE];
    vmon_format_rfc3339(n ? s[0].time_ms : 0, when, sizeof when);
    fprintf(out, "==== %s  %s ====\n", source, when);
    format_report_lines(out, s, n);
}

void format_report_lines(FILE *out, const vmon_sample *s, uint32_t n)
{
    /* One value column per block, even when a name is longer than usual. */
    int width = 36;
    for (uint32_t i = 0; i < n; i++)
        if ((int)strlen(s[i].name) > width)
            width = (int)strlen(s[i].name);
    for (uint32_t i = 0; i < n; i++) {
        /* A histogram shows as its _sum and _count; its buckets are for exporters. */
        if (s[i].type == VMON_SAMPLE_HISTOGRAM_BUCKET)
            continue;
        char value[64];
        format_sample_value(s[i].name, s[i].value, value, sizeof value);
        fprintf(out, "  %-*s %14s", width, s[i].name, value);
        /* `instance` is the report's own source; show only the other labels. */
        if (s[i].n_labels > 1 ||
            (s[i].n_labels == 1 && strcmp(s[i].labels[0].name, "instance") != 0))
            fputs("  ", out);
        format_labels(out, s[i].labels, s[i].n_labels, "instance");
        fputc('\n', out);
    }
}

void format_alert_line(FILE *out, const vmon_alert *a)
{
    char when[VMON_RFC3339_SIZE];
    vmon_format_rfc3339(a->state == VMON_ALERT_RESOLVED ? a->ends_at_ms : a->starts_at_ms, when,
                        sizeof when);
    fprintf(out, "[%s] %s %s %s: ", a->state == VMON_ALERT_RESOLVED ? "RESOLVED" : "FIRING", when,
            vmon_severity_name(a->severity), a->rule);
    vmon_escape_fputs(a->message, out);
    fputc(' ', out);
    format_labels(out, a->labels, a->n_labels, "alertname");
    if (a->repeat)
        fprintf(out, " (repeat %u)", a->repeat);
    for (uint32_t i = 0; i < a->n_annotations; i++) {
        fprintf(out, "\n    %s: ", a->annotations[i].name);
        vmon_escape_fputs(a->annotations[i].value, out);
    }
    fputc('\n', out);
}
