#include "plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "schema.h"
#include "escape.h"
#include "labels.h"
#include "severity.h"
#include "strutil.h"
#include "tuning_config.h"
#include "url_redact.h"

#define LABEL_PREFIX      "label."
#define ANNOTATION_PREFIX "annotation."

static int find_instance(const vmon_plan *plan, uint32_t kind, const char *name)
{
    for (size_t i = 0; i < plan->n_instances; i++)
        if (plan->instances[i].kind == kind && strcmp(plan->instances[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int find_rule(const vmon_plan *plan, const char *name)
{
    for (size_t i = 0; i < plan->n_rules; i++)
        if (strcmp(plan->rules[i].name, name) == 0)
            return (int)i;
    return -1;
}

static void mark_unusable(vmon_plan *plan, uint32_t kind, const char *name)
{
    plan->unusable = vmon_realloc(plan->unusable, (plan->n_unusable + 1) * sizeof *plan->unusable);
    plan->unusable[plan->n_unusable++] = vmon_asprintf("%s:%s", vmon_kind_name(kind), name);
}

static int is_unusable(const vmon_plan *plan, uint32_t kind, const char *name)
{
    size_t klen = strlen(vmon_kind_name(kind));
    for (size_t i = 0; i < plan->n_unusable; i++)
        if (strncmp(plan->unusable[i], vmon_kind_name(kind), klen) == 0 &&
            plan->unusable[i][klen] == ':' && strcmp(plan->unusable[i] + klen + 1, name) == 0)
            return 1;
    return 0;
}

static void add_instance(vmon_plan *plan, const vmon_cfg_section *s, uint32_t kind,
                         vmon_errors *errs)
{
    const vmon_cfg_entry *pe = vmon_cfg_get(s, "plugin");
    if (!pe) {
        mark_unusable(plan, kind, s->id);
        vmon_errors_add(errs, s->file, s->line, s->name, "plugin",
                        "required key is missing; name the plugin (e.g. plugin = %s)",
                        vmon_kind_info_of(kind)->example_plugin);
        return;
    }
    char err[1024];
    const vmon_plugin *p = vmon_plugin_load(plan->plugin_dir, kind, pe->value, err, sizeof err);
    if (!p) {
        vmon_errors_add(errs, pe->file, pe->line, s->name, "plugin", "%s", err);
        mark_unusable(plan, kind, s->id);
        return;
    }
    const vmon_option *tables[2] = {vmon_kind_core_options(kind, p->desc.abi_minor),
                                    p->desc.options};
    vmon_plan_instance inst = {.kind = kind, .plugin = p, .target = -1};
    vmon_values_from_section(s, tables, 2, &inst.values, errs);
    inst.name = vmon_strdup(s->id);
    inst.section = vmon_strdup(s->name);
    plan->instances = vmon_realloc(plan->instances, (plan->n_instances + 1) * sizeof inst);
    plan->instances[plan->n_instances++] = inst;
}

/* `name=value` items of a list, or `label.NAME` keys; names must be label-safe. */
static int parse_kv(const char *text, vmon_kv *out)
{
    const char *eq = strchr(text, '=');
    if (!eq)
        return -1;
    char *name = vmon_strndup(text, (size_t)(eq - text));
    out->name = vmon_strdup(vmon_trim(name));
    free(name);
    char *value = vmon_strdup(eq + 1);
    out->value = vmon_strdup(vmon_trim(value));
    free(value);
    return vmon_valid_label_name(out->name) ? 0 : -1;
}

static void push_kv(vmon_kv **arr, size_t *n, const char *name, const char *value)
{
    *arr = vmon_realloc(*arr, (*n + 1) * sizeof **arr);
    (*arr)[*n].name = vmon_strdup(name);
    (*arr)[(*n)++].value = vmon_strdup(value);
}

/* label.X / annotation.X keys are free-form; take them out before validation. */
static vmon_cfg_section strip_prefixed(const vmon_cfg_section *s, vmon_plan_rule *r,
                                       vmon_errors *errs)
{
    vmon_cfg_section copy = *s;
    copy.entries = vmon_calloc(s->n_entries, sizeof *copy.entries);
    copy.n_entries = 0;
    for (size_t i = 0; i < s->n_entries; i++) {
        const vmon_cfg_entry *e = &s->entries[i];
        int is_label = strncmp(e->key, LABEL_PREFIX, strlen(LABEL_PREFIX)) == 0;
        int is_ann = strncmp(e->key, ANNOTATION_PREFIX, strlen(ANNOTATION_PREFIX)) == 0;
        if (!is_label && !is_ann) {
            copy.entries[copy.n_entries++] = *e;
            continue;
        }
        const char *name = e->key + strlen(is_label ? LABEL_PREFIX : ANNOTATION_PREFIX);
        if (!vmon_valid_label_name(name))
            vmon_errors_add(errs, e->file, e->line, s->name, e->key,
                            "'%s' is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)", name);
        else if (is_label)
            push_kv(&r->labels, &r->n_labels, name, e->value);
        else
            push_kv(&r->annotations, &r->n_annotations, name, e->value);
    }
    return copy;
}

static void fill_rule(vmon_plan_rule *r, const vmon_values *v, const vmon_cfg_section *s,
                      vmon_errors *errs)
{
    const vmon_value *x;
    r->metric = vmon_strdup(vmon_values_get(v, "metric") ? vmon_values_get(v, "metric")->text : "");
    if ((x = vmon_values_get(v, "above")))
        r->has_above = 1, r->above = x->d;
    if ((x = vmon_values_get(v, "below")))
        r->has_below = 1, r->below = x->d;
    r->severity = (int)vmon_values_get(v, "severity")->i;
    r->for_count = vmon_values_get(v, "for")->i;
    r->hysteresis = vmon_values_get(v, "hysteresis")->d;
    r->repeat_ms = vmon_values_get(v, "repeat")->i;
    if ((x = vmon_values_get(v, "absent")))
        r->absent_ms = x->i;
    if ((x = vmon_values_get(v, "message")))
        r->message = vmon_strdup(x->text);
    r->inhibits_target = (int)vmon_values_get(v, "inhibits_target")->i;
    if ((x = vmon_values_get(v, "match")))
        for (uint32_t i = 0; i < x->n_items; i++) {
            vmon_kv kv = {0};
            if (parse_kv(x->items[i], &kv) < 0)
                vmon_errors_add(errs, vmon_cfg_get(s, "match")->file,
                                vmon_cfg_get(s, "match")->line, s->name, "match",
                                "'%s' is not name=value with a valid label name", x->items[i]);
            r->match = vmon_realloc(r->match, (r->n_match + 1) * sizeof kv);
            r->match[r->n_match++] = kv;
        }
    if (!r->has_above && !r->has_below && !r->absent_ms)
        vmon_errors_add(errs, s->file, s->line, s->name, NULL,
                        "the rule has no condition; set above, below or absent");
}

static void add_rule(vmon_plan *plan, const vmon_cfg_section *s, vmon_errors *errs)
{
    vmon_plan_rule r = {0};
    r.name = vmon_strdup(s->id);
    vmon_cfg_section stripped = strip_prefixed(s, &r, errs);
    const vmon_option *tables[1] = {vmon_schema_rule};
    vmon_values v = {0};
    if (vmon_values_from_section(&stripped, tables, 1, &v, errs) == 0)
        fill_rule(&r, &v, s, errs);
    else
        r.metric = vmon_strdup("");
    vmon_values_free(&v);
    free(stripped.entries);
    plan->rules = vmon_realloc(plan->rules, (plan->n_rules + 1) * sizeof r);
    plan->rules[plan->n_rules++] = r;
}

static int resolve_ref(const vmon_plan *plan, const vmon_cfg_section *s, const char *key,
                       uint32_t kind, const char *name, vmon_errors *errs)
{
    int idx = find_instance(plan, kind, name);
    /* A section whose plugin was refused exists: its refusal is the one message. */
    if (idx < 0 && !is_unusable(plan, kind, name)) {
        const vmon_cfg_entry *e = vmon_cfg_get(s, key);
        vmon_errors_add(errs, e ? e->file : s->file, e ? e->line : s->line, s->name, key,
                        "no section [%s:%s]; define it or fix the name", vmon_kind_name(kind),
                        name);
    }
    return idx;
}

static void resolve_list(const vmon_plan *plan, const vmon_cfg_section *s, const vmon_values *v,
                         const char *key, uint32_t kind, int **out, size_t *n, vmon_errors *errs)
{
    const vmon_value *x = vmon_values_get(v, key);
    for (uint32_t i = 0; x && i < x->n_items; i++) {
        int idx = kind ? resolve_ref(plan, s, key, kind, x->items[i], errs)
                       : find_rule(plan, x->items[i]);
        if (!kind && idx < 0) {
            const vmon_cfg_entry *e = vmon_cfg_get(s, key);
            vmon_errors_add(errs, e->file, e->line, s->name, key,
                            "no section [rule:%s]; define it or fix the name", x->items[i]);
        }
        if (idx < 0)
            continue;
        *out = vmon_realloc(*out, (*n + 1) * sizeof **out);
        (*out)[(*n)++] = idx;
    }
}

static int resolve_single(const vmon_plan *plan, const vmon_cfg_section *s, const vmon_values *v,
                          const char *key, uint32_t kind, vmon_errors *errs)
{
    const vmon_value *x = vmon_values_get(v, key);
    return x ? resolve_ref(plan, s, key, kind, x->text, errs) : -1;
}

/* The tuning loop's settings; a loop needs a target, and one that applies needs a router. */
static vmon_tuning_settings *read_tuning(const vmon_plan *plan, const vmon_cfg_section *s,
                                         const vmon_values *v, const vmon_plan_pipeline *p,
                                         vmon_errors *errs)
{
    const vmon_plan_instance *target = p->target >= 0 ? &plan->instances[p->target] : NULL;
    vmon_tuning_settings *t = vmon_calloc(1, sizeof *t);
    const vmon_plan_instance *tuner = &plan->instances[p->tuner];
    vmon_tuning_settings_read(s, v, tuner->section, &tuner->values,
                              target && target->plugin ? target->plugin->desc.name : NULL, t, errs);
    if (!target)
        vmon_errors_add(errs, s->file, s->line, s->name, "tuner",
                        "a tuning loop needs the pipeline's `target =`; add one");
    if (p->traffic < 0 && !vmon_cfg_get(s, "traffic"))
        vmon_errors_add(errs, s->file, s->line, s->name, "tuner",
                        "a tuning loop measures the pipeline's traffic; add `traffic = NAME` "
                        "and a [traffic:NAME] section");
    if (t->exp.mode == VMON_EXP_APPLY && p->router < 0)
        vmon_errors_add(errs, s->file, s->line, s->name, "tuner",
                        "mode = apply needs a `router =` for its experiments; add one, or set "
                        "`mode = recommend`");
    return t;
}

/* Traffic needs a target to send its queries to. */
static int resolve_traffic(const vmon_plan *plan, const vmon_cfg_section *s, const vmon_values *v,
                           int target, vmon_errors *errs)
{
    const vmon_value *x = vmon_values_get(v, "traffic");
    if (!x)
        return -1;
    const vmon_cfg_entry *e = vmon_cfg_get(s, "traffic");
    int idx = vmon_plan_find_traffic(plan, x->text);
    if (idx < 0)
        vmon_errors_add(errs, e->file, e->line, s->name, "traffic",
                        "no section [traffic:%s]; define it or fix the name", x->text);
    else if (target < 0 && !vmon_cfg_get(s, "target"))
        vmon_errors_add(errs, e->file, e->line, s->name, "traffic",
                        "traffic needs the pipeline's target; set target = NAME");
    /* Each pipeline runs a stream of its own: sharing a section would multiply its max_qps. */
    for (size_t p = 0; idx >= 0 && p < plan->n_pipelines; p++)
        if (plan->pipelines[p].traffic == idx) {
            vmon_errors_add(errs, e->file, e->line, s->name, "traffic",
                            "[traffic:%s] already drives [pipeline:%s]; give each pipeline a "
                            "[traffic:NAME] section of its own",
                            x->text, plan->pipelines[p].name);
            break;
        }
    return idx;
}

static void add_pipeline(vmon_plan *plan, const vmon_cfg_section *s, vmon_errors *errs)
{
    const vmon_option *tables[1] = {vmon_schema_pipeline};
    vmon_values v = {0};
    vmon_values_from_section(s, tables, 1, &v, errs);
    vmon_plan_pipeline p = {.name = vmon_strdup(s->id)};
    p.target = resolve_single(plan, s, &v, "target", VMON_KIND_TARGET, errs);
    p.tuner = resolve_single(plan, s, &v, "tuner", VMON_KIND_TUNER, errs);
    p.router = resolve_single(plan, s, &v, "router", VMON_KIND_ROUTER, errs);
    p.traffic = resolve_traffic(plan, s, &v, p.target, errs);
    resolve_list(plan, s, &v, "probes", VMON_KIND_PROBE, &p.probes, &p.n_probes, errs);
    resolve_list(plan, s, &v, "rules", 0, &p.rules, &p.n_rules, errs);
    resolve_list(plan, s, &v, "sinks", VMON_KIND_SINK, &p.sinks, &p.n_sinks, errs);
    if (p.tuner >= 0)
        p.tuning = read_tuning(plan, s, &v, &p, errs);
    /* Listed but unusable sections were reported where they are; say nothing twice. */
    const vmon_value *listed_probes = vmon_values_get(&v, "probes");
    const vmon_value *listed_sinks = vmon_values_get(&v, "sinks");
    if ((!listed_probes || !listed_probes->n_items) && (!listed_sinks || !listed_sinks->n_items))
        vmon_errors_add(errs, s->file, s->line, s->name, NULL,
                        "the pipeline has neither probes nor sinks; list some");
    vmon_values_free(&v);
    plan->pipelines = vmon_realloc(plan->pipelines, (plan->n_pipelines + 1) * sizeof p);
    plan->pipelines[plan->n_pipelines++] = p;
}

static void read_daemon(vmon_plan *plan, const vmon_cfg *cfg, const char *plugin_dir,
                        vmon_errors *errs)
{
    const vmon_cfg_section *d = vmon_cfg_find(cfg, "daemon", "");
    vmon_cfg_section empty = {
        .name = "daemon", .kind = "daemon", .id = "", .file = "(defaults)", .dir = "."};
    const vmon_option *tables[1] = {vmon_schema_daemon};
    vmon_values_from_section(d ? d : &empty, tables, 1, &plan->daemon, errs);
    const vmon_value *v = vmon_values_get(&plan->daemon, "plugin_dir");
    plan->plugin_dir = vmon_strdup(plugin_dir ? plugin_dir
                                   : v        ? v->text
                                              : vmon_default_plugin_dir());
    plan->log_level = (int)vmon_values_get(&plan->daemon, "log_level")->i;
    plan->log_format = (int)vmon_values_get(&plan->daemon, "log_format")->i;
    plan->threads = vmon_values_get(&plan->daemon, "threads")->i;
    plan->self_interval_ms = vmon_values_get(&plan->daemon, "self_interval")->i;
    plan->shutdown_timeout_ms = vmon_values_get(&plan->daemon, "shutdown_timeout")->i;
}

/* Sections the core owns whole; the plugin kinds come from the kind table. */
static const char *const core_sections[] = {"daemon", "rule", "traffic", "pipeline"};
#define N_CORE_SECTIONS (sizeof core_sections / sizeof *core_sections)

static const char *section_kind_at(size_t i)
{
    return i < N_CORE_SECTIONS ? core_sections[i] : vmon_kind_at(i - N_CORE_SECTIONS)->name;
}

static void unknown_section(const vmon_cfg_section *s, vmon_errors *errs)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < N_CORE_SECTIONS + vmon_kind_count(); i++) {
        size_t d = vmon_edit_distance(s->kind, section_kind_at(i));
        if (d < best_d)
            best_d = d, best = section_kind_at(i);
    }
    if (best_d <= 2)
        vmon_errors_add(errs, s->file, s->line, s->name, NULL,
                        "unknown section kind '%s'; did you mean [%s:%s]?", s->kind, best, s->id);
    else
        vmon_errors_add(errs, s->file, s->line, s->name, NULL,
                        "unknown section kind '%s'; use daemon, %s, rule, traffic or pipeline",
                        s->kind, vmon_kind_names_joined());
}

static void check_section_name(const vmon_cfg_section *s, vmon_errors *errs)
{
    int is_daemon = strcmp(s->kind, "daemon") == 0;
    if (is_daemon && s->id[0])
        vmon_errors_add(errs, s->file, s->line, s->name, NULL, "write [daemon] without a name");
    else if (!is_daemon && !vmon_valid_label_name(s->id))
        vmon_errors_add(errs, s->file, s->line, s->name, NULL,
                        "section names are [%s:NAME] with NAME of letters, digits and _", s->kind);
}

/* Instance-to-target links (`target =` in probe and tuner sections). */
static void link_targets(vmon_plan *plan, const vmon_cfg *cfg, vmon_errors *errs)
{
    for (size_t i = 0; i < plan->n_instances; i++) {
        vmon_plan_instance *in = &plan->instances[i];
        const vmon_value *t = vmon_values_get(&in->values, "target");
        if (!t || in->kind == VMON_KIND_TARGET)
            continue;
        const vmon_cfg_section *s = vmon_cfg_find(cfg, vmon_kind_name(in->kind), in->name);
        in->target = resolve_ref(plan, s, "target", VMON_KIND_TARGET, t->text, errs);
    }
}

/* Two sections holding one data folder or port would fight over it at run time. */
static void check_exclusive(const vmon_plan *plan, const vmon_cfg *cfg, vmon_errors *errs)
{
    for (size_t j = 0; j < plan->n_instances; j++) {
        const vmon_plan_instance *later = &plan->instances[j];
        for (size_t i = 0; i < j; i++) {
            const vmon_value *v = NULL;
            const vmon_value *held =
                vmon_values_shared_exclusive(&later->values, &plan->instances[i].values, &v);
            if (!held)
                continue;
            const vmon_cfg_section *s =
                vmon_cfg_find(cfg, vmon_kind_name(later->kind), later->name);
            const vmon_cfg_entry *e = vmon_cfg_get(s, v->opt->key);
            vmon_errors_add(errs,
                            e   ? e->file
                            : s ? s->file
                                : NULL,
                            e   ? e->line
                            : s ? s->line
                                : 0,
                            later->section, v->opt->key,
                            "'%s' is already held by [%s] (%s); give each section its own", v->text,
                            plan->instances[i].section, held->opt->key);
            break;
        }
    }
}

int vmon_plan_build(const vmon_cfg *cfg, const char *config_path, const char *plugin_dir,
                    vmon_plan *plan, vmon_errors *errs)
{
    size_t before = errs->count;
    memset(plan, 0, sizeof *plan);
    plan->config_path = vmon_strdup(config_path);
    read_daemon(plan, cfg, plugin_dir, errs);
    for (size_t i = 0; i < cfg->n_sections; i++) {
        const vmon_cfg_section *s = &cfg->sections[i];
        uint32_t kind = vmon_kind_from_name(s->kind);
        int known = kind || strcmp(s->kind, "rule") == 0 || strcmp(s->kind, "pipeline") == 0 ||
                    strcmp(s->kind, "traffic") == 0 || strcmp(s->kind, "daemon") == 0;
        if (!known) {
            unknown_section(s, errs);
            continue;
        }
        check_section_name(s, errs);
        if (kind)
            add_instance(plan, s, kind, errs);
        else if (strcmp(s->kind, "rule") == 0)
            add_rule(plan, s, errs);
        else if (strcmp(s->kind, "traffic") == 0)
            vmon_plan_add_traffic(plan, s, errs);
    }
    link_targets(plan, cfg, errs);
    check_exclusive(plan, cfg, errs);
    for (size_t i = 0; i < cfg->n_sections; i++)
        if (strcmp(cfg->sections[i].kind, "pipeline") == 0)
            add_pipeline(plan, &cfg->sections[i], errs);
    if (plan->n_pipelines == 0)
        vmon_errors_add(errs, config_path, 0, NULL, NULL,
                        "no [pipeline:NAME] section; nothing would run");
    return errs->count > before ? -1 : 0;
}

int vmon_plan_load(const char *path, const char *plugin_dir, vmon_plan *plan, vmon_errors *errs)
{
    vmon_cfg cfg = {0};
    int rc = vmon_cfg_load(path, &cfg, errs);
    if (cfg.n_sections || rc == 0)
        rc |= vmon_plan_build(&cfg, path, plugin_dir, plan, errs);
    else
        memset(plan, 0, sizeof *plan);
    vmon_cfg_free(&cfg);
    return rc ? -1 : 0;
}

/* A value from the file or the environment, escaped so it cannot start a line of its own. */
static void print_text(const char *text, FILE *out)
{
    size_t len = strlen(text), cap = len * VMON_ESCAPE_MAX_GROWTH + 1;
    char *shown = vmon_calloc(cap, 1);
    vmon_escape_controls(text, len, shown, cap);
    fputs(shown, out);
    free(shown);
}

static void print_values(const vmon_values *v, FILE *out)
{
    for (size_t i = 0; i < v->n; i++) {
        const vmon_value *x = &v->v[i];
        fprintf(out, "%s = ", x->opt->key);
        char *shown = (x->opt->flags & VMON_OPT_SECRET) ? NULL : vmon_url_redacted(x->text);
        print_text((x->opt->flags & VMON_OPT_SECRET) || !shown ? "********" : shown, out);
        free(shown);
        fprintf(out, "%s\n", x->from_user ? "" : "    ; default");
    }
}

/* Keys left to the plugin's rule: shown, commented out, with the rule. */
static void print_computed(const vmon_option *opts, const vmon_values *v, FILE *out)
{
    for (const vmon_option *o = opts; o && o->key; o++)
        if ((o->flags & VMON_OPT_COMPUTED_DEFAULT) && !vmon_values_get(v, o->key))
            fprintf(out, "; %s = (computed: %s)\n", o->key, o->default_value);
}

static void print_kvs(const char *prefix, const vmon_kv *kv, size_t n, FILE *out)
{
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "%s%s = ", prefix, kv[i].name);
        char *shown = vmon_url_redacted(kv[i].value);
        print_text(shown ? shown : "********", out);
        free(shown);
        fputc('\n', out);
    }
}

