/*
 * The runtime's parts, shared by the files that make it up (internal):
 *   runtime.c           lifecycle: build, start, stop
 *   runtime_slot.c      one instance as a runtime holds it, and where its samples go
 *   runtime_queue.c     the work queue and the rules thread
 *   runtime_probes.c    probe threads and their backoff
 *   runtime_alerts.c    plugin-raised alerts, deduplicated
 *   runtime_pipeline.c  pipeline membership and rule states
 *   runtime_reload.c    a reload: what carries over, what is replaced
 * docs/architecture.md describes the threads and the reload model.
 */
#ifndef VMON_CORE_RUNTIME_PRIV_H
#define VMON_CORE_RUNTIME_PRIV_H

#include <pthread.h>

#include "alert_event.h"
#include "arm_table.h"
#include "delivery.h"
#include "instance.h"
#include "rules.h"
#include "runtime.h"
#include "sample_batch.h"
#include "experiment.h"
#include "selfstats.h"
#include "traffic.h"

typedef struct rt_slot rt_slot;
typedef struct rt_tuning rt_tuning;

typedef struct probe_runner {
    rt_slot *slot;
    pthread_t thread;
    int running;
    int64_t interval_ms, cap_ms;
    int64_t cycles; /* 0: until stopped */
    uint32_t failures;
    int last_rc; /* the last failure's status and reason: a repeat is logged at debug */
    char last_why[512];
    pthread_mutex_t lock; /* guards reading and stopping */
    pthread_cond_t wake;  /* the thread waits here between readings */
    int stopping;
    vmon_sample_batch *reading;
} probe_runner;

/*
 * An instance and what runs it. A reload that keeps the instance moves the
 * whole slot to the new runtime; the instance's hooks point at the slot, so
 * re-pointing `rt` under `lock` re-routes even samples emitted from the
 * plugin's own threads at that moment.
 */
struct rt_slot {
    vmon_instance *inst;
    vmon_delivery *delivery; /* sinks */
    probe_runner *probe;     /* probes, once started */
    pthread_mutex_t lock;    /* guards rt, index, released and orphaned */
    vmon_runtime *rt;        /* NULL once orphaned: samples and alerts go nowhere */
    size_t index;            /* in rt's plan */
    int abandoned;           /* the sink's delivery thread owns the instance */
    int released;            /* the instance is destroyed */
    int orphaned; /* freed with the abandoned instance: its thread may still call the hooks */
};

typedef struct work_item {
    struct work_item *next;
    vmon_sample_batch *batch; /* a reading, or NULL for an alert */
    long source;              /* instance index; -1 for vmond itself */
    vmon_alert_event *alert;  /* a plugin alert (raise or resolve), or an event */
    int resolve;
    long pipeline; /* an event (alert->event set): for this pipeline's sinks */
} work_item;

typedef struct active_alert {
    char *fingerprint;
    char *section;           /* the instance that raised it */
    vmon_alert_event *fired; /* the firing notification, to resolve it if nobody else will */
} active_alert;

/* An alert held back while its target is unreachable (runtime_inhibit.c). */
typedef struct held_alert {
    int target;
    long source;   /* the instance it came from */
    long pipeline; /* a rule's notification for this pipeline; -1: a plugin alert */
    vmon_alert_event *ev;
} held_alert;

/* A firing series of an `inhibits_target` rule: its target counts as down. */
typedef struct down_mark {
    int target;
    long pipeline;              /* where the rule fired, to find its successor on a reload */
    const vmon_plan_rule *rule; /* the inhibiting rule */
    char *fingerprint;
} down_mark;

typedef struct rt_pipeline {
    const vmon_plan_pipeline *plan;
    vmon_rule_state *rules;
    vmon_arm_table arms;       /* each arm's search parameters, for traffic */
    vmon_traffic *traffic;     /* running, or NULL */
    struct rt_tuning *tuning;  /* the tuning loop, with a tuner (runtime_tuning.c) */
    vmon_exp_snapshot handoff; /* a reload's state for it */
    int handoff_set;
    uint32_t *readings; /* per probe of the pipeline: readings seen (rule_coverage.c) */
} rt_pipeline;

