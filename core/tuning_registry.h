/*
 * The tuning loops of the running daemon, by pipeline name, for the control
 * channel. A runtime registers each loop it starts and unregisters it before
 * freeing it; a reload that carries a loop over keeps it registered. A
 * command runs under the registry's lock, so a loop is never freed while an
 * operator's command is inside it.
 */
#ifndef VMON_CORE_TUNING_REGISTRY_H
#define VMON_CORE_TUNING_REGISTRY_H

#include <stddef.h>

#include "tuning_loop.h"

void vmon_tuning_register(vmon_tuning_loop *l);
void vmon_tuning_unregister(vmon_tuning_loop *l);

/**
 * A vmon_control_fn: `status` with no pipeline lists every loop; every
 * other command goes to the pipeline's loop. 0, or -1 with the reason.
 */
int vmon_tuning_control(void *arg, const char *verb, const char *pipeline, char *reply,
                        size_t replylen);

#endif
