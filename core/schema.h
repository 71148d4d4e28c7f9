/*
 * The core-owned keys of every section kind: [daemon], [rule:], [pipeline:]
 * entirely, and the keys every plugin section of a kind shares (`plugin`,
 * `interval`, `target`, `min_severity`, retry settings ...), which are
 * merged with the plugin's own option table.
 */
#ifndef VMON_CORE_SCHEMA_H
#define VMON_CORE_SCHEMA_H

#include <vmon/options.h>

extern const vmon_option vmon_schema_daemon[];
extern const vmon_option vmon_schema_rule[];
extern const vmon_option vmon_schema_pipeline[];
extern const char *const vmon_severity_names[]; /* info, warning, critical */

/** Core keys of a plugin section of `kind` (a vmon_kind). */
const vmon_option *vmon_schema_for_kind(uint32_t kind);

#endif
