/*
 * ABI 0.6: a target's optional sample_origin, absent for 0.5 targets.
 * ABI 0.5: sample types, read only within the caller's struct_size.
 * ABI 0.3: typed ops, struct_size honoured both ways, the standalone API's
 * zero-extended ops, option tables that can grow and are checked at load
 * time, the core's key space, and when a plugin file's code first runs.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "instance.h"
#include "loader.h"
#include "option_table.h"
#include "plan.h"
#include "sample_batch.h"
#include "schema.h"
#include "standalone.h"
#include "test_util.h"

static const vmon_plugin *load_ok(const char *dir, uint32_t kind, const char *name)
{
    char err[1024] = "";
    const vmon_plugin *p = vmon_plugin_load(dir, kind, name, err, sizeof err);
    if (!p)
        fail_msg("%s_%s refused: %s", vmon_kind_name(kind), name, err);
    return p;
}

/* Refused, naming the file and saying `needle`. */
static void expect_refused(const char *dir, uint32_t kind, const char *name, const char *needle)
{
    char err[1024] = "";
    const vmon_plugin *p = vmon_plugin_load(dir, kind, name, err, sizeof err);
    if (p || !strstr(err, needle))
        fail_msg("%s: expected refusal containing '%s', got %s", name, needle,
                 p ? "accepted" : err);
    char file[1024];
    snprintf(file, sizeof file, "%s/%s_%s.so", dir, vmon_kind_name(kind), name);
    if (!strstr(err, file))
        fail_msg("the refusal does not name %s: %s", file, err);
}

/* ---- item: typed ops ---- */

static void test_probe_ops_named_as_sink_refused(void **state)
{
    (void)state;
    expect_refused(VMON_ABI_FIXTURE_DIR, VMON_KIND_SINK, "x",
                   "declares kind 'sink' but its operations table says kind 'probe'");
    expect_refused(VMON_ABI_FIXTURE_DIR, VMON_KIND_SINK, "x",
                   "point .ops at a vmon_sink_ops with .kind = VMON_KIND_SINK");
}

static void test_old_sink_layout_translated(void **state)
{
    (void)state;
    const vmon_plugin *p = load_ok(VMON_ABI_FIXTURE_DIR, VMON_KIND_SINK, "old");
    const vmon_sink_ops *ops = p->ops;
    assert_int_equal(p->desc.abi_minor, 2);
    assert_int_equal(ops->kind, VMON_KIND_SINK);
    assert_int_equal(ops->max_batch, 7); /* read from the 0.2 word, not taken as a kind */
    assert_non_null(ops->deliver);
    assert_non_null(ops->on_samples);
}

/* ABI 0.4 replaced the provisional tuner and router operations: say what to do. */
static void test_provisional_tuner_and_router_refused(void **state)
{
    (void)state;
    expect_refused(VMON_ABI_FIXTURE_DIR, VMON_KIND_TUNER, "provisional",
                   "lacks required operation 'decide (ABI 0.4 replaced the provisional "
                   "initial/adjust: rebuild against the current SDK)'");
    expect_refused(VMON_ABI_FIXTURE_DIR, VMON_KIND_ROUTER, "provisional",
                   "'set_weights (ABI 0.4 replaced the provisional set_share");
}

static void test_every_ops_copy_names_its_kind(void **state)
{
    (void)state;
    /* The 0.1 target had a reserved zero where the kind is now. */
    const vmon_plugin *t = load_ok(VMON_TEST_PLUGIN_DIR, VMON_KIND_TARGET, "old");
    assert_int_equal(((const vmon_target_ops *)t->ops)->kind, VMON_KIND_TARGET);
    const vmon_plugin *s = load_ok(VMON_BUILD_PLUGIN_DIR, VMON_KIND_SINK, "stdout");
    assert_int_equal(((const vmon_sink_ops *)s->ops)->kind, VMON_KIND_SINK);
    assert_ptr_equal(s->desc.ops, s->ops);
}

/* ---- item: struct_size both ways ---- */

typedef struct received {
    int samples, alerts;
    vmon_sample sample;
    vmon_alert_spec spec;
} received;

static void on_emit(void *arg, vmon_instance *inst, const vmon_sample *s)
{
    (void)inst;
    received *r = arg;
    r->samples++;
    r->sample = *s;
}

