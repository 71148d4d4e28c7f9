/*
 * router `hash_split` through the real loader: sticky, the realised split,
 * minimal moves for 2 and 3 arms, a split that depends on the weights alone,
 * refused weights, and picks running while set_weights publishes.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmon/router.h>

#include "standalone.h"
#include "test_util.h"

#define N_IDS 100000

typedef struct router {
    vmon_standalone *s;
    const vmon_router_ops *ops;
    void *ctx;
} router;

static router open_router(const char *salt)
{
    router r;
    char err[1024];
    const char *pairs[] = {"salt", salt, NULL};
    int rc = vmon_standalone_open(VMON_BUILD_PLUGIN_DIR, "router", "hash_split", "split",
                                  salt ? pairs : NULL, NULL, NULL, &r.s, err, sizeof err);
    if (rc)
        fail_msg("%s", err);
    r.ops = vmon_standalone_ops(r.s);
    r.ctx = vmon_standalone_ctx(r.s);
    return r;
}

static void set_weights(router *r, const double *w, uint32_t n)
{
    assert_int_equal(r->ops->set_weights(r->ctx, w, n), VMON_OK);
}

static uint32_t pick(const router *r, uint32_t i)
{
    char id[32];
    int len = snprintf(id, sizeof id, "req_%u", i);
    return r->ops->pick(r->ctx, id, (size_t)len);
}

/* Arm of every id 0..N_IDS-1 into `arms`. */
static void pick_all(const router *r, uint8_t *arms)
{
    for (uint32_t i = 0; i < N_IDS; i++)
        arms[i] = (uint8_t)pick(r, i);
}

static double share(const uint8_t *arms, uint32_t arm)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < N_IDS; i++)
        n += arms[i] == arm;
    return 100.0 * n / N_IDS;
}

static void test_everything_on_a_before_the_first_weights(void **state)
{
    (void)state;
    router r = open_router(NULL);
    for (uint32_t i = 0; i < 1000; i++)
        assert_int_equal(pick(&r, i), 0);
    vmon_standalone_close(r.s);
}

static void test_same_id_same_arm_and_same_weights_same_split(void **state)
{
    (void)state;
    static uint8_t first[N_IDS], again[N_IDS], other[N_IDS];
    router r = open_router(NULL);
    const double w[] = {0.75, 0.25};
    set_weights(&r, w, 2);
    pick_all(&r, first);
    pick_all(&r, again);
    assert_memory_equal(first, again, N_IDS);

    /* A restart that sets the same weights, reached by another history. */
    router restarted = open_router(NULL);
    const double w1[] = {0.9, 0.1}, w3[] = {0.2, 0.6}, w4[] = {3, 1};
    set_weights(&restarted, w1, 2);
    set_weights(&restarted, w3, 2);
    set_weights(&restarted, w4, 2); /* 3:1 is 75/25 */
    pick_all(&restarted, other);
    assert_memory_equal(first, other, N_IDS);
    vmon_standalone_close(restarted.s);
    vmon_standalone_close(r.s);
}

static void test_realised_split_within_half_a_point(void **state)
{
    (void)state;
    static uint8_t arms[N_IDS];
    router r = open_router(NULL);
    const double b_shares[] = {0.10, 0.25, 0.50};
    for (size_t k = 0; k < 3; k++) {
        const double w[] = {1 - b_shares[k], b_shares[k]};
        set_weights(&r, w, 2);
        pick_all(&r, arms);
        double got = share(arms, 1);
        print_message("B at %.0f%%: realised %.3f%%\n", 100 * b_shares[k], got);
        assert_true(fabs(got - 100 * b_shares[k]) <= 0.5);
        assert_true(fabs(share(arms, 0) + got - 100) < 1e-9);
    }
    vmon_standalone_close(r.s);
}

