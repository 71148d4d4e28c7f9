/* The wired tuning loop: real monitor, state file and audit log; fake tuner, router, judge. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"
#include "tuning_loop.h"
#include "tuning_registry.h"

#define MS   UINT64_C(1000000)
#define SEC  (1000 * MS)
#define T0   (UINT64_C(5000) * SEC)
#define WALL INT64_C(1764619200000)

typedef struct world {
    vmon_monitor *monitor;
    vmon_tuning_settings settings;
    vmon_tuning_ports ports;
    char *dir;
    char *audit;
    /* what the loop did */
    int n_publish, n_weights, n_facts;
    vmon_search_params arms[2];
    uint32_t n_arms;
    double weights[2];
    vmon_exp_event ev[64];
    int n_ev;
    int n_alerts;
    int look;
} world;

static world *W; /* the fake router reaches the world through it */

static int fake_decide(void *ctx, const vmon_tuning_input *in, vmon_tuning_output *out, char *err,
                       size_t errlen)
{
    (void)ctx;
    (void)err;
    (void)errlen;
    vmon_search_params p = in->current;
    if (in->reason == VMON_TUNE_LATENCY_DEGRADED) {
        p.nprobe = (uint32_t)(in->current.nprobe * 0.7);
        out->decision = VMON_TUNE_PROPOSE;
        out->n_candidates = 1;
        out->candidates[0].params = p;
        snprintf(out->candidates[0].reason, sizeof out->candidates[0].reason, "nprobe %u -> %u",
                 in->current.nprobe, p.nprobe);
    } else {
        out->decision = VMON_TUNE_NOTHING_BETTER;
    }
    return VMON_OK;
}

static const vmon_tuner_ops tuner = {
    .struct_size = sizeof tuner, .kind = VMON_KIND_TUNER, .decide = fake_decide};

static uint32_t fake_pick(void *ctx, const char *id, size_t len)
{
    (void)ctx;
    (void)id;
    (void)len;
    return 0;
}

static int fake_set_weights(void *ctx, const double *weights, uint32_t n)
{
    (void)ctx;
    W->n_weights++;
    for (uint32_t i = 0; i < n && i < 2; i++)
        W->weights[i] = weights[i];
    if (n == 1)
        W->weights[1] = 0;
    return VMON_OK;
}

static const vmon_router_ops router = {.struct_size = sizeof router,
                                       .kind = VMON_KIND_ROUTER,
                                       .pick = fake_pick,
                                       .set_weights = fake_set_weights};

static int fake_publish(void *ctx, const vmon_search_params *arms, uint32_t n)
{
    world *w = ctx;
    w->n_publish++;
    w->n_arms = n;
    for (uint32_t i = 0; i < n && i < 2; i++)
        w->arms[i] = arms[i];
    return 0;
}

static int fake_facts(void *ctx, const char *collection, vmon_collection_stats *out)
{
    world *w = ctx;
    (void)collection;
    w->n_facts++;
    out->row_count = 20000;
    out->nlist = 256;
    snprintf(out->index_type, sizeof out->index_type, "IVF_FLAT");
    return 0;
}

static void fake_look(void *ctx, const vmon_arm_figures *a, const vmon_arm_figures *b,
                      uint32_t step, int final, vmon_judge_result *out)
{
    (void)a;
    (void)b;
    (void)step;
    (void) final;
    out->verdict = (vmon_judge_verdict)((world *)ctx)->look;
}

static void fake_event(void *ctx, const char *pipeline, const char *collection,
                       const vmon_exp_event *ev)
{
    world *w = ctx;
    assert_string_equal(pipeline, "autotune");
    assert_string_equal(collection, "vectors");
    assert_true(w->n_ev < 64);
    w->ev[w->n_ev++] = *ev;
}

static void fake_alert(void *ctx, const char *pipeline, const char *message)
{
    (void)pipeline;
    (void)message;
    ((world *)ctx)->n_alerts++;
}

