/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-client.c: timing client of aarp-resolved for the lab benchmarks
 * (tests/bench/bench-*.sh).  It links the one internal D-Bus client
 * (client/transport/bus-client.c, bus-conn.c): the code the NSS module and libaarp
 * run, so what is timed is what applications pay.  The transport is the
 * client's own choice: $AARP_RUNTIME_DIR/io.socket (peer-to-peer, no bus
 * daemon) if it exists, else the system bus - point AARP_RUNTIME_DIR at a
 * missing directory to measure the bus.
 *
 *   bench-client resolve ADDR COUNT [nocache|flush]
 *       COUNT timed ResolveAddress calls; "nocache" sends NO_CACHE, "flush"
 *       calls FlushCaches (untimed) before each.  Prints the latency
 *       percentiles and the probe RTT the daemon reported.
 *   bench-client hostname NAME COUNT [PREP_ADDR]
 *       COUNT times: FlushCaches, ResolveAddress(PREP_ADDR) if given
 *       (untimed: e.g. the DNS server's own mapping), then a timed
 *       ResolveHostname(NAME, AF_UNSPEC).
 *   bench-client throughput ADDR THREADS SECONDS [shared]
 *       THREADS threads resolving the cached ADDR back to back.  Each
 *       thread has a connection of its own (bus-conn.c, the IPC path's
 *       capacity); with "shared" they call bus_client_resolve_address(),
 *       i.e. libaarp's policy (one kept connection, a one-shot connection
 *       for a thread that finds it busy).  Prints lookups/s.
 *   bench-client during ADDR BEFORE_MS -- CMD [ARGS...]
 *       A thread resolves the cached ADDR back to back; BEFORE_MS
 *       milliseconds of it are the baseline, then CMD runs (e.g. a probe
 *       burst) and the latencies while it runs are reported separately.
 *       Exits with CMD's status.
 *
 * Every answer is checked: a failed call fails the run (exit 1).
 * $BENCH_GAP_MS (resolve, hostname): pause between samples, so that a
 * sample does not meet the previous one's member discovery still running.
 */
#include <arpa/inet.h>
#include <dbus/dbus.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aarp-def.h"
#include "bus-client.h"
#include "bus-conn.h"

#define SAMPLES_MAX 2000000u

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return x < y ? -1 : x > y;
}

/* Sorts @v in place. */
static void print_stats(const char *label, uint64_t *v, size_t n) {
        double sum = 0;

        if (n == 0) {
                printf("%s n 0\n", label);
                return;
        }
        qsort(v, n, sizeof(*v), cmp_u64);
        for (size_t i = 0; i < n; i++)
                sum += (double)v[i];
        printf("%s n %zu min_us %.1f p50_us %.1f p90_us %.1f p99_us %.1f max_us %.1f mean_us %.1f\n", label, n,
               v[0] / 1e3, v[n / 2] / 1e3, v[n * 9 / 10] / 1e3, v[n * 99 / 100] / 1e3, v[n - 1] / 1e3,
               sum / (double)n / 1e3);
}

static uint64_t now_nsec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int parse_addr(const char *s, struct in6_addr *ret) {
        if (inet_pton(AF_INET6, s, ret) != 1) {
                fprintf(stderr, "bench-client: bad address '%s'\n", s);
                return -1;
        }
        return 0;
}

/* Sleep $BENCH_GAP_MS milliseconds, if set, before every sample but the first. */
static void gap(unsigned i) {
        const char *g = getenv("BENCH_GAP_MS");

        if (i > 0 && g && atoi(g) > 0)
                usleep((useconds_t)atoi(g) * 1000u);
}

