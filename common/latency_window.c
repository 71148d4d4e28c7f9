/*
 * The sliding latency window. Each writer owns a ring of slots, one per
 * slice; a slot is a loghist whose fields are atomics, so that a reader may
 * load them while the owner stores (relaxed: the owner is the only writer of
 * a slot, so a load-add-store is exact and costs what plain code costs).
 *
 * A slot is tagged with its slice number + 1 (0: empty). Recycling a slot for
 * a newer slice is a seqlock: tag 0, clear, tag again; a reader that sees a
 * tag change while it read a slot does not trust what it read. A reset bumps
 * the window's generation; a writer clears all its slots when it sees a new
 * generation, then publishes the generation it belongs to, and a reader
 * skips writers still on an old one.
 *
 * Reading stays cheap however long the window: a writer publishes the slice
 * it is in, and never writes an older slot again, so every older slot is
 * sealed. The reader keeps the sum of the sealed slots of the window (under
 * its own lock, which no writer takes) and per read only adds the slots
 * sealed since, subtracts those that left the window, and merges each
 * writer's live slot. The ring holds RING_GRACE slots more than the window,
 * so a slot that left the window is still there to subtract for a while; a
 * reader that comes back later than that (or after a reset) rebuilds the sum.
 */
#include "latency_window.h"

#include <math.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_LINE 64
#define UNSET      UINT64_MAX
#define RING_GRACE 4u

typedef struct slot {
    _Atomic uint64_t tag; /* slice number + 1; 0 while empty or being cleared */
    _Atomic uint64_t errors;
    _Atomic uint64_t sum_ns;
    _Atomic uint64_t min_ns;
    _Atomic uint64_t max_ns;
    _Atomic uint64_t groups;
    _Atomic uint64_t buckets[VMON_LOGHIST_BUCKETS];
} slot;

typedef struct writer {
    alignas(CACHE_LINE) _Atomic uint64_t gen; /* generation the slots belong to */
    _Atomic uint64_t published;               /* tag of the slot in use; older ones are sealed */
    /* Private to the owning thread. */
    uint64_t own_gen;
    uint64_t cur_slice; /* slice number of `cur` */
    uint64_t cur_begin_ns;
    slot *cur;
    slot slots[];
} writer;

/* What the reader's sum holds of one slot. */
typedef struct held {
    uint64_t sealed; /* tag added to the sum; 0: none */
    uint64_t live;   /* tag to merge fresh at this read; 0: none */
    uint64_t min_ns, max_ns;
} held;

typedef struct reader {
    pthread_mutex_t mu;
    uint64_t gen; /* generation of the sum; UNSET: to rebuild */
    uint64_t errors;
    held *held; /* n_writers x n_ring */
    vmon_loghist sum;
} reader;

