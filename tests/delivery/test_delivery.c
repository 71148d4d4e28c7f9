/*
 * Deliveries outliving what made them: stopping several hung sinks costs one
 * timeout; an abandoned delivery whose call returns late touches neither the
 * plan nor the runtime it came from; a replaced sink hands its queue over.
 */
#include "sink_harness.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>

#include "spool.h"
#include "sqlite_lib.h"

/* Events land here, never in memory the test frees: the count must stay put. */
static int events_seen;
static char last_event[64];

static void count_event(void *arg, const char *sink, const char *alert, const char *reason,
                        int resolve)
{
    (void)sink;
    (void)reason;
    (void)resolve;
    int *owner_alive = arg;
    assert_int_equal(*owner_alive, 1);
    events_seen++;
    snprintf(last_event, sizeof last_event, "%s", alert);
}

static void test_stop_all_costs_one_timeout(void **state)
{
    (void)state;
    harness h;
    harness_load(&h,
                 "[sink:a]\nplugin = gate\ndelay = 1500ms\nentered = %1$s/a.in\n"
                 "destroyed = %1$s/a.gone\n"
                 "[sink:b]\nplugin = gate\ndelay = 1500ms\nentered = %1$s/b.in\n"
                 "destroyed = %1$s/b.gone\n"
                 "[sink:c]\nplugin = gate\ndelay = 1500ms\nentered = %1$s/c.in\n"
                 "destroyed = %1$s/c.gone\n"
                 "[pipeline:p]\nsinks = a, b, c\n",
                 NULL, NULL);
    assert_int_equal(h.n, 3);
    const char *entered[] = {"a.in", "b.in", "c.in"};
    for (size_t i = 0; i < h.n; i++) {
        vmon_delivery_push_alert(h.deliveries[i], harness_alert("hung"));
        assert_true(harness_wait_file(&h, entered[i], 5000));
    }
    unsigned char abandoned[3] = {0};
    int64_t t0 = vmon_mono_ms();
    vmon_delivery_stop_all(h.deliveries, h.n, 300, abandoned);
    int64_t took = vmon_mono_ms() - t0;
    /* One timeout (300 ms) plus the grace (100 ms), not three of each (1200 ms). */
    assert_true(took < 700);
    for (size_t i = 0; i < h.n; i++) {
        assert_int_equal(abandoned[i], 1);
        h.sinks[i] = NULL; /* the abandoned threads destroy them */
        h.deliveries[i] = NULL;
    }
    const char *gone[] = {"a.gone", "b.gone", "c.gone"};
    for (size_t i = 0; i < 3; i++)
        assert_true(harness_wait_file(&h, gone[i], 5000));
    harness_free(&h);
}

static void test_stop_all_joins_idle_deliveries(void **state)
{
    (void)state;
    harness h;
    harness_load(&h,
                 "[sink:a]\nplugin = gate\npath = %1$s/a.txt\n"
                 "[sink:b]\nplugin = gate\npath = %1$s/b.txt\n"
                 "[pipeline:p]\nsinks = a, b\n",
                 NULL, NULL);
    vmon_delivery_push_alert(h.deliveries[0], harness_alert("one"));
    vmon_delivery_push_alert(h.deliveries[1], harness_alert("two"));
    unsigned char abandoned[2] = {1, 1};
    vmon_delivery_stop_all(h.deliveries, h.n, 2000, abandoned);
    /* Stopping delivers what is queued first. */
    assert_int_equal(abandoned[0], 0);
    assert_int_equal(abandoned[1], 0);
    assert_int_equal(harness_wait_lines(&h, "a.txt", "alert one", 1, 0), 1);
    assert_int_equal(harness_wait_lines(&h, "b.txt", "alert two", 1, 0), 1);
    memset(h.deliveries, 0, sizeof h.deliveries);
    harness_free(&h);
}

/*
 * Issue 7 item 2: the call returns after the stop gave up and after the plan
 * (and the runtime the events pointed at) are gone; the late failure still
 * writes its dead letter, from the delivery's own copy of the path.
 */
