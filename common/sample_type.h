/*
 * Sample types (vmon/sample.h, ABI 0.5) as readers see them: a declared
 * type is kept only when vmon knows it and the sample fits it (a histogram
 * part's name ends in its suffix, a bucket has `le`); anything else reads as
 * a gauge. The core applies this to every sample a plugin emits, so sinks
 * see only consistent types; exporters use the family helpers.
 */
#ifndef VMON_COMMON_SAMPLE_TYPE_H
#define VMON_COMMON_SAMPLE_TYPE_H

#include <stddef.h>
#include <vmon/sample.h>

/** `type` if it is known and `name`/`labels` fit it, else VMON_SAMPLE_GAUGE. */
uint32_t vmon_sample_type_checked(const char *name, const vmon_label *labels, uint32_t n_labels,
                                  uint32_t type);

/** The suffix a histogram part's name ends in (`_bucket`, `_sum`, `_count`), "" for others. */
const char *vmon_sample_type_suffix(uint32_t type);

/**
 * The length of the family name in `name`: without the histogram part's
 * suffix for a histogram part (of a checked type), the whole name otherwise.
 */
size_t vmon_sample_family_len(const char *name, uint32_t type);

/** "gauge", "counter" or "histogram" (the family's type in Prometheus terms). */
const char *vmon_sample_family_type(uint32_t type);

#endif
