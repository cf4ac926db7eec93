/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aarp-members-example.c: an outside program using aarp_resolv_members()
 * (libaarp, symbol version AARP_1.1), compiled by members-discovery.sh with
 * nothing but `pkg-config --cflags --libs aarp` (the build tree's
 * uninstalled aarp.pc).
 *
 * Usage: aarp-members-example ADDRESS -> one line per member, nearest
 * first: "UNICAST RTT_USEC", then "nearest=U anycast=0|1 ttl=N"; exit 0, or
 * 1 with aarp_strerror() on failure.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <aarp.h>

int main(int argc, char **argv) {
        struct aarp_member *members = NULL;
        struct aarp_answer nearest;
        struct in6_addr a;
        char text[INET6_ADDRSTRLEN];
        size_t n = 0;
        int r;

        if (argc != 2 || inet_pton(AF_INET6, argv[1], &a) != 1) {
                fprintf(stderr, "usage: aarp-members-example IPV6-ADDRESS\n");
                return 2;
        }
        r = aarp_resolv_members(&a, 0, 0, &members, &n, &nearest);
        if (r < 0) {
                fprintf(stderr, "aarp_resolv_members: %s\n", aarp_strerror(r));
                return 1;
        }
        for (size_t i = 0; i < n; i++)
                printf("%s %" PRIu64 "\n", inet_ntop(AF_INET6, &members[i].unicast, text, sizeof text),
                       members[i].rtt_usec);
        printf("nearest=%s anycast=%d ttl=%u\n", inet_ntop(AF_INET6, &nearest.unicast, text, sizeof text),
               !!(nearest.flags & AARP_FLAG_ANYCAST), nearest.ttl_sec);
        free(members);
        return 0;
}