static world *world_new(void)
{
    world *w = calloc(1, sizeof *w);
    W = w;
    vmon_monitor_config mc;
    vmon_monitor_config_default(&mc);
    mc.window_ms = 1000;
    mc.slice_ms = 100;
    mc.min_samples = 50;
    char err[256];
    w->monitor = vmon_monitor_new(&mc, err, sizeof err);
    assert_non_null(w->monitor);
    w->dir = test_tempdir();
    assert_true(asprintf(&w->audit, "%s/audit.jsonl", w->dir) > 0);
    vmon_exp_config_default(&w->settings.exp);
    w->settings.exp.min_samples = 50;
    w->settings.check_interval_ms = 10;
    w->settings.window_ms = 1000;
    w->settings.resume = 1;
    w->settings.audit_log = w->audit;
    w->ports = (vmon_tuning_ports){.ctx = w,
                                   .tuner = &tuner,
                                   .router = &router,
                                   .monitor = w->monitor,
                                   .publish_arms = fake_publish,
                                   .facts = fake_facts,
                                   .look = fake_look,
                                   .event = fake_event,
                                   .alert = fake_alert};
    return w;
}

static void world_free(world *w)
{
    vmon_monitor_free(w->monitor);
    test_rm_tree(w->dir);
    free(w->dir);
    free(w->audit);
    free(w);
}

static void traffic(world *w, uint32_t arm, uint64_t from, uint64_t to, double latency_ms)
{
    char err[256];
    vmon_monitor_arm *a = vmon_monitor_arm_get(w->monitor, "vectors", arm, err, sizeof err);
    for (uint64_t t = from; t < to; t += MS) /* 1000 QPS */
        vmon_monitor_record(a, 0, t, (uint64_t)(latency_ms * 1e6), true);
}

static int seen(const world *w, vmon_event_type type)
{
    int n = 0;
    for (int i = 0; i < w->n_ev; i++)
        n += w->ev[i].type == type;
    return n;
}

static vmon_tuning_loop *loop_from(world *w, vmon_tuning_store *store,
                                   const vmon_exp_snapshot *handoff);

static vmon_tuning_loop *loop_new(world *w, vmon_tuning_store *store)
{
    return loop_from(w, store, NULL);
}

static vmon_tuning_loop *loop_from(world *w, vmon_tuning_store *store,
                                   const vmon_exp_snapshot *handoff)
{
    vmon_search_params initial = {.struct_size = sizeof initial, .top_k = 10, .nprobe = 16};
    char err[512];
    vmon_tuning_loop *l = vmon_tuning_loop_new("autotune", "vectors", &w->settings, &w->ports,
                                               store, handoff, &initial, WALL, err, sizeof err);
    assert_non_null(l);
    return l;
}

/* Baseline at 1 ms, then 3 ms: the loop starts an experiment at 10%. */
static void to_experiment(world *w, vmon_tuning_loop *l)
{
    traffic(w, 0, T0, T0 + SEC, 1.0);
    vmon_tuning_loop_step(l, WALL + 1000, T0 + SEC);
    assert_int_equal(seen(w, VMON_EVENT_BASELINE), 1);
    traffic(w, 0, T0 + SEC, T0 + 2 * SEC, 3.0);
    vmon_tuning_loop_step(l, WALL + 2000, T0 + 2 * SEC);
    assert_int_equal(seen(w, VMON_EVENT_DEGRADATION), 1);
}

static void test_degradation_to_promotion_through_the_ports(void **state)
{
    (void)state;
    world *w = world_new();
    vmon_tuning_loop *l = loop_new(w, NULL);
    assert_int_equal(w->n_publish, 0); /* the target's own nprobe 16 is in use already */
    to_experiment(w, l);
    assert_int_equal(vmon_tuning_loop_state(l), VMON_EXP_RUNNING);
    assert_int_equal(w->n_arms, 2);
    assert_int_equal(w->arms[0].nprobe, 16);
    assert_int_equal(w->arms[1].nprobe, 11);
    assert_true(fabs(w->weights[1] - 0.1) < 1e-12);
    assert_true(w->n_facts > 0);

    w->look = VMON_VERDICT_ADVANCE;
    for (int i = 0; i < 3; i++)
        vmon_tuning_loop_step(l, WALL + 3000 + i, T0 + 2 * SEC + (uint64_t)i * MS);
    assert_int_equal(seen(w, VMON_EVENT_PROMOTION), 1);
    assert_int_equal(vmon_tuning_loop_current(l).nprobe, 11);
    assert_int_equal(w->n_arms, 1);
    assert_int_equal(w->arms[0].nprobe, 11);
    assert_true(w->weights[0] == 1 && w->weights[1] == 0);
    /* the monitor started afresh for the new parameters: the next full window is the baseline */
    traffic(w, 0, T0 + 3 * SEC, T0 + 4 * SEC, 2.0);
    vmon_tuning_loop_step(l, WALL + 5000, T0 + 4 * SEC);
    assert_int_equal(seen(w, VMON_EVENT_BASELINE), 2);
    vmon_tuning_loop_free(l);

    char *text = test_read_file(w->audit);
    assert_non_null(strstr(text, "\"event\":\"experiment_start\""));
    assert_non_null(strstr(text, "\"event\":\"promotion\""));
    assert_non_null(strstr(text, "\"b.nprobe\":\"11\""));
    int lines = 0;
    for (char *p = text; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, w->n_ev); /* every event is audited */
    free(text);
    world_free(w);
}

