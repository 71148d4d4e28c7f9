/*
 * A simulated collection for tuner tests: p95 affine in the knob, recall a
 * power law approaching 1, both measured with noise (p95 within +-noise,
 * recall with the binomial spread of recall_queries * top_k hits). And a
 * driver that answers VMON_TUNE_MEASURE the way the core does: measure each
 * candidate, append it to the history, ask again.
 */
#ifndef VMON_TUNER_SIM_H
#define VMON_TUNER_SIM_H

#include <stdint.h>

#include "tuner_logic.h"

typedef struct sim_curve {
    double base_ms, per_step_ms; /* true p95 = (base + per_step * x) * shift */
    double miss, power;          /* true recall = 1 - miss * x^-power */
    double noise;                /* relative p95 noise, uniform in +-noise */
    uint32_t recall_queries;
    double shift; /* 1: as built; 2: everything twice as slow */
    uint64_t rng; /* xorshift state */
} sim_curve;

double sim_p95(const sim_curve *c, uint32_t x);
double sim_recall(const sim_curve *c, uint32_t x);
/** One noisy measurement of `x`. */
vmon_arm_figures sim_measure(sim_curve *c, uint32_t x);

/** Largest x in lo..hi whose true p95 meets target (0 when none). */
uint32_t sim_oracle_latency(const sim_curve *c, uint32_t lo, uint32_t hi, double target);

#define SIM_MAX_HISTORY 64

typedef struct sim_run {
    vmon_tuning_trial history[SIM_MAX_HISTORY];
    uint32_t n_history;
    uint32_t measured;     /* configurations measured by the driver in this run */
    uint32_t rounds;       /* decide() calls */
    uint32_t out_of_range; /* candidates outside the ABI ranges or the bounds */
    vmon_tuning_output last;
} sim_run;

/**
 * Call decide from `in` (its history replaced by the run's) until it answers
 * something other than MEASURE; the first call uses in->reason, later ones
 * VMON_TUNE_MEASURED. Returns the final decision.
 */
int sim_drive(const tuner_config *cfg, vmon_tuning_input in, sim_curve *c, sim_run *run);

#endif
