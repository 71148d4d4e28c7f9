/* Rules: for, hysteresis, repeat, absent, fire once / resolve once, fingerprints. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "test_util.h"

typedef struct got {
    vmon_alert_event *ev[64];
    int n;
} got;

static void collect(void *arg, vmon_alert_event *ev)
{
    got *g = arg;
    assert_true(g->n < 64);
    g->ev[g->n++] = ev;
}

static void clear(got *g)
{
    for (int i = 0; i < g->n; i++)
        vmon_alert_event_free(g->ev[i]);
    g->n = 0;
}

static vmon_label node_labels[] = {{"instance", "q1"}, {"node_id", "7"}};

static void feed(vmon_rule_state *rs, double v, int64_t now, got *g)
{
    vmon_sample s = {.struct_size = sizeof s,
                     .name = "querynode.memory_used_percent",
                     .value = v,
                     .labels = node_labels,
                     .n_labels = 2};
    if (vmon_rule_matches(rs->rule, &s))
        vmon_rule_observe(rs, &s, now, collect, g);
}

static vmon_plan_rule above_rule(double above, int64_t for_count, double hysteresis)
{
    vmon_plan_rule r = {.name = "mem",
                        .metric = "querynode.memory_used_percent",
                        .has_above = 1,
                        .above = above,
                        .for_count = for_count,
                        .hysteresis = hysteresis,
                        .severity = 2};
    return r;
}

static void test_for_counts_consecutive_breaches(void **state)
{
    (void)state;
    vmon_plan_rule r = above_rule(90, 3, 0);
    vmon_rule_state rs;
    got g = {0};
    vmon_rule_init(&rs, &r, 0);
    feed(&rs, 95, 1, &g);
    feed(&rs, 95, 2, &g);
    feed(&rs, 80, 3, &g); /* the run is broken */
    feed(&rs, 95, 4, &g);
    feed(&rs, 95, 5, &g);
    assert_int_equal(g.n, 0);
    feed(&rs, 95, 6, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.ev[0]->a.state, VMON_ALERT_FIRING);
    assert_int_equal(g.ev[0]->a.severity, VMON_SEV_CRITICAL);
    assert_true(g.ev[0]->a.threshold == 90 && g.ev[0]->a.value == 95);
    feed(&rs, 99, 7, &g); /* still firing: no second notification */
    assert_int_equal(g.n, 1);
    clear(&g);
    vmon_rule_free(&rs);
}

static void test_hysteresis_and_resolve_once(void **state)
{
    (void)state;
    vmon_plan_rule r = above_rule(90, 1, 5);
    vmon_rule_state rs;
    got g = {0};
    vmon_rule_init(&rs, &r, 0);
    feed(&rs, 91, 1, &g);
    assert_int_equal(g.n, 1);
    feed(&rs, 88, 2, &g); /* inside the hysteresis band: still firing */
    feed(&rs, 86, 3, &g);
    assert_int_equal(g.n, 1);
    feed(&rs, 84, 4, &g); /* below 85: resolves */
    assert_int_equal(g.n, 2);
    assert_int_equal(g.ev[1]->a.state, VMON_ALERT_RESOLVED);
    assert_int_equal(g.ev[1]->a.ends_at_ms, 4);
    assert_int_equal(g.ev[1]->a.starts_at_ms, 1);
    feed(&rs, 10, 5, &g); /* resolved once only */
    assert_int_equal(g.n, 2);
    /* Firing and resolved notifications share the fingerprint, not the key. */
    assert_string_equal(g.ev[0]->a.fingerprint, g.ev[1]->a.fingerprint);
    assert_string_not_equal(g.ev[0]->a.idempotency_key, g.ev[1]->a.idempotency_key);
    clear(&g);
    vmon_rule_free(&rs);
}

static void test_repeat_renotifies_while_firing(void **state)
{
    (void)state;
    vmon_plan_rule r = above_rule(90, 1, 0);
    r.repeat_ms = 1000;
    vmon_rule_state rs;
    got g = {0};
    vmon_rule_init(&rs, &r, 0);
    feed(&rs, 95, 0, &g);
    vmon_rule_tick(&rs, 500, collect, &g);
    assert_int_equal(g.n, 1);
    vmon_rule_tick(&rs, 1000, collect, &g);
    vmon_rule_tick(&rs, 1500, collect, &g);
    vmon_rule_tick(&rs, 2000, collect, &g);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.ev[1]->a.repeat, 1);
    assert_int_equal(g.ev[2]->a.repeat, 2);
    assert_string_equal(g.ev[0]->a.fingerprint, g.ev[2]->a.fingerprint);
    feed(&rs, 50, 2100, &g);
    vmon_rule_tick(&rs, 5000, collect, &g);
    assert_int_equal(g.n, 4); /* the resolve, then silence */
    clear(&g);
    vmon_rule_free(&rs);
}

