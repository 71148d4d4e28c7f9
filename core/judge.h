/*
 * The judge: what an experiment does at each look (A = arm 0, the current
 * parameters, against one candidate B).
 *
 * The experiment owns the ramp (which share B gets at which step) and calls
 * vmon_judge_decide at every check interval with each arm's latencies since
 * the current ramp step began (the daemon restarts the judge's monitor at
 * every step). The judge answers one verdict:
 *
 *   CONTINUE  need more data at this step
 *   ADVANCE   this step's checks pass: move B to the next ramp step
 *   PROMOTE   B is better (asked at the final comparative step only)
 *   KEEP      B is not better: stop, A stays
 *   ROLLBACK  B regressed: its share goes back to 0
 *
 * Two judges, chosen by one INI line (`judge = sequential | classic`):
 *
 * - `classic`, the seed's rule: at least 10 requests per arm, then promote
 *   when B's mean latency is more than 5% below A's, keep otherwise (at an
 *   intermediate ramp step the pass is ADVANCE). No recall, no error control.
 *
 * - `sequential` (the default): always-valid tests (a mixture sequential
 *   probability ratio test, mSPRT, on a normal statistic) on the log ratio of
 *   the arms' latency quantiles, p95 for the decision and p50 / p99 as
 *   regression guards, plus the error rate. Why sequential and not a fixed
 *   horizon: the number of looks is the experiment's (check interval, ramp
 *   length, traffic rate, a pause), not known when B starts; an always-valid
 *   p-value keeps its error rate however often and whenever it is read, so
 *   every look of every ramp step is covered without a schedule agreed in
 *   advance. The price is some power against a group-sequential design with
 *   a known maximum, paid by a few more samples (docs/architecture.md has
 *   the measured rates). A quantile's standard error comes from the
 *   histogram itself (the distribution-free order-statistic interval), so no
 *   latency distribution is assumed. It never promotes (nor advances) a B
 *   whose recall lower bound is below the floor, rolls back a B whose recall
 *   upper bound is below it, and rolls back any step where B regressed.
 */
#ifndef VMON_JUDGE_H
#define VMON_JUDGE_H

#include <stddef.h>
#include <stdint.h>

#include <vmon/tuner.h>

struct vmon_loghist;

/** Which judge. */
typedef enum vmon_judge_kind {
    VMON_JUDGE_SEQUENTIAL = 0, /**< the default: always-valid, tails and recall */
    VMON_JUDGE_CLASSIC = 1,    /**< the seed's rule: >= 10 per arm, mean 5% lower */
} vmon_judge_kind;

/** What to do now. */
typedef enum vmon_judge_verdict {
    VMON_VERDICT_CONTINUE = 0,
    VMON_VERDICT_ADVANCE = 1,
    VMON_VERDICT_PROMOTE = 2,
    VMON_VERDICT_KEEP = 3,
    VMON_VERDICT_ROLLBACK = 4,
} vmon_judge_verdict;

/** Settings; vmon_judge_config_default fills the documented defaults. */
typedef struct vmon_judge_config {
    vmon_judge_kind kind;
    double alpha;                 /**< false promotion rate across all looks (0.05) */
    double alpha_guard;           /**< false rollback rate across all looks, all guards (0.01) */
    double quantile;              /**< the decision quantile (0.95) */
    double min_effect;            /**< improvements smaller than this do not count (0.02 = 2%) */
    double mixture_tau;           /**< mSPRT mixing scale on the log ratio (0.1 = a 10% effect) */
    double recall_floor;          /**< recall@k lower bound B must hold; 0: none */
    uint64_t step_min_samples;    /**< B requests a ramp step needs before it can pass (500) */
    uint64_t max_samples;         /**< B requests after which an undecided B is kept (20000) */
    uint32_t classic_min_samples; /**< classic: requests per arm before deciding (10) */
    double classic_improvement;   /**< classic: B's mean this much lower promotes (0.05) */
} vmon_judge_config;

/** One arm at a look. */
typedef struct vmon_judge_arm {
    /** Latency of every successful request of this arm since the ramp step began. */
    const struct vmon_loghist *latency;
    /**
     * Its figures over the same period: `samples` and `errors` (the error
     * guard), `recall_low` / `recall_high` / `recall_queries` (the shadow
     * measurement; recall_queries 0 means not measured). May be NULL.
     */
    const vmon_arm_figures *figures;
} vmon_judge_arm;

/** Everything one look needs. */
typedef struct vmon_judge_look {
    vmon_judge_arm a, b;
    uint32_t step;           /**< ramp step, 0-based (informative) */
    uint32_t final_step;     /**< 1: the last step where A still serves; passing it promotes */
    uint64_t step_b_samples; /**< B requests since this step began */
} vmon_judge_look;

/** The answer, with its evidence (for the verdict event and the audit log). */
typedef struct vmon_judge_result {
    vmon_judge_verdict verdict;
    double ratio;     /**< B / A at the decision quantile (classic: of the means); NaN: no data */
    double ratio_low; /**< its always-valid (1 - alpha) interval; NaN when not computed */
    double ratio_high;
    double p_value;   /**< always-valid p-value of "B differs at the quantile"; NaN: classic */
    char reason[192]; /**< one human line: what decided */
} vmon_judge_result;

/** The defaults above for `kind`. */
void vmon_judge_config_default(vmon_judge_config *cfg, vmon_judge_kind kind);

/**
 * Parse a judge name (`sequential`, `classic`). Returns 0, or -1 with a
 * message naming the valid values in `err`.
 */
int vmon_judge_kind_parse(const char *name, vmon_judge_kind *out, char *err, size_t errlen);

/** `sequential` / `classic`. */
const char *vmon_judge_kind_name(vmon_judge_kind kind);

/** `continue`, `advance`, `promote`, `keep`, `rollback`. */
const char *vmon_judge_verdict_name(vmon_judge_verdict verdict);

/**
 * Check a configuration. Returns 0, or -1 naming the bad field and its
 * valid range in `err`.
 */
int vmon_judge_config_check(const vmon_judge_config *cfg, char *err, size_t errlen);

/**
 * Decide at one look. Pure: the verdict depends on `cfg` and `look` only,
 * so the experiment may call it as often as it likes (that is what the
 * always-valid tests allow) and a restart that restores the histograms
 * restores the judge. `out` is always filled.
 */
void vmon_judge_decide(const vmon_judge_config *cfg, const vmon_judge_look *look,
                       vmon_judge_result *out);

#endif
