/*
 * The tuning loop of one pipeline, wired: the experiment state machine
 * (experiment.h) fed by the monitor, acting through the tuner and router
 * plugins and the arm table, remembered in the state file, recorded in the
 * audit log, and steered by `vmond ctl`.
 *
 * What the loop reaches outside the core's own modules comes in through
 * vmon_tuning_ports, so the runtime (runtime_tuning.c) plugs in the real
 * arm table, shadow measurement, judge and event publishing, and a test
 * plugs in fakes. One lock serialises a step with operator commands: a
 * command never lands in the middle of a decision.
 */
#ifndef VMON_CORE_TUNING_LOOP_H
#define VMON_CORE_TUNING_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include <vmon/router.h>
#include <vmon/tuner.h>

#include "experiment.h"
#include "monitor.h"
#include "tuning_config.h"
#include "tuning_state.h"

typedef struct vmon_tuning_ports {
    void *ctx; /**< passed to every callback below */
    const vmon_tuner_ops *tuner;
    void *tuner_ctx;
    const vmon_router_ops *router; /**< NULL in recommend mode */
    void *router_ctx;
    vmon_monitor *monitor; /**< arm i of the collection is experiment arm i */
    /** The same requests over a longer window, for the judge: a step must be able to hold
     *  the B requests the judge asks for however low the QPS. NULL: `monitor`. */
    vmon_monitor *judge_monitor;
    /** judge_monitor's window: a step that lasts this long without a verdict keeps A (the
     *  judge's evidence stops growing once the window slides). 0: no limit. */
    uint64_t judge_window_ms;
    /** Publish the arms' search parameters (the arm table). 0, or -1. */
    int (*publish_arms)(void *ctx, const vmon_search_params *arms, uint32_t n_arms);
    /** The collection's facts (the target's collection_stats). 0, or -1. */
    int (*facts)(void *ctx, const char *collection, vmon_collection_stats *out);
    /** Shadow-measure `params` (latency + recall@k with its interval). May be NULL. */
    int (*measure)(void *ctx, const vmon_search_params *params, vmon_arm_figures *out, char *err,
                   size_t errlen);
    /** A judge of its own (tests); NULL: judge.h's, as the pipeline's `judge =` names it, on
     *  the monitor's windows of both arms. */
    void (*look)(void *ctx, const vmon_arm_figures *a, const vmon_arm_figures *b, uint32_t step,
                 int final, vmon_judge_result *out);
    /** Deliver an event to the pipeline's sinks. */
    void (*event)(void *ctx, const char *pipeline, const char *collection,
                  const vmon_exp_event *ev);
    /** Raise a warning alert (infeasible ...). */
    void (*alert)(void *ctx, const char *pipeline, const char *message);
} vmon_tuning_ports;

typedef struct vmon_tuning_loop vmon_tuning_loop;

/**
 * A loop for [pipeline:NAME] `pipeline` tuning `collection` with `settings` (kept by pointer: the
 * plan outlives the loop) and `ports`. `store` (may be NULL) is read at once:
 * the saved parameters come back and a saved experiment is resumed or
 * abandoned as `on_restart` says, with an event either way. `handoff` (may
 * be NULL) is the state of the loop a reload replaces (vmon_tuning_loop_save):
 * it wins over the file, and a running experiment goes on (reason `reload`). `initial`
 * (may be NULL) is what the target uses today when nothing was saved.
 * NULL with `err` filled.
 */
vmon_tuning_loop *vmon_tuning_loop_new(const char *pipeline, const char *collection,
                                       const vmon_tuning_settings *settings,
                                       const vmon_tuning_ports *ports, vmon_tuning_store *store,
                                       const vmon_exp_snapshot *handoff,
                                       const vmon_search_params *initial, int64_t now_ms, char *err,
                                       size_t errlen);
void vmon_tuning_loop_free(vmon_tuning_loop *l);

/** The loop's lasting state, for the loop that replaces it on a reload. */
void vmon_tuning_loop_save(vmon_tuning_loop *l, vmon_exp_snapshot *out);

/** One check interval: monitor -> experiment -> actions; then the state is saved. */
void vmon_tuning_loop_step(vmon_tuning_loop *l, int64_t now_ms, uint64_t now_ns);

/**
 * An operator command (`status`, `pause`, `resume`, `abort`, `rollback`).
 * 0 with the answer in `reply`, or -1 with the reason there.
 */
int vmon_tuning_loop_command(vmon_tuning_loop *l, const char *verb, int64_t now_ms, char *reply,
                             size_t replylen);

/** Run steps every check_interval on a thread of its own until vmon_tuning_loop_stop. */
int vmon_tuning_loop_start(vmon_tuning_loop *l, char *err, size_t errlen);
void vmon_tuning_loop_stop(vmon_tuning_loop *l);

const char *vmon_tuning_loop_pipeline(const vmon_tuning_loop *l);
vmon_exp_state vmon_tuning_loop_state(vmon_tuning_loop *l);
vmon_search_params vmon_tuning_loop_current(vmon_tuning_loop *l);

#endif
