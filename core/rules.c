#include "rules.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample_batch.h"
#include "schema.h"
#include "severity.h"
#include "strutil.h"

struct vmon_series {
    uint64_t fp;
    vmon_label *labels; /* owned, sorted */
    uint32_t n_labels;
    int firing;
    int absent_firing; /* firing because samples stopped */
    int placeholder;   /* stands for a metric never seen (absent rules) */
    int64_t breaches;  /* consecutive evaluations past the threshold */
    int64_t last_seen_ms;
    int64_t fired_at_ms;
    int64_t notified_ms;
    uint32_t repeats;
    double value, threshold;
};

void vmon_rule_init(vmon_rule_state *rs, const vmon_plan_rule *rule, int64_t now_ms)
{
    memset(rs, 0, sizeof *rs);
    rs->rule = rule;
    rs->started_ms = now_ms;
}

int vmon_rule_matches(const vmon_plan_rule *rule, const vmon_sample *s)
{
    if (strcmp(rule->metric, s->name) != 0)
        return 0;
    for (size_t i = 0; i < rule->n_match; i++) {
        const char *v = vmon_sample_label(s, rule->match[i].name);
        if (!v || strcmp(v, rule->match[i].value) != 0)
            return 0;
    }
    return 1;
}

static vmon_series *find_series(vmon_rule_state *rs, const vmon_label *labels, uint32_t n)
{
    uint64_t fp = vmon_fingerprint(rs->rule->name, labels, n);
    for (size_t i = 0; i < rs->n_series; i++)
        if (rs->series[i].fp == fp)
            return &rs->series[i];
    if (rs->n_series == rs->cap_series) {
        rs->cap_series = rs->cap_series ? rs->cap_series * 2 : 4;
        rs->series = vmon_realloc(rs->series, rs->cap_series * sizeof *rs->series);
    }
    vmon_series *se = &rs->series[rs->n_series++];
    memset(se, 0, sizeof *se);
    se->fp = fp;
    se->n_labels = n;
    se->labels = vmon_calloc(n, sizeof *se->labels);
    for (uint32_t i = 0; i < n; i++) {
        se->labels[i].name = vmon_strdup(labels[i].name);
        se->labels[i].value = vmon_strdup(labels[i].value);
    }
    return se;
}

/* Expand {rule} {metric} {value} {threshold} {severity} {component} {LABEL}. */
static char *render_message(const vmon_plan_rule *r, const vmon_series *se, const char *tmpl)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    for (const char *p = tmpl; *p; p++) {
        const char *end = *p == '{' ? strchr(p, '}') : NULL;
        if (!end) {
            fputc(*p, f);
            continue;
        }
        char *name = vmon_strndup(p + 1, (size_t)(end - p - 1));
        const vmon_sample probe = {.labels = se->labels, .n_labels = se->n_labels};
        const char *label = vmon_sample_label(&probe, name);
        if (strcmp(name, "rule") == 0)
            fputs(r->name, f);
        else if (strcmp(name, "metric") == 0)
            fputs(r->metric, f);
        else if (strcmp(name, "value") == 0)
            fprintf(f, "%.4g", se->value);
        else if (strcmp(name, "threshold") == 0)
            fprintf(f, "%.4g", se->threshold);
        else if (strcmp(name, "severity") == 0)
            fputs(vmon_severity_name((uint32_t)r->severity), f);
        else if (label)
            fputs(label, f);
        else
            fprintf(f, "{%s}", name);
        free(name);
        p = end;
    }
    fclose(f);
    return out;
}

static char *default_message(const vmon_plan_rule *r, const vmon_series *se, int resolved)
{
    const vmon_sample probe = {.labels = se->labels, .n_labels = se->n_labels};
    const char *inst = vmon_sample_label(&probe, "instance");
    if (se->absent_firing)
        return vmon_asprintf("no %s sample for %.0fs%s%s", r->metric, (double)r->absent_ms / 1000.0,
                             inst ? " from " : "", inst ? inst : "");
    const char *dir = se->value > se->threshold ? "above" : "below";
    return vmon_asprintf("%s = %.4g %s %.4g%s%s%s", r->metric, se->value,
                         resolved ? "back from" : dir, se->threshold, inst ? " (" : "",
                         inst ? inst : "", inst ? ")" : "");
}

