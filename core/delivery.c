#include "delivery.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert_json.h"
#include "clock.h"
#include "deadletter.h"
#include "instance.h"
#include "log.h"
#include "spool.h"
#include "strutil.h"

#define MAX_SAMPLE_BATCHES 64
/* How long past the stop deadline a blocked deliver call gets before it is abandoned. */
#define STOP_GRACE_MS 100
/* delivery_backlog resolves once the spool is back under this share of its cap. */
#define BACKLOG_CLEAR_RATIO 0.9

/*
 * Locks: `lock` guards the queues, counters and flags; `spool_lock` guards the
 * spool's SQLite connection; `events_lock` is held while on_event runs. Disk
 * work (spool, dead letters) is done without `lock`, so a pushing thread never
 * waits on the disk. Order: spool_lock before lock before events_lock.
 */
struct vmon_delivery {
    vmon_instance *sink;
    const vmon_sink_ops *ops;
    pthread_t thread, committer;
    pthread_mutex_t lock;
    pthread_cond_t wake;           /* the delivery thread: something to do */
    pthread_cond_t commit_wake;    /* the committer: something to write */
    pthread_cond_t idle;           /* waiters: the queue emptied or a thread ended */
    vmon_alert_event *head, *tail; /* the in-memory queue (no spool) */
    size_t n_alerts;
    vmon_spool *spool; /* the queue on disk, when `spool =` is set */
    pthread_mutex_t spool_lock;
    vmon_alert_event *inbox_head, *inbox_tail; /* pushed, not yet committed to the spool */
    size_t n_inbox, n_committing;    /* n_committing: taken from the inbox, not yet on disk */
    uint64_t spooled, spooled_bytes; /* the spool's totals, as last read under spool_lock */
    int64_t commit_ms, last_commit_ms;
    uint64_t spool_max;
    int backlog;
    vmon_sample_batch *bhead, *btail;
    size_t n_batches;
    int stopping, finished, in_call, detached;
    int threads;           /* running threads; the last one out of an abandoned delivery frees it */
    int handed_over;       /* the queue went to a replacement: deliver nothing more */
    int current_handed;    /* the batch in flight was copied to the replacement too */
    struct batch *current; /* the batch in flight, for hand-over */
    int64_t stop_deadline_ms;
    int64_t next_attempt_ms;
    uint32_t min_severity, batch_max, queue_max, want_samples;
    int64_t linger_ms, retry_base_ms, retry_cap_ms, retry_limit;
    char *dead_letter; /* own copies: a delivery may outlive the plan */
    char *spool_path;
    vmon_delivery_stats stats;
    pthread_mutex_t events_lock;
    vmon_sink_event_fn on_event;
    void *on_event_arg;
    unsigned int rand_state;
    int64_t resend_ms;
    struct firing *firing; /* alerts delivered as firing and not yet resolved */
    size_t n_firing;
};

/* A firing alert this sink has delivered, for `resend`. */
typedef struct firing {
    vmon_alert_event *ev;
    int64_t sent_ms; /* monotonic */
    uint32_t resends;
} firing;

/* One delivery attempt's alerts, from memory or from the spool. */
typedef struct batch {
    vmon_alert *alerts;
    uint32_t n;
    uint32_t attempts;       /* attempts made before this one */
    vmon_alert_event *chain; /* memory: the events taken off the queue */
    vmon_spool_item *items;  /* spool: the rows peeked */
    json_object **holders;   /* spool: parsed payloads backing `alerts` */
} batch;

/* What a deliver call's answer means for its batch. */
typedef enum { OUT_DELIVERED, OUT_RETRY, OUT_FAILED } outcome_kind;

typedef struct outcome {
    outcome_kind kind;
    int64_t wait_ms; /* OUT_RETRY */
    int disable;     /* OUT_FAILED: the receiver is gone */
    char reason[320];
} outcome;

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
    const vmon_value *dl = vmon_instance_value(s, "dead_letter");
    d->dead_letter = dl ? vmon_strdup(dl->text) : NULL;
    const vmon_value *sp = vmon_instance_value(s, "spool");
    d->spool_path = sp ? vmon_strdup(sp->text) : NULL;
}

