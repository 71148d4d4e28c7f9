/* `mode = classic`: the seed's ParameterOptimizer rules. */
#ifndef VMON_TUNER_CLASSIC_H
#define VMON_TUNER_CLASSIC_H

#include "knob.h"

int classic_decide(const tuner_config *cfg, const vmon_tuning_input *in, const knob_range *r,
                   vmon_tuning_output *out);

#endif
