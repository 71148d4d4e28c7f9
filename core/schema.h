/*
 * The core-owned keys of every section kind: [daemon], [rule:], [pipeline:]
 * entirely, and the keys every plugin section of a kind shares (`plugin`,
 * `interval`, `target`, `min_severity`, retry settings ...), which are
 * merged with the plugin's own option table.
 */
#ifndef VMON_CORE_SCHEMA_H
#define VMON_CORE_SCHEMA_H

#include <vmon/options.h>

#include <stdint.h>

/*
 * The ABI minor that introduced a core key of a plugin section, kept in the
 * flag bits plugins may not use (above VMON_OPT_KNOWN_FLAGS). No mark means
 * 0.1. A key added in 0.4 is written `.flags = VMON_CORE_SINCE(4) | ...`, so
 * it never applies to (nor collides with) a plugin built for 0.3.
 */
#define VMON_CORE_SINCE(minor) ((uint32_t)(minor) << 24)
/** The minor that introduced core key `o` (1 when unmarked). */
uint16_t vmon_core_key_since(const vmon_option *o);

extern const vmon_option vmon_schema_daemon[];
extern const vmon_option vmon_schema_rule[];
extern const vmon_option vmon_schema_pipeline[];
extern const vmon_option vmon_schema_traffic[];

/* Core keys of each plugin kind's sections (the kind table points at them). */
extern const vmon_option vmon_schema_target[];
extern const vmon_option vmon_schema_probe[];
extern const vmon_option vmon_schema_tuner[];
extern const vmon_option vmon_schema_router[];
extern const vmon_option vmon_schema_sink[];

/* Enum values of the pipeline's tuning keys, in the order their indexes mean. */
extern const char *const vmon_tuning_modes[];     /* auto, apply, recommend */
extern const char *const vmon_judge_names[];      /* sequential, classic (as vmon_judge_kind) */
extern const char *const vmon_restart_policies[]; /* resume, abandon */

/** Every core key of a plugin section of `kind` (a vmon_kind), whatever its minor. */
const vmon_option *vmon_schema_for_kind(uint32_t kind);

#endif
