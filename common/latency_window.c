/*
 * The sliding latency window. Each writer owns a ring of slots, one per
 * slice; a slot is a loghist whose fields are atomics, so that a reader may
 * load them while the owner stores (relaxed: the owner is the only writer of
 * a slot, so a load-add-store is exact and costs what plain code costs).
 *
 * A slot is tagged with its slice number + 1 (0: empty). Recycling a slot for
 * a newer slice is a seqlock: tag 0, clear, tag again; a reader that sees the
 * tag change while it copied drops its copy (that slice is leaving the
 * window anyway). A reset bumps the window's generation; a writer clears all
 * its slots when it sees a new generation, then publishes the generation it
 * belongs to, and a reader skips writers still on an old one.
 */
#include "latency_window.h"

#include <math.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_LINE 64
#define UNSET      UINT64_MAX

typedef struct slot {
    _Atomic uint64_t tag; /* slice number + 1; 0 while empty or being cleared */
    _Atomic uint64_t errors;
    _Atomic uint64_t count;
    _Atomic uint64_t sum_ns;
    _Atomic uint64_t min_ns;
    _Atomic uint64_t max_ns;
    _Atomic uint64_t groups;
    _Atomic uint64_t buckets[VMON_LOGHIST_BUCKETS];
} slot;

typedef struct writer {
    alignas(CACHE_LINE) _Atomic uint64_t gen; /* generation the slots belong to */
    /* Private to the owning thread. */
    uint64_t own_gen;
    uint64_t cur_slice; /* slice number of `cur` */
    uint64_t cur_begin_ns;
    slot *cur;
    slot slots[];
} writer;

struct vmon_latency_window {
    uint64_t slice_ns;
    uint32_t n_slices;
    uint32_t n_writers;
    alignas(CACHE_LINE) _Atomic uint64_t gen;
    _Atomic uint64_t start_ns; /* UNSET until the first record or a reset */
    writer *writers[];
};

static inline uint64_t load(const _Atomic uint64_t *p)
{
    return atomic_load_explicit(p, memory_order_relaxed);
}

static inline void store(_Atomic uint64_t *p, uint64_t v)
{
    atomic_store_explicit(p, v, memory_order_relaxed);
}

static inline void add(_Atomic uint64_t *p, uint64_t n)
{
    store(p, load(p) + n);
}

vmon_latency_window *vmon_latency_window_new(uint32_t window_ms, uint32_t slice_ms,
                                             uint32_t n_writers)
{
    if (window_ms == 0 || slice_ms == 0 || slice_ms > window_ms || n_writers == 0 ||
        n_writers > VMON_LATENCY_WINDOW_MAX_WRITERS)
        return NULL;
    uint32_t n_slices = (window_ms + slice_ms - 1) / slice_ms;
    if (n_slices > VMON_LATENCY_WINDOW_MAX_SLICES)
        return NULL;
    size_t head = sizeof(vmon_latency_window) + n_writers * sizeof(writer *);
    vmon_latency_window *w = aligned_alloc(CACHE_LINE, (head + CACHE_LINE - 1) & ~(size_t)63);
    if (!w)
        return NULL;
    memset(w, 0, head);
    w->slice_ns = (uint64_t)slice_ms * 1000000u;
    w->n_slices = n_slices;
    w->n_writers = n_writers;
    atomic_init(&w->gen, 0);
    atomic_init(&w->start_ns, UNSET);
    size_t bytes = sizeof(writer) + n_slices * sizeof(slot);
    bytes = (bytes + CACHE_LINE - 1) & ~(size_t)(CACHE_LINE - 1);
    for (uint32_t i = 0; i < n_writers; i++) {
        /* calloc-like: every tag 0 (empty), generation 0 like the window's. */
        w->writers[i] = aligned_alloc(CACHE_LINE, bytes);
        if (!w->writers[i]) {
            vmon_latency_window_free(w);
            return NULL;
        }
        memset(w->writers[i], 0, bytes);
    }
    return w;
}

void vmon_latency_window_free(vmon_latency_window *w)
{
    if (!w)
        return;
    for (uint32_t i = 0; i < w->n_writers; i++)
        free(w->writers[i]);
    free(w);
}