/* Events go out under their own lock: once set_events(NULL) returns, none is running. */
static void emit_event(vmon_delivery *d, const char *alert, const char *reason, int resolve)
{
    pthread_mutex_lock(&d->events_lock);
    if (d->on_event)
        d->on_event(d->on_event_arg, d->sink->section, alert, reason, resolve);
    pthread_mutex_unlock(&d->events_lock);
}

void vmon_delivery_set_events(vmon_delivery *d, vmon_sink_event_fn fn, void *arg)
{
    pthread_mutex_lock(&d->events_lock);
    d->on_event = fn;
    d->on_event_arg = arg;
    pthread_mutex_unlock(&d->events_lock);
}

/* Full jitter: uniform in [0, min(cap, base * 2^attempt)]. */
static int64_t backoff_ms(vmon_delivery *d, uint32_t attempt)
{
    double ceiling = (double)d->retry_base_ms;
    for (uint32_t i = 0; i < attempt && ceiling < (double)d->retry_cap_ms; i++)
        ceiling *= 2;
    if (ceiling > (double)d->retry_cap_ms)
        ceiling = (double)d->retry_cap_ms;
    return (int64_t)(ceiling * ((double)rand_r(&d->rand_state) / (double)RAND_MAX));
}

/*
 * Logged always; kept in the dead-letter file when one is configured. Writes
 * (and fsyncs) the file: call it without `lock`. The caller counts it.
 */
static void dead_letter(vmon_delivery *d, const vmon_alert *a, const char *reason)
{
    vmon_log(VMON_LOGL_ERROR, d->sink->log_source, "giving up on alert %s (%s, %s): %s%s%s",
             a->rule, a->fingerprint, vmon_state_name(a->state), reason,
             d->dead_letter ? "; written to " : "", d->dead_letter ? d->dead_letter : "");
    if (!d->dead_letter)
        return;
    char *payload = vmon_alert_to_json_string(a);
    if (vmon_deadletter_write(d->dead_letter, d->sink->section, reason, payload) != VMON_OK)
        vmon_log(VMON_LOGL_ERROR, d->sink->log_source, "cannot write dead-letter file %s: %s",
                 d->dead_letter, strerror(errno));
    free(payload);
}

static void free_chain(vmon_alert_event *e)
{
    while (e) {
        vmon_alert_event *next = e->next;
        vmon_alert_event_free(e);
        e = next;
    }
}

static uint64_t pending(vmon_delivery *d)
{
    if (d->handed_over)
        return 0; /* its queue belongs to the replacement */
    return d->spool ? d->spooled + d->n_inbox + d->n_committing : d->n_alerts;
}

/* spool_lock held: publish the spool's totals to the lock's side. */
static void sync_totals(vmon_delivery *d)
{
    pthread_mutex_lock(&d->lock);
    d->spooled = vmon_spool_count(d->spool);
    d->spooled_bytes = vmon_spool_bytes(d->spool);
    pthread_mutex_unlock(&d->lock);
}

/* ---- taking a batch ---- */

/* Lock held. */
static void take_memory_batch(vmon_delivery *d, batch *b)
{
    vmon_alert_event *last = d->head;
    b->chain = d->head;
    b->n = 1;
    while (b->n < d->batch_max && last->next) {
        last = last->next;
        b->n++;
    }
    d->head = last->next;
    if (!d->head)
        d->tail = NULL;
    last->next = NULL;
    d->n_alerts -= b->n;
    b->attempts = b->chain->attempts;
    b->alerts = vmon_calloc(b->n, sizeof *b->alerts);
    uint32_t i = 0;
    for (vmon_alert_event *e = b->chain; e; e = e->next)
        b->alerts[i++] = e->a;
}

