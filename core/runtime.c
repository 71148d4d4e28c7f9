#include "runtime.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_event.h"
#include "clock.h"
#include "delivery.h"
#include "instance.h"
#include "log.h"
#include "rules.h"
#include "sample_batch.h"
#include "selfstats.h"
#include "strutil.h"

/* repeat and absent are checked this often (only when some rule uses them). */
#define TICK_MS 1000

static atomic_uint_fast64_t reloads;

typedef struct probe_runner {
    vmon_runtime *rt;
    size_t index; /* instance index */
    pthread_t thread;
    int running;
    int64_t interval_ms, cap_ms;
    uint32_t failures;
    pthread_mutex_t lock; /* guards reading */
    vmon_sample_batch *reading;
} probe_runner;

typedef struct work_item {
    struct work_item *next;
    vmon_sample_batch *batch; /* a reading, or NULL for an alert */
    long source;              /* instance index; -1 for vmond itself */
    vmon_alert_event *alert;  /* a plugin alert (raise or resolve) */
    int resolve;
} work_item;

typedef struct active_alert {
    char *fingerprint;
    int64_t starts_at_ms;
} active_alert;

typedef struct rt_pipeline {
    const vmon_plan_pipeline *plan;
    vmon_rule_state *rules;
} rt_pipeline;

struct vmon_runtime {
    vmon_plan plan;
    vmon_instance **instances;
    vmon_delivery **deliveries; /* per instance; NULL except sinks */
    probe_runner **probes;      /* per instance; NULL except probes */
    unsigned char *member;      /* [instance * n_pipelines + pipeline] */
    rt_pipeline *pipelines;
    int64_t cycles;

    pthread_mutex_t lock;      /* guards the work queue, stop flags */
    pthread_cond_t wake;       /* the rules thread waits here */
    pthread_cond_t probe_wake; /* probe threads wait here between readings */
    work_item *head, *tail;
    int stopping_probes, stopping_rules, rules_started;
    pthread_t rules_thread;

    /* rules-thread only */
    active_alert *active;
    size_t n_active;
    int64_t next_self_ms;
    vmon_selfstats stats;
};

void vmon_runtime_count_reload(void)
{
    atomic_fetch_add(&reloads, 1);
}

const vmon_plan *vmon_runtime_plan(const vmon_runtime *rt)
{
    return &rt->plan;
}

static int in_pipeline(const vmon_runtime *rt, long inst, size_t p)
{
    return inst < 0 || rt->member[(size_t)inst * rt->plan.n_pipelines + p];
}

/* ---- the work queue (any thread -> rules thread) ---- */

static void enqueue(vmon_runtime *rt, work_item *w)
{
    pthread_mutex_lock(&rt->lock);
    if (rt->tail)
        rt->tail->next = w;
    else
        rt->head = w;
    rt->tail = w;
    pthread_cond_signal(&rt->wake);
    pthread_mutex_unlock(&rt->lock);
}

static void publish_batch(vmon_runtime *rt, long source, vmon_sample_batch *b)
{
    if (b->n == 0) {
        vmon_batch_unref(b);
        return;
    }
    work_item *w = vmon_calloc(1, sizeof *w);
    w->batch = b;
    w->source = source;
    enqueue(rt, w);
}

static long index_of(const vmon_runtime *rt, const vmon_instance *inst)
{
    for (size_t i = 0; i < rt->plan.n_instances; i++)
        if (rt->instances[i] == inst)
            return (long)i;
    return -1;
}

/* Samples of a probe join its current reading; others are published at once. */
static void on_emit(void *arg, vmon_instance *inst, const vmon_sample *s)
{
    vmon_runtime *rt = arg;
    long idx = index_of(rt, inst);
    probe_runner *pr = idx >= 0 ? rt->probes[idx] : NULL;
    if (pr) {
        pthread_mutex_lock(&pr->lock);
        if (!pr->reading)
            pr->reading = vmon_batch_new(inst->section);
        vmon_batch_add(pr->reading, s, inst->name, vmon_now_ms());
        pthread_mutex_unlock(&pr->lock);
        return;
    }
    vmon_sample_batch *b = vmon_batch_new(inst->section);
    vmon_batch_add(b, s, inst->name, vmon_now_ms());
    publish_batch(rt, idx, b);
}