static void clear_slot(slot *s)
{
    store(&s->tag, 0);
    atomic_thread_fence(memory_order_release);
    for (uint64_t groups = load(&s->groups); groups != 0; groups &= groups - 1) {
        uint32_t g = (uint32_t)__builtin_ctzll(groups);
        for (uint32_t i = 0; i < VMON_LOGHIST_GROUP_SIZE; i++)
            store(&s->buckets[g * VMON_LOGHIST_GROUP_SIZE + i], 0);
    }
    store(&s->groups, 0);
    store(&s->errors, 0);
    store(&s->count, 0);
    store(&s->sum_ns, 0);
    store(&s->min_ns, UNSET);
    store(&s->max_ns, 0);
}

/* A new generation: the writer's slots are from before a reset. */
static void adopt_generation(vmon_latency_window *w, writer *wr, uint64_t gen)
{
    for (uint32_t i = 0; i < w->n_slices; i++)
        if (load(&wr->slots[i].tag) != 0)
            clear_slot(&wr->slots[i]);
    wr->own_gen = gen;
    wr->cur = NULL;
    atomic_store_explicit(&wr->gen, gen, memory_order_release);
}

/* Slow path, once per slice per writer: point `cur` at the slot of now_ns. */
static void enter_slice(vmon_latency_window *w, writer *wr, uint64_t now_ns, uint64_t gen)
{
    if (gen != wr->own_gen)
        adopt_generation(w, wr, gen);
    uint64_t unset = UNSET;
    if (load(&w->start_ns) == UNSET)
        atomic_compare_exchange_strong(&w->start_ns, &unset, now_ns);
    uint64_t slice = now_ns / w->slice_ns;
    if (wr->cur && slice < wr->cur_slice)
        return; /* the clock stepped back a little: stay in the newest slice */
    slot *s = &wr->slots[slice % w->n_slices];
    if (load(&s->tag) != slice + 1) {
        clear_slot(s);
        atomic_store_explicit(&s->tag, slice + 1, memory_order_release);
    }
    wr->cur = s;
    wr->cur_slice = slice;
    wr->cur_begin_ns = slice * w->slice_ns;
}

void vmon_latency_window_record(vmon_latency_window *w, uint32_t writer_index, uint64_t now_ns,
                                uint64_t latency_ns, bool ok)
{
    if (writer_index >= w->n_writers)
        return;
    writer *wr = w->writers[writer_index];
    uint64_t gen = load(&w->gen);
    /* Unsigned: a clock before the slice also takes the slow path. */
    if (!wr->cur || gen != wr->own_gen || now_ns - wr->cur_begin_ns >= w->slice_ns)
        enter_slice(w, wr, now_ns, gen);
    slot *s = wr->cur;
    if (!ok) {
        add(&s->errors, 1);
        return;
    }
    if (latency_ns > VMON_LOGHIST_MAX_NS)
        latency_ns = VMON_LOGHIST_MAX_NS;
    uint32_t i = vmon_loghist_index(latency_ns);
    add(&s->buckets[i], 1);
    store(&s->groups, load(&s->groups) | UINT64_C(1) << (i >> VMON_LOGHIST_SUB_BITS));
    add(&s->count, 1);
    add(&s->sum_ns, latency_ns);
    uint64_t lo = load(&s->min_ns), hi = load(&s->max_ns);
    store(&s->min_ns, latency_ns < lo ? latency_ns : lo);
    store(&s->max_ns, latency_ns > hi ? latency_ns : hi);
}

/*
 * Copy one slot into `tmp` (only the groups it uses: `tmp` need not be
 * cleared). False when the slot changed slice meanwhile. The count is the
 * sum of the buckets copied, and min/max are kept inside the buckets seen,
 * so a copy taken during a record is still self-consistent.
 */