static vmon_tuning_store *store_in(world *w)
{
    char *dir = NULL, err[512];
    assert_true(asprintf(&dir, "%s/state", w->dir) > 0);
    vmon_tuning_store *st = vmon_tuning_store_open(dir, err, sizeof err);
    assert_non_null(st);
    free(dir);
    return st;
}

static void test_restart_resumes_or_abandons(void **state)
{
    (void)state;
    for (int resume = 1; resume >= 0; resume--) {
        world *w = world_new();
        vmon_tuning_store *st = store_in(w);
        vmon_tuning_loop *l = loop_new(w, st);
        to_experiment(w, l);
        w->look = VMON_VERDICT_ADVANCE;
        vmon_tuning_loop_step(l, WALL + 3000, T0 + 2 * SEC + MS); /* 25% */
        vmon_tuning_loop_free(l);
        vmon_tuning_store_close(st);

        w->settings.resume = resume;
        w->n_ev = 0;
        w->n_arms = 0;
        st = store_in(w);
        l = loop_new(w, st);
        if (resume) {
            assert_int_equal(seen(w, VMON_EVENT_RESUME), 1);
            assert_int_equal(vmon_tuning_loop_state(l), VMON_EXP_RUNNING);
            assert_int_equal(w->n_arms, 2);
            assert_int_equal(w->arms[1].nprobe, 11);
            assert_true(fabs(w->weights[1] - 0.25) < 1e-12);
        } else {
            assert_int_equal(seen(w, VMON_EVENT_ABORT), 1);
            assert_int_equal(vmon_tuning_loop_state(l), VMON_EXP_WATCHING);
            assert_int_equal(w->n_arms, 1);
            assert_int_equal(w->arms[0].nprobe, 16);
        }
        vmon_tuning_loop_free(l);
        vmon_tuning_store_close(st);
        char *text = test_read_file(w->audit);
        assert_non_null(strstr(text, "\"origin\":\"restart\""));
        free(text);
        world_free(w);
    }
}

static void test_reload_hands_a_running_experiment_over(void **state)
{
    (void)state;
    world *w = world_new();
    w->settings.resume = 0; /* a restart would abandon it; a reload never does */
    vmon_tuning_loop *l = loop_new(w, NULL);
    to_experiment(w, l);
    w->look = VMON_VERDICT_ADVANCE;
    vmon_tuning_loop_step(l, WALL + 3000, T0 + 2 * SEC + MS); /* 25% */
    vmon_exp_snapshot snap;
    vmon_tuning_loop_save(l, &snap);
    vmon_tuning_loop_free(l);
    w->n_ev = 0;
    l = loop_from(w, NULL, &snap);
    assert_int_equal(seen(w, VMON_EVENT_RESUME), 1);
    assert_string_equal(vmon_exp_event_field(&w->ev[0], "reason"), "reload");
    assert_int_equal(vmon_tuning_loop_state(l), VMON_EXP_RUNNING);
    assert_true(fabs(w->weights[1] - 0.25) < 1e-12);
    vmon_tuning_loop_free(l);
    world_free(w);
}