static void print_refs(const vmon_plan *plan, const char *key, const int *idx, size_t n, int rules,
                       FILE *out)
{
    if (!n)
        return;
    fprintf(out, "%s = ", key);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s%s", i ? ", " : "",
                rules ? plan->rules[idx[i]].name : plan->instances[idx[i]].name);
    fputc('\n', out);
}

static void print_rule(const vmon_plan_rule *r, FILE *out)
{
    fprintf(out, "\n[rule:%s]\nmetric = %s\n", r->name, r->metric);
    if (r->n_match) {
        fprintf(out, "match = ");
        for (size_t i = 0; i < r->n_match; i++)
            fprintf(out, "%s%s=%s", i ? ", " : "", r->match[i].name, r->match[i].value);
        fputc('\n', out);
    }
    if (r->has_above)
        fprintf(out, "above = %g\n", r->above);
    if (r->has_below)
        fprintf(out, "below = %g\n", r->below);
    fprintf(out, "severity = %s\nfor = %lld\nhysteresis = %g\nrepeat = %lldms\n",
            vmon_severity_name((uint32_t)r->severity), (long long)r->for_count, r->hysteresis,
            (long long)r->repeat_ms);
    if (r->absent_ms)
        fprintf(out, "absent = %lldms\n", (long long)r->absent_ms);
    fprintf(out, "inhibits_target = %s\n", r->inhibits_target ? "true" : "false");
    if (r->message) {
        fputs("message = ", out);
        print_text(r->message, out);
        fputc('\n', out);
    }
    print_kvs("label.", r->labels, r->n_labels, out);
    print_kvs("annotation.", r->annotations, r->n_annotations, out);
}

