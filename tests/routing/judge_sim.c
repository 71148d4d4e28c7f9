/*
 * The latency model: 92% of queries lognormal with median 2 ms and sigma
 * 0.35 (the bulk of an IVF search at a fixed nprobe), 8% "hard" queries
 * lognormal with median 6 ms and sigma 0.5 (queries near cluster borders
 * that need more probes), so p95 sits inside the hard minority and the
 * tail is heavy (p99 / p50 about 5). Requests go to B with the step's
 * share, at random (as the hash of a fresh id does).
 *
 * Looks are judged as the daemon judges them (core/tuning_loop.c): every
 * change of arms, each ramp step included, restarts the judge's monitor, so
 * a look sees only the current step's requests of A and B, and B's count in
 * the step is both its histogram's count and step_b_samples. The judge's
 * window (ten minutes) is assumed to hold the whole step.
 */
#include "judge_sim.h"

#include <math.h>
#include <string.h>

#include "loghist.h"

static const double ramp_shares[] = {0.10, 0.25, 0.50};
#define MAX_LOOKS 2000

static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The model's distribution function at x ms. */
static double model_cdf(double x_ms)
{
    double lx = log(x_ms);
    return 0.92 * 0.5 * erfc(-(lx - log(2.0)) / (0.35 * sqrt(2.0))) +
           0.08 * 0.5 * erfc(-(lx - log(6.0)) / (0.5 * sqrt(2.0)));
}

/*
 * Draws go through the inverse distribution function, tabulated at 2^16 + 1
 * points and interpolated: one random number per request (a million
 * requests per experiment is routine here), exact where the judge looks.
 */
#define TABLE_BITS 16
#define TABLE_SIZE (1u << TABLE_BITS)
static double inverse_cdf[TABLE_SIZE + 1];

static void build_table(void)
{
    if (inverse_cdf[TABLE_SIZE] > 0)
        return;
    for (uint32_t i = 0; i <= TABLE_SIZE; i++) {
        /* The ends: half a step inside, so both are finite. */
        double u = ((double)i + (i == 0 ? 0.5 : i == TABLE_SIZE ? -0.5 : 0)) / TABLE_SIZE;
        double lo = log(1e-3), hi = log(1e4);
        for (int k = 0; k < 80; k++) {
            double mid = 0.5 * (lo + hi);
            if (model_cdf(exp(mid)) < u)
                lo = mid;
            else
                hi = mid;
        }
        inverse_cdf[i] = exp(0.5 * (lo + hi)) * 1e6;
    }
}

/* A latency in ns from the top 48 bits of `r`. */
static double latency_from_bits(uint64_t r)
{
    uint32_t i = (uint32_t)(r >> (64 - TABLE_BITS));
    double frac = (double)((r >> 16) & 0xffffffffu) * 0x1.0p-32;
    return inverse_cdf[i] + (inverse_cdf[i + 1] - inverse_cdf[i]) * frac;
}

double sim_latency_ns(uint64_t *rng)
{
    build_table();
    return latency_from_bits(next_u64(rng));
}

static vmon_arm_figures figures(uint64_t samples, double recall, double halfwidth)
{
    return (vmon_arm_figures){.struct_size = sizeof(vmon_arm_figures),
                              .samples = (uint32_t)samples,
                              .recall_exact = 1,
                              .recall_queries = 500,
                              .mean_ms = NAN,
                              .p50_ms = NAN,
                              .p95_ms = NAN,
                              .p99_ms = NAN,
                              .qps = NAN,
                              .recall = recall,
                              .recall_low = recall - halfwidth,
                              .recall_high = recall + halfwidth};
}

/* One experiment; returns its final verdict and counts its looks. */
static vmon_judge_verdict run_one(const vmon_judge_config *cfg, const sim_scenario *sc,
                                  uint64_t *rng, vmon_loghist *ha, vmon_loghist *hb,
                                  uint32_t *looks_out, uint64_t *b_total_out)
{
    uint32_t step = 0, looks = 0;
    uint64_t b_total = 0;
    vmon_judge_verdict verdict = VMON_VERDICT_CONTINUE;
    /* Each step starts with empty histograms, as dep_apply resets the monitors. */
    vmon_loghist_reset(ha);
    vmon_loghist_reset(hb);
    while (looks < MAX_LOOKS) {
        double share = ramp_shares[step];
        /* The low 16 bits route, the top 48 draw the latency. */
        uint64_t b_below = (uint64_t)(share * 65536);
        for (uint32_t i = 0; i < sc->look_requests; i++) {
            uint64_t r = next_u64(rng);
            double ns = latency_from_bits(r);
            if ((r & 0xffff) < b_below) {
                /* Bits 16..31 also fed the latency's fraction: a fresh draw picks the tail. */
                if (sc->b_tail_share > 0 && (next_u64(rng) >> 11) * 0x1.0p-53 < sc->b_tail_share)
                    ns *= sc->b_tail_factor;
                vmon_loghist_record(hb, (uint64_t)(ns * sc->b_scale));
                b_total++;
            } else {
                vmon_loghist_record(ha, (uint64_t)ns);
            }
        }
        looks++;
        vmon_arm_figures fa = figures(vmon_loghist_count(ha), 0.97, 0.005);
        vmon_arm_figures fb = figures(vmon_loghist_count(hb), sc->b_recall, sc->b_recall_halfwidth);
        vmon_judge_look look = {.a = {ha, &fa},
                                .b = {hb, &fb},
                                .step = step,
                                .final_step = step + 1 == sc->n_steps,
                                .step_b_samples = fb.samples};
        vmon_judge_result r;
        vmon_judge_decide(cfg, &look, &r);
        if (r.verdict == VMON_VERDICT_ADVANCE) {
            step++;
            vmon_loghist_reset(ha);
            vmon_loghist_reset(hb);
        } else if (r.verdict != VMON_VERDICT_CONTINUE) {
            verdict = r.verdict;
            break;
        }
    }
    *looks_out = looks;
    *b_total_out = b_total;
    return verdict;
}

void sim_run(const vmon_judge_config *cfg, const sim_scenario *sc, uint32_t experiments,
             uint64_t seed, sim_outcome *out)
{
    static vmon_loghist ha, hb;
    build_table();
    memset(out, 0, sizeof *out);
    out->experiments = experiments;
    uint64_t rng = seed;
    double looks_sum = 0, b_sum = 0;
    for (uint32_t e = 0; e < experiments; e++) {
        uint32_t looks;
        uint64_t b_total;
        vmon_judge_verdict v = run_one(cfg, sc, &rng, &ha, &hb, &looks, &b_total);
        out->verdicts[v]++;
        looks_sum += looks;
        b_sum += (double)b_total;
    }
    out->mean_looks = looks_sum / experiments;
    out->mean_b_requests = b_sum / experiments;
}
