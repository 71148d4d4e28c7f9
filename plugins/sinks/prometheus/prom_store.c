#include "prom_store.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom_map.h"
#include "prom_name.h"
#include "prom_store_priv.h"
#include "prom_text.h"
#include "sample_type.h"
#include "severity.h"

#define SERIES_GAUGE_NAME  "vmon_prometheus_series"
#define DROPPED_NAME       "vmon_prometheus_dropped_samples_total"
#define ALERTS_FIRING_NAME "vmon_alerts_firing"

static const char *const drop_reasons[PROM_DROP_REASONS] = {"max_series", "type_conflict"};

typedef struct family {
    char *name;       /* vmon_proxy_search_latency_ms */
    char *help;       /* the vmon name: proxy.search_latency_ms */
    const char *type; /* "gauge", "counter", "histogram" */
    const char *doc;  /* HELP text (static) for the sink's own families, else NULL */
    size_t n_series;
} family;

typedef struct series {
    family *fam;
    uint32_t part; /* the sample type: which line of a histogram it is */
    char *labels;  /* `a="x",b="y"`, sorted, without `le`; "" when none */
    char *le;      /* a bucket's bound as sent, else NULL */
    double le_num; /* for ordering buckets */
    double value;
    int64_t updated_ms;
    size_t source;
} series;

typedef struct source {
    char *name;
    int64_t last_ms, gap, prev_gap;
    int keep; /* its series never go stale (the tuning loop's figures) */
} source;

typedef struct alert_entry {
    char *labels; /* rendered */
} alert_entry;

struct prom_store {
    pthread_mutex_t lock;
    prom_store_cfg cfg;
    prom_map families, series, alerts, logged;
    source *sources;
    size_t n_sources;
    uint64_t dropped[PROM_DROP_REASONS];
    int logged_full;
};

prom_store *prom_store_new(const prom_store_cfg *cfg)
{
    prom_store *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cfg = *cfg;
    if (!s->cfg.max_series)
        s->cfg.max_series = PROM_MAX_SERIES_DEFAULT;
    if (s->cfg.stale_after_ms <= 0)
        s->cfg.stale_after_ms = PROM_STALE_AFTER_DEFAULT_MS;
    pthread_mutex_init(&s->lock, NULL);
    return s;
}

static void free_family(void *v)
{
    family *f = v;
    free(f->name);
    free(f->help);
    free(f);
}

static void free_series(void *v)
{
    series *x = v;
    free(x->labels);
    free(x->le);
    free(x);
}

static void free_alert(void *v)
{
    alert_entry *a = v;
    free(a->labels);
    free(a);
}

void prom_store_free(prom_store *s)
{
    if (!s)
        return;
    prom_map_clear(&s->series, free_series);
    prom_map_clear(&s->families, free_family);
    prom_map_clear(&s->alerts, free_alert);
    prom_map_clear(&s->logged, NULL);
    for (size_t i = 0; i < s->n_sources; i++)
        free(s->sources[i].name);
    free(s->sources);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* ---- labels ---- */

typedef struct mapped_label {
    char *name;
    const char *value;
} mapped_label;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const mapped_label *)a)->name, ((const mapped_label *)b)->name);
}

/*
 * `name="value",...` sorted by the Prometheus names; labels named in `skip`
 * (a NULL-ended list) are left out, and of two that map to one name the
 * first is kept. `extra` (name, value pairs, NULL-ended) come first.
 */
