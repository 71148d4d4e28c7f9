/*
 * Sink operations: deliver alerts to people and systems.
 *
 * The core owns queueing, retry with backoff, and dead letters: a sink only
 * tries once and reports what happened. Classify failures this way:
 * network errors, timeouts, 408, 429 and 5xx -> VMON_RETRY; other 4xx ->
 * VMON_ERROR; a receiver that says "gone" (HTTP 410) -> VMON_ERROR with
 * `disable` set.
 */
#ifndef VMON_SINK_H
#define VMON_SINK_H

#include <vmon/event.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Filled by a sink's deliver call, zeroed by the core beforehand. */
typedef struct vmon_delivery_result {
    uint32_t struct_size;   /**< set by the core */
    uint32_t disable;       /**< nonzero: the receiver is gone for good; stop the sink */
    int64_t retry_after_ms; /**< with VMON_RETRY: the receiver asked to wait this long */
    char detail[256];       /**< why it failed (HTTP status, errno text); never secrets */
} vmon_delivery_result;

/**
 * Operations of a sink plugin (vmon_plugin_descriptor.ops for VMON_KIND_SINK).
 * Before ABI 0.3 the second word was `max_batch`; the loader translates a
 * 0.1/0.2 sink's layout, so old sinks keep loading.
 */
typedef struct vmon_sink_ops {
    uint32_t struct_size; /**< sizeof(vmon_sink_ops) as the plugin was built */
    uint32_t kind;        /**< VMON_KIND_SINK */

    /**
     * Required. Deliver `n` alerts (n >= 1). The outcome applies to the whole
     * batch. Called only from this sink instance's own delivery thread, never
     * concurrently; may block (bounded by the sink's own timeouts) without
     * delaying probes, rules or other sinks.
     */
    int (*deliver)(void *ctx, const vmon_alert *alerts, uint32_t n, vmon_delivery_result *result);

    /**
     * Optional. Receive the samples of one probe reading (a report). Called
     * from the same delivery thread as deliver; best effort: when the sink
     * falls behind, the core drops sample batches (counted), never alerts.
     */
    int (*on_samples)(void *ctx, const char *source, const vmon_sample *samples, uint32_t n);

    /**
     * Most alerts the sink accepts in one deliver call; 0 or 1 means one at a
     * time. The core batches up to min(this, the section's `batch_max`).
     */
    uint32_t max_batch;

    /* ---- appended in ABI 0.4 ---- */

    /**
     * Optional. Deliver `n` events (n >= 1; see vmon/event.h). NULL: the sink
     * receives no events. Same thread, batching and outcome rules as deliver.
     */
    int (*on_events)(void *ctx, const vmon_event *events, uint32_t n, vmon_delivery_result *result);
} vmon_sink_ops;

#ifdef __cplusplus
}
#endif
#endif
