/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nss-floor.c: libnss_floor.so.2, an NSS hosts module that answers every
 * name with one constant IPv6 address (2001:db8:11::2) and does nothing
 * else: no file, no socket, no lock.  What getaddrinfo() costs through it
 * is the floor that no NSS module can go under (glibc's own work around the
 * module), against which the benchmarks measure libnss_aarp's snapshot
 * path.  It copies the name and the address into the caller's buffer as a
 * real module must.
 */
#include <errno.h>
#include <netdb.h>
#include <nss.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

/* glibc's struct gaih_addrtuple (nss.h declares it in newer versions). */
struct floor_addrtuple {
        struct floor_addrtuple *next;
        char *name;
        int family;
        uint32_t addr[4];
        uint32_t scopeid;
};

static const uint8_t floor_address[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

enum nss_status _nss_floor_gethostbyname4_r(const char *name, struct floor_addrtuple **pat, char *buffer,
                                            size_t buflen, int *errnop, int *h_errnop, int32_t *ttlp);
enum nss_status _nss_floor_gethostbyname3_r(const char *name, int af, struct hostent *host, char *buffer,
                                            size_t buflen, int *errnop, int *h_errnop, int32_t *ttlp,
                                            char **canonp);
enum nss_status _nss_floor_gethostbyname2_r(const char *name, int af, struct hostent *host, char *buffer,
                                            size_t buflen, int *errnop, int *h_errnop);

enum nss_status _nss_floor_gethostbyname4_r(const char *name, struct floor_addrtuple **pat, char *buffer,
                                            size_t buflen, int *errnop, int *h_errnop, int32_t *ttlp) {
        size_t len = strlen(name) + 1;
        size_t need = sizeof(struct floor_addrtuple) + len;
        struct floor_addrtuple *t;

        if (buflen < need) {
                *errnop = ERANGE;
                *h_errnop = NETDB_INTERNAL;
                return NSS_STATUS_TRYAGAIN;
        }
        t = (struct floor_addrtuple *) (void *) buffer;
        memset(t, 0, sizeof(*t));
        t->name = memcpy(buffer + sizeof(*t), name, len);
        t->family = AF_INET6;
        memcpy(t->addr, floor_address, 16);
        if (*pat)
                **pat = *t;
        else
                *pat = t;
        if (ttlp)
                *ttlp = 60;
        return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_floor_gethostbyname3_r(const char *name, int af, struct hostent *host, char *buffer,
                                            size_t buflen, int *errnop, int *h_errnop, int32_t *ttlp,
                                            char **canonp) {
        size_t len = strlen(name) + 1;
        char **list;

        if (af != AF_INET6) {
                *errnop = EAFNOSUPPORT;
                *h_errnop = NO_DATA;
                return NSS_STATUS_NOTFOUND;
        }
        if (buflen < 4 * sizeof(char *) + 16 + len) {
                *errnop = ERANGE;
                *h_errnop = NETDB_INTERNAL;
                return NSS_STATUS_TRYAGAIN;
        }
        list = (char **) (void *) buffer;
        list[0] = buffer + 4 * sizeof(char *);
        list[1] = NULL;
        list[2] = NULL; /* no aliases */
        memcpy(list[0], floor_address, 16);
        host->h_name = memcpy(list[0] + 16, name, len);
        host->h_aliases = &list[2];
        host->h_addrtype = AF_INET6;
        host->h_length = 16;
        host->h_addr_list = list;
        if (ttlp)
                *ttlp = 60;
        if (canonp)
                *canonp = host->h_name;
        return NSS_STATUS_SUCCESS;
}

enum nss_status _nss_floor_gethostbyname2_r(const char *name, int af, struct hostent *host, char *buffer,
                                            size_t buflen, int *errnop, int *h_errnop) {
        return _nss_floor_gethostbyname3_r(name, af, host, buffer, buflen, errnop, h_errnop, NULL, NULL);
}
