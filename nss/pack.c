/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pack.c: the NSS result layouts (see pack.h).
 *
 * Sizes are computed first and checked against the buffer before anything
 * is written, so a short buffer reports ERANGE with the buffer untouched and
 * glibc can retry with a larger one.  Alignment is computed from the
 * buffer's actual address: glibc's buffers are malloc()ed, but nscd and
 * other callers hand out arbitrary slices.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "pack.h"

/* Padding needed at @p to reach @align (a power of two). */
static size_t pad_for(const char *p, size_t align) {
        return (size_t)(-(uintptr_t)p & (uintptr_t)(align - 1));
}

static size_t address_size(int family) {
        return family == AF_INET ? 4 : 16;
}

static size_t count_family(const BusAddress *addresses, size_t n, int family) {
        size_t k = 0;

        for (size_t i = 0; i < n; i++)
                if (family == AF_UNSPEC || addresses[i].family == family)
                        k++;
        return k;
}

int pack_addrtuples(const char *name, const BusAddress *addresses, size_t n, int family, char *buffer,
                    size_t buflen, struct gaih_addrtuple **ret_first, size_t *ret_needed) {
        struct gaih_addrtuple *tuples, *prev = NULL;
        size_t k, name_size, pad, needed;
        char *name_copy;

        if (!name || (!addresses && n > 0) || (!buffer && buflen > 0) || !ret_first)
                return -EINVAL;
        if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
                return -EAFNOSUPPORT;

        k = count_family(addresses, n, family);
        if (k == 0)
                return -ENODATA;

        /* [pad][k tuples][name]: the name needs no alignment, so it goes
         * last and the only padding is at the start. */
        name_size = strlen(name) + 1;
        pad = pad_for(buffer, alignof(struct gaih_addrtuple));
        needed = pad + k * sizeof(struct gaih_addrtuple) + name_size;
        if (buflen < needed) {
                if (ret_needed)
                        *ret_needed = needed;
                return -ERANGE;
        }

        tuples = (struct gaih_addrtuple *)(void *)(buffer + pad);
        name_copy = (char *)(tuples + k);
        memcpy(name_copy, name, name_size);

        k = 0;
        for (size_t i = 0; i < n; i++) {
                const BusAddress *a = addresses + i;
                struct gaih_addrtuple *t;

                if (family != AF_UNSPEC && a->family != family)
                        continue;
                t = tuples + k++;
                memset(t, 0, sizeof *t);
                t->name = name_copy;
                t->family = a->family;
                memcpy(t->addr, a->address, address_size(a->family));
                /* A link-local address is meaningless without its link;
                 * other addresses must not carry a scope. */
                if (a->family == AF_INET6 &&
                    IN6_IS_ADDR_LINKLOCAL((const struct in6_addr *)(const void *)a->address) &&
                    a->ifindex > 0)
                        t->scopeid = (uint32_t)a->ifindex;
                if (prev)
                        prev->next = t;
                prev = t;
        }
        *ret_first = tuples;
        return 0;
}

int pack_hostent(const char *name, const BusAddress *addresses, size_t n, int family, char *buffer,
                 size_t buflen, struct hostent *host, char **ret_canonical, size_t *ret_needed) {
        size_t k, alen, name_size, pad, needed;
        char **addr_list, **aliases, *data, *name_copy;

        if (!name || (!addresses && n > 0) || (!buffer && buflen > 0) || !host)
                return -EINVAL;
        if (family != AF_INET && family != AF_INET6)
                return -EAFNOSUPPORT;

        k = count_family(addresses, n, family);
        if (k == 0)
                return -ENODATA;

        /* [pad][addr_list: k+1 pointers][aliases: 1 pointer][k addresses]
         * [name].  Pointers first, so one padding serves them all; the
         * addresses follow at pointer alignment, which covers in_addr and
         * in6_addr. */
        alen = address_size(family);
        name_size = strlen(name) + 1;
        pad = pad_for(buffer, alignof(char *));
        needed = pad + (k + 2) * sizeof(char *) + k * alen + name_size;
        if (buflen < needed) {
                if (ret_needed)
                        *ret_needed = needed;
                return -ERANGE;
        }

        addr_list = (char **)(void *)(buffer + pad);
        aliases = addr_list + k + 1;
        data = (char *)(aliases + 1);
        name_copy = data + k * alen;
        memcpy(name_copy, name, name_size);

        k = 0;
        for (size_t i = 0; i < n; i++) {
                if (addresses[i].family != family)
                        continue;
                addr_list[k] = data + k * alen;
                memcpy(addr_list[k], addresses[i].address, alen);
                k++;
        }
        addr_list[k] = NULL;
        aliases[0] = NULL;

        host->h_name = name_copy;
        host->h_aliases = aliases;
        host->h_addrtype = family;
        host->h_length = (int)alen;
        host->h_addr_list = addr_list;
        if (ret_canonical)
                *ret_canonical = name_copy;
        return 0;
}

int pack_hostent_names(const char *names, size_t n_names, int family, const void *address, char *buffer,
                       size_t buflen, struct hostent *host, size_t *ret_needed) {
        size_t alen, names_size = 0, pad, needed;
        char **addr_list, **aliases, *data, *p;

        if (!names || n_names == 0 || !address || (!buffer && buflen > 0) || !host)
                return -EINVAL;
        if (family != AF_INET && family != AF_INET6)
                return -EAFNOSUPPORT;
        for (size_t i = 0; i < n_names; i++)
                names_size += strlen(names + names_size) + 1;

        /* [pad][addr_list: 2 pointers][aliases: n_names pointers][address]
         * [names]: the first name is h_name, the others the aliases. */
        alen = address_size(family);
        pad = pad_for(buffer, alignof(char *));
        needed = pad + (2 + n_names) * sizeof(char *) + alen + names_size;
        if (buflen < needed) {
                if (ret_needed)
                        *ret_needed = needed;
                return -ERANGE;
        }

        addr_list = (char **)(void *)(buffer + pad);
        aliases = addr_list + 2;
        data = (char *)(aliases + n_names);
        memcpy(data, address, alen);
        addr_list[0] = data;
        addr_list[1] = NULL;
        p = data + alen;
        memcpy(p, names, names_size);
        host->h_name = p;
        p += strlen(p) + 1;
        for (size_t i = 1; i < n_names; i++) {
                aliases[i - 1] = p;
                p += strlen(p) + 1;
        }
        aliases[n_names - 1] = NULL;
        host->h_aliases = aliases;
        host->h_addrtype = family;
        host->h_length = (int)alen;
        host->h_addr_list = addr_list;
        return 0;
}
