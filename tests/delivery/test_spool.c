/* The SQLite spool: order, persistence across close and kill -9, the cap. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "temp_file.h"

#include "spool.h"

#include <vmon/abi.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int setup(void **state)
{
    return temp_file_setup(state, "q.db");
}

static int teardown(void **state)
{
    return temp_file_teardown(state);
}

static vmon_spool *open_ok(const fixture *f, const char *sink, uint64_t cap)
{
    vmon_spool *sp = NULL;
    char err[256] = "";
    int rc = vmon_spool_open(f->path, sink, cap, &sp, err, sizeof err);
    if (rc != VMON_OK)
        fail_msg("open: %s", err);
    return sp;
}

static void put_str(vmon_spool *sp, const char *key, const char *payload, int expect)
{
    assert_int_equal(vmon_spool_put(sp, key, payload, strlen(payload)), expect);
}

static void test_fifo_peek_ack(void **state)
{
    vmon_spool *sp = open_ok(*state, "hook", 0);
    put_str(sp, "k1", "{\"n\":1}", VMON_OK);
    put_str(sp, "k2", "{\"n\":2}", VMON_OK);
    put_str(sp, "k3", "{\"n\":3}", VMON_OK);
    assert_int_equal(vmon_spool_count(sp), 3);
    assert_int_equal(vmon_spool_bytes(sp), 21);

    vmon_spool_item it[4];
    assert_int_equal(vmon_spool_peek(sp, it, 2), 2);
    assert_string_equal(it[0].key, "k1");
    assert_string_equal(it[0].payload, "{\"n\":1}");
    assert_int_equal(it[0].len, 7);
    assert_string_equal(it[1].key, "k2");
    assert_int_equal(vmon_spool_ack(sp, it[0].id), VMON_OK);
    vmon_spool_item_clear(&it[0]);
    vmon_spool_item_clear(&it[1]);

    assert_int_equal(vmon_spool_count(sp), 2);
    assert_int_equal(vmon_spool_bytes(sp), 14);
    assert_int_equal(vmon_spool_peek(sp, it, 4), 2);
    assert_string_equal(it[0].key, "k2");
    assert_string_equal(it[1].key, "k3");
    vmon_spool_item_clear(&it[0]);
    vmon_spool_item_clear(&it[1]);
    vmon_spool_close(sp);
}

static void test_reopen_keeps_items_and_attempts(void **state)
{
    vmon_spool *sp = open_ok(*state, "hook", 0);
    put_str(sp, "a", "payload-a", VMON_OK);
    put_str(sp, "b", "payload-b", VMON_OK);
    vmon_spool_item it[2];
    assert_int_equal(vmon_spool_peek(sp, it, 1), 1);
    assert_int_equal(vmon_spool_bump_attempts(sp, it[0].id), VMON_OK);
    assert_int_equal(vmon_spool_bump_attempts(sp, it[0].id), VMON_OK);
    vmon_spool_item_clear(&it[0]);
    vmon_spool_close(sp);

    sp = open_ok(*state, "hook", 0);
    assert_int_equal(vmon_spool_count(sp), 2);
    assert_int_equal(vmon_spool_bytes(sp), 18);
    assert_int_equal(vmon_spool_peek(sp, it, 2), 2);
    assert_string_equal(it[0].key, "a");
    assert_int_equal(it[0].attempts, 2);
    assert_string_equal(it[1].payload, "payload-b");
    assert_int_equal(it[1].attempts, 0);
    vmon_spool_item_clear(&it[0]);
    vmon_spool_item_clear(&it[1]);
    vmon_spool_close(sp);
}

/* A put that returned must be on disk even if the process dies at once. */
static void test_survives_kill9(void **state)
{
    fixture *f = *state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        vmon_spool *sp = NULL;
        char err[256];
        if (vmon_spool_open(f->path, "hook", 0, &sp, err, sizeof err) != VMON_OK)
            _exit(2);
        for (int i = 0; i < 10; i++) {
            char key[16];
            snprintf(key, sizeof key, "k%d", i);
            if (vmon_spool_put(sp, key, "x", 1) != VMON_OK)
                _exit(3);
        }
        raise(SIGKILL);
        _exit(4);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    vmon_spool *sp = open_ok(f, "hook", 0);
    assert_int_equal(vmon_spool_count(sp), 10);
    vmon_spool_close(sp);
}

