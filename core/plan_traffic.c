/* [traffic:NAME]: read and checked at plan time like [rule:NAME]; traffic.c runs it. */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "plan.h"
#include "schema.h"
#include "strutil.h"

int vmon_plan_find_traffic(const vmon_plan *plan, const char *name)
{
    for (size_t i = 0; i < plan->n_traffic; i++)
        if (strcmp(plan->traffic[i].name, name) == 0)
            return (int)i;
    return -1;
}

static char *text_or_null(const vmon_values *v, const char *key)
{
    const vmon_value *x = vmon_values_get(v, key);
    return x && x->set && x->text ? vmon_strdup(x->text) : NULL;
}

static void fill(vmon_plan_traffic *t, const vmon_values *v)
{
    t->collection = text_or_null(v, "collection");
    t->queries = text_or_null(v, "queries");
    t->request_ids = text_or_null(v, "request_ids");
    t->rate = vmon_values_get(v, "rate")->d;
    t->max_qps = vmon_values_get(v, "max_qps")->d;
    t->insert_rate = vmon_values_get(v, "insert_rate")->d;
    t->workers = vmon_values_get(v, "workers")->i;
    t->count = vmon_values_get(v, "count")->i;
    t->duration_ms = vmon_values_get(v, "duration")->i;
    t->top_k = vmon_values_get(v, "top_k")->i;
    t->query_pool = vmon_values_get(v, "query_pool")->i;
    t->seed = vmon_values_get(v, "seed")->i;
}

/* A rate the budget cuts is a mistake worth saying, not a silent change. */
static void check(const vmon_plan_traffic *t, const vmon_cfg_section *s, vmon_errors *errs)
{
    if (t->rate > t->max_qps) {
        const vmon_cfg_entry *e = vmon_cfg_get(s, "rate");
        vmon_errors_add(errs, e ? e->file : s->file, e ? e->line : s->line, s->name, "rate",
                        "rate %g is above max_qps %g; lower rate or raise max_qps", t->rate,
                        t->max_qps);
    }
}

void vmon_plan_add_traffic(vmon_plan *plan, const vmon_cfg_section *s, vmon_errors *errs)
{
    vmon_plan_traffic t = {.name = vmon_strdup(s->id)};
    const vmon_option *tables[1] = {vmon_schema_traffic};
    vmon_values v = {0};
    if (vmon_values_from_section(s, tables, 1, &v, errs) == 0) {
        fill(&t, &v);
        check(&t, s, errs);
    }
    vmon_values_free(&v);
    plan->traffic = vmon_realloc(plan->traffic, (plan->n_traffic + 1) * sizeof t);
    plan->traffic[plan->n_traffic++] = t;
}

/* A value from the file or the environment, escaped so it cannot start a line of its own. */
static void print_key(FILE *out, const char *key, const char *text)
{
    if (!text)
        return;
    size_t len = strlen(text), cap = len * VMON_ESCAPE_MAX_GROWTH + 1;
    char *shown = vmon_calloc(cap, 1);
    vmon_escape_controls(text, len, shown, cap);
    fprintf(out, "%s = %s\n", key, shown);
    free(shown);
}

void vmon_plan_print_traffic(const vmon_plan_traffic *t, FILE *out)
{
    fprintf(out, "\n[traffic:%s]\nrate = %g\nworkers = %lld\ncount = %lld\nduration = %lldms\n",
            t->name, t->rate, (long long)t->workers, (long long)t->count,
            (long long)t->duration_ms);
    fprintf(out, "max_qps = %g\ntop_k = %lld\nquery_pool = %lld\nseed = %lld\ninsert_rate = %g\n",
            t->max_qps, (long long)t->top_k, (long long)t->query_pool, (long long)t->seed,
            t->insert_rate);
    print_key(out, "collection", t->collection);
    print_key(out, "queries", t->queries);
    print_key(out, "request_ids", t->request_ids);
}

void vmon_plan_free_traffic(vmon_plan *plan)
{
    for (size_t i = 0; i < plan->n_traffic; i++) {
        free(plan->traffic[i].name);
        free(plan->traffic[i].collection);
        free(plan->traffic[i].queries);
        free(plan->traffic[i].request_ids);
    }
    free(plan->traffic);
    plan->traffic = NULL;
    plan->n_traffic = 0;
}
