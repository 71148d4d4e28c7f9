/*
 * Owned events: deep copies of a vmon_event, and the delivery queue entry
 * that carries one (a vmon_alert_event whose `event` is set), so an event
 * travels through the same queue, spool and hand-over as an alert.
 */
#ifndef VMON_CORE_EVENT_COPY_H
#define VMON_CORE_EVENT_COPY_H

#include <vmon/event.h>

#include "alert_event.h"

/** A deep copy: every string and array is the copy's own. */
vmon_event *vmon_event_dup(const vmon_event *src);
void vmon_event_free(vmon_event *e);

/**
 * A queue entry for a copy of `e`. Its alert view names the event for the
 * queue's log lines (`rule` = type name, `fingerprint` and `idempotency_key`
 * = the event's key) and carries its severity; it is never delivered as an
 * alert.
 */
vmon_alert_event *vmon_queued_event_new(const vmon_event *e);

#endif
