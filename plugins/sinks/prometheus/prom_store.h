/*
 * What the prometheus sink exports: the latest value of every series its
 * pipelines handed it, vmond's firing alerts, and its own counts, written as
 * one Prometheus text exposition (0.0.4).
 *
 * - Updates and renders take one lock: a reading is applied whole before a
 *   render can see it, so a scrape never shows half of one.
 * - A series goes away when its source (`probe:sys`, `vmon`) has not
 *   updated it for two of that source's intervals, measured as the longer
 *   of the last two gaps between the source's readings (at least 1 s);
 *   until a source's second reading, after `stale_after_ms`.
 * - At most `max_series` sample series: a sample of a new series past it is
 *   dropped, counted (vmon_prometheus_dropped_samples_total{reason=
 *   "max_series"}) and logged once per family. A sample whose family already
 *   has another type, or whose name collides with a histogram's part or the
 *   sink's own names, is dropped the same way with reason "type_conflict".
 * - Firing alerts are the gauge family vmon_alerts_firing{rule, severity,
 *   the alert's labels but alertname} = 1; a resolution removes the series.
 * - The tuning loop's events become the vmon_tuning_* families per pipeline
 *   and collection (prom_events.c): the parameters of arm A (and of B while
 *   an experiment runs), the arms' weights, the experiment's state and step,
 *   the last baseline, verdicts and events by kind. They are the loop's state
 *   as of its last decision, so they never go stale; they count in
 *   max_series as sample series do.
 */
#ifndef VMON_PROM_STORE_H
#define VMON_PROM_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <vmon/alert.h>
#include <vmon/event.h>
#include <vmon/sample.h>

#define PROM_MAX_SERIES_DEFAULT     10000
#define PROM_STALE_AFTER_DEFAULT_MS ((int64_t)2 * 60 * 1000)
/** A source's interval is never taken shorter than this. */
#define PROM_MIN_INTERVAL_MS 1000
/** Families named in "dropped" log lines; past it one more line says so. */
#define PROM_LOGGED_FAMILIES_MAX 1024

enum { PROM_DROP_MAX_SERIES, PROM_DROP_TYPE_CONFLICT, PROM_DROP_REASONS };

typedef void (*prom_log_fn)(void *arg, const char *message);

typedef struct prom_store_cfg {
    uint32_t max_series;    /**< 0: PROM_MAX_SERIES_DEFAULT */
    int64_t stale_after_ms; /**< 0: PROM_STALE_AFTER_DEFAULT_MS */
    prom_log_fn log;        /**< warnings (drops); may be NULL */
    void *log_arg;
} prom_store_cfg;

typedef struct prom_store prom_store;

/** A new empty store, or NULL without memory. */
prom_store *prom_store_new(const prom_store_cfg *cfg);
void prom_store_free(prom_store *s);

/** Apply one reading of `source` (its samples' types as the core checked them), at `now_ms`. */
void prom_store_update(prom_store *s, const char *source, const vmon_sample *samples, uint32_t n,
                       int64_t now_ms);

/** A firing alert is added (or replaced, by fingerprint), a resolved one removed. */
void prom_store_alert(prom_store *s, const vmon_alert *a);

/** Apply one event of the tuning loop (vmon_tuning_* families), at `now_ms`. */
void prom_store_event(prom_store *s, const vmon_event *e, int64_t now_ms);

/**
 * The exposition at `now_ms` (stale series removed first): a malloc'd,
 * NUL-terminated text of *len bytes, or NULL without memory.
 */
char *prom_store_render(prom_store *s, int64_t now_ms, size_t *len);

/** Sample series held now (alerts not counted). */
size_t prom_store_series(prom_store *s);
/** Samples dropped so far for `reason` (PROM_DROP_*). */
uint64_t prom_store_dropped(prom_store *s, int reason);

#endif