static void on_alert(void *arg, vmon_instance *inst, const vmon_alert_spec *spec, int resolve)
{
    (void)inst;
    (void)resolve;
    received *r = arg;
    r->alerts++;
    r->spec = *spec;
}

static vmon_instance *probe_instance(received *r)
{
    static vmon_values none;
    vmon_instance_hooks hooks = {.emit = on_emit, .alert = on_alert, .arg = r};
    return vmon_instance_new(VMON_KIND_PROBE, "p",
                             load_ok(VMON_TEST_PLUGIN_DIR, VMON_KIND_PROBE, "counter"), &none,
                             hooks);
}

static void test_emit_reads_the_callers_size(void **state)
{
    (void)state;
    received r = {0};
    vmon_instance *inst = probe_instance(&r);
    const vmon_host *host = vmon_host_table();
    /* Longer than ours (a later minor appended a field): only our prefix is read. */
    struct {
        vmon_sample s;
        uint64_t appended;
    } longer = {.s = {.struct_size = sizeof longer, .name = "fixture.long_total", .value = 3},
                .appended = 99};
    assert_int_equal(host->emit(inst, &longer.s), VMON_OK);
    assert_int_equal(r.samples, 1);
    assert_int_equal(r.sample.struct_size, sizeof(vmon_sample));
    assert_string_equal(r.sample.name, "fixture.long_total");
    assert_true(r.sample.value == 3);
    /* Shorter than the first layout: refused, never read past its end. */
    vmon_sample shorter = {.struct_size = offsetof(vmon_sample, time_ms),
                           .name = "fixture.x_total"};
    assert_int_equal(host->emit(inst, &shorter), VMON_EINVAL);
    assert_int_equal(r.samples, 1);
    vmon_instance_destroy(inst);
}

/* ---- item: sample types (0.5) ---- */

static vmon_instance *probe_from(received *r, const vmon_plugin *p)
{
    static vmon_values none;
    vmon_instance_hooks hooks = {.emit = on_emit, .alert = on_alert, .arg = r};
    vmon_instance *inst = vmon_instance_new(VMON_KIND_PROBE, "p", p, &none, hooks);
    char err[256];
    assert_int_equal(vmon_instance_create(inst, err, sizeof err), 0);
    return inst;
}

static void collect_once(vmon_instance *inst, const vmon_plugin *p)
{
    char err[256];
    assert_int_equal(((const vmon_probe_ops *)p->ops)->collect(inst->ctx, err, sizeof err), 0);
}

static void test_v04_probe_samples_read_as_gauges(void **state)
{
    (void)state;
    received r = {0};
    const vmon_plugin *old = load_ok(VMON_ABI_FIXTURE_DIR, VMON_KIND_PROBE, "v04");
    assert_int_equal(old->desc.abi_minor, 4);
    vmon_instance *inst = probe_from(&r, old);
    collect_once(inst, old);
    assert_int_equal(r.samples, 1);
    assert_string_equal(r.sample.name, "fixture.count_total");
    /* The bytes past its 0.4 struct_size say counter; the core never read them. */
    assert_int_equal(r.sample.type, VMON_SAMPLE_GAUGE);
    vmon_instance_destroy(inst);

    /* The same code built for 0.5 says counter, and the core carries it. */
    received r5 = {0};
    const vmon_plugin *now = load_ok(VMON_TEST_PLUGIN_DIR, VMON_KIND_PROBE, "counter");
    inst = probe_from(&r5, now);
    collect_once(inst, now);
    assert_int_equal(r5.samples, 1);
    assert_int_equal(r5.sample.type, VMON_SAMPLE_COUNTER);
    vmon_instance_destroy(inst);
}