static int do_resolve(const char *addr_s, unsigned count, const char *mode) {
        bool nocache = mode && strcmp(mode, "nocache") == 0, flush = mode && strcmp(mode, "flush") == 0;
        uint64_t *lat = calloc(count, sizeof(uint64_t)), *rtt = calloc(count, sizeof(uint64_t));
        struct in6_addr a, u;
        char ubuf[INET6_ADDRSTRLEN];
        uint64_t flags = 0;

        if (!lat || !rtt || parse_addr(addr_s, &a) < 0)
                return 1;
        for (unsigned i = 0; i < count; i++) {
                uint64_t t0, out_rtt = 0;
                int r;

                gap(i);
                if (flush && (r = bus_client_flush_caches()) < 0) {
                        fprintf(stderr, "bench-client: FlushCaches: %s\n", bus_client_strerror(r));
                        return 1;
                }
                t0 = now_nsec();
                r = bus_client_resolve_address(0, &a, 16, nocache ? AARP_FLAG_NO_CACHE : 0, &u, &flags, NULL,
                                               &out_rtt);
                lat[i] = now_nsec() - t0;
                if (r < 0) {
                        fprintf(stderr, "bench-client: ResolveAddress %s: %s\n", addr_s, bus_client_strerror(r));
                        return 1;
                }
                rtt[i] = out_rtt * 1000u;
        }
        inet_ntop(AF_INET6, &u, ubuf, sizeof(ubuf));
        printf("answer %s -> %s flags 0x%llx\n", addr_s, ubuf, (unsigned long long)flags);
        print_stats("resolve_time", lat, count);
        print_stats("daemon_rtt", rtt, count);
        free(lat);
        free(rtt);
        return 0;
}

static int do_hostname(const char *name, unsigned count, const char *prep_s) {
        uint64_t *lat = calloc(count, sizeof(uint64_t));
        struct in6_addr prep;
        size_t n_addr = 0;

        if (!lat || (prep_s && parse_addr(prep_s, &prep) < 0))
                return 1;
        for (unsigned i = 0; i < count; i++) {
                BusAddress *addrs = NULL;
                uint64_t t0;
                int r;

                gap(i);
                r = bus_client_flush_caches();

                if (r >= 0 && prep_s)
                        r = bus_client_resolve_address(0, &prep, 16, 0, NULL, NULL, NULL, NULL);
                if (r < 0) {
                        fprintf(stderr, "bench-client: flush/prepare: %s\n", bus_client_strerror(r));
                        return 1;
                }
                t0 = now_nsec();
                r = bus_client_resolve_hostname(0, name, AF_UNSPEC, 0, &addrs, &n_addr, NULL, NULL);
                lat[i] = now_nsec() - t0;
                if (r < 0) {
                        fprintf(stderr, "bench-client: ResolveHostname %s: %s\n", name, bus_client_strerror(r));
                        return 1;
                }
                if (i == 0) {
                        char buf[INET6_ADDRSTRLEN];

                        printf("answer %s ->", name);
                        for (size_t k = 0; k < n_addr; k++)
                                printf(" %s", inet_ntop(addrs[k].family, addrs[k].address, buf, sizeof(buf)));
                        printf("\n");
                }
                free(addrs);
        }
        print_stats("hostname_time", lat, count);
        free(lat);
        return 0;
}

/* ---- throughput and latency under load ---------------------------------- */

typedef struct {
        struct in6_addr address;
        bool shared;                /* bus_client_resolve_address() instead of an own BusConn */
        atomic_bool *stop;
        uint64_t done, failed;
        uint64_t *samples;          /* during: latency of each call (ns) */
        uint64_t *stamps;           /* during: when each call ended (ns) */
        size_t n_samples;
} Worker;

