#include "rule_export.h"

#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "export_quote.h"
#include "kinds.h"
#include "labels.h"
#include "prom_name.h"
#include "severity.h"
#include "strutil.h"

#define WHY_MAX 512

/* The metric's selector: the mapped name and `match` as equality matchers. */
static char *selector(const vmon_plan_rule *r)
{
    char *s = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&s, &len);
    char *name = prom_metric_name(r->metric, strlen(r->metric));
    fputs(name, f);
    free(name);
    for (size_t i = 0; i < r->n_match; i++) {
        char *l = prom_stored_label_name(r->match[i].name);
        fprintf(f, "%s%s=", i ? "," : "{", l);
        vmon_promql_quote(f, r->match[i].value);
        free(l);
    }
    if (r->n_match)
        fputc('}', f);
    fclose(f);
    return s;
}

/* `sel > above`, `sel < below` or both, the thresholds moved by `shift`. */
static void condition(FILE *f, const vmon_plan_rule *r, const char *sel, double shift)
{
    char num[40];
    if (r->has_above) {
        vmon_number_format(r->above - shift, num, sizeof num);
        fprintf(f, "%s > %s", sel, num);
    }
    if (r->has_below) {
        vmon_number_format(r->below + shift, num, sizeof num);
        fprintf(f, "%s%s < %s", r->has_above ? " or " : "", sel, num);
    }
}

/*
 * The threshold expression. With hysteresis a firing alert stays firing
 * while the value is within the hysteresis of the threshold: the alert's own
 * ALERTS series (alertstate="firing", the labels of the previous
 * evaluation) holds the wider condition.
 */
static char *threshold_expr(const vmon_plan_rule *r, const char *sel)
{
    char *s = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&s, &len);
    condition(f, r, sel, 0);
    if (r->hysteresis > 0) {
        fputs(" or (", f);
        if (r->has_above && r->has_below)
            fputc('(', f);
        condition(f, r, sel, r->hysteresis);
        if (r->has_above && r->has_below)
            fputc(')', f);
        fputs(" and ignoring(alertname, alertstate, severity", f);
        for (size_t i = 0; i < r->n_labels; i++) {
            char *l = prom_label_name(r->labels[i].name);
            fprintf(f, ", %s", l);
            free(l);
        }
        fputs(") ALERTS{alertname=", f);
        vmon_promql_quote(f, r->name);
        fputs(", alertstate=\"firing\"})", f);
    }
    fclose(f);
    return s;
}

/* vmon's message fields as Prometheus template text (rules.c render_message). */
static char *template_text(const vmon_plan_rule *r, const char *tmpl)
{
    char *s = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&s, &len);
    char num[40], num2[40];
    for (const char *p = tmpl; *p; p++) {
        const char *end = *p == '{' ? strchr(p, '}') : NULL;
        if (!end) {
            char one[2] = {*p, 0};
            vmon_template_literal(f, one);
            continue;
        }
        char *name = vmon_strndup(p + 1, (size_t)(end - p - 1));
        if (strcmp(name, "rule") == 0) {
            vmon_template_literal(f, r->name);
        } else if (strcmp(name, "metric") == 0) {
            vmon_template_literal(f, r->metric);
        } else if (strcmp(name, "severity") == 0) {
            vmon_template_literal(f, vmon_severity_name((uint32_t)r->severity));
        } else if (strcmp(name, "value") == 0) {
            fputs("{{ $value | printf \"%.4g\" }}", f);
        } else if (strcmp(name, "threshold") == 0) {
            if (r->has_above && r->has_below) {
                /* Below the lower threshold, that one was crossed; else the upper one. */
                vmon_number_format(r->below, num2, sizeof num2);
                fprintf(f, "{{ if lt $value %s }}%.4g{{ else }}%.4g{{ end }}", num2, r->below,
                        r->above);
            } else {
                snprintf(num, sizeof num, "%.4g", r->has_above ? r->above : r->below);
                fputs(num, f);
            }
        } else if (vmon_valid_label_name(name)) {
            char *l = prom_stored_label_name(name);
            fprintf(f, "{{ $labels.%s }}", l);
            free(l);
        } else {
            vmon_template_literal(f, "{");
            vmon_template_literal(f, name);
            fputc('}', f);
        }
        free(name);
        p = end;
    }
    fclose(f);
    return s;
}

/* The same default text vmond sends when a rule has no `message` (rules.c). */
static char *default_template(const vmon_plan_rule *r, int absent)
{
    if (absent)
        return vmon_asprintf("no {metric} sample for %.0fs from {instance}",
                             (double)r->absent_ms / 1000.0);
    return vmon_asprintf("{metric} = {value} %s {threshold} ({instance})",
                         r->has_above && r->has_below ? "past"
                         : r->has_above               ? "above"
                                                      : "below");
}

