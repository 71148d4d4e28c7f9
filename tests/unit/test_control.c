/* The control channel: one line in, ok / error out, owner-only, stale sockets replaced. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "test_util.h"

typedef struct seen {
    char verb[32];
    char pipeline[64];
    int calls;
} seen;

static int handler(void *arg, const char *verb, const char *pipeline, char *reply, size_t len)
{
    seen *s = arg;
    s->calls++;
    snprintf(s->verb, sizeof s->verb, "%s", verb);
    snprintf(s->pipeline, sizeof s->pipeline, "%s", pipeline);
    if (!strcmp(pipeline, "nosuch")) {
        snprintf(reply, len, "no pipeline 'nosuch'");
        return -1;
    }
    snprintf(reply, len, "%s %s done", verb, pipeline);
    return 0;
}

static char *socket_in(const char *dir)
{
    char *p = NULL;
    assert_true(asprintf(&p, "%s/ctl.sock", dir) > 0);
    return p;
}

static void test_commands_reach_the_handler(void **state)
{
    (void)state;
    char *dir = test_tempdir(), *path = socket_in(dir);
    seen s = {0};
    char err[512], reply[1024];
    vmon_control *c = vmon_control_start(path, handler, &s, err, sizeof err);
    assert_non_null(c);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);

    assert_int_equal(vmon_control_call(path, "pause", "autotune", 2000, reply, sizeof reply), 0);
    assert_string_equal(reply, "ok\npause autotune done\n");
    assert_string_equal(s.verb, "pause");
    assert_string_equal(s.pipeline, "autotune");
    assert_int_equal(vmon_control_call(path, "status", NULL, 2000, reply, sizeof reply), 0);
    assert_string_equal(s.pipeline, "");
    assert_int_equal(vmon_control_call(path, "abort", "nosuch", 2000, reply, sizeof reply), 1);
    assert_string_equal(reply, "error: no pipeline 'nosuch'\n");
    vmon_control_stop(c);
    assert_int_not_equal(stat(path, &sb), 0); /* removed */
    free(path);
    test_rm_tree(dir);
    free(dir);
}

static void test_bad_commands_never_reach_the_handler(void **state)
{
    (void)state;
    char *dir = test_tempdir(), *path = socket_in(dir);
    seen s = {0};
    char err[512], reply[1024];
    vmon_control *c = vmon_control_start(path, handler, &s, err, sizeof err);
    assert_non_null(c);
    assert_int_equal(vmon_control_call(path, "explode", "p", 2000, reply, sizeof reply), 1);
    assert_non_null(strstr(reply, "unknown command 'explode'"));
    assert_int_equal(vmon_control_call(path, "rollback", NULL, 2000, reply, sizeof reply), 1);
    assert_non_null(strstr(reply, "rollback needs a pipeline"));
    assert_int_equal(vmon_control_call(path, "\x1b[31m", "p", 2000, reply, sizeof reply), 1);
    assert_null(strchr(reply, '\x1b')); /* control bytes come back escaped */
    assert_int_equal(s.calls, 0);
    vmon_control_stop(c);
    free(path);
    test_rm_tree(dir);
    free(dir);
}

static void test_stale_socket_is_replaced_live_one_refused(void **state)
{
    (void)state;
    char *dir = test_tempdir(), *path = socket_in(dir);
    /* a socket file nobody listens on, as a crashed vmond leaves it */
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    close(fd);
    seen s = {0};
    char err[512], reply[256];
    vmon_control *c = vmon_control_start(path, handler, &s, err, sizeof err);
    assert_non_null(c);
    vmon_control *twice = vmon_control_start(path, handler, &s, err, sizeof err);
    assert_null(twice);
    assert_non_null(strstr(err, "another vmond"));
    assert_int_equal(vmon_control_call(path, "status", NULL, 2000, reply, sizeof reply), 0);
    vmon_control_stop(c);
    free(path);
    test_rm_tree(dir);
    free(dir);
}

static void test_unreachable_and_unusable_paths(void **state)
{
    (void)state;
    char *dir = test_tempdir(), *path = socket_in(dir);
    char err[512], reply[512];
    assert_int_equal(vmon_control_call(path, "status", NULL, 500, reply, sizeof reply), -1);
    assert_non_null(strstr(reply, "cannot reach vmond"));
    char *plain = test_write_file(dir, "plain", "x");
    seen s = {0};
    assert_null(vmon_control_start(plain, handler, &s, err, sizeof err));
    assert_non_null(strstr(err, "not a socket"));
    char longpath[200];
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[sizeof longpath - 1] = '\0';
    assert_null(vmon_control_start(longpath, handler, &s, err, sizeof err));
    assert_non_null(strstr(err, "shorter path"));
    free(plain);
    free(path);
    test_rm_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commands_reach_the_handler),
        cmocka_unit_test(test_bad_commands_never_reach_the_handler),
        cmocka_unit_test(test_stale_socket_is_replaced_live_one_refused),
        cmocka_unit_test(test_unreachable_and_unusable_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
