/*
 * Per-key history kept between readings of one probe instance: counter
 * rates (the difference of successive totals) and linear trends over a
 * time window (least squares), for forecasts. One probe instance's collect
 * runs on one thread, so a table needs no lock.
 */
#ifndef VMON_PROBE_SERIES_H
#define VMON_PROBE_SERIES_H

#include <stddef.h>

typedef struct series_entry {
    char *key;
    double *t, *v; /* points in time order; rates keep only the last */
    size_t n, cap;
} series_entry;

typedef struct series_table {
    series_entry *e;
    size_t n, cap;
} series_table;

/**
 * Per-second increase of a counter since the previous call with `key`; NaN
 * on the first call or when no time passed. A counter that went down was
 * restarted: its new value is the increase since the restart.
 */
double series_rate(series_table *t, const char *key, double total, double now_s);

/**
 * Add a point and return the least-squares slope (units per second) of the
 * points of the last `window_s` seconds; NaN with fewer than 3 points or
 * when they span less than a tenth of the window.
 */
double series_trend(series_table *t, const char *key, double value, double now_s, double window_s);

/** Add `delta` to the running total under `key` (0 at first) and return the new total. */
double series_add(series_table *t, const char *key, double delta);

void series_free(series_table *t);

#endif
