/*
 * A plugin instance as the core holds it, and the host table every instance
 * is given. Where an instance's samples and alerts go is up to its owner
 * (the runtime, or a standalone host), through hooks.
 */
#ifndef VMON_CORE_INSTANCE_H
#define VMON_CORE_INSTANCE_H

#include <vmon/plugin.h>

#include "loader.h"
#include "options.h"

typedef struct vmon_instance_hooks {
    /** A validated sample from the instance (already copied by nobody). */
    void (*emit)(void *arg, vmon_instance *inst, const vmon_sample *s);
    /** A plugin-made alert; `resolve` is 0 to raise, 1 to resolve. */
    void (*alert)(void *arg, vmon_instance *inst, const vmon_alert_spec *spec, int resolve);
    /** The instance is destroyed: no call of its plugin can reach the hooks again (may be NULL). */
    void (*release)(void *arg);
    void *arg;
} vmon_instance_hooks;

struct vmon_instance {
    uint32_t kind;
    char *name;    /* `sys` */
    char *section; /* `probe:sys` */
    char log_source[160];
    const vmon_plugin *plugin;
    const vmon_values *values; /* points at own_values */
    vmon_values own_values;    /* a copy: a carried instance outlives the plan that made it */
    vmon_instance *target;     /* the instance named by `target =`, or NULL */
    void *ctx;
    int created, started;
    vmon_instance_hooks hooks;
};

/** The host table (one for the process; instances tell themselves apart by handle). */
const vmon_host *vmon_host_table(void);
/** Set the thread budget reported by vmon_host.thread_budget (0 = CPUs). */
void vmon_host_set_thread_budget(int64_t threads);

vmon_instance *vmon_instance_new(uint32_t kind, const char *name, const vmon_plugin *plugin,
                                 const vmon_values *values, vmon_instance_hooks hooks);
/** create then start; on failure the reason (with the section) is in err. */
int vmon_instance_create(vmon_instance *inst, char *err, size_t errlen);
int vmon_instance_start(vmon_instance *inst, char *err, size_t errlen);
void vmon_instance_stop(vmon_instance *inst);
/** destroy (if created) and free. */
void vmon_instance_destroy(vmon_instance *inst);
const vmon_value *vmon_instance_value(const vmon_instance *inst, const char *key);

#endif
