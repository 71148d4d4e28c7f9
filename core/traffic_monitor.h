/*
 * The traffic recorder that feeds the monitor (core/monitor.h): arm N of the
 * traffic is arm N of the collection's monitor, worker W its writer W. The
 * arm handles are looked up once here, so a request only records.
 */
#ifndef VMON_CORE_TRAFFIC_MONITOR_H
#define VMON_CORE_TRAFFIC_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#include "monitor.h"
#include "traffic.h"

typedef struct vmon_traffic_monitor {
    vmon_traffic_recorder recorder; /* pass &this->recorder to vmon_traffic_set_recorder */
    vmon_monitor_arm *arms[VMON_ROUTER_MAX_ARMS];
    uint32_t n_arms;
} vmon_traffic_monitor;

/**
 * Look up arms 0..n_arms-1 of `collection` in `m` (the monitor's n_writers
 * must cover the traffic's workers). An arm past n_arms records into arm 0.
 * -1 with `err` from the monitor.
 */
int vmon_traffic_monitor_init(vmon_traffic_monitor *tm, vmon_monitor *m, const char *collection,
                              uint32_t n_arms, char *err, size_t errlen);

#endif
