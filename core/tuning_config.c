#include "tuning_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "strutil.h"

enum { MODE_AUTO = 0, MODE_APPLY = 1, MODE_RECOMMEND = 2 };

int vmon_tuning_ramp_parse(char *const *items, uint32_t n, vmon_exp_config *cfg, char *why,
                           size_t whylen)
{
    static const vmon_option share = {.key = "ramp", .type = VMON_OPT_PERCENT};
    if (n < 1 || n > VMON_EXP_MAX_STEPS) {
        snprintf(why, whylen, "%u steps; give 1 to %d shares, e.g. `10%%, 25%%, 50%%, 100%%`", n,
                 VMON_EXP_MAX_STEPS);
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        vmon_value v = {0};
        char sub[160];
        if (vmon_value_parse(&share, items[i], ".", &v, sub, sizeof sub)) {
            snprintf(why, whylen, "step %u: %s", i + 1, sub);
            vmon_value_clear(&v);
            return -1;
        }
        cfg->ramp[i] = v.d;
        vmon_value_clear(&v);
    }
    cfg->n_ramp = n;
    return 0;
}

static int64_t int_of(const vmon_values *v, const char *key)
{
    const vmon_value *x = vmon_values_get(v, key);
    return x && x->set ? x->i : 0;
}

static double double_of(const vmon_values *v, const char *key)
{
    const vmon_value *x = vmon_values_get(v, key);
    return x && x->set ? x->d : 0;
}

static char *text_of(const vmon_values *v, const char *key)
{
    const vmon_value *x = vmon_values_get(v, key);
    return x && x->set && x->text ? vmon_strdup(x->text) : NULL;
}

static void read_tuner(const vmon_values *t, vmon_tuning_settings *out)
{
    vmon_exp_config *c = &out->exp;
    out->collection = text_of(t, "collection");
    c->collection = out->collection;
    c->latency_target_ms = double_of(t, "latency_target");
    c->recall_floor = double_of(t, "recall_floor");
    c->top_k = (uint32_t)int_of(t, "top_k");
    c->lower.struct_size = c->upper.struct_size = sizeof c->lower;
    c->lower.top_k = c->upper.top_k = c->top_k;
    c->lower.nprobe = (uint32_t)int_of(t, "nprobe_min");
    c->upper.nprobe = (uint32_t)int_of(t, "nprobe_max");
    c->lower.ef = (uint32_t)int_of(t, "ef_min");
    c->upper.ef = (uint32_t)int_of(t, "ef_max");
}

static void bound_error(const vmon_cfg_section *s, const char *tuner, const char *lo,
                        const char *hi, const vmon_values *t, vmon_errors *errs)
{
    int64_t a = int_of(t, lo), b = int_of(t, hi);
    if (a && b && a > b)
        vmon_errors_add(errs, s->file, s->line, s->name, "tuner",
                        "[%s] has %s (%lld) above %s (%lld); swap them", tuner, lo, (long long)a,
                        hi, (long long)b);
}

