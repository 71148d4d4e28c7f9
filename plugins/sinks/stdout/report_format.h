/* The human forms: a reading as a report block, an alert as one line. */
#ifndef VMON_SINK_STDOUT_REPORT_FORMAT_H
#define VMON_SINK_STDOUT_REPORT_FORMAT_H

#include <stdio.h>
#include <vmon/alert.h>

/** A value with its unit made readable from the name's suffix (`_bytes`, `_percent`, ...). */
void format_sample_value(const char *name, double value, char *buf, size_t len);
/** `==== probe:sys 2026-11-21 05:09:45Z ====` and one line per sample. */
void format_report(FILE *out, const char *source, const vmon_sample *s, uint32_t n);
/** The sample lines of format_report, without its heading. */
void format_report_lines(FILE *out, const vmon_sample *s, uint32_t n);
/** `[FIRING] critical mem_high: ... {instance="sys"}`. */
void format_alert_line(FILE *out, const vmon_alert *a);

#endif
