#include "tuning_loop.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_log.h"
#include "clock.h"
#include "judge.h"
#include "loghist.h"
#include "log.h"
#include "strutil.h"

/* A tuner's measurement stands for B's recall while the collection has grown or shrunk by
 * at most this share since (the tuner's own staleness rule is far wider: stale_rows). */
#define HISTORY_RECALL_DRIFT      0.02
#define HISTORY_RECALL_MAX_AGE_MS 300000 /* and only for five minutes */

struct vmon_tuning_loop {
    char *pipeline;
    char *collection;
    char *log_source;
    const vmon_tuning_settings *settings;
    vmon_tuning_ports ports;
    vmon_tuning_store *store;
    vmon_audit_log *audit;
    vmon_experiment *exp;
    const char *origin; /* who acts now: loop, operator, restart (audit) */
    uint32_t n_arms;    /* arms routed now */
    int64_t now_ms;     /* of the step or command under way */
    uint64_t now_ns;    /* monotonic, for the monitor */
    uint64_t split_ns;  /* when the arms were last routed (the monitors' reset) */
    char *saved;        /* the snapshot last written, as JSON: written again only when it changes */
    vmon_judge_config judge;
    vmon_loghist *hist[2]; /* the arms' latencies at a look (large: not on the stack) */
    /* recall by shadow measurement, per arm, kept while the arm's parameters stay */
    vmon_search_params recall_of[2];
    vmon_arm_figures recall[2];
    pthread_mutex_t lock; /* serialises steps and commands */
    pthread_mutex_t run_lock;
    pthread_cond_t wake;
    pthread_t thread;
    int started, stopping;
};

/* ---- the experiment's dependencies, through the ports ---- */

static int dep_decide(void *ctx, const vmon_tuning_input *in, vmon_tuning_output *out, char *err,
                      size_t errlen)
{
    vmon_tuning_loop *l = ctx;
    return l->ports.tuner->decide(l->ports.tuner_ctx, in, out, err, errlen);
}

static int dep_measure(void *ctx, const vmon_search_params *p, vmon_arm_figures *out, char *err,
                       size_t errlen)
{
    vmon_tuning_loop *l = ctx;
    if (!l->ports.measure) {
        snprintf(err, errlen, "no shadow measurement on this pipeline");
        return -1;
    }
    return l->ports.measure(l->ports.ctx, p, out, err, errlen);
}

/* The judge of judge.h on both arms' windows, unless the ports bring their own. */
static void dep_look(void *ctx, const vmon_arm_figures *a, const vmon_arm_figures *b, uint32_t step,
                     int final, vmon_judge_result *out)
{
    vmon_tuning_loop *l = ctx;
    if (l->ports.look) {
        l->ports.look(l->ports.ctx, a, b, step, final, out);
        return;
    }
    vmon_monitor *m = l->ports.judge_monitor ? l->ports.judge_monitor : l->ports.monitor;
    vmon_arm_figures f[2] = {*a, *b};
    char err[256];
    for (uint32_t arm = 0; arm < 2; arm++) {
        vmon_monitor_arm *h = vmon_monitor_arm_get(m, l->collection, arm, err, sizeof err);
        vmon_loghist_init(l->hist[arm]);
        if (!h)
            continue;
        vmon_monitor_arm_latency(h, l->now_ns, l->hist[arm]);
        if (m != l->ports.monitor) { /* counts of the judge's window; recall as measured */
            vmon_arm_figures w;
            vmon_monitor_arm_figures(h, l->now_ns, &w, NULL);
            f[arm].samples = w.samples;
            f[arm].errors = w.errors;
        }
    }
    /* The monitors start afresh at every ramp step, so B's counts are this step's. */
    vmon_judge_look look = {.a = {.latency = l->hist[0], .figures = &f[0]},
                            .b = {.latency = l->hist[1], .figures = &f[1]},
                            .step = step,
                            .final_step = (uint32_t) final,
                            .step_b_samples = f[1].samples};
    vmon_judge_decide(&l->judge, &look, out);
    uint64_t window_ns = l->ports.judge_window_ms * UINT64_C(1000000);
    if (out->verdict == VMON_VERDICT_CONTINUE && window_ns &&
        l->now_ns - l->split_ns >= window_ns) {
        /* The window now drops old requests as fast as new ones come: B's count, and with it
         * max_samples, may never be reached at a low QPS. Stopping here is a stopping time
         * like any other look, so the judge's error bounds still hold. */
        char last[sizeof out->reason];
        memcpy(last, out->reason, sizeof last);
        out->verdict = VMON_VERDICT_KEEP;
        snprintf(out->reason, sizeof out->reason,
                 "B undecided after a whole judge window (%llu s, B %llu requests): %.80s",
                 (unsigned long long)(l->ports.judge_window_ms / 1000),
                 (unsigned long long)f[1].samples, last);
    }
    /* Every look at debug level: why a step has not moved yet is otherwise invisible. */
    vmon_log(VMON_LOGL_DEBUG, l->log_source, "look at step %u: %s: %s (A %llu, B %llu requests)",
             step + 1, vmon_judge_verdict_name(out->verdict), out->reason,
             (unsigned long long)f[0].samples, (unsigned long long)f[1].samples);
}

