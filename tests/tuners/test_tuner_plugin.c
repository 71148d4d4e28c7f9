/*
 * The real tuner_ivf.so and tuner_hnsw.so through the core's loader and
 * option validation (core/standalone.h): descriptor, option table, decide.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <vmon/tuner.h>

#include "standalone.h"

static const char *plugin_dir;

static vmon_standalone *open_tuner(const char *plugin, const char *const *pairs)
{
    vmon_standalone *s = NULL;
    char err[1024] = "";
    if (vmon_standalone_open(plugin_dir, "tuner", plugin, "t", pairs, NULL, NULL, &s, err,
                             sizeof err) != 0)
        fail_msg("open tuner %s: %s", plugin, err);
    return s;
}

static int decide(vmon_standalone *s, const vmon_tuning_input *in, vmon_tuning_output *out,
                  char *err, size_t errlen)
{
    const vmon_tuner_ops *ops = vmon_standalone_ops(s);
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    return ops->decide(vmon_standalone_ctx(s), in, out, err, errlen);
}

static int has_option(const vmon_plugin_descriptor *d, const char *key)
{
    for (const vmon_option *o = d->options; o && o->key; o++)
        if (!strcmp(o->key, key))
            return 1;
    return 0;
}

static void test_ivf_classic_through_loader(void **state)
{
    (void)state;
    const char *pairs[] = {"mode", "classic", NULL};
    vmon_standalone *s = open_tuner("ivf", pairs);
    const vmon_plugin_descriptor *d = vmon_standalone_descriptor(s);
    assert_string_equal(d->name, "ivf");
    assert_int_equal(d->kind, VMON_KIND_TUNER);
    assert_true(has_option(d, "mode") && has_option(d, "max_measured"));

    vmon_collection_stats f = {.struct_size = sizeof f, .nlist = 2000, .row_count = 1000000};
    strcpy(f.index_type, "IVF_FLAT");
    vmon_tuning_input in = {.struct_size = sizeof in,
                            .reason = VMON_TUNE_INITIAL,
                            .collection = "c",
                            .facts = &f,
                            .latency_target_ms = 30};
    in.current.top_k = 10;
    vmon_tuning_output out;
    char err[256];
    assert_int_equal(decide(s, &in, &out, err, sizeof err), VMON_OK);
    assert_int_equal(out.decision, VMON_TUNE_PROPOSE);
    assert_int_equal(out.candidates[0].params.nprobe, 40);
    assert_int_equal(out.nlist, 2000);

    strcpy(f.index_type, "HNSW");
    assert_int_equal(decide(s, &in, &out, err, sizeof err), VMON_EINVAL);
    assert_non_null(strstr(err, "plugin = hnsw"));
    vmon_standalone_close(s);
}

/* The default mode is recall_aware: with nothing measured it asks to measure. */
static void test_hnsw_default_recall_aware(void **state)
{
    (void)state;
    vmon_standalone *s = open_tuner("hnsw", NULL);
    vmon_collection_stats f = {.struct_size = sizeof f, .m = 16, .row_count = 50000};
    strcpy(f.index_type, "HNSW");
    vmon_tuning_input in = {.struct_size = sizeof in,
                            .reason = VMON_TUNE_INITIAL,
                            .collection = "c",
                            .facts = &f,
                            .latency_target_ms = 5,
                            .recall_floor = 0.9};
    in.current.top_k = 10;
    vmon_tuning_output out;
    char err[256];
    assert_int_equal(decide(s, &in, &out, err, sizeof err), VMON_OK);
    assert_int_equal(out.decision, VMON_TUNE_MEASURE);
    assert_int_equal(out.n_candidates, 1);
    assert_true(out.candidates[0].params.ef >= 10);
    assert_int_equal(out.candidates[0].params.nprobe, 0);
    assert_int_equal(out.nlist, 0);
    vmon_standalone_close(s);
}

/* A bad option is refused by the loader's validation, naming the key and the choices. */
static void test_bad_options_refused(void **state)
{
    (void)state;
    static const char *const bad[][5] = {{"mode", "fast", NULL},
                                         {"max_measured", "1", NULL},
                                         {"headroom", "150%", NULL},
                                         {"nprobe", "8", NULL}};
    static const char *const names[] = {"mode", "max_measured", "headroom", "nprobe"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        vmon_standalone *s = NULL;
        char err[1024] = "";
        assert_int_not_equal(vmon_standalone_open(plugin_dir, "tuner", "ivf", "t", bad[i], NULL,
                                                  NULL, &s, err, sizeof err),
                             0);
        if (!strstr(err, names[i]))
            fail_msg("error for %s does not name it: %s", names[i], err);
    }
    char err[1024] = "";
    vmon_standalone *s = NULL;
    const char *pairs[] = {"mode", "fast", NULL};
    vmon_standalone_open(plugin_dir, "tuner", "ivf", "t", pairs, NULL, NULL, &s, err, sizeof err);
    assert_non_null(strstr(err, "recall_aware"));
}

int main(int argc, char **argv)
{
    plugin_dir = argc > 1 ? argv[1] : "plugins";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ivf_classic_through_loader),
        cmocka_unit_test(test_hnsw_default_recall_aware),
        cmocka_unit_test(test_bad_options_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
