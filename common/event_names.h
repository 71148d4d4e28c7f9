/*
 * The names of the tuning loop's event types (vmon_event_type, sdk/include/vmon/event.h),
 * as they appear in logs, the audit log, JSON and Prometheus labels.
 */
#ifndef VMON_COMMON_EVENT_NAMES_H
#define VMON_COMMON_EVENT_NAMES_H

#include <stdint.h>

/* "baseline", "experiment_start", ...; NULL for a type this build does not know. */
const char *vmon_event_type_name(uint32_t type);

#endif