static vmon_alert_event *event_from_spec(const vmon_instance *inst, const vmon_alert_spec *spec,
                                         int resolve, int64_t now)
{
    uint32_t n = spec->n_labels + 1;
    vmon_label *labels = vmon_calloc(n, sizeof *labels);
    if (spec->n_labels)
        memcpy(labels, spec->labels, spec->n_labels * sizeof *labels);
    labels[spec->n_labels] = (vmon_label){"instance", inst->name};
    vmon_label reason = {"reason", spec->message ? spec->message : ""};
    const char *component = vmon_kind_name(inst->kind);
    char *msg = vmon_asprintf("%s: %s", inst->log_source, spec->message ? spec->message : "");
    vmon_alert_event *ev =
        vmon_alert_event_new(spec->name, component, (int)spec->severity,
                             resolve ? VMON_ALERT_RESOLVED : VMON_ALERT_FIRING, labels, n, &reason,
                             1, msg, spec->value, NAN, now, resolve ? now : 0, 0);
    free(msg);
    free(labels);
    return ev;
}

static void on_alert(void *arg, vmon_instance *inst, const vmon_alert_spec *spec, int resolve)
{
    vmon_runtime *rt = arg;
    work_item *w = vmon_calloc(1, sizeof *w);
    w->source = index_of(rt, inst);
    w->alert = event_from_spec(inst, spec, resolve, vmon_now_ms());
    w->resolve = resolve;
    enqueue(rt, w);
}

/* ---- the rules thread ---- */

static void fan_out_alert(vmon_runtime *rt, long source, vmon_alert_event *ev)
{
    unsigned char *seen = vmon_calloc(rt->plan.n_instances, 1);
    rt->stats.alerts++;
    for (size_t p = 0; p < rt->plan.n_pipelines; p++) {
        if (!in_pipeline(rt, source, p))
            continue;
        const vmon_plan_pipeline *pp = rt->pipelines[p].plan;
        for (size_t s = 0; s < pp->n_sinks; s++) {
            int si = pp->sinks[s];
            if (seen[si] || !rt->deliveries[si])
                continue;
            seen[si] = 1;
            vmon_delivery_push_alert(rt->deliveries[si], vmon_alert_event_copy(&ev->a));
        }
    }
    free(seen);
    vmon_alert_event_free(ev);
}

typedef struct notify_ctx {
    vmon_runtime *rt;
    size_t pipeline;
} notify_ctx;

static void on_rule_notify(void *arg, vmon_alert_event *ev)
{
    notify_ctx *nc = arg;
    vmon_runtime *rt = nc->rt;
    const vmon_plan_pipeline *pp = rt->pipelines[nc->pipeline].plan;
    rt->stats.alerts++;
    for (size_t s = 0; s < pp->n_sinks; s++)
        if (rt->deliveries[pp->sinks[s]])
            vmon_delivery_push_alert(rt->deliveries[pp->sinks[s]], vmon_alert_event_copy(&ev->a));
    vmon_alert_event_free(ev);
}

