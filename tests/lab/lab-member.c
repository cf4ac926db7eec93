/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lab-member.c: one anycast member of the test lab (tests/lab/lab.sh).
 *
 * Usage: lab-member NAME READY_FILE ANYCAST_ADDRESS...
 *
 * Joins every ANYCAST_ADDRESS with IPV6_JOIN_ANYCAST (the membership lasts
 * while this process holds its socket), then serves on [::]:
 *   - TCP 8080: an HTTP/1.0 responder whose body is "NAME\n";
 *   - UDP 7:    an echo service that answers every datagram with "NAME\n".
 * Both answer from whatever address the kernel picks (the unicast U when
 * the request went to an anycast address), which is the point of the lab:
 * TCP to A never completes, TCP to U does.  When everything is set up it
 * writes its pid to READY_FILE; it runs until SIGTERM/SIGINT.
 *
 * Single-threaded poll() loop: the lab needs a handful of connections, not
 * throughput.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IPV6_JOIN_ANYCAST
#define IPV6_JOIN_ANYCAST 27
#endif

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
        (void) sig;
        stop = 1;
}

static int bind_any(int type, uint16_t port) {
        struct sockaddr_in6 sa = {
                .sin6_family = AF_INET6,
                .sin6_port = htons(port),
                .sin6_addr = IN6ADDR_ANY_INIT,
        };
        int one = 1;
        int fd = socket(AF_INET6, type | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return -1;
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            (type == SOCK_STREAM && listen(fd, 64) < 0)) {
                close(fd);
                return -1;
        }
        return fd;
}

/* Read the request head (bounded, best effort) and answer with the name. */
static void serve_http(int cfd, const char *name) {
        char buf[2048], reply[512];
        struct pollfd p = { .fd = cfd, .events = POLLIN };
        size_t got = 0;
        int n;

        while (got < sizeof(buf) - 1 && poll(&p, 1, 2000) > 0) {
                ssize_t r = read(cfd, buf + got, sizeof(buf) - 1 - got);
                if (r <= 0)
                        break;
                got += (size_t) r;
                buf[got] = '\0';
                if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
                        break;
        }
        n = snprintf(reply, sizeof(reply),
                     "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s\n",
                     strlen(name) + 1, name);
        if (n > 0)
                (void) !write(cfd, reply, (size_t) n);
}

int main(int argc, char **argv) {
        struct sigaction sa = { .sa_handler = on_signal };
        const char *name, *ready;
        int join_fd, tcp_fd, udp_fd;
        char reply[256];
        size_t reply_len;
        FILE *f;

        if (argc < 4) {
                fprintf(stderr, "usage: %s NAME READY_FILE ANYCAST_ADDRESS...\n", argv[0]);
                return 2;
        }
        name = argv[1];
        ready = argv[2];
        reply_len = (size_t) snprintf(reply, sizeof(reply), "%s\n", name);
        if (reply_len >= sizeof(reply)) {
                fprintf(stderr, "lab-member: name too long\n");
                return 2;
        }

        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);

        join_fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (join_fd < 0) {
                perror("lab-member: socket");
                return 1;
        }
        for (int i = 3; i < argc; i++) {
                struct ipv6_mreq mreq = { .ipv6mr_interface = 0 };

                if (inet_pton(AF_INET6, argv[i], &mreq.ipv6mr_multiaddr) != 1) {
                        fprintf(stderr, "lab-member: bad address '%s'\n", argv[i]);
                        return 2;
                }
                if (setsockopt(join_fd, IPPROTO_IPV6, IPV6_JOIN_ANYCAST, &mreq, sizeof(mreq)) < 0) {
                        fprintf(stderr, "lab-member: IPV6_JOIN_ANYCAST %s: %s\n", argv[i],
                                strerror(errno));
                        return 1;
                }
        }

        tcp_fd = bind_any(SOCK_STREAM, 8080);
        udp_fd = bind_any(SOCK_DGRAM, 7);
        if (tcp_fd < 0 || udp_fd < 0) {
                perror("lab-member: bind");
                return 1;
        }

        f = fopen(ready, "we");
        if (!f) {
                perror("lab-member: ready file");
                return 1;
        }
        fprintf(f, "%ld\n", (long) getpid());
        fclose(f);

        while (!stop) {
                struct pollfd p[2] = {
                        { .fd = tcp_fd, .events = POLLIN },
                        { .fd = udp_fd, .events = POLLIN },
                };

                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        perror("lab-member: poll");
                        return 1;
                }
                if (p[0].revents & POLLIN) {
                        int cfd = accept4(tcp_fd, NULL, NULL, SOCK_CLOEXEC);
                        if (cfd >= 0) {
                                serve_http(cfd, name);
                                close(cfd);
                        }
                }
                if (p[1].revents & POLLIN) {
                        struct sockaddr_in6 from;
                        socklen_t fromlen = sizeof(from);
                        char buf[2048];

                        if (recvfrom(udp_fd, buf, sizeof(buf), 0, (struct sockaddr *) &from,
                                     &fromlen) >= 0)
                                (void) sendto(udp_fd, reply, reply_len, 0,
                                              (struct sockaddr *) &from, fromlen);
                }
        }
        close(tcp_fd);
        close(udp_fd);
        close(join_fd);
        return 0;
}
