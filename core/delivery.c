/*
 * A sink's delivery: its thread, the public API, and stopping (one shared
 * deadline for many sinks; a call that does not return is abandoned to its
 * thread, which then owns the sink). The queue, the spool, batching, retry,
 * resend, failures and hand-over live in the delivery_*.c files beside this.
 */
#include "delivery_internal.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "strutil.h"

/* How long past the stop deadline a blocked deliver call gets before it is abandoned. */
#define STOP_GRACE_MS 100

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
    d->spool_max = (uint64_t)vmon_instance_value(s, "spool_max")->i;
    d->commit_ms = vmon_instance_value(s, "spool_commit")->i;
    d->resend_ms = vmon_instance_value(s, "resend")->i;
    /* NULL for a plugin built before ABI 0.6 (the key is not its). */
    const vmon_value *hb = vmon_instance_value(s, "heartbeat");
    d->heartbeat_ms = hb ? hb->i : 0;
    const vmon_value *dl = vmon_instance_value(s, "dead_letter");
    d->dead_letter = dl ? vmon_strdup(dl->text) : NULL;
    const vmon_value *sp = vmon_instance_value(s, "spool");
    d->spool_path = sp ? vmon_strdup(sp->text) : NULL;
}

uint64_t delivery_pending(vmon_delivery *d)
{
    if (d->handed_over)
        return 0; /* its queue belongs to the replacement */
    return d->spool ? d->spooled + d->n_inbox + d->n_committing : d->n_alerts;
}

/* No lock held: dead letters written, the spool settled. */
static void settle_on_disk(vmon_delivery *d, batch *b, const outcome *o)
{
    for (uint32_t i = 0; o->verdict == OUT_FAILED && i < b->n; i++) {
        if (b->is_events)
            delivery_dead_letter_event(d, &b->events[i], o->reason);
        else
            delivery_dead_letter(d, &b->alerts[i], o->reason);
    }
    delivery_spool_settle(d, b, o->verdict == OUT_RETRY);
}

/* The replacement has a copy of this batch and delivers it again, with the same keys. */
static void forget_handed_batch(vmon_delivery *d, int rc, batch *b)
{
    vmon_log(VMON_LOGL_INFO, d->sink->log_source,
             "the call in flight at hand-over returned (%s); its %u alert(s) are the "
             "replacement's now",
             rc == VMON_OK ? "delivered" : "failed", b->n);
    d->current_handed = 0;
    delivery_batch_release(b);
}

/* A failed delivery that will be retried; the figures also as fields for `log_format = json`. */
static void log_retry(vmon_delivery *d, const batch *b, const outcome *o)
{
    char attempt[24], wait[24], n[24];
    snprintf(attempt, sizeof attempt, "%u", b->attempts + 1);
    snprintf(wait, sizeof wait, "%lld", (long long)o->wait_ms);
    snprintf(n, sizeof n, "%u", b->n);
    const vmon_log_field f[] = {
        {"count", n}, {"reason", o->reason}, {"retry", attempt}, {"retry_in_ms", wait}};
    vmon_log_fields(VMON_LOGL_WARNING, d->sink->log_source, f, sizeof f / sizeof *f,
                    "delivery of %u %s failed (%s); retry %u in %lld ms", b->n,
                    b->is_events ? "event(s)" : "alert(s)", o->reason, b->attempts + 1,
                    (long long)o->wait_ms);
}

static void settle_in_memory(vmon_delivery *d, int rc, batch *b, const outcome *o)
{
    if (d->current_handed) {
        forget_handed_batch(d, rc, b);
        return;
    }
    switch (o->verdict) {
    case OUT_DELIVERED:
        d->stats.delivered += b->n;
        for (uint32_t i = 0; d->resend_ms > 0 && !b->is_events && i < b->n; i++)
            delivery_resend_track(d, &b->alerts[i]);
        delivery_batch_release(b);
        return;
    case OUT_RETRY:
        d->stats.retries++;
        log_retry(d, b, o);
        d->next_attempt_ms = vmon_mono_ms() + o->wait_ms;
        delivery_queue_requeue(d, b);
        return;
    case OUT_FAILED:
        d->stats.dead_lettered += b->n;
        d->stats.failed += b->n;
        delivery_batch_release(b);
        if (o->disable)
            delivery_disable(d, o->reason);
        return;
    }
}

