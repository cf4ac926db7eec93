/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * echo-flood.c: the network's own floor for the probe fan-out benchmark
 * (tests/bench/bench-fanout.sh).
 *
 *   echo-flood PREFIX FIRST COUNT [TIMEOUT_MS]
 *
 * Sends one ICMPv6 echo request to each of PREFIX+FIRST ..
 * PREFIX+FIRST+COUNT-1 (added to the last 32 bits) from one raw socket, as
 * fast as the socket takes them, and reads echo replies until every address
 * answered or TIMEOUT_MS (default 5000) passed.  Prints
 * "sent N replies N elapsed_ms N".  No cache, no D-Bus, no state beyond a
 * bitmap: the least any prober can do.  In the lab the router's and the
 * members' packet processing runs on the same CPUs, inside the sender's
 * and receiver's system calls (veth delivers in softirq), so this time is
 * what the lab's network costs; the daemon's own cost is what it takes
 * beyond it.  Needs CAP_NET_RAW.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/icmp6.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void address_at(const struct in6_addr *base, uint32_t i, struct in6_addr *ret) {
        uint32_t low;

        *ret = *base;
        memcpy(&low, &ret->s6_addr[12], 4);
        low = htonl(ntohl(low) + i);
        memcpy(&ret->s6_addr[12], &low, 4);
}

int main(int argc, char **argv) {
        struct in6_addr base;
        uint32_t first, count, sent = 0, replies = 0;
        uint64_t timeout_usec, start, deadline;
        uint16_t id = (uint16_t)(getpid() & 0xffff);
        struct icmp6_filter filter;
        int fd, size = 16 << 20;
        uint8_t *seen;

        if (argc < 4 || inet_pton(AF_INET6, argv[1], &base) != 1) {
                fprintf(stderr, "usage: echo-flood PREFIX FIRST COUNT [TIMEOUT_MS]\n");
                return 2;
        }
        first = (uint32_t)strtoul(argv[2], NULL, 0);
        count = (uint32_t)strtoul(argv[3], NULL, 0);
        timeout_usec = (argc > 4 ? strtoull(argv[4], NULL, 0) : 5000u) * 1000u;
        if (count == 0 || count > 65536u)
                return 2;
        seen = calloc(count, 1);
        fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
        if (!seen || fd < 0) {
                perror("echo-flood: socket");
                return 1;
        }
        ICMP6_FILTER_SETBLOCKALL(&filter);
        ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
        (void)setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter));
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size));

        start = now_usec();
        deadline = start + timeout_usec;
        while (replies < count && now_usec() < deadline) {
                struct pollfd p = {.fd = fd, .events = POLLIN | (sent < count ? POLLOUT : 0)};

                if (poll(&p, 1, 10) < 0 && errno != EINTR)
                        break;
                while (sent < count) {
                        struct icmp6_hdr h = {.icmp6_type = ICMP6_ECHO_REQUEST};
                        struct sockaddr_in6 to = {.sin6_family = AF_INET6};

                        h.icmp6_id = htons(id);
                        h.icmp6_seq = htons((uint16_t)sent);
                        address_at(&base, first + sent, &to.sin6_addr);
                        if (sendto(fd, &h, sizeof(h), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
                                break; /* EAGAIN: poll again */
                        sent++;
                }
                for (;;) {
                        struct icmp6_hdr h;
                        struct sockaddr_in6 from;
                        socklen_t len = sizeof(from);
                        ssize_t n = recvfrom(fd, &h, sizeof(h), 0, (struct sockaddr *)&from, &len);
                        uint16_t seq;

                        if (n < 0)
                                break;
                        seq = ntohs(h.icmp6_seq);
                        if ((size_t)n < sizeof(h) || ntohs(h.icmp6_id) != id || seq >= count || seen[seq])
                                continue;
                        seen[seq] = 1;
                        replies++;
                }
        }
        printf("sent %u replies %u elapsed_ms %.1f\n", sent, replies, (double)(now_usec() - start) / 1000.0);
        free(seen);
        close(fd);
        return replies == count ? 0 : 1;
}