struct vmon_runtime {
    vmon_plan plan;
    rt_slot **slots;       /* per instance */
    unsigned char *member; /* [instance * n_pipelines + pipeline] */
    rt_pipeline *pipelines;
    int64_t cycles;
    struct vmon_tuning_store *tuning_store; /* [daemon] state_dir, opened by the first loop */

    pthread_mutex_t lock; /* guards the work queue, stop flag */
    pthread_cond_t wake;  /* the rules thread waits here */
    work_item *head, *tail;
    int stopping_rules, rules_started;
    pthread_t rules_thread;

    /* rules-thread only (or with the rules thread stopped) */
    active_alert *active;
    size_t n_active;
    held_alert *held;
    size_t n_held;
    down_mark *down;
    size_t n_down;
    int64_t next_self_ms;
    vmon_selfstats stats;
};

/* runtime_tuning.c */
/** A tuning loop for each pipeline with a tuner, recording its traffic (started already). */
int rt_start_tuning(vmon_runtime *rt, char *err, size_t errlen);
/** Stop the loops' threads (before the traffic stops). */
void rt_stop_tuning(vmon_runtime *rt);
/** Free the loops and their monitors (after the traffic stopped), and the state file. */
void rt_free_tuning(vmon_runtime *rt);
/** A reload: pipelines of `rt` whose loop is unchanged take the state of `old`'s. */
void rt_hand_tuning_over(vmon_runtime *old, vmon_runtime *rt);

/* runtime.c */
/** A runtime for `plan` (ownership passes) with no instance yet. */
vmon_runtime *rt_alloc(vmon_plan *plan);
/** Make instance i: create, start, and its delivery for a sink. Its target exists already. */
int rt_bring_up(vmon_runtime *rt, size_t i, char *err, size_t errlen);
/** Is instance i made in this pass (0: targets, 1: the rest)? */
int rt_targets_first(const vmon_runtime *rt, size_t i, int pass);
int rt_start_probes(vmon_runtime *rt, char *err, size_t errlen);
/** Stop the probe threads, except the instances marked in `keep` (may be NULL). */
void rt_stop_probes(vmon_runtime *rt, const unsigned char *keep);
void rt_stop_deliveries(vmon_runtime *rt, const unsigned char *keep);
void rt_free_slots(vmon_runtime *rt, const unsigned char *keep);
/** Free a runtime whose slots are gone or handed on. */
void rt_free(vmon_runtime *rt);

/* runtime_slot.c */
rt_slot *rt_slot_new(vmon_runtime *rt, size_t index);
/** Point the slot (and so its instance's samples and alerts) at another runtime. */
void rt_slot_repoint(rt_slot *s, vmon_runtime *rt, size_t index);
/** A plugin alert from the slot's instance, on whatever thread. */
void rt_slot_alert(rt_slot *s, const vmon_alert_spec *spec, int resolve);
/** A finished reading goes to the slot's current runtime. */
void rt_slot_publish(rt_slot *s, vmon_sample_batch *b);
/** The sink's delivery was stopped; `abandoned`: its thread now owns the instance. */
void rt_slot_delivery_stopped(rt_slot *s, int abandoned);
/** Destroy the instance (unless an abandoned delivery owns it) and free the slot. */
void rt_slot_free(rt_slot *s);
vmon_delivery *rt_delivery(const vmon_runtime *rt, size_t i);
long rt_index_of_section(const vmon_runtime *rt, const char *section);

/* runtime_queue.c */
void rt_enqueue(vmon_runtime *rt, work_item *w);
void rt_publish_batch(vmon_runtime *rt, long source, vmon_sample_batch *b);
/** Queue a plugin alert (already an event) from instance `source`. */
void rt_publish_alert(vmon_runtime *rt, long source, vmon_alert_event *ev, int resolve);
void rt_push_to_sinks(vmon_runtime *rt, const vmon_plan_pipeline *pp, const vmon_alert *a,
                      unsigned char *seen);
