/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lab-load.c: many concurrent clients of aarp-resolved, each a process of
 * its own with its own connection (the internal bus client, as the NSS
 * module and libaarp use it), sending a deterministic mix of requests and
 * checking every answer.
 *
 * Usage: lab-load [-c CLIENTS] [-n REQUESTS] [-f FLUSH_EVERY] [-u UID]
 *                 [-U NONROOT_CLIENTS] [-x]
 *
 * Client i sends REQUESTS requests one after the other; request j is kind
 * (i + j) % 16 of:
 *   ResolveAddress   A                  -> member1, ANYCAST
 *                    member2            -> itself, UNICAST
 *                    a burst address    -> member1, ANYCAST (1000 distinct)
 *                    IPv4 192.0.2.1     -> itself, NOT_PROBED
 *                    the silent address -> itself, NO_REPLY
 *   ResolveAddressMembers A             -> exactly [member1]
 *   ResolveHostname  svc.lab (DNS)      -> member1
 *                    anycast-hosts.lab (hosts file) -> member1
 *                    nx-<i>-<j>.lab     -> NoSuchName
 *   invalid input    flags 0x2          -> InvalidFlags
 *                    ifindex -1         -> InvalidInterface
 *                    name "a..b"        -> InvalidName
 *                    a 64-byte label    -> InvalidName
 *                    family 99          -> InvalidFamily
 * and, for client 0 only, every FLUSH_EVERY-th request is FlushCaches
 * (root).  The addresses are the lab's (tests/lab/lab.sh); nothing else is
 * assumed.  The last NONROOT_CLIENTS clients run as UID (default 65534)
 * and may be refused with LimitExceeded (counted apart, never a failure);
 * the others run as root, which the per-user limits exempt.
 *
 * With -x a client stops at its first failed request (fault tests: the
 * daemon killed under load; a wrong answer still counts as wrong).
 *
 * Prints "clients C requests N ok N wrong N errors N limited N flushes N
 * elapsed_ms N" and the first failures on stderr; exits 0 only if no
 * answer was wrong and no request failed unexpectedly.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aarp-def.h"
#include "bus-client.h"

#define LAB_ANYCAST "2001:db8:a::1"
#define LAB_MEMBER1 "2001:db8:11::2"
#define LAB_MEMBER2 "2001:db8:12::2"
#define LAB_SILENT "2001:db8:dead::1"
#define LAB_BURST_PREFIX "2001:db8:b::"
#define LAB_BURST_COUNT 1000

typedef struct {
        unsigned long ok, wrong, errors, limited, flushes;
        unsigned reported;
} Counts;

static Counts *shared; /* one per client, in shared memory */
static int stop_on_error;

static struct in6_addr addr6(const char *s) {
        struct in6_addr a;

        if (inet_pton(AF_INET6, s, &a) != 1)
                abort();
        return a;
}

static void complain(Counts *c, unsigned client, unsigned j, const char *what, const char *how, int r) {
        if (c->reported++ < 3)
                fprintf(stderr, "lab-load: client %u request %u (%s): %s %s\n", client, j, what, how,
                        r < 0 ? bus_client_strerror(r) : "");
}

/* One outcome: r is what the call returned, want_r what it should. */
static void tally(Counts *c, unsigned client, unsigned j, const char *what, int r, int want_r, int right) {
        if (r == -ENOBUFS && want_r != -ENOBUFS) {
                c->limited++;
                return;
        }
        /* No answer at all (the daemon unreachable or silent) is a failed
         * request, also where an error answer was expected: a wrong answer
         * is an answer.  A daemon killed under load must not be reported
         * as answering wrongly. */
        if (r != want_r && r < 0 && (want_r == 0 || r == -ECONNREFUSED || r == -ETIMEDOUT)) {
                c->errors++;
                complain(c, client, j, what, "failed:", r);
        } else if (r != want_r || !right) {
                c->wrong++;
                complain(c, client, j, what, "wrong answer", r);
        } else
                c->ok++;
}

