/* vmond's own figures, reported as samples of component `vmon`. */
#ifndef VMON_CORE_SELFSTATS_H
#define VMON_CORE_SELFSTATS_H

#include <stdint.h>

#include "delivery.h"
#include "sample_batch.h"

typedef struct vmon_selfstats {
    uint64_t samples, alerts, events, probe_failures, reloads;
    int64_t started_ms;
} vmon_selfstats;

/** Append the daemon's figures and each sink's delivery counters to `b`. */
void vmon_selfstats_fill(vmon_sample_batch *b, const vmon_selfstats *st,
                         vmon_delivery *const *sinks, size_t n_sinks, int64_t now_ms);

#endif