/* spool_lock held. A row that does not parse is dead-lettered as it is and removed. */
static void peek_spool_batch(vmon_delivery *d, batch *b)
{
    b->items = vmon_calloc(d->batch_max, sizeof *b->items);
    b->alerts = vmon_calloc(d->batch_max, sizeof *b->alerts);
    b->holders = vmon_calloc(d->batch_max, sizeof *b->holders);
    size_t got = vmon_spool_peek(d->spool, b->items, d->batch_max);
    for (size_t i = 0; i < got; i++) {
        vmon_spool_item *it = &b->items[i];
        if (vmon_alert_from_json(it->payload, &b->alerts[b->n], &b->holders[b->n]) < 0) {
            vmon_log(VMON_LOGL_ERROR, d->sink->log_source,
                     "spool row %lld is not an alert; moved to the dead letters",
                     (long long)it->id);
            if (d->dead_letter)
                vmon_deadletter_write(d->dead_letter, d->sink->section, "unreadable spool row",
                                      it->payload);
            vmon_spool_ack(d->spool, it->id);
            vmon_spool_item_clear(it);
            continue;
        }
        if (b->n != i)
            b->items[b->n] = *it;
        if (b->n == 0 || it->attempts > b->attempts)
            b->attempts = it->attempts;
        b->n++;
    }
}

static void release_batch(batch *b)
{
    for (uint32_t i = 0; b->holders && i < b->n; i++)
        vmon_alert_json_release(&b->alerts[i], b->holders[i]);
    for (uint32_t i = 0; b->items && i < b->n; i++)
        vmon_spool_item_clear(&b->items[i]);
    free_chain(b->chain);
    free(b->alerts);
    free(b->items);
    free(b->holders);
    memset(b, 0, sizeof *b);
}

/* Lock held on entry and return; dropped while the spool is read. */
static void take_spool_batch(vmon_delivery *d, batch *b)
{
    pthread_mutex_unlock(&d->lock);
    pthread_mutex_lock(&d->spool_lock);
    peek_spool_batch(d, b);
    sync_totals(d);
    pthread_mutex_unlock(&d->spool_lock);
    pthread_mutex_lock(&d->lock);
    if (d->handed_over) /* the rows went to a replacement meanwhile */
        release_batch(b);
}

/* ---- what an answer means (no lock: settings and rand_state are the thread's) ---- */

static int should_retry(const vmon_delivery *d, int rc, const vmon_delivery_result *res,
                        uint32_t attempts)
{
    return rc == VMON_RETRY && !res->disable &&
           (d->retry_limit < 0 || attempts <= (uint32_t)d->retry_limit);
}

static void judge(vmon_delivery *d, int rc, const batch *b, const vmon_delivery_result *res,
                  outcome *o)
{
    memset(o, 0, sizeof *o);
    if (rc == VMON_OK) {
        o->kind = OUT_DELIVERED;
        return;
    }
    if (should_retry(d, rc, res, b->attempts + 1)) {
        o->kind = OUT_RETRY;
        o->wait_ms = backoff_ms(d, b->attempts);
        if (res->retry_after_ms > o->wait_ms)
            o->wait_ms =
                res->retry_after_ms > d->retry_cap_ms ? d->retry_cap_ms : res->retry_after_ms;
        snprintf(o->reason, sizeof o->reason, "%s", res->detail[0] ? res->detail : "retry later");
        return;
    }
    o->kind = OUT_FAILED;
    o->disable = res->disable != 0;
    snprintf(o->reason, sizeof o->reason, "%s%s",
             rc == VMON_RETRY && !res->disable ? "retry limit reached: " : "",
             res->detail[0] ? res->detail : "permanent failure");
}

/* ---- settling a batch: the disk part (no lock) ---- */

static void settle_on_disk(vmon_delivery *d, batch *b, const outcome *o)
{
    if (o->kind == OUT_FAILED)
        for (uint32_t i = 0; i < b->n; i++)
            dead_letter(d, &b->alerts[i], o->reason);
    if (!d->spool || !b->items || !b->n)
        return;
    pthread_mutex_lock(&d->spool_lock);
    if (o->kind == OUT_RETRY) {
        for (uint32_t i = 0; i < b->n; i++)
            vmon_spool_bump_attempts(d->spool, b->items[i].id);
    } else {
        /* Delivered, or given up on: one transaction, one fsync for the whole batch. */
        int64_t *ids = vmon_calloc(b->n, sizeof *ids);
        for (uint32_t i = 0; i < b->n; i++)
            ids[i] = b->items[i].id;
        vmon_spool_ack_many(d->spool, ids, b->n);
        free(ids);
    }
    sync_totals(d);
    pthread_mutex_unlock(&d->spool_lock);
}