static void process_batch(vmon_runtime *rt, long source, vmon_sample_batch *b)
{
    int64_t now = vmon_now_ms();
    unsigned char *seen = vmon_calloc(rt->plan.n_instances, 1);
    rt->stats.samples += b->n;
    for (size_t p = 0; p < rt->plan.n_pipelines; p++) {
        if (!in_pipeline(rt, source, p))
            continue;
        rt_pipeline *rp = &rt->pipelines[p];
        for (size_t s = 0; s < rp->plan->n_sinks; s++) {
            int si = rp->plan->sinks[s];
            if (!seen[si] && rt->deliveries[si])
                vmon_delivery_push_samples(rt->deliveries[si], b);
            seen[si] = 1;
        }
        notify_ctx nc = {rt, p};
        for (size_t r = 0; r < rp->plan->n_rules; r++)
            for (size_t i = 0; i < b->n; i++)
                if (vmon_rule_matches(rp->rules[r].rule, &b->samples[i]))
                    vmon_rule_observe(&rp->rules[r], &b->samples[i], now, on_rule_notify, &nc);
    }
    free(seen);
}

static active_alert *find_active(vmon_runtime *rt, const char *fp)
{
    for (size_t i = 0; i < rt->n_active; i++)
        if (strcmp(rt->active[i].fingerprint, fp) == 0)
            return &rt->active[i];
    return NULL;
}

/* Plugin alerts are deduplicated: raised once while firing, resolved once. */
static void process_plugin_alert(vmon_runtime *rt, long source, vmon_alert_event *ev, int resolve)
{
    active_alert *a = find_active(rt, ev->a.fingerprint);
    if (!resolve && !a) {
        rt->active = vmon_realloc(rt->active, (rt->n_active + 1) * sizeof *rt->active);
        rt->active[rt->n_active++] =
            (active_alert){vmon_strdup(ev->a.fingerprint), ev->a.starts_at_ms};
        fan_out_alert(rt, source, ev);
        return;
    }
    if (resolve && a) {
        /* Same notification identity as when it fired: start time of the firing. */
        vmon_alert_event *r = vmon_alert_event_new(
            ev->a.rule, ev->a.component, (int)ev->a.severity, VMON_ALERT_RESOLVED, ev->a.labels,
            ev->a.n_labels, ev->a.annotations, ev->a.n_annotations, ev->a.message, ev->a.value,
            ev->a.threshold, a->starts_at_ms, ev->a.ends_at_ms, 0);
        free(a->fingerprint);
        *a = rt->active[--rt->n_active];
        vmon_alert_event_free(ev);
        fan_out_alert(rt, source, r);
        return;
    }
    vmon_alert_event_free(ev);
}

static void tick_rules(vmon_runtime *rt, int64_t now)
{
    for (size_t p = 0; p < rt->plan.n_pipelines; p++) {
        notify_ctx nc = {rt, p};
        for (size_t r = 0; r < rt->pipelines[p].plan->n_rules; r++)
            vmon_rule_tick(&rt->pipelines[p].rules[r], now, on_rule_notify, &nc);
    }
}

static void report_self(vmon_runtime *rt)
{
    vmon_sample_batch *b = vmon_batch_new("vmon");
    rt->stats.reloads = atomic_load(&reloads);
    vmon_selfstats_fill(b, &rt->stats, rt->deliveries, rt->plan.n_instances, vmon_now_ms());
    process_batch(rt, -1, b);
    vmon_batch_unref(b);
}

static void run_item(vmon_runtime *rt, work_item *w)
{
    if (w->batch) {
        process_batch(rt, w->source, w->batch);
        vmon_batch_unref(w->batch);
    } else {
        process_plugin_alert(rt, w->source, w->alert, w->resolve);
    }
    free(w);
}

static int rules_need_ticks(const vmon_runtime *rt)
{
    for (size_t i = 0; i < rt->plan.n_rules; i++)
        if (rt->plan.rules[i].repeat_ms > 0 || rt->plan.rules[i].absent_ms > 0)
            return 1;
    return 0;
}

