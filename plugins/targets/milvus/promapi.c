/*
 * Cluster mode through Prometheus: each rule of mvrules.c as a PromQL
 * instant query (sum by node_id and the rule's labels; rate() and
 * histogram_quantile() done by Prometheus over `rate_window`), read back
 * from /api/v1/query into ready figures with the same names and labels a
 * direct scrape gives.
 */
#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mv.h"
#include "mvrules.h"

typedef struct query_pass {
    const mv_rule *rule;
    const char *figure;
    double scale;
    fig_table *ready;
} query_pass;

static size_t selector(const mv_rule *r, const char *suffix, char *out, size_t n)
{
    size_t len = (size_t)snprintf(out, n, "%s%s{", r->metric, suffix);
    for (int i = 0; i < MV_MATCH_MAX && r->match[i][0] && len < n; i++)
        len += (size_t)snprintf(out + len, n - len, "%s%s%s\"%s\"", i ? "," : "", r->match[i][0],
                                strchr(r->match[i][1], '|') ? "=~" : "=", r->match[i][1]);
    if (len < n)
        len += (size_t)snprintf(out + len, n - len, "}");
    return len;
}

static void grouping(const mv_rule *r, int with_le, char *out, size_t n)
{
    size_t len = (size_t)snprintf(out, n, "node_id%s", with_le ? ",le" : "");
    for (int i = 0; i < MV_KEEP_MAX && r->keep[i] && len < n; i++)
        len += (size_t)snprintf(out + len, n - len, ",%s", r->keep[i]);
}

static int on_result(const query_pass *p, json_object *item)
{
    json_object *metric, *value;
    if (!json_object_object_get_ex(item, "metric", &metric) ||
        !json_object_object_get_ex(item, "value", &value) ||
        !json_object_is_type(value, json_type_array) || json_object_array_length(value) != 2)
        return 0;
    const char *text = json_object_get_string(json_object_array_get_idx(value, 1));
    double v = text ? strtod(text, NULL) : NAN;
    if (isnan(v) || isinf(v))
        return 0; /* histogram_quantile of no traffic */
    vmon_label l[FIG_LABELS_MAX];
    uint32_t n = 0;
    const char *node = mv_json_member_string(metric, "node_id");
    if (node)
        l[n++] = (vmon_label){"node_id", node};
    for (int i = 0; i < MV_KEEP_MAX && p->rule->keep[i]; i++) {
        const char *lv = mv_json_member_string(metric, p->rule->keep[i]);
        if (lv)
            l[n++] = (vmon_label){mv_label_rename(p->rule->keep[i]), lv};
    }
    return fig_set(p->ready, p->figure, l, n, v * p->scale);
}

static int on_answer(void *arg, long status, const char *body, size_t len, char *err, size_t errlen)
{
    query_pass *p = arg;
    json_object *root = len ? json_tokener_parse(body) : NULL, *data, *result;
    const char *st = mv_json_member_string(root, "status");
    if (!st || strcmp(st, "success") != 0 || !json_object_object_get_ex(root, "data", &data) ||
        !json_object_object_get_ex(data, "result", &result) ||
        !json_object_is_type(result, json_type_array)) {
        const char *why = mv_json_member_string(root, "error");
        snprintf(err, errlen, "prometheus_url: HTTP %ld, %s (query for %s)", status,
                 why ? why : "not a Prometheus query answer", p->figure);
        json_object_put(root);
        return status >= 500 || status == 0 ? VMON_RETRY : VMON_ERROR;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < json_object_array_length(result); i++)
        rc = on_result(p, json_object_array_get_idx(result, i));
    json_object_put(root);
    return rc == 0 ? VMON_OK : VMON_ENOMEM;
}

static int run_query(mv_ctx *c, const char *promql, query_pass *p, char *err, size_t errlen)
{
    char *q = curl_easy_escape(NULL, promql, 0);
    if (!q)
        return VMON_ENOMEM;
    char url[4096];
    snprintf(url, sizeof url, "%s/api/v1/query?query=%s", c->prometheus_url, q);
    curl_free(q);
    return mv_prom_get(c, url, on_answer, p, err, errlen);
}

static int query_rule(mv_ctx *c, const mv_rule *r, fig_table *ready, char *err, size_t errlen)
{
    char sel[512], by[160], by_le[160], promql[2048], name[96];
    long w = (long)(c->rate_window_ms / 1000);
    grouping(r, 0, by, sizeof by);
    grouping(r, 1, by_le, sizeof by_le);
    query_pass p = {r, r->figure, 1, ready};
    if (r->kind != MV_HISTOGRAM) {
        selector(r, "", sel, sizeof sel);
        snprintf(promql, sizeof promql, "sum by (%s) (%s)", by, sel);
        int rc = run_query(c, promql, &p, err, errlen);
        if (rc != VMON_OK || r->kind != MV_COUNTER || !r->rate)
            return rc;
        snprintf(promql, sizeof promql, "sum by (%s) (rate(%s[%lds]))", by, sel, w);
        p.figure = r->rate;
        return run_query(c, promql, &p, err, errlen);
    }
    selector(r, "_bucket", sel, sizeof sel);
    static const struct {
        const char *q, *suffix;
    } qs[] = {{"0.5", "_p50_ms"}, {"0.95", "_p95_ms"}, {"0.99", "_p99_ms"}};
    p.scale = r->to_ms;
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
        snprintf(promql, sizeof promql, "histogram_quantile(%s, sum by (%s) (rate(%s[%lds])))",
                 qs[i].q, by_le, sel, w);
        snprintf(name, sizeof name, "%s%s", r->figure, qs[i].suffix);
        p.figure = name;
        int rc = run_query(c, promql, &p, err, errlen);
        if (rc != VMON_OK)
            return rc;
    }
    if (!r->avg)
        return VMON_OK;
    char sum[512], count[512];
    selector(r, "_sum", sum, sizeof sum);
    selector(r, "_count", count, sizeof count);
    snprintf(promql, sizeof promql, "sum by (%s) (rate(%s[%lds])) / sum by (%s) (rate(%s[%lds]))",
             by, sum, w, by, count, w);
    p.figure = r->avg;
    return run_query(c, promql, &p, err, errlen);
}

int mv_prom_refresh(mv_ctx *c, fig_table *ready, char *err, size_t errlen)
{
    for (size_t i = 0; i < mv_n_rules; i++) {
        if (mv_rules[i].node_from_scrape)
            continue; /* process_* carry no node_id in Prometheus */
        int rc = query_rule(c, &mv_rules[i], ready, err, errlen);
        if (rc != VMON_OK)
            return rc;
    }
    return VMON_OK;
}
