// Accepts one connection on the pre-opened listening socket whose
// descriptor is argv[1] (default 3), echoes everything it receives until
// the peer shuts down its side, then shuts the connection down. Checks a
// few socket errors on the way and reports on stdout.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *name(int e) {
    switch (e) {
    case 0: return "ok";
    case EBADF: return "EBADF";
    case ENOTSOCK: return "ENOTSOCK";
    case ENOTCONN: return "ENOTCONN";
    case EINVAL: return "EINVAL";
    default: return strerror(e);
    }
}

int main(int argc, char **argv) {
    int listener = argc > 1 ? atoi(argv[1]) : 3;
    char buf[4096];

    // Socket calls on descriptors that are not sockets, or not open.
    errno = 0;
    printf("recv on stdout: %s\n", recv(1, buf, 1, 0) < 0 ? name(errno) : "ok");
    errno = 0;
    printf("send on a closed fd: %s\n", send(99, "x", 1, 0) < 0 ? name(errno) : "ok");
    errno = 0;
    printf("recv on the listener: %s\n", recv(listener, buf, 1, 0) < 0 ? name(errno) : "ok");

    int conn = accept(listener, NULL, NULL);
    if (conn < 0) {
        perror("accept");
        return 1;
    }
    printf("accepted\n");
    errno = 0;
    printf("accept on the connection: %s\n", accept(conn, NULL, NULL) < 0 ? name(errno) : "ok");

    // Peek at the first bytes without consuming them.
    ssize_t peeked = recv(conn, buf, 5, MSG_PEEK);
    if (peeked < 0) {
        perror("recv(MSG_PEEK)");
        return 1;
    }
    printf("peeked %.*s\n", (int)peeked, buf);

    long long total = 0;
    for (;;) {
        ssize_t n = recv(conn, buf, sizeof buf, 0);
        if (n < 0) {
            perror("recv");
            return 1;
        }
        if (n == 0)
            break;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = send(conn, buf + done, n - done, 0);
            if (w < 0) {
                perror("send");
                return 1;
            }
            done += w;
        }
        total += n;
    }
    if (shutdown(conn, SHUT_RDWR) != 0) {
        perror("shutdown");
        return 1;
    }
    errno = 0;
    printf("shutdown with a bad how: %s\n", shutdown(conn, 77) < 0 ? name(errno) : "ok");
    close(conn);
    printf("echoed %lld bytes\n", total);
    return 0;
}
