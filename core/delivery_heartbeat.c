/*
 * `heartbeat = INTERVAL` (a dead man's switch): the always-firing alert
 * `vmon_heartbeat`, severity info, queued on this sink every interval with
 * one fingerprint, and resolved only when the sink stops cleanly (vmond
 * stopping on SIGTERM/SIGINT, or a reload removing the sink). A receiver
 * that stops getting it while it is not resolved knows vmond died. It is
 * this sink's own: `min_severity` does not apply, and a sink that hands its
 * queue to a replacement on reload leaves the heartbeat to it.
 */
#include "delivery_internal.h"

#include <math.h>
#include <string.h>

#include "clock.h"

#define HEARTBEAT_RULE "vmon_heartbeat"

static vmon_alert_event *heartbeat(vmon_delivery *d, int state)
{
    const vmon_label labels[] = {{"instance", "vmond"}};
    const char *msg = state == VMON_ALERT_FIRING
                          ? "vmond is alive; this alert always fires, and its absence means "
                            "vmond stopped without resolving it"
                          : "vmond stopped cleanly";
    vmon_alert_event *ev = vmon_alert_event_new(
        HEARTBEAT_RULE, "vmon", VMON_SEV_INFO, state, labels, 1, NULL, 0, msg, NAN, NAN,
        d->heartbeat_since, state == VMON_ALERT_RESOLVED ? vmon_now_ms() : 0,
        state == VMON_ALERT_FIRING ? d->heartbeats : 0);
    return ev; /* its idempotency key differs per repeat (alert_event.c) */
}

static int waiting_heartbeat(const vmon_alert_event *e)
{
    for (; e; e = e->next)
        if (!e->event && e->a.state == VMON_ALERT_FIRING && strcmp(e->a.rule, HEARTBEAT_RULE) == 0)
            return 1;
    return 0;
}

int64_t delivery_heartbeat_due(vmon_delivery *d, int64_t now)
{
    if (d->heartbeat_ms <= 0 || d->stopping || d->handed_over)
        return 0;
    if (d->heartbeat_next_ms == 0 || now >= d->heartbeat_next_ms) {
        if (d->heartbeats == 0)
            d->heartbeat_since = vmon_now_ms();
        /* While the receiver is down one beat waiting is enough: more would only fill the
         * queue (queue_max drops the oldest entry, which may be a real alert) and arrive as a
         * burst of stale beats. */
        if (!waiting_heartbeat(d->head) && !waiting_heartbeat(d->inbox_head)) {
            delivery_push_locked(d, heartbeat(d, VMON_ALERT_FIRING));
            d->heartbeats++;
        }
        d->heartbeat_next_ms = now + d->heartbeat_ms;
    }
    return d->heartbeat_next_ms;
}

void delivery_heartbeat_resolve(vmon_delivery *d)
{
    if (d->heartbeat_ms <= 0 || d->heartbeats == 0 || d->stopping || d->handed_over)
        return;
    delivery_push_locked(d, heartbeat(d, VMON_ALERT_RESOLVED));
}