void vmon_plan_print(const vmon_plan *plan, FILE *out)
{
    fprintf(out, "; effective configuration of %s\n[daemon]\n", plan->config_path);
    print_values(&plan->daemon, out);
    for (size_t i = 0; i < plan->n_instances; i++) {
        const vmon_plan_instance *in = &plan->instances[i];
        fprintf(out, "\n[%s]\n; %s %s\n", in->section, in->plugin->path, in->plugin->desc.version);
        print_values(&in->values, out);
        print_computed(in->plugin->desc.options, &in->values, out);
    }
    for (size_t i = 0; i < plan->n_rules; i++)
        print_rule(&plan->rules[i], out);
    for (size_t i = 0; i < plan->n_traffic; i++)
        vmon_plan_print_traffic(&plan->traffic[i], out);
    for (size_t i = 0; i < plan->n_pipelines; i++) {
        const vmon_plan_pipeline *p = &plan->pipelines[i];
        fprintf(out, "\n[pipeline:%s]\n", p->name);
        if (p->target >= 0)
            fprintf(out, "target = %s\n", plan->instances[p->target].name);
        print_refs(plan, "probes", p->probes, p->n_probes, 0, out);
        print_refs(plan, "rules", p->rules, p->n_rules, 1, out);
        print_refs(plan, "sinks", p->sinks, p->n_sinks, 0, out);
        if (p->tuner >= 0)
            fprintf(out, "tuner = %s\n", plan->instances[p->tuner].name);
        if (p->router >= 0)
            fprintf(out, "router = %s\n", plan->instances[p->router].name);
        if (p->traffic >= 0)
            fprintf(out, "traffic = %s\n", plan->traffic[p->traffic].name);
        if (p->tuning)
            vmon_tuning_settings_print(p->tuning, out);
    }
}