static void test_histogram_parts_checked_and_carried_to_sinks(void **state)
{
    (void)state;
    received r = {0};
    vmon_instance *inst = probe_instance(&r);
    const vmon_host *host = vmon_host_table();
    vmon_label le = {"le", "0.5"};
    static const struct {
        const char *name;
        int with_le;
        uint32_t type, want;
    } cases[] = {
        {"proxy.lat_ms_bucket", 1, VMON_SAMPLE_HISTOGRAM_BUCKET, VMON_SAMPLE_HISTOGRAM_BUCKET},
        {"proxy.lat_ms_sum", 0, VMON_SAMPLE_HISTOGRAM_SUM, VMON_SAMPLE_HISTOGRAM_SUM},
        {"proxy.lat_ms_count", 0, VMON_SAMPLE_HISTOGRAM_COUNT, VMON_SAMPLE_HISTOGRAM_COUNT},
        {"proxy.lat_ms_bucket", 0, VMON_SAMPLE_HISTOGRAM_BUCKET, VMON_SAMPLE_GAUGE}, /* no le */
        {"proxy.lat_ms", 1, VMON_SAMPLE_HISTOGRAM_BUCKET, VMON_SAMPLE_GAUGE},        /* no suffix */
        {"proxy.lat_ms_count", 0, VMON_SAMPLE_HISTOGRAM_SUM, VMON_SAMPLE_GAUGE},
        {"proxy.lat_ms_sum", 1, VMON_SAMPLE_HISTOGRAM_SUM, VMON_SAMPLE_GAUGE}, /* le on a sum */
        {"proxy.x_total", 0, 77, VMON_SAMPLE_GAUGE},                           /* unknown type */
    };
    vmon_sample_batch *b = vmon_batch_new("probe:p");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vmon_sample s = {.struct_size = sizeof s,
                         .name = cases[i].name,
                         .labels = cases[i].with_le ? &le : NULL,
                         .n_labels = cases[i].with_le ? 1 : 0,
                         .value = 1,
                         .type = cases[i].type};
        assert_int_equal(host->emit(inst, &s), VMON_OK);
        if (r.sample.type != cases[i].want)
            fail_msg("case %zu (%s): type %u, want %u", i, cases[i].name, r.sample.type,
                     cases[i].want);
        vmon_batch_add(b, &r.sample, "p", 1);
    }
    /* What a sink's on_samples gets: the batch's copies keep the type. */
    for (size_t i = 0; i < b->n; i++)
        assert_int_equal(b->samples[i].type, cases[i].want);
    vmon_batch_unref(b);
    vmon_instance_destroy(inst);
}

static void test_alerts_read_the_callers_size(void **state)
{
    (void)state;
    received r = {0};
    vmon_instance *inst = probe_instance(&r);
    const vmon_host *host = vmon_host_table();
    struct {
        vmon_alert_spec a;
        uint64_t appended;
    } longer = {.a = {.struct_size = sizeof longer, .name = "disk_full", .value = 1}};
    assert_int_equal(host->raise_alert(inst, &longer.a), VMON_OK);
    assert_int_equal(r.alerts, 1);
    assert_int_equal(r.spec.struct_size, sizeof(vmon_alert_spec));
    assert_string_equal(r.spec.name, "disk_full");
    vmon_alert_spec shorter = {.struct_size = offsetof(vmon_alert_spec, value), .name = "x"};
    assert_int_equal(host->raise_alert(inst, &shorter), VMON_EINVAL);
    assert_int_equal(host->resolve_alert(inst, &shorter), VMON_EINVAL);
    assert_int_equal(r.alerts, 1);
    vmon_instance_destroy(inst);
}

static void test_target_handle_written_within_callers_size(void **state)
{
    (void)state;
    received r = {0};
    vmon_instance *inst = probe_instance(&r);
    static vmon_values none;
    vmon_instance_hooks no_hooks = {0};
    const vmon_plugin *tp = load_ok(VMON_TEST_PLUGIN_DIR, VMON_KIND_TARGET, "old");
    vmon_instance *target = vmon_instance_new(VMON_KIND_TARGET, "t", tp, &none, no_hooks);
    char err[256];
    assert_int_equal(vmon_instance_create(target, err, sizeof err), 0);
    inst->target = target;
    const vmon_host *host = vmon_host_table();

    struct {
        vmon_target_handle h;
        uint64_t guard;
    } longer = {.h = {.struct_size = sizeof longer}, .guard = 0x5a5a5a5a5a5a5a5aull};
    assert_int_equal(host->target(inst, &longer.h), VMON_OK);
    assert_int_equal(longer.h.struct_size, sizeof(vmon_target_handle));
    assert_ptr_equal(longer.h.ops, tp->ops);
    assert_string_equal(longer.h.name, "t");
    assert_true(longer.guard == 0x5a5a5a5a5a5a5a5aull);

    /* Shorter than the first handle: nothing is written past (or into) it. */
    unsigned char bytes[sizeof(vmon_target_handle)];
    memset(bytes, 0xab, sizeof bytes);
    vmon_target_handle *shorter = (vmon_target_handle *)(void *)bytes;
    shorter->struct_size = offsetof(vmon_target_handle, ctx);
    assert_int_equal(host->target(inst, shorter), VMON_EINVAL);
    for (size_t i = sizeof(uint32_t); i < sizeof bytes; i++)
        assert_int_equal(bytes[i], 0xab);
    vmon_instance_destroy(inst);
    vmon_instance_destroy(target);
}

