/*
 * The shared metrics cache: one refresh (a /metrics scrape per endpoint,
 * or one round of Prometheus queries) serves every caller for max_age,
 * whatever their intervals. Rates come from the last two scrapes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mv.h"
#include "mvrules.h"
#include "url_redact.h"

void mv_cache_init(mv_metrics_cache *m)
{
    memset(m, 0, sizeof *m);
    pthread_mutex_init(&m->lock, NULL);
    fig_init(&m->raw_cur);
    fig_init(&m->ready);
}

void mv_cache_free(mv_metrics_cache *m)
{
    fig_free(&m->raw_cur);
    fig_free(&m->ready);
    pthread_mutex_destroy(&m->lock);
}

typedef struct scrape {
    mv_fold fold;
    const char *endpoint;
} scrape;

static int on_metrics(void *arg, long status, const char *body, size_t len, char *err,
                      size_t errlen)
{
    scrape *s = arg;
    if (status != 200) {
        snprintf(err, errlen, "%s/metrics: HTTP %ld", s->endpoint, status);
        return status >= 500 ? VMON_RETRY : VMON_ERROR;
    }
    char why[200];
    s->fold.node_id[0] = '\0';
    if (prom_parse(body, len, mv_fold_sample, &s->fold, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s/metrics: %s", s->endpoint,
                 s->fold.failed ? "out of memory" : why);
        return VMON_ERROR;
    }
    return VMON_OK;
}

/* Every endpoint into one raw table; a failed endpoint fails the refresh. */
static int scrape_all(mv_ctx *c, fig_table *raw, char *err, size_t errlen)
{
    for (size_t i = 0; i < c->n_endpoints; i++) {
        char url[1100];
        snprintf(url, sizeof url, "%s/metrics", c->endpoints[i]);
        /* Errors name the endpoint; a user:password@ in it stays out of them. */
        char *shown = vmon_url_redacted(c->endpoints[i]);
        scrape s = {.fold = {.raw = raw}, .endpoint = shown ? shown : "metrics_uri"};
        int rc = mv_get(c, url, "GET", NULL, on_metrics, &s, err, errlen);
        free(shown);
        if (rc != VMON_OK)
            return rc;
    }
    return VMON_OK;
}

static int refresh_scrape(mv_ctx *c, mv_metrics_cache *m, int64_t now, char *err, size_t errlen)
{
    fig_table raw, ready;
    fig_init(&raw);
    fig_init(&ready);
    int rc = scrape_all(c, &raw, err, errlen);
    if (rc == VMON_OK) {
        int have_prev = m->cur_ns != 0;
        double dt = have_prev ? (double)(now - m->cur_ns) / 1e9 : 0;
        if (mv_derive(&raw, have_prev ? &m->raw_cur : NULL, dt, &ready) != 0) {
            snprintf(err, errlen, "out of memory deriving the metrics");
            rc = VMON_ENOMEM;
        }
    }
    if (rc == VMON_OK) {
        fig_move(&m->raw_cur, &raw);
        fig_move(&m->ready, &ready);
        m->cur_ns = now;
    }
    fig_free(&raw);
    fig_free(&ready);
    return rc;
}

static int refresh_prometheus(mv_ctx *c, mv_metrics_cache *m, int64_t now, char *err, size_t errlen)
{
    fig_table ready;
    fig_init(&ready);
    int rc = mv_prom_refresh(c, &ready, err, errlen);
    if (rc == VMON_OK) {
        fig_move(&m->ready, &ready);
        m->cur_ns = now;
    }
    fig_free(&ready);
    return rc;
}

int mv_with_figures(mv_ctx *c, mv_figures_fn fn, void *arg, char *err, size_t errlen)
{
    mv_metrics_cache *m = &c->cache;
    pthread_mutex_lock(&m->lock);
    int64_t now = c->host->monotonic_ns();
    int fresh = m->cur_ns && now - m->cur_ns < c->max_age_ms * 1000000;
    /* A failed refresh is also kept for max_age: a dead server is not asked every call. */
    int failed_recently = m->last_rc && now - m->failed_ns < c->max_age_ms * 1000000;
    int rc;
    if (fresh && !m->last_rc)
        rc = VMON_OK;
    else if (failed_recently) {
        rc = m->last_rc;
        snprintf(err, errlen, "%s", m->last_err);
    } else {
        rc = c->source == MV_SOURCE_PROMETHEUS ? refresh_prometheus(c, m, now, err, errlen)
                                               : refresh_scrape(c, m, now, err, errlen);
        m->last_rc = rc;
        m->scrapes++;
        if (rc != VMON_OK) {
            snprintf(m->last_err, sizeof m->last_err, "%s", err);
            m->failed_ns = now;
        }
    }
    if (rc == VMON_OK)
        rc = fn(arg, &m->ready);
    pthread_mutex_unlock(&m->lock);
    return rc;
}