/* ---- settling a batch: the memory part (lock held) ---- */

/* Failed for now: a memory batch goes back at the head, in order, one attempt older. */
static void requeue_batch(vmon_delivery *d, batch *b)
{
    if (d->spool || !b->chain) {
        release_batch(b);
        return;
    }
    vmon_alert_event *last = b->chain;
    b->chain->attempts = b->attempts + 1;
    while (last->next)
        last = last->next;
    last->next = d->head;
    d->head = b->chain;
    if (!d->tail)
        d->tail = last;
    d->n_alerts += b->n;
    b->chain = NULL;
    release_batch(b);
}

static void disable_sink(vmon_delivery *d, const char *reason)
{
    if (d->stats.disabled)
        return;
    d->stats.disabled = 1;
    vmon_log(VMON_LOGL_ERROR, d->sink->log_source,
             "sink disabled: the receiver says it is gone (%s); fix its config and reload", reason);
    emit_event(d, "sink_disabled", reason, 0);
}

static firing *find_firing(vmon_delivery *d, const char *fingerprint)
{
    for (size_t i = 0; i < d->n_firing; i++)
        if (strcmp(d->firing[i].ev->a.fingerprint, fingerprint) == 0)
            return &d->firing[i];
    return NULL;
}

/* What was delivered decides what `resend` repeats: firing in, resolved out. */
static void track_firing(vmon_delivery *d, const vmon_alert *a)
{
    firing *f = find_firing(d, a->fingerprint);
    if (a->state == VMON_ALERT_RESOLVED) {
        if (f) {
            vmon_alert_event_free(f->ev);
            *f = d->firing[--d->n_firing];
        }
        return;
    }
    if (!f) {
        d->firing = vmon_realloc(d->firing, (d->n_firing + 1) * sizeof *d->firing);
        f = &d->firing[d->n_firing++];
        f->ev = NULL;
        f->resends = 0;
    }
    vmon_alert_event_free(f->ev);
    f->ev = vmon_alert_event_copy(a);
    f->sent_ms = vmon_mono_ms();
}

/* The replacement has a copy of this batch and delivers it again, with the same keys. */
static void forget_handed_batch(vmon_delivery *d, int rc, batch *b)
{
    vmon_log(VMON_LOGL_INFO, d->sink->log_source,
             "the call in flight at hand-over returned (%s); its %u alert(s) are the "
             "replacement's now",
             rc == VMON_OK ? "delivered" : "failed", b->n);
    d->current_handed = 0;
    release_batch(b);
}

