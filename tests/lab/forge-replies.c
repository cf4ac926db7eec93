/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * forge-replies.c: an on-path attacker for the anycast lab.
 *
 * Usage: forge-replies -i IFNAME -c CLIENT [-a ATTACKER] [-t SECONDS]
 *                      [-n MAX_REQUESTS] [-r READY_FILE]
 *
 * Runs in the router's namespace on the interface facing the client.  It
 * sniffs every ICMPv6 Echo Request the client sends (AF_PACKET, cooked) and
 * answers each one at once with forged Echo Replies sent straight to the
 * client's MAC address.  Every forgery has exactly one defect a robust
 * prober must notice (PAPER-NOTES "Spoofing"):
 *   wrong nonce (payload altered, identifier and sequence right),
 *   wrong identifier, wrong sequence, wrong code (1),
 *   truncated payload, oversized payload,
 * each sent twice: once from ATTACKER (default 2001:db8:66::66) and once
 * from the probed target itself (which would fake a "unicast" answer); plus
 * one otherwise perfect copy of the reply from the unspecified address ::,
 * which is a bogus source.  A prober that accepts any of them returns the
 * attacker's address, ::, or the target with the wrong flag.
 *
 * It stops after SECONDS (default 30), after MAX_REQUESTS requests, or on
 * SIGTERM/SIGINT, and prints "requests N forged M" on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip6.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PAYLOAD_MAX 1024

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
        (void) sig;
        stop = 1;
}

static uint32_t sum16(const void *data, size_t len, uint32_t sum) {
        const uint8_t *p = data;

        for (; len > 1; p += 2, len -= 2)
                sum += (uint32_t) ((p[0] << 8) | p[1]);
        if (len)
                sum += (uint32_t) (p[0] << 8);
        return sum;
}

/* RFC 4443 §2.3: checksum over the pseudo-header (RFC 8200 §8.1) and the
 * ICMPv6 message. */
static uint16_t icmp6_checksum(const struct in6_addr *src, const struct in6_addr *dst,
                               const uint8_t *msg, size_t len) {
        uint8_t pseudo[40];
        uint32_t sum;

        memcpy(pseudo, src, 16);
        memcpy(pseudo + 16, dst, 16);
        pseudo[32] = (uint8_t) (len >> 24);
        pseudo[33] = (uint8_t) (len >> 16);
        pseudo[34] = (uint8_t) (len >> 8);
        pseudo[35] = (uint8_t) len;
        pseudo[36] = pseudo[37] = pseudo[38] = 0;
        pseudo[39] = IPPROTO_ICMPV6;
        sum = sum16(pseudo, sizeof(pseudo), 0);
        sum = sum16(msg, len, sum);
        while (sum >> 16)
                sum = (sum & 0xffff) + (sum >> 16);
        return htons((uint16_t) ~sum);
}

typedef struct {
        int fd;
        struct sockaddr_ll to;
        const struct in6_addr *client;
        unsigned long forged;
} Forger;

static void send_reply(Forger *f, const struct in6_addr *src, uint8_t code, uint16_t id,
                       uint16_t seq, const uint8_t *payload, size_t payload_len) {
        uint8_t pkt[sizeof(struct ip6_hdr) + 8 + PAYLOAD_MAX + 64];
        struct ip6_hdr *ip = (struct ip6_hdr *) pkt;
        uint8_t *icmp = pkt + sizeof(*ip);
        size_t icmp_len = 8 + payload_len;
        uint16_t csum;

        if (payload_len > PAYLOAD_MAX + 32)
                return;
        memset(pkt, 0, sizeof(*ip) + 8);
        ip->ip6_flow = htonl(6u << 28);
        ip->ip6_plen = htons((uint16_t) icmp_len);
        ip->ip6_nxt = IPPROTO_ICMPV6;
        ip->ip6_hlim = 64;
        ip->ip6_src = *src;
        ip->ip6_dst = *f->client;
        icmp[0] = ICMP6_ECHO_REPLY;
        icmp[1] = code;
        icmp[4] = (uint8_t) (id >> 8);
        icmp[5] = (uint8_t) id;
        icmp[6] = (uint8_t) (seq >> 8);
        icmp[7] = (uint8_t) seq;
        memcpy(icmp + 8, payload, payload_len);
        csum = icmp6_checksum(src, f->client, icmp, icmp_len);
        memcpy(icmp + 2, &csum, 2);
        if (sendto(f->fd, pkt, sizeof(*ip) + icmp_len, 0, (struct sockaddr *) &f->to,
                   sizeof(f->to)) < 0)
                perror("forge-replies: sendto");
        else
                f->forged++;
}

