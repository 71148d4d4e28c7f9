#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "io.h"

enum { BIG = 1 << 20 }; /* larger than a pipe buffer: forces short writes */

static char sent[BIG];

typedef struct reader {
    int fd;
    size_t got;
    int matches;
} reader;

static void *drain(void *arg)
{
    reader *r = arg;
    char chunk[4096];
    r->matches = 1;
    for (;;) {
        ssize_t n = read(r->fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (memcmp(chunk, sent + r->got, (size_t)n) != 0)
            r->matches = 0;
        r->got += (size_t)n;
    }
    return NULL;
}

static void on_alarm(int sig)
{
    (void)sig;
}

static void test_writes_everything_despite_short_and_interrupted_writes(void **state)
{
    (void)state;
    for (size_t i = 0; i < BIG; i++)
        sent[i] = (char)(i * 31 + 7);
    int p[2];
    assert_int_equal(pipe(p), 0);
    /* A handler without SA_RESTART makes a blocked write() fail with EINTR. */
    struct sigaction sa = {.sa_handler = on_alarm};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval every_ms = {{0, 1000}, {0, 1000}};
    setitimer(ITIMER_REAL, &every_ms, NULL);
    reader r = {.fd = p[0]};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, drain, &r), 0);
    assert_int_equal(vmon_write_all(p[1], sent, BIG), 0);
    close(p[1]);
    pthread_join(t, NULL);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    close(p[0]);
    assert_int_equal(r.got, BIG);
    assert_true(r.matches);
}

static void test_reports_errno_of_a_failed_write(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    errno = 0;
    assert_int_equal(vmon_write_all(p[1], "x", 1), -1);
    assert_int_equal(errno, EPIPE);
    close(p[1]);
    assert_int_equal(vmon_write_all(-1, "x", 1), -1);
    assert_int_equal(errno, EBADF);
}

static void test_mkdir_p_makes_every_missing_parent(void **state)
{
    (void)state;
    char root[] = "/tmp/vmon-io-XXXXXX", path[256], file[256];
    assert_non_null(mkdtemp(root));
    snprintf(path, sizeof path, "%s/a/b//c/", root);
    assert_int_equal(vmon_mkdir_p(path, 0755), 0);
    struct stat st;
    snprintf(path, sizeof path, "%s/a/b/c", root);
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(vmon_mkdir_p(path, 0755), 0); /* already there: fine */
    /* A file in the way is an error, not a success. */
    snprintf(file, sizeof file, "%s/a/f", root);
    int fd = open(file, O_CREAT | O_WRONLY, 0644);
    assert_true(fd >= 0);
    close(fd);
    snprintf(path, sizeof path, "%s/a/f/g", root);
    assert_int_equal(vmon_mkdir_p(path, 0755), -1);
    assert_int_equal(errno, ENOTDIR);
    assert_int_equal(vmon_mkdir_p(file, 0755), -1);
    assert_int_equal(errno, ENOTDIR);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writes_everything_despite_short_and_interrupted_writes),
        cmocka_unit_test(test_reports_errno_of_a_failed_write),
        cmocka_unit_test(test_mkdir_p_makes_every_missing_parent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
