/*
 * What the four component probes (proxy, querynode, datanode, indexnode)
 * share: the target handle, the collections they watch, emitting samples
 * with labels, and forwarding the target's own component figures.
 *
 * The probes reach the database only through the target ABI, so they work
 * alike against every target (embedded, milvus); docs/architecture.md
 * ("Component probes") says which figures come from where.
 */
#ifndef VMON_PROBE_COMPONENT_H
#define VMON_PROBE_COMPONENT_H

#include <stddef.h>
#include <stdint.h>

#include <vmon/plugin.h>

/** The option-table entries every component probe has (first in its table). */
#define COMPONENT_COMMON_OPTIONS                                                                   \
    {.key = "collections",                                                                         \
     .type = VMON_OPT_LIST,                                                                        \
     .help = "collections to watch; empty: every collection the target lists"},                    \
    {                                                                                              \
        .key = "max_collections", .type = VMON_OPT_INT, .flags = VMON_OPT_RANGE,                   \
        .default_value = "50", .min = 1, .max = 10000,                                             \
        .help = "watch at most this many of the listed collections (bounds a reading's cost)"      \
    }

typedef struct component_probe {
    const vmon_host *host;
    vmon_instance *inst;
    vmon_target_handle target;
    const char *const *collections; /**< from `collections =`; n_collections 0: all */
    uint32_t n_collections;
    uint32_t max_collections;
    /* This reading's watched collections (component_watched): copies in the walk's order,
     * and the same pointers sorted for lookups. */
    char **watch, **sorted;
    uint32_t n_watch, cap_watch;
    int watch_ready; /* resolved since component_begin */
    int no_select;   /* the target refused report()'s `?collections=`: it gets no selection */
} component_probe;

/** Read the common options and the target handle; VMON_EINVAL without a target. */
int component_init(component_probe *p, const vmon_host *host, vmon_instance *inst, char *err,
                   size_t errlen);

/** Free what component_init and the readings allocated. */
void component_free(component_probe *p);

/** A reading starts: the watched collections are resolved again when next needed. */
void component_begin(component_probe *p);

/**
 * Resolve this reading's watched collections once: `collections =`, else the first
 * max_collections the target lists (scratch collections left out). Every per-collection
 * call of the reading, the probe's and the target's report(), is bounded by them.
 */
int component_watched(component_probe *p, char *err, size_t errlen);

/** Emit one sample (NaN values are skipped: "not known" is not a reading). */
void component_emit(const component_probe *p, const char *name, double value,
                    const vmon_label *labels, uint32_t n_labels);

/** Emit one sample with a single `collection` label. */
void component_emit_coll(const component_probe *p, const char *name, double value,
                         const char *collection);

/** Collections named so are the probes' own (datanode's insert test), never watched. */
#define COMPONENT_SCRATCH_PREFIX "vmon_scratch_"
int component_is_scratch(const char *collection);

typedef int (*component_coll_fn)(component_probe *p, const char *collection, void *arg, char *err,
                                 size_t errlen);

/**
 * Call `fn` for every watched collection (scratch collections left out). A failure of `fn` stops
 * the walk and is returned (err names the collection); a configured collection the target does not
 * have is VMON_EINVAL.
 */
int component_each_collection(component_probe *p, component_coll_fn fn, void *arg, char *err,
                              size_t errlen);

/** Receives each sample of the target's report; returns 1 to forward it as it is. */
typedef int (*component_filter_fn)(void *arg, const vmon_sample *s);

/**
 * Ask the target for its `component` figures of the watched collections (report() with
 * `COMPONENT?collections=A,B`, target.h; a target that refuses the selection is asked for
 * everything, from then on) and emit those of watched collections (and those of no
 * collection) that `filter` keeps (all when NULL); `filter` sees only those.
 * VMON_ENOTSUP from the target is not an error: it has no such figures.
 */
int component_forward(component_probe *p, const char *component, component_filter_fn filter,
                      void *arg, char *err, size_t errlen);

/** The value of label `name`, or NULL. */
const char *component_label(const vmon_sample *s, const char *name);

/** Monotonic seconds from the host clock. */
double component_now_s(const component_probe *p);

#endif