static int set_weights(vmon_tuning_loop *l, const double *weights, uint32_t n)
{
    if (!l->ports.router)
        return 0;
    return l->ports.router->set_weights(l->ports.router_ctx, weights, n);
}

/*
 * New arms: a pick must never land on an arm without parameters, so arms
 * are published before weights that use them, and weights that drop an arm
 * are set before the arm goes. The monitor's windows start afresh: figures
 * of the old split say nothing about the new one.
 */
static int dep_apply(void *ctx, const vmon_search_params *arms, const double *weights, uint32_t n)
{
    vmon_tuning_loop *l = ctx;
    int rc;
    if (n >= l->n_arms)
        rc = l->ports.publish_arms(l->ports.ctx, arms, n) || set_weights(l, weights, n);
    else
        rc = set_weights(l, weights, n) || l->ports.publish_arms(l->ports.ctx, arms, n);
    if (rc) {
        vmon_log(VMON_LOGL_WARNING, l->log_source, "could not route %u arm(s)", n);
        return -1;
    }
    l->n_arms = n;
    l->split_ns = l->now_ns;
    vmon_monitor_reset(l->ports.monitor, l->collection, l->now_ns);
    if (l->ports.judge_monitor)
        vmon_monitor_reset(l->ports.judge_monitor, l->collection, l->now_ns);
    return 0;
}

static void dep_emit(void *ctx, const vmon_exp_event *ev)
{
    vmon_tuning_loop *l = ctx;
    vmon_log(ev->severity ? VMON_LOGL_WARNING : VMON_LOGL_INFO, l->log_source, "%s: %s",
             vmon_exp_event_type_name(ev->type), ev->message);
    char err[512];
    if (l->audit &&
        vmon_audit_write(l->audit, l->pipeline, l->collection, l->origin, ev, err, sizeof err))
        vmon_log(VMON_LOGL_ERROR, l->log_source, "%s", err);
    if (l->ports.event)
        l->ports.event(l->ports.ctx, l->pipeline, l->collection, ev);
}

static void dep_note(void *ctx, const char *message)
{
    vmon_tuning_loop *l = ctx;
    vmon_log(VMON_LOGL_INFO, l->log_source, "%s", message);
}

static void dep_warn(void *ctx, const char *message)
{
    vmon_tuning_loop *l = ctx;
    vmon_log(VMON_LOGL_WARNING, l->log_source, "%s", message);
    if (l->ports.alert)
        l->ports.alert(l->ports.ctx, l->pipeline, message);
}

/* ---- state ---- */

static void save(vmon_tuning_loop *l)
{
    if (!l->store)
        return;
    vmon_exp_snapshot now;
    vmon_exp_save(l->exp, &now);
    char *text = vmon_exp_snapshot_to_json(&now);
    char err[512];
    if (l->saved && strcmp(text, l->saved) == 0) {
        free(text);
    } else if (vmon_tuning_store_save(l->store, l->pipeline, l->collection, &now, err,
                                      sizeof err)) {
        vmon_log(VMON_LOGL_ERROR, l->log_source, "%s", err);
        free(text);
    } else {
        free(l->saved);
        l->saved = text;
    }
}