static void settle_in_memory(vmon_delivery *d, int rc, batch *b, const outcome *o)
{
    if (d->current_handed) {
        forget_handed_batch(d, rc, b);
        return;
    }
    switch (o->kind) {
    case OUT_DELIVERED:
        d->stats.delivered += b->n;
        for (uint32_t i = 0; d->resend_ms > 0 && i < b->n; i++)
            track_firing(d, &b->alerts[i]);
        release_batch(b);
        return;
    case OUT_RETRY:
        d->stats.retries++;
        vmon_log(VMON_LOGL_WARNING, d->sink->log_source,
                 "delivery of %u alert(s) failed (%s); retry %u in %lld ms", b->n, o->reason,
                 b->attempts + 1, (long long)o->wait_ms);
        d->next_attempt_ms = vmon_mono_ms() + o->wait_ms;
        requeue_batch(d, b);
        return;
    case OUT_FAILED:
        d->stats.dead_lettered += b->n;
        d->stats.failed += b->n;
        release_batch(b);
        if (o->disable)
            disable_sink(d, o->reason);
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
        take_spool_batch(d, &b);
    else
        take_memory_batch(d, &b);
    if (b.n == 0) {
        release_batch(&b);
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
    else
        rc = d->ops->deliver(d->sink->ctx, b.alerts, b.n, &res);
    outcome o;
    judge(d, rc, &b, &res, &o);
    if (!handed_during_call(d))
        settle_on_disk(d, &b, &o);
    pthread_mutex_lock(&d->lock);
    d->in_call = 0;
    d->current = NULL;
    settle_in_memory(d, rc, &b, &o);
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
    if (pending(d) == 0)
        return 0;
    if (d->spool && d->spooled == 0)
        return 0; /* the committer wakes us once it is on disk */
    int64_t due = d->next_attempt_ms;
    /* Linger: give a batch time to fill unless it is full or we are stopping. */
    if (!d->spool && d->linger_ms > 0 && d->n_alerts < d->batch_max && !d->stopping &&
        d->head->attempts == 0 && d->head->queued_ms + d->linger_ms > due)
        due = d->head->queued_ms + d->linger_ms;
    if (now >= due)
        return 1;
    *wait_until = due;
    return 0;
}

static void wait_on(pthread_cond_t *c, pthread_mutex_t *m, int64_t until_ms)
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
    for (size_t i = 0; i < d->n_firing; i++)
        vmon_alert_event_free(d->firing[i].ev);
    free(d->firing);
    d->firing = NULL;
    d->n_firing = 0;
    free_chain(d->head);
    d->head = d->tail = NULL;
    free_chain(d->inbox_head);
    d->inbox_head = d->inbox_tail = NULL;
    while (d->bhead) {
        vmon_sample_batch *b = d->bhead;
        d->bhead = b->next;
        vmon_batch_unref(b);
    }
    if (d->spool)
        vmon_spool_close(d->spool);
    d->spool = NULL;
}

static void push_locked(vmon_delivery *d, vmon_alert_event *ev);

/*
 * Re-queue firing alerts not sent for `resend`, with a key of their own.
 * Only while the queue is empty: a receiver that is down does not pile up
 * copies. Returns the next time one is due (0: none).
 */
static int64_t resend_due(vmon_delivery *d, int64_t now)
{
    int64_t next = 0;
    for (size_t i = 0; d->resend_ms > 0 && i < d->n_firing; i++) {
        firing *f = &d->firing[i];
        int64_t due = f->sent_ms + d->resend_ms;
        if (due <= now && pending(d) == 0 && !d->stopping) {
            vmon_alert_event *copy = vmon_alert_event_copy(&f->ev->a);
            free((char *)copy->a.idempotency_key);
            copy->a.idempotency_key =
                vmon_asprintf("%s-resend-%u", f->ev->a.idempotency_key, ++f->resends);
            f->sent_ms = now;
            due = now + d->resend_ms;
            push_locked(d, copy);
        }
        if (next == 0 || due < next)
            next = due;
    }
    return next;
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
static void leave(vmon_delivery *d)
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
        if (d->stopping && (now >= d->stop_deadline_ms || (!pending(d) && !d->bhead)))
            break;
        int64_t until = 0;
        int64_t resend_at = resend_due(d, now);
        if (d->bhead) {
            deliver_samples(d);
        } else if (alerts_ready(d, now, &until)) {
            deliver_batch(d);
        } else {
            if (!pending(d))
                pthread_cond_broadcast(&d->idle);
            if (resend_at && (until == 0 || resend_at < until))
                until = resend_at;
            wait_on(&d->wake, &d->lock,
                    d->stopping && (until == 0 || until > d->stop_deadline_ms) ? d->stop_deadline_ms
                                                                               : until);
        }
    }
    d->finished = 1;
    pthread_cond_signal(&d->commit_wake);
    leave(d);
    return NULL;
}

/* ---- the committer: pushed alerts onto the spool, in groups ---- */

