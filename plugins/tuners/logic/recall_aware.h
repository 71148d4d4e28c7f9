/* `mode = recall_aware`: search the measured curve for the best parameters. */
#ifndef VMON_TUNER_RECALL_AWARE_H
#define VMON_TUNER_RECALL_AWARE_H

#include "knob.h"

int recall_aware_decide(const tuner_config *cfg, const vmon_tuning_input *in, const knob_range *r,
                        vmon_tuning_output *out);

#endif
