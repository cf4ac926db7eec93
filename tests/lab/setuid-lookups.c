/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * setuid-lookups.c: a program that resolves as root, drops to another user
 * with setuid() and goes on resolving through libaarp in the same process
 * (a daemon that starts as root and then serves as nobody does this).  The
 * lookups after the drop must be charged to the new user: its rate limits
 * apply, root's exemption does not carry over on a kept connection.
 *
 * Usage: setuid-lookups ROOT-ADDRESS PREFIX COUNT [UID]
 *
 * Resolves ROOT-ADDRESS as root (must succeed), then drops to UID (default
 * 65534: setgroups, setgid, setuid) and resolves PREFIX+1 .. PREFIX+COUNT
 * (distinct addresses, each a fresh probe).  Prints
 * "root ok after_drop ok N limited N other N" and exits 0 if the program
 * ran (the verdict is the caller's), 1 on a setup failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aarp.h"

int main(int argc, char **argv) {
        struct in6_addr root_addr, base, u;
        unsigned long count, uid = 65534;
        unsigned ok = 0, limited = 0, other = 0;
        int r, first_other = 0;

        if (argc < 4 || inet_pton(AF_INET6, argv[1], &root_addr) != 1 ||
            inet_pton(AF_INET6, argv[2], &base) != 1) {
                fprintf(stderr, "usage: %s ROOT-ADDRESS PREFIX COUNT [UID]\n", argv[0]);
                return 1;
        }
        count = strtoul(argv[3], NULL, 0);
        if (argc > 4)
                uid = strtoul(argv[4], NULL, 0);
        if (count == 0 || count > 0xffff || uid == 0) {
                fprintf(stderr, "setuid-lookups: COUNT must be 1..65535 and UID not 0\n");
                return 1;
        }

        r = aarp_resolv(&root_addr, 0, &u);
        if (r < 0) {
                fprintf(stderr, "setuid-lookups: as root, %s: %s\n", argv[1], aarp_strerror(r));
                return 1;
        }
        if (setgroups(0, NULL) < 0 || setgid((gid_t)uid) < 0 || setuid((uid_t)uid) < 0) {
                fprintf(stderr, "setuid-lookups: dropping to %lu: %s\n", uid, strerror(errno));
                return 1;
        }
        if (getuid() != (uid_t)uid || geteuid() != (uid_t)uid) {
                fprintf(stderr, "setuid-lookups: still uid %u/%u\n", (unsigned)getuid(), (unsigned)geteuid());
                return 1;
        }

        for (unsigned long i = 1; i <= count; i++) {
                struct in6_addr a = base;

                a.s6_addr[14] = (uint8_t)(i >> 8);
                a.s6_addr[15] = (uint8_t)i;
                r = aarp_resolv(&a, 0, &u);
                if (r >= 0)
                        ok++;
                else if (r == -ENOBUFS)
                        limited++;
                else {
                        if (!first_other)
                                first_other = r;
                        other++;
                }
        }
        printf("root ok after_drop ok %u limited %u other %u\n", ok, limited, other);
        if (first_other)
                fprintf(stderr, "setuid-lookups: first other error: %s\n", aarp_strerror(first_other));
        return 0;
}