/* A reload's handoff first (an experiment always goes on), else the state file. */
static void take_up(vmon_tuning_loop *l, const vmon_exp_snapshot *handoff,
                    const vmon_search_params *initial, int64_t now_ms)
{
    vmon_exp_snapshot snap;
    char err[512] = "";
    int found = handoff    ? 1
                : l->store ? vmon_tuning_store_load(l->store, l->pipeline, l->collection, &snap,
                                                    err, sizeof err)
                           : 0;
    if (err[0])
        vmon_log(VMON_LOGL_WARNING, l->log_source, "%s", err);
    if (found == 1) {
        const char *cause = handoff ? "reload" : "restart";
        l->origin = cause;
        int rc =
            vmon_exp_restore(l->exp, handoff ? handoff : &snap, handoff ? 1 : l->settings->resume,
                             cause, now_ms, err, sizeof err);
        l->origin = "loop";
        if (rc == VMON_OK) {
            vmon_log(VMON_LOGL_INFO, l->log_source, "tuning state taken up after a %s", cause);
            return;
        }
        vmon_log(VMON_LOGL_WARNING, l->log_source,
                 "saved tuning state not used (%s); starting afresh", err);
    }
    if (initial && (initial->nprobe || initial->ef))
        vmon_exp_set_current(l->exp, initial);
}

void vmon_tuning_loop_save(vmon_tuning_loop *l, vmon_exp_snapshot *out)
{
    pthread_mutex_lock(&l->lock);
    vmon_exp_save(l->exp, out);
    pthread_mutex_unlock(&l->lock);
}

/* ---- life ---- */

vmon_tuning_loop *vmon_tuning_loop_new(const char *pipeline, const char *collection,
                                       const vmon_tuning_settings *settings,
                                       const vmon_tuning_ports *ports, vmon_tuning_store *store,
                                       const vmon_exp_snapshot *handoff,
                                       const vmon_search_params *initial, int64_t now_ms, char *err,
                                       size_t errlen)
{
    if (!ports->tuner || !ports->monitor || !ports->publish_arms) {
        snprintf(err, errlen,
                 "[pipeline:%s]: the tuning loop needs a tuner, a monitor and an arm table",
                 pipeline);
        return NULL;
    }
    vmon_judge_config judge;
    vmon_judge_config_default(&judge,
                              settings->judge == 1 ? VMON_JUDGE_CLASSIC : VMON_JUDGE_SEQUENTIAL);
    judge.recall_floor = settings->exp.recall_floor;
    char why[256];
    if (vmon_judge_config_check(&judge, why, sizeof why)) {
        snprintf(err, errlen, "[pipeline:%s] judge: %s", pipeline, why);
        return NULL;
    }
    vmon_tuning_loop *l = vmon_calloc(1, sizeof *l);
    l->pipeline = vmon_strdup(pipeline);
    l->collection = vmon_strdup(collection);
    l->log_source = vmon_asprintf("tuning:%s", pipeline);
    l->settings = settings;
    l->ports = *ports;
    l->store = store;
    l->origin = "loop";
    l->n_arms = 1;
    l->judge = judge;
    for (int i = 0; i < 2; i++)
        l->hist[i] = vmon_calloc(1, sizeof *l->hist[i]);
    pthread_mutex_init(&l->lock, NULL);
    pthread_mutex_init(&l->run_lock, NULL);
    vmon_cond_init_monotonic(&l->wake);
    if (settings->audit_log && !(l->audit = vmon_audit_open(settings->audit_log, err, errlen))) {
        vmon_tuning_loop_free(l);
        return NULL;
    }
    vmon_exp_config cfg = settings->exp;
    cfg.collection = l->collection;
    vmon_exp_deps deps = {.ctx = l,
                          .decide = dep_decide,
                          .measure = dep_measure,
                          .look = dep_look,
                          .apply = dep_apply,
                          .emit = dep_emit,
                          .warn = dep_warn,
                          .note = dep_note};
    if (!(l->exp = vmon_exp_new(&cfg, &deps, err, errlen))) {
        vmon_tuning_loop_free(l);
        return NULL;
    }
    l->now_ms = now_ms;
    l->now_ns = (uint64_t)vmon_monotonic_ns();
    l->split_ns = l->now_ns;
    take_up(l, handoff, initial, now_ms);
    save(l);
    return l;
}

void vmon_tuning_loop_free(vmon_tuning_loop *l)
{
    if (!l)
        return;
    vmon_tuning_loop_stop(l);
    vmon_exp_free(l->exp);
    vmon_audit_close(l->audit);
    pthread_cond_destroy(&l->wake);
    pthread_mutex_destroy(&l->run_lock);
    pthread_mutex_destroy(&l->lock);
    free(l->hist[0]);
    free(l->hist[1]);
    free(l->saved);
    free(l->log_source);
    free(l->collection);
    free(l->pipeline);
    free(l);
}

/* ---- steps ---- */

