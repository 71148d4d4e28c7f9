#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "runtime_priv.h"
#include "strutil.h"

void rt_probe_add(probe_runner *pr, const vmon_instance *inst, const vmon_sample *sample)
{
    pthread_mutex_lock(&pr->lock);
    if (!pr->reading)
        pr->reading = vmon_batch_new(inst->section);
    vmon_batch_add(pr->reading, sample, inst->name, vmon_now_ms());
    pthread_mutex_unlock(&pr->lock);
}

/* An empty reading is published too: the rules thread counts readings (rule_coverage.c). */
static void publish_reading(probe_runner *pr)
{
    pthread_mutex_lock(&pr->lock);
    vmon_sample_batch *b = pr->reading;
    pr->reading = NULL;
    pthread_mutex_unlock(&pr->lock);
    rt_slot_publish(pr->slot, b ? b : vmon_batch_new(pr->slot->inst->section));
}

static void count_failure(rt_slot *s)
{
    pthread_mutex_lock(&s->lock);
    __atomic_add_fetch(&s->rt->stats.probe_failures, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&s->lock);
}

static void probe_outcome(probe_runner *pr, int rc, const char *why)
{
    vmon_instance *inst = pr->slot->inst;
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
            rt_slot_alert(pr->slot, &spec, 1);
        }
        pr->failures = 0;
        return;
    }
    /* A failure said once at warning; its repeats at debug until the reason changes. */
    int repeat = pr->failures && pr->last_rc == rc && strcmp(pr->last_why, why) == 0;
    pr->failures++;
    count_failure(pr->slot);
    if (repeat)
        vmon_log(VMON_LOGL_DEBUG, inst->log_source,
                 "collect failed again (status %d, %u in a row): %s", rc, pr->failures, why);
    else
        vmon_log(VMON_LOGL_WARNING, inst->log_source, "collect failed (status %d): %s%s", rc, why,
                 pr->failures > 1 ? "" : " (said once; repeats are logged at debug)");
    pr->last_rc = rc;
    snprintf(pr->last_why, sizeof pr->last_why, "%s", why);
    rt_slot_alert(pr->slot, &spec, 0);
}

/* Doubling from the interval on each failure, up to the cap; reset on success. */
static int64_t next_wait(const probe_runner *pr)
{
    int64_t wait = pr->interval_ms;
    for (uint32_t i = 0; i < pr->failures && wait < pr->cap_ms; i++)
        wait *= 2;
    return wait > pr->cap_ms && pr->failures ? pr->cap_ms : wait;
}

/* Waits until `due` or a stop; returns 1 when asked to stop. */
static int wait_next(probe_runner *pr, int64_t due)
{
    pthread_mutex_lock(&pr->lock);
    while (!pr->stopping && vmon_mono_ms() < due) {
        struct timespec ts = vmon_deadline_from_ms(due);
        pthread_cond_timedwait(&pr->wake, &pr->lock, &ts);
    }
    int stop = pr->stopping;
    pthread_mutex_unlock(&pr->lock);
    return stop;
}

static void *probe_main(void *arg)
{
    probe_runner *pr = arg;
    vmon_instance *inst = pr->slot->inst;
    const vmon_probe_ops *ops = inst->plugin->ops;
    for (int64_t cycle = 0; pr->cycles == 0 || cycle < pr->cycles; cycle++) {
        int64_t started = vmon_mono_ms();
        char why[512] = "";
        int rc = ops->collect(inst->ctx, why, sizeof why);
        publish_reading(pr);
        probe_outcome(pr, rc, why[0] ? why : "no reason given");
        if (pr->cycles && cycle + 1 >= pr->cycles)
            break;
        if (wait_next(pr, started + next_wait(pr)))
            break;
    }
    return NULL;
}

probe_runner *rt_probe_start(rt_slot *s, int64_t cycles, char *err, size_t errlen)
{
    probe_runner *pr = vmon_calloc(1, sizeof *pr);
    pr->slot = s;
    pr->cycles = cycles;
    pr->interval_ms = vmon_instance_value(s->inst, "interval")->i;
    pr->cap_ms = vmon_instance_value(s->inst, "backoff_cap")->i;
    if (pr->cap_ms < pr->interval_ms)
        pr->cap_ms = pr->interval_ms;
    pthread_mutex_init(&pr->lock, NULL);
    vmon_cond_init_monotonic(&pr->wake);
    pthread_mutex_lock(&s->lock);
    s->probe = pr;
    pthread_mutex_unlock(&s->lock);
    if (pthread_create(&pr->thread, NULL, probe_main, pr) != 0) {
        snprintf(err, errlen, "cannot start the thread of %s", s->inst->section);
        return NULL;
    }
    pr->running = 1;
    return pr;
}

void rt_probe_signal_stop(probe_runner *pr)
{
    pthread_mutex_lock(&pr->lock);
    pr->stopping = 1;
    pthread_cond_broadcast(&pr->wake);
    pthread_mutex_unlock(&pr->lock);
    /* Plugins make in-flight collects return soon (their stop op). */
    if (pr->running)
        vmon_instance_stop(pr->slot->inst);
}

void rt_probe_join(probe_runner *pr)
{
    if (pr->running)
        pthread_join(pr->thread, NULL);
    pr->running = 0;
}

void rt_probe_free(probe_runner *pr)
{
    vmon_batch_unref(pr->reading);
    pthread_cond_destroy(&pr->wake);
    pthread_mutex_destroy(&pr->lock);
    free(pr);
}
