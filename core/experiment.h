/*
 * The tuning loop of one collection as a pure state machine.
 *
 * No threads, no I/O, no clock of its own: the tuning thread (or a test)
 * feeds it the monitor's figures with the time, and it calls back into the
 * tuner, the shadow measurement, the judge and the actuator (arm table +
 * router weights) through vmon_exp_deps. Every decision is reported through
 * `emit` as a vmon_exp_event with its before/after figures.
 *
 *   NO_PARAMS --initial--> NO_BASELINE --full window--> WATCHING
 *   WATCHING --degradation / review--> tuner --PROPOSE--> RUNNING (ramp step 0)
 *   RUNNING --advance--> next ramp step ... --promote--> NO_BASELINE (A := B)
 *   RUNNING --keep / roll back / abort--> WATCHING (B's share back to 0)
 *   RUNNING <--pause / resume--> PAUSED
 *
 * A and B are separate values held by the experiment (never pointers into
 * one another), so changing B can never change A.
 */
#ifndef VMON_CORE_EXPERIMENT_H
#define VMON_CORE_EXPERIMENT_H

#include <vmon/event.h>
#include <vmon/tuner.h>

#include "judge.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most ramp steps (`ramp = 10%, 25%, 50%, 100%`). */
#define VMON_EXP_MAX_STEPS 8
/** Configurations measured earlier that the tuner sees (oldest dropped first). */
#define VMON_EXP_HISTORY 32

typedef enum vmon_exp_mode {
    VMON_EXP_APPLY = 0,     /**< experiments change the arms and, on promotion, the parameters */
    VMON_EXP_RECOMMEND = 1, /**< decide and announce (RECOMMENDATION), change nothing */
} vmon_exp_mode;

typedef enum vmon_exp_state {
    VMON_EXP_NO_PARAMS = 0,   /**< no parameters chosen yet: the tuner is asked (INITIAL) */
    VMON_EXP_NO_BASELINE = 1, /**< parameters set, waiting for a full window */
    VMON_EXP_WATCHING = 2,    /**< baseline set, looking for degradation */
    VMON_EXP_RUNNING = 3,     /**< an experiment ramps B */
    VMON_EXP_PAUSED = 4,      /**< an experiment held by an operator: weights kept, no looks */
} vmon_exp_state;

/** The loop's settings (from [tuner:NAME] and [pipeline:NAME]). */
typedef struct vmon_exp_config {
    const char *collection; /**< as the tuner sees it; the caller keeps it alive */
    vmon_exp_mode mode;
    /** B's share per step, increasing, in (0, 1]. A last step of 100% is reached by promotion
     *  (A has no traffic left to compare), so the step before it is the final look. */
    double ramp[VMON_EXP_MAX_STEPS];
    uint32_t n_ramp;             /**< 1..VMON_EXP_MAX_STEPS */
    uint32_t max_measure_rounds; /**< MEASURE answers followed per consultation */
    double latency_factor;       /**< degraded when p95 > factor x baseline p95 */
    double qps_drop;             /**< degraded when qps < (1 - drop) x baseline qps */
    uint32_t min_samples;     /**< successful requests a window needs to set or test a baseline */
    double latency_target_ms; /**< 0: none */
    double recall_floor;      /**< 0: none */
    vmon_search_params lower; /**< bounds; a zero field is unbounded */
    vmon_search_params upper;
    uint32_t top_k;
    int64_t review_ms; /**< ask the tuner (REVIEW) this long after the last consultation; 0 never */
} vmon_exp_config;

/** A default configuration: apply, ramp 10/25/50/100%, factor 1.5, drop 30%, 100 samples. */
void vmon_exp_config_default(vmon_exp_config *cfg);
/** 0, or -1 with `err` saying what is wrong (a ramp that does not increase ...). */
int vmon_exp_config_check(const vmon_exp_config *cfg, char *err, size_t errlen);

/** Most fields in one event. */
#define VMON_EXP_MAX_FIELDS 48

/** One decision, as the loop reports it (the runtime adds labels and a sequence). */
typedef struct vmon_exp_event {
    vmon_event_type type;
    uint32_t severity; /**< vmon_severity */
    int64_t time_ms;
    uint64_t experiment; /**< the experiment's number; 0 outside one */
    uint32_t n_fields;
    char name[VMON_EXP_MAX_FIELDS][24];
    char value[VMON_EXP_MAX_FIELDS][40];
    char message[320];
} vmon_exp_event;

/** The type's name as events spell it (`baseline`, `experiment_start` ...). */
const char *vmon_exp_event_type_name(uint32_t type);
/** `ev`'s fields as labels (pointing into `ev`) into `out` (room for `cap`); the count. */
uint32_t vmon_exp_event_labels(const vmon_exp_event *ev, vmon_label *out, uint32_t cap);
/** The field `name` of `ev`, or NULL. */
const char *vmon_exp_event_field(const vmon_exp_event *ev, const char *name);

