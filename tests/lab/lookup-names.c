/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lookup-names.c: resolve several host names one after the other in one
 * process through libaarp (as a long-running program would), printing one
 * line per name: "NAME 0 N-ADDRESSES" or "NAME ERRNO-NAME message".  Unlike
 * aarp-resolve it goes on after a failure, so a test can see what the
 * lookups after a timeout do.  Exits 0 once every name was tried.
 *
 * Usage: lookup-names NAME...
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "aarp.h"

int main(int argc, char **argv) {
        if (argc < 2) {
                fprintf(stderr, "usage: %s NAME...\n", argv[0]);
                return 1;
        }
        for (int i = 1; i < argc; i++) {
                struct aarp_host_address *addresses = NULL;
                size_t n = 0;
                int r;

                r = aarp_resolve_hostname(argv[i], AF_UNSPEC, 0, 0, &addresses, &n, NULL, NULL);
                if (r >= 0)
                        printf("%s 0 %zu\n", argv[i], n);
                else
                        printf("%s %s %s\n", argv[i], r == -ETIMEDOUT ? "ETIMEDOUT" : strerrorname_np(-r),
                               aarp_strerror(r));
                fflush(stdout);
                free(addresses);
        }
        return 0;
}
