/*
 * Which measurements still count. A trial is stale when the collection has
 * grown or shrunk by more than `stale_rows` since, and every earlier trial is
 * stale once a re-measurement of the same value disagrees with the old one by
 * TUNER_SHIFT_FACTOR in p95 or by more than both recall intervals allow: the
 * curve itself moved (compaction, new data, a busier node).
 */
#include "history.h"

#include <math.h>
#include <string.h>

static int usable(const tuner_config *cfg, const vmon_tuning_trial *t, const knob_range *r,
                  uint64_t rows)
{
    uint32_t x = knob_get(cfg->knob, &t->params);
    if (x < r->lo || x > r->hi || (t->params.top_k && t->params.top_k != r->top_k))
        return 0;
    if (!(t->figures.p95_ms >= 0) || t->figures.samples == 0)
        return 0;
    if (rows && t->rows) {
        double drift = fabs((double)t->rows - (double)rows) / (double)rows;
        if (drift > cfg->stale_rows)
            return 0;
    }
    return 1;
}

static tune_point point_of(const tuner_config *cfg, const vmon_tuning_trial *t)
{
    const vmon_arm_figures *f = &t->figures;
    int has_recall = f->recall_queries > 0 && f->recall >= 0;
    tune_point p = {.x = knob_get(cfg->knob, &t->params),
                    .p95_ms = f->p95_ms,
                    .recall = has_recall ? f->recall : NAN,
                    .recall_low = has_recall ? f->recall_low : NAN};
    return p;
}

static int disagrees(const tune_point *old, const tune_point *now, const vmon_arm_figures *f)
{
    double r = old->p95_ms > 0 ? now->p95_ms / old->p95_ms : 1;
    if (r > TUNER_SHIFT_FACTOR || r < 1 / TUNER_SHIFT_FACTOR)
        return 1;
    if (isnan(old->recall) || isnan(now->recall))
        return 0;
    /* Both 95% intervals apart: the recall moved, not the sample. */
    double half_now = f->recall - f->recall_low, half_old = old->recall - old->recall_low;
    return fabs(now->recall - old->recall) > half_now + half_old + 0.005;
}

static void insert_sorted(tune_point *pts, unsigned *n, tune_point p)
{
    unsigned i = *n;
    while (i > 0 && pts[i - 1].x > p.x) {
        pts[i] = pts[i - 1];
        i--;
    }
    pts[i] = p;
    (*n)++;
}

unsigned history_points(const tuner_config *cfg, const vmon_tuning_input *in, const knob_range *r,
                        tune_point *pts)
{
    unsigned n = 0;
    uint64_t rows = in->facts->row_count;
    for (uint32_t i = 0; in->history && i < in->n_history; i++) {
        const vmon_tuning_trial *t = &in->history[i];
        if (!usable(cfg, t, r, rows))
            continue;
        tune_point p = point_of(cfg, t);
        tune_point *old = (tune_point *)history_find(pts, n, p.x);
        if (old && disagrees(old, &p, &t->figures))
            n = 0; /* the curve moved: start over from this trial */
        else if (old) {
            *old = p; /* the newer measurement of the same value */
            continue;
        }
        if (n < TUNER_MAX_POINTS)
            insert_sorted(pts, &n, p);
    }
    return n;
}

const tune_point *history_find(const tune_point *pts, unsigned n, uint32_t x)
{
    for (unsigned i = 0; i < n; i++)
        if (pts[i].x == x)
            return &pts[i];
    return NULL;
}
