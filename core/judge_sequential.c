/*
 * The `sequential` judge (the default). See judge.h for why sequential.
 *
 * Statistic: for a latency quantile p, d = ln Q_B(p) - ln Q_A(p). Each
 * arm's Q(p) is read from its histogram with linear interpolation inside the
 * bucket, and its standard error from the distribution-free order-statistic
 * interval: the sample quantile's rank has standard deviation
 * s = sqrt(p (1 - p) / n), so the values at ranks p - 2s and p + 2s span
 * about four standard errors of Q(p) (no density estimate, no assumed
 * distribution). V = se_A^2 + se_B^2.
 *
 * Test: the normal mixture SPRT (Robbins; Johari et al., "always valid
 * p-values"). With a N(0, tau^2) mixture over the true d,
 *   Lambda = sqrt(V / (V + tau^2)) exp(d^2 tau^2 / (2 V (V + tau^2)))
 * is a likelihood ratio martingale under d = 0, so P(Lambda ever >= 1/alpha)
 * <= alpha however many looks are taken; its inversion is a confidence
 * sequence d +- sqrt(V (V + tau^2) / tau^2 (ln((V + tau^2) / V) + 2 ln(1/alpha))).
 * Decisions are read off those always-valid intervals:
 *  - rollback: at p50, p95 or p99 the interval lies above +min_effect, or the
 *    error rate's lies above 0 (alpha_guard shared by the four), or B's recall
 *    upper bound is below the floor;
 *  - promote (final step) / advance: at the decision quantile the interval
 *    lies below 0 (alpha), the estimate is at least min_effect faster, and
 *    B's recall lower bound holds the floor;
 *  - advance without a win yet: the step has step_min_samples B requests, no
 *    regression, and the recall bound holds;
 *  - keep: the interval lies above -min_effect (B cannot be worth it), B's
 *    recall lower bound is below the floor once the step has its requests (the
 *    shadow-measured recall does not change with more traffic), or B reached
 *    max_samples undecided.
 */
#include <math.h>

#include "judge_internal.h"
#include "loghist.h"

/* Ranks a quantile needs on each side before its interval means anything. */
#define MIN_TAIL_SAMPLES 10
/* p50, p95 and p99 guards and the error guard share alpha_guard. */
#define N_GUARDS 4

/* Q(p) for ascending `probs`, interpolated inside buckets, clamped to min..max. */
static void hist_quantiles(const vmon_loghist *h, const double *probs, int n, double *out)
{
    double total = (double)vmon_loghist_count(h);
    double lo_clamp = (double)vmon_loghist_min_ns(h), hi_clamp = (double)vmon_loghist_max_ns(h);
    vmon_loghist_iter it;
    vmon_loghist_bucket b = {0};
    vmon_loghist_iter_init(&it, h);
    double below = 0; /* requests in the buckets before b */
    int have = vmon_loghist_iter_next(&it, &b);
    for (int i = 0; i < n; i++) {
        double rank = probs[i] * total;
        while (have && below + (double)b.count < rank) {
            below += (double)b.count;
            have = vmon_loghist_iter_next(&it, &b);
        }
        double v = have ? (double)b.lower_ns +
                              (double)(b.upper_ns - b.lower_ns) * (rank - below) / (double)b.count
                        : hi_clamp;
        out[i] = v < lo_clamp ? lo_clamp : v > hi_clamp ? hi_clamp : v;
    }
}

typedef struct estimate {
    double log_q; /* ln Q(p), Q in ns */
    double se;    /* its standard error */
} estimate;

/* 0 when the arm has too few requests beyond p on either side. */
static int quantile_estimate(const vmon_loghist *h, double p, estimate *e)
{
    double n = (double)vmon_loghist_count(h);
    if (n * (1 - p) < MIN_TAIL_SAMPLES || n * p < MIN_TAIL_SAMPLES)
        return 0;
    double s = sqrt(p * (1 - p) / n);
    double edge = 0.5 / n;
    double probs[3] = {fmax(p - 2 * s, edge), p, fmin(p + 2 * s, 1 - edge)};
    double q[3];
    hist_quantiles(h, probs, 3, q);
    if (!(q[0] > 0))
        return 0;
    e->log_q = log(q[1]);
    e->se = (log(q[2]) - log(q[0])) * s / (probs[2] - probs[0]);
    /* A distribution with all its mass in one bucket still has the bucket's width. */
    double floor_se = VMON_LOGHIST_REL_ERROR / sqrt(n);
    e->se = fmax(e->se, floor_se);
    return 1;
}