static int handed_during_call(vmon_delivery *d)
{
    pthread_mutex_lock(&d->lock);
    int handed = d->current_handed;
    pthread_mutex_unlock(&d->lock);
    return handed;
}

/* Lock held on entry and return; dropped for the call and the disk. */
static void deliver_batch(vmon_delivery *d)
{
    batch b = {0};
    if (d->spool)
        delivery_spool_take(d, &b);
    else
        delivery_queue_take(d, &b);
    if (b.n == 0) {
        delivery_batch_release(&b);
        return;
    }
    d->in_call = 1;
    d->current = &b;
    int disabled = d->stats.disabled;
    pthread_mutex_unlock(&d->lock);
    vmon_delivery_result res = {.struct_size = sizeof res};
    int rc = VMON_ERROR;
    if (disabled)
        snprintf(res.detail, sizeof res.detail, "sink is disabled");
    else if (b.is_events && !d->ops->on_events) /* spooled or handed over by an events sink */
        snprintf(res.detail, sizeof res.detail, "the sink takes no events (no on_events)");
    else if (b.is_events)
        rc = d->ops->on_events(d->sink->ctx, b.events, b.n, &res);
    else
        rc = d->ops->deliver(d->sink->ctx, b.alerts, b.n, &res);
    outcome o;
    delivery_judge(d, rc, &b, &res, &o);
    if (!handed_during_call(d))
        settle_on_disk(d, &b, &o);
    pthread_mutex_lock(&d->lock);
    d->in_call = 0;
    d->current = NULL;
    settle_in_memory(d, rc, &b, &o);
}

/* A vmon_sample as plugins built before ABI 0.5 know it: it ends before `type`. */
#define SAMPLE_SIZE_V04 offsetof(vmon_sample, type)

/*
 * A sink walks the array with its own sizeof(vmon_sample): one built before ABI
 * 0.5 gets a copy laid out at the 0.4 stride (its struct_size saying so), or its
 * second sample would start inside the first.
 */
static void hand_samples(vmon_delivery *d, const vmon_sample_batch *b)
{
    if (d->sink->plugin->desc.abi_minor >= 5 || b->n == 0) {
        d->ops->on_samples(d->sink->ctx, b->source, b->samples, (uint32_t)b->n);
        return;
    }
    unsigned char *old = malloc(b->n * SAMPLE_SIZE_V04);
    if (!old) {
        vmon_log(VMON_LOGL_ERROR, d->sink->log_source,
                 "out of memory: %zu samples not handed to the sink", b->n);
        return;
    }
    const uint32_t size = (uint32_t)SAMPLE_SIZE_V04;
    for (size_t i = 0; i < b->n; i++) {
        memcpy(old + i * SAMPLE_SIZE_V04, &b->samples[i], SAMPLE_SIZE_V04);
        memcpy(old + i * SAMPLE_SIZE_V04, &size, sizeof size); /* its struct_size */
    }
    d->ops->on_samples(d->sink->ctx, b->source, (const vmon_sample *)(const void *)old,
                       (uint32_t)b->n);
    free(old);
}

static void deliver_samples(vmon_delivery *d)
{
    vmon_sample_batch *b = d->batches[d->first_batch];
    d->first_batch = (d->first_batch + 1) % VMON_DELIVERY_MAX_SAMPLE_BATCHES;
    d->n_batches--;
    d->in_call = 1;
    pthread_mutex_unlock(&d->lock);
    hand_samples(d, b);
    vmon_batch_unref(b);
    pthread_mutex_lock(&d->lock);
    d->in_call = 0;
}

void delivery_wait(pthread_cond_t *c, pthread_mutex_t *m, int64_t until_ms)
{
    if (until_ms <= 0) {
        pthread_cond_wait(c, m);
        return;
    }
    struct timespec ts = vmon_deadline_from_ms(until_ms);
    pthread_cond_timedwait(c, m, &ts);
}

