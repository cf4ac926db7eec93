/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gai-loop.c: getaddrinfo(NAME, AF_UNSPEC, SOCK_STREAM) in one process, as
 * nsswitch.conf says (never __nss_configure_lookup(), which would also turn
 * nscd off), for tests/bench/bench-peers.sh:
 *
 *   gai-loop NAME COUNT                 COUNT lookups untimed (strace -c)
 *   gai-loop NAME COUNT time            p50/p99/mean/min of COUNT lookups
 *   gai-loop NAME SECONDS threads N     N threads back to back: lookups/s
 *
 * Ten lookups first warm up (module loaded, connections open, caches
 * filled).  Exits 1 if a lookup fails.
 */
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static const char *name;

static double now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static int lookup(void) {
        struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
        struct addrinfo *res = NULL;
        int r = getaddrinfo(name, NULL, &hints, &res);

        if (r == 0)
                freeaddrinfo(res);
        else
                fprintf(stderr, "getaddrinfo(%s): %s\n", name, gai_strerror(r));
        return r;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;

        return x < y ? -1 : x > y;
}

typedef struct {
        double until;
        unsigned long n;
        int failed;
} Worker;

static void *work(void *arg) {
        Worker *w = arg;

        while (now_usec() < w->until) {
                if (lookup() != 0) {
                        w->failed = 1;
                        break;
                }
                w->n++;
        }
        return NULL;
}

int main(int argc, char **argv) {
        unsigned long count;

        if (argc < 3) {
                fprintf(stderr, "usage: %s NAME COUNT [time] | NAME SECONDS threads N\n", argv[0]);
                return 2;
        }
        name = argv[1];
        count = strtoul(argv[2], NULL, 10);
        for (int i = 0; i < 10; i++)
                if (lookup() != 0)
                        return 1;

        if (argc > 4 && strcmp(argv[3], "threads") == 0) {
                unsigned threads = (unsigned) strtoul(argv[4], NULL, 10);
                pthread_t tid[64];
                Worker w[64];
                double start = now_usec();
                unsigned long total = 0;
                int failed = 0;

                if (threads < 1 || threads > 64)
                        return 2;
                for (unsigned i = 0; i < threads; i++) {
                        w[i] = (Worker) {.until = start + (double) count * 1e6};
                        if (pthread_create(&tid[i], NULL, work, &w[i]) != 0)
                                return 1;
                }
                for (unsigned i = 0; i < threads; i++) {
                        pthread_join(tid[i], NULL);
                        total += w[i].n;
                        failed |= w[i].failed;
                }
                if (failed)
                        return 1;
                printf("lookups_per_s=%.0f\n", (double) total / ((now_usec() - start) / 1e6));
                return 0;
        }
        if (argc > 3 && strcmp(argv[3], "time") == 0) {
                double *v = calloc(count ? count : 1, sizeof(double)), sum = 0;

                if (!v || count == 0)
                        return 1;
                for (unsigned long i = 0; i < count; i++) {
                        double t0 = now_usec();

                        if (lookup() != 0)
                                return 1;
                        v[i] = now_usec() - t0;
                        sum += v[i];
                }
                qsort(v, count, sizeof(double), cmp_double);
                printf("n=%lu p50_us=%.2f p99_us=%.2f mean_us=%.2f min_us=%.2f\n", count, v[count / 2],
                       v[count * 99 / 100], sum / (double) count, v[0]);
                free(v);
                return 0;
        }
        for (unsigned long i = 0; i < count; i++)
                if (lookup() != 0)
                        return 1;
        return 0;
}
