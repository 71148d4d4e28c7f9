/*
 * Hand-over: a sink replaced on reload gives its queue (and what `resend`
 * tracks) to its replacement, so nothing queued is lost.
 */
#include "delivery_internal.h"

#include <stdlib.h>
#include <string.h>

#include "event_copy.h"
#include "event_json.h"
#include "log.h"
#include "strutil.h"

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
        vmon_alert_event *copy = b->is_events ? vmon_queued_event_new(&b->events[i])
                                              : vmon_alert_event_copy(&b->alerts[i]);
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
        vmon_event e;
        json_object *holder = NULL;
        if (vmon_event_from_json(it.payload, &e, &holder) == 0) {
            vmon_alert_event *ev = vmon_queued_event_new(&e);
            ev->attempts = it.attempts;
            handed_append(h, ev);
            vmon_event_json_release(&e, holder);
        } else if (vmon_alert_from_json(it.payload, &a, &holder) == 0) {
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
    return to && from->spool_path && to->spool_path &&
           strcmp(from->spool_path, to->spool_path) == 0 &&
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
    if (from->spool && to && !same_spool(from, to)) {
        pthread_mutex_lock(&from->spool_lock);
        take_spool_rows(from, h);
        delivery_spool_sync(from);
        pthread_mutex_unlock(&from->spool_lock);
    }
    handed_append_chain(h, queue);
    handed_append_chain(h, inbox);
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

static void give(vmon_delivery *to, handed *h)
{
    pthread_mutex_lock(&to->lock);
    give_queue(to, h);
    delivery_resend_adopt(to, h->firing, h->n_firing);
    pthread_cond_signal(&to->wake);
    pthread_mutex_unlock(&to->lock);
    if (h->n)
        vmon_log(VMON_LOGL_INFO, to->sink->log_source,
                 "took over %zu queued alert(s) from the sink it replaces", h->n);
}

void vmon_delivery_hand_over(vmon_delivery *from, vmon_delivery *to)
{
    handed h = {0};
    take_queue(from, to, &h);
    if (same_spool(from, to)) {
        pthread_mutex_lock(&to->spool_lock);
        vmon_spool_refresh(to->spool);
        delivery_spool_sync(to);
        pthread_mutex_unlock(&to->spool_lock);
    }
    give(to, &h);
}

struct vmon_delivery_parked {
    handed h;
    char *section;
};

vmon_delivery_parked *vmon_delivery_park(vmon_delivery *from)
{
    vmon_delivery_parked *p = vmon_calloc(1, sizeof *p);
    take_queue(from, NULL, &p->h);
    p->section = vmon_strdup(from->sink->section);
    return p;
}

void vmon_delivery_unpark(vmon_delivery_parked *p, vmon_delivery *to)
{
    if (!p)
        return;
    if (to) {
        give(to, &p->h);
    } else {
        if (p->h.n)
            vmon_log(VMON_LOGL_WARNING, "core",
                     "[%s] %zu queued alert(s) had no sink to go to after the reload: lost",
                     p->section, p->h.n);
        delivery_free_chain(p->h.head);
        for (size_t i = 0; i < p->h.n_firing; i++)
            vmon_alert_event_free(p->h.firing[i].ev);
        free(p->h.firing);
    }
    free(p->section);
    free(p);
}
