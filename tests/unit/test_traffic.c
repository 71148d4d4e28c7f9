/*
 * [traffic:NAME] over the embedded target (small data), through the plan and
 * the runtime as vmond runs them: ends by count and by duration, honours
 * `rate` (counted requests against the driver's own elapsed time), is capped
 * by `max_qps`, grows the collection with `insert_rate`, sends the ids of a
 * `request_ids` file to the router, and its workers see an arm table switch.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arm_table.h"
#include "clock.h"
#include "instance.h"
#include "runtime.h"
#include "runtime_priv.h"
#include "test_util.h"
#include "traffic.h"

/* Plugins from two folders (the engine and the test fixtures), copied into one (the loader
 * refuses symlinks). */
static char *plugin_dir(const char *dir)
{
    static const struct {
        const char *from, *file;
    } wanted[] = {{VMON_BUILD_PLUGIN_DIR, "target_embedded.so"},
                  {VMON_TEST_PLUGIN_DIR, "router_prefix.so"},
                  {VMON_TEST_PLUGIN_DIR, "sink_record.so"}};
    char *p = malloc(1024);
    snprintf(p, 1024, "%s/plugins", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
        char from[1024], to[1024];
        snprintf(from, sizeof from, "%s/%s", wanted[i].from, wanted[i].file);
        snprintf(to, sizeof to, "%s/%s", p, wanted[i].file);
        test_copy_file(from, to);
    }
    return p;
}

/* The folder plugin_dir made (already filled). */
static char *plugin_dir_again(const char *dir)
{
    char *p = malloc(1024);
    snprintf(p, 1024, "%s/plugins", dir);
    return p;
}

#define TARGET                                                                                     \
    "[target:local]\nplugin = embedded\ndim = 16\nrows = 3000\nsegment_rows = 1000\n"              \
    "index_min_rows = 500\nnlist = 16\nthreads = 1\n"                                              \
    "[sink:rec]\nplugin = record\npath = rec.txt\n"

static vmon_runtime *start(const char *dir, const char *traffic, const char *pipeline_extra)
{
    char text[4096];
    snprintf(text, sizeof text,
             TARGET "[traffic:t]\n%s\n[pipeline:p]\ntarget = local\nsinks = rec\ntraffic = t\n%s\n",
             traffic, pipeline_extra ? pipeline_extra : "");
    char *path = test_write_file(dir, "vmon.ini", text);
    char *plugins = plugin_dir(dir);
    vmon_plan plan;
    vmon_errors errs = {0};
    int rc = vmon_plan_load(path, plugins, &plan, &errs);
    vmon_errors_print(&errs, stderr);
    assert_int_equal(rc, 0);
    vmon_errors_free(&errs);
    free(path);
    free(plugins);
    char err[1024] = "";
    vmon_runtime *rt = vmon_runtime_new(&plan, err, sizeof err);
    if (!rt)
        fail_msg("runtime: %s", err);
    if (vmon_runtime_start(rt, 0, err, sizeof err) != 0)
        fail_msg("start: %s", err);
    return rt;
}

static vmon_traffic_stats wait_end(vmon_runtime *rt, int64_t timeout_ms)
{
    vmon_traffic *t = vmon_runtime_traffic(rt, "p");
    assert_non_null(t);
    assert_int_equal(vmon_traffic_wait(t, timeout_ms), 0);
    assert_true(vmon_runtime_traffic_ended(rt));
    vmon_traffic_stats st;
    vmon_traffic_stats_get(t, &st);
    return st;
}

static void test_ends_by_count(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    vmon_runtime *rt = start(dir, "count = 300\nworkers = 3\nmax_qps = 100000\n", NULL);
    assert_true(vmon_runtime_traffic_bounded(rt));
    vmon_traffic_stats st = wait_end(rt, 30000);
    assert_int_equal(st.queries, 300);
    assert_int_equal(st.errors, 0);
    assert_int_equal(st.per_arm[0], 300); /* no router: every request on arm 0 */
    vmon_runtime_stop(rt);
    test_rm_tree(dir);
    free(dir);
}

/* Counted requests against the driver's own elapsed time, not wall time alone. */
static void assert_rate(const vmon_traffic_stats *st, double rate)
{
    double expected = rate * (double)st->elapsed_ms / 1000.0;
    if (fabs((double)st->queries - expected) > 0.1 * expected + 3)
        fail_msg("%llu queries in %lld ms; expected %.0f at %.0f/s",
                 (unsigned long long)st->queries, (long long)st->elapsed_ms, expected, rate);
}

static void test_ends_by_duration_at_rate(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    vmon_runtime *rt = start(dir, "rate = 200\nduration = 1500ms\nworkers = 2\n", NULL);
    vmon_traffic_stats st = wait_end(rt, 30000);
    assert_true(st.elapsed_ms >= 1500);
    assert_rate(&st, 200);
    vmon_runtime_stop(rt);
    test_rm_tree(dir);
    free(dir);
}