/* A full spool announces itself (delivery_backlog) and the alert goes to the dead letters. */
static void refuse_to_spool(vmon_delivery *d, vmon_alert_event *ev, int rc)
{
    char reason[160];
    pthread_mutex_lock(&d->lock);
    snprintf(reason, sizeof reason, "%s (%llu bytes held, spool_max %llu)",
             rc == VMON_RETRY ? "spool full" : "spool write failed",
             (unsigned long long)d->spooled_bytes, (unsigned long long)d->spool_max);
    pthread_mutex_unlock(&d->lock);
    dead_letter(d, &ev->a, reason);
    pthread_mutex_lock(&d->lock);
    d->stats.dropped++;
    d->stats.dead_lettered++;
    if (!d->backlog) {
        d->backlog = 1;
        emit_event(d, "delivery_backlog", reason, 0);
    }
    pthread_mutex_unlock(&d->lock);
}

/* No lock held: one transaction for the whole group, then what did not fit. */
static void commit_group(vmon_delivery *d, vmon_alert_event *group, size_t n)
{
    vmon_spool_entry *entries = vmon_calloc(n, sizeof *entries);
    char **payloads = vmon_calloc(n, sizeof *payloads);
    int *status = vmon_calloc(n, sizeof *status);
    size_t i = 0;
    for (vmon_alert_event *e = group; e; e = e->next, i++) {
        payloads[i] = vmon_alert_to_json_string(&e->a);
        entries[i] = (vmon_spool_entry){e->a.idempotency_key, payloads[i], strlen(payloads[i])};
    }
    pthread_mutex_lock(&d->spool_lock);
    vmon_spool_put_many(d->spool, entries, n, status);
    sync_totals(d);
    pthread_mutex_unlock(&d->spool_lock);
    i = 0;
    for (vmon_alert_event *e = group, *next; e; e = next, i++) {
        next = e->next;
        if (status[i] != VMON_OK)
            refuse_to_spool(d, e, status[i]);
        vmon_alert_event_free(e);
        free(payloads[i]);
    }
    free(entries);
    free(payloads);
    free(status);
}

/*
 * Commits start at most spool_commit apart: an alert pushed is on disk within
 * spool_commit plus the time of the commit before it and its own.
 */
static void *committer_main(void *arg)
{
    vmon_delivery *d = arg;
    pthread_mutex_lock(&d->lock);
    for (;;) {
        if (!d->inbox_head) {
            if (d->finished)
                break;
            pthread_cond_wait(&d->commit_wake, &d->lock);
            continue;
        }
        int64_t due = d->last_commit_ms + d->commit_ms;
        if (!d->stopping && vmon_mono_ms() < due) {
            wait_on(&d->commit_wake, &d->lock, due);
            continue;
        }
        vmon_alert_event *group = d->inbox_head;
        size_t n = d->n_inbox;
        d->inbox_head = d->inbox_tail = NULL;
        d->n_inbox = 0;
        d->n_committing = n;
        d->last_commit_ms = vmon_mono_ms();
        pthread_mutex_unlock(&d->lock);
        commit_group(d, group, n);
        pthread_mutex_lock(&d->lock);
        d->n_committing = 0;
        pthread_cond_signal(&d->wake);
    }
    leave(d);
    return NULL;
}

