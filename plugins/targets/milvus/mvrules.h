/*
 * Which Milvus metrics become which vmon figures. One table drives both
 * sources: a direct scrape of /metrics (folded here, rates and quantiles
 * from the difference of two scrapes) and a Prometheus server (the same
 * rules written as PromQL in promapi.c). Labels are matched by name, so
 * label sets that grew across Milvus versions (2.3 -> 2.5) still match.
 */
#ifndef VMON_MILVUS_MVRULES_H
#define VMON_MILVUS_MVRULES_H

#include <stdint.h>

#include "figtab.h"
#include "promtext.h"

typedef enum mv_kind {
    MV_GAUGE,
    MV_COUNTER,   /* the total, and `rate` per second between scrapes */
    MV_HISTOGRAM, /* `<figure>_p50_ms`, `_p95_ms`, `_p99_ms`, and `avg` */
} mv_kind;

#define MV_MATCH_MAX 2
#define MV_KEEP_MAX  3

typedef struct mv_rule {
    const char *metric; /* the Milvus name (a histogram's base name) */
    mv_kind kind;
    const char *figure;
    const char *rate; /* counters: the per-second figure, or NULL */
    const char *avg;  /* histograms: the mean figure in ms, or NULL */
    /* label = value filters; a value may list alternatives: "success|finished" */
    const char *match[MV_MATCH_MAX][2];
    const char *keep[MV_KEEP_MAX]; /* Milvus labels carried over (renamed by mv_label_rename) */
    double to_ms;                  /* histograms: factor from the metric's unit to ms */
    int node_from_scrape;          /* process_* figures: node_id of the scraped process */
} mv_rule;

extern const mv_rule mv_rules[];
extern const size_t mv_n_rules;

/** The vmon label name for a Milvus label (`collection_name` -> `collection`). */
const char *mv_label_rename(const char *milvus_label);
/** Does `value` equal one of the '|'-separated alternatives in `pattern`? */
int mv_match_value(const char *pattern, const char *value);

/** Folds one scrape's samples into raw figures (counters, gauges, buckets). */
typedef struct mv_fold {
    fig_table *raw;
    char node_id[32]; /* the first querynode node_id seen: who this process is */
    int failed;
} mv_fold;

/** A prom_sample_fn with an mv_fold as its argument. */
int mv_fold_sample(void *fold, const prom_sample *s);

/**
 * Ready figures from the raw ones: gauges and totals copied, rates and
 * quantiles from the difference with `prev` taken `dt_s` seconds before
 * (a counter that went down was reset: its new value is the increase).
 * Without `prev`, quantiles cover everything since the process started and
 * no rates are given. Returns 0 or -1 (memory).
 */
int mv_derive(const fig_table *cur, const fig_table *prev, double dt_s, fig_table *ready);

/** histogram_quantile over `n` buckets sorted by `le` (cumulative counts). NaN when empty. */
double mv_quantile(double q, const double *le, const double *cum, size_t n);

#endif
