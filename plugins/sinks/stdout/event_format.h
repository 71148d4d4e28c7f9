/*
 * The human form of an event (vmon/event.h): a headed block that tells the
 * tuning loop's story as the seed's run printed it: current performance
 * against the baseline, "P95 up 2.0x", "nprobe 16 -> 11", "A 90% / B 10%",
 * both arms' figures and the verdict. Field names: docs/architecture.md.
 */
#ifndef VMON_SINK_STDOUT_EVENT_FORMAT_H
#define VMON_SINK_STDOUT_EVENT_FORMAT_H

#include <stdio.h>
#include <vmon/event.h>

/** `==== event #12 degradation  pipeline=autotune ... ====` and its lines. */
void format_event(FILE *out, const vmon_event *e);

#endif