static void format_duration(int64_t ms, char *buf, size_t len)
{
    if (ms % 1000 == 0)
        snprintf(buf, len, "%llds", (long long)(ms / 1000));
    else
        snprintf(buf, len, "%lldms", (long long)ms);
}

static int in_list(const int *idx, size_t n, int want)
{
    for (size_t i = 0; i < n; i++)
        if (idx[i] == want)
            return 1;
    return 0;
}

/*
 * The interval between the readings `for` counts: vmond's self_interval for
 * its own `vmon.*` figures, else that of the probes of the pipelines that
 * run the rule (those whose plugin is the metric's component, if any is).
 * Returns -1 with `why` when there is none or they differ.
 */
static int64_t reading_interval(const vmon_plan *plan, size_t rule, char *src, size_t srclen,
                                char *why, size_t whylen)
{
    const vmon_plan_rule *r = &plan->rules[rule];
    const char *dot = strchr(r->metric, '.');
    size_t clen = dot ? (size_t)(dot - r->metric) : strlen(r->metric);
    if (clen == 4 && strncmp(r->metric, "vmon", 4) == 0) {
        snprintf(src, srclen, "[daemon] self_interval");
        return plan->self_interval_ms;
    }
    for (int pass = 0; pass < 2; pass++) {
        int64_t found = -1;
        src[0] = 0;
        for (size_t p = 0; p < plan->n_pipelines; p++) {
            const vmon_plan_pipeline *pl = &plan->pipelines[p];
            if (!in_list(pl->rules, pl->n_rules, (int)rule))
                continue;
            for (size_t k = 0; k < pl->n_probes; k++) {
                const vmon_plan_instance *in = &plan->instances[pl->probes[k]];
                const char *plug = in->plugin->desc.name;
                if (pass == 0 && (strlen(plug) != clen || strncmp(plug, r->metric, clen) != 0))
                    continue;
                const vmon_value *iv = vmon_values_get(&in->values, "interval");
                int64_t ms = iv ? iv->i : -1;
                char d[32];
                format_duration(ms, d, sizeof d);
                if (found >= 0 && ms != found) {
                    snprintf(why, whylen,
                             "`for = %lld` counts readings, and the probes that may read %s do so "
                             "at different intervals (%s %s, ...)",
                             (long long)r->for_count, r->metric, in->section, d);
                    return -1;
                }
                if (found < 0)
                    snprintf(src, srclen, "%s", in->section);
                found = ms;
            }
        }
        if (found >= 0)
            return found;
    }
    snprintf(why, whylen,
             "`for = %lld` counts readings, and no pipeline runs it with a probe whose interval "
             "would give their spacing",
             (long long)r->for_count);
    return -1;
}

/* A label of the rule that Prometheus would take for one of its own. */
static const char *label_clash(const vmon_plan_rule *r)
{
    for (size_t i = 0; i < r->n_labels; i++) {
        char *l = prom_label_name(r->labels[i].name);
        int clash = strcmp(l, "severity") == 0 || strcmp(l, "alertname") == 0;
        free(l);
        if (clash)
            return r->labels[i].name;
    }
    return NULL;
}

static void comment(FILE *out, const char *indent, const char *text)
{
    fputs(indent, out);
    fputs("# ", out);
    vmon_escape_fputs(text, out);
    fputc('\n', out);
}

/* severity and label.X; their values are literal text (Prometheus expands templates there). */
static void write_labels(FILE *out, const vmon_plan_rule *r)
{
    fputs("        labels:\n          severity: ", out);
    vmon_yaml_quote(out, vmon_severity_name((uint32_t)r->severity));
    fputc('\n', out);
    for (size_t i = 0; i < r->n_labels; i++) {
        char *name = prom_label_name(r->labels[i].name);
        char *v = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&v, &len);
        vmon_template_literal(f, r->labels[i].value);
        fclose(f);
        fprintf(out, "          %s: ", name);
        vmon_yaml_quote(out, v);
        fputc('\n', out);
        free(v);
        free(name);
    }
}

static void write_rule(FILE *out, const vmon_plan_rule *r, const char *expr, int64_t for_ms,
                       int absent)
{
    fputs("      - alert: ", out);
    char *alert = absent && (r->has_above || r->has_below) ? vmon_asprintf("%s_absent", r->name)
                                                           : vmon_strdup(r->name);
    vmon_yaml_quote(out, alert);
    free(alert);
    fputs("\n        expr: ", out);
    vmon_yaml_quote(out, expr);
    fputc('\n', out);
    if (for_ms > 0) {
        char d[32];
        format_duration(for_ms, d, sizeof d);
        fprintf(out, "        for: %s\n", d);
    }
    write_labels(out, r);
    char *dflt = default_template(r, absent);
    char *summary = template_text(r, r->message ? r->message : dflt);
    fputs("        annotations:\n          summary: ", out);
    vmon_yaml_quote(out, summary);
    fputc('\n', out);
    free(summary);
    free(dflt);
    for (size_t i = 0; i < r->n_annotations; i++) {
        if (strcmp(r->annotations[i].name, "summary") == 0)
            continue; /* written above; an explicit one wins, as at the webhook sink */
        char *name = prom_label_name(r->annotations[i].name);
        char *v = template_text(r, r->annotations[i].value);
        fprintf(out, "          %s: ", name);
        vmon_yaml_quote(out, v);
        fputc('\n', out);
        free(v);
        free(name);
    }
}