static char *render_labels(const vmon_label *labels, uint32_t n, const char *const *extra,
                           const char *const *skip)
{
    size_t n_extra = 0;
    while (extra && extra[2 * n_extra])
        n_extra++;
    mapped_label *m = calloc(n + n_extra + 1, sizeof *m);
    char *buf = NULL;
    size_t len = 0, k = 0;
    FILE *out = m ? open_memstream(&buf, &len) : NULL;
    if (!out) {
        free(m);
        return NULL;
    }
    for (size_t i = 0; i < n_extra; i++) {
        m[k].name = prom_label_name(extra[2 * i]);
        m[k++].value = extra[2 * i + 1];
    }
    for (uint32_t i = 0; i < n; i++) {
        int skipped = 0;
        for (const char *const *p = skip; p && *p && !skipped; p++)
            skipped = labels[i].name && strcmp(labels[i].name, *p) == 0;
        if (skipped)
            continue;
        m[k].name = prom_label_name(labels[i].name);
        m[k++].value = labels[i].value ? labels[i].value : "";
    }
    /* A stable order: the extras, then the labels, win a tie on the mapped name. */
    for (size_t i = 0; i < k; i++)
        if (!m[i].name)
            goto fail;
    for (size_t i = 1; i < k; i++)
        for (size_t j = i; j > 0 && by_name(&m[j - 1], &m[j]) > 0; j--) {
            mapped_label t = m[j - 1];
            m[j - 1] = m[j];
            m[j] = t;
        }
    int first = 1;
    for (size_t i = 0; i < k; i++) {
        if (i > 0 && strcmp(m[i].name, m[i - 1].name) == 0)
            continue;
        fprintf(out, "%s%s=\"", first ? "" : ",", m[i].name);
        prom_put_label_value(out, m[i].value);
        fputc('"', out);
        first = 0;
    }
    for (size_t i = 0; i < k; i++)
        free(m[i].name);
    free(m);
    if (fclose(out) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
fail:
    for (size_t i = 0; i < k; i++)
        free(m[i].name);
    free(m);
    fclose(out);
    free(buf);
    return NULL;
}

/* ---- drops ---- */

static void log_msg(prom_store *s, const char *msg)
{
    if (s->cfg.log)
        s->cfg.log(s->cfg.log_arg, msg);
}

static void drop(prom_store *s, int reason, const char *fam, const char *why)
{
    s->dropped[reason]++;
    char key[512];
    snprintf(key, sizeof key, "%d %s", reason, fam);
    if (prom_map_get(&s->logged, key))
        return;
    char msg[768];
    if (s->logged.n >= PROM_LOGGED_FAMILIES_MAX) {
        if (!s->logged_full) {
            s->logged_full = 1;
            log_msg(s, "dropping samples of more families; not naming them any more "
                       "(see vmon_prometheus_dropped_samples_total)");
        }
        return;
    }
    if (prom_map_put(&s->logged, key, (void *)1) < 0)
        return;
    snprintf(msg, sizeof msg,
             "dropping new series of %s: %s (counted in %s{reason=\"%s\"}; "
             "logged once per family)",
             fam, why, DROPPED_NAME, drop_reasons[reason]);
    log_msg(s, msg);
}

/* ---- families ---- */

static int reserved_name(const char *name)
{
    return strcmp(name, SERIES_GAUGE_NAME) == 0 || strcmp(name, DROPPED_NAME) == 0 ||
           strcmp(name, ALERTS_FIRING_NAME) == 0;
}

/* Would a family `name` of `type` clash with a histogram's lines, or a histogram's with others? */
static int clashes(prom_store *s, const char *name, const char *type)
{
    static const char *const parts[] = {"_bucket", "_sum", "_count"};
    char other[1024];
    if (reserved_name(name))
        return 1;
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(name), k = strlen(parts[i]);
        if (strcmp(type, "histogram") == 0) {
            snprintf(other, sizeof other, "%s%s", name, parts[i]);
            if (reserved_name(other) || prom_map_get(&s->families, other))
                return 1;
        } else if (n > k && strcmp(name + n - k, parts[i]) == 0 && n - k < sizeof other) {
            memcpy(other, name, n - k);
            other[n - k] = 0;
            family *f = prom_map_get(&s->families, other);
            if (f && strcmp(f->type, "histogram") == 0)
                return 1;
        }
    }
    return 0;
}

/* The family of a sample, made if new; NULL when the sample must be dropped. */
static family *family_for(prom_store *s, const vmon_sample *x, uint32_t type, int *why)
{
    size_t flen = vmon_sample_family_len(x->name, type);
    char *name = prom_metric_name(x->name, flen);
    if (!name)
        return NULL;
    const char *ftype = vmon_sample_family_type(type);
    family *f = prom_map_get(&s->families, name);
    if (f) {
        free(name);
        if (strcmp(f->type, ftype) != 0) {
            *why = PROM_DROP_TYPE_CONFLICT;
            return NULL;
        }
        return f;
    }
    if (clashes(s, name, ftype)) {
        free(name);
        *why = PROM_DROP_TYPE_CONFLICT;
        return NULL;
    }
    f = calloc(1, sizeof *f);
    char *help = strndup(x->name, flen);
    if (!f || !help || prom_map_put(&s->families, name, f) < 0) {
        free(f);
        free(help);
        free(name);
        return NULL;
    }
    f->name = name;
    f->help = help;
    f->type = ftype;
    return f;
}

/* ---- updates ---- */