/* Between two weight settings, an id may only move from `from_ok` arms to `to`. */
static void assert_moves_only_to(const uint8_t *before, const uint8_t *after, uint32_t to,
                                 uint32_t *moved)
{
    *moved = 0;
    for (uint32_t i = 0; i < N_IDS; i++) {
        if (before[i] == after[i])
            continue;
        if (after[i] != to)
            fail_msg("req_%u moved from arm %u to arm %u, not to %u", i, before[i], after[i], to);
        (*moved)++;
    }
}

static void test_raising_b_moves_only_a_ids(void **state)
{
    (void)state;
    static uint8_t before[N_IDS], after[N_IDS];
    router r = open_router(NULL);
    const double steps[] = {0.10, 0.25, 0.50, 1.0};
    const double w0[] = {0.9, 0.1};
    set_weights(&r, w0, 2);
    pick_all(&r, before);
    for (size_t k = 1; k < 4; k++) {
        const double w[] = {1 - steps[k], steps[k]};
        set_weights(&r, w, 2);
        pick_all(&r, after);
        uint32_t moved;
        assert_moves_only_to(before, after, 1, &moved);
        assert_true(moved > 0);
        memcpy(before, after, N_IDS);
    }
    assert_true(share(after, 1) == 100.0);
    /* Rollback: lowering B moves only B's ids, back to A. */
    const double back[] = {1, 0};
    set_weights(&r, back, 2);
    pick_all(&r, after);
    assert_true(share(after, 0) == 100.0);
    vmon_standalone_close(r.s);
}

static void test_three_arms(void **state)
{
    (void)state;
    static uint8_t before[N_IDS], after[N_IDS];
    router r = open_router(NULL);
    const double w[] = {0.6, 0.25, 0.15};
    set_weights(&r, w, 3);
    pick_all(&r, before);
    for (uint32_t a = 0; a < 3; a++)
        assert_true(fabs(share(before, a) - 100 * w[a]) <= 0.5);

    /* Raising arm 1 takes from 0 and 2, never moves an id between 0 and 2. */
    const double up[] = {0.6, 0.5, 0.15};
    set_weights(&r, up, 3);
    pick_all(&r, after);
    uint32_t moved;
    assert_moves_only_to(before, after, 1, &moved);
    assert_true(moved > 0);
    assert_true(fabs(share(after, 1) - 100 * 0.5 / 1.25) <= 0.5);

    /* Lowering arm 2 moves only its own ids (to 0 or 1). */
    memcpy(before, after, N_IDS);
    const double down[] = {0.6, 0.5, 0.05};
    set_weights(&r, down, 3);
    pick_all(&r, after);
    uint32_t from_two = 0;
    for (uint32_t i = 0; i < N_IDS; i++) {
        if (before[i] != after[i]) {
            assert_int_equal(before[i], 2);
            from_two++;
        }
    }
    assert_true(from_two > 0);
    vmon_standalone_close(r.s);
}

static void test_salt_reshuffles_but_keeps_the_share(void **state)
{
    (void)state;
    static uint8_t plain[N_IDS], salted[N_IDS];
    router a = open_router(NULL), b = open_router("7");
    const double w[] = {0.9, 0.1};
    set_weights(&a, w, 2);
    set_weights(&b, w, 2);
    pick_all(&a, plain);
    pick_all(&b, salted);
    uint32_t both = 0;
    for (uint32_t i = 0; i < N_IDS; i++)
        both += plain[i] == 1 && salted[i] == 1;
    /* Independent splits share about 10% of 10% of the ids on B. */
    assert_true(both < N_IDS / 50);
    assert_true(fabs(share(salted, 1) - 10) <= 0.5);
    vmon_standalone_close(a.s);
    vmon_standalone_close(b.s);
}