/* One rule, with comments on how it was carried over; returns 1 when it was skipped. */
static size_t export_rule(const vmon_plan *plan, size_t i, FILE *out, FILE *err)
{
    const vmon_plan_rule *r = &plan->rules[i];
    char why[WHY_MAX] = "", src[256] = "", line[WHY_MAX + 128];
    int thresholds = r->has_above || r->has_below;
    int64_t for_ms = 0, interval = 0;
    const char *clash = label_clash(r);
    if (clash)
        snprintf(why, sizeof why, "label.%s would replace the `%s` label Prometheus sets", clash,
                 strcmp(clash, "alertname") == 0 ? "alertname" : "severity");
    else if (thresholds && r->for_count > 1 &&
             (interval = reading_interval(plan, i, src, sizeof src, why, sizeof why)) >= 0)
        for_ms = (r->for_count - 1) * interval;
    if (why[0]) {
        snprintf(line, sizeof line, "skipped [rule:%s]: %s", r->name, why);
        comment(out, "      ", line);
        if (err)
            fprintf(err, "vmond: %s\n", line);
        return 1;
    }
    snprintf(line, sizeof line, "[rule:%s]", r->name);
    comment(out, "      ", line);
    char *sel = selector(r);
    if (thresholds) {
        if (r->for_count > 1) {
            char d[32], f[32];
            format_duration(interval, d, sizeof d);
            format_duration(for_ms, f, sizeof f);
            snprintf(line, sizeof line,
                     "for = %lld readings, %s apart (%s): the first and %lld more past the "
                     "threshold span %s",
                     (long long)r->for_count, d, src, (long long)r->for_count - 1, f);
            comment(out, "      ", line);
        }
        if (r->hysteresis > 0) {
            char h[40];
            vmon_number_format(r->hysteresis, h, sizeof h);
            snprintf(line, sizeof line,
                     "hysteresis = %s: once firing it stays firing until the value is %s back "
                     "inside (through ALERTS)",
                     h, h);
            comment(out, "      ", line);
        }
    }
    if (r->repeat_ms > 0)
        comment(out, "      ", "repeat: Alertmanager's repeat_interval decides re-notification");
    if (r->inhibits_target)
        comment(out, "      ", "inhibits_target: an Alertmanager inhibit_rules entry does that");
    if (thresholds) {
        char *expr = threshold_expr(r, sel);
        write_rule(out, r, expr, for_ms, 0);
        free(expr);
    }
    if (r->absent_ms > 0) {
        if (thresholds) /* two alerts of one name and labels would be one series to Prometheus */
            comment(out, "      ", "absent: an alert of its own, NAME_absent");
        char *expr = vmon_asprintf("absent(%s)", sel);
        write_rule(out, r, expr, r->absent_ms, 1);
        free(expr);
    }
    free(sel);
    return 0;
}

size_t vmon_rules_export(const vmon_plan *plan, const char *source, FILE *out, FILE *err)
{
    char line[1024];
    snprintf(line, sizeof line,
             "Prometheus alerting rules written by `vmond --export-rules` from %s.",
             source ? source : "(config)");
    comment(out, "", line);
    static const char *const head[] = {
        "Metrics as the prometheus sink exposes them (`proxy.search_latency_p95_ms` is",
        "vmon_proxy_search_latency_p95_ms); vmon's `instance` and `job` labels as Prometheus",
        "stores them when it scrapes with honor_labels: false (exported_instance, exported_job).",
        "vmon's `for` counts consecutive readings; here it is a duration: (for - 1) x the",
        "interval of the probe that reads the metric. Alerts fire up to one scrape and one",
        "evaluation interval later than in vmond; `absent` adds the two probe intervals after",
        "which the sink stops exposing a series.",
        NULL};
    for (const char *const *h = head; *h; h++)
        comment(out, "", *h);
    fputs("groups:\n  - name: vmon\n    rules:\n", out);
    size_t skipped = 0, written = 0;
    for (size_t i = 0; i < plan->n_rules; i++) {
        size_t s = export_rule(plan, i, out, err);
        skipped += s;
        written += !s;
    }
    if (!written)
        fputs("      []\n", out);
    return skipped;
}
