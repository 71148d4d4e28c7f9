/*
 * The tuning loop of each pipeline that names a tuner (core/tuning_loop.h),
 * wired to its runtime: a monitor the pipeline's traffic records into, the
 * pipeline's arm table and router, the target (facts, shadow measurement),
 * event publishing, and the daemon's state file. Loops start after the
 * traffic (their recorder goes onto it) and stop before it; the monitor is
 * freed only once the traffic that records into it has stopped.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "event_publish.h"
#include "log.h"
#include "runtime_priv.h"
#include "shadow.h"
#include "strutil.h"
#include "tuning_loop.h"
#include "tuning_registry.h"
#include "tuning_state.h"

struct rt_tuning {
    vmon_runtime *rt;
    const vmon_plan_pipeline *pp;
    char *collection;
    vmon_instance *target, *tuner, *router;
    rt_slot *tuner_slot;
    vmon_arm_table *arms;
    vmon_monitor *monitor;       /* the loop's window: baseline, degradation */
    vmon_monitor *judge_monitor; /* a long window: a step holds what the judge needs */
    vmon_monitor_arm *arm[2], *judge_arm[2];
    vmon_traffic_recorder recorder;
    vmon_shadow *shadow;
    vmon_tuning_loop *loop;
};

/* ---- ports ---- */

static int publish_arms(void *ctx, const vmon_search_params *p, uint32_t n)
{
    rt_tuning *t = ctx;
    vmon_arm_params arms[VMON_ROUTER_MAX_ARMS];
    for (uint32_t i = 0; i < n && i < VMON_ROUTER_MAX_ARMS; i++)
        arms[i] = (vmon_arm_params){.flags = (p[i].nprobe ? VMON_SEARCH_NPROBE : 0u) |
                                             (p[i].ef ? VMON_SEARCH_EF : 0u),
                                    .nprobe = p[i].nprobe,
                                    .ef = p[i].ef};
    return vmon_arm_table_publish(t->arms, arms, n);
}

static const vmon_target_ops *target_ops(const rt_tuning *t)
{
    return t->target->plugin->ops;
}

static int facts(void *ctx, const char *collection, vmon_collection_stats *out)
{
    rt_tuning *t = ctx;
    char err[256];
    out->struct_size = sizeof *out;
    const vmon_target_ops *ops = target_ops(t);
    return ops->collection_stats
               ? ops->collection_stats(t->target->ctx, collection, out, err, sizeof err)
               : -1;
}

static int measure(void *ctx, const vmon_search_params *p, vmon_arm_figures *out, char *err,
                   size_t errlen)
{
    rt_tuning *t = ctx;
    return vmon_shadow_measure(t->shadow, p, out, err, errlen);
}

static void event(void *ctx, const char *pipeline, const char *collection, const vmon_exp_event *ev)
{
    rt_tuning *t = ctx;
    char experiment[24];
    snprintf(experiment, sizeof experiment, "%llu", (unsigned long long)ev->experiment);
    vmon_label labels[2] = {{"collection", collection}, {"experiment", experiment}};
    vmon_label fields[VMON_EXP_MAX_FIELDS];
    vmon_event_spec spec = {.type = ev->type,
                            .severity = ev->severity,
                            .n_labels = ev->experiment ? 2 : 1,
                            .labels = labels,
                            .n_fields = vmon_exp_event_labels(ev, fields, VMON_EXP_MAX_FIELDS),
                            .fields = fields,
                            .message = ev->message,
                            .time_ms = ev->time_ms};
    vmon_runtime_publish_event(t->rt, pipeline, &spec);
}

static void alert(void *ctx, const char *pipeline, const char *message)
{
    rt_tuning *t = ctx;
    vmon_label labels[2] = {{"pipeline", pipeline}, {"collection", t->collection}};
    vmon_alert_spec spec = {.struct_size = sizeof spec,
                            .severity = VMON_SEV_WARNING,
                            .n_labels = 2,
                            .name = "tuning_infeasible",
                            .labels = labels,
                            .message = message,
                            .value = NAN};
    rt_slot_alert(t->tuner_slot, &spec, 0);
}

/* ---- life ---- */

static int first_name(void *arg, const char *name)
{
    char **out = arg;
    if (!*out)
        *out = vmon_strdup(name);
    return 1; /* stop */
}