static size_t source_index(prom_store *s, const char *name)
{
    for (size_t i = 0; i < s->n_sources; i++)
        if (strcmp(s->sources[i].name, name) == 0)
            return i;
    source *grown = realloc(s->sources, (s->n_sources + 1) * sizeof *grown);
    char *copy = strdup(name);
    if (!grown || !copy) {
        free(copy);
        if (grown)
            s->sources = grown;
        return (size_t)-1;
    }
    s->sources = grown;
    s->sources[s->n_sources] = (source){.name = copy};
    return s->n_sources++;
}

static int64_t stale_limit(const prom_store *s, size_t src)
{
    const source *o = &s->sources[src];
    if (o->keep)
        return INT64_MAX;
    int64_t gap = o->gap > o->prev_gap ? o->gap : o->prev_gap;
    if (!gap)
        return s->cfg.stale_after_ms;
    return 2 * (gap > PROM_MIN_INTERVAL_MS ? gap : PROM_MIN_INTERVAL_MS);
}

typedef struct sweep_arg {
    prom_store *s;
    int64_t now_ms;
} sweep_arg;

static int drop_stale(void *arg, void *value)
{
    sweep_arg *a = arg;
    series *x = value;
    if (a->now_ms - x->updated_ms <= stale_limit(a->s, x->source))
        return 0;
    x->fam->n_series--;
    free_series(x);
    return 1;
}

/* A family whose last series went goes too, so its name may come back with another type. */
static int drop_empty(void *arg, void *value)
{
    (void)arg;
    family *f = value;
    if (f->n_series)
        return 0;
    free_family(f);
    return 1;
}

static void sweep(prom_store *s, int64_t now_ms)
{
    sweep_arg a = {s, now_ms};
    prom_map_sweep(&s->series, drop_stale, &a);
    prom_map_sweep(&s->families, drop_empty, NULL);
}

/*
 * A sample's series key (`family \x1f type \x1f labels \x1f le`), with its
 * rendered labels (without `le`) in *labels and a bucket's bound in *le.
 * NULL without memory; *labels is then NULL too.
 */
static char *series_key(const char *fam, const vmon_sample *x, uint32_t type, char **labels,
                        const char **le)
{
    static const char *const skip_le[] = {"le", NULL};
    int bucket = type == VMON_SAMPLE_HISTOGRAM_BUCKET;
    *labels = render_labels(x->labels, x->n_labels, NULL, bucket ? skip_le : NULL);
    *le = NULL;
    for (uint32_t i = 0; bucket && i < x->n_labels; i++)
        if (strcmp(x->labels[i].name, "le") == 0)
            *le = x->labels[i].value;
    char *key = NULL;
    if (!*labels ||
        asprintf(&key, "%s\x1f%u\x1f%s\x1f%s", fam, type, *labels, *le ? *le : "") < 0) {
        free(*labels);
        *labels = NULL;
        return NULL;
    }
    return key;
}

/* The family the sample's series is in now, or NULL when it was dropped. */
static family *update_one(prom_store *s, size_t src, const vmon_sample *x, int64_t now_ms)
{
    uint32_t type = vmon_sample_type_checked(x->name, x->labels, x->n_labels, x->type);
    int why = -1;
    family *f = family_for(s, x, type, &why);
    if (!f) {
        char *name =
            why >= 0 ? prom_metric_name(x->name, vmon_sample_family_len(x->name, type)) : NULL;
        if (name)
            drop(s, why, name, "its name is taken by a family of another type");
        free(name);
        return NULL;
    }
    char *labels = NULL;
    const char *le = NULL;
    char *key = series_key(f->name, x, type, &labels, &le);
    series *old = key ? prom_map_get(&s->series, key) : NULL;
    family *kept = NULL;
    if (old) {
        old->value = x->value;
        old->updated_ms = now_ms;
        old->source = src;
        kept = f;
    } else if (key && s->series.n >= s->cfg.max_series) {
        char why_text[96];
        snprintf(why_text, sizeof why_text, "max_series (%u) reached", s->cfg.max_series);
        drop(s, PROM_DROP_MAX_SERIES, f->name, why_text);
    } else if (key) {
        series *n = calloc(1, sizeof *n);
        if (n) {
            *n = (series){.fam = f,
                          .part = type,
                          .labels = labels,
                          .le = le ? strdup(le) : NULL,
                          .le_num = le ? strtod(le, NULL) : 0,
                          .value = x->value,
                          .updated_ms = now_ms,
                          .source = src};
            if ((le && !n->le) || prom_map_put(&s->series, key, n) < 0) {
                free(n->le);
                free(n);
            } else {
                labels = NULL; /* the series owns it */
                f->n_series++;
                kept = f;
            }
        }
    }
    if (!f->n_series) /* made for this sample, which was then dropped */
        free_family(prom_map_remove(&s->families, f->name));
    free(key);
    free(labels);
    return kept;
}

