/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aarp-resolv-example.c: the smallest program using libaarp, compiled by
 * client-aarp-resolve.sh with nothing but `pkg-config --cflags --libs aarp`
 * (the build tree's uninstalled aarp.pc), to prove that the header, the
 * .pc file and libaarp.so.1 work for an outside program.
 *
 * Usage: aarp-resolv-example ADDRESS -> prints the unicast address and the
 * answer's flags/TTL; exit 0, or 1 with aarp_strerror() on failure.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include <aarp.h>

int main(int argc, char **argv) {
        struct in6_addr a, u;
        struct aarp_answer full;
        char text[INET6_ADDRSTRLEN];
        int r;

        if (argc != 2 || inet_pton(AF_INET6, argv[1], &a) != 1) {
                fprintf(stderr, "usage: aarp-resolv-example IPV6-ADDRESS\n");
                return 2;
        }
        r = aarp_resolv(&a, 0, &u);
        if (r < 0) {
                fprintf(stderr, "aarp_resolv: %s\n", aarp_strerror(r));
                return 1;
        }
        printf("%s\n", inet_ntop(AF_INET6, &u, text, sizeof text));

        r = aarp_resolv_full(&a, 0, 0, &full);
        if (r < 0) {
                fprintf(stderr, "aarp_resolv_full: %s\n", aarp_strerror(r));
                return 1;
        }
        printf("%s anycast=%d cache=%d ttl=%u\n", inet_ntop(AF_INET6, &full.unicast, text, sizeof text),
               !!(full.flags & AARP_FLAG_ANYCAST), !!(full.flags & AARP_FLAG_FROM_CACHE), full.ttl_sec);
        return 0;
}
