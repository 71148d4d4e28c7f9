/*
 * vmon_test_silent_server PORT_FILE: an HTTP server on loopback (port 0,
 * written to PORT_FILE) that answers 200 "ok" to everything, until SIGUSR1
 * makes it accept requests and never answer (a hung database); SIGUSR2 makes
 * it answer again, held requests included. Stops on SIGTERM.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "http_server.h"

static volatile sig_atomic_t silent, stop;

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        silent = 1;
    else if (sig == SIGUSR2)
        silent = 0;
    else
        stop = 1;
}

static void pause_10ms(void)
{
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

static void handle(void *arg, const vmon_http_incoming *in, vmon_http_reply *out)
{
    (void)arg;
    (void)in;
    while (silent && !stop)
        pause_10ms();
    vmon_http_reply_body(out, NULL, "ok\n", 3);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PORT_FILE\n", argv[0]);
        return 2;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    char err[256];
    vmon_http_server_cfg cfg = {.threads = 16, .handler = handle};
    vmon_http_server *s = vmon_http_server_start(&cfg, err, sizeof err);
    if (!s) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[1]);
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%u\n", vmon_http_server_port(s)) < 0 || fclose(f) != 0 ||
        rename(tmp, argv[1]) != 0) {
        perror(argv[1]);
        return 1;
    }
    while (!stop)
        pause_10ms();
    vmon_http_server_stop(s);
    return 0;
}
