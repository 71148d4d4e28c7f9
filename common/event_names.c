#include "event_names.h"

#include <vmon/event.h>

static const char *const type_names[] = {
    [VMON_EVENT_BASELINE] = "baseline",
    [VMON_EVENT_DEGRADATION] = "degradation",
    [VMON_EVENT_EXPERIMENT_START] = "experiment_start",
    [VMON_EVENT_RAMP_STEP] = "ramp_step",
    [VMON_EVENT_VERDICT] = "verdict",
    [VMON_EVENT_PROMOTION] = "promotion",
    [VMON_EVENT_ROLLBACK] = "rollback",
    [VMON_EVENT_PAUSE] = "pause",
    [VMON_EVENT_RESUME] = "resume",
    [VMON_EVENT_ABORT] = "abort",
    [VMON_EVENT_INFEASIBLE] = "infeasible",
    [VMON_EVENT_RECOMMENDATION] = "recommendation",
};

const char *vmon_event_type_name(uint32_t type)
{
    return type < sizeof type_names / sizeof type_names[0] ? type_names[type] : NULL;
}