/* ---- item: the standalone API hands out the zero-extended ops ---- */

static void test_standalone_hands_out_zero_extended_ops(void **state)
{
    (void)state;
    vmon_standalone *s;
    char err[1024];
    assert_int_equal(vmon_standalone_open(VMON_TEST_PLUGIN_DIR, "target", "old", "t", NULL, NULL,
                                          NULL, &s, err, sizeof err),
                     0);
    const vmon_target_ops *ops = vmon_standalone_ops(s);
    const vmon_plugin *p = load_ok(VMON_TEST_PLUGIN_DIR, VMON_KIND_TARGET, "old");
    assert_ptr_equal(ops, p->ops);
    assert_ptr_equal(vmon_standalone_descriptor(s)->ops, p->ops);
    /* The 0.1 plugin's table ends after report: the trailing ops read as absent. */
    assert_non_null(ops->report);
    assert_null(ops->sample_queries);
    assert_null(ops->exact_search);
    assert_false(VMON_HAS_FIELD(vmon_target_ops, ops, exact_search));
    vmon_standalone_close(s);
}

/* ---- item: ABI 0.6 sample_origin is optional; a 0.5 target's table ends before it ---- */

static void test_v05_target_loads_without_sample_origin(void **state)
{
    (void)state;
    const vmon_plugin *old = load_ok(VMON_ABI_FIXTURE_DIR, VMON_KIND_TARGET, "v05");
    assert_int_equal(old->desc.abi_minor, 5);
    const vmon_target_ops *ops = old->ops;
    assert_non_null(ops->drop_collection);
    /* Its static table holds the function past its 0.5 struct_size: never read. */
    assert_int_equal(ops->struct_size, offsetof(vmon_target_ops, sample_origin));
    assert_null(ops->sample_origin);
    assert_false(VMON_HAS_FIELD(vmon_target_ops, ops, sample_origin));

    /* The same code built for 0.6 has it, and it answers. */
    const vmon_plugin *now = load_ok(VMON_ABI_FIXTURE_DIR, VMON_KIND_TARGET, "origin");
    ops = now->ops;
    assert_true(VMON_HAS_FIELD(vmon_target_ops, ops, sample_origin));
    char buf[128];
    assert_int_equal(ops->sample_origin(NULL, "fixture.figure", buf, sizeof buf), VMON_OK);
    assert_string_equal(buf, "fixture metric figure_total on fixture db 1.0");
    assert_int_equal(ops->sample_origin(NULL, "other", buf, sizeof buf), VMON_EINVAL);
}

/* ---- item: option tables can grow, are checked at load, own their key space ---- */

static void test_option_entries_walked_by_option_size(void **state)
{
    (void)state;
    /* Entries larger than ours (as a later minor's header would make them). */
    const vmon_plugin *p = load_ok(VMON_ABI_FIXTURE_DIR, VMON_KIND_PROBE, "wide");
    const char *want[] = {"start", "fail", "delay", "password"};
    const vmon_option *o = p->desc.options;
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(o[i].key, want[i]);
    assert_null(o[4].key);
    assert_int_equal(o[2].type, VMON_OPT_DURATION);
    assert_int_equal(p->desc.option_size, sizeof(vmon_option));
    /* And the values reach the plugin. */
    const char *pairs[] = {"start", "5", NULL};
    vmon_standalone *s;
    char err[1024];
    assert_int_equal(vmon_standalone_open(VMON_ABI_FIXTURE_DIR, "probe", "wide", "w", pairs, NULL,
                                          NULL, &s, err, sizeof err),
                     0);
    vmon_standalone_close(s);
}