static int one_address(const struct in6_addr *a, const struct in6_addr *want, uint64_t want_flag) {
        struct in6_addr u;
        uint64_t flags = 0;
        int r = bus_client_resolve_address(0, a, 16, 0, &u, &flags, NULL, NULL);

        if (r < 0)
                return r;
        return memcmp(&u, want, 16) == 0 && (flags & want_flag) == want_flag ? 1 : 0;
}

static int one_name(const char *name, const struct in6_addr *want) {
        BusAddress *addrs = NULL;
        size_t n = 0;
        int r = bus_client_resolve_hostname(0, name, AF_INET6, 0, &addrs, &n, NULL, NULL);
        int right;

        if (r < 0)
                return r;
        right = n == 1 && addrs[0].family == AF_INET6 && memcmp(addrs[0].address, want, 16) == 0;
        free(addrs);
        return right;
}

static void run_client(unsigned client, unsigned requests, unsigned flush_every, Counts *c) {
        const struct in6_addr any = addr6(LAB_ANYCAST), m1 = addr6(LAB_MEMBER1), m2 = addr6(LAB_MEMBER2),
                              silent = addr6(LAB_SILENT), burst = addr6(LAB_BURST_PREFIX);
        char name[300];

        for (unsigned j = 0; j < requests; j++) {
                unsigned kind = (client + j) % 16;
                int r;

                if (stop_on_error && c->errors > 0)
                        break;
                if (client == 0 && flush_every && j % flush_every == flush_every - 1) {
                        r = bus_client_flush_caches();
                        tally(c, client, j, "FlushCaches", r < 0 ? r : 0, 0, 1);
                        c->flushes++;
                        continue;
                }
                switch (kind) {
                case 0:
                case 1:
                case 2:
                        r = one_address(&any, &m1, AARP_FLAG_ANYCAST);
                        tally(c, client, j, "ResolveAddress A", r < 0 ? r : 0, 0, r == 1);
                        break;
                case 3:
                        r = one_address(&m2, &m2, AARP_FLAG_UNICAST);
                        tally(c, client, j, "ResolveAddress member2", r < 0 ? r : 0, 0, r == 1);
                        break;
                case 4:
                case 5: {
                        struct in6_addr b = burst;
                        unsigned k = 1 + (client * 7919u + j) % LAB_BURST_COUNT;
                        b.s6_addr[14] = (uint8_t) (k >> 8);
                        b.s6_addr[15] = (uint8_t) k;
                        r = one_address(&b, &m1, AARP_FLAG_ANYCAST);
                        tally(c, client, j, "ResolveAddress burst", r < 0 ? r : 0, 0, r == 1);
                        break;
                }
                case 6: {
                        const uint8_t v4[4] = { 192, 0, 2, 1 };
                        uint8_t u[4] = { 0 };
                        uint64_t flags = 0;
                        r = bus_client_resolve_address(0, v4, 4, 0, u, &flags, NULL, NULL);
                        tally(c, client, j, "ResolveAddress IPv4", r, 0,
                              memcmp(u, v4, 4) == 0 && (flags & AARP_FLAG_NOT_PROBED));
                        break;
                }
                case 7:
                        r = one_address(&silent, &silent, AARP_FLAG_NO_REPLY);
                        tally(c, client, j, "ResolveAddress silent", r < 0 ? r : 0, 0, r == 1);
                        break;
                case 8: {
                        BusMember *members = NULL;
                        size_t n = 0;
                        r = bus_client_resolve_address_members(0, &any, 16, 0, &members, &n, NULL, NULL);
                        tally(c, client, j, "ResolveAddressMembers A", r, 0,
                              r == 0 && n == 1 && memcmp(members[0].address, &m1, 16) == 0);
                        free(members);
                        break;
                }
                case 9:
                        r = one_name("svc.lab", &m1);
                        tally(c, client, j, "ResolveHostname svc.lab", r < 0 ? r : 0, 0, r == 1);
                        break;
                case 10:
                        r = one_name("anycast-hosts.lab", &m1);
                        tally(c, client, j, "ResolveHostname anycast-hosts.lab", r < 0 ? r : 0, 0, r == 1);
                        break;
                case 11:
                        snprintf(name, sizeof(name), "nx-%u-%u.lab", client, j);
                        r = one_name(name, &m1);
                        tally(c, client, j, "ResolveHostname nx", r < 0 ? r : 0, -ENXIO, 1);
                        break;
                case 12:
                        r = bus_client_resolve_address(0, &any, 16, 2, NULL, NULL, NULL, NULL);
                        tally(c, client, j, "ResolveAddress flags 0x2", r, -EOPNOTSUPP, 1);
                        break;
                case 13:
                        r = bus_client_resolve_address(-1, &any, 16, 0, NULL, NULL, NULL, NULL);
                        tally(c, client, j, "ResolveAddress ifindex -1", r, -ENODEV, 1);
                        break;
                case 14:
                        if (j % 2) {
                                r = one_name("a..b", &m1);
                                tally(c, client, j, "ResolveHostname a..b", r < 0 ? r : 0, -EILSEQ, 1);
                        } else {
                                memset(name, 'x', 64);
                                strcpy(name + 64, ".lab");
                                r = one_name(name, &m1);
                                tally(c, client, j, "ResolveHostname 64-byte label", r < 0 ? r : 0,
                                      -EILSEQ, 1);
                        }
                        break;
                case 15:
                        r = bus_client_resolve_hostname(0, "svc.lab", 99, 0, NULL, NULL, NULL, NULL);
                        tally(c, client, j, "ResolveHostname family 99", r, -EAFNOSUPPORT, 1);
                        break;
                }
        }
}

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
        unsigned clients = 200, requests = 1000, flush_every = 100, nonroot = 0;
        uid_t uid = 65534;
        Counts total = { 0 };
        uint64_t start;
        int opt;

        while ((opt = getopt(argc, argv, "c:n:f:u:U:x")) != -1) {
                switch (opt) {
                case 'c': clients = (unsigned) strtoul(optarg, NULL, 10); break;
                case 'n': requests = (unsigned) strtoul(optarg, NULL, 10); break;
                case 'f': flush_every = (unsigned) strtoul(optarg, NULL, 10); break;
                case 'u': uid = (uid_t) strtoul(optarg, NULL, 10); break;
                case 'U': nonroot = (unsigned) strtoul(optarg, NULL, 10); break;
                case 'x': stop_on_error = 1; break;
                default:
                        fprintf(stderr, "usage: %s [-c CLIENTS] [-n REQUESTS] [-f FLUSH_EVERY] [-u UID] "
                                        "[-U NONROOT_CLIENTS] [-x]\n", argv[0]);
                        return 2;
                }
        }
        if (clients == 0 || clients > 10000 || nonroot > clients)
                return 2;
        shared = mmap(NULL, sizeof(Counts) * clients, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (shared == MAP_FAILED) {
                perror("lab-load: mmap");
                return 2;
        }
        memset(shared, 0, sizeof(Counts) * clients);
        start = now_ms();
        for (unsigned i = 0; i < clients; i++) {
                pid_t pid = fork();

                if (pid < 0) {
                        perror("lab-load: fork");
                        return 2;
                }
                if (pid == 0) {
                        if (i >= clients - nonroot && (setgid((gid_t) uid) < 0 || setuid(uid) < 0)) {
                                perror("lab-load: setuid");
                                _exit(2);
                        }
                        run_client(i, requests, flush_every, &shared[i]);
                        _exit(0);
                }
        }
        for (unsigned i = 0; i < clients; i++) {
                int status;

                if (wait(&status) < 0) {
                        perror("lab-load: wait");
                        return 2;
                }
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                        fprintf(stderr, "lab-load: a client died (status 0x%x)\n", status);
                        total.errors++;
                }
        }
        for (unsigned i = 0; i < clients; i++) {
                total.ok += shared[i].ok;
                total.wrong += shared[i].wrong;
                total.errors += shared[i].errors;
                total.limited += shared[i].limited;
                total.flushes += shared[i].flushes;
        }
        printf("clients %u requests %lu ok %lu wrong %lu errors %lu limited %lu flushes %lu elapsed_ms %" PRIu64
               "\n",
               clients, (unsigned long) clients * requests, total.ok, total.wrong, total.errors, total.limited,
               total.flushes, now_ms() - start);
        return total.wrong == 0 && total.errors == 0 ? 0 : 1;
}
