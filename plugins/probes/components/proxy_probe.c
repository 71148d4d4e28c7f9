/*
 * probe `proxy`: what a client sees of the database's front door.
 *  - target_up from one health call per reading; connection latency:
 *    avg/min/max of `health_checks` connection checks (report("connect"):
 *    one request to the proxy on a new connection; health calls on targets
 *    without it);
 *  - search latency avg/p95/p99 over `searches` single-query searches with
 *    real query vectors of the collection's dimension (the target's
 *    sample_queries, else seeded random vectors);
 *  - request and failure rates from the target's own counters, per proxy
 *    node (`node_id`, as querynode.search_qps is per query node) and
 *    collection, each node's counter diffed only against itself; the
 *    probe's own searches are taken out of a collection's total and spread
 *    over the nodes in proportion to their traffic (which proxy served
 *    them is not known);
 *  - opt-in: recall of the production search parameters against an
 *    exhaustive setting (nprobe = nlist, or a high ef), rate-limited.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component.h"
#include "search_util.h"
#include "series.h"

/* One proxy node's search rate of one collection, held until the reading's own searches are known.
 */
typedef struct node_rate {
    char coll[256], node[32];
    double rate;
} node_rate;

typedef struct proxy_probe {
    component_probe c;
    uint32_t health_checks, searches, top_k, nprobe, ef;
    int recall;
    double recall_interval_s, last_recall_s;
    uint32_t recall_queries, recall_ef, recall_nprobe;
    int warned_nlist;        /* the "nlist unknown" warning was given */
    int connect_unsupported; /* the target has no report("connect"): health calls are timed */
    uint64_t reading;
    series_table rates;
    series_table own; /* searches the probe itself made, per collection, since it started */
    node_rate *pend;  /* this reading's search rates per node and collection */
    size_t n_pend, cap_pend;
    double now_s; /* when this reading's counters were read */
} proxy_probe;

static const vmon_option options[] = {
    COMPONENT_COMMON_OPTIONS,
    {.key = "health_checks",
     .type = VMON_OPT_INT,
     .flags = VMON_OPT_RANGE,
     .default_value = "5",
     .min = 1,
     .max = 100,
     .help = "connection checks timed per reading (connection latency avg/min/max)"},
    {.key = "searches",
     .type = VMON_OPT_INT,
     .flags = VMON_OPT_RANGE,
     .default_value = "10",
     .min = 0,
     .max = 10000,
     .help = "single-query searches timed per collection and reading (0: none)"},
    {.key = "top_k",
     .type = VMON_OPT_INT,
     .flags = VMON_OPT_RANGE,
     .default_value = "10",
     .min = 1,
     .max = 1024,
     .help = "neighbours per search"},
    {.key = "nprobe",
     .type = VMON_OPT_INT,
     .flags = VMON_OPT_RANGE,
     .default_value = "0",
     .min = 0,
     .max = 65536,
     .help = "IVF lists probed by the timed searches (the production setting); 0: the "
             "target's default"},
    {.key = "ef",
     .type = VMON_OPT_INT,
     .flags = VMON_OPT_RANGE,
     .default_value = "0",
     .min = 0,
     .max = 32768,
     .help = "HNSW breadth of the timed searches (the production setting); 0: the target's "
             "default"},
    {.key = "recall",
     .type = VMON_OPT_BOOL,
     .default_value = "false",
     .help = "measure proxy.search_recall_ratio: the production parameters against an "
             "exhaustive setting (extra searches; off by default)"},
    {.key = "recall_interval",
     .type = VMON_OPT_DURATION,
     .flags = VMON_OPT_RANGE,
     .default_value = "15m",
     .min = 1000,
     .max = 36500.0 * 86400000,
     .help = "at most one recall measurement per this interval"},
    {.key = "recall_queries",
     .type = VMON_OPT_INT,
     .flags = VMON_OPT_RANGE,
     .default_value = "5",
     .min = 1,
     .max = 1000,
     .help = "sampled queries per recall measurement"},
    {.key = "recall_ef",
     .type = VMON_OPT_INT,
     .flags = VMON_OPT_RANGE,
     .default_value = "512",
     .min = 1,
     .max = 32768,
     .help = "the exhaustive HNSW breadth recall is measured against (IVF uses nprobe = nlist)"},
    {.key = "recall_nprobe",
     .type = VMON_OPT_INT,
     .flags = VMON_OPT_RANGE,
     .default_value = "0",
     .min = 0,
     .max = 65536,
     .help = "the exhaustive IVF nprobe recall is measured against (0: the index's nlist; set it "
             "to nlist where the target does not report nlist)"},
    {0}};