/* Sleep until work arrives, a rule needs its time check, or vmond reports itself. */
static void *rules_main(void *arg)
{
    vmon_runtime *rt = arg;
    const int64_t tick_ms = rules_need_ticks(rt) ? TICK_MS : rt->plan.self_interval_ms;
    int64_t next_tick = vmon_mono_ms() + tick_ms;
    pthread_mutex_lock(&rt->lock);
    for (;;) {
        if (rt->head) {
            work_item *w = rt->head;
            rt->head = w->next;
            if (!rt->head)
                rt->tail = NULL;
            pthread_mutex_unlock(&rt->lock);
            run_item(rt, w);
            pthread_mutex_lock(&rt->lock);
            continue;
        }
        if (rt->stopping_rules)
            break;
        int64_t now = vmon_mono_ms();
        if (now >= next_tick) {
            pthread_mutex_unlock(&rt->lock);
            tick_rules(rt, vmon_now_ms());
            if (rt->cycles == 0 && now >= rt->next_self_ms) {
                report_self(rt);
                rt->next_self_ms = now + rt->plan.self_interval_ms;
            }
            pthread_mutex_lock(&rt->lock);
            next_tick = now + tick_ms;
            if (rt->cycles == 0 && rt->next_self_ms < next_tick)
                next_tick = rt->next_self_ms;
            continue;
        }
        struct timespec ts = vmon_deadline_from_ms(next_tick);
        pthread_cond_timedwait(&rt->wake, &rt->lock, &ts);
    }
    pthread_mutex_unlock(&rt->lock);
    return NULL;
}

/* ---- probe threads ---- */

static void publish_reading(probe_runner *pr)
{
    pthread_mutex_lock(&pr->lock);
    vmon_sample_batch *b = pr->reading;
    pr->reading = NULL;
    pthread_mutex_unlock(&pr->lock);
    if (b)
        publish_batch(pr->rt, (long)pr->index, b);
}

static void probe_outcome(probe_runner *pr, int rc, const char *why)
{
    vmon_instance *inst = pr->rt->instances[pr->index];
    vmon_alert_spec spec = {.struct_size = sizeof spec,
                            .severity = VMON_SEV_WARNING,
                            .name = "probe_failed",
                            .message = why,
                            .value = NAN};
    if (rc == VMON_OK) {
        if (pr->failures) {
            vmon_log(VMON_LOGL_INFO, inst->log_source, "recovered after %u failure(s)",
                     pr->failures);
            spec.message = "recovered";
            on_alert(pr->rt, inst, &spec, 1);
        }
        pr->failures = 0;
        return;
    }
    pr->failures++;
    __atomic_add_fetch(&pr->rt->stats.probe_failures, 1, __ATOMIC_RELAXED);
    vmon_log(VMON_LOGL_WARNING, inst->log_source, "collect failed (status %d): %s", rc, why);
    on_alert(pr->rt, inst, &spec, 0);
}

/* Doubling from the interval on each failure, up to the cap; reset on success. */
static int64_t next_wait(const probe_runner *pr)
{
    int64_t wait = pr->interval_ms;
    for (uint32_t i = 0; i < pr->failures && wait < pr->cap_ms; i++)
        wait *= 2;
    return wait > pr->cap_ms && pr->failures ? pr->cap_ms : wait;
}

static void *probe_main(void *arg)
{
    probe_runner *pr = arg;
    vmon_runtime *rt = pr->rt;
    vmon_instance *inst = rt->instances[pr->index];
    const vmon_probe_ops *ops = inst->plugin->ops;
    for (int64_t cycle = 0; rt->cycles == 0 || cycle < rt->cycles; cycle++) {
        int64_t started = vmon_mono_ms();
        char why[512] = "";
        int rc = ops->collect(inst->ctx, why, sizeof why);
        publish_reading(pr);
        probe_outcome(pr, rc, why[0] ? why : "no reason given");
        if (rt->cycles && cycle + 1 >= rt->cycles)
            break;
        int64_t due = started + next_wait(pr);
        pthread_mutex_lock(&rt->lock);
        while (!rt->stopping_probes && vmon_mono_ms() < due) {
            struct timespec ts = vmon_deadline_from_ms(due);
            pthread_cond_timedwait(&rt->probe_wake, &rt->lock, &ts);
        }
        int stop = rt->stopping_probes;
        pthread_mutex_unlock(&rt->lock);
        if (stop)
            break;
    }
    return NULL;
}