static void test_max_qps_caps_as_fast_as_possible(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    vmon_runtime *rt = start(dir, "workers = 4\nmax_qps = 150\nduration = 1500ms\n", NULL);
    vmon_traffic_stats st = wait_end(rt, 30000);
    assert_rate(&st, 150);
    vmon_runtime_stop(rt);
    test_rm_tree(dir);
    free(dir);
}

static uint64_t rows_of(vmon_runtime *rt)
{
    vmon_instance *t = rt->slots[rt->plan.pipelines[0].target]->inst;
    const vmon_target_ops *ops = t->plugin->ops;
    vmon_collection_stats cs = {.struct_size = sizeof cs};
    char err[256];
    assert_int_equal(ops->collection_stats(t->ctx, NULL, &cs, err, sizeof err), VMON_OK);
    return cs.row_count;
}

static void test_inserts_grow_the_collection(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    vmon_runtime *rt = start(dir, "rate = 100\nduration = 1500ms\ninsert_rate = 1000\n", NULL);
    uint64_t before = rows_of(rt);
    vmon_traffic_stats st = wait_end(rt, 30000); /* the inserter has ended too */
    uint64_t after = rows_of(rt);
    assert_true(st.rows_inserted >= 1000); /* ~1500 at 1000 rows/s over 1.5 s */
    assert_int_equal(after - before, st.rows_inserted);
    vmon_runtime_stop(rt);
    test_rm_tree(dir);
    free(dir);
}

/* Inserted rows are new draws, not copies of the queries: a query with copies of itself in the
 * collection has tied nearest neighbours at distance 0, and recall measured on it is noise. */
static void test_inserted_rows_are_not_the_queries(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    vmon_runtime *rt =
        start(dir, "rate = 50\nduration = 1s\nquery_pool = 8\ninsert_rate = 800\n", NULL);
    vmon_traffic_stats st = wait_end(rt, 30000);
    assert_true(st.rows_inserted >= 400); /* each query would have 50+ copies if they were */
    vmon_instance *t = rt->slots[rt->plan.pipelines[0].target]->inst;
    const vmon_target_ops *ops = t->plugin->ops;
    float queries[8 * 16]; /* the traffic's pool: its default seed 1 */
    char err[256];
    assert_int_equal(ops->sample_queries(t->ctx, "default", 8, 1, 16, queries, err, sizeof err),
                     VMON_OK);
    for (int q = 0; q < 8; q++) {
        vmon_search_request req = {.struct_size = sizeof req,
                                   .n_queries = 1,
                                   .dim = 16,
                                   .top_k = 1,
                                   .queries = queries + q * 16};
        int64_t id = -1;
        float dist = -1;
        assert_int_equal(ops->exact_search(t->ctx, "default", &req, &id, &dist, err, sizeof err),
                         VMON_OK);
        assert_true(dist > 1e-6f);
    }
    vmon_runtime_stop(rt);
    test_rm_tree(dir);
    free(dir);
}

static void test_request_ids_from_a_file_reach_the_router(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    free(test_write_file(dir, "ids.txt", "a_1\nb_1\r\n\na_2\nb_2\n"));
    char traffic[512];
    snprintf(traffic, sizeof traffic, "count = 400\nmax_qps = 100000\nrequest_ids = %s/ids.txt\n",
             dir);
    char text[256] = "router = split\n[router:split]\nplugin = prefix\n";
    vmon_runtime *rt = start(dir, traffic, text);
    vmon_traffic_stats st = wait_end(rt, 30000);
    assert_int_equal(st.queries, 400);
    assert_int_equal(st.per_arm[0], 200); /* a_1, a_2 */
    assert_int_equal(st.per_arm[1], 200); /* b_1, b_2 */
    vmon_runtime_stop(rt);
    test_rm_tree(dir);
    free(dir);
    /* The default ids (req_N) never start with b_: all on arm 0. */
    dir = test_tempdir();
    rt = start(dir, "count = 100\nmax_qps = 100000\n", text);
    st = wait_end(rt, 30000);
    assert_int_equal(st.per_arm[0], 100);
    vmon_runtime_stop(rt);
    test_rm_tree(dir);
    free(dir);
}

typedef struct counting {
    atomic_ulong calls[VMON_ROUTER_MAX_ARMS];
    atomic_ulong failed;
} counting;

static void count_record(void *arg, uint32_t arm, uint32_t worker, uint64_t now_ns,
                         uint64_t latency_ns, bool ok)
{
    counting *c = arg;
    (void)worker;
    (void)now_ns;
    (void)latency_ns;
    atomic_fetch_add(&c->calls[arm], 1);
    if (!ok)
        atomic_fetch_add(&c->failed, 1);
}

