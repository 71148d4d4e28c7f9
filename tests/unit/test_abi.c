/*
 * ABI 0.3: typed ops, struct_size honoured both ways, the standalone API's
 * zero-extended ops, option tables that can grow and are checked at load
 * time, the core's key space, and when a plugin file's code first runs.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "instance.h"
#include "loader.h"
#include "plan.h"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_ops_named_as_sink_refused),
        cmocka_unit_test(test_old_sink_layout_translated),
        cmocka_unit_test(test_every_ops_copy_names_its_kind),
        cmocka_unit_test(test_emit_reads_the_callers_size),
        cmocka_unit_test(test_alerts_read_the_callers_size),
        cmocka_unit_test(test_target_handle_written_within_callers_size),
        cmocka_unit_test(test_standalone_hands_out_zero_extended_ops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
