/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nss-aarp.c: the glibc NSS entry points of libnss_aarp.so.2 (hosts).
 *
 * Each entry point asks aarp-resolved for the name (client/transport/bus-client.c),
 * packs the answer into the caller's buffer (pack.c) and maps the outcome
 * to an NSS status, errno and h_errno.  The module is a guest in every
 * process that resolves a name, so:
 *   - UNAVAIL means "the daemon cannot be reached" and nothing else, so that
 *     "hosts: aarp [!UNAVAIL=return] dns" falls through only then;
 *   - errno is the caller's again on the way out (and *errnop carries our
 *     reason on failure: glibc passes &errno as errnop);
 *   - a short buffer is ERANGE + TRYAGAIN + NETDB_INTERNAL, so glibc retries
 *     with a larger one;
 *   - inside aarp-resolved itself, or with AARP_NSS_BYPASS set, the module
 *     answers UNAVAIL at once: the daemon must never re-enter it.
 */
#include <errno.h>
#include <netdb.h>
#include <nss.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "aarp-def.h"
#include "bus-client.h"
#include "pack.h"
#include "snapshot-reader.h"

/* Defined (and exported, export_dynamic) by the aarp-resolved executable.
 * A weak reference is resolved once, when the module is loaded, so this
 * costs nothing per lookup; it is NULL in every other process. */
extern const int aarp_resolved_self_marker __attribute__((weak));

enum nss_status _nss_aarp_gethostbyname4_r(const char *name, struct gaih_addrtuple **pat, char *buffer,
                                           size_t buflen, int *errnop, int *h_errnop, int32_t *ttlp);
enum nss_status _nss_aarp_gethostbyname3_r(const char *name, int af, struct hostent *host, char *buffer,
                                           size_t buflen, int *errnop, int *h_errnop, int32_t *ttlp,
                                           char **canonp);
enum nss_status _nss_aarp_gethostbyname2_r(const char *name, int af, struct hostent *host, char *buffer,
                                           size_t buflen, int *errnop, int *h_errnop);
enum nss_status _nss_aarp_gethostbyname_r(const char *name, struct hostent *host, char *buffer,
                                          size_t buflen, int *errnop, int *h_errnop);
enum nss_status _nss_aarp_gethostbyaddr2_r(const void *addr, socklen_t len, int af, struct hostent *host,
                                           char *buffer, size_t buflen, int *errnop, int *h_errnop,
                                           int32_t *ttlp);
enum nss_status _nss_aarp_gethostbyaddr_r(const void *addr, socklen_t len, int af, struct hostent *host,
                                          char *buffer, size_t buflen, int *errnop, int *h_errnop);

static pthread_once_t bypass_once = PTHREAD_ONCE_INIT;
static bool bypass;

static void read_bypass(void) {
        const char *e = secure_getenv("AARP_NSS_BYPASS");

        bypass = &aarp_resolved_self_marker != NULL || (e && *e && *e != '0');
}

/* Read once per process: scanning the environment on every lookup cost
 * more than the rest of a snapshot hit (perf: getenv 1.8% of a 2-thread
 * getaddrinfo loop, the module's own code 0.7%). */
static bool bypassed(void) {
        (void) pthread_once(&bypass_once, read_bypass);
        return bypass;
}

/* The one mapping from a client/pack error to NSS's three outputs. */
static enum nss_status status_from_error(int r, int *ret_errno, int *ret_herrno) {
        int e = r < 0 ? -r : r;

