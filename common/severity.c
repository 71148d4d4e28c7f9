#include "severity.h"

#include <vmon/alert.h>

#include <string.h>

const char *const vmon_severity_enum[] = {
    [VMON_SEV_INFO] = "info",
    [VMON_SEV_WARNING] = "warning",
    [VMON_SEV_CRITICAL] = "critical",
    [VMON_SEV_CRITICAL + 1] = NULL,
};
enum { N_SEVERITIES = VMON_SEV_CRITICAL + 1 };

const char *vmon_severity_name(uint32_t severity)
{
    return severity < N_SEVERITIES ? vmon_severity_enum[severity] : "unknown";
}

const char *vmon_state_name(uint32_t state)
{
    return state == VMON_ALERT_RESOLVED ? "resolved" : "firing";
}

int vmon_severity_from_name(const char *name, uint32_t *out)
{
    for (uint32_t i = 0; name && i < N_SEVERITIES; i++)
        if (strcmp(name, vmon_severity_enum[i]) == 0) {
            *out = i;
            return 0;
        }
    return -1;
}

int vmon_state_from_name(const char *name, uint32_t *out)
{
    if (name && strcmp(name, "firing") == 0)
        *out = VMON_ALERT_FIRING;
    else if (name && strcmp(name, "resolved") == 0)
        *out = VMON_ALERT_RESOLVED;
    else
        return -1;
    return 0;
}
