/*
 * What failed for good: dead letters, a receiver that is gone (the sink is
 * disabled), and the events that tell the other sinks about it.
 */
#include "delivery_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "deadletter.h"
#include "event_json.h"
#include "log.h"

/* Events go out under their own lock: once set_events(NULL) returns, none is running. */
void delivery_emit(vmon_delivery *d, const char *alert, const char *reason, int resolve)
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

/*
 * Logged always; kept in the dead-letter file when one is configured. Writes
 * (and fsyncs) the file: call it without `lock`. The caller counts it.
 */
void delivery_dead_letter(vmon_delivery *d, const vmon_alert *a, const char *reason)
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

void delivery_dead_letter_event(vmon_delivery *d, const vmon_event *e, const char *reason)
{
    vmon_log(VMON_LOGL_ERROR, d->sink->log_source, "giving up on event %s #%llu (%s): %s%s%s",
             e->type_name, (unsigned long long)e->sequence, e->idempotency_key, reason,
             d->dead_letter ? "; written to " : "", d->dead_letter ? d->dead_letter : "");
    if (!d->dead_letter)
        return;
    char *payload = vmon_event_to_json_string(e);
    if (vmon_deadletter_write(d->dead_letter, d->sink->section, reason, payload) != VMON_OK)
        vmon_log(VMON_LOGL_ERROR, d->sink->log_source, "cannot write dead-letter file %s: %s",
                 d->dead_letter, strerror(errno));
    free(payload);
}

void delivery_dead_letter_entry(vmon_delivery *d, const vmon_alert_event *ev, const char *reason)
{
    if (ev->event)
        delivery_dead_letter_event(d, ev->event, reason);
    else
        delivery_dead_letter(d, &ev->a, reason);
}

void delivery_disable(vmon_delivery *d, const char *reason)
{
    if (d->stats.disabled)
        return;
    d->stats.disabled = 1;
    vmon_log(VMON_LOGL_ERROR, d->sink->log_source,
             "sink disabled: the receiver says it is gone (%s); fix its config and reload", reason);
    delivery_emit(d, "sink_disabled", reason, 0);
}