/* An always-valid interval on a normal statistic d with variance v. */
typedef struct interval {
    double d, low, high;
    double p_value; /* 1 / Lambda, capped at 1 */
} interval;

static interval confidence_sequence(double d, double v, double tau, double alpha)
{
    double t2 = tau * tau;
    double log_lambda = 0.5 * log(v / (v + t2)) + d * d * t2 / (2 * v * (v + t2));
    double radius = sqrt(v * (v + t2) / t2 * (log((v + t2) / v) + 2 * log(1 / alpha)));
    return (interval){.d = d,
                      .low = d - radius,
                      .high = d + radius,
                      .p_value = log_lambda > 0 ? exp(-log_lambda) : 1};
}

/* 1 with `out` filled when both arms have the quantile. */
static int compare_quantile(const vmon_judge_look *look, double p, double tau, double alpha,
                            interval *out)
{
    estimate a, b;
    if (!quantile_estimate(look->a.latency, p, &a) || !quantile_estimate(look->b.latency, p, &b))
        return 0;
    *out = confidence_sequence(b.log_q - a.log_q, a.se * a.se + b.se * b.se, tau, alpha);
    return 1;
}

/* B's error rate minus A's, when both arms report requests and any failed. */
static int compare_errors(const vmon_judge_look *look, double tau, double alpha, interval *out)
{
    const vmon_arm_figures *fa = look->a.figures, *fb = look->b.figures;
    if (!fa || !fb || fa->samples == 0 || fb->samples == 0 || fa->errors + fb->errors == 0)
        return 0;
    double na = fa->samples, nb = fb->samples;
    double pa = fa->errors / na, pb = fb->errors / nb;
    double pooled = (fa->errors + fb->errors) / (na + nb);
    double v = pooled * (1 - pooled) * (1 / na + 1 / nb);
    if (!(v > 0))
        return 0;
    *out = confidence_sequence(pb - pa, v, tau, alpha);
    return 1;
}

static int recall_measured(const vmon_arm_figures *f)
{
    return f && f->recall_queries > 0 && !isnan(f->recall_low) && !isnan(f->recall_high);
}

/* A regression of B that must roll the step back; 1 with the reason said. */
static int regressed(const vmon_judge_config *cfg, const vmon_judge_look *look,
                     vmon_judge_result *out)
{
    const double guard_q[3] = {0.5, cfg->quantile, 0.99};
    const double alpha = cfg->alpha_guard / N_GUARDS;
    const double tolerance = log1p(cfg->min_effect);
    for (int i = 0; i < 3; i++) {
        interval iv;
        if (!compare_quantile(look, guard_q[i], cfg->mixture_tau, alpha, &iv) ||
            iv.low <= tolerance)
            continue;
        vmon_judge_say(out, VMON_VERDICT_ROLLBACK,
                       "p%g %+.1f%% (interval %+.1f%% .. %+.1f%%, p=%.2g): B is slower",
                       100 * guard_q[i], 100 * expm1(iv.d), 100 * expm1(iv.low),
                       100 * expm1(iv.high), iv.p_value);
        return 1;
    }
    interval ev;
    /* The error rate's scale: a mixture over differences of a few points. */
    if (compare_errors(look, 0.05, alpha, &ev) && ev.low > 0) {
        vmon_judge_say(out, VMON_VERDICT_ROLLBACK,
                       "error rate %+.2f points (interval %+.2f .. %+.2f): B fails more",
                       100 * ev.d, 100 * ev.low, 100 * ev.high);
        return 1;
    }
    const vmon_arm_figures *fb = look->b.figures;
    if (cfg->recall_floor > 0 && recall_measured(fb) && fb->recall_high < cfg->recall_floor) {
        vmon_judge_say(out, VMON_VERDICT_ROLLBACK,
                       "recall %.4f (at most %.4f) below the floor %.4f", fb->recall,
                       fb->recall_high, cfg->recall_floor);
        return 1;
    }
    return 0;
}

