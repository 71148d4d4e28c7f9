/*
 * Rule evaluation: per rule, per label set (series), thresholds with `for`,
 * hysteresis, `repeat` re-notification and `absent` detection. Fires once,
 * resolves once. Single-threaded: the runtime's rules thread owns it.
 */
#ifndef VMON_CORE_RULES_H
#define VMON_CORE_RULES_H

#include "alert_event.h"
#include "plan.h"

/** Receives each notification; takes ownership of the event. */
typedef void (*vmon_notify_fn)(void *arg, vmon_alert_event *ev);

typedef struct vmon_series vmon_series;

typedef struct vmon_rule_state {
    const vmon_plan_rule *rule;
    vmon_series *series;
    size_t n_series, cap_series;
    int64_t started_ms; /* for `absent` before any sample arrived */
    int seen;           /* a matching sample arrived at least once */
    int never_warned;   /* the "metric never appeared" warning was given (rule_coverage.c) */
} vmon_rule_state;

void vmon_rule_init(vmon_rule_state *rs, const vmon_plan_rule *rule, int64_t now_ms);
/** Does the sample belong to this rule (metric and `match` labels)? */
int vmon_rule_matches(const vmon_plan_rule *rule, const vmon_sample *s);
/** Evaluate one matching sample. */
void vmon_rule_observe(vmon_rule_state *rs, const vmon_sample *s, int64_t now_ms,
                       vmon_notify_fn notify, void *arg);
/** Time-driven checks: `repeat` and `absent`. */
void vmon_rule_tick(vmon_rule_state *rs, int64_t now_ms, vmon_notify_fn notify, void *arg);
/**
 * A resolved notification for every firing series, the state left as it is:
 * for receivers that will not hear from this rule again (a reload changed or
 * removed it, or took them out of its pipeline).
 */
void vmon_rule_resolutions(vmon_rule_state *rs, int64_t now_ms, vmon_notify_fn notify, void *arg);
/** Same condition (metric, match, thresholds, for, hysteresis, absent)? */
int vmon_rule_same_condition(const vmon_plan_rule *a, const vmon_plan_rule *b);
/** Take over `from`'s series (firing alerts, counters); `from` is left empty. */
void vmon_rule_adopt(vmon_rule_state *to, vmon_rule_state *from);
void vmon_rule_free(vmon_rule_state *rs);

#endif