/* ---- the store's own writers (prom_store_priv.h) ---- */

void prom_store_lock(prom_store *s)
{
    pthread_mutex_lock(&s->lock);
}

void prom_store_unlock(prom_store *s)
{
    pthread_mutex_unlock(&s->lock);
}

size_t prom_store_source_locked(prom_store *s, const char *name, int keep)
{
    size_t src = source_index(s, name);
    if (src != (size_t)-1 && keep)
        s->sources[src].keep = 1;
    return src;
}

int prom_store_put_locked(prom_store *s, size_t src, const vmon_sample *x, const char *doc,
                          int64_t now_ms)
{
    family *f = update_one(s, src, x, now_ms);
    if (f && doc)
        f->doc = doc;
    return f ? 0 : -1;
}

/* The stored series of a sample, or NULL; *key_out (malloc'd) is its key. */
static series *find_series(prom_store *s, const vmon_sample *x, char **key_out)
{
    *key_out = NULL;
    uint32_t type = vmon_sample_type_checked(x->name, x->labels, x->n_labels, x->type);
    char *fam = prom_metric_name(x->name, vmon_sample_family_len(x->name, type));
    char *labels = NULL;
    const char *le = NULL;
    char *key = fam ? series_key(fam, x, type, &labels, &le) : NULL;
    free(fam);
    free(labels);
    series *found = key ? prom_map_get(&s->series, key) : NULL;
    if (found && found->part != type)
        found = NULL;
    *key_out = key;
    return found;
}

int prom_store_value_locked(prom_store *s, const vmon_sample *x, double *value)
{
    char *key = NULL;
    series *found = find_series(s, x, &key);
    free(key);
    if (found)
        *value = found->value;
    return found != NULL;
}

void prom_store_remove_locked(prom_store *s, const vmon_sample *x)
{
    char *key = NULL;
    series *found = find_series(s, x, &key);
    if (found) {
        family *f = found->fam;
        free_series(prom_map_remove(&s->series, key));
        if (--f->n_series == 0)
            free_family(prom_map_remove(&s->families, f->name));
    }
    free(key);
}

void prom_store_update(prom_store *s, const char *source, const vmon_sample *samples, uint32_t n,
                       int64_t now_ms)
{
    pthread_mutex_lock(&s->lock);
    size_t src = source_index(s, source ? source : "");
    if (src != (size_t)-1) {
        struct source *o = &s->sources[src];
        if (o->last_ms && now_ms > o->last_ms) {
            o->prev_gap = o->gap;
            o->gap = now_ms - o->last_ms;
        }
        o->last_ms = now_ms;
        /* Stale series first, so that they make room under max_series. */
        sweep(s, now_ms);
        for (uint32_t i = 0; i < n; i++)
            update_one(s, src, &samples[i], now_ms);
    }
    pthread_mutex_unlock(&s->lock);
}

void prom_store_alert(prom_store *s, const vmon_alert *a)
{
    if (!a->fingerprint)
        return;
    pthread_mutex_lock(&s->lock);
    alert_entry *old = prom_map_get(&s->alerts, a->fingerprint);
    if (a->state == VMON_ALERT_RESOLVED) {
        if (old)
            free_alert(prom_map_remove(&s->alerts, a->fingerprint));
    } else {
        const char *sev = vmon_severity_name(a->severity);
        const char *extra[] = {"rule", a->rule ? a->rule : "", "severity", sev ? sev : "", NULL};
        static const char *const skip[] = {"alertname", "rule", "severity", NULL};
        char *labels = render_labels(a->labels, a->n_labels, extra, skip);
        if (labels && old) {
            free(old->labels);
            old->labels = labels;
        } else if (labels) {
            alert_entry *e = calloc(1, sizeof *e);
            if (e && prom_map_put(&s->alerts, a->fingerprint, e) == 0) {
                e->labels = labels;
            } else {
                free(e);
                free(labels);
            }
        }
    }
    pthread_mutex_unlock(&s->lock);
}

/* ---- rendering ---- */

