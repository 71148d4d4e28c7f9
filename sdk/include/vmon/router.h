/*
 * Router operations: pick the variant (0 = A, 1 = B, ...) for each request.
 * Provisional: the tuning-loop work settles these operations.
 */
#ifndef VMON_ROUTER_H
#define VMON_ROUTER_H

#include <vmon/abi.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Operations of a router plugin (vmon_plugin_descriptor.ops for VMON_KIND_ROUTER). */
typedef struct vmon_router_ops {
    uint32_t struct_size;
    uint32_t kind; /**< VMON_KIND_ROUTER (ABI 0.3; a reserved zero before) */
    /**
     * Required. The variant for a request id; the same id always lands on the
     * same variant while the split is unchanged. Called from traffic threads
     * concurrently; must not block.
     */
    uint32_t (*pick)(void *ctx, const char *request_id, size_t id_len);
    /** Required. Set the share of traffic (0..1) sent to variant B. Tuning thread. */
    int (*set_share)(void *ctx, double share_b);
} vmon_router_ops;

#ifdef __cplusplus
}
#endif
#endif
