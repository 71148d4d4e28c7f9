/*
 * `vmond --export-rules`: a configuration's [rule:NAME] sections as a
 * Prometheus alerting-rules file, for teams that alert in Prometheus over
 * what the `prometheus` sink exposes rather than in vmond. Metric and label
 * names are mapped as that sink writes them (common/prom_name.h), with
 * vmon's `instance`/`job` as Prometheus stores them by default
 * (`exported_instance`, `exported_job`). A rule that cannot be expressed is
 * left out with a comment that names it and says why.
 */
#ifndef VMON_CORE_RULE_EXPORT_H
#define VMON_CORE_RULE_EXPORT_H

#include <stdio.h>

#include "plan.h"

/**
 * Write the plan's rules as YAML to `out`; `source` names the file in the
 * header comment. Returns the number of rules skipped; each is also named
 * on `err` (may be NULL).
 */
size_t vmon_rules_export(const vmon_plan *plan, const char *source, FILE *out, FILE *err);

#endif