        *ret_errno = e;
        switch (e) {
        case ECONNREFUSED:
                *ret_herrno = NO_RECOVERY;
                return NSS_STATUS_UNAVAIL;
        case ERANGE:
                *ret_herrno = NETDB_INTERNAL;
                return NSS_STATUS_TRYAGAIN;
        case ENXIO:
        case EILSEQ:
                *ret_herrno = HOST_NOT_FOUND;
                return NSS_STATUS_NOTFOUND;
        case ENODATA:
                *ret_herrno = NO_DATA;
                return NSS_STATUS_NOTFOUND;
        case EAGAIN:
        case ETIMEDOUT:
                *ret_herrno = TRY_AGAIN;
                return NSS_STATUS_TRYAGAIN;
        case ENOMEM:
                /* Not NETDB_INTERNAL: that with TRYAGAIN means "grow the
                 * buffer" to glibc. */
                *ret_herrno = NO_RECOVERY;
                return NSS_STATUS_TRYAGAIN;
        default:
                /* The daemon answered but something is wrong (bad
                 * argument, internal error, access denied): a definite
                 * "not from us", never UNAVAIL. */
                *ret_herrno = NO_RECOVERY;
                return NSS_STATUS_NOTFOUND;
        }
}

/* Every entry point's way out: the caller's errno back, and on failure our
 * reason in *errnop and *h_errnop. */
static enum nss_status leave(int r, int saved_errno, int *errnop, int *h_errnop) {
        enum nss_status status = NSS_STATUS_SUCCESS;
        int e = 0, he = 0;

        if (r < 0)
                status = status_from_error(r, &e, &he);
        errno = saved_errno;
        if (status != NSS_STATUS_SUCCESS) {
                *errnop = e;
                *h_errnop = he;
        }
        return status;
}

/* A forward answer, from wherever it came. */
typedef struct {
        const BusAddress *addresses;
        size_t n;
        const char *canonical; /* the name asked, if the daemon gave none */
        uint32_t ttl_sec;
        SnapshotAnswer snapshot;   /* a snapshot hit, in place: no allocation */
        BusAddress *bus_addresses; /* the daemon's answer, malloc()ed */
        char *bus_canonical;
} Answer;

/* Not "= { 0 }": that would clear the whole SnapshotAnswer (1.8 KiB) on
 * every lookup, where a hit fills in only its answer. */
static void answer_init(Answer *a) {
        a->bus_addresses = NULL;
        a->bus_canonical = NULL;
}

static void answer_done(Answer *a) {
        free(a->bus_addresses);
        free(a->bus_canonical);
}

/* The answer for @name: from the daemon's published snapshot when it holds
 * a live one (no round trip), else from the daemon over D-Bus. */
static int lookup_hostname(const char *name, int family, Answer *a) {
        int r = snapshot_reader_lookup(name, family, &a->snapshot);

        if (r == 0) {
                a->addresses = a->snapshot.addresses;
                a->n = a->snapshot.n;
                a->canonical = a->snapshot.canonical;
                a->ttl_sec = a->snapshot.ttl_sec;
        } else {
                if (r != -ENOENT)
                        return r;
                r = bus_client_resolve_hostname_ttl(0, name, family, 0, &a->bus_addresses, &a->n,
                                                    &a->bus_canonical, NULL, &a->ttl_sec);
                if (r < 0)
                        return r;
                a->addresses = a->bus_addresses;
                a->canonical = a->bus_canonical;
        }
        if (!*a->canonical)
                a->canonical = name;
        return 0;
}

enum nss_status _nss_aarp_gethostbyname4_r(const char *name, struct gaih_addrtuple **pat, char *buffer,
                                           size_t buflen, int *errnop, int *h_errnop, int32_t *ttlp) {
        int saved_errno = errno, r;
        Answer a;
        struct gaih_addrtuple *first = NULL;

        answer_init(&a);
        if (bypassed()) {
                r = -ECONNREFUSED;
                goto out;
        }
        if (!name || !pat) {
                r = -EINVAL;
                goto out;
        }
        r = lookup_hostname(name, AF_UNSPEC, &a);
        if (r < 0)
                goto out;
        r = pack_addrtuples(a.canonical, a.addresses, a.n, AF_UNSPEC, buffer, buflen, &first, NULL);
        if (r < 0)
                goto out;

        /* Older glibc and nscd hand us a tuple to fill in place. */
        if (*pat)
                **pat = *first;
        else
                *pat = first;
        if (ttlp)
                *ttlp = (int32_t) a.ttl_sec;

out:
        answer_done(&a);
        return leave(r, saved_errno, errnop, h_errnop);
}

