#include "delivery.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert_json.h"
#include "clock.h"
#include "instance.h"
#include "log.h"
#include "strutil.h"

#define MAX_SAMPLE_BATCHES 64

struct vmon_delivery {
    vmon_instance *sink;
    const vmon_sink_ops *ops;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_cond_t idle;
    vmon_alert_event *head, *tail;
    size_t n_alerts;
    vmon_sample_batch *bhead, *btail;
    size_t n_batches;
    int stopping, finished, in_call, detached;
    int64_t stop_deadline_ms;
    int64_t next_attempt_ms;
    uint32_t min_severity, batch_max, queue_max, want_samples;
    int64_t linger_ms, retry_base_ms, retry_cap_ms, retry_limit;
    const char *dead_letter;
    vmon_delivery_stats stats;
    vmon_sink_disabled_fn on_disable;
    void *on_disable_arg;
    unsigned int rand_state;
};

const char *vmon_delivery_name(const vmon_delivery *d)
{
    return d->sink->section;
}

static void read_settings(vmon_delivery *d)
{
    vmon_instance *s = d->sink;
    d->min_severity = (uint32_t)vmon_instance_value(s, "min_severity")->i;
    d->want_samples = vmon_instance_value(s, "samples")->i && d->ops->on_samples;
    d->queue_max = (uint32_t)vmon_instance_value(s, "queue_max")->i;
    d->batch_max = (uint32_t)vmon_instance_value(s, "batch_max")->i;
    if (d->ops->max_batch < d->batch_max)
        d->batch_max = d->ops->max_batch ? d->ops->max_batch : 1;
    d->linger_ms = vmon_instance_value(s, "batch_linger")->i;
    d->retry_base_ms = vmon_instance_value(s, "retry_base")->i;
    d->retry_cap_ms = vmon_instance_value(s, "retry_cap")->i;
    d->retry_limit = vmon_instance_value(s, "retry_limit")->i;
    const vmon_value *dl = vmon_instance_value(s, "dead_letter");
    d->dead_letter = dl ? dl->text : NULL;
}

/* Full jitter: uniform in [0, min(cap, base * 2^attempt)]. */
static int64_t backoff_ms(vmon_delivery *d, uint32_t attempt)
{
    double ceiling = (double)d->retry_base_ms * ldexp(1.0, attempt > 40 ? 40 : (int)attempt);
    if (ceiling > (double)d->retry_cap_ms)
        ceiling = (double)d->retry_cap_ms;
    return (int64_t)(ceiling * ((double)rand_r(&d->rand_state) / (double)RAND_MAX));
}

static void write_dead_letter(vmon_delivery *d, const vmon_alert *a, const char *reason)
{
    vmon_log(VMON_LOGL_ERROR, d->sink->log_source, "giving up on alert %s (%s, %s): %s%s%s",
             a->rule, a->fingerprint, vmon_state_name(a->state), reason,
             d->dead_letter ? "; written to " : "", d->dead_letter ? d->dead_letter : "");
    if (!d->dead_letter)
        return;
    FILE *f = fopen(d->dead_letter, "a");
    if (!f) {
        vmon_log(VMON_LOGL_ERROR, d->sink->log_source, "cannot open dead-letter file %s: %m",
                 d->dead_letter);
        return;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "sink", json_object_new_string(d->sink->section));
    json_object_object_add(o, "reason", json_object_new_string(reason));
    json_object_object_add(o, "time_ms", json_object_new_int64(vmon_now_ms()));
    json_object_object_add(o, "alert", vmon_alert_to_json(a));
    fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    fclose(f);
}

static void free_chain(vmon_alert_event *e)
{
    while (e) {
        vmon_alert_event *next = e->next;
        vmon_alert_event_free(e);
        e = next;
    }
}

/* Take up to batch_max alerts off the head (lock held). */
static vmon_alert_event *take_batch(vmon_delivery *d, uint32_t *n)
{
    vmon_alert_event *first = d->head, *last = d->head;
    *n = 1;
    while (*n < d->batch_max && last->next) {
        last = last->next;
        (*n)++;
    }
    d->head = last->next;
    if (!d->head)
        d->tail = NULL;
    last->next = NULL;
    d->n_alerts -= *n;
    return first;
}

/* Put a failed batch back at the head, keeping order (lock held). */
static void requeue_front(vmon_delivery *d, vmon_alert_event *batch, uint32_t n)
{
    vmon_alert_event *last = batch;
    while (last->next)
        last = last->next;
    last->next = d->head;
    d->head = batch;
    if (!d->tail)
        d->tail = last;
    d->n_alerts += n;
}