int vmon_tuning_settings_read(const vmon_cfg_section *s, const vmon_values *p,
                              const char *tuner_section, const vmon_values *tuner,
                              const char *target_plugin, vmon_tuning_settings *out,
                              vmon_errors *errs)
{
    size_t before = errs->count;
    memset(out, 0, sizeof *out);
    vmon_exp_config_default(&out->exp);
    read_tuner(tuner, out);
    bound_error(s, tuner_section, "nprobe_min", "nprobe_max", tuner, errs);
    bound_error(s, tuner_section, "ef_min", "ef_max", tuner, errs);

    int mode = (int)int_of(p, "mode");
    if (mode == MODE_AUTO)
        mode = target_plugin && !strcmp(target_plugin, "embedded") ? MODE_APPLY : MODE_RECOMMEND;
    out->exp.mode = mode == MODE_RECOMMEND ? VMON_EXP_RECOMMEND : VMON_EXP_APPLY;
    out->mode_auto = int_of(p, "mode") == MODE_AUTO;
    out->judge = (int)int_of(p, "judge");
    out->check_interval_ms = int_of(p, "check_interval");
    out->window_ms = int_of(p, "window");
    out->exp.latency_factor = double_of(p, "latency_factor");
    out->exp.qps_drop = double_of(p, "qps_drop");
    out->exp.review_ms = int_of(p, "review");
    out->exp.max_measure_rounds = (uint32_t)int_of(p, "measure_rounds");
    out->resume = int_of(p, "on_restart") == 0;
    out->audit_log = text_of(p, "audit_log");

    const vmon_value *ramp = vmon_values_get(p, "ramp");
    const vmon_cfg_entry *at = vmon_cfg_get(s, "ramp");
    char why[256];
    int bad = ramp && ramp->set &&
              vmon_tuning_ramp_parse(ramp->items, ramp->n_items, &out->exp, why, sizeof why);
    if (bad || vmon_exp_config_check(&out->exp, why, sizeof why))
        vmon_errors_add(errs, at ? at->file : s->file, at ? at->line : s->line, s->name, "ramp",
                        "%s", strncmp(why, "ramp: ", 6) == 0 ? why + 6 : why);
    if (out->check_interval_ms > out->window_ms) {
        const vmon_cfg_entry *ci = vmon_cfg_get(s, "check_interval");
        vmon_errors_add(errs, ci ? ci->file : s->file, ci ? ci->line : s->line, s->name,
                        "check_interval",
                        "longer than the window (%lld ms > %lld ms): every look would see a "
                        "different window; lower it or raise `window`",
                        (long long)out->check_interval_ms, (long long)out->window_ms);
    }
    return errs->count == before ? 0 : -1;
}

void vmon_tuning_settings_free(vmon_tuning_settings *t)
{
    free(t->collection);
    free(t->audit_log);
    memset(t, 0, sizeof *t);
}

static int same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int same_params(const vmon_search_params *a, const vmon_search_params *b)
{
    return a->top_k == b->top_k && a->nprobe == b->nprobe && a->ef == b->ef;
}

static int same_exp(const vmon_exp_config *a, const vmon_exp_config *b)
{
    if (a->n_ramp != b->n_ramp)
        return 0;
    for (uint32_t i = 0; i < a->n_ramp; i++)
        if (a->ramp[i] != b->ramp[i])
            return 0;
    return a->mode == b->mode && a->max_measure_rounds == b->max_measure_rounds &&
           a->latency_factor == b->latency_factor && a->qps_drop == b->qps_drop &&
           a->min_samples == b->min_samples && a->latency_target_ms == b->latency_target_ms &&
           a->recall_floor == b->recall_floor && same_params(&a->lower, &b->lower) &&
           same_params(&a->upper, &b->upper) && a->top_k == b->top_k &&
           a->review_ms == b->review_ms;
}

int vmon_tuning_settings_same(const vmon_tuning_settings *a, const vmon_tuning_settings *b)
{
    return same_exp(&a->exp, &b->exp) && same_text(a->collection, b->collection) &&
           a->judge == b->judge && a->check_interval_ms == b->check_interval_ms &&
           a->window_ms == b->window_ms && a->resume == b->resume &&
           same_text(a->audit_log, b->audit_log);
}

void vmon_tuning_settings_print(const vmon_tuning_settings *t, FILE *out)
{
    const vmon_exp_config *c = &t->exp;
    fprintf(out, "mode = %s%s\n", c->mode == VMON_EXP_RECOMMEND ? "recommend" : "apply",
            t->mode_auto ? " ; auto, from the target" : "");
    fprintf(out, "judge = %s\n", vmon_judge_names[t->judge]);
    fputs("ramp = ", out);
    for (uint32_t i = 0; i < c->n_ramp; i++)
        fprintf(out, "%s%g%%", i ? ", " : "", c->ramp[i] * 100);
    fprintf(out, "\ncheck_interval = %lldms\nwindow = %lldms\n", (long long)t->check_interval_ms,
            (long long)t->window_ms);
    fprintf(out, "latency_factor = %g\nqps_drop = %g%%\n", c->latency_factor, c->qps_drop * 100);
    fprintf(out, "review = %lldms\nmeasure_rounds = %u\non_restart = %s\n", (long long)c->review_ms,
            c->max_measure_rounds, t->resume ? "resume" : "abandon");
    if (t->audit_log)
        fprintf(out, "audit_log = %s\n", t->audit_log);
}