static void test_absent_fires_and_resolves(void **state)
{
    (void)state;
    vmon_plan_rule r = {.name = "gone",
                        .metric = "querynode.memory_used_percent",
                        .absent_ms = 1000,
                        .severity = 2};
    vmon_rule_state rs;
    got g = {0};
    vmon_rule_init(&rs, &r, 0);
    vmon_rule_tick(&rs, 999, collect, &g);
    assert_int_equal(g.n, 0);
    vmon_rule_tick(&rs, 1000, collect, &g); /* never seen since start */
    assert_int_equal(g.n, 1);
    assert_true(isnan(g.ev[0]->a.value));
    feed(&rs, 1, 1200, &g); /* it came back: resolve that alert */
    assert_int_equal(g.n, 2);
    assert_int_equal(g.ev[1]->a.state, VMON_ALERT_RESOLVED);
    vmon_rule_tick(&rs, 1500, collect, &g);
    assert_int_equal(g.n, 2);
    vmon_rule_tick(&rs, 2300, collect, &g); /* silent again for 1 s after 1200 */
    assert_int_equal(g.n, 3);
    vmon_rule_tick(&rs, 2400, collect, &g); /* fires once */
    assert_int_equal(g.n, 3);
    clear(&g);
    vmon_rule_free(&rs);
}

static void test_match_and_fingerprint_stability(void **state)
{
    (void)state;
    vmon_kv match = {"node_id", "7"};
    vmon_plan_rule r = above_rule(90, 1, 0);
    r.match = &match;
    r.n_match = 1;
    vmon_sample other = {.struct_size = sizeof other,
                         .name = "querynode.memory_used_percent",
                         .value = 99,
                         .labels = (vmon_label[]){{"node_id", "8"}},
                         .n_labels = 1};
    assert_false(vmon_rule_matches(&r, &other));
    vmon_rule_state rs;
    got g = {0};
    vmon_rule_init(&rs, &r, 0);
    feed(&rs, 95, 1, &g);
    char first[32];
    strcpy(first, g.ev[0]->a.fingerprint);
    clear(&g);
    vmon_rule_free(&rs);
    /* Same rule and labels in another order and another run: same fingerprint. */
    vmon_label swapped[] = {{"node_id", "7"}, {"instance", "q1"}};
    vmon_labels_sort(swapped, 2);
    char again[32];
    snprintf(again, sizeof again, "%016llx",
             (unsigned long long)vmon_fingerprint("mem", swapped, 2));
    assert_string_equal(first, again);
    vmon_label changed[] = {{"instance", "q1"}, {"node_id", "6"}};
    snprintf(again, sizeof again, "%016llx",
             (unsigned long long)vmon_fingerprint("mem", changed, 2));
    assert_string_not_equal(first, again);
}

static void test_below_threshold(void **state)
{
    (void)state;
    vmon_plan_rule r = {.name = "qps_low",
                        .metric = "querynode.memory_used_percent",
                        .has_below = 1,
                        .below = 10,
                        .for_count = 1,
                        .hysteresis = 2};
    vmon_rule_state rs;
    got g = {0};
    vmon_rule_init(&rs, &r, 0);
    feed(&rs, 9, 1, &g);
    feed(&rs, 11, 2, &g); /* needs >= 12 to resolve */
    assert_int_equal(g.n, 1);
    feed(&rs, 12, 3, &g);
    assert_int_equal(g.n, 2);
    clear(&g);
    vmon_rule_free(&rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_for_counts_consecutive_breaches),
        cmocka_unit_test(test_hysteresis_and_resolve_once),
        cmocka_unit_test(test_repeat_renotifies_while_firing),
        cmocka_unit_test(test_absent_fires_and_resolves),
        cmocka_unit_test(test_match_and_fingerprint_stability),
        cmocka_unit_test(test_below_threshold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