/* ---- building, starting, stopping ---- */

/* A sink's own trouble (disabled, spool full) becomes an alert for the other sinks. */
static void on_sink_event(void *arg, const char *sink, const char *alert, const char *reason,
                          int resolve)
{
    vmon_runtime *rt = arg;
    for (size_t i = 0; i < rt->plan.n_instances; i++)
        if (rt->instances[i] && strcmp(rt->instances[i]->section, sink) == 0) {
            vmon_alert_spec spec = {.struct_size = sizeof spec,
                                    .severity = VMON_SEV_CRITICAL,
                                    .name = alert,
                                    .message = reason,
                                    .value = NAN};
            on_alert(rt, rt->instances[i], &spec, resolve);
        }
}

static void compute_membership(vmon_runtime *rt)
{
    size_t np = rt->plan.n_pipelines;
    rt->member = vmon_calloc(rt->plan.n_instances * np, 1);
    for (size_t p = 0; p < np; p++) {
        const vmon_plan_pipeline *pp = &rt->plan.pipelines[p];
        int singles[] = {pp->target, pp->tuner, pp->router};
        for (size_t i = 0; i < 3; i++)
            if (singles[i] >= 0)
                rt->member[(size_t)singles[i] * np + p] = 1;
        for (size_t i = 0; i < pp->n_probes; i++) {
            rt->member[(size_t)pp->probes[i] * np + p] = 1;
            int t = rt->plan.instances[pp->probes[i]].target;
            if (t >= 0)
                rt->member[(size_t)t * np + p] = 1;
        }
        for (size_t i = 0; i < pp->n_sinks; i++)
            rt->member[(size_t)pp->sinks[i] * np + p] = 1;
    }
}

static void init_pipelines(vmon_runtime *rt)
{
    int64_t now = vmon_now_ms();
    rt->pipelines = vmon_calloc(rt->plan.n_pipelines, sizeof *rt->pipelines);
    for (size_t p = 0; p < rt->plan.n_pipelines; p++) {
        rt_pipeline *rp = &rt->pipelines[p];
        rp->plan = &rt->plan.pipelines[p];
        rp->rules = vmon_calloc(rp->plan->n_rules, sizeof *rp->rules);
        for (size_t r = 0; r < rp->plan->n_rules; r++)
            vmon_rule_init(&rp->rules[r], &rt->plan.rules[rp->plan->rules[r]], now);
    }
}

/* Targets first: probes and tuners reach them from their create(). */
static int create_instances(vmon_runtime *rt, char *err, size_t errlen)
{
    vmon_instance_hooks hooks = {.emit = on_emit, .alert = on_alert, .arg = rt};
    size_t n = rt->plan.n_instances;
    rt->instances = vmon_calloc(n, sizeof *rt->instances);
    for (size_t i = 0; i < n; i++) {
        vmon_plan_instance *pi = &rt->plan.instances[i];
        rt->instances[i] = vmon_instance_new(pi->kind, pi->name, pi->plugin, &pi->values, hooks);
    }
    for (size_t i = 0; i < n; i++)
        if (rt->plan.instances[i].target >= 0)
            rt->instances[i]->target = rt->instances[rt->plan.instances[i].target];
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            int is_target = rt->plan.instances[i].kind == VMON_KIND_TARGET;
            if (is_target != (pass == 0))
                continue;
            if (vmon_instance_create(rt->instances[i], err, errlen) < 0 ||
                vmon_instance_start(rt->instances[i], err, errlen) < 0)
                return -1;
        }
    return 0;
}

static int start_deliveries(vmon_runtime *rt, char *err, size_t errlen)
{
    rt->deliveries = vmon_calloc(rt->plan.n_instances, sizeof *rt->deliveries);
    for (size_t i = 0; i < rt->plan.n_instances; i++) {
        if (rt->plan.instances[i].kind != VMON_KIND_SINK)
            continue;
        rt->deliveries[i] = vmon_delivery_start(rt->instances[i], on_sink_event, rt, err, errlen);
        if (!rt->deliveries[i])
            return -1;
    }
    return 0;
}

