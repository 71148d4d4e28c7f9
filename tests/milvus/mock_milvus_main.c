/*
 * mock-milvus: the Milvus-shaped test server as a program, for shell tests
 * and colleagues' probe tests. Usage: mock-milvus --dir DIR [--port N]
 * Prints "port N" on stdout once listening, serves DIR (see mock_milvus.h)
 * until SIGTERM or SIGINT.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_milvus.h"

int main(int argc, char **argv)
{
    const char *dir = NULL;
    long port = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--dir") == 0)
            dir = argv[i + 1];
        else if (strcmp(argv[i], "--port") == 0)
            port = strtol(argv[i + 1], NULL, 10);
    }
    if (!dir || port < 0 || port > 65535) {
        fprintf(stderr,
                "usage: mock-milvus --dir DIR [--port N]  (see tests/milvus/mock_milvus.h)\n");
        return 2;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* before the server's threads start */
    char err[256];
    mock_milvus *m = mock_milvus_start(dir, (uint16_t)port, err, sizeof err);
    if (!m) {
        fprintf(stderr, "mock-milvus: %s\n", err);
        return 1;
    }
    printf("port %u\n", mock_milvus_port(m));
    fflush(stdout);
    int sig;
    sigwait(&set, &sig);
    mock_milvus_stop(m);
    return 0;
}
