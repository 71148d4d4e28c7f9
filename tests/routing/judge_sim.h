/*
 * Simulated experiments for the judge's tests: latencies drawn from a
 * vector search's shape (most queries fast, a hard minority slow), routed
 * at the ramp's shares, judged at every look as the experiment would.
 */
#ifndef VMON_TEST_JUDGE_SIM_H
#define VMON_TEST_JUDGE_SIM_H

#include <stdint.h>

#include "judge.h"

/** One scenario: B's latencies are A's scaled by `b_scale`; B's recall as given. */
typedef struct sim_scenario {
    double b_scale;  /**< 1: A/A; 0.9: B 10% faster at every quantile */
    double b_recall; /**< B's measured recall (A's is 0.97) */
    double b_recall_halfwidth;
    uint32_t n_steps;       /**< ramp shares 10%, 25%, 50% (1: the seed's fixed 10%) */
    uint32_t look_requests; /**< requests (both arms) between two looks */
    double b_tail_share;    /**< this share of B's requests is also ... */
    double b_tail_factor;   /**< ... this many times slower (a tail-only regression) */
} sim_scenario;

typedef struct sim_outcome {
    uint32_t experiments;
    uint32_t verdicts[5]; /**< final verdicts by vmon_judge_verdict (continue: ran out of looks) */
    double mean_looks;
    double mean_b_requests; /**< B's requests over all steps when the verdict came */
} sim_outcome;

/** Run `experiments` experiments of `sc` under `cfg` with RNG seed `seed`. */
void sim_run(const vmon_judge_config *cfg, const sim_scenario *sc, uint32_t experiments,
             uint64_t seed, sim_outcome *out);

/** Draw one latency in ns of the model (exposed for the model's own test). */
double sim_latency_ns(uint64_t *rng);

#endif
