/*
 * Router operations: send each request to one of N weighted arms (ABI 0.4).
 *
 * Arm 0 is the current configuration (A), arms 1.. are the candidates. The
 * core owns the experiment's schedule (ramp steps, rollback) and changes the
 * weights; the router owns the mapping from a request id to an arm:
 *  - sticky: the same id lands on the same arm while the weights are unchanged;
 *  - minimal moves: raising one arm's weight moves ids only from the other
 *    arms to it (never between two other arms); lowering it moves only its own.
 *
 * A router built for ABI 0.3 or older (`set_share`) is refused with a message
 * asking for a rebuild: that operation was provisional.
 */
#ifndef VMON_ROUTER_H
#define VMON_ROUTER_H

#include <vmon/abi.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most arms an experiment has. */
#define VMON_ROUTER_MAX_ARMS 8

/** Operations of a router plugin (vmon_plugin_descriptor.ops for VMON_KIND_ROUTER). */
typedef struct vmon_router_ops {
    uint32_t struct_size; /**< sizeof(vmon_router_ops) as the plugin was built */
    uint32_t kind;        /**< VMON_KIND_ROUTER */
    /**
     * Required. The arm (0 .. n_arms-1) for a request id of `id_len` bytes
     * (not necessarily NUL-terminated). Before the first set_weights every
     * id gets arm 0. Called from traffic threads, many at once, concurrently
     * with set_weights; must not block, lock or allocate.
     */
    uint32_t (*pick)(void *ctx, const char *request_id, size_t id_len);
    /**
     * Required. Set the arms and their weights (n_arms 1..VMON_ROUTER_MAX_ARMS,
     * each weight >= 0, at least one > 0; shares are weight / sum). VMON_EINVAL
     * otherwise, with the old weights kept. Tuning thread; picks running at the
     * same time see the old or the new weights, never a mix.
     */
    int (*set_weights)(void *ctx, const double *weights, uint32_t n_arms);
} vmon_router_ops;

#ifdef __cplusplus
}
#endif
#endif
