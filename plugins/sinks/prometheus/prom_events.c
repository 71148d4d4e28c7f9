/*
 * The tuning loop's events as the vmon_tuning_* families (docs/sinks.md,
 * "Tuning"). Every series carries `pipeline` and `collection`; the event's
 * `experiment` number is left out, so the series of one loop are a fixed
 * handful whatever it does:
 *
 *   tuning.param{arm, param}      each search parameter of A, and of B while
 *                                 an experiment runs (B's go when it ends)
 *   tuning.arm_weight{arm}        the traffic share of A and B (B 0 outside)
 *   tuning.experiment_running     1 while an experiment runs (paused too)
 *   tuning.experiment_paused      1 while an operator holds it
 *   tuning.ramp_step              the experiment's step, 1-based; 0 outside
 *   tuning.baseline_p95_ms, tuning.baseline_qps   the last baseline
 *   tuning.verdicts_total{verdict}  the judge's verdicts (the four made at 0)
 *   tuning.events_total{type}       events received, by type
 *
 * The figures are the loop's state as of its last decision: their source
 * never goes stale. Their series count in max_series.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "event_names.h"
#include "prom_store.h"
#include "prom_store_priv.h"

#define TUNING_SOURCE "event:tuning" /* never a probe's (`probe:NAME`) or vmond's (`vmon`) */
/* Parameters taken per arm from one event (a target names a handful). */
#define MAX_PARAMS 8

/* The verdicts an event can carry; another value is counted as "other". */
static const char *const verdicts[] = {"advance", "promote", "keep", "rollback"};

/* Fields under an arm's prefix that are figures, not search parameters. */
static const char *const arm_figures[] = {"weight",     "count",        "errors",      "mean_ms",
                                          "p95_ms",     "p99_ms",       "qps",         "recall",
                                          "recall_low", "recall_exact", "recall_truth"};

#define N_OF(a) (sizeof(a) / sizeof *(a))

static const char *const doc_param =
    "Search parameter of the tuning loop's arm (a: current; b: the candidate, while an "
    "experiment runs)";
static const char *const doc_weight = "Traffic share of the tuning loop's arm (0..1)";
static const char *const doc_running = "1 while a tuning experiment runs (paused or not)";
static const char *const doc_paused = "1 while an operator holds the tuning experiment";
static const char *const doc_step = "Ramp step of the running tuning experiment, 1-based; 0: none";
static const char *const doc_p95 = "p95 latency (ms) of the tuning loop's last baseline";
static const char *const doc_qps = "QPS of the tuning loop's last baseline";
static const char *const doc_verdicts = "Verdicts of the tuning loop's judge";
static const char *const doc_events = "Tuning loop events received, by type";

/* One event being applied: its identity labels and where its series go. */
typedef struct applier {
    prom_store *s;
    const vmon_event *e;
    size_t src;
    int64_t now_ms;
    const char *pipeline, *collection;
} applier;

static const char *label_of(const vmon_event *e, const char *name)
{
    for (uint32_t i = 0; e->labels && i < e->n_labels; i++)
        if (e->labels[i].name && strcmp(e->labels[i].name, name) == 0)
            return e->labels[i].value;
    return NULL;
}

static const char *field(const vmon_event *e, const char *name)
{
    for (uint32_t i = 0; e->fields && i < e->n_fields; i++)
        if (e->fields[i].name && e->fields[i].value && strcmp(e->fields[i].name, name) == 0)
            return e->fields[i].value;
    return NULL;
}