/* The tuner's own measurement of `p`, when it is of today's collection: the judge then weighs
 * B's recall on the evidence the tuner chose B by, instead of a second sample of it. */
static int recall_from_history(const vmon_tuning_loop *l, const vmon_search_params *p,
                               const vmon_collection_stats *facts, vmon_arm_figures *m)
{
    const vmon_tuning_trial *t = vmon_exp_last_trial(l->exp, p);
    if (!t || t->figures.recall_queries == 0 || !facts || facts->row_count == 0)
        return 0;
    /* Old enough for the data to have changed at the same row count (upserts, a rebuild). */
    if (l->now_ms - t->time_ms > HISTORY_RECALL_MAX_AGE_MS)
        return 0;
    double drift = fabs((double)t->rows - (double)facts->row_count) / (double)facts->row_count;
    if (drift > HISTORY_RECALL_DRIFT)
        return 0;
    *m = t->figures;
    return 1;
}

/* Recall of the arm's parameters from the shadow measurement, measured once per parameters:
 * it changes with the parameters and the data, not with traffic. */
static void add_recall(vmon_tuning_loop *l, uint32_t arm, const vmon_search_params *p,
                       const vmon_collection_stats *facts, vmon_arm_figures *f)
{
    if (!l->ports.measure || !(p->nprobe || p->ef))
        return;
    vmon_search_params *had = &l->recall_of[arm];
    if (had->nprobe != p->nprobe || had->ef != p->ef || had->top_k != p->top_k) {
        char err[256];
        vmon_arm_figures m = {.struct_size = sizeof m};
        *had = *p; /* a failure too is not measured again every interval */
        if (recall_from_history(l, p, facts, &m)) {
            /* taken as the tuner measured it */
        } else if (l->ports.measure(l->ports.ctx, p, &m, err, sizeof err) != 0) {
            vmon_log(VMON_LOGL_WARNING, l->log_source, "shadow measurement: %s", err);
            m.recall = m.recall_low = m.recall_high = NAN;
            m.recall_queries = 0;
        }
        l->recall[arm] = m;
    }
    f->recall = l->recall[arm].recall;
    f->recall_low = l->recall[arm].recall_low;
    f->recall_high = l->recall[arm].recall_high;
    f->recall_queries = l->recall[arm].recall_queries;
    f->recall_exact = l->recall[arm].recall_exact;
}

static void observe(vmon_tuning_loop *l, uint64_t now_ns, vmon_exp_observation *o,
                    vmon_collection_stats *facts)
{
    memset(o, 0, sizeof *o);
    char err[256];
    vmon_exp_state st = vmon_exp_state_of(l->exp);
    int running = st == VMON_EXP_RUNNING || st == VMON_EXP_PAUSED;
    vmon_search_params params[2] = {vmon_exp_current(l->exp), vmon_exp_candidate(l->exp)};
    memset(facts, 0, sizeof *facts);
    facts->struct_size = sizeof *facts;
    int have_facts = l->ports.facts && l->ports.facts(l->ports.ctx, l->collection, facts) == 0;
    for (uint32_t arm = 0; arm < 2; arm++) {
        vmon_monitor_arm *a =
            vmon_monitor_arm_get(l->ports.monitor, l->collection, arm, err, sizeof err);
        bool full = false;
        if (a)
            vmon_monitor_arm_figures(a, now_ns, &o->arm[arm], &full);
        if (arm == 0)
            o->full = full;
        if (arm == 0 || running)
            add_recall(l, arm, &params[arm], have_facts ? facts : NULL, &o->arm[arm]);
    }
    if (have_facts)
        o->facts = facts;
}

void vmon_tuning_loop_step(vmon_tuning_loop *l, int64_t now_ms, uint64_t now_ns)
{
    pthread_mutex_lock(&l->lock);
    vmon_exp_observation o;
    vmon_collection_stats facts;
    l->now_ms = now_ms;
    l->now_ns = now_ns;
    observe(l, now_ns, &o, &facts);
    vmon_exp_tick(l->exp, now_ms, &o);
    save(l);
    pthread_mutex_unlock(&l->lock);
}

static const char *const state_words[] = {"choosing initial parameters", "measuring a baseline",
                                          "watching", "running an experiment", "experiment paused"};

