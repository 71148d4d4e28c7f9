#include "traffic_monitor.h"

#include <stdio.h>
#include <string.h>

static void record(void *arg, uint32_t arm, uint32_t worker, uint64_t now_ns, uint64_t latency_ns,
                   bool ok)
{
    vmon_traffic_monitor *tm = arg;
    vmon_monitor_record(tm->arms[arm < tm->n_arms ? arm : 0], worker, now_ns, latency_ns, ok);
}

int vmon_traffic_monitor_init(vmon_traffic_monitor *tm, vmon_monitor *m, const char *collection,
                              uint32_t n_arms, char *err, size_t errlen)
{
    memset(tm, 0, sizeof *tm);
    if (n_arms < 1 || n_arms > VMON_ROUTER_MAX_ARMS) {
        snprintf(err, errlen, "traffic monitor: %u arms; give 1..%d", n_arms, VMON_ROUTER_MAX_ARMS);
        return -1;
    }
    for (uint32_t a = 0; a < n_arms; a++)
        if (!(tm->arms[a] = vmon_monitor_arm_get(m, collection, a, err, errlen)))
            return -1;
    tm->n_arms = n_arms;
    tm->recorder = (vmon_traffic_recorder){record, tm};
    return 0;
}