static void test_bad_names_and_tables_refused_at_load(void **state)
{
    (void)state;
    const char *dir = VMON_ABI_FIXTURE_DIR;
    expect_refused(dir, VMON_KIND_PROBE, "Bad-Name",
                   "plugin name 'Bad-Name' is not [a-z][a-z0-9_]*");
    expect_refused(dir, VMON_KIND_PROBE, "badopt1", "option 'Bad Key': keys are [a-z][a-z0-9_.]*");
    expect_refused(dir, VMON_KIND_PROBE, "badopt2",
                   "option 'interval': collides with the core's key");
    expect_refused(dir, VMON_KIND_PROBE, "badopt3",
                   "option 'limit': default 'lots' does not parse: expected a whole number");
    expect_refused(dir, VMON_KIND_PROBE, "badopt4", "option 'limit': range min 10 is above max 1");
    expect_refused(dir, VMON_KIND_PROBE, "badopt5", "option 'mode': an enum that lists no values");
    expect_refused(dir, VMON_KIND_PROBE, "badopt6", "option 'limit': unknown type 99");
    expect_refused(dir, VMON_KIND_PROBE, "badopt7", "option 'limit': unknown flags 0x100");
    expect_refused(dir, VMON_KIND_PROBE, "badopt8", "option 'start': declared twice");
    expect_refused(dir, VMON_KIND_PROBE, "badopt8", "fix the plugin's option table");
}

static void test_later_core_key_never_shadows_a_plugin_key(void **state)
{
    (void)state;
    const uint16_t later = VMON_ABI_MINOR + 1;
    const vmon_option core[] = {
        {.key = "plugin", .type = VMON_OPT_STRING},
        {.key = "window", .type = VMON_OPT_DURATION, .flags = VMON_CORE_SINCE(later)},
        {0}};
    vmon_option *now = vmon_core_keys_known_at(core, VMON_ABI_MINOR);
    vmon_option *then = vmon_core_keys_known_at(core, later);
    assert_string_equal(now[0].key, "plugin");
    assert_null(now[1].key);
    assert_string_equal(then[1].key, "window");
    assert_int_equal(vmon_core_key_since(&then[1]), later);

    /* A plugin of today that has its own `window` keeps it in a later core. */
    const vmon_option plugin[] = {{.key = "window", .type = VMON_OPT_INT}, {0}};
    vmon_cfg cfg = {0};
    vmon_errors errs = {0};
    vmon_cfg_load_string("[probe:p]\nplugin = x\nwindow = 7\n", "t.ini", ".", &cfg, &errs);
    const vmon_option *tables[2] = {now, plugin};
    vmon_values vals = {0};
    assert_int_equal(vmon_values_from_section(&cfg.sections[0], tables, 2, &vals, &errs), 0);
    assert_ptr_equal(vmon_values_get(&vals, "window")->opt, &plugin[0]);
    assert_int_equal(vmon_values_get(&vals, "window")->i, 7);
    vmon_values_free(&vals);
    vmon_cfg_free(&cfg);
    vmon_errors_free(&errs);
    free(now);
    free(then);
    /* The shipped core keys all date from 0.1 and apply to every plugin. */
    assert_string_equal(vmon_kind_core_options(VMON_KIND_PROBE, 1)[2].key, "interval");
}

static void test_computed_default_left_to_the_plugin(void **state)
{
    (void)state;
    const vmon_plugin *p = load_ok(VMON_BUILD_PLUGIN_DIR, VMON_KIND_SINK, "syslog");
    const vmon_option *max = NULL;
    for (const vmon_option *o = p->desc.options; o->key; o++)
        if (strcmp(o->key, "max_message") == 0)
            max = o;
    assert_non_null(max);
    assert_true(max->flags & VMON_OPT_COMPUTED_DEFAULT);
    assert_non_null(strstr(max->default_value, "1024 for rfc3164"));
    vmon_cfg cfg = {0};
    vmon_errors errs = {0};
    vmon_cfg_load_string("[sink:s]\nplugin = syslog\n", "t.ini", ".", &cfg, &errs);
    const vmon_option *tables[2] = {vmon_kind_core_options(VMON_KIND_SINK, p->desc.abi_minor),
                                    p->desc.options};
    vmon_values vals = {0};
    assert_int_equal(vmon_values_from_section(&cfg.sections[0], tables, 2, &vals, &errs), 0);
    assert_null(vmon_values_get(&vals, "max_message")); /* unset: the plugin applies its rule */
    assert_non_null(vmon_values_get(&vals, "msgid"));   /* an ordinary default is set */
    vmon_values_free(&vals);
    vmon_cfg_free(&cfg);
    vmon_errors_free(&errs);
}

