/*
 * log_format = json, one line: valid JSON whatever bytes the message, the
 * source and the fields hold (controls escaped, ill-formed UTF-8 replaced),
 * the timestamp RFC 3339 in UTC with ms, `[kind:name]` split out, and a
 * field never replacing the line's own members.
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "test_util.h"
#include "utf8.h"

static const char *member(json_object *o, const char *k)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : NULL;
}

static void test_hostile_bytes_stay_one_valid_object(void **state)
{
    (void)state;
    const vmon_log_field f[] = {
        {"reason", "bad\xc3(\x01"}, {"message", "not me"}, {"k\xff", "v\n"}};
    char *line = vmon_log_json_line(1700000000123LL, "warning", "[sink:hook]",
                                    "a\nb\tc\x01\x1b[31m\x7f \xff\xfe \xe2\x82 end", f, 3);
    assert_non_null(line);
    size_t len = strlen(line);
    assert_true(len > 1 && line[len - 1] == '\n');
    assert_null(memchr(line, '\n', len - 1)); /* one line */
    for (size_t i = 0; i + 1 < len; i++)
        assert_true((unsigned char)line[i] >= 0x20); /* no raw control byte */
    assert_true(vmon_utf8_valid(line, len));
    json_object *o = json_tokener_parse(line);
    assert_non_null(o);
    assert_string_equal(member(o, "time"), "2023-11-14T22:13:20.123Z");
    assert_string_equal(member(o, "level"), "warning");
    assert_string_equal(member(o, "source"), "[sink:hook]");
    assert_string_equal(member(o, "kind"), "sink");
    assert_string_equal(member(o, "instance"), "hook");
    assert_string_equal(member(o, "message"), "a\nb\tc\x01\x1b[31m\x7f \xef\xbf\xbd\xef\xbf\xbd "
                                              "\xef\xbf\xbd end");
    assert_string_equal(member(o, "reason"), "bad\xef\xbf\xbd(\x01");
    assert_string_equal(member(o, "k\xef\xbf\xbd"), "v\n");
    json_object_put(o);
    free(line);
}

static void test_plain_source_has_no_instance(void **state)
{
    (void)state;
    char *line = vmon_log_json_line(0, "info", "core", "hi", NULL, 0);
    json_object *o = json_tokener_parse(line);
    assert_non_null(o);
    assert_string_equal(member(o, "time"), "1970-01-01T00:00:00.000Z");
    assert_string_equal(member(o, "source"), "core");
    assert_null(member(o, "instance"));
    assert_string_equal(member(o, "message"), "hi");
    json_object_put(o);
    free(line);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_bytes_stay_one_valid_object),
        cmocka_unit_test(test_plain_source_has_no_instance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