/* A finite number and nothing else. */
static int number(const char *text, double *out)
{
    if (!text || !*text)
        return 0;
    char *end = NULL;
    double v = strtod(text, &end);
    if (*end || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

static int field_number(const vmon_event *e, const char *name, double *out)
{
    return number(field(e, name), out);
}

/* The sample of one series: `name` with pipeline, collection and one more label (or none). */
static vmon_sample sample(const applier *a, vmon_label *l, const char *name, uint32_t type,
                          const char *k1, const char *v1, const char *k2, const char *v2)
{
    uint32_t n = 0;
    l[n++] = (vmon_label){"pipeline", a->pipeline};
    l[n++] = (vmon_label){"collection", a->collection};
    if (k1)
        l[n++] = (vmon_label){k1, v1};
    if (k2)
        l[n++] = (vmon_label){k2, v2};
    return (vmon_sample){
        .struct_size = sizeof(vmon_sample), .name = name, .labels = l, .n_labels = n, .type = type};
}

static void set2(const applier *a, const char *name, const char *doc, const char *k1,
                 const char *v1, const char *k2, const char *v2, double value)
{
    vmon_label l[4];
    vmon_sample x = sample(a, l, name, VMON_SAMPLE_GAUGE, k1, v1, k2, v2);
    x.value = value;
    prom_store_put_locked(a->s, a->src, &x, doc, a->now_ms);
}

static void set(const applier *a, const char *name, const char *doc, double value)
{
    set2(a, name, doc, NULL, NULL, NULL, NULL, value);
}

/* Add `by` to the counter `name{key=value}` (made at 0 when new). */
static void count(const applier *a, const char *name, const char *doc, const char *key,
                  const char *value, double by)
{
    vmon_label l[4];
    vmon_sample x = sample(a, l, name, VMON_SAMPLE_COUNTER, key, value, NULL, NULL);
    double now = 0;
    prom_store_value_locked(a->s, &x, &now);
    x.value = now + by;
    prom_store_put_locked(a->s, a->src, &x, doc, a->now_ms);
}

/* The search parameter named by field `i` under `prefix` ("a." / "b."), else NULL. */
static const char *param_of(const vmon_event *e, uint32_t i, const char *prefix, double *value)
{
    const char *name = e->fields[i].name;
    size_t k = strlen(prefix);
    if (!name || strncmp(name, prefix, k) != 0 || !name[k] || strlen(name + k) > 32)
        return NULL;
    for (size_t f = 0; f < N_OF(arm_figures); f++)
        if (strcmp(name + k, arm_figures[f]) == 0)
            return NULL;
    return number(e->fields[i].value, value) ? name + k : NULL;
}

/* The parameters the event gives under `from` become arm `arm`'s. */
static void params(const applier *a, const char *from, const char *arm)
{
    uint32_t n = 0;
    for (uint32_t i = 0; a->e->fields && i < a->e->n_fields && n < MAX_PARAMS; i++) {
        double v = 0;
        const char *p = param_of(a->e, i, from, &v);
        if (p) {
            set2(a, "tuning.param", doc_param, "arm", arm, "param", p, v);
            n++;
        }
    }
}

/* B's parameter series named by the event's `b.*` fields go. */
static void drop_b(const applier *a)
{
    for (uint32_t i = 0; a->e->fields && i < a->e->n_fields; i++) {
        double v = 0;
        const char *p = param_of(a->e, i, "b.", &v);
        if (p) {
            vmon_label l[4];
            vmon_sample x = sample(a, l, "tuning.param", VMON_SAMPLE_GAUGE, "arm", "b", "param", p);
            prom_store_remove_locked(a->s, &x);
        }
    }
}

static void weights(const applier *a, double wa, double wb)
{
    set2(a, "tuning.arm_weight", doc_weight, "arm", "a", NULL, NULL, wa);
    set2(a, "tuning.arm_weight", doc_weight, "arm", "b", NULL, NULL, wb);
}

/* The weights the event gives (B's alone means A has the rest). */
static void event_weights(const applier *a)
{
    double wa = 1, wb = 0;
    int has_b = field_number(a->e, "b.weight", &wb);
    int has_a = field_number(a->e, "a.weight", &wa);
    if (has_b)
        weights(a, has_a ? wa : 1 - wb, wb);
    else if (has_a)
        weights(a, wa, 1 - wa);
}

/* An experiment runs; `paused` 0 or 1, or -1: as it was (0 when not known yet). */
static void running(const applier *a, int paused)
{
    set(a, "tuning.experiment_running", doc_running, 1);
    vmon_label l[4];
    vmon_sample held =
        sample(a, l, "tuning.experiment_paused", VMON_SAMPLE_GAUGE, NULL, NULL, NULL, NULL);
    double was = 0;
    if (paused >= 0 || !prom_store_value_locked(a->s, &held, &was))
        set(a, "tuning.experiment_paused", doc_paused, paused >= 0 ? paused : was);
    double step;
    if (field_number(a->e, "step", &step))
        set(a, "tuning.ramp_step", doc_step, step);
    event_weights(a);
    params(a, "a.", "a");
    params(a, "b.", "b");
}

/* No experiment: B's parameters go, A has all the traffic. */
static void idle(const applier *a)
{
    drop_b(a);
    set(a, "tuning.experiment_running", doc_running, 0);
    set(a, "tuning.experiment_paused", doc_paused, 0);
    set(a, "tuning.ramp_step", doc_step, 0);
    weights(a, 1, 0);
}

static void verdict(const applier *a)
{
    const char *v = field(a->e, "verdict");
    const char *name = "other";
    for (size_t i = 0; v && i < N_OF(verdicts); i++)
        if (strcmp(v, verdicts[i]) == 0)
            name = verdicts[i];
    count(a, "tuning.verdicts_total", doc_verdicts, "verdict", name, 1);
    if (v && (strcmp(v, "keep") == 0 || strcmp(v, "rollback") == 0 || strcmp(v, "promote") == 0)) {
        params(a, "a.", "a");
        idle(a); /* keep ends it here; rollback and promotion events follow */
    } else {
        running(a, -1);
    }
}

static void apply(const applier *a)
{
    const vmon_event *e = a->e;
    double v = 0;
    switch (e->type) {
    case VMON_EVENT_BASELINE:
        params(a, "a.", "a");
        if (field_number(e, "baseline.p95_ms", &v))
            set(a, "tuning.baseline_p95_ms", doc_p95, v);
        if (field_number(e, "baseline.qps", &v))
            set(a, "tuning.baseline_qps", doc_qps, v);
        idle(a);
        break;
    case VMON_EVENT_DEGRADATION:
    case VMON_EVENT_RECOMMENDATION: /* B there is advice; no experiment runs */
        params(a, "a.", "a");
        break;
    case VMON_EVENT_EXPERIMENT_START:
        set(a, "tuning.ramp_step", doc_step, 1);
        running(a, 0);
        break;
    case VMON_EVENT_RAMP_STEP:
        running(a, -1);
        break;
    case VMON_EVENT_PAUSE:
        running(a, 1);
        break;
    case VMON_EVENT_RESUME: {
        /* After a restart or reload a held experiment may still be held: only the operator's
         * resume says it is not. */
        const char *why = field(e, "reason");
        running(a, why && strcmp(why, "operator") == 0 ? 0 : -1);
        break;
    }
    case VMON_EVENT_VERDICT:
        verdict(a);
        break;
    case VMON_EVENT_PROMOTION:
        idle(a);
        params(a, "b.", "a"); /* B's parameters are A's now */
        break;
    case VMON_EVENT_ROLLBACK:
        /* With b.weight it ends an experiment; without, it undoes a promotion: B (the previous
         * parameters) is A again. */
        idle(a);
        params(a, field(e, "b.weight") ? "a." : "b.", "a");
        break;
    case VMON_EVENT_ABORT:
        idle(a);
        params(a, "a.", "a");
        break;
    default: /* infeasible, and types of later cores: counted only */
        break;
    }
}

void prom_store_event(prom_store *s, const vmon_event *e, int64_t now_ms)
{
    if (!e)
        return;
    const char *pipeline = e->pipeline ? e->pipeline : label_of(e, "pipeline");
    const char *collection = label_of(e, "collection");
    prom_store_lock(s);
    size_t src = prom_store_source_locked(s, TUNING_SOURCE, 1);
    if (src != (size_t)-1) {
        applier a = {.s = s,
                     .e = e,
                     .src = src,
                     .now_ms = now_ms,
                     .pipeline = pipeline ? pipeline : "",
                     .collection = collection ? collection : ""};
        const char *type = vmon_event_type_name(e->type);
        if (!type)
            type = "other";
        count(&a, "tuning.events_total", doc_events, "type", type, 1);
        for (size_t i = 0; i < N_OF(verdicts); i++)
            count(&a, "tuning.verdicts_total", doc_verdicts, "verdict", verdicts[i], 0);
        apply(&a);
    }
    prom_store_unlock(s);
}