/* One ResolveAddress on @c; 0 if the daemon answered from its cache. */
static int resolve_on(BusConn *c, const struct in6_addr *a) {
        dbus_int32_t ifindex = 0;
        dbus_uint64_t flags = 0;
        const unsigned char *bytes = a->s6_addr;
        DBusMessage *m, *reply = NULL;
        DBusMessageIter it, sub;
        uint64_t out_flags = 0;
        int r;

        m = dbus_message_new_method_call(NULL, AARP_OBJECT_PATH, AARP_MANAGER_INTERFACE, "ResolveAddress");
        if (!m)
                return -ENOMEM;
        dbus_message_set_auto_start(m, FALSE);
        dbus_message_iter_init_append(m, &it);
        if (!dbus_message_iter_append_basic(&it, DBUS_TYPE_INT32, &ifindex) ||
            !dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "y", &sub) ||
            !dbus_message_iter_append_fixed_array(&sub, DBUS_TYPE_BYTE, &bytes, 16) ||
            !dbus_message_iter_close_container(&it, &sub) ||
            !dbus_message_iter_append_basic(&it, DBUS_TYPE_UINT64, &flags)) {
                dbus_message_unref(m);
                return -ENOMEM;
        }
        r = bus_conn_call(c, m, bus_now_usec() + (uint64_t)AARP_CLIENT_TIMEOUT_MSEC * 1000u, &reply);
        dbus_message_unref(m);
        if (r < 0)
                return r;
        if (dbus_message_get_type(reply) != DBUS_MESSAGE_TYPE_METHOD_RETURN)
                r = -EPROTO;
        else if (dbus_message_iter_init(reply, &it)) {
                /* (ay unicast, t flags, u ttl, t rtt): skip to flags. */
                dbus_message_iter_next(&it);
                if (dbus_message_iter_get_arg_type(&it) == DBUS_TYPE_UINT64)
                        dbus_message_iter_get_basic(&it, &out_flags);
                r = (out_flags & AARP_FLAG_FROM_CACHE) ? 0 : -ENOENT;
        }
        dbus_message_unref(reply);
        return r;
}

static void *worker_run(void *p) {
        Worker *w = p;
        BusConn c = BUS_CONN_NULL;

        while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
                uint64_t t0 = now_nsec();
                int r = w->shared ? bus_client_resolve_address(0, &w->address, 16, 0, NULL, NULL, NULL, NULL)
                                  : resolve_on(&c, &w->address);

                if (r < 0 && r != -ENOENT) {
                        w->failed++;
                        continue;
                }
                w->done++;
                if (w->samples && w->n_samples < SAMPLES_MAX) {
                        uint64_t t1 = now_nsec();

                        w->samples[w->n_samples] = t1 - t0;
                        w->stamps[w->n_samples++] = t1;
                }
        }
        bus_conn_free(&c);
        return NULL;
}

static int do_throughput(const char *addr_s, unsigned threads, unsigned seconds, bool shared) {
        atomic_bool stop = false;
        Worker w[16];
        pthread_t t[16];
        uint64_t t0, total = 0, failed = 0;
        double elapsed;

        if (threads < 1 || threads > 16 || seconds < 1)
                return 2;
        for (unsigned i = 0; i < threads; i++) {
                w[i] = (Worker){.shared = shared, .stop = &stop};
                if (parse_addr(addr_s, &w[i].address) < 0)
                        return 1;
        }
        /* Warm up: the first call on each connection authenticates. */
        if (bus_client_resolve_address(0, &w[0].address, 16, 0, NULL, NULL, NULL, NULL) < 0)
                return 1;
        t0 = now_nsec();
        for (unsigned i = 0; i < threads; i++)
                if (pthread_create(&t[i], NULL, worker_run, &w[i]) != 0)
                        return 1;
        usleep(seconds * 1000000u);
        atomic_store(&stop, true);
        for (unsigned i = 0; i < threads; i++) {
                pthread_join(t[i], NULL);
                total += w[i].done;
                failed += w[i].failed;
        }
        elapsed = (double)(now_nsec() - t0) / 1e9;
        {
                /* The client's CPU per lookup (user + system, all
                 * threads): with the daemon's, it shows where the two
                 * shared CPUs go. */
                struct rusage ru;
                double cpu_us = 0;

                if (getrusage(RUSAGE_SELF, &ru) == 0)
                        cpu_us = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
                                 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
                printf("throughput threads %u connections %s lookups %llu failed %llu seconds %.2f lookups_per_s %.0f "
                       "client_cpu_us_per_lookup %.1f\n",
                       threads, shared ? "shared" : "per-thread", (unsigned long long)total,
                       (unsigned long long)failed, elapsed, (double)total / elapsed,
                       total ? cpu_us / (double)total : 0.0);
        }
        return failed ? 1 : 0;
}

