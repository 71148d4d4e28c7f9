#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "runtime_priv.h"
#include "strutil.h"

int rt_in_pipeline(const vmon_runtime *rt, long inst, size_t p)
{
    return inst < 0 || rt->member[(size_t)inst * rt->plan.n_pipelines + p];
}

/* An instance belongs to a pipeline that names it, or names a probe that uses it. */
void rt_compute_membership(vmon_runtime *rt)
{
    size_t np = rt->plan.n_pipelines;
    rt->member = vmon_calloc(rt->plan.n_instances * np + 1, 1);
    for (size_t p = 0; p < np; p++) {
        const vmon_plan_pipeline *pp = &rt->plan.pipelines[p];
        int singles[] = {pp->target, pp->tuner, pp->router};
        for (size_t i = 0; i < 3; i++)
            if (singles[i] >= 0)
                rt->member[(size_t)singles[i] * np + p] = 1;
        for (size_t i = 0; i < pp->n_probes; i++) {
            rt->member[(size_t)pp->probes[i] * np + p] = 1;
            int t = rt->plan.instances[pp->probes[i]].target;
            if (t >= 0)
                rt->member[(size_t)t * np + p] = 1;
        }
        for (size_t i = 0; i < pp->n_sinks; i++)
            rt->member[(size_t)pp->sinks[i] * np + p] = 1;
    }
}

void rt_init_pipelines(vmon_runtime *rt)
{
    int64_t now = vmon_now_ms();
    rt->pipelines = vmon_calloc(rt->plan.n_pipelines + 1, sizeof *rt->pipelines);
    for (size_t p = 0; p < rt->plan.n_pipelines; p++) {
        rt_pipeline *rp = &rt->pipelines[p];
        rp->plan = &rt->plan.pipelines[p];
        vmon_arm_table_init(&rp->arms);
        rp->rules = vmon_calloc(rp->plan->n_rules + 1, sizeof *rp->rules);
        for (size_t r = 0; r < rp->plan->n_rules; r++)
            vmon_rule_init(&rp->rules[r], &rt->plan.rules[rp->plan->rules[r]], now);
    }
}

void rt_free_pipelines(vmon_runtime *rt)
{
    for (size_t p = 0; p < rt->plan.n_pipelines && rt->pipelines; p++) {
        for (size_t r = 0; r < rt->pipelines[p].plan->n_rules; r++)
            vmon_rule_free(&rt->pipelines[p].rules[r]);
        free(rt->pipelines[p].rules);
        vmon_arm_table_destroy(&rt->pipelines[p].arms);
    }
    free(rt->pipelines);
    rt->pipelines = NULL;
}

const rt_pipeline *rt_find_pipeline(const vmon_runtime *rt, const char *name)
{
    for (size_t p = 0; p < rt->plan.n_pipelines; p++)
        if (strcmp(rt->pipelines[p].plan->name, name) == 0)
            return &rt->pipelines[p];
    return NULL;
}
