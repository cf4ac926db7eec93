/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * anycast-join.c: join many anycast addresses for the probe fan-out
 * benchmark (tests/bench/bench-fanout.sh).
 *
 *   anycast-join PREFIX FIRST COUNT READY_FILE
 *
 * Joins PREFIX+FIRST .. PREFIX+FIRST+COUNT-1 (added to the last 32 bits)
 * with IPV6_JOIN_ANYCAST, writes its pid to READY_FILE and sleeps until
 * SIGTERM/SIGINT (the memberships end with the process).  tests/lab's
 * lab-member joins too, but it also serves TCP 8080 and UDP 7, which a
 * second instance in one namespace cannot bind.  Memberships are charged to
 * the socket's option memory (net.core.optmem_max, 128 KiB here: about
 * 2000 memberships), so a new socket is opened every PER_SOCKET addresses.
 * Needs CAP_NET_ADMIN and, off-link, forwarding=1 (PAPER-NOTES).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IPV6_JOIN_ANYCAST
#define IPV6_JOIN_ANYCAST 27
#endif

#define PER_SOCKET 1000u
#define COUNT_MAX 65536u

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
        (void)sig;
        stop = 1;
}

int main(int argc, char **argv) {
        struct ipv6_mreq mreq = {0};
        unsigned long first, count;
        uint32_t base;
        FILE *ready;
        int fd = -1;

        if (argc != 5 || inet_pton(AF_INET6, argv[1], &mreq.ipv6mr_multiaddr) != 1 ||
            (count = strtoul(argv[3], NULL, 10)) == 0 || count > COUNT_MAX) {
                fprintf(stderr, "usage: %s PREFIX FIRST COUNT(1-%u) READY_FILE\n", argv[0], COUNT_MAX);
                return 2;
        }
        first = strtoul(argv[2], NULL, 10);
        memcpy(&base, &mreq.ipv6mr_multiaddr.s6_addr[12], 4);
        base = ntohl(base);
        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
        for (unsigned long i = 0; i < count; i++) {
                uint32_t v = htonl(base + (uint32_t)(first + i));

                /* Sockets are never closed before exit: closing drops their
                 * memberships. */
                if (i % PER_SOCKET == 0 && (fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
                        perror("anycast-join: socket");
                        return 1;
                }
                memcpy(&mreq.ipv6mr_multiaddr.s6_addr[12], &v, 4);
                if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_ANYCAST, &mreq, sizeof(mreq)) < 0) {
                        char buf[INET6_ADDRSTRLEN];

                        fprintf(stderr, "anycast-join: %s: ",
                                inet_ntop(AF_INET6, &mreq.ipv6mr_multiaddr, buf, sizeof(buf)));
                        perror("IPV6_JOIN_ANYCAST");
                        return 1;
                }
        }
        ready = fopen(argv[4], "w");
        if (!ready || fprintf(ready, "%ld\n", (long)getpid()) < 0 || fclose(ready) != 0)
                return 1;
        while (!stop)
                pause();
        return 0;
}
