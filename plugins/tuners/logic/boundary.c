/*
 * Bracketing with interpolation. p95 is close to affine in the knob (IVF
 * scans nprobe lists; HNSW visits about ef nodes), so it is interpolated
 * linearly, with (0, 0) as the second point when only one is known. Recall
 * approaches 1 like a power law, so -log(1 - recall) is interpolated against
 * log(x). Inside a bracket the two values around the prediction are measured
 * together: when the prediction is right, that pins the boundary in one
 * round.
 */
#include "boundary.h"

#include <math.h>

/* How much a p95 measured over a few hundred queries wanders (fraction). */
#define BOUNDARY_P95_NOISE 0.03

static int passes(boundary_kind kind, double threshold, const tune_point *p)
{
    if (kind == BOUNDARY_LATENCY)
        return p->p95_ms <= threshold;
    return p->recall_low >= threshold; /* NaN (not measured) fails: the floor is not shown */
}

static double fy(boundary_kind kind, const tune_point *p)
{
    if (kind == BOUNDARY_LATENCY)
        return p->p95_ms;
    double r = p->recall_low < 0.999999 ? p->recall_low : 0.999999;
    return -log(1 - (r > 0 ? r : 0));
}

static double fx(boundary_kind kind, double x)
{
    return kind == BOUNDARY_LATENCY ? x : log(x);
}

static double fx_inv(boundary_kind kind, double u)
{
    return kind == BOUNDARY_LATENCY ? u : exp(u);
}

static double fthreshold(boundary_kind kind, double t)
{
    if (kind == BOUNDARY_LATENCY)
        return t;
    return -log(1 - (t < 0.999999 ? t : 0.999999));
}

/* x where the line through (x1, y1), (x2, y2) reaches y (transformed space). */
static double secant(boundary_kind kind, double x1, double y1, double x2, double y2, double y)
{
    double u1 = fx(kind, x1), u2 = fx(kind, x2);
    if (!(fabs(y2 - y1) > 1e-12))
        return NAN;
    return fx_inv(kind, u1 + (y - y1) * (u2 - u1) / (y2 - y1));
}

/* The split: with the low side passing (latency) the fail nearest from above
 * defines the side, and the pass is the largest point below it; mirrored for
 * recall. */
static void split(boundary_kind kind, double t, const tune_point *pts, unsigned n, boundary *b)
{
    b->pass = b->fail = NULL;
    if (kind == BOUNDARY_LATENCY) {
        for (unsigned i = 0; i < n && !b->fail; i++)
            if (!passes(kind, t, &pts[i]))
                b->fail = &pts[i];
        for (unsigned i = 0; i < n; i++)
            if ((!b->fail || pts[i].x < b->fail->x) && passes(kind, t, &pts[i]))
                b->pass = &pts[i];
        return;
    }
    for (unsigned i = n; i-- > 0 && !b->fail;)
        if (!passes(kind, t, &pts[i]))
            b->fail = &pts[i];
    for (unsigned i = n; i-- > 0;)
        if ((!b->fail || pts[i].x > b->fail->x) && passes(kind, t, &pts[i]))
            b->pass = &pts[i];
}

/* The second-nearest point on the same side as `p`, for extrapolation. */
static const tune_point *neighbour(const tune_point *pts, unsigned n, const tune_point *p,
                                   int toward_low)
{
    const tune_point *best = NULL;
    for (unsigned i = 0; i < n; i++) {
        if (toward_low ? pts[i].x < p->x && (!best || pts[i].x > best->x)
                       : pts[i].x > p->x && (!best || pts[i].x < best->x))
            best = &pts[i];
    }
    return best;
}