static void notify_series(vmon_rule_state *rs, vmon_series *se, int state, int64_t now_ms,
                          vmon_notify_fn notify, void *arg)
{
    const vmon_plan_rule *r = rs->rule;
    uint32_t n = se->n_labels + (uint32_t)r->n_labels;
    vmon_label *labels = vmon_calloc(n, sizeof *labels);
    memcpy(labels, se->labels, se->n_labels * sizeof *labels);
    for (size_t i = 0; i < r->n_labels; i++)
        labels[se->n_labels + i] = (vmon_label){r->labels[i].name, r->labels[i].value};
    vmon_label *ann = vmon_calloc(r->n_annotations, sizeof *ann);
    for (size_t i = 0; i < r->n_annotations; i++)
        ann[i] = (vmon_label){r->annotations[i].name, r->annotations[i].value};
    char *msg = r->message && state == VMON_ALERT_FIRING
                    ? render_message(r, se, r->message)
                    : default_message(r, se, state == VMON_ALERT_RESOLVED);
    const char *dot = strchr(r->metric, '.');
    char *component =
        dot ? vmon_strndup(r->metric, (size_t)(dot - r->metric)) : vmon_strdup(r->metric);
    vmon_alert_event *ev = vmon_alert_event_new(
        r->name, component, r->severity, state, labels, n, ann, (uint32_t)r->n_annotations, msg,
        se->absent_firing ? NAN : se->value, se->absent_firing ? NAN : se->threshold,
        se->fired_at_ms, state == VMON_ALERT_RESOLVED ? now_ms : 0,
        state == VMON_ALERT_FIRING ? se->repeats : 0);
    free(component);
    free(msg);
    free(ann);
    free(labels);
    se->notified_ms = now_ms;
    notify(arg, ev);
}

/* Past the threshold? Sets the threshold the value is compared against. */
static int breaching(const vmon_plan_rule *r, double v, double *threshold)
{
    if (r->has_above && v > r->above)
        return (void)(*threshold = r->above), 1;
    if (r->has_below && v < r->below)
        return (void)(*threshold = r->below), 1;
    return 0;
}

/* Back inside the threshold by at least the hysteresis? */
static int recovered(const vmon_plan_rule *r, double v)
{
    if (r->has_above && v > r->above - r->hysteresis)
        return 0;
    if (r->has_below && v < r->below + r->hysteresis)
        return 0;
    return 1;
}

static void fire(vmon_rule_state *rs, vmon_series *se, int64_t now_ms, vmon_notify_fn notify,
                 void *arg)
{
    se->firing = 1;
    se->fired_at_ms = now_ms;
    se->repeats = 0;
    notify_series(rs, se, VMON_ALERT_FIRING, now_ms, notify, arg);
}

static void resolve(vmon_rule_state *rs, vmon_series *se, int64_t now_ms, vmon_notify_fn notify,
                    void *arg)
{
    notify_series(rs, se, VMON_ALERT_RESOLVED, now_ms, notify, arg);
    se->firing = 0;
    se->absent_firing = 0;
    se->breaches = 0;
}

static void free_series(vmon_series *se)
{
    for (uint32_t j = 0; j < se->n_labels; j++) {
        free((char *)se->labels[j].name);
        free((char *)se->labels[j].value);
    }
    free(se->labels);
}

/* The metric arrived after all: the stand-in for "never seen" resolves and goes. */
static void drop_placeholder(vmon_rule_state *rs, int64_t now_ms, vmon_notify_fn notify, void *arg)
{
    for (size_t i = 0; i < rs->n_series; i++) {
        vmon_series *se = &rs->series[i];
        if (!se->placeholder)
            continue;
        if (se->firing)
            resolve(rs, se, now_ms, notify, arg);
        free_series(se);
        rs->series[i] = rs->series[--rs->n_series];
        return;
    }
}

