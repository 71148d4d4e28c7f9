/*
 * Probe operations: read one component and emit samples.
 */
#ifndef VMON_PROBE_H
#define VMON_PROBE_H

#include <vmon/sample.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Operations of a probe plugin (vmon_plugin_descriptor.ops for VMON_KIND_PROBE). */
typedef struct vmon_probe_ops {
    uint32_t struct_size; /**< sizeof(vmon_probe_ops) as the plugin was built */
    uint32_t kind;        /**< VMON_KIND_PROBE (ABI 0.3; a reserved zero before) */

    /**
     * Required. Take one reading and emit its samples with vmon_host.emit.
     * Called on the probe instance's own thread, once per `interval`; may
     * block (a slow probe delays only itself). On failure return VMON_RETRY
     * or VMON_ERROR with a reason in `err`: the core backs the probe off
     * (doubling its interval up to a cap, reset on success) and raises a
     * `probe_failed` alert carrying the reason.
     */
    int (*collect)(void *ctx, char *err, size_t errlen);
} vmon_probe_ops;

#ifdef __cplusplus
}
#endif
#endif
