#include "daemon.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert_event.h"
#include "clock.h"
#include "control.h"
#include "delivery.h"
#include "instance.h"
#include "log.h"
#include "notify.h"
#include "runtime.h"
#include "tuning_registry.h"

static int load_plan(const vmon_daemon_opts *o, vmon_plan *plan)
{
    vmon_errors errs = {0};
    int rc = vmon_plan_load(o->config_path, o->plugin_dir, plan, &errs);
    for (size_t i = 0; i < errs.count; i++)
        vmon_log(VMON_LOGL_ERROR, "config", "%s", errs.lines[i]);
    if (rc < 0)
        vmon_log(VMON_LOGL_ERROR, "config", "%zu error(s) in %s", errs.count, o->config_path);
    vmon_errors_free(&errs);
    if (rc < 0)
        vmon_plan_free(plan);
    return rc;
}

/* Load, validate and create every instance; nothing runs yet. */
static vmon_runtime *build(const vmon_daemon_opts *o, int *status)
{
    vmon_plan plan;
    *status = 2;
    if (load_plan(o, &plan) < 0)
        return NULL;
    vmon_log_set_level(plan.log_level);
    vmon_log_set_format(plan.log_format);
    vmon_host_set_thread_budget(plan.threads);
    char err[1024] = "";
    *status = 1;
    vmon_runtime *rt = vmon_runtime_new(&plan, err, sizeof err);
    if (!rt) {
        vmon_log(VMON_LOGL_ERROR, "core", "%s", err);
        return NULL;
    }
    *status = 0;
    return rt;
}

static int start(vmon_runtime *rt, int64_t cycles)
{
    char err[1024] = "";
    if (vmon_runtime_start(rt, cycles, err, sizeof err) == 0)
        return 0;
    vmon_log(VMON_LOGL_ERROR, "core", "%s", err);
    return -1;
}

/*
 * Build new, then swap; a bad file or a failing plugin leaves the old
 * running. What did not change carries over as it is (runtime_reload.c).
 */
static vmon_runtime *reload(const vmon_daemon_opts *o, vmon_runtime *old)
{
    vmon_log(VMON_LOGL_INFO, "core", "SIGHUP: reloading %s", o->config_path);
    int old_level = vmon_log_get_level(), old_format = vmon_log_get_format();
    vmon_plan plan;
    if (load_plan(o, &plan) < 0) {
        vmon_log(VMON_LOGL_ERROR, "core",
                 "reload failed; the previous configuration keeps running");
        return old;
    }
    vmon_log_set_level(plan.log_level);
    vmon_log_set_format(plan.log_format);
    vmon_host_set_thread_budget(plan.threads);
    char err[1024] = "";
    vmon_runtime *rt = vmon_runtime_reload(old, &plan, err, sizeof err);
    if (rt == old) {
        vmon_log_set_level(old_level);
        vmon_log_set_format(old_format);
        vmon_host_set_thread_budget(vmon_runtime_plan(old)->threads);
        vmon_log(VMON_LOGL_ERROR, "core", "%s", err);
        vmon_log(VMON_LOGL_ERROR, "core",
                 "reload failed; the previous configuration keeps running");
        return old;
    }
    if (!rt) {
        vmon_log(VMON_LOGL_ERROR, "core", "%s; nothing is left running", err);
        return NULL;
    }
    vmon_runtime_count_reload();
    vmon_log(VMON_LOGL_INFO, "core", "reload done");
    return rt;
}

/* [daemon] control_socket: `vmond ctl` reaches the tuning loops through it. -1 when it was
 * asked for and cannot be had; a path changed by a reload applies at the next start. */
static int open_control(vmon_runtime *rt, vmon_control **out)
{
    *out = NULL;
    const vmon_value *v = vmon_values_get(&vmon_runtime_plan(rt)->daemon, "control_socket");
    if (!v || !v->set || !v->text)
        return 0;
    char err[1024];
    *out = vmon_control_start(v->text, vmon_tuning_control, NULL, err, sizeof err);
    if (!*out) {
        vmon_log(VMON_LOGL_ERROR, "core", "%s", err);
        return -1;
    }
    vmon_log(VMON_LOGL_INFO, "core", "control socket %s (vmond ctl)", v->text);
    return 0;
}

static void block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
    /* Blocked before any thread starts, so every thread inherits the mask. */
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* How often a daemon whose traffic ends by itself looks whether it has. */
#define TRAFFIC_POLL_MS 100

/*
 * The next signal; with bounded traffic, 0 once all of it has ended (then
 * vmond stops as on SIGTERM: rules drain, sinks deliver what is queued).
 */
static int next_signal(const sigset_t *set, vmon_runtime *rt)
{
    if (!vmon_runtime_traffic_bounded(rt)) {
        int sig = 0;
        return sigwait(set, &sig) == 0 ? sig : -1;
    }
    struct timespec poll = {0, TRAFFIC_POLL_MS * 1000000L};
    for (;;) {
        int sig = sigtimedwait(set, NULL, &poll);
        if (sig > 0)
            return sig;
        if (vmon_runtime_traffic_ended(rt))
            return 0;
    }
}

