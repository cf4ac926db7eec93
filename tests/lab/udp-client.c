/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * udp-client.c: a request/response UDP client that behaves like a DNS stub
 * resolver, for the aarp-run tests (tests/integration/client-aarp-run.sh).
 *
 * Usage: udp-client [--connect|--mmsg|--vfork] ADDRESS PORT MESSAGE
 *
 * Sends MESSAGE to [ADDRESS]:PORT and waits up to 3 seconds for a reply.
 * Like a DNS client it accepts a reply only from the address it sent to:
 * without --connect it uses sendto()/recvfrom() and drops datagrams from
 * any other source; with --connect it connect()s the socket (the kernel
 * then drops them) and uses send()/recv()/getpeername(); with --mmsg it
 * uses sendmmsg()/recvmmsg() on an unconnected socket; --vfork is
 * sendto()/recvfrom() with a vfork()ed child in between that closes every
 * descriptor above 2 and exits, as a JVM's child does before exec (the
 * child shares our memory, not our descriptors).  So a reply from
 * an anycast member's unicast address counts only when something (the
 * aarp-run shim) makes it look as if it came from ADDRESS.
 *
 * On a reply it prints "[PEER]:PORT REPLY" (the peer as the socket API
 * reported it) and exits 0; on timeout it prints "timeout" and exits 1;
 * 2 for usage and socket errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A vfork()ed child that closes every descriptor above 2 and exits; in a
 * function of its own, so that vfork() clobbers none of main()'s locals. */
static __attribute__((noinline)) int vfork_closing_child(void) {
        pid_t pid = vfork();

        if (pid == 0) {
                for (int i = 3; i < 1024; i++)
                        close(i);
                _exit(0);
        }
        return pid < 0 ? -1 : waitpid(pid, NULL, 0) < 0 ? -1 : 0;
}

int main(int argc, char **argv) {
        struct sockaddr_in6 dst = {.sin6_family = AF_INET6}, from;
        socklen_t from_len;
        int connected = 0, mmsg = 0, vforked = 0, fd, a = 1;
        char buf[512], text[INET6_ADDRSTRLEN];
        long long deadline;
        ssize_t n;

        if (argc > 1 && strcmp(argv[1], "--connect") == 0) {
                connected = 1;
                a = 2;
        } else if (argc > 1 && strcmp(argv[1], "--mmsg") == 0) {
                mmsg = 1;
                a = 2;
        } else if (argc > 1 && strcmp(argv[1], "--vfork") == 0) {
                vforked = 1;
                a = 2;
        }
        if (argc - a != 3 || inet_pton(AF_INET6, argv[a], &dst.sin6_addr) != 1) {
                fprintf(stderr, "usage: udp-client [--connect|--mmsg|--vfork] IPV6-ADDRESS PORT MESSAGE\n");
                return 2;
        }
        dst.sin6_port = htons((uint16_t)atoi(argv[a + 1]));

        fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                perror("udp-client: socket");
                return 2;
        }
        if (connected) {
                if (connect(fd, (struct sockaddr *)&dst, sizeof dst) < 0 ||
                    send(fd, argv[a + 2], strlen(argv[a + 2]), 0) < 0) {
                        perror("udp-client: connect/send");
                        return 2;
                }
        } else if (mmsg) {
                struct iovec iov = {.iov_base = argv[a + 2], .iov_len = strlen(argv[a + 2])};
                struct mmsghdr m = {.msg_hdr = {.msg_name = &dst,
                                                .msg_namelen = sizeof dst,
                                                .msg_iov = &iov,
                                                .msg_iovlen = 1}};

                if (sendmmsg(fd, &m, 1, 0) != 1) {
                        perror("udp-client: sendmmsg");
                        return 2;
                }
        } else if (sendto(fd, argv[a + 2], strlen(argv[a + 2]), 0, (struct sockaddr *)&dst, sizeof dst) <
                   0) {
                perror("udp-client: sendto");
                return 2;
        }
        if (vforked && vfork_closing_child() < 0) {
                perror("udp-client: vfork");
                return 2;
        }

        deadline = now_ms() + 3000;
        for (;;) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                long long left = deadline - now_ms();

                if (left <= 0 || poll(&p, 1, (int)left) == 0) {
                        printf("timeout\n");
                        return 1;
                }
                from_len = sizeof from;
                if (connected) {
                        n = recv(fd, buf, sizeof buf - 1, 0);
                        if (n >= 0 && getpeername(fd, (struct sockaddr *)&from, &from_len) < 0)
                                n = -1;
                } else if (mmsg) {
                        struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf - 1};
                        struct mmsghdr m = {.msg_hdr = {.msg_name = &from,
                                                        .msg_namelen = sizeof from,
                                                        .msg_iov = &iov,
                                                        .msg_iovlen = 1}};

                        n = recvmmsg(fd, &m, 1, MSG_DONTWAIT, NULL);
                        if (n == 1)
                                n = (ssize_t)m.msg_len;
                        else if (n == 0)
                                continue;
                } else {
                        n = recvfrom(fd, buf, sizeof buf - 1, 0, (struct sockaddr *)&from, &from_len);
                }
                if (n < 0) {
                        if (errno == EINTR || errno == EAGAIN || errno == ECONNREFUSED)
                                continue;
                        perror("udp-client: recv");
                        return 2;
                }
                inet_ntop(AF_INET6, &from.sin6_addr, text, sizeof text);
                if (!IN6_ARE_ADDR_EQUAL(&from.sin6_addr, &dst.sin6_addr)) {
                        /* What a DNS stub does with an answer from a
                         * stranger: ignore it and keep waiting. */
                        fprintf(stderr, "udp-client: dropped a reply from [%s]\n", text);
                        continue;
                }
                buf[n] = '\0';
                buf[strcspn(buf, "\n")] = '\0';
                printf("[%s]:%u %s\n", text, ntohs(from.sin6_port), buf);
                return 0;
        }
}
