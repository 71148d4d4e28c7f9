/*
 * vmon_free_port: print a 127.0.0.1 port that is free for both TCP and UDP
 * right now, for tests that must hand a port to a server (rsyslog) which
 * cannot report one it picked itself. Callers retry if they lose the race.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static int bind_port(int type, int port)
{
    int fd = socket(AF_INET, type, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int got = ntohs(sa.sin_port);
    close(fd);
    return got;
}

int main(void)
{
    for (int i = 0; i < 50; i++) {
        int port = bind_port(SOCK_STREAM, 0);
        if (port > 0 && bind_port(SOCK_DGRAM, port) == port) {
            printf("%d\n", port);
            return 0;
        }
    }
    return 1;
}
