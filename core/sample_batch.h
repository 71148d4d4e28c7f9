/*
 * Owned samples grouped as one reading (the output of one probe collect),
 * the unit that flows from probes to rules and to sinks.
 */
#ifndef VMON_CORE_SAMPLE_BATCH_H
#define VMON_CORE_SAMPLE_BATCH_H

#include <stddef.h>
#include <vmon/sample.h>

#include "labels.h" /* vmon_valid_label_name */

typedef struct vmon_sample_batch {
    char *source;         /* `probe:sys`, `vmon` */
    vmon_sample *samples; /* owned names, labels (sorted) */
    size_t n, cap;
    int refs; /* shared between the rules thread and sink queues */
} vmon_sample_batch;

vmon_sample_batch *vmon_batch_new(const char *source);
/**
 * Copy a sample in (a core-sized one: its type is read as it stands), adding
 * `instance=<instance>` unless present.
 */
void vmon_batch_add(vmon_sample_batch *b, const vmon_sample *s, const char *instance,
                    int64_t now_ms);
vmon_sample_batch *vmon_batch_ref(vmon_sample_batch *b);
void vmon_batch_unref(vmon_sample_batch *b);
/** The value of label `name`, or NULL. */
const char *vmon_sample_label(const vmon_sample *s, const char *name);
/** Is `name` a valid sample name (component.metric)? */
int vmon_valid_sample_name(const char *name);

#endif