static void free_queues(vmon_delivery *d)
{
    delivery_resend_free(d);
    delivery_free_chain(d->head);
    d->head = d->tail = NULL;
    delivery_free_chain(d->inbox_head);
    d->inbox_head = d->inbox_tail = NULL;
    for (; d->n_batches; d->n_batches--) {
        vmon_batch_unref(d->batches[d->first_batch]);
        d->first_batch = (d->first_batch + 1) % VMON_DELIVERY_MAX_SAMPLE_BATCHES;
    }
    if (d->spool)
        vmon_spool_close(d->spool);
    d->spool = NULL;
}

static void free_delivery(vmon_delivery *d)
{
    free_queues(d);
    free(d->dead_letter);
    free(d->spool_path);
    pthread_mutex_destroy(&d->lock);
    pthread_mutex_destroy(&d->spool_lock);
    pthread_mutex_destroy(&d->events_lock);
    pthread_cond_destroy(&d->wake);
    pthread_cond_destroy(&d->commit_wake);
    pthread_cond_destroy(&d->idle);
    free(d);
}

/* Lock held; released. The last thread out of an abandoned delivery owns the instance. */
void delivery_leave(vmon_delivery *d)
{
    d->threads--;
    int last = d->detached && d->threads == 0;
    pthread_cond_broadcast(&d->idle);
    pthread_mutex_unlock(&d->lock);
    if (last) {
        vmon_instance_destroy(d->sink);
        free_delivery(d);
    }
}

static void *delivery_main(void *arg)
{
    vmon_delivery *d = arg;
    pthread_mutex_lock(&d->lock);
    for (;;) {
        int64_t now = vmon_mono_ms();
        if (d->stopping && (now >= d->stop_deadline_ms || (!delivery_pending(d) && !d->n_batches)))
            break;
        int64_t until = 0;
        int64_t resend_at = delivery_resend_due(d, now);
        int64_t heartbeat_at = delivery_heartbeat_due(d, now);
        if (heartbeat_at && (resend_at == 0 || heartbeat_at < resend_at))
            resend_at = heartbeat_at;
        if (d->n_batches) {
            deliver_samples(d);
        } else if (delivery_batch_ready(d, now, &until)) {
            deliver_batch(d);
        } else {
            if (!delivery_pending(d))
                pthread_cond_broadcast(&d->idle);
            if (resend_at && (until == 0 || resend_at < until))
                until = resend_at;
            delivery_wait(&d->wake, &d->lock,
                          d->stopping && (until == 0 || until > d->stop_deadline_ms)
                              ? d->stop_deadline_ms
                              : until);
        }
    }
    d->finished = 1;
    pthread_cond_signal(&d->commit_wake);
    delivery_leave(d);
    return NULL;
}

static vmon_delivery *new_delivery(vmon_instance *sink, vmon_sink_event_fn on_event, void *arg)
{
    vmon_delivery *d = vmon_calloc(1, sizeof *d);
    d->sink = sink;
    d->ops = sink->plugin->ops;
    d->on_event = on_event;
    d->on_event_arg = arg;
    d->rand_state = (unsigned int)vmon_monotonic_ns() ^ (unsigned int)(uintptr_t)d;
    pthread_mutex_init(&d->lock, NULL);
    pthread_mutex_init(&d->spool_lock, NULL);
    pthread_mutex_init(&d->events_lock, NULL);
    vmon_cond_init_monotonic(&d->wake);
    vmon_cond_init_monotonic(&d->commit_wake);
    vmon_cond_init_monotonic(&d->idle);
    read_settings(d);
    return d;
}