/* [tuner:] collection, else the traffic's, else the target's first. */
static char *collection_of(const rt_tuning *t, char *err, size_t errlen)
{
    const vmon_tuning_settings *s = t->pp->tuning;
    if (s->collection)
        return vmon_strdup(s->collection);
    if (t->pp->traffic >= 0 && t->rt->plan.traffic[t->pp->traffic].collection)
        return vmon_strdup(t->rt->plan.traffic[t->pp->traffic].collection);
    char *name = NULL;
    const vmon_target_ops *ops = target_ops(t);
    if (ops->list_collections)
        ops->list_collections(t->target->ctx, first_name, &name, err, errlen);
    if (!name)
        snprintf(err, errlen,
                 "[pipeline:%s]: the target has no collection to tune; set "
                 "[tuner:] collection",
                 t->pp->name);
    return name;
}

/* Per request, from a traffic worker: both windows of its arm. No lock, no allocation. */
static void record(void *arg, uint32_t arm, uint32_t worker, uint64_t now_ns, uint64_t latency_ns,
                   bool ok)
{
    rt_tuning *t = arg;
    arm = arm < 2 ? arm : 0;
    vmon_monitor_record(t->arm[arm], worker, now_ns, latency_ns, ok);
    vmon_monitor_record(t->judge_arm[arm], worker, now_ns, latency_ns, ok);
}

/* The judge's window: ten minutes in 10 s slices, whatever the loop's window. */
#define JUDGE_WINDOW_MS 600000u
#define JUDGE_SLICE_MS  10000u

static int make_monitor(rt_tuning *t, rt_pipeline *rp, char *err, size_t errlen)
{
    const vmon_tuning_settings *s = t->pp->tuning;
    vmon_monitor_config mc;
    vmon_monitor_config_default(&mc);
    mc.window_ms = (uint32_t)s->window_ms;
    mc.latency_factor = s->exp.latency_factor;
    mc.qps_drop = s->exp.qps_drop;
    mc.min_samples = s->exp.min_samples;
    mc.n_writers = (uint32_t)t->rt->plan.traffic[t->pp->traffic].workers;
    if (!(t->monitor = vmon_monitor_new(&mc, err, errlen)))
        return -1;
    mc.window_ms = JUDGE_WINDOW_MS;
    mc.slice_ms = JUDGE_SLICE_MS;
    if (!(t->judge_monitor = vmon_monitor_new(&mc, err, errlen)))
        return -1;
    for (uint32_t a = 0; a < 2; a++)
        if (!(t->arm[a] = vmon_monitor_arm_get(t->monitor, t->collection, a, err, errlen)) ||
            !(t->judge_arm[a] =
                  vmon_monitor_arm_get(t->judge_monitor, t->collection, a, err, errlen)))
            return -1;
    t->recorder = (vmon_traffic_recorder){.record = record, .arg = t};
    vmon_traffic_set_recorder(rp->traffic, &t->recorder);
    return 0;
}

/* What searches use until the loop chooses: the target's own `nprobe` / `ef`, if it has them. */
static vmon_search_params initial_of(rt_tuning *t)
{
    vmon_search_params p = {.struct_size = sizeof p, .top_k = t->pp->tuning->exp.top_k};
    vmon_collection_stats f = {0};
    if (facts(t, t->collection, &f) != 0)
        return p;
    const vmon_value *nprobe = vmon_instance_value(t->target, "nprobe");
    const vmon_value *ef = vmon_instance_value(t->target, "ef");
    if (f.nlist && nprobe && nprobe->set)
        p.nprobe = (uint32_t)nprobe->i;
    else if (f.m && ef && ef->set)
        p.ef = (uint32_t)ef->i;
    return p;
}

static int make_loop(rt_tuning *t, const vmon_exp_snapshot *handoff, char *err, size_t errlen)
{
    const vmon_tuning_settings *s = t->pp->tuning;
    vmon_shadow_config sc;
    vmon_shadow_config_default(&sc);
    sc.top_k = s->exp.top_k;
    t->shadow = vmon_shadow_new(target_ops(t), t->target->ctx, t->collection, &sc, err, errlen);
    if (!t->shadow)
        return -1;
    vmon_tuning_ports ports = {.ctx = t,
                               .tuner = t->tuner->plugin->ops,
                               .tuner_ctx = t->tuner->ctx,
                               .router = t->router ? t->router->plugin->ops : NULL,
                               .router_ctx = t->router ? t->router->ctx : NULL,
                               .monitor = t->monitor,
                               .judge_monitor = t->judge_monitor,
                               .judge_window_ms = JUDGE_WINDOW_MS,
                               .publish_arms = publish_arms,
                               .facts = facts,
                               .measure = measure,
                               .event = event,
                               .alert = alert};
    vmon_search_params initial = initial_of(t);
    t->loop = vmon_tuning_loop_new(t->pp->name, t->collection, s, &ports, t->rt->tuning_store,
                                   handoff, &initial, vmon_now_ms(), err, errlen);
    if (!t->loop || vmon_tuning_loop_start(t->loop, err, errlen))
        return -1;
    vmon_tuning_register(t->loop);
    return 0;
}

