/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * aarp-run.c: `aarp-run COMMAND [ARGS...]` runs COMMAND with the AARP shim
 * (libaarp-run.so) preloaded, so that an unmodified program given an
 * anycast literal talks to the nearest member (see aarp-run(1)).
 *
 * The shim is found next to this executable when that exists (the build
 * tree, where tests run it) and else at its installed path; it is put in
 * front of any LD_PRELOAD the caller already has, then COMMAND is exec'ed.
 * A C program rather than a script so that the path logic cannot be
 * confused by the shell environment, and so there is no shell in between.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aarp-build.h"

#define SHIM_NAME "libaarp-run.so"

/* Exit codes as env(1) and the shells use them. */
enum {
        EXIT_AARP_RUN_FAILED = 125,
        EXIT_CANNOT_EXECUTE = 126,
        EXIT_NOT_FOUND = 127,
};

static void help(void) {
        printf("aarp-run COMMAND [ARGS...]\n"
               "\n"
               "Run COMMAND with the AARP shim preloaded: connections and datagrams to\n"
               "IPv6 anycast addresses go to the nearest member's unicast address, and\n"
               "replies look as if they came from the anycast address.\n"
               "\n"
               "  -h --help     Show this help\n"
               "     --version  Show the package version\n"
               "\n"
               "See aarp-run(1) for what it cannot cover.\n");
}

/* The build-tree shim next to us, else the installed one. */
static int find_shim(char *buf, size_t size) {
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

        if (n > 0) {
                self[n] = '\0';
                if ((size_t)snprintf(buf, size, "%s/" SHIM_NAME, dirname(self)) < size &&
                    access(buf, R_OK) == 0)
                        return 0;
        }
        if ((size_t)snprintf(buf, size, "%s", AARP_RUN_SHIM_PATH) >= size || access(buf, R_OK) < 0)
                return -ENOENT;
        return 0;
}

int main(int argc, char **argv) {
        char shim[PATH_MAX], *preload;
        const char *old;
        int i = 1;

        if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
                help();
                return EXIT_SUCCESS;
        }
        if (argc > 1 && strcmp(argv[1], "--version") == 0) {
                printf("aarp-run %s\n", PACKAGE_VERSION);
                return EXIT_SUCCESS;
        }
        if (argc > 1 && strcmp(argv[1], "--") == 0)
                i = 2;
        if (i >= argc) {
                fprintf(stderr, "aarp-run: no command given (usage: aarp-run COMMAND [ARGS...])\n");
                return EXIT_AARP_RUN_FAILED;
        }
        if (argv[i][0] == '-' && i == 1) {
                fprintf(stderr, "aarp-run: unknown option '%s'\n", argv[i]);
                return EXIT_AARP_RUN_FAILED;
        }

        if (find_shim(shim, sizeof shim) < 0) {
                fprintf(stderr, "aarp-run: %s not found (neither next to aarp-run nor at %s)\n", SHIM_NAME,
                        AARP_RUN_SHIM_PATH);
                return EXIT_AARP_RUN_FAILED;
        }
        /* Ours first: it must see the calls before any other preloaded
         * wrapper rewrites them. */
        old = getenv("LD_PRELOAD");
        if (old && *old) {
                if (asprintf(&preload, "%s:%s", shim, old) < 0) {
                        fprintf(stderr, "aarp-run: out of memory\n");
                        return EXIT_AARP_RUN_FAILED;
                }
        } else {
                preload = shim;
        }
        if (setenv("LD_PRELOAD", preload, 1) < 0) {
                fprintf(stderr, "aarp-run: cannot set LD_PRELOAD: %s\n", strerror(errno));
                return EXIT_AARP_RUN_FAILED;
        }

        execvp(argv[i], argv + i);
        int error = errno;
        fprintf(stderr, "aarp-run: %s: %s\n", argv[i], strerror(error));
        return error == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE;
}
