/* The two judges behind vmon_judge_decide (judge.h). */
#ifndef VMON_JUDGE_INTERNAL_H
#define VMON_JUDGE_INTERNAL_H

#include "judge.h"

void vmon_judge_classic(const vmon_judge_config *cfg, const vmon_judge_look *look,
                        vmon_judge_result *out);
void vmon_judge_sequential(const vmon_judge_config *cfg, const vmon_judge_look *look,
                           vmon_judge_result *out);

/** Fill `out` with a verdict and its reason (printf style). */
void vmon_judge_say(vmon_judge_result *out, vmon_judge_verdict verdict, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