static void test_operator_commands(void **state)
{
    (void)state;
    world *w = world_new();
    vmon_tuning_loop *l = loop_new(w, NULL);
    char reply[512];
    assert_int_equal(vmon_tuning_loop_command(l, "pause", WALL, reply, sizeof reply), -1);
    assert_non_null(strstr(reply, "no experiment"));
    to_experiment(w, l);
    assert_int_equal(vmon_tuning_loop_command(l, "pause", WALL + 2500, reply, sizeof reply), 0);
    assert_non_null(strstr(reply, "paused"));
    assert_int_equal(seen(w, VMON_EVENT_PAUSE), 1);
    w->look = VMON_VERDICT_ADVANCE;
    vmon_tuning_loop_step(l, WALL + 2600, T0 + 2 * SEC + MS);
    assert_true(fabs(w->weights[1] - 0.1) < 1e-12); /* held */
    assert_int_equal(vmon_tuning_loop_command(l, "resume", WALL + 2700, reply, sizeof reply), 0);
    assert_int_equal(vmon_tuning_loop_command(l, "status", WALL + 2800, reply, sizeof reply), 0);
    assert_non_null(strstr(reply, "B nprobe 11"));
    assert_int_equal(vmon_tuning_loop_command(l, "abort", WALL + 2900, reply, sizeof reply), 0);
    assert_int_equal(seen(w, VMON_EVENT_ABORT), 1);
    assert_int_equal(w->n_arms, 1);
    assert_int_equal(vmon_tuning_loop_command(l, "rollback", WALL + 3000, reply, sizeof reply), -1);
    assert_non_null(strstr(reply, "nothing to roll back"));
    assert_int_equal(vmon_tuning_loop_command(l, "dance", WALL + 3000, reply, sizeof reply), -1);
    vmon_tuning_loop_free(l);
    char *text = test_read_file(w->audit);
    assert_non_null(strstr(text, "\"event\":\"pause\""));
    assert_non_null(strstr(text, "\"origin\":\"operator\""));
    free(text);
    world_free(w);
}

static void test_registry_routes_commands_by_pipeline(void **state)
{
    (void)state;
    world *w = world_new();
    vmon_tuning_loop *l = loop_new(w, NULL);
    char reply[1024];
    assert_int_equal(vmon_tuning_control(NULL, "status", "", reply, sizeof reply), 0);
    assert_non_null(strstr(reply, "no pipeline has a tuning loop"));
    vmon_tuning_register(l);
    assert_int_equal(vmon_tuning_control(NULL, "status", "", reply, sizeof reply), 0);
    assert_non_null(strstr(reply, "autotune (collection vectors, mode apply)"));
    to_experiment(w, l);
    assert_int_equal(vmon_tuning_control(NULL, "pause", "autotune", reply, sizeof reply), 0);
    assert_int_equal(vmon_tuning_loop_state(l), VMON_EXP_PAUSED);
    assert_int_equal(vmon_tuning_control(NULL, "pause", "other", reply, sizeof reply), -1);
    assert_non_null(strstr(reply, "no tuning loop for pipeline 'other'"));
    vmon_tuning_unregister(l);
    assert_int_equal(vmon_tuning_control(NULL, "resume", "autotune", reply, sizeof reply), -1);
    vmon_tuning_loop_free(l);
    world_free(w);
}

/* Both arms served for one second from `t`, then a look. */
static uint64_t serve_and_look(world *w, vmon_tuning_loop *l, uint64_t t, double a_ms, double b_ms)
{
    traffic(w, 0, t, t + SEC, a_ms);
    traffic(w, 1, t, t + SEC, b_ms);
    vmon_tuning_loop_step(l, WALL + (int64_t)((t - T0) / MS), t + SEC);
    return t + SEC;
}

static void test_classic_judge_promotes_a_faster_b(void **state)
{
    (void)state;
    world *w = world_new();
    w->ports.look = NULL;
    w->settings.judge = 1; /* classic */
    vmon_tuning_loop *l = loop_new(w, NULL);
    to_experiment(w, l);
    uint64_t t = T0 + 2 * SEC;
    for (int i = 0; i < 3 && !seen(w, VMON_EVENT_PROMOTION); i++)
        t = serve_and_look(w, l, t, 3.0, 2.0);
    assert_int_equal(seen(w, VMON_EVENT_RAMP_STEP), 2);
    assert_int_equal(seen(w, VMON_EVENT_PROMOTION), 1);
    assert_int_equal(vmon_tuning_loop_current(l).nprobe, 11);
    vmon_tuning_loop_free(l);
    world_free(w);
}

static void test_classic_judge_keeps_a_slower_b(void **state)
{
    (void)state;
    world *w = world_new();
    w->ports.look = NULL;
    w->settings.judge = 1;
    vmon_tuning_loop *l = loop_new(w, NULL);
    to_experiment(w, l);
    uint64_t t = T0 + 2 * SEC;
    for (int i = 0; i < 3 && vmon_tuning_loop_state(l) == VMON_EXP_RUNNING; i++)
        t = serve_and_look(w, l, t, 3.0, 4.0);
    assert_int_equal(seen(w, VMON_EVENT_PROMOTION), 0);
    assert_int_equal(vmon_tuning_loop_state(l), VMON_EXP_WATCHING);
    assert_int_equal(vmon_tuning_loop_current(l).nprobe, 16);
    assert_int_equal(w->n_arms, 1);
    vmon_tuning_loop_free(l);
    world_free(w);
}