static int proxy_create(const vmon_host *host, vmon_instance *inst, void **ctx, char *err,
                        size_t errlen)
{
    proxy_probe *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return VMON_ENOMEM;
    }
    int rc = component_init(&p->c, host, inst, err, errlen);
    if (rc != VMON_OK) {
        free(p);
        return rc;
    }
    p->health_checks = (uint32_t)host->cfg_int(inst, "health_checks");
    p->searches = (uint32_t)host->cfg_int(inst, "searches");
    p->top_k = (uint32_t)host->cfg_int(inst, "top_k");
    p->nprobe = (uint32_t)host->cfg_int(inst, "nprobe");
    p->ef = (uint32_t)host->cfg_int(inst, "ef");
    p->recall = host->cfg_bool(inst, "recall");
    p->recall_interval_s = (double)host->cfg_int(inst, "recall_interval") / 1000.0;
    p->recall_queries = (uint32_t)host->cfg_int(inst, "recall_queries");
    p->recall_ef = (uint32_t)host->cfg_int(inst, "recall_ef");
    p->recall_nprobe = (uint32_t)host->cfg_int(inst, "recall_nprobe");
    p->last_recall_s = -INFINITY;
    *ctx = p;
    return VMON_OK;
}

static void proxy_destroy(void *ctx)
{
    proxy_probe *p = ctx;
    component_free(&p->c);
    series_free(&p->rates);
    series_free(&p->own);
    free(p->pend);
    free(p);
}

/* One timed health call; a failure's reason says the target is unreachable. */
static int health_call(proxy_probe *p, double *ms, char *err, size_t errlen)
{
    const vmon_target_handle *t = &p->c.target;
    double t0 = component_now_s(&p->c);
    int rc = t->ops->health(t->ctx, err, errlen);
    *ms = (component_now_s(&p->c) - t0) * 1000.0;
    /* VMON_ERROR: the target answered and refused (credentials, say): its reason as it is,
     * the same words its other calls fail with. */
    if (rc == VMON_OK || rc == VMON_ERROR)
        return rc;
    char why[512];
    snprintf(why, sizeof why, "%s", err);
    snprintf(err, errlen, "target '%s' unreachable: %s", t->name, why);
    return VMON_RETRY;
}

static int grab_connect(void *arg, const vmon_sample *s)
{
    if (strcmp(s->name, "proxy.connect_latency_ms") == 0)
        *(double *)arg = s->value;
    return VMON_OK;
}

/*
 * One connection check through report("connect"): one request to the target's front door
 * on a new connection, the target's own timing (else the call's). VMON_ENOTSUP (remembered)
 * when the target has none.
 */
static int one_connect(proxy_probe *p, double *ms, char *err, size_t errlen)
{
    const vmon_target_handle *t = &p->c.target;
    double got = NAN, t0 = component_now_s(&p->c);
    int rc = t->ops->report(t->ctx, "connect", grab_connect, &got, err, errlen);
    *ms = isnan(got) ? (component_now_s(&p->c) - t0) * 1000.0 : got;
    if (rc == VMON_ENOTSUP) {
        p->connect_unsupported = 1;
        err[0] = 0;
    } else if (rc == VMON_RETRY) {
        char why[512];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, errlen, "target '%s': no connection to its proxy: %s", t->name, why);
    }
    return rc;
}

