/*
 * A sink's queue in memory (no `spool =`): bounded by queue_max, the oldest
 * dropped loudly when full; a failed batch goes back at the head in order.
 */
#include "delivery_internal.h"

#include "log.h"
#include "strutil.h"

void delivery_free_chain(vmon_alert_event *e)
{
    while (e) {
        vmon_alert_event *next = e->next;
        vmon_alert_event_free(e);
        e = next;
    }
}

/* Lock held. */
void delivery_queue_take(vmon_delivery *d, batch *b)
{
    vmon_alert_event *last = d->head;
    b->chain = d->head;
    b->n = 1;
    b->is_events = d->head->event != NULL;
    /* A batch never mixes alerts and events: they go to different operations. */
    while (b->n < d->batch_max && last->next && (last->next->event != NULL) == b->is_events) {
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
    b->events = b->is_events ? vmon_calloc(b->n, sizeof *b->events) : NULL;
    uint32_t i = 0;
    for (vmon_alert_event *e = b->chain; e; e = e->next, i++) {
        b->alerts[i] = e->a;
        if (b->is_events)
            b->events[i] = *e->event;
    }
}

/* Failed for now: a memory batch goes back at the head, in order, one attempt older. */
void delivery_queue_requeue(vmon_delivery *d, batch *b)
{
    if (d->spool || !b->chain) {
        delivery_batch_release(b);
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
    delivery_batch_release(b);
}

/* Memory is bounded: the oldest goes, loudly (a spool keeps everything). */
void delivery_queue_push(vmon_delivery *d, vmon_alert_event *ev)
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