static void status(vmon_tuning_loop *l, char *reply, size_t len)
{
    vmon_search_params a = vmon_exp_current(l->exp), b = vmon_exp_candidate(l->exp);
    vmon_exp_state st = vmon_exp_state_of(l->exp);
    double share = vmon_exp_share(l->exp);
    int n = snprintf(reply, len, "%s (collection %s, mode %s): %s; A nprobe %u ef %u top_k %u",
                     l->pipeline, l->collection,
                     l->settings->exp.mode == VMON_EXP_RECOMMEND ? "recommend" : "apply",
                     state_words[st], a.nprobe, a.ef, a.top_k);
    if ((st == VMON_EXP_RUNNING || st == VMON_EXP_PAUSED) && n > 0 && (size_t)n < len)
        snprintf(reply + n, len - (size_t)n, " at %.0f%%; B nprobe %u ef %u at %.0f%%",
                 (1 - share) * 100, b.nprobe, b.ef, share * 100);
}

int vmon_tuning_loop_command(vmon_tuning_loop *l, const char *verb, int64_t now_ms, char *reply,
                             size_t replylen)
{
    pthread_mutex_lock(&l->lock);
    l->origin = "operator";
    l->now_ms = now_ms;
    l->now_ns = (uint64_t)vmon_monotonic_ns();
    int rc = VMON_OK;
    if (!strcmp(verb, "pause"))
        rc = vmon_exp_pause(l->exp, now_ms, reply, replylen);
    else if (!strcmp(verb, "resume")) {
        rc = vmon_exp_resume(l->exp, now_ms, reply, replylen);
        if (rc == VMON_OK) /* a pause does not count against the step's judge window */
            l->split_ns = l->now_ns;
    } else if (!strcmp(verb, "abort"))
        rc = vmon_exp_abort(l->exp, now_ms, reply, replylen);
    else if (!strcmp(verb, "rollback"))
        rc = vmon_exp_rollback(l->exp, now_ms, reply, replylen);
    else if (strcmp(verb, "status") != 0) {
        snprintf(reply, replylen, "unknown command '%s'", verb);
        rc = VMON_EINVAL;
    }
    l->origin = "loop";
    if (rc == VMON_OK) {
        save(l);
        status(l, reply, replylen);
    }
    pthread_mutex_unlock(&l->lock);
    return rc == VMON_OK ? 0 : -1;
}

/* ---- the thread ---- */

static void *loop_thread(void *arg)
{
    vmon_tuning_loop *l = arg;
    pthread_mutex_lock(&l->run_lock);
    while (!l->stopping) {
        int64_t next = vmon_mono_ms() + l->settings->check_interval_ms;
        struct timespec ts = vmon_deadline_from_ms(next);
        while (!l->stopping && vmon_mono_ms() < next)
            pthread_cond_timedwait(&l->wake, &l->run_lock, &ts);
        if (l->stopping)
            break;
        pthread_mutex_unlock(&l->run_lock);
        vmon_tuning_loop_step(l, vmon_now_ms(), (uint64_t)vmon_monotonic_ns());
        pthread_mutex_lock(&l->run_lock);
    }
    pthread_mutex_unlock(&l->run_lock);
    return NULL;
}

int vmon_tuning_loop_start(vmon_tuning_loop *l, char *err, size_t errlen)
{
    if (l->started)
        return 0;
    l->stopping = 0;
    if (pthread_create(&l->thread, NULL, loop_thread, l) != 0) {
        snprintf(err, errlen, "[pipeline:%s]: cannot start the tuning thread", l->pipeline);
        return -1;
    }
    l->started = 1;
    return 0;
}

void vmon_tuning_loop_stop(vmon_tuning_loop *l)
{
    if (!l->started)
        return;
    pthread_mutex_lock(&l->run_lock);
    l->stopping = 1;
    pthread_cond_broadcast(&l->wake);
    pthread_mutex_unlock(&l->run_lock);
    pthread_join(l->thread, NULL);
    l->started = 0;
}

const char *vmon_tuning_loop_pipeline(const vmon_tuning_loop *l)
{
    return l->pipeline;
}

vmon_exp_state vmon_tuning_loop_state(vmon_tuning_loop *l)
{
    pthread_mutex_lock(&l->lock);
    vmon_exp_state s = vmon_exp_state_of(l->exp);
    pthread_mutex_unlock(&l->lock);
    return s;
}

vmon_search_params vmon_tuning_loop_current(vmon_tuning_loop *l)
{
    pthread_mutex_lock(&l->lock);
    vmon_search_params p = vmon_exp_current(l->exp);
    pthread_mutex_unlock(&l->lock);
    return p;
}