/*
 * proxy.target_up from one health call per reading (what the target checks: every metrics
 * endpoint on milvus), then `health_checks` connection checks timed one by one: the
 * target's report("connect"), else health calls (the first being that one). The first
 * failure fails the reading.
 */
static int connection_latency(proxy_probe *p, char *err, size_t errlen)
{
    double first;
    int rc = health_call(p, &first, err, errlen);
    component_emit(&p->c, "proxy.target_up", rc == VMON_OK, NULL, 0);
    double sum = 0, lo = INFINITY, hi = 0;
    for (uint32_t i = 0; rc == VMON_OK && i < p->health_checks; i++) {
        double ms = first;
        if (!p->connect_unsupported && (rc = one_connect(p, &ms, err, errlen)) == VMON_ENOTSUP) {
            rc = VMON_OK; /* found out now, at i == 0: the health call above is the first */
            ms = first;
        } else if (p->connect_unsupported && i > 0)
            rc = health_call(p, &ms, err, errlen);
        if (rc != VMON_OK)
            return rc;
        sum += ms;
        lo = ms < lo ? ms : lo;
        hi = ms > hi ? ms : hi;
    }
    if (rc != VMON_OK)
        return rc;
    component_emit(&p->c, "proxy.connect_latency_avg_ms", sum / p->health_checks, NULL, 0);
    component_emit(&p->c, "proxy.connect_latency_min_ms", lo, NULL, 0);
    component_emit(&p->c, "proxy.connect_latency_max_ms", hi, NULL, 0);
    return VMON_OK;
}

/* Labels of a per-node rate: the collection, and the node when the target names one. */
static uint32_t rate_labels(vmon_label *l, const char *coll, const char *node)
{
    l[0] = (vmon_label){"collection", coll};
    if (!node || !node[0])
        return 1;
    l[1] = (vmon_label){"node_id", node};
    return 2;
}

static void hold_rate(proxy_probe *p, const char *coll, const char *node, double rate)
{
    if (p->n_pend == p->cap_pend) {
        size_t cap = p->cap_pend ? 2 * p->cap_pend : 8;
        node_rate *v = realloc(p->pend, cap * sizeof *v);
        if (!v)
            return; /* this node's rate is missing from this reading */
        p->pend = v;
        p->cap_pend = cap;
    }
    node_rate *r = &p->pend[p->n_pend++];
    snprintf(r->coll, sizeof r->coll, "%s", coll);
    snprintf(r->node, sizeof r->node, "%s", node ? node : "");
    r->rate = rate;
}

/*
 * The target's counters become rates; its histogram buckets pass only typed
 * as such (ABI 0.5: exporters rebuild the histogram), flattened ones stay out.
 */
static int proxy_filter(void *arg, const vmon_sample *s)
{
    proxy_probe *p = arg;
    size_t n = strlen(s->name);
    if (n > 7 && strcmp(s->name + n - 7, "_bucket") == 0 &&
        vmon_sample_type_of(s) != VMON_SAMPLE_HISTOGRAM_BUCKET)
        return 0;
    /* The probe's own rates (own searches counted out) replace a target's. */
    if (strcmp(s->name, "proxy.search_requests_per_second") == 0 ||
        strcmp(s->name, "proxy.search_failures_per_second") == 0 ||
        strcmp(s->name, "proxy.insert_failures_per_second") == 0)
        return 0;
    const char *coll = component_label(s, "collection");
    if (!coll)
        return 1;
    /* Each proxy node counts on its own: its counter is diffed only against itself. */
    const char *node = component_label(s, "node_id");
    char key[512];
    if (strcmp(s->name, "proxy.search_requests_total") == 0) {
        snprintf(key, sizeof key, "req/%s/%s", node ? node : "", coll);
        hold_rate(p, coll, node, series_rate(&p->rates, key, s->value, p->now_s));
    } else if (strcmp(s->name, "proxy.search_failures_total") == 0 ||
               strcmp(s->name, "proxy.insert_failures_total") == 0) {
        snprintf(key, sizeof key, "%s/%s/%s", s->name, node ? node : "", coll);
        double rate = series_rate(&p->rates, key, s->value, p->now_s);
        const char *name = strcmp(s->name, "proxy.search_failures_total") == 0
                               ? "proxy.search_failures_per_second"
                               : "proxy.insert_failures_per_second";
        vmon_label l[2];
        component_emit(&p->c, name, rate, l, rate_labels(l, coll, node));
    }
    return 1;
}

