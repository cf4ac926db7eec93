/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nss-direct.c: a module's own cost per lookup, without glibc around it.
 * Calls _nss_floor_gethostbyname4_r (tests/bench/nss-floor.c) and
 * _nss_aarp_gethostbyname4_r directly, alternating, with 1 and then 2
 * threads, for tests/bench/bench-peers.sh:
 *
 *   nss-direct NAME SECONDS ROUNDS
 *
 * getaddrinfo() around a module costs 2-4 us on this machine kind (its
 * nsswitch.conf and resolv.conf checks, the result's allocation) and its
 * 2-thread figure swings by 10-50% between runs, so a few per cent that a
 * module adds, or a cache line two threads share, cannot be seen through
 * it.  Here the calls are back to back: ns per call, and how it scales
 * with a second thread.  Both modules are found through LD_LIBRARY_PATH.
 */
#include <dlfcn.h>
#include <netdb.h>
#include <nss.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef enum nss_status (*Fn4)(const char *name, void **pat, char *buffer, size_t buflen, int *errnop,
                               int *h_errnop, int32_t *ttlp);

static const char *modules[2] = {"libnss_floor.so.2", "libnss_aarp.so.2"};
static const char *symbols[2] = {"_nss_floor_gethostbyname4_r", "_nss_aarp_gethostbyname4_r"};
static const char *labels[2] = {"floor", "aarp"};
static Fn4 fns[2];
static const char *name;
static double seconds;

static double now_sec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

typedef struct {
        Fn4 fn;
        unsigned long calls;
        int failed;
} Worker;

static void *work(void *arg) {
        Worker *w = arg;
        double until = now_sec() + seconds;
        char buffer[1024];
        int e, he;
        int32_t ttl;

        do {
                for (int i = 0; i < 1000; i++) {
                        void *tuples = NULL;

                        if (w->fn(name, &tuples, buffer, sizeof(buffer), &e, &he, &ttl) != NSS_STATUS_SUCCESS) {
                                w->failed = 1;
                                return NULL;
                        }
                }
                w->calls += 1000;
        } while (now_sec() < until);
        return NULL;
}

/* Calls per second of @fn in @threads threads; < 0 if a call failed. */
static double rate(Fn4 fn, unsigned threads) {
        pthread_t tid[2];
        Worker w[2];
        double start = now_sec();
        unsigned long total = 0;
        int failed = 0;

        for (unsigned i = 0; i < threads; i++) {
                w[i] = (Worker) {.fn = fn};
                if (pthread_create(&tid[i], NULL, work, &w[i]) != 0)
                        return -1;
        }
        for (unsigned i = 0; i < threads; i++) {
                pthread_join(tid[i], NULL);
                total += w[i].calls;
                failed |= w[i].failed;
        }
        return failed ? -1 : (double) total / (now_sec() - start);
}

int main(int argc, char **argv) {
        int rounds;

        if (argc < 4) {
                fprintf(stderr, "usage: %s NAME SECONDS ROUNDS\n", argv[0]);
                return 2;
        }
        name = argv[1];
        seconds = strtod(argv[2], NULL);
        rounds = atoi(argv[3]);
        for (int m = 0; m < 2; m++) {
                void *h = dlopen(modules[m], RTLD_NOW);
                void *sym = h ? dlsym(h, symbols[m]) : NULL;

                if (!sym) {
                        fprintf(stderr, "%s: %s\n", modules[m], dlerror());
                        return 1;
                }
                /* POSIX: a dlsym() result may be converted so. */
                memcpy(&fns[m], &sym, sizeof(sym));
        }
        for (int round = 1; round <= rounds; round++)
                for (unsigned threads = 1; threads <= 2; threads++)
                        for (int m = 0; m < 2; m++) {
                                double r = rate(fns[m], threads);

                                if (r < 0) {
                                        fprintf(stderr, "%s: a lookup of %s failed\n", labels[m], name);
                                        return 1;
                                }
                                printf("RESULT direct %s threads %u round %d calls_per_s %.0f ns_per_call %.1f\n",
                                       labels[m], threads, round, r, 1e9 * threads / r);
                        }
        return 0;
}
