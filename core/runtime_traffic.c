/*
 * Each pipeline's traffic (`traffic = NAME`), wired to the pipeline's
 * target, router and arm table. Traffic is owned by a runtime: a reload
 * stops the old runtime's and the new one starts its own (from request 0).
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "runtime_priv.h"
#include "traffic.h"

static vmon_traffic_cfg cfg_of(const vmon_plan_traffic *t)
{
    return (vmon_traffic_cfg){.name = t->name,
                              .collection = t->collection,
                              .rate = t->rate,
                              .max_qps = t->max_qps,
                              .workers = (uint32_t)t->workers,
                              .count = (uint64_t)t->count,
                              .duration_ms = t->duration_ms,
                              .top_k = (uint32_t)t->top_k,
                              .queries_path = t->queries,
                              .query_pool = (uint32_t)t->query_pool,
                              .seed = (uint64_t)t->seed,
                              .ids_path = t->request_ids,
                              .insert_rate = t->insert_rate};
}

static vmon_instance *instance_at(const vmon_runtime *rt, int i)
{
    return i >= 0 && rt->slots[i] ? rt->slots[i]->inst : NULL;
}

static int start_one(vmon_runtime *rt, rt_pipeline *rp, char *err, size_t errlen)
{
    const vmon_plan_pipeline *pp = rp->plan;
    vmon_instance *target = instance_at(rt, pp->target), *router = instance_at(rt, pp->router);
    if (!target) {
        snprintf(err, errlen, "[pipeline:%s] traffic: its target is not running", pp->name);
        return -1;
    }
    vmon_traffic_wiring w = {.target = target->plugin->ops,
                             .target_ctx = target->ctx,
                             .router = router ? router->plugin->ops : NULL,
                             .router_ctx = router ? router->ctx : NULL,
                             .arms = &rp->arms};
    vmon_traffic_cfg cfg = cfg_of(&rt->plan.traffic[pp->traffic]);
    rp->traffic = vmon_traffic_start(&cfg, &w, err, errlen);
    if (!rp->traffic)
        return -1;
    vmon_log(VMON_LOGL_INFO, "core", "[pipeline:%s] traffic [traffic:%s] started", pp->name,
             cfg.name);
    return 0;
}

int rt_start_traffic(vmon_runtime *rt, char *err, size_t errlen)
{
    for (size_t p = 0; p < rt->plan.n_pipelines; p++) {
        rt_pipeline *rp = &rt->pipelines[p];
        if (rp->plan->traffic >= 0 && !rp->traffic && start_one(rt, rp, err, errlen) < 0)
            return -1;
    }
    return 0;
}

static void log_end(const rt_pipeline *rp)
{
    vmon_traffic_stats st;
    vmon_traffic_stats_get(rp->traffic, &st);
    vmon_log(VMON_LOGL_INFO, "core",
             "[pipeline:%s] traffic: %llu queries (%llu failed) in %lld ms, %.1f/s; %llu rows "
             "inserted",
             rp->plan->name, (unsigned long long)st.queries, (unsigned long long)st.errors,
             (long long)st.elapsed_ms,
             st.elapsed_ms > 0 ? 1000.0 * (double)st.queries / (double)st.elapsed_ms : 0.0,
             (unsigned long long)st.rows_inserted);
}

void rt_stop_traffic(vmon_runtime *rt)
{
    for (size_t p = 0; rt->pipelines && p < rt->plan.n_pipelines; p++) {
        rt_pipeline *rp = &rt->pipelines[p];
        if (!rp->traffic)
            continue;
        log_end(rp);
        vmon_traffic_stop(rp->traffic);
        rp->traffic = NULL;
    }
}

int vmon_runtime_traffic_bounded(const vmon_runtime *rt)
{
    int any = 0;
    for (size_t p = 0; p < rt->plan.n_pipelines; p++) {
        int t = rt->plan.pipelines[p].traffic;
        if (t < 0)
            continue;
        if (!rt->plan.traffic[t].count && !rt->plan.traffic[t].duration_ms)
            return 0;
        any = 1;
    }
    return any;
}

int vmon_runtime_traffic_ended(vmon_runtime *rt)
{
    for (size_t p = 0; p < rt->plan.n_pipelines; p++)
        if (rt->pipelines[p].traffic && !vmon_traffic_ended(rt->pipelines[p].traffic))
            return 0;
    return 1;
}

vmon_traffic *vmon_runtime_traffic(vmon_runtime *rt, const char *pipeline)
{
    const rt_pipeline *rp = rt_find_pipeline(rt, pipeline);
    return rp ? rp->traffic : NULL;
}

vmon_arm_table *vmon_runtime_arm_table(vmon_runtime *rt, const char *pipeline)
{
    rt_pipeline *rp = (rt_pipeline *)rt_find_pipeline(rt, pipeline);
    return rp ? &rp->arms : NULL;
}
