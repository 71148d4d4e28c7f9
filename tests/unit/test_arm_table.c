/*
 * The arm table: a reader never sees a mix of two publications (each arm's
 * words belong together), always sees the last one once it is published,
 * and an arm past the end reads as arm 0.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

#include "arm_table.h"
#include "test_util.h"

#define ROUNDS 20000

typedef struct shared {
    vmon_arm_table table;
    atomic_int done;
    atomic_long torn;
    atomic_long reads;
} shared;

static void *reader(void *arg)
{
    shared *s = arg;
    while (!atomic_load(&s->done)) {
        vmon_arm_params p[2];
        uint32_t n = vmon_arm_table_read(&s->table, 0, &p[0]);
        vmon_arm_table_read(&s->table, 1, &p[1]);
        /* every publication sets nprobe == ef, and arm 1 = arm 0 + 1 */
        if (p[0].nprobe != p[0].ef || (n == 2 && p[1].nprobe != p[1].ef))
            atomic_fetch_add(&s->torn, 1);
        atomic_fetch_add(&s->reads, 1);
    }
    return NULL;
}

static void test_readers_see_whole_publications(void **state)
{
    (void)state;
    shared s;
    vmon_arm_table_init(&s.table);
    atomic_init(&s.done, 0);
    atomic_init(&s.torn, 0);
    atomic_init(&s.reads, 0);
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&th[i], NULL, reader, &s);
    for (uint32_t r = 1; r <= ROUNDS; r++) {
        vmon_arm_params arms[2] = {{VMON_SEARCH_NPROBE | VMON_SEARCH_EF, r, r},
                                   {VMON_SEARCH_NPROBE | VMON_SEARCH_EF, r + 1, r + 1}};
        assert_int_equal(vmon_arm_table_publish(&s.table, arms, 2), 0);
    }
    while (atomic_load(&s.reads) < 1000)
        sched_yield();
    atomic_store(&s.done, 1);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&s.torn), 0);
    vmon_arm_params p;
    assert_int_equal(vmon_arm_table_read(&s.table, 1, &p), 2);
    assert_int_equal(p.nprobe, ROUNDS + 1);
    vmon_arm_table_destroy(&s.table);
}

static void test_defaults_bounds_and_past_the_end(void **state)
{
    (void)state;
    vmon_arm_table t;
    vmon_arm_table_init(&t);
    vmon_arm_params p = {9, 9, 9};
    assert_int_equal(vmon_arm_table_read(&t, 0, &p), 1);
    assert_int_equal(p.flags, 0); /* the target's own defaults */
    vmon_arm_params one = {VMON_SEARCH_NPROBE, 16, 0};
    assert_int_equal(vmon_arm_table_publish(&t, &one, 0), -1);
    assert_int_equal(vmon_arm_table_publish(&t, &one, VMON_ROUTER_MAX_ARMS + 1), -1);
    assert_int_equal(vmon_arm_table_publish(&t, &one, 1), 0);
    assert_int_equal(vmon_arm_table_read(&t, 5, &p), 1);
    assert_int_equal(p.nprobe, 16);
    assert_int_equal(p.flags, VMON_SEARCH_NPROBE);
    vmon_arm_table_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readers_see_whole_publications),
        cmocka_unit_test(test_defaults_bounds_and_past_the_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
