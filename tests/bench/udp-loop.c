/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * udp-loop.c: a UDP request/response loop for the shim benchmark
 * (tests/bench/bench-shim.sh): what aarp-run adds per sendto().
 *
 *   udp-loop ADDRESS PORT COUNT
 *
 * Sends COUNT datagrams to [ADDRESS]:PORT with sendto() on one unconnected
 * socket, each followed by a blocking recvfrom() of the answer (the lab
 * members' UDP service on port 7 answers every datagram).  Two times are
 * kept per iteration: the sendto() call alone (what the shim's rewrite
 * costs, without the network) and the whole round trip.  Run it against
 * the member's unicast address without the shim (baseline) and against the
 * anycast address under aarp-run (mapping cached in the shim) and compare.
 * A 1 s receive timeout keeps it bounded; a lost answer fails the run.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_nsec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return x < y ? -1 : x > y;
}

static void stats(const char *label, uint64_t *v, unsigned n) {
        double sum = 0;

        qsort(v, n, sizeof(*v), cmp_u64);
        for (unsigned i = 0; i < n; i++)
                sum += (double)v[i];
        printf("%s n %u p50_ns %llu p99_ns %llu mean_ns %.0f\n", label, n, (unsigned long long)v[n / 2],
               (unsigned long long)v[n * 99 / 100], sum / n);
}

int main(int argc, char **argv) {
        struct sockaddr_in6 dst = {.sin6_family = AF_INET6};
        struct timeval tv = {.tv_sec = 1};
        uint64_t *send_ns, *rtt_ns;
        unsigned count;
        char buf[512];
        int fd;

        if (argc != 4 || inet_pton(AF_INET6, argv[1], &dst.sin6_addr) != 1 || (count = (unsigned)atoi(argv[3])) < 10) {
                fprintf(stderr, "usage: %s ADDRESS PORT COUNT(>=10)\n", argv[0]);
                return 2;
        }
        dst.sin6_port = htons((uint16_t)atoi(argv[2]));
        send_ns = calloc(count, sizeof(uint64_t));
        rtt_ns = calloc(count, sizeof(uint64_t));
        fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (!send_ns || !rtt_ns || fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
                perror("udp-loop");
                return 2;
        }
        /* One untimed exchange: under aarp-run it asks the daemon and
         * fills the shim's cache, which is the state being measured. */
        for (unsigned i = 0; i <= count; i++) {
                uint64_t t0 = now_nsec(), t1;

                if (sendto(fd, "ping\n", 5, 0, (struct sockaddr *)&dst, sizeof(dst)) != 5) {
                        perror("udp-loop: sendto");
                        return 1;
                }
                t1 = now_nsec();
                if (recvfrom(fd, buf, sizeof(buf), 0, NULL, NULL) <= 0) {
                        fprintf(stderr, "udp-loop: no answer to datagram %u\n", i);
                        return 1;
                }
                if (i > 0) {
                        send_ns[i - 1] = t1 - t0;
                        rtt_ns[i - 1] = now_nsec() - t0;
                }
        }
        stats("sendto", send_ns, count);
        stats("roundtrip", rtt_ns, count);
        close(fd);
        return 0;
}
