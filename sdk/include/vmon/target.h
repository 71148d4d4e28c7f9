/*
 * Target operations: one vector database (the embedded engine, Milvus).
 *
 * Threads: a target instance is shared by every probe, tuner and traffic
 * driver that names it, so every operation here may be called from several
 * core threads at once; the plugin makes its operations thread-safe. All
 * operations may block, bounded by the target's own timeouts.
 */
#ifndef VMON_TARGET_H
#define VMON_TARGET_H

#include <vmon/sample.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Operations of a target plugin (vmon_plugin_descriptor.ops for VMON_KIND_TARGET). */
typedef struct vmon_target_ops {
    uint32_t struct_size; /**< sizeof(vmon_target_ops) as the plugin was built */
    uint32_t reserved;

    /**
     * Required. Is the database reachable and serving? VMON_OK, VMON_RETRY
     * (unreachable now) or VMON_ERROR, with a reason in `err`.
     * Called from probe threads; may block up to the target's timeout.
     */
    int (*health)(void *ctx, char *err, size_t errlen);

    /**
     * Required. Report the figures of one component (`proxy`, `querynode`,
     * `datanode`, `indexnode`, or NULL for all) as samples through `emit`,
     * named as DESIGN.md says (`querynode.memory_used_bytes` ...). Returns
     * VMON_ENOTSUP for a component the target does not have.
     * Called from probe threads; may block up to the target's timeout.
     */
    int (*report)(void *ctx, const char *component, vmon_emit_fn emit, void *emit_arg, char *err,
                  size_t errlen);
} vmon_target_ops;

#ifdef __cplusplus
}
#endif
#endif
