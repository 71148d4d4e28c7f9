/* Judge settings, names, and the choice between the two judges. */
#include "judge.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "judge_internal.h"

static const char *const kind_names[] = {"sequential", "classic"};
static const char *const verdict_names[] = {"continue", "advance", "promote", "keep", "rollback"};

void vmon_judge_config_default(vmon_judge_config *cfg, vmon_judge_kind kind)
{
    *cfg = (vmon_judge_config){.kind = kind,
                               .alpha = 0.05,
                               .alpha_guard = 0.01,
                               .quantile = 0.95,
                               .min_effect = 0.02,
                               .mixture_tau = 0.1,
                               .recall_floor = 0,
                               .step_min_samples = 500,
                               .max_samples = 20000,
                               .classic_min_samples = 10,
                               .classic_improvement = 0.05};
}

int vmon_judge_kind_parse(const char *name, vmon_judge_kind *out, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof kind_names / sizeof *kind_names; i++) {
        if (name && !strcmp(name, kind_names[i])) {
            *out = (vmon_judge_kind)i;
            return 0;
        }
    }
    snprintf(err, errlen, "unknown judge; use sequential (the default) or classic");
    return -1;
}

const char *vmon_judge_kind_name(vmon_judge_kind kind)
{
    return (unsigned)kind < sizeof kind_names / sizeof *kind_names ? kind_names[kind] : "?";
}

const char *vmon_judge_verdict_name(vmon_judge_verdict verdict)
{
    return (unsigned)verdict < sizeof verdict_names / sizeof *verdict_names ? verdict_names[verdict]
                                                                            : "?";
}

static int in_range(double v, double lo, double hi)
{
    return v >= lo && v <= hi; /* false for NaN */
}

int vmon_judge_config_check(const vmon_judge_config *cfg, char *err, size_t errlen)
{
    const char *bad = NULL;
    if ((unsigned)cfg->kind > VMON_JUDGE_CLASSIC)
        bad = "kind: sequential or classic";
    else if (!in_range(cfg->alpha, 1e-6, 0.5) || cfg->alpha <= 0)
        bad = "alpha: between 0.000001 and 0.5";
    else if (!in_range(cfg->alpha_guard, 1e-6, 0.5))
        bad = "alpha_guard: between 0.000001 and 0.5";
    else if (!in_range(cfg->quantile, 0.5, 0.999))
        bad = "quantile: between 0.5 and 0.999";
    else if (!in_range(cfg->min_effect, 0, 0.5))
        bad = "min_effect: between 0 and 0.5";
    else if (!in_range(cfg->mixture_tau, 1e-3, 10))
        bad = "mixture_tau: between 0.001 and 10";
    else if (!in_range(cfg->recall_floor, 0, 1))
        bad = "recall_floor: between 0 and 1";
    else if (cfg->step_min_samples < 1 || cfg->max_samples < cfg->step_min_samples)
        bad = "step_min_samples: at least 1, and max_samples at least step_min_samples";
    else if (cfg->classic_min_samples < 1)
        bad = "classic_min_samples: at least 1";
    else if (!in_range(cfg->classic_improvement, 0, 0.99))
        bad = "classic_improvement: between 0 and 0.99";
    if (!bad)
        return 0;
    snprintf(err, errlen, "judge setting %s", bad);
    return -1;
}

void vmon_judge_say(vmon_judge_result *out, vmon_judge_verdict verdict, const char *fmt, ...)
{
    out->verdict = verdict;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->reason, sizeof out->reason, fmt, ap);
    va_end(ap);
}

void vmon_judge_decide(const vmon_judge_config *cfg, const vmon_judge_look *look,
                       vmon_judge_result *out)
{
    *out = (vmon_judge_result){.verdict = VMON_VERDICT_CONTINUE,
                               .ratio = NAN,
                               .ratio_low = NAN,
                               .ratio_high = NAN,
                               .p_value = NAN};
    if (!look->a.latency || !look->b.latency) {
        vmon_judge_say(out, VMON_VERDICT_CONTINUE, "no latencies yet");
        return;
    }
    if (cfg->kind == VMON_JUDGE_CLASSIC)
        vmon_judge_classic(cfg, look, out);
    else
        vmon_judge_sequential(cfg, look, out);
}