static unsigned long wait_failed(counting *c, unsigned long above, int64_t ms)
{
    int64_t end = vmon_mono_ms() + ms;
    while (atomic_load(&c->failed) <= above && vmon_mono_ms() < end)
        test_sleep_ms(5);
    return atomic_load(&c->failed);
}

/* nprobe beyond nlist is refused by the target (never clamped): a switch shows as failures. */
static void test_workers_see_the_arm_table_switch(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    vmon_runtime *rt = start(dir, "rate = 400\nworkers = 2\n", NULL);
    counting c = {0};
    vmon_traffic_recorder r = {count_record, &c};
    vmon_traffic_set_recorder(vmon_runtime_traffic(rt, "p"), &r);
    int64_t end = vmon_mono_ms() + 10000;
    while (atomic_load(&c.calls[0]) < 50 && vmon_mono_ms() < end)
        test_sleep_ms(5);
    assert_true(atomic_load(&c.calls[0]) >= 50);
    assert_int_equal(atomic_load(&c.failed), 0);
    vmon_arm_table *arms = vmon_runtime_arm_table(rt, "p");
    vmon_arm_params bad = {VMON_SEARCH_NPROBE, 60000, 0}, good = {VMON_SEARCH_NPROBE, 4, 0};
    assert_int_equal(vmon_arm_table_publish(arms, &bad, 1), 0);
    unsigned long failed = wait_failed(&c, 0, 10000);
    assert_true(failed > 0);
    assert_int_equal(vmon_arm_table_publish(arms, &good, 1), 0);
    /* Each worker may finish one request it began under the bad table; none after. */
    failed = atomic_load(&c.failed);
    unsigned long calls = atomic_load(&c.calls[0]);
    while (atomic_load(&c.calls[0]) < calls + 50 && vmon_mono_ms() < end + 10000)
        test_sleep_ms(5);
    assert_true(atomic_load(&c.calls[0]) >= calls + 50);
    assert_true(atomic_load(&c.failed) <= failed + 2);
    vmon_traffic_set_recorder(vmon_runtime_traffic(rt, "p"), NULL);
    vmon_runtime_stop(rt);
    test_rm_tree(dir);
    free(dir);
}

/* A reload stops the old runtime's traffic and starts the new one's (from request 0). */
static void test_reload_restarts_traffic(void **state)
{
    (void)state;
    char *dir = test_tempdir();
    vmon_runtime *rt = start(dir, "rate = 200\nworkers = 2\n", NULL);
    vmon_traffic *before = vmon_runtime_traffic(rt, "p");
    vmon_traffic_stats st;
    int64_t end = vmon_mono_ms() + 10000;
    do {
        test_sleep_ms(10);
        vmon_traffic_stats_get(before, &st);
    } while (st.queries < 20 && vmon_mono_ms() < end);
    assert_true(st.queries >= 20);
    char text[4096], *plugins = plugin_dir_again(dir);
    snprintf(text, sizeof text,
             TARGET "[traffic:t]\nrate = 300\nworkers = 2\n[pipeline:p]\ntarget = local\n"
                    "sinks = rec\ntraffic = t\n");
    char *path = test_write_file(dir, "vmon.ini", text);
    vmon_plan plan;
    vmon_errors errs = {0};
    assert_int_equal(vmon_plan_load(path, plugins, &plan, &errs), 0);
    vmon_errors_free(&errs);
    char err[1024] = "";
    vmon_runtime *fresh = vmon_runtime_reload(rt, &plan, err, sizeof err);
    if (!fresh || fresh == rt)
        fail_msg("reload: %s", err);
    vmon_traffic *after = vmon_runtime_traffic(fresh, "p");
    assert_non_null(after);
    end = vmon_mono_ms() + 10000;
    do {
        test_sleep_ms(10);
        vmon_traffic_stats_get(after, &st);
    } while (st.queries < 20 && vmon_mono_ms() < end);
    assert_true(st.queries >= 20);
    assert_int_equal(st.errors, 0);
    vmon_runtime_stop(fresh);
    free(path);
    free(plugins);
    test_rm_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ends_by_count),
        cmocka_unit_test(test_ends_by_duration_at_rate),
        cmocka_unit_test(test_max_qps_caps_as_fast_as_possible),
        cmocka_unit_test(test_inserts_grow_the_collection),
        cmocka_unit_test(test_inserted_rows_are_not_the_queries),
        cmocka_unit_test(test_request_ids_from_a_file_reach_the_router),
        cmocka_unit_test(test_workers_see_the_arm_table_switch),
        cmocka_unit_test(test_reload_restarts_traffic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