int rt_start_rules(vmon_runtime *rt, char *err, size_t errlen);
/** The rules thread drains its queue, then ends. */
void rt_stop_rules(vmon_runtime *rt);
void rt_report_self(vmon_runtime *rt);
void rt_free_queue(vmon_runtime *rt);

/* runtime_probes.c */
probe_runner *rt_probe_start(rt_slot *s, int64_t cycles, char *err, size_t errlen);
/** Sample the probe's `emit` joins its current reading. */
void rt_probe_add(probe_runner *pr, const vmon_instance *inst, const vmon_sample *sample);
/** Ask the thread to stop and make the plugin return soon (its stop op). */
void rt_probe_signal_stop(probe_runner *pr);
void rt_probe_join(probe_runner *pr);
void rt_probe_free(probe_runner *pr);

/* runtime_alerts.c */
vmon_alert_event *rt_event_from_spec(const vmon_instance *inst, const vmon_alert_spec *spec,
                                     int resolve, int64_t now);
void rt_process_plugin_alert(vmon_runtime *rt, long source, vmon_alert_event *ev, int resolve);
void rt_fan_out_alert(vmon_runtime *rt, long source, vmon_alert_event *ev);
void rt_free_active(vmon_runtime *rt);

/* runtime_events.c */
/** On the rules thread: an event's entry goes to its pipeline's sinks that take events. */
void rt_fan_out_event(vmon_runtime *rt, size_t pipeline, vmon_alert_event *ev);

/* runtime_traffic.c */
/** Start the traffic of every pipeline that has one and none running. */
int rt_start_traffic(vmon_runtime *rt, char *err, size_t errlen);
/** Stop it (before its target or router can go). */
void rt_stop_traffic(vmon_runtime *rt);
/* runtime_inhibit.c */
/**
 * A notification of an `inhibits_target` rule from `source`: a firing marks
 * the source's target down, the last resolution marks it up again and
 * releases what was held for it (still-firing alerts are delivered then).
 */
void rt_inhibit_mark(vmon_runtime *rt, long source, long pipeline, const vmon_plan_rule *rule,
                     const vmon_alert_event *ev);
/**
 * Hold `ev` back when the target of `source` is down: returns 1 and takes
 * the event (a firing is kept, replacing an earlier one of the same alert; a
 * resolution of a held firing drops both, so neither is ever sent). Returns
 * 0 when the caller delivers it as usual.
 */
int rt_inhibit_hold(vmon_runtime *rt, long source, long pipeline, vmon_alert_event *ev);
/**
 * A reload (rules threads stopped): what `old` holds moves to `fresh` when
 * its target, its source and its rule carry over (`carry`: per fresh
 * instance, the old index it keeps, or -1) and the target is still marked
 * down by an unchanged inhibiting rule; the rest is delivered now, through
 * `old`'s sinks, so no held alert is lost.
 */
void rt_inhibit_adopt(vmon_runtime *old, vmon_runtime *fresh, const long *carry);
void rt_free_inhibit(vmon_runtime *rt);

/* rule_coverage.c */
/**
 * A reading from `source` went through pipeline p's rules: once every probe
 * of the pipeline has delivered enough readings, warn (once per rule) about
 * each rule whose metric never appeared.
 */
void rt_coverage_reading(vmon_runtime *rt, long source, size_t p);

/* runtime_pipeline.c */
void rt_compute_membership(vmon_runtime *rt);
int rt_in_pipeline(const vmon_runtime *rt, long inst, size_t p);
void rt_init_pipelines(vmon_runtime *rt);
void rt_free_pipelines(vmon_runtime *rt);
const rt_pipeline *rt_find_pipeline(const vmon_runtime *rt, const char *name);

#endif
