/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * forge-replies.c: an on-path attacker for the anycast lab.
 *
 * Usage: forge-replies -i IFNAME -c CLIENT [-a ATTACKER] [-t SECONDS]
 *                      [-n MAX_REQUESTS] [-r READY_FILE] [-F RATE -T TARGET]
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
 * With -F RATE (flood mode) it also answers each request with
 * perfect copies of the reply (right identifier, sequence and nonce) from
 * sources a prober must never accept: multicast (ff02::1), loopback
 * (::1), v4-mapped (::ffff:192.0.2.66), unscoped link-local (fe80::66);
 * one with an IPv6 payload length longer than the packet (truncated on
 * the wire); one with a 1 KiB oversized payload; and, once it has seen a
 * first request (it needs the client's MAC), it sends RATE forged replies
 * per second without waiting for requests: random identifiers and
 * sequences from ATTACKER and from TARGET (the address being probed, so a
 * hit would fake a "unicast" answer), and guessed ones - the last
 * identifier seen with the next 16 sequences, random payload.
 *
 * It stops after SECONDS (default 30), after MAX_REQUESTS requests, or on
 * SIGTERM/SIGINT, and prints "requests N forged M" on stdout; in flood
 * mode a second line "flood N bogus_source K ip_truncated T": how many of
 * the M were unsolicited, how many had a multicast or loopback source,
 * and how many had a bad IPv6 length (the client's kernel drops both
 * kinds before any socket: Ip6InHdrErrors, Ip6InTruncatedPkts).
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
        unsigned long forged, flood, bogus_source, ip_truncated;
        int plen_extra; /* added to the IPv6 payload length field (truncation) */
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
        ip->ip6_plen = htons((uint16_t) (icmp_len + (size_t) f->plen_extra));
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

static uint32_t rnd(void) {
        static uint64_t state;

        if (!state)
                state = ((uint64_t) getpid() << 32) ^ (uint64_t) time(NULL) ^ 0x9e3779b97f4a7c15u;
        /* xorshift64*: fast, and good enough to look random to a prober. */
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return (uint32_t) ((state * 0x2545f4914f6cdd1du) >> 32);
}

static int is_bogus_for_kernel(const struct in6_addr *a) {
        /* ip6_rcv_core() drops these (Ip6InHdrErrors); a v4-mapped or
         * link-local source reaches the socket: the prober must refuse it. */
        return IN6_IS_ADDR_MULTICAST(a) || IN6_IS_ADDR_LOOPBACK(a);
}

/* The request seen on the wire answered perfectly - from sources no
 * prober may accept - plus the malformed-on-the-wire variants. */
static void forge_bogus_sources(Forger *f, uint16_t id, uint16_t seq, const uint8_t *payload, size_t len) {
        static const char *const bogus[] = { "ff02::1", "::1", "::ffff:192.0.2.66", "fe80::66" };
        uint8_t big[PAYLOAD_MAX];
        struct in6_addr src;

        for (size_t i = 0; i < sizeof(bogus) / sizeof(bogus[0]); i++) {
                inet_pton(AF_INET6, bogus[i], &src);
                send_reply(f, &src, 0, id, seq, payload, len);
                if (is_bogus_for_kernel(&src))
                        f->bogus_source++;
        }
        inet_pton(AF_INET6, "2001:db8:66::66", &src);
        f->plen_extra = 64;
        send_reply(f, &src, 0, id, seq, payload, len);
        f->plen_extra = 0;
        f->ip_truncated++;
        memcpy(big, payload, len);
        memset(big + len, 0x5a, sizeof(big) - len);
        send_reply(f, &src, 0, id, seq, big, sizeof(big));
}

/* Unsolicited: random and guessed identifiers and sequences. */
static void flood_one(Forger *f, const struct in6_addr *attacker, const struct in6_addr *target,
                      uint16_t last_id, uint16_t last_seq, size_t len) {
        uint8_t payload[PAYLOAD_MAX];
        uint32_t r = rnd();
        uint16_t id, seq;

        for (size_t i = 0; i < len; i++)
                payload[i] = (uint8_t) rnd();
        switch (r % 4) {
        case 0: /* random, from the attacker */
        case 1: /* random, from the target */
                id = (uint16_t) rnd();
                seq = (uint16_t) rnd();
                break;
        default: /* guessed: the identifier in use, one of the next sequences */
                id = last_id;
                seq = (uint16_t) (last_seq + 1 + (r >> 8) % 16);
                break;
        }
        send_reply(f, (r % 2) ? target : attacker, 0, id, seq, payload, len);
        f->flood++;
}

static double now_sec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
        const char *ifname = NULL, *client_s = NULL, *attacker_s = "2001:db8:66::66";
        const char *ready = NULL, *target_s = NULL;
        double seconds = 30, deadline, flood_rate = 0, flood_start = 0;
        struct in6_addr target = IN6ADDR_ANY_INIT;
        uint16_t last_id = 0, last_seq = 0;
        size_t last_len = 16;
        int seen = 0;
        unsigned long max_requests = 0, requests = 0;
        struct in6_addr client, attacker;
        struct sockaddr_ll sll = { .sll_family = AF_PACKET };
        struct sigaction sa = { .sa_handler = on_signal };
        Forger f = { .fd = -1 };
        unsigned ifindex;
        int c;

        while ((c = getopt(argc, argv, "i:c:a:t:n:r:F:T:")) != -1) {
                switch (c) {
                case 'i': ifname = optarg; break;
                case 'c': client_s = optarg; break;
                case 'a': attacker_s = optarg; break;
                case 't': seconds = atof(optarg); break;
                case 'n': max_requests = strtoul(optarg, NULL, 10); break;
                case 'r': ready = optarg; break;
                case 'F': flood_rate = atof(optarg); break;
                case 'T': target_s = optarg; break;
                default: goto usage;
                }
        }
        if (!ifname || !client_s)
                goto usage;
        if (inet_pton(AF_INET6, client_s, &client) != 1 ||
            inet_pton(AF_INET6, attacker_s, &attacker) != 1 ||
            (target_s && inet_pton(AF_INET6, target_s, &target) != 1) || (flood_rate > 0 && !target_s)) {
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
                if (flood_rate > 0 && seen) {
                        unsigned long due = (unsigned long) ((now_sec() - flood_start) * flood_rate);

                        while (f.flood < due && !stop)
                                flood_one(&f, &attacker, &target, last_id, last_seq, last_len);
                }
                if (poll(&p, 1, flood_rate > 0 && seen ? 1 : (int) (left * 1000) + 1) <= 0)
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
                if (flood_rate > 0) {
                        last_id = (uint16_t) ((icmp[4] << 8) | icmp[5]);
                        last_seq = (uint16_t) ((icmp[6] << 8) | icmp[7]);
                        last_len = plen - 8;
                        forge_bogus_sources(&f, last_id, last_seq, icmp + 8, plen - 8);
                        if (!seen) {
                                seen = 1;
                                flood_start = now_sec();
                        }
                }
        }
        printf("requests %lu forged %lu\n", requests, f.forged);
        if (flood_rate > 0)
                printf("flood %lu bogus_source %lu ip_truncated %lu\n", f.flood, f.bogus_source, f.ip_truncated);
        fflush(stdout);
        close(f.fd);
        return 0;

usage:
        fprintf(stderr, "usage: %s -i IFNAME -c CLIENT [-a ATTACKER] [-t SECONDS] "
                        "[-n MAX_REQUESTS] [-r READY_FILE] [-F RATE -T TARGET]\n", argv[0]);
        return 2;
}