enum nss_status _nss_aarp_gethostbyname3_r(const char *name, int af, struct hostent *host, char *buffer,
                                           size_t buflen, int *errnop, int *h_errnop, int32_t *ttlp,
                                           char **canonp) {
        int saved_errno = errno, r;
        Answer a;
        char *h_name = NULL;

        answer_init(&a);
        if (bypassed()) {
                r = -ECONNREFUSED;
                goto out;
        }
        if (!name || !host) {
                r = -EINVAL;
                goto out;
        }
        /* As nss_files and nss-resolve: a caller that names no family
         * gets IPv4, the only family struct hostent had at first. */
        if (af == AF_UNSPEC)
                af = AF_INET;
        if (af != AF_INET && af != AF_INET6) {
                r = -EAFNOSUPPORT;
                goto out;
        }
        r = lookup_hostname(name, af, &a);
        if (r < 0)
                goto out;
        r = pack_hostent(a.canonical, a.addresses, a.n, af, buffer, buflen, host, &h_name, NULL);
        if (r < 0)
                goto out;
        if (ttlp)
                *ttlp = (int32_t) a.ttl_sec;
        if (canonp)
                *canonp = h_name;

out:
        answer_done(&a);
        return leave(r, saved_errno, errnop, h_errnop);
}

enum nss_status _nss_aarp_gethostbyname2_r(const char *name, int af, struct hostent *host, char *buffer,
                                           size_t buflen, int *errnop, int *h_errnop) {
        return _nss_aarp_gethostbyname3_r(name, af, host, buffer, buflen, errnop, h_errnop, NULL, NULL);
}

enum nss_status _nss_aarp_gethostbyname_r(const char *name, struct hostent *host, char *buffer,
                                          size_t buflen, int *errnop, int *h_errnop) {
        /* RES_USE_INET6 is gone from glibc (2.26): plain gethostbyname is
         * IPv4. */
        return _nss_aarp_gethostbyname3_r(name, AF_INET, host, buffer, buflen, errnop, h_errnop, NULL, NULL);
}

/* Reverse lookups (getnameinfo(), gethostbyaddr(), getent hosts ADDRESS):
 * the daemon asks the hosts file, then DNS through its AARP-resolved
 * nameservers, which "dns" in nsswitch.conf cannot use when they are
 * anycast. */
enum nss_status _nss_aarp_gethostbyaddr2_r(const void *addr, socklen_t len, int af, struct hostent *host,
                                           char *buffer, size_t buflen, int *errnop, int *h_errnop,
                                           int32_t *ttlp) {
        int saved_errno = errno, r;
        char *names = NULL;
        size_t n = 0;
        uint32_t ttl = 0;

        if (bypassed()) {
                r = -ECONNREFUSED;
                goto out;
        }
        if (!addr || !host) {
                r = -EINVAL;
                goto out;
        }
        if (!((af == AF_INET && len == 4) || (af == AF_INET6 && len == 16))) {
                r = -EAFNOSUPPORT;
                goto out;
        }
        r = bus_client_resolve_address_name(0, af, addr, 0, &names, &n, &ttl);
        if (r < 0)
                goto out;
        r = pack_hostent_names(names, n, af, addr, buffer, buflen, host, NULL);
        if (r < 0)
                goto out;
        if (ttlp)
                *ttlp = (int32_t) ttl;

out:
        free(names);
        return leave(r, saved_errno, errnop, h_errnop);
}

enum nss_status _nss_aarp_gethostbyaddr_r(const void *addr, socklen_t len, int af, struct hostent *host,
                                          char *buffer, size_t buflen, int *errnop, int *h_errnop) {
        return _nss_aarp_gethostbyaddr2_r(addr, len, af, host, buffer, buflen, errnop, h_errnop, NULL);
}