/* The core's own tables pass the checks plugin tables get (its minor marks aside). */
static void check_core_table(const char *what, const vmon_option *table)
{
    size_t n = 0;
    while (table[n].key)
        n++;
    vmon_option *plain = calloc(n + 1, sizeof *plain);
    for (size_t i = 0; i < n; i++) {
        plain[i] = table[i];
        plain[i].flags &= VMON_OPT_KNOWN_FLAGS;
    }
    char err[1024] = "";
    vmon_option *copy = vmon_option_table_copy(what, plain, sizeof *plain, NULL, err, sizeof err);
    if (!copy)
        fail_msg("core table %s: %s", what, err);
    free(copy);
    free(plain);
}

static void test_core_tables_pass_the_plugin_checks(void **state)
{
    (void)state;
    check_core_table("daemon", vmon_schema_daemon);
    check_core_table("rule", vmon_schema_rule);
    check_core_table("pipeline", vmon_schema_pipeline);
    for (size_t i = 0; i < vmon_kind_count(); i++)
        check_core_table(vmon_kind_at(i)->name, vmon_kind_at(i)->core_options);
}

/* ---- item: options are declared once ---- */

static void test_undeclared_key_is_a_loud_bug(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    char log[1100];
    snprintf(log, sizeof log, "%s/stderr.txt", dir);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen(log, "w", stderr))
            _exit(3);
        received r = {0};
        vmon_instance *inst = probe_instance(&r);
        const vmon_host *host = vmon_host_table();
        int64_t a = host->cfg_int(inst, "no_such_key");
        int64_t b = host->cfg_int(inst, "no_such_key");
        const char *c = host->cfg_string(inst, "no_such_key");
        int64_t start = host->cfg_int(inst, "start"); /* declared, unset: no report */
        vmon_instance_destroy(inst); /* leave nothing for valgrind to report in the child */
        free(dir);
        fclose(stderr);
        _exit(a == 0 && b == 0 && c == NULL && start == 0 ? 0 : 4);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    char *text = test_read_file(log);
    assert_non_null(text);
#ifdef NDEBUG
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(test_count_lines(text, "reads key 'no_such_key'"), 1);
#else
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    assert_int_equal(test_count_lines(text, "reads key 'no_such_key'"), 1);
#endif
    assert_non_null(strstr(text, "which its option table does not declare"));
    assert_int_equal(test_count_lines(text, "'start'"), 0);
    free(text);
    test_rm_tree(dir);
    free(dir);
}

/* ---- item: a refused plugin is one error, not also a missing section ---- */

static void test_refused_plugin_reported_once(void **state)
{
    (void)state;
    const char *ini = "[target:t]\n"
                      "plugin = halfnew\n"
                      "[probe:m]\n"
                      "plugin = wrongkind\n"
                      "[probe:c]\n"
                      "plugin = counter\n"
                      "target = t\n"
                      "[sink:s]\n"
                      "[pipeline:p]\n"
                      "target = t\n"
                      "probes = m, c, ghost\n"
                      "sinks = s\n";
    vmon_cfg cfg = {0};
    vmon_errors errs = {0};
    vmon_plan plan;
    assert_int_equal(vmon_cfg_load_string(ini, "r.ini", ".", &cfg, &errs), 0);
    assert_int_equal(vmon_plan_build(&cfg, "r.ini", VMON_TEST_PLUGIN_DIR, &plan, &errs), -1);
    char all[8192];
    vmon_errors_join(&errs, all, sizeof all);
    /* One root cause each: the refusals and the missing plugin key ... */
    assert_int_equal(test_count_lines(all, "r.ini:2: [target:t] plugin:"), 1);
    assert_int_equal(test_count_lines(all, "r.ini:4: [probe:m] plugin:"), 1);
    assert_int_equal(test_count_lines(all, "r.ini:8: [sink:s] plugin: required key is missing"), 1);
    /* ... and no echo of them as missing sections; a really missing one still is. */
    assert_int_equal(test_count_lines(all, "no section [probe:m]"), 0);
    assert_int_equal(test_count_lines(all, "no section [target:t]"), 0);
    assert_int_equal(test_count_lines(all, "no section [sink:s]"), 0);
    assert_int_equal(
        test_count_lines(all, "r.ini:11: [pipeline:p] probes: no section [probe:ghost]"), 1);
    assert_int_equal((int)errs.count, 4);
    vmon_plan_free(&plan);
    vmon_cfg_free(&cfg);
    vmon_errors_free(&errs);
}