/* READY=1 (after the first start, and after each reload) with what runs as STATUS. */
static void notify_ready(const vmon_runtime *rt, const char *prefix)
{
    char status[256];
    size_t n = vmon_runtime_plan(rt)->n_pipelines;
    snprintf(status, sizeof status, "%s%zu pipeline%s running", prefix, n, n == 1 ? "" : "s");
    vmon_notify_ready(status);
}

int vmon_daemon_run(const vmon_daemon_opts *o)
{
    sigset_t set;
    /* systemd's notifications: only a daemon that keeps running reports readiness. */
    if (o->cycles == 0)
        vmon_notify_init();
    block_signals(&set);
    int status;
    vmon_runtime *rt = build(o, &status);
    if (!rt) {
        vmon_notify_status(status == 2 ? "configuration errors: see log" : "start failed: see log");
        return status;
    }
    if (start(rt, o->cycles) < 0) {
        vmon_notify_status("start failed: see log");
        vmon_runtime_stop(rt);
        return 1;
    }
    if (o->cycles > 0) {
        vmon_runtime_finish_cycles(rt);
        vmon_runtime_stop(rt);
        return 0;
    }
    vmon_control *control;
    if (open_control(rt, &control) < 0) {
        vmon_notify_status("start failed: control socket, see log");
        vmon_runtime_stop(rt);
        return 1;
    }
    vmon_log(VMON_LOGL_INFO, "core", "running %s (pid %d)", o->config_path, (int)getpid());
    notify_ready(rt, "");
    for (;;) {
        /* Signals that arrive while a reload runs stay pending and coalesce into one. */
        int sig = next_signal(&set, rt);
        if (sig < 0)
            continue;
        if (sig == 0) {
            vmon_log(VMON_LOGL_INFO, "core", "all traffic has ended: stopping");
            break;
        }
        if (sig == SIGHUP) {
            vmon_notify_reloading("reloading the configuration");
            vmon_runtime *was = rt;
            rt = reload(o, rt);
            if (!rt) {
                vmon_notify_stopping("reload failed, nothing left running: see log");
                vmon_control_stop(control);
                return 1;
            }
            /* The old runtime is back when the reload failed (it is a new one otherwise). */
            notify_ready(rt, rt == was ? "reload failed: see log, old config kept; " : "");
            continue;
        }
        vmon_log(VMON_LOGL_INFO, "core", "signal %d: stopping", sig);
        break;
    }
    vmon_notify_stopping("stopping: delivering what is queued");
    vmon_control_stop(control);
    vmon_runtime_stop(rt);
    vmon_log(VMON_LOGL_INFO, "core", "stopped");
    return 0;
}

static int find_sink(const vmon_plan *plan, const char *name)
{
    for (size_t i = 0; i < plan->n_instances; i++)
        if (plan->instances[i].kind == VMON_KIND_SINK && strcmp(plan->instances[i].name, name) == 0)
            return (int)i;
    return -1;
}

int vmon_daemon_test_alert(const vmon_daemon_opts *o)
{
    vmon_plan plan;
    if (load_plan(o, &plan) < 0)
        return 2;
    int idx = find_sink(&plan, o->test_alert_sink);
    if (idx < 0) {
        fprintf(stderr, "vmond: no [sink:%s] in %s\n", o->test_alert_sink, o->config_path);
        vmon_plan_free(&plan);
        return 2;
    }
    vmon_plan_instance *pi = &plan.instances[idx];
    vmon_instance_hooks none = {0};
    vmon_instance *inst = vmon_instance_new(pi->kind, pi->name, pi->plugin, &pi->values, none);
    char err[1024];
    int status = 1;
    if (vmon_instance_create(inst, err, sizeof err) == 0 &&
        vmon_instance_start(inst, err, sizeof err) == 0) {
        vmon_delivery *d = vmon_delivery_start(inst, NULL, NULL, err, sizeof err);
        if (d) {
            vmon_label l = {"instance", "vmond"};
            vmon_alert_event *ev = vmon_alert_event_new(
                "vmon_test_alert", "vmon", VMON_SEV_CRITICAL, VMON_ALERT_FIRING, &l, 1, NULL, 0,
                "test alert from vmond --test-alert; no action needed", NAN, NAN, vmon_now_ms(), 0,
                0);
            vmon_delivery_push_alert(d, ev);
            vmon_delivery_drain(d, plan.shutdown_timeout_ms);
            vmon_delivery_stats st;
            vmon_delivery_stats_get(d, &st);
            status = st.delivered == 1 ? 0 : 1;
            printf("test alert via [sink:%s]: %s (delivered %llu, retries %llu, failed %llu)\n",
                   pi->name, status == 0 ? "delivered" : "NOT delivered",
                   (unsigned long long)st.delivered, (unsigned long long)st.retries,
                   (unsigned long long)st.failed);
            if (vmon_delivery_stop(d, 0) < 0)
                inst = NULL;
        } else {
            fprintf(stderr, "vmond: %s\n", err);
        }
    } else {
        fprintf(stderr, "vmond: %s\n", err);
    }
    vmon_instance_destroy(inst);
    vmon_plan_free(&plan);
    return status;
}