static bool copy_slot(const slot *s, uint64_t tag, vmon_loghist *tmp, uint64_t *errors)
{
    uint64_t count = 0, first = UNSET, last = 0;
    tmp->groups = load(&s->groups);
    for (uint64_t groups = tmp->groups; groups != 0; groups &= groups - 1) {
        uint32_t base = (uint32_t)__builtin_ctzll(groups) * VMON_LOGHIST_GROUP_SIZE;
        for (uint32_t i = base; i < base + VMON_LOGHIST_GROUP_SIZE; i++) {
            uint64_t c = load(&s->buckets[i]);
            tmp->buckets[i] = c;
            count += c;
            first = c && first == UNSET ? i : first;
            last = c ? i : last;
        }
    }
    tmp->count = count;
    tmp->sum_ns = load(&s->sum_ns);
    tmp->min_ns = load(&s->min_ns);
    tmp->max_ns = load(&s->max_ns);
    *errors = load(&s->errors);
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&s->tag, memory_order_relaxed) != tag)
        return false;
    if (count == 0) {
        tmp->min_ns = UNSET;
        tmp->max_ns = 0;
        return true;
    }
    uint64_t lo, hi;
    vmon_loghist_bucket_bounds((uint32_t)first, &lo, &hi);
    if (tmp->min_ns >= hi)
        tmp->min_ns = lo;
    vmon_loghist_bucket_bounds((uint32_t)last, &lo, &hi);
    if (tmp->max_ns < lo)
        tmp->max_ns = hi - 1;
    return true;
}

/* The first slice of the window whose newest slice is `newest`. */
static uint64_t oldest_slice(const vmon_latency_window *w, uint64_t newest)
{
    return newest + 1 >= w->n_slices ? newest + 1 - w->n_slices : 0;
}

/* The window as of now_ns: merged histogram, errors, and its start (UNSET if none). */
static uint64_t collect(const vmon_latency_window *w, uint64_t now_ns, vmon_loghist *out,
                        uint64_t *errors)
{
    vmon_loghist_init(out);
    *errors = 0;
    uint64_t gen = atomic_load_explicit(&w->gen, memory_order_acquire);
    uint64_t start = atomic_load_explicit(&w->start_ns, memory_order_acquire);
    if (start == UNSET)
        return UNSET;
    uint64_t newest = now_ns / w->slice_ns;
    uint64_t oldest = oldest_slice(w, newest);
    vmon_loghist tmp; /* never cleared: copy_slot fills the groups it uses */
    for (uint32_t i = 0; i < w->n_writers; i++) {
        const writer *wr = w->writers[i];
        if (atomic_load_explicit(&wr->gen, memory_order_acquire) != gen)
            continue; /* has not recorded since the reset */
        for (uint32_t k = 0; k < w->n_slices; k++) {
            const slot *s = &wr->slots[k];
            uint64_t tag = atomic_load_explicit(&s->tag, memory_order_acquire);
            uint64_t slot_errors;
            if (tag == 0 || tag - 1 < oldest || tag - 1 > newest)
                continue;
            if (!copy_slot(s, tag, &tmp, &slot_errors))
                continue;
            vmon_loghist_merge(out, &tmp);
            *errors += slot_errors;
        }
    }
    return start;
}

void vmon_latency_window_merged(const vmon_latency_window *w, uint64_t now_ns, vmon_loghist *out)
{
    uint64_t errors;
    collect(w, now_ns, out, &errors);
}

static double quantile_ms(const vmon_loghist *h, double q)
{
    return (double)vmon_loghist_quantile_ns(h, q) / 1e6;
}

void vmon_latency_window_read(const vmon_latency_window *w, uint64_t now_ns,
                              vmon_latency_summary *out)
{
    vmon_loghist h;
    uint64_t errors;
    uint64_t start = collect(w, now_ns, &h, &errors);
    memset(out, 0, sizeof *out);
    out->count = h.count + errors;
    out->errors = errors;
    out->mean_ms = out->p50_ms = out->p95_ms = out->p99_ms = out->qps = NAN;
    if (h.count) {
        out->mean_ms = vmon_loghist_mean_ns(&h) / 1e6;
        out->p50_ms = quantile_ms(&h, 0.50);
        out->p95_ms = quantile_ms(&h, 0.95);
        out->p99_ms = quantile_ms(&h, 0.99);
    }
    if (start == UNSET)
        return;
    uint64_t newest = now_ns / w->slice_ns;
    uint64_t window_begin = oldest_slice(w, newest) * w->slice_ns;
    uint64_t begin = start > window_begin ? start : window_begin;
    out->full = start <= window_begin && newest + 1 >= w->n_slices;
    out->covered_ms = now_ns > begin ? (double)(now_ns - begin) / 1e6 : 0.0;
    if (out->covered_ms > 0)
        out->qps = (double)h.count * 1000.0 / out->covered_ms;
}

void vmon_latency_window_reset(vmon_latency_window *w, uint64_t now_ns)
{
    atomic_store_explicit(&w->start_ns, now_ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&w->gen, 1, memory_order_release);
}
