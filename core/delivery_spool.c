/*
 * The queue on disk (`spool =`). A push only appends to the inbox in memory;
 * the committer thread writes what arrived in one transaction, commits at
 * most spool_commit apart. The delivery thread reads and settles batches
 * under spool_lock, never under the sink's lock.
 */
#include "delivery_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadletter.h"
#include "event_json.h"
#include "log.h"
#include "strutil.h"

/* delivery_backlog resolves once the spool is back under this share of its cap. */
#define BACKLOG_CLEAR_RATIO 0.9

/* spool_lock held: publish the spool's totals to the lock's side. */
void delivery_spool_sync(vmon_delivery *d)
{
    pthread_mutex_lock(&d->lock);
    d->spooled = vmon_spool_count(d->spool);
    d->spooled_bytes = vmon_spool_bytes(d->spool);
    pthread_mutex_unlock(&d->lock);
}

/* Parse row `it` into slot b->n; its kind must match the batch's. -1: unreadable, 1: other kind. */
static int parse_row(batch *b, const vmon_spool_item *it)
{
    int is_event = vmon_json_is_event(it->payload);
    if (b->n > 0 && is_event != b->is_events)
        return 1;
    b->is_events = is_event;
    if (is_event)
        return vmon_event_from_json(it->payload, &b->events[b->n], &b->holders[b->n]);
    return vmon_alert_from_json(it->payload, &b->alerts[b->n], &b->holders[b->n]);
}

/* spool_lock held. A row that does not parse is dead-lettered as it is and removed. */
static void peek_spool_batch(vmon_delivery *d, batch *b)
{
    b->items = vmon_calloc(d->batch_max, sizeof *b->items);
    b->alerts = vmon_calloc(d->batch_max, sizeof *b->alerts);
    b->events = vmon_calloc(d->batch_max, sizeof *b->events);
    b->holders = vmon_calloc(d->batch_max, sizeof *b->holders);
    size_t got = vmon_spool_peek(d->spool, b->items, d->batch_max);
    if (got == 0) /* another connection took this sink's rows: count again, do not spin */
        vmon_spool_refresh(d->spool);
    for (size_t i = 0; i < got; i++) {
        vmon_spool_item *it = &b->items[i];
        int parsed = parse_row(b, it);
        if (parsed > 0) { /* the next batch starts with it: a batch never mixes the two */
            for (size_t j = i; j < got; j++)
                vmon_spool_item_clear(&b->items[j]);
            break;
        }
        if (parsed < 0) {
            vmon_log(VMON_LOGL_ERROR, d->sink->log_source,
                     "spool row %lld is neither an alert nor an event; moved to the dead letters",
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

/* Lock held on entry and return; dropped while the spool is read. */
void delivery_spool_take(vmon_delivery *d, batch *b)
{
    pthread_mutex_unlock(&d->lock);
    pthread_mutex_lock(&d->spool_lock);
    peek_spool_batch(d, b);
    delivery_spool_sync(d);
    pthread_mutex_unlock(&d->spool_lock);
    pthread_mutex_lock(&d->lock);
    if (d->handed_over) /* the rows went to a replacement meanwhile */
        delivery_batch_release(b);
}

/* No lock held: a delivered or failed batch leaves the spool, one to retry is one attempt older. */
void delivery_spool_settle(vmon_delivery *d, batch *b, int retry)
{
    if (!d->spool || !b->items || !b->n)
        return;
    pthread_mutex_lock(&d->spool_lock);
    if (retry) {
        for (uint32_t i = 0; i < b->n; i++)
            vmon_spool_bump_attempts(d->spool, b->items[i].id);
    } else {
        /* One transaction, one fsync for the whole batch. */
        int64_t *ids = vmon_calloc(b->n, sizeof *ids);
        for (uint32_t i = 0; i < b->n; i++)
            ids[i] = b->items[i].id;
        vmon_spool_ack_many(d->spool, ids, b->n);
        free(ids);
    }
    delivery_spool_sync(d);
    pthread_mutex_unlock(&d->spool_lock);
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
    delivery_dead_letter_entry(d, ev, reason);
    pthread_mutex_lock(&d->lock);
    d->stats.dropped++;
    d->stats.dead_lettered++;
    if (!d->backlog) {
        d->backlog = 1;
        delivery_emit(d, "delivery_backlog", reason, 0);
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
        payloads[i] =
            e->event ? vmon_event_to_json_string(e->event) : vmon_alert_to_json_string(&e->a);
        entries[i] = (vmon_spool_entry){e->a.idempotency_key, payloads[i], strlen(payloads[i])};
    }
    pthread_mutex_lock(&d->spool_lock);
    vmon_spool_put_many(d->spool, entries, n, status);
    delivery_spool_sync(d);
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
void *delivery_committer_main(void *arg)
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
            delivery_wait(&d->commit_wake, &d->lock, due);
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
    delivery_leave(d);
    return NULL;
}

int delivery_spool_open(vmon_delivery *d, char *err, size_t errlen)
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

/* The disk is the committer's: a push only appends to memory. */
void delivery_spool_push(vmon_delivery *d, vmon_alert_event *ev)
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

/* Called with the lock held after deliveries: a drained spool clears the backlog alert. */
void delivery_spool_backlog_check(vmon_delivery *d)
{
    if (!d->backlog || !d->spool ||
        (double)d->spooled_bytes > BACKLOG_CLEAR_RATIO * (double)d->spool_max)
        return;
    d->backlog = 0;
    delivery_emit(d, "delivery_backlog", "spool has room again", 1);
}