struct vmon_latency_window {
    uint64_t slice_ns;
    uint32_t n_slices; /* slices in the window */
    uint32_t n_ring;   /* slots per writer */
    uint32_t n_writers;
    reader *reader;
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

static size_t round_up(size_t n)
{
    return (n + CACHE_LINE - 1) & ~(size_t)(CACHE_LINE - 1);
}

static reader *new_reader(uint32_t n_writers, uint32_t n_ring)
{
    reader *r = malloc(sizeof *r);
    if (!r)
        return NULL;
    r->held = calloc((size_t)n_writers * n_ring, sizeof *r->held);
    if (!r->held) {
        free(r);
        return NULL;
    }
    pthread_mutex_init(&r->mu, NULL);
    r->gen = UNSET;
    return r;
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
    vmon_latency_window *w = aligned_alloc(CACHE_LINE, round_up(head));
    if (!w)
        return NULL;
    memset(w, 0, head);
    w->slice_ns = (uint64_t)slice_ms * 1000000u;
    w->n_slices = n_slices;
    w->n_ring = n_slices + RING_GRACE;
    w->n_writers = n_writers;
    atomic_init(&w->gen, 0);
    atomic_init(&w->start_ns, UNSET);
    w->reader = new_reader(n_writers, w->n_ring);
    if (!w->reader) {
        free(w);
        return NULL;
    }
    size_t bytes = round_up(sizeof(writer) + w->n_ring * sizeof(slot));
    for (uint32_t i = 0; i < n_writers; i++) {
        /* Zero: every tag 0 (empty), nothing published, generation 0 like the window's. */
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
    pthread_mutex_destroy(&w->reader->mu);
    free(w->reader->held);
    free(w->reader);
    free(w);
}

/* ---- the writer ---- */

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
    store(&s->sum_ns, 0);
    store(&s->min_ns, UNSET);
    store(&s->max_ns, 0);
}

/* A new generation: the writer's slots are from before a reset. */
static void adopt_generation(vmon_latency_window *w, writer *wr, uint64_t gen)
{
    for (uint32_t i = 0; i < w->n_ring; i++)
        if (load(&wr->slots[i].tag) != 0)
            clear_slot(&wr->slots[i]);
    store(&wr->published, 0);
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
    if (wr->cur && slice <= wr->cur_slice)
        return; /* the clock stepped back a little: stay in the newest slice */
    slot *s = &wr->slots[slice % w->n_ring];
    if (load(&s->tag) != slice + 1) {
        clear_slot(s);
        atomic_store_explicit(&s->tag, slice + 1, memory_order_release);
    }
    wr->cur = s;
    wr->cur_slice = slice;
    wr->cur_begin_ns = slice * w->slice_ns;
    /* Release: what was recorded in the older slots is visible with the seal. */
    atomic_store_explicit(&wr->published, slice + 1, memory_order_release);
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
    add(&s->sum_ns, latency_ns);
    uint64_t lo = load(&s->min_ns), hi = load(&s->max_ns);
    store(&s->min_ns, latency_ns < lo ? latency_ns : lo);
    store(&s->max_ns, latency_ns > hi ? latency_ns : hi);
}

/* ---- the reader ---- */

/* What one pass over a slot found. */
typedef struct slot_read {
    uint64_t count, sum_ns, errors, min_ns, max_ns, groups;
} slot_read;

/*
 * Add (sign 1) or subtract (sign -1) one slot's buckets to `h`, straight
 * from its atomics (only the groups it uses), and sum up the rest into *r.
 * The count is the sum of the buckets read, and min/max are kept inside the
 * buckets seen, so a live slot read during a record still adds up. False
 * when the slot changed slice meanwhile (what was applied is then wrong).
 */
static bool apply_slot(const slot *s, uint64_t tag, vmon_loghist *h, int sign, slot_read *r)
{
    uint32_t first = VMON_LOGHIST_BUCKETS, last = 0;
    r->count = 0;
    r->groups = load(&s->groups);
    for (uint64_t left = r->groups; left != 0; left &= left - 1) {
        uint32_t base = (uint32_t)__builtin_ctzll(left) * VMON_LOGHIST_GROUP_SIZE;
        for (uint32_t i = base; i < base + VMON_LOGHIST_GROUP_SIZE; i++) {
            uint64_t c = load(&s->buckets[i]);
            h->buckets[i] += sign > 0 ? c : -c;
            r->count += c;
            first = c && first == VMON_LOGHIST_BUCKETS ? i : first;
            last = c ? i : last;
        }
    }
    r->sum_ns = load(&s->sum_ns);
    r->min_ns = load(&s->min_ns);
    r->max_ns = load(&s->max_ns);
    r->errors = load(&s->errors);
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&s->tag, memory_order_relaxed) != tag)
        return false;
    if (r->count == 0) {
        r->min_ns = UNSET;
        r->max_ns = 0;
        return true;
    }
    uint64_t b_lo, b_hi;
    vmon_loghist_bucket_bounds(first, &b_lo, &b_hi);
    r->min_ns = r->min_ns >= b_hi ? b_lo : r->min_ns;
    vmon_loghist_bucket_bounds(last, &b_lo, &b_hi);
    r->max_ns = r->max_ns < b_lo ? b_hi - 1 : r->max_ns;
    return true;
}

/* The first slice of the window whose newest slice is `newest`. */
static uint64_t oldest_slice(const vmon_latency_window *w, uint64_t newest)
{
    return newest + 1 >= w->n_slices ? newest + 1 - w->n_slices : 0;
}

static void clear_sum(reader *r, uint64_t gen, size_t n_held)
{
    vmon_loghist_init(&r->sum);
    r->errors = 0;
    memset(r->held, 0, n_held * sizeof *r->held);
    r->gen = gen;
}

/* Bring one slot's share of the sum up to date; false if it changed under us. */
static bool reconcile_slot(reader *r, const slot *s, held *hd, uint64_t want_sealed)
{
    slot_read sr;
    if (hd->sealed != 0 && hd->sealed != want_sealed) {
        if (!apply_slot(s, hd->sealed, &r->sum, -1, &sr))
            return false;
        r->sum.count -= sr.count;
        r->sum.sum_ns -= sr.sum_ns;
        r->errors -= sr.errors;
        hd->sealed = 0;
    }
    if (want_sealed != 0 && hd->sealed != want_sealed) {
        if (!apply_slot(s, want_sealed, &r->sum, 1, &sr))
            return false;
        r->sum.groups |= sr.groups;
        r->sum.count += sr.count;
        r->sum.sum_ns += sr.sum_ns;
        r->errors += sr.errors;
        hd->sealed = want_sealed;
        hd->min_ns = sr.min_ns;
        hd->max_ns = sr.max_ns;
    }
    return true;
}

