/*
 * Batching: when the head of the queue is ready to go (backoff, linger) and
 * what a batch holds until it is settled.
 */
#include "delivery_internal.h"

#include <stdlib.h>
#include <string.h>

#include "event_json.h"

void delivery_batch_release(batch *b)
{
    for (uint32_t i = 0; b->holders && i < b->n; i++) {
        if (b->is_events)
            vmon_event_json_release(&b->events[i], b->holders[i]);
        else
            vmon_alert_json_release(&b->alerts[i], b->holders[i]);
    }
    for (uint32_t i = 0; b->items && i < b->n; i++)
        vmon_spool_item_clear(&b->items[i]);
    delivery_free_chain(b->chain);
    free(b->alerts);
    free(b->events);
    free(b->items);
    free(b->holders);
    memset(b, 0, sizeof *b);
}

int delivery_batch_ready(vmon_delivery *d, int64_t now, int64_t *wait_until)
{
    if (delivery_pending(d) == 0)
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
