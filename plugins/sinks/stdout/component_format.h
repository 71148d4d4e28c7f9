/*
 * The component report: the readings of the querynode and indexnode probes
 * as aligned tables (segments, distribution per node, memory, build
 * progress), the seed's four-section report. Other readings keep the plain
 * report block (report_format.h).
 */
#ifndef VMON_SINK_STDOUT_COMPONENT_FORMAT_H
#define VMON_SINK_STDOUT_COMPONENT_FORMAT_H

#include <stdio.h>
#include <vmon/sample.h>

/** Does this reading hold figures the component tables show? */
int component_report_wanted(const vmon_sample *s, uint32_t n);

/**
 * Write the reading as tables, then its other samples as report lines.
 * `tty`: draw build progress as a bar (a terminal), else as plain figures.
 */
void component_report(FILE *out, const char *source, const vmon_sample *s, uint32_t n, int tty);

#endif
