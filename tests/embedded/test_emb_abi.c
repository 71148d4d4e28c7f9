/* The embedded target through the real loader: ABI checks, option
 * validation, host wiring, and the operations as a probe or the bench sees
 * them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "standalone.h"

enum { DIM = 16, K = 5 };

static vmon_standalone *open_target(const char *const *pairs, char *err, size_t errlen)
{
    vmon_standalone *s = NULL;
    int rc = vmon_standalone_open(VMON_TEST_PLUGIN_DIR, "target", "embedded", "local", pairs, NULL,
                                  NULL, &s, err, errlen);
    return rc == 0 ? s : NULL;
}

static int count_sample(void *arg, const vmon_sample *s)
{
    int *n = arg;
    if (strcmp(s->name, "datanode.rows_total") == 0 && s->value == 3000)
        (*n)++;
    return 0;
}

static void through_the_loader(void **state)
{
    (void)state;
    char err[1024] = "";
    const char *pairs[] = {"dim", "16",      "rows", "3000",           "index", "IVF_FLAT", "nlist",
                           "16",  "threads", "2",    "index_min_rows", "1000",  NULL};
    vmon_standalone *s = open_target(pairs, err, sizeof err);
    if (!s)
        fail_msg("open: %s", err);
    const vmon_plugin_descriptor *d = vmon_standalone_descriptor(s);
    const vmon_target_ops *ops = d->ops;
    void *ctx = vmon_standalone_ctx(s);
    assert_int_equal(d->kind, VMON_KIND_TARGET);
    assert_true(VMON_HAS_FIELD(vmon_target_ops, ops, exact_search));
    assert_int_equal(ops->health(ctx, err, sizeof err), VMON_OK);

    float q[DIM * 3];
    assert_int_equal(ops->sample_queries(ctx, NULL, 3, 1, DIM, q, err, sizeof err), VMON_OK);
    int64_t ids[3 * K], truth[3 * K];
    float dist[3 * K];
    vmon_search_request r = {.struct_size = sizeof r,
                             .flags = VMON_SEARCH_NPROBE,
                             .n_queries = 3,
                             .dim = DIM,
                             .top_k = K,
                             .nprobe = 16,
                             .queries = q};
    assert_int_equal(ops->search(ctx, NULL, &r, ids, dist, err, sizeof err), VMON_OK);
    assert_int_equal(ops->exact_search(ctx, NULL, &r, truth, dist, err, sizeof err), VMON_OK);
    assert_memory_equal(ids, truth, sizeof ids);
    r.nprobe = 0;
    assert_int_equal(ops->search(ctx, NULL, &r, ids, dist, err, sizeof err), VMON_EINVAL);
    assert_non_null(strstr(err, "nprobe 0"));

    int seen = 0;
    assert_int_equal(ops->report(ctx, "datanode", count_sample, &seen, err, sizeof err), 0);
    assert_int_equal(seen, 1);
    vmon_standalone_close(s);
}

static void bad_options_are_refused(void **state)
{
    (void)state;
    char err[1024] = "";
    const char *unknown[] = {"dimension", "16", NULL};
    assert_null(open_target(unknown, err, sizeof err));
    assert_non_null(strstr(err, "dimension"));
    const char *bad_enum[] = {"index", "IVF_PQ", NULL};
    assert_null(open_target(bad_enum, err, sizeof err));
    print_message("  %s\n", err);
    assert_non_null(strstr(err, "index"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(through_the_loader),
        cmocka_unit_test(bad_options_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