/** What the loop needs from the rest of the daemon. Every callback gets `ctx`. */
typedef struct vmon_exp_deps {
    void *ctx;
    /** The tuner's decide(); returns VMON_OK or an error with `err` filled. */
    int (*decide)(void *ctx, const vmon_tuning_input *in, vmon_tuning_output *out, char *err,
                  size_t errlen);
    /** Shadow-measure `params` (latency + recall), off the users' path. */
    int (*measure)(void *ctx, const vmon_search_params *params, vmon_arm_figures *out, char *err,
                   size_t errlen);
    /** The judge's look at the arms at ramp step `step` (0-based); `final` is 1 at the last
     *  step where A still serves, whose pass promotes. Fills `out` (verdict and evidence). */
    void (*look)(void *ctx, const vmon_arm_figures *a, const vmon_arm_figures *b, uint32_t step,
                 int final, vmon_judge_result *out);
    /** Route traffic: arm i searches with arms[i] at weight weights[i]. The monitor's
     *  windows start afresh for the new arms. Returns VMON_OK or an error. */
    int (*apply)(void *ctx, const vmon_search_params *arms, const double *weights, uint32_t n_arms);
    /** An event happened. */
    void (*emit)(void *ctx, const vmon_exp_event *ev);
    /** A warning alert for an operator (infeasible): `message` says what to do. */
    void (*warn)(void *ctx, const char *message);
    /** Optional: what the loop is doing between events (the tuner's answers), for the log. */
    void (*note)(void *ctx, const char *message);
} vmon_exp_deps;

/** What the monitor saw in the last window. */
typedef struct vmon_exp_observation {
    const vmon_collection_stats *facts; /**< may be NULL */
    vmon_arm_figures arm[2];            /**< A (current) and, in an experiment, B */
    int full;                           /**< 1 when A's window is full (baseline-worthy) */
} vmon_exp_observation;

/** Everything that survives a restart (the state store keeps it). Plain data. */
typedef struct vmon_exp_snapshot {
    uint32_t state; /**< vmon_exp_state */
    uint32_t step;  /**< ramp step while RUNNING / PAUSED */
    uint32_t has_previous;
    uint32_t has_baseline;
    uint64_t experiment; /**< the last experiment's number */
    int64_t started_ms;  /**< when the running experiment started */
    vmon_search_params current;
    vmon_search_params previous; /**< before the last promotion (rollback target) */
    vmon_search_params candidate;
    vmon_arm_figures baseline;
} vmon_exp_snapshot;

typedef struct vmon_experiment vmon_experiment;

/** A loop with `cfg` (copied) and `deps`; NULL with `err` filled for a bad config. */
vmon_experiment *vmon_exp_new(const vmon_exp_config *cfg, const vmon_exp_deps *deps, char *err,
                              size_t errlen);
void vmon_exp_free(vmon_experiment *e);

/** The parameters the target already uses, before the first tick: the loop then
 *  skips the INITIAL consultation and measures a baseline with them. */
void vmon_exp_set_current(vmon_experiment *e, const vmon_search_params *params);

/** One check interval: the monitor's figures at `now_ms`. */
void vmon_exp_tick(vmon_experiment *e, int64_t now_ms, const vmon_exp_observation *obs);

vmon_exp_state vmon_exp_state_of(const vmon_experiment *e);
/** The parameters in use (A). */
vmon_search_params vmon_exp_current(const vmon_experiment *e);
/** The candidate (B) of the running experiment; zeros outside one. */
vmon_search_params vmon_exp_candidate(const vmon_experiment *e);
/** B's share now (0 outside an experiment). */
double vmon_exp_share(const vmon_experiment *e);
/** The newest shadow measurement of `params` in the history the tuner was shown, or NULL. */
const vmon_tuning_trial *vmon_exp_last_trial(const vmon_experiment *e,
                                             const vmon_search_params *params);

/* Operator controls. Each returns VMON_OK and emits its event, or VMON_EINVAL
 * with `err` saying why it does not apply now (no experiment to pause ...). */
int vmon_exp_pause(vmon_experiment *e, int64_t now_ms, char *err, size_t errlen);
int vmon_exp_resume(vmon_experiment *e, int64_t now_ms, char *err, size_t errlen);
int vmon_exp_abort(vmon_experiment *e, int64_t now_ms, char *err, size_t errlen);
/** In an experiment: like abort, as a rollback. Otherwise: back to the parameters
 *  before the last promotion. */
int vmon_exp_rollback(vmon_experiment *e, int64_t now_ms, char *err, size_t errlen);

/** The loop's lasting state into `out`. */
void vmon_exp_save(const vmon_experiment *e, vmon_exp_snapshot *out);
/**
 * Take up `snap` after a restart: parameters and baseline come back (applied
 * through `apply`); a running experiment is resumed at its step (`resume` 1,
 * event RESUME) or cleanly abandoned (event ABORT, B's share 0), the event's
 * `reason` being `cause` (`restart`, `reload`). An invalid
 * snapshot is VMON_EINVAL and leaves the loop as it was.
 */
int vmon_exp_restore(vmon_experiment *e, const vmon_exp_snapshot *snap, int resume,
                     const char *cause, int64_t now_ms, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
