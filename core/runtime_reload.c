/*
 * A reload: the new plan's instances that did not change carry over as they
 * are (slot, instance, probe thread, delivery queue); the rest are made new.
 * A new instance that wants an exclusive resource an old one holds (an
 * option flagged VMON_OPT_EXCLUSIVE with the same value) is made only after
 * the old holder is gone, and if it fails the old holder is made again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "runtime_priv.h"
#include "strutil.h"

typedef struct reload {
    vmon_runtime *old, *fresh;
    long *carry;          /* per fresh instance: the old index it keeps, or -1 */
    unsigned char *kept;  /* per old instance: carried into fresh */
    unsigned char *late;  /* per fresh instance: made once the old holders are gone */
    unsigned char *yield; /* per old instance: gone before the late ones are made */
    vmon_delivery_parked *
        *parked; /* per old instance: a yielding sink's queue, for its successor */
    size_t n_old;
    int any_late;
} reload;

static int same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Same effective values: ${ENV} is expanded and paths resolved in `text`. */
static int same_values(const vmon_values *a, const vmon_values *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i].opt->key, b->v[i].opt->key) != 0 || a->v[i].set != b->v[i].set ||
            !same_text(a->v[i].text, b->v[i].text))
            return 0;
    return 1;
}

/* Do the two hold one exclusive resource (an exclusive value of one type, equal)? */
static int share_exclusive(const vmon_values *a, const vmon_values *b)
{
    return vmon_values_shared_exclusive(a, b, NULL) != NULL;
}

/* Same section, plugin file and values, and (if it has one) a target that carries too. */
static long carried_from(const reload *r, size_t i)
{
    const vmon_plan_instance *pi = &r->fresh->plan.instances[i];
    long j = rt_index_of_section(r->old, pi->section);
    if (j < 0 || !r->old->slots[j])
        return -1;
    const vmon_instance *oi = r->old->slots[j]->inst;
    int old_target = r->old->plan.instances[j].target;
    int same_target =
        pi->target < 0 ? old_target < 0 : old_target >= 0 && r->carry[pi->target] == old_target;
    if (!oi || oi->kind != pi->kind || strcmp(oi->plugin->path, pi->plugin->path) != 0 ||
        !same_values(&pi->values, oi->values) || !same_target)
        return -1;
    return j;
}

static void match(reload *r)
{
    vmon_runtime *fresh = r->fresh, *old = r->old;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < fresh->plan.n_instances; i++) {
            if (!rt_targets_first(fresh, i, pass))
                continue;
            r->carry[i] = carried_from(r, i);
            if (r->carry[i] >= 0) {
                r->kept[r->carry[i]] = 1;
                fresh->slots[i] = old->slots[r->carry[i]];
            }
        }
}

/* Who must wait for whom: conflicts, then users of a late target or a yielding one. */
static void find_conflicts(reload *r)
{
    const vmon_plan *np = &r->fresh->plan, *op = &r->old->plan;
    for (size_t i = 0; i < np->n_instances; i++)
        for (size_t j = 0; r->carry[i] < 0 && j < op->n_instances; j++)
            if (!r->kept[j] && r->old->slots[j] &&
                share_exclusive(&np->instances[i].values, r->old->slots[j]->inst->values)) {
                r->late[i] = 1;
                r->yield[j] = 1;
            }
    for (size_t i = 0; i < np->n_instances; i++)
        if (np->instances[i].target >= 0 && r->late[np->instances[i].target])
            r->late[i] = 1;
    for (size_t j = 0; j < op->n_instances; j++)
        if (op->instances[j].target >= 0 && r->yield[op->instances[j].target] && !r->kept[j])
            r->yield[j] = 1;
    for (size_t i = 0; i < np->n_instances; i++)
        r->any_late |= r->late[i];
}

/* Make the fresh instances of one phase (late or not), targets first. */
static int bring_up(reload *r, int late, char *err, size_t errlen)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < r->fresh->plan.n_instances; i++)
            if (r->carry[i] < 0 && r->late[i] == late && rt_targets_first(r->fresh, i, pass) &&
                rt_bring_up(r->fresh, i, err, errlen) < 0)
                return -1;
    return 0;
}

/* A failed reload: the fresh runtime goes, the carried slots stay with the old. */
static void discard_fresh(reload *r)
{
    for (size_t i = 0; i < r->fresh->plan.n_instances; i++)
        if (r->carry[i] >= 0)
            r->fresh->slots[i] = NULL;
    rt_free_slots(r->fresh, NULL);
    rt_free(r->fresh);
    r->fresh = NULL;
}