static int series_order(const void *pa, const void *pb)
{
    const series *a = *(const series *const *)pa, *b = *(const series *const *)pb;
    int c = strcmp(a->fam->name, b->fam->name);
    if (c)
        return c;
    if ((c = strcmp(a->labels, b->labels)))
        return c;
    if (a->part != b->part)
        return a->part < b->part ? -1 : 1;
    /* Buckets by bound; a bound that is not a number (NaN) last, then by its text. */
    if (a->le_num < b->le_num || (!isnan(a->le_num) && isnan(b->le_num)))
        return -1;
    if (a->le_num > b->le_num || (isnan(a->le_num) && !isnan(b->le_num)))
        return 1;
    return strcmp(a->le ? a->le : "", b->le ? b->le : "");
}

typedef struct collect {
    void **v;
    size_t n;
} collect;

static int collect_value(void *arg, void *value)
{
    collect *c = arg;
    c->v[c->n++] = value;
    return 0;
}

static int alert_order(const void *a, const void *b)
{
    return strcmp((*(const alert_entry *const *)a)->labels,
                  (*(const alert_entry *const *)b)->labels);
}

static void put_family_head(FILE *out, const char *name, const char *type, const char *help)
{
    fprintf(out, "# HELP %s ", name);
    prom_put_help(out, help);
    fprintf(out, "\n# TYPE %s %s\n", name, type);
}

static void put_series(FILE *out, const series *x)
{
    fprintf(out, "%s%s", x->fam->name, vmon_sample_type_suffix(x->part));
    if (x->labels[0] || x->le) {
        fprintf(out, "{%s", x->labels);
        if (x->le) {
            fprintf(out, "%sle=\"", x->labels[0] ? "," : "");
            prom_put_label_value(out, x->le);
            fputc('"', out);
        }
        fputc('}', out);
    }
    fputc(' ', out);
    prom_put_value(out, x->value);
    fputc('\n', out);
}

static void render_locked(prom_store *s, FILE *out)
{
    collect c = {calloc(s->series.n + 1, sizeof *c.v), 0};
    if (c.v) {
        prom_map_sweep(&s->series, collect_value, &c);
        qsort(c.v, c.n, sizeof *c.v, series_order);
        series **v = (series **)c.v;
        for (size_t i = 0; i < c.n; i++) {
            if (i == 0 || v[i]->fam != v[i - 1]->fam) {
                char help[1100];
                if (v[i]->fam->doc)
                    snprintf(help, sizeof help, "%s", v[i]->fam->doc);
                else
                    snprintf(help, sizeof help, "vmon sample %s", v[i]->fam->help);
                put_family_head(out, v[i]->fam->name, v[i]->fam->type, help);
            }
            put_series(out, v[i]);
        }
        free(c.v);
    }
    collect a = {calloc(s->alerts.n + 1, sizeof *a.v), 0};
    if (a.v && s->alerts.n) {
        prom_map_sweep(&s->alerts, collect_value, &a);
        qsort(a.v, a.n, sizeof *a.v, alert_order);
        put_family_head(out, ALERTS_FIRING_NAME, "gauge",
                        "vmon alerts firing now (1 per alert; gone when resolved)");
        for (size_t i = 0; i < a.n; i++)
            fprintf(out, ALERTS_FIRING_NAME "{%s} 1\n", ((alert_entry *)a.v[i])->labels);
    }
    free(a.v);
    put_family_head(out, SERIES_GAUGE_NAME, "gauge",
                    "Sample series this sink exports now (max_series bounds them)");
    fprintf(out, SERIES_GAUGE_NAME " %zu\n", s->series.n);
    put_family_head(out, DROPPED_NAME, "counter",
                    "Samples this sink dropped: a new series past max_series, or a name "
                    "taken by another type");
    for (int r = 0; r < PROM_DROP_REASONS; r++)
        fprintf(out, DROPPED_NAME "{reason=\"%s\"} %llu\n", drop_reasons[r],
                (unsigned long long)s->dropped[r]);
}

char *prom_store_render(prom_store *s, int64_t now_ms, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *out = open_memstream(&buf, &n);
    if (!out)
        return NULL;
    pthread_mutex_lock(&s->lock);
    sweep(s, now_ms);
    render_locked(s, out);
    pthread_mutex_unlock(&s->lock);
    if (fclose(out) != 0) {
        free(buf);
        return NULL;
    }
    if (len)
        *len = n;
    return buf;
}

size_t prom_store_series(prom_store *s)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->series.n;
    pthread_mutex_unlock(&s->lock);
    return n;
}

uint64_t prom_store_dropped(prom_store *s, int reason)
{
    pthread_mutex_lock(&s->lock);
    uint64_t n = reason >= 0 && reason < PROM_DROP_REASONS ? s->dropped[reason] : 0;
    pthread_mutex_unlock(&s->lock);
    return n;
}
