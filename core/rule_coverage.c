/*
 * Rules whose metric never appears. A rule on a name no probe emits (a
 * typo, or a figure this target or Milvus version does not expose) would
 * otherwise never fire and never say why. Once every probe of a pipeline has
 * delivered COVERAGE_READINGS readings (or all of its --once/--cycles
 * readings), each of the pipeline's rules that has not matched one sample
 * gets one warning naming the rule, the metric, the probes and the target
 * with its plugin version; when a target of the pipeline's probes says where
 * the metric comes from (sample_origin, ABI 0.6: the database metric and
 * version), the warning says it too. Rules with `absent` are left out (they
 * alert on a missing metric themselves), and so are rules on vmond's own
 * figures. docs/architecture.md ("Rules whose metric never appears").
 */
#include <stdio.h>
#include <string.h>

#include <vmon/target.h>

#include "escape.h"
#include "log.h"
#include "runtime_priv.h"

#define COVERAGE_READINGS 3

static uint32_t readings_needed(const vmon_runtime *rt)
{
    return rt->cycles > 0 && rt->cycles < COVERAGE_READINGS ? (uint32_t)rt->cycles
                                                            : COVERAGE_READINGS;
}

/* Empty readings count (a probe with nothing to report still read); a probe that keeps
 * failing with nothing to say holds the check up: its probe_failed alert says why. */
static int enough_readings(const vmon_runtime *rt, const rt_pipeline *rp)
{
    if (!rp->plan->n_probes)
        return 0;
    for (size_t i = 0; i < rp->plan->n_probes; i++)
        if (rp->readings[i] < readings_needed(rt))
            return 0;
    return 1;
}

/* `probes proxy, querynode; target db: milvus 0.2.0` */
static void describe_sources(const vmon_runtime *rt, const rt_pipeline *rp, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    int target = -1;
    for (size_t i = 0; i < rp->plan->n_probes && used < len; i++) {
        const vmon_plan_instance *pi = &rt->plan.instances[rp->plan->probes[i]];
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "probes ", pi->name);
        if (target < 0)
            target = pi->target;
    }
    if (target < 0 || used >= len)
        return;
    const vmon_plan_instance *t = &rt->plan.instances[target];
    snprintf(buf + used, len - used, "; target %s: %s %s", t->name, t->plugin->desc.name,
             t->plugin->desc.version ? t->plugin->desc.version : "");
}

/* Ask target instance `t` where `metric` comes from; 1 with the answer escaped in `out`. */
static int origin_from(const vmon_runtime *rt, int t, const char *metric, char *out, size_t len)
{
    const rt_slot *slot = rt->slots ? rt->slots[t] : NULL;
    const vmon_instance *inst = slot ? slot->inst : NULL;
    if (!inst || !inst->created || inst->kind != VMON_KIND_TARGET)
        return 0;
    const vmon_target_ops *ops = inst->plugin->ops;
    if (!VMON_HAS_FIELD(vmon_target_ops, ops, sample_origin))
        return 0;
    char raw[512] = "";
    if (ops->sample_origin(inst->ctx, metric, raw, sizeof raw) != VMON_OK)
        return 0;
    raw[sizeof raw - 1] = '\0';
    if (!raw[0])
        return 0;
    /* the database's text: its control bytes cannot start a line of their own */
    vmon_escape_controls(raw, strlen(raw), out, len);
    return 1;
}

/* The first target of the pipeline's probes that knows where `metric` comes from. */
static int describe_origin(const vmon_runtime *rt, const rt_pipeline *rp, const char *metric,
                           char *out, size_t len)
{
    for (size_t i = 0; i < rp->plan->n_probes; i++) {
        int t = rt->plan.instances[rp->plan->probes[i]].target;
        int asked = 0;
        for (size_t j = 0; j < i && !asked; j++)
            asked = rt->plan.instances[rp->plan->probes[j]].target == t;
        if (t >= 0 && !asked && origin_from(rt, t, metric, out, len))
            return 1;
    }
    return 0;
}

static void warn_rule(const vmon_runtime *rt, const rt_pipeline *rp, const vmon_plan_rule *r)
{
    char sources[512], where[160], origin[512 * VMON_ESCAPE_MAX_GROWTH];
    describe_sources(rt, rp, sources, sizeof sources);
    snprintf(where, sizeof where, "[rule:%s]", r->name);
    if (describe_origin(rt, rp, r->metric, origin, sizeof origin))
        vmon_log(VMON_LOGL_WARNING, where,
                 "metric '%s'%s never appeared in %u readings of each probe of pipeline '%s' "
                 "(%s): it comes from %s, which did not expose it in those readings; this rule "
                 "cannot fire until it does; check whether that version exposes it, and the "
                 "rule's name%s against what the probes emit (vmond --once)",
                 r->metric, r->n_match ? " with its match labels" : "", readings_needed(rt),
                 rp->plan->name, sources, origin, r->n_match ? " and labels" : "");
    else
        vmon_log(VMON_LOGL_WARNING, where,
                 "metric '%s'%s never appeared in %u readings of each probe of pipeline '%s' "
                 "(%s): this rule cannot fire; check the name against what the probes emit "
                 "(vmond --once) and whether this target version exposes it",
                 r->metric, r->n_match ? " with its match labels" : "", readings_needed(rt),
                 rp->plan->name, sources);
}

void rt_coverage_reading(vmon_runtime *rt, long source, size_t p)
{
    rt_pipeline *rp = &rt->pipelines[p];
    int counted = 0;
    for (size_t i = 0; i < rp->plan->n_probes; i++)
        if (source >= 0 && rp->plan->probes[i] == source && rp->readings[i] < UINT32_MAX) {
            rp->readings[i]++;
            counted = 1;
        }
    if (!counted || !enough_readings(rt, rp))
        return;
    for (size_t r = 0; r < rp->plan->n_rules; r++) {
        vmon_rule_state *rs = &rp->rules[r];
        if (rs->seen || rs->never_warned || rs->rule->absent_ms > 0 ||
            strncmp(rs->rule->metric, "vmon.", 5) == 0)
            continue;
        rs->never_warned = 1;
        warn_rule(rt, rp, rs->rule);
    }
}
