/*
 * The names of an event's fields, defined once: the tuning loop fills them,
 * the sinks print them. docs/architecture.md has the table of which type
 * carries which. Values are text, numbers in C locale ("12.34"); a weight is
 * a fraction in [0, 1]; a parameter is the arm's prefix plus the target's
 * search parameter name (`a.nprobe`, `b.ef`).
 */
#ifndef VMON_CORE_EVENT_FIELDS_H
#define VMON_CORE_EVENT_FIELDS_H

/* Arm prefixes: A is the current configuration, B the candidate. */
#define VMON_EVF_ARM_A "a."
#define VMON_EVF_ARM_B "b."

/* Search parameters, per arm. */
#define VMON_EVF_A_NPROBE "a.nprobe"
#define VMON_EVF_B_NPROBE "b.nprobe"
#define VMON_EVF_A_EF     "a.ef"
#define VMON_EVF_B_EF     "b.ef"

/* Traffic share per arm (fraction). */
#define VMON_EVF_A_WEIGHT "a.weight"
#define VMON_EVF_B_WEIGHT "b.weight"

/* Figures per arm over the experiment's window. */
#define VMON_EVF_A_MEAN_MS "a.mean_ms"
#define VMON_EVF_A_P95_MS  "a.p95_ms"
#define VMON_EVF_A_P99_MS  "a.p99_ms"
#define VMON_EVF_A_QPS     "a.qps"
#define VMON_EVF_A_RECALL  "a.recall"
#define VMON_EVF_A_COUNT   "a.count"
#define VMON_EVF_B_MEAN_MS "b.mean_ms"
#define VMON_EVF_B_P95_MS  "b.p95_ms"
#define VMON_EVF_B_P99_MS  "b.p99_ms"
#define VMON_EVF_B_QPS     "b.qps"
#define VMON_EVF_B_RECALL  "b.recall"
#define VMON_EVF_B_COUNT   "b.count"

/* The baseline (set by the first full window or a promotion). */
#define VMON_EVF_BASELINE_MEAN_MS "baseline.mean_ms"
#define VMON_EVF_BASELINE_P95_MS  "baseline.p95_ms"
#define VMON_EVF_BASELINE_P99_MS  "baseline.p99_ms"
#define VMON_EVF_BASELINE_QPS     "baseline.qps"

/* The current window (degradation). */
#define VMON_EVF_CURRENT_MEAN_MS "current.mean_ms"
#define VMON_EVF_CURRENT_P95_MS  "current.p95_ms"
#define VMON_EVF_CURRENT_P99_MS  "current.p99_ms"
#define VMON_EVF_CURRENT_QPS     "current.qps"

/* current.p95 / baseline.p95, and (baseline.qps - current.qps) / baseline.qps. */
#define VMON_EVF_P95_RATIO "p95_ratio"
#define VMON_EVF_QPS_DROP  "qps_drop"

/* Collection facts. */
#define VMON_EVF_ROWS "rows"

/* Ramp: the step index (1-based) and how many steps there are. */
#define VMON_EVF_STEP  "step"
#define VMON_EVF_STEPS "steps"

/* Judge: `promote`, `keep`, `rollback` or `continue`; B's mean change against A (percent). */
#define VMON_EVF_VERDICT    "verdict"
#define VMON_EVF_CHANGE_PCT "change_pct"

/* Targets the loop works to (infeasible, recommendation). */
#define VMON_EVF_LATENCY_TARGET_MS "latency_target_ms"
#define VMON_EVF_RECALL_FLOOR      "recall_floor"
#define VMON_EVF_RECOMMENDATION    "recommendation"

/* Why, in one line (every type may carry it). */
#define VMON_EVF_REASON "reason"

#endif