static void abandon_then_fail(const char *answer, int events_expected)
{
    harness h;
    int *owner_alive = malloc(sizeof *owner_alive);
    *owner_alive = 1;
    events_seen = 0;
    char ini[1024];
    snprintf(ini, sizeof ini,
             "[sink:late]\nplugin = gate\ndelay = 400ms\nanswer = %s\n"
             "entered = %%1$s/late.in\ndestroyed = %%1$s/late.gone\n"
             "dead_letter = %%1$s/dead.jsonl\n[pipeline:p]\nsinks = late\n",
             answer);
    harness_load(&h, ini, count_event, owner_alive);
    vmon_delivery_push_alert(h.deliveries[0], harness_alert("late"));
    assert_true(harness_wait_file(&h, "late.in", 5000));
    assert_int_equal(vmon_delivery_stop(h.deliveries[0], 20), -1);
    /* What a reload frees once the old sinks are stopped. */
    char *dir = h.dir;
    h.dir = NULL;
    vmon_plan_free(&h.plan);
    *owner_alive = 0;
    free(owner_alive);
    h.dir = dir;
    assert_int_equal(harness_wait_lines(&h, "dead.jsonl", "\"rule\":\"late\"", 1, 5000), 1);
    assert_int_equal(harness_wait_lines(&h, "dead.jsonl", answer, 1, 0), 1);
    assert_true(harness_wait_file(&h, "late.gone", 5000));
    assert_int_equal(events_seen, events_expected);
    test_rm_tree(h.dir);
    free(h.dir);
}

static void test_abandoned_delivery_fails_late(void **state)
{
    (void)state;
    abandon_then_fail("fail", 0);
}

static void test_abandoned_delivery_hears_410_late(void **state)
{
    (void)state;
    /* sink_disabled would go to the freed runtime: the events were cleared when abandoned. */
    abandon_then_fail("gone", 0);
}

static void test_set_events_repoints(void **state)
{
    (void)state;
    harness h;
    harness_load(&h, "[sink:gone]\nplugin = gate\nanswer = gone\n[pipeline:p]\nsinks = gone\n",
                 NULL, NULL);
    int alive = 1;
    events_seen = 0;
    vmon_delivery_set_events(h.deliveries[0], count_event, &alive);
    vmon_delivery_push_alert(h.deliveries[0], harness_alert("x"));
    assert_int_equal(vmon_delivery_drain(h.deliveries[0], 5000), 0);
    assert_int_equal(events_seen, 1);
    assert_string_equal(last_event, "sink_disabled");
    harness_free(&h);
}

/* While the receiver is down, one heartbeat waits in the queue, not one per interval (they
 * would push real alerts out at queue_max and arrive as a burst of stale beats). */
static void test_heartbeats_do_not_pile_up(void **state)
{
    (void)state;
    harness h;
    harness_load(&h,
                 "[sink:down]\nplugin = gate\nanswer = retry\nheartbeat = 20ms\n"
                 "retry_base = 1h\nretry_cap = 1h\n[pipeline:p]\nsinks = down\n",
                 NULL, NULL);
    /* The first beat is tried and told to retry an hour later; 25 intervals then pass. */
    vmon_delivery_stats st = {0};
    int64_t until = vmon_mono_ms() + 500;
    while (vmon_mono_ms() < until) {
        vmon_delivery_stats_get(h.deliveries[0], &st);
        assert_true(st.queued <= 1);
        test_sleep_ms(10);
    }
    assert_int_equal(st.queued, 1);
    vmon_delivery_push_alert(h.deliveries[0], harness_alert("real"));
    vmon_delivery_stats_get(h.deliveries[0], &st);
    assert_int_equal(st.queued, 2);
    harness_free(&h);
}

/* Issue 7 item 13: a replaced sink's queue, in flight included, goes to its replacement. */
static void test_hand_over_keeps_every_alert(void **state)
{
    (void)state;
    harness h;
    harness_load(&h,
                 "[sink:old]\nplugin = gate\ndelay = 2s\nbatch_max = 1\nentered = %1$s/old.in\n"
                 "path = %1$s/old.txt\n"
                 "[sink:new]\nplugin = gate\ndelay = 200ms\nbatch_max = 1\n"
                 "entered = %1$s/new.in\npath = %1$s/new.txt\n"
                 "[pipeline:p]\nsinks = old, new\n",
                 NULL, NULL);
    const char *rules[] = {"r0", "r1", "r2", "r3", "r4"};
    for (size_t i = 0; i < 5; i++)
        vmon_delivery_push_alert(h.deliveries[0], harness_alert(rules[i]));
    vmon_delivery_push_alert(h.deliveries[1], harness_alert("busy"));
    assert_true(harness_wait_file(&h, "old.in", 5000));
    assert_true(harness_wait_file(&h, "new.in", 5000));
    vmon_delivery_push_alert(h.deliveries[1], harness_alert("own"));
    vmon_delivery_hand_over(h.deliveries[0], h.deliveries[1]);
    assert_int_equal(harness_wait_lines(&h, "new.txt", "alert ", 7, 5000), 7);
    /* In order: the old sink's (the one in flight first) ahead of what the new one queued. */
    char *p = harness_path(&h, "new.txt");
    char *text = test_read_file(p);
    const char *at = text;
    const char *order[] = {"alert busy ", "alert r0 ", "alert r1 ", "alert r2 ",
                           "alert r3 ",   "alert r4 ", "alert own "};
    for (size_t i = 0; i < 7; i++) {
        const char *next = strstr(at, order[i]);
        assert_non_null(next);
        at = next;
    }
    free(text);
    free(p);
    vmon_delivery_stats st;
    vmon_delivery_stats_get(h.deliveries[0], &st);
    assert_int_equal(st.queued, 0);
    harness_free(&h);
}

