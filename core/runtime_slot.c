#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "runtime_priv.h"
#include "strutil.h"

/* Samples of a probe join its current reading; others are published at once. */
static void slot_emit(void *arg, vmon_instance *inst, const vmon_sample *sample)
{
    rt_slot *s = arg;
    pthread_mutex_lock(&s->lock);
    if (!s->rt) {
        /* orphaned: an abandoned sink's late sample has no runtime to go to */
    } else if (s->probe) {
        rt_probe_add(s->probe, inst, sample);
    } else {
        vmon_sample_batch *b = vmon_batch_new(inst->section);
        vmon_batch_add(b, sample, inst->name, vmon_now_ms());
        rt_publish_batch(s->rt, (long)s->index, b);
    }
    pthread_mutex_unlock(&s->lock);
}

static void slot_alert(void *arg, vmon_instance *inst, const vmon_alert_spec *spec, int resolve)
{
    rt_slot *s = arg;
    vmon_alert_event *ev = rt_event_from_spec(inst, spec, resolve, vmon_now_ms());
    pthread_mutex_lock(&s->lock);
    if (s->rt)
        rt_publish_alert(s->rt, (long)s->index, ev, resolve);
    else
        vmon_alert_event_free(ev); /* orphaned: an abandoned sink's late alert */
    pthread_mutex_unlock(&s->lock);
}

/* The instance is gone; an orphaned slot was waiting for that to go too. */
static void slot_release(void *arg)
{
    rt_slot *s = arg;
    pthread_mutex_lock(&s->lock);
    s->released = 1;
    int orphaned = s->orphaned;
    pthread_mutex_unlock(&s->lock);
    if (orphaned) {
        pthread_mutex_destroy(&s->lock);
        free(s);
    }
}

void rt_slot_alert(rt_slot *s, const vmon_alert_spec *spec, int resolve)
{
    slot_alert(s, s->inst, spec, resolve);
}

void rt_slot_publish(rt_slot *s, vmon_sample_batch *b)
{
    pthread_mutex_lock(&s->lock);
    rt_publish_batch(s->rt, (long)s->index, b);
    pthread_mutex_unlock(&s->lock);
}

rt_slot *rt_slot_new(vmon_runtime *rt, size_t index)
{
    rt_slot *s = vmon_calloc(1, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    s->rt = rt;
    s->index = index;
    const vmon_plan_instance *pi = &rt->plan.instances[index];
    vmon_instance_hooks hooks = {
        .emit = slot_emit, .alert = slot_alert, .release = slot_release, .arg = s};
    s->inst = vmon_instance_new(pi->kind, pi->name, pi->plugin, &pi->values, hooks);
    return s;
}

void rt_slot_repoint(rt_slot *s, vmon_runtime *rt, size_t index)
{
    pthread_mutex_lock(&s->lock);
    s->rt = rt;
    s->index = index;
    pthread_mutex_unlock(&s->lock);
}

void rt_slot_delivery_stopped(rt_slot *s, int abandoned)
{
    s->delivery = NULL;
    if (abandoned) {
        s->inst = NULL; /* its thread destroys it when the call returns */
        s->abandoned = 1;
    }
}

void rt_slot_free(rt_slot *s)
{
    if (!s)
        return;
    if (s->delivery) {
        unsigned char abandoned = 0;
        vmon_delivery_stop_all(&s->delivery, 1, 0, &abandoned);
        rt_slot_delivery_stopped(s, abandoned);
    }
    if (s->abandoned) {
        /* The plugin may still raise or emit from the abandoned call: the slot stays. */
        pthread_mutex_lock(&s->lock);
        int released = s->released;
        s->orphaned = !released;
        s->rt = NULL;
        pthread_mutex_unlock(&s->lock);
        if (!released)
            return; /* slot_release frees it; `s` may be gone already */
    }
    if (s->probe) {
        rt_probe_signal_stop(s->probe);
        rt_probe_join(s->probe);
        rt_probe_free(s->probe);
    }
    vmon_instance_destroy(s->inst);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

vmon_delivery *rt_delivery(const vmon_runtime *rt, size_t i)
{
    return rt->slots && rt->slots[i] ? rt->slots[i]->delivery : NULL;
}

long rt_index_of_section(const vmon_runtime *rt, const char *section)
{
    for (size_t i = 0; i < rt->plan.n_instances; i++)
        if (strcmp(rt->plan.instances[i].section, section) == 0)
            return (long)i;
    return -1;
}