static void handle_result(vmon_delivery *d, int rc, vmon_alert_event *batch, uint32_t n,
                          const vmon_delivery_result *res)
{
    if (!batch)
        return;
    if (rc == VMON_OK) {
        d->stats.delivered += n;
        free_chain(batch);
        return;
    }
    if (rc == VMON_RETRY && !res->disable) {
        uint32_t attempts = ++batch->attempts;
        if (d->retry_limit < 0 || attempts <= (uint32_t)d->retry_limit) {
            int64_t wait = backoff_ms(d, attempts - 1);
            if (res->retry_after_ms > wait)
                wait =
                    res->retry_after_ms > d->retry_cap_ms ? d->retry_cap_ms : res->retry_after_ms;
            d->stats.retries++;
            vmon_log(VMON_LOGL_WARNING, d->sink->log_source,
                     "delivery of %u alert(s) failed (%s); retry %u in %lld ms", n,
                     res->detail[0] ? res->detail : "retry later", attempts, (long long)wait);
            d->next_attempt_ms = vmon_mono_ms() + wait;
            requeue_front(d, batch, n);
            return;
        }
    }
    char reason[320];
    snprintf(reason, sizeof reason, "%s%s",
             rc == VMON_RETRY && !res->disable ? "retry limit reached: " : "",
             res->detail[0] ? res->detail : "permanent failure");
    for (vmon_alert_event *e = batch; e; e = e->next)
        write_dead_letter(d, &e->a, reason);
    d->stats.failed += n;
    d->stats.dead_lettered += n;
    free_chain(batch);
    if (res->disable && !d->stats.disabled) {
        d->stats.disabled = 1;
        vmon_log(VMON_LOGL_ERROR, d->sink->log_source,
                 "sink disabled: the receiver says it is gone (%s); fix its config and reload",
                 reason);
        if (d->on_disable)
            d->on_disable(d->on_disable_arg, d->sink->section, reason);
    }
}

static void deliver_batch(vmon_delivery *d)
{
    uint32_t n;
    vmon_alert_event *batch = take_batch(d, &n);
    d->in_call = 1;
    pthread_mutex_unlock(&d->lock);
    vmon_alert *arr = vmon_calloc(n, sizeof *arr);
    size_t i = 0;
    for (vmon_alert_event *e = batch; e; e = e->next)
        arr[i++] = e->a;
    vmon_delivery_result res = {.struct_size = sizeof res};
    int rc = d->stats.disabled ? VMON_ERROR : d->ops->deliver(d->sink->ctx, arr, n, &res);
    if (d->stats.disabled)
        snprintf(res.detail, sizeof res.detail, "sink is disabled");
    free(arr);
    pthread_mutex_lock(&d->lock);
    d->in_call = 0;
    handle_result(d, rc, batch, n, &res);
}

static void deliver_samples(vmon_delivery *d)
{
    vmon_sample_batch *b = d->bhead;
    d->bhead = b->next;
    if (!d->bhead)
        d->btail = NULL;
    d->n_batches--;
    d->in_call = 1;
    pthread_mutex_unlock(&d->lock);
    d->ops->on_samples(d->sink->ctx, b->source, b->samples, (uint32_t)b->n);
    vmon_batch_unref(b);
    pthread_mutex_lock(&d->lock);
    d->in_call = 0;
}

static int alerts_ready(vmon_delivery *d, int64_t now, int64_t *wait_until)
{
    if (!d->head)
        return 0;
    int64_t due = d->next_attempt_ms;
    /* Linger: give a batch time to fill unless it is full or we are stopping. */
    if (d->linger_ms > 0 && d->n_alerts < d->batch_max && !d->stopping && d->head->attempts == 0 &&
        d->head->queued_ms + d->linger_ms > due)
        due = d->head->queued_ms + d->linger_ms;
    if (now >= due)
        return 1;
    *wait_until = due;
    return 0;
}

static void wait_until(vmon_delivery *d, int64_t until_ms)
{
    if (until_ms <= 0) {
        pthread_cond_wait(&d->wake, &d->lock);
        return;
    }
    struct timespec ts = vmon_deadline_from_ms(until_ms);
    pthread_cond_timedwait(&d->wake, &d->lock, &ts);
}

static void *delivery_main(void *arg)
{
    vmon_delivery *d = arg;
    pthread_mutex_lock(&d->lock);
    for (;;) {
        int64_t now = vmon_mono_ms();
        if (d->stopping && (now >= d->stop_deadline_ms || (!d->head && !d->bhead)))
            break;
        int64_t until = 0;
        if (d->bhead) {
            deliver_samples(d);
        } else if (alerts_ready(d, now, &until)) {
            deliver_batch(d);
        } else {
            if (!d->head)
                pthread_cond_broadcast(&d->idle);
            wait_until(d, d->stopping && (until == 0 || until > d->stop_deadline_ms)
                              ? d->stop_deadline_ms
                              : until);
        }
    }
    d->finished = 1;
    pthread_cond_broadcast(&d->idle);
    int detached = d->detached;
    pthread_mutex_unlock(&d->lock);
    if (detached) {
        /* The runtime gave up waiting; we own the instance now. */
        free_chain(d->head);
        while (d->bhead) {
            vmon_sample_batch *b = d->bhead;
            d->bhead = b->next;
            vmon_batch_unref(b);
        }
        vmon_instance_destroy(d->sink);
        free(d);
    }
    return NULL;
}

