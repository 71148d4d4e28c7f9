/*
 * vmon_hook_receiver: the test receiver as a process, for shell tests
 * (Alertmanager's notifications) and benchmarks.
 *
 *   vmon_hook_receiver PORT_FILE BODIES_FILE [FAIL_PERCENT [STATUS [PORT]]]
 *
 * STATUS is what it answers when not failing (default 200); PORT binds
 * that port instead of a free one (a test restarting the receiver).
 * Writes its port to PORT_FILE once listening; appends every request as
 * "STATUS KEY BODY" lines (body with newlines removed) to BODIES_FILE as it
 * arrives; SIGUSR1 makes it answer STATUS to everything from then on (a
 * receiver that "comes back" on the same port); stops on SIGTERM or SIGINT
 * and prints totals to stderr.
 */
#include "hook_receiver.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop, recover;

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        recover = 1;
    else
        stop = 1;
}

static void flatten(char *s)
{
    for (; *s; s++)
        if (*s == '\n' || *s == '\r')
            *s = ' ';
}

static void drain(hook_receiver *r, FILE *out, size_t *done)
{
    size_t n = hook_count(r);
    for (; *done < n; (*done)++) {
        hook_request q;
        if (hook_get(r, *done, &q) != 0)
            break;
        flatten(q.body);
        fprintf(out, "%d %s %s\n", q.status, q.key[0] ? q.key : "-", q.body);
        hook_request_free(&q);
    }
    fflush(out);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s PORT_FILE BODIES_FILE [FAIL_PERCENT [STATUS [PORT]]]\n",
                argv[0]);
        return 2;
    }
    hook_receiver *r = hook_start_port(argc > 5 ? atoi(argv[5]) : 0);
    if (!r)
        return 1;
    hook_behaviour b = {.fail_percent = argc > 3 ? atoi(argv[3]) : 0,
                        .status = argc > 4 ? atoi(argv[4]) : 200,
                        .seed = 7};
    hook_set(r, &b);
    FILE *out = fopen(argv[2], "a");
    FILE *pf = fopen(argv[1], "w");
    if (!out || !pf)
        return 1;
    fprintf(pf, "%d\n", hook_port(r));
    fclose(pf);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGUSR1, on_signal);
    size_t done = 0;
    while (!stop) {
        usleep(20000);
        if (recover) {
            recover = 0;
            b.fail_percent = 0;
            hook_set(r, &b);
        }
        drain(r, out, &done);
    }
    drain(r, out, &done);
    size_t ok = 0, uniq = hook_unique_ok(r, &ok);
    fprintf(stderr, "requests=%zu ok=%zu unique_keys=%zu\n", hook_count(r), ok, uniq);
    fclose(out);
    hook_stop(r);
    return 0;
}