/* The committer (spool only) first, so the delivery thread never runs without it. */
static int start_threads(vmon_delivery *d, char *err, size_t errlen)
{
    int rc = 0;
    d->threads = d->spool ? 2 : 1;
    if (d->spool && (rc = pthread_create(&d->committer, NULL, delivery_committer_main, d)) != 0) {
        d->threads = 0;
    } else if ((rc = pthread_create(&d->thread, NULL, delivery_main, d)) != 0) {
        pthread_mutex_lock(&d->lock);
        d->threads--;
        d->finished = 1; /* the committer has nothing to wait for */
        pthread_cond_signal(&d->commit_wake);
        pthread_mutex_unlock(&d->lock);
        if (d->spool)
            pthread_join(d->committer, NULL);
    }
    if (rc == 0)
        return 0;
    snprintf(err, errlen, "[%s] cannot start the delivery thread: %s", d->sink->section,
             strerror(rc));
    return -1;
}

vmon_delivery *vmon_delivery_start(vmon_instance *sink, vmon_sink_event_fn on_event, void *arg,
                                   char *err, size_t errlen)
{
    vmon_delivery *d = new_delivery(sink, on_event, arg);
    if (delivery_spool_open(d, err, errlen) < 0 || start_threads(d, err, errlen) < 0) {
        free_delivery(d);
        return NULL;
    }
    return d;
}

void delivery_push_locked(vmon_delivery *d, vmon_alert_event *ev)
{
    if (d->spool)
        delivery_spool_push(d, ev);
    else
        delivery_queue_push(d, ev);
    d->stats.queued++;
}

void vmon_delivery_push_alert(vmon_delivery *d, vmon_alert_event *ev)
{
    if (ev->a.severity < d->min_severity) {
        vmon_alert_event_free(ev);
        return;
    }
    pthread_mutex_lock(&d->lock);
    if (d->handed_over) {
        d->stats.dropped++;
        vmon_log(VMON_LOGL_ERROR, d->sink->log_source,
                 "alert %s pushed after this sink handed its queue over: dropped (push to the "
                 "replacement instead)",
                 ev->a.rule);
        vmon_alert_event_free(ev);
    } else {
        delivery_push_locked(d, ev);
    }
    pthread_mutex_unlock(&d->lock);
}

int vmon_delivery_wants_events(const vmon_delivery *d)
{
    return d->ops->on_events != NULL;
}

void vmon_delivery_push_event(vmon_delivery *d, vmon_alert_event *ev)
{
    if (!vmon_delivery_wants_events(d)) {
        vmon_alert_event_free(ev);
        return;
    }
    pthread_mutex_lock(&d->lock);
    if (d->handed_over) {
        d->stats.dropped++;
        vmon_log(VMON_LOGL_ERROR, d->sink->log_source,
                 "event %s pushed after this sink handed its queue over: dropped", ev->a.rule);
        vmon_alert_event_free(ev);
    } else {
        delivery_push_locked(d, ev);
    }
    pthread_mutex_unlock(&d->lock);
}

void vmon_delivery_push_samples(vmon_delivery *d, vmon_sample_batch *b)
{
    if (!d->want_samples)
        return;
    pthread_mutex_lock(&d->lock);
    if (d->n_batches >= VMON_DELIVERY_MAX_SAMPLE_BATCHES) {
        d->stats.samples_dropped++;
        pthread_mutex_unlock(&d->lock);
        return;
    }
    /* A ring of references, not a list through the batch: one reading goes to several sinks. */
    d->batches[(d->first_batch + d->n_batches) % VMON_DELIVERY_MAX_SAMPLE_BATCHES] =
        vmon_batch_ref(b);
    d->n_batches++;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
}

void vmon_delivery_stats_get(vmon_delivery *d, vmon_delivery_stats *out)
{
    pthread_mutex_lock(&d->lock);
    delivery_spool_backlog_check(d);
    *out = d->stats;
    out->queued = delivery_pending(d);
    pthread_mutex_unlock(&d->lock);
}

int vmon_delivery_drain(vmon_delivery *d, int64_t timeout_ms)
{
    int64_t deadline = vmon_mono_ms() + timeout_ms;
    pthread_mutex_lock(&d->lock);
    while ((delivery_pending(d) || d->n_batches || d->in_call) && !d->finished &&
           vmon_mono_ms() < deadline) {
        struct timespec ts = vmon_deadline_from_ms(deadline);
        pthread_cond_timedwait(&d->idle, &d->lock, &ts);
    }
    int rc = delivery_pending(d) || d->n_batches || d->in_call ? -1 : 0;
    pthread_mutex_unlock(&d->lock);
    return rc;
}

