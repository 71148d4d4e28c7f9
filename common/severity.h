/*
 * Names of alert severities and states as every output spells them
 * (JSON, report lines, syslog structured data, webhook payloads).
 */
#ifndef VMON_COMMON_SEVERITY_H
#define VMON_COMMON_SEVERITY_H

#include <stdint.h>

/** "info", "warning", "critical", NULL: indexed by severity, and usable as an
 *  option table's enum_values (NULL-terminated). */
extern const char *const vmon_severity_enum[];

/** "info", "warning", "critical"; "unknown" for anything else. Never NULL. */
const char *vmon_severity_name(uint32_t severity);
/** "resolved" for VMON_ALERT_RESOLVED, "firing" for anything else. */
const char *vmon_state_name(uint32_t state);

/** The severity named `name` (exact, lower case) into *out: 0, or -1 if unknown/NULL. */
int vmon_severity_from_name(const char *name, uint32_t *out);
/** The state named `name` into *out: 0, or -1 if unknown/NULL. */
int vmon_state_from_name(const char *name, uint32_t *out);

#endif