static unsigned char *inverse(const unsigned char *marks, size_t n)
{
    unsigned char *out = vmon_calloc(n + 1, 1);
    for (size_t i = 0; i < n; i++)
        out[i] = !marks[i];
    return out;
}

/* The old holders of what the late instances need go (users first). */
static void give_way(reload *r)
{
    unsigned char *spare = inverse(r->yield, r->old->plan.n_instances);
    rt_hand_tuning_over(r->old, r->fresh);
    rt_stop_tuning(r->old);
    rt_stop_traffic(r->old);
    rt_free_tuning(r->old);
    rt_stop_rules(r->old);
    /* A yielding sink's queue waits for its replacement (or for itself, made again). */
    for (size_t j = 0; j < r->old->plan.n_instances; j++)
        if (r->yield[j] && rt_delivery(r->old, j) &&
            rt_index_of_section(r->fresh, r->old->plan.instances[j].section) >= 0)
            r->parked[j] = vmon_delivery_park(rt_delivery(r->old, j));
    rt_stop_probes(r->old, spare);
    rt_stop_deliveries(r->old, spare);
    rt_free_slots(r->old, spare);
    free(spare);
}

/* The replacement failed: the old holders are made again from the old plan. */
static void restore_old(reload *r)
{
    vmon_runtime *old = r->old;
    for (int pass = 0; pass < 2; pass++)
        for (size_t j = 0; j < old->plan.n_instances; j++) {
            char err[1024] = "";
            if (!r->yield[j] || !rt_targets_first(old, j, pass) ||
                rt_bring_up(old, j, err, sizeof err) == 0)
                continue;
            vmon_log(VMON_LOGL_ERROR, "core", "cannot restore the previous %s: %s",
                     old->plan.instances[j].section, err);
            rt_slot_free(old->slots[j]);
            old->slots[j] = NULL;
        }
    for (size_t j = 0; j < old->plan.n_instances; j++) {
        vmon_delivery_unpark(r->parked[j], rt_delivery(old, j));
        r->parked[j] = NULL;
    }
    char err[1024] = "";
    if (rt_start_probes(old, err, sizeof err) < 0 || rt_start_rules(old, err, sizeof err) < 0 ||
        rt_start_traffic(old, err, sizeof err) < 0 || rt_start_tuning(old, err, sizeof err) < 0)
        vmon_log(VMON_LOGL_ERROR, "core", "%s", err);
}

typedef struct resolution_ctx {
    reload *r;
    const vmon_plan_pipeline *from; /* the old pipeline */
    const vmon_plan_pipeline *to;   /* its successor, or NULL */
} resolution_ctx;

static int pipeline_has_sink(const vmon_runtime *rt, const vmon_plan_pipeline *pp,
                             const char *section)
{
    for (size_t s = 0; pp && s < pp->n_sinks; s++)
        if (strcmp(rt->plan.instances[pp->sinks[s]].section, section) == 0)
            return 1;
    return 0;
}

/* The delivery serving a sink section now: the old one (carried or to be handed over). */
static vmon_delivery *delivery_of(const reload *r, const char *section)
{
    long j = rt_index_of_section(r->old, section);
    if (j >= 0 && rt_delivery(r->old, (size_t)j))
        return rt_delivery(r->old, (size_t)j);
    long i = rt_index_of_section(r->fresh, section);
    return i >= 0 ? rt_delivery(r->fresh, (size_t)i) : NULL;
}

/* A resolution goes to the old pipeline's sinks that the successor does not have. */
static void send_resolution(void *arg, vmon_alert_event *ev)
{
    resolution_ctx *c = arg;
    for (size_t s = 0; s < c->from->n_sinks; s++) {
        const char *section = c->r->old->plan.instances[c->from->sinks[s]].section;
        vmon_delivery *d = delivery_of(c->r, section);
        if (d && !pipeline_has_sink(c->r->fresh, c->to, section))
            vmon_delivery_push_alert(d, vmon_alert_event_copy(&ev->a));
    }
    vmon_alert_event_free(ev);
}

static rt_pipeline *successor_of(reload *r, const rt_pipeline *op)
{
    return (rt_pipeline *)rt_find_pipeline(r->fresh, op->plan->name);
}

static vmon_rule_state *successor_rule(rt_pipeline *np, const vmon_rule_state *rs)
{
    for (size_t k = 0; np && k < np->plan->n_rules; k++)
        if (vmon_rule_same_condition(np->rules[k].rule, rs->rule))
            return &np->rules[k];
    return NULL;
}