/* ---- item: what of a plugin file runs, and when ---- */

static char *marker_text(const char *marker)
{
    char *text = test_read_file(marker);
    return text ? text : strdup("");
}

static void copy_fixture(const char *name, const char *dir, const char *as, mode_t mode)
{
    char from[1200], to[1400];
    snprintf(from, sizeof from, "%s/%s", VMON_ABI_FIXTURE_DIR, name);
    snprintf(to, sizeof to, "%s/%s", dir, as);
    test_copy_file(from, to);
    chmod(to, mode);
}

static void test_constructors_run_only_after_the_file_checks(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    char marker[1100], sub[1100], link[1200], target[1200];
    snprintf(marker, sizeof marker, "%s/marker.txt", dir);
    setenv("VMON_FIXTURE_MARKER", marker, 1);

    /* Refused by the file checks: nothing of the file runs (it is never mapped). */
    snprintf(sub, sizeof sub, "%s/open", dir);
    mkdir(sub, 0755);
    copy_fixture("probe_marker.so", sub, "probe_marker.so", 0777);
    expect_refused(sub, VMON_KIND_PROBE, "marker", "world-writable");
    snprintf(target, sizeof target, "%s/probe_marker.so", sub);
    chmod(target, 0755);
    snprintf(link, sizeof link, "%s/probe_linked.so", sub);
    assert_int_equal(symlink(target, link), 0);
    expect_refused(sub, VMON_KIND_PROBE, "linked", "symbolic link");
    char *text = marker_text(marker);
    assert_string_equal(text, "");
    free(text);

    /* Refused for its ABI: dlopen ran its constructor, but no descriptor function ran. */
    copy_fixture("probe_markernew.so", dir, "probe_markernew.so", 0755);
    expect_refused(dir, VMON_KIND_PROBE, "markernew", "needs plugin ABI");
    text = marker_text(marker);
    assert_string_equal(text, "constructor\n");
    free(text);

    /* Accepted: create runs only when an instance is made. */
    copy_fixture("probe_marker.so", dir, "probe_marker.so", 0755);
    vmon_standalone *s;
    char err[1024];
    assert_int_equal(
        vmon_standalone_open(dir, "probe", "marker", "m", NULL, NULL, NULL, &s, err, sizeof err),
        0);
    vmon_standalone_close(s);
    text = marker_text(marker);
    assert_string_equal(text, "constructor\nconstructor\ncreate\n");
    free(text);
    unsetenv("VMON_FIXTURE_MARKER");
    test_rm_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_ops_named_as_sink_refused),
        cmocka_unit_test(test_old_sink_layout_translated),
        cmocka_unit_test(test_provisional_tuner_and_router_refused),
        cmocka_unit_test(test_every_ops_copy_names_its_kind),
        cmocka_unit_test(test_emit_reads_the_callers_size),
        cmocka_unit_test(test_v04_probe_samples_read_as_gauges),
        cmocka_unit_test(test_histogram_parts_checked_and_carried_to_sinks),
        cmocka_unit_test(test_alerts_read_the_callers_size),
        cmocka_unit_test(test_target_handle_written_within_callers_size),
        cmocka_unit_test(test_standalone_hands_out_zero_extended_ops),
        cmocka_unit_test(test_v05_target_loads_without_sample_origin),
        cmocka_unit_test(test_option_entries_walked_by_option_size),
        cmocka_unit_test(test_bad_names_and_tables_refused_at_load),
        cmocka_unit_test(test_later_core_key_never_shadows_a_plugin_key),
        cmocka_unit_test(test_computed_default_left_to_the_plugin),
        cmocka_unit_test(test_core_tables_pass_the_plugin_checks),
        cmocka_unit_test(test_undeclared_key_is_a_loud_bug),
        cmocka_unit_test(test_refused_plugin_reported_once),
        cmocka_unit_test(test_constructors_run_only_after_the_file_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
