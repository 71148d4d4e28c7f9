/* The log-linear histogram: everything but the inline record path. */
#include "loghist.h"

#include <string.h>

void vmon_loghist_init(vmon_loghist *h)
{
    memset(h, 0, sizeof *h);
    h->min_ns = UINT64_MAX;
}

void vmon_loghist_reset(vmon_loghist *h)
{
    vmon_loghist_init(h);
}

void vmon_loghist_merge(vmon_loghist *dst, const vmon_loghist *src)
{
    for (uint64_t groups = src->groups; groups != 0; groups &= groups - 1) {
        uint32_t g = (uint32_t)__builtin_ctzll(groups);
        uint64_t *d = dst->buckets + (size_t)g * VMON_LOGHIST_GROUP_SIZE;
        const uint64_t *s = src->buckets + (size_t)g * VMON_LOGHIST_GROUP_SIZE;
        for (uint32_t i = 0; i < VMON_LOGHIST_GROUP_SIZE; i++)
            d[i] += s[i];
    }
    dst->groups |= src->groups;
    dst->count += src->count;
    dst->sum_ns += src->sum_ns;
    dst->min_ns = src->min_ns < dst->min_ns ? src->min_ns : dst->min_ns;
    dst->max_ns = src->max_ns > dst->max_ns ? src->max_ns : dst->max_ns;
}

uint64_t vmon_loghist_count(const vmon_loghist *h)
{
    return h->count;
}

double vmon_loghist_mean_ns(const vmon_loghist *h)
{
    return h->count ? (double)h->sum_ns / (double)h->count : 0.0;
}

uint64_t vmon_loghist_min_ns(const vmon_loghist *h)
{
    return h->count ? h->min_ns : 0;
}

uint64_t vmon_loghist_max_ns(const vmon_loghist *h)
{
    return h->max_ns;
}

void vmon_loghist_bucket_bounds(uint32_t index, uint64_t *lower_ns, uint64_t *upper_ns)
{
    uint32_t group = index >> VMON_LOGHIST_SUB_BITS;
    /* Groups 0 and 1 are the exact values below 128; group g > 1 has width 2^(g-1). */
    uint32_t shift = group > 1 ? group - 1 : 0;
    uint64_t sub = index - ((uint64_t)shift << VMON_LOGHIST_SUB_BITS);
    *lower_ns = sub << shift;
    *upper_ns = *lower_ns + (UINT64_C(1) << shift);
}

/* The rank-th smallest value (1-based) lies in the bucket returned. */
static uint32_t bucket_of_rank(const vmon_loghist *h, uint64_t rank)
{
    uint64_t seen = 0;
    uint32_t last = 0;
    for (uint64_t groups = h->groups; groups != 0; groups &= groups - 1) {
        uint32_t g = (uint32_t)__builtin_ctzll(groups);
        uint32_t first = g * VMON_LOGHIST_GROUP_SIZE;
        for (uint32_t i = first; i < first + VMON_LOGHIST_GROUP_SIZE; i++) {
            if (h->buckets[i] == 0)
                continue;
            seen += h->buckets[i];
            last = i;
            if (seen >= rank)
                return i;
        }
    }
    return last; /* count and buckets disagree (a torn concurrent read): the top */
}

uint64_t vmon_loghist_quantile_ns(const vmon_loghist *h, double q)
{
    if (h->count == 0)
        return 0;
    if (!(q > 0.0)) /* also NaN */
        return h->min_ns;
    if (q >= 1.0)
        return h->max_ns;
    double exact_rank = q * (double)h->count;
    uint64_t rank = (uint64_t)exact_rank;
    if ((double)rank < exact_rank)
        rank++;
    if (rank == 0)
        rank = 1;
    uint64_t lower, upper;
    vmon_loghist_bucket_bounds(bucket_of_rank(h, rank), &lower, &upper);
    uint64_t mid = lower + ((upper - lower) >> 1);
    if (mid < h->min_ns)
        mid = h->min_ns;
    if (mid > h->max_ns)
        mid = h->max_ns;
    return mid;
}

void vmon_loghist_iter_init(vmon_loghist_iter *it, const vmon_loghist *h)
{
    it->h = h;
    it->next = 0;
}

bool vmon_loghist_iter_next(vmon_loghist_iter *it, vmon_loghist_bucket *out)
{
    const vmon_loghist *h = it->h;
    while (it->next < VMON_LOGHIST_BUCKETS) {
        uint32_t i = it->next;
        uint32_t g = i >> VMON_LOGHIST_SUB_BITS;
        if (!(h->groups & (UINT64_C(1) << g))) {
            it->next = (g + 1) * VMON_LOGHIST_GROUP_SIZE;
            continue;
        }
        it->next = i + 1;
        if (h->buckets[i] == 0)
            continue;
        vmon_loghist_bucket_bounds(i, &out->lower_ns, &out->upper_ns);
        out->count = h->buckets[i];
        return true;
    }
    return false;
}
