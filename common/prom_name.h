/*
 * vmon names to Prometheus names, defined once (docs/sinks.md, "Sink
 * `prometheus`"):
 *
 * - a sample `component.metric_unit` becomes the metric
 *   `vmon_component_metric_unit`: `vmon_` in front, every character outside
 *   `[a-zA-Z0-9_]` (the dots, and anything else) replaced by `_`;
 * - a label name keeps `[a-zA-Z0-9_]` and gets `_` for anything else; one
 *   that would start with a digit or be empty gets a `_` in front, and one
 *   that starts with `__` (reserved by Prometheus) gets `x` in front.
 *
 * `instance` and `job` are written as they are: a Prometheus scraping
 * without `honor_labels: true` stores them as `exported_instance` and
 * `exported_job`.
 */
#ifndef VMON_PROM_NAME_H
#define VMON_PROM_NAME_H

#include <stddef.h>

#define PROM_NAME_PREFIX "vmon_"

/** The metric name for the first `len` bytes of a sample name; malloc'd, NULL without memory. */
char *prom_metric_name(const char *sample_name, size_t len);

/** The label name for `name`; malloc'd, NULL without memory. */
char *prom_label_name(const char *name);

/**
 * The name a Prometheus scraping with the default `honor_labels: false`
 * stores the label `name` under: `exported_instance` and `exported_job` for
 * `instance` and `job`, else prom_label_name(). For queries and alert rules
 * over what it scraped (`vmond --export-rules`). malloc'd, NULL without memory.
 */
char *prom_stored_label_name(const char *name);

#endif
