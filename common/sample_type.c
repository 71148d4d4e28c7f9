#include "sample_type.h"

#include <string.h>

const char *vmon_sample_type_suffix(uint32_t type)
{
    switch (type) {
    case VMON_SAMPLE_HISTOGRAM_BUCKET:
        return "_bucket";
    case VMON_SAMPLE_HISTOGRAM_SUM:
        return "_sum";
    case VMON_SAMPLE_HISTOGRAM_COUNT:
        return "_count";
    default:
        return "";
    }
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

uint32_t vmon_sample_type_checked(const char *name, const vmon_label *labels, uint32_t n_labels,
                                  uint32_t type)
{
    if (!name || type > VMON_SAMPLE_HISTOGRAM_COUNT)
        return VMON_SAMPLE_GAUGE;
    if (type < VMON_SAMPLE_HISTOGRAM_BUCKET)
        return type;
    if (!ends_with(name, vmon_sample_type_suffix(type)))
        return VMON_SAMPLE_GAUGE;
    int has_le = 0;
    for (uint32_t i = 0; i < n_labels; i++)
        if (labels[i].name && strcmp(labels[i].name, "le") == 0)
            has_le = labels[i].value && labels[i].value[0];
    /* `le` marks a bucket: a bucket needs it, the sum and count must not have it. */
    return has_le == (type == VMON_SAMPLE_HISTOGRAM_BUCKET) ? type : VMON_SAMPLE_GAUGE;
}

size_t vmon_sample_family_len(const char *name, uint32_t type)
{
    size_t n = strlen(name), k = strlen(vmon_sample_type_suffix(type));
    return k && n > k ? n - k : n;
}

const char *vmon_sample_family_type(uint32_t type)
{
    switch (type) {
    case VMON_SAMPLE_COUNTER:
        return "counter";
    case VMON_SAMPLE_HISTOGRAM_BUCKET:
    case VMON_SAMPLE_HISTOGRAM_SUM:
    case VMON_SAMPLE_HISTOGRAM_COUNT:
        return "histogram";
    default:
        return "gauge";
    }
}
