/*
 * Deliveries without a runtime: a plan read from INI text, its sinks created
 * and each given a delivery, so a test can stop, abandon and hand over
 * deliveries and free the plan under them, as a reload does.
 */
#ifndef VMON_TEST_SINK_HARNESS_H
#define VMON_TEST_SINK_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert_event.h"
#include "clock.h"
#include "delivery.h"
#include "instance.h"
#include "plan.h"
#include "test_util.h"

#define HARNESS_MAX_SINKS 8

typedef struct harness {
    char *dir;
    vmon_plan plan;
    size_t n;
    vmon_instance *sinks[HARNESS_MAX_SINKS];
    vmon_delivery *deliveries[HARNESS_MAX_SINKS];
} harness;

/* `ini` may use %1$s for the test's folder. */
static inline void harness_load(harness *h, const char *ini, vmon_sink_event_fn fn, void *arg)
{
    memset(h, 0, sizeof *h);
    h->dir = test_tempdir();
    char text[4096];
    snprintf(text, sizeof text, ini, h->dir);
    char *path = test_write_file(h->dir, "vmon.ini", text);
    vmon_errors errs = {0};
    int rc = vmon_plan_load(path, VMON_TEST_PLUGIN_DIR, &h->plan, &errs);
    vmon_errors_print(&errs, stderr);
    vmon_errors_free(&errs);
    free(path);
    assert_int_equal(rc, 0);
    char err[1024] = "";
    for (size_t i = 0; i < h->plan.n_instances && h->n < HARNESS_MAX_SINKS; i++) {
        vmon_plan_instance *pi = &h->plan.instances[i];
        if (pi->kind != VMON_KIND_SINK)
            continue;
        vmon_instance_hooks none = {0};
        vmon_instance *inst = vmon_instance_new(pi->kind, pi->name, pi->plugin, &pi->values, none);
        assert_int_equal(vmon_instance_create(inst, err, sizeof err), 0);
        assert_int_equal(vmon_instance_start(inst, err, sizeof err), 0);
        h->sinks[h->n] = inst;
        h->deliveries[h->n] = vmon_delivery_start(inst, fn, arg, err, sizeof err);
        assert_non_null(h->deliveries[h->n]);
        h->n++;
    }
}

static inline char *harness_path(const harness *h, const char *name)
{
    size_t len = strlen(h->dir) + strlen(name) + 2;
    char *p = malloc(len);
    snprintf(p, len, "%s/%s", h->dir, name);
    return p;
}

/* Polls (bounded) until `name` in the test folder has `lines` lines holding `needle`. */
static inline int harness_wait_lines(const harness *h, const char *name, const char *needle,
                                     int lines, int64_t timeout_ms)
{
    char *p = harness_path(h, name);
    int64_t until = vmon_mono_ms() + timeout_ms;
    int n = 0;
    for (;;) {
        char *text = test_read_file(p);
        n = text ? test_count_lines(text, needle) : 0;
        free(text);
        if (n >= lines || vmon_mono_ms() >= until)
            break;
        test_sleep_ms(10);
    }
    free(p);
    return n;
}

/* Polls (bounded) until `name` exists in the test folder. */
static inline int harness_wait_file(const harness *h, const char *name, int64_t timeout_ms)
{
    char *p = harness_path(h, name);
    int64_t until = vmon_mono_ms() + timeout_ms;
    int found;
    while (!(found = access(p, F_OK) == 0) && vmon_mono_ms() < until)
        test_sleep_ms(10);
    free(p);
    return found;
}

static inline vmon_alert_event *harness_alert(const char *rule)
{
    return vmon_alert_event_new(rule, "test", VMON_SEV_CRITICAL, VMON_ALERT_FIRING, NULL, 0, NULL,
                                0, "test alert", 1.0, 0.0, vmon_now_ms(), 0, 0);
}

/* Stop what is still running, destroy what the harness still owns, free the plan. */
static inline void harness_free(harness *h)
{
    unsigned char abandoned[HARNESS_MAX_SINKS] = {0};
    vmon_delivery_stop_all(h->deliveries, h->n, 1000, abandoned);
    for (size_t i = 0; i < h->n; i++)
        if (h->sinks[i] && !abandoned[i])
            vmon_instance_destroy(h->sinks[i]);
    vmon_plan_free(&h->plan);
    test_rm_tree(h->dir);
    free(h->dir);
}

#endif