/*
 * User search rates per node: the probe's own searches of a collection (made
 * through whichever proxy the target reached) come out of the collection's
 * total, spread over its nodes in proportion to their rates.
 */
static void emit_request_rates(proxy_probe *p)
{
    for (size_t i = 0; i < p->n_pend; i++) {
        const char *coll = p->pend[i].coll;
        int first = 1;
        for (size_t j = 0; j < i && first; j++)
            first = strcmp(p->pend[j].coll, coll) != 0;
        if (!first)
            continue;
        double sum = 0;
        for (size_t j = i; j < p->n_pend; j++)
            if (strcmp(p->pend[j].coll, coll) == 0 && !isnan(p->pend[j].rate))
                sum += fmax(0, p->pend[j].rate);
        char key[512];
        snprintf(key, sizeof key, "own/%s", coll);
        double own = series_rate(&p->rates, key, series_add(&p->own, coll, 0), p->now_s);
        double user = sum > 0 ? fmax(0, 1 - own / sum) : 0;
        for (size_t j = i; j < p->n_pend; j++) {
            if (strcmp(p->pend[j].coll, coll) != 0)
                continue;
            vmon_label l[2];
            double r = p->pend[j].rate;
            double rate = isnan(own) || isnan(r) ? NAN : fmax(0, r) * user;
            component_emit(&p->c, "proxy.search_requests_per_second", rate, l,
                           rate_labels(l, coll, p->pend[j].node));
        }
    }
    p->n_pend = 0;
}

static void emit_latencies(proxy_probe *p, const char *coll, double *ms, uint32_t n)
{
    double sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum += ms[i];
    qsort(ms, n, sizeof *ms, search_cmp_double);
    component_emit_coll(&p->c, "proxy.client_search_latency_avg_ms", sum / n, coll);
    component_emit_coll(&p->c, "proxy.client_search_latency_p95_ms", search_quantile(ms, n, 0.95),
                        coll);
    component_emit_coll(&p->c, "proxy.client_search_latency_p99_ms", search_quantile(ms, n, 0.99),
                        coll);
}

static int time_searches(proxy_probe *p, const char *coll, const vmon_collection_stats *st,
                         char *err, size_t errlen)
{
    float *q = NULL;
    int rc = search_queries(&p->c.target, coll, p->searches, st->dim, p->reading, &q, err, errlen);
    double *ms = calloc(p->searches, sizeof *ms);
    int64_t *ids = calloc(p->top_k, sizeof *ids);
    float *dist = calloc(p->top_k, sizeof *dist);
    if (rc == VMON_OK && (!ms || !ids || !dist)) {
        snprintf(err, errlen, "out of memory");
        rc = VMON_ENOMEM;
    }
    search_params prod = {p->top_k, p->nprobe, p->ef};
    for (uint32_t i = 0; rc == VMON_OK && i < p->searches; i++) {
        double t0 = component_now_s(&p->c);
        rc = search_one(&p->c.target, coll, &prod, st->dim, q + (size_t)i * st->dim, ids, dist, err,
                        errlen);
        ms[i] = (component_now_s(&p->c) - t0) * 1000.0;
    }
    series_add(&p->own, coll, p->searches);
    if (rc == VMON_OK)
        emit_latencies(p, coll, ms, p->searches);
    free(q);
    free(ms);
    free(ids);
    free(dist);
    return rc;
}