/* Recall of nprobe 11 far below the floor; of nprobe 16, above it; as on a target without
 * exact_search (nprobe = nlist stood in). */
static int fake_measure(void *ctx, const vmon_search_params *p, vmon_arm_figures *out, char *err,
                        size_t errlen)
{
    (void)ctx, (void)err, (void)errlen;
    double r = p->nprobe >= 16 ? 0.99 : 0.50;
    out->recall = r;
    out->recall_low = r - 0.01;
    out->recall_high = r + 0.01;
    out->recall_queries = 200;
    out->recall_exact = 0;
    return 0;
}

static void test_sequential_judge_never_promotes_below_the_floor(void **state)
{
    (void)state;
    world *w = world_new();
    w->ports.look = NULL;
    w->ports.measure = fake_measure;
    w->settings.judge = 0; /* sequential */
    w->settings.exp.recall_floor = 0.95;
    vmon_tuning_loop *l = loop_new(w, NULL);
    to_experiment(w, l);
    uint64_t t = T0 + 2 * SEC;
    for (int i = 0; i < 5 && vmon_tuning_loop_state(l) == VMON_EXP_RUNNING; i++)
        t = serve_and_look(w, l, t, 3.0, 1.0); /* B three times faster, recall 0.5 */
    assert_int_equal(seen(w, VMON_EVENT_PROMOTION), 0);
    assert_int_equal(seen(w, VMON_EVENT_ROLLBACK), 1);
    assert_int_equal(vmon_tuning_loop_current(l).nprobe, 16);
    vmon_tuning_loop_free(l);
    /* the audit log says what the recall was measured against */
    char *text = test_read_file(w->audit);
    assert_non_null(strstr(text, "\"b.recall\":\"0.5\""));
    assert_non_null(strstr(text, "\"b.recall_exact\":\"0\""));
    assert_non_null(strstr(text, "\"b.recall_truth\":\"nprobe = nlist\""));
    free(text);
    world_free(w);
}

/* A tuner that shadow-measures nprobe 11 before it proposes it. */
static int measuring_decide(void *ctx, const vmon_tuning_input *in, vmon_tuning_output *out,
                            char *err, size_t errlen)
{
    (void)ctx, (void)err, (void)errlen;
    vmon_search_params p = in->current;
    p.nprobe = 11;
    if (in->reason == VMON_TUNE_LATENCY_DEGRADED)
        out->decision = VMON_TUNE_MEASURE;
    else if (in->reason == VMON_TUNE_MEASURED)
        out->decision = VMON_TUNE_PROPOSE;
    else
        return out->decision = VMON_TUNE_NOTHING_BETTER, VMON_OK;
    out->n_candidates = 1;
    out->candidates[0].params = p;
    snprintf(out->candidates[0].reason, sizeof out->candidates[0].reason, "nprobe 16 -> 11");
    return VMON_OK;
}

static const vmon_tuner_ops measuring_tuner = {
    .struct_size = sizeof measuring_tuner, .kind = VMON_KIND_TUNER, .decide = measuring_decide};

static int n_measured_11;

/* nprobe 11 holds the 0.95 floor the first time it is measured and is unsure (its interval
 * straddles the floor) every time after: a second sample would keep B. */
static int drifting_measure(void *ctx, const vmon_search_params *p, vmon_arm_figures *out,
                            char *err, size_t errlen)
{
    (void)ctx, (void)err, (void)errlen;
    double r = p->nprobe >= 16 ? 0.99 : n_measured_11++ == 0 ? 0.96 : 0.952;
    out->recall = r;
    out->recall_low = r - 0.005;
    out->recall_high = r + 0.005;
    out->recall_queries = 200;
    out->recall_exact = 1;
    return 0;
}

static void test_judge_weighs_the_recall_the_tuner_measured(void **state)
{
    (void)state;
    world *w = world_new();
    w->ports.tuner = &measuring_tuner;
    w->ports.look = NULL;
    w->ports.measure = drifting_measure;
    w->settings.judge = 0; /* sequential */
    w->settings.exp.recall_floor = 0.95;
    n_measured_11 = 0;
    vmon_tuning_loop *l = loop_new(w, NULL);
    to_experiment(w, l);
    uint64_t t = T0 + 2 * SEC;
    for (int i = 0; i < 16 && !seen(w, VMON_EVENT_PROMOTION); i++)
        t = serve_and_look(w, l, t, 3.0, 1.0);
    assert_int_equal(n_measured_11, 1); /* the tuner's measurement, not a second one */
    assert_int_equal(seen(w, VMON_EVENT_PROMOTION), 1);
    assert_int_equal(vmon_tuning_loop_current(l).nprobe, 11);
    vmon_tuning_loop_free(l);
    world_free(w);
}

