/*
 * A streaming log-linear histogram of durations in nanoseconds.
 *
 * The idea of HdrHistogram, written for vmon: values are grouped by power of
 * two, and each power of two [2^m, 2^(m+1)) is split into 64 linear
 * sub-buckets. Values below 128 ns have a bucket each (exact). The struct has
 * a fixed size, is meant to be embedded, and never allocates.
 *
 * Range: 0 .. VMON_LOGHIST_MAX_NS (2^40 - 1 ns, about 1099 s). A larger value
 * is recorded as VMON_LOGHIST_MAX_NS.
 *
 * Error: a bucket is at most 1/64 of its lower bound wide, and a quantile is
 * reported as the middle of its bucket (clamped to min..max), so a reported
 * quantile is within VMON_LOGHIST_REL_ERROR (1/128, 0.79 %) of the exact
 * nearest-rank quantile (the value at rank ceil(q * count) of the sorted
 * samples). count, min, max and mean are exact (the sum wraps only after
 * 2^64 ns, 584 years of summed latency).
 *
 * Not thread-safe: one writer, or a lock around it. For concurrent writers
 * see latency_window.h.
 */
#ifndef VMON_LOGHIST_H
#define VMON_LOGHIST_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Linear sub-buckets per power of two: 2^VMON_LOGHIST_SUB_BITS. */
#define VMON_LOGHIST_SUB_BITS 6
/** Bits of the largest value kept apart. */
#define VMON_LOGHIST_VALUE_BITS 40
#define VMON_LOGHIST_MAX_NS     ((UINT64_C(1) << VMON_LOGHIST_VALUE_BITS) - 1)
/** Buckets of one group (one power of two, or the exact first 128 values). */
#define VMON_LOGHIST_GROUP_SIZE (1u << VMON_LOGHIST_SUB_BITS)
/** Groups: bit g of vmon_loghist.groups is set when group g has a count. */
#define VMON_LOGHIST_GROUPS  (VMON_LOGHIST_VALUE_BITS - VMON_LOGHIST_SUB_BITS + 1)
#define VMON_LOGHIST_BUCKETS (VMON_LOGHIST_GROUPS * VMON_LOGHIST_GROUP_SIZE)
/** Bound of a reported quantile's error, relative to the exact quantile. */
#define VMON_LOGHIST_REL_ERROR (1.0 / 128.0)

/** Read the fields through the functions; the layout is for embedding. */
typedef struct vmon_loghist {
    uint64_t count;
    uint64_t sum_ns;
    uint64_t min_ns; /**< UINT64_MAX while empty */
    uint64_t max_ns;
    uint64_t groups; /**< bit g: group g has a nonzero bucket (lets merge and scans skip) */
    uint64_t buckets[VMON_LOGHIST_BUCKETS];
} vmon_loghist;

/** Bucket of `value_ns` (already at most VMON_LOGHIST_MAX_NS): a clz and a shift. */
static inline uint32_t vmon_loghist_index(uint64_t value_ns)
{
    /* OR-ing the low bits puts every value below 128 in the exact first group. */
    const uint64_t floor_mask = (UINT64_C(1) << (VMON_LOGHIST_SUB_BITS + 1)) - 1;
    uint32_t msb = 63u - (uint32_t)__builtin_clzll(value_ns | floor_mask);
    uint32_t shift = msb - VMON_LOGHIST_SUB_BITS;
    return (shift << VMON_LOGHIST_SUB_BITS) + (uint32_t)(value_ns >> shift);
}

/** Empty histogram. */
void vmon_loghist_init(vmon_loghist *h);
/** Same as init. */
void vmon_loghist_reset(vmon_loghist *h);

/** Record one value. */
static inline void vmon_loghist_record_n(vmon_loghist *h, uint64_t value_ns, uint64_t n)
{
    if (value_ns > VMON_LOGHIST_MAX_NS)
        value_ns = VMON_LOGHIST_MAX_NS;
    uint32_t i = vmon_loghist_index(value_ns);
    h->buckets[i] += n;
    h->groups |= UINT64_C(1) << (i >> VMON_LOGHIST_SUB_BITS);
    h->count += n;
    h->sum_ns += value_ns * n;
    h->min_ns = value_ns < h->min_ns ? value_ns : h->min_ns;
    h->max_ns = value_ns > h->max_ns ? value_ns : h->max_ns;
}

static inline void vmon_loghist_record(vmon_loghist *h, uint64_t value_ns)
{
    vmon_loghist_record_n(h, value_ns, 1);
}

/** Add every count of `src` to `dst`. */
void vmon_loghist_merge(vmon_loghist *dst, const vmon_loghist *src);

uint64_t vmon_loghist_count(const vmon_loghist *h);
/** 0 when empty. */
double vmon_loghist_mean_ns(const vmon_loghist *h);
/** 0 when empty. */
uint64_t vmon_loghist_min_ns(const vmon_loghist *h);
uint64_t vmon_loghist_max_ns(const vmon_loghist *h);
/**
 * The q-quantile (0 <= q <= 1; q outside is clamped) within
 * VMON_LOGHIST_REL_ERROR of the exact nearest-rank quantile. 0 when empty.
 */
uint64_t vmon_loghist_quantile_ns(const vmon_loghist *h, double q);

/** Bounds of one bucket: values lower_ns .. upper_ns - 1 land in it. */
void vmon_loghist_bucket_bounds(uint32_t index, uint64_t *lower_ns, uint64_t *upper_ns);

/** One non-empty bucket, as the iterator yields it. */
typedef struct vmon_loghist_bucket {
    uint64_t lower_ns; /**< smallest value in the bucket */
    uint64_t upper_ns; /**< one past the largest value in the bucket */
    uint64_t count;
} vmon_loghist_bucket;

/** Cursor over the non-empty buckets, in increasing order. */
typedef struct vmon_loghist_iter {
    const vmon_loghist *h;
    uint32_t next; /**< bucket index to look at next */
} vmon_loghist_iter;

void vmon_loghist_iter_init(vmon_loghist_iter *it, const vmon_loghist *h);
/** Fills `out` with the next non-empty bucket; false when there is none. */
bool vmon_loghist_iter_next(vmon_loghist_iter *it, vmon_loghist_bucket *out);

#ifdef __cplusplus
}
#endif
#endif