/* Holds the spool's write lock from another connection: a disk that does not answer. */
typedef struct stall {
    const vmon_sqlite_api *sq;
    sqlite3 *db;
} stall;

static void stall_begin(stall *st, const char *path)
{
    char err[256];
    st->sq = vmon_sqlite(err, sizeof err);
    assert_non_null(st->sq);
    assert_int_equal(st->sq->open_v2(path, &st->db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(st->sq->exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
}

static void stall_end(stall *st)
{
    assert_int_equal(st->sq->exec(st->db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    st->sq->close(st->db);
}

/* Issue 7 item 17: the thread raising alerts never waits on the spool's disk. */
static void test_push_never_waits_on_the_spool(void **state)
{
    (void)state;
    harness h;
    harness_load(&h,
                 "[sink:s]\nplugin = gate\npath = %1$s/s.txt\nspool = %1$s/q.spool\n"
                 "spool_commit = 20ms\n[pipeline:p]\nsinks = s\n",
                 NULL, NULL);
    char *spool = harness_path(&h, "q.spool");
    stall st;
    stall_begin(&st, spool);
    int64_t worst = 0;
    char rule[16];
    for (int i = 0; i < 20; i++) {
        snprintf(rule, sizeof rule, "r%d", i);
        int64_t t0 = vmon_monotonic_ns();
        vmon_delivery_push_alert(h.deliveries[0], harness_alert(rule));
        int64_t took = vmon_monotonic_ns() - t0;
        worst = took > worst ? took : worst;
    }
    test_sleep_ms(300); /* the disk stays stalled a while: nothing may be lost meanwhile */
    stall_end(&st);
    /* A push is a memory append (microseconds); on a stalled disk a put waited for it. */
    assert_true(worst < 50 * 1000000LL);
    assert_int_equal(harness_wait_lines(&h, "s.txt", "alert r", 20, 10000), 20);
    free(spool);
    harness_free(&h);
}

static uint64_t rows_on_disk(const char *path, const char *sink)
{
    vmon_spool *sp = NULL;
    char err[512];
    assert_int_equal(vmon_spool_open(path, sink, 0, &sp, err, sizeof err), VMON_OK);
    uint64_t n = vmon_spool_count(sp);
    vmon_spool_close(sp);
    return n;
}

/* ... and a spooled alert is on disk (what kill -9 keeps) within spool_commit and a commit. */
static void test_spooled_alert_committed_within_bound(void **state)
{
    (void)state;
    harness h;
    harness_load(&h,
                 "[sink:s]\nplugin = gate\ndelay = 2s\nentered = %1$s/s.in\n"
                 "destroyed = %1$s/s.gone\nspool = %1$s/q.spool\nspool_commit = 50ms\n"
                 "[pipeline:p]\nsinks = s\n",
                 NULL, NULL);
    char *spool = harness_path(&h, "q.spool");
    vmon_delivery_push_alert(h.deliveries[0], harness_alert("first"));
    assert_true(harness_wait_file(&h, "s.in", 5000));
    const char *rules[] = {"a", "b", "c", "d", "e"};
    int64_t t0 = vmon_mono_ms();
    for (size_t i = 0; i < 5; i++)
        vmon_delivery_push_alert(h.deliveries[0], harness_alert(rules[i]));
    while (rows_on_disk(spool, "sink:s") < 6 && vmon_mono_ms() - t0 < 5000)
        test_sleep_ms(5);
    int64_t took = vmon_mono_ms() - t0;
    assert_int_equal(rows_on_disk(spool, "sink:s"), 6);
    /* 50 ms between commits, plus two commits on a shared 2-core machine. */
    assert_true(took < 50 + 1000);
    assert_int_equal(vmon_delivery_stop(h.deliveries[0], 20), -1);
    h.deliveries[0] = NULL;
    h.sinks[0] = NULL;
    assert_true(harness_wait_file(&h, "s.gone", 5000));
    /* The late call delivered `first` (acked); the other five stay for the next start. */
    assert_int_equal(rows_on_disk(spool, "sink:s"), 5);
    free(spool);
    harness_free(&h);
}

/* Every line of `name` holding one of `rules`, in that order. */
static void assert_in_order(const harness *h, const char *name, const char *const *rules, size_t n)
{
    char *p = harness_path(h, name);
    char *text = test_read_file(p);
    assert_non_null(text);
    const char *at = text;
    for (size_t i = 0; i < n; i++) {
        char needle[64];
        snprintf(needle, sizeof needle, "alert %s ", rules[i]);
        const char *next = strstr(at, needle);
        assert_non_null(next);
        at = next;
    }
    free(text);
    free(p);
}

/* A spooled sink replaced by one without a spool: its rows move into the new queue. */
static void test_hand_over_from_spool_to_memory(void **state)
{
    (void)state;
    harness h;
    harness_load(&h,
                 "[sink:old]\nplugin = gate\ndelay = 1500ms\nbatch_max = 1\n"
                 "entered = %1$s/old.in\ndestroyed = %1$s/old.gone\nspool = %1$s/q.spool\n"
                 "[sink:new]\nplugin = gate\npath = %1$s/new.txt\n"
                 "[pipeline:p]\nsinks = old, new\n",
                 NULL, NULL);
    const char *rules[] = {"s0", "s1", "s2"};
    for (size_t i = 0; i < 3; i++)
        vmon_delivery_push_alert(h.deliveries[0], harness_alert(rules[i]));
    assert_true(harness_wait_file(&h, "old.in", 5000));
    vmon_delivery_hand_over(h.deliveries[0], h.deliveries[1]);
    assert_int_equal(harness_wait_lines(&h, "new.txt", "alert s", 3, 5000), 3);
    assert_in_order(&h, "new.txt", rules, 3);
    char *spool = harness_path(&h, "q.spool");
    assert_int_equal(rows_on_disk(spool, "sink:old"), 0);
    free(spool);
    assert_int_equal(vmon_delivery_stop(h.deliveries[0], 20), -1);
    h.deliveries[0] = NULL;
    h.sinks[0] = NULL;
    assert_true(harness_wait_file(&h, "old.gone", 5000));
    harness_free(&h);
}

/* The same section and spool file on both sides: the rows stay, the new delivery sends them. */
static void test_hand_over_shared_spool(void **state)
{
    (void)state;
    harness old, repl;
    harness_load(&old,
                 "[sink:s]\nplugin = gate\ndelay = 1500ms\nbatch_max = 1\n"
                 "entered = %1$s/old.in\ndestroyed = %1$s/old.gone\nspool = %1$s/q.spool\n"
                 "[pipeline:p]\nsinks = s\n",
                 NULL, NULL);
    char ini[1024];
    snprintf(ini, sizeof ini,
             "[sink:s]\nplugin = gate\npath = %%1$s/new.txt\nspool = %s/q.spool\n"
             "[pipeline:p]\nsinks = s\n",
             old.dir);
    harness_load(&repl, ini, NULL, NULL);
    const char *rules[] = {"q0", "q1", "q2"};
    for (size_t i = 0; i < 3; i++)
        vmon_delivery_push_alert(old.deliveries[0], harness_alert(rules[i]));
    assert_true(harness_wait_file(&old, "old.in", 5000));
    vmon_delivery_hand_over(old.deliveries[0], repl.deliveries[0]);
    /* q0 was in flight: it is sent again by the replacement (same key), at least once. */
    assert_int_equal(harness_wait_lines(&repl, "new.txt", "alert q", 3, 5000), 3);
    assert_in_order(&repl, "new.txt", rules, 3);
    assert_int_equal(vmon_delivery_drain(repl.deliveries[0], 5000), 0);
    assert_int_equal(vmon_delivery_stop(old.deliveries[0], 20), -1);
    old.deliveries[0] = NULL;
    old.sinks[0] = NULL;
    assert_true(harness_wait_file(&old, "old.gone", 5000));
    char *spool = harness_path(&old, "q.spool");
    assert_int_equal(rows_on_disk(spool, "sink:s"), 0);
    free(spool);
    harness_free(&repl);
    harness_free(&old);
}

/* What `resend` tracks moves too: the replacement keeps re-sending a firing alert. */
static void test_hand_over_keeps_resend_state(void **state)
{
    (void)state;
    harness h;
    harness_load(&h,
                 "[sink:old]\nplugin = gate\nresend = 10s\npath = %1$s/old.txt\n"
                 "[sink:new]\nplugin = gate\nresend = 100ms\npath = %1$s/new.txt\n"
                 "[pipeline:p]\nsinks = old, new\n",
                 NULL, NULL);
    vmon_delivery_push_alert(h.deliveries[0], harness_alert("firing"));
    assert_int_equal(harness_wait_lines(&h, "old.txt", "alert firing", 1, 5000), 1);
    vmon_delivery_hand_over(h.deliveries[0], h.deliveries[1]);
    assert_true(harness_wait_lines(&h, "new.txt", "-resend-1", 1, 5000) == 1);
    harness_free(&h);
}

/* Lines holding `needle` read from `fd` (non-blocking) until `want` or the deadline. */
static int read_lines_until(int fd, const char *needle, int want, int64_t timeout_ms)
{
    static char text[65536];
    size_t len = 0;
    int64_t until = vmon_mono_ms() + timeout_ms;
    int n = 0;
    while (n < want && vmon_mono_ms() < until) {
        ssize_t got = read(fd, text + len, sizeof text - 1 - len);
        if (got > 0) {
            len += (size_t)got;
            text[len] = '\0';
            n = test_count_lines(text, needle);
        } else {
            test_sleep_ms(5);
        }
    }
    return n;
}

/* The FIFO's reader arrives late: a pusher that waited for the dead letter waits this long. */
typedef struct late_reader {
    const char *fifo;
    int fd;
    pthread_t thread;
} late_reader;

static void *open_reader_late(void *arg)
{
    late_reader *r = arg;
    test_sleep_ms(1000);
    r->fd = open(r->fifo, O_RDONLY | O_NONBLOCK);
    return NULL;
}

/* Issue 7 item 17: a dead-letter file that blocks (a FIFO nobody reads yet) stalls no pusher. */
static void test_dead_letter_write_stalls_no_push(void **state)
{
    (void)state;
    harness h;
    harness_load(&h,
                 "[sink:s]\nplugin = gate\nanswer = fail\nbatch_max = 1\nentered = %1$s/s.in\n"
                 "dead_letter = %1$s/dead.fifo\n[pipeline:p]\nsinks = s\n",
                 NULL, NULL);
    char *fifo = harness_path(&h, "dead.fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    late_reader reader = {.fifo = fifo, .fd = -1};
    assert_int_equal(pthread_create(&reader.thread, NULL, open_reader_late, &reader), 0);
    vmon_delivery_push_alert(h.deliveries[0], harness_alert("first"));
    assert_true(harness_wait_file(&h, "s.in", 5000));
    /*
     * The failed call returns at once and its dead letter blocks in open(2) on the FIFO; no
     * poll can see a thread blocked in a syscall, so give it a moment to get there. Were it
     * late, the pushes below would pass without proving anything, never fail wrongly.
     */
    test_sleep_ms(50);
    int64_t worst = 0;
    char rule[16];
    for (int i = 0; i < 10; i++) {
        snprintf(rule, sizeof rule, "r%d", i);
        int64_t t0 = vmon_monotonic_ns();
        vmon_delivery_push_alert(h.deliveries[0], harness_alert(rule));
        int64_t took = vmon_monotonic_ns() - t0;
        worst = took > worst ? took : worst;
    }
    pthread_join(reader.thread, NULL);
    assert_true(reader.fd >= 0);
    /* Writing the dead letter held the sink's lock before: the first push waited ~1 s. */
    assert_true(worst < 50 * 1000000LL);
    assert_int_equal(read_lines_until(reader.fd, "\"sink\":\"sink:s\"", 11, 10000), 11);
    close(reader.fd);
    free(fifo);
    harness_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stop_all_costs_one_timeout),
        cmocka_unit_test(test_stop_all_joins_idle_deliveries),
        cmocka_unit_test(test_abandoned_delivery_fails_late),
        cmocka_unit_test(test_abandoned_delivery_hears_410_late),
        cmocka_unit_test(test_set_events_repoints),
        cmocka_unit_test(test_heartbeats_do_not_pile_up),
        cmocka_unit_test(test_hand_over_keeps_every_alert),
        cmocka_unit_test(test_push_never_waits_on_the_spool),
        cmocka_unit_test(test_spooled_alert_committed_within_bound),
        cmocka_unit_test(test_hand_over_from_spool_to_memory),
        cmocka_unit_test(test_hand_over_shared_spool),
        cmocka_unit_test(test_hand_over_keeps_resend_state),
        cmocka_unit_test(test_dead_letter_write_stalls_no_push),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