vmon_runtime *vmon_runtime_new(vmon_plan *plan, char *err, size_t errlen)
{
    vmon_runtime *rt = vmon_calloc(1, sizeof *rt);
    rt->plan = *plan;
    memset(plan, 0, sizeof *plan);
    pthread_mutex_init(&rt->lock, NULL);
    vmon_cond_init_monotonic(&rt->wake);
    vmon_cond_init_monotonic(&rt->probe_wake);
    rt->stats.started_ms = vmon_now_ms();
    compute_membership(rt);
    init_pipelines(rt);
    rt->probes = vmon_calloc(rt->plan.n_instances, sizeof *rt->probes);
    if (create_instances(rt, err, errlen) < 0 || start_deliveries(rt, err, errlen) < 0) {
        vmon_runtime_stop(rt);
        return NULL;
    }
    return rt;
}

static probe_runner *make_runner(vmon_runtime *rt, size_t i)
{
    probe_runner *pr = vmon_calloc(1, sizeof *pr);
    pr->rt = rt;
    pr->index = i;
    pr->interval_ms = vmon_instance_value(rt->instances[i], "interval")->i;
    pr->cap_ms = vmon_instance_value(rt->instances[i], "backoff_cap")->i;
    if (pr->cap_ms < pr->interval_ms)
        pr->cap_ms = pr->interval_ms;
    pthread_mutex_init(&pr->lock, NULL);
    return pr;
}

int vmon_runtime_start(vmon_runtime *rt, int64_t cycles, char *err, size_t errlen)
{
    rt->cycles = cycles;
    rt->next_self_ms = vmon_mono_ms() + rt->plan.self_interval_ms;
    if (pthread_create(&rt->rules_thread, NULL, rules_main, rt) != 0) {
        snprintf(err, errlen, "cannot start the rules thread");
        return -1;
    }
    rt->rules_started = 1;
    for (size_t i = 0; i < rt->plan.n_instances; i++) {
        if (rt->plan.instances[i].kind != VMON_KIND_PROBE)
            continue;
        rt->probes[i] = make_runner(rt, i);
        if (pthread_create(&rt->probes[i]->thread, NULL, probe_main, rt->probes[i]) != 0) {
            snprintf(err, errlen, "cannot start the thread of %s", rt->instances[i]->section);
            return -1;
        }
        rt->probes[i]->running = 1;
    }
    return 0;
}

static void join_probes(vmon_runtime *rt)
{
    for (size_t i = 0; i < rt->plan.n_instances; i++)
        if (rt->probes[i] && rt->probes[i]->running) {
            pthread_join(rt->probes[i]->thread, NULL);
            rt->probes[i]->running = 0;
        }
}

static void stop_rules(vmon_runtime *rt)
{
    if (!rt->rules_started)
        return;
    pthread_mutex_lock(&rt->lock);
    rt->stopping_rules = 1;
    pthread_cond_broadcast(&rt->wake);
    pthread_mutex_unlock(&rt->lock);
    pthread_join(rt->rules_thread, NULL);
    rt->rules_started = 0;
}

void vmon_runtime_finish_cycles(vmon_runtime *rt)
{
    join_probes(rt);
    /* The rules thread drains its queue before it stops; then vmond reports itself. */
    stop_rules(rt);
    report_self(rt);
}

static void stop_probes(vmon_runtime *rt)
{
    pthread_mutex_lock(&rt->lock);
    rt->stopping_probes = 1;
    pthread_cond_broadcast(&rt->probe_wake);
    pthread_mutex_unlock(&rt->lock);
    /* Plugins make in-flight collects return soon (their stop op). */
    for (size_t i = 0; i < rt->plan.n_instances; i++)
        if (rt->probes[i] && rt->instances[i])
            vmon_instance_stop(rt->instances[i]);
    join_probes(rt);
}

