/*
 * The `classic` judge: the seed's ABTestManager rule, kept as it was so its
 * behaviour can be compared. At least `classic_min_samples` (10) requests per
 * arm, then B wins when its mean latency is more than `classic_improvement`
 * (5%) below A's. No variance, no tail, no recall, no correction for looking
 * again: docs/architecture.md shows its measured false promotion rate.
 */
#include <math.h>

#include "judge_internal.h"
#include "loghist.h"

void vmon_judge_classic(const vmon_judge_config *cfg, const vmon_judge_look *look,
                        vmon_judge_result *out)
{
    uint64_t na = vmon_loghist_count(look->a.latency);
    uint64_t nb = vmon_loghist_count(look->b.latency);
    if (na < cfg->classic_min_samples || nb < cfg->classic_min_samples) {
        vmon_judge_say(out, VMON_VERDICT_CONTINUE, "A %llu, B %llu requests: need %u per arm",
                       (unsigned long long)na, (unsigned long long)nb, cfg->classic_min_samples);
        return;
    }
    double mean_a = vmon_loghist_mean_ns(look->a.latency);
    double mean_b = vmon_loghist_mean_ns(look->b.latency);
    out->ratio = mean_a > 0 ? mean_b / mean_a : NAN;
    double improvement = mean_a > 0 ? (mean_a - mean_b) / mean_a : 0;
    if (improvement > cfg->classic_improvement) {
        vmon_judge_say(out, look->final_step ? VMON_VERDICT_PROMOTE : VMON_VERDICT_ADVANCE,
                       "mean %.3f ms -> %.3f ms (%+.1f%%): more than %.0f%% faster", mean_a / 1e6,
                       mean_b / 1e6, -100 * improvement, 100 * cfg->classic_improvement);
        return;
    }
    vmon_judge_say(out, VMON_VERDICT_KEEP, "mean %.3f ms -> %.3f ms (%+.1f%%): not %.0f%% faster",
                   mean_a / 1e6, mean_b / 1e6, -100 * improvement, 100 * cfg->classic_improvement);
}
