/*
 * vmon plugin ABI: versions, status codes and the small shared vocabulary.
 *
 * The ABI is provisional (0.x): the version check is enforced by the loader,
 * but layouts may still change between minors until 1.0 freezes them.
 *
 * Rules every struct that crosses the boundary follows:
 *  - its first member is `uint32_t struct_size`, set by whoever fills it;
 *  - fields are only ever appended; a reader tests optional trailing fields
 *    with VMON_HAS_FIELD before using them;
 *  - integer fields have explicit widths;
 *  - every operations table starts with `uint32_t struct_size; uint32_t kind;`
 *    (the kind since ABI 0.3), so the loader can tell a probe's operations
 *    from a sink's before it calls any of them.
 */
#ifndef VMON_ABI_H
#define VMON_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Major version: a plugin built for another major is refused. */
#define VMON_ABI_MAJOR 0
/**
 * Minor version: a plugin built for a newer minor than the core is refused.
 * 0.6 appended vmon_target_ops.sample_origin (optional: where a sample comes
 * from, quoted when a rule's metric never appears) and the core sink key
 * `heartbeat` (a plugin built for 0.6 may not have a key of that name; one
 * built for 0.5 keeps its own); docs/architecture.md lists what every minor
 * added.
 */
#define VMON_ABI_MINOR 6

/** Status codes returned by every plugin operation and host call. 0 is success. */
typedef enum vmon_status {
    VMON_OK = 0,      /**< success */
    VMON_RETRY = 1,   /**< transient failure: the core retries later with backoff */
    VMON_ERROR = 2,   /**< permanent failure for this call: do not retry it */
    VMON_EINVAL = 3,  /**< invalid argument (a permanent failure) */
    VMON_ENOMEM = 4,  /**< out of memory */
    VMON_ENOTSUP = 5, /**< operation not supported by this plugin or host */
} vmon_status;

/**
 * The kinds of plugin. Numbers are part of the ABI; a new kind comes with a
 * new minor (its number here, its ops header, one row of the core's kind
 * table).
 */
typedef enum vmon_kind {
    VMON_KIND_TARGET = 1, /**< talks to one vector database */
    VMON_KIND_PROBE = 2,  /**< reads one component and emits samples */
    VMON_KIND_TUNER = 3,  /**< turns observations into search parameters */
    VMON_KIND_ROUTER = 4, /**< picks the variant for each request */
    VMON_KIND_SINK = 5,   /**< delivers alerts (and optionally samples) */
} vmon_kind;

/** Log levels for vmon_host.log. */
typedef enum vmon_log_level {
    VMON_LOG_ERROR = 0,
    VMON_LOG_WARNING = 1,
    VMON_LOG_INFO = 2,
    VMON_LOG_DEBUG = 3,
} vmon_log_level;

/** Opaque handle the core gives each plugin instance. Pass it back to host calls. */
typedef struct vmon_instance vmon_instance;

/**
 * True when struct `p` (of type T, as filled by the other side) is large enough
 * to contain `field` and that field is non-zero. Use it for optional members.
 */
#define VMON_HAS_FIELD(T, p, field)                                                                \
    ((p) != NULL && (p)->struct_size >= offsetof(T, field) + sizeof(((T *)0)->field) && (p)->field)

/** Marks the one exported symbol of a plugin; everything else is hidden. */
#if defined(__GNUC__)
#define VMON_EXPORT __attribute__((visibility("default")))
#else
#define VMON_EXPORT
#endif

#ifdef __cplusplus
}
#endif
#endif