static void test_cap_returns_retry(void **state)
{
    vmon_spool *sp = open_ok(*state, "hook", 100);
    char big[61];
    memset(big, 'x', 60);
    big[60] = '\0';
    put_str(sp, "k1", big, VMON_OK);
    put_str(sp, "k2", big, VMON_RETRY); /* 120 > 100: refused, not dropped silently */
    assert_int_equal(vmon_spool_count(sp), 1);
    put_str(sp, "k3", "0123456789012345678901234567890123456789", VMON_OK); /* exactly 100 */
    put_str(sp, "k4", "y", VMON_RETRY);
    assert_int_equal(vmon_spool_bytes(sp), 100);

    vmon_spool_item it;
    assert_int_equal(vmon_spool_peek(sp, &it, 1), 1);
    assert_int_equal(vmon_spool_ack(sp, it.id), VMON_OK);
    vmon_spool_item_clear(&it);
    put_str(sp, "k2", big, VMON_OK); /* room again after the ack */
    vmon_spool_close(sp);

    /* The cap is enforced from what is on disk after a restart, too. */
    sp = open_ok(*state, "hook", 100);
    assert_int_equal(vmon_spool_bytes(sp), 100);
    put_str(sp, "k5", "z", VMON_RETRY);
    vmon_spool_close(sp);
}

static void test_duplicate_key_is_one_item(void **state)
{
    vmon_spool *sp = open_ok(*state, "hook", 0);
    put_str(sp, "same", "first", VMON_OK);
    put_str(sp, "same", "second", VMON_OK);
    assert_int_equal(vmon_spool_count(sp), 1);
    vmon_spool_item it;
    assert_int_equal(vmon_spool_peek(sp, &it, 1), 1);
    assert_string_equal(it.payload, "first");
    vmon_spool_item_clear(&it);
    vmon_spool_close(sp);
}

static void test_sinks_share_a_file_apart(void **state)
{
    vmon_spool *a = open_ok(*state, "a", 0);
    vmon_spool *b = open_ok(*state, "b", 0);
    put_str(a, "k", "for-a", VMON_OK);
    put_str(b, "k", "for-b", VMON_OK);
    vmon_spool_item it[2];
    assert_int_equal(vmon_spool_peek(b, it, 2), 1);
    assert_string_equal(it[0].payload, "for-b");
    assert_int_equal(vmon_spool_ack(a, it[0].id), VMON_OK); /* b's id: not a's to remove */
    assert_int_equal(vmon_spool_count(b), 1);
    vmon_spool_item_clear(&it[0]);
    assert_int_equal(vmon_spool_count(a), 1);
    vmon_spool_close(a);
    vmon_spool_close(b);
}

static void test_file_private_and_binary_safe(void **state)
{
    fixture *f = *state;
    vmon_spool *sp = open_ok(f, "hook", 0);
    const char bin[] = {'a', '\0', 'b'};
    assert_int_equal(vmon_spool_put(sp, "bin", bin, sizeof bin), VMON_OK);
    vmon_spool_item it;
    assert_int_equal(vmon_spool_peek(sp, &it, 1), 1);
    assert_int_equal(it.len, 3);
    assert_memory_equal(it.payload, bin, 3);
    vmon_spool_item_clear(&it);
    vmon_spool_close(sp);
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

static void test_ack_many_in_one_transaction(void **state)
{
    vmon_spool *sp = open_ok(*state, "hook", 0);
    char key[8];
    for (int i = 0; i < 5; i++) {
        snprintf(key, sizeof key, "k%d", i);
        put_str(sp, key, "12345", VMON_OK);
    }
    vmon_spool_item it[5];
    assert_int_equal(vmon_spool_peek(sp, it, 5), 5);
    int64_t ids[4] = {it[0].id, it[1].id, it[3].id, 999999}; /* an unknown id is no error */
    assert_int_equal(vmon_spool_ack_many(sp, ids, 4), VMON_OK);
    for (int i = 0; i < 5; i++)
        vmon_spool_item_clear(&it[i]);
    assert_int_equal(vmon_spool_count(sp), 2);
    assert_int_equal(vmon_spool_bytes(sp), 10);
    vmon_spool_close(sp);
    sp = open_ok(*state, "hook", 0);
    assert_int_equal(vmon_spool_peek(sp, it, 5), 2);
    assert_string_equal(it[0].key, "k2");
    assert_string_equal(it[1].key, "k4");
    vmon_spool_item_clear(&it[0]);
    vmon_spool_item_clear(&it[1]);
    assert_int_equal(vmon_spool_ack_many(sp, NULL, 0), VMON_OK);
    vmon_spool_close(sp);
}

static void test_open_error_names_path(void **state)
{
    (void)state;
    vmon_spool *sp = (vmon_spool *)1;
    char err[256] = "";
    int rc = vmon_spool_open("/nonexistent-dir/q.db", "hook", 0, &sp, err, sizeof err);
    assert_int_not_equal(rc, VMON_OK);
    assert_null(sp);
    assert_non_null(strstr(err, "/nonexistent-dir/q.db"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fifo_peek_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_keeps_items_and_attempts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_survives_kill9, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cap_returns_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_key_is_one_item, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sinks_share_a_file_apart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_private_and_binary_safe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ack_many_in_one_transaction, setup, teardown),
        cmocka_unit_test(test_open_error_names_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
