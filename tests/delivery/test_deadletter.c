/* Dead-letter lines: one JSON object per line, all fields, private file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "temp_file.h"

#include "deadletter.h"

#include <vmon/abi.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int setup(void **state)
{
    return temp_file_setup(state, "dead.jsonl");
}

static int teardown(void **state)
{
    return temp_file_teardown(state);
}

/* Every line of the file, parsed; fails the test on a line that is not JSON. */
static size_t read_lines(const char *path, json_object **out, size_t max)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char *line = NULL;
    size_t cap = 0, n = 0;
    while (getline(&line, &cap, fp) > 0 && n < max) {
        out[n] = json_tokener_parse(line);
        if (!out[n])
            fail_msg("not JSON: %s", line);
        n++;
    }
    free(line);
    fclose(fp);
    return n;
}

static const char *field(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : NULL;
}

static void test_lines_carry_all_fields(void **state)
{
    fixture *f = *state;
    assert_int_equal(vmon_deadletter_write_at(f->path, "hook", "HTTP 400: bad label",
                                              "{\"rule\":\"p95\",\"value\":1.5}", 1763701200123),
                     VMON_OK);
    assert_int_equal(
        vmon_deadletter_write(f->path, "hook", "retry limit", "{\n  \"rule\": \"x\"\n}"), VMON_OK);
    json_object *l[4] = {0};
    assert_int_equal(read_lines(f->path, l, 4), 2);
    assert_string_equal(field(l[0], "sink"), "hook");
    assert_string_equal(field(l[0], "reason"), "HTTP 400: bad label");
    assert_string_equal(field(l[0], "time"), "2025-11-21T05:00:00.123Z");
    json_object *alert, *rule;
    assert_true(json_object_object_get_ex(l[0], "alert", &alert));
    assert_true(json_object_is_type(alert, json_type_object));
    assert_true(json_object_object_get_ex(alert, "rule", &rule));
    assert_string_equal(json_object_get_string(rule), "p95");
    /* A pretty-printed payload still becomes one line, as an object. */
    assert_true(json_object_object_get_ex(l[1], "alert", &alert));
    assert_true(json_object_is_type(alert, json_type_object));
    json_object_put(l[0]);
    json_object_put(l[1]);
}

static void test_non_json_payload_kept_verbatim(void **state)
{
    fixture *f = *state;
    const char *raw = "not json\nsecond line {";
    assert_int_equal(vmon_deadletter_write(f->path, "syslog", "gone", raw), VMON_OK);
    assert_int_equal(vmon_deadletter_write(f->path, "syslog", "gone", "{\"a\":1} trailing"),
                     VMON_OK);
    json_object *l[3] = {0};
    assert_int_equal(read_lines(f->path, l, 3), 2);
    assert_string_equal(field(l[0], "alert"), raw);
    assert_string_equal(field(l[1], "alert"), "{\"a\":1} trailing");
    json_object_put(l[0]);
    json_object_put(l[1]);
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

/* Several processes appending at once never interleave inside a line. */
static void test_concurrent_appends_stay_whole(void **state)
{
    fixture *f = *state;
    enum { PROCS = 4, EACH = 50 };
    char payload[2048];
    memset(payload, 'p', sizeof payload - 3);
    payload[0] = '"';
    payload[sizeof payload - 3] = '"';
    payload[sizeof payload - 2] = '\0';
    for (int p = 0; p < PROCS; p++) {
        if (fork() == 0) {
            for (int i = 0; i < EACH; i++)
                if (vmon_deadletter_write(f->path, "s", "r", payload) != VMON_OK)
                    _exit(1);
            _exit(0);
        }
    }
    for (int p = 0; p < PROCS; p++) {
        int status;
        wait(&status);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    static json_object *l[PROCS * EACH + 1];
    assert_int_equal(read_lines(f->path, l, PROCS * EACH + 1), PROCS * EACH);
    for (int i = 0; i < PROCS * EACH; i++)
        json_object_put(l[i]);
}

static void test_unwritable_path_fails(void **state)
{
    (void)state;
    assert_int_equal(vmon_deadletter_write("/nonexistent-dir/dead.jsonl", "s", "r", "{}"),
                     VMON_ERROR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lines_carry_all_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_non_json_payload_kept_verbatim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_appends_stay_whole, setup, teardown),
        cmocka_unit_test(test_unwritable_path_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