/* Predicted crossing from one side only. */
static double extrapolate(boundary_kind kind, double t, const tune_point *pts, unsigned n,
                          const tune_point *p, int upward)
{
    double y = fthreshold(kind, t);
    const tune_point *q = neighbour(pts, n, p, upward);
    double x = NAN;
    if (q)
        x = secant(kind, q->x, fy(kind, q), p->x, fy(kind, p), y);
    else if (kind == BOUNDARY_LATENCY && p->p95_ms > 0)
        x = p->x * t / p->p95_ms; /* through the origin */
    if (!(x > 0))                 /* no slope, or a wrong one from noise */
        x = upward ? p->x * 2.0 : p->x / 2.0;
    /* At most a factor 4 per round: a wild slope should not jump the range. */
    double lim = upward ? p->x * 4.0 : p->x / 4.0;
    return upward ? fmin(x, lim) : fmax(x, lim);
}

static void add_next(boundary *b, uint32_t x, const knob_range *r)
{
    if (x < r->lo || x > r->hi)
        return;
    if ((b->pass && b->pass->x == x) || (b->fail && b->fail->x == x))
        return;
    if (b->n_next && b->next[0] == x)
        return;
    b->next[b->n_next++] = x;
}

/* The interpolated crossing of `t`, floored into [lo, hi - 1]. */
static uint32_t inside(boundary_kind kind, const tune_point *lo, const tune_point *hi, double t)
{
    double x = secant(kind, lo->x, fy(kind, lo), hi->x, fy(kind, hi), fthreshold(kind, t));
    if (!(x >= lo->x && x <= hi->x))
        x = (lo->x + hi->x) / 2.0;
    uint32_t m = (uint32_t)floor(x);
    if (m < lo->x)
        m = lo->x;
    return m > hi->x - 1 ? hi->x - 1 : m;
}

static void bracketed(boundary_kind kind, double t, const knob_range *r, boundary *b)
{
    const tune_point *lo = kind == BOUNDARY_LATENCY ? b->pass : b->fail;
    const tune_point *hi = kind == BOUNDARY_LATENCY ? b->fail : b->pass;
    if (hi->x - lo->x <= 1) {
        b->resolved = 1;
        return;
    }
    uint32_t m = inside(kind, lo, hi, t);
    if (kind == BOUNDARY_LATENCY) {
        /* One value at the target and one a noise margin under it, so that a
         * pair straddling the boundary still leaves a pass close to it when
         * noise pushes both p95 figures up. */
        uint32_t safe = inside(kind, lo, hi, t * (1 - BOUNDARY_P95_NOISE));
        if (safe < m) {
            add_next(b, safe, r);
            add_next(b, m, r);
            return;
        }
    }
    add_next(b, m, r);
    add_next(b, m + 1, r);
}

static void one_sided(boundary_kind kind, double t, const tune_point *pts, unsigned n,
                      const knob_range *r, boundary *b)
{
    const tune_point *low_side = kind == BOUNDARY_LATENCY ? b->pass : b->fail;
    const tune_point *p = low_side ? low_side : (b->pass ? b->pass : b->fail);
    int upward = low_side != NULL;
    if ((upward && p->x >= r->hi) || (!upward && p->x <= r->lo)) {
        b->resolved = 1; /* the range ends before the boundary */
        return;
    }
    double x = extrapolate(kind, t, pts, n, p, upward);
    uint32_t v = upward ? (x < p->x + 1.0 ? p->x + 1 : knob_clamp(r, floor(x)))
                        : (x > p->x - 1.0 ? p->x - 1 : knob_clamp(r, ceil(x)));
    add_next(b, v, r);
}

void boundary_locate(boundary_kind kind, double threshold, const tune_point *pts, unsigned n,
                     const knob_range *r, boundary *b)
{
    b->resolved = 0;
    b->n_next = 0;
    split(kind, threshold, pts, n, b);
    if (!b->pass && !b->fail)
        return; /* nothing measured: the caller picks the first value */
    if (b->pass && b->fail)
        bracketed(kind, threshold, r, b);
    else
        one_sided(kind, threshold, pts, n, r, b);
}