static int do_during(const char *addr_s, unsigned before_ms, char **cmd) {
        atomic_bool stop = false;
        Worker w = {.stop = &stop};
        uint64_t t_start, t_end, *base, *during;
        size_t nb = 0, nd = 0;
        pthread_t t;
        pid_t pid;
        int status = 0;

        w.samples = calloc(SAMPLES_MAX, sizeof(uint64_t));
        w.stamps = calloc(SAMPLES_MAX, sizeof(uint64_t));
        base = calloc(SAMPLES_MAX, sizeof(uint64_t));
        during = calloc(SAMPLES_MAX, sizeof(uint64_t));
        if (!w.samples || !w.stamps || !base || !during || parse_addr(addr_s, &w.address) < 0)
                return 1;
        if (bus_client_resolve_address(0, &w.address, 16, 0, NULL, NULL, NULL, NULL) < 0)
                return 1;
        if (pthread_create(&t, NULL, worker_run, &w) != 0)
                return 1;
        usleep(before_ms * 1000u);
        t_start = now_nsec();
        pid = fork();
        if (pid == 0) {
                execvp(cmd[0], cmd);
                _exit(127);
        }
        if (pid < 0 || waitpid(pid, &status, 0) < 0)
                status = 1 << 8;
        t_end = now_nsec();
        atomic_store(&stop, true);
        pthread_join(t, NULL);
        /* A sample belongs to the burst if its call ended while the
         * command ran; earlier ones are the baseline. */
        for (size_t i = 0; i < w.n_samples; i++) {
                if (w.stamps[i] < t_start)
                        base[nb++] = w.samples[i];
                else if (w.stamps[i] <= t_end)
                        during[nd++] = w.samples[i];
        }
        printf("command ran %.1f ms; cached lookups failed %llu\n", (double)(t_end - t_start) / 1e6,
               (unsigned long long)w.failed);
        print_stats("cached_before", base, nb);
        print_stats("cached_during", during, nd);
        return w.failed ? 1 : (WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

int main(int argc, char **argv) {
        if (argc >= 4 && strcmp(argv[1], "resolve") == 0)
                return do_resolve(argv[2], (unsigned)atoi(argv[3]), argc > 4 ? argv[4] : NULL);
        if (argc >= 4 && strcmp(argv[1], "hostname") == 0)
                return do_hostname(argv[2], (unsigned)atoi(argv[3]), argc > 4 ? argv[4] : NULL);
        if (argc >= 5 && strcmp(argv[1], "throughput") == 0)
                return do_throughput(argv[2], (unsigned)atoi(argv[3]), (unsigned)atoi(argv[4]),
                                     argc > 5 && strcmp(argv[5], "shared") == 0);
        if (argc >= 6 && strcmp(argv[1], "during") == 0 && strcmp(argv[4], "--") == 0)
                return do_during(argv[2], (unsigned)atoi(argv[3]), argv + 5);
        fprintf(stderr, "usage: %s resolve ADDR COUNT [nocache|flush]\n"
                        "       %s hostname NAME COUNT [PREP_ADDR]\n"
                        "       %s throughput ADDR THREADS SECONDS [shared]\n"
                        "       %s during ADDR BEFORE_MS -- CMD [ARGS...]\n",
                argv[0], argv[0], argv[0], argv[0]);
        return 2;
}
