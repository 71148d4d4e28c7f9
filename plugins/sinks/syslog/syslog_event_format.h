/*
 * One syslog record for an event (vmon/event.h). Told apart from alerts:
 * RFC 5424 records carry MSGID `event_msgid` (default `event`) and an
 * element `vmonEvent@PEN` (type, sequence, key, pipeline) beside the labels
 * element and `vmonFields@PEN` for the figures; RFC 3164 text starts with
 * `EVENT`. Pure, like syslog_format.h.
 */
#ifndef VMON_SYSLOG_EVENT_FORMAT_H
#define VMON_SYSLOG_EVENT_FORMAT_H

#include <vmon/event.h>

#include "syslog_format.h"

/** info -> info, warning -> warning (the event's severity). */
int sl_event_severity(const vmon_event *e);

/** As sl_format_record, for an event. */
size_t sl_format_event_record(const sl_format_cfg *cfg, const vmon_event *e, int64_t now_ms,
                              char *buf, size_t cap);

#endif
