/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-nss-hosts.c: dlopen() the built libnss_aarp.so.2 and call every entry
 * point the way glibc does, against the real aarp-resolved.
 *
 *   test-nss-hosts MODULE up NAME[@CANONICAL]=ADDR[,ADDR...] | NAME=! ...
 *       Every entry point, AF_INET/AF_INET6/AF_UNSPEC, buffers from 0 bytes
 *       up: short buffers must give ERANGE + TRYAGAIN + NETDB_INTERNAL,
 *       every larger one success with exactly the expected addresses (in
 *       order, filtered by family: none of a family -> NOTFOUND + NO_DATA);
 *       "NAME=!" must give NOTFOUND + HOST_NOT_FOUND.  errno is checked to
 *       be preserved on every call.  Then the same lookups from 4 threads at
 *       once and from a forked child.
 *   test-nss-hosts MODULE down NAME
 *       Daemon not running: every entry point UNAVAIL + NO_RECOVERY +
 *       ECONNREFUSED without waiting for the client bound (each call,
 *       timed here, ends before AARP_CLIENT_TIMEOUT_MSEC: a wait for the
 *       bound would last at least that long), errno preserved.
 *   test-nss-hosts MODULE hung NAME
 *       Daemon stopped (SIGSTOP) but its socket accepting: TRYAGAIN +
 *       TRY_AGAIN + ETIMEDOUT, no sooner than AARP_CLIENT_TIMEOUT_MSEC and
 *       before twice that (one wait, not two).
 *   test-nss-hosts MODULE restart NAME=ADDR... -- COMMAND
 *       Look up, run COMMAND (restarts the daemon), look up again on the
 *       now dead kept connection: must reconnect, and SIGPIPE (left at its
 *       default action) must not kill us.
 *
 * Built a second time as test-nss-self-marker, which exports the daemon's
 * aarp_resolved_self_marker: run in "down" mode with the daemon up.
 *
 * Prints one line per failure and exits 1 if there was any.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <nss.h>
#include <pthread.h>
#include <signal.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aarp-def.h"

#ifdef AARP_TEST_SELF_MARKER
/* Built as test-nss-self-marker: this executable poses as aarp-resolved
 * (same exported marker), so the module must answer UNAVAIL at once even
 * with the daemon up - the daemon never re-enters its own module. */
__attribute__((visibility("default"), used)) const int aarp_resolved_self_marker = 1;
#endif

/* A daemon-down call that waited for the client bound took at least the
 * bound; anything less did not wait (a tighter ceiling would measure how
 * busy the machine is). */
#define DOWN_BOUND_MSEC AARP_CLIENT_TIMEOUT_MSEC
#define BUFFER_MAX 4096u
#define ADDRESSES_MAX 64u
/* errno value planted before each call, to see it come back unchanged. */
#define PLANTED_ERRNO 4242

typedef enum nss_status (*Gethostbyname4)(const char *, struct gaih_addrtuple **, char *, size_t, int *,
                                          int *, int32_t *);
typedef enum nss_status (*Gethostbyname3)(const char *, int, struct hostent *, char *, size_t, int *, int *,
                                          int32_t *, char **);
typedef enum nss_status (*Gethostbyname2)(const char *, int, struct hostent *, char *, size_t, int *, int *);
typedef enum nss_status (*Gethostbyname)(const char *, struct hostent *, char *, size_t, int *, int *);

static Gethostbyname4 fn4;
static Gethostbyname3 fn3;
static Gethostbyname2 fn2;
static Gethostbyname fn1;

typedef struct {
        int family;
        uint8_t address[16];
} Address;

typedef struct {
        const char *name;
        const char *canonical; /* "NAME@CANONICAL=...", else NULL: not checked */
        bool missing;          /* "NAME=!" */
        Address addresses[ADDRESSES_MAX];
        size_t n;
} Expect;

static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned failures;

#define FAIL(...)                                                                                           \
        do {                                                                                                \
                pthread_mutex_lock(&fail_lock);                                                             \
                failures++;                                                                                 \
                fprintf(stderr, "FAIL: " __VA_ARGS__);                                                      \
                fputc('\n', stderr);                                                                        \
                pthread_mutex_unlock(&fail_lock);                                                           \
        } while (0)