static void test_bad_weights_refused_and_old_kept(void **state)
{
    (void)state;
    static uint8_t before[N_IDS], after[N_IDS];
    router r = open_router(NULL);
    const double w[] = {0.5, 0.5};
    set_weights(&r, w, 2);
    pick_all(&r, before);
    const double zero[] = {0, 0}, negative[] = {1, -0.1}, nan[] = {1, NAN}, inf[] = {1, INFINITY};
    const double nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    assert_int_equal(r.ops->set_weights(r.ctx, zero, 2), VMON_EINVAL);
    assert_int_equal(r.ops->set_weights(r.ctx, negative, 2), VMON_EINVAL);
    assert_int_equal(r.ops->set_weights(r.ctx, nan, 2), VMON_EINVAL);
    assert_int_equal(r.ops->set_weights(r.ctx, inf, 2), VMON_EINVAL);
    assert_int_equal(r.ops->set_weights(r.ctx, nine, 9), VMON_EINVAL);
    assert_int_equal(r.ops->set_weights(r.ctx, w, 0), VMON_EINVAL);
    assert_int_equal(r.ops->set_weights(r.ctx, NULL, 2), VMON_EINVAL);
    pick_all(&r, after);
    assert_memory_equal(before, after, N_IDS);
    vmon_standalone_close(r.s);
}

/*
 * Concurrent picks. Three weight sets with disjoint arms cycle, so an arm
 * tells which set a pick saw. A pick that starts after `done` settings
 * completed and ends before `done2` + 1 may see only sets done .. done2 (+1
 * for the one in progress): a table two settings old (the buffer being
 * rewritten) would show as an arm of neither.
 */
#define N_SETS 3
static const double cycle[N_SETS][6] = {{1, 1, 0, 0, 0, 0}, {0, 0, 1, 1, 0, 0}, {0, 0, 0, 0, 1, 1}};
static _Atomic uint32_t settings_done;
static _Atomic int stop_picking;

typedef struct picker {
    router *r;
    uint32_t checked, unchecked, wrong;
} picker;

static void *pick_loop(void *arg)
{
    picker *p = arg;
    uint32_t i = 0;
    while (!atomic_load(&stop_picking)) {
        uint32_t before = atomic_load(&settings_done);
        uint32_t arm = pick(p->r, i++ % N_IDS);
        uint32_t after = atomic_load(&settings_done);
        if (before == 0 || after + 1 - before >= N_SETS) {
            p->unchecked++;
            continue;
        }
        /* Setting number k (1-based) used cycle[(k - 1) % N_SETS]. */
        uint32_t set = arm / 2, ok = 0;
        for (uint32_t k = before; k <= after + 1; k++)
            ok |= (k - 1) % N_SETS == set;
        p->wrong += !ok;
        p->checked++;
    }
    return NULL;
}

static void test_concurrent_picks_see_whole_settings(void **state)
{
    (void)state;
    router r = open_router(NULL);
    atomic_store(&settings_done, 0);
    atomic_store(&stop_picking, 0);
    set_weights(&r, cycle[0], 6);
    atomic_store(&settings_done, 1);
    picker p[2] = {{.r = &r}, {.r = &r}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, pick_loop, &p[i]), 0);
    for (uint32_t k = 1; k < 40; k++) {
        set_weights(&r, cycle[k % N_SETS], 6);
        atomic_store(&settings_done, k + 1);
    }
    atomic_store(&stop_picking, 1);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        print_message("picker %d: %u checked, %u unchecked\n", i, p[i].checked, p[i].unchecked);
        assert_int_equal(p[i].wrong, 0);
        assert_true(p[i].checked > 0);
    }
    vmon_standalone_close(r.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_everything_on_a_before_the_first_weights),
        cmocka_unit_test(test_same_id_same_arm_and_same_weights_same_split),
        cmocka_unit_test(test_realised_split_within_half_a_point),
        cmocka_unit_test(test_raising_b_moves_only_a_ids),
        cmocka_unit_test(test_three_arms),
        cmocka_unit_test(test_salt_reshuffles_but_keeps_the_share),
        cmocka_unit_test(test_bad_weights_refused_and_old_kept),
        cmocka_unit_test(test_concurrent_picks_see_whole_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