/* B gets no requests at all (a router that never picks it): the judge can only say "too few";
 * once the step has lasted the judge's whole window the loop keeps A instead of waiting on. */
static void test_an_undecided_step_ends_after_the_judge_window(void **state)
{
    (void)state;
    world *w = world_new();
    w->ports.look = NULL;
    w->settings.judge = 0; /* sequential */
    w->ports.judge_window_ms = 3000;
    vmon_tuning_loop *l = loop_new(w, NULL);
    to_experiment(w, l);
    uint64_t t = T0 + 2 * SEC;
    for (int i = 0; i < 2; i++) {
        traffic(w, 0, t, t + SEC, 3.0);
        t += SEC;
        vmon_tuning_loop_step(l, WALL + (int64_t)((t - T0) / MS), t);
    }
    assert_int_equal(vmon_tuning_loop_state(l), VMON_EXP_RUNNING); /* 2 s: still waiting */
    for (int i = 0; i < 2; i++) {
        traffic(w, 0, t, t + SEC, 3.0);
        t += SEC;
        vmon_tuning_loop_step(l, WALL + (int64_t)((t - T0) / MS), t);
    }
    assert_int_equal(vmon_tuning_loop_state(l), VMON_EXP_WATCHING);
    assert_int_equal(seen(w, VMON_EVENT_PROMOTION), 0);
    int keep = 0;
    for (int i = 0; i < w->n_ev; i++)
        keep += w->ev[i].type == VMON_EVENT_VERDICT &&
                strstr(w->ev[i].message, "undecided after a whole judge window") != NULL;
    assert_int_equal(keep, 1);
    assert_int_equal(vmon_tuning_loop_current(l).nprobe, 16);
    vmon_tuning_loop_free(l);
    world_free(w);
}

static void test_recommend_mode_touches_nothing(void **state)
{
    (void)state;
    world *w = world_new();
    w->settings.exp.mode = VMON_EXP_RECOMMEND;
    w->ports.router = NULL;
    vmon_tuning_loop *l = loop_new(w, NULL);
    to_experiment(w, l);
    assert_int_equal(seen(w, VMON_EVENT_RECOMMENDATION), 1);
    assert_int_equal(seen(w, VMON_EVENT_EXPERIMENT_START), 0);
    assert_int_equal(w->n_publish, 0);
    assert_int_equal(w->n_weights, 0);
    assert_int_equal(vmon_tuning_loop_current(l).nprobe, 16);
    vmon_tuning_loop_free(l);
    world_free(w);
}

static void test_thread_steps_until_stopped(void **state)
{
    (void)state;
    world *w = world_new();
    vmon_tuning_loop *l = loop_new(w, NULL);
    char err[256];
    assert_int_equal(vmon_tuning_loop_start(l, err, sizeof err), 0);
    for (int i = 0; i < 500 && w->n_facts < 3; i++) /* bounded: at most 5 s */
        usleep(10000);
    vmon_tuning_loop_stop(l); /* joins the thread: no step runs after it */
    assert_true(w->n_facts >= 3);
    vmon_tuning_loop_free(l);
    world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_degradation_to_promotion_through_the_ports),
        cmocka_unit_test(test_restart_resumes_or_abandons),
        cmocka_unit_test(test_reload_hands_a_running_experiment_over),
        cmocka_unit_test(test_operator_commands),
        cmocka_unit_test(test_registry_routes_commands_by_pipeline),
        cmocka_unit_test(test_classic_judge_promotes_a_faster_b),
        cmocka_unit_test(test_classic_judge_keeps_a_slower_b),
        cmocka_unit_test(test_sequential_judge_never_promotes_below_the_floor),
        cmocka_unit_test(test_judge_weighs_the_recall_the_tuner_measured),
        cmocka_unit_test(test_an_undecided_step_ends_after_the_judge_window),
        cmocka_unit_test(test_recommend_mode_touches_nothing),
        cmocka_unit_test(test_thread_steps_until_stopped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