/* Make the sum hold exactly the sealed slots of [oldest, newest]; mark the live ones. */
static bool reconcile(const vmon_latency_window *w, uint64_t gen, uint64_t oldest, uint64_t newest)
{
    reader *r = w->reader;
    for (uint32_t i = 0; i < w->n_writers; i++) {
        const writer *wr = w->writers[i];
        bool current = atomic_load_explicit(&wr->gen, memory_order_acquire) == gen;
        uint64_t published = atomic_load_explicit(&wr->published, memory_order_acquire);
        for (uint32_t k = 0; k < w->n_ring; k++) {
            const slot *s = &wr->slots[k];
            held *hd = &r->held[(size_t)i * w->n_ring + k];
            uint64_t tag = atomic_load_explicit(&s->tag, memory_order_acquire);
            bool in = current && tag != 0 && tag - 1 >= oldest && tag - 1 <= newest;
            bool sealed = in && tag < published;
            hd->live = in && !sealed ? tag : 0;
            if (!reconcile_slot(r, s, hd, sealed ? tag : 0))
                return false;
        }
    }
    return true;
}

/* Subtraction leaves emptied groups flagged: drop them, so scans stay short. */
static void trim_groups(vmon_loghist *h)
{
    for (uint64_t left = h->groups; left != 0; left &= left - 1) {
        uint32_t g = (uint32_t)__builtin_ctzll(left);
        const uint64_t *b = h->buckets + (size_t)g * VMON_LOGHIST_GROUP_SIZE;
        uint64_t any = 0;
        for (uint32_t i = 0; i < VMON_LOGHIST_GROUP_SIZE; i++)
            any |= b[i];
        if (!any)
            h->groups &= ~(UINT64_C(1) << g);
    }
}

/* out = the sum + every live slot; false if a live slot changed under us. */
static bool add_live(const vmon_latency_window *w, vmon_loghist *out, uint64_t *errors)
{
    const reader *r = w->reader;
    vmon_loghist_init(out);
    vmon_loghist_merge(out, &r->sum);
    *errors = r->errors;
    for (size_t j = 0; j < (size_t)w->n_writers * w->n_ring; j++) {
        const held *hd = &r->held[j];
        if (hd->sealed) {
            out->min_ns = hd->min_ns < out->min_ns ? hd->min_ns : out->min_ns;
            out->max_ns = hd->max_ns > out->max_ns ? hd->max_ns : out->max_ns;
        }
        if (!hd->live)
            continue;
        const slot *s = &w->writers[j / w->n_ring]->slots[j % w->n_ring];
        slot_read sr;
        if (!apply_slot(s, hd->live, out, 1, &sr))
            return false;
        out->groups |= sr.groups;
        out->count += sr.count;
        out->sum_ns += sr.sum_ns;
        out->min_ns = sr.min_ns < out->min_ns ? sr.min_ns : out->min_ns;
        out->max_ns = sr.max_ns > out->max_ns ? sr.max_ns : out->max_ns;
        *errors += sr.errors;
    }
    return true;
}

/*
 * The window as of now_ns: merged histogram, errors, and its start (UNSET if
 * none). A slot changes under the reader only when a writer's clock is a
 * whole ring ahead of `now_ns`; the sum is then rebuilt (a few times at most:
 * a writer recycles a slot once per slice).
 */
static uint64_t collect(const vmon_latency_window *w, uint64_t now_ns, vmon_loghist *out,
                        uint64_t *errors)
{
    uint64_t gen = atomic_load_explicit(&w->gen, memory_order_acquire);
    uint64_t start = atomic_load_explicit(&w->start_ns, memory_order_acquire);
    vmon_loghist_init(out);
    *errors = 0;
    if (start == UNSET)
        return UNSET;
    uint64_t newest = now_ns / w->slice_ns;
    uint64_t oldest = oldest_slice(w, newest);
    reader *r = w->reader;
    size_t n_held = (size_t)w->n_writers * w->n_ring;
    pthread_mutex_lock(&r->mu);
    for (int attempt = 0; attempt < 4; attempt++) {
        if (r->gen != gen || attempt > 0)
            clear_sum(r, gen, n_held);
        if (!reconcile(w, gen, oldest, newest))
            continue;
        trim_groups(&r->sum);
        if (add_live(w, out, errors))
            break;
    }
    pthread_mutex_unlock(&r->mu);
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