vmon_delivery *vmon_delivery_start(vmon_instance *sink, vmon_sink_disabled_fn on_disable, void *arg,
                                   char *err, size_t errlen)
{
    vmon_delivery *d = vmon_calloc(1, sizeof *d);
    d->sink = sink;
    d->ops = sink->plugin->ops;
    d->on_disable = on_disable;
    d->on_disable_arg = arg;
    d->rand_state = (unsigned int)vmon_monotonic_ns() ^ (unsigned int)(uintptr_t)d;
    read_settings(d);
    pthread_mutex_init(&d->lock, NULL);
    vmon_cond_init_monotonic(&d->wake);
    vmon_cond_init_monotonic(&d->idle);
    int rc = pthread_create(&d->thread, NULL, delivery_main, d);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the delivery thread: %s", strerror(rc));
        free(d);
        return NULL;
    }
    return d;
}

void vmon_delivery_push_alert(vmon_delivery *d, vmon_alert_event *ev)
{
    if (ev->a.severity < d->min_severity) {
        vmon_alert_event_free(ev);
        return;
    }
    pthread_mutex_lock(&d->lock);
    if (d->n_alerts >= d->queue_max && d->head) {
        /* Memory is bounded: the oldest goes, loudly (spool keeps everything). */
        vmon_alert_event *old = d->head;
        d->head = old->next;
        if (!d->head)
            d->tail = NULL;
        d->n_alerts--;
        d->stats.dropped++;
        vmon_log(VMON_LOGL_ERROR, d->sink->log_source,
                 "queue full (%u alerts): dropped the oldest, %s %s; raise queue_max or set "
                 "spool",
                 d->queue_max, old->a.rule, old->a.fingerprint);
        vmon_alert_event_free(old);
    }
    ev->next = NULL;
    ev->queued_ms = vmon_mono_ms();
    if (d->tail)
        d->tail->next = ev;
    else
        d->head = ev;
    d->tail = ev;
    d->n_alerts++;
    d->stats.queued++;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
}

void vmon_delivery_push_samples(vmon_delivery *d, vmon_sample_batch *b)
{
    if (!d->want_samples)
        return;
    pthread_mutex_lock(&d->lock);
    if (d->n_batches >= MAX_SAMPLE_BATCHES) {
        d->stats.samples_dropped++;
        pthread_mutex_unlock(&d->lock);
        return;
    }
    vmon_batch_ref(b)->next = NULL;
    if (d->btail)
        d->btail->next = b;
    else
        d->bhead = b;
    d->btail = b;
    d->n_batches++;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
}

void vmon_delivery_stats_get(vmon_delivery *d, vmon_delivery_stats *out)
{
    pthread_mutex_lock(&d->lock);
    *out = d->stats;
    out->queued = d->n_alerts;
    pthread_mutex_unlock(&d->lock);
}

int vmon_delivery_drain(vmon_delivery *d, int64_t timeout_ms)
{
    int64_t deadline = vmon_mono_ms() + timeout_ms;
    pthread_mutex_lock(&d->lock);
    while ((d->head || d->bhead || d->in_call) && !d->finished && vmon_mono_ms() < deadline) {
        struct timespec ts = vmon_deadline_from_ms(deadline);
        pthread_cond_timedwait(&d->idle, &d->lock, &ts);
    }
    int rc = d->head || d->bhead || d->in_call ? -1 : 0;
    pthread_mutex_unlock(&d->lock);
    return rc;
}

int vmon_delivery_stop(vmon_delivery *d, int64_t timeout_ms)
{
    pthread_mutex_lock(&d->lock);
    d->stopping = 1;
    d->stop_deadline_ms = vmon_mono_ms() + timeout_ms;
    pthread_cond_broadcast(&d->wake);
    /* Give a blocked deliver call a little past the deadline to return. */
    int64_t hard = d->stop_deadline_ms + 100;
    while (!d->finished && vmon_mono_ms() < hard) {
        struct timespec ts = vmon_deadline_from_ms(hard);
        pthread_cond_timedwait(&d->idle, &d->lock, &ts);
    }
    if (!d->finished) {
        vmon_log(VMON_LOGL_WARNING, d->sink->log_source,
                 "a delivery is still in flight after %lld ms; abandoning it and %zu queued "
                 "alert(s)",
                 (long long)timeout_ms, d->n_alerts);
        d->detached = 1;
        pthread_mutex_unlock(&d->lock);
        pthread_detach(d->thread);
        return -1;
    }
    size_t left = d->n_alerts;
    pthread_mutex_unlock(&d->lock);
    pthread_join(d->thread, NULL);
    if (left)
        vmon_log(VMON_LOGL_WARNING, d->sink->log_source,
                 "stopped with %zu undelivered alert(s) after %lld ms; they are lost (set "
                 "spool to keep them)",
                 left, (long long)timeout_ms);
    free_chain(d->head);
    while (d->bhead) {
        vmon_sample_batch *b = d->bhead;
        d->bhead = b->next;
        vmon_batch_unref(b);
    }
    pthread_mutex_destroy(&d->lock);
    pthread_cond_destroy(&d->wake);
    pthread_cond_destroy(&d->idle);
    free(d);
    return 0;
}