/*
 * Rules whose condition is unchanged keep their state; a receiver that will
 * not hear from a rule again (rule changed or removed, pipeline or sink gone
 * from it) gets the resolution of what fired there.
 */
static void adopt_rules(reload *r)
{
    int64_t now = vmon_now_ms();
    for (size_t p = 0; p < r->old->plan.n_pipelines; p++) {
        rt_pipeline *op = &r->old->pipelines[p], *np = successor_of(r, op);
        for (size_t q = 0; q < op->plan->n_rules; q++) {
            vmon_rule_state *next = successor_rule(np, &op->rules[q]);
            resolution_ctx c = {r, op->plan, next ? np->plan : NULL};
            vmon_rule_resolutions(&op->rules[q], now, send_resolution, &c);
            if (next)
                vmon_rule_adopt(next, &op->rules[q]);
        }
    }
}

/*
 * To each sink that heard old instance `j` (once), through delivery_of: a sink
 * that gave way for an exclusive resource is gone from the old runtime already.
 */
static void resolve_plugin_alert(reload *r, long j, vmon_alert_event *ev)
{
    vmon_runtime *old = r->old;
    unsigned char *seen = vmon_calloc(old->plan.n_instances + 1, 1);
    for (size_t p = 0; p < old->plan.n_pipelines; p++)
        for (size_t s = 0; rt_in_pipeline(old, j, p) && s < old->pipelines[p].plan->n_sinks; s++) {
            int si = old->pipelines[p].plan->sinks[s];
            vmon_delivery *d = seen[si] ? NULL : delivery_of(r, old->plan.instances[si].section);
            seen[si] = 1;
            if (d)
                vmon_delivery_push_alert(d, vmon_alert_event_copy(&ev->a));
        }
    free(seen);
    old->stats.alerts++;
    vmon_alert_event_free(ev);
}

/*
 * Plugin alerts of carried instances stay active; those of replaced or
 * removed instances are resolved (a replacement raises them again if the
 * trouble persists, and nothing else would ever resolve them).
 */
static void adopt_plugin_alerts(reload *r)
{
    vmon_runtime *old = r->old, *fresh = r->fresh;
    int64_t now = vmon_now_ms();
    for (size_t k = 0; k < old->n_active; k++) {
        active_alert *a = &old->active[k];
        long j = rt_index_of_section(old, a->section);
        if (j >= 0 && r->kept[j]) {
            fresh->active = vmon_realloc(fresh->active, (fresh->n_active + 1) * sizeof *a);
            fresh->active[fresh->n_active++] = *a;
            continue;
        }
        const vmon_alert *f = &a->fired->a;
        resolve_plugin_alert(r, j,
                             vmon_alert_event_new(f->rule, f->component, (int)f->severity,
                                                  VMON_ALERT_RESOLVED, f->labels, f->n_labels,
                                                  f->annotations, f->n_annotations, f->message,
                                                  f->value, f->threshold, f->starts_at_ms, now, 0));
        free(a->fingerprint);
        free(a->section);
        vmon_alert_event_free(a->fired);
    }
    old->n_active = 0;
}

/* Work the old rules thread did not reach goes to the new one, ahead of its own. */
static void move_queue(reload *r)
{
    vmon_runtime *old = r->old, *fresh = r->fresh;
    pthread_mutex_lock(&old->lock);
    work_item *w = old->head;
    old->head = old->tail = NULL;
    pthread_mutex_unlock(&old->lock);
    work_item *head = NULL, *last = NULL;
    while (w) {
        work_item *next = w->next;
        long src =
            w->source < 0 ? -1 : rt_index_of_section(fresh, old->plan.instances[w->source].section);
        /* Readings of a replaced instance still count; its alerts went with it. */
        int gone = w->source >= 0 && (src < 0 || (w->alert && !r->kept[w->source]));
        if (gone) {
            vmon_batch_unref(w->batch);
            vmon_alert_event_free(w->alert);
            free(w);
        } else {
            w->source = src;
            w->next = NULL;
            *(last ? &last->next : &head) = w;
            last = w;
        }
        w = next;
    }
    if (!head)
        return;
    pthread_mutex_lock(&fresh->lock);
    last->next = fresh->head;
    fresh->head = head;
    if (!fresh->tail)
        fresh->tail = last;
    pthread_mutex_unlock(&fresh->lock);
}

