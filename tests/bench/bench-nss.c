/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-nss.c: getaddrinfo() latency through "hosts: files" and through
 * "hosts: aarp" (libnss_aarp.so.2 -> aarp-resolved, answer cached in the
 * daemon), side by side in one run.
 *
 * Both configurations are measured in the same process, alternating in
 * rounds, so that CPU frequency, load and cache state hit both alike.  The
 * hosts service line is switched with glibc's __nss_configure_lookup(),
 * which has the effect of editing nsswitch.conf without touching /etc;
 * glibc finds libnss_aarp.so.2 through LD_LIBRARY_PATH (tests/bench/
 * bench-nss.sh sets it to the build tree), or wherever it is installed.
 *
 *   bench-nss NAME [ITERATIONS]
 *
 * NAME must resolve through both: in the hosts file that "files" reads and
 * in the daemon (whose hosts file is normally the same /etc/hosts).  Prints
 * p50, p99 and mean in microseconds for each, and exits 1 if a lookup fails.
 */
#include <netdb.h>
#include <nss.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define ROUND 100u

static double now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

static int lookup(const char *name, double *ret_usec) {
        struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
        struct addrinfo *res = NULL;
        double t0 = now_usec();
        int r;

        r = getaddrinfo(name, NULL, &hints, &res);
        *ret_usec = now_usec() - t0;
        if (r == 0)
                freeaddrinfo(res);
        return r;
}

static void report(const char *label, double *v, size_t n) {
        double sum = 0;

        for (size_t i = 0; i < n; i++)
                sum += v[i];
        qsort(v, n, sizeof *v, cmp_double);
        printf("%-12s n=%zu  p50 %8.1f us  p99 %8.1f us  mean %8.1f us  min %8.1f us\n", label, n, v[n / 2],
               v[(n * 99) / 100], sum / (double)n, v[0]);
}

int main(int argc, char **argv) {
        static const char *services[2] = {"files", "aarp"};
        double *samples[2];
        size_t iterations, n[2] = {0, 0};
        const char *name;

        if (argc < 2) {
                fprintf(stderr, "usage: %s NAME [ITERATIONS]\n", argv[0]);
                return 2;
        }
        name = argv[1];
        iterations = argc > 2 ? strtoul(argv[2], NULL, 10) : 20000;
        if (iterations < ROUND)
                iterations = ROUND;
        samples[0] = calloc(iterations, sizeof(double));
        samples[1] = calloc(iterations, sizeof(double));
        if (!samples[0] || !samples[1])
                return 1;

        /* Warm-up: load both modules, open the kept connection, fill the
         * daemon's cache (the first aarp lookup may probe). */
        for (int s = 0; s < 2; s++) {
                double t;
                int r;

                if (__nss_configure_lookup("hosts", services[s]) < 0) {
                        fprintf(stderr, "__nss_configure_lookup(hosts, %s) failed\n", services[s]);
                        return 1;
                }
                for (int i = 0; i < 10; i++) {
                        r = lookup(name, &t);
                        if (r != 0) {
                                fprintf(stderr, "hosts: %s: getaddrinfo(%s): %s\n", services[s], name,
                                        gai_strerror(r));
                                return 1;
                        }
                }
        }

        while (n[1] < iterations)
                for (int s = 0; s < 2; s++) {
                        __nss_configure_lookup("hosts", services[s]);
                        for (unsigned i = 0; i < ROUND && n[s] < iterations; i++) {
                                int r = lookup(name, &samples[s][n[s]]);

                                if (r != 0) {
                                        fprintf(stderr, "hosts: %s: getaddrinfo(%s): %s\n", services[s],
                                                name, gai_strerror(r));
                                        return 1;
                                }
                                n[s]++;
                        }
                }

        printf("getaddrinfo(\"%s\", AF_UNSPEC), alternating rounds of %u:\n", name, ROUND);
        report("hosts: files", samples[0], n[0]);
        report("hosts: aarp", samples[1], n[1]);
        free(samples[0]);
        free(samples[1]);
        return 0;
}
