#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "notify.h"
#include "runtime_priv.h"
#include "strutil.h"

/* repeat and absent are checked this often (only when some rule uses them). */
#define TICK_MS 1000

void rt_enqueue(vmon_runtime *rt, work_item *w)
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

void rt_publish_batch(vmon_runtime *rt, long source, vmon_sample_batch *b)
{
    work_item *w = vmon_calloc(1, sizeof *w);
    w->batch = b;
    w->source = source;
    rt_enqueue(rt, w);
}

void rt_publish_alert(vmon_runtime *rt, long source, vmon_alert_event *ev, int resolve)
{
    work_item *w = vmon_calloc(1, sizeof *w);
    w->source = source;
    w->alert = ev;
    w->resolve = resolve;
    rt_enqueue(rt, w);
}

/* To each sink of the pipeline not yet `seen` (per instance; NULL: no dedup). */
void rt_push_to_sinks(vmon_runtime *rt, const vmon_plan_pipeline *pp, const vmon_alert *a,
                      unsigned char *seen)
{
    for (size_t s = 0; s < pp->n_sinks; s++) {
        int si = pp->sinks[s];
        vmon_delivery *d = rt_delivery(rt, (size_t)si);
        if (!d || (seen && seen[si]))
            continue;
        if (seen)
            seen[si] = 1;
        vmon_delivery_push_alert(d, vmon_alert_event_copy(a));
    }
}

typedef struct notify_ctx {
    vmon_runtime *rt;
    size_t pipeline;
    long source; /* the reading's instance; -1 for time-driven checks */
    const vmon_plan_rule *rule;
} notify_ctx;

static void on_rule_notify(void *arg, vmon_alert_event *ev)
{
    notify_ctx *nc = arg;
    int inhibitor = nc->rule && nc->rule->inhibits_target;
    if (!inhibitor && rt_inhibit_hold(nc->rt, nc->source, (long)nc->pipeline, ev))
        return;
    nc->rt->stats.alerts++;
    rt_push_to_sinks(nc->rt, nc->rt->pipelines[nc->pipeline].plan, &ev->a, NULL);
    /* After its own notification, so "reachable again" precedes what it releases. */
    if (inhibitor)
        rt_inhibit_mark(nc->rt, nc->source, (long)nc->pipeline, nc->rule, ev);
    vmon_alert_event_free(ev);
}

static void process_batch(vmon_runtime *rt, long source, vmon_sample_batch *b)
{
    if (b->n == 0) { /* a reading with nothing in it: only counted */
        for (size_t p = 0; p < rt->plan.n_pipelines; p++)
            if (rt_in_pipeline(rt, source, p))
                rt_coverage_reading(rt, source, p);
        return;
    }
    int64_t now = vmon_now_ms();
    unsigned char *seen = vmon_calloc(rt->plan.n_instances, 1);
    rt->stats.samples += b->n;
    for (size_t p = 0; p < rt->plan.n_pipelines; p++) {
        if (!rt_in_pipeline(rt, source, p))
            continue;
        rt_pipeline *rp = &rt->pipelines[p];
        for (size_t s = 0; s < rp->plan->n_sinks; s++) {
            int si = rp->plan->sinks[s];
            vmon_delivery *d = rt_delivery(rt, (size_t)si);
            if (!seen[si] && d)
                vmon_delivery_push_samples(d, b);
            seen[si] = 1;
        }
        notify_ctx nc = {rt, p, source, NULL};
        for (size_t r = 0; r < rp->plan->n_rules; r++) {
            nc.rule = rp->rules[r].rule;
            for (size_t i = 0; i < b->n; i++)
                if (vmon_rule_matches(rp->rules[r].rule, &b->samples[i]))
                    vmon_rule_observe(&rp->rules[r], &b->samples[i], now, on_rule_notify, &nc);
        }
        rt_coverage_reading(rt, source, p);
    }
    free(seen);
}

static void tick_rules(vmon_runtime *rt, int64_t now)
{
    for (size_t p = 0; p < rt->plan.n_pipelines; p++) {
        notify_ctx nc = {rt, p, -1, NULL};
        for (size_t r = 0; r < rt->pipelines[p].plan->n_rules; r++)
            vmon_rule_tick(&rt->pipelines[p].rules[r], now, on_rule_notify, &nc);
    }
}

void rt_report_self(vmon_runtime *rt)
{
    size_t n = rt->plan.n_instances;
    vmon_delivery **sinks = vmon_calloc(n ? n : 1, sizeof *sinks);
    for (size_t i = 0; i < n; i++)
        sinks[i] = rt_delivery(rt, i);
    vmon_sample_batch *b = vmon_batch_new("vmon");
    rt->stats.reloads = vmon_runtime_reloads();
    vmon_selfstats_fill(b, &rt->stats, sinks, n, vmon_now_ms());
    process_batch(rt, -1, b);
    vmon_batch_unref(b);
    free(sinks);
}

static void run_item(vmon_runtime *rt, work_item *w)
{
    if (w->batch) {
        process_batch(rt, w->source, w->batch);
        vmon_batch_unref(w->batch);
    } else if (w->alert->event) {
        rt_fan_out_event(rt, (size_t)w->pipeline, w->alert);
    } else {
        rt_process_plugin_alert(rt, w->source, w->alert, w->resolve);
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

/*
 * Sleep until work arrives, a rule needs its time check, vmond reports itself or
 * systemd's watchdog is due: this thread never waits on a plugin, a network or a
 * disk, so its pings say that readings are being processed.
 */
static void *rules_main(void *arg)
{
    vmon_runtime *rt = arg;
    const int64_t tick_ms = rules_need_ticks(rt) ? TICK_MS : rt->plan.self_interval_ms;
    const int64_t ping_ms = vmon_notify_watchdog_ms();
    int64_t next_tick = vmon_mono_ms() + tick_ms;
    int64_t next_ping = vmon_mono_ms();
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
        if (ping_ms > 0 && now >= next_ping) {
            vmon_notify_watchdog();
            next_ping = now + ping_ms;
        }
        if (now >= next_tick) {
            pthread_mutex_unlock(&rt->lock);
            tick_rules(rt, vmon_now_ms());
            if (rt->cycles == 0 && now >= rt->next_self_ms) {
                rt_report_self(rt);
                rt->next_self_ms = now + rt->plan.self_interval_ms;
            }
            pthread_mutex_lock(&rt->lock);
            next_tick = now + tick_ms;
            if (rt->cycles == 0 && rt->next_self_ms < next_tick)
                next_tick = rt->next_self_ms;
            continue;
        }
        struct timespec ts =
            vmon_deadline_from_ms(ping_ms > 0 && next_ping < next_tick ? next_ping : next_tick);
        pthread_cond_timedwait(&rt->wake, &rt->lock, &ts);
    }
    pthread_mutex_unlock(&rt->lock);
    return NULL;
}

int rt_start_rules(vmon_runtime *rt, char *err, size_t errlen)
{
    rt->next_self_ms = vmon_mono_ms() + rt->plan.self_interval_ms;
    rt->stopping_rules = 0;
    if (pthread_create(&rt->rules_thread, NULL, rules_main, rt) != 0) {
        snprintf(err, errlen, "cannot start the rules thread");
        return -1;
    }
    rt->rules_started = 1;
    return 0;
}

void rt_stop_rules(vmon_runtime *rt)
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

void rt_free_queue(vmon_runtime *rt)
{
    while (rt->head) {
        work_item *w = rt->head;
        rt->head = w->next;
        vmon_batch_unref(w->batch);
        vmon_alert_event_free(w->alert);
        free(w);
    }
    rt->tail = NULL;
}