/* Carried slots now report to the fresh runtime; the old one gives them up. */
static void hand_over_slots(reload *r)
{
    for (size_t i = 0; i < r->fresh->plan.n_instances; i++) {
        if (r->carry[i] < 0)
            continue;
        rt_slot_repoint(r->fresh->slots[i], r->fresh, i);
        r->old->slots[r->carry[i]] = NULL;
    }
}

/* A replaced sink's queue (and the call in flight) goes to its replacement. */
static void hand_over_queues(reload *r)
{
    for (size_t j = 0; j < r->old->plan.n_instances; j++) {
        vmon_delivery *from = rt_delivery(r->old, j);
        long i = from ? rt_index_of_section(r->fresh, r->old->plan.instances[j].section) : -1;
        vmon_delivery *to = i >= 0 ? rt_delivery(r->fresh, (size_t)i) : NULL;
        if (to)
            vmon_delivery_hand_over(from, to);
    }
    for (size_t j = 0; j < r->old->plan.n_instances; j++) {
        long i =
            r->parked[j] ? rt_index_of_section(r->fresh, r->old->plan.instances[j].section) : -1;
        vmon_delivery_unpark(r->parked[j], i >= 0 ? rt_delivery(r->fresh, (size_t)i) : NULL);
        r->parked[j] = NULL;
    }
}

static void adopt(reload *r)
{
    rt_hand_tuning_over(r->old, r->fresh);
    rt_stop_tuning(r->old);
    rt_stop_traffic(r->old);
    rt_free_tuning(r->old);
    rt_stop_probes(r->old, r->kept);
    rt_stop_rules(r->old);
    /* First: a held firing is delivered before any resolution adopt_rules sends. */
    rt_inhibit_adopt(r->old, r->fresh, r->carry);
    adopt_rules(r);
    adopt_plugin_alerts(r);
    hand_over_slots(r);
    move_queue(r);
    hand_over_queues(r);
}

/* What the old runtime still has goes: its sinks get the shutdown timeout, once. */
static void retire_old(reload *r)
{
    rt_stop_deliveries(r->old, NULL);
    rt_free_slots(r->old, NULL);
    rt_free(r->old);
    r->old = NULL;
}

static void log_summary(const reload *r)
{
    size_t kept = 0, made = 0, gone = 0;
    for (size_t i = 0; i < r->fresh->plan.n_instances; i++)
        r->carry[i] >= 0 ? kept++ : made++;
    for (size_t j = 0; j < r->old->plan.n_instances; j++)
        gone += !r->kept[j];
    vmon_log(VMON_LOGL_INFO, "core", "reload: %zu instance(s) kept as they are, %zu made, %zu gone",
             kept, made, gone);
}

static void free_marks(reload *r)
{
    for (size_t j = 0; r->parked && j < r->n_old; j++)
        vmon_delivery_unpark(r->parked[j], NULL);
    free(r->parked);
    free(r->carry);
    free(r->kept);
    free(r->late);
    free(r->yield);
}

/* The reload failed: the old runtime runs on. */
static vmon_runtime *keep_old(reload *r)
{
    vmon_runtime *old = r->old;
    if (r->fresh)
        discard_fresh(r);
    free_marks(r);
    return old;
}

vmon_runtime *vmon_runtime_reload(vmon_runtime *old, vmon_plan *plan, char *err, size_t errlen)
{
    reload r = {.old = old, .fresh = rt_alloc(plan)};
    size_t n = r.fresh->plan.n_instances, m = old->plan.n_instances;
    r.carry = vmon_calloc(n + 1, sizeof *r.carry);
    r.late = vmon_calloc(n + 1, 1);
    r.kept = vmon_calloc(m + 1, 1);
    r.yield = vmon_calloc(m + 1, 1);
    r.parked = vmon_calloc(m + 1, sizeof *r.parked);
    r.n_old = m;
    match(&r);
    find_conflicts(&r);
    if (bring_up(&r, 0, err, errlen) < 0)
        return keep_old(&r);
    if (r.any_late) {
        give_way(&r);
        if (bring_up(&r, 1, err, errlen) < 0) {
            discard_fresh(&r);
            restore_old(&r);
            return keep_old(&r);
        }
    }
    log_summary(&r);
    adopt(&r);
    vmon_runtime *fresh = r.fresh;
    int started = vmon_runtime_start(fresh, 0, err, errlen) == 0;
    retire_old(&r);
    free_marks(&r);
    if (!started) {
        vmon_runtime_stop(fresh);
        return NULL;
    }
    return fresh;
}