static const char *status_name(enum nss_status s) {
        switch (s) {
        case NSS_STATUS_SUCCESS:
                return "SUCCESS";
        case NSS_STATUS_NOTFOUND:
                return "NOTFOUND";
        case NSS_STATUS_TRYAGAIN:
                return "TRYAGAIN";
        case NSS_STATUS_UNAVAIL:
                return "UNAVAIL";
        case NSS_STATUS_RETURN:
                return "RETURN";
        default:
                return "?";
        }
}

static const char *family_name(int af) {
        return af == AF_INET ? "AF_INET" : af == AF_INET6 ? "AF_INET6" : "AF_UNSPEC";
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void parse_expect(const char *arg, Expect *ret) {
        char *copy = strdup(arg), *eq, *tok, *save = NULL;

        eq = copy ? strchr(copy, '=') : NULL;
        if (!eq) {
                fprintf(stderr, "bad expectation '%s': want NAME=ADDR[,ADDR...] or NAME=!\n", arg);
                exit(2);
        }
        *eq = '\0';
        memset(ret, 0, sizeof *ret);
        ret->name = copy;
        if (strchr(copy, '@')) {
                ret->canonical = strchr(copy, '@') + 1;
                *strchr(copy, '@') = '\0';
        }
        if (strcmp(eq + 1, "!") == 0) {
                ret->missing = true;
                return;
        }
        for (tok = strtok_r(eq + 1, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                Address *a = ret->addresses + ret->n;

                if (ret->n >= ADDRESSES_MAX) {
                        fprintf(stderr, "too many addresses in '%s'\n", arg);
                        exit(2);
                }
                a->family = strchr(tok, ':') ? AF_INET6 : AF_INET;
                if (inet_pton(a->family, tok, a->address) != 1) {
                        fprintf(stderr, "bad address '%s'\n", tok);
                        exit(2);
                }
                ret->n++;
        }
}

static size_t expected_count(const Expect *e, int af) {
        size_t k = 0;

        for (size_t i = 0; i < e->n; i++)
                if (af == AF_UNSPEC || e->addresses[i].family == af)
                        k++;
        return k;
}

/* Is the result a failure with exactly these three outputs, errno intact? */
static void check_failure(const char *what, enum nss_status s, int e, int he, enum nss_status want_s,
                          int want_e, int want_he) {
        if (errno != PLANTED_ERRNO)
                FAIL("%s: errno changed to %d (%s)", what, errno, strerror(errno));
        if (s != want_s || (want_e && e != want_e) || he != want_he)
                FAIL("%s: got %s errno=%d (%s) h_errno=%d, want %s errno=%d h_errno=%d", what,
                     status_name(s), e, strerror(e), he, status_name(want_s), want_e, want_he);
}

static bool in_buffer(const void *p, size_t size, const char *buffer, size_t buflen) {
        return (const char *)p >= buffer && (const char *)p + size <= buffer + buflen;
}

/* gethostbyname4 over every buffer size from 0 to BUFFER_MAX (or until the
 * result stabilises well past the threshold), at offset @misalign into an
 * aligned area so that packing must align by itself. */
static void check_gethostbyname4(const Expect *e, size_t misalign) {
        static _Thread_local alignas(16) char area[BUFFER_MAX + 16];
        size_t threshold = SIZE_MAX;
        char what[512];

        for (size_t len = 0; len <= BUFFER_MAX; len++) {
                char *buffer = area + misalign;
                struct gaih_addrtuple *pat = NULL;
                int err = 0, herr = 0;
                int32_t ttl = -1;
                enum nss_status s;
                size_t k = 0;

                snprintf(what, sizeof what, "gethostbyname4_r(%s) buflen=%zu misalign=%zu", e->name, len,
                         misalign);
                errno = PLANTED_ERRNO;
                s = fn4(e->name, &pat, buffer, len, &err, &herr, &ttl);
                if (e->missing) {
                        check_failure(what, s, err, herr, NSS_STATUS_NOTFOUND, 0, HOST_NOT_FOUND);
                        return;
                }
                if (s == NSS_STATUS_TRYAGAIN && threshold == SIZE_MAX) {
                        check_failure(what, s, err, herr, NSS_STATUS_TRYAGAIN, ERANGE, NETDB_INTERNAL);
                        continue;
                }
                if (s != NSS_STATUS_SUCCESS) {
                        FAIL("%s: %s errno=%d h_errno=%d after success at %zu", what, status_name(s), err,
                             herr, threshold);
                        return;
                }
                if (errno != PLANTED_ERRNO)
                        FAIL("%s: errno changed on success to %d", what, errno);
                if (threshold == SIZE_MAX)
                        threshold = len;
                for (struct gaih_addrtuple *t = pat; t; t = t->next, k++) {
                        const Address *a = e->addresses + k;

                        if (!in_buffer(t, sizeof *t, buffer, len) ||
                            (uintptr_t)t % alignof(struct gaih_addrtuple) != 0) {
                                FAIL("%s: tuple %zu at %p outside buffer or misaligned", what, k, (void *)t);
                                return;
                        }
                        if (k >= e->n) {
                                FAIL("%s: more than %zu tuples", what, e->n);
                                return;
                        }
                        if (t->family != a->family ||
                            memcmp(t->addr, a->address, a->family == AF_INET ? 4 : 16) != 0)
                                FAIL("%s: tuple %zu differs from the expected address", what, k);
                        if (!t->name || !in_buffer(t->name, strlen(t->name) + 1, buffer, len))
                                FAIL("%s: tuple %zu name not in buffer", what, k);
                        else if (e->canonical && strcmp(t->name, e->canonical) != 0)
                                FAIL("%s: tuple %zu name '%s', want '%s'", what, k, t->name, e->canonical);
                }
                if (k != e->n)
                        FAIL("%s: %zu tuples, expected %zu", what, k, e->n);
                /* Past the threshold a handful more sizes prove stability. */
                if (len > threshold + 64)
                        break;
        }
        if (!e->missing && threshold == SIZE_MAX)
                FAIL("gethostbyname4_r(%s): no buffer up to %u bytes was large enough", e->name, BUFFER_MAX);
}

/* gethostbyname3/2/1 for @af with every buffer size, as above. */
static void check_hostent(const Expect *e, int asked, int which, size_t misalign) {
        static _Thread_local alignas(16) char area[BUFFER_MAX + 16];
        /* AF_UNSPEC is answered as AF_INET, as nss_files and nss-resolve do. */
        int af = asked == AF_UNSPEC ? AF_INET : asked;
        size_t want = expected_count(e, af), threshold = SIZE_MAX;
        char what[512];

        for (size_t len = 0; len <= BUFFER_MAX; len++) {
                char *buffer = area + misalign, *canon = NULL;
                struct hostent h;
                int err = 0, herr = 0;
                int32_t ttl = -1;
                enum nss_status s;
                size_t k = 0, alen = af == AF_INET ? 4 : 16;

                snprintf(what, sizeof what, "gethostbyname%s_r(%s, %s) buflen=%zu misalign=%zu",
                         which == 3   ? "3"
                         : which == 2 ? "2"
                                      : "",
                         e->name, family_name(asked), len, misalign);
                memset(&h, 0, sizeof h);
                errno = PLANTED_ERRNO;
                if (which == 3)
                        s = fn3(e->name, asked, &h, buffer, len, &err, &herr, &ttl, &canon);
                else if (which == 2)
                        s = fn2(e->name, asked, &h, buffer, len, &err, &herr);
                else
                        s = fn1(e->name, &h, buffer, len, &err, &herr);

                if (e->missing) {
                        check_failure(what, s, err, herr, NSS_STATUS_NOTFOUND, 0, HOST_NOT_FOUND);
                        return;
                }
                if (want == 0) {
                        check_failure(what, s, err, herr, NSS_STATUS_NOTFOUND, 0, NO_DATA);
                        return;
                }
                if (s == NSS_STATUS_TRYAGAIN && threshold == SIZE_MAX) {
                        check_failure(what, s, err, herr, NSS_STATUS_TRYAGAIN, ERANGE, NETDB_INTERNAL);
                        continue;
                }
                if (s != NSS_STATUS_SUCCESS) {
                        FAIL("%s: %s errno=%d h_errno=%d after success at %zu", what, status_name(s), err,
                             herr, threshold);
                        return;
                }
                if (errno != PLANTED_ERRNO)
                        FAIL("%s: errno changed on success to %d", what, errno);
                if (threshold == SIZE_MAX)
                        threshold = len;
                if (h.h_addrtype != af || h.h_length != (int)alen)
                        FAIL("%s: h_addrtype=%d h_length=%d", what, h.h_addrtype, h.h_length);
                if (!h.h_name || !in_buffer(h.h_name, strlen(h.h_name) + 1, buffer, len))
                        FAIL("%s: h_name not in buffer", what);
                else if (e->canonical && strcmp(h.h_name, e->canonical) != 0)
                        FAIL("%s: h_name '%s', want '%s'", what, h.h_name, e->canonical);
                if (which == 3 && (canon != h.h_name || ttl < 0))
                        FAIL("%s: canonp does not point at h_name or ttl unset (%d)", what, ttl);
                if (!h.h_aliases || !in_buffer(h.h_aliases, sizeof(char *), buffer, len) || h.h_aliases[0] ||
                    (uintptr_t)h.h_aliases % alignof(char *))
                        FAIL("%s: h_aliases not an empty list in the buffer", what);
                if (!h.h_addr_list || (uintptr_t)h.h_addr_list % alignof(char *)) {
                        FAIL("%s: h_addr_list missing or misaligned", what);
                        return;
                }
                for (size_t i = 0; i < e->n; i++) {
                        if (e->addresses[i].family != af)
                                continue;
                        if (!h.h_addr_list[k] || !in_buffer(h.h_addr_list[k], alen, buffer, len) ||
                            memcmp(h.h_addr_list[k], e->addresses[i].address, alen) != 0) {
                                FAIL("%s: address %zu wrong or missing", what, k);
                                return;
                        }
                        k++;
                }
                if (h.h_addr_list[k])
                        FAIL("%s: more than %zu addresses", what, k);
                if (len > threshold + 64)
                        break;
        }
        if (threshold == SIZE_MAX)
                FAIL("%s: no buffer up to %u bytes was large enough", what, BUFFER_MAX);
}

static void check_up(const Expect *e) {
        static const size_t misaligns[] = {0, 1, 3, 8};

        for (size_t m = 0; m < sizeof misaligns / sizeof misaligns[0]; m++) {
                check_gethostbyname4(e, misaligns[m]);
                check_hostent(e, AF_INET, 3, misaligns[m]);
                check_hostent(e, AF_INET6, 3, misaligns[m]);
                check_hostent(e, AF_INET, 2, misaligns[m]);
                check_hostent(e, AF_INET6, 2, misaligns[m]);
                check_hostent(e, AF_INET, 1, misaligns[m]);
                check_hostent(e, AF_UNSPEC, 3, misaligns[m]);
                check_hostent(e, AF_UNSPEC, 2, misaligns[m]);
        }
}

typedef struct {
        const Expect *expects;
        size_t n;
} Batch;

static void *thread_main(void *p) {
        const Batch *b = p;

        for (int round = 0; round < 3; round++)
                for (size_t i = 0; i < b->n; i++) {
                        check_gethostbyname4(b->expects + i, 0);
                        check_hostent(b->expects + i, AF_INET6, 3, 0);
                }
        return NULL;
}

static void check_threads(const Expect *expects, size_t n) {
        Batch b = {expects, n};
        pthread_t t[4];

        for (size_t i = 0; i < 4; i++)
                if (pthread_create(&t[i], NULL, thread_main, &b) != 0)
                        FAIL("pthread_create: %s", strerror(errno));
        for (size_t i = 0; i < 4; i++)
                pthread_join(t[i], NULL);
}

/* The child must open its own connection: if it reused the parent's, the
 * two would read each other's replies. */
static void check_fork(const Expect *expects, size_t n) {
        pid_t pid;
        int status;

        check_gethostbyname4(expects, 0); /* parent holds a kept connection */
        pid = fork();
        if (pid < 0) {
                FAIL("fork: %s", strerror(errno));
                return;
        }
        if (pid == 0) {
                for (size_t i = 0; i < n; i++)
                        check_gethostbyname4(expects + i, 0);
                _exit(failures ? 1 : 0);
        }
        for (size_t i = 0; i < n; i++)
                check_gethostbyname4(expects + i, 0);
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                FAIL("lookups in a forked child failed (status %d)", status);
}

static void check_down(const char *name) {
        static char buffer[BUFFER_MAX];
        struct gaih_addrtuple *pat = NULL;
        struct hostent h;
        char *canon = NULL;
        int err, herr;
        int32_t ttl;
        enum nss_status s;
        char what[300];

        for (int which = 4; which >= 1; which--)
                for (int af = AF_INET; af <= AF_INET6; af += AF_INET6 - AF_INET) {
                        uint64_t t0, dt;

                        err = herr = 0;
                        errno = PLANTED_ERRNO;
                        t0 = now_usec();
                        if (which == 4)
                                s = fn4(name, &pat, buffer, sizeof buffer, &err, &herr, &ttl);
                        else if (which == 3)
                                s = fn3(name, af, &h, buffer, sizeof buffer, &err, &herr, &ttl, &canon);
                        else if (which == 2)
                                s = fn2(name, af, &h, buffer, sizeof buffer, &err, &herr);
                        else
                                s = fn1(name, &h, buffer, sizeof buffer, &err, &herr);
                        dt = now_usec() - t0;
                        if (which == 4 || which == 1) {
                                /* No family argument: once is enough. */
                                if (af == AF_INET6)
                                        continue;
                                snprintf(what, sizeof what, "daemon down: gethostbyname%s_r(%s)",
                                         which == 4 ? "4" : "", name);
                        } else
                                snprintf(what, sizeof what, "daemon down: gethostbyname%d_r(%s, %s)", which,
                                         name, family_name(af));
                        check_failure(what, s, err, herr, NSS_STATUS_UNAVAIL, ECONNREFUSED, NO_RECOVERY);
                        if (dt >= DOWN_BOUND_MSEC * 1000u)
                                FAIL("%s took %llu us: it waited for the %u ms client bound", what,
                                     (unsigned long long)dt, DOWN_BOUND_MSEC);
                        else
                                printf("ok - %s -> UNAVAIL in %llu us\n", what, (unsigned long long)dt);
                }
}

static void check_hung(const char *name) {
        static char buffer[BUFFER_MAX];
        struct gaih_addrtuple *pat = NULL;
        int err = 0, herr = 0;
        int32_t ttl;
        enum nss_status s;
        uint64_t t0, dt;

        errno = PLANTED_ERRNO;
        t0 = now_usec();
        s = fn4(name, &pat, buffer, sizeof buffer, &err, &herr, &ttl);
        dt = (now_usec() - t0) / 1000u;
        check_failure("daemon stopped: gethostbyname4_r", s, err, herr, NSS_STATUS_TRYAGAIN, ETIMEDOUT,
                      TRY_AGAIN);
        /* Timed in this process: at least the bound (a timer never fires
         * early) and less than two bounds (one wait, not a second after
         * it); a tighter ceiling would measure how busy the machine is. */
        if (dt + 10 < AARP_CLIENT_TIMEOUT_MSEC || dt >= 2u * AARP_CLIENT_TIMEOUT_MSEC)
                FAIL("daemon stopped: lookup took %llu ms, bound is %u ms", (unsigned long long)dt,
                     AARP_CLIENT_TIMEOUT_MSEC);
        else
                printf("ok - daemon stopped: TRYAGAIN after %llu ms (bound %u ms)\n", (unsigned long long)dt,
                       AARP_CLIENT_TIMEOUT_MSEC);
}

int main(int argc, char **argv) {
        Expect expects[64];
        size_t n = 0;
        const char *mode, *between = NULL;
        void *dl;

        if (argc < 4) {
                fprintf(stderr, "usage: %s MODULE up|down|hung|restart NAME[=...]... [-- CMD]\n", argv[0]);
                return 2;
        }
        /* Deliberately left at SIG_DFL: the module must not raise SIGPIPE. */
        signal(SIGPIPE, SIG_DFL);

        dl = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
        if (!dl) {
                fprintf(stderr, "FAIL: dlopen(%s): %s\n", argv[1], dlerror());
                return 1;
        }
        /* POSIX guarantees data and function pointers convert; ISO C
         * does not, hence memcpy rather than a cast. */
#define LOAD(fn, sym)                                                                                       \
        do {                                                                                                \
                void *p_ = dlsym(dl, sym);                                                                  \
                memcpy(&(fn), &p_, sizeof(fn));                                                             \
        } while (0)
        LOAD(fn4, "_nss_aarp_gethostbyname4_r");
        LOAD(fn3, "_nss_aarp_gethostbyname3_r");
        LOAD(fn2, "_nss_aarp_gethostbyname2_r");
        LOAD(fn1, "_nss_aarp_gethostbyname_r");
#undef LOAD
        if (!fn4 || !fn3 || !fn2 || !fn1) {
                fprintf(stderr, "FAIL: an entry point is missing from %s\n", argv[1]);
                return 1;
        }
        mode = argv[2];

        for (int i = 3; i < argc; i++) {
                if (strcmp(argv[i], "--") == 0) {
                        between = i + 1 < argc ? argv[i + 1] : NULL;
                        break;
                }
                if (n >= sizeof expects / sizeof expects[0])
                        return 2;
                if (strcmp(mode, "down") == 0 || strcmp(mode, "hung") == 0) {
                        memset(&expects[n], 0, sizeof expects[n]);
                        expects[n++].name = argv[i];
                } else
                        parse_expect(argv[i], &expects[n++]);
        }

        if (strcmp(mode, "up") == 0) {
                for (size_t i = 0; i < n; i++) {
                        unsigned before = failures;

                        check_up(&expects[i]);
                        if (failures == before)
                                printf("ok - %s: every entry point, every family, buffers 0..threshold+64\n",
                                       expects[i].name);
                }
                /* An invalid name (not UTF-8) is refused, never aborts. */
                {
                        Expect bad = {.name = "bad\xff\xfe.name", .missing = true};
                        unsigned before = failures;

                        check_gethostbyname4(&bad, 0);
                        if (failures == before)
                                printf("ok - a name that is not UTF-8 gives NOTFOUND\n");
                }
                check_threads(expects, n);
                printf("%s - 4 threads at once\n", failures ? "not ok" : "ok");
                check_fork(expects, n);
                printf("%s - lookups in a forked child and its parent\n", failures ? "not ok" : "ok");
        } else if (strcmp(mode, "down") == 0) {
                for (size_t i = 0; i < n; i++)
                        check_down(expects[i].name);
        } else if (strcmp(mode, "hung") == 0) {
                check_hung(expects[0].name);
        } else if (strcmp(mode, "restart") == 0) {
                int r;

                check_gethostbyname4(&expects[0], 0);
                if (!between) {
                        fprintf(stderr, "restart needs '-- COMMAND'\n");
                        return 2;
                }
                r = system(between);
                if (r != 0)
                        FAIL("'%s' failed (%d)", between, r);
                for (size_t i = 0; i < n; i++)
                        check_gethostbyname4(&expects[i], 0);
                printf("%s - lookups after the daemon restarted (kept connection dead)\n",
                       failures ? "not ok" : "ok");
        } else {
                fprintf(stderr, "unknown mode '%s'\n", mode);
                return 2;
        }

        if (strcmp(mode, "up") == 0 || strcmp(mode, "restart") == 0)
                for (size_t i = 0; i < n; i++)
                        free((char *)expects[i].name); /* parse_expect()'s copy */
        if (failures) {
                fprintf(stderr, "%u failure(s)\n", failures);
                return 1;
        }
        return 0;
}