static void forge_all(Forger *f, const struct in6_addr *attacker, const struct in6_addr *target,
                      uint16_t id, uint16_t seq, const uint8_t *payload, size_t len) {
        const struct in6_addr *sources[2] = { attacker, target };
        const struct in6_addr unspecified = IN6ADDR_ANY_INIT;
        uint8_t buf[PAYLOAD_MAX + 32];

        for (size_t s = 0; s < 2; s++) {
                const struct in6_addr *src = sources[s];

                /* Wrong nonce: every payload byte flipped (an empty payload
                 * gets one byte, so it is still wrong). */
                for (size_t i = 0; i < len; i++)
                        buf[i] = (uint8_t) ~payload[i];
                send_reply(f, src, 0, id, seq, buf, len ? len : 1);
                send_reply(f, src, 0, (uint16_t) (id ^ 0x5a5a), seq, payload, len);
                send_reply(f, src, 0, id, (uint16_t) (seq ^ 0x8000), payload, len);
                send_reply(f, src, 1, id, seq, payload, len);
                if (len > 0)
                        send_reply(f, src, 0, id, seq, payload, len / 2);
                memcpy(buf, payload, len);
                memset(buf + len, 0xa5, 16);
                send_reply(f, src, 0, id, seq, buf, len + 16);
        }
        send_reply(f, &unspecified, 0, id, seq, payload, len);
}

static double now_sec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
        const char *ifname = NULL, *client_s = NULL, *attacker_s = "2001:db8:66::66";
        const char *ready = NULL;
        double seconds = 30, deadline;
        unsigned long max_requests = 0, requests = 0;
        struct in6_addr client, attacker;
        struct sockaddr_ll sll = { .sll_family = AF_PACKET };
        struct sigaction sa = { .sa_handler = on_signal };
        Forger f = { .fd = -1 };
        unsigned ifindex;
        int c;

        while ((c = getopt(argc, argv, "i:c:a:t:n:r:")) != -1) {
                switch (c) {
                case 'i': ifname = optarg; break;
                case 'c': client_s = optarg; break;
                case 'a': attacker_s = optarg; break;
                case 't': seconds = atof(optarg); break;
                case 'n': max_requests = strtoul(optarg, NULL, 10); break;
                case 'r': ready = optarg; break;
                default: goto usage;
                }
        }
        if (!ifname || !client_s)
                goto usage;
        if (inet_pton(AF_INET6, client_s, &client) != 1 ||
            inet_pton(AF_INET6, attacker_s, &attacker) != 1) {
                fprintf(stderr, "forge-replies: bad address\n");
                return 2;
        }
        ifindex = if_nametoindex(ifname);
        if (!ifindex) {
                fprintf(stderr, "forge-replies: no interface %s\n", ifname);
                return 2;
        }
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);

        f.fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_IPV6));
        if (f.fd < 0) {
                perror("forge-replies: socket(AF_PACKET)");
                return 1;
        }
        sll.sll_protocol = htons(ETH_P_IPV6);
        sll.sll_ifindex = (int) ifindex;
        if (bind(f.fd, (struct sockaddr *) &sll, sizeof(sll)) < 0) {
                perror("forge-replies: bind");
                return 1;
        }
        f.client = &client;
        f.to = (struct sockaddr_ll) {
                .sll_family = AF_PACKET,
                .sll_protocol = htons(ETH_P_IPV6),
                .sll_ifindex = (int) ifindex,
                .sll_halen = ETH_ALEN,
        };
        if (ready) {
                FILE *rf = fopen(ready, "we");
                if (!rf) {
                        perror("forge-replies: ready file");
                        return 1;
                }
                fprintf(rf, "%ld\n", (long) getpid());
                fclose(rf);
        }

        deadline = now_sec() + seconds;
        while (!stop && (!max_requests || requests < max_requests)) {
                uint8_t pkt[65536];
                struct sockaddr_ll from;
                socklen_t fromlen = sizeof(from);
                struct pollfd p = { .fd = f.fd, .events = POLLIN };
                double left = deadline - now_sec();
                const struct ip6_hdr *ip = (const struct ip6_hdr *) pkt;
                const uint8_t *icmp = pkt + sizeof(*ip);
                ssize_t n;
                size_t plen;

                if (left <= 0)
                        break;
                if (poll(&p, 1, (int) (left * 1000) + 1) <= 0)
                        continue;
                n = recvfrom(f.fd, pkt, sizeof(pkt), 0, (struct sockaddr *) &from, &fromlen);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        perror("forge-replies: recvfrom");
                        break;
                }
                if (from.sll_pkttype == PACKET_OUTGOING || from.sll_halen != ETH_ALEN)
                        continue;
                if ((size_t) n < sizeof(*ip) + 8 || ip->ip6_nxt != IPPROTO_ICMPV6 ||
                    memcmp(&ip->ip6_src, &client, sizeof(client)) != 0)
                        continue;
                plen = ntohs(ip->ip6_plen);
                if (plen < 8 || sizeof(*ip) + plen > (size_t) n)
                        continue;
                if (icmp[0] != ICMP6_ECHO_REQUEST || icmp[1] != 0)
                        continue;
                if (plen - 8 > PAYLOAD_MAX)
                        continue;
                memcpy(f.to.sll_addr, from.sll_addr, ETH_ALEN);
                requests++;
                forge_all(&f, &attacker, &ip->ip6_dst, (uint16_t) ((icmp[4] << 8) | icmp[5]),
                          (uint16_t) ((icmp[6] << 8) | icmp[7]), icmp + 8, plen - 8);
        }
        printf("requests %lu forged %lu\n", requests, f.forged);
        fflush(stdout);
        close(f.fd);
        return 0;

usage:
        fprintf(stderr, "usage: %s -i IFNAME -c CLIENT [-a ATTACKER] [-t SECONDS] "
                        "[-n MAX_REQUESTS] [-r READY_FILE]\n", argv[0]);
        return 2;
}