static void free_kvs(vmon_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].name);
        free(kv[i].value);
    }
    free(kv);
}

void vmon_plan_free(vmon_plan *plan)
{
    free(plan->config_path);
    free(plan->plugin_dir);
    vmon_values_free(&plan->daemon);
    for (size_t i = 0; i < plan->n_instances; i++) {
        free(plan->instances[i].name);
        free(plan->instances[i].section);
        vmon_values_free(&plan->instances[i].values);
    }
    free(plan->instances);
    vmon_plan_free_traffic(plan);
    for (size_t i = 0; i < plan->n_rules; i++) {
        vmon_plan_rule *r = &plan->rules[i];
        free(r->name);
        free(r->metric);
        free(r->message);
        free_kvs(r->match, r->n_match);
        free_kvs(r->labels, r->n_labels);
        free_kvs(r->annotations, r->n_annotations);
    }
    free(plan->rules);
    for (size_t i = 0; i < plan->n_pipelines; i++) {
        free(plan->pipelines[i].name);
        free(plan->pipelines[i].probes);
        free(plan->pipelines[i].rules);
        free(plan->pipelines[i].sinks);
        if (plan->pipelines[i].tuning)
            vmon_tuning_settings_free(plan->pipelines[i].tuning);
        free(plan->pipelines[i].tuning);
    }
    free(plan->pipelines);
    for (size_t i = 0; i < plan->n_unusable; i++)
        free(plan->unusable[i]);
    free(plan->unusable);
    memset(plan, 0, sizeof *plan);
}