/* B's recall holds the floor (or there is none); `why` says what is missing. */
static int recall_holds(const vmon_judge_config *cfg, const vmon_arm_figures *fb, const char **why)
{
    if (cfg->recall_floor <= 0)
        return 1;
    if (!recall_measured(fb)) {
        *why = "B's recall is not measured yet";
        return 0;
    }
    if (fb->recall_low < cfg->recall_floor) {
        *why = "B's recall lower bound is below the floor";
        return 0;
    }
    return 1;
}

void vmon_judge_sequential(const vmon_judge_config *cfg, const vmon_judge_look *look,
                           vmon_judge_result *out)
{
    if (regressed(cfg, look, out))
        return;
    interval iv;
    uint64_t nb = vmon_loghist_count(look->b.latency);
    int have = compare_quantile(look, cfg->quantile, cfg->mixture_tau, cfg->alpha, &iv);
    double pq = 100 * cfg->quantile;
    if (have) {
        out->ratio = exp(iv.d);
        out->ratio_low = exp(iv.low);
        out->ratio_high = exp(iv.high);
        out->p_value = iv.p_value;
    }
    if (nb >= cfg->max_samples) {
        vmon_judge_say(out, VMON_VERDICT_KEEP, "B undecided after %llu requests",
                       (unsigned long long)nb);
        return;
    }
    if (!have) {
        vmon_judge_say(out, VMON_VERDICT_CONTINUE, "too few requests for p%g (B has %llu)", pq,
                       (unsigned long long)nb);
        return;
    }
    if (iv.low > log1p(-cfg->min_effect)) {
        vmon_judge_say(out, VMON_VERDICT_KEEP,
                       "p%g %+.1f%% (interval %+.1f%% .. %+.1f%%): not %.0f%% faster", pq,
                       100 * expm1(iv.d), 100 * expm1(iv.low), 100 * expm1(iv.high),
                       100 * cfg->min_effect);
        return;
    }
    const char *missing = NULL;
    int recall_ok = recall_holds(cfg, look->b.figures, &missing);
    int wins = iv.high < 0 && iv.d <= log1p(-cfg->min_effect);
    int step_done = look->step_b_samples >= cfg->step_min_samples;
    if (wins && recall_ok && (look->final_step || step_done)) {
        vmon_judge_say(out, look->final_step ? VMON_VERDICT_PROMOTE : VMON_VERDICT_ADVANCE,
                       "p%g %+.1f%% (interval %+.1f%% .. %+.1f%%, p=%.2g): B is faster", pq,
                       100 * expm1(iv.d), 100 * expm1(iv.low), 100 * expm1(iv.high), iv.p_value);
        return;
    }
    /* B's recall comes from a shadow measurement taken once per parameters: more traffic does
     * not change it, so a step that has its requests ends here instead of waiting for
     * max_samples on evidence that never moves. */
    if (step_done && !recall_ok && recall_measured(look->b.figures)) {
        vmon_judge_say(out, VMON_VERDICT_KEEP,
                       "recall %.4f (at least %.4f) does not hold the floor %.4f",
                       look->b.figures->recall, look->b.figures->recall_low, cfg->recall_floor);
        return;
    }
    if (!look->final_step && step_done && recall_ok) {
        vmon_judge_say(out, VMON_VERDICT_ADVANCE,
                       "step passed: %llu B requests, no regression (p%g %+.1f%%)",
                       (unsigned long long)look->step_b_samples, pq, 100 * expm1(iv.d));
        return;
    }
    vmon_judge_say(out, VMON_VERDICT_CONTINUE, "p%g %+.1f%% (interval %+.1f%% .. %+.1f%%)%s%s", pq,
                   100 * expm1(iv.d), 100 * expm1(iv.low), 100 * expm1(iv.high),
                   missing ? "; " : "", missing ? missing : "");
}