static void tuning_free(rt_tuning *t)
{
    if (!t)
        return;
    if (t->loop) {
        vmon_tuning_unregister(t->loop);
        vmon_tuning_loop_free(t->loop); /* stops its thread */
    }
    vmon_shadow_free(t->shadow);
    vmon_monitor_free(t->judge_monitor);
    vmon_monitor_free(t->monitor);
    free(t->collection);
    free(t);
}

static vmon_instance *instance_at(const vmon_runtime *rt, int i)
{
    return i >= 0 && rt->slots[i] ? rt->slots[i]->inst : NULL;
}

static int start_one(vmon_runtime *rt, rt_pipeline *rp, char *err, size_t errlen)
{
    const vmon_plan_pipeline *pp = rp->plan;
    if (pp->traffic < 0 || !rp->traffic) {
        snprintf(err, errlen,
                 "[pipeline:%s] tuner: the loop measures the pipeline's traffic; "
                 "add `traffic = NAME`",
                 pp->name);
        return -1;
    }
    rt_tuning *t = vmon_calloc(1, sizeof *t);
    t->rt = rt;
    t->pp = pp;
    t->target = instance_at(rt, pp->target);
    t->tuner = instance_at(rt, pp->tuner);
    t->tuner_slot = rt->slots[pp->tuner];
    t->router = instance_at(rt, pp->router);
    t->arms = &rp->arms;
    rp->tuning = t;
    if (!(t->collection = collection_of(t, err, errlen)) || make_monitor(t, rp, err, errlen) ||
        make_loop(t, rp->handoff_set ? &rp->handoff : NULL, err, errlen))
        return -1;
    return 0;
}

static int open_store(vmon_runtime *rt, char *err, size_t errlen)
{
    const vmon_value *v = vmon_values_get(&rt->plan.daemon, "state_dir");
    if (!v || !v->set || rt->tuning_store)
        return 0;
    rt->tuning_store = vmon_tuning_store_open(v->text, err, errlen);
    return rt->tuning_store ? 0 : -1;
}

int rt_start_tuning(vmon_runtime *rt, char *err, size_t errlen)
{
    for (size_t p = 0; p < rt->plan.n_pipelines; p++) {
        rt_pipeline *rp = &rt->pipelines[p];
        if (!rp->plan->tuning || rp->tuning)
            continue;
        if (open_store(rt, err, errlen) || start_one(rt, rp, err, errlen))
            return -1;
    }
    return 0;
}

/* Before the traffic stops: no decision is taken on a stream that is ending. */
void rt_stop_tuning(vmon_runtime *rt)
{
    for (size_t p = 0; rt->pipelines && p < rt->plan.n_pipelines; p++)
        if (rt->pipelines[p].tuning && rt->pipelines[p].tuning->loop)
            vmon_tuning_loop_stop(rt->pipelines[p].tuning->loop);
}

/* After the traffic stopped: nothing records into the monitors any more. */
void rt_free_tuning(vmon_runtime *rt)
{
    for (size_t p = 0; rt->pipelines && p < rt->plan.n_pipelines; p++) {
        tuning_free(rt->pipelines[p].tuning);
        rt->pipelines[p].tuning = NULL;
    }
    vmon_tuning_store_close(rt->tuning_store);
    rt->tuning_store = NULL;
}

/* A reload: the new runtime's pipeline whose loop is the same takes the old loop's state. */
void rt_hand_tuning_over(vmon_runtime *old, vmon_runtime *rt)
{
    for (size_t p = 0; p < rt->plan.n_pipelines; p++) {
        rt_pipeline *np = &rt->pipelines[p];
        const rt_pipeline *op = rt_find_pipeline(old, np->plan->name);
        if (!np->plan->tuning || !op || !op->tuning || !op->tuning->loop ||
            !vmon_tuning_settings_same(np->plan->tuning, op->plan->tuning))
            continue;
        vmon_tuning_loop_save(op->tuning->loop, &np->handoff);
        np->handoff_set = 1;
    }
}