/*
 * The exhaustive setting: IVF probes every list (nprobe = nlist, or recall_nprobe), HNSW
 * searches at recall_ef; other indexes as the target's stats say. 0 when it is not known.
 */
static int exhaustive(const proxy_probe *p, const vmon_collection_stats *st, search_params *full)
{
    *full = (search_params){p->top_k, st->nlist, st->m ? p->recall_ef : 0};
    if (strncmp(st->index_type, "IVF", 3) == 0) {
        full->nprobe = p->recall_nprobe ? p->recall_nprobe : st->nlist;
        full->ef = 0;
        return full->nprobe != 0;
    }
    if (strcmp(st->index_type, "HNSW") == 0) {
        full->nprobe = 0;
        full->ef = p->recall_ef;
    }
    return 1;
}

static int measure_recall(proxy_probe *p, const char *coll, const vmon_collection_stats *st,
                          char *err, size_t errlen)
{
    search_params prod = {p->top_k, p->nprobe, p->ef};
    search_params full;
    if (!exhaustive(p, st, &full)) {
        /* A ratio against the target's default nprobe would read as a made-up recall. */
        if (!p->warned_nlist)
            p->c.host->log(p->c.inst, VMON_LOG_WARNING,
                           "recall of collection '%s' not measured: target '%s' does not report "
                           "the %s index's nlist, so nprobe = nlist is unknown; set "
                           "`recall_nprobe = <nlist>` on this probe",
                           coll, p->c.target.name, st->index_type);
        p->warned_nlist = 1;
        return VMON_OK;
    }
    double ratio = NAN;
    int rc = search_recall(&p->c.target, coll, st, &prod, &full, p->recall_queries,
                           p->reading + 7919, &ratio, err, errlen);
    series_add(&p->own, coll, 2.0 * p->recall_queries);
    if (rc == VMON_OK)
        component_emit_coll(&p->c, "proxy.search_recall_ratio", ratio, coll);
    return rc;
}

static int per_collection(component_probe *c, const char *coll, void *arg, char *err, size_t errlen)
{
    proxy_probe *p = (proxy_probe *)c;
    int *recall_now = arg;
    vmon_collection_stats st = {.struct_size = sizeof st};
    int rc = c->target.ops->collection_stats(c->target.ctx, coll, &st, err, errlen);
    if (rc == VMON_OK && p->searches)
        rc = time_searches(p, coll, &st, err, errlen);
    if (rc == VMON_OK && *recall_now)
        rc = measure_recall(p, coll, &st, err, errlen);
    return rc;
}

static int proxy_collect(void *ctx, char *err, size_t errlen)
{
    proxy_probe *p = ctx;
    err[0] = 0;
    component_begin(&p->c);
    p->reading++;
    int rc = connection_latency(p, err, errlen);
    p->n_pend = 0;
    p->now_s = component_now_s(&p->c);
    if (rc == VMON_OK)
        rc = component_forward(&p->c, "proxy", proxy_filter, p, err, errlen);
    if (rc == VMON_OK)
        emit_request_rates(p);
    int recall_now = p->recall && component_now_s(&p->c) - p->last_recall_s >= p->recall_interval_s;
    if (rc == VMON_OK)
        rc = component_each_collection(&p->c, per_collection, &recall_now, err, errlen);
    if (recall_now)
        p->last_recall_s = component_now_s(&p->c);
    return rc;
}

static const vmon_probe_ops ops = {
    .struct_size = sizeof(vmon_probe_ops),
    .kind = VMON_KIND_PROBE,
    .collect = proxy_collect,
};

VMON_PLUGIN_DEFINE(.kind = VMON_KIND_PROBE, .name = "proxy", .version = "0.1.0",
                   .description = "connection and search latency, request and failure rates, "
                                  "opt-in recall (any target)",
                   .options = options, .create = proxy_create, .destroy = proxy_destroy,
                   .ops = &ops);