void vmon_rule_observe(vmon_rule_state *rs, const vmon_sample *s, int64_t now_ms,
                       vmon_notify_fn notify, void *arg)
{
    const vmon_plan_rule *r = rs->rule;
    rs->seen = 1;
    drop_placeholder(rs, now_ms, notify, arg);
    vmon_series *se = find_series(rs, s->labels, s->n_labels);
    se->last_seen_ms = now_ms;
    if (se->absent_firing)
        resolve(rs, se, now_ms, notify, arg);
    if (!r->has_above && !r->has_below)
        return;
    double threshold = NAN;
    int breach = isfinite(s->value) && breaching(r, s->value, &threshold);
    se->value = s->value;
    if (se->firing) {
        if (!breach && recovered(r, s->value))
            resolve(rs, se, now_ms, notify, arg);
        return;
    }
    se->breaches = breach ? se->breaches + 1 : 0;
    if (breach) {
        se->threshold = threshold;
        if (se->breaches >= r->for_count)
            fire(rs, se, now_ms, notify, arg);
    }
}

static void check_absent(vmon_rule_state *rs, int64_t now_ms, vmon_notify_fn notify, void *arg)
{
    const vmon_plan_rule *r = rs->rule;
    if (rs->n_series == 0 && now_ms - rs->started_ms >= r->absent_ms) {
        /* Never seen: stand for it with the labels the rule matches on. */
        vmon_label *l = vmon_calloc(r->n_match, sizeof *l);
        for (size_t i = 0; i < r->n_match; i++)
            l[i] = (vmon_label){r->match[i].name, r->match[i].value};
        vmon_labels_sort(l, (uint32_t)r->n_match);
        vmon_series *se = find_series(rs, l, (uint32_t)r->n_match);
        free(l);
        se->last_seen_ms = rs->started_ms;
        se->placeholder = 1;
    }
    for (size_t i = 0; i < rs->n_series; i++) {
        vmon_series *se = &rs->series[i];
        if (se->firing || now_ms - se->last_seen_ms < r->absent_ms)
            continue;
        se->absent_firing = 1;
        fire(rs, se, now_ms, notify, arg);
    }
}

void vmon_rule_tick(vmon_rule_state *rs, int64_t now_ms, vmon_notify_fn notify, void *arg)
{
    const vmon_plan_rule *r = rs->rule;
    if (r->absent_ms > 0)
        check_absent(rs, now_ms, notify, arg);
    if (r->repeat_ms <= 0)
        return;
    for (size_t i = 0; i < rs->n_series; i++) {
        vmon_series *se = &rs->series[i];
        if (se->firing && now_ms - se->notified_ms >= r->repeat_ms) {
            se->repeats++;
            notify_series(rs, se, VMON_ALERT_FIRING, now_ms, notify, arg);
        }
    }
}

void vmon_rule_resolutions(vmon_rule_state *rs, int64_t now_ms, vmon_notify_fn notify, void *arg)
{
    for (size_t i = 0; i < rs->n_series; i++)
        if (rs->series[i].firing)
            notify_series(rs, &rs->series[i], VMON_ALERT_RESOLVED, now_ms, notify, arg);
}

static int same_kvs(const vmon_kv *a, size_t na, const vmon_kv *b, size_t nb)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i].name, b[i].name) != 0 || strcmp(a[i].value, b[i].value) != 0)
            return 0;
    return 1;
}

int vmon_rule_same_condition(const vmon_plan_rule *a, const vmon_plan_rule *b)
{
    return strcmp(a->name, b->name) == 0 && strcmp(a->metric, b->metric) == 0 &&
           same_kvs(a->match, a->n_match, b->match, b->n_match) &&
           same_kvs(a->labels, a->n_labels, b->labels, b->n_labels) &&
           a->has_above == b->has_above && a->has_below == b->has_below &&
           (!a->has_above || a->above == b->above) && (!a->has_below || a->below == b->below) &&
           a->for_count == b->for_count && a->hysteresis == b->hysteresis &&
           a->absent_ms == b->absent_ms && a->severity == b->severity &&
           a->inhibits_target == b->inhibits_target;
}

void vmon_rule_adopt(vmon_rule_state *to, vmon_rule_state *from)
{
    vmon_rule_free(to);
    to->series = from->series;
    to->n_series = from->n_series;
    to->cap_series = from->cap_series;
    to->started_ms = from->started_ms;
    to->seen = from->seen;
    to->never_warned = from->never_warned;
    from->series = NULL;
    from->n_series = from->cap_series = 0;
}

void vmon_rule_free(vmon_rule_state *rs)
{
    for (size_t i = 0; i < rs->n_series; i++)
        free_series(&rs->series[i]);
    free(rs->series);
    rs->series = NULL;
    rs->n_series = rs->cap_series = 0;
}