static void stop_deliveries(vmon_runtime *rt)
{
    if (!rt->deliveries)
        return;
    unsigned char *abandoned = vmon_calloc(rt->plan.n_instances, 1);
    vmon_delivery_stop_all(rt->deliveries, rt->plan.n_instances, rt->plan.shutdown_timeout_ms,
                           abandoned);
    for (size_t i = 0; i < rt->plan.n_instances; i++) {
        if (abandoned[i])
            rt->instances[i] = NULL; /* its thread destroys it when the call returns */
        rt->deliveries[i] = NULL;
    }
    free(abandoned);
}

static void free_runtime(vmon_runtime *rt)
{
    for (size_t i = 0; i < rt->plan.n_instances; i++) {
        if (rt->probes[i]) {
            vmon_batch_unref(rt->probes[i]->reading);
            pthread_mutex_destroy(&rt->probes[i]->lock);
            free(rt->probes[i]);
        }
    }
    for (size_t p = 0; p < rt->plan.n_pipelines && rt->pipelines; p++) {
        for (size_t r = 0; r < rt->pipelines[p].plan->n_rules; r++)
            vmon_rule_free(&rt->pipelines[p].rules[r]);
        free(rt->pipelines[p].rules);
    }
    while (rt->head) {
        work_item *w = rt->head;
        rt->head = w->next;
        vmon_batch_unref(w->batch);
        vmon_alert_event_free(w->alert);
        free(w);
    }
    for (size_t i = 0; i < rt->n_active; i++)
        free(rt->active[i].fingerprint);
    free(rt->active);
    free(rt->pipelines);
    free(rt->probes);
    free(rt->deliveries);
    free(rt->instances);
    free(rt->member);
    pthread_cond_destroy(&rt->wake);
    pthread_cond_destroy(&rt->probe_wake);
    pthread_mutex_destroy(&rt->lock);
    vmon_plan_free(&rt->plan);
    free(rt);
}

void vmon_runtime_quiesce(vmon_runtime *rt)
{
    stop_probes(rt);
    stop_rules(rt);
}

static rt_pipeline *find_pipeline(vmon_runtime *rt, const char *name)
{
    for (size_t p = 0; p < rt->plan.n_pipelines; p++)
        if (strcmp(rt->pipelines[p].plan->name, name) == 0)
            return &rt->pipelines[p];
    return NULL;
}

void vmon_runtime_adopt(vmon_runtime *to, vmon_runtime *from)
{
    for (size_t p = 0; p < to->plan.n_pipelines; p++) {
        rt_pipeline *np = &to->pipelines[p], *op = find_pipeline(from, np->plan->name);
        for (size_t r = 0; op && r < np->plan->n_rules; r++)
            for (size_t q = 0; q < op->plan->n_rules; q++)
                if (vmon_rule_same_condition(np->rules[r].rule, op->rules[q].rule))
                    vmon_rule_adopt(&np->rules[r], &op->rules[q]);
    }
    /* Plugin alerts are keyed by fingerprint (name + labels), which survives a reload. */
    free(to->active);
    to->active = from->active;
    to->n_active = from->n_active;
    from->active = NULL;
    from->n_active = 0;
}

void vmon_runtime_stop(vmon_runtime *rt)
{
    if (!rt)
        return;
    vmon_runtime_quiesce(rt);
    stop_deliveries(rt);
    /* Sinks first (they may still hold target handles of nobody), then the rest. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; rt->instances && i < rt->plan.n_instances; i++) {
            vmon_instance *inst = rt->instances[i];
            if (!inst || (inst->kind == VMON_KIND_TARGET) != (pass == 1))
                continue;
            vmon_instance_destroy(inst);
            rt->instances[i] = NULL;
        }
    free_runtime(rt);
}