static int open_spool(vmon_delivery *d, char *err, size_t errlen)
{
    if (!d->spool_path)
        return 0;
    char why[512] = "";
    if (vmon_spool_open(d->spool_path, d->sink->section, d->spool_max, &d->spool, why,
                        sizeof why) != VMON_OK) {
        snprintf(err, errlen, "[%s] spool: %s", d->sink->section, why);
        return -1;
    }
    d->spooled = vmon_spool_count(d->spool);
    d->spooled_bytes = vmon_spool_bytes(d->spool);
    if (d->spooled)
        vmon_log(VMON_LOGL_INFO, d->sink->log_source,
                 "%llu alert(s) waiting in spool %s from an earlier run; delivering them first",
                 (unsigned long long)d->spooled, d->spool_path);
    return 0;
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
    if (d->spool && (rc = pthread_create(&d->committer, NULL, committer_main, d)) != 0) {
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
    if (open_spool(d, err, errlen) < 0 || start_threads(d, err, errlen) < 0) {
        free_delivery(d);
        return NULL;
    }
    return d;
}

/* Memory is bounded: the oldest goes, loudly (a spool keeps everything). */
static void push_memory(vmon_delivery *d, vmon_alert_event *ev)
{
    if (d->n_alerts >= d->queue_max && d->head) {
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
    pthread_cond_signal(&d->wake);
}

/* The disk is the committer's: a push only appends to memory. */
static void push_inbox(vmon_delivery *d, vmon_alert_event *ev)
{
    ev->next = NULL;
    ev->queued_ms = vmon_mono_ms();
    if (d->inbox_tail)
        d->inbox_tail->next = ev;
    else
        d->inbox_head = ev;
    d->inbox_tail = ev;
    d->n_inbox++;
    pthread_cond_signal(&d->commit_wake);
}

static void push_locked(vmon_delivery *d, vmon_alert_event *ev)
{
    if (d->spool)
        push_inbox(d, ev);
    else
        push_memory(d, ev);
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
        push_locked(d, ev);
    }
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

/* Called with the lock held after deliveries: a drained spool clears the backlog alert. */
static void check_backlog_cleared(vmon_delivery *d)
{
    if (!d->backlog || !d->spool ||
        (double)d->spooled_bytes > BACKLOG_CLEAR_RATIO * (double)d->spool_max)
        return;
    d->backlog = 0;
    emit_event(d, "delivery_backlog", "spool has room again", 1);
}

void vmon_delivery_stats_get(vmon_delivery *d, vmon_delivery_stats *out)
{
    pthread_mutex_lock(&d->lock);
    check_backlog_cleared(d);
    *out = d->stats;
    out->queued = pending(d);
    pthread_mutex_unlock(&d->lock);
}

int vmon_delivery_drain(vmon_delivery *d, int64_t timeout_ms)
{
    int64_t deadline = vmon_mono_ms() + timeout_ms;
    pthread_mutex_lock(&d->lock);
    while ((pending(d) || d->bhead || d->in_call) && !d->finished && vmon_mono_ms() < deadline) {
        struct timespec ts = vmon_deadline_from_ms(deadline);
        pthread_cond_timedwait(&d->idle, &d->lock, &ts);
    }
    int rc = pending(d) || d->bhead || d->in_call ? -1 : 0;
    pthread_mutex_unlock(&d->lock);
    return rc;
}

/* ---- stopping ---- */

static void begin_stop(vmon_delivery *d, int64_t deadline_ms)
{
    pthread_mutex_lock(&d->lock);
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
             (long long)timeout_ms, (unsigned long long)pending(d),
             d->spool ? " (what reached the spool stays there)" : "");
    d->detached = 1;
    vmon_delivery_set_events(d, NULL, NULL);
    int committer = d->spool != NULL;
    pthread_mutex_unlock(&d->lock);
    pthread_detach(d->thread);
    if (committer)
        pthread_detach(d->committer);
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
    uint64_t left = pending(d);
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

/* ---- hand-over to a replacement ---- */

/* What `from` gives away: its queue in order, and what `resend` tracks. */
typedef struct handed {
    vmon_alert_event *head, *tail;
    size_t n;
    firing *firing;
    size_t n_firing;
} handed;

static void handed_append(handed *h, vmon_alert_event *ev)
{
    ev->next = NULL;
    if (h->tail)
        h->tail->next = ev;
    else
        h->head = ev;
    h->tail = ev;
    h->n++;
}

static void handed_append_chain(handed *h, vmon_alert_event *chain)
{
    for (vmon_alert_event *e = chain, *next; e; e = next) {
        next = e->next;
        handed_append(h, e);
    }
}

/* The call in flight may never return: the replacement gets a copy (same keys). */
static void copy_in_flight(vmon_delivery *from, handed *h)
{
    batch *b = from->current;
    if (!from->in_call || !b || !b->chain)
        return;
    for (uint32_t i = 0; i < b->n; i++) {
        vmon_alert_event *copy = vmon_alert_event_copy(&b->alerts[i]);
        copy->attempts = b->attempts;
        handed_append(h, copy);
    }
}

/* spool_lock held. A spool's rows (in flight or not) become events; `from` drops them. */
static void take_spool_rows(vmon_delivery *from, handed *h)
{
    vmon_spool_item it;
    while (vmon_spool_peek(from->spool, &it, 1) == 1) {
        vmon_alert a;
        json_object *holder = NULL;
        if (vmon_alert_from_json(it.payload, &a, &holder) == 0) {
            vmon_alert_event *ev = vmon_alert_event_copy(&a);
            ev->attempts = it.attempts;
            handed_append(h, ev);
            vmon_alert_json_release(&a, holder);
        }
        vmon_spool_ack(from->spool, it.id);
        vmon_spool_item_clear(&it);
    }
}

static int same_spool(const vmon_delivery *from, const vmon_delivery *to)
{
    return from->spool_path && to->spool_path && strcmp(from->spool_path, to->spool_path) == 0 &&
           strcmp(from->sink->section, to->sink->section) == 0;
}

/* Oldest first: the rows on disk (or the call in flight), the queue, what was not committed. */
static void take_queue(vmon_delivery *from, vmon_delivery *to, handed *h)
{
    pthread_mutex_lock(&from->lock);
    from->handed_over = 1;
    from->current_handed = from->in_call && from->current;
    if (!from->spool)
        copy_in_flight(from, h);
    vmon_alert_event *queue = from->head, *inbox = from->inbox_head;
    from->head = from->tail = from->inbox_head = from->inbox_tail = NULL;
    from->n_alerts = from->n_inbox = 0;
    h->firing = from->firing;
    h->n_firing = from->n_firing;
    from->firing = NULL;
    from->n_firing = 0;
    pthread_cond_broadcast(&from->idle);
    pthread_mutex_unlock(&from->lock);
    if (from->spool && !same_spool(from, to)) {
        pthread_mutex_lock(&from->spool_lock);
        take_spool_rows(from, h);
        sync_totals(from);
        pthread_mutex_unlock(&from->spool_lock);
    }
    handed_append_chain(h, queue);
    handed_append_chain(h, inbox);
}

/* `to` keeps its own record of an alert it has sent itself. */
static void give_firing(vmon_delivery *to, handed *h)
{
    for (size_t i = 0; i < h->n_firing; i++) {
        if (to->resend_ms <= 0 || find_firing(to, h->firing[i].ev->a.fingerprint)) {
            vmon_alert_event_free(h->firing[i].ev);
            continue;
        }
        to->firing = vmon_realloc(to->firing, (to->n_firing + 1) * sizeof *to->firing);
        to->firing[to->n_firing++] = h->firing[i];
    }
    free(h->firing);
}

/* Lock held: ahead of `to`'s own (its memory queue, or what it has not committed yet). */
static void give_queue(vmon_delivery *to, handed *h)
{
    if (!h->n)
        return;
    int64_t now = vmon_mono_ms();
    for (vmon_alert_event *e = h->head; e; e = e->next)
        e->queued_ms = now;
    vmon_alert_event **head = to->spool ? &to->inbox_head : &to->head;
    vmon_alert_event **tail = to->spool ? &to->inbox_tail : &to->tail;
    h->tail->next = *head;
    *head = h->head;
    if (!*tail)
        *tail = h->tail;
    if (to->spool)
        to->n_inbox += h->n;
    else
        to->n_alerts += h->n;
    to->stats.queued += h->n;
    pthread_cond_signal(to->spool ? &to->commit_wake : &to->wake);
}

void vmon_delivery_hand_over(vmon_delivery *from, vmon_delivery *to)
{
    handed h = {0};
    take_queue(from, to, &h);
    if (same_spool(from, to)) {
        pthread_mutex_lock(&to->spool_lock);
        vmon_spool_refresh(to->spool);
        sync_totals(to);
        pthread_mutex_unlock(&to->spool_lock);
    }
    pthread_mutex_lock(&to->lock);
    give_queue(to, &h);
    give_firing(to, &h);
    pthread_cond_signal(&to->wake);
    pthread_mutex_unlock(&to->lock);
    if (h.n)
        vmon_log(VMON_LOGL_INFO, to->sink->log_source,
                 "took over %zu queued alert(s) from the sink it replaces", h.n);
}
