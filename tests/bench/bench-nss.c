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
 *   bench-nss NAME [ITERATIONS [THREADS SECONDS]]
 *
 * Then, with THREADS > 0 (default 2 threads, 2 s), throughput: THREADS
 * threads call getaddrinfo(NAME) back to back for SECONDS through each
 * service line in turn, three rounds alternating, and each phase prints
 * "RESULT throughput hosts: SERVICE threads N round R lookups_per_s X".
 *
 * NAME must resolve through both: in the hosts file that "files" reads and
 * in the daemon (whose hosts file is normally the same /etc/hosts).  Prints
 * p50, p99 and mean in microseconds for each, and exits 1 if a lookup fails.
 */
#include <netdb.h>
#include <nss.h>
#include <pthread.h>
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
        printf("%-12s n=%zu  p50 %8.2f us  p99 %8.2f us  mean %8.2f us  min %8.2f us\n", label, n, v[n / 2],
               v[(n * 99) / 100], sum / (double)n, v[0]);
}

typedef struct {
        const char *name;
        double until_usec;
        unsigned long lookups;
        int error;
} Worker;

static void *worker_run(void *arg) {
        Worker *w = arg;
        double t;

        while (now_usec() < w->until_usec) {
                int r = lookup(w->name, &t);

                if (r != 0) {
                        w->error = r;
                        break;
                }
                w->lookups++;
        }
        return NULL;
}

/* @threads threads resolving @name back to back for @seconds; lookups/s,
 * or -1 if a lookup failed. */
static double throughput(const char *name, unsigned threads, double seconds) {
        pthread_t tid[64];
        Worker w[64];
        double start = now_usec(), total = 0;
        int failed = 0;

        for (unsigned i = 0; i < threads; i++) {
                w[i] = (Worker){.name = name, .until_usec = start + seconds * 1e6};
                if (pthread_create(&tid[i], NULL, worker_run, &w[i]) != 0)
                        return -1;
        }
        for (unsigned i = 0; i < threads; i++) {
                pthread_join(tid[i], NULL);
                total += (double)w[i].lookups;
                if (w[i].error) {
                        fprintf(stderr, "getaddrinfo(%s): %s\n", name, gai_strerror(w[i].error));
                        failed = 1;
                }
        }
        return failed ? -1 : total / ((now_usec() - start) / 1e6);
}

int main(int argc, char **argv) {
        /* $BENCH_NSS_BASELINE: the first line instead of files (e.g.
         * "floor", tests/bench/nss-floor.c, for the snapshot path against a
         * module that does nothing, paired round by round in one process). */
        const char *services[2] = {getenv("BENCH_NSS_BASELINE") ? getenv("BENCH_NSS_BASELINE") : "files", "aarp"};
        char label0[64];
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
        snprintf(label0, sizeof(label0), "hosts: %s", services[0]);
        report(label0, samples[0], n[0]);
        report("hosts: aarp", samples[1], n[1]);
        free(samples[0]);
        free(samples[1]);

        unsigned threads = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 2;
        double seconds = argc > 4 ? strtod(argv[4], NULL) : 2.0;
        if (threads > 64)
                threads = 64;
        /* $BENCH_NSS_ONLY=files|aarp: throughput through that line only
         * (e.g. under strace -c or perf, one service at a time). */
        const char *only = getenv("BENCH_NSS_ONLY");
        /* $BENCH_NSS_ROUNDS: throughput rounds (default 3).  The line that
         * runs second in a round was measured up to 10% slower than the
         * same line running first (both lines "aarp"), so the order
         * alternates: odd rounds run the first line first, even rounds the
         * second.  Results are printed in line order either way. */
        int rounds = getenv("BENCH_NSS_ROUNDS") ? atoi(getenv("BENCH_NSS_ROUNDS")) : 3;
        for (int round = 1; round <= rounds && threads > 0; round++) {
                double rate[2] = {0, 0};

                for (int k = 0; k < 2; k++) {
                        int s = round % 2 ? k : 1 - k;

                        if (only && strcmp(only, services[s]) != 0)
                                continue;
                        __nss_configure_lookup("hosts", services[s]);
                        rate[s] = throughput(name, threads, seconds);
                        if (rate[s] < 0)
                                return 1;
                }
                for (int s = 0; s < 2; s++)
                        if (!only || strcmp(only, services[s]) == 0)
                                printf("RESULT throughput hosts: %-5s threads %u round %d lookups_per_s %.0f%s\n",
                                       services[s], threads, round, rate[s],
                                       (round % 2 ? s == 0 : s == 1) ? " (ran first)" : "");
        }
        return 0;
}