/* ---- stopping ---- */

static void begin_stop(vmon_delivery *d, int64_t deadline_ms)
{
    pthread_mutex_lock(&d->lock);
    delivery_heartbeat_resolve(d);
    d->stopping = 1;
    d->stop_deadline_ms = deadline_ms;
    pthread_cond_broadcast(&d->wake);
    pthread_cond_broadcast(&d->commit_wake);
    pthread_mutex_unlock(&d->lock);
}

/* Lock held; released. The threads keep the instance; they must not reach the caller again. */
static void abandon(vmon_delivery *d, int64_t timeout_ms)
{
    vmon_log(VMON_LOGL_WARNING, d->sink->log_source,
             "a delivery is still in flight after %lld ms; abandoning it and %llu queued "
             "alert(s)%s",
             (long long)timeout_ms, (unsigned long long)delivery_pending(d),
             d->spool ? " (what reached the spool stays there)" : "");
    d->detached = 1;
    vmon_delivery_set_events(d, NULL, NULL);
    /* Once unlocked, the last thread out may free `d`: read what we need first. */
    int committer = d->spool != NULL;
    pthread_t thread = d->thread, committer_thread = d->committer;
    pthread_mutex_unlock(&d->lock);
    pthread_detach(thread);
    if (committer)
        pthread_detach(committer_thread);
}

static void report_left(vmon_delivery *d, uint64_t left, int64_t timeout_ms)
{
    if (left && d->spool)
        vmon_log(VMON_LOGL_INFO, d->sink->log_source,
                 "%llu undelivered alert(s) stay in the spool for the next start",
                 (unsigned long long)left);
    else if (left)
        vmon_log(VMON_LOGL_WARNING, d->sink->log_source,
                 "stopped with %llu undelivered alert(s) after %lld ms; they are lost (set "
                 "spool to keep them)",
                 (unsigned long long)left, (long long)timeout_ms);
}

/* Returns 1 when the threads were abandoned, 0 when they ended and `d` is freed. */
static int finish_stop(vmon_delivery *d, int64_t hard_deadline_ms, int64_t timeout_ms)
{
    pthread_mutex_lock(&d->lock);
    while (d->threads > 0 && vmon_mono_ms() < hard_deadline_ms) {
        struct timespec ts = vmon_deadline_from_ms(hard_deadline_ms);
        pthread_cond_timedwait(&d->idle, &d->lock, &ts);
    }
    if (d->threads > 0) {
        abandon(d, timeout_ms);
        return 1;
    }
    uint64_t left = delivery_pending(d);
    pthread_mutex_unlock(&d->lock);
    pthread_join(d->thread, NULL);
    if (d->spool)
        pthread_join(d->committer, NULL);
    report_left(d, left, timeout_ms);
    free_delivery(d);
    return 0;
}

void vmon_delivery_stop_all(vmon_delivery *const *ds, size_t n, int64_t timeout_ms,
                            unsigned char *abandoned)
{
    int64_t deadline = vmon_mono_ms() + timeout_ms;
    for (size_t i = 0; i < n; i++)
        if (ds[i])
            begin_stop(ds[i], deadline);
    /* One shared deadline: a blocked call is waited for once, not once per sink. */
    for (size_t i = 0; i < n; i++) {
        int gave_up = ds[i] ? finish_stop(ds[i], deadline + STOP_GRACE_MS, timeout_ms) : 0;
        if (abandoned)
            abandoned[i] = (unsigned char)gave_up;
    }
}

int vmon_delivery_stop(vmon_delivery *d, int64_t timeout_ms)
{
    unsigned char abandoned = 0;
    vmon_delivery_stop_all(&d, 1, timeout_ms, &abandoned);
    return abandoned ? -1 : 0;
}
